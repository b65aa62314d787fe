/*
 * test_ops.c -- builtin kernels called directly: hand-built tensors and nodes, prepare, then
 * eval, compared with golden arrays worked out from each op's definition (and, for the
 * quantized paths, from TFLite's rounding rules). No model file and no real runner: the
 * fixture (opcase, oc_*, opt_*, the comparisons) is tests/op_harness.h.
 */
#include <float.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "test.h"
#include "op_harness.h"

/* ===================================================== FULLY_CONNECTED == */

/* in [2,3] x weights [2,3]^T + bias [2]:
 *   row 0: 1-3+0.5 = -1.5,  0.5*(1+2+3)-1 = 2;   row 1: 4-6+0.5 = -1.5,  0.5*15-1 = 6.5 */
static void test_fc_basic(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d2[] = {2}, want_dims[] = {2, 2};
    const float in[] = {1, 2, 3, 4, 5, 6}, w[] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, bias[] = {0.5f, -1};
    const float want[] = {-1.5f, 2.0f, -1.5f, 6.5f};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_in(&c, F32, 2, d23, in);
    oc_const(&c, F32, 2, d23, w);
    oc_const(&c, F32, 1, d2, bias);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, want_dims));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* Same without bias (input index -1) and with RELU: {-2, 3, -2, 7.5} -> {0, 3, 0, 7.5}. */
static void test_fc_no_bias_relu(void) {
    opcase c;
    const int32_t d23[] = {2, 3};
    const float in[] = {1, 2, 3, 4, 5, 6}, w[] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
    const float want[] = {0, 3, 0, 7.5f};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, ACT_RELU);
    oc_in(&c, F32, 2, d23, in);
    oc_const(&c, F32, 2, d23, w);
    oc_no_input(&c);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* [2,2,3] is read as [4,3]; weights [1,3] of ones sum each row: 6, 15, 24, 33 -> [4,1]. */
static void test_fc_flattens_input(void) {
    opcase c;
    const int32_t d223[] = {2, 2, 3}, d13[] = {1, 3}, want_dims[] = {4, 1};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, w[] = {1, 1, 1};
    const float want[] = {6, 15, 24, 33};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_in(&c, F32, 3, d223, in);
    oc_const(&c, F32, 2, d13, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, want_dims));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* keep_num_dims: [2,2,3] -> [2,2,2]; weights pick elements 0 and 2 of each row. */
static void test_fc_keep_num_dims(void) {
    opcase c;
    const int32_t d223[] = {2, 2, 3}, d23[] = {2, 3}, want_dims[] = {2, 2, 2};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, w[] = {1, 0, 0, 0, 0, 1};
    const float want[] = {1, 3, 4, 6, 7, 9, 10, 12};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_KEEP_NUM_DIMS, 1);
    oc_in(&c, F32, 3, d223, in);
    oc_const(&c, F32, 2, d23, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, want_dims));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* Weight 1, no bias: the output is the activation of the input. */
static void test_fc_activations(void) {
    static const struct { int act; float want[4]; } cases[] = {
        {ACT_RELU6, {0, 0.5f, 3, 6}},
        {ACT_RELU_N1_TO_1, {-1, 0.5f, 1, 1}},
        {ACT_TANH, {-0.96402758f, 0.46211716f, 0.99505475f, 0.99999834f}},
        {ACT_NONE, {-2, 0.5f, 3, 7}},
    };
    const int32_t d41[] = {4, 1}, d11[] = {1, 1};
    const float in[] = {-2, 0.5f, 3, 7}, w[] = {1};
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        oc_init(&c, &tflc_kernel_fully_connected);
        oc_options(&c, BO_FullyConnected);
        opt_i8(&c, FC_OPT_ACTIVATION, cases[k].act);
        oc_in(&c, F32, 2, d41, in);
        oc_const(&c, F32, 2, d11, w);
        tflc_tensor *out = oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        CHECK_MSG(f32_near(out, cases[k].want, 4, 1e-6f), "activation %d", cases[k].act);
        oc_free(&c);
    }
}

static void test_fc_errors(void) {
    const int32_t d23[] = {2, 3}, d24[] = {2, 4}, d3[] = {3}, d32[] = {3, 2};
    opcase c;

    oc_init(&c, &tflc_kernel_fully_connected);           /* int8 without quantization */
    oc_in(&c, TFLC_INT8, 2, d23, NULL);
    oc_const(&c, TFLC_INT8, 2, d23, NULL);
    oc_out(&c, TFLC_INT8);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "has no quantization parameters");

    oc_init(&c, &tflc_kernel_fully_connected);           /* hybrid weights without scales */
    oc_in(&c, F32, 2, d23, NULL);
    oc_const(&c, TFLC_INT8, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "has no quantization parameters");

    oc_init(&c, &tflc_kernel_fully_connected);           /* weights must be 2-D */
    oc_in(&c, F32, 2, d23, NULL);
    oc_const(&c, F32, 1, d3, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "rank 2");

    oc_init(&c, &tflc_kernel_fully_connected);           /* bias [3] for 2 units */
    oc_in(&c, F32, 2, d23, NULL);
    oc_const(&c, F32, 2, d23, NULL);
    oc_const(&c, F32, 1, d3, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "bias");

    oc_init(&c, &tflc_kernel_fully_connected);           /* 8 elements, K = 3 */
    oc_in(&c, F32, 2, d24, NULL);
    oc_const(&c, F32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "not a multiple");

    oc_init(&c, &tflc_kernel_fully_connected);           /* keep_num_dims, last dim 2 != 3 */
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_KEEP_NUM_DIMS, 1);
    oc_in(&c, F32, 2, d32, NULL);
    oc_const(&c, F32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "keep_num_dims");

    oc_init(&c, &tflc_kernel_fully_connected);           /* shuffled weights */
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_WEIGHTS_FORMAT, 1);
    oc_in(&c, F32, 2, d23, NULL);
    oc_const(&c, F32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "weights_format");

    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, ACT_SIGN_BIT);
    oc_in(&c, F32, 2, d23, NULL);
    oc_const(&c, F32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "SIGN_BIT");

    oc_init(&c, &tflc_kernel_fully_connected);           /* weights missing */
    oc_in(&c, F32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "expected 2 to 3 inputs, got 1");
}

/* Options of another union type are ignored (defaults), never misread. */
static void test_fc_wrong_options_type(void) {
    opcase c;
    const int32_t d23[] = {2, 3};
    const float in[] = {1, 2, 3, 4, 5, 6}, w[] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
    const float want[] = {-2, 3, -2, 7.5f};
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_Softmax);
    opt_i8(&c, FC_OPT_ACTIVATION, ACT_RELU);
    oc_in(&c, F32, 2, d23, in);
    oc_const(&c, F32, 2, d23, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* ============================================================ ADD/SUB/MUL/DIV == */

static tflc_tensor *binary_case(opcase *c, const tflc_kernel *k, tflc_dtype dt, int ra,
                                const int32_t *da, const void *a, int rb, const int32_t *db,
                                const void *b, int act) {
    oc_init(c, k);
    if (act != ACT_NONE) {
        uint8_t type = k == &tflc_kernel_add ? BO_Add : k == &tflc_kernel_sub ? BO_Sub
                     : k == &tflc_kernel_mul ? BO_Mul : BO_Div;
        oc_options(c, type);
        opt_i8(c, 0, act);
    }
    oc_in(c, dt, ra, da, a);
    oc_in(c, dt, rb, db, b);
    return oc_out(c, dt);
}

static void test_add_same_shape(void) {
    opcase c;
    const int32_t d[] = {2, 2};
    const float a[] = {1, 2, 3, 4}, b[] = {10, 20, 30, 40}, want[] = {11, 22, 33, 44};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_add, F32, 2, d, a, 2, d, b, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* [2,1,3] + [4,1] -> [2,4,3]: out[i][j][k] = a[i][k] + b[j]. */
static void test_add_broadcast_3d(void) {
    opcase c;
    const int32_t da[] = {2, 1, 3}, db[] = {4, 1}, want_dims[] = {2, 4, 3};
    const float a[] = {1, 2, 3, 10, 20, 30}, b[] = {100, 200, 300, 400};
    const float want[] = {
        101, 102, 103, 201, 202, 203, 301, 302, 303, 401, 402, 403,
        110, 120, 130, 210, 220, 230, 310, 320, 330, 410, 420, 430,
    };
    tflc_tensor *out = binary_case(&c, &tflc_kernel_add, F32, 3, da, a, 2, db, b, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, want_dims));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* A scalar on either side: [3] - [] and [] - [3]. */
static void test_sub_scalar(void) {
    opcase c;
    const int32_t d3[] = {3};
    const float v[] = {1, 2, 3}, half[] = {0.5f}, ten[] = {10};
    const float want1[] = {0.5f, 1.5f, 2.5f}, want2[] = {9, 8, 7};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_sub, F32, 1, d3, v, 0, NULL, half, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 1, d3));
    CHECK(f32_near(out, want1, N(want1), 0));
    oc_free(&c);
    out = binary_case(&c, &tflc_kernel_sub, F32, 0, NULL, ten, 1, d3, v, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 1, d3));
    CHECK(f32_near(out, want2, N(want2), 0));
    oc_free(&c);
}

/* [2,3] * [3] with RELU: products {1,-4,-3,-4,10,6} -> {1,0,0,0,10,6}. */
static void test_mul_broadcast_relu(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d3[] = {3};
    const float a[] = {1, -2, 3, -4, 5, -6}, b[] = {1, 2, -1}, want[] = {1, 0, 0, 0, 10, 6};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_mul, F32, 2, d23, a, 1, d3, b, ACT_RELU);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d23));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* float division by zero is IEEE (inf), not an error. */
static void test_div_float(void) {
    opcase c;
    const int32_t d[] = {4};
    /* LiteRT clamps float results to [-FLT_MAX, FLT_MAX] even with no activation: 1/0 is FLT_MAX */
    const float a[] = {1, -6, 7, 1}, b[] = {2, 3, 0.5f, 0}, want[] = {0.5f, -2, 14, FLT_MAX};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_div, F32, 1, d, a, 1, d, b, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* ADD with a fused TANH: LiteRT's float ADD ignores it (checked on a converted model whose
 * activation was edited to TANH), so {0,1} + {0,0} stays {0, 1}. */
static void test_add_tanh(void) {
    opcase c;
    const int32_t d[] = {2};
    const float a[] = {0, 1}, b[] = {0, 0}, want[] = {0, 1};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_add, F32, 1, d, a, 1, d, b, ACT_TANH);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 1e-6f));
    oc_free(&c);
}

/* int32 wraps like TFLite (two's complement) instead of trapping. */
static void test_int32_add_sub_mul(void) {
    opcase c;
    const int32_t d4[] = {4};
    const int32_t a[] = {1, 5, -3, INT32_MAX}, two[] = {2};
    const int32_t want_add[] = {3, 7, -1, INT32_MIN + 1};
    const int32_t want_sub[] = {-1, 3, -5, INT32_MAX - 2};
    const int32_t m[] = {1, 2, 3, -4}, want_mul[] = {2, 4, 6, 0};     /* RELU6 */
    tflc_tensor *out = binary_case(&c, &tflc_kernel_add, I32, 1, d4, a, 0, NULL, two, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, want_add, 4));
    oc_free(&c);
    out = binary_case(&c, &tflc_kernel_sub, I32, 1, d4, a, 0, NULL, two, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, want_sub, 4));
    oc_free(&c);
    out = binary_case(&c, &tflc_kernel_mul, I32, 1, d4, m, 0, NULL, two, ACT_RELU6);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, want_mul, 4));
    oc_free(&c);
}

/* Truncating division; INT32_MIN / -1 stays INT32_MIN instead of trapping. */
static void test_div_int32(void) {
    opcase c;
    const int32_t d[] = {6};
    const int32_t a[] = {7, -7, 7, -7, INT32_MIN, 9}, b[] = {2, 2, -2, -2, -1, 10};
    const int32_t want[] = {3, -3, -3, 3, INT32_MIN, 0};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_div, I32, 1, d, a, 1, d, b, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(out, want, N(want)));
    oc_free(&c);
}

static void test_div_int32_by_zero(void) {
    opcase c;
    const int32_t d[] = {3};
    const int32_t a[] = {1, 2, 3}, b[] = {1, 0, 1};
    binary_case(&c, &tflc_kernel_div, I32, 1, d, a, 1, d, b, ACT_NONE);
    CHECK_OK(oc_prepare(&c));
    CHECK(oc_eval(&c) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc_last_error(), "division by zero");
    oc_free(&c);
}

/* Rank 8: [2,1,2,1,2,1,2,1] + [1,2,1,2,1,2,1,2] -> [2]*8, each output the sum of the a and b
 * elements its index selects (a by the even axes, b by the odd ones). */
static void test_add_rank8(void) {
    opcase c;
    const int32_t da[] = {2, 1, 2, 1, 2, 1, 2, 1}, db[] = {1, 2, 1, 2, 1, 2, 1, 2};
    const int32_t want_dims[] = {2, 2, 2, 2, 2, 2, 2, 2};
    float a[16], b[16], want[256];
    for (int i = 0; i < 16; i++) { a[i] = (float)i; b[i] = 100.0f * (float)i; }
    for (int i = 0; i < 256; i++) {
        int bit[8];
        for (int d = 0; d < 8; d++) bit[d] = (i >> (7 - d)) & 1;
        int ia = bit[0] * 8 + bit[2] * 4 + bit[4] * 2 + bit[6];
        int ib = bit[1] * 8 + bit[3] * 4 + bit[5] * 2 + bit[7];
        want[i] = a[ia] + b[ib];
    }
    tflc_tensor *out = binary_case(&c, &tflc_kernel_add, F32, 8, da, a, 8, db, b, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 8, want_dims));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* Random shapes up to rank 5 where each dim of each side is the output's or 1 (or missing),
 * checked element by element against broadcast_index: exercises the dim merging. */
static void test_sub_broadcast_random(void) {
    uint32_t seed = 12345;
    for (int round = 0; round < 200; round++) {
        int32_t out_dims[5], da[5], db[5], idx[5];
        float a[256], b[256];
        seed = seed * 1103515245u + 12345u;
        int rank = 1 + (int)(seed >> 16) % 5;
        int ra = rank - (int)((seed >> 8) & 1), rb = rank - (int)((seed >> 9) & 1);
        for (int d = 0; d < rank; d++) {
            seed = seed * 1103515245u + 12345u;
            out_dims[d] = 1 + (int32_t)((seed >> 16) % 3);
        }
        for (int d = 0; d < ra; d++) {
            seed = seed * 1103515245u + 12345u;
            da[d] = (seed >> 20) & 1 ? 1 : out_dims[rank - ra + d];
        }
        for (int d = 0; d < rb; d++) {
            seed = seed * 1103515245u + 12345u;
            db[d] = (seed >> 21) & 1 ? 1 : out_dims[rank - rb + d];
        }
        for (int i = 0; i < 256; i++) { a[i] = (float)i; b[i] = 1000.0f * (float)i; }
        opcase c;
        tflc_tensor *out = binary_case(&c, &tflc_kernel_sub, F32, ra, da, a, rb, db, b, ACT_NONE);
        CHECK_OK(oc_run(&c));
        const float *o = out->data;
        size_t n = tflc_tensor_count(out);
        for (size_t k = 0; k < n; k++) {
            size_t rem = k;
            for (int d = out->rank - 1; d >= 0; d--) {
                idx[d] = (int32_t)(rem % (size_t)out->dims[d]);
                rem /= (size_t)out->dims[d];
            }
            float want = a[broadcast_index(c.ins[0], idx, out->rank)] -
                         b[broadcast_index(c.ins[1], idx, out->rank)];
            if (o[k] != want) {
                CHECK_MSG(o[k] == want, "round %d, element %zu: %g, expected %g", round, k,
                          (double)o[k], (double)want);
                break;
            }
        }
        oc_free(&c);
    }
}

/* [0,3] + [1,3] -> [0,3]: nothing to compute, nothing touched. */
static void test_add_empty(void) {
    opcase c;
    const int32_t da[] = {0, 3}, db[] = {1, 3};
    const float b[] = {1, 2, 3};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_add, F32, 2, da, NULL, 2, db, b, ACT_NONE);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, da));
    oc_free(&c);
}

/* A second prepare (after a resize) replans the broadcast. */
static void test_add_reprepare(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d3[] = {3}, d43[] = {4, 3};
    const float a[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, b[] = {10, 20, 30};
    const float want[] = {11, 22, 33, 14, 25, 36, 17, 28, 39, 20, 31, 42};
    tflc_tensor *out = binary_case(&c, &tflc_kernel_add, F32, 2, d23, NULL, 1, d3, b, ACT_NONE);
    CHECK_OK(oc_prepare(&c));
    tflc_tensor *in = c.ins[0];
    in->dims[0] = d43[0];
    in->bytes = 12 * sizeof(float);
    in->data = oc_own(&c, in->bytes);
    memcpy(in->data, a, in->bytes);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d43));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

static void test_binary_errors(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d4[] = {4}, d3[] = {3};

    oc_init(&c, &tflc_kernel_add);
    oc_in(&c, F32, 2, d23, NULL);
    oc_in(&c, I32, 2, d23, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input 1 has dtype int32, expected float32");

    binary_case(&c, &tflc_kernel_mul, F32, 2, d23, NULL, 1, d4, NULL, ACT_NONE);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "[2,3] and [4] cannot be broadcast");

    binary_case(&c, &tflc_kernel_add, TFLC_BOOL, 1, d3, NULL, 1, d3, NULL, ACT_NONE);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "bool inputs are not supported");

    binary_case(&c, &tflc_kernel_sub, F32, 1, d3, NULL, 1, d3, NULL, ACT_SIGN_BIT);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "SIGN_BIT");

    oc_init(&c, &tflc_kernel_div);
    oc_in(&c, F32, 1, d3, NULL);
    oc_in(&c, F32, 1, d3, NULL);
    oc_out(&c, I32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype int32");

    oc_init(&c, &tflc_kernel_add);
    oc_in(&c, F32, 1, d3, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "expected 2 inputs, got 1");
}

/* ========================================================= activations == */

static void test_activations(void) {
    static const struct { const tflc_kernel *k; float want[6]; } cases[] = {
        {&tflc_kernel_relu, {0, 0, 0, 0.5f, 1, 10}},
        {&tflc_kernel_relu6, {0, 0, 0, 0.5f, 1, 6}},
        {&tflc_kernel_relu_n1_to_1, {-1, -1, 0, 0.5f, 1, 1}},
        {&tflc_kernel_logistic,
         {4.5397868e-05f, 0.26894142f, 0.5f, 0.62245933f, 0.73105858f, 0.99995460f}},
        {&tflc_kernel_tanh, {-1, -0.76159416f, 0, 0.46211716f, 0.76159416f, 1}},
    };
    const int32_t d[] = {2, 3};
    const float in[] = {-10, -1, 0, 0.5f, 1, 10};
    for (size_t k = 0; k < N(cases); k++) {
        opcase c;
        oc_init(&c, cases[k].k);
        oc_in(&c, F32, 2, d, in);
        tflc_tensor *out = oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        CHECK(shape_is(out, 2, d));
        CHECK_MSG(f32_near(out, cases[k].want, 6, 1e-6f), "%s", cases[k].k->name);
        oc_free(&c);
    }
}

/* NaN goes through RELU (TFLite's std::max keeps it); logistic of -inf/inf is 0/1. */
static void test_activations_special(void) {
    opcase c;
    const int32_t d[] = {3};
    const float in[] = {NAN, -INFINITY, INFINITY};
    oc_init(&c, &tflc_kernel_relu);
    oc_in(&c, F32, 1, d, in);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    const float *o = out->data;
    CHECK(isnan(o[0]) && o[1] == 0 && isinf(o[2]));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_logistic);
    oc_in(&c, F32, 1, d, in);
    out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    o = out->data;
    CHECK(isnan(o[0]) && o[1] == 0 && o[2] == 1);
    oc_free(&c);
}

static void test_activation_errors(void) {
    opcase c;
    const int32_t d[] = {3};
    oc_init(&c, &tflc_kernel_relu6);
    oc_in(&c, TFLC_INT32, 1, d, NULL);
    oc_out(&c, TFLC_INT32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "int32 inputs are not supported");
    oc_init(&c, &tflc_kernel_tanh);
    oc_in(&c, F32, 1, d, NULL);
    oc_out(&c, TFLC_INT8);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype int8, expected float32");
}

/* ============================================================= SOFTMAX == */

static tflc_tensor *softmax_case(opcase *c, int rank, const int32_t *d, const float *in,
                                 bool with_beta, float beta) {
    oc_init(c, &tflc_kernel_softmax);
    if (with_beta) {
        oc_options(c, BO_Softmax);
        opt_f32(c, SOFTMAX_OPT_BETA, beta);
    }
    oc_in(c, F32, rank, d, in);
    return oc_out(c, F32);
}

/* Row {1,2,3}: e^-2, e^-1, 1 over their sum 1.5032147; row {1,1,1}: thirds. */
static void test_softmax_basic(void) {
    opcase c;
    const int32_t d[] = {2, 3};
    const float in[] = {1, 2, 3, 1, 1, 1};
    const float want[] = {0.09003057f, 0.24472847f, 0.66524096f, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f};
    tflc_tensor *out = softmax_case(&c, 2, d, in, true, 1.0f);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d));
    CHECK(f32_near(out, want, N(want), 1e-6f));
    oc_free(&c);
}

/* beta 0.5 over {0, 2 ln 2, 2 ln 3}: e^(x/2) = 1, 2, 3 -> 1/6, 2/6, 3/6. */
static void test_softmax_beta(void) {
    opcase c;
    const int32_t d[] = {3};
    const float in[] = {0, 1.3862944f, 2.1972246f}, want[] = {1 / 6.0f, 2 / 6.0f, 3 / 6.0f};
    tflc_tensor *out = softmax_case(&c, 1, d, in, true, 0.5f);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 1e-6f));
    oc_free(&c);
}

/* Large inputs do not overflow (the row max is subtracted first). */
static void test_softmax_stable(void) {
    opcase c;
    const int32_t d[] = {1, 3};
    const float in[] = {1000, 1000, -1000}, want[] = {0.5f, 0.5f, 0};
    tflc_tensor *out = softmax_case(&c, 2, d, in, true, 1.0f);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 1e-7f));
    oc_free(&c);
}

/* No SoftmaxOptions: beta is the schema default 0, so every row is uniform (as TFLite). */
static void test_softmax_default_beta(void) {
    opcase c;
    const int32_t d[] = {2};
    const float in[] = {5, -3}, want[] = {0.5f, 0.5f};
    tflc_tensor *out = softmax_case(&c, 1, d, in, false, 0);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

static void test_softmax_errors(void) {
    opcase c;
    const float one[] = {1};
    softmax_case(&c, 0, NULL, one, true, 1.0f);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "scalar");
    oc_free(&c);
    const int32_t d[] = {3};
    oc_init(&c, &tflc_kernel_softmax);
    oc_in(&c, TFLC_UINT8, 1, d, NULL);
    oc_out(&c, TFLC_UINT8);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "has no quantization parameters");
}

/* ============================================= RESHAPE / SQUEEZE / EXPAND_DIMS == */

/* [2,3] int8 with new_shape [3,-1] -> [3,2], bytes unchanged. */
static void test_reshape_options(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, new_shape[] = {3, -1}, want_dims[] = {3, 2};
    const int8_t in[] = {1, -2, 3, -4, 5, -6};
    oc_init(&c, &tflc_kernel_reshape);
    oc_options(&c, BO_Reshape);
    opt_vec(&c, RESHAPE_OPT_NEW_SHAPE, new_shape, 2);
    oc_in(&c, TFLC_INT8, 2, d23, in);
    tflc_tensor *out = oc_out(&c, TFLC_INT8);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, want_dims));
    CHECK(i8_eq(out, in, N(in)));
    oc_free(&c);
}

/* The constant shape input wins over the options. */
static void test_reshape_shape_tensor(void) {
    opcase c;
    const int32_t d32[] = {3, 2}, d1[] = {1}, d2[] = {2}, shape[] = {2, 3}, minus1[] = {-1};
    const int32_t opt_shape[] = {1, 6}, want6[] = {6};
    const float in[] = {1, 2, 3, 4, 5, 6};
    oc_init(&c, &tflc_kernel_reshape);
    oc_options(&c, BO_Reshape);
    opt_vec(&c, RESHAPE_OPT_NEW_SHAPE, opt_shape, 2);
    oc_in(&c, F32, 2, d32, in);
    oc_const(&c, I32, 1, d2, shape);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, shape));
    CHECK(f32_near(out, in, N(in), 0));
    oc_free(&c);

    oc_init(&c, &tflc_kernel_reshape);
    oc_in(&c, F32, 2, d32, in);
    oc_const(&c, I32, 1, d1, minus1);
    out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 1, want6));
    oc_free(&c);
}

/* A shape input that is not a 1-D int32 vector is ignored in favour of the options. */
static void test_reshape_shape_not_vector(void) {
    opcase c;
    const int32_t d32[] = {3, 2}, d12[] = {1, 2}, shape[] = {2, 3}, opt_shape[] = {6};
    oc_init(&c, &tflc_kernel_reshape);
    oc_options(&c, BO_Reshape);
    opt_vec(&c, RESHAPE_OPT_NEW_SHAPE, opt_shape, 1);
    oc_in(&c, F32, 2, d32, NULL);
    oc_const(&c, I32, 2, d12, shape);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_prepare(&c));
    CHECK(shape_is(out, 1, opt_shape));
    oc_free(&c);
}

/* Legacy new_shape [0] means a scalar; [0,-1] over an empty input gives [0,0]. */
static void test_reshape_scalar_and_empty(void) {
    opcase c;
    const int32_t d11[] = {1, 1}, zero[] = {0}, d03[] = {0, 3}, zm1[] = {0, -1}, d00[] = {0, 0};
    oc_init(&c, &tflc_kernel_reshape);
    oc_options(&c, BO_Reshape);
    opt_vec(&c, RESHAPE_OPT_NEW_SHAPE, zero, 1);
    oc_in(&c, F32, 2, d11, NULL);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_prepare(&c));
    CHECK(shape_is(out, 0, NULL));
    oc_free(&c);

    oc_init(&c, &tflc_kernel_reshape);
    oc_options(&c, BO_Reshape);
    opt_vec(&c, RESHAPE_OPT_NEW_SHAPE, zm1, 2);
    oc_in(&c, F32, 2, d03, NULL);
    out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d00));
    oc_free(&c);
}

static void test_reshape_errors(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, d2[] = {2}, two_m1[] = {-1, -1}, four_m1[] = {4, -1};
    const int32_t four[] = {4}, neg[] = {-2, -3};

    /* A shape computed at run time makes the output dynamic: its shape is set at eval from
     * the shape input's values, on the heap. */
    static const float six[6] = {1, 2, 3, 4, 5, 6};
    const int32_t runtime_shape[2] = {3, -1}, d32[2] = {3, 2};
    oc_init(&c, &tflc_kernel_reshape);
    oc_in(&c, F32, 2, d23, six);
    oc_in(&c, I32, 1, d2, runtime_shape); /* an arena tensor: known only at run time */
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_prepare(&c));
    CHECK(out->dynamic);
    CHECK_OK(c.kernel->eval(&c.node));
    CHECK(shape_is(out, 2, d32) && out->data && memcmp(out->data, six, sizeof six) == 0);
    free(out->heap);
    oc_free(&c);

    const int32_t *bad[] = {two_m1, four_m1, four, neg};
    const int bad_n[] = {2, 2, 1, 2};
    const char *msg[] = {"invalid new shape [-1,-1]", "cannot reshape 6 elements into shape [4,-1]",
                         "cannot reshape 6 elements into shape [4]", "invalid new shape [-2,-3]"};
    for (int k = 0; k < 4; k++) {
        oc_init(&c, &tflc_kernel_reshape);
        oc_options(&c, BO_Reshape);
        opt_vec(&c, RESHAPE_OPT_NEW_SHAPE, bad[k], bad_n[k]);
        oc_in(&c, F32, 2, d23, NULL);
        oc_out(&c, F32);
        CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, msg[k]);
    }

    oc_init(&c, &tflc_kernel_reshape);
    oc_in(&c, TFLC_VARIANT, 2, d23, NULL);
    oc_out(&c, TFLC_VARIANT);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "variant tensors are not supported");

    oc_init(&c, &tflc_kernel_reshape);
    oc_in(&c, F32, 2, d23, NULL);
    oc_out(&c, I32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype int32");
}

static tflc_tensor *squeeze_case(opcase *c, const int32_t *dims_opt, int n, const float *in) {
    const int32_t d[] = {1, 3, 1, 2};
    oc_init(c, &tflc_kernel_squeeze);
    if (dims_opt) {
        oc_options(c, BO_Squeeze);
        opt_vec(c, SQUEEZE_OPT_SQUEEZE_DIMS, dims_opt, n);
    }
    oc_in(c, F32, 4, d, in);
    return oc_out(c, F32);
}

static void test_squeeze(void) {
    opcase c;
    const float in[] = {1, 2, 3, 4, 5, 6};
    const int32_t d32[] = {3, 2}, d132[] = {1, 3, 2}, m2[] = {-2}, z2[] = {0, 2};
    tflc_tensor *out = squeeze_case(&c, NULL, 0, in);          /* all size-1 dims */
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d32));
    CHECK(f32_near(out, in, N(in), 0));
    oc_free(&c);
    out = squeeze_case(&c, m2, 1, in);                          /* -2 is axis 2 */
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, d132));
    oc_free(&c);
    out = squeeze_case(&c, z2, 2, in);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d32));
    oc_free(&c);
}

static void test_squeeze_errors(void) {
    opcase c;
    const int32_t one[] = {1}, four[] = {4}, m5[] = {-5};
    squeeze_case(&c, one, 1, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "cannot squeeze dim 1 of size 3");
    squeeze_case(&c, four, 1, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "squeeze dim 4 is out of range");
    squeeze_case(&c, m5, 1, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "squeeze dim -5 is out of range");
}

static tflc_tensor *expand_case(opcase *c, tflc_dtype axis_dtype, const void *axis, bool is_const,
                                int rank, const int32_t *dims, const void *in) {
    oc_init(c, &tflc_kernel_expand_dims);
    oc_in(c, F32, rank, dims, in);
    if (is_const) oc_const(c, axis_dtype, 0, NULL, axis);
    else oc_in(c, axis_dtype, 0, NULL, axis);
    return oc_out(c, F32);
}

static void test_expand_dims(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, a0[] = {0}, am1[] = {-1};
    const int64_t a1[] = {1};
    const int32_t w0[] = {1, 2, 3}, wm1[] = {2, 3, 1}, w1[] = {2, 1, 3};
    const float in[] = {1, 2, 3, 4, 5, 6};
    tflc_tensor *out = expand_case(&c, I32, a0, true, 2, d23, in);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, w0));
    CHECK(f32_near(out, in, N(in), 0));
    oc_free(&c);
    out = expand_case(&c, I32, am1, true, 2, d23, in);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, wm1));
    oc_free(&c);
    out = expand_case(&c, TFLC_INT64, a1, true, 2, d23, in);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, w1));
    oc_free(&c);
}

static void test_expand_dims_errors(void) {
    opcase c;
    const int32_t d23[] = {2, 3}, a3[] = {3}, am4[] = {-4}, d8[] = {1, 1, 1, 1, 1, 1, 1, 1};
    const float af[] = {0};
    expand_case(&c, I32, a3, true, 2, d23, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "axis 3 is out of range");
    oc_free(&c);
    expand_case(&c, I32, am4, true, 2, d23, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "axis -4 is out of range");
    oc_free(&c);
    expand_case(&c, I32, a3, false, 2, d23, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "computed at run time");
    oc_free(&c);
    expand_case(&c, F32, af, true, 2, d23, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "expected int32 or int64");
    oc_free(&c);
    expand_case(&c, I32, a3, true, 8, d8, NULL);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "TFLC_MAX_RANK");
    oc_free(&c);
}

/* ======================================================= CONCATENATION == */

static void concat_options(opcase *c, int32_t axis, int act) {
    oc_options(c, BO_Concatenation);
    opt_i32(c, CONCAT_OPT_AXIS, axis);
    opt_i8(c, CONCAT_OPT_ACTIVATION, act);
}

/* [2,2] ++ [2,1] along axis 1 (and -1) -> [2,3]. */
static void test_concat_float(void) {
    const int32_t d22[] = {2, 2}, d21[] = {2, 1}, want_dims[] = {2, 3};
    const float a[] = {1, 2, 3, 4}, b[] = {5, 6}, want[] = {1, 2, 5, 3, 4, 6};
    const int32_t axes[] = {1, -1};
    for (int k = 0; k < 2; k++) {
        opcase c;
        oc_init(&c, &tflc_kernel_concatenation);
        concat_options(&c, axes[k], ACT_NONE);
        oc_in(&c, F32, 2, d22, a);
        oc_in(&c, F32, 2, d21, b);
        tflc_tensor *out = oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        CHECK(shape_is(out, 2, want_dims));
        CHECK(f32_near(out, want, N(want), 0));
        oc_free(&c);
    }
}

/* Middle axis: [2,1,2] ++ [2,2,2] on axis 1 -> [2,3,2]. */
static void test_concat_middle_axis(void) {
    opcase c;
    const int32_t d212[] = {2, 1, 2}, d222[] = {2, 2, 2}, want_dims[] = {2, 3, 2};
    const int32_t a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8, 9, 10, 11, 12};
    const int32_t want[] = {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12};
    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 1, ACT_NONE);
    oc_in(&c, I32, 3, d212, a);
    oc_const(&c, I32, 3, d222, b);
    tflc_tensor *out = oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 3, want_dims));
    CHECK(i32_eq(out, want, N(want)));
    oc_free(&c);
}

/* Three uint8 inputs (one empty) sharing scale 0.5 and zero point 128. */
static void test_concat_uint8(void) {
    opcase c;
    static const float scale[] = {0.5f};
    static const int64_t zp[] = {128};
    const int32_t d1[] = {1}, d0[] = {0}, d2[] = {2}, want_dims[] = {3};
    const uint8_t a[] = {1}, b[] = {2, 3}, want[] = {1, 2, 3};
    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 0, ACT_NONE);
    oc_quant(&c, oc_in(&c, TFLC_UINT8, 1, d1, a), 1, scale, zp, 0);
    oc_quant(&c, oc_in(&c, TFLC_UINT8, 1, d0, NULL), 1, scale, zp, 0);
    oc_quant(&c, oc_in(&c, TFLC_UINT8, 1, d2, b), 1, scale, zp, 0);
    tflc_tensor *out = oc_out(&c, TFLC_UINT8);
    oc_quant(&c, out, 1, scale, zp, 0);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 1, want_dims));
    CHECK(u8_eq(out, want, N(want)));
    oc_free(&c);
}

static void test_concat_int64_relu(void) {
    opcase c;
    const int32_t d11[] = {1, 1}, d12[] = {1, 2}, d2[] = {2}, d1[] = {1}, d3[] = {3};
    const int64_t a[] = {INT64_MAX}, b[] = {-5}, want64[] = {INT64_MAX, -5};
    const float fa[] = {-1, 2}, fb[] = {-3}, wantf[] = {0, 2, 0};
    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 1, ACT_NONE);
    oc_in(&c, TFLC_INT64, 2, d11, a);
    oc_in(&c, TFLC_INT64, 2, d11, b);
    tflc_tensor *out = oc_out(&c, TFLC_INT64);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 2, d12));
    CHECK(i64_eq(out, want64, 2));
    oc_free(&c);

    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 0, ACT_RELU);
    oc_in(&c, F32, 1, d2, fa);
    oc_in(&c, F32, 1, d1, fb);
    out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 1, d3));
    CHECK(f32_near(out, wantf, N(wantf), 0));
    oc_free(&c);
}

static void test_concat_errors(void) {
    opcase c;
    const int32_t d22[] = {2, 2}, d31[] = {3, 1}, d2[] = {2};

    /* (int8 inputs with differing scales are requantized now: test_shape.c covers them) */
    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 1, ACT_NONE);
    oc_in(&c, F32, 2, d22, NULL);
    oc_in(&c, F32, 2, d31, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input 1 has shape [3,1]");

    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 0, ACT_NONE);
    oc_in(&c, F32, 1, d2, NULL);
    oc_in(&c, I32, 1, d2, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input 1 has dtype int32");

    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 2, ACT_NONE);
    oc_in(&c, F32, 2, d22, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "axis 2 is out of range");

    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 0, ACT_RELU);
    oc_in(&c, I32, 1, d2, NULL);
    oc_out(&c, I32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "fused activation on int32");

    oc_init(&c, &tflc_kernel_concatenation);
    concat_options(&c, 0, ACT_NONE);
    oc_in(&c, F32, 1, d2, NULL);
    oc_no_input(&c);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input 1 is missing");
}

/* ============================================================ QUANTIZE == */

static tflc_tensor *quantize_case(opcase *c, tflc_dtype in_dt, int rank, const int32_t *d,
                                  const void *in, tflc_dtype out_dt, int count,
                                  const float *scales, const int64_t *zps, int qdim) {
    oc_init(c, &tflc_kernel_quantize);
    oc_in(c, in_dt, rank, d, in);
    tflc_tensor *out = oc_out(c, out_dt);
    if (count) oc_quant(c, out, count, scales, zps, qdim);
    return out;
}

/* scale 0.5, zero point -1, 8 elements (LiteRT's vector loop): x * 2 rounded to nearest
 * even, then -1, clamped. The expected values are LiteRT 2.3's builtin QUANTIZE's on these
 * inputs and parameters (its reference kernel, half away from zero, gives 0, -2 for the
 * first two). */
static void test_quantize_int8(void) {
    opcase c;
    static const float s[] = {0.5f};
    static const int64_t z[] = {-1};
    const int32_t d[] = {8};
    const float in[] = {0.25f, -0.25f, 0.75f, -0.75f, 100, -100, 1, 0};
    const int8_t want[] = {-1, -1, 1, -3, 127, -128, 1, -1};
    tflc_tensor *out = quantize_case(&c, F32, 1, d, in, TFLC_INT8, 1, s, z, 0);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 1, d));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);
}

/* scale 0.25, zero point 128; fewer than 8 elements (LiteRT's scalar loop): x / scale in
 * double, half away from zero; NaN becomes INT32_MIN, so the minimum. The expected values
 * are LiteRT 2.3's builtin QUANTIZE's on these inputs and parameters. */
static void test_quantize_uint8_int16(void) {
    opcase c;
    static const float s[] = {0.25f}, s16[] = {0.5f};
    static const int64_t z[] = {128}, z0[] = {0};
    const int32_t d5[] = {5}, d3[] = {3};
    const float in[] = {0.125f, -0.125f, 63.75f, -40, NAN};
    const uint8_t want[] = {129, 127, 255, 0, 0};
    tflc_tensor *out = quantize_case(&c, F32, 1, d5, in, TFLC_UINT8, 1, s, z, 0);
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, want, N(want)));
    oc_free(&c);
    const float in16[] = {1.25f, -1.25f, 20000};
    const int16_t want16[] = {3, -3, 32767};
    out = quantize_case(&c, F32, 1, d3, in16, TFLC_INT16, 1, s16, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want16, N(want16)));
    oc_free(&c);
}

/* Per-channel: [2,3] with scales per row (dim 0) and per column (dim 1). */
static void test_quantize_per_channel(void) {
    opcase c;
    static const float s_rows[] = {1, 0.5f}, s_cols[] = {1, 2, 4};
    static const int64_t z_rows[] = {0, 10}, z_cols[] = {0, 0, 0};
    const int32_t d[] = {2, 3};
    const float in1[] = {1.5f, -2.5f, 0, 1.5f, -2.5f, 0.25f};
    const int8_t want1[] = {2, -3, 0, 13, 5, 11};
    const float in2[] = {4, 4, 4, -6, -6, -6};
    const int8_t want2[] = {4, 2, 1, -6, -3, -2};
    tflc_tensor *out = quantize_case(&c, F32, 2, d, in1, TFLC_INT8, 2, s_rows, z_rows, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want1, N(want1)));
    oc_free(&c);
    out = quantize_case(&c, F32, 2, d, in2, TFLC_INT8, 3, s_cols, z_cols, 1);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want2, N(want2)));
    oc_free(&c);
    quantize_case(&c, F32, 2, d, NULL, TFLC_INT8, 3, s_cols, z_cols, 0);   /* 3 scales, dim 2 */
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "3 scales along quantized dimension 0");
    oc_free(&c);
}

/* Requantization in TFLite's fixed point (goldens follow gemmlowp's rounding):
 *   int8 -> uint8, same scale, zero point 0 -> 128: a shift by 128;
 *   int8 scale 1 -> 2 (multiplier 2^30, shift 0): 3 -> 2, -3 -> -1, 1 -> 1, -1 -> 0
 *     (ties go up in SaturatingRoundingDoublingHighMul), 127 -> 64, -128 -> -64;
 *   int8 scale 1 -> 4 (shift -1): 6 -> 2, -6 -> -2, 2 -> 1, -2 -> -1, and 5 -> 2 where 1.25
 *     would give 1: 2.5 rounds to 3, then 3/2 to 2 (TFLite's double rounding);
 *   uint8 zero point 128 -> int8 zero point 0, same scale: 0 -> -128, 255 -> 127. */
static void test_requantize(void) {
    opcase c;
    static const float one[] = {1}, two[] = {2}, four[] = {4}, half[] = {0.5f};
    static const int64_t z0[] = {0}, z128[] = {128};
    const int32_t d3[] = {3}, d5[] = {5}, d6[] = {6};
    const int8_t a[] = {-128, 0, 127};
    const uint8_t want_a[] = {0, 128, 255};
    const int8_t b[] = {3, -3, 1, -1, 127, -128}, want_b[] = {2, -1, 1, 0, 64, -64};
    const int8_t e[] = {6, -6, 2, -2, 5}, want_e[] = {2, -2, 1, -1, 2};
    const uint8_t u[] = {0, 255, 128};
    const int8_t want_u[] = {-128, 127, 0};

    tflc_tensor *out = quantize_case(&c, TFLC_INT8, 1, d3, a, TFLC_UINT8, 1, one, z128, 0);
    oc_quant(&c, c.ins[0], 1, one, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, want_a, 3));
    oc_free(&c);

    out = quantize_case(&c, TFLC_INT8, 1, d6, b, TFLC_INT8, 1, two, z0, 0);
    oc_quant(&c, c.ins[0], 1, one, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want_b, 6));
    oc_free(&c);

    out = quantize_case(&c, TFLC_INT8, 1, d5, e, TFLC_INT8, 1, four, z0, 0);
    oc_quant(&c, c.ins[0], 1, one, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want_e, 5));
    oc_free(&c);

    out = quantize_case(&c, TFLC_UINT8, 1, d3, u, TFLC_INT8, 1, half, z0, 0);
    oc_quant(&c, c.ins[0], 1, half, z128, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want_u, 3));
    oc_free(&c);
}

static void test_quantize_errors(void) {
    opcase c;
    static const float s[] = {0.5f}, zero[] = {0};
    static const int64_t z0[] = {0}, z200[] = {200};
    const int32_t d[] = {2};
    quantize_case(&c, F32, 1, d, NULL, F32, 1, s, z0, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "quantizing float32 to float32");
    quantize_case(&c, F32, 1, d, NULL, TFLC_INT8, 0, NULL, NULL, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "no quantization parameters");
    quantize_case(&c, F32, 1, d, NULL, TFLC_INT8, 1, s, z200, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "zero point 200 is outside the int8 range");
    quantize_case(&c, F32, 1, d, NULL, TFLC_INT8, 1, zero, z0, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "scale 0 is not valid");
    quantize_case(&c, TFLC_INT8, 1, d, NULL, TFLC_INT8, 1, s, z0, 0);   /* input unquantized */
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input (int8) has no quantization");
}

/* ========================================================== DEQUANTIZE == */

static tflc_tensor *dequantize_case(opcase *c, tflc_dtype dt, int rank, const int32_t *d,
                                    const void *in, int count, const float *scales,
                                    const int64_t *zps, int qdim) {
    oc_init(c, &tflc_kernel_dequantize);
    tflc_tensor *t = oc_in(c, dt, rank, d, in);
    if (count) oc_quant(c, t, count, scales, zps, qdim);
    return oc_out(c, F32);
}

static void test_dequantize(void) {
    opcase c;
    static const float s_half[] = {0.5f}, s_quarter[] = {0.25f};
    static const int64_t z_m1[] = {-1}, z128[] = {128}, z0[] = {0};
    const int32_t d4[] = {4}, d3[] = {3}, d2[] = {2};
    const int8_t i8[] = {-128, -1, 127, 0};
    const float want8[] = {-63.5f, 0, 64, 0.5f};
    const uint8_t u8[] = {0, 128, 255};
    const float wantu[] = {-32, 0, 31.75f};
    const int16_t i16[] = {-32768, 3};
    const float want16[] = {-16384, 1.5f};

    tflc_tensor *out = dequantize_case(&c, TFLC_INT8, 1, d4, i8, 1, s_half, z_m1, 0);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 1, d4));
    CHECK(f32_near(out, want8, 4, 0));
    oc_free(&c);
    out = dequantize_case(&c, TFLC_UINT8, 1, d3, u8, 1, s_quarter, z128, 0);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, wantu, 3, 0));
    oc_free(&c);
    out = dequantize_case(&c, TFLC_INT16, 1, d2, i16, 1, s_half, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want16, 2, 0));
    oc_free(&c);
}

/* [3,2] with one scale per row, and [2,2] with one per column. */
static void test_dequantize_per_channel(void) {
    opcase c;
    static const float s_rows[] = {1, 2, 3}, s_cols[] = {0.5f, 2};
    static const int64_t z_rows[] = {0, 1, -1}, z_cols[] = {0, 0};
    const int32_t d32[] = {3, 2}, d22[] = {2, 2};
    const int8_t a[] = {1, 2, 3, 4, 5, 6}, b[] = {2, 2, -4, 3};
    const float want_a[] = {1, 2, 4, 6, 18, 21}, want_b[] = {1, 4, -2, 6};
    tflc_tensor *out = dequantize_case(&c, TFLC_INT8, 2, d32, a, 3, s_rows, z_rows, 0);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want_a, 6, 0));
    oc_free(&c);
    out = dequantize_case(&c, TFLC_INT8, 2, d22, b, 2, s_cols, z_cols, 1);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want_b, 4, 0));
    oc_free(&c);
}

/* binary16: 1, -2, largest (65504), smallest subnormal (2^-24), inf, -0, 0x3555, -inf,
 * smallest normal (2^-14), NaN. */
static void test_dequantize_float16(void) {
    opcase c;
    const int32_t d[] = {10};
    const uint16_t h[] = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x8000, 0x3555, 0xFC00, 0x0400,
                          0x7E00};
    const float want[] = {1, -2, 65504, 5.9604645e-08f, INFINITY, 0, 0.333251953125f, -INFINITY,
                          6.103515625e-05f};
    tflc_tensor *out = dequantize_case(&c, TFLC_FLOAT16, 1, d, h, 0, NULL, NULL, 0);
    CHECK_OK(oc_run(&c));
    const float *o = out->data;
    for (int i = 0; i < 9; i++) CHECK_MSG(o[i] == want[i], "[%d] = %.9g", i, (double)o[i]);
    CHECK(signbit(o[5]));
    CHECK(isnan(o[9]));
    oc_free(&c);
}

static void test_dequantize_errors(void) {
    opcase c;
    static const float s[] = {1};
    static const int64_t z[] = {0};
    const int32_t d[] = {2};
    dequantize_case(&c, F32, 1, d, NULL, 0, NULL, NULL, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "dequantizing float32 is not supported");
    dequantize_case(&c, TFLC_INT8, 1, d, NULL, 0, NULL, NULL, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "no quantization parameters");
    oc_init(&c, &tflc_kernel_dequantize);
    oc_quant(&c, oc_in(&c, TFLC_INT8, 1, d, NULL), 1, s, z, 0);
    oc_out(&c, I32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype int32, expected float32");
}

/* ============================================================ registry == */

static void test_registry(void) {
    const char *versions = "unset";
    CHECK(tflc_find_builtin_kernel(OPC_ADD, 1, &versions) == &tflc_kernel_add);
    CHECK(versions == NULL);
    CHECK(tflc_find_builtin_kernel(OPC_FULLY_CONNECTED, 12, &versions) ==
          &tflc_kernel_fully_connected);
    CHECK(tflc_find_builtin_kernel(OPC_FULLY_CONNECTED, 13, &versions) == NULL);
    CHECK(versions && strcmp(versions, "1-12") == 0);
    CHECK(tflc_find_builtin_kernel(OPC_RESHAPE, 2, &versions) == NULL);
    CHECK(versions && strcmp(versions, "1") == 0);
    CHECK(tflc_find_builtin_kernel(OPC_ADD, 0, &versions) == NULL);
    CHECK(versions && strcmp(versions, "1-5") == 0);
    versions = "unset";
    CHECK(tflc_find_builtin_kernel(15, 1, &versions) == NULL); /* LSH_PROJECTION: not run */
    CHECK(versions == NULL);
    versions = "unset";
    CHECK(tflc_find_builtin_kernel(-1, 1, &versions) == NULL);
    CHECK(versions == NULL);
    CHECK(tflc_find_builtin_kernel(OPC_DIV, 3, NULL) == NULL);

    static const struct { int32_t code; const tflc_kernel *k; } all[] = {
        {OPC_ADD, &tflc_kernel_add}, {OPC_SUB, &tflc_kernel_sub}, {OPC_MUL, &tflc_kernel_mul},
        {OPC_DIV, &tflc_kernel_div}, {OPC_FULLY_CONNECTED, &tflc_kernel_fully_connected},
        {OPC_RELU, &tflc_kernel_relu}, {OPC_RELU_N1_TO_1, &tflc_kernel_relu_n1_to_1},
        {OPC_RELU6, &tflc_kernel_relu6}, {OPC_LOGISTIC, &tflc_kernel_logistic},
        {OPC_TANH, &tflc_kernel_tanh}, {OPC_SOFTMAX, &tflc_kernel_softmax},
        {OPC_RESHAPE, &tflc_kernel_reshape}, {OPC_SQUEEZE, &tflc_kernel_squeeze},
        {OPC_EXPAND_DIMS, &tflc_kernel_expand_dims},
        {OPC_CONCATENATION, &tflc_kernel_concatenation}, {OPC_QUANTIZE, &tflc_kernel_quantize},
        {OPC_DEQUANTIZE, &tflc_kernel_dequantize},
    };
    for (size_t i = 0; i < N(all); i++) {
        const tflc_kernel *k = tflc_find_builtin_kernel(all[i].code, 1, NULL);
        CHECK_MSG(k == all[i].k, "code %d", (int)all[i].code);
        CHECK(k && k->name && k->prepare && k->eval);
    }
}

/* ================================================================ main == */

static void run_tests(void) {
    TEST(test_fc_basic);
    TEST(test_fc_no_bias_relu);
    TEST(test_fc_flattens_input);
    TEST(test_fc_keep_num_dims);
    TEST(test_fc_activations);
    TEST(test_fc_errors);
    TEST(test_fc_wrong_options_type);
    TEST(test_add_same_shape);
    TEST(test_add_broadcast_3d);
    TEST(test_sub_scalar);
    TEST(test_mul_broadcast_relu);
    TEST(test_div_float);
    TEST(test_add_tanh);
    TEST(test_int32_add_sub_mul);
    TEST(test_div_int32);
    TEST(test_div_int32_by_zero);
    TEST(test_add_rank8);
    TEST(test_sub_broadcast_random);
    TEST(test_add_empty);
    TEST(test_add_reprepare);
    TEST(test_binary_errors);
    TEST(test_activations);
    TEST(test_activations_special);
    TEST(test_activation_errors);
    TEST(test_softmax_basic);
    TEST(test_softmax_beta);
    TEST(test_softmax_stable);
    TEST(test_softmax_default_beta);
    TEST(test_softmax_errors);
    TEST(test_reshape_options);
    TEST(test_reshape_shape_tensor);
    TEST(test_reshape_shape_not_vector);
    TEST(test_reshape_scalar_and_empty);
    TEST(test_reshape_errors);
    TEST(test_squeeze);
    TEST(test_squeeze_errors);
    TEST(test_expand_dims);
    TEST(test_expand_dims_errors);
    TEST(test_concat_float);
    TEST(test_concat_middle_axis);
    TEST(test_concat_uint8);
    TEST(test_concat_int64_relu);
    TEST(test_concat_errors);
    TEST(test_quantize_int8);
    TEST(test_quantize_uint8_int16);
    TEST(test_quantize_per_channel);
    TEST(test_requantize);
    TEST(test_quantize_errors);
    TEST(test_dequantize);
    TEST(test_dequantize_per_channel);
    TEST(test_dequantize_float16);
    TEST(test_dequantize_errors);
    TEST(test_registry);
}

TEST_MAIN()
