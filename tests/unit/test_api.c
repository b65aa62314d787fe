/*
 * test_api.c -- the public C API on real converter output: signatures, runners, resize,
 * allocate, invoke, tensor accessors, every error path, and concurrent runners.
 * Expected values come from the committed goldens (LiteRT reference kernels) or from the
 * models' definitions in tests/models/generate.py.
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

static float *load_floats(const char *path, npy_array *a) {
    char err[256];
    int rc = npy_load(path, a, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return rc == 0 ? a->data : NULL;
}

/* ------------------------------------------------------------- basics -- */

static void test_version_and_strings(void) {
    CHECK(strcmp(tflc_version(), TFLC_VERSION_STRING) == 0);
    CHECK(tflc_version_number() == TFLC_VERSION_NUMBER);
    for (int s = 0; s < TFLC_STATUS_COUNT; s++) CHECK(tflc_status_string((tflc_status)s)[0] != '\0');
    CHECK(strcmp(tflc_status_string((tflc_status)999), "unknown status") == 0);
    CHECK(strcmp(tflc_dtype_name(TFLC_FLOAT32), "float32") == 0);
    CHECK(strcmp(tflc_dtype_name(TFLC_INT8), "int8") == 0);
    CHECK(tflc_dtype_size(TFLC_INT64) == 8 && tflc_dtype_size(TFLC_STRING) == 0);
    CHECK(strcmp(tflc_dtype_name((tflc_dtype)77), "unknown") == 0);
}

/* The operator listing: every registered builtin, each once, with its versions. */
static void test_operator_listing(void) {
    int n = tflc_builtin_operator_count(), conv = 0;
    CHECK(n >= 100);
    for (int i = 0; i < n; i++) {
        const char *versions = NULL, *name = tflc_builtin_operator_name(i, &versions);
        CHECK(name != NULL && versions != NULL);
        if (name && strcmp(name, "CONV_2D") == 0) conv++;
    }
    CHECK(conv == 1);
    const char *versions = "x";
    CHECK(tflc_builtin_operator_name(n, &versions) == NULL && versions == NULL);
    CHECK(tflc_builtin_operator_name(-1, NULL) == NULL);
    CHECK_STR_CONTAINS(tflc_flex_operators(), "AsString");
}

static void test_free_null_is_noop(void) {
    tflc_model_free(NULL);
    tflc_interpreter_free(NULL);
    tflc_runner_free(NULL);
    CHECK(tflc_model_signature_count(NULL) == 0);
    CHECK(tflc_runner_input_name(NULL, 0) == NULL);
    CHECK(tflc_tensor_data(NULL) == NULL);
}

static void test_load_errors(void) {
    tflc_model *m = (tflc_model *)1;
    CHECK(tflc_model_load_file(MODEL("does_not_exist.tflite"), NULL, &m) == TFLC_ERROR_IO);
    CHECK(m == NULL);
    CHECK_STR_CONTAINS(tflc_last_error(), "does_not_exist.tflite");
    CHECK(tflc_model_load_file(NULL, NULL, &m) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_model_load_file(MODEL("keras_dense.tflite"), NULL, NULL) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_model_load_file(TFLC_TEST_MODELS_DIR, NULL, &m) == TFLC_ERROR_IO);
    static const char junk[64] = "this is not a tflite model, just some text padding it out";
    CHECK(tflc_model_load_buffer(junk, sizeof junk, NULL, &m) == TFLC_ERROR_INVALID_MODEL);
    CHECK(m == NULL);
    CHECK_STR_CONTAINS(tflc_last_error(), "TFL3");
    CHECK(tflc_model_load_buffer(NULL, 10, NULL, &m) == TFLC_ERROR_INVALID_ARGUMENT);
}

/* The tensor size cap applies at load: keras_dense's weights exceed 16 bytes. */
static void test_load_respects_tensor_cap(void) {
    tflc_model_options o;
    tflc_model_options_init(&o);
    CHECK(o.max_tensor_bytes == ((uint64_t)1 << 30));
    o.max_tensor_bytes = 16;
    tflc_model *m = NULL;
    CHECK(tflc_model_load_file(MODEL("keras_dense.tflite"), &o, &m) == TFLC_ERROR_INVALID_MODEL);
    CHECK(m == NULL);
}

/* A borrowed buffer at an odd address is copied once and still loads. */
static void test_load_buffer_misaligned(void) {
    FILE *f = fopen(MODEL("multi_signatures.tflite"), "rb");
    CHECK(f != NULL);
    if (!f) return;
    unsigned char *raw = malloc(1 << 16);
    size_t n = fread(raw + 1, 1, (1 << 16) - 1, f);
    fclose(f);
    tflc_model *m = NULL;
    CHECK_OK(tflc_model_load_buffer(raw + 1, n, NULL, &m));
    memset(raw, 0, 1 << 16); /* the model must not depend on the caller's misaligned bytes */
    CHECK(tflc_model_signature_count(m) == 2);
    tflc_model_free(m);
    free(raw);
}

/* --------------------------------------------------------- signatures -- */

static void test_signature_listing(void) {
    session s;
    if (!open_session(MODEL("multi_signatures.tflite"), &s)) return;
    const tflc_model *m = s.model;
    CHECK(tflc_model_signature_count(m) == 2);
    CHECK(tflc_model_signature_is_default(m) == 0);
    int add = strcmp(tflc_model_signature_key(m, 0), "add") == 0 ? 0 : 1;
    CHECK(strcmp(tflc_model_signature_key(m, add), "add") == 0);
    CHECK(strcmp(tflc_model_signature_key(m, 1 - add), "sub") == 0);
    CHECK(tflc_model_signature_input_count(m, add) == 1);
    CHECK(strcmp(tflc_model_signature_input_name(m, add, 0), "x") == 0);
    CHECK(strcmp(tflc_model_signature_output_name(m, add, 0), "output_0") == 0);
    CHECK(tflc_model_signature_key(m, 2) == NULL && tflc_model_signature_input_name(m, 0, 5) == NULL);
    CHECK(tflc_model_subgraph_count(m) == 2);
    CHECK(tflc_model_signature_subgraph(m, 0) != tflc_model_signature_subgraph(m, 1));
    CHECK(strcmp(tflc_model_operator_name(m, tflc_model_signature_subgraph(m, add), 0), "ADD") == 0);
    CHECK(tflc_model_operator_name(m, 7, 0) == NULL);
    close_session(&s);
}

static void test_runner_key_errors(void) {
    session s;
    if (!open_session(MODEL("multi_signatures.tflite"), &s)) return;
    tflc_runner *r = (tflc_runner *)1;
    CHECK(tflc_runner_create(s.interp, NULL, &r) == TFLC_ERROR_NOT_FOUND);
    CHECK(r == NULL);
    CHECK_STR_CONTAINS(tflc_last_error(), "'add'");
    CHECK_STR_CONTAINS(tflc_last_error(), "'sub'");
    CHECK(tflc_runner_create(s.interp, "mul", &r) == TFLC_ERROR_NOT_FOUND);
    CHECK_STR_CONTAINS(tflc_last_error(), "no signature 'mul'");
    CHECK_STR_CONTAINS(tflc_last_error(), "'add'");
    CHECK(tflc_runner_create(NULL, "add", &r) == TFLC_ERROR_INVALID_ARGUMENT);
    close_session(&s);
}

static void test_single_signature_null_key(void) {
    session s;
    if (!open_session(MODEL("keras_dense.tflite"), &s)) return;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, NULL, &r));
    CHECK(r && strcmp(tflc_runner_signature_key(r), "serving_default") == 0);
    tflc_runner_free(r);
    close_session(&s);
}

/* A model without SignatureDefs gets "serving_default" over subgraph 0, named by tensors. */
static void test_default_signature(void) {
    session s;
    if (!open_session(MODEL("no_signatures.tflite"), &s)) return;
    CHECK(tflc_model_signature_is_default(s.model) == 1);
    CHECK(tflc_model_signature_count(s.model) == 1);
    CHECK(strcmp(tflc_model_signature_key(s.model, 0), "serving_default") == 0);
    CHECK(tflc_model_signature_input_count(s.model, 0) == 2);
    /* subgraph order, as the converter wrote it: b before a */
    CHECK(strcmp(tflc_model_signature_input_name(s.model, 0, 0), "serving_default_b:0") == 0);
    CHECK(strcmp(tflc_model_signature_input_name(s.model, 0, 1), "serving_default_a:0") == 0);
    CHECK(strcmp(tflc_model_signature_output_name(s.model, 0, 0), "PartitionedCall:0") == 0);
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, NULL, &r));
    tflc_runner_free(r);
    r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, "serving_default", &r));
    tflc_runner_free(r);
    close_session(&s);
}

/* ------------------------------------------------------------ runners -- */

static void test_names_and_lookup_errors(void) {
    session s;
    if (!open_session(MODEL("multi_signatures.tflite"), &s)) return;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, "sub", &r));
    if (!r) { close_session(&s); return; }
    CHECK(tflc_runner_input_count(r) == 1 && tflc_runner_output_count(r) == 1);
    CHECK(strcmp(tflc_runner_input_name(r, 0), "x") == 0);
    CHECK(tflc_runner_input_name(r, 1) == NULL && tflc_runner_input_at(r, -1) == NULL);
    tflc_tensor *t = NULL;
    CHECK(tflc_runner_input(r, "y", &t) == TFLC_ERROR_NOT_FOUND);
    CHECK(t == NULL);
    CHECK_STR_CONTAINS(tflc_runner_error(r), "no input 'y'");
    CHECK_STR_CONTAINS(tflc_runner_error(r), "'x'");
    const tflc_tensor *o = NULL;
    CHECK(tflc_runner_output(r, "output_1", &o) == TFLC_ERROR_NOT_FOUND);
    CHECK_STR_CONTAINS(tflc_runner_error(r), "'output_0'");
    CHECK(tflc_runner_input(r, NULL, &t) == TFLC_ERROR_NOT_FOUND);
    tflc_runner_free(r);
    close_session(&s);
}

static void test_invoke_before_allocate_and_copy_errors(void) {
    session s;
    if (!open_session(MODEL("multi_signatures.tflite"), &s)) return;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, "add", &r));
    if (!r) { close_session(&s); return; }
    CHECK(tflc_runner_arena_bytes(r) == 0);
    CHECK(tflc_runner_invoke(r) == TFLC_ERROR_MISUSE);
    CHECK_STR_CONTAINS(tflc_runner_error(r), "allocate");
    tflc_tensor *x = NULL;
    CHECK_OK(tflc_runner_input(r, "x", &x));
    CHECK(tflc_tensor_data(x) == NULL);
    float v[3] = {1, 2, 3};
    CHECK(tflc_tensor_copy_from(x, v, sizeof v) == TFLC_ERROR_MISUSE);
    CHECK_OK(tflc_runner_allocate(r));
    CHECK(tflc_runner_arena_bytes(r) > 0);
    CHECK(tflc_tensor_copy_from(x, v, sizeof v - 1) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(tflc_last_error(), "12 bytes");
    CHECK_OK(tflc_tensor_copy_from(x, v, sizeof v));
    CHECK_OK(tflc_runner_invoke(r));
    float out[4];
    const tflc_tensor *y = tflc_runner_output_at(r, 0);
    CHECK(tflc_tensor_copy_to(y, out, sizeof out) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_OK(tflc_tensor_copy_to(y, out, 3 * sizeof(float)));
    tflc_runner_free(r);
    close_session(&s);
}

/* The model's add/sub against the committed reference outputs. */
static void run_add_sub(tflc_runner *r, const char *sig, float *got) {
    char path[256];
    npy_array in;
    snprintf(path, sizeof path, MODEL("multi_signatures.%s.rand.in.x.npy"), sig);
    float *x = load_floats(path, &in);
    tflc_tensor *t = tflc_runner_input_at(r, 0);
    if (x) CHECK_OK(tflc_tensor_copy_from(t, x, in.count * sizeof(float)));
    CHECK_OK(tflc_runner_invoke(r));
    CHECK_OK(tflc_tensor_copy_to(tflc_runner_output_at(r, 0), got, 3 * sizeof(float)));
    npy_free(&in);
}

static void test_tensor_accessors(void) {
    session s;
    if (!open_session(MODEL("keras_dense.tflite"), &s)) return;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, "serving_default", &r));
    if (!r) { close_session(&s); return; }
    tflc_tensor *x = tflc_runner_input_at(r, 0);
    CHECK(strcmp(tflc_tensor_name(x), "serving_default_x_input:0") == 0);
    CHECK(tflc_tensor_dtype(x) == TFLC_FLOAT32);
    CHECK(tflc_tensor_rank(x) == 2 && tflc_tensor_dims(x)[0] == 1 && tflc_tensor_dims(x)[1] == 4);
    int sig_rank = 0;
    const int32_t *sig = tflc_tensor_shape_signature(x, &sig_rank);
    CHECK(sig_rank == 2 && sig[0] == -1 && sig[1] == 4);
    CHECK(tflc_tensor_element_count(x) == 4 && tflc_tensor_byte_size(x) == 16);
    tflc_quantization q;
    tflc_tensor_quantization(x, &q);
    CHECK(q.count == 0 && q.scales == NULL);
    tflc_runner_free(r);
    close_session(&s);
}

/* -------------------------------------------------------------- resize -- */

static void test_resize_strict_and_plain(void) {
    session s;
    if (!open_session(MODEL("keras_dense.tflite"), &s)) return;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, NULL, &r));
    if (!r) { close_session(&s); return; }
    const int32_t ok[2] = {100, 4}, bad_dim[2] = {3, 5}, rank3[3] = {1, 1, 4}, neg[2] = {-2, 4};
    CHECK_OK(tflc_runner_resize_input_strict(r, "x_input", ok, 2));
    CHECK(tflc_runner_resize_input_strict(r, "x_input", bad_dim, 2) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(tflc_runner_error(r), "dimension 1 is fixed at 4");
    CHECK(tflc_runner_resize_input_strict(r, "x_input", rank3, 3) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_runner_resize_input(r, "x_input", neg, 2) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_runner_resize_input(r, "nope", ok, 2) == TFLC_ERROR_NOT_FOUND);
    CHECK(tflc_runner_resize_input(r, "x_input", ok, TFLC_MAX_RANK + 1) == TFLC_ERROR_INVALID_ARGUMENT);
    const int32_t huge[2] = {0x7fffffff, 0x7fffffff};
    CHECK(tflc_runner_resize_input(r, "x_input", huge, 2) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(tflc_runner_error(r), "size limit");
    /* The plain form accepts any shape; the operators then refuse it at allocate. */
    CHECK_OK(tflc_runner_resize_input(r, "x_input", bad_dim, 2));
    CHECK(tflc_runner_allocate(r) != TFLC_OK);
    CHECK_STR_CONTAINS(tflc_runner_error(r), "FULLY_CONNECTED");
    CHECK_OK(tflc_runner_resize_input(r, "x_input", ok, 2));
    CHECK_OK(tflc_runner_allocate(r));
    CHECK(tflc_tensor_dims(tflc_runner_output_at(r, 0))[0] == 100);
    tflc_runner_free(r);
    close_session(&s);
}

/* The guide's C++ snippet in C: resize, allocate, fill, invoke, read by name; batch 5
 * golden from the reference. Resizing again re-plans the arena. */
static void test_guide_flow_with_resize(void) {
    session s;
    if (!open_session(MODEL("keras_dense.tflite"), &s)) return;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, "serving_default", &r));
    if (!r) { close_session(&s); return; }
    npy_array in, want;
    float *x = load_floats(MODEL("keras_dense.serving_default.rand_b5.in.x_input.npy"), &in);
    float *y = load_floats(MODEL("keras_dense.serving_default.rand_b5.out.output_0.npy"), &want);
    const int32_t dims[2] = {5, 4};
    CHECK_OK(tflc_runner_resize_input(r, "x_input", dims, 2));
    CHECK_OK(tflc_runner_allocate(r));
    size_t arena5 = tflc_runner_arena_bytes(r);
    tflc_tensor *input = NULL;
    CHECK_OK(tflc_runner_input(r, "x_input", &input));
    if (x && input) memcpy(tflc_tensor_data(input), x, 20 * sizeof(float));
    CHECK_OK(tflc_runner_invoke(r));
    const tflc_tensor *output = NULL;
    CHECK_OK(tflc_runner_output(r, "output_0", &output));
    const float *got = output ? tflc_tensor_data_const(output) : NULL;
    CHECK(output && tflc_tensor_rank(output) == 2 && tflc_tensor_dims(output)[0] == 5);
    for (int i = 0; got && y && i < 5; i++) CHECK(fabsf(got[i] - y[i]) <= 1e-5f + 1e-5f * fabsf(y[i]));
    const int32_t big[2] = {1000, 4};
    CHECK_OK(tflc_runner_resize_input(r, "x_input", big, 2));
    CHECK(!tflc_runner_is_allocated(r));
    CHECK(tflc_runner_invoke(r) == TFLC_ERROR_MISUSE);
    /* The resized input has no memory until allocate: copies refuse instead of overflowing
     * the old 5x4 slot. */
    static float many[4000];
    CHECK(tflc_tensor_data(input) == NULL);
    CHECK(tflc_tensor_copy_from(input, many, sizeof many) == TFLC_ERROR_MISUSE);
    CHECK(tflc_tensor_copy_to(input, many, sizeof many) == TFLC_ERROR_MISUSE);
    CHECK_OK(tflc_runner_allocate(r));
    CHECK(tflc_runner_is_allocated(r));
    CHECK(tflc_runner_arena_bytes(r) > arena5);
    CHECK(tflc_runner_input_tensor_index(r, 0) >= 0 && tflc_runner_input_tensor_index(r, 1) == -1);
    CHECK(tflc_runner_output_tensor_index(r, 0) != tflc_runner_input_tensor_index(r, 0));
    npy_free(&in);
    npy_free(&want);
    tflc_runner_free(r);
    close_session(&s);
}

/* Invoking twice without touching the inputs gives the same answer: inputs survive. */
static void test_inputs_survive_invoke(void) {
    session s;
    if (!open_session(MODEL("ops_mix.tflite"), &s)) return;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_runner_create(s.interp, "mix", &r));
    if (!r) { close_session(&s); return; }
    CHECK_OK(tflc_runner_allocate(r));
    for (int i = 0; i < tflc_runner_input_count(r); i++) {
        tflc_tensor *t = tflc_runner_input_at(r, i);
        float *d = tflc_tensor_data(t);
        for (size_t k = 0; d && k < tflc_tensor_element_count(t); k++) d[k] = 0.25f * (float)k - 0.5f;
    }
    int n_out = tflc_runner_output_count(r);
    float first[8][64];
    CHECK_OK(tflc_runner_invoke(r));
    for (int i = 0; i < n_out && i < 8; i++) {
        const tflc_tensor *t = tflc_runner_output_at(r, i);
        CHECK(tflc_tensor_byte_size(t) <= sizeof first[0]);
        memcpy(first[i], tflc_tensor_data_const(t), tflc_tensor_byte_size(t));
    }
    CHECK_OK(tflc_runner_invoke(r));
    for (int i = 0; i < n_out && i < 8; i++) {
        const tflc_tensor *t = tflc_runner_output_at(r, i);
        CHECK(memcmp(first[i], tflc_tensor_data_const(t), tflc_tensor_byte_size(t)) == 0);
    }
    tflc_runner_free(r);
    close_session(&s);
}

/* -------------------------------------------------------- custom ops -- */

static tflc_status atanh_prepare(tflc_op_context *ctx) {
    const tflc_tensor *x = tflc_op_input(ctx, 0);
    if (tflc_op_input_count(ctx) != 1 || tflc_tensor_dtype(x) != TFLC_FLOAT32)
        return tflc_op_fail(ctx, TFLC_ERROR_INVALID_MODEL, "Atanh takes one float32 input");
    int *calls = tflc_op_user_data(ctx);
    (*calls)++;
    return tflc_op_set_output_shape(ctx, 0, tflc_tensor_dims(x), tflc_tensor_rank(x));
}

static tflc_status atanh_invoke(tflc_op_context *ctx) {
    const tflc_tensor *x = tflc_op_input(ctx, 0);
    const float *in = tflc_tensor_data_const(x);
    float *out = tflc_tensor_data(tflc_op_output(ctx, 0));
    for (size_t i = 0; i < tflc_tensor_element_count(x); i++) {
        if (in[i] <= -1.0f || in[i] >= 1.0f)
            return tflc_op_fail(ctx, TFLC_ERROR_RUNTIME, "atanh(%g) is undefined", (double)in[i]);
        out[i] = atanhf(in[i]);
    }
    return TFLC_OK;
}

/* An unregistered custom op fails at runner creation, naming it. */
static void test_custom_op_unregistered(void) {
    session s;
    if (!open_session(MODEL("custom_atanh.tflite"), &s)) return;
    CHECK(strcmp(tflc_model_operator_name(s.model, 0, 0), "Atanh") == 0);
    tflc_runner *r = NULL;
    CHECK(tflc_runner_create(s.interp, NULL, &r) == TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(tflc_last_error(), "custom operator 'Atanh' is not registered");
    CHECK_STR_CONTAINS(tflc_last_error(), "subgraph 0, operator 0");
    close_session(&s);
}

/* Registered, it runs: y = atanh(x) + 1 against TensorFlow eager's output. Tolerance
 * 1e-6 abs + 1e-6 rel: glibc's atanhf and Eigen's atanh may differ in the last ulp. */
static void test_custom_op_registered(void) {
    tflc_model *m = NULL;
    CHECK_OK(tflc_model_load_file(MODEL("custom_atanh.tflite"), NULL, &m));
    int calls = 0;
    tflc_custom_op op = {"Atanh", &calls, atanh_prepare, atanh_invoke};
    tflc_interpreter_options o;
    tflc_interpreter_options_init(&o);
    o.custom_ops = &op;
    o.custom_op_count = 1;
    tflc_interpreter *it = NULL;
    tflc_runner *r = NULL;
    if (m) CHECK_OK(tflc_interpreter_create(m, &o, &it));
    if (it) CHECK_OK(tflc_runner_create(it, NULL, &r));
    npy_array in, want;
    float *x = load_floats(MODEL("custom_atanh.golden_in.x.npy"), &in);
    float *y = load_floats(MODEL("custom_atanh.golden_out.y.npy"), &want);
    if (r && x && y) {
        const int32_t dims[1] = {(int32_t)in.count};
        CHECK_OK(tflc_runner_resize_input(r, "x", dims, 1));
        CHECK_OK(tflc_runner_allocate(r));
        CHECK(calls == 1);
        CHECK_OK(tflc_tensor_copy_from(tflc_runner_input_at(r, 0), x, in.count * sizeof(float)));
        CHECK_OK(tflc_runner_invoke(r));
        const float *got = tflc_tensor_data_const(tflc_runner_output_at(r, 0));
        for (size_t i = 0; i < want.count; i++) CHECK(fabsf(got[i] - y[i]) <= 1e-6f + 1e-6f * fabsf(y[i]));
        /* The op's own runtime error surfaces with its place. */
        float *data = tflc_tensor_data(tflc_runner_input_at(r, 0));
        data[0] = 2.0f;
        CHECK(tflc_runner_invoke(r) == TFLC_ERROR_RUNTIME);
        CHECK_STR_CONTAINS(tflc_runner_error(r), "operator 0 (Atanh): atanh(2) is undefined");
    }
    npy_free(&in);
    npy_free(&want);
    tflc_runner_free(r);
    tflc_interpreter_free(it);
    tflc_model_free(m);
}

static void test_custom_op_options_checked(void) {
    tflc_model *m = NULL;
    CHECK_OK(tflc_model_load_file(MODEL("custom_atanh.tflite"), NULL, &m));
    tflc_interpreter_options o;
    tflc_interpreter_options_init(&o);
    o.custom_op_count = 1;
    tflc_interpreter *it = NULL;
    CHECK(tflc_interpreter_create(m, &o, &it) == TFLC_ERROR_INVALID_ARGUMENT);
    tflc_custom_op nameless = {NULL, NULL, NULL, atanh_invoke};
    o.custom_ops = &nameless;
    CHECK(tflc_interpreter_create(m, &o, &it) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(it == NULL);
    o.num_threads = -1;
    o.custom_op_count = 0;
    CHECK(tflc_interpreter_create(m, &o, &it) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_interpreter_create(NULL, NULL, &it) == TFLC_ERROR_INVALID_ARGUMENT);
    tflc_model_free(m);
}

/* ------------------------------------------------------------- threads -- */

typedef struct worker {
    tflc_interpreter *interp;
    const char *key;
    const float *want;  /* [3] single-threaded answer */
    int mismatches, failures;
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    tflc_runner *r = NULL;
    if (tflc_runner_create(w->interp, w->key, &r) != TFLC_OK || tflc_runner_allocate(r) != TFLC_OK) {
        w->failures++;
        tflc_runner_free(r);
        return NULL;
    }
    npy_array in;
    char path[256], err[128];
    snprintf(path, sizeof path, MODEL("multi_signatures.%s.rand.in.x.npy"), w->key);
    if (npy_load(path, &in, err, sizeof err) != 0) { w->failures++; tflc_runner_free(r); return NULL; }
    for (int i = 0; i < 2000; i++) {
        float got[3];
        if (tflc_tensor_copy_from(tflc_runner_input_at(r, 0), in.data, 3 * sizeof(float)) != TFLC_OK ||
            tflc_runner_invoke(r) != TFLC_OK ||
            tflc_tensor_copy_to(tflc_runner_output_at(r, 0), got, sizeof got) != TFLC_OK) {
            w->failures++;
            break;
        }
        if (memcmp(got, w->want, sizeof got) != 0) w->mismatches++;
    }
    npy_free(&in);
    tflc_runner_free(r);
    return NULL;
}

/* Two runners of one interpreter, on two threads at once, get the single-threaded answers. */
static void test_concurrent_signatures(void) {
    session s;
    if (!open_session(MODEL("multi_signatures.tflite"), &s)) return;
    float want[2][3];
    const char *keys[2] = {"add", "sub"};
    for (int k = 0; k < 2; k++) {
        tflc_runner *r = NULL;
        CHECK_OK(tflc_runner_create(s.interp, keys[k], &r));
        if (!r) { close_session(&s); return; }
        CHECK_OK(tflc_runner_allocate(r));
        run_add_sub(r, keys[k], want[k]);
        tflc_runner_free(r);
    }
    worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){s.interp, keys[i % 2], want[i % 2], 0, 0};
        CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_MSG(w[i].failures == 0 && w[i].mismatches == 0, "worker %d (%s): %d failures, %d mismatches", i,
                  w[i].key, w[i].failures, w[i].mismatches);
    }
    close_session(&s);
}

static void run_tests(void) {
    TEST(test_version_and_strings);
    TEST(test_free_null_is_noop);
    TEST(test_operator_listing);
    TEST(test_load_errors);
    TEST(test_load_respects_tensor_cap);
    TEST(test_load_buffer_misaligned);
    TEST(test_signature_listing);
    TEST(test_runner_key_errors);
    TEST(test_single_signature_null_key);
    TEST(test_default_signature);
    TEST(test_names_and_lookup_errors);
    TEST(test_invoke_before_allocate_and_copy_errors);
    TEST(test_tensor_accessors);
    TEST(test_resize_strict_and_plain);
    TEST(test_guide_flow_with_resize);
    TEST(test_inputs_survive_invoke);
    TEST(test_custom_op_unregistered);
    TEST(test_custom_op_registered);
    TEST(test_custom_op_options_checked);
    TEST(test_concurrent_signatures);
}

TEST_MAIN()
