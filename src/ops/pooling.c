/*
 * pooling.c -- AVERAGE_POOL_2D, MAX_POOL_2D (float32, int8, uint8, int16) and L2_POOL_2D
 * (float32).
 *
 *   input  [N, H, W, C]  ->  output [N, OH, OW, C]
 *   Window of output (y, x): rows y*sh - pad_h + [0, KH), columns x*sw - pad_w + [0, KW),
 *   clipped to the input; padding never enters a result (an average divides by the number
 *   of input elements in the window).
 *
 *   average  float: sum in row-major window order, divided by the count, then the fused
 *                   activation; integer: exact sum, divided rounding half away from zero
 *                   (uint8: half up, as TFLite), clamped to the activation range
 *   max      the largest element (float starts from -FLT_MAX, as TFLite's reference)
 *   l2       sqrt(sum of squares / count)
 * Eval takes one output position at a time and folds each tap's row of C channels into C
 * accumulators (for a quantized maximum, the output row itself, in its own type), which
 * keeps every channel's order of operations (and so its bits) and lets the channel loop
 * vectorize. A maximum of float32, int8 or uint8 instead hands the window's input rows to
 * the max-pool kernels (kernels/maxpool.h), the same fold in SIMD. Quantized pools keep the
 * input's quantization: the output must have the same scale and zero point (TFLite assumes
 * it and does not rescale).
 */
#include "ops/conv_common.h"

#include "kernels/maxpool.h"

typedef enum pool_kind { POOL_AVERAGE, POOL_MAX, POOL_L2 } pool_kind;

typedef struct pool_params {
    tflc_conv_geom g;              /* out_c == in_c; filter sizes from the options */
    tflc_dtype dtype;
    tflc_ops_act act;              /* float */
    int32_t act_min, act_max;      /* quantized, in output units */
    bool rows_q;                   /* quantized: channel-row path with int32 sums (scratch) */
    int threads;                   /* tflc_node_num_threads at prepare: scratch slots */
    const tflc_maxpool_config *max_kernel;   /* MAX of float32, int8, uint8 (else NULL) */
} pool_params;

/* ------------------------------------------------------------- prepare -- */

static tflc_status pool_read_options(tflc_node *node, pool_params *p, int *act_kind) {
    const uint8_t *o = tflc_ops_options(node, BO_Pool2D);
    int padding = tflc_conv_read_padding(o, POOL_OPT_PADDING);
    p->g.y.stride = o ? fb_i32(o, POOL_OPT_STRIDE_H, 0) : 0;
    p->g.x.stride = o ? fb_i32(o, POOL_OPT_STRIDE_W, 0) : 0;
    p->g.y.filter = o ? fb_i32(o, POOL_OPT_FILTER_H, 0) : 0;
    p->g.x.filter = o ? fb_i32(o, POOL_OPT_FILTER_W, 0) : 0;
    p->g.y.dilation = p->g.x.dilation = 1;
    *act_kind = o ? fb_i8(o, POOL_OPT_ACTIVATION, ACT_NONE) : ACT_NONE;
    tflc_status s = tflc_conv_plan_axis(node, "height", padding, &p->g.y);
    return s == TFLC_OK ? tflc_conv_plan_axis(node, "width", padding, &p->g.x) : s;
}

/* Quantized pools: input and output share scale (within TFLite's 1e-6) and zero point. */
static tflc_status pool_prepare_quantized(tflc_node *node, pool_params *p, int act_kind) {
    const tflc_quantization *iq, *oq;
    tflc_status s = tflc_conv_quant(node, node->inputs[0], "input", &iq);
    if (s == TFLC_OK) s = tflc_conv_quant(node, node->outputs[0], "output", &oq);
    if (s != TFLC_OK) return s;
    int64_t izp = tflc_ops_zero_point(iq, 0), ozp = tflc_ops_zero_point(oq, 0);
    if (fabsf(iq->scales[0] - oq->scales[0]) > 1e-6f || izp != ozp)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "input (scale %g, zero point %lld) "
                              "and output (scale %g, zero point %lld) quantization differ",
                              (double)iq->scales[0], (long long)izp, (double)oq->scales[0],
                              (long long)ozp);
    return tflc_conv_act_range_q(node, act_kind, p->dtype, oq->scales[0], (int32_t)ozp,
                                 &p->act_min, &p->act_max);
}

/* The quantized channel-row path sums a window into int32: a window holds at most
 * min(KH, H) * min(KW, W) inputs of magnitude <= 2^15, so up to 2^16 - 1 of them it stays
 * exact, rounding term (count / 2) included.
 * Scratch: one int32 accumulator per channel for each thread. */
static void pool_plan_rows_q(tflc_node *node, pool_params *p) {
    int64_t kh = p->g.y.filter < p->g.y.in ? p->g.y.filter : p->g.y.in;
    int64_t kw = p->g.x.filter < p->g.x.in ? p->g.x.filter : p->g.x.in;
    p->rows_q = kh * kw < 65536;
    p->threads = tflc_node_num_threads(node);
    if (p->rows_q)
        node->scratch_bytes = (size_t)p->threads * (size_t)p->g.in_c * sizeof(int32_t);
}

static tflc_status pool_prepare(tflc_node *node, pool_kind kind) {
    pool_params *p = node->params;
    int act_kind = ACT_NONE;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_conv_expect_rank(node, node->inputs[0], "input", 4);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    p->dtype = in->dtype;
    bool quantized = p->dtype == TFLC_INT8 || p->dtype == TFLC_UINT8 || p->dtype == TFLC_INT16;
    if (p->dtype != TFLC_FLOAT32 && (kind == POOL_L2 || !quantized))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported (%s)",
                              tflc_dtype_name(p->dtype), kind == POOL_L2
                                  ? "only float32 is" : "float32, int8, uint8, int16 are");
    p->g.batches = in->dims[0];
    p->g.y.in = in->dims[1];
    p->g.x.in = in->dims[2];
    p->g.in_c = p->g.out_c = in->dims[3];
    s = pool_read_options(node, p, &act_kind);
    if (s == TFLC_OK)
        s = quantized ? pool_prepare_quantized(node, p, act_kind)
                      : tflc_conv_act_f32(node, act_kind, &p->act);
    if (s != TFLC_OK) return s;
    if (quantized) pool_plan_rows_q(node, p);
    const bool max_kernel_types = p->dtype == TFLC_FLOAT32 || p->dtype == TFLC_INT8 ||
                                  p->dtype == TFLC_UINT8;
    p->max_kernel = kind == POOL_MAX && max_kernel_types && p->act_min <= p->act_max
                        ? tflc_maxpool_config_get() : NULL;
    const int32_t dims[4] = {p->g.batches, p->g.y.out, p->g.x.out, p->g.out_c};
    return tflc_node_set_output_shape(node, 0, dims, 4);
}

static tflc_status avg_prepare(tflc_node *node) { return pool_prepare(node, POOL_AVERAGE); }
static tflc_status max_prepare(tflc_node *node) { return pool_prepare(node, POOL_MAX); }
static tflc_status l2_prepare(tflc_node *node) { return pool_prepare(node, POOL_L2); }

/* ---------------------------------------------------------------- eval -- */

static int32_t pool_load(const void *data, tflc_dtype t, size_t i) {
    switch (t) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

static void pool_store(void *data, tflc_dtype t, size_t i, int32_t v) {
    if (t == TFLC_INT8) ((int8_t *)data)[i] = (int8_t)v;
    else if (t == TFLC_UINT8) ((uint8_t *)data)[i] = (uint8_t)v;
    else ((int16_t *)data)[i] = (int16_t)v;
}

/* Offset of input [n, y0 + ky, x0 + kx, c]. */
static size_t pool_in_at(const pool_params *p, const tflc_conv_window *w, int32_t n, int32_t ky,
                         int32_t kx, int32_t c) {
    return tflc_conv_offset(&p->g, n, w->y0 + ky, w->x0 + kx, p->g.in_c) + (size_t)c;
}

/* One float output: the window's average, maximum or L2 norm before the activation.
 * Returns false for a window with no input element (TFLite fails the same way). */
static bool pool_f32(const pool_params *p, pool_kind kind, const tflc_conv_window *w,
                     const float *in, int32_t n, int32_t c, float *out) {
    float acc = kind == POOL_MAX ? -FLT_MAX : 0.0f;
    int32_t count = 0;
    for (int32_t ky = w->ky0; ky < w->ky1; ky++)
        for (int32_t kx = w->kx0; kx < w->kx1; kx++, count++) {
            float v = in[pool_in_at(p, w, n, ky, kx, c)];
            if (kind == POOL_AVERAGE) acc += v;
            else if (kind == POOL_L2) acc += v * v;
            else if (acc < v) acc = v;
        }
    if (kind == POOL_MAX) *out = acc;
    else if (kind == POOL_AVERAGE) *out = acc / (float)count;
    else *out = sqrtf(acc / (float)count);
    return count > 0 || kind == POOL_MAX;
}

/* One quantized output, before the activation clamp (same units as the input). */
static bool pool_q(const pool_params *p, pool_kind kind, const tflc_conv_window *w,
                   const void *in, int32_t n, int32_t c, int64_t *out) {
    int32_t lo, hi;
    tflc_ops_int_range(p->dtype, &lo, &hi);
    int64_t acc = kind == POOL_MAX ? lo : 0, count = 0;
    for (int32_t ky = w->ky0; ky < w->ky1; ky++)
        for (int32_t kx = w->kx0; kx < w->kx1; kx++, count++) {
            int32_t v = pool_load(in, p->dtype, pool_in_at(p, w, n, ky, kx, c));
            if (kind == POOL_AVERAGE) acc += v;
            else if (acc < v) acc = v;
        }
    if (kind == POOL_AVERAGE && count == 0) return false;
    if (kind == POOL_AVERAGE)
        acc = (acc > 0 || p->dtype == TFLC_UINT8) ? (acc + count / 2) / count
                                                   : (acc - count / 2) / count;
    *out = acc;
    return true;
}

/* The per-element loop (pool_f32 / pool_q per output): the reference, and the quantized
 * path when a window could overflow the int32 sums of the channel-row path. */
static tflc_status pool_eval_ref(tflc_node *node, pool_kind kind) {
    const pool_params *p = node->params;
    const void *in = node->inputs[0]->data;
    void *out = node->outputs[0]->data;
    size_t at = 0;
    for (int32_t n = 0; n < p->g.batches; n++)
        for (int32_t oy = 0; oy < p->g.y.out; oy++)
            for (int32_t ox = 0; ox < p->g.x.out; ox++) {
                tflc_conv_window w = tflc_conv_window_at(&p->g, oy, ox);
                for (int32_t c = 0; c < p->g.in_c; c++, at++) {
                    float f = 0.0f;
                    int64_t q = 0;
                    bool ok = p->dtype == TFLC_FLOAT32 ? pool_f32(p, kind, &w, in, n, c, &f)
                                                       : pool_q(p, kind, &w, in, n, c, &q);
                    if (!ok)
                        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT, "the window of "
                                              "output (%d, %d) holds no input element", (int)oy,
                                              (int)ox);
                    if (p->dtype == TFLC_FLOAT32)
                        ((float *)out)[at] = tflc_ops_apply_act_f32(&p->act, f);
                    else
                        pool_store(out, p->dtype, at, (int32_t)(q < p->act_min ? p->act_min
                                                     : (q > p->act_max ? p->act_max : q)));
                }
            }
    return TFLC_OK;
}

/* ----------------------------------------------------- channel rows -- */
/* The fast path: for one output position, every channel at once. The window's input rows
 * [C] are folded into a row of accumulators [C] tap by tap in (ky, kx) order, so each
 * channel sees exactly the sequence of operations of pool_f32 / pool_q (same bits), and the
 * channel loops are plain element-wise loops the compiler vectorizes. */

/* acc[c] = OP(acc[c], x[c]) over c < n. */
static void rows_f32(pool_kind kind, float *restrict acc, const float *restrict x, int32_t n) {
    if (kind == POOL_AVERAGE)
        for (int32_t c = 0; c < n; c++) acc[c] += x[c];
    else if (kind == POOL_L2)
        for (int32_t c = 0; c < n; c++) acc[c] += x[c] * x[c];
    else
        for (int32_t c = 0; c < n; c++) acc[c] = acc[c] < x[c] ? x[c] : acc[c];
}

/* acc[c] += x[c] over c < n (quantized averages; maxima: DEFINE_MAX_ROWS). */
#define DEFINE_ROWS_Q(name, T)                                                               \
    static void name(int32_t *restrict acc, const void *x_, int32_t n) {                     \
        const T *restrict x = x_;                                                            \
        for (int32_t c = 0; c < n; c++) acc[c] += x[c];                                      \
    }
DEFINE_ROWS_Q(rows_i8, int8_t)
DEFINE_ROWS_Q(rows_u8, uint8_t)
DEFINE_ROWS_Q(rows_i16, int16_t)

/* A quantized maximum is one of its inputs, so it is taken in the element type itself, in
 * the output row: the first tap copied, each later tap folded in, then the activation
 * clamp. Same values as pool_q's int32 (max and clamp are exact either way), at 4x the
 * lanes per vector for int8 and with no widening (ResNet50's int8 3x3 max pool took 0.53 ms
 * through int32 accumulator rows, 0.23 ms so). */
#define DEFINE_MAX_ROWS(name, T)                                                             \
    static void name(T *restrict out, const T *restrict x, int32_t n) {                      \
        for (int32_t c = 0; c < n; c++) out[c] = out[c] < x[c] ? x[c] : out[c];              \
    }                                                                                        \
    static void name##_clamp(T *restrict out, int32_t n, int32_t lo, int32_t hi) {           \
        for (int32_t c = 0; c < n; c++)                                                      \
            out[c] = (T)(out[c] < lo ? lo : (out[c] > hi ? hi : out[c]));                    \
    }
DEFINE_MAX_ROWS(max_i8, int8_t)
DEFINE_MAX_ROWS(max_u8, uint8_t)
DEFINE_MAX_ROWS(max_i16, int16_t)

/* One float output row [C], written through the accumulators in place. */
static void pool_row_f32(const pool_params *p, pool_kind kind, const tflc_conv_window *w,
                         const float *in, int32_t n, float *out) {
    const int32_t C = p->g.in_c;
    const float init = kind == POOL_MAX ? -FLT_MAX : 0.0f;
    for (int32_t c = 0; c < C; c++) out[c] = init;
    for (int32_t ky = w->ky0; ky < w->ky1; ky++)
        for (int32_t kx = w->kx0; kx < w->kx1; kx++)
            rows_f32(kind, out, in + pool_in_at(p, w, n, ky, kx, 0), C);
    const float count = (float)((w->ky1 - w->ky0) * (w->kx1 - w->kx0));
    for (int32_t c = 0; c < C; c++) {
        float v = out[c];
        if (kind == POOL_AVERAGE) v = v / count;
        else if (kind == POOL_L2) v = sqrtf(v / count);
        out[c] = tflc_ops_apply_act_f32(&p->act, v);
    }
}

/* One quantized maximum [C] of type T written at out: the window's taps folded by the
 * DEFINE_MAX_ROWS pair; an empty window gives the type's lowest value, clamped, as pool_q. */
#define POOL_MAX_NATIVE(T, fold)                                                             \
    do {                                                                                     \
        T *o = out;                                                                          \
        bool first = true;                                                                   \
        for (int32_t ky = w->ky0; ky < w->ky1; ky++)                                         \
            for (int32_t kx = w->kx0; kx < w->kx1; kx++) {                                   \
                const T *x = (const T *)in + pool_in_at(p, w, n, ky, kx, 0);                 \
                if (first) memcpy(o, x, (size_t)C * sizeof(T));                              \
                else fold(o, x, C);                                                          \
                first = false;                                                               \
            }                                                                                \
        if (first)                                                                           \
            for (int32_t c = 0; c < C; c++) o[c] = (T)lo;                                    \
        fold##_clamp(o, C, p->act_min, p->act_max);                                          \
    } while (0)

static void pool_max_native(const pool_params *p, const tflc_conv_window *w, const void *in,
                            int32_t n, void *out) {
    const int32_t C = p->g.in_c;
    int32_t lo, hi;
    tflc_ops_int_range(p->dtype, &lo, &hi);
    (void)hi;
    if (p->dtype == TFLC_INT8) POOL_MAX_NATIVE(int8_t, max_i8);
    else if (p->dtype == TFLC_UINT8) POOL_MAX_NATIVE(uint8_t, max_u8);
    else POOL_MAX_NATIVE(int16_t, max_i16);
}

/* Maxima through the max-pool kernels (kernels/maxpool.h), one output row [OW, C] at a
 * time: each window's input rows in (ky, kx) order go to an indirection array, a window the
 * border clips repeating its first row up to KH * KW entries (a repeated row changes no
 * maximum), and one kernel call takes POOL_ROWS_MAX / (KH * KW) pixels. A window of more
 * taps than that array is folded in chunks of POOL_ROWS_MAX rows, each call after the first
 * folding into the output; an empty window is one call with no rows (the fold's start,
 * clamped: as pool_row_f32 and pool_max_native). FOLD is the typed kernel call, of
 * (pixels, taps, rows, y, from_y). */
enum { POOL_ROWS_MAX = 256 };

/* pixel: one window's maximum at y, its rows POOL_ROWS_MAX per call (the windows a row's
 * indirection does not take: over POOL_ROWS_MAX taps, or empty). */
#define DEFINE_POOL_MAX_PIXEL(pixel, T, FOLD)                                                \
    static void pixel(const pool_params *p, const tflc_conv_window *w, const void *in,       \
                      int32_t n, T *y) {                                                     \
        const size_t C = (size_t)p->g.in_c;                                                  \
        const T *rows[POOL_ROWS_MAX];                                                        \
        size_t taps = 0;                                                                     \
        bool from_y = false;                                                                 \
        for (int32_t ky = w->ky0; ky < w->ky1; ky++)                                         \
            for (int32_t kx = w->kx0; kx < w->kx1; kx++) {                                   \
                rows[taps++] = (const T *)in + pool_in_at(p, w, n, ky, kx, 0);               \
                if (taps == POOL_ROWS_MAX) {                                                 \
                    FOLD(1, taps, rows, y, from_y);                                          \
                    from_y = true;                                                           \
                    taps = 0;                                                                \
                }                                                                            \
            }                                                                                \
        if (taps > 0 || !from_y) FOLD(1, taps, rows, y, from_y);                             \
    }

/* row: output row oy of batch n at out, per_call pixels per kernel call; lines[i] points at
 * x = 0 of the row's i-th window row (the window's rows depend on oy alone). */
#define DEFINE_POOL_MAX_ROW(row, pixel, T, FOLD)                                             \
    DEFINE_POOL_MAX_PIXEL(pixel, T, FOLD)                                                    \
    static void row(const pool_params *p, const void *in, int32_t n, int32_t oy, T *out) {   \
        const size_t C = (size_t)p->g.in_c, full = (size_t)p->g.y.filter * (size_t)p->g.x.filter; \
        const size_t per_call = full <= POOL_ROWS_MAX ? POOL_ROWS_MAX / full : 0;            \
        const T *rows[POOL_ROWS_MAX], *lines[POOL_ROWS_MAX];                                 \
        const tflc_conv_window w0 = tflc_conv_window_at(&p->g, oy, 0);                       \
        const int32_t kh = per_call > 0 ? w0.ky1 - w0.ky0 : 0;                               \
        for (int32_t i = 0; i < kh; i++)                                                     \
            lines[i] = (const T *)in +                                                       \
                       tflc_conv_offset(&p->g, n, w0.y0 + w0.ky0 + i, 0, p->g.in_c);         \
        size_t pending = 0; /* pixels in rows[], the last at output column ox - 1 */         \
        for (int32_t ox = 0; ox < p->g.x.out; ox++) {                                        \
            const tflc_conv_window w = tflc_conv_window_at(&p->g, oy, ox);                   \
            if (kh == 0 || w.kx1 <= w.kx0) {                                                 \
                if (pending > 0)                                                             \
                    FOLD(pending, full, rows, out + (size_t)(ox - (int32_t)pending) * C, false); \
                pending = 0;                                                                 \
                pixel(p, &w, in, n, out + (size_t)ox * C);                                   \
                continue;                                                                    \
            }                                                                                \
            const T **r = rows + pending * full, **r_end = r + full;                         \
            const size_t x_begin = (size_t)(w.x0 + w.kx0) * C, x_end = (size_t)(w.x0 + w.kx1) * C; \
            for (int32_t i = 0; i < kh; i++)                                                 \
                for (size_t x = x_begin; x < x_end; x += C) *r++ = lines[i] + x;             \
            for (const T *first = lines[0] + x_begin; r < r_end;) *r++ = first;              \
            if (++pending == per_call) {                                                     \
                FOLD(pending, full, rows, out + (size_t)(ox + 1 - (int32_t)pending) * C, false); \
                pending = 0;                                                                 \
            }                                                                                \
        }                                                                                    \
        if (pending > 0)                                                                     \
            FOLD(pending, full, rows, out + (size_t)(p->g.x.out - (int32_t)pending) * C, false); \
    }

#define POOL_FOLD_F32(pixels, taps, rows, y, from_y)                                         \
    p->max_kernel->f32(pixels, taps, C, rows, y, C, from_y)
#define POOL_FOLD_S8(pixels, taps, rows, y, from_y)                                          \
    p->max_kernel->s8(pixels, taps, C, rows, y, C, from_y, (int8_t)p->act_min, (int8_t)p->act_max)
#define POOL_FOLD_U8(pixels, taps, rows, y, from_y)                                          \
    p->max_kernel->u8(pixels, taps, C, rows, y, C, from_y, (uint8_t)p->act_min,               \
                      (uint8_t)p->act_max)
DEFINE_POOL_MAX_ROW(pool_max_row_f32, pool_max_pixel_f32, float, POOL_FOLD_F32)
DEFINE_POOL_MAX_ROW(pool_max_row_s8, pool_max_pixel_s8, int8_t, POOL_FOLD_S8)
DEFINE_POOL_MAX_ROW(pool_max_row_u8, pool_max_pixel_u8, uint8_t, POOL_FOLD_U8)

/* Output row oy of batch n of a maximum through the kernels; floats then take the fused
 * activation. */
static void pool_max_kernel_row(const pool_params *p, const void *in, int32_t n, int32_t oy,
                                void *out_row) {
    if (p->dtype == TFLC_FLOAT32) {
        pool_max_row_f32(p, in, n, oy, out_row);
        tflc_ops_apply_act_f32_n(&p->act, out_row, (size_t)p->g.x.out * (size_t)p->g.in_c);
    } else if (p->dtype == TFLC_INT8) {
        pool_max_row_s8(p, in, n, oy, out_row);
    } else {
        pool_max_row_u8(p, in, n, oy, out_row);
    }
}

/* One quantized average [C]: int32 sums in acc, then pool_q's rounding division and the
 * activation clamp. */
static void pool_avg_q(const pool_params *p, const tflc_conv_window *w, const void *in,
                       int32_t n, int32_t *acc, void *out, size_t at) {
    const int32_t C = p->g.in_c;
    const size_t esize = tflc_dtype_size(p->dtype);
    for (int32_t c = 0; c < C; c++) acc[c] = 0;
    for (int32_t ky = w->ky0; ky < w->ky1; ky++)
        for (int32_t kx = w->kx0; kx < w->kx1; kx++) {
            const void *x = (const char *)in + pool_in_at(p, w, n, ky, kx, 0) * esize;
            if (p->dtype == TFLC_INT8) rows_i8(acc, x, C);
            else if (p->dtype == TFLC_UINT8) rows_u8(acc, x, C);
            else rows_i16(acc, x, C);
        }
    const int32_t count = (w->ky1 - w->ky0) * (w->kx1 - w->kx0), half = count / 2;
    for (int32_t c = 0; c < C; c++) {
        int32_t v = acc[c];
        v = (v > 0 || p->dtype == TFLC_UINT8) ? (v + half) / count : (v - half) / count;
        pool_store(out, p->dtype, at + (size_t)c,
                   v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
    }
}

/* One output row [OW, C] of batch n (task = n * OH + oy), accumulators in the thread's
 * slot of the scratch. */
typedef struct pool_job {
    const pool_params *p;
    pool_kind kind;
    const void *in;
    void *out;
    int32_t *acc;
} pool_job;

static void pool_row_task(void *ctx, int task, int thread) {
    const pool_job *j = ctx;
    const pool_params *p = j->p;
    const int32_t n = task / p->g.y.out, oy = task % p->g.y.out, C = p->g.in_c;
    size_t at = (size_t)task * (size_t)p->g.x.out * (size_t)C;
    if (j->kind == POOL_MAX && p->max_kernel) {
        pool_max_kernel_row(p, j->in, n, oy, (char *)j->out + at * tflc_dtype_size(p->dtype));
        return;
    }
    for (int32_t ox = 0; ox < p->g.x.out; ox++, at += (size_t)C) {
        tflc_conv_window w = tflc_conv_window_at(&p->g, oy, ox);
        if (p->dtype == TFLC_FLOAT32) pool_row_f32(p, j->kind, &w, j->in, n, (float *)j->out + at);
        else if (j->kind == POOL_MAX)
            pool_max_native(p, &w, j->in, n, (char *)j->out + at * tflc_dtype_size(p->dtype));
        else pool_avg_q(p, &w, j->in, n, j->acc + (size_t)thread * (size_t)C, j->out, at);
    }
}

/* An average or L2 window with no input element fails, as in TFLite. A window's rows depend
 * on oy alone and its columns on ox alone, so checking each once covers every output. */
static tflc_status pool_check_windows(tflc_node *node, const pool_params *p, pool_kind kind) {
    if (kind == POOL_MAX) return TFLC_OK;
    for (int32_t oy = 0; oy < p->g.y.out; oy++)
        for (int32_t ox = 0; ox < p->g.x.out; ox++) {
            tflc_conv_window w = tflc_conv_window_at(&p->g, oy, ox);
            if (w.ky1 <= w.ky0 || w.kx1 <= w.kx0)
                return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT, "the window of output "
                                      "(%d, %d) holds no input element", (int)oy, (int)ox);
            if (oy > 0) break;   /* the columns were all checked on row 0 */
        }
    return TFLC_OK;
}

/* Output rows go to the runner's threads when the pool reads enough input to pay for it. */
enum { POOL_MIN_PARALLEL = 1 << 15 };

static tflc_status pool_eval(tflc_node *node, pool_kind kind) {
    const pool_params *p = node->params;
    const bool q = p->dtype != TFLC_FLOAT32;
    if (q && !p->rows_q) return pool_eval_ref(node, kind);
    tflc_status s = pool_check_windows(node, p, kind);
    if (s != TFLC_OK) return s;
    pool_job j = {.p = p, .kind = kind, .in = node->inputs[0]->data,
                  .out = node->outputs[0]->data, .acc = node->scratch};
    const int rows = p->g.batches * p->g.y.out;
    const size_t work = (size_t)rows * (size_t)p->g.x.out * (size_t)p->g.in_c *
                        (size_t)p->g.y.filter * (size_t)p->g.x.filter;
    const int threads = tflc_node_num_threads(node);
    if (rows > 1 && threads > 1 && threads <= p->threads && work >= POOL_MIN_PARALLEL)
        tflc_node_parallel_for(node, rows, pool_row_task, &j);
    else
        for (int r = 0; r < rows; r++) pool_row_task(&j, r, 0);
    return TFLC_OK;
}

static tflc_status avg_eval(tflc_node *node) { return pool_eval(node, POOL_AVERAGE); }
static tflc_status max_eval(tflc_node *node) { return pool_eval(node, POOL_MAX); }
static tflc_status l2_eval(tflc_node *node) { return pool_eval(node, POOL_L2); }

const tflc_kernel tflc_kernel_average_pool_2d = {
    .name = "AVERAGE_POOL_2D",
    .params_size = sizeof(pool_params),
    .prepare = avg_prepare,
    .eval = avg_eval,
};
const tflc_kernel tflc_kernel_max_pool_2d = {
    .name = "MAX_POOL_2D",
    .params_size = sizeof(pool_params),
    .prepare = max_prepare,
    .eval = max_eval,
};
const tflc_kernel tflc_kernel_l2_pool_2d = {
    .name = "L2_POOL_2D",
    .params_size = sizeof(pool_params),
    .prepare = l2_prepare,
    .eval = l2_eval,
};
