/*
 * test_nn.c -- the nn family's kernels called directly (FULLY_CONNECTED quantized and hybrid,
 * SOFTMAX quantized, BATCH_MATMUL, L2_NORMALIZATION, LOCAL_RESPONSE_NORMALIZATION, RESIZE_*,
 * UNIDIRECTIONAL/BIDIRECTIONAL_SEQUENCE_LSTM, UNIDIRECTIONAL_SEQUENCE_RNN) and the fixed-point
 * helpers of ops/nn_common.h: hand-built tensors, golden values worked out from each op's
 * definition (comments show the arithmetic), ragged sizes, and hostile shapes and parameters
 * that prepare must refuse by name. Bit-exactness against LiteRT is the conformance suite's
 * job (conformance/families/nn.py); these pin the arithmetic and the error paths.
 *
 * Every buffer is malloc'ed at its exact size, so ASan catches any read or write past a
 * tensor or the scratch area (the fixture is tests/op_harness.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/threadpool.h"
#include "ops/nn_common.h"
#include "test.h"
#include "op_harness.h"
#define TEST_RNG_SEED 0x2545F4914F6CDD1Dull
#include "rng.h"

#define OPC_FC 9
#define OPC_SOFTMAX 25

/* ======================================================== fixed point == */

static void test_fixed_point(void) {
    int32_t m;
    int shift;
    nn_quantize_multiplier(0.5, &m, &shift);               /* 0.5 = 2^30 * 2^(0 - 31) */
    CHECK(m == (1 << 30) && shift == 0);
    nn_quantize_multiplier(0.75, &m, &shift);
    CHECK(m == 1610612736 && shift == 0);
    nn_quantize_multiplier(1e-12, &m, &shift);             /* below 2^-31: flushed */
    CHECK(m == 0 && shift == 0);
    nn_quantize_multiplier(3.0e10, &m, &shift);            /* above 2^30: saturated */
    CHECK(m == INT32_MAX && shift == 30);
    /* x * 0.5 * 2^-1 = x / 4. For x = -2 (-0.5): TFLite's double rounding first gives -1
     * (exact), then rounds -0.5 away from zero: -1; ruy's single rounding, ties up: 0.
     * x = 2: both give 1. gemmlowp's doubling high product rounds -2.5 toward zero: -2. */
    CHECK(nn_mul_by_qm(-2, 1 << 30, -1) == -1);
    CHECK(nn_mul_by_qm_single(-2, 1 << 30, -1) == 0);
    CHECK(nn_mul_by_qm(2, 1 << 30, -1) == 1 && nn_mul_by_qm_single(2, 1 << 30, -1) == 1);
    CHECK(nn_mul_by_qm(-5, 1 << 30, 0) == -2 && nn_mul_by_qm(5, 1 << 30, 0) == 3);
    /* 100 * 0.75 * 2^-3 = 9.375 -> 9 */
    CHECK(nn_mul_by_qm(100, 1610612736, -3) == 9);
    CHECK(nn_mul_by_qm64(INT64_C(100000000000), 1 << 30, -10) == 48828125);   /* 1e11/2^11 */
    CHECK(nn_rounding_shift_right(-3, 1) == -2 && nn_rounding_shift_right(3, 1) == 2);
    CHECK(nn_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);
}

static void test_hybrid_quantizers(void) {
    const float x[] = {1.27f, -0.64f, 0.32f, 0.0f};
    int8_t q[4];
    float scale;
    int32_t zp;
    nn_quantize_symmetric(x, 4, q, &scale);                /* 127 / 1.27 = 100 */
    CHECK(q[0] == 127 && q[1] == -64 && q[2] == 32 && q[3] == 0);
    CHECK(scale == 1.27f / 127.0f);
    const float zeros[3] = {0, 0, 0};
    nn_quantize_symmetric(zeros, 3, q, &scale);
    CHECK(scale == 1.0f && q[0] == 0 && q[2] == 0);
    /* [0, 2.55] onto [-128, 127]: scale 0.01, zero point -128. */
    const float pos[] = {0.0f, 2.55f, 1.0f};
    nn_quantize_asymmetric(pos, 3, q, &scale, &zp);
    CHECK(zp == -128 && q[0] == -128 && q[1] == 127 && q[2] == -28);
    nn_quantize_asymmetric(zeros, 3, q, &scale, &zp);
    CHECK(scale == 1.0f && zp == 0 && q[1] == 0);
    nn_quantize_asymmetric(x, 0, q, &scale, &zp);          /* empty row: no reads */
    CHECK(zp == 0);
}

/* The quantizers as plain sequential loops (nn_common.h's before its lanes): the reference
 * the four-lane versions must match byte for byte. */
static void ref_min_max(const float *x, size_t n, float *lo, float *hi) {
    for (size_t i = 0; i < n; i++) {
        if (x[i] < *lo) *lo = x[i];
        if (x[i] > *hi) *hi = x[i];
    }
}

static void ref_symmetric(const float *x, size_t n, int8_t *q, float *scale) {
    float lo = n ? x[0] : 0.0f, hi = lo;
    ref_min_max(x, n, &lo, &hi);
    const float range = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
    if (range == 0.0f) {
        memset(q, 0, n);
        *scale = 1.0f;
        return;
    }
    *scale = range / 127.0f;
    const float inv = 127.0f / range;
    for (size_t i = 0; i < n; i++) {
        const int32_t r = nn_round_lane(x[i] * inv, i, n & ~(size_t)7);
        q[i] = (int8_t)(r > 127 ? 127 : (r < -127 ? -127 : r));
    }
}

static void ref_asymmetric(const float *x, size_t n, int8_t *q, float *scale, int32_t *zp) {
    float lo = 0.0f, hi = 0.0f;
    ref_min_max(x, n, &lo, &hi);
    if ((double)lo == (double)hi) {
        memset(q, 0, n);
        *scale = 1.0f;
        *zp = 0;
        return;
    }
    const double s = (double)(hi - lo) / 255.0, rmin = lo, rmax = hi;
    const double zp_min = -128.0 - rmin / s, zp_max = 127.0 - rmax / s;
    const double zpd = 128.0 + fabs(rmin / s) < 127.0 + fabs(rmax / s) ? zp_min : zp_max;
    *zp = isnan(zpd) ? 0 : zpd <= -128.0 ? -128 : (zpd >= 127.0 ? 127 : (int32_t)round(zpd));
    *scale = (float)s;
    const float inv = (float)(1.0 / (double)*scale);
    for (size_t i = 0; i < n; i++) {
        const int64_t r = (int64_t)nn_round_lane(inv * x[i], i, n & ~(size_t)7) + *zp;
        q[i] = (int8_t)(r > 127 ? 127 : (r < -128 ? -128 : r));
    }
}

/* Rows of 0..40 values, some with NaN, +-inf, +-0, huge and tiny values, values on a half
 * step: both quantizers give the sequential loops' bytes, scale and zero point. */
static void test_hybrid_quantizers_lanes(void) {
    static const float specials[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 3.0e38f, -3.0e38f,
                                     1e-40f, 0.5f, -0.5f, 0.49999997f, 127.0f};
    uint32_t seed = 12345;
    for (int t = 0; t < 4000; t++) {
        float x[40];
        const size_t n = (size_t)(t % 41);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1664525u + 1013904223u;
            const bool special = (seed >> 28) == 0 && t % 3 == 0;
            x[i] = special ? specials[(seed >> 8) % 12]
                           : (float)((int32_t)(seed >> 9) - (1 << 22)) / (float)(1 << (seed % 23));
        }
        int8_t q[40], rq[40];
        float scale = 0, rscale = 0;
        int32_t zp = 7, rzp = 7;
        nn_quantize_symmetric(x, n, q, &scale);
        ref_symmetric(x, n, rq, &rscale);
        bool ok = memcmp(q, rq, n) == 0 && memcmp(&scale, &rscale, sizeof scale) == 0;
        nn_quantize_asymmetric(x, n, q, &scale, &zp);
        ref_asymmetric(x, n, rq, &rscale, &rzp);
        ok = ok && memcmp(q, rq, n) == 0 && memcmp(&scale, &rscale, sizeof scale) == 0 &&
             zp == rzp;
        if (!ok) {
            CHECK_MSG(false, "row %d (%zu values) quantized differently", t, n);
            return;
        }
    }
}

/* ================================================== FULLY_CONNECTED quantized == */

/* int8, per-tensor: in scale 0.5 zp 1, weights scale 0.25 zp 0, out scale 1 zp -3.
 * in - zp = {2, -1, 3}; acc row 0 = 2*2 + -1*4 + 3*6 = 18, + bias 10 = 28 -> 28 * 0.125 = 3.5
 * -> ruy rounds ties up: 4, + -3 = 1; row 1: -2 + 0 + 3 = 1, + bias -2 = -1 -> -0.125 -> 0 -> -3 */
static void test_fc_int8(void) {
    opcase c;
    const int32_t d13[] = {1, 3}, d23[] = {2, 3}, d2[] = {2};
    const int8_t in[] = {3, 0, 4}, w[] = {2, 4, 6, -1, 0, 1};
    const int32_t bias[] = {10, -2};
    const float si = 0.5f, sw = 0.25f, so = 1.0f;
    const int64_t zi = 1, zw = 0, zo = -3;
    const int8_t want[] = {1, -3};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_quant(&c, oc_in(&c, I8, 2, d13, in), 1, &si, &zi, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d23, w), 1, &sw, &zw, 0);
    oc_const(&c, TFLC_INT32, 1, d2, bias);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &so, &zo, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);
}

/* Per-channel weights (scales 1 and 0.5 on rows), RELU clamps at q(0) = zp = 0, no bias:
 * acc {10, -10, 7} per row... see values below. K = 1 exercises the shortest rows. */
static void test_fc_int8_per_channel_relu(void) {
    opcase c;
    const int32_t d31[] = {3, 1}, d21[] = {2, 1};
    const int8_t in[] = {10, -10, 7}, w[] = {3, 5};
    const float si = 1.0f, sw[] = {1.0f, 0.5f}, so = 2.0f;
    const int64_t zi = 0, zw[] = {0, 0}, zo = 0;
    /* unit 0: x*3*1/2 = 15, -15 -> 0, 10.5 -> 11 (ties up); unit 1: x*5*0.5/2: 12.5 -> 13,
     * -12.5 -> 0, 8.75 -> 9 */
    const int8_t want[] = {15, 13, 0, 0, 11, 9};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, ACT_RELU);
    oc_quant(&c, oc_in(&c, I8, 2, d31, in), 1, &si, &zi, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d21, w), 2, sw, zw, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &so, &zo, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);
}

/* uint8 (zero points 128, 128, 100): (200-128)*(130-128) = 144 * 0.01 = 1.44 -> 1 + 100. */
static void test_fc_uint8(void) {
    opcase c;
    const int32_t d11[] = {1, 1};
    const uint8_t in[] = {200}, w[] = {130};
    const float si = 0.1f, sw = 0.1f, so = 1.0f;
    const int64_t zi = 128, zw = 128, zo = 100;
    const uint8_t want[] = {101};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_quant(&c, oc_in(&c, TFLC_UINT8, 2, d11, in), 1, &si, &zi, 0);
    oc_quant(&c, oc_const(&c, TFLC_UINT8, 2, d11, w), 1, &sw, &zw, 0);
    tflc_tensor *out = oc_out(&c, TFLC_UINT8);
    oc_quant(&c, out, 1, &so, &zo, 0);
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, want, 1));
    oc_free(&c);
}

/* int16 activations, int64 bias, keep_num_dims on a [2,1,2] input:
 * {1000, -2000} . {3, 1} = 1000 + bias 24 -> 1024 * 0.5 = 512; {7, 8}: 21 + 8 + 24 = 53 ->
 * 26.5 -> round half away: 27. */
static void test_fc_int16_keep_dims(void) {
    opcase c;
    const int32_t d212[] = {2, 1, 2}, d12[] = {1, 2}, d1[] = {1}, want_dims[] = {2, 1, 1};
    const int16_t in[] = {1000, -2000, 7, 8};
    const int8_t w[] = {3, 1};
    const int64_t bias[] = {24};
    const float si = 1.0f, sw = 1.0f, so = 2.0f;
    const int64_t z = 0;
    const int16_t want[] = {512, 27};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_KEEP_NUM_DIMS, 1);
    oc_quant(&c, oc_in(&c, TFLC_INT16, 3, d212, in), 1, &si, &z, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d12, w), 1, &sw, &z, 0);
    oc_const(&c, TFLC_INT64, 1, d1, bias);
    tflc_tensor *out = oc_out(&c, TFLC_INT16);
    oc_quant(&c, out, 1, &so, &z, 0);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, want_dims));
    CHECK(i16_eq(out, want, N(want)));
    oc_free(&c);
}

/* Hybrid, symmetric: x = {1.27, -0.64, 0.32} -> q {127, -64, 32}, scale 1.27/127;
 * W {1,2,3 ; -1,0,1} (scale 0.5): dots 95 and -95. out = bias + dot * (sf * 0.5). */
static void test_fc_hybrid(void) {
    for (int asym = 0; asym <= 1; asym++) {
        opcase c;
        const int32_t d13[] = {1, 3}, d23[] = {2, 3}, d2[] = {2};
        const float in[] = {1.27f, -0.64f, 0.32f}, bias[] = {0.25f, -1.0f};
        const int8_t w[] = {1, 2, 3, -1, 0, 1};
        const float sw = 0.5f;
        const int64_t zw = 0;
        oc_init(&c, &tflc_kernel_fully_connected);
        oc_options(&c, BO_FullyConnected);
        opt_i8(&c, FC_OPT_ASYMMETRIC_QUANTIZE_INPUTS, asym);
        oc_in(&c, F32, 2, d13, in);
        oc_quant(&c, oc_const(&c, I8, 2, d23, w), 1, &sw, &zw, 0);
        oc_const(&c, F32, 1, d2, bias);
        tflc_tensor *out = oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        if (!asym) {
            const float sf = 1.27f / 127.0f * 0.5f;
            const float want[] = {0.25f + 95.0f * sf, -1.0f + -95.0f * sf};
            CHECK(f32_near(out, want, 2, 0.0f));
        } else {   /* asymmetric steps are 1.91/255: within a few steps of the float product
                    * 0.25 + 0.5 (1.27 - 1.28 + 0.96), -1 + 0.5 (-1.27 + 0.32) */
            const float want[] = {0.725f, -1.475f};
            CHECK(f32_near(out, want, 2, 0.02f));
        }
        oc_free(&c);
    }
}

/* Hybrid with per-channel weights, a zero input row (skipped: bias only) and TANH. */
static void test_fc_hybrid_per_channel(void) {
    opcase c;
    const int32_t d22[] = {2, 2}, d32[] = {3, 2};
    const float in[] = {0, 0, 2.54f, 1.27f};
    const int8_t w[] = {1, 0, 0, 1, 1, 1};
    const float sw[] = {1.0f, 0.5f, 0.25f};
    const int64_t zw[] = {0, 0, 0};
    /* row 1: q {127, 64 (63.5 -> 64)}, sf = 2.54/127 = 0.02: unit 0 127*0.02*1 = 2.54,
     * unit 1 64*0.02*0.5 = 0.64, unit 2 191*0.02*0.25 = 0.955 */
    const float want[] = {0, 0, 0, tanhf(2.54f), tanhf(0.64f), tanhf(0.955f)};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, ACT_TANH);
    oc_in(&c, F32, 2, d22, in);
    oc_quant(&c, oc_const(&c, I8, 2, d32, w), 3, sw, zw, 0);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 1e-5f));
    oc_free(&c);
}

/* Ragged sizes: K in {1, 5, 17, 33}, M in {1, 3}, N in {1, 4}; int8 results against a direct
 * formula (single rounding of acc * M). */
static void test_fc_int8_ragged(void) {
    static const int ks[] = {1, 5, 17, 33}, ms[] = {1, 3}, ns[] = {1, 4};
    uint32_t seed = 12345;
    for (size_t a = 0; a < N(ks); a++)
        for (size_t b = 0; b < N(ms); b++)
            for (size_t e = 0; e < N(ns); e++) {
                const int K = ks[a], M = ms[b], Nn = ns[e];
                int8_t in[4 * 33], w[3 * 33], want[4 * 3];
                int32_t bias[3];
                for (int i = 0; i < Nn * K; i++) in[i] = (int8_t)((seed = seed * 1103515245u + 12345u) >> 24);
                for (int i = 0; i < M * K; i++) w[i] = (int8_t)((seed = seed * 1103515245u + 12345u) >> 24);
                for (int i = 0; i < M; i++) bias[i] = (int32_t)(seed % 2001) - 1000;
                const float si = 0.02f, sw = 0.01f, so = 0.5f;
                const int64_t zi = -5, zw = 0, zo = 7;
                int32_t mult;
                int shift;
                nn_quantize_multiplier((double)si * sw / so, &mult, &shift);
                for (int n = 0; n < Nn; n++)
                    for (int m = 0; m < M; m++) {
                        int32_t acc = bias[m];
                        for (int k = 0; k < K; k++) acc += w[m * K + k] * (in[n * K + k] + 5);
                        int64_t v = ((int64_t)acc * mult + (INT64_C(1) << (30 - shift))) >> (31 - shift);
                        v += 7;
                        want[n * M + m] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
                    }
                opcase c;
                const int32_t din[] = {Nn, K}, dw[] = {M, K}, db[] = {M};
                oc_init(&c, &tflc_kernel_fully_connected);
                oc_quant(&c, oc_in(&c, I8, 2, din, in), 1, &si, &zi, 0);
                oc_quant(&c, oc_const(&c, I8, 2, dw, w), 1, &sw, &zw, 0);
                oc_const(&c, TFLC_INT32, 1, db, bias);
                tflc_tensor *out = oc_out(&c, I8);
                oc_quant(&c, out, 1, &so, &zo, 0);
                CHECK_OK(oc_run(&c));
                CHECK_MSG(i8_eq(out, want, (size_t)(Nn * M)), "K=%d M=%d N=%d", K, M, Nn);
                oc_free(&c);
            }
}

static void test_fc_quant_errors(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d3[] = {3}, d2[] = {2};
    const float s1 = 1.0f, s3[] = {1, 1, 1}, bad = -1.0f;
    const int64_t z0 = 0, z3[] = {0, 0, 0}, z200 = 200, z5 = 5;

    oc_init(&c, &tflc_kernel_fully_connected);            /* no quantization */
    oc_in(&c, I8, 2, d23, NULL);
    oc_const(&c, I8, 2, d23, NULL);
    oc_out(&c, I8);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "no quantization parameters");

    oc_init(&c, &tflc_kernel_fully_connected);            /* 3 scales for 2 rows */
    oc_quant(&c, oc_in(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d23, NULL), 3, s3, z3, 0);
    oc_quant(&c, oc_out(&c, I8), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "3 scales");

    oc_init(&c, &tflc_kernel_fully_connected);            /* zero point out of range */
    oc_quant(&c, oc_in(&c, I8, 2, d23, NULL), 1, &s1, &z200, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "zero point 200");

    oc_init(&c, &tflc_kernel_fully_connected);            /* negative scale */
    oc_quant(&c, oc_in(&c, I8, 2, d23, NULL), 1, &bad, &z0, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "scale -1");

    oc_init(&c, &tflc_kernel_fully_connected);            /* int16 with a zero point */
    oc_quant(&c, oc_in(&c, TFLC_INT16, 2, d23, NULL), 1, &s1, &z5, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_out(&c, TFLC_INT16), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "zero point 0");

    oc_init(&c, &tflc_kernel_fully_connected);            /* float bias on int8 */
    oc_quant(&c, oc_in(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_const(&c, F32, 1, d2, NULL);
    oc_quant(&c, oc_out(&c, I8), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "bias (input 2) has dtype float32");

    oc_init(&c, &tflc_kernel_fully_connected);            /* int8 out of uint8 in */
    oc_quant(&c, oc_in(&c, TFLC_UINT8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_const(&c, TFLC_UINT8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype int8");

    oc_init(&c, &tflc_kernel_fully_connected);            /* TANH on int8 */
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, ACT_TANH);
    oc_quant(&c, oc_in(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "TANH");

    oc_init(&c, &tflc_kernel_fully_connected);            /* hybrid uint8 weights */
    oc_in(&c, F32, 2, d23, NULL);
    oc_quant(&c, oc_const(&c, TFLC_UINT8, 2, d23, NULL), 1, &s1, &z0, 0);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "hybrid float32 input with uint8 weights");

    oc_init(&c, &tflc_kernel_fully_connected);            /* string input */
    oc_in(&c, TFLC_STRING, 1, d3, NULL);
    oc_const(&c, F32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "string inputs are not supported");
}

/* Hostile depth: 70000 products of (-128 - 127) * -128 = 32640 sum past INT32_MAX. TFLite's
 * int32 accumulator wraps; here it wraps too (computed in 64 bits, so never undefined), and
 * the result is a valid clamped int8. Also runs the hybrid path over the same depth. */
static void test_fc_huge_depth_wraps(void) {
    enum { K = 70000 };
    int8_t *in = malloc(K), *w = malloc(K);
    float *fin = malloc(K * sizeof(float));
    for (int i = 0; i < K; i++) { in[i] = -128; w[i] = -128; fin[i] = 1.0f; }
    const int32_t d1k[] = {1, K};
    const float s1 = 1.0f;
    const int64_t z127 = 127, z0 = 0;
    opcase c;
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_quant(&c, oc_in(&c, I8, 2, d1k, in), 1, &s1, &z127, 0);
    oc_quant(&c, oc_const(&c, I8, 2, d1k, w), 1, &s1, &z0, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &s1, &z0, 0);
    CHECK_OK(oc_run(&c));
    oc_free(&c);

    oc_init(&c, &tflc_kernel_fully_connected);          /* hybrid: 127 * -128 * K */
    oc_in(&c, F32, 2, d1k, fin);
    oc_quant(&c, oc_const(&c, I8, 2, d1k, w), 1, &s1, &z0, 0);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    oc_free(&c);
    free(in);
    free(w);
    free(fin);
}

/* Empty input rows: [0, 3] gives [0, 2]; nothing is read or written. */
static void test_fc_empty_batch(void) {
    opcase c;
    const int32_t d03[] = {0, 3}, d23[] = {2, 3}, want[] = {0, 2};
    const float s1 = 1.0f;
    const int64_t z0 = 0;
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_quant(&c, oc_in(&c, I8, 2, d03, NULL), 1, &s1, &z0, 0);
    const int8_t w[6] = {0};
    oc_quant(&c, oc_const(&c, I8, 2, d23, w), 1, &s1, &z0, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &s1, &z0, 0);
    c.ins[0]->data = oc_own(&c, 0);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, want));
    oc_free(&c);
}

/* ============================================================ SOFTMAX == */

/* int8: uniform rows give 1/D = 64/256 for D = 4 -> 64 - 128 = -64; a single element gives
 * probability 1 -> 256 - 128, clamped to 127. */
static void test_softmax_int8(void) {
    opcase c;
    const int32_t d24[] = {2, 4}, d11[] = {1, 1};
    const int8_t in[] = {5, 5, 5, 5, -128, -128, -128, -128};
    const float si = 0.1f, so = 1.0f / 256;
    const int64_t zi = 0, zo = -128;
    const int8_t want[] = {-64, -64, -64, -64, -64, -64, -64, -64};
    oc_init(&c, &tflc_kernel_softmax);
    oc_options(&c, BO_Softmax);
    opt_f32(&c, SOFTMAX_OPT_BETA, 1.0f);
    oc_quant(&c, oc_in(&c, I8, 2, d24, in), 1, &si, &zi, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &so, &zo, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);

    const int8_t one[] = {-7}, want1[] = {127};
    oc_init(&c, &tflc_kernel_softmax);
    oc_options(&c, BO_Softmax);
    opt_f32(&c, SOFTMAX_OPT_BETA, 1.0f);
    oc_quant(&c, oc_in(&c, I8, 2, d11, one), 1, &si, &zi, 0);
    out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &so, &zo, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want1, 1));
    oc_free(&c);
}

/* uint8 -> int16 output and uint8 -> uint8: two equal logits at the ends of the range. */
static void test_softmax_uint8(void) {
    opcase c;
    const int32_t d2[] = {2};
    const uint8_t in[] = {255, 255};
    const float si = 0.05f, so8 = 1.0f / 256, so16 = 1.0f / 32768;
    const int64_t z0 = 0;
    const uint8_t want8[] = {128, 128};
    const int16_t want16[] = {16384, 16384};
    oc_init(&c, &tflc_kernel_softmax);
    oc_options(&c, BO_Softmax);
    opt_f32(&c, SOFTMAX_OPT_BETA, 1.0f);
    oc_quant(&c, oc_in(&c, TFLC_UINT8, 1, d2, in), 1, &si, &z0, 0);
    tflc_tensor *out = oc_out(&c, TFLC_UINT8);
    oc_quant(&c, out, 1, &so8, &z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, want8, 2));
    oc_free(&c);

    oc_init(&c, &tflc_kernel_softmax);
    oc_options(&c, BO_Softmax);
    opt_f32(&c, SOFTMAX_OPT_BETA, 1.0f);
    oc_quant(&c, oc_in(&c, TFLC_UINT8, 1, d2, in), 1, &si, &z0, 0);
    out = oc_out(&c, TFLC_INT16);
    oc_quant(&c, out, 1, &so16, &z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want16, 2));
    oc_free(&c);
}

/* int16: a lone element is ~1.0 (32767 within the tables' interpolation error); a row of
 * equal values splits evenly; ragged depths sum to about 32768. */
static void test_softmax_int16(void) {
    static const int depths[] = {1, 2, 3, 7, 64};
    for (size_t k = 0; k < N(depths); k++) {
        opcase c;
        const int D = depths[k];
        const int32_t dims[] = {2, D};
        int16_t in[128];
        for (int i = 0; i < 2 * D; i++) in[i] = (int16_t)(i < D ? 1000 : (i * 977) % 20000 - 10000);
        const float si = 1.0f / 4096, so = 1.0f / 32768;
        const int64_t z0 = 0;
        oc_init(&c, &tflc_kernel_softmax);
        oc_options(&c, BO_Softmax);
        opt_f32(&c, SOFTMAX_OPT_BETA, 1.0f);
        oc_quant(&c, oc_in(&c, TFLC_INT16, 2, dims, in), 1, &si, &z0, 0);
        tflc_tensor *out = oc_out(&c, TFLC_INT16);
        oc_quant(&c, out, 1, &so, &z0, 0);
        CHECK_OK(oc_run(&c));
        const int16_t *o = out->data;
        for (int r = 0; r < 2; r++) {
            int sum = 0;
            for (int i = 0; i < D; i++) sum += o[r * D + i];
            CHECK_MSG(abs(sum - 32768) <= 4 + D, "D=%d row %d sums to %d", D, r, sum);
        }
        CHECK_MSG(abs(o[0] - 32768 / D) <= 2, "D=%d first %d", D, o[0]);
        oc_free(&c);
    }
}

static void test_softmax_quant_errors(void) {
    opcase c;
    const int32_t d3[] = {3};
    const float s1 = 1.0f, so = 1.0f / 256;
    const int64_t z0 = 0, zm = -128, z1 = 1;
    oc_init(&c, &tflc_kernel_softmax);      /* int8 output must be 1/256, -128 */
    oc_quant(&c, oc_in(&c, I8, 1, d3, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, &so, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "scale 1/256 and zero point -128");
    oc_init(&c, &tflc_kernel_softmax);      /* int16 zero point */
    oc_quant(&c, oc_in(&c, TFLC_INT16, 1, d3, NULL), 1, &s1, &z1, 0);
    oc_quant(&c, oc_out(&c, TFLC_INT16), 1, &s1, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "zero point 0");
    oc_init(&c, &tflc_kernel_softmax);      /* int8 in, uint8 out */
    oc_quant(&c, oc_in(&c, I8, 1, d3, NULL), 1, &s1, &z0, 0);
    oc_quant(&c, oc_out(&c, TFLC_UINT8), 1, &so, &zm, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "expected int8 or int16");
    oc_init(&c, &tflc_kernel_softmax);      /* int32 */
    oc_in(&c, TFLC_INT32, 1, d3, NULL);
    oc_out(&c, TFLC_INT32);
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "int32 inputs are not supported");
}

/* ======================================================== BATCH_MATMUL == */

static float bmm_ref(const float *a, const float *b, int R, int K, int C, int r, int c, bool ax,
                     bool ay) {
    float acc = 0.0f;
    for (int k = 0; k < K; k++)
        acc += (ax ? a[k * R + r] : a[r * K + k]) * (ay ? b[c * K + k] : b[k * C + c]);
    return acc;
}

/* Every adjoint combination on ragged sizes, against the direct sum. */
static void test_bmm_float_adjoints(void) {
    const int R = 3, K = 5, C = 2;
    float a[15], b[10];
    for (int i = 0; i < 15; i++) a[i] = (float)((i * 7) % 11) - 5.0f;
    for (int i = 0; i < 10; i++) b[i] = (float)((i * 5) % 7) * 0.5f - 1.0f;
    for (int ax = 0; ax <= 1; ax++)
        for (int ay = 0; ay <= 1; ay++) {
            opcase c;
            const int32_t da[] = {ax ? K : R, ax ? R : K}, db[] = {ay ? C : K, ay ? K : C};
            const int32_t want_dims[] = {R, C};
            float want[6];
            for (int r = 0; r < R; r++)
                for (int cc = 0; cc < C; cc++) want[r * C + cc] = bmm_ref(a, b, R, K, C, r, cc, ax, ay);
            oc_init(&c, &tflc_kernel_batch_matmul);
            oc_options(&c, BO_BatchMatMul);
            opt_i8(&c, BMM_OPT_ADJ_X, ax);
            opt_i8(&c, BMM_OPT_ADJ_Y, ay);
            oc_in(&c, F32, 2, da, a);
            oc_in(&c, F32, 2, db, b);
            tflc_tensor *out = oc_out(&c, F32);
            CHECK_OK(oc_run(&c));
            CHECK(shape_is(out, 2, want_dims));
            CHECK_MSG(f32_near(out, want, 6, 0.0f), "adj_x %d adj_y %d", ax, ay);
            oc_free(&c);
        }
}

/* Float products of several batches on a 3-thread pool, every batch's tiles in one job
 * (batch_matmul.c): the bits of the serial run, which agrees with the direct sum to within
 * rounding. Four batches on 3 threads split each batch's GEMM; six (lhs [2,3,R,K] against a
 * broadcast rhs [3,K,C]) give each task a whole batch; adj_x keeps one GEMM job per batch. */
static void test_bmm_float_threads(void) {
    static const struct {
        int32_t la[4], lb[3];
        int ra, rb;
        bool adj_x;
    } cases[] = {
        {{4, 37, 19}, {4, 19, 23}, 3, 3, false},
        {{2, 3, 20, 33}, {3, 33, 17}, 4, 3, false},
        {{4, 19, 37}, {4, 19, 23}, 3, 3, true},
    };
    tflc_threadpool *pool3 = NULL;
    CHECK(tflc_threadpool_create(3, &pool3) == TFLC_OK);
    for (size_t ci = 0; ci < N(cases); ci++) {
        const int32_t *da = cases[ci].la, *db = cases[ci].lb;
        size_t na = 1, nb = 1;
        for (int d = 0; d < cases[ci].ra; d++) na *= (size_t)da[d];
        for (int d = 0; d < cases[ci].rb; d++) nb *= (size_t)db[d];
        float *a = malloc(na * sizeof(float)), *b = malloc(nb * sizeof(float));
        for (size_t i = 0; i < na; i++) a[i] = rng_uniform(-1.0f, 1.0f);
        for (size_t i = 0; i < nb; i++) b[i] = rng_uniform(-1.0f, 1.0f);
        float *got[2] = {NULL, NULL};
        size_t n_out = 0;
        for (int v = 0; v < 2; v++) {
            opcase c;
            fake_runner.pool = v ? pool3 : NULL;
            oc_init(&c, &tflc_kernel_batch_matmul);
            oc_options(&c, BO_BatchMatMul);
            opt_i8(&c, BMM_OPT_ADJ_X, cases[ci].adj_x);
            oc_in(&c, F32, cases[ci].ra, da, a);
            oc_in(&c, F32, cases[ci].rb, db, b);
            tflc_tensor *out = oc_out(&c, F32);
            CHECK_OK(oc_run(&c));
            n_out = tflc_tensor_count(out);
            got[v] = malloc(n_out * sizeof(float));
            memcpy(got[v], out->data, n_out * sizeof(float));
            oc_free(&c);
            fake_runner.pool = NULL;
        }
        CHECK_MSG(memcmp(got[0], got[1], n_out * sizeof(float)) == 0,
                  "case %zu: 3 threads differ from 1", ci);
        /* The serial run against the direct sum, batch by batch (rhs batches broadcast). */
        const int ra = cases[ci].ra;
        const int R = cases[ci].adj_x ? da[ra - 1] : da[ra - 2];
        const int K = cases[ci].adj_x ? da[ra - 2] : da[ra - 1], C = db[cases[ci].rb - 1];
        const size_t rhs_mats = nb / ((size_t)K * (size_t)C), batches = n_out / ((size_t)R * (size_t)C);
        bool ok = true;
        for (size_t ob = 0; ok && ob < batches; ob++)
            for (int r = 0; r < R; r++)
                for (int cc = 0; cc < C; cc++) {
                    const float want = bmm_ref(a + ob * (size_t)R * (size_t)K,
                                               b + ob % rhs_mats * (size_t)K * (size_t)C, R, K, C,
                                               r, cc, cases[ci].adj_x, false);
                    const float g = got[0][(ob * (size_t)R + (size_t)r) * (size_t)C + (size_t)cc];
                    ok = ok && fabsf(g - want) <= 1e-5f * (float)K;
                }
        CHECK_MSG(ok, "case %zu: the serial run is not the direct sum", ci);
        free(got[0]);
        free(got[1]);
        free(a);
        free(b);
    }
    tflc_threadpool_free(pool3);
}

/* [2,1,1,2] x [3,2,1]: batch dims [2,1] and [3] broadcast to [2,3]. Each output is
 * lhs[i] . rhs[j]. */
static void test_bmm_broadcast(void) {
    opcase c;
    const int32_t da[] = {2, 1, 1, 2}, db[] = {3, 2, 1}, want_dims[] = {2, 3, 1, 1};
    const float a[] = {1, 2, 3, 4}, b[] = {1, 0, 0, 1, 1, 1};
    const float want[] = {1, 2, 3, 3, 4, 7};
    oc_init(&c, &tflc_kernel_batch_matmul);
    oc_in(&c, F32, 4, da, a);
    oc_in(&c, F32, 3, db, b);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_dims));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* int8: (3 - 1) * (4 - 2) + (5 - 1) * (-2 - 2) = 4 - 16 = -12, * 0.5 = -6, + 10 = 4;
 * and int8 -> int32: the raw sum 3*4 + 5*-2 = 2. */
static void test_bmm_int8(void) {
    opcase c;
    const int32_t da[] = {1, 2}, db[] = {2, 1};
    const int8_t a[] = {3, 5}, b[] = {4, -2};
    const float s1 = 1.0f, s05 = 0.5f;
    const int64_t z1 = 1, z2 = 2, z10 = 10;
    const int8_t want[] = {4};
    oc_init(&c, &tflc_kernel_batch_matmul);
    oc_quant(&c, oc_in(&c, I8, 2, da, a), 1, &s05, &z1, 0);
    oc_quant(&c, oc_in(&c, I8, 2, db, b), 1, &s1, &z2, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &s1, &z10, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, 1));
    oc_free(&c);

    const int32_t want32[] = {2};
    oc_init(&c, &tflc_kernel_batch_matmul);
    oc_quant(&c, oc_in(&c, I8, 2, da, a), 1, &s05, &z1, 0);
    oc_quant(&c, oc_in(&c, I8, 2, db, b), 1, &s1, &z2, 0);
    out = oc_out(&c, TFLC_INT32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, want32, 1));
    oc_free(&c);
}

/* Hybrid with adj_x: lhs [K=3, R=1] holds {1.27, -0.64, 0.32} -> q {127, -64, 32}; rhs [3, 2]
 * int8 scale 0.5: columns {1,-1,0} and {0,1,1} give dots 191 and -32. */
static void test_bmm_hybrid(void) {
    opcase c;
    const int32_t da[] = {3, 1}, db[] = {3, 2};
    const float a[] = {1.27f, -0.64f, 0.32f};
    const int8_t b[] = {1, 0, -1, 1, 0, 1};
    const float sb = 0.5f;
    const int64_t z0 = 0;
    const float sf = 1.27f / 127.0f * 0.5f;
    const float want[] = {sf * 191.0f, sf * -32.0f};
    oc_init(&c, &tflc_kernel_batch_matmul);
    oc_options(&c, BO_BatchMatMul);
    opt_i8(&c, BMM_OPT_ADJ_X, 1);
    oc_in(&c, F32, 2, da, a);
    oc_quant(&c, oc_const(&c, I8, 2, db, b), 1, &sb, &z0, 0);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, 2, 0.0f));
    oc_free(&c);
}

static void test_bmm_errors(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d24[] = {2, 4}, d3[] = {3}, d223[] = {2, 2, 3}, d332[] = {3, 3, 2};
    oc_init(&c, &tflc_kernel_batch_matmul);   /* 3 vs 2 inner */
    oc_in(&c, F32, 2, d23, NULL);
    oc_in(&c, F32, 2, d24, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "inner dimensions differ");
    oc_init(&c, &tflc_kernel_batch_matmul);   /* rank 1 */
    oc_in(&c, F32, 1, d3, NULL);
    oc_in(&c, F32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "rank 2 or more");
    oc_init(&c, &tflc_kernel_batch_matmul);   /* batch 2 vs 3 */
    oc_in(&c, F32, 3, d223, NULL);
    oc_in(&c, F32, 3, d332, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "cannot be broadcast");
    oc_init(&c, &tflc_kernel_batch_matmul);   /* int8 x float */
    oc_in(&c, I8, 2, d23, NULL);
    oc_in(&c, F32, 2, d332 + 1, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "int8 x float32");
}

/* ================================================ L2_NORMALIZATION / LRN == */

static void test_l2_norm(void) {
    opcase c;
    const int32_t d22[] = {2, 2};
    const float in[] = {3, 4, 0, 0}, want[] = {0.6f, 0.8f, 0, 0};   /* zero row: / 1e-6 */
    oc_init(&c, &tflc_kernel_l2_normalization);
    oc_in(&c, F32, 2, d22, in);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, 4, 1e-7f));
    oc_free(&c);

    /* int8: {3, 4} -> {0.6, 0.8} * 128 = {76.8, 102.4}; the fixed-point 1/sqrt lands within
     * one step. A zero row stays 0; {-128} alone -> -1.0 = -128. */
    const int32_t d32[] = {3, 2};
    const int8_t qin[] = {3, 4, 0, 0, -128, 0};
    const float si = 0.1f, so = 1.0f / 128;
    const int64_t z0 = 0;
    oc_init(&c, &tflc_kernel_l2_normalization);
    oc_quant(&c, oc_in(&c, I8, 2, d32, qin), 1, &si, &z0, 0);
    out = oc_out(&c, I8);
    oc_quant(&c, out, 1, &so, &z0, 0);
    CHECK_OK(oc_run(&c));
    const int8_t *o = out->data;
    CHECK(abs(o[0] - 77) <= 1 && abs(o[1] - 102) <= 1);
    CHECK(o[2] == 0 && o[3] == 0 && o[4] == -128 && o[5] == 0);
    oc_free(&c);
}

static void test_l2_norm_errors(void) {
    opcase c;
    const int32_t d2[] = {2};
    const float s = 0.5f;
    const int64_t z0 = 0;
    oc_init(&c, &tflc_kernel_l2_normalization);
    oc_quant(&c, oc_in(&c, I8, 1, d2, NULL), 1, &s, &z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, &s, &z0, 0);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "scale 1/128");
    oc_init(&c, &tflc_kernel_l2_normalization);
    oc_options(&c, BO_L2Norm);
    opt_i8(&c, L2NORM_OPT_ACTIVATION, ACT_RELU);
    oc_in(&c, F32, 1, d2, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "fused activation");
    const float one = 1;
    oc_init(&c, &tflc_kernel_l2_normalization);
    oc_in(&c, F32, 0, NULL, &one);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "scalar");
}

/* radius 1, bias 1, alpha 1, beta 1 over depth 3 {1, 2, 3}:
 * sums {1+4, 1+4+9, 4+9} = {5, 14, 13} -> x / (1 + sum) = {1/6, 2/15, 3/14}. */
static void test_lrn(void) {
    opcase c;
    const int32_t d[] = {1, 1, 1, 3};
    const float in[] = {1, 2, 3}, want[] = {1 / 6.0f, 2 / 15.0f, 3 / 14.0f};
    oc_init(&c, &tflc_kernel_local_response_norm);
    oc_options(&c, BO_LocalResponseNormalization);
    opt_i32(&c, LRN_OPT_RADIUS, 1);
    opt_f32(&c, LRN_OPT_BIAS, 1.0f);
    opt_f32(&c, LRN_OPT_ALPHA, 1.0f);
    opt_f32(&c, LRN_OPT_BETA, 1.0f);
    oc_in(&c, F32, 4, d, in);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, 3, 1e-7f));
    oc_free(&c);

    oc_init(&c, &tflc_kernel_local_response_norm);
    oc_options(&c, BO_LocalResponseNormalization);
    opt_i32(&c, LRN_OPT_RADIUS, -1);
    oc_in(&c, F32, 4, d, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "radius -1");
    oc_init(&c, &tflc_kernel_local_response_norm);
    oc_in(&c, F32, 2, d + 2, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "rank 4");
}

/* ============================================================== RESIZE == */

/* 2x2 -> 3x3 with align_corners: corners kept, midpoints averaged. */
static void test_resize_bilinear_align(void) {
    opcase c;
    const int32_t d[] = {1, 2, 2, 1}, ds[] = {2}, want_dims[] = {1, 3, 3, 1};
    const float in[] = {0, 2, 4, 6};
    const int32_t size[] = {3, 3};
    const float want[] = {0, 1, 2, 2, 3, 4, 4, 5, 6};
    oc_init(&c, &tflc_kernel_resize_bilinear);
    oc_options(&c, BO_ResizeBilinear);
    opt_i8(&c, RESIZE_BILINEAR_OPT_ALIGN_CORNERS, 1);
    oc_in(&c, F32, 4, d, in);
    oc_const(&c, TFLC_INT32, 1, ds, size);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_dims));
    CHECK(f32_near(out, want, 9, 0));
    oc_free(&c);
}

/* int8 with half_pixel_centers, 1x2 -> 1x4 (width only): source x = (x + 0.5) / 2 - 0.5 =
 * {-0.25, 0.25, 0.75, 1.25} -> {a, 0.75a + 0.25b, 0.25a + 0.75b, b}. a = -100, b = 100. */
static void test_resize_bilinear_int8(void) {
    opcase c;
    const int32_t d[] = {1, 1, 2, 1}, ds[] = {2};
    const int8_t in[] = {-100, 100};
    const int32_t size[] = {1, 4};
    const int8_t want[] = {-100, -50, 50, 100};
    const float s = 1.0f;
    const int64_t z = 0;
    oc_init(&c, &tflc_kernel_resize_bilinear);
    oc_options(&c, BO_ResizeBilinear);
    opt_i8(&c, RESIZE_BILINEAR_OPT_HALF_PIXEL, 1);
    oc_quant(&c, oc_in(&c, I8, 4, d, in), 1, &s, &z, 0);
    oc_const(&c, TFLC_INT32, 1, ds, size);
    tflc_tensor *out = oc_out(&c, I8);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, 4));
    oc_free(&c);
}

/* Nearest, 3 -> 5 along width (scale 0.6): floor(x * 0.6) = {0, 0, 1, 1, 2}; with
 * half_pixel_centers floor((x + 0.5) * 0.6) = {0, 0, 1, 2, 2}. Two channels of int16. */
static void test_resize_nearest(void) {
    for (int half = 0; half <= 1; half++) {
        opcase c;
        const int32_t d[] = {1, 1, 3, 2}, ds[] = {2};
        const int16_t in[] = {1, -1, 2, -2, 3, -3};
        const int32_t size[] = {1, 5};
        const int16_t want0[] = {1, -1, 1, -1, 2, -2, 2, -2, 3, -3};
        const int16_t want1[] = {1, -1, 1, -1, 2, -2, 3, -3, 3, -3};
        oc_init(&c, &tflc_kernel_resize_nearest_neighbor);
        oc_options(&c, BO_ResizeNearestNeighbor);
        opt_i8(&c, RESIZE_NN_OPT_HALF_PIXEL, half);
        oc_in(&c, TFLC_INT16, 4, d, in);
        oc_const(&c, TFLC_INT32, 1, ds, size);
        tflc_tensor *out = oc_out(&c, TFLC_INT16);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(i16_eq(out, half ? want1 : want0, 10), "half_pixel %d", half);
        oc_free(&c);
    }
}

static void test_resize_errors(void) {
    opcase c;
    const int32_t d[] = {1, 2, 2, 1}, ds[] = {2}, ds3[] = {3};
    const int32_t size[] = {3, 3}, zero[] = {0, 3}, size3[] = {1, 2, 3};
    oc_init(&c, &tflc_kernel_resize_bilinear);   /* both flags */
    oc_options(&c, BO_ResizeBilinear);
    opt_i8(&c, RESIZE_BILINEAR_OPT_ALIGN_CORNERS, 1);
    opt_i8(&c, RESIZE_BILINEAR_OPT_HALF_PIXEL, 1);
    oc_in(&c, F32, 4, d, NULL);
    oc_const(&c, TFLC_INT32, 1, ds, size);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "cannot both be set");
    oc_init(&c, &tflc_kernel_resize_bilinear);   /* size not constant */
    oc_in(&c, F32, 4, d, NULL);
    oc_in(&c, TFLC_INT32, 1, ds, size);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "must be a constant");
    oc_init(&c, &tflc_kernel_resize_nearest_neighbor);
    oc_in(&c, F32, 4, d, NULL);
    oc_const(&c, TFLC_INT32, 1, ds, zero);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "not positive");
    oc_init(&c, &tflc_kernel_resize_nearest_neighbor);
    oc_in(&c, F32, 4, d, NULL);
    oc_const(&c, TFLC_INT32, 1, ds3, size3);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "shape [2]");
    oc_init(&c, &tflc_kernel_resize_nearest_neighbor);
    oc_in(&c, F32, 3, d + 1, NULL);
    oc_const(&c, TFLC_INT32, 1, ds, size);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "rank 4");
}

/* ================================================================ LSTM == */

static float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }

/* One cell, one input, one unit, batch 1, T = 2 (batch-major), TANH, no bias:
 * weights wi wf wc wo = 0.5, 0.4, 0.3, 0.2 (input), r = 0.1 each (recurrent).
 * Step: gates from x and h; c = f c + i tanh(g); h = o tanh(c). Worked in the test. */
static void lstm_golden(const float *x, int T, float *h_out, bool cifg) {
    float h = 0, c = 0;
    for (int t = 0; t < T; t++) {
        float i = sigm(0.5f * x[t] + 0.1f * h), f = sigm(0.4f * x[t] + 0.1f * h);
        float g = tanhf(0.3f * x[t] + 0.1f * h);
        c = f * c + g * (cifg ? 1.0f - f : i);
        float o = sigm(0.2f * x[t] + 0.1f * h);
        h = o * tanhf(c);
        h_out[t] = h;
    }
}

/* x holds B sequences of T steps in the layout time_major asks for; states are [B, 1] zeros,
 * marked variable when `variable_state`. */
static void lstm_build(opcase *c, const float *x, int T, int B, bool cifg, bool time_major,
                       bool variable_state) {
    static const float w[4] = {0.5f, 0.4f, 0.3f, 0.2f}, r = 0.1f, zero = 0.0f;
    static const float zeros[8] = {0};
    const int32_t din[] = {time_major ? T : B, time_major ? B : T, 1}, d11[] = {1, 1}, d1[] = {1};
    const int32_t dstate[] = {B, 1};
    oc_init(c, &tflc_kernel_unidirectional_lstm);
    oc_options(c, BO_UnidirectionalSequenceLSTM);
    opt_i8(c, ULSTM_OPT_ACTIVATION, ACT_TANH);
    opt_i8(c, ULSTM_OPT_TIME_MAJOR, time_major);
    oc_in(c, F32, 3, din, x);
    for (int g = 0; g < 4; g++) {                                  /* 1-4 input weights */
        if (cifg && g == 0) oc_no_input(c);
        else oc_const(c, F32, 2, d11, &w[g]);
    }
    for (int g = 0; g < 4; g++) {                                  /* 5-8 recurrent */
        if (cifg && g == 0) oc_no_input(c);
        else oc_const(c, F32, 2, d11, &r);
    }
    for (int k = 0; k < 3; k++) oc_no_input(c);                    /* 9-11 peephole */
    for (int g = 0; g < 4; g++) {                                  /* 12-15 biases */
        if (cifg && g == 0) oc_no_input(c);
        else oc_const(c, F32, 1, d1, &zero);
    }
    oc_no_input(c);                                                /* 16-17 projection */
    oc_no_input(c);
    for (int s = 0; s < 2; s++) {                                  /* 18 h, 19 c */
        tflc_tensor *t = oc_in(c, F32, 2, dstate, zeros);
        c->desc[t - c->tensor].is_variable = variable_state;
    }
    oc_out(c, F32);
}

static void test_lstm_float(void) {
    const float x[] = {1.0f, -0.5f, 2.0f};
    for (int cifg = 0; cifg <= 1; cifg++)
        for (int tm = 0; tm <= 1; tm++) {
            opcase c;
            float want[3];
            lstm_golden(x, 3, want, cifg);
            lstm_build(&c, x, 3, 1, cifg, tm, false);
            CHECK_OK(oc_run(&c));
            CHECK_MSG(f32_near(c.outs[0], want, 3, 1e-6f), "cifg %d time_major %d", cifg, tm);
            /* the state inputs are not variables: left untouched */
            CHECK(((const float *)c.ins[18]->data)[0] == 0.0f);
            oc_free(&c);
        }
}

/* Batch 2, time-major vs batch-major on the same sequences give the same per-batch outputs;
 * with a variable state tensor the final state is written back. */
static void test_lstm_batches_and_state(void) {
    const float xs[2][3] = {{1.0f, -0.5f, 2.0f}, {0.25f, 0.0f, -1.0f}};
    float want[2][3], x_tm[6];
    lstm_golden(xs[0], 3, want[0], false);
    lstm_golden(xs[1], 3, want[1], false);
    for (int t = 0; t < 3; t++)
        for (int b = 0; b < 2; b++) x_tm[t * 2 + b] = xs[b][t];
    for (int tm = 0; tm <= 1; tm++) {
        opcase c;
        lstm_build(&c, tm ? x_tm : &xs[0][0], 3, 2, false, tm, true);
        CHECK_OK(oc_run(&c));
        const float *o = c.outs[0]->data;
        for (int t = 0; t < 3; t++)
            for (int b = 0; b < 2; b++) {
                const float got = tm ? o[t * 2 + b] : o[b * 3 + t];
                CHECK_MSG(fabsf(got - want[b][t]) <= 1e-6f, "time_major %d t %d b %d", tm, t, b);
            }
        CHECK(fabsf(((const float *)c.ins[18]->data)[1] - want[1][2]) <= 1e-6f);
        oc_free(&c);
    }
}

/* Hybrid: the same tiny LSTM with int8 weights is within quantization error of float. */
static void test_lstm_hybrid(void) {
    const float x[] = {1.0f, -0.5f, 2.0f};
    for (int asym = 0; asym <= 1; asym++) {
        opcase c;
        float want[3];
        lstm_golden(x, 3, want, false);
        lstm_build(&c, x, 3, 1, false, false, false);
        /* swap the 8 float weights for int8 ones: w = 127 * s with s = value / 127 */
        static const float scales[8] = {0.5f / 127, 0.4f / 127, 0.3f / 127, 0.2f / 127,
                                        0.1f / 127, 0.1f / 127, 0.1f / 127, 0.1f / 127};
        static const int64_t z0 = 0;
        static const int8_t w127 = 127;
        for (int k = 0; k < 8; k++) {
            tflc_tensor *t = c.ins[1 + k];
            t->dtype = I8;
            c.desc[t - c.tensor].dtype = I8;
            t->bytes = 1;
            t->data = oc_own(&c, 1);
            memcpy(t->data, &w127, 1);
            oc_quant(&c, t, 1, &scales[k], &z0, 0);
        }
        c.n_fields = 0;
        opt_i8(&c, ULSTM_OPT_ACTIVATION, ACT_TANH);
        opt_i8(&c, ULSTM_OPT_ASYMMETRIC_QUANTIZE_INPUTS, asym);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(f32_near(c.outs[0], want, 3, 0.02f), "asymmetric %d", asym);
        oc_free(&c);
    }
}

static void test_lstm_errors(void) {
    opcase c;
    const float x[] = {1.0f};
    lstm_build(&c, x, 1, 1, false, false, false);                            /* input gate half-given */
    c.ins[5] = NULL;
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "only partly given");
    lstm_build(&c, x, 1, 1, false, false, false);                            /* forget weights missing */
    c.ins[2] = NULL;
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "forget gate weights");
    lstm_build(&c, x, 1, 1, false, false, false);                            /* cell state too small */
    c.ins[19]->dims[1] = 0;
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "cell state");
    lstm_build(&c, x, 1, 1, false, false, false);                            /* rank-2 input */
    c.ins[0]->rank = 2;
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "rank 3");
    lstm_build(&c, x, 1, 1, false, false, false);                            /* int8 input: full-int */
    c.ins[0]->dtype = I8;
    CHECK_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "full-integer");
    lstm_build(&c, x, 1, 1, false, false, false);                            /* too few inputs */
    c.node.n_inputs = 12;
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "expected 20 to 24 inputs");
}

/* Bidirectional with merged outputs: the forward half equals the unidirectional run, the
 * backward half is the same cell run over the reversed sequence. */
static void test_bidirectional_lstm(void) {
    opcase c;
    const float x[] = {1.0f, -0.5f, 2.0f}, rev[] = {2.0f, -0.5f, 1.0f};
    static const float w[4] = {0.5f, 0.4f, 0.3f, 0.2f}, r = 0.1f, zero = 0.0f, state = 0.0f;
    float fw[3], bw_rev[3];
    lstm_golden(x, 3, fw, false);
    lstm_golden(rev, 3, bw_rev, false);
    const int32_t din[] = {3, 1, 1}, d11[] = {1, 1}, d1[] = {1}, want_dims[] = {3, 1, 2};
    oc_init(&c, &tflc_kernel_bidirectional_lstm);
    oc_options(&c, BO_BidirectionalSequenceLSTM);
    opt_i8(&c, BLSTM_OPT_ACTIVATION, ACT_TANH);
    opt_i8(&c, BLSTM_OPT_MERGE_OUTPUTS, 1);
    oc_in(&c, F32, 3, din, x);
    for (int dir = 0; dir < 2; dir++) {
        for (int g = 0; g < 4; g++) oc_const(&c, F32, 2, d11, &w[g]);
        for (int g = 0; g < 4; g++) oc_const(&c, F32, 2, d11, &r);
        for (int k = 0; k < 3; k++) oc_no_input(&c);
        for (int g = 0; g < 4; g++) oc_const(&c, F32, 1, d1, &zero);
        oc_no_input(&c);
        oc_no_input(&c);
    }
    for (int k = 0; k < 4; k++) oc_in(&c, F32, 2, d11, &state);   /* 35-38 states */
    oc_no_input(&c);                                               /* 39 aux input */
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, want_dims));
    const float *o = out->data;
    for (int t = 0; t < 3; t++) {
        CHECK_MSG(fabsf(o[t * 2] - fw[t]) <= 1e-6f, "fw t %d", t);
        CHECK_MSG(fabsf(o[t * 2 + 1] - bw_rev[2 - t]) <= 1e-6f, "bw t %d", t);
    }
    oc_free(&c);
}

/* ================================================================= RNN == */

/* h = tanh(0.5 x + 0.25 h + 0.1), two units with the same weights (I = 1). */
static void test_rnn(void) {
    for (int hybrid = 0; hybrid <= 1; hybrid++) {
        opcase c;
        const int32_t din[] = {1, 3, 1}, dw[] = {2, 1}, dr[] = {2, 2}, db[] = {2}, dh[] = {1, 2};
        const float x[] = {1.0f, -2.0f, 0.5f}, w[] = {0.5f, 0.5f}, r[] = {0.25f, 0, 0, 0.25f};
        const float b[] = {0.1f, 0.1f}, h0[] = {0, 0};
        const int8_t wq[] = {127, 127}, rq[] = {127, 0, 0, 127};
        const float sw = 0.5f / 127, sr = 0.25f / 127;
        const int64_t z0 = 0;
        float want[6], h = 0;
        for (int t = 0; t < 3; t++) {
            h = tanhf(0.1f + 0.5f * x[t] + 0.25f * h);
            want[2 * t] = want[2 * t + 1] = h;
        }
        oc_init(&c, &tflc_kernel_unidirectional_rnn);
        oc_options(&c, BO_SequenceRNN);
        opt_i8(&c, SEQRNN_OPT_ACTIVATION, ACT_TANH);
        oc_in(&c, F32, 3, din, x);
        if (hybrid) {
            oc_quant(&c, oc_const(&c, I8, 2, dw, wq), 1, &sw, &z0, 0);
            oc_quant(&c, oc_const(&c, I8, 2, dr, rq), 1, &sr, &z0, 0);
        } else {
            oc_const(&c, F32, 2, dw, w);
            oc_const(&c, F32, 2, dr, r);
        }
        oc_const(&c, F32, 1, db, b);
        oc_in(&c, F32, 2, dh, h0);
        tflc_tensor *out = oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(f32_near(out, want, 6, hybrid ? 0.01f : 1e-6f), "hybrid %d", hybrid);
        oc_free(&c);
    }
}

static void test_rnn_errors(void) {
    opcase c;
    const int32_t din[] = {1, 3, 2}, dw[] = {2, 2}, dw3[] = {2, 3}, db[] = {2}, dh[] = {1, 2};
    oc_init(&c, &tflc_kernel_unidirectional_rnn);
    oc_in(&c, F32, 3, din, NULL);
    oc_const(&c, F32, 2, dw3, NULL);                               /* [2, 3] vs 2 inputs */
    oc_const(&c, F32, 2, dw, NULL);
    oc_const(&c, F32, 1, db, NULL);
    oc_in(&c, F32, 2, dh, NULL);
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "must have shape [units, 2]");
    oc_init(&c, &tflc_kernel_unidirectional_rnn);
    oc_in(&c, F32, 3, din, NULL);
    oc_const(&c, F32, 2, dw, NULL);
    oc_const(&c, F32, 2, dw, NULL);
    oc_const(&c, F32, 1, db, NULL);
    oc_in(&c, F32, 1, db, NULL);                                   /* state [2], needs 1*2: ok */
    oc_out(&c, F32);
    CHECK_OK(oc_prepare(&c));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_unidirectional_rnn);
    oc_in(&c, F32, 3, din, NULL);
    oc_const(&c, F32, 2, dw, NULL);
    oc_const(&c, F32, 2, dw, NULL);
    oc_const(&c, F32, 1, dh + 1, NULL);
    oc_in(&c, F32, 2, dw, NULL);                                   /* state [2, 2] for batch 1 */
    oc_out(&c, F32);
    CHECK_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "hidden state");
}

/* ============================================================ registry == */

static void test_registry(void) {
    static const struct { int32_t code, version; const tflc_kernel *k; } rows[] = {
        {NN_OPC_BATCH_MATMUL, 4, &tflc_kernel_batch_matmul},
        {NN_OPC_L2_NORMALIZATION, 2, &tflc_kernel_l2_normalization},
        {NN_OPC_LOCAL_RESPONSE_NORMALIZATION, 1, &tflc_kernel_local_response_norm},
        {NN_OPC_RESIZE_BILINEAR, 4, &tflc_kernel_resize_bilinear},
        {NN_OPC_RESIZE_NEAREST_NEIGHBOR, 4, &tflc_kernel_resize_nearest_neighbor},
        {NN_OPC_UNIDIRECTIONAL_SEQUENCE_LSTM, 4, &tflc_kernel_unidirectional_lstm},
        {NN_OPC_BIDIRECTIONAL_SEQUENCE_LSTM, 3, &tflc_kernel_bidirectional_lstm},
        {NN_OPC_UNIDIRECTIONAL_SEQUENCE_RNN, 3, &tflc_kernel_unidirectional_rnn},
        {OPC_FC, 12, &tflc_kernel_fully_connected},
        {OPC_SOFTMAX, 3, &tflc_kernel_softmax},
    };
    for (size_t i = 0; i < N(rows); i++) {
        CHECK_MSG(tflc_find_builtin_kernel(rows[i].code, rows[i].version, NULL) == rows[i].k,
                  "code %d v%d", (int)rows[i].code, (int)rows[i].version);
        CHECK(rows[i].k->name && rows[i].k->prepare && rows[i].k->eval);
    }
    const char *versions = NULL;
    CHECK(tflc_find_builtin_kernel(NN_OPC_BATCH_MATMUL, 5, &versions) == NULL);
    CHECK(versions && strcmp(versions, "1-4") == 0);
}

/* ================================================================ main == */

static void run_tests(void) {
    TEST(test_fixed_point);
    TEST(test_hybrid_quantizers);
    TEST(test_hybrid_quantizers_lanes);
    TEST(test_fc_int8);
    TEST(test_fc_int8_per_channel_relu);
    TEST(test_fc_uint8);
    TEST(test_fc_int16_keep_dims);
    TEST(test_fc_hybrid);
    TEST(test_fc_hybrid_per_channel);
    TEST(test_fc_int8_ragged);
    TEST(test_fc_quant_errors);
    TEST(test_fc_huge_depth_wraps);
    TEST(test_fc_empty_batch);
    TEST(test_softmax_int8);
    TEST(test_softmax_uint8);
    TEST(test_softmax_int16);
    TEST(test_softmax_quant_errors);
    TEST(test_bmm_float_adjoints);
    TEST(test_bmm_broadcast);
    TEST(test_bmm_float_threads);
    TEST(test_bmm_int8);
    TEST(test_bmm_hybrid);
    TEST(test_bmm_errors);
    TEST(test_l2_norm);
    TEST(test_l2_norm_errors);
    TEST(test_lrn);
    TEST(test_resize_bilinear_align);
    TEST(test_resize_bilinear_int8);
    TEST(test_resize_nearest);
    TEST(test_resize_errors);
    TEST(test_lstm_float);
    TEST(test_lstm_batches_and_state);
    TEST(test_lstm_hybrid);
    TEST(test_lstm_errors);
    TEST(test_bidirectional_lstm);
    TEST(test_rnn);
    TEST(test_rnn_errors);
    TEST(test_registry);
}

TEST_MAIN()
