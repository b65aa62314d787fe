/*
 * tflc.c -- the tflc command-line tool.
 *
 *     tflc info MODEL [--json]      signatures, tensors, quantization, operator histogram
 *     tflc run MODEL [options]      run one signature on .npy files or number lists
 *     tflc bench MODEL [options]    time one signature (load, allocate, invoke) like
 *                                   LiteRT's benchmark_model
 *
 * Every error is one line "tflc: <message>" on stderr and exit status 1; an unknown
 * command prints the usage on stderr and exits with 2.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "npy.h"
#include "tflc.h"

static const char usage_text[] =
    "usage: tflc <command> [arguments]\n"
    "\n"
    "commands:\n"
    "  info MODEL [--json]\n"
    "      List the model's signatures: key, subgraph, inputs and outputs with dtype,\n"
    "      shape, shape_signature and quantization; then the subgraph count and a\n"
    "      histogram of the operators of all subgraphs.\n"
    "\n"
    "  run MODEL [--signature KEY] [--input NAME=FILE.npy | --input NAME=v1,v2,...]...\n"
    "            [--fill zeros|random] [--seed N] [--output-dir DIR]\n"
    "      Run one signature (--signature may be left out when the model has only one)\n"
    "      and print every output as  name: dtype[shape] = [values].\n"
    "      --input NAME=FILE.npy   the .npy dtype must equal the input's dtype\n"
    "      --input NAME=1,2,3      numbers parsed in the input's dtype; they keep the\n"
    "                              input's shape if the element count matches, else\n"
    "                              they form a rank-1 input [count]\n"
    "      An input whose shape differs from the model's is resized before allocation.\n"
    "      --fill zeros|random     fill the inputs not given (random: seeded by --seed,\n"
    "                              default 0; floats uniform in [-1, 1], small integers)\n"
    "      --output-dir DIR        also write DIR/NAME.npy for every output (characters\n"
    "                              of NAME other than A-Z a-z 0-9 _ . - become _)\n"
    "\n"
    "  bench MODEL [--signature KEY] [--threads N] [--warmup N] [--runs N]\n"
    "              [--min-secs S] [--max-secs S] [--warmup-min-secs S]\n"
    "              [--input-shape NAME=d0,d1,...]... [--fill zeros|random] [--seed N]\n"
    "              [--json] [--samples] [--profile]\n"
    "      Time one signature: load (map, verify, interpreter, runner), allocate, first\n"
    "      inference, warmup runs, then steady-state runs until at least --runs runs\n"
    "      and --min-secs seconds have passed (or --max-secs), each invoke timed alone.\n"
    "      Prints mean, median, p90, min, max, arena bytes and peak RSS (VmHWM, or\n"
    "      ru_maxrss where /proc is missing), and the page faults of load, allocate and\n"
    "      the first inference; --json prints one JSON object instead\n"
    "      (--samples adds every steady-state time, in ms).\n"
    "      --profile (or --enable_op_profiling[=true]) times every operator over the\n"
    "      steady-state runs and adds a table per operator (index, type, output shape,\n"
    "      mean time, % of the summed operator time) sorted by time, and one per\n"
    "      operator type; with --json, an \"op_profile\" object.\n"
    "      Defaults as LiteRT's benchmark_model: 1 thread, --warmup 1,\n"
    "      --warmup-min-secs 0.5, --runs 50, --min-secs 1, --max-secs 150.\n"
    "      Inputs are filled once (--fill random, the default, seeded by --seed, or\n"
    "      zeros; string inputs get short decimal numbers); dynamic dimensions are 1\n"
    "      unless --input-shape sets the input's whole shape. A progress line goes to\n"
    "      stderr when stderr is a terminal.\n"
    "      benchmark_model's names work too: --graph=MODEL, --num_threads=N,\n"
    "      --num_runs=N, --warmup_runs=N, --signature_to_run_for=KEY, --min_secs=S,\n"
    "      --max_secs=S, --warmup_min_secs=S (each as --flag=value or --flag value).\n"
    "\n"
    "  help                  print this text\n"
    "  --version             print the version\n"
    "\n"
    "Errors print one line \"tflc: message\" on stderr and exit with status 1.\n";

/* ----------------------------------------------------------------- errors -- */

/* Prints "tflc: <message>" as one line on stderr and returns the exit status 1. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int fail(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == ' ') msg[--n] = '\0';
    fflush(stdout);
    fprintf(stderr, "tflc: %s\n", msg);
    return 1;
}

/* The runner's message, or the thread's if the runner has none. */
static const char *runner_message(const tflc_runner *runner)
{
    const char *m = runner ? tflc_runner_error(runner) : NULL;
    if (!m || !*m) m = tflc_last_error();
    return m && *m ? m : "unknown error";
}

/* ------------------------------------------------------------ small text -- */

/* A growing string for name lists and messages. */
typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (sb->len + (size_t)n + 1 > sb->cap) {
        size_t cap = (sb->len + (size_t)n + 1) * 2;
        char *p = realloc(sb->p, cap);
        if (!p) return; /* the message is only shortened */
        sb->p = p;
        sb->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

static const char *sb_str(const strbuf *sb) { return sb->p ? sb->p : ""; }
static void sb_free(strbuf *sb) { free(sb->p); }

/* "a, b, c": the runner's input names. */
static void list_runner_inputs(const tflc_runner *runner, strbuf *sb)
{
    int n = tflc_runner_input_count(runner);
    for (int i = 0; i < n; i++) sb_printf(sb, "%s%s", i ? ", " : "", tflc_runner_input_name(runner, i));
    if (n == 0) sb_printf(sb, "no inputs");
}

static void list_signature_keys(const tflc_model *model, strbuf *sb)
{
    int n = tflc_model_signature_count(model);
    for (int i = 0; i < n; i++) sb_printf(sb, "%s%s", i ? ", " : "", tflc_model_signature_key(model, i));
    if (n == 0) sb_printf(sb, "none");
}

static void sb_dims(strbuf *sb, const int32_t *dims, int rank)
{
    sb_printf(sb, "[");
    for (int i = 0; i < rank; i++) sb_printf(sb, "%s%" PRId32, i ? ", " : "", dims[i]);
    sb_printf(sb, "]");
}

static void print_dims(FILE *f, const int32_t *dims, int rank)
{
    fputc('[', f);
    for (int i = 0; i < rank; i++) fprintf(f, "%s%" PRId32, i ? ", " : "", dims[i]);
    fputc(']', f);
}

/* Writes s as a JSON string: quotes, backslashes and control characters escaped; bytes that
 * are not valid UTF-8 are escaped as \u00XX (their Latin-1 reading) so the output stays
 * valid JSON. */
static void json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', f);
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else if (c < 0x80) {
            fputc(c, f);
            p++;
        } else {
            /* length of a well-formed UTF-8 sequence starting here, or 0 */
            int len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                    : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            for (int i = 1; i < len; i++)
                if ((p[i] & 0xc0) != 0x80) len = 0;
            if (len == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))) len = 0;
            if (len == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))) len = 0;
            if (len == 0) {
                fprintf(f, "\\u%04x", c);
                p++;
            } else {
                fwrite(p, 1, (size_t)len, f);
                p += len;
            }
        }
    }
    fputc('"', f);
}

/* %.9g round-trips a float; JSON has no NaN or infinity, so those become null. */
static void json_float(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.9g", v);
    else
        fputs("null", f);
}

static void json_dims(FILE *f, const int32_t *dims, int rank)
{
    fputc('[', f);
    for (int i = 0; i < rank; i++) fprintf(f, "%s%" PRId32, i ? "," : "", dims[i]);
    fputc(']', f);
}

/* ---------------------------------------------------------- value access -- */

static float bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint16_t f32_to_bf16(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if (isnan(f)) return (uint16_t)((bits >> 16) | 0x40);
    bits += 0x7fff + ((bits >> 16) & 1); /* round to nearest even */
    return (uint16_t)(bits >> 16);
}

/* Element i of data as a double, for the floating dtypes. */
static double load_float(const unsigned char *data, tflc_dtype dtype, size_t i)
{
    switch (dtype) {
    case TFLC_FLOAT32: {
        float v;
        memcpy(&v, data + 4 * i, 4);
        return v;
    }
    case TFLC_FLOAT64: {
        double v;
        memcpy(&v, data + 8 * i, 8);
        return v;
    }
    case TFLC_FLOAT16: {
        uint16_t h;
        memcpy(&h, data + 2 * i, 2);
        return npy_f16_to_f32(h);
    }
    case TFLC_BFLOAT16: {
        uint16_t h;
        memcpy(&h, data + 2 * i, 2);
        return bf16_to_f32(h);
    }
    default:
        return 0;
    }
}

static void store_float(unsigned char *data, tflc_dtype dtype, size_t i, double v)
{
    switch (dtype) {
    case TFLC_FLOAT32: {
        float f = (float)v;
        memcpy(data + 4 * i, &f, 4);
        break;
    }
    case TFLC_FLOAT64:
        memcpy(data + 8 * i, &v, 8);
        break;
    case TFLC_FLOAT16: {
        uint16_t h = npy_f32_to_f16((float)v);
        memcpy(data + 2 * i, &h, 2);
        break;
    }
    case TFLC_BFLOAT16: {
        uint16_t h = f32_to_bf16((float)v);
        memcpy(data + 2 * i, &h, 2);
        break;
    }
    default:
        break;
    }
}

static int is_float_dtype(tflc_dtype t)
{
    return t == TFLC_FLOAT32 || t == TFLC_FLOAT64 || t == TFLC_FLOAT16 || t == TFLC_BFLOAT16;
}

static int is_signed_dtype(tflc_dtype t)
{
    return t == TFLC_INT8 || t == TFLC_INT16 || t == TFLC_INT32 || t == TFLC_INT64;
}

static int is_unsigned_dtype(tflc_dtype t)
{
    return t == TFLC_UINT8 || t == TFLC_UINT16 || t == TFLC_UINT32 || t == TFLC_UINT64;
}

static void int_range(tflc_dtype t, int64_t *lo, uint64_t *hi)
{
    switch (t) {
    case TFLC_INT8: *lo = INT8_MIN; *hi = INT8_MAX; break;
    case TFLC_INT16: *lo = INT16_MIN; *hi = INT16_MAX; break;
    case TFLC_INT32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    case TFLC_INT64: *lo = INT64_MIN; *hi = INT64_MAX; break;
    case TFLC_UINT8: *lo = 0; *hi = UINT8_MAX; break;
    case TFLC_UINT16: *lo = 0; *hi = UINT16_MAX; break;
    case TFLC_UINT32: *lo = 0; *hi = UINT32_MAX; break;
    case TFLC_UINT64: *lo = 0; *hi = UINT64_MAX; break;
    default: *lo = 0; *hi = 1; break;
    }
}

/* Stores an integer already checked against int_range: negative values through v,
 * non-negative ones through u. */
static void store_int(unsigned char *data, tflc_dtype dtype, size_t i, int64_t v, uint64_t u,
                      int negative)
{
    size_t size = tflc_dtype_size(dtype);
    uint64_t bits = negative ? (uint64_t)v : u;
    /* little-endian hosts: the low bytes of the two's complement value */
    unsigned char tmp[8];
    for (size_t k = 0; k < 8; k++) tmp[k] = (unsigned char)(bits >> (8 * k));
    memcpy(data + size * i, tmp, size);
}

static int64_t load_signed(const unsigned char *data, tflc_dtype dtype, size_t i)
{
    switch (dtype) {
    case TFLC_INT8: { int8_t v; memcpy(&v, data + i, 1); return v; }
    case TFLC_INT16: { int16_t v; memcpy(&v, data + 2 * i, 2); return v; }
    case TFLC_INT32: { int32_t v; memcpy(&v, data + 4 * i, 4); return v; }
    case TFLC_INT64: { int64_t v; memcpy(&v, data + 8 * i, 8); return v; }
    default: return 0;
    }
}

static uint64_t load_unsigned(const unsigned char *data, tflc_dtype dtype, size_t i)
{
    switch (dtype) {
    case TFLC_UINT8: case TFLC_BOOL: return data[i];
    case TFLC_UINT16: { uint16_t v; memcpy(&v, data + 2 * i, 2); return v; }
    case TFLC_UINT32: { uint32_t v; memcpy(&v, data + 4 * i, 4); return v; }
    case TFLC_UINT64: { uint64_t v; memcpy(&v, data + 8 * i, 8); return v; }
    default: return 0;
    }
}

/* ------------------------------------------------------------ value print -- */

/* A TFLite string tensor: int32 count N, int32 offsets[N + 1], then the bytes. */
typedef struct string_view {
    const unsigned char *base;
    size_t size;
    int32_t count;
    int ok;
} string_view;

static string_view string_view_of(const unsigned char *data, size_t size)
{
    string_view sv = {data, size, 0, 0};
    if (!data || size < 4) return sv;
    int32_t n;
    memcpy(&n, data, 4);
    if (n < 0 || (size_t)n + 2 > size / 4) return sv;
    int32_t prev = -1;
    for (int32_t i = 0; i <= n; i++) {
        int32_t off;
        memcpy(&off, data + 4 + 4 * (size_t)i, 4);
        if (off < prev || off < 0 || (size_t)off > size) return sv;
        prev = off;
    }
    sv.count = n;
    sv.ok = 1;
    return sv;
}

static void print_string_element(FILE *f, const string_view *sv, size_t i)
{
    if (!sv->ok || i >= (size_t)sv->count) {
        fputs("<invalid string>", f);
        return;
    }
    int32_t a, b;
    memcpy(&a, sv->base + 4 + 4 * i, 4);
    memcpy(&b, sv->base + 8 + 4 * i, 4);
    fputc('\'', f);
    for (int32_t k = a; k < b; k++) {
        unsigned char c = sv->base[k];
        if (c == '\'' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
    fputc('\'', f);
}

typedef struct value_printer {
    FILE *f;
    tflc_dtype dtype;
    const unsigned char *data;
    const int32_t *dims;
    int rank;
    int summarize;
    string_view strings;
} value_printer;

static void print_element(const value_printer *vp, size_t i)
{
    FILE *f = vp->f;
    tflc_dtype t = vp->dtype;
    if (t == TFLC_FLOAT64) {
        fprintf(f, "%.17g", load_float(vp->data, t, i));
    } else if (is_float_dtype(t)) {
        fprintf(f, "%.9g", load_float(vp->data, t, i));
    } else if (is_signed_dtype(t)) {
        fprintf(f, "%" PRId64, load_signed(vp->data, t, i));
    } else if (is_unsigned_dtype(t)) {
        fprintf(f, "%" PRIu64, load_unsigned(vp->data, t, i));
    } else if (t == TFLC_BOOL) {
        fputs(vp->data[i] ? "True" : "False", f);
    } else if (t == TFLC_COMPLEX64) {
        float re, im;
        memcpy(&re, vp->data + 8 * i, 4);
        memcpy(&im, vp->data + 8 * i + 4, 4);
        fprintf(f, "(%.9g%+.9gj)", re, im);
    } else if (t == TFLC_COMPLEX128) {
        double re, im;
        memcpy(&re, vp->data + 16 * i, 8);
        memcpy(&im, vp->data + 16 * i + 8, 8);
        fprintf(f, "(%.17g%+.17gj)", re, im);
    } else if (t == TFLC_STRING) {
        print_string_element(f, &vp->strings, i);
    } else {
        fputc('?', f);
    }
}

/* Nested brackets per dimension like numpy; with more than 1000 elements, each axis longer
 * than 6 shows its first 3 and last 3 entries around "...". */
static void print_axis(const value_printer *vp, int axis, size_t offset)
{
    if (axis == vp->rank) {
        print_element(vp, offset);
        return;
    }
    size_t n = (size_t)vp->dims[axis];
    size_t stride = 1;
    for (int k = axis + 1; k < vp->rank; k++) stride *= (size_t)vp->dims[k];
    fputc('[', vp->f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", vp->f);
        if (vp->summarize && n > 6 && i == 3) {
            fputs("...", vp->f);
            i = n - 4; /* the loop's i++ lands on n - 3 */
            continue;
        }
        print_axis(vp, axis + 1, offset + i * stride);
    }
    fputc(']', vp->f);
}

/* "name: dtype[shape] = values" */
static void print_tensor(FILE *f, const char *name, const tflc_tensor *t)
{
    tflc_dtype dtype = tflc_tensor_dtype(t);
    int rank = tflc_tensor_rank(t);
    const int32_t *dims = tflc_tensor_dims(t);
    size_t count = tflc_tensor_element_count(t);
    const unsigned char *data = tflc_tensor_data_const(t);
    fprintf(f, "%s: %s", name, tflc_dtype_name(dtype));
    print_dims(f, dims, rank);
    fputs(" = ", f);
    size_t size = tflc_dtype_size(dtype);
    int printable = count == 0 || (data && (dtype == TFLC_STRING ||
                                            (size > 0 && tflc_tensor_byte_size(t) >= count * size)));
    if (!printable) {
        fprintf(f, "<%zu bytes of %s data>\n", tflc_tensor_byte_size(t), tflc_dtype_name(dtype));
        return;
    }
    value_printer vp = {f, dtype, data, dims, rank, count > 1000, {NULL, 0, 0, 0}};
    if (dtype == TFLC_STRING) vp.strings = string_view_of(data, tflc_tensor_byte_size(t));
    print_axis(&vp, 0, 0);
    fputc('\n', f);
}

/* ------------------------------------------------------------------ info -- */

typedef struct op_count {
    const char *name;
    int count;
} op_count;

static int op_count_cmp(const void *a, const void *b)
{
    return strcmp(((const op_count *)a)->name, ((const op_count *)b)->name);
}

/* Operator histogram over all subgraphs, sorted by name; *n_out distinct names. */
static op_count *operator_histogram(const tflc_model *model, int *n_out, int *total_out)
{
    int total = 0;
    int subgraphs = tflc_model_subgraph_count(model);
    for (int s = 0; s < subgraphs; s++) total += tflc_model_operator_count(model, s);
    op_count *ops = calloc((size_t)total + 1, sizeof *ops);
    int n = 0;
    if (!ops) return NULL;
    for (int s = 0; s < subgraphs; s++) {
        int count = tflc_model_operator_count(model, s);
        for (int o = 0; o < count; o++) {
            const char *name = tflc_model_operator_name(model, s, o);
            if (!name) name = "?";
            int k = 0;
            while (k < n && strcmp(ops[k].name, name) != 0) k++;
            if (k == n) ops[n++].name = name;
            ops[k].count++;
        }
    }
    qsort(ops, (size_t)n, sizeof *ops, op_count_cmp);
    *n_out = n;
    *total_out = total;
    return ops;
}

typedef struct sig_info {
    const char *key;
    int subgraph;
    tflc_runner *runner; /* NULL when it could not be created */
    char reason[512];
} sig_info;

static void info_text_tensor(FILE *f, const char *name, const tflc_tensor *t)
{
    int srank = 0;
    const int32_t *sig = tflc_tensor_shape_signature(t, &srank);
    fprintf(f, "    %s: %s ", name, tflc_dtype_name(tflc_tensor_dtype(t)));
    print_dims(f, tflc_tensor_dims(t), tflc_tensor_rank(t));
    fputs("  shape_signature ", f);
    print_dims(f, sig, sig ? srank : 0);
    tflc_quantization q;
    memset(&q, 0, sizeof q);
    tflc_tensor_quantization(t, &q);
    if (q.count == 1) {
        fprintf(f, "  quantization scale %.9g zero_point %" PRId64, q.scales ? q.scales[0] : 0.0f,
                q.zero_points ? q.zero_points[0] : 0);
    } else if (q.count > 1) {
        const int shown = q.count > 8 ? 8 : q.count;
        fputs("  quantization scales [", f);
        for (int i = 0; i < shown; i++)
            fprintf(f, "%s%.9g", i ? ", " : "", q.scales ? q.scales[i] : 0.0f);
        fprintf(f, "%s] zero_points [", q.count > shown ? ", ..." : "");
        for (int i = 0; i < shown; i++)
            fprintf(f, "%s%" PRId64, i ? ", " : "", q.zero_points ? q.zero_points[i] : 0);
        fprintf(f, "%s] quantized_dimension %d (%d channels)", q.count > shown ? ", ..." : "",
                q.quantized_dimension, q.count);
    }
    fputc('\n', f);
}

static void info_text(FILE *f, const char *path, const tflc_model *model, const sig_info *sigs,
                      int nsig)
{
    fprintf(f, "model: %s\n", path);
    int is_default = tflc_model_signature_is_default(model);
    fprintf(f, "signatures: %d%s\n", nsig,
            is_default ? " (no SignatureDefs: the default signature over subgraph 0)" : "");
    for (int s = 0; s < nsig; s++) {
        const sig_info *si = &sigs[s];
        fprintf(f, "\nsignature '%s' (subgraph %d)\n", si->key, si->subgraph);
        if (!si->runner) {
            fprintf(f, "  tensor details unavailable: %s\n", si->reason);
            fputs("  inputs:", f);
            int n = tflc_model_signature_input_count(model, s);
            for (int i = 0; i < n; i++)
                fprintf(f, "%s %s", i ? "," : "", tflc_model_signature_input_name(model, s, i));
            fputs("\n  outputs:", f);
            n = tflc_model_signature_output_count(model, s);
            for (int i = 0; i < n; i++)
                fprintf(f, "%s %s", i ? "," : "", tflc_model_signature_output_name(model, s, i));
            fputc('\n', f);
            continue;
        }
        fputs("  inputs:\n", f);
        int n = tflc_runner_input_count(si->runner);
        for (int i = 0; i < n; i++)
            info_text_tensor(f, tflc_runner_input_name(si->runner, i),
                             tflc_runner_input_at(si->runner, i));
        fputs("  outputs:\n", f);
        n = tflc_runner_output_count(si->runner);
        for (int i = 0; i < n; i++)
            info_text_tensor(f, tflc_runner_output_name(si->runner, i),
                             tflc_runner_output_at(si->runner, i));
    }
    fprintf(f, "\nsubgraphs: %d\n", tflc_model_subgraph_count(model));
    int nops = 0, total = 0;
    op_count *ops = operator_histogram(model, &nops, &total);
    fprintf(f, "operators: %d\n", total);
    size_t width = 0;
    for (int i = 0; i < nops; i++)
        if (strlen(ops[i].name) > width) width = strlen(ops[i].name);
    for (int i = 0; i < nops; i++) fprintf(f, "  %-*s %d\n", (int)width, ops[i].name, ops[i].count);
    free(ops);
}

static void info_json_tensor(FILE *f, const char *name, const tflc_tensor *t)
{
    fputs("{\"name\":", f);
    json_string(f, name);
    if (!t) {
        fputs(",\"dtype\":null,\"shape\":null,\"shape_signature\":null,\"quantization\":null}", f);
        return;
    }
    fputs(",\"dtype\":", f);
    json_string(f, tflc_dtype_name(tflc_tensor_dtype(t)));
    fputs(",\"shape\":", f);
    json_dims(f, tflc_tensor_dims(t), tflc_tensor_rank(t));
    int srank = 0;
    const int32_t *sig = tflc_tensor_shape_signature(t, &srank);
    fputs(",\"shape_signature\":", f);
    json_dims(f, sig, sig ? srank : 0);
    tflc_quantization q;
    memset(&q, 0, sizeof q);
    tflc_tensor_quantization(t, &q);
    fputs(",\"quantization\":{\"scales\":[", f);
    for (int i = 0; i < q.count; i++) {
        if (i) fputc(',', f);
        json_float(f, q.scales ? q.scales[i] : 0);
    }
    fputs("],\"zero_points\":[", f);
    for (int i = 0; i < q.count; i++)
        fprintf(f, "%s%" PRId64, i ? "," : "", q.zero_points ? q.zero_points[i] : 0);
    fprintf(f, "],\"quantized_dimension\":%d}}", q.quantized_dimension);
}

static void info_json(FILE *f, const tflc_model *model, const sig_info *sigs, int nsig)
{
    fputs("{\"signatures\":[", f);
    for (int s = 0; s < nsig; s++) {
        const sig_info *si = &sigs[s];
        fputs(s ? ",{\"key\":" : "{\"key\":", f);
        json_string(f, si->key);
        fprintf(f, ",\"subgraph\":%d,\"inputs\":[", si->subgraph);
        if (si->runner) {
            int n = tflc_runner_input_count(si->runner);
            for (int i = 0; i < n; i++) {
                if (i) fputc(',', f);
                info_json_tensor(f, tflc_runner_input_name(si->runner, i),
                                 tflc_runner_input_at(si->runner, i));
            }
            fputs("],\"outputs\":[", f);
            n = tflc_runner_output_count(si->runner);
            for (int i = 0; i < n; i++) {
                if (i) fputc(',', f);
                info_json_tensor(f, tflc_runner_output_name(si->runner, i),
                                 tflc_runner_output_at(si->runner, i));
            }
            fputs("]}", f);
        } else {
            int n = tflc_model_signature_input_count(model, s);
            for (int i = 0; i < n; i++) {
                if (i) fputc(',', f);
                info_json_tensor(f, tflc_model_signature_input_name(model, s, i), NULL);
            }
            fputs("],\"outputs\":[", f);
            n = tflc_model_signature_output_count(model, s);
            for (int i = 0; i < n; i++) {
                if (i) fputc(',', f);
                info_json_tensor(f, tflc_model_signature_output_name(model, s, i), NULL);
            }
            fputs("],\"error\":", f);
            json_string(f, si->reason);
            fputc('}', f);
        }
    }
    fprintf(f, "],\"subgraphs\":%d,\"operators\":{", tflc_model_subgraph_count(model));
    int nops = 0, total = 0;
    op_count *ops = operator_histogram(model, &nops, &total);
    for (int i = 0; i < nops; i++) {
        if (i) fputc(',', f);
        json_string(f, ops[i].name);
        fprintf(f, ":%d", ops[i].count);
    }
    free(ops);
    fputs("}}\n", f);
}

/* Option parsing: "--name VALUE" or "--name=VALUE". Returns 1 and sets *value when argv[*i]
 * is option `name` (advancing *i past a separate value), 0 when it is another argument, -1
 * (after printing the error) when the value is missing. */
static int take_option(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) {
        fail("option '%s' needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

static int load_model(const char *path, tflc_model **model, tflc_interpreter **interp)
{
    *model = NULL;
    *interp = NULL;
    if (tflc_model_load_file(path, NULL, model) != TFLC_OK) {
        const char *msg = tflc_last_error();
        if (strstr(msg, path)) return fail("cannot load model: %s", msg);
        return fail("cannot load model '%s': %s", path, msg);
    }
    if (tflc_interpreter_create(*model, NULL, interp) != TFLC_OK) {
        int rc = fail("cannot create an interpreter for '%s': %s", path, tflc_last_error());
        tflc_model_free(*model);
        *model = NULL;
        return rc;
    }
    return 0;
}

/* The key to pass to tflc_runner_create for signature s: NULL for the default one. */
static const char *runner_key(const tflc_model *model, int s)
{
    return tflc_model_signature_is_default(model) ? NULL : tflc_model_signature_key(model, s);
}

static int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return fail("info: unknown option '%s' (usage: tflc info MODEL [--json])", argv[i]);
        else if (path)
            return fail("info: unexpected argument '%s' (usage: tflc info MODEL [--json])",
                        argv[i]);
        else
            path = argv[i];
    }
    if (!path) return fail("info: missing MODEL (usage: tflc info MODEL [--json])");

    tflc_model *model;
    tflc_interpreter *interp;
    if (load_model(path, &model, &interp)) return 1;
    int nsig = tflc_model_signature_count(model);
    sig_info *sigs = calloc((size_t)nsig + 1, sizeof *sigs);
    if (!sigs) {
        tflc_interpreter_free(interp);
        tflc_model_free(model);
        return fail("out of memory");
    }
    for (int s = 0; s < nsig; s++) {
        sigs[s].key = tflc_model_signature_key(model, s);
        sigs[s].subgraph = tflc_model_signature_subgraph(model, s);
        if (tflc_runner_create(interp, runner_key(model, s), &sigs[s].runner) != TFLC_OK) {
            sigs[s].runner = NULL;
            snprintf(sigs[s].reason, sizeof sigs[s].reason, "%s", tflc_last_error());
        }
        if (!sigs[s].key) sigs[s].key = "";
    }
    if (json)
        info_json(stdout, model, sigs, nsig);
    else
        info_text(stdout, path, model, sigs, nsig);
    for (int s = 0; s < nsig; s++) tflc_runner_free(sigs[s].runner);
    free(sigs);
    tflc_interpreter_free(interp);
    tflc_model_free(model);
    return 0;
}

/* ------------------------------------------------------------------- run -- */

typedef struct input_spec {
    const char *name;
    const char *value;
    int used;
} input_spec;

/* What will be copied into one input after allocate. */
typedef struct input_plan {
    const char *name;
    tflc_dtype dtype;
    int rank;
    int32_t dims[TFLC_MAX_RANK];
    void *data;                 /* numeric inputs: the bytes to copy */
    size_t bytes;
    tflc_string_ref *strings;   /* string inputs: `bytes` counts strings; text in `data` */
} input_plan;

static size_t dims_count(const int32_t *dims, int rank)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i] > 0 ? (size_t)dims[i] : 0;
    return n;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* 1 if every comma-separated token of s is a number or a bool word. */
static int looks_like_list(const char *s)
{
    char *copy = strdup(s);
    if (!copy) return 1;
    int ok = 1;
    for (char *tok = copy, *next; ok && tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        while (isspace((unsigned char)*tok)) tok++;
        char *end;
        strtod(tok, &end);
        while (isspace((unsigned char)*end)) end++;
        ok = (end != tok && *end == '\0') || strcmp(tok, "true") == 0 ||
             strcmp(tok, "false") == 0 || strcmp(tok, "True") == 0 || strcmp(tok, "False") == 0;
    }
    free(copy);
    return ok;
}

/* Parses one number token into element i of plan->data (dtype plan->dtype). */
static int parse_number(const char *input, const char *tok, input_plan *plan, size_t i)
{
    tflc_dtype t = plan->dtype;
    const char *dname = tflc_dtype_name(t);
    char *end;
    if (is_float_dtype(t)) {
        errno = 0;
        double v = strtod(tok, &end);
        if (end == tok || *end != '\0')
            return fail("input '%s': '%s' is not a number", input, tok);
        store_float(plan->data, t, i, v);
        return 0;
    }
    if (t == TFLC_BOOL) {
        int v;
        if (strcmp(tok, "1") == 0 || strcmp(tok, "true") == 0 || strcmp(tok, "True") == 0)
            v = 1;
        else if (strcmp(tok, "0") == 0 || strcmp(tok, "false") == 0 || strcmp(tok, "False") == 0)
            v = 0;
        else
            return fail("input '%s': '%s' is not a bool (use 0, 1, true or false)", input, tok);
        ((unsigned char *)plan->data)[i] = (unsigned char)v;
        return 0;
    }
    if (!is_signed_dtype(t) && !is_unsigned_dtype(t))
        return fail("input '%s': number lists are not supported for %s inputs; use a .npy file",
                    input, dname);
    int64_t lo;
    uint64_t hi;
    int_range(t, &lo, &hi);
    int negative = tok[0] == '-';
    int64_t v = 0;
    uint64_t u = 0;
    errno = 0;
    if (negative) {
        long long x = strtoll(tok, &end, 10);
        v = x;
        if (end != tok && *end == '\0' && errno == ERANGE) goto out_of_range;
    } else {
        unsigned long long x = strtoull(tok, &end, 10);
        u = x;
        if (end != tok && *end == '\0' && errno == ERANGE) goto out_of_range;
    }
    if (end == tok || *end != '\0') {
        /* also accept integral spellings like "3.0" or "1e3" */
        double d = strtod(tok, &end);
        if (end == tok || *end != '\0' || !isfinite(d))
            return fail("input '%s': '%s' is not an integer", input, tok);
        if (d != floor(d)) return fail("input '%s': '%s' is not an integer (%s)", input, tok, dname);
        if (d < -9.2233720368547758e18 || d >= 1.8446744073709552e19) goto out_of_range;
        negative = d < 0;
        if (negative)
            v = (int64_t)d;
        else
            u = (uint64_t)d;
    }
    if (negative ? v < lo : u > hi) goto out_of_range;
    store_int(plan->data, t, i, v, u, negative);
    return 0;
out_of_range:
    return fail("input '%s': %s is out of range for %s", input, tok, dname);
}

/* "v1,v2,..." into plan (dtype set): keeps the input's shape when the count matches. */
static int plan_from_list(const char *input, const char *list, input_plan *plan)
{
    size_t count = 1;
    for (const char *p = list; *p; p++) count += *p == ',';
    size_t size = tflc_dtype_size(plan->dtype);
    if (size == 0 || plan->dtype == TFLC_COMPLEX64 || plan->dtype == TFLC_COMPLEX128)
        return fail("input '%s': number lists are not supported for %s inputs; use a .npy file",
                    input, tflc_dtype_name(plan->dtype));
    if (count > (size_t)INT32_MAX) return fail("input '%s': too many values", input);
    plan->bytes = count * size;
    plan->data = calloc(count, size);
    if (!plan->data) return fail("out of memory");
    char *copy = strdup(list);
    if (!copy) return fail("out of memory");
    size_t i = 0;
    char *save = copy;
    for (;;) {
        char *comma = strchr(save, ',');
        if (comma) *comma = '\0';
        char *tok = save;
        while (isspace((unsigned char)*tok)) tok++;
        char *e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1])) *--e = '\0';
        if (*tok == '\0') {
            free(copy);
            return fail("input '%s': empty value at position %zu of the list", input, i + 1);
        }
        if (parse_number(input, tok, plan, i)) {
            free(copy);
            return 1;
        }
        i++;
        if (!comma) break;
        save = comma + 1;
    }
    free(copy);
    if (count != dims_count(plan->dims, plan->rank)) {
        plan->rank = 1;
        plan->dims[0] = (int32_t)count;
    }
    return 0;
}

static int plan_from_npy(const char *input, const char *path, input_plan *plan)
{
    npy_array a;
    char err[512];
    if (npy_load(path, &a, err, sizeof err)) return fail("input '%s': %s", input, err);
    if (a.dtype == TFLC_STRING || plan->dtype == TFLC_STRING) {
        if (a.dtype != plan->dtype) {
            int rc = fail("input '%s': %s has dtype %s ('%s') but the input is %s", input, path,
                          tflc_dtype_name(a.dtype), a.descr, tflc_dtype_name(plan->dtype));
            npy_free(&a);
            return rc;
        }
        char err2[256];
        char *storage = NULL;
        if (npy_strings(&a, &plan->strings, &storage, err2, sizeof err2)) {
            npy_free(&a);
            return fail("input '%s': %s: %s", input, path, err2);
        }
        plan->data = storage;
        plan->bytes = a.count;
        plan->rank = a.rank;
        for (int k = 0; k < a.rank; k++) plan->dims[k] = (int32_t)a.shape[k];
        npy_free(&a);
        return 0;
    }
    if (a.dtype != plan->dtype) {
        int rc = fail("input '%s': %s has dtype %s ('%s') but the input is %s", input, path,
                      tflc_dtype_name(a.dtype), a.descr, tflc_dtype_name(plan->dtype));
        npy_free(&a);
        return rc;
    }
    for (int k = 0; k < a.rank; k++) {
        if (a.shape[k] > INT32_MAX) {
            npy_free(&a);
            return fail("input '%s': %s: dimension %d is too large", input, path, k);
        }
        plan->dims[k] = (int32_t)a.shape[k];
    }
    plan->rank = a.rank;
    plan->data = a.data;
    plan->bytes = a.count * a.itemsize;
    return 0;
}

/* Strings from a text file, one per line ('\n' ends a line; nothing else is trimmed, so a
 * '\r' or spaces stay). A final line without '\n' counts; an empty file has no strings. */
static int plan_from_text(const char *input, const char *path, input_plan *plan)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fail("input '%s': cannot open '%s'", input, path);
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    for (size_t got; text && (got = fread(text + len, 1, cap - len, f)) > 0;) {
        len += got;
        if (len == cap) {
            char *grown = realloc(text, cap *= 2);
            if (!grown) { free(text); text = NULL; }
            text = grown;
        }
    }
    fclose(f);
    if (!text) return fail("out of memory reading '%s'", path);
    size_t count = 0;
    for (size_t i = 0; i < len; i++) count += text[i] == '\n';
    if (len && text[len - 1] != '\n') count++;
    plan->strings = calloc(count ? count : 1, sizeof *plan->strings);
    if (!plan->strings) { free(text); return fail("out of memory"); }
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= len && k < count; i++) {
        if (i == len || text[i] == '\n') {
            plan->strings[k].data = text + start;
            plan->strings[k++].size = i - start;
            start = i + 1;
        }
    }
    plan->data = text;
    plan->bytes = count;
    plan->rank = 1;
    plan->dims[0] = (int32_t)count;
    return 0;
}

/* "a,b,c" for a string input: the comma-separated pieces, as they are. */
static int plan_strings_from_list(const char *input, const char *list, input_plan *plan)
{
    (void)input;
    size_t count = 1, len = strlen(list);
    for (const char *p = list; *p; p++) count += *p == ',';
    char *text = malloc(len + 1);
    plan->strings = calloc(count, sizeof *plan->strings);
    if (!text || !plan->strings) { free(text); return fail("out of memory"); }
    memcpy(text, list, len + 1);
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == ',') {
            plan->strings[k].data = text + start;
            plan->strings[k++].size = i - start;
            start = i + 1;
        }
    }
    plan->data = text;
    plan->bytes = count;
    if (count != dims_count(plan->dims, plan->rank)) {
        plan->rank = 1;
        plan->dims[0] = (int32_t)count;
    }
    return 0;
}

/* splitmix64 */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* String inputs: empty strings (zeros) or decimal numbers in [-1, 1) (random). */
static int plan_fill_strings(input_plan *plan, int random, uint64_t *rng)
{
    size_t count = dims_count(plan->dims, plan->rank);
    char *text = malloc(count * 24 + 1);
    plan->strings = calloc(count ? count : 1, sizeof *plan->strings);
    if (!text || !plan->strings) { free(text); return fail("out of memory"); }
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        double u = (double)(next_random(rng) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
        int len = random ? snprintf(text + used, 24, "%.6f", u) : 0;
        plan->strings[i].data = text + used;
        plan->strings[i].size = (size_t)len;
        used += (size_t)len;
    }
    plan->data = text;
    plan->bytes = count;
    return 0;
}

static int plan_fill(const char *input, int random, uint64_t *rng, input_plan *plan)
{
    for (int k = 0; plan->dtype == TFLC_STRING && k < plan->rank; k++)
        if (plan->dims[k] < 0) plan->dims[k] = 1;
    if (plan->dtype == TFLC_STRING) return plan_fill_strings(plan, random, rng);
    size_t size = tflc_dtype_size(plan->dtype);
    if (size == 0)
        return fail("input '%s': cannot fill a %s input; give it with --input", input,
                    tflc_dtype_name(plan->dtype));
    for (int k = 0; k < plan->rank; k++)
        if (plan->dims[k] < 0) plan->dims[k] = 1; /* dynamic dimension: use 1 */
    size_t count = dims_count(plan->dims, plan->rank);
    plan->bytes = count * size;
    plan->data = calloc(count ? count : 1, size);
    if (!plan->data) return fail("out of memory");
    if (!random) return 0;
    unsigned char *d = plan->data;
    tflc_dtype t = plan->dtype;
    for (size_t i = 0; i < count; i++) {
        uint64_t r = next_random(rng);
        double uniform = (double)(r >> 11) / 9007199254740992.0 * 2.0 - 1.0; /* [-1, 1) */
        if (is_float_dtype(t)) {
            store_float(d, t, i, uniform);
        } else if (t == TFLC_COMPLEX64 || t == TFLC_COMPLEX128) {
            double im = (double)(next_random(rng) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
            if (t == TFLC_COMPLEX64) {
                float c[2] = {(float)uniform, (float)im};
                memcpy(d + 8 * i, c, 8);
            } else {
                double c[2] = {uniform, im};
                memcpy(d + 16 * i, c, 16);
            }
        } else if (is_signed_dtype(t)) {
            int64_t v = (int64_t)(r % 11) - 5; /* [-5, 5] */
            store_int(d, t, i, v, 0, 1);
        } else if (is_unsigned_dtype(t)) {
            store_int(d, t, i, 0, r % 11, 0); /* [0, 10] */
        } else if (t == TFLC_BOOL) {
            d[i] = (unsigned char)(r & 1);
        }
    }
    return 0;
}

/* Replaces characters other than [A-Za-z0-9_.-] with '_'. */
static void sanitize_name(const char *name, char *out, size_t outlen)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < outlen; p++) {
        char c = *p;
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.' || c == '-';
        out[n++] = keep ? c : '_';
    }
    out[n] = '\0';
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char *path = strdup(dir);
    if (!path) return fail("out of memory");
    size_t len = strlen(path);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            int rc = fail("cannot create directory '%s': %s", path, strerror(errno));
            free(path);
            return rc;
        }
        path[i] = saved;
    }
    free(path);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail("'%s' is not a directory", dir);
    return 0;
}

static int write_string_output(const char *dir, const char *file, const char *name, const tflc_tensor *t)
{
    size_t n = tflc_tensor_string_count(t);
    tflc_string_ref *refs = calloc(n ? n : 1, sizeof *refs);
    if (!refs) return fail("out of memory");
    for (size_t i = 0; i < n; i++)
        tflc_tensor_string_at(t, i, &refs[i].data, &refs[i].size);
    size_t plen = strlen(dir) + strlen(file) + 8;
    char *path = malloc(plen);
    int rc = path ? 0 : fail("out of memory");
    char err[512];
    if (path) {
        snprintf(path, plen, "%s/%s.npy", dir, file);
        if (npy_save_strings(path, tflc_tensor_dims(t), tflc_tensor_rank(t), refs, n, err, sizeof err))
            rc = fail("cannot write output '%s': %s", name, err);
    }
    free(path);
    free(refs);
    return rc;
}

static int write_outputs(const tflc_runner *runner, const char *dir)
{
    if (make_dirs(dir)) return 1;
    int n = tflc_runner_output_count(runner);
    char (*used)[256] = calloc((size_t)n + 1, sizeof *used);
    if (!used) return fail("out of memory");
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *name = tflc_runner_output_name(runner, i);
        const tflc_tensor *t = tflc_runner_output_at(runner, i);
        char file[200];
        sanitize_name(name ? name : "", file, sizeof file);
        if (file[0] == '\0') snprintf(file, sizeof file, "output%d", i);
        for (int k = 0; k < i; k++)
            if (strcmp(used[k], file) == 0) {
                size_t len = strlen(file);
                snprintf(file + len, sizeof file - len, "_%d", i);
                break;
            }
        snprintf(used[i], sizeof used[i], "%s", file);
        tflc_dtype dtype = tflc_tensor_dtype(t);
        if (dtype == TFLC_STRING) {
            rc = write_string_output(dir, file, name, t);
            continue;
        }
        if (!npy_descr_of(dtype)) {
            rc = fail("cannot write output '%s': %s has no .npy equivalent", name,
                      tflc_dtype_name(dtype));
            break;
        }
        size_t plen = strlen(dir) + strlen(file) + 8;
        char *path = malloc(plen);
        if (!path) {
            rc = fail("out of memory");
            break;
        }
        snprintf(path, plen, "%s/%s.npy", dir, file);
        char err[512];
        if (npy_save(path, dtype, tflc_tensor_dims(t), tflc_tensor_rank(t),
                     tflc_tensor_data_const(t), tflc_tensor_byte_size(t), err, sizeof err))
            rc = fail("cannot write output '%s': %s", name, err);
        free(path);
    }
    free(used);
    return rc;
}

typedef struct run_options {
    const char *path, *key, *output_dir;
    int fill; /* 0 none, 1 zeros, 2 random */
    uint64_t seed;
    input_spec *specs;
    int nspecs;
} run_options;

static int parse_run_args(int argc, char **argv, run_options *o)
{
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        int r;
        if ((r = take_option(argc, argv, &i, "--signature", &v)) != 0) {
            if (r < 0) return 1;
            o->key = v;
        } else if ((r = take_option(argc, argv, &i, "--input", &v)) != 0) {
            if (r < 0) return 1;
            const char *eq = strchr(v, '=');
            if (!eq || eq == v)
                return fail("--input '%s': expected NAME=FILE.npy or NAME=v1,v2,...", v);
            char *name = strndup(v, (size_t)(eq - v)); /* a copy: argv stays intact */
            if (!name) return fail("out of memory");
            input_spec *s = &o->specs[o->nspecs++];
            s->name = name;
            s->value = eq + 1;
        } else if ((r = take_option(argc, argv, &i, "--fill", &v)) != 0) {
            if (r < 0) return 1;
            if (strcmp(v, "zeros") == 0)
                o->fill = 1;
            else if (strcmp(v, "random") == 0)
                o->fill = 2;
            else
                return fail("--fill '%s': expected zeros or random", v);
        } else if ((r = take_option(argc, argv, &i, "--output-dir", &v)) != 0) {
            if (r < 0) return 1;
            if (!*v) return fail("--output-dir: empty directory name");
            o->output_dir = v;
        } else if ((r = take_option(argc, argv, &i, "--seed", &v)) != 0) {
            if (r < 0) return 1;
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 0);
            if (end == v || *end || errno || v[0] == '-')
                return fail("--seed '%s': expected a non-negative integer", v);
            o->seed = s;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return fail("run: unknown option '%s' (see 'tflc help')", argv[i]);
        } else if (o->path) {
            return fail("run: unexpected argument '%s' (see 'tflc help')", argv[i]);
        } else {
            o->path = argv[i];
        }
    }
    if (!o->path) return fail("run: missing MODEL (see 'tflc help')");
    return 0;
}

/* Finds the signature to run and creates its runner. */
static int create_runner(const tflc_model *model, tflc_interpreter *interp, const char *key,
                         tflc_runner **runner)
{
    *runner = NULL;
    int nsig = tflc_model_signature_count(model);
    int s = -1;
    if (key) {
        for (int i = 0; i < nsig; i++)
            if (strcmp(tflc_model_signature_key(model, i), key) == 0) s = i;
        if (s < 0) {
            strbuf sb = {0};
            list_signature_keys(model, &sb);
            int rc = fail("unknown signature '%s' (model has: %s)", key, sb_str(&sb));
            sb_free(&sb);
            return rc;
        }
    } else if (nsig > 1) {
        strbuf sb = {0};
        list_signature_keys(model, &sb);
        int rc = fail("the model has %d signatures (%s): choose one with --signature", nsig,
                      sb_str(&sb));
        sb_free(&sb);
        return rc;
    } else {
        s = 0;
    }
    if (tflc_runner_create(interp, nsig ? runner_key(model, s) : NULL, runner) != TFLC_OK)
        return fail("cannot run signature '%s': %s",
                    nsig ? tflc_model_signature_key(model, s) : "", tflc_last_error());
    return 0;
}

/* Builds the plan of every input: from --input, or filled, or an error for a missing one. */
static int plan_inputs(tflc_runner *runner, run_options *o, input_plan *plans)
{
    const char *key = tflc_runner_signature_key(runner);
    int n = tflc_runner_input_count(runner);
    for (int k = 0; k < o->nspecs; k++) {
        int found = 0;
        for (int i = 0; i < n; i++)
            if (strcmp(tflc_runner_input_name(runner, i), o->specs[k].name) == 0) found = 1;
        for (int j = 0; j < k; j++)
            if (strcmp(o->specs[j].name, o->specs[k].name) == 0)
                return fail("input '%s' given twice", o->specs[k].name);
        if (!found) {
            strbuf sb = {0};
            list_runner_inputs(runner, &sb);
            int rc = fail("unknown input '%s' (signature '%s' takes: %s)", o->specs[k].name,
                          key ? key : "", sb_str(&sb));
            sb_free(&sb);
            return rc;
        }
    }
    strbuf missing = {0};
    int nmissing = 0;
    uint64_t rng = o->seed;
    for (int i = 0; i < n; i++) {
        input_plan *p = &plans[i];
        const tflc_tensor *t = tflc_runner_input_at(runner, i);
        p->name = tflc_runner_input_name(runner, i);
        p->dtype = tflc_tensor_dtype(t);
        p->rank = tflc_tensor_rank(t);
        if (p->rank < 0 || p->rank > TFLC_MAX_RANK) return fail("input '%s': bad rank", p->name);
        if (p->rank > 0) memcpy(p->dims, tflc_tensor_dims(t), sizeof(int32_t) * (size_t)p->rank);
        const input_spec *spec = NULL;
        for (int k = 0; k < o->nspecs; k++)
            if (strcmp(o->specs[k].name, p->name) == 0) spec = &o->specs[k];
        int rc;
        if (spec) {
            const char *v = spec->value;
            if (*v == '\0' && p->dtype != TFLC_STRING) return fail("input '%s': empty value", p->name);
            if (v[0] == '@') {
                if (p->dtype != TFLC_STRING)
                    return fail("input '%s': @FILE (one string per line) needs a string input, not %s",
                                p->name, tflc_dtype_name(p->dtype));
                rc = plan_from_text(p->name, v + 1, p);
            } else if (ends_with(v, ".npy")) {
                rc = plan_from_npy(p->name, v, p);
            } else if (p->dtype == TFLC_STRING) {
                rc = plan_strings_from_list(p->name, v, p);
            } else {
                int as_file = strchr(v, '/') != NULL || (!looks_like_list(v) && access(v, R_OK) == 0);
                rc = as_file ? plan_from_npy(p->name, v, p) : plan_from_list(p->name, v, p);
            }
        } else if (o->fill) {
            rc = plan_fill(p->name, o->fill == 2, &rng, p);
        } else {
            sb_printf(&missing, "%s'%s'", nmissing ? ", " : "", p->name);
            nmissing++;
            continue;
        }
        if (rc) {
            sb_free(&missing);
            return rc;
        }
    }
    if (nmissing) {
        strbuf all = {0};
        list_runner_inputs(runner, &all);
        int rc = fail("missing input%s %s (signature '%s' takes: %s)", nmissing > 1 ? "s" : "",
                      sb_str(&missing), key ? key : "", sb_str(&all));
        sb_free(&all);
        sb_free(&missing);
        return rc;
    }
    return 0;
}

/* String inputs are set (and resized) first: setting one re-allocates the runner. */
static int set_string_inputs(tflc_runner *runner, input_plan *plans, int n)
{
    for (int i = 0; i < n; i++) {
        if (plans[i].dtype != TFLC_STRING) continue;
        if (tflc_runner_set_input_strings(runner, plans[i].name, plans[i].strings, plans[i].bytes,
                                          plans[i].dims, plans[i].rank) != TFLC_OK)
            return fail("input '%s': %s", plans[i].name, runner_message(runner));
    }
    return 0;
}

static int run_signature(tflc_runner *runner, input_plan *plans, const run_options *o)
{
    int n = tflc_runner_input_count(runner);
    if (set_string_inputs(runner, plans, n)) return 1;
    for (int i = 0; i < n; i++) {
        if (plans[i].dtype == TFLC_STRING) continue;
        const tflc_tensor *t = tflc_runner_input_at(runner, i);
        int rank = tflc_tensor_rank(t);
        const int32_t *dims = tflc_tensor_dims(t);
        int same = rank == plans[i].rank;
        for (int k = 0; same && k < rank; k++) same = dims[k] == plans[i].dims[k];
        if (same) continue;
        if (tflc_runner_resize_input(runner, plans[i].name, plans[i].dims, plans[i].rank) !=
            TFLC_OK) {
            strbuf sb = {0};
            sb_dims(&sb, plans[i].dims, plans[i].rank);
            int rc = fail("input '%s': cannot resize to %s: %s", plans[i].name, sb_str(&sb),
                          runner_message(runner));
            sb_free(&sb);
            return rc;
        }
    }
    if (tflc_runner_allocate(runner) != TFLC_OK)
        return fail("allocate failed: %s", runner_message(runner));
    for (int i = 0; i < n; i++) {
        tflc_tensor *t;
        if (plans[i].dtype == TFLC_STRING) continue;
        if (tflc_runner_input(runner, plans[i].name, &t) != TFLC_OK)
            return fail("input '%s': %s", plans[i].name, runner_message(runner));
        size_t want = tflc_tensor_byte_size(t);
        if (want != plans[i].bytes)
            return fail("input '%s': the input takes %zu bytes but %zu were given", plans[i].name,
                        want, plans[i].bytes);
        if (tflc_tensor_copy_from(t, plans[i].data, plans[i].bytes) != TFLC_OK)
            return fail("input '%s': %s", plans[i].name, runner_message(runner));
    }
    if (tflc_runner_invoke(runner) != TFLC_OK)
        return fail("invoke failed: %s", runner_message(runner));
    int nout = tflc_runner_output_count(runner);
    for (int i = 0; i < nout; i++)
        print_tensor(stdout, tflc_runner_output_name(runner, i), tflc_runner_output_at(runner, i));
    if (o->output_dir && write_outputs(runner, o->output_dir)) return 1;
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    run_options o;
    memset(&o, 0, sizeof o);
    o.specs = calloc((size_t)argc + 1, sizeof *o.specs);
    if (!o.specs) return fail("out of memory");
    tflc_model *model = NULL;
    tflc_interpreter *interp = NULL;
    tflc_runner *runner = NULL;
    input_plan *plans = NULL;
    int n = 0;
    int rc = parse_run_args(argc, argv, &o);
    if (rc) goto done;
    if ((rc = load_model(o.path, &model, &interp)) != 0) goto done;
    if ((rc = create_runner(model, interp, o.key, &runner)) != 0) goto done;
    n = tflc_runner_input_count(runner);
    plans = calloc((size_t)n + 1, sizeof *plans);
    if (!plans) {
        rc = fail("out of memory");
        goto done;
    }
    if ((rc = plan_inputs(runner, &o, plans)) != 0) goto done;
    rc = run_signature(runner, plans, &o);
done:
    for (int i = 0; plans && i < n; i++) {
        free(plans[i].data);
        free(plans[i].strings);
    }
    free(plans);
    for (int k = 0; k < o.nspecs; k++) free((char *)o.specs[k].name);
    free(o.specs);
    tflc_runner_free(runner);
    tflc_interpreter_free(interp);
    tflc_model_free(model);
    return rc;
}

/* ----------------------------------------------------------------- bench -- */

/* tflc bench: times one signature the way LiteRT's benchmark_model does. Load (map, verify,
 * interpreter, runner), allocate, first inference, warmup, then steady-state runs until at
 * least --runs runs AND --min-secs seconds have passed (or --max-secs has), each invoke timed
 * on its own. Inputs are filled once (zeros or seeded random), outside every timed region. */

typedef struct bench_shape {
    const char *arg;            /* NAME=d0,d1,... as given */
    char *name;                 /* owned copy of NAME */
    int32_t dims[TFLC_MAX_RANK];
    int rank;
} bench_shape;

typedef struct bench_options {
    const char *path, *key;
    long threads, warmup, runs;
    double warmup_min_secs, min_secs, max_secs;
    int json, samples, fill; /* fill: 1 zeros, 2 random */
    int profile;             /* --profile: per-operator times over the steady state */
    uint64_t seed;
    bench_shape *shapes;
    int nshapes;
} bench_options;

/* The timings of one phase: every run's duration in seconds. */
typedef struct bench_series {
    double *t;
    size_t n, cap;
    double sum, elapsed;
} bench_series;

/* Kept samples are bounded (a 1 us model over --max-secs 150 would need 1.2 GB); past the
 * bound the mean still counts every run, the quantiles the first BENCH_MAX_SAMPLES. */
#define BENCH_MAX_SAMPLES ((size_t)1 << 20)

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Resident set size now, from /proc/self/statm; -1 where that file does not exist. */
static long long bench_rss_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long long size = 0, resident = -1;
    if (fscanf(f, "%lld %lld", &size, &resident) != 2) resident = -1;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return resident < 0 || page <= 0 ? -1 : resident * page;
}

/* Page faults this process has taken so far (minor + major, getrusage); -1 where it fails.
 * Counted around each startup phase: on a virtual machine a fresh page's first touch costs
 * microseconds, which is most of what allocate and the first inference spend beyond the
 * steady state (bench/RESULTS.md). */
static long long bench_faults_now(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return (long long)ru.ru_minflt + (long long)ru.ru_majflt;
}

/* Faults since `before` (a bench_faults_now reading), or -1. */
static long long bench_faults_delta(long long before)
{
    long long now = bench_faults_now();
    return before >= 0 && now >= before ? now - before : -1;
}

/* Peak resident set size of this program: VmHWM of /proc/self/status where it exists, else
 * getrusage's ru_maxrss. Linux keeps ru_maxrss across execve, so a tflc started by a large
 * process (a Python benchmark driver) would report its parent's peak; VmHWM starts afresh. */
static long long bench_peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        long long kb = -1;
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmHWM:", 6) == 0 && sscanf(line + 6, "%lld", &kb) == 1) break;
        fclose(f);
        if (kb >= 0) return kb * 1024;
    }
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return (long long)ru.ru_maxrss * 1024; /* kilobytes on Linux */
}

static int bench_parse_count(const char *flag, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi)
        return fail("%s '%s': expected an integer from %ld to %ld", flag, v, lo, hi);
    *out = x;
    return 0;
}

static int bench_parse_secs(const char *flag, const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x) || x < 0 || x > 1e6)
        return fail("%s '%s': expected a number of seconds from 0 to 1e6", flag, v);
    *out = x;
    return 0;
}

/* "NAME=1,224,224,3" (an empty list after '=' is a scalar). */
static int bench_parse_shape(const char *v, bench_shape *s)
{
    const char *eq = strrchr(v, '=');
    if (!eq || eq == v) return fail("--input-shape '%s': expected NAME=d0,d1,... (e.g. x=1,224,224,3)", v);
    s->arg = v;
    s->name = strndup(v, (size_t)(eq - v));
    if (!s->name) return fail("out of memory");
    s->rank = 0;
    const char *p = eq + 1;
    while (*p) {
        if (s->rank == TFLC_MAX_RANK)
            return fail("--input-shape '%s': more than %d dimensions", v, TFLC_MAX_RANK);
        char *end;
        errno = 0;
        long d = strtol(p, &end, 10);
        if (end == p || errno || d < 0 || d > INT32_MAX || (*end != ',' && *end != '\0'))
            return fail("--input-shape '%s': dimensions must be non-negative integers", v);
        s->dims[s->rank++] = (int32_t)d;
        p = *end == ',' ? end + 1 : end;
        if (*end == ',' && *p == '\0') return fail("--input-shape '%s': trailing comma", v);
    }
    return 0;
}

/* benchmark_model's boolean flags: --flag=true|false (also 1|0). */
static int parse_bool_flag(const char *flag, const char *v, int *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = 1;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = 0;
    else
        return fail("%s '%s': expected true or false", flag, v);
    return 0;
}

static int parse_bench_args(int argc, char **argv, bench_options *o)
{
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        const char *a = argv[i];
        int r = 0;
#define BENCH_TAKE(name) ((r = take_option(argc, argv, &i, (name), &v)) != 0)
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--samples") == 0) {
            o->samples = 1;
        } else if (strcmp(a, "--profile") == 0 || strcmp(a, "--enable_op_profiling") == 0) {
            o->profile = 1;
        } else if (strncmp(a, "--enable_op_profiling=", 22) == 0) {
            if (parse_bool_flag("--enable_op_profiling", a + 22, &o->profile)) return 1;
        } else if (BENCH_TAKE("--graph")) {
            if (r < 0) return 1;
            if (o->path) return fail("bench: the model is given twice ('%s' and '%s')", o->path, v);
            o->path = v;
        } else if (BENCH_TAKE("--signature") || BENCH_TAKE("--signature_to_run_for")) {
            if (r < 0) return 1;
            o->key = v;
        } else if (BENCH_TAKE("--threads") || BENCH_TAKE("--num_threads")) {
            if (r < 0) return 1;
            /* LiteRT's default, -1, means "let the runtime choose": one thread here. */
            if (bench_parse_count(a[2] == 'n' ? "--num_threads" : "--threads", v, -1, 256, &o->threads)) return 1;
            if (o->threads < 1) o->threads = 1;
        } else if (BENCH_TAKE("--warmup") || BENCH_TAKE("--warmup_runs")) {
            if (r < 0) return 1;
            if (bench_parse_count("--warmup", v, 0, 100000000, &o->warmup)) return 1;
        } else if (BENCH_TAKE("--runs") || BENCH_TAKE("--num_runs")) {
            if (r < 0) return 1;
            if (bench_parse_count("--runs", v, 1, 1000000000, &o->runs)) return 1;
        } else if (BENCH_TAKE("--min-secs") || BENCH_TAKE("--min_secs")) {
            if (r < 0 || bench_parse_secs("--min-secs", v, &o->min_secs)) return 1;
        } else if (BENCH_TAKE("--max-secs") || BENCH_TAKE("--max_secs")) {
            if (r < 0 || bench_parse_secs("--max-secs", v, &o->max_secs)) return 1;
        } else if (BENCH_TAKE("--warmup-min-secs") || BENCH_TAKE("--warmup_min_secs")) {
            if (r < 0 || bench_parse_secs("--warmup-min-secs", v, &o->warmup_min_secs)) return 1;
        } else if (BENCH_TAKE("--input-shape")) {
            if (r < 0) return 1;
            bench_shape *s = &o->shapes[o->nshapes++];
            if (bench_parse_shape(v, s)) return 1;
            for (int k = 0; k < o->nshapes - 1; k++)
                if (strcmp(o->shapes[k].name, s->name) == 0) return fail("--input-shape: '%s' given twice", s->name);
        } else if (BENCH_TAKE("--fill")) {
            if (r < 0) return 1;
            if (strcmp(v, "zeros") == 0)
                o->fill = 1;
            else if (strcmp(v, "random") == 0)
                o->fill = 2;
            else
                return fail("--fill '%s': expected zeros or random", v);
        } else if (BENCH_TAKE("--seed")) {
            if (r < 0) return 1;
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 0);
            if (end == v || *end || errno || v[0] == '-')
                return fail("--seed '%s': expected a non-negative integer", v);
            o->seed = s;
        } else if (a[0] == '-' && a[1] != '\0') {
            return fail("bench: unknown option '%s' (see 'tflc help')", a);
        } else if (o->path) {
            return fail("bench: unexpected argument '%s' (see 'tflc help')", a);
        } else {
            o->path = a;
        }
#undef BENCH_TAKE
    }
    if (!o->path) return fail("bench: missing MODEL (see 'tflc help')");
    return 0;
}

/* Loads the model and creates an interpreter with o->threads threads and the runner. */
static int bench_load(const bench_options *o, tflc_model **model, tflc_interpreter **interp, tflc_runner **runner)
{
    if (tflc_model_load_file(o->path, NULL, model) != TFLC_OK) {
        const char *msg = tflc_last_error();
        if (strstr(msg, o->path)) return fail("cannot load model: %s", msg);
        return fail("cannot load model '%s': %s", o->path, msg);
    }
    tflc_interpreter_options opts;
    tflc_interpreter_options_init(&opts);
    opts.num_threads = (int)o->threads;
    if (tflc_interpreter_create(*model, &opts, interp) != TFLC_OK)
        return fail("cannot create an interpreter for '%s': %s", o->path, tflc_last_error());
    return create_runner(*model, *interp, o->key, runner);
}

/* Input plans: each input's shape (the model's, dynamic dimensions 1, or --input-shape)
 * filled with zeros or seeded random values. */
static int bench_plan_inputs(tflc_runner *runner, const bench_options *o, input_plan *plans)
{
    int n = tflc_runner_input_count(runner);
    for (int k = 0; k < o->nshapes; k++) {
        int found = 0;
        for (int i = 0; i < n; i++) found |= strcmp(tflc_runner_input_name(runner, i), o->shapes[k].name) == 0;
        if (!found) {
            strbuf sb = {0};
            list_runner_inputs(runner, &sb);
            int rc = fail("--input-shape: unknown input '%s' (signature '%s' takes: %s)", o->shapes[k].name,
                          tflc_runner_signature_key(runner), sb_str(&sb));
            sb_free(&sb);
            return rc;
        }
    }
    uint64_t rng = o->seed;
    for (int i = 0; i < n; i++) {
        input_plan *p = &plans[i];
        const tflc_tensor *t = tflc_runner_input_at(runner, i);
        p->name = tflc_runner_input_name(runner, i);
        p->dtype = tflc_tensor_dtype(t);
        int srank = 0;
        const int32_t *sig = tflc_tensor_shape_signature(t, &srank);
        p->rank = tflc_tensor_rank(t);
        if (p->rank < 0 || p->rank > TFLC_MAX_RANK) return fail("input '%s': bad rank", p->name);
        if (p->rank > 0) memcpy(p->dims, tflc_tensor_dims(t), sizeof(int32_t) * (size_t)p->rank);
        for (int k = 0; sig && srank == p->rank && k < srank; k++)
            if (sig[k] < 0) p->dims[k] = 1; /* dynamic dimension */
        for (int k = 0; k < o->nshapes; k++)
            if (strcmp(o->shapes[k].name, p->name) == 0) {
                p->rank = o->shapes[k].rank;
                memcpy(p->dims, o->shapes[k].dims, sizeof p->dims);
            }
        if (plan_fill(p->name, o->fill == 2, &rng, p)) return 1;
    }
    return 0;
}

/* Resizes, sets string inputs and allocates (timed together as "allocate"). */
static int bench_allocate(tflc_runner *runner, input_plan *plans, int n)
{
    for (int i = 0; i < n; i++) {
        if (plans[i].dtype == TFLC_STRING) continue;
        if (tflc_runner_resize_input(runner, plans[i].name, plans[i].dims, plans[i].rank) != TFLC_OK) {
            strbuf sb = {0};
            sb_dims(&sb, plans[i].dims, plans[i].rank);
            int rc = fail("input '%s': cannot resize to %s: %s", plans[i].name, sb_str(&sb), runner_message(runner));
            sb_free(&sb);
            return rc;
        }
    }
    if (set_string_inputs(runner, plans, n)) return 1;
    if (tflc_runner_allocate(runner) != TFLC_OK) return fail("allocate failed: %s", runner_message(runner));
    return 0;
}

static int bench_copy_inputs(tflc_runner *runner, input_plan *plans, int n)
{
    for (int i = 0; i < n; i++) {
        if (plans[i].dtype == TFLC_STRING) continue;
        tflc_tensor *t = tflc_runner_input_at(runner, i);
        if (tflc_tensor_copy_from(t, plans[i].data, plans[i].bytes) != TFLC_OK)
            return fail("input '%s': %s", plans[i].name, runner_message(runner));
    }
    return 0;
}

/* A one-line progress report on stderr, only when stderr is a terminal, at most 5 per s. */
typedef struct bench_progress {
    int on;
    double last;
} bench_progress;

static void bench_progress_show(bench_progress *pg, const char *phase, const bench_series *s, double t)
{
    if (!pg->on || t - pg->last < 0.2) return;
    pg->last = t;
    fprintf(stderr, "\r\033[Kbench: %s: %zu runs in %.1f s, mean %.3f ms", phase, s->n, s->elapsed,
            s->n ? s->sum / (double)s->n * 1e3 : 0.0);
    fflush(stderr);
}

static void bench_progress_clear(bench_progress *pg)
{
    if (pg->on) fputs("\r\033[K", stderr);
}

/* Runs until min_runs runs AND min_secs seconds, or max_secs; every invoke timed alone.
 * keep: store each time in s->t (steady state) or only count and sum them (warmup). */
static int bench_loop(tflc_runner *runner, long min_runs, double min_secs, double max_secs, const char *phase,
                      int keep, bench_series *s, bench_progress *pg)
{
    double start = bench_now(), t = start;
    while (((long)s->n < min_runs || t - start < min_secs) && t - start <= max_secs) {
        if (keep && s->n == s->cap && s->cap < BENCH_MAX_SAMPLES) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            double *grown = realloc(s->t, cap * sizeof *grown);
            if (!grown) return fail("out of memory");
            s->t = grown;
            s->cap = cap;
        }
        double t0 = bench_now();
        if (tflc_runner_invoke(runner) != TFLC_OK) {
            bench_progress_clear(pg);
            return fail("invoke failed: %s", runner_message(runner));
        }
        t = bench_now();
        if (s->n < s->cap) s->t[s->n] = t - t0;
        s->n++;
        s->sum += t - t0;
        s->elapsed = t - start;
        bench_progress_show(pg, phase, s, t);
    }
    return 0;
}

typedef struct bench_stats {
    double mean, median, p90, min, max, std;
} bench_stats;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bench_stats bench_summarize(bench_series *s)
{
    bench_stats st = {0, 0, 0, 0, 0, 0};
    size_t kept = s->n < s->cap ? s->n : s->cap;
    if (s->n == 0 || kept == 0) return st;
    st.mean = s->sum / (double)s->n;
    double *sorted = malloc(kept * sizeof *sorted);
    if (!sorted) return st;
    memcpy(sorted, s->t, kept * sizeof *sorted);
    qsort(sorted, kept, sizeof *sorted, cmp_double);
    st.median = kept % 2 ? sorted[kept / 2] : (sorted[kept / 2 - 1] + sorted[kept / 2]) / 2;
    size_t rank90 = (size_t)ceil(0.9 * (double)kept); /* nearest rank */
    st.p90 = sorted[rank90 ? rank90 - 1 : 0];
    st.min = sorted[0];
    st.max = sorted[kept - 1];
    double var = 0;
    for (size_t i = 0; i < kept; i++) var += (s->t[i] - st.mean) * (s->t[i] - st.mean);
    st.std = kept > 1 ? sqrt(var / (double)(kept - 1)) : 0;
    free(sorted);
    return st;
}

typedef struct bench_result {
    double load, allocate, first;
    long long load_faults, allocate_faults, first_faults;   /* -1: unknown */
    bench_series warm, steady;
    bench_stats stats;
    size_t arena;
    long long peak_rss, rss_delta;
} bench_result;

/* "12.345 ms", "3.210 us": the unit that suits the value. */
static const char *bench_duration(char *buf, size_t size, double seconds)
{
    if (seconds >= 1.0)
        snprintf(buf, size, "%.3f s", seconds);
    else if (seconds >= 1e-3)
        snprintf(buf, size, "%.3f ms", seconds * 1e3);
    else if (seconds >= 1e-6)
        snprintf(buf, size, "%.3f us", seconds * 1e6);
    else
        snprintf(buf, size, "%.0f ns", seconds * 1e9);
    return buf;
}

/* ", 1234 page faults", or "" when unknown. */
static const char *bench_faults_text(char *buf, size_t size, long long faults)
{
    if (faults < 0) buf[0] = '\0';
    else snprintf(buf, size, ", %lld page faults", faults);
    return buf;
}

static void bench_print_text(const bench_options *o, tflc_runner *runner, const input_plan *plans,
                             const bench_result *r)
{
    const bench_stats *st = &r->stats;
    char a[32], b[32], c[32], d[32], e[32], f[32], fb[48];
    printf("model:            %s\n", o->path);
    printf("signature:        %s\n", tflc_runner_signature_key(runner));
    printf("threads:          %ld\n", o->threads);
    int n = tflc_runner_input_count(runner);
    for (int i = 0; i < n; i++) {
        printf("input:            %s %s", plans[i].name, tflc_dtype_name(plans[i].dtype));
        print_dims(stdout, plans[i].dims, plans[i].rank);
        printf(" (%s", o->fill == 2 ? "random" : "zeros");
        if (o->fill == 2) printf(", seed %" PRIu64, o->seed);
        printf(")\n");
    }
    printf("load:             %s (map, verify, interpreter, runner)%s\n", bench_duration(a, sizeof a, r->load),
           bench_faults_text(fb, sizeof fb, r->load_faults));
    printf("allocate:         %s (resize, prepare, plan arena)%s\n", bench_duration(a, sizeof a, r->allocate),
           bench_faults_text(fb, sizeof fb, r->allocate_faults));
    printf("first inference:  %s%s\n", bench_duration(a, sizeof a, r->first),
           bench_faults_text(fb, sizeof fb, r->first_faults));
    printf("warmup:           %zu runs, mean %s\n", r->warm.n,
           bench_duration(a, sizeof a, r->warm.n ? r->warm.sum / (double)r->warm.n : 0.0));
    printf("steady state:     %zu runs in %.2f s\n", r->steady.n, r->steady.elapsed);
    printf("  mean %s, median %s, p90 %s, min %s, max %s, std %s\n", bench_duration(a, sizeof a, st->mean),
           bench_duration(b, sizeof b, st->median), bench_duration(c, sizeof c, st->p90),
           bench_duration(d, sizeof d, st->min), bench_duration(e, sizeof e, st->max),
           bench_duration(f, sizeof f, st->std));
    printf("arena:            %zu bytes\n", r->arena);
    if (r->peak_rss >= 0)
        printf("peak RSS:         %.1f MiB (VmHWM or ru_maxrss, after warmup)\n", (double)r->peak_rss / 1048576.0);
    if (r->rss_delta >= 0)
        printf("RSS growth:       %.1f MiB (before load -> after first inference)\n", (double)r->rss_delta / 1048576.0);
}

static void json_ms(const char *key, double seconds, int comma)
{
    printf("\"%s\":", key);
    json_float(stdout, seconds * 1e3);
    if (comma) putchar(',');
}

/* ------------------------------------------------------------ op profile -- */

/* One row of the profile: an operator, or all operators of one type. */
typedef struct prof_row {
    int index;                  /* operator index; for a type row, its operator count */
    const char *op;
    const tflc_tensor *output;  /* NULL in a type row */
    double mean;                /* seconds per steady-state run */
} prof_row;

typedef struct bench_profile {
    prof_row *nodes, *types;    /* nodes sorted by mean, then types sorted by mean */
    int n_nodes, n_types;
    double total;               /* sum of every operator's mean */
} bench_profile;

static int cmp_prof_row(const void *a, const void *b)
{
    const prof_row *x = a, *y = b;
    if (x->mean != y->mean) return x->mean < y->mean ? 1 : -1;
    return x->index - y->index;
}

/* The type rows: one per op name, summing its operators' means. */
static void bench_profile_types(bench_profile *p)
{
    for (int i = 0; i < p->n_nodes; i++) {
        const prof_row *r = &p->nodes[i];
        int k = 0;
        while (k < p->n_types && strcmp(p->types[k].op, r->op) != 0) k++;
        if (k == p->n_types) p->types[p->n_types++] = (prof_row){0, r->op, NULL, 0.0};
        p->types[k].index++;
        p->types[k].mean += r->mean;
    }
    qsort(p->types, (size_t)p->n_types, sizeof *p->types, cmp_prof_row);
}

/* Reads the runner's counters: mean time per run of each operator that ran. */
static int bench_profile_collect(tflc_runner *runner, bench_profile *p)
{
    int n = tflc_runner_profile_count(runner);
    p->nodes = calloc((size_t)n + 1, sizeof *p->nodes);
    p->types = calloc((size_t)n + 1, sizeof *p->types);
    if (!p->nodes || !p->types) return fail("out of memory");
    for (int i = 0; i < n; i++) {
        tflc_op_profile op;
        if (tflc_runner_profile_at(runner, i, &op) != TFLC_OK) return fail("op profile: %s", tflc_last_error());
        if (op.count == 0) continue; /* folded at allocate */
        double mean = (double)op.total_ns * 1e-9 / (double)op.count;
        p->nodes[p->n_nodes++] = (prof_row){op.op_index, op.op_name, op.output, mean};
        p->total += mean;
    }
    qsort(p->nodes, (size_t)p->n_nodes, sizeof *p->nodes, cmp_prof_row);
    bench_profile_types(p);
    return 0;
}

static double prof_percent(const bench_profile *p, double mean) { return p->total > 0 ? 100.0 * mean / p->total : 0; }

static void bench_profile_text(const bench_profile *p)
{
    char a[32];
    printf("\noperator profile (mean over the steady-state runs; %% of %s summed over operators):\n",
           bench_duration(a, sizeof a, p->total));
    printf("  %5s  %-24s %-22s %12s %7s %7s\n", "index", "op", "output", "mean", "%", "cum %");
    double cum = 0;
    for (int i = 0; i < p->n_nodes; i++) {
        const prof_row *r = &p->nodes[i];
        char shape[64] = "";
        if (r->output) {
            size_t used = 0;
            const int32_t *d = tflc_tensor_dims(r->output);
            int rank = tflc_tensor_rank(r->output);
            for (int k = 0; k < rank && used < sizeof shape; k++)
                used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%d", k ? "x" : "", (int)d[k]);
            if (rank == 0) snprintf(shape, sizeof shape, "scalar");
        }
        cum += prof_percent(p, r->mean);
        printf("  %5d  %-24s %-22s %12s %6.2f%% %6.2f%%\n", r->index, r->op, shape,
               bench_duration(a, sizeof a, r->mean), prof_percent(p, r->mean), cum);
    }
    printf("\nby operator type:\n");
    printf("  %-24s %6s %12s %7s\n", "op", "count", "mean", "%");
    for (int i = 0; i < p->n_types; i++) {
        const prof_row *r = &p->types[i];
        printf("  %-24s %6d %12s %6.2f%%\n", r->op, r->index, bench_duration(a, sizeof a, r->mean),
               prof_percent(p, r->mean));
    }
}

/* ,"op_profile":{"total_ms":T,"nodes":[{"index":I,"op":"CONV_2D","shape":[..],"mean_ms":M,
 * "percent":P},...],"by_op":[{"op":"CONV_2D","count":N,"mean_ms":M,"percent":P},...]} */
static void bench_profile_json(const bench_profile *p)
{
    fputs(",\"op_profile\":{", stdout);
    json_ms("total_ms", p->total, 1);
    fputs("\"nodes\":[", stdout);
    for (int i = 0; i < p->n_nodes; i++) {
        const prof_row *r = &p->nodes[i];
        printf("%s{\"index\":%d,\"op\":", i ? "," : "", r->index);
        json_string(stdout, r->op);
        fputs(",\"shape\":", stdout);
        if (r->output)
            json_dims(stdout, tflc_tensor_dims(r->output), tflc_tensor_rank(r->output));
        else
            fputs("null", stdout);
        putchar(',');
        json_ms("mean_ms", r->mean, 1);
        fputs("\"percent\":", stdout);
        json_float(stdout, prof_percent(p, r->mean));
        putchar('}');
    }
    fputs("],\"by_op\":[", stdout);
    for (int i = 0; i < p->n_types; i++) {
        const prof_row *r = &p->types[i];
        fputs(i ? ",{\"op\":" : "{\"op\":", stdout);
        json_string(stdout, r->op);
        printf(",\"count\":%d,", r->index);
        json_ms("mean_ms", r->mean, 1);
        fputs("\"percent\":", stdout);
        json_float(stdout, prof_percent(p, r->mean));
        putchar('}');
    }
    fputs("]}", stdout);
}

/* prof: the op profile to add, or NULL. */
static void bench_print_json(const bench_options *o, tflc_runner *runner, const input_plan *plans,
                             const bench_result *r, const bench_profile *prof)
{
    const bench_stats *st = &r->stats;
    fputs("{\"model\":", stdout);
    json_string(stdout, o->path);
    fputs(",\"signature\":", stdout);
    json_string(stdout, tflc_runner_signature_key(runner));
    printf(",\"threads\":%ld,\"fill\":\"%s\",\"seed\":%" PRIu64 ",\"inputs\":[", o->threads,
           o->fill == 2 ? "random" : "zeros", o->seed);
    int n = tflc_runner_input_count(runner);
    for (int i = 0; i < n; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
        json_string(stdout, plans[i].name);
        printf(",\"dtype\":\"%s\",\"shape\":", tflc_dtype_name(plans[i].dtype));
        json_dims(stdout, plans[i].dims, plans[i].rank);
        putchar('}');
    }
    fputs("],", stdout);
    json_ms("load_ms", r->load, 1);
    json_ms("allocate_ms", r->allocate, 1);
    json_ms("first_ms", r->first, 1);
    printf("\"load_faults\":%lld,\"allocate_faults\":%lld,\"first_faults\":%lld,", r->load_faults,
           r->allocate_faults, r->first_faults);
    printf("\"warmup_runs\":%zu,", r->warm.n);
    json_ms("warmup_mean_ms", r->warm.n ? r->warm.sum / (double)r->warm.n : 0, 1);
    printf("\"runs\":%zu,\"steady_secs\":", r->steady.n);
    json_float(stdout, r->steady.elapsed);
    putchar(',');
    json_ms("mean_ms", st->mean, 1);
    json_ms("median_ms", st->median, 1);
    json_ms("p90_ms", st->p90, 1);
    json_ms("min_ms", st->min, 1);
    json_ms("max_ms", st->max, 1);
    json_ms("std_ms", st->std, 1);
    printf("\"arena_bytes\":%zu,\"peak_rss_bytes\":%lld,\"rss_delta_bytes\":%lld", r->arena, r->peak_rss,
           r->rss_delta);
    if (o->samples) {
        fputs(",\"samples_ms\":[", stdout);
        size_t kept = r->steady.n < r->steady.cap ? r->steady.n : r->steady.cap;
        for (size_t i = 0; i < kept; i++) printf("%s%.6g", i ? "," : "", r->steady.t[i] * 1e3);
        putchar(']');
    }
    if (prof) bench_profile_json(prof);
    fputs("}\n", stdout);
}


static int cmd_bench(int argc, char **argv)
{
    bench_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.warmup = 1;              /* benchmark_model's defaults */
    o.warmup_min_secs = 0.5;
    o.runs = 50;
    o.min_secs = 1.0;
    o.max_secs = 150.0;
    o.fill = 2;
    o.shapes = calloc((size_t)argc + 1, sizeof *o.shapes);
    if (!o.shapes) return fail("out of memory");
    tflc_model *model = NULL;
    tflc_interpreter *interp = NULL;
    tflc_runner *runner = NULL;
    input_plan *plans = NULL;
    bench_result r;
    memset(&r, 0, sizeof r);
    bench_profile prof = {NULL, NULL, 0, 0, 0.0};
    int n = 0;
    bench_progress pg = {isatty(STDERR_FILENO), 0};
    int rc = parse_bench_args(argc, argv, &o);
    if (rc) goto done;

    long long rss0 = bench_rss_now();
    long long f0 = bench_faults_now();
    double t0 = bench_now();
    if ((rc = bench_load(&o, &model, &interp, &runner)) != 0) goto done;
    r.load = bench_now() - t0;
    r.load_faults = bench_faults_delta(f0);

    n = tflc_runner_input_count(runner);
    plans = calloc((size_t)n + 1, sizeof *plans);
    if (!plans) {
        rc = fail("out of memory");
        goto done;
    }
    if ((rc = bench_plan_inputs(runner, &o, plans)) != 0) goto done;
    f0 = bench_faults_now();
    t0 = bench_now();
    if ((rc = bench_allocate(runner, plans, n)) != 0) goto done;
    r.allocate = bench_now() - t0;
    r.allocate_faults = bench_faults_delta(f0);
    r.arena = tflc_runner_arena_bytes(runner);
    if ((rc = bench_copy_inputs(runner, plans, n)) != 0) goto done;

    f0 = bench_faults_now();
    t0 = bench_now();
    if (tflc_runner_invoke(runner) != TFLC_OK) {
        rc = fail("invoke failed: %s", runner_message(runner));
        goto done;
    }
    r.first = bench_now() - t0;
    r.first_faults = bench_faults_delta(f0);
    long long rss1 = bench_rss_now();
    r.rss_delta = rss0 >= 0 && rss1 >= 0 ? rss1 - rss0 : -1;

    if ((rc = bench_loop(runner, o.warmup, o.warmup ? o.warmup_min_secs : 0, o.max_secs, "warmup", 0, &r.warm,
                         &pg)) != 0)
        goto done;
    /* Before the steady state grows its sample buffer: the peak of the runtime's own use. */
    r.peak_rss = bench_peak_rss();
    if (o.profile && tflc_runner_set_profiling(runner, 1) != TFLC_OK) {
        rc = fail("cannot enable op profiling: %s", runner_message(runner));
        goto done;
    }
    if ((rc = bench_loop(runner, o.runs, o.min_secs, o.max_secs, "steady state", 1, &r.steady, &pg)) != 0) goto done;
    bench_progress_clear(&pg);
    r.stats = bench_summarize(&r.steady);
    if (o.profile && (rc = bench_profile_collect(runner, &prof)) != 0) goto done;
    if (o.json) {
        bench_print_json(&o, runner, plans, &r, o.profile ? &prof : NULL);
    } else {
        bench_print_text(&o, runner, plans, &r);
        if (o.profile) bench_profile_text(&prof);
    }
done:
    free(prof.nodes);
    free(prof.types);
    for (int i = 0; plans && i < n; i++) {
        free(plans[i].data);
        free(plans[i].strings);
    }
    free(plans);
    free(r.warm.t);
    free(r.steady.t);
    for (int k = 0; k < o.nshapes; k++) free(o.shapes[k].name);
    free(o.shapes);
    tflc_runner_free(runner);
    tflc_interpreter_free(interp);
    tflc_model_free(model);
    return rc;
}

/* ------------------------------------------------------------------- main -- */

int main(int argc, char **argv)
{
    int rc;
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        rc = 0;
    } else if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        if (strcmp(tflc_version(), TFLC_VERSION_STRING) == 0)
            printf("tflc %s\n", tflc_version());
        else
            printf("tflc %s (built against headers %s)\n", tflc_version(), TFLC_VERSION_STRING);
        rc = 0;
    } else if (strcmp(argv[1], "info") == 0) {
        rc = cmd_info(argc - 2, argv + 2);
    } else if (strcmp(argv[1], "run") == 0) {
        rc = cmd_run(argc - 2, argv + 2);
    } else if (strcmp(argv[1], "bench") == 0) {
        rc = cmd_bench(argc - 2, argv + 2);
    } else {
        fprintf(stderr, "tflc: unknown command '%s'\n\n%s", argv[1], usage_text);
        return 2;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tflc: error writing to standard output\n");
        return 1;
    }
    return rc;
}
