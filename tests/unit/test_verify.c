/*
 * test_verify.c -- the model verifier (src/format/verify.c, check.c) and op names.
 *
 * Models are built by hand with a tiny front-to-back flatbuffer builder (below): parents
 * are written first and children appended after them, so every uoffset points forward as
 * the format requires. Each table reserves 8 aligned bytes per slot, which lets a test set
 * any field of an already built table and append the object it points to. Tests start from
 * a valid model and break one thing.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/flatbuf.h"
#include "format/schema.h"
#include "format/verify.h"
#include "test.h"

/* ----------------------------------------------------------------- builder -- */

#define FBB_CAP (1u << 16)

typedef struct fbb {
    uint8_t b[FBB_CAP];
    uint32_t n;
} fbb;

static void pad_to(fbb *f, uint32_t align) {
    while (f->n % align) f->b[f->n++] = 0;
}
static uint32_t put(fbb *f, const void *p, uint32_t len) {
    uint32_t at = f->n;
    if (f->n + len > FBB_CAP) { fprintf(stderr, "builder full\n"); exit(2); }
    memcpy(f->b + f->n, p, len);
    f->n += len;
    return at;
}
static void poke_u16(fbb *f, uint32_t at, uint16_t v) { memcpy(f->b + at, &v, 2); }
static void poke_u32(fbb *f, uint32_t at, uint32_t v) { memcpy(f->b + at, &v, 4); }
static void poke_i32(fbb *f, uint32_t at, int32_t v) { memcpy(f->b + at, &v, 4); }
static void poke_u64(fbb *f, uint32_t at, uint64_t v) { memcpy(f->b + at, &v, 8); }

/* Header: root offset (patched by set_root) and the file identifier. */
static void fbb_init(fbb *f) {
    memset(f, 0, sizeof *f);
    f->n = 8;
    memcpy(f->b + 4, "TFL3", 4);
}
static void set_root(fbb *f, uint32_t table) { poke_u32(f, 0, table); }

/* A table with n_slots fields, all absent: a vtable, then the table 8-aligned with slot i
 * at inline offset 8 + 8 * i. Returns the table's position. */
static uint32_t table(fbb *f, int n_slots) {
    pad_to(f, 2);
    uint32_t vt = f->n;
    uint16_t vsize = (uint16_t)(4 + 2 * n_slots), tsize = (uint16_t)(8 + 8 * n_slots);
    uint8_t zeros[8 + 8 * 32] = {0};
    put(f, &vsize, 2);
    put(f, &tsize, 2);
    put(f, zeros, (uint32_t)(2 * n_slots));
    pad_to(f, 8);
    uint32_t t = put(f, zeros, tsize);
    poke_i32(f, t, (int32_t)(t - vt));
    return t;
}
/* Marks field `slot` present and returns its absolute position. */
static uint32_t field(fbb *f, uint32_t t, int slot) {
    int32_t soff;
    memcpy(&soff, f->b + t, 4);
    uint32_t vt = (uint32_t)((int64_t)t - soff);
    poke_u16(f, vt + 4 + 2 * (uint32_t)slot, (uint16_t)(8 + 8 * slot));
    return t + 8 + 8 * (uint32_t)slot;
}
static void set_u8(fbb *f, uint32_t t, int slot, uint8_t v) { f->b[field(f, t, slot)] = v; }
static void set_i32(fbb *f, uint32_t t, int slot, int32_t v) { poke_i32(f, field(f, t, slot), v); }
static void set_u64(fbb *f, uint32_t t, int slot, uint64_t v) { poke_u64(f, field(f, t, slot), v); }
/* uoffsets only point forward: a test that gets the order wrong stops here. */
static void poke_ref(fbb *f, uint32_t at, uint32_t target) {
    if (target <= at) { fprintf(stderr, "builder: backward reference %u -> %u\n", at, target); exit(2); }
    poke_u32(f, at, target - at);
}
/* Points offset field `slot` of t at target, which must come after t. */
static void set_ref(fbb *f, uint32_t t, int slot, uint32_t target) {
    poke_ref(f, field(f, t, slot), target);
}
/* Marks field `slot` absent again (its bytes stay; field() brings it back). */
static void clear_field(fbb *f, uint32_t t, int slot) {
    int32_t soff;
    memcpy(&soff, f->b + t, 4);
    poke_u16(f, (uint32_t)((int64_t)t - soff) + 4 + 2 * (uint32_t)slot, 0);
}

/* A vector of n elements of `elem` bytes, its elements aligned to max(elem, 4). */
static uint32_t vec(fbb *f, const void *data, uint32_t n, uint32_t elem) {
    uint32_t align = elem > 4 ? elem : 4;
    while ((f->n + 4) % align) f->b[f->n++] = 0;
    uint32_t at = put(f, &n, 4);
    if (n) put(f, data, n * elem);
    return at;
}
static uint32_t vec_i32(fbb *f, const int32_t *v, uint32_t n) { return vec(f, v, n, 4); }
/* A vector of n offsets, to be filled with set_elem. */
static uint32_t vec_refs(fbb *f, uint32_t n) {
    static const uint32_t zeros[4096];
    return vec(f, zeros, n, 4);
}
static void set_elem(fbb *f, uint32_t v, uint32_t i, uint32_t target) {
    poke_ref(f, v + 4 + 4 * i, target);
}
static uint32_t str(fbb *f, const char *s) {
    pad_to(f, 4);
    uint32_t len = (uint32_t)strlen(s);
    uint32_t at = put(f, &len, 4);
    put(f, s, len + 1);
    return at;
}
static void set_str(fbb *f, uint32_t t, int slot, const char *s) { set_ref(f, t, slot, str(f, s)); }
static void set_ints(fbb *f, uint32_t t, int slot, const int32_t *v, uint32_t n) {
    set_ref(f, t, slot, vec_i32(f, v, n));
}

/* ------------------------------------------------------------ tiny models -- */

/* Positions of the parts of the tiny model that tests break. */
typedef struct tiny {
    uint32_t model, opcode, subgraph, tensor[3], shape[3], name[3], op, buffer[2];
    uint32_t sig, sig_input, sig_output;
} tiny;

static uint32_t opcode_table(fbb *f, int32_t code) {
    uint32_t oc = table(f, 4);
    set_u8(f, oc, OPCODE_DEPRECATED_BUILTIN_CODE, (uint8_t)(code < 127 ? code : 127));
    set_i32(f, oc, OPCODE_BUILTIN_CODE, code);
    set_i32(f, oc, OPCODE_VERSION, 1);
    return oc;
}

static uint32_t tensor_table(fbb *f, const char *name, const int32_t *dims, uint32_t rank,
                             uint32_t buffer, uint32_t *shape_out, uint32_t *name_out) {
    uint32_t t = table(f, 10);
    set_u8(f, t, TENSOR_TYPE, TFLC_FLOAT32);
    set_i32(f, t, TENSOR_BUFFER, (int32_t)buffer);
    *shape_out = vec_i32(f, dims, rank);
    set_ref(f, t, TENSOR_SHAPE, *shape_out);
    *name_out = str(f, name);
    set_ref(f, t, TENSOR_NAME, *name_out);
    return t;
}

static uint32_t tensor_map(fbb *f, const char *name, int32_t index) {
    uint32_t m = table(f, 2);
    set_str(f, m, TENSORMAP_NAME, name);
    set_i32(f, m, TENSORMAP_TENSOR_INDEX, index);
    return m;
}

/* y = x + w: tensors x [1,4], w [1,4] (constant, buffer 1), y [1,4]; one ADD; one
 * signature "serving_default" with input "x" and output "y". */
static void build_tiny(fbb *f, tiny *m) {
    static const int32_t dims[2] = {1, 4}, in[1] = {0}, out[1] = {2}, op_in[2] = {0, 1};
    static const float w[4] = {1, 2, 3, 4};
    fbb_init(f);
    m->model = table(f, 8);
    set_root(f, m->model);
    set_i32(f, m->model, MODEL_VERSION, 3);
    uint32_t codes = vec_refs(f, 1), subgraphs = vec_refs(f, 1), buffers = vec_refs(f, 2),
             sigs = vec_refs(f, 1);
    set_ref(f, m->model, MODEL_OPERATOR_CODES, codes);
    set_ref(f, m->model, MODEL_SUBGRAPHS, subgraphs);
    set_ref(f, m->model, MODEL_BUFFERS, buffers);
    set_ref(f, m->model, MODEL_SIGNATURE_DEFS, sigs);
    m->opcode = opcode_table(f, OPC_ADD);
    set_elem(f, codes, 0, m->opcode);

    m->subgraph = table(f, 5);
    set_elem(f, subgraphs, 0, m->subgraph);
    uint32_t tensors = vec_refs(f, 3), ops = vec_refs(f, 1);
    set_ref(f, m->subgraph, SUBGRAPH_TENSORS, tensors);
    set_ref(f, m->subgraph, SUBGRAPH_OPERATORS, ops);
    set_ints(f, m->subgraph, SUBGRAPH_INPUTS, in, 1);
    set_ints(f, m->subgraph, SUBGRAPH_OUTPUTS, out, 1);
    set_str(f, m->subgraph, SUBGRAPH_NAME, "main");
    static const char *const names[3] = {"x", "w", "y"};
    for (uint32_t i = 0; i < 3; i++) {
        m->tensor[i] = tensor_table(f, names[i], dims, 2, i == 1, &m->shape[i], &m->name[i]);
        set_elem(f, tensors, i, m->tensor[i]);
    }
    m->op = table(f, 13);
    set_elem(f, ops, 0, m->op);
    set_i32(f, m->op, OP_OPCODE_INDEX, 0);
    set_ints(f, m->op, OP_INPUTS, op_in, 2);
    set_ints(f, m->op, OP_OUTPUTS, out, 1);
    set_u8(f, m->op, OP_BUILTIN_OPTIONS_TYPE, BO_Add);
    uint32_t add = table(f, 2);
    set_ref(f, m->op, OP_BUILTIN_OPTIONS, add);
    set_u8(f, add, ADD_OPT_ACTIVATION, ACT_NONE);

    for (uint32_t i = 0; i < 2; i++) {
        m->buffer[i] = table(f, 3);
        set_elem(f, buffers, i, m->buffer[i]);
    }
    pad_to(f, 16);
    set_ref(f, m->buffer[1], BUFFER_DATA, vec(f, w, 16, 1));

    m->sig = table(f, 5);
    set_elem(f, sigs, 0, m->sig);
    set_str(f, m->sig, SIGDEF_SIGNATURE_KEY, "serving_default");
    set_i32(f, m->sig, SIGDEF_SUBGRAPH_INDEX, 0);
    uint32_t sin = vec_refs(f, 1), sout = vec_refs(f, 1);
    set_ref(f, m->sig, SIGDEF_INPUTS, sin);
    set_ref(f, m->sig, SIGDEF_OUTPUTS, sout);
    m->sig_input = tensor_map(f, "x", 0);
    set_elem(f, sin, 0, m->sig_input);
    m->sig_output = tensor_map(f, "y", 2);
    set_elem(f, sout, 0, m->sig_output);
}

#define NO_OP INT32_MIN

/* A model whose subgraph i holds one operator `code` calling calls[i][0..1] (NO_OP: no
 * operator in that subgraph). Each subgraph has one tensor used as input and output. */
static void build_calls(fbb *f, int32_t code, uint8_t options_type, int n_sg,
                        const int32_t calls[][2]) {
    static const int32_t dims[1] = {1}, io[1] = {0};
    fbb_init(f);
    uint32_t model = table(f, 8);
    set_root(f, model);
    set_i32(f, model, MODEL_VERSION, 3);
    uint32_t codes = vec_refs(f, 1), sgs = vec_refs(f, (uint32_t)n_sg);
    set_ref(f, model, MODEL_OPERATOR_CODES, codes);
    set_ref(f, model, MODEL_SUBGRAPHS, sgs);
    set_elem(f, codes, 0, opcode_table(f, code));
    for (int i = 0; i < n_sg; i++) {
        uint32_t g = table(f, 5), shape, name;
        set_elem(f, sgs, (uint32_t)i, g);
        uint32_t tensors = vec_refs(f, 1);
        set_ref(f, g, SUBGRAPH_TENSORS, tensors);
        set_elem(f, tensors, 0, tensor_table(f, "t", dims, 1, 0, &shape, &name));
        set_ints(f, g, SUBGRAPH_INPUTS, io, 1);
        set_ints(f, g, SUBGRAPH_OUTPUTS, io, 1);
        if (calls[i][0] == NO_OP) continue;
        uint32_t ops = vec_refs(f, 1), op = table(f, 13);
        set_ref(f, g, SUBGRAPH_OPERATORS, ops);
        set_elem(f, ops, 0, op);
        set_ints(f, op, OP_INPUTS, io, 1);
        set_ints(f, op, OP_OUTPUTS, io, 1);
        set_u8(f, op, OP_BUILTIN_OPTIONS_TYPE, options_type);
        uint32_t opt = table(f, 2);
        set_ref(f, op, OP_BUILTIN_OPTIONS, opt);
        set_i32(f, opt, 0, calls[i][0]);
        if (options_type == BO_While || options_type == BO_If) set_i32(f, opt, 1, calls[i][1]);
    }
}

/* ---------------------------------------------------------------- helpers -- */

static char msg[512];

/* Verifies a copy of f's bytes in a block of exactly that size, so ASan sees any read
 * past the end. */
static tflc_status verify_bytes(const uint8_t *b, size_t n, const tflc_verify_limits *lim) {
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, b, n);
    tflc_status s = tflc_verify_model(copy, n, lim, msg, sizeof msg);
    free(copy);
    return s;
}
static tflc_status verify_fbb(const fbb *f) { return verify_bytes(f->b, f->n, NULL); }

#define CHECK_STATUS(expr, want)                                                            \
    do {                                                                                    \
        tflc_status got_ = (expr);                                                          \
        CHECK_MSG(got_ == (want), "status %d, want %d: %s", (int)got_, (int)(want), msg);  \
    } while (0)

static fbb F;   /* 64 KiB: static, not on the stack */
static tiny M;

/* ---------------------------------------------------------------- header -- */

static void test_valid_tiny_model(void) {
    build_tiny(&F, &M);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    CHECK(msg[0] == '\0');
    /* NULL limits and NULL error buffer are allowed. */
    CHECK(tflc_verify_model(F.b, F.n, NULL, NULL, 0) == TFLC_OK);
}

static void test_wrong_identifier(void) {
    build_tiny(&F, &M);
    memcpy(F.b + 4, "TFL2", 4);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "\"TFL3\"");
}

static void test_too_small(void) {
    build_tiny(&F, &M);
    for (size_t n = 0; n < 8; n++) CHECK_STATUS(verify_bytes(F.b, n, NULL), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "too small");
    CHECK(tflc_verify_model(NULL, 100, NULL, msg, sizeof msg) == TFLC_ERROR_INVALID_MODEL);
}

static void test_root_offset_out_of_bounds(void) {
    build_tiny(&F, &M);
    poke_u32(&F, 0, F.n);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "root table offset");
    poke_u32(&F, 0, 0xFFFFFFFCu);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    poke_u32(&F, 0, M.model + 2);     /* misaligned */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
}

/* -------------------------------------------------------------- structure -- */

static void test_misaligned_vtable(void) {
    build_tiny(&F, &M);
    int32_t soff;
    memcpy(&soff, F.b + M.tensor[1], 4);
    poke_i32(&F, M.tensor[1], soff + 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "Model.subgraphs[0].tensors[1]: table at byte");
    CHECK_STR_CONTAINS(msg, "misaligned");
}

static void test_vtable_out_of_bounds(void) {
    build_tiny(&F, &M);
    poke_i32(&F, M.tensor[0], -(int32_t)F.n);      /* vtable past the end */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    poke_i32(&F, M.tensor[0], INT32_MAX - 1);      /* vtable before the start */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "out of bounds");
}

static void test_field_outside_table(void) {
    build_tiny(&F, &M);
    int32_t soff;
    memcpy(&soff, F.b + M.op, 4);
    uint32_t vt = (uint32_t)((int64_t)M.op - soff);
    poke_u16(&F, vt + 2, 12);         /* inline size too small for the fields it has */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "outside the table");
}

static void test_misaligned_scalar(void) {
    build_tiny(&F, &M);
    uint32_t at = field(&F, M.buffer[0], BUFFER_OFFSET);
    int32_t soff;
    memcpy(&soff, F.b + M.buffer[0], 4);
    uint32_t vt = (uint32_t)((int64_t)M.buffer[0] - soff);
    poke_u16(&F, vt + 4 + 2 * BUFFER_OFFSET, (uint16_t)(at - M.buffer[0] + 4)); /* 8-byte field, 4-aligned */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "Model.buffers[0].offset: 8-byte field");
}

static void test_vector_length_overflow(void) {
    build_tiny(&F, &M);
    poke_u32(&F, M.shape[0], 0x40000000u);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "Model.subgraphs[0].tensors[0].shape: vector of 1073741824 x 4 bytes");
    poke_u32(&F, M.shape[0], 0xFFFFFFFFu);       /* len * 4 would wrap in 32 bits */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "overruns");
}

static void test_string_without_nul(void) {
    build_tiny(&F, &M);
    F.b[M.name[2] + 4 + 1] = 'X';       /* "y\0" -> "yX" */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "Model.subgraphs[0].tensors[2].name: string");
    CHECK_STR_CONTAINS(msg, "not NUL-terminated");
    build_tiny(&F, &M);
    poke_u32(&F, M.name[0], 0xFFFFFFFFu); /* length past the end */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
}

static void test_offset_past_end(void) {
    build_tiny(&F, &M);
    uint32_t at = field(&F, M.tensor[0], TENSOR_NAME);
    poke_u32(&F, at, F.n);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "past the end");
    poke_u32(&F, at, 0);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "null offset");
}

static void test_union_rules(void) {
    /* Value with type NONE is refused. */
    build_tiny(&F, &M);
    set_u8(&F, M.op, OP_BUILTIN_OPTIONS_TYPE, BO_NONE);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "type NONE");
    /* An unknown options type only needs a well-formed table. */
    build_tiny(&F, &M);
    set_u8(&F, M.op, OP_BUILTIN_OPTIONS_TYPE, 200);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    /* ReshapeOptions' vector is followed and checked. */
    build_tiny(&F, &M);
    set_u8(&F, M.op, OP_BUILTIN_OPTIONS_TYPE, BO_Reshape);
    uint32_t opt = table(&F, 1);
    set_ref(&F, M.op, OP_BUILTIN_OPTIONS, opt);
    static const int32_t shape[2] = {4, 1};
    uint32_t v = vec_i32(&F, shape, 2);
    set_ref(&F, opt, RESHAPE_OPT_NEW_SHAPE, v);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    poke_u32(&F, v, 1000);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "builtin_options.ReshapeOptions#0: vector");
}

static void test_depth_limit(void) {
    build_tiny(&F, &M);
    tflc_verify_limits lim = {0, 3};    /* Model > SubGraph > Tensor: fine; options: one too deep */
    CHECK_STATUS(verify_bytes(F.b, F.n, &lim), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "nested deeper than 3");
    lim.max_depth = 4;
    CHECK_STATUS(verify_bytes(F.b, F.n, &lim), TFLC_OK);
}

/* A subgraph of three [1, 4] tensors, appended to f. */
static uint32_t plain_subgraph(fbb *f) {
    static const int32_t dims[2] = {1, 4};
    uint32_t g = table(f, 5), tensors = vec_refs(f, 3), shape, name;
    set_ref(f, g, SUBGRAPH_TENSORS, tensors);
    for (uint32_t i = 0; i < 3; i++)
        set_elem(f, tensors, i, tensor_table(f, "t", dims, 2, 0, &shape, &name));
    return g;
}

/* Many offsets at one subgraph: legal sharing, but each visit costs, and the budget is
 * linear in the file size. */
static void test_shared_subtree_budget(void) {
    build_tiny(&F, &M);
    uint32_t n = 4000, v = vec_refs(&F, n), g = plain_subgraph(&F);
    for (uint32_t i = 0; i < n; i++) set_elem(&F, v, i, g);
    set_ref(&F, M.model, MODEL_SUBGRAPHS, v);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "work limit");
    /* A little sharing is fine. */
    build_tiny(&F, &M);
    v = vec_refs(&F, 3);
    g = plain_subgraph(&F);
    for (uint32_t i = 0; i < 3; i++) set_elem(&F, v, i, g);
    set_ref(&F, M.model, MODEL_SUBGRAPHS, v);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
}

/* Every proper prefix of a valid model must fail, and never read out of bounds. */
static void test_every_truncation_fails(void) {
    build_tiny(&F, &M);
    int passed = 0;
    for (uint32_t n = 0; n < F.n; n++)
        if (verify_bytes(F.b, n, NULL) == TFLC_OK) passed++;
    CHECK_MSG(passed == 0, "%d truncations passed", passed);
}

/* Single-byte corruptions anywhere: any verdict is fine, a crash or ASan report is not. */
static void test_byte_corruptions_do_not_crash(void) {
    static const uint8_t values[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
    build_tiny(&F, &M);
    static uint8_t copy[FBB_CAP];
    memcpy(copy, F.b, F.n);
    int ok = 0;
    for (uint32_t i = 0; i < F.n; i++) {
        for (size_t k = 0; k < sizeof values; k++) {
            uint8_t saved = copy[i];
            copy[i] = values[k];
            if (verify_bytes(copy, F.n, NULL) == TFLC_OK) ok++;
            copy[i] = (uint8_t)(saved ^ 0x10);
            if (verify_bytes(copy, F.n, NULL) == TFLC_OK) ok++;
            copy[i] = saved;
        }
    }
    CHECK(ok > 0);      /* some bytes (names, weights) are free to change */
}

/* ----------------------------------------------------------------- tensors -- */

static void test_buffer_index_out_of_range(void) {
    build_tiny(&F, &M);
    set_i32(&F, M.tensor[1], TENSOR_BUFFER, 40);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_MSG(strcmp(msg, "subgraph 0, tensor 1: buffer 40 out of range (model has 2 buffers)") == 0,
              "%s", msg);
}

static void test_no_buffers_vector(void) {
    build_tiny(&F, &M);
    set_i32(&F, M.tensor[1], TENSOR_BUFFER, 0);
    clear_field(&F, M.model, MODEL_BUFFERS);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);           /* buffer 0 with no buffers: fine */
    set_i32(&F, M.tensor[1], TENSOR_BUFFER, 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
}

static void test_negative_dim(void) {
    build_tiny(&F, &M);
    poke_i32(&F, M.shape[0] + 8, -3);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "subgraph 0, tensor 0: dimension 1 is -3");
}

static void test_rank_9_unsupported(void) {
    static const int32_t dims[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[0], TENSOR_SHAPE, dims, 9);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(msg, "subgraph 0, tensor 0: rank 9");
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[0], TENSOR_SHAPE, dims, 8);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
}

static void test_shape_overflow(void) {
    static const int32_t huge[4] = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[2], TENSOR_SHAPE, huge, 4);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "overflows");
    /* Fits in 64 bits, but not under the byte limit. */
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[2], TENSOR_SHAPE, huge, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "exceed the limit of 1073741824 bytes");
    /* A zero dim makes the count 0 whatever the others. */
    static const int32_t zero[5] = {INT32_MAX, INT32_MAX, INT32_MAX, 0, INT32_MAX};
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[2], TENSOR_SHAPE, zero, 5);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    /* The limit is the caller's. */
    static const int32_t big[1] = {1 << 20};
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[2], TENSOR_SHAPE, big, 1);
    tflc_verify_limits lim = {(uint64_t)4 << 20, 0};
    CHECK_STATUS(verify_bytes(F.b, F.n, &lim), TFLC_OK);
    lim.max_tensor_bytes--;
    CHECK_STATUS(verify_bytes(F.b, F.n, &lim), TFLC_ERROR_INVALID_MODEL);
}

static void test_shape_signature(void) {
    static const int32_t ok[2] = {-1, 4}, bad[2] = {-2, 4}, short_sig[1] = {-1};
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[0], TENSOR_SHAPE_SIGNATURE, ok, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    set_ints(&F, M.tensor[0], TENSOR_SHAPE_SIGNATURE, bad, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    set_ints(&F, M.tensor[0], TENSOR_SHAPE_SIGNATURE, short_sig, 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "shape_signature has 1 dimensions but shape has 2");
}

static void test_unknown_type(void) {
    build_tiny(&F, &M);
    set_u8(&F, M.tensor[0], TENSOR_TYPE, 19);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "unknown type 19");
}

static void test_constant_size_mismatch(void) {
    static const int32_t dims[2] = {1, 5};
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[1], TENSOR_SHAPE, dims, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "buffer 1 holds 16 bytes but the shape and type need 20");
    /* The same 16 bytes as 16 int8 values... */
    static const int32_t d16[1] = {16}, d32[1] = {32};
    build_tiny(&F, &M);
    set_ints(&F, M.tensor[1], TENSOR_SHAPE, d16, 1);
    set_u8(&F, M.tensor[1], TENSOR_TYPE, TFLC_INT8);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    /* ...or 32 packed int4 values... */
    set_ints(&F, M.tensor[1], TENSOR_SHAPE, d32, 1);
    set_u8(&F, M.tensor[1], TENSOR_TYPE, TFLC_INT4);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    /* ...but not as 32 strings: a string buffer's count and offsets must fit the shape. */
    set_u8(&F, M.tensor[1], TENSOR_TYPE, TFLC_STRING);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "not a valid layout of 32 strings");
}

/* The converter lets tensors share a buffer: a smaller tensor may read the first bytes of a
 * buffer that another tensor fills exactly; a buffer that fits no tensor is still refused. */
static void test_shared_buffer(void) {
    static const int32_t d12[2] = {1, 2};
    build_tiny(&F, &M);
    set_i32(&F, M.tensor[0], TENSOR_BUFFER, 1);
    set_ints(&F, M.tensor[0], TENSOR_SHAPE, d12, 2);          /* 8 of w's 16 bytes */
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    set_ints(&F, M.tensor[1], TENSOR_SHAPE, d12, 2);          /* now nothing needs 16 */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "holds 16 bytes but the shape and type need 8");
}

static void test_external_buffers(void) {
    /* Buffer 1's data moved after the flatbuffer, addressed by offset and size. */
    static const float w[4] = {5, 6, 7, 8};
    build_tiny(&F, &M);
    pad_to(&F, 16);
    uint32_t data_at = put(&F, w, 16);
    clear_field(&F, M.buffer[1], BUFFER_DATA);
    set_u64(&F, M.buffer[1], BUFFER_OFFSET, data_at);
    set_u64(&F, M.buffer[1], BUFFER_SIZE, 16);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    set_u64(&F, M.buffer[1], BUFFER_SIZE, 17);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "buffer 1: external data of 17 bytes");
    set_u64(&F, M.buffer[1], BUFFER_SIZE, UINT64_MAX);      /* offset + size wraps */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    set_u64(&F, M.buffer[1], BUFFER_SIZE, 16);
    set_u64(&F, M.buffer[1], BUFFER_OFFSET, UINT64_MAX - 8);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    /* Inline data and an offset at once. */
    set_u64(&F, M.buffer[1], BUFFER_OFFSET, data_at);
    field(&F, M.buffer[1], BUFFER_DATA);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "buffer 1: has both inline data");
    /* Offsets 0 and 1 mean "no external data". */
    set_u64(&F, M.buffer[1], BUFFER_OFFSET, 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
}

static uint32_t add_quant(fbb *f, uint32_t tensor, uint32_t n_scales, uint32_t n_zero_points,
                          int32_t axis) {
    static const float scales[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    static const int64_t zps[8] = {0};
    uint32_t q = table(f, 7);
    set_ref(f, tensor, TENSOR_QUANTIZATION, q);
    set_ref(f, q, QUANT_SCALE, vec(f, scales, n_scales, 4));
    set_ref(f, q, QUANT_ZERO_POINT, vec(f, zps, n_zero_points, 8));
    set_i32(f, q, QUANT_QUANTIZED_DIMENSION, axis);
    return q;
}

static void test_quantization(void) {
    build_tiny(&F, &M);
    add_quant(&F, M.tensor[0], 1, 1, 0);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    build_tiny(&F, &M);
    add_quant(&F, M.tensor[0], 4, 4, 1);            /* per-channel over dim 1 (size 4) */
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    build_tiny(&F, &M);
    add_quant(&F, M.tensor[0], 2, 1, 0);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "2 quantization scales but 1 zero points");
    build_tiny(&F, &M);
    add_quant(&F, M.tensor[0], 3, 3, 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "3 quantization scales but dimension 1 has size 4");
    build_tiny(&F, &M);
    add_quant(&F, M.tensor[0], 1, 1, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "quantized_dimension 2 out of range for rank 2");
    /* A misaligned [long] zero_point vector is a structural error. */
    build_tiny(&F, &M);
    uint32_t q = add_quant(&F, M.tensor[0], 1, 1, 0);
    pad_to(&F, 8);
    static const uint8_t raw[16] = {1, 0, 0, 0};    /* len 1, then 8 bytes at a 4-aligned spot */
    set_ref(&F, q, QUANT_ZERO_POINT, put(&F, raw, 16));
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "zero_point: vector");
}

static void test_sparse_unsupported(void) {
    build_tiny(&F, &M);
    uint32_t sp = table(&F, 3);
    set_ref(&F, M.tensor[1], TENSOR_SPARSITY, sp);
    static const int32_t order[2] = {0, 1};
    set_ints(&F, sp, SPARSITY_TRAVERSAL_ORDER, order, 2);
    uint32_t metas = vec_refs(&F, 1), dm = table(&F, 6);
    set_ref(&F, sp, SPARSITY_DIM_METADATA, metas);
    set_elem(&F, metas, 0, dm);
    set_u8(&F, dm, DIMMETA_SEGMENTS_TYPE, 1);        /* Int32Vector */
    uint32_t iv = table(&F, 1);
    set_ref(&F, dm, DIMMETA_SEGMENTS, iv);
    set_ints(&F, iv, INDEXVEC_VALUES, order, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(msg, "subgraph 0, tensor 1: sparse tensors are not supported");
    poke_u32(&F, iv + 8 + (uint32_t)fb_load_u32(F.b + iv + 8), 99);   /* values overrun */
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "dim_metadata[0].array_segments.values: vector");
}

/* --------------------------------------------------------------- operators -- */

static void test_operator_indices(void) {
    build_tiny(&F, &M);
    set_i32(&F, M.op, OP_OPCODE_INDEX, 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "subgraph 0, operator 0: opcode_index 1 out of range (model has 1 operator codes)");
    static const int32_t opt_in[2] = {0, -1}, bad_in[2] = {0, 3}, bad_out[1] = {-1};
    build_tiny(&F, &M);
    set_ints(&F, M.op, OP_INPUTS, opt_in, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);            /* -1: optional input left out */
    set_ints(&F, M.op, OP_INPUTS, bad_in, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "subgraph 0, operator 0 (ADD): input 1 is tensor 3, out of range");
    build_tiny(&F, &M);
    set_ints(&F, M.op, OP_OUTPUTS, bad_out, 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    build_tiny(&F, &M);
    set_ints(&F, M.op, OP_INTERMEDIATES, bad_in, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    build_tiny(&F, &M);
    set_ints(&F, M.subgraph, SUBGRAPH_OUTPUTS, bad_in, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "subgraph 0: output 1 is tensor 3");
}

static void test_operator_codes(void) {
    build_tiny(&F, &M);
    set_i32(&F, M.opcode, OPCODE_VERSION, 0);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "operator code 0: version 0");
    build_tiny(&F, &M);
    set_u8(&F, M.opcode, OPCODE_DEPRECATED_BUILTIN_CODE, OPC_CUSTOM);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "CUSTOM operator without a custom_code");
    set_str(&F, M.opcode, OPCODE_CUSTOM_CODE, "MyOp");
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    /* Codes past 127 live in builtin_code; the byte field holds the placeholder. */
    build_tiny(&F, &M);
    set_u8(&F, M.opcode, OPCODE_DEPRECATED_BUILTIN_CODE, OPC_PLACEHOLDER_FOR_GREATER_OP_CODES);
    set_i32(&F, M.opcode, OPCODE_BUILTIN_CODE, 150);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    set_i32(&F, M.opcode, OPCODE_BUILTIN_CODE, 0);
    set_u8(&F, M.opcode, OPCODE_DEPRECATED_BUILTIN_CODE, 0xFF);   /* -1 as a byte */
    set_i32(&F, M.opcode, OPCODE_BUILTIN_CODE, -5);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "builtin code -1 is negative");
}

static void test_large_custom_options(void) {
    build_tiny(&F, &M);
    set_u64(&F, M.op, OP_LARGE_CUSTOM_OPTIONS_OFFSET, 16);
    set_u64(&F, M.op, OP_LARGE_CUSTOM_OPTIONS_SIZE, 8);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    set_u64(&F, M.op, OP_LARGE_CUSTOM_OPTIONS_SIZE, F.n);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "custom options of");
}

static void test_schema_version_and_subgraphs(void) {
    build_tiny(&F, &M);
    set_i32(&F, M.model, MODEL_VERSION, 2);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_UNSUPPORTED);
    CHECK_STR_CONTAINS(msg, "schema version 2");
    build_tiny(&F, &M);
    set_ref(&F, M.model, MODEL_SUBGRAPHS, vec_refs(&F, 0));
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "no subgraphs");
}

/* ---------------------------------------------------------------- signatures -- */

static void test_signature_tensor_out_of_range(void) {
    build_tiny(&F, &M);
    set_i32(&F, M.sig_output, TENSORMAP_TENSOR_INDEX, 3);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_MSG(strcmp(msg, "signature 0 (\"serving_default\"): output \"y\" is tensor 3, out of "
                          "range (subgraph has 3 tensors)") == 0, "%s", msg);
    build_tiny(&F, &M);
    set_i32(&F, M.sig, SIGDEF_SUBGRAPH_INDEX, 1);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "subgraph 1 out of range (model has 1 subgraphs)");
}

static void test_signature_names(void) {
    build_tiny(&F, &M);
    set_str(&F, M.sig_output, TENSORMAP_NAME, "x");   /* an output may share an input's name */
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    /* Two inputs named "x". */
    build_tiny(&F, &M);
    uint32_t in = vec_refs(&F, 2);
    set_ref(&F, M.sig, SIGDEF_INPUTS, in);
    set_elem(&F, in, 0, tensor_map(&F, "x", 0));
    set_elem(&F, in, 1, tensor_map(&F, "x", 1));
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "input name \"x\" appears twice");
    /* A map without a name; a signature without a key. */
    build_tiny(&F, &M);
    in = vec_refs(&F, 1);
    set_ref(&F, M.sig, SIGDEF_INPUTS, in);
    set_elem(&F, in, 0, table(&F, 2));
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "input 0 has no name");
    build_tiny(&F, &M);
    clear_field(&F, M.sig, SIGDEF_SIGNATURE_KEY);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "no signature_key");
}

static void test_duplicate_signature_keys(void) {
    build_tiny(&F, &M);
    uint32_t sigs = vec_refs(&F, 2), first = table(&F, 5), second = table(&F, 5);
    set_ref(&F, M.model, MODEL_SIGNATURE_DEFS, sigs);
    set_elem(&F, sigs, 0, first);
    set_elem(&F, sigs, 1, second);
    set_str(&F, first, SIGDEF_SIGNATURE_KEY, "serving_default");
    set_str(&F, second, SIGDEF_SIGNATURE_KEY, "encode");
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    set_str(&F, second, SIGDEF_SIGNATURE_KEY, "serving_default");
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "signature key \"serving_default\" appears twice");
}

/* --------------------------------------------------------------- call graph -- */

static void test_while_recursion(void) {
    static const int32_t calls[2][2] = {{1, 1}, {0, 0}};   /* 0 -> 1 -> 0 */
    build_calls(&F, OPC_WHILE, BO_While, 2, calls);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_MSG(strcmp(msg, "subgraph 1, operator 0 (WHILE): calls subgraph 0 recursively") == 0,
              "%s", msg);
    static const int32_t self[1][2] = {{0, 0}};
    build_calls(&F, OPC_WHILE, BO_While, 1, self);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "subgraph 0, operator 0 (WHILE): calls subgraph 0 recursively");
}

static void test_call_graph_without_cycles(void) {
    /* A diamond: 0 -> {1, 2}, 1 -> {3, 3}, 2 -> {3, 3}; 3 calls nothing. */
    static const int32_t calls[4][2] = {{1, 2}, {3, 3}, {3, 3}, {NO_OP, 0}};
    build_calls(&F, OPC_IF, BO_If, 4, calls);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    static const int32_t once[2][2] = {{1, 0}, {NO_OP, 0}};
    build_calls(&F, OPC_CALL_ONCE, BO_CallOnce, 2, once);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
    build_calls(&F, OPC_CALL, BO_Call, 2, once);
    CHECK_STATUS(verify_fbb(&F), TFLC_OK);
}

static void test_call_index_out_of_range(void) {
    static const int32_t calls[2][2] = {{1, 2}, {NO_OP, 0}};
    build_calls(&F, OPC_IF, BO_If, 2, calls);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "subgraph 0, operator 0 (IF): calls subgraph 2, out of range (model has 2 subgraphs)");
    static const int32_t neg[2][2] = {{-1, 0}, {NO_OP, 0}};
    build_calls(&F, OPC_CALL_ONCE, BO_CallOnce, 2, neg);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "(CALL_ONCE): calls subgraph -1, out of range");
    /* The options must be the op's own table. */
    static const int32_t fine[2][2] = {{1, 1}, {NO_OP, 0}};
    build_calls(&F, OPC_WHILE, BO_If, 2, fine);
    CHECK_STATUS(verify_fbb(&F), TFLC_ERROR_INVALID_MODEL);
    CHECK_STR_CONTAINS(msg, "needs WhileOptions");
}

/* ---------------------------------------------------------------- op names -- */

static void test_op_names(void) {
    CHECK(strcmp(tflc_builtin_op_name(OPC_ADD), "ADD") == 0);
    CHECK(strcmp(tflc_builtin_op_name(OPC_FULLY_CONNECTED), "FULLY_CONNECTED") == 0);
    CHECK(strcmp(tflc_builtin_op_name(OPC_CUSTOM), "CUSTOM") == 0);
    CHECK(strcmp(tflc_builtin_op_name(OPC_WHILE), "WHILE") == 0);
    CHECK(strcmp(tflc_builtin_op_name(OPC_CALL_ONCE), "CALL_ONCE") == 0);
    CHECK(strcmp(tflc_builtin_op_name(OPC_QUANTIZE), "QUANTIZE") == 0);
    CHECK(strcmp(tflc_builtin_op_name(OPC_EXPAND_DIMS), "EXPAND_DIMS") == 0);
    CHECK(strcmp(tflc_builtin_op_name(152), "RELU_0_TO_1") == 0);
    CHECK(strcmp(tflc_builtin_op_name(195), "STABLEHLO_PAD") == 0);
    CHECK(strcmp(tflc_builtin_op_name(OPC_MAX_KNOWN), "COMPLEX") == 0);
    CHECK(tflc_builtin_op_name(OPC_MAX_KNOWN + 1) == NULL);
    CHECK(tflc_builtin_op_name(-1) == NULL);
    for (int32_t c = 0; c <= OPC_MAX_KNOWN; c++) CHECK_MSG(tflc_builtin_op_name(c) != NULL, "%d", c);
}

/* ---------------------------------------------------------------- fixtures -- */

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    uint8_t *data = NULL;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long n = ftell(fp);
        rewind(fp);
        data = n > 0 ? malloc((size_t)n) : NULL;
        if (data && fread(data, 1, (size_t)n, fp) != (size_t)n) { free(data); data = NULL; }
        *size = n > 0 ? (size_t)n : 0;
    }
    fclose(fp);
    return data;
}

/* Every committed model made by the real converter verifies; its truncations and byte
 * corruptions never crash (a truncation may pass when it only cuts alignment padding). */
static void test_fixtures(void) {
    DIR *dir = opendir(TFLC_TEST_MODELS_DIR);
    if (!dir) return;   /* fixtures not generated: nothing to check */
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name), size = 0;
        if (len < 7 || strcmp(e->d_name + len - 7, ".tflite") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", TFLC_TEST_MODELS_DIR, e->d_name);
        uint8_t *data = read_file(path, &size);
        CHECK_MSG(data != NULL, "cannot read %s", path);
        if (!data) continue;
        CHECK_MSG(verify_bytes(data, size, NULL) == TFLC_OK, "%s: %s", e->d_name, msg);
        /* About 2,000 truncations and corruptions per model, spread over the file (each
         * verification is linear in the size, so a stride of 7 bytes would make an 800 KB
         * model quadratic) */
        size_t cut_step = size / 2000 > 7 ? size / 2000 : 7, flip_step = size / 2000 > 3 ? size / 2000 : 3;
        for (size_t n = 0; n < size; n += cut_step) verify_bytes(data, n, NULL);
        for (size_t i = 0; i < size; i += flip_step) {
            uint8_t saved = data[i];
            data[i] = (uint8_t)(saved ^ 0xA5);
            verify_bytes(data, size, NULL);
            data[i] = saved;
        }
        free(data);
    }
    closedir(dir);
}

static void run_tests(void) {
    TEST(test_valid_tiny_model);
    TEST(test_shared_buffer);
    TEST(test_wrong_identifier);
    TEST(test_too_small);
    TEST(test_root_offset_out_of_bounds);
    TEST(test_misaligned_vtable);
    TEST(test_vtable_out_of_bounds);
    TEST(test_field_outside_table);
    TEST(test_misaligned_scalar);
    TEST(test_vector_length_overflow);
    TEST(test_string_without_nul);
    TEST(test_offset_past_end);
    TEST(test_union_rules);
    TEST(test_depth_limit);
    TEST(test_shared_subtree_budget);
    TEST(test_every_truncation_fails);
    TEST(test_byte_corruptions_do_not_crash);
    TEST(test_buffer_index_out_of_range);
    TEST(test_no_buffers_vector);
    TEST(test_negative_dim);
    TEST(test_rank_9_unsupported);
    TEST(test_shape_overflow);
    TEST(test_shape_signature);
    TEST(test_unknown_type);
    TEST(test_constant_size_mismatch);
    TEST(test_external_buffers);
    TEST(test_quantization);
    TEST(test_sparse_unsupported);
    TEST(test_operator_indices);
    TEST(test_operator_codes);
    TEST(test_large_custom_options);
    TEST(test_schema_version_and_subgraphs);
    TEST(test_signature_tensor_out_of_range);
    TEST(test_signature_names);
    TEST(test_duplicate_signature_keys);
    TEST(test_while_recursion);
    TEST(test_call_graph_without_cycles);
    TEST(test_call_index_out_of_range);
    TEST(test_op_names);
    TEST(test_fixtures);
}

TEST_MAIN()
