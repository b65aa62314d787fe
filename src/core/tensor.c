/* tensor.c -- the public tensor accessors. */
#include <string.h>

#include "core/internal.h"
#include "core/strings.h"

const char *tflc_tensor_name(const tflc_tensor *t) { return t ? t->desc->name : NULL; }
tflc_dtype tflc_tensor_dtype(const tflc_tensor *t) { return t ? t->dtype : TFLC_FLOAT32; }
int tflc_tensor_rank(const tflc_tensor *t) { return t ? t->rank : 0; }
const int32_t *tflc_tensor_dims(const tflc_tensor *t) { return t ? t->dims : NULL; }
size_t tflc_tensor_element_count(const tflc_tensor *t) { return t ? tflc_tensor_count(t) : 0; }
size_t tflc_tensor_byte_size(const tflc_tensor *t) { return t ? t->bytes : 0; }
void *tflc_tensor_data(tflc_tensor *t) {
    /* Constants live in the read-only model: they are never handed out writable. */
    return t && t->alloc == TFLC_ALLOC_ARENA ? t->data : NULL;
}
const void *tflc_tensor_data_const(const tflc_tensor *t) { return t ? t->data : NULL; }

const int32_t *tflc_tensor_shape_signature(const tflc_tensor *t, int *rank_out) {
    if (!t) {
        if (rank_out) *rank_out = 0;
        return NULL;
    }
    if (rank_out) *rank_out = t->desc->signature_rank;
    return t->desc->shape_signature;
}

void tflc_tensor_quantization(const tflc_tensor *t, tflc_quantization *q_out) {
    if (!q_out) return;
    memset(q_out, 0, sizeof *q_out);
    if (t) *q_out = t->desc->quant;
}

/* A string tensor takes a whole buffer in TFLite's layout, checked against its shape. */
static tflc_status copy_strings_from(tflc_tensor *t, const void *data, size_t size) {
    if (!tflc_strings_valid(data, size, tflc_tensor_count(t)))
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT,
                         "tensor '%s': %zu bytes are not a string buffer of %zu strings", t->desc->name, size,
                         tflc_tensor_count(t));
    if (tflc_tensor_reserve(t, size, UINT64_MAX) != TFLC_OK)
        return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    memcpy(t->data, data, size);
    t->bytes = size;
    return TFLC_OK;
}

tflc_status tflc_tensor_copy_from(tflc_tensor *t, const void *data, size_t size) {
    if (!t || (!data && size))
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor or data is NULL");
    if (t->alloc == TFLC_ALLOC_HEAP && t->dtype == TFLC_STRING) return copy_strings_from(t, data, size);
    if (t->alloc != TFLC_ALLOC_ARENA)
        return tflc_fail(NULL, TFLC_ERROR_MISUSE, "tensor '%s' has no writable memory (allocate first)",
                         t->desc->name);
    if (size != t->bytes)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' holds %zu bytes, not %zu",
                         t->desc->name, t->bytes, size);
    if (size) memcpy(t->data, data, size);
    return TFLC_OK;
}

tflc_status tflc_tensor_copy_to(const tflc_tensor *t, void *data, size_t size) {
    if (!t || (!data && size))
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor or data is NULL");
    if (!t->data && t->bytes)
        return tflc_fail(NULL, TFLC_ERROR_MISUSE, "tensor '%s' has no memory yet (allocate first)",
                         t->desc->name);
    if (size != t->bytes)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' holds %zu bytes, not %zu",
                         t->desc->name, t->bytes, size);
    if (size) memcpy(data, t->data, size);
    return TFLC_OK;
}

size_t tflc_tensor_string_count(const tflc_tensor *t) {
    return t && t->dtype == TFLC_STRING ? tflc_strings_count(t) : 0;
}

tflc_status tflc_tensor_string_at(const tflc_tensor *t, size_t index, const char **data_out, size_t *size_out) {
    if (!t || !data_out || !size_out)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor, data_out or size_out is NULL");
    *data_out = NULL;
    *size_out = 0;
    if (t->dtype != TFLC_STRING)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' has dtype %s, not string", t->desc->name,
                         tflc_dtype_name(t->dtype));
    size_t n = tflc_strings_count(t);
    if (index >= n)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor '%s' holds %zu strings; no string %zu",
                         t->desc->name, n, index);
    *data_out = tflc_strings_get(t, index, size_out);
    return TFLC_OK;
}
