/*
 * guide.c -- the TFLite signatures guide, in plain C on tflc.h.
 *
 * The guide's C++ snippet, step by step (each step's LiteRT call is quoted beside it):
 * encode 100 floats through signature "encode", decode the strings back through "decode",
 * and check the round trip. Exits 0 when every value comes back bit for bit.
 *
 * With --print-like-python it prints what the guide's Python prints for the model:
 *
 *     Signature: {'decode': {'inputs': ['x'], 'outputs': ['decoded_result']}, 'encode': ...}
 *     Input: [1. 2. 3.]
 *     Encoded result: {'encoded_result': [b'1.000000' b'2.000000' b'3.000000']}
 *     Decoded result: {'decoded_result': [1. 2. 3.]}
 *
 * (dicts as get_signature_list and the signature runners build them: keys and names
 * sorted; arrays as numpy's str() prints them, without its line wrapping). A model
 * without both "encode" and "decode" gets every signature run on a small input.
 *
 * usage: guide [--print-like-python] [MODEL]   (default tests/models/guide_saved_model.tflite)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflc.h"

#define DEFAULT_MODEL "tests/models/guide_saved_model.tflite"
#define N 100

static int fail(const char *what, const char *message) {
    fprintf(stderr, "guide: %s: %s\n", what, message);
    return 1;
}

/* Runs `call`; on failure prints the step and the library's message and jumps to done. */
#define TRY(call, what)                                                                     \
    do {                                                                                    \
        if ((call) != TFLC_OK) {                                                            \
            fail((what), tflc_last_error());                                                \
            goto done;                                                                      \
        }                                                                                   \
    } while (0)

/* ============================================================ the C++ snippet -- */

/* The value the test puts at input[i]: multiples of 0.375 print exactly with "%f". */
static float input_value(int i) { return (float)(i - N / 2) * 0.375f; }

static int round_trip(const char *path) {
    tflc_model *model = NULL;
    tflc_interpreter *interpreter = NULL;
    tflc_runner *encode_runner = NULL, *decode_runner = NULL;
    tflc_string_ref encoded[N];
    int rc = 1, bad = 0;

    TRY(tflc_model_load_file(path, NULL, &model), path);
    TRY(tflc_interpreter_create(model, NULL, &interpreter), "interpreter");

    /* SignatureRunner* encode_runner = interpreter->GetSignatureRunner("encode"); */
    TRY(tflc_runner_create(interpreter, "encode", &encode_runner), "GetSignatureRunner(\"encode\")");
    /* encode_runner->ResizeInputTensor("x", {100}); */
    const int32_t dims[1] = {N};
    TRY(tflc_runner_resize_input(encode_runner, "x", dims, 1), "ResizeInputTensor");
    /* encode_runner->AllocateTensors(); */
    TRY(tflc_runner_allocate(encode_runner), "AllocateTensors");
    /* TfLiteTensor* input_tensor = encode_runner->input_tensor("x"); */
    tflc_tensor *input_tensor = NULL;
    TRY(tflc_runner_input(encode_runner, "x", &input_tensor), "input_tensor(\"x\")");
    /* float* input = GetTensorData<float>(input_tensor); */
    if (tflc_tensor_dtype(input_tensor) != TFLC_FLOAT32) {
        fail("input_tensor(\"x\")", "not float32");
        goto done;
    }
    float *input = tflc_tensor_data(input_tensor);
    /* Fill `input`. */
    for (int i = 0; i < N; i++) input[i] = input_value(i);
    /* encode_runner->Invoke(); */
    TRY(tflc_runner_invoke(encode_runner), "encode Invoke");
    /* const TfLiteTensor* output_tensor = encode_runner->output_tensor("encoded_result"); */
    const tflc_tensor *output_tensor = NULL;
    TRY(tflc_runner_output(encode_runner, "encoded_result", &output_tensor), "output_tensor(\"encoded_result\")");
    /* Access `output`: strings, valid until encode_runner's next invoke. */
    if (tflc_tensor_string_count(output_tensor) != N) {
        fail("encoded_result", "not 100 strings");
        goto done;
    }
    for (size_t i = 0; i < N; i++)
        TRY(tflc_tensor_string_at(output_tensor, i, &encoded[i].data, &encoded[i].size), "encoded_result");

    /* The other way: the strings into "decode" (set_input_strings resizes and allocates). */
    TRY(tflc_runner_create(interpreter, "decode", &decode_runner), "GetSignatureRunner(\"decode\")");
    TRY(tflc_runner_set_input_strings(decode_runner, "x", encoded, N, NULL, 0), "decode input");
    TRY(tflc_runner_invoke(decode_runner), "decode Invoke");
    const tflc_tensor *decoded_tensor = NULL;
    TRY(tflc_runner_output(decode_runner, "decoded_result", &decoded_tensor), "output_tensor(\"decoded_result\")");
    if (tflc_tensor_dtype(decoded_tensor) != TFLC_FLOAT32 || tflc_tensor_element_count(decoded_tensor) != N) {
        fail("decoded_result", "not 100 float32 values");
        goto done;
    }
    const float *decoded = tflc_tensor_data_const(decoded_tensor);

    /* encode must be printf("%f"), decode its inverse here. */
    for (int i = 0; i < N; i++) {
        char want[64];
        snprintf(want, sizeof want, "%f", (double)input[i]);
        int same_string = encoded[i].size == strlen(want) && memcmp(encoded[i].data, want, encoded[i].size) == 0;
        int same_value = memcmp(&decoded[i], &input[i], sizeof(float)) == 0;
        if (!same_string || !same_value) {
            if (bad++ < 5)
                fprintf(stderr, "guide: x[%d] = %g encoded as \"%.*s\" (want \"%s\"), decoded as %g\n", i,
                        (double)input[i], (int)encoded[i].size, encoded[i].data, want, (double)decoded[i]);
        }
    }
    printf("encode: x[%d] -> encoded_result[%d]: \"%.*s\" \"%.*s\" ... \"%.*s\"\n", N, N, (int)encoded[0].size,
           encoded[0].data, (int)encoded[1].size, encoded[1].data, (int)encoded[N - 1].size, encoded[N - 1].data);
    printf("decode: encoded_result -> decoded_result[%d]: %g %g ... %g\n", N, (double)decoded[0], (double)decoded[1],
           (double)decoded[N - 1]);
    printf("round trip: %d of %d values equal\n", N - bad, N);
    rc = bad ? 1 : 0;
done:
    tflc_runner_free(decode_runner);
    tflc_runner_free(encode_runner);
    tflc_interpreter_free(interpreter);
    tflc_model_free(model);
    return rc;
}

/* ===================================================== printing like Python -- */

/* numpy's str() of a float32 array (defaults: precision 8, floatmode 'maxprec', no
 * suppression): positional, unless a finite non-zero |x| is >= 1e8 or < 1e-4 or the
 * largest is over 1000 times the smallest; then scientific. Each value uses its shortest
 * round-trip digits, fractions padded with spaces; scientific gives every value as many
 * (correctly rounded) digits as the longest shortest one needs. */
typedef struct py_float {
    char left[80];   /* sign and integer part, or the whole "nan" / "inf" */
    char right[48];  /* "." and fraction, and the exponent */
    int finite;
} py_float;

/* Shortest significant digits (1..9) that read back as v; digits[] without the point. */
static int shortest_digits(float v, char *digits, int *exp10) {
    char buf[64];
    for (int p = 1; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, (double)v);
        if (strtof(buf, NULL) == v || p == 9) {
            const char *s = buf + (buf[0] == '-');
            int n = 0;
            for (; *s && *s != 'e'; s++)
                if (*s >= '0' && *s <= '9') digits[n++] = *s;
            digits[n] = '\0';
            *exp10 = atoi(s + 1);
            return n;
        }
    }
    return 0;
}

static void py_format_floats(const float *v, size_t n, py_float *out, int *width) {
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)v[i]);
        if (isfinite(v[i]) && a != 0) {
            if (a < lo) lo = a;
            if (a > hi) hi = a;
        }
    }
    int sci = hi > 0 && (hi >= 1e8 || lo < 1e-4 || hi / lo > 1e3);
    int frac_max = 0, exp_digits = 2;
    char digits[16];
    int exp10;
    for (size_t i = 0; i < n && sci; i++) {
        if (!isfinite(v[i])) continue;
        int nd = shortest_digits(v[i], digits, &exp10);
        if (nd - 1 > frac_max) frac_max = nd - 1;
        int e = abs(exp10);
        if (e >= 100 && exp_digits < 3) exp_digits = 3;
    }
    int pad_left = 0, pad_right = 0;
    for (size_t i = 0; i < n; i++) {
        py_float *f = &out[i];
        f->finite = isfinite(v[i]);
        f->right[0] = '\0';
        if (!f->finite) {
            snprintf(f->left, sizeof f->left, "%s", isnan(v[i]) ? "nan" : v[i] > 0 ? "inf" : "-inf");
            continue;
        }
        int nd = shortest_digits(v[i], digits, &exp10);
        const char *sign = signbit(v[i]) ? "-" : "";
        if (sci) {
            /* Every value with frac_max digits: its real digits, correctly rounded. */
            char buf[32];
            snprintf(buf, sizeof buf, "%.*e", frac_max, fabs((double)v[i]));
            char *e = strchr(buf, 'e');
            int ex = atoi(e + 1);
            *e = '\0';
            snprintf(f->left, sizeof f->left, "%s%c", sign, buf[0]);
            snprintf(f->right, sizeof f->right, ".%se%c%0*d", frac_max ? buf + 2 : "", ex < 0 ? '-' : '+', exp_digits,
                     abs(ex));
        } else {
            int frac = nd - 1 - exp10;
            if (frac < 0) frac = 0;
            if (frac > 8) frac = 8;
            char buf[64];
            snprintf(buf, sizeof buf, "%.*f", frac, fabs((double)v[i]));
            char *dot = strchr(buf, '.');
            if (dot) {
                *dot = '\0';
                size_t len = strlen(dot + 1);
                while (len > 0 && dot[len] == '0') dot[len--] = '\0';  /* capped at 8: trim */
                snprintf(f->right, sizeof f->right, ".%s", dot + 1);
            } else {
                snprintf(f->right, sizeof f->right, ".");
            }
            snprintf(f->left, sizeof f->left, "%s%s", sign, buf);
        }
        if ((int)strlen(f->left) > pad_left) pad_left = (int)strlen(f->left);
        if ((int)strlen(f->right) > pad_right) pad_right = (int)strlen(f->right);
    }
    for (size_t i = 0; i < n; i++)
        if (!out[i].finite && (int)strlen(out[i].left) > pad_left + pad_right)
            pad_left = (int)strlen(out[i].left) - pad_right;
    width[0] = pad_left;
    width[1] = pad_right;
}

/* A growable string; on out of memory it stops growing and remembers it. */
typedef struct text {
    char *p;
    size_t len, cap;
    int oom;
} text;

static void text_add(text *s, const char *p, size_t n) {
    if (s->oom) return;
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        while (cap < s->len + n + 1) cap *= 2;
        char *q = realloc(s->p, cap);
        if (!q) {
            s->oom = 1;
            return;
        }
        s->p = q;
        s->cap = cap;
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
    s->p[s->len] = '\0';
}
static void text_puts(text *s, const char *p) { text_add(s, p, strlen(p)); }
static void text_spaces(text *s, int n) {
    for (int i = 0; i < n; i++) text_add(s, " ", 1);
}

/* Python's repr of a bytes object: b'...' (b"..." when it holds ' and no "). */
static void py_bytes_repr(text *out, const char *s, size_t n) {
    int dq = memchr(s, '\'', n) && !memchr(s, '"', n);
    char q = dq ? '"' : '\'', buf[8];
    snprintf(buf, sizeof buf, "b%c", q);
    text_puts(out, buf);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)q) snprintf(buf, sizeof buf, "\\%c", c);
        else if (c == '\t') snprintf(buf, sizeof buf, "\\t");
        else if (c == '\n') snprintf(buf, sizeof buf, "\\n");
        else if (c == '\r') snprintf(buf, sizeof buf, "\\r");
        else if (c < 0x20 || c >= 0x7f) snprintf(buf, sizeof buf, "\\x%02x", c);
        else snprintf(buf, sizeof buf, "%c", c);
        text_puts(out, buf);
    }
    text_add(out, &q, 1);
}

typedef struct py_array {
    const tflc_tensor *t;
    const py_float *floats;  /* float32: the formatted elements */
    int width[2];            /* float32: pad_left, pad_right */
    size_t next;             /* next element, in C order */
} py_array;

/* The next element as numpy prints it inside an array. */
static void py_element(text *out, py_array *a) {
    size_t i = a->next++;
    char buf[160];
    switch (tflc_tensor_dtype(a->t)) {
    case TFLC_FLOAT32:
        if (a->floats[i].finite)
            snprintf(buf, sizeof buf, "%*s%-*s", a->width[0], a->floats[i].left, a->width[1], a->floats[i].right);
        else
            snprintf(buf, sizeof buf, "%*s", a->width[0] + a->width[1], a->floats[i].left);
        break;
    case TFLC_STRING: {
        const char *s = NULL;
        size_t n = 0;
        tflc_tensor_string_at(a->t, i, &s, &n);
        py_bytes_repr(out, s, n);
        return;
    }
    case TFLC_INT32: snprintf(buf, sizeof buf, "%d", ((const int32_t *)tflc_tensor_data_const(a->t))[i]); break;
    case TFLC_INT64:
        snprintf(buf, sizeof buf, "%lld", (long long)((const int64_t *)tflc_tensor_data_const(a->t))[i]);
        break;
    default: snprintf(buf, sizeof buf, "?"); break;
    }
    text_puts(out, buf);
}

/* numpy's _formatArray (line width 75, separator ' ', no summarization): the last axis
 * wraps words at the line width with `indent` spaces; sub-arrays of the other axes are
 * separated by rank-1-axis newlines. The result is "[" + body without its first indent
 * + "]". */
static void py_axis(text *out, py_array *a, int axis, int indent, int width) {
    int rank = tflc_tensor_rank(a->t);
    int32_t n = tflc_tensor_dims(a->t)[axis];
    text s = {0};
    if (axis == rank - 1) {
        int elem_width = width - 1;  /* room for ']' */
        text line = {0};
        text_spaces(&line, indent);
        for (int32_t k = 0; k < n; k++) {
            text word = {0};
            py_element(&word, a);
            if (line.len + word.len > (size_t)elem_width && line.len > (size_t)indent) {
                while (line.len > 0 && line.p[line.len - 1] == ' ') line.p[--line.len] = '\0';
                text_add(&s, line.p, line.len);
                text_puts(&s, "\n");
                line.len = 0;
                text_spaces(&line, indent);
            }
            text_add(&line, word.p ? word.p : "", word.len);
            if (k + 1 < n) text_puts(&line, " ");
            s.oom |= word.oom;
            free(word.p);
        }
        text_add(&s, line.p ? line.p : "", line.len);
        s.oom |= line.oom;
        free(line.p);
    } else {
        for (int32_t k = 0; k < n; k++) {
            text_spaces(&s, indent);
            py_axis(&s, a, axis + 1, indent + 1, width - 1);
            for (int j = 0; k + 1 < n && j < rank - 1 - axis; j++) text_puts(&s, "\n");
        }
    }
    text_puts(out, "[");
    if (s.len > (size_t)indent) text_add(out, s.p + indent, s.len - (size_t)indent);
    text_puts(out, "]");
    out->oom |= s.oom;
    free(s.p);
}

/* str(numpy array) of a tensor: "[1. 2. 3.]", "[b'1.000000' b'2.000000']". */
static void py_print_tensor(const tflc_tensor *t) {
    size_t n = tflc_tensor_element_count(t);
    py_array a = {t, NULL, {0, 0}, 0};
    py_float *floats = NULL;
    if (tflc_tensor_dtype(t) == TFLC_FLOAT32 && n > 0) {
        floats = calloc(n, sizeof *floats);
        if (!floats) {
            printf("<out of memory>");
            return;
        }
        py_format_floats(tflc_tensor_data_const(t), n, floats, a.width);
        a.floats = floats;
    }
    text out = {0};
    if (tflc_tensor_rank(t) == 0) py_element(&out, &a);
    else py_axis(&out, &a, 0, 1, 75);
    printf("%s", out.oom ? "<out of memory>" : out.p ? out.p : "");
    free(out.p);
    free(floats);
}

/* Indices 0..n-1 ordered by name (get_signature_list and the runners use std::map). */
static void sort_by_name(int *order, int n, const char *(*name)(const void *, int), const void *obj) {
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(name(obj, order[j - 1]), name(obj, order[j])) > 0; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
}
static const char *key_at(const void *m, int i) { return tflc_model_signature_key(m, i); }
static const char *output_at(const void *r, int i) { return tflc_runner_output_name(r, i); }
static const char *input_at(const void *r, int i) { return tflc_runner_input_name(r, i); }

#define MAX_IO 64

static void py_print_names(const char *const *names, int n) {
    printf("[");
    for (int i = 0; i < n; i++) printf("%s'%s'", i ? ", " : "", names[i]);
    printf("]");
}

/* Signature: {'decode': {'inputs': ['x'], 'outputs': ['decoded_result']}, ...} */
static void print_signature_list(const tflc_model *m) {
    int n = tflc_model_signature_count(m);
    int order[MAX_IO];
    if (n > MAX_IO) n = MAX_IO;
    sort_by_name(order, n, key_at, m);
    printf("Signature: {");
    for (int i = 0; i < n; i++) {
        int s = order[i];
        const char *names[MAX_IO];
        int k, count;
        printf("%s'%s': {'inputs': ", i ? ", " : "", tflc_model_signature_key(m, s));
        count = tflc_model_signature_input_count(m, s);
        for (k = 0; k < count && k < MAX_IO; k++) names[k] = tflc_model_signature_input_name(m, s, k);
        for (int a = 1; a < k; a++)
            for (int b = a; b > 0 && strcmp(names[b - 1], names[b]) > 0; b--) {
                const char *tmp = names[b];
                names[b] = names[b - 1];
                names[b - 1] = tmp;
            }
        py_print_names(names, k);
        printf(", 'outputs': ");
        count = tflc_model_signature_output_count(m, s);
        for (k = 0; k < count && k < MAX_IO; k++) names[k] = tflc_model_signature_output_name(m, s, k);
        for (int a = 1; a < k; a++)
            for (int b = a; b > 0 && strcmp(names[b - 1], names[b]) > 0; b--) {
                const char *tmp = names[b];
                names[b] = names[b - 1];
                names[b - 1] = tmp;
            }
        py_print_names(names, k);
        printf("}");
    }
    printf("}\n");
}

/* {'name': array, ...} over the runner's inputs or outputs, sorted by name. */
static void print_dict(const tflc_runner *r, int outputs) {
    int n = outputs ? tflc_runner_output_count(r) : tflc_runner_input_count(r);
    int order[MAX_IO];
    if (n > MAX_IO) n = MAX_IO;
    sort_by_name(order, n, outputs ? output_at : input_at, r);
    printf("{");
    for (int i = 0; i < n; i++) {
        const tflc_tensor *t = outputs ? tflc_runner_output_at(r, order[i])
                                       : tflc_runner_input_at((tflc_runner *)r, order[i]);
        printf("%s'%s': ", i ? ", " : "", outputs ? output_at(r, order[i]) : input_at(r, order[i]));
        py_print_tensor(t);
    }
    printf("}");
}

static int has_signature(const tflc_model *m, const char *key) {
    for (int i = 0; i < tflc_model_signature_count(m); i++)
        if (strcmp(tflc_model_signature_key(m, i), key) == 0) return 1;
    return 0;
}

/* The guide's Python: encode [1, 2, 3], then decode encoded['encoded_result']. */
static int print_encode_decode(tflc_interpreter *interp) {
    tflc_runner *encode = NULL, *decode = NULL;
    int rc = 1;
    const float input[3] = {1, 2, 3};
    const int32_t dims[1] = {3};
    TRY(tflc_runner_create(interp, "encode", &encode), "encode");
    TRY(tflc_runner_create(interp, "decode", &decode), "decode");
    TRY(tflc_runner_resize_input(encode, "x", dims, 1), "encode resize");
    TRY(tflc_runner_allocate(encode), "encode allocate");
    TRY(tflc_tensor_copy_from(tflc_runner_input_at(encode, 0), input, sizeof input), "encode input");
    printf("Input: ");
    py_print_tensor(tflc_runner_input_at(encode, 0));
    printf("\n");
    TRY(tflc_runner_invoke(encode), "encode");
    printf("Encoded result: ");
    print_dict(encode, 1);
    printf("\n");

    const tflc_tensor *encoded = NULL;
    TRY(tflc_runner_output(encode, "encoded_result", &encoded), "encoded_result");
    size_t n = tflc_tensor_string_count(encoded);
    tflc_string_ref refs[3];
    for (size_t i = 0; i < n && i < 3; i++)
        TRY(tflc_tensor_string_at(encoded, i, &refs[i].data, &refs[i].size), "encoded_result");
    TRY(tflc_runner_set_input_strings(decode, "x", refs, n < 3 ? n : 3, NULL, 0), "decode input");
    TRY(tflc_runner_invoke(decode), "decode");
    printf("Decoded result: ");
    print_dict(decode, 1);
    printf("\n");
    rc = 0;
done:
    tflc_runner_free(decode);
    tflc_runner_free(encode);
    return rc;
}

/* Any other model: each signature on a small input (dynamic dimensions 1; float inputs
 * 1, 2, 3, ...; string inputs "1", "2", ...). */
static int print_signature_run(tflc_interpreter *interp, const char *key) {
    tflc_runner *r = NULL;
    int rc = 1;
    TRY(tflc_runner_create(interp, key, &r), key);
    for (int i = 0; i < tflc_runner_input_count(r); i++) {
        const tflc_tensor *t = tflc_runner_input_at(r, i);
        int rank = 0;
        const int32_t *sig = tflc_tensor_shape_signature(t, &rank);
        int32_t dims[TFLC_MAX_RANK];
        for (int k = 0; k < rank; k++) dims[k] = sig[k] < 0 ? 1 : sig[k];
        TRY(tflc_runner_resize_input(r, tflc_runner_input_name(r, i), dims, rank), "resize");
    }
    TRY(tflc_runner_allocate(r), "allocate");
    for (int i = 0; i < tflc_runner_input_count(r); i++) {
        tflc_tensor *t = tflc_runner_input_at(r, i);
        size_t n = tflc_tensor_element_count(t);
        if (tflc_tensor_dtype(t) == TFLC_FLOAT32) {
            float *x = tflc_tensor_data(t);
            for (size_t k = 0; k < n; k++) x[k] = (float)(k + 1);
        } else if (tflc_tensor_dtype(t) == TFLC_STRING) {
            char digits[16][8];
            tflc_string_ref refs[16];
            size_t count = n < 16 ? n : 16;
            for (size_t k = 0; k < count; k++) {
                snprintf(digits[k], sizeof digits[k], "%zu", k + 1);
                refs[k].data = digits[k];
                refs[k].size = strlen(digits[k]);
            }
            TRY(tflc_runner_set_input_strings(r, tflc_runner_input_name(r, i), refs, count, NULL, 0), "strings");
        }
    }
    printf("Input: ");
    print_dict(r, 0);
    printf("\n");
    TRY(tflc_runner_invoke(r), key);
    printf("%s result: ", key);
    print_dict(r, 1);
    printf("\n");
    rc = 0;
done:
    tflc_runner_free(r);
    return rc;
}

static int print_like_python(const char *path) {
    tflc_model *model = NULL;
    tflc_interpreter *interp = NULL;
    int rc = 1;
    TRY(tflc_model_load_file(path, NULL, &model), path);
    TRY(tflc_interpreter_create(model, NULL, &interp), "interpreter");
    print_signature_list(model);
    if (has_signature(model, "encode") && has_signature(model, "decode")) {
        rc = print_encode_decode(interp);
    } else {
        int n = tflc_model_signature_count(model), order[MAX_IO];
        if (n > MAX_IO) n = MAX_IO;
        sort_by_name(order, n, key_at, model);
        rc = 0;
        for (int i = 0; i < n; i++) rc |= print_signature_run(interp, tflc_model_signature_key(model, order[i]));
    }
done:
    tflc_interpreter_free(interp);
    tflc_model_free(model);
    return rc;
}

int main(int argc, char **argv) {
    int python = argc > 1 && strcmp(argv[1], "--print-like-python") == 0;
    int first = python ? 2 : 1;
    if (argc > first + 1 || (argc > first && argv[first][0] == '-'))
        return fail("usage", "guide [--print-like-python] [MODEL]");
    const char *path = argc > first ? argv[first] : DEFAULT_MODEL;
    return python ? print_like_python(path) : round_trip(path);
}
