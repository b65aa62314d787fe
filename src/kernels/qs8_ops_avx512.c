/*
 * qs8_ops_avx512.c -- the int8 operator kernels (qs8_ops.h) for AVX-512 F/BW/VL/DQ:
 * requantization 16 channels at a time (qs8_requant_avx512.h), and the depthwise row: fast
 * rows for 3x3 and 5x5 filters on VNNI CPUs (64 channels, 4 pixels and 2 filter rows per
 * pass), general rows 32 channels at a time in int32 lanes for the rest (see the depthwise
 * sections), the accumulators requantized in registers.
 * Built with -mavx512f -mavx512bw -mavx512vl -mavx512dq (cmake/kernels.cmake); without them
 * the file only reports that it has no table.
 */
#include "kernels/qs8_ops.h"
#include "kernels/window.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__)
#include <stdatomic.h>

#include "kernels/qs8_requant_avx512.h"

static inline __mmask16 qs8_mask16(size_t n) {
    return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
}

/* ------------------------------------------------------------ requantization -- */

QS8_INLINE void qs8_requant_rows(size_t rows, size_t n, const int32_t *acc, size_t ldacc,
                                 const tflc_qs8_requant *rq, size_t c0, int8_t *out, size_t ldo,
                                 tflc_qs8_rounding rounding) {
    for (size_t j = 0; j < n; j += 16) {
        const __mmask16 k = qs8_mask16(n - j);
        const qs8_rq16 p = qs8_rq16_load(rq, c0 + j, k, rounding);
        size_t i = 0;
        if (rounding == TFLC_QS8_ROUND_TIES_UP && p.folded)
            for (; i + 4 <= rows; i += 4)
                qs8_rq16x4_folded(&p, acc + i * ldacc + j, ldacc, k, out + i * ldo + j, ldo);
        for (; i < rows; i++) {
            const __m512i a = _mm512_maskz_loadu_epi32(k, acc + i * ldacc + j);
            qs8_store16(out + i * ldo + j, k, qs8_rq16_apply(&p, a, rounding));
        }
    }
}

TFLC_QS8_REQUANT_ENTRY(avx512)

/* ---------------------------------------------------------------- depthwise -- */

/* Per tap and 16 channels: widen 16 input bytes to int32 (VPMOVSXBD), multiply by the
 * widened filter (VPMADDWD in the interior, whose filter words are (w, 0); VPMULLD at the
 * borders), add. Interior pixels (every tap inside the input) fold the input
 * zero point into the bias: bias - zp * sum of the taps' weights (over the row's filter rows
 * inside the input), then add x * w over all taps, which is the same sum modulo 2^32; the
 * filter rows are widened into a stack buffer once per row. Border pixels (and filters of
 * more than QS8_DW_MAX_TAPS taps) add (x - zp) * w over their taps inside the input. */
#define QS8_DW_MAX_TAPS 64

/* 16 bytes at p (only the lanes of k unless full) widened to int32. */
QS8_INLINE __m512i qs8_ld16(const int8_t *p, __mmask16 k, bool full) {
    return _mm512_cvtepi8_epi32(full ? _mm_loadu_si128((const __m128i *)(const void *)p)
                                     : _mm_maskz_loadu_epi8(k, p));
}

/* What every block of a row shares. */
typedef struct qs8_dw_rowgeom {
    int32_t ox_lo, ox_hi;          /* interior pixels: every filter column inside the input */
    int32_t taps;                  /* (ky1 - ky0) * kw */
    bool widened;                  /* taps <= QS8_DW_MAX_TAPS: the interior path applies */
    size_t row_bytes;              /* in_w * channels */
} qs8_dw_rowgeom;

/* Channels [c, c + 16 * nh) (lanes of k[] unless full) of every output pixel of the row. */
QS8_INLINE void qs8_dw_block(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t c,
                             size_t cn, const int nh, const bool full, int32_t *w32,
                             tflc_qs8_rounding rounding) {
    const size_t C = r->channels;
    __mmask16 k[2];
    k[0] = qs8_mask16(cn);
    k[1] = qs8_mask16(cn > 16 ? cn - 16 : 0);
    qs8_rq16 rq[2];
    __m512i bias[2], bias_zp[2];
    const __m512i zp = _mm512_set1_epi32(r->in_zero_point);
    for (int h = 0; h < nh; h++) {
        rq[h] = qs8_rq16_load(r->rq, c + 16 * (size_t)h, k[h], rounding);
        bias[h] = r->bias ? _mm512_maskz_loadu_epi32(k[h], r->bias + c + 16 * (size_t)h)
                          : _mm512_setzero_si512();
        bias_zp[h] = bias[h];
    }
    if (gm->widened) {   /* the row's filter taps as int32, and bias - zp * their sum */
        __m512i sum[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
        int32_t t = 0;
        for (int32_t ky = r->ky0; ky < r->ky1; ky++)
            for (int32_t kx = 0; kx < r->kw; kx++, t++) {
                const int8_t *wp = r->w + ((size_t)ky * (size_t)r->kw + (size_t)kx) * C + c;
                for (int h = 0; h < nh; h++) {
                    const __m512i wv = qs8_ld16(wp + 16 * h, k[h], full);
                    /* the weight in the low word, 0 in the high: one VPMADDWD with the
                     * sign-extended input is x * w (the input's high word meets 0) */
                    _mm512_store_si512(w32 + t * 32 + 16 * h,
                                       _mm512_and_si512(wv, _mm512_set1_epi32(0xFFFF)));
                    sum[h] = _mm512_add_epi32(sum[h], wv);
                }
            }
        for (int h = 0; h < nh; h++)
            bias_zp[h] = _mm512_sub_epi32(bias[h], _mm512_mullo_epi32(zp, sum[h]));
    }
    for (int32_t ox = 0; ox < r->out_w; ox++) {
        const int64_t x0 = (int64_t)ox * r->stride_x - r->pad_x;
        __m512i acc[2];
        if (gm->widened && ox >= gm->ox_lo && ox < gm->ox_hi) {
            for (int h = 0; h < nh; h++) acc[h] = bias_zp[h];
            const int8_t *xrow = r->in + (size_t)(r->iy0 + (int64_t)r->ky0 * r->dil_y) *
                                             gm->row_bytes + (size_t)x0 * C + c;
            const size_t xstep = (size_t)r->dil_x * C, ystep = (size_t)r->dil_y * gm->row_bytes;
            const int32_t *wt = w32;
            for (int32_t ky = r->ky0; ky < r->ky1; ky++, xrow += ystep) {
                const int8_t *xp = xrow;
                for (int32_t kx = 0; kx < r->kw; kx++, xp += xstep, wt += 32)
                    for (int h = 0; h < nh; h++)
                        acc[h] = _mm512_add_epi32(
                            acc[h], _mm512_madd_epi16(qs8_ld16(xp + 16 * h, k[h], full),
                                                      _mm512_load_si512(wt + 16 * h)));
            }
        } else {
            int32_t kx0, kx1;
            tflc_qs8_taps(x0, r->in_w, r->kw, r->dil_x, &kx0, &kx1);
            for (int h = 0; h < nh; h++) acc[h] = bias[h];
            for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
                const int8_t *xrow = r->in + (size_t)(r->iy0 + (int64_t)ky * r->dil_y) *
                                                 gm->row_bytes + c;
                const int8_t *wrow = r->w + (size_t)ky * (size_t)r->kw * C + c;
                for (int32_t kx = kx0; kx < kx1; kx++) {
                    const int8_t *xp = xrow + (size_t)(x0 + (int64_t)kx * r->dil_x) * C;
                    for (int h = 0; h < nh; h++) {
                        const __m512i xv = _mm512_sub_epi32(qs8_ld16(xp + 16 * h, k[h], full), zp);
                        const __m512i wv = qs8_ld16(wrow + (size_t)kx * C + 16 * h, k[h], full);
                        acc[h] = _mm512_add_epi32(acc[h], _mm512_mullo_epi32(xv, wv));
                    }
                }
            }
        }
        int8_t *o = r->out + (size_t)ox * C + c;
        for (int h = 0; h < nh; h++)
            qs8_store16(o + 16 * h, full ? (__mmask16)0xFFFF : k[h],
                        qs8_rq16_apply(&rq[h], acc[h], rounding));
    }
}

/* Channels [c, end) of the row (rq->double_from splits them at a multiple of 8). */
QS8_INLINE void qs8_dw_channels(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t c,
                                size_t end, int32_t *w32, tflc_qs8_rounding rounding) {
    for (; c + 32 <= end; c += 32) qs8_dw_block(r, gm, c, 32, 2, true, w32, rounding);
    const size_t rest = end - c;
    if (rest == 16) qs8_dw_block(r, gm, c, 16, 1, true, w32, rounding);
    else if (rest > 16) qs8_dw_block(r, gm, c, rest, 2, false, w32, rounding);
    else if (rest > 0) qs8_dw_block(r, gm, c, rest, 1, false, w32, rounding);
}

/* ------------------------------------------------- depthwise, the fast rows -- */

/* TIES_UP channels (all of a real model's but its last channels % 8) of rows whose filter is
 * 3 or 5 columns, column stride 1 or 2, no column dilation, on CPUs with AVX512-VNNI (others,
 * Skylake-X, keep the general rows above): channels in blocks of up to 64 (4 groups of 16
 * int32 lanes), interior pixels 4 at a time. Each filter row's input columns are widened once
 * and multiplied into every one of the 4 pixels they reach (a 3-wide stride-1 window over 4
 * pixels reads 6 columns, not 12); products are added by VPDPWSSD, two filter rows at once:
 * the two rows' inputs interleaved as int16 pairs against their taps' (w0, w1) word pairs
 * give x0 * w0 + x1 * w1 per channel (a last odd row: the input sign-extended to int32 against
 * (w, 0)), so a 3x3 filter takes 6 multiplies per pixel, not 9. A pixel's 64 accumulators are requantized
 * (TIES_UP's one-rounding form), packed to bytes with saturation and clamped together, and
 * stored with one 64-byte store. Border pixels add (x - zp) * w over their taps inside the
 * input with the same taps (x - zp in [-255, 255] is still exact in an int16 word). */

#define QS8_DWF_PIX 4             /* interior pixels per pass */
#define QS8_DWF_MAX_TAPS 25       /* rows of at most 5 x 5 taps */

_Static_assert(QS8_DWF_MAX_TAPS * 64 <= QS8_DW_MAX_TAPS * 32, "w32 holds the fast rows' taps");

/* The general block loop for TIES_UP channels, one copy for every fast-row variant's
 * fallback. */
static __attribute__((noinline)) void qs8_dw_channels_ties_up(const tflc_qs8_dw_row *r,
                                                               const qs8_dw_rowgeom *gm,
                                                               size_t c, size_t end,
                                                               int32_t *w32) {
    qs8_dw_channels(r, gm, c, end, w32, TFLC_QS8_ROUND_TIES_UP);
}

/* Whether the fast rows may run where the CPU has VNNI (tflc_qs8_dw_allow_vnni). */
static atomic_bool qs8_dw_vnni_allowed = true;

void tflc_qs8_dw_allow_vnni(bool allow) {
    atomic_store_explicit(&qs8_dw_vnni_allowed, allow, memory_order_relaxed);
}

/* acc + x * w per int32 lane by VPDPWSSD, w's high words 0 (x: a sign-extended int8, or
 * x - zp). The file is built without -mavx512vnni (its table serves every AVX-512 CPU): the
 * assembler knows the instruction, and qs8_dwf_applies checked that the CPU has it. */
QS8_INLINE __m512i qs8_dwf_mac(__m512i acc, __m512i x, const int32_t *w) {
    __asm__("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(x), "m"(*(const __m512i *)(const void *)w));
    return acc;
}

/* What every pixel of a block of channels [c, c + cn) shares. */
typedef struct qs8_dwf_block {
    size_t c, cn;
    __mmask16 k[4];                /* each group's lanes */
    __m512i bias[4];               /* bias (border pixels) */
    __m512i bias_zp[4];            /* bias - zp * sum of the row's taps (interior pixels) */
    __m512i in_zp;
    __m512i out_zp16, lo8, hi8;    /* out_zero_point in int16 lanes, lo and hi in int8 */
    qs8_rq16 rq[4];
} qs8_dwf_block;

/* G groups of accumulators -> int8 at o: each requantized to int32 before the zero point,
 * packed to int16 with saturation, plus the zero point (saturating), packed to int8 with
 * saturation, clamped to [lo, hi]. The same as clamping r + zp in int64: a value the packing
 * saturates is past int8 and so clamped to lo or hi either way. VPACKSS work within 128-bit
 * lanes: lane l of the result holds channels 4l..4l+3 of group 0, 1, 2, 3; the dword
 * permutation puts group g's 16 channels at bytes 16g. */
QS8_INLINE void qs8_dwf_store(const qs8_dwf_block *b, int8_t *o, const __m512i *acc, int G,
                              bool full) {
    __m512i q[4];
    for (int g = 0; g < 4; g++)
        q[g] = g < G ? qs8_rq16_ties_up(&b->rq[g], acc[g]) : _mm512_setzero_si512();
    const __m512i lo = _mm512_adds_epi16(_mm512_packs_epi32(q[0], q[1]), b->out_zp16);
    const __m512i hi = G > 2 ? _mm512_adds_epi16(_mm512_packs_epi32(q[2], q[3]), b->out_zp16)
                             : lo;
    const __m512i perm =
        _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    __m512i v = _mm512_permutexvar_epi32(perm, _mm512_packs_epi16(lo, hi));
    v = _mm512_min_epi8(_mm512_max_epi8(v, b->lo8), b->hi8);
    if (!full) {
        _mm512_mask_storeu_epi8(o, (__mmask64)(b->cn >= 64 ? ~0ull : (1ull << b->cn) - 1), v);
    } else if (G == 4) {
        _mm512_storeu_si512((void *)o, v);
    } else if (G == 1) {
        _mm_storeu_si128((__m128i *)(void *)o, _mm512_castsi512_si128(v));
    } else {
        _mm256_storeu_si256((__m256i *)(void *)o, _mm512_castsi512_si256(v));
        if (G == 3)
            _mm_storeu_si128((__m128i *)(void *)(o + 32), _mm512_extracti32x4_epi32(v, 2));
    }
}

/* 16 channels of two input rows as int16 pairs: lane c = (a[c], b[c]), each sign-extended
 * (VPMOVSXBW of the bytes interleaved), so that one VPDPWSSD against the pair of taps
 * (wa, wb) adds a * wa + b * wb: two filter rows per multiply. */
QS8_INLINE __m512i qs8_ld16_pair(const int8_t *a, const int8_t *b, __mmask16 k, bool full) {
    const __m128i va = full ? _mm_loadu_si128((const __m128i *)(const void *)a)
                            : _mm_maskz_loadu_epi8(k, a);
    const __m128i vb = full ? _mm_loadu_si128((const __m128i *)(const void *)b)
                            : _mm_maskz_loadu_epi8(k, b);
    return _mm512_cvtepi8_epi16(
        _mm256_set_m128i(_mm_unpackhi_epi8(va, vb), _mm_unpacklo_epi8(va, vb)));
}

/* The columns j of one unit of filter rows (a pair, or one row) into the P accumulators:
 * input column j meets tap j - p * S of pixel p. x: the unit's input at column 0, ystep to
 * its second row; wt: its taps (tap kx at wt + kx * 64). */
QS8_INLINE void qs8_dwf_cols(__m512i *a, const int8_t *x, size_t C, size_t ystep,
                             const int32_t *wt, __mmask16 k, const int P, const int KW,
                             const int S, const bool full, const bool pair) {
    for (int j = 0; j < (P - 1) * S + KW; j++) {
        const int8_t *xp = x + (size_t)j * C;
        const __m512i xv = pair ? qs8_ld16_pair(xp, xp + ystep, k, full) : qs8_ld16(xp, k, full);
        for (int p = 0; p < P; p++) {
            const int kx = j - p * S;
            if (kx >= 0 && kx < KW) a[p] = qs8_dwf_mac(a[p], xv, wt + kx * 64);
        }
    }
}

/* Interior pixels ox .. ox + P - 1 (every tap inside the input), P = 4 or 1. w32: the row's
 * taps by units of filter rows (qs8_dwf_widen). One group at a time, so that its P
 * accumulators stay in registers (all 16 would not: GCC keeps such an array in memory);
 * they wait in acc for the other groups before the requantization. */
QS8_INLINE void qs8_dwf_interior(const tflc_qs8_dw_row *r, const qs8_dwf_block *b,
                                 const int32_t *w32, size_t row_bytes, int32_t ox,
                                 const int P, const int KW, const int S, const int G,
                                 const bool full) {
    const size_t C = r->channels;
    __m512i acc[QS8_DWF_PIX][4];
    const int64_t x0 = (int64_t)ox * S - r->pad_x;
    const int8_t *xbase = r->in + (size_t)(r->iy0 + (int64_t)r->ky0 * r->dil_y) * row_bytes +
                          (size_t)x0 * C + b->c;
    const size_t ystep = (size_t)r->dil_y * row_bytes;
    for (int g = 0; g < G; g++) {
        __m512i a[QS8_DWF_PIX];
        for (int p = 0; p < P; p++) a[p] = b->bias_zp[g];
        const int8_t *xrow = xbase + 16 * g;
        const int32_t *wt = w32 + 16 * g;
        int32_t ky = r->ky0;
        for (; ky + 1 < r->ky1; ky += 2, xrow += 2 * ystep, wt += KW * 64)
            qs8_dwf_cols(a, xrow, C, ystep, wt, b->k[g], P, KW, S, full, true);
        if (ky < r->ky1) qs8_dwf_cols(a, xrow, C, ystep, wt, b->k[g], P, KW, S, full, false);
        for (int p = 0; p < P; p++) acc[p][g] = a[p];
    }
    for (int p = 0; p < P; p++)
        qs8_dwf_store(b, r->out + (size_t)(ox + p) * C + b->c, acc[p], G, full);
}

/* One pixel, any of the row's: (x - zp) * w over its taps inside the input. */
QS8_INLINE void qs8_dwf_pixel(const tflc_qs8_dw_row *r, const qs8_dwf_block *b,
                              const int32_t *w32, size_t row_bytes, int32_t ox, const int KW,
                              const int G, const bool full) {
    const size_t C = r->channels;
    const int64_t x0 = (int64_t)ox * r->stride_x - r->pad_x;
    int32_t kx0, kx1;
    tflc_qs8_taps(x0, r->in_w, KW, 1, &kx0, &kx1);
    __m512i acc[4];
    for (int g = 0; g < G; g++) acc[g] = b->bias[g];
    const size_t ystep = (size_t)r->dil_y * row_bytes;
    const __m512i zp16 = _mm512_set1_epi16((int16_t)r->in_zero_point);
    const int32_t *wt = w32;
    for (int32_t ky = r->ky0; ky < r->ky1; ky += 2, wt += KW * 64) {
        const bool pair = ky + 1 < r->ky1;
        const int8_t *xrow = r->in + (size_t)(r->iy0 + (int64_t)ky * r->dil_y) * row_bytes + b->c;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            const int8_t *xp = xrow + (size_t)(x0 + kx) * C;
            for (int g = 0; g < G; g++) {
                /* x - zp in [-255, 255]: exact in an int16 word */
                const __m512i xv =
                    pair ? _mm512_sub_epi16(qs8_ld16_pair(xp + 16 * g, xp + ystep + 16 * g,
                                                          b->k[g], full),
                                            zp16)
                         : _mm512_sub_epi32(qs8_ld16(xp + 16 * g, b->k[g], full), b->in_zp);
                acc[g] = qs8_dwf_mac(acc[g], xv, wt + kx * 64 + 16 * g);
            }
        }
    }
    qs8_dwf_store(b, r->out + (size_t)ox * C + b->c, acc, G, full);
}

/* The fields of p that qs8_rq16_ties_up reads, for channels [c, c + 16) of rq (lanes of k):
 * qs8_rq16_load's, without the 64-bit path's (a row of 7 pixels would spend more on those
 * than on its requantization). False when a channel has a left shift (the one-rounding
 * form does not cover it). */
QS8_INLINE bool qs8_dwf_rq_load(const tflc_qs8_requant *rq, size_t c, __mmask16 k,
                                qs8_rq16 *p) {
    const __m512i s = _mm512_maskz_loadu_epi32(k, rq->shift + c);
    if (_mm512_cmpgt_epi32_mask(s, _mm512_setzero_si512()) != 0) return false;
    /* right = min(-s, 31) (s first clamped to -64, as qs8_rq16_load does: -INT32_MIN would
     * overflow), as an even and an odd 64-bit lane each */
    const __m512i s64 = _mm512_max_epi32(s, _mm512_set1_epi32(-64));
    const __m512i right = _mm512_min_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), s64),
                                           _mm512_set1_epi32(31));
    const __m512i e_even = _mm512_and_si512(right, _mm512_set1_epi64(0xFFFFFFFF));
    const __m512i e_odd = _mm512_srli_epi64(right, 32);
    const __m512i one = _mm512_set1_epi64(1), r30 = _mm512_set1_epi64(1 << 30);
    p->m32 = _mm512_maskz_loadu_epi32(k, rq->multiplier + c);
    p->m_odd = _mm512_srli_epi64(p->m32, 32);
    /* 2^30 + 2^(30+e), or 2^30 when e = 0 */
    p->bias_e = _mm512_add_epi64(
        r30, _mm512_slli_epi64(_mm512_srli_epi64(_mm512_sllv_epi64(one, e_even), 1), 31));
    p->bias_o = _mm512_add_epi64(
        r30, _mm512_slli_epi64(_mm512_srli_epi64(_mm512_sllv_epi64(one, e_odd), 1), 31));
    p->sh_e = _mm512_add_epi64(e_even, _mm512_set1_epi64(31));
    p->sh_o = _mm512_add_epi64(e_odd, _mm512_set1_epi64(31));
    return true;
}

/* The requantization of the block's groups; false when one has a left shift (the 32-bit
 * TIES_UP form does not cover it). */
QS8_INLINE bool qs8_dwf_setup(const tflc_qs8_dw_row *r, qs8_dwf_block *b, size_t c, size_t cn,
                              const int G) {
    b->c = c;
    b->cn = cn;
    for (int g = 0; g < G; g++) {
        b->k[g] = qs8_mask16(cn > 16 * (size_t)g ? cn - 16 * (size_t)g : 0);
        if (!qs8_dwf_rq_load(r->rq, c + 16 * (size_t)g, b->k[g], &b->rq[g])) return false;
    }
    b->in_zp = _mm512_set1_epi32(r->in_zero_point);
    b->out_zp16 = _mm512_set1_epi16((int16_t)r->rq->out_zero_point);
    b->lo8 = _mm512_set1_epi8((char)r->rq->lo);
    b->hi8 = _mm512_set1_epi8((char)r->rq->hi);
    return true;
}

/* The row's filter taps into w32 by units of filter rows: rows ky0, ky0 + 1 as (w[ky0],
 * w[ky0 + 1]) word pairs, then the next two, ..., a last odd row as (w, 0); unit u's tap kx
 * at w32[(u * KW + kx) * 64 + 16 * g]. And the biases. */
QS8_INLINE void qs8_dwf_widen(const tflc_qs8_dw_row *r, qs8_dwf_block *b, int32_t *w32,
                              const int KW, const int G, const bool full) {
    const size_t C = r->channels;
    __m512i sum[4];
    for (int g = 0; g < G; g++) sum[g] = _mm512_setzero_si512();
    int32_t *wt = w32;
    for (int32_t ky = r->ky0; ky < r->ky1; ky += 2) {
        const bool pair = ky + 1 < r->ky1;
        for (int kx = 0; kx < KW; kx++, wt += 64) {
            const int8_t *wp = r->w + ((size_t)ky * (size_t)KW + (size_t)kx) * C + b->c;
            const int8_t *wq = wp + (size_t)KW * C;   /* the pair's second row */
            for (int g = 0; g < G; g++) {
                const __m512i wv = qs8_ld16(wp + 16 * g, b->k[g], full);
                sum[g] = _mm512_add_epi32(sum[g], wv);
                if (pair) {
                    sum[g] = _mm512_add_epi32(sum[g], qs8_ld16(wq + 16 * g, b->k[g], full));
                    _mm512_store_si512(wt + 16 * g,
                                       qs8_ld16_pair(wp + 16 * g, wq + 16 * g, b->k[g], full));
                } else {
                    _mm512_store_si512(wt + 16 * g,
                                       _mm512_and_si512(wv, _mm512_set1_epi32(0xFFFF)));
                }
            }
        }
    }
    for (int g = 0; g < G; g++) {
        b->bias[g] = r->bias ? _mm512_maskz_loadu_epi32(b->k[g], r->bias + b->c + 16 * g)
                             : _mm512_setzero_si512();
        b->bias_zp[g] = _mm512_sub_epi32(b->bias[g], _mm512_mullo_epi32(b->in_zp, sum[g]));
    }
}

/* Channels [c, c + cn) of every pixel of the row, G = ceil(cn / 16) groups, full: cn = 16G.
 * Interior pixels go 4 at a time, then one at a time; border pixels one at a time. */
QS8_INLINE void qs8_dwf_block_run(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm,
                                  size_t c, size_t cn, int32_t *w32, const int KW,
                                  const int S, const int G, const bool full) {
    qs8_dwf_block b;
    if (!qs8_dwf_setup(r, &b, c, cn, G)) {
        qs8_dw_channels_ties_up(r, gm, c, c + cn, w32);
        return;
    }
    qs8_dwf_widen(r, &b, w32, KW, G, full);
    const size_t rb = gm->row_bytes;
    int32_t ox = 0;
    for (; ox < gm->ox_lo; ox++) qs8_dwf_pixel(r, &b, w32, rb, ox, KW, G, full);
    for (; ox + QS8_DWF_PIX <= gm->ox_hi; ox += QS8_DWF_PIX)
        qs8_dwf_interior(r, &b, w32, rb, ox, QS8_DWF_PIX, KW, S, G, full);
    for (; ox < gm->ox_hi; ox++) qs8_dwf_interior(r, &b, w32, rb, ox, 1, KW, S, G, full);
    for (; ox < r->out_w; ox++) qs8_dwf_pixel(r, &b, w32, rb, ox, KW, G, full);
}

/* One filter shape: blocks of 64 channels, then 32 (the whole of 32-channel layers, the
 * first of MobileNet V2 and EfficientNet B0), then 16 at a time, a last partial 16 masked
 * (four block variants, each a copy of the loops per filter shape). */
QS8_INLINE void qs8_dwf_shape(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t c,
                              size_t end, int32_t *w32, const int KW, const int S) {
    for (; c + 64 <= end; c += 64) qs8_dwf_block_run(r, gm, c, 64, w32, KW, S, 4, true);
    if (c + 32 <= end) {
        qs8_dwf_block_run(r, gm, c, 32, w32, KW, S, 2, true);
        c += 32;
    }
    for (; c + 16 <= end; c += 16) qs8_dwf_block_run(r, gm, c, 16, w32, KW, S, 1, true);
    if (c < end) qs8_dwf_block_run(r, gm, c, end - c, w32, KW, S, 1, false);
}

#define QS8_DWF_SHAPE_FN(KW, S)                                                              \
    static void qs8_dwf_k##KW##s##S(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm,     \
                                    size_t c, size_t end, int32_t *w32) {                    \
        qs8_dwf_shape(r, gm, c, end, w32, KW, S);                                            \
    }
QS8_DWF_SHAPE_FN(3, 1)
QS8_DWF_SHAPE_FN(3, 2)
QS8_DWF_SHAPE_FN(5, 1)
QS8_DWF_SHAPE_FN(5, 2)

/* Whether the fast rows cover r's shape, on this CPU. */
static bool qs8_dwf_applies(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm) {
    if (!tflc_cpu_info_get()->avx512vnni ||
        !atomic_load_explicit(&qs8_dw_vnni_allowed, memory_order_relaxed))
        return false;
    return (r->kw == 3 || r->kw == 5) && (r->stride_x == 1 || r->stride_x == 2) &&
           r->dil_x == 1 && gm->taps <= QS8_DWF_MAX_TAPS;
}

/* Channels [c, end) of a row qs8_dwf_applies to, all TIES_UP. */
static void qs8_dwf_channels(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t c,
                             size_t end, int32_t *w32) {
    const int shape = (r->kw == 5) * 2 + (r->stride_x == 2);
    switch (shape) {
    case 0: qs8_dwf_k3s1(r, gm, c, end, w32); break;
    case 1: qs8_dwf_k3s2(r, gm, c, end, w32); break;
    case 2: qs8_dwf_k5s1(r, gm, c, end, w32); break;
    default: qs8_dwf_k5s2(r, gm, c, end, w32); break;
    }
}

QS8_INLINE void qs8_dw_row_impl(const tflc_qs8_dw_row *r, tflc_qs8_rounding rounding) {
    _Alignas(64) int32_t w32[QS8_DW_MAX_TAPS * 32];
    qs8_dw_rowgeom gm;
    const int64_t span = (int64_t)(r->kw - 1) * r->dil_x;   /* first to last filter column */
    gm.row_bytes = (size_t)r->in_w * r->channels;
    gm.taps = (r->ky1 - r->ky0) * r->kw;
    gm.widened = gm.taps <= QS8_DW_MAX_TAPS;
    size_t lo, hi;   /* interior pixels: every filter column inside the input */
    tflc_window_interior((int64_t)r->in_w, r->pad_x, r->stride_x, span, (int64_t)r->out_w,
                         &lo, &hi);
    gm.ox_lo = (int32_t)lo;
    gm.ox_hi = (int32_t)hi;
    const size_t main = tflc_qs8_main_cols(r->rq, 0, r->channels);
    if (rounding == TFLC_QS8_ROUND_TIES_UP && qs8_dwf_applies(r, &gm))
        qs8_dwf_channels(r, &gm, 0, main, w32);
    else
        qs8_dw_channels(r, &gm, 0, main, w32, rounding);
    qs8_dw_channels(r, &gm, main, r->channels, w32, TFLC_QS8_ROUND_DOUBLE);
}

static void qs8_dw_row_avx512(const tflc_qs8_dw_row *r) {
    switch (r->rq->rounding) {
    case TFLC_QS8_ROUND_SINGLE: qs8_dw_row_impl(r, TFLC_QS8_ROUND_SINGLE); break;
    case TFLC_QS8_ROUND_DOUBLE_WRAP: qs8_dw_row_impl(r, TFLC_QS8_ROUND_DOUBLE_WRAP); break;
    case TFLC_QS8_ROUND_TIES_UP: qs8_dw_row_impl(r, TFLC_QS8_ROUND_TIES_UP); break;
    default: qs8_dw_row_impl(r, TFLC_QS8_ROUND_DOUBLE); break;
    }
}

static const tflc_qs8_config qs8_avx512_config = {
    .name = "qs8_avx512",
    .isa = TFLC_ISA_AVX512,
    .requant = qs8_requant_avx512,
    .dw_row = qs8_dw_row_avx512,
};

const tflc_qs8_config *tflc_qs8_config_avx512(void) { return &qs8_avx512_config; }

#else

const tflc_qs8_config *tflc_qs8_config_avx512(void) { return NULL; }

void tflc_qs8_dw_allow_vnni(bool allow) { (void)allow; }

#endif
