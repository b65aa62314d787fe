/*
 * comparison.c -- EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL with numpy
 * broadcasting; the output is bool.
 *
 *   float32, int32, int64, int16 (plain)        compared as values
 *   int8, uint8 (quantized)                     compared after rescaling (below)
 *   int16 (quantized)                           EQUAL / NOT_EQUAL rescale; the ordered
 *                                               comparisons compare raw values (LiteRT does)
 *   bool, string                                EQUAL / NOT_EQUAL only
 *
 * Quantized inputs may have different scales and zero points. LiteRT moves both onto a
 * common fixed-point grid: ((q - zero_point) << 8) * scale as a Q31 multiplier, rounded the
 * gemmlowp way, and compares those integers; this file does the same, so ties and
 * near-ties come out as in LiteRT.
 */
#include "core/strings.h"
#include "ops/math_common.h"

typedef enum cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } cmp_op;

typedef enum cmp_mode { CM_FLOAT, CM_INT, CM_SCALED, CM_STRING } cmp_mode;

typedef struct cmp_params {
    cmp_op op;
    cmp_mode mode;
    tflc_dtype dtype;
    int32_t offset[2], mult[2];       /* CM_SCALED */
    int shift[2];
    math_plan plan;
} cmp_params;

static const char *const cmp_names[] = {"EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER",
                                        "GREATER_EQUAL"};

/* ------------------------------------------------------------- prepare -- */

static tflc_status cmp_check_dtype(tflc_node *node, cmp_op op, tflc_dtype d) {
    bool eq = op == CMP_EQ || op == CMP_NE;
    switch (d) {
    case TFLC_FLOAT32: case TFLC_INT32: case TFLC_INT64: case TFLC_INT16: case TFLC_INT8:
    case TFLC_UINT8:
        return TFLC_OK;
    case TFLC_BOOL: case TFLC_STRING:
        if (eq) return TFLC_OK;
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported by %s (only by EQUAL and NOT_EQUAL)",
                              tflc_dtype_name(d), cmp_names[op]);
    default:
        return math_unsupported_dtype(node, d, eq ? "float32, int8, uint8, int16, int32, int64, "
                                                    "bool and string"
                                                  : "float32, int8, uint8, int16, int32 and int64");
    }
}

/* LiteRT takes each input's scale itself as the Q31 multiplier (after a left shift of 8). */
static tflc_status cmp_setup_scaled(tflc_node *node, cmp_params *p) {
    for (int k = 0; k < 2; k++) {
        math_qparams q;
        tflc_status s = math_qparams_of(node, node->inputs[k], "input", k, &q);
        if (s != TFLC_OK) return s;
        if (!(q.scale < 1.0f))
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                                  "input %d scale %g is not below 1, which LiteRT's quantized "
                                  "comparison requires", k, (double)q.scale);
        p->offset[k] = -q.zero_point;
        math_quantize_multiplier((double)q.scale, &p->mult[k], &p->shift[k]);
    }
    p->mode = CM_SCALED;
    return TFLC_OK;
}

static cmp_mode cmp_mode_of(cmp_op op, const tflc_tensor *a) {
    switch (a->dtype) {
    case TFLC_FLOAT32: return CM_FLOAT;
    case TFLC_STRING: return CM_STRING;
    case TFLC_INT8: case TFLC_UINT8: return CM_SCALED;
    case TFLC_INT16:
        return (op == CMP_EQ || op == CMP_NE) && tflc_ops_quant(a) ? CM_SCALED : CM_INT;
    default: return CM_INT;
    }
}

static tflc_status cmp_prepare(tflc_node *node, cmp_op op) {
    cmp_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *a = node->inputs[0];
    s = cmp_check_dtype(node, op, a->dtype);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->inputs[1], "input", 1, a->dtype);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_BOOL);
    if (s != TFLC_OK) return s;
    p->op = op;
    p->dtype = a->dtype;
    p->mode = cmp_mode_of(op, a);
    if (p->mode == CM_SCALED) s = cmp_setup_scaled(node, p);
    if (s != TFLC_OK) return s;
    return math_plan_prepare(node, node->inputs, 2, &p->plan);
}

#define CMP_PREPARE(fn, OP) \
    static tflc_status fn(tflc_node *node) { return cmp_prepare(node, OP); }
CMP_PREPARE(equal_prepare, CMP_EQ)
CMP_PREPARE(not_equal_prepare, CMP_NE)
CMP_PREPARE(less_prepare, CMP_LT)
CMP_PREPARE(less_equal_prepare, CMP_LE)
CMP_PREPARE(greater_prepare, CMP_GT)
CMP_PREPARE(greater_equal_prepare, CMP_GE)

/* ---------------------------------------------------------------- rows -- */

/* C comparisons: a NaN operand makes every comparison false except NOT_EQUAL, as in TFLite. */
#define CMP_APPLY(op, a, b)                                                                 \
    ((op) == CMP_EQ ? (a) == (b) : (op) == CMP_NE ? (a) != (b) : (op) == CMP_LT ? (a) < (b) \
     : (op) == CMP_LE ? (a) <= (b) : (op) == CMP_GT ? (a) > (b) : (a) >= (b))

static void row_float(const math_row *row) {
    const cmp_params *p = row->ctx;
    const float *a = MATH_ROW_IN(row, 0, float), *b = MATH_ROW_IN(row, 1, float);
    bool *out = MATH_ROW_OUT(row, bool);
    for (int32_t i = 0; i < row->n; i++)
        out[i] = CMP_APPLY(p->op, a[i * row->step[0]], b[i * row->step[1]]);
}

static int64_t cmp_load(const void *data, int64_t i, tflc_dtype d) {
    switch (d) {
    case TFLC_BOOL: return ((const bool *)data)[i];
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    case TFLC_INT16: return ((const int16_t *)data)[i];
    case TFLC_INT32: return ((const int32_t *)data)[i];
    default: return ((const int64_t *)data)[i];
    }
}

static void row_int(const math_row *row) {
    const cmp_params *p = row->ctx;
    bool *out = MATH_ROW_OUT(row, bool);
    for (int32_t i = 0; i < row->n; i++) {
        int64_t a = cmp_load(row->in[0], row->off[0] + i * row->step[0], p->dtype);
        int64_t b = cmp_load(row->in[1], row->off[1] + i * row->step[1], p->dtype);
        out[i] = CMP_APPLY(p->op, a, b);
    }
}

/* LiteRT's ComparisonWithScaling: (q - zero point) << 8, times the scale in Q31. */
static int32_t cmp_scale(const cmp_params *p, int k, int64_t q) {
    return math_mbqm((int32_t)(q + p->offset[k]) * (1 << 8), p->mult[k], p->shift[k]);
}

static void row_scaled(const math_row *row) {
    const cmp_params *p = row->ctx;
    bool *out = MATH_ROW_OUT(row, bool);
    for (int32_t i = 0; i < row->n; i++) {
        int32_t a = cmp_scale(p, 0, cmp_load(row->in[0], row->off[0] + i * row->step[0], p->dtype));
        int32_t b = cmp_scale(p, 1, cmp_load(row->in[1], row->off[1] + i * row->step[1], p->dtype));
        out[i] = CMP_APPLY(p->op, a, b);
    }
}

/* Strings compare as byte sequences (EQUAL / NOT_EQUAL); in[] holds the tensors here. */
static void row_string(const math_row *row) {
    const cmp_params *p = row->ctx;
    bool *out = MATH_ROW_OUT(row, bool);
    for (int32_t i = 0; i < row->n; i++) {
        size_t la = 0, lb = 0;
        const char *a = tflc_strings_get(row->in[0], (size_t)(row->off[0] + i * row->step[0]), &la);
        const char *b = tflc_strings_get(row->in[1], (size_t)(row->off[1] + i * row->step[1]), &lb);
        bool eq = la == lb && (la == 0 || memcmp(a, b, la) == 0);
        out[i] = p->op == CMP_EQ ? eq : !eq;
    }
}

/* ---------------------------------------------------------------- eval -- */

static tflc_status cmp_eval(tflc_node *node) {
    const cmp_params *p = node->params;
    if (tflc_tensor_count(node->outputs[0]) == 0) return TFLC_OK;
    const void *in[2] = {node->inputs[0]->data, node->inputs[1]->data};
    if (p->mode == CM_STRING) {
        in[0] = node->inputs[0];
        in[1] = node->inputs[1];
    }
    static const math_row_fn rows[] = {[CM_FLOAT] = row_float, [CM_INT] = row_int,
                                       [CM_SCALED] = row_scaled, [CM_STRING] = row_string};
    math_plan_walk(&p->plan, p, in, node->outputs[0]->data, rows[p->mode]);
    return TFLC_OK;
}

#define CMP_KERNEL(var, NAME, prep)                                                         \
    const tflc_kernel var = {                                                               \
        .name = NAME, .params_size = sizeof(cmp_params), .prepare = prep, .eval = cmp_eval, \
    }

CMP_KERNEL(tflc_kernel_equal, "EQUAL", equal_prepare);
CMP_KERNEL(tflc_kernel_not_equal, "NOT_EQUAL", not_equal_prepare);
CMP_KERNEL(tflc_kernel_less, "LESS", less_prepare);
CMP_KERNEL(tflc_kernel_less_equal, "LESS_EQUAL", less_equal_prepare);
CMP_KERNEL(tflc_kernel_greater, "GREATER", greater_prepare);
CMP_KERNEL(tflc_kernel_greater_equal, "GREATER_EQUAL", greater_equal_prepare);
