/*
 * test_flex.c -- Select TensorFlow ops (src/ops/flex): the FlexBuffers and protobuf
 * readers on valid and hostile bytes, FlexAsString and FlexStringToNumber against every
 * row TensorFlow produced in the tests/flex TSV files (hand-built nodes), their attribute errors,
 * and the converted flex_*.tflite models end to end through the public API.
 *
 * Hand-built nodes hang off a bare graph/runner/model (fake_*) as in test_ops.c; their
 * custom options are encoded here (a protobuf NodeDef inside a FlexBuffer vector) the
 * way the converter writes them, and the models check the converter's own bytes.
 */
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/runner.h"
#include "core/strings.h"
#include "ops/flex/flex.h"
#include "ops/flex/flexbuffers.h"
#include "ops/flex/nodedef.h"
#include "test.h"
#include "tflc.h"

#define FLEX_DIR TFLC_TEST_MODELS_DIR "/../flex"

/* --------------------------------------------------------------- buffers -- */

typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, const void *data, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 16;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, data, n);
    b->n += n;
}
static void put_byte(bytes *b, uint8_t v) { put(b, &v, 1); }
static void put_uint(bytes *b, uint64_t v, unsigned width) {
    for (unsigned i = 0; i < width; i++) put_byte(b, (uint8_t)(v >> (8 * i)));
}
static void bytes_free(bytes *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}
/* An exactly sized heap copy, so that ASan sees any read past the end. */
static uint8_t *exact_copy(const void *data, size_t n) {
    uint8_t *p = malloc(n ? n : 1);
    if (n) memcpy(p, data, n);
    return p;
}

/* -------------------------------------------------------- protobuf writer -- */

static void pb_varint(bytes *b, uint64_t v) {
    while (v >= 0x80) {
        put_byte(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_byte(b, (uint8_t)v);
}
static void pb_tag(bytes *b, uint32_t field, int wire) { pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire); }
static void pb_len(bytes *b, uint32_t field, const void *data, size_t n) {
    pb_tag(b, field, TFLC_PB_BYTES);
    pb_varint(b, n);
    put(b, data, n);
}
static void pb_str(bytes *b, uint32_t field, const char *s) { pb_len(b, field, s, strlen(s)); }

/* map<string, AttrValue> entry (NodeDef field 5) holding one serialized AttrValue. */
static void attr_entry(bytes *nd, const char *name, const bytes *value) {
    bytes e = {0};
    pb_str(&e, 1, name);
    pb_len(&e, 2, value->p, value->n);
    pb_len(nd, 5, e.p, e.n);
    bytes_free(&e);
}
static void attr_varint(bytes *nd, const char *name, int field, uint64_t v) {
    bytes a = {0};
    pb_tag(&a, (uint32_t)field, TFLC_PB_VARINT);
    pb_varint(&a, v);
    attr_entry(nd, name, &a);
    bytes_free(&a);
}
static void attr_i(bytes *nd, const char *name, int64_t v) { attr_varint(nd, name, TFLC_ATTR_I, (uint64_t)v); }
static void attr_b(bytes *nd, const char *name, bool v) { attr_varint(nd, name, TFLC_ATTR_B, v); }
static void attr_type(bytes *nd, const char *name, int v) { attr_varint(nd, name, TFLC_ATTR_TYPE, (uint64_t)v); }
static void attr_s(bytes *nd, const char *name, const void *s, size_t n) {
    bytes a = {0};
    pb_len(&a, TFLC_ATTR_S, s, n);
    attr_entry(nd, name, &a);
    bytes_free(&a);
}
static void attr_f(bytes *nd, const char *name, float f) {
    bytes a = {0};
    uint32_t bits;
    memcpy(&bits, &f, 4);
    pb_tag(&a, TFLC_ATTR_F, TFLC_PB_FIXED32);
    put_uint(&a, bits, 4);
    attr_entry(nd, name, &a);
    bytes_free(&a);
}

/* ------------------------------------------------------ FlexBuffer writer -- */

/* [a, b] as the converter lays out a Flex op's custom options: two sized strings, then a
 * two-element untyped vector, then the root; every field `width` bytes. */
static void flex_pair(bytes *out, const void *a, size_t na, const void *b, size_t nb, unsigned width) {
    unsigned log2w = width == 1 ? 0 : width == 2 ? 1 : width == 4 ? 2 : 3;
    put_uint(out, na, width);
    size_t a_at = out->n;
    put(out, a, na);
    put_byte(out, 0);
    put_uint(out, nb, width);
    size_t b_at = out->n;
    put(out, b, nb);
    put_byte(out, 0);
    put_uint(out, 2, width);
    size_t vec = out->n;
    put_uint(out, vec - a_at, width);
    put_uint(out, vec + width - b_at, width);
    put_byte(out, (uint8_t)(TFLC_FLX_STRING << 2 | log2w));
    put_byte(out, (uint8_t)(TFLC_FLX_STRING << 2 | log2w));
    size_t root = out->n;
    put_uint(out, root - vec, width);
    put_byte(out, (uint8_t)(TFLC_FLX_VECTOR << 2 | log2w));
    put_byte(out, (uint8_t)width);
}

/* Custom options for TensorFlow op `op` with the given serialized attr entries. */
static void flex_options(bytes *out, const char *op, const bytes *attrs) {
    bytes nd = {0};
    pb_str(&nd, 2, op);
    pb_str(&nd, 3, "");          /* the converter writes one empty input name */
    if (attrs) put(&nd, attrs->p, attrs->n);
    pb_len(&nd, 6, "", 0);       /* and an empty experimental_debug_info */
    size_t total = nd.n + strlen(op) + 16;
    flex_pair(out, op, strlen(op), nd.p, nd.n, total < 250 ? 1 : total < 65000 ? 2 : 4);
    bytes_free(&nd);
}

/* The converter's bytes for FlexAsString(precision=3, scientific=True) on float32
 * (tests/models/flex_as_string.tflite, signature "sci"; gen_cases.py prints them). */
static const uint8_t real_as_string_options[128] = {
    0x08, 0x41, 0x73, 0x53, 0x74, 0x72, 0x69, 0x6e, 0x67, 0x00, 0x6c, 0x12, 0x08, 0x41, 0x73, 0x53,
    0x74, 0x72, 0x69, 0x6e, 0x67, 0x1a, 0x00, 0x2a, 0x07, 0x0a, 0x01, 0x54, 0x12, 0x02, 0x30, 0x01,
    0x2a, 0x0a, 0x0a, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x12, 0x02, 0x12, 0x00, 0x2a, 0x0f, 0x0a, 0x09,
    0x70, 0x72, 0x65, 0x63, 0x69, 0x73, 0x69, 0x6f, 0x6e, 0x12, 0x02, 0x18, 0x03, 0x2a, 0x10, 0x0a,
    0x0a, 0x73, 0x63, 0x69, 0x65, 0x6e, 0x74, 0x69, 0x66, 0x69, 0x63, 0x12, 0x02, 0x28, 0x01, 0x2a,
    0x0e, 0x0a, 0x08, 0x73, 0x68, 0x6f, 0x72, 0x74, 0x65, 0x73, 0x74, 0x12, 0x02, 0x28, 0x00, 0x2a,
    0x14, 0x0a, 0x05, 0x77, 0x69, 0x64, 0x74, 0x68, 0x12, 0x0b, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0x01, 0x32, 0x00, 0x00, 0x02, 0x78, 0x6f, 0x14, 0x14, 0x04, 0x28, 0x01,
};

/* ------------------------------------------------------------ node harness -- */

static tflc_subgraph_desc fake_subgraph = {.name = "test"};
static struct tflc_model fake_model = {.subgraphs = &fake_subgraph, .n_subgraphs = 1,
                                       .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
static struct tflc_runner fake_runner = {.model = &fake_model};
static tflc_graph fake_graph = {.desc = &fake_subgraph, .runner = &fake_runner};

/* One Flex node with one input and one output. */
typedef struct flexcase {
    const tflc_kernel *kernel;
    tflc_op_desc op;
    tflc_tensor_desc in_desc, out_desc;
    tflc_tensor in, out;
    tflc_tensor *ins[1], *outs[1];
    tflc_node node;
    uint8_t *options;
    void *params, *scratch;
    char custom_name[32];
} flexcase;

/* TFLite's string layout for strings[0..n). */
static uint8_t *string_buffer(const char *const *strings, const size_t *lens, size_t n, size_t *size) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += lens[i];
    *size = tflc_strings_buffer_size(n, total);
    uint8_t *b = malloc(*size);
    int32_t count = (int32_t)n, off = (int32_t)tflc_strings_buffer_size(n, 0);
    memcpy(b, &count, 4);
    for (size_t i = 0; i < n; i++) {
        memcpy(b + 4 + 4 * i, &off, 4);
        memcpy(b + off, strings[i], lens[i]);
        off += (int32_t)lens[i];
    }
    memcpy(b + 4 + 4 * n, &off, 4);
    return b;
}

/* in_data: the input's bytes (a string buffer for TFLC_STRING), copied exactly. */
static void fc_init(flexcase *c, const char *tf_op, const uint8_t *options, size_t options_size,
                    tflc_dtype in_dtype, const void *in_data, size_t in_bytes, int rank, const int32_t *dims,
                    tflc_dtype out_dtype) {
    memset(c, 0, sizeof *c);
    snprintf(c->custom_name, sizeof c->custom_name, "Flex%s", tf_op);
    c->kernel = tflc_find_flex_kernel(tf_op);
    c->options = exact_copy(options, options_size);
    c->op.builtin_code = 32; /* CUSTOM */
    c->op.version = 1;
    c->op.custom_name = c->custom_name;
    c->op.custom_options = c->options;
    c->op.custom_options_size = options_size;
    c->in_desc.name = "x";
    c->in_desc.dtype = in_dtype;
    c->out_desc.name = "y";
    c->out_desc.dtype = out_dtype;
    c->in.desc = &c->in_desc;
    c->in.dtype = in_dtype;
    c->in.rank = rank;
    for (int k = 0; k < rank; k++) c->in.dims[k] = dims[k];
    c->in.data = exact_copy(in_data, in_bytes);
    c->in.bytes = in_bytes;
    c->in.alloc = in_dtype == TFLC_STRING ? TFLC_ALLOC_HEAP : TFLC_ALLOC_ARENA;
    c->out.desc = &c->out_desc;
    c->out.dtype = out_dtype;
    c->out.alloc = out_dtype == TFLC_STRING ? TFLC_ALLOC_HEAP : TFLC_ALLOC_ARENA;
    c->ins[0] = &c->in;
    c->outs[0] = &c->out;
    c->node.desc = &c->op;
    c->node.kernel = c->kernel;
    c->node.graph = &fake_graph;
    c->node.inputs = c->ins;
    c->node.n_inputs = 1;
    c->node.outputs = c->outs;
    c->node.n_outputs = 1;
}

static tflc_status fc_prepare(flexcase *c) {
    if (!c->kernel) return TFLC_ERROR_UNSUPPORTED;
    free(c->params);
    c->params = calloc(1, c->kernel->params_size ? c->kernel->params_size : 1);
    c->node.params = c->params;
    c->node.scratch_bytes = 0;
    tflc_status s = c->kernel->prepare(&c->node);
    if (s != TFLC_OK) return s;
    free(c->scratch);
    c->scratch = c->node.scratch_bytes ? malloc(c->node.scratch_bytes) : NULL;
    c->node.scratch = c->scratch;
    if (c->out.dtype != TFLC_STRING) {
        free(c->out.data);
        c->out.data = malloc(c->out.bytes ? c->out.bytes : 1);
    }
    return TFLC_OK;
}

static tflc_status fc_eval(flexcase *c) { return c->kernel->eval(&c->node); }

static void fc_free(flexcase *c) {
    free(c->options);
    free(c->in.data);
    if (c->out.dtype == TFLC_STRING) free(c->out.heap);
    else free(c->out.data);
    free(c->params);
    free(c->scratch);
}

/* ----------------------------------------------------------------- TSVs -- */

static char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    size_t got = fread(text, 1, (size_t)n, f);
    fclose(f);
    text[got] = '\0';
    if (size) *size = got;
    return text;
}

/* Splits the next data line (skipping '#' comments) into tab-separated fields, in place.
 * Returns the field count, 0 at the end. */
static int tsv_next(char **pos, char **fields, int max) {
    while (**pos) {
        char *line = *pos;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            *pos = nl + 1;
        } else {
            *pos = line + strlen(line);
        }
        if (line[0] == '#' || line[0] == '\0') continue;
        int n = 0;
        fields[n++] = line;
        for (char *p = line; *p && n < max; p++)
            if (*p == '\t') {
                *p = '\0';
                fields[n++] = p + 1;
            }
        return n;
    }
    return 0;
}

/* Undoes gen_cases.py's escaping; returns the byte count (out holds strlen(in) + 1). */
static size_t unescape(const char *in, char *out) {
    size_t n = 0;
    for (const char *p = in; *p;) {
        if (p[0] == '\\' && p[1] == '\\') {
            out[n++] = '\\';
            p += 2;
        } else if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
            char hex[3] = {p[2], p[3], 0};
            out[n++] = (char)strtol(hex, NULL, 16);
            p += 4;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return n;
}

static bool dtype_by_name(const char *name, tflc_dtype *out) {
    for (int d = 0; d < TFLC_DTYPE_COUNT; d++)
        if (strcmp(tflc_dtype_name((tflc_dtype)d), name) == 0) {
            *out = (tflc_dtype)d;
            return true;
        }
    return false;
}

/* Encodes a value field of the as_string table as the dtype's bytes. */
static size_t encode_value(tflc_dtype t, const char *v, uint8_t *out) {
    uint64_t u = strtoull(v, NULL, 0);
    int64_t i = strtoll(v, NULL, 10);
    switch (t) {
    case TFLC_FLOAT32: case TFLC_UINT32: { uint32_t x = (uint32_t)u; memcpy(out, &x, 4); return 4; }
    case TFLC_FLOAT64: case TFLC_UINT64: memcpy(out, &u, 8); return 8;
    case TFLC_FLOAT16: case TFLC_BFLOAT16: case TFLC_UINT16: { uint16_t x = (uint16_t)u; memcpy(out, &x, 2); return 2; }
    case TFLC_UINT8: case TFLC_BOOL: out[0] = (uint8_t)u; return 1;
    case TFLC_INT8: { int8_t x = (int8_t)i; memcpy(out, &x, 1); return 1; }
    case TFLC_INT16: { int16_t x = (int16_t)i; memcpy(out, &x, 2); return 2; }
    case TFLC_INT32: { int32_t x = (int32_t)i; memcpy(out, &x, 4); return 4; }
    case TFLC_INT64: memcpy(out, &i, 8); return 8;
    case TFLC_COMPLEX64: case TFLC_COMPLEX128: {
        const char *comma = strchr(v, ',');
        uint64_t im = comma ? strtoull(comma + 1, NULL, 0) : 0;
        if (t == TFLC_COMPLEX64) {
            uint32_t parts[2] = {(uint32_t)u, (uint32_t)im};
            memcpy(out, parts, 8);
            return 8;
        }
        uint64_t parts[2] = {u, im};
        memcpy(out, parts, 16);
        return 16;
    }
    default: return 0;
    }
}

/* AsString custom options; `order` varies the attr order (the converter's is hash order). */
static void as_string_options(bytes *out, int tf_type, int64_t precision, bool scientific, bool shortest,
                              int64_t width, const char *fill, size_t fill_len, int order) {
    bytes attrs = {0};
    if (order & 1) {
        attr_s(&attrs, "fill", fill, fill_len);
        attr_i(&attrs, "width", width);
        attr_b(&attrs, "shortest", shortest);
        attr_b(&attrs, "scientific", scientific);
        attr_i(&attrs, "precision", precision);
        attr_type(&attrs, "T", tf_type);
    } else {
        attr_type(&attrs, "T", tf_type);
        attr_s(&attrs, "fill", fill, fill_len);
        attr_i(&attrs, "precision", precision);
        attr_b(&attrs, "scientific", scientific);
        attr_b(&attrs, "shortest", shortest);
        attr_i(&attrs, "width", width);
    }
    flex_options(out, "AsString", &attrs);
    bytes_free(&attrs);
}

static const int32_t dims1[1] = {1};

/* ------------------------------------------------------- FlexBuffers tests -- */

static void test_flx_scalars(void) {
    tflc_flx_ref r;
    int64_t i;
    uint64_t u;
    double d;
    bool b;
    static const uint8_t int8[] = {0x05, 0x04, 0x01};
    CHECK(tflc_flx_root(int8, sizeof int8, &r) && r.type == TFLC_FLX_INT);
    CHECK(tflc_flx_int(&r, &i) && i == 5);
    CHECK(tflc_flx_uint(&r, &u) && u == 5);
    CHECK(tflc_flx_double(&r, &d) && d == 5.0);
    static const uint8_t neg16[] = {0x00, 0xff, 0x05, 0x02}; /* INT, 2 bytes: -256 */
    CHECK(tflc_flx_root(neg16, sizeof neg16, &r) && tflc_flx_int(&r, &i) && i == -256);
    CHECK(!tflc_flx_uint(&r, &u));
    static const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0b, 0x08}; /* UINT64 max */
    CHECK(tflc_flx_root(big, sizeof big, &r) && tflc_flx_uint(&r, &u) && u == UINT64_MAX);
    CHECK(!tflc_flx_int(&r, &i));
    static const uint8_t f32[] = {0x00, 0x00, 0xc0, 0x3f, 0x0e, 0x04}; /* FLOAT, 4 bytes: 1.5 */
    CHECK(tflc_flx_root(f32, sizeof f32, &r) && tflc_flx_double(&r, &d) && d == 1.5);
    CHECK(!tflc_flx_int(&r, &i));
    static const uint8_t ind[] = {0, 0, 0, 0, 0, 0, 0x04, 0x40, 0x08, 0x23, 0x01}; /* INDIRECT_FLOAT 2.5 */
    CHECK(tflc_flx_root(ind, sizeof ind, &r) && r.type == TFLC_FLX_INDIRECT_FLOAT);
    CHECK(tflc_flx_double(&r, &d) && d == 2.5);
    static const uint8_t boolean[] = {0x01, 0x68, 0x01};
    CHECK(tflc_flx_root(boolean, sizeof boolean, &r) && tflc_flx_bool(&r, &b) && b);
    CHECK(tflc_flx_int(&r, &i) && i == 1);
    static const uint8_t blob[] = {0x03, 0x01, 0x02, 0x03, 0x03, 0x64, 0x01};
    const uint8_t *data;
    size_t len;
    CHECK(tflc_flx_root(blob, sizeof blob, &r) && tflc_flx_blob(&r, &data, &len) && len == 3 && data[2] == 3);
    const char *s;
    CHECK(!tflc_flx_string(&r, &s, &len)); /* a blob is not a string */
    CHECK(strcmp(tflc_flx_type_name(TFLC_FLX_MAP), "map") == 0);
    CHECK(strcmp(tflc_flx_type_name(99), "unknown") == 0);
}

static void test_flx_vectors_and_maps(void) {
    tflc_flx_ref r, e;
    size_t n, len;
    int64_t i;
    double d;
    bool b;
    const char *s;
    /* untyped [7, false, null] */
    static const uint8_t vec[] = {0x03, 0x07, 0x00, 0x00, 0x04, 0x68, 0x00, 0x06, 0x28, 0x01};
    CHECK(tflc_flx_root(vec, sizeof vec, &r) && tflc_flx_vector_size(&r, &n) && n == 3);
    CHECK(tflc_flx_vector_at(&r, 0, &e) && tflc_flx_int(&e, &i) && i == 7);
    CHECK(tflc_flx_vector_at(&r, 1, &e) && tflc_flx_bool(&e, &b) && !b);
    CHECK(tflc_flx_vector_at(&r, 2, &e) && e.type == TFLC_FLX_NULL);
    CHECK(!tflc_flx_vector_at(&r, 3, &e));
    /* int16 typed vector [1, 2, -3] */
    static const uint8_t tv[] = {0x03, 0x00, 0x01, 0x00, 0x02, 0x00, 0xfd, 0xff, 0x06, 0x2d, 0x01};
    CHECK(tflc_flx_root(tv, sizeof tv, &r) && tflc_flx_vector_size(&r, &n) && n == 3);
    CHECK(tflc_flx_vector_at(&r, 2, &e) && tflc_flx_int(&e, &i) && i == -3);
    /* float[3] fixed vector */
    static const uint8_t fv[] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0x0c, 0x56, 0x01};
    CHECK(tflc_flx_root(fv, sizeof fv, &r) && tflc_flx_vector_size(&r, &n) && n == 3);
    CHECK(tflc_flx_vector_at(&r, 1, &e) && tflc_flx_double(&e, &d) && d == 2.0);
    /* {"a": 1, "b": "hi"} */
    static const uint8_t map[] = {0x61, 0x00, 0x62, 0x00, 0x02, 0x05, 0x04, 0x02, 0x68, 0x69, 0x00,
                                  0x06, 0x01, 0x02, 0x01, 0x07, 0x04, 0x14, 0x04, 0x24, 0x01};
    CHECK(tflc_flx_root(map, sizeof map, &r) && r.type == TFLC_FLX_MAP);
    CHECK(tflc_flx_vector_size(&r, &n) && n == 2);
    CHECK(tflc_flx_map_key_at(&r, 1, &s, &len) && len == 1 && s[0] == 'b');
    CHECK(tflc_flx_map_find(&r, "a", &e) && tflc_flx_int(&e, &i) && i == 1);
    CHECK(tflc_flx_map_find(&r, "b", &e) && tflc_flx_string(&e, &s, &len) && len == 2 && memcmp(s, "hi", 2) == 0);
    CHECK(!tflc_flx_map_find(&r, "c", &e));
    CHECK(!tflc_flx_map_find(&r, "", &e));
    CHECK(tflc_flx_verify(map, sizeof map, 0));
    CHECK(tflc_flx_verify(vec, sizeof vec, 0) && tflc_flx_verify(tv, sizeof tv, 0) && tflc_flx_verify(fv, sizeof fv, 0));
    /* The converter's [name, NodeDef] pair. */
    CHECK(tflc_flx_root(real_as_string_options, sizeof real_as_string_options, &r));
    CHECK(tflc_flx_vector_size(&r, &n) && n == 2);
    CHECK(tflc_flx_vector_at(&r, 0, &e) && tflc_flx_string(&e, &s, &len) && len == 8 && memcmp(s, "AsString", 8) == 0);
    CHECK(tflc_flx_vector_at(&r, 1, &e) && tflc_flx_string(&e, &s, &len) && len == 108);
    CHECK(tflc_flx_verify(real_as_string_options, sizeof real_as_string_options, 0));
}

/* Reads everything reachable from a root through the accessors, bounded (for fuzzing:
 * the sanitizers catch any stray read). */
static void flx_touch(const tflc_flx_ref *r, int depth) {
    int64_t i;
    uint64_t u;
    double d;
    bool b;
    const char *s;
    const uint8_t *p;
    size_t len, n;
    (void)tflc_flx_int(r, &i);
    (void)tflc_flx_uint(r, &u);
    (void)tflc_flx_double(r, &d);
    (void)tflc_flx_bool(r, &b);
    (void)tflc_flx_string(r, &s, &len);
    (void)tflc_flx_blob(r, &p, &len);
    if (depth > 4 || !tflc_flx_vector_size(r, &n)) return;
    for (size_t k = 0; k < n && k < 8; k++) {
        tflc_flx_ref e;
        if (tflc_flx_vector_at(r, k, &e)) flx_touch(&e, depth + 1);
        (void)tflc_flx_map_key_at(r, k, &s, &len);
    }
    tflc_flx_ref e;
    (void)tflc_flx_map_find(r, "T", &e);
}

static void flx_touch_buffer(const uint8_t *data, size_t size) {
    uint8_t *copy = exact_copy(data, size);
    tflc_flx_ref r;
    if (tflc_flx_root(copy, size, &r)) flx_touch(&r, 0);
    (void)tflc_flx_verify(copy, size, 0);
    free(copy);
}

static void test_flx_hostile(void) {
    tflc_flx_ref r, e;
    size_t n, len;
    const char *s;
    CHECK(!tflc_flx_root(NULL, 0, &r));
    CHECK(!tflc_flx_root("\x01", 1, &r));
    CHECK(!tflc_flx_root("\x04\x01", 2, &r));
    static const uint8_t bad_width[] = {0x05, 0x04, 0x03};
    CHECK(!tflc_flx_root(bad_width, sizeof bad_width, &r));
    static const uint8_t short_root[] = {0x05, 0x04, 0x08}; /* 8-byte root in 3 bytes */
    CHECK(!tflc_flx_root(short_root, sizeof short_root, &r));
    /* a string whose offset points before the buffer */
    static const uint8_t far[] = {0x02, 'h', 'i', 0x00, 0xc8, 0x14, 0x01};
    CHECK(tflc_flx_root(far, sizeof far, &r) && !tflc_flx_string(&r, &s, &len));
    /* a string whose length runs past the end */
    static const uint8_t long_str[] = {0xf0, 'h', 'i', 0x00, 0x03, 0x14, 0x01};
    CHECK(tflc_flx_root(long_str, sizeof long_str, &r) && !tflc_flx_string(&r, &s, &len));
    CHECK(!tflc_flx_verify(long_str, sizeof long_str, 0));
    /* a vector claiming 200 elements */
    static const uint8_t big_vec[] = {0xc8, 0x07, 0x04, 0x02, 0x28, 0x01};
    CHECK(tflc_flx_root(big_vec, sizeof big_vec, &r) && !tflc_flx_vector_size(&r, &n));
    CHECK(!tflc_flx_vector_at(&r, 0, &e));
    /* a key without its NUL */
    static const uint8_t key[] = {'a', 'b', 0x02, 0x10, 0x01};
    CHECK(tflc_flx_root(key, sizeof key, &r) && r.type == TFLC_FLX_KEY);
    CHECK(!tflc_flx_string(&r, &s, &len));
    /* a map whose keys vector has another length */
    static const uint8_t map[] = {0x61, 0x00, 0x62, 0x00, 0x03, 0x05, 0x04, 0x02, 0x68, 0x69, 0x00,
                                  0x06, 0x01, 0x02, 0x01, 0x07, 0x04, 0x14, 0x04, 0x24, 0x01};
    CHECK(tflc_flx_root(map, sizeof map, &r) && !tflc_flx_map_find(&r, "a", &e));
    CHECK(!tflc_flx_verify(map, sizeof map, 0));
    /* an unknown type */
    static const uint8_t unknown[] = {0x00, 0x7c, 0x01};
    CHECK(tflc_flx_root(unknown, sizeof unknown, &r) && !tflc_flx_verify(unknown, sizeof unknown, 0));
    /* Every truncation and many single-byte changes of the converter's bytes. */
    const uint8_t *real = real_as_string_options;
    size_t size = sizeof real_as_string_options;
    for (size_t k = 0; k <= size; k++) flx_touch_buffer(real, k);
    uint8_t *m = malloc(size);
    static const int deltas[] = {1, -1, 0x80, 0x40};
    for (size_t k = 0; k < size; k++)
        for (size_t v = 0; v < 6; v++) {
            memcpy(m, real, size);
            m[k] = v < 4 ? (uint8_t)(m[k] + deltas[v]) : v == 4 ? 0x00 : 0xff;
            flx_touch_buffer(m, size);
        }
    free(m);
}

static void test_flx_deep_nesting(void) {
    /* A chain of one-element vectors 100 deep around an int. */
    bytes b = {0};
    put_byte(&b, 0x01);
    put_byte(&b, 0x07);
    put_byte(&b, 0x04);
    size_t data = 1;
    for (int level = 1; level < 100; level++) {
        put_byte(&b, 0x01);
        size_t slot = b.n;
        put_byte(&b, (uint8_t)(slot - data));
        put_byte(&b, (uint8_t)(TFLC_FLX_VECTOR << 2));
        data = slot;
    }
    put_byte(&b, (uint8_t)(b.n - data));
    put_byte(&b, (uint8_t)(TFLC_FLX_VECTOR << 2));
    put_byte(&b, 0x01);
    uint8_t *chain = exact_copy(b.p, b.n);
    CHECK(!tflc_flx_verify(chain, b.n, 0));       /* deeper than TFLC_FLX_MAX_DEPTH */
    CHECK(tflc_flx_verify(chain, b.n, 200));
    tflc_flx_ref r;
    int depth = 0;
    CHECK(tflc_flx_root(chain, b.n, &r));
    while (r.type == TFLC_FLX_VECTOR && tflc_flx_vector_at(&r, 0, &r)) depth++;
    int64_t i;
    CHECK(depth == 100 && tflc_flx_int(&r, &i) && i == 7);
    free(chain);
    bytes_free(&b);

    /* A DAG: each level's two elements both point at the level below (2^60 paths). */
    put_byte(&b, 0x01);
    put_byte(&b, 0x07);
    put_byte(&b, 0x04);
    data = 1;
    for (int level = 1; level < 60; level++) {
        put_byte(&b, 0x02);
        size_t slot = b.n;
        put_byte(&b, (uint8_t)(slot - data));
        put_byte(&b, (uint8_t)(slot + 1 - data));
        put_byte(&b, (uint8_t)(TFLC_FLX_VECTOR << 2));
        put_byte(&b, (uint8_t)(TFLC_FLX_VECTOR << 2));
        data = slot;
    }
    put_byte(&b, (uint8_t)(b.n - data));
    put_byte(&b, (uint8_t)(TFLC_FLX_VECTOR << 2));
    put_byte(&b, 0x01);
    uint8_t *dag = exact_copy(b.p, b.n);
    CHECK(!tflc_flx_verify(dag, b.n, 100)); /* the visit budget stops it */
    free(dag);
    bytes_free(&b);
}

/* -------------------------------------------------------- protobuf tests -- */

static bool nodedef_from(const bytes *b, tflc_nodedef *nd) {
    uint8_t *copy = exact_copy(b->p, b->n);
    bool ok = tflc_nodedef_parse(copy, b->n, nd);
    /* the parsed names point into the copy: check them before freeing */
    static char op[64];
    snprintf(op, sizeof op, "%.*s", (int)nd->op_len, nd->op);
    free(copy);
    nd->op = op;
    return ok;
}

static void test_nodedef_attrs(void) {
    bytes nd = {0};
    pb_str(&nd, 1, "node/name");
    pb_str(&nd, 2, "MyOp");
    pb_str(&nd, 3, "a");
    pb_str(&nd, 3, "b:1");
    pb_str(&nd, 4, "/cpu:0");
    attr_i(&nd, "i", -5);
    attr_f(&nd, "f", 0.25f);
    attr_b(&nd, "b", true);
    attr_type(&nd, "t", TFLC_TF_DOUBLE);
    attr_s(&nd, "s", "a\0b", 3);
    /* list(int) unpacked and packed, list(float) packed, list(string) */
    bytes list = {0}, lv = {0};
    pb_tag(&list, 3, TFLC_PB_VARINT);
    pb_varint(&list, 1);
    bytes packed = {0};
    pb_varint(&packed, 2);
    pb_varint(&packed, (uint64_t)-3);
    pb_len(&list, 3, packed.p, packed.n);
    bytes floats = {0};
    float fs[2] = {1.5f, -2.0f};
    put(&floats, fs, sizeof fs);
    pb_len(&list, 4, floats.p, floats.n);
    pb_str(&list, 2, "x");
    pb_str(&list, 2, "yz");
    pb_len(&lv, TFLC_ATTR_LIST, list.p, list.n);
    attr_entry(&nd, "l", &lv);
    /* shape [2, -1] */
    bytes shape = {0}, dim = {0}, sv = {0};
    pb_tag(&dim, 1, TFLC_PB_VARINT);
    pb_varint(&dim, 2);
    pb_len(&shape, 2, dim.p, dim.n);
    dim.n = 0;
    pb_tag(&dim, 1, TFLC_PB_VARINT);
    pb_varint(&dim, (uint64_t)-1);
    pb_len(&shape, 2, dim.p, dim.n);
    pb_len(&sv, TFLC_ATTR_SHAPE, shape.p, shape.n);
    attr_entry(&nd, "shape", &sv);
    /* an unknown field of every wire type, a group with a nested group, then a repeated
     * attr: the later one wins */
    pb_tag(&nd, 99, TFLC_PB_FIXED64);
    put_uint(&nd, 0x1122334455667788u, 8);
    pb_tag(&nd, 98, TFLC_PB_FIXED32);
    put_uint(&nd, 7, 4);
    pb_tag(&nd, 97, TFLC_PB_GROUP_START);
    pb_tag(&nd, 5, TFLC_PB_VARINT);
    pb_varint(&nd, 1);
    pb_tag(&nd, 96, TFLC_PB_GROUP_START);
    pb_tag(&nd, 96, TFLC_PB_GROUP_END);
    pb_tag(&nd, 97, TFLC_PB_GROUP_END);
    attr_i(&nd, "i", 42);

    tflc_nodedef d;
    uint8_t *copy = exact_copy(nd.p, nd.n);
    CHECK_MSG(tflc_nodedef_parse(copy, nd.n, &d), "%s", d.error ? d.error : "");
    CHECK(tflc_nodedef_op_is(&d, "MyOp") && !tflc_nodedef_op_is(&d, "MyO"));
    CHECK(d.name_len == 9 && d.n_inputs == 2 && d.device_len == 6);
    CHECK(d.n_attrs == 7);
    int64_t i;
    float f;
    bool b;
    int t;
    const char *s;
    size_t len, n;
    CHECK(tflc_nodedef_attr_int(&d, "i", &i) == TFLC_ATTR_OK && i == 42);
    CHECK(tflc_nodedef_attr_float(&d, "f", &f) == TFLC_ATTR_OK && f == 0.25f);
    CHECK(tflc_nodedef_attr_bool(&d, "b", &b) == TFLC_ATTR_OK && b);
    CHECK(tflc_nodedef_attr_type(&d, "t", &t) == TFLC_ATTR_OK && t == TFLC_TF_DOUBLE);
    CHECK(tflc_nodedef_attr_string(&d, "s", &s, &len) == TFLC_ATTR_OK && len == 3 && s[2] == 'b');
    CHECK(tflc_nodedef_attr_int(&d, "f", &i) == TFLC_ATTR_MISMATCH);
    CHECK(tflc_nodedef_attr_int(&d, "missing", &i) == TFLC_ATTR_MISSING);
    const tflc_attr *l = tflc_nodedef_attr(&d, "l");
    CHECK(l && l->kind == TFLC_ATTR_LIST);
    CHECK(tflc_attr_list_count(l, TFLC_ATTR_I, &n) && n == 3);
    CHECK(tflc_attr_list_int(l, 2, &i) && i == -3);
    CHECK(!tflc_attr_list_int(l, 3, &i));
    CHECK(tflc_attr_list_count(l, TFLC_ATTR_F, &n) && n == 2);
    CHECK(tflc_attr_list_float(l, 1, &f) && f == -2.0f);
    CHECK(tflc_attr_list_count(l, TFLC_ATTR_S, &n) && n == 2);
    CHECK(tflc_attr_list_string(l, 1, &s, &len) && len == 2 && memcmp(s, "yz", 2) == 0);
    CHECK(tflc_attr_list_count(l, TFLC_ATTR_B, &n) && n == 0);
    const tflc_attr *sh = tflc_nodedef_attr(&d, "shape");
    int64_t dims[4];
    int rank;
    bool unknown;
    CHECK(sh && tflc_attr_shape(sh, dims, 4, &rank, &unknown) && rank == 2 && dims[0] == 2 && dims[1] == -1 && !unknown);
    CHECK(!tflc_attr_shape(sh, dims, 1, &rank, &unknown));
    CHECK(strcmp(tflc_attr_kind_name(TFLC_ATTR_TYPE), "type") == 0);
    free(copy);
    bytes_free(&nd);
    bytes_free(&list);
    bytes_free(&lv);
    bytes_free(&packed);
    bytes_free(&floats);
    bytes_free(&shape);
    bytes_free(&dim);
    bytes_free(&sv);
}

static void test_nodedef_dtypes(void) {
    tflc_dtype t;
    CHECK(tflc_tf_dtype_to_tflc(TFLC_TF_HALF, &t) && t == TFLC_FLOAT16);
    CHECK(tflc_tf_dtype_to_tflc(TFLC_TF_UINT64, &t) && t == TFLC_UINT64);
    CHECK(!tflc_tf_dtype_to_tflc(11 /* DT_QINT8 */, &t));
    CHECK(tflc_tf_dtype_from_tflc(TFLC_FLOAT32) == TFLC_TF_FLOAT);
    CHECK(strcmp(tflc_tf_dtype_name(TFLC_TF_FLOAT), "float") == 0);
    CHECK(strcmp(tflc_tf_dtype_name(TFLC_TF_DOUBLE), "double") == 0);
    CHECK(strcmp(tflc_tf_dtype_name(0), "unknown") == 0);
}

static void test_nodedef_hostile(void) {
    tflc_nodedef d;
    static const uint8_t trunc_varint[] = {0x10, 0x80};
    CHECK(!tflc_nodedef_parse(trunc_varint, sizeof trunc_varint, &d) && d.error);
    static const uint8_t long_varint[] = {0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    CHECK(!tflc_nodedef_parse(long_varint, sizeof long_varint, &d));
    static const uint8_t past_end[] = {0x12, 0x7f, 'a'};
    CHECK(!tflc_nodedef_parse(past_end, sizeof past_end, &d));
    static const uint8_t huge_len[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    CHECK(!tflc_nodedef_parse(huge_len, sizeof huge_len, &d));
    static const uint8_t field0[] = {0x02, 0x00};
    CHECK(!tflc_nodedef_parse(field0, sizeof field0, &d));
    static const uint8_t wire6[] = {0x0e, 0x00};
    CHECK(!tflc_nodedef_parse(wire6, sizeof wire6, &d));
    static const uint8_t stray_end[] = {0x0c};
    CHECK(!tflc_nodedef_parse(stray_end, sizeof stray_end, &d));
    static const uint8_t open_group[] = {0x0b, 0x10, 0x01};
    CHECK(!tflc_nodedef_parse(open_group, sizeof open_group, &d));
    static const uint8_t wrong_end[] = {0x0b, 0x14};
    CHECK(!tflc_nodedef_parse(wrong_end, sizeof wrong_end, &d));
    static const uint8_t trunc_fixed[] = {0x0d, 0x01, 0x02};
    CHECK(!tflc_nodedef_parse(trunc_fixed, sizeof trunc_fixed, &d));
    CHECK(tflc_nodedef_parse(NULL, 0, &d) && d.n_attrs == 0 && d.op_len == 0);

    /* Groups nested 40 deep (more than TFLC_PB_MAX_DEPTH), and 20 deep (fine). */
    for (int depth = 20; depth <= 40; depth += 20) {
        bytes b = {0};
        for (int k = 0; k < depth; k++) pb_tag(&b, 9, TFLC_PB_GROUP_START);
        for (int k = 0; k < depth; k++) pb_tag(&b, 9, TFLC_PB_GROUP_END);
        pb_str(&b, 2, "Op");
        bool ok = nodedef_from(&b, &d);
        CHECK(ok == (depth <= TFLC_PB_MAX_DEPTH));
        if (ok) CHECK(tflc_nodedef_op_is(&d, "Op"));
        bytes_free(&b);
    }
    /* Too many attrs. */
    bytes many = {0};
    for (int k = 0; k < TFLC_NODEDEF_MAX_ATTRS + 1; k++) {
        char name[16];
        snprintf(name, sizeof name, "a%d", k);
        attr_i(&many, name, k);
    }
    CHECK(!nodedef_from(&many, &d) && d.error && strstr(d.error, "attrs"));
    bytes_free(&many);
    /* A message member repeated inside one AttrValue. */
    bytes rep = {0}, v = {0};
    pb_len(&v, TFLC_ATTR_LIST, "", 0);
    pb_len(&v, TFLC_ATTR_LIST, "", 0);
    attr_entry(&rep, "l", &v);
    CHECK(!nodedef_from(&rep, &d));
    bytes_free(&rep);
    bytes_free(&v);
    /* Wire type mismatches are skipped as unknown fields. */
    bytes mism = {0}, mv = {0};
    pb_len(&mv, TFLC_ATTR_I, "xx", 2);
    attr_entry(&mism, "i", &mv);
    CHECK(nodedef_from(&mism, &d) && d.n_attrs == 1 && d.attrs[0].kind == TFLC_ATTR_NONE);
    bytes_free(&mism);
    bytes_free(&mv);

    /* Every truncation and single-byte change of the converter's NodeDef. */
    tflc_flx_ref r, e;
    const uint8_t *raw = NULL;
    size_t size = 0;
    CHECK(tflc_flx_root(real_as_string_options, sizeof real_as_string_options, &r) &&
          tflc_flx_vector_at(&r, 1, &e) && tflc_flx_blob(&e, &raw, &size));
    for (size_t k = 0; k <= size; k++) {
        uint8_t *copy = exact_copy(raw, k);
        if (tflc_nodedef_parse(copy, k, &d))
            for (int a = 0; a < d.n_attrs; a++) {
                size_t n;
                int64_t dims[8];
                int rank;
                bool unknown;
                (void)tflc_attr_list_count(&d.attrs[a], TFLC_ATTR_I, &n);
                (void)tflc_attr_shape(&d.attrs[a], dims, 8, &rank, &unknown);
            }
        free(copy);
    }
    int accepted = 0;
    for (size_t k = 0; k < size; k++)
        for (int v2 = 0; v2 < 256; v2 += 15) {
            uint8_t *copy = exact_copy(raw, size);
            copy[k] = (uint8_t)v2;
            accepted += tflc_nodedef_parse(copy, size, &d);
            free(copy);
        }
    CHECK(accepted > 0);
    CHECK(tflc_nodedef_parse(raw, size, &d) && tflc_nodedef_op_is(&d, "AsString") && d.n_attrs == 6);
}

/* ------------------------------------------------------------ registry -- */

static void test_registry(void) {
    CHECK(tflc_find_flex_kernel("AsString") == &tflc_flex_kernel_as_string);
    CHECK(tflc_find_flex_kernel("StringToNumber") == &tflc_flex_kernel_string_to_number);
    CHECK(tflc_find_flex_kernel("FlexAsString") == NULL);
    CHECK(tflc_find_flex_kernel("") == NULL && tflc_find_flex_kernel(NULL) == NULL);
    CHECK(strcmp(tflc_flex_supported_ops(), "AsString, EnsureShape, ReluGrad, Restore, Save, StringToNumber") == 0);
}

/* ------------------------------------------------------------ AsString -- */

/* Runs one AsString row; returns true when tflc agrees with TensorFlow. */
static bool as_string_row(char **f, int row) {
    tflc_dtype t;
    if (!dtype_by_name(f[0], &t)) return false;
    int64_t precision = strtoll(f[1], NULL, 10), width = strtoll(f[4], NULL, 10);
    bool scientific = f[2][0] == '1', shortest = f[3][0] == '1';
    char fill[16];
    size_t fill_len = unescape(f[5], fill);
    uint8_t value[16] = {0};
    size_t value_size = strcmp(f[6], "-") == 0 ? tflc_dtype_size(t) : encode_value(t, f[6], value);
    bytes options = {0};
    as_string_options(&options, tflc_tf_dtype_from_tflc(t), precision, scientific, shortest, width, fill,
                      fill_len, row);
    flexcase c;
    fc_init(&c, "AsString", options.p, options.n, t, value, value_size, 1, dims1, TFLC_STRING);
    bytes_free(&options);
    tflc_status s = fc_prepare(&c);
    bool ok;
    if (strncmp(f[7], "ERROR: ", 7) == 0) {
        char want[256];
        unescape(f[7] + 7, want);
        ok = s == TFLC_ERROR_INVALID_MODEL && strstr(fake_runner.err, want) != NULL;
        if (!ok) fprintf(stderr, "as_string row %d: want error '%s', got status %d '%s'\n", row, want, s, fake_runner.err);
    } else {
        char *want = malloc(strlen(f[7]) + 1);
        size_t want_len = unescape(f[7], want);
        if (s == TFLC_OK) s = fc_eval(&c);
        size_t len = 0;
        const char *got = s == TFLC_OK && tflc_strings_count(&c.out) == 1 ? tflc_strings_get(&c.out, 0, &len) : "";
        ok = s == TFLC_OK && len == want_len && memcmp(got, want, len) == 0;
        if (!ok)
            fprintf(stderr, "as_string row %d (%s p=%s sci=%s short=%s w=%s fill='%s' value=%s): want '%s' got '%.*s' (%s)\n",
                    row, f[0], f[1], f[2], f[3], f[4], f[5], f[6], want, (int)len, got, fake_runner.err);
        free(want);
    }
    fc_free(&c);
    return ok;
}

static void test_as_string_tensorflow_cases(void) {
    char *text = read_file(FLEX_DIR "/as_string_cases.tsv", NULL);
    CHECK_MSG(text != NULL, "cannot read %s", FLEX_DIR "/as_string_cases.tsv");
    if (!text) return;
    CHECK(strstr(text, "# TensorFlow ") != NULL);
    char *pos = text, *f[9];
    int rows = 0, matched = 0, errors = 0, n;
    while ((n = tsv_next(&pos, f, 9)) > 0) {
        CHECK(n == 8);
        if (n != 8) continue;
        rows++;
        if (strncmp(f[7], "ERROR", 5) == 0) errors++;
        matched += as_string_row(f, rows);
    }
    printf("as_string: %d of %d TensorFlow rows match (%d of them attr errors)\n", matched, rows, errors);
    CHECK(rows > 1000 && matched == rows);
    free(text);
}

/* Builds and prepares an AsString node over one float32 (or `t`) input. */
static tflc_status as_string_attempt(tflc_dtype t, const bytes *options, char *out, size_t out_size) {
    uint8_t value[16] = {0};
    flexcase c;
    fc_init(&c, "AsString", options->p, options->n, t, value, tflc_dtype_size(t) ? tflc_dtype_size(t) : 1, 1,
            dims1, TFLC_STRING);
    tflc_status s = fc_prepare(&c);
    if (s == TFLC_OK) s = fc_eval(&c);
    if (out) {
        size_t len = 0;
        const char *got = s == TFLC_OK ? tflc_strings_get(&c.out, 0, &len) : fake_runner.err;
        if (s != TFLC_OK) len = strlen(got);
        snprintf(out, out_size, "%.*s", (int)len, got);
    }
    fc_free(&c);
    return s;
}

static void test_as_string_attr_errors(void) {
    char msg[600];
    bytes o = {0}, attrs = {0};
    /* precision held as a string */
    attr_type(&attrs, "T", TFLC_TF_FLOAT);
    attr_s(&attrs, "precision", "3", 1);
    flex_options(&o, "AsString", &attrs);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "attr 'precision' holds a string value, expected an int");
    CHECK_STR_CONTAINS(msg, "FlexAsString");
    bytes_free(&o);
    bytes_free(&attrs);
    /* width out of int32 range */
    attr_type(&attrs, "T", TFLC_TF_FLOAT);
    attr_i(&attrs, "width", (int64_t)1 << 33);
    flex_options(&o, "AsString", &attrs);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "attr 'width' has value 8589934592 out of range for an int32");
    bytes_free(&o);
    bytes_free(&attrs);
    /* no T */
    attr_i(&attrs, "precision", 2);
    flex_options(&o, "AsString", &attrs);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "required attr 'T'");
    bytes_free(&o);
    bytes_free(&attrs);
    /* T disagrees with the input */
    attr_type(&attrs, "T", TFLC_TF_DOUBLE);
    flex_options(&o, "AsString", &attrs);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "attr T is double but the input is float32");
    bytes_free(&o);
    bytes_free(&attrs);
    /* defaults: only T given -> "%f" */
    attr_type(&attrs, "T", TFLC_TF_FLOAT);
    flex_options(&o, "AsString", &attrs);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_OK && strcmp(msg, "0.000000") == 0);
    bytes_free(&o);
    bytes_free(&attrs);
    /* a width too large for the tensor size limit */
    attr_type(&attrs, "T", TFLC_TF_INT32);
    attr_i(&attrs, "width", 2000000000);
    flex_options(&o, "AsString", &attrs);
    CHECK(as_string_attempt(TFLC_INT32, &o, msg, sizeof msg) == TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(msg, "tensor size limit");
    bytes_free(&o);
    bytes_free(&attrs);
    /* types TensorFlow refuses, and string input with a width */
    attr_type(&attrs, "T", 12 /* DT_QUINT8 */);
    flex_options(&o, "AsString", &attrs);
    CHECK(as_string_attempt(TFLC_UINT8, &o, msg, sizeof msg) == TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(msg, "Type not supported: quint8");
    bytes_free(&o);
    bytes_free(&attrs);
    /* a Flex op whose NodeDef is for another op, and a name mismatch in the vector */
    attr_type(&attrs, "out_type", TFLC_TF_FLOAT);
    flex_options(&o, "StringToNumber", &attrs);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "custom options name op 'StringToNumber', expected 'AsString'");
    bytes_free(&o);
    bytes nd = {0};
    pb_str(&nd, 2, "AsStrinX");
    flex_pair(&o, "AsString", 8, nd.p, nd.n, 1);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "the NodeDef is for op 'AsStrinX', expected 'AsString'");
    bytes_free(&o);
    bytes_free(&nd);
    bytes_free(&attrs);
    /* custom options that are not a FlexBuffer vector, or none at all */
    bytes junk = {0};
    put(&junk, "\x05\x04\x01", 3);
    CHECK(as_string_attempt(TFLC_FLOAT32, &junk, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "not a FlexBuffer vector");
    bytes_free(&junk);
    CHECK(as_string_attempt(TFLC_FLOAT32, &junk, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "without custom options");
    /* a malformed NodeDef */
    flex_pair(&o, "AsString", 8, "\x2a\x7f", 2, 1);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "malformed NodeDef");
    bytes_free(&o);
}

static void test_as_string_shapes_and_strings(void) {
    /* A [2, 3] int16 input keeps its shape; a string input with no width passes through. */
    bytes o = {0};
    as_string_options(&o, TFLC_TF_INT16, -1, false, false, 4, "-", 1, 0);
    int16_t values[6] = {1, -2, 300, 0, -32768, 32767};
    int32_t dims[2] = {2, 3};
    flexcase c;
    fc_init(&c, "AsString", o.p, o.n, TFLC_INT16, values, sizeof values, 2, dims, TFLC_STRING);
    CHECK_OK(fc_prepare(&c));
    CHECK(c.out.rank == 2 && c.out.dims[0] == 2 && c.out.dims[1] == 3);
    CHECK_OK(fc_eval(&c));
    static const char *const want[6] = {"1   ", "-2  ", "300 ", "0   ", "-32768", "32767"};
    for (size_t i = 0; i < 6; i++) {
        size_t len;
        const char *s = tflc_strings_get(&c.out, i, &len);
        CHECK(len == strlen(want[i]) && memcmp(s, want[i], len) == 0);
    }
    /* a second eval reuses the output buffer and gives the same bytes */
    CHECK_OK(fc_eval(&c));
    CHECK(tflc_strings_count(&c.out) == 6);
    fc_free(&c);
    bytes_free(&o);

    as_string_options(&o, TFLC_TF_STRING, 3, false, false, -1, "", 0, 0);
    const char *strs[2] = {"ab", "c\0d"};
    size_t lens[2] = {2, 3}, size;
    uint8_t *buf = string_buffer(strs, lens, 2, &size);
    int32_t two[1] = {2};
    fc_init(&c, "AsString", o.p, o.n, TFLC_STRING, buf, size, 1, two, TFLC_STRING);
    CHECK_OK(fc_prepare(&c));
    CHECK_OK(fc_eval(&c));
    size_t len;
    const char *s = tflc_strings_get(&c.out, 1, &len);
    CHECK(len == 3 && memcmp(s, "c\0d", 3) == 0);
    fc_free(&c);
    bytes_free(&o);
    as_string_options(&o, TFLC_TF_STRING, -1, false, false, 5, "", 0, 0);
    fc_init(&c, "AsString", o.p, o.n, TFLC_STRING, buf, size, 1, two, TFLC_STRING);
    CHECK(fc_prepare(&c) == TFLC_ERROR_UNSUPPORTED);
    fc_free(&c);
    bytes_free(&o);
    free(buf);
}

/* printf's radix follows LC_NUMERIC; AsString's must not. Runs only where such a locale
 * is installed. */
static void test_as_string_locale(void) {
    static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE"};
    const char *set = NULL;
    for (size_t i = 0; i < sizeof locales / sizeof locales[0] && !set; i++)
        set = setlocale(LC_NUMERIC, locales[i]);
    if (!set) {
        printf("as_string locale test skipped: no comma-radix locale installed\n");
        return;
    }
    bytes o = {0};
    as_string_options(&o, TFLC_TF_FLOAT, 2, false, false, -1, "", 0, 0);
    char msg[600];
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_OK);
    CHECK(strcmp(msg, "0.00") == 0);
    setlocale(LC_NUMERIC, "C");
    bytes_free(&o);
}

static void test_as_string_mutated_options(void) {
    /* Every truncation and many single-byte changes of the converter's options through
     * prepare (and eval when prepare accepts): errors, never a crash. A small tensor size
     * limit keeps mutated widths cheap. */
    uint64_t saved = fake_model.max_tensor_bytes;
    fake_model.max_tensor_bytes = 1 << 16;
    const uint8_t *real = real_as_string_options;
    size_t size = sizeof real_as_string_options;
    float x = 1.5f;
    int ok_count = 0;
    for (size_t k = 0; k <= size; k++) {
        flexcase c;
        fc_init(&c, "AsString", real, k, TFLC_FLOAT32, &x, 4, 1, dims1, TFLC_STRING);
        if (fc_prepare(&c) == TFLC_OK) ok_count += fc_eval(&c) == TFLC_OK;
        fc_free(&c);
    }
    CHECK(ok_count == 1); /* only the whole thing */
    uint8_t *m = malloc(size);
    for (size_t k = 0; k < size; k++)
        for (int v = 0; v < 256; v += 17) {
            memcpy(m, real, size);
            m[k] = (uint8_t)v;
            flexcase c;
            fc_init(&c, "AsString", m, size, TFLC_FLOAT32, &x, 4, 1, dims1, TFLC_STRING);
            if (fc_prepare(&c) == TFLC_OK) (void)fc_eval(&c);
            fc_free(&c);
        }
    free(m);
    fake_model.max_tensor_bytes = saved;
    /* the unmutated bytes give TensorFlow's output */
    char msg[600];
    bytes o = {0};
    put(&o, real, size);
    CHECK(as_string_attempt(TFLC_FLOAT32, &o, msg, sizeof msg) == TFLC_OK && strcmp(msg, "0.000e+00") == 0);
    bytes_free(&o);
}

/* ------------------------------------------------------ StringToNumber -- */

static void string_to_number_options(bytes *out, int tf_type) {
    bytes attrs = {0};
    if (tf_type) attr_type(&attrs, "out_type", tf_type);
    flex_options(out, "StringToNumber", &attrs);
    bytes_free(&attrs);
}

/* Converts strings[0..n) with out_type; *err gets the message on failure. */
static tflc_status to_number(int tf_type, tflc_dtype out_dtype, const char *const *strings, const size_t *lens,
                             size_t n, void *out, size_t out_size) {
    bytes o = {0};
    string_to_number_options(&o, tf_type);
    size_t size;
    uint8_t *buf = string_buffer(strings, lens, n, &size);
    int32_t dims[1] = {(int32_t)n};
    flexcase c;
    fc_init(&c, "StringToNumber", o.p, o.n, TFLC_STRING, buf, size, 1, dims, out_dtype);
    free(buf);
    bytes_free(&o);
    tflc_status s = fc_prepare(&c);
    if (s == TFLC_OK) s = fc_eval(&c);
    if (s == TFLC_OK && out) memcpy(out, c.out.data, out_size);
    fc_free(&c);
    return s;
}

static const struct {
    int tf;
    tflc_dtype dtype;
    size_t size;
} out_types[4] = {
    {TFLC_TF_FLOAT, TFLC_FLOAT32, 4},
    {TFLC_TF_DOUBLE, TFLC_FLOAT64, 8},
    {TFLC_TF_INT32, TFLC_INT32, 4},
    {TFLC_TF_INT64, TFLC_INT64, 8},
};

static bool string_to_number_cell(const char *input, size_t len, int col, const char *want, int row) {
    uint64_t got = 0;
    tflc_status s = to_number(out_types[col].tf, out_types[col].dtype, &input, &len, 1, &got, out_types[col].size);
    if (strcmp(want, "ERROR") == 0) {
        const char *prefix = "StringToNumberOp could not correctly convert string: ";
        const char *m = strstr(fake_runner.err, prefix);
        const char *nul = memchr(input, 0, len);
        size_t shown = nul ? (size_t)(nul - input) : len;
        if (shown > 300) shown = 300;
        bool ok = s == TFLC_ERROR_RUNTIME && m && strncmp(m + strlen(prefix), input, shown) == 0 &&
                  (m[strlen(prefix) + shown] == '\0' || m[strlen(prefix) + shown] == '.');
        if (!ok) fprintf(stderr, "to_number row %d col %d: want error, got status %d '%s'\n", row, col, s, fake_runner.err);
        return ok;
    }
    bool ok;
    if (col < 2) {
        uint64_t bits = strtoull(want, NULL, 16);
        ok = s == TFLC_OK && got == bits;
    } else if (col == 2) {
        int32_t v;
        memcpy(&v, &got, 4);
        ok = s == TFLC_OK && v == (int32_t)strtol(want, NULL, 10);
    } else {
        int64_t v;
        memcpy(&v, &got, 8);
        ok = s == TFLC_OK && v == strtoll(want, NULL, 10);
    }
    if (!ok)
        fprintf(stderr, "to_number row %d col %d input '%.80s': want %s, got status %d 0x%llx '%s'\n", row, col, input,
                want, s, (unsigned long long)got, s ? fake_runner.err : "");
    return ok;
}

static void test_string_to_number_tensorflow_cases(void) {
    char *text = read_file(FLEX_DIR "/string_to_number_cases.tsv", NULL);
    CHECK_MSG(text != NULL, "cannot read %s", FLEX_DIR "/string_to_number_cases.tsv");
    if (!text) return;
    CHECK(strstr(text, "# TensorFlow ") != NULL);
    char *pos = text, *f[6];
    int rows = 0, cells = 0, matched = 0, errors = 0, n;
    while ((n = tsv_next(&pos, f, 6)) > 0) {
        CHECK(n == 5);
        if (n != 5) continue;
        rows++;
        char *input = malloc(strlen(f[0]) + 1);
        size_t len = unescape(f[0], input);
        for (int col = 0; col < 4; col++) {
            cells++;
            errors += strcmp(f[col + 1], "ERROR") == 0;
            matched += string_to_number_cell(input, len, col, f[col + 1], rows);
        }
        free(input);
    }
    printf("string_to_number: %d of %d TensorFlow results match (%d strings x 4 out_types, %d errors)\n", matched,
           cells, rows, errors);
    CHECK(rows > 1000 && matched == cells);
    free(text);
}

static void test_string_to_number_attrs(void) {
    const char *in = "12";
    size_t len = 2;
    float f = 0;
    /* out_type left out: float */
    CHECK(to_number(0, TFLC_FLOAT32, &in, &len, 1, &f, 4) == TFLC_OK && f == 12.0f);
    /* out_type must match the output tensor, and be one of the four */
    CHECK(to_number(TFLC_TF_DOUBLE, TFLC_FLOAT32, &in, &len, 1, NULL, 0) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(fake_runner.err, "output has dtype float32 but out_type is double");
    CHECK(to_number(TFLC_TF_UINT8, TFLC_UINT8, &in, &len, 1, NULL, 0) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(fake_runner.err, "Value for attr 'out_type' of uint8 is not in the list of allowed values");
    /* several strings, the second bad: the error names it */
    const char *strs[3] = {"1", "x\0y", "3"};
    size_t lens[3] = {1, 3, 1};
    CHECK(to_number(TFLC_TF_INT32, TFLC_INT32, strs, lens, 3, NULL, 0) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(fake_runner.err, "(FlexStringToNumber): StringToNumberOp could not correctly convert string: x");
    /* a very long bad string is cut in the message */
    size_t big = 5000;
    char *longs = malloc(big);
    memset(longs, '7', big);
    longs[big - 1] = 'z';
    const char *lp = longs;
    CHECK(to_number(TFLC_TF_FLOAT, TFLC_FLOAT32, &lp, &big, 1, NULL, 0) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(fake_runner.err, "777...");
    longs[big - 1] = '7';
    CHECK(to_number(TFLC_TF_FLOAT, TFLC_FLOAT32, &lp, &big, 1, &f, 4) == TFLC_OK && f == INFINITY);
    free(longs);
    /* wrong input dtype */
    bytes o = {0};
    string_to_number_options(&o, TFLC_TF_FLOAT);
    float x = 1;
    flexcase c;
    fc_init(&c, "StringToNumber", o.p, o.n, TFLC_FLOAT32, &x, 4, 1, dims1, TFLC_FLOAT32);
    CHECK(fc_prepare(&c) == TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(fake_runner.err, "input has dtype float32, expected string");
    fc_free(&c);
    bytes_free(&o);
}

/* Digits past what absl reads exactly: 60,000,000 in a row are refused (absl's
 * "pathological input" limit), 40,000,000 are fine. */
static void test_string_to_number_digit_limit(void) {
    size_t n = 60000000;
    char *s = malloc(n);
    memset(s, '1', n);
    const char *p = s;
    double d;
    CHECK(to_number(TFLC_TF_DOUBLE, TFLC_FLOAT64, &p, &n, 1, &d, 8) == TFLC_ERROR_RUNTIME);
    size_t m = 40000000;
    s[0] = '0';
    s[1] = '.';
    CHECK(to_number(TFLC_TF_DOUBLE, TFLC_FLOAT64, &p, &m, 1, &d, 8) == TFLC_OK && d > 0.111 && d < 0.112);
    free(s);
}

/* Random strings from the grammar's alphabet, and long mantissas with far exponents (the
 * truncated-mantissa path and its big integers): no crash, no stray read, and the same
 * answer twice. */
static void test_string_to_number_random(void) {
    static const char alphabet[] = "0123456789000.eEpPxX+- \tinfaINFAN()_";
    uint32_t seed = 12345;
    char s[1200];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0, want;
        seed = seed * 1103515245u + 12345u;
        if (iter % 3 == 0) { /* 0.<zeros><digits>e<exp> */
            s[len++] = '0';
            s[len++] = '.';
            size_t zeros = (seed >> 8) % 1000;
            memset(s + len, '0', zeros);
            len += zeros;
            for (int k = 0; k < 25; k++) {
                seed = seed * 1103515245u + 12345u;
                s[len++] = (char)('0' + (seed >> 16) % 10);
            }
            seed = seed * 1103515245u + 12345u;
            len += (size_t)snprintf(s + len, sizeof s - len, "e%d", (int)((seed >> 8) % 2600) - 1300);
        } else {
            want = (seed >> 8) % 40;
            for (; len < want; len++) {
                seed = seed * 1103515245u + 12345u;
                s[len] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
            }
        }
        const char *p = s;
        for (int col = 0; col < 4; col++) {
            uint64_t a = 0, b = 0;
            tflc_status s1 = to_number(out_types[col].tf, out_types[col].dtype, &p, &len, 1, &a, out_types[col].size);
            tflc_status s2 = to_number(out_types[col].tf, out_types[col].dtype, &p, &len, 1, &b, out_types[col].size);
            CHECK(s1 == s2 && (s1 != TFLC_OK || a == b));
            CHECK(s1 == TFLC_OK || s1 == TFLC_ERROR_RUNTIME);
        }
    }
}

/* ------------------------------------------------------------- models -- */

typedef struct loaded {
    tflc_model *model;
    tflc_interpreter *interp;
} loaded;

static bool load(const char *name, loaded *l) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.tflite", TFLC_TEST_MODELS_DIR, name);
    memset(l, 0, sizeof *l);
    if (tflc_model_load_file(path, NULL, &l->model) != TFLC_OK) return false;
    return tflc_interpreter_create(l->model, NULL, &l->interp) == TFLC_OK;
}

static void unload(loaded *l) {
    tflc_interpreter_free(l->interp);
    tflc_model_free(l->model);
}

typedef struct model_case {
    char model[64], sig[32], dtype[16];
    char *values[16], *results[16];
    int n;
} model_case;

/* Runs one signature on its inputs through the public API; returns matching outputs. */
static int run_model_case(const model_case *mc, loaded *l) {
    tflc_runner *runner = NULL;
    CHECK_OK(tflc_runner_create(l->interp, mc->sig, &runner));
    if (!runner) return 0;
    int matched = 0;
    tflc_dtype t;
    if (strcmp(mc->dtype, "string") == 0) {
        tflc_string_ref refs[16];
        char *bufs[16];
        for (int i = 0; i < mc->n; i++) {
            bufs[i] = malloc(strlen(mc->values[i]) + 1);
            refs[i].size = unescape(mc->values[i], bufs[i]);
            refs[i].data = bufs[i];
        }
        CHECK_OK(tflc_runner_set_input_strings(runner, "x", refs, (size_t)mc->n, NULL, 0));
        for (int i = 0; i < mc->n; i++) free(bufs[i]);
    } else if (dtype_by_name(mc->dtype, &t)) {
        int32_t dims[2] = {mc->n, 2};
        bool pairs = strcmp(mc->sig, "boolean") == 0;
        if (pairs) dims[0] = mc->n / 2;
        CHECK_OK(tflc_runner_resize_input(runner, "x", dims, pairs ? 2 : 1));
        CHECK_OK(tflc_runner_allocate(runner));
        tflc_tensor *x = NULL;
        CHECK_OK(tflc_runner_input(runner, "x", &x));
        uint8_t *data = x ? tflc_tensor_data(x) : NULL;
        size_t es = tflc_dtype_size(t);
        for (int i = 0; data && i < mc->n; i++) encode_value(t, mc->values[i], data + (size_t)i * es);
    }
    CHECK_OK(tflc_runner_invoke(runner));
    const tflc_tensor *y = NULL;
    CHECK_OK(tflc_runner_output(runner, "y", &y));
    for (int i = 0; y && i < mc->n; i++) {
        bool ok;
        if (tflc_tensor_dtype(y) == TFLC_STRING) {
            const char *s = NULL;
            size_t len = 0;
            char want[256];
            size_t want_len = unescape(mc->results[i], want);
            ok = tflc_tensor_string_at(y, (size_t)i, &s, &len) == TFLC_OK && len == want_len &&
                 memcmp(s, want, len) == 0;
        } else {
            const uint8_t *data = tflc_tensor_data_const(y);
            size_t es = tflc_dtype_size(tflc_tensor_dtype(y));
            uint64_t got = 0, want = 0;
            memcpy(&got, data + (size_t)i * es, es);
            if (tflc_tensor_dtype(y) == TFLC_FLOAT32 || tflc_tensor_dtype(y) == TFLC_FLOAT64)
                want = strtoull(mc->results[i], NULL, 16);
            else if (tflc_tensor_dtype(y) == TFLC_INT32)
                want = (uint32_t)(int32_t)strtol(mc->results[i], NULL, 10);
            else
                want = (uint64_t)strtoll(mc->results[i], NULL, 10);
            ok = got == want;
        }
        CHECK_MSG(ok, "%s/%s element %d: want %s", mc->model, mc->sig, i, mc->results[i]);
        matched += ok;
    }
    tflc_runner_free(runner);
    return matched;
}

static void test_models_end_to_end(void) {
    char *text = read_file(FLEX_DIR "/flex_models.tsv", NULL);
    CHECK(text != NULL);
    if (!text) return;
    char *pos = text, *f[6];
    model_case mc = {.n = 0};
    int rows = 0, matched = 0, n;
    loaded l = {0};
    char loaded_name[64] = "";
    for (;;) {
        n = tsv_next(&pos, f, 6);
        bool flush = mc.n > 0 && (n == 0 || strcmp(f[0], mc.model) != 0 || strcmp(f[1], mc.sig) != 0);
        if (flush) {
            if (strcmp(loaded_name, mc.model) != 0) {
                if (loaded_name[0]) unload(&l);
                CHECK_MSG(load(mc.model, &l), "%s: %s", mc.model, tflc_last_error());
                snprintf(loaded_name, sizeof loaded_name, "%s", mc.model);
            }
            if (l.interp) matched += run_model_case(&mc, &l);
            mc.n = 0;
        }
        if (n == 0) break;
        CHECK(n == 5 && mc.n < 16);
        if (n != 5 || mc.n >= 16) continue;
        snprintf(mc.model, sizeof mc.model, "%s", f[0]);
        snprintf(mc.sig, sizeof mc.sig, "%s", f[1]);
        snprintf(mc.dtype, sizeof mc.dtype, "%s", f[2]);
        mc.values[mc.n] = f[3];
        mc.results[mc.n] = f[4];
        mc.n++;
        rows++;
    }
    if (loaded_name[0]) unload(&l);
    printf("flex models: %d of %d TensorFlow outputs match\n", matched, rows);
    CHECK(rows > 30 && matched == rows);
    free(text);
}

static void test_model_errors_and_listing(void) {
    loaded l;
    CHECK_MSG(load("flex_string_to_number", &l), "%s", tflc_last_error());
    if (!l.interp) return;
    CHECK(strcmp(tflc_model_operator_name(l.model, 0, 0), "FlexStringToNumber") == 0);
    tflc_runner *runner = NULL;
    CHECK_OK(tflc_runner_create(l.interp, "i32", &runner));
    if (runner) {
        tflc_string_ref refs[2] = {{"7", 1}, {"abc", 3}};
        CHECK_OK(tflc_runner_set_input_strings(runner, "x", refs, 2, NULL, 0));
        CHECK(tflc_runner_invoke(runner) == TFLC_ERROR_RUNTIME);
        CHECK_STR_CONTAINS(tflc_runner_error(runner), "StringToNumberOp could not correctly convert string: abc");
        /* then good input runs again */
        refs[1] = (tflc_string_ref){" -12 ", 5};
        CHECK_OK(tflc_runner_set_input_strings(runner, "x", refs, 2, NULL, 0));
        CHECK_OK(tflc_runner_invoke(runner));
        const tflc_tensor *y = NULL;
        CHECK_OK(tflc_runner_output(runner, "y", &y));
        const int32_t *v = y ? tflc_tensor_data_const(y) : NULL;
        CHECK(v && v[0] == 7 && v[1] == -12);
        tflc_runner_free(runner);
    }
    unload(&l);
}

static void run_tests(void) {
    TEST(test_flx_scalars);
    TEST(test_flx_vectors_and_maps);
    TEST(test_flx_hostile);
    TEST(test_flx_deep_nesting);
    TEST(test_nodedef_attrs);
    TEST(test_nodedef_dtypes);
    TEST(test_nodedef_hostile);
    TEST(test_registry);
    TEST(test_as_string_tensorflow_cases);
    TEST(test_as_string_attr_errors);
    TEST(test_as_string_shapes_and_strings);
    TEST(test_as_string_locale);
    TEST(test_as_string_mutated_options);
    TEST(test_string_to_number_tensorflow_cases);
    TEST(test_string_to_number_attrs);
    TEST(test_string_to_number_digit_limit);
    TEST(test_string_to_number_random);
    TEST(test_models_end_to_end);
    TEST(test_model_errors_and_listing);
}

TEST_MAIN()
