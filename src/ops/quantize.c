/*
 * quantize.c -- QUANTIZE and DEQUANTIZE.
 *
 * QUANTIZE
 *   float32 -> int8 / uint8 / int16, per-tensor: LiteRT's builtin (optimized) kernel. The
 *     first n - n % 8 elements (its vector loop, 8 at a time):
 *       q = clamp(cvt(x * (1 / scale)) + zero_point), the reciprocal and the product in
 *       float, cvt rounding to nearest, ties to even;
 *     the last n % 8 (its scalar loop, the scale held as a double):
 *       q = clamp(cvt(round((double)x / scale)) + zero_point), round() ties away from zero;
 *     cvt gives INT32_MIN for NaN and values outside int32 (x86's cvtps2dq / cvttsd2si), so
 *     NaN and huge values of either sign become the minimum. Measured against LiteRT 2.3 on
 *     exact ties (x = (k + 0.5) * scale, 4095 of them, int8 and int16): every element
 *     matches, where the reference kernel's round(x / scale) in float, half away from zero,
 *     misses half the ties -- a 1-step difference at the int16x8 zoo nets' inputs.
 *   float32 -> int8 / uint8 / int16, per-channel (one scale per index of the output's
 *     quantized_dimension): the reference kernel's q = clamp(round(x / scale) + zero_point),
 *     round() half away from zero, the division in float.
 *   int8 / uint8 / int16 -> int8 / uint8 / int16 (requantize, per-tensor):
 *     q = clamp(M(x - in_zero_point) + out_zero_point), where M multiplies by
 *     in_scale / out_scale in TFLite's fixed point (a 32-bit multiplier and a shift, rounded
 *     exactly as gemmlowp does), so results match TFLite bit for bit.
 * DEQUANTIZE
 *   int8 / uint8 / int16 -> float32, per-tensor: LiteRT's builtin (optimized) kernel. The
 *     first n - n % 8 elements (its vector loop): x = q * scale - zero_point * scale, each
 *     product rounded to float, then the difference (not fused); the last n % 8:
 *     x = scale * (q - zero_point), rounded once, as the reference kernel does everywhere.
 *     The two differ by an ulp now and then (588 of 2048 outputs of an int8 TRANSPOSE_CONV
 *     case); with zero point 0 (int16) they agree.
 *   int8 / uint8 / int16 -> float32, per-channel: x = scale * (q - zero_point), rounded once
 *   float16 -> float32                 (no quantization parameters)
 *
 * Per-channel tensors are walked as [outer, channels, inner], channels = the size of the
 * quantized dimension.
 */
#include <string.h>

#include "ops/math_common.h"

/* ------------------------------------------------------------- shared -- */

/* Per-channel layout of tensor t: checks q->count == dims[quantized_dimension]. */
static tflc_status channel_layout(tflc_node *node, const tflc_tensor *t, const char *role,
                                  const tflc_quantization *q, size_t *channels, size_t *inner) {
    int qd = q->quantized_dimension;
    if (qd < 0 || qd >= t->rank || t->dims[qd] != q->count) {
        char st[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%s has %d scales along quantized dimension %d, which does not "
                              "fit its shape %s",
                              role, q->count, qd, tflc_ops_shape_str(t->dims, t->rank, st, sizeof st));
    }
    *channels = (size_t)q->count;
    *inner = tflc_shape_count(t->dims + qd + 1, t->rank - qd - 1);
    return TFLC_OK;
}

/* Every zero point fits dtype's range (so differences stay in int32), and every scale is
 * finite and, when `positive`, > 0 (it is a divisor). */
static tflc_status check_quant(tflc_node *node, const char *role, const tflc_quantization *q,
                               tflc_dtype dtype, bool positive) {
    int32_t lo, hi;
    tflc_ops_int_range(dtype, &lo, &hi);
    for (int i = 0; i < q->count; i++) {
        int64_t zp = tflc_ops_zero_point(q, i);
        float s = q->scales[i];
        if (zp < lo || zp > hi)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "%s zero point %lld is outside the %s range", role,
                                  (long long)zp, tflc_dtype_name(dtype));
        if (!isfinite(s) || (positive && !(s > 0.0f)))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s scale %g is not valid", role,
                                  (double)s);
    }
    return TFLC_OK;
}

/* The quantization of a quantized tensor (int8/uint8/int16), checked; NULL on failure. */
static const tflc_quantization *quant_of(tflc_node *node, const tflc_tensor *t, const char *role,
                                         bool positive, tflc_status *status) {
    const tflc_quantization *q = tflc_ops_quant(t);
    if (!q) {
        *status = tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                 "%s (%s) has no quantization parameters", role,
                                 tflc_dtype_name(t->dtype));
        return NULL;
    }
    *status = check_quant(node, role, q, t->dtype, positive);
    return *status == TFLC_OK ? q : NULL;
}

static int32_t load_q(const void *data, size_t i, tflc_dtype dtype) {
    switch (dtype) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

static void store_q(void *data, size_t i, tflc_dtype dtype, int32_t v) {
    switch (dtype) {
    case TFLC_INT8: ((int8_t *)data)[i] = (int8_t)v; break;
    case TFLC_UINT8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    default: ((int16_t *)data)[i] = (int16_t)v; break;
    }
}

static bool is_quantized_int(tflc_dtype dtype) {
    return dtype == TFLC_INT8 || dtype == TFLC_UINT8 || dtype == TFLC_INT16;
}

/* ------------------------------------------------------------- QUANTIZE -- */

typedef enum quant_mode { Q_PER_TENSOR, Q_PER_CHANNEL, Q_REQUANTIZE } quant_mode;

typedef struct quant_params {
    quant_mode mode;
    tflc_dtype in_dtype, out_dtype;
    int32_t qmin, qmax;                   /* range of out_dtype */
    float scale, inv_scale;               /* Q_PER_TENSOR; 1 / scale in float */
    int32_t zero_point;                   /* Q_PER_TENSOR; output zero point for Q_REQUANTIZE */
    const tflc_quantization *channel_q;   /* Q_PER_CHANNEL: the output's (model storage) */
    size_t channels, inner;               /* Q_PER_CHANNEL */
    int32_t in_zero_point, multiplier;    /* Q_REQUANTIZE */
    int shift;
} quant_params;

static tflc_status quantize_from_float(tflc_node *node, quant_params *p,
                                       const tflc_quantization *oq) {
    if (oq->count == 1) {
        p->mode = Q_PER_TENSOR;
        p->scale = oq->scales[0];
        p->inv_scale = 1.0f / oq->scales[0];
        p->zero_point = (int32_t)tflc_ops_zero_point(oq, 0);
        return TFLC_OK;
    }
    p->mode = Q_PER_CHANNEL;
    p->channel_q = oq;
    return channel_layout(node, node->outputs[0], "output", oq, &p->channels, &p->inner);
}

static tflc_status quantize_requant(tflc_node *node, quant_params *p,
                                    const tflc_quantization *oq) {
    tflc_status s = TFLC_OK;
    const tflc_quantization *iq = quant_of(node, node->inputs[0], "input", true, &s);
    if (!iq) return s;
    if (iq->count != 1 || oq->count != 1)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "per-channel requantization is not supported");
    p->mode = Q_REQUANTIZE;
    p->in_zero_point = (int32_t)tflc_ops_zero_point(iq, 0);
    p->zero_point = (int32_t)tflc_ops_zero_point(oq, 0);
    math_quantize_multiplier((double)iq->scales[0] / (double)oq->scales[0], &p->multiplier,
                             &p->shift);
    return TFLC_OK;
}

static tflc_status quantize_prepare(tflc_node *node) {
    quant_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0], *out = node->outputs[0];
    p->in_dtype = in->dtype;
    p->out_dtype = out->dtype;
    if ((in->dtype != TFLC_FLOAT32 && !is_quantized_int(in->dtype)) ||
        !tflc_ops_int_range(out->dtype, &p->qmin, &p->qmax))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "quantizing %s to %s is not supported", tflc_dtype_name(in->dtype),
                              tflc_dtype_name(out->dtype));
    const tflc_quantization *oq = quant_of(node, out, "output", true, &s);
    if (!oq) return s;
    s = tflc_node_set_output_shape(node, 0, in->dims, in->rank);
    if (s != TFLC_OK) return s;
    if (in->dtype == TFLC_FLOAT32) return quantize_from_float(node, p, oq);
    return quantize_requant(node, p, oq);
}

/* round(x / scale) + zero_point, clamped; NaN maps to the zero point. */
static int32_t quantize_value(float x, float scale, int32_t zero_point, int32_t lo, int32_t hi) {
    float r = roundf(x / scale);
    double v = isnan(r) ? (double)zero_point : (double)r + zero_point;
    return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

/* An integral value (or NaN) to int32 as x86's conversions do: INT32_MIN when NaN or out of
 * int32; then + zero_point, clamped. */
static int32_t quantize_finish(double r, int32_t zero_point, int32_t lo, int32_t hi) {
    int64_t q = r >= -2147483648.0 && r < 2147483648.0 ? (int64_t)r : INT32_MIN;
    q += zero_point;
    return q < lo ? lo : (q > hi ? hi : (int32_t)q);
}

/* The builtin kernel's per-tensor form (see the top of the file): the vector loop's
 * x * inv_scale in float rounded to nearest even (rintf, the default rounding mode), the
 * scalar tail's x / scale in double rounded half away from zero. */
static void quantize_per_tensor(const quant_params *p, const float *in, void *out, size_t n) {
    size_t vec = n / 8 * 8;
    for (size_t i = 0; i < vec; i++)
        store_q(out, i, p->out_dtype,
                quantize_finish(rintf(in[i] * p->inv_scale), p->zero_point, p->qmin, p->qmax));
    for (size_t i = vec; i < n; i++)
        store_q(out, i, p->out_dtype,
                quantize_finish(round((double)in[i] / (double)p->scale), p->zero_point, p->qmin,
                                p->qmax));
}

static void quantize_per_channel(const quant_params *p, const float *in, void *out, size_t n) {
    const tflc_quantization *q = p->channel_q;
    size_t block = p->channels * p->inner, i = 0;
    for (size_t o = 0; block > 0 && o < n / block; o++)
        for (size_t c = 0; c < p->channels; c++) {
            int32_t zp = (int32_t)tflc_ops_zero_point(q, (int)c);
            for (size_t k = 0; k < p->inner; k++, i++)
                store_q(out, i, p->out_dtype, quantize_value(in[i], q->scales[c], zp, p->qmin, p->qmax));
        }
}

static void requantize(const quant_params *p, const void *in, void *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int32_t x = load_q(in, i, p->in_dtype) - p->in_zero_point;
        int64_t v = (int64_t)math_mbqm(x, p->multiplier, p->shift) + p->zero_point;
        store_q(out, i, p->out_dtype, (int32_t)(v < p->qmin ? p->qmin : (v > p->qmax ? p->qmax : v)));
    }
}

static tflc_status quantize_eval(tflc_node *node) {
    const quant_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    void *out = node->outputs[0]->data;
    size_t n = tflc_tensor_count(in);
    switch (p->mode) {
    case Q_PER_TENSOR: quantize_per_tensor(p, in->data, out, n); break;
    case Q_PER_CHANNEL: quantize_per_channel(p, in->data, out, n); break;
    case Q_REQUANTIZE: requantize(p, in->data, out, n); break;
    }
    return TFLC_OK;
}

/* ------------------------------------------------------------ DEQUANTIZE -- */

typedef struct dequant_params {
    tflc_dtype in_dtype;
    bool per_channel;
    float scale;                          /* per-tensor */
    float zp_scale;                       /* per-tensor: zero_point * scale, in float */
    int32_t zero_point;
    const tflc_quantization *channel_q;   /* per-channel: the input's (model storage) */
    size_t channels, inner;
} dequant_params;

static tflc_status dequantize_prepare(tflc_node *node) {
    dequant_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if (in->dtype != TFLC_FLOAT16 && !is_quantized_int(in->dtype))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "dequantizing %s is not supported (int8, uint8, int16 and "
                              "float16 are)", tflc_dtype_name(in->dtype));
    s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    if (s == TFLC_OK) s = tflc_node_set_output_shape(node, 0, in->dims, in->rank);
    if (s != TFLC_OK) return s;
    p->in_dtype = in->dtype;
    if (in->dtype == TFLC_FLOAT16) return TFLC_OK;

    const tflc_quantization *q = quant_of(node, in, "input", false, &s);
    if (!q) return s;
    p->per_channel = q->count > 1;
    p->scale = q->scales[0];
    p->zero_point = (int32_t)tflc_ops_zero_point(q, 0);
    p->zp_scale = (float)p->zero_point * p->scale;
    p->channel_q = q;
    if (!p->per_channel) return TFLC_OK;
    return channel_layout(node, in, "input", q, &p->channels, &p->inner);
}

/* IEEE binary16 -> binary32, exact (every half value is a float). */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    uint32_t bits;
    float f;
    if (exp == 0) {                                  /* zero or subnormal: mant * 2^-24 */
        f = ldexpf((float)mant, -24);
        return sign ? -f : f;
    }
    if (exp == 31) bits = sign | 0x7f800000u | (mant << 13);          /* inf, NaN */
    else bits = sign | ((exp - 15u + 127u) << 23) | (mant << 13);
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* scale * (q - zero_point): the product of a float and a small integer, rounded once. */
static float dequantize_value(int32_t q, float scale, int32_t zero_point) {
    return (float)((double)scale * (double)(q - zero_point));
}

static void dequantize_per_channel(const dequant_params *p, const void *in, float *out, size_t n) {
    const tflc_quantization *q = p->channel_q;
    size_t block = p->channels * p->inner, i = 0;
    for (size_t o = 0; block > 0 && o < n / block; o++)
        for (size_t c = 0; c < p->channels; c++) {
            int32_t zp = (int32_t)tflc_ops_zero_point(q, (int)c);
            for (size_t k = 0; k < p->inner; k++, i++)
                out[i] = dequantize_value(load_q(in, i, p->in_dtype), q->scales[c], zp);
        }
}

static tflc_status dequantize_eval(tflc_node *node) {
    const dequant_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    float *out = node->outputs[0]->data;
    size_t n = tflc_tensor_count(in);
    if (p->in_dtype == TFLC_FLOAT16) {
        const uint16_t *h = in->data;
        for (size_t i = 0; i < n; i++) out[i] = half_to_float(h[i]);
    } else if (p->per_channel) {
        dequantize_per_channel(p, in->data, out, n);
    } else {
        size_t vec = n / 8 * 8;
        for (size_t i = 0; i < vec; i++) {
            float x = (float)load_q(in->data, i, p->in_dtype) * p->scale;   /* rounded here */
            out[i] = x - p->zp_scale;
        }
        for (size_t i = vec; i < n; i++)
            out[i] = dequantize_value(load_q(in->data, i, p->in_dtype), p->scale, p->zero_point);
    }
    return TFLC_OK;
}

/* ---------------------------------------------------------------- kernels -- */

const tflc_kernel tflc_kernel_quantize = {
    .name = "QUANTIZE",
    .params_size = sizeof(quant_params),
    .prepare = quantize_prepare,
    .eval = quantize_eval,
};
const tflc_kernel tflc_kernel_dequantize = {
    .name = "DEQUANTIZE",
    .params_size = sizeof(dequant_params),
    .prepare = dequantize_prepare,
    .eval = dequantize_eval,
};
