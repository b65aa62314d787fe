/*
 * qs8_ops_neon.c -- the int8 operator kernels (qs8_ops.h) for aarch64 Advanced SIMD:
 * requantization 16 channels at a time (4 int32 lanes per q register), and the depthwise
 * row 16 channels at a time (8 for an 8-channel rest), the accumulators requantized in
 * registers. Channel tails go through zero-padded stack copies, so no load or store reaches
 * past a row's last channel.
 *
 * Requantization in 32-bit lanes with the instructions that are gemmlowp's definitions:
 *   SQSHL (saturating shift left)        DOUBLE's x * 2^left saturated to int32
 *   SSHL (shift left, wrapping)          DOUBLE_WRAP's and TIES_UP's x * 2^left
 *   SQRDMULH                             SaturatingRoundingDoublingHighMul, ties up
 *   SRSHL by -right                      floor((h + 2^(right-1)) / 2^right): ties up, in
 *                                        unbounded precision (TIES_UP's second rounding)
 * RoundingDivideByPOT (ties away from zero) is SRSHL after subtracting 1 from negative h
 * where right > 0: h + ((h & -right) >> 31) (SSRA), as gemmlowp's NEON code does it (the
 * sign bit of -right is set exactly when right > 0; the add cannot wrap: |x * m| < 2^62
 * except for x = m = INT32_MIN, which SQRDMULH saturates, so h > INT32_MIN). SINGLE
 * multiplies into 64-bit lanes (SMULL) and rounds with SRSHL by -t, keeping the low 32 bits
 * (XTN). Then out = clamp(r + zp, lo, hi) by saturating
 * narrows: int32 -> int16 (SQXTN), + zp (SQADD), -> int8 (SQXTN), max lo, min hi, which
 * gives the exact clamp since lo and hi are int8.
 *
 * Depthwise: per block of channels the row's filter taps are widened once to int16 in a
 * stack buffer; each output pixel sums (x - zp) * w over its taps inside the input with
 * SSUBL (x - zp, int8 -> int16, exact) and SMLAL / SMLAL2 (int16 x int16 added to the int32
 * lanes, modulo 2^32 as the scalar kernel's uint32 sums). Interior pixels (every filter
 * column inside the input) of full blocks go QS8_DW_PIX (4) at a time, each tap's weights
 * loaded once for all of them (16 accumulator registers); border pixels and channel tails
 * one at a time. TIES_UP rows (the operators' depthwise rounding) with 3- or 5-column filters,
 * column stride 1 or 2 and no column dilation take the AVX2 file's fast-row idea with the
 * shape a constant: a filter row's weights stay in registers and each input column is
 * widened once for the pixels it reaches. Filters of more than QS8_DW_MAX_TAPS taps widen
 * their weights on the fly and requantize through qs8_requant_neon.
 *
 * Without NEON (another architecture) the file only reports that it has no table.
 */
#include "kernels/qs8_ops.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#include <string.h>

#include "kernels/window.h"

#define QS8_INLINE static inline __attribute__((always_inline))
#define QS8_UNROLL _Pragma("GCC unroll 16")

/* ------------------------------------------------------------ requantization -- */

/* The parameters of 4 channels. */
typedef struct qs8_rq4 {
    int32x4_t m;                   /* multiplier */
    int32x4_t left;                /* left shift: [0, 32] DOUBLE, [0, 31] the others */
    int32x4_t nright;              /* -right in [-31, 0] (SINGLE: -t in [-62, -1]) */
    int64x2_t nt_lo, nt_hi;        /* SINGLE: -t in 64-bit lanes */
} qs8_rq4;

/* What every channel shares: the output zero point and the clamp. */
typedef struct qs8_rq_out {
    int16x8_t zp;
    int8x16_t lo, hi;
} qs8_rq_out;

QS8_INLINE qs8_rq_out qs8_rq_out_load(const tflc_qs8_requant *rq) {
    qs8_rq_out o;
    o.zp = vdupq_n_s16((int16_t)rq->out_zero_point);
    o.lo = vdupq_n_s8((int8_t)rq->lo);
    o.hi = vdupq_n_s8((int8_t)rq->hi);
    return o;
}

/* The parameters of 4 channels from their multipliers and exponents (qs8_ops.h). */
QS8_INLINE qs8_rq4 qs8_rq4_make(int32x4_t m, int32x4_t s, tflc_qs8_rounding rounding) {
    qs8_rq4 p;
    const int32x4_t zero = vdupq_n_s32(0);
    s = vminq_s32(vmaxq_s32(s, vdupq_n_s32(-64)), vdupq_n_s32(64));
    p.m = m;
    if (rounding == TFLC_QS8_ROUND_SINGLE) {
        const int32x4_t t = vminq_s32(vmaxq_s32(vsubq_s32(vdupq_n_s32(31), s), vdupq_n_s32(1)),
                                      vdupq_n_s32(62));
        p.left = zero;
        p.nright = vnegq_s32(t);
        p.nt_lo = vmovl_s32(vget_low_s32(p.nright));
        p.nt_hi = vmovl_high_s32(p.nright);
    } else {
        const int32_t cap = rounding == TFLC_QS8_ROUND_DOUBLE ? 32 : 31;
        p.left = vminq_s32(vmaxq_s32(s, zero), vdupq_n_s32(cap));
        p.nright = vmaxq_s32(vminq_s32(s, zero), vdupq_n_s32(-31));
        p.nt_lo = p.nt_hi = vdupq_n_s64(0);
    }
    return p;
}

/* The parameters of channels [c, c + cn) of rq, G groups of 4 (cn <= 4 * G; the lanes past
 * cn get multiplier and shift 0). */
QS8_INLINE void qs8_rq_load(qs8_rq4 *p, const tflc_qs8_requant *rq, size_t c, size_t cn,
                            const int G, tflc_qs8_rounding rounding) {
    const int32_t *m = rq->multiplier + c, *s = rq->shift + c;
    int32_t mb[16], sb[16];
    if (cn < 4 * (size_t)G) {
        memset(mb, 0, sizeof mb);
        memset(sb, 0, sizeof sb);
        memcpy(mb, m, cn * sizeof *m);
        memcpy(sb, s, cn * sizeof *s);
        m = mb;
        s = sb;
    }
    for (int g = 0; g < G; g++)
        p[g] = qs8_rq4_make(vld1q_s32(m + 4 * g), vld1q_s32(s + 4 * g), rounding);
}

/* 4 accumulators -> 4 requantized values before the zero point. */
QS8_INLINE int32x4_t qs8_rq4_scale(const qs8_rq4 *p, int32x4_t x, tflc_qs8_rounding rounding) {
    if (rounding == TFLC_QS8_ROUND_SINGLE) {
        int64x2_t lo = vmull_s32(vget_low_s32(x), vget_low_s32(p->m));
        int64x2_t hi = vmull_high_s32(x, p->m);
        lo = vrshlq_s64(lo, p->nt_lo);
        hi = vrshlq_s64(hi, p->nt_hi);
        return vmovn_high_s64(vmovn_s64(lo), hi);
    }
    x = rounding == TFLC_QS8_ROUND_DOUBLE ? vqshlq_s32(x, p->left) : vshlq_s32(x, p->left);
    int32x4_t h = vqrdmulhq_s32(x, p->m);
    if (rounding != TFLC_QS8_ROUND_TIES_UP)   /* ties away from zero: -1 for negative h */
        h = vsraq_n_s32(h, vandq_s32(h, p->nright), 31);
    return vrshlq_s32(h, p->nright);
}

/* 16 requantized values -> clamp(r + zp, lo, hi) as bytes. */
QS8_INLINE int8x16_t qs8_out16(const qs8_rq_out *o, const int32x4_t *r) {
    const int16x8_t a = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(r[0]), r[1]), o->zp);
    const int16x8_t b = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(r[2]), r[3]), o->zp);
    return vminq_s8(vmaxq_s8(vqmovn_high_s16(vqmovn_s16(a), b), o->lo), o->hi);
}

/* 8 requantized values -> clamp(r + zp, lo, hi) as bytes. */
QS8_INLINE int8x8_t qs8_out8(const qs8_rq_out *o, const int32x4_t *r) {
    const int16x8_t a = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(r[0]), r[1]), o->zp);
    return vmin_s8(vmax_s8(vqmovn_s16(a), vget_low_s8(o->lo)), vget_low_s8(o->hi));
}

/* Stores the first n (<= 16) bytes of v. */
QS8_INLINE void qs8_store_n(int8_t *out, int8x16_t v, size_t n) {
    if (n >= 16) {
        vst1q_s8(out, v);
    } else {
        int8_t tmp[16];
        vst1q_s8(tmp, v);
        memcpy(out, tmp, n);
    }
}

/* Stores the first n bytes of v, all 8 when n >= 8. */
QS8_INLINE void qs8_store8_n(int8_t *out, int8x8_t v, size_t n) {
    if (n >= 8) vst1_s8(out, v);
    else qs8_store_n(out, vcombine_s8(v, v), n);
}

/* Columns [j, j + cn) of every row, cn <= 4 * G (G = 4 or 2), full: cn == 4 * G. */
QS8_INLINE void qs8_requant_block(size_t rows, size_t cn, const int32_t *acc, size_t ldacc,
                                  const tflc_qs8_requant *rq, size_t c, int8_t *out,
                                  size_t ldo, const qs8_rq_out *o, const int G, const bool full,
                                  tflc_qs8_rounding rounding) {
    qs8_rq4 p[4];
    qs8_rq_load(p, rq, c, cn, G, rounding);
    for (size_t i = 0; i < rows; i++) {
        const int32_t *a = acc + i * ldacc;
        int32_t tmp[16];
        if (!full) {
            memset(tmp, 0, sizeof tmp);
            memcpy(tmp, a, cn * sizeof *a);
            a = tmp;
        }
        int32x4_t r[4];
        for (int g = 0; g < G; g++) r[g] = qs8_rq4_scale(&p[g], vld1q_s32(a + 4 * g), rounding);
        if (G == 4) qs8_store_n(out + i * ldo, qs8_out16(o, r), cn);
        else qs8_store8_n(out + i * ldo, qs8_out8(o, r), cn);
    }
}

/* 16 columns at a time, then 8, then the rest through padded copies. */
QS8_INLINE void qs8_requant_rows(size_t rows, size_t n, const int32_t *acc, size_t ldacc,
                                 const tflc_qs8_requant *rq, size_t c0, int8_t *out, size_t ldo,
                                 tflc_qs8_rounding rounding) {
    const qs8_rq_out o = qs8_rq_out_load(rq);
    size_t j = 0;
    for (; j + 16 <= n; j += 16)
        qs8_requant_block(rows, 16, acc + j, ldacc, rq, c0 + j, out + j, ldo, &o, 4, true,
                          rounding);
    if (j + 8 <= n) {
        qs8_requant_block(rows, 8, acc + j, ldacc, rq, c0 + j, out + j, ldo, &o, 2, true,
                          rounding);
        j += 8;
    }
    if (j < n)
        qs8_requant_block(rows, n - j, acc + j, ldacc, rq, c0 + j, out + j, ldo, &o, 2, false,
                          rounding);
}

TFLC_QS8_REQUANT_ENTRY(neon)

/* ---------------------------------------------------------------- depthwise -- */

#define QS8_DW_MAX_TAPS 64        /* widened in the stack buffer: 64 taps x 16 int16 */
#define QS8_DW_PIX 4              /* interior pixels per pass */
#define QS8_DW_CHUNK 32           /* pixels per requantization pass of the long filters */

typedef struct qs8_dw_geom {
    int32_t ox_lo, ox_hi;          /* interior pixels: every filter column inside the input */
    size_t row_bytes;              /* in_w * channels */
} qs8_dw_geom;

/* p itself when full, else its first n bytes copied to tmp (16 bytes) and zero-padded: a
 * ragged channel block never reads past the row. */
QS8_INLINE const int8_t *qs8_dw_bytes(const int8_t *p, size_t n, const bool full,
                                      int8_t *tmp) {
    if (full) return p;
    memset(tmp, 0, 16);
    memcpy(tmp, p, n);
    return tmp;
}

/* 8 * NH bytes at p (only n of them read unless full) minus the zero point, as int16. */
QS8_INLINE void qs8_dw_ldx(int16x8_t *xv, const int8_t *p, size_t n, const int NH,
                           const bool full, int8x8_t zp) {
    int8_t tmp[16];
    p = qs8_dw_bytes(p, n, full, tmp);
    if (NH == 2) {
        const int8x16_t v = vld1q_s8(p);
        xv[0] = vsubl_s8(vget_low_s8(v), zp);
        xv[1] = vsubl_high_s8(v, vcombine_s8(zp, zp));
    } else {
        xv[0] = vsubl_s8(vld1_s8(p), zp);
    }
}

/* 8 * NH weights at p (only n of them read unless full) widened to int16. */
QS8_INLINE void qs8_dw_ldw8(int16x8_t *wv, const int8_t *p, size_t n, const int NH,
                            const bool full) {
    int8_t tmp[16];
    p = qs8_dw_bytes(p, n, full, tmp);
    if (NH == 2) {
        const int8x16_t v = vld1q_s8(p);
        wv[0] = vmovl_s8(vget_low_s8(v));
        wv[1] = vmovl_high_s8(v);
    } else {
        wv[0] = vmovl_s8(vld1_s8(p));
    }
}

/* acc (2 * NH int32x4) += x * w per lane. */
QS8_INLINE void qs8_dw_mac(int32x4_t *acc, const int16x8_t *xv, const int16x8_t *wv,
                           const int NH) {
    for (int h = 0; h < NH; h++) {
        acc[2 * h] = vmlal_s16(acc[2 * h], vget_low_s16(xv[h]), vget_low_s16(wv[h]));
        acc[2 * h + 1] = vmlal_high_s16(acc[2 * h + 1], xv[h], wv[h]);
    }
}

/* The bias of channels [c, c + cn) in 2 * NH registers (zero without one, or past cn). */
QS8_INLINE void qs8_dw_bias(int32x4_t *bias, const tflc_qs8_dw_row *r, size_t c, size_t cn,
                            const int NH) {
    int32_t tmp[16] = {0};
    const int32_t *b = r->bias ? r->bias + c : tmp;
    if (r->bias && cn < 8 * (size_t)NH) {
        memcpy(tmp, b, cn * sizeof *b);
        b = tmp;
    }
    for (int q = 0; q < 4; q++) bias[q] = q < 2 * NH ? vld1q_s32(b + 4 * q) : vdupq_n_s32(0);
}

/* The accumulators of pixel ox, channels [c, c + cn), over its taps inside the input; the
 * weights from w16 (the row's taps widened, 16 int16 per tap) or, when w16 is NULL, from
 * the filter. */
QS8_INLINE void qs8_dw_pixel_acc(int32x4_t *acc, const tflc_qs8_dw_row *r,
                                 const qs8_dw_geom *gm, const int16_t *w16, size_t c,
                                 size_t cn, int32_t ox, const int NH, const bool full) {
    const size_t C = r->channels;
    const int64_t x0 = (int64_t)ox * r->stride_x - r->pad_x;
    const int8x8_t zp = vdup_n_s8((int8_t)r->in_zero_point);
    int32_t kx0 = 0, kx1 = r->kw;
    if (ox < gm->ox_lo || ox >= gm->ox_hi) tflc_qs8_taps(x0, r->in_w, r->kw, r->dil_x, &kx0, &kx1);
    for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
        const int8_t *xrow = r->in + (size_t)(r->iy0 + (int64_t)ky * r->dil_y) * gm->row_bytes + c;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            int16x8_t xv[2], wv[2];
            qs8_dw_ldx(xv, xrow + (size_t)(x0 + (int64_t)kx * r->dil_x) * C, cn, NH, full, zp);
            if (w16) {
                const int16_t *wt = w16 + ((size_t)(ky - r->ky0) * (size_t)r->kw + (size_t)kx) * 16;
                for (int h = 0; h < NH; h++) wv[h] = vld1q_s16(wt + 8 * h);
            } else {
                qs8_dw_ldw8(wv, r->w + ((size_t)ky * (size_t)r->kw + (size_t)kx) * C + c, cn, NH,
                            full);
            }
            qs8_dw_mac(acc, xv, wv, NH);
        }
    }
}

/* Requantizes and stores one pixel's channels [c, c + cn). */
QS8_INLINE void qs8_dw_store(const tflc_qs8_dw_row *r, const qs8_rq4 *p, const qs8_rq_out *o,
                             int32x4_t *acc, int32_t ox, size_t c, size_t cn, const int NH,
                             tflc_qs8_rounding rounding) {
    int8_t *out = r->out + (size_t)ox * r->channels + c;
    for (int q = 0; q < 2 * NH; q++) acc[q] = qs8_rq4_scale(&p[q], acc[q], rounding);
    if (NH == 2) qs8_store_n(out, qs8_out16(o, acc), cn);
    else qs8_store8_n(out, qs8_out8(o, acc), cn);
}

/* One pixel from the bias over its taps inside the input, requantized and stored. */
QS8_INLINE void qs8_dw_one_pixel(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm,
                                 const int16_t *w16, const qs8_rq4 *p, const qs8_rq_out *o,
                                 const int32x4_t *bias, size_t c, size_t cn, int32_t ox,
                                 const int NH, const bool full, tflc_qs8_rounding rounding) {
    int32x4_t acc[4] = {bias[0], bias[1], bias[2], bias[3]};
    qs8_dw_pixel_acc(acc, r, gm, w16, c, cn, ox, NH, full);
    qs8_dw_store(r, p, o, acc, ox, c, cn, NH, rounding);
}

/* Interior pixels ox .. ox + QS8_DW_PIX - 1, every tap, full blocks only: each tap's
 * weights loaded once for the pixels. */
QS8_INLINE void qs8_dw_interior(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm,
                                const int16_t *w16, const qs8_rq4 *p, const qs8_rq_out *o,
                                const int32x4_t *bias, size_t c, int32_t ox, const int NH,
                                tflc_qs8_rounding rounding) {
    const size_t C = r->channels;
    const int8x8_t zp = vdup_n_s8((int8_t)r->in_zero_point);
    int32x4_t acc[QS8_DW_PIX][4];
    for (int px = 0; px < QS8_DW_PIX; px++)
        for (int q = 0; q < 2 * NH; q++) acc[px][q] = bias[q];
    const int64_t x0 = (int64_t)ox * r->stride_x - r->pad_x;
    const size_t pstep = (size_t)r->stride_x * C, xstep = (size_t)r->dil_x * C;
    const int16_t *wt = w16;
    for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
        const int8_t *xp = r->in + (size_t)(r->iy0 + (int64_t)ky * r->dil_y) * gm->row_bytes +
                           (size_t)x0 * C + c;
        for (int32_t kx = 0; kx < r->kw; kx++, xp += xstep, wt += 16) {
            int16x8_t wv[2];
            for (int h = 0; h < NH; h++) wv[h] = vld1q_s16(wt + 8 * h);
            for (int px = 0; px < QS8_DW_PIX; px++) {
                int16x8_t xv[2];
                qs8_dw_ldx(xv, xp + (size_t)px * pstep, 8 * (size_t)NH, NH, true, zp);
                qs8_dw_mac(acc[px], xv, wv, NH);
            }
        }
    }
    for (int px = 0; px < QS8_DW_PIX; px++)
        qs8_dw_store(r, p, o, acc[px], ox + px, c, 8 * (size_t)NH, NH, rounding);
}

/* The same for a filter of KW (3 or 5) columns at column stride S (1 or 2) without column
 * dilation, both constants: a filter row's weights stay in registers, and each input column
 * is loaded and widened once for the pixels it reaches (column j meets tap j - px * S of
 * pixel px). */
QS8_INLINE void qs8_dw_interior_k(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm,
                                  const int16_t *w16, const qs8_rq4 *p, const qs8_rq_out *o,
                                  const int32x4_t *bias, size_t c, int32_t ox, const int NH,
                                  const int KW, const int S, tflc_qs8_rounding rounding) {
    const size_t C = r->channels;
    const int8x8_t zp = vdup_n_s8((int8_t)r->in_zero_point);
    int32x4_t acc[QS8_DW_PIX][4];
    for (int px = 0; px < QS8_DW_PIX; px++)
        for (int q = 0; q < 2 * NH; q++) acc[px][q] = bias[q];
    const int64_t x0 = (int64_t)ox * S - r->pad_x;
    const int16_t *wt = w16;
    for (int32_t ky = r->ky0; ky < r->ky1; ky++, wt += KW * 16) {
        const int8_t *xp = r->in + (size_t)(r->iy0 + (int64_t)ky * r->dil_y) * gm->row_bytes +
                           (size_t)x0 * C + c;
        int16x8_t wv[5][2];
        QS8_UNROLL
        for (int kx = 0; kx < KW; kx++)
            for (int h = 0; h < NH; h++) wv[kx][h] = vld1q_s16(wt + kx * 16 + 8 * h);
        QS8_UNROLL
        for (int j = 0; j < (QS8_DW_PIX - 1) * S + KW; j++) {
            int16x8_t xv[2];
            qs8_dw_ldx(xv, xp + (size_t)j * C, 8 * (size_t)NH, NH, true, zp);
            QS8_UNROLL
            for (int px = 0; px < QS8_DW_PIX; px++) {
                const int kx = j - px * S;
                if (kx >= 0 && kx < KW) qs8_dw_mac(acc[px], xv, wv[kx], NH);
            }
        }
    }
    for (int px = 0; px < QS8_DW_PIX; px++)
        qs8_dw_store(r, p, o, acc[px], ox + px, c, 8 * (size_t)NH, NH, rounding);
}

/* Channels [c, c + cn) (cn <= 8 * NH; full: cn == 8 * NH) of every output pixel, the row's
 * taps (at most QS8_DW_MAX_TAPS) widened into w16. */
QS8_INLINE void qs8_dw_block(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm, size_t c,
                             size_t cn, const int NH, const bool full, int16_t *w16,
                             const int KW, const int S, tflc_qs8_rounding rounding) {
    const size_t C = r->channels;
    int16_t *wt = w16;
    for (int32_t ky = r->ky0; ky < r->ky1; ky++)
        for (int32_t kx = 0; kx < r->kw; kx++, wt += 16) {
            int16x8_t wv[2];
            qs8_dw_ldw8(wv, r->w + ((size_t)ky * (size_t)r->kw + (size_t)kx) * C + c, cn, NH,
                        full);
            for (int h = 0; h < NH; h++) vst1q_s16(wt + 8 * h, wv[h]);
        }
    qs8_rq4 p[4];
    qs8_rq_load(p, r->rq, c, cn, 2 * NH, rounding);
    const qs8_rq_out o = qs8_rq_out_load(r->rq);
    int32x4_t bias[4];
    qs8_dw_bias(bias, r, c, cn, NH);
    int32_t ox = 0;
    if (full) {   /* border pixels before the interior, the interior QS8_DW_PIX at a time */
        for (; ox < gm->ox_lo; ox++)
            qs8_dw_one_pixel(r, gm, w16, p, &o, bias, c, cn, ox, NH, full, rounding);
        for (; ox + QS8_DW_PIX <= gm->ox_hi; ox += QS8_DW_PIX) {
            if (KW > 0) qs8_dw_interior_k(r, gm, w16, p, &o, bias, c, ox, NH, KW, S, rounding);
            else qs8_dw_interior(r, gm, w16, p, &o, bias, c, ox, NH, rounding);
        }
    }
    for (; ox < r->out_w; ox++)
        qs8_dw_one_pixel(r, gm, w16, p, &o, bias, c, cn, ox, NH, full, rounding);
}

/* Channels [c, end) of the row, all with one rounding; KW, S: the filter shape of
 * qs8_dw_interior_k, or 0 for any. */
QS8_INLINE void qs8_dw_channels(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm, size_t c,
                                size_t end, int16_t *w16, const int KW, const int S,
                                tflc_qs8_rounding rounding) {
    for (; c + 16 <= end; c += 16) qs8_dw_block(r, gm, c, 16, 2, true, w16, KW, S, rounding);
    const size_t rest = end - c;
    if (rest == 8) qs8_dw_block(r, gm, c, 8, 1, true, w16, KW, S, rounding);
    else if (rest > 8) qs8_dw_block(r, gm, c, rest, 2, false, w16, KW, S, rounding);
    else if (rest > 0) qs8_dw_block(r, gm, c, rest, 1, false, w16, KW, S, rounding);
}

/* The rows of MobileNet-like layers (TIES_UP, 3x3 or 5x5 filters, column stride 1 or 2, no
 * column dilation) with the filter shape a constant. */
#define QS8_DW_SHAPE_FN(KW, S)                                                               \
    static void qs8_dw_ties_up_k##KW##s##S(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm, \
                                           size_t end, int16_t *w16) {                       \
        qs8_dw_channels(r, gm, 0, end, w16, KW, S, TFLC_QS8_ROUND_TIES_UP);                  \
    }
QS8_DW_SHAPE_FN(3, 1)
QS8_DW_SHAPE_FN(3, 2)
QS8_DW_SHAPE_FN(5, 1)
QS8_DW_SHAPE_FN(5, 2)

/* Channels [0, main) with the row's rounding, the rest (rq->double_from on) DOUBLE. */
QS8_INLINE void qs8_dw_row_impl(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm, int16_t *w16,
                                tflc_qs8_rounding rounding) {
    const size_t main = tflc_qs8_main_cols(r->rq, 0, r->channels);
    const bool shaped = rounding == TFLC_QS8_ROUND_TIES_UP && (r->kw == 3 || r->kw == 5) &&
                        (r->stride_x == 1 || r->stride_x == 2) && r->dil_x == 1;
    if (!shaped) qs8_dw_channels(r, gm, 0, main, w16, 0, 0, rounding);
    else if (r->kw == 3 && r->stride_x == 1) qs8_dw_ties_up_k3s1(r, gm, main, w16);
    else if (r->kw == 3) qs8_dw_ties_up_k3s2(r, gm, main, w16);
    else if (r->stride_x == 1) qs8_dw_ties_up_k5s1(r, gm, main, w16);
    else qs8_dw_ties_up_k5s2(r, gm, main, w16);
    qs8_dw_channels(r, gm, main, r->channels, w16, 0, 0, TFLC_QS8_ROUND_DOUBLE);
}

/* Channels [c, c + cn) of a row with more than QS8_DW_MAX_TAPS taps: weights widened as
 * they are used, the accumulators of QS8_DW_CHUNK pixels at a time requantized by
 * qs8_requant_neon (which picks each channel's rounding). */
QS8_INLINE void qs8_dw_long_block(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm, size_t c,
                                  size_t cn, const bool full) {
    int32_t buf[QS8_DW_CHUNK * 16];
    int32x4_t bias[4];
    qs8_dw_bias(bias, r, c, cn, 2);
    for (int32_t ox0 = 0; ox0 < r->out_w; ox0 += QS8_DW_CHUNK) {
        const int32_t n = r->out_w - ox0 < QS8_DW_CHUNK ? r->out_w - ox0 : QS8_DW_CHUNK;
        for (int32_t i = 0; i < n; i++) {
            int32x4_t acc[4] = {bias[0], bias[1], bias[2], bias[3]};
            qs8_dw_pixel_acc(acc, r, gm, NULL, c, cn, ox0 + i, 2, full);
            for (int q = 0; q < 4; q++) vst1q_s32(buf + i * 16 + 4 * q, acc[q]);
        }
        qs8_requant_neon((size_t)n, cn, buf, 16, r->rq, c,
                         r->out + (size_t)ox0 * r->channels + c, r->channels);
    }
}

static void qs8_dw_row_long(const tflc_qs8_dw_row *r, const qs8_dw_geom *gm) {
    size_t c = 0;
    for (; c + 16 <= r->channels; c += 16) qs8_dw_long_block(r, gm, c, 16, true);
    if (c < r->channels) qs8_dw_long_block(r, gm, c, r->channels - c, false);
}

static void qs8_dw_row_neon(const tflc_qs8_dw_row *r) {
    _Alignas(16) int16_t w16[QS8_DW_MAX_TAPS * 16];
    qs8_dw_geom gm;
    const int64_t span = (int64_t)(r->kw - 1) * r->dil_x;   /* first to last filter column */
    size_t lo, hi;
    tflc_window_interior((int64_t)r->in_w, r->pad_x, r->stride_x, span, (int64_t)r->out_w,
                         &lo, &hi);
    gm.ox_lo = (int32_t)lo;
    gm.ox_hi = (int32_t)hi;
    gm.row_bytes = (size_t)r->in_w * r->channels;
    if ((int64_t)(r->ky1 - r->ky0) * r->kw > QS8_DW_MAX_TAPS) {
        qs8_dw_row_long(r, &gm);
        return;
    }
    switch (r->rq->rounding) {
    case TFLC_QS8_ROUND_SINGLE: qs8_dw_row_impl(r, &gm, w16, TFLC_QS8_ROUND_SINGLE); break;
    case TFLC_QS8_ROUND_DOUBLE_WRAP:
        qs8_dw_row_impl(r, &gm, w16, TFLC_QS8_ROUND_DOUBLE_WRAP);
        break;
    case TFLC_QS8_ROUND_TIES_UP: qs8_dw_row_impl(r, &gm, w16, TFLC_QS8_ROUND_TIES_UP); break;
    default: qs8_dw_row_impl(r, &gm, w16, TFLC_QS8_ROUND_DOUBLE); break;
    }
}

static const tflc_qs8_config qs8_neon_config = {
    .name = "qs8_neon",
    .isa = TFLC_ISA_NEON,
    .requant = qs8_requant_neon,
    .dw_row = qs8_dw_row_neon,
};

const tflc_qs8_config *tflc_qs8_config_neon(void) { return &qs8_neon_config; }

#else

const tflc_qs8_config *tflc_qs8_config_neon(void) { return NULL; }

#endif
