/*
 * split.c -- SPLIT (N equal parts) and SPLIT_V (given sizes, one of them may be -1) along
 * a constant axis.
 *
 *   SPLIT   axis 1 (input 0), value [2,6] (input 1), 3 outputs   -> 3 x [2,2]
 *   SPLIT_V value [2,6] (input 0), sizes {1,-1,2} (input 1), axis -1 (input 2) -> [2,1],[2,3],[2,2]
 *
 * Seen as [outer, axis * inner], output j takes a run of every row: byte copies, any
 * fixed-size dtype.
 */
#include "ops/shape_common.h"

typedef struct split_params {
    size_t outer, inner, axis_size, elem;
} split_params;

/* Sets every output's shape from the sizes along axis a of `in`. */
static tflc_status split_outputs(tflc_node *node, const tflc_tensor *in, int a, const int64_t *sizes) {
    split_params *p = node->params;
    if (in->dtype == TFLC_STRING || tflc_dtype_size(in->dtype) == 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s tensors are not supported",
                              tflc_dtype_name(in->dtype));
    for (int j = 0; j < node->n_outputs; j++) {
        int32_t dims[TFLC_MAX_RANK];
        for (int d = 0; d < in->rank; d++) dims[d] = d == a ? (int32_t)sizes[j] : in->dims[d];
        tflc_status s = tflc_ops_expect_dtype(node, node->outputs[j], "output", j, in->dtype);
        if (s == TFLC_OK) s = tflc_node_set_output_shape(node, j, dims, in->rank);
        if (s != TFLC_OK) return s;
    }
    p->outer = tflc_shape_count(in->dims, a);
    p->inner = tflc_shape_count(in->dims + a + 1, in->rank - a - 1);
    p->axis_size = (size_t)in->dims[a];
    p->elem = tflc_dtype_size(in->dtype);
    return TFLC_OK;
}

static tflc_status split_axis(tflc_node *node, const tflc_tensor *axis_t, const tflc_tensor *in, int *a) {
    int64_t axis = 0;
    tflc_status s = tflc_sh_const_scalar(node, axis_t, "axis", &axis);
    if (s == TFLC_OK && !tflc_ops_normalize_axis(axis, in->rank, a))
        s = tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis %lld is out of range for rank %d",
                           (long long)axis, in->rank);
    return s;
}

static tflc_status split_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 2, 2, node->n_outputs > 0 ? node->n_outputs : 1);
    int a = 0;
    if (s == TFLC_OK) s = split_axis(node, node->inputs[0], node->inputs[1], &a);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[1];
    const uint8_t *o = tflc_ops_options(node, BO_Split);
    int32_t n = o ? fb_i32(o, SH_SPLIT_NUM_SPLITS, node->n_outputs) : node->n_outputs;
    if (n != node->n_outputs || in->dims[a] % n != 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "cannot split dim %d of size %d into %d equal parts", a, (int)in->dims[a],
                              node->n_outputs);
    int64_t sizes[256];
    if (n > 256) return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "more than 256 outputs");
    for (int j = 0; j < n; j++) sizes[j] = in->dims[a] / n;
    return split_outputs(node, in, a, sizes);
}

/* Resolves the one allowed -1 and checks the sizes add up. */
static tflc_status split_v_sizes(tflc_node *node, int64_t *sizes, size_t n, int64_t total) {
    int64_t known = 0;
    int stretch = -1;
    for (size_t j = 0; j < n; j++) {
        if (sizes[j] == -1 && stretch < 0) stretch = (int)j;
        else if (sizes[j] < 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "size_splits entry %zu is %lld", j,
                                  (long long)sizes[j]);
        else known += sizes[j];
    }
    if (stretch >= 0 && known <= total) sizes[stretch] = total - known;
    else if (stretch < 0 && known == total) return TFLC_OK;
    else
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "size_splits add up to %lld, the axis has %lld",
                              (long long)known, (long long)total);
    return TFLC_OK;
}

static tflc_status split_v_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 3, 3, node->n_outputs > 0 ? node->n_outputs : 1);
    const tflc_tensor *in = node->inputs[0];
    int a = 0;
    if (s == TFLC_OK) s = split_axis(node, node->inputs[2], in, &a);
    int64_t sizes[256];
    size_t n = 0;
    if (s == TFLC_OK) s = tflc_sh_const_ints(node, node->inputs[1], "size_splits (input 1)", sizes, 256, &n);
    if (s != TFLC_OK) return s;
    if ((int)n != node->n_outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "size_splits has %zu entries for %d outputs", n,
                              node->n_outputs);
    s = split_v_sizes(node, sizes, n, in->dims[a]);
    return s != TFLC_OK ? s : split_outputs(node, in, a, sizes);
}

static tflc_status split_copy(tflc_node *node, const tflc_tensor *in) {
    const split_params *p = node->params;
    size_t row = p->axis_size * p->inner * p->elem, offset = 0;
    const char *src = in->data;
    for (int j = 0; j < node->n_outputs; j++) {
        tflc_tensor *out = node->outputs[j];
        size_t run = p->outer ? out->bytes / p->outer : 0;
        for (size_t o = 0; o < p->outer && run; o++)
            memcpy((char *)out->data + o * run, src + o * row + offset, run);
        offset += run;
    }
    return TFLC_OK;
}

static tflc_status split_eval(tflc_node *node) { return split_copy(node, node->inputs[1]); }
static tflc_status split_v_eval(tflc_node *node) { return split_copy(node, node->inputs[0]); }

const tflc_kernel tflc_kernel_split = {.name = "SPLIT", .params_size = sizeof(split_params),
                                       .prepare = split_prepare, .eval = split_eval};
const tflc_kernel tflc_kernel_split_v = {.name = "SPLIT_V", .params_size = sizeof(split_params),
                                         .prepare = split_v_prepare, .eval = split_v_eval};
