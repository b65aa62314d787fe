/*
 * qs8_requant_avx2.h -- requantization of 8 int32 accumulators at a time with AVX2, for the
 * kernel files built with the AVX2 flags (qs8_ops_avx2.c). The arithmetic of
 * qs8_requant_avx512.h in 64-bit lanes (4 per register); AVX2 lacks 64-bit arithmetic shifts
 * and min/max, so they are built from logical shifts (sra(v, n) = srl(v ^ s, n) ^ s with s
 * the sign mask) and compare + blend. Blocks without left shifts take the 32-bit path of the
 * AVX-512 header.
 */
#ifndef TFLC_KERNELS_QS8_REQUANT_AVX2_H
#define TFLC_KERNELS_QS8_REQUANT_AVX2_H

#include <immintrin.h>

#include "kernels/qs8_ops.h"

#define QS8_INLINE static inline __attribute__((always_inline))

/* The parameters of 8 channels, each as two halves of 4 64-bit lanes. */
typedef struct qs8_rq8 {
    bool simple;                   /* not SINGLE, and no left shift: the 32-bit path */
    __m256i m32, m_odd, e32, mask32, thr32;
    __m256i m[2], left[2], right[2], half[2];
    __m256i rpos[2];               /* all ones where right > 0 */
    __m256i lo, hi, zp;            /* lo - zp, hi - zp, zp (int32 lanes) */
} qs8_rq8;

QS8_INLINE __m256i qs8_half64(__m256i v, int which) {
    return _mm256_cvtepi32_epi64(which ? _mm256_extracti128_si256(v, 1)
                                       : _mm256_castsi256_si128(v));
}

/* Lanes [0, n) all ones (n <= 8), for maskload. */
QS8_INLINE __m256i qs8_lane_mask(size_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n > 8 ? 8 : n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

QS8_INLINE __m256i qs8_sra64(__m256i v, __m256i n) {
    const __m256i s = _mm256_cmpgt_epi64(_mm256_setzero_si256(), v);
    return _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(v, s), n), s);
}

QS8_INLINE __m256i qs8_min64(__m256i a, __m256i b) {
    return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b));
}

QS8_INLINE __m256i qs8_max64(__m256i a, __m256i b) {
    return _mm256_blendv_epi8(b, a, _mm256_cmpgt_epi64(a, b));
}

/* Channels [c, c + n) of rq (n <= 8), other lanes zero. */
QS8_INLINE qs8_rq8 qs8_rq8_load(const tflc_qs8_requant *rq, size_t c, size_t n,
                                tflc_qs8_rounding rounding) {
    qs8_rq8 p;
    const __m256i zero = _mm256_setzero_si256(), k = qs8_lane_mask(n);
    const __m256i m = _mm256_maskload_epi32((const int *)(rq->multiplier + c), k);
    __m256i s = _mm256_maskload_epi32((const int *)(rq->shift + c), k);
    s = _mm256_min_epi32(_mm256_max_epi32(s, _mm256_set1_epi32(-64)), _mm256_set1_epi32(64));
    __m256i left, right;
    if (rounding == TFLC_QS8_ROUND_SINGLE) {
        left = zero;
        right = _mm256_sub_epi32(_mm256_set1_epi32(31), s);
        right = _mm256_min_epi32(_mm256_max_epi32(right, _mm256_set1_epi32(1)),
                                 _mm256_set1_epi32(62));
    } else {
        const int cap = rounding == TFLC_QS8_ROUND_DOUBLE ? 32 : 31;
        left = _mm256_min_epi32(_mm256_max_epi32(s, zero), _mm256_set1_epi32(cap));
        right = _mm256_min_epi32(_mm256_max_epi32(_mm256_sub_epi32(zero, s), zero),
                                 _mm256_set1_epi32(31));
    }
    p.simple = rounding != TFLC_QS8_ROUND_SINGLE &&
               _mm256_movemask_epi8(_mm256_cmpgt_epi32(left, zero)) == 0;
    p.m32 = m;
    p.m_odd = _mm256_srli_epi64(m, 32);
    p.e32 = right;
    p.mask32 = _mm256_sub_epi32(_mm256_sllv_epi32(_mm256_set1_epi32(1), right),
                                _mm256_set1_epi32(1));
    p.thr32 = _mm256_srli_epi32(p.mask32, 1);
    const __m256i one = _mm256_set1_epi64x(1);
    for (int h = 0; h < 2; h++) {
        p.m[h] = qs8_half64(m, h);
        p.left[h] = qs8_half64(left, h);
        p.right[h] = qs8_half64(right, h);
        p.half[h] = _mm256_srli_epi64(_mm256_sllv_epi64(one, p.right[h]), 1);
        p.rpos[h] = _mm256_cmpgt_epi64(p.right[h], zero);
    }
    p.zp = _mm256_set1_epi32(rq->out_zero_point);
    p.lo = _mm256_set1_epi32(rq->lo - rq->out_zero_point);
    p.hi = _mm256_set1_epi32(rq->hi - rq->out_zero_point);
    return p;
}

/* 4 accumulators (sign-extended to 64 bits) -> 4 requantized values in the low halves of
 * the 64-bit lanes. */
QS8_INLINE __m256i qs8_rq4_apply(const qs8_rq8 *p, int h, __m256i x, tflc_qs8_rounding rounding) {
    if (rounding == TFLC_QS8_ROUND_SINGLE) {
        const __m256i prod = _mm256_mul_epi32(x, p->m[h]);
        return qs8_sra64(_mm256_add_epi64(prod, p->half[h]), p->right[h]);
    }
    x = _mm256_sllv_epi64(x, p->left[h]);
    if (rounding == TFLC_QS8_ROUND_DOUBLE)
        x = qs8_min64(qs8_max64(x, _mm256_set1_epi64x(INT32_MIN)), _mm256_set1_epi64x(INT32_MAX));
    const __m256i prod = _mm256_mul_epi32(x, p->m[h]);
    const __m256i hm = qs8_sra64(_mm256_add_epi64(prod, _mm256_set1_epi64x(1 << 30)),
                                 _mm256_set1_epi64x(31));
    if (rounding == TFLC_QS8_ROUND_TIES_UP)
        return qs8_sra64(_mm256_add_epi64(hm, p->half[h]), p->right[h]);
    const __m256i neg = _mm256_and_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), hm),
                                         p->rpos[h]);
    const __m256i v = _mm256_add_epi64(_mm256_add_epi64(hm, p->half[h]), neg);
    return qs8_sra64(v, p->right[h]);
}

/* The 32-bit path (p->simple): 8 accumulators -> 8 requantized int32, before the zero
 * point. The second rounding without overflow: (h >> e) + (rem > thr) with rem = h & mask;
 * thr = mask >> 1 rounds ties up, one more for negative h ties away from zero. */
QS8_INLINE __m256i qs8_rq8_simple(const qs8_rq8 *p, __m256i x, tflc_qs8_rounding rounding) {
    const __m256i r30 = _mm256_set1_epi64x(1 << 30);
    const __m256i pe = _mm256_mul_epi32(x, p->m32);
    const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), p->m_odd);
    const __m256i he = _mm256_srli_epi64(_mm256_add_epi64(pe, r30), 31);   /* low dwords */
    const __m256i ho = _mm256_slli_epi64(_mm256_add_epi64(po, r30), 1);    /* high dwords */
    const __m256i h = _mm256_blend_epi32(he, ho, 0xAA);
    const __m256i rem = _mm256_and_si256(h, p->mask32);
    const __m256i thr = rounding == TFLC_QS8_ROUND_TIES_UP
                            ? p->thr32
                            : _mm256_sub_epi32(p->thr32, _mm256_srai_epi32(h, 31));
    const __m256i q = _mm256_srav_epi32(h, p->e32);
    return _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
}

/* 8 int32 accumulators of the block's channels -> 8 int32 outputs in [lo, hi]. */
QS8_INLINE __m256i qs8_rq8_apply(const qs8_rq8 *p, __m256i acc, tflc_qs8_rounding rounding) {
    __m256i r;
    if (p->simple) {
        r = qs8_rq8_simple(p, acc, rounding);
    } else {
        const __m256i r0 = qs8_rq4_apply(p, 0, qs8_half64(acc, 0), rounding);
        const __m256i r1 = qs8_rq4_apply(p, 1, qs8_half64(acc, 1), rounding);
        /* low dwords interleaved (r0[0], r1[0], r0[1], ...), then put in order */
        r = _mm256_blend_epi32(r0, _mm256_slli_epi64(r1, 32), 0xAA);
        r = _mm256_permutevar8x32_epi32(r, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
    }
    r = _mm256_min_epi32(_mm256_max_epi32(r, p->lo), p->hi);
    return _mm256_add_epi32(r, p->zp);
}

/* The 8 int32 (each in [-128, 127]) as 8 bytes in the low half of an xmm. */
QS8_INLINE __m128i qs8_pack8(__m256i v) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return _mm_packs_epi16(w, w);
}

#endif
