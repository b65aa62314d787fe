/*
 * resize.c -- RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR over the spatial dims of NHWC
 * tensors: float32, int8, uint8, int16 (quantized values pass through, as in TFLite: the
 * output shares the input's scale and zero point).
 *
 *   input [N, H, W, C], size (int32 [2], constant) = {OH, OW} -> output [N, OH, OW, C]
 *
 * scale = H / OH, or (H - 1) / (OH - 1) with align_corners (OH > 1); same for W.
 * RESIZE_BILINEAR (TFLite's reference kernels, which LiteRT's builtin ones agree with):
 *   float32, uint8: src = y * scale (half_pixel_centers: (y + 0.5) * scale - 0.5), y0 =
 *     max(floor(src), 0), y1 = min(ceil(src), H - 1), and the four neighbours are weighted by
 *     (1 - dy)(1 - dx), dy(1 - dx), (1 - dy)dx, dy dx in float (uint8: + 0.5, truncated).
 *   int8, int16: the same in 10-bit fixed point (scale_10 = round(1024 * scale)), the 20-bit
 *     weighted sum rounded half away from zero.
 * RESIZE_NEAREST_NEIGHBOR: src = floor((y + offset) * scale) (align_corners: round), clamped
 *   to [0, H - 1], offset 0.5 with half_pixel_centers; the element is copied.
 */
#include <string.h>

#include "ops/nn_common.h"

typedef struct resize_params {
    int32_t batches, in_h, in_w, depth, out_h, out_w;
    bool align_corners, half_pixel;
    tflc_dtype dtype;
    size_t elem;                 /* element size in bytes */
} resize_params;

/* -------------------------------------------------------------- prepare -- */

static tflc_status resize_read_size(tflc_node *node, resize_params *p) {
    const tflc_tensor *size = node->inputs[1];
    tflc_status s = tflc_ops_expect_dtype(node, size, "input", 1, TFLC_INT32);
    if (s != TFLC_OK) return s;
    if (size->rank != 1 || size->dims[0] != 2)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "size (input 1) must have shape [2]");
    if (!tflc_ops_is_const(size) || !size->data)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "size (input 1) must be a constant (data-dependent output "
                              "shapes are not supported)");
    const int32_t *v = size->data;
    if (v[0] <= 0 || v[1] <= 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output size %dx%d is not positive",
                              (int)v[0], (int)v[1]);
    p->out_h = v[0];
    p->out_w = v[1];
    return TFLC_OK;
}

static tflc_status resize_prepare_common(tflc_node *node, resize_params *p, bool align,
                                         bool half) {
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if (in->dtype != TFLC_FLOAT32 && !nn_is_qint(in->dtype))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported (float32, int8, uint8, int16 are)",
                              tflc_dtype_name(in->dtype));
    if (in->rank != 4) {
        char si[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input must have rank 4, got %s",
                              tflc_ops_shape_str(in->dims, in->rank, si, sizeof si));
    }
    if (align && half)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "align_corners and half_pixel_centers cannot both be set");
    s = resize_read_size(node, p);
    if (s != TFLC_OK) return s;
    p->align_corners = align;
    p->half_pixel = half;
    p->dtype = in->dtype;
    p->elem = tflc_dtype_size(in->dtype);
    p->batches = in->dims[0];
    p->in_h = in->dims[1];
    p->in_w = in->dims[2];
    p->depth = in->dims[3];
    const int32_t dims[4] = {p->batches, p->out_h, p->out_w, p->depth};
    return tflc_node_set_output_shape(node, 0, dims, 4);
}

static tflc_status bilinear_prepare(tflc_node *node) {
    const uint8_t *o = tflc_ops_options(node, BO_ResizeBilinear);
    return resize_prepare_common(node, node->params,
                                 o && fb_u8(o, RESIZE_BILINEAR_OPT_ALIGN_CORNERS, 0),
                                 o && fb_u8(o, RESIZE_BILINEAR_OPT_HALF_PIXEL, 0));
}

static tflc_status nearest_prepare(tflc_node *node) {
    const uint8_t *o = tflc_ops_options(node, BO_ResizeNearestNeighbor);
    return resize_prepare_common(node, node->params,
                                 o && fb_u8(o, RESIZE_NN_OPT_ALIGN_CORNERS, 0),
                                 o && fb_u8(o, RESIZE_NN_OPT_HALF_PIXEL, 0));
}

/* ---------------------------------------------------------- bilinear float -- */

static float resize_scale(int32_t in, int32_t out, bool align) {
    if (align && out > 1) return (float)(in - 1) / (float)(out - 1);
    return (float)in / (float)out;
}

/* Source coordinate and its two integer neighbours (TFLite's ComputeInterpolationValues). */
static void bl_coord(int32_t v, float scale, bool half, int32_t size, float *src, int32_t *lo,
                     int32_t *hi) {
    *src = half ? ((float)v + 0.5f) * scale - 0.5f : (float)v * scale;
    int32_t f = (int32_t)floorf(*src), c = (int32_t)ceilf(*src);
    *lo = f > 0 ? f : 0;
    *hi = c < size - 1 ? c : size - 1;
}

static float bl_load(const resize_params *p, const void *in, size_t i) {
    return p->dtype == TFLC_FLOAT32 ? ((const float *)in)[i] : (float)nn_load_q(in, i, p->dtype);
}

static void bl_pixel_float(const resize_params *p, const void *in, void *out, size_t ob,
                           size_t base_b, float sy, int32_t y0, int32_t y1, float sx, int32_t x0,
                           int32_t x1) {
    const size_t W = (size_t)p->in_w, D = (size_t)p->depth;
    const float dy = sy - (float)y0, dx = sx - (float)x0;
    const size_t i00 = base_b + ((size_t)y0 * W + (size_t)x0) * D;
    const size_t i10 = base_b + ((size_t)y1 * W + (size_t)x0) * D;
    const size_t i01 = base_b + ((size_t)y0 * W + (size_t)x1) * D;
    const size_t i11 = base_b + ((size_t)y1 * W + (size_t)x1) * D;
    for (size_t c = 0; c < D; c++) {
        float v = bl_load(p, in, i00 + c) * (1 - dy) * (1 - dx) +
                  bl_load(p, in, i10 + c) * dy * (1 - dx) +
                  bl_load(p, in, i01 + c) * (1 - dy) * dx + bl_load(p, in, i11 + c) * dy * dx;
        if (p->dtype == TFLC_FLOAT32) ((float *)out)[ob + c] = v;
        else nn_store_q(out, ob + c, p->dtype, (int32_t)(v + 0.5f));   /* uint8: >= 0 */
    }
}

static void bilinear_float(const resize_params *p, const void *in, void *out) {
    const float hs = resize_scale(p->in_h, p->out_h, p->align_corners);
    const float ws = resize_scale(p->in_w, p->out_w, p->align_corners);
    const size_t D = (size_t)p->depth, in_b = (size_t)p->in_h * (size_t)p->in_w * D;
    size_t ob = 0;
    for (int32_t b = 0; b < p->batches; b++)
        for (int32_t y = 0; y < p->out_h; y++) {
            float sy;
            int32_t y0, y1;
            bl_coord(y, hs, p->half_pixel, p->in_h, &sy, &y0, &y1);
            for (int32_t x = 0; x < p->out_w; x++, ob += D) {
                float sx;
                int32_t x0, x1;
                bl_coord(x, ws, p->half_pixel, p->in_w, &sx, &x0, &x1);
                bl_pixel_float(p, in, out, ob, (size_t)b * in_b, sy, y0, y1, sx, x0, x1);
            }
        }
}

/* -------------------------------------------------------- bilinear integer -- */

/* round(1024 * in / out) in integers (TFLite's scale_10). */
static int32_t bl_scale10(int32_t in, int32_t out, bool align) {
    if (align && out > 1) return (int32_t)(((int64_t)1024 * (in - 1) + (out - 1) / 2) / (out - 1));
    return (int32_t)(((int64_t)1024 * in + out / 2) / out);
}

static void bl_coord10(int32_t v, int32_t scale10, bool half, int32_t size, int64_t *src,
                       int32_t *lo, int32_t *hi) {
    *src = half ? (int64_t)v * scale10 + scale10 / 2 - (1 << 9) : (int64_t)v * scale10;
    int64_t f = *src / 1024, c = (*src + 1023) / 1024;      /* C division truncates, as C++ */
    *lo = f > 0 ? (int32_t)f : 0;
    *hi = c < size - 1 ? (int32_t)c : size - 1;
}

static void bl_pixel_int(const resize_params *p, const void *in, void *out, size_t ob,
                         size_t base_b, int64_t sy, int32_t y0, int32_t y1, int64_t sx,
                         int32_t x0, int32_t x1) {
    const size_t W = (size_t)p->in_w, D = (size_t)p->depth;
    const int64_t fy = sy - 1024 * y0, fx = sx - 1024 * x0;
    const size_t i00 = base_b + ((size_t)y0 * W + (size_t)x0) * D;
    const size_t i10 = base_b + ((size_t)y1 * W + (size_t)x0) * D;
    const size_t i01 = base_b + ((size_t)y0 * W + (size_t)x1) * D;
    const size_t i11 = base_b + ((size_t)y1 * W + (size_t)x1) * D;
    for (size_t c = 0; c < D; c++) {
        int64_t v = (int64_t)nn_load_q(in, i00 + c, p->dtype) * (1024 - fy) * (1024 - fx) +
                    (int64_t)nn_load_q(in, i10 + c, p->dtype) * fy * (1024 - fx) +
                    (int64_t)nn_load_q(in, i01 + c, p->dtype) * (1024 - fy) * fx +
                    (int64_t)nn_load_q(in, i11 + c, p->dtype) * fy * fx;
        const int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
        nn_store_q(out, ob + c, p->dtype, (int32_t)((v + round) / (1 << 20)));
    }
}

static void bilinear_int(const resize_params *p, const void *in, void *out) {
    const int32_t hs = bl_scale10(p->in_h, p->out_h, p->align_corners);
    const int32_t ws = bl_scale10(p->in_w, p->out_w, p->align_corners);
    const size_t D = (size_t)p->depth, in_b = (size_t)p->in_h * (size_t)p->in_w * D;
    size_t ob = 0;
    for (int32_t b = 0; b < p->batches; b++)
        for (int32_t y = 0; y < p->out_h; y++) {
            int64_t sy;
            int32_t y0, y1;
            bl_coord10(y, hs, p->half_pixel, p->in_h, &sy, &y0, &y1);
            for (int32_t x = 0; x < p->out_w; x++, ob += D) {
                int64_t sx;
                int32_t x0, x1;
                bl_coord10(x, ws, p->half_pixel, p->in_w, &sx, &x0, &x1);
                bl_pixel_int(p, in, out, ob, (size_t)b * in_b, sy, y0, y1, sx, x0, x1);
            }
        }
}

static tflc_status bilinear_eval(tflc_node *node) {
    const resize_params *p = node->params;
    const void *in = node->inputs[0]->data;
    void *out = node->outputs[0]->data;
    if (p->in_h == 0 || p->in_w == 0 || p->depth == 0 || p->batches == 0) return TFLC_OK;
    if (p->dtype == TFLC_FLOAT32 || p->dtype == TFLC_UINT8) bilinear_float(p, in, out);
    else bilinear_int(p, in, out);
    return TFLC_OK;
}

/* ------------------------------------------------------------------ nearest -- */

/* TFLite's GetNearestNeighbor. */
static int32_t nn_source(int32_t v, int32_t in, int32_t out, bool align, bool half) {
    const float scale = resize_scale(in, out, align);
    const float offset = half ? 0.5f : 0.0f;
    const float src = ((float)v + offset) * scale;
    int32_t r = align ? (int32_t)roundf(src) : (int32_t)floorf(src);
    if (r > in - 1) r = in - 1;
    if (half && r < 0) r = 0;
    return r;
}

static tflc_status nearest_eval(tflc_node *node) {
    const resize_params *p = node->params;
    const char *in = node->inputs[0]->data;
    char *out = node->outputs[0]->data;
    const size_t px = (size_t)p->depth * p->elem;
    const size_t row = (size_t)p->in_w * px, img = (size_t)p->in_h * row;
    if (p->in_h == 0 || p->in_w == 0 || px == 0) return TFLC_OK;
    for (int32_t b = 0; b < p->batches; b++)
        for (int32_t y = 0; y < p->out_h; y++) {
            const int32_t sy = nn_source(y, p->in_h, p->out_h, p->align_corners, p->half_pixel);
            for (int32_t x = 0; x < p->out_w; x++, out += px) {
                const int32_t sx = nn_source(x, p->in_w, p->out_w, p->align_corners, p->half_pixel);
                memcpy(out, in + (size_t)b * img + (size_t)sy * row + (size_t)sx * px, px);
            }
        }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_resize_bilinear = {
    .name = "RESIZE_BILINEAR",
    .params_size = sizeof(resize_params),
    .prepare = bilinear_prepare,
    .eval = bilinear_eval,
};

const tflc_kernel tflc_kernel_resize_nearest_neighbor = {
    .name = "RESIZE_NEAREST_NEIGHBOR",
    .params_size = sizeof(resize_params),
    .prepare = nearest_prepare,
    .eval = nearest_eval,
};
