/*
 * test_qconv_fast.c -- the int8 fast paths (kernels/qs8_ops.h: CONV_2D, FULLY_CONNECTED and
 * BATCH_MATMUL on the int8 GEMM, DEPTHWISE_CONV_2D channel-vectorized) against the portable
 * reference loops, which are LiteRT's arithmetic: every output bit for bit.
 *
 * Each case is built and run once with the reference loops forced
 * (tflc_qs8_force_level(TFLC_QS8_REFERENCE)), then once per ISA level this machine has
 * (scalar, AVX2, AVX-512), each forced the same way, and every output compared. Shapes are
 * ragged on purpose (channels and depths around the SIMD widths and the GEMM tiles, K across
 * the GEMM's K slices, rows across chunks), with strides, dilations, SAME/VALID padding,
 * zero points across the int8 range, per-tensor and per-channel scales (some channels
 * with multipliers above 1, so left shifts), every fused activation, bias or none, batch 2,
 * 1 or 3 threads, and weights both packed at each eval and through the model's weight cache.
 * The requantization kernels are also checked directly against conv_common.h's and
 * nn_common.h's functions on hostile accumulators (INT32_MIN/MAX, ties, huge shifts).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/threadpool.h"
#include "core/weight_cache.h"
#include "kernels/qs8_ops.h"
#include "ops/conv_common.h"
#include "ops/nn_common.h"
#include "test.h"
#include "isa_configs.h"
#include "op_harness.h"

/* ------------------------------------------------------------------ helpers -- */

#define TEST_RNG_SEED 0x9E3779B97F4A7C15ull
#include "rng.h"

static int8_t rng_i8(void) { return (int8_t)(rng() & 0xFF); }

/* The levels to compare: the ISA levels this machine can run. */
static int levels[TFLC_ISA_COUNT];
static int n_levels;

static tflc_threadpool *pool3;

static int cases_run, outputs_compared;

/* Runs `kind` with `threads` (1 or 3) and, when `cached`, its weights (input 1) presented as
 * model constants so the paths that pack through the weight cache are taken. */
static void use_threads(int threads) { fake_runner.pool = threads > 1 ? pool3 : NULL; }

static void cache_begin(opcase *c, bool cached) {
    tflc_tensor *w = c->ins[1];
    fake_model.buf = cached ? w->data : NULL;
    fake_model.size = cached ? w->bytes : 0;
}

static void cache_end(void) {
    tflc_weight_cache_free(fake_model.weight_cache);
    fake_model.weight_cache = NULL;
    fake_model.buf = NULL;
    fake_model.size = 0;
}

/* Compares a level's output to the reference's; names the first difference. */
static bool same_bytes(const char *what, int level, const void *want, const void *got,
                       size_t bytes, size_t elem) {
    outputs_compared++;
    if (memcmp(want, got, bytes) == 0) return true;
    for (size_t i = 0; i < bytes; i++)
        if (((const unsigned char *)want)[i] != ((const unsigned char *)got)[i]) {
            CHECK_MSG(false, "%s: level %s differs at element %zu", what,
                      tflc_isa_name((tflc_isa)level), i / elem);
            break;
        }
    return false;
}

/* -------------------------------------------------------------- the levels -- */

static void test_levels(void) {
    n_levels = 0;
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++) {
        const tflc_qs8_config *cfg = tflc_qs8_config_for((tflc_isa)isa);
        if (!cfg) continue;
        CHECK(cfg->isa == (tflc_isa)isa && cfg->requant && cfg->dw_row && cfg->name);
        levels[n_levels++] = isa;
        tflc_qs8_force_level(isa);
        CHECK(tflc_qs8_config_get() == cfg);
        const tflc_qgemm_s8_config *g = tflc_qs8_config_gemm(cfg);
        CHECK(g != NULL && g->isa <= cfg->isa);
    }
    CHECK(n_levels >= 1 && levels[0] == TFLC_ISA_SCALAR);
    CHECK_ISA_CONFIGS(tflc_qs8_config_for);
    const tflc_cpu_info *cpu = tflc_cpu_info_get();
    if (cpu->hardware == TFLC_ISA_NEON) {   /* aarch64's chain: scalar, NEON */
        CHECK(n_levels == 2 && levels[1] == TFLC_ISA_NEON);
        /* the NEON ops run a NEON GEMM: SDOT with DotProd, else SMULL */
        CHECK(tflc_qs8_config_gemm(tflc_qs8_config_for(TFLC_ISA_NEON))->isa == TFLC_ISA_NEON);
    } else {                                 /* x86's: scalar, AVX2, AVX-512 */
        if (cpu->hardware >= TFLC_ISA_AVX2) CHECK(n_levels >= 2);
        if (cpu->hardware >= TFLC_ISA_AVX512) CHECK(n_levels == 3);
        if (cpu->hardware >= TFLC_ISA_AVX512 && cpu->avx512vnni)
            CHECK(tflc_qs8_config_gemm(tflc_qs8_config_for(TFLC_ISA_AVX512))->isa ==
                  TFLC_ISA_AVX512);
    }
    tflc_qs8_force_level(TFLC_QS8_REFERENCE);
    CHECK(tflc_qs8_config_get() == NULL);
    tflc_qs8_force_level(TFLC_QS8_AUTO);
    CHECK(tflc_qs8_config_get() != NULL);
    CHECK(tflc_qs8_config_get()->isa <= tflc_cpu_isa());
    fprintf(stderr, "levels:");
    for (int i = 0; i < n_levels; i++)
        fprintf(stderr, " %s (gemm %s)", tflc_qs8_config_for((tflc_isa)levels[i])->name,
                tflc_qs8_config_gemm(tflc_qs8_config_for((tflc_isa)levels[i]))->name);
    fprintf(stderr, "\n");
}

/* ------------------------------------------------------- requantization -- */

/* The ops' own functions: the specification the kernels must equal. */
static int8_t ref_requant(int32_t x, int32_t m, int32_t s, const tflc_qs8_requant *rq,
                          size_t channel) {
    int64_t v;
    const tflc_qs8_rounding rounding = rq->double_from != 0 && channel >= rq->double_from
                                           ? TFLC_QS8_ROUND_DOUBLE
                                           : rq->rounding;
    switch (rounding) {
    case TFLC_QS8_ROUND_SINGLE: v = nn_mul_by_qm_single(x, m, s); break;
    case TFLC_QS8_ROUND_DOUBLE_WRAP: v = nn_mul_by_qm(x, m, s); break;
    case TFLC_QS8_ROUND_TIES_UP: v = nn_mul_by_qm_ties_up(x, m, s); break;
    default: v = tflc_conv_mbqm32(x, m, s); break;
    }
    v += rq->out_zero_point;
    return (int8_t)(v < rq->lo ? rq->lo : (v > rq->hi ? rq->hi : v));
}

static int32_t hostile_acc(void) {
    switch (rng() % 8) {
    case 0: return INT32_MIN + rng_range(0, 3);
    case 1: return INT32_MAX - rng_range(0, 3);
    case 2: return rng_range(-70000, 70000);
    case 3: return (int32_t)(rng() | 0x80000000u) >> rng_range(0, 31);
    default: return (int32_t)rng();
    }
}

static void check_requant_mode(tflc_qs8_rounding rounding) {
    enum { ROWS = 9, N = 77, LDA = 80, LDO = 83 };
    static int32_t acc[ROWS * LDA], mult[N + 3], shift[N + 3];
    static int8_t want[ROWS * LDO], got[ROWS * LDO];
    for (int trial = 0; trial < 96; trial++) {
        const size_t c0 = (size_t)rng_range(0, 3), n = (size_t)rng_range(1, N);
        const int32_t zp = rng_range(-128, 127);
        int32_t lo = rng_range(-128, 127), hi = rng_range(-128, 127);
        if (trial % 3 == 0) { lo = -128; hi = 127; }
        if (lo > hi) { int32_t t = lo; lo = hi; hi = t; }
        for (size_t j = 0; j < n + c0; j++) {
            /* QuantizeMultiplier's range, 0, and its exponents; some blocks with left shifts */
            mult[j] = rng() % 16 == 0 ? 0 : (int32_t)(0x40000000u + (rng() & 0x3FFFFFFFu));
            int32_t s = rng_range(-31, 0);
            if (trial % 4 == 1) s = rng_range(-31, 8);
            if (trial % 8 == 5) s = rng_range(-40, 40);
            /* every right shift in [1, 20] (real layers): the AVX-512 TIES_UP path folds the
             * zero point into its rounding there; a block with one shift just outside not */
            if (trial % 8 == 3 || trial % 8 == 6) s = rng_range(-20, -1);
            if (trial % 8 == 6 && rng() % 40 == 0) s = rng() % 2 ? 0 : -21;
            if (rounding == TFLC_QS8_ROUND_SINGLE && s > 30) s = 30;
            if (rounding == TFLC_QS8_ROUND_SINGLE || rounding == TFLC_QS8_ROUND_DOUBLE_WRAP)
                s = s < -31 ? -31 : s;
            shift[j] = s;
        }
        for (size_t i = 0; i < ROWS; i++)
            for (size_t j = 0; j < LDA; j++) {
                int32_t v = hostile_acc();
                /* ties of the rounding shift: multiples of 2^(right-1) once multiplied */
                if (rng() % 5 == 0)
                    v = (int32_t)((uint32_t)rng_range(-1000, 1000) << rng_range(0, 20));
                acc[i * LDA + j] = v;
            }
        /* channels from double_from on DOUBLE (TFLite's x86 Quantize's tail): none, a
         * multiple of 8 as the ops use, or any channel, inside or outside [c0, c0 + n) */
        size_t double_from = 0;
        if (trial % 3 == 1) double_from = (size_t)rng_range(1, (int32_t)(n + c0) / 8 + 1) * 8;
        if (trial % 3 == 2) double_from = (size_t)rng_range(1, (int32_t)(n + c0) + 2);
        const tflc_qs8_requant rq = {mult, shift, zp, lo, hi, rounding, double_from};
        for (size_t i = 0; i < ROWS; i++)
            for (size_t j = 0; j < LDO; j++)
                want[i * LDO + j] = j < n ? ref_requant(acc[i * LDA + j], mult[c0 + j],
                                                        shift[c0 + j], &rq, c0 + j)
                                          : (int8_t)0x5A;
        for (int l = 0; l < n_levels; l++) {
            const tflc_qs8_config *cfg = tflc_qs8_config_for((tflc_isa)levels[l]);
            memset(got, 0x5A, sizeof got);
            cfg->requant(ROWS, n, acc, LDA, &rq, c0, got, LDO);
            if (!same_bytes("requant", levels[l], want, got, sizeof got, 1)) return;
        }
    }
}

static void test_requant_kernels(void) {
    check_requant_mode(TFLC_QS8_ROUND_DOUBLE);
    check_requant_mode(TFLC_QS8_ROUND_DOUBLE_WRAP);
    check_requant_mode(TFLC_QS8_ROUND_SINGLE);
    check_requant_mode(TFLC_QS8_ROUND_TIES_UP);
}

/* ----------------------------------------------------------------- CONV_2D -- */

#define MAXC 1200

typedef struct conv_case {
    int32_t batches, h, w, cin, cout, kh, kw, sh, sw, dh, dw;
    int padding, act, threads;
    bool per_channel, bias, cached, depthwise;
    bool saturate;                         /* every input and weight 127 */
    int32_t mult;                          /* depthwise multiplier */
    int64_t in_zp[1], out_zp[1], w_zp[MAXC];
    float in_scale[1], out_scale[1], w_scale[MAXC];
} conv_case;

/* Scales that keep most outputs inside the int8 range for a K-term sum, with a few
 * channels above 1 (left shifts) when `big` is set. */
static void pick_scales(conv_case *k, int32_t depth, int32_t channels, bool big) {
    k->in_scale[0] = 0.01f + 0.05f * rng_unit();
    k->in_zp[0] = rng_range(-128, 127);
    k->out_zp[0] = rng_range(-128, 127);
    const float w_base = 0.002f + 0.01f * rng_unit();
    const int n = k->per_channel ? channels : 1;
    for (int i = 0; i < n; i++) {
        k->w_scale[i] = w_base * (0.25f + 2.0f * rng_unit());
        k->w_zp[i] = 0;
    }
    /* multiplier in * w / out ~ 1 / (3 * 74 * 73 * sqrt(K)) puts 3 sigma at the edges */
    float mult = 1.0f / (16000.0f * sqrtf((float)(depth > 0 ? depth : 1)));
    if (rng() % 4 == 0) mult *= 8.0f;
    k->out_scale[0] = k->in_scale[0] * w_base / mult;
    if (big && n > 1)
        for (int i = 0; i < n; i += 7)   /* multiplier in * w / out of 2 to 64: left shifts */
            k->w_scale[i] = k->out_scale[0] / k->in_scale[0] * (2.0f + 62.0f * rng_unit());
}

static void conv_opts(opcase *c, const conv_case *k) {
    if (k->depthwise) {
        oc_options(c, BO_DepthwiseConv2D);
        opt_i8(c, DWCONV_OPT_PADDING, k->padding);
        opt_i32(c, DWCONV_OPT_STRIDE_H, k->sh);
        opt_i32(c, DWCONV_OPT_STRIDE_W, k->sw);
        opt_i32(c, DWCONV_OPT_DILATION_H, k->dh);
        opt_i32(c, DWCONV_OPT_DILATION_W, k->dw);
        opt_i32(c, DWCONV_OPT_DEPTH_MULTIPLIER, k->mult);
        opt_i8(c, DWCONV_OPT_ACTIVATION, k->act);
    } else {
        oc_options(c, BO_Conv2D);
        opt_i8(c, CONV2D_OPT_PADDING, k->padding);
        opt_i32(c, CONV2D_OPT_STRIDE_H, k->sh);
        opt_i32(c, CONV2D_OPT_STRIDE_W, k->sw);
        opt_i32(c, CONV2D_OPT_DILATION_H, k->dh);
        opt_i32(c, CONV2D_OPT_DILATION_W, k->dw);
        opt_i8(c, CONV2D_OPT_ACTIVATION, k->act);
    }
}

/* Runs the case at `level`; returns a malloc'd copy of the output (NULL on failure). */
static int8_t *run_conv(const conv_case *k, const int8_t *in, const int8_t *w,
                        const int32_t *bias, int level, size_t *bytes) {
    opcase c;
    const int32_t cout = k->depthwise ? k->cin * k->mult : k->cout;
    const int32_t d_in[] = {k->batches, k->h, k->w, k->cin};
    const int32_t d_w_conv[] = {cout, k->kh, k->kw, k->cin};
    const int32_t d_w_dw[] = {1, k->kh, k->kw, cout};
    const int32_t d_b[] = {cout};
    tflc_qs8_force_level(level);
    use_threads(k->threads);
    oc_init(&c, k->depthwise ? &tflc_kernel_depthwise_conv_2d : &tflc_kernel_conv_2d);
    conv_opts(&c, k);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, in), 1, k->in_scale, k->in_zp, 0);
    oc_quant(&c, oc_const(&c, I8, 4, k->depthwise ? d_w_dw : d_w_conv, w),
             k->per_channel ? cout : 1, k->w_scale, k->w_zp, k->depthwise ? 3 : 0);
    if (k->bias) oc_const(&c, I32, 1, d_b, bias);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, k->out_scale, k->out_zp, 0);
    cache_begin(&c, k->cached);
    tflc_status s = oc_run(&c);
    CHECK_MSG(s == TFLC_OK, "status %d: %s", (int)s, tflc_last_error());
    int8_t *copy = oc_output_copy(s, out, bytes);
    cache_end();
    oc_free(&c);
    use_threads(1);
    return copy;
}

static void describe(const conv_case *k, char *buf, size_t size) {
    snprintf(buf, size, "%s N%d %dx%dx%d -> %d, k%dx%d s%d,%d d%d,%d %s act %d %s%s%s t%d zp %d/%d",
             k->depthwise ? "dw" : "conv", (int)k->batches, (int)k->h, (int)k->w, (int)k->cin,
             k->depthwise ? (int)(k->cin * k->mult) : (int)k->cout, (int)k->kh, (int)k->kw,
             (int)k->sh, (int)k->sw, (int)k->dh, (int)k->dw,
             k->padding == CONV_PADDING_SAME ? "SAME" : "VALID", k->act,
             k->per_channel ? "per-channel" : "per-tensor", k->bias ? " bias" : "",
             k->cached ? " cached" : "", k->threads, (int)k->in_zp[0], (int)k->out_zp[0]);
}

/* Reference first, then every level: identical bytes. */
static bool check_conv_case(conv_case *k) {
    const int32_t cout = k->depthwise ? k->cin * k->mult : k->cout;
    const size_t n_in = (size_t)k->batches * (size_t)k->h * (size_t)k->w * (size_t)k->cin;
    const size_t n_w = (size_t)cout * (size_t)k->kh * (size_t)k->kw *
                       (size_t)(k->depthwise ? 1 : k->cin);
    int8_t *in = malloc(n_in ? n_in : 1), *w = malloc(n_w ? n_w : 1);
    int32_t *bias = malloc(sizeof(int32_t) * (size_t)(cout ? cout : 1));
    const bool extreme = rng() % 6 == 0;   /* every value -128 or 127 */
    for (size_t i = 0; i < n_in; i++)
        in[i] = k->saturate ? 127 : extreme ? (rng() & 1 ? 127 : -128) : rng_i8();
    for (size_t i = 0; i < n_w; i++)
        w[i] = k->saturate ? 127 : extreme ? (rng() & 1 ? 127 : -128) : rng_i8();
    for (int32_t i = 0; i < cout; i++)
        bias[i] = rng() % 8 == 0 ? (int32_t)rng() : rng_range(-20000, 20000);
    char name[256];
    describe(k, name, sizeof name);
    size_t bytes = 0, got_bytes = 0;
    int8_t *want = run_conv(k, in, w, bias, TFLC_QS8_REFERENCE, &bytes);
    bool ok = want != NULL;

    for (int l = 0; ok && l < n_levels; l++) {
        int8_t *got = run_conv(k, in, w, bias, levels[l], &got_bytes);
        ok = got && got_bytes == bytes && same_bytes(name, levels[l], want, got, bytes, 1);
        free(got);
    }
    if (!ok) fprintf(stderr, "  case: %s\n", name);
    cases_run++;
    free(want);
    free(in);
    free(w);
    free(bias);
    return ok;
}

/* A random conv (or depthwise) case within the given bounds. */
static conv_case random_conv(bool depthwise, int32_t max_hw, int32_t max_cin, int32_t max_cout) {
    conv_case k;
    memset(&k, 0, sizeof k);
    k.depthwise = depthwise;
    k.batches = rng() % 4 == 0 ? 2 : 1;
    k.h = rng_range(1, max_hw);
    k.w = rng_range(1, max_hw);
    k.cin = rng_range(1, max_cin);
    k.cout = rng_range(1, max_cout);
    k.mult = depthwise && rng() % 6 == 0 ? 2 : 1;
    k.kh = rng_range(1, 5);
    k.kw = rng() % 3 == 0 ? rng_range(1, 5) : k.kh;
    k.sh = rng_range(1, 3);
    k.sw = rng() % 3 == 0 ? rng_range(1, 3) : k.sh;
    k.dh = rng() % 5 == 0 ? 2 : 1;
    k.dw = rng() % 5 == 0 ? 2 : 1;
    k.padding = rng() % 3 == 0 ? CONV_PADDING_VALID : CONV_PADDING_SAME;
    if (k.padding == CONV_PADDING_VALID &&
        ((k.kh - 1) * k.dh + 1 > k.h || (k.kw - 1) * k.dw + 1 > k.w))
        k.padding = CONV_PADDING_SAME;
    static const int acts[] = {ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1};
    k.act = acts[rng() % 4];
    k.per_channel = rng() % 3 != 0;
    k.bias = rng() % 5 != 0;
    k.cached = rng() % 3 == 0;
    k.threads = rng() % 3 == 0 ? 3 : 1;
    const int32_t channels = depthwise ? k.cin * k.mult : k.cout;
    pick_scales(&k, depthwise ? k.kh * k.kw : k.kh * k.kw * k.cin, channels, rng() % 5 == 0);
    return k;
}

static void test_conv_random(void) {
    for (int t = 0; t < 400; t++) {
        conv_case k = random_conv(false, 11, 40, 70);
        if (!check_conv_case(&k)) break;
    }
}

/* Shapes across the GEMM's blocks: 1x1 with rows over several chunks, K past one K slice
 * (1024 for VNNI, 512 scalar), output channels past the column block (1024), the GEMM's
 * tiles (14 x 32, 4 x 8) +- 1, output rows of several tiles (the taps form's runs). */
static void test_conv_big(void) {
    static const int32_t shapes[][8] = {
        /* h, w, cin, cout, kh, kw, stride, threads */
        {40, 37, 16, 96, 1, 1, 1, 1},   {40, 37, 16, 96, 1, 1, 1, 3},
        {9, 9, 130, 33, 3, 3, 1, 1},    {7, 7, 120, 64, 3, 3, 2, 3},
        {3, 4, 64, 1100, 1, 1, 1, 1},   {3, 4, 64, 1100, 1, 1, 1, 3},
        {15, 15, 3, 32, 3, 3, 2, 1},    {14, 1, 29, 31, 1, 1, 1, 1},
        {2, 15, 33, 65, 3, 1, 1, 3},    {5, 5, 1, 1, 5, 5, 1, 1},
        {1, 1, 600, 40, 1, 1, 1, 1},    {6, 6, 200, 48, 3, 3, 1, 3},
        {5, 45, 8, 40, 3, 3, 1, 1},     {6, 61, 12, 20, 3, 3, 2, 3},   /* runs of 45, 31 pixels */
    };
    const size_t first_runs = 12;   /* from here: no activation, which might hide a wrong row */
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        conv_case k = random_conv(false, 4, 4, 4);
        k.h = shapes[s][0];
        k.w = shapes[s][1];
        k.cin = shapes[s][2];
        k.cout = shapes[s][3];
        k.kh = shapes[s][4];
        k.kw = shapes[s][5];
        k.sh = k.sw = shapes[s][6];
        k.dh = k.dw = 1;
        k.threads = shapes[s][7];
        if (s >= first_runs) k.act = ACT_NONE;
        k.padding = CONV_PADDING_SAME;
        k.batches = s % 3 == 0 ? 2 : 1;
        k.cached = s % 2 == 1;
        pick_scales(&k, k.kh * k.kw * k.cin, k.cout, s % 4 == 2);
        if (!check_conv_case(&k)) break;
    }
}

/* Exhaustive small sweep of what decides the window: stride, dilation, padding, filter. */
static void test_conv_windows(void) {
    for (int kh = 1; kh <= 4; kh++)
        for (int st = 1; st <= 3; st++)
            for (int dil = 1; dil <= 2; dil++)
                for (int pad = 0; pad < 2; pad++) {
                    conv_case k = random_conv(false, 4, 4, 4);
                    k.h = 7;
                    k.w = 6;
                    k.cin = 5;
                    k.cout = 9;
                    k.kh = kh;
                    k.kw = 5 - kh;
                    k.sh = st;
                    k.sw = 4 - st;
                    k.dh = dil;
                    k.dw = 3 - dil;
                    k.padding = pad ? CONV_PADDING_VALID : CONV_PADDING_SAME;
                    pick_scales(&k, k.kh * k.kw * k.cin, k.cout, false);
                    if (!check_conv_case(&k)) return;
                }
}

/* ------------------------------------------------------- DEPTHWISE_CONV_2D -- */

static void test_dw_random(void) {
    for (int t = 0; t < 400; t++) {
        conv_case k = random_conv(true, 12, 70, 1);
        if (!check_conv_case(&k)) break;
    }
}

/* Channels around the vector widths (16 AVX2, 32 AVX-512) and MobileNet's shapes. */
static void test_dw_channels(void) {
    static const int32_t channels[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64,
                                       65, 96, 144, 145};
    for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
        conv_case k = random_conv(true, 9, 4, 1);
        k.cin = channels[i];
        k.mult = 1;
        k.kh = k.kw = 3;
        k.dh = k.dw = 1;
        k.sh = k.sw = (int32_t)(i % 2) + 1;
        k.per_channel = i % 3 != 2;
        pick_scales(&k, 9, k.cin, i % 4 == 1);
        if (!check_conv_case(&k)) break;
    }
    conv_case big = random_conv(true, 4, 4, 1);   /* a MobileNet V2 block, threaded */
    big.h = big.w = 28;
    big.cin = 144;
    big.mult = 1;
    big.kh = big.kw = 3;
    big.sh = big.sw = 2;
    big.dh = big.dw = 1;
    big.padding = CONV_PADDING_SAME;
    big.threads = 3;
    big.batches = 2;
    pick_scales(&big, 9, big.cin, false);
    check_conv_case(&big);
}

/* The AVX-512 fast rows (3 or 5 filter columns, column stride 1 or 2, no column dilation:
 * 64-channel blocks, 4 interior pixels per pass): channels around the 16-lane groups and the
 * 64-channel blocks (tails of 8 to 63: 32- and 16-channel blocks, a last partial one masked;
 * AVX2's 32-channel blocks and 8-channel tails), widths with no interior
 * pixel, fewer than 4, and 4k + 1..3, row dilation, SAME (padding at each border) and VALID,
 * some channels with left shifts (the block falls back to the general loop), column dilation
 * 2 (not covered: the general loop), each with the fast rows allowed and not (the general
 * rows of AVX-512 CPUs without VNNI). */
static void test_dw_fast_rows(void) {
    static const int32_t channels[] = {1, 15, 16, 17, 33, 48, 64, 65, 72, 120, 130};
    static const int32_t widths[] = {1, 2, 5, 7, 9, 12};
    int t = 0;
    for (size_t ci = 0; ci < sizeof channels / sizeof channels[0]; ci++)
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
            for (int kw = 3; kw <= 5; kw += 2)
                for (int st = 1; st <= 2; st++, t++) {
                    conv_case k = random_conv(true, 4, 4, 1);
                    k.cin = channels[ci];
                    k.mult = 1;
                    k.w = widths[wi];
                    k.h = rng_range(1, 6);
                    k.kw = kw;
                    k.kh = t % 3 == 0 ? kw : rng_range(1, 5);
                    k.sw = st;
                    k.sh = rng_range(1, 2);
                    k.dw = t % 11 == 0 ? 2 : 1;
                    k.dh = t % 4 == 0 ? 2 : 1;
                    k.padding = t % 5 == 0 && k.w >= (k.kw - 1) * k.dw + 1 &&
                                        k.h >= (k.kh - 1) * k.dh + 1
                                    ? CONV_PADDING_VALID
                                    : CONV_PADDING_SAME;
                    k.threads = t % 7 == 0 ? 3 : 1;
                    pick_scales(&k, k.kh * k.kw, k.cin, t % 6 == 5);
                    bool ok = true;
                    for (int vnni = 1; ok && vnni >= 0; vnni--) {
                        tflc_qs8_dw_allow_vnni(vnni != 0);
                        ok = check_conv_case(&k);
                    }
                    tflc_qs8_dw_allow_vnni(true);
                    if (!ok) return;
                }
}

/* int32 accumulators that wrap: depths where sum (x - zp) * w passes 2^31 (every value at
 * an extreme: 255 * 127 per term over 70000 terms), which the reference wraps once from
 * int64 and the kernels wrap at every step, and a depthwise filter of 259 x 259 taps (past
 * the interior path's QS8_DW_MAX_TAPS). */
static void test_conv_wraparound(void) {
    conv_case k = random_conv(false, 1, 1, 1);
    k.batches = 1;
    k.h = 1;
    k.w = 2;
    k.cin = 70000;
    k.cout = 3;
    k.kh = k.kw = k.sh = k.sw = k.dh = k.dw = 1;
    k.per_channel = true;
    pick_scales(&k, k.cin, k.cout, false);
    k.in_zp[0] = -128;
    k.saturate = true;
    check_conv_case(&k);
    conv_case d = random_conv(true, 1, 1, 1);
    d.batches = 1;
    d.h = d.w = 259;
    d.cin = 2;
    d.mult = 1;
    d.kh = d.kw = 259;
    d.sh = d.sw = d.dh = d.dw = 1;
    d.padding = CONV_PADDING_VALID;
    pick_scales(&d, 259 * 259, 2, false);
    d.in_zp[0] = -128;
    d.saturate = true;
    check_conv_case(&d);
    d.padding = CONV_PADDING_SAME;   /* 20 x 20 outputs of 9 x 9 windows, many clipped */
    d.h = d.w = 20;
    d.kh = d.kw = 9;
    check_conv_case(&d);
}

/* ---------------------------------------------------------- FULLY_CONNECTED -- */

typedef struct fc_case {
    int32_t batches, depth, units, act, threads;
    bool per_channel, bias, cached, big_bias;   /* big_bias: any int32 (sums wrap) */
    int64_t in_zp[1], out_zp[1], w_zp[MAXC];
    float in_scale[1], out_scale[1], w_scale[MAXC];
} fc_case;

static int8_t *run_fc(const fc_case *k, const int8_t *in, const int8_t *w, const int32_t *bias,
                      int level, size_t *bytes) {
    opcase c;
    const int32_t d_in[] = {k->batches, k->depth}, d_w[] = {k->units, k->depth};
    const int32_t d_b[] = {k->units};
    tflc_qs8_force_level(level);
    use_threads(k->threads);
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, k->act);
    oc_quant(&c, oc_in(&c, I8, 2, d_in, in), 1, k->in_scale, k->in_zp, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d_w, w), k->per_channel ? k->units : 1, k->w_scale,
             k->w_zp, 0);
    if (k->bias) oc_const(&c, I32, 1, d_b, bias);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, k->out_scale, k->out_zp, 0);
    cache_begin(&c, k->cached);
    tflc_status s = oc_run(&c);
    CHECK_MSG(s == TFLC_OK, "status %d: %s", (int)s, tflc_last_error());
    int8_t *copy = oc_output_copy(s, out, bytes);
    cache_end();
    oc_free(&c);
    use_threads(1);
    return copy;
}

static bool check_fc_case(fc_case *k) {
    const size_t n_in = (size_t)k->batches * (size_t)k->depth;
    const size_t n_w = (size_t)k->units * (size_t)k->depth;
    int8_t *in = malloc(n_in ? n_in : 1), *w = malloc(n_w ? n_w : 1);
    int32_t *bias = malloc(sizeof(int32_t) * (size_t)(k->units ? k->units : 1));
    for (size_t i = 0; i < n_in; i++) in[i] = rng_i8();
    for (size_t i = 0; i < n_w; i++) w[i] = rng_i8();
    for (int32_t i = 0; i < k->units; i++)
        bias[i] = k->big_bias ? (int32_t)(rng() << 16 ^ rng()) : rng_range(-30000, 30000);
    char name[200];
    snprintf(name, sizeof name, "fc %dx%d -> %d act %d %s w_zp %d%s%s t%d", (int)k->batches,
             (int)k->depth, (int)k->units, k->act, k->per_channel ? "per-channel" : "per-tensor",
             (int)k->w_zp[0], k->bias ? " bias" : "", k->cached ? " cached" : "", k->threads);
    size_t bytes = 0, got_bytes = 0;
    int8_t *want = run_fc(k, in, w, bias, TFLC_QS8_REFERENCE, &bytes);
    bool ok = want != NULL;
    for (int l = 0; ok && l < n_levels; l++) {
        int8_t *got = run_fc(k, in, w, bias, levels[l], &got_bytes);
        ok = got && got_bytes == bytes && same_bytes(name, levels[l], want, got, bytes, 1);
        free(got);
    }
    if (!ok) fprintf(stderr, "  case: %s\n", name);
    cases_run++;
    free(want);
    free(in);
    free(w);
    free(bias);
    return ok;
}

static fc_case random_fc(int32_t max_b, int32_t max_k, int32_t max_m) {
    fc_case k;
    memset(&k, 0, sizeof k);
    k.batches = rng_range(1, max_b);
    k.depth = rng_range(1, max_k);
    k.units = rng_range(1, max_m);
    static const int acts[] = {ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1};
    k.act = acts[rng() % 4];
    k.per_channel = rng() % 2 == 0;
    k.bias = rng() % 4 != 0;
    k.cached = rng() % 3 == 0;
    k.threads = rng() % 3 == 0 ? 3 : 1;
    k.in_scale[0] = 0.01f + 0.05f * rng_unit();
    k.in_zp[0] = rng_range(-128, 127);
    k.out_zp[0] = rng_range(-128, 127);
    const float w_base = 0.002f + 0.01f * rng_unit();
    for (int i = 0; i < (k.per_channel ? k.units : 1); i++) {
        k.w_scale[i] = w_base * (0.25f + 2.0f * rng_unit());
        k.w_zp[i] = 0;
    }
    if (!k.per_channel && rng() % 3 == 0) k.w_zp[0] = rng_range(-128, 127);
    float mult = 1.0f / (16000.0f * sqrtf((float)k.depth));
    if (rng() % 4 == 0) mult *= 8.0f;
    k.out_scale[0] = k.in_scale[0] * w_base / mult;
    return k;
}

static void test_fc(void) {
    for (int t = 0; t < 300; t++) {
        fc_case k = random_fc(40, 300, 150);
        if (!check_fc_case(&k)) return;
    }
    static const int32_t shapes[][4] = {
        /* batches, depth, units, threads */
        {1, 1280, 1000, 1}, {1, 1280, 1000, 3}, {33, 1100, 70, 3}, {128, 256, 33, 1},
        {5, 2049, 40, 1},   {200, 64, 1030, 3},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        fc_case k = random_fc(1, 1, 1);
        k.batches = shapes[s][0];
        k.depth = shapes[s][1];
        k.units = shapes[s][2];
        k.threads = shapes[s][3];
        k.cached = s % 2 == 0;
        k.per_channel = s % 3 != 1;
        if (k.per_channel) k.w_zp[0] = 0;
        for (int i = 0; i < (k.per_channel ? k.units : 1); i++)
            k.w_scale[i] = k.w_scale[0] * (0.5f + rng_unit());
        k.out_scale[0] = k.in_scale[0] * k.w_scale[0] * 16000.0f * sqrtf((float)k.depth);
        if (!check_fc_case(&k)) return;
    }
}

/* Small products (fully_connected.c's direct loop: at most 16 units and 4096 multiply-adds,
 * and the GEMM just past either bound): every shape from 1 x 1 x 1, per-tensor weights with
 * zero points across the range and at its ends, bias anywhere in int32 so the accumulator
 * wraps, and multipliers near or above 1 (left shifts, saturated outputs). */
static void test_fc_small(void) {
    for (int t = 0; t < 600; t++) {
        fc_case k = random_fc(t % 3 == 0 ? 9 : 2, t % 2 ? 300 : 40, t % 5 == 0 ? 20 : 17);
        k.big_bias = k.bias && rng() % 4 == 0;
        if (rng() % 5 == 0) k.out_scale[0] *= 0.001f;   /* multipliers near 1 or above */
        if (!k.per_channel && rng() % 2 == 0) k.w_zp[0] = rng() % 2 ? -128 : 127;
        if (!check_fc_case(&k)) return;
    }
    static const int32_t shapes[][3] = {
        /* batches, depth, units: the keras_dense layers, then the bounds of the small path */
        {1, 4, 2}, {1, 2, 1}, {1, 1, 1}, {1, 256, 16}, {1, 257, 16}, {1, 1, 17},
        {2, 128, 16}, {16, 16, 16}, {17, 16, 16}, {4096, 1, 1},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        fc_case k = random_fc(1, 1, 1);
        k.batches = shapes[s][0];
        k.depth = shapes[s][1];
        k.units = shapes[s][2];
        k.threads = s % 2 ? 3 : 1;
        k.per_channel = s % 3 != 0;
        k.w_zp[0] = k.per_channel ? 0 : -77;
        for (int i = 0; i < (k.per_channel ? k.units : 1); i++)
            k.w_scale[i] = k.w_scale[0] * (0.5f + rng_unit());
        k.out_scale[0] = k.in_scale[0] * k.w_scale[0] * 16000.0f * sqrtf((float)k.depth);
        if (!check_fc_case(&k)) return;
    }
}

/* ------------------------------------------------------------- BATCH_MATMUL -- */

typedef struct bmm_case {
    int32_t a_dims[4], b_dims[4];
    int a_rank, b_rank;
    bool adj_x, adj_y, out_i32, const_rhs;
    int threads;
    int64_t zp[3][1];
    float scale[3][1];
} bmm_case;

static void *run_bmm(const bmm_case *k, const int8_t *a, const int8_t *b, int level,
                     size_t *bytes) {
    opcase c;
    tflc_qs8_force_level(level);
    use_threads(k->threads);
    oc_init(&c, &tflc_kernel_batch_matmul);
    oc_options(&c, BO_BatchMatMul);
    opt_i8(&c, BMM_OPT_ADJ_X, k->adj_x);
    opt_i8(&c, BMM_OPT_ADJ_Y, k->adj_y);
    oc_quant(&c, oc_in(&c, I8, k->a_rank, k->a_dims, a), 1, k->scale[0], k->zp[0], 0);
    tflc_tensor *bt = k->const_rhs ? oc_const(&c, I8, k->b_rank, k->b_dims, b)
                                   : oc_in(&c, I8, k->b_rank, k->b_dims, b);
    oc_quant(&c, bt, 1, k->scale[1], k->zp[1], 0);
    tflc_tensor *out = oc_out(&c, k->out_i32 ? I32 : I8);
    oc_quant(&c, out, 1, k->scale[2], k->zp[2], 0);
    cache_begin(&c, k->const_rhs);
    tflc_status s = oc_run(&c);
    CHECK_MSG(s == TFLC_OK, "status %d: %s", (int)s, tflc_last_error());
    void *copy = oc_output_copy(s, out, bytes);
    cache_end();
    oc_free(&c);
    use_threads(1);
    return copy;
}

static void test_bmm(void) {
    for (int t = 0; t < 200; t++) {
        bmm_case k;
        memset(&k, 0, sizeof k);
        const int32_t R = rng_range(1, 40), K = rng_range(1, 90), C = rng_range(1, 70);
        const int32_t batch = rng_range(1, 3);
        k.adj_x = rng() % 3 == 0;
        k.adj_y = rng() % 2 == 0;
        k.out_i32 = rng() % 5 == 0;
        k.const_rhs = rng() % 3 == 0;
        k.threads = rng() % 3 == 0 ? 3 : 1;
        k.a_rank = 3;
        k.a_dims[0] = batch;
        k.a_dims[1] = k.adj_x ? K : R;
        k.a_dims[2] = k.adj_x ? R : K;
        k.b_rank = rng() % 3 == 0 ? 2 : 3;   /* rank 2: broadcast over the batch */
        int32_t *bd = k.b_dims;
        if (k.b_rank == 3) *bd++ = batch;
        bd[0] = k.adj_y ? C : K;
        bd[1] = k.adj_y ? K : C;
        for (int i = 0; i < 2; i++) {
            k.zp[i][0] = rng_range(-128, 127);
            k.scale[i][0] = 0.01f + 0.05f * rng_unit();
        }
        k.zp[2][0] = rng_range(-128, 127);
        k.scale[2][0] = k.scale[0][0] * k.scale[1][0] * 16000.0f * sqrtf((float)K) *
                        (rng() % 4 == 0 ? 0.125f : 1.0f);
        const size_t na = (size_t)batch * (size_t)R * (size_t)K;
        const size_t nb = (size_t)(k.b_rank == 3 ? batch : 1) * (size_t)K * (size_t)C;
        int8_t *a = malloc(na), *b = malloc(nb);
        for (size_t i = 0; i < na; i++) a[i] = rng_i8();
        for (size_t i = 0; i < nb; i++) b[i] = rng_i8();
        char name[160];
        snprintf(name, sizeof name, "bmm b%d R%d K%d C%d adj %d%d rank_b %d %s%s t%d",
                 (int)batch, (int)R, (int)K, (int)C, k.adj_x, k.adj_y, k.b_rank,
                 k.out_i32 ? "int32 out" : "int8 out", k.const_rhs ? " const rhs" : "",
                 k.threads);
        size_t bytes = 0, got_bytes = 0;
        void *want = run_bmm(&k, a, b, TFLC_QS8_REFERENCE, &bytes);
        bool ok = want != NULL;
        for (int l = 0; ok && l < n_levels; l++) {
            void *got = run_bmm(&k, a, b, levels[l], &got_bytes);
            ok = got && got_bytes == bytes &&
                 same_bytes(name, levels[l], want, got, bytes, k.out_i32 ? 4 : 1);
            free(got);
        }
        if (!ok) fprintf(stderr, "  case: %s\n", name);
        cases_run++;
        free(want);
        free(a);
        free(b);
        if (!ok) return;
    }
}

/* ------------------------------------------------------------------ main -- */

static void run_tests(void) {
    CHECK(tflc_threadpool_create(3, &pool3) == TFLC_OK);
    TEST(test_levels);
    TEST(test_requant_kernels);
    TEST(test_conv_random);
    TEST(test_conv_big);
    TEST(test_conv_windows);
    TEST(test_conv_wraparound);
    TEST(test_dw_random);
    TEST(test_dw_channels);
    TEST(test_dw_fast_rows);
    TEST(test_fc);
    TEST(test_fc_small);
    TEST(test_bmm);
    tflc_qs8_force_level(TFLC_QS8_AUTO);
    tflc_threadpool_free(pool3);
    fprintf(stderr, "%d cases, %d outputs compared bit for bit\n", cases_run, outputs_compared);
}

TEST_MAIN()
