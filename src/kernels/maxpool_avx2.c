/*
 * maxpool_avx2.c -- the max-pool folds (maxpool.h) on 8 floats / 32 bytes per ymm, the
 * ragged channels with the scalar fold. _mm256_max_ps(x, acc) is x > acc ? x : acc (its
 * second operand when either is NaN or both are zeros): the scalar fold bit for bit.
 * Built with -mavx2 (cmake/kernels.cmake); without it the file only reports that it has
 * no config.
 */
#include "kernels/maxpool.h"

#if defined(__AVX2__)
#include <immintrin.h>

static void maxpool_f32_avx2(size_t pixels, size_t taps, size_t n, const float *const *rows,
                             float *y, size_t y_stride, bool from_y) {
    for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride) {
        size_t c = 0;
        for (; c + 8 <= n; c += 8) {
            __m256 acc = from_y ? _mm256_loadu_ps(y + c) : _mm256_set1_ps(-FLT_MAX);
            for (size_t t = 0; t < taps; t++)
                acc = _mm256_max_ps(_mm256_loadu_ps(rows[t] + c), acc);
            _mm256_storeu_ps(y + c, acc);
        }
        tflc_maxpool_f32_ref(taps, c, n, rows, y, from_y);
    }
}

/* VEC_MAX / VEC_MIN: the 32-lane max and min of the type; REF its scalar fold. */
#define DEFINE_MAXPOOL_INT_AVX2(name, T, LOWEST, VEC_MAX, VEC_MIN, REF)                     \
    static void name(size_t pixels, size_t taps, size_t n, const T *const *rows, T *y,      \
                     size_t y_stride, bool from_y, T lo, T hi) {                            \
        const __m256i vlo = _mm256_set1_epi8((char)lo), vhi = _mm256_set1_epi8((char)hi);   \
        const __m256i start = _mm256_set1_epi8((char)(LOWEST));                             \
        for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride) {                  \
            size_t c = 0;                                                                   \
            for (; c + 32 <= n; c += 32) {                                                  \
                __m256i acc = from_y ? _mm256_loadu_si256((const __m256i *)(y + c)) : start; \
                for (size_t t = 0; t < taps; t++)                                           \
                    acc = VEC_MAX(acc, _mm256_loadu_si256((const __m256i *)(rows[t] + c))); \
                _mm256_storeu_si256((__m256i *)(y + c), VEC_MIN(VEC_MAX(acc, vlo), vhi));   \
            }                                                                               \
            REF(taps, c, n, rows, y, from_y, lo, hi);                                       \
        }                                                                                   \
    }
DEFINE_MAXPOOL_INT_AVX2(maxpool_s8_avx2, int8_t, INT8_MIN, _mm256_max_epi8, _mm256_min_epi8,
                        tflc_maxpool_s8_ref)
DEFINE_MAXPOOL_INT_AVX2(maxpool_u8_avx2, uint8_t, 0, _mm256_max_epu8, _mm256_min_epu8,
                        tflc_maxpool_u8_ref)

static const tflc_maxpool_config avx2_config = {
    .name = "maxpool_avx2",
    .isa = TFLC_ISA_AVX2,
    .f32 = maxpool_f32_avx2,
    .s8 = maxpool_s8_avx2,
    .u8 = maxpool_u8_avx2,
};

const tflc_maxpool_config *tflc_maxpool_config_avx2(void) { return &avx2_config; }

#else

const tflc_maxpool_config *tflc_maxpool_config_avx2(void) { return NULL; }

#endif
