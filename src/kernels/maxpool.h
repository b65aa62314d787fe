/*
 * maxpool.h -- the inner step of MAX_POOL_2D: the channels of a run of output pixels, each
 * from the input rows of its window's taps (each row n contiguous channels of an NHWC
 * tensor), given as an indirection array:
 *
 *     const tflc_maxpool_config *cfg = tflc_maxpool_config_get();
 *     cfg->s8(pixels, taps, C, rows, y, y_stride, false, lo, hi);
 *
 * rows[p * taps + t] is tap t's input row of pixel p, whose channels go to y + p * y_stride:
 *
 *   f32     y[c] = fold over t of acc = row_t[c] > acc ? row_t[c] : acc, from -FLT_MAX
 *           (TFLite's reference start: a NaN input never wins, -0 does not replace +0)
 *   s8, u8  y[c] = clamp(max(lowest, row_0[c], .., row_taps-1[c]), lo, hi), lo <= hi
 *
 * A tap listed twice changes nothing (x > x is false; max is idempotent), so a window that
 * the input's border clips repeats one of its rows to fill its `taps` entries.
 * from_y: the fold starts from y[c] instead (a window of more taps than one call's array,
 * folded chunk by chunk; the clamp commutes with max, so clamping each chunk's result gives
 * the clamp of the whole). The float fold has no clamp: the op applies its activation after.
 * Every config gives the same bits as the scalar one, which is the specification; they
 * differ in speed (and that is the reason for this file: the op's own channel loops, built
 * for any x86-64, took ResNet50's int8 3x3 max pool [1,114,114,64] -> [1,56,56,64] 0.23
 * ms against LiteRT's 0.03):
 *
 *   scalar  one channel at a time
 *   avx2    32 bytes / 8 floats per step, the ragged channels one at a time
 *   avx512  64 bytes / 16 floats per step, the ragged end masked
 *   neon    16 bytes / 4 floats per step (a compare and select for floats: FMAX's NaN and
 *           signed-zero rules are not the fold's), the ragged channels one at a time
 *
 * y does not overlap the rows.
 */
#ifndef TFLC_KERNELS_MAXPOOL_H
#define TFLC_KERNELS_MAXPOOL_H

#include <float.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

typedef void (*tflc_maxpool_f32_fn)(size_t pixels, size_t taps, size_t n, const float *const *rows,
                                    float *y, size_t y_stride, bool from_y);
typedef void (*tflc_maxpool_s8_fn)(size_t pixels, size_t taps, size_t n, const int8_t *const *rows,
                                   int8_t *y, size_t y_stride, bool from_y, int8_t lo, int8_t hi);
typedef void (*tflc_maxpool_u8_fn)(size_t pixels, size_t taps, size_t n,
                                   const uint8_t *const *rows, uint8_t *y, size_t y_stride,
                                   bool from_y, uint8_t lo, uint8_t hi);

typedef struct tflc_maxpool_config {
    const char *name;          /* e.g. "maxpool_avx512" */
    tflc_isa isa;
    tflc_maxpool_f32_fn f32;
    tflc_maxpool_s8_fn s8;
    tflc_maxpool_u8_fn u8;
} tflc_maxpool_config;

/* The scalar folds over channels [c0, n): the scalar config, and the SIMD configs' ragged
 * channels. */
static inline void tflc_maxpool_f32_ref(size_t taps, size_t c0, size_t n, const float *const *rows,
                                        float *y, bool from_y) {
    for (size_t c = c0; c < n; c++) {
        float acc = from_y ? y[c] : -FLT_MAX;
        for (size_t t = 0; t < taps; t++) acc = rows[t][c] > acc ? rows[t][c] : acc;
        y[c] = acc;
    }
}

/* Integer folds: max is exact, so only the start (the type's lowest) and the clamp matter. */
#define TFLC_MAXPOOL_INT_REF(name, T, LOWEST)                                                 \
    static inline void name(size_t taps, size_t c0, size_t n, const T *const *rows, T *y,     \
                            bool from_y, T lo, T hi) {                                        \
        for (size_t c = c0; c < n; c++) {                                                     \
            T acc = from_y ? y[c] : (T)(LOWEST);                                              \
            for (size_t t = 0; t < taps; t++) acc = rows[t][c] > acc ? rows[t][c] : acc;      \
            y[c] = acc < lo ? lo : (acc > hi ? hi : acc);                                     \
        }                                                                                     \
    }
TFLC_MAXPOOL_INT_REF(tflc_maxpool_s8_ref, int8_t, INT8_MIN)
TFLC_MAXPOOL_INT_REF(tflc_maxpool_u8_ref, uint8_t, 0)

/* Each ISA's config, from its own translation unit; NULL when built without its flags. */
const tflc_maxpool_config *tflc_maxpool_config_scalar(void);
const tflc_maxpool_config *tflc_maxpool_config_avx2(void);
const tflc_maxpool_config *tflc_maxpool_config_avx512(void);
const tflc_maxpool_config *tflc_maxpool_config_neon(void);

/* The config for `isa`, or NULL when this build or this CPU lacks it (ignores the TFLC_ISA
 * cap). */
const tflc_maxpool_config *tflc_maxpool_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_maxpool_config *tflc_maxpool_config_get(void);

#endif
