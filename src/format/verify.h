/*
 * verify.h -- the gate every model passes before anything reads it.
 *
 * Two passes over the untrusted file:
 *   structural (verify.c)  every table, vtable, offset, vector, string and union the TFLite
 *                          schema describes is checked for bounds, alignment and nesting,
 *                          with nothing read before it is proven in bounds;
 *   semantic   (check.c)   cross-references a runtime relies on: tensor, buffer, opcode and
 *                          subgraph indices, shapes and their byte sizes, quantization,
 *                          signatures, and a call graph without recursion.
 * Only after both pass may the trusted accessors of flatbuf.h be used on the buffer.
 *
 * What the structural pass guarantees to readers (flatbuf.h):
 *   - every field of the tables described in verify.c (Model, SubGraph, Tensor, Operator,
 *     Buffer, ..., and every BuiltinOptions table) can be read with the accessor of its
 *     schema type: scalars fit inside the table and are aligned to their size; offsets lead
 *     to in-bounds, aligned tables, vectors and NUL-terminated strings;
 *   - a union's value is present only when its type is not NONE. Tables of union types
 *     verify.c does not know (newer schemas, BuiltinOptions2) are only checked to be
 *     well-formed tables: do not follow their offset fields.
 */
#ifndef TFLC_FORMAT_VERIFY_H
#define TFLC_FORMAT_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "tflc.h"

typedef struct tflc_verify_limits {
    uint64_t max_tensor_bytes;   /* cap on any tensor's byte size (shape x dtype size); 0: 1 GiB */
    int max_depth;               /* table nesting limit; <= 0: 64 */
} tflc_verify_limits;

/* Structural + semantic verification of buf[0..size), the whole file (external buffers
 * included). lim may be NULL (defaults). Returns TFLC_OK, TFLC_ERROR_INVALID_MODEL, or
 * TFLC_ERROR_UNSUPPORTED for valid TFLite that tflc does not do (rank > TFLC_MAX_RANK,
 * sparse tensors, schema version other than 3), or TFLC_ERROR_OUT_OF_MEMORY. On failure
 * writes a NUL-terminated message naming the place and the fault into err[0..err_size)
 * (err may be NULL), e.g.
 *   "subgraph 0, tensor 12: buffer 40 out of range (model has 39 buffers)".
 * Work is linear in size: a file whose structure is shared many times over is refused. */
tflc_status tflc_verify_model(const uint8_t *buf, size_t size, const tflc_verify_limits *lim,
                              char *err, size_t err_size);

/* The semantic pass alone (check.c). buf must already have passed the structural pass;
 * lim must not be NULL and holds resolved (non-zero) limits. Same results as above. */
tflc_status tflc_check_model(const uint8_t *buf, size_t size, const tflc_verify_limits *lim,
                             char *err, size_t err_size);

#endif
