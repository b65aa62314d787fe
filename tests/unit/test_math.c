/*
 * test_math.c -- the math family's kernels called directly (elementwise_binary.c,
 * elementwise_unary.c, activations.c, comparison.c, logical.c, select.c, cast.c): hand-built
 * tensors and nodes, prepare, eval, compared with values worked out from each op's
 * definition and TFLite's rounding rules. Bit-exactness against LiteRT itself is the
 * conformance suite's job (conformance/families/math.py); these tests pin the semantics
 * that random inputs rarely reach (NaN, infinities, overflow, ties, zero divisors), the
 * fixed-point helpers, the error paths and hostile shapes. Every tensor lives in its own
 * malloc'd buffer of exactly its size, so ASan sees any read or write past one (the fixture
 * is tests/op_harness.h).
 */
#include <float.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops/math_common.h"
#include "test.h"
#include "op_harness.h"

/* A two-input case: a (rank ra) OP b (rank rb), output dtype out_dtype. */
static tflc_tensor *bin(opcase *c, const tflc_kernel *k, tflc_dtype dt, int ra, const int32_t *da,
                        const void *a, int rb, const int32_t *db, const void *b,
                        tflc_dtype out_dtype) {
    oc_init(c, k);
    oc_in(c, dt, ra, da, a);
    oc_in(c, dt, rb, db, b);
    return oc_out(c, out_dtype);
}

static tflc_tensor *un(opcase *c, const tflc_kernel *k, tflc_dtype dt, int rank, const int32_t *d,
                       const void *x) {
    oc_init(c, k);
    oc_in(c, dt, rank, d, x);
    return oc_out(c, dt);
}

/* ====================================================== fixed point == */

static void test_fixed_point_helpers(void) {
    int32_t m = 0;
    int s = 99;
    math_quantize_multiplier(0.5, &m, &s);
    CHECK(m == (1 << 30) && s == 0);
    math_quantize_multiplier(0.75, &m, &s);
    CHECK(m == 1610612736 && s == 0);
    math_quantize_multiplier(3.0, &m, &s);                 /* 0.75 * 2^2 */
    CHECK(m == 1610612736 && s == 2);
    math_quantize_multiplier(1e-12, &m, &s);               /* below 2^-31: flushed */
    CHECK(m == 0 && s == 0);
    math_quantize_multiplier(-0.5, &m, &s);                /* sign kept, as frexp does */
    CHECK(m == -(1 << 30) && s == 0);
    math_quantize_multiplier(0.99999999999, &m, &s);       /* rounds up to 2^31: renormalized */
    CHECK(m == (1 << 30) && s == 1);

    CHECK(math_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);
    CHECK(math_srdhm(1 << 30, 1 << 30) == 1 << 29);
    CHECK(math_srdhm(3, 1 << 30) == 2);                    /* 1.5 rounds up */
    CHECK(math_srdhm(-3, 1 << 30) == -1);                  /* -1.5 rounds toward zero */
    CHECK(math_rdpot(5, 1) == 3 && math_rdpot(-5, 1) == -3);   /* ties away from zero */
    CHECK(math_rdpot(6, 2) == 2 && math_rdpot(-6, 2) == -2);
    CHECK(math_rdpot(7, 0) == 7 && math_rdpot(INT32_MIN, 31) == -1);
    CHECK(math_mbqm(100, 1 << 30, 0) == 50);
    CHECK(math_mbqm(100, 1 << 30, 2) == 200);
    CHECK(math_mbqm(101, 1 << 30, -1) == 26);              /* 25.25, rounded twice: 50.5, 25.5 */
    CHECK(math_mbqm(INT32_MAX, INT32_MAX, 5) == 2147483646); /* left shift saturates */
    CHECK(math_srdhm16(INT16_MIN, INT16_MIN) == INT16_MAX);
    CHECK(math_sdhm16(-3, 1 << 14) == -1 && math_srdhm16(-3, 1 << 14) == -1);
    CHECK(math_rdpot16(-5, 1) == -3 && math_rdpot16(5, 1) == 3);
    CHECK(math_sat_shl16(20000, 1) == INT16_MAX && math_sat_shl16(-20000, 1) == INT16_MIN);
    int l2 = 0;
    CHECK(math_checked_log2(1.0f / 4096.0f, &l2) && l2 == -12);
    CHECK(!math_checked_log2(0.3f, &l2));
    CHECK(math_f32_to_i32(NAN) == INT32_MIN && math_f32_to_i32(3e9f) == INT32_MIN);
    CHECK(math_f32_to_i32(-2.9f) == -2 && math_f32_to_i32(2147483520.0f) == 2147483520);
}

/* The int16 table lookup interpolates between the 513 entries of TFLite's layout. */
static void test_lut16_lookup(void) {
    int16_t lut[513];
    for (int i = 0; i < 513; i++) lut[i] = (int16_t)(i * 64 - 16384);
    CHECK(math_lut16_lookup(lut, 0) == 0);                 /* index 256: 0 */
    CHECK(math_lut16_lookup(lut, 64) == 32);               /* half way to the next entry */
    CHECK(math_lut16_lookup(lut, INT16_MIN) == -16384);
    CHECK(math_lut16_lookup(lut, INT16_MAX) == 16384);
}

/* ====================================================== arithmetic == */

/* LiteRT clamps float ADD/SUB/MUL/DIV to [-FLT_MAX, FLT_MAX] even with no activation; NaN
 * passes through the clamp. */
static void test_float_overflow_clamps(void) {
    opcase c;
    const int32_t d[] = {5};
    const float a[] = {3e38f, -3e38f, 1.0f, NAN, INFINITY}, b[] = {3e38f, -3e38f, 2.0f, 1, 1};
    const float want_add[] = {FLT_MAX, -FLT_MAX, 3.0f, NAN, FLT_MAX};
    tflc_tensor *out = bin(&c, &tflc_kernel_add, F32, 1, d, a, 1, d, b, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, want_add, N(want_add)));
    oc_free(&c);

    const float num[] = {1, -1, 0, 6, 1}, den[] = {0, 0, 0, 4, 3};
    const float want_div[] = {FLT_MAX, -FLT_MAX, NAN, 1.5f, 1.0f / 3.0f};
    out = bin(&c, &tflc_kernel_div, F32, 1, d, num, 1, d, den, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, want_div, N(want_div)));
    oc_free(&c);
}

/* Fused activations on float: RELU, RELU6, RELU_N1_TO_1 clamp; TANH is ignored by LiteRT. */
static void test_float_fused_activations(void) {
    static const struct { int act; float want[4]; } cases[] = {
        {ACT_RELU, {0, 0.5f, 3, 7}},
        {ACT_RELU6, {0, 0.5f, 3, 6}},
        {ACT_RELU_N1_TO_1, {-1, 0.5f, 1, 1}},
        {ACT_TANH, {-2, 0.5f, 3, 7}},
        {ACT_NONE, {-2, 0.5f, 3, 7}},
    };
    const int32_t d[] = {4};
    const float a[] = {-3, 0.25f, 2, 8}, b[] = {1, 0.25f, 1, -1};
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        tflc_tensor *out = bin(&c, &tflc_kernel_add, F32, 1, d, a, 1, d, b, F32);
        oc_options_act(&c, BO_Add, cases[k].act);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(f32_eq(out, cases[k].want, 4), "activation %d", cases[k].act);
        oc_free(&c);
    }
}

/* Integer + - * wrap in their own width; the activation clamps after the wrap. */
static void test_integer_wrap(void) {
    opcase c;
    const int32_t d[] = {3};
    const int64_t a64[] = {INT64_MAX, INT64_MIN, 5}, b64[] = {1, 1, -7};
    tflc_tensor *out = bin(&c, &tflc_kernel_sub, I64, 1, d, a64, 1, d, b64, I64);
    CHECK_OK(oc_run(&c));
    CHECK(i64_eq(out, (const int64_t[]){INT64_MAX - 1, INT64_MAX, 12}, 3));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_add, I64, 1, d, a64, 1, d, b64, I64);
    CHECK_OK(oc_run(&c));
    CHECK(i64_eq(out, (const int64_t[]){INT64_MIN, INT64_MIN + 1, -2}, 3));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_mul, I64, 1, d, a64, 1, d, b64, I64);
    CHECK_OK(oc_run(&c));
    CHECK(i64_eq(out, (const int64_t[]){INT64_MAX, INT64_MIN, -35}, 3));
    oc_free(&c);

    const int16_t a16[] = {32767, -32768, 100}, b16[] = {1, -1, -200};   /* plain int16 */
    out = bin(&c, &tflc_kernel_add, I16, 1, d, a16, 1, d, b16, I16);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, (const int16_t[]){-32768, 32767, -100}, 3));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_add, I16, 1, d, a16, 1, d, b16, I16);
    oc_options_act(&c, BO_Add, ACT_RELU6);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, (const int16_t[]){0, 6, 0}, 3));
    oc_free(&c);
}

static void test_int32_div_and_errors(void) {
    opcase c;
    const int32_t d[] = {4};
    const int32_t a[] = {7, -7, INT32_MIN, 9}, b[] = {2, 2, -1, -10};
    tflc_tensor *out = bin(&c, &tflc_kernel_div, I32, 1, d, a, 1, d, b, I32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){3, -3, INT32_MIN, 0}, 4));
    oc_free(&c);
    const int32_t z[] = {1, 0, 1, 1};
    bin(&c, &tflc_kernel_div, I32, 1, d, a, 1, d, z, I32);
    CHECK_OK(oc_prepare(&c));
    CHECK(oc_eval(&c) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc_last_error(), "division by zero (element 1 of input 1)");
    oc_free(&c);
}

/* Quantized int8 ADD: with every scale 0.1 and zero point 0, q_out = q_a + q_b, clamped;
 * fused RELU clamps at the output's zero point. */
static void test_add_int8_simple(void) {
    static const float s01[] = {0.1f};
    static const int64_t z0[] = {0};
    const int32_t d[] = {5};
    const int8_t a[] = {10, -20, 100, 127, -100}, b[] = {5, -5, 100, -128, -100};
    static const int acts[] = {ACT_NONE, ACT_RELU};
    const int8_t want[2][5] = {{15, -25, 127, -1, -128}, {15, 0, 127, 0, 0}};
    for (int k = 0; k < 2; k++) {
        opcase c;
        tflc_tensor *out = bin(&c, &tflc_kernel_add, I8, 1, d, a, 1, d, b, I8);
        for (int t = 0; t < 3; t++) oc_quant_per_tensor(&c, &c.tensor[t], s01, z0);
        oc_options_act(&c, BO_Add, acts[k]);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(i8_eq(out, want[k], 5), "activation %d", acts[k]);
        oc_free(&c);
    }
}

/* Different scales and zero points, broadcast: real = 0.5 (a - 10) + 0.25 (b + 5), output
 * scale 1, zero point 3; values chosen away from rounding ties. */
static void test_add_int8_rescale_broadcast(void) {
    static const float sa[] = {0.5f}, sb[] = {0.25f}, so[] = {1.0f};
    static const int64_t za[] = {10}, zb[] = {-5}, zo[] = {3};
    const int32_t da[] = {2, 1}, db[] = {3}, want_dims[] = {2, 3};
    const int8_t a[] = {30, -50}, b[] = {-5, 15, 120};
    int8_t want[6];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            double real = 0.5 * (a[i] - 10) + 0.25 * (b[j] + 5);
            want[i * 3 + j] = (int8_t)math_clamp_i32((int32_t)lround(real) + 3, -128, 127);
        }
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_add, I8, 2, da, a, 1, db, b, I8);
    oc_quant_per_tensor(&c, &c.tensor[0], sa, za);
    oc_quant_per_tensor(&c, &c.tensor[1], sb, zb);
    oc_quant_per_tensor(&c, out, so, zo);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, want_dims));
    CHECK(i8_eq(out, want, 6));
    oc_free(&c);
}

/* uint8 SUB and MUL (legacy quantization), against rounded real arithmetic. */
static void test_uint8_sub_mul(void) {
    static const float s[] = {0.5f}, so[] = {0.25f};
    static const int64_t z[] = {128}, zo[] = {100};
    const int32_t d[] = {4};
    const uint8_t a[] = {130, 140, 120, 255}, b[] = {128, 129, 130, 0};
    const uint8_t want_sub[] = {104, 122, 80, 255};   /* 2 (a - b) + 100, clamped */
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_sub, U8, 1, d, a, 1, d, b, U8);
    oc_quant_per_tensor(&c, &c.tensor[0], s, z);
    oc_quant_per_tensor(&c, &c.tensor[1], s, z);
    oc_quant_per_tensor(&c, out, so, zo);
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, want_sub, 4));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_mul, U8, 1, d, a, 1, d, b, U8);
    oc_quant_per_tensor(&c, &c.tensor[0], s, z);
    oc_quant_per_tensor(&c, &c.tensor[1], s, z);
    oc_quant_per_tensor(&c, out, so, zo);
    CHECK_OK(oc_run(&c));
    uint8_t want2[4];
    for (int i = 0; i < 4; i++) {
        double real = 0.5 * (a[i] - 128) * 0.5 * (b[i] - 128);
        want2[i] = (uint8_t)math_clamp_i32((int32_t)lround(real / 0.25) + 100, 0, 255);
    }
    CHECK(u8_eq(out, want2, 4));
    oc_free(&c);
}

/* int16 ADD: the general path (pot_scale_int16 false) and TFLite's power-of-two path, where
 * the finer input is rounded onto the output scale and the sum saturates. */
static void test_add_sub_int16(void) {
    static const float s10[] = {1.0f / 1024}, s12[] = {1.0f / 4096};
    static const int64_t z0[] = {0};
    const int32_t d[] = {4};
    const int16_t a[] = {1000, -1000, 32000, -32000}, b[] = {4002, -4002, 4000, -4000};
    const int16_t want_add[] = {2001, -2001, 32767, -32768};   /* b / 4 rounded away */
    const int16_t want_sub[] = {-1, 1, 31000, -31000};
    const uint32_t pot_true[] = {ACT_NONE, 1}, pot_false[] = {ACT_NONE, 0};
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_add, I16, 1, d, a, 1, d, b, I16);
    oc_quant_per_tensor(&c, &c.tensor[0], s10, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], s12, z0);
    oc_quant_per_tensor(&c, out, s10, z0);
    oc_options_words(&c, BO_Add, pot_true, 2);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want_add, 4));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_sub, I16, 1, d, a, 1, d, b, I16);
    oc_quant_per_tensor(&c, &c.tensor[0], s10, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], s12, z0);
    oc_quant_per_tensor(&c, out, s10, z0);
    oc_options_words(&c, BO_Sub, pot_true, 2);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want_sub, 4));
    oc_free(&c);
    /* general path: same values within one step of the real sum */
    out = bin(&c, &tflc_kernel_add, I16, 1, d, a, 1, d, b, I16);
    oc_quant_per_tensor(&c, &c.tensor[0], s10, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], s12, z0);
    oc_quant_per_tensor(&c, out, s10, z0);
    oc_options_words(&c, BO_Add, pot_false, 2);
    CHECK_OK(oc_run(&c));
    const int16_t *o = out->data;
    for (int i = 0; i < 4; i++) CHECK_MSG(abs(o[i] - want_add[i]) <= 1, "[%d] %d", i, o[i]);
    oc_free(&c);
    /* int16 needs symmetric quantization */
    static const int64_t z5[] = {5};
    bin(&c, &tflc_kernel_add, I16, 1, d, a, 1, d, b, I16);
    oc_quant_per_tensor(&c, &c.tensor[0], s10, z5);
    oc_quant_per_tensor(&c, &c.tensor[1], s12, z0);
    oc_quant_per_tensor(&c, &c.tensor[2], s10, z0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "must be symmetric");
    oc_free(&c);
}

static void test_mul_int16(void) {
    static const float s[] = {1.0f / 1024}, so[] = {1.0f / 512};
    static const int64_t z0[] = {0};
    const int32_t d[] = {3};
    const int16_t a[] = {2048, -1024, 32767}, b[] = {1536, 1024, 32767};   /* 2*1.5, -1*1, ~32*32 */
    const int16_t want[] = {1536, -512, 32767};
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_mul, I16, 1, d, a, 1, d, b, I16);
    oc_quant_per_tensor(&c, &c.tensor[0], s, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], s, z0);
    oc_quant_per_tensor(&c, out, so, z0);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want, 3));
    oc_free(&c);
}

/* int16 MUL takes its multiplier from the scales multiplied in float, as LiteRT's Prepare
 * does (in double the multiplier differs in its low bits). Products whose exact value lies
 * within 2e-4 of a half, with LiteRT's (BUILTIN_REF) results from densenet121 int16x8 op 5
 * and wavenet_tcn int16x8 op 11 of the model zoo: 15622 * 31994 -> 15860 (exact 15860.50013),
 * 26078 * 31528 -> 26090 (26090.50029), 5362 * 14341 -> 5677 (5677.49996). */
static void test_mul_int16_float_multiplier(void) {
    static const float sa[] = {0.00015489452925976366f}, sb[] = {5.167903145775199e-05f},
                       so[] = {0.0002522543945815414f};
    static const float sg[] = {3.0517578125e-05f}, sgo[] = {1.2613895705726463e-05f};
    static const int64_t z0[] = {0};
    const int32_t d[] = {2}, d1[] = {1};
    const int16_t a[] = {15622, 26078}, b[] = {31994, 31528}, want[] = {15860, 26090};
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_mul, I16, 1, d, a, 1, d, b, I16);
    oc_quant_per_tensor(&c, &c.tensor[0], sa, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], sb, z0);
    oc_quant_per_tensor(&c, out, so, z0);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want, 2));
    oc_free(&c);
    const int16_t ga[] = {5362}, gb[] = {14341}, gw[] = {5677};
    out = bin(&c, &tflc_kernel_mul, I16, 1, d1, ga, 1, d1, gb, I16);
    oc_quant_per_tensor(&c, &c.tensor[0], sg, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], sg, z0);
    oc_quant_per_tensor(&c, out, sgo, z0);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, gw, 1));
    oc_free(&c);
}

/* int8 DIV, LiteRT's reciprocal arithmetic. Expected values from LiteRT (builtin and
 * BUILTIN_REF agree) on converted x / y models: in scales 0.022682691 (zp 0) and
 * 0.011755156 (zp -128), out 0.039608505 (zp 7); then a model whose output scale (21.68)
 * makes the final shift 32 or more, where LiteRT saturates by the sign of the quotient. A
 * divisor equal to its zero point fails the run, as LiteRT's does. */
static void test_div_int8(void) {
    static const float s1[] = {0.022682690992951393f}, s2[] = {0.011755156330764294f},
                       so[] = {0.03960850462317467f};
    static const int64_t z1[] = {0}, z2[] = {-128}, zo[] = {7};
    const int32_t d[] = {8};
    const int8_t a[] = {-128, -100, -7, 0, 1, 50, 99, 127}, b[] = {127, -60, 3, 90, -127, 7, 40, -90};
    const int8_t want[] = {-17, -65, 4, 8, 56, 25, 36, 127};
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_div, I8, 1, d, a, 1, d, b, I8);
    oc_quant_per_tensor(&c, &c.tensor[0], s1, z1);
    oc_quant_per_tensor(&c, &c.tensor[1], s2, z2);
    oc_quant_per_tensor(&c, out, so, zo);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, 8));
    oc_free(&c);

    static const float t1[] = {0.02352229319512844f}, t2[] = {0.023521916940808296f},
                       to[] = {21.683788299560547f};
    static const int64_t y1[] = {-1}, y2[] = {0}, yo[] = {-37};
    const int32_t d5[] = {5};
    const int8_t ta[] = {-128, -112, -96, -48, 0}, tb[] = {43, -128, -99, 20, 39};
    const int8_t tw[] = {-128, 127, 127, -128, 127};
    out = bin(&c, &tflc_kernel_div, I8, 1, d5, ta, 1, d5, tb, I8);
    oc_quant_per_tensor(&c, &c.tensor[0], t1, y1);
    oc_quant_per_tensor(&c, &c.tensor[1], t2, y2);
    oc_quant_per_tensor(&c, out, to, yo);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, tw, 5));
    oc_free(&c);

    const int8_t zb[] = {127, -60, 3, 90, -128, 7, 40, -90};   /* element 4 is the zero point */
    bin(&c, &tflc_kernel_div, I8, 1, d, a, 1, d, zb, I8);
    oc_quant_per_tensor(&c, &c.tensor[0], s1, z1);
    oc_quant_per_tensor(&c, &c.tensor[1], s2, z2);
    oc_quant_per_tensor(&c, &c.tensor[2], so, zo);
    CHECK_OK(oc_prepare(&c));
    CHECK(oc_eval(&c) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc_last_error(), "division by zero (element 4 of input 1)");
    oc_free(&c);
}

static void test_binary_math(void) {
    opcase c;
    const int32_t d[] = {6};
    const float a[] = {NAN, 1, -7.5f, 7.5f, -0.0f, 2}, b[] = {1, NAN, 2, -2, 0.0f, 3};
    tflc_tensor *out = bin(&c, &tflc_kernel_maximum, F32, 1, d, a, 1, d, b, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){1, NAN, 2, 7.5f, 0.0f, 3}, 6));   /* a > b ? a : b */
    oc_free(&c);
    out = bin(&c, &tflc_kernel_minimum, F32, 1, d, a, 1, d, b, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){1, NAN, -7.5f, -2, 0.0f, 2}, 6));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_floor_div, F32, 1, d, a, 1, d, b, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){NAN, NAN, -4, -4, NAN, 0}, 6));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_floor_mod, F32, 1, d, a, 1, d, b, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){NAN, NAN, 0.5f, -0.5f, NAN, 2}, 6));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_squared_difference, F32, 1, d, a, 1, d, b, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){NAN, NAN, 90.25f, 90.25f, 0, 1}, 6));
    oc_free(&c);
    const float y[] = {1, -1}, x[] = {-1, -1};
    const int32_t d2[] = {2};
    out = bin(&c, &tflc_kernel_atan2, F32, 1, d2, y, 1, d2, x, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){atan2f(1, -1), atan2f(-1, -1)}, 2));
    oc_free(&c);
    const float base[] = {2, 9}, ex[] = {10, 0.5f};
    out = bin(&c, &tflc_kernel_pow, F32, 1, d2, base, 1, d2, ex, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){1024, 3}, 2));
    oc_free(&c);
}

static void test_integer_binary_math(void) {
    opcase c;
    const int32_t d[] = {6};
    const int32_t a[] = {-7, 7, -7, 7, INT32_MIN, 0}, b[] = {2, -2, -2, 3, -1, 5};
    tflc_tensor *out = bin(&c, &tflc_kernel_floor_div, I32, 1, d, a, 1, d, b, I32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){-4, -4, 3, 2, INT32_MIN, 0}, 6));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_floor_mod, I32, 1, d, a, 1, d, b, I32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){1, -1, -1, 1, 0, 0}, 6));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_squared_difference, I32, 1, d, a, 1, d, b, I32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){81, 81, 25, 16, 1, 25}, 6));   /* (1 - 2^31)^2 wraps to 1 */
    oc_free(&c);
    const int8_t a8[] = {-128, 127, 5}, b8[] = {127, -128, 5};
    const int32_t d3[] = {3};
    out = bin(&c, &tflc_kernel_maximum, I8, 1, d3, a8, 1, d3, b8, I8);   /* raw compare */
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, (const int8_t[]){127, 127, 5}, 3));
    oc_free(&c);
    const int32_t pa[] = {2, -3, 5}, pb[] = {10, 3, 0};
    out = bin(&c, &tflc_kernel_pow, I32, 1, d3, pa, 1, d3, pb, I32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){1024, -27, 1}, 3));
    oc_free(&c);
    const int32_t neg[] = {1, -1, 1};
    bin(&c, &tflc_kernel_pow, I32, 1, d3, pa, 1, d3, neg, I32);
    CHECK_OK(oc_prepare(&c));
    CHECK(oc_eval(&c) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc_last_error(), "negative exponent");
    oc_free(&c);
    const int32_t zero[] = {3, 0, 1};
    bin(&c, &tflc_kernel_floor_mod, I32, 1, d3, pa, 1, d3, zero, I32);
    CHECK_OK(oc_prepare(&c));
    CHECK(oc_eval(&c) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc_last_error(), "floor modulo by zero");
    oc_free(&c);
}

/* int8 SQUARED_DIFFERENCE: equal scales 0.25, zero points 0, output scale 1: (a-b)^2/16. */
static void test_squared_difference_int8(void) {
    static const float s[] = {0.25f}, so[] = {1.0f};
    static const int64_t z0[] = {0};
    const int32_t d[] = {3};
    const int8_t a[] = {8, -8, 100}, b[] = {0, 8, -100};
    const int8_t want[] = {4, 16, 127};
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_squared_difference, I8, 1, d, a, 1, d, b, I8);
    oc_quant_per_tensor(&c, &c.tensor[0], s, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], s, z0);
    oc_quant_per_tensor(&c, out, so, z0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, 3));
    oc_free(&c);
}

/* ===================================================== broadcasting == */

/* Random shapes up to rank 6 with ragged sizes (1, 2, 3, 5, 7): each dim of each input is
 * the output's or 1 (or missing); int32 SUB checked element by element, so every merge the
 * plan makes is exercised. */
static void test_broadcast_random_ragged(void) {
    static const int32_t sizes[] = {1, 2, 3, 5, 7};
    uint32_t seed = 777;
    for (int round = 0; round < 300; round++) {
        int32_t od[6], da[6], db[6], idx[6];
        seed = seed * 1103515245u + 12345u;
        int rank = 1 + (int)((seed >> 16) % 6);
        int ra = rank - (int)((seed >> 8) & 1), rb = rank - (int)((seed >> 9) & 1);
        size_t total = 1;
        for (int d = 0; d < rank; d++) {
            seed = seed * 1103515245u + 12345u;
            od[d] = sizes[(seed >> 16) % 5];
            if (total * (size_t)od[d] > 2000) od[d] = 1;
            total *= (size_t)od[d];
        }
        for (int d = 0; d < ra; d++) {
            seed = seed * 1103515245u + 12345u;
            da[d] = (seed >> 20) & 1 ? 1 : od[rank - ra + d];
        }
        for (int d = 0; d < rb; d++) {
            seed = seed * 1103515245u + 12345u;
            db[d] = (seed >> 21) & 1 ? 1 : od[rank - rb + d];
        }
        int32_t *a = malloc(sizeof(int32_t) * tflc_shape_count(da, ra));
        int32_t *b = malloc(sizeof(int32_t) * tflc_shape_count(db, rb));
        for (size_t i = 0; i < tflc_shape_count(da, ra); i++) a[i] = (int32_t)i;
        for (size_t i = 0; i < tflc_shape_count(db, rb); i++) b[i] = 10000 * (int32_t)i;
        opcase c;
        tflc_tensor *out = bin(&c, &tflc_kernel_sub, I32, ra, da, a, rb, db, b, I32);
        CHECK_OK(oc_run(&c));
        const int32_t *o = out->data;
        for (size_t k = 0; k < tflc_tensor_count(out); k++) {
            unflatten(k, out, idx);
            int32_t want = a[broadcast_index(c.ins[0], idx, out->rank)] -
                           b[broadcast_index(c.ins[1], idx, out->rank)];
            if (o[k] != want) {
                CHECK_MSG(o[k] == want, "round %d element %zu: %d != %d", round, k, o[k], want);
                break;
            }
        }
        oc_free(&c);
        free(a);
        free(b);
    }
}

/* SELECT_V2 broadcasts three operands: condition [4,1], x [2,1,3], y [3] -> [2,4,3]. */
static void test_select_v2_broadcast(void) {
    const int32_t dc[] = {4, 1}, dx[] = {2, 1, 3}, dy[] = {3}, want_dims[] = {2, 4, 3};
    const bool cond[] = {true, false, false, true};
    const float x[] = {1, 2, 3, 4, 5, 6}, y[] = {-1, -2, -3};
    float want[24];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 3; k++) want[(i * 4 + j) * 3 + k] = cond[j] ? x[i * 3 + k] : y[k];
    opcase c;
    oc_init(&c, &tflc_kernel_select_v2);
    oc_in(&c, BOOL, 2, dc, cond);
    oc_in(&c, F32, 3, dx, x);
    oc_in(&c, F32, 1, dy, y);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, want_dims));
    CHECK(f32_eq(out, want, 24));
    oc_free(&c);
}

static void test_broadcast_errors_and_empty(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d4[] = {4}, d03[] = {0, 3}, d13[] = {1, 3}, d2[] = {2};
    bin(&c, &tflc_kernel_add, F32, 2, d23, NULL, 1, d4, NULL, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "[2,3] and [4] cannot be broadcast");
    bin(&c, &tflc_kernel_less, I32, 2, d23, NULL, 1, d2, NULL, BOOL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "cannot be broadcast");
    oc_init(&c, &tflc_kernel_select_v2);
    oc_in(&c, BOOL, 1, d2, NULL);
    oc_in(&c, F32, 2, d23, NULL);
    oc_in(&c, F32, 1, d4, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "[2] and [2,3] and [4] cannot be broadcast");

    const float b[] = {1, 2, 3};                    /* [0,3] + [1,3] -> [0,3], nothing read */
    tflc_tensor *out = bin(&c, &tflc_kernel_add, F32, 2, d03, NULL, 2, d13, b, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d03));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_equal, F32, 2, d13, b, 2, d03, NULL, BOOL);   /* 1 vs 0 -> 0 */
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d03));
    oc_free(&c);
    const int32_t d8a[] = {2, 1, 2, 1, 2, 1, 2, 1}, d8b[] = {1, 2, 1, 2, 1, 2, 1, 2};
    int32_t a8[16], b8[16];
    for (int i = 0; i < 16; i++) { a8[i] = i; b8[i] = 100 * i; }
    out = bin(&c, &tflc_kernel_add, I32, 8, d8a, a8, 8, d8b, b8, I32);   /* rank 8 */
    CHECK_OK(oc_run(&c));
    CHECK(tflc_tensor_count(out) == 256);
    const int32_t *o = out->data;
    CHECK(o[0] == 0 && o[255] == 15 + 1500);
    oc_free(&c);
}

/* =========================================================== unary == */

static void test_unary_float(void) {
    const int32_t d[] = {8};
    const float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -0.4f, -2.5f, NAN, -0.0f};
    static const struct { const tflc_kernel *k; float want[8]; } cases[] = {
        {&tflc_kernel_round, {0, 2, 2, 0, 0, -2, NAN, -0.0f}},     /* ties to even */
        {&tflc_kernel_floor, {0, 1, 2, -1, -1, -3, NAN, -0.0f}},
        {&tflc_kernel_ceil, {1, 2, 3, -0.0f, -0.0f, -2, NAN, -0.0f}},
        {&tflc_kernel_sign, {1, 1, 1, -1, -1, -1, NAN, 0}},        /* NaN stays NaN */
        {&tflc_kernel_abs, {0.5f, 1.5f, 2.5f, 0.5f, 0.4f, 2.5f, NAN, 0}},
        {&tflc_kernel_neg, {-0.5f, -1.5f, -2.5f, 0.5f, 0.4f, 2.5f, NAN, 0}},
        {&tflc_kernel_square, {0.25f, 2.25f, 6.25f, 0.25f, 0.4f * 0.4f, 6.25f, NAN, 0}},
    };
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        tflc_tensor *out = un(&c, cases[k].k, F32, 1, d, x);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(f32_eq(out, cases[k].want, 8), "%s", cases[k].k->name);
        oc_free(&c);
    }
    /* round(-0.4) is +0 in TFLite (floor-based), not -0: check the bits */
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_round, F32, 1, d, x);
    CHECK_OK(oc_run(&c));
    CHECK(!signbit(((const float *)out->data)[4]) && !signbit(((const float *)out->data)[3]));
    oc_free(&c);
    const float y[] = {4, 0.25f, 0, -1};
    const int32_t d4[] = {4};
    out = un(&c, &tflc_kernel_rsqrt, F32, 1, d4, y);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){0.5f, 2, INFINITY, NAN}, 4));
    oc_free(&c);
    out = un(&c, &tflc_kernel_exp, F32, 1, d4, y);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){expf(4), expf(0.25f), 1, expf(-1)}, 4));
    oc_free(&c);
    out = un(&c, &tflc_kernel_log, F32, 1, d4, y);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){logf(4), logf(0.25f), -INFINITY, NAN}, 4));
    oc_free(&c);
}

static void test_unary_int(void) {
    opcase c;
    const int32_t d[] = {4};
    const int32_t a[] = {INT32_MIN, -5, 0, 7};
    tflc_tensor *out = un(&c, &tflc_kernel_abs, I32, 1, d, a);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){INT32_MIN, 5, 0, 7}, 4));
    oc_free(&c);
    out = un(&c, &tflc_kernel_neg, I32, 1, d, a);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){INT32_MIN, 5, 0, -7}, 4));
    oc_free(&c);
    out = un(&c, &tflc_kernel_sign, I32, 1, d, a);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){-1, -1, 0, 1}, 4));
    oc_free(&c);
    const int64_t a64[] = {INT64_MIN, -5, 0, 7};
    out = un(&c, &tflc_kernel_neg, I64, 1, d, a64);
    CHECK_OK(oc_run(&c));
    CHECK(i64_eq(out, (const int64_t[]){INT64_MIN, 5, 0, -7}, 4));
    oc_free(&c);
    const int16_t a16[] = {INT16_MIN, -5, 0, 7};            /* plain int16 ABS */
    out = un(&c, &tflc_kernel_abs, I16, 1, d, a16);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, (const int16_t[]){INT16_MIN, 5, 0, 7}, 4));
    oc_free(&c);
}

/* Quantized ABS rescales |q - zp_in| by in/out; int8 RSQRT refuses inputs below the zero
 * point; LOG maps x <= 0 to the output's minimum. */
static void test_unary_quantized(void) {
    static const float s1[] = {0.1f}, s2[] = {0.2f}, s_one[] = {1.0f}, s_out[] = {0.05f};
    static const int64_t zm10[] = {-10}, z0[] = {0}, zm128[] = {-128};
    const int32_t d[] = {4};
    const int8_t x[] = {-10, 10, -128, 127};
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_abs, I8, 1, d, x);
    oc_quant_per_tensor(&c, &c.tensor[0], s1, zm10);
    oc_quant_per_tensor(&c, out, s2, z0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, (const int8_t[]){0, 10, 59, 69}, 4));   /* 118/2 = 59, 137/2 = 68.5 -> 69 */
    oc_free(&c);
    const int8_t r[] = {-127, -124, -112, -128};            /* 1, 4, 16, 0 with zp -128 */
    out = un(&c, &tflc_kernel_rsqrt, I8, 1, d, r);
    oc_quant_per_tensor(&c, &c.tensor[0], s_one, zm128);
    oc_quant_per_tensor(&c, out, s_out, zm128);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, (const int8_t[]){-108, -118, -123, 127}, 4));   /* 1/.05=20, 10, 5; 0 -> max */
    oc_free(&c);
    const int8_t bad[] = {0, -1, 5, 6};
    un(&c, &tflc_kernel_rsqrt, I8, 1, d, bad);
    oc_quant_per_tensor(&c, &c.tensor[0], s1, z0);
    oc_quant_per_tensor(&c, &c.outs[0][0], s1, z0);
    CHECK_OK(oc_prepare(&c));
    CHECK(oc_eval(&c) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc_last_error(), "only defined for positive values (element 1)");
    oc_free(&c);
    const int8_t lx[] = {0, -5, 10, 127};
    out = un(&c, &tflc_kernel_log, I8, 1, d, lx);
    oc_quant_per_tensor(&c, &c.tensor[0], s1, z0);
    oc_quant_per_tensor(&c, out, s2, z0);
    CHECK_OK(oc_run(&c));
    const int8_t *o = out->data;
    CHECK(o[0] == -128 && o[1] == -128 && o[2] == 0);        /* log(1) = 0 */
    CHECK(o[3] == (int8_t)lroundf(logf(12.7f) / 0.2f));
    oc_free(&c);
}

/* int16 EXP through TFLite's interpolated table: within a step of the exact value. */
static void test_exp_int16_table(void) {
    static const float si[] = {1.0f / 4096}, so[] = {1.0f / 2048};
    static const int64_t z0[] = {0};
    const int32_t d[] = {7};
    const int16_t x[] = {-32768, -8192, -4096, 0, 2048, 4096, 8000};
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_exp, I16, 1, d, x);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, out, so, z0);
    CHECK_OK(oc_run(&c));
    const int16_t *o = out->data;
    for (int i = 0; i < 7; i++) {
        double want = fmin(exp(x[i] / 4096.0) * 2048.0, 32767.0);
        CHECK_MSG(fabs(o[i] - want) <= 3.0, "exp(%d/4096): %d, want %.2f", x[i], o[i], want);
    }
    oc_free(&c);
}

static void test_unary_errors(void) {
    opcase c;
    const int32_t d[] = {3};
    un(&c, &tflc_kernel_sin, I32, 1, d, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "int32 inputs are not supported (float32 are)");
    un(&c, &tflc_kernel_exp, I8, 1, d, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "has no quantization parameters");
    oc_init(&c, &tflc_kernel_neg);
    oc_in(&c, F32, 1, d, NULL);
    oc_out(&c, I32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype int32");
    oc_init(&c, &tflc_kernel_abs);
    oc_in(&c, F32, 1, d, NULL);
    oc_in(&c, F32, 1, d, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "expected 1 input, got 2");
}

/* ===================================================== activations == */

static void test_activations_float(void) {
    const int32_t d[] = {6};
    const float x[] = {-8, -1, 0, 0.5f, 3, NAN};
    static const struct { const tflc_kernel *k; float want[6]; } cases[] = {
        {&tflc_kernel_relu, {0, 0, 0, 0.5f, 3, NAN}},
        {&tflc_kernel_relu6, {0, 0, 0, 0.5f, 3, NAN}},            /* NaN passes, as LiteRT */
        {&tflc_kernel_relu_n1_to_1, {-1, -1, 0, 0.5f, 1, NAN}},
        {&tflc_kernel_relu_0_to_1, {0, 0, 0, 0.5f, 1, NAN}},
        {&tflc_kernel_hard_swish, {-0.0f, -1.0f / 3.0f, 0, 0.5f * (1.0f / 6.0f) * 3.5f, 3, NAN}},
    };
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        tflc_tensor *out = un(&c, cases[k].k, F32, 1, d, x);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(f32_eq(out, cases[k].want, 6), "%s", cases[k].k->name);
        oc_free(&c);
    }
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_leaky_relu, F32, 1, d, x);
    uint32_t alpha_bits = 0;
    float alpha = 0.2f;
    memcpy(&alpha_bits, &alpha, 4);
    oc_options_words(&c, BO_LeakyRelu, &alpha_bits, 1);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){-8 * 0.2f, -0.2f, 0, 0.5f, 3, NAN}, 6));
    oc_free(&c);
    out = un(&c, &tflc_kernel_elu, F32, 1, d, x);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){expm1f(-8), expm1f(-1), 0, 0.5f, 3, NAN}, 6));
    oc_free(&c);
    out = un(&c, &tflc_kernel_logistic, F32, 1, d, x);
    CHECK_OK(oc_run(&c));
    const float *o = out->data;
    CHECK(fabsf(o[0] - 3.3535013e-4f) < 1e-9f && o[2] == 0.5f && isnan(o[5]));
    oc_free(&c);
    const float big[] = {100, -200};
    const int32_t d2[] = {2};
    out = un(&c, &tflc_kernel_logistic, F32, 1, d2, big);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){1, 0}, 2));
    oc_free(&c);
}

/* GELU reads `approximate` from its options: the two forms differ slightly at x = 1. */
static void test_gelu_options(void) {
    const int32_t d[] = {1};
    const float x[] = {1};
    const uint32_t approx[] = {1};
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_gelu, F32, 1, d, x);
    CHECK_OK(oc_run(&c));
    float exact = ((const float *)out->data)[0];
    oc_free(&c);
    out = un(&c, &tflc_kernel_gelu, F32, 1, d, x);
    oc_options_words(&c, BO_Gelu, approx, 1);
    CHECK_OK(oc_run(&c));
    float tanh_form = ((const float *)out->data)[0];
    oc_free(&c);
    CHECK(fabsf(exact - 0.8413447f) < 2e-7f);
    CHECK(fabsf(tanh_form - 0.8411920f) < 2e-7f);
}

/* Quantized RELU family: rescale by in/out, clamp to the activation's range on the output
 * grid (RELU6 at 6 / 0.05 = 120 steps above the zero point). */
static void test_relu_quantized(void) {
    static const float s[] = {0.05f};
    static const int64_t z[] = {-100};
    const int32_t d[] = {5};
    const int8_t x[] = {-128, -100, -99, 20, 127};
    static const struct { const tflc_kernel *k; int8_t want[5]; } cases[] = {
        {&tflc_kernel_relu, {-100, -100, -99, 20, 127}},
        {&tflc_kernel_relu6, {-100, -100, -99, 20, 20}},
        {&tflc_kernel_relu_n1_to_1, {-120, -100, -99, -80, -80}},
        {&tflc_kernel_relu_0_to_1, {-100, -100, -99, -80, -80}},
    };
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        tflc_tensor *out = un(&c, cases[k].k, I8, 1, d, x);
        oc_quant_per_tensor(&c, &c.tensor[0], s, z);
        oc_quant_per_tensor(&c, out, s, z);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(i8_eq(out, cases[k].want, 5), "%s", cases[k].k->name);
        oc_free(&c);
    }
    opcase c;
    un(&c, &tflc_kernel_relu, I16, 1, d, NULL);               /* int16 needs zero point 0 */
    oc_quant_per_tensor(&c, &c.tensor[0], s, z);
    oc_quant_per_tensor(&c, &c.tensor[1], s, z);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "must be symmetric");
    un(&c, &tflc_kernel_relu_n1_to_1, I16, 1, d, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "int16 inputs are not supported");
}

/* int8 tables: LOGISTIC needs output scale 1/256; TANH/ELU/GELU/HARD_SWISH agree with the
 * float function to within one output step. */
static void test_activation_tables_int8(void) {
    static const float si[] = {0.05f}, s256[] = {1.0f / 256}, s128[] = {1.0f / 128},
                       so[] = {0.04f};
    static const int64_t z0[] = {0}, zm128[] = {-128};
    const int32_t d[] = {256};
    int8_t x[256];
    for (int i = 0; i < 256; i++) x[i] = (int8_t)(i - 128);
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_logistic, I8, 1, d, x);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, out, s256, zm128);
    CHECK_OK(oc_run(&c));
    const int8_t *o = out->data;
    for (int i = 0; i < 256; i++) {
        double want = 256.0 / (1.0 + exp(-0.05 * x[i])) - 128.0;
        CHECK_MSG(fabs(o[i] - fmin(want, 127.0)) <= 1.0, "logistic(%d) = %d", x[i], o[i]);
    }
    oc_free(&c);
    un(&c, &tflc_kernel_logistic, I8, 1, d, NULL);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], s128, zm128);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output scale 1/256");

    static const struct { const tflc_kernel *k; double (*f)(double); } fns[] = {
        {&tflc_kernel_tanh, tanh}, {&tflc_kernel_elu, NULL}, {&tflc_kernel_hard_swish, NULL},
        {&tflc_kernel_gelu, NULL},
    };
    for (size_t k = 0; k < N(fns); k++) {
        out = un(&c, fns[k].k, I8, 1, d, x);
        oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
        oc_quant_per_tensor(&c, out, so, z0);
        CHECK_OK(oc_run(&c));
        o = out->data;
        for (int i = 0; i < 256; i++) {
            double v = 0.05 * x[i], want;
            if (fns[k].f) want = fns[k].f(v);
            else if (fns[k].k == &tflc_kernel_elu) want = v < 0 ? expm1(v) : v;
            else if (fns[k].k == &tflc_kernel_hard_swish) want = v * fmin(6, fmax(0, v + 3)) / 6;
            else want = 0.5 * v * erfc(-v / sqrt(2.0));
            want = fmax(-128, fmin(127, want / 0.04));
            if (fabs(o[i] - want) > 1.0) {
                CHECK_MSG(fabs(o[i] - want) <= 1.0, "%s(%d) = %d, want %.2f", fns[k].k->name,
                          x[i], o[i], want);
                break;
            }
        }
        oc_free(&c);
    }
}

/* int16 LOGISTIC / TANH on TFLite's sigmoid table: 0 maps to 1/2 and 0, saturation to the
 * ends, and the general-scale path stays within a few steps of the real function. */
static void test_sigmoid_int16(void) {
    static const float si[] = {1.0f / 3000}, s15[] = {1.0f / 32768};
    static const int64_t z0[] = {0};
    const int32_t d[] = {5};
    const int16_t x[] = {0, 3000, -3000, 32767, -32768};
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_logistic, I16, 1, d, x);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, out, s15, z0);
    CHECK_OK(oc_run(&c));
    const int16_t *o = out->data;
    CHECK(o[0] == 16384);
    CHECK(abs(o[1] - (int)lround(32768 / (1 + exp(-1.0)))) <= 4);
    CHECK(abs(o[1] + o[2] - 32768) <= 1);
    CHECK(o[3] >= 32766 && o[4] <= 1);
    oc_free(&c);
    out = un(&c, &tflc_kernel_tanh, I16, 1, d, x);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, out, s15, z0);
    CHECK_OK(oc_run(&c));
    o = out->data;
    CHECK(o[0] == 0);
    CHECK(abs(o[1] - (int)lround(32768 * tanh(1.0))) <= 4 && abs(o[1] + o[2]) <= 1);
    CHECK(o[3] >= 32766 && o[4] <= -32767);
    oc_free(&c);
    /* Power-of-two input scales take gemmlowp's fixed-point path (LiteRT's builtin kernel):
     * Q3.12 in, Q0.15 out, accurate to about 10 steps (bit-exactness against LiteRT is
     * checked by the conformance cases *pot_scale*). */
    static const float s12[] = {1.0f / 4096}, s11[] = {1.0f / 2048};
    const int16_t xp[] = {0, 4096, -4096, 32767, -32768};
    static const struct { const tflc_kernel *k; const float *scale; double (*f)(double); } pots[] = {
        {&tflc_kernel_logistic, s12, NULL}, {&tflc_kernel_tanh, s12, tanh},
        {&tflc_kernel_tanh, s11, tanh},
    };
    for (size_t k = 0; k < N(pots); k++) {
        out = un(&c, pots[k].k, I16, 1, d, xp);
        oc_quant_per_tensor(&c, &c.tensor[0], pots[k].scale, z0);
        oc_quant_per_tensor(&c, out, s15, z0);
        CHECK_OK(oc_run(&c));
        o = out->data;
        for (int i = 0; i < 5; i++) {
            double v = xp[i] * (double)pots[k].scale[0];
            double want = 32768.0 * (pots[k].f ? pots[k].f(v) : 1.0 / (1.0 + exp(-v)));
            want = fmin(want, 32767.0);
            CHECK_MSG(fabs(o[i] - want) <= 10.0, "%s(%d): %d, want %.1f", pots[k].k->name, xp[i],
                      o[i], want);
        }
        oc_free(&c);
    }
    static const float s7[] = {1.0f / 128};
    un(&c, &tflc_kernel_tanh, I16, 1, d, NULL);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], s7, z0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output scale 2^-15");
}

/* Quantized LEAKY_RELU: identity above the zero point, alpha below (negative alpha too). */
static void test_leaky_relu_quantized(void) {
    static const float s[] = {0.1f};
    static const int64_t z[] = {0};
    const int32_t d[] = {4};
    const int8_t x[] = {-100, -5, 0, 50};
    static const struct { float alpha; int8_t want[4]; } cases[] = {
        {0.5f, {-50, -2, 0, 50}},                 /* -2.5: SRDHM rounds a negative tie up */
        {-0.5f, {50, 2, 0, 50}},
    };
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        tflc_tensor *out = un(&c, &tflc_kernel_leaky_relu, I8, 1, d, x);
        uint32_t bits;
        memcpy(&bits, &cases[k].alpha, 4);
        oc_options_words(&c, BO_LeakyRelu, &bits, 1);
        oc_quant_per_tensor(&c, &c.tensor[0], s, z);
        oc_quant_per_tensor(&c, out, s, z);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(i8_eq(out, cases[k].want, 4), "alpha %g", (double)cases[k].alpha);
        oc_free(&c);
    }
}

static void test_prelu(void) {
    const int32_t dx[] = {2, 3}, da[] = {3}, dbad[] = {2, 2, 3};
    const float x[] = {-1, 2, -3, 4, -5, 6}, alpha[] = {0.5f, 0.25f, -1};
    opcase c;
    oc_init(&c, &tflc_kernel_prelu);
    oc_in(&c, F32, 2, dx, x);
    oc_in(&c, F32, 1, da, alpha);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){-0.5f, 2, 3, 4, -1.25f, 6}, 6));
    oc_free(&c);

    static const float s[] = {0.1f}, sa[] = {1.0f / 64};
    static const int64_t z[] = {0};
    const int8_t xq[] = {-10, 20, -30, 40, -50, 60}, aq[] = {32, 16, -64};
    oc_init(&c, &tflc_kernel_prelu);
    oc_in(&c, I8, 2, dx, xq);
    oc_in(&c, I8, 1, da, aq);
    out = oc_out(&c, I8);
    oc_quant_per_tensor(&c, &c.tensor[0], s, z);
    oc_quant_per_tensor(&c, &c.tensor[1], sa, z);
    oc_quant_per_tensor(&c, out, s, z);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, (const int8_t[]){-5, 20, 30, 40, -13, 60}, 6));   /* -12.5 away from 0 */
    oc_free(&c);

    oc_init(&c, &tflc_kernel_prelu);                        /* alpha may not widen x */
    oc_in(&c, F32, 2, dx, NULL);
    oc_in(&c, F32, 3, dbad, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "alpha must broadcast to the input");
}

static void test_log_softmax(void) {
    const int32_t d[] = {2, 3};
    const float x[] = {1, 2, 3, 1000, 1000, 1000};
    opcase c;
    tflc_tensor *out = un(&c, &tflc_kernel_log_softmax, F32, 2, d, x);
    CHECK_OK(oc_run(&c));
    const float *o = out->data;
    const double ls = log(exp(-2.0) + exp(-1.0) + 1.0);
    CHECK(fabs(o[0] - (-2 - ls)) < 1e-6 && fabs(o[2] - (-ls)) < 1e-6);
    CHECK(fabs(o[3] + log(3.0)) < 1e-6 && fabs(o[5] + log(3.0)) < 1e-6);   /* stable */
    oc_free(&c);

    static const float si[] = {0.1f}, so[] = {16.0f / 256}, sbad[] = {0.1f};
    static const int64_t z0[] = {0}, z127[] = {127};
    const int8_t q[] = {0, 10, 20, 5, 5, 5};
    out = un(&c, &tflc_kernel_log_softmax, I8, 2, d, q);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, out, so, z127);
    CHECK_OK(oc_run(&c));
    const int8_t *oq = out->data;
    for (int i = 0; i < 3; i++) {
        double want = (0.1 * q[i] - 2.0 - ls) / (16.0 / 256) + 127;
        CHECK_MSG(fabs(oq[i] - want) <= 1.0, "[%d] %d want %.2f", i, oq[i], want);
    }
    CHECK(oq[3] == oq[4] && abs(oq[3] - (int)lround(-log(3.0) * 16 + 127)) <= 1);
    oc_free(&c);
    un(&c, &tflc_kernel_log_softmax, I8, 2, d, NULL);
    oc_quant_per_tensor(&c, &c.tensor[0], si, z0);
    oc_quant_per_tensor(&c, &c.tensor[1], sbad, z127);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output scale 16/256");
}

/* ===================================================== comparisons == */

static void test_comparisons_float(void) {
    const int32_t d[] = {4};
    const float a[] = {1, NAN, 2, -0.0f}, b[] = {1, 1, 3, 0.0f};
    static const struct { const tflc_kernel *k; bool want[4]; } cases[] = {
        {&tflc_kernel_equal, {1, 0, 0, 1}}, {&tflc_kernel_not_equal, {0, 1, 1, 0}},
        {&tflc_kernel_less, {0, 0, 1, 0}}, {&tflc_kernel_less_equal, {1, 0, 1, 1}},
        {&tflc_kernel_greater, {0, 0, 0, 0}}, {&tflc_kernel_greater_equal, {1, 0, 0, 1}},
    };
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        tflc_tensor *out = bin(&c, cases[k].k, F32, 1, d, a, 1, d, b, BOOL);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(b_eq(out, cases[k].want, 4), "%s", cases[k].k->name);
        oc_free(&c);
    }
}

/* int8 inputs with different scales compare as real values: 2 * 1.0 == 4 * 0.5. */
static void test_comparisons_quantized(void) {
    static const float sa[] = {1.0f / 8}, sb[] = {1.0f / 16};
    static const int64_t za[] = {0}, zb[] = {-10};
    const int32_t d[] = {4};
    const int8_t a[] = {2, 3, -8, 127}, b[] = {-6, -6, -26, 127};   /* b real: .25, .25, -1, 8.56 */
    opcase c;
    tflc_tensor *out = bin(&c, &tflc_kernel_equal, I8, 1, d, a, 1, d, b, BOOL);
    oc_quant_per_tensor(&c, &c.tensor[0], sa, za);
    oc_quant_per_tensor(&c, &c.tensor[1], sb, zb);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){1, 0, 1, 0}, 4));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_greater, I8, 1, d, a, 1, d, b, BOOL);
    oc_quant_per_tensor(&c, &c.tensor[0], sa, za);
    oc_quant_per_tensor(&c, &c.tensor[1], sb, zb);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){0, 1, 0, 1}, 4));
    oc_free(&c);
    static const float s2[] = {2.0f};                       /* LiteRT needs scales below 1 */
    bin(&c, &tflc_kernel_less, I8, 1, d, NULL, 1, d, NULL, BOOL);
    oc_quant_per_tensor(&c, &c.tensor[0], s2, za);
    oc_quant_per_tensor(&c, &c.tensor[1], sb, zb);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "not below 1");
}

static tflc_tensor *string_input(opcase *c, int n, const char *const *s, const int32_t *dims,
                                 int rank) {
    size_t bytes = 4 * (size_t)(n + 2);
    for (int i = 0; i < n; i++) bytes += strlen(s[i]);
    tflc_tensor *t = oc_in(c, TFLC_STRING, rank, dims, NULL);
    uint8_t *b = oc_own(c, bytes);
    int32_t v = n, off = 4 * (n + 2);
    memcpy(b, &v, 4);
    for (int i = 0; i < n; i++) {
        memcpy(b + 4 + 4 * i, &off, 4);
        memcpy(b + off, s[i], strlen(s[i]));
        off += (int32_t)strlen(s[i]);
    }
    memcpy(b + 4 + 4 * n, &off, 4);
    t->data = b;
    t->bytes = bytes;
    return t;
}

static void test_comparisons_bool_string_int(void) {
    opcase c;
    const int32_t d[] = {3}, d1[] = {1};
    const bool ba[] = {true, false, true}, bb[] = {true, true, false};
    tflc_tensor *out = bin(&c, &tflc_kernel_not_equal, BOOL, 1, d, ba, 1, d, bb, BOOL);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){0, 1, 1}, 3));
    oc_free(&c);
    static const char *const sa[] = {"abc", "", "ab"}, *const sb[] = {"ab"};
    oc_init(&c, &tflc_kernel_equal);
    string_input(&c, 3, sa, d, 1);
    string_input(&c, 1, sb, d1, 1);                          /* broadcast [3] vs [1] */
    out = oc_out(&c, BOOL);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){0, 0, 1}, 3));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_less);
    string_input(&c, 3, sa, d, 1);
    string_input(&c, 1, sb, d1, 1);
    oc_out(&c, BOOL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "string inputs are not supported by LESS");
    oc_free(&c);
    const int64_t la[] = {INT64_MIN, 0, INT64_MAX}, lb[] = {INT64_MAX};
    out = bin(&c, &tflc_kernel_less, I64, 1, d, la, 1, d1, lb, BOOL);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){1, 1, 0}, 3));
    oc_free(&c);
    bin(&c, &tflc_kernel_equal, I32, 1, d, NULL, 1, d, NULL, I32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype int32, expected bool");
    bin(&c, &tflc_kernel_greater, I32, 1, d, NULL, 1, d, NULL, BOOL);
    c.tensor[1].dtype = I64;
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input 1 has dtype int64, expected int32");
}

/* ================================================ logic, select, cast == */

static void test_logical(void) {
    opcase c;
    const int32_t da[] = {2, 1}, db[] = {3}, want_dims[] = {2, 3}, d4[] = {4};
    const bool a[] = {true, false}, b[] = {true, false, true};
    tflc_tensor *out = bin(&c, &tflc_kernel_logical_and, BOOL, 2, da, a, 1, db, b, BOOL);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, want_dims));
    CHECK(b_eq(out, (const bool[]){1, 0, 1, 0, 0, 0}, 6));
    oc_free(&c);
    out = bin(&c, &tflc_kernel_logical_or, BOOL, 2, da, a, 1, db, b, BOOL);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){1, 1, 1, 1, 0, 1}, 6));
    oc_free(&c);
    const uint8_t raw[] = {0, 1, 2, 255};                   /* any nonzero byte is true */
    out = un(&c, &tflc_kernel_logical_not, BOOL, 1, d4, raw);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){1, 0, 0, 0}, 4));
    oc_free(&c);
    bin(&c, &tflc_kernel_logical_or, I32, 1, d4, NULL, 1, d4, NULL, BOOL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "int32 inputs are not supported (bool are)");
}

/* SELECT: a rank-1 condition picks rows, a scalar picks a whole tensor. */
static void test_select_v1(void) {
    const int32_t dx[] = {3, 2}, dc[] = {3};
    const bool rows[] = {true, false, true}, scalar[] = {false};
    const int16_t x[] = {1, 2, 3, 4, 5, 6}, y[] = {-1, -2, -3, -4, -5, -6};
    opcase c;
    oc_init(&c, &tflc_kernel_select);
    oc_in(&c, BOOL, 1, dc, rows);
    oc_in(&c, I16, 2, dx, x);
    oc_in(&c, I16, 2, dx, y);
    tflc_tensor *out = oc_out(&c, I16);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, (const int16_t[]){1, 2, -3, -4, 5, 6}, 6));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_select);
    oc_in(&c, BOOL, 0, NULL, scalar);
    oc_in(&c, I16, 2, dx, x);
    oc_in(&c, I16, 2, dx, y);
    out = oc_out(&c, I16);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, y, 6));
    oc_free(&c);
    const int32_t d2[] = {2};
    oc_init(&c, &tflc_kernel_select);                       /* condition [2] against [3,2] */
    oc_in(&c, BOOL, 1, d2, NULL);
    oc_in(&c, I16, 2, dx, NULL);
    oc_in(&c, I16, 2, dx, NULL);
    oc_out(&c, I16);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "vector of length x.shape[0]");
    oc_init(&c, &tflc_kernel_select_v2);
    oc_in(&c, F32, 1, d2, NULL);
    oc_in(&c, I16, 1, d2, NULL);
    oc_in(&c, I16, 1, d2, NULL);
    oc_out(&c, I16);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "condition (input 0) has dtype float32");
}

static void test_cast(void) {
    opcase c;
    const int32_t d[] = {8};
    const float f[] = {NAN, INFINITY, -INFINITY, 3e9f, -3e9f, -1.9f, 2.9f, -0.0f};
    tflc_tensor *out = un(&c, &tflc_kernel_cast, F32, 1, d, f);
    c.outs[0]->dtype = c.desc[1].dtype = I32;
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, (const int32_t[]){INT32_MAX, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN,
                                         -1, 2, 0}, 8));
    oc_free(&c);
    out = un(&c, &tflc_kernel_cast, F32, 1, d, f);
    c.outs[0]->dtype = c.desc[1].dtype = U8;
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, (const uint8_t[]){255, 255, 0, 255, 0, 0, 2, 0}, 8));
    oc_free(&c);
    out = un(&c, &tflc_kernel_cast, F32, 1, d, f);
    c.outs[0]->dtype = c.desc[1].dtype = BOOL;
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(out, (const bool[]){1, 1, 1, 1, 1, 1, 1, 0}, 8));
    oc_free(&c);
    out = un(&c, &tflc_kernel_cast, F32, 1, d, f);
    c.outs[0]->dtype = c.desc[1].dtype = I64;
    CHECK_OK(oc_run(&c));
    CHECK(i64_eq(out, (const int64_t[]){INT64_MAX, INT64_MAX, INT64_MIN, 3000000000LL,
                                         -3000000000LL, -1, 2, 0}, 8));
    oc_free(&c);
    const int64_t big[] = {INT64_MAX, -1, 70000, 16777217};   /* wrap; round to nearest */
    const int32_t d4[] = {4};
    out = un(&c, &tflc_kernel_cast, I64, 1, d4, big);
    c.outs[0]->dtype = c.desc[1].dtype = I16;
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, (const int16_t[]){-1, -1, 4464, 1}, 4));
    oc_free(&c);
    out = un(&c, &tflc_kernel_cast, I64, 1, d4, big);
    c.outs[0]->dtype = c.desc[1].dtype = F32;
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){9.223372e18f, -1, 70000, 16777216}, 4));
    oc_free(&c);
    const float h[] = {1.0f / 3.0f, 65504, 65520, 1e-8f};   /* to float16 and back */
    out = un(&c, &tflc_kernel_cast, F32, 1, d4, h);
    c.outs[0]->dtype = c.desc[1].dtype = TFLC_FLOAT16;
    CHECK_OK(oc_run(&c));
    const uint16_t *hb = out->data;
    CHECK(hb[0] == 0x3555 && hb[1] == 0x7bff && hb[2] == 0x7c00 && hb[3] == 0x0000);
    oc_free(&c);
    const uint16_t halves[] = {0x3555, 0xfc00, 0x0001, 0x8000};
    out = un(&c, &tflc_kernel_cast, TFLC_FLOAT16, 1, d4, halves);
    c.outs[0]->dtype = c.desc[1].dtype = F32;
    CHECK_OK(oc_run(&c));
    CHECK(f32_eq(out, (const float[]){0.333251953125f, -INFINITY, 5.9604645e-8f, -0.0f}, 4));
    oc_free(&c);
    un(&c, &tflc_kernel_cast, TFLC_STRING, 1, d4, NULL);
    c.outs[0]->dtype = c.desc[1].dtype = F32;
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "casting string to float32");
}

/* ========================================================= registry == */

static void test_registry_math(void) {
    static const struct { int32_t code; const tflc_kernel *k; int32_t max; } all[] = {
        {MATH_OPC_ABS, &tflc_kernel_abs, 5}, {MATH_OPC_CAST, &tflc_kernel_cast, 7},
        {MATH_OPC_EQUAL, &tflc_kernel_equal, 4}, {MATH_OPC_EXP, &tflc_kernel_exp, 2},
        {MATH_OPC_GELU, &tflc_kernel_gelu, 2}, {MATH_OPC_HARD_SWISH, &tflc_kernel_hard_swish, 1},
        {MATH_OPC_LEAKY_RELU, &tflc_kernel_leaky_relu, 2}, {MATH_OPC_PRELU, &tflc_kernel_prelu, 1},
        {MATH_OPC_SELECT, &tflc_kernel_select, 4}, {MATH_OPC_SELECT_V2, &tflc_kernel_select_v2, 2},
        {MATH_OPC_SIGN, &tflc_kernel_sign, 2}, {MATH_OPC_ATAN2, &tflc_kernel_atan2, 1},
        {MATH_OPC_RELU_0_TO_1, &tflc_kernel_relu_0_to_1, 1},
        {MATH_OPC_LOG_SOFTMAX, &tflc_kernel_log_softmax, 2},
        {MATH_OPC_SQUARED_DIFFERENCE, &tflc_kernel_squared_difference, 2},
        {OPC_ADD, &tflc_kernel_add, 5}, {OPC_TANH, &tflc_kernel_tanh, 3},
    };
    for (size_t i = 0; i < N(all); i++) {
        const char *versions = "unset";
        const tflc_kernel *k = tflc_find_builtin_kernel(all[i].code, all[i].max, &versions);
        CHECK_MSG(k == all[i].k, "code %d", (int)all[i].code);
        CHECK(k && k->name && k->prepare && k->eval && k->params_size <= 4096);
        CHECK(tflc_find_builtin_kernel(all[i].code, all[i].max + 1, &versions) == NULL);
        CHECK(versions != NULL);
    }
}

/* ============================================================= main == */

static void run_tests(void) {
    TEST(test_fixed_point_helpers);
    TEST(test_lut16_lookup);
    TEST(test_float_overflow_clamps);
    TEST(test_float_fused_activations);
    TEST(test_integer_wrap);
    TEST(test_int32_div_and_errors);
    TEST(test_add_int8_simple);
    TEST(test_add_int8_rescale_broadcast);
    TEST(test_uint8_sub_mul);
    TEST(test_add_sub_int16);
    TEST(test_mul_int16);
    TEST(test_mul_int16_float_multiplier);
    TEST(test_div_int8);
    TEST(test_binary_math);
    TEST(test_integer_binary_math);
    TEST(test_squared_difference_int8);
    TEST(test_broadcast_random_ragged);
    TEST(test_select_v2_broadcast);
    TEST(test_broadcast_errors_and_empty);
    TEST(test_unary_float);
    TEST(test_unary_int);
    TEST(test_unary_quantized);
    TEST(test_exp_int16_table);
    TEST(test_unary_errors);
    TEST(test_activations_float);
    TEST(test_gelu_options);
    TEST(test_relu_quantized);
    TEST(test_activation_tables_int8);
    TEST(test_sigmoid_int16);
    TEST(test_leaky_relu_quantized);
    TEST(test_prelu);
    TEST(test_log_softmax);
    TEST(test_comparisons_float);
    TEST(test_comparisons_quantized);
    TEST(test_comparisons_bool_string_int);
    TEST(test_logical);
    TEST(test_select_v1);
    TEST(test_cast);
    TEST(test_registry_math);
}

TEST_MAIN()
