/*
 * nodedef.c -- protobuf wire reading and the NodeDef / AttrValue decoding of nodedef.h.
 */
#include <string.h>

#include "ops/flex/nodedef.h"

/* ------------------------------------------------------------ wire format -- */

static bool pb_fail(tflc_pb_reader *r, const char *why) {
    if (!r->error) r->error = why;
    return false;
}

static bool read_varint(tflc_pb_reader *r, uint64_t *out) {
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (r->pos >= r->end) return pb_fail(r, "truncated varint");
        uint8_t b = *r->pos++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return pb_fail(r, "varint longer than 10 bytes");
}

static bool read_fixed(tflc_pb_reader *r, unsigned bytes, uint64_t *out) {
    if ((size_t)(r->end - r->pos) < bytes) return pb_fail(r, "truncated fixed-width field");
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) v |= (uint64_t)r->pos[i] << (8 * i);
    r->pos += bytes;
    *out = v;
    return true;
}

/* Reads a tag: field number (1 .. 2^29-1) and wire type (0-5). */
static bool read_tag(tflc_pb_reader *r, uint32_t *number, int *wire) {
    uint64_t tag;
    if (!read_varint(r, &tag)) return false;
    if (tag > UINT32_MAX || (tag >> 3) == 0) return pb_fail(r, "invalid field number");
    if ((tag & 7) > TFLC_PB_FIXED32) return pb_fail(r, "invalid wire type");
    *number = (uint32_t)(tag >> 3);
    *wire = (int)(tag & 7);
    return true;
}

/* The payload of a field other than a group. */
static bool read_payload(tflc_pb_reader *r, int wire, tflc_pb_field *f) {
    uint64_t len;
    f->value = 0;
    f->data = NULL;
    f->size = 0;
    switch (wire) {
    case TFLC_PB_VARINT: return read_varint(r, &f->value);
    case TFLC_PB_FIXED64: return read_fixed(r, 8, &f->value);
    case TFLC_PB_FIXED32: return read_fixed(r, 4, &f->value);
    case TFLC_PB_BYTES:
        if (!read_varint(r, &len)) return false;
        if (len > (uint64_t)(r->end - r->pos)) return pb_fail(r, "length-delimited field runs past the end");
        f->data = r->pos;
        f->size = (size_t)len;
        r->pos += len;
        return true;
    default: return pb_fail(r, "unexpected end-group");
    }
}

/* Skips a group whose start tag (field `number`) was just read, nested groups included. */
static bool skip_group(tflc_pb_reader *r, uint32_t number) {
    uint32_t open[TFLC_PB_MAX_DEPTH];
    int depth = 0;
    open[depth++] = number;
    while (depth > 0) {
        uint32_t n;
        int wire;
        tflc_pb_field f;
        if (r->pos >= r->end) return pb_fail(r, "unterminated group");
        if (!read_tag(r, &n, &wire)) return false;
        if (wire == TFLC_PB_GROUP_START) {
            if (depth == TFLC_PB_MAX_DEPTH) return pb_fail(r, "groups nested too deeply");
            open[depth++] = n;
        } else if (wire == TFLC_PB_GROUP_END) {
            if (open[depth - 1] != n) return pb_fail(r, "mismatched end-group");
            depth--;
        } else if (!read_payload(r, wire, &f)) {
            return false;
        }
    }
    return true;
}

int tflc_pb_next(tflc_pb_reader *r, tflc_pb_field *f) {
    for (;;) {
        if (r->error) return -1;
        if (r->pos >= r->end) return 0;
        uint32_t number;
        int wire;
        if (!read_tag(r, &number, &wire)) return -1;
        if (wire == TFLC_PB_GROUP_START) {
            if (!skip_group(r, number)) return -1;
            continue;
        }
        if (wire == TFLC_PB_GROUP_END) {
            pb_fail(r, "unexpected end-group");
            return -1;
        }
        f->number = number;
        f->wire = wire;
        return read_payload(r, wire, f) ? 1 : -1;
    }
}

/* -------------------------------------------------------------- AttrValue -- */

static float float_of_bits(uint64_t bits) {
    uint32_t b32 = (uint32_t)bits;
    float v;
    memcpy(&v, &b32, sizeof v);
    return v;
}

/* Wire type each AttrValue member is encoded with (index: field number). */
static const int attr_wire[11] = {
    [TFLC_ATTR_LIST] = TFLC_PB_BYTES,   [TFLC_ATTR_S] = TFLC_PB_BYTES,
    [TFLC_ATTR_I] = TFLC_PB_VARINT,     [TFLC_ATTR_F] = TFLC_PB_FIXED32,
    [TFLC_ATTR_B] = TFLC_PB_VARINT,     [TFLC_ATTR_TYPE] = TFLC_PB_VARINT,
    [TFLC_ATTR_SHAPE] = TFLC_PB_BYTES,  [TFLC_ATTR_TENSOR] = TFLC_PB_BYTES,
    [TFLC_ATTR_PLACEHOLDER] = TFLC_PB_BYTES, [TFLC_ATTR_FUNC] = TFLC_PB_BYTES,
};

static bool is_message_member(int kind) {
    return kind == TFLC_ATTR_LIST || kind == TFLC_ATTR_SHAPE || kind == TFLC_ATTR_TENSOR || kind == TFLC_ATTR_FUNC;
}

/* Decodes one serialized AttrValue into *a, on top of what *a holds (protobuf merges
 * repeated occurrences of a message field). */
static bool parse_attr_value(const uint8_t *data, size_t size, tflc_attr *a, const char **error) {
    tflc_pb_reader r = tflc_pb_reader_init(data, size);
    tflc_pb_field f;
    int k;
    while ((k = tflc_pb_next(&r, &f)) == 1) {
        if (f.number < 1 || f.number > TFLC_ATTR_FUNC || f.wire != attr_wire[f.number]) continue;
        int kind = (int)f.number;
        /* Merging two messages of one member would concatenate them; refuse instead. */
        if (is_message_member(kind) && a->kind == (tflc_attr_kind)kind) {
            *error = "an AttrValue repeats its list, shape, tensor or func message";
            return false;
        }
        a->kind = (tflc_attr_kind)kind;
        a->i = 0;
        a->f = 0.0f;
        a->bytes = NULL;
        a->size = 0;
        switch (kind) {
        case TFLC_ATTR_I: a->i = (int64_t)f.value; break;
        case TFLC_ATTR_F: a->f = float_of_bits(f.value); break;
        case TFLC_ATTR_B: a->i = f.value != 0; break;
        case TFLC_ATTR_TYPE: a->i = (int32_t)(uint32_t)f.value; break; /* enums are int32 */
        default: a->bytes = f.data; a->size = f.size; break;
        }
    }
    if (k < 0) {
        *error = r.error;
        return false;
    }
    return true;
}

/* --------------------------------------------------------------- NodeDef -- */

static int find_attr(const tflc_nodedef *nd, const char *name, size_t len) {
    for (int i = 0; i < nd->n_attrs; i++)
        if (nd->attrs[i].name_len == len && memcmp(nd->attrs[i].name, name, len) == 0) return i;
    return -1;
}

/* One map<string, AttrValue> entry: key (1) and value (2), in any order. */
static bool parse_attr_entry(const uint8_t *data, size_t size, tflc_nodedef *nd) {
    tflc_pb_reader r = tflc_pb_reader_init(data, size);
    tflc_pb_field f;
    tflc_attr a = {.name = "", .kind = TFLC_ATTR_NONE};
    int k;
    while ((k = tflc_pb_next(&r, &f)) == 1) {
        if (f.wire != TFLC_PB_BYTES) continue;
        if (f.number == 1) {
            a.name = (const char *)f.data;
            a.name_len = f.size;
        } else if (f.number == 2) {
            if (!parse_attr_value(f.data, f.size, &a, &nd->error)) return false;
        }
    }
    if (k < 0) {
        nd->error = r.error;
        return false;
    }
    int at = find_attr(nd, a.name, a.name_len);
    if (at < 0) {
        if (nd->n_attrs == TFLC_NODEDEF_MAX_ATTRS) {
            nd->error = "more attrs than tflc reads (32)";
            return false;
        }
        at = nd->n_attrs++;
    }
    nd->attrs[at] = a;
    return true;
}

bool tflc_nodedef_parse(const void *data, size_t size, tflc_nodedef *out) {
    memset(out, 0, sizeof *out);
    out->name = out->op = out->device = "";
    tflc_pb_reader r = tflc_pb_reader_init(data, size);
    tflc_pb_field f;
    int k;
    while ((k = tflc_pb_next(&r, &f)) == 1) {
        if (f.wire != TFLC_PB_BYTES) continue;
        switch (f.number) {
        case 1: out->name = (const char *)f.data; out->name_len = f.size; break;
        case 2: out->op = (const char *)f.data; out->op_len = f.size; break;
        case 3: out->n_inputs++; break;
        case 4: out->device = (const char *)f.data; out->device_len = f.size; break;
        case 5:
            if (!parse_attr_entry(f.data, f.size, out)) return false;
            break;
        default: break;
        }
    }
    if (k < 0) {
        out->error = r.error;
        return false;
    }
    /* Empty strings may point at NULL data (empty payload at the buffer's end). */
    if (!out->name) out->name = "";
    if (!out->op) out->op = "";
    if (!out->device) out->device = "";
    return true;
}

bool tflc_nodedef_op_is(const tflc_nodedef *nd, const char *op) {
    size_t len = strlen(op);
    return nd->op_len == len && memcmp(nd->op, op, len) == 0;
}

const tflc_attr *tflc_nodedef_attr(const tflc_nodedef *nd, const char *name) {
    int at = find_attr(nd, name, strlen(name));
    return at < 0 ? NULL : &nd->attrs[at];
}

static tflc_attr_get lookup(const tflc_nodedef *nd, const char *name, tflc_attr_kind kind, const tflc_attr **a) {
    *a = tflc_nodedef_attr(nd, name);
    if (!*a) return TFLC_ATTR_MISSING;
    return (*a)->kind == kind ? TFLC_ATTR_OK : TFLC_ATTR_MISMATCH;
}

tflc_attr_get tflc_nodedef_attr_int(const tflc_nodedef *nd, const char *name, int64_t *out) {
    const tflc_attr *a;
    tflc_attr_get g = lookup(nd, name, TFLC_ATTR_I, &a);
    if (g == TFLC_ATTR_OK) *out = a->i;
    return g;
}

tflc_attr_get tflc_nodedef_attr_float(const tflc_nodedef *nd, const char *name, float *out) {
    const tflc_attr *a;
    tflc_attr_get g = lookup(nd, name, TFLC_ATTR_F, &a);
    if (g == TFLC_ATTR_OK) *out = a->f;
    return g;
}

tflc_attr_get tflc_nodedef_attr_bool(const tflc_nodedef *nd, const char *name, bool *out) {
    const tflc_attr *a;
    tflc_attr_get g = lookup(nd, name, TFLC_ATTR_B, &a);
    if (g == TFLC_ATTR_OK) *out = a->i != 0;
    return g;
}

tflc_attr_get tflc_nodedef_attr_type(const tflc_nodedef *nd, const char *name, int *out) {
    const tflc_attr *a;
    tflc_attr_get g = lookup(nd, name, TFLC_ATTR_TYPE, &a);
    if (g == TFLC_ATTR_OK) *out = (int)a->i;
    return g;
}

tflc_attr_get tflc_nodedef_attr_string(const tflc_nodedef *nd, const char *name, const char **data,
                                       size_t *len) {
    const tflc_attr *a;
    tflc_attr_get g = lookup(nd, name, TFLC_ATTR_S, &a);
    if (g == TFLC_ATTR_OK) {
        *data = a->bytes ? (const char *)a->bytes : "";
        *len = a->size;
    }
    return g;
}

const char *tflc_attr_kind_name(tflc_attr_kind kind) {
    static const char *const names[] = {"empty", "list", "string", "int", "float", "bool",
                                        "type", "shape", "tensor", "placeholder", "func"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* ------------------------------------------------------------------ lists -- */

/* Finds element `index` of ListValue member `member` (counting all when index is SIZE_MAX).
 * *count receives the number of elements seen; *elem the wanted one's raw value. */
static bool list_scan(const tflc_attr *a, int member, size_t index, size_t *count, tflc_pb_field *elem) {
    if (a->kind != TFLC_ATTR_LIST) return false;
    bool fixed32 = member == TFLC_ATTR_F;
    bool numeric = member != TFLC_ATTR_S;
    int wire = member == TFLC_ATTR_S ? TFLC_PB_BYTES : fixed32 ? TFLC_PB_FIXED32 : TFLC_PB_VARINT;
    tflc_pb_reader r = tflc_pb_reader_init(a->bytes, a->size);
    tflc_pb_field f;
    size_t n = 0;
    int k;
    while ((k = tflc_pb_next(&r, &f)) == 1) {
        if ((int)f.number != member) continue;
        if (f.wire == wire) {
            if (n++ == index) *elem = f;
        } else if (numeric && f.wire == TFLC_PB_BYTES) {
            /* packed: the payload is a run of varints or of 4-byte floats */
            tflc_pb_reader p = tflc_pb_reader_init(f.data, f.size);
            if (fixed32 && f.size % 4) return false;
            while (p.pos < p.end) {
                tflc_pb_field e = {.number = f.number, .wire = wire};
                if (!read_payload(&p, wire, &e)) return false;
                if (n++ == index) *elem = e;
            }
        }
    }
    *count = n;
    return k == 0;
}

bool tflc_attr_list_count(const tflc_attr *a, tflc_attr_kind member, size_t *n) {
    tflc_pb_field unused;
    if (member < TFLC_ATTR_S || member > TFLC_ATTR_TYPE) return false;
    return list_scan(a, member, SIZE_MAX, n, &unused);
}

static bool list_element(const tflc_attr *a, int member, size_t index, tflc_pb_field *elem) {
    size_t n;
    return list_scan(a, member, index, &n, elem) && index < n;
}

bool tflc_attr_list_int(const tflc_attr *a, size_t index, int64_t *out) {
    tflc_pb_field e = {0};
    if (!list_element(a, TFLC_ATTR_I, index, &e)) return false;
    *out = (int64_t)e.value;
    return true;
}

bool tflc_attr_list_float(const tflc_attr *a, size_t index, float *out) {
    tflc_pb_field e = {0};
    if (!list_element(a, TFLC_ATTR_F, index, &e)) return false;
    *out = float_of_bits(e.value);
    return true;
}

bool tflc_attr_list_bool(const tflc_attr *a, size_t index, bool *out) {
    tflc_pb_field e = {0};
    if (!list_element(a, TFLC_ATTR_B, index, &e)) return false;
    *out = e.value != 0;
    return true;
}

bool tflc_attr_list_type(const tflc_attr *a, size_t index, int *out) {
    tflc_pb_field e = {0};
    if (!list_element(a, TFLC_ATTR_TYPE, index, &e)) return false;
    *out = (int32_t)(uint32_t)e.value;
    return true;
}

bool tflc_attr_list_string(const tflc_attr *a, size_t index, const char **data, size_t *len) {
    tflc_pb_field e = {0};
    if (!list_element(a, TFLC_ATTR_S, index, &e)) return false;
    *data = e.data ? (const char *)e.data : "";
    *len = e.size;
    return true;
}

/* ------------------------------------------------------------------ shape -- */

bool tflc_attr_shape(const tflc_attr *a, int64_t *dims, int max_rank, int *rank, bool *unknown_rank) {
    if (a->kind != TFLC_ATTR_SHAPE) return false;
    tflc_pb_reader r = tflc_pb_reader_init(a->bytes, a->size);
    tflc_pb_field f;
    int n = 0, k;
    *unknown_rank = false;
    while ((k = tflc_pb_next(&r, &f)) == 1) {
        if (f.number == 3 && f.wire == TFLC_PB_VARINT) {
            *unknown_rank = f.value != 0;
        } else if (f.number == 2 && f.wire == TFLC_PB_BYTES) {
            if (n == max_rank) return false;
            int64_t size = 0; /* proto3 default */
            tflc_pb_reader d = tflc_pb_reader_init(f.data, f.size);
            tflc_pb_field g;
            int kd;
            while ((kd = tflc_pb_next(&d, &g)) == 1)
                if (g.number == 1 && g.wire == TFLC_PB_VARINT) size = (int64_t)g.value;
            if (kd < 0) return false;
            dims[n++] = size;
        }
    }
    *rank = n;
    return k == 0;
}

/* ------------------------------------------------------- TensorFlow dtypes -- */

static const struct {
    int tf;
    tflc_dtype dtype;
    const char *name;
} tf_dtypes[] = {
    {TFLC_TF_FLOAT, TFLC_FLOAT32, "float"},       {TFLC_TF_DOUBLE, TFLC_FLOAT64, "double"},
    {TFLC_TF_INT32, TFLC_INT32, "int32"},         {TFLC_TF_UINT8, TFLC_UINT8, "uint8"},
    {TFLC_TF_INT16, TFLC_INT16, "int16"},         {TFLC_TF_INT8, TFLC_INT8, "int8"},
    {TFLC_TF_STRING, TFLC_STRING, "string"},      {TFLC_TF_COMPLEX64, TFLC_COMPLEX64, "complex64"},
    {TFLC_TF_INT64, TFLC_INT64, "int64"},         {TFLC_TF_BOOL, TFLC_BOOL, "bool"},
    {TFLC_TF_BFLOAT16, TFLC_BFLOAT16, "bfloat16"}, {TFLC_TF_UINT16, TFLC_UINT16, "uint16"},
    {TFLC_TF_COMPLEX128, TFLC_COMPLEX128, "complex128"}, {TFLC_TF_HALF, TFLC_FLOAT16, "half"},
    {TFLC_TF_RESOURCE, TFLC_RESOURCE, "resource"}, {TFLC_TF_VARIANT, TFLC_VARIANT, "variant"},
    {TFLC_TF_UINT32, TFLC_UINT32, "uint32"},      {TFLC_TF_UINT64, TFLC_UINT64, "uint64"},
    {TFLC_TF_INT4, TFLC_INT4, "int4"},
    /* DataTypes without a tflc dtype, for messages */
    {11, TFLC_DTYPE_COUNT, "qint8"},   {12, TFLC_DTYPE_COUNT, "quint8"},
    {13, TFLC_DTYPE_COUNT, "qint32"},  {15, TFLC_DTYPE_COUNT, "qint16"},
    {16, TFLC_DTYPE_COUNT, "quint16"}, {24, TFLC_DTYPE_COUNT, "float8_e5m2"},
    {25, TFLC_DTYPE_COUNT, "float8_e4m3fn"}, {30, TFLC_DTYPE_COUNT, "uint4"},
};
#define N_TF_DTYPES (sizeof tf_dtypes / sizeof tf_dtypes[0])

bool tflc_tf_dtype_to_tflc(int tf_type, tflc_dtype *out) {
    for (size_t i = 0; i < N_TF_DTYPES; i++)
        if (tf_dtypes[i].tf == tf_type && tf_dtypes[i].dtype != TFLC_DTYPE_COUNT) {
            *out = tf_dtypes[i].dtype;
            return true;
        }
    return false;
}

int tflc_tf_dtype_from_tflc(tflc_dtype dtype) {
    for (size_t i = 0; i < N_TF_DTYPES; i++)
        if (tf_dtypes[i].dtype == dtype) return tf_dtypes[i].tf;
    return 0;
}

const char *tflc_tf_dtype_name(int tf_type) {
    for (size_t i = 0; i < N_TF_DTYPES; i++)
        if (tf_dtypes[i].tf == tf_type) return tf_dtypes[i].name;
    return "unknown";
}
