/*
 * qs8_gemm_avx512vnni.c -- int8 GEMM microkernels for AVX-512 VNNI: 14 x 32 int32 tile
 * (28 zmm accumulators). Per group of 4 k: two 64-byte loads of B (32 columns x 4 signed
 * bytes), and per row one broadcast of 4 unsigned A bytes into VPDPBUSD, which adds the 4
 * products to each int32 lane (no saturation: wraps like the scalar kernels). The taps
 * kernels are the same tile reading A in place from a convolution's taps (qgemm.h). Built
 * with -mavx512f -mavx512bw -mavx512vnni (cmake/kernels.cmake); without them the file only
 * reports that it has no config.
 */
#include "kernels/qgemm.h"

#include <stdbool.h>

#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#include <immintrin.h>
#include <string.h>

#define QS8_VNNI_MR 14
#define QS8_VNNI_NR 32
#define QS8_VNNI_KC 1024
#define QS8_VNNI_MC 28
#define QS8_VNNI_NC 1024
#define QS8_VNNI_AS (QS8_VNNI_KC + 64)   /* packed-A row stride, bytes */

/* How far ahead of its reads of B (bytes) the tile asks for it: 32 groups of 4 k. The
 * first tile over a panel reads it from L3 or memory when the network's weights do not fit
 * in L2, as in the float kernel (f32_gemm_avx512.c, AVX512_B_AHEAD). */
#define QS8_VNNI_B_AHEAD 4096

#define UNROLL _Pragma("GCC unroll 16")

static inline __m512i broadcast_u32(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

/* r is a compile-time constant in every caller; with the row loops fully unrolled the
 * accumulator arrays live in registers. cols (a constant too) is nc rounded up to 16, 24
 * or 32: at 16 or fewer only lo[] is computed and stored; at 24 the upper 8 columns are
 * 256-bit accumulators (h8[]) and VPDPBUSDs, which Zen 4 issues at twice the rate of
 * 512-bit ones (as f32_gemm_avx512.c's tile does). */
static inline __attribute__((always_inline)) void vnni_tile(
    const size_t r, const unsigned cols, size_t kc, const uint8_t *restrict a, const size_t as,
    const int8_t *restrict b, int32_t *restrict c, size_t ldc, size_t nc, const int32_t *init,
    const size_t taps, const uint8_t *const *tap_a) {
    __m512i lo[QS8_VNNI_MR], hi[QS8_VNNI_MR];
    __m256i h8[QS8_VNNI_MR];
    const bool half = cols <= 16, narrow = cols == 24;
    const __mmask16 mlo = (__mmask16)(nc >= 16 ? 0xFFFFu : (1u << nc) - 1u);
    const __mmask16 mhi =
        (__mmask16)(nc >= 32 ? 0xFFFFu : nc <= 16 ? 0u : (1u << (nc - 16)) - 1u);
    const __mmask8 m8 = (__mmask8)mhi;   /* narrow: nc - 16 <= 8 columns */
    if (init) {
        const __m512i i0 = _mm512_loadu_si512(init), i1 = _mm512_loadu_si512(init + 16);
        UNROLL
        for (size_t i = 0; i < r; i++) {
            lo[i] = i0;
            hi[i] = i1;
            h8[i] = _mm512_castsi512_si256(i1);
        }
    } else {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            lo[i] = _mm512_maskz_loadu_epi32(mlo, c + i * ldc);
            if (narrow) h8[i] = _mm256_maskz_loadu_epi32(m8, c + i * ldc + 16);
            else hi[i] = half ? lo[i] : _mm512_maskz_loadu_epi32(mhi, c + i * ldc + 16);
        }
    }
    /* A panel smaller than the distance (K < 128: MobileNet V2's expansions) stays in
     * cache across its tiles, and hints past it only fetch other data: there the hint names
     * the line being read (a hit). MobileNet V2 int8 on 2 threads, 20 alternating rounds,
     * new / old median: 1.020 and 1.036 with every panel hinted ahead, 0.992 with this
     * (a same-binary control: 1.008). */
    const size_t ahead = taps * kc * QS8_VNNI_NR >= QS8_VNNI_B_AHEAD ? QS8_VNNI_B_AHEAD : 0;
    /* taps > 1 (the conv kernels): K is `taps` runs of kc bytes, run t's rows from tap_a[t]
     * (integer sums: any split gives the same result). */
    for (size_t t = 0; t < taps; t++) {
        if (tap_a) a = tap_a[t];
        for (size_t k = 0; k < kc; k += 4) {
            _mm_prefetch((const char *)b + ahead, _MM_HINT_T0);
            _mm_prefetch((const char *)b + ahead + 64, _MM_HINT_T0);
            const __m512i b0 = _mm512_loadu_si512(b),
                          b1 = half || narrow ? b0 : _mm512_loadu_si512(b + 64);
            const __m256i b8 = narrow ? _mm256_loadu_si256((const __m256i *)(const void *)(b + 64))
                                      : _mm512_castsi512_si256(b0);
            b += 4 * QS8_VNNI_NR;
            UNROLL
            for (size_t i = 0; i < r; i++) {
                const __m512i ai = broadcast_u32(a + i * as + k);
                lo[i] = _mm512_dpbusd_epi32(lo[i], ai, b0);
                if (narrow) h8[i] = _mm256_dpbusd_epi32(h8[i], _mm512_castsi512_si256(ai), b8);
                else if (!half) hi[i] = _mm512_dpbusd_epi32(hi[i], ai, b1);
            }
        }
    }
    if (half) {   /* nc <= 16: the panel's second half holds no column of C */
        UNROLL
        for (size_t i = 0; i < r; i++) _mm512_mask_storeu_epi32(c + i * ldc, mlo, lo[i]);
        return;
    }
    if (narrow) {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            _mm512_storeu_si512(c + i * ldc, lo[i]);
            _mm256_mask_storeu_epi32(c + i * ldc + 16, m8, h8[i]);
        }
        return;
    }
    if (nc == QS8_VNNI_NR) {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            _mm512_storeu_si512(c + i * ldc, lo[i]);
            _mm512_storeu_si512(c + i * ldc + 16, hi[i]);
        }
    } else {
        UNROLL
        for (size_t i = 0; i < r; i++) {
            _mm512_mask_storeu_epi32(c + i * ldc, mlo, lo[i]);
            _mm512_mask_storeu_epi32(c + i * ldc + 16, mhi, hi[i]);
        }
    }
}

#define VNNI_TILE_COLS(R, AS, TAPS, TAP_A)                                                   \
    do {                                                                                     \
        if (nc > 24)                                                                         \
            vnni_tile(R, 32, kc, a, AS, b, c, ldc, nc, init, TAPS, TAP_A);                  \
        else if (nc > 16) /* a panel's last columns: less of the tile's work */             \
            vnni_tile(R, 24, kc, a, AS, b, c, ldc, nc, init, TAPS, TAP_A);                  \
        else                                                                                 \
            vnni_tile(R, 16, kc, a, AS, b, c, ldc, nc, init, TAPS, TAP_A);                  \
    } while (0)
#define QS8_VNNI_UKERNEL(R)                                                                  \
    static void qs8_gemm_ukernel_##R##x32_avx512vnni(size_t kc, const uint8_t *a,           \
                                                     const int8_t *b, int32_t *c, size_t ldc, \
                                                     size_t nc, const int32_t *init) {       \
        VNNI_TILE_COLS(R, QS8_VNNI_AS, 1, NULL);                                             \
    }                                                                                        \
    static void qs8_gemm_taps_##R##x32_avx512vnni(size_t taps, size_t kc,                   \
                                                  const uint8_t *const *a_taps, size_t lda,  \
                                                  const int8_t *b, int32_t *c, size_t ldc,   \
                                                  size_t nc, const int32_t *init) {          \
        const uint8_t *a = a_taps[0];                                                        \
        VNNI_TILE_COLS(R, lda, taps, a_taps);                                                \
    }
QS8_VNNI_UKERNEL(1)
QS8_VNNI_UKERNEL(2)
QS8_VNNI_UKERNEL(3)
QS8_VNNI_UKERNEL(4)
QS8_VNNI_UKERNEL(5)
QS8_VNNI_UKERNEL(6)
QS8_VNNI_UKERNEL(7)
QS8_VNNI_UKERNEL(8)
QS8_VNNI_UKERNEL(9)
QS8_VNNI_UKERNEL(10)
QS8_VNNI_UKERNEL(11)
QS8_VNNI_UKERNEL(12)
QS8_VNNI_UKERNEL(13)
QS8_VNNI_UKERNEL(14)

/* pack_a (qgemm.h) 64 bytes at a time: each row's bytes XOR 0x80 (a + 128 as unsigned),
 * the lanes past kc zero, through a masked load and a masked move; every store is a whole
 * 64 bytes (the row stride has room for the last one). */
static void vnni_pack_a(size_t mc, size_t kc, const int8_t *a, size_t lda, size_t a_stride,
                        uint8_t offset, uint8_t *dst) {
    const __m512i flip = _mm512_set1_epi8((char)offset);
    for (size_t i = 0; i < mc; i++) {
        const int8_t *src = a + i * lda;
        uint8_t *row = dst + i * a_stride;
        for (size_t k0 = 0; k0 < kc; k0 += 64) {
            const size_t n = kc - k0 < 64 ? kc - k0 : 64;
            const __mmask64 m = n == 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
            const __m512i v = _mm512_maskz_loadu_epi8(m, src + k0);
            _mm512_storeu_si512(row + k0, _mm512_maskz_add_epi8(m, v, flip));
        }
    }
}

_Static_assert(QS8_VNNI_AS >= QS8_VNNI_KC + 64 && QS8_VNNI_AS % 64 == 0,
               "vnni_pack_a's whole 64-byte stores stay inside a packed row");

static const tflc_qgemm_s8_config vnni_config = {
    .name = "qs8_gemm_14x32_avx512vnni",
    .isa = TFLC_ISA_AVX512,
    .needs_vnni = true,
    .a_offset = 128,
    .mr = QS8_VNNI_MR,
    .nr = QS8_VNNI_NR,
    .kc = QS8_VNNI_KC,
    .mc = QS8_VNNI_MC,
    .nc = QS8_VNNI_NC,
    .a_stride = QS8_VNNI_AS,
    .ukernel = {NULL, qs8_gemm_ukernel_1x32_avx512vnni, qs8_gemm_ukernel_2x32_avx512vnni,
                qs8_gemm_ukernel_3x32_avx512vnni, qs8_gemm_ukernel_4x32_avx512vnni,
                qs8_gemm_ukernel_5x32_avx512vnni, qs8_gemm_ukernel_6x32_avx512vnni,
                qs8_gemm_ukernel_7x32_avx512vnni, qs8_gemm_ukernel_8x32_avx512vnni,
                qs8_gemm_ukernel_9x32_avx512vnni, qs8_gemm_ukernel_10x32_avx512vnni,
                qs8_gemm_ukernel_11x32_avx512vnni, qs8_gemm_ukernel_12x32_avx512vnni,
                qs8_gemm_ukernel_13x32_avx512vnni, qs8_gemm_ukernel_14x32_avx512vnni},
    .pack_a = vnni_pack_a,
    .taps = {NULL, qs8_gemm_taps_1x32_avx512vnni, qs8_gemm_taps_2x32_avx512vnni,
             qs8_gemm_taps_3x32_avx512vnni, qs8_gemm_taps_4x32_avx512vnni,
             qs8_gemm_taps_5x32_avx512vnni, qs8_gemm_taps_6x32_avx512vnni,
             qs8_gemm_taps_7x32_avx512vnni, qs8_gemm_taps_8x32_avx512vnni,
             qs8_gemm_taps_9x32_avx512vnni, qs8_gemm_taps_10x32_avx512vnni,
             qs8_gemm_taps_11x32_avx512vnni, qs8_gemm_taps_12x32_avx512vnni,
             qs8_gemm_taps_13x32_avx512vnni, qs8_gemm_taps_14x32_avx512vnni},
};

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_avx512vnni(void) { return &vnni_config; }

#else

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_avx512vnni(void) { return NULL; }

#endif
