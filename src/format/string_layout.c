/* string_layout.c -- TFLite's string buffer layout (see string_layout.h). */
#include <string.h>

#include "format/string_layout.h"

static int32_t load_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

size_t tflc_strings_buffer_size(size_t n, size_t total_bytes) {
    /* offsets are int32: the whole buffer must stay below 2^31 */
    if (n > (size_t)INT32_MAX / 4 - 2) return 0;
    size_t header = 4 * (n + 2);
    if (total_bytes > (size_t)INT32_MAX - header) return 0;
    return header + total_bytes;
}

bool tflc_strings_valid(const void *buf, size_t size, size_t expected_count) {
    const uint8_t *b = buf;
    if (!b || size < 8 || size > (size_t)INT32_MAX) return false;
    int32_t n = load_i32(b);
    if (n < 0 || (size_t)n != expected_count) return false;
    size_t header = tflc_strings_buffer_size((size_t)n, 0);
    if (header == 0 || header > size) return false;
    int32_t prev = (int32_t)header;
    if (load_i32(b + 4) != prev) return false;
    for (int32_t i = 1; i <= n; i++) {
        int32_t off = load_i32(b + 4 + 4 * (size_t)i);
        if (off < prev || (size_t)off > size) return false;
        prev = off;
    }
    return (size_t)prev == size;
}

