/*
 * f32_gemm_neon.c -- f32 GEMM microkernels for aarch64 Advanced SIMD: 5 x 16 register tile
 * (20 q accumulators, 4 q of B, 5 of A: 29 of the 32 vector registers; GCC turns each
 * broadcast of A into a scalar load and a by-element FMLA, and holds a k's five loads at
 * once, so a 6-row tile spilled an accumulator on every k). Same
 * arithmetic as the AVX2 kernels (gemm.h): FMA in blocks of 64 k, or a rounded multiply and
 * a rounded add (TFLC_GEMM_MUL_ADD). Ragged columns go through a 16-float row on the stack.
 * AdvSIMD is part of aarch64, so the file needs no flags beyond -ffp-contract=off
 * (cmake/kernels.cmake); on another architecture it only reports that it has no config.
 */
#include "kernels/gemm.h"
#include "kernels/f32_gemm_dot.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#include <string.h>

#define NEON_MR 5
#define NEON_NR 16
#define NEON_KC 256
#define NEON_MC 60
#define NEON_NC 1024
/* The FMA path's summation block (gemm.h): each block of k summed apart, then added. */
#define NEON_SUM_BLOCK 64
/* Packed-A row stride: KC plus one cache line, so the rows fall in different L1 sets. */
#define NEON_AS (NEON_KC + 16)
_Static_assert(NEON_MC * NEON_AS <= TFLC_GEMM_APACK_FLOATS && NEON_MC % NEON_MR == 0,
               "a packed-A block fits gemm.c's stack buffer");

/* r is a compile-time constant in every caller; with the row loops fully unrolled the
 * accumulator arrays live in registers. */
#define UNROLL _Pragma("GCC unroll 16")

/* One row of the tile: 16 columns in four q registers. */
typedef struct row16 {
    float32x4_t q[4];
} row16;

static inline row16 row_zero(void) {
    const float32x4_t z = vdupq_n_f32(0.0f);
    row16 v = {{z, z, z, z}};
    return v;
}

/* Columns [0, nc) of a C row; lanes past nc are zero and never read from C. */
static inline row16 row_load(const float *c, size_t nc) {
    float tmp[NEON_NR] = {0};
    const float *src = c;
    if (nc < NEON_NR) {
        memcpy(tmp, c, nc * sizeof(float));
        src = tmp;
    }
    row16 v = {{vld1q_f32(src), vld1q_f32(src + 4), vld1q_f32(src + 8), vld1q_f32(src + 12)}};
    return v;
}

static inline void row_store(float *c, size_t nc, row16 v) {
    if (nc == NEON_NR) {
        UNROLL
        for (int q = 0; q < 4; q++) vst1q_f32(c + 4 * q, v.q[q]);
        return;
    }
    float tmp[NEON_NR];
    UNROLL
    for (int q = 0; q < 4; q++) vst1q_f32(tmp + 4 * q, v.q[q]);
    memcpy(c, tmp, nc * sizeof(float));
}

/* The scalar kernel's clamp, v < min ? min : (v > max ? max : v), lane by lane: a compare
 * and a select, not FMAX / FMIN, which order -0.0 below +0.0 (the scalar clamp keeps a -0.0
 * that equals min) and would differ from it there. NaN fails both compares and passes. */
static inline float32x4_t clamp_like_scalar(float32x4_t v, float32x4_t vmin, float32x4_t vmax) {
    v = vbslq_f32(vcltq_f32(v, vmin), vmin, v);
    return vbslq_f32(vcgtq_f32(v, vmax), vmax, v);
}

static inline __attribute__((always_inline)) void neon_tile(
    const size_t r, size_t kc, const float *restrict a, const float *restrict b,
    float *restrict c, size_t ldc, size_t nc, const float *bias, float min, float max,
    unsigned flags) {
    row16 acc[NEON_MR];
    /* A later K slice: MUL_ADD continues C's sum (LiteRT's order); FMA sums the slice from
     * zero and adds it to C after (blocked summation, as on x86). */
    const bool from_c = flags & TFLC_GEMM_ACCUMULATE, mul_add = flags & TFLC_GEMM_MUL_ADD;
    UNROLL
    for (size_t i = 0; i < r; i++)
        acc[i] = from_c && mul_add ? row_load(c + i * ldc, nc) : row_zero();
    /* Two copies of the k loop, so that neither tests the flag per step. */
    if (mul_add) {
        for (; kc != 0; kc--) {
            const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
            const float32x4_t b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
            b += NEON_NR;
            UNROLL
            for (size_t i = 0; i < r; i++) {
                const float32x4_t ai = vld1q_dup_f32(a + i * NEON_AS);
                acc[i].q[0] = vaddq_f32(acc[i].q[0], vmulq_f32(ai, b0));
                acc[i].q[1] = vaddq_f32(acc[i].q[1], vmulq_f32(ai, b1));
                acc[i].q[2] = vaddq_f32(acc[i].q[2], vmulq_f32(ai, b2));
                acc[i].q[3] = vaddq_f32(acc[i].q[3], vmulq_f32(ai, b3));
            }
            a++;
        }
    } else {
        /* Blocks of NEON_SUM_BLOCK k, each summed from zero and added to C's partial sum
         * (kept in C between blocks), as the AVX2 kernel does. */
        bool c_partial = from_c;
        for (;;) {
            size_t n = kc < NEON_SUM_BLOCK ? kc : NEON_SUM_BLOCK;
            kc -= n;
            for (; n != 0; n--) {
                const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
                const float32x4_t b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
                b += NEON_NR;
                UNROLL
                for (size_t i = 0; i < r; i++) {
                    const float32x4_t ai = vld1q_dup_f32(a + i * NEON_AS);
                    acc[i].q[0] = vfmaq_f32(acc[i].q[0], ai, b0);
                    acc[i].q[1] = vfmaq_f32(acc[i].q[1], ai, b1);
                    acc[i].q[2] = vfmaq_f32(acc[i].q[2], ai, b2);
                    acc[i].q[3] = vfmaq_f32(acc[i].q[3], ai, b3);
                }
                a++;
            }
            if (c_partial) {
                UNROLL
                for (size_t i = 0; i < r; i++) {
                    const row16 part = row_load(c + i * ldc, nc);
                    UNROLL
                    for (int q = 0; q < 4; q++) acc[i].q[q] = vaddq_f32(part.q[q], acc[i].q[q]);
                }
            }
            if (kc == 0) break;
            UNROLL
            for (size_t i = 0; i < r; i++) {
                row_store(c + i * ldc, nc, acc[i]);
                acc[i] = row_zero();
            }
            c_partial = true;
        }
    }
    if (flags & TFLC_GEMM_FINAL) {
        const float32x4_t vmin = vdupq_n_f32(min), vmax = vdupq_n_f32(max);
        float32x4_t vb[4];
        UNROLL
        for (int q = 0; q < 4; q++) vb[q] = vld1q_f32(bias + 4 * q);
        UNROLL
        for (size_t i = 0; i < r; i++)
            UNROLL
            for (int q = 0; q < 4; q++)
                acc[i].q[q] = clamp_like_scalar(vaddq_f32(acc[i].q[q], vb[q]), vmin, vmax);
    }
    UNROLL
    for (size_t i = 0; i < r; i++) row_store(c + i * ldc, nc, acc[i]);
}

#define NEON_UKERNEL(R)                                                                      \
    static void f32_gemm_ukernel_##R##x16_neon(size_t kc, const float *a, const float *b,   \
                                               float *c, size_t ldc, size_t nc,              \
                                               const float *bias, float min, float max,      \
                                               unsigned flags,                               \
                                               const tflc_gemm_f32_ahead *ahead) {           \
        (void)ahead; /* no prefetch of the next panel here (gemm.h) */                      \
        neon_tile(R, kc, a, b, c, ldc, nc, bias, min, max, flags);                          \
    }
NEON_UKERNEL(1)
NEON_UKERNEL(2)
NEON_UKERNEL(3)
NEON_UKERNEL(4)
NEON_UKERNEL(5)

static void f32_gemm_dot_neon(size_t k, const float *a, const float *b, float *c, size_t nc,
                              const float *bias, float min, float max, bool stream) {
    tflc_f32_gemm_dot_panel(NEON_NR, k, a, b, c, nc, bias, min, max, stream);
}

static const tflc_gemm_f32_config neon_config = {
    .name = "f32_gemm_5x16_neon",
    .isa = TFLC_ISA_NEON,
    .mr = NEON_MR,
    .nr = NEON_NR,
    .kc = NEON_KC,
    .mc = NEON_MC,
    .nc = NEON_NC,
    .a_stride = NEON_AS,
    .ukernel = {NULL, f32_gemm_ukernel_1x16_neon, f32_gemm_ukernel_2x16_neon,
                f32_gemm_ukernel_3x16_neon, f32_gemm_ukernel_4x16_neon,
                f32_gemm_ukernel_5x16_neon},
    .dot = f32_gemm_dot_neon,
};

const tflc_gemm_f32_config *tflc_f32_gemm_config_neon(void) { return &neon_config; }

#else

const tflc_gemm_f32_config *tflc_f32_gemm_config_neon(void) { return NULL; }

#endif
