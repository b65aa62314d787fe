/*
 * qs8_requant_avx512.h -- requantization of 16 int32 accumulators at a time with AVX-512 F,
 * for the kernel files built with the AVX-512 flags (qs8_ops_avx512.c): bit for bit the
 * scalar definition of qs8_ops.h, in 64-bit lanes (8 per register) so that no intermediate
 * overflows:
 *   DOUBLE(_WRAP): x << left (then saturated to int32, or its low 32 bits taken by the
 *     multiply), p = x * m; h = (p + 2^30) >> 31, which is SaturatingRoundingDoublingHighMul
 *     for m >= 0 (its ties-up rounding is a floor after adding half); then
 *     RoundingDivideByPOT(h, right) = (h + 2^(right-1) - (h < 0 && right > 0)) >> right.
 *   TIES_UP: the same without the - (h < 0 && right > 0) (both roundings ties up).
 *   SINGLE: (x * m + 2^(t-1)) >> t, low 32 bits.
 * The result is then clamped to [lo - zp, hi - zp] before the zero point is added, which is
 * the same as clamping after it and cannot overflow.
 *
 * Blocks whose channels all have left == 0 (nearly every real model) take a 32-bit-lane path
 * of half the instructions: the products of the even and odd lanes (mul_epi32 twice), h from
 * bits 31..62 of each (p + 2^30), then gemmlowp's own overflow-free RoundingDivideByPOT:
 * (h >> e) + ((h & mask) > (mask >> 1) + (h < 0)); TIES_UP there folds both roundings into
 * one 64-bit shift per lane (qs8_rq16_ties_up).
 */
#ifndef TFLC_KERNELS_QS8_REQUANT_AVX512_H
#define TFLC_KERNELS_QS8_REQUANT_AVX512_H

#include <immintrin.h>

#include "kernels/qs8_ops.h"

#define QS8_INLINE static inline __attribute__((always_inline))

/* The parameters of 16 channels, each as two halves of 8 64-bit lanes. */
typedef struct qs8_rq16 {
    bool simple;                   /* not SINGLE, and no left shift: the 32-bit path */
    /* 32-bit path: multipliers (even lanes), odd lanes' multipliers moved down, shifts,
     * rounding masks 2^e - 1 and their halves */
    __m512i m32, m_odd, e32, mask32, thr32;
    /* TIES_UP's one rounding (qs8_rq16_ties_up), per 64-bit lane: even channels' bias and
     * shift 31 + e, odd channels' bias and shift 31 + e */
    __m512i bias_e, sh_e, bias_o, sh_o;
    /* 64-bit path */
    __m512i m[2], left[2], right[2], half[2];
    __mmask8 rpos[2];              /* right > 0: negative values round away from zero */
    /* folded: TIES_UP on the 32-bit path with every shift e in [1, 20] adds zp * 2^(31+e)
     * to bias_e / bias_o, so the one rounding gives r + zp directly (exact: a multiple of
     * the divisor; |r| < 2^30 for e >= 1, and the 64-bit sum stays below 2^63 for e <= 20).
     * full: [lo, hi] is all of int8, so the saturating narrowing is the clamp. */
    bool folded, full;
    __m512i lo, hi, zp;            /* lo - zp, hi - zp (lo, hi when folded), zp (int32) */
    __m512i lo8, hi8;              /* lo, hi as bytes (qs8_rq16x4_folded) */
} qs8_rq16;

QS8_INLINE __m512i qs8_half64(__m512i v, int which) {
    return _mm512_cvtepi32_epi64(which ? _mm512_extracti64x4_epi64(v, 1)
                                       : _mm512_castsi512_si256(v));
}

/* Channels [c, c + 16) of rq, lanes outside mask k zero. */
QS8_INLINE qs8_rq16 qs8_rq16_load(const tflc_qs8_requant *rq, size_t c, __mmask16 k,
                                  tflc_qs8_rounding rounding) {
    qs8_rq16 p;
    const __m512i zero = _mm512_setzero_si512();
    __m512i m = _mm512_maskz_loadu_epi32(k, rq->multiplier + c);
    __m512i s = _mm512_maskz_loadu_epi32(k, rq->shift + c);
    s = _mm512_min_epi32(_mm512_max_epi32(s, _mm512_set1_epi32(-64)), _mm512_set1_epi32(64));
    __m512i left, right;
    if (rounding == TFLC_QS8_ROUND_SINGLE) {
        left = zero;
        right = _mm512_sub_epi32(_mm512_set1_epi32(31), s);
        right = _mm512_min_epi32(_mm512_max_epi32(right, _mm512_set1_epi32(1)),
                                 _mm512_set1_epi32(62));
    } else {
        const int cap = rounding == TFLC_QS8_ROUND_DOUBLE ? 32 : 31;
        left = _mm512_min_epi32(_mm512_max_epi32(s, zero), _mm512_set1_epi32(cap));
        right = _mm512_min_epi32(_mm512_max_epi32(_mm512_sub_epi32(zero, s), zero),
                                 _mm512_set1_epi32(31));
    }
    p.simple = rounding != TFLC_QS8_ROUND_SINGLE &&
               _mm512_cmpgt_epi32_mask(left, zero) == 0;
    p.m32 = m;
    p.m_odd = _mm512_srli_epi64(m, 32);
    p.e32 = right;
    p.mask32 = _mm512_sub_epi32(_mm512_sllv_epi32(_mm512_set1_epi32(1), right),
                                _mm512_set1_epi32(1));
    p.thr32 = _mm512_srli_epi32(p.mask32, 1);
    {
        const __m512i e_even = _mm512_and_si512(right, _mm512_set1_epi64(0xFFFFFFFF));
        const __m512i e_odd = _mm512_srli_epi64(right, 32);
        const __m512i one64 = _mm512_set1_epi64(1), r30 = _mm512_set1_epi64(1 << 30);
        /* 2^30 + 2^(30+e), or 2^30 when e = 0 */
        p.bias_e = _mm512_add_epi64(r30, _mm512_slli_epi64(
                                             _mm512_srli_epi64(_mm512_sllv_epi64(one64, e_even), 1), 31));
        p.bias_o = _mm512_add_epi64(r30, _mm512_slli_epi64(
                                             _mm512_srli_epi64(_mm512_sllv_epi64(one64, e_odd), 1), 31));
        p.sh_e = _mm512_add_epi64(e_even, _mm512_set1_epi64(31));
        p.sh_o = _mm512_add_epi64(e_odd, _mm512_set1_epi64(31));
    }
    const __m512i one = _mm512_set1_epi64(1);
    for (int h = 0; h < 2; h++) {
        p.m[h] = qs8_half64(m, h);
        p.left[h] = qs8_half64(left, h);
        p.right[h] = qs8_half64(right, h);
        p.half[h] = _mm512_srli_epi64(_mm512_sllv_epi64(one, p.right[h]), 1);
        p.rpos[h] = _mm512_cmpgt_epi64_mask(p.right[h], _mm512_setzero_si512());
    }
    const __mmask16 e_ok = _mm512_mask_cmpge_epi32_mask(k, right, _mm512_set1_epi32(1)) &
                           _mm512_mask_cmple_epi32_mask(k, right, _mm512_set1_epi32(20));
    p.folded = p.simple && rounding == TFLC_QS8_ROUND_TIES_UP && e_ok == k;
    p.full = rq->lo <= INT8_MIN && rq->hi >= INT8_MAX;
    const int32_t zp = rq->out_zero_point;
    if (p.folded) {
        const __m512i zp64 = _mm512_set1_epi64(zp);
        p.bias_e = _mm512_add_epi64(p.bias_e, _mm512_sllv_epi64(zp64, p.sh_e));
        p.bias_o = _mm512_add_epi64(p.bias_o, _mm512_sllv_epi64(zp64, p.sh_o));
    }
    p.zp = _mm512_set1_epi32(zp);
    p.lo = _mm512_set1_epi32(p.folded ? rq->lo : rq->lo - zp);
    p.hi = _mm512_set1_epi32(p.folded ? rq->hi : rq->hi - zp);
    p.lo8 = _mm512_set1_epi8((char)rq->lo);
    p.hi8 = _mm512_set1_epi8((char)rq->hi);
    return p;
}

/* 8 accumulators (sign-extended to 64 bits) -> 8 requantized int32, before the zero point. */
QS8_INLINE __m256i qs8_rq8_apply(const qs8_rq16 *p, int h, __m512i x,
                                 tflc_qs8_rounding rounding) {
    if (rounding == TFLC_QS8_ROUND_SINGLE) {
        const __m512i prod = _mm512_mul_epi32(x, p->m[h]);
        const __m512i r = _mm512_srav_epi64(_mm512_add_epi64(prod, p->half[h]), p->right[h]);
        return _mm512_cvtepi64_epi32(r);
    }
    x = _mm512_sllv_epi64(x, p->left[h]);
    if (rounding == TFLC_QS8_ROUND_DOUBLE)
        x = _mm512_min_epi64(_mm512_max_epi64(x, _mm512_set1_epi64(INT32_MIN)),
                             _mm512_set1_epi64(INT32_MAX));
    const __m512i prod = _mm512_mul_epi32(x, p->m[h]);
    const __m512i hm = _mm512_srai_epi64(_mm512_add_epi64(prod, _mm512_set1_epi64(1 << 30)), 31);
    __m512i v = _mm512_add_epi64(hm, p->half[h]);
    if (rounding != TFLC_QS8_ROUND_TIES_UP) {
        const __mmask8 neg =
            _mm512_mask_cmplt_epi64_mask(p->rpos[h], hm, _mm512_setzero_si512());
        v = _mm512_mask_sub_epi64(v, neg, v, _mm512_set1_epi64(1));
    }
    return _mm512_cvtsepi64_epi32(_mm512_srav_epi64(v, p->right[h]));
}

/* The 32-bit path (p->simple): 16 accumulators -> 16 requantized int32, before the zero
 * point; TIES_UP drops the (h < 0) term of the threshold. */
QS8_INLINE __m512i qs8_rq16_simple(const qs8_rq16 *p, __m512i x, tflc_qs8_rounding rounding) {
    const __m512i r30 = _mm512_set1_epi64(1 << 30);
    const __m512i pe = _mm512_mul_epi32(x, p->m32);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), p->m_odd);
    const __m512i he = _mm512_srli_epi64(_mm512_add_epi64(pe, r30), 31);   /* low dwords */
    const __m512i ho = _mm512_slli_epi64(_mm512_add_epi64(po, r30), 1);    /* high dwords */
    const __m512i h = _mm512_mask_blend_epi32(0xAAAA, he, ho);
    const __m512i rem = _mm512_and_si512(h, p->mask32);
    const __m512i thr = rounding == TFLC_QS8_ROUND_TIES_UP
                            ? p->thr32
                            : _mm512_sub_epi32(p->thr32, _mm512_srai_epi32(h, 31));
    const __m512i q = _mm512_srav_epi32(h, p->e32);
    return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, _mm512_set1_epi32(1));
}

/* TIES_UP on the 32-bit path as one rounding: with p = x * m and h = floor((p + 2^30) / 2^31),
 * floor((h + 2^(e-1)) / 2^e) = floor((p + 2^30 + 2^(30+e)) / 2^(31+e)) (nested floors; 2^30
 * alone when e = 0), exact in 64 bits (|p| < 2^62) and an int32 (|h| <= 2^31), so the low
 * dword of each 64-bit shift. The odd channels are moved into the even dwords first
 * (VPSHUFD, not a shift: AVX-512's shifts all issue on one port, and they are what limits
 * this), and the two halves' low dwords are interleaved back by one VPERMT2D. */
QS8_INLINE __m512i qs8_rq16_ties_up(const qs8_rq16 *p, __m512i x) {
    const __m512i pe = _mm512_mul_epi32(x, p->m32);
    const __m512i po = _mm512_mul_epi32(_mm512_shuffle_epi32(x, _MM_PERM_DDBB), p->m_odd);
    const __m512i re = _mm512_srav_epi64(_mm512_add_epi64(pe, p->bias_e), p->sh_e);
    const __m512i ro = _mm512_srav_epi64(_mm512_add_epi64(po, p->bias_o), p->sh_o);
    const __m512i even_odd =
        _mm512_set_epi32(30, 14, 28, 12, 26, 10, 24, 8, 22, 6, 20, 4, 18, 2, 16, 0);
    return _mm512_permutex2var_epi32(re, even_odd, ro);
}

/* Four rows (acc + i * ldacc, i < 4) of the block's channels (lanes of k), requantized with
 * TIES_UP when p->folded (the results are r + zp already), stored as bytes at out + i * ldo.
 * The narrowing is shared by the four rows: two VPACKSSDW and one VPACKSSWB saturate to
 * int8 as VPMOVSDB would (int16 saturation keeps the order), the clamp runs on 64 bytes at
 * once (clamping after saturating is the same: -128 <= lo <= hi <= 127), and one VPERMD puts
 * each row's 16 bytes together: after the packs, 128-bit lane l holds channels 4l..4l+3 of
 * rows 0, 1, 2, 3 in its four dwords. */
QS8_INLINE void qs8_rq16x4_folded(const qs8_rq16 *p, const int32_t *acc, size_t ldacc,
                                  __mmask16 k, int8_t *out, size_t ldo) {
    __m512i r[4];
    for (int i = 0; i < 4; i++)
        r[i] = qs8_rq16_ties_up(p, _mm512_maskz_loadu_epi32(k, acc + (size_t)i * ldacc));
    __m512i v = _mm512_packs_epi16(_mm512_packs_epi32(r[0], r[1]), _mm512_packs_epi32(r[2], r[3]));
    if (!p->full) v = _mm512_min_epi8(_mm512_max_epi8(v, p->lo8), p->hi8);
    const __m512i rows = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    v = _mm512_permutexvar_epi32(rows, v);
    const __m128i row[4] = {_mm512_castsi512_si128(v), _mm512_extracti32x4_epi32(v, 1),
                            _mm512_extracti32x4_epi32(v, 2), _mm512_extracti32x4_epi32(v, 3)};
    for (int i = 0; i < 4; i++) {
        int8_t *dst = out + (size_t)i * ldo;
        if (k == 0xFFFF) _mm_storeu_si128((__m128i *)(void *)dst, row[i]);
        else _mm_mask_storeu_epi8(dst, k, row[i]);
    }
}

/* 16 int32 accumulators of the block's channels -> 16 int8 outputs. */
QS8_INLINE __m128i qs8_rq16_apply(const qs8_rq16 *p, __m512i acc, tflc_qs8_rounding rounding) {
    __m512i r;
    if (rounding == TFLC_QS8_ROUND_TIES_UP && p->folded) {   /* r + zp already */
        r = qs8_rq16_ties_up(p, acc);
        __m128i bytes = p->full ? _mm512_cvtsepi32_epi8(r)
                                : _mm512_cvtepi32_epi8(
                                      _mm512_min_epi32(_mm512_max_epi32(r, p->lo), p->hi));
        __asm__("" : "+v"(bytes));   /* as below */
        return bytes;
    }
    if (p->simple && rounding == TFLC_QS8_ROUND_TIES_UP) {
        r = qs8_rq16_ties_up(p, acc);
    } else if (p->simple) {
        r = qs8_rq16_simple(p, acc, rounding);
    } else {
        const __m256i r0 = qs8_rq8_apply(p, 0, qs8_half64(acc, 0), rounding);
        const __m256i r1 = qs8_rq8_apply(p, 1, qs8_half64(acc, 1), rounding);
        r = _mm512_inserti64x4(_mm512_castsi256_si512(r0), r1, 1);
    }
    r = _mm512_min_epi32(_mm512_max_epi32(r, p->lo), p->hi);
    __m128i bytes = _mm512_cvtepi32_epi8(_mm512_add_epi32(r, p->zp));
    /* Keep the narrowing in a register: compilers fuse it with the store into VPMOVDB to
     * memory, which Zen 4 runs several times slower than VPMOVDB + a plain store. */
    __asm__("" : "+v"(bytes));
    return bytes;
}

/* Stores the lanes of mask k (the low ones) of 16 bytes. */
QS8_INLINE void qs8_store16(int8_t *dst, __mmask16 k, __m128i v) {
    if (k == 0xFFFF) _mm_storeu_si128((__m128i *)(void *)dst, v);
    else _mm_mask_storeu_epi8(dst, k, v);
}

#endif
