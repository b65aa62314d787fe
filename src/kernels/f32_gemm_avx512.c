/*
 * f32_gemm_avx512.c -- f32 GEMM microkernels for AVX-512F: 7 x 32 register tile with two
 * sets of accumulators (14 zmm summing the current block of 64 k, 14 zmm of running totals,
 * 2 zmm of B, 1 broadcast of A: 31 of the 32 registers), so the blocked sum of gemm.h costs
 * one add per block and no memory traffic. Still FMA-bound: 14 FMAs per k against 2 loads of
 * B and 7 broadcasts. (A 14 x 32 tile with one set, keeping the totals in C between blocks,
 * was 4-6% slower on MobileNet V1 and ResNet50 float32.) Ragged columns use opmask loads and
 * stores; a panel of 16 columns or fewer runs the half tile, one of 17 to 24 the upper half
 * in 256-bit operations. The direct and taps kernels are the same tile reading A in place
 * (a row stride; a convolution's taps: gemm.h). The one-row kernels: the LiteRT-order dot over
 * a packed panel (f32_gemm_dot.h) and dot_rows over B read in place (below). Built with
 * -mavx512f (cmake/kernels.cmake);
 * without it the file only reports that it has no config.
 */
#include "kernels/gemm.h"
#include "kernels/f32_gemm_dot.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define AVX512_MR 7
#define AVX512_NR 32
/* K slice: a product of K <= 1024 writes each C tile once. With 256, MobileNet V1 / V2,
 * EfficientNet-B0 and ResNet50 float32 took 2-5% longer on Zen 4 (12 alternating rounds
 * each, the same bits: gemm.h). On other x86 CPUs gemm.c holds the slice to a B budget
 * (tflc_gemm_f32_slice_k); this stays the most, and sizes the packed-A stride. */
#ifndef AVX512_KC
#define AVX512_KC 1024
#endif
#ifndef AVX512_MC
#define AVX512_MC 56
#endif
#ifndef AVX512_NC
#define AVX512_NC 1024
#endif
/* How far ahead of the FMA path's reads of B (bytes) the tile asks for it: 32 k steps. A
 * panel of B is first read by one tile of its rows, from L3 or memory when the network's
 * weights do not fit in L2 (each layer's weights are read once per invoke), and the
 * hardware prefetcher alone left that tile waiting: best of 300 products with 16 copies of
 * B cycled, M=49 K=960 N=320 (MobileNet V2's 7x7 projection) 400 -> 209-295 us, M=49 K=320
 * N=1280 400 -> 320-334 us; with B hot in cache the same (M=49 K=960 N=320 178 us), two
 * more load-port slots against 14 FMAs per step. Ahead of a panel's end it reaches into the
 * next panel, which the next call reads. */
#define AVX512_B_AHEAD 4096
/* The FMA path's summation block (gemm.h): each block of k summed apart, then added. */
#define AVX512_SUM_BLOCK 64
/* Packed-A row stride: KC plus one cache line, so the tile's rows fall in different L1 sets. */
#define AVX512_AS (AVX512_KC + 16)
_Static_assert(AVX512_MR * AVX512_AS <= TFLC_GEMM_APACK_FLOATS && AVX512_MC % AVX512_MR == 0,
               "a packed-A tile fits gemm.c's stack buffer");

/* r is a compile-time constant in every caller; with the row loops fully unrolled the
 * accumulator arrays live in registers. cols (a constant too) is nc rounded up to 16, 24
 * or 32: at 16 or fewer only lo[] is computed and stored; at 24 the upper 8 columns are
 * 256-bit accumulators (h8[], totals t8[]) and operations, which Zen 4 issues at twice the
 * rate of 512-bit ones (its FMA units are 256 bits wide). (Keeping them in hi[]'s zmm
 * registers and zero-extending each result made GCC add two moves per row and step.)
 * Best of 400 GEMMs (bench-style, clamp fused): M=3136 K=96 N=24, MobileNet V2's 24-channel
 * projection, 197 -> 173 us; N=120 and N=184 (96 + 24, 160 + 24 columns) 2-3% faster.
 * The same for 8 columns alone (lo[] at 256 bits, for N = 40 or 72) was 5-14% slower than
 * the 16-lane half tile, so a panel of 16 columns or fewer keeps that. */
#define UNROLL _Pragma("GCC unroll 16")

static inline __attribute__((always_inline)) void avx512_tile(
    const size_t r, const unsigned cols, size_t kc, const float *restrict a, const size_t as,
    const float *restrict b,
    float *restrict c, size_t ldc, size_t nc, const float *bias, float min, float max,
    unsigned flags, const size_t taps, const float *const *tap_a,
    const tflc_gemm_f32_ahead *ahead) {
    __m512 lo[AVX512_MR], hi[AVX512_MR];
    __m256 h8[AVX512_MR];
    const bool half = cols <= 16, narrow = cols == 24;   /* narrow: h8[] in place of hi[] */
    const __mmask16 mlo = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u);
    const __mmask16 mhi =
        (__mmask16)(nc >= 32 ? 0xFFFFu : nc <= 16 ? 0u : (1u << (nc - 16)) - 1u);
    /* A later K slice: MUL_ADD continues C's sum (LiteRT's order); FMA sums the slice from
     * zero and adds it to C after (blocked summation: closer to the exact sum over long K). */
    const bool from_c = flags & TFLC_GEMM_ACCUMULATE, mul_add = flags & TFLC_GEMM_MUL_ADD;
    if (from_c && mul_add) {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            lo[i] = _mm512_maskz_loadu_ps(mlo, c + i * ldc);
            if (narrow) h8[i] = _mm256_maskz_loadu_ps((__mmask8)mhi, c + i * ldc + 16);
            else if (!half) hi[i] = _mm512_maskz_loadu_ps(mhi, c + i * ldc + 16);
        }
    } else {
        UNROLL
        for (size_t i = 0; i < r; i++) {   /* hi / h8 unused if half, and one of them if not */
            lo[i] = hi[i] = _mm512_setzero_ps();
            h8[i] = _mm256_setzero_ps();
        }
    }
    /* Two copies of the k loop, so that neither tests the flag per step. */
    if (mul_add) {
        /* taps > 1: K is `taps` runs of kc, summed in order as one run (k order). */
        for (size_t t = 0; t < taps; t++) {
            if (tap_a) a = tap_a[t];
            for (size_t left = kc; left != 0; left--) {
                const __m512 b0 = _mm512_loadu_ps(b), b1 = half ? b0 : _mm512_loadu_ps(b + 16);
                const __m256 b8 = _mm512_castps512_ps256(b1);
                b += AVX512_NR;
                /* lo's multiplies take A's value as an embedded broadcast from memory (a load),
                 * hi's from a register broadcast (a shuffle) read through a copy of the pointer
                 * that GCC cannot see is the same, else it merges the two into the one shuffle
                 * both used to wait on. A first convolution's product (M=12544 K=27 N=32) took
                 * 317 us, now 238, the FMA path's 233 (best of 300). The same change in the FMA
                 * path (28 accumulators live) made it slower. */
                const float *a2 = a;
                __asm__("" : "+r"(a2));
                UNROLL
                for (size_t i = 0; i < r; i++) {
                    const __m512 ai = _mm512_set1_ps(a2[i * as]);
                    lo[i] = _mm512_add_ps(lo[i], _mm512_mul_ps(_mm512_set1_ps(a[i * as]), b0));
                    if (narrow)
                        h8[i] = _mm256_add_ps(h8[i], _mm256_mul_ps(_mm512_castps512_ps256(ai), b8));
                    else if (!half) hi[i] = _mm512_add_ps(hi[i], _mm512_mul_ps(ai, b1));
                }
                a++;
            }
        }
    } else {
        /* Blocks of AVX512_SUM_BLOCK k, each summed from zero in lo / hi and added to the
         * running totals tlo / thi (C's partial sum first, for a later K slice): the second
         * set of accumulators is why the tile has 7 rows, not 14. */
        __m512 tlo[AVX512_MR], thi[AVX512_MR];
        __m256 t8[AVX512_MR];
        bool have_total = from_c;
        tflc_gemm_f32_ahead_walk next = tflc_gemm_f32_ahead_begin(ahead);   /* gemm.h */
        UNROLL
        for (size_t i = 0; i < r; i++) {
            tlo[i] = from_c ? _mm512_maskz_loadu_ps(mlo, c + i * ldc) : _mm512_setzero_ps();
            thi[i] = from_c && !half ? _mm512_maskz_loadu_ps(mhi, c + i * ldc + 16) : tlo[i];
            t8[i] = _mm512_castps512_ps256(thi[i]);
        }
        /* taps > 1 (the conv kernels): K is `taps` runs of kc, run t's rows from tap_a[t]; kc
         * is a multiple of the block, so the blocks are the ones of one run over all K. */
        for (size_t t = 0; t < taps; t++) {
            if (tap_a) a = tap_a[t];
            for (size_t left = kc; left != 0;) {
                size_t n = left < AVX512_SUM_BLOCK ? left : AVX512_SUM_BLOCK;
                left -= n;
                UNROLL
                for (size_t i = 0; i < r; i++) {
                    lo[i] = hi[i] = _mm512_setzero_ps();
                    h8[i] = _mm256_setzero_ps();
                }
                for (; n != 0; n--) {
                    tflc_gemm_f32_ahead_step(&next);
                    _mm_prefetch((const char *)b + AVX512_B_AHEAD, _MM_HINT_T0);
                    _mm_prefetch((const char *)b + AVX512_B_AHEAD + 64, _MM_HINT_T0);
                    const __m512 b0 = _mm512_loadu_ps(b), b1 = half ? b0 : _mm512_loadu_ps(b + 16);
                    const __m256 b8 = _mm512_castps512_ps256(b1);
                    b += AVX512_NR;
                    UNROLL
                    for (size_t i = 0; i < r; i++) {
                        const __m512 ai = _mm512_set1_ps(a[i * as]);
                        lo[i] = _mm512_fmadd_ps(ai, b0, lo[i]);
                        if (narrow) h8[i] = _mm256_fmadd_ps(_mm512_castps512_ps256(ai), b8, h8[i]);
                        else if (!half) hi[i] = _mm512_fmadd_ps(ai, b1, hi[i]);
                    }
                    a++;
                }
                UNROLL
                for (size_t i = 0; i < r; i++) {
                    tlo[i] = have_total ? _mm512_add_ps(tlo[i], lo[i]) : lo[i];
                    if (narrow) t8[i] = have_total ? _mm256_add_ps(t8[i], h8[i]) : h8[i];
                    else if (!half) thi[i] = have_total ? _mm512_add_ps(thi[i], hi[i]) : hi[i];
                }
                have_total = true;
            }
        }
        if (have_total) {   /* else kc == 0 on a first slice: lo / hi are the zeros above */
            UNROLL
            for (size_t i = 0; i < r; i++) {
                lo[i] = tlo[i];
                hi[i] = thi[i];
                h8[i] = t8[i];
            }
        }
    }
    if (flags & TFLC_GEMM_FINAL) {
        const __m512 vb0 = _mm512_loadu_ps(bias), vb1 = _mm512_loadu_ps(bias + 16);
        const __m512 vmin = _mm512_set1_ps(min), vmax = _mm512_set1_ps(max);
        UNROLL
        for (size_t i = 0; i < r; i++) {
            /* max/min return their second operand when either is NaN: a NaN sum stays NaN. */
            lo[i] = _mm512_min_ps(vmax, _mm512_max_ps(vmin, _mm512_add_ps(lo[i], vb0)));
            if (narrow)
                h8[i] = _mm256_min_ps(_mm512_castps512_ps256(vmax),
                                      _mm256_max_ps(_mm512_castps512_ps256(vmin),
                                                    _mm256_add_ps(h8[i], _mm512_castps512_ps256(vb1))));
            else if (!half)
                hi[i] = _mm512_min_ps(vmax, _mm512_max_ps(vmin, _mm512_add_ps(hi[i], vb1)));
        }
    }
    if (narrow) {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            _mm512_mask_storeu_ps(c + i * ldc, mlo, lo[i]);
            _mm256_mask_storeu_ps(c + i * ldc + 16, (__mmask8)mhi, h8[i]);
        }
        return;
    }
    if (nc == AVX512_NR) {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            _mm512_storeu_ps(c + i * ldc, lo[i]);
            _mm512_storeu_ps(c + i * ldc + 16, hi[i]);
        }
    } else {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            _mm512_mask_storeu_ps(c + i * ldc, mlo, lo[i]);
            if (!half) _mm512_mask_storeu_ps(c + i * ldc + 16, mhi, hi[i]);
        }
    }
}

/* One tile of r rows of A at row stride `as`: the packed copy's constant AVX512_AS, or the
 * caller's lda for the direct kernels, which read A in place (gemm.c decides). */
#define AVX512_TILE_COLS(R, AS, TAPS, TAP_A, AHEAD)                                          \
    do {                                                                                     \
        if (nc > 24)                                                                         \
            avx512_tile(R, 32, kc, a, AS, b, c, ldc, nc, bias, min, max, flags, TAPS, TAP_A,  \
                        AHEAD);                                                              \
        else if (nc > 16) /* a panel's last columns: less of the tile's work */             \
            avx512_tile(R, 24, kc, a, AS, b, c, ldc, nc, bias, min, max, flags, TAPS, TAP_A,  \
                        AHEAD);                                                              \
        else                                                                                 \
            avx512_tile(R, 16, kc, a, AS, b, c, ldc, nc, bias, min, max, flags, TAPS, TAP_A,  \
                        AHEAD);                                                              \
    } while (0)
#define AVX512_UKERNEL(R)                                                                    \
    static void f32_gemm_ukernel_##R##x32_avx512(size_t kc, const float *a, const float *b, \
                                                 float *c, size_t ldc, size_t nc,            \
                                                 const float *bias, float min, float max,    \
                                                 unsigned flags,                             \
                                                 const tflc_gemm_f32_ahead *ahead) {         \
        AVX512_TILE_COLS(R, AVX512_AS, 1, NULL, ahead);                                      \
    }                                                                                        \
    static void f32_gemm_direct_##R##x32_avx512(size_t kc, const float *a, size_t lda,      \
                                                const float *b, float *c, size_t ldc,        \
                                                size_t nc, const float *bias, float min,     \
                                                float max, unsigned flags,                   \
                                                const tflc_gemm_f32_ahead *ahead) {          \
        AVX512_TILE_COLS(R, lda, 1, NULL, ahead);                                            \
    }                                                                                        \
    static void f32_gemm_taps_##R##x32_avx512(size_t taps, size_t kc, const float *const *a_taps, \
                                              size_t lda, const float *b, float *c,          \
                                              size_t ldc, size_t nc, const float *bias,      \
                                              float min, float max, unsigned flags) {        \
        const float *a = a_taps[0];                                                          \
        AVX512_TILE_COLS(R, lda, taps, a_taps, NULL);                                        \
    }
AVX512_UKERNEL(1)
AVX512_UKERNEL(2)
AVX512_UKERNEL(3)
AVX512_UKERNEL(4)
AVX512_UKERNEL(5)
AVX512_UKERNEL(6)
AVX512_UKERNEL(7)

/* The one-row panel (f32_gemm_dot.h) written out for 32 columns: the same products and sums
 * lane by lane, so the same bits, but A's four values per step are broadcast from memory
 * (a load-port uop each) where the compiled generic loop loaded them as scalars and
 * broadcast them in registers, four more shuffles per step on the port the multiplies and
 * adds share (20 uops on two ports for 16 of work). An LSTM step's [1,128] x [128,512]
 * products read B from L2; the LSTM text model now takes 0.97-0.98 of its time before. */
static void f32_gemm_dot_avx512(size_t k, const float *a, const float *b, float *c, size_t nc,
                               const float *bias, float min, float max, bool stream) {
    __m512 s0l = _mm512_setzero_ps(), s1l = s0l, s2l = s0l, s3l = s0l;
    __m512 s0h = s0l, s1h = s0l, s2h = s0l, s3h = s0l;
    const size_t k4 = k & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk += 4, b += 4 * AVX512_NR) {
        if (stream)
            for (size_t line = 0; line < 4 * AVX512_NR * sizeof(float); line += 64)
                tflc_prefetch(b, TFLC_DOT_PREFETCH_BYTES + line);
        const __m512 a0 = _mm512_set1_ps(a[kk]), a1 = _mm512_set1_ps(a[kk + 1]);
        const __m512 a2 = _mm512_set1_ps(a[kk + 2]), a3 = _mm512_set1_ps(a[kk + 3]);
        s0l = _mm512_add_ps(s0l, _mm512_mul_ps(a0, _mm512_loadu_ps(b)));
        s0h = _mm512_add_ps(s0h, _mm512_mul_ps(a0, _mm512_loadu_ps(b + 16)));
        s1l = _mm512_add_ps(s1l, _mm512_mul_ps(a1, _mm512_loadu_ps(b + 32)));
        s1h = _mm512_add_ps(s1h, _mm512_mul_ps(a1, _mm512_loadu_ps(b + 48)));
        s2l = _mm512_add_ps(s2l, _mm512_mul_ps(a2, _mm512_loadu_ps(b + 64)));
        s2h = _mm512_add_ps(s2h, _mm512_mul_ps(a2, _mm512_loadu_ps(b + 80)));
        s3l = _mm512_add_ps(s3l, _mm512_mul_ps(a3, _mm512_loadu_ps(b + 96)));
        s3h = _mm512_add_ps(s3h, _mm512_mul_ps(a3, _mm512_loadu_ps(b + 112)));
    }
    __m512 lo = _mm512_add_ps(_mm512_add_ps(s0l, s2l), _mm512_add_ps(s1l, s3l));
    __m512 hi = _mm512_add_ps(_mm512_add_ps(s0h, s2h), _mm512_add_ps(s1h, s3h));
    for (size_t kk = k4; kk < k; kk++, b += AVX512_NR) {
        const __m512 ak = _mm512_set1_ps(a[kk]);
        lo = _mm512_add_ps(lo, _mm512_mul_ps(ak, _mm512_loadu_ps(b)));
        hi = _mm512_add_ps(hi, _mm512_mul_ps(ak, _mm512_loadu_ps(b + 16)));
    }
    /* + bias, then the clamp as the tiles do it (max / min return their second operand when
     * either is NaN: a NaN sum stays NaN, as in the generic loop's comparisons). bias has
     * AVX512_NR readable floats (gemm.c, panel_bias). */
    const __m512 vmin = _mm512_set1_ps(min), vmax = _mm512_set1_ps(max);
    lo = _mm512_min_ps(vmax, _mm512_max_ps(vmin, _mm512_add_ps(lo, _mm512_loadu_ps(bias))));
    hi = _mm512_min_ps(vmax, _mm512_max_ps(vmin, _mm512_add_ps(hi, _mm512_loadu_ps(bias + 16))));
    const __mmask16 mlo = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u);
    const __mmask16 mhi = (__mmask16)(nc >= 32 ? 0xFFFFu : nc <= 16 ? 0u : (1u << (nc - 16)) - 1u);
    _mm512_mask_storeu_ps(c, mlo, lo);
    _mm512_mask_storeu_ps(c + 16, mhi, hi);
}

/* B in place (gemm.h dot_rows): four columns per zmm, one per 128-bit block, whose 4 lanes
 * are the column's sums over k mod 4 (f32_gemm_dot.h's s[0..3]). Per 16 k, a 16-float load
 * of each of 4 rows and a 4 x 4 transpose of 128-bit blocks (8 shuffles) give the rows'
 * k..k+3, k+4..k+7, ... as 4 vectors, each multiplied by a[k + 4g ..] broadcast to every
 * block and added in that order: each lane adds its products in k order, rounded as the
 * portable loop rounds them (mul, then add). DOT_ROWS_BLOCKS zmm (16 columns) at a time. */
#define DOT_ROWS_BLOCKS 4
/* Each row's line this many bytes ahead is asked for at every 16 k: 16 rows are 16 streams,
 * each crossing a 4 KiB page every 1024 k, where the hardware prefetcher starts over. Best of
 * 400 alternating products, 16 copies of B cycled (from memory), [1,960] x [960,1280] against
 * the packed dot: no hints 1.23x, 256 bytes 0.96-1.00x, 2 KiB 1.16x; from L3 1.03 / 0.99 /
 * 1.28x. */
#define DOT_ROWS_AHEAD 256

static inline __attribute__((always_inline)) __m512 rows4_block(const float *w, size_t ldb,
                                                                 size_t kk) {
    /* The 4 rows' k..k+3 as one zmm (a k step past the last whole 16). */
    __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(w + kk));
    v = _mm512_insertf32x4(v, _mm_loadu_ps(w + ldb + kk), 1);
    v = _mm512_insertf32x4(v, _mm_loadu_ps(w + 2 * ldb + kk), 2);
    return _mm512_insertf32x4(v, _mm_loadu_ps(w + 3 * ldb + kk), 3);
}

static inline __attribute__((always_inline)) void dot_rows_cols(
    const size_t Q, size_t k, const float *a, const float *w, size_t ldb, const float *bias,
    float *c, float min, float max) {
    __m512 s[DOT_ROWS_BLOCKS];
    for (size_t q = 0; q < Q; q++) s[q] = _mm512_setzero_ps();
    const size_t k16 = k & ~(size_t)15, k4 = k & ~(size_t)3;
    for (size_t kk = 0; kk < k16; kk += 16) {
        __m512 av[4];
        for (size_t g = 0; g < 4; g++) av[g] = _mm512_broadcast_f32x4(_mm_loadu_ps(a + kk + 4 * g));
        for (size_t q = 0; q < Q; q++) {
            const float *r = w + 4 * q * ldb + kk;
            for (size_t i = 0; i < 4; i++) tflc_prefetch(r + i * ldb, DOT_ROWS_AHEAD);
            const __m512 r0 = _mm512_loadu_ps(r), r1 = _mm512_loadu_ps(r + ldb);
            const __m512 r2 = _mm512_loadu_ps(r + 2 * ldb), r3 = _mm512_loadu_ps(r + 3 * ldb);
            const __m512 x0 = _mm512_shuffle_f32x4(r0, r1, 0x44), x1 = _mm512_shuffle_f32x4(r2, r3, 0x44);
            const __m512 x2 = _mm512_shuffle_f32x4(r0, r1, 0xEE), x3 = _mm512_shuffle_f32x4(r2, r3, 0xEE);
            const __m512 t[4] = {_mm512_shuffle_f32x4(x0, x1, 0x88), _mm512_shuffle_f32x4(x0, x1, 0xDD),
                                 _mm512_shuffle_f32x4(x2, x3, 0x88), _mm512_shuffle_f32x4(x2, x3, 0xDD)};
            for (size_t g = 0; g < 4; g++) s[q] = _mm512_add_ps(s[q], _mm512_mul_ps(av[g], t[g]));
        }
    }
    for (size_t kk = k16; kk < k4; kk += 4) {
        const __m512 av = _mm512_broadcast_f32x4(_mm_loadu_ps(a + kk));
        for (size_t q = 0; q < Q; q++)
            s[q] = _mm512_add_ps(s[q], _mm512_mul_ps(av, rows4_block(w + 4 * q * ldb, ldb, kk)));
    }
    for (size_t q = 0; q < Q; q++) {
        /* (s0 + s2) + (s1 + s3) in lane 0 of each block. */
        const __m512 u = _mm512_add_ps(s[q], _mm512_permute_ps(s[q], 0x4E));
        float lanes[16];
        _mm512_storeu_ps(lanes, _mm512_add_ps(u, _mm512_permute_ps(u, 0xB1)));
        for (size_t j = 0; j < 4; j++)
            c[4 * q + j] = tflc_f32_dot_row_end(lanes[4 * j], a, w + (4 * q + j) * ldb, k4, k,
                                                bias ? bias[4 * q + j] : 0.0f, min, max);
    }
}

static void f32_gemm_dot_rows_avx512(size_t k, const float *a, const float *w, size_t ldb,
                                     const float *bias, float *c, size_t nc, float min,
                                     float max) {
    size_t j = 0;
    for (; j + 4 * DOT_ROWS_BLOCKS <= nc; j += 4 * DOT_ROWS_BLOCKS)
        dot_rows_cols(DOT_ROWS_BLOCKS, k, a, w + j * ldb, ldb, bias ? bias + j : NULL, c + j,
                      min, max);
    for (; j + 4 <= nc; j += 4)
        dot_rows_cols(1, k, a, w + j * ldb, ldb, bias ? bias + j : NULL, c + j, min, max);
}

/* pack_a (gemm.h) 16 floats per masked load; the short rows of small convolutions (K of
 * 16 to 64) then cost one or a few loads and stores instead of a memcpy call each. */
static void f32_pack_a_avx512(size_t mc, size_t kc, const float *a, size_t lda,
                              size_t a_stride, float *dst) {
    for (size_t i = 0; i < mc; i++) {
        const float *src = a + i * lda;
        float *row = dst + i * a_stride;
        size_t k0 = 0;
        for (; k0 + 16 <= kc; k0 += 16) _mm512_storeu_ps(row + k0, _mm512_loadu_ps(src + k0));
        if (k0 < kc) {
            const __mmask16 m = (__mmask16)((1u << (kc - k0)) - 1u);
            _mm512_storeu_ps(row + k0, _mm512_maskz_loadu_ps(m, src + k0));
        }
    }
}

_Static_assert(AVX512_AS >= AVX512_KC + 16, "the last whole store stays inside a packed row");

static const tflc_gemm_f32_config avx512_config = {
    .name = "f32_gemm_7x32_avx512",
    .isa = TFLC_ISA_AVX512,
    .mr = AVX512_MR,
    .nr = AVX512_NR,
    .kc = AVX512_KC,
    .mc = AVX512_MC,
    .nc = AVX512_NC,
    .a_stride = AVX512_AS,
    .pack_a = f32_pack_a_avx512,
    .sum_block = AVX512_SUM_BLOCK,
    .taps = {NULL, f32_gemm_taps_1x32_avx512, f32_gemm_taps_2x32_avx512, f32_gemm_taps_3x32_avx512,
             f32_gemm_taps_4x32_avx512, f32_gemm_taps_5x32_avx512, f32_gemm_taps_6x32_avx512,
             f32_gemm_taps_7x32_avx512},
    .direct = {NULL, f32_gemm_direct_1x32_avx512, f32_gemm_direct_2x32_avx512,
               f32_gemm_direct_3x32_avx512, f32_gemm_direct_4x32_avx512,
               f32_gemm_direct_5x32_avx512, f32_gemm_direct_6x32_avx512,
               f32_gemm_direct_7x32_avx512},
    .ukernel = {NULL, f32_gemm_ukernel_1x32_avx512, f32_gemm_ukernel_2x32_avx512,
                f32_gemm_ukernel_3x32_avx512, f32_gemm_ukernel_4x32_avx512,
                f32_gemm_ukernel_5x32_avx512, f32_gemm_ukernel_6x32_avx512,
                f32_gemm_ukernel_7x32_avx512},
    .dot = f32_gemm_dot_avx512,
    .dot_rows = f32_gemm_dot_rows_avx512,
};

const tflc_gemm_f32_config *tflc_f32_gemm_config_avx512(void) { return &avx512_config; }

#else

const tflc_gemm_f32_config *tflc_f32_gemm_config_avx512(void) { return NULL; }

#endif
