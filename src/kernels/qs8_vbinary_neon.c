/*
 * qs8_vbinary_neon.c -- int8 ADD / SUB / MUL kernels for aarch64 Advanced SIMD. Without NEON (another architecture) the file only
 * reports that it has no config.
 */
#include "kernels/qs8_vbinary.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

const tflc_qbinary_config *tflc_qbinary_config_neon(void) { return NULL; }   /* written next */

#else

const tflc_qbinary_config *tflc_qbinary_config_neon(void) { return NULL; }

#endif
