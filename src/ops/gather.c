/*
 * gather.c -- GATHER, GATHER_ND, SCATTER_ND, EMBEDDING_LOOKUP: data addressed by an index
 * tensor. Every index is checked at eval before it is used: an out-of-range index fails
 * with TFLC_ERROR_RUNTIME naming it and the valid range, never reads or writes outside a
 * tensor.
 *
 *   GATHER       params [4,3], indices [2] (axis 0)       -> [2,3]
 *                params [B,5,3], indices [B,2], axis 1, batch_dims 1 -> [B,2,3]
 *   GATHER_ND    params [4,5,3], indices [2,2]            -> [2,3]  (index pairs)
 *   SCATTER_ND   indices [2,1], updates [2,3], shape {4,3} -> [4,3] (zeros plus updates;
 *                duplicates add)
 *   EMBEDDING_LOOKUP ids [2], table [10,4]                 -> [2,4]  (int8 tables dequantize
 *                to float32 rows, per-row scales when the table has them)
 */
#include "ops/shape_common.h"

/* ------------------------------------------------------------- GATHER -- */

typedef struct gather_params {
    size_t batch, outer, axis_size, inner, coords;   /* see gather_eval */
    size_t elem;
} gather_params;

static tflc_status gather_axes(tflc_node *node, int *axis, int *batch_dims) {
    const tflc_tensor *params = node->inputs[0], *idx = node->inputs[1];
    const uint8_t *o = tflc_ops_options(node, BO_Gather);
    int32_t a = o ? fb_i32(o, SH_GATHER_AXIS, 0) : 0, b = o ? fb_i32(o, SH_GATHER_BATCH_DIMS, 0) : 0;
    if (!tflc_ops_normalize_axis(a, params->rank, axis))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis %d is out of range for params of rank %d",
                              (int)a, params->rank);
    if (b < 0) b += idx->rank;
    if (b < 0 || b > idx->rank || b > *axis)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "batch_dims %d must be in [0, min(indices rank %d, axis %d)]", (int)b,
                              idx->rank, *axis);
    for (int d = 0; d < b; d++)
        if (params->dims[d] != idx->dims[d])
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "batch dim %d is %d in params but %d in indices", d, (int)params->dims[d],
                                  (int)idx->dims[d]);
    *batch_dims = (int)b;
    return TFLC_OK;
}

static tflc_status gather_prepare(tflc_node *node) {
    gather_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s == TFLC_OK) s = tflc_sh_check_index_dtype(node, node->inputs[1], "indices (input 1)");
    int axis = 0, bd = 0;
    if (s == TFLC_OK) s = gather_axes(node, &axis, &bd);
    if (s != TFLC_OK) return s;
    const tflc_tensor *params = node->inputs[0], *idx = node->inputs[1];
    int32_t dims[2 * TFLC_MAX_RANK];
    int rank = 0;
    for (int d = 0; d < axis; d++) dims[rank++] = params->dims[d];
    for (int d = bd; d < idx->rank; d++) dims[rank++] = idx->dims[d];
    for (int d = axis + 1; d < params->rank; d++) dims[rank++] = params->dims[d];
    p->batch = tflc_shape_count(params->dims, bd);
    p->outer = tflc_shape_count(params->dims + bd, axis - bd);
    p->axis_size = (size_t)params->dims[axis];
    p->inner = tflc_shape_count(params->dims + axis + 1, params->rank - axis - 1);
    p->coords = tflc_shape_count(idx->dims + bd, idx->rank - bd);
    p->elem = tflc_dtype_size(params->dtype);
    return tflc_node_set_output_shape(node, 0, dims, rank);
}

static tflc_status bad_index(tflc_node *node, const char *what, size_t at, int64_t v, size_t limit) {
    return tflc_node_fail(node, TFLC_ERROR_RUNTIME, "%s %zu is %lld, outside [0, %zu)", what, at,
                          (long long)v, limit);
}

/* out[b][o][c][:] = params[b][o][indices[b][c]][:] */
static tflc_status gather_eval(tflc_node *node) {
    const gather_params *p = node->params;
    const tflc_tensor *idx = node->inputs[1];
    const char *src = node->inputs[0]->data;
    char *dst = node->outputs[0]->data;
    size_t row = p->inner * p->elem;
    for (size_t b = 0; b < p->batch; b++)
        for (size_t c = 0; c < p->coords; c++) {
            int64_t i = tflc_sh_index_at(idx, b * p->coords + c);
            if (i < 0 || (size_t)i >= p->axis_size)
                return bad_index(node, "index", b * p->coords + c, i, p->axis_size);
        }
    for (size_t b = 0; b < p->batch; b++)
        for (size_t o = 0; o < p->outer; o++)
            for (size_t c = 0; c < p->coords; c++) {
                size_t i = (size_t)tflc_sh_index_at(idx, b * p->coords + c);
                size_t from = ((b * p->outer + o) * p->axis_size + i) * row;
                size_t to = ((b * p->outer + o) * p->coords + c) * row;
                if (row) memcpy(dst + to, src + from, row);
            }
    return TFLC_OK;
}

/* ---------------------------------------------------------- GATHER_ND -- */

typedef struct nd_params {
    int k;                          /* index depth: entries per index tuple */
    int32_t dims[TFLC_MAX_RANK];    /* the first k dims of params (or of the output) */
    size_t n, slice;                /* index tuples; elements per addressed slice */
    size_t elem;
} nd_params;

/* Element offset of tuple t (checked); false after recording an error. */
static bool nd_offset(tflc_node *node, const nd_params *p, const tflc_tensor *idx, size_t t, size_t *off) {
    size_t o = 0;
    for (int j = 0; j < p->k; j++) {
        int64_t v = tflc_sh_index_at(idx, t * (size_t)p->k + (size_t)j);
        if (v < 0 || v >= p->dims[j]) {
            tflc_node_fail(node, TFLC_ERROR_RUNTIME, "index tuple %zu, entry %d is %lld, outside [0, %d)", t,
                           j, (long long)v, (int)p->dims[j]);
            return false;
        }
        o = o * (size_t)p->dims[j] + (size_t)v;
    }
    *off = o * p->slice;
    return true;
}

/* Reads the index depth from the last dim of indices and checks it against `target`. */
static tflc_status nd_depth(tflc_node *node, nd_params *p, const tflc_tensor *idx, const int32_t *tdims,
                            int trank) {
    if (idx->rank < 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "indices must have rank >= 1");
    int32_t k = idx->dims[idx->rank - 1];
    if (k > trank)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "index depth %d is invalid for a tensor of rank %d", (int)k, trank);
    p->k = (int)k;
    for (int j = 0; j < p->k; j++) p->dims[j] = tdims[j];
    p->n = tflc_shape_count(idx->dims, idx->rank - 1);
    p->slice = tflc_shape_count(tdims + k, trank - (int)k);
    return TFLC_OK;
}

static tflc_status gather_nd_prepare(tflc_node *node) {
    nd_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s == TFLC_OK) s = tflc_sh_check_index_dtype(node, node->inputs[1], "indices (input 1)");
    const tflc_tensor *params = node->inputs[0], *idx = node->inputs[1];
    if (s == TFLC_OK) s = nd_depth(node, p, idx, params->dims, params->rank);
    if (s != TFLC_OK) return s;
    int32_t dims[2 * TFLC_MAX_RANK];
    int rank = 0;
    for (int d = 0; d < idx->rank - 1; d++) dims[rank++] = idx->dims[d];
    for (int d = p->k; d < params->rank; d++) dims[rank++] = params->dims[d];
    p->elem = tflc_dtype_size(params->dtype);
    return tflc_node_set_output_shape(node, 0, dims, rank);
}

static tflc_status gather_nd_eval(tflc_node *node) {
    const nd_params *p = node->params;
    const char *src = node->inputs[0]->data;
    char *dst = node->outputs[0]->data;
    size_t bytes = p->slice * p->elem;
    for (size_t t = 0; t < p->n; t++) {
        size_t off;
        if (!nd_offset(node, p, node->inputs[1], t, &off)) return TFLC_ERROR_RUNTIME;
        if (bytes) memcpy(dst + t * bytes, src + off * p->elem, bytes);
    }
    return TFLC_OK;
}

/* --------------------------------------------------------- SCATTER_ND -- */

static tflc_status scatter_check(tflc_node *node, const nd_params *p, const int32_t *shape, int rank) {
    const tflc_tensor *idx = node->inputs[0], *upd = node->inputs[1];
    tflc_dtype dt = upd->dtype;
    if (dt != TFLC_FLOAT32 && dt != TFLC_INT32 && dt != TFLC_INT64 && dt != TFLC_INT8 && dt != TFLC_UINT8 &&
        dt != TFLC_BOOL)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s updates are not supported",
                              tflc_dtype_name(dt));
    tflc_status s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, dt);
    if (s != TFLC_OK) return s;
    /* updates must be indices.shape[:-1] + shape[k:] */
    bool ok = upd->rank == idx->rank - 1 + rank - p->k;
    for (int d = 0; ok && d < idx->rank - 1; d++) ok = upd->dims[d] == idx->dims[d];
    for (int d = p->k; ok && d < rank; d++) ok = upd->dims[idx->rank - 1 + d - p->k] == shape[d];
    if (!ok) {
        char su[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "updates shape %s does not match indices and shape",
                              tflc_ops_shape_str(upd->dims, upd->rank, su, sizeof su));
    }
    return TFLC_OK;
}

static tflc_status scatter_nd_prepare(tflc_node *node) {
    nd_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 3, 3, 1);
    if (s == TFLC_OK) s = tflc_sh_check_index_dtype(node, node->inputs[0], "indices (input 0)");
    int64_t shape64[TFLC_MAX_RANK];
    size_t rank = 0;
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[2], "shape (input 2)", shape64, TFLC_MAX_RANK, &rank);
    if (s != TFLC_OK) return s;
    int32_t shape[TFLC_MAX_RANK];
    for (size_t d = 0; d < rank; d++) {
        if (shape64[d] < 0 || shape64[d] > INT32_MAX)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "shape entry %zu is %lld", d,
                                  (long long)shape64[d]);
        shape[d] = (int32_t)shape64[d];
    }
    s = nd_depth(node, p, node->inputs[0], shape, (int)rank);
    if (s == TFLC_OK) s = scatter_check(node, p, shape, (int)rank);
    if (s != TFLC_OK) return s;
    p->elem = tflc_dtype_size(node->inputs[1]->dtype);
    return tflc_node_set_output_shape(node, 0, shape, (int)rank);
}

/* out[off + j] += upd[t * slice + j], wrapping for integers, OR for bool. */
static void scatter_add(tflc_dtype dt, void *out, size_t off, const void *upd, size_t from, size_t n) {
    for (size_t j = 0; j < n; j++) {
        size_t o = off + j, u = from + j;
        switch (dt) {
        case TFLC_FLOAT32: ((float *)out)[o] += ((const float *)upd)[u]; break;
        case TFLC_INT32:
            ((int32_t *)out)[o] =
                (int32_t)((uint32_t)((int32_t *)out)[o] + (uint32_t)((const int32_t *)upd)[u]);
            break;
        case TFLC_INT64:
            ((int64_t *)out)[o] =
                (int64_t)((uint64_t)((int64_t *)out)[o] + (uint64_t)((const int64_t *)upd)[u]);
            break;
        case TFLC_INT8:
            ((int8_t *)out)[o] =
                (int8_t)(uint8_t)((unsigned)(((int8_t *)out)[o] + ((const int8_t *)upd)[u]) & 0xffu);
            break;
        case TFLC_UINT8:
            ((uint8_t *)out)[o] =
                (uint8_t)((unsigned)(((uint8_t *)out)[o] + ((const uint8_t *)upd)[u]) & 0xffu);
            break;
        default: ((bool *)out)[o] = ((bool *)out)[o] || ((const bool *)upd)[u]; break;
        }
    }
}

static tflc_status scatter_nd_eval(tflc_node *node) {
    const nd_params *p = node->params;
    tflc_tensor *out = node->outputs[0];
    const tflc_tensor *upd = node->inputs[1];
    for (size_t t = 0; t < p->n; t++) {   /* check everything before writing anything */
        size_t off;
        if (!nd_offset(node, p, node->inputs[0], t, &off)) return TFLC_ERROR_RUNTIME;
    }
    memset(out->data, 0, out->bytes);
    for (size_t t = 0; t < p->n; t++) {
        size_t off = 0;
        nd_offset(node, p, node->inputs[0], t, &off);
        scatter_add(upd->dtype, out->data, off, upd->data, t * p->slice, p->slice);
    }
    return TFLC_OK;
}

/* --------------------------------------------------- EMBEDDING_LOOKUP -- */

typedef struct lookup_params {
    size_t rows, row;               /* table rows; elements per row */
    bool hybrid;                    /* int8 table, float32 output */
    size_t elem;
} lookup_params;

static tflc_status lookup_dtypes(tflc_node *node, lookup_params *p) {
    const tflc_tensor *table = node->inputs[1], *out = node->outputs[0];
    tflc_status s = tflc_ops_expect_dtype(node, node->inputs[0], "input", 0, TFLC_INT32);
    if (s != TFLC_OK) return s;
    p->hybrid = (table->dtype == TFLC_INT8 || table->dtype == TFLC_UINT8) && out->dtype == TFLC_FLOAT32;
    if (p->hybrid) {
        const tflc_quantization *q = tflc_ops_quant(table);
        if (q && q->count > 1 && ((size_t)q->count != p->rows || q->quantized_dimension != 0))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "per-channel table scales must be one per row");
        return TFLC_OK;
    }
    if (table->dtype == TFLC_STRING || tflc_dtype_size(table->dtype) == 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s tables are not supported",
                              tflc_dtype_name(table->dtype));
    return tflc_ops_expect_dtype(node, out, "output", 0, table->dtype);
}

static tflc_status embedding_lookup_prepare(tflc_node *node) {
    lookup_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *ids = node->inputs[0], *table = node->inputs[1];
    if (ids->rank != 1 || table->rank < 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "ids must be 1-D and the table at least 1-D");
    p->rows = (size_t)table->dims[0];
    p->row = tflc_shape_count(table->dims + 1, table->rank - 1);
    s = lookup_dtypes(node, p);
    if (s != TFLC_OK) return s;
    p->elem = tflc_dtype_size(table->dtype);
    int32_t dims[TFLC_MAX_RANK];
    dims[0] = ids->dims[0];
    for (int d = 1; d < table->rank; d++) dims[d] = table->dims[d];
    return tflc_node_set_output_shape(node, 0, dims, table->rank);
}

/* LiteRT reads hybrid tables as int8 (uint8 too) times the row's scale, in double. */
static void lookup_dequant_row(const tflc_tensor *table, size_t r, size_t n, float *out) {
    const tflc_quantization *q = tflc_ops_quant(table);
    double scale = q ? (double)q->scales[q->count > 1 ? r : 0] : 1.0;
    const int8_t *src = (const int8_t *)table->data + r * n;
    for (size_t j = 0; j < n; j++) out[j] = (float)((double)src[j] * scale);
}

static tflc_status embedding_lookup_eval(tflc_node *node) {
    const lookup_params *p = node->params;
    const tflc_tensor *ids = node->inputs[0], *table = node->inputs[1];
    char *dst = node->outputs[0]->data;
    size_t n = tflc_tensor_count(ids);
    for (size_t i = 0; i < n; i++) {
        int32_t r = ((const int32_t *)ids->data)[i];
        if (r < 0 || (size_t)r >= p->rows) return bad_index(node, "id", i, r, p->rows);
        if (p->hybrid) lookup_dequant_row(table, (size_t)r, p->row, (float *)dst + i * p->row);
        else if (p->row)
            memcpy(dst + i * p->row * p->elem, (const char *)table->data + (size_t)r * p->row * p->elem,
                   p->row * p->elem);
    }
    return TFLC_OK;
}

/* ------------------------------------------------------------- kernels -- */

const tflc_kernel tflc_kernel_gather = {.name = "GATHER", .params_size = sizeof(gather_params),
                                        .prepare = gather_prepare, .eval = gather_eval};
const tflc_kernel tflc_kernel_gather_nd = {.name = "GATHER_ND", .params_size = sizeof(nd_params),
                                           .prepare = gather_nd_prepare, .eval = gather_nd_eval};
const tflc_kernel tflc_kernel_scatter_nd = {.name = "SCATTER_ND", .params_size = sizeof(nd_params),
                                            .prepare = scatter_nd_prepare, .eval = scatter_nd_eval};
const tflc_kernel tflc_kernel_embedding_lookup = {.name = "EMBEDDING_LOOKUP",
                                                  .params_size = sizeof(lookup_params),
                                                  .prepare = embedding_lookup_prepare,
                                                  .eval = embedding_lookup_eval};
