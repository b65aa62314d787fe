/*
 * relu_grad.c -- FlexReluGrad: TensorFlow's ReluGrad, the gradient of Relu that training
 * graphs carry. gradients [...], features [...] (same shape and dtype) -> backprops [...].
 *
 * Attrs: T (float, double, or an integer type; TensorFlow's realnumbertypes).
 *
 * TensorFlow (core/kernels/relu_op_functor.h) computes
 *     backprops = gradients * (features > 0)
 * with the comparison cast to T, so a float gradient is multiplied by 1 or 0: where the
 * feature is not positive the result is 0 with the gradient's sign (-0 for a negative
 * gradient), and NaN for an infinite or NaN gradient. The same multiplication is done here,
 * so the result is identical bit for bit. A NaN feature is not positive.
 * Shapes must be equal: "ReluGrad: gradients and features must have the same shape" is
 * reported (TensorFlow says "g and a must be the same size") at prepare.
 */
#include <string.h>

#include "ops/flex/flex.h"
#include "ops/ops.h"

static tflc_status relu_grad_prepare(tflc_node *node) {
    tflc_nodedef nd;
    tflc_status s = tflc_flex_read_nodedef(node, "ReluGrad", &nd);
    if (s != TFLC_OK) return s;
    if ((s = tflc_ops_check_arity(node, 2, 2, 1)) != TFLC_OK) return s;
    const tflc_tensor *g = node->inputs[0], *a = node->inputs[1];
    int t;
    if ((s = tflc_flex_attr_type(node, &nd, "T", tflc_tf_dtype_from_tflc(g->dtype), &t)) != TFLC_OK) return s;
    tflc_dtype dtype;
    if (!tflc_tf_dtype_to_tflc(t, &dtype) || dtype != g->dtype)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "attr T is %s but the gradients are %s",
                              tflc_tf_dtype_name(t), tflc_dtype_name(g->dtype));
    switch (dtype) {
    case TFLC_FLOAT32: case TFLC_FLOAT64: case TFLC_INT8: case TFLC_INT16: case TFLC_INT32: case TFLC_INT64:
    case TFLC_UINT8: case TFLC_UINT16: case TFLC_UINT32: case TFLC_UINT64: break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "ReluGrad of %s is not supported", tflc_dtype_name(dtype));
    }
    if ((s = tflc_ops_expect_dtype(node, a, "input", 1, dtype)) != TFLC_OK) return s;
    if ((s = tflc_ops_output_like_input(node)) != TFLC_OK) return s;
    if (g->rank != a->rank || memcmp(g->dims, a->dims, (size_t)g->rank * sizeof *g->dims) != 0) {
        char sg[TFLC_OPS_SHAPE_BUF], sa[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "ReluGrad: gradients %s and features %s must have the same shape",
                              tflc_ops_shape_str(g->dims, g->rank, sg, sizeof sg),
                              tflc_ops_shape_str(a->dims, a->rank, sa, sizeof sa));
    }
    return tflc_node_set_output_shape(node, 0, g->dims, g->rank);
}

/* out = g * (T)(a > 0), element by element. */
#define RELU_GRAD_LOOP(T)                                                                  \
    do {                                                                                   \
        const T *g_ = (const T *)g->data, *a_ = (const T *)a->data;                       \
        T *o_ = (T *)out->data;                                                            \
        for (size_t i = 0; i < n; i++) o_[i] = (T)(g_[i] * (T)(a_[i] > (T)0));            \
    } while (0)

static tflc_status relu_grad_eval(tflc_node *node) {
    const tflc_tensor *g = node->inputs[0], *a = node->inputs[1];
    tflc_tensor *out = node->outputs[0];
    size_t n = tflc_tensor_count(out);
    switch (out->dtype) {
    case TFLC_FLOAT32: RELU_GRAD_LOOP(float); break;
    case TFLC_FLOAT64: RELU_GRAD_LOOP(double); break;
    case TFLC_INT8: RELU_GRAD_LOOP(int8_t); break;
    case TFLC_INT16: RELU_GRAD_LOOP(int16_t); break;
    case TFLC_INT32: RELU_GRAD_LOOP(int32_t); break;
    case TFLC_INT64: RELU_GRAD_LOOP(int64_t); break;
    case TFLC_UINT8: RELU_GRAD_LOOP(uint8_t); break;
    case TFLC_UINT16: RELU_GRAD_LOOP(uint16_t); break;
    case TFLC_UINT32: RELU_GRAD_LOOP(uint32_t); break;
    case TFLC_UINT64: RELU_GRAD_LOOP(uint64_t); break;
    default: return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "ReluGrad of %s", tflc_dtype_name(out->dtype));
    }
    return TFLC_OK;
}

const tflc_kernel tflc_flex_kernel_relu_grad = {
    .name = "FlexReluGrad",
    .prepare = relu_grad_prepare,
    .eval = relu_grad_eval,
};
