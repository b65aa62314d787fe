/*
 * qs8_gemm_neondot.c -- int8 GEMM microkernels for aarch64 Advanced SIMD with the Armv8.2
 * dot product (SDOT): 8 x 8 int32 tile (16 q-register accumulators, two per row). SDOT
 * multiplies signed bytes by signed bytes, so A is packed as it is (a_offset 0, where VNNI's
 * unsigned x signed VPDPBUSD needs 128) and each column starts from bias - a_zero_point *
 * colsum (qgemm.c). Per 16 bytes of a packed A row (4 groups of 4 k): one 16-byte load per
 * row, then per group two 16-byte loads of B (8 columns x 4 signed bytes) and per row
 * SDOT by element (vdotq_laneq_s32), which adds the 4 products of a column's group to its
 * int32 lane (no saturation: wraps like the scalar kernels). A K tail of fewer than 16
 * bytes goes a group at a time. A panel's last 4 columns or fewer run half the tile; a ragged
 * panel's C is read through a stack copy and written 4, 2, 1 lanes at a time, never past
 * column nc. Built with -march=armv8.2-a+dotprod (cmake/kernels.cmake);
 * without NEON (another architecture) the file only reports that it has no config.
 */
#include "kernels/qgemm.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#if !defined(__ARM_FEATURE_DOTPROD)
#error "qs8_gemm_neondot.c needs -march=armv8.2-a+dotprod (cmake/kernels.cmake)"
#endif
#include <arm_neon.h>
#include "kernels/qs8_gemm_neon.h"
#include <stdbool.h>
#include <string.h>

#define QS8_DOT_MR 8
#define QS8_DOT_NR 8
#define QS8_DOT_KC 512
#define QS8_DOT_MC 48
#define QS8_DOT_NC 512
#define QS8_DOT_AS (QS8_DOT_KC + 16)   /* packed-A row stride, bytes: not a power of 2 */

#define UNROLL _Pragma("GCC unroll 8")

/* Group g of the 16 A bytes in av (lane g) times the 8 columns of B's group at b (bl: columns
 * 0-3, bh: 4-7) into the r rows' accumulators; half: the columns 4-7 are past C. */
#define QS8_DOT_GROUP(G)                                                                   \
    do {                                                                                   \
        const int8x16_t bl = vld1q_s8(b + (G) * 4 * QS8_DOT_NR);                           \
        const int8x16_t bh = half ? bl : vld1q_s8(b + (G) * 4 * QS8_DOT_NR + 16);          \
        UNROLL                                                                             \
        for (size_t i = 0; i < r; i++) {                                                   \
            lo[i] = vdotq_laneq_s32(lo[i], bl, av[i], G);                                  \
            if (!half) hi[i] = vdotq_laneq_s32(hi[i], bh, av[i], G);                       \
        }                                                                                  \
    } while (0)

/* r is a compile-time constant in every caller; with the row loops fully unrolled the
 * accumulator arrays live in registers. */
static inline __attribute__((always_inline)) void dot_tile(
    const size_t r, const bool half, size_t kc, const uint8_t *restrict a,
    const int8_t *restrict b, int32_t *restrict c, size_t ldc, size_t nc, const int32_t *init) {
    int32x4_t lo[QS8_DOT_MR], hi[QS8_DOT_MR];
    if (init) {
        const int32x4_t i0 = vld1q_s32(init), i1 = vld1q_s32(init + 4);
        UNROLL
        for (size_t i = 0; i < r; i++) {
            lo[i] = i0;
            hi[i] = i1;
        }
    } else {
        UNROLL
        for (size_t i = 0; i < r; i++) tflc_qs8_neon_row_load(c + i * ldc, nc, &lo[i], &hi[i]);
    }
    size_t k = 0;
    for (; k + 16 <= kc; k += 16) {
        int8x16_t av[QS8_DOT_MR];
        UNROLL
        for (size_t i = 0; i < r; i++)
            av[i] = vreinterpretq_s8_u8(vld1q_u8(a + i * QS8_DOT_AS + k));
        QS8_DOT_GROUP(0);
        QS8_DOT_GROUP(1);
        QS8_DOT_GROUP(2);
        QS8_DOT_GROUP(3);
        b += 16 * QS8_DOT_NR;
    }
    for (; k < kc; k += 4) {   /* the last 1-3 groups: 4 bytes of each row, broadcast */
        int8x16_t av[QS8_DOT_MR];
        UNROLL
        for (size_t i = 0; i < r; i++) {
            uint32_t w;
            memcpy(&w, a + i * QS8_DOT_AS + k, sizeof w);
            av[i] = vreinterpretq_s8_u32(vdupq_n_u32(w));
        }
        QS8_DOT_GROUP(0);
        b += 4 * QS8_DOT_NR;
    }
    UNROLL
    for (size_t i = 0; i < r; i++) tflc_qs8_neon_row_store(c + i * ldc, nc, lo[i], hi[i]);
}

#define QS8_DOT_UKERNEL(R)                                                                   \
    static void qs8_gemm_ukernel_##R##x8_neondot(size_t kc, const uint8_t *a, const int8_t *b, \
                                                 int32_t *c, size_t ldc, size_t nc,          \
                                                 const int32_t *init) {                      \
        if (nc <= 4) /* a panel's last 4 columns or fewer: half the tile's work */          \
            dot_tile(R, true, kc, a, b, c, ldc, nc, init);                                  \
        else                                                                                 \
            dot_tile(R, false, kc, a, b, c, ldc, nc, init);                                 \
    }
QS8_DOT_UKERNEL(1)
QS8_DOT_UKERNEL(2)
QS8_DOT_UKERNEL(3)
QS8_DOT_UKERNEL(4)
QS8_DOT_UKERNEL(5)
QS8_DOT_UKERNEL(6)
QS8_DOT_UKERNEL(7)
QS8_DOT_UKERNEL(8)

static void neondot_pack_a(size_t mc, size_t kc, const int8_t *a, size_t lda, size_t a_stride,
                           uint8_t offset, uint8_t *dst) {
    tflc_qs8_neon_pack_a(mc, kc, a, lda, a_stride, offset, dst);
}

_Static_assert(QS8_DOT_AS >= QS8_DOT_KC && QS8_DOT_KC % 16 == 0 && QS8_DOT_AS % 16 == 0,
               "packed rows hold a K slice; the 16-byte loads of A stay inside the written kc");
_Static_assert(QS8_DOT_MC % QS8_DOT_MR == 0 && QS8_DOT_NC % QS8_DOT_NR == 0 &&
                   QS8_DOT_MC * QS8_DOT_AS <= TFLC_QGEMM_APACK_BYTES,
               "blocking as qgemm.h asks");

static const tflc_qgemm_s8_config neondot_config = {
    .name = "qs8_gemm_8x8_neondot",
    .isa = TFLC_ISA_NEON,
    .a_offset = 0,
    .mr = QS8_DOT_MR,
    .nr = QS8_DOT_NR,
    .kc = QS8_DOT_KC,
    .mc = QS8_DOT_MC,
    .nc = QS8_DOT_NC,
    .a_stride = QS8_DOT_AS,
    .ukernel = {NULL, qs8_gemm_ukernel_1x8_neondot, qs8_gemm_ukernel_2x8_neondot,
                qs8_gemm_ukernel_3x8_neondot, qs8_gemm_ukernel_4x8_neondot,
                qs8_gemm_ukernel_5x8_neondot, qs8_gemm_ukernel_6x8_neondot,
                qs8_gemm_ukernel_7x8_neondot, qs8_gemm_ukernel_8x8_neondot},
    .pack_a = neondot_pack_a,
};

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neondot(void) { return &neondot_config; }

#else

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neondot(void) { return NULL; }

#endif
