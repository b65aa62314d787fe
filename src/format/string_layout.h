/*
 * string_layout.h -- the byte layout of a TFLite string tensor, as constant buffers in the
 * model and string tensors at run time hold it:
 *     int32 n | int32 offsets[n + 1] | bytes
 * offsets count from the start of the buffer: string i is bytes [offsets[i], offsets[i+1]),
 * offsets[0] == 4 * (n + 2), offsets[n] == the buffer size.
 */
#ifndef TFLC_FORMAT_STRING_LAYOUT_H
#define TFLC_FORMAT_STRING_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a buffer holding n strings of total_bytes bytes, or 0 past 2^31 (int32 offsets). */
size_t tflc_strings_buffer_size(size_t n, size_t total_bytes);

/* True when buf[0..size) is a well-formed layout of exactly expected_count strings. */
bool tflc_strings_valid(const void *buf, size_t size, size_t expected_count);

#endif
