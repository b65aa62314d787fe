/*
 * test_project_fusion.c -- a float DEPTHWISE_CONV_2D running the 1x1 CONV_2D that alone
 * reads its output on each range of output rows it computes (core/graph.c,
 * fuse_project_into_dw; ops/fusion.h, tflc_dw_fuse_project): the fused graph must give the
 * unfused graph's output bit for bit, and the CONV_2D must be skipped exactly when the fusion
 * is allowed.
 *
 * A hand-built float32 subgraph, an inverted residual block:
 *   in [N,H,W,C] -CONV_2D 1x1 (w1, b1, RELU6)-> x [N,H,W,M]      (the expansion)
 *   x -DEPTHWISE_CONV_2D 3x3 stride s SAME (dw, db, RELU6)-> t [N,OH,OW,M]
 *   [late]     r0 -RELU-> r                                     (after the depthwise one)
 *   t -CONV_2D 1x1 (w2, b2)-> p [N,OH,OW,C2]                     (the projection)
 *   [residual] ADD(p, r) -> y, r = in (or the late r)
 * The unfused graph also lists t and p as outputs, which keeps every node apart. The
 * expansion fuses into the depthwise convolution too when x is big enough
 * (tflc_dw_set_expand_min_bytes(1) lets it), so the fused form covers a block run as one
 * node. Shapes: one and two images, strides 1 and 2, ragged channel panels, 1 to 3 threads.
 * Refusals: a projection whose residual operand is written after the depthwise convolution,
 * a projection of fewer than 1024 weights (the small-filter rounding depends on a pixel's
 * place), and an image under the default minimum.
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

#define TEST_RNG_SEED 0x94D049BB133111EBull
#include "rng.h"

enum { P_IN, P_W1, P_B1, P_X, P_DW, P_DB, P_T, P_W2, P_B2, P_P, P_R0, P_R, P_Y, P_TENSORS };

typedef struct pj_case {
    int32_t n, h, w, c, m, c2, stride;
    int threads;
    bool residual, late;                   /* ADD(p, in); ADD(p, relu(r0)) written late */
    bool forced;                           /* project_min_pixels 1 (else the default) */
    bool fuses;                            /* whether the projection must be fused */
} pj_case;

typedef struct pj_graph {
    tflc_tensor_desc tensors[P_TENSORS];
    tflc_op_desc ops[5];
    int32_t io[5][3], outs[5][1];
    int32_t inputs[2], outputs[3];
    tflc_subgraph_desc sg;
    struct tflc_model model;
    opcase expand_opts, project_opts, dw_opts, add_opts;   /* only their options tables */
    float *weights;                        /* w1, b1, dw, db, w2, b2: the model's bytes */
} pj_graph;

static int cases_run;

static int32_t pj_out(int32_t in, int32_t stride) { return (in + stride - 1) / stride; }

static void conv1x1_options(opcase *c, int act) {
    oc_init(c, &tflc_kernel_conv_2d);
    oc_options(c, BO_Conv2D);
    opt_i8(c, CONV2D_OPT_PADDING, CONV_PADDING_VALID);
    opt_i32(c, CONV2D_OPT_STRIDE_H, 1);
    opt_i32(c, CONV2D_OPT_STRIDE_W, 1);
    opt_i8(c, CONV2D_OPT_ACTIVATION, (int8_t)act);
    oc_build_options(c);
}

static void pj_options(pj_graph *f, const pj_case *k) {
    conv1x1_options(&f->expand_opts, ACT_RELU6);
    conv1x1_options(&f->project_opts, ACT_NONE);
    oc_init(&f->dw_opts, &tflc_kernel_depthwise_conv_2d);
    oc_options(&f->dw_opts, BO_DepthwiseConv2D);
    opt_i8(&f->dw_opts, DWCONV_OPT_PADDING, CONV_PADDING_SAME);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_H, k->stride);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_W, k->stride);
    opt_i32(&f->dw_opts, DWCONV_OPT_DEPTH_MULTIPLIER, 1);
    opt_i8(&f->dw_opts, DWCONV_OPT_ACTIVATION, ACT_RELU6);
    oc_build_options(&f->dw_opts);
    oc_init(&f->add_opts, &tflc_kernel_add);
    oc_options(&f->add_opts, BO_Add);
    oc_build_options(&f->add_opts);
}

static void pj_op(pj_graph *f, int *n_ops, int32_t code, int n_in, int32_t a, int32_t b, int32_t c,
                  int32_t o, const opcase *opts, int options_type) {
    const int i = (*n_ops)++;
    desc_op(&f->ops[i], f->io[i], f->outs[i], code, n_in, a, b, c, o);
    if (opts) {
        f->ops[i].options_type = (uint8_t)options_type;
        f->ops[i].options = opts->op.options;
    }
}

/* Builds the graph; *project_op receives the projection's node index. */
static void pj_build(pj_graph *f, const pj_case *k, bool plain, int *project_op) {
    const size_t n1 = (size_t)k->m * (size_t)k->c, n2 = (size_t)k->c2 * (size_t)k->m;
    const size_t total = n1 + (size_t)k->m * 11 + n2 + (size_t)k->c2;
    f->weights = rng_floats(total, 1.0f / sqrtf((float)k->m));
    float *w1 = f->weights, *b1 = w1 + n1, *dw = b1 + k->m, *db = dw + (size_t)k->m * 9;
    float *w2 = db + k->m, *b2 = w2 + n2;
    const int32_t oh = pj_out(k->h, k->stride), ow = pj_out(k->w, k->stride);
    const int32_t in[4] = {k->n, k->h, k->w, k->c}, x[4] = {k->n, k->h, k->w, k->m};
    const int32_t t[4] = {k->n, oh, ow, k->m}, p[4] = {k->n, oh, ow, k->c2};
    const int32_t w1d[4] = {k->m, 1, 1, k->c}, w2d[4] = {k->c2, 1, 1, k->m};
    const int32_t dwd[4] = {1, 3, 3, k->m}, m[1] = {k->m}, c2[1] = {k->c2};
    desc_tensor(&f->tensors[P_IN], TFLC_FLOAT32, in, 4, NULL, 0);
    desc_tensor(&f->tensors[P_W1], TFLC_FLOAT32, w1d, 4, w1, n1 * sizeof(float));
    desc_tensor(&f->tensors[P_B1], TFLC_FLOAT32, m, 1, b1, (size_t)k->m * sizeof(float));
    desc_tensor(&f->tensors[P_X], TFLC_FLOAT32, x, 4, NULL, 0);
    desc_tensor(&f->tensors[P_DW], TFLC_FLOAT32, dwd, 4, dw, (size_t)k->m * 9 * sizeof(float));
    desc_tensor(&f->tensors[P_DB], TFLC_FLOAT32, m, 1, db, (size_t)k->m * sizeof(float));
    desc_tensor(&f->tensors[P_T], TFLC_FLOAT32, t, 4, NULL, 0);
    desc_tensor(&f->tensors[P_W2], TFLC_FLOAT32, w2d, 4, w2, n2 * sizeof(float));
    desc_tensor(&f->tensors[P_B2], TFLC_FLOAT32, c2, 1, b2, (size_t)k->c2 * sizeof(float));
    desc_tensor(&f->tensors[P_P], TFLC_FLOAT32, p, 4, NULL, 0);
    desc_tensor(&f->tensors[P_R0], TFLC_FLOAT32, p, 4, NULL, 0);
    desc_tensor(&f->tensors[P_R], TFLC_FLOAT32, p, 4, NULL, 0);
    desc_tensor(&f->tensors[P_Y], TFLC_FLOAT32, p, 4, NULL, 0);
    pj_options(f, k);
    int n_ops = 0;
    pj_op(f, &n_ops, OPC_CONV_2D, 3, P_IN, P_W1, P_B1, P_X, &f->expand_opts, BO_Conv2D);
    pj_op(f, &n_ops, OPC_DEPTHWISE_CONV_2D, 3, P_X, P_DW, P_DB, P_T, &f->dw_opts, BO_DepthwiseConv2D);
    if (k->late) pj_op(f, &n_ops, OPC_RELU, 1, P_R0, -1, -1, P_R, NULL, 0);
    *project_op = n_ops;
    pj_op(f, &n_ops, OPC_CONV_2D, 3, P_T, P_W2, P_B2, P_P, &f->project_opts, BO_Conv2D);
    if (k->residual)
        pj_op(f, &n_ops, OPC_ADD, 2, P_P, k->late ? P_R : P_IN, -1, P_Y, &f->add_opts, BO_Add);
    int n_in = 0, n_out = 0;
    f->inputs[n_in++] = P_IN;
    if (k->late) f->inputs[n_in++] = P_R0;
    f->outputs[n_out++] = k->residual ? P_Y : P_P;
    if (plain) {
        f->outputs[n_out++] = P_T;
        if (k->residual) f->outputs[n_out++] = P_P;
    }
    f->sg = (tflc_subgraph_desc){.name = "block", .tensors = f->tensors, .n_tensors = P_TENSORS,
                                 .ops = f->ops, .n_ops = n_ops, .inputs = f->inputs,
                                 .n_inputs = n_in, .outputs = f->outputs, .n_outputs = n_out};
    f->model = (struct tflc_model){.subgraphs = &f->sg, .n_subgraphs = 1,
                                   .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES,
                                   .buf = (const uint8_t *)f->weights,
                                   .size = total * sizeof(float)};
}

static void pj_free(pj_graph *f) {
    oc_free(&f->expand_opts);
    oc_free(&f->project_opts);
    oc_free(&f->dw_opts);
    oc_free(&f->add_opts);
    tflc_weight_cache_free(f->model.weight_cache);
    free(f->weights);
}

/* Runs the graph (plain: t and p are outputs too) on `in` (and r0), twice (the second invoke
 * must repeat the first); copies the first output out and says whether the projection was
 * fused. */
static bool pj_run(const pj_case *k, bool plain, const float *in, const float *r0, float *out,
                   size_t out_count, bool *fused) {
    static pj_graph f;
    const uint64_t seed = rng_state;
    memset(&f, 0, sizeof f);
    int project_op;
    pj_build(&f, k, plain, &project_op);
    rng_state = seed;                      /* the same weights for both graphs */
    struct tflc_runner runner = {.model = &f.model};
    if (k->threads > 1) CHECK(tflc_threadpool_create(k->threads, &runner.pool) == TFLC_OK);
    const int in_t[2] = {P_IN, P_R0};
    const float *in_data[2] = {in, r0};
    tflc_graph g;
    const tflc_status s =
        graph_run_twice(&g, &runner, k->late ? 2 : 1, in_t, in_data, f.outputs[0], out, out_count);
    if (s == TFLC_OK) *fused = g.nodes[project_op].fused;
    CHECK_MSG(s == TFLC_OK, "%s", runner.err);
    tflc_graph_release(&g);
    tflc_threadpool_free(runner.pool);
    pj_free(&f);
    return s == TFLC_OK;
}

static void check_case(const pj_case *k) {
    const size_t n_in = (size_t)k->n * (size_t)k->h * (size_t)k->w * (size_t)k->c;
    const size_t n_out = (size_t)k->n * (size_t)pj_out(k->h, k->stride) *
                         (size_t)pj_out(k->w, k->stride) * (size_t)k->c2;
    float *in = rng_floats(n_in, 3.0f), *r0 = rng_floats(n_out, 3.0f);
    float *out0 = malloc(n_out * sizeof(float)), *out1 = malloc(n_out * sizeof(float));
    tflc_dw_set_project_min_pixels(k->forced ? 1 : 0);
    const uint64_t seed = rng_state;
    bool fused = false, plain_fused = true;
    bool ok = pj_run(k, false, in, r0, out1, n_out, &fused);
    rng_state = seed;
    ok = ok && pj_run(k, true, in, r0, out0, n_out, &plain_fused);
    tflc_dw_set_project_min_pixels(0);
    CHECK_MSG(!ok || (fused == k->fuses && !plain_fused),
              "[%d,%d,%d,%d] -> %d -> %d, s%d: projection fused %d (want %d), plain %d", k->n,
              k->h, k->w, k->c, k->m, k->c2, k->stride, fused, k->fuses, plain_fused);
    if (ok)
        CHECK_MSG(memcmp(out0, out1, n_out * sizeof(float)) == 0,
                  "[%d,%d,%d,%d] -> %d -> %d, s%d, %d threads: fused output differs", k->n, k->h,
                  k->w, k->c, k->m, k->c2, k->stride, k->threads);
    cases_run++;
    free(in);
    free(r0);
    free(out0);
    free(out1);
}

static void test_fused_forms(void) {
    static const pj_case cases[] = {
        /* n  h   w   c   m   c2  s thr  residual late  forced fuses */
        {1, 20, 17, 32, 96, 32, 1, 1, true, false, true, true},
        {1, 20, 17, 32, 96, 32, 1, 2, true, false, true, true},
        {2, 13, 15, 24, 72, 40, 1, 3, false, false, true, true},
        {1, 21, 18, 16, 96, 24, 2, 2, false, false, true, true},
        {1, 22, 19, 24, 64, 56, 2, 3, false, false, true, true},
        /* a 28 x 28 output image reaches the default minimum */
        {1, 28, 28, 24, 48, 24, 1, 2, true, false, false, true},
        /* refused: r written after the depthwise convolution (the ADD still fuses into the
         * projection); fewer than 1024 projection weights; under the default minimum */
        {1, 20, 17, 32, 96, 32, 1, 2, true, true, true, false},
        {1, 20, 17, 16, 48, 16, 1, 2, false, false, true, false},
        {1, 27, 28, 24, 48, 24, 1, 2, true, false, false, false},
    };
    tflc_dw_set_expand_min_bytes(1);       /* the expansion fuses into the depthwise one too */
    for (size_t i = 0; i < N(cases); i++) check_case(&cases[i]);
    tflc_dw_set_expand_min_bytes(0);
}

static void test_counts(void) { CHECK(cases_run == 9); }

static void run_tests(void) {
    TEST(test_fused_forms);
    TEST(test_counts);
}

TEST_MAIN()
