/*
 * test_conformance.c -- the committed conformance subset through the public API.
 *
 * tests/conformance/ holds small single-op models from the real converter with inputs and
 * LiteRT's outputs, exported by conformance/export_subset.py from a passing run of the full
 * suite (conformance/run.py, which needs TensorFlow). cases.txt lists them, one per line:
 *
 *     id model kind ulp rel abs ops inputs outputs [ref_outputs]
 *
 * (its header explains the fields). ref_outputs is there only where LiteRT's builtin and
 * reference kernels disagree beyond the tolerance; the case then passes if tflc matches
 * either set, as in the full suite. Each case runs as an application would, on 1 thread and
 * on 3: load the model, create an interpreter and a runner for the only signature, resize every input to its .npy
 * shape, allocate, copy the inputs in, invoke, and compare every output with the golden:
 *   float outputs per the case's tolerance (ULP distance or |got - want| <= abs + rel *
 *   max|want|); every other dtype byte for byte.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "test.h"

#define CONF_DIR TFLC_TEST_MODELS_DIR "/../conformance"
#define MAX_LINE 16384
#define MAX_LIST 64
#define MAX_OPS 512

/* -------------------------------------------------------------- manifest -- */

typedef struct conf_case {
    char *id, *model, *kind;
    long ulp;
    double rel, abs;
    char *ops[MAX_LIST], *inputs[MAX_LIST], *outputs[MAX_LIST], *ref_outputs[MAX_LIST];
    int n_ops, n_inputs, n_outputs, n_ref_outputs;
} conf_case;

/* Splits s in place at `sep`; returns the count, or -1 if more than max. "-" is empty. */
static int split(char *s, char sep, char **out, int max) {
    if (strcmp(s, "-") == 0) return 0;
    int n = 0;
    for (char *p = s;; p++) {
        if (*p != sep && *p != '\0') continue;
        if (n == max) return -1;
        out[n++] = s;
        if (*p == '\0') return n;
        *p = '\0';
        s = p + 1;
    }
}

/* Parses one manifest line (modified in place); 0 on a malformed line. */
static int parse_line(char *line, conf_case *c) {
    char *f[10];
    line[strcspn(line, "\r\n")] = '\0';
    int n = split(line, ' ', f, 10);
    if (n != 9 && n != 10) return 0;
    char *end;
    c->id = f[0];
    c->model = f[1];
    c->kind = f[2];
    c->ulp = strtol(f[3], &end, 10);
    if (*end) return 0;
    c->rel = strtod(f[4], &end);
    if (*end) return 0;
    c->abs = strtod(f[5], &end);
    if (*end) return 0;
    if (strcmp(c->kind, "exact") != 0 && strcmp(c->kind, "ulp") != 0 && strcmp(c->kind, "rel") != 0)
        return 0;
    c->n_ops = split(f[6], ',', c->ops, MAX_LIST);
    c->n_inputs = split(f[7], ',', c->inputs, MAX_LIST);
    c->n_outputs = split(f[8], ',', c->outputs, MAX_LIST);
    c->n_ref_outputs = n == 10 ? split(f[9], ',', c->ref_outputs, MAX_LIST) : 0;
    if (n == 10 && c->n_ref_outputs != c->n_outputs) return 0;
    return c->n_ops >= 0 && c->n_inputs >= 0 && c->n_outputs >= 0;
}

/* ------------------------------------------------------------ comparison -- */

/* Float bits as integers whose difference is the distance in ULPs; +0 and -0 are equal. */
static int64_t ordered32(float f) {
    int32_t i;
    memcpy(&i, &f, sizeof i);
    return i < 0 ? (int64_t)INT32_MIN - i : i;
}

static int64_t ordered16(uint16_t h) {
    int16_t i;
    memcpy(&i, &h, sizeof i);
    return i < 0 ? (int64_t)INT16_MIN - i : i;
}

static double ordered64(double d) {
    int64_t i;
    memcpy(&i, &d, sizeof i);
    return i < 0 ? (double)INT64_MIN - (double)i : (double)i;
}

/* Element i of a float array of dtype as double, and its ordered bits. */
static double float_at(tflc_dtype dtype, const void *data, size_t i, double *ordered) {
    if (dtype == TFLC_FLOAT32) {
        float v = ((const float *)data)[i];
        *ordered = (double)ordered32(v);
        return v;
    }
    if (dtype == TFLC_FLOAT16) {
        uint16_t h = ((const uint16_t *)data)[i];
        *ordered = (double)ordered16(h);
        return npy_f16_to_f32(h);
    }
    double v = ((const double *)data)[i];
    *ordered = ordered64(v);
    return v;
}

/* Number of elements outside the case's tolerance; unless quiet, reports the first and
 * the worst. */
static size_t compare_floats(const conf_case *c, const char *what, tflc_dtype dtype, const void *got,
                             const void *want, size_t n, int quiet) {
    double scale = 0, worst_abs = 0, worst_ulp = 0;
    for (size_t i = 0; i < n; i++) {
        double o, w = float_at(dtype, want, i, &o);
        if (isfinite(w) && fabs(w) > scale) scale = fabs(w);
    }
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double og, ow, g = float_at(dtype, got, i, &og), w = float_at(dtype, want, i, &ow);
        double diff, ulp;
        if (isnan(g) || isnan(w)) {
            diff = ulp = (isnan(g) && isnan(w)) ? 0 : INFINITY;
        } else {
            diff = (g == w) ? 0 : fabs(g - w);
            ulp = fabs(og - ow);
        }
        int ok;
        if (strcmp(c->kind, "ulp") == 0)
            ok = ulp <= (double)c->ulp || (c->abs > 0 && diff <= c->abs);
        else if (strcmp(c->kind, "rel") == 0)
            ok = ulp == 0 || diff <= c->abs + c->rel * scale;
        else
            ok = ulp == 0;
        if (diff > worst_abs) worst_abs = diff;
        if (ulp > worst_ulp) worst_ulp = ulp;
        if (!ok && bad++ == 0 && !quiet)
            fprintf(stderr, "%s: %s[%zu]: got %.9g, want %.9g\n", c->id, what, i, g, w);
    }
    if (bad && !quiet)
        fprintf(stderr, "%s: %s: %zu of %zu off (%s), max abs %g, max %g ulp\n", c->id, what, bad, n,
                c->kind, worst_abs, worst_ulp);
    return bad;
}

static size_t compare_bytes(const conf_case *c, const char *what, const void *got, const void *want,
                            size_t n, size_t itemsize, int quiet) {
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (memcmp((const char *)got + i * itemsize, (const char *)want + i * itemsize, itemsize) != 0 &&
            bad++ == 0 && !quiet)
            fprintf(stderr, "%s: %s: element %zu differs\n", c->id, what, i);
    }
    if (bad && !quiet) fprintf(stderr, "%s: %s: %zu of %zu elements differ (bit-exact)\n", c->id, what, bad, n);
    return bad;
}

/* ------------------------------------------------------------------ cases -- */

static int load(const conf_case *c, const char *file, npy_array *a) {
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", CONF_DIR, file);
    int rc = npy_load(path, a, err, sizeof err);
    CHECK_MSG(rc == 0, "%s: %s", c->id, err);
    return rc == 0;
}

static int same_shape(const tflc_tensor *t, const npy_array *a) {
    if (tflc_tensor_rank(t) != a->rank) return 0;
    for (int k = 0; k < a->rank; k++)
        if (tflc_tensor_dims(t)[k] != a->shape[k]) return 0;
    return 1;
}

/* 1 if every output of r matches files[0..n_outputs) (one golden set); unless quiet,
 * reports each mismatch. */
static int outputs_match(const conf_case *c, const tflc_runner *r, char *const *files, int quiet) {
    int ok = 1;
    for (int o = 0; o < c->n_outputs; o++) {
        const tflc_tensor *t = tflc_runner_output_at(r, o);
        const char *name = tflc_runner_output_name(r, o);
        npy_array want;
        if (!load(c, files[o], &want)) {
            ok = 0;
            continue;
        }
        tflc_dtype dt = tflc_tensor_dtype(t);
        const void *got = tflc_tensor_data_const(t);
        size_t bad;
        if (dt != want.dtype || !same_shape(t, &want) || !got) {
            if (!quiet)
                fprintf(stderr, "%s: output %s: got %s rank %d, want %s rank %d\n", c->id, name,
                        tflc_dtype_name(dt), tflc_tensor_rank(t), want.descr, want.rank);
            bad = 1;
        } else if (dt == TFLC_FLOAT32 || dt == TFLC_FLOAT16 || dt == TFLC_FLOAT64) {
            bad = compare_floats(c, name, dt, got, want.data, want.count, quiet);
        } else {
            bad = compare_bytes(c, name, got, want.data, want.count, want.itemsize, quiet);
        }
        if (bad) ok = 0;
        npy_free(&want);
    }
    return ok;
}

/* Runs one case; returns 1 if every output matched the builtin goldens, or the reference
 * kernels' where the case has them. */
/* Runs the case on an interpreter of num_threads threads. */
static int run_case(const conf_case *c, int num_threads) {
    int ok = 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CONF_DIR, c->model);
    tflc_model *m = NULL;
    tflc_interpreter *it = NULL;
    tflc_runner *r = NULL;
    npy_array in[MAX_LIST];
    memset(in, 0, sizeof in);
    tflc_interpreter_options opts;
    tflc_interpreter_options_init(&opts);
    opts.num_threads = num_threads;
    if (tflc_model_load_file(path, NULL, &m) != TFLC_OK || tflc_interpreter_create(m, &opts, &it) != TFLC_OK ||
        tflc_runner_create(it, NULL, &r) != TFLC_OK) {
        CHECK_MSG(0, "%s: %s", c->id, tflc_last_error());
        goto done;
    }
    CHECK_MSG(tflc_runner_input_count(r) == c->n_inputs && tflc_runner_output_count(r) == c->n_outputs,
              "%s: model has %d inputs and %d outputs, manifest %d and %d", c->id, tflc_runner_input_count(r),
              tflc_runner_output_count(r), c->n_inputs, c->n_outputs);
    if (tflc_runner_input_count(r) != c->n_inputs || tflc_runner_output_count(r) != c->n_outputs) goto done;

    /* resize every input to its file's shape, then allocate and copy */
    for (int i = 0; i < c->n_inputs; i++) {
        if (!load(c, c->inputs[i], &in[i])) goto done;
        int32_t dims[NPY_MAX_RANK];
        for (int k = 0; k < in[i].rank; k++) dims[k] = (int32_t)in[i].shape[k];
        if (tflc_runner_resize_input(r, tflc_runner_input_name(r, i), dims, in[i].rank) != TFLC_OK) {
            CHECK_MSG(0, "%s: resize input %d: %s", c->id, i, tflc_runner_error(r));
            goto done;
        }
    }
    if (tflc_runner_allocate(r) != TFLC_OK) {
        CHECK_MSG(0, "%s: allocate: %s", c->id, tflc_runner_error(r));
        goto done;
    }
    for (int i = 0; i < c->n_inputs; i++) {
        tflc_tensor *t = tflc_runner_input_at(r, i);
        CHECK_MSG(tflc_tensor_dtype(t) == in[i].dtype, "%s: input %d is %s, file %s", c->id, i,
                  tflc_dtype_name(tflc_tensor_dtype(t)), in[i].descr);
        if (tflc_tensor_dtype(t) != in[i].dtype ||
            tflc_tensor_copy_from(t, in[i].data, in[i].count * in[i].itemsize) != TFLC_OK) {
            CHECK_MSG(0, "%s: input %d: %s", c->id, i, tflc_last_error());
            goto done;
        }
    }
    if (tflc_runner_invoke(r) != TFLC_OK) {
        CHECK_MSG(0, "%s: invoke: %s", c->id, tflc_runner_error(r));
        goto done;
    }

    if (c->n_ref_outputs == 0) {
        ok = outputs_match(c, r, c->outputs, 0);
    } else {
        ok = outputs_match(c, r, c->outputs, 1) || outputs_match(c, r, c->ref_outputs, 1);
        if (!ok) {
            fprintf(stderr, "%s: matches neither LiteRT's builtin nor its reference outputs; "
                            "against the builtin ones:\n", c->id);
            outputs_match(c, r, c->outputs, 0);
        }
    }
done:
    for (int i = 0; i < c->n_inputs && i < MAX_LIST; i++) npy_free(&in[i]);
    tflc_runner_free(r);
    tflc_interpreter_free(it);
    tflc_model_free(m);
    return ok;
}

static void test_subset(void) {
    FILE *f = fopen(CONF_DIR "/cases.txt", "r");
    CHECK_MSG(f != NULL, "cannot open %s", CONF_DIR "/cases.txt");
    if (!f) return;
    static char line[MAX_LINE];
    static char op_names[MAX_OPS][64];
    int n_cases = 0, n_ops = 0, n_failed = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\0') continue;
        CHECK_MSG(strchr(line, '\n') != NULL || feof(f), "cases.txt:%d: line too long", lineno);
        conf_case c;
        memset(&c, 0, sizeof c);
        if (!parse_line(line, &c)) {
            CHECK_MSG(0, "cases.txt:%d: malformed line", lineno);
            continue;
        }
        n_cases++;
        for (int i = 0; i < c.n_ops; i++) {
            int seen = 0;
            for (int j = 0; j < n_ops && !seen; j++) seen = strcmp(op_names[j], c.ops[i]) == 0;
            if (!seen && n_ops < MAX_OPS) snprintf(op_names[n_ops++], sizeof op_names[0], "%s", c.ops[i]);
        }
        /* Also on 3 threads: the operators that split their work over the runner's threads
         * (and the per-thread scratch the arena plans for them) must meet the same goldens. */
        for (int threads = 1; threads <= 3; threads += 2) {
            if (run_case(&c, threads)) continue;
            n_failed++;
            CHECK_MSG(0, "case %s failed on %d thread(s)", c.id, threads);
        }
    }
    fclose(f);
    CHECK_MSG(n_cases > 0, "cases.txt lists no cases");
    printf("conformance subset: %d cases, %d ops", n_cases, n_ops);
    if (n_failed) printf(", %d failed", n_failed);
    printf("\n");
}

static void run_tests(void) { TEST(test_subset); }

TEST_MAIN()
