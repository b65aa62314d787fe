/*
 * activations.c -- RELU, RELU_N1_TO_1, RELU6, LOGISTIC, TANH: element-wise, output shape =
 * input shape. float32 only for now; quantized inputs (int8, uint8, int16) are refused by
 * name so that adding them later is a new branch in prepare and eval, not a new kernel.
 */
#include "ops/ops.h"

typedef enum unary_kind { UN_RELU, UN_RELU_N1_TO_1, UN_RELU6, UN_LOGISTIC, UN_TANH } unary_kind;

typedef struct unary_params {
    unary_kind kind;
} unary_params;

/* ------------------------------------------------------------- prepare -- */

static tflc_status unary_prepare(tflc_node *node, unary_kind kind) {
    unary_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if (in->dtype != TFLC_FLOAT32)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported yet (float32 is)",
                              tflc_dtype_name(in->dtype));
    s = tflc_ops_output_like_input(node);
    if (s != TFLC_OK) return s;
    p->kind = kind;
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

static tflc_status relu_prepare(tflc_node *node) { return unary_prepare(node, UN_RELU); }
static tflc_status relu_n1_to_1_prepare(tflc_node *node) {
    return unary_prepare(node, UN_RELU_N1_TO_1);
}
static tflc_status relu6_prepare(tflc_node *node) { return unary_prepare(node, UN_RELU6); }
static tflc_status logistic_prepare(tflc_node *node) { return unary_prepare(node, UN_LOGISTIC); }
static tflc_status tanh_prepare(tflc_node *node) { return unary_prepare(node, UN_TANH); }

/* ---------------------------------------------------------------- eval -- */

/* 1 / (1 + e^-x), written so that exp never overflows: for x < 0 use e^x / (1 + e^x). */
static float logistic_f32(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

static void unary_f32(unary_kind kind, const float *in, float *out, size_t n) {
    switch (kind) {
    case UN_RELU:
        for (size_t i = 0; i < n; i++) out[i] = tflc_ops_clamp_f32(in[i], 0.0f, INFINITY);
        break;
    case UN_RELU_N1_TO_1:
        for (size_t i = 0; i < n; i++) out[i] = tflc_ops_clamp_f32(in[i], -1.0f, 1.0f);
        break;
    case UN_RELU6:
        for (size_t i = 0; i < n; i++) out[i] = tflc_ops_clamp_f32(in[i], 0.0f, 6.0f);
        break;
    case UN_LOGISTIC:
        for (size_t i = 0; i < n; i++) out[i] = logistic_f32(in[i]);
        break;
    case UN_TANH:
        for (size_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
        break;
    }
}

static tflc_status unary_eval(tflc_node *node) {
    const unary_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    unary_f32(p->kind, in->data, node->outputs[0]->data, tflc_tensor_count(in));
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_relu = {
    .name = "RELU",
    .params_size = sizeof(unary_params),
    .prepare = relu_prepare,
    .eval = unary_eval,
};
const tflc_kernel tflc_kernel_relu_n1_to_1 = {
    .name = "RELU_N1_TO_1",
    .params_size = sizeof(unary_params),
    .prepare = relu_n1_to_1_prepare,
    .eval = unary_eval,
};
const tflc_kernel tflc_kernel_relu6 = {
    .name = "RELU6",
    .params_size = sizeof(unary_params),
    .prepare = relu6_prepare,
    .eval = unary_eval,
};
const tflc_kernel tflc_kernel_logistic = {
    .name = "LOGISTIC",
    .params_size = sizeof(unary_params),
    .prepare = logistic_prepare,
    .eval = unary_eval,
};
const tflc_kernel tflc_kernel_tanh = {
    .name = "TANH",
    .params_size = sizeof(unary_params),
    .prepare = tanh_prepare,
    .eval = unary_eval,
};
