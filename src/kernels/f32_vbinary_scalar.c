/*
 * f32_vbinary_scalar.c -- the portable ADD / SUB / MUL / DIV loops (f32_vbinary.h), the
 * specification the SIMD configs are tested against; and the choice of config. Each
 * element is one operation and the reference clamp, so a compiler that vectorizes these
 * loops (as GCC does with SSE2) changes no bit.
 */
#include "kernels/f32_vbinary.h"

#include <pthread.h>

static inline float clamp_f32(float x, float lo, float hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

static inline float apply(const int op, float a, float b) {
    switch (op) {
    case TFLC_VBINARY_ADD: return a + b;
    case TFLC_VBINARY_SUB: return a - b;
    case TFLC_VBINARY_MUL: return a * b;
    case TFLC_VBINARY_SQDIFF: { const float d = a - b; return d * d; }
    default: return a / b;
    }
}

/* op and form are constants in every instance below: one straight loop each. */
static inline __attribute__((always_inline)) void vbinary(const int op, const int form,
                                                          size_t n, const float *a,
                                                          const float *b, float *y,
                                                          float min, float max) {
    if (form == TFLC_VBINARY_VS) {
        const float s = b[0];
        for (size_t i = 0; i < n; i++) y[i] = clamp_f32(apply(op, a[i], s), min, max);
    } else if (form == TFLC_VBINARY_SV) {
        const float s = a[0];
        for (size_t i = 0; i < n; i++) y[i] = clamp_f32(apply(op, s, b[i]), min, max);
    } else {
        for (size_t i = 0; i < n; i++) y[i] = clamp_f32(apply(op, a[i], b[i]), min, max);
    }
}

#define VBINARY(name, OP, FORM)                                                              \
    static void name(size_t n, const float *a, const float *b, float *y, float min,          \
                     float max) {                                                            \
        vbinary(OP, FORM, n, a, b, y, min, max);                                             \
    }
#define VBINARY_OP(op, OP)                                                                   \
    VBINARY(f32_v##op##_scalar, OP, TFLC_VBINARY_VV)                                         \
    VBINARY(f32_v##op##c_scalar, OP, TFLC_VBINARY_VS)                                        \
    VBINARY(f32_vr##op##c_scalar, OP, TFLC_VBINARY_SV)
VBINARY_OP(add, TFLC_VBINARY_ADD)
VBINARY_OP(sub, TFLC_VBINARY_SUB)
VBINARY_OP(mul, TFLC_VBINARY_MUL)
VBINARY_OP(div, TFLC_VBINARY_DIV)
VBINARY_OP(sqdiff, TFLC_VBINARY_SQDIFF)

TFLC_F32_VBINARY_ROWS_ALL(scalar)

#define VBINARY_ROW(op) {f32_v##op##_scalar, f32_v##op##c_scalar, f32_vr##op##c_scalar}

static const tflc_f32_vbinary_config scalar_config = {
    .name = "f32_vbinary_scalar",
    .isa = TFLC_ISA_SCALAR,
    .fn = {VBINARY_ROW(add), VBINARY_ROW(sub), VBINARY_ROW(mul), VBINARY_ROW(div),
           VBINARY_ROW(sqdiff)},
    .rows = TFLC_F32_VBINARY_ROWS_TABLE(scalar),
};

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_scalar(void) { return &scalar_config; }

/* ------------------------------------------------------------------ config -- */

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_f32_vbinary_config_scalar();
    case TFLC_ISA_AVX2: return tflc_f32_vbinary_config_avx2();
    case TFLC_ISA_AVX512: return tflc_f32_vbinary_config_avx512();
    case TFLC_ISA_NEON: return tflc_f32_vbinary_config_neon();
    default: return NULL;
    }
}

static const tflc_f32_vbinary_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void choose_config(void) {
    for (int isa = (int)tflc_cpu_isa(); isa >= 0 && !best_config; isa--)
        best_config = tflc_f32_vbinary_config_for((tflc_isa)isa);
    if (!best_config) best_config = &scalar_config;
}

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}
