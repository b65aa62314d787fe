/*
 * test_elementwise_chain.c -- consecutive float element-wise nodes with outputs of one shape
 * run as one chain, block by block (core/graph.c, fuse_elementwise_chains; ops/fusion.h):
 * the chained graph must give the unchained graph's outputs bit for bit, the members after
 * the first must be skipped, and an output that only later members read must get no arena
 * storage.
 *
 * A hand-built float32 subgraph, a layer normalization's tail as the converter writes it:
 *   r [R,1], g [C] (constant):  MUL(r, g) -> s [R,C]
 *   m [R,1]:                    MUL(m, s) -> t1
 *   x [R,C]:                    MUL(x, s) -> t2        (or SUB(s, x))
 *                               ADD(t2, t1) -> y       (fused activation)
 *   [reader] t1 -RELU-> z       (t1 then leaves the chain: arena storage)
 *   [t2 out] t2 also a graph output (arena storage)
 * The unchained graph is the same with chains off (tflc_bin_set_chains). x holds a NaN so
 * that the members' operand order shows. Sizes make blocks that end inside a row (37 x 100)
 * and whole rows (128 x 256), on 1-3 threads.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "core/threadpool.h"
#include "format/schema.h"
#include "ops/fusion.h"
#include "ops/math_common.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0x6A09E667F3BCC908ull
#include "rng.h"

enum { C_X, C_R, C_M, C_G, C_S, C_T1, C_T2, C_Y, C_Z, C_TENSORS };
enum { OP_S, OP_T1, OP_T2, OP_Y, OP_Z, OP_COUNT };

typedef struct ch_case {
    int32_t rows, cols;
    bool sub;          /* t2 = SUB(s, x), else MUL(x, s) */
    bool reader;       /* a RELU after the chain reads t1 */
    bool t2_out;       /* t2 is a graph output too */
    int act;           /* the ADD's fused activation */
    int threads;
} ch_case;

typedef struct ch_graph {
    tflc_tensor_desc tensors[C_TENSORS];
    tflc_op_desc ops[OP_COUNT];
    int32_t io[OP_COUNT][3], outs[OP_COUNT][1];
    int32_t inputs[3], outputs[3];
    tflc_subgraph_desc sg;
    struct tflc_model model;
    opcase mul, sub, add, relu;      /* only their codes and options tables */
    float *g;
} ch_graph;

static int cases_run;

static void ch_op(ch_graph *f, int i, const opcase *oc, int n_in, int32_t a, int32_t b, int32_t o) {
    desc_op_of(&f->ops[i], f->io[i], f->outs[i], oc, n_in, a, b, o);
}

static void ch_options(opcase *c, const tflc_kernel *kernel, uint8_t type, int act) {
    oc_init(c, kernel);
    oc_options(c, type);
    opt_i8(c, ADD_OPT_ACTIVATION, (int8_t)act);   /* slot 0 in Add, Sub and Mul options */
    oc_build_options(c);
}

static void ch_build(ch_graph *f, const ch_case *k) {
    const int32_t rc[2] = {k->rows, k->cols}, r1[2] = {k->rows, 1}, c1[1] = {k->cols};
    f->g = rng_floats((size_t)k->cols, 2.0f);
    desc_tensor(&f->tensors[C_X], TFLC_FLOAT32, rc, 2, NULL, 0);
    desc_tensor(&f->tensors[C_R], TFLC_FLOAT32, r1, 2, NULL, 0);
    desc_tensor(&f->tensors[C_M], TFLC_FLOAT32, r1, 2, NULL, 0);
    desc_tensor(&f->tensors[C_G], TFLC_FLOAT32, c1, 1, f->g, (size_t)k->cols * sizeof(float));
    for (int t = C_S; t <= C_Z; t++) desc_tensor(&f->tensors[t], TFLC_FLOAT32, rc, 2, NULL, 0);
    ch_options(&f->mul, &tflc_kernel_mul, BO_Mul, ACT_NONE);
    ch_options(&f->sub, &tflc_kernel_sub, BO_Sub, ACT_NONE);
    ch_options(&f->add, &tflc_kernel_add, BO_Add, k->act);
    oc_init(&f->relu, &tflc_kernel_relu);
    ch_op(f, OP_S, &f->mul, 2, C_R, C_G, C_S);
    ch_op(f, OP_T1, &f->mul, 2, C_M, C_S, C_T1);
    if (k->sub) ch_op(f, OP_T2, &f->sub, 2, C_S, C_X, C_T2);
    else ch_op(f, OP_T2, &f->mul, 2, C_X, C_S, C_T2);
    ch_op(f, OP_Y, &f->add, 2, C_T2, C_T1, C_Y);
    ch_op(f, OP_Z, &f->relu, 1, C_T1, -1, C_Z);
    f->inputs[0] = C_X, f->inputs[1] = C_R, f->inputs[2] = C_M;
    int n_out = 0;
    f->outputs[n_out++] = C_Y;
    if (k->reader) f->outputs[n_out++] = C_Z;
    if (k->t2_out) f->outputs[n_out++] = C_T2;
    f->sg = (tflc_subgraph_desc){.name = "chain", .tensors = f->tensors, .n_tensors = C_TENSORS,
                                 .ops = f->ops, .n_ops = k->reader ? OP_COUNT : OP_COUNT - 1,
                                 .inputs = f->inputs, .n_inputs = 3, .outputs = f->outputs,
                                 .n_outputs = n_out};
    f->model = (struct tflc_model){.subgraphs = &f->sg, .n_subgraphs = 1,
                                   .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
}

/* Runs the graph, chained or not, on in[3] (x, r, m) twice; copies y (and z, t2 when they are
 * outputs) out; `fused` receives the members' skip flags, `stored` whether s, t1, t2 have
 * arena storage. */
static bool ch_run(const ch_case *k, bool chains, const float *const in[3], float *y, float *z,
                   float *t2, bool fused[OP_COUNT], bool stored[3]) {
    static ch_graph f;
    const uint64_t seed = rng_state;
    memset(&f, 0, sizeof f);
    ch_build(&f, k);
    rng_state = seed;                     /* the same g for both graphs */
    struct tflc_runner runner = {.model = &f.model};
    if (k->threads > 1) CHECK(tflc_threadpool_create(k->threads, &runner.pool) == TFLC_OK);
    tflc_bin_set_chains(chains);
    const int in_t[3] = {C_X, C_R, C_M};
    const size_t n = (size_t)k->rows * (size_t)k->cols;
    tflc_graph g;
    const tflc_status s = graph_run_twice(&g, &runner, 3, in_t, in, C_Y, y, n);
    tflc_bin_set_chains(true);
    CHECK_MSG(s == TFLC_OK, "%s", runner.err);
    if (s == TFLC_OK) {
        if (k->reader) memcpy(z, g.tensors[C_Z].data, n * sizeof(float));
        if (k->t2_out) memcpy(t2, g.tensors[C_T2].data, n * sizeof(float));
        for (int i = 0; i < OP_COUNT; i++) fused[i] = i < g.desc->n_ops && g.nodes[i].fused;
        for (int t = 0; t < 3; t++) stored[t] = g.tensors[C_S + t].data != NULL;
    }
    tflc_graph_release(&g);
    tflc_threadpool_free(runner.pool);
    oc_free(&f.mul);
    oc_free(&f.sub);
    oc_free(&f.add);
    oc_free(&f.relu);
    free(f.g);
    return s == TFLC_OK;
}

static void check_case(const ch_case *k) {
    const size_t n = (size_t)k->rows * (size_t)k->cols;
    float *x = rng_floats(n, 3.0f), *r = rng_floats((size_t)k->rows, 2.0f);
    float *m = rng_floats((size_t)k->rows, 2.0f);
    x[n / 2] = from_bits(0x7FC00001u);   /* a NaN: which operand's NaN comes out shows */
    const float *in[3] = {x, r, m};
    float *out[6];
    for (int i = 0; i < 6; i++) out[i] = calloc(n, sizeof(float));
    bool fused0[OP_COUNT], fused1[OP_COUNT], stored0[3], stored1[3];
    const bool ok = ch_run(k, false, in, out[0], out[1], out[2], fused0, stored0) &&
                    ch_run(k, true, in, out[3], out[4], out[5], fused1, stored1);
    if (ok) {
        CHECK(!fused0[OP_T1] && !fused0[OP_T2] && !fused0[OP_Y]);
        CHECK_MSG(!fused1[OP_S] && fused1[OP_T1] && fused1[OP_T2] && fused1[OP_Y] && !fused1[OP_Z],
                  "[%d,%d]: the chain's members are not all skipped", k->rows, k->cols);
        /* s is read by t1 and t2 alone; t1 and t2 too unless read after the chain */
        CHECK(!stored1[0] && stored1[1] == k->reader && stored1[2] == k->t2_out);
        CHECK(stored0[0] && stored0[1] && stored0[2]);
        bool same = memcmp(out[0], out[3], n * sizeof(float)) == 0;
        if (k->reader) same = same && memcmp(out[1], out[4], n * sizeof(float)) == 0;
        if (k->t2_out) same = same && memcmp(out[2], out[5], n * sizeof(float)) == 0;
        CHECK_MSG(same, "[%d,%d] sub %d reader %d t2 out %d act %d, %d threads: outputs differ",
                  k->rows, k->cols, k->sub, k->reader, k->t2_out, k->act, k->threads);
    }
    cases_run++;
    free(x);
    free(r);
    free(m);
    for (int i = 0; i < 6; i++) free(out[i]);
}

static void test_layer_norm_tail(void) {
    static const ch_case cases[] = {
        /* rows cols  sub    reader t2_out act      thr */
        {37, 100, false, false, false, ACT_NONE, 1},   /* blocks end inside rows */
        {37, 100, true, false, false, ACT_RELU, 3},
        {128, 256, false, false, false, ACT_NONE, 2},  /* the Transformer block's shape */
        {128, 256, true, true, false, ACT_RELU6, 2},   /* t1 read after the chain */
        {64, 96, false, false, true, ACT_NONE, 3},     /* t2 a graph output */
        {3, 5, true, true, true, ACT_NONE, 1},         /* one block */
    };
    for (size_t i = 0; i < N(cases); i++) check_case(&cases[i]);
}

static void test_counts(void) { CHECK(cases_run == 6); }

static void run_tests(void) {
    TEST(test_layer_norm_tail);
    TEST(test_counts);
}

TEST_MAIN()
