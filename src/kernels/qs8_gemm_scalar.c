/*
 * qs8_gemm_scalar.c -- the portable int8 GEMM microkernels (MR x NR = 4 x 8): the
 * specification of the kernel contract in qgemm.h: unsigned bytes of A (a + 128) times
 * signed bytes of B, as VNNI's VPDPBUSD. Integer arithmetic modulo 2^32 (done in uint32_t:
 * signed overflow would be undefined), so every variant gives the same bits.
 */
#include "kernels/qgemm.h"

#include <string.h>

#define QS8_SCALAR_MR 4
#define QS8_SCALAR_NR 8
#define QS8_SCALAR_KC 512
#define QS8_SCALAR_AS (QS8_SCALAR_KC + 64)   /* packed-A row stride, bytes */

static void qs8_scalar_tile(size_t r, size_t kc, const uint8_t *a, const int8_t *b, int32_t *c,
                            size_t ldc, size_t nc, const int32_t *init) {
    for (size_t i = 0; i < r; i++, a += QS8_SCALAR_AS, c += ldc) {
        uint32_t acc[QS8_SCALAR_NR];
        for (size_t j = 0; j < QS8_SCALAR_NR; j++)
            acc[j] = init ? (uint32_t)init[j] : j < nc ? (uint32_t)c[j] : 0u;
        for (size_t k = 0; k < kc; k += 4) {
            const int8_t *g = b + k * QS8_SCALAR_NR;   /* group k/4: NR columns x 4 bytes */
            for (size_t j = 0; j < QS8_SCALAR_NR; j++)
                for (size_t t = 0; t < 4; t++)
                    acc[j] += (uint32_t)((int32_t)a[k + t] * (int32_t)g[j * 4 + t]);
        }
        for (size_t j = 0; j < nc; j++) c[j] = (int32_t)acc[j];
    }
}

#define QS8_SCALAR_UKERNEL(R)                                                                \
    static void qs8_gemm_ukernel_##R##x8_scalar(size_t kc, const uint8_t *a, const int8_t *b, \
                                                int32_t *c, size_t ldc, size_t nc,           \
                                                const int32_t *init) {                       \
        qs8_scalar_tile(R, kc, a, b, c, ldc, nc, init);                                     \
    }
QS8_SCALAR_UKERNEL(1)
QS8_SCALAR_UKERNEL(2)
QS8_SCALAR_UKERNEL(3)
QS8_SCALAR_UKERNEL(4)

static const tflc_qgemm_s8_config qs8_scalar_config = {
    .name = "qs8_gemm_4x8_scalar",
    .isa = TFLC_ISA_SCALAR,
    .a_offset = 128,
    .mr = QS8_SCALAR_MR,
    .nr = QS8_SCALAR_NR,
    .kc = QS8_SCALAR_KC,
    .mc = 48,
    .nc = 256,
    .a_stride = QS8_SCALAR_AS,
    .ukernel = {NULL, qs8_gemm_ukernel_1x8_scalar, qs8_gemm_ukernel_2x8_scalar,
                qs8_gemm_ukernel_3x8_scalar, qs8_gemm_ukernel_4x8_scalar},
};

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_scalar(void) { return &qs8_scalar_config; }
