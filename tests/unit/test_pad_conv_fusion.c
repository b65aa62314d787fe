/*
 * test_pad_conv_fusion.c -- PAD -> CONV_2D done by the convolution (tflc_conv_absorb_pad,
 * which graph.c calls when the PAD's output has no other reader): the fused conv must give
 * the unfused pair's output bit for bit, and must refuse whenever it could not.
 *
 * Each case runs PAD, then CONV_2D on the PAD's output (the unfused pair), keeps the output,
 * then asks the conv to absorb the PAD, poisons the PAD's output (the fused conv must not
 * read it) and runs the conv alone again: same bytes. Seeded random cases over float32,
 * int8 (at every int8 level: reference loops, scalar, AVX2, AVX-512 as this machine has
 * them; the float GEMM is the one TFLC_ISA selects, ctest runs the default and the checks
 * were also run with TFLC_ISA=avx2 and scalar), uint8 and int16; batch 1-2, ragged H, W,
 * channels, 1x1 to 4x4 filters, strides 1-3, dilations 1-2, SAME and VALID, asymmetric pad
 * amounts 0-3 on H and W, every fused activation, PAD and PADV2.
 *
 * Refusals: a pad value other than the conv's zero (PADV2 constant != zero point, or a
 * non-zero float), padding on batch or channels, a hybrid conv (float input, int8 filter),
 * a pointwise float conv (its GEMM reads the input in place).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "format/schema.h"
#include "kernels/qs8_ops.h"
#include "ops/conv_common.h"
#include "ops/shape_common.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0xD1B54A32D192ED03ull
#include "rng.h"

typedef struct fuse_case {
    tflc_dtype dtype;                      /* input and output; filter int8 for int16 */
    tflc_dtype wtype;                      /* filter: int8 with float input = hybrid */
    int32_t n, h, w, c, m, kh, kw, sh, sw, dh, dw;
    int padding, act;
    int32_t pads[8];                       /* (before, after) for N, H, W, C */
    bool v2;                               /* PADV2 */
    bool zero_value;                       /* PADV2's constant is the conv's zero */
    int level;                             /* int8: tflc_qs8_force_level */
    int64_t in_zp[1], out_zp[1], w_zp[1];
    float in_scale[1], out_scale[1], w_scale[1];
} fuse_case;

static int cases_fused, cases_refused;

/* The conv's input channels: C plus any channel padding. */
static int32_t padded_c(const fuse_case *k) { return k->c + k->pads[6] + k->pads[7]; }

static size_t count4(const int32_t *d) { return (size_t)d[0] * (size_t)d[1] * (size_t)d[2] * (size_t)d[3]; }

/* Random bytes for a tensor of `dtype`: floats in [-1, 1], integers over their range. */
static void *random_data(tflc_dtype dtype, size_t n) {
    size_t elem = tflc_dtype_size(dtype);
    unsigned char *p = malloc(n * elem + 1);
    for (size_t i = 0; i < n; i++) {
        if (dtype == F32) {
            float v = 2.0f * rng_unit() - 1.0f;
            memcpy(p + 4 * i, &v, 4);
        } else if (dtype == I16) {
            int16_t v = (int16_t)rng_range(-3000, 3000);
            memcpy(p + 2 * i, &v, 2);
        } else {
            p[i] = (unsigned char)rng();
        }
    }
    return p;
}

/* The PADV2 constant: the conv's zero (0.0f or the input zero point) or something else. */
static void pad_constant(const fuse_case *k, unsigned char *v) {
    memset(v, 0, 8);
    int64_t z = k->zero_value ? k->in_zp[0] : k->in_zp[0] + 1 + (int64_t)(rng() % 5);
    if (k->dtype == F32) {
        float f = k->zero_value ? 0.0f : 0.5f;
        memcpy(v, &f, 4);
    } else if (k->dtype == I16) {
        int16_t s = (int16_t)z;
        memcpy(v, &s, 2);
    } else {
        v[0] = (unsigned char)z;
    }
}

static void set_quant(opcase *c, tflc_tensor *t, const fuse_case *k, const float *scale,
                      const int64_t *zp) {
    if (k->dtype != F32) oc_quant_per_tensor(c, t, scale, zp);
}

/* Builds and runs the pair; returns the conv's output (malloc'd) and leaves both cases
 * alive for the fused run. */
static void *run_pair(const fuse_case *k, opcase *pc, opcase *cc, const void *x, const void *w,
                      const void *bias, size_t *bytes) {
    const int32_t d_in[] = {k->n, k->h, k->w, k->c}, d_w[] = {k->m, k->kh, k->kw, padded_c(k)};
    const int32_t d_b[] = {k->m}, d_p[] = {4, 2};
    unsigned char constant[8];
    pad_constant(k, constant);
    oc_init(pc, k->v2 ? &tflc_kernel_padv2 : &tflc_kernel_pad);
    set_quant(pc, oc_in(pc, k->dtype, 4, d_in, x), k, k->in_scale, k->in_zp);
    oc_const(pc, I32, 2, d_p, k->pads);
    if (k->v2) oc_const(pc, k->dtype, 0, NULL, constant);
    tflc_tensor *padded = oc_out(pc, k->dtype);
    set_quant(pc, padded, k, k->in_scale, k->in_zp);
    CHECK_OK(oc_run(pc));

    oc_init(cc, &tflc_kernel_conv_2d);
    oc_options(cc, BO_Conv2D);
    opt_i8(cc, CONV2D_OPT_PADDING, k->padding);
    opt_i32(cc, CONV2D_OPT_STRIDE_H, k->sh);
    opt_i32(cc, CONV2D_OPT_STRIDE_W, k->sw);
    opt_i32(cc, CONV2D_OPT_DILATION_H, k->dh);
    opt_i32(cc, CONV2D_OPT_DILATION_W, k->dw);
    opt_i8(cc, CONV2D_OPT_ACTIVATION, k->act);
    oc_add_input(cc, padded);
    tflc_tensor *wt = oc_const(cc, k->wtype, 4, d_w, w);
    if (k->wtype != F32) oc_quant_per_tensor(cc, wt, k->w_scale, k->w_zp);
    tflc_dtype bt = k->dtype == F32 ? F32 : k->dtype == I16 ? I64 : I32;
    oc_const(cc, bt, 1, d_b, bias);
    tflc_tensor *out = oc_out(cc, k->dtype);
    set_quant(cc, out, k, k->out_scale, k->out_zp);
    tflc_status s = oc_run(cc);
    CHECK_MSG(s == TFLC_OK, "conv: %s", tflc_last_error());
    return oc_output_copy(s, out, bytes);
}

static void describe(const fuse_case *k) {
    fprintf(stderr, "  %s%s N%d %dx%dx%d -> %d k%dx%d s%d,%d d%d,%d %s act %d pads", 
            tflc_dtype_name(k->dtype), k->wtype != k->dtype && k->dtype == F32 ? " hybrid" : "",
            (int)k->n, (int)k->h, (int)k->w, (int)k->c, (int)k->m, (int)k->kh, (int)k->kw,
            (int)k->sh, (int)k->sw, (int)k->dh, (int)k->dw,
            k->padding == CONV_PADDING_SAME ? "SAME" : "VALID", k->act);
    for (int i = 0; i < 8; i++) fprintf(stderr, " %d", (int)k->pads[i]);
    fprintf(stderr, " %s%s level %d\n", k->v2 ? "PADV2" : "PAD", k->zero_value ? "" : " (value != 0)",
            k->level);
}

/* Whether the conv must take the PAD over (it may also for int8 1x1 on the reference
 * loops; the comparison below covers any case it takes). */
static bool must_fuse(const fuse_case *k) {
    bool spatial_only = k->pads[0] == 0 && k->pads[1] == 0 && k->pads[6] == 0 && k->pads[7] == 0;
    bool hybrid = k->dtype == F32 && k->wtype == I8;
    return k->zero_value && spatial_only && !hybrid && (k->kh > 1 || k->kw > 1);
}

static bool must_refuse(const fuse_case *k) {
    bool spatial_only = k->pads[0] == 0 && k->pads[1] == 0 && k->pads[6] == 0 && k->pads[7] == 0;
    bool hybrid = k->dtype == F32 && k->wtype == I8;
    bool f32_pointwise = k->dtype == F32 && k->kh == 1 && k->kw == 1;
    return !k->zero_value || !spatial_only || hybrid || f32_pointwise;
}

static bool check_case(fuse_case *k) {
    tflc_qs8_force_level(k->level);
    const int32_t d_in[] = {k->n, k->h, k->w, k->c}, d_w[] = {k->m, k->kh, k->kw, padded_c(k)};
    void *x = random_data(k->dtype, count4(d_in));
    void *w = random_data(k->wtype, count4(d_w));
    void *bias = random_data(k->dtype == I16 ? I64 : k->dtype == F32 ? F32 : I32, (size_t)k->m);
    if (k->dtype == I16) {   /* small int64 biases */
        for (int32_t i = 0; i < k->m; i++) ((int64_t *)bias)[i] = rng_range(-50000, 50000);
    } else if (k->dtype != F32) {
        for (int32_t i = 0; i < k->m; i++) ((int32_t *)bias)[i] = rng_range(-20000, 20000);
    }
    opcase pc, cc;
    size_t bytes = 0;
    unsigned char *want = run_pair(k, &pc, &cc, x, w, bias, &bytes);
    bool ok = want != NULL;
    bool fused = ok && tflc_conv_absorb_pad(&cc.node, &pc.node);
    if (ok && must_fuse(k) && !fused) ok = false;
    if (ok && must_refuse(k) && fused) ok = false;
    if (ok && fused) {
        tflc_tensor *padded = pc.outs[0];
        memset(padded->data, 0x5A, padded->bytes);   /* the fused conv must not read it */
        CHECK(!tflc_conv_absorb_pad(&cc.node, &pc.node));   /* taken once */
        ok = oc_eval(&cc) == TFLC_OK && cc.outs[0]->bytes == bytes &&
             memcmp(cc.outs[0]->data, want, bytes) == 0;
    }
    cases_fused += fused;
    cases_refused += !fused;
    if (!ok) {
        fprintf(stderr, "fused %d:", (int)fused);
        describe(k);
    }
    oc_free(&cc);
    oc_free(&pc);
    free(want);
    free(x);
    free(w);
    free(bias);
    tflc_qs8_force_level(TFLC_QS8_AUTO);
    return ok;
}

static fuse_case random_case(tflc_dtype dtype) {
    fuse_case k;
    memset(&k, 0, sizeof k);
    k.dtype = dtype;
    k.wtype = dtype == I16 ? I8 : dtype;
    k.n = rng() % 4 == 0 ? 2 : 1;
    k.h = rng_range(1, 9);
    k.w = rng_range(1, 9);
    k.c = rng_range(1, 20);
    k.m = rng_range(1, 24);
    k.kh = rng_range(1, 4);
    k.kw = rng() % 3 == 0 ? rng_range(1, 4) : k.kh;
    k.sh = rng_range(1, 3);
    k.sw = rng() % 3 == 0 ? rng_range(1, 3) : k.sh;
    k.dh = rng() % 5 == 0 ? 2 : 1;
    k.dw = rng() % 5 == 0 ? 2 : 1;
    for (int d = 1; d <= 2; d++) {
        k.pads[2 * d] = rng_range(0, 3);
        k.pads[2 * d + 1] = rng_range(0, 3);
    }
    if (rng() % 10 == 0) k.pads[rng() % 2 ? 1 : 6] = 1;   /* batch or channels padded */
    k.padding = rng() % 2 ? CONV_PADDING_VALID : CONV_PADDING_SAME;
    int32_t ph = k.h + k.pads[2] + k.pads[3], pw = k.w + k.pads[4] + k.pads[5];
    if ((k.kh - 1) * k.dh + 1 > ph || (k.kw - 1) * k.dw + 1 > pw) k.padding = CONV_PADDING_SAME;
    static const int acts[] = {ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1};
    k.act = acts[rng() % 4];
    k.v2 = rng() % 3 == 0;
    k.zero_value = !k.v2 || rng() % 3 != 0;
    k.in_scale[0] = 0.02f + 0.05f * rng_unit();
    k.w_scale[0] = 0.002f + 0.01f * rng_unit();
    k.out_scale[0] = k.in_scale[0] * k.w_scale[0] * 40.0f * sqrtf((float)(k.kh * k.kw * k.c));
    if (dtype == I8) k.in_zp[0] = rng_range(-128, 127), k.out_zp[0] = rng_range(-128, 127);
    if (dtype == U8) {
        k.in_zp[0] = rng_range(0, 255);
        k.out_zp[0] = rng_range(0, 255);
        k.w_zp[0] = rng_range(0, 255);
    }
    if (dtype == I16) k.out_scale[0] /= 256.0f;
    return k;
}

static void run_random(tflc_dtype dtype, int count, int level) {
    int failures = 0;
    for (int i = 0; i < count && failures < 5; i++) {
        fuse_case k = random_case(dtype);
        k.level = level;
        if (!check_case(&k)) failures++;
    }
    CHECK(failures == 0);
}

static void test_fuse_f32(void) { run_random(F32, 400, TFLC_QS8_AUTO); }

/* Float convolutions whose channels are whole blocks of the GEMM's sum (64 on AVX-512) take
 * the taps form, which reads a bordered copy of the input: an absorbed PAD changes only what
 * the copy reads (VALID convolutions after a PAD are the common case). */
static void test_fuse_f32_taps(void) {
    int failures = 0;
    for (int i = 0; i < 60 && failures < 3; i++) {
        fuse_case k = random_case(F32);
        k.c = i % 2 ? 64 : 128;
        k.out_scale[0] = k.in_scale[0] * k.w_scale[0] * 40.0f * sqrtf((float)(k.kh * k.kw * k.c));
        k.level = TFLC_QS8_AUTO;
        if (!check_case(&k)) failures++;
    }
    CHECK(failures == 0);
}

static void test_fuse_int8(void) {
    run_random(I8, 200, TFLC_QS8_REFERENCE);
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++)
        if (tflc_qs8_config_for((tflc_isa)isa)) run_random(I8, 200, isa);
}

static void test_fuse_uint8_int16(void) {
    run_random(U8, 150, TFLC_QS8_AUTO);
    run_random(I16, 150, TFLC_QS8_AUTO);
}

/* A float input with int8 filters (hybrid) is never fused: its per-batch quantization of
 * the input depends on how many elements the input has. */
static void test_refuse_hybrid(void) {
    int failures = 0;
    for (int i = 0; i < 40 && failures < 3; i++) {
        fuse_case k = random_case(F32);
        k.wtype = I8;
        k.w_scale[0] = 0.01f;
        if (!check_case(&k)) failures++;
    }
    CHECK(failures == 0);
}

/* ResNet50's stem: [1,224,224,3] padded 3 on every side, 7x7 stride 2 VALID -> 112x112x64,
 * float32 and int8. */
static void test_resnet_stem(void) {
    for (int t = 0; t < 2; t++) {
        fuse_case k = random_case(t ? I8 : F32);
        k.n = 1, k.h = k.w = 224, k.c = 3, k.m = 64, k.kh = k.kw = 7, k.sh = k.sw = 2;
        k.dh = k.dw = 1;
        memset(k.pads, 0, sizeof k.pads);
        k.pads[2] = k.pads[3] = k.pads[4] = k.pads[5] = 3;
        k.padding = CONV_PADDING_VALID;
        k.v2 = false;
        k.zero_value = true;
        k.level = TFLC_QS8_AUTO;
        k.out_scale[0] = k.in_scale[0] * k.w_scale[0] * 40.0f * sqrtf(147.0f);
        CHECK(check_case(&k));
    }
}

/* ------------------------------------------------------------- in a graph -- */

/* A hand-built subgraph (float32):
 *   0 in [1,6,5,3] -RELU-> 1 x -PAD {0,0},{1,1},{2,2},{0,0}-> 3 p [1,8,9,3]
 *   4 y [1,6,5,3] -RELU-> 5 r                     (runs between PAD and CONV)
 *   3 p -CONV_2D 3x3 VALID (6 w [4,3,3,3], 7 b [4])-> 8 o [1,6,7,4]
 *   extra: 3 p -RELU-> 9 q (a second reader of p)
 * x dies at the PAD unless the fusion keeps it alive to the conv; r, the same size, would
 * then take its slot and the conv would read y's values. */
enum { G_IN, G_X, G_PADS, G_P, G_Y, G_R, G_W, G_B, G_O, G_Q, G_TENSORS };

typedef struct graph_fixture {
    tflc_tensor_desc tensors[G_TENSORS];
    tflc_op_desc ops[5];
    int32_t io[5][3], outs[5][1];
    int32_t inputs[2], outputs[3];
    tflc_subgraph_desc sg;
    struct tflc_model model;
    opcase conv_opts;                      /* only its options table */
    float w[4 * 3 * 3 * 3], b[4];
    int32_t pads[8];
} graph_fixture;

static void gf_tensor(graph_fixture *f, int i, tflc_dtype dt, int32_t d0, int32_t d1,
                      int32_t d2, int32_t d3, int rank, const void *data, size_t bytes) {
    const int32_t d[4] = {d0, d1, d2, d3};
    desc_tensor(&f->tensors[i], dt, d, rank, data, bytes);
}

static void gf_op(graph_fixture *f, int i, int32_t code, int n_in, int32_t a, int32_t b, int32_t c,
                  int32_t out) {
    desc_op(&f->ops[i], f->io[i], f->outs[i], code, n_in, a, b, c, out);
}

/* `extra`: 0 plain, 1 p is also a subgraph output, 2 p has a second reader (RELU -> q). */
static void gf_build(graph_fixture *f, int extra) {
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < N(f->w); i++) f->w[i] = 2.0f * rng_unit() - 1.0f;
    for (size_t i = 0; i < N(f->b); i++) f->b[i] = 2.0f * rng_unit() - 1.0f;
    const int32_t pads[8] = {0, 0, 1, 1, 2, 2, 0, 0};
    memcpy(f->pads, pads, sizeof pads);
    gf_tensor(f, G_IN, F32, 1, 6, 5, 3, 4, NULL, 0);
    gf_tensor(f, G_X, F32, 1, 6, 5, 3, 4, NULL, 0);
    gf_tensor(f, G_PADS, I32, 4, 2, 0, 0, 2, f->pads, sizeof f->pads);
    gf_tensor(f, G_P, F32, 1, 8, 9, 3, 4, NULL, 0);
    gf_tensor(f, G_Y, F32, 1, 6, 5, 3, 4, NULL, 0);
    gf_tensor(f, G_R, F32, 1, 6, 5, 3, 4, NULL, 0);
    gf_tensor(f, G_W, F32, 4, 3, 3, 3, 4, f->w, sizeof f->w);
    gf_tensor(f, G_B, F32, 4, 0, 0, 0, 1, f->b, sizeof f->b);
    gf_tensor(f, G_O, F32, 1, 6, 7, 4, 4, NULL, 0);
    gf_tensor(f, G_Q, F32, 1, 8, 9, 3, 4, NULL, 0);
    gf_op(f, 0, OPC_RELU, 1, G_IN, -1, -1, G_X);
    gf_op(f, 1, SH_OPC_PAD, 2, G_X, G_PADS, -1, G_P);
    gf_op(f, 2, OPC_RELU, 1, G_Y, -1, -1, G_R);
    gf_op(f, 3, CONV_OPC_CONV_2D, 3, G_P, G_W, G_B, G_O);
    gf_op(f, 4, OPC_RELU, 1, G_P, -1, -1, G_Q);
    oc_init(&f->conv_opts, &tflc_kernel_conv_2d);
    oc_options(&f->conv_opts, BO_Conv2D);
    opt_i8(&f->conv_opts, CONV2D_OPT_PADDING, CONV_PADDING_VALID);
    opt_i32(&f->conv_opts, CONV2D_OPT_STRIDE_H, 1);
    opt_i32(&f->conv_opts, CONV2D_OPT_STRIDE_W, 1);
    oc_build_options(&f->conv_opts);
    f->ops[3].options_type = BO_Conv2D;
    f->ops[3].options = f->conv_opts.op.options;
    f->inputs[0] = G_IN, f->inputs[1] = G_Y;
    f->outputs[0] = G_O, f->outputs[1] = G_R, f->outputs[2] = extra == 1 ? G_P : G_Q;
    f->sg = (tflc_subgraph_desc){.name = "fusion", .tensors = f->tensors, .n_tensors = G_TENSORS,
                                 .ops = f->ops, .n_ops = extra == 2 ? 5 : 4,
                                 .inputs = f->inputs, .n_inputs = 2, .outputs = f->outputs,
                                 .n_outputs = extra ? 3 : 2};
    f->model = (struct tflc_model){.subgraphs = &f->sg, .n_subgraphs = 1,
                                   .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
}

/* Runs the graph on seeded inputs; copies o into `o` and says whether the PAD was fused. */
static bool gf_run(graph_fixture *f, float *o, bool *fused) {
    struct tflc_runner runner = {.model = &f->model};
    tflc_graph g;
    tflc_status s = tflc_graph_init(&g, &runner, 0);
    if (s == TFLC_OK) s = tflc_graph_prepare(&g);
    if (s == TFLC_OK) {
        uint64_t saved = rng_state;
        rng_state = 0x1234567ull;
        float *in = g.tensors[G_IN].data, *y = g.tensors[G_Y].data;
        for (int i = 0; i < 90; i++) in[i] = 2.0f * rng_unit() - 1.0f;
        for (int i = 0; i < 90; i++) y[i] = 1.0f + rng_unit();   /* unlike x: a reuse shows */
        rng_state = saved;
        s = tflc_graph_invoke(&g);
    }
    if (s == TFLC_OK) {
        memcpy(o, g.tensors[G_O].data, g.tensors[G_O].bytes);
        *fused = g.nodes[1].fused;
        /* the padded tensor has no storage exactly when the PAD is fused */
        CHECK(*fused == (g.tensors[G_P].data == NULL));
    }
    CHECK_MSG(s == TFLC_OK, "%s", runner.err);
    tflc_graph_release(&g);
    oc_free(&f->conv_opts);
    return s == TFLC_OK;
}

static void test_graph_fusion(void) {
    static graph_fixture f;
    float fused_o[6 * 7 * 4], plain_o[6 * 7 * 4], second_o[6 * 7 * 4];
    bool fused = false;
    uint64_t seed = rng_state;
    gf_build(&f, 0);
    CHECK(gf_run(&f, fused_o, &fused) && fused);
    rng_state = seed;                      /* the same weights */
    gf_build(&f, 1);
    CHECK(gf_run(&f, plain_o, &fused) && !fused);
    CHECK(memcmp(fused_o, plain_o, sizeof fused_o) == 0);
    rng_state = seed;
    gf_build(&f, 2);
    CHECK(gf_run(&f, second_o, &fused) && !fused);
    CHECK(memcmp(fused_o, second_o, sizeof fused_o) == 0);
}

static void test_counts(void) {
    fprintf(stderr, "  %d cases fused, %d refused\n", cases_fused, cases_refused);
    CHECK(cases_fused > 500 && cases_refused > 100);
}

static void run_tests(void) {
    TEST(test_fuse_f32);
    TEST(test_fuse_f32_taps);
    TEST(test_fuse_int8);
    TEST(test_fuse_uint8_int16);
    TEST(test_refuse_hybrid);
    TEST(test_resnet_stem);
    TEST(test_graph_fusion);
    TEST(test_counts);
}

TEST_MAIN()
