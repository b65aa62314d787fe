/*
 * f32_dwconv_neon.c -- f32 depthwise convolution kernels for aarch64 Advanced SIMD. Without NEON (another architecture) the file only
 * reports that it has no config.
 */
#include "kernels/f32_dwconv.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_neon(void) { return NULL; }   /* written next */

#else

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_neon(void) { return NULL; }

#endif
