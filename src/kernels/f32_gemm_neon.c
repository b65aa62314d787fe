/*
 * f32_gemm_neon.c -- f32 GEMM microkernels for aarch64 Advanced SIMD. Without NEON (another architecture) the file only
 * reports that it has no config.
 */
#include "kernels/gemm.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

const tflc_gemm_f32_config *tflc_f32_gemm_config_neon(void) { return NULL; }   /* written next */

#else

const tflc_gemm_f32_config *tflc_f32_gemm_config_neon(void) { return NULL; }

#endif
