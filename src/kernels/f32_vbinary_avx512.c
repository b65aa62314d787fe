/*
 * f32_vbinary_avx512.c -- ADD / SUB / MUL / DIV on 16 floats per zmm (f32_vbinary.h), the
 * ragged end masked. The clamp is min(max, max(min, v)): max/min return their second
 * operand when either is NaN or both are zeros, which is the reference's
 * v < min ? min : (v > max ? max : v) bit for bit. Built with -mavx512f (cmake/kernels.cmake);
 * without it the file only reports that it has no config.
 */
#include "kernels/f32_vbinary.h"

#if defined(__AVX512F__)
#include <immintrin.h>

static inline __m512 apply(const int op, __m512 a, __m512 b) {
    switch (op) {
    case TFLC_VBINARY_ADD: return _mm512_add_ps(a, b);
    case TFLC_VBINARY_SUB: return _mm512_sub_ps(a, b);
    case TFLC_VBINARY_MUL: return _mm512_mul_ps(a, b);
    case TFLC_VBINARY_SQDIFF: { const __m512 d = _mm512_sub_ps(a, b); return _mm512_mul_ps(d, d); }
    default: return _mm512_div_ps(a, b);
    }
}

/* Lanes of a and b for the form: a broadcast scalar for the S side. */
static inline __m512 side(const int scalar, const float *p, size_t i, __m512 s) {
    return scalar ? s : _mm512_loadu_ps(p + i);
}

static inline __m512 side_masked(const int scalar, const float *p, size_t i, __mmask16 m,
                                 __m512 s) {
    return scalar ? s : _mm512_maskz_loadu_ps(m, p + i);
}

static inline __attribute__((always_inline)) void vbinary(const int op, const int form,
                                                          size_t n, const float *a,
                                                          const float *b, float *y,
                                                          float min, float max) {
    const int sa = form == TFLC_VBINARY_SV, sb = form == TFLC_VBINARY_VS;
    const __m512 va = sa ? _mm512_set1_ps(a[0]) : _mm512_setzero_ps();
    const __m512 vb = sb ? _mm512_set1_ps(b[0]) : _mm512_setzero_ps();
    const __m512 lo = _mm512_set1_ps(min), hi = _mm512_set1_ps(max);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 v0 = apply(op, side(sa, a, i, va), side(sb, b, i, vb));
        __m512 v1 = apply(op, side(sa, a, i + 16, va), side(sb, b, i + 16, vb));
        _mm512_storeu_ps(y + i, _mm512_min_ps(hi, _mm512_max_ps(lo, v0)));
        _mm512_storeu_ps(y + i + 16, _mm512_min_ps(hi, _mm512_max_ps(lo, v1)));
    }
    for (; i < n; i += 16) {
        const __mmask16 m = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        __m512 v = apply(op, side_masked(sa, a, i, m, va), side_masked(sb, b, i, m, vb));
        _mm512_mask_storeu_ps(y + i, m, _mm512_min_ps(hi, _mm512_max_ps(lo, v)));
    }
}

#define VBINARY(name, OP, FORM)                                                              \
    static void name(size_t n, const float *a, const float *b, float *y, float min,          \
                     float max) {                                                            \
        vbinary(OP, FORM, n, a, b, y, min, max);                                             \
    }
#define VBINARY_OP(op, OP)                                                                   \
    VBINARY(f32_v##op##_avx512, OP, TFLC_VBINARY_VV)                                         \
    VBINARY(f32_v##op##c_avx512, OP, TFLC_VBINARY_VS)                                        \
    VBINARY(f32_vr##op##c_avx512, OP, TFLC_VBINARY_SV)
VBINARY_OP(add, TFLC_VBINARY_ADD)
VBINARY_OP(sub, TFLC_VBINARY_SUB)
VBINARY_OP(mul, TFLC_VBINARY_MUL)
VBINARY_OP(div, TFLC_VBINARY_DIV)
VBINARY_OP(sqdiff, TFLC_VBINARY_SQDIFF)

TFLC_F32_VBINARY_ROWS_ALL(avx512)

#define VBINARY_ROW(op) {f32_v##op##_avx512, f32_v##op##c_avx512, f32_vr##op##c_avx512}

static const tflc_f32_vbinary_config avx512_config = {
    .name = "f32_vbinary_avx512",
    .isa = TFLC_ISA_AVX512,
    .fn = {VBINARY_ROW(add), VBINARY_ROW(sub), VBINARY_ROW(mul), VBINARY_ROW(div),
           VBINARY_ROW(sqdiff)},
    .rows = TFLC_F32_VBINARY_ROWS_TABLE(avx512),
};

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx512(void) { return &avx512_config; }

#else

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx512(void) { return NULL; }

#endif
