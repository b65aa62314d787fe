/*
 * softmax.c -- SOFTMAX over the last axis, float32.
 *
 *   input [..., D] -> output [..., D],  out[r][c] = e^(beta (x[r][c] - max_r)) / sum_c(...)
 *
 * Subtracting the row maximum keeps every exponent <= 0 (for beta >= 0), so nothing
 * overflows; the result is the same as without it. beta comes from SoftmaxOptions, whose
 * schema default is 0.0 (converters always write it), as TFLite reads it.
 */
#include "ops/ops.h"

typedef struct softmax_params {
    size_t rows;      /* product of all dims but the last */
    size_t depth;     /* D, the last dim */
    float beta;
} softmax_params;

static tflc_status softmax_prepare(tflc_node *node) {
    softmax_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if (in->dtype != TFLC_FLOAT32)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported yet (float32 is)",
                              tflc_dtype_name(in->dtype));
    s = tflc_ops_output_like_input(node);
    if (s != TFLC_OK) return s;
    if (in->rank < 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "input must have rank 1 or more, got a scalar");
    const uint8_t *opts = tflc_ops_options(node, BO_Softmax);
    p->beta = opts ? fb_f32(opts, SOFTMAX_OPT_BETA, 0.0f) : 0.0f;
    p->depth = (size_t)in->dims[in->rank - 1];
    p->rows = tflc_shape_count(in->dims, in->rank - 1);
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

/* One row: out may be the same buffer as x (each x[c] is read before out[c] is written). */
static void softmax_row(const float *x, float *out, size_t depth, float beta) {
    float max = x[0];
    for (size_t c = 1; c < depth; c++)
        if (x[c] > max) max = x[c];
    float sum = 0.0f;
    for (size_t c = 0; c < depth; c++) {
        out[c] = expf((x[c] - max) * beta);
        sum += out[c];
    }
    for (size_t c = 0; c < depth; c++) out[c] /= sum;
}

static tflc_status softmax_eval(tflc_node *node) {
    const softmax_params *p = node->params;
    const float *in = node->inputs[0]->data;
    float *out = node->outputs[0]->data;
    if (p->depth == 0) return TFLC_OK;
    for (size_t r = 0; r < p->rows; r++)
        softmax_row(in + r * p->depth, out + r * p->depth, p->depth, p->beta);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_softmax = {
    .name = "SOFTMAX",
    .params_size = sizeof(softmax_params),
    .prepare = softmax_prepare,
    .eval = softmax_eval,
};
