/*
 * conv_2d.c -- CONV_2D.
 *
 *   input  [N, H, W, C]        C = groups * Cf
 *   filter [M, KH, KW, Cf]     M output channels, M / groups per group
 *   bias   [M]                 optional
 *   output [N, OH, OW, M]
 *
 *   out[n,y,x,m] = act(bias[m] + sum over ky, kx, c < Cf of
 *                      in[n, y*sh - pad_h + ky*dh, x*sw - pad_w + kx*dw, g*Cf + c] * w[m,ky,kx,c])
 *   g = m / (M / groups); window points outside the input contribute nothing.
 *
 * Forms (input / filter / bias):
 *   float32 / float32 / float32
 *   int8 / int8 / int32        per-channel or per-tensor filter scales, filter zero point 0
 *   uint8 / uint8 / int32      per-tensor, asymmetric filter
 *   int16 / int8 / int64|int32 16x8: the int64 path requantizes with TFLite's 64-bit rounding
 *   float32 / int8 / float32   hybrid: each batch of the input is quantized to int8 on the fly
 * Quantized results are LiteRT's builtin kernels' bit for bit: integer accumulation, then per
 * channel MultiplyByQuantizedMultiplier, as those kernels round it: int8 with groups == 1 is
 * im2col + ruy there, whose x86 kernels round both steps ties up (nn_common.h's
 * nn_mul_by_qm_ties_up); int8 with groups > 1 and uint8 TFLite's double rounding (the
 * second ties away from zero); 16x8 the 64-bit form with int64 bias.
 *
 * The float path with groups == 1 runs on the packed GEMM (kernels/gemm.h), rows = output
 * pixels, K = (ky, kx, c), N = output channels, the filter [M, KH*KW*Cf] being B transposed:
 *   1x1, stride 1:   A is the input itself, [N*H*W, C]            (one GEMM)
 *   1x1, strided:    A is one output row's input pixels, lda = stride * C   (a GEMM per row)
 *   otherwise:       im2col of a chunk of output pixels into scratch, zeros for padding
 * The filter is packed once per model (core/weight_cache.h) when it is a model constant,
 * else into scratch at each eval. Each output element is the same k-ordered sum as the
 * reference loop (padding taps add 0); with TFLC_ISA=scalar the results are the
 * reference's bit for bit. The SIMD kernels use FMA (one rounding per product and sum
 * instead of two), except on layers with fewer than CONV_MUL_ADD_WEIGHTS filter elements:
 * there they round and order the sums as LiteRT does (kernels/gemm.h, mul_add: also Eigen's
 * order on the last N % 8 channels and M % 4 pixels, so TFLC_ISA=scalar no longer gives the
 * reference loop's bits there), at the FMA path's speed on AVX-512 (kernels/gemm.h). Those
 * are the layers a dynamic-range model keeps in float (the converter quantizes only weights
 * of at least 1024 elements), and a float result one ulp
 * away from LiteRT's there can flip the rounding of the next hybrid layer's on-the-fly input
 * quantization, an error of a whole input step, not an ulp. A convolution with a single
 * output pixel (squeeze-excite blocks) is a one-row product: the GEMM sums it in LiteRT's
 * matrix-vector order (kernels/f32_gemm_dot.h), its bits exactly, at full speed; slices of
 * taller outputs pass TFLC_GEMM_PART so that a one-row chunk keeps the GEMM's order.
 * Tasks (row chunks, output rows or GEMM tiles) go to the runner's threads.
 *
 * The int8 path with groups == 1 runs on the packed int8 GEMM (kernels/qgemm.h) in the same
 * shape, K = (ky, kx, c) in the filter's order: 1x1 stride 1 reads the input in place, every
 * other form gathers chunks of output pixels into scratch (im2col; padding taps hold the
 * input zero point, so they add (zp - zp) * w = 0). The filter is packed once per model with
 * its column sums (the weight cache). Each chunk of pixels becomes int32 accumulators
 * (bias + sum (x - zp) * w, modulo 2^32 like the reference's wrapped int64 sum) in the
 * thread's scratch, then is requantized exactly as the reference (ties-up
 * MultiplyByQuantizedMultiplier per channel, zero point, clamp) by the kernels of
 * kernels/qs8_ops.h: the results are the reference loops' bit for bit, at every ISA level.
 * tflc_qs8_force_level(TFLC_QS8_REFERENCE) (tests) keeps the reference loops.
 *
 * The hybrid path reproduces TFLite's builtin kernels:
 *   filter scales that differ (or groups > 1): asymmetric input quantization per batch,
 *     out = float(acc) * (filter_scale[m] * input_scale[n]) + bias   (groups == 1, optimized)
 *     out = float(acc) * filter_scale[m] * input_scale[n] + bias     (groups > 1, reference)
 *   one filter scale: symmetric per batch, out = float(acc) * (input_scale * filter_scale) + bias
 *
 * A PAD of H and W only, with the value zero padding holds (0.0f, the input zero point),
 * whose output only this conv reads, is done here (graph.c asks tflc_conv_absorb_pad after
 * prepare): the conv reads the PAD's input with the amounts added to its top/left padding,
 * e.g. ResNet50's stem PAD [1,224,224,3] -> [1,230,230,3] then 7x7/2 VALID becomes a 7x7/2
 * conv with padding 3 over [1,224,224,3]. Exact where padded taps cost the same arithmetic
 * as zero-padded ones (see conv_pads_exactly): the same bits as the pair.
 */
#include "ops/conv_common.h"
#include "ops/fusion.h"

#include "core/runner.h"
#include "core/weight_cache.h"
#include "kernels/gemm.h"
#include "kernels/qs8_ops.h"
#include "kernels/window.h"

typedef enum conv_mode { CONV_F32, CONV_Q8, CONV_QU8, CONV_Q16, CONV_HYBRID } conv_mode;

/* Float filters with fewer elements run the GEMM's mul_add (LiteRT's rounding), see above.
 * 1024 is TensorFlow's converter threshold for dynamic-range weight quantization. */
#define CONV_MUL_ADD_WEIGHTS 1024

/* How the float path uses the GEMM (see the top of the file). */
typedef enum conv_gemm_form {
    CONV_GEMM_NONE = 0,        /* reference loops (groups > 1, empty shapes) */
    CONV_GEMM_POINTWISE,       /* 1x1, stride 1 */
    CONV_GEMM_POINTWISE_ROWS,  /* 1x1, strided: one GEMM per output row */
    CONV_GEMM_IM2COL,
    CONV_GEMM_TAPS,            /* A read in place tap by tap, from a bordered copy */
} conv_gemm_form;

typedef struct conv_params {
    conv_mode mode;
    tflc_conv_geom g;
    int32_t filter_c, groups, per_group;   /* Cf, groups, M / groups */
    tflc_ops_act act;                      /* float and hybrid outputs */
    int32_t act_min, act_max;              /* quantized outputs, in output units */
    int32_t in_offset, filter_offset, out_offset;   /* -in_zp, -filter_zp, out_zp */
    bool bias64;                           /* Q16 with int64 bias: 64-bit requantization */
    bool hybrid_asymmetric;                /* hybrid: per-channel path */
    float hybrid_filter_scale;             /* hybrid, symmetric path */
    tflc_conv_mults rq;                    /* quantized: the per-channel multipliers */
    size_t q_off, scale_off, zp_off;       /* scratch (hybrid): int8 input, float[N], int32[N] */
    /* float path on the GEMM */
    conv_gemm_form gemm;
    bool mul_add;                          /* GEMM with LiteRT's rounding (small filters) */
    const void *packed;                    /* the cached packed filter, or NULL: pack into
                                              scratch at packed_off at each eval */
    bool weights_cold;                     /* a cached filter tflc_node_weights_cold says is
                                              out of L2 at each run (gemm.h: in place) */
    size_t packed_off;
    size_t col_off, col_floats, col_rows;  /* scratch: per thread, col_rows im2col rows */
    size_t pad_off, pad_h, pad_w;          /* CONV_GEMM_TAPS: scratch, [batches, pad_h, pad_w,
                                              C] values, the input with its border */
    int threads;                           /* tflc_node_num_threads at prepare */
    /* int8 on the int8 GEMM (gemm, packed, packed_off, col_rows, threads as above; its
     * im2col rows are in the thread's block below, not at col_off) */
    const tflc_qs8_config *q8;             /* NULL: the reference loops */
    const tflc_qgemm_s8_config *q8_gemm;   /* the config the filter is packed for */
    size_t q8_col_at;                      /* a thread's block: col_rows x M int32, then at
                                            * this offset col_rows im2col rows */
    size_t q8_block_off;                   /* scratch: the one thread's block (threads == 1;
                                            * else each in its thread scratch) */
    /* A PAD absorbed by tflc_conv_2d_absorb_pad: the data input is that PAD's input and its
     * amounts are in g.y.pad / g.x.pad (y.in, x.in are the unpadded H, W); NULL: input 0. */
    const tflc_tensor *src;
    /* A float activation or residual ADD fused in (tflc_conv_fuse_epilogue,
     * tflc_conv_fuse_residual), applied in place to each block of the output as soon as it
     * is final; NULL: none. */
    const tflc_node *epilogue;
} conv_params;

/* ------------------------------------------------------------- prepare -- */

static tflc_status conv_read_options(tflc_node *node, conv_params *p, int *act_kind,
                                     int *bias_type) {
    static const tflc_conv_slots slots = {CONV2D_OPT_PADDING, CONV2D_OPT_STRIDE_W, CONV2D_OPT_STRIDE_H,
                                          CONV2D_OPT_DILATION_W, CONV2D_OPT_DILATION_H};
    const uint8_t *o = tflc_ops_options(node, BO_Conv2D);
    *act_kind = o ? fb_i8(o, CONV2D_OPT_ACTIVATION, ACT_NONE) : ACT_NONE;
    *bias_type = o ? fb_i8(o, CONV2D_OPT_QUANTIZED_BIAS_TYPE, 0) : 0;
    return tflc_conv_read_window(node, o, slots, &p->g);
}

/* Shapes: rank 4 input and filter, C a multiple of Cf, M a multiple of groups, bias [M]. */
static tflc_status conv_check_shapes(tflc_node *node, conv_params *p) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    tflc_status s = tflc_conv_expect_rank(node, in, "input", 4);
    if (s == TFLC_OK) s = tflc_conv_expect_rank(node, w, "filter (input 1)", 4);
    if (s != TFLC_OK) return s;
    p->g.batches = in->dims[0];
    p->g.y.in = in->dims[1];
    p->g.x.in = in->dims[2];
    p->g.in_c = in->dims[3];
    p->g.out_c = w->dims[0];
    p->g.y.filter = w->dims[1];
    p->g.x.filter = w->dims[2];
    p->filter_c = w->dims[3];
    if (p->filter_c <= 0 || p->g.in_c % p->filter_c != 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input has %d channels, not a "
                              "multiple of the filter's %d", (int)p->g.in_c, (int)p->filter_c);
    p->groups = p->g.in_c / p->filter_c;
    if (p->groups == 0 || p->g.out_c % p->groups != 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%d output channels do not split "
                              "into %d groups", (int)p->g.out_c, (int)p->groups);
    p->per_group = p->g.out_c / p->groups;
    if (bias && tflc_tensor_count(bias) != (size_t)p->g.out_c)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "bias (input 2) has %zu elements, "
                              "expected %d (output channels)", tflc_tensor_count(bias),
                              (int)p->g.out_c);
    return TFLC_OK;
}

/* The mode from the input and filter dtypes; checks the output and bias dtypes. */
static tflc_status conv_pick_mode(tflc_node *node, conv_params *p, int bias_type) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    tflc_dtype wt = w->dtype, bt = TFLC_FLOAT32;
    switch (in->dtype) {
    case TFLC_FLOAT32:
        p->mode = wt == TFLC_INT8 ? CONV_HYBRID : CONV_F32;
        if (wt != TFLC_INT8) wt = TFLC_FLOAT32;
        break;
    case TFLC_INT8: p->mode = CONV_Q8; wt = TFLC_INT8; bt = TFLC_INT32; break;
    case TFLC_UINT8: p->mode = CONV_QU8; wt = TFLC_UINT8; bt = TFLC_INT32; break;
    case TFLC_INT16:
        p->mode = CONV_Q16;
        wt = TFLC_INT8;
        bt = bias && bias->dtype == TFLC_INT32 ? TFLC_INT32 : TFLC_INT64;
        p->bias64 = bt == TFLC_INT64;
        if ((bias_type == CONV_TENSOR_TYPE_INT32 || bias_type == CONV_TENSOR_TYPE_INT64) && bias &&
            bias->dtype != (bias_type == CONV_TENSOR_TYPE_INT32 ? TFLC_INT32 : TFLC_INT64))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "bias is %s but "
                                  "quantized_bias_type says %s", tflc_dtype_name(bias->dtype),
                                  bias_type == CONV_TENSOR_TYPE_INT32 ? "int32" : "int64");
        break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported "
                              "(float32, int8, uint8, int16 are)", tflc_dtype_name(in->dtype));
    }
    tflc_status s = tflc_ops_expect_dtype(node, w, "input", 1, wt);
    if (s == TFLC_OK && bias) s = tflc_ops_expect_dtype(node, bias, "input", 2, bt);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    return s;
}

/* Quantized modes: scales, zero points, activation range, multipliers (once per model in
 * the weight cache, or into scratch at each eval: tflc_conv_prepare_mults). */
static tflc_status conv_prepare_quantized(tflc_node *node, conv_params *p, int act_kind,
                                          size_t *scratch) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1], *out = node->outputs[0];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    const tflc_quantization *iq, *wq, *oq, *bq;
    tflc_status s = tflc_conv_quant(node, in, "input", &iq);
    if (s == TFLC_OK) s = tflc_conv_quant(node, w, "filter", &wq);
    if (s == TFLC_OK) s = tflc_conv_quant(node, out, "output", &oq);
    if (s == TFLC_OK) s = tflc_conv_check_filter_scales(node, wq, p->g.out_c);
    if (s != TFLC_OK) return s;
    if (bias && (bq = tflc_ops_quant(bias)) != NULL && tflc_ops_zero_point(bq, 0) != 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "bias zero point must be 0");
    for (int i = 0; p->mode != CONV_QU8 && i < wq->count; i++)
        if (tflc_ops_zero_point(wq, i) != 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "filter zero point %d is %lld, "
                                  "must be 0", i, (long long)tflc_ops_zero_point(wq, i));
    if (p->mode == CONV_QU8 && wq->count != 1)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "uint8 filters must be quantized per "
                              "tensor, got %d scales", wq->count);
    p->in_offset = -(int32_t)tflc_ops_zero_point(iq, 0);
    p->filter_offset = -(int32_t)tflc_ops_zero_point(wq, 0);
    p->out_offset = (int32_t)tflc_ops_zero_point(oq, 0);
    s = tflc_conv_act_range_q(node, act_kind, out->dtype, oq->scales[0], p->out_offset,
                              &p->act_min, &p->act_max);
    if (s == TFLC_OK)
        s = tflc_conv_prepare_mults(node, w, iq->scales[0], wq, oq->scales[0], p->g.out_c,
                                    p->mode == CONV_Q16 && p->bias64, scratch, &p->rq);
    return s;
}

/* Hybrid: the filter's scales; scratch for the quantized input and per-batch parameters. */
static tflc_status conv_prepare_hybrid(tflc_node *node, conv_params *p, int act_kind,
                                       size_t *scratch) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    const tflc_quantization *wq;
    tflc_status s = tflc_conv_quant(node, w, "filter", &wq);
    if (s == TFLC_OK) s = tflc_conv_check_filter_scales(node, wq, p->g.out_c);
    if (s == TFLC_OK) s = tflc_conv_act_f32(node, act_kind, &p->act);
    if (s != TFLC_OK) return s;
    p->hybrid_asymmetric = tflc_conv_scales_differ(wq) || p->groups != 1;
    p->hybrid_filter_scale = wq->scales[0];
    p->q_off = tflc_conv_scratch_reserve(scratch, tflc_tensor_count(in));
    p->scale_off = tflc_conv_scratch_reserve(scratch, sizeof(float) * (size_t)p->g.batches);
    p->zp_off = tflc_conv_scratch_reserve(scratch, sizeof(int32_t) * (size_t)p->g.batches);
    return TFLC_OK;
}

typedef struct conv_pack_args {
    const tflc_gemm_f32_config *cfg;
    size_t rows, n, k;
    bool cold, stream;
    const float *filter;
} conv_pack_args;

static void conv_pack_filter(void *dst, const void *arg) {
    const conv_pack_args *a = arg;
    tflc_gemm_f32_weights_block(a->cfg, a->rows, a->n, a->k, a->cold, a->stream, a->filter,
                                dst);
}

/* Whether a taps form can run this conv: undilated windows of at most max_taps taps, and a
 * bordered copy of the input, pad_h x pad_w pixels (every window inside, elem bytes a value),
 * of at most twice the input plus 1 MiB; its bytes in *bytes. Otherwise im2col, which works
 * in bounded chunks: a filter wider than a small image, or batches of one pixel, must not
 * make a hostile model's scratch explode. */
static bool conv_taps_plan(conv_params *p, size_t max_taps, size_t elem, size_t *bytes) {
    const tflc_conv_geom *g = &p->g;
    if (g->y.dilation != 1 || g->x.dilation != 1 ||
        (size_t)g->y.filter * (size_t)g->x.filter > max_taps)
        return false;
    const size_t ph = (size_t)(g->y.out - 1) * (size_t)g->y.stride + (size_t)g->y.filter;
    const size_t pw = (size_t)(g->x.out - 1) * (size_t)g->x.stride + (size_t)g->x.filter;
    const size_t per_pixel = (size_t)g->batches * (size_t)p->filter_c * elem;   /* groups 1 */
    const size_t in_bytes = per_pixel * (size_t)g->y.in * (size_t)g->x.in;     /* bounded */
    if (ph > SIZE_MAX / pw || ph * pw > SIZE_MAX / per_pixel ||
        ph * pw * per_pixel > 2 * in_bytes + ((size_t)1 << 20))
        return false;
    p->pad_h = ph;
    p->pad_w = pw;
    *bytes = ph * pw * per_pixel;
    return true;
}

/* CONV_GEMM_TAPS when the taps kernels apply (tflc_gemm_f32_taps_fit: in the FMA order the
 * channels a whole number of summation blocks; in mul_add's, a multiple of 8 output
 * channels, as in a first convolution over RGB) and the windows are undilated: the input is
 * copied once into a zero border (pad_h x pad_w, every window inside), and A is read from
 * that in place, each tap a run of C floats at a stride of stride_x * C, instead of copied
 * out by im2col (9 copies of each input float for 3x3). Same bits as im2col:
 * tflc_gemm_f32_taps_slice. (Always copied, even unpadded: a PAD absorbed after prepare,
 * tflc_conv_absorb_pad, then only changes what the copy reads.) */
static bool conv_prepare_taps(conv_params *p, const tflc_gemm_f32_config *cfg, size_t rows,
                              size_t *scratch) {
    size_t bytes;
    if (rows < 2 ||
        !tflc_gemm_f32_taps_fit(cfg, (size_t)p->filter_c, (size_t)p->g.out_c, p->mul_add) ||
        !conv_taps_plan(p, TFLC_GEMM_MAX_TAPS, sizeof(float), &bytes))
        return false;
    p->pad_off = tflc_conv_scratch_reserve(scratch, bytes);
    p->gemm = CONV_GEMM_TAPS;
    return true;
}

/* The GEMM rows the float filter's block is made for (gemm.h, tflc_gemm_f32_weights_size):
 * a 1x1 filter over one output pixel with large weights reads them in place; other filters
 * report 0, since the taps form needs packed panels. */
static size_t conv_filter_rows(const conv_params *p) {
    if (p->g.y.filter != 1 || p->g.x.filter != 1) return 0;
    return (size_t)p->g.batches * (size_t)p->g.y.out * (size_t)p->g.x.out;
}

/* Float, groups == 1: the GEMM form, the cached packed filter, scratch for im2col. */
static void conv_prepare_gemm(tflc_node *node, conv_params *p, size_t *scratch) {
    const tflc_tensor *w = node->inputs[1];
    const size_t k = (size_t)p->g.y.filter * (size_t)p->g.x.filter * (size_t)p->filter_c;
    const size_t n = (size_t)p->g.out_c;
    const size_t rows = (size_t)p->g.batches * (size_t)p->g.y.out * (size_t)p->g.x.out;
    p->gemm = CONV_GEMM_NONE;
    p->packed = NULL;
    if (p->groups != 1 || rows == 0 || n == 0 || k == 0) return;
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_get();
    const tflc_model *model = tflc_conv_model(node);
    const bool cached = tflc_tensor_is_constant(w) && tflc_weight_cache_owns(model, w->data);
    p->weights_cold = cached && tflc_node_weights_cold(node);
    const size_t packed_bytes =
        tflc_gemm_f32_weights_size(cfg, conv_filter_rows(p), n, k, p->weights_cold);
    if (cached) {
        conv_pack_args args = {cfg, conv_filter_rows(p), n, k, p->weights_cold,
                               tflc_node_weights_stream(node), w->data};
        p->packed = tflc_weight_cache_get(model, w->data,
                                          TFLC_WCACHE_F32_GEMM_B | (uint32_t)cfg->isa << 8,
                                          packed_bytes, conv_pack_filter, &args);
    }
    if (!p->packed) p->packed_off = tflc_conv_scratch_reserve(scratch, packed_bytes);
    p->threads = tflc_node_num_threads(node);
    p->mul_add = n * k < CONV_MUL_ADD_WEIGHTS;
    if (p->g.y.filter == 1 && p->g.x.filter == 1) {   /* 1x1 windows never pad */
        p->gemm = p->g.y.stride == 1 && p->g.x.stride == 1 ? CONV_GEMM_POINTWISE
                                                           : CONV_GEMM_POINTWISE_ROWS;
        return;
    }
    /* im2col chunks of ~256 KiB, at least 64 rows, and enough chunks for every thread. */
    size_t chunk = 65536 / k;
    if (chunk < 64) chunk = 64;
    if (chunk > 1024) chunk = 1024;
    size_t per_thread = (rows + (size_t)p->threads - 1) / (size_t)p->threads;
    if (chunk > per_thread) chunk = per_thread;
    const size_t mr = cfg->mr, tiles = (rows + mr - 1) / mr;
    chunk = tflc_balanced_span(tiles, 1, p->threads, 1, (chunk + mr - 1) / mr) * mr;
    p->col_rows = chunk;
    if (conv_prepare_taps(p, cfg, rows, scratch)) return;
    p->gemm = CONV_GEMM_IM2COL;
    p->col_floats = chunk * k;
    p->col_off = tflc_conv_scratch_reserve(scratch, (size_t)p->threads * p->col_floats *
                                                        sizeof(float));
}

typedef struct conv_q8_pack_args {
    const tflc_qgemm_s8_config *cfg;
    size_t n, k;
    const int8_t *filter;
} conv_q8_pack_args;

static void conv_q8_pack_filter(void *dst, const void *arg) {
    const conv_q8_pack_args *a = arg;
    tflc_qgemm_s8_pack_b(a->cfg, a->n, a->k, a->filter, a->k, true, dst);
}

/* int8 CONV_GEMM_TAPS (as the float form, conv_prepare_taps) when the GEMM has taps kernels
 * and the windows are undilated: A read in place from a zero-bordered copy of the input that
 * also adds the GEMM's a_offset (so always copied; the border holds the input zero point, as
 * im2col's). Sets pad_h, pad_w and the copy's bytes. Integer sums: the same bits as
 * im2col for any channels. */
static bool conv_q8_taps_fit(conv_params *p, const tflc_qgemm_s8_config *gcfg, size_t *bytes) {
    return tflc_qgemm_s8_taps_fit(gcfg, (size_t)p->filter_c) &&
           conv_taps_plan(p, TFLC_QGEMM_MAX_TAPS, 1, bytes);
}

/* int8, groups == 1: the GEMM form, the cached packed filter, scratch for each thread's
 * accumulators (and im2col rows). Leaves p->q8 NULL (reference loops) otherwise. */
static void conv_prepare_q8_gemm(tflc_node *node, conv_params *p, size_t *scratch) {
    const tflc_tensor *w = node->inputs[1];
    const size_t k = (size_t)p->g.y.filter * (size_t)p->g.x.filter * (size_t)p->filter_c;
    const size_t n = (size_t)p->g.out_c;
    const size_t rows = (size_t)p->g.batches * (size_t)p->g.y.out * (size_t)p->g.x.out;
    p->q8 = NULL;
    p->gemm = CONV_GEMM_NONE;
    p->packed = NULL;
    if (p->groups != 1 || rows == 0 || n == 0 || k == 0) return;
    const tflc_qs8_config *q8 = tflc_qs8_config_get();
    if (!q8) return;
    const tflc_qgemm_s8_config *gcfg = tflc_qs8_config_gemm(q8);
    const size_t packed_bytes = tflc_qgemm_s8_packed_size(gcfg, n, k);
    const tflc_model *model = tflc_conv_model(node);
    if (tflc_tensor_is_constant(w) && tflc_weight_cache_owns(model, w->data)) {
        conv_q8_pack_args args = {gcfg, n, k, w->data};
        p->packed = tflc_weight_cache_get(model, w->data,
                                          TFLC_WCACHE_QS8_GEMM_B | (uint32_t)gcfg->isa << 8,
                                          packed_bytes, conv_q8_pack_filter, &args);
        if (p->packed && !tflc_qgemm_s8_packed_is(p->packed, n, k)) p->packed = NULL;
    }
    if (!p->packed) p->packed_off = tflc_conv_scratch_reserve(scratch, packed_bytes);
    p->threads = tflc_node_num_threads(node);
    const bool pointwise = p->g.y.filter == 1 && p->g.x.filter == 1 && p->g.y.stride == 1 &&
                           p->g.x.stride == 1;   /* 1x1 windows never pad */
    size_t pad_bytes = 0;
    p->gemm = pointwise                             ? CONV_GEMM_POINTWISE
              : conv_q8_taps_fit(p, gcfg, &pad_bytes) ? CONV_GEMM_TAPS
                                                      : CONV_GEMM_IM2COL;
    const bool im2col = p->gemm == CONV_GEMM_IM2COL;
    p->col_rows = tflc_qs8_chunk_rows(gcfg, rows, n * sizeof(int32_t) + (im2col ? k : 0),
                                      p->threads);
    /* Each thread's int32 accumulators, then its im2col rows. With several threads in the
     * thread scratch: then no thread writes lines the other core wrote last (the node's own
     * scratch overlaps tensors either thread may have written). MobileNet V2 int8 on 2
     * threads, 14 alternating rounds: median 0.970 of the node scratch's time. With one
     * thread there is no other core, and the node's scratch costs no arena bytes while it
     * overlaps dead tensors, so it stays there. */
    p->q8_col_at = tflc_arena_round(p->col_rows * n * sizeof(int32_t));
    const size_t block = p->q8_col_at + (im2col ? p->col_rows * k : 0);
    if (p->threads > 1) node->thread_scratch_bytes = block;
    else p->q8_block_off = tflc_conv_scratch_reserve(scratch, block);
    if (p->gemm == CONV_GEMM_TAPS) p->pad_off = tflc_conv_scratch_reserve(scratch, pad_bytes);
    p->q8 = q8;
    p->q8_gemm = gcfg;
}

static tflc_status conv_prepare(tflc_node *node) {
    conv_params *p = node->params;
    int act_kind = ACT_NONE, bias_type = 0;
    size_t scratch = 0;
    tflc_status s = tflc_ops_check_arity(node, 2, 3, 1);
    if (s == TFLC_OK) s = conv_check_shapes(node, p);
    if (s == TFLC_OK) s = conv_read_options(node, p, &act_kind, &bias_type);
    if (s == TFLC_OK) s = conv_pick_mode(node, p, bias_type);
    if (s != TFLC_OK) return s;
    if (p->mode == CONV_F32) {
        s = tflc_conv_act_f32(node, act_kind, &p->act);
        if (s == TFLC_OK) conv_prepare_gemm(node, p, &scratch);
    } else if (p->mode == CONV_HYBRID) s = conv_prepare_hybrid(node, p, act_kind, &scratch);
    else s = conv_prepare_quantized(node, p, act_kind, &scratch);
    if (s != TFLC_OK) return s;
    if (p->mode == CONV_Q8) conv_prepare_q8_gemm(node, p, &scratch);
    node->scratch_bytes = scratch;
    const int32_t dims[4] = {p->g.batches, p->g.y.out, p->g.x.out, p->g.out_c};
    return tflc_node_set_output_shape(node, 0, dims, 4);
}

/* ---------------------------------------------------------------- eval -- */

/* The tensor the data comes from: input 0, or the input of an absorbed PAD. */
static const tflc_tensor *conv_src(const tflc_node *node, const conv_params *p) {
    return p->src ? p->src : node->inputs[0];
}

/* Offsets of tap (ky, kx) for output channel m: the input's Cf channels of m's group at
 * pixel (n, y0 + ky*dy, x0 + kx*dx), and filter row m at (ky, kx). */
static size_t conv_in_at(const conv_params *p, const tflc_conv_window *win, int32_t n,
                         int32_t ky, int32_t kx, int32_t m) {
    int64_t iy = win->y0 + (int64_t)ky * p->g.y.dilation;
    int64_t ix = win->x0 + (int64_t)kx * p->g.x.dilation;
    return tflc_conv_offset(&p->g, n, iy, ix, p->g.in_c) +
           (size_t)(m / p->per_group) * (size_t)p->filter_c;
}

static size_t conv_w_at(const conv_params *p, int32_t m, int32_t ky, int32_t kx) {
    return (((size_t)m * (size_t)p->g.y.filter + (size_t)ky) * (size_t)p->g.x.filter +
            (size_t)kx) * (size_t)p->filter_c;
}

/* Output element (n, window, m) of the float kernel, before bias: taps in (ky, kx, c)
 * order as TFLite's reference kernel sums them. */
static float conv_acc_f32(const conv_params *p, const tflc_conv_window *win, const float *in,
                          const float *w, int32_t n, int32_t m) {
    float acc = 0.0f;
    for (int32_t ky = win->ky0; ky < win->ky1; ky++)
        for (int32_t kx = win->kx0; kx < win->kx1; kx++) {
            const float *x = in + conv_in_at(p, win, n, ky, kx, m);
            const float *f = w + conv_w_at(p, m, ky, kx);
            for (int32_t c = 0; c < p->filter_c; c++) acc += x[c] * f[c];
        }
    return acc;
}

static void conv_eval_f32(const conv_params *p, const float *in, const float *w,
                          const float *bias, float *out) {
    size_t at = 0;
    for (int32_t n = 0; n < p->g.batches; n++)
        for (int32_t oy = 0; oy < p->g.y.out; oy++)
            for (int32_t ox = 0; ox < p->g.x.out; ox++) {
                tflc_conv_window win = tflc_conv_window_at(&p->g, oy, ox);
                for (int32_t m = 0; m < p->g.out_c; m++, at++) {
                    float acc = conv_acc_f32(p, &win, in, w, n, m);
                    out[at] = tflc_ops_apply_act_f32(&p->act, acc + (bias ? bias[m] : 0.0f));
                }
            }
}

/* ------------------------------------------------------ float on the GEMM -- */

/* One eval's GEMM work, shared read-only by its tasks. */
typedef struct conv_gemm_job {
    const conv_params *p;
    const float *in, *bias;
    float *out;
    const void *packed;
    float *col;                            /* thread t's im2col rows: col + t * col_floats */
    size_t k, n, rows;
    tflc_gemm_f32_args pointwise;          /* CONV_GEMM_POINTWISE */
    tflc_gemm_f32_plan plan;
    tflc_split split;                      /* CONV_GEMM_IM2COL: chunks of col_rows pixels x
                                            * column blocks (kernels/cpu.h) */
    /* CONV_GEMM_TAPS: the input's zero-bordered copy the taps read and the product's
     * arguments (A unused) */
    float *pad;
    tflc_gemm_f32_args taps;
} conv_gemm_job;

/* n bytes: short runs (an image of 3 or 4 channels: 9 to 48 bytes a filter row) as two
 * fixed-size copies that overlap in the middle, not through a libc call or a byte loop. */
static inline void conv_copy_bytes(void *dst_, const void *src_, size_t n) {
    unsigned char *dst = dst_;
    const unsigned char *src = src_;
    if (n > 64) {
        memcpy(dst, src, n);
    } else if (n >= 32) {
        memcpy(dst, src, 32);
        memcpy(dst + n - 32, src + n - 32, 32);
    } else if (n >= 16) {
        memcpy(dst, src, 16);
        memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++) dst[i] = src[i];
    }
}

/* The output pixel (n, oy, ox) of an im2col row, stepped row by row (a division per row
 * costs more than a short row's copy). */
typedef struct conv_pixel {
    size_t b, oy, ox;
} conv_pixel;

static conv_pixel conv_pixel_at(const tflc_conv_geom *g, size_t pix) {
    const size_t ow = (size_t)g->x.out, oh = (size_t)g->y.out;
    return (conv_pixel){pix / (ow * oh), (pix / ow) % oh, pix % ow};
}

static void conv_pixel_next(const tflc_conv_geom *g, conv_pixel *px) {
    if (++px->ox < (size_t)g->x.out) return;
    px->ox = 0;
    if (++px->oy < (size_t)g->y.out) return;
    px->oy = 0;
    px->b++;
}

/* Pixel ox's taps of filter row ky (input row at src_row) when some fall outside the input
 * or the filter is dilated: kx by kx, `fill` bytes for the outside ones. */
static void conv_im2col_taps(const tflc_conv_geom *g, const unsigned char *src_row, size_t ox,
                             size_t pix_bytes, int fill, unsigned char *dst) {
    const int64_t ix0 = (int64_t)ox * g->x.stride - g->x.pad;
    for (int32_t kx = 0; kx < g->x.filter; kx++, dst += pix_bytes) {
        const int64_t ix = ix0 + (int64_t)kx * g->x.dilation;
        if (ix < 0 || ix >= g->x.in) memset(dst, fill, pix_bytes);
        else conv_copy_bytes(dst, src_row + (size_t)ix * pix_bytes, pix_bytes);
    }
}

/* Rows [r0, r0 + count) of the im2col matrix, elements of elem bytes: row = output pixel
 * (n, oy, ox), column (ky, kx, c); taps outside the input are bytes `fill` (float 0, or an
 * int8 input's zero point). The pixels go a segment of one output row (n, oy) at a time,
 * filter row by filter row: the segment's interior pixels (every kx inside, dilation 1)
 * are one copy of kw * c elements each in a tight loop, the border ones tap by tap. Per
 * pixel and filter row that is a few instructions (a 3-channel image's first convolution
 * spent a third of its time here when each pixel recomputed its geometry). */
static void conv_im2col_bytes(const tflc_conv_geom *g, const void *in_, size_t elem, int fill,
                              size_t r0, size_t count, void *col_) {
    const unsigned char *in = in_;
    unsigned char *col = col_;
    const size_t pix_bytes = (size_t)g->in_c * elem, run = (size_t)g->x.filter * pix_bytes;
    const size_t row_bytes = (size_t)g->y.filter * run, ow = (size_t)g->x.out;
    /* interior columns (every kx inside), where a filter row is one run: dilation 1 */
    size_t x_lo = 0, x_hi = 0;
    if (g->x.dilation == 1)
        tflc_window_interior(g->x.in, g->x.pad, g->x.stride, g->x.filter - 1, (int64_t)ow, &x_lo,
                             &x_hi);
    conv_pixel px = conv_pixel_at(g, r0);
    for (size_t r = 0; r < count;) {
        const size_t seg = count - r < ow - px.ox ? count - r : ow - px.ox;
        const size_t ox0 = px.ox, ox1 = ox0 + seg;
        const size_t lo = x_lo < ox0 ? ox0 : x_lo > ox1 ? ox1 : x_lo;
        const size_t hi = x_hi < lo ? lo : x_hi > ox1 ? ox1 : x_hi;
        unsigned char *seg_col = col + r * row_bytes;
        for (int32_t ky = 0; ky < g->y.filter; ky++) {
            unsigned char *d = seg_col + (size_t)ky * run;
            const int64_t iy = (int64_t)px.oy * g->y.stride - g->y.pad + (int64_t)ky * g->y.dilation;
            if (iy < 0 || iy >= g->y.in) {
                for (size_t i = 0; i < seg; i++) memset(d + i * row_bytes, fill, run);
                continue;
            }
            const unsigned char *src_row = in + tflc_conv_offset(g, (int32_t)px.b, iy, 0, g->in_c) * elem;
            for (size_t ox = ox0; ox < lo; ox++)
                conv_im2col_taps(g, src_row, ox, pix_bytes, fill, d + (ox - ox0) * row_bytes);
            const size_t step = (size_t)g->x.stride * pix_bytes;
            const unsigned char *src = src_row + (lo * (size_t)g->x.stride - (size_t)g->x.pad) * pix_bytes;
            for (size_t ox = lo; ox < hi; ox++, src += step)
                conv_copy_bytes(d + (ox - ox0) * row_bytes, src, run);
            for (size_t ox = hi; ox < ox1; ox++)
                conv_im2col_taps(g, src_row, ox, pix_bytes, fill, d + (ox - ox0) * row_bytes);
        }
        r += seg;
        px.ox = ox1 - 1;              /* the segment's last pixel, then one step */
        conv_pixel_next(g, &px);
    }
}

/* The GEMM arguments' epilogue fields for p's fused activation (none: NULL): applied in
 * place to each block of C as soon as the GEMM has finished it (a row block, in cache). */
static void conv_set_epilogue(const conv_params *p, tflc_gemm_f32_args *g) {
    g->epilogue = p->epilogue ? tflc_epilogue_block : NULL;
    g->epilogue_ctx = p->epilogue;
}

/* GEMM flags of every call: mul_add, and PART when a call covers a slice of a taller
 * product (one output pixel sums in the one-row order only when it is the whole output,
 * as in LiteRT). */
static unsigned conv_gemm_flags(const conv_params *p, size_t rows) {
    return (p->mul_add ? TFLC_GEMM_MUL_ADD : 0u) | (rows > 1 ? TFLC_GEMM_PART : 0u);
}

/* Output pixels [row0, row0 + m) x channels [n0, n1) of one GEMM call: A [m, k] at lda,
 * C [m, n] at out. n0 is a multiple of nr, so every tile is the one a whole-width call
 * computes; the small-filter order depends on where the pixels sit among all j->rows
 * (gemm.h range_in). */
static void conv_gemm(const conv_gemm_job *j, size_t row0, size_t m, const float *a, size_t lda,
                      float *out, size_t n0, size_t n1) {
    tflc_gemm_f32_args g = {m, j->n, j->k, a, lda, j->packed, j->bias, out, j->n,
                            j->p->act.min, j->p->act.max, NULL, NULL};
    conv_set_epilogue(j->p, &g);
    tflc_gemm_f32_range_in(&g, 0, m, n0, n1, conv_gemm_flags(j->p, j->rows), row0, j->rows);
}

static void conv_task_pointwise(void *ctx, int task, int thread) {
    const conv_gemm_job *j = ctx;
    (void)thread;
    tflc_gemm_f32_task_flags(&j->pointwise, &j->plan, task, conv_gemm_flags(j->p, j->rows));
}

/* Task = output row (n, oy): its OW input pixels are stride * C floats apart. */
static void conv_task_rows(void *ctx, int task, int thread) {
    const conv_gemm_job *j = ctx;
    const tflc_conv_geom *g = &j->p->g;
    (void)thread;
    const int32_t b = task / g->y.out, oy = task % g->y.out;
    const float *a = j->in + tflc_conv_offset(g, b, (int64_t)oy * g->y.stride, 0, g->in_c);
    float *c = j->out + (size_t)task * (size_t)g->x.out * j->n;
    conv_gemm(j, (size_t)task * (size_t)g->x.out, (size_t)g->x.out, a,
              (size_t)g->x.stride * (size_t)g->in_c, c, 0, j->n);
}

/* Task = a chunk of col_rows output pixels x a block of col_step output channels, through
 * this thread's im2col buffer (a chunk split into column blocks is gathered once per block:
 * k floats a row against the block's k * col_step multiply-adds). */
static void conv_task_im2col(void *ctx, int task, int thread) {
    const conv_gemm_job *j = ctx;
    size_t r0, n0;
    tflc_split_task(&j->split, task, &r0, &n0);
    const size_t count = j->rows - r0 < j->p->col_rows ? j->rows - r0 : j->p->col_rows;
    const size_t n1 = j->n - n0 < j->split.col_step ? j->n : n0 + j->split.col_step;
    float *col = j->col + (size_t)thread * j->p->col_floats;
    conv_im2col_bytes(&j->p->g, j->in, sizeof(float), 0, r0, count, col);
    conv_gemm(j, r0, count, col, j->k, j->out + r0 * j->n, n0, n1);
}

/* Row `task` (batch b, padded row py) of the taps form's bordered copy of `in` (values of
 * elem bytes, C a row's pixel): `border` bytes outside the input, inside the input's bytes
 * plus `offset` (int8: the GEMM's a_offset, as its packing of A adds it; float: 0, a copy). */
static void conv_pad_row(const conv_params *p, const unsigned char *in, size_t elem, int task,
                         unsigned char *pad, uint8_t border, uint8_t offset) {
    const tflc_conv_geom *g = &p->g;
    const size_t px = (size_t)p->filter_c * elem, row = p->pad_w * px;
    const int32_t b = (int32_t)((size_t)task / p->pad_h);
    const int64_t iy = (int64_t)((size_t)task % p->pad_h) - g->y.pad;
    unsigned char *dst = pad + (size_t)task * row;
    if (iy < 0 || iy >= g->y.in) {
        memset(dst, border, row);
        return;
    }
    const size_t x0 = (size_t)g->x.pad, x1 = x0 + (size_t)g->x.in < p->pad_w ? x0 + (size_t)g->x.in
                                                                            : p->pad_w;
    const unsigned char *src = in + tflc_conv_offset(g, b, iy, 0, g->in_c) * elem;
    memset(dst, border, x0 * px);
    if (offset == 0) memcpy(dst + x0 * px, src, (x1 - x0) * px);
    else for (size_t i = 0; i < (x1 - x0) * px; i++) dst[x0 * px + i] = (unsigned char)(src[i] + offset);
    memset(dst + x1 * px, border, (p->pad_w - x1) * px);
}

/* CONV_GEMM_TAPS, first: row `task` of the zero-bordered copy (+0.0f, as im2col writes). */
static void conv_task_pad(void *ctx, int task, int thread) {
    const conv_gemm_job *j = ctx;
    (void)thread;
    conv_pad_row(j->p, (const unsigned char *)j->in, sizeof(float), task, (unsigned char *)j->pad,
                 0, 0);
}

/* The taps' walk over a chunk of output pixels, one output row's run at a time (within a
 * run, every tap's rows are stride * C values apart in the bordered copy): the first run from
 * pixel px (at most end - pix pixels), its length, and each tap's offset in the copy, in
 * values, of the run's first row (filter row-major, as the packed K). */
static size_t conv_taps_run(const conv_params *p, const conv_pixel *px, size_t pix, size_t end,
                            size_t *tap_off) {
    const tflc_conv_geom *g = &p->g;
    const size_t c = (size_t)p->filter_c, left = (size_t)g->x.out - px->ox;
    const size_t base = ((px->b * p->pad_h + px->oy * (size_t)g->y.stride) * p->pad_w +
                         px->ox * (size_t)g->x.stride) * c;
    size_t t = 0;
    for (size_t ky = 0; ky < (size_t)g->y.filter; ky++)
        for (size_t kx = 0; kx < (size_t)g->x.filter; kx++)
            tap_off[t++] = base + (ky * p->pad_w + kx) * c;
    return left < end - pix ? left : end - pix;
}

/* The pixel after a run of m pixels that started at px. */
static void conv_taps_next(const tflc_conv_geom *g, conv_pixel *px, size_t m) {
    px->ox += m;
    if (px->ox < (size_t)g->x.out) return;
    px->ox = 0;
    if (++px->oy < (size_t)g->y.out) return;
    px->oy = 0;
    px->b++;
}

/* CONV_GEMM_TAPS, then: a chunk of output pixels x a block of columns, run by run. */
static void conv_task_taps(void *ctx, int task, int thread) {
    const conv_gemm_job *j = ctx;
    const tflc_conv_geom *g = &j->p->g;
    (void)thread;
    size_t r0, n0;
    tflc_split_task(&j->split, task, &r0, &n0);
    const size_t end = j->rows - r0 < j->p->col_rows ? j->rows : r0 + j->p->col_rows;
    const size_t n1 = j->n - n0 < j->split.col_step ? j->n : n0 + j->split.col_step;
    const size_t c = (size_t)j->p->filter_c;
    const size_t taps = (size_t)g->y.filter * (size_t)g->x.filter;
    size_t off[TFLC_GEMM_MAX_TAPS];
    const float *tap_a[TFLC_GEMM_MAX_TAPS];
    /* Slices of taps outside the runs: each slice of B serves the chunk's every pixel. */
    const size_t per_slice = tflc_gemm_f32_taps_per_slice(&j->taps, taps, n1 - n0);
    for (size_t t0 = 0; t0 < taps; t0 += per_slice) {
        const size_t t1 = taps - t0 < per_slice ? taps : t0 + per_slice;
        conv_pixel px = conv_pixel_at(g, r0);
        for (size_t pix = r0, m; pix < end; pix += m) {
            m = conv_taps_run(j->p, &px, pix, end, off);
            for (size_t t = 0; t < taps; t++) tap_a[t] = j->pad + off[t];
            tflc_gemm_f32_taps_slice(&j->taps, m, taps, tap_a, (size_t)g->x.stride * c,
                                     j->out + pix * j->n, n0, n1, t0, t1,
                                     j->p->mul_add ? TFLC_GEMM_MUL_ADD : 0u);
            conv_taps_next(g, &px, m);
        }
    }
}

static void conv_eval_f32_taps(tflc_node *node, const conv_params *p, conv_gemm_job *j,
                               int threads) {
    j->pad = tflc_conv_scratch_at(node, p->pad_off);
    tflc_node_parallel_for(node, p->g.batches * (int)p->pad_h, conv_task_pad, j);
    j->taps = (tflc_gemm_f32_args){j->rows, j->n, j->k, NULL, 0, j->packed, j->bias, j->out, j->n,
                                   p->act.min, p->act.max, NULL, NULL};
    conv_set_epilogue(p, &j->taps);
    j->split = tflc_split_plan(j->rows, j->n, p->col_rows, 0,
                               tflc_gemm_f32_packed_config(j->packed)->nr, threads);
    tflc_node_parallel_for(node, j->split.row_tasks * j->split.col_tasks, conv_task_taps, j);
}

static void conv_eval_f32_gemm(tflc_node *node, const conv_params *p) {
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    conv_gemm_job j = {
        .p = p,
        .in = conv_src(node, p)->data,
        .bias = bias ? bias->data : NULL,
        .out = node->outputs[0]->data,
        .packed = p->packed,
        .col = tflc_conv_scratch_at(node, p->col_off),
        .k = (size_t)p->g.y.filter * (size_t)p->g.x.filter * (size_t)p->filter_c,
        .n = (size_t)p->g.out_c,
        .rows = (size_t)p->g.batches * (size_t)p->g.y.out * (size_t)p->g.x.out,
    };
    if (!j.packed) {
        void *dst = tflc_conv_scratch_at(node, p->packed_off);
        tflc_gemm_f32_weights_block(tflc_gemm_f32_config_get(), conv_filter_rows(p), j.n, j.k,
                                    p->weights_cold, false, node->inputs[1]->data, dst);
        j.packed = dst;
    }
    const int threads = tflc_node_num_threads(node);
    switch (p->gemm) {
    case CONV_GEMM_POINTWISE: {
        j.pointwise = (tflc_gemm_f32_args){j.rows, j.n, j.k, j.in, j.k, j.packed, j.bias,
                                           j.out, j.n, p->act.min, p->act.max, NULL, NULL};
        conv_set_epilogue(p, &j.pointwise);
        int tasks = tflc_gemm_f32_plan_split(&j.pointwise, threads, &j.plan);
        tflc_node_parallel_for(node, tasks, conv_task_pointwise, &j);
        break;
    }
    case CONV_GEMM_POINTWISE_ROWS:
        tflc_node_parallel_for(node, p->g.batches * p->g.y.out, conv_task_rows, &j);
        break;
    case CONV_GEMM_TAPS:
        conv_eval_f32_taps(node, p, &j, threads);
        break;
    default: {
        const bool parallel = threads <= p->threads; /* else serial: im2col buffers per thread */
        /* With few chunks per thread (a small image, many channels: ResNet's 7x7x512 3x3
         * convolutions have 2), chunks split into column blocks of whole nr panels, so a
         * late or descheduled thread holds up one small task, not half of the convolution. */
        j.split = tflc_split_plan(j.rows, j.n, p->col_rows, 0,
                                  tflc_gemm_f32_packed_config(j.packed)->nr, parallel ? threads : 1);
        const int tasks = j.split.row_tasks * j.split.col_tasks;
        if (parallel) {
            tflc_node_parallel_for(node, tasks, conv_task_im2col, &j);
        } else {
            for (int t = 0; t < tasks; t++) conv_task_im2col(&j, t, 0);
        }
        break;
    }
    }
}

/* ------------------------------------------------------- int8 on the GEMM -- */

/* One eval's int8 GEMM work, shared read-only by its tasks: task = (row chunk of col_rows
 * output pixels, block of output channels), as tflc_split_plan splits them. */
typedef struct conv_q8_job {
    const conv_params *p;
    const tflc_node *node;                 /* its thread scratch: accumulators, im2col rows */
    const int8_t *in;
    int8_t *out;
    uint8_t *pad;                          /* CONV_GEMM_TAPS: the bordered, offset copy */
    size_t k, n, rows;
    tflc_split split;
    tflc_qs8_gemm_rq g;
} conv_q8_job;

/* CONV_GEMM_TAPS (int8), first: row `task` of the bordered copy; the border is the input
 * zero point, which im2col writes there too. */
static void conv_task_pad_q8(void *ctx, int task, int thread) {
    const conv_q8_job *j = ctx;
    const conv_params *p = j->p;
    (void)thread;
    const uint8_t off = (uint8_t)p->q8_gemm->a_offset;
    conv_pad_row(p, (const unsigned char *)j->in, 1, task, j->pad,
                 (uint8_t)((uint8_t)(int8_t)(-p->in_offset) + off), off);
}

/* CONV_GEMM_TAPS (int8), then: a chunk's int32 accumulators run by run, then requantized. */
static void conv_q8_taps_chunk(const conv_q8_job *j, size_t r0, size_t count, size_t n0,
                               int32_t *acc) {
    const conv_params *p = j->p;
    const tflc_conv_geom *g = &p->g;
    const size_t c = (size_t)p->filter_c, taps = (size_t)g->y.filter * (size_t)g->x.filter;
    const size_t n1 = j->n - n0 < j->split.col_step ? j->n : n0 + j->split.col_step;
    size_t off[TFLC_QGEMM_MAX_TAPS];
    const uint8_t *tap_a[TFLC_QGEMM_MAX_TAPS];
    conv_pixel px = conv_pixel_at(g, r0);
    for (size_t pix = r0, m; pix < r0 + count; pix += m) {
        m = conv_taps_run(p, &px, pix, r0 + count, off);
        for (size_t t = 0; t < taps; t++) tap_a[t] = j->pad + off[t];
        tflc_qgemm_s8_taps_rows(m, j->n, j->k, taps, tap_a, (size_t)g->x.stride * c,
                                j->g.a_zero_point, j->g.packed_b, j->g.bias,
                                acc + (pix - r0) * j->n, j->n, n0, n1);
        conv_taps_next(g, &px, m);
    }
    j->g.cfg->requant(count, n1 - n0, acc + n0, j->n, j->g.rq, n0, j->out + r0 * j->n + n0,
                      j->n);
}


static void conv_task_q8(void *ctx, int task, int thread) {
    const conv_q8_job *j = ctx;
    const size_t chunk = j->split.chunk;
    size_t r0, n0;
    tflc_split_task(&j->split, task, &r0, &n0);
    const size_t count = j->rows - r0 < chunk ? j->rows - r0 : chunk;
    const int8_t *a = j->in + r0 * j->k;
    unsigned char *mine = tflc_node_thread_scratch(j->node, thread);   /* NULL: 1 thread */
    if (!mine) mine = tflc_conv_scratch_at(j->node, j->p->q8_block_off);
    int32_t *acc = (int32_t *)(void *)mine;
    if (j->p->gemm == CONV_GEMM_TAPS) {
        conv_q8_taps_chunk(j, r0, count, n0, acc);
        return;
    }
    if (j->p->gemm == CONV_GEMM_IM2COL) {
        int8_t *col = (int8_t *)(mine + j->p->q8_col_at);
        conv_im2col_bytes(&j->p->g, j->in, 1, -j->p->in_offset, r0, count, col);
        a = col;
    }
    tflc_qs8_gemm_requant(&j->g, count, a, j->k, j->out + r0 * j->n, j->n, n0,
                          n0 + j->split.col_step, acc);
}

static void conv_eval_q8_gemm(tflc_node *node, const conv_params *p, const int32_t *mult,
                              const int32_t *shift) {
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    const tflc_qs8_requant rq = {mult, shift, p->out_offset, p->act_min, p->act_max,
                                 TFLC_QS8_ROUND_TIES_UP, 0};
    conv_q8_job j = {
        .p = p,
        .node = node,
        .in = conv_src(node, p)->data,
        .out = node->outputs[0]->data,
        .k = (size_t)p->g.y.filter * (size_t)p->g.x.filter * (size_t)p->filter_c,
        .n = (size_t)p->g.out_c,
        .rows = (size_t)p->g.batches * (size_t)p->g.y.out * (size_t)p->g.x.out,
    };
    const void *packed = p->packed;
    if (!packed) {
        void *dst = tflc_conv_scratch_at(node, p->packed_off);
        tflc_qgemm_s8_pack_b(p->q8_gemm, j.n, j.k, node->inputs[1]->data, j.k, true, dst);
        packed = dst;
    }
    j.g = (tflc_qs8_gemm_rq){j.n, j.k, packed, bias ? bias->data : NULL, -p->in_offset, &rq,
                             p->q8, 0};
    const int threads = tflc_node_num_threads(node);
    const bool parallel = threads <= p->threads;   /* else stay serial: scratch is per thread */
    j.split = tflc_split_plan(j.rows, j.n, p->col_rows, p->q8_gemm->mr, p->q8_gemm->nr,
                              parallel ? threads : 1);
    const int tasks = j.split.row_tasks * j.split.col_tasks;
    if (p->gemm == CONV_GEMM_TAPS) {
        j.pad = tflc_conv_scratch_at(node, p->pad_off);
        tflc_node_parallel_for(node, p->g.batches * (int)p->pad_h, conv_task_pad_q8, &j);
    }
    if (parallel) tflc_node_parallel_for(node, tasks, conv_task_q8, &j);
    else for (int t = 0; t < tasks; t++) conv_task_q8(&j, t, 0);
}

/* sum (x + x_off) * (w + w_off) over n contiguous values of the input and filter dtypes. */
static int64_t conv_dot(const void *x, const void *w, tflc_dtype xt, size_t xi, size_t wi,
                        int32_t n, int32_t x_off, int32_t w_off) {
    int64_t acc = 0;
    if (xt == TFLC_INT8) {
        const int8_t *a = (const int8_t *)x + xi, *b = (const int8_t *)w + wi;
        for (int32_t c = 0; c < n; c++) acc += (int64_t)(a[c] + x_off) * (b[c] + w_off);
    } else if (xt == TFLC_UINT8) {
        const uint8_t *a = (const uint8_t *)x + xi, *b = (const uint8_t *)w + wi;
        for (int32_t c = 0; c < n; c++) acc += (int64_t)(a[c] + x_off) * (b[c] + w_off);
    } else {
        const int16_t *a = (const int16_t *)x + xi;
        const int8_t *b = (const int8_t *)w + wi;
        for (int32_t c = 0; c < n; c++) acc += (int64_t)(a[c] + x_off) * (b[c] + w_off);
    }
    return acc;
}

/* sum over the taps of (x + x_off) * (w + w_off), for any integer input (the hybrid path
 * passes its int8 copy of the input). */
static int64_t conv_acc_q(const conv_params *p, const tflc_conv_window *win, const void *in,
                          tflc_dtype t, const void *w, int32_t n, int32_t m, int32_t x_off,
                          int32_t w_off) {
    int64_t acc = 0;
    for (int32_t ky = win->ky0; ky < win->ky1; ky++)
        for (int32_t kx = win->kx0; kx < win->kx1; kx++)
            acc += conv_dot(in, w, t, conv_in_at(p, win, n, ky, kx, m), conv_w_at(p, m, ky, kx),
                            p->filter_c, x_off, w_off);
    return acc;
}

/* One accumulator (bias included) to an output value: per channel requantization,
 * output zero point, activation clamp. */
static int32_t conv_requantize(const conv_params *p, int64_t acc, int32_t mult, int32_t shift) {
    int64_t v;
    if (p->mode == CONV_Q16 && p->bias64) v = tflc_conv_mbqm64(acc, mult, shift);
    else if (p->mode == CONV_Q8 && p->groups == 1)
        v = nn_mul_by_qm_ties_up(tflc_conv_wrap32(acc), mult, shift);
    else v = tflc_conv_mbqm32(tflc_conv_wrap32(acc), mult, shift);
    v += p->out_offset;
    return (int32_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
}

static int64_t conv_bias_q(const tflc_tensor *bias, int32_t m) {
    if (!bias) return 0;
    return bias->dtype == TFLC_INT64 ? ((const int64_t *)bias->data)[m]
                                     : ((const int32_t *)bias->data)[m];
}

static void conv_store_q(void *out, tflc_dtype t, size_t at, int32_t v) {
    if (t == TFLC_INT8) ((int8_t *)out)[at] = (int8_t)v;
    else if (t == TFLC_UINT8) ((uint8_t *)out)[at] = (uint8_t)v;
    else ((int16_t *)out)[at] = (int16_t)v;
}

static tflc_status conv_eval_quantized(tflc_node *node, const conv_params *p) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1], *out = node->outputs[0];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    const void *x = conv_src(node, p)->data;
    const int32_t *mult, *shift;
    tflc_conv_mults_at_eval(node, &p->rq, &mult, &shift);
    if (p->mode == CONV_Q8 && p->q8) {
        conv_eval_q8_gemm(node, p, mult, shift);
        return TFLC_OK;
    }
    size_t at = 0;
    for (int32_t n = 0; n < p->g.batches; n++)
        for (int32_t oy = 0; oy < p->g.y.out; oy++)
            for (int32_t ox = 0; ox < p->g.x.out; ox++) {
                tflc_conv_window win = tflc_conv_window_at(&p->g, oy, ox);
                for (int32_t m = 0; m < p->g.out_c; m++, at++) {
                    int64_t acc = conv_acc_q(p, &win, x, in->dtype, w->data, n, m,
                                             p->in_offset, p->filter_offset);
                    int64_t b = conv_bias_q(bias, m);
                    acc = p->bias64 ? tflc_conv_sat_add64(acc, b) : acc + b;
                    conv_store_q(out->data, out->dtype, at,
                                 conv_requantize(p, acc, mult[m], shift[m]));
                }
            }
    return TFLC_OK;
}

/* Quantizes each batch of the float input into scratch: int8 values, scale, zero point. */
static void conv_hybrid_quantize_input(const tflc_node *node, const conv_params *p) {
    const float *in = node->inputs[0]->data;
    int8_t *q = tflc_conv_scratch_at(node, p->q_off);
    float *scale = tflc_conv_scratch_at(node, p->scale_off);
    int32_t *zp = tflc_conv_scratch_at(node, p->zp_off);
    size_t per_batch = (size_t)p->g.y.in * (size_t)p->g.x.in * (size_t)p->g.in_c;
    for (int32_t n = 0; n < p->g.batches; n++) {
        size_t at = (size_t)n * per_batch;
        if (p->hybrid_asymmetric) {
            tflc_conv_quantize_asymmetric(in + at, per_batch, q + at, &scale[n], &zp[n]);
        } else {
            tflc_conv_quantize_symmetric(in + at, per_batch, q + at, &scale[n]);
            scale[n] *= p->hybrid_filter_scale;
            zp[n] = 0;
        }
    }
}

/* The float value of a hybrid accumulator, in the order of operations of the TFLite kernel
 * this path follows (see the top of the file). */
static float conv_hybrid_scale(const conv_params *p, const tflc_quantization *wq, float acc,
                               int32_t n, int32_t m, const float *scale) {
    if (!p->hybrid_asymmetric) return acc * scale[n];
    if (p->groups == 1) return acc * (tflc_conv_channel_scale(wq, m) * scale[n]);
    return acc * tflc_conv_channel_scale(wq, m) * scale[n];
}

static tflc_status conv_eval_hybrid(tflc_node *node, const conv_params *p) {
    const tflc_tensor *w = node->inputs[1], *bias_t = tflc_ops_optional_input(node, 2);
    const float *bias = bias_t ? bias_t->data : NULL;
    const tflc_quantization *wq = tflc_ops_quant(w);
    const int8_t *q = tflc_conv_scratch_at(node, p->q_off);
    const float *scale = tflc_conv_scratch_at(node, p->scale_off);
    const int32_t *zp = tflc_conv_scratch_at(node, p->zp_off);
    float *out = node->outputs[0]->data;
    conv_hybrid_quantize_input(node, p);
    size_t at = 0;
    for (int32_t n = 0; n < p->g.batches; n++)
        for (int32_t oy = 0; oy < p->g.y.out; oy++)
            for (int32_t ox = 0; ox < p->g.x.out; ox++) {
                tflc_conv_window win = tflc_conv_window_at(&p->g, oy, ox);
                for (int32_t m = 0; m < p->g.out_c; m++, at++) {
                    int64_t acc = conv_acc_q(p, &win, q, TFLC_INT8, w->data, n, m, -zp[n], 0);
                    float v = conv_hybrid_scale(p, wq, (float)tflc_conv_wrap32(acc), n, m, scale);
                    out[at] = tflc_ops_apply_act_f32(&p->act, bias ? v + bias[m] : v);
                }
            }
    return TFLC_OK;
}

static tflc_status conv_eval(tflc_node *node) {
    const conv_params *p = node->params;
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    switch (p->mode) {
    case CONV_F32:
        if (p->gemm != CONV_GEMM_NONE) {
            conv_eval_f32_gemm(node, p);
        } else {
            conv_eval_f32(p, conv_src(node, p)->data, node->inputs[1]->data,
                          bias ? bias->data : NULL, node->outputs[0]->data);
            if (p->epilogue)
                tflc_epilogue_apply(p->epilogue, node->outputs[0]->data,
                                    tflc_tensor_count(node->outputs[0]));
        }
        return TFLC_OK;
    case CONV_HYBRID: return conv_eval_hybrid(node, p);
    default: return conv_eval_quantized(node, p);
    }
}

/* --------------------------------------------------------- PAD fusion -- */

/* Whether this conv's window reads outside taps as the value zero-padding would hold, with
 * the same arithmetic: the float GEMM's im2col writes 0.0f there (the GEMM then sees the same
 * A as over the padded tensor); the integer paths skip the tap or hold the input zero point,
 * and a padded tap of value zp adds (zp - zp) * w = 0 exactly. Not the float reference loops
 * (they skip taps: 0 * inf would be NaN), the pointwise forms (they never pad), nor hybrid
 * (its on-the-fly quantization depends on the input's size). */
static bool conv_pads_exactly(const conv_params *p) {
    switch (p->mode) {
    case CONV_F32: return p->gemm == CONV_GEMM_IM2COL || p->gemm == CONV_GEMM_TAPS;
    case CONV_Q8: return !p->q8 || p->gemm == CONV_GEMM_IM2COL || p->gemm == CONV_GEMM_TAPS;
    case CONV_QU8: case CONV_Q16: return true;
    default: return false;
    }
}

/* The bytes zero padding means for this conv's input: +0.0f, or the input zero point. */
static void conv_pad_value(const conv_params *p, tflc_dtype dtype, unsigned char *value) {
    memset(value, 0, 16);
    const int32_t zp = -p->in_offset;
    if (dtype == TFLC_INT8) value[0] = (unsigned char)(int8_t)zp;
    else if (dtype == TFLC_UINT8) value[0] = (unsigned char)zp;
    else if (dtype == TFLC_INT16) {
        int16_t z = (int16_t)zp;
        memcpy(value, &z, sizeof z);
    }
}

/* PAD [N,H,W,C] -> [N, H+t+b, W+l+r, C] (N and C not padded), value as zero padding: the
 * conv reads [N,H,W,C] with t, l added to its top and left padding. Its output size stays
 * the one planned over the padded input; taps past the bottom/right edge fall outside
 * [0, H) x [0, W) and read padding, so b and r need no field. */
bool tflc_conv_absorb_pad(tflc_node *node, const tflc_node *pad) {
    if (node->kernel != &tflc_kernel_conv_2d) return false;
    conv_params *p = node->params;
    const tflc_tensor *padded = node->inputs[0], *x = pad->inputs[0];
    int32_t before[TFLC_MAX_RANK];
    unsigned char value[16], zero[16];
    if (p->src || pad->outputs[0] != padded || !conv_pads_exactly(p)) return false;
    if (!x || x->rank != 4 || x->dtype != padded->dtype || x->dims[0] != padded->dims[0] ||
        x->dims[3] != padded->dims[3] || !tflc_pad_constant_plan(pad, before, value))
        return false;
    conv_pad_value(p, padded->dtype, zero);
    if (memcmp(value, zero, tflc_dtype_size(padded->dtype)) != 0) return false;
    if ((int64_t)p->g.y.pad + before[1] > INT32_MAX || (int64_t)p->g.x.pad + before[2] > INT32_MAX)
        return false;
    p->g.y.in = x->dims[1];
    p->g.x.in = x->dims[2];
    p->g.y.pad += before[1];
    p->g.x.pad += before[2];
    p->src = x;
    return true;
}

/* ----------------------------------------------------- activation fusion -- */

bool tflc_conv_fuse_epilogue(tflc_node *node, const tflc_node *e) {
    if (node->kernel != &tflc_kernel_conv_2d || !tflc_epilogue_fits(node, e)) return false;
    conv_params *p = node->params;
    if (p->mode != CONV_F32 || p->epilogue || p->g.out_c <= 0) return false;
    p->epilogue = e;
    return true;
}

bool tflc_conv_fuse_residual(tflc_node *node, tflc_node *add, int x_slot) {
    if (node->kernel != &tflc_kernel_conv_2d) return false;
    conv_params *p = node->params;
    if (p->mode != CONV_F32 || p->epilogue || p->g.out_c <= 0 || !tflc_add_fuse_residual(add, node, x_slot))
        return false;
    p->epilogue = add;
    return true;
}

bool tflc_conv_pointwise_out_f32(const tflc_node *node) {
    if (node->kernel != &tflc_kernel_conv_2d) return false;
    const conv_params *p = node->params;
    return p->mode == CONV_F32 && p->gemm == CONV_GEMM_POINTWISE && !p->mul_add && p->packed &&
           !p->src;
}

bool tflc_conv_pointwise_f32(const tflc_node *node) {
    return tflc_conv_pointwise_out_f32(node) && !tflc_conv_residual_add(node);
}

const tflc_node *tflc_conv_residual_add(const tflc_node *node) {
    if (node->kernel != &tflc_kernel_conv_2d) return NULL;
    const conv_params *p = node->params;
    return p->epilogue && tflc_add_residual_input(p->epilogue) >= 0 ? p->epilogue : NULL;
}

void tflc_conv_pointwise_out_rows_f32(const tflc_node *node, size_t pixel, size_t count) {
    const size_t n = (size_t)((const conv_params *)node->params)->g.out_c;
    tflc_conv_pointwise_rows_f32(node, pixel, count, (float *)node->outputs[0]->data + pixel * n);
}

void tflc_conv_pointwise_rows_f32(const tflc_node *node, size_t pixel, size_t count, float *dst) {
    const conv_params *p = node->params;
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    const size_t k = (size_t)p->filter_c, n = (size_t)p->g.out_c;
    const size_t rows = (size_t)p->g.batches * (size_t)p->g.y.out * (size_t)p->g.x.out;
    tflc_gemm_f32_args g = {count, n, k, (const float *)node->inputs[0]->data + pixel * k, k,
                            p->packed, bias ? bias->data : NULL, dst, n, p->act.min,
                            p->act.max, NULL, NULL};
    conv_set_epilogue(p, &g);
    tflc_gemm_f32_range_flags(&g, 0, count, 0, n, conv_gemm_flags(p, rows));
}

const tflc_kernel tflc_kernel_conv_2d = {
    .name = "CONV_2D",
    .params_size = sizeof(conv_params),
    .prepare = conv_prepare,
    .eval = conv_eval,
};
