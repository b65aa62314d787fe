/*
 * strings.h -- string tensors for operators.
 *
 * Layout (TFLite's): int32 n | int32 offsets[n + 1] | bytes. offsets are from the start of
 * the buffer; string i is bytes [offsets[i], offsets[i+1]). offsets[0] == 4 * (n + 2) and
 * offsets[n] == the buffer size.
 *
 * String tensors are never placed in the arena: each has a runner-owned heap buffer that
 * grows as needed and is kept between invokes (so a steady state does not allocate).
 * Shapes are known at prepare like any other tensor; only the byte size waits for eval.
 */
#ifndef TFLC_CORE_STRINGS_H
#define TFLC_CORE_STRINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"
#include "format/string_layout.h"

/* For a validated string tensor (inputs of an op are always validated). */
size_t tflc_strings_count(const tflc_tensor *t);
const char *tflc_strings_get(const tflc_tensor *t, size_t index, size_t *len_out);

/* Building a string output during eval:
 *     tflc_string_writer w;
 *     tflc_strings_begin(&w, node, 0, n);              // n == element count of output 0
 *     for each i: tflc_strings_append(&w, bytes, len);  // exactly n times, in order
 *     return tflc_strings_end(&w);
 * Each call returns TFLC_OK or an error already recorded on the node (out of memory, size
 * limit). The output's shape must have been set at prepare. */
typedef struct tflc_string_writer {
    tflc_node *node;
    tflc_tensor *tensor;
    size_t n, next;       /* strings expected, strings written */
    size_t used;          /* bytes used so far, header included */
} tflc_string_writer;

tflc_status tflc_strings_begin(tflc_string_writer *w, tflc_node *node, int output, size_t n);
tflc_status tflc_strings_append(tflc_string_writer *w, const char *data, size_t len);
tflc_status tflc_strings_end(tflc_string_writer *w);

/* Makes sure tensor t's heap buffer holds at least `bytes` (growing geometrically); the
 * runner frees it. Records the failure on the node when node is not NULL. */
tflc_status tflc_tensor_reserve(tflc_tensor *t, size_t bytes, uint64_t max_bytes);

#endif
