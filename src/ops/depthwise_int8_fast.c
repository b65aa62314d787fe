/*
 * depthwise_int8_fast.c -- the int8 DEPTHWISE_CONV_2D fast path (depthwise_int8_fast.h): one
 * task per output row (n, oy), each running the selected ISA's row kernel
 * (tflc_qs8_config_get()->dw_row: AVX-512 or AVX2, with fast rows for 3x3 and 5x5 filters, or
 * the scalar specification), which accumulates every channel's taps in int32 registers and
 * requantizes them in place. The filter is read as the model stores it ([1, KH, KW, C]: each
 * tap's channels are contiguous, as the input pixel's are); the kernels widen the taps of a
 * block of channels once per row, on the stack, so there is nothing to pack at prepare.
 */
#include "ops/depthwise_int8_fast.h"

#include "kernels/qs8_ops.h"

typedef struct dw_q8_job {
    const tflc_conv_geom *g;
    const tflc_qs8_config *cfg;
    const int8_t *in, *w;
    const int32_t *bias;
    int8_t *out;
    int32_t in_zero_point;
    const tflc_qs8_requant *rq;
} dw_q8_job;

static void dw_q8_task(void *ctx, int task, int thread) {
    const dw_q8_job *j = ctx;
    const tflc_conv_geom *g = j->g;
    (void)thread;
    const int32_t n = task / g->y.out, oy = task % g->y.out;
    const int64_t iy0 = (int64_t)oy * g->y.stride - g->y.pad;
    int32_t ky0, ky1;
    tflc_conv_taps(iy0, &g->y, &ky0, &ky1);
    const size_t C = (size_t)g->out_c;
    const tflc_qs8_dw_row r = {
        .in = j->in + tflc_conv_offset(g, n, 0, 0, g->in_c),
        .w = j->w,
        .bias = j->bias,
        .out = j->out + (size_t)task * (size_t)g->x.out * C,
        .channels = C,
        .in_w = g->x.in,
        .ky0 = ky0,
        .ky1 = ky1,
        .iy0 = iy0,
        .dil_y = g->y.dilation,
        .kw = g->x.filter,
        .out_w = g->x.out,
        .stride_x = g->x.stride,
        .pad_x = g->x.pad,
        .dil_x = g->x.dilation,
        .in_zero_point = j->in_zero_point,
        .rq = j->rq,
    };
    j->cfg->dw_row(&r);
}

bool tflc_dw_int8_fast(tflc_node *node, const tflc_conv_geom *g, int32_t depth_multiplier,
                       int32_t in_zero_point, int32_t out_zero_point, int32_t act_min,
                       int32_t act_max, const int32_t *mult, const int32_t *shift) {
    const tflc_qs8_config *cfg = tflc_qs8_config_get();
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    if (!cfg || depth_multiplier != 1 || g->in_c != g->out_c) return false;
    if (g->batches <= 0 || g->y.out <= 0 || g->x.out <= 0 || g->out_c <= 0) return false;
    if ((int64_t)g->batches * g->y.out > INT32_MAX) return false;
    /* LiteRT's rounding: see dw_requantize in depthwise_conv_2d.c */
    tflc_qs8_requant rq = {mult, shift, out_zero_point, act_min, act_max,
                           TFLC_QS8_ROUND_TIES_UP, 0};
    tflc_qs8_set_quantize_rounding(&rq, (size_t)g->out_c);
    const dw_q8_job j = {
        .g = g,
        .cfg = cfg,
        .in = node->inputs[0]->data,
        .w = node->inputs[1]->data,
        .bias = bias ? bias->data : NULL,
        .out = node->outputs[0]->data,
        .in_zero_point = in_zero_point,
        .rq = &rq,
    };
    tflc_node_parallel_for(node, g->batches * g->y.out, dw_q8_task, (void *)&j);
    return true;
}
