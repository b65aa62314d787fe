/*
 * f32_vbinary.h -- float ADD / SUB / MUL / DIV over contiguous arrays, with the clamp of a
 * fused activation:
 *
 *     const tflc_f32_vbinary_config *cfg = tflc_f32_vbinary_config_get();
 *     cfg->fn[TFLC_VBINARY_MUL][TFLC_VBINARY_VS](n, a, &s, y, -FLT_MAX, FLT_MAX);
 *
 *   VV  y[i] = clamp(a[i] OP b[i], min, max)
 *   VS  y[i] = clamp(a[i] OP b[0], min, max)     (b a scalar)
 *   SV  y[i] = clamp(a[0] OP b[i], min, max)     (a a scalar)
 *
 * One IEEE operation per element (correctly rounded whatever the vector width), then the
 * clamp written as x < min ? min : (x > max ? max : x), which lets NaN through and keeps -0:
 * every config gives the same bits as the scalar one and as ops/elementwise_binary.c's
 * reference loop. y may be a or b (in place); otherwise the arrays do not overlap.
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
    TFLC_VBINARY_OP_COUNT
} tflc_vbinary_op;

typedef enum tflc_vbinary_form {
    TFLC_VBINARY_VV = 0,
    TFLC_VBINARY_VS,
    TFLC_VBINARY_SV,
    TFLC_VBINARY_FORM_COUNT
} tflc_vbinary_form;

typedef void (*tflc_f32_vbinary_fn)(size_t n, const float *a, const float *b, float *y,
                                    float min, float max);

typedef struct tflc_f32_vbinary_config {
    const char *name;          /* e.g. "f32_vbinary_avx512" */
    tflc_isa isa;
    tflc_f32_vbinary_fn fn[TFLC_VBINARY_OP_COUNT][TFLC_VBINARY_FORM_COUNT];
} tflc_f32_vbinary_config;

/* Each ISA's config, from its own translation unit; NULL when built without its flags. */
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_scalar(void);
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx2(void);
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_avx512(void);

/* The config for `isa`, or NULL when this build or this CPU lacks it (ignores the TFLC_ISA
 * cap). */
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_f32_vbinary_config *tflc_f32_vbinary_config_get(void);

#endif
