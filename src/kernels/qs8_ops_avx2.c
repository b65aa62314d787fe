/*
 * qs8_ops_avx2.c -- the int8 operator kernels (qs8_ops.h) for AVX2: requantization 8
 * channels at a time (qs8_requant_avx2.h), and the depthwise row 16 channels at a time in
 * int32 lanes (as the AVX-512 file). Channel tails go through zero-padded stack copies.
 * Built with -mavx2 -mfma (cmake/kernels.cmake); without them the file only reports that it
 * has no table.
 */
#include "kernels/qs8_ops.h"

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

QS8_INLINE void qs8_dw_row_impl(const tflc_qs8_dw_row *r, tflc_qs8_rounding rounding) {
    _Alignas(32) int32_t w32[QS8_DW_MAX_TAPS * 16];
    qs8_dw_rowgeom gm;
    const int64_t span = (int64_t)(r->kw - 1) * r->dil_x;   /* first to last filter column */
    gm.row_bytes = (size_t)r->in_w * r->channels;
    gm.widened = (r->ky1 - r->ky0) * r->kw <= QS8_DW_MAX_TAPS;
    int64_t lo = ((int64_t)r->pad_x + r->stride_x - 1) / r->stride_x;
    int64_t last = (int64_t)r->in_w - 1 - span + r->pad_x;
    int64_t hi = last < 0 ? 0 : last / r->stride_x + 1;
    if (hi > r->out_w) hi = r->out_w;
    if (lo > hi) lo = hi;
    gm.ox_lo = (int32_t)lo;
    gm.ox_hi = (int32_t)hi;
    const size_t main = tflc_qs8_main_cols(r->rq, 0, r->channels);
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
