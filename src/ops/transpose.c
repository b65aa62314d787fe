/*
 * transpose.c -- TRANSPOSE by a constant permutation (input 1, int32/int64, one entry per
 * input dim): output dim i is input dim perm[i].
 *
 *   [2,3,4] perm {2,0,1} -> [4,2,3]
 *
 * Pure data movement: any fixed-size dtype, quantization passes through. Prepare turns the
 * permutation into a strided view of the input; eval copies it.
 */
#include "ops/shape_common.h"

static tflc_status transpose_prepare(tflc_node *node) {
    tflc_sh_view *v = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    int64_t perm[TFLC_MAX_RANK];
    size_t n = 0;
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[1], "perm (input 1)", perm, TFLC_MAX_RANK, &n);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if ((int)n != in->rank)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "perm has %zu entries for an input of rank %d", n, in->rank);
    int64_t strides[TFLC_MAX_RANK];
    bool seen[TFLC_MAX_RANK] = {false};
    tflc_sh_strides(in->dims, in->rank, strides);
    v->rank = in->rank;
    for (int i = 0; i < in->rank; i++) {
        int d;
        if (!tflc_ops_normalize_axis(perm[i], in->rank, &d) || seen[d])
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "perm is not a permutation of 0..%d (entry %d is %lld)", in->rank - 1, i,
                                  (long long)perm[i]);
        seen[d] = true;
        v->dims[i] = in->dims[d];
        v->in_strides[i] = strides[d];
    }
    v->in_base = 0;
    tflc_sh_view_dense_out(v);
    return tflc_node_set_output_shape(node, 0, v->dims, v->rank);
}

static tflc_status transpose_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_sh_view_copy(node->params, in->data, node->outputs[0]->data, tflc_dtype_size(in->dtype));
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_transpose = {.name = "TRANSPOSE", .params_size = sizeof(tflc_sh_view),
                                           .prepare = transpose_prepare, .eval = transpose_eval};
