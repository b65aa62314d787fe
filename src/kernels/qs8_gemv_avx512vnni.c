/*
 * qs8_gemv_avx512vnni.c -- the one-row int8 product (qs8_gemv.h) on B packed for the VNNI
 * GEMM (32-column panels, K in groups of 4: group g holds 32 columns x 4 signed bytes).
 * A is converted once per K block to the unsigned bytes VPDPBUSD takes (a + 128 = a ^ 0x80,
 * zero past K); each 32-column panel sums its K groups into four accumulator pairs
 * (groups g mod 4), so four VPDPBUSD chains are in flight; the pairs are added and the
 * column start bias - (128 + a_zero_point) * colsum (qgemm.h) added once. Built with
 * -mavx512f -mavx512bw -mavx512vnni (cmake/kernels.cmake, setup.py).
 */
#include "kernels/qs8_gemv.h"

#if defined(__AVX512F__) && defined(__AVX512VNNI__)
#include <immintrin.h>
#include <string.h>

#define GEMV_NR 32
#define GEMV_GROUP_BYTES (4 * GEMV_NR)
#define GEMV_KB 4096   /* K bytes converted per block (stack) */

static inline __m512i bcast4(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

static inline __mmask16 cols_mask(size_t nc, size_t first) {
    if (nc <= first) return 0;
    if (nc - first >= 16) return (__mmask16)0xFFFFu;
    return (__mmask16)((1u << (nc - first)) - 1u);
}

/* Sum over `groups` K groups of one panel's B (b: the block's first group) times ab:
 * lo = columns 0..15, hi = 16..31. */
static inline void panel_dot(size_t groups, const uint8_t *ab, const int8_t *b, __m512i *lo,
                             __m512i *hi) {
    __m512i l0 = _mm512_setzero_si512(), l1 = l0, l2 = l0, l3 = l0;
    __m512i h0 = l0, h1 = l0, h2 = l0, h3 = l0;
    size_t g = 0;
    for (; g + 4 <= groups; g += 4, ab += 16, b += 4 * GEMV_GROUP_BYTES) {
        const __m512i a0 = bcast4(ab), a1 = bcast4(ab + 4), a2 = bcast4(ab + 8),
                      a3 = bcast4(ab + 12);
        l0 = _mm512_dpbusd_epi32(l0, a0, _mm512_loadu_si512(b));
        h0 = _mm512_dpbusd_epi32(h0, a0, _mm512_loadu_si512(b + 64));
        l1 = _mm512_dpbusd_epi32(l1, a1, _mm512_loadu_si512(b + 128));
        h1 = _mm512_dpbusd_epi32(h1, a1, _mm512_loadu_si512(b + 192));
        l2 = _mm512_dpbusd_epi32(l2, a2, _mm512_loadu_si512(b + 256));
        h2 = _mm512_dpbusd_epi32(h2, a2, _mm512_loadu_si512(b + 320));
        l3 = _mm512_dpbusd_epi32(l3, a3, _mm512_loadu_si512(b + 384));
        h3 = _mm512_dpbusd_epi32(h3, a3, _mm512_loadu_si512(b + 448));
    }
    for (; g < groups; g++, ab += 4, b += GEMV_GROUP_BYTES) {
        const __m512i a0 = bcast4(ab);
        l0 = _mm512_dpbusd_epi32(l0, a0, _mm512_loadu_si512(b));
        h0 = _mm512_dpbusd_epi32(h0, a0, _mm512_loadu_si512(b + 64));
    }
    *lo = _mm512_add_epi32(_mm512_add_epi32(l0, l1), _mm512_add_epi32(l2, l3));
    *hi = _mm512_add_epi32(_mm512_add_epi32(h0, h1), _mm512_add_epi32(h2, h3));
}

/* The start of a panel's columns: bias - corr * colsum (modulo 2^32; colsum is 0 past N). */
static inline void panel_start(const unsigned char *panel, const int32_t *bias, size_t nc,
                               __m512i corr, __m512i *lo, __m512i *hi) {
    const __m512i s0 = _mm512_loadu_si512(panel), s1 = _mm512_loadu_si512(panel + 64);
    const __m512i b0 = bias ? _mm512_maskz_loadu_epi32(cols_mask(nc, 0), bias)
                            : _mm512_setzero_si512();
    const __m512i b1 = bias ? _mm512_maskz_loadu_epi32(cols_mask(nc, 16), bias + 16)
                            : _mm512_setzero_si512();
    *lo = _mm512_sub_epi32(b0, _mm512_mullo_epi32(corr, s0));
    *hi = _mm512_sub_epi32(b1, _mm512_mullo_epi32(corr, s1));
}

/* Columns [n0, n1) of the product (n0 a multiple of GEMV_NR, n1 <= n). */
static void gemv_vnni(size_t n0, size_t n1, size_t n, size_t k, const int8_t *a,
                      int32_t a_zero_point, const void *packed_b, const int32_t *bias,
                      int32_t *c) {
    (void)n;   /* the panels' layout needs only K; n1 <= n bounds the columns */
    const size_t k4 = (k + 3) & ~(size_t)3, panel_bytes = GEMV_NR * 4 + k4 * GEMV_NR;
    const unsigned char *panels = (const unsigned char *)packed_b + TFLC_QGEMM_PACKED_HEADER;
    const __m512i corr = _mm512_set1_epi32((int32_t)(128u + (uint32_t)a_zero_point));
    _Alignas(64) uint8_t ab[GEMV_KB];
    for (size_t kb = 0; kb < k; kb += GEMV_KB) {
        const size_t kc = k - kb < GEMV_KB ? k - kb : GEMV_KB, kc4 = (kc + 3) & ~(size_t)3;
        for (size_t i = 0; i < kc; i++) ab[i] = (uint8_t)((uint8_t)a[kb + i] ^ 0x80u);
        for (size_t i = kc; i < kc4; i++) ab[i] = 0;
        for (size_t j0 = n0; j0 < n1; j0 += GEMV_NR) {
            const size_t nc = n1 - j0 < GEMV_NR ? n1 - j0 : GEMV_NR;
            const unsigned char *panel = panels + (j0 / GEMV_NR) * panel_bytes;
            const int8_t *b = (const int8_t *)(panel + GEMV_NR * 4) + kb * GEMV_NR;
            const __mmask16 mlo = cols_mask(nc, 0), mhi = cols_mask(nc, 16);
            __m512i lo, hi, c0, c1;
            panel_dot(kc4 / 4, ab, b, &lo, &hi);
            if (kb == 0) {
                panel_start(panel, bias ? bias + j0 : NULL, nc, corr, &c0, &c1);
            } else {
                c0 = _mm512_maskz_loadu_epi32(mlo, c + j0);
                c1 = _mm512_maskz_loadu_epi32(mhi, c + j0 + 16);
            }
            _mm512_mask_storeu_epi32(c + j0, mlo, _mm512_add_epi32(c0, lo));
            _mm512_mask_storeu_epi32(c + j0 + 16, mhi, _mm512_add_epi32(c1, hi));
        }
    }
}

tflc_qs8_gemv_fn tflc_qs8_gemv_avx512vnni(void) { return gemv_vnni; }

#else

tflc_qs8_gemv_fn tflc_qs8_gemv_avx512vnni(void) { return NULL; }

#endif
