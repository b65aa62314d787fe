/*
 * arg_min_max.c -- ARG_MAX, ARG_MIN: the index of the largest (smallest) element along one
 * axis, given as a constant one-element int32/int64 input 1; the axis disappears.
 *
 *   [2,3] ARG_MAX axis 1 -> [2] (int32 or int64, per ArgMaxOptions.output_type)
 *
 * Ties keep the first index (the comparison is strict, as LiteRT's); NaN never wins.
 * Quantized inputs compare their raw values: scale is positive, so order is preserved.
 */
#include "ops/shape_common.h"

typedef struct arg_params {
    bool is_max;
    size_t outer, axis_size, inner;
} arg_params;

static tflc_status arg_check_dtypes(tflc_node *node, uint8_t options_type) {
    tflc_dtype dt = node->inputs[0]->dtype, odt = node->outputs[0]->dtype;
    switch (dt) {
    case TFLC_FLOAT32: case TFLC_INT8: case TFLC_UINT8: case TFLC_INT16: case TFLC_INT32:
    case TFLC_INT64: case TFLC_BOOL:
        break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported",
                              tflc_dtype_name(dt));
    }
    if (odt != TFLC_INT32 && odt != TFLC_INT64)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "output has dtype %s, expected int32 or int64", tflc_dtype_name(odt));
    const uint8_t *opts = tflc_ops_options(node, options_type);
    int want = opts ? fb_i8(opts, SH_ARG_OUTPUT_TYPE, SH_TT_INT64) : -1;
    if (want >= 0 && (want == SH_TT_INT32) != (odt == TFLC_INT32))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "output has dtype %s but output_type says otherwise", tflc_dtype_name(odt));
    return TFLC_OK;
}

static tflc_status arg_prepare(tflc_node *node, bool is_max) {
    arg_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = arg_check_dtypes(node, is_max ? BO_ArgMax : BO_ArgMin);
    int64_t axis = 0;
    if (s == TFLC_OK) s = tflc_sh_const_scalar(node, node->inputs[1], "axis (input 1)", &axis);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    int a;
    if (!tflc_ops_normalize_axis(axis, in->rank, &a))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "axis %lld is out of range for an input of rank %d", (long long)axis, in->rank);
    if (in->dims[a] == 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "cannot take the %s of an empty axis",
                              is_max ? "arg max" : "arg min");
    int32_t dims[TFLC_MAX_RANK];
    for (int d = 0, k = 0; d < in->rank; d++)
        if (d != a) dims[k++] = in->dims[d];
    p->is_max = is_max;
    p->outer = tflc_shape_count(in->dims, a);
    p->axis_size = (size_t)in->dims[a];
    p->inner = tflc_shape_count(in->dims + a + 1, in->rank - a - 1);
    return tflc_node_set_output_shape(node, 0, dims, in->rank - 1);
}

/* Defines arg_<name>(p, in, out_index): best index along the axis for each (outer, inner). */
#define DEFINE_ARG(name, T)                                                                 \
    static void arg_##name(const arg_params *p, const T *in, int64_t *best_out, size_t o,   \
                           size_t i) {                                                      \
        const T *row = in + o * p->axis_size * p->inner + i;                                \
        T best = row[0];                                                                    \
        size_t at = 0;                                                                      \
        for (size_t a = 1; a < p->axis_size; a++) {                                         \
            T v = row[a * p->inner];                                                        \
            if (p->is_max ? v > best : v < best) { best = v; at = a; }                      \
        }                                                                                   \
        *best_out = (int64_t)at;                                                            \
    }
DEFINE_ARG(f32, float)
DEFINE_ARG(i8, int8_t)
DEFINE_ARG(u8, uint8_t)
DEFINE_ARG(i16, int16_t)
DEFINE_ARG(i32, int32_t)
DEFINE_ARG(i64, int64_t)
DEFINE_ARG(b, bool)

static tflc_status arg_eval(tflc_node *node) {
    const arg_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];
    for (size_t o = 0; o < p->outer; o++) {
        for (size_t i = 0; i < p->inner; i++) {
            int64_t at = 0;
            switch (in->dtype) {
            case TFLC_FLOAT32: arg_f32(p, in->data, &at, o, i); break;
            case TFLC_INT8: arg_i8(p, in->data, &at, o, i); break;
            case TFLC_UINT8: arg_u8(p, in->data, &at, o, i); break;
            case TFLC_INT16: arg_i16(p, in->data, &at, o, i); break;
            case TFLC_INT32: arg_i32(p, in->data, &at, o, i); break;
            case TFLC_INT64: arg_i64(p, in->data, &at, o, i); break;
            default: arg_b(p, in->data, &at, o, i); break;
            }
            size_t k = o * p->inner + i;
            if (out->dtype == TFLC_INT32) ((int32_t *)out->data)[k] = (int32_t)at;
            else ((int64_t *)out->data)[k] = at;
        }
    }
    return TFLC_OK;
}

static tflc_status arg_max_prepare(tflc_node *node) { return arg_prepare(node, true); }
static tflc_status arg_min_prepare(tflc_node *node) { return arg_prepare(node, false); }

const tflc_kernel tflc_kernel_arg_max = {.name = "ARG_MAX", .params_size = sizeof(arg_params),
                                         .prepare = arg_max_prepare, .eval = arg_eval};
const tflc_kernel tflc_kernel_arg_min = {.name = "ARG_MIN", .params_size = sizeof(arg_params),
                                         .prepare = arg_min_prepare, .eval = arg_eval};
