/*
 * local_response_norm.c -- LOCAL_RESPONSE_NORMALIZATION, float32, over the last axis of a
 * rank-4 input (TensorFlow's tf.nn.local_response_normalization):
 *
 *   input [N, H, W, D] -> output [N, H, W, D]
 *   sqr_sum[c] = sum of x[c']^2 for c' in [c - radius, c + radius] (clipped to [0, D))
 *   out[c]     = x[c] * (bias + alpha * sqr_sum[c]) ^ -beta
 *
 * LiteRT's builtin kernel sums alpha * x^2 in a sliding window and special-cases beta = 1
 * and 0.5; its reference kernel omits the window's last channel. This is TensorFlow's
 * definition, summed directly; results agree with the builtin kernel to float rounding.
 */
#include "ops/nn_common.h"

typedef struct lrn_params {
    size_t rows, depth;
    int32_t radius;
    float bias, alpha, beta;
} lrn_params;

static tflc_status lrn_prepare(tflc_node *node) {
    lrn_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->inputs[0], "input", 0, TFLC_FLOAT32);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if (in->rank != 4) {
        char si[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input must have rank 4, got %s",
                              tflc_ops_shape_str(in->dims, in->rank, si, sizeof si));
    }
    const uint8_t *opts = tflc_ops_options(node, BO_LocalResponseNormalization);
    p->radius = opts ? fb_i32(opts, LRN_OPT_RADIUS, 0) : 0;
    p->bias = opts ? fb_f32(opts, LRN_OPT_BIAS, 0.0f) : 0.0f;
    p->alpha = opts ? fb_f32(opts, LRN_OPT_ALPHA, 0.0f) : 0.0f;
    p->beta = opts ? fb_f32(opts, LRN_OPT_BETA, 0.0f) : 0.0f;
    if (p->radius < 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "radius %d is negative",
                              (int)p->radius);
    p->depth = (size_t)in->dims[3];
    p->rows = tflc_shape_count(in->dims, 3);
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

static void lrn_row(const lrn_params *p, const float *x, float *out) {
    const size_t r = (size_t)p->radius;
    for (size_t c = 0; c < p->depth; c++) {
        const size_t lo = c > r ? c - r : 0, hi = c + r + 1 < p->depth ? c + r + 1 : p->depth;
        float sum = 0.0f;
        for (size_t k = lo; k < hi; k++) sum += x[k] * x[k];
        out[c] = x[c] * powf(p->bias + p->alpha * sum, -p->beta);
    }
}

static tflc_status lrn_eval(tflc_node *node) {
    const lrn_params *p = node->params;
    const float *in = node->inputs[0]->data;
    float *out = node->outputs[0]->data;
    for (size_t i = 0; i < p->rows; i++) lrn_row(p, in + i * p->depth, out + i * p->depth);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_local_response_norm = {
    .name = "LOCAL_RESPONSE_NORMALIZATION",
    .params_size = sizeof(lrn_params),
    .prepare = lrn_prepare,
    .eval = lrn_eval,
};
