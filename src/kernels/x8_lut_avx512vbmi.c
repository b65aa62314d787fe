/*
 * x8_lut_avx512vbmi.c -- the byte table lookup (x8_lut.h) on 64 bytes per zmm. The table is
 * four zmm (bytes 0-63, 64-127, 128-191, 192-255); VPERMI2B picks from a pair by the low 7
 * index bits, once from the lower pair and once from the upper, and the index's top bit
 * chooses between them. Built for VBMI through a target attribute (the file needs no
 * per-file flags); only called after tflc_x8_lut_cpu_has_vbmi().
 */
#include "kernels/x8_lut.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define X8_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))

X8_VBMI static inline __m512i lookup64(__m512i x, __m512i t0, __m512i t1, __m512i t2,
                                       __m512i t3) {
    const __m512i lo = _mm512_permutex2var_epi8(t0, x, t1);
    const __m512i hi = _mm512_permutex2var_epi8(t2, x, t3);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi);
}

X8_VBMI static void x8_lut_avx512vbmi(size_t n, const uint8_t *x, const uint8_t table[256],
                                      uint8_t *y) {
    const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
    const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
    size_t i = 0;
    for (; i + 128 <= n; i += 128) {
        const __m512i a = _mm512_loadu_si512(x + i), b = _mm512_loadu_si512(x + i + 64);
        _mm512_storeu_si512(y + i, lookup64(a, t0, t1, t2, t3));
        _mm512_storeu_si512(y + i + 64, lookup64(b, t0, t1, t2, t3));
    }
    for (; i < n; i += 64) {
        const size_t left = n - i;
        const __mmask64 m = left >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << left) - 1;
        const __m512i a = _mm512_maskz_loadu_epi8(m, x + i);
        _mm512_mask_storeu_epi8(y + i, m, lookup64(a, t0, t1, t2, t3));
    }
}

static const tflc_x8_lut_config vbmi_config = {
    .name = "x8_lut_avx512vbmi",
    .isa = TFLC_ISA_AVX512,
    .lut = x8_lut_avx512vbmi,
};

const tflc_x8_lut_config *tflc_x8_lut_config_avx512vbmi(void) { return &vbmi_config; }

#else

const tflc_x8_lut_config *tflc_x8_lut_config_avx512vbmi(void) { return NULL; }

#endif
