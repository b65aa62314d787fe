/*
 * transpose.c -- TRANSPOSE by a constant permutation (input 1, int32/int64, one entry per
 * input dim): output dim i is input dim perm[i].
 *
 *   [2,3,4] perm {2,0,1} -> [4,2,3]
 *
 * Pure data movement: any fixed-size dtype, quantization passes through. Prepare turns the
 * permutation into a strided view of the input; eval copies it, split along the view's
 * outermost dim over the runner's threads when it is big enough.
 */
#include "ops/shape_common.h"

#include "kernels/gemm.h"   /* tflc_pack_transpose_u32 */

static tflc_status transpose_prepare(tflc_node *node) {
    tflc_sh_view *v = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    int64_t perm[TFLC_MAX_RANK];
    size_t n = 0;
    if (s == TFLC_OK)
        s = tflc_sh_const_ints(node, node->inputs[1], "perm (input 1)", perm, TFLC_MAX_RANK, &n);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if ((int)n != in->rank)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "perm has %zu entries for an input of rank %d", n, in->rank);
    int64_t strides[TFLC_MAX_RANK];
    bool seen[TFLC_MAX_RANK] = {false};
    tflc_sh_strides(in->dims, in->rank, strides);
    v->rank = in->rank;
    for (int i = 0; i < in->rank; i++) {
        int d;
        if (!tflc_ops_normalize_axis(perm[i], in->rank, &d) || seen[d])
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "perm is not a permutation of 0..%d (entry %d is %lld)", in->rank - 1, i,
                                  (long long)perm[i]);
        seen[d] = true;
        v->dims[i] = in->dims[d];
        v->in_strides[i] = strides[d];
    }
    v->in_base = 0;
    tflc_sh_view_dense_out(v);
    return tflc_node_set_output_shape(node, 0, v->dims, v->rank);
}

/* One innermost run: n elements of ELEM bytes, input stride `is` elements, output dense.
 * A constant-size memcpy compiles to one load and one store. */
#define TRANSPOSE_RUN(ELEM)                                                                  \
    for (int32_t i = 0; i < n; i++)                                                          \
        memcpy(dst + (size_t)i * (ELEM), src + (i * is) * (int64_t)(ELEM), (ELEM))

static void strided_run(char *dst, const char *src, int32_t n, int64_t is, size_t elem) {
    switch (elem) {
    case 1: TRANSPOSE_RUN(1); break;
    case 2: TRANSPOSE_RUN(2); break;
    case 4: TRANSPOSE_RUN(4); break;
    default: TRANSPOSE_RUN(8); break;
    }
}

/* A permutation that moves the last dim (e.g. [1,128,4,64] perm {0,2,3,1}: runs of 128
 * floats 256 apart) has no contiguous run; tflc_sh_view_copy would call the C library's
 * memcpy once per element with a run-time size (32k calls there: 4% of
 * transformer_block_float32, issue #6). Walks the same view with the element size fixed
 * instead. Same bytes moved, so the same result. */
static void transpose_strided(const tflc_sh_view *v, const char *in, char *out, size_t elem) {
    const int r = v->rank;
    const int32_t inner = v->dims[r - 1];
    const int64_t is = v->in_strides[r - 1];
    int32_t idx[TFLC_SH_VIEW_MAX] = {0};
    int64_t io = v->in_base, oo = v->out_base;
    for (;;) {
        strided_run(out + oo * (int64_t)elem, in + io * (int64_t)elem, inner, is, elem);
        if (!tflc_sh_view_next_run(v, idx, &io, &oo)) return;
    }
}

/* True when the view swaps the last two dims, so that output [..., R, C] takes element
 * (r, c) from the input's row c at column r: the input's contiguous dim becomes the output's
 * R (in_strides[rank-2] == 1) and C steps through it (in_strides[rank-1] != 1). A transformer's
 * attention transposes K so, [1,4,128,64] perm {0,1,3,2}. */
static bool swaps_last_two(const tflc_sh_view *v) {
    const int r = v->rank;
    return r >= 2 && v->in_strides[r - 2] == 1 && v->in_strides[r - 1] != 1 &&
           tflc_shape_count(v->dims, r) > 0;
}

/* 4-byte elements of a view that swaps_last_two: per leading index, one R x C block through
 * the blocked 4 x 4 word transpose of the GEMM packing (source row c is the input's C row,
 * R words long), where the element-by-element walk read a new cache line per element
 * (31 us for that attention transpose, 1 ns per float). Same bytes moved. */
static void transpose_last_two_u32(const tflc_sh_view *v, const char *in, char *out) {
    const int r = v->rank;
    const size_t rows = (size_t)v->dims[r - 2], cols = (size_t)v->dims[r - 1];
    const size_t src_row = (size_t)v->in_strides[r - 1] * 4;
    /* The view without its last dim: its runs are the blocks, one per leading index. */
    tflc_sh_view lead = *v;
    lead.rank = r - 1;
    int32_t idx[TFLC_SH_VIEW_MAX] = {0};
    int64_t io = v->in_base, oo = v->out_base;
    do {
        tflc_pack_transpose_u32(in + io * 4, src_row, cols, rows, out + oo * 4, cols);
    } while (tflc_sh_view_next_run(&lead, idx, &io, &oo));
}

/* Copies view v (any part of the whole one: each path walks whatever dims, bases and
 * strides it is given) from in to out. */
static void transpose_view(const tflc_sh_view *v, const char *in, char *out, size_t elem) {
    const bool fixed = elem == 1 || elem == 2 || elem == 4 || elem == 8;
    if (elem == 4 && swaps_last_two(v))
        transpose_last_two_u32(v, in, out);
    else if (fixed && v->rank >= 1 && v->in_strides[v->rank - 1] != 1 &&
             tflc_shape_count(v->dims, v->rank) > 0)
        transpose_strided(v, in, out, elem);
    else
        tflc_sh_view_copy(v, in, out, elem);
}

/* Bytes a task moves at least when the output is split over the threads: below it a split
 * costs more in hand-over than it saves. */
#define TRANSPOSE_TASK_MIN_BYTES ((size_t)16 << 10)

/* The view split along its outermost dim d of more than one index (not the last, which
 * the paths above walk as runs): task t copies indices [t * span, (t + 1) * span) of d, a
 * view of the same dims and strides with d shortened and both bases moved. */
typedef struct transpose_job {
    const tflc_sh_view *v;
    const char *in;
    char *out;
    size_t elem, span;
    int dim;
} transpose_job;

static void transpose_task(void *ctx, int task, int thread) {
    (void)thread;
    const transpose_job *j = ctx;
    tflc_sh_view part = *j->v;
    const int d = j->dim;
    const int64_t begin = (int64_t)((size_t)task * j->span);
    const int64_t end = begin + (int64_t)j->span < part.dims[d] ? begin + (int64_t)j->span : part.dims[d];
    part.dims[d] = (int32_t)(end - begin);
    part.in_base += begin * part.in_strides[d];
    part.out_base += begin * part.out_strides[d];
    transpose_view(&part, j->in, j->out, j->elem);
}

/* On 2 threads a Transformer block's four [1,4,128,64] transposes took 33 us on one thread
 * and 44 us when left to one thread of two: each read what the other core's
 * FULLY_CONNECTED or BATCH_MATMUL half had just written. */
static tflc_status transpose_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    const tflc_sh_view *v = node->params;
    const size_t elem = tflc_dtype_size(in->dtype);
    transpose_job j = {.v = v, .in = in->data, .out = node->outputs[0]->data, .elem = elem, .dim = -1};
    for (int d = 0; d + 1 < v->rank && j.dim < 0; d++)
        if (v->dims[d] > 1) j.dim = d;
    const size_t bytes = tflc_shape_count(v->dims, v->rank) * elem;
    if (j.dim < 0 || tflc_node_num_threads(node) <= 1 || bytes < 2 * TRANSPOSE_TASK_MIN_BYTES) {
        transpose_view(v, j.in, j.out, elem);
        return TFLC_OK;
    }
    const size_t n = (size_t)v->dims[j.dim], per_index = bytes / n;
    const int tasks = tflc_node_split_span(node, n, (TRANSPOSE_TASK_MIN_BYTES + per_index - 1) / per_index, 1,
                                           &j.span);
    if (tasks <= 1) transpose_view(v, j.in, j.out, elem);
    else tflc_node_parallel_for(node, tasks, transpose_task, &j);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_transpose = {.name = "TRANSPOSE", .params_size = sizeof(tflc_sh_view),
                                           .prepare = transpose_prepare, .eval = transpose_eval};
