/*
 * conv_3d.c -- CONV_3D and CONV_3D_TRANSPOSE, float32 (TFLite has no quantized kernels).
 *
 * CONV_3D
 *   input  [N, D, H, W, C]
 *   filter [KD, KH, KW, C, M]
 *   bias   [M]                     optional
 *   output [N, OD, OH, OW, M]
 *   out[n,z,y,x,m] = act(bias[m] + sum over kd, ky, kx, c of
 *                        in[n, z*sd - pd + kd*dd, y*sh - ph + ky*dh, x*sw - pw + kx*dw, c]
 *                        * w[kd,ky,kx,c,m]),   window points outside the input skipped.
 *
 * CONV_3D_TRANSPOSE
 *   output_shape int32 [5], constant: [N, OD, OH, OW, M]
 *   filter [KD, KH, KW, M, C]
 *   input  [N, D, H, W, C]
 *   bias   [M]                     optional (input 3)
 *   Each input element scatters: out[n, z*sd - pd + kd*dd, ..., m] += in[n,z,y,x,c] *
 *   w[kd,ky,kx,m,c]; then bias and activation. Padding as a CONV_3D from the output size.
 *
 * Sums run in TFLite's reference order (window (kd, ky, kx) then c, from 0; scatter in
 * input order), so results match its reference kernels; its optimized ones reorder.
 */
#include "ops/conv_common.h"

typedef struct conv3d_params {
    int32_t batches, in_c, out_c;
    tflc_conv_axis d, y, x;        /* CONV_3D: .in is the input; transpose: .in is the output */
    int32_t src_d, src_h, src_w;   /* transpose: the input's spatial size */
    tflc_ops_act act;
} conv3d_params;

/* ------------------------------------------------------------- prepare -- */

static tflc_status conv3d_options(tflc_node *node, conv3d_params *p) {
    const uint8_t *o = tflc_ops_options(node, BO_Conv3D);
    int padding = tflc_conv_read_padding(o, CONV3D_OPT_PADDING);
    p->d.stride = o ? fb_i32(o, CONV3D_OPT_STRIDE_D, 0) : 0;
    p->y.stride = o ? fb_i32(o, CONV3D_OPT_STRIDE_H, 0) : 0;
    p->x.stride = o ? fb_i32(o, CONV3D_OPT_STRIDE_W, 0) : 0;
    p->d.dilation = o ? fb_i32(o, CONV3D_OPT_DILATION_D, 1) : 1;
    p->y.dilation = o ? fb_i32(o, CONV3D_OPT_DILATION_H, 1) : 1;
    p->x.dilation = o ? fb_i32(o, CONV3D_OPT_DILATION_W, 1) : 1;
    tflc_status s = tflc_conv_act_f32(node, o ? fb_i8(o, CONV3D_OPT_ACTIVATION, 0) : 0, &p->act);
    if (s == TFLC_OK) s = tflc_conv_plan_axis(node, "depth", padding, &p->d);
    if (s == TFLC_OK) s = tflc_conv_plan_axis(node, "height", padding, &p->y);
    if (s == TFLC_OK) s = tflc_conv_plan_axis(node, "width", padding, &p->x);
    return s;
}

/* float32 data, rank 5 input and filter, bias [M]. */
static tflc_status conv3d_check(tflc_node *node, int in_index, int bias_index) {
    const tflc_tensor *w = node->inputs[1], *in = node->inputs[in_index];
    const tflc_tensor *bias = tflc_ops_optional_input(node, bias_index);
    if (in->dtype != TFLC_FLOAT32)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported (only "
                              "float32 is)", tflc_dtype_name(in->dtype));
    tflc_status s = tflc_ops_expect_dtype(node, w, "input", 1, TFLC_FLOAT32);
    if (s == TFLC_OK && bias)
        s = tflc_ops_expect_dtype(node, bias, "input", bias_index, TFLC_FLOAT32);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    if (s == TFLC_OK) s = tflc_conv_expect_rank(node, in, "input", 5);
    if (s == TFLC_OK) s = tflc_conv_expect_rank(node, w, "filter (input 1)", 5);
    return s;
}

static tflc_status conv3d_bias_size(tflc_node *node, const conv3d_params *p, int bias_index) {
    const tflc_tensor *bias = tflc_ops_optional_input(node, bias_index);
    if (!bias || tflc_tensor_count(bias) == (size_t)p->out_c) return TFLC_OK;
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "bias (input %d) has %zu elements, "
                          "expected %d (output channels)", bias_index, tflc_tensor_count(bias),
                          (int)p->out_c);
}

static tflc_status conv3d_prepare(tflc_node *node) {
    conv3d_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 3, 1);
    if (s == TFLC_OK) s = conv3d_check(node, 0, 2);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    p->batches = in->dims[0];
    p->d.in = in->dims[1];
    p->y.in = in->dims[2];
    p->x.in = in->dims[3];
    p->in_c = in->dims[4];
    p->d.filter = w->dims[0];
    p->y.filter = w->dims[1];
    p->x.filter = w->dims[2];
    p->out_c = w->dims[4];
    if (w->dims[3] != p->in_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter has %d input channels, "
                              "the input has %d", (int)w->dims[3], (int)p->in_c);
    s = conv3d_bias_size(node, p, 2);
    if (s == TFLC_OK) s = conv3d_options(node, p);
    if (s != TFLC_OK) return s;
    const int32_t dims[5] = {p->batches, p->d.out, p->y.out, p->x.out, p->out_c};
    return tflc_node_set_output_shape(node, 0, dims, 5);
}

/* The output shape of CONV_3D_TRANSPOSE from input 0: int32 [5], readable now. */
static tflc_status conv3dt_output_shape(tflc_node *node, const conv3d_params *p, int32_t dims[5]) {
    const tflc_tensor *shape = node->inputs[0];
    tflc_status s = tflc_ops_expect_dtype(node, shape, "input", 0, TFLC_INT32);
    if (s != TFLC_OK) return s;
    if (shape->rank != 1 || shape->dims[0] != 5)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output_shape (input 0) must "
                              "hold 5 values");
    if (!tflc_tensor_is_constant(shape) || !shape->data)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "output_shape (input 0) must be a "
                              "constant");
    memcpy(dims, shape->data, 5 * sizeof(int32_t));
    if (dims[0] != p->batches || dims[1] < 0 || dims[2] < 0 || dims[3] < 0 || dims[4] != p->out_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output_shape [%d,%d,%d,%d,%d] "
                              "does not fit %d batches and %d output channels", (int)dims[0],
                              (int)dims[1], (int)dims[2], (int)dims[3], (int)dims[4],
                              (int)p->batches, (int)p->out_c);
    return TFLC_OK;
}

static tflc_status conv3dt_prepare(tflc_node *node) {
    conv3d_params *p = node->params;
    int32_t dims[5];
    tflc_status s = tflc_ops_check_arity(node, 3, 4, 1);
    if (s == TFLC_OK) s = conv3d_check(node, 2, 3);
    if (s != TFLC_OK) return s;
    const tflc_tensor *w = node->inputs[1], *in = node->inputs[2];
    p->batches = in->dims[0];
    p->src_d = in->dims[1];
    p->src_h = in->dims[2];
    p->src_w = in->dims[3];
    p->in_c = in->dims[4];
    p->d.filter = w->dims[0];
    p->y.filter = w->dims[1];
    p->x.filter = w->dims[2];
    p->out_c = w->dims[3];
    if (w->dims[4] != p->in_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter has %d input channels, "
                              "the input has %d", (int)w->dims[4], (int)p->in_c);
    s = conv3d_bias_size(node, p, 3);
    if (s == TFLC_OK) s = conv3dt_output_shape(node, p, dims);
    if (s != TFLC_OK) return s;
    p->d.in = dims[1], p->y.in = dims[2], p->x.in = dims[3];
    s = conv3d_options(node, p);
    return s == TFLC_OK ? tflc_node_set_output_shape(node, 0, dims, 5) : s;
}

/* ---------------------------------------------------------------- eval -- */

/* A 3D window: origin and the taps [k0, k1) per axis that fall inside the (.in) volume. */
typedef struct conv3d_window {
    int64_t z0, y0, x0;
    int32_t kd0, kd1, ky0, ky1, kx0, kx1;
} conv3d_window;

static conv3d_window conv3d_window_at(const conv3d_params *p, int32_t z, int32_t y, int32_t x) {
    conv3d_window w;
    w.z0 = (int64_t)z * p->d.stride - p->d.pad;
    w.y0 = (int64_t)y * p->y.stride - p->y.pad;
    w.x0 = (int64_t)x * p->x.stride - p->x.pad;
    tflc_conv_taps(w.z0, &p->d, &w.kd0, &w.kd1);
    tflc_conv_taps(w.y0, &p->y, &w.ky0, &w.ky1);
    tflc_conv_taps(w.x0, &p->x, &w.kx0, &w.kx1);
    return w;
}

/* Offset of [n, z, y, x, 0] in a [N, D, H, W, channels] tensor. */
static size_t conv3d_at(int32_t n, int64_t z, int64_t y, int64_t x, int32_t d, int32_t h,
                        int32_t w, int32_t channels) {
    return ((((size_t)n * (size_t)d + (size_t)z) * (size_t)h + (size_t)y) * (size_t)w +
            (size_t)x) * (size_t)channels;
}

/* Position of tap (kd, ky, kx) of window win in the .in volume. */
static size_t conv3d_tap_at(const conv3d_params *p, const conv3d_window *win, int32_t n,
                            int32_t kd, int32_t ky, int32_t kx, int32_t channels) {
    int64_t z = win->z0 + (int64_t)kd * p->d.dilation, y = win->y0 + (int64_t)ky * p->y.dilation;
    int64_t x = win->x0 + (int64_t)kx * p->x.dilation;
    return conv3d_at(n, z, y, x, p->d.in, p->y.in, p->x.in, channels);
}

static size_t conv3d_w_at(const conv3d_params *p, int32_t kd, int32_t ky, int32_t kx) {
    return (((size_t)kd * (size_t)p->y.filter + (size_t)ky) * (size_t)p->x.filter + (size_t)kx) *
           (size_t)p->in_c * (size_t)p->out_c;
}

static float conv3d_acc(const conv3d_params *p, const conv3d_window *win, const float *in,
                        const float *w, int32_t n, int32_t m) {
    float acc = 0.0f;
    for (int32_t kd = win->kd0; kd < win->kd1; kd++)
        for (int32_t ky = win->ky0; ky < win->ky1; ky++)
            for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
                const float *x = in + conv3d_tap_at(p, win, n, kd, ky, kx, p->in_c);
                const float *f = w + conv3d_w_at(p, kd, ky, kx) + (size_t)m;
                for (int32_t c = 0; c < p->in_c; c++) acc += x[c] * f[(size_t)c * (size_t)p->out_c];
            }
    return acc;
}

static tflc_status conv3d_eval(tflc_node *node) {
    const conv3d_params *p = node->params;
    const float *in = node->inputs[0]->data, *w = node->inputs[1]->data;
    const tflc_tensor *bias_t = tflc_ops_optional_input(node, 2);
    const float *bias = bias_t ? bias_t->data : NULL;
    float *out = node->outputs[0]->data;
    size_t at = 0;
    for (int32_t n = 0; n < p->batches; n++)
        for (int32_t z = 0; z < p->d.out; z++)
            for (int32_t y = 0; y < p->y.out; y++)
                for (int32_t x = 0; x < p->x.out; x++) {
                    conv3d_window win = conv3d_window_at(p, z, y, x);
                    for (int32_t m = 0; m < p->out_c; m++, at++) {
                        float acc = conv3d_acc(p, &win, in, w, n, m);
                        out[at] = tflc_ops_apply_act_f32(&p->act, acc + (bias ? bias[m] : 0.0f));
                    }
                }
    return TFLC_OK;
}

/* CONV_3D_TRANSPOSE: scatter one input pixel's C values through the filter. */
static void conv3dt_scatter_pixel(const conv3d_params *p, const conv3d_window *win, int32_t n,
                                  const float *x, const float *w, float *out) {
    for (int32_t c = 0; c < p->in_c; c++)
        for (int32_t kd = win->kd0; kd < win->kd1; kd++)
            for (int32_t ky = win->ky0; ky < win->ky1; ky++)
                for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
                    float *o = out + conv3d_tap_at(p, win, n, kd, ky, kx, p->out_c);
                    const float *f = w + conv3d_w_at(p, kd, ky, kx) + (size_t)c;
                    for (int32_t m = 0; m < p->out_c; m++)
                        o[m] += x[c] * f[(size_t)m * (size_t)p->in_c];
                }
}

static tflc_status conv3dt_eval(tflc_node *node) {
    const conv3d_params *p = node->params;
    const float *w = node->inputs[1]->data, *in = node->inputs[2]->data;
    const tflc_tensor *bias_t = tflc_ops_optional_input(node, 3);
    const float *bias = bias_t ? bias_t->data : NULL;
    tflc_tensor *out_t = node->outputs[0];
    float *out = out_t->data;
    size_t count = tflc_tensor_count(out_t);
    memset(out, 0, count * sizeof(float));
    for (int32_t n = 0; n < p->batches; n++)
        for (int32_t z = 0; z < p->src_d; z++)
            for (int32_t y = 0; y < p->src_h; y++)
                for (int32_t x = 0; x < p->src_w; x++) {
                    conv3d_window win = conv3d_window_at(p, z, y, x);
                    const float *px =
                        in + conv3d_at(n, z, y, x, p->src_d, p->src_h, p->src_w, p->in_c);
                    conv3dt_scatter_pixel(p, &win, n, px, w, out);
                }
    for (size_t i = 0; i < count; i++)
        out[i] = tflc_ops_apply_act_f32(&p->act,
                                        bias ? out[i] + bias[i % (size_t)p->out_c] : out[i]);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_conv_3d = {
    .name = "CONV_3D",
    .params_size = sizeof(conv3d_params),
    .prepare = conv3d_prepare,
    .eval = conv3d_eval,
};
const tflc_kernel tflc_kernel_conv_3d_transpose = {
    .name = "CONV_3D_TRANSPOSE",
    .params_size = sizeof(conv3d_params),
    .prepare = conv3dt_prepare,
    .eval = conv3dt_eval,
};
