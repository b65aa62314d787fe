/*
 * topk.c -- TOPK_V2: the k largest values of each last-axis row, largest first, and their
 * indices (int32, or int64 when the index output says so). k is a constant scalar input.
 *
 *   [2,5] k 2  {{1,5,3,5,0},...} -> values {{5,5},...}, indices {{1,3},...}
 *
 * Ties keep the lower index first, as LiteRT's TopContainer orders them. Each row is an
 * insertion into the k output slots (O(n*k)), so eval needs no scratch.
 */
#include "ops/shape_common.h"

typedef struct topk_params {
    size_t rows, n, k;
} topk_params;

static tflc_status topk_prepare(tflc_node *node) {
    topk_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 2);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    switch (in->dtype) {
    case TFLC_FLOAT32:
    case TFLC_INT8:
    case TFLC_UINT8:
    case TFLC_INT16:
    case TFLC_INT32:
    case TFLC_INT64: break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported",
                              tflc_dtype_name(in->dtype));
    }
    tflc_dtype idt = node->outputs[1]->dtype;
    if (idt != TFLC_INT32 && idt != TFLC_INT64)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "indices output has dtype %s",
                              tflc_dtype_name(idt));
    int64_t k = 0;
    s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, in->dtype);
    if (s == TFLC_OK) s = tflc_sh_const_scalar(node, node->inputs[1], "k (input 1)", &k);
    if (s != TFLC_OK) return s;
    if (in->rank < 1 || k < 0 || k > in->dims[in->rank - 1])
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "k %lld must be in [0, %d]", (long long)k,
                              in->rank ? (int)in->dims[in->rank - 1] : 0);
    int32_t dims[TFLC_MAX_RANK];
    memcpy(dims, in->dims, sizeof dims);
    dims[in->rank - 1] = (int32_t)k;
    p->n = (size_t)in->dims[in->rank - 1];
    p->k = (size_t)k;
    p->rows = tflc_shape_count(in->dims, in->rank - 1);
    s = tflc_node_set_output_shape(node, 0, dims, in->rank);
    return s != TFLC_OK ? s : tflc_node_set_output_shape(node, 1, dims, in->rank);
}

/* Defines topk_<name>(p, in, vals, idx): per row, insert each element before the first
 * kept value it strictly exceeds; the last slot falls off. */
#define DEFINE_TOPK(name, T)                                                                \
    static void topk_##name(const topk_params *p, const T *in, T *vals, int64_t *idx) {    \
        for (size_t r = 0; r < p->rows; r++) {                                             \
            const T *row = in + r * p->n;                                                  \
            T *v = vals + r * p->k;                                                        \
            int64_t *ix = idx + r * p->k;                                                  \
            size_t kept = 0;                                                               \
            for (size_t i = 0; i < p->n; i++) {                                            \
                size_t at = kept;                                                          \
                while (at > 0 && row[i] > v[at - 1]) at--;                                 \
                if (at >= p->k) continue;                                                  \
                size_t last = kept < p->k ? kept : p->k - 1;                               \
                for (size_t j = last; j > at; j--) { v[j] = v[j - 1]; ix[j] = ix[j - 1]; } \
                v[at] = row[i];                                                            \
                ix[at] = (int64_t)i;                                                       \
                if (kept < p->k) kept++;                                                   \
            }                                                                              \
        }                                                                                  \
    }
DEFINE_TOPK(f32, float)
DEFINE_TOPK(i8, int8_t)
DEFINE_TOPK(u8, uint8_t)
DEFINE_TOPK(i16, int16_t)
DEFINE_TOPK(i32, int32_t)
DEFINE_TOPK(i64, int64_t)

/* Indices are tracked as int64 in the scratch and narrowed into an int32 output after. */
static tflc_status topk_eval(tflc_node *node) {
    const topk_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *vals = node->outputs[0], *idx_t = node->outputs[1];
    int64_t *idx = idx_t->dtype == TFLC_INT64 ? idx_t->data : node->scratch;
    switch (in->dtype) {
    case TFLC_FLOAT32: topk_f32(p, in->data, vals->data, idx); break;
    case TFLC_INT8: topk_i8(p, in->data, vals->data, idx); break;
    case TFLC_UINT8: topk_u8(p, in->data, vals->data, idx); break;
    case TFLC_INT16: topk_i16(p, in->data, vals->data, idx); break;
    case TFLC_INT32: topk_i32(p, in->data, vals->data, idx); break;
    default: topk_i64(p, in->data, vals->data, idx); break;
    }
    if (idx_t->dtype == TFLC_INT32)
        for (size_t i = 0; i < p->rows * p->k; i++) ((int32_t *)idx_t->data)[i] = (int32_t)idx[i];
    return TFLC_OK;
}

static tflc_status topk_prepare_scratch(tflc_node *node) {
    tflc_status s = topk_prepare(node);
    const topk_params *p = node->params;
    if (s == TFLC_OK && node->outputs[1]->dtype == TFLC_INT32)
        node->scratch_bytes = p->rows * p->k * sizeof(int64_t);
    return s;
}

const tflc_kernel tflc_kernel_topk_v2 = {.name = "TOPK_V2", .params_size = sizeof(topk_params),
                                         .prepare = topk_prepare_scratch, .eval = topk_eval};
