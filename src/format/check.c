/*
 * check.c -- semantic checks of a structurally verified model.
 *
 * verify.c proved every field can be read safely; this pass proves the values make sense
 * together, so that the loader and the runtime can index with them without re-checking:
 * tensor, buffer, opcode and subgraph indices are in range, shapes are bounded and match
 * their constant data, quantization parameters agree with the shape, signatures name real
 * tensors, and subgraphs never call themselves (directly or through others).
 *
 * Every loop here runs over elements the structural pass already paid for from its work
 * budget, so the time stays linear in the file size (name sorting adds a log factor).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "format/flatbuf.h"
#include "format/schema.h"
#include "format/string_layout.h"
#include "format/verify.h"

#define SCHEMA_VERSION 3

typedef struct cctx {
    const uint8_t *buf;
    uint64_t size;
    uint64_t max_tensor_bytes;
    char *err;
    size_t err_size;
    const uint8_t *opcodes;     /* vector elements (offsets to OperatorCode) */
    uint32_t n_opcodes;
    const uint8_t *subgraphs;
    uint32_t n_subgraphs;
    const uint8_t *buffers;
    uint32_t n_buffers;
} cctx;

static tflc_status cfail(const cctx *c, tflc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static tflc_status cfail(const cctx *c, tflc_status status, const char *fmt, ...) {
    if (c->err && c->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->err_size, fmt, ap);
        va_end(ap);
    }
    return status;
}

#define TRY(expr)                                                                           \
    do {                                                                                    \
        tflc_status try_s_ = (expr);                                                        \
        if (try_s_ != TFLC_OK) return try_s_;                                               \
    } while (0)

/* Bytes per element by TensorType (kept here, not shared, so the verifier stands alone).
 * 0 for STRING, RESOURCE and VARIANT, whose size is not shape x element. INT4 counts one
 * byte (its unpacked size); its constant data may also be packed two to a byte. */
static const uint8_t dtype_bytes[TFLC_DTYPE_COUNT] = {
    [TFLC_FLOAT32] = 4, [TFLC_FLOAT16] = 2, [TFLC_INT32] = 4, [TFLC_UINT8] = 1,
    [TFLC_INT64] = 8, [TFLC_STRING] = 0, [TFLC_BOOL] = 1, [TFLC_INT16] = 2,
    [TFLC_COMPLEX64] = 8, [TFLC_INT8] = 1, [TFLC_FLOAT64] = 8, [TFLC_COMPLEX128] = 16,
    [TFLC_UINT64] = 8, [TFLC_RESOURCE] = 0, [TFLC_VARIANT] = 0, [TFLC_UINT32] = 4,
    [TFLC_UINT16] = 2, [TFLC_INT4] = 1, [TFLC_BFLOAT16] = 2,
};

/* ---------------------------------------------------------- operator codes -- */

/* TFLite resolves the two code fields this way: the byte field holds codes < 127, the
 * int field the rest, and old files leave the int field 0. */
static int32_t opcode_builtin(const uint8_t *opcode) {
    int32_t deprecated = fb_i8(opcode, OPCODE_DEPRECATED_BUILTIN_CODE, 0);
    int32_t code = fb_i32(opcode, OPCODE_BUILTIN_CODE, 0);
    return deprecated > code ? deprecated : code;
}

static tflc_status check_opcodes(const cctx *c) {
    for (uint32_t i = 0; i < c->n_opcodes; i++) {
        const uint8_t *oc = fb_vec_table(c->opcodes, i);
        int32_t code = opcode_builtin(oc);
        int32_t version = fb_i32(oc, OPCODE_VERSION, 1);
        if (code < 0)
            return cfail(c, TFLC_ERROR_INVALID_MODEL,
                         "operator code %" PRIu32 ": builtin code %" PRId32 " is negative", i, code);
        if (version < 1)
            return cfail(c, TFLC_ERROR_INVALID_MODEL,
                         "operator code %" PRIu32 ": version %" PRId32 " (must be at least 1)",
                         i, version);
        if (code == OPC_CUSTOM && !fb_string(oc, OPCODE_CUSTOM_CODE, NULL))
            return cfail(c, TFLC_ERROR_INVALID_MODEL,
                         "operator code %" PRIu32 ": CUSTOM operator without a custom_code", i);
    }
    return TFLC_OK;
}

/* "FULLY_CONNECTED", a custom op's name, or "builtin 250", for messages. */
static const char *op_label(const cctx *c, const uint8_t *op, char *tmp, size_t tmp_size) {
    uint32_t idx = fb_u32(op, OP_OPCODE_INDEX, 0);
    if (idx >= c->n_opcodes) return "?";
    const uint8_t *oc = fb_vec_table(c->opcodes, idx);
    int32_t code = opcode_builtin(oc);
    const char *custom = fb_string(oc, OPCODE_CUSTOM_CODE, NULL);
    if (code == OPC_CUSTOM && custom) {
        snprintf(tmp, tmp_size, "%.48s", custom);
        return tmp;
    }
    const char *name = tflc_builtin_op_name(code);
    if (name) return name;
    snprintf(tmp, tmp_size, "builtin %" PRId32, code);
    return tmp;
}

/* ---------------------------------------------------------------- buffers -- */

static bool outside_file(const cctx *c, uint64_t offset, uint64_t bytes) {
    return bytes > c->size || offset > c->size - bytes;
}

static tflc_status check_buffers(const cctx *c) {
    for (uint32_t i = 0; i < c->n_buffers; i++) {
        const uint8_t *b = fb_vec_table(c->buffers, i);
        uint32_t data_len;
        fb_vector(b, BUFFER_DATA, &data_len);
        uint64_t offset = fb_u64(b, BUFFER_OFFSET, 0), bytes = fb_u64(b, BUFFER_SIZE, 0);
        if (offset <= 1) continue;      /* 0 and 1 mean "no external data" */
        if (data_len > 0)
            return cfail(c, TFLC_ERROR_INVALID_MODEL,
                         "buffer %" PRIu32 ": has both inline data (%" PRIu32 " bytes) and "
                         "external data at offset %" PRIu64, i, data_len, offset);
        if (outside_file(c, offset, bytes))
            return cfail(c, TFLC_ERROR_INVALID_MODEL,
                         "buffer %" PRIu32 ": external data of %" PRIu64 " bytes at offset %"
                         PRIu64 " lies outside the %" PRIu64 "-byte file", i, bytes, offset,
                         c->size);
    }
    return TFLC_OK;
}

/* Byte size of buffer b's constant contents; false when it holds none. */
/* The bytes of buffer `index` (inline data, or offset/size from the file start, bounds
 * checked before this runs), or NULL when the buffer is empty. */
static const uint8_t *buffer_data(const cctx *c, uint32_t index, uint64_t *bytes) {
    if (index >= c->n_buffers) return NULL;
    const uint8_t *b = fb_vec_table(c->buffers, index);
    uint32_t data_len;
    const uint8_t *data = fb_vector(b, BUFFER_DATA, &data_len);
    uint64_t offset = fb_u64(b, BUFFER_OFFSET, 0);
    *bytes = 0;
    if (data_len > 0) { *bytes = data_len; return data; }
    if (offset > 1) { *bytes = fb_u64(b, BUFFER_SIZE, 0); return c->buf + offset; }
    return NULL;
}

static bool buffer_contents(const cctx *c, uint32_t index, uint64_t *bytes) {
    return buffer_data(c, index, bytes) != NULL;
}

/* ---------------------------------------------------------------- tensors -- */

/* Where a tensor's message starts: "subgraph 0, tensor 12". */
typedef struct tensor_ref {
    uint32_t sg, index;
    const uint8_t *t;
    int32_t type;
    const uint8_t *dims;
    uint32_t rank;
    uint64_t count;             /* element count, valid after check_shape */
} tensor_ref;

#define TENSOR_FMT "subgraph %" PRIu32 ", tensor %" PRIu32 ": "

/* Product of the dims, false on uint64 overflow. A zero dim makes 0 whatever the rest. */
static bool element_count(const uint8_t *dims, uint32_t rank, uint64_t *count) {
    uint64_t n = 1;
    for (uint32_t i = 0; i < rank; i++)
        if (fb_vec_i32(dims, i) == 0) { *count = 0; return true; }
    for (uint32_t i = 0; i < rank; i++) {
        uint64_t d = (uint64_t)fb_vec_i32(dims, i);
        if (n > UINT64_MAX / d) return false;
        n *= d;
    }
    *count = n;
    return true;
}

static tflc_status check_shape(const cctx *c, tensor_ref *r) {
    if (r->rank > TFLC_MAX_RANK)
        return cfail(c, TFLC_ERROR_UNSUPPORTED, TENSOR_FMT "rank %" PRIu32 " exceeds tflc's "
                     "maximum of %d", r->sg, r->index, r->rank, TFLC_MAX_RANK);
    for (uint32_t i = 0; i < r->rank; i++)
        if (fb_vec_i32(r->dims, i) < 0)
            return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "dimension %" PRIu32 " is %"
                         PRId32, r->sg, r->index, i, fb_vec_i32(r->dims, i));
    uint32_t sig_rank;
    const uint8_t *sig = fb_vector(r->t, TENSOR_SHAPE_SIGNATURE, &sig_rank);
    if (sig && sig_rank != r->rank)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "shape_signature has %" PRIu32
                     " dimensions but shape has %" PRIu32, r->sg, r->index, sig_rank, r->rank);
    for (uint32_t i = 0; sig && i < sig_rank; i++)
        if (fb_vec_i32(sig, i) < -1)
            return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "shape_signature dimension %"
                         PRIu32 " is %" PRId32, r->sg, r->index, i, fb_vec_i32(sig, i));
    if (!element_count(r->dims, r->rank, &r->count))
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "element count of the shape "
                     "overflows 64 bits", r->sg, r->index);
    uint64_t elem = dtype_bytes[r->type];
    if (elem == 0) return TFLC_OK;      /* STRING, RESOURCE, VARIANT: size is not shape-bound */
    if (r->count > c->max_tensor_bytes / elem)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "%" PRIu64 " elements of %" PRIu64
                     " bytes exceed the limit of %" PRIu64 " bytes per tensor", r->sg, r->index,
                     r->count, elem, c->max_tensor_bytes);
    return TFLC_OK;
}

/* True when some fixed-size tensor of the model (any subgraph) needs exactly `bytes` from
 * buffer b: the converter lets tensors share one buffer (an int64 bias and a smaller
 * tensor of another signature, say), and the smaller reads only its first bytes. Negative
 * dims make no match; the tensor's own checks reject them. */
static bool buffer_sized_for_another(const cctx *c, uint32_t b, uint64_t bytes) {
    for (uint32_t s = 0; s < c->n_subgraphs; s++) {
        uint32_t n;
        const uint8_t *tensors = fb_vector(fb_vec_table(c->subgraphs, s), SUBGRAPH_TENSORS, &n);
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *t = fb_vec_table(tensors, i);
            int32_t type = fb_i8(t, TENSOR_TYPE, 0);
            if (fb_u32(t, TENSOR_BUFFER, 0) != b || type < 0 || type >= TFLC_DTYPE_COUNT || !dtype_bytes[type])
                continue;
            uint32_t rank;
            const uint8_t *dims = fb_vector(t, TENSOR_SHAPE, &rank);
            bool negative = false;
            for (uint32_t k = 0; k < rank; k++) negative |= fb_vec_i32(dims, k) < 0;
            uint64_t count;
            if (!negative && element_count(dims, rank, &count) && count <= UINT64_MAX / dtype_bytes[type] &&
                count * dtype_bytes[type] == bytes)
                return true;
        }
    }
    return false;
}

static tflc_status check_tensor_buffer(const cctx *c, const tensor_ref *r) {
    uint32_t b = fb_u32(r->t, TENSOR_BUFFER, 0);
    if (b >= c->n_buffers && !(b == 0 && c->n_buffers == 0))
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "buffer %" PRIu32 " out of range "
                     "(model has %" PRIu32 " buffers)", r->sg, r->index, b, c->n_buffers);
    uint64_t bytes;
    if (!buffer_contents(c, b, &bytes)) return TFLC_OK;
    if (r->type == TFLC_RESOURCE || r->type == TFLC_VARIANT) return TFLC_OK;
    if (r->type == TFLC_STRING) {
        /* count, offsets and bytes must describe exactly the shape's strings */
        const uint8_t *data = buffer_data(c, b, &bytes);
        if (!tflc_strings_valid(data, (size_t)bytes, (size_t)r->count))
            return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "string buffer %" PRIu32
                         " (%" PRIu64 " bytes) is not a valid layout of %" PRIu64 " strings",
                         r->sg, r->index, b, bytes, r->count);
        return TFLC_OK;
    }
    uint64_t need = r->count * dtype_bytes[r->type];   /* bounded by check_shape */
    bool ok = bytes == need;
    if (r->type == TFLC_INT4) ok = ok || bytes == (r->count + 1) / 2;   /* packed */
    if (!ok && bytes > need && r->type != TFLC_INT4) ok = buffer_sized_for_another(c, b, bytes);
    if (!ok)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "buffer %" PRIu32 " holds %" PRIu64
                     " bytes but the shape and type need %" PRIu64, r->sg, r->index, b, bytes,
                     need);
    return TFLC_OK;
}

/* As TFLite's InterpreterBuilder: no scales means not quantized; otherwise as many zero
 * points as scales, a valid axis, and per-channel counts equal to that axis' size. */
static tflc_status check_quantization(const cctx *c, const tensor_ref *r) {
    const uint8_t *q = fb_table(r->t, TENSOR_QUANTIZATION);
    if (!q) return TFLC_OK;
    uint32_t n_scales, n_zero_points;
    fb_vector(q, QUANT_SCALE, &n_scales);
    fb_vector(q, QUANT_ZERO_POINT, &n_zero_points);
    if (n_scales == 0) return TFLC_OK;
    if (n_zero_points != n_scales)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "%" PRIu32 " quantization scales "
                     "but %" PRIu32 " zero points", r->sg, r->index, n_scales, n_zero_points);
    int32_t axis = fb_i32(q, QUANT_QUANTIZED_DIMENSION, 0);
    if (axis < 0 || (r->rank > 0 && (uint32_t)axis >= r->rank))
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "quantized_dimension %" PRId32
                     " out of range for rank %" PRIu32, r->sg, r->index, axis, r->rank);
    if (n_scales == 1) return TFLC_OK;
    if (r->rank == 0)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "%" PRIu32 " per-channel scales on "
                     "a tensor without a shape", r->sg, r->index, n_scales);
    int32_t channels = fb_vec_i32(r->dims, (uint32_t)axis);
    if ((int64_t)n_scales != channels)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "%" PRIu32 " quantization scales "
                     "but dimension %" PRId32 " has size %" PRId32, r->sg, r->index, n_scales,
                     axis, channels);
    return TFLC_OK;
}

static tflc_status check_tensor(const cctx *c, uint32_t sg, uint32_t index, const uint8_t *t) {
    tensor_ref r = {.sg = sg, .index = index, .t = t};
    r.type = fb_i8(t, TENSOR_TYPE, 0);
    r.dims = fb_vector(t, TENSOR_SHAPE, &r.rank);
    if (r.type < 0 || r.type >= TFLC_DTYPE_COUNT)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, TENSOR_FMT "unknown type %" PRId32, sg, index,
                     r.type);
    TRY(check_shape(c, &r));
    TRY(check_tensor_buffer(c, &r));
    TRY(check_quantization(c, &r));
    if (fb_table(t, TENSOR_SPARSITY))
        return cfail(c, TFLC_ERROR_UNSUPPORTED, TENSOR_FMT "sparse tensors are not supported",
                     sg, index);
    return TFLC_OK;
}

/* -------------------------------------------------------------- operators -- */

/* The subgraphs an operator calls: CALL, IF, WHILE and CALL_ONCE name one or two. */
typedef struct callees {
    int n;                      /* 0 for other operators */
    uint8_t options_type;       /* the BuiltinOptions type the operator needs */
    const char *options_name;
    int64_t index[2];
} callees;

static void op_callees(const cctx *c, const uint8_t *op, callees *out) {
    const uint8_t *oc = fb_vec_table(c->opcodes, fb_u32(op, OP_OPCODE_INDEX, 0));
    *out = (callees){0};
    switch (opcode_builtin(oc)) {
    case OPC_CALL: *out = (callees){1, BO_Call, "CallOptions", {0}}; break;
    case OPC_IF: *out = (callees){2, BO_If, "IfOptions", {0}}; break;
    case OPC_WHILE: *out = (callees){2, BO_While, "WhileOptions", {0}}; break;
    case OPC_CALL_ONCE: *out = (callees){1, BO_CallOnce, "CallOnceOptions", {0}}; break;
    default: return;
    }
    /* Absent options read as the schema defaults (0), as fb_u32 / fb_i32 would. */
    const uint8_t *opt = NULL;
    if (fb_u8(op, OP_BUILTIN_OPTIONS_TYPE, BO_NONE) == out->options_type)
        opt = fb_table(op, OP_BUILTIN_OPTIONS);
    if (!opt) return;
    switch (out->options_type) {
    case BO_Call: out->index[0] = fb_u32(opt, CALL_OPT_SUBGRAPH, 0); break;
    case BO_CallOnce: out->index[0] = fb_i32(opt, CALL_ONCE_OPT_INIT, 0); break;
    case BO_If:
        out->index[0] = fb_i32(opt, IF_OPT_THEN, 0);
        out->index[1] = fb_i32(opt, IF_OPT_ELSE, 0);
        break;
    default:
        out->index[0] = fb_i32(opt, WHILE_OPT_COND, 0);
        out->index[1] = fb_i32(opt, WHILE_OPT_BODY, 0);
        break;
    }
}

#define OP_FMT "subgraph %" PRIu32 ", operator %" PRIu32 " (%s): "

static tflc_status check_calls(const cctx *c, uint32_t sg, uint32_t index, const uint8_t *op,
                               const char *label) {
    callees k;
    op_callees(c, op, &k);
    if (k.n == 0) return TFLC_OK;
    uint8_t type = fb_u8(op, OP_BUILTIN_OPTIONS_TYPE, BO_NONE);
    if (type != k.options_type)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, OP_FMT "needs %s (builtin_options_type %d) "
                     "but has type %d", sg, index, label, k.options_name, k.options_type, type);
    for (int i = 0; i < k.n; i++)
        if (k.index[i] < 0 || k.index[i] >= (int64_t)c->n_subgraphs)
            return cfail(c, TFLC_ERROR_INVALID_MODEL, OP_FMT "calls subgraph %" PRId64 ", out "
                         "of range (model has %" PRIu32 " subgraphs)", sg, index, label,
                         k.index[i], c->n_subgraphs);
    return TFLC_OK;
}

/* Every element of op's index vector at `slot` is a tensor of the subgraph (or -1 when
 * optional inputs are allowed). */
static tflc_status check_indices(const cctx *c, uint32_t sg, uint32_t index, const uint8_t *op,
                                 const char *label, int slot, const char *what,
                                 bool allow_optional, uint32_t n_tensors) {
    uint32_t n;
    const uint8_t *v = fb_vector(op, slot, &n);
    for (uint32_t i = 0; i < n; i++) {
        int32_t t = fb_vec_i32(v, i);
        if (allow_optional && t == -1) continue;
        if (t < 0 || (uint32_t)t >= n_tensors)
            return cfail(c, TFLC_ERROR_INVALID_MODEL, OP_FMT "%s %" PRIu32 " is tensor %" PRId32
                         ", out of range (subgraph has %" PRIu32 " tensors)", sg, index, label,
                         what, i, t, n_tensors);
    }
    return TFLC_OK;
}

static tflc_status check_operator(const cctx *c, uint32_t sg, uint32_t index, const uint8_t *op,
                                  uint32_t n_tensors) {
    uint32_t opcode = fb_u32(op, OP_OPCODE_INDEX, 0);
    if (opcode >= c->n_opcodes)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, "subgraph %" PRIu32 ", operator %" PRIu32
                     ": opcode_index %" PRIu32 " out of range (model has %" PRIu32 " operator "
                     "codes)", sg, index, opcode, c->n_opcodes);
    char tmp[64];
    const char *label = op_label(c, op, tmp, sizeof tmp);
    TRY(check_indices(c, sg, index, op, label, OP_INPUTS, "input", true, n_tensors));
    TRY(check_indices(c, sg, index, op, label, OP_OUTPUTS, "output", false, n_tensors));
    TRY(check_indices(c, sg, index, op, label, OP_INTERMEDIATES, "intermediate", false,
                      n_tensors));
    uint64_t offset = fb_u64(op, OP_LARGE_CUSTOM_OPTIONS_OFFSET, 0);
    uint64_t bytes = fb_u64(op, OP_LARGE_CUSTOM_OPTIONS_SIZE, 0);
    if (offset > 1 && outside_file(c, offset, bytes))
        return cfail(c, TFLC_ERROR_INVALID_MODEL, OP_FMT "custom options of %" PRIu64 " bytes "
                     "at offset %" PRIu64 " lie outside the %" PRIu64 "-byte file", sg, index,
                     label, bytes, offset, c->size);
    return check_calls(c, sg, index, op, label);
}

/* -------------------------------------------------------------- subgraphs -- */

static tflc_status check_io(const cctx *c, uint32_t sg, const uint8_t *g, int slot,
                            const char *what, uint32_t n_tensors) {
    uint32_t n;
    const uint8_t *v = fb_vector(g, slot, &n);
    for (uint32_t i = 0; i < n; i++) {
        int32_t t = fb_vec_i32(v, i);
        if (t < 0 || (uint32_t)t >= n_tensors)
            return cfail(c, TFLC_ERROR_INVALID_MODEL, "subgraph %" PRIu32 ": %s %" PRIu32
                         " is tensor %" PRId32 ", out of range (subgraph has %" PRIu32
                         " tensors)", sg, what, i, t, n_tensors);
    }
    return TFLC_OK;
}

static uint32_t subgraph_tensor_count(const cctx *c, uint32_t sg) {
    uint32_t n;
    fb_vector(fb_vec_table(c->subgraphs, sg), SUBGRAPH_TENSORS, &n);
    return n;
}

static tflc_status check_subgraph(const cctx *c, uint32_t sg) {
    const uint8_t *g = fb_vec_table(c->subgraphs, sg);
    uint32_t n_tensors, n_ops;
    const uint8_t *tensors = fb_vector(g, SUBGRAPH_TENSORS, &n_tensors);
    const uint8_t *ops = fb_vector(g, SUBGRAPH_OPERATORS, &n_ops);
    for (uint32_t i = 0; i < n_tensors; i++)
        TRY(check_tensor(c, sg, i, fb_vec_table(tensors, i)));
    TRY(check_io(c, sg, g, SUBGRAPH_INPUTS, "input", n_tensors));
    TRY(check_io(c, sg, g, SUBGRAPH_OUTPUTS, "output", n_tensors));
    for (uint32_t i = 0; i < n_ops; i++)
        TRY(check_operator(c, sg, i, fb_vec_table(ops, i), n_tensors));
    return TFLC_OK;
}

/* -------------------------------------------------------------- call graph -- */

enum { WHITE = 0, GRAY = 1, BLACK = 2 };   /* unvisited, on the DFS stack, done */

typedef struct dfs_frame {
    uint32_t sg;
    uint32_t op;                /* operator being expanded */
    int edge;                   /* next callee of that operator */
} dfs_frame;

/* Advances f to its next call edge; false when the subgraph has no more. */
static bool next_call(const cctx *c, dfs_frame *f, uint32_t *callee) {
    uint32_t n_ops;
    const uint8_t *ops = fb_vector(fb_vec_table(c->subgraphs, f->sg), SUBGRAPH_OPERATORS, &n_ops);
    for (; f->op < n_ops; f->op++, f->edge = 0) {
        callees k;
        op_callees(c, fb_vec_table(ops, f->op), &k);
        if (f->edge < k.n) {
            *callee = (uint32_t)k.index[f->edge++];   /* range-checked by check_calls */
            return true;
        }
    }
    return false;
}

/* Iterative DFS from root; the explicit stack holds at most one frame per subgraph. */
static tflc_status dfs_from(const cctx *c, uint32_t root, uint8_t *color, dfs_frame *stack) {
    int64_t top = 0;
    stack[0] = (dfs_frame){root, 0, 0};
    color[root] = GRAY;
    while (top >= 0) {
        dfs_frame *f = &stack[top];
        uint32_t callee;
        if (!next_call(c, f, &callee)) {
            color[f->sg] = BLACK;
            top--;
        } else if (color[callee] == GRAY) {
            char tmp[64];
            const uint8_t *g = fb_vec_table(c->subgraphs, f->sg);
            uint32_t n_ops;
            const uint8_t *op = fb_vec_table(fb_vector(g, SUBGRAPH_OPERATORS, &n_ops), f->op);
            return cfail(c, TFLC_ERROR_INVALID_MODEL, OP_FMT "calls subgraph %" PRIu32
                         " recursively", f->sg, f->op, op_label(c, op, tmp, sizeof tmp), callee);
        } else if (color[callee] == WHITE) {
            color[callee] = GRAY;
            stack[++top] = (dfs_frame){callee, 0, 0};
        }
    }
    return TFLC_OK;
}

static tflc_status check_call_graph(const cctx *c) {
    uint8_t *color = calloc(c->n_subgraphs, 1);
    dfs_frame *stack = calloc(c->n_subgraphs, sizeof *stack);
    tflc_status st = TFLC_OK;
    if (!color || !stack)
        st = cfail(c, TFLC_ERROR_OUT_OF_MEMORY, "out of memory checking %" PRIu32 " subgraphs",
                   c->n_subgraphs);
    for (uint32_t sg = 0; st == TFLC_OK && sg < c->n_subgraphs; sg++)
        if (color[sg] == WHITE) st = dfs_from(c, sg, color, stack);
    free(color);
    free(stack);
    return st;
}

/* -------------------------------------------------------------- signatures -- */

static int compare_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts names[0..n) and returns one that occurs twice, or NULL. Names compare as C strings
 * because that is how callers look them up. */
static const char *find_duplicate(const char **names, uint32_t n) {
    if (n < 2) return NULL;
    qsort(names, n, sizeof *names, compare_names);
    for (uint32_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) == 0) return names[i];
    return NULL;
}

static tflc_status check_tensor_maps(const cctx *c, uint32_t s, const char *key,
                                     const uint8_t *sig, int slot, const char *what,
                                     uint32_t n_tensors) {
    uint32_t n;
    const uint8_t *maps = fb_vector(sig, slot, &n);
    if (n == 0) return TFLC_OK;
    const char **names = calloc(n, sizeof *names);
    if (!names) return cfail(c, TFLC_ERROR_OUT_OF_MEMORY, "out of memory checking signatures");
    tflc_status st = TFLC_OK;
    for (uint32_t i = 0; i < n && st == TFLC_OK; i++) {
        const uint8_t *m = fb_vec_table(maps, i);
        uint32_t t = fb_u32(m, TENSORMAP_TENSOR_INDEX, 0);
        names[i] = fb_string(m, TENSORMAP_NAME, NULL);
        if (!names[i])
            st = cfail(c, TFLC_ERROR_INVALID_MODEL, "signature %" PRIu32 " (\"%.64s\"): %s %"
                       PRIu32 " has no name", s, key, what, i);
        else if (t >= n_tensors)
            st = cfail(c, TFLC_ERROR_INVALID_MODEL, "signature %" PRIu32 " (\"%.64s\"): %s \"%.64s\""
                       " is tensor %" PRIu32 ", out of range (subgraph has %" PRIu32 " tensors)",
                       s, key, what, names[i], t, n_tensors);
    }
    const char *dup = st == TFLC_OK ? find_duplicate(names, n) : NULL;
    if (dup)
        st = cfail(c, TFLC_ERROR_INVALID_MODEL, "signature %" PRIu32 " (\"%.64s\"): %s name "
                   "\"%.64s\" appears twice", s, key, what, dup);
    free(names);
    return st;
}

static tflc_status check_signature(const cctx *c, uint32_t s, const uint8_t *sig, const char **key) {
    *key = fb_string(sig, SIGDEF_SIGNATURE_KEY, NULL);
    if (!*key)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, "signature %" PRIu32 ": no signature_key", s);
    uint32_t sg = fb_u32(sig, SIGDEF_SUBGRAPH_INDEX, 0);
    if (sg >= c->n_subgraphs)
        return cfail(c, TFLC_ERROR_INVALID_MODEL, "signature %" PRIu32 " (\"%.64s\"): subgraph %"
                     PRIu32 " out of range (model has %" PRIu32 " subgraphs)", s, *key, sg,
                     c->n_subgraphs);
    uint32_t n_tensors = subgraph_tensor_count(c, sg);
    TRY(check_tensor_maps(c, s, *key, sig, SIGDEF_INPUTS, "input", n_tensors));
    return check_tensor_maps(c, s, *key, sig, SIGDEF_OUTPUTS, "output", n_tensors);
}

static tflc_status check_signatures(const cctx *c, const uint8_t *model) {
    uint32_t n;
    const uint8_t *sigs = fb_vector(model, MODEL_SIGNATURE_DEFS, &n);
    if (n == 0) return TFLC_OK;
    const char **keys = calloc(n, sizeof *keys);
    if (!keys) return cfail(c, TFLC_ERROR_OUT_OF_MEMORY, "out of memory checking signatures");
    tflc_status st = TFLC_OK;
    for (uint32_t i = 0; i < n && st == TFLC_OK; i++)
        st = check_signature(c, i, fb_vec_table(sigs, i), &keys[i]);
    const char *dup = st == TFLC_OK ? find_duplicate(keys, n) : NULL;
    if (dup)
        st = cfail(c, TFLC_ERROR_INVALID_MODEL, "signature key \"%.64s\" appears twice", dup);
    free(keys);
    return st;
}

/* ------------------------------------------------------------------- entry -- */

tflc_status tflc_check_model(const uint8_t *buf, size_t size, const tflc_verify_limits *lim,
                             char *err, size_t err_size) {
    const uint8_t *model = fb_root(buf);
    cctx c = {.buf = buf, .size = size, .max_tensor_bytes = lim->max_tensor_bytes,
              .err = err, .err_size = err_size};
    uint32_t version = fb_u32(model, MODEL_VERSION, 0);
    if (version != SCHEMA_VERSION)
        return cfail(&c, TFLC_ERROR_UNSUPPORTED, "model has schema version %" PRIu32 "; tflc "
                     "reads version %d", version, SCHEMA_VERSION);
    c.opcodes = fb_vector(model, MODEL_OPERATOR_CODES, &c.n_opcodes);
    c.subgraphs = fb_vector(model, MODEL_SUBGRAPHS, &c.n_subgraphs);
    c.buffers = fb_vector(model, MODEL_BUFFERS, &c.n_buffers);
    if (c.n_subgraphs == 0)
        return cfail(&c, TFLC_ERROR_INVALID_MODEL, "model has no subgraphs");
    TRY(check_opcodes(&c));
    TRY(check_buffers(&c));
    for (uint32_t sg = 0; sg < c.n_subgraphs; sg++) TRY(check_subgraph(&c, sg));
    TRY(check_signatures(&c, model));
    return check_call_graph(&c);
}
