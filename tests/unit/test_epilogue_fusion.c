/*
 * test_epilogue_fusion.c -- a float activation or fused swish run as the epilogue of the
 * convolution that produces its input (core/graph.c, fuse_activation_epilogues; ops/fusion.h):
 * the fused graph must give the unfused graph's outputs bit for bit.
 *
 * A hand-built float32 subgraph:
 *   0 in [1,H,W,C] -CONV_2D KxK SAME (w, b, fused activation)-> 3 x [1,H,W,M]
 *   3 x -HARD_SWISH-> 4 y                               (epilogue of the CONV_2D)
 *     or DIV(3.0, x) with RELU6 -> 4 y                  (a constant scalar operand: the same)
 *   4 y -DEPTHWISE_CONV_2D 3x3 SAME (dw, db)-> 7 d
 *   7 d -LOGISTIC-> 8 s; MUL(d, s) -> 9 z                (swish, epilogue of the depthwise)
 * Outputs y and z. The unfused graph also lists x and d as outputs, which keeps both
 * activations as nodes of their own. Shapes pick each float convolution form: pointwise
 * (several row blocks, a ragged last panel), im2col (3 channels), taps (64 channels on
 * AVX-512), one-row products (1x1 images: the dot kernel, 1100 columns past the GEMM's
 * 1024-column block), on 1 and 3 threads (column splits).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "core/threadpool.h"
#include "format/schema.h"
#include "ops/conv_common.h"
#include "ops/math_common.h"
#include "ops/shape_common.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0x2545F4914F6CDD1Dull
#include "rng.h"

enum { E_IN, E_W, E_B, E_X, E_Y, E_DW, E_DB, E_D, E_S, E_Z, E_C, E_TENSORS };

typedef struct epi_case {
    int32_t h, w, c, m, k, act;
    int threads;
    bool scalar;      /* the CONV_2D's epilogue: DIV(c, x) (c a constant scalar), not HARD_SWISH */
} epi_case;

typedef struct epi_graph {
    tflc_tensor_desc tensors[E_TENSORS];
    tflc_op_desc ops[5];
    int32_t io[5][3], outs[5][1];
    int32_t inputs[1], outputs[4];
    tflc_subgraph_desc sg;
    struct tflc_model model;
    opcase conv_opts, dw_opts, div_opts;   /* only their options tables */
    float *w, *b, *dw, *db;
} epi_graph;

static int cases_run;
static const float scalar_c = 3.0f;

static void eg_op(epi_graph *f, int i, int32_t code, int n_in, int32_t a, int32_t b, int32_t c,
                  int32_t out) {
    desc_op(&f->ops[i], f->io[i], f->outs[i], code, n_in, a, b, c, out);
}

/* A CONV_2D options table (stride 1) in c, which owns it. */
static void conv_options(opcase *c, int padding, int act) {
    oc_init(c, &tflc_kernel_conv_2d);
    oc_options(c, BO_Conv2D);
    opt_i8(c, CONV2D_OPT_PADDING, padding);
    opt_i32(c, CONV2D_OPT_STRIDE_H, 1);
    opt_i32(c, CONV2D_OPT_STRIDE_W, 1);
    opt_i8(c, CONV2D_OPT_ACTIVATION, (int8_t)act);
    oc_build_options(c);
}

/* Initializes and prepares g over runner's model, fills graph input tensor `in_t` from in and
 * invokes once. */
static tflc_status graph_run_once(tflc_graph *g, struct tflc_runner *runner, int in_t,
                                  const float *in) {
    tflc_status s = tflc_graph_init(g, runner, 0);
    if (s == TFLC_OK) s = tflc_graph_prepare(g);
    if (s == TFLC_OK) {
        memcpy(g->tensors[in_t].data, in, g->tensors[in_t].bytes);
        s = tflc_graph_invoke(g);
    }
    return s;
}

static void eg_build(epi_graph *f, const epi_case *k, bool plain) {
    const size_t nw = (size_t)k->m * (size_t)k->k * (size_t)k->k * (size_t)k->c;
    f->w = rng_floats(nw, 1.0f / sqrtf((float)(k->k * k->k * k->c)));
    f->b = rng_floats((size_t)k->m, 0.5f);
    f->dw = rng_floats((size_t)k->m * 9, 0.5f);
    f->db = rng_floats((size_t)k->m, 0.5f);
    const int32_t in[4] = {1, k->h, k->w, k->c}, act[4] = {1, k->h, k->w, k->m};
    const int32_t w[4] = {k->m, k->k, k->k, k->c}, dw[4] = {1, 3, 3, k->m}, m[1] = {k->m};
    desc_tensor(&f->tensors[E_IN], TFLC_FLOAT32, in, 4, NULL, 0);
    desc_tensor(&f->tensors[E_W], TFLC_FLOAT32, w, 4, f->w, nw * sizeof(float));
    desc_tensor(&f->tensors[E_B], TFLC_FLOAT32, m, 1, f->b, (size_t)k->m * sizeof(float));
    desc_tensor(&f->tensors[E_DW], TFLC_FLOAT32, dw, 4, f->dw, (size_t)k->m * 9 * sizeof(float));
    desc_tensor(&f->tensors[E_DB], TFLC_FLOAT32, m, 1, f->db, (size_t)k->m * sizeof(float));
    for (int t = E_X; t <= E_Z; t++)
        if (t != E_DW && t != E_DB) desc_tensor(&f->tensors[t], TFLC_FLOAT32, act, 4, NULL, 0);
    eg_op(f, 0, OPC_CONV_2D, 3, E_IN, E_W, E_B, E_X);
    desc_tensor(&f->tensors[E_C], TFLC_FLOAT32, NULL, 0, &scalar_c, sizeof scalar_c);
    if (k->scalar) {          /* the constant first: the loops' scalar-vector form */
        eg_op(f, 1, OPC_DIV, 2, E_C, E_X, -1, E_Y);
        oc_init(&f->div_opts, &tflc_kernel_div);
        oc_options(&f->div_opts, BO_Div);
        opt_i8(&f->div_opts, MUL_OPT_ACTIVATION, ACT_RELU6);
        oc_build_options(&f->div_opts);
        f->ops[1].options_type = BO_Div;
        f->ops[1].options = f->div_opts.op.options;
    } else {
        eg_op(f, 1, MATH_OPC_HARD_SWISH, 1, E_X, -1, -1, E_Y);
    }
    eg_op(f, 2, OPC_DEPTHWISE_CONV_2D, 3, E_Y, E_DW, E_DB, E_D);
    eg_op(f, 3, OPC_LOGISTIC, 1, E_D, -1, -1, E_S);
    eg_op(f, 4, OPC_MUL, 2, E_D, E_S, -1, E_Z);
    conv_options(&f->conv_opts, CONV_PADDING_SAME, k->act);
    f->ops[0].options_type = BO_Conv2D;
    f->ops[0].options = f->conv_opts.op.options;
    oc_init(&f->dw_opts, &tflc_kernel_depthwise_conv_2d);
    oc_options(&f->dw_opts, BO_DepthwiseConv2D);
    opt_i8(&f->dw_opts, DWCONV_OPT_PADDING, CONV_PADDING_SAME);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_H, 1);
    opt_i32(&f->dw_opts, DWCONV_OPT_STRIDE_W, 1);
    opt_i32(&f->dw_opts, DWCONV_OPT_DEPTH_MULTIPLIER, 1);
    oc_build_options(&f->dw_opts);
    f->ops[2].options_type = BO_DepthwiseConv2D;
    f->ops[2].options = f->dw_opts.op.options;
    f->inputs[0] = E_IN;
    f->outputs[0] = E_Y, f->outputs[1] = E_Z, f->outputs[2] = E_X, f->outputs[3] = E_D;
    f->sg = (tflc_subgraph_desc){.name = "epilogue", .tensors = f->tensors,
                                 .n_tensors = E_TENSORS, .ops = f->ops, .n_ops = 5,
                                 .inputs = f->inputs, .n_inputs = 1, .outputs = f->outputs,
                                 .n_outputs = plain ? 4 : 2};
    f->model = (struct tflc_model){.subgraphs = &f->sg, .n_subgraphs = 1,
                                   .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
}

static void eg_free(epi_graph *f) {
    oc_free(&f->conv_opts);
    oc_free(&f->dw_opts);
    oc_free(&f->div_opts);
    free(f->w);
    free(f->b);
    free(f->dw);
    free(f->db);
}

/* Runs the graph (plain: x and d are outputs too) on the input `x_in`; copies y and z out and
 * says whether both epilogues were taken. */
static bool eg_run(const epi_case *k, bool plain, const float *x_in, float *y, float *z,
                   bool *fused) {
    static epi_graph f;
    const uint64_t seed = rng_state;
    memset(&f, 0, sizeof f);
    eg_build(&f, k, plain);
    rng_state = seed;                     /* the same weights for both graphs */
    struct tflc_runner runner = {.model = &f.model};
    if (k->threads > 1) CHECK(tflc_threadpool_create(k->threads, &runner.pool) == TFLC_OK);
    tflc_graph g;
    const tflc_status s = graph_run_once(&g, &runner, E_IN, x_in);
    if (s == TFLC_OK) {
        memcpy(y, g.tensors[E_Y].data, g.tensors[E_Y].bytes);
        memcpy(z, g.tensors[E_Z].data, g.tensors[E_Z].bytes);
        *fused = g.nodes[1].fused && g.nodes[4].fused;
        /* an epilogue's input is never written, so it has no storage */
        CHECK(g.nodes[1].fused == (g.tensors[E_X].data == NULL));
        CHECK(g.nodes[3].fused);          /* the swish pair fuses either way */
    }
    CHECK_MSG(s == TFLC_OK, "%s", runner.err);
    tflc_graph_release(&g);
    tflc_threadpool_free(runner.pool);
    eg_free(&f);
    return s == TFLC_OK;
}

static bool check_case(const epi_case *k) {
    const size_t n_in = (size_t)k->h * (size_t)k->w * (size_t)k->c;
    const size_t n_out = (size_t)k->h * (size_t)k->w * (size_t)k->m;
    float *x = rng_floats(n_in, 3.0f);
    float *y0 = malloc(n_out * sizeof(float)), *z0 = malloc(n_out * sizeof(float));
    float *y1 = malloc(n_out * sizeof(float)), *z1 = malloc(n_out * sizeof(float));
    const uint64_t seed = rng_state;
    bool fused = false, plain_fused = true;
    bool ok = eg_run(k, false, x, y1, z1, &fused);
    rng_state = seed;
    ok = ok && eg_run(k, true, x, y0, z0, &plain_fused);
    CHECK_MSG(!ok || (fused && !plain_fused), "[1,%d,%d,%d] -> %d, %dx%d: fused %d, plain %d",
              k->h, k->w, k->c, k->m, k->k, k->k, fused, plain_fused);
    ok = ok && fused && !plain_fused;
    if (ok) {
        ok = memcmp(y0, y1, n_out * sizeof(float)) == 0 && memcmp(z0, z1, n_out * sizeof(float)) == 0;
        CHECK_MSG(ok, "[1,%d,%d,%d] -> %d, %dx%d, act %d, %d threads: fused outputs differ",
                  k->h, k->w, k->c, k->m, k->k, k->k, k->act, k->threads);
    }
    cases_run++;
    free(x);
    free(y0);
    free(z0);
    free(y1);
    free(z1);
    return ok;
}

static void test_forms(void) {
    static const epi_case cases[] = {
        {17, 17, 8, 40, 1, ACT_NONE, 1, false},    /* pointwise: 289 rows, panels 32 + 8 */
        {17, 17, 8, 40, 1, ACT_RELU6, 3, false},
        {9, 11, 3, 16, 3, ACT_NONE, 1, false},     /* im2col, 3 channels */
        {9, 11, 3, 70, 3, ACT_RELU, 3, false},
        {8, 9, 64, 72, 3, ACT_NONE, 1, false},     /* taps (AVX-512), else im2col */
        {8, 9, 64, 72, 3, ACT_NONE, 3, false},
        {1, 1, 64, 1100, 1, ACT_NONE, 1, false},   /* one-row products, two column blocks */
        {1, 1, 64, 1100, 1, ACT_NONE, 3, false},
        {1, 1, 5, 33, 3, ACT_RELU_N1_TO_1, 1, false},
        {7, 7, 96, 1040, 1, ACT_NONE, 3, false},   /* 49 rows x 1040 columns: column blocks */
        {17, 17, 8, 40, 1, ACT_NONE, 3, true},     /* DIV by x as the epilogue */
        {9, 11, 3, 70, 3, ACT_RELU, 1, true},
    };
    for (size_t i = 0; i < N(cases); i++)
        if (!check_case(&cases[i])) return;
}

/* Refusal: x is also read by a PAD that a second convolution absorbs (that convolution then
 * reads x itself, through the skipped PAD), so x must keep its storage:
 *   0 in [1,6,5,8] -CONV_2D 1x1-> 3 x [1,6,5,8]; x -HARD_SWISH-> 4 y
 *   x -PAD {0,0},{1,1},{1,1},{0,0}-> 6 p [1,8,7,8] -CONV_2D 3x3 VALID (7 w2, 8 b2)-> 9 o
 * Outputs y and o; with x an output too (plain), o and y must be the same bytes. */
enum { P_IN, P_W, P_B, P_X, P_Y, P_PADS, P_P, P_W2, P_B2, P_O, P_TENSORS };

static bool pad_run(bool plain, const float *in, float *y, float *o, bool *act_fused,
                    bool *pad_fused) {
    static tflc_tensor_desc t[P_TENSORS];
    static tflc_op_desc ops[4];
    static int32_t io[4][3], outs[4][1], inputs[1], outputs[3];
    static float w[8 * 8], b[8], w2[4 * 9 * 8], b2[4];
    static const int32_t pads[8] = {0, 0, 1, 1, 1, 1, 0, 0};
    const uint64_t seed = rng_state;
    for (size_t i = 0; i < N(w); i++) w[i] = 2.0f * rng_unit() - 1.0f;
    for (size_t i = 0; i < N(b); i++) b[i] = 2.0f * rng_unit() - 1.0f;
    for (size_t i = 0; i < N(w2); i++) w2[i] = 2.0f * rng_unit() - 1.0f;
    for (size_t i = 0; i < N(b2); i++) b2[i] = 2.0f * rng_unit() - 1.0f;
    rng_state = seed;
    const int32_t d_in[4] = {1, 6, 5, 8}, d_w[4] = {8, 1, 1, 8}, d_b[1] = {8}, d_pads[2] = {4, 2};
    const int32_t d_p[4] = {1, 8, 7, 8}, d_w2[4] = {4, 3, 3, 8}, d_b2[1] = {4}, d_o[4] = {1, 6, 5, 4};
    memset(t, 0, sizeof t);
    desc_tensor(&t[P_IN], TFLC_FLOAT32, d_in, 4, NULL, 0);
    desc_tensor(&t[P_W], TFLC_FLOAT32, d_w, 4, w, sizeof w);
    desc_tensor(&t[P_B], TFLC_FLOAT32, d_b, 1, b, sizeof b);
    desc_tensor(&t[P_X], TFLC_FLOAT32, d_in, 4, NULL, 0);
    desc_tensor(&t[P_Y], TFLC_FLOAT32, d_in, 4, NULL, 0);
    desc_tensor(&t[P_PADS], TFLC_INT32, d_pads, 2, pads, sizeof pads);
    desc_tensor(&t[P_P], TFLC_FLOAT32, d_p, 4, NULL, 0);
    desc_tensor(&t[P_W2], TFLC_FLOAT32, d_w2, 4, w2, sizeof w2);
    desc_tensor(&t[P_B2], TFLC_FLOAT32, d_b2, 1, b2, sizeof b2);
    desc_tensor(&t[P_O], TFLC_FLOAT32, d_o, 4, NULL, 0);
    opcase conv1, conv2;
    conv_options(&conv1, CONV_PADDING_VALID, ACT_NONE);
    conv_options(&conv2, CONV_PADDING_VALID, ACT_NONE);
    desc_op(&ops[0], io[0], outs[0], OPC_CONV_2D, 3, P_IN, P_W, P_B, P_X);
    desc_op(&ops[1], io[1], outs[1], MATH_OPC_HARD_SWISH, 1, P_X, -1, -1, P_Y);
    desc_op(&ops[2], io[2], outs[2], SH_OPC_PAD, 2, P_X, P_PADS, -1, P_P);
    desc_op(&ops[3], io[3], outs[3], OPC_CONV_2D, 3, P_P, P_W2, P_B2, P_O);
    ops[0].options_type = ops[3].options_type = BO_Conv2D;
    ops[0].options = conv1.op.options;
    ops[3].options = conv2.op.options;
    inputs[0] = P_IN;
    outputs[0] = P_Y, outputs[1] = P_O, outputs[2] = P_X;
    tflc_subgraph_desc sg = {.name = "pad", .tensors = t, .n_tensors = P_TENSORS, .ops = ops,
                             .n_ops = 4, .inputs = inputs, .n_inputs = 1, .outputs = outputs,
                             .n_outputs = plain ? 3 : 2};
    struct tflc_model model = {.subgraphs = &sg, .n_subgraphs = 1,
                               .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
    struct tflc_runner runner = {.model = &model};
    tflc_graph g;
    const tflc_status s = graph_run_once(&g, &runner, P_IN, in);
    if (s == TFLC_OK) {
        memcpy(y, g.tensors[P_Y].data, g.tensors[P_Y].bytes);
        memcpy(o, g.tensors[P_O].data, g.tensors[P_O].bytes);
        *act_fused = g.nodes[1].fused;
        *pad_fused = g.nodes[2].fused;
        CHECK(g.tensors[P_X].data != NULL);
    }
    CHECK_MSG(s == TFLC_OK, "%s", runner.err);
    tflc_graph_release(&g);
    oc_free(&conv1);
    oc_free(&conv2);
    return s == TFLC_OK;
}

static void test_refuse_absorbed_pad_reader(void) {
    float *in = rng_floats(6 * 5 * 8, 2.0f);
    float y0[6 * 5 * 8], o0[6 * 5 * 4], y1[6 * 5 * 8], o1[6 * 5 * 4];
    bool act0 = true, pad0 = false, act1 = true, pad1 = false;
    CHECK(pad_run(false, in, y1, o1, &act1, &pad1));
    CHECK(pad_run(true, in, y0, o0, &act0, &pad0));
    CHECK(pad1 && !act1);                  /* the PAD is absorbed, the epilogue refused */
    CHECK(pad0 && !act0);
    CHECK(memcmp(y0, y1, sizeof y0) == 0 && memcmp(o0, o1, sizeof o0) == 0);
    free(in);
}

static void test_counts(void) { CHECK(cases_run == 12); }

static void run_tests(void) {
    TEST(test_forms);
    TEST(test_refuse_absorbed_pad_reader);
    TEST(test_counts);
}

TEST_MAIN()
