/*
 * test_training.c -- on-device training end to end: the TFLite guide's training model
 * (tests/models/generate_training.py converts it and records TensorFlow eager's results).
 *
 *   - 20 train() steps give TensorFlow's 20 losses, and infer() then gives TensorFlow's
 *     trained predictions (tolerance below);
 *   - a fresh interpreter starts from the initial weights; reset_variables goes back there;
 *   - save() writes TensorFlow's checkpoint bytes exactly; restore() reads a checkpoint
 *     TensorFlow wrote (weights compared with tflc_interpreter_read_variable), and one
 *     tflc wrote, into another interpreter;
 *   - Save / Restore / EnsureShape over several dtypes (train_dtypes.tflite);
 *   - the checkpoint reader and writer directly: every dtype TensorFlow saves, sliced and
 *     sharded checkpoints, and hostile bytes (truncated, mutated, mutated with the CRC
 *     fixed up) that must give errors, never crashes (this suite runs under ASan/UBSan);
 *   - FlexReluGrad and FlexEnsureShape on hand-built nodes (signed zeros, NaN, errors).
 *
 * Tolerance for the guide model: |tflc - tf| <= 2e-6 + 2e-5 * |tf| on every loss and
 * prediction. Both sides run the same float32 operations in the same order per element,
 * except the sums: BATCH_MATMUL/FULLY_CONNECTED dot products of up to 784 terms and the
 * reductions of the loss and the gradients, which TensorFlow (oneDNN/Eigen, blocked and
 * vectorized, FMA) and tflc add up in different orders; exp/log of softmax and
 * log-softmax come from different libraries. Each is a ~1e-7-relative difference that
 * SGD carries from step to step. The measured worst case over the 20 steps is printed;
 * generate_training.py records how far TensorFlow moves from itself when only its kernels
 * change (oneDNN off: up to ~1e-5 relative on logits near 0), which is the same order.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/runner.h"
#include "core/strings.h"
#include "npy.h"
#include "ops/flex/checkpoint.h"
#include "ops/flex/flex.h"
#include "ops/flex/nodedef.h"
#include "test.h"
#include "tflc.h"

#define MODEL(name) TFLC_TEST_MODELS_DIR "/" name
#define CKPT(name) TFLC_TEST_MODELS_DIR "/train_tf_checkpoint/" name
#define STEPS 20
#define TOL_ABS 2e-6
#define TOL_REL 2e-5

static const char *const weight_names[4] = {"dense_1/kernel", "dense_1/bias", "dense_2/kernel", "dense_2/bias"};

/* ---------------------------------------------------------------- files -- */

static char tmp_dir[64];

static const char *tmp_path(const char *name, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", tmp_dir, name);
    return buf;
}

static uint8_t *read_file(const char *path, size_t *size) {
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) *size = (size_t)n;
    return p;
}

static bool write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

static bool same_file_bytes(const char *a, const char *b) {
    size_t na, nb;
    uint8_t *pa = read_file(a, &na), *pb = read_file(b, &nb);
    bool same = pa && pb && na == nb && memcmp(pa, pb, na) == 0;
    free(pa);
    free(pb);
    return same;
}

static npy_array load(const char *path) {
    npy_array a;
    char err[256];
    memset(&a, 0, sizeof a);
    CHECK_MSG(npy_load(path, &a, err, sizeof err) == 0, "%s", err);
    return a;
}

/* The largest |got - want|. */
static double max_abs(const float *got, const float *want, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= m)) m = d;
    }
    return m;
}

/* |got - want| <= TOL_ABS + TOL_REL * |want| for all; returns the worst ratio to the bound. */
static double worst(const float *got, const float *want, size_t n) {
    double w = 0;
    for (size_t i = 0; i < n; i++) {
        double bound = TOL_ABS + TOL_REL * fabs((double)want[i]);
        double r = fabs((double)got[i] - (double)want[i]) / bound;
        if (!(r <= w)) w = r; /* NaN counts as the worst */
    }
    return w;
}

/* --------------------------------------------------------- guide model -- */

typedef struct guide {
    tflc_model *model;
    tflc_interpreter *interp;
    tflc_runner *train, *infer, *save, *restore;
} guide;

static bool guide_open_model(guide *g, const char *path) {
    memset(g, 0, sizeof *g);
    CHECK_OK(tflc_model_load_file(path, NULL, &g->model));
    return g->model != NULL;
}

/* A fresh interpreter (initial weights) over the loaded model, with its four runners. */
static bool guide_start(guide *g) {
    CHECK_OK(tflc_interpreter_create(g->model, NULL, &g->interp));
    if (!g->interp) return false;
    CHECK_OK(tflc_runner_create(g->interp, "train", &g->train));
    CHECK_OK(tflc_runner_create(g->interp, "infer", &g->infer));
    CHECK_OK(tflc_runner_create(g->interp, "save", &g->save));
    CHECK_OK(tflc_runner_create(g->interp, "restore", &g->restore));
    return g->train && g->infer && g->save && g->restore;
}

static void guide_stop(guide *g) {
    tflc_runner_free(g->train);
    tflc_runner_free(g->infer);
    tflc_runner_free(g->save);
    tflc_runner_free(g->restore);
    tflc_interpreter_free(g->interp);
    g->train = g->infer = g->save = g->restore = NULL;
    g->interp = NULL;
}

static bool guide_open(guide *g) { return guide_open_model(g, MODEL("train_guide.tflite")) && guide_start(g); }

static void guide_close(guide *g) {
    guide_stop(g);
    tflc_model_free(g->model);
}

/* Sets inputs names[0..n) to the arrays: every shape first (a resize re-plans the arena,
 * so contents set before it are lost), then allocate, then the contents. */
static bool feed(tflc_runner *r, const char *const *names, const npy_array *const *a, int n) {
    for (int i = 0; i < n; i++) {
        int32_t dims[NPY_MAX_RANK];
        for (int k = 0; k < a[i]->rank; k++) dims[k] = (int32_t)a[i]->shape[k];
        tflc_tensor *t = NULL;
        CHECK_OK(tflc_runner_input(r, names[i], &t));
        if (!t) return false;
        if (tflc_tensor_rank(t) != a[i]->rank ||
            memcmp(tflc_tensor_dims(t), dims, (size_t)a[i]->rank * sizeof *dims) != 0)
            CHECK_OK(tflc_runner_resize_input(r, names[i], dims, a[i]->rank));
    }
    if (!tflc_runner_is_allocated(r)) CHECK_MSG(tflc_runner_allocate(r) == TFLC_OK, "%s", tflc_runner_error(r));
    for (int i = 0; i < n; i++) {
        tflc_tensor *t = NULL;
        CHECK_OK(tflc_runner_input(r, names[i], &t));
        if (!t || tflc_tensor_copy_from(t, a[i]->data, a[i]->count * a[i]->itemsize) != TFLC_OK) return false;
    }
    return true;
}

static float train_step(guide *g, const npy_array *x, const npy_array *y) {
    float loss = NAN;
    static const char *const names[2] = {"x", "y"};
    const npy_array *arrays[2] = {x, y};
    if (!feed(g->train, names, arrays, 2)) return loss;
    CHECK_MSG(tflc_runner_invoke(g->train) == TFLC_OK, "%s", tflc_runner_error(g->train));
    const tflc_tensor *out = NULL;
    CHECK_OK(tflc_runner_output(g->train, "loss", &out));
    if (out) CHECK_OK(tflc_tensor_copy_to(out, &loss, sizeof loss));
    return loss;
}

/* n steps, stopping at the first failure (reported once). */
static void train_steps(guide *g, const npy_array *x, const npy_array *y, int n) {
    for (int i = 0; i < n; i++)
        if (isnan(train_step(g, x, y))) return;
}

/* output and logits of infer(x): [4,10] each. */
static void infer(guide *g, const npy_array *x, float *output, float *logits) {
    static const char *const names[1] = {"x"};
    const npy_array *arrays[1] = {x};
    if (!feed(g->infer, names, arrays, 1)) return;
    CHECK_MSG(tflc_runner_invoke(g->infer) == TFLC_OK, "%s", tflc_runner_error(g->infer));
    const tflc_tensor *o = NULL, *l = NULL;
    CHECK_OK(tflc_runner_output(g->infer, "output", &o));
    CHECK_OK(tflc_runner_output(g->infer, "logits", &l));
    if (o) CHECK_OK(tflc_tensor_copy_to(o, output, 40 * sizeof(float)));
    if (l) CHECK_OK(tflc_tensor_copy_to(l, logits, 40 * sizeof(float)));
}

/* Runs save or restore with checkpoint_path = path. */
static tflc_status run_with_path(tflc_runner *r, const char *path) {
    tflc_string_ref ref = {path, strlen(path)};
    tflc_status s = tflc_runner_set_input_strings(r, "checkpoint_path", &ref, 1, NULL, 0);
    if (s == TFLC_OK && !tflc_runner_is_allocated(r)) s = tflc_runner_allocate(r);
    return s == TFLC_OK ? tflc_runner_invoke(r) : s;
}

/* A copy of variable `name` (malloc'ed, *count floats). */
static float *read_weights(tflc_interpreter *it, const char *name, size_t *count) {
    tflc_dtype dtype;
    int32_t dims[TFLC_MAX_RANK];
    int rank = -1;
    *count = 0;
    CHECK_OK(tflc_interpreter_read_variable(it, name, &dtype, dims, &rank, NULL, 0));
    if (rank < 0 || dtype != TFLC_FLOAT32) return NULL;
    size_t n = 1;
    for (int k = 0; k < rank; k++) n *= (size_t)dims[k];
    float *p = malloc(n * sizeof *p);
    CHECK_OK(tflc_interpreter_read_variable(it, name, &dtype, dims, &rank, p, n * sizeof *p));
    *count = n;
    return p;
}

typedef struct weights {
    float *w[4];
    size_t n[4];
} weights;

static weights read_all_weights(tflc_interpreter *it) {
    weights w;
    for (int i = 0; i < 4; i++) w.w[i] = read_weights(it, weight_names[i], &w.n[i]);
    return w;
}

static void free_weights(weights *w) {
    for (int i = 0; i < 4; i++) free(w->w[i]);
}

static bool weights_identical(const weights *a, const weights *b) {
    for (int i = 0; i < 4; i++)
        if (!a->w[i] || !b->w[i] || a->n[i] != b->n[i] || memcmp(a->w[i], b->w[i], a->n[i] * sizeof(float)) != 0)
            return false;
    return true;
}

typedef struct fixtures {
    npy_array x, y, infer_x, losses, initial_output, initial_logits, trained_output, trained_logits;
} fixtures;

static fixtures load_data(void) {
    fixtures d;
    d.x = load(MODEL("train_guide.x.npy"));
    d.y = load(MODEL("train_guide.y.npy"));
    d.infer_x = load(MODEL("train_guide.infer_x.npy"));
    d.losses = load(MODEL("train_guide.losses.npy"));
    d.initial_output = load(MODEL("train_guide.initial.output.npy"));
    d.initial_logits = load(MODEL("train_guide.initial.logits.npy"));
    d.trained_output = load(MODEL("train_guide.trained.output.npy"));
    d.trained_logits = load(MODEL("train_guide.trained.logits.npy"));
    return d;
}

static void free_data(fixtures *d) {
    npy_free(&d->x);
    npy_free(&d->y);
    npy_free(&d->infer_x);
    npy_free(&d->losses);
    npy_free(&d->initial_output);
    npy_free(&d->initial_logits);
    npy_free(&d->trained_output);
    npy_free(&d->trained_logits);
}

static bool data_ok(const fixtures *d) {
    return d->x.data && d->y.data && d->infer_x.data && d->losses.count == STEPS && d->trained_logits.count == 40 &&
           d->initial_logits.count == 40;
}

/* ------------------------------------------------------ training vs TF -- */

static void test_guide_model_shape(void) {
    guide g;
    if (!guide_open(&g)) {
        guide_close(&g);
        return;
    }
    CHECK(tflc_model_signature_count(g.model) == 4);
    CHECK(tflc_runner_output_count(g.restore) == 4);
    /* The 4 weights, the optimizer's iteration counter and its 4 momentum slots. */
    CHECK(tflc_interpreter_variable_count(g.interp) == 9);
    CHECK_OK(tflc_runner_allocate(g.infer)); /* runs the initialization subgraph */
    static const int32_t shapes[4][2] = {{784, 128}, {128, -1}, {128, 10}, {10, -1}};
    for (int i = 0; i < 4; i++) {
        tflc_dtype dtype;
        int32_t dims[TFLC_MAX_RANK];
        int rank = -1;
        CHECK_OK(tflc_interpreter_read_variable(g.interp, weight_names[i], &dtype, dims, &rank, NULL, 0));
        CHECK(dtype == TFLC_FLOAT32 && rank == (shapes[i][1] < 0 ? 1 : 2) && dims[0] == shapes[i][0]);
    }
    guide_close(&g);
}

static void test_train_20_steps_matches_tensorflow(void) {
    fixtures d = load_data();
    guide g;
    if (!data_ok(&d) || !guide_open(&g)) {
        free_data(&d);
        return;
    }
    const float *want = d.losses.data;
    float got[STEPS];
    double w = 0;
    printf("  step  tflc loss     TensorFlow   |diff|\n");
    for (int i = 0; i < STEPS; i++) got[i] = NAN;
    for (int i = 0; i < STEPS; i++) {
        got[i] = train_step(&g, &d.x, &d.y);
        if (isnan(got[i])) break; /* the failure is reported once */
        double r = worst(&got[i], &want[i], 1);
        if (!(r <= w)) w = r;
        printf("  %4d  %.8f  %.8f  %.2e\n", i + 1, (double)got[i], (double)want[i],
               fabs((double)got[i] - (double)want[i]));
    }
    CHECK_MSG(w <= 1.0 && !isnan(got[STEPS - 1]), "losses differ from TensorFlow's by %.3g x the tolerance", w);
    printf("  losses: worst %.3f of the tolerance (%g + %g * |loss|), max |diff| %.3g\n", w, TOL_ABS, TOL_REL,
           max_abs(got, want, STEPS));
    CHECK(got[STEPS - 1] < got[0]); /* it learns */

    float output[40], logits[40];
    infer(&g, &d.infer_x, output, logits);
    double wo = worst(output, d.trained_output.data, 40), wl = worst(logits, d.trained_logits.data, 40);
    CHECK_MSG(wo <= 1.0 && wl <= 1.0, "trained predictions: output %.3g, logits %.3g x the tolerance", wo, wl);
    printf("  trained infer: output %.3f, logits %.3f of the tolerance (max |diff| %.3g, %.3g)\n", wo, wl,
           max_abs(output, d.trained_output.data, 40), max_abs(logits, d.trained_logits.data, 40));
    guide_close(&g);
    free_data(&d);
}

static void test_fresh_interpreter_starts_from_initial_weights(void) {
    fixtures d = load_data();
    guide a, b;
    if (!data_ok(&d) || !guide_open(&a)) {
        free_data(&d);
        return;
    }
    CHECK_OK(tflc_runner_allocate(a.infer));
    weights initial = read_all_weights(a.interp);
    train_steps(&a, &d.x, &d.y, 3);
    weights trained = read_all_weights(a.interp);
    CHECK(!weights_identical(&initial, &trained));

    /* A second interpreter over the same model: the initial weights, TensorFlow's initial
     * predictions, then TensorFlow's first loss. */
    b.model = a.model;
    if (guide_start(&b)) {
        float output[40], logits[40];
        infer(&b, &d.infer_x, output, logits);
        CHECK(worst(output, d.initial_output.data, 40) <= 1.0);
        CHECK(worst(logits, d.initial_logits.data, 40) <= 1.0);
        weights fresh = read_all_weights(b.interp);
        CHECK(weights_identical(&initial, &fresh));
        free_weights(&fresh);
        float loss = train_step(&b, &d.x, &d.y);
        CHECK_MSG(worst(&loss, d.losses.data, 1) <= 1.0, "first loss %.8f", (double)loss);
    }
    guide_stop(&b);

    /* The first interpreter kept its own state; reset_variables takes it back. */
    weights still = read_all_weights(a.interp);
    CHECK(weights_identical(&trained, &still));
    free_weights(&still);
    CHECK_OK(tflc_interpreter_reset_variables(a.interp));
    weights reset = read_all_weights(a.interp);
    CHECK(weights_identical(&initial, &reset));
    free_weights(&reset);
    float loss = train_step(&a, &d.x, &d.y);
    CHECK(worst(&loss, d.losses.data, 1) <= 1.0);

    free_weights(&initial);
    free_weights(&trained);
    guide_close(&a);
    free_data(&d);
}

/* ------------------------------------------------------- save / restore -- */

static void test_restore_tensorflow_checkpoint(void) {
    fixtures d = load_data();
    guide g, own;
    if (!data_ok(&d) || !guide_open(&g)) {
        free_data(&d);
        return;
    }
    CHECK_MSG(run_with_path(g.restore, CKPT("guide.ckpt")) == TFLC_OK, "%s", tflc_runner_error(g.restore));
    /* The restore signature returns what it read, and the variables hold exactly that. */
    weights restored = read_all_weights(g.interp);
    static const char *const outputs[4] = {"dense_1/kernel:0", "dense_1/bias:0", "dense_2/kernel:0", "dense_2/bias:0"};
    for (int i = 0; i < 4; i++) {
        const tflc_tensor *t = NULL;
        CHECK_OK(tflc_runner_output(g.restore, outputs[i], &t));
        CHECK(t && restored.w[i] && tflc_tensor_byte_size(t) == restored.n[i] * sizeof(float) &&
              memcmp(tflc_tensor_data_const(t), restored.w[i], restored.n[i] * sizeof(float)) == 0);
    }
    /* TensorFlow's trained weights: infer gives TensorFlow's trained predictions ... */
    float output[40], logits[40];
    infer(&g, &d.infer_x, output, logits);
    double wo = worst(output, d.trained_output.data, 40), wl = worst(logits, d.trained_logits.data, 40);
    CHECK_MSG(wo <= 1.0 && wl <= 1.0, "output %.3g, logits %.3g x the tolerance", wo, wl);
    printf("  infer on TensorFlow's checkpoint: output %.3f, logits %.3f of the tolerance\n", wo, wl);
    /* ... and they are what tflc's own 20 steps reach, within the tolerance. */
    own.model = g.model;
    if (guide_start(&own)) {
        train_steps(&own, &d.x, &d.y, STEPS);
        weights mine = read_all_weights(own.interp);
        double ww = 0;
        for (int i = 0; i < 4; i++) {
            CHECK(mine.w[i] && restored.w[i] && mine.n[i] == restored.n[i]);
            if (mine.w[i] && restored.w[i] && mine.n[i] == restored.n[i]) {
                double r = worst(mine.w[i], restored.w[i], mine.n[i]);
                if (r > ww) ww = r;
            }
        }
        CHECK_MSG(ww <= 1.0, "tflc's trained weights differ from TensorFlow's by %.3g x the tolerance", ww);
        printf("  weights after 20 steps vs TensorFlow's checkpoint: %.3f of the tolerance\n", ww);
        free_weights(&mine);
    }
    guide_stop(&own);
    free_weights(&restored);
    guide_close(&g);
    free_data(&d);
}

static void test_save_writes_tensorflow_bytes(void) {
    guide g;
    char path[128];
    if (!guide_open(&g)) return;
    /* TensorFlow's checkpoint in, tflc's save out: the same file, byte for byte. */
    CHECK_MSG(run_with_path(g.restore, CKPT("guide.ckpt")) == TFLC_OK, "%s", tflc_runner_error(g.restore));
    tmp_path("resaved.ckpt", path, sizeof path);
    CHECK_MSG(run_with_path(g.save, path) == TFLC_OK, "%s", tflc_runner_error(g.save));
    CHECK(same_file_bytes(path, CKPT("guide.ckpt")));
    /* save returns its path */
    const tflc_tensor *out = NULL;
    const char *s = NULL;
    size_t n = 0;
    CHECK_OK(tflc_runner_output(g.save, "checkpoint_path", &out));
    if (out) CHECK_OK(tflc_tensor_string_at(out, 0, &s, &n));
    CHECK(s && n == strlen(path) && memcmp(s, path, n) == 0);
    /* No temporary file is left beside it. */
    DIR *dir = opendir(tmp_dir);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) CHECK_MSG(!strstr(e->d_name, ".tempstate"), "%s left", e->d_name);
    if (dir) closedir(dir);
    remove(path);
    guide_close(&g);
}

static void test_save_then_restore_in_another_interpreter(void) {
    fixtures d = load_data();
    guide a, b;
    char path[128];
    if (!data_ok(&d) || !guide_open(&a)) {
        free_data(&d);
        return;
    }
    train_steps(&a, &d.x, &d.y, 5);
    tmp_path("five_steps.ckpt", path, sizeof path);
    CHECK_MSG(run_with_path(a.save, path) == TFLC_OK, "%s", tflc_runner_error(a.save));
    weights wa = read_all_weights(a.interp);
    float out_a[40], log_a[40], out_b[40], log_b[40];
    infer(&a, &d.infer_x, out_a, log_a);

    b.model = a.model;
    if (guide_start(&b)) {
        CHECK_MSG(run_with_path(b.restore, path) == TFLC_OK, "%s", tflc_runner_error(b.restore));
        weights wb = read_all_weights(b.interp);
        CHECK(weights_identical(&wa, &wb));
        free_weights(&wb);
        infer(&b, &d.infer_x, out_b, log_b);
        CHECK(memcmp(out_a, out_b, sizeof out_a) == 0 && memcmp(log_a, log_b, sizeof log_a) == 0);
        /* Training goes on from there exactly as in the first interpreter. */
        float la = train_step(&a, &d.x, &d.y), lb = train_step(&b, &d.x, &d.y);
        CHECK_MSG(la == lb, "%.9g vs %.9g", (double)la, (double)lb);
    }
    guide_stop(&b);
    free_weights(&wa);
    remove(path);
    guide_close(&a);
    free_data(&d);
}

/* A checkpoint with the guide's names but other contents, encoded here. */
static bool write_checkpoint(const char *path, const tflc_ckpt_entry *e, int n) {
    char err[256];
    tflc_status s = tflc_ckpt_save(path, e, n, err, sizeof err);
    CHECK_MSG(s == TFLC_OK, "%s", err);
    return s == TFLC_OK;
}

static void test_restore_errors(void) {
    guide g;
    char path[128];
    if (!guide_open(&g)) return;
    /* no such file */
    tmp_path("missing.ckpt", path, sizeof path);
    CHECK(run_with_path(g.restore, path) == TFLC_ERROR_NOT_FOUND);
    CHECK_STR_CONTAINS(tflc_runner_error(g.restore), "Failed to find any matching files for");
    /* a tensor missing, a dtype that differs */
    static const float bias[10] = {0};
    static const int32_t d10[1] = {10}, d784x128[2] = {784, 128};
    tflc_ckpt_entry only = {"dense_2/bias:0", 14, TFLC_FLOAT32, 1, d10, bias};
    tmp_path("partial.ckpt", path, sizeof path);
    if (write_checkpoint(path, &only, 1)) { /* the restore subgraph reads dense_1/kernel:0 first */
        CHECK(run_with_path(g.restore, path) == TFLC_ERROR_NOT_FOUND);
        CHECK_STR_CONTAINS(tflc_runner_error(g.restore),
                           "Tensor name \"dense_1/kernel:0\" not found in checkpoint files");
    }
    int32_t *ikernel = calloc(784 * 128, sizeof *ikernel);
    tflc_ckpt_entry wrong = {"dense_1/kernel:0", 16, TFLC_INT32, 2, d784x128, ikernel};
    tmp_path("wrong_dtype.ckpt", path, sizeof path);
    if (ikernel && write_checkpoint(path, &wrong, 1)) {
        CHECK(run_with_path(g.restore, path) == TFLC_ERROR_INVALID_ARGUMENT);
        CHECK_STR_CONTAINS(tflc_runner_error(g.restore),
                           "Expected to restore a tensor of type float, got a tensor of type int32 instead");
    }
    free(ikernel);
    remove(path);
    tmp_path("partial.ckpt", path, sizeof path);
    remove(path);
    /* a truncated and a corrupted copy of TensorFlow's checkpoint */
    size_t n;
    uint8_t *bytes = read_file(CKPT("guide.ckpt"), &n);
    tmp_path("bad.ckpt", path, sizeof path);
    if (bytes && write_file(path, bytes, n / 2)) {
        CHECK(run_with_path(g.restore, path) == TFLC_ERROR_RUNTIME);
        CHECK_STR_CONTAINS(tflc_runner_error(g.restore), "not a TensorFlow V1 checkpoint");
    }
    if (bytes) bytes[1000] ^= 0x40;
    if (bytes && write_file(path, bytes, n)) {
        CHECK(run_with_path(g.restore, path) == TFLC_ERROR_RUNTIME);
        CHECK_STR_CONTAINS(tflc_runner_error(g.restore), "block checksum mismatch");
    }
    free(bytes);
    remove(path);
    /* A failed restore changed nothing: the variables still hold the initial weights. */
    guide fresh;
    fresh.model = g.model;
    if (guide_start(&fresh)) {
        CHECK_OK(tflc_runner_allocate(fresh.infer));
        weights a = read_all_weights(g.interp), b = read_all_weights(fresh.interp);
        CHECK(weights_identical(&a, &b));
        free_weights(&a);
        free_weights(&b);
    }
    guide_stop(&fresh);
    guide_close(&g);
}

static void test_save_errors(void) {
    guide g;
    if (!guide_open(&g)) return;
    CHECK(run_with_path(g.save, "/nonexistent-dir-tflc/x.ckpt") == TFLC_ERROR_IO);
    CHECK_STR_CONTAINS(tflc_runner_error(g.save), "cannot create checkpoint file");
    guide_close(&g);
    /* the writer refuses what TensorFlow refuses, and duplicate names */
    char err[256];
    uint8_t *out = NULL;
    size_t size = 0;
    static const uint32_t u32[2] = {1, 2};
    static const int32_t d2[1] = {2};
    tflc_ckpt_entry e = {"u", 1, TFLC_UINT32, 1, d2, u32};
    CHECK(tflc_ckpt_encode(&e, 1, &out, &size, err, sizeof err) == TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(err, "Tensor slice serialization not implemented for dtype 22");
    e.dtype = TFLC_BFLOAT16;
    CHECK(tflc_ckpt_encode(&e, 1, &out, &size, err, sizeof err) == TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(err, "Saving data type bfloat16 not yet supported");
    static const float f[2] = {1, 2};
    tflc_ckpt_entry twice[2] = {{"a", 1, TFLC_FLOAT32, 1, d2, f}, {"a", 1, TFLC_FLOAT32, 1, d2, f}};
    CHECK(tflc_ckpt_encode(twice, 2, &out, &size, err, sizeof err) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(err, "given twice");
    CHECK(out == NULL && size == 0);
}

/* -------------------------------------------------- dtypes (EnsureShape) -- */

typedef struct dtype_var {
    const char *name;
    tflc_dtype dtype;
} dtype_var;

static const dtype_var dtype_vars[8] = {
    {"f32", TFLC_FLOAT32}, {"f64", TFLC_FLOAT64}, {"i32", TFLC_INT32}, {"i64", TFLC_INT64},
    {"i8", TFLC_INT8},     {"u8", TFLC_UINT8},    {"b", TFLC_BOOL},    {"scalar", TFLC_FLOAT32},
};

static void test_dtypes_restore_and_save(void) {
    tflc_model *m = NULL;
    tflc_interpreter *it = NULL;
    tflc_runner *restore = NULL, *save = NULL;
    char path[128];
    CHECK_OK(tflc_model_load_file(MODEL("train_dtypes.tflite"), NULL, &m));
    if (m) CHECK_OK(tflc_interpreter_create(m, NULL, &it));
    if (it) CHECK_OK(tflc_runner_create(it, "restore", &restore));
    if (it) CHECK_OK(tflc_runner_create(it, "save", &save));
    if (restore && save) {
        CHECK_MSG(run_with_path(restore, CKPT("dtypes.ckpt")) == TFLC_OK, "%s", tflc_runner_error(restore));
        for (int i = 0; i < 8; i++) {
            char npy[128];
            snprintf(npy, sizeof npy, MODEL("train_dtypes.%s.npy"), dtype_vars[i].name);
            npy_array want = load(npy);
            tflc_dtype dtype;
            int32_t dims[TFLC_MAX_RANK];
            int rank = -1;
            uint8_t got[64];
            CHECK_OK(tflc_interpreter_read_variable(it, dtype_vars[i].name, &dtype, dims, &rank, NULL, 0));
            size_t bytes = want.count * want.itemsize;
            CHECK_MSG(dtype == dtype_vars[i].dtype && rank == want.rank && bytes <= sizeof got, "%s",
                      dtype_vars[i].name);
            if (bytes <= sizeof got && want.data) {
                CHECK_OK(tflc_interpreter_read_variable(it, dtype_vars[i].name, &dtype, dims, &rank, got, bytes));
                CHECK_MSG(memcmp(got, want.data, bytes) == 0, "%s", dtype_vars[i].name);
            }
            npy_free(&want);
        }
        tmp_path("dtypes.ckpt", path, sizeof path);
        CHECK_MSG(run_with_path(save, path) == TFLC_OK, "%s", tflc_runner_error(save));
        CHECK(same_file_bytes(path, CKPT("dtypes.ckpt")));
        remove(path);

        /* EnsureShape: f32 saved as [3,2] instead of [2,3] is refused before the assign. */
        static const float six[6] = {1, 2, 3, 4, 5, 6};
        static const int32_t d32[2] = {3, 2};
        tflc_ckpt_entry e = {"f32", 3, TFLC_FLOAT32, 2, d32, six};
        tmp_path("reshaped.ckpt", path, sizeof path);
        if (write_checkpoint(path, &e, 1)) {
            CHECK(run_with_path(restore, path) == TFLC_ERROR_INVALID_ARGUMENT);
            CHECK_STR_CONTAINS(tflc_runner_error(restore), "[3,2] is not compatible with expected shape [2,3].");
        }
        remove(path);
    }
    tflc_runner_free(restore);
    tflc_runner_free(save);
    tflc_interpreter_free(it);
    tflc_model_free(m);
}

/* ------------------------------------------------- the format directly -- */

static tflc_ckpt_reader *open_ok(const char *pattern) {
    tflc_ckpt_reader *r = NULL;
    char err[256];
    tflc_status s = tflc_ckpt_open(pattern, &r, err, sizeof err);
    CHECK_MSG(s == TFLC_OK, "%s", err);
    return r;
}

typedef struct strings_seen {
    char data[3][8];
    size_t len[3];
    int n;
} strings_seen;

static tflc_status collect_string(void *ctx, const char *data, size_t len) {
    strings_seen *s = ctx;
    if (s->n == 3 || len > 8) return TFLC_ERROR_RUNTIME;
    memcpy(s->data[s->n], data, len);
    s->len[s->n++] = len;
    return TFLC_OK;
}

static void test_checkpoint_every_dtype(void) {
    /* generate_training.py's ALLTYPES, as TensorFlow's Save wrote them. */
    static const uint16_t f16[3] = {0x3e00, 0xc000, 0x7bff};
    static const float c64[4] = {1, 2, -0.0f, -3.5f};
    static const double c128[2] = {0.25, -1};
    static const int16_t i16[3] = {-300, 300, 7};
    static const uint16_t u16[3] = {0, 65535, 7};
    static const int32_t d3[1] = {3}, d2[1] = {2}, d11[2] = {1, 1}, d20[2] = {2, 0};
    static const tflc_string_ref strs[3] = {{"ab", 2}, {"", 0}, {"\0\xff", 2}};
    const tflc_ckpt_entry all[7] = {
        {"float16", 7, TFLC_FLOAT16, 1, d3, f16},         {"complex64", 9, TFLC_COMPLEX64, 1, d2, c64},
        {"complex128", 10, TFLC_COMPLEX128, 2, d11, c128}, {"int16", 5, TFLC_INT16, 1, d3, i16},
        {"uint16", 6, TFLC_UINT16, 1, d3, u16},           {"string", 6, TFLC_STRING, 1, d3, strs},
        {"empty", 5, TFLC_FLOAT32, 2, d20, c64},
    };
    tflc_ckpt_reader *r = open_ok(CKPT("alltypes.ckpt"));
    char err[256];
    for (int i = 0; r && i < 7; i++) {
        tflc_ckpt_info info;
        CHECK_OK(tflc_ckpt_find(r, all[i].name, all[i].name_len, &info, err, sizeof err));
        CHECK_MSG(info.dtype == all[i].dtype && info.rank == all[i].rank && info.n_slices == 1, "%s", all[i].name);
        for (int k = 0; k < info.rank && k < all[i].rank; k++) CHECK(info.dims[k] == all[i].dims[k]);
        if (all[i].dtype == TFLC_STRING) {
            strings_seen seen = {0};
            CHECK_OK(tflc_ckpt_read_strings(r, "string", 6, collect_string, &seen, err, sizeof err));
            CHECK(seen.n == 3);
            for (int k = 0; k < seen.n; k++)
                CHECK(seen.len[k] == strs[k].size && memcmp(seen.data[k], strs[k].data, strs[k].size) == 0);
            continue;
        }
        uint8_t got[64];
        size_t bytes = info.count * tflc_dtype_size(info.dtype);
        CHECK_OK(tflc_ckpt_read(r, all[i].name, all[i].name_len, all[i].dtype, got, bytes, err, sizeof err));
        CHECK_MSG(bytes == 0 || memcmp(got, all[i].data, bytes) == 0, "%s", all[i].name);
    }
    /* asking for another dtype or size is refused */
    float f[3];
    CHECK(r && tflc_ckpt_read(r, "int16", 5, TFLC_FLOAT32, f, sizeof f, err, sizeof err) ==
                   TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(r && tflc_ckpt_read(r, "int16", 5, TFLC_INT16, f, 4, err, sizeof err) == TFLC_ERROR_INVALID_ARGUMENT);
    tflc_ckpt_info info;
    CHECK(r && tflc_ckpt_find(r, "nope", 4, &info, err, sizeof err) == TFLC_ERROR_NOT_FOUND);
    tflc_ckpt_close(r);
    /* and tflc writes exactly TensorFlow's file from the same tensors */
    uint8_t *out = NULL;
    size_t size = 0, want_size = 0;
    uint8_t *want = read_file(CKPT("alltypes.ckpt"), &want_size);
    CHECK_OK(tflc_ckpt_encode(all, 7, &out, &size, err, sizeof err));
    CHECK(out && want && size == want_size && memcmp(out, want, size) == 0);
    free(out);
    free(want);
}

static void test_checkpoint_slices_and_shards(void) {
    static const char *const patterns[2] = {CKPT("slices.ckpt"), CKPT("sharded.ckpt-*")};
    static const int n_slices[2] = {3, 2};
    char err[256];
    for (int p = 0; p < 2; p++) {
        tflc_ckpt_reader *r = open_ok(patterns[p]);
        tflc_ckpt_info info;
        float w[24];
        if (!r) continue;
        CHECK_OK(tflc_ckpt_find(r, "w", 1, &info, err, sizeof err));
        CHECK(info.rank == 2 && info.dims[0] == 4 && info.dims[1] == 6 && info.n_slices == n_slices[p]);
        CHECK_OK(tflc_ckpt_read(r, "w", 1, TFLC_FLOAT32, w, sizeof w, err, sizeof err));
        for (int i = 0; i < 24; i++) CHECK_MSG(w[i] == (float)i, "%s: w[%d] = %g", patterns[p], i, (double)w[i]);
        tflc_ckpt_close(r);
    }
    /* Only one shard: the slices do not cover the tensor. */
    tflc_ckpt_reader *r = open_ok(CKPT("sharded.ckpt-00000-of-00002"));
    tflc_ckpt_info info;
    CHECK(r && tflc_ckpt_find(r, "w", 1, &info, err, sizeof err) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(err, "cover 18 of its 24 elements");
    tflc_ckpt_close(r);
}

/* --------------------------------------------------------- hostile bytes -- */

/* Opens bytes[0..n) (an exact heap copy, so ASan sees overreads) and reads every tensor it
 * names (plus a missing one); returns the first failure, TFLC_OK if all went through. */
static tflc_status read_everything(const uint8_t *bytes, size_t n, const char *const *names, int n_names) {
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, bytes, n);
    tflc_ckpt_reader *r = NULL;
    char err[256];
    tflc_status s = tflc_ckpt_open_buffer(copy, n, &r, err, sizeof err);
    CHECK(s == TFLC_OK || (r == NULL && err[0] != '\0'));
    for (int i = 0; s == TFLC_OK && i <= n_names; i++) {
        const char *name = i < n_names ? names[i] : "absent";
        tflc_ckpt_info info;
        s = tflc_ckpt_find(r, name, strlen(name), &info, err, sizeof err);
        if (s == TFLC_ERROR_NOT_FOUND && i == n_names) s = TFLC_OK;
        if (s != TFLC_OK || i == n_names) continue;
        size_t bytes_needed = info.count * tflc_dtype_size(info.dtype);
        if (info.dtype == TFLC_STRING || bytes_needed > (1u << 22)) continue;
        void *data = malloc(bytes_needed ? bytes_needed : 1);
        s = tflc_ckpt_read(r, name, strlen(name), info.dtype, data, bytes_needed, err, sizeof err);
        free(data);
    }
    if (s != TFLC_OK) CHECK(err[0] != '\0');
    tflc_ckpt_close(r);
    free(copy);
    return s;
}

static const char *const dtype_names[8] = {"f32", "f64", "i32", "i64", "i8", "u8", "b", "scalar"};

/* The footer's metaindex offset: the data blocks and their trailers end there. */
static uint64_t data_end(const uint8_t *p, size_t n) {
    const uint8_t *q = p + n - 48;
    uint64_t v = 0;
    for (int i = 0, shift = 0; i < 10; i++, shift += 7) {
        v |= (uint64_t)(q[i] & 0x7f) << shift;
        if (!(q[i] & 0x80)) break;
    }
    return v;
}

/* The footer's four handle numbers; false when they do not decode. */
static bool footer_handles(const uint8_t *p, size_t n, uint64_t *v) {
    size_t i = n - 48;
    for (int h = 0; h < 4; h++) {
        v[h] = 0;
        for (int shift = 0;; shift += 7) {
            if (i >= n - 8 || shift > 63) return false;
            uint8_t b = p[i++];
            v[h] |= (uint64_t)(b & 0x7f) << shift;
            if (!(b & 0x80)) break;
        }
    }
    return true;
}

/* A footer change nothing can see: the padding after the handles, or a handle's varint
 * re-encoded to the same number (0x0f -> 0x8f 0x00). TensorFlow reads those bytes alike. */
static bool footer_unchanged(const uint8_t *original, const uint8_t *mutated, size_t n, size_t at) {
    if (at < n - 48 || at >= n - 8) return false;
    uint64_t a[4], b[4];
    return footer_handles(original, n, a) && footer_handles(mutated, n, b) && memcmp(a, b, sizeof a) == 0;
}

static void test_hostile_truncated(void) {
    size_t n;
    uint8_t *bytes = read_file(CKPT("dtypes.ckpt"), &n);
    CHECK(bytes);
    if (!bytes) return;
    CHECK(read_everything(bytes, n, dtype_names, 8) == TFLC_OK);
    for (size_t len = 0; len < n; len++)
        CHECK_MSG(read_everything(bytes, len, dtype_names, 8) != TFLC_OK, "truncated to %zu bytes", len);
    free(bytes);
    /* The large file: truncations across it and at every one of its last 64 bytes. */
    bytes = read_file(CKPT("guide.ckpt"), &n);
    static const char *const guide_names[4] = {"dense_1/kernel:0", "dense_1/bias:0", "dense_2/kernel:0",
                                                "dense_2/bias:0"};
    for (size_t len = 0; bytes && len < n; len += len + 64 < n ? 40009 : 1)
        CHECK_MSG(read_everything(bytes, len, guide_names, 4) != TFLC_OK, "truncated to %zu bytes", len);
    free(bytes);
}

static void test_hostile_mutated(void) {
    size_t n;
    uint8_t *bytes = read_file(CKPT("dtypes.ckpt"), &n);
    CHECK(bytes);
    if (!bytes) return;
    /* Every byte, three ways: the CRC32C (or the footer's checks) must catch each one. */
    static const uint8_t flips[3] = {0x01, 0x80, 0xff};
    uint8_t *original = malloc(n);
    memcpy(original, bytes, n);
    for (size_t at = 0; at < n; at++)
        for (int f = 0; f < 3; f++) {
            bytes[at] ^= flips[f];
            tflc_status s = read_everything(bytes, n, dtype_names, 8);
            if (!footer_unchanged(original, bytes, n, at))
                CHECK_MSG(s != TFLC_OK, "byte %zu ^ 0x%02x went unnoticed", at, flips[f]);
            bytes[at] ^= flips[f];
        }
    free(original);
    /* Mutations with the block's CRC fixed up, so that the structure itself is attacked:
     * any outcome but a crash is fine (a changed value can still be a valid file). */
    uint64_t end = data_end(bytes, n);
    uint32_t seed = 12345;
    int refused = 0, runs = 0;
    for (uint64_t at = 0; end >= 5 && at < end - 5; at++)
        for (int f = 0; f < 4; f++) {
            seed = seed * 1103515245u + 12345u;
            uint8_t *m = malloc(n);
            memcpy(m, bytes, n);
            m[at] = f == 0 ? 0x00 : f == 1 ? 0xff : f == 2 ? (uint8_t)(m[at] + 1) : (uint8_t)(seed >> 16);
            size_t size = (size_t)end - 5; /* the one data block, then its trailer */
            uint32_t crc = tflc_crc32c_mask(tflc_crc32c_extend(tflc_crc32c_extend(0, m, size), m + size, 1));
            for (int k = 0; k < 4; k++) m[size + 1 + k] = (uint8_t)(crc >> (8 * k));
            refused += read_everything(m, n, dtype_names, 8) != TFLC_OK;
            runs++;
            free(m);
        }
    printf("  CRC-fixed mutations: %d of %d refused, none crashed\n", refused, runs);
    CHECK(runs > 1000 && refused > 0);
    free(bytes);
}

static void test_crc32c(void) {
    /* RFC 3720's check values, and LevelDB's mask. */
    CHECK(tflc_crc32c_extend(0, "123456789", 9) == 0xe3069283u);
    uint8_t zeros[32] = {0};
    CHECK(tflc_crc32c_extend(0, zeros, 32) == 0x8a9136aau);
    CHECK(tflc_crc32c_extend(tflc_crc32c_extend(0, "1234", 4), "56789", 5) == 0xe3069283u);
    CHECK(tflc_crc32c_mask(0) == 0xa282ead8u);
}

/* ------------------------------------------------------ hand-built nodes -- */

typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

static void put(bytes *b, const void *data, size_t n) {
    b->p = realloc(b->p, b->n + n + 1);
    if (n) memcpy(b->p + b->n, data, n);
    b->n += n;
}
static void put_byte(bytes *b, uint8_t v) { put(b, &v, 1); }
static void pb_varint(bytes *b, uint64_t v) {
    while (v >= 0x80) {
        put_byte(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_byte(b, (uint8_t)v);
}
static void pb_len(bytes *b, uint32_t field, const void *data, size_t n) {
    pb_varint(b, (uint64_t)field << 3 | TFLC_PB_BYTES);
    pb_varint(b, n);
    put(b, data, n);
}

/* attr map entry name -> AttrValue bytes */
static void attr(bytes *nd, const char *name, const bytes *value) {
    bytes e = {0};
    pb_len(&e, 1, name, strlen(name));
    pb_len(&e, 2, value->p, value->n);
    pb_len(nd, 5, e.p, e.n);
    free(e.p);
}

static void attr_type(bytes *nd, const char *name, int type) {
    bytes v = {0};
    pb_varint(&v, (uint64_t)TFLC_ATTR_TYPE << 3 | TFLC_PB_VARINT);
    pb_varint(&v, (uint64_t)type);
    attr(nd, name, &v);
    free(v.p);
}

/* shape attr: dims[0..rank) (-1 unknown), or unknown rank when rank < 0 */
static void attr_shape(bytes *nd, const char *name, const int64_t *dims, int rank) {
    bytes shape = {0}, v = {0};
    if (rank < 0) {
        pb_varint(&shape, 3 << 3 | TFLC_PB_VARINT);
        pb_varint(&shape, 1);
    }
    for (int i = 0; i < rank; i++) {
        bytes dim = {0};
        pb_varint(&dim, 1 << 3 | TFLC_PB_VARINT);
        pb_varint(&dim, (uint64_t)dims[i]);
        pb_len(&shape, 2, dim.p, dim.n);
        free(dim.p);
    }
    pb_len(&v, TFLC_ATTR_SHAPE, shape.p, shape.n);
    attr(nd, name, &v);
    free(shape.p);
    free(v.p);
}

/* Custom options [op, NodeDef] as a FlexBuffer vector of two strings, 4-byte wide. */
static void flex_options(bytes *out, const char *op, const bytes *attrs) {
    bytes nd = {0};
    pb_len(&nd, 2, op, strlen(op));
    put(&nd, attrs->p, attrs->n);
    uint32_t w;
    size_t na = strlen(op);
    w = (uint32_t)na;
    put(out, &w, 4);
    size_t a_at = out->n;
    put(out, op, na);
    put_byte(out, 0);
    while (out->n % 4) put_byte(out, 0);
    w = (uint32_t)nd.n;
    put(out, &w, 4);
    size_t b_at = out->n;
    put(out, nd.p, nd.n);
    put_byte(out, 0);
    while (out->n % 4) put_byte(out, 0);
    w = 2;
    put(out, &w, 4);
    size_t vec = out->n;
    w = (uint32_t)(vec - a_at);
    put(out, &w, 4);
    w = (uint32_t)(vec + 4 - b_at);
    put(out, &w, 4);
    put_byte(out, 5 << 2 | 2); /* FBT_STRING, 4 bytes */
    put_byte(out, 5 << 2 | 2);
    size_t root = out->n;
    w = (uint32_t)(root - vec);
    put(out, &w, 4);
    put_byte(out, 10 << 2 | 2); /* FBT_VECTOR */
    put_byte(out, 4);
    free(nd.p);
}

static tflc_subgraph_desc fake_subgraph = {.name = "test"};
static struct tflc_model fake_model = {.subgraphs = &fake_subgraph, .n_subgraphs = 1,
                                       .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
static struct tflc_runner fake_runner = {.model = &fake_model};
static tflc_graph fake_graph = {.desc = &fake_subgraph, .runner = &fake_runner};

/* A Flex node over float32 tensors with n_in inputs of shape dims and one output. */
typedef struct node_case {
    tflc_op_desc op;
    tflc_tensor_desc desc[3];
    tflc_tensor t[3];
    tflc_tensor *ins[2], *outs[1];
    tflc_node node;
    bytes options;
    float out[8];
    int64_t params[32];
    char name[32];
} node_case;

static tflc_status node_run(node_case *c, const char *tf_op, const bytes *attrs, float *const *in, int n_in,
                            const int32_t *const *dims, const int *ranks) {
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "Flex%s", tf_op);
    flex_options(&c->options, tf_op, attrs);
    c->op = (tflc_op_desc){.builtin_code = 32, .version = 1, .custom_name = c->name,
                           .custom_options = c->options.p, .custom_options_size = c->options.n};
    for (int i = 0; i <= n_in; i++) {
        c->desc[i] = (tflc_tensor_desc){.name = i == n_in ? "out" : "in", .dtype = TFLC_FLOAT32};
        c->t[i] = (tflc_tensor){.desc = &c->desc[i], .dtype = TFLC_FLOAT32, .alloc = TFLC_ALLOC_ARENA};
        if (i < n_in) {
            c->t[i].rank = ranks[i];
            memcpy(c->t[i].dims, dims[i], (size_t)ranks[i] * sizeof(int32_t));
            c->t[i].data = in[i];
            c->t[i].bytes = tflc_tensor_count(&c->t[i]) * 4;
            c->ins[i] = &c->t[i];
        }
    }
    c->t[n_in].data = c->out;
    c->outs[0] = &c->t[n_in];
    c->node = (tflc_node){.desc = &c->op, .kernel = tflc_find_flex_kernel(tf_op), .inputs = c->ins,
                          .n_inputs = n_in, .outputs = c->outs, .n_outputs = 1, .params = c->params,
                          .graph = &fake_graph};
    if (!c->node.kernel) return TFLC_ERROR_UNSUPPORTED;
    tflc_status s = c->node.kernel->prepare(&c->node);
    if (s == TFLC_OK && c->t[n_in].bytes > sizeof c->out) s = TFLC_ERROR_RUNTIME;
    if (s == TFLC_OK) s = c->node.kernel->eval(&c->node);
    free(c->options.p);
    return s;
}

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void test_relu_grad_node(void) {
    float g[8] = {1.5f, -2.0f, 3.0f, -4.0f, INFINITY, NAN, 7.0f, -INFINITY};
    float a[8] = {1.0f, 0.5f, 0.0f, -1.0f, -2.0f, 3.0f, NAN, 2.0f};
    float *in[2] = {g, a};
    static const int32_t d8[1] = {8};
    const int32_t *dims[2] = {d8, d8};
    const int ranks[2] = {1, 1};
    bytes attrs = {0};
    attr_type(&attrs, "T", TFLC_TF_FLOAT);
    node_case c;
    CHECK_OK(node_run(&c, "ReluGrad", &attrs, in, 2, dims, ranks));
    /* gradient * (feature > 0): 0 takes the gradient's sign, inf * 0 is NaN */
    CHECK(c.out[0] == 1.5f && bits(c.out[0]) == bits(1.5f));
    CHECK(c.out[1] == -2.0f);
    CHECK(bits(c.out[2]) == bits(0.0f));
    CHECK(bits(c.out[3]) == bits(-0.0f));
    CHECK(isnan(c.out[4]));
    CHECK(isnan(c.out[5]));
    CHECK(bits(c.out[6]) == bits(0.0f)); /* a NaN feature is not positive */
    CHECK(c.out[7] == -INFINITY);
    /* shapes must match */
    static const int32_t d4[1] = {4};
    const int32_t *bad[2] = {d8, d4};
    CHECK(node_run(&c, "ReluGrad", &attrs, in, 2, bad, ranks) == TFLC_ERROR_INVALID_ARGUMENT);
    free(attrs.p);
}

static void test_ensure_shape_node(void) {
    float x[6] = {1, 2, 3, 4, 5, 6};
    float *in[1] = {x};
    static const int32_t d23[2] = {2, 3};
    const int32_t *dims[1] = {d23};
    const int ranks[1] = {2};
    static const int64_t ok1[2] = {2, 3}, ok2[2] = {-1, 3}, bad1[2] = {3, 2}, bad2[1] = {6};
    const struct {
        const int64_t *dims;
        int rank;
        tflc_status want;
    } cases[5] = {{ok1, 2, TFLC_OK}, {ok2, 2, TFLC_OK}, {NULL, -1, TFLC_OK},
                  {bad1, 2, TFLC_ERROR_INVALID_ARGUMENT}, {bad2, 1, TFLC_ERROR_INVALID_ARGUMENT}};
    for (int i = 0; i < 5; i++) {
        bytes attrs = {0};
        attr_type(&attrs, "T", TFLC_TF_FLOAT);
        attr_shape(&attrs, "shape", cases[i].dims, cases[i].rank);
        node_case c;
        tflc_status s = node_run(&c, "EnsureShape", &attrs, in, 1, dims, ranks);
        CHECK_MSG(s == cases[i].want, "case %d: status %d", i, (int)s);
        if (s == TFLC_OK) CHECK(memcmp(c.out, x, sizeof x) == 0 && c.t[1].rank == 2);
        free(attrs.p);
    }
    CHECK_STR_CONTAINS(tflc_last_error(), "Shape of tensor in [2,3] is not compatible with expected shape [6].");
}

/* -------------------------------------------------------------------- main -- */

static void run_tests(void) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/tflc_test_training_XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        fprintf(stderr, "cannot create a temporary directory\n");
        test_failed++;
        return;
    }
    TEST(test_crc32c);
    TEST(test_guide_model_shape);
    TEST(test_train_20_steps_matches_tensorflow);
    TEST(test_fresh_interpreter_starts_from_initial_weights);
    TEST(test_restore_tensorflow_checkpoint);
    TEST(test_save_writes_tensorflow_bytes);
    TEST(test_save_then_restore_in_another_interpreter);
    TEST(test_restore_errors);
    TEST(test_save_errors);
    TEST(test_dtypes_restore_and_save);
    TEST(test_checkpoint_every_dtype);
    TEST(test_checkpoint_slices_and_shards);
    TEST(test_hostile_truncated);
    TEST(test_hostile_mutated);
    TEST(test_relu_grad_node);
    TEST(test_ensure_shape_node);
    rmdir(tmp_dir);
}

TEST_MAIN()
