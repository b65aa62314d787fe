/*
 * test_models.c -- every committed golden case runs in tflc and matches the reference.
 *
 * tests/models/generate.py wrote, for each case, <model>.<signature>.<case>.in.<name>.npy
 * and ...out.<name>.npy, with outputs from LiteRT's reference kernels (BUILTIN_REF) for the
 * same inputs (names with characters outside [A-Za-z0-9_.-] replaced by '_'; signature
 * "nosig" for a model without SignatureDefs). This test finds every case by its files, so a
 * regenerated fixture set is picked up without editing the test.
 *
 * String, integer and bool outputs must match exactly. Float tolerance, per output:
 * |got - want| <= abs + rel * |want|.
 *   - elementwise float32 ops (add, sub, mul, div, relu, relu6, reshape, concat, squeeze,
 *     quantize/dequantize) are correctly rounded single operations: exact (0, 0);
 *   - FULLY_CONNECTED and SOFTMAX sum in float32 in an order that may differ from the
 *     reference's: abs 1e-5 + rel 1e-5 (observed differences are around 1e-7);
 *   - tanh/logistic use libm, which may differ by a few ulp: abs 1e-6 + rel 1e-5.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "test.h"

typedef struct tolerance {
    const char *model;
    const char *output;  /* NULL: every output of the model */
    double abs, rel;
} tolerance;

static const tolerance tolerances[] = {
    {"keras_dense", NULL, 1e-5, 1e-5},
    {"guide_keras", NULL, 1e-5, 1e-5},      /* the same network as keras_dense */
    {"external_buffers", NULL, 1e-5, 1e-5},
    /* Keras recurrent layers: matmuls summed in another order plus libm's sigmoid/tanh
     * against TensorFlow's, compounding over 5 steps (measured: 6e-8 against LiteRT) */
    {"state_keras_gru", NULL, 1e-5, 1e-5},
    {"state_keras_lstm", NULL, 1e-5, 1e-5},
    {"state_keras_simple_rnn", NULL, 1e-5, 1e-5},
    {"dynamic_batch", NULL, 1e-5, 1e-5},
    {"ops_mix", "sigmoid", 1e-6, 1e-5},
    {"ops_mix", "tanh", 1e-6, 1e-5},
    {"ops_mix", "softmax_flat", 1e-5, 1e-5},
};

static void tolerance_for(const char *model, const char *output, double *abs_tol, double *rel_tol) {
    *abs_tol = *rel_tol = 0.0;
    for (size_t i = 0; i < sizeof tolerances / sizeof *tolerances; i++) {
        const tolerance *t = &tolerances[i];
        if (strcmp(t->model, model) == 0 && (!t->output || strcmp(t->output, output) == 0)) {
            *abs_tol = t->abs;
            *rel_tol = t->rel;
        }
    }
}

static void sanitize(const char *name, char *out, size_t size) {
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++) {
        char c = name[i];
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.' || c == '-';
        out[i] = keep ? c : '_';
    }
    out[i] = '\0';
}

/* The case named by one "<model>.<sig>.<case>.in.<name>.npy" file, split in place. */
typedef struct case_id {
    char model[64], signature[64], name[64];
} case_id;

static int parse_case(const char *file, case_id *id) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", file);
    char *model = strtok(buf, "."), *sig = strtok(NULL, "."), *name = strtok(NULL, ".");
    char *dir = strtok(NULL, ".");
    if (!model || !sig || !name || !dir || strcmp(dir, "in") != 0) return 0;
    snprintf(id->model, sizeof id->model, "%s", model);
    snprintf(id->signature, sizeof id->signature, "%s", sig);
    snprintf(id->name, sizeof id->name, "%s", name);
    return 1;
}

static int load_npy(const case_id *id, const char *dir, const char *io_name, npy_array *a) {
    char san[128], path[512], err[256];
    sanitize(io_name, san, sizeof san);
    snprintf(path, sizeof path, "%s/%s.%s.%s.%s.%s.npy", TFLC_TEST_MODELS_DIR, id->model, id->signature,
             id->name, dir, san);
    int rc = npy_load(path, a, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return rc == 0;
}

/* A string input (numpy 'S' or 'U' array) is set through tflc_runner_set_input_strings. */
static void set_string_input(tflc_runner *r, int i, const npy_array *a) {
    tflc_string_ref *refs = NULL;
    char *storage = NULL, err[128];
    int rc = npy_strings(a, &refs, &storage, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    int32_t dims[NPY_MAX_RANK];
    for (int k = 0; k < a->rank; k++) dims[k] = (int32_t)a->shape[k];
    if (rc == 0)
        CHECK_OK(tflc_runner_set_input_strings(r, tflc_runner_input_name(r, i), refs, a->count, dims, a->rank));
    free(refs);
    free(storage);
}

static void set_inputs(tflc_runner *r, const case_id *id) {
    npy_array arrays[16];
    int n = tflc_runner_input_count(r);
    for (int i = 0; i < n && i < 16; i++) {
        if (!load_npy(id, "in", tflc_runner_input_name(r, i), &arrays[i])) return;
        if (arrays[i].dtype == TFLC_STRING) {
            set_string_input(r, i, &arrays[i]);
            continue;
        }
        int32_t dims[NPY_MAX_RANK];
        for (int k = 0; k < arrays[i].rank; k++) dims[k] = (int32_t)arrays[i].shape[k];
        CHECK_OK(tflc_runner_resize_input(r, tflc_runner_input_name(r, i), dims, arrays[i].rank));
    }
    CHECK_OK(tflc_runner_allocate(r));
    for (int i = 0; i < n && i < 16; i++) {
        tflc_tensor *t = tflc_runner_input_at(r, i);
        CHECK(tflc_tensor_dtype(t) == arrays[i].dtype);
        if (arrays[i].dtype != TFLC_STRING)
            CHECK_OK(tflc_tensor_copy_from(t, arrays[i].data, arrays[i].count * arrays[i].itemsize));
        npy_free(&arrays[i]);
    }
}

/* String outputs must equal the reference byte for byte. */
static void compare_strings(const tflc_tensor *t, const npy_array *want, const case_id *id, const char *name) {
    tflc_string_ref *refs = NULL;
    char *storage = NULL, err[128];
    int rc = npy_strings(want, &refs, &storage, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    size_t n = tflc_tensor_string_count(t), bad = 0;
    CHECK_MSG(rc != 0 || n == want->count, "%s.%s.%s output %s: %zu strings, want %zu", id->model, id->signature,
              id->name, name, n, want->count);
    for (size_t i = 0; rc == 0 && i < n && i < want->count; i++) {
        const char *got;
        size_t len;
        CHECK_OK(tflc_tensor_string_at(t, i, &got, &len));
        if (len != refs[i].size || memcmp(got, refs[i].data, len) != 0) {
            if (bad++ == 0)
                fprintf(stderr, "%s.%s.%s output %s[%zu]: got '%.*s', want '%.*s'\n", id->model, id->signature,
                        id->name, name, i, (int)len, got, (int)refs[i].size, refs[i].data);
        }
    }
    CHECK_MSG(bad == 0, "%zu strings differ", bad);
    free(refs);
    free(storage);
}

static void compare_output(const tflc_runner *r, const case_id *id, int index) {
    const char *name = tflc_runner_output_name(r, index);
    const tflc_tensor *t = tflc_runner_output_at(r, index);
    npy_array want;
    if (!load_npy(id, "out", name, &want)) return;
    if (want.dtype == TFLC_STRING) {
        CHECK(tflc_tensor_dtype(t) == TFLC_STRING);
        compare_strings(t, &want, id, name);
        npy_free(&want);
        return;
    }
    if (want.dtype != TFLC_FLOAT32) { /* integers and bools: exact */
        CHECK_MSG(tflc_tensor_dtype(t) == want.dtype, "%s.%s.%s output %s: dtype %s, want %s", id->model,
                  id->signature, id->name, name, tflc_dtype_name(tflc_tensor_dtype(t)), tflc_dtype_name(want.dtype));
        CHECK_MSG(tflc_tensor_byte_size(t) == want.count * want.itemsize && tflc_tensor_data_const(t) &&
                      memcmp(tflc_tensor_data_const(t), want.data, want.count * want.itemsize) == 0,
                  "%s.%s.%s output %s differs", id->model, id->signature, id->name, name);
        npy_free(&want);
        return;
    }
    CHECK(tflc_tensor_dtype(t) == TFLC_FLOAT32);
    CHECK_MSG(tflc_tensor_rank(t) == want.rank, "%s.%s.%s output %s rank %d vs %d", id->model, id->signature,
              id->name, name, tflc_tensor_rank(t), want.rank);
    for (int k = 0; k < want.rank && k < tflc_tensor_rank(t); k++) CHECK(tflc_tensor_dims(t)[k] == want.shape[k]);
    double abs_tol, rel_tol, worst = 0;
    tolerance_for(id->model, name, &abs_tol, &rel_tol);
    const float *got = tflc_tensor_data_const(t), *exp = want.data;
    size_t bad = 0;
    for (size_t i = 0; got && i < want.count && i < tflc_tensor_element_count(t); i++) {
        if (got[i] == exp[i] || (isnan(got[i]) && isnan(exp[i]))) continue; /* incl. inf, -0 */
        double diff = fabs((double)got[i] - (double)exp[i]);
        if (diff > worst || isnan(diff)) worst = diff;
        if (!(diff <= abs_tol + rel_tol * fabs((double)exp[i]))) bad++;
    }
    CHECK_MSG(bad == 0 && tflc_tensor_element_count(t) == want.count,
              "%s.%s.%s output %s: %zu of %zu elements off, max abs error %g", id->model, id->signature,
              id->name, name, bad, want.count, worst);
    npy_free(&want);
}

static int run_case(const case_id *id) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.tflite", TFLC_TEST_MODELS_DIR, id->model);
    tflc_model *m = NULL;
    tflc_interpreter *it = NULL;
    tflc_runner *r = NULL;
    CHECK_OK(tflc_model_load_file(path, NULL, &m));
    if (m) CHECK_OK(tflc_interpreter_create(m, NULL, &it));
    const char *key = strcmp(id->signature, "nosig") == 0 ? NULL : id->signature;
    if (it) CHECK_OK(tflc_runner_create(it, key, &r));
    if (r) {
        set_inputs(r, id);
        CHECK_MSG(tflc_runner_invoke(r) == TFLC_OK, "%s", tflc_runner_error(r));
        for (int i = 0; i < tflc_runner_output_count(r); i++) compare_output(r, id, i);
    }
    tflc_runner_free(r);
    tflc_interpreter_free(it);
    tflc_model_free(m);
    return 1;
}

/* One case per distinct "<model>.<sig>.<case>" among the *.in.* files. */
static void test_every_golden_case(void) {
    DIR *dir = opendir(TFLC_TEST_MODELS_DIR);
    CHECK(dir != NULL);
    if (!dir) return;
    char seen[256][192];
    int n_seen = 0, n_models = 0;
    char models[64][64];
    struct dirent *e;
    while ((e = readdir(dir))) {
        case_id id;
        if (!parse_case(e->d_name, &id)) continue;
        char key[192];
        snprintf(key, sizeof key, "%s.%s.%s", id.model, id.signature, id.name);
        int dup = 0;
        for (int i = 0; i < n_seen; i++) dup |= strcmp(seen[i], key) == 0;
        if (dup || n_seen == 256) continue;
        snprintf(seen[n_seen++], sizeof seen[0], "%s", key);
        int known = 0;
        for (int i = 0; i < n_models; i++) known |= strcmp(models[i], id.model) == 0;
        if (!known && n_models < 64) snprintf(models[n_models++], sizeof models[0], "%s", id.model);
        run_case(&id);
    }
    closedir(dir);
    printf("golden cases: %d across %d models\n", n_seen, n_models);
    CHECK(n_seen >= 12);
    CHECK(n_models >= 5);
}

static void run_tests(void) { TEST(test_every_golden_case); }

TEST_MAIN()
