/*
 * f32_vunary_neon.c -- LOGISTIC, TANH, HARD_SWISH, GELU, swish and a SOFTMAX row on 4 floats
 * per q register (f32_vunary.h), the scalar config's operations lane by lane: separate
 * multiplies and adds (vmulq_f32 then vaddq_f32, never a fused multiply-add, so the bits
 * are LiteRT's), frintm for floor, the exponent built in the integer lanes. Every clamp and
 * test of the scalar code (a < b ? a : b and the like) is a compare and a select here:
 * NEON's fmax / fmin return NaN for a NaN operand and fmaxnm / fminnm the number, and
 * neither is the scalar ternary's answer in every case. The ragged end of a row goes
 * through a zero-padded copy. Built with -ffp-contract=off (cmake/kernels.cmake); without
 * NEON (another architecture) the file only reports that it has no config.
 */
#include "kernels/f32_vunary.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#include <string.h>

#define MUL vmulq_f32
#define ADD vaddq_f32
#define SUB vsubq_f32
#define SET1 vdupq_n_f32

/* a < b ? a : b and a > b ? a : b, the scalar ternaries: when either is NaN, b. */
static inline float32x4_t min_ab(float32x4_t a, float32x4_t b) {
    return vbslq_f32(vcltq_f32(a, b), a, b);
}

static inline float32x4_t max_ab(float32x4_t a, float32x4_t b) {
    return vbslq_f32(vcgtq_f32(a, b), a, b);
}

/* 2^k for integer lanes k in [-126, 127]: the exponent field alone. Other k build some
 * other bits (the adds wrap), which the callers replace. */
static inline float32x4_t pow2_4(int32x4_t k) {
    return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k, vdupq_n_s32(127)), 23));
}

/* Zero where mask is set. */
static inline float32x4_t zero_where(uint32x4_t mask, float32x4_t v) {
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(v), mask));
}

/* The scalar sigmoid_one: NaN lanes give x itself, lanes below -104 give +0. */
static inline float32x4_t sigmoid4(float32x4_t x) {
    const uint32x4_t nan = vmvnq_u32(vceqq_f32(x, x));
    const uint32x4_t zero = vcltq_f32(x, SET1(-104.0f));
    float32x4_t v = min_ab(SET1(16.6355324f), x);              /* 16.6 < x ? 16.6 : x */
    v = MUL(v, SET1(0.5f));
    const float32x4_t m = vrndmq_f32(ADD(MUL(v, SET1(1.44269504088896341f)), SET1(0.5f)));
    float32x4_t r = ADD(MUL(m, SET1(-0.693359375f)), v);
    r = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    const float32x4_t r2 = MUL(r, r);
    const float32x4_t p_even = ADD(MUL(r2, SET1(4.1898667812347412109375e-2f)),
                                   SET1(0.49999141693115234375f));
    const float32x4_t p_odd = ADD(MUL(r2, SET1(8.33471305668354034423828125e-3f)),
                                  SET1(0.16666877269744873046875f));
    const float32x4_t p_low = ADD(r, SET1(1.0f));
    float32x4_t p = ADD(MUL(r, p_odd), p_even);
    p = ADD(MUL(r2, p), p_low);
    /* m in [-75, 12] on the lanes kept. */
    float32x4_t e = MUL(p, pow2_4(vcvtq_s32_f32(m)));
    e = MUL(e, e);
    const float32x4_t y = vdivq_f32(e, ADD(SET1(1.0f), e));
    return vbslq_f32(nan, x, zero_where(zero, y));
}

/* The scalar tanh_one: x < -c ? -c : x, then c < v ? c : v (NaN stays). */
static inline float32x4_t tanh4(float32x4_t x) {
    const float32x4_t c = SET1(7.90738964080810547f), nc = SET1(-7.90738964080810547f);
    float32x4_t v = vbslq_f32(vcltq_f32(x, nc), nc, x);
    v = min_ab(c, v);
    const float32x4_t x2 = MUL(v, v), x3 = MUL(x2, v);
    float32x4_t p = ADD(MUL(x2, SET1(1.394553628e-08f)), SET1(2.102733560e-05f));
    p = ADD(MUL(x2, p), SET1(3.520756727e-03f));
    p = ADD(MUL(x2, p), SET1(1.340216100e-01f));
    float32x4_t q = ADD(MUL(x2, SET1(8.015776984e-07f)), SET1(3.326951409e-04f));
    q = ADD(MUL(x2, q), SET1(2.597254514e-02f));
    q = ADD(MUL(x2, q), SET1(4.673548340e-01f));
    q = ADD(MUL(x2, q), SET1(1.0f));
    p = ADD(MUL(x3, p), v);
    return vdivq_f32(p, q);
}

/* (x * (1/6)) * relu6(x + 3): 0 < r ? r : 0 gives 0 for a NaN r, then r < 6 ? r : 6. */
static inline float32x4_t hard_swish4(float32x4_t x) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    float32x4_t r = ADD(x, SET1(3.0f));
    r = vbslq_f32(vcltq_f32(zero, r), r, zero);
    r = min_ab(r, SET1(6.0f));
    return MUL(MUL(x, SET1(1.0f / 6.0f)), r);
}

/* The range reduction both exps share (Cephes' constants): m = floor(t log2(e) + 1/2) and
 * r = t - m ln 2 in two steps (ln 2 split in a high and a low part). */
static inline float32x4_t exp_reduce4(float32x4_t t, float32x4_t *r_out) {
    const float32x4_t m = vrndmq_f32(ADD(MUL(t, SET1(1.44269504088896341f)), SET1(0.5f)));
    const float32x4_t r = ADD(MUL(m, SET1(-0.693359375f)), t);
    *r_out = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    return m;
}

/* Eigen's pexp_float on t in [-121, -1] or NaN (the scalar exp_eigen): below -104 gives 0;
 * y * 2^m with m in [-150, -1] as (y * 2^b) * 2^(m - b), b = m >> 1 in [-75, -1]: the first
 * product is exact (normal), the second rounds once, as the scalar ldexpf does. */
static inline float32x4_t exp_eigen4(float32x4_t t) {
    const uint32x4_t nan = vmvnq_u32(vceqq_f32(t, t));
    const uint32x4_t zero = vcltq_f32(t, SET1(-104.0f));
    float32x4_t r;
    const float32x4_t m = exp_reduce4(t, &r);
    const float32x4_t r2 = MUL(r, r);
    float32x4_t p_even = ADD(MUL(r2, SET1(1.37449637986719608306884765625e-3f)),
                             SET1(4.166965186595916748046875e-2f));
    const float32x4_t p_odd = ADD(MUL(r2, SET1(8.36894474923610687255859375e-3f)),
                                  SET1(0.16666518151760101318359375f));
    p_even = ADD(MUL(r2, p_even), SET1(0.49999988079071044921875f));
    const float32x4_t p_low = ADD(r, SET1(1.0f));
    float32x4_t y = ADD(MUL(r, p_odd), p_even);
    y = ADD(MUL(r2, y), p_low);
    /* NaN and zeroed lanes may build any exponent here: they are replaced below. */
    const int32x4_t mi = vcvtq_s32_f32(m), b = vshrq_n_s32(mi, 1);
    const float32x4_t e = MUL(MUL(y, pow2_4(b)), pow2_4(vsubq_s32(mi, b)));
    return vbslq_f32(nan, t, zero_where(zero, e));
}

/* Horner, highest degree first, one multiply and one add per step. */
static inline float32x4_t horner4(float32x4_t x, const float *c, int deg) {
    float32x4_t r = SET1(c[0]);
    for (int i = 1; i <= deg; i++) r = ADD(MUL(r, x), SET1(c[i]));
    return r;
}

/* x*x - x2 exactly: Dekker's product through a Veltkamp split (|x| <= 11). */
static inline float32x4_t square_low4(float32x4_t x, float32x4_t x2) {
    const float32x4_t g = MUL(SET1(4097.0f), x);
    const float32x4_t hi = ADD(SUB(x, g), g), lo = SUB(x, hi);
    const float32x4_t t = ADD(ADD(SUB(MUL(hi, hi), x2), MUL(hi, lo)), MUL(lo, hi));
    return ADD(t, MUL(lo, lo));
}

/* Eigen's generic_fast_erfc<float> (the scalar erfc_one), both branches on every lane; a
 * NaN x (1 < x2 false) takes the small branch, as in the scalar code. */
static inline float32x4_t erfc4(float32x4_t x_in) {
    float32x4_t x = vbslq_f32(vcltq_f32(x_in, SET1(-11.0f)), SET1(-11.0f), x_in);
    x = min_ab(SET1(11.0f), x);                                /* 11 < x ? 11 : x */
    const float32x4_t x2 = MUL(x, x);
    const float32x4_t small = ADD(MUL(x, horner4(x2, vunary_erfc_alpha, 5)), SET1(1.0f));
    const uint32x4_t big = vcltq_f32(SET1(1.0f), x2);
    const float32x4_t e = exp_eigen4(vnegq_f32(x2));
    const float32x4_t z = SUB(e, MUL(e, square_low4(x, x2)));
    const float32x4_t q2 = vdivq_f32(SET1(1.0f), x2);
    const float32x4_t r = vdivq_f32(horner4(q2, vunary_erfc_gamma, 3),
                                    MUL(x, horner4(q2, vunary_erfc_delta, 4)));
    const uint32x4_t neg = vcltq_f32(x, vdupq_n_f32(0.0f));
    const float32x4_t two =                                    /* x < 0 ? 2 : 0 */
        vreinterpretq_f32_u32(vandq_u32(neg, vreinterpretq_u32_f32(SET1(2.0f))));
    return vbslq_f32(big, ADD(MUL(z, r), two), small);
}

static inline float32x4_t gelu4(float32x4_t x) {
    return MUL(MUL(SET1(0.5f), x), erfc4(MUL(x, SET1(-0.707106781186547524f))));
}

static inline float32x4_t gelu_tanh4(float32x4_t x) {
    const float32x4_t c3 = MUL(SET1(0.044715f), MUL(MUL(x, x), x));
    const float32x4_t u = MUL(SET1(0.797884560802865355f), ADD(x, c3));
    return MUL(MUL(SET1(0.5f), x), ADD(SET1(1.0f), tanh4(u)));
}

/* 16 floats a step (four independent q registers), then 4, then a zero-padded copy of the
 * last 1-3. */
#define VUNARY(name, f4)                                                                     \
    static void name(size_t n, const float *x, float *y) {                                   \
        size_t i = 0;                                                                        \
        for (; i + 16 <= n; i += 16) {                                                       \
            const float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + 4);                \
            const float32x4_t c = vld1q_f32(x + i + 8), d = vld1q_f32(x + i + 12);           \
            vst1q_f32(y + i, f4(a));                                                         \
            vst1q_f32(y + i + 4, f4(b));                                                     \
            vst1q_f32(y + i + 8, f4(c));                                                     \
            vst1q_f32(y + i + 12, f4(d));                                                    \
        }                                                                                    \
        for (; i + 4 <= n; i += 4) vst1q_f32(y + i, f4(vld1q_f32(x + i)));                   \
        if (i < n) {                                                                         \
            float tmp[4] = {0};                                                              \
            memcpy(tmp, x + i, (n - i) * sizeof(float));                                     \
            vst1q_f32(tmp, f4(vld1q_f32(tmp)));                                              \
            memcpy(y + i, tmp, (n - i) * sizeof(float));                                     \
        }                                                                                    \
    }
VUNARY(f32_vsigmoid_neon, sigmoid4)
VUNARY(f32_vtanh_neon, tanh4)
VUNARY(f32_vhard_swish_neon, hard_swish4)
VUNARY(f32_vgelu_neon, gelu4)
VUNARY(f32_vgelu_tanh_neon, gelu_tanh4)

/* x * sigmoid(x), then the MUL's clamp as f32_vbinary writes it, v < lo ? lo : (v > hi ?
 * hi : v): a NaN v passes. */
static inline float32x4_t swish4(float32x4_t x, float32x4_t lo, float32x4_t hi) {
    const float32x4_t v = MUL(x, sigmoid4(x));
    const float32x4_t r = vbslq_f32(vcgtq_f32(v, hi), hi, v);
    return vbslq_f32(vcltq_f32(v, lo), lo, r);
}

static void f32_vswish_neon(size_t n, const float *x, float lo_s, float hi_s, float *y) {
    const float32x4_t lo = SET1(lo_s), hi = SET1(hi_s);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const float32x4_t a = vld1q_f32(x + i), b = vld1q_f32(x + i + 4);
        const float32x4_t c = vld1q_f32(x + i + 8), d = vld1q_f32(x + i + 12);
        vst1q_f32(y + i, swish4(a, lo, hi));
        vst1q_f32(y + i + 4, swish4(b, lo, hi));
        vst1q_f32(y + i + 8, swish4(c, lo, hi));
        vst1q_f32(y + i + 12, swish4(d, lo, hi));
    }
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, swish4(vld1q_f32(x + i), lo, hi));
    if (i < n) {                                  /* ragged end: a zero-padded copy */
        float tmp[4] = {0};
        memcpy(tmp, x + i, (n - i) * sizeof(float));
        vst1q_f32(tmp, swish4(vld1q_f32(tmp), lo, hi));
        memcpy(y + i, tmp, (n - i) * sizeof(float));
    }
}

/* Cephes' expf for t <= 0 (the scalar exp_nonpositive): lanes below -87 give 0, NaN lanes
 * keep t. */
static inline float32x4_t exp_nonpositive4(float32x4_t t) {
    const uint32x4_t nan = vmvnq_u32(vceqq_f32(t, t));
    const uint32x4_t under = vcltq_f32(t, SET1(-87.0f));
    float32x4_t r;
    const float32x4_t m = exp_reduce4(t, &r);
    const float32x4_t r2 = MUL(r, r);
    float32x4_t p = ADD(MUL(SET1(1.9875691500e-4f), r), SET1(1.3981999507e-3f));
    p = ADD(MUL(p, r), SET1(8.3334519073e-3f));
    p = ADD(MUL(p, r), SET1(4.1665795894e-2f));
    p = ADD(MUL(p, r), SET1(1.6666665459e-1f));
    p = ADD(MUL(p, r), SET1(5.0000001201e-1f));
    const float32x4_t y = ADD(MUL(p, r2), ADD(r, SET1(1.0f)));
    /* 2^m: m in [-126, 0] on the lanes kept; the others may build any exponent. */
    const float32x4_t e = MUL(y, pow2_4(vcvtq_s32_f32(m)));
    return vbslq_f32(nan, t, zero_where(under, e));
}

/* e = exp((x - max) * beta) of four elements, stored to y and added into acc. */
static inline float32x4_t exp_store_add4(float32x4_t xv, float *y, float32x4_t max,
                                         float32x4_t beta, float32x4_t acc) {
    const float32x4_t e = exp_nonpositive4(MUL(SUB(xv, max), beta));
    vst1q_f32(y, e);
    return ADD(acc, e);
}

/* The scalar order: max by x > max ? x : max (a NaN x[0] stays, a later NaN is skipped;
 * which zero wins among equal zeros does not change any t = (x - max) * beta's exp); the
 * e's into sixteen partial sums, element i into lane i mod 16 (acc[k] holds lanes 4k..4k+3),
 * then lanes j + 8, j + 4, j + 2, j + 1 folded onto j; y = e * (1 / sum). */
static void f32_softmax_neon(size_t n, const float *x, float beta, float *y) {
    float32x4_t vmax = SET1(x[0]);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) vmax = max_ab(vld1q_f32(x + i), vmax);
    float lanes_max[4];
    vst1q_f32(lanes_max, vmax);
    float max = lanes_max[0];
    for (int l = 1; l < 4; l++) max = lanes_max[l] > max ? lanes_max[l] : max;
    for (; i < n; i++) max = x[i] > max ? x[i] : max;

    const float32x4_t vm = SET1(max), vbeta = SET1(beta);
    float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f),
                          vdupq_n_f32(0.0f)};
    i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 4; k++)
            acc[k] = exp_store_add4(vld1q_f32(x + i + 4 * k), y + i + 4 * k, vm, vbeta, acc[k]);
    int k = 0;
    for (; i + 4 <= n; i += 4, k++)
        acc[k] = exp_store_add4(vld1q_f32(x + i), y + i, vm, vbeta, acc[k]);
    if (i < n) {                  /* the last 1-3: a padded copy, the padding lanes add +0 */
        float tmp[4] = {0};
        memcpy(tmp, x + i, (n - i) * sizeof(float));
        const float32x4_t e = exp_nonpositive4(MUL(SUB(vld1q_f32(tmp), vm), vbeta));
        vst1q_f32(tmp, e);
        memcpy(y + i, tmp, (n - i) * sizeof(float));
        const uint32x4_t lanes = {0, 1, 2, 3};
        const uint32x4_t keep = vcltq_u32(lanes, vdupq_n_u32((uint32_t)(n - i)));
        acc[k] = ADD(acc[k], vreinterpretq_f32_u32(vandq_u32(keep, vreinterpretq_u32_f32(e))));
    }
    const float32x4_t s8a = ADD(acc[0], acc[2]), s8b = ADD(acc[1], acc[3]);
    const float32x4_t s4 = ADD(s8a, s8b);
    const float32x2_t s2 = vadd_f32(vget_low_f32(s4), vget_high_f32(s4));
    const float sum = vget_lane_f32(s2, 0) + vget_lane_f32(s2, 1);
    const float inv = 1.0f / sum;
    const float32x4_t vinv = SET1(inv);
    i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, MUL(vld1q_f32(y + i), vinv));
    for (; i < n; i++) y[i] = y[i] * inv;
}

static const tflc_f32_vunary_config neon_config = {
    .name = "f32_vunary_neon",
    .isa = TFLC_ISA_NEON,
    .sigmoid = f32_vsigmoid_neon,
    .tanh = f32_vtanh_neon,
    .hard_swish = f32_vhard_swish_neon,
    .softmax = f32_softmax_neon,
    .gelu = f32_vgelu_neon,
    .gelu_tanh = f32_vgelu_tanh_neon,
    .swish = f32_vswish_neon,
};

const tflc_f32_vunary_config *tflc_f32_vunary_config_neon(void) { return &neon_config; }

#else

const tflc_f32_vunary_config *tflc_f32_vunary_config_neon(void) { return NULL; }

#endif
