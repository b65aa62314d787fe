/*
 * maxpool_neon.c -- the max-pool folds (maxpool.h) on 4 floats / 16 bytes per q register
 * (aarch64), the ragged channels with the scalar fold. Floats fold by a compare and a
 * select, x > acc ? x : acc: FMAX returns NaN for a NaN operand and +0 for the two zeros,
 * neither the reference's answer. Without NEON (another architecture) the file only
 * reports that it has no config.
 */
#include "kernels/maxpool.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

static void maxpool_f32_neon(size_t pixels, size_t taps, size_t n, const float *const *rows,
                             float *y, size_t y_stride, bool from_y) {
    for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride) {
        size_t c = 0;
        for (; c + 4 <= n; c += 4) {
            float32x4_t acc = from_y ? vld1q_f32(y + c) : vdupq_n_f32(-FLT_MAX);
            for (size_t t = 0; t < taps; t++) {
                const float32x4_t x = vld1q_f32(rows[t] + c);
                acc = vbslq_f32(vcgtq_f32(x, acc), x, acc);
            }
            vst1q_f32(y + c, acc);
        }
        tflc_maxpool_f32_ref(taps, c, n, rows, y, from_y);
    }
}

#define DEFINE_MAXPOOL_INT_NEON(name, T, LOWEST, VEC, LD, ST, DUP, MAX, MIN, REF)           \
    static void name(size_t pixels, size_t taps, size_t n, const T *const *rows, T *y,      \
                     size_t y_stride, bool from_y, T lo, T hi) {                            \
        const VEC vlo = DUP(lo), vhi = DUP(hi), start = DUP((T)(LOWEST));                   \
        for (size_t p = 0; p < pixels; p++, rows += taps, y += y_stride) {                  \
            size_t c = 0;                                                                   \
            for (; c + 16 <= n; c += 16) {                                                  \
                VEC acc = from_y ? LD(y + c) : start;                                       \
                for (size_t t = 0; t < taps; t++) acc = MAX(acc, LD(rows[t] + c));          \
                ST(y + c, MIN(MAX(acc, vlo), vhi));                                         \
            }                                                                               \
            REF(taps, c, n, rows, y, from_y, lo, hi);                                       \
        }                                                                                   \
    }
DEFINE_MAXPOOL_INT_NEON(maxpool_s8_neon, int8_t, INT8_MIN, int8x16_t, vld1q_s8, vst1q_s8,
                        vdupq_n_s8, vmaxq_s8, vminq_s8, tflc_maxpool_s8_ref)
DEFINE_MAXPOOL_INT_NEON(maxpool_u8_neon, uint8_t, 0, uint8x16_t, vld1q_u8, vst1q_u8,
                        vdupq_n_u8, vmaxq_u8, vminq_u8, tflc_maxpool_u8_ref)

static const tflc_maxpool_config neon_config = {
    .name = "maxpool_neon",
    .isa = TFLC_ISA_NEON,
    .f32 = maxpool_f32_neon,
    .s8 = maxpool_s8_neon,
    .u8 = maxpool_u8_neon,
};

const tflc_maxpool_config *tflc_maxpool_config_neon(void) { return &neon_config; }

#else

const tflc_maxpool_config *tflc_maxpool_config_neon(void) { return NULL; }

#endif
