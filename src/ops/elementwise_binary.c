/*
 * elementwise_binary.c -- ADD, SUB, MUL, DIV on float32 and int32, with numpy broadcasting
 * over any rank up to TFLC_MAX_RANK and a fused activation.
 *
 *   a [2,1,3]  b [4,1]  ->  out [2,4,3],  out[i][j][k] = act(a[i][0][k] OP b[j][0])
 *
 * Prepare turns the broadcast into a loop plan: output dims of size 1 are dropped, and
 * neighbouring dims are merged whenever both inputs walk them contiguously (or both
 * broadcast them), so same-shape operands become one flat row and [2,1,3]+[4,1] becomes
 * rows of 3 (a walks k, b repeats one value). Eval runs rows of the last plan dim, each
 * with its own stride per input (0 = repeat one value, 1 = walk).
 *
 * int32 follows TFLite: + - * wrap on overflow (computed in uint32, so no undefined
 * behaviour), / truncates toward zero, a zero divisor fails the run, and INT32_MIN / -1
 * gives INT32_MIN.
 */
#include "ops/ops.h"

typedef enum binary_op { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } binary_op;

typedef struct binary_params {
    binary_op op;
    tflc_dtype dtype;                   /* float32 or int32; same for inputs and output */
    tflc_ops_act act;                   /* float32 */
    int32_t act_min, act_max;           /* int32 */
    int rank;                           /* loop plan rank, >= 1 */
    int32_t dims[TFLC_MAX_RANK];        /* loop plan dims */
    int64_t stride_a[TFLC_MAX_RANK];    /* element strides of each input along the plan */
    int64_t stride_b[TFLC_MAX_RANK];
} binary_params;

/* ----------------------------------------------------------- loop plan -- */

/* Drops size-1 dims and merges dims d and d+1 where both inputs step through them as one
 * (stride[d] == stride[d+1] * dims[d+1]). An empty plan becomes one row of one element. */
static void binary_plan(binary_params *p, const int32_t *dims, int rank, const int64_t *sa,
                        const int64_t *sb) {
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (dims[d] == 1) continue;
        if (r > 0 && p->stride_a[r - 1] == sa[d] * dims[d] &&
            p->stride_b[r - 1] == sb[d] * dims[d] &&
            (int64_t)p->dims[r - 1] * dims[d] <= INT32_MAX) {
            p->dims[r - 1] *= dims[d];
            p->stride_a[r - 1] = sa[d];
            p->stride_b[r - 1] = sb[d];
            continue;
        }
        p->dims[r] = dims[d];
        p->stride_a[r] = sa[d];
        p->stride_b[r] = sb[d];
        r++;
    }
    if (r == 0) {
        p->dims[0] = 1;
        p->stride_a[0] = p->stride_b[0] = 0;
        r = 1;
    }
    p->rank = r;
}

/* ------------------------------------------------------------- prepare -- */

static tflc_status binary_check_dtypes(tflc_node *node) {
    const tflc_tensor *a = node->inputs[0], *b = node->inputs[1];
    if (a->dtype != TFLC_FLOAT32 && a->dtype != TFLC_INT32)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported yet (float32 and int32 are)",
                              tflc_dtype_name(a->dtype));
    tflc_status s = tflc_ops_expect_dtype(node, b, "input", 1, a->dtype);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    return s;
}

/* ADD and SUB keep the activation in slot 0 of AddOptions/SubOptions, MUL and DIV in slot 0
 * of MulOptions/DivOptions. */
static tflc_status binary_read_activation(tflc_node *node, binary_params *p, uint8_t opts_type) {
    const uint8_t *opts = tflc_ops_options(node, opts_type);
    int kind = opts ? fb_i8(opts, ADD_OPT_ACTIVATION, 0) : ACT_NONE;
    if (p->dtype == TFLC_INT32) return tflc_ops_act_i32(node, kind, &p->act_min, &p->act_max);
    return tflc_ops_act_f32(node, kind, &p->act);
}

static tflc_status binary_prepare(tflc_node *node, binary_op op, uint8_t opts_type) {
    binary_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = binary_check_dtypes(node);
    if (s != TFLC_OK) return s;
    p->op = op;
    p->dtype = node->inputs[0]->dtype;
    s = binary_read_activation(node, p, opts_type);
    if (s != TFLC_OK) return s;

    int32_t dims[TFLC_MAX_RANK];
    int rank = 0;
    s = tflc_ops_broadcast_shape(node, node->inputs[0], node->inputs[1], dims, &rank);
    if (s == TFLC_OK) s = tflc_node_set_output_shape(node, 0, dims, rank);
    if (s != TFLC_OK) return s;

    int64_t sa[TFLC_MAX_RANK], sb[TFLC_MAX_RANK];
    tflc_ops_broadcast_strides(node->inputs[0], dims, rank, sa);
    tflc_ops_broadcast_strides(node->inputs[1], dims, rank, sb);
    binary_plan(p, dims, rank, sa, sb);
    return TFLC_OK;
}

static tflc_status add_prepare(tflc_node *node) { return binary_prepare(node, BIN_ADD, BO_Add); }
static tflc_status sub_prepare(tflc_node *node) { return binary_prepare(node, BIN_SUB, BO_Sub); }
static tflc_status mul_prepare(tflc_node *node) { return binary_prepare(node, BIN_MUL, BO_Mul); }
static tflc_status div_prepare(tflc_node *node) { return binary_prepare(node, BIN_DIV, BO_Div); }

/* ---------------------------------------------------------------- rows -- */

/* One row of n output elements; a and b advance by sa and sb elements per output. */
typedef void (*binary_row_fn)(const binary_params *p, const void *a, int64_t sa, const void *b,
                              int64_t sb, void *out, int32_t n);

static void row_f32(const binary_params *p, const void *va, int64_t sa, const void *vb,
                    int64_t sb, void *vout, int32_t n) {
    const float *a = va, *b = vb;
    float *out = vout;
    switch (p->op) {
    case BIN_ADD: for (int32_t i = 0; i < n; i++) out[i] = a[i * sa] + b[i * sb]; break;
    case BIN_SUB: for (int32_t i = 0; i < n; i++) out[i] = a[i * sa] - b[i * sb]; break;
    case BIN_MUL: for (int32_t i = 0; i < n; i++) out[i] = a[i * sa] * b[i * sb]; break;
    case BIN_DIV: for (int32_t i = 0; i < n; i++) out[i] = a[i * sa] / b[i * sb]; break;
    }
    tflc_ops_apply_act_f32_n(&p->act, out, (size_t)n);
}

/* Wrapping arithmetic through uint32; the conversion back is modular on every compiler
 * tflc supports (two's complement). */
static int32_t i32_wrap(uint32_t v) { return (int32_t)v; }

static int32_t i32_div(int32_t a, int32_t b) {
    if (b == -1) return a == INT32_MIN ? INT32_MIN : -a;   /* -INT32_MIN overflows */
    return a / b;                                          /* b != 0: checked before */
}

static int32_t i32_op(binary_op op, int32_t a, int32_t b) {
    switch (op) {
    case BIN_ADD: return i32_wrap((uint32_t)a + (uint32_t)b);
    case BIN_SUB: return i32_wrap((uint32_t)a - (uint32_t)b);
    case BIN_MUL: return i32_wrap((uint32_t)a * (uint32_t)b);
    case BIN_DIV: return i32_div(a, b);
    }
    return 0;
}

static void row_i32(const binary_params *p, const void *va, int64_t sa, const void *vb,
                    int64_t sb, void *vout, int32_t n) {
    const int32_t *a = va, *b = vb;
    int32_t *out = vout;
    for (int32_t i = 0; i < n; i++) {
        int32_t v = i32_op(p->op, a[i * sa], b[i * sb]);
        out[i] = v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v);
    }
}

/* ---------------------------------------------------------------- eval -- */

/* Walks the loop plan: an odometer over dims[0 .. rank-1) with one row per position. */
static void binary_walk(const binary_params *p, const char *a, const char *b, char *out,
                        size_t esize, binary_row_fn row) {
    const int outer_rank = p->rank - 1;
    const int32_t n = p->dims[outer_rank];
    const int64_t sa = p->stride_a[outer_rank], sb = p->stride_b[outer_rank];
    int32_t idx[TFLC_MAX_RANK] = {0};
    int64_t oa = 0, ob = 0;
    size_t rows = tflc_shape_count(p->dims, outer_rank);

    for (size_t r = 0; r < rows; r++) {
        row(p, a + (size_t)oa * esize, sa, b + (size_t)ob * esize, sb, out + r * (size_t)n * esize,
            n);
        for (int d = outer_rank - 1; d >= 0; d--) {
            oa += p->stride_a[d];
            ob += p->stride_b[d];
            if (++idx[d] < p->dims[d]) break;
            oa -= p->stride_a[d] * p->dims[d];
            ob -= p->stride_b[d] * p->dims[d];
            idx[d] = 0;
        }
    }
}

/* TFLite fails an int32 DIV whose divisor holds a zero, before writing anything. */
static tflc_status check_divisor(tflc_node *node) {
    const tflc_tensor *b = node->inputs[1];
    const int32_t *v = b->data;
    size_t n = tflc_tensor_count(b);
    for (size_t i = 0; i < n; i++)
        if (v[i] == 0)
            return tflc_node_fail(node, TFLC_ERROR_RUNTIME,
                                  "integer division by zero (element %zu of input 1)", i);
    return TFLC_OK;
}

static tflc_status binary_eval(tflc_node *node) {
    const binary_params *p = node->params;
    tflc_tensor *out = node->outputs[0];
    if (tflc_tensor_count(out) == 0) return TFLC_OK;
    if (p->dtype == TFLC_INT32 && p->op == BIN_DIV) {
        tflc_status s = check_divisor(node);
        if (s != TFLC_OK) return s;
    }
    binary_row_fn row = p->dtype == TFLC_INT32 ? row_i32 : row_f32;
    binary_walk(p, node->inputs[0]->data, node->inputs[1]->data, out->data, 4, row);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_add = {
    .name = "ADD",
    .params_size = sizeof(binary_params),
    .prepare = add_prepare,
    .eval = binary_eval,
};
const tflc_kernel tflc_kernel_sub = {
    .name = "SUB",
    .params_size = sizeof(binary_params),
    .prepare = sub_prepare,
    .eval = binary_eval,
};
const tflc_kernel tflc_kernel_mul = {
    .name = "MUL",
    .params_size = sizeof(binary_params),
    .prepare = mul_prepare,
    .eval = binary_eval,
};
const tflc_kernel tflc_kernel_div = {
    .name = "DIV",
    .params_size = sizeof(binary_params),
    .prepare = div_prepare,
    .eval = binary_eval,
};
