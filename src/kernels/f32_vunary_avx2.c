/*
 * f32_vunary_avx2.c -- LOGISTIC, TANH, HARD_SWISH, GELU, swish and a SOFTMAX row on 8 floats
 * per ymm (f32_vunary.h), the scalar
 * config's operations lane by lane: separate multiplies and adds (no FMA, so the bits are
 * LiteRT's), a round-down for floor, the exponent built in the integer lanes. The ragged
 * end goes through a zero-padded copy. Built with -mavx2 (cmake/kernels.cmake, with
 * -ffp-contract=off); without it the file only reports that it has no config.
 */
#include "kernels/f32_vunary.h"

#if defined(__AVX2__)
#include <immintrin.h>
#include <string.h>

#define MUL _mm256_mul_ps
#define ADD _mm256_add_ps
#define SET1 _mm256_set1_ps

/* The min / max operand order keeps NaN: they return the second operand when either is
 * NaN. */
static inline __m256 sigmoid8(__m256 x) {
    const __m256 zero = _mm256_cmp_ps(x, SET1(-104.0f), _CMP_LT_OQ);
    __m256 v = _mm256_min_ps(SET1(16.6355324f), x);
    v = MUL(v, SET1(0.5f));
    const __m256 m = _mm256_floor_ps(ADD(MUL(v, SET1(1.44269504088896341f)), SET1(0.5f)));
    __m256 r = ADD(MUL(m, SET1(-0.693359375f)), v);
    r = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    const __m256 r2 = MUL(r, r);
    const __m256 p_even = ADD(MUL(r2, SET1(4.1898667812347412109375e-2f)),
                              SET1(0.49999141693115234375f));
    const __m256 p_odd = ADD(MUL(r2, SET1(8.33471305668354034423828125e-3f)),
                             SET1(0.16666877269744873046875f));
    const __m256 p_low = ADD(r, SET1(1.0f));
    __m256 p = ADD(MUL(r, p_odd), p_even);
    p = ADD(MUL(r2, p), p_low);
    /* 2^m: lanes below -104 (zeroed below) and NaN lanes (p is NaN) may build any exponent
     * here; the others have m in [-75, 12]. */
    const __m256i bits = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(m), _mm256_set1_epi32(127)), 23);
    __m256 e = MUL(p, _mm256_castsi256_ps(bits));
    e = MUL(e, e);
    const __m256 y = _mm256_div_ps(e, ADD(SET1(1.0f), e));
    return _mm256_andnot_ps(zero, y);
}

static inline __m256 tanh8(__m256 x) {
    const __m256 c = SET1(7.90738964080810547f);
    __m256 v = _mm256_max_ps(SET1(-7.90738964080810547f), x);
    v = _mm256_min_ps(c, v);
    const __m256 x2 = MUL(v, v), x3 = MUL(x2, v);
    __m256 p = ADD(MUL(x2, SET1(1.394553628e-08f)), SET1(2.102733560e-05f));
    p = ADD(MUL(x2, p), SET1(3.520756727e-03f));
    p = ADD(MUL(x2, p), SET1(1.340216100e-01f));
    __m256 q = ADD(MUL(x2, SET1(8.015776984e-07f)), SET1(3.326951409e-04f));
    q = ADD(MUL(x2, q), SET1(2.597254514e-02f));
    q = ADD(MUL(x2, q), SET1(4.673548340e-01f));
    q = ADD(MUL(x2, q), SET1(1.0f));
    p = ADD(MUL(x3, p), v);
    return _mm256_div_ps(p, q);
}

/* (x * (1/6)) * min(max(x + 3, 0), 6): max(r, 0) returns 0 for a NaN r, as the scalar
 * 0 < r ? r : 0 does. */
static inline __m256 hard_swish8(__m256 x) {
    __m256 r = _mm256_max_ps(ADD(x, SET1(3.0f)), _mm256_setzero_ps());
    r = _mm256_min_ps(r, SET1(6.0f));
    return MUL(MUL(x, SET1(1.0f / 6.0f)), r);
}

/* 2^k for integer lanes k in [-126, 127]. */
static inline __m256 pow2_8(__m256i k) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

/* Eigen's pexp_float on t in [-121, -1] or NaN (the scalar exp_eigen): below -104 gives 0;
 * y * 2^m with m in [-150, -1] as y * 2^b * 2^(m - b), b = floor(m / 2): the first
 * product is exact (normal), the second rounds once, as the scalar ldexpf. */
static inline __m256 exp_eigen8(__m256 t) {
    const __m256 zero = _mm256_cmp_ps(t, SET1(-104.0f), _CMP_LT_OQ);
    const __m256 m = _mm256_floor_ps(ADD(MUL(t, SET1(1.44269504088896341f)), SET1(0.5f)));
    __m256 r = ADD(MUL(m, SET1(-0.693359375f)), t);
    r = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    const __m256 r2 = MUL(r, r);
    __m256 p_even = ADD(MUL(r2, SET1(1.37449637986719608306884765625e-3f)),
                       SET1(4.166965186595916748046875e-2f));
    const __m256 p_odd = ADD(MUL(r2, SET1(8.36894474923610687255859375e-3f)),
                            SET1(0.16666518151760101318359375f));
    p_even = ADD(MUL(r2, p_even), SET1(0.49999988079071044921875f));
    const __m256 p_low = ADD(r, SET1(1.0f));
    __m256 y = ADD(MUL(r, p_odd), p_even);
    y = ADD(MUL(r2, y), p_low);
    /* NaN and zeroed lanes may build any exponent here: they are replaced below. */
    const __m256i mi = _mm256_cvtps_epi32(m), b = _mm256_srai_epi32(mi, 1);
    const __m256 e = MUL(MUL(y, pow2_8(b)), pow2_8(_mm256_sub_epi32(mi, b)));
    const __m256 nan = _mm256_cmp_ps(t, t, _CMP_UNORD_Q);
    return _mm256_blendv_ps(_mm256_andnot_ps(zero, e), t, nan);
}

/* Horner, highest degree first, one multiply and one add per step. */
static inline __m256 horner8(__m256 x, const float *c, int deg) {
    __m256 r = SET1(c[0]);
    for (int i = 1; i <= deg; i++) r = ADD(MUL(r, x), SET1(c[i]));
    return r;
}

/* x*x - x2 exactly: Dekker's product through a Veltkamp split (|x| <= 11). */
static inline __m256 square_low8(__m256 x, __m256 x2) {
    const __m256 g = MUL(SET1(4097.0f), x);
    const __m256 hi = ADD(_mm256_sub_ps(x, g), g), lo = _mm256_sub_ps(x, hi);
    const __m256 t = ADD(ADD(_mm256_sub_ps(MUL(hi, hi), x2), MUL(hi, lo)), MUL(lo, hi));
    return ADD(t, MUL(lo, lo));
}

/* Eigen's generic_fast_erfc<float> (the scalar erfc_one), both branches on every lane. */
static inline __m256 erfc8(__m256 x_in) {
    __m256 x = _mm256_max_ps(SET1(-11.0f), x_in);        /* NaN stays */
    x = _mm256_min_ps(SET1(11.0f), x);
    const __m256 x2 = MUL(x, x);
    const __m256 small = ADD(MUL(x, horner8(x2, vunary_erfc_alpha, 5)), SET1(1.0f));
    const __m256 big = _mm256_cmp_ps(SET1(1.0f), x2, _CMP_LT_OQ);
    const __m256 e = exp_eigen8(_mm256_sub_ps(_mm256_setzero_ps(), x2));
    const __m256 z = _mm256_sub_ps(e, MUL(e, square_low8(x, x2)));
    const __m256 q2 = _mm256_div_ps(SET1(1.0f), x2);
    const __m256 r = _mm256_div_ps(horner8(q2, vunary_erfc_gamma, 3),
                                  MUL(x, horner8(q2, vunary_erfc_delta, 4)));
    const __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 two = _mm256_and_ps(neg, SET1(2.0f));          /* x < 0 ? 2 : 0 */
    return _mm256_blendv_ps(small, ADD(MUL(z, r), two), big);
}

static inline __m256 gelu8(__m256 x) {
    return MUL(MUL(SET1(0.5f), x), erfc8(MUL(x, SET1(-0.707106781186547524f))));
}

static inline __m256 gelu_tanh8(__m256 x) {
    const __m256 c3 = MUL(SET1(0.044715f), MUL(MUL(x, x), x));
    const __m256 u = MUL(SET1(0.797884560802865355f), ADD(x, c3));
    return MUL(MUL(SET1(0.5f), x), ADD(SET1(1.0f), tanh8(u)));
}

#define VUNARY(name, f8)                                                                     \
    static void name(size_t n, const float *x, float *y) {                                   \
        size_t i = 0;                                                                        \
        for (; i + 16 <= n; i += 16) {                                                       \
            const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);        \
            _mm256_storeu_ps(y + i, f8(a));                                                  \
            _mm256_storeu_ps(y + i + 8, f8(b));                                              \
        }                                                                                    \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f8(_mm256_loadu_ps(x + i)));     \
        if (i < n) {                                                                         \
            float tmp[8] = {0};                                                              \
            memcpy(tmp, x + i, (n - i) * sizeof(float));                                     \
            _mm256_storeu_ps(tmp, f8(_mm256_loadu_ps(tmp)));                                 \
            memcpy(y + i, tmp, (n - i) * sizeof(float));                                     \
        }                                                                                    \
    }
VUNARY(f32_vsigmoid_avx2, sigmoid8)
VUNARY(f32_vtanh_avx2, tanh8)
VUNARY(f32_vhard_swish_avx2, hard_swish8)
VUNARY(f32_vgelu_avx2, gelu8)
VUNARY(f32_vgelu_tanh_avx2, gelu_tanh8)

/* x * sigmoid(x), then the MUL's clamp as f32_vbinary_avx2 writes it: max(lo, v) and
 * min(hi, .) return the NaN v (second operand), as the scalar clamp passes it. */
static inline __m256 swish8(__m256 x, __m256 lo, __m256 hi) {
    return _mm256_min_ps(hi, _mm256_max_ps(lo, MUL(x, sigmoid8(x))));
}

static void f32_vswish_avx2(size_t n, const float *x, float lo_s, float hi_s, float *y) {
    const __m256 lo = SET1(lo_s), hi = SET1(hi_s);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        _mm256_storeu_ps(y + i, swish8(a, lo, hi));
        _mm256_storeu_ps(y + i + 8, swish8(b, lo, hi));
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, swish8(_mm256_loadu_ps(x + i), lo, hi));
    if (i < n) {                                  /* ragged end: a zero-padded copy */
        float tmp[8] = {0};
        memcpy(tmp, x + i, (n - i) * sizeof(float));
        _mm256_storeu_ps(tmp, swish8(_mm256_loadu_ps(tmp), lo, hi));
        memcpy(y + i, tmp, (n - i) * sizeof(float));
    }
}

/* Cephes' expf for t <= 0 (f32_vunary.h, softmax): the scalar config's operations; lanes
 * below -87 give 0, NaN lanes keep t. */
static inline __m256 exp_nonpositive8(__m256 t) {
    const __m256 nan = _mm256_cmp_ps(t, t, _CMP_UNORD_Q);
    const __m256 under = _mm256_cmp_ps(t, SET1(-87.0f), _CMP_LT_OQ);
    const __m256 m = _mm256_floor_ps(ADD(MUL(t, SET1(1.44269504088896341f)), SET1(0.5f)));
    __m256 r = ADD(MUL(m, SET1(-0.693359375f)), t);
    r = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    const __m256 r2 = MUL(r, r);
    __m256 p = ADD(MUL(SET1(1.9875691500e-4f), r), SET1(1.3981999507e-3f));
    p = ADD(MUL(p, r), SET1(8.3334519073e-3f));
    p = ADD(MUL(p, r), SET1(4.1665795894e-2f));
    p = ADD(MUL(p, r), SET1(1.6666665459e-1f));
    p = ADD(MUL(p, r), SET1(5.0000001201e-1f));
    const __m256 y = ADD(MUL(p, r2), ADD(r, SET1(1.0f)));
    /* 2^m: m in [-126, 0] on the lanes kept; the others may build any exponent. */
    const __m256i bits = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(m), _mm256_set1_epi32(127)), 23);
    __m256 e = MUL(y, _mm256_castsi256_ps(bits));
    e = _mm256_andnot_ps(under, e);
    return _mm256_blendv_ps(e, t, nan);
}

/* Lanes [0, left) of 8 (all when left >= 8), as a maskload / maskstore mask. */
static inline __m256i tail_mask8(size_t left) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int k = left >= 8 ? 8 : (int)left;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), lane);
}

/* t = (x - max) * beta on the lanes of `mask`, e = exp(t) stored and added into acc. */
static inline __m256 exp_store_add8(const float *x, float *y, __m256 max, __m256 beta,
                                    __m256i mask, __m256 acc) {
    const __m256 t = MUL(_mm256_sub_ps(_mm256_maskload_ps(x, mask), max), beta);
    const __m256 e = _mm256_and_ps(exp_nonpositive8(t), _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(y, mask, e);
    return ADD(acc, e);      /* +0 on the lanes outside the mask: the sum is unchanged */
}

static void f32_softmax_avx2(size_t n, const float *x, float beta, float *y) {
    __m256 vmax = SET1(x[0]);
    for (size_t i = 0; i < n; i += 8) {
        const __m256i m = tail_mask8(n - i);
        vmax = _mm256_blendv_ps(vmax, _mm256_max_ps(vmax, _mm256_maskload_ps(x + i, m)),
                                _mm256_castsi256_ps(m));
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    const __m256 max = _mm256_broadcastss_ps(m4), vbeta = SET1(beta);
    /* Lanes 0-7 and 8-15 of the sixteen partial sums (f32_vunary.h). */
    __m256 acc_lo = _mm256_setzero_ps(), acc_hi = _mm256_setzero_ps();
    for (size_t i = 0; i < n; i += 16) {
        acc_lo = exp_store_add8(x + i, y + i, max, vbeta, tail_mask8(n - i), acc_lo);
        if (i + 8 < n)
            acc_hi = exp_store_add8(x + i + 8, y + i + 8, max, vbeta, tail_mask8(n - i - 8),
                                    acc_hi);
    }
    const __m256 s8 = ADD(acc_lo, acc_hi);
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    const float sum = _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
    const __m256 inv = SET1(1.0f / sum);
    for (size_t i = 0; i < n; i += 8) {
        const __m256i m = tail_mask8(n - i);
        _mm256_maskstore_ps(y + i, m, MUL(_mm256_maskload_ps(y + i, m), inv));
    }
}

static const tflc_f32_vunary_config avx2_config = {
    .name = "f32_vunary_avx2",
    .isa = TFLC_ISA_AVX2,
    .sigmoid = f32_vsigmoid_avx2,
    .tanh = f32_vtanh_avx2,
    .hard_swish = f32_vhard_swish_avx2,
    .softmax = f32_softmax_avx2,
    .gelu = f32_vgelu_avx2,
    .gelu_tanh = f32_vgelu_tanh_avx2,
    .swish = f32_vswish_avx2,
};

const tflc_f32_vunary_config *tflc_f32_vunary_config_avx2(void) { return &avx2_config; }

#else

const tflc_f32_vunary_config *tflc_f32_vunary_config_avx2(void) { return NULL; }

#endif
