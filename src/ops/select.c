/*
 * select.c -- SELECT and SELECT_V2: out = condition ? x : y, elementwise.
 *
 *   SELECT_V2   condition, x and y broadcast together (numpy rules).
 *   SELECT      TFLite's older form: all three the same shape, or x and y the same shape
 *               with a scalar condition (picks x or y whole) or a rank-1 condition of
 *               length x.shape[0] (picks rows).
 *
 * x and y share one dtype, any fixed-size one (values are copied, never converted, so
 * quantized tensors pass through with their bits).
 */
#include "ops/math_common.h"

typedef struct select_params {
    size_t esize;                     /* bytes per element of x, y and the output */
    math_plan plan;                   /* operands: condition, x, y */
} select_params;

static tflc_status select_check(tflc_node *node, select_params *p) {
    tflc_status s = tflc_ops_check_arity(node, 3, 3, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *x = node->inputs[1];
    if (node->inputs[0]->dtype != TFLC_BOOL)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "condition (input 0) has dtype %s, expected bool",
                              tflc_dtype_name(node->inputs[0]->dtype));
    p->esize = tflc_dtype_size(x->dtype);
    if (x->dtype == TFLC_STRING || p->esize == 0)
        return math_unsupported_dtype(node, x->dtype, "fixed-size dtypes");
    s = tflc_ops_expect_dtype(node, node->inputs[2], "input", 2, x->dtype);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, x->dtype);
    return s;
}

static bool same_shape(const tflc_tensor *a, const tflc_tensor *b) {
    if (a->rank != b->rank) return false;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d]) return false;
    return true;
}

static tflc_status select_v2_prepare(tflc_node *node) {
    select_params *p = node->params;
    tflc_status s = select_check(node, p);
    if (s != TFLC_OK) return s;
    return math_plan_prepare(node, node->inputs, 3, &p->plan);
}

/* SELECT: a low-rank condition is seen as [n, 1, ..., 1] against x, so the broadcast plan
 * repeats each condition value over its row. */
static tflc_status select_v1_prepare(tflc_node *node) {
    select_params *p = node->params;
    tflc_status s = select_check(node, p);
    if (s != TFLC_OK) return s;
    tflc_tensor *c = node->inputs[0], *x = node->inputs[1], *y = node->inputs[2];
    if (!same_shape(x, y))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "SELECT needs x and y of the same shape (use SELECT_V2 to "
                              "broadcast)");
    tflc_tensor view = *c;
    if (!same_shape(c, x)) {
        bool row_cond = c->rank == 1 && x->rank >= 1 && c->dims[0] == x->dims[0];
        if (c->rank != 0 && !row_cond)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "SELECT condition must be a scalar, match x's shape, or be a "
                                  "vector of length x.shape[0]");
        view.rank = c->rank == 0 ? 0 : x->rank;
        for (int d = 1; d < view.rank; d++) view.dims[d] = 1;
    }
    s = tflc_node_set_output_shape(node, 0, x->dims, x->rank);
    if (s != TFLC_OK) return s;
    tflc_tensor *ins[3] = {&view, x, y};
    math_plan_build(&p->plan, ins, 3, x->dims, x->rank);
    return TFLC_OK;
}

static void select_row(const math_row *row) {
    const select_params *p = row->ctx;
    const uint8_t *c = MATH_ROW_IN(row, 0, uint8_t);
    const char *x = (const char *)row->in[1] + (size_t)row->off[1] * p->esize;
    const char *y = (const char *)row->in[2] + (size_t)row->off[2] * p->esize;
    char *out = (char *)row->out + row->out_off * p->esize;
    for (int32_t i = 0; i < row->n; i++) {
        const char *src = c[i * row->step[0]] ? x + (size_t)(i * row->step[1]) * p->esize
                                              : y + (size_t)(i * row->step[2]) * p->esize;
        memcpy(out + (size_t)i * p->esize, src, p->esize);
    }
}

static tflc_status select_eval(tflc_node *node) {
    const select_params *p = node->params;
    if (tflc_tensor_count(node->outputs[0]) == 0) return TFLC_OK;
    const void *in[3] = {node->inputs[0]->data, node->inputs[1]->data, node->inputs[2]->data};
    math_plan_walk(&p->plan, p, in, node->outputs[0]->data, select_row);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_select = {
    .name = "SELECT", .params_size = sizeof(select_params), .prepare = select_v1_prepare,
    .eval = select_eval,
};
const tflc_kernel tflc_kernel_select_v2 = {
    .name = "SELECT_V2", .params_size = sizeof(select_params), .prepare = select_v2_prepare,
    .eval = select_eval,
};
