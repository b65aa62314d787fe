/*
 * x8_lut_neon.c -- the byte table lookup (x8_lut.h) for aarch64 Advanced SIMD, 64 bytes per
 * step (four q registers of indices). TBL with four table registers (vqtbl4q_u8) indexes 64
 * bytes and gives 0 where the index is 64 or more; TBX (vqtbx4q_u8) leaves such lanes as
 * they were. So the 256-byte table is four quarters of four q registers each (16 of the 32
 * vector registers, loaded once per call), and one vector is looked up as
 *
 *     r = TBL(t[0], i);  r = TBX(r, t[1], i - 64);  r = TBX(r, t[2], i - 128);
 *     r = TBX(r, t[3], i - 192);
 *
 * the subtractions wrapping mod 256, so for each index exactly one quarter sees it in
 * 0..63. The rest runs 16 bytes a step and the last 1..15 bytes one at a time, so nothing
 * is read or written past n. No per-file flags: AdvSIMD is in the base ISA.
 */
#include "kernels/x8_lut.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define X8_INLINE static inline __attribute__((always_inline))

/* Table bytes 64 k .. 64 k + 63 are in tk. */
X8_INLINE uint8x16_t lookup16(uint8x16_t i, uint8x16x4_t t0, uint8x16x4_t t1, uint8x16x4_t t2,
                              uint8x16x4_t t3, uint8x16_t k64) {
    uint8x16_t r = vqtbl4q_u8(t0, i);
    i = vsubq_u8(i, k64);
    r = vqtbx4q_u8(r, t1, i);
    i = vsubq_u8(i, k64);
    r = vqtbx4q_u8(r, t2, i);
    i = vsubq_u8(i, k64);
    return vqtbx4q_u8(r, t3, i);
}

static void x8_lut_neon(size_t n, const uint8_t *x, const uint8_t table[256], uint8_t *y) {
    const uint8x16x4_t t0 = vld1q_u8_x4(table), t1 = vld1q_u8_x4(table + 64);
    const uint8x16x4_t t2 = vld1q_u8_x4(table + 128), t3 = vld1q_u8_x4(table + 192);
    const uint8x16_t k64 = vdupq_n_u8(64);
    size_t i = 0;
    /* All four loads before any store: y may be x. */
    for (; i + 64 <= n; i += 64) {
        const uint8x16_t a = vld1q_u8(x + i), b = vld1q_u8(x + i + 16);
        const uint8x16_t c = vld1q_u8(x + i + 32), d = vld1q_u8(x + i + 48);
        vst1q_u8(y + i, lookup16(a, t0, t1, t2, t3, k64));
        vst1q_u8(y + i + 16, lookup16(b, t0, t1, t2, t3, k64));
        vst1q_u8(y + i + 32, lookup16(c, t0, t1, t2, t3, k64));
        vst1q_u8(y + i + 48, lookup16(d, t0, t1, t2, t3, k64));
    }
    for (; i + 16 <= n; i += 16) vst1q_u8(y + i, lookup16(vld1q_u8(x + i), t0, t1, t2, t3, k64));
    /* The last 1..15 bytes one at a time: a stack copy's memcpy calls would make the table
     * registers spill around them, and an overlapping last vector is wrong in place. */
    for (; i < n; i++) y[i] = table[x[i]];
}

static const tflc_x8_lut_config neon_config = {
    .name = "x8_lut_neon",
    .isa = TFLC_ISA_NEON,
    .lut = x8_lut_neon,
};

const tflc_x8_lut_config *tflc_x8_lut_config_neon(void) { return &neon_config; }

#else

const tflc_x8_lut_config *tflc_x8_lut_config_neon(void) { return NULL; }

#endif
