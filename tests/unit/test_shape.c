/*
 * test_shape.c -- the shape-family kernels called directly (shape ops, reductions, gather
 * and scatter, padding, space/depth, scans): hand-built tensors and nodes, prepare, then
 * eval, compared with golden arrays worked out from each op's definition. Hostile inputs
 * (out-of-range indices, masks, paddings, shapes) must fail with a message, never touch
 * memory outside a tensor: every tensor lives in its own malloc'd block, so the sanitizer
 * build catches any stray access.
 *
 * Each node hangs off a bare graph/runner/model (fake_*) so that tflc_node_fail and
 * tflc_node_set_output_shape have the context they read. Option tables are real flatbuffer
 * tables (opt_*), read through the same accessors as at run time. The fixture is
 * tests/op_harness.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/threadpool.h"
#include "ops/shape_common.h"
#include "test.h"
#include "op_harness.h"

/* ======================================================= reductions == */

static void reduce_case(opcase *c, const tflc_kernel *k, tflc_dtype dt, int rank, const int32_t *dims,
                        const void *data, int n_axes, const int32_t *axes, bool keep) {
    oc_init(c, k);
    oc_options(c, BO_Reducer);
    opt_i8(c, SH_REDUCER_KEEP_DIMS, keep);
    oc_in(c, dt, rank, dims, data);
    oc_const_i32(c, n_axes, axes);
    oc_out(c, dt);
}

/* [2,3] rows {1,2,3},{4,5,6}: SUM over -1 keep -> [2,1] {6,15}; over {0,-2,0} -> {5,7,9}. */
static void test_sum_float(void) {
    opcase c;
    const int32_t d[] = {2, 3}, ax1[] = {-1}, ax0[] = {0, -2, 0}, w1[] = {2, 1}, w0[] = {3};
    const float in[] = {1, 2, 3, 4, 5, 6}, s1[] = {6, 15}, s0[] = {5, 7, 9};
    reduce_case(&c, &tflc_kernel_sum, F32, 2, d, in, 1, ax1, true);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, w1) && f32_equal(c.outs[0], s1, 2));
    oc_free(&c);
    reduce_case(&c, &tflc_kernel_sum, F32, 2, d, in, 3, ax0, false);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 1, w0) && f32_equal(c.outs[0], s0, 3));
    oc_free(&c);
}

/* Ragged [3,5,7] reduced over 1: checked against a direct triple loop. */
static void test_reduce_ragged(void) {
    opcase c;
    const int32_t d[] = {3, 5, 7}, ax[] = {1};
    float in[105], want_max[21], want_mean[21];
    for (int i = 0; i < 105; i++) in[i] = (float)((i * 37) % 23) - 11.0f;
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < 7; k++) {
            float m = -INFINITY, s = 0;
            for (int b = 0; b < 5; b++) {
                float v = in[(a * 5 + b) * 7 + k];
                m = v > m ? v : m;
                s += v;
            }
            want_max[a * 7 + k] = m;
            want_mean[a * 7 + k] = s / 5.0f;
        }
    reduce_case(&c, &tflc_kernel_reduce_max, F32, 3, d, in, 1, ax, false);
    CHECK_OK(oc_run(&c));
    CHECK(f32_equal(c.outs[0], want_max, 21));
    oc_free(&c);
    reduce_case(&c, &tflc_kernel_mean, F32, 3, d, in, 1, ax, false);
    CHECK_OK(oc_run(&c));
    CHECK(f32_equal(c.outs[0], want_mean, 21));
    oc_free(&c);
}

/* int32 MEAN truncates toward zero: {-7,-8} -> -7, {7,8} -> 7; PROD wraps. */
static void test_reduce_int(void) {
    opcase c;
    const int32_t d[] = {2, 2}, ax[] = {1};
    const int32_t in[] = {-7, -8, 7, 8}, mean[] = {-7, 7};
    reduce_case(&c, &tflc_kernel_mean, I32, 2, d, in, 1, ax, false);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(c.outs[0], mean, 2));
    oc_free(&c);
    const int64_t in64[] = {INT64_MAX, 2, 3, -4}, prod[] = {(int64_t)((uint64_t)INT64_MAX * 2u), -12};
    reduce_case(&c, &tflc_kernel_reduce_prod, I64, 2, d, in64, 1, ax, false);
    CHECK_OK(oc_run(&c));
    CHECK(i64_eq(c.outs[0], prod, 2));
    oc_free(&c);
}

static void test_reduce_bool(void) {
    opcase c;
    const int32_t d[] = {2, 3}, ax[] = {1};
    const bool in[] = {false, true, false, true, true, true}, any[] = {true, true}, all[] = {false, true};
    reduce_case(&c, &tflc_kernel_reduce_any, TFLC_BOOL, 2, d, in, 1, ax, false);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(c.outs[0], any, 2));
    oc_free(&c);
    reduce_case(&c, &tflc_kernel_reduce_all, TFLC_BOOL, 2, d, in, 1, ax, false);
    CHECK_OK(oc_run(&c));
    CHECK(b_eq(c.outs[0], all, 2));
    oc_free(&c);
}

/* int8 MEAN (general path), in scale 0.5 zp 2, out scale 0.25 zp -1, over 3 values
 * {10, 20, 33}: real mean (8+18+31)/3 * 0.5 = 9.5 -> /0.25 = 38 -> 37 after zp.
 * Fixed point: multiplier 2.0 folded with 1/3 gives 0.666..., (63 - 3*2) * 0.666 = 38. */
static void test_mean_int8(void) {
    opcase c;
    static const float si[] = {0.5f}, so[] = {0.25f};
    static const int64_t zi[] = {2}, zo[] = {-1};
    const int32_t d[] = {1, 3}, ax[] = {1};
    const int8_t in[] = {10, 20, 33}, want[] = {37};
    reduce_case(&c, &tflc_kernel_mean, I8, 2, d, in, 1, ax, false);
    oc_quant_per_tensor(&c, c.ins[0], si, zi);
    oc_quant_per_tensor(&c, c.outs[0], so, zo);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(c.outs[0], want, 1));
    oc_free(&c);
}

/* int8 MEAN over H and W of [1,5,7,6] with keep_dims (a global average pool) takes LiteRT's
 * general path: the 1/35 folded into the multiplier, then the doubling high multiply and
 * the rounding shift round twice, so sums whose exact mean is x.38 (75, -75) round away.
 * Expected values from LiteRT (builtin and BUILTIN_REF agree) on a converted
 * reduce_mean(axis=[1,2], keepdims=True) model: in scale 0.023522239 zp 0, out scale
 * 0.0053720726 zp 22, one non-zero value per channel. */
static void test_mean_int8_4d(void) {
    opcase c;
    static const float si[] = {0.023522239178419113f}, so[] = {0.005372072570025921f};
    static const int64_t zi[] = {0}, zo[] = {22};
    const int32_t d[] = {1, 5, 7, 6}, ax[] = {1, 2}, wd[] = {1, 1, 1, 6};
    int8_t in[210] = {0};
    const int8_t first[] = {75, 74, 3, 2, -3, -75}, want[] = {32, 31, 23, 22, 21, 12};
    memcpy(in, first, sizeof first);
    reduce_case(&c, &tflc_kernel_mean, I8, 4, d, in, 2, ax, true);
    oc_quant_per_tensor(&c, c.ins[0], si, zi);
    oc_quant_per_tensor(&c, c.outs[0], so, zo);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 4, wd) && i8_eq(c.outs[0], want, 6));
    oc_free(&c);
}

/* int8 SUM rescales in float and wraps as LiteRT's static_cast does: in scale 1 zp 0, out
 * scale 0.5 zp 0: {100, 27} -> 254 -> wraps to -2. */
static void test_sum_int8_wraps(void) {
    opcase c;
    static const float si[] = {1.0f}, so[] = {0.5f};
    static const int64_t z0[] = {0};
    const int32_t d[] = {2}, ax[] = {0};
    const int8_t in[] = {100, 27}, want[] = {-2};
    reduce_case(&c, &tflc_kernel_sum, I8, 1, d, in, 1, ax, false);
    oc_quant_per_tensor(&c, c.ins[0], si, z0);
    oc_quant_per_tensor(&c, c.outs[0], so, z0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(c.outs[0], want, 1));
    oc_free(&c);
}

static void test_reduce_errors(void) {
    opcase c;
    const int32_t d[] = {2, 3}, bad[] = {2}, neg[] = {-3}, ax[] = {0};
    reduce_case(&c, &tflc_kernel_sum, F32, 2, d, NULL, 1, bad, false);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "axis 2 is out of range");
    oc_free(&c);
    reduce_case(&c, &tflc_kernel_sum, F32, 2, d, NULL, 1, neg, false);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "axis -3 is out of range");
    oc_free(&c);
    /* an axis computed at run time */
    oc_init(&c, &tflc_kernel_mean);
    oc_in(&c, F32, 2, d, NULL);
    int32_t one = 1;
    oc_in(&c, I32, 1, &one, ax);
    oc_out(&c, F32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_UNSUPPORTED, "computed at run time is not supported yet");
    oc_free(&c);
    reduce_case(&c, &tflc_kernel_reduce_any, F32, 2, d, NULL, 1, ax, false);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_UNSUPPORTED, "float32 inputs are not supported");
    oc_free(&c);
}

/* ======================================================= arg min/max == */

/* Ties keep the first index; NaN never wins. */
static void test_arg_max_min(void) {
    opcase c;
    const int32_t d[] = {2, 4}, wd[] = {2};
    const float in[] = {1, 3, 3, NAN, -2, -5, -5, 0};
    const int32_t mx[] = {1, 3};
    const int64_t mn[] = {0, 1};
    oc_init(&c, &tflc_kernel_arg_max);
    oc_in(&c, F32, 2, d, in);
    oc_scalar_i32(&c, -1);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 1, wd) && i32_eq(c.outs[0], mx, 2));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_arg_min);
    oc_in(&c, F32, 2, d, in);
    oc_scalar_i32(&c, 1);
    oc_out(&c, I64);
    CHECK_OK(oc_run(&c));
    CHECK(i64_eq(c.outs[0], mn, 2));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_arg_max);
    oc_in(&c, F32, 2, d, in);
    oc_scalar_i32(&c, 2);
    oc_out(&c, I32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "axis 2 is out of range");
    oc_free(&c);
}

/* ==================================================== data movement == */

/* [2,3,4] perm {2,0,1} -> [4,2,3]; out[i][j][k] = in[j][k][i]. */
static void test_transpose(void) {
    opcase c;
    const int32_t d[] = {2, 3, 4}, perm[] = {2, 0, 1}, wd[] = {4, 2, 3}, dup[] = {0, 0, 1};
    int16_t in[24], want[24];
    for (int i = 0; i < 24; i++) in[i] = (int16_t)i;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 3; k++) want[(i * 2 + j) * 3 + k] = in[(j * 3 + k) * 4 + i];
    oc_init(&c, &tflc_kernel_transpose);
    oc_in(&c, TFLC_INT16, 3, d, in);
    oc_const_i32(&c, 3, perm);
    oc_out(&c, TFLC_INT16);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 3, wd) && i16_eq(c.outs[0], want, 24));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_transpose);
    oc_in(&c, TFLC_INT16, 3, d, in);
    oc_const_i32(&c, 3, dup);
    oc_out(&c, TFLC_INT16);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "not a permutation");
    oc_free(&c);
}

/* Every permutation of [2,3,1,5] for 1-, 2-, 4- and 8-byte elements (distinct bytes per
 * element) against the index formula: the permutations that move the last dim take
 * transpose.c's fixed-size strided path, the others the view copy's contiguous runs. */
static void test_transpose_all_perms(void) {
    const int32_t d[] = {2, 3, 1, 5};
    const tflc_dtype types[] = {TFLC_INT8, TFLC_INT16, TFLC_INT32, TFLC_INT64};
    const size_t sizes[] = {1, 2, 4, 8};
    uint8_t in[30 * 8], want[30 * 8];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 7 + 3);
    for (int t = 0; t < 4; t++)
        for (int p = 0; p < 256; p++) {
            int32_t perm[4] = {p & 3, (p >> 2) & 3, (p >> 4) & 3, (p >> 6) & 3};
            if ((1 << perm[0] | 1 << perm[1] | 1 << perm[2] | 1 << perm[3]) != 15) continue;
            int32_t wd[4], in_stride[4] = {15, 5, 5, 1};
            for (int k = 0; k < 4; k++) wd[k] = d[perm[k]];
            size_t o = 0;
            for (int a = 0; a < wd[0]; a++)
                for (int b = 0; b < wd[1]; b++)
                    for (int c2 = 0; c2 < wd[2]; c2++)
                        for (int e = 0; e < wd[3]; e++, o++) {
                            const int32_t at = a * in_stride[perm[0]] + b * in_stride[perm[1]] +
                                               c2 * in_stride[perm[2]] + e * in_stride[perm[3]];
                            memcpy(want + o * sizes[t], in + (size_t)at * sizes[t], sizes[t]);
                        }
            opcase c;
            oc_init(&c, &tflc_kernel_transpose);
            oc_in(&c, types[t], 4, d, in);
            oc_const_i32(&c, 4, perm);
            oc_out(&c, types[t]);
            CHECK_OK(oc_run(&c));
            CHECK_MSG(shape_is(c.outs[0], 4, wd) &&
                          memcmp(c.outs[0]->data, want, 30 * sizes[t]) == 0,
                      "perm {%d,%d,%d,%d}, %zu-byte elements", perm[0], perm[1], perm[2],
                      perm[3], sizes[t]);
            oc_free(&c);
        }
}

/* A transpose big enough to split over a pool of 3 threads (transpose.c: each task a range
 * of the view's outermost dim of more than one index) through each of its three paths:
 * contiguous runs (the view copy), the fixed-size strided walk, the blocked last-two swap;
 * elements of 1, 4 and 8 bytes; spans that leave a short last task. Against the index
 * formula. */
static void test_transpose_threads(void) {
    static const struct {
        int rank;
        int32_t dims[4], perm[4];
        tflc_dtype dtype;
        size_t size;
    } cases[] = {
        {4, {1, 128, 4, 64}, {0, 2, 1, 3}, TFLC_INT32, 4},   /* a Transformer's heads out */
        {4, {1, 128, 4, 64}, {0, 2, 3, 1}, TFLC_INT32, 4},   /* strided */
        {4, {1, 4, 128, 64}, {0, 1, 3, 2}, TFLC_INT32, 4},   /* last two swapped */
        {2, {300, 257}, {1, 0}, TFLC_INT32, 4},             /* last two, split by rows */
        {4, {3, 50, 7, 33}, {3, 1, 0, 2}, TFLC_INT8, 1},
        {3, {40, 2, 600}, {1, 0, 2}, TFLC_INT64, 8},
    };
    tflc_threadpool *pool = NULL;
    CHECK(tflc_threadpool_create(3, &pool) == TFLC_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int r = cases[i].rank;
        const int32_t *d = cases[i].dims, *perm = cases[i].perm;
        const size_t size = cases[i].size, count = (size_t)tflc_shape_count(d, r);
        uint8_t *in = malloc(count * size), *want = malloc(count * size);
        for (size_t k = 0; k < count * size; k++) in[k] = (uint8_t)(k * 2654435761u >> 13);
        int64_t st[4];
        int32_t wd[4], idx[4] = {0};
        tflc_sh_strides(d, r, st);
        for (int k = 0; k < r; k++) wd[k] = d[perm[k]];
        for (size_t o = 0; o < count; o++) {   /* output element o at output index idx */
            int64_t at = 0;
            for (int k = 0; k < r; k++) at += idx[k] * st[perm[k]];
            memcpy(want + o * size, in + (size_t)at * size, size);
            for (int k = r - 1; k >= 0 && ++idx[k] == wd[k]; k--) idx[k] = 0;
        }
        opcase c;
        oc_init(&c, &tflc_kernel_transpose);
        oc_in(&c, cases[i].dtype, r, d, in);
        oc_const_i32(&c, r, perm);
        oc_out(&c, cases[i].dtype);
        fake_runner.pool = pool;
        CHECK_OK(oc_run(&c));
        fake_runner.pool = NULL;
        CHECK_MSG(shape_is(c.outs[0], r, wd) && memcmp(c.outs[0]->data, want, count * size) == 0,
                  "case %zu (rank %d, %zu-byte elements) on 3 threads", i, r, size);
        oc_free(&c);
        free(in);
        free(want);
    }
    tflc_threadpool_free(pool);
}

/* Perms that swap the last two dims of 4-byte elements (transpose.c's blocked path: 4 x 4
 * word tiles, then the ragged rows and columns), with the leading dims kept or swapped, on
 * sizes around the tile: against the index formula. */
static void test_transpose_last_two(void) {
    static const int32_t sizes[] = {1, 3, 4, 5, 8, 13, 64};
    static const int32_t perms[][4] = {{0, 1, 3, 2}, {1, 0, 3, 2}};
    static int32_t in[2 * 3 * 64 * 64], want[2 * 3 * 64 * 64];
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) in[i] = (int32_t)(i * 2654435761u);
    for (size_t ri = 0; ri < sizeof sizes / sizeof sizes[0]; ri++)
        for (size_t ci = 0; ci < sizeof sizes / sizeof sizes[0]; ci++)
            for (int pi = 0; pi < 2; pi++) {
                const int32_t *perm = perms[pi];
                const int32_t d[] = {2, 3, sizes[ri], sizes[ci]};
                const int32_t st[] = {3 * d[2] * d[3], d[2] * d[3], d[3], 1};
                int32_t wd[4];
                for (int k = 0; k < 4; k++) wd[k] = d[perm[k]];
                size_t o = 0;
                for (int a = 0; a < wd[0]; a++)
                    for (int b = 0; b < wd[1]; b++)
                        for (int r = 0; r < wd[2]; r++)
                            for (int c2 = 0; c2 < wd[3]; c2++, o++)
                                want[o] = in[a * st[perm[0]] + b * st[perm[1]] +
                                             r * st[perm[2]] + c2 * st[perm[3]]];
                opcase c;
                oc_init(&c, &tflc_kernel_transpose);
                oc_in(&c, TFLC_INT32, 4, d, in);
                oc_const_i32(&c, 4, perm);
                oc_out(&c, TFLC_INT32);
                CHECK_OK(oc_run(&c));
                CHECK_MSG(shape_is(c.outs[0], 4, wd) &&
                              memcmp(c.outs[0]->data, want, o * sizeof(int32_t)) == 0,
                          "[2,3,%d,%d] perm {%d,%d,%d,%d}", d[2], d[3], perm[0], perm[1],
                          perm[2], perm[3]);
                oc_free(&c);
            }
}

static void test_slice(void) {
    opcase c;
    const int32_t d[] = {3, 4}, b[] = {1, 1}, s[] = {-1, 2}, wd[] = {2, 2}, bad[] = {2, 0}, bs[] = {2, 1};
    const float in[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, want[] = {5, 6, 9, 10};
    oc_init(&c, &tflc_kernel_slice);
    oc_in(&c, F32, 2, d, in);
    oc_const_i32(&c, 2, b);
    oc_const_i32(&c, 2, s);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wd) && f32_equal(c.outs[0], want, 4));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_slice);
    oc_in(&c, F32, 2, d, in);
    oc_const_i32(&c, 2, bad);
    oc_const_i32(&c, 2, bs);
    oc_out(&c, F32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "do not fit");
    oc_free(&c);
}

static tflc_tensor *ss_case(opcase *c, int rank, const int32_t *d, const void *in, int n, const int32_t *b,
                            const int32_t *e, const int32_t *s, int begin_mask, int end_mask, int ellipsis,
                            int new_axis, int shrink) {
    oc_init(c, &tflc_kernel_strided_slice);
    oc_options(c, BO_StridedSlice);
    opt_i32(c, SH_SS_BEGIN_MASK, begin_mask);
    opt_i32(c, SH_SS_END_MASK, end_mask);
    opt_i32(c, SH_SS_ELLIPSIS_MASK, ellipsis);
    opt_i32(c, SH_SS_NEW_AXIS_MASK, new_axis);
    opt_i32(c, SH_SS_SHRINK_AXIS_MASK, shrink);
    oc_in(c, F32, rank, d, in);
    oc_const_i32(c, n, b);
    oc_const_i32(c, n, e);
    oc_const_i32(c, n, s);
    return oc_out(c, F32);
}

/* x = arange(12).reshape(3,4). */
static void test_strided_slice(void) {
    opcase c;
    const int32_t d[] = {3, 4};
    const float in[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    {   /* x[2:0:-1, ::-2] -> {{11,9},{7,5}} */
        const int32_t b[] = {2, 0}, e[] = {0, 0}, s[] = {-1, -2}, wd[] = {2, 2};
        const float want[] = {11, 9, 7, 5};
        ss_case(&c, 2, d, in, 2, b, e, s, 2, 2, 0, 0, 0);
        CHECK_OK(oc_run(&c));
        CHECK(shape_is(c.outs[0], 2, wd) && f32_equal(c.outs[0], want, 4));
        oc_free(&c);
    }
    {   /* x[-1, 1:] (shrink bit 0) -> {9,10,11} */
        const int32_t b[] = {-1, 1}, e[] = {0, 4}, s[] = {1, 1}, wd[] = {3};
        const float want[] = {9, 10, 11};
        ss_case(&c, 2, d, in, 2, b, e, s, 0, 0, 0, 0, 1);
        CHECK_OK(oc_run(&c));
        CHECK(shape_is(c.outs[0], 1, wd) && f32_equal(c.outs[0], want, 3));
        oc_free(&c);
    }
    {   /* x[..., newaxis, 2] -> [3,1]: {2,6,10} */
        const int32_t b[] = {0, 0, 2}, e[] = {0, 0, 3}, s[] = {1, 1, 1}, wd[] = {3, 1};
        const float want[] = {2, 6, 10};
        ss_case(&c, 2, d, in, 3, b, e, s, 0, 0, 1, 2, 4);
        CHECK_OK(oc_run(&c));
        CHECK(shape_is(c.outs[0], 2, wd) && f32_equal(c.outs[0], want, 3));
        oc_free(&c);
    }
    {   /* hostile begins/ends clamp: x[-100:100, 5:-100] -> [3,0] */
        const int32_t b[] = {-100, 5}, e[] = {100, -100}, s[] = {1, 1}, wd[] = {3, 0};
        ss_case(&c, 2, d, in, 2, b, e, s, 0, 0, 0, 0, 0);
        CHECK_OK(oc_run(&c));
        CHECK(shape_is(c.outs[0], 2, wd));
        oc_free(&c);
    }
    {   /* offset: end is relative to begin: x[1:+2, 1:+3] */
        const int32_t b[] = {1, 1}, e[] = {2, 3}, s[] = {1, 1}, wd[] = {2, 3};
        const float want[] = {5, 6, 7, 9, 10, 11};
        ss_case(&c, 2, d, in, 2, b, e, s, 0, 0, 0, 0, 0);
        opt_i8(&c, SH_SS_OFFSET, 1);
        CHECK_OK(oc_run(&c));
        CHECK(shape_is(c.outs[0], 2, wd) && f32_equal(c.outs[0], want, 6));
        oc_free(&c);
    }
    {   /* errors: stride 0, shrink index out of range, too many indices */
        const int32_t b[] = {0, 7}, e[] = {1, 8}, s0[] = {1, 0}, s1[] = {1, 1}, b3[] = {0, 0, 0},
                      s3[] = {1, 1, 1};
        ss_case(&c, 2, d, in, 2, b, e, s0, 0, 0, 0, 0, 0);
        CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "stride 1 is 0");
        oc_free(&c);
        ss_case(&c, 2, d, in, 2, b, e, s1, 0, 0, 0, 0, 2);
        CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "shrink index 7 is out of range");
        oc_free(&c);
        ss_case(&c, 2, d, in, 3, b3, b3, s3, 0, 0, 0, 0, 0);
        CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "3 indexed dims");
        oc_free(&c);
        /* 20 new axes: more output dims than tflc allows, refused without overrunning */
        int32_t z[20] = {0}, o[20];
        for (int i = 0; i < 20; i++) o[i] = 1;
        ss_case(&c, 2, d, in, 20, z, z, o, 0, 0, 0, 0xFFFFF, 0);
        CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_UNSUPPORTED, "too many dims");
        oc_free(&c);
    }
}

/* A small deterministic generator for the randomized tests. */
static uint32_t rng_state = 12345u;
static int32_t rnd(int32_t lo, int32_t hi) {   /* in [lo, hi] */
    rng_state = rng_state * 1664525u + 1013904223u;
    return lo + (int32_t)((rng_state >> 8) % (uint32_t)(hi - lo + 1));
}

/* 2000 random specs (indices far outside the dims, every mask bit, negative strides) on a
 * [3,4,5] input holding 0..59: prepare refuses or eval fills the output with input elements
 * only (an unwritten element would still hold 0xAB bytes), and ASan sees every access. */
static void test_strided_slice_random(void) {
    const int32_t d[] = {3, 4, 5};
    float in[60];
    for (int i = 0; i < 60; i++) in[i] = (float)i;
    int ok = 0;
    for (int iter = 0; iter < 2000; iter++) {
        opcase c;
        int n = rnd(1, 4);
        int32_t b[4], e[4], st[4];
        for (int i = 0; i < n; i++) {
            b[i] = rnd(-8, 8);
            e[i] = rnd(-8, 8);
            st[i] = rnd(-3, 3);
            if (rnd(0, 20) == 0) b[i] = rnd(0, 1) ? INT32_MAX : INT32_MIN;
        }
        ss_case(&c, 3, d, in, n, b, e, st, rnd(0, 15), rnd(0, 15), rnd(0, 3) ? 0 : 1 << rnd(0, n - 1),
                rnd(0, 3) ? 0 : rnd(0, 15), rnd(0, 2) ? 0 : rnd(0, 15));
        if (rnd(0, 4) == 0) opt_i8(&c, SH_SS_OFFSET, 1);
        if (oc_prepare(&c) == TFLC_OK) {
            CHECK_OK(oc_eval(&c));
            const float *o = c.outs[0]->data;
            for (size_t i = 0; i < tflc_tensor_count(c.outs[0]); i++)
                CHECK_MSG(o[i] >= 0 && o[i] < 60 && o[i] == (float)(int)o[i], "iteration %d: %g", iter,
                          (double)o[i]);
            ok++;
        }
        oc_free(&c);
    }
    CHECK(ok > 200);
}

/* Random indices, about one in six out of range: either a RUNTIME error or exact rows. */
static void test_gather_random(void) {
    const int32_t d[] = {5, 3}, di[] = {7};
    float p[15];
    for (int i = 0; i < 15; i++) p[i] = (float)i;
    for (int iter = 0; iter < 300; iter++) {
        opcase c;
        int32_t idx[7];
        bool bad = false;
        for (int i = 0; i < 7; i++) {
            idx[i] = rnd(0, 5) ? rnd(0, 4) : rnd(-10, 10);
            bad = bad || idx[i] < 0 || idx[i] > 4;
        }
        oc_init(&c, &tflc_kernel_gather);
        oc_in(&c, F32, 2, d, p);
        oc_in(&c, I32, 1, di, idx);
        oc_out(&c, F32);
        CHECK_OK(oc_prepare(&c));
        tflc_status s = oc_eval(&c);
        CHECK(s == (bad ? TFLC_ERROR_RUNTIME : TFLC_OK));
        for (int i = 0; !bad && i < 7; i++)
            for (int k = 0; k < 3; k++) CHECK(((float *)c.outs[0]->data)[i * 3 + k] == p[idx[i] * 3 + k]);
        oc_free(&c);
    }
}

static void test_reverse_tile_broadcast(void) {
    opcase c;
    const int32_t d[] = {2, 3}, ax[] = {1, -1}, mult[] = {2, 1}, wt[] = {4, 3};
    const int32_t in[] = {1, 2, 3, 4, 5, 6}, rev[] = {3, 2, 1, 6, 5, 4};
    const int32_t tiled[] = {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6};
    oc_init(&c, &tflc_kernel_reverse_v2);
    oc_in(&c, I32, 2, d, in);
    oc_const_i32(&c, 2, ax);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(c.outs[0], rev, 6));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_tile);
    oc_in(&c, I32, 2, d, in);
    oc_const_i32(&c, 2, mult);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wt) && i32_eq(c.outs[0], tiled, 12));
    oc_free(&c);
    /* [3,1] -> [2,3,2] */
    const int32_t d31[] = {3, 1}, shape[] = {2, 3, 2}, bad[] = {2, 2};
    const int32_t col[] = {7, 8, 9}, bc[] = {7, 7, 8, 8, 9, 9, 7, 7, 8, 8, 9, 9};
    oc_init(&c, &tflc_kernel_broadcast_to);
    oc_in(&c, I32, 2, d31, col);
    oc_const_i32(&c, 3, shape);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 3, shape) && i32_eq(c.outs[0], bc, 12));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_broadcast_to);
    oc_in(&c, I32, 2, d31, col);
    oc_const_i32(&c, 2, bad);
    oc_out(&c, I32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "cannot broadcast dim 0 of size 3 to 2");
    oc_free(&c);
}

/* ==================================================== gather/scatter == */

static void test_gather(void) {
    opcase c;
    const int32_t d[] = {3, 2}, di[] = {4}, wd[] = {4, 2};
    const float p[] = {0, 1, 10, 11, 20, 21}, want[] = {20, 21, 0, 1, 20, 21, 10, 11};
    const int64_t idx[] = {2, 0, 2, 1};
    oc_init(&c, &tflc_kernel_gather);
    oc_in(&c, F32, 2, d, p);
    oc_in(&c, I64, 1, di, idx);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wd) && f32_equal(c.outs[0], want, 8));
    oc_free(&c);
    /* batch_dims 1, axis 1: params [2,3], indices [2,2] -> [2,2] */
    const int32_t d23[] = {2, 3}, d22[] = {2, 2};
    const int32_t pb[] = {1, 2, 3, 4, 5, 6}, ib[] = {2, 0, 1, 1}, wb[] = {3, 1, 5, 5};
    oc_init(&c, &tflc_kernel_gather);
    oc_options(&c, BO_Gather);
    opt_i32(&c, SH_GATHER_AXIS, 1);
    opt_i32(&c, SH_GATHER_BATCH_DIMS, 1);
    oc_in(&c, I32, 2, d23, pb);
    oc_in(&c, I32, 2, d22, ib);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, d22) && i32_eq(c.outs[0], wb, 4));
    oc_free(&c);
}

/* Hostile indices fail at eval with the index and the range, before any copy. */
static void test_gather_hostile(void) {
    opcase c;
    const int32_t d[] = {3, 2}, di[] = {2};
    const float p[] = {0, 1, 2, 3, 4, 5};
    const int32_t idx_cases[][2] = {{0, 3}, {-1, 0}, {INT32_MAX, 0}, {INT32_MIN, 1}};
    const char *msgs[] = {"index 1 is 3, outside [0, 3)", "index 0 is -1, outside [0, 3)",
                          "index 0 is 2147483647", "index 0 is -2147483648"};
    for (size_t k = 0; k < N(idx_cases); k++) {
        oc_init(&c, &tflc_kernel_gather);
        oc_in(&c, F32, 2, d, p);
        oc_in(&c, I32, 1, di, idx_cases[k]);
        oc_out(&c, F32);
        CHECK_OK(oc_prepare(&c));
        CHECK_FAILS_WITH(oc_eval(&c), TFLC_ERROR_RUNTIME, msgs[k]);
        oc_free(&c);
    }
    /* GATHER_ND: index pair (1, 5) on [3,2] */
    const int32_t d12[] = {1, 2}, pair[] = {1, 5};
    oc_init(&c, &tflc_kernel_gather_nd);
    oc_in(&c, F32, 2, d, p);
    oc_in(&c, I32, 2, d12, pair);
    oc_out(&c, F32);
    CHECK_OK(oc_prepare(&c));
    CHECK_FAILS_WITH(oc_eval(&c), TFLC_ERROR_RUNTIME, "index tuple 0, entry 1 is 5, outside [0, 2)");
    oc_free(&c);
    /* SCATTER_ND: a negative row */
    const int32_t d21[] = {2, 1}, d22[] = {2, 2}, rows[] = {0, -1}, shape[] = {3, 2};
    const float upd[] = {1, 2, 3, 4};
    oc_init(&c, &tflc_kernel_scatter_nd);
    oc_in(&c, I32, 2, d21, rows);
    oc_in(&c, F32, 2, d22, upd);
    oc_const_i32(&c, 2, shape);
    oc_out(&c, F32);
    CHECK_OK(oc_prepare(&c));
    CHECK_FAILS_WITH(oc_eval(&c), TFLC_ERROR_RUNTIME, "entry 0 is -1");
    oc_free(&c);
    /* EMBEDDING_LOOKUP: id 4 of 4 rows */
    const int32_t ids[] = {1, 4}, dt[] = {4, 2};
    const float table[] = {0, 0, 1, 1, 2, 2, 3, 3};
    oc_init(&c, &tflc_kernel_embedding_lookup);
    oc_in(&c, I32, 1, di, ids);
    oc_in(&c, F32, 2, dt, table);
    oc_out(&c, F32);
    CHECK_OK(oc_prepare(&c));
    CHECK_FAILS_WITH(oc_eval(&c), TFLC_ERROR_RUNTIME, "id 1 is 4, outside [0, 4)");
    oc_free(&c);
}

/* Rows {0, 2, 0} of [3,2]: duplicates add. GATHER_ND pairs pick elements. */
static void test_gather_nd_scatter_nd(void) {
    opcase c;
    const int32_t d31[] = {3, 1}, d32[] = {3, 2}, shape[] = {3, 2}, rows[] = {0, 2, 0};
    const float upd[] = {1, 2, 3, 4, 5, 6}, want[] = {6, 8, 0, 0, 3, 4};
    oc_init(&c, &tflc_kernel_scatter_nd);
    oc_in(&c, I32, 2, d31, rows);
    oc_in(&c, F32, 2, d32, upd);
    oc_const_i32(&c, 2, shape);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, shape) && f32_equal(c.outs[0], want, 6));
    oc_free(&c);
    const int32_t d22[] = {2, 2}, pairs[] = {2, 1, 0, 0}, d2[] = {2};
    const float p[] = {0, 1, 10, 11, 20, 21}, wp[] = {21, 0};
    oc_init(&c, &tflc_kernel_gather_nd);
    oc_in(&c, F32, 2, d32, p);
    oc_in(&c, I32, 2, d22, pairs);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 1, d2) && f32_equal(c.outs[0], wp, 2));
    oc_free(&c);
}

/* int8 table with per-row scales dequantizes to float rows. */
static void test_embedding_lookup_hybrid(void) {
    opcase c;
    static const float scales[] = {0.5f, 2.0f};
    const int32_t ids[] = {1, 0, 1}, di[] = {3}, dt[] = {2, 2}, wd[] = {3, 2};
    const int8_t table[] = {2, -4, 3, -1};
    const float want[] = {6, -2, 1, -2, 6, -2};
    oc_init(&c, &tflc_kernel_embedding_lookup);
    oc_in(&c, I32, 1, di, ids);
    tflc_tensor *t = oc_const(&c, I8, 2, dt, table);
    oc_out(&c, F32);
    c.desc[t - c.tensor].quant = (tflc_quantization){.count = 2, .scales = scales};
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wd) && f32_equal(c.outs[0], want, 6));
    oc_free(&c);
}

/* ===================================================== pack / split == */

static void test_pack_unpack(void) {
    opcase c;
    const int32_t d[] = {2}, wd[] = {2, 3};
    const int8_t a[] = {1, 2}, b[] = {3, 4}, e[] = {5, 6}, want[] = {1, 3, 5, 2, 4, 6};
    oc_init(&c, &tflc_kernel_pack);
    oc_options(&c, BO_Pack);
    opt_i32(&c, SH_PACK_VALUES_COUNT, 3);
    opt_i32(&c, SH_PACK_AXIS, -1);
    oc_in(&c, I8, 1, d, a);
    oc_in(&c, I8, 1, d, b);
    oc_in(&c, I8, 1, d, e);
    oc_out(&c, I8);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wd) && i8_eq(c.outs[0], want, 6));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_unpack);
    oc_options(&c, BO_Unpack);
    opt_i32(&c, SH_UNPACK_NUM, 3);
    opt_i32(&c, SH_UNPACK_AXIS, 1);
    oc_in(&c, I8, 2, wd, want);
    for (int i = 0; i < 3; i++) oc_out(&c, I8);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(c.outs[0], a, 2) && i8_eq(c.outs[1], b, 2) && i8_eq(c.outs[2], e, 2));
    oc_free(&c);
}

static void test_split(void) {
    opcase c;
    const int32_t d[] = {2, 5}, sizes[] = {1, -1, 2}, w0[] = {2, 1}, w1[] = {2, 2};
    const float in[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float o0[] = {0, 5}, o1[] = {1, 2, 6, 7}, o2[] = {3, 4, 8, 9};
    oc_init(&c, &tflc_kernel_split_v);
    oc_in(&c, F32, 2, d, in);
    oc_const_i32(&c, 3, sizes);
    oc_scalar_i32(&c, -1);
    for (int i = 0; i < 3; i++) oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, w0) && shape_is(c.outs[1], 2, w1));
    CHECK(f32_equal(c.outs[0], o0, 2) && f32_equal(c.outs[1], o1, 4) && f32_equal(c.outs[2], o2, 4));
    oc_free(&c);
    /* SPLIT of 5 into 2 equal parts is refused */
    oc_init(&c, &tflc_kernel_split);
    oc_options(&c, BO_Split);
    opt_i32(&c, SH_SPLIT_NUM_SPLITS, 2);
    oc_scalar_i32(&c, 1);
    oc_in(&c, F32, 2, d, in);
    oc_out(&c, F32);
    oc_out(&c, F32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL,
                     "cannot split dim 1 of size 5 into 2 equal parts");
    oc_free(&c);
    /* SPLIT_V sizes that do not add up */
    const int32_t badsz[] = {1, 1, 1};
    oc_init(&c, &tflc_kernel_split_v);
    oc_in(&c, F32, 2, d, in);
    oc_const_i32(&c, 3, badsz);
    oc_scalar_i32(&c, 1);
    for (int i = 0; i < 3; i++) oc_out(&c, F32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "add up to 3, the axis has 5");
    oc_free(&c);
}

/* int8 inputs with other scales are requantized into the output's. */
static void test_concat_requant(void) {
    opcase c;
    static const float s1[] = {1.0f}, s2[] = {0.5f};
    static const int64_t z0[] = {0}, z3[] = {3};
    const int32_t d[] = {2}, wd[] = {4};
    const int8_t a[] = {10, -128}, b[] = {7, 127}, want[] = {10, -128, 2, 62};   /* 7*0.5-1.5, 127*0.5-1.5 */
    oc_init(&c, &tflc_kernel_concatenation);
    oc_quant_per_tensor(&c, oc_in(&c, I8, 1, d, a), s1, z0);
    oc_quant_per_tensor(&c, oc_in(&c, I8, 1, d, b), s2, z3);
    oc_quant_per_tensor(&c, oc_out(&c, I8), s1, z0);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 1, wd) && i8_eq(c.outs[0], want, 4));
    oc_free(&c);
}

/* =========================================================== padding == */

static void test_pad(void) {
    opcase c;
    static const float sc[] = {0.1f};
    static const int64_t zp[] = {-5};
    const int32_t d[] = {2}, pads[] = {1, 2}, wd[] = {5};
    const int8_t in[] = {1, 2}, want[] = {-5, 1, 2, -5, -5};
    oc_init(&c, &tflc_kernel_pad);
    oc_quant_per_tensor(&c, oc_in(&c, I8, 1, d, in), sc, zp);
    int32_t pshape[] = {1, 2};
    oc_const(&c, I32, 2, pshape, pads);
    oc_quant_per_tensor(&c, oc_out(&c, I8), sc, zp);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 1, wd) && i8_eq(c.outs[0], want, 5));
    oc_free(&c);
    /* PADV2 [2,2] with {{0,1},{1,0}} and 9 */
    const int32_t d22[] = {2, 2}, p22[] = {2, 2}, pv[] = {0, 1, 1, 0}, w33[] = {3, 3};
    const int64_t in64[] = {1, 2, 3, 4}, nine = 9, want64[] = {9, 1, 2, 9, 3, 4, 9, 9, 9};
    oc_init(&c, &tflc_kernel_padv2);
    oc_in(&c, I64, 2, d22, in64);
    oc_const(&c, I32, 2, p22, pv);
    oc_in(&c, I64, 0, NULL, &nine);
    oc_out(&c, I64);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, w33) && i64_eq(c.outs[0], want64, 9));
    oc_free(&c);
}

static void test_mirror_pad(void) {
    opcase c;
    const int32_t d[] = {3}, ps[] = {1, 2}, pads[] = {2, 2}, big[] = {3, 0};
    const float in[] = {1, 2, 3}, reflect[] = {3, 2, 1, 2, 3, 2, 1}, symmetric[] = {2, 1, 1, 2, 3, 3, 2};
    for (int mode = 0; mode < 2; mode++) {
        oc_init(&c, &tflc_kernel_mirror_pad);
        oc_options(&c, BO_MirrorPad);
        opt_i8(&c, SH_MIRROR_PAD_MODE, mode);
        oc_in(&c, F32, 1, d, in);
        oc_const(&c, I32, 2, ps, pads);
        oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        CHECK(f32_equal(c.outs[0], mode ? symmetric : reflect, 7));
        oc_free(&c);
    }
    /* REFLECT cannot pad 3 on a dim of 3 */
    oc_init(&c, &tflc_kernel_mirror_pad);
    oc_in(&c, F32, 1, d, in);
    oc_const(&c, I32, 2, ps, big);
    oc_out(&c, F32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "paddings {3,0} are invalid");
    oc_free(&c);
}

/* ====================================================== space / depth == */

/* SPACE_TO_DEPTH then DEPTH_TO_SPACE is the identity on a ragged [1,4,6,3]. */
static void test_space_depth_roundtrip(void) {
    opcase c, back;
    const int32_t d[] = {1, 4, 6, 3}, mid[] = {1, 2, 3, 12};
    float in[72];
    for (int i = 0; i < 72; i++) in[i] = (float)i;
    oc_init(&c, &tflc_kernel_space_to_depth);
    oc_options(&c, BO_SpaceToDepth);
    opt_i32(&c, SH_BLOCK_SIZE, 2);
    oc_in(&c, F32, 4, d, in);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 4, mid));
    /* out[0,0,0,(i*2+j)*3+k] = in[0,i,j,k]: element (i=1,j=0,k=2) at channel 8 */
    CHECK(((float *)c.outs[0]->data)[8] == in[(1 * 6 + 0) * 3 + 2]);
    oc_init(&back, &tflc_kernel_depth_to_space);
    oc_options(&back, BO_DepthToSpace);
    opt_i32(&back, SH_BLOCK_SIZE, 2);
    oc_in(&back, F32, 4, mid, c.outs[0]->data);
    oc_out(&back, F32);
    CHECK_OK(oc_run(&back));
    CHECK(shape_is(back.outs[0], 4, d) && f32_equal(back.outs[0], in, 72));
    oc_free(&back);
    oc_free(&c);
}

/* SPACE_TO_BATCH_ND [1,3,1] block {2} pads {1,0}: padded {p,a,b,c} -> batches {p,b},{a,c};
 * BATCH_TO_SPACE_ND with crops {1,0} undoes it. */
static void test_space_batch(void) {
    opcase c, back;
    const int32_t d[] = {1, 3, 1}, one[] = {1}, pd[] = {1, 2}, blk[] = {2}, pads[] = {1, 0}, wd[] = {2, 2, 1};
    const float in[] = {1, 2, 3}, want[] = {0, 2, 1, 3};
    oc_init(&c, &tflc_kernel_space_to_batch_nd);
    oc_in(&c, F32, 3, d, in);
    oc_const(&c, I32, 1, one, blk);
    oc_const(&c, I32, 2, pd, pads);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 3, wd) && f32_equal(c.outs[0], want, 4));
    oc_init(&back, &tflc_kernel_batch_to_space_nd);
    oc_in(&back, F32, 3, wd, want);
    oc_const(&back, I32, 1, one, blk);
    oc_const(&back, I32, 2, pd, pads);
    oc_out(&back, F32);
    CHECK_OK(oc_run(&back));
    CHECK(shape_is(back.outs[0], 3, d) && f32_equal(back.outs[0], in, 3));
    oc_free(&back);
    oc_free(&c);
}

/* ============================================ shape, fill, range, misc == */

static void test_shape_rank_fill(void) {
    opcase c;
    const int32_t d[] = {4, 0, 7}, w3[] = {3};
    const int64_t want[] = {4, 0, 7};
    oc_init(&c, &tflc_kernel_shape);
    oc_in(&c, F32, 3, d, NULL);
    oc_out(&c, I64);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 1, w3) && i64_eq(c.outs[0], want, 3));
    CHECK(tflc_kernel_shape.flags & TFLC_KERNEL_SHAPE_ONLY);
    oc_free(&c);
    oc_init(&c, &tflc_kernel_rank);
    oc_in(&c, F32, 3, d, NULL);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(c.outs[0]->rank == 0 && *(int32_t *)c.outs[0]->data == 3);
    oc_free(&c);
    const int32_t dims[] = {2, 3};
    const bool t = true, all[] = {true, true, true, true, true, true};
    oc_init(&c, &tflc_kernel_fill);
    oc_const_i32(&c, 2, dims);
    oc_in(&c, TFLC_BOOL, 0, NULL, &t);
    oc_out(&c, TFLC_BOOL);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, dims) && b_eq(c.outs[0], all, 6));
    oc_free(&c);
    /* dims from a runtime tensor: unsupported with a clear message */
    oc_init(&c, &tflc_kernel_fill);
    int32_t two = 2;
    oc_in(&c, I32, 1, &two, dims);
    oc_in(&c, TFLC_BOOL, 0, NULL, &t);
    oc_out(&c, TFLC_BOOL);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_UNSUPPORTED,
                     "dims (input 0) computed at run time is not supported yet");
    oc_free(&c);
}

/* RANGE accumulates (value += delta) as LiteRT does; 1..2 by 0.25 -> 4 values. */
static void test_range(void) {
    opcase c;
    const float st = 1.0f, li = 2.0f, de = 0.25f, want[] = {1.0f, 1.25f, 1.5f, 1.75f};
    oc_init(&c, &tflc_kernel_range);
    oc_const(&c, F32, 0, NULL, &st);
    oc_const(&c, F32, 0, NULL, &li);
    oc_const(&c, F32, 0, NULL, &de);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_equal(c.outs[0], want, 4));
    oc_free(&c);
    const int32_t a = 10, b = 3, s = -3, wi[] = {10, 7, 4};
    oc_init(&c, &tflc_kernel_range);
    oc_const(&c, I32, 0, NULL, &a);
    oc_const(&c, I32, 0, NULL, &b);
    oc_const(&c, I32, 0, NULL, &s);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(i32_eq(c.outs[0], wi, 3));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_range);
    oc_const(&c, I32, 0, NULL, &a);
    oc_in(&c, I32, 0, NULL, &b);
    oc_const(&c, I32, 0, NULL, &s);
    oc_out(&c, I32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_UNSUPPORTED, "RANGE with input 1 computed at run time");
    oc_free(&c);
    oc_init(&c, &tflc_kernel_range);
    oc_const(&c, I32, 0, NULL, &b);
    oc_const(&c, I32, 0, NULL, &a);
    oc_const(&c, I32, 0, NULL, &s);
    oc_out(&c, I32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "delta -3 cannot reach 10 from 3");
    oc_free(&c);
}

static void test_cumsum(void) {
    opcase c;
    const int32_t d[] = {2, 3};
    const int32_t in[] = {1, 2, 3, 4, 5, 6};
    const int32_t plain[] = {1, 3, 6, 4, 9, 15}, both[] = {5, 3, 0, 11, 6, 0};
    for (int k = 0; k < 2; k++) {
        oc_init(&c, &tflc_kernel_cumsum);
        oc_options(&c, BO_Cumsum);
        opt_i8(&c, SH_CUMSUM_EXCLUSIVE, k);
        opt_i8(&c, SH_CUMSUM_REVERSE, k);
        oc_in(&c, I32, 2, d, in);
        oc_scalar_i32(&c, -1);
        oc_out(&c, I32);
        CHECK_OK(oc_run(&c));
        CHECK(i32_eq(c.outs[0], k ? both : plain, 6));
        oc_free(&c);
    }
}

/* Ties keep the lower index: {1,5,3,5,0} k 3 -> {5,5,3} at {1,3,2}. */
static void test_topk(void) {
    opcase c;
    const int32_t d[] = {2, 5}, wd[] = {2, 3};
    const int16_t in[] = {1, 5, 3, 5, 0, -1, -1, -1, -2, 9}, vals[] = {5, 5, 3, 9, -1, -1};
    const int32_t idx[] = {1, 3, 2, 4, 0, 1};
    oc_init(&c, &tflc_kernel_topk_v2);
    oc_in(&c, TFLC_INT16, 2, d, in);
    oc_scalar_i32(&c, 3);
    oc_out(&c, TFLC_INT16);
    oc_out(&c, I32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wd) && i16_eq(c.outs[0], vals, 6) && i32_eq(c.outs[1], idx, 6));
    oc_free(&c);
    oc_init(&c, &tflc_kernel_topk_v2);
    oc_in(&c, TFLC_INT16, 2, d, in);
    oc_scalar_i32(&c, 6);
    oc_out(&c, TFLC_INT16);
    oc_out(&c, I32);
    CHECK_FAILS_WITH(oc_prepare(&c), TFLC_ERROR_INVALID_MODEL, "k 6 must be in [0, 5]");
    oc_free(&c);
}

/* Indices {2,-1,5} depth 3 axis 0 -> [3,3]; out-of-range indices give all-off columns. */
static void test_one_hot(void) {
    opcase c;
    const int32_t d[] = {3}, wd[] = {3, 3};
    const int64_t idx[] = {2, -1, 5};
    const uint8_t on = 7, off = 1, want[] = {1, 1, 1, 1, 1, 1, 7, 1, 1};
    oc_init(&c, &tflc_kernel_one_hot);
    oc_options(&c, BO_OneHot);
    opt_i32(&c, SH_ONE_HOT_AXIS, 0);
    oc_in(&c, I64, 1, d, idx);
    oc_scalar_i32(&c, 3);
    oc_in(&c, TFLC_UINT8, 0, NULL, &on);
    oc_in(&c, TFLC_UINT8, 0, NULL, &off);
    oc_out(&c, TFLC_UINT8);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wd) && u8_eq(c.outs[0], want, 9));
    oc_free(&c);
}

/* Zero-size tensors flow through without touching memory. */
static void test_empty_tensors(void) {
    opcase c;
    const int32_t d[] = {0, 3}, perm[] = {1, 0}, wd[] = {3, 0}, ax[] = {0}, w3[] = {3};
    const float zeros[] = {0, 0, 0};
    oc_init(&c, &tflc_kernel_transpose);
    oc_in(&c, F32, 2, d, NULL);
    oc_const_i32(&c, 2, perm);
    oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 2, wd));
    oc_free(&c);
    reduce_case(&c, &tflc_kernel_sum, F32, 2, d, NULL, 1, ax, false);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(c.outs[0], 1, w3) && f32_equal(c.outs[0], zeros, 3));
    oc_free(&c);
}

static void run_tests(void) {
    TEST(test_sum_float);
    TEST(test_reduce_ragged);
    TEST(test_reduce_int);
    TEST(test_reduce_bool);
    TEST(test_mean_int8);
    TEST(test_mean_int8_4d);
    TEST(test_sum_int8_wraps);
    TEST(test_reduce_errors);
    TEST(test_arg_max_min);
    TEST(test_transpose);
    TEST(test_transpose_all_perms);
    TEST(test_transpose_last_two);
    TEST(test_transpose_threads);
    TEST(test_slice);
    TEST(test_strided_slice);
    TEST(test_strided_slice_random);
    TEST(test_gather_random);
    TEST(test_reverse_tile_broadcast);
    TEST(test_gather);
    TEST(test_gather_hostile);
    TEST(test_gather_nd_scatter_nd);
    TEST(test_embedding_lookup_hybrid);
    TEST(test_pack_unpack);
    TEST(test_split);
    TEST(test_concat_requant);
    TEST(test_pad);
    TEST(test_mirror_pad);
    TEST(test_space_depth_roundtrip);
    TEST(test_space_batch);
    TEST(test_shape_rank_fill);
    TEST(test_range);
    TEST(test_cumsum);
    TEST(test_topk);
    TEST(test_one_hot);
    TEST(test_empty_tensors);
}

TEST_MAIN()
