/*
 * fusion.h -- what core/graph.c calls when it fuses a pair of nodes into one pass (private
 * to src/core and src/ops). The graph finds the pattern (graph.c, fuse_swish_pairs); the
 * ops below decide whether their prepared parameters allow it and set the fused node up.
 *
 *   swish   LOGISTIC(x) -> s; MUL(x, s) -> out   (either operand order, no broadcast)
 *           becomes MUL evaluating out = act(x * sigmoid(x)) from x alone; the LOGISTIC
 *           node is skipped and s never materialized. float32: one vector pass
 *           (kernels/f32_vunary.h, swish: the pair's bits); int8 / uint8: out depends on
 *           the byte of x alone, so a 256-entry table built by running both prepared
 *           kernels on every byte (bit-exact by construction), looked up with
 *           kernels/x8_lut.h.
 *   epilogue CONV_2D, DEPTHWISE_CONV_2D or BATCH_MATMUL (float32) -> x; E(x) -> y, E a
 *           float activation kernel (activations.c: HARD_SWISH, LOGISTIC, TANH, GELU, RELU,
 *           ...), a MUL fused into a float swish, or a float binary op of x and a constant
 *           scalar, x read by E alone (and by E's fused LOGISTIC): the producer writes y
 *           and applies E to each block of it right after computing it (in place, while
 *           the block is in the core's cache); the E node is skipped and x never
 *           materialized. The same float operations on the same values, so the same bits.
 *   residual CONV_2D or FULLY_CONNECTED (float32) -> x; ADD(x, r) -> y, same shapes, r
 *           ready before the producer runs (a residual connection: MobileNet V2's 10 ADDs,
 *           ResNet50's 16, a Transformer block's 2): the producer writes y and adds r to each
 *           block of it right after computing it, through the ADD's own vector loop in the
 *           ADD's operand order, so the same bits; the ADD node is skipped and x never
 *           materialized. The epilogue finds r's elements at the block's offset in y, so it
 *           runs only where the producer writes its real output (not into the ring of a
 *           fused expansion).
 */
#ifndef TFLC_OPS_FUSION_H
#define TFLC_OPS_FUSION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/internal.h"

/* Runs a prepared activation node's eval arithmetic (activations.c: any of its kernels) on
 * n elements of `in` into `out`, of the node's input / output dtypes, instead of its own
 * tensors. False (nothing written) when the node is not such a kernel. */
bool tflc_activation_apply(const tflc_node *act, const void *in, void *out, size_t n);

/* The input slot of a prepared node that can run as an epilogue (a float activation: 0; a
 * MUL fused into a float swish: the slot of x), or -1. Such a node computes each float32
 * output element from its x alone, so it runs in place on any span of x. */
int tflc_epilogue_input(const tflc_node *node);

/* Whether such a node e reads producer's one output as its x, both float32 and of one size:
 * what every producer's fuse function below checks first. */
bool tflc_epilogue_fits(const tflc_node *producer, const tflc_node *e);

/* Runs such a node's arithmetic on n floats in place. (Also a float binary node of x and a
 * constant scalar: tflc_bin_scalar_input.) */
void tflc_epilogue_apply(const tflc_node *node, float *data, size_t n);

/* The same on rows x cols floats at c, row stride ldc: a GEMM's epilogue
 * (tflc_gemm_f32_args.epilogue, its ctx the node). */
void tflc_epilogue_block(const void *node, float *c, size_t ldc, size_t rows, size_t cols);

/* elementwise_binary.c's side of a residual ADD: the slot of its operand x when it is run
 * by a convolution (else -1); y's elements at data's offset in the ADD's output, computed in
 * place (n of them) from x there and r; and, called by the producer taking it, setting the
 * ADD up with x = inputs[x_slot], the producer's one output (false, nothing changed: not
 * that, or not a float ADD of three tensors of one shape). */
int tflc_add_residual_input(const tflc_node *add);
void tflc_add_residual_apply(const tflc_node *add, float *data, size_t n);
bool tflc_add_fuse_residual(tflc_node *add, const tflc_node *producer, int x_slot);

/* elementwise_binary.c's side for a float binary node of x and a constant scalar: the slot
 * of x (else -1), and the node's arithmetic on n floats of x in place. */
int tflc_bin_scalar_input(const tflc_node *node);
void tflc_bin_scalar_apply(const tflc_node *node, float *data, size_t n);

/* elementwise_binary.c's side of the above for a fused swish MUL. */
int tflc_mul_swish_input(const tflc_node *mul);
void tflc_mul_swish_apply(const tflc_node *mul, const float *x, float *out, size_t n);

/* After both nodes' prepare: makes the prepared epilogue node `e` (tflc_epilogue_input) part
 * of the convolution `conv` (CONV_2D or DEPTHWISE_CONV_2D) whose output is e's x, applied to
 * the convolution's output in place. True when taken (float32, e's output of the same size);
 * the caller then points the convolution's output at e's. A later prepare undoes it. */
bool tflc_conv_fuse_epilogue(tflc_node *conv, const tflc_node *e);
bool tflc_dw_fuse_epilogue(tflc_node *dw, const tflc_node *e);

/* The same for a float BATCH_MATMUL (a Transformer's attention scores scaled by a constant). */
bool tflc_bmm_fuse_epilogue(tflc_node *bmm, const tflc_node *e);

/* After both nodes' prepare and the activation fusions: makes the ADD node `add`, whose
 * operand add->inputs[x_slot] is the float CONV_2D `conv`'s output x, the convolution's
 * epilogue (residual, above). True when taken (no epilogue yet, tflc_add_fuse_residual
 * agrees); the caller then points the convolution's output at the ADD's and must have
 * checked that the other operand is ready before the convolution runs and stays unchanged
 * until the ADD. A later prepare undoes it. */
bool tflc_conv_fuse_residual(tflc_node *conv, tflc_node *add, int x_slot);

/* The same for a float FULLY_CONNECTED on the GEMM `fc` (not with a TANH or SIGN_BIT
 * activation, which run after the product). */
bool tflc_fc_fuse_residual(tflc_node *fc, tflc_node *add, int x_slot);

/* Whether a prepared CONV_2D is a float 1x1, stride 1 product on its cached packed filter
 * in the FMA order (not the small-filter rounding, whose sums depend on where a pixel sits
 * among all of them): each output pixel is then the same sum whatever pixels a call covers,
 * so tflc_conv_pointwise_rows_f32 may compute any of them, in any order (and into any
 * buffer: not with a residual epilogue, which reads r at the output's offsets). */
bool tflc_conv_pointwise_f32(const tflc_node *conv);

/* Output pixels [pixel, pixel + count) of such a node (pixel = (n*H + y)*W + x), from its
 * input tensor, into dst [count, channels], activation and fused epilogue applied: the bits
 * its own eval writes there. Never allocates. */
void tflc_conv_pointwise_rows_f32(const tflc_node *conv, size_t pixel, size_t count, float *dst);

/* The same test and computation for pixels written where the node's own eval writes them,
 * into its output tensor: there a residual epilogue is allowed too (it finds r at the
 * output's offsets). */
bool tflc_conv_pointwise_out_f32(const tflc_node *conv);
void tflc_conv_pointwise_out_rows_f32(const tflc_node *conv, size_t pixel, size_t count);

/* The ADD a CONV_2D runs as its residual epilogue (tflc_conv_fuse_residual), or NULL. */
const tflc_node *tflc_conv_residual_add(const tflc_node *conv);

/* After both nodes' prepare and the epilogue fusions: makes the float DEPTHWISE_CONV_2D
 * `dw` compute its input x itself, a few rows at a time into a per-thread ring in its
 * scratch (node->scratch_bytes grows), from the 1x1 CONV_2D `conv` that writes x
 * (tflc_conv_pointwise_f32). True when taken (the dw's fast float path, dilation 1, stride
 * at most the window, and x big enough that it would not stay in cache between the two);
 * the caller then marks conv fused and x gets no arena slot. A later prepare undoes it. */
bool tflc_dw_fuse_expand(tflc_node *dw, const tflc_node *conv);

/* After the expansion fusions: makes the float DEPTHWISE_CONV_2D `dw` (fast path) run the
 * CONV_2D `conv` that alone reads its output t (tflc_conv_pointwise_out_f32: a 1x1 float
 * projection) on each range of output rows right after computing them, while they are in
 * the core's cache, into the convolution's own output: one parallel pass for the two, not
 * two. The same products on the same inputs, so the same bits. True when taken (the output
 * image has at least 28 x 28 pixels: below, the tasks' products are too short); the caller
 * marks conv fused and must have checked that conv's residual operand, if any, is ready
 * when dw runs. t keeps its tensor. A later prepare undoes it. */
bool tflc_dw_fuse_project(tflc_node *dw, const tflc_node *conv);

/* Tests: output images of at least `pixels` pixels take their projection in (small graphs
 * reach the fused form); 0 restores the default (28 x 28). Set it before prepare. */
void tflc_dw_set_project_min_pixels(size_t pixels);

/* Tests: x images of more than `bytes` bytes fuse (small graphs reach the fused form); 0
 * restores the default (more than 2 MiB and than one core's L2). Set it before prepare. */
void tflc_dw_set_expand_min_bytes(size_t bytes);

/* A TRANSPOSE beside a float BATCH_MATMUL without batch broadcast (a Transformer's
 * attention: [1,128,4,64] perm {0,2,1,3} -> Q, perm {0,2,3,1} -> K^T, and the product
 * [1,4,128,64] perm {0,2,1,3} back): the product reads the transpose's input, or writes its
 * output, through the strided view the permutation makes, as long as each matrix keeps
 * unit stride along the dim the GEMM walks (the lhs along K, the output along C; the rhs
 * along either, packed from rows or from columns). The same products of the same values, so
 * the same bits; the TRANSPOSE pass and its tensor go away. After both nodes' prepare:
 *   input:  transpose's output is the BATCH_MATMUL's input `slot` (0: lhs, not adj_x;
 *           1: rhs, not a constant); the caller then marks the transpose fused and keeps
 *           its input alive until the product.
 *   output: transpose reads the BATCH_MATMUL's output; the caller then points the product's
 *           output at the transpose's and marks the transpose fused.
 * True when taken. A later prepare of the BATCH_MATMUL undoes it. */
bool tflc_bmm_fuse_input_transpose(tflc_node *bmm, int slot, const tflc_node *transpose);
bool tflc_bmm_fuse_output_transpose(tflc_node *bmm, const tflc_node *transpose);

/* The most nodes one element-wise chain runs. */
#define TFLC_BIN_CHAIN_MAX 8

/* An element-wise chain (elementwise_binary.c; core/graph.c, fuse_elementwise_chains):
 * consecutive float ADD / SUB / MUL / DIV / SQUARED_DIFFERENCE nodes on their element loops
 * whose outputs have one shape, e.g. a layer normalization's tail [1,128,256] (a Transformer
 * block: MUL(rstd, gamma) -> s; MUL(-mean, s); MUL(x, s); ADD), run by the first of them in
 * one parallel pass, a block of elements at a time: every member's block before the next
 * block. A member reads another member's output only at its own elements (one shape), so
 * each block needs only the blocks before it; an output that only later members read stays
 * in the thread's scratch for the block (tflc_bin_chain_local) and never reaches the arena.
 * Each member computes through its own loops, so the same bits.
 *   tflc_bin_chain_append(first, first) starts a chain at `first` after prepare; then each
 *   following node: true when it joined (the node kinds above, an output of first's shape,
 *   at most TFLC_BIN_CHAIN_MAX nodes). The caller checks the graph side (consecutive planned
 *   nodes, no state, one writer per tensor) and marks the others fused; a chain of one node
 *   runs as a node alone.
 *   tflc_bin_chain_local(first, m): member m's output is read by later members alone, so it
 *   lives in the first node's per-thread scratch (thread_scratch_bytes grows).
 * A later prepare of `first` undoes both. */
bool tflc_bin_chain_append(tflc_node *first, tflc_node *node);
void tflc_bin_chain_local(tflc_node *first, int m);

/* Tests: false keeps every element-wise node apart (the unfused baseline); true restores the
 * default. Set it before prepare. */
void tflc_bin_set_chains(bool on);

/* After both nodes' prepare: turns the MUL node `mul` into the fused swish of the prepared
 * LOGISTIC node `logistic`, whose output must be one of the MUL's inputs and whose input
 * the other. True when fused; false (MUL unchanged) when the dtype, shapes or parameters do
 * not allow it (int16, a broadcast, a MUL kept on its reference loops). A later prepare of
 * the MUL undoes it. */
bool tflc_mul_fuse_swish(tflc_node *mul, const tflc_node *logistic);

#endif
