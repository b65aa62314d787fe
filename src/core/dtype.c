/* dtype.c -- names and element sizes of the schema's TensorType values. */
#include "core/internal.h"

typedef struct dtype_info {
    const char *name;
    size_t size;
} dtype_info;

static const dtype_info dtype_table[TFLC_DTYPE_COUNT] = {
    [TFLC_FLOAT32] = {"float32", 4},     [TFLC_FLOAT16] = {"float16", 2},
    [TFLC_INT32] = {"int32", 4},         [TFLC_UINT8] = {"uint8", 1},
    [TFLC_INT64] = {"int64", 8},         [TFLC_STRING] = {"string", 0},
    [TFLC_BOOL] = {"bool", 1},           [TFLC_INT16] = {"int16", 2},
    [TFLC_COMPLEX64] = {"complex64", 8}, [TFLC_INT8] = {"int8", 1},
    [TFLC_FLOAT64] = {"float64", 8},     [TFLC_COMPLEX128] = {"complex128", 16},
    [TFLC_UINT64] = {"uint64", 8},       [TFLC_RESOURCE] = {"resource", 0},
    [TFLC_VARIANT] = {"variant", 0},     [TFLC_UINT32] = {"uint32", 4},
    [TFLC_UINT16] = {"uint16", 2},       [TFLC_INT4] = {"int4", 0},
    [TFLC_BFLOAT16] = {"bfloat16", 2},
};

const char *tflc_dtype_name(tflc_dtype dtype) {
    if ((unsigned)dtype >= TFLC_DTYPE_COUNT) return "unknown";
    return dtype_table[dtype].name;
}

size_t tflc_dtype_size(tflc_dtype dtype) {
    if ((unsigned)dtype >= TFLC_DTYPE_COUNT) return 0;
    return dtype_table[dtype].size;
}

bool tflc_shape_bytes(const int32_t *dims, int rank, size_t elem_size, uint64_t cap,
                      size_t *bytes_out) {
    uint64_t n = elem_size;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) return false;
        uint64_t d = (uint64_t)dims[i];
        if (d != 0 && n > UINT64_MAX / d) return false;
        n *= d;
    }
    if (n > cap || n > SIZE_MAX) return false;
    *bytes_out = (size_t)n;
    return true;
}
