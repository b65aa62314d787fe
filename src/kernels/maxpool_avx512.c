/*
 * maxpool_avx512.c -- the max-pool folds (maxpool.h) on 16 floats / 64 bytes per zmm, the
 * ragged end through masked loads and stores. _mm512_max_ps(x, acc) is x > acc ? x : acc
 * (its second operand when either is NaN or both are zeros): the scalar fold bit for bit.
 * Built with -mavx512f -mavx512bw (cmake/kernels.cmake); without them the file only
 * reports that it has no config.
 */
#include "kernels/maxpool.h"

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>

static void maxpool_f32_avx512(size_t pixels, size_t taps, size_t n, const float *const *rows,
                               float *y, size_t y_stride, bool from_y) {
    for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride)
        for (size_t c = 0; c < n; c += 16) {
            const __mmask16 m = (__mmask16)(n - c >= 16 ? 0xFFFFu : (1u << (n - c)) - 1u);
            __m512 acc = from_y ? _mm512_maskz_loadu_ps(m, y + c) : _mm512_set1_ps(-FLT_MAX);
            for (size_t t = 0; t < taps; t++)
                acc = _mm512_max_ps(_mm512_maskz_loadu_ps(m, rows[t] + c), acc);
            _mm512_mask_storeu_ps(y + c, m, acc);
        }
}

static inline __mmask64 byte_mask(size_t left) {
    return left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1;
}

/* VEC_MAX / VEC_MIN: the 64-lane max and min of the type. */
#define DEFINE_MAXPOOL_INT_AVX512(name, T, LOWEST, VEC_MAX, VEC_MIN)                        \
    static void name(size_t pixels, size_t taps, size_t n, const T *const *rows, T *y,      \
                     size_t y_stride, bool from_y, T lo, T hi) {                            \
        const __m512i vlo = _mm512_set1_epi8((char)lo), vhi = _mm512_set1_epi8((char)hi);   \
        const __m512i start = _mm512_set1_epi8((char)(LOWEST));                             \
        for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride)                    \
            for (size_t c = 0; c < n; c += 64) {                                            \
                const __mmask64 m = byte_mask(n - c);                                       \
                __m512i acc = from_y ? _mm512_maskz_loadu_epi8(m, y + c) : start;           \
                for (size_t t = 0; t < taps; t++)                                           \
                    acc = VEC_MAX(acc, _mm512_maskz_loadu_epi8(m, rows[t] + c));            \
                _mm512_mask_storeu_epi8(y + c, m, VEC_MIN(VEC_MAX(acc, vlo), vhi));         \
            }                                                                               \
    }
DEFINE_MAXPOOL_INT_AVX512(maxpool_s8_avx512, int8_t, INT8_MIN, _mm512_max_epi8, _mm512_min_epi8)
DEFINE_MAXPOOL_INT_AVX512(maxpool_u8_avx512, uint8_t, 0, _mm512_max_epu8, _mm512_min_epu8)

static const tflc_maxpool_config avx512_config = {
    .name = "maxpool_avx512",
    .isa = TFLC_ISA_AVX512,
    .f32 = maxpool_f32_avx512,
    .s8 = maxpool_s8_avx512,
    .u8 = maxpool_u8_avx512,
};

const tflc_maxpool_config *tflc_maxpool_config_avx512(void) { return &avx512_config; }

#else

const tflc_maxpool_config *tflc_maxpool_config_avx512(void) { return NULL; }

#endif
