/*
 * nodedef.h -- a small protobuf wire-format reader, and on top of it a parser for the
 * serialized tensorflow.NodeDef that TFLite stores in each Flex op's custom options.
 *
 * Only what Flex kernels need is decoded; everything else is skipped as protobuf does with
 * unknown fields. Nothing is copied and nothing is allocated: names and bytes point into
 * the caller's buffer, which must outlive the parsed result. Every length is checked
 * against the buffer, varints are limited to 10 bytes, and (deprecated) groups, the only
 * recursive construct an unknown field can hold, are skipped to a bounded depth.
 *
 * The messages (tensorflow/core/framework/node_def.proto, attr_value.proto,
 * tensor_shape.proto), with the field numbers read here:
 *   NodeDef      1 name, 2 op, 3 input (repeated), 4 device, 5 attr (map<string, AttrValue>)
 *   map entry    1 key, 2 value
 *   AttrValue    oneof value: 1 list, 2 s, 3 i, 4 f, 5 b, 6 type, 7 shape, 8 tensor,
 *                9 placeholder, 10 func
 *   ListValue    2 s, 3 i, 4 f, 5 b, 6 type (numbers packed or not), 7 shape, 8 tensor, 9 func
 *   TensorShapeProto  2 dim (repeated Dim: 1 size), 3 unknown_rank
 * Protobuf semantics are kept where they matter: the last occurrence of a scalar field
 * wins, a later map entry replaces an earlier one with the same key, a oneof holds the
 * member seen last, and a field whose wire type does not match is skipped as unknown.
 */
#ifndef TFLC_OPS_FLEX_NODEDEF_H
#define TFLC_OPS_FLEX_NODEDEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tflc.h"

/* ------------------------------------------------------------ wire format -- */

enum {
    TFLC_PB_VARINT = 0,
    TFLC_PB_FIXED64 = 1,
    TFLC_PB_BYTES = 2,        /* length-delimited */
    TFLC_PB_GROUP_START = 3,
    TFLC_PB_GROUP_END = 4,
    TFLC_PB_FIXED32 = 5,
};

/* Deepest group nesting skipped inside an unknown field. */
#define TFLC_PB_MAX_DEPTH 32

/* A cursor over one message's bytes. */
typedef struct tflc_pb_reader {
    const uint8_t *pos, *end;
    const char *error;        /* static description of the first failure, or NULL */
} tflc_pb_reader;

/* One field as read from the wire. */
typedef struct tflc_pb_field {
    uint32_t number;
    int wire;                 /* TFLC_PB_* */
    uint64_t value;           /* VARINT, FIXED64, FIXED32 (zero-extended) */
    const uint8_t *data;      /* BYTES: the payload */
    size_t size;
} tflc_pb_field;

static inline tflc_pb_reader tflc_pb_reader_init(const void *data, size_t size) {
    tflc_pb_reader r = {(const uint8_t *)data, (const uint8_t *)data + size, NULL};
    if (!data) r.pos = r.end = NULL;
    return r;
}

/* Reads the next field: 1 when one was read, 0 at the end of the message, -1 on malformed
 * input (r->error says why). Groups are skipped whole and never returned. */
int tflc_pb_next(tflc_pb_reader *r, tflc_pb_field *f);

/* ---------------------------------------------------------------- NodeDef -- */

/* The member an AttrValue holds: the oneof's field number. */
typedef enum tflc_attr_kind {
    TFLC_ATTR_NONE = 0,       /* no member set (an empty AttrValue) */
    TFLC_ATTR_LIST = 1,
    TFLC_ATTR_S = 2,
    TFLC_ATTR_I = 3,
    TFLC_ATTR_F = 4,
    TFLC_ATTR_B = 5,
    TFLC_ATTR_TYPE = 6,
    TFLC_ATTR_SHAPE = 7,
    TFLC_ATTR_TENSOR = 8,
    TFLC_ATTR_PLACEHOLDER = 9,
    TFLC_ATTR_FUNC = 10,
} tflc_attr_kind;

typedef struct tflc_attr {
    const char *name;         /* not NUL-terminated: name_len bytes */
    size_t name_len;
    tflc_attr_kind kind;
    int64_t i;                /* I; B as 0/1; TYPE as the DataType number */
    float f;                  /* F */
    const uint8_t *bytes;     /* S and PLACEHOLDER bytes; LIST, SHAPE, TENSOR, FUNC messages */
    size_t size;
} tflc_attr;

/* More attrs than any TensorFlow op declares; a NodeDef with more is refused. */
#define TFLC_NODEDEF_MAX_ATTRS 32

typedef struct tflc_nodedef {
    const char *name;         /* each string: not NUL-terminated, *_len bytes, "" if absent */
    size_t name_len;
    const char *op;
    size_t op_len;
    const char *device;
    size_t device_len;
    int n_inputs;
    tflc_attr attrs[TFLC_NODEDEF_MAX_ATTRS];
    int n_attrs;
    const char *error;        /* set when parsing fails: a static description */
} tflc_nodedef;

/* Parses data[0..size) as a NodeDef into *out (which then points into data). Returns false
 * with out->error set on malformed input or more than TFLC_NODEDEF_MAX_ATTRS attrs. */
bool tflc_nodedef_parse(const void *data, size_t size, tflc_nodedef *out);

/* True when the op name equals the NUL-terminated `op`. */
bool tflc_nodedef_op_is(const tflc_nodedef *nd, const char *op);

/* The attr called `name`, or NULL. */
const tflc_attr *tflc_nodedef_attr(const tflc_nodedef *nd, const char *name);

/* Typed lookups. */
typedef enum tflc_attr_get {
    TFLC_ATTR_MISSING = 0,    /* no such attr: the caller uses the op's default */
    TFLC_ATTR_OK = 1,
    TFLC_ATTR_MISMATCH = 2,   /* the attr holds another kind of value */
} tflc_attr_get;

tflc_attr_get tflc_nodedef_attr_int(const tflc_nodedef *nd, const char *name, int64_t *out);
tflc_attr_get tflc_nodedef_attr_float(const tflc_nodedef *nd, const char *name, float *out);
tflc_attr_get tflc_nodedef_attr_bool(const tflc_nodedef *nd, const char *name, bool *out);
/* The DataType number (see tflc_tf_dtype_*). */
tflc_attr_get tflc_nodedef_attr_type(const tflc_nodedef *nd, const char *name, int *out);
tflc_attr_get tflc_nodedef_attr_string(const tflc_nodedef *nd, const char *name, const char **data,
                                       size_t *len);

/* "int", "string", "list", ... for messages. Static storage. */
const char *tflc_attr_kind_name(tflc_attr_kind kind);

/* List values (kind TFLC_ATTR_LIST). `member` is the ListValue field: TFLC_ATTR_S, _I, _F,
 * _B or _TYPE. Count and element access scan the list (numbers may be packed or not);
 * false on malformed bytes or an index out of range. */
bool tflc_attr_list_count(const tflc_attr *a, tflc_attr_kind member, size_t *n);
bool tflc_attr_list_int(const tflc_attr *a, size_t index, int64_t *out);
bool tflc_attr_list_float(const tflc_attr *a, size_t index, float *out);
bool tflc_attr_list_bool(const tflc_attr *a, size_t index, bool *out);
bool tflc_attr_list_type(const tflc_attr *a, size_t index, int *out);
bool tflc_attr_list_string(const tflc_attr *a, size_t index, const char **data, size_t *len);

/* A shape attr (kind TFLC_ATTR_SHAPE): dims[0..*rank) with -1 for unknown sizes, or
 * *unknown_rank. False when malformed or the rank exceeds max_rank. */
bool tflc_attr_shape(const tflc_attr *a, int64_t *dims, int max_rank, int *rank, bool *unknown_rank);

/* ------------------------------------------------------- TensorFlow dtypes -- */

/* tensorflow.DataType numbers tflc maps to its own dtypes. */
enum {
    TFLC_TF_FLOAT = 1, TFLC_TF_DOUBLE = 2, TFLC_TF_INT32 = 3, TFLC_TF_UINT8 = 4,
    TFLC_TF_INT16 = 5, TFLC_TF_INT8 = 6, TFLC_TF_STRING = 7, TFLC_TF_COMPLEX64 = 8,
    TFLC_TF_INT64 = 9, TFLC_TF_BOOL = 10, TFLC_TF_BFLOAT16 = 14, TFLC_TF_UINT16 = 17,
    TFLC_TF_COMPLEX128 = 18, TFLC_TF_HALF = 19, TFLC_TF_RESOURCE = 20, TFLC_TF_VARIANT = 21,
    TFLC_TF_UINT32 = 22, TFLC_TF_UINT64 = 23, TFLC_TF_INT4 = 29,
};

/* The tflc dtype of a DataType; false when tflc has none. */
bool tflc_tf_dtype_to_tflc(int tf_type, tflc_dtype *out);
/* The DataType of a tflc dtype, or 0 (DT_INVALID). */
int tflc_tf_dtype_from_tflc(tflc_dtype dtype);
/* TensorFlow's DataTypeString: "float", "double", "int32", ... ("unknown" otherwise). */
const char *tflc_tf_dtype_name(int tf_type);

#endif
