/*
 * test_stateful.c -- signatures that share state (tests/models/generate_stateful.py makes
 * the models; goldens from TensorFlow eager):
 *   - a counter variable: "inc" updates it, "read" reads it, on runners of one interpreter;
 *     a fresh interpreter starts from the initial value; reset restores it;
 *   - the variable C API (read, write, reset, errors);
 *   - the initialization subgraph runs once per interpreter even when several threads
 *     allocate at once;
 *   - a writer and a reader on two threads never see a torn variable (also run under
 *     ThreadSanitizer by `make tsan`);
 *   - a lookup table filled by the init subgraph and read by two signatures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "test.h"

#define MODEL(name) TFLC_TEST_MODELS_DIR "/" name

typedef struct session {
    tflc_model *model;
    tflc_interpreter *interp;
} session;

static int open_session(const char *path, session *s) {
    memset(s, 0, sizeof *s);
    CHECK_OK(tflc_model_load_file(path, NULL, &s->model));
    if (s->model) CHECK_OK(tflc_interpreter_create(s->model, NULL, &s->interp));
    return s->interp != NULL;
}

static void close_session(session *s) {
    tflc_interpreter_free(s->interp);
    tflc_model_free(s->model);
}

static tflc_runner *allocated_runner(tflc_interpreter *it, const char *key) {
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(it, key, &r));
    if (r) CHECK_OK(tflc_runner_allocate(r));
    return r;
}

/* One call of the counter's sequence: "read", or "inc" with x. Returns the output value. */
static float counter_call(tflc_runner *inc, tflc_runner *read, const char *sig, float x) {
    tflc_runner *r = strcmp(sig, "inc") == 0 ? inc : read;
    if (r == inc) CHECK_OK(tflc_tensor_copy_from(tflc_runner_input_at(r, 0), &x, sizeof x));
    CHECK_MSG(tflc_runner_invoke(r) == TFLC_OK, "%s", tflc_runner_error(r));
    float v = -1;
    CHECK_OK(tflc_tensor_copy_to(tflc_runner_output_at(r, 0), &v, sizeof v));
    return v;
}

/* The sequence of generate_stateful.py: read, inc(1.5), inc(-0.25), read, inc(100). */
static void run_counter_sequence(tflc_interpreter *it) {
    static const char *const sigs[5] = {"read", "inc", "inc", "read", "inc"};
    static const float xs[5] = {0, 1.5f, -0.25f, 0, 100.0f};
    npy_array want;
    char err[128];
    CHECK(npy_load(MODEL("state_counter.golden.npy"), &want, err, sizeof err) == 0);
    tflc_runner *inc = allocated_runner(it, "inc"), *read = allocated_runner(it, "read");
    for (int i = 0; inc && read && want.data && i < 5; i++) {
        float got = counter_call(inc, read, sigs[i], xs[i]);
        CHECK_MSG(got == ((float *)want.data)[i], "call %d (%s): %g, want %g", i, sigs[i], (double)got,
                  (double)((float *)want.data)[i]);
    }
    tflc_runner_free(inc);
    tflc_runner_free(read);
    npy_free(&want);
}

static void test_counter_shared_between_signatures(void) {
    session s;
    if (!open_session(MODEL("state_counter.tflite"), &s)) return;
    run_counter_sequence(s.interp);
    close_session(&s);
}

/* A second interpreter over the same model starts again from the initial value, and does
 * not see the first one's updates. */
static void test_fresh_interpreter_starts_over(void) {
    session a, b;
    if (!open_session(MODEL("state_counter.tflite"), &a)) return;
    run_counter_sequence(a.interp);
    CHECK_OK(tflc_interpreter_create(a.model, NULL, &b.interp));
    b.model = NULL;
    run_counter_sequence(b.interp);
    tflc_interpreter_free(b.interp);
    close_session(&a);
}

static void test_variable_api(void) {
    session s;
    if (!open_session(MODEL("state_counter.tflite"), &s)) return;
    CHECK(tflc_interpreter_variable_count(s.interp) == 1);
    const char *name = tflc_interpreter_variable_name(s.interp, 0);
    CHECK(name != NULL && tflc_interpreter_variable_name(s.interp, 1) == NULL);
    tflc_dtype dtype;
    int32_t dims[TFLC_MAX_RANK];
    int rank;
    float v = 0;
    /* Before any runner allocated, the init subgraph has not run. */
    CHECK(tflc_interpreter_read_variable(s.interp, name, &dtype, dims, &rank, &v, sizeof v) == TFLC_ERROR_MISUSE);
    tflc_runner *inc = allocated_runner(s.interp, "inc"), *read = allocated_runner(s.interp, "read");
    CHECK_OK(tflc_interpreter_read_variable(s.interp, name, &dtype, dims, &rank, &v, sizeof v));
    CHECK(dtype == TFLC_FLOAT32 && rank == 0 && v == 10.0f);
    CHECK(counter_call(inc, read, "inc", 5.0f) == 15.0f);
    float w = 42.0f;
    CHECK_OK(tflc_interpreter_write_variable(s.interp, name, TFLC_FLOAT32, NULL, 0, &w, sizeof w));
    CHECK(counter_call(inc, read, "read", 0) == 42.0f);
    CHECK_OK(tflc_interpreter_reset_variables(s.interp));
    CHECK(counter_call(inc, read, "read", 0) == 10.0f);
    /* errors */
    CHECK(tflc_interpreter_read_variable(s.interp, "nope", &dtype, dims, &rank, NULL, 0) == TFLC_ERROR_NOT_FOUND);
    CHECK_STR_CONTAINS(tflc_last_error(), "no variable 'nope'");
    CHECK(tflc_interpreter_read_variable(s.interp, name, &dtype, dims, &rank, &v, 2) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_interpreter_write_variable(s.interp, name, TFLC_FLOAT32, NULL, 0, &w, 3) == TFLC_ERROR_INVALID_ARGUMENT);
    int32_t i32 = 1;
    CHECK(tflc_interpreter_write_variable(s.interp, name, TFLC_INT32, NULL, 0, &i32, 4) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc_last_error(), "holds float32");
    tflc_runner_free(inc);
    tflc_runner_free(read);
    close_session(&s);
}

/* ------------------------------------------------------------- threads -- */

typedef struct allocator_arg {
    tflc_interpreter *interp;
    const char *key;
    float value;
    int ok;
} allocator_arg;

static void *allocate_and_read(void *p) {
    allocator_arg *a = p;
    tflc_runner *r = NULL;
    a->ok = tflc_runner_create(a->interp, a->key, &r) == TFLC_OK && tflc_runner_allocate(r) == TFLC_OK &&
            tflc_runner_invoke(r) == TFLC_OK &&
            tflc_tensor_copy_to(tflc_runner_output_at(r, 0), &a->value, sizeof a->value) == TFLC_OK;
    tflc_runner_free(r);
    return NULL;
}

/* Four threads allocate "read" at the same moment: the init subgraph runs once, so each
 * sees the initial 10, and a later inc is not undone by a second initialization. */
static void test_init_runs_once_across_threads(void) {
    session s;
    if (!open_session(MODEL("state_counter.tflite"), &s)) return;
    pthread_t th[4];
    allocator_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (allocator_arg){s.interp, "read", 0, 0};
        pthread_create(&th[i], NULL, allocate_and_read, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(args[i].ok && args[i].value == 10.0f);
    }
    tflc_runner *inc = allocated_runner(s.interp, "inc"), *read = allocated_runner(s.interp, "read");
    CHECK(counter_call(inc, read, "inc", 1.0f) == 11.0f);
    tflc_runner *late = allocated_runner(s.interp, "read");
    CHECK(late && tflc_runner_invoke(late) == TFLC_OK);
    float v = 0;
    if (late) CHECK_OK(tflc_tensor_copy_to(tflc_runner_output_at(late, 0), &v, sizeof v));
    CHECK(v == 11.0f);
    tflc_runner_free(late);
    tflc_runner_free(inc);
    tflc_runner_free(read);
    close_session(&s);
}

typedef struct vector_arg {
    tflc_interpreter *interp;
    const char *key;
    int iterations, torn, failures;
    float last;
} vector_arg;

static void *vector_worker(void *p) {
    vector_arg *a = p;
    tflc_runner *r = NULL;
    if (tflc_runner_create(a->interp, a->key, &r) != TFLC_OK || tflc_runner_allocate(r) != TFLC_OK) {
        a->failures++;
        tflc_runner_free(r);
        return NULL;
    }
    float w[256];
    for (int i = 0; i < a->iterations; i++) {
        if (tflc_runner_invoke(r) != TFLC_OK ||
            tflc_tensor_copy_to(tflc_runner_output_at(r, 0), w, sizeof w) != TFLC_OK) {
            a->failures++;
            break;
        }
        for (int k = 1; k < 256; k++) a->torn += w[k] != w[0];
        if (w[0] < a->last) a->torn++; /* a reader never goes back in time */
        a->last = w[0];
    }
    tflc_runner_free(r);
    return NULL;
}

/* "bump" writes all 256 elements while "read" reads them on another thread. */
static void test_no_torn_reads(void) {
    session s;
    if (!open_session(MODEL("state_vector.tflite"), &s)) return;
    vector_arg writer = {s.interp, "bump", 400, 0, 0, 0}, reader = {s.interp, "read", 400, 0, 0, 0};
    pthread_t a, b;
    pthread_create(&a, NULL, vector_worker, &writer);
    pthread_create(&b, NULL, vector_worker, &reader);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    CHECK(writer.failures == 0 && reader.failures == 0);
    CHECK_MSG(reader.torn == 0 && writer.torn == 0, "torn reads: %d, %d", reader.torn, writer.torn);
    CHECK(writer.last == 400.0f);
    close_session(&s);
}

/* ------------------------------------------------------------- tables -- */

static void test_lookup_table_two_signatures(void) {
    session s;
    if (!open_session(MODEL("state_table.tflite"), &s)) return;
    tflc_runner *size = allocated_runner(s.interp, "size");
    if (size) {
        CHECK_MSG(tflc_runner_invoke(size) == TFLC_OK, "%s", tflc_runner_error(size));
        int64_t n = 0;
        CHECK_OK(tflc_tensor_copy_to(tflc_runner_output_at(size, 0), &n, sizeof n));
        CHECK(n == 4);
    }
    tflc_runner *lookup = NULL;
    CHECK_OK(tflc_runner_create(s.interp, "lookup", &lookup));
    const tflc_string_ref keys[3] = {{"cherry", 6}, {"kiwi", 4}, {"apple", 5}};
    if (lookup) {
        CHECK_OK(tflc_runner_set_input_strings(lookup, "keys", keys, 3, NULL, 0));
        CHECK_MSG(tflc_runner_invoke(lookup) == TFLC_OK, "%s", tflc_runner_error(lookup));
        int64_t v[3] = {0, 0, 0};
        CHECK_OK(tflc_tensor_copy_to(tflc_runner_output_at(lookup, 0), v, sizeof v));
        CHECK(v[0] == 11 && v[1] == -1 && v[2] == 3);
    }
    tflc_runner_free(lookup);
    tflc_runner_free(size);
    close_session(&s);
}

static void run_tests(void) {
    TEST(test_counter_shared_between_signatures);
    TEST(test_fresh_interpreter_starts_over);
    TEST(test_variable_api);
    TEST(test_init_runs_once_across_threads);
    TEST(test_no_torn_reads);
    TEST(test_lookup_table_two_signatures);
}

TEST_MAIN()
