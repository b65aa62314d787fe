/*
 * f32_vbinary.h -- float ADD / SUB / MUL / DIV over contiguous arrays, with the clamp of a
 * fused activation (and SQUARED_DIFFERENCE, which has none: callers pass -inf, inf):
 *
 *     const tflc_f32_vbinary_config *cfg = tflc_f32_vbinary_config_get();
 *     cfg->fn[TFLC_VBINARY_MUL][TFLC_VBINARY_VS](n, a, &s, y, -FLT_MAX, FLT_MAX);
 *
 *   VV  y[i] = clamp(a[i] OP b[i], min, max)
 *   VS  y[i] = clamp(a[i] OP b[0], min, max)     (b a scalar)
 *   SV  y[i] = clamp(a[0] OP b[i], min, max)     (a a scalar)
 *
 * and over a block of rows x n against one row of n broadcast down it (a squeeze-excite
 * scale [1,H,W,C] * [1,1,1,C]: rows = H * W, n = C), in one call instead of one per row:
 *
 *   VR  y[r*n + i] = clamp(a[r*n + i] OP b[i])     RV  y[r*n + i] = clamp(a[i] OP b[r*n + i])
 *
 * One IEEE operation per element (correctly rounded whatever the vector width), then the
 * clamp written as x < min ? min : (x > max ? max : x), which lets NaN through and keeps -0:
 * every config gives the same bits as the scalar one and as ops/elementwise_binary.c's
 * reference loop. y may be a or b (in place; in the row forms only the block, never the
 * row); otherwise the arrays do not overlap.
 */
#ifndef TFLC_KERNELS_F32_VBINARY_H
#define TFLC_KERNELS_F32_VBINARY_H

#include <stddef.h>

#include "kernels/cpu.h"

/* Operations and operand forms (append-only; _COUNT sizes the table). */
typedef enum tflc_vbinary_op {
    TFLC_VBINARY_ADD = 0,
    TFLC_VBINARY_SUB,
    TFLC_VBINARY_MUL,
    TFLC_VBINARY_DIV,
    TFLC_VBINARY_SQDIFF,       /* (a - b) * (a - b), each rounded; called with no clamp */
    TFLC_VBINARY_OP_COUNT
} tflc_vbinary_op;

typedef enum tflc_vbinary_form {
    TFLC_VBINARY_VV = 0,
    TFLC_VBINARY_VS,
    TFLC_VBINARY_SV,
    TFLC_VBINARY_FORM_COUNT
} tflc_vbinary_form;

/* Row forms (append-only): which side is the row broadcast down the block. */
typedef enum tflc_vbinary_rows_form {
    TFLC_VBINARY_VR = 0,       /* b is the row */
    TFLC_VBINARY_RV,           /* a is the row */
    TFLC_VBINARY_ROWS_FORM_COUNT
} tflc_vbinary_rows_form;

typedef void (*tflc_f32_vbinary_fn)(size_t n, const float *a, const float *b, float *y,
                                    float min, float max);
/* rows x n elements of the block (a or b, as the form says; y likewise), one row of n. */
typedef void (*tflc_f32_vbinary_rows_fn)(size_t rows, size_t n, const float *a, const float *b,
                                         float *y, float min, float max);

typedef struct tflc_f32_vbinary_config {
    const char *name;          /* e.g. "f32_vbinary_avx512" */
    tflc_isa isa;
    tflc_f32_vbinary_fn fn[TFLC_VBINARY_OP_COUNT][TFLC_VBINARY_FORM_COUNT];
    tflc_f32_vbinary_rows_fn rows[TFLC_VBINARY_OP_COUNT][TFLC_VBINARY_ROWS_FORM_COUNT];
} tflc_f32_vbinary_config;

/* The row forms of an ISA file, from its inlined vbinary(op, form, n, a, b, y, min, max):
 * each row through the VV loop, with no call or plan step between rows. */
#define TFLC_F32_VBINARY_ROWS(sfx, op, OP)                                                   \
    static void f32_v##op##_vr_##sfx(size_t rows, size_t n, const float *a, const float *b, \
                                     float *y, float min, float max) {                      \
        for (size_t r = 0; r < rows; r++)                                                   \
            vbinary(OP, TFLC_VBINARY_VV, n, a + r * n, b, y + r * n, min, max);             \
    }                                                                                       \
    static void f32_v##op##_rv_##sfx(size_t rows, size_t n, const float *a, const float *b, \
                                     float *y, float min, float max) {                      \
        for (size_t r = 0; r < rows; r++)                                                   \
            vbinary(OP, TFLC_VBINARY_VV, n, a, b + r * n, y + r * n, min, max);             \
    }
#define TFLC_F32_VBINARY_ROWS_ALL(sfx)                                                       \
    TFLC_F32_VBINARY_ROWS(sfx, add, TFLC_VBINARY_ADD)                                        \
    TFLC_F32_VBINARY_ROWS(sfx, sub, TFLC_VBINARY_SUB)                                        \
    TFLC_F32_VBINARY_ROWS(sfx, mul, TFLC_VBINARY_MUL)                                        \
    TFLC_F32_VBINARY_ROWS(sfx, div, TFLC_VBINARY_DIV)                                        \
    TFLC_F32_VBINARY_ROWS(sfx, sqdiff, TFLC_VBINARY_SQDIFF)
#define TFLC_F32_VBINARY_ROWS_TABLE(sfx)                                                     \
    {{f32_vadd_vr_##sfx, f32_vadd_rv_##sfx}, {f32_vsub_vr_##sfx, f32_vsub_rv_##sfx},         \
     {f32_vmul_vr_##sfx, f32_vmul_rv_##sfx}, {f32_vdiv_vr_##sfx, f32_vdiv_rv_##sfx},         \
     {f32_vsqdiff_vr_##sfx, f32_vsqdiff_rv_##sfx}}

/* Each ISA's config, from its own translation unit; NULL when built without its flags. */
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_scalar(void);
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx2(void);
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx512(void);
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_neon(void);

/* The config for `isa`, or NULL when this build or this CPU lacks it (ignores the TFLC_ISA
 * cap). */
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_get(void);

#endif
