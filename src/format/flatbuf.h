/*
 * flatbuf.h -- trusted accessors for a flatbuffer that verify.c has already accepted.
 *
 * Layout reminder (all little-endian):
 *   buffer[0..4)   uoffset to the root table;  buffer[4..8) file identifier "TFL3"
 *   table at t     int32 soffset: its vtable is at t - soffset
 *   vtable at v    uint16 vtable_bytes, uint16 table_bytes, uint16 field_offset[slot]...
 *   offset field   uint32 at t+fo, target = t+fo+value (tables, vectors, strings)
 *   vector at p    uint32 length, then elements;  string: length, bytes, NUL
 *   union field    slot k holds the uint8 type, slot k+1 the table offset
 *
 * Nothing here checks bounds: the verifier proved every offset these functions follow,
 * and every scalar they read, lies inside the buffer with the right alignment. Scalars are
 * read with memcpy so misaligned loads are never undefined behaviour.
 */
#ifndef TFLC_FORMAT_FLATBUF_H
#define TFLC_FORMAT_FLATBUF_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tflc reads flatbuffers in place and needs a little-endian host"
#endif

static inline uint16_t fb_load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t fb_load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline int32_t fb_load_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t fb_load_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline int64_t fb_load_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }
static inline float fb_load_f32(const uint8_t *p) { float v; memcpy(&v, p, 4); return v; }

/* The root table of a verified buffer. */
static inline const uint8_t *fb_root(const uint8_t *buf) { return buf + fb_load_u32(buf); }

/* Byte offset of field `slot` inside table t, or 0 when the field is absent. */
static inline uint32_t fb_field(const uint8_t *t, int slot) {
    const uint8_t *vt = t - fb_load_i32(t);
    uint32_t at = 4u + 2u * (uint32_t)slot;
    if (at + 2u > fb_load_u16(vt)) return 0;
    return fb_load_u16(vt + at);
}

static inline uint8_t fb_u8(const uint8_t *t, int slot, uint8_t def) {
    uint32_t o = fb_field(t, slot); return o ? t[o] : def;
}
static inline int8_t fb_i8(const uint8_t *t, int slot, int8_t def) {
    uint32_t o = fb_field(t, slot); return o ? (int8_t)t[o] : def;
}
static inline int32_t fb_i32(const uint8_t *t, int slot, int32_t def) {
    uint32_t o = fb_field(t, slot); return o ? fb_load_i32(t + o) : def;
}
static inline uint32_t fb_u32(const uint8_t *t, int slot, uint32_t def) {
    uint32_t o = fb_field(t, slot); return o ? fb_load_u32(t + o) : def;
}
static inline int64_t fb_i64(const uint8_t *t, int slot, int64_t def) {
    uint32_t o = fb_field(t, slot); return o ? fb_load_i64(t + o) : def;
}
static inline uint64_t fb_u64(const uint8_t *t, int slot, uint64_t def) {
    uint32_t o = fb_field(t, slot); return o ? fb_load_u64(t + o) : def;
}
static inline float fb_f32(const uint8_t *t, int slot, float def) {
    uint32_t o = fb_field(t, slot); return o ? fb_load_f32(t + o) : def;
}

/* Follows an offset field; NULL when absent. */
static inline const uint8_t *fb_ref(const uint8_t *t, int slot) {
    uint32_t o = fb_field(t, slot);
    return o ? t + o + fb_load_u32(t + o) : NULL;
}
/* The table at field `slot`, or NULL. */
static inline const uint8_t *fb_table(const uint8_t *t, int slot) { return fb_ref(t, slot); }

/* A vector field: returns a pointer to its first element and its length, or NULL / 0. */
static inline const uint8_t *fb_vector(const uint8_t *t, int slot, uint32_t *len) {
    const uint8_t *v = fb_ref(t, slot);
    if (!v) { *len = 0; return NULL; }
    *len = fb_load_u32(v);
    return v + 4;
}
/* A string field (NUL-terminated, checked by the verifier), or NULL. */
static inline const char *fb_string(const uint8_t *t, int slot, uint32_t *len) {
    const uint8_t *v = fb_ref(t, slot);
    if (!v) { if (len) *len = 0; return NULL; }
    if (len) *len = fb_load_u32(v);
    return (const char *)(v + 4);
}
/* Element i of a vector of tables (elements are uoffsets). */
static inline const uint8_t *fb_vec_table(const uint8_t *elems, uint32_t i) {
    const uint8_t *p = elems + 4u * i;
    return p + fb_load_u32(p);
}
/* Element i of a vector of strings. */
static inline const char *fb_vec_string(const uint8_t *elems, uint32_t i, uint32_t *len) {
    const uint8_t *s = fb_vec_table(elems, i);
    if (len) *len = fb_load_u32(s);
    return (const char *)(s + 4);
}
static inline int32_t fb_vec_i32(const uint8_t *elems, uint32_t i) { return fb_load_i32(elems + 4u * i); }

#endif
