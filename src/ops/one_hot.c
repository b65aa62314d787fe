/*
 * one_hot.c -- ONE_HOT: indices (int32/int64) become rows of off_value with on_value at the
 * index, along a new axis of size depth (a constant scalar input 1). OneHotOptions.axis
 * places the new axis (the converter writes -1 for last; absent means 0); indices outside
 * [0, depth) give an all-off row.
 *
 *   indices {0,2,-1} depth 3 -> {{1,0,0},{0,0,1},{0,0,0}}   (axis -1)
 *
 * on_value and off_value are scalars of the output's dtype, read at eval.
 */
#include "ops/shape_common.h"

typedef struct one_hot_params {
    size_t prefix, depth, suffix, elem;   /* output [prefix, depth, suffix] */
} one_hot_params;

static tflc_status one_hot_prepare(tflc_node *node) {
    one_hot_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 4, 4, 1);
    if (s == TFLC_OK) s = tflc_sh_check_index_dtype(node, node->inputs[0], "indices (input 0)");
    int64_t depth = 0;
    if (s == TFLC_OK) s = tflc_sh_const_scalar(node, node->inputs[1], "depth (input 1)", &depth);
    if (s != TFLC_OK) return s;
    tflc_dtype dt = node->inputs[2]->dtype;
    if (dt == TFLC_STRING || tflc_dtype_size(dt) == 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s values are not supported",
                              tflc_dtype_name(dt));
    for (int i = 2; i < 4; i++) {
        s = tflc_ops_expect_dtype(node, node->inputs[i], "input", i, dt);
        if (s == TFLC_OK && tflc_tensor_count(node->inputs[i]) != 1)
            s = tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d must be a scalar", i);
        if (s != TFLC_OK) return s;
    }
    s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, dt);
    if (s != TFLC_OK) return s;
    const tflc_tensor *idx = node->inputs[0];
    const uint8_t *o = tflc_ops_options(node, BO_OneHot);
    int32_t axis = o ? fb_i32(o, SH_ONE_HOT_AXIS, 0) : 0;   /* schema default 0 */
    int a;
    if (depth < 0 || depth > INT32_MAX || !tflc_ops_normalize_axis(axis, idx->rank + 1, &a))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "depth %lld or axis %d is invalid",
                              (long long)depth, (int)axis);
    int32_t dims[TFLC_MAX_RANK + 1];
    for (int d = 0, k = 0; d <= idx->rank; d++) dims[d] = d == a ? (int32_t)depth : idx->dims[k++];
    p->prefix = tflc_shape_count(idx->dims, a);
    p->suffix = tflc_shape_count(idx->dims + a, idx->rank - a);
    p->depth = (size_t)depth;
    p->elem = tflc_dtype_size(dt);
    return tflc_node_set_output_shape(node, 0, dims, idx->rank + 1);
}

static tflc_status one_hot_eval(tflc_node *node) {
    const one_hot_params *p = node->params;
    const tflc_tensor *idx = node->inputs[0];
    const char *on = node->inputs[2]->data, *off = node->inputs[3]->data;
    char *out = node->outputs[0]->data;
    for (size_t a = 0; a < p->prefix; a++)
        for (size_t d = 0; d < p->depth; d++)
            for (size_t c = 0; c < p->suffix; c++) {
                int64_t i = tflc_sh_index_at(idx, a * p->suffix + c);
                size_t at = (a * p->depth + d) * p->suffix + c;
                memcpy(out + at * p->elem, i == (int64_t)d ? on : off, p->elem);
            }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_one_hot = {.name = "ONE_HOT", .params_size = sizeof(one_hot_params),
                                         .prepare = one_hot_prepare, .eval = one_hot_eval};
