/* strings.c -- TFLite's string tensor layout: validation, reading, and growable writing. */
#include <stdlib.h>
#include <string.h>

#include "core/strings.h"
#include "core/runner.h"

static int32_t load_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
static void store_i32(uint8_t *p, int32_t v) { memcpy(p, &v, 4); }

size_t tflc_strings_count(const tflc_tensor *t) {
    return t->data && t->bytes >= 4 ? (size_t)load_i32(t->data) : 0;
}

const char *tflc_strings_get(const tflc_tensor *t, size_t index, size_t *len_out) {
    const uint8_t *b = t->data;
    int32_t start = load_i32(b + 4 + 4 * index), end = load_i32(b + 8 + 4 * index);
    *len_out = (size_t)(end - start);
    return (const char *)b + start;
}

tflc_status tflc_tensor_reserve(tflc_tensor *t, size_t bytes, uint64_t max_bytes) {
    if (bytes > max_bytes) return TFLC_ERROR_INVALID_ARGUMENT;
    if (bytes <= t->capacity && t->heap) {
        t->data = t->heap;
        return TFLC_OK;
    }
    size_t grown = t->capacity + t->capacity / 2;
    size_t capacity = bytes > grown ? bytes : grown;
    if (capacity > max_bytes) capacity = bytes;
    void *p = realloc(t->heap, capacity ? capacity : 1);
    if (!p) return TFLC_ERROR_OUT_OF_MEMORY;
    t->heap = p;
    t->data = p;
    t->capacity = capacity;
    return TFLC_OK;
}

/* ----------------------------------------------------------------- writer -- */

static uint64_t max_bytes_of(const tflc_node *node) { return node->graph->runner->model->max_tensor_bytes; }

static tflc_status writer_reserve(tflc_string_writer *w, size_t bytes) {
    tflc_status s = tflc_tensor_reserve(w->tensor, bytes, max_bytes_of(w->node));
    if (s == TFLC_ERROR_OUT_OF_MEMORY)
        return tflc_node_fail(w->node, s, "out of memory growing a string output to %zu bytes", bytes);
    if (s != TFLC_OK)
        return tflc_node_fail(w->node, TFLC_ERROR_RUNTIME,
                              "string output would exceed the tensor size limit (%zu bytes)", bytes);
    return TFLC_OK;
}

tflc_status tflc_strings_begin(tflc_string_writer *w, tflc_node *node, int output, size_t n) {
    memset(w, 0, sizeof *w);
    w->node = node;
    w->tensor = node->outputs[output];
    w->n = n;
    w->used = tflc_strings_buffer_size(n, 0);
    if (w->used == 0) return tflc_node_fail(node, TFLC_ERROR_RUNTIME, "too many strings (%zu)", n);
    tflc_status s = writer_reserve(w, w->used);
    if (s != TFLC_OK) return s;
    uint8_t *b = w->tensor->data;
    store_i32(b, (int32_t)n);
    store_i32(b + 4, (int32_t)w->used);
    return TFLC_OK;
}

tflc_status tflc_strings_append(tflc_string_writer *w, const char *data, size_t len) {
    if (w->next >= w->n) return tflc_node_fail(w->node, TFLC_ERROR_RUNTIME, "more strings than elements");
    if (len > (size_t)INT32_MAX - w->used)
        return tflc_node_fail(w->node, TFLC_ERROR_RUNTIME, "string output exceeds 2 GiB");
    tflc_status s = writer_reserve(w, w->used + len);
    if (s != TFLC_OK) return s;
    uint8_t *b = w->tensor->data;
    if (len) memcpy(b + w->used, data, len);
    w->used += len;
    w->next++;
    store_i32(b + 4 + 4 * w->next, (int32_t)w->used);
    return TFLC_OK;
}

tflc_status tflc_strings_end(tflc_string_writer *w) {
    if (w->next != w->n)
        return tflc_node_fail(w->node, TFLC_ERROR_RUNTIME, "wrote %zu strings, expected %zu", w->next, w->n);
    w->tensor->bytes = w->used;
    return TFLC_OK;
}
