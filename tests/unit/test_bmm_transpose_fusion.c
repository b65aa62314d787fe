/*
 * test_bmm_transpose_fusion.c -- TRANSPOSEs read or written by a float BATCH_MATMUL through
 * the permutation's strided view (core/graph.c, fuse_transposes_into_bmm; ops/fusion.h):
 * the fused graph must give the unfused graph's outputs bit for bit, and each TRANSPOSE must
 * be skipped exactly when the fusion is allowed, its fused tensor left without storage.
 *
 * A hand-built float32 subgraph, a Transformer's attention without the softmax:
 *   Q0 -RELU-> Q        (an arena tensor whose last reader is its TRANSPOSE: fused, the
 *                        product reads it, so it must stay live until then)
 *   Q [1,S,H,D] -TRANSPOSE {0,2,1,3}-> q [1,H,S,D]                      (lhs)
 *   K [1,S,H,D] -TRANSPOSE {0,2,3,1}-> k [1,H,D,S]; BATCH_MATMUL(q, k)     (rhs [K, C])
 *     or        -TRANSPOSE {0,2,1,3}-> k [1,H,S,D]; BATCH_MATMUL(q, k, adj_y) (rhs [C, K])
 *     -> s0 [1,H,S,S]; MUL(s0, 0.125) or SUB(0.125, s0) with RELU -> s   (an output)
 *   V [1,S,H,D] -TRANSPOSE {0,2,1,3}-> v [1,H,S,D]; BATCH_MATMUL(s, v) -> o [1,H,S,D]
 *   o -TRANSPOSE {0,2,1,3}-> y [1,S,H,D]                                 (the output)
 * Refused: K [1,S,1,D] (one head: the product broadcasts k over the heads, so neither of its
 * operands is taken); Q stored as [1,S,D,H] with perm {0,3,1,2} (q's rows then step along K
 * by H, not 1). The scale is a constant scalar: the first product runs it as its epilogue
 * (tflc_bmm_fuse_epilogue), in the node's operand order. The unfused graph also lists q, k,
 * v, o and s0 as outputs, which keeps every TRANSPOSE and the scale nodes of their own.
 * Sizes make ragged GEMM tiles and panels (S = 37, D = 19) and split over 1-3 threads.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "core/threadpool.h"
#include "core/weight_cache.h"
#include "format/schema.h"
#include "ops/nn_common.h"
#include "ops/ops.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0x5851F42D4C957F2Dull
#include "rng.h"

enum { X_Q0, X_Q, X_K, X_V, X_PERM_HEADS, X_PERM_KT, X_PERM_BAD, X_QT, X_KT, X_S0, X_C, X_S, X_VT, X_O, X_Y,
       X_TENSORS };
enum { OP_RELU, OP_TQ, OP_TK, OP_BMM1, OP_SCALE, OP_TV, OP_BMM2, OP_TO, OP_COUNT };

typedef struct bt_case {
    int32_t s, h, d;
    bool adj_y;        /* k as [1,H,S,D] and the first product with adj_y */
    bool one_head_k;   /* K [1,S,1,D]: refused */
    bool bad_q;        /* Q [1,S,D,H] perm {0,3,1,2}: refused */
    int threads;
    bool sub_first;    /* the scale: SUB(c, s0) with RELU, else MUL(s0, c) */
} bt_case;

typedef struct bt_graph {
    tflc_tensor_desc tensors[X_TENSORS];
    tflc_op_desc ops[OP_COUNT];
    int32_t io[OP_COUNT][3], outs[OP_COUNT][1];
    int32_t inputs[3], outputs[7];
    tflc_subgraph_desc sg;
    struct tflc_model model;
    opcase relu, transpose, bmm1, bmm2, scale;   /* only their codes and options tables */
} bt_graph;

static const float scale_c = 0.125f;
static const int32_t perm_heads[4] = {0, 2, 1, 3}, perm_kt[4] = {0, 2, 3, 1}, perm_bad[4] = {0, 3, 1, 2};
static int cases_run;

static void bt_op(bt_graph *f, int i, const opcase *oc, int n_in, int32_t a, int32_t b, int32_t o) {
    desc_op_of(&f->ops[i], f->io[i], f->outs[i], oc, n_in, a, b, o);
}

static void bt_build(bt_graph *f, const bt_case *k, bool plain) {
    const int32_t S = k->s, H = k->h, D = k->d, kh = k->one_head_k ? 1 : H;
    const int32_t shd[4] = {1, S, H, D}, sdh[4] = {1, S, D, H}, k_in[4] = {1, S, kh, D};
    const int32_t hsd[4] = {1, H, S, D}, hss[4] = {1, H, S, S}, four[1] = {4};
    const int32_t kt[4] = {1, kh, k->adj_y ? S : D, k->adj_y ? D : S};
    desc_tensor(&f->tensors[X_Q0], TFLC_FLOAT32, k->bad_q ? sdh : shd, 4, NULL, 0);
    desc_tensor(&f->tensors[X_Q], TFLC_FLOAT32, k->bad_q ? sdh : shd, 4, NULL, 0);
    desc_tensor(&f->tensors[X_K], TFLC_FLOAT32, k_in, 4, NULL, 0);
    desc_tensor(&f->tensors[X_V], TFLC_FLOAT32, shd, 4, NULL, 0);
    desc_tensor(&f->tensors[X_PERM_HEADS], TFLC_INT32, four, 1, perm_heads, sizeof perm_heads);
    desc_tensor(&f->tensors[X_PERM_KT], TFLC_INT32, four, 1, perm_kt, sizeof perm_kt);
    desc_tensor(&f->tensors[X_PERM_BAD], TFLC_INT32, four, 1, perm_bad, sizeof perm_bad);
    desc_tensor(&f->tensors[X_QT], TFLC_FLOAT32, hsd, 4, NULL, 0);
    desc_tensor(&f->tensors[X_KT], TFLC_FLOAT32, kt, 4, NULL, 0);
    desc_tensor(&f->tensors[X_S0], TFLC_FLOAT32, hss, 4, NULL, 0);
    desc_tensor(&f->tensors[X_C], TFLC_FLOAT32, NULL, 0, &scale_c, sizeof scale_c);
    desc_tensor(&f->tensors[X_S], TFLC_FLOAT32, hss, 4, NULL, 0);
    desc_tensor(&f->tensors[X_VT], TFLC_FLOAT32, hsd, 4, NULL, 0);
    desc_tensor(&f->tensors[X_O], TFLC_FLOAT32, hsd, 4, NULL, 0);
    desc_tensor(&f->tensors[X_Y], TFLC_FLOAT32, shd, 4, NULL, 0);
    oc_init(&f->relu, &tflc_kernel_relu);
    oc_init(&f->transpose, &tflc_kernel_transpose);
    oc_init(&f->bmm1, &tflc_kernel_batch_matmul);
    oc_options(&f->bmm1, BO_BatchMatMul);
    opt_i8(&f->bmm1, BMM_OPT_ADJ_Y, k->adj_y);
    oc_build_options(&f->bmm1);
    oc_init(&f->bmm2, &tflc_kernel_batch_matmul);
    oc_init(&f->scale, k->sub_first ? &tflc_kernel_sub : &tflc_kernel_mul);
    oc_options(&f->scale, k->sub_first ? BO_Sub : BO_Mul);
    opt_i8(&f->scale, ADD_OPT_ACTIVATION, k->sub_first ? ACT_RELU : ACT_NONE);
    oc_build_options(&f->scale);
    bt_op(f, OP_RELU, &f->relu, 1, X_Q0, -1, X_Q);
    bt_op(f, OP_TQ, &f->transpose, 2, X_Q, k->bad_q ? X_PERM_BAD : X_PERM_HEADS, X_QT);
    bt_op(f, OP_TK, &f->transpose, 2, X_K, k->adj_y ? X_PERM_HEADS : X_PERM_KT, X_KT);
    bt_op(f, OP_BMM1, &f->bmm1, 2, X_QT, X_KT, X_S0);
    bt_op(f, OP_SCALE, &f->scale, 2, k->sub_first ? X_C : X_S0, k->sub_first ? X_S0 : X_C, X_S);
    bt_op(f, OP_TV, &f->transpose, 2, X_V, X_PERM_HEADS, X_VT);
    bt_op(f, OP_BMM2, &f->bmm2, 2, X_S, X_VT, X_O);
    bt_op(f, OP_TO, &f->transpose, 2, X_O, X_PERM_HEADS, X_Y);
    f->inputs[0] = X_Q0, f->inputs[1] = X_K, f->inputs[2] = X_V;
    int n_out = 0;
    f->outputs[n_out++] = X_Y;
    f->outputs[n_out++] = X_S;
    if (plain) {
        f->outputs[n_out++] = X_QT;
        f->outputs[n_out++] = X_KT;
        f->outputs[n_out++] = X_VT;
        f->outputs[n_out++] = X_O;
        f->outputs[n_out++] = X_S0;
    }
    f->sg = (tflc_subgraph_desc){.name = "attention", .tensors = f->tensors, .n_tensors = X_TENSORS,
                                 .ops = f->ops, .n_ops = OP_COUNT, .inputs = f->inputs,
                                 .n_inputs = 3, .outputs = f->outputs, .n_outputs = n_out};
    f->model = (struct tflc_model){.subgraphs = &f->sg, .n_subgraphs = 1,
                                   .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
}

static size_t bt_count(const bt_case *k, int32_t heads) {
    return (size_t)k->s * (size_t)heads * (size_t)k->d;
}

/* Runs the graph (plain: nothing fusable) on q, kk, v: y and s copied out; fused[op] says
 * which TRANSPOSEs were skipped, and each skipped one's fused tensor must have no storage. */
static bool bt_run(const bt_case *k, bool plain, const float *const in[3], float *y, float *s,
                   bool fused[OP_COUNT]) {
    static bt_graph f;
    memset(&f, 0, sizeof f);
    bt_build(&f, k, plain);
    struct tflc_runner runner = {.model = &f.model};
    if (k->threads > 1) CHECK(tflc_threadpool_create(k->threads, &runner.pool) == TFLC_OK);
    const int in_t[3] = {X_Q0, X_K, X_V};
    const size_t n_s = (size_t)k->h * (size_t)k->s * (size_t)k->s;
    tflc_graph g;
    const tflc_status st = graph_run_twice(&g, &runner, 3, in_t, in, X_Y, y, bt_count(k, k->h));
    CHECK_MSG(st == TFLC_OK, "%s", runner.err);
    if (st == TFLC_OK) {
        memcpy(s, g.tensors[X_S].data, n_s * sizeof(float));
        for (int i = 0; i < OP_COUNT; i++) fused[i] = g.nodes[i].fused;
        /* an input transpose's output, or the product that an output transpose writes */
        CHECK(fused[OP_TQ] == (g.tensors[X_QT].data == NULL));
        CHECK(fused[OP_TK] == (g.tensors[X_KT].data == NULL));
        CHECK(fused[OP_TV] == (g.tensors[X_VT].data == NULL));
        CHECK(fused[OP_TO] == (g.tensors[X_O].data == NULL));
        CHECK(fused[OP_SCALE] == (g.tensors[X_S0].data == NULL));
    }
    tflc_graph_release(&g);
    tflc_threadpool_free(runner.pool);
    oc_free(&f.relu);
    oc_free(&f.transpose);
    oc_free(&f.bmm1);
    oc_free(&f.bmm2);
    oc_free(&f.scale);
    return st == TFLC_OK;
}

static void check_case(const bt_case *k) {
    const size_t n = bt_count(k, k->h), n_k = bt_count(k, k->one_head_k ? 1 : k->h);
    const size_t n_s = (size_t)k->h * (size_t)k->s * (size_t)k->s;
    float *q = rng_floats(n, 1.0f), *kk = rng_floats(n_k, 1.0f), *v = rng_floats(n, 1.0f);
    const float *in[3] = {q, kk, v};
    float *y0 = malloc(n * sizeof(float)), *y1 = malloc(n * sizeof(float));
    float *s0 = malloc(n_s * sizeof(float)), *s1 = malloc(n_s * sizeof(float));
    bool plain_fused[OP_COUNT], fused[OP_COUNT];
    const bool ok = bt_run(k, true, in, y0, s0, plain_fused) && bt_run(k, false, in, y1, s1, fused);
    if (ok) {
        const bool want[OP_COUNT] = {[OP_TQ] = !k->bad_q && !k->one_head_k, [OP_TK] = !k->one_head_k,
                                     [OP_SCALE] = true, [OP_TV] = true,
                                     [OP_TO] = true};
        for (int i = 0; i < OP_COUNT; i++)
            CHECK_MSG(fused[i] == want[i] && !plain_fused[i],
                      "S=%d H=%d D=%d adj_y %d one-head K %d bad Q %d: op %d fused %d (want %d), plain %d",
                      k->s, k->h, k->d, k->adj_y, k->one_head_k, k->bad_q, i, fused[i], want[i],
                      plain_fused[i]);
        CHECK_MSG(memcmp(s0, s1, n_s * sizeof(float)) == 0 && memcmp(y0, y1, n * sizeof(float)) == 0,
                  "S=%d H=%d D=%d adj_y %d one-head K %d bad Q %d, %d threads: fused outputs differ",
                  k->s, k->h, k->d, k->adj_y, k->one_head_k, k->bad_q, k->threads);
    }
    cases_run++;
    free(q);
    free(kk);
    free(v);
    free(y0);
    free(y1);
    free(s0);
    free(s1);
}

static void test_fused_attention(void) {
    static const bt_case cases[] = {
        /*  S   H   D  adj_y  one_head_k bad_q thr sub_first */
        {37, 3, 19, false, false, false, 1, false},
        {37, 3, 19, true, false, false, 3, true},
        {64, 4, 32, false, false, false, 2, true},   /* whole panels and tiles, a batch per task */
        {5, 2, 1, true, false, false, 2, false},     /* D = 1: one-column rows and products */
        {37, 3, 19, false, true, false, 2, false},   /* refused: k broadcast over the heads */
        {37, 3, 19, true, false, true, 3, true},     /* refused: q's rows not contiguous */
    };
    for (size_t i = 0; i < N(cases); i++) check_case(&cases[i]);
}

static void test_counts(void) { CHECK(cases_run == 6); }

static void run_tests(void) {
    TEST(test_fused_attention);
    TEST(test_counts);
}

TEST_MAIN()
