/*
 * reverse.c -- REVERSE_V2: reverse the order of elements along each axis listed in a
 * constant int32/int64 input 1 (negative axes count from the end; a repeated axis counts
 * once).
 *
 *   [2,3] axes {1}    {{1,2,3},{4,5,6}} -> {{3,2,1},{6,5,4}}
 *
 * A strided view that starts at the far end of each reversed axis with a negative stride.
 */
#include "ops/shape_common.h"

static tflc_status reverse_prepare(tflc_node *node) {
    tflc_sh_view *v = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    int64_t axes[TFLC_MAX_RANK];
    size_t n = 0;
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[1], "axis (input 1)", axes, TFLC_MAX_RANK, &n);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    bool flip[TFLC_MAX_RANK] = {false};
    for (size_t i = 0; i < n; i++) {
        int d;
        if (!tflc_ops_normalize_axis(axes[i], in->rank, &d))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis %lld is out of range for rank %d",
                                  (long long)axes[i], in->rank);
        flip[d] = true;
    }
    tflc_sh_strides(in->dims, in->rank, v->in_strides);
    v->rank = in->rank;
    v->in_base = 0;
    for (int d = 0; d < in->rank; d++) {
        v->dims[d] = in->dims[d];
        if (!flip[d] || in->dims[d] == 0) continue;
        v->in_base += (int64_t)(in->dims[d] - 1) * v->in_strides[d];
        v->in_strides[d] = -v->in_strides[d];
    }
    tflc_sh_view_dense_out(v);
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

static tflc_status reverse_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_sh_view_copy(node->params, in->data, node->outputs[0]->data, tflc_dtype_size(in->dtype));
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_reverse_v2 = {.name = "REVERSE_V2", .params_size = sizeof(tflc_sh_view),
                                            .prepare = reverse_prepare, .eval = reverse_eval};
