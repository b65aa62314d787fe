/*
 * logical.c -- LOGICAL_AND, LOGICAL_OR (numpy broadcasting) and LOGICAL_NOT on bool tensors.
 * Any nonzero input byte counts as true; outputs are 0 or 1.
 */
#include "ops/math_common.h"

typedef struct logical_params {
    bool is_or;
    math_plan plan;
} logical_params;

static tflc_status logical_check(tflc_node *node, int n_inputs) {
    tflc_status s = tflc_ops_check_arity(node, n_inputs, n_inputs, 1);
    for (int k = 0; s == TFLC_OK && k < n_inputs; k++) {
        if (node->inputs[k]->dtype != TFLC_BOOL)
            return math_unsupported_dtype(node, node->inputs[k]->dtype, "bool");
    }
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_BOOL);
    return s;
}

static tflc_status logical_binary_prepare(tflc_node *node, bool is_or) {
    logical_params *p = node->params;
    tflc_status s = logical_check(node, 2);
    if (s != TFLC_OK) return s;
    p->is_or = is_or;
    return math_plan_prepare(node, node->inputs, 2, &p->plan);
}

static tflc_status and_prepare(tflc_node *node) { return logical_binary_prepare(node, false); }
static tflc_status or_prepare(tflc_node *node) { return logical_binary_prepare(node, true); }

static void logical_row(const math_row *row) {
    const logical_params *p = row->ctx;
    const uint8_t *a = MATH_ROW_IN(row, 0, uint8_t), *b = MATH_ROW_IN(row, 1, uint8_t);
    bool *out = MATH_ROW_OUT(row, bool);
    for (int32_t i = 0; i < row->n; i++) {
        bool x = a[i * row->step[0]] != 0, y = b[i * row->step[1]] != 0;
        out[i] = p->is_or ? (x || y) : (x && y);
    }
}

static tflc_status logical_binary_eval(tflc_node *node) {
    const logical_params *p = node->params;
    if (tflc_tensor_count(node->outputs[0]) == 0) return TFLC_OK;
    const void *in[2] = {node->inputs[0]->data, node->inputs[1]->data};
    math_plan_walk(&p->plan, p, in, node->outputs[0]->data, logical_row);
    return TFLC_OK;
}

static tflc_status not_prepare(tflc_node *node) {
    tflc_status s = logical_check(node, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

static tflc_status not_eval(tflc_node *node) {
    const uint8_t *in = node->inputs[0]->data;
    bool *out = node->outputs[0]->data;
    size_t n = tflc_tensor_count(node->inputs[0]);
    for (size_t i = 0; i < n; i++) out[i] = in[i] == 0;
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_logical_and = {
    .name = "LOGICAL_AND", .params_size = sizeof(logical_params), .prepare = and_prepare,
    .eval = logical_binary_eval,
};
const tflc_kernel tflc_kernel_logical_or = {
    .name = "LOGICAL_OR", .params_size = sizeof(logical_params), .prepare = or_prepare,
    .eval = logical_binary_eval,
};
const tflc_kernel tflc_kernel_logical_not = {
    .name = "LOGICAL_NOT", .params_size = 0, .prepare = not_prepare, .eval = not_eval,
};
