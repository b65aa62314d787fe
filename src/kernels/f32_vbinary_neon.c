/*
 * f32_vbinary_neon.c -- ADD / SUB / MUL / DIV on 4 floats per q register (f32_vbinary.h),
 * 16 elements a step, then 4, and the ragged end (under 4) one float at a time with the
 * same operations. The clamp is the reference's v < min ? min : (v > max ? max : v)
 * written as two compares and two selects: NEON's fmax / fmin return NaN when either
 * operand is NaN and fmaxnm / fminnm return the number, neither of which is the
 * reference's answer for a NaN v or a NaN bound. Without NEON (another architecture) the
 * file only reports that it has no config.
 */
#include "kernels/f32_vbinary.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

static inline float32x4_t apply4(const int op, float32x4_t a, float32x4_t b) {
    switch (op) {
    case TFLC_VBINARY_ADD: return vaddq_f32(a, b);
    case TFLC_VBINARY_SUB: return vsubq_f32(a, b);
    case TFLC_VBINARY_MUL: return vmulq_f32(a, b);
    case TFLC_VBINARY_SQDIFF: { const float32x4_t d = vsubq_f32(a, b); return vmulq_f32(d, d); }
    default: return vdivq_f32(a, b);
    }
}

static inline float apply1(const int op, float a, float b) {
    switch (op) {
    case TFLC_VBINARY_ADD: return a + b;
    case TFLC_VBINARY_SUB: return a - b;
    case TFLC_VBINARY_MUL: return a * b;
    case TFLC_VBINARY_SQDIFF: { const float d = a - b; return d * d; }
    default: return a / b;
    }
}

/* v < lo ? lo : (v > hi ? hi : v), lane by lane: NaN v passes, -0 stays. */
static inline float32x4_t clamp4(float32x4_t v, float32x4_t lo, float32x4_t hi) {
    const float32x4_t r = vbslq_f32(vcgtq_f32(v, hi), hi, v);
    return vbslq_f32(vcltq_f32(v, lo), lo, r);
}

/* Lanes of a and b for the form: a broadcast scalar for the S side. */
static inline float32x4_t side(const int scalar, const float *p, size_t i, float32x4_t s) {
    return scalar ? s : vld1q_f32(p + i);
}

static inline __attribute__((always_inline)) void vbinary(const int op, const int form,
                                                          size_t n, const float *a,
                                                          const float *b, float *y,
                                                          float min, float max) {
    const int sa = form == TFLC_VBINARY_SV, sb = form == TFLC_VBINARY_VS;
    const float a0 = sa ? a[0] : 0.0f, b0 = sb ? b[0] : 0.0f;
    const float32x4_t va = vdupq_n_f32(a0), vb = vdupq_n_f32(b0);
    const float32x4_t lo = vdupq_n_f32(min), hi = vdupq_n_f32(max);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const float32x4_t v0 = apply4(op, side(sa, a, i, va), side(sb, b, i, vb));
        const float32x4_t v1 = apply4(op, side(sa, a, i + 4, va), side(sb, b, i + 4, vb));
        const float32x4_t v2 = apply4(op, side(sa, a, i + 8, va), side(sb, b, i + 8, vb));
        const float32x4_t v3 = apply4(op, side(sa, a, i + 12, va), side(sb, b, i + 12, vb));
        vst1q_f32(y + i, clamp4(v0, lo, hi));
        vst1q_f32(y + i + 4, clamp4(v1, lo, hi));
        vst1q_f32(y + i + 8, clamp4(v2, lo, hi));
        vst1q_f32(y + i + 12, clamp4(v3, lo, hi));
    }
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = apply4(op, side(sa, a, i, va), side(sb, b, i, vb));
        vst1q_f32(y + i, clamp4(v, lo, hi));
    }
    for (; i < n; i++) {          /* ragged end: the reference's scalar operations */
        const float v = apply1(op, sa ? a0 : a[i], sb ? b0 : b[i]);
        y[i] = v < min ? min : (v > max ? max : v);
    }
}

#define VBINARY(name, OP, FORM)                                                              \
    static void name(size_t n, const float *a, const float *b, float *y, float min,          \
                     float max) {                                                            \
        vbinary(OP, FORM, n, a, b, y, min, max);                                             \
    }
#define VBINARY_OP(op, OP)                                                                   \
    VBINARY(f32_v##op##_neon, OP, TFLC_VBINARY_VV)                                           \
    VBINARY(f32_v##op##c_neon, OP, TFLC_VBINARY_VS)                                          \
    VBINARY(f32_vr##op##c_neon, OP, TFLC_VBINARY_SV)
VBINARY_OP(add, TFLC_VBINARY_ADD)
VBINARY_OP(sub, TFLC_VBINARY_SUB)
VBINARY_OP(mul, TFLC_VBINARY_MUL)
VBINARY_OP(div, TFLC_VBINARY_DIV)
VBINARY_OP(sqdiff, TFLC_VBINARY_SQDIFF)

TFLC_F32_VBINARY_ROWS_ALL(neon)

#define VBINARY_ROW(op) {f32_v##op##_neon, f32_v##op##c_neon, f32_vr##op##c_neon}

static const tflc_f32_vbinary_config neon_config = {
    .name = "f32_vbinary_neon",
    .isa = TFLC_ISA_NEON,
    .fn = {VBINARY_ROW(add), VBINARY_ROW(sub), VBINARY_ROW(mul), VBINARY_ROW(div),
           VBINARY_ROW(sqdiff)},
    .rows = TFLC_F32_VBINARY_ROWS_TABLE(neon),
};

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_neon(void) { return &neon_config; }

#else

const tflc_f32_vbinary_config *tflc_f32_vbinary_config_neon(void) { return NULL; }

#endif
