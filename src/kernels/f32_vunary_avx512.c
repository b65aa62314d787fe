/*
 * f32_vunary_avx512.c -- LOGISTIC, TANH, HARD_SWISH, GELU, swish and a SOFTMAX row on 16 floats
 * per zmm (f32_vunary.h), the scalar
 * config's operations lane by lane: separate multiplies and adds (no FMA, so the bits are
 * LiteRT's), a round-down for floor, the exponent built in the integer lanes. The ragged
 * end runs masked. Built with -mavx512f (cmake/kernels.cmake, with -ffp-contract=off);
 * without it the file only reports that it has no config.
 */
#include "kernels/f32_vunary.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define MUL _mm512_mul_ps
#define ADD _mm512_add_ps
#define SET1 _mm512_set1_ps

/* The min / max operand order keeps NaN: they return the second operand when either is
 * NaN. */
static inline __m512 sigmoid16(__m512 x) {
    const __mmask16 zero = _mm512_cmp_ps_mask(x, SET1(-104.0f), _CMP_LT_OQ);
    __m512 v = _mm512_min_ps(SET1(16.6355324f), x);
    v = MUL(v, SET1(0.5f));
    const __m512 m = _mm512_roundscale_ps(ADD(MUL(v, SET1(1.44269504088896341f)), SET1(0.5f)),
                                          _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 r = ADD(MUL(m, SET1(-0.693359375f)), v);
    r = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    const __m512 r2 = MUL(r, r);
    const __m512 p_even = ADD(MUL(r2, SET1(4.1898667812347412109375e-2f)),
                              SET1(0.49999141693115234375f));
    const __m512 p_odd = ADD(MUL(r2, SET1(8.33471305668354034423828125e-3f)),
                             SET1(0.16666877269744873046875f));
    const __m512 p_low = ADD(r, SET1(1.0f));
    __m512 p = ADD(MUL(r, p_odd), p_even);
    p = ADD(MUL(r2, p), p_low);
    /* p * 2^m in one VSCALEFPS: m is in [-75, 12] on the lanes that count (below -104 they
     * are masked out below; NaN stays NaN), so p * 2^m is a normal float, exact, the same
     * value as the scalar code's multiply by the built power of two. */
    __m512 e = _mm512_scalef_ps(p, m);
    e = MUL(e, e);
    const __m512 y = _mm512_div_ps(e, ADD(SET1(1.0f), e));
    return _mm512_mask_mov_ps(y, zero, _mm512_setzero_ps());
}

static inline __m512 tanh16(__m512 x) {
    const __m512 c = SET1(7.90738964080810547f);
    __m512 v = _mm512_max_ps(SET1(-7.90738964080810547f), x);
    v = _mm512_min_ps(c, v);
    const __m512 x2 = MUL(v, v), x3 = MUL(x2, v);
    __m512 p = ADD(MUL(x2, SET1(1.394553628e-08f)), SET1(2.102733560e-05f));
    p = ADD(MUL(x2, p), SET1(3.520756727e-03f));
    p = ADD(MUL(x2, p), SET1(1.340216100e-01f));
    __m512 q = ADD(MUL(x2, SET1(8.015776984e-07f)), SET1(3.326951409e-04f));
    q = ADD(MUL(x2, q), SET1(2.597254514e-02f));
    q = ADD(MUL(x2, q), SET1(4.673548340e-01f));
    q = ADD(MUL(x2, q), SET1(1.0f));
    p = ADD(MUL(x3, p), v);
    return _mm512_div_ps(p, q);
}

/* (x * (1/6)) * min(max(x + 3, 0), 6): max(r, 0) returns 0 for a NaN r, as the scalar
 * 0 < r ? r : 0 does. */
static inline __m512 hard_swish16(__m512 x) {
    __m512 r = _mm512_max_ps(ADD(x, SET1(3.0f)), _mm512_setzero_ps());
    r = _mm512_min_ps(r, SET1(6.0f));
    return MUL(MUL(x, SET1(1.0f / 6.0f)), r);
}

/* 2^k for integer lanes k in [-126, 127]. */
static inline __m512 pow2_16(__m512i k) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
}

/* Eigen's pexp_float on t in [-121, -1] or NaN (the scalar exp_eigen): below -104 gives 0;
 * y * 2^m with m in [-150, -1] as y * 2^b * 2^(m - b), b = floor(m / 2): the first
 * product is exact (normal), the second rounds once, as the scalar ldexpf. */
static inline __m512 exp_eigen16(__m512 t) {
    const __mmask16 zero = _mm512_cmp_ps_mask(t, SET1(-104.0f), _CMP_LT_OQ);
    const __m512 m = _mm512_floor_ps(ADD(MUL(t, SET1(1.44269504088896341f)), SET1(0.5f)));
    __m512 r = ADD(MUL(m, SET1(-0.693359375f)), t);
    r = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    const __m512 r2 = MUL(r, r);
    __m512 p_even = ADD(MUL(r2, SET1(1.37449637986719608306884765625e-3f)),
                       SET1(4.166965186595916748046875e-2f));
    const __m512 p_odd = ADD(MUL(r2, SET1(8.36894474923610687255859375e-3f)),
                            SET1(0.16666518151760101318359375f));
    p_even = ADD(MUL(r2, p_even), SET1(0.49999988079071044921875f));
    const __m512 p_low = ADD(r, SET1(1.0f));
    __m512 y = ADD(MUL(r, p_odd), p_even);
    y = ADD(MUL(r2, y), p_low);
    /* NaN and zeroed lanes may build any exponent here: they are replaced below. */
    const __m512i mi = _mm512_cvtps_epi32(m), b = _mm512_srai_epi32(mi, 1);
    const __m512 e = MUL(MUL(y, pow2_16(b)), pow2_16(_mm512_sub_epi32(mi, b)));
    const __mmask16 nan = _mm512_cmp_ps_mask(t, t, _CMP_UNORD_Q);
    return _mm512_mask_blend_ps(nan, _mm512_maskz_mov_ps((__mmask16)~zero, e), t);
}

/* Horner, highest degree first, one multiply and one add per step. */
static inline __m512 horner16(__m512 x, const float *c, int deg) {
    __m512 r = SET1(c[0]);
    for (int i = 1; i <= deg; i++) r = ADD(MUL(r, x), SET1(c[i]));
    return r;
}

/* x*x - x2 exactly: Dekker's product through a Veltkamp split (|x| <= 11). */
static inline __m512 square_low16(__m512 x, __m512 x2) {
    const __m512 g = MUL(SET1(4097.0f), x);
    const __m512 hi = ADD(_mm512_sub_ps(x, g), g), lo = _mm512_sub_ps(x, hi);
    const __m512 t = ADD(ADD(_mm512_sub_ps(MUL(hi, hi), x2), MUL(hi, lo)), MUL(lo, hi));
    return ADD(t, MUL(lo, lo));
}

/* Eigen's generic_fast_erfc<float> (the scalar erfc_one) in three pieces, so that the costly
 * branch runs only on the lanes that take it (f32_vgelu_avx512): the argument clamped to
 * [-11, 11] (NaN stays), the polynomial for x * x <= 1 (NaN lands here), and the branch for
 * x * x > 1 through exp(-x * x) and two divisions. */
static inline __m512 erfc_arg16(__m512 x_in) {
    return _mm512_min_ps(SET1(11.0f), _mm512_max_ps(SET1(-11.0f), x_in));
}

static inline __m512 erfc_small16(__m512 x) {
    return ADD(MUL(x, horner16(MUL(x, x), vunary_erfc_alpha, 5)), SET1(1.0f));
}

static inline __mmask16 erfc_is_big16(__m512 x) {
    return _mm512_cmp_ps_mask(SET1(1.0f), MUL(x, x), _CMP_LT_OQ);
}

static inline __m512 erfc_big16(__m512 x) {
    const __m512 x2 = MUL(x, x);
    const __m512 e = exp_eigen16(_mm512_sub_ps(_mm512_setzero_ps(), x2));
    const __m512 z = _mm512_sub_ps(e, MUL(e, square_low16(x, x2)));
    const __m512 q2 = _mm512_div_ps(SET1(1.0f), x2);
    const __m512 r = _mm512_div_ps(horner16(q2, vunary_erfc_gamma, 3),
                                  MUL(x, horner16(q2, vunary_erfc_delta, 4)));
    const __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    const __m512 two = _mm512_maskz_mov_ps(neg, SET1(2.0f));     /* x < 0 ? 2 : 0 */
    return ADD(MUL(z, r), two);
}

static inline __m512 gelu_tanh16(__m512 x) {
    const __m512 c3 = MUL(SET1(0.044715f), MUL(MUL(x, x), x));
    const __m512 u = MUL(SET1(0.797884560802865355f), ADD(x, c3));
    return MUL(MUL(SET1(0.5f), x), ADD(SET1(1.0f), tanh16(u)));
}

#define VUNARY(name, f16)                                                                    \
    static void name(size_t n, const float *x, float *y) {                                   \
        size_t i = 0;                                                                        \
        for (; i + 32 <= n; i += 32) {                                                       \
            const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);       \
            _mm512_storeu_ps(y + i, f16(a));                                                 \
            _mm512_storeu_ps(y + i + 16, f16(b));                                            \
        }                                                                                    \
        for (; i < n; i += 16) {                                                             \
            const __mmask16 m =                                                              \
                (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);                   \
            _mm512_mask_storeu_ps(y + i, m, f16(_mm512_maskz_loadu_ps(m, x + i)));          \
        }                                                                                    \
    }
VUNARY(f32_vsigmoid_avx512, sigmoid16)
VUNARY(f32_vtanh_avx512, tanh16)
VUNARY(f32_vhard_swish_avx512, hard_swish16)
VUNARY(f32_vgelu_tanh_avx512, gelu_tanh16)

/* GELU, (0.5 x) erfc(x * -1/sqrt2), in chunks of GELU_VECS vectors: the cheap branch of erfc
 * on every lane, the x * x > 1 lanes' arguments packed (VCOMPRESSPS) into whole vectors for
 * the costly branch, its results put back in place (VEXPANDPS), both in registers (their
 * memory forms are microcoded on Zen 4: 1.6x slower than no packing). Every lane gets the same
 * operations as with both branches computed everywhere, so the same bits; computing both on
 * every lane took 1 ns per element (the Transformer block's [1,128,1024] GELU: 131 us). */
#define GELU_VECS 16

static void f32_vgelu_avx512(size_t n, const float *x, float *y) {
    /* big: a whole vector past the last packed lane, for the store of the compressed
     * registers (their tail lanes zero) and the last expand's load. */
    float half_x[GELU_VECS * 16], erfc[GELU_VECS * 16], big[GELU_VECS * 16 + 16];
    __mmask16 big_lanes[GELU_VECS];
    for (size_t i0 = 0; i0 < n; i0 += GELU_VECS * 16) {
        const size_t len = n - i0 < GELU_VECS * 16 ? n - i0 : GELU_VECS * 16;
        const size_t vecs = (len + 15) / 16;
        size_t n_big = 0;
        for (size_t v = 0; v < vecs; v++) {
            const size_t left = len - v * 16;
            const __mmask16 m = (__mmask16)(left >= 16 ? 0xFFFFu : (1u << left) - 1u);
            const __m512 xv = _mm512_maskz_loadu_ps(m, x + i0 + v * 16);
            const __m512 a = erfc_arg16(MUL(xv, SET1(-0.707106781186547524f)));
            _mm512_storeu_ps(half_x + v * 16, MUL(SET1(0.5f), xv));
            _mm512_storeu_ps(erfc + v * 16, erfc_small16(a));
            big_lanes[v] = erfc_is_big16(a) & m;
            _mm512_storeu_ps(big + n_big, _mm512_maskz_compress_ps(big_lanes[v], a));
            n_big += (size_t)__builtin_popcount(big_lanes[v]);
        }
        for (size_t j = 0; j < n_big; j += 16)
            _mm512_storeu_ps(big + j, erfc_big16(_mm512_loadu_ps(big + j)));
        size_t at = 0;
        for (size_t v = 0; v < vecs; v++) {
            const size_t left = len - v * 16;
            const __mmask16 m = (__mmask16)(left >= 16 ? 0xFFFFu : (1u << left) - 1u);
            const __m512 e = _mm512_mask_expand_ps(_mm512_loadu_ps(erfc + v * 16), big_lanes[v],
                                                   _mm512_loadu_ps(big + at));
            at += (size_t)__builtin_popcount(big_lanes[v]);
            _mm512_mask_storeu_ps(y + i0 + v * 16, m, MUL(_mm512_loadu_ps(half_x + v * 16), e));
        }
    }
}

/* x * sigmoid(x), then the MUL's clamp as f32_vbinary_avx512 writes it: max(lo, v) and
 * min(hi, .) return the NaN v (second operand), as the scalar clamp passes it. */
static inline __m512 swish16(__m512 x, __m512 lo, __m512 hi) {
    return _mm512_min_ps(hi, _mm512_max_ps(lo, MUL(x, sigmoid16(x))));
}

static void f32_vswish_avx512(size_t n, const float *x, float lo_s, float hi_s, float *y) {
    const __m512 lo = SET1(lo_s), hi = SET1(hi_s);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 a = _mm512_loadu_ps(x + i), b = _mm512_loadu_ps(x + i + 16);
        _mm512_storeu_ps(y + i, swish16(a, lo, hi));
        _mm512_storeu_ps(y + i + 16, swish16(b, lo, hi));
    }
    for (; i < n; i += 16) {
        const __mmask16 m = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, swish16(_mm512_maskz_loadu_ps(m, x + i), lo, hi));
    }
}

/* Cephes' expf for t <= 0 (f32_vunary.h, softmax): the scalar config's operations; lanes
 * below -87 give 0, NaN lanes keep t. */
static inline __m512 exp_nonpositive16(__m512 t) {
    const __mmask16 nan = _mm512_cmp_ps_mask(t, t, _CMP_UNORD_Q);
    const __mmask16 under = _mm512_cmp_ps_mask(t, SET1(-87.0f), _CMP_LT_OQ);
    const __m512 m = _mm512_roundscale_ps(ADD(MUL(t, SET1(1.44269504088896341f)), SET1(0.5f)),
                                          _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 r = ADD(MUL(m, SET1(-0.693359375f)), t);
    r = ADD(MUL(m, SET1(2.12194440e-4f)), r);
    const __m512 r2 = MUL(r, r);
    __m512 p = ADD(MUL(SET1(1.9875691500e-4f), r), SET1(1.3981999507e-3f));
    p = ADD(MUL(p, r), SET1(8.3334519073e-3f));
    p = ADD(MUL(p, r), SET1(4.1665795894e-2f));
    p = ADD(MUL(p, r), SET1(1.6666665459e-1f));
    p = ADD(MUL(p, r), SET1(5.0000001201e-1f));
    const __m512 y = ADD(MUL(p, r2), ADD(r, SET1(1.0f)));
    /* 2^m: m in [-126, 0] on the lanes kept; the others may build any exponent. */
    const __m512i bits = _mm512_slli_epi32(
        _mm512_add_epi32(_mm512_cvtps_epi32(m), _mm512_set1_epi32(127)), 23);
    __m512 e = MUL(y, _mm512_castsi512_ps(bits));
    e = _mm512_mask_mov_ps(e, under, _mm512_setzero_ps());
    return _mm512_mask_mov_ps(e, nan, t);
}

static inline __mmask16 tail_mask16(size_t left) {
    return (__mmask16)(left >= 16 ? 0xFFFFu : (1u << left) - 1u);
}

/* Sixteen lanes folded j + 8, + 4, + 2, + 1 onto j (f32_vunary.h). */
static inline float fold16(__m512 acc) {
    const __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(acc), _mm512_extractf32x8_ps(acc, 1));
    const __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    const __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

/* R rows of n at x (row stride n) into y, each row's operations those of the one-row
 * kernel; R is a constant after inlining. One row's passes are chains of dependent
 * operations (the maximum, then every exponential into one sum, then the division): the
 * Transformer block's [1,4,128,128] SOFTMAX took about 218 cycles a row of 128 against
 * about 140 of work. Two rows interleaved give the core two chains to overlap. */
static inline __attribute__((always_inline)) void softmax_rows16(const int R, size_t n,
                                                                const float *x, float beta,
                                                                float *y) {
    __m512 vmax[2], max[2], acc[2], inv[2];
    const __m512 vbeta = SET1(beta);
    for (int r = 0; r < R; r++) vmax[r] = SET1(x[(size_t)r * n]);
    for (size_t i = 0; i < n; i += 16) {   /* lanes past the row keep vmax, not a zero */
        const __mmask16 m = tail_mask16(n - i);
        for (int r = 0; r < R; r++)
            vmax[r] = _mm512_mask_max_ps(vmax[r], m, vmax[r],
                                         _mm512_maskz_loadu_ps(m, x + (size_t)r * n + i));
    }
    for (int r = 0; r < R; r++) {
        max[r] = SET1(_mm512_reduce_max_ps(vmax[r]));
        acc[r] = _mm512_setzero_ps();
    }
    for (size_t i = 0; i < n; i += 16) {        /* element i into lane i mod 16 */
        const __mmask16 m = tail_mask16(n - i);
        for (int r = 0; r < R; r++) {
            const size_t o = (size_t)r * n + i;
            const __m512 t = MUL(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + o), max[r]), vbeta);
            const __m512 e = exp_nonpositive16(t);
            _mm512_mask_storeu_ps(y + o, m, e);
            acc[r] = _mm512_mask_add_ps(acc[r], m, acc[r], e);
        }
    }
    for (int r = 0; r < R; r++) inv[r] = SET1(1.0f / fold16(acc[r]));
    for (size_t i = 0; i < n; i += 16) {
        const __mmask16 m = tail_mask16(n - i);
        for (int r = 0; r < R; r++) {
            const size_t o = (size_t)r * n + i;
            _mm512_mask_storeu_ps(y + o, m, MUL(_mm512_maskz_loadu_ps(m, y + o), inv[r]));
        }
    }
}

static void f32_softmax_avx512(size_t n, const float *x, float beta, float *y) {
    softmax_rows16(1, n, x, beta, y);
}

static void f32_softmax2_avx512(size_t n, const float *x, float beta, float *y) {
    softmax_rows16(2, n, x, beta, y);
}

static const tflc_f32_vunary_config avx512_config = {
    .name = "f32_vunary_avx512",
    .isa = TFLC_ISA_AVX512,
    .sigmoid = f32_vsigmoid_avx512,
    .tanh = f32_vtanh_avx512,
    .hard_swish = f32_vhard_swish_avx512,
    .softmax = f32_softmax_avx512,
    .softmax2 = f32_softmax2_avx512,
    .gelu = f32_vgelu_avx512,
    .gelu_tanh = f32_vgelu_tanh_avx512,
    .swish = f32_vswish_avx512,
};

const tflc_f32_vunary_config *tflc_f32_vunary_config_avx512(void) { return &avx512_config; }

#else

const tflc_f32_vunary_config *tflc_f32_vunary_config_avx512(void) { return NULL; }

#endif
