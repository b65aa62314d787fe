/*
 * test_fc_plan.c -- float FULLY_CONNECTED's task split, decided at prepare
 * (fully_connected.c): with packed weights from the model's weight cache the split is
 * planned at prepare, without them at each eval; products under the serial floor run on the
 * caller, larger ones on the pool. Every combination must give the bits of the one-thread,
 * uncached run (each output is the same k-ordered sum whoever computes it), and that run
 * must agree with a double-precision loop to within float rounding of the sum.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/threadpool.h"
#include "core/weight_cache.h"
#include "kernels/gemm.h"
#include "test.h"
#include "op_harness.h"

static tflc_threadpool *pool3;

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static float rng_f32(void) {   /* uniform in [-1, 1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)(int32_t)(rng_state >> 40 & 0xFFFFFF) / 8388608.0f - 1.0f;
}

typedef struct fc_shape {
    int32_t batches, depth, units;
    int act;
} fc_shape;

static size_t last_cache_bytes;   /* the weight cache's bytes after the last run */
/* The cached runs' model holds model_bytes (0: the weights' own bytes); in_signature: the
 * node is in its runner's signature subgraph (else in another, such as a loop body). */
static size_t model_bytes;
static bool in_signature;

/* One run: the output's bytes (malloc'd), or NULL on failure. */
static float *run_fc_f32(const fc_shape *k, const float *in, const float *w, const float *bias,
                         int threads, bool cached) {
    opcase c;
    const int32_t d_in[] = {k->batches, k->depth}, d_w[] = {k->units, k->depth};
    const int32_t d_b[] = {k->units};
    fake_runner.pool = threads > 1 ? pool3 : NULL;
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, k->act);
    oc_in(&c, F32, 2, d_in, in);
    tflc_tensor *wt = oc_const(&c, F32, 2, d_w, w);
    oc_const(&c, F32, 1, d_b, bias);
    tflc_tensor *out = oc_out(&c, F32);
    fake_model.buf = cached ? wt->data : NULL;   /* model-owned: packed through the cache */
    fake_model.size = cached ? (model_bytes ? model_bytes : wt->bytes) : 0;
    fake_runner.graph = in_signature ? &fake_graph : NULL;
    tflc_status s = oc_run(&c);
    CHECK_MSG(s == TFLC_OK, "status %d: %s", (int)s, tflc_last_error());
    size_t bytes = 0;
    float *copy = oc_output_copy(s, out, &bytes);
    tflc_weight_cache_count(&fake_model, &last_cache_bytes);
    tflc_weight_cache_free(fake_model.weight_cache);
    fake_model.weight_cache = NULL;
    fake_model.buf = NULL;
    fake_model.size = 0;
    oc_free(&c);
    fake_runner.pool = NULL;
    fake_runner.graph = NULL;
    return copy;
}

/* The reference sum in double; the float result may differ by the rounding of K sums. */
static bool near_double(const fc_shape *k, const float *in, const float *w, const float *bias,
                        const float *got) {
    for (int32_t n = 0; n < k->batches; n++)
        for (int32_t m = 0; m < k->units; m++) {
            double sum = bias[m], mag = fabs((double)bias[m]);
            for (int32_t i = 0; i < k->depth; i++) {
                const double p = (double)in[n * k->depth + i] * (double)w[m * k->depth + i];
                sum += p;
                mag += fabs(p);
            }
            if (k->act == ACT_RELU && sum < 0.0) sum = 0.0;
            const double tol = mag * (double)(k->depth + 1) * 0x1p-24;
            if (fabs((double)got[n * k->units + m] - sum) > tol) {
                CHECK_MSG(false, "fc %dx%d -> %d: out[%d][%d] = %.9g, double sum %.9g",
                          (int)k->batches, (int)k->depth, (int)k->units, (int)n, (int)m,
                          (double)got[n * k->units + m], sum);
                return false;
            }
        }
    return true;
}

static void check_shape(const fc_shape *k) {
    const size_t n_in = (size_t)k->batches * (size_t)k->depth;
    const size_t n_w = (size_t)k->units * (size_t)k->depth, n_out = (size_t)k->batches * (size_t)k->units;
    float *in = malloc(n_in * sizeof(float)), *w = malloc(n_w * sizeof(float));
    float *bias = malloc((size_t)k->units * sizeof(float));
    for (size_t i = 0; i < n_in; i++) in[i] = rng_f32();
    for (size_t i = 0; i < n_w; i++) w[i] = rng_f32();
    for (int32_t i = 0; i < k->units; i++) bias[i] = rng_f32();
    float *want = run_fc_f32(k, in, w, bias, 1, false);
    bool ok = want && near_double(k, in, w, bias, want);
    for (int v = 1; ok && v < 4; v++) {   /* (threads, cached): (1, yes) (3, no) (3, yes) */
        float *got = run_fc_f32(k, in, w, bias, v >= 2 ? 3 : 1, v != 2);
        ok = got && memcmp(want, got, n_out * sizeof(float)) == 0;
        CHECK_MSG(ok, "fc %dx%d -> %d: %d threads%s differs from 1 thread", (int)k->batches,
                  (int)k->depth, (int)k->units, v >= 2 ? 3 : 1, v != 2 ? " cached" : "");
        free(got);
    }
    free(want);
    free(in);
    free(w);
    free(bias);
}

static void test_fc_float_split(void) {
    static const fc_shape shapes[] = {
        /* keras_dense's layers, lstm_text's step (serial, but split on AMD: fully_connected.c),
         * then products split on the pool:
         * one row across columns, rows across M, ragged against every tile */
        {1, 4, 2, ACT_RELU}, {1, 2, 1, ACT_NONE}, {1, 1, 1, ACT_NONE}, {1, 128, 512, ACT_NONE},
        {1, 300, 600, ACT_RELU}, {3, 100, 37, ACT_NONE}, {40, 129, 70, ACT_RELU},
        {128, 64, 33, ACT_NONE}, {17, 513, 19, ACT_NONE},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) check_shape(&shapes[s]);
}

/* One batch row with large weights reads them in place (kernels/gemm.h): the bits of the
 * packed weights, at 1 and 3 threads, cached (a header-only cache entry instead of the
 * packed copy) or not. Forced both ways with the threshold; the default threshold puts
 * [1, 600] x [600, 300] in place and [2, 600] x [600, 300] not. */
static void test_fc_in_place(void) {
    static const fc_shape shapes[] = {{1, 600, 300, ACT_RELU}, {1, 33, 70, ACT_NONE},
                                      {1, 1280, 1001, ACT_NONE}, {1, 7, 3, ACT_RELU}};
    CHECK(tflc_gemm_f32_b_in_place(1, 300, 600, false) &&
          !tflc_gemm_f32_b_in_place(2, 300, 600, false));
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const fc_shape *k = &shapes[si];
        const size_t n_w = (size_t)k->units * (size_t)k->depth, n_out = (size_t)k->units;
        float *in = malloc((size_t)k->depth * sizeof(float)), *w = malloc(n_w * sizeof(float));
        float *bias = malloc(n_out * sizeof(float));
        for (int32_t i = 0; i < k->depth; i++) in[i] = rng_f32();
        for (size_t i = 0; i < n_w; i++) w[i] = rng_f32();
        for (size_t i = 0; i < n_out; i++) bias[i] = rng_f32();
        tflc_gemm_f32_set_in_place_min(SIZE_MAX);   /* never: packed */
        float *want = run_fc_f32(k, in, w, bias, 1, true);
        CHECK(last_cache_bytes > n_w * sizeof(float));
        tflc_gemm_f32_set_in_place_min(1);          /* always, for one row */
        for (int v = 0; want && v < 4; v++) {       /* (threads, cached) */
            float *got = run_fc_f32(k, in, w, bias, v >= 2 ? 3 : 1, v % 2 == 0);
            CHECK_MSG(got && memcmp(want, got, n_out * sizeof(float)) == 0,
                      "fc 1x%d -> %d in place, %d threads%s: not the packed bits",
                      (int)k->depth, (int)k->units, v >= 2 ? 3 : 1, v % 2 == 0 ? " cached" : "");
            if (v % 2 == 0) CHECK(last_cache_bytes == TFLC_GEMM_PACKED_HEADER);
            free(got);
        }
        tflc_gemm_f32_set_in_place_min(TFLC_GEMM_IN_PLACE_FLOATS);
        free(want);
        free(in);
        free(w);
        free(bias);
    }
}

/* Weights that tflc_node_weights_cold says are out of L2 at each run (one row, run once per
 * invoke, in a model of TFLC_COLD_MODEL_BYTES) go in place from TFLC_GEMM_IN_PLACE_COLD_FLOATS
 * when K is at least TFLC_GEMM_IN_PLACE_COLD_K: MobileNet V3's [1, 672] x [672, 168]
 * squeeze is a header in the cache then, with the packed bits; its [1, 168] x [168, 672]
 * excitation (K 168), the same squeeze in a smaller model or in a graph that is not the
 * signature's (a loop body), and two batch rows stay packed. */
static void test_fc_cold_in_place(void) {
    static const struct {
        fc_shape shape;
        size_t model_bytes;
        bool in_signature, in_place;
    } cases[] = {
        {{1, 672, 168, ACT_NONE}, TFLC_COLD_MODEL_BYTES, true, true},
        {{1, 384, 43, ACT_RELU}, TFLC_COLD_MODEL_BYTES, true, true},    /* 16512 weights */
        {{1, 384, 42, ACT_RELU}, TFLC_COLD_MODEL_BYTES, true, false},   /* 16128 */
        {{1, 168, 672, ACT_NONE}, TFLC_COLD_MODEL_BYTES, true, false},
        {{1, 672, 168, ACT_NONE}, TFLC_COLD_MODEL_BYTES - 1, true, false},
        {{1, 672, 168, ACT_NONE}, TFLC_COLD_MODEL_BYTES, false, false},
        {{2, 672, 168, ACT_NONE}, TFLC_COLD_MODEL_BYTES, true, false},
    };
    CHECK(tflc_gemm_f32_b_in_place(1, 168, 672, true) &&
          !tflc_gemm_f32_b_in_place(1, 168, 672, false));
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const fc_shape *k = &cases[ci].shape;
        const size_t n_w = (size_t)k->units * (size_t)k->depth;
        const size_t n_out = (size_t)k->batches * (size_t)k->units;
        float *in = malloc((size_t)k->batches * (size_t)k->depth * sizeof(float));
        float *w = malloc(n_w * sizeof(float)), *bias = malloc((size_t)k->units * sizeof(float));
        for (int32_t i = 0; i < k->batches * k->depth; i++) in[i] = rng_f32();
        for (size_t i = 0; i < n_w; i++) w[i] = rng_f32();
        for (int32_t i = 0; i < k->units; i++) bias[i] = rng_f32();
        float *want = run_fc_f32(k, in, w, bias, 1, true);   /* packed */
        CHECK(last_cache_bytes > n_w * sizeof(float));
        model_bytes = cases[ci].model_bytes;
        in_signature = cases[ci].in_signature;
        for (int threads = 1; want && threads <= 3; threads += 2) {
            float *got = run_fc_f32(k, in, w, bias, threads, true);
            CHECK_MSG(got && memcmp(want, got, n_out * sizeof(float)) == 0,
                      "fc %dx%d -> %d, model of %zu bytes, %d threads: not the packed bits",
                      (int)k->batches, (int)k->depth, (int)k->units, model_bytes, threads);
            CHECK_MSG((last_cache_bytes == TFLC_GEMM_PACKED_HEADER) == cases[ci].in_place,
                      "fc %dx%d -> %d, model of %zu bytes%s: %zu cached bytes", (int)k->batches,
                      (int)k->depth, (int)k->units, model_bytes,
                      in_signature ? "" : ", not the signature's graph", last_cache_bytes);
            free(got);
        }
        model_bytes = 0;
        in_signature = false;
        free(want);
        free(in);
        free(w);
        free(bias);
    }
}

static void run_tests(void) {
    CHECK(tflc_threadpool_create(3, &pool3) == TFLC_OK);
    TEST(test_fc_float_split);
    TEST(test_fc_in_place);
    TEST(test_fc_cold_in_place);
    tflc_threadpool_free(pool3);
}

TEST_MAIN()
