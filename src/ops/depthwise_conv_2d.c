/*
 * depthwise_conv_2d.c -- DEPTHWISE_CONV_2D.
 *
 *   input  [N, H, W, C]
 *   filter [1, KH, KW, M]      M = C * depth_multiplier
 *   bias   [M]                 optional
 *   output [N, OH, OW, M]
 *
 *   out[n,y,x,m] = act(bias[m] + sum over ky, kx of
 *                      in[n, y*sh - pad_h + ky*dh, x*sw - pad_w + kx*dw, m / dm] * w[0,ky,kx,m])
 *   window points outside the input contribute nothing.
 *
 * The depth multiplier is M / C; the option of that name is redundant (TFLite's float and
 * int8 kernels ignore it too).
 *
 * Forms (input / filter / bias):
 *   float32 / float32 / float32
 *   int8 / int8 / int32        per-channel or per-tensor filter scales, filter zero point 0
 *   uint8 / uint8 / int32      per-tensor, asymmetric filter
 *   int16 / int8 / int64       16x8, zero points 0, TFLite's 64-bit requantization
 * int8 requantizes as LiteRT's builtin kernel (TFLite's x86 Quantize): channels below M
 * rounded down to a multiple of 8 with both roundings ties up (nn_mul_by_qm_ties_up), the
 * last M % 8 with TFLite's MultiplyByQuantizedMultiplier; uint8 with the latter.
 *   float32 / int8 / float32   hybrid: each batch quantized asymmetrically on the fly, then
 *     out = float(acc) * filter_scale[m] * input_scale[n] + bias, multiplied in the order
 *     TFLite's builtin kernel (NEON or NEON_2_SSE build) uses: channels below M rounded down
 *     to a multiple of 4 as (acc * filter_scale) * input_scale, the rest as
 *     (acc * input_scale) * filter_scale.
 *
 * The float path with depth multiplier 1 runs on the channel-vectorized kernels
 * (kernels/f32_dwconv.h): the filter packed once per model into channel tiles
 * (core/weight_cache.h; into scratch at each eval when it is not a model constant), output
 * rows split over the runner's threads. Other depth multipliers stay on dw_eval_f32.
 * When the input x is a large 1x1 CONV_2D's output read by nothing else, this node computes
 * x itself (tflc_dw_fuse_expand, dw_expand_rows): the threads take output rows, each
 * input row of x computed into the taking thread's ring right before the first window that
 * reads it (again only where a thread takes over a row from another's block).
 * Float order of summation, on both paths and every ISA: acc = bias, then acc + x*w per tap
 * in (ky, kx) order, each product and each sum rounded (no FMA), then the activation. That
 * is LiteRT's builtin kernel (optimized_ops::DepthwiseConv starts its accumulators from the
 * bias), so results are its bits; LiteRT's reference kernel adds the bias last instead and
 * differs from both by an ulp on about half the outputs (measured on 3x3, 5x5 stride 2 and
 * depth multiplier 2 layers: builtin == reference on 29% to 44% of the elements).
 */
#include <stdatomic.h>
#include <stdint.h>

#include "ops/conv_common.h"
#include "ops/fusion.h"
#include "ops/depthwise_int8_fast.h"

#include "core/runner.h"
#include "core/weight_cache.h"
#include "kernels/f32_dwconv.h"

typedef enum dw_mode { DW_F32, DW_Q8, DW_QU8, DW_Q16, DW_HYBRID } dw_mode;

typedef struct dw_params {
    dw_mode mode;
    tflc_conv_geom g;
    int32_t multiplier;                    /* M / C */
    tflc_ops_act act;                      /* float and hybrid outputs */
    int32_t act_min, act_max;              /* quantized outputs, in output units */
    int32_t in_offset, filter_offset, out_offset;   /* -in_zp, -filter_zp, out_zp */
    tflc_conv_mults rq;                    /* quantized: the per-channel multipliers */
    size_t q_off, scale_off, zp_off;       /* scratch (hybrid): int8 input, float[N], int32[N] */
    /* float, depth multiplier 1: kernels/f32_dwconv.h */
    bool f32_fast;
    const void *f32_packed;                /* the cached packed filter, or NULL: pack into
                                              scratch at f32_packed_off at each eval */
    size_t f32_packed_off;
    /* A float activation fused in (tflc_dw_fuse_epilogue), applied in place to each output
     * row right after it is computed; NULL: none. */
    const tflc_node *epilogue;
    /* The 1x1 CONV_2D whose output x this node computes itself (tflc_dw_fuse_expand), ring
     * rows at a time per thread; NULL: x is read from its tensor. */
    const tflc_node *expand;
    size_t ring_off, ring_stride;          /* scratch: per thread, ring_stride bytes */
    size_t ring_rows;                      /* rows of x in a thread's ring */
    /* The 1x1 CONV_2D that alone reads this node's output (tflc_dw_fuse_project), run on
     * each task's output rows right after they are computed; NULL: none. */
    const tflc_node *project;
} dw_params;

/* ------------------------------------------------------------- prepare -- */

static tflc_status dw_read_options(tflc_node *node, dw_params *p, int *act_kind) {
    static const tflc_conv_slots slots = {DWCONV_OPT_PADDING, DWCONV_OPT_STRIDE_W, DWCONV_OPT_STRIDE_H,
                                          DWCONV_OPT_DILATION_W, DWCONV_OPT_DILATION_H};
    const uint8_t *o = tflc_ops_options(node, BO_DepthwiseConv2D);
    *act_kind = o ? fb_i8(o, DWCONV_OPT_ACTIVATION, ACT_NONE) : ACT_NONE;
    return tflc_conv_read_window(node, o, slots, &p->g);
}

/* Shapes: rank 4, filter [1, KH, KW, M] with M a multiple of C, bias [M]. */
static tflc_status dw_check_shapes(tflc_node *node, dw_params *p) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    tflc_status s = tflc_conv_expect_rank(node, in, "input", 4);
    if (s == TFLC_OK) s = tflc_conv_expect_rank(node, w, "filter (input 1)", 4);
    if (s != TFLC_OK) return s;
    if (w->dims[0] != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter dimension 0 is %d, must "
                              "be 1", (int)w->dims[0]);
    p->g.batches = in->dims[0];
    p->g.y.in = in->dims[1];
    p->g.x.in = in->dims[2];
    p->g.in_c = in->dims[3];
    p->g.y.filter = w->dims[1];
    p->g.x.filter = w->dims[2];
    p->g.out_c = w->dims[3];
    if (p->g.in_c <= 0 || p->g.out_c % p->g.in_c != 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter has %d channels, not a "
                              "multiple of the input's %d", (int)p->g.out_c, (int)p->g.in_c);
    p->multiplier = p->g.out_c / p->g.in_c;
    if (bias && tflc_tensor_count(bias) != (size_t)p->g.out_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "bias (input 2) has %zu elements, "
                              "expected %d (output channels)", tflc_tensor_count(bias),
                              (int)p->g.out_c);
    return TFLC_OK;
}

static tflc_status dw_pick_mode(tflc_node *node, dw_params *p) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    tflc_dtype wt = TFLC_INT8, bt = TFLC_INT32;
    switch (in->dtype) {
    case TFLC_FLOAT32:
        p->mode = w->dtype == TFLC_INT8 ? DW_HYBRID : DW_F32;
        wt = w->dtype == TFLC_INT8 ? TFLC_INT8 : TFLC_FLOAT32;
        bt = TFLC_FLOAT32;
        break;
    case TFLC_INT8: p->mode = DW_Q8; break;
    case TFLC_UINT8: p->mode = DW_QU8; wt = TFLC_UINT8; break;
    case TFLC_INT16: p->mode = DW_Q16; bt = TFLC_INT64; break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported "
                              "(float32, int8, uint8, int16 are)", tflc_dtype_name(in->dtype));
    }
    tflc_status s = tflc_ops_expect_dtype(node, w, "input", 1, wt);
    if (s == TFLC_OK && bias) s = tflc_ops_expect_dtype(node, bias, "input", 2, bt);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    return s;
}

/* Zero points: filter 0 except for uint8; input and output 0 for int16. */
static tflc_status dw_check_zero_points(tflc_node *node, const dw_params *p,
                                        const tflc_quantization *wq) {
    for (int i = 0; p->mode != DW_QU8 && i < wq->count; i++)
        if (tflc_ops_zero_point(wq, i) != 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter zero point %d is %lld, "
                                  "must be 0", i, (long long)tflc_ops_zero_point(wq, i));
    if (p->mode == DW_QU8 && wq->count != 1)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "uint8 filters must be quantized per "
                              "tensor, got %d scales", wq->count);
    if (p->mode == DW_Q16 && (p->in_offset != 0 || p->out_offset != 0))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "int16 input and output zero "
                              "points must be 0");
    return TFLC_OK;
}

static tflc_status dw_prepare_quantized(tflc_node *node, dw_params *p, int act_kind,
                                        size_t *scratch) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1], *out = node->outputs[0];
    const tflc_quantization *iq, *wq, *oq;
    tflc_status s = tflc_conv_quant(node, in, "input", &iq);
    if (s == TFLC_OK) s = tflc_conv_quant(node, w, "filter", &wq);
    if (s == TFLC_OK) s = tflc_conv_quant(node, out, "output", &oq);
    if (s == TFLC_OK) s = tflc_conv_check_filter_scales(node, wq, p->g.out_c);
    if (s != TFLC_OK) return s;
    p->in_offset = -(int32_t)tflc_ops_zero_point(iq, 0);
    p->filter_offset = -(int32_t)tflc_ops_zero_point(wq, 0);
    p->out_offset = (int32_t)tflc_ops_zero_point(oq, 0);
    s = dw_check_zero_points(node, p, wq);
    if (s == TFLC_OK)
        s = tflc_conv_act_range_q(node, act_kind, out->dtype, oq->scales[0], p->out_offset,
                                  &p->act_min, &p->act_max);
    if (s == TFLC_OK)
        s = tflc_conv_prepare_mults(node, w, iq->scales[0], wq, oq->scales[0], p->g.out_c,
                                    p->mode == DW_Q16, scratch, &p->rq);
    return s;
}

static tflc_status dw_prepare_hybrid(tflc_node *node, dw_params *p, int act_kind,
                                     size_t *scratch) {
    const tflc_quantization *wq;
    tflc_status s = tflc_conv_quant(node, node->inputs[1], "filter", &wq);
    if (s == TFLC_OK) s = tflc_conv_check_filter_scales(node, wq, p->g.out_c);
    if (s == TFLC_OK) s = tflc_conv_act_f32(node, act_kind, &p->act);
    p->q_off = tflc_conv_scratch_reserve(scratch, tflc_tensor_count(node->inputs[0]));
    p->scale_off = tflc_conv_scratch_reserve(scratch, sizeof(float) * (size_t)p->g.batches);
    p->zp_off = tflc_conv_scratch_reserve(scratch, sizeof(int32_t) * (size_t)p->g.batches);
    return s;
}

typedef struct dw_pack_args {
    const tflc_dwconv_f32_config *cfg;
    int32_t kh, kw;
    size_t channels;
    const float *filter;
} dw_pack_args;

static void dw_pack_filter(void *dst, const void *arg) {
    const dw_pack_args *a = arg;
    tflc_dwconv_f32_pack(a->cfg, a->kh, a->kw, a->channels, a->filter, dst);
}

/* Float: the activation; with depth multiplier 1, the fast kernels and their packed filter. */
static tflc_status dw_prepare_f32(tflc_node *node, dw_params *p, int act_kind, size_t *scratch) {
    tflc_status s = tflc_conv_act_f32(node, act_kind, &p->act);
    p->f32_fast = false;
    p->f32_packed = NULL;
    if (s != TFLC_OK || p->multiplier != 1) return s;
    const tflc_tensor *w = node->inputs[1];
    const tflc_dwconv_f32_config *cfg = tflc_dwconv_f32_config_get();
    const size_t channels = (size_t)p->g.out_c;
    const size_t bytes = tflc_dwconv_f32_packed_size(cfg, p->g.y.filter, p->g.x.filter, channels);
    const tflc_model *model = tflc_conv_model(node);
    if (tflc_tensor_is_constant(w) && tflc_weight_cache_owns(model, w->data)) {
        const dw_pack_args args = {cfg, p->g.y.filter, p->g.x.filter, channels, w->data};
        p->f32_packed = tflc_weight_cache_get(model, w->data,
                                              TFLC_WCACHE_F32_DWCONV | (uint32_t)cfg->isa << 8,
                                              bytes, dw_pack_filter, &args);
    }
    if (!p->f32_packed) p->f32_packed_off = tflc_conv_scratch_reserve(scratch, bytes);
    p->f32_fast = true;
    return TFLC_OK;
}

static tflc_status dw_prepare(tflc_node *node) {
    dw_params *p = node->params;
    int act_kind = ACT_NONE;
    size_t scratch = 0;
    tflc_status s = tflc_ops_check_arity(node, 2, 3, 1);
    if (s == TFLC_OK) s = dw_check_shapes(node, p);
    if (s == TFLC_OK) s = dw_read_options(node, p, &act_kind);
    if (s == TFLC_OK) s = dw_pick_mode(node, p);
    if (s != TFLC_OK) return s;
    if (p->mode == DW_F32) s = dw_prepare_f32(node, p, act_kind, &scratch);
    else if (p->mode == DW_HYBRID) s = dw_prepare_hybrid(node, p, act_kind, &scratch);
    else s = dw_prepare_quantized(node, p, act_kind, &scratch);
    if (s != TFLC_OK) return s;
    node->scratch_bytes = scratch;
    const int32_t dims[4] = {p->g.batches, p->g.y.out, p->g.x.out, p->g.out_c};
    return tflc_node_set_output_shape(node, 0, dims, 4);
}

/* ---------------------------------------------------------------- eval -- */

/* Offset of input channel m / dm at tap (ky, kx) of the window. */
static size_t dw_in_at(const dw_params *p, const tflc_conv_window *win, int32_t n, int32_t ky,
                       int32_t kx, int32_t m) {
    int64_t iy = win->y0 + (int64_t)ky * p->g.y.dilation;
    int64_t ix = win->x0 + (int64_t)kx * p->g.x.dilation;
    return tflc_conv_offset(&p->g, n, iy, ix, p->g.in_c) + (size_t)(m / p->multiplier);
}

static size_t dw_w_at(const dw_params *p, int32_t ky, int32_t kx, int32_t m) {
    return ((size_t)ky * (size_t)p->g.x.filter + (size_t)kx) * (size_t)p->g.out_c + (size_t)m;
}

/* Float: taps summed in (ky, kx) order from `acc` (the bias), as LiteRT's builtin kernel
 * does. */
static float dw_acc_f32(const dw_params *p, const tflc_conv_window *win, const float *in,
                        const float *w, int32_t n, int32_t m, float acc) {
    for (int32_t ky = win->ky0; ky < win->ky1; ky++)
        for (int32_t kx = win->kx0; kx < win->kx1; kx++)
            acc += in[dw_in_at(p, win, n, ky, kx, m)] * w[dw_w_at(p, ky, kx, m)];
    return acc;
}

static int32_t dw_load(const void *data, tflc_dtype t, size_t i) {
    switch (t) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

/* Integer: sum of (x + x_off) * (w + w_off); the filter is int8 unless uint8 (QU8). */
static int64_t dw_acc_q(const dw_params *p, const tflc_conv_window *win, const void *in,
                        tflc_dtype t, const void *w, tflc_dtype wt, int32_t n, int32_t m,
                        int32_t x_off, int32_t w_off) {
    int64_t acc = 0;
    for (int32_t ky = win->ky0; ky < win->ky1; ky++)
        for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
            int32_t x = dw_load(in, t, dw_in_at(p, win, n, ky, kx, m));
            int32_t f = dw_load(w, wt, dw_w_at(p, ky, kx, m));
            acc += (int64_t)(x + x_off) * (f + w_off);
        }
    return acc;
}

static void dw_eval_f32(const dw_params *p, const float *in, const float *w, const float *bias,
                        float *out) {
    size_t at = 0;
    for (int32_t n = 0; n < p->g.batches; n++)
        for (int32_t oy = 0; oy < p->g.y.out; oy++)
            for (int32_t ox = 0; ox < p->g.x.out; ox++) {
                tflc_conv_window win = tflc_conv_window_at(&p->g, oy, ox);
                for (int32_t m = 0; m < p->g.out_c; m++, at++) {
                    float acc = dw_acc_f32(p, &win, in, w, n, m, bias ? bias[m] : 0.0f);
                    out[at] = tflc_ops_apply_act_f32(&p->act, acc);
                }
            }
}

/* One eval of the fast float path, shared read-only by its tasks (ranges of output rows). */
typedef struct dw_f32_job {
    const dw_params *p;        /* its expand and epilogue */
    tflc_dwconv_f32_args args;
    size_t rows_per_task;
    void *ring;                /* the fused form's per-thread rings (scratch), or NULL */
} dw_f32_job;

/* Where a thread's last range of the fused form ended, so that its next range, when it is
 * the following one (the pool hands each thread a contiguous block of tasks), goes on with
 * the rows already in its ring instead of computing the rows above its first window again.
 * First in the thread's scratch, on a cache line of its own. */
typedef struct dw_ring_state {
    size_t resume;   /* the output row after the last range; SIZE_MAX: none this eval */
    size_t image;
    int64_t next;
} dw_ring_state;
#define DW_RING_STATE_BYTES ((size_t)64)
_Static_assert(sizeof(dw_ring_state) <= DW_RING_STATE_BYTES, "ring state fits its line");

/* Bytes of a thread's ring before its rows: its state, then in_h row pointers, rounded to
 * 64. */
static size_t ring_ptr_bytes(size_t in_h) {
    return DW_RING_STATE_BYTES + (in_h * sizeof(float *) + 63) / 64 * 64;
}

/* Output rows [begin, end) of the fused form (tflc_dw_fuse_expand): x's rows are computed
 * into the thread's ring as the windows first need them, one input row (W pixels) per
 * product; row iy sits in slot iy % ring_rows, which holds the whole window of each output
 * row (the ring is as tall as the window), and is recomputed only where a task starts. */
static void dw_expand_rows(const dw_f32_job *j, int thread, size_t begin, size_t end) {
    const dw_params *p = j->p;
    const tflc_dwconv_f32_shape *s = &j->args.shape;
    unsigned char *scratch = (unsigned char *)j->ring + (size_t)thread * p->ring_stride;
    dw_ring_state *state = (dw_ring_state *)(void *)scratch;
    const float **in_rows = (const float **)(void *)(scratch + DW_RING_STATE_BYTES);
    float *ring = (float *)(void *)(scratch + ring_ptr_bytes(s->in_h));
    const size_t row_floats = s->in_w * s->channels, out_row = s->out_w * s->channels;
    size_t image = (size_t)-1;
    int64_t next = 0;   /* the first row of x not yet in the ring (of this image) */
    if (state->resume == begin) {   /* this thread ran the range just above */
        image = state->image;
        next = state->next;
    }
    for (size_t r = begin; r < end; r++) {
        const size_t n = r / s->out_h, oy = r % s->out_h;
        const int64_t y0 = (int64_t)oy * s->stride_h - s->pad_top;
        int32_t ky0, ky1;
        tflc_dwconv_taps(y0, s->in_h, s->kh, 1, &ky0, &ky1);
        if (n != image || next < y0 + ky0) next = y0 + ky0;   /* a new image or a task start */
        image = n;
        for (; next < y0 + ky1; next++) {
            float *slot = ring + (size_t)next % p->ring_rows * row_floats;
            tflc_conv_pointwise_rows_f32(p->expand, (n * s->in_h + (size_t)next) * s->in_w,
                                         s->in_w, slot);
            in_rows[next] = slot;
        }
        tflc_dwconv_f32_rows_from(&j->args, r, r + 1, in_rows);
        if (p->epilogue) tflc_epilogue_apply(p->epilogue, j->args.out + r * out_row, out_row);
    }
    *state = (dw_ring_state){.resume = end, .image = image, .next = next};
}

/* Output rows [begin, end) of the fast float path, fused expansion and epilogue included. */
static void dw_rows_f32(const dw_f32_job *j, int thread, size_t begin, size_t end) {
    if (j->ring) {
        dw_expand_rows(j, thread, begin, end);
        return;
    }
    if (!j->p->epilogue) {
        tflc_dwconv_f32_rows(&j->args, begin, end);
        return;
    }
    /* Row by row, each transformed right after it is written, while in L1. */
    const size_t row = j->args.shape.out_w * j->args.shape.channels;
    for (size_t r = begin; r < end; r++) {
        tflc_dwconv_f32_rows(&j->args, r, r + 1);
        tflc_epilogue_apply(j->p->epilogue, j->args.out + r * row, row);
    }
}

static void dw_task_f32(void *ctx, int task, int thread) {
    const dw_f32_job *j = ctx;
    const size_t rows = j->args.shape.batches * j->args.shape.out_h;
    const size_t begin = (size_t)task * j->rows_per_task;
    const size_t end = begin + j->rows_per_task < rows ? begin + j->rows_per_task : rows;
    if (begin >= end) return;
    dw_rows_f32(j, thread, begin, end);
    /* The fused projection on the same pixels, read back from this core's cache: row r of
     * the output is pixels [r * W, (r + 1) * W). */
    if (j->p->project) {
        const size_t w = j->args.shape.out_w;
        tflc_conv_pointwise_out_rows_f32(j->p->project, begin * w, (end - begin) * w);
    }
}

static void dw_eval_f32_fast(tflc_node *node, const dw_params *p) {
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    const tflc_conv_geom *g = &p->g;
    const void *packed = p->f32_packed;
    if (!packed) {
        void *dst = tflc_conv_scratch_at(node, p->f32_packed_off);
        tflc_dwconv_f32_pack(tflc_dwconv_f32_config_get(), g->y.filter, g->x.filter,
                             (size_t)g->out_c, node->inputs[1]->data, dst);
        packed = dst;
    }
    dw_f32_job j = {
        .p = p,
        .ring = p->expand ? (void *)(((uintptr_t)tflc_conv_scratch_at(node, p->ring_off) + 63) /
                                     64 * 64)
                          : NULL,
        .args = {
            .shape = {.batches = (size_t)g->batches, .in_h = (size_t)g->y.in,
                      .in_w = (size_t)g->x.in, .channels = (size_t)g->out_c,
                      .out_h = (size_t)g->y.out, .out_w = (size_t)g->x.out,
                      .kh = g->y.filter, .kw = g->x.filter,
                      .stride_h = g->y.stride, .stride_w = g->x.stride,
                      .dilation_h = g->y.dilation, .dilation_w = g->x.dilation,
                      .pad_top = g->y.pad, .pad_left = g->x.pad},
            .in = p->expand ? NULL : node->inputs[0]->data,
            .packed = packed,
            .bias = bias ? bias->data : NULL,
            .out = node->outputs[0]->data,
            .min = p->act.min,
            .max = p->act.max,
        },
    };
    const size_t rows = (size_t)g->batches * (size_t)g->y.out;
    if (rows == 0) return;
    const int threads = tflc_node_num_threads(node);
    if (j.ring)
        for (int t = 0; t < threads; t++)
            ((dw_ring_state *)(void *)((unsigned char *)j.ring + (size_t)t * p->ring_stride))->resume =
                SIZE_MAX;
    /* About TFLC_TASKS_PER_THREAD row ranges per thread: dynamic hand-out evens out noisy
     * cores. The fused form takes one row per task: a thread's own tasks are consecutive
     * rows (the pool hands each thread a contiguous block), so its ring carries on from one
     * to the next (dw_ring_state), and only a row taken over from another thread's block
     * computes the rows of x above its window again. One range per thread, as before, left
     * a thread waiting for the other for 63 of the 349 us of MobileNet V2's 112x112x96 pair
     * on 2 threads (mean over 924 invokes); one row per task: 8-20 us. */
    size_t tasks = threads <= 1 ? 1 : j.ring ? rows : (size_t)TFLC_TASKS_PER_THREAD * (size_t)threads;
    if (tasks > rows) tasks = rows;
    j.rows_per_task = tflc_balanced_span(rows, 1, threads, 1, (rows + tasks - 1) / tasks);
    tflc_node_parallel_for(node, (int)((rows + j.rows_per_task - 1) / j.rows_per_task),
                           dw_task_f32, &j);
}

/* Requantizes channel m's accumulator (bias included) and clamps it to the activation range.
 * int8 rounds as LiteRT's builtin kernel (DepthwiseConvGeneral, then TFLite's x86 Quantize):
 * channels in full blocks of 8 ties up, the last M % 8 with TFLite's double rounding. */
static int32_t dw_requantize(const dw_params *p, int64_t acc, int32_t m, int32_t mult,
                             int32_t shift) {
    int64_t v;
    if (p->mode == DW_Q16) v = tflc_conv_mbqm64(acc, mult, shift);
    else if (p->mode == DW_Q8 && m < p->g.out_c / 8 * 8)
        v = nn_mul_by_qm_ties_up(tflc_conv_wrap32(acc), mult, shift);
    else v = tflc_conv_mbqm32(tflc_conv_wrap32(acc), mult, shift);
    v += p->out_offset;
    return (int32_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
}

static void dw_store(void *out, tflc_dtype t, size_t at, int32_t v) {
    if (t == TFLC_INT8) ((int8_t *)out)[at] = (int8_t)v;
    else if (t == TFLC_UINT8) ((uint8_t *)out)[at] = (uint8_t)v;
    else ((int16_t *)out)[at] = (int16_t)v;
}

static int64_t dw_bias(const tflc_tensor *bias, int32_t m) {
    if (!bias) return 0;
    return bias->dtype == TFLC_INT64 ? ((const int64_t *)bias->data)[m]
                                     : ((const int32_t *)bias->data)[m];
}

static tflc_status dw_eval_quantized(tflc_node *node, const dw_params *p) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1], *out = node->outputs[0];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    const int32_t *mult, *shift;
    tflc_conv_mults_at_eval(node, &p->rq, &mult, &shift);
    if (p->mode == DW_Q8 && tflc_dw_int8_fast(node, &p->g, p->multiplier, -p->in_offset,
                                              p->out_offset, p->act_min, p->act_max, mult, shift))
        return TFLC_OK;   /* the channel-vectorized int8 path (depthwise_int8_fast.c) */
    size_t at = 0;
    for (int32_t n = 0; n < p->g.batches; n++)
        for (int32_t oy = 0; oy < p->g.y.out; oy++)
            for (int32_t ox = 0; ox < p->g.x.out; ox++) {
                tflc_conv_window win = tflc_conv_window_at(&p->g, oy, ox);
                for (int32_t m = 0; m < p->g.out_c; m++, at++) {
                    int64_t acc = dw_acc_q(p, &win, in->data, in->dtype, w->data, w->dtype, n, m,
                                           p->in_offset, p->filter_offset);
                    acc = tflc_conv_sat_add64(acc, dw_bias(bias, m));
                    dw_store(out->data, out->dtype, at, dw_requantize(p, acc, m, mult[m], shift[m]));
                }
            }
    return TFLC_OK;
}

/* Hybrid output value: see the top of the file for the order of the multiplications. */
static float dw_hybrid_scale(const dw_params *p, const tflc_quantization *wq, float acc,
                             int32_t m, float input_scale) {
    float fs = tflc_conv_channel_scale(wq, m);
    if (m < (p->g.out_c & ~3)) return acc * fs * input_scale;
    return acc * input_scale * fs;
}

static tflc_status dw_eval_hybrid(tflc_node *node, const dw_params *p) {
    const tflc_tensor *w = node->inputs[1], *bias_t = tflc_ops_optional_input(node, 2);
    const float *in = node->inputs[0]->data, *bias = bias_t ? bias_t->data : NULL;
    const tflc_quantization *wq = tflc_ops_quant(w);
    int8_t *q = tflc_conv_scratch_at(node, p->q_off);
    float *scale = tflc_conv_scratch_at(node, p->scale_off);
    int32_t *zp = tflc_conv_scratch_at(node, p->zp_off);
    float *out = node->outputs[0]->data;
    size_t per_batch = (size_t)p->g.y.in * (size_t)p->g.x.in * (size_t)p->g.in_c, at = 0;
    for (int32_t n = 0; n < p->g.batches; n++)
        tflc_conv_quantize_asymmetric(in + (size_t)n * per_batch, per_batch,
                                      q + (size_t)n * per_batch, &scale[n], &zp[n]);
    for (int32_t n = 0; n < p->g.batches; n++)
        for (int32_t oy = 0; oy < p->g.y.out; oy++)
            for (int32_t ox = 0; ox < p->g.x.out; ox++) {
                tflc_conv_window win = tflc_conv_window_at(&p->g, oy, ox);
                for (int32_t m = 0; m < p->g.out_c; m++, at++) {
                    int64_t acc = dw_acc_q(p, &win, q, TFLC_INT8, w->data, TFLC_INT8, n, m,
                                           -zp[n], 0);
                    float v = dw_hybrid_scale(p, wq, (float)tflc_conv_wrap32(acc), m, scale[n]);
                    out[at] = tflc_ops_apply_act_f32(&p->act, bias ? v + bias[m] : v);
                }
            }
    return TFLC_OK;
}

static tflc_status dw_eval(tflc_node *node) {
    const dw_params *p = node->params;
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    switch (p->mode) {
    case DW_F32:
        if (p->f32_fast) {
            dw_eval_f32_fast(node, p);
        } else {
            dw_eval_f32(p, node->inputs[0]->data, node->inputs[1]->data,
                        bias ? bias->data : NULL, node->outputs[0]->data);
            if (p->epilogue)
                tflc_epilogue_apply(p->epilogue, node->outputs[0]->data,
                                    tflc_tensor_count(node->outputs[0]));
        }
        return TFLC_OK;
    case DW_HYBRID: return dw_eval_hybrid(node, p);
    default: return dw_eval_quantized(node, p);
    }
}

/* Output images of fewer pixels keep their projection apart: a task's few rows make a
 * short product that reads all of the projection's weights again (2 threads, two runners
 * alternating in one process, with the 14x14 and 7x7 pairs fused too: MobileNet V3 Large
 * float32 1.003-1.008 of unfused). */
#define DW_PROJECT_MIN_PIXELS 784

static _Atomic size_t project_min_forced;   /* tflc_dw_set_project_min_pixels; 0: default */

void tflc_dw_set_project_min_pixels(size_t pixels) {
    atomic_store_explicit(&project_min_forced, pixels, memory_order_relaxed);
}

bool tflc_dw_fuse_project(tflc_node *node, const tflc_node *conv) {
    if (node->kernel != &tflc_kernel_depthwise_conv_2d || !tflc_conv_pointwise_out_f32(conv) ||
        node->n_outputs != 1 || conv->inputs[0] != node->outputs[0])
        return false;
    dw_params *p = node->params;
    if (p->mode != DW_F32 || !p->f32_fast || p->project) return false;
    const size_t forced = atomic_load_explicit(&project_min_forced, memory_order_relaxed);
    if ((size_t)p->g.y.out * (size_t)p->g.x.out < (forced ? forced : DW_PROJECT_MIN_PIXELS)) return false;
    p->project = conv;
    return true;
}

bool tflc_dw_fuse_epilogue(tflc_node *node, const tflc_node *e) {
    if (node->kernel != &tflc_kernel_depthwise_conv_2d || !tflc_epilogue_fits(node, e)) return false;
    dw_params *p = node->params;
    if (p->mode != DW_F32 || p->epilogue) return false;
    p->epilogue = e;
    return true;
}

/* x is computed inside the depthwise convolution (tflc_dw_fuse_expand) when an image of it
 * is bigger than one core's L2 and than this: it would leave L2 between the two operators.
 * A smaller x stays in L2, and there the row-by-row products cost more than the traffic
 * they save. Emerald Rapids (2 MiB L2), MobileNet V2 float32, minima of interleaved runs,
 * each expansion and its depthwise convolution on 2 threads: [1,112,112,96] (4.6 MiB) 382
 * -> 332 us; [1,56,56,144] (1.7 MiB) 205 -> 213, [1,28,28,192] 82 -> 93. */
#define DW_EXPAND_MIN_BYTES ((size_t)2 << 20)

static _Atomic size_t expand_min_forced;   /* tflc_dw_set_expand_min_bytes; 0: default */

void tflc_dw_set_expand_min_bytes(size_t bytes) {
    atomic_store_explicit(&expand_min_forced, bytes, memory_order_relaxed);
}

/* x images of more than this many bytes are fused. */
static size_t expand_min_bytes(void) {
    const size_t forced = atomic_load_explicit(&expand_min_forced, memory_order_relaxed);
    if (forced) return forced;
    const size_t l2 = tflc_cpu_info_get()->l2_bytes;
    return l2 > DW_EXPAND_MIN_BYTES ? l2 : DW_EXPAND_MIN_BYTES;
}

bool tflc_dw_fuse_expand(tflc_node *node, const tflc_node *conv) {
    if (node->kernel != &tflc_kernel_depthwise_conv_2d || !tflc_conv_pointwise_f32(conv))
        return false;
    dw_params *p = node->params;
    const tflc_conv_geom *g = &p->g;
    if (p->mode != DW_F32 || !p->f32_fast || p->expand) return false;
    if (g->y.dilation != 1 || g->y.stride > g->y.filter) return false;
    const size_t row_floats = (size_t)g->x.in * (size_t)g->out_c;
    const size_t image_bytes = (size_t)g->y.in * row_floats * sizeof(float);
    if (image_bytes <= expand_min_bytes()) return false;
    const tflc_tensor *x = node->inputs[0];
    if (conv->outputs[0] != x ||
        tflc_tensor_count(x) != (size_t)g->batches * (size_t)g->y.in * row_floats)
        return false;
    p->ring_rows = (size_t)g->y.filter;
    const size_t ring_bytes = p->ring_rows * row_floats * sizeof(float);
    p->ring_stride = ring_ptr_bytes((size_t)g->y.in) + (ring_bytes + 63) / 64 * 64;
    /* + 64: the rings start at the first 64-byte boundary of the reservation */
    const size_t threads = (size_t)tflc_node_num_threads(node);
    p->ring_off = tflc_conv_scratch_reserve(&node->scratch_bytes, threads * p->ring_stride + 64);
    p->expand = conv;
    return true;
}

const tflc_kernel tflc_kernel_depthwise_conv_2d = {
    .name = "DEPTHWISE_CONV_2D",
    .params_size = sizeof(dw_params),
    .prepare = dw_prepare,
    .eval = dw_eval,
};
