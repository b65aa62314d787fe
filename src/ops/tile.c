/*
 * tile.c -- TILE (repeat the input multiples[d] times along each dim) and BROADCAST_TO
 * (numpy broadcasting to a given shape). The multiples and the shape are constant
 * int32/int64 vectors; both ops become a strided view of the input with zero strides.
 *
 *   TILE          [2,3] multiples {2,1}  -> [4,3]   (view [2,2,1,3], strides {0,3,0,1})
 *   BROADCAST_TO  [3,1] shape {2,3,4}    -> [2,3,4] (view strides {0,1,0})
 */
#include "ops/shape_common.h"

static tflc_status tile_prepare(tflc_node *node) {
    tflc_sh_view *v = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    int64_t mult[TFLC_MAX_RANK];
    size_t n = 0;
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[1], "multiples (input 1)", mult, TFLC_MAX_RANK, &n);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if ((int)n != in->rank)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "multiples has %zu entries for an input of rank %d", n, in->rank);
    int64_t strides[TFLC_MAX_RANK];
    int32_t dims[TFLC_MAX_RANK];
    tflc_sh_strides(in->dims, in->rank, strides);
    v->rank = 2 * in->rank;
    v->in_base = 0;
    for (int d = 0; d < in->rank; d++) {
        if (mult[d] < 0 || (int64_t)in->dims[d] * mult[d] > INT32_MAX)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "multiple %d is %lld", d,
                                  (long long)mult[d]);
        dims[d] = (int32_t)(in->dims[d] * mult[d]);
        v->dims[2 * d] = (int32_t)mult[d];
        v->in_strides[2 * d] = 0;
        v->dims[2 * d + 1] = in->dims[d];
        v->in_strides[2 * d + 1] = strides[d];
    }
    tflc_sh_view_dense_out(v);
    return tflc_node_set_output_shape(node, 0, dims, in->rank);
}

static tflc_status broadcast_to_prepare(tflc_node *node) {
    tflc_sh_view *v = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    int64_t shape[TFLC_MAX_RANK];
    size_t n = 0;
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[1], "shape (input 1)", shape, TFLC_MAX_RANK, &n);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if ((int)n < in->rank)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "shape has rank %zu, less than the input's %d",
                              n, in->rank);
    int64_t strides[TFLC_MAX_RANK];
    tflc_sh_strides(in->dims, in->rank, strides);
    v->rank = (int)n;
    v->in_base = 0;
    for (int d = 0; d < (int)n; d++) {
        int k = d - ((int)n - in->rank);
        int32_t have = k >= 0 ? in->dims[k] : 1;
        if (shape[d] < 0 || shape[d] > INT32_MAX || (have != shape[d] && have != 1))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "cannot broadcast dim %d of size %d to %lld", d, (int)have,
                                  (long long)shape[d]);
        v->dims[d] = (int32_t)shape[d];
        v->in_strides[d] = (k >= 0 && have == shape[d]) ? strides[k] : 0;
    }
    tflc_sh_view_dense_out(v);
    return tflc_node_set_output_shape(node, 0, v->dims, v->rank);
}

static tflc_status view_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_sh_view_copy(node->params, in->data, node->outputs[0]->data, tflc_dtype_size(in->dtype));
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_tile = {.name = "TILE", .params_size = sizeof(tflc_sh_view),
                                      .prepare = tile_prepare, .eval = view_eval};
const tflc_kernel tflc_kernel_broadcast_to = {.name = "BROADCAST_TO", .params_size = sizeof(tflc_sh_view),
                                              .prepare = broadcast_to_prepare, .eval = view_eval};
