/*
 * f32_gemm_dot.h -- the one-row product (M == 1) in LiteRT's order of summation, for one
 * packed panel of B. Included by each f32_gemm_<isa>.c with its NR, so the compiler
 * vectorizes the column loops with that file's instruction set.
 *
 * LiteRT's builtin kernels compute a one-row product (FULLY_CONNECTED with one batch row,
 * CONV_2D with one output pixel) as an Eigen matrix-vector product built for 4-lane SSE:
 * per output column j,
 *     s[l] = sum over k = l, l+4, l+8, ... < K4 of a[k] * b[k][j]   (K4 = K rounded down to 4)
 *     acc  = (s[0] + s[2]) + (s[1] + s[3])
 *     acc  = acc + a[k] * b[k][j]   for k = K4 .. K-1, in order
 *     out  = clamp(acc + bias[j])
 * every product and every sum rounded (no FMA). Measured bit-exact on all outputs of
 * FULLY_CONNECTED 2048->100 and 1001->37 and of a 1x1 CONV_2D 30->13 on one pixel, and
 * on every squeeze-excite convolution of efficientnet_b0 (the sequential k order matches
 * 7% to 62% of those outputs). The column lanes are independent sums, so vectorizing
 * across j changes no bit; the products are memory-bound, so rounding them costs nothing.
 */
#ifndef TFLC_KERNELS_F32_GEMM_DOT_H
#define TFLC_KERNELS_F32_GEMM_DOT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kernels/cpu.h"   /* tflc_prefetch */

/* How far ahead of its reads a streaming one-row product asks for B (bytes). */
#define TFLC_DOT_PREFETCH_BYTES 8192

/* The end of one column of a one-row product over B read in place (gemm.h): acc, the
 * combined partial sums (s0 + s2) + (s1 + s3) over k < k4, plus the products of k in
 * [k4, k) in order (row: the column's weights), then + bias and the clamp (NaN passes), as
 * the panel kernel below ends each column. Shared by gemm.c's portable loop and the SIMD
 * dot_rows kernels, whose bits must agree. */
static inline float tflc_f32_dot_row_end(float acc, const float *a, const float *row, size_t k4,
                                         size_t k, float bias, float min, float max) {
    for (size_t kk = k4; kk < k; kk++) {
        const float p = a[kk] * row[kk];
        acc = acc + p;
    }
    const float v = acc + bias;
    return v < min ? min : (v > max ? max : v);
}

/* One panel: a [k], b the packed panel (b[kk*NR + j]), columns [0, nc) of c written,
 * bias NR readable floats. NR is a compile-time constant after inlining. stream: prefetch
 * B ahead (a product whose weights come from memory; hints cost issue slots when B is in
 * cache, so the caller asks only for large B). */
static inline __attribute__((always_inline)) void tflc_f32_gemm_dot_panel(
    const size_t NR, size_t k, const float *restrict a, const float *restrict b,
    float *restrict c, size_t nc, const float *restrict bias, float min, float max,
    bool stream) {
    float s0[64], s1[64], s2[64], s3[64], acc[64];
    for (size_t j = 0; j < NR; j++) s0[j] = s1[j] = s2[j] = s3[j] = 0.0f;
    const size_t k4 = k & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk += 4, b += 4 * NR) {
        const float a0 = a[kk], a1 = a[kk + 1], a2 = a[kk + 2], a3 = a[kk + 3];
        if (stream)
            for (size_t line = 0; line < 4 * NR * sizeof(float); line += 64)
                tflc_prefetch(b, TFLC_DOT_PREFETCH_BYTES + line);
        for (size_t j = 0; j < NR; j++) {
            const float p0 = a0 * b[j], p1 = a1 * b[NR + j];
            const float p2 = a2 * b[2 * NR + j], p3 = a3 * b[3 * NR + j];
            s0[j] = s0[j] + p0;
            s1[j] = s1[j] + p1;
            s2[j] = s2[j] + p2;
            s3[j] = s3[j] + p3;
        }
    }
    for (size_t j = 0; j < NR; j++) acc[j] = (s0[j] + s2[j]) + (s1[j] + s3[j]);
    for (size_t kk = k4; kk < k; kk++, b += NR)
        for (size_t j = 0; j < NR; j++) {
            const float p = a[kk] * b[j];
            acc[j] = acc[j] + p;
        }
    for (size_t j = 0; j < NR; j++) {
        const float v = acc[j] + bias[j];
        acc[j] = v < min ? min : (v > max ? max : v);
    }
    memcpy(c, acc, nc * sizeof(float));
}

#endif
