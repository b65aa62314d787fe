/*
 * concatenation.c -- CONCATENATION along one axis (negative counts from the end).
 *
 *   [2,2] ++ [2,1] on axis 1 -> [2,3]
 *
 * Every input has the output's rank and dims except along the axis. Seen as
 * [outer, axis * inner] matrices, output row o is input 0's row o, then input 1's row o, ...:
 * eval copies those byte runs, so any fixed-size dtype works the same way. A quantized input
 * (int8, uint8, int16) whose scale or zero point differs from the output's is requantized
 * as LiteRT's ConcatenationWithScaling does: round(q * s - zp_in * s) + zp_out in float,
 * s = in_scale * (1 / out_scale), clamped to the dtype. The fused activation applies to
 * float32 only.
 */
#include <string.h>

#include "ops/shape_common.h"

typedef struct concat_params {
    int axis;               /* in [0, rank) */
    size_t outer;           /* product of the dims before the axis */
    size_t elem_size;
    tflc_ops_act act;       /* float32 */
} concat_params;

/* ------------------------------------------------------------- prepare -- */

static tflc_status concat_check_dtype(tflc_node *node) {
    const tflc_tensor *t0 = node->inputs[0];
    switch (t0->dtype) {
    case TFLC_FLOAT32: case TFLC_INT32: case TFLC_INT64: case TFLC_INT8: case TFLC_UINT8:
    case TFLC_INT16: case TFLC_BOOL:
        break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported",
                              tflc_dtype_name(t0->dtype));
    }
    for (int i = 1; i < node->n_inputs; i++) {
        tflc_status s = tflc_ops_expect_dtype(node, node->inputs[i], "input", i, t0->dtype);
        if (s != TFLC_OK) return s;
    }
    return tflc_ops_output_like_input(node);
}

/* int8/uint8/int16 inputs that need requantizing must be per-tensor quantized, as the
 * output. */
static bool needs_requant(const tflc_tensor *in, const tflc_tensor *out) {
    int32_t lo, hi;
    return tflc_ops_int_range(in->dtype, &lo, &hi) && !tflc_ops_same_quant(in, out);
}

static tflc_status concat_check_quant(tflc_node *node) {
    const tflc_tensor *out = node->outputs[0];
    for (int i = 0; i < node->n_inputs; i++) {
        if (!needs_requant(node->inputs[i], out)) continue;
        const tflc_quantization *qi = tflc_ops_quant(node->inputs[i]), *qo = tflc_ops_quant(out);
        if (!qi || !qo || qi->count != 1 || qo->count != 1 || !(qo->scales[0] > 0.0f) ||
            !isfinite(qo->scales[0]) || !isfinite(qi->scales[0]))
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                                  "input %d and the output differ in quantization and are not both "
                                  "per-tensor quantized with finite, positive scales",
                                  i);
    }
    return TFLC_OK;
}

static tflc_status concat_read_options(tflc_node *node, concat_params *p) {
    const uint8_t *opts = tflc_ops_options(node, BO_Concatenation);
    int32_t axis = opts ? fb_i32(opts, CONCAT_OPT_AXIS, 0) : 0;
    int kind = opts ? fb_i8(opts, CONCAT_OPT_ACTIVATION, 0) : ACT_NONE;
    int rank = node->inputs[0]->rank;
    if (!tflc_ops_normalize_axis(axis, rank, &p->axis))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "axis %d is out of range for inputs of rank %d", (int)axis, rank);
    if (kind != ACT_NONE && node->inputs[0]->dtype != TFLC_FLOAT32)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "a fused activation on %s inputs is not supported",
                              tflc_dtype_name(node->inputs[0]->dtype));
    return tflc_ops_act_f32(node, kind, &p->act);
}

/* Output dims: input 0's, with the axis dims summed; every other dim must agree. */
static tflc_status concat_output_shape(tflc_node *node, const concat_params *p) {
    const tflc_tensor *t0 = node->inputs[0];
    int32_t dims[TFLC_MAX_RANK];
    int64_t axis_sum = 0;
    for (int d = 0; d < t0->rank; d++) dims[d] = t0->dims[d];
    for (int i = 0; i < node->n_inputs; i++) {
        const tflc_tensor *t = node->inputs[i];
        bool same = t->rank == t0->rank;
        for (int d = 0; same && d < t0->rank; d++) same = d == p->axis || t->dims[d] == dims[d];
        if (!same) {
            char s0[TFLC_OPS_SHAPE_BUF], si[TFLC_OPS_SHAPE_BUF];
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "input %d has shape %s, which does not match input 0's %s "
                                  "outside axis %d",
                                  i, tflc_ops_shape_str(t->dims, t->rank, si, sizeof si),
                                  tflc_ops_shape_str(t0->dims, t0->rank, s0, sizeof s0), p->axis);
        }
        axis_sum += t->dims[p->axis];
    }
    if (axis_sum > INT32_MAX)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "output dimension %lld is too large",
                              (long long)axis_sum);
    dims[p->axis] = (int32_t)axis_sum;
    return tflc_node_set_output_shape(node, 0, dims, t0->rank);
}

static tflc_status concat_prepare(tflc_node *node) {
    concat_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, INT_MAX, 1);
    for (int i = 1; s == TFLC_OK && i < node->n_inputs; i++)
        if (!node->inputs[i])
            s = tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d is missing", i);
    if (s == TFLC_OK) s = concat_check_dtype(node);
    if (s == TFLC_OK) s = concat_check_quant(node);
    if (s == TFLC_OK) s = concat_read_options(node, p);
    if (s == TFLC_OK) s = concat_output_shape(node, p);
    if (s != TFLC_OK) return s;
    p->outer = tflc_shape_count(node->inputs[0]->dims, p->axis);
    p->elem_size = tflc_dtype_size(node->inputs[0]->dtype);
    return TFLC_OK;
}

/* ---------------------------------------------------------------- eval -- */

/* Requantizes n values of input t into out (LiteRT's float formula, clamped). */
static void concat_requant(const tflc_tensor *t, const tflc_tensor *out_t, const void *src, void *dst,
                           size_t n) {
    float in_scale, out_scale;
    int32_t in_zp, out_zp, lo, hi;
    tflc_sh_scale_zp(t, &in_scale, &in_zp);
    tflc_sh_scale_zp(out_t, &out_scale, &out_zp);
    tflc_ops_int_range(t->dtype, &lo, &hi);
    float scale = in_scale * (1.0f / out_scale), bias = -(float)in_zp * scale;
    for (size_t k = 0; k < n; k++) {
        float v = (float)tflc_sh_qload(t->dtype, src, k) * scale + bias;
        int64_t q = (int64_t)tflc_sh_round_i32(v) + out_zp;
        tflc_sh_qstore(t->dtype, dst, k, (int32_t)(q < lo ? lo : (q > hi ? hi : q)));
    }
}

/* Input i fills bytes [offset_i, offset_i + run_i) of every output row (of out_row bytes). */
static tflc_status concat_eval(tflc_node *node) {
    const concat_params *p = node->params;
    tflc_tensor *out_t = node->outputs[0];
    size_t total = tflc_tensor_count(out_t);
    if (total == 0 || p->outer == 0) return TFLC_OK;

    char *out = out_t->data;
    size_t out_row = total / p->outer * p->elem_size, offset = 0;
    for (int i = 0; i < node->n_inputs; i++) {
        const tflc_tensor *t = node->inputs[i];
        const char *in = t->data;
        size_t run = tflc_tensor_count(t) / p->outer * p->elem_size;   /* axis * inner */
        bool requant = needs_requant(t, out_t);
        for (size_t o = 0; run > 0 && o < p->outer; o++) {
            if (requant) concat_requant(t, out_t, in + o * run, out + o * out_row + offset, run / p->elem_size);
            else memcpy(out + o * out_row + offset, in + o * run, run);
        }
        offset += run;
    }
    if (out_t->dtype == TFLC_FLOAT32) tflc_ops_apply_act_f32_n(&p->act, out_t->data, total);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_concatenation = {
    .name = "CONCATENATION",
    .params_size = sizeof(concat_params),
    .prepare = concat_prepare,
    .eval = concat_eval,
};
