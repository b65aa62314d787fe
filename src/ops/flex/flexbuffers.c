/*
 * flexbuffers.c -- the FlexBuffers reader of flexbuffers.h. Every read goes through
 * load_uint, which checks [at, at + width) against the buffer; offsets are resolved by
 * deref, which refuses targets before the buffer's start.
 */
#include <string.h>

#include "ops/flex/flexbuffers.h"

/* ------------------------------------------------------------ raw reads -- */

static bool valid_width(unsigned width) { return width == 1 || width == 2 || width == 4 || width == 8; }

/* The little-endian unsigned integer of `width` bytes at buf[at]. */
static bool load_uint(const uint8_t *buf, size_t size, size_t at, unsigned width, uint64_t *out) {
    if (!valid_width(width) || at > size || size - at < width) return false;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) v |= (uint64_t)buf[at + i] << (8 * i);
    *out = v;
    return true;
}

static int64_t sign_extend(uint64_t v, unsigned width) {
    if (width < 8 && (v >> (8 * width - 1)) & 1) v |= ~(uint64_t)0 << (8 * width);
    return (int64_t)v;
}

static bool load_float(const uint8_t *buf, size_t size, size_t at, unsigned width, double *out) {
    uint64_t bits;
    if ((width != 4 && width != 8) || !load_uint(buf, size, at, width, &bits)) return false;
    if (width == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        *out = f;
    } else {
        double d;
        memcpy(&d, &bits, sizeof d);
        *out = d;
    }
    return true;
}

/* The target of an offset-typed value: the slot holds a backwards offset. */
static bool deref(const tflc_flx_ref *r, size_t *target) {
    uint64_t off;
    if (!load_uint(r->buf, r->size, r->at, r->parent_width, &off) || off > r->at) return false;
    *target = r->at - (size_t)off;
    return true;
}

static tflc_flx_ref make_ref(const tflc_flx_ref *parent, size_t at, uint8_t parent_width, uint8_t packed) {
    tflc_flx_ref r = {parent->buf, parent->size, at, parent_width, (uint8_t)(1u << (packed & 3)),
                      (uint8_t)(packed >> 2)};
    return r;
}

/* ----------------------------------------------------------------- root -- */

bool tflc_flx_root(const void *buf, size_t size, tflc_flx_ref *out) {
    const uint8_t *b = buf;
    if (!b || size < 3) return false;
    uint8_t width = b[size - 1], packed = b[size - 2];
    if (!valid_width(width) || size - 2 < width) return false;
    tflc_flx_ref base = {b, size, 0, 0, 0, 0};
    *out = make_ref(&base, size - 2 - width, width, packed);
    return true;
}

const char *tflc_flx_type_name(int type) {
    static const char *const names[] = {
        "null", "int", "uint", "float", "key", "string", "indirect int", "indirect uint",
        "indirect float", "map", "vector", "int vector", "uint vector", "float vector",
        "key vector", "string vector", "int[2]", "uint[2]", "float[2]", "int[3]", "uint[3]",
        "float[3]", "int[4]", "uint[4]", "float[4]", "blob", "bool",
    };
    if (type >= 0 && type < (int)(sizeof names / sizeof names[0])) return names[type];
    if (type == TFLC_FLX_VECTOR_BOOL) return "bool vector";
    return "unknown";
}

/* -------------------------------------------------------------- scalars -- */

/* Reads an INT/UINT/BOOL-family value: its bits, width and whether it is signed. */
static bool load_integral(const tflc_flx_ref *r, uint64_t *bits, unsigned *width, bool *is_signed) {
    size_t target;
    switch (r->type) {
    case TFLC_FLX_INT: case TFLC_FLX_UINT: case TFLC_FLX_BOOL:
        *width = r->parent_width;
        *is_signed = r->type == TFLC_FLX_INT;
        return load_uint(r->buf, r->size, r->at, r->parent_width, bits);
    case TFLC_FLX_INDIRECT_INT: case TFLC_FLX_INDIRECT_UINT:
        *width = r->byte_width;
        *is_signed = r->type == TFLC_FLX_INDIRECT_INT;
        return deref(r, &target) && load_uint(r->buf, r->size, target, r->byte_width, bits);
    default:
        return false;
    }
}

bool tflc_flx_int(const tflc_flx_ref *r, int64_t *out) {
    uint64_t bits;
    unsigned width;
    bool is_signed;
    if (!load_integral(r, &bits, &width, &is_signed)) return false;
    if (r->type == TFLC_FLX_BOOL) { *out = bits != 0; return true; }
    if (is_signed) { *out = sign_extend(bits, width); return true; }
    if (bits > (uint64_t)INT64_MAX) return false;
    *out = (int64_t)bits;
    return true;
}

bool tflc_flx_uint(const tflc_flx_ref *r, uint64_t *out) {
    uint64_t bits;
    unsigned width;
    bool is_signed;
    if (!load_integral(r, &bits, &width, &is_signed)) return false;
    if (r->type == TFLC_FLX_BOOL) { *out = bits != 0; return true; }
    if (is_signed) {
        int64_t v = sign_extend(bits, width);
        if (v < 0) return false;
        *out = (uint64_t)v;
        return true;
    }
    *out = bits;
    return true;
}

bool tflc_flx_double(const tflc_flx_ref *r, double *out) {
    size_t target;
    if (r->type == TFLC_FLX_FLOAT) return load_float(r->buf, r->size, r->at, r->parent_width, out);
    if (r->type == TFLC_FLX_INDIRECT_FLOAT)
        return deref(r, &target) && load_float(r->buf, r->size, target, r->byte_width, out);
    if (r->type == TFLC_FLX_BOOL) return false;
    uint64_t bits;
    unsigned width;
    bool is_signed;
    if (!load_integral(r, &bits, &width, &is_signed)) return false;
    *out = is_signed ? (double)sign_extend(bits, width) : (double)bits;
    return true;
}

bool tflc_flx_bool(const tflc_flx_ref *r, bool *out) {
    if (r->type != TFLC_FLX_BOOL && r->type != TFLC_FLX_INT && r->type != TFLC_FLX_UINT) return false;
    uint64_t bits;
    if (!load_uint(r->buf, r->size, r->at, r->parent_width, &bits)) return false;
    *out = bits != 0;
    return true;
}

/* ------------------------------------------------------- strings, blobs -- */

/* [len][bytes]: the length field is byte_width bytes just before the target. */
static bool sized_bytes(const tflc_flx_ref *r, size_t *start, size_t *len) {
    size_t target;
    uint64_t n;
    if (!deref(r, &target) || target < r->byte_width) return false;
    if (!load_uint(r->buf, r->size, target - r->byte_width, r->byte_width, &n)) return false;
    if (n > r->size - target) return false;
    *start = target;
    *len = (size_t)n;
    return true;
}

/* A KEY: bytes up to a NUL that must lie inside the buffer. */
static bool key_bytes(const tflc_flx_ref *r, size_t *start, size_t *len) {
    size_t target;
    if (!deref(r, &target) || target >= r->size) return false;
    const uint8_t *nul = memchr(r->buf + target, 0, r->size - target);
    if (!nul) return false;
    *start = target;
    *len = (size_t)(nul - (r->buf + target));
    return true;
}

bool tflc_flx_string(const tflc_flx_ref *r, const char **data, size_t *len) {
    size_t start, n;
    bool ok = r->type == TFLC_FLX_STRING ? sized_bytes(r, &start, &n)
              : r->type == TFLC_FLX_KEY  ? key_bytes(r, &start, &n)
                                         : false;
    if (!ok) return false;
    *data = (const char *)r->buf + start;
    *len = n;
    return true;
}

bool tflc_flx_blob(const tflc_flx_ref *r, const uint8_t **data, size_t *len) {
    size_t start, n;
    if (r->type != TFLC_FLX_BLOB && r->type != TFLC_FLX_STRING) return false;
    if (!sized_bytes(r, &start, &n)) return false;
    *data = r->buf + start;
    *len = n;
    return true;
}

/* -------------------------------------------------------------- vectors -- */

static bool is_fixed_vector(int t) { return t >= TFLC_FLX_VECTOR_INT2 && t <= TFLC_FLX_VECTOR_FLOAT4; }
static bool is_typed_vector(int t) {
    return (t >= TFLC_FLX_VECTOR_INT && t <= TFLC_FLX_VECTOR_STRING_DEPRECATED) || t == TFLC_FLX_VECTOR_BOOL;
}

bool tflc_flx_is_vector(const tflc_flx_ref *r) {
    return r->type == TFLC_FLX_VECTOR || r->type == TFLC_FLX_MAP || is_typed_vector(r->type) ||
           is_fixed_vector(r->type);
}

/* Where a vector's elements are and how to read them. */
typedef struct vec_view {
    size_t data;       /* offset of slot 0 */
    size_t n;
    uint8_t width;     /* bytes per slot */
    int elem_type;     /* typed vectors: the element type; -1: packed types follow the slots */
} vec_view;

static bool vector_view(const tflc_flx_ref *r, vec_view *v) {
    size_t target;
    int t = r->type;
    if (!tflc_flx_is_vector(r) || !deref(r, &target)) return false;
    uint8_t w = r->byte_width;
    uint64_t n;
    if (is_fixed_vector(t)) {
        n = (uint64_t)((t - TFLC_FLX_VECTOR_INT2) / 3 + 2);
        v->elem_type = (t - TFLC_FLX_VECTOR_INT2) % 3 + TFLC_FLX_INT;
    } else {
        if (target < w || !load_uint(r->buf, r->size, target - w, w, &n)) return false;
        if (t == TFLC_FLX_VECTOR || t == TFLC_FLX_MAP) v->elem_type = -1;
        else if (t == TFLC_FLX_VECTOR_BOOL) v->elem_type = TFLC_FLX_BOOL;
        else if (t == TFLC_FLX_VECTOR_STRING_DEPRECATED) v->elem_type = TFLC_FLX_KEY;
        else v->elem_type = t - TFLC_FLX_VECTOR_INT + TFLC_FLX_INT;
    }
    if (t == TFLC_FLX_MAP && target < 3u * w) return false;
    size_t per = (size_t)w + (v->elem_type < 0 ? 1 : 0);
    if (n > (r->size - target) / per) return false;
    v->data = target;
    v->n = (size_t)n;
    v->width = w;
    return true;
}

bool tflc_flx_vector_size(const tflc_flx_ref *r, size_t *n) {
    vec_view v;
    if (!vector_view(r, &v)) return false;
    *n = v.n;
    return true;
}

static tflc_flx_ref element(const tflc_flx_ref *r, const vec_view *v, size_t i) {
    size_t at = v->data + i * v->width;
    if (v->elem_type < 0) return make_ref(r, at, v->width, r->buf[v->data + v->n * v->width + i]);
    tflc_flx_ref e = {r->buf, r->size, at, v->width, 1, (uint8_t)v->elem_type};
    return e;
}

bool tflc_flx_vector_at(const tflc_flx_ref *r, size_t i, tflc_flx_ref *out) {
    vec_view v;
    if (!vector_view(r, &v) || i >= v.n) return false;
    *out = element(r, &v, i);
    return true;
}

/* ----------------------------------------------------------------- maps -- */

/* The keys vector of a map: [keys offset][keys width][n] precede the values. */
static bool map_keys(const tflc_flx_ref *map, const vec_view *values, vec_view *keys) {
    size_t field = values->data - 3u * values->width;
    uint64_t kw;
    if (!load_uint(map->buf, map->size, field + values->width, values->width, &kw) || !valid_width((unsigned)kw))
        return false;
    tflc_flx_ref keys_ref = {map->buf, map->size, field, values->width, (uint8_t)kw, TFLC_FLX_VECTOR_KEY};
    if (!vector_view(&keys_ref, keys)) return false;
    return keys->n == values->n;
}

static bool key_at(const tflc_flx_ref *map, const vec_view *keys, size_t i, const char **key, size_t *len) {
    tflc_flx_ref k = element(map, keys, i);
    return tflc_flx_string(&k, key, len);
}

bool tflc_flx_map_key_at(const tflc_flx_ref *map, size_t i, const char **key, size_t *len) {
    vec_view values, keys;
    if (map->type != TFLC_FLX_MAP || !vector_view(map, &values) || i >= values.n) return false;
    if (!map_keys(map, &values, &keys)) return false;
    return key_at(map, &keys, i, key, len);
}

bool tflc_flx_map_find(const tflc_flx_ref *map, const char *key, tflc_flx_ref *out) {
    vec_view values, keys;
    if (!key || map->type != TFLC_FLX_MAP || !vector_view(map, &values)) return false;
    if (!map_keys(map, &values, &keys)) return false;
    size_t want = strlen(key);
    for (size_t i = 0; i < values.n; i++) {
        const char *k;
        size_t len;
        if (!key_at(map, &keys, i, &k, &len)) return false;
        if (len == want && memcmp(k, key, len) == 0) {
            *out = element(map, &values, i);
            return true;
        }
    }
    return false;
}

/* --------------------------------------------------------------- verify -- */

typedef struct walk {
    int max_depth;
    size_t budget;    /* visits left */
} walk;

static bool verify_value(const tflc_flx_ref *r, int depth, walk *w) {
    if (depth > w->max_depth || w->budget == 0) return false;
    w->budget--;
    int64_t i;
    uint64_t u;
    double d;
    const uint8_t *bytes;
    const char *s;
    size_t len;
    switch (r->type) {
    case TFLC_FLX_NULL: return true;
    case TFLC_FLX_INT: case TFLC_FLX_INDIRECT_INT: return tflc_flx_int(r, &i);
    case TFLC_FLX_UINT: case TFLC_FLX_INDIRECT_UINT: case TFLC_FLX_BOOL: return tflc_flx_uint(r, &u);
    case TFLC_FLX_FLOAT: case TFLC_FLX_INDIRECT_FLOAT: return tflc_flx_double(r, &d);
    case TFLC_FLX_KEY: return tflc_flx_string(r, &s, &len);
    case TFLC_FLX_STRING: case TFLC_FLX_BLOB: return tflc_flx_blob(r, &bytes, &len);
    default: break;
    }
    vec_view v, keys;
    if (!tflc_flx_is_vector(r) || !vector_view(r, &v)) return false;
    if (r->type == TFLC_FLX_MAP) {
        if (!map_keys(r, &v, &keys)) return false;
        for (size_t k = 0; k < v.n; k++)
            if (!key_at(r, &keys, k, &s, &len)) return false;
    }
    for (size_t k = 0; k < v.n; k++) {
        tflc_flx_ref e = element(r, &v, k);
        if (!verify_value(&e, depth + 1, w)) return false;
    }
    return true;
}

bool tflc_flx_verify(const void *buf, size_t size, int max_depth) {
    tflc_flx_ref root;
    if (!tflc_flx_root(buf, size, &root)) return false;
    walk w = {max_depth > 0 ? max_depth : TFLC_FLX_MAX_DEPTH, 4 * size + 16};
    return verify_value(&root, 1, &w);
}
