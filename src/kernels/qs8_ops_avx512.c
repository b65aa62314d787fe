/*
 * qs8_ops_avx512.c -- the int8 operator kernels (qs8_ops.h) for AVX-512 F/BW/VL/DQ:
 * requantization 16 channels at a time (qs8_requant_avx512.h), and the depthwise row 32
 * channels at a time in int32 lanes (see the depthwise section), its accumulators
 * requantized in registers.
 * Built with -mavx512f -mavx512bw -mavx512vl -mavx512dq (cmake/kernels.cmake); without them
 * the file only reports that it has no table.
 */
#include "kernels/qs8_ops.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__)
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
        for (size_t i = 0; i < rows; i++) {
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

QS8_INLINE void qs8_dw_row_impl(const tflc_qs8_dw_row *r, tflc_qs8_rounding rounding) {
    _Alignas(64) int32_t w32[QS8_DW_MAX_TAPS * 32];
    qs8_dw_rowgeom gm;
    const int64_t span = (int64_t)(r->kw - 1) * r->dil_x;   /* first to last filter column */
    gm.row_bytes = (size_t)r->in_w * r->channels;
    gm.taps = (r->ky1 - r->ky0) * r->kw;
    gm.widened = gm.taps <= QS8_DW_MAX_TAPS;
    /* ox * stride - pad >= 0 and ox * stride - pad + span <= in_w - 1 */
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

#endif
