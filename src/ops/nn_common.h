/*
 * nn_common.h -- what the nn family's kernels share (fully_connected.c, softmax.c,
 * batch_matmul.c, l2_norm.c, local_response_norm.c, resize.c, lstm.c, rnn.c):
 *
 *   the kernel objects table_nn.c lists, and the builtin codes and option slots of schema.fbs
 *     that format/schema.h does not name yet;
 *   TFLite's fixed-point arithmetic (QuantizeMultiplier, MultiplyByQuantizedMultiplier in its
 *     32- and 64-bit forms), written from TFLite's definitions so results match bit for bit;
 *   checks of a quantized tensor's parameters;
 *   the hybrid ("dynamic range") helpers: per-row quantization of float activations to int8
 *     (symmetric or asymmetric, as tensor_utils' SymmetricQuantizeFloats and
 *     AsymmetricQuantizeFloats) and the int8 matrix x batch-of-vectors product that
 *     accumulates into float, in the order TFLite rounds.
 *
 * Private to src/ops. Functions that fail call tflc_node_fail.
 */
#ifndef TFLC_OPS_NN_COMMON_H
#define TFLC_OPS_NN_COMMON_H

#include "ops/ops.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>   /* x86-64 baseline: the hybrid quantizers' loops */
#endif

/* ------------------------------------------------------------- kernels -- */

extern const tflc_kernel tflc_kernel_l2_normalization;        /* l2_norm.c */
extern const tflc_kernel tflc_kernel_local_response_norm;     /* local_response_norm.c */
extern const tflc_kernel tflc_kernel_resize_bilinear;         /* resize.c */
extern const tflc_kernel tflc_kernel_resize_nearest_neighbor;
extern const tflc_kernel tflc_kernel_unidirectional_lstm;     /* lstm.c */
extern const tflc_kernel tflc_kernel_bidirectional_lstm;
extern const tflc_kernel tflc_kernel_unidirectional_rnn;      /* rnn.c */

/* ------------------------------------------------------ schema additions -- */

/* BuiltinOperator values of the nn family (schema.fbs). */
enum {
    NN_OPC_L2_NORMALIZATION = 11, NN_OPC_LOCAL_RESPONSE_NORMALIZATION = 13,
    NN_OPC_RESIZE_BILINEAR = 23, NN_OPC_UNIDIRECTIONAL_SEQUENCE_RNN = 35,
    NN_OPC_UNIDIRECTIONAL_SEQUENCE_LSTM = 44, NN_OPC_BIDIRECTIONAL_SEQUENCE_LSTM = 52,
    NN_OPC_RESIZE_NEAREST_NEIGHBOR = 97, NN_OPC_BATCH_MATMUL = 126
};

/* Option table slots (field positions in schema.fbs). */
enum { BMM_OPT_ADJ_X = 0, BMM_OPT_ADJ_Y = 1, BMM_OPT_ASYMMETRIC_QUANTIZE_INPUTS = 2 };
enum { L2NORM_OPT_ACTIVATION = 0 };
enum { LRN_OPT_RADIUS = 0, LRN_OPT_BIAS = 1, LRN_OPT_ALPHA = 2, LRN_OPT_BETA = 3 };
enum { RESIZE_BILINEAR_OPT_ALIGN_CORNERS = 2, RESIZE_BILINEAR_OPT_HALF_PIXEL = 3 };
enum { RESIZE_NN_OPT_ALIGN_CORNERS = 0, RESIZE_NN_OPT_HALF_PIXEL = 1 };
enum { ULSTM_OPT_ACTIVATION = 0, ULSTM_OPT_CELL_CLIP = 1, ULSTM_OPT_PROJ_CLIP = 2,
       ULSTM_OPT_TIME_MAJOR = 3, ULSTM_OPT_ASYMMETRIC_QUANTIZE_INPUTS = 4,
       ULSTM_OPT_DIAGONAL_RECURRENT = 5 };
enum { BLSTM_OPT_ACTIVATION = 0, BLSTM_OPT_CELL_CLIP = 1, BLSTM_OPT_PROJ_CLIP = 2,
       BLSTM_OPT_MERGE_OUTPUTS = 3, BLSTM_OPT_TIME_MAJOR = 4,
       BLSTM_OPT_ASYMMETRIC_QUANTIZE_INPUTS = 5 };
enum { SEQRNN_OPT_TIME_MAJOR = 0, SEQRNN_OPT_ACTIVATION = 1,
       SEQRNN_OPT_ASYMMETRIC_QUANTIZE_INPUTS = 2 };

/* --------------------------------------------------------- fixed point -- */

/* TFLite's QuantizeMultiplier: m ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31);
 * multipliers under 2^-31 flush to 0 and shifts over 30 saturate, as TFLite does. */
static inline void nn_quantize_multiplier(double m, int32_t *multiplier, int *shift) {
    if (m == 0.0 || !isfinite(m)) { *multiplier = 0; *shift = 0; return; }
    int e = 0;
    double q = frexp(m, &e);                          /* m = q * 2^e, |q| in [0.5, 1) */
    int64_t fixed = (int64_t)round(q * 2147483648.0);
    if (fixed == INT64_C(2147483648)) { fixed /= 2; e++; }
    if (e < -31) { e = 0; fixed = 0; }
    if (e > 30) { e = 30; fixed = INT64_C(2147483647); }
    *multiplier = (int32_t)fixed;
    *shift = e;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties away from zero. */
static inline int32_t nn_doubling_high_mul(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));    /* C division truncates */
}

/* gemmlowp's RoundingDivideByPOT: x / 2^e rounded to nearest, ties away from zero. */
static inline int32_t nn_rounding_shift_right(int32_t x, int e) {
    if (e <= 0) return x;
    int32_t mask = (int32_t)((INT64_C(1) << e) - 1);
    int32_t remainder = (int32_t)((uint32_t)x & (uint32_t)mask);
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    int32_t floor_q = x >= 0 ? x >> e : ~(~x >> e);      /* floor without shifting negatives */
    return floor_q + (remainder > threshold ? 1 : 0);
}

/* TFLite's MultiplyByQuantizedMultiplier(int32) (double rounding). Its left shift wraps in
 * 32 bits, as TFLite's `x * (1 << left_shift)` does on every target it ships for. */
static inline int32_t nn_mul_by_qm(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t xs = (int32_t)(uint32_t)((uint64_t)(int64_t)x << (left > 31 ? 31 : left));
    return nn_rounding_shift_right(nn_doubling_high_mul(xs, multiplier), right);
}

/* TFLite's MultiplyByQuantizedMultiplier(int64): the multiplier is reduced to 16 bits and
 * applied with one rounding (ties up). x must lie in (-2^47, 2^47) (TFLite's contract). */
static inline int32_t nn_mul_by_qm64(int64_t x, int32_t multiplier, int shift) {
    const int64_t limit = INT64_C(1) << 47;
    if (x >= limit) x = limit - 1;                   /* outside TFLite's contract: saturate */
    if (x < -limit) x = -limit;
    int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    int total_shift = 15 - shift;
    if (total_shift < 1) total_shift = 1;            /* shift < 8 by contract; keep UB out */
    if (total_shift > 62) total_shift = 62;
    int64_t r = x * (int64_t)reduced + (INT64_C(1) << (total_shift - 1));
    return (int32_t)(r >> total_shift);              /* arithmetic shift, as TFLite's */
}

/* ruy's portable MultiplyByQuantizedMultiplier, which LiteRT's builtin uint8 FULLY_CONNECTED
 * reaches through its GEMM: x * multiplier * 2^(shift - 31) with one rounding (ties up).
 * (int8 goes through ruy's x86 kernels: nn_mul_by_qm_ties_up.) */
static inline int32_t nn_mul_by_qm_single(int32_t x, int32_t multiplier, int shift) {
    int total_shift = 31 - shift;
    if (total_shift < 1) total_shift = 1;            /* shift <= 30 (QuantizeMultiplier) */
    if (total_shift > 62) total_shift = 62;
    int64_t r = (int64_t)x * multiplier + (INT64_C(1) << (total_shift - 1));
    return (int32_t)(r >> total_shift);
}

/* MultiplyByQuantizedMultiplier as LiteRT's x86 int8 kernels compute it (ruy's AVX2 and
 * AVX-512 GEMM kernels behind CONV_2D and FULLY_CONNECTED, TFLite's AVX2 Quantize behind
 * DEPTHWISE_CONV_2D and TRANSPOSE_CONV): both roundings ties up,
 *   h = (x * 2^left * m + 2^30) >> 31 (the left shift wrapping in 32 bits as vpsllvd does),
 *   then (h + 2^(right-1)) >> right, exactly (those kernels give 2^(31-right) where the sum
 *   would overflow int32, which is the same value),
 * with >> a floor. It differs from nn_mul_by_qm on negative ties of the second rounding.
 * The same arithmetic as kernels/qs8_ops.h's TFLC_QS8_ROUND_TIES_UP; conv_common.h
 * includes this header for the convolutions. */
static inline int32_t nn_mul_by_qm_ties_up(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? (shift > 31 ? 31 : shift) : 0, right = shift < 0 ? -shift : 0;
    if (right > 31) right = 31;
    int32_t xs = (int32_t)((uint32_t)x << left);
    int64_t p = (int64_t)xs * multiplier + (INT64_C(1) << 30);
    int64_t h = p >= 0 ? p >> 31 : ~(~p >> 31);                /* floor without shifting < 0 */
    int64_t v = h + (right > 0 ? INT64_C(1) << (right - 1) : 0);
    return (int32_t)(v >= 0 ? v >> right : ~(~v >> right));
}

/* round(acc * scale) in double, TFLite's int16 FULLY_CONNECTED rescale; saturated to int32
 * where C++'s conversion would be undefined. */
static inline int32_t nn_scale_round_f64(int64_t acc, double scale) {
    double v = round((double)acc * scale);
    return v >= 2147483647.0 ? INT32_MAX : (v <= -2147483648.0 ? INT32_MIN : (int32_t)v);
}

static inline int32_t nn_clamp_i32(int64_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* ------------------------------------------------------- quantized data -- */

static inline int32_t nn_load_q(const void *data, size_t i, tflc_dtype dtype) {
    switch (dtype) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

static inline void nn_store_q(void *data, size_t i, tflc_dtype dtype, int32_t v) {
    switch (dtype) {
    case TFLC_INT8: ((int8_t *)data)[i] = (int8_t)v; break;
    case TFLC_UINT8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    default: ((int16_t *)data)[i] = (int16_t)v; break;
    }
}

static inline bool nn_is_qint(tflc_dtype dtype) {
    return dtype == TFLC_INT8 || dtype == TFLC_UINT8 || dtype == TFLC_INT16;
}

/* Per-tensor quantization of t: checks that the tensor has parameters, that the scale is
 * finite and > 0 and the zero point fits t's dtype; writes them. With `allow_channels` a
 * per-channel tensor passes too (its first scale and zero point are written; every scale
 * and zero point is checked). `role` names the tensor in messages ("input 0"). */
static inline tflc_status nn_quant_params(tflc_node *node, const tflc_tensor *t,
                                          const char *role, bool allow_channels, float *scale,
                                          int32_t *zero_point) {
    const tflc_quantization *q = tflc_ops_quant(t);
    int32_t lo, hi;
    if (!q)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%s (%s) has no quantization parameters", role,
                              tflc_dtype_name(t->dtype));
    if (q->count != 1 && !allow_channels)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s has %d scales; only per-tensor quantization is supported", role,
                              q->count);
    if (!tflc_ops_int_range(t->dtype, &lo, &hi)) { lo = INT32_MIN; hi = INT32_MAX; }
    for (int i = 0; i < q->count; i++) {
        int64_t zp = tflc_ops_zero_point(q, i);
        float s = q->scales[i];
        if (zp < lo || zp > hi)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "%s zero point %lld is outside the %s range", role,
                                  (long long)zp, tflc_dtype_name(t->dtype));
        if (!isfinite(s) || !(s > 0.0f))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s scale %g is not valid",
                                  role, (double)s);
    }
    *scale = q->scales[0];
    *zero_point = (int32_t)tflc_ops_zero_point(q, 0);
    return TFLC_OK;
}

/* Per-channel weights: when t has more than one scale, checks that there is one per index of
 * dimension `dim`, that quantized_dimension is `dim` and that every zero point is 0 (TFLite
 * ignores per-channel weight zero points); *channels is that count (1 when per-tensor). */
static inline tflc_status nn_channel_quant(tflc_node *node, const tflc_tensor *t,
                                           const char *role, int dim, int32_t *channels) {
    const tflc_quantization *q = tflc_ops_quant(t);
    *channels = 1;
    if (!q || q->count == 1) return TFLC_OK;
    if (dim < 0 || dim >= t->rank || q->quantized_dimension != dim || q->count != t->dims[dim]) {
        char st[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%s has %d scales along dimension %d; expected one per index of "
                              "dimension %d of its shape %s",
                              role, q->count, q->quantized_dimension, dim,
                              tflc_ops_shape_str(t->dims, t->rank, st, sizeof st));
    }
    for (int i = 0; i < q->count; i++)
        if (tflc_ops_zero_point(q, i) != 0)
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                                  "%s is per-channel with a non-zero zero point", role);
    *channels = q->count;
    return TFLC_OK;
}

/* TFLite's CalculateActivationRangeQuantized: the clamp range of a fused RELU family
 * activation on quantized outputs, q(f) = zero_point + round(f / scale), within the dtype's
 * range. TANH and SIGN_BIT are not fusable into quantized outputs. */
static inline tflc_status nn_act_range_q(tflc_node *node, int act, tflc_dtype dtype, float scale,
                                         int32_t zero_point, int32_t *lo, int32_t *hi) {
    int32_t qmin, qmax;
    tflc_ops_int_range(dtype, &qmin, &qmax);
    *lo = qmin;
    *hi = qmax;
#define NN_Q(f) ((int64_t)zero_point + (int64_t)roundf((f) / scale))
    switch (act) {
    case ACT_NONE: return TFLC_OK;
    case ACT_RELU: *lo = nn_clamp_i32(NN_Q(0.0f), qmin, qmax); return TFLC_OK;
    case ACT_RELU6:
        *lo = nn_clamp_i32(NN_Q(0.0f), qmin, qmax);
        *hi = nn_clamp_i32(NN_Q(6.0f), qmin, qmax);
        return TFLC_OK;
    case ACT_RELU_N1_TO_1:
        *lo = nn_clamp_i32(NN_Q(-1.0f), qmin, qmax);
        *hi = nn_clamp_i32(NN_Q(1.0f), qmin, qmax);
        return TFLC_OK;
#undef NN_Q
    case ACT_TANH: case ACT_SIGN_BIT:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "fused activation %s is not supported on quantized outputs",
                              act == ACT_TANH ? "TANH" : "SIGN_BIT");
    default:
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown fused activation %d", act);
    }
}

/* ------------------------------------------------------------- hybrid -- */

/* x rounded half away from zero as TFLite's NEON quantizers do (NEON_2_SSE on x86): the first
 * n & ~7 values (vector lanes) add +-0.5 in float and truncate, the tail uses roundf. The two
 * differ when x + 0.5 rounds up in float (x = 0.49999997 gives 1, roundf gives 0). */
static inline int32_t nn_round_lane(float x, size_t i, size_t vec) {
    float r = i < vec ? x + (x < 0.0f ? -0.5f : 0.5f) : roundf(x);
    if (!(r > -2147483904.0f && r < 2147483648.0f)) return INT32_MIN;
    return (int32_t)r;
}

/* The hybrid row quantizers' two loops, vectorized (the serial min / max chain alone was a
 * quarter of lstm_text_int8's time). Both give the scalar definitions' bits:
 *   nn_min_max: `if (x[i] < lo) lo = x[i]; if (x[i] > hi) hi = x[i];` from *lo, *hi over
 *     x[0..n). Lanes from the same start, folded by the same rule: the strict comparisons
 *     never take a NaN and never swap a zero for a zero of the other sign, so the extremes
 *     are the sequential loop's whatever the order.
 *   nn_quantize_values: q[i] = clamp(nn_round_lane(x[i] * inv, i, n & ~7) + zp, qmin, qmax),
 *     zp in [-128, 127]: the first n & ~7 values (the rounding's vector lanes) eight at a
 *     time, the rest one by one. A lane out of int32's range rounds to INT32_MIN.
 * Each ISA provides the lanes part, nn_min_max_lanes (the first n16 values, a multiple of 16,
 * folded into *lo, *hi) and nn_quantize_lanes (the first n8, a multiple of 8); the scalar
 * remainders are shared below. */
#if defined(__SSE2__)
/* x86-64's baseline. MINPS / MAXPS return their second operand unless the first is strictly
 * beyond it: the loop's rule. CVTTPS2DQ gives INT32_MIN for NaN and out-of-range lanes, as
 * nn_round_lane. The zero point is added with int16 saturation after a saturating narrowing,
 * and the int8 narrowing saturates: for any int32 t, clamp(sat16(sat16(t) + zp), qmin, qmax)
 * equals clamp(t + zp, qmin, qmax), since |zp| <= 128 is far inside int16's range. */
static inline void nn_min_max_lanes(const float *x, size_t n16, float *lo, float *hi) {
    __m128 vlo[4], vhi[4];
    for (int a = 0; a < 4; a++) vlo[a] = _mm_set1_ps(*lo), vhi[a] = _mm_set1_ps(*hi);
    for (size_t i = 0; i < n16; i += 16)
        for (int a = 0; a < 4; a++) {
            const __m128 v = _mm_loadu_ps(x + i + 4 * (size_t)a);
            vlo[a] = _mm_min_ps(v, vlo[a]);
            vhi[a] = _mm_max_ps(v, vhi[a]);
        }
    float l[16], h[16];
    for (int a = 0; a < 4; a++) _mm_storeu_ps(l + 4 * a, vlo[a]), _mm_storeu_ps(h + 4 * a, vhi[a]);
    for (int j = 0; j < 16; j++) {
        if (l[j] < *lo) *lo = l[j];
        if (h[j] > *hi) *hi = h[j];
    }
}

static inline void nn_quantize_lanes(const float *x, size_t n8, float inv, int32_t zp,
                                     int32_t qmin, int32_t qmax, int8_t *q) {
    const __m128 vinv = _mm_set1_ps(inv), zero = _mm_setzero_ps();
    const __m128 up = _mm_set1_ps(0.5f), down = _mm_set1_ps(-0.5f);
    const __m128i vzp = _mm_set1_epi16((int16_t)zp);
    const __m128i vqmin = _mm_set1_epi16((int16_t)qmin), vqmax = _mm_set1_epi16((int16_t)qmax);
    for (size_t i = 0; i < n8; i += 8) {
        __m128i t[2];
        for (int h = 0; h < 2; h++) {
            const __m128 v = _mm_mul_ps(_mm_loadu_ps(x + i + 4 * (size_t)h), vinv);
            const __m128 neg = _mm_cmplt_ps(v, zero);
            const __m128 half = _mm_or_ps(_mm_and_ps(neg, down), _mm_andnot_ps(neg, up));
            t[h] = _mm_cvttps_epi32(_mm_add_ps(v, half));
        }
        __m128i y = _mm_adds_epi16(_mm_packs_epi32(t[0], t[1]), vzp);
        y = _mm_min_epi16(_mm_max_epi16(y, vqmin), vqmax);
        _mm_storel_epi64((__m128i *)(void *)(q + i), _mm_packs_epi16(y, y));
    }
}
#else
/* Elsewhere: four floats or int32 as one value (GCC / Clang vector extension: NEON on
 * aarch64), every lane operation the scalar one (IEEE multiply and add, compares,
 * selects). */
typedef float nn_v4f __attribute__((vector_size(16)));
typedef int32_t nn_v4i __attribute__((vector_size(16)));

static inline nn_v4f nn_v4f_load(const float *p) {
    nn_v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline nn_v4f nn_v4f_splat(float f) { return (nn_v4f){f, f, f, f}; }

static inline nn_v4i nn_v4i_splat(int32_t v) { return (nn_v4i){v, v, v, v}; }

/* m ? a : b per lane, m a comparison's all-ones / zero lanes. */
static inline nn_v4i nn_v4i_select(nn_v4i m, nn_v4i a, nn_v4i b) { return (m & a) | (~m & b); }

static inline nn_v4f nn_v4f_select(nn_v4i m, nn_v4f a, nn_v4f b) {
    nn_v4i ai, bi;
    memcpy(&ai, &a, sizeof ai);
    memcpy(&bi, &b, sizeof bi);
    const nn_v4i r = nn_v4i_select(m, ai, bi);
    nn_v4f out;
    memcpy(&out, &r, sizeof out);
    return out;
}

static inline void nn_min_max_lanes(const float *x, size_t n16, float *lo, float *hi) {
    nn_v4f vlo[4], vhi[4];
    for (int a = 0; a < 4; a++) vlo[a] = nn_v4f_splat(*lo), vhi[a] = nn_v4f_splat(*hi);
    for (size_t i = 0; i < n16; i += 16)
        for (int a = 0; a < 4; a++) {
            const nn_v4f v = nn_v4f_load(x + i + 4 * (size_t)a);
            vlo[a] = nn_v4f_select(v < vlo[a], v, vlo[a]);
            vhi[a] = nn_v4f_select(v > vhi[a], v, vhi[a]);
        }
    for (int a = 0; a < 4; a++)
        for (int j = 0; j < 4; j++) {
            if (vlo[a][j] < *lo) *lo = vlo[a][j];
            if (vhi[a][j] > *hi) *hi = vhi[a][j];
        }
}

static inline void nn_quantize_lanes(const float *x, size_t n8, float inv, int32_t zp,
                                     int32_t qmin, int32_t qmax, int8_t *q) {
    typedef int8_t nn_v4b __attribute__((vector_size(4)));
    const nn_v4f vinv = nn_v4f_splat(inv), zero = nn_v4f_splat(0.0f);
    const nn_v4i lo256 = nn_v4i_splat(-256), hi256 = nn_v4i_splat(256);
    const nn_v4i vzp = nn_v4i_splat(zp), vqmin = nn_v4i_splat(qmin), vqmax = nn_v4i_splat(qmax);
    for (size_t i = 0; i < n8; i += 4) {
        const nn_v4f v = nn_v4f_load(x + i) * vinv;
        const nn_v4f r = v + nn_v4f_select(v < zero, nn_v4f_splat(-0.5f), nn_v4f_splat(0.5f));
        const nn_v4i in_range = (r > nn_v4f_splat(-2147483904.0f)) &
                                (r < nn_v4f_splat(2147483648.0f));
        nn_v4i t = __builtin_convertvector(nn_v4f_select(in_range, r, zero), nn_v4i);
        t = nn_v4i_select(in_range, t, lo256);   /* INT32_MIN, as far as the clamps see */
        t = nn_v4i_select(t < lo256, lo256, nn_v4i_select(t > hi256, hi256, t)) + vzp;
        t = nn_v4i_select(t < vqmin, vqmin, nn_v4i_select(t > vqmax, vqmax, t));
        const nn_v4b b = __builtin_convertvector(t, nn_v4b);
        memcpy(q + i, &b, sizeof b);
    }
}
#endif

static inline void nn_min_max(const float *x, size_t n, float *lo, float *hi) {
    const size_t n16 = n & ~(size_t)15;
    if (n16) nn_min_max_lanes(x, n16, lo, hi);
    for (size_t i = n16; i < n; i++) {
        if (x[i] < *lo) *lo = x[i];
        if (x[i] > *hi) *hi = x[i];
    }
}

static inline void nn_quantize_values(const float *x, size_t n, float inv, int32_t zp,
                                      int32_t qmin, int32_t qmax, int8_t *q) {
    const size_t n8 = n & ~(size_t)7;
    nn_quantize_lanes(x, n8, inv, zp, qmin, qmax, q);
    for (size_t i = n8; i < n; i++) {
        const int64_t y = (int64_t)nn_round_lane(x[i] * inv, i, n8) + zp;
        q[i] = (int8_t)(y < qmin ? qmin : (y > qmax ? qmax : y));
    }
}

/* tensor_utils::SymmetricQuantizeFloats: q = round(x * (127 / r)), clamped to +-127, where
 * r = max|x|; *scale = r / 127, or 1 (and q = 0) for an all-zero row. Rounding: nn_round_lane. */
static inline void nn_quantize_symmetric(const float *x, size_t n, int8_t *q, float *scale) {
    float lo = n ? x[0] : 0.0f, hi = lo;
    nn_min_max(x, n, &lo, &hi);
    float range = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
    if (range == 0.0f) {
        for (size_t i = 0; i < n; i++) q[i] = 0;
        *scale = 1.0f;
        return;
    }
    *scale = range / 127.0f;
    nn_quantize_values(x, n, 127.0f / range, 0, -127, 127, q);
}

/* tensor_utils::AsymmetricQuantizeFloats: [min(0, min x), max(0, max x)] onto [-128, 127];
 * the zero point is taken from whichever end loses less, then nudged into range. The range
 * width rmax - rmin is taken in float (as TFLite's float min/max subtract), then the scale
 * and its inverse in double, rounded to float; each value is rounded (nn_round_lane) before
 * the zero point is added, then clamped. A width taken in double gives a scale 1 ulp off on
 * some rows, which moves values that sit near a half step by one step (text_lstm_unrolled's
 * hybrid FULLY_CONNECTED: 2e-3 relative). */
static inline void nn_quantize_asymmetric(const float *x, size_t n, int8_t *q, float *scale,
                                          int32_t *zp) {
    float lo = 0.0f, hi = 0.0f;
    nn_min_max(x, n, &lo, &hi);
    const double rmin = lo, rmax = hi, qmin = -128.0, qmax = 127.0;
    if (rmin == rmax) {
        for (size_t i = 0; i < n; i++) q[i] = 0;
        *scale = 1.0f;
        *zp = 0;
        return;
    }
    const double s = (double)(hi - lo) / (qmax - qmin);
    const double zp_min = qmin - rmin / s, zp_max = qmax - rmax / s;
    const double err_min = fabs(qmin) + fabs(rmin / s), err_max = fabs(qmax) + fabs(rmax / s);
    const double zpd = err_min < err_max ? zp_min : zp_max;
    /* An infinite value makes the scale infinite and zpd NaN: zero point 0 then (a NaN
     * converted to int32 would be undefined; the row's products are inf or NaN anyway). */
    const int32_t nudged = zpd != zpd ? 0 : zpd <= qmin ? -128
                         : (zpd >= qmax ? 127 : (int32_t)round(zpd));
    *scale = (float)s;
    *zp = nudged;
    nn_quantize_values(x, n, (float)(1.0 / (double)*scale), nudged, -128, 127, q);
}

/* Each of `rows` rows of `depth` floats quantized on its own (BatchQuantizeFloats).
 * zps may be NULL when !asymmetric. */
static inline void nn_quantize_rows(const float *x, size_t rows, size_t depth, int8_t *q,
                                    float *scales, int32_t *zps, bool asymmetric) {
    for (size_t r = 0; r < rows; r++) {
        if (asymmetric) nn_quantize_asymmetric(x + r * depth, depth, q + r * depth, &scales[r], &zps[r]);
        else nn_quantize_symmetric(x + r * depth, depth, q + r * depth, &scales[r]);
    }
}

/* int32 sums wrap as TFLite's do on hostile depths; computed in 64 bits so C never overflows. */
static inline int32_t nn_wrap32(int64_t v) { return (int32_t)(uint32_t)(uint64_t)v; }

/* sums[r] = sum_k w[r][k] for an int8 [rows, depth] matrix. */
static inline void nn_row_sums(const int8_t *w, size_t rows, size_t depth, int32_t *sums) {
    for (size_t r = 0; r < rows; r++) {
        int64_t s = 0;
        for (size_t k = 0; k < depth; k++) s += w[r * depth + k];
        sums[r] = nn_wrap32(s);
    }
}

/* The hybrid product (tensor_utils::MatrixBatchVectorMultiplyAccumulate):
 *   w [rows, depth] int8, x [batches, depth] int8 (quantized rows),
 *   out[b][r] += (float)(dot(w[r], x[b]) - zp[b] * row_sums[r]) * (scales[b] * channel[r])
 * zps / row_sums NULL: no offset; channel NULL: per-tensor (scales then already include the
 * weights' scale). out rows are `out_stride` floats apart (>= rows). */
typedef struct nn_hybrid_mm {
    const int8_t *w;
    size_t rows, depth;
    const int8_t *x;
    size_t batches;
    const float *scales;
    const int32_t *zps, *row_sums;
    const float *channel;
    float *out;
    size_t out_stride;
} nn_hybrid_mm;

static inline void nn_hybrid_matmul_acc(const nn_hybrid_mm *m) {
    for (size_t b = 0; b < m->batches; b++) {
        const int8_t *xb = m->x + b * m->depth;
        const int32_t zp = m->zps ? m->zps[b] : 0;
        float *ob = m->out + b * m->out_stride;
        for (size_t r = 0; r < m->rows; r++) {
            const int8_t *wr = m->w + r * m->depth;
            int64_t acc = 0;
            for (size_t k = 0; k < m->depth; k++) acc += (int32_t)wr[k] * xb[k];
            if (zp && m->row_sums) acc -= (int64_t)zp * m->row_sums[r];
            const int32_t dot = nn_wrap32(acc);
            float scale = m->channel ? m->channel[r] * m->scales[b] : m->scales[b];
            ob[r] += (float)dot * scale;
        }
    }
}

#endif
