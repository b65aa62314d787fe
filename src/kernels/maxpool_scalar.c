/*
 * maxpool_scalar.c -- the portable max-pool folds (maxpool.h), the specification the SIMD
 * configs are tested against (the folds themselves are maxpool.h's, which the SIMD configs
 * also run on their ragged channels); and the choice of config.
 */
#include "kernels/maxpool.h"

#include <pthread.h>

static void maxpool_f32_scalar(size_t pixels, size_t taps, size_t n, const float *const *rows,
                               float *y, size_t y_stride, bool from_y) {
    for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride)
        tflc_maxpool_f32_ref(taps, 0, n, rows, y, from_y);
}

static void maxpool_s8_scalar(size_t pixels, size_t taps, size_t n, const int8_t *const *rows,
                              int8_t *y, size_t y_stride, bool from_y, int8_t lo, int8_t hi) {
    for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride)
        tflc_maxpool_s8_ref(taps, 0, n, rows, y, from_y, lo, hi);
}

static void maxpool_u8_scalar(size_t pixels, size_t taps, size_t n, const uint8_t *const *rows,
                              uint8_t *y, size_t y_stride, bool from_y, uint8_t lo, uint8_t hi) {
    for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride)
        tflc_maxpool_u8_ref(taps, 0, n, rows, y, from_y, lo, hi);
}

static const tflc_maxpool_config scalar_config = {
    .name = "maxpool_scalar",
    .isa = TFLC_ISA_SCALAR,
    .f32 = maxpool_f32_scalar,
    .s8 = maxpool_s8_scalar,
    .u8 = maxpool_u8_scalar,
};

const tflc_maxpool_config *tflc_maxpool_config_scalar(void) { return &scalar_config; }

const tflc_maxpool_config *tflc_maxpool_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_maxpool_config_scalar();
    case TFLC_ISA_AVX2: return tflc_maxpool_config_avx2();
    case TFLC_ISA_AVX512: return tflc_maxpool_config_avx512();
    case TFLC_ISA_NEON: return tflc_maxpool_config_neon();
    default: return NULL;
    }
}

static const tflc_maxpool_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void choose_config(void) {
    for (int isa = (int)tflc_cpu_isa(); isa >= 0 && !best_config; isa--)
        best_config = tflc_maxpool_config_for((tflc_isa)isa);
    if (!best_config) best_config = &scalar_config;
}

const tflc_maxpool_config *tflc_maxpool_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}
