/*
 * hashtable.c -- HASHTABLE, HASHTABLE_IMPORT, HASHTABLE_FIND, HASHTABLE_SIZE: the lookup
 * tables TensorFlow's tf.lookup.StaticHashTable converts to. Tables belong to the
 * interpreter (resources.c), keyed by the table_id option, so an init subgraph can fill a
 * table that every signature then reads.
 */
#include <string.h>

#include "core/interpreter.h"
#include "core/resources.h"
#include "core/runner.h"
#include "ops/ops.h"

enum { HASHTABLE_OPT_TABLE_ID = 0, HASHTABLE_OPT_KEY_DTYPE = 1, HASHTABLE_OPT_VALUE_DTYPE = 2 };

static tflc_resources *resources_of(const tflc_node *node) { return &node->graph->runner->interp->resources; }

static tflc_status table_of(tflc_node *node, const tflc_tensor *t, tflc_hashtable **table) {
    int32_t h = -1;
    if (t->dtype == TFLC_RESOURCE && t->bytes >= 4 && t->data) memcpy(&h, t->data, 4);
    *table = tflc_hashtable_by_handle(resources_of(node), h);
    return *table ? TFLC_OK : tflc_node_fail(node, TFLC_ERROR_RUNTIME, "resource handle %d names no hash table", h);
}

typedef struct table_params {
    int32_t handle;
} table_params;

static tflc_status hashtable_prepare(tflc_node *node) {
    table_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 0, 0, 1);
    const uint8_t *o = node->desc->options;
    if (s != TFLC_OK) return s;
    if (!o) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "HASHTABLE has no options");
    char err[TFLC_ERRMSG_SIZE];
    s = tflc_hashtable_get(resources_of(node), fb_i32(o, HASHTABLE_OPT_TABLE_ID, 0),
                           (tflc_dtype)fb_i8(o, HASHTABLE_OPT_KEY_DTYPE, 0),
                           (tflc_dtype)fb_i8(o, HASHTABLE_OPT_VALUE_DTYPE, 0), &p->handle, err);
    if (s != TFLC_OK) return tflc_node_fail(node, s, "%s", err);
    const tflc_tensor_desc *d = node->outputs[0]->desc;
    return tflc_node_set_output_shape(node, 0, d->shape, d->rank);
}

static tflc_status hashtable_eval(tflc_node *node) {
    const table_params *p = node->params;
    tflc_tensor *out = node->outputs[0];
    for (size_t i = 0; i < out->bytes / 4; i++) memcpy((char *)out->data + 4 * i, &p->handle, 4);
    return TFLC_OK;
}

static tflc_status import_prepare(tflc_node *node) { return tflc_ops_check_arity(node, 3, 3, 0); }

static tflc_status import_eval(tflc_node *node) {
    tflc_hashtable *t;
    tflc_status s = table_of(node, node->inputs[0], &t);
    char err[TFLC_ERRMSG_SIZE];
    if (s == TFLC_OK) s = tflc_hashtable_import(resources_of(node), t, node->inputs[1], node->inputs[2], err);
    return s == TFLC_OK || s == TFLC_ERROR_RUNTIME ? s : tflc_node_fail(node, s, "%s", err);
}

static tflc_status find_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 3, 3, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *keys = node->inputs[1], *fallback = node->inputs[2];
    if (fallback->dtype != node->outputs[0]->dtype || tflc_tensor_count(fallback) < 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "the default value must be one %s",
                              tflc_dtype_name(node->outputs[0]->dtype));
    return tflc_node_set_output_shape(node, 0, keys->dims, keys->rank);
}

static tflc_status find_eval(tflc_node *node) {
    tflc_hashtable *t;
    tflc_status s = table_of(node, node->inputs[0], &t);
    if (s == TFLC_OK) s = tflc_hashtable_find(resources_of(node), t, node, node->inputs[1], node->inputs[2], 0);
    return s;
}

static tflc_status size_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    if (node->outputs[0]->dtype != TFLC_INT64)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "the output must be int64");
    const int32_t one[1] = {1};
    return tflc_node_set_output_shape(node, 0, one, 1);
}

static tflc_status size_eval(tflc_node *node) {
    tflc_hashtable *t;
    tflc_status s = table_of(node, node->inputs[0], &t);
    if (s == TFLC_OK) ((int64_t *)node->outputs[0]->data)[0] = tflc_hashtable_size(resources_of(node), t);
    return s;
}

const tflc_kernel tflc_kernel_hashtable = {
    .name = "HASHTABLE", .params_size = sizeof(table_params), .prepare = hashtable_prepare, .eval = hashtable_eval,
};
const tflc_kernel tflc_kernel_hashtable_import = {
    .name = "HASHTABLE_IMPORT", .prepare = import_prepare, .eval = import_eval, .flags = TFLC_KERNEL_STATEFUL,
};
const tflc_kernel tflc_kernel_hashtable_find = {
    .name = "HASHTABLE_FIND", .prepare = find_prepare, .eval = find_eval, .flags = TFLC_KERNEL_STATEFUL,
};
const tflc_kernel tflc_kernel_hashtable_size = {
    .name = "HASHTABLE_SIZE", .prepare = size_prepare, .eval = size_eval, .flags = TFLC_KERNEL_STATEFUL,
};
