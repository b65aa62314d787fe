/*
 * qs8_vbinary_avx512.c -- quantized ADD / SUB / MUL (qs8_vbinary.h) on 16 int32 lanes per
 * zmm; the ragged end through masked loads and masked narrowing stores (vpmovsdb & co.), so
 * nothing is touched past the arrays. The arithmetic is qs8_vbinary_avx2.c's, lane for lane.
 * Built with -mavx512f/bw/vl/dq (cmake/kernels.cmake); without them the file only reports
 * that it has no config.
 */
#include "kernels/qs8_vbinary.h"

#include <pthread.h>

#include "kernels/x8_lut.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#include <immintrin.h>

#define QB_INLINE static inline __attribute__((always_inline))

/* The parameters broadcast once per call. */
typedef struct qb_vec {
    __m512i off[2], mh[2], ml[2], round[2], mask[2], thr[2];
    __m128i split[2], post[2], right[2];
    __m512i out_mult, out_mask, out_thr, lo, hi, zp;
    __m128i out_left, out_right;
    __m512i bias, off16[2];  /* qb_round_fold's 2^30 + 2^(30+e); MUL offsets as int16 */
    bool fold;       /* p->fold */
    bool sat;        /* S8/S16 with the dtype's full clamp: the saturating narrowing clamps */
    bool madd;       /* MUL: every x + offset fits int16, the product is one vpmaddwd */
} qb_vec;

QB_INLINE void qb_vec_init(qb_vec *v, const tflc_qbinary_params *p) {
    for (int k = 0; k < 2; k++) {
        const tflc_qbinary_in *q = &p->in[k];
        v->off[k] = _mm512_set1_epi32(q->offset);
        v->mh[k] = _mm512_set1_epi32(q->mult_hi);
        v->ml[k] = _mm512_set1_epi32(q->mult_lo);
        v->round[k] = _mm512_set1_epi32(q->round);
        v->mask[k] = _mm512_set1_epi32(q->mask);
        v->thr[k] = _mm512_set1_epi32(q->thr);
        v->split[k] = _mm_cvtsi32_si128(q->split);
        v->post[k] = _mm_cvtsi32_si128(q->post);
        v->right[k] = _mm_cvtsi32_si128(q->right);
    }
    v->out_mult = _mm512_set1_epi32(p->out_mult);
    v->out_mask = _mm512_set1_epi32(p->out_mask);
    v->out_thr = _mm512_set1_epi32(p->out_thr);
    v->lo = _mm512_set1_epi32(p->lo);
    v->hi = _mm512_set1_epi32(p->hi);
    v->zp = _mm512_set1_epi32(p->out_zp);
    v->out_left = _mm_cvtsi32_si128(p->out_left);
    v->out_right = _mm_cvtsi32_si128(p->out_right);
    v->fold = p->fold;
    v->bias = _mm512_set1_epi64((INT64_C(1) << 30) + (INT64_C(1) << (30 + p->out_right)));
    for (int k = 0; k < 2; k++)     /* offset in the low word of each dword, 0 in the high */
        v->off16[k] = _mm512_set1_epi32((int32_t)(uint16_t)p->in[k].offset);
}

/* The dtype's dependent switches of qb_vec, set once per call. */
QB_INLINE void qb_vec_modes(qb_vec *v, const int op, const int dt, const tflc_qbinary_params *p) {
    const int32_t lo = p->lo + p->out_zp, hi = p->hi + p->out_zp;
    v->sat = (dt == TFLC_QBINARY_S8 && lo == INT8_MIN && hi == INT8_MAX) ||
             (dt == TFLC_QBINARY_S16 && lo == INT16_MIN && hi == INT16_MAX);
    bool fit = op == TFLC_QBINARY_MUL && dt != TFLC_QBINARY_S16;
    for (int k = 0; k < 2 && fit; k++) {
        const int64_t x0 = (int64_t)(dt == TFLC_QBINARY_S8 ? INT8_MIN : 0) + p->in[k].offset;
        const int64_t x1 = (int64_t)(dt == TFLC_QBINARY_S8 ? INT8_MAX : UINT8_MAX) + p->in[k].offset;
        fit = x0 >= INT16_MIN && x1 <= INT16_MAX;
    }
    v->madd = fit;
}

/* RDPOT: floor(v / 2^e) + (remainder > threshold + (v < 0)). */
QB_INLINE __m512i qb_rdpot(__m512i v, __m128i e, __m512i mask, __m512i thr) {
    const __m512i rem = _mm512_and_si512(v, mask);
    const __m512i t = _mm512_sub_epi32(thr, _mm512_srai_epi32(v, 31));
    const __m512i q = _mm512_sra_epi32(v, e);
    return _mm512_mask_sub_epi32(q, _mm512_cmpgt_epi32_mask(rem, t), q, _mm512_set1_epi32(-1));
}

/* Input k's rescale: (x * mh + floor((x * ml + round) / 2^split)) >> post, then RDPOT. */
QB_INLINE __m512i qb_in(const qb_vec *v, int k, __m512i raw) {
    const __m512i x = _mm512_add_epi32(raw, v->off[k]);
    const __m512i lo = _mm512_add_epi32(_mm512_mullo_epi32(x, v->ml[k]), v->round[k]);
    __m512i h = _mm512_add_epi32(_mm512_mullo_epi32(x, v->mh[k]),
                                 _mm512_sra_epi32(lo, v->split[k]));
    h = _mm512_sra_epi32(h, v->post[k]);
    return qb_rdpot(h, v->right[k], v->mask[k], v->thr[k]);
}

/* qb_out's RDPOT(SRDHM(r, m), e) when p->fold (e >= 1, so no left shift). With the 64-bit
 * p = r * m and h = floor((p + 2^30) / 2^31), RDPOT rounds h half up (h >= 0) or half down
 * (h < 0): floor((h + 2^(e-1) - [h < 0]) / 2^e). Nested floors give
 *   floor((g - [h < 0]) / 2^e),   g = floor((p + 2^30 + 2^(30+e)) / 2^31) = h + 2^(e-1),
 * and fold guarantees g - 1 and g fit int32. [h < 0] is taken as [r < 0]: m >= 0, so they
 * differ only where h = 0 and r < 0 (-2^30 <= p < 0), and there both give
 * floor((2^(e-1) - 1) / 2^e) = floor(2^(e-1) / 2^e) = 0. g is bits 31..62 of the 64-bit sum:
 * the even lanes' moved down into the low dword, the odd lanes' up into the high one. */
QB_INLINE __m512i qb_round_fold(const qb_vec *v, __m512i r) {
    const __m512i pe = _mm512_mul_epi32(r, v->out_mult);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(r, 32), v->out_mult);
    const __m512i ge = _mm512_srli_epi64(_mm512_add_epi64(pe, v->bias), 31);
    const __m512i go = _mm512_slli_epi64(_mm512_add_epi64(po, v->bias), 1);
    const __m512i g = _mm512_mask_blend_epi32(0xAAAA, ge, go);
    return _mm512_sra_epi32(_mm512_add_epi32(g, _mm512_srai_epi32(r, 31)), v->out_right);
}

/* r -> clamp(MBQM(r), lo, hi) + zp, SRDHM as floor((x * m + 2^30) / 2^31) from even and odd
 * 64-bit products (bits 31..62 moved into the low or the high dword). */
QB_INLINE __m512i qb_out(const qb_vec *v, __m512i r) {
    if (v->fold) {
        const __m512i q = qb_round_fold(v, r);
        if (v->sat) return _mm512_add_epi32(q, v->zp);    /* |q| < 2^31 - 2^16: no wrap */
        return _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, v->lo), v->hi), v->zp);
    }
    const __m512i r30 = _mm512_set1_epi64(INT64_C(1) << 30);
    const __m512i x = _mm512_sll_epi32(r, v->out_left);
    const __m512i pe = _mm512_mul_epi32(x, v->out_mult);
    const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(x, 32), v->out_mult);
    const __m512i he = _mm512_srli_epi64(_mm512_add_epi64(pe, r30), 31);
    const __m512i ho = _mm512_slli_epi64(_mm512_add_epi64(po, r30), 1);
    const __m512i h = _mm512_mask_blend_epi32(0xAAAA, he, ho);
    __m512i q = qb_rdpot(h, v->out_right, v->out_mask, v->out_thr);
    q = _mm512_min_epi32(_mm512_max_epi32(q, v->lo), v->hi);
    return _mm512_add_epi32(q, v->zp);
}

/* Lanes [0, 16) where k has a bit; other lanes zero. */
QB_INLINE __m512i qb_load(const int dt, const void *x, __mmask16 k) {
    if (dt == TFLC_QBINARY_S16) return _mm512_cvtepi16_epi32(_mm256_maskz_loadu_epi16(k, x));
    const __m128i b = _mm_maskz_loadu_epi8(k, x);
    return dt == TFLC_QBINARY_S8 ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
}

/* Values already inside the dtype's range: the saturating narrowings change nothing. */
QB_INLINE void qb_store(const int dt, void *y, __m512i v, __mmask16 k) {
    if (k == 0xFFFF) {
        if (dt == TFLC_QBINARY_S16) _mm256_storeu_si256((__m256i *)y, _mm512_cvtsepi32_epi16(v));
        else if (dt == TFLC_QBINARY_S8) _mm_storeu_si128((__m128i *)y, _mm512_cvtsepi32_epi8(v));
        else _mm_storeu_si128((__m128i *)y, _mm512_cvtusepi32_epi8(v));
        return;
    }
    if (dt == TFLC_QBINARY_S16) _mm512_mask_cvtsepi32_storeu_epi16(y, k, v);
    else if (dt == TFLC_QBINARY_S8) _mm512_mask_cvtsepi32_storeu_epi8(y, k, v);
    else _mm512_mask_cvtusepi32_storeu_epi8(y, k, v);
}

QB_INLINE __m512i qb_op16(const int op, const int sa, const int sb, const qb_vec *v, __m512i xa,
                          __m512i xb) {
    if (op == TFLC_QBINARY_MUL && v->madd) {
        /* low words x + offset, high words: pa's ignored, pb's zero -> one vpmaddwd */
        const __m512i pa = sa ? xa : _mm512_add_epi16(xa, v->off16[0]);
        const __m512i pb = sb ? xb : _mm512_maskz_add_epi16(0x55555555u, xb, v->off16[1]);
        return qb_out(v, _mm512_madd_epi16(pa, pb));
    }
    if (op == TFLC_QBINARY_MUL) {
        const __m512i pa = sa ? xa : _mm512_add_epi32(xa, v->off[0]);
        const __m512i pb = sb ? xb : _mm512_add_epi32(xb, v->off[1]);
        return qb_out(v, _mm512_mullo_epi32(pa, pb));
    }
    const __m512i ra = sa ? xa : qb_in(v, 0, xa);
    const __m512i rb = sb ? xb : qb_in(v, 1, xb);
    if (op == TFLC_QBINARY_ADD) return qb_out(v, _mm512_add_epi32(ra, rb));
    const __m512i d = _mm512_sub_epi32(ra, rb);
    return qb_out(v, op == TFLC_QBINARY_SUB ? d : _mm512_mullo_epi32(d, d));
}

QB_INLINE void qb_block16(const int op, const int dt, const int sa, const int sb, const qb_vec *v,
                          const void *a, const void *b, void *y, __m512i ca, __m512i cb,
                          __mmask16 k) {
    const __m512i xa = sa ? ca : qb_load(dt, a, k);
    const __m512i xb = sb ? cb : qb_load(dt, b, k);
    qb_store(dt, y, qb_op16(op, sa, sb, v, xa, xb), k);
}

/* The scalar side's prepared value, broadcast: (x + offset) for MUL, its rescale for
 * ADD/SUB. */
QB_INLINE __m512i qb_const(const int op, const int dt, const qb_vec *v, int k, const void *x) {
    const int32_t raw = dt == TFLC_QBINARY_S8 ? ((const int8_t *)x)[0]
                        : dt == TFLC_QBINARY_U8 ? ((const uint8_t *)x)[0]
                                                : ((const int16_t *)x)[0];
    const __m512i r = _mm512_set1_epi32(raw);
    return op == TFLC_QBINARY_MUL ? _mm512_add_epi32(r, v->off[k]) : qb_in(v, k, r);
}

QB_INLINE void qbinary(const int op, const int dt, const int form, size_t n, const void *a,
                       const void *b, void *y, const tflc_qbinary_params *p) {
    const int sa = form == TFLC_QBINARY_SV, sb = form == TFLC_QBINARY_VS;
    const size_t es = dt == TFLC_QBINARY_S16 ? 2 : 1;
    qb_vec v;
    qb_vec_init(&v, p);
    qb_vec_modes(&v, op, dt, p);
    const __m512i ca = sa ? qb_const(op, dt, &v, 0, a) : _mm512_setzero_si512();
    __m512i cb = sb ? qb_const(op, dt, &v, 1, b) : _mm512_setzero_si512();
    if (op == TFLC_QBINARY_MUL && v.madd)     /* vpmaddwd reads pb's high word: make it 0 */
        cb = _mm512_and_si512(cb, _mm512_set1_epi32(0xFFFF));
    const char *pa = a, *pb = b;
    char *py = y;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        qb_block16(op, dt, sa, sb, &v, pa + (sa ? 0 : i * es), pb + (sb ? 0 : i * es),
                   py + i * es, ca, cb, 0xFFFF);
        qb_block16(op, dt, sa, sb, &v, pa + (sa ? 0 : (i + 16) * es),
                   pb + (sb ? 0 : (i + 16) * es), py + (i + 16) * es, ca, cb, 0xFFFF);
    }
    for (; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1);
        qb_block16(op, dt, sa, sb, &v, pa + (sa ? 0 : i * es), pb + (sb ? 0 : i * es),
                   py + i * es, ca, cb, k);
    }
}


/* A row side's prepared values for lanes k of x: (x + offset) for MUL (high words cleared
 * when the product is one vpmaddwd and it is b), the rescale for ADD/SUB/SQDIFF. */
QB_INLINE __m512i qb_row_const(const int op, const int dt, const qb_vec *v, int side,
                               const void *x, __mmask16 k) {
    const __m512i raw = qb_load(dt, x, k);
    if (op != TFLC_QBINARY_MUL) return qb_in(v, side, raw);
    const __m512i c = _mm512_add_epi32(raw, v->off[side]);
    return v->madd && side == 1 ? _mm512_and_si512(c, _mm512_set1_epi32(0xFFFF)) : c;
}

/* ---- 8-bit MUL against a row of per-channel factors, with the factor folded into the
 * multiplier. With x = block + offset, B = row + offset (one per channel) and K = B * out_mult
 * split as K = Kh * 2^16 + Kl (Kl the signed low 16 bits), SRDHM(x * B, out_mult) is
 *   h = floor((x*Kh*2^16 + x*Kl + 2^30) / 2^31) = floor(W / 2^15),
 *   W = x*Kh + floor(x*Kl / 2^16) + 2^14                              (nested floors),
 * and with RDPOT(h, e) = floor((h + 2^(e-1) - [h < 0]) / 2^e) (qb_round_fold) and [h < 0] =
 * [W < 0], the output before the clamp is
 *   RDPOT(h, e) + zp = floor((W + 2^(14+e) - [W < 0] * 2^15 + zp * 2^(15+e)) / 2^(15+e)).
 * In 32-bit lanes that is one vpmaddwd (x * Kl: x in the low word, Kl in the low word and 0
 * in the high one), one vpmulld (x * Kh), adds and one shift, in place of qb_out's two
 * 64-bit products and their recombination. tflc_qbinary_prepare sets p->mul_split when
 * every sum stays below 2^31 (qs8_vbinary_scalar.c, mul_split_ok). */

/* The row form of an 8-bit MUL with p->mul_split: channel blocks of QB_SPLIT_BLOCK outer, rows
 * streaming through each. */
QB_INLINE void qb_mul_rows_split(const int dt, const int block_side, size_t rows, size_t n,
                                 const char *blk, const char *row, char *y,
                                 const tflc_qbinary_params *p, const qb_vec *v) {
    const int e = p->out_right;
    const __m512i xoff = _mm512_set1_epi32(p->in[block_side].offset);
    const __m512i cst = _mm512_set1_epi32((1 << 14) + (1 << (14 + e)) +
                                          (int32_t)((int64_t)p->out_zp * (INT64_C(1) << (15 + e))));
    const __m512i neg_lim = _mm512_set1_epi32(-(1 << 14)), half = _mm512_set1_epi32(1 << 15);
    const __m512i lo = _mm512_add_epi32(v->lo, v->zp), hi = _mm512_add_epi32(v->hi, v->zp);
    const __m128i sh = _mm_cvtsi32_si128(15 + e);
    int32_t kh[QB_SPLIT_BLOCK], kl[QB_SPLIT_BLOCK];
    for (size_t c0 = 0; c0 < n; c0 += QB_SPLIT_BLOCK) {
        const size_t w = n - c0 < QB_SPLIT_BLOCK ? n - c0 : QB_SPLIT_BLOCK;
        qb_split_factors(dt, row, c0, n, p->in[1 - block_side].offset, p->out_mult, kh, kl);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < w; j += 16) {
                const __mmask16 k = (__mmask16)(w - j >= 16 ? 0xFFFFu : (1u << (w - j)) - 1);
                const size_t o = r * n + c0 + j;
                const __m512i x = _mm512_add_epi32(qb_load(dt, blk + o, k), xoff);
                const __m512i u = _mm512_madd_epi16(x, _mm512_loadu_si512(kl + j));
                const __m512i t0 = _mm512_add_epi32(
                    _mm512_mullo_epi32(x, _mm512_loadu_si512(kh + j)), _mm512_srai_epi32(u, 16));
                const __mmask16 neg = _mm512_cmplt_epi32_mask(t0, neg_lim);   /* W < 0 */
                __m512i t = _mm512_add_epi32(t0, cst);
                t = _mm512_sra_epi32(_mm512_mask_sub_epi32(t, neg, t, half), sh);
                if (!v->sat) t = _mm512_min_epi32(_mm512_max_epi32(t, lo), hi);
                qb_store(dt, y + o, t, k);
            }
    }
}

/* Rows of at least this many elements go row by row through the VV loop: the row side's
 * preparation is then a small share of a row, and walking a narrow channel block down rows
 * this far apart defeats the prefetcher (R 196, C 672: 0.24 against 0.20 ns an element). */
enum { QB_ROWS_BLOCK_MAX = 256 };

/* The row forms. An 8-bit MUL with p->mul_split (the squeeze-excite scale of the
 * converter's models) takes qb_mul_rows_split. Otherwise narrow rows (n < QB_ROWS_BLOCK_MAX)
 * go in channel blocks of up to 64 outer, the row side's prepared values for the block held
 * in four zmm while the block's rows stream past (one load, widening and offset or rescale
 * per channel for the whole block instead of per row); each output is qb_block16's with the
 * row side as its constant operand, so the bits are VV's. */
QB_INLINE void qbinary_rows(const int op, const int dt, const int form, size_t rows, size_t n,
                            const void *a, const void *b, void *y,
                            const tflc_qbinary_params *p) {
    const int sa = form == TFLC_QBINARY_RV, sb = form == TFLC_QBINARY_VR;
    const size_t es = dt == TFLC_QBINARY_S16 ? 2 : 1;
    if (op == TFLC_QBINARY_MUL && dt != TFLC_QBINARY_S16 && p->mul_split) {
        qb_vec v;
        qb_vec_init(&v, p);
        qb_vec_modes(&v, op, dt, p);
        qb_mul_rows_split(dt, sa ? 1 : 0, rows, n, sa ? b : a, sa ? a : b, y, p, &v);
        return;
    }
    if (n >= QB_ROWS_BLOCK_MAX) {
        for (size_t r = 0; r < rows; r++) {
            const size_t o = r * n * es;
            qbinary(op, dt, TFLC_QBINARY_VV, n, sa ? a : (const char *)a + o,
                    sb ? b : (const char *)b + o, (char *)y + o, p);
        }
        return;
    }
    qb_vec v;
    qb_vec_init(&v, p);
    qb_vec_modes(&v, op, dt, p);
    const char *pa = a, *pb = b, *row = sa ? pa : pb;
    char *py = y;
    for (size_t c0 = 0; c0 < n; c0 += 64) {
        __m512i c[4];
        __mmask16 k[4];
        for (int q = 0; q < 4; q++) {
            const size_t j = c0 + 16 * (size_t)q;
            k[q] = (__mmask16)(j >= n ? 0u : n - j >= 16 ? 0xFFFFu : (1u << (n - j)) - 1);
            c[q] = k[q] ? qb_row_const(op, dt, &v, sa ? 0 : 1, row + j * es, k[q])
                        : _mm512_setzero_si512();
        }
        for (size_t r = 0; r < rows; r++)
            for (int q = 0; q < 4 && k[q]; q++) {
                const size_t o = (r * n + c0 + 16 * (size_t)q) * es;
                qb_block16(op, dt, sa, sb, &v, sa ? pa : pa + o, sb ? pb : pb + o, py + o, c[q],
                           c[q], k[q]);
            }
    }
}

TFLC_QBINARY_ENTRY_POINTS(avx512)
TFLC_QBINARY_ROWS_ENTRY_POINTS(avx512)

static const tflc_qbinary_config avx512_config = {
    .name = "qs8_vbinary_avx512",
    .isa = TFLC_ISA_AVX512,
    .fn = TFLC_QBINARY_FN_TABLE(avx512),
    .rows = TFLC_QBINARY_ROWS_TABLE(avx512),
};

const tflc_qbinary_config *tflc_qbinary_config_avx512(void) { return &avx512_config; }

/* ---- 8-bit ADD / SUB of two vectors through byte tables (AVX-512 VBMI).
 * Each input's rescale s_k(x) (qb_in: an offset, two multiplies, shifts and RDPOT, 13
 * operations per 16 lanes) depends on the input byte alone, so it is a table of 256 int32
 * values, built once per call with qb_in itself (so its bits are qb_in's). The table is held
 * as four byte planes (byte j of every entry), each plane four zmm (entries 0-63 ... 192-255):
 * VPERMI2B looks up a plane for 64 lanes in two steps, the lower 128 entries where the index's
 * top bit is clear and the upper where it is set. The four planes of 64 lanes are then
 * interleaved into int32 with unpacks, which leave lane i of 128-bit block L in dword
 * (i % 4) of zmm i / 4; the output is narrowed with the saturating packs, which undo that
 * order exactly. The output stage is qb_round_fold's (so only when p->fold), and the zero
 * point and clamp are applied to the packed words and bytes:
 *   sat8(sat16(sat16(q) + zp)) = sat8(q + zp) for |zp| < 2^15,
 * as once q leaves int16 both sides saturate the same way. ResNet50's int8 ADD (802816
 * elements), best of 50: 0.505 ns an element with qb_in, 0.325 with the tables (the four
 * planes' 16 lookups and 16 unpacks per 64 bytes are now the bound: shuffle ports). */
#define QB_VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi")))

/* Input k's table as plane[j][q]: byte j of s_k for the entries 64q .. 64q + 63, entry e
 * being the byte e (int8: (int8_t)e). */
QB_VBMI static void qb_lut_build(const qb_vec *v, int k, const int dt, __m512i plane[4][4]) {
    _Alignas(64) uint8_t bytes[4][256];
    const __m512i iota = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    for (int e = 0; e < 256; e += 16) {
        __m512i raw = _mm512_add_epi32(iota, _mm512_set1_epi32(e));
        if (dt == TFLC_QBINARY_S8) raw = _mm512_srai_epi32(_mm512_slli_epi32(raw, 24), 24);
        const __m512i s = qb_in(v, k, raw);
        for (int j = 0; j < 4; j++)
            _mm_store_si128((__m128i *)&bytes[j][e], _mm512_cvtepi32_epi8(_mm512_srli_epi32(s, 8 * j)));
    }
    for (int j = 0; j < 4; j++)
        for (int q = 0; q < 4; q++) plane[j][q] = _mm512_load_si512(&bytes[j][64 * q]);
}

/* Plane t of 64 table entries for the 64 indices x; `top` marks the indices >= 128. */
QB_VBMI QB_INLINE __m512i qb_lut_plane(__m512i x, __mmask64 top, const __m512i t[4]) {
    const __m512i lo = _mm512_mask2_permutex2var_epi8(t[0], x, (__mmask64)~top, t[1]);
    return _mm512_mask2_permutex2var_epi8(t[2], lo, top, t[3]);
}

/* s_k of 64 bytes as 16-lane int32 vectors d[0..3], in the unpacks' order (see above). */
QB_VBMI QB_INLINE void qb_lut_lookup(__m512i x, __m512i plane[4][4], __m512i d[4]) {
    const __mmask64 top = _mm512_movepi8_mask(x);
    const __m512i p0 = qb_lut_plane(x, top, plane[0]), p1 = qb_lut_plane(x, top, plane[1]);
    const __m512i p2 = qb_lut_plane(x, top, plane[2]), p3 = qb_lut_plane(x, top, plane[3]);
    const __m512i l01 = _mm512_unpacklo_epi8(p0, p1), h01 = _mm512_unpackhi_epi8(p0, p1);
    const __m512i l23 = _mm512_unpacklo_epi8(p2, p3), h23 = _mm512_unpackhi_epi8(p2, p3);
    d[0] = _mm512_unpacklo_epi16(l01, l23);
    d[1] = _mm512_unpackhi_epi16(l01, l23);
    d[2] = _mm512_unpacklo_epi16(h01, h23);
    d[3] = _mm512_unpackhi_epi16(h01, h23);
}

/* The narrowed bytes of four output vectors (qb_round_fold's q, before zero point and clamp),
 * back in input order. */
QB_VBMI QB_INLINE __m512i qb_lut_narrow(const int dt, const __m512i q[4], __m512i zp16, __m512i lo8,
                                        __m512i hi8, bool clamp) {
    const __m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(q[0], q[1]), zp16);
    const __m512i w23 = _mm512_adds_epi16(_mm512_packs_epi32(q[2], q[3]), zp16);
    if (dt == TFLC_QBINARY_S8) {
        const __m512i y = _mm512_packs_epi16(w01, w23);
        return clamp ? _mm512_min_epi8(_mm512_max_epi8(y, lo8), hi8) : y;
    }
    const __m512i y = _mm512_packus_epi16(w01, w23);
    return clamp ? _mm512_min_epu8(_mm512_max_epu8(y, lo8), hi8) : y;
}

QB_VBMI QB_INLINE void qb_lut_addsub(const int op, const int dt, size_t n, const uint8_t *a,
                                     const uint8_t *b, uint8_t *y, const tflc_qbinary_params *p,
                                     const qb_vec *v) {
    __m512i ta[4][4], tb[4][4];
    qb_lut_build(v, 0, dt, ta);
    qb_lut_build(v, 1, dt, tb);
    const int32_t dmin = dt == TFLC_QBINARY_S8 ? INT8_MIN : 0;
    const int32_t dmax = dt == TFLC_QBINARY_S8 ? INT8_MAX : UINT8_MAX;
    const int32_t lo = p->lo + p->out_zp < dmin ? dmin : p->lo + p->out_zp;
    const int32_t hi = p->hi + p->out_zp > dmax ? dmax : p->hi + p->out_zp;
    const bool clamp = lo > dmin || hi < dmax;
    const __m512i zp16 = _mm512_set1_epi16((int16_t)p->out_zp);
    const __m512i lo8 = _mm512_set1_epi8((char)lo), hi8 = _mm512_set1_epi8((char)hi);
    for (size_t i = 0; i < n; i += 64) {
        const __mmask64 m = n - i >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n - i)) - 1;
        __m512i da[4], db[4], q[4];
        qb_lut_lookup(_mm512_maskz_loadu_epi8(m, a + i), ta, da);
        qb_lut_lookup(_mm512_maskz_loadu_epi8(m, b + i), tb, db);
        for (int r = 0; r < 4; r++)
            q[r] = qb_round_fold(v, op == TFLC_QBINARY_ADD ? _mm512_add_epi32(da[r], db[r])
                                                           : _mm512_sub_epi32(da[r], db[r]));
        _mm512_mask_storeu_epi8(y + i, m, qb_lut_narrow(dt, q, zp16, lo8, hi8, clamp));
    }
}

/* The VV entry point: tables when they pay and the output stage folds, else qbinary's loop. */
QB_VBMI QB_INLINE void qbinary_lut(const int op, const int dt, size_t n, const void *a,
                                   const void *b, void *y, const tflc_qbinary_params *p) {
    if (n < TFLC_QBINARY_LUT_MIN || !p->fold) {
        qbinary(op, dt, TFLC_QBINARY_VV, n, a, b, y, p);
        return;
    }
    qb_vec v;
    qb_vec_init(&v, p);
    qb_lut_addsub(op, dt, n, a, b, y, p, &v);
}

#define QB_LUT_ENTRY(op, dt, OP, DT)                                                          \
    QB_VBMI static void q##op##_##dt##_vv_lut(size_t n, const void *a, const void *b, void *y, \
                                              const tflc_qbinary_params *p) {                \
        qbinary_lut(OP, DT, n, a, b, y, p);                                                    \
    }
QB_LUT_ENTRY(add, s8, TFLC_QBINARY_ADD, TFLC_QBINARY_S8)
QB_LUT_ENTRY(add, u8, TFLC_QBINARY_ADD, TFLC_QBINARY_U8)
QB_LUT_ENTRY(sub, s8, TFLC_QBINARY_SUB, TFLC_QBINARY_S8)
QB_LUT_ENTRY(sub, u8, TFLC_QBINARY_SUB, TFLC_QBINARY_U8)

/* avx512's config with the four 8-bit ADD / SUB vector entry points replaced. */
static tflc_qbinary_config vbmi_config;
static pthread_once_t vbmi_once = PTHREAD_ONCE_INIT;

static void vbmi_config_init(void) {
    vbmi_config = avx512_config;
    vbmi_config.name = "qs8_vbinary_avx512vbmi";
    vbmi_config.fn[TFLC_QBINARY_ADD][TFLC_QBINARY_S8][TFLC_QBINARY_VV] = qadd_s8_vv_lut;
    vbmi_config.fn[TFLC_QBINARY_ADD][TFLC_QBINARY_U8][TFLC_QBINARY_VV] = qadd_u8_vv_lut;
    vbmi_config.fn[TFLC_QBINARY_SUB][TFLC_QBINARY_S8][TFLC_QBINARY_VV] = qsub_s8_vv_lut;
    vbmi_config.fn[TFLC_QBINARY_SUB][TFLC_QBINARY_U8][TFLC_QBINARY_VV] = qsub_u8_vv_lut;
}

const tflc_qbinary_config *tflc_qbinary_config_avx512vbmi(void) {
    if (!tflc_cpu_has_isa(TFLC_ISA_AVX512) || !tflc_x8_lut_cpu_has_vbmi()) return NULL;
    pthread_once(&vbmi_once, vbmi_config_init);
    return &vbmi_config;
}

#else

const tflc_qbinary_config *tflc_qbinary_config_avx512(void) { return NULL; }

const tflc_qbinary_config *tflc_qbinary_config_avx512vbmi(void) { return NULL; }

#endif
