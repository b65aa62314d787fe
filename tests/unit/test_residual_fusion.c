/*
 * test_residual_fusion.c -- an ADD of a float CONV_2D's output and a tensor ready before that
 * convolution, done by the convolution as its epilogue (core/graph.c, fuse_residual_adds;
 * ops/fusion.h, residual): the fused graph must give the unfused graph's outputs bit for
 * bit, the ADD must be skipped exactly when the fusion is allowed, and x must get no storage.
 *
 * A hand-built float32 subgraph (r's producer only for the "early" and "late" sources):
 *   [early] r0 -RELU-> r                                  (before the convolution)
 *   in [N,H,W,C] -CONV_2D KxK SAME (w, b, act)-> x [N,H,W,M]
 *   [late]  r0 -RELU-> r                                  (after it: refused)
 *   ADD(x, r) or ADD(r, x), fused activation -> y
 *   [dw]    y -DEPTHWISE_CONV_2D 3x3 SAME-> d             (must not take the 1x1 CONV_2D in)
 * r is otherwise a graph input, or a constant [M] (a broadcast: refused). The unfused graph
 * also lists x as an output, which keeps the ADD a node of its own. Shapes pick the
 * pointwise GEMM (ragged panels, several threads), im2col (3 channels) and taps (64
 * channels on AVX-512). With `fc` the producer is a FULLY_CONNECTED instead, in [R,C] ->
 * x [R,M] (R = N*H*W): the GEMM, a one-row product (R = 1) and a small one read in place;
 * its TANH activation, applied after the product, is refused. The input holds a NaN and r
 * a NaN of another payload at one pixel, so the fused ADD must keep the node's operand
 * order (an x86 add returns its first NaN).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "core/threadpool.h"
#include "core/weight_cache.h"
#include "format/schema.h"
#include "ops/conv_common.h"
#include "ops/fusion.h"
#include "ops/math_common.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0xD1B54A32D192ED03ull
#include "rng.h"

enum { R_IN, R_W, R_B, R_X, R_R0, R_R, R_Y, R_DW, R_DB, R_D, R_TENSORS };

typedef enum r_source { R_INPUT, R_EARLY, R_LATE, R_BCAST } r_source;

typedef struct res_case {
    int32_t n, h, w, c, m, k;
    int conv_act, add_act, threads;
    int x_slot;                            /* 0: ADD(x, r); 1: ADD(r, x) */
    r_source source;
    bool dw;                               /* a depthwise convolution reads y */
    bool fuses;                            /* whether the ADD must be fused */
    bool fc;                               /* the producer is a FULLY_CONNECTED */
} res_case;

typedef struct res_graph {
    tflc_tensor_desc tensors[R_TENSORS];
    tflc_op_desc ops[4];
    int32_t io[4][3], outs[4][1];
    int32_t inputs[2], outputs[3];
    tflc_subgraph_desc sg;
    struct tflc_model model;
    opcase conv_opts, fc_opts, add_opts, dw_opts;   /* only their options tables */
    float *weights;                        /* w, b, rc, dw, db: the model's own bytes (cached) */
    float *w, *b, *rc, *dw, *db;
} res_graph;

static int cases_run;

static size_t res_count(const res_case *k, int32_t channels) {
    return (size_t)k->n * (size_t)k->h * (size_t)k->w * (size_t)channels;
}

static void res_options(res_graph *f, const res_case *k) {
    oc_init(&f->conv_opts, &tflc_kernel_conv_2d);
    oc_options(&f->conv_opts, BO_Conv2D);
    opt_i8(&f->conv_opts, CONV2D_OPT_PADDING, CONV_PADDING_SAME);
    opt_i32(&f->conv_opts, CONV2D_OPT_STRIDE_H, 1);
    opt_i32(&f->conv_opts, CONV2D_OPT_STRIDE_W, 1);
    opt_i8(&f->conv_opts, CONV2D_OPT_ACTIVATION, (int8_t)k->conv_act);
    oc_build_options(&f->conv_opts);
    oc_init(&f->fc_opts, &tflc_kernel_fully_connected);
    oc_options(&f->fc_opts, BO_FullyConnected);
    opt_i8(&f->fc_opts, FC_OPT_ACTIVATION, (int8_t)k->conv_act);
    oc_build_options(&f->fc_opts);
    oc_init(&f->add_opts, &tflc_kernel_add);
    oc_options(&f->add_opts, BO_Add);
    opt_i8(&f->add_opts, ADD_OPT_ACTIVATION, (int8_t)k->add_act);
    oc_build_options(&f->add_opts);
    oc_init(&f->dw_opts, &tflc_kernel_depthwise_conv_2d);
    oc_options(&f->dw_opts, BO_DepthwiseConv2D);
    opt_i8(&f->dw_opts, DWCONV_OPT_PADDING, CONV_PADDING_SAME);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_H, 1);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_W, 1);
    opt_i32(&f->dw_opts, DWCONV_OPT_DEPTH_MULTIPLIER, 1);
    oc_build_options(&f->dw_opts);
}

/* Appends op `code` to f (n_in of a, b, c; output o) with the options table of `opts`. */
static int res_op(res_graph *f, int *n_ops, int32_t code, int n_in, int32_t a, int32_t b,
                  int32_t c, int32_t o, const opcase *opts, int options_type) {
    const int i = (*n_ops)++;
    desc_op(&f->ops[i], f->io[i], f->outs[i], code, n_in, a, b, c, o);
    if (opts) {
        f->ops[i].options_type = (uint8_t)options_type;
        f->ops[i].options = opts->op.options;
    }
    return i;
}

/* Builds the graph; *conv_op and *add_op receive the two nodes' indices. */
static void res_build(res_graph *f, const res_case *k, bool plain, int *conv_op, int *add_op) {
    const size_t nw = (size_t)k->m * (size_t)k->k * (size_t)k->k * (size_t)k->c;
    /* One block, as in a model file, so that the filters are packed once into the model's
     * weight cache (a 1x1 filter packed ahead is what lets a depthwise convolution take the
     * convolution in: the case the residual epilogue must refuse). */
    const size_t total = nw + (size_t)k->m * 13;
    f->weights = rng_floats(total, 1.0f / sqrtf((float)(k->k * k->k * k->c)));
    f->w = f->weights;
    f->b = f->w + nw;
    f->rc = f->b + k->m;
    f->dw = f->rc + k->m;
    f->db = f->dw + (size_t)k->m * 9;
    const int32_t rows = k->n * k->h * k->w;
    const int32_t in_fc[2] = {rows, k->c}, act_fc[2] = {rows, k->m}, w_fc[2] = {k->m, k->c};
    const int32_t in_cv[4] = {k->n, k->h, k->w, k->c}, act_cv[4] = {k->n, k->h, k->w, k->m};
    const int32_t w_cv[4] = {k->m, k->k, k->k, k->c}, dw[4] = {1, 3, 3, k->m}, m[1] = {k->m};
    const int32_t *in = k->fc ? in_fc : in_cv, *act = k->fc ? act_fc : act_cv;
    const int rank = k->fc ? 2 : 4;
    desc_tensor(&f->tensors[R_IN], TFLC_FLOAT32, in, rank, NULL, 0);
    desc_tensor(&f->tensors[R_W], TFLC_FLOAT32, k->fc ? w_fc : w_cv, rank, f->w, nw * sizeof(float));
    desc_tensor(&f->tensors[R_B], TFLC_FLOAT32, m, 1, f->b, (size_t)k->m * sizeof(float));
    desc_tensor(&f->tensors[R_DW], TFLC_FLOAT32, dw, 4, f->dw, (size_t)k->m * 9 * sizeof(float));
    desc_tensor(&f->tensors[R_DB], TFLC_FLOAT32, m, 1, f->db, (size_t)k->m * sizeof(float));
    for (int t = R_X; t <= R_D; t++)
        if (t != R_DW && t != R_DB) desc_tensor(&f->tensors[t], TFLC_FLOAT32, act, rank, NULL, 0);
    if (k->source == R_BCAST)
        desc_tensor(&f->tensors[R_R], TFLC_FLOAT32, m, 1, f->rc, (size_t)k->m * sizeof(float));
    res_options(f, k);
    int n_ops = 0;
    if (k->source == R_EARLY) res_op(f, &n_ops, OPC_RELU, 1, R_R0, -1, -1, R_R, NULL, 0);
    *conv_op = k->fc ? res_op(f, &n_ops, OPC_FULLY_CONNECTED, 3, R_IN, R_W, R_B, R_X, &f->fc_opts,
                              BO_FullyConnected)
                     : res_op(f, &n_ops, OPC_CONV_2D, 3, R_IN, R_W, R_B, R_X, &f->conv_opts, BO_Conv2D);
    if (k->source == R_LATE) res_op(f, &n_ops, OPC_RELU, 1, R_R0, -1, -1, R_R, NULL, 0);
    const int32_t a = k->x_slot == 0 ? R_X : R_R, b = k->x_slot == 0 ? R_R : R_X;
    *add_op = res_op(f, &n_ops, OPC_ADD, 2, a, b, -1, R_Y, &f->add_opts, BO_Add);
    if (k->dw)
        res_op(f, &n_ops, OPC_DEPTHWISE_CONV_2D, 3, R_Y, R_DW, R_DB, R_D, &f->dw_opts,
               BO_DepthwiseConv2D);
    f->inputs[0] = R_IN;
    f->inputs[1] = k->source == R_INPUT ? R_R : R_R0;
    int n_out = 0;
    f->outputs[n_out++] = k->dw ? R_D : R_Y;
    if (plain) f->outputs[n_out++] = R_X;
    f->sg = (tflc_subgraph_desc){.name = "residual", .tensors = f->tensors,
                                 .n_tensors = R_TENSORS, .ops = f->ops, .n_ops = n_ops,
                                 .inputs = f->inputs, .n_inputs = k->source == R_BCAST ? 1 : 2,
                                 .outputs = f->outputs, .n_outputs = n_out};
    f->model = (struct tflc_model){.subgraphs = &f->sg, .n_subgraphs = 1,
                                   .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES,
                                   .buf = (const uint8_t *)f->weights,
                                   .size = total * sizeof(float)};
}

static void res_free(res_graph *f) {
    oc_free(&f->conv_opts);
    oc_free(&f->fc_opts);
    oc_free(&f->add_opts);
    oc_free(&f->dw_opts);
    tflc_weight_cache_free(f->model.weight_cache);
    free(f->weights);
}

/* Runs the graph (plain: x is an output too) on `in` and `r_in` (r or r0), twice (the
 * second invoke must repeat the first); copies the first output out and says whether the ADD
 * was fused and whether the CONV_2D was (into the depthwise convolution). */
static bool res_run(const res_case *k, bool plain, const float *in, const float *r_in,
                    float *out, size_t out_count, bool *add_fused, bool *conv_fused) {
    static res_graph f;
    const uint64_t seed = rng_state;
    memset(&f, 0, sizeof f);
    int conv_op, add_op;
    res_build(&f, k, plain, &conv_op, &add_op);
    rng_state = seed;                      /* the same weights for both graphs */
    struct tflc_runner runner = {.model = &f.model};
    if (k->threads > 1) CHECK(tflc_threadpool_create(k->threads, &runner.pool) == TFLC_OK);
    const int in_t[2] = {R_IN, f.inputs[1]};
    const float *in_data[2] = {in, r_in};
    tflc_graph g;
    const tflc_status s = graph_run_twice(&g, &runner, k->source == R_BCAST ? 1 : 2, in_t, in_data,
                                          f.outputs[0], out, out_count);
    if (s == TFLC_OK) {
        *add_fused = g.nodes[add_op].fused;
        *conv_fused = g.nodes[conv_op].fused;
        CHECK(*add_fused == (g.tensors[R_X].data == NULL));   /* a fused x has no storage */
    }
    CHECK_MSG(s == TFLC_OK, "%s", runner.err);
    tflc_graph_release(&g);
    tflc_threadpool_free(runner.pool);
    res_free(&f);
    return s == TFLC_OK;
}

/* A NaN with the given payload bits (quiet). */
static float nan_payload(uint32_t payload) { return from_bits(0x7FC00000u | (payload & 0x3FFFFFu)); }

static void check_case(const res_case *k) {
    const size_t n_in = res_count(k, k->c), n_out = res_count(k, k->m);
    float *in = rng_floats(n_in, 3.0f), *r = rng_floats(n_out, 3.0f);
    /* One input pixel NaN (payload 1): every channel of its output pixel is that NaN; r's
     * element there another (payload 2) where r is a tensor of x's shape. */
    const size_t px = (size_t)k->h / 2 * (size_t)k->w + (size_t)k->w / 2;
    in[px * (size_t)k->c] = nan_payload(1);
    r[px * (size_t)k->m] = nan_payload(2);
    float *out0 = malloc(n_out * sizeof(float)), *out1 = malloc(n_out * sizeof(float));
    const uint64_t seed = rng_state;
    bool fused = false, conv_fused = false, plain_fused = true, plain_conv = true;
    bool ok = res_run(k, false, in, r, out1, n_out, &fused, &conv_fused);
    rng_state = seed;
    ok = ok && res_run(k, true, in, r, out0, n_out, &plain_fused, &plain_conv);
    CHECK_MSG(!ok || (fused == k->fuses && !plain_fused && !conv_fused),
              "[%d,%d,%d,%d] -> %d, %dx%d, source %d, x slot %d: ADD fused %d (want %d), plain %d, "
              "conv fused %d",
              k->n, k->h, k->w, k->c, k->m, k->k, k->k, (int)k->source, k->x_slot, fused, k->fuses,
              plain_fused, conv_fused);
    if (ok)
        CHECK_MSG(memcmp(out0, out1, n_out * sizeof(float)) == 0,
                  "[%d,%d,%d,%d] -> %d, %dx%d, source %d, x slot %d, %d threads: fused output differs",
                  k->n, k->h, k->w, k->c, k->m, k->k, k->k, (int)k->source, k->x_slot, k->threads);
    cases_run++;
    free(in);
    free(r);
    free(out0);
    free(out1);
}

static void test_fused_forms(void) {
    static const res_case cases[] = {
        /* n  h   w   c   m  k  conv_act   add_act    thr slot source  dw     fuses  fc */
        {1, 17, 17, 8, 40, 1, ACT_NONE, ACT_NONE, 1, 0, R_INPUT, false, true, false},  /* pointwise */
        {1, 17, 17, 8, 40, 1, ACT_NONE, ACT_RELU, 3, 1, R_INPUT, false, true, false},
        {2, 9, 10, 24, 24, 1, ACT_RELU6, ACT_RELU6, 2, 0, R_EARLY, false, true, false},
        {1, 9, 11, 3, 16, 3, ACT_NONE, ACT_NONE, 1, 1, R_EARLY, false, true, false},   /* im2col */
        {1, 9, 11, 3, 70, 3, ACT_RELU, ACT_NONE, 3, 0, R_INPUT, false, true, false},
        {1, 8, 9, 64, 72, 3, ACT_NONE, ACT_RELU, 3, 1, R_INPUT, false, true, false},   /* taps */
        /* y read by a depthwise convolution: the ADD fuses, the 1x1 convolution may not also
         * be computed inside the depthwise one (its epilogue reads r at y's offsets) */
        {1, 20, 17, 32, 40, 1, ACT_NONE, ACT_NONE, 2, 0, R_INPUT, true, true, false},
        /* refused: r written after the convolution; r broadcast */
        {1, 9, 10, 16, 24, 1, ACT_NONE, ACT_NONE, 2, 0, R_LATE, false, false, false},
        {1, 9, 10, 16, 24, 1, ACT_NONE, ACT_NONE, 1, 1, R_BCAST, false, false, false},
        /* FULLY_CONNECTED: 128 x 256 -> 96 on the GEMM (3 threads: row and column tasks),
         * one row (the dot kernel, 1100 columns), a small product read in place */
        {1, 128, 1, 256, 96, 1, ACT_NONE, ACT_NONE, 3, 1, R_INPUT, false, true, true},
        {1, 128, 1, 256, 96, 1, ACT_RELU6, ACT_RELU, 1, 0, R_EARLY, false, true, true},
        {1, 1, 1, 64, 1100, 1, ACT_NONE, ACT_NONE, 2, 0, R_INPUT, false, true, true},
        {1, 2, 1, 8, 5, 1, ACT_RELU, ACT_NONE, 1, 1, R_INPUT, false, true, true},
        /* refused: TANH runs after the product */
        {1, 16, 1, 32, 40, 1, ACT_TANH, ACT_NONE, 1, 0, R_INPUT, false, false, true},
    };
    tflc_dw_set_expand_min_bytes(1);   /* y's small depthwise convolution would take x in */
    for (size_t i = 0; i < N(cases); i++) check_case(&cases[i]);
    tflc_dw_set_expand_min_bytes(0);
}

static void test_counts(void) { CHECK(cases_run == 14); }

static void run_tests(void) {
    TEST(test_fused_forms);
    TEST(test_counts);
}

TEST_MAIN()
