/*
 * npy.h -- read and write numpy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Supported: C-order arrays of little-endian or byte-order-free dtypes
 *
 *     '<f2' float16  '<f4' float32  '<f8' float64  '<c8' complex64  '<c16' complex128
 *     '|i1' int8     '<i2' int16    '<i4' int32    '<i8' int64
 *     '|u1' uint8    '<u2' uint16   '<u4' uint32   '<u8' uint64      '|b1' bool
 *     '|S<n>' bytes, '<U<n>' unicode (parsed: dtype TFLC_STRING, itemsize n or 4*n;
 *                                     the data is loaded as stored, not converted)
 *
 * One-byte dtypes may be written with any byte-order mark ('<i1', '|i1').
 * Rejected with a message: big-endian dtypes, Fortran order (unless the layout is the same
 * as C order, i.e. at most one dimension is larger than 1), structured dtypes, rank > 8.
 *
 * Self-contained: only tflc.h, for the tflc_dtype enum; it does not link against the
 * library. Every function that can fail writes a one-line message to err[0..errlen) (may be
 * NULL / 0) and returns non-zero; it never prints or exits.
 */
#ifndef TFLC_NPY_H
#define TFLC_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "tflc.h"

#define NPY_MAX_RANK 8

typedef struct npy_array {
    char descr[16];     /* as written in the header, e.g. "<f4", "|S5" */
    char kind;          /* numpy kind: 'f' 'i' 'u' 'b' 'c' 'S' 'U' */
    tflc_dtype dtype;   /* TFLC_STRING for 'S' and 'U' */
    size_t itemsize;    /* bytes per element (for 'U': 4 * characters) */
    int rank;           /* 0 for a scalar */
    int64_t shape[NPY_MAX_RANK];
    size_t count;       /* product of shape (1 for a scalar) */
    void *data;         /* count * itemsize bytes, malloc'ed, never NULL after a load */
} npy_array;

/* Reads the whole file. On failure *out is zeroed and err says what, prefixed by path. */
int npy_load(const char *path, npy_array *out, char *err, size_t errlen);

/* Parses buf[0..size); the data is copied, buf may be freed after return. */
int npy_load_buffer(const void *buf, size_t size, npy_array *out, char *err, size_t errlen);

/* Frees a->data and zeroes *a. NULL or an already freed array is a no-op. */
void npy_free(npy_array *a);

/* Writes a version 1.0 file (2.0 if the header does not fit) holding dims[0..rank) of
 * dtype; bytes must equal the product of dims times the dtype's size. rank 0 writes a
 * scalar. Fails for dtypes without a fixed-size numpy equivalent (string, bfloat16, int4,
 * resource, variant). */
int npy_save(const char *path, tflc_dtype dtype, const int32_t *dims, int rank,
             const void *data, size_t bytes, char *err, size_t errlen);

/* Encodes the same file into a malloc'ed buffer (*buf_out, *size_out). */
int npy_save_buffer(tflc_dtype dtype, const int32_t *dims, int rank, const void *data,
                    size_t bytes, void **buf_out, size_t *size_out, char *err, size_t errlen);

/* Writes strings[0..count) as a numpy bytes array '|S<n>' of shape dims[0..rank) (product
 * must equal count), n the longest string (at least 1). numpy drops trailing NUL bytes of
 * each item when it reads such a file. */
int npy_save_strings(const char *path, const int32_t *dims, int rank, const tflc_string_ref *strings,
                     size_t count, char *err, size_t errlen);

/* The strings of a loaded 'S' (bytes; trailing NULs dropped, as numpy does) or 'U' (UTF-32,
 * converted to UTF-8) array: *refs_out[i] points into *storage_out; free both. */
int npy_strings(const npy_array *a, tflc_string_ref **refs_out, char **storage_out, char *err,
                size_t errlen);

/* The descr npy_save writes for dtype ("<f4"), or NULL if it has none. */
const char *npy_descr_of(tflc_dtype dtype);

/* IEEE half <-> single precision (round to nearest even), for float16 data. */
float npy_f16_to_f32(uint16_t h);
uint16_t npy_f32_to_f16(float f);

#endif
