/*
 * f32_gemm_scalar.c -- the portable f32 GEMM microkernels (MR x NR = 4 x 8): the
 * specification every SIMD variant is tested against (tests/unit/test_gemm.c).
 *
 * Arithmetic, per output element: acc = 0 (or C), then acc = acc + a*b for k in order (a
 * rounded product, then a rounded sum: no FMA contraction, which -std=c11 turns off and
 * cmake/kernels.cmake forbids with -ffp-contract=off), then clamp(acc + bias). That is the
 * order of operations of the reference CONV_2D and FULLY_CONNECTED loops, so with this
 * config (TFLC_ISA=scalar) those operators stay bit-exact with LiteRT's reference kernels,
 * except where the caller asks for TFLC_GEMM_MUL_ADD (CONV_2D's small filters): there
 * gemm.c redoes the last N % 8 columns (and N == 1) in LiteRT's builtin (Eigen) order, as at
 * every ISA level.
 */
#include "kernels/gemm.h"
#include "kernels/f32_gemm_dot.h"

#include <string.h>

#define SCALAR_MR 4
#define SCALAR_NR 8
#define SCALAR_KC 256
#define SCALAR_AS (SCALAR_KC + 16)   /* packed-A row stride */

/* r is a compile-time constant in every caller; unrolled, the accumulators stay in
 * registers. */
#define UNROLL _Pragma("GCC unroll 16")

static inline void scalar_tile(size_t r, size_t kc, const float *a, const float *b, float *c,
                               size_t ldc, size_t nc, const float *bias, float min, float max,
                               unsigned flags) {
    float acc[SCALAR_MR][SCALAR_NR];
    UNROLL
    for (size_t i = 0; i < r; i++)
        UNROLL
        for (size_t j = 0; j < SCALAR_NR; j++)
            acc[i][j] = (flags & TFLC_GEMM_ACCUMULATE) && j < nc ? c[i * ldc + j] : 0.0f;
    for (size_t k = 0; k < kc; k++, b += SCALAR_NR)
        UNROLL
        for (size_t i = 0; i < r; i++) {
            const float ai = a[i * SCALAR_AS + k];
            UNROLL
            for (size_t j = 0; j < SCALAR_NR; j++) {
                float p = ai * b[j];
                acc[i][j] = acc[i][j] + p;
            }
        }
    if (flags & TFLC_GEMM_FINAL)
        UNROLL
        for (size_t i = 0; i < r; i++)
            UNROLL
            for (size_t j = 0; j < SCALAR_NR; j++) {
                float v = acc[i][j] + bias[j];
                acc[i][j] = v < min ? min : (v > max ? max : v);
            }
    UNROLL
    for (size_t i = 0; i < r; i++) {
        float row[SCALAR_NR];
        UNROLL
        for (size_t j = 0; j < SCALAR_NR; j++) row[j] = acc[i][j];
        memcpy(c + i * ldc, row, nc * sizeof(float));
    }
}

#define SCALAR_UKERNEL(R)                                                                    \
    static void f32_gemm_ukernel_##R##x8_scalar(size_t kc, const float *a, const float *b,  \
                                                float *c, size_t ldc, size_t nc,             \
                                                const float *bias, float min, float max,     \
                                                unsigned flags,                              \
                                                const tflc_gemm_f32_ahead *ahead) {          \
        (void)ahead; /* no prefetch of the next panel here (gemm.h) */                      \
        scalar_tile(R, kc, a, b, c, ldc, nc, bias, min, max, flags);                        \
    }
SCALAR_UKERNEL(1)
SCALAR_UKERNEL(2)
SCALAR_UKERNEL(3)
SCALAR_UKERNEL(4)

static void f32_gemm_dot_scalar(size_t k, const float *a, const float *b, float *c, size_t nc,
                               const float *bias, float min, float max, bool stream) {
    tflc_f32_gemm_dot_panel(SCALAR_NR, k, a, b, c, nc, bias, min, max, stream);
}

static const tflc_gemm_f32_config scalar_config = {
    .name = "f32_gemm_4x8_scalar",
    .isa = TFLC_ISA_SCALAR,
    .mr = SCALAR_MR,
    .nr = SCALAR_NR,
    .kc = SCALAR_KC,
    .mc = 56,
    .nc = 256,
    .a_stride = SCALAR_AS,
    .ukernel = {NULL, f32_gemm_ukernel_1x8_scalar, f32_gemm_ukernel_2x8_scalar,
                f32_gemm_ukernel_3x8_scalar, f32_gemm_ukernel_4x8_scalar},
    .dot = f32_gemm_dot_scalar,
};

const tflc_gemm_f32_config *tflc_f32_gemm_config_scalar(void) { return &scalar_config; }
