/*
 * qs8_gemv.h -- one row of the packed int8 GEMM (qgemm.h): the batch-1 product the hybrid
 * (dynamic-range) FULLY_CONNECTED of an unrolled LSTM step runs, [1, K] x [N, K]^T.
 *
 *     c[j] = bias[j] + sum over k of (a[k] - a_zero_point) * B[k][j]     (int32, j < n)
 *
 *   a         [K] int8
 *   packed_b  B as tflc_qgemm_s8_pack_b packed it (any config; the layout is qgemm.h's)
 *   bias      [N] int32 or NULL
 *   c         [N] int32
 * Arithmetic modulo 2^32: the result is tflc_qgemm_s8 with M = 1, bit for bit, for every
 * variant. Why a kernel of its own: the GEMM's 1-row tile adds every K group into the same
 * two accumulators, so a row waits on the latency of VPDPBUSD; here each panel of columns
 * sums K in four independent accumulator pairs (exact integers, so the order is free).
 * B packed for a config without a GEMV variant runs through tflc_qgemm_s8.
 */
#ifndef TFLC_KERNELS_QS8_GEMV_H
#define TFLC_KERNELS_QS8_GEMV_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/qgemm.h"

void tflc_qs8_gemv(size_t n, size_t k, const int8_t *a, int32_t a_zero_point,
                   const void *packed_b, const int32_t *bias, int32_t *c);

/* The same for columns [n0, n1) only (c[j], n0 <= j < n1; the rest of c untouched): n0 a
 * multiple of the packed config's nr, n1 <= n. A thread's share of a batch-1
 * FULLY_CONNECTED or 1x1 convolution (tflc_qs8_gemm_requant with one row). */
void tflc_qs8_gemv_cols(size_t n0, size_t n1, size_t n, size_t k, const int8_t *a,
                        int32_t a_zero_point, const void *packed_b, const int32_t *bias,
                        int32_t *c);

/* The VNNI variant (B packed for tflc_qs8_gemm_config_avx512vnni()); NULL when not built.
 * It does not check the CPU. */
typedef void (*tflc_qs8_gemv_fn)(size_t n0, size_t n1, size_t n, size_t k, const int8_t *a,
                                 int32_t a_zero_point, const void *packed_b,
                                 const int32_t *bias, int32_t *c);
tflc_qs8_gemv_fn tflc_qs8_gemv_avx512vnni(void);

/* colsum[j] = sum over k of B[k][j] (modulo 2^32), j < n, read from the packed block (the
 * hybrid path subtracts zero_point * colsum per input row). */
void tflc_qgemm_s8_packed_col_sums(const void *packed_b, size_t n, size_t k, int32_t *colsum);

#endif
