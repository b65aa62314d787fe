/*
 * x8_lut.h -- a byte-to-byte table lookup over a contiguous array, the eval of every int8 /
 * uint8 elementwise op whose result depends on the input byte alone (LOGISTIC, TANH,
 * HARD_SWISH, GELU, ELU, the RELU family, LEAKY_RELU, ABS, RSQRT, EXP, LOG):
 *
 *     const tflc_x8_lut_config *cfg = tflc_x8_lut_config_get();
 *     cfg->lut(n, x, table, y);       // y[i] = table[x[i]]; y may be x (in place)
 *
 * The op builds its 256-entry table in prepare by running its reference scalar code on every
 * byte (so the table is exact by construction), and eval is this lookup. Every config gives
 * the same bytes; they differ only in speed:
 *
 *   scalar      one byte at a time (the reference)
 *   avx512vbmi  64 bytes per step: two VPERMI2B (each indexes 128 table bytes held in two
 *               zmm) and a blend on the index's top bit; the ragged end runs masked.
 *   neon        64 bytes per step (aarch64): per 16 bytes, one TBL and three TBX, each over
 *               a 64-byte quarter of the table held in four q registers; then 16-byte
 *               steps, and the last 1..15 bytes one at a time.
 *
 * VBMI is not part of TFLC_ISA_AVX512 (cpu.h: F/BW/VL/DQ), so it is detected here, on top
 * of that level (cpuid leaf 7, ECX bit 1), and its file is built with a target attribute
 * rather than per-file flags.
 */
#ifndef TFLC_KERNELS_X8_LUT_H
#define TFLC_KERNELS_X8_LUT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

/* y[i] = table[x[i]] for i < n. x and y are the same array or do not overlap. */
typedef void (*tflc_x8_lut_fn)(size_t n, const uint8_t *x, const uint8_t table[256],
                               uint8_t *y);

typedef struct tflc_x8_lut_config {
    const char *name;          /* e.g. "x8_lut_avx512vbmi" */
    tflc_isa isa;              /* the level it needs (VBMI: TFLC_ISA_AVX512 plus VBMI) */
    tflc_x8_lut_fn lut;
} tflc_x8_lut_config;

/* Each variant, from its own translation unit; NULL when built without it. */
const tflc_x8_lut_config *tflc_x8_lut_config_scalar(void);
const tflc_x8_lut_config *tflc_x8_lut_config_avx512vbmi(void);
const tflc_x8_lut_config *tflc_x8_lut_config_neon(void);

/* True when this CPU (and OS) can run the VBMI variant (ignores the TFLC_ISA cap). */
bool tflc_x8_lut_cpu_has_vbmi(void);

/* Every variant this build and this CPU can run, best last, ignoring the TFLC_ISA cap (for
 * tests): fills up to `max` entries of `out`, returns how many. */
int tflc_x8_lut_configs(const tflc_x8_lut_config **out, int max);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_x8_lut_config *tflc_x8_lut_config_get(void);

#endif
