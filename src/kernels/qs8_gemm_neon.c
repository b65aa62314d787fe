/*
 * qs8_gemm_neon.c -- int8 GEMM microkernels for plain aarch64 Advanced SIMD, for the CPUs
 * without Armv8.2's DotProd (Cortex-A53, A72: Raspberry Pi 3 and 4); the ones
 * that have it use qs8_gemm_neondot.c. 4 x 8 int32 tile, signed bytes of A times signed bytes
 * of B, so A is packed as it is (a_offset 0) and each column starts from bias - a_zero_point *
 * colsum (qgemm.c), as in the SDOT config.
 *
 * Per group of 4 k (B's packed group: 8 columns x 4 bytes, two 16-byte loads) and per row:
 * the row's 4 A bytes are loaded into all four 32-bit lanes, then SMULL / SMULL2 multiply
 * them by 2 columns' 4 bytes at a time into 8 int16 products (vmull_s8, vmull_high_s8) and
 * SADALP (vpadalq_s16) adds neighbouring products into int32 lanes. Each int16 lane holds a
 * single product, at most 128 * 128 = 16384 and at least -128 * 127, so it is exact for
 * every input; SMLAL would add a second product and -128 * -128 twice is 32768, one past
 * INT16_MAX. An accumulator q register holds 2 columns x 2 partial sums (k % 4 in {0, 1} and
 * {2, 3}): 4 per row, 16 for the tile; ADDP joins the partial sums at the end. All int32
 * adds wrap modulo 2^32, as the scalar kernels. A panel's last 4 columns or fewer run half
 * the tile; a ragged panel's C is read through a stack copy and written 4, 2, 1 lanes at a
 * time, never past column nc. No extra compiler flags (Advanced SIMD is base aarch64);
 * without NEON (another architecture) the file only reports that it has no config.
 */
#include "kernels/qgemm.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#include "kernels/qs8_gemm_neon.h"
#include <stdbool.h>
#include <string.h>

#define QS8_NEON_MR 4
#define QS8_NEON_NR 8
#define QS8_NEON_KC 512
#define QS8_NEON_MC 48
#define QS8_NEON_NC 512
#define QS8_NEON_AS (QS8_NEON_KC + 16)   /* packed-A row stride, bytes: not a power of 2 */

#define UNROLL _Pragma("GCC unroll 4")

/* The 4 A bytes of one row at a (a group of 4 k) in every 32-bit lane. */
static inline int8x16_t load_group(const uint8_t *a) {
    uint32_t w;
    memcpy(&w, a, sizeof w);
    return vreinterpretq_s8_u32(vdupq_n_u32(w));
}

/* acc += the products of the group's A bytes (av, in every 32-bit lane) and 2 columns' 4
 * bytes (the low or high half of bv): lanes (col 0: k 0+1, col 0: k 2+3, col 1: ..., ...). */
#define MULL_LO(acc, av, bv) acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(av), vget_low_s8(bv)))
#define MULL_HI(acc, av, bv) acc = vpadalq_s16(acc, vmull_high_s8(av, bv))

/* r is a compile-time constant in every caller; with the row loops fully unrolled the
 * accumulator arrays live in registers. half: columns 4-7 are past C (nc <= 4). */
static inline __attribute__((always_inline)) void mull_tile(
    const size_t r, const bool half, size_t kc, const uint8_t *restrict a,
    const int8_t *restrict b, int32_t *restrict c, size_t ldc, size_t nc, const int32_t *init) {
    /* acc[i][p]: row i, columns 2p and 2p+1, two partial sums each (see MULL_LO). */
    int32x4_t acc[QS8_NEON_MR][4];
    const int32x4_t zero = vdupq_n_s32(0);
    UNROLL
    for (size_t i = 0; i < r; i++) {
        int32x4_t s0, s1;   /* the row's starting values, columns 0-3 and 4-7 */
        if (init) {
            s0 = vld1q_s32(init);
            s1 = half ? zero : vld1q_s32(init + 4);
        } else {
            tflc_qs8_neon_row_load(c + i * ldc, nc, &s0, &s1);
        }
        acc[i][0] = vzip1q_s32(s0, zero);
        acc[i][1] = vzip2q_s32(s0, zero);
        acc[i][2] = vzip1q_s32(s1, zero);
        acc[i][3] = vzip2q_s32(s1, zero);
    }
    for (size_t k = 0; k < kc; k += 4) {
        const int8x16_t b0 = vld1q_s8(b);   /* columns 0-3 x 4 bytes */
        const int8x16_t b1 = half ? b0 : vld1q_s8(b + 16);
        UNROLL
        for (size_t i = 0; i < r; i++) {
            const int8x16_t av = load_group(a + i * QS8_NEON_AS + k);
            MULL_LO(acc[i][0], av, b0);
            MULL_HI(acc[i][1], av, b0);
            if (!half) {
                MULL_LO(acc[i][2], av, b1);
                MULL_HI(acc[i][3], av, b1);
            }
        }
        b += 4 * QS8_NEON_NR;
    }
    UNROLL
    for (size_t i = 0; i < r; i++) {   /* columns 0-3 and 4-7 from their pairs of sums */
        const int32x4_t lo = vpaddq_s32(acc[i][0], acc[i][1]);
        const int32x4_t hi = half ? zero : vpaddq_s32(acc[i][2], acc[i][3]);
        tflc_qs8_neon_row_store(c + i * ldc, nc, lo, hi);
    }
}

#define QS8_NEON_UKERNEL(R)                                                                  \
    static void qs8_gemm_ukernel_##R##x8_neon(size_t kc, const uint8_t *a, const int8_t *b,  \
                                              int32_t *c, size_t ldc, size_t nc,             \
                                              const int32_t *init) {                         \
        if (nc <= 4) /* a panel's last 4 columns or fewer: half the tile's work */          \
            mull_tile(R, true, kc, a, b, c, ldc, nc, init);                                 \
        else                                                                                 \
            mull_tile(R, false, kc, a, b, c, ldc, nc, init);                                \
    }
QS8_NEON_UKERNEL(1)
QS8_NEON_UKERNEL(2)
QS8_NEON_UKERNEL(3)
QS8_NEON_UKERNEL(4)

static void neon_pack_a(size_t mc, size_t kc, const int8_t *a, size_t lda, size_t a_stride,
                        uint8_t offset, uint8_t *dst) {
    tflc_qs8_neon_pack_a(mc, kc, a, lda, a_stride, offset, dst);
}

_Static_assert(QS8_NEON_AS >= QS8_NEON_KC && QS8_NEON_KC % 4 == 0 && QS8_NEON_AS % 4 == 0,
               "packed rows hold a K slice; the 4-byte loads of A stay inside the written kc");
_Static_assert(QS8_NEON_MC % QS8_NEON_MR == 0 && QS8_NEON_NC % QS8_NEON_NR == 0 &&
                   QS8_NEON_MC * QS8_NEON_AS <= TFLC_QGEMM_APACK_BYTES,
               "blocking as qgemm.h asks");

static const tflc_qgemm_s8_config neon_config = {
    .name = "qs8_gemm_4x8_neon",
    .isa = TFLC_ISA_NEON,
    .a_offset = 0,
    .mr = QS8_NEON_MR,
    .nr = QS8_NEON_NR,
    .kc = QS8_NEON_KC,
    .mc = QS8_NEON_MC,
    .nc = QS8_NEON_NC,
    .a_stride = QS8_NEON_AS,
    .ukernel = {NULL, qs8_gemm_ukernel_1x8_neon, qs8_gemm_ukernel_2x8_neon,
                qs8_gemm_ukernel_3x8_neon, qs8_gemm_ukernel_4x8_neon},
    .pack_a = neon_pack_a,
};

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neon(void) { return &neon_config; }

#else

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neon(void) { return NULL; }

#endif
