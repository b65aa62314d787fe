/*
 * transpose_conv.c -- TRANSPOSE_CONV (the gradient of CONV_2D with respect to its input).
 *
 *   output_shape  int32 [4], constant: [N, OH, OW, M]
 *   weights       [M, KH, KW, C]
 *   input         [N, H, W, C]
 *   bias          [M]               optional (input 3)
 *   output        [N, OH, OW, M]
 *
 * Each input element scatters into the outputs its filter window covers:
 *   out[n, iy*sh - pad_h + ky, ix*sw - pad_w + kx, m] += in[n,iy,ix,c] * w[m,ky,kx,c]
 * (targets outside the output are dropped), then bias and the fused activation (version 4+).
 * The padding is that of a CONV_2D from the output's size back to the input's:
 * pad = max(0, (ceil-or-valid(OH) - 1) * sh + KH - OH) / 2, TFLite's rule.
 *
 * Forms (input / weights / bias):
 *   float32 / float32 / float32    scattered in TFLite's reference order
 *   int8 / int8 / int32            per-channel or per-tensor weight scales
 *   uint8 / uint8 / int32          per-tensor, asymmetric weights
 *   int16 / int8 / int64|int32     16x8, 64-bit requantization with int64 bias
 *   float32 / int8 / float32       hybrid, as TFLite's only kernel for it: each batch
 *     quantized asymmetrically, contributions float((q - zp) * w) * scale[m] * in_scale[n]
 *     summed in float in scatter order.
 * Integer forms accumulate exactly and requantize per channel, bit for bit with LiteRT's
 * builtin kernels. Their rounding differs by form:
 *   int8      LiteRT's optimized TransposeConvV2 (GEMM, col2im, then its x86 Quantize),
 *             which requantizes the channels in blocks of 8 with both roundings ties up
 *             (nn_common.h's nn_mul_by_qm_ties_up) and the last M % 8 channels one by
 *             one with TFLite's MultiplyByQuantizedMultiplier (the second rounding ties away
 *             from zero). They differ on negative ties: the unet_small zoo net had 19 of 32768
 *             outputs of one layer (M = 32) off by a step; M = 4 and 6 cases match the
 *             scalar form, M = 12 both.
 *   uint8     TFLite's MultiplyByQuantizedMultiplier (double rounding, ties away from zero)
 *   int16     the reference kernel's 64-bit MultiplyByQuantizedMultiplier
 */
#include "ops/conv_common.h"

typedef enum tc_mode { TC_F32, TC_Q8, TC_QU8, TC_Q16, TC_HYBRID } tc_mode;

typedef struct tc_params {
    tc_mode mode;
    int32_t batches, in_h, in_w, in_c, out_c;
    tflc_conv_axis y, x;                   /* y.in = OH (the output), y.filter = KH, y.pad */
    tflc_ops_act act;                      /* float and hybrid */
    int32_t act_min, act_max;              /* quantized, in output units */
    int32_t in_offset, filter_offset, out_offset;   /* -in_zp, -filter_zp, out_zp */
    bool bias64;                           /* Q16 with int64 bias (or none) */
    size_t acc_off;                        /* scratch: int64 accumulators [output elements] */
    tflc_conv_mults rq;                    /* quantized: the per-channel multipliers */
    size_t q_off, scale_off, zp_off;       /* scratch (hybrid): int8 input, float[N], int32[N] */
} tc_params;

/* ------------------------------------------------------------- prepare -- */

/* The output shape from input 0: int32 [4], readable now, [N, OH >= 0, OW >= 0, M]. */
static tflc_status tc_output_shape(tflc_node *node, const tc_params *p, int32_t dims[4]) {
    const tflc_tensor *shape = node->inputs[0];
    tflc_status s = tflc_ops_expect_dtype(node, shape, "input", 0, TFLC_INT32);
    if (s != TFLC_OK) return s;
    if (shape->rank != 1 || shape->dims[0] != 4)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output_shape (input 0) must "
                              "hold 4 values");
    if (!tflc_tensor_is_constant(shape) || !shape->data)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "output_shape (input 0) must be a "
                              "constant");
    memcpy(dims, shape->data, 4 * sizeof(int32_t));
    if (dims[1] < 0 || dims[2] < 0 || dims[0] != p->batches || dims[3] != p->out_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output_shape [%d,%d,%d,%d] does "
                              "not fit %d batches and %d output channels", (int)dims[0],
                              (int)dims[1], (int)dims[2], (int)dims[3], (int)p->batches,
                              (int)p->out_c);
    return TFLC_OK;
}

static tflc_status tc_check_shapes(tflc_node *node, tc_params *p) {
    const tflc_tensor *w = node->inputs[1], *in = node->inputs[2];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 3);
    tflc_status s = tflc_conv_expect_rank(node, w, "weights (input 1)", 4);
    if (s == TFLC_OK) s = tflc_conv_expect_rank(node, in, "input (input 2)", 4);
    if (s != TFLC_OK) return s;
    p->batches = in->dims[0];
    p->in_h = in->dims[1];
    p->in_w = in->dims[2];
    p->in_c = in->dims[3];
    p->out_c = w->dims[0];
    p->y.filter = w->dims[1];
    p->x.filter = w->dims[2];
    if (w->dims[3] != p->in_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "weights have %d input channels, "
                              "the input has %d", (int)w->dims[3], (int)p->in_c);
    if (bias && tflc_tensor_count(bias) != (size_t)p->out_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "bias (input 3) has %zu elements, "
                              "expected %d (output channels)", tflc_tensor_count(bias),
                              (int)p->out_c);
    return TFLC_OK;
}

/* Options, then the padding from the output size (dilation 1). */
static tflc_status tc_geometry(tflc_node *node, tc_params *p, const int32_t dims[4],
                               int *act_kind, int *bias_type) {
    const uint8_t *o = tflc_ops_options(node, BO_TransposeConv);
    int padding = tflc_conv_read_padding(o, TCONV_OPT_PADDING);
    p->y.stride = o ? fb_i32(o, TCONV_OPT_STRIDE_H, 0) : 0;
    p->x.stride = o ? fb_i32(o, TCONV_OPT_STRIDE_W, 0) : 0;
    p->y.dilation = p->x.dilation = 1;
    p->y.in = dims[1];
    p->x.in = dims[2];
    *act_kind = o ? fb_i8(o, TCONV_OPT_ACTIVATION, ACT_NONE) : ACT_NONE;
    *bias_type = o ? fb_i8(o, TCONV_OPT_QUANTIZED_BIAS_TYPE, 0) : 0;
    tflc_status s = tflc_conv_plan_axis(node, "height", padding, &p->y);
    return s == TFLC_OK ? tflc_conv_plan_axis(node, "width", padding, &p->x) : s;
}

static tflc_status tc_pick_mode(tflc_node *node, tc_params *p, int bias_type) {
    const tflc_tensor *w = node->inputs[1], *in = node->inputs[2];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 3);
    tflc_dtype wt = TFLC_INT8, bt = TFLC_INT32;
    p->bias64 = false;
    switch (in->dtype) {
    case TFLC_FLOAT32:
        p->mode = w->dtype == TFLC_INT8 ? TC_HYBRID : TC_F32;
        wt = w->dtype == TFLC_INT8 ? TFLC_INT8 : TFLC_FLOAT32;
        bt = TFLC_FLOAT32;
        break;
    case TFLC_INT8: p->mode = TC_Q8; break;
    case TFLC_UINT8: p->mode = TC_QU8; wt = TFLC_UINT8; break;
    case TFLC_INT16:
        p->mode = TC_Q16;
        bt = bias && bias->dtype == TFLC_INT32 ? TFLC_INT32 : TFLC_INT64;
        p->bias64 = bt == TFLC_INT64;
        if ((bias_type == CONV_TENSOR_TYPE_INT32 || bias_type == CONV_TENSOR_TYPE_INT64) && bias &&
            bias->dtype != (bias_type == CONV_TENSOR_TYPE_INT32 ? TFLC_INT32 : TFLC_INT64))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "bias is %s but "
                                  "quantized_bias_type says otherwise",
                                  tflc_dtype_name(bias->dtype));
        break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported "
                              "(float32, int8, uint8, int16 are)", tflc_dtype_name(in->dtype));
    }
    tflc_status s = tflc_ops_expect_dtype(node, w, "input", 1, wt);
    if (s == TFLC_OK && bias) s = tflc_ops_expect_dtype(node, bias, "input", 3, bt);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, in->dtype);
    return s;
}

static tflc_status tc_prepare_quantized(tflc_node *node, tc_params *p, int act_kind,
                                        size_t *scratch) {
    const tflc_tensor *w = node->inputs[1], *in = node->inputs[2], *out = node->outputs[0];
    const tflc_quantization *iq, *wq, *oq;
    tflc_status s = tflc_conv_quant(node, in, "input", &iq);
    if (s == TFLC_OK) s = tflc_conv_quant(node, w, "weights", &wq);
    if (s == TFLC_OK) s = tflc_conv_quant(node, out, "output", &oq);
    if (s == TFLC_OK) s = tflc_conv_check_filter_scales(node, wq, p->out_c);
    if (s != TFLC_OK) return s;
    for (int i = 0; p->mode != TC_QU8 && i < wq->count; i++)
        if (tflc_ops_zero_point(wq, i) != 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "weights zero point must be 0");
    if (p->mode == TC_QU8 && wq->count != 1)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "uint8 weights must be quantized "
                              "per tensor, got %d scales", wq->count);
    p->in_offset = -(int32_t)tflc_ops_zero_point(iq, 0);
    p->filter_offset = -(int32_t)tflc_ops_zero_point(wq, 0);
    p->out_offset = (int32_t)tflc_ops_zero_point(oq, 0);
    s = tflc_conv_act_range_q(node, act_kind, out->dtype, oq->scales[0], p->out_offset,
                              &p->act_min, &p->act_max);
    if (s == TFLC_OK)
        s = tflc_conv_prepare_mults(node, w, iq->scales[0], wq, oq->scales[0], p->out_c,
                                    p->bias64, scratch, &p->rq);
    p->acc_off = tflc_conv_scratch_reserve(scratch, sizeof(int64_t) * tflc_tensor_count(out));
    return s;
}

static tflc_status tc_prepare_hybrid(tflc_node *node, tc_params *p, int act_kind,
                                     size_t *scratch) {
    const tflc_quantization *wq;
    tflc_status s = tflc_conv_quant(node, node->inputs[1], "weights", &wq);
    if (s == TFLC_OK) s = tflc_conv_check_filter_scales(node, wq, p->out_c);
    if (s == TFLC_OK) s = tflc_conv_act_f32(node, act_kind, &p->act);
    p->q_off = tflc_conv_scratch_reserve(scratch, tflc_tensor_count(node->inputs[2]));
    p->scale_off = tflc_conv_scratch_reserve(scratch, sizeof(float) * (size_t)p->batches);
    p->zp_off = tflc_conv_scratch_reserve(scratch, sizeof(int32_t) * (size_t)p->batches);
    return s;
}

static tflc_status tc_prepare(tflc_node *node) {
    tc_params *p = node->params;
    int32_t dims[4];
    int act_kind = ACT_NONE, bias_type = 0;
    size_t scratch = 0;
    tflc_status s = tflc_ops_check_arity(node, 3, 4, 1);
    if (s == TFLC_OK) s = tc_check_shapes(node, p);
    if (s == TFLC_OK) s = tc_output_shape(node, p, dims);
    if (s == TFLC_OK) s = tc_geometry(node, p, dims, &act_kind, &bias_type);
    if (s == TFLC_OK) s = tc_pick_mode(node, p, bias_type);
    if (s == TFLC_OK) s = tflc_node_set_output_shape(node, 0, dims, 4);
    if (s != TFLC_OK) return s;
    if (p->mode == TC_F32) s = tflc_conv_act_f32(node, act_kind, &p->act);
    else if (p->mode == TC_HYBRID) s = tc_prepare_hybrid(node, p, act_kind, &scratch);
    else s = tc_prepare_quantized(node, p, act_kind, &scratch);
    node->scratch_bytes = scratch;
    return s;
}

/* ---------------------------------------------------------------- eval -- */

/* Where input pixel (iy, ix) lands: output rows [ky0, ky1) and columns [kx0, kx1) of its
 * filter window lie inside the output; the window starts at (y0, x0). */
static tflc_conv_window tc_window(const tc_params *p, int32_t iy, int32_t ix) {
    tflc_conv_window w;
    w.y0 = (int64_t)iy * p->y.stride - p->y.pad;
    w.x0 = (int64_t)ix * p->x.stride - p->x.pad;
    tflc_conv_taps(w.y0, &p->y, &w.ky0, &w.ky1);
    tflc_conv_taps(w.x0, &p->x, &w.kx0, &w.kx1);
    return w;
}

/* Offset of output [n, y0 + ky, x0 + kx, 0]. */
static size_t tc_out_at(const tc_params *p, const tflc_conv_window *w, int32_t n, int32_t ky,
                        int32_t kx) {
    size_t oy = (size_t)(w->y0 + ky), ox = (size_t)(w->x0 + kx);
    return (((size_t)n * (size_t)p->y.in + oy) * (size_t)p->x.in + ox) * (size_t)p->out_c;
}

/* Offset of weights [m=0, ky, kx, c]; the next m is KH*KW*C further. */
static size_t tc_w_at(const tc_params *p, int32_t ky, int32_t kx, int32_t c) {
    return ((size_t)ky * (size_t)p->x.filter + (size_t)kx) * (size_t)p->in_c + (size_t)c;
}

static size_t tc_w_stride(const tc_params *p) {
    return (size_t)p->y.filter * (size_t)p->x.filter * (size_t)p->in_c;
}

static size_t tc_in_at(const tc_params *p, int32_t n, int32_t iy, int32_t ix) {
    return (((size_t)n * (size_t)p->in_h + (size_t)iy) * (size_t)p->in_w + (size_t)ix) *
           (size_t)p->in_c;
}

/* Float: out[...] += x * w in TFLite's reference order (n, iy, ix, c, ky, kx, m). */
static void tc_scatter_f32(const tc_params *p, const float *in, const float *w, float *out) {
    size_t ws = tc_w_stride(p);
    for (int32_t n = 0; n < p->batches; n++)
        for (int32_t iy = 0; iy < p->in_h; iy++)
            for (int32_t ix = 0; ix < p->in_w; ix++) {
                tflc_conv_window win = tc_window(p, iy, ix);
                const float *x = in + tc_in_at(p, n, iy, ix);
                for (int32_t c = 0; c < p->in_c; c++)
                    for (int32_t ky = win.ky0; ky < win.ky1; ky++)
                        for (int32_t kx = win.kx0; kx < win.kx1; kx++) {
                            float *o = out + tc_out_at(p, &win, n, ky, kx);
                            const float *f = w + tc_w_at(p, ky, kx, c);
                            for (int32_t m = 0; m < p->out_c; m++) o[m] += x[c] * f[(size_t)m * ws];
                        }
            }
}

/* Bias and activation over the float output [..., M]. */
static void tc_finish_f32(const tc_params *p, const float *bias, float *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        float v = bias ? out[i] + bias[i % (size_t)p->out_c] : out[i];
        out[i] = tflc_ops_apply_act_f32(&p->act, v);
    }
}

static tflc_status tc_eval_f32(tflc_node *node, const tc_params *p) {
    const tflc_tensor *bias = tflc_ops_optional_input(node, 3);
    tflc_tensor *out = node->outputs[0];
    size_t count = tflc_tensor_count(out);
    memset(out->data, 0, count * sizeof(float));
    tc_scatter_f32(p, node->inputs[2]->data, node->inputs[1]->data, out->data);
    tc_finish_f32(p, bias ? bias->data : NULL, out->data, count);
    return TFLC_OK;
}

static int32_t tc_load(const void *data, tflc_dtype t, size_t i) {
    switch (t) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

/* Integer: acc[...] += (x + x_off) * (w + w_off), exact in int64. */
static void tc_scatter_q(const tc_params *p, const tflc_tensor *in, const tflc_tensor *w,
                         int64_t *acc) {
    size_t ws = tc_w_stride(p);
    for (int32_t n = 0; n < p->batches; n++)
        for (int32_t iy = 0; iy < p->in_h; iy++)
            for (int32_t ix = 0; ix < p->in_w; ix++) {
                tflc_conv_window win = tc_window(p, iy, ix);
                size_t xi = tc_in_at(p, n, iy, ix);
                for (int32_t c = 0; c < p->in_c; c++) {
                    int64_t x = tc_load(in->data, in->dtype, xi + (size_t)c) + p->in_offset;
                    for (int32_t ky = win.ky0; ky < win.ky1; ky++)
                        for (int32_t kx = win.kx0; kx < win.kx1; kx++) {
                            int64_t *o = acc + tc_out_at(p, &win, n, ky, kx);
                            size_t wi = tc_w_at(p, ky, kx, c);
                            for (int32_t m = 0; m < p->out_c; m++)
                                o[m] += x * (tc_load(w->data, w->dtype, wi + (size_t)m * ws) +
                                             p->filter_offset);
                        }
                }
            }
}

/* Bias, requantization, clamp into the output. */
static void tc_finish_q(const tc_params *p, const tflc_tensor *bias, const int64_t *acc,
                        const int32_t *mult, const int32_t *shift, tflc_tensor *out) {
    size_t count = tflc_tensor_count(out);
    size_t blocked = (size_t)p->out_c / 8 * 8;          /* int8: channels LiteRT vectorizes */
    for (size_t i = 0; i < count; i++) {
        size_t m = i % (size_t)p->out_c;
        int64_t a = acc[i], v;
        if (bias) a = tflc_conv_sat_add64(a, bias->dtype == TFLC_INT64
                                                 ? ((const int64_t *)bias->data)[m]
                                                 : ((const int32_t *)bias->data)[m]);
        if (p->bias64) v = tflc_conv_mbqm64(a, mult[m], shift[m]);
        else if (p->mode == TC_Q8 && m < blocked)
            v = nn_mul_by_qm_ties_up(tflc_conv_wrap32(a), mult[m], shift[m]);
        else v = tflc_conv_mbqm32(tflc_conv_wrap32(a), mult[m], shift[m]);
        v += p->out_offset;
        int32_t r = (int32_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
        if (out->dtype == TFLC_INT8) ((int8_t *)out->data)[i] = (int8_t)r;
        else if (out->dtype == TFLC_UINT8) ((uint8_t *)out->data)[i] = (uint8_t)r;
        else ((int16_t *)out->data)[i] = (int16_t)r;
    }
}

static tflc_status tc_eval_quantized(tflc_node *node, const tc_params *p) {
    const tflc_tensor *w = node->inputs[1], *in = node->inputs[2];
    tflc_tensor *out = node->outputs[0];
    int64_t *acc = tflc_conv_scratch_at(node, p->acc_off);
    const int32_t *mult, *shift;
    tflc_conv_mults_at_eval(node, &p->rq, &mult, &shift);
    memset(acc, 0, sizeof(int64_t) * tflc_tensor_count(out));
    tc_scatter_q(p, in, w, acc);
    tc_finish_q(p, tflc_ops_optional_input(node, 3), acc, mult, shift, out);
    return TFLC_OK;
}

/* Hybrid: float contributions float((q - zp) * w) * scale[m] * in_scale, scattered. */
static void tc_scatter_hybrid(const tc_params *p, const int8_t *q, const float *in_scale,
                              const int32_t *zp, const int8_t *w, const tflc_quantization *wq,
                              float *out) {
    size_t ws = tc_w_stride(p);
    for (int32_t n = 0; n < p->batches; n++)
        for (int32_t iy = 0; iy < p->in_h; iy++)
            for (int32_t ix = 0; ix < p->in_w; ix++) {
                tflc_conv_window win = tc_window(p, iy, ix);
                const int8_t *x = q + tc_in_at(p, n, iy, ix);
                for (int32_t c = 0; c < p->in_c; c++)
                    for (int32_t ky = win.ky0; ky < win.ky1; ky++)
                        for (int32_t kx = win.kx0; kx < win.kx1; kx++) {
                            float *o = out + tc_out_at(p, &win, n, ky, kx);
                            const int8_t *f = w + tc_w_at(p, ky, kx, c);
                            for (int32_t m = 0; m < p->out_c; m++) {
                                int32_t prod = (x[c] - zp[n]) * f[(size_t)m * ws];
                                o[m] += (float)prod * tflc_conv_channel_scale(wq, m) * in_scale[n];
                            }
                        }
            }
}

static tflc_status tc_eval_hybrid(tflc_node *node, const tc_params *p) {
    const tflc_tensor *w = node->inputs[1], *in = node->inputs[2];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 3);
    tflc_tensor *out = node->outputs[0];
    int8_t *q = tflc_conv_scratch_at(node, p->q_off);
    float *scale = tflc_conv_scratch_at(node, p->scale_off);
    int32_t *zp = tflc_conv_scratch_at(node, p->zp_off);
    size_t per_batch = (size_t)p->in_h * (size_t)p->in_w * (size_t)p->in_c;
    for (int32_t n = 0; n < p->batches; n++)
        tflc_conv_quantize_asymmetric((const float *)in->data + (size_t)n * per_batch, per_batch,
                                      q + (size_t)n * per_batch, &scale[n], &zp[n]);
    size_t count = tflc_tensor_count(out);
    memset(out->data, 0, count * sizeof(float));
    tc_scatter_hybrid(p, q, scale, zp, w->data, tflc_ops_quant(w), out->data);
    tc_finish_f32(p, bias ? bias->data : NULL, out->data, count);
    return TFLC_OK;
}

static tflc_status tc_eval(tflc_node *node) {
    const tc_params *p = node->params;
    switch (p->mode) {
    case TC_F32: return tc_eval_f32(node, p);
    case TC_HYBRID: return tc_eval_hybrid(node, p);
    default: return tc_eval_quantized(node, p);
    }
}

const tflc_kernel tflc_kernel_transpose_conv = {
    .name = "TRANSPOSE_CONV",
    .params_size = sizeof(tc_params),
    .prepare = tc_prepare,
    .eval = tc_eval,
};
