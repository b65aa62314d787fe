/*
 * qs8_ops_neon.c -- int8 operator kernels for aarch64 Advanced SIMD. Without NEON (another architecture) the file only
 * reports that it has no config.
 */
#include "kernels/qs8_ops.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

const tflc_qs8_config *tflc_qs8_config_neon(void) { return NULL; }   /* written next */

#else

const tflc_qs8_config *tflc_qs8_config_neon(void) { return NULL; }

#endif
