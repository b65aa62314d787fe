/*
 * test_expand_fusion.c -- a 1x1 CONV_2D whose output only a DEPTHWISE_CONV_2D reads, computed
 * inside that depthwise convolution row by row (core/graph.c, fuse_expand_into_dw;
 * ops/fusion.h, tflc_dw_fuse_expand): the fused graph must give the unfused graph's output
 * bit for bit, and the tensor between the two must get no storage.
 *
 * A hand-built float32 subgraph:
 *   0 in [N,H,W,C] -CONV_2D 1x1 (w, b, act)-> 3 x [N,H,W,M]
 *   3 x -HARD_SWISH-> 4 y                        (only with `hswish`: the conv's epilogue)
 *   y (or x) -DEPTHWISE_CONV_2D KxK (dw, db, act)-> 7 d [N,OH,OW,M]
 * Output d. The unfused graph also lists the depthwise convolution's input as an output,
 * which keeps it. tflc_dw_set_expand_min_bytes(1) lets these small graphs fuse; shapes
 * cover 3x3 and 5x5 windows, strides 1 and 2, SAME and VALID padding, two images, ragged
 * channel tiles, and 1 to 3 threads (each output row a task: the first row of each thread's
 * block computes the rows of x above its window afresh, the others carry on in the thread's
 * ring).
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

#define TEST_RNG_SEED 0x9E3779B97F4A7C15ull
#include "rng.h"

enum { X_IN, X_W, X_B, X_X, X_Y, X_DW, X_DB, X_D, X_TENSORS };

typedef struct fx_case {
    int32_t n, h, w, c, m, k, stride, dilation;
    bool same, hswish;
    int conv_act, dw_act, threads;
    bool fuses;                            /* whether the fused form must be taken */
} fx_case;

typedef struct fx_graph {
    tflc_tensor_desc tensors[X_TENSORS];
    tflc_op_desc ops[3];
    int32_t io[3][3], outs[3][1];
    int32_t inputs[1], outputs[2];
    tflc_subgraph_desc sg;
    struct tflc_model model;
    opcase conv_opts, dw_opts;
    float *weights;                        /* w, b, dw, db: the model's own bytes (cached) */
    float *w, *b, *dw, *db;
} fx_graph;

/* The depthwise convolution's output size along one axis, as TFLite plans it. */
static int32_t out_size(int32_t in, int32_t k, int32_t stride, int32_t dilation, bool same) {
    const int32_t eff = (k - 1) * dilation + 1;
    return same ? (in + stride - 1) / stride : (in - eff + stride) / stride;
}

static void fx_build(fx_graph *f, const fx_case *k, bool plain) {
    const size_t nw = (size_t)k->m * (size_t)k->c, taps = (size_t)k->k * (size_t)k->k;
    /* One block, as in a model file, so that both filters are packed once into the
     * model's weight cache (the fused form needs the 1x1 filter packed ahead). */
    const size_t total = nw + (size_t)k->m * (taps + 2);
    f->weights = rng_floats(total, 1.0f / sqrtf((float)k->c));
    f->w = f->weights;
    f->b = f->w + nw;
    f->dw = f->b + k->m;
    f->db = f->dw + (size_t)k->m * taps;
    const int32_t oh = out_size(k->h, k->k, k->stride, k->dilation, k->same);
    const int32_t ow = out_size(k->w, k->k, k->stride, k->dilation, k->same);
    const int32_t in[4] = {k->n, k->h, k->w, k->c}, x[4] = {k->n, k->h, k->w, k->m};
    const int32_t w[4] = {k->m, 1, 1, k->c}, dw[4] = {1, k->k, k->k, k->m}, m[1] = {k->m};
    const int32_t d[4] = {k->n, oh, ow, k->m};
    desc_tensor(&f->tensors[X_IN], TFLC_FLOAT32, in, 4, NULL, 0);
    desc_tensor(&f->tensors[X_W], TFLC_FLOAT32, w, 4, f->w, nw * sizeof(float));
    desc_tensor(&f->tensors[X_B], TFLC_FLOAT32, m, 1, f->b, (size_t)k->m * sizeof(float));
    desc_tensor(&f->tensors[X_X], TFLC_FLOAT32, x, 4, NULL, 0);
    desc_tensor(&f->tensors[X_Y], TFLC_FLOAT32, x, 4, NULL, 0);
    desc_tensor(&f->tensors[X_DW], TFLC_FLOAT32, dw, 4, f->dw, (size_t)k->m * taps * sizeof(float));
    desc_tensor(&f->tensors[X_DB], TFLC_FLOAT32, m, 1, f->db, (size_t)k->m * sizeof(float));
    desc_tensor(&f->tensors[X_D], TFLC_FLOAT32, d, 4, NULL, 0);
    const int dw_in = k->hswish ? X_Y : X_X;
    int n_ops = 0;
    desc_op(&f->ops[n_ops], f->io[n_ops], f->outs[n_ops], OPC_CONV_2D, 3, X_IN, X_W, X_B, X_X);
    n_ops++;
    if (k->hswish) {
        desc_op(&f->ops[n_ops], f->io[n_ops], f->outs[n_ops], MATH_OPC_HARD_SWISH, 1, X_X, -1, -1, X_Y);
        n_ops++;
    }
    const int dw_op = n_ops++;
    desc_op(&f->ops[dw_op], f->io[dw_op], f->outs[dw_op], OPC_DEPTHWISE_CONV_2D, 3, dw_in, X_DW, X_DB, X_D);
    oc_init(&f->conv_opts, &tflc_kernel_conv_2d);
    oc_options(&f->conv_opts, BO_Conv2D);
    opt_i8(&f->conv_opts, CONV2D_OPT_PADDING, CONV_PADDING_VALID);
    opt_i32(&f->conv_opts, CONV2D_OPT_STRIDE_H, 1);
    opt_i32(&f->conv_opts, CONV2D_OPT_STRIDE_W, 1);
    opt_i8(&f->conv_opts, CONV2D_OPT_ACTIVATION, (int8_t)k->conv_act);
    oc_build_options(&f->conv_opts);
    f->ops[0].options_type = BO_Conv2D;
    f->ops[0].options = f->conv_opts.op.options;
    oc_init(&f->dw_opts, &tflc_kernel_depthwise_conv_2d);
    oc_options(&f->dw_opts, BO_DepthwiseConv2D);
    opt_i8(&f->dw_opts, DWCONV_OPT_PADDING, k->same ? CONV_PADDING_SAME : CONV_PADDING_VALID);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_H, k->stride);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_W, k->stride);
    opt_i32(&f->dw_opts, DWCONV_OPT_DILATION_H, k->dilation);
    opt_i32(&f->dw_opts, DWCONV_OPT_DILATION_W, k->dilation);
    opt_i32(&f->dw_opts, DWCONV_OPT_DEPTH_MULTIPLIER, 1);
    opt_i8(&f->dw_opts, DWCONV_OPT_ACTIVATION, (int8_t)k->dw_act);
    oc_build_options(&f->dw_opts);
    f->ops[dw_op].options_type = BO_DepthwiseConv2D;
    f->ops[dw_op].options = f->dw_opts.op.options;
    f->inputs[0] = X_IN;
    f->outputs[0] = X_D, f->outputs[1] = dw_in;
    f->sg = (tflc_subgraph_desc){.name = "expand", .tensors = f->tensors,
                                 .n_tensors = X_TENSORS, .ops = f->ops, .n_ops = n_ops,
                                 .inputs = f->inputs, .n_inputs = 1, .outputs = f->outputs,
                                 .n_outputs = plain ? 2 : 1};
    f->model = (struct tflc_model){.subgraphs = &f->sg, .n_subgraphs = 1,
                                   .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES,
                                   .buf = (const uint8_t *)f->weights,
                                   .size = total * sizeof(float)};
}

static void fx_free(fx_graph *f) {
    oc_free(&f->conv_opts);
    oc_free(&f->dw_opts);
    tflc_weight_cache_free(f->model.weight_cache);
    free(f->weights);
}

/* Runs the graph (plain: the depthwise input is an output too) on `in`, twice (the second
 * invoke must repeat the first); copies d out and says whether the CONV_2D was fused. */
static bool fx_run(const fx_case *k, bool plain, const float *in, float *d, size_t d_count,
                   bool *fused) {
    static fx_graph f;
    memset(&f, 0, sizeof f);
    fx_build(&f, k, plain);
    struct tflc_runner runner = {.model = &f.model};
    if (k->threads > 1) CHECK(tflc_threadpool_create(k->threads, &runner.pool) == TFLC_OK);
    tflc_graph g;
    tflc_status s = tflc_graph_init(&g, &runner, 0);
    if (s == TFLC_OK) s = tflc_graph_prepare(&g);
    if (s == TFLC_OK) {
        memcpy(g.tensors[X_IN].data, in, g.tensors[X_IN].bytes);
        s = tflc_graph_invoke(&g);
    }
    if (s == TFLC_OK) {
        CHECK(g.tensors[X_D].bytes == d_count * sizeof(float));
        memcpy(d, g.tensors[X_D].data, d_count * sizeof(float));
        s = tflc_graph_invoke(&g);
        CHECK(s != TFLC_OK || memcmp(d, g.tensors[X_D].data, d_count * sizeof(float)) == 0);
        *fused = g.nodes[0].fused;
        const int dw_in = k->hswish ? X_Y : X_X;
        CHECK(*fused == (g.tensors[dw_in].data == NULL));   /* a fused x has no storage */
    }
    CHECK_MSG(s == TFLC_OK, "%s", runner.err);
    tflc_graph_release(&g);
    tflc_threadpool_free(runner.pool);
    fx_free(&f);
    return s == TFLC_OK;
}

static int cases_run;

static void check_case(const fx_case *k) {
    const size_t n_in = (size_t)k->n * (size_t)k->h * (size_t)k->w * (size_t)k->c;
    const size_t d_count = (size_t)k->n * (size_t)k->m *
                           (size_t)out_size(k->h, k->k, k->stride, k->dilation, k->same) *
                           (size_t)out_size(k->w, k->k, k->stride, k->dilation, k->same);
    float *in = rng_floats(n_in, 3.0f);
    float *d0 = malloc(d_count * sizeof(float)), *d1 = malloc(d_count * sizeof(float));
    const uint64_t seed = rng_state;
    bool fused = false, plain_fused = true;
    bool ok = fx_run(k, false, in, d1, d_count, &fused);
    rng_state = seed;                      /* the same weights for both graphs */
    ok = ok && fx_run(k, true, in, d0, d_count, &plain_fused);
    CHECK_MSG(!ok || (fused == k->fuses && !plain_fused),
              "[%d,%d,%d,%d] -> %d, %dx%d s%d d%d: fused %d (want %d), plain %d", k->n, k->h,
              k->w, k->c, k->m, k->k, k->k, k->stride, k->dilation, fused, k->fuses, plain_fused);
    if (ok)
        CHECK_MSG(memcmp(d0, d1, d_count * sizeof(float)) == 0,
                  "[%d,%d,%d,%d] -> %d, %dx%d s%d %s, %d threads: fused output differs", k->n,
                  k->h, k->w, k->c, k->m, k->k, k->k, k->stride, k->same ? "SAME" : "VALID",
                  k->threads);
    cases_run++;
    free(in);
    free(d0);
    free(d1);
}

static void test_fused_forms(void) {
    static const fx_case cases[] = {
        /* n  h   w   c   m  k  s  d  same   hswish conv_act   dw_act     thr fuses */
        {1, 20, 17, 32, 40, 3, 1, 1, true, false, ACT_RELU6, ACT_RELU6, 1, true},
        {1, 20, 17, 32, 40, 3, 1, 1, true, false, ACT_RELU6, ACT_RELU6, 3, true},
        {1, 21, 18, 16, 96, 3, 2, 1, true, false, ACT_RELU6, ACT_RELU6, 2, true},
        {1, 22, 19, 16, 96, 3, 2, 1, true, false, ACT_NONE, ACT_NONE, 3, true},
        {2, 13, 15, 48, 24, 3, 2, 1, false, false, ACT_RELU, ACT_NONE, 3, true},
        {1, 16, 16, 32, 33, 5, 1, 1, true, true, ACT_NONE, ACT_RELU6, 2, true},
        {1, 17, 14, 24, 48, 5, 2, 1, true, true, ACT_NONE, ACT_NONE, 1, true},
        {2, 9, 12, 64, 17, 5, 1, 1, false, false, ACT_RELU6, ACT_RELU, 3, true},
        {1, 6, 40, 64, 16, 3, 1, 1, true, false, ACT_RELU6, ACT_RELU6, 3, true},
        /* refused: dilation, a stride longer than the window, and a filter of fewer than
         * 1024 elements (the small-filter rounding depends on a pixel's place) */
        {1, 20, 17, 32, 40, 3, 1, 2, true, false, ACT_RELU6, ACT_RELU6, 1, false},
        {1, 20, 17, 32, 40, 1, 2, 1, true, false, ACT_RELU6, ACT_RELU6, 1, false},
        {1, 20, 17, 8, 40, 3, 1, 1, true, false, ACT_RELU6, ACT_RELU6, 2, false},
    };
    tflc_dw_set_expand_min_bytes(1);
    for (size_t i = 0; i < N(cases); i++) check_case(&cases[i]);
    tflc_dw_set_expand_min_bytes(0);
}

/* At the default threshold a small x stays a tensor of its own. */
static void test_small_x_not_fused(void) {
    static const fx_case small = {1, 20, 17, 32, 40, 3, 1, 1, true, false, ACT_RELU6, ACT_RELU6, 1,
                                  false};
    check_case(&small);
}

static void test_counts(void) { CHECK(cases_run == 13); }

static void run_tests(void) {
    TEST(test_fused_forms);
    TEST(test_small_x_not_fused);
    TEST(test_counts);
}

TEST_MAIN()
