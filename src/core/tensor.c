/* tensor.c -- the public tensor accessors. */
#include <string.h>

#include "core/internal.h"

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

tflc_status tflc_tensor_copy_from(tflc_tensor *t, const void *data, size_t size) {
    if (!t || (!data && size))
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor or data is NULL");
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
