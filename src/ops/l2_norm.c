/*
 * l2_norm.c -- L2_NORMALIZATION over the last axis: float32, int8 and uint8, as LiteRT.
 *
 *   input [..., D] -> output [..., D]
 *   float32:  out = x / max(sqrt(sum_c x^2), 1e-6)       (sum in c order)
 *   int8/uint8 (output scale 1/128, zero point 0 / 128, as TFLite requires):
 *     d = x - in_zp;  acc = sum_c d^2 (int32);
 *     1/sqrt(acc) as a fixed-point multiplier and shift (TFLite's
 *     GetInvSqrtQuantizedMultiplierExp: five Newton-Raphson steps in gemmlowp Q3.28);
 *     int8:  out = clamp(MultiplyByQuantizedMultiplier(d, m, shift + 7))
 *     uint8: out = clamp(128 + MultiplyByQuantizedMultiplier(128 d, m, shift))
 * TFLite supports no fused activation here; prepare refuses one.
 */
#include "ops/nn_common.h"

typedef struct l2_params {
    size_t rows, depth;
    tflc_dtype dtype;
    int32_t in_zp;
} l2_params;

static tflc_status l2_check_output_q(tflc_node *node, l2_params *p) {
    float in_scale = 1.0f, out_scale = 1.0f;
    int32_t out_zp = 0;
    tflc_status s = nn_quant_params(node, node->inputs[0], "input 0", false, &in_scale, &p->in_zp);
    if (s == TFLC_OK) s = nn_quant_params(node, node->outputs[0], "output 0", false, &out_scale, &out_zp);
    if (s != TFLC_OK) return s;
    const int32_t want_zp = p->dtype == TFLC_UINT8 ? 128 : 0;
    if (out_scale != 1.0f / 128 || out_zp != want_zp)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%s output needs scale 1/128 and zero point %d, got %g and %d",
                              tflc_dtype_name(p->dtype), (int)want_zp, (double)out_scale,
                              (int)out_zp);
    return TFLC_OK;
}

static tflc_status l2_prepare(tflc_node *node) {
    l2_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    const uint8_t *opts = tflc_ops_options(node, BO_L2Norm);
    int act = opts ? fb_i8(opts, L2NORM_OPT_ACTIVATION, 0) : ACT_NONE;
    if (in->rank < 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "input must have rank 1 or more, got a scalar");
    if (act != ACT_NONE)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "fused activation %d is not supported (TFLite supports none)", act);
    p->dtype = in->dtype;
    p->depth = (size_t)in->dims[in->rank - 1];
    p->rows = tflc_shape_count(in->dims, in->rank - 1);
    if (in->dtype == TFLC_INT8 || in->dtype == TFLC_UINT8) s = l2_check_output_q(node, p);
    else if (in->dtype != TFLC_FLOAT32)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported (float32, int8, uint8 are)",
                              tflc_dtype_name(in->dtype));
    if (s != TFLC_OK) return s;
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

/* ------------------------------------------------------- fixed-point 1/sqrt -- */

/* gemmlowp SaturatingRoundingMultiplyByPOT<e> for e > 0: x * 2^e, saturated. */
static int32_t l2_sat_shl(int32_t x, int e) {
    const int32_t threshold = (int32_t)((INT64_C(1) << (31 - e)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

/* TFLite's GetInvSqrtQuantizedMultiplierExp(input, reverse_shift = -1): 1/sqrt(input) as
 * multiplier * 2^shift. Fixed-point values are gemmlowp's: Q3.28 (F3) raw ints; F3 * F3 is
 * the doubling high product in Q6, rescaled to Q3 by a saturating shift. */
static void l2_inv_sqrt(int32_t input, int32_t *mult, int *shift) {
    if (input <= 1) {
        *mult = INT32_MAX;
        *shift = 0;
        return;
    }
    int s = 11;
    while (input >= (1 << 29)) { input /= 4; s++; }
    int clz = 0;
    for (uint32_t u = (uint32_t)input; !(u & 0x80000000u); u <<= 1) clz++;
    const int pairs = (clz - 1) / 2 - 1;
    s -= pairs;
    input <<= 2 * pairs;                                  /* now in [2^27, 2^29) */
    const int32_t half_input = nn_rounding_shift_right(input >> 1, 1);
    const int32_t half_three = (1 << 28) + (1 << 27);     /* 1.5 in Q3.28 */
    int32_t x = 1 << 28;                                  /* 1.0 */
    for (int i = 0; i < 5; i++) {
        int32_t x3 = l2_sat_shl(nn_doubling_high_mul(nn_doubling_high_mul(x, x), x), 6);
        int32_t t = (int32_t)((uint32_t)nn_doubling_high_mul(half_three, x) -
                              (uint32_t)nn_doubling_high_mul(half_input, x3));
        x = l2_sat_shl(t, 3);
    }
    x = nn_doubling_high_mul(x, 1518500250);              /* * sqrt(2)/2 in Q0.31 */
    if (s < 0) {
        x = (int32_t)((uint32_t)x << -s);
        s = 0;
    }
    *mult = x;
    *shift = -s;
}

/* --------------------------------------------------------------------- eval -- */

static void l2_row_f32(const float *x, float *out, size_t depth) {
    float sum = 0.0f;
    for (size_t c = 0; c < depth; c++) sum += x[c] * x[c];
    float norm = sqrtf(sum);
    if (norm < 1e-6f) norm = 1e-6f;                     /* std::max(norm, eps): NaN kept */
    for (size_t c = 0; c < depth; c++) out[c] = x[c] / norm;
}

static void l2_row_q(const l2_params *p, const void *in, void *out, size_t base) {
    int64_t acc = 0;
    int32_t mult;
    int shift;
    for (size_t c = 0; c < p->depth; c++) {
        int32_t d = nn_load_q(in, base + c, p->dtype) - p->in_zp;
        acc += d * d;
    }
    l2_inv_sqrt(nn_wrap32(acc), &mult, &shift);
    for (size_t c = 0; c < p->depth; c++) {
        int32_t d = nn_load_q(in, base + c, p->dtype) - p->in_zp;
        if (p->dtype == TFLC_INT8)
            nn_store_q(out, base + c, p->dtype, nn_clamp_i32(nn_mul_by_qm(d, mult, shift + 7), -128, 127));
        else
            nn_store_q(out, base + c, p->dtype,
                       nn_clamp_i32(128 + (int64_t)nn_mul_by_qm(128 * d, mult, shift), 0, 255));
    }
}

static tflc_status l2_eval(tflc_node *node) {
    const l2_params *p = node->params;
    const void *in = node->inputs[0]->data;
    void *out = node->outputs[0]->data;
    for (size_t r = 0; r < p->rows; r++) {
        if (p->dtype == TFLC_FLOAT32)
            l2_row_f32((const float *)in + r * p->depth, (float *)out + r * p->depth, p->depth);
        else
            l2_row_q(p, in, out, r * p->depth);
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_l2_normalization = {
    .name = "L2_NORMALIZATION",
    .params_size = sizeof(l2_params),
    .prepare = l2_prepare,
    .eval = l2_eval,
};
