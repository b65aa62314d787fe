/*
 * qs8_gemm_neon.h -- what the two NEON int8 GEMM configs share (qs8_gemm_neon.c, SMULL;
 * qs8_gemm_neondot.c, SDOT): an 8-column int32 row of C read and written without touching
 * columns past nc, and pack_a. Included only on aarch64 with NEON.
 */
#ifndef TFLC_KERNELS_QS8_GEMM_NEON_H
#define TFLC_KERNELS_QS8_GEMM_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Columns [0, nc) of a C row (nc <= 8) into lo (0-3) and hi (4-7); lanes past nc are 0. */
static inline void tflc_qs8_neon_row_load(const int32_t *c, size_t nc, int32x4_t *lo,
                                          int32x4_t *hi) {
    if (nc == 8) {
        *lo = vld1q_s32(c);
        *hi = vld1q_s32(c + 4);
        return;
    }
    int32_t t[8] = {0};   /* a ragged panel: only its nc columns of C are read */
    memcpy(t, c, nc * sizeof(int32_t));
    *lo = vld1q_s32(t);
    *hi = vld1q_s32(t + 4);
}

/* Columns [0, nc) of lo:hi to a C row: 8 at once, else 4, 2, then 1 (never past nc). */
static inline void tflc_qs8_neon_row_store(int32_t *c, size_t nc, int32x4_t lo, int32x4_t hi) {
    if (nc == 8) {
        vst1q_s32(c, lo);
        vst1q_s32(c + 4, hi);
        return;
    }
    int32x4_t v = lo;
    if (nc >= 4) {
        vst1q_s32(c, v);
        v = hi;
        c += 4;
        nc -= 4;
    }
    if (nc >= 2) {
        vst1_s32(c, vget_low_s32(v));
        v = vextq_s32(v, v, 2);
        c += 2;
        nc -= 2;
    }
    if (nc) vst1q_lane_s32(c, v, 0);
}

/* pack_a (qgemm.h) 16 bytes at a time, plus the offset (0 for both NEON configs, kept
 * general); the last kc % 16 bytes one by one, then zeros up to the next multiple of 4.
 * Reads only the kc bytes of each source row, writes only round4(kc) of each packed one. */
static inline void tflc_qs8_neon_pack_a(size_t mc, size_t kc, const int8_t *a, size_t lda,
                                        size_t a_stride, uint8_t offset, uint8_t *dst) {
    const uint8x16_t off = vdupq_n_u8(offset);
    const size_t k4 = (kc + 3) & ~(size_t)3;
    for (size_t i = 0; i < mc; i++) {
        const uint8_t *src = (const uint8_t *)a + i * lda;
        uint8_t *row = dst + i * a_stride;
        size_t k = 0;
        for (; k + 16 <= kc; k += 16) vst1q_u8(row + k, vaddq_u8(vld1q_u8(src + k), off));
        for (; k < kc; k++) row[k] = (uint8_t)(src[k] + offset);
        for (; k < k4; k++) row[k] = 0;
    }
}

#endif
