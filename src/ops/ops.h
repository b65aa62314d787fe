/*
 * ops.h -- what the builtin kernels share: the kernel objects that registry.c lists, and
 * small helpers every op file needs (arity and dtype checks, reading an op's options,
 * fused activations, numpy broadcasting, quantization parameters).
 *
 * Private to src/ops. Helpers that fail call tflc_node_fail, so a kernel can write
 *     tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
 *     if (s != TFLC_OK) return s;
 * and the message names the operator (the prefix comes from tflc_node_fail).
 */
#ifndef TFLC_OPS_OPS_H
#define TFLC_OPS_OPS_H

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/internal.h"
#include "format/flatbuf.h"
#include "format/schema.h"

/* ------------------------------------------------------------- kernels -- */

extern const tflc_kernel tflc_kernel_fully_connected;  /* fully_connected.c */
extern const tflc_kernel tflc_kernel_add;              /* elementwise_binary.c */
extern const tflc_kernel tflc_kernel_sub;
extern const tflc_kernel tflc_kernel_mul;
extern const tflc_kernel tflc_kernel_div;
extern const tflc_kernel tflc_kernel_relu;             /* activations.c */
extern const tflc_kernel tflc_kernel_relu_n1_to_1;
extern const tflc_kernel tflc_kernel_relu6;
extern const tflc_kernel tflc_kernel_logistic;
extern const tflc_kernel tflc_kernel_tanh;
extern const tflc_kernel tflc_kernel_softmax;          /* softmax.c */
extern const tflc_kernel tflc_kernel_reshape;          /* reshape.c */
extern const tflc_kernel tflc_kernel_squeeze;
extern const tflc_kernel tflc_kernel_expand_dims;
extern const tflc_kernel tflc_kernel_concatenation;    /* concatenation.c */
extern const tflc_kernel tflc_kernel_transpose;        /* transpose.c */
extern const tflc_kernel tflc_kernel_batch_matmul;     /* batch_matmul.c */
extern const tflc_kernel tflc_kernel_quantize;         /* quantize.c */
extern const tflc_kernel tflc_kernel_dequantize;

/* ------------------------------------------------------------ registry -- */

/* One row of an operator table: builtin code, accepted versions, kernel. */
typedef struct tflc_registry_entry {
    int32_t code;             /* BuiltinOperator */
    int32_t min_version, max_version;
    const char *versions;     /* the same range, for messages ("1-4") */
    const tflc_kernel *kernel;
} tflc_registry_entry;
#define TFLC_REGISTRY_END {0, 0, 0, NULL, NULL}

/* Per-family tables (table_<family>.c), each ended by TFLC_REGISTRY_END. */
extern const tflc_registry_entry tflc_registry_conv[];   /* convolution, pooling */
extern const tflc_registry_entry tflc_registry_math[];   /* elementwise math, comparison, logic, cast */
extern const tflc_registry_entry tflc_registry_shape[];  /* shape ops, reductions, gather/scatter */
extern const tflc_registry_entry tflc_registry_nn[];     /* matmul, quantized FC, norms, resize, RNN */
extern const tflc_registry_entry tflc_registry_state[];  /* control flow, variables, hash tables */

/* ---------------------------------------------------------- node checks -- */

static inline const char *tflc_ops_plural(int n) { return n == 1 ? "" : "s"; }

/* Checks that the node has min_inputs..max_inputs inputs and exactly `outputs` outputs, that
 * the first min_inputs inputs are present (optional ones past them may be NULL) and that
 * every output is present. */
static inline tflc_status tflc_ops_check_arity(tflc_node *node, int min_inputs, int max_inputs,
                                               int outputs) {
    if (node->n_inputs < min_inputs || node->n_inputs > max_inputs) {
        if (min_inputs == max_inputs)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "expected %d input%s, got %d",
                                  min_inputs, tflc_ops_plural(min_inputs), node->n_inputs);
        if (max_inputs == INT_MAX)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "expected at least %d input%s, got %d", min_inputs,
                                  tflc_ops_plural(min_inputs), node->n_inputs);
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "expected %d to %d inputs, got %d",
                              min_inputs, max_inputs, node->n_inputs);
    }
    if (node->n_outputs != outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "expected %d output%s, got %d",
                              outputs, tflc_ops_plural(outputs), node->n_outputs);
    for (int i = 0; i < min_inputs; i++)
        if (!node->inputs[i])
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d is missing", i);
    for (int i = 0; i < outputs; i++)
        if (!node->outputs[i])
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output %d is missing", i);
    return TFLC_OK;
}

/* Input `index` if the node has it and the model did not leave it out, else NULL. */
static inline tflc_tensor *tflc_ops_optional_input(const tflc_node *node, int index) {
    return index < node->n_inputs ? node->inputs[index] : NULL;
}

/* "input 1 has dtype int32, expected float32". `role` is "input" or "output". */
static inline tflc_status tflc_ops_expect_dtype(tflc_node *node, const tflc_tensor *t,
                                                const char *role, int index, tflc_dtype want) {
    if (t->dtype == want) return TFLC_OK;
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s %d has dtype %s, expected %s", role,
                          index, tflc_dtype_name(t->dtype), tflc_dtype_name(want));
}

/* The output must have the dtype of input 0 (ops that do not change the element type). */
static inline tflc_status tflc_ops_output_like_input(tflc_node *node) {
    return tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, node->inputs[0]->dtype);
}

/* True when the tensor's contents are readable at prepare time (model constants and
 * tensors the runner folded from constants). */
static inline bool tflc_ops_is_const(const tflc_tensor *t) {
    return tflc_tensor_is_constant(t);
}

/* Writes "[2,1,3]" into buf (for messages). */
static inline const char *tflc_ops_shape_str(const int32_t *dims, int rank, char *buf,
                                             size_t size) {
    size_t at = 0;
    buf[0] = '\0';
    at += (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < rank && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, i ? ",%d" : "%d", (int)dims[i]);
    if (at < size) snprintf(buf + at, size - at, "]");
    return buf;
}
#define TFLC_OPS_SHAPE_BUF 96

/* Turns a possibly negative axis into [0, rank); false when out of range. */
static inline bool tflc_ops_normalize_axis(int64_t axis, int rank, int *out) {
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) return false;
    *out = (int)axis;
    return true;
}

/* ------------------------------------------------------------- options -- */

/* The op's builtin options table if it has the expected union type (BO_*), else NULL.
 * Reading slots of a table of another type would misread it, so a mismatch counts as
 * absent, as TFLite's builtin_options_as_X() does; callers then use the schema defaults. */
static inline const uint8_t *tflc_ops_options(const tflc_node *node, uint8_t type) {
    const tflc_op_desc *d = node->desc;
    if (!d || !d->options || d->options_type != type) return NULL;
    return d->options;
}

/* ---------------------------------------------------------- activations -- */

/* A fused activation (ActivationFunctionType) ready to apply to float32 values. */
typedef struct tflc_ops_act {
    int kind;        /* ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 or ACT_TANH */
    float min, max;  /* clamp range for the RELU family */
} tflc_ops_act;

/* Reads a fused activation for float32; SIGN_BIT and unknown values are unsupported. */
static inline tflc_status tflc_ops_act_f32(tflc_node *node, int kind, tflc_ops_act *act) {
    act->kind = kind;
    act->min = -INFINITY;
    act->max = INFINITY;
    switch (kind) {
    case ACT_NONE: case ACT_TANH: return TFLC_OK;
    case ACT_RELU: act->min = 0.0f; return TFLC_OK;
    case ACT_RELU_N1_TO_1: act->min = -1.0f; act->max = 1.0f; return TFLC_OK;
    case ACT_RELU6: act->min = 0.0f; act->max = 6.0f; return TFLC_OK;
    case ACT_SIGN_BIT:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "fused activation SIGN_BIT is not supported");
    default:
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown fused activation %d", kind);
    }
}

/* Clamp written with comparisons so that NaN passes through, as TFLite's std::min/max do. */
static inline float tflc_ops_clamp_f32(float x, float lo, float hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

static inline float tflc_ops_apply_act_f32(const tflc_ops_act *act, float x) {
    switch (act->kind) {
    case ACT_NONE: return x;
    case ACT_TANH: return tanhf(x);
    default: return tflc_ops_clamp_f32(x, act->min, act->max);
    }
}

static inline void tflc_ops_apply_act_f32_n(const tflc_ops_act *act, float *x, size_t n) {
    if (act->kind == ACT_NONE) return;
    for (size_t i = 0; i < n; i++) x[i] = tflc_ops_apply_act_f32(act, x[i]);
}

/* The clamp range of a fused activation on int32 values; TANH and SIGN_BIT have none. */
static inline tflc_status tflc_ops_act_i32(tflc_node *node, int kind, int32_t *lo, int32_t *hi) {
    *lo = INT32_MIN;
    *hi = INT32_MAX;
    switch (kind) {
    case ACT_NONE: return TFLC_OK;
    case ACT_RELU: *lo = 0; return TFLC_OK;
    case ACT_RELU_N1_TO_1: *lo = -1; *hi = 1; return TFLC_OK;
    case ACT_RELU6: *lo = 0; *hi = 6; return TFLC_OK;
    case ACT_TANH: case ACT_SIGN_BIT:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "fused activation %s is not supported for int32",
                              kind == ACT_TANH ? "TANH" : "SIGN_BIT");
    default:
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown fused activation %d", kind);
    }
}

/* ---------------------------------------------------------- broadcasting -- */

/* numpy broadcasting: shapes are aligned at their last dimension; each pair of dimensions
 * must be equal or one of them 1 (a 1 against 0 gives 0). Writes the result shape. */
static inline tflc_status tflc_ops_broadcast_shape(tflc_node *node, const tflc_tensor *a,
                                                   const tflc_tensor *b, int32_t *dims,
                                                   int *rank) {
    int r = a->rank > b->rank ? a->rank : b->rank;
    for (int d = 0; d < r; d++) {
        int ia = d - (r - a->rank), ib = d - (r - b->rank);
        int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            char sa[TFLC_OPS_SHAPE_BUF], sb[TFLC_OPS_SHAPE_BUF];
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "input shapes %s and %s cannot be broadcast together",
                                  tflc_ops_shape_str(a->dims, a->rank, sa, sizeof sa),
                                  tflc_ops_shape_str(b->dims, b->rank, sb, sizeof sb));
        }
        dims[d] = da == 1 ? db : da;
    }
    *rank = r;
    return TFLC_OK;
}

/* Element strides of tensor t seen through an output of rank `rank` and shape `dims`
 * (t's shape broadcast to it): 0 along broadcast dimensions. */
static inline void tflc_ops_broadcast_strides(const tflc_tensor *t, const int32_t *dims, int rank,
                                              int64_t *strides) {
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        int it = d - (rank - t->rank);
        int32_t dt = it >= 0 ? t->dims[it] : 1;
        strides[d] = (dt == 1 && dims[d] != 1) ? 0 : s;
        s *= dt;
    }
}

/* -------------------------------------------------------- quantization -- */

/* The tensor's quantization parameters, or NULL when it has none. */
static inline const tflc_quantization *tflc_ops_quant(const tflc_tensor *t) {
    if (!t->desc || t->desc->quant.count <= 0 || !t->desc->quant.scales) return NULL;
    return &t->desc->quant;
}

static inline int64_t tflc_ops_zero_point(const tflc_quantization *q, int i) {
    return q->zero_points ? q->zero_points[i] : 0;
}

/* True when both tensors carry the same quantization (or both none). */
static inline bool tflc_ops_same_quant(const tflc_tensor *a, const tflc_tensor *b) {
    const tflc_quantization *qa = tflc_ops_quant(a), *qb = tflc_ops_quant(b);
    if (!qa || !qb) return !qa && !qb;
    if (qa->count != qb->count) return false;
    if (qa->count > 1 && qa->quantized_dimension != qb->quantized_dimension) return false;
    for (int i = 0; i < qa->count; i++)
        if (qa->scales[i] != qb->scales[i] || tflc_ops_zero_point(qa, i) != tflc_ops_zero_point(qb, i))
            return false;
    return true;
}

/* Range of an integer dtype used for quantized values; false (and 0..0) for other dtypes. */
static inline bool tflc_ops_int_range(tflc_dtype dtype, int32_t *lo, int32_t *hi) {
    switch (dtype) {
    case TFLC_INT8: *lo = INT8_MIN; *hi = INT8_MAX; return true;
    case TFLC_UINT8: *lo = 0; *hi = UINT8_MAX; return true;
    case TFLC_INT16: *lo = INT16_MIN; *hi = INT16_MAX; return true;
    default: *lo = *hi = 0; return false;
    }
}

#endif
