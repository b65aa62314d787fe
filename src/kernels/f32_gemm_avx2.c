/*
 * f32_gemm_avx2.c -- f32 GEMM microkernels for AVX2 + FMA3: 6 x 16 register tile
 * (12 ymm accumulators, 2 ymm of B, 1 broadcast of A), from a packed A block or, in the
 * direct kernels, from A in place at its run-time row stride (gemm.c chooses). Built with
 * -mavx2 -mfma (cmake/kernels.cmake); without them the file only reports that it has no
 * config.
 */
#include "kernels/gemm.h"
#include "kernels/f32_gemm_dot.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#include <string.h>

#define AVX2_MR 6
#define AVX2_NR 16
#ifndef AVX2_KC
#define AVX2_KC 256
#endif
#ifndef AVX2_MC
#define AVX2_MC 60
#endif
#ifndef AVX2_NC
#define AVX2_NC 1024
#endif
/* How far ahead of the FMA path's reads of B (bytes) the tile asks for it: 64 k steps
 * (f32_gemm_avx512.c has the measurements behind it, AVX512_B_AHEAD). */
#define AVX2_B_AHEAD 4096
/* The FMA path's summation block (gemm.h): each block of k summed apart, then added. */
#define AVX2_SUM_BLOCK 64
/* Packed-A row stride: KC plus one cache line, so the rows fall in different L1 sets. */
#define AVX2_AS (AVX2_KC + 16)
_Static_assert(AVX2_MC * AVX2_AS <= TFLC_GEMM_APACK_FLOATS && AVX2_MC % AVX2_MR == 0,
               "a packed-A block fits gemm.c's stack buffer");

/* Lanes [0, valid) set: a maskload reads only those (no fault past the row's end). */
static inline __m256i lanes_below(size_t valid) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)valid), index);
}

/* Columns [0, nc) of one row from 16 lanes (a copy: AMD's masked stores are slow). */
static inline void store_row_partial(float *c, size_t nc, __m256 lo, __m256 hi) {
    float tmp[AVX2_NR];
    _mm256_storeu_ps(tmp, lo);
    _mm256_storeu_ps(tmp + 8, hi);
    memcpy(c, tmp, nc * sizeof(float));
}

/* r is a compile-time constant in every caller; with the row loops fully unrolled the
 * accumulator arrays live in registers. */
#define UNROLL _Pragma("GCC unroll 16")

static inline __attribute__((always_inline)) void avx2_tile(
    const size_t r, size_t kc, const float *restrict a, const size_t as, const float *restrict b,
    float *restrict c, size_t ldc, size_t nc, const float *bias, float min, float max,
    unsigned flags, const tflc_gemm_f32_ahead *ahead) {
    __m256 lo[AVX2_MR], hi[AVX2_MR];
    /* A later K slice: MUL_ADD continues C's sum (LiteRT's order); FMA sums the slice from
     * zero and adds it to C after (blocked summation: closer to the exact sum over long K). */
    const bool from_c = flags & TFLC_GEMM_ACCUMULATE, mul_add = flags & TFLC_GEMM_MUL_ADD;
    if (from_c && mul_add) {
        const __m256i mlo = lanes_below(nc), mhi = lanes_below(nc > 8 ? nc - 8 : 0);
        UNROLL
        for (size_t i = 0; i < r; i++) {
            lo[i] = _mm256_maskload_ps(c + i * ldc, mlo);
            hi[i] = _mm256_maskload_ps(c + i * ldc + 8, mhi);
        }
    } else {
        UNROLL
        for (size_t i = 0; i < r; i++) lo[i] = hi[i] = _mm256_setzero_ps();
    }
    /* Two copies of the k loop, so that neither tests the flag per step. */
    if (mul_add) {
        for (; kc != 0; kc--) {
            const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
            b += AVX2_NR;
            UNROLL
            for (size_t i = 0; i < r; i++) {
                const __m256 ai = _mm256_broadcast_ss(a + i * as);
                lo[i] = _mm256_add_ps(lo[i], _mm256_mul_ps(ai, b0));
                hi[i] = _mm256_add_ps(hi[i], _mm256_mul_ps(ai, b1));
            }
            a++;
        }
    } else {
        /* Blocks of AVX2_SUM_BLOCK k, each summed from zero and added to C's partial sum
         * (kept in C between blocks), as the AVX-512 kernel does. */
        const __m256i mlo = lanes_below(nc), mhi = lanes_below(nc > 8 ? nc - 8 : 0);
        bool c_partial = from_c;
        tflc_gemm_f32_ahead_walk next = tflc_gemm_f32_ahead_begin(ahead);   /* gemm.h */
        for (;;) {
            size_t n = kc < AVX2_SUM_BLOCK ? kc : AVX2_SUM_BLOCK;
            kc -= n;
            for (; n != 0; n--) {
                tflc_gemm_f32_ahead_step(&next);
                _mm_prefetch((const char *)b + AVX2_B_AHEAD, _MM_HINT_T0);
                const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
                b += AVX2_NR;
                UNROLL
                for (size_t i = 0; i < r; i++) {
                    const __m256 ai = _mm256_broadcast_ss(a + i * as);
                    lo[i] = _mm256_fmadd_ps(ai, b0, lo[i]);
                    hi[i] = _mm256_fmadd_ps(ai, b1, hi[i]);
                }
                a++;
            }
            if (c_partial) {
                UNROLL
                for (size_t i = 0; i < r; i++) {
                    lo[i] = _mm256_add_ps(_mm256_maskload_ps(c + i * ldc, mlo), lo[i]);
                    hi[i] = _mm256_add_ps(_mm256_maskload_ps(c + i * ldc + 8, mhi), hi[i]);
                }
            }
            if (kc == 0) break;
            UNROLL
            for (size_t i = 0; i < r; i++) {
                if (nc == AVX2_NR) {
                    _mm256_storeu_ps(c + i * ldc, lo[i]);
                    _mm256_storeu_ps(c + i * ldc + 8, hi[i]);
                } else {
                    store_row_partial(c + i * ldc, nc, lo[i], hi[i]);
                }
                lo[i] = hi[i] = _mm256_setzero_ps();
            }
            c_partial = true;
        }
    }
    if (flags & TFLC_GEMM_FINAL) {
        const __m256 vb0 = _mm256_loadu_ps(bias), vb1 = _mm256_loadu_ps(bias + 8);
        const __m256 vmin = _mm256_set1_ps(min), vmax = _mm256_set1_ps(max);
        UNROLL
        for (size_t i = 0; i < r; i++) {
            /* max/min return their second operand when either is NaN: a NaN sum stays NaN. */
            lo[i] = _mm256_min_ps(vmax, _mm256_max_ps(vmin, _mm256_add_ps(lo[i], vb0)));
            hi[i] = _mm256_min_ps(vmax, _mm256_max_ps(vmin, _mm256_add_ps(hi[i], vb1)));
        }
    }
    UNROLL
    for (size_t i = 0; i < r; i++) {
        if (nc == AVX2_NR) {
            _mm256_storeu_ps(c + i * ldc, lo[i]);
            _mm256_storeu_ps(c + i * ldc + 8, hi[i]);
        } else {
            store_row_partial(c + i * ldc, nc, lo[i], hi[i]);
        }
    }
}

#define AVX2_UKERNEL(R)                                                                      \
    static void f32_gemm_ukernel_##R##x16_avx2(size_t kc, const float *a, const float *b,   \
                                               float *c, size_t ldc, size_t nc,              \
                                               const float *bias, float min, float max,      \
                                               unsigned flags,                               \
                                               const tflc_gemm_f32_ahead *ahead) {           \
        avx2_tile(R, kc, a, AVX2_AS, b, c, ldc, nc, bias, min, max, flags, ahead);          \
    }                                                                                        \
    static void f32_gemm_direct_##R##x16_avx2(size_t kc, const float *a, size_t lda,        \
                                              const float *b, float *c, size_t ldc,          \
                                              size_t nc, const float *bias, float min,       \
                                              float max, unsigned flags,                     \
                                              const tflc_gemm_f32_ahead *ahead) {            \
        avx2_tile(R, kc, a, lda, b, c, ldc, nc, bias, min, max, flags, ahead);              \
    }
AVX2_UKERNEL(1)
AVX2_UKERNEL(2)
AVX2_UKERNEL(3)
AVX2_UKERNEL(4)
AVX2_UKERNEL(5)
AVX2_UKERNEL(6)

/* The one-row panel (f32_gemm_dot.h) written out for 16 columns, as in
 * f32_gemm_avx512.c: the same products and sums lane by lane (the same bits), with A's four
 * values per step broadcast by the loads instead of by shuffles on the port the multiplies
 * and adds share. */
static void f32_gemm_dot_avx2(size_t k, const float *a, const float *b, float *c, size_t nc,
                               const float *bias, float min, float max, bool stream) {
    __m256 s0l = _mm256_setzero_ps(), s1l = s0l, s2l = s0l, s3l = s0l;
    __m256 s0h = s0l, s1h = s0l, s2h = s0l, s3h = s0l;
    const size_t k4 = k & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk += 4, b += 4 * AVX2_NR) {
        if (stream)
            for (size_t line = 0; line < 4 * AVX2_NR * sizeof(float); line += 64)
                tflc_prefetch(b, TFLC_DOT_PREFETCH_BYTES + line);
        const __m256 a0 = _mm256_broadcast_ss(a + kk), a1 = _mm256_broadcast_ss(a + kk + 1);
        const __m256 a2 = _mm256_broadcast_ss(a + kk + 2), a3 = _mm256_broadcast_ss(a + kk + 3);
        s0l = _mm256_add_ps(s0l, _mm256_mul_ps(a0, _mm256_loadu_ps(b)));
        s0h = _mm256_add_ps(s0h, _mm256_mul_ps(a0, _mm256_loadu_ps(b + 8)));
        s1l = _mm256_add_ps(s1l, _mm256_mul_ps(a1, _mm256_loadu_ps(b + 16)));
        s1h = _mm256_add_ps(s1h, _mm256_mul_ps(a1, _mm256_loadu_ps(b + 24)));
        s2l = _mm256_add_ps(s2l, _mm256_mul_ps(a2, _mm256_loadu_ps(b + 32)));
        s2h = _mm256_add_ps(s2h, _mm256_mul_ps(a2, _mm256_loadu_ps(b + 40)));
        s3l = _mm256_add_ps(s3l, _mm256_mul_ps(a3, _mm256_loadu_ps(b + 48)));
        s3h = _mm256_add_ps(s3h, _mm256_mul_ps(a3, _mm256_loadu_ps(b + 56)));
    }
    __m256 lo = _mm256_add_ps(_mm256_add_ps(s0l, s2l), _mm256_add_ps(s1l, s3l));
    __m256 hi = _mm256_add_ps(_mm256_add_ps(s0h, s2h), _mm256_add_ps(s1h, s3h));
    for (size_t kk = k4; kk < k; kk++, b += AVX2_NR) {
        const __m256 ak = _mm256_broadcast_ss(a + kk);
        lo = _mm256_add_ps(lo, _mm256_mul_ps(ak, _mm256_loadu_ps(b)));
        hi = _mm256_add_ps(hi, _mm256_mul_ps(ak, _mm256_loadu_ps(b + 8)));
    }
    /* + bias (AVX2_NR readable floats), then the tiles' clamp (a NaN sum stays NaN). */
    const __m256 vmin = _mm256_set1_ps(min), vmax = _mm256_set1_ps(max);
    lo = _mm256_min_ps(vmax, _mm256_max_ps(vmin, _mm256_add_ps(lo, _mm256_loadu_ps(bias))));
    hi = _mm256_min_ps(vmax, _mm256_max_ps(vmin, _mm256_add_ps(hi, _mm256_loadu_ps(bias + 8))));
    if (nc == AVX2_NR) {
        _mm256_storeu_ps(c, lo);
        _mm256_storeu_ps(c + 8, hi);
        return;
    }
    float out[AVX2_NR];
    _mm256_storeu_ps(out, lo);
    _mm256_storeu_ps(out + 8, hi);
    memcpy(c, out, nc * sizeof(float));
}

static const tflc_gemm_f32_config avx2_config = {
    .name = "f32_gemm_6x16_avx2",
    .isa = TFLC_ISA_AVX2,
    .mr = AVX2_MR,
    .nr = AVX2_NR,
    .kc = AVX2_KC,
    .mc = AVX2_MC,
    .nc = AVX2_NC,
    .a_stride = AVX2_AS,
    .ukernel = {NULL, f32_gemm_ukernel_1x16_avx2, f32_gemm_ukernel_2x16_avx2,
                f32_gemm_ukernel_3x16_avx2, f32_gemm_ukernel_4x16_avx2,
                f32_gemm_ukernel_5x16_avx2, f32_gemm_ukernel_6x16_avx2},
    .dot = f32_gemm_dot_avx2,
    .direct = {NULL, f32_gemm_direct_1x16_avx2, f32_gemm_direct_2x16_avx2,
               f32_gemm_direct_3x16_avx2, f32_gemm_direct_4x16_avx2,
               f32_gemm_direct_5x16_avx2, f32_gemm_direct_6x16_avx2},
};

const tflc_gemm_f32_config *tflc_f32_gemm_config_avx2(void) { return &avx2_config; }

#else

const tflc_gemm_f32_config *tflc_f32_gemm_config_avx2(void) { return NULL; }

#endif
