/*
 * test_profile.c -- per-operator profiling of a runner (tflc_runner_set_profiling and its
 * getters): off by default, one entry per operator of the signature's subgraph named as the
 * model names it, counts equal to the invokes made, times > 0, reset and disable.
 */
#include "tflc.h"
#include "test.h"

#define OPS_MIX TFLC_TEST_MODELS_DIR "/ops_mix.tflite"

/* ops_mix.tflite, signature "mix": 13 operators, none of them foldable (all read x or y). */
#define OPS_MIX_OPS 13
/* Operator 6 (ADD of operator 5's MUL output and a constant, both [3]) runs inside operator 5's
 * element-wise chain (core/graph.c, fuse_elementwise_chains): it is profiled as never run. */
#define OPS_MIX_CHAINED 6

typedef struct fixture {
    tflc_model *model;
    tflc_interpreter *interp;
    tflc_runner *runner;
} fixture;

static int fixture_open(fixture *f, int threads) {
    tflc_interpreter_options opts;
    tflc_interpreter_options_init(&opts);
    opts.num_threads = threads;
    f->model = NULL;
    f->interp = NULL;
    f->runner = NULL;
    CHECK_OK(tflc_model_load_file(OPS_MIX, NULL, &f->model));
    if (f->model) CHECK_OK(tflc_interpreter_create(f->model, &opts, &f->interp));
    if (f->interp) CHECK_OK(tflc_runner_create(f->interp, "mix", &f->runner));
    if (f->runner) CHECK_OK(tflc_runner_allocate(f->runner));
    return f->runner != NULL;
}

static void fixture_close(fixture *f) {
    tflc_runner_free(f->runner);
    tflc_interpreter_free(f->interp);
    tflc_model_free(f->model);
}

static void invoke_n(tflc_runner *r, int n) {
    for (int i = 0; i < n; i++) CHECK_OK(tflc_runner_invoke(r));
}

static void test_off_by_default(void) {
    fixture f;
    if (!fixture_open(&f, 1)) return fixture_close(&f);
    invoke_n(f.runner, 2);
    CHECK(tflc_runner_is_profiling(f.runner) == 0);
    CHECK(tflc_runner_profile_count(f.runner) == 0);
    tflc_op_profile op;
    CHECK(tflc_runner_profile_at(f.runner, 0, &op) == TFLC_ERROR_MISUSE);
    tflc_runner_reset_profile(f.runner); /* a no-op while off */
    CHECK(tflc_runner_profile_count(f.runner) == 0);
    fixture_close(&f);
}

/* Every entry after `runs` invokes: index, name and first output as the model has them,
 * count == runs and a positive time (count 0 and no time for the chained operator). */
static void check_entries(const fixture *f, uint64_t runs) {
    CHECK(tflc_runner_profile_count(f->runner) == OPS_MIX_OPS);
    CHECK(tflc_model_operator_count(f->model, 0) == OPS_MIX_OPS);
    for (int i = 0; i < OPS_MIX_OPS; i++) {
        tflc_op_profile op;
        CHECK_OK(tflc_runner_profile_at(f->runner, i, &op));
        CHECK(op.op_index == i);
        CHECK(op.op_name && strcmp(op.op_name, tflc_model_operator_name(f->model, 0, i)) == 0);
        CHECK(op.output != NULL);
        const uint64_t want = i == OPS_MIX_CHAINED ? 0 : runs;
        CHECK_MSG(op.count == want, "operator %d ran %llu times, want %llu", i, (unsigned long long)op.count,
                  (unsigned long long)want);
        CHECK_MSG((op.total_ns > 0) == (want > 0), "operator %d: %llu ns over %llu runs", i,
                  (unsigned long long)op.total_ns, (unsigned long long)want);
    }
}

static void check_profiles(int threads) {
    fixture f;
    if (!fixture_open(&f, threads)) return fixture_close(&f);
    invoke_n(f.runner, 2); /* before enabling: not counted */
    CHECK_OK(tflc_runner_set_profiling(f.runner, 1));
    CHECK(tflc_runner_is_profiling(f.runner) == 1);
    check_entries(&f, 0);
    invoke_n(f.runner, 5);
    check_entries(&f, 5);

    /* The op names the model holds, by type: what `tflc info` lists for ops_mix. */
    int subs = 0, reshapes = 0, softmax = 0;
    for (int i = 0; i < OPS_MIX_OPS; i++) {
        tflc_op_profile op;
        CHECK_OK(tflc_runner_profile_at(f.runner, i, &op));
        subs += strcmp(op.op_name, "SUB") == 0;
        reshapes += strcmp(op.op_name, "RESHAPE") == 0;
        softmax += strcmp(op.op_name, "SOFTMAX") == 0;
    }
    CHECK(subs == 2 && reshapes == 2 && softmax == 1);

    /* Exactly one operator writes signature output "softmax_flat" ([18]): the RESHAPE that
     * flattens the softmax. */
    const tflc_tensor *flat;
    CHECK_OK(tflc_runner_output(f.runner, "softmax_flat", &flat));
    int found = 0;
    for (int i = 0; i < OPS_MIX_OPS; i++) {
        tflc_op_profile op;
        CHECK_OK(tflc_runner_profile_at(f.runner, i, &op));
        if (op.output == flat) found += strcmp(op.op_name, "RESHAPE") == 0 ? 1 : 100;
    }
    CHECK(found == 1);

    tflc_runner_reset_profile(f.runner);
    check_entries(&f, 0);
    invoke_n(f.runner, 1);
    check_entries(&f, 1);
    CHECK_OK(tflc_runner_set_profiling(f.runner, 1)); /* enabling again clears */
    check_entries(&f, 0);

    CHECK_OK(tflc_runner_set_profiling(f.runner, 0));
    CHECK(tflc_runner_is_profiling(f.runner) == 0);
    CHECK(tflc_runner_profile_count(f.runner) == 0);
    invoke_n(f.runner, 1); /* runs without counters */
    CHECK_OK(tflc_runner_set_profiling(f.runner, 1));
    check_entries(&f, 0);
    fixture_close(&f); /* frees the counters with the runner */
}

static void test_profile_one_thread(void) { check_profiles(1); }
static void test_profile_two_threads(void) { check_profiles(2); }

static void test_profile_bad_arguments(void) {
    fixture f;
    if (!fixture_open(&f, 1)) return fixture_close(&f);
    tflc_op_profile op;
    CHECK(tflc_runner_set_profiling(NULL, 1) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_runner_is_profiling(NULL) == 0);
    CHECK(tflc_runner_profile_count(NULL) == 0);
    tflc_runner_reset_profile(NULL);
    CHECK_OK(tflc_runner_set_profiling(f.runner, 1));
    CHECK(tflc_runner_profile_at(NULL, 0, &op) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_runner_profile_at(f.runner, 0, NULL) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_runner_profile_at(f.runner, -1, &op) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_runner_profile_at(f.runner, OPS_MIX_OPS, &op) == TFLC_ERROR_INVALID_ARGUMENT);
    fixture_close(&f);
}

static void run_tests(void) {
    TEST(test_off_by_default);
    TEST(test_profile_one_thread);
    TEST(test_profile_two_threads);
    TEST(test_profile_bad_arguments);
}

TEST_MAIN()
