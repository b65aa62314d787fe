/*
 * flexbuffers.h -- a bounds-checked reader for FlexBuffers, the schema-less format TFLite
 * uses for custom options (the format is defined by flatbuffers' flexbuffers.h).
 *
 * The format in brief. Every value is addressed through a *slot*: `parent_width` bytes
 * (1, 2, 4 or 8, little-endian) plus a *packed type* byte, (type << 2) | log2(byte_width).
 *   - inline scalars (NULL, INT, UINT, FLOAT, BOOL) live in the slot itself;
 *   - everything else stores in the slot an unsigned offset that points *backwards*
 *     (target = slot - offset), and `byte_width` is the width of the target's own fields:
 *       STRING, BLOB      [len][bytes...] (STRING adds a NUL), target = first byte
 *       KEY               NUL-terminated bytes, no length
 *       INDIRECT_*        one scalar of byte_width bytes
 *       VECTOR            [n][n slots][n packed types]
 *       VECTOR_INT etc.   [n][n slots]                  (typed: no type bytes)
 *       VECTOR_INT2..4    [2..4 slots]                  (fixed: no length either)
 *       MAP               [keys offset][keys width][n][n slots][n packed types], where the
 *                         keys are a VECTOR_KEY of n sorted keys
 * The root is at the end: the buffer's last byte is the root slot's width, the byte before
 * it the root's packed type, and before that the root slot.
 *
 * Every accessor checks every byte it reads against [0, size): hostile buffers give false,
 * never a read out of bounds. Offsets only point backwards, so a lookup never loops; code
 * that walks a whole buffer (tflc_flx_verify) limits its depth and its total work, since
 * values may be shared (a DAG can make a naive walk exponential).
 */
#ifndef TFLC_OPS_FLEX_FLEXBUFFERS_H
#define TFLC_OPS_FLEX_FLEXBUFFERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types: the upper six bits of a packed type. */
typedef enum tflc_flx_type {
    TFLC_FLX_NULL = 0,
    TFLC_FLX_INT = 1,
    TFLC_FLX_UINT = 2,
    TFLC_FLX_FLOAT = 3,
    TFLC_FLX_KEY = 4,
    TFLC_FLX_STRING = 5,
    TFLC_FLX_INDIRECT_INT = 6,
    TFLC_FLX_INDIRECT_UINT = 7,
    TFLC_FLX_INDIRECT_FLOAT = 8,
    TFLC_FLX_MAP = 9,
    TFLC_FLX_VECTOR = 10,
    TFLC_FLX_VECTOR_INT = 11,
    TFLC_FLX_VECTOR_UINT = 12,
    TFLC_FLX_VECTOR_FLOAT = 13,
    TFLC_FLX_VECTOR_KEY = 14,
    TFLC_FLX_VECTOR_STRING_DEPRECATED = 15, /* read as keys, as flatbuffers does */
    TFLC_FLX_VECTOR_INT2 = 16,
    TFLC_FLX_VECTOR_UINT2 = 17,
    TFLC_FLX_VECTOR_FLOAT2 = 18,
    TFLC_FLX_VECTOR_INT3 = 19,
    TFLC_FLX_VECTOR_UINT3 = 20,
    TFLC_FLX_VECTOR_FLOAT3 = 21,
    TFLC_FLX_VECTOR_INT4 = 22,
    TFLC_FLX_VECTOR_UINT4 = 23,
    TFLC_FLX_VECTOR_FLOAT4 = 24,
    TFLC_FLX_BLOB = 25,
    TFLC_FLX_BOOL = 26,
    TFLC_FLX_VECTOR_BOOL = 36,
} tflc_flx_type;

/* A reference to one value: where its slot is and how to read it. Plain data; copy freely.
 * Valid while the buffer is. */
typedef struct tflc_flx_ref {
    const uint8_t *buf;       /* the whole buffer, [0, size) */
    size_t size;
    size_t at;                /* offset of the value's slot */
    uint8_t parent_width;     /* bytes of the slot: 1, 2, 4 or 8 */
    uint8_t byte_width;       /* offset types: width of the target's fields */
    uint8_t type;             /* tflc_flx_type (any byte value for hostile input) */
} tflc_flx_ref;

/* Deepest nesting tflc_flx_verify accepts (the root is depth 1). */
#define TFLC_FLX_MAX_DEPTH 64

/* The root value of buf[0..size). False when the buffer is too short for its trailer or the
 * root width is not 1, 2, 4 or 8. The root's contents are checked only when read. */
bool tflc_flx_root(const void *buf, size_t size, tflc_flx_ref *out);

/* "int", "string", "vector", ... or "unknown". Static storage. */
const char *tflc_flx_type_name(int type);

/* Scalars. Each returns false (leaving *out unchanged) when the value has another type, does
 * not fit, or its bytes are out of bounds.
 *   int:    INT, INDIRECT_INT, BOOL, and UINT/INDIRECT_UINT up to INT64_MAX
 *   uint:   UINT, INDIRECT_UINT, BOOL, and INT/INDIRECT_INT when >= 0
 *   double: FLOAT, INDIRECT_FLOAT (4- or 8-byte), INT, UINT and their indirect forms
 *   bool:   BOOL, INT, UINT (nonzero is true) */
bool tflc_flx_int(const tflc_flx_ref *r, int64_t *out);
bool tflc_flx_uint(const tflc_flx_ref *r, uint64_t *out);
bool tflc_flx_double(const tflc_flx_ref *r, double *out);
bool tflc_flx_bool(const tflc_flx_ref *r, bool *out);

/* STRING (length from its size field; may contain NUL) or KEY (up to its NUL). *data points
 * into the buffer and is not NUL-terminated as far as the caller may assume. */
bool tflc_flx_string(const tflc_flx_ref *r, const char **data, size_t *len);
/* BLOB or STRING bytes. */
bool tflc_flx_blob(const tflc_flx_ref *r, const uint8_t **data, size_t *len);

/* True for VECTOR, MAP, the typed and the fixed-length typed vectors. */
bool tflc_flx_is_vector(const tflc_flx_ref *r);
/* Element count of any vector or map; false if the value is not one or is out of bounds
 * (the whole element area, and for untyped vectors the type bytes, must fit). */
bool tflc_flx_vector_size(const tflc_flx_ref *r, size_t *n);
/* Element i of any vector (for a map: the i-th value, in key order). */
bool tflc_flx_vector_at(const tflc_flx_ref *r, size_t i, tflc_flx_ref *out);

/* Key i of a map (maps keep their keys sorted; hostile ones may not). */
bool tflc_flx_map_key_at(const tflc_flx_ref *map, size_t i, const char **key, size_t *len);
/* The value stored under `key` (NUL-terminated) in a map. Linear scan, so the answer does
 * not depend on the keys being sorted. False when absent or malformed. */
bool tflc_flx_map_find(const tflc_flx_ref *map, const char *key, tflc_flx_ref *out);

/* Walks every value reachable from the root and checks that each can be read: bounds,
 * widths, known types, map keys. At most max_depth levels (0 means TFLC_FLX_MAX_DEPTH) and
 * a visit budget proportional to the buffer size. */
bool tflc_flx_verify(const void *buf, size_t size, int max_depth);

#endif
