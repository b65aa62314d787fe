/*
 * slice.c -- SLICE and STRIDED_SLICE: a (strided) box of the input. The index inputs are
 * constant int32/int64 vectors (a box computed at run time would make the output shape
 * value-dependent).
 *
 *   SLICE          [3,4] begin {1,0} size {2,-1}          -> [2,4]   (-1: to the end)
 *   STRIDED_SLICE  [3,4] begin {0,3} end {3,0} strides {2,-1}, masks 0 -> [2,3]
 *                  x[..., 1] (ellipsis bit 0, shrink bit 1) on [2,3,4] -> [2,3]
 *
 * STRIDED_SLICE follows TensorFlow's sparse spec: an ellipsis expands to full ranges, a
 * new-axis entry inserts a 1, a shrink entry takes one index and drops the dim, and begin
 * and end are clamped per LiteRT's strided_slice_logic (StridedSliceOptions.offset makes
 * end relative to begin). Both ops become a strided view of the input at prepare.
 */
#include "ops/shape_common.h"

/* -------------------------------------------------------------- SLICE -- */

static tflc_status slice_box(tflc_node *node, const int64_t *begin, const int64_t *size, tflc_sh_view *v) {
    const tflc_tensor *in = node->inputs[0];
    int64_t strides[TFLC_MAX_RANK];
    tflc_sh_strides(in->dims, in->rank, strides);
    v->rank = in->rank;
    v->in_base = 0;
    for (int d = 0; d < in->rank; d++) {
        int64_t b = begin[d], n = size[d] == -1 ? in->dims[d] - begin[d] : size[d];
        if (b < 0 || b > in->dims[d] || n < 0 || b + n > in->dims[d])
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "dim %d: begin %lld, size %lld do not fit in size %d", d,
                                  (long long)begin[d], (long long)size[d], (int)in->dims[d]);
        v->dims[d] = (int32_t)n;
        v->in_strides[d] = strides[d];
        v->in_base += b * strides[d];
    }
    tflc_sh_view_dense_out(v);
    return TFLC_OK;
}

/* The box from begin/size (constant at prepare, any at eval), then the output's shape. */
static tflc_status slice_compute(tflc_node *node, bool runtime_ok) {
    int64_t begin[TFLC_MAX_RANK], size[TFLC_MAX_RANK];
    size_t nb = 0, ns = 0;
    tflc_status s = tflc_sh_read_ints(node, node->inputs[1], "begin (input 1)", begin, TFLC_MAX_RANK, &nb,
                                      runtime_ok);
    if (s == TFLC_OK)
        s = tflc_sh_read_ints(node, node->inputs[2], "size (input 2)", size, TFLC_MAX_RANK, &ns, runtime_ok);
    if (s != TFLC_OK) return s;
    int rank = node->inputs[0]->rank;
    if ((int)nb != rank || (int)ns != rank)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "begin and size have %zu and %zu entries for an input of rank %d", nb, ns,
                              rank);
    tflc_sh_view *v = node->params;
    s = slice_box(node, begin, size, v);
    return s != TFLC_OK ? s : tflc_node_set_output_shape(node, 0, v->dims, v->rank);
}

/* Index inputs known only at invoke: check their dtypes now, compute the box at eval. */
static tflc_status defer_box(tflc_node *node, int first_index, int n_index) {
    for (int i = first_index; i < first_index + n_index; i++) {
        tflc_status s = tflc_sh_check_index_dtype(node, node->inputs[i], "an index input");
        if (s != TFLC_OK) return s;
    }
    return tflc_node_set_output_dynamic(node, 0);
}

static bool all_const(const tflc_node *node, int first, int n) {
    for (int i = first; i < first + n; i++)
        if (!tflc_ops_is_const(node->inputs[i])) return false;
    return true;
}

static tflc_status slice_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 3, 3, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s != TFLC_OK) return s;
    return all_const(node, 1, 2) ? slice_compute(node, false) : defer_box(node, 1, 2);
}

static tflc_status view_copy(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_sh_view_copy(node->params, in->data, node->outputs[0]->data, tflc_dtype_size(in->dtype));
    return TFLC_OK;
}

static tflc_status slice_eval(tflc_node *node) {
    tflc_status s = node->outputs[0]->dynamic ? slice_compute(node, true) : TFLC_OK;
    return s == TFLC_OK ? view_copy(node) : s;
}

/* ------------------------------------------------------ STRIDED_SLICE -- */

#define SS_MAX_SPEC 32

typedef struct ss_spec {
    int n;                                  /* sparse entries */
    int64_t begin[SS_MAX_SPEC], end[SS_MAX_SPEC], stride[SS_MAX_SPEC];
    uint32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_mask;
    bool offset;
} ss_spec;

static tflc_status ss_read(tflc_node *node, ss_spec *sp, bool runtime_ok) {
    size_t nb = 0, ne = 0, ns = 0;
    tflc_status s = tflc_sh_read_ints(node, node->inputs[1], "begin (input 1)", sp->begin, SS_MAX_SPEC, &nb,
                                      runtime_ok);
    if (s == TFLC_OK)
        s = tflc_sh_read_ints(node, node->inputs[2], "end (input 2)", sp->end, SS_MAX_SPEC, &ne, runtime_ok);
    if (s == TFLC_OK)
        s = tflc_sh_read_ints(node, node->inputs[3], "strides (input 3)", sp->stride, SS_MAX_SPEC, &ns,
                              runtime_ok);
    if (s != TFLC_OK) return s;
    if (nb != ne || nb != ns)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "begin, end and strides have %zu, %zu and %zu entries", nb, ne, ns);
    sp->n = (int)nb;
    const uint8_t *o = tflc_ops_options(node, BO_StridedSlice);
    sp->begin_mask = o ? (uint32_t)fb_i32(o, SH_SS_BEGIN_MASK, 0) : 0;
    sp->end_mask = o ? (uint32_t)fb_i32(o, SH_SS_END_MASK, 0) : 0;
    sp->ellipsis_mask = o ? (uint32_t)fb_i32(o, SH_SS_ELLIPSIS_MASK, 0) : 0;
    sp->new_axis_mask = o ? (uint32_t)fb_i32(o, SH_SS_NEW_AXIS_MASK, 0) : 0;
    sp->shrink_mask = o ? (uint32_t)fb_i32(o, SH_SS_SHRINK_AXIS_MASK, 0) : 0;
    sp->offset = o && fb_u8(o, SH_SS_OFFSET, 0);
    for (int i = 0; i < sp->n; i++)
        if (sp->stride[i] == 0 && !(sp->new_axis_mask & (1u << i)) && !(sp->ellipsis_mask & (1u << i)))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "stride %d is 0", i);
    return TFLC_OK;
}

/* One input dim's range: start, element count and step (LiteRT's StartForAxis/StopForAxis). */
static tflc_status ss_range(tflc_node *node, const ss_spec *sp, int i, int d, int64_t *start,
                            int64_t *count) {
    int64_t size = node->inputs[0]->dims[d], stride = sp->stride[i];
    int64_t b = sp->begin[i];
    if (sp->shrink_mask & (1u << i)) {
        if (b < 0) b += size;
        if (b < 0 || b >= size)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "shrink index %lld is out of range for dim %d of size %lld",
                                  (long long)sp->begin[i], d, (long long)size);
        *start = b;
        *count = 1;
        return TFLC_OK;
    }
    if (b < 0) b += size;
    b = stride > 0 ? (b < 0 ? 0 : (b > size ? size : b)) : (b < -1 ? -1 : (b > size - 1 ? size - 1 : b));
    if (sp->begin_mask & (1u << i)) b = stride > 0 ? 0 : size - 1;
    int64_t e = sp->end[i];
    if (sp->offset) e += b;
    if (e < 0) e += size;
    e = stride > 0 ? (e < 0 ? 0 : (e > size ? size : e)) : (e < -1 ? -1 : (e > size - 1 ? size - 1 : e));
    if (sp->end_mask & (1u << i)) e = stride > 0 ? size : -1;
    int64_t n = stride > 0 ? (e - b + stride - 1) / stride : (b - e + (-stride) - 1) / (-stride);
    *start = b;
    *count = n > 0 ? n : 0;
    return TFLC_OK;
}

/* Appends one view dim (and output dim when kept); counts past the arrays' ends without
 * writing there, so ss_build can refuse the spec afterwards. */
static void ss_push(tflc_sh_view *v, int32_t *out_dims, int *out_rank, int64_t n, int64_t stride, bool keep) {
    if (keep) {
        if (*out_rank < TFLC_SH_VIEW_MAX) out_dims[*out_rank] = (int32_t)n;
        (*out_rank)++;
    }
    if (v->rank < TFLC_SH_VIEW_MAX) {
        v->dims[v->rank] = (int32_t)n;
        v->in_strides[v->rank] = stride;
    }
    v->rank++;
}

/* Walks the sparse spec, expanding the ellipsis, and builds the view and output shape. */
static tflc_status ss_build(tflc_node *node, const ss_spec *sp, tflc_sh_view *v, int32_t *out_dims,
                            int *out_rank) {
    const tflc_tensor *in = node->inputs[0];
    int64_t strides[TFLC_MAX_RANK];
    tflc_sh_strides(in->dims, in->rank, strides);
    int consumed = 0;   /* sparse entries that index an input dim */
    bool has_ellipsis = false;
    for (int i = 0; i < sp->n; i++) {
        if (sp->ellipsis_mask & (1u << i)) has_ellipsis = true;
        else if (!(sp->new_axis_mask & (1u << i))) consumed++;
    }
    if (consumed > in->rank)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%d indexed dims for an input of rank %d",
                              consumed, in->rank);
    v->rank = 0;
    v->in_base = 0;
    *out_rank = 0;
    int d = 0;
    bool ellipsis_done = false;
    for (int i = 0; i <= sp->n; i++) {
        bool at_end = i == sp->n;
        if (at_end && has_ellipsis) break;
        if (at_end || ((sp->ellipsis_mask & (1u << i)) && !ellipsis_done)) {
            ellipsis_done = ellipsis_done || !at_end;
            int full = in->rank - consumed;   /* dims the ellipsis (or the implicit tail) covers */
            for (int k = 0; k < full; k++, d++) ss_push(v, out_dims, out_rank, in->dims[d], strides[d], true);
            consumed = in->rank;              /* later entries index the remaining dims */
            continue;
        }
        if (sp->ellipsis_mask & (1u << i)) continue;  /* a second ellipsis bit is ignored */
        if (sp->new_axis_mask & (1u << i)) {
            ss_push(v, out_dims, out_rank, 1, 0, true);
            continue;
        }
        int64_t start = 0, n = 0;
        tflc_status s = ss_range(node, sp, i, d, &start, &n);
        if (s != TFLC_OK) return s;
        v->in_base += start * strides[d];
        ss_push(v, out_dims, out_rank, n, strides[d] * sp->stride[i], !(sp->shrink_mask & (1u << i)));
        d++;
    }
    if (v->rank > TFLC_SH_VIEW_MAX || *out_rank > TFLC_MAX_RANK)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "the slice has too many dims");
    tflc_sh_view_dense_out(v);
    return TFLC_OK;
}

static tflc_status ss_compute(tflc_node *node, bool runtime_ok) {
    ss_spec sp;
    tflc_status s = ss_read(node, &sp, runtime_ok);
    int32_t dims[TFLC_SH_VIEW_MAX];
    int rank = 0;
    if (s == TFLC_OK) s = ss_build(node, &sp, node->params, dims, &rank);
    return s != TFLC_OK ? s : tflc_node_set_output_shape(node, 0, dims, rank);
}

static tflc_status strided_slice_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 4, 4, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s != TFLC_OK) return s;
    return all_const(node, 1, 3) ? ss_compute(node, false) : defer_box(node, 1, 3);
}

static tflc_status strided_slice_eval(tflc_node *node) {
    tflc_status s = node->outputs[0]->dynamic ? ss_compute(node, true) : TFLC_OK;
    return s == TFLC_OK ? view_copy(node) : s;
}

const tflc_kernel tflc_kernel_slice = {.name = "SLICE", .params_size = sizeof(tflc_sh_view),
                                       .prepare = slice_prepare, .eval = slice_eval};
const tflc_kernel tflc_kernel_strided_slice = {.name = "STRIDED_SLICE", .params_size = sizeof(tflc_sh_view),
                                               .prepare = strided_slice_prepare, .eval = strided_slice_eval};
