/*
 * op_harness.h -- builtin kernels prepared and evaluated without a model file, for the
 * kernel unit tests (test_ops.c, test_conv.c, test_math.c, test_shape.c, test_nn.c).
 * Include it after test.h: its checks count through test.h's CHECK macros.
 *
 *     opcase c;
 *     oc_init(&c, &tflc_kernel_fully_connected);
 *     oc_in(&c, F32, 2, d23, in);                   input data, read at eval only
 *     oc_const(&c, F32, 2, d23, w);                 constant, readable at prepare
 *     tflc_tensor *out = oc_out(&c, F32);           shape set by prepare
 *     oc_options(&c, BO_FullyConnected);            a real flatbuffer options table ...
 *     opt_i8(&c, FC_OPT_ACTIVATION, ACT_RELU);      ... with one field per opt_* call
 *     CHECK_OK(oc_run(&c));                         prepare, then eval
 *     CHECK(f32_near(out, want, N(want), 0));
 *     oc_free(&c);
 *
 * Each node hangs off a bare graph/runner/model (fake_*) so that core's tflc_node_fail and
 * tflc_node_set_output_shape have the context they read (the runner's message buffer, the
 * model's tensor size limit). Option tables are built as real flatbuffer tables at prepare,
 * so kernels read them through the same accessors as at run time.
 *
 * Ownership: an opcase lives on the caller's stack; every tensor buffer it allocates (input
 * copies, outputs, scratch, oc_own) is a malloc'd block of exactly its size, owned by the
 * case until oc_free, so ASan sees any read or write past a tensor. Quantization arrays and
 * opt_vec vectors are borrowed: they must outlive the case (static storage in the tests).
 * Outputs are filled with 0xAB and scratch with 0xCD before eval, so a kernel that reads
 * what it did not write gives a wrong answer rather than a lucky one.
 */
#ifndef TFLC_TEST_OP_HARNESS_H
#define TFLC_TEST_OP_HARNESS_H

#ifndef TFLC_TEST_H
#error "include test.h before op_harness.h"
#endif

#include <math.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "core/internal.h"
#include "core/runner.h"
#include "ops/ops.h"

/* ------------------------------------------------------------ shorthands -- */

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define F32 TFLC_FLOAT32
#define I64 TFLC_INT64
#define I32 TFLC_INT32
#define I16 TFLC_INT16
#define I8 TFLC_INT8
#define U8 TFLC_UINT8
#define BOOL TFLC_BOOL

/* ------------------------------------------------------- fake context -- */

/* The context a node normally gets from its runner: one subgraph of one model. */
static tflc_subgraph_desc fake_subgraph = {.name = "test"};
static struct tflc_model fake_model = {.subgraphs = &fake_subgraph, .n_subgraphs = 1,
                                       .max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES};
static struct tflc_runner fake_runner = {.model = &fake_model};
static tflc_graph fake_graph = {.desc = &fake_subgraph, .runner = &fake_runner};

/* ------------------------------------------------------------- fixture -- */

#define OC_MAX_TENSORS 52   /* a bidirectional LSTM: 48 inputs and its outputs */
#define OC_MAX_FIELDS 8     /* option fields per table */

enum { F_I8, F_I32, F_F32, F_VEC };

typedef struct opt_field {
    int slot, kind;
    int32_t i;
    float f;
    const int32_t *vec;   /* F_VEC: borrowed, n elements */
    int n;
} opt_field;

/* One operator instance with its tensors; everything lives in the struct or in buffers it
 * owns. Tests may reach into it (c.ins[k], c.desc[k], c.node) to make a case hostile. */
typedef struct opcase {
    const tflc_kernel *kernel;
    tflc_op_desc op;
    tflc_tensor_desc desc[OC_MAX_TENSORS];
    tflc_tensor tensor[OC_MAX_TENSORS];
    int n_tensors;
    tflc_tensor *ins[OC_MAX_TENSORS], *outs[OC_MAX_TENSORS];
    tflc_node node;
    void *owned[4 * OC_MAX_TENSORS];
    int n_owned;
    bool has_opts;
    opt_field fields[OC_MAX_FIELDS];
    int n_fields;
    alignas(64) unsigned char params[4096];
    alignas(8) uint8_t opts[512];
} opcase;

/* The builtin code the registry serves `kernel` for, so messages name the right op. */
static inline int32_t code_of(const tflc_kernel *kernel) {
    for (int32_t code = 0; code <= OPC_MAX_KNOWN; code++)
        if (tflc_find_builtin_kernel(code, 1, NULL) == kernel) return code;
    return -1;
}

/* Starts an empty case for `kernel` (version 1); drops whatever `c` held without freeing. */
static inline void oc_init(opcase *c, const tflc_kernel *kernel) {
    memset(c, 0, sizeof *c);
    c->kernel = kernel;
    c->op.builtin_code = code_of(kernel);
    c->op.version = 1;
    c->node.desc = &c->op;
    c->node.kernel = kernel;
    c->node.graph = &fake_graph;
    c->node.inputs = c->ins;
    c->node.outputs = c->outs;
}

/* A heap block of `bytes` (at least 1) that the case frees in oc_free. */
static inline void *oc_own(opcase *c, size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    c->owned[c->n_owned++] = p;
    return p;
}

/* A tensor with its desc; `data` (if not NULL) is copied into a block of exactly its size. */
static inline tflc_tensor *oc_tensor(opcase *c, tflc_dtype dtype, int rank, const int32_t *dims,
                                     const void *data, tflc_alloc_kind alloc) {
    int i = c->n_tensors++;
    tflc_tensor_desc *d = &c->desc[i];
    tflc_tensor *t = &c->tensor[i];
    d->name = "";
    d->dtype = dtype;
    d->rank = rank;
    for (int k = 0; k < rank; k++) d->shape[k] = dims[k];
    t->desc = d;
    t->dtype = dtype;
    t->rank = rank;
    for (int k = 0; k < rank; k++) t->dims[k] = dims[k];
    t->bytes = tflc_shape_count(dims, rank) * tflc_dtype_size(dtype);
    t->alloc = alloc;
    if (data) {
        t->data = oc_own(c, t->bytes);
        memcpy(t->data, data, t->bytes);
    }
    return t;
}

/* Appends `t` (NULL: an optional input left out) to the node's inputs. */
static inline tflc_tensor *oc_add_input(opcase *c, tflc_tensor *t) {
    c->ins[c->node.n_inputs++] = t;
    return t;
}

/* A graph input, with data only at eval time (kept aside until then). */
static inline tflc_tensor *oc_in(opcase *c, tflc_dtype dtype, int rank, const int32_t *dims,
                                 const void *data) {
    return oc_add_input(c, oc_tensor(c, dtype, rank, dims, data, TFLC_ALLOC_ARENA));
}

/* A constant (model) input: data readable at prepare. */
static inline tflc_tensor *oc_const(opcase *c, tflc_dtype dtype, int rank, const int32_t *dims,
                                    const void *data) {
    return oc_add_input(c, oc_tensor(c, dtype, rank, dims, data, TFLC_ALLOC_CONST));
}

/* A constant int32 vector of n elements, and a constant int32 scalar. */
static inline tflc_tensor *oc_const_i32(opcase *c, int n, const int32_t *v) {
    int32_t d = n;
    return oc_const(c, TFLC_INT32, 1, &d, v);
}
static inline tflc_tensor *oc_scalar_i32(opcase *c, int32_t v) {
    return oc_const(c, TFLC_INT32, 0, NULL, &v);
}

/* An optional input left out (tensor index -1 in a model). */
static inline void oc_no_input(opcase *c) { oc_add_input(c, NULL); }

/* An output; prepare sets its shape, eval gives it a poisoned buffer of exactly that size. */
static inline tflc_tensor *oc_out(opcase *c, tflc_dtype dtype) {
    tflc_tensor *t = oc_tensor(c, dtype, 0, NULL, NULL, TFLC_ALLOC_NONE);
    c->outs[c->node.n_outputs++] = t;
    return t;
}

/* Quantization of `t`: `count` scales and zero points along `dim` (borrowed arrays). */
static inline void oc_quant(opcase *c, tflc_tensor *t, int count, const float *scales,
                            const int64_t *zero_points, int dim) {
    tflc_tensor_desc *d = &c->desc[t - c->tensor];
    d->quant.count = count;
    d->quant.scales = scales;
    d->quant.zero_points = zero_points;
    d->quant.quantized_dimension = dim;
}

/* Per-tensor quantization: one scale, one zero point (borrowed). */
static inline void oc_quant_per_tensor(opcase *c, tflc_tensor *t, const float *scale,
                                       const int64_t *zero_point) {
    tflc_tensor_desc *d = &c->desc[t - c->tensor];
    d->quant.count = 1;
    d->quant.scales = scale;
    d->quant.zero_points = zero_point;
}

/* --------------------------------------------------- options as tables -- */

/* The case gets an options table of `type`; opt_* add its fields (in any slot order). */
static inline void oc_options(opcase *c, uint8_t type) {
    c->has_opts = true;
    c->op.options_type = type;
}
static inline void opt_i8(opcase *c, int slot, int v) {
    c->fields[c->n_fields++] = (opt_field){slot, F_I8, v, 0, NULL, 0};
}
static inline void opt_i32(opcase *c, int slot, int32_t v) {
    c->fields[c->n_fields++] = (opt_field){slot, F_I32, v, 0, NULL, 0};
}
static inline void opt_f32(opcase *c, int slot, float v) {
    c->fields[c->n_fields++] = (opt_field){slot, F_F32, 0, v, NULL, 0};
}
static inline void opt_vec(opcase *c, int slot, const int32_t *v, int n) {
    c->fields[c->n_fields++] = (opt_field){slot, F_VEC, 0, 0, v, n};
}

/* An options table of `type` whose slot i holds the 4 bytes of values[i], i < n. */
static inline void oc_options_words(opcase *c, uint8_t type, const uint32_t *values, int n) {
    oc_options(c, type);
    for (int i = 0; i < n; i++) {
        int32_t v;
        memcpy(&v, &values[i], 4);
        opt_i32(c, i, v);
    }
}

/* An options table of `type` holding only a fused activation (slot 0, as 4 bytes). */
static inline void oc_options_act(opcase *c, uint8_t type, int act) {
    uint32_t v = (uint32_t)act;
    oc_options_words(c, type, &v, 1);
}

static inline void put_u16(uint8_t *p, size_t v) { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); }
static inline void put_u32(uint8_t *p, size_t v) { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); }

/* Lays out: vtable at 0, the table at T (each field 4 bytes), then int32 vectors. */
static inline void oc_build_options(opcase *c) {
    uint8_t *b = c->opts;
    int slots = 0;
    if (!c->has_opts) return;
    memset(b, 0, sizeof c->opts);
    for (int i = 0; i < c->n_fields; i++)
        if (c->fields[i].slot + 1 > slots) slots = c->fields[i].slot + 1;
    size_t vt_bytes = 4 + 2 * (size_t)slots, t = (vt_bytes + 3) & ~(size_t)3;
    size_t table_bytes = 4 + 4 * (size_t)c->n_fields, v = t + table_bytes;
    put_u16(b, vt_bytes);
    put_u16(b + 2, table_bytes);
    put_u32(b + t, t);                               /* soffset: vtable = table - t */
    for (int i = 0; i < c->n_fields; i++) {
        const opt_field *f = &c->fields[i];
        size_t fo = 4 + 4 * (size_t)i;
        put_u16(b + 4 + 2 * f->slot, fo);
        if (f->kind == F_I8) b[t + fo] = (uint8_t)f->i;
        else if (f->kind == F_I32) memcpy(b + t + fo, &f->i, 4);
        else if (f->kind == F_F32) memcpy(b + t + fo, &f->f, 4);
        else {
            put_u32(b + t + fo, v - (t + fo));
            put_u32(b + v, (size_t)f->n);
            memcpy(b + v + 4, f->vec, 4 * (size_t)f->n);
            v += 4 + 4 * (size_t)f->n;
        }
    }
    c->op.options = b + t;
}

/* ---------------------------------------------------------------- run -- */

/* Builds the options table, zeroes the params block and calls the kernel's prepare. */
static inline tflc_status oc_prepare(opcase *c) {
    oc_build_options(c);
    memset(c->params, 0, sizeof c->params);
    CHECK(c->kernel->params_size <= sizeof c->params);
    c->node.params = c->kernel->params_size ? c->params : NULL;
    c->node.scratch_bytes = 0;
    c->node.thread_scratch_bytes = 0;
    return c->kernel->prepare(&c->node);
}

/* Gives each output (0xAB) and the scratch prepare asked for (0xCD) a block of exactly its
 * size, then calls the kernel's eval. Can be called again after a prepare. */
static inline tflc_status oc_eval(opcase *c) {
    for (int i = 0; i < c->node.n_outputs; i++) {
        tflc_tensor *t = c->outs[i];
        t->data = oc_own(c, t->bytes);
        memset(t->data, 0xAB, t->bytes ? t->bytes : 1);
        t->alloc = TFLC_ALLOC_ARENA;
    }
    c->node.scratch = c->node.scratch_bytes ? oc_own(c, c->node.scratch_bytes) : NULL;
    if (c->node.scratch) memset(c->node.scratch, 0xCD, c->node.scratch_bytes);
    /* One block for all threads' thread scratch, 64-byte strides as graph.c plans them; it
     * ends where the last thread's bytes do. */
    const size_t tb = c->node.thread_scratch_bytes, stride = tflc_arena_round(tb);
    const size_t threads = (size_t)tflc_node_num_threads(&c->node);
    c->node.thread_scratch_stride = stride;
    c->node.thread_scratch = tb ? oc_own(c, (threads - 1) * stride + tb) : NULL;
    if (tb) memset(c->node.thread_scratch, 0xCD, (threads - 1) * stride + tb);
    return c->kernel->eval(&c->node);
}

static inline tflc_status oc_run(opcase *c) {
    tflc_status s = oc_prepare(c);
    return s != TFLC_OK ? s : oc_eval(c);
}

/* A malloc'd copy of `out`'s bytes (their count in *bytes) when `s` (a run's status) is OK,
 * for comparing runs after oc_free; NULL otherwise. */
static inline void *oc_output_copy(tflc_status s, const tflc_tensor *out, size_t *bytes) {
    if (s != TFLC_OK) return NULL;
    void *copy = malloc(out->bytes ? out->bytes : 1);
    if (copy) memcpy(copy, out->data, out->bytes);
    *bytes = out->bytes;
    return copy;
}

/* Frees every block the case owns; the case may then be oc_init'ed again. */
static inline void oc_free(opcase *c) {
    for (int i = 0; i < c->n_owned; i++) free(c->owned[i]);
    c->n_owned = 0;
}

/* `expr` must return `status` and leave a message containing `needle`. */
#define CHECK_FAILS_WITH(expr, status, needle)                                              \
    do {                                                                                    \
        tflc_status check_s_ = (expr);                                                      \
        CHECK_MSG(check_s_ == (status), "status %d, expected %d (%s)", (int)check_s_,       \
                  (int)(status), tflc_last_error());                                        \
        CHECK_STR_CONTAINS(tflc_last_error(), needle);                                      \
    } while (0)

/* Prepare must fail with `status` and a message containing `needle`. */
#define CHECK_PREPARE_FAILS(c, status, needle) CHECK_FAILS_WITH(oc_prepare(c), status, needle)

/* The same, then the case is freed: for a case built only to be refused. */
#define CHECK_FAILS(c, status, needle)                                                      \
    do {                                                                                    \
        CHECK_PREPARE_FAILS(c, status, needle);                                             \
        oc_free(c);                                                                         \
    } while (0)

/* ------------------------------------------------------------ compare -- */
/* Each returns whether the output matches, printing the first difference to stderr. */

static inline bool shape_is(const tflc_tensor *t, int rank, const int32_t *dims) {
    bool ok = t->rank == rank;
    for (int i = 0; ok && i < rank; i++) ok = t->dims[i] == dims[i];
    if (!ok) {
        fprintf(stderr, "  shape is [");
        for (int i = 0; i < t->rank; i++) fprintf(stderr, i ? ",%d" : "%d", (int)t->dims[i]);
        fprintf(stderr, "], expected rank %d\n", rank);
    }
    return ok;
}

/* |got - want| <= tol element-wise; infinities must match exactly. */
static inline bool f32_near(const tflc_tensor *t, const float *want, size_t n, float tol) {
    const float *got = t->data;
    if (tflc_tensor_count(t) != n) {
        fprintf(stderr, "  %zu elements, expected %zu\n", tflc_tensor_count(t), n);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool ok = isinf(want[i]) ? got[i] == want[i] : fabsf(got[i] - want[i]) <= tol;
        if (!ok) {
            fprintf(stderr, "  [%zu] = %.9g, expected %.9g\n", i, (double)got[i], (double)want[i]);
            return false;
        }
    }
    return true;
}

/* Bitwise float equality, except that any NaN equals any NaN. */
static inline bool f32_same(float a, float b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* f32_same element-wise: -0 differs from +0, NaN matches NaN. */
static inline bool f32_eq(const tflc_tensor *t, const float *want, size_t n) {
    const float *got = t->data;
    if (tflc_tensor_count(t) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!f32_same(got[i], want[i])) {
            fprintf(stderr, "  [%zu] = %.9g, expected %.9g\n", i, (double)got[i], (double)want[i]);
            return false;
        }
    return true;
}

/* name(t, want, n): the n elements of t == want, by C's == (so for floats -0 equals +0 and
 * NaN equals nothing). */
#define OC_DEFINE_EQ(name, type, fmt, cast)                                                 \
    static inline bool name(const tflc_tensor *t, const type *want, size_t n) {             \
        const type *got = t->data;                                                          \
        if (tflc_tensor_count(t) != n) {                                                    \
            fprintf(stderr, "  %zu elements, expected %zu\n", tflc_tensor_count(t), n);     \
            return false;                                                                   \
        }                                                                                   \
        for (size_t i = 0; i < n; i++)                                                      \
            if (!(got[i] == want[i])) {                                                     \
                fprintf(stderr, "  [%zu] = " fmt ", expected " fmt "\n", i, (cast)got[i],   \
                        (cast)want[i]);                                                     \
                return false;                                                               \
            }                                                                               \
        return true;                                                                        \
    }
OC_DEFINE_EQ(f32_equal, float, "%.9g", double)
OC_DEFINE_EQ(i64_eq, int64_t, "%lld", long long)
OC_DEFINE_EQ(i32_eq, int32_t, "%lld", long long)
OC_DEFINE_EQ(i16_eq, int16_t, "%lld", long long)
OC_DEFINE_EQ(i8_eq, int8_t, "%lld", long long)
OC_DEFINE_EQ(u8_eq, uint8_t, "%lld", long long)
OC_DEFINE_EQ(b_eq, bool, "%d", int)

/* ------------------------------------------------- broadcasting golden -- */

/* Flat index of the element of t (shape dims[0..rank) right-aligned under the output) that
 * output multi-index idx reads: broadcast (size-1) dims contribute nothing. */
static inline size_t broadcast_index(const tflc_tensor *t, const int32_t *idx, int out_rank) {
    size_t flat = 0;
    for (int d = 0; d < t->rank; d++) {
        int32_t i = idx[out_rank - t->rank + d];
        flat = flat * (size_t)t->dims[d] + (t->dims[d] == 1 ? 0 : (size_t)i);
    }
    return flat;
}

/* The row-major index of element k of `out`, into idx[out->rank]. */
static inline void unflatten(size_t k, const tflc_tensor *out, int32_t *idx) {
    for (int d = out->rank - 1; d >= 0; d--) {
        idx[d] = (int32_t)(k % (size_t)out->dims[d]);
        k /= (size_t)out->dims[d];
    }
}

/* ------------------------------------------------- hand-built subgraphs -- */

/* Descriptors of a subgraph built by hand (the graph-level fusion tests): a tensor of
 * dims[0..rank) with constant data (or NULL: an activation), and an op with n_in of the
 * inputs a, b, c (-1 for none) and the one output o, its index arrays io[3] and out[1] the
 * caller's (they must outlive the descriptor). */
static inline void desc_tensor(tflc_tensor_desc *t, tflc_dtype dtype, const int32_t *dims, int rank,
                               const void *data, size_t bytes) {
    t->name = "";
    t->dtype = dtype;
    t->rank = t->signature_rank = rank;
    for (int k = 0; k < rank; k++) t->shape[k] = t->shape_signature[k] = dims[k];
    t->data = data;
    t->data_size = bytes;
}

static inline void desc_op(tflc_op_desc *op, int32_t *io, int32_t *out, int32_t code, int n_in,
                           int32_t a, int32_t b, int32_t c, int32_t o) {
    io[0] = a, io[1] = b, io[2] = c;
    out[0] = o;
    op->builtin_code = code;
    op->version = 1;
    op->inputs = io;
    op->n_inputs = n_in;
    op->outputs = out;
    op->n_outputs = 1;
}

/* desc_op for the kernel of `oc` (from oc_init), with its options table when it has one
 * (oc_options + oc_build_options): inputs a, b (-1: none), output o. */
static inline void desc_op_of(tflc_op_desc *op, int32_t *io, int32_t *out, const opcase *oc, int n_in,
                              int32_t a, int32_t b, int32_t o) {
    desc_op(op, io, out, oc->op.builtin_code, n_in, a, b, -1, o);
    if (oc->has_opts) {
        op->options_type = oc->op.options_type;
        op->options = oc->op.options;
    }
}

/* Prepares a graph over runner's model (subgraph 0) and invokes it twice, copying each of
 * the n_in float inputs in[k] into graph tensor in_t[k] before each invoke: out receives the
 * out_count floats of tensor out_t after the first, and the second must give the same bytes
 * (CHECK). The graph stays prepared for the caller to inspect; it releases it (also on
 * failure). */
static inline tflc_status graph_run_twice(tflc_graph *g, struct tflc_runner *runner, int n_in,
                                          const int *in_t, const float *const *in, int out_t,
                                          float *out, size_t out_count) {
    tflc_status s = tflc_graph_init(g, runner, 0);
    if (s == TFLC_OK) s = tflc_graph_prepare(g);
    for (int run = 0; run < 2 && s == TFLC_OK; run++) {
        for (int k = 0; k < n_in; k++) memcpy(g->tensors[in_t[k]].data, in[k], g->tensors[in_t[k]].bytes);
        s = tflc_graph_invoke(g);
        CHECK(s != TFLC_OK || g->tensors[out_t].bytes == out_count * sizeof(float));
        if (s != TFLC_OK || g->tensors[out_t].bytes != out_count * sizeof(float)) break;
        if (run == 0) memcpy(out, g->tensors[out_t].data, out_count * sizeof(float));
        else CHECK(memcmp(out, g->tensors[out_t].data, out_count * sizeof(float)) == 0);
    }
    return s;
}

/* ------------------------------------------------------------ float bits -- */

static inline float from_bits(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint32_t to_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* The same float bit for bit, or both NaN (any payload): what "same result" means for the
 * float kernels' tests. */
static inline bool same_value(float a, float b) { return to_bits(a) == to_bits(b) || (isnan(a) && isnan(b)); }

#endif
