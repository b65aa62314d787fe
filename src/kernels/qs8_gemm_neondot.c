/*
 * qs8_gemm_neondot.c -- int8 GEMM microkernels (SDOT) for aarch64 Advanced SIMD. Without NEON (another architecture) the file only
 * reports that it has no config.
 */
#include "kernels/qgemm.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neondot(void) { return NULL; }   /* written next */

#else

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neondot(void) { return NULL; }

#endif
