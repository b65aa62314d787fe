/*
 * test_x8_lut.c -- the byte table lookup (src/kernels/x8_lut.h) and the int8 / uint8
 * elementwise operators that evaluate through it.
 *
 *   - Every variant this CPU has (scalar; AVX-512 VBMI where present; NEON on aarch64,
 *     where a missing NEON config fails) against a plain loop, on random tables and inputs,
 *     lengths 0..300 (every tail of the 16-, 64- and 128-byte loops), out of place and in
 *     place; arrays end against a PROT_NONE page, so a read or write past the last byte
 *     faults. Then every byte value at every position of each length 0..70 (every path of
 *     each variant: the 64- and 16-byte steps and the ragged tail).
 *   - The operators on all 256 input bytes, for seeded random scales and zero points,
 *     against TFLite's recipe for each written out here from its definition: the RELU
 *     family and LEAKY_RELU (QuantizedReluX / the reference leaky kernel: rescale by a
 *     quantized multiplier, clamp), and LOGISTIC, TANH, ELU, GELU, EXP (LUTPopulate:
 *     dequantize, apply the float function, round half away from zero, add the zero point,
 *     clamp). Exact comparison.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/x8_lut.h"
#include "ops/math_common.h"
#include "guarded.h"
#include "test.h"
#include "op_harness.h"

/* ------------------------------------------------------------- helpers -- */

#define TEST_RNG_SEED 0x243F6A8885A308D3ull
#include "rng.h"

/* ------------------------------------------------------------- kernels -- */

/* On aarch64 with GCC or Clang the NEON file is always built for real (as in
 * isa_configs.h), so a NEON CPU without a NEON config means it compiled to its stub. */
#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define X8_LUT_WANT_NEON 1
#else
#define X8_LUT_WANT_NEON 0
#endif

static void test_configs(void) {
    const tflc_x8_lut_config *cfgs[4];
    const int n = tflc_x8_lut_configs(cfgs, 4);
    CHECK(n >= 1 && cfgs[0] == tflc_x8_lut_config_scalar());
    const tflc_x8_lut_config *neon = tflc_x8_lut_config_neon();
    const bool has_neon = tflc_cpu_info_get()->neon;
    if (X8_LUT_WANT_NEON && has_neon) CHECK_MSG(neon != NULL, "no NEON x8_lut config");
    if (neon) CHECK(neon->isa == TFLC_ISA_NEON && neon->lut != NULL);
    CHECK(n == 1 + (tflc_x8_lut_cpu_has_vbmi() ? 1 : 0) + (neon && has_neon ? 1 : 0));
    const tflc_x8_lut_config *best = tflc_x8_lut_config_get();
    CHECK(best != NULL);
    if (tflc_cpu_isa() == TFLC_ISA_SCALAR || tflc_cpu_isa() == TFLC_ISA_AVX2)
        CHECK(best == tflc_x8_lut_config_scalar());       /* TFLC_ISA=scalar picks it too */
    else CHECK(best == cfgs[n - 1]);
    if (tflc_cpu_isa() == TFLC_ISA_NEON && neon) CHECK(best == neon);
    fprintf(stderr, "x8_lut: %d variant(s), chosen %s\n", n, best->name);
}

static void test_variants_match_loop(void) {
    const tflc_x8_lut_config *cfgs[4];
    const int n_cfg = tflc_x8_lut_configs(cfgs, 4);
    uint8_t table[256], want[300];
    for (int v = 0; v < n_cfg; v++)
        for (size_t n = 0; n <= 300; n++) {
            for (int i = 0; i < 256; i++) table[i] = (uint8_t)rng_next();
            guarded in = guarded_alloc(n), out = guarded_alloc(n);
            for (size_t i = 0; i < n; i++) in.u8[i] = (uint8_t)rng_next();
            for (size_t i = 0; i < n; i++) want[i] = table[in.u8[i]];
            cfgs[v]->lut(n, in.u8, table, out.u8);
            CHECK_MSG(n == 0 || memcmp(out.u8, want, n) == 0, "%s, n = %zu", cfgs[v]->name, n);
            cfgs[v]->lut(n, in.u8, table, in.u8);                 /* in place */
            CHECK_MSG(n == 0 || memcmp(in.u8, want, n) == 0, "%s in place, n = %zu",
                      cfgs[v]->name, n);
            guarded_free(&in);
            guarded_free(&out);
        }
}

/* Every byte value at every position of a 64-byte vector (both halves of the table, the
 * top-bit blend). */
static void test_variants_every_byte(void) {
    const tflc_x8_lut_config *cfgs[4];
    const int n_cfg = tflc_x8_lut_configs(cfgs, 4);
    uint8_t table[256], in[256 + 64], out[256 + 64];
    for (int i = 0; i < 256; i++) table[i] = (uint8_t)(255 - i) ^ 0x5A;
    for (int v = 0; v < n_cfg; v++)
        for (int shift = 0; shift < 64; shift += 7) {
            for (int i = 0; i < 256 + 64; i++) in[i] = (uint8_t)(i + shift);
            cfgs[v]->lut(N(in), in, table, out);
            bool ok = true;
            for (size_t i = 0; i < N(in); i++) ok = ok && out[i] == table[in[i]];
            CHECK_MSG(ok, "%s, shift %d", cfgs[v]->name, shift);
        }
}

/* Each length 0..70 with every byte value at every position: start s runs over all 256 and
 * position i holds s + 37 i, out of place and in place, arrays against a guard page. */
static void test_variants_every_byte_every_length(void) {
    const tflc_x8_lut_config *cfgs[4];
    const int n_cfg = tflc_x8_lut_configs(cfgs, 4);
    uint8_t table[256], src[70];
    for (int i = 0; i < 256; i++) table[i] = (uint8_t)(i * 167 + 91);   /* a permutation */
    for (int v = 0; v < n_cfg; v++)
        for (size_t n = 0; n <= 70; n++) {
            guarded in = guarded_alloc(n), out = guarded_alloc(n);
            int bad = 0;
            for (int s = 0; s < 256; s++) {
                for (size_t i = 0; i < n; i++) src[i] = (uint8_t)((size_t)s + 37 * i);
                memcpy(in.u8, src, n);
                cfgs[v]->lut(n, in.u8, table, out.u8);
                cfgs[v]->lut(n, in.u8, table, in.u8);              /* in place */
                for (size_t i = 0; i < n; i++)
                    bad += (out.u8[i] != table[src[i]]) + (in.u8[i] != table[src[i]]);
            }
            CHECK_MSG(bad == 0, "%s, n = %zu: %d bytes differ", cfgs[v]->name, n, bad);
            guarded_free(&in);
            guarded_free(&out);
        }
}

/* ------------------------------------------------------------ operators -- */

typedef enum { K_RELU, K_RELU6, K_RELU_N1_TO_1, K_RELU_0_TO_1, K_LEAKY, K_LOGISTIC, K_TANH,
               K_ELU, K_GELU, K_GELU_APPROX, K_EXP, K_COUNT } op_kind;

static const char *const kind_names[K_COUNT] = {
    "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "LEAKY_RELU", "LOGISTIC", "TANH", "ELU",
    "GELU", "GELU(approximate)", "EXP",
};

static const tflc_kernel *kind_kernel(op_kind k) {
    switch (k) {
    case K_RELU: return &tflc_kernel_relu;
    case K_RELU6: return &tflc_kernel_relu6;
    case K_RELU_N1_TO_1: return &tflc_kernel_relu_n1_to_1;
    case K_RELU_0_TO_1: return &tflc_kernel_relu_0_to_1;
    case K_LEAKY: return &tflc_kernel_leaky_relu;
    case K_LOGISTIC: return &tflc_kernel_logistic;
    case K_TANH: return &tflc_kernel_tanh;
    case K_ELU: return &tflc_kernel_elu;
    case K_GELU: case K_GELU_APPROX: return &tflc_kernel_gelu;
    default: return &tflc_kernel_exp;
    }
}

static bool kind_takes(op_kind k, tflc_dtype d) {
    if (d == TFLC_INT8) return true;
    return k != K_ELU && k != K_EXP;                 /* int8 only */
}

/* QuantizedReluX: the activation's range on the output grid, clipped to the dtype; then
 * out_zp + (q - in_zp) * in/out, clamped. */
static int32_t want_relu(op_kind k, int32_t q, math_qparams in, math_qparams out, int32_t tmin,
                         int32_t tmax) {
    static const float bounds[][2] = {{0.0f, INFINITY}, {0.0f, 6.0f}, {-1.0f, 1.0f},
                                      {0.0f, 1.0f}};
    int32_t qlo = out.zero_point + (int32_t)roundf(bounds[k][0] / out.scale);
    int32_t qmin = qlo > tmin ? qlo : tmin, qmax = tmax;
    if (!isinf(bounds[k][1])) {
        int32_t qhi = out.zero_point + (int32_t)roundf(bounds[k][1] / out.scale);
        qmax = qhi < tmax ? qhi : tmax;
    }
    int32_t m = 0;
    int shift = 0;
    math_quantize_multiplier((double)(in.scale / out.scale), &m, &shift);
    int32_t v = out.zero_point + math_mbqm(q - in.zero_point, m, shift);
    return v < qmin ? qmin : v > qmax ? qmax : v;
}

/* The reference leaky kernel: identity multiplier for x >= 0, alpha's for x < 0 (a
 * negative alpha applied as -(|alpha| x)). */
static int32_t want_leaky(int32_t q, float alpha, math_qparams in, math_qparams out,
                          int32_t tmin, int32_t tmax) {
    int32_t m_id = 0, m_a = 0;
    int s_id = 0, s_a = 0;
    math_quantize_multiplier((double)(in.scale / out.scale), &m_id, &s_id);
    math_quantize_multiplier((double)(in.scale * alpha / out.scale), &m_a, &s_a);
    int32_t x = q - in.zero_point, v = out.zero_point;
    if (x >= 0) v += math_mbqm(x, m_id, s_id);
    else if (m_a < 0) v -= math_mbqm(x, m_a == INT32_MIN ? INT32_MAX : -m_a, s_a);
    else v += math_mbqm(x, m_a, s_a);
    return v < tmin ? tmin : v > tmax ? tmax : v;
}

/* TFLite's GELU forms, as its kernel writes them. */
static float gelu_f(float x, bool approximate) {
    if (!approximate) return 0.5f * x * erfcf(x * (float)(-0.70710678118654752440));
    const float k = (float)(1.12837916709551257390 * 0.70710678118654752440);
    return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
}

static float want_float_fn(op_kind k, float x) {
    switch (k) {
    case K_LOGISTIC: return 1.0f / (1.0f + expf(-x));
    case K_TANH: return tanhf(x);
    case K_ELU: return x < 0.0f ? expm1f(x) : x;
    case K_GELU: return gelu_f(x, false);
    case K_GELU_APPROX: return gelu_f(x, true);
    default: return expf(x);
    }
}

/* LUTPopulate: quantize(f(dequantize(q))), round half away from zero, in float. Its
 * static_cast to int32 of a value out of range (EXP of a large input) is undefined in C;
 * the library takes the reference platform's INT32_MIN (math_f32_to_i32), and so does this,
 * where a plain cast would give INT32_MIN on x86-64 and INT32_MAX on aarch64. */
static int32_t want_table(op_kind k, int32_t q, math_qparams in, math_qparams out, int32_t tmin,
                          int32_t tmax) {
    const float x = in.scale * (float)(q - in.zero_point);
    const float r = roundf(want_float_fn(k, x) * (1.0f / out.scale));
    const int32_t v = math_f32_to_i32(r + (float)out.zero_point);
    return v < tmin ? tmin : v > tmax ? tmax : v;
}

/* Output quantization each operator needs: LOGISTIC's is fixed at 1/256 from the bottom of
 * the range; the others are random. */
static math_qparams pick_out(op_kind k, tflc_dtype d) {
    math_qparams out;
    if (k == K_LOGISTIC) {
        out.scale = 1.0f / 256.0f;
        out.zero_point = d == TFLC_INT8 ? -128 : 0;
        return out;
    }
    out.scale = rng_uniform(0.002f, 0.08f);
    out.zero_point = (int32_t)(rng_next() % 200) - (d == TFLC_INT8 ? 100 : 0);
    return out;
}

/* One operator on a [4, 8, 8] tensor holding every byte value once: all 256 outputs. */
static void check_op(op_kind k, tflc_dtype d, math_qparams in, math_qparams out, float alpha) {
    static float sc_in, sc_out;
    static int64_t zp_in, zp_out;
    const int32_t dims[] = {4, 8, 8};
    const int32_t tmin = d == TFLC_INT8 ? INT8_MIN : 0, tmax = d == TFLC_INT8 ? INT8_MAX : 255;
    uint8_t x[256];
    for (int i = 0; i < 256; i++) x[i] = (uint8_t)(i * 97 + 13);   /* a permutation */
    sc_in = in.scale;
    sc_out = out.scale;
    zp_in = in.zero_point;
    zp_out = out.zero_point;
    opcase c;
    oc_init(&c, kind_kernel(k));
    if (k == K_LEAKY) {
        oc_options(&c, BO_LeakyRelu);
        opt_f32(&c, MATH_LEAKY_RELU_OPT_ALPHA, alpha);
    } else if (k == K_GELU || k == K_GELU_APPROX) {
        oc_options(&c, BO_Gelu);
        opt_i8(&c, MATH_GELU_OPT_APPROXIMATE, k == K_GELU_APPROX);
    }
    tflc_tensor *ti = oc_in(&c, d, 3, dims, x);
    oc_quant_per_tensor(&c, ti, &sc_in, &zp_in);
    tflc_tensor *to = oc_out(&c, d);
    oc_quant_per_tensor(&c, to, &sc_out, &zp_out);
    CHECK_OK(oc_run(&c));
    int bad = 0;
    for (int i = 0; i < 256; i++) {
        const int32_t q = d == TFLC_INT8 ? (int32_t)(int8_t)x[i] : (int32_t)x[i];
        const int32_t want = k <= K_RELU_0_TO_1 ? want_relu(k, q, in, out, tmin, tmax)
                           : k == K_LEAKY       ? want_leaky(q, alpha, in, out, tmin, tmax)
                                                : want_table(k, q, in, out, tmin, tmax);
        const uint8_t got = ((const uint8_t *)to->data)[i];
        const int32_t got_q = d == TFLC_INT8 ? (int32_t)(int8_t)got : (int32_t)got;
        if (got_q != want && bad++ < 3)
            fprintf(stderr, "  %s %s q=%d: got %d want %d (in %g/%d out %g/%d)\n",
                    kind_names[k], d == TFLC_INT8 ? "int8" : "uint8", (int)q, (int)got_q,
                    (int)want, (double)in.scale, (int)in.zero_point, (double)out.scale,
                    (int)out.zero_point);
    }
    CHECK_MSG(bad == 0, "%s: %d of 256 bytes differ", kind_names[k], bad);
    oc_free(&c);
}

static void test_ops_every_byte(void) {
    static const tflc_dtype dtypes[] = {TFLC_INT8, TFLC_UINT8};
    for (int k = 0; k < K_COUNT; k++)
        for (size_t di = 0; di < N(dtypes); di++) {
            const tflc_dtype d = dtypes[di];
            if (!kind_takes((op_kind)k, d)) continue;
            for (int trial = 0; trial < 6; trial++) {
                math_qparams in;
                in.scale = rng_uniform(0.005f, 0.12f);
                in.zero_point = (int32_t)(rng_next() % 256) - (d == TFLC_INT8 ? 128 : 0);
                const math_qparams out = pick_out((op_kind)k, d);
                const float alpha = trial % 2 ? rng_uniform(0.01f, 0.5f) : -rng_uniform(0.1f, 2);
                check_op((op_kind)k, d, in, out, alpha);
            }
        }
}

static void run_tests(void) {
    TEST(test_configs);
    TEST(test_variants_match_loop);
    TEST(test_variants_every_byte);
    TEST(test_variants_every_byte_every_length);
    TEST(test_ops_every_byte);
}

TEST_MAIN()
