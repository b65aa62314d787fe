/*
 * f32_vunary_neon.c -- f32 elementwise unary kernels for aarch64 Advanced SIMD. Without NEON (another architecture) the file only
 * reports that it has no config.
 */
#include "kernels/f32_vunary.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

const tflc_f32_vunary_config *tflc_f32_vunary_config_neon(void) { return NULL; }   /* written next */

#else

const tflc_f32_vunary_config *tflc_f32_vunary_config_neon(void) { return NULL; }

#endif
