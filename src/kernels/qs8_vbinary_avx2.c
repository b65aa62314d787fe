/*
 * qs8_vbinary_avx2.c -- quantized ADD / SUB / MUL (qs8_vbinary.h) on 8 int32 lanes per ymm,
 * 16 elements per step; the ragged end goes through a 16-element stack copy, so nothing is
 * read or written past the arrays. Uniform shift counts (vpsrad with an xmm count); SRDHM of
 * the output stage as two vpmuldq (even and odd lanes) on 64-bit products. Built with -mavx2
 * (cmake/kernels.cmake); without it the file only reports that it has no config.
 */
#include "kernels/qs8_vbinary.h"

#if defined(__AVX2__)
#include <immintrin.h>
#include <string.h>

#define QB_INLINE static inline __attribute__((always_inline))

/* The parameters broadcast once per call. */
typedef struct qb_vec {
    __m256i off[2], mh[2], ml[2], round[2], mask[2], thr[2];
    __m128i split[2], post[2], right[2];
    __m256i out_mult, out_mask, out_thr, lo, hi, zp;
    __m128i out_left, out_right;
    __m256i bias;    /* qb_round_fold's 2^30 + 2^(30+e) */
    int fold;        /* p->fold */
} qb_vec;

QB_INLINE void qb_vec_init(qb_vec *v, const tflc_qbinary_params *p) {
    for (int k = 0; k < 2; k++) {
        const tflc_qbinary_in *q = &p->in[k];
        v->off[k] = _mm256_set1_epi32(q->offset);
        v->mh[k] = _mm256_set1_epi32(q->mult_hi);
        v->ml[k] = _mm256_set1_epi32(q->mult_lo);
        v->round[k] = _mm256_set1_epi32(q->round);
        v->mask[k] = _mm256_set1_epi32(q->mask);
        v->thr[k] = _mm256_set1_epi32(q->thr);
        v->split[k] = _mm_cvtsi32_si128(q->split);
        v->post[k] = _mm_cvtsi32_si128(q->post);
        v->right[k] = _mm_cvtsi32_si128(q->right);
    }
    v->out_mult = _mm256_set1_epi32(p->out_mult);
    v->out_mask = _mm256_set1_epi32(p->out_mask);
    v->out_thr = _mm256_set1_epi32(p->out_thr);
    v->lo = _mm256_set1_epi32(p->lo);
    v->hi = _mm256_set1_epi32(p->hi);
    v->zp = _mm256_set1_epi32(p->out_zp);
    v->out_left = _mm_cvtsi32_si128(p->out_left);
    v->out_right = _mm_cvtsi32_si128(p->out_right);
    v->fold = p->fold;
    v->bias = _mm256_set1_epi64x((INT64_C(1) << 30) + (INT64_C(1) << (30 + p->out_right)));
}

/* RDPOT: floor(v / 2^e) + (remainder > threshold + (v < 0)). */
QB_INLINE __m256i qb_rdpot(__m256i v, __m128i e, __m256i mask, __m256i thr) {
    const __m256i rem = _mm256_and_si256(v, mask);
    const __m256i t = _mm256_sub_epi32(thr, _mm256_srai_epi32(v, 31));
    return _mm256_sub_epi32(_mm256_sra_epi32(v, e), _mm256_cmpgt_epi32(rem, t));
}

/* Input k's rescale: (x * mh + floor((x * ml + round) / 2^split)) >> post, then RDPOT. */
QB_INLINE __m256i qb_in(const qb_vec *v, int k, __m256i raw) {
    const __m256i x = _mm256_add_epi32(raw, v->off[k]);
    const __m256i lo = _mm256_add_epi32(_mm256_mullo_epi32(x, v->ml[k]), v->round[k]);
    __m256i h = _mm256_add_epi32(_mm256_mullo_epi32(x, v->mh[k]),
                                 _mm256_sra_epi32(lo, v->split[k]));
    h = _mm256_sra_epi32(h, v->post[k]);
    return qb_rdpot(h, v->right[k], v->mask[k], v->thr[k]);
}

/* r -> clamp(MBQM(r) , lo, hi) + zp. SRDHM: floor((x * m + 2^30) / 2^31), whose bits 31..62
 * land in the low dword (even lanes, logical >> 31) or the high dword (odd lanes, << 1). */
/* RDPOT(SRDHM(r, m), e) as one rounding when p->fold: floor((g - [r < 0]) / 2^e) with g the
 * bits 31..62 of r * m + 2^30 + 2^(30+e) (the proof is qs8_vbinary_avx512.c's
 * qb_round_fold). */
QB_INLINE __m256i qb_round_fold(const qb_vec *v, __m256i r) {
    const __m256i pe = _mm256_mul_epi32(r, v->out_mult);
    const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(r, 32), v->out_mult);
    const __m256i ge = _mm256_srli_epi64(_mm256_add_epi64(pe, v->bias), 31);
    const __m256i go = _mm256_slli_epi64(_mm256_add_epi64(po, v->bias), 1);
    const __m256i g = _mm256_blend_epi32(ge, go, 0xAA);
    return _mm256_sra_epi32(_mm256_add_epi32(g, _mm256_srai_epi32(r, 31)), v->out_right);
}

QB_INLINE __m256i qb_out(const qb_vec *v, __m256i r) {
    if (v->fold) {
        const __m256i q = qb_round_fold(v, r);
        return _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(q, v->lo), v->hi), v->zp);
    }
    const __m256i r30 = _mm256_set1_epi64x(INT64_C(1) << 30);
    const __m256i x = _mm256_sll_epi32(r, v->out_left);
    const __m256i pe = _mm256_mul_epi32(x, v->out_mult);
    const __m256i po = _mm256_mul_epi32(_mm256_srli_epi64(x, 32), v->out_mult);
    const __m256i he = _mm256_srli_epi64(_mm256_add_epi64(pe, r30), 31);
    const __m256i ho = _mm256_slli_epi64(_mm256_add_epi64(po, r30), 1);
    const __m256i h = _mm256_blend_epi32(he, ho, 0xAA);
    __m256i q = qb_rdpot(h, v->out_right, v->out_mask, v->out_thr);
    q = _mm256_min_epi32(_mm256_max_epi32(q, v->lo), v->hi);
    return _mm256_add_epi32(q, v->zp);
}

/* 16 elements as two vectors of 8 int32. */
QB_INLINE void qb_load16(const int dt, const void *x, __m256i *v0, __m256i *v1) {
    if (dt == TFLC_QBINARY_S16) {
        *v0 = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)x));
        *v1 = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)x + 1));
        return;
    }
    const __m128i b = _mm_loadu_si128((const __m128i *)x);
    const __m128i h = _mm_srli_si128(b, 8);
    *v0 = dt == TFLC_QBINARY_S8 ? _mm256_cvtepi8_epi32(b) : _mm256_cvtepu8_epi32(b);
    *v1 = dt == TFLC_QBINARY_S8 ? _mm256_cvtepi8_epi32(h) : _mm256_cvtepu8_epi32(h);
}

/* Values already inside the dtype's range: the saturating packs change nothing. */
QB_INLINE void qb_store16(const int dt, void *y, __m256i v0, __m256i v1) {
    const __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(v0), _mm256_extracti128_si256(v0, 1));
    const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(v1), _mm256_extracti128_si256(v1, 1));
    if (dt == TFLC_QBINARY_S16) {
        _mm_storeu_si128((__m128i *)y, w0);
        _mm_storeu_si128((__m128i *)y + 1, w1);
    } else if (dt == TFLC_QBINARY_S8) {
        _mm_storeu_si128((__m128i *)y, _mm_packs_epi16(w0, w1));
    } else {
        _mm_storeu_si128((__m128i *)y, _mm_packus_epi16(w0, w1));
    }
}

/* 8 outputs from 8 lanes of each side (xa, xb: loaded values, or the scalar side's
 * prepared constant when that side is a scalar). */
QB_INLINE __m256i qb_op8(const int op, const int sa, const int sb, const qb_vec *v, __m256i xa,
                         __m256i xb) {
    if (op == TFLC_QBINARY_MUL) {
        const __m256i pa = sa ? xa : _mm256_add_epi32(xa, v->off[0]);
        const __m256i pb = sb ? xb : _mm256_add_epi32(xb, v->off[1]);
        return qb_out(v, _mm256_mullo_epi32(pa, pb));
    }
    const __m256i ra = sa ? xa : qb_in(v, 0, xa);
    const __m256i rb = sb ? xb : qb_in(v, 1, xb);
    if (op == TFLC_QBINARY_ADD) return qb_out(v, _mm256_add_epi32(ra, rb));
    const __m256i d = _mm256_sub_epi32(ra, rb);
    return qb_out(v, op == TFLC_QBINARY_SUB ? d : _mm256_mullo_epi32(d, d));
}

QB_INLINE void qb_block16(const int op, const int dt, const int sa, const int sb, const qb_vec *v,
                          const void *a, const void *b, void *y, __m256i ca, __m256i cb) {
    __m256i a0 = ca, a1 = ca, b0 = cb, b1 = cb;
    if (!sa) qb_load16(dt, a, &a0, &a1);
    if (!sb) qb_load16(dt, b, &b0, &b1);
    qb_store16(dt, y, qb_op8(op, sa, sb, v, a0, b0), qb_op8(op, sa, sb, v, a1, b1));
}

/* The scalar side's prepared value, broadcast: (x + offset) for MUL, its rescale for
 * ADD/SUB (computed in lane 0 by the same vector code). */
QB_INLINE __m256i qb_const(const int op, const int dt, const qb_vec *v, int k, const void *x) {
    const int32_t raw = dt == TFLC_QBINARY_S8 ? ((const int8_t *)x)[0]
                        : dt == TFLC_QBINARY_U8 ? ((const uint8_t *)x)[0]
                                                : ((const int16_t *)x)[0];
    const __m256i r = _mm256_set1_epi32(raw);
    return op == TFLC_QBINARY_MUL ? _mm256_add_epi32(r, v->off[k]) : qb_in(v, k, r);
}

QB_INLINE void qbinary(const int op, const int dt, const int form, size_t n, const void *a,
                       const void *b, void *y, const tflc_qbinary_params *p) {
    const int sa = form == TFLC_QBINARY_SV, sb = form == TFLC_QBINARY_VS;
    const size_t es = dt == TFLC_QBINARY_S16 ? 2 : 1;
    qb_vec v;
    qb_vec_init(&v, p);
    const __m256i ca = sa ? qb_const(op, dt, &v, 0, a) : _mm256_setzero_si256();
    const __m256i cb = sb ? qb_const(op, dt, &v, 1, b) : _mm256_setzero_si256();
    const char *pa = a, *pb = b;
    char *py = y;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        qb_block16(op, dt, sa, sb, &v, pa + (sa ? 0 : i * es), pb + (sb ? 0 : i * es),
                   py + i * es, ca, cb);
    if (i < n) {     /* the last 1..15 elements through zero-padded copies */
        const size_t bytes = (n - i) * es;
        int16_t ta[16] = {0}, tb[16] = {0}, ty[16];
        if (!sa) memcpy(ta, pa + i * es, bytes);
        if (!sb) memcpy(tb, pb + i * es, bytes);
        qb_block16(op, dt, sa, sb, &v, ta, tb, ty, ca, cb);
        memcpy(py + i * es, ty, bytes);
    }
}


/* ---- 8-bit MUL against a row of per-channel factors with p->mul_split: the factor folded
 * into the multiplier, K = B * out_mult = Kh * 2^16 + Kl, one vpmaddwd and one vpmulld per
 * 8 lanes (the derivation is qs8_vbinary_avx512.c's qb_mul_rows_split). */



/* The constants of the folded output stage. */
typedef struct qb_split_vec {
    __m256i xoff, cst, neg_lim, half, lo, hi;
    __m128i sh;
} qb_split_vec;

/* 8 outputs: x (block + offset) against Kh, Kl of their channels. */
QB_INLINE __m256i qb_split8(const qb_split_vec *s, __m256i x, const int32_t *kh, const int32_t *kl) {
    const __m256i u = _mm256_madd_epi16(x, _mm256_loadu_si256((const __m256i *)kl));
    const __m256i w = _mm256_add_epi32(
        _mm256_mullo_epi32(x, _mm256_loadu_si256((const __m256i *)kh)), _mm256_srai_epi32(u, 16));
    const __m256i neg = _mm256_cmpgt_epi32(s->neg_lim, w);                    /* W < 0 */
    const __m256i t = _mm256_sub_epi32(_mm256_add_epi32(w, s->cst), _mm256_and_si256(neg, s->half));
    return _mm256_min_epi32(_mm256_max_epi32(_mm256_sra_epi32(t, s->sh), s->lo), s->hi);
}

QB_INLINE void qb_mul_rows_split(const int dt, const int block_side, size_t rows, size_t n,
                                 const char *blk, const char *row, char *y,
                                 const tflc_qbinary_params *p) {
    const int e = p->out_right;
    const qb_split_vec s = {
        .xoff = _mm256_set1_epi32(p->in[block_side].offset),
        .cst = _mm256_set1_epi32((1 << 14) + (1 << (14 + e)) +
                                 (int32_t)((int64_t)p->out_zp * (INT64_C(1) << (15 + e)))),
        .neg_lim = _mm256_set1_epi32(-(1 << 14)), .half = _mm256_set1_epi32(1 << 15),
        .lo = _mm256_set1_epi32(p->lo + p->out_zp), .hi = _mm256_set1_epi32(p->hi + p->out_zp),
        .sh = _mm_cvtsi32_si128(15 + e),
    };
    int32_t kh[QB_SPLIT_BLOCK], kl[QB_SPLIT_BLOCK];
    for (size_t c0 = 0; c0 < n; c0 += QB_SPLIT_BLOCK) {
        const size_t w = n - c0 < QB_SPLIT_BLOCK ? n - c0 : QB_SPLIT_BLOCK;
        qb_split_factors(dt, row, c0, n, p->in[1 - block_side].offset, p->out_mult, kh, kl);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < w; j += 16) {
                const size_t o = r * n + c0 + j, m = w - j < 16 ? w - j : 16;
                uint8_t tx[16] = {0}, ty[16];
                const bool tail = m < 16;      /* the last 1..15 through zero-padded copies */
                if (tail) memcpy(tx, blk + o, m);
                __m256i x0, x1;
                qb_load16(dt, tail ? (const void *)tx : blk + o, &x0, &x1);
                x0 = _mm256_add_epi32(x0, s.xoff);
                x1 = _mm256_add_epi32(x1, s.xoff);
                qb_store16(dt, tail ? (void *)ty : y + o, qb_split8(&s, x0, kh + j, kl + j),
                           qb_split8(&s, x1, kh + j + 8, kl + j + 8));
                if (tail) memcpy(y + o, ty, m);
            }
    }
}

/* The row forms: an 8-bit MUL with p->mul_split through qb_mul_rows_split; otherwise row by
 * row through the VV loop (the row side is recomputed per row). */
QB_INLINE void qbinary_rows(const int op, const int dt, const int form, size_t rows, size_t n,
                            const void *a, const void *b, void *y,
                            const tflc_qbinary_params *p) {
    const size_t es = dt == TFLC_QBINARY_S16 ? 2 : 1;
    const char *pa = a, *pb = b;
    char *py = y;
    if (op == TFLC_QBINARY_MUL && dt != TFLC_QBINARY_S16 && p->mul_split) {
        const int block_side = form == TFLC_QBINARY_RV ? 1 : 0;
        qb_mul_rows_split(dt, block_side, rows, n, block_side ? pb : pa, block_side ? pa : pb,
                          py, p);
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        const size_t o = r * n * es;
        qbinary(op, dt, TFLC_QBINARY_VV, n, form == TFLC_QBINARY_RV ? pa : pa + o,
                form == TFLC_QBINARY_VR ? pb : pb + o, py + o, p);
    }
}

TFLC_QBINARY_ENTRY_POINTS(avx2)
TFLC_QBINARY_ROWS_ENTRY_POINTS(avx2)

static const tflc_qbinary_config avx2_config = {
    .name = "qs8_vbinary_avx2",
    .isa = TFLC_ISA_AVX2,
    .fn = TFLC_QBINARY_FN_TABLE(avx2),
    .rows = TFLC_QBINARY_ROWS_TABLE(avx2),
};

const tflc_qbinary_config *tflc_qbinary_config_avx2(void) { return &avx2_config; }

#else

const tflc_qbinary_config *tflc_qbinary_config_avx2(void) { return NULL; }

#endif
