/*
 * qs8_vbinary_neon.c -- quantized ADD / SUB / MUL / SQUARED_DIFFERENCE (qs8_vbinary.h) for
 * aarch64 Advanced SIMD: 4 int32 lanes per q register, 16 elements per step; the ragged end
 * goes through a 16-element stack copy, so nothing is read or written past the arrays.
 *
 * SRDHM is one instruction here: SQRDMULH gives sat((2 * a * b + 2^31) >> 32) =
 * floor((a * b + 2^30) / 2^31), the header's "round half up" form of gemmlowp's SRDHM,
 * saturating only for (INT32_MIN, INT32_MIN), which prepare's non-negative multipliers rule
 * out. So the input stage is SQRDMULH(x * 2^L, m) itself (prepare checks |x| * 2^L < 2^31,
 * and m = mult_hi * 2^split + mult_lo, L = 31 - split - post), and the output stage
 * SQRDMULH(r << out_left, out_mult); RDPOT as the scalar loop's floor + remainder test, with
 * the shift by a negative count (SSHL) as the floor. The row forms prepare the row side
 * (its rescale, or x + offset for MUL) once per block of channels into an int32 buffer and
 * stream the block's rows past it.
 */
#include "kernels/qs8_vbinary.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#include <string.h>

#define QB_INLINE static inline __attribute__((always_inline))

/* Channels per block of the row forms: the row side's prepared int32 (1 KB) stay in L1. */
#define QB_ROW_BLOCK 256

/* The parameters broadcast once per call; shr* are the negated RDPOT exponents (SSHL by a
 * negative count shifts right, arithmetic). */
typedef struct qb_vec {
    int32x4_t off[2], m[2], shl[2], shr[2], mask[2], thr[2];
    int32x4_t out_mult, out_shl, out_shr, out_mask, out_thr, lo, hi, zp;
} qb_vec;

QB_INLINE void qb_vec_init(qb_vec *v, const tflc_qbinary_params *p) {
    for (int k = 0; k < 2; k++) {
        const tflc_qbinary_in *q = &p->in[k];   /* MUL: only offset is set (m = 0, unused) */
        v->off[k] = vdupq_n_s32(q->offset);
        v->m[k] = vdupq_n_s32((int32_t)(((uint32_t)q->mult_hi << q->split) + (uint32_t)q->mult_lo));
        v->shl[k] = vdupq_n_s32(31 - q->split - q->post);
        v->shr[k] = vdupq_n_s32(-q->right);
        v->mask[k] = vdupq_n_s32(q->mask);
        v->thr[k] = vdupq_n_s32(q->thr);
    }
    v->out_mult = vdupq_n_s32(p->out_mult);
    v->out_shl = vdupq_n_s32(p->out_left);
    v->out_shr = vdupq_n_s32(-p->out_right);
    v->out_mask = vdupq_n_s32(p->out_mask);
    v->out_thr = vdupq_n_s32(p->out_thr);
    v->lo = vdupq_n_s32(p->lo);
    v->hi = vdupq_n_s32(p->hi);
    v->zp = vdupq_n_s32(p->out_zp);
}

/* RDPOT: floor(v / 2^e) + (remainder > threshold + (v < 0)); shr = -e. */
QB_INLINE int32x4_t qb_rdpot(int32x4_t v, int32x4_t shr, int32x4_t mask, int32x4_t thr) {
    const int32x4_t rem = vandq_s32(v, mask);
    const int32x4_t t = vsubq_s32(thr, vshrq_n_s32(v, 31));
    const int32x4_t up = vreinterpretq_s32_u32(vcgtq_s32(rem, t));   /* -1 where rounding up */
    return vsubq_s32(vshlq_s32(v, shr), up);
}

/* Input k's rescale: RDPOT(SRDHM((raw + offset) * 2^L, m), right). */
QB_INLINE int32x4_t qb_in(const qb_vec *v, int k, int32x4_t raw) {
    const int32x4_t x = vaddq_s32(raw, v->off[k]);
    const int32x4_t h = vqrdmulhq_s32(vshlq_s32(x, v->shl[k]), v->m[k]);
    return qb_rdpot(h, v->shr[k], v->mask[k], v->thr[k]);
}

/* r -> clamp(MBQM(r), lo, hi) + zp; the left shift is exact (prepare's bound). */
QB_INLINE int32x4_t qb_out(const qb_vec *v, int32x4_t r) {
    const int32x4_t h = vqrdmulhq_s32(vshlq_s32(r, v->out_shl), v->out_mult);
    const int32x4_t q = qb_rdpot(h, v->out_shr, v->out_mask, v->out_thr);
    return vaddq_s32(vminq_s32(vmaxq_s32(q, v->lo), v->hi), v->zp);
}

/* 16 elements as four vectors of 4 int32. */
QB_INLINE void qb_load16(const int dt, const void *x, int32x4_t o[4]) {
    int16x8_t w0, w1;
    if (dt == TFLC_QBINARY_S16) {
        w0 = vld1q_s16((const int16_t *)x);
        w1 = vld1q_s16((const int16_t *)x + 8);
    } else if (dt == TFLC_QBINARY_S8) {
        const int8x16_t b = vld1q_s8((const int8_t *)x);
        w0 = vmovl_s8(vget_low_s8(b));
        w1 = vmovl_high_s8(b);
    } else {
        const uint8x16_t b = vld1q_u8((const uint8_t *)x);
        w0 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(b)));
        w1 = vreinterpretq_s16_u16(vmovl_high_u8(b));
    }
    o[0] = vmovl_s16(vget_low_s16(w0));
    o[1] = vmovl_high_s16(w0);
    o[2] = vmovl_s16(vget_low_s16(w1));
    o[3] = vmovl_high_s16(w1);
}

/* Values already inside the dtype's range: the saturating narrowings change nothing. */
QB_INLINE void qb_store16(const int dt, void *y, const int32x4_t o[4]) {
    const int16x8_t w0 = vcombine_s16(vqmovn_s32(o[0]), vqmovn_s32(o[1]));
    const int16x8_t w1 = vcombine_s16(vqmovn_s32(o[2]), vqmovn_s32(o[3]));
    if (dt == TFLC_QBINARY_S16) {
        vst1q_s16((int16_t *)y, w0);
        vst1q_s16((int16_t *)y + 8, w1);
    } else if (dt == TFLC_QBINARY_S8) {
        vst1q_s8((int8_t *)y, vcombine_s8(vqmovn_s16(w0), vqmovn_s16(w1)));
    } else {
        vst1q_u8((uint8_t *)y, vcombine_u8(vqmovun_s16(w0), vqmovun_s16(w1)));
    }
}

/* A side's prepared value: x + offset for MUL, the rescale for the others. */
QB_INLINE int32x4_t qb_prep(const int op, const qb_vec *v, int k, int32x4_t raw) {
    return op == TFLC_QBINARY_MUL ? vaddq_s32(raw, v->off[k]) : qb_in(v, k, raw);
}

/* 4 outputs from 4 lanes of each side; pa / pb: that side is already prepared (a scalar
 * side's constant or the row forms' row), else raw loaded values. */
QB_INLINE int32x4_t qb_op4(const int op, const int pa, const int pb, const qb_vec *v,
                           int32x4_t xa, int32x4_t xb) {
    const int32x4_t ra = pa ? xa : qb_prep(op, v, 0, xa);
    const int32x4_t rb = pb ? xb : qb_prep(op, v, 1, xb);
    if (op == TFLC_QBINARY_MUL) return qb_out(v, vmulq_s32(ra, rb));
    if (op == TFLC_QBINARY_ADD) return qb_out(v, vaddq_s32(ra, rb));
    const int32x4_t d = vsubq_s32(ra, rb);
    return qb_out(v, op == TFLC_QBINARY_SUB ? d : vmulq_s32(d, d));
}

/* 16 elements; a prepared side's four vectors come from ca / cb instead of a / b. */
QB_INLINE void qb_block16(const int op, const int dt, const int pa, const int pb,
                          const qb_vec *v, const void *a, const void *b, void *y,
                          const int32x4_t *ca, const int32x4_t *cb) {
    int32x4_t xa[4], xb[4], r[4];
    if (!pa) qb_load16(dt, a, xa);
    if (!pb) qb_load16(dt, b, xb);
    for (int i = 0; i < 4; i++)
        r[i] = qb_op4(op, pa, pb, v, pa ? ca[i] : xa[i], pb ? cb[i] : xb[i]);
    qb_store16(dt, y, r);
}

/* The same 16 elements through zero-padded copies of the first m < 16 (a ragged end). */
QB_INLINE void qb_tail16(const int op, const int dt, const int pa, const int pb,
                         const qb_vec *v, size_t m, const void *a, const void *b, void *y,
                         const int32x4_t *ca, const int32x4_t *cb) {
    const size_t bytes = m * (dt == TFLC_QBINARY_S16 ? 2 : 1);
    int16_t ta[16] = {0}, tb[16] = {0}, ty[16];
    if (!pa) memcpy(ta, a, bytes);
    if (!pb) memcpy(tb, b, bytes);
    qb_block16(op, dt, pa, pb, v, ta, tb, ty, ca, cb);
    memcpy(y, ty, bytes);
}

QB_INLINE int32_t qb_load1(const int dt, const void *x) {
    return dt == TFLC_QBINARY_S8 ? ((const int8_t *)x)[0]
           : dt == TFLC_QBINARY_U8 ? ((const uint8_t *)x)[0]
                                   : ((const int16_t *)x)[0];
}

QB_INLINE void qbinary(const int op, const int dt, const int form, size_t n, const void *a,
                       const void *b, void *y, const tflc_qbinary_params *p) {
    const int sa = form == TFLC_QBINARY_SV, sb = form == TFLC_QBINARY_VS;
    const size_t es = dt == TFLC_QBINARY_S16 ? 2 : 1;
    qb_vec v;
    qb_vec_init(&v, p);
    /* a scalar side, prepared once (the same vector code) */
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t sva = sa ? qb_prep(op, &v, 0, vdupq_n_s32(qb_load1(dt, a))) : zero;
    const int32x4_t svb = sb ? qb_prep(op, &v, 1, vdupq_n_s32(qb_load1(dt, b))) : zero;
    const int32x4_t ca[4] = {sva, sva, sva, sva}, cb[4] = {svb, svb, svb, svb};
    const char *pa = a, *pb = b;
    char *py = y;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        qb_block16(op, dt, sa, sb, &v, pa + (sa ? 0 : i * es), pb + (sb ? 0 : i * es),
                   py + i * es, ca, cb);
    if (i < n)
        qb_tail16(op, dt, sa, sb, &v, n - i, pa + (sa ? 0 : i * es), pb + (sb ? 0 : i * es),
                  py + i * es, ca, cb);
}

/* The row forms: per block of QB_ROW_BLOCK channels, the row's prepared values once (the
 * lanes past n computed from zeros, never used), then each row of the block against them.
 * y may be the block: each 16 elements are read before they are written. */
QB_INLINE void qbinary_rows(const int op, const int dt, const int form, size_t rows, size_t n,
                            const void *a, const void *b, void *y,
                            const tflc_qbinary_params *p) {
    const size_t es = dt == TFLC_QBINARY_S16 ? 2 : 1;
    const int ra = form == TFLC_QBINARY_RV, rk = ra ? 0 : 1;   /* the row side and its input */
    const char *blk = ra ? b : a, *row = ra ? a : b;
    char *py = y;
    qb_vec v;
    qb_vec_init(&v, p);
    int32_t prep[QB_ROW_BLOCK];
    for (size_t c0 = 0; c0 < n; c0 += QB_ROW_BLOCK) {
        const size_t w = n - c0 < QB_ROW_BLOCK ? n - c0 : QB_ROW_BLOCK;
        for (size_t j = 0; j < w; j += 16) {
            int32x4_t x[4];
            if (w - j >= 16) {
                qb_load16(dt, row + (c0 + j) * es, x);
            } else {
                int16_t t[16] = {0};
                memcpy(t, row + (c0 + j) * es, (w - j) * es);
                qb_load16(dt, t, x);
            }
            for (int i = 0; i < 4; i++) vst1q_s32(prep + j + 4 * i, qb_prep(op, &v, rk, x[i]));
        }
        for (size_t r = 0; r < rows; r++) {
            const char *src = blk + (r * n + c0) * es;
            char *dst = py + (r * n + c0) * es;
            for (size_t j = 0; j < w; j += 16) {
                const int32x4_t c[4] = {vld1q_s32(prep + j), vld1q_s32(prep + j + 4),
                                        vld1q_s32(prep + j + 8), vld1q_s32(prep + j + 12)};
                const char *x = src + j * es;
                if (w - j >= 16) qb_block16(op, dt, ra, !ra, &v, x, x, dst + j * es, c, c);
                else qb_tail16(op, dt, ra, !ra, &v, w - j, x, x, dst + j * es, c, c);
            }
        }
    }
}

_Static_assert(QB_ROW_BLOCK % 16 == 0, "the row forms read the prepared row 16 at a time");

TFLC_QBINARY_ENTRY_POINTS(neon)
TFLC_QBINARY_ROWS_ENTRY_POINTS(neon)

static const tflc_qbinary_config neon_config = {
    .name = "qs8_vbinary_neon",
    .isa = TFLC_ISA_NEON,
    .fn = TFLC_QBINARY_FN_TABLE(neon),
    .rows = TFLC_QBINARY_ROWS_TABLE(neon),
};

const tflc_qbinary_config *tflc_qbinary_config_neon(void) { return &neon_config; }

#else

const tflc_qbinary_config *tflc_qbinary_config_neon(void) { return NULL; }

#endif
