/*
 * conv_common.h -- what the convolution and pooling kernels share (conv_2d.c,
 * depthwise_conv_2d.c, transpose_conv.c, conv_3d.c, pooling.c): their kernel objects, the
 * slots of their option tables, window geometry (TFLite's padding.h), fixed-point
 * requantization (TFLite's QuantizeMultiplier / MultiplyByQuantizedMultiplier), the
 * quantized activation range, scratch layout, and the on-the-fly input quantization of the
 * hybrid (dynamic-range) kernels.
 *
 * The helpers are static inline; all of it is private to these files.
 */
#ifndef TFLC_OPS_CONV_COMMON_H
#define TFLC_OPS_CONV_COMMON_H

#include <float.h>
#include <string.h>

#include "core/runner.h"
#include "core/weight_cache.h"
#include "ops/nn_common.h"   /* nn_mul_by_qm_ties_up */
#include "ops/ops.h"

/* ------------------------------------------------------------- kernels -- */

extern const tflc_kernel tflc_kernel_conv_2d;             /* conv_2d.c */
extern const tflc_kernel tflc_kernel_depthwise_conv_2d;   /* depthwise_conv_2d.c */
extern const tflc_kernel tflc_kernel_transpose_conv;      /* transpose_conv.c */
extern const tflc_kernel tflc_kernel_conv_3d;             /* conv_3d.c */
extern const tflc_kernel tflc_kernel_conv_3d_transpose;
extern const tflc_kernel tflc_kernel_average_pool_2d;     /* pooling.c */
extern const tflc_kernel tflc_kernel_max_pool_2d;
extern const tflc_kernel tflc_kernel_l2_pool_2d;

/* ------------------------------------------------- PAD into conv -- */

/* graph.c: `conv` (prepared) reads the output of `pad` (prepared), a PAD or PADV2 that no
 * other operator reads. Returns true when the convolution has taken the padding over: it
 * then reads the PAD's input with the amounts added to its own padding, its results bit for
 * bit those of the pair, and the PAD must not run. False leaves both untouched. */
bool tflc_conv_absorb_pad(tflc_node *conv, const tflc_node *pad);

/* pad.c: a PAD/PADV2's `before` amounts and pad value bytes (at most 16) when the value is
 * known at prepare; false for any other node. */
bool tflc_pad_constant_plan(const tflc_node *pad, int32_t *before, unsigned char *value);

/* ------------------------------------------------------ option slots -- */

/* BuiltinOperator codes of the family (schema.h names only the first few). */
enum { CONV_OPC_AVERAGE_POOL_2D = 1, CONV_OPC_CONV_2D = 3, CONV_OPC_DEPTHWISE_CONV_2D = 4,
       CONV_OPC_L2_POOL_2D = 12, CONV_OPC_MAX_POOL_2D = 17, CONV_OPC_TRANSPOSE_CONV = 67,
       CONV_OPC_CONV_3D = 132, CONV_OPC_CONV_3D_TRANSPOSE = 141 };

/* Padding */
enum { CONV_PADDING_SAME = 0, CONV_PADDING_VALID = 1 };
/* Conv2DOptions */
enum { CONV2D_OPT_PADDING = 0, CONV2D_OPT_STRIDE_W = 1, CONV2D_OPT_STRIDE_H = 2,
       CONV2D_OPT_ACTIVATION = 3, CONV2D_OPT_DILATION_W = 4, CONV2D_OPT_DILATION_H = 5,
       CONV2D_OPT_QUANTIZED_BIAS_TYPE = 6 };
/* DepthwiseConv2DOptions */
enum { DWCONV_OPT_PADDING = 0, DWCONV_OPT_STRIDE_W = 1, DWCONV_OPT_STRIDE_H = 2,
       DWCONV_OPT_DEPTH_MULTIPLIER = 3, DWCONV_OPT_ACTIVATION = 4, DWCONV_OPT_DILATION_W = 5,
       DWCONV_OPT_DILATION_H = 6 };
/* TransposeConvOptions */
enum { TCONV_OPT_PADDING = 0, TCONV_OPT_STRIDE_W = 1, TCONV_OPT_STRIDE_H = 2,
       TCONV_OPT_ACTIVATION = 3, TCONV_OPT_QUANTIZED_BIAS_TYPE = 4 };
/* Conv3DOptions (CONV_3D and CONV_3D_TRANSPOSE) */
enum { CONV3D_OPT_PADDING = 0, CONV3D_OPT_STRIDE_D = 1, CONV3D_OPT_STRIDE_W = 2,
       CONV3D_OPT_STRIDE_H = 3, CONV3D_OPT_ACTIVATION = 4, CONV3D_OPT_DILATION_D = 5,
       CONV3D_OPT_DILATION_W = 6, CONV3D_OPT_DILATION_H = 7 };
/* Pool2DOptions */
enum { POOL_OPT_PADDING = 0, POOL_OPT_STRIDE_W = 1, POOL_OPT_STRIDE_H = 2,
       POOL_OPT_FILTER_W = 3, POOL_OPT_FILTER_H = 4, POOL_OPT_ACTIVATION = 5 };
/* TensorType values of quantized_bias_type (0, FLOAT32, means "not set") */
enum { CONV_TENSOR_TYPE_INT32 = 2, CONV_TENSOR_TYPE_INT64 = 4 };

/* ------------------------------------------------------------- geometry -- */

/* One spatial axis of a windowed op. Inputs: in, filter, stride, dilation; prepare fills
 * out and pad (the padding before the first element; TFLite puts an odd extra one after). */
typedef struct tflc_conv_axis {
    int32_t in, filter, stride, dilation;
    int32_t out, pad;
} tflc_conv_axis;

/* TFLite's ComputeOutSize + ComputePaddingWithOffset: with E = (filter-1)*dilation + 1,
 *   SAME:  out = ceil(in / stride)       VALID: out = (in + stride - E) / stride  (truncated)
 *   pad = max(0, (out-1)*stride + E - in) / 2
 * `name` ("height", "width", "depth") names the axis in messages. */
static inline tflc_status tflc_conv_plan_axis(tflc_node *node, const char *name, int padding,
                                              tflc_conv_axis *a) {
    if (a->stride <= 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "stride along %s is %d, must be "
                              "positive", name, (int)a->stride);
    if (a->dilation <= 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "dilation along %s is %d, must "
                              "be positive", name, (int)a->dilation);
    if (a->filter <= 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter %s is %d, must be "
                              "positive", name, (int)a->filter);
    int64_t eff = ((int64_t)a->filter - 1) * a->dilation + 1, out;
    if (eff > INT32_MAX)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "dilated filter %s %lld is too "
                              "large", name, (long long)eff);
    if (padding == CONV_PADDING_SAME) out = ((int64_t)a->in + a->stride - 1) / a->stride;
    else if (padding == CONV_PADDING_VALID) out = ((int64_t)a->in + a->stride - eff) / a->stride;
    else return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown padding %d", padding);
    if (out < 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %s %d is smaller than the "
                              "%sfilter window %lld (VALID padding)", name, (int)a->in,
                              a->dilation > 1 ? "dilated " : "", (long long)eff);
    int64_t total = (out - 1) * a->stride + eff - a->in;
    a->out = (int32_t)out;
    a->pad = (int32_t)(total > 0 ? total / 2 : 0);
    return TFLC_OK;
}

/* The 2D window geometry of CONV_2D and DEPTHWISE_CONV_2D (NHWC), filled by prepare. */
typedef struct tflc_conv_geom {
    int32_t batches, in_c, out_c;
    tflc_conv_axis y, x;          /* y.in = H, y.out = OH, x.in = W, x.out = OW */
} tflc_conv_geom;

/* Offset of element [n, iy, ix, 0] of an NHWC tensor of shape [.., y.in, x.in, channels]. */
static inline size_t tflc_conv_offset(const tflc_conv_geom *g, int32_t n, int64_t iy, int64_t ix,
                                      int32_t channels) {
    return (((size_t)n * (size_t)g->y.in + (size_t)iy) * (size_t)g->x.in + (size_t)ix) *
           (size_t)channels;
}

/* The taps of one output position: filter rows [ky0, ky1) and columns [kx0, kx1) are the
 * ones whose input coordinates y0 + ky*dy, x0 + kx*dx fall inside the input; the others
 * read padding and contribute nothing. */
typedef struct tflc_conv_window {
    int64_t y0, x0;
    int32_t ky0, ky1, kx0, kx1;
} tflc_conv_window;

/* Filter taps k in [*k0, *k1) with 0 <= origin + k*dilation < in. */
static inline void tflc_conv_taps(int64_t origin, const tflc_conv_axis *a, int32_t *k0,
                                  int32_t *k1) {
    int64_t d = a->dilation, lo = 0, hi = a->filter;
    int64_t end = (int64_t)a->in - origin;                            /* k*d < end */
    int64_t last;
    if (d == 1) {   /* the common case, without the divisions (a pool's every output) */
        if (origin < 0) lo = -origin;
        last = end <= 0 ? 0 : end;
    } else {
        if (origin < 0) lo = (-origin + d - 1) / d;                   /* first k inside */
        last = end <= 0 ? 0 : (end + d - 1) / d;
    }
    if (last < hi) hi = last;
    if (lo > hi) lo = hi;
    *k0 = (int32_t)lo;
    *k1 = (int32_t)hi;
}

static inline tflc_conv_window tflc_conv_window_at(const tflc_conv_geom *g, int32_t oy,
                                                   int32_t ox) {
    tflc_conv_window w;
    w.y0 = (int64_t)oy * g->y.stride - g->y.pad;
    w.x0 = (int64_t)ox * g->x.stride - g->x.pad;
    tflc_conv_taps(w.y0, &g->y, &w.ky0, &w.ky1);
    tflc_conv_taps(w.x0, &g->x, &w.kx0, &w.kx1);
    return w;
}

/* Reads a Padding enum value (byte) from an options table slot (default SAME). */
static inline int tflc_conv_read_padding(const uint8_t *opts, int slot) {
    return opts ? fb_i8(opts, slot, CONV_PADDING_SAME) : CONV_PADDING_SAME;
}

/* Where a 2D window's geometry sits in its options table: Conv2DOptions and
 * DepthwiseConv2DOptions differ only in the slots of activation and dilation. */
typedef struct tflc_conv_slots {
    int padding, stride_w, stride_h, dilation_w, dilation_h;
} tflc_conv_slots;

/* Reads padding, strides and dilations (defaults: SAME, 0, 1 as the schema) into g and
 * plans both axes (g's in and filter sizes must be set). */
static inline tflc_status tflc_conv_read_window(tflc_node *node, const uint8_t *o, tflc_conv_slots slots,
                                                tflc_conv_geom *g) {
    int padding = tflc_conv_read_padding(o, slots.padding);
    g->y.stride = o ? fb_i32(o, slots.stride_h, 0) : 0;
    g->x.stride = o ? fb_i32(o, slots.stride_w, 0) : 0;
    g->y.dilation = o ? fb_i32(o, slots.dilation_h, 1) : 1;
    g->x.dilation = o ? fb_i32(o, slots.dilation_w, 1) : 1;
    tflc_status s = tflc_conv_plan_axis(node, "height", padding, &g->y);
    return s == TFLC_OK ? tflc_conv_plan_axis(node, "width", padding, &g->x) : s;
}

/* The fused activations TFLite applies as a clamp (NONE, RELU, RELU_N1_TO_1, RELU6). Its
 * conv and pooling kernels treat anything else as NONE, which no converter emits: refuse. */
static inline tflc_status tflc_conv_act_f32(tflc_node *node, int kind, tflc_ops_act *act) {
    if (kind == ACT_TANH || kind == ACT_SIGN_BIT)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "fused activation %s is not "
                              "supported by this operator",
                              kind == ACT_TANH ? "TANH" : "SIGN_BIT");
    return tflc_ops_act_f32(node, kind, act);
}

/* Fails, naming the shape, unless t has the given rank. */
static inline tflc_status tflc_conv_expect_rank(tflc_node *node, const tflc_tensor *t,
                                                const char *what, int rank) {
    if (t->rank == rank) return TFLC_OK;
    char s[TFLC_OPS_SHAPE_BUF];
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s must have rank %d, got shape %s",
                          what, rank, tflc_ops_shape_str(t->dims, t->rank, s, sizeof s));
}

/* -------------------------------------------------------------- scratch -- */

/* Reserves `bytes` at the end of a scratch layout of *size bytes, 16-byte aligned; returns
 * the offset. Sizes come from tensor shapes already bounded by max_tensor_bytes. */
static inline size_t tflc_conv_scratch_reserve(size_t *size, size_t bytes) {
    size_t at = (*size + 15u) & ~(size_t)15u;
    *size = at + bytes;
    return at;
}

/* The scratch array at `offset`; NULL when the node has no scratch (every array empty). */
static inline void *tflc_conv_scratch_at(const tflc_node *node, size_t offset) {
    return node->scratch ? (unsigned char *)node->scratch + offset : NULL;
}

/* ------------------------------------------------- fixed-point arithmetic -- */

/* Wraps an int64 to int32 as two's complement: TFLite's int32 accumulators wrap (in
 * practice) on overflow; accumulating in int64 and wrapping once gives the same bits
 * without undefined behaviour. */
static inline int32_t tflc_conv_wrap32(int64_t x) {
    uint32_t u = (uint32_t)(uint64_t)x;
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 2147483648u) - INT32_MAX - 1;
}

static inline int64_t tflc_conv_sat_add64(int64_t a, int64_t b) {
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}

/* TFLite's QuantizeMultiplier: m = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31). */
static inline void tflc_conv_quantize_multiplier(double m, int32_t *multiplier, int *shift) {
    *multiplier = 0;
    *shift = 0;
    if (!(m > 0.0) || !isfinite(m)) return;
    int e = 0;
    double q = frexp(m, &e);
    int64_t fixed = (int64_t)round(q * 2147483648.0);
    if (fixed == INT64_C(2147483648)) { fixed /= 2; e++; }
    if (e < -31) { e = 0; fixed = 0; }
    *multiplier = (int32_t)fixed;
    *shift = e;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul. */
static inline int32_t tflc_conv_doubling_high_mul(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* gemmlowp's RoundingDivideByPOT: x / 2^e, to nearest, ties away from zero. */
static inline int32_t tflc_conv_rounding_shift(int32_t x, int e) {
    if (e <= 0) return x;
    if (e > 31) e = 31;
    int64_t mask = (INT64_C(1) << e) - 1;
    int64_t floor_q = ((int64_t)x - (x & mask)) / (INT64_C(1) << e);
    int64_t remainder = x & mask, threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (int32_t)(floor_q + (remainder > threshold ? 1 : 0));
}

/* TFLite's MultiplyByQuantizedMultiplier(int32): double rounding. The left shift saturates
 * where TFLite would overflow. */
static inline int32_t tflc_conv_mbqm32(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? (shift > 32 ? 32 : shift) : 0, right = shift > 0 ? 0 : -shift;
    int64_t xs = (int64_t)x * (INT64_C(1) << left);
    if (xs > INT32_MAX) xs = INT32_MAX;
    if (xs < INT32_MIN) xs = INT32_MIN;
    return tflc_conv_rounding_shift(tflc_conv_doubling_high_mul((int32_t)xs, multiplier), right);
}

/* TFLite's MultiplyByQuantizedMultiplier(int64) (16x8 kernels): the multiplier is reduced
 * to 16 bits, one rounding: (x * m16 + 2^(14-shift)) >> (15-shift). Needs shift in
 * [-31, 7] (prepare checks); x is saturated to TFLite's documented +-2^47 and the result to
 * int32 where TFLite's arithmetic would overflow. */
static inline int32_t tflc_conv_mbqm64(int64_t x, int32_t multiplier, int shift) {
    const int64_t limit = INT64_C(1) << 47;
    int32_t reduced = multiplier < 0x7FFF0000 ? (int32_t)(((int64_t)multiplier + (1 << 15)) >> 16)
                                              : 0x7FFF;
    int total_shift = 15 - shift;
    if (x >= limit) x = limit - 1;
    if (x < -limit) x = -limit;
    int64_t v = x * reduced + (INT64_C(1) << (total_shift - 1));
    int64_t q = v >= 0 ? v >> total_shift : -((-v - 1) >> total_shift) - 1;   /* floor */
    return q > INT32_MAX ? INT32_MAX : (q < INT32_MIN ? INT32_MIN : (int32_t)q);
}

/* float -> int32 as x86's cvttss2si (the instruction TFLite's casts compile to): truncation,
 * and INT32_MIN for NaN and out-of-range values (C leaves those undefined). */
static inline int32_t tflc_conv_f2i(float x) {
    if (!(x > -2147483904.0f && x < 2147483648.0f)) return INT32_MIN;
    return (int32_t)x;
}

/* ------------------------------------------------------ quantized tensors -- */

/* The quantization of a quantized tensor, checked: present, finite positive scales, zero
 * points within the range of t's dtype (not checked for int32/int64 tensors). */
static inline tflc_status tflc_conv_quant(tflc_node *node, const tflc_tensor *t, const char *what,
                                          const tflc_quantization **out) {
    const tflc_quantization *q = tflc_ops_quant(t);
    *out = NULL;
    if (!q)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s (%s) has no quantization "
                              "parameters", what, tflc_dtype_name(t->dtype));
    int32_t lo = INT32_MIN, hi = INT32_MAX;
    tflc_ops_int_range(t->dtype, &lo, &hi);
    for (int i = 0; i < q->count; i++) {
        int64_t zp = tflc_ops_zero_point(q, i);
        if (!isfinite(q->scales[i]) || !(q->scales[i] > 0.0f))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s scale %g is not a positive "
                                  "number", what, (double)q->scales[i]);
        if (t->dtype != TFLC_INT32 && t->dtype != TFLC_INT64 && (zp < lo || zp > hi))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s zero point %lld is outside "
                                  "the %s range", what, (long long)zp, tflc_dtype_name(t->dtype));
    }
    *out = q;
    return TFLC_OK;
}

/* TFLite's CalculateActivationRangeQuantized: the clamp range, in output units, of a fused
 * activation; quantize(f) = zero_point + round(f / scale) in float. */
static inline tflc_status tflc_conv_act_range_q(tflc_node *node, int kind, tflc_dtype dtype,
                                                float scale, int32_t zero_point, int32_t *lo,
                                                int32_t *hi) {
    int32_t qmin, qmax;
    tflc_ops_int_range(dtype, &qmin, &qmax);
    *lo = qmin;
    *hi = qmax;
    float fmin, fmax;
    switch (kind) {
    case ACT_NONE: return TFLC_OK;
    case ACT_RELU: fmin = 0.0f; fmax = INFINITY; break;
    case ACT_RELU6: fmin = 0.0f; fmax = 6.0f; break;
    case ACT_RELU_N1_TO_1: fmin = -1.0f; fmax = 1.0f; break;
    case ACT_TANH: case ACT_SIGN_BIT:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "fused activation %s is not "
                              "supported by this operator", kind == ACT_TANH ? "TANH" : "SIGN_BIT");
    default:
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown fused activation %d", kind);
    }
    int64_t qlo = (int64_t)zero_point + tflc_conv_f2i(roundf(fmin / scale));
    if (qlo > *lo) *lo = (int32_t)(qlo < qmax ? qlo : qmax);
    if (fmax < INFINITY) {
        int64_t qhi = (int64_t)zero_point + tflc_conv_f2i(roundf(fmax / scale));
        if (qhi < *hi) *hi = (int32_t)(qhi > qmin ? qhi : qmin);
    }
    return TFLC_OK;
}

/* The real multiplier of output channel c: in_scale * filter_scale[c] / out_scale, in
 * double as TFLite's PopulateConvolutionQuantizationParams. filter_q has 1 scale
 * (per-tensor) or one per channel. */
static inline double tflc_conv_channel_ratio(float in_scale, const tflc_quantization *filter_q,
                                             float out_scale, int32_t c) {
    float fs = filter_q->scales[filter_q->count == 1 ? 0 : c];
    return (double)in_scale * (double)fs / (double)out_scale;
}

/* Per-output-channel requantization of a quantized conv: multiplier and shift of each
 * channel's ratio (above), into mult[channels] and shift[channels] (either may be NULL).
 * `int16` asks for the 16x8 range check: TFLite's 64-bit requantization needs shift <= 7;
 * without it this cannot fail. */
static inline tflc_status tflc_conv_channel_multipliers(tflc_node *node, float in_scale,
                                                        const tflc_quantization *filter_q,
                                                        float out_scale, int32_t channels,
                                                        bool int16, int32_t *mult, int32_t *shift) {
    for (int32_t c = 0; c < channels; c++) {
        double ratio = tflc_conv_channel_ratio(in_scale, filter_q, out_scale, c);
        int32_t m;
        int s;
        tflc_conv_quantize_multiplier(ratio, &m, &s);
        if (int16 && s > 7)
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "channel %d: the output scale "
                                  "ratio %g is too large for 16x8 requantization", (int)c, ratio);
        if (mult) mult[c] = m;
        if (shift) shift[c] = s;
    }
    return TFLC_OK;
}

/* ------------------------------------------- requantization, planned once -- */

/* The model that owns the node's constants (NULL for a node built by hand). */
static inline const tflc_model *tflc_conv_model(const tflc_node *node) {
    return node->graph && node->graph->runner ? node->graph->runner->model : NULL;
}

/* The multipliers depend only on model constants (the input, filter and output scales), so
 * prepare computes them once per model into a block of the weight cache, kind
 * TFLC_WCACHE_QS8_MULT, keyed by the filter's data (CONV_2D, DEPTHWISE_CONV_2D and
 * TRANSPOSE_CONV share it; the values do not depend on the op or the ISA). The block is
 *
 *     tflc_conv_mult_header | float filter_scales[n_scales] | int32 mult[channels]
 *                                                            | int32 shift[channels]
 *
 * The header holds every input of the computation: two filter tensors may share one buffer
 * (a flatbuffer allows it) with other scales, and two convs one filter tensor with other
 * input or output scales. A block whose header differs is not used. */
typedef struct tflc_conv_mult_header {
    int32_t channels, n_scales;
    uint32_t in_scale_bits, out_scale_bits;
} tflc_conv_mult_header;

/* Where the block's mult[channels] starts (shift[channels] follows it). */
static inline size_t tflc_conv_mult_block_mult_at(int32_t n_scales) {
    return sizeof(tflc_conv_mult_header) + sizeof(float) * (size_t)n_scales;
}

/* Bytes of the block for `channels` and `n_scales`. */
static inline size_t tflc_conv_mult_block_size(int32_t channels, int32_t n_scales) {
    return tflc_conv_mult_block_mult_at(n_scales) + 2 * sizeof(int32_t) * (size_t)channels;
}

static inline uint32_t tflc_conv_f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* The header of the block for these scales. */
static inline tflc_conv_mult_header tflc_conv_mult_header_of(float in_scale,
                                                             const tflc_quantization *filter_q,
                                                             float out_scale, int32_t channels) {
    tflc_conv_mult_header h = {channels, filter_q->count, tflc_conv_f32_bits(in_scale),
                               tflc_conv_f32_bits(out_scale)};
    return h;
}

/* The requantization plan of a quantized conv. */
typedef struct tflc_conv_mults {
    const int32_t *mult, *shift;          /* [channels] in the cached block, or NULL: */
    size_t mult_off, shift_off;           /*   scratch int32[channels], filled at each eval */
    const tflc_quantization *filter_q;    /* what the eval fill reads */
    float in_scale, out_scale;
    int32_t channels;
} tflc_conv_mults;

/* fill() of the weight cache: arg is the plan, its header then arrays computed. */
static inline void tflc_conv_mult_fill(void *dst, const void *arg) {
    const tflc_conv_mults *cm = arg;
    const tflc_conv_mult_header h =
        tflc_conv_mult_header_of(cm->in_scale, cm->filter_q, cm->out_scale, cm->channels);
    unsigned char *b = dst;
    memcpy(b, &h, sizeof h);
    memcpy(b + sizeof h, cm->filter_q->scales, sizeof(float) * (size_t)h.n_scales);
    int32_t *mult = (int32_t *)(void *)(b + tflc_conv_mult_block_mult_at(h.n_scales));
    (void)tflc_conv_channel_multipliers(NULL, cm->in_scale, cm->filter_q, cm->out_scale,
                                        cm->channels, false, mult, mult + cm->channels);
}

/* True when the cached block at `block` was computed from these scales. */
static inline bool tflc_conv_mult_block_fits(const void *block, const tflc_conv_mults *cm) {
    const tflc_conv_mult_header want =
        tflc_conv_mult_header_of(cm->in_scale, cm->filter_q, cm->out_scale, cm->channels);
    const unsigned char *b = block;
    return memcmp(b, &want, sizeof want) == 0 &&
           memcmp(b + sizeof want, cm->filter_q->scales,
                  sizeof(float) * (size_t)want.n_scales) == 0;
}

/* Prepare of a quantized conv: with `int16`, checks the 16x8 range of the shifts (the one
 * way the multipliers can fail); then takes them from the model's weight cache when the
 * filter is the model's constant and the cached block fits these scales, else reserves
 * scratch for tflc_conv_mults_at_eval to fill at each eval. filter_q has 1 or `channels`
 * scales (tflc_conv_check_filter_scales). */
static inline tflc_status tflc_conv_prepare_mults(tflc_node *node, const tflc_tensor *filter,
                                                  float in_scale,
                                                  const tflc_quantization *filter_q,
                                                  float out_scale, int32_t channels, bool int16,
                                                  size_t *scratch, tflc_conv_mults *cm) {
    tflc_status s = int16 ? tflc_conv_channel_multipliers(node, in_scale, filter_q, out_scale,
                                                          channels, true, NULL, NULL)
                          : TFLC_OK;
    if (s != TFLC_OK) return s;
    *cm = (tflc_conv_mults){.filter_q = filter_q, .in_scale = in_scale, .out_scale = out_scale,
                            .channels = channels};
    const tflc_model *model = tflc_conv_model(node);
    if (tflc_tensor_is_constant(filter) && tflc_weight_cache_owns(model, filter->data)) {
        const size_t bytes = tflc_conv_mult_block_size(channels, filter_q->count);
        const void *b = tflc_weight_cache_get(model, filter->data, TFLC_WCACHE_QS8_MULT, bytes,
                                              tflc_conv_mult_fill, cm);
        if (b && tflc_conv_mult_block_fits(b, cm)) {
            cm->mult = (const int32_t *)(const void *)((const unsigned char *)b +
                                                       tflc_conv_mult_block_mult_at(filter_q->count));
            cm->shift = cm->mult + channels;
            return TFLC_OK;
        }
    }
    cm->mult_off = tflc_conv_scratch_reserve(scratch, sizeof(int32_t) * (size_t)channels);
    cm->shift_off = tflc_conv_scratch_reserve(scratch, sizeof(int32_t) * (size_t)channels);
    return TFLC_OK;
}

/* Eval: the multipliers and shifts [channels], computed into scratch when not cached (no
 * allocation either way). */
static inline void tflc_conv_mults_at_eval(const tflc_node *node, const tflc_conv_mults *cm,
                                           const int32_t **mult, const int32_t **shift) {
    if (cm->mult) {
        *mult = cm->mult;
        *shift = cm->shift;
        return;
    }
    int32_t *m = tflc_conv_scratch_at(node, cm->mult_off);
    int32_t *s = tflc_conv_scratch_at(node, cm->shift_off);
    (void)tflc_conv_channel_multipliers(NULL, cm->in_scale, cm->filter_q, cm->out_scale,
                                        cm->channels, false, m, s);
    *mult = m;
    *shift = s;
}

/* The filter's scales must be one (per-tensor) or one per output channel. */
static inline tflc_status tflc_conv_check_filter_scales(tflc_node *node,
                                                        const tflc_quantization *q,
                                                        int32_t channels) {
    if (q->count == 1 || q->count == channels) return TFLC_OK;
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter has %d scales, expected 1 or "
                          "%d (one per output channel)", q->count, (int)channels);
}

/* --------------------------------------- hybrid: quantizing the input on the fly -- */

/* TFLite's tensor_utils::AsymmetricQuantizeFloats as its x86 and ARM builds run it (the
 * NEON variant, through NEON_2_SSE on x86): the range [min(0, min x), max(0, max x)] maps
 * onto [-128, 127] with a nudged zero point; the range width is taken in float. The first
 * n & ~7 values round by adding +-0.5 and truncating, the tail with roundf; the zero point
 * is added after rounding. Writes q[n], *scale and *zero_point. */
static inline void tflc_conv_quantize_asymmetric(const float *x, size_t n, int8_t *q,
                                                 float *scale, int32_t *zero_point) {
    float rmin = 0.0f, rmax = 0.0f;
    for (size_t i = 0; i < n; i++) {
        if (x[i] < rmin) rmin = x[i];
        if (x[i] > rmax) rmax = x[i];
    }
    if (rmin == rmax) {
        memset(q, 0, n);
        *scale = 1.0f;
        *zero_point = 0;
        return;
    }
    double s = (double)(rmax - rmin) / 255.0;
    double zp_min = -128.0 - (double)rmin / s, zp_max = 127.0 - (double)rmax / s;
    double err_min = 128.0 + fabs((double)rmin / s), err_max = 127.0 + fabs((double)rmax / s);
    double zpd = err_min < err_max ? zp_min : zp_max;
    int32_t zp = zpd <= -128.0 ? -128 : (zpd >= 127.0 ? 127 : (int32_t)round(zpd));
    *scale = (float)s;
    *zero_point = zp;
    float inv = (float)(1.0 / (double)*scale);
    size_t vec = n & ~(size_t)7;
    for (size_t i = 0; i < n; i++) {
        float p = inv * x[i];
        int64_t r = i < vec ? tflc_conv_f2i(p + (p < 0.0f ? -0.5f : 0.5f))
                            : tflc_conv_f2i(roundf(p));
        r += zp;
        q[i] = (int8_t)(r < -128 ? -128 : (r > 127 ? 127 : r));
    }
}

/* TFLite's tensor_utils::SymmetricQuantizeFloats (NEON variant as above): scale =
 * max|x| / 127, values rounded to [-127, 127]. Writes q[n] and *scale (1 for all zeros). */
static inline void tflc_conv_quantize_symmetric(const float *x, size_t n, int8_t *q,
                                                float *scale) {
    float mn = n ? x[0] : 0.0f, mx = mn;
    for (size_t i = 1; i < n; i++) {
        if (x[i] < mn) mn = x[i];
        if (mx < x[i]) mx = x[i];
    }
    float range = fabsf(mn) < fabsf(mx) ? fabsf(mx) : fabsf(mn);
    if (range == 0.0f) {
        memset(q, 0, n);
        *scale = 1.0f;
        return;
    }
    *scale = range / 127.0f;
    float inv = 127.0f / range;
    size_t vec = n & ~(size_t)7;
    for (size_t i = 0; i < n; i++) {
        float p = x[i] * inv;
        int32_t r = i < vec ? tflc_conv_f2i(p + (p < 0.0f ? -0.5f : 0.5f))
                            : tflc_conv_f2i(roundf(p));
        q[i] = (int8_t)(r < -127 ? -127 : (r > 127 ? 127 : r));
    }
}

/* The per-channel scales of a hybrid filter, one per output channel: q->count == channels,
 * or a single scale repeated (TFLite expands it the same way). */
static inline float tflc_conv_channel_scale(const tflc_quantization *q, int32_t c) {
    return q->scales[q->count == 1 ? 0 : c];
}

/* True when a quantization has more than one distinct scale (TFLite's hybrid kernels pick
 * their per-channel path on this). */
static inline bool tflc_conv_scales_differ(const tflc_quantization *q) {
    for (int i = 1; i < q->count; i++)
        if (q->scales[i] != q->scales[0]) return true;
    return false;
}

#endif
