/*
 * f32_vunary_scalar.c -- the portable LOGISTIC and TANH (f32_vunary.h): Eigen's packet
 * algorithms written one float at a time, the specification the SIMD configs are tested
 * against; and the choice of config. Built without FMA contraction (-std=c11, and
 * -ffp-contract=off in cmake/kernels.cmake): every a*b + c below is two roundings, as in
 * Eigen's non-FMA pmadd.
 */
#include "kernels/f32_vunary.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* 2^m for an integer m in [-126, 127]: the exponent field alone. */
static inline float exp2_int(int32_t m) {
    const uint32_t bits = (uint32_t)(m + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Eigen's scalar_logistic_op<float>::packetOp. */
static inline float sigmoid_one(float x) {
    if (x != x) return x;                          /* NaN flows through Eigen's arithmetic */
    if (x < -104.0f) return 0.0f;                  /* Eigen's zero_mask (and -inf) */
    float v = 16.6355324f < x ? 16.6355324f : x;   /* pmin(x, cst_exp_hi) */
    v = v * 0.5f;                                  /* exp(x) = exp(x/2)^2 */
    const float m = floorf(v * 1.44269504088896341f + 0.5f);   /* in [-75, 12] */
    float r = m * -0.693359375f + v;
    r = m * 2.12194440e-4f + r;
    const float r2 = r * r;
    const float p_even = r2 * 4.1898667812347412109375e-2f + 0.49999141693115234375f;
    const float p_odd = r2 * 8.33471305668354034423828125e-3f + 0.16666877269744873046875f;
    const float p_low = r + 1.0f;
    float p = r * p_odd + p_even;
    p = r2 * p + p_low;
    float e = p * exp2_int((int32_t)m);
    e = e * e;
    return e / (1.0f + e);
}

/* Eigen's ptanh_float (non-FMA clamp). */
static inline float tanh_one(float x) {
    const float clamp = 7.90738964080810547f;
    float v = x < -clamp ? -clamp : x;             /* pmax(x, -c): NaN stays */
    v = clamp < v ? clamp : v;                     /* pmin(v, c) */
    const float x2 = v * v, x3 = x2 * v;
    float p = x2 * 1.394553628e-08f + 2.102733560e-05f;
    p = x2 * p + 3.520756727e-03f;
    p = x2 * p + 1.340216100e-01f;
    float q = x2 * 8.015776984e-07f + 3.326951409e-04f;
    q = x2 * q + 2.597254514e-02f;
    q = x2 * q + 4.673548340e-01f;
    q = x2 * q + 1.0f;
    p = x3 * p + v;
    return p / q;
}

/* Eigen's generic_fast_erfc<float> (f32_vunary.h, gelu), non-FMA: x clamped to +-11;
 * |x| <= 1: 1 + x S(x^2); else exp(-x^2) (1 - lo(x^2)) P(1/x^2) / (x Q(1/x^2)) (+ 2 for
 * x < 0), with lo(x^2) = x*x - fl(x*x) exact (Dekker's product through a Veltkamp split)
 * and Eigen's pexp_float. */
/* Horner from c[0] (highest degree), one multiply and one add per step. */
static inline float horner(float x, const float *c, int deg) {
    float r = c[0];
    for (int i = 1; i <= deg; i++) r = r * x + c[i];
    return r;
}

/* x*x - fl(x*x), exactly (|x| <= 11: nothing overflows or underflows). */
static inline float square_low(float x, float x2) {
    const float g = 4097.0f * x;
    const float hi = (x - g) + g, lo = x - hi;
    return ((hi * hi - x2) + hi * lo + lo * hi) + lo * lo;
}

/* Eigen's pexp_float (6th-order polynomial) for t in [-121, -1] or NaN. */
static inline float exp_eigen(float t) {
    if (t != t) return t;
    if (t < -104.0f) return 0.0f;
    const float m = floorf(t * 1.44269504088896341f + 0.5f);      /* in [-150, -1] */
    float r = m * -0.693359375f + t;
    r = m * 2.12194440e-4f + r;
    const float r2 = r * r;
    float p_even = r2 * 1.37449637986719608306884765625e-3f + 4.166965186595916748046875e-2f;
    const float p_odd = r2 * 8.36894474923610687255859375e-3f + 0.16666518151760101318359375f;
    p_even = r2 * p_even + 0.49999988079071044921875f;
    const float p_low = r + 1.0f;
    float y = r * p_odd + p_even;
    y = r2 * y + p_low;
    return ldexpf(y, (int)m);                      /* one rounding, as Eigen's pldexp */
}

static inline float erfc_one(float x_in) {
    float x = x_in < -11.0f ? -11.0f : x_in;       /* NaN stays */
    x = 11.0f < x ? 11.0f : x;
    const float x2 = x * x;
    const float small = x * horner(x2, vunary_erfc_alpha, 5) + 1.0f;
    if (!(1.0f < x2)) return small;
    const float e = exp_eigen(-x2);
    const float z = e - e * square_low(x, x2);
    const float q2 = 1.0f / x2;
    const float r = horner(q2, vunary_erfc_gamma, 3) / (x * horner(q2, vunary_erfc_delta, 4));
    return z * r + (x < 0.0f ? 2.0f : 0.0f);
}

/* LiteRT's GELU: (0.5 x) erfc(x * -1/sqrt2); tanh form (0.5 x) (1 + tanh(k (x + c x^3)))
 * with x^3 = (x x) x and Eigen's tanh. */
static inline float gelu_one(float x) {
    return (0.5f * x) * erfc_one(x * -0.707106781186547524f);
}

static inline float gelu_tanh_one(float x) {
    const float k = 0.797884560802865355f;         /* sqrt(2/pi) as float */
    const float u = k * (x + 0.044715f * ((x * x) * x));
    return (0.5f * x) * (1.0f + tanh_one(u));
}

static void f32_vgelu_scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = gelu_one(x[i]);
}

static void f32_vgelu_tanh_scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = gelu_tanh_one(x[i]);
}

static void f32_vsigmoid_scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = sigmoid_one(x[i]);
}

/* The fused LOGISTIC(x) -> s; MUL(x, s): f32_vbinary_scalar's product and clamp on s. */
static void f32_vswish_scalar(size_t n, const float *x, float lo, float hi, float *y) {
    for (size_t i = 0; i < n; i++) {
        const float v = x[i] * sigmoid_one(x[i]);
        y[i] = v < lo ? lo : (v > hi ? hi : v);
    }
}

static void f32_vtanh_scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = tanh_one(x[i]);
}

/* LiteRT's builtin HARD_SWISH order: (x * (1/6)) * relu6(x + 3). */
static inline float hard_swish_one(float x) {
    float r = x + 3.0f;
    r = 0.0f < r ? r : 0.0f;                       /* std::max(0, x + 3): NaN gives 0 */
    r = r < 6.0f ? r : 6.0f;
    return (x * (1.0f / 6.0f)) * r;
}

static void f32_vhard_swish_scalar(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = hard_swish_one(x[i]);
}

/* Cephes' expf for t <= 0 (f32_vunary.h, softmax): 0 below -87, NaN kept. */
static inline float exp_nonpositive(float t) {
    if (t != t) return t;
    if (t < -87.0f) return 0.0f;
    const float m = floorf(t * 1.44269504088896341f + 0.5f);     /* in [-126, 0] */
    float r = m * -0.693359375f + t;
    r = m * 2.12194440e-4f + r;
    const float r2 = r * r;
    float p = 1.9875691500e-4f * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * r2 + (r + 1.0f);
    return y * exp2_int((int32_t)m);
}

/* The fixed summation order: lane i mod 16, then folded j + 8, + 4, + 2, + 1 onto j. */
static void f32_softmax_scalar(size_t n, const float *x, float beta, float *y) {
    float max = x[0];
    for (size_t i = 1; i < n; i++) max = x[i] > max ? x[i] : max;
    float lane[16] = {0};
    for (size_t i = 0; i < n; i++) {
        const float e = exp_nonpositive((x[i] - max) * beta);
        y[i] = e;
        lane[i % 16] += e;
    }
    for (int w = 8; w >= 1; w /= 2)
        for (int j = 0; j < w; j++) lane[j] += lane[j + w];
    const float inv = 1.0f / lane[0];
    for (size_t i = 0; i < n; i++) y[i] = y[i] * inv;
}

static const tflc_f32_vunary_config scalar_config = {
    .name = "f32_vunary_scalar",
    .isa = TFLC_ISA_SCALAR,
    .sigmoid = f32_vsigmoid_scalar,
    .tanh = f32_vtanh_scalar,
    .hard_swish = f32_vhard_swish_scalar,
    .softmax = f32_softmax_scalar,
    .gelu = f32_vgelu_scalar,
    .gelu_tanh = f32_vgelu_tanh_scalar,
    .swish = f32_vswish_scalar,
};

const tflc_f32_vunary_config *tflc_f32_vunary_config_scalar(void) { return &scalar_config; }

/* ------------------------------------------------------------------ config -- */

const tflc_f32_vunary_config *tflc_f32_vunary_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_f32_vunary_config_scalar();
    case TFLC_ISA_AVX2: return tflc_f32_vunary_config_avx2();
    case TFLC_ISA_AVX512: return tflc_f32_vunary_config_avx512();
    case TFLC_ISA_NEON: return tflc_f32_vunary_config_neon();
    default: return NULL;
    }
}

static const tflc_f32_vunary_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void choose_config(void) {
    for (int isa = (int)tflc_cpu_isa(); isa >= 0 && !best_config; isa--)
        best_config = tflc_f32_vunary_config_for((tflc_isa)isa);
    if (!best_config) best_config = &scalar_config;
}

const tflc_f32_vunary_config *tflc_f32_vunary_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}
