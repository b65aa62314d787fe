/*
 * flex_registry.c -- TensorFlow op name -> kernel for Flex custom ops, and the helpers
 * that decode a Flex op's custom options ([op name, NodeDef] FlexBuffer) and its attrs.
 */
#include <string.h>

#include "ops/flex/flex.h"
#include "ops/flex/flexbuffers.h"

/* ------------------------------------------------------------- registry -- */

typedef struct flex_entry {
    const char *tf_name;
    const tflc_kernel *kernel;
} flex_entry;

#define TFLC_FLEX_ENTRY(tf_name, suffix) {#tf_name, &tflc_flex_kernel_##suffix},
static const flex_entry flex_ops[] = {TFLC_FLEX_OPS(TFLC_FLEX_ENTRY)};
#undef TFLC_FLEX_ENTRY

#define TFLC_FLEX_NAME(tf_name, suffix) ", " #tf_name
static const char flex_names[] = TFLC_FLEX_OPS(TFLC_FLEX_NAME);
#undef TFLC_FLEX_NAME

const tflc_kernel *tflc_find_flex_kernel(const char *tf_op_name) {
    if (!tf_op_name) return NULL;
    for (size_t i = 0; i < sizeof flex_ops / sizeof flex_ops[0]; i++)
        if (strcmp(flex_ops[i].tf_name, tf_op_name) == 0) return flex_ops[i].kernel;
    return NULL;
}

const char *tflc_flex_supported_ops(void) { return flex_names + 2; /* past the leading ", " */ }

/* -------------------------------------------------------- custom options -- */

static bool same_name(const char *data, size_t len, const char *name) {
    return len == strlen(name) && memcmp(data, name, len) == 0;
}

/* Printable, bounded rendering of a name from the model for messages. */
static const char *shown(const char *data, size_t len, char *buf, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size; i++) {
        unsigned char c = (unsigned char)data[i];
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (len > n) {
        buf[n++] = '.';
        buf[n++] = '.';
        buf[n++] = '.';
    }
    buf[n] = '\0';
    return buf;
}

tflc_status tflc_flex_read_nodedef(tflc_node *node, const char *tf_op, tflc_nodedef *nd) {
    const tflc_op_desc *d = node->desc;
    char seen[64];
    if (d->custom_name && (strncmp(d->custom_name, "Flex", 4) != 0 || strcmp(d->custom_name + 4, tf_op) != 0))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "custom op '%s' is not Flex%s", d->custom_name, tf_op);
    if (!d->custom_options || d->custom_options_size == 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "Flex op without custom options (expected a FlexBuffer [op name, NodeDef])");
    tflc_flx_ref root, e;
    size_t n = 0;
    if (!tflc_flx_root(d->custom_options, d->custom_options_size, &root) || !tflc_flx_vector_size(&root, &n) ||
        n < 2)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "custom options are not a FlexBuffer vector [op name, NodeDef]");
    const char *name;
    size_t name_len;
    if (!tflc_flx_vector_at(&root, 0, &e) || !tflc_flx_string(&e, &name, &name_len))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "custom options: element 0 is not an op name");
    if (!same_name(name, name_len, tf_op))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "custom options name op '%s', expected '%s'",
                              shown(name, name_len, seen, sizeof seen), tf_op);
    const uint8_t *bytes;
    size_t size;
    if (!tflc_flx_vector_at(&root, 1, &e) || !tflc_flx_blob(&e, &bytes, &size))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "custom options: element 1 is not a serialized NodeDef");
    if (!tflc_nodedef_parse(bytes, size, nd))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "malformed NodeDef in custom options: %s",
                              nd->error);
    if (!tflc_nodedef_op_is(nd, tf_op))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "the NodeDef is for op '%s', expected '%s'",
                              shown(nd->op, nd->op_len, seen, sizeof seen), tf_op);
    return TFLC_OK;
}

/* ---------------------------------------------------------------- attrs -- */

static tflc_status attr_mismatch(tflc_node *node, const tflc_nodedef *nd, const char *name, const char *want) {
    const tflc_attr *a = tflc_nodedef_attr(nd, name);
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "attr '%s' holds a %s value, expected %s", name,
                          tflc_attr_kind_name(a ? a->kind : TFLC_ATTR_NONE), want);
}

tflc_status tflc_flex_attr_int(tflc_node *node, const tflc_nodedef *nd, const char *name, int64_t def,
                               int64_t *out) {
    *out = def;
    tflc_attr_get g = tflc_nodedef_attr_int(nd, name, out);
    return g == TFLC_ATTR_MISMATCH ? attr_mismatch(node, nd, name, "an int") : TFLC_OK;
}

tflc_status tflc_flex_attr_bool(tflc_node *node, const tflc_nodedef *nd, const char *name, bool def,
                                bool *out) {
    *out = def;
    tflc_attr_get g = tflc_nodedef_attr_bool(nd, name, out);
    return g == TFLC_ATTR_MISMATCH ? attr_mismatch(node, nd, name, "a bool") : TFLC_OK;
}

tflc_status tflc_flex_attr_float(tflc_node *node, const tflc_nodedef *nd, const char *name, float def,
                                 float *out) {
    *out = def;
    tflc_attr_get g = tflc_nodedef_attr_float(nd, name, out);
    return g == TFLC_ATTR_MISMATCH ? attr_mismatch(node, nd, name, "a float") : TFLC_OK;
}

tflc_status tflc_flex_attr_type(tflc_node *node, const tflc_nodedef *nd, const char *name, int def, int *out) {
    *out = def;
    tflc_attr_get g = tflc_nodedef_attr_type(nd, name, out);
    if (g == TFLC_ATTR_MISMATCH) return attr_mismatch(node, nd, name, "a type");
    if (g == TFLC_ATTR_MISSING && def == 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "the NodeDef lacks the required attr '%s'", name);
    return TFLC_OK;
}

tflc_status tflc_flex_attr_string(tflc_node *node, const tflc_nodedef *nd, const char *name, const char *def,
                                  const char **data, size_t *len) {
    *data = def;
    *len = strlen(def);
    tflc_attr_get g = tflc_nodedef_attr_string(nd, name, data, len);
    return g == TFLC_ATTR_MISMATCH ? attr_mismatch(node, nd, name, "a string") : TFLC_OK;
}

const char *tflc_flex_operators(void) { return tflc_flex_supported_ops(); }
