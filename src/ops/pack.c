/*
 * pack.c -- PACK (stack N same-shaped inputs along a new axis) and UNPACK (split one axis
 * into N outputs, dropping it).
 *
 *   PACK   3 x [2,4], axis 1  -> [2,3,4]      (negative axes count in the output's rank)
 *   UNPACK [2,3,4], axis -1   -> 4 x [2,3]
 *
 * Seen as [outer, inner] blocks, output (input) i fills row i of every [outer, N, inner]
 * block: byte copies, so any fixed-size dtype works.
 */
#include "ops/shape_common.h"

typedef struct pack_params {
    size_t outer, inner, elem;   /* inner: elements after the axis */
} pack_params;

static tflc_status pack_check_inputs(tflc_node *node) {
    const tflc_tensor *t0 = node->inputs[0];
    for (int i = 1; i < node->n_inputs; i++) {
        const tflc_tensor *t = node->inputs[i];
        if (!t) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d is missing", i);
        tflc_status s = tflc_ops_expect_dtype(node, t, "input", i, t0->dtype);
        if (s != TFLC_OK) return s;
        bool same = t->rank == t0->rank;
        for (int d = 0; same && d < t0->rank; d++) same = t->dims[d] == t0->dims[d];
        if (!same) {
            char a[TFLC_OPS_SHAPE_BUF], b[TFLC_OPS_SHAPE_BUF];
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d has shape %s, input 0 has %s", i,
                                  tflc_ops_shape_str(t->dims, t->rank, a, sizeof a),
                                  tflc_ops_shape_str(t0->dims, t0->rank, b, sizeof b));
        }
    }
    return TFLC_OK;
}

static tflc_status pack_prepare(tflc_node *node) {
    pack_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, INT_MAX, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s == TFLC_OK) s = pack_check_inputs(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *t0 = node->inputs[0];
    const uint8_t *o = tflc_ops_options(node, BO_Pack);
    int32_t count = o ? fb_i32(o, SH_PACK_VALUES_COUNT, node->n_inputs) : node->n_inputs;
    int32_t axis = o ? fb_i32(o, SH_PACK_AXIS, 0) : 0;
    int a;
    if (count != node->n_inputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "values_count is %d but the op has %d inputs",
                              (int)count, node->n_inputs);
    if (!tflc_ops_normalize_axis(axis, t0->rank + 1, &a))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis %d is out of range for rank %d",
                              (int)axis, t0->rank + 1);
    int32_t dims[TFLC_MAX_RANK + 1];
    for (int d = 0, k = 0; d <= t0->rank; d++) dims[d] = d == a ? node->n_inputs : t0->dims[k++];
    p->outer = tflc_shape_count(t0->dims, a);
    p->inner = tflc_shape_count(t0->dims + a, t0->rank - a);
    p->elem = tflc_dtype_size(t0->dtype);
    return tflc_node_set_output_shape(node, 0, dims, t0->rank + 1);
}

static tflc_status pack_eval(tflc_node *node) {
    const pack_params *p = node->params;
    size_t run = p->inner * p->elem, n = (size_t)node->n_inputs;
    char *dst = node->outputs[0]->data;
    for (size_t i = 0; i < n && run; i++) {
        const char *src = node->inputs[i]->data;
        for (size_t o = 0; o < p->outer; o++) memcpy(dst + (o * n + i) * run, src + o * run, run);
    }
    return TFLC_OK;
}

static tflc_status unpack_prepare(tflc_node *node) {
    pack_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, node->n_outputs > 0 ? node->n_outputs : 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    const uint8_t *o = tflc_ops_options(node, BO_Unpack);
    int32_t axis = o ? fb_i32(o, SH_UNPACK_AXIS, 0) : 0;
    int a;
    if (!tflc_ops_normalize_axis(axis, in->rank, &a))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis %d is out of range for rank %d",
                              (int)axis, in->rank);
    if (in->dims[a] != node->n_outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis %d has size %d but the op has %d outputs",
                              a, (int)in->dims[a], node->n_outputs);
    if (in->dtype == TFLC_STRING || tflc_dtype_size(in->dtype) == 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s tensors are not supported",
                              tflc_dtype_name(in->dtype));
    int32_t dims[TFLC_MAX_RANK];
    for (int d = 0, k = 0; d < in->rank; d++)
        if (d != a) dims[k++] = in->dims[d];
    for (int i = 0; i < node->n_outputs; i++) {
        s = tflc_ops_expect_dtype(node, node->outputs[i], "output", i, in->dtype);
        if (s == TFLC_OK) s = tflc_node_set_output_shape(node, i, dims, in->rank - 1);
        if (s != TFLC_OK) return s;
    }
    p->outer = tflc_shape_count(in->dims, a);
    p->inner = tflc_shape_count(in->dims + a + 1, in->rank - a - 1);
    p->elem = tflc_dtype_size(in->dtype);
    return TFLC_OK;
}

static tflc_status unpack_eval(tflc_node *node) {
    const pack_params *p = node->params;
    size_t run = p->inner * p->elem, n = (size_t)node->n_outputs;
    const char *src = node->inputs[0]->data;
    for (size_t i = 0; i < n && run; i++) {
        char *dst = node->outputs[i]->data;
        for (size_t o = 0; o < p->outer; o++) memcpy(dst + o * run, src + (o * n + i) * run, run);
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_pack = {.name = "PACK", .params_size = sizeof(pack_params),
                                      .prepare = pack_prepare, .eval = pack_eval};
const tflc_kernel tflc_kernel_unpack = {.name = "UNPACK", .params_size = sizeof(pack_params),
                                        .prepare = unpack_prepare, .eval = unpack_eval};
