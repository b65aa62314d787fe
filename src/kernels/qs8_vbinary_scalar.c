/*
 * qs8_vbinary_scalar.c -- the parameter set-up of the quantized ADD / SUB / MUL kernels
 * (qs8_vbinary.h), their portable loops (the specification the SIMD configs are tested
 * against, itself tested against ops/elementwise_binary.c's formulas), and the choice of
 * config.
 */
#include "kernels/qs8_vbinary.h"

#include <pthread.h>

/* ------------------------------------------------------------------ prepare -- */

static void dtype_range(tflc_qbinary_dtype d, int32_t *lo, int32_t *hi) {
    *lo = d == TFLC_QBINARY_S8 ? INT8_MIN : (d == TFLC_QBINARY_U8 ? 0 : INT16_MIN);
    *hi = d == TFLC_QBINARY_S8 ? INT8_MAX : (d == TFLC_QBINARY_U8 ? UINT8_MAX : INT16_MAX);
}

/* Largest |v + offset| over the dtype's values. */
static int64_t max_abs_x(tflc_qbinary_dtype d, int32_t offset) {
    int32_t lo, hi;
    dtype_range(d, &lo, &hi);
    int64_t a = (int64_t)lo + offset, b = (int64_t)hi + offset;
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    return a > b ? a : b;
}

static bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* RDPOT's exponent clamped as gemmlowp's caller does (e > 31 acts as 31), its mask and
 * threshold. */
static void set_right(int e, int *right, int32_t *mask, int32_t *thr) {
    e = e < 0 ? 0 : (e > 31 ? 31 : e);
    *right = e;
    *mask = (int32_t)((INT64_C(1) << e) - 1);
    *thr = *mask >> 1;
}

/* Input k of ADD/SUB/SQDIFF. x = v + offset has |x| * 2^L < 2^31, so SRDHM(x * 2^L, m) is
 * the exact x * m / 2^(31-L) rounded half up: floor((x * m + 2^(30-L)) / 2^(31-L)). With
 * m = mh * 2^s + ml that is floor((x * mh + floor((x * ml + 2^(30-L)) / 2^s)) / 2^t),
 * t = 31 - L - s (nested floors of positive divisors). s = min(31 - L, 11), 16 for int16's
 * L = 15 (t = 0 there); every 32-bit step is checked at both ends of x's range (each is
 * monotonic in x). Returns a bound on |s_k|, or -1 when not exact. */
static int64_t prepare_input(const tflc_qbinary_spec *s, int k, tflc_qbinary_in *q) {
    const int L = s->left_shift;
    const int64_t xabs = max_abs_x(s->dtype, s->in_offset[k]);
    if (L < 1 || L > 30 || s->in_mult[k] < 0 || s->in_shift[k] > 0) return -1;
    if ((xabs << L) > INT32_MAX) return -1;
    const int split = 31 - L < 11 ? 31 - L : (L == 15 ? 16 : 11);
    q->offset = s->in_offset[k];
    q->split = split;
    q->post = 31 - L - split;
    q->mult_hi = s->in_mult[k] >> split;
    q->mult_lo = s->in_mult[k] & (int32_t)((INT64_C(1) << split) - 1);
    q->round = (int32_t)(INT64_C(1) << (30 - L));
    int32_t lo, hi;
    dtype_range(s->dtype, &lo, &hi);
    const int64_t x_end[2] = {(int64_t)lo + q->offset, (int64_t)hi + q->offset};
    for (int e = 0; e < 2; e++) {
        const int64_t low = x_end[e] * q->mult_lo + q->round, high = x_end[e] * q->mult_hi;
        if (!fits_i32(low) || !fits_i32(high) || !fits_i32(high + (low >> split))) return -1;
    }
    set_right(-s->in_shift[k], &q->right, &q->mask, &q->thr);
    /* |SRDHM| <= |x| * 2^L * m / 2^31 rounded, then the division rounded */
    return ((((xabs << L) * s->in_mult[k]) >> 31) >> q->right) + 2;
}

/* r is bounded by r_max: the reference's saturating left shift then never saturates, and
 * SRDHM's one saturating case needs a negative multiplier. */
static bool prepare_output(const tflc_qbinary_spec *s, int64_t r_max, tflc_qbinary_params *p) {
    if (r_max > INT32_MAX || s->out_mult < 0) return false;
    const int left = s->out_shift > 0 ? s->out_shift : 0;
    if (left > 30 || (r_max << left) > INT32_MAX) return false;
    p->out_mult = s->out_mult;
    p->out_left = left;
    set_right(-s->out_shift, &p->out_right, &p->out_mask, &p->out_thr);
    p->out_zp = s->out_zp;
    p->lo = s->lo - s->out_zp;     /* both in the dtype's range: no overflow */
    p->hi = s->hi - s->out_zp;
    /* out_right >= 1 means left = 0; |SRDHM(r, m)| <= (r_max * m + 2^30) / 2^31 < h_max */
    const int64_t h_max = ((r_max * s->out_mult) >> 31) + 1;
    p->fold = p->out_right >= 1 && h_max + (INT64_C(1) << (p->out_right - 1)) + 1 <= INT32_MAX;
    return s->lo <= s->hi;
}

/* p->mul_split for an 8-bit MUL (see qs8_vbinary.h): x the block side, B the row side,
 * K = B * out_mult = Kh * 2^16 + Kl with |Kl| <= 2^15; every partial sum of
 * x*Kh + floor(x*Kl / 2^16) + 2^14 + 2^(14+e) + zp * 2^(15+e) - 2^15 inside int32, x a word
 * for vpmaddwd (|x*Kl| <= 2^30) and a shift of 15 + e <= 31. Either side may be the block. */
static bool mul_split_ok(const tflc_qbinary_spec *s, const tflc_qbinary_params *p) {
    if (s->op != TFLC_QBINARY_MUL || s->dtype == TFLC_QBINARY_S16 || !p->fold ||
        p->out_right < 1 || p->out_right > 16)
        return false;
    const int64_t m0 = max_abs_x(s->dtype, s->in_offset[0]), m1 = max_abs_x(s->dtype, s->in_offset[1]);
    const int64_t xmax = m0 > m1 ? m0 : m1;           /* both sides bound x and B alike */
    if (xmax >= 32768) return false;
    const int64_t e = p->out_right;
    const int64_t kh = ((xmax * p->out_mult) >> 16) + 1;    /* |Kh| <= |K| / 2^16 + 1/2 */
    const int64_t w = xmax * kh + xmax;                     /* |x*Kh + floor(x*Kl / 2^16)| */
    const int64_t zp = p->out_zp < 0 ? -(int64_t)p->out_zp : p->out_zp;
    const int64_t c = (INT64_C(1) << 14) + (INT64_C(1) << (14 + e)) + zp * (INT64_C(1) << (15 + e)) +
                      (INT64_C(1) << 15);
    return w + c <= INT32_MAX;
}

bool tflc_qbinary_prepare(const tflc_qbinary_spec *s, tflc_qbinary_params *p) {
    if ((unsigned)s->op >= TFLC_QBINARY_OP_COUNT || (unsigned)s->dtype >= TFLC_QBINARY_DTYPE_COUNT)
        return false;
    *p = (tflc_qbinary_params){0};
    int64_t r_max;
    if (s->op == TFLC_QBINARY_MUL) {
        p->in[0].offset = s->in_offset[0];
        p->in[1].offset = s->in_offset[1];
        r_max = max_abs_x(s->dtype, s->in_offset[0]) * max_abs_x(s->dtype, s->in_offset[1]);
    } else {
        const int64_t b0 = prepare_input(s, 0, &p->in[0]), b1 = prepare_input(s, 1, &p->in[1]);
        if (b0 < 0 || b1 < 0) return false;
        r_max = b0 + b1;
        if (s->op == TFLC_QBINARY_SQDIFF) r_max = r_max > INT32_MAX ? r_max : r_max * r_max;
    }
    if (!prepare_output(s, r_max, p)) return false;
    p->mul_split = mul_split_ok(s, p);
    return true;
}

/* -------------------------------------------------------------------- loops -- */

/* floor(v / 2^e) without shifting a negative value. */
static inline int32_t floor_shift(int32_t v, int e) { return v >= 0 ? v >> e : ~(~v >> e); }

static inline int64_t floor_shift64(int64_t v, int e) { return v >= 0 ? v >> e : ~(~v >> e); }

static inline int32_t rdpot(int32_t v, int e, int32_t mask, int32_t thr) {
    const int32_t rem = v & mask;
    return floor_shift(v, e) + (rem > thr + (v < 0) ? 1 : 0);
}

static inline int32_t in_rescale(const tflc_qbinary_in *q, int32_t v) {
    const int32_t x = v + q->offset;
    const int32_t h = floor_shift(x * q->mult_hi + floor_shift(x * q->mult_lo + q->round, q->split),
                                  q->post);
    return rdpot(h, q->right, q->mask, q->thr);
}

static inline int32_t out_stage(const tflc_qbinary_params *p, int32_t r) {
    const int32_t x = (int32_t)((uint32_t)r << p->out_left);     /* exact: prepare's bound */
    const int32_t h = (int32_t)floor_shift64((int64_t)x * p->out_mult + (INT64_C(1) << 30), 31);
    int32_t v = rdpot(h, p->out_right, p->out_mask, p->out_thr);
    v = v < p->lo ? p->lo : (v > p->hi ? p->hi : v);
    return v + p->out_zp;
}

static inline int32_t load(const int dt, const void *x, size_t i) {
    if (dt == TFLC_QBINARY_S8) return ((const int8_t *)x)[i];
    if (dt == TFLC_QBINARY_U8) return ((const uint8_t *)x)[i];
    return ((const int16_t *)x)[i];
}

static inline void store(const int dt, void *y, size_t i, int32_t v) {
    if (dt == TFLC_QBINARY_S8) ((int8_t *)y)[i] = (int8_t)v;
    else if (dt == TFLC_QBINARY_U8) ((uint8_t *)y)[i] = (uint8_t)v;
    else ((int16_t *)y)[i] = (int16_t)v;
}

/* op, dt and form are constants in every instance below. A scalar side is rescaled once. */
static inline __attribute__((always_inline)) void qbinary(const int op, const int dt,
                                                          const int form, size_t n,
                                                          const void *a, const void *b,
                                                          void *y, const tflc_qbinary_params *p) {
    const int sa = form == TFLC_QBINARY_SV, sb = form == TFLC_QBINARY_VS;
    if (op == TFLC_QBINARY_MUL) {
        const int32_t ca = sa ? load(dt, a, 0) + p->in[0].offset : 0;
        const int32_t cb = sb ? load(dt, b, 0) + p->in[1].offset : 0;
        for (size_t i = 0; i < n; i++) {
            const int32_t xa = sa ? ca : load(dt, a, i) + p->in[0].offset;
            const int32_t xb = sb ? cb : load(dt, b, i) + p->in[1].offset;
            store(dt, y, i, out_stage(p, xa * xb));
        }
        return;
    }
    const int32_t ca = sa ? in_rescale(&p->in[0], load(dt, a, 0)) : 0;
    const int32_t cb = sb ? in_rescale(&p->in[1], load(dt, b, 0)) : 0;
    for (size_t i = 0; i < n; i++) {
        const int32_t xa = sa ? ca : in_rescale(&p->in[0], load(dt, a, i));
        const int32_t xb = sb ? cb : in_rescale(&p->in[1], load(dt, b, i));
        const int32_t d = xa - xb;
        store(dt, y, i, out_stage(p, op == TFLC_QBINARY_ADD ? xa + xb
                                     : op == TFLC_QBINARY_SUB ? d : d * d));
    }
}


/* The row forms row by row through the VV loop (the row side is recomputed per row). */
static inline __attribute__((always_inline)) void qbinary_rows(const int op, const int dt,
                                                               const int form, size_t rows,
                                                               size_t n, const void *a,
                                                               const void *b, void *y,
                                                               const tflc_qbinary_params *p) {
    const size_t es = dt == TFLC_QBINARY_S16 ? 2 : 1;
    const char *pa = a, *pb = b;
    char *py = y;
    for (size_t r = 0; r < rows; r++) {
        const size_t o = r * n * es;
        qbinary(op, dt, TFLC_QBINARY_VV, n, form == TFLC_QBINARY_RV ? pa : pa + o,
                form == TFLC_QBINARY_VR ? pb : pb + o, py + o, p);
    }
}

TFLC_QBINARY_ENTRY_POINTS(scalar)
TFLC_QBINARY_ROWS_ENTRY_POINTS(scalar)

static const tflc_qbinary_config scalar_config = {
    .name = "qs8_vbinary_scalar",
    .isa = TFLC_ISA_SCALAR,
    .fn = TFLC_QBINARY_FN_TABLE(scalar),
    .rows = TFLC_QBINARY_ROWS_TABLE(scalar),
};

const tflc_qbinary_config *tflc_qbinary_config_scalar(void) { return &scalar_config; }

/* ------------------------------------------------------------------ config -- */

const tflc_qbinary_config *tflc_qbinary_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_qbinary_config_scalar();
    case TFLC_ISA_AVX2: return tflc_qbinary_config_avx2();
    case TFLC_ISA_AVX512: return tflc_qbinary_config_avx512();
    case TFLC_ISA_NEON: return tflc_qbinary_config_neon();
    default: return NULL;
    }
}

static const tflc_qbinary_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void choose_config(void) {
    for (int isa = (int)tflc_cpu_isa(); isa >= 0 && !best_config; isa--)
        best_config = tflc_qbinary_config_for((tflc_isa)isa);
    if (!best_config) best_config = &scalar_config;
    const tflc_qbinary_config *vbmi = tflc_qbinary_config_avx512vbmi();
    if (vbmi && best_config->isa == TFLC_ISA_AVX512) best_config = vbmi;
}

const tflc_qbinary_config *tflc_qbinary_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}
