/*
 * shape.c -- SHAPE and RANK (read only their input's shape, so the runner folds them at
 * allocate: TFLC_KERNEL_SHAPE_ONLY), FILL, RANGE and ZEROS_LIKE.
 *
 *   SHAPE       [2,3,4] -> {2,3,4} (int32 or int64, ShapeOptions.out_type)
 *   RANK        [2,3,4] -> 3 (int32 scalar)
 *   FILL        dims {2,3}, value 7 -> [2,3] of 7 (dims constant or folded)
 *   RANGE       start 1, limit 7, delta 2 -> {1,3,5} (all three constant or folded)
 *   ZEROS_LIKE  x -> zeros of x's shape and dtype
 *
 * FILL and RANGE with inputs computed at run time would need value-dependent output
 * shapes, which tflc does not do yet: prepare says so.
 */
#include "ops/shape_common.h"

/* -------------------------------------------------------- SHAPE, RANK -- */

static tflc_status shape_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    tflc_dtype odt = node->outputs[0]->dtype;
    if (odt != TFLC_INT32 && odt != TFLC_INT64)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output has dtype %s, expected int32 or int64",
                              tflc_dtype_name(odt));
    int32_t n = node->inputs[0]->rank;
    return tflc_node_set_output_shape(node, 0, &n, 1);
}

static tflc_status shape_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];
    for (int d = 0; d < in->rank; d++) {
        if (out->dtype == TFLC_INT32) ((int32_t *)out->data)[d] = in->dims[d];
        else ((int64_t *)out->data)[d] = in->dims[d];
    }
    return TFLC_OK;
}

static tflc_status rank_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_INT32);
    return s != TFLC_OK ? s : tflc_node_set_output_shape(node, 0, NULL, 0);
}

static tflc_status rank_eval(tflc_node *node) {
    *(int32_t *)node->outputs[0]->data = node->inputs[0]->rank;
    return TFLC_OK;
}

/* --------------------------------------------------------------- FILL -- */

static tflc_status fill_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    int64_t dims64[TFLC_MAX_RANK];
    size_t rank = 0;
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[0], "dims (input 0)", dims64, TFLC_MAX_RANK, &rank);
    if (s != TFLC_OK) return s;
    const tflc_tensor *value = node->inputs[1];
    if (tflc_tensor_count(value) != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "value (input 1) must hold one element");
    if (value->dtype == TFLC_STRING || tflc_dtype_size(value->dtype) == 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s values are not supported",
                              tflc_dtype_name(value->dtype));
    s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, value->dtype);
    if (s != TFLC_OK) return s;
    int32_t dims[TFLC_MAX_RANK];
    for (size_t d = 0; d < rank; d++) {
        if (dims64[d] < 0 || dims64[d] > INT32_MAX)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "dims entry %zu is %lld", d,
                                  (long long)dims64[d]);
        dims[d] = (int32_t)dims64[d];
    }
    return tflc_node_set_output_shape(node, 0, dims, (int)rank);
}

static tflc_status fill_eval(tflc_node *node) {
    tflc_tensor *out = node->outputs[0];
    size_t elem = tflc_dtype_size(out->dtype), n = tflc_tensor_count(out);
    for (size_t i = 0; i < n; i++) memcpy((char *)out->data + i * elem, node->inputs[1]->data, elem);
    return TFLC_OK;
}

/* -------------------------------------------------------------- RANGE -- */

/* Element count: ceil(|limit - start| / |delta|), as LiteRT computes it per dtype. */
static tflc_status range_size(tflc_node *node, int64_t *size) {
    const tflc_tensor *st = node->inputs[0], *li = node->inputs[1], *de = node->inputs[2];
    if (st->dtype == TFLC_FLOAT32) {
        float a = *(const float *)st->data, b = *(const float *)li->data, d = *(const float *)de->data;
        if (d == 0.0f || (b > a && d < 0) || (b < a && d > 0))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "delta %g cannot reach %g from %g",
                                  (double)d, (double)b, (double)a);
        double n = ceil(fabs((double)((b - a) / d)));
        if (!(n <= INT32_MAX)) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "range is too long");
        *size = (int64_t)n;
        return TFLC_OK;
    }
    int64_t a = tflc_sh_index_at(st, 0), b = tflc_sh_index_at(li, 0), d = tflc_sh_index_at(de, 0);
    if (d == 0 || (b > a && d < 0) || (b < a && d > 0))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "delta %lld cannot reach %lld from %lld",
                              (long long)d, (long long)b, (long long)a);
    int64_t span = b > a ? b - a : a - b, step = d > 0 ? d : -d;
    *size = (span + step - 1) / step;
    if (*size > INT32_MAX) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "range is too long");
    return TFLC_OK;
}

static tflc_status range_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 3, 3, 1);
    if (s != TFLC_OK) return s;
    tflc_dtype dt = node->inputs[0]->dtype;
    if (dt != TFLC_FLOAT32 && dt != TFLC_INT32 && dt != TFLC_INT64)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s ranges are not supported",
                              tflc_dtype_name(dt));
    for (int i = 0; i < 3; i++) {
        const tflc_tensor *t = node->inputs[i];
        s = tflc_ops_expect_dtype(node, t, "input", i, dt);
        if (s == TFLC_OK && tflc_tensor_count(t) != 1)
            s = tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d must be a scalar", i);
        if (s == TFLC_OK && !tflc_ops_is_const(t))
            s = tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                               "RANGE with input %d computed at run time is not supported yet", i);
        if (s != TFLC_OK) return s;
    }
    s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, dt);
    int64_t size = 0;
    if (s == TFLC_OK) s = range_size(node, &size);
    int32_t n = (int32_t)size;
    return s != TFLC_OK ? s : tflc_node_set_output_shape(node, 0, &n, 1);
}

/* value = start, then value += delta: accumulated, as LiteRT does (matters for floats). */
static tflc_status range_eval(tflc_node *node) {
    tflc_tensor *out = node->outputs[0];
    size_t n = tflc_tensor_count(out);
    if (out->dtype == TFLC_FLOAT32) {
        float v = *(const float *)node->inputs[0]->data, d = *(const float *)node->inputs[2]->data;
        for (size_t i = 0; i < n; i++, v += d) ((float *)out->data)[i] = v;
    } else {
        int64_t v = tflc_sh_index_at(node->inputs[0], 0), d = tflc_sh_index_at(node->inputs[2], 0);
        for (size_t i = 0; i < n; i++, v += d) {
            if (out->dtype == TFLC_INT32) ((int32_t *)out->data)[i] = (int32_t)v;
            else ((int64_t *)out->data)[i] = v;
        }
    }
    return TFLC_OK;
}

/* --------------------------------------------------------- ZEROS_LIKE -- */

static tflc_status zeros_like_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    const tflc_tensor *in = node->inputs[0];
    return s != TFLC_OK ? s : tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

static tflc_status zeros_like_eval(tflc_node *node) {
    tflc_tensor *out = node->outputs[0];
    if (out->bytes) memset(out->data, 0, out->bytes);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_shape = {.name = "SHAPE", .prepare = shape_prepare, .eval = shape_eval,
                                       .flags = TFLC_KERNEL_SHAPE_ONLY};
const tflc_kernel tflc_kernel_rank = {.name = "RANK", .prepare = rank_prepare, .eval = rank_eval,
                                      .flags = TFLC_KERNEL_SHAPE_ONLY};
const tflc_kernel tflc_kernel_fill = {.name = "FILL", .prepare = fill_prepare, .eval = fill_eval};
const tflc_kernel tflc_kernel_range = {.name = "RANGE", .prepare = range_prepare, .eval = range_eval};
const tflc_kernel tflc_kernel_zeros_like = {.name = "ZEROS_LIKE", .prepare = zeros_like_prepare,
                                            .eval = zeros_like_eval};
