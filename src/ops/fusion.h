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

/* After both nodes' prepare: turns the MUL node `mul` into the fused swish of the prepared
 * LOGISTIC node `logistic`, whose output must be one of the MUL's inputs and whose input
 * the other. True when fused; false (MUL unchanged) when the dtype, shapes or parameters do
 * not allow it (int16, a broadcast, a MUL kept on its reference loops). A later prepare of
 * the MUL undoes it. */
bool tflc_mul_fuse_swish(tflc_node *mul, const tflc_node *logistic);

#endif
