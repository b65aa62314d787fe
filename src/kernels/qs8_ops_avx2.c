/*
 * qs8_ops_avx2.c -- the int8 operator kernels (qs8_ops.h) for AVX2: requantization 8
 * channels at a time (qs8_requant_avx2.h), and the depthwise row as the AVX-512 file's: fast
 * rows for 3x3 and 5x5 filters (32 channels, 4 pixels and 2 filter rows per pass), general
 * rows 16 channels at a time in int32 lanes. Channel tails of the general rows go through
 * zero-padded stack copies.
 * Built with -mavx2 -mfma (cmake/kernels.cmake); without them the file only reports that it
 * has no table.
 */
#include "kernels/qs8_ops.h"
#include "kernels/window.h"

#if defined(__AVX2__)
#include <string.h>

#include "kernels/qs8_requant_avx2.h"

/* ------------------------------------------------------------ requantization -- */

/* Stores the low n (<= 8) bytes of v. */
QS8_INLINE void qs8_store8(int8_t *out, __m128i v, size_t n) {
    if (n >= 8) {
        _mm_storel_epi64((__m128i *)(void *)out, v);
    } else {
        int8_t tmp[16];
        _mm_storeu_si128((__m128i *)(void *)tmp, v);
        memcpy(out, tmp, n);
    }
}

QS8_INLINE void qs8_requant_rows(size_t rows, size_t n, const int32_t *acc, size_t ldacc,
                                 const tflc_qs8_requant *rq, size_t c0, int8_t *out, size_t ldo,
                                 tflc_qs8_rounding rounding) {
    for (size_t j = 0; j < n; j += 8) {
        const size_t cn = n - j < 8 ? n - j : 8;
        const __m256i k = qs8_lane_mask(cn);
        const qs8_rq8 p = qs8_rq8_load(rq, c0 + j, cn, rounding);
        for (size_t i = 0; i < rows; i++) {
            const __m256i a = _mm256_maskload_epi32((const int *)(acc + i * ldacc + j), k);
            qs8_store8(out + i * ldo + j, qs8_pack8(qs8_rq8_apply(&p, a, rounding)), cn);
        }
    }
}

TFLC_QS8_REQUANT_ENTRY(avx2)

/* ---------------------------------------------------------------- depthwise -- */

/* As the AVX-512 file's general rows, 8 channels per register: interior pixels take every
 * tap with the input zero point folded into the bias (bias - zp * sum of the row's filter
 * taps, the taps widened once per row to (w, 0) word pairs for VPMADDWD); border pixels, and filters of more than QS8_DW_MAX_TAPS
 * taps, add (x - zp) * w over their taps inside the input. */
#define QS8_DW_MAX_TAPS 64

/* 8 bytes at p widened to int32; only n (<= 8) of them are read unless full. */
QS8_INLINE __m256i qs8_ld8(const int8_t *p, size_t n, bool full) {
    if (full) return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p));
    int8_t tmp[16] = {0};
    memcpy(tmp, p, n);
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)tmp));
}

typedef struct qs8_dw_rowgeom {
    int32_t ox_lo, ox_hi;          /* interior pixels: every filter column inside the input */
    bool widened;                  /* (ky1 - ky0) * kw <= QS8_DW_MAX_TAPS */
    size_t row_bytes;              /* in_w * channels */
} qs8_dw_rowgeom;

/* Channels [c, c + cn) (cn <= 8 * nh; full: cn == 8 * nh) of every output pixel. */
QS8_INLINE void qs8_dw_block(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t c,
                             size_t cn, const int nh, const bool full, int32_t *w32,
                             tflc_qs8_rounding rounding) {
    const size_t C = r->channels;
    size_t n[2];
    n[0] = cn < 8 ? cn : 8;
    n[1] = cn > 8 ? cn - 8 : 0;
    qs8_rq8 rq[2];
    __m256i bias[2], bias_zp[2];
    const __m256i zp = _mm256_set1_epi32(r->in_zero_point);
    for (int h = 0; h < nh; h++) {
        rq[h] = qs8_rq8_load(r->rq, c + 8 * (size_t)h, n[h], rounding);
        bias[h] = r->bias ? _mm256_maskload_epi32((const int *)(r->bias + c + 8 * (size_t)h),
                                                  qs8_lane_mask(n[h]))
                          : _mm256_setzero_si256();
        bias_zp[h] = bias[h];
    }
    if (gm->widened) {
        __m256i sum[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
        int32_t t = 0;
        for (int32_t ky = r->ky0; ky < r->ky1; ky++)
            for (int32_t kx = 0; kx < r->kw; kx++, t++) {
                const int8_t *wp = r->w + ((size_t)ky * (size_t)r->kw + (size_t)kx) * C + c;
                for (int h = 0; h < nh; h++) {
                    const __m256i wv = qs8_ld8(wp + 8 * h, n[h], full);
                    /* the weight in the low word, 0 in the high: VPMADDWD with the
                     * sign-extended input is x * w (VPMULLD is two uops, 10 cycles, on Intel) */
                    _mm256_store_si256((__m256i *)(void *)(w32 + t * 16 + 8 * h),
                                       _mm256_and_si256(wv, _mm256_set1_epi32(0xFFFF)));
                    sum[h] = _mm256_add_epi32(sum[h], wv);
                }
            }
        for (int h = 0; h < nh; h++)
            bias_zp[h] = _mm256_sub_epi32(bias[h], _mm256_mullo_epi32(zp, sum[h]));
    }
    for (int32_t ox = 0; ox < r->out_w; ox++) {
        const int64_t x0 = (int64_t)ox * r->stride_x - r->pad_x;
        __m256i acc[2];
        if (gm->widened && ox >= gm->ox_lo && ox < gm->ox_hi) {
            for (int h = 0; h < nh; h++) acc[h] = bias_zp[h];
            const int8_t *xrow = r->in + (size_t)(r->iy0 + (int64_t)r->ky0 * r->dil_y) *
                                             gm->row_bytes + (size_t)x0 * C + c;
            const size_t xstep = (size_t)r->dil_x * C, ystep = (size_t)r->dil_y * gm->row_bytes;
            const int32_t *wt = w32;
            for (int32_t ky = r->ky0; ky < r->ky1; ky++, xrow += ystep) {
                const int8_t *xp = xrow;
                for (int32_t kx = 0; kx < r->kw; kx++, xp += xstep, wt += 16)
                    for (int h = 0; h < nh; h++) {
                        const __m256i wv =
                            _mm256_load_si256((const __m256i *)(const void *)(wt + 8 * h));
                        acc[h] = _mm256_add_epi32(
                            acc[h], _mm256_madd_epi16(qs8_ld8(xp + 8 * h, n[h], full), wv));
                    }
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
                        const __m256i xv = _mm256_sub_epi32(qs8_ld8(xp + 8 * h, n[h], full), zp);
                        const __m256i wv = qs8_ld8(wrow + (size_t)kx * C + 8 * h, n[h], full);
                        acc[h] = _mm256_add_epi32(acc[h], _mm256_mullo_epi32(xv, wv));
                    }
                }
            }
        }
        int8_t *o = r->out + (size_t)ox * C + c;
        for (int h = 0; h < nh; h++)
            qs8_store8(o + 8 * h, qs8_pack8(qs8_rq8_apply(&rq[h], acc[h], rounding)), n[h]);
    }
}

/* Channels [c, end) of the row (rq->double_from splits them at a multiple of 8). */
QS8_INLINE void qs8_dw_channels(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t c,
                                size_t end, int32_t *w32, tflc_qs8_rounding rounding) {
    for (; c + 16 <= end; c += 16) qs8_dw_block(r, gm, c, 16, 2, true, w32, rounding);
    const size_t rest = end - c;
    if (rest == 8) qs8_dw_block(r, gm, c, 8, 1, true, w32, rounding);
    else if (rest > 8) qs8_dw_block(r, gm, c, rest, 2, false, w32, rounding);
    else if (rest > 0) qs8_dw_block(r, gm, c, rest, 1, false, w32, rounding);
}

/* ------------------------------------------------- depthwise, the fast rows -- */

/* The AVX-512 file's fast rows with 8 channels per register and VPMADDWD + VPADDD: TIES_UP
 * channels (a multiple of 8: tflc_qs8_set_quantize_rounding) of rows whose filter is 3 or 5
 * columns, column stride 1 or 2, no column dilation; blocks of up to 32 channels (4 groups of
 * 8), interior pixels 4 at a time, each input column widened once for the pixels it reaches,
 * two filter rows per multiply (the rows' inputs interleaved as int16 pairs against (w0, w1)
 * tap pairs; a last odd row sign-extended to int32 against (w, 0)). Border pixels add
 * (x - zp) * w with the same taps. */

#define QS8_DWF_PIX 4             /* interior pixels per pass */
#define QS8_DWF_MAX_TAPS 25       /* rows of at most 5 x 5 taps */

_Static_assert(QS8_DWF_MAX_TAPS * 32 <= QS8_DW_MAX_TAPS * 16, "w32 holds the fast rows' taps");

/* acc + x * w per int32 lane, two int16 products each. */
QS8_INLINE __m256i qs8_dwf_mac(__m256i acc, __m256i x, const int32_t *w) {
    return _mm256_add_epi32(
        acc, _mm256_madd_epi16(x, _mm256_load_si256((const __m256i *)(const void *)w)));
}

/* 8 channels of two rows as int16 pairs: lane c = (a[c], b[c]), each sign-extended. */
QS8_INLINE __m256i qs8_ld8_pair(const int8_t *a, const int8_t *b) {
    return _mm256_cvtepi8_epi16(
        _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)a),
                          _mm_loadl_epi64((const __m128i *)(const void *)b)));
}

/* What every pixel of a block of channels [c, c + 8G) shares. */
typedef struct qs8_dwf_block {
    size_t c;
    __m256i bias[4];               /* bias (border pixels) */
    __m256i bias_zp[4];            /* bias - zp * sum of the row's taps (interior pixels) */
    __m256i in_zp, in_zp16;        /* the input zero point in int32 and in int16 lanes */
    qs8_rq8 rq[4];
} qs8_dwf_block;

/* G groups of accumulators -> int8 at o (qs8_rq8_apply, each group's 8 bytes). */
QS8_INLINE void qs8_dwf_store(const qs8_dwf_block *b, int8_t *o, const __m256i *acc,
                              const int G) {
    for (int g = 0; g < G; g++)
        _mm_storel_epi64((__m128i *)(void *)(o + 8 * g),
                         qs8_pack8(qs8_rq8_apply(&b->rq[g], acc[g], TFLC_QS8_ROUND_TIES_UP)));
}

/* The columns of one unit of filter rows (a pair, or one row) into the P accumulators:
 * input column j meets tap j - p * S of pixel p. */
QS8_INLINE void qs8_dwf_cols(__m256i *a, const int8_t *x, size_t C, size_t ystep,
                             const int32_t *wt, const int P, const int KW, const int S,
                             const bool pair) {
    for (int j = 0; j < (P - 1) * S + KW; j++) {
        const int8_t *xp = x + (size_t)j * C;
        const __m256i xv = pair ? qs8_ld8_pair(xp, xp + ystep) : qs8_ld8(xp, 8, true);
        for (int p = 0; p < P; p++) {
            const int kx = j - p * S;
            if (kx >= 0 && kx < KW) a[p] = qs8_dwf_mac(a[p], xv, wt + kx * 32);
        }
    }
}

/* Interior pixels ox .. ox + P - 1, P = 4 or 1, one group at a time. */
QS8_INLINE void qs8_dwf_interior(const tflc_qs8_dw_row *r, const qs8_dwf_block *b,
                                 const int32_t *w32, size_t row_bytes, int32_t ox,
                                 const int P, const int KW, const int S, const int G) {
    const size_t C = r->channels;
    __m256i acc[QS8_DWF_PIX][4];
    const int64_t x0 = (int64_t)ox * S - r->pad_x;
    const int8_t *xbase = r->in + (size_t)(r->iy0 + (int64_t)r->ky0 * r->dil_y) * row_bytes +
                          (size_t)x0 * C + b->c;
    const size_t ystep = (size_t)r->dil_y * row_bytes;
    for (int g = 0; g < G; g++) {
        __m256i a[QS8_DWF_PIX];
        for (int p = 0; p < P; p++) a[p] = b->bias_zp[g];
        const int8_t *xrow = xbase + 8 * g;
        const int32_t *wt = w32 + 8 * g;
        int32_t ky = r->ky0;
        for (; ky + 1 < r->ky1; ky += 2, xrow += 2 * ystep, wt += KW * 32)
            qs8_dwf_cols(a, xrow, C, ystep, wt, P, KW, S, true);
        if (ky < r->ky1) qs8_dwf_cols(a, xrow, C, ystep, wt, P, KW, S, false);
        for (int p = 0; p < P; p++) acc[p][g] = a[p];
    }
    for (int p = 0; p < P; p++) qs8_dwf_store(b, r->out + (size_t)(ox + p) * C + b->c, acc[p], G);
}

/* One pixel, any of the row's: (x - zp) * w over its taps inside the input. */
QS8_INLINE void qs8_dwf_pixel(const tflc_qs8_dw_row *r, const qs8_dwf_block *b,
                              const int32_t *w32, size_t row_bytes, int32_t ox, const int KW,
                              const int G) {
    const size_t C = r->channels;
    const int64_t x0 = (int64_t)ox * r->stride_x - r->pad_x;
    int32_t kx0, kx1;
    tflc_qs8_taps(x0, r->in_w, KW, 1, &kx0, &kx1);
    __m256i acc[4];
    for (int g = 0; g < G; g++) acc[g] = b->bias[g];
    const size_t ystep = (size_t)r->dil_y * row_bytes;
    const int32_t *wt = w32;
    for (int32_t ky = r->ky0; ky < r->ky1; ky += 2, wt += KW * 32) {
        const bool pair = ky + 1 < r->ky1;
        const int8_t *xrow = r->in + (size_t)(r->iy0 + (int64_t)ky * r->dil_y) * row_bytes + b->c;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            const int8_t *xp = xrow + (size_t)(x0 + kx) * C;
            for (int g = 0; g < G; g++) {
                /* x - zp in [-255, 255]: exact in an int16 word */
                const __m256i xv =
                    pair ? _mm256_sub_epi16(qs8_ld8_pair(xp + 8 * g, xp + ystep + 8 * g),
                                            b->in_zp16)
                         : _mm256_sub_epi32(qs8_ld8(xp + 8 * g, 8, true), b->in_zp);
                acc[g] = qs8_dwf_mac(acc[g], xv, wt + kx * 32 + 8 * g);
            }
        }
    }
    qs8_dwf_store(b, r->out + (size_t)ox * C + b->c, acc, G);
}

/* The requantization of the block's groups; false when one is not on the 32-bit path. */
QS8_INLINE bool qs8_dwf_setup(const tflc_qs8_dw_row *r, qs8_dwf_block *b, size_t c, const int G) {
    b->c = c;
    for (int g = 0; g < G; g++) {
        b->rq[g] = qs8_rq8_load(r->rq, c + 8 * (size_t)g, 8, TFLC_QS8_ROUND_TIES_UP);
        if (!b->rq[g].simple) return false;
    }
    b->in_zp = _mm256_set1_epi32(r->in_zero_point);
    b->in_zp16 = _mm256_set1_epi16((int16_t)r->in_zero_point);
    return true;
}

/* The row's taps into w32 by units of filter rows (pairs (w[ky], w[ky + 1]) as word pairs, a
 * last odd row as (w, 0)); unit u's tap kx at w32[(u * KW + kx) * 32 + 8 * g]. And the
 * biases. */
QS8_INLINE void qs8_dwf_widen(const tflc_qs8_dw_row *r, qs8_dwf_block *b, int32_t *w32,
                              const int KW, const int G) {
    const size_t C = r->channels;
    __m256i sum[4];
    for (int g = 0; g < G; g++) sum[g] = _mm256_setzero_si256();
    int32_t *wt = w32;
    for (int32_t ky = r->ky0; ky < r->ky1; ky += 2) {
        const bool pair = ky + 1 < r->ky1;
        for (int kx = 0; kx < KW; kx++, wt += 32) {
            const int8_t *wp = r->w + ((size_t)ky * (size_t)KW + (size_t)kx) * C + b->c;
            const int8_t *wq = wp + (size_t)KW * C;   /* the pair's second row */
            for (int g = 0; g < G; g++) {
                const __m256i wv = qs8_ld8(wp + 8 * g, 8, true);
                sum[g] = _mm256_add_epi32(sum[g], wv);
                __m256i packed = _mm256_and_si256(wv, _mm256_set1_epi32(0xFFFF));
                if (pair) {
                    sum[g] = _mm256_add_epi32(sum[g], qs8_ld8(wq + 8 * g, 8, true));
                    packed = qs8_ld8_pair(wp + 8 * g, wq + 8 * g);
                }
                _mm256_store_si256((__m256i *)(void *)(wt + 8 * g), packed);
            }
        }
    }
    for (int g = 0; g < G; g++) {
        b->bias[g] = r->bias ? _mm256_loadu_si256((const __m256i *)(const void *)(r->bias + b->c +
                                                                                 8 * (size_t)g))
                             : _mm256_setzero_si256();
        b->bias_zp[g] = _mm256_sub_epi32(b->bias[g], _mm256_mullo_epi32(b->in_zp, sum[g]));
    }
}

/* The general block loop for TIES_UP channels, one copy for every fast-row variant. */
static __attribute__((noinline)) void qs8_dw_channels_ties_up(const tflc_qs8_dw_row *r,
                                                               const qs8_dw_rowgeom *gm,
                                                               size_t c, size_t end,
                                                               int32_t *w32) {
    qs8_dw_channels(r, gm, c, end, w32, TFLC_QS8_ROUND_TIES_UP);
}

/* Channels [c, c + 8G) of every pixel of the row: interior pixels 4 at a time, then one at a
 * time; border pixels one at a time. */
QS8_INLINE void qs8_dwf_block_run(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm,
                                  size_t c, int32_t *w32, const int KW, const int S,
                                  const int G) {
    qs8_dwf_block b;
    if (!qs8_dwf_setup(r, &b, c, G)) {
        qs8_dw_channels_ties_up(r, gm, c, c + 8 * (size_t)G, w32);
        return;
    }
    qs8_dwf_widen(r, &b, w32, KW, G);
    const size_t rb = gm->row_bytes;
    int32_t ox = 0;
    for (; ox < gm->ox_lo; ox++) qs8_dwf_pixel(r, &b, w32, rb, ox, KW, G);
    for (; ox + QS8_DWF_PIX <= gm->ox_hi; ox += QS8_DWF_PIX)
        qs8_dwf_interior(r, &b, w32, rb, ox, QS8_DWF_PIX, KW, S, G);
    for (; ox < gm->ox_hi; ox++) qs8_dwf_interior(r, &b, w32, rb, ox, 1, KW, S, G);
    for (; ox < r->out_w; ox++) qs8_dwf_pixel(r, &b, w32, rb, ox, KW, G);
}

/* One filter shape: blocks of 32 channels, then the rest 8 at a time (two block widths
 * only: each is a copy of the loops per filter shape). */
QS8_INLINE void qs8_dwf_shape(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t c,
                              size_t end, int32_t *w32, const int KW, const int S) {
    for (; c + 32 <= end; c += 32) qs8_dwf_block_run(r, gm, c, w32, KW, S, 4);
    for (; c + 8 <= end; c += 8) qs8_dwf_block_run(r, gm, c, w32, KW, S, 1);
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

/* Whether the fast rows cover r's shape and its TIES_UP channels [0, main). */
static bool qs8_dwf_applies(const tflc_qs8_dw_row *r, int32_t taps, size_t main) {
    return (r->kw == 3 || r->kw == 5) && (r->stride_x == 1 || r->stride_x == 2) &&
           r->dil_x == 1 && taps <= QS8_DWF_MAX_TAPS && main % 8 == 0;
}

/* Channels [0, main) of a row qs8_dwf_applies to, all TIES_UP. */
static void qs8_dwf_channels(const tflc_qs8_dw_row *r, const qs8_dw_rowgeom *gm, size_t main,
                             int32_t *w32) {
    switch ((r->kw == 5) * 2 + (r->stride_x == 2)) {
    case 0: qs8_dwf_k3s1(r, gm, 0, main, w32); break;
    case 1: qs8_dwf_k3s2(r, gm, 0, main, w32); break;
    case 2: qs8_dwf_k5s1(r, gm, 0, main, w32); break;
    default: qs8_dwf_k5s2(r, gm, 0, main, w32); break;
    }
}

QS8_INLINE void qs8_dw_row_impl(const tflc_qs8_dw_row *r, tflc_qs8_rounding rounding) {
    _Alignas(32) int32_t w32[QS8_DW_MAX_TAPS * 16];
    qs8_dw_rowgeom gm;
    const int64_t span = (int64_t)(r->kw - 1) * r->dil_x;   /* first to last filter column */
    gm.row_bytes = (size_t)r->in_w * r->channels;
    gm.widened = (r->ky1 - r->ky0) * r->kw <= QS8_DW_MAX_TAPS;
    size_t lo, hi;
    tflc_window_interior((int64_t)r->in_w, r->pad_x, r->stride_x, span, (int64_t)r->out_w,
                         &lo, &hi);
    gm.ox_lo = (int32_t)lo;
    gm.ox_hi = (int32_t)hi;
    const size_t main = tflc_qs8_main_cols(r->rq, 0, r->channels);
    if (rounding == TFLC_QS8_ROUND_TIES_UP && gm.widened &&
        qs8_dwf_applies(r, (r->ky1 - r->ky0) * r->kw, main))
        qs8_dwf_channels(r, &gm, main, w32);
    else
        qs8_dw_channels(r, &gm, 0, main, w32, rounding);
    qs8_dw_channels(r, &gm, main, r->channels, w32, TFLC_QS8_ROUND_DOUBLE);
}

static void qs8_dw_row_avx2(const tflc_qs8_dw_row *r) {
    switch (r->rq->rounding) {
    case TFLC_QS8_ROUND_SINGLE: qs8_dw_row_impl(r, TFLC_QS8_ROUND_SINGLE); break;
    case TFLC_QS8_ROUND_DOUBLE_WRAP: qs8_dw_row_impl(r, TFLC_QS8_ROUND_DOUBLE_WRAP); break;
    case TFLC_QS8_ROUND_TIES_UP: qs8_dw_row_impl(r, TFLC_QS8_ROUND_TIES_UP); break;
    default: qs8_dw_row_impl(r, TFLC_QS8_ROUND_DOUBLE); break;
    }
}

static const tflc_qs8_config qs8_avx2_config = {
    .name = "qs8_avx2",
    .isa = TFLC_ISA_AVX2,
    .requant = qs8_requant_avx2,
    .dw_row = qs8_dw_row_avx2,
};

const tflc_qs8_config *tflc_qs8_config_avx2(void) { return &qs8_avx2_config; }

#else

const tflc_qs8_config *tflc_qs8_config_avx2(void) { return NULL; }

#endif
