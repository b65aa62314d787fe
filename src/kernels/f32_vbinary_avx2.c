/*
 * f32_vbinary_avx2.c -- ADD / SUB / MUL / DIV on 8 floats per ymm (f32_vbinary.h), the
 * ragged end through maskload / maskstore. The clamp is min(max, max(min, v)): max/min
 * return their second operand when either is NaN or both are zeros, which is the
 * reference's v < min ? min : (v > max ? max : v) bit for bit. Built with -mavx2
 * (cmake/kernels.cmake); without it the file only reports that it has no config.
 */
#include "kernels/f32_vbinary.h"

#if defined(__AVX2__)
#include <immintrin.h>

static inline __m256 apply(const int op, __m256 a, __m256 b) {
    switch (op) {
    case TFLC_VBINARY_ADD: return _mm256_add_ps(a, b);
    case TFLC_VBINARY_SUB: return _mm256_sub_ps(a, b);
    case TFLC_VBINARY_MUL: return _mm256_mul_ps(a, b);
    case TFLC_VBINARY_SQDIFF: { const __m256 d = _mm256_sub_ps(a, b); return _mm256_mul_ps(d, d); }
    default: return _mm256_div_ps(a, b);
    }
}

/* Lanes of a and b for the form: a broadcast scalar for the S side. */
static inline __m256 side(const int scalar, const float *p, size_t i, __m256 s) {
    return scalar ? s : _mm256_loadu_ps(p + i);
}

static inline __m256 side_masked(const int scalar, const float *p, size_t i, __m256i m,
                                 __m256 s) {
    return scalar ? s : _mm256_maskload_ps(p + i, m);
}

static inline __attribute__((always_inline)) void vbinary(const int op, const int form,
                                                          size_t n, const float *a,
                                                          const float *b, float *y,
                                                          float min, float max) {
    const int sa = form == TFLC_VBINARY_SV, sb = form == TFLC_VBINARY_VS;
    const __m256 va = sa ? _mm256_set1_ps(a[0]) : _mm256_setzero_ps();
    const __m256 vb = sb ? _mm256_set1_ps(b[0]) : _mm256_setzero_ps();
    const __m256 lo = _mm256_set1_ps(min), hi = _mm256_set1_ps(max);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 v0 = apply(op, side(sa, a, i, va), side(sb, b, i, vb));
        __m256 v1 = apply(op, side(sa, a, i + 8, va), side(sb, b, i + 8, vb));
        _mm256_storeu_ps(y + i, _mm256_min_ps(hi, _mm256_max_ps(lo, v0)));
        _mm256_storeu_ps(y + i + 8, _mm256_min_ps(hi, _mm256_max_ps(lo, v1)));
    }
    for (; i + 8 <= n; i += 8) {
        __m256 v = apply(op, side(sa, a, i, va), side(sb, b, i, vb));
        _mm256_storeu_ps(y + i, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));
    }
    if (i < n) {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - i)),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 v = apply(op, side_masked(sa, a, i, m, va), side_masked(sb, b, i, m, vb));
        _mm256_maskstore_ps(y + i, m, _mm256_min_ps(hi, _mm256_max_ps(lo, v)));
    }
}

#define VBINARY(name, OP, FORM)                                                              \
    static void name(size_t n, const float *a, const float *b, float *y, float min,          \
                     float max) {                                                            \
        vbinary(OP, FORM, n, a, b, y, min, max);                                             \
    }
#define VBINARY_OP(op, OP)                                                                   \
    VBINARY(f32_v##op##_avx2, OP, TFLC_VBINARY_VV)                                           \
    VBINARY(f32_v##op##c_avx2, OP, TFLC_VBINARY_VS)                                          \
    VBINARY(f32_vr##op##c_avx2, OP, TFLC_VBINARY_SV)
VBINARY_OP(add, TFLC_VBINARY_ADD)
VBINARY_OP(sub, TFLC_VBINARY_SUB)
VBINARY_OP(mul, TFLC_VBINARY_MUL)
VBINARY_OP(div, TFLC_VBINARY_DIV)
VBINARY_OP(sqdiff, TFLC_VBINARY_SQDIFF)

TFLC_F32_VBINARY_ROWS_ALL(avx2)

#define VBINARY_ROW(op) {f32_v##op##_avx2, f32_v##op##c_avx2, f32_vr##op##c_avx2}

static const tflc_f32_vbinary_config avx2_config = {
    .name = "f32_vbinary_avx2",
    .isa = TFLC_ISA_AVX2,
    .fn = {VBINARY_ROW(add), VBINARY_ROW(sub), VBINARY_ROW(mul), VBINARY_ROW(div),
           VBINARY_ROW(sqdiff)},
    .rows = TFLC_F32_VBINARY_ROWS_TABLE(avx2),
};

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx2(void) { return &avx2_config; }

#else

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx2(void) { return NULL; }

#endif
