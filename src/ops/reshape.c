/*
 * reshape.c -- RESHAPE, SQUEEZE, EXPAND_DIMS: new shape, same bytes. Any dtype with a fixed
 * element size; eval copies the input's bytes (nothing when the planner gave both tensors
 * the same buffer).
 *
 *   RESHAPE      [2,3] + shape [3,-1]  -> [3,2]   (one -1 is inferred)
 *   SQUEEZE      [1,3,1,2], dims {}    -> [3,2]   (dims {-2} -> [1,3,2])
 *   EXPAND_DIMS  [2,3], axis -1        -> [2,3,1]
 */
#include <string.h>

#include "core/runner.h"
#include "core/strings.h"
#include "ops/ops.h"

/* ---------------------------------------------------------------- shared -- */

/* Input 0 and output 0 share a dtype: one with a fixed element size, or string (a string
 * buffer depends on the element count, which is kept, not on the shape). */
static tflc_status check_copyable(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    if (tflc_dtype_size(in->dtype) == 0 && in->dtype != TFLC_STRING)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s tensors are not supported",
                              tflc_dtype_name(in->dtype));
    return tflc_ops_output_like_input(node);
}

static tflc_status copy_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];
    if (in->dtype == TFLC_STRING) {
        uint64_t cap = node->graph->runner->model->max_tensor_bytes;
        if (tflc_tensor_reserve(out, in->bytes, cap) != TFLC_OK)
            return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory copying strings");
        out->bytes = in->bytes;
    }
    size_t n = in->bytes < out->bytes ? in->bytes : out->bytes;   /* equal after prepare */
    if (n > 0 && out->data != in->data) memmove(out->data, in->data, n);
    return TFLC_OK;
}

/* ---------------------------------------------------------------- RESHAPE -- */

/* Fills dims from the constant 1-D int32 shape input. */
static tflc_status shape_from_tensor(tflc_node *node, const tflc_tensor *shape, int32_t *dims,
                                     int *rank) {
    int32_t n = shape->dims[0];
    if (n < 0 || n > TFLC_MAX_RANK)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "new shape has rank %d, more than TFLC_MAX_RANK (%d)", (int)n,
                              TFLC_MAX_RANK);
    if (n > 0 && (!shape->data || shape->bytes < (size_t)n * sizeof(int32_t)))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "shape input has no data");
    const int32_t *v = shape->data;
    for (int32_t i = 0; i < n; i++) dims[i] = v[i];
    *rank = (int)n;
    return TFLC_OK;
}

/* Fills dims from ReshapeOptions.new_shape; absent options mean a scalar, and the legacy
 * form [0] also means a scalar (TOCO wrote it before zero-size buffers were allowed). */
static tflc_status shape_from_options(tflc_node *node, int32_t *dims, int *rank) {
    const uint8_t *opts = tflc_ops_options(node, BO_Reshape);
    uint32_t n = 0;
    const uint8_t *v = opts ? fb_vector(opts, RESHAPE_OPT_NEW_SHAPE, &n) : NULL;
    if (n > TFLC_MAX_RANK)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "new_shape has rank %u, more than TFLC_MAX_RANK (%d)", n,
                              TFLC_MAX_RANK);
    for (uint32_t i = 0; i < n; i++) dims[i] = fb_vec_i32(v, i);
    if (n == 1 && dims[0] == 0) n = 0;
    *rank = (int)n;
    return TFLC_OK;
}

/* Product of the dims other than `skip`; false when it does not fit in size_t. */
static bool known_product(const int32_t *dims, int rank, int skip, size_t *out) {
    size_t p = 1;
    bool fits = true;
    for (int i = 0; i < rank; i++) {
        if (i == skip) continue;
        if (dims[i] == 0) { *out = 0; return true; }
        if (p > SIZE_MAX / (size_t)dims[i]) fits = false;
        else p *= (size_t)dims[i];
    }
    *out = p;
    return fits;
}

/* Replaces the one allowed -1 by whatever makes the element counts equal, and checks them.
 * [0,-1] over an empty input gives [0,0], as TFLite does. */
static tflc_status resolve_shape(tflc_node *node, size_t count, int32_t *dims, int rank) {
    int stretch = -1;
    char sd[TFLC_OPS_SHAPE_BUF];
    for (int i = 0; i < rank; i++) {
        if (dims[i] == -1 && stretch < 0) stretch = i;
        else if (dims[i] < 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "invalid new shape %s",
                                  tflc_ops_shape_str(dims, rank, sd, sizeof sd));
    }
    size_t known = 0;
    bool ok = known_product(dims, rank, stretch, &known);
    if (ok && stretch >= 0) {
        ok = known == 0 ? count == 0 : count % known == 0 && count / known <= INT32_MAX;
        if (ok) dims[stretch] = known == 0 ? 0 : (int32_t)(count / known);
    } else if (ok) {
        ok = known == count;
    }
    if (!ok)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "cannot reshape %zu elements into shape %s", count,
                              tflc_ops_shape_str(dims, rank, sd, sizeof sd));
    return TFLC_OK;
}

/* The shape input wins when it is a 1-D int32 tensor; otherwise the options, as TFLite. */
static tflc_status reshape_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 2, 1);
    if (s == TFLC_OK) s = check_copyable(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *shape = tflc_ops_optional_input(node, 1);
    int32_t dims[TFLC_MAX_RANK];
    int rank = 0;
    bool from_tensor = shape && shape->rank == 1 && shape->dtype == TFLC_INT32;
    /* A shape computed from input values: the output's shape is known at invoke. */
    if (from_tensor && !tflc_ops_is_const(shape)) return tflc_node_set_output_dynamic(node, 0);
    if (from_tensor)
        s = shape_from_tensor(node, shape, dims, &rank);
    else
        s = shape_from_options(node, dims, &rank);
    if (s == TFLC_OK) s = resolve_shape(node, tflc_tensor_count(node->inputs[0]), dims, rank);
    if (s != TFLC_OK) return s;
    return tflc_node_set_output_shape(node, 0, dims, rank);
}

/* A dynamic output takes its shape from the shape input's values now, then the copy. */
static tflc_status reshape_eval(tflc_node *node) {
    if (node->outputs[0]->dynamic) {
        int32_t dims[TFLC_MAX_RANK];
        int rank = 0;
        tflc_status s = shape_from_tensor(node, node->inputs[1], dims, &rank);
        if (s == TFLC_OK) s = resolve_shape(node, tflc_tensor_count(node->inputs[0]), dims, rank);
        if (s == TFLC_OK) s = tflc_node_set_output_shape(node, 0, dims, rank);
        if (s != TFLC_OK) return s;
    }
    return copy_eval(node);
}

/* ---------------------------------------------------------------- SQUEEZE -- */

/* Marks the axes listed in SqueezeOptions.squeeze_dims; each must be a size-1 dim. */
static tflc_status squeeze_mark(tflc_node *node, const tflc_tensor *in, const uint8_t *v,
                                uint32_t n, bool *drop) {
    for (uint32_t i = 0; i < n; i++) {
        int32_t axis = fb_vec_i32(v, i);
        int d;
        if (!tflc_ops_normalize_axis(axis, in->rank, &d))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "squeeze dim %d is out of range for rank %d", (int)axis,
                                  in->rank);
        if (in->dims[d] != 1)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "cannot squeeze dim %d of size %d", d, (int)in->dims[d]);
        drop[d] = true;
    }
    return TFLC_OK;
}

static tflc_status squeeze_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = check_copyable(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    const uint8_t *opts = tflc_ops_options(node, BO_Squeeze);
    uint32_t n = 0;
    const uint8_t *v = opts ? fb_vector(opts, SQUEEZE_OPT_SQUEEZE_DIMS, &n) : NULL;
    bool drop[TFLC_MAX_RANK] = {false};
    if (n == 0) {
        for (int d = 0; d < in->rank; d++) drop[d] = in->dims[d] == 1;
    } else {
        s = squeeze_mark(node, in, v, n, drop);
        if (s != TFLC_OK) return s;
    }
    int32_t dims[TFLC_MAX_RANK];
    int rank = 0;
    for (int d = 0; d < in->rank; d++)
        if (!drop[d]) dims[rank++] = in->dims[d];
    return tflc_node_set_output_shape(node, 0, dims, rank);
}

/* ------------------------------------------------------------ EXPAND_DIMS -- */

/* The axis: one int32 or int64 element of a constant input 1. */
static tflc_status expand_axis(tflc_node *node, const tflc_tensor *t, int64_t *axis) {
    if (t->dtype != TFLC_INT32 && t->dtype != TFLC_INT64)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "axis (input 1) has dtype %s, expected int32 or int64",
                              tflc_dtype_name(t->dtype));
    if (tflc_tensor_count(t) != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "axis (input 1) has %zu elements, expected 1", tflc_tensor_count(t));
    if (!tflc_ops_is_const(t))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "EXPAND_DIMS with an axis computed at run time is not supported yet");
    if (!t->data || t->bytes < tflc_dtype_size(t->dtype))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis input has no data");
    *axis = t->dtype == TFLC_INT32 ? *(const int32_t *)t->data : *(const int64_t *)t->data;
    return TFLC_OK;
}

static tflc_status expand_dims_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = check_copyable(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    int64_t axis = 0;
    s = expand_axis(node, node->inputs[1], &axis);
    if (s != TFLC_OK) return s;
    if (in->rank + 1 > TFLC_MAX_RANK)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "output rank %d is more than TFLC_MAX_RANK (%d)", in->rank + 1,
                              TFLC_MAX_RANK);
    int d;
    if (!tflc_ops_normalize_axis(axis, in->rank + 1, &d))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "axis %lld is out of range for an input of rank %d",
                              (long long)axis, in->rank);
    int32_t dims[TFLC_MAX_RANK];
    for (int i = 0, j = 0; i <= in->rank; i++) dims[i] = i == d ? 1 : in->dims[j++];
    return tflc_node_set_output_shape(node, 0, dims, in->rank + 1);
}

/* ---------------------------------------------------------------- kernels -- */

const tflc_kernel tflc_kernel_reshape = {
    .name = "RESHAPE",
    .params_size = 0,
    .prepare = reshape_prepare,
    .eval = reshape_eval,
};
const tflc_kernel tflc_kernel_squeeze = {
    .name = "SQUEEZE",
    .params_size = 0,
    .prepare = squeeze_prepare,
    .eval = copy_eval,
};
const tflc_kernel tflc_kernel_expand_dims = {
    .name = "EXPAND_DIMS",
    .params_size = 0,
    .prepare = expand_dims_prepare,
    .eval = copy_eval,
};
