/*
 * qs8_ops_scalar.c -- the portable int8 operator kernels (qs8_ops.h), the specification of
 * the others: requantization written from TFLite's and ruy's definitions, and the depthwise
 * row as the plain loop. Accumulation in uint32_t, so wrapping is defined behaviour.
 */
#include "kernels/qs8_ops.h"

/* ------------------------------------------------------------ requantization -- */

/* gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties up. */
static int32_t qs8_doubling_high_mul(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* gemmlowp's RoundingDivideByPOT: x / 2^e, to nearest, ties away from zero; e in [0, 31]. */
static int32_t qs8_rounding_shift(int32_t x, int e) {
    if (e <= 0) return x;
    int64_t mask = (INT64_C(1) << e) - 1;
    int64_t floor_q = ((int64_t)x - (x & mask)) / (INT64_C(1) << e);
    int64_t remainder = x & mask, threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (int32_t)(floor_q + (remainder > threshold ? 1 : 0));
}

/* The requantized value before the zero point (qs8_ops.h gives the formulas). */
static int32_t qs8_scale(int32_t x, int32_t m, int32_t s, tflc_qs8_rounding rounding) {
    if (s > 64) s = 64;
    if (s < -64) s = -64;
    if (rounding == TFLC_QS8_ROUND_SINGLE) {
        int total = 31 - s;
        if (total < 1) total = 1;
        if (total > 62) total = 62;
        int64_t r = (int64_t)x * m + (INT64_C(1) << (total - 1));
        return (int32_t)(uint32_t)(uint64_t)(r >> total);
    }
    const int right = s < 0 ? (s < -31 ? 31 : -s) : 0;
    if (rounding == TFLC_QS8_ROUND_TIES_UP) {
        const int left = s > 0 ? (s > 31 ? 31 : s) : 0;
        const int32_t xs = (int32_t)(uint32_t)((uint64_t)(int64_t)x << left);
        const int64_t p = (int64_t)xs * m + (INT64_C(1) << 30);
        const int64_t h = p >= 0 ? p >> 31 : -((-p - 1) >> 31) - 1;          /* floor */
        const int64_t v = h + (right > 0 ? INT64_C(1) << (right - 1) : 0);
        return (int32_t)(v >= 0 ? v >> right : -((-v - 1) >> right) - 1);   /* floor */
    }
    int32_t xs;
    if (rounding == TFLC_QS8_ROUND_DOUBLE) {
        const int left = s > 0 ? (s > 32 ? 32 : s) : 0;
        int64_t v = (int64_t)x * (INT64_C(1) << left);
        xs = v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
    } else {
        const int left = s > 0 ? (s > 31 ? 31 : s) : 0;
        xs = (int32_t)(uint32_t)((uint64_t)(int64_t)x << left);
    }
    return qs8_rounding_shift(qs8_doubling_high_mul(xs, m), right);
}

static int8_t qs8_requant_one(int32_t x, const tflc_qs8_requant *rq, size_t c) {
    const tflc_qs8_rounding rounding =
        rq->double_from != 0 && c >= rq->double_from ? TFLC_QS8_ROUND_DOUBLE : rq->rounding;
    int64_t v = (int64_t)qs8_scale(x, rq->multiplier[c], rq->shift[c], rounding) +
                rq->out_zero_point;
    return (int8_t)(v < rq->lo ? rq->lo : (v > rq->hi ? rq->hi : v));
}

static void qs8_requant_scalar(size_t rows, size_t n, const int32_t *acc, size_t ldacc,
                               const tflc_qs8_requant *rq, size_t c0, int8_t *out, size_t ldo) {
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < n; j++)
            out[i * ldo + j] = qs8_requant_one(acc[i * ldacc + j], rq, c0 + j);
}

/* ---------------------------------------------------------------- depthwise -- */

#define QS8_DW_BLOCK 64

static void qs8_dw_row_scalar(const tflc_qs8_dw_row *r) {
    const size_t C = r->channels;
    for (int32_t ox = 0; ox < r->out_w; ox++) {
        const int64_t x0 = (int64_t)ox * r->stride_x - r->pad_x;
        int32_t kx0, kx1;
        tflc_qs8_taps(x0, r->in_w, r->kw, r->dil_x, &kx0, &kx1);
        for (size_t c0 = 0; c0 < C; c0 += QS8_DW_BLOCK) {
            const size_t cn = C - c0 < QS8_DW_BLOCK ? C - c0 : QS8_DW_BLOCK;
            uint32_t acc[QS8_DW_BLOCK];
            for (size_t c = 0; c < cn; c++) acc[c] = r->bias ? (uint32_t)r->bias[c0 + c] : 0u;
            for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
                const int64_t iy = r->iy0 + (int64_t)ky * r->dil_y;
                for (int32_t kx = kx0; kx < kx1; kx++) {
                    const int64_t ix = x0 + (int64_t)kx * r->dil_x;
                    const int8_t *x = r->in + ((size_t)iy * (size_t)r->in_w + (size_t)ix) * C + c0;
                    const int8_t *w = r->w + ((size_t)ky * (size_t)r->kw + (size_t)kx) * C + c0;
                    for (size_t c = 0; c < cn; c++)
                        acc[c] += (uint32_t)(((int32_t)x[c] - r->in_zero_point) * (int32_t)w[c]);
                }
            }
            int8_t *o = r->out + (size_t)ox * C + c0;
            for (size_t c = 0; c < cn; c++) o[c] = qs8_requant_one((int32_t)acc[c], r->rq, c0 + c);
        }
    }
}

static const tflc_qs8_config qs8_scalar_config = {
    .name = "qs8_scalar",
    .isa = TFLC_ISA_SCALAR,
    .requant = qs8_requant_scalar,
    .dw_row = qs8_dw_row_scalar,
};

const tflc_qs8_config *tflc_qs8_config_scalar(void) { return &qs8_scalar_config; }
