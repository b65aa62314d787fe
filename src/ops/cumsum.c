/*
 * cumsum.c -- CUMSUM along a constant axis (input 1, int32/int64 scalar; negative counts
 * from the end). CumsumOptions: exclusive shifts by one (starting at 0), reverse sums from
 * the far end.
 *
 *   {1,2,3}  -> {1,3,6};  exclusive {0,1,3};  reverse {6,5,3};  both {5,3,0}
 *
 * float32, int32, int64; sums run sequentially along the axis as LiteRT's do, integers
 * wrap.
 */
#include "ops/shape_common.h"

typedef struct cumsum_params {
    size_t outer, n, inner;
    bool exclusive, reverse;
} cumsum_params;

static tflc_status cumsum_prepare(tflc_node *node) {
    cumsum_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if (in->dtype != TFLC_FLOAT32 && in->dtype != TFLC_INT32 && in->dtype != TFLC_INT64)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported",
                              tflc_dtype_name(in->dtype));
    int64_t axis = 0;
    int a;
    s = tflc_ops_output_like_input(node);
    if (s == TFLC_OK) s = tflc_sh_const_scalar(node, node->inputs[1], "axis (input 1)", &axis);
    if (s != TFLC_OK) return s;
    if (!tflc_ops_normalize_axis(axis, in->rank, &a))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "axis %lld is out of range for rank %d",
                              (long long)axis, in->rank);
    const uint8_t *o = tflc_ops_options(node, BO_Cumsum);
    p->exclusive = o && fb_u8(o, SH_CUMSUM_EXCLUSIVE, 0);
    p->reverse = o && fb_u8(o, SH_CUMSUM_REVERSE, 0);
    p->outer = tflc_shape_count(in->dims, a);
    p->n = (size_t)in->dims[a];
    p->inner = tflc_shape_count(in->dims + a + 1, in->rank - a - 1);
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

/* Defines cumsum_<name>: one running sum per (outer, inner) line. */
#define DEFINE_CUMSUM(name, T, ADD)                                                         \
    static void cumsum_##name(const cumsum_params *p, const T *in, T *out) {               \
        for (size_t o = 0; o < p->outer; o++)                                              \
            for (size_t i = 0; i < p->inner; i++) {                                        \
                T acc = 0;                                                                 \
                for (size_t k = 0; k < p->n; k++) {                                        \
                    size_t j = p->reverse ? p->n - 1 - k : k;                              \
                    size_t at = (o * p->n + j) * p->inner + i;                             \
                    T x = in[at];                                                          \
                    if (p->exclusive) { out[at] = acc; acc = ADD; }                        \
                    else { acc = ADD; out[at] = acc; }                                     \
                }                                                                          \
            }                                                                              \
    }
DEFINE_CUMSUM(f32, float, acc + x)
DEFINE_CUMSUM(i32, int32_t, (int32_t)((uint32_t)acc + (uint32_t)x))
DEFINE_CUMSUM(i64, int64_t, (int64_t)((uint64_t)acc + (uint64_t)x))

static tflc_status cumsum_eval(tflc_node *node) {
    const cumsum_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    void *out = node->outputs[0]->data;
    switch (in->dtype) {
    case TFLC_FLOAT32: cumsum_f32(p, in->data, out); break;
    case TFLC_INT32: cumsum_i32(p, in->data, out); break;
    default: cumsum_i64(p, in->data, out); break;
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_cumsum = {.name = "CUMSUM", .params_size = sizeof(cumsum_params),
                                        .prepare = cumsum_prepare, .eval = cumsum_eval};
