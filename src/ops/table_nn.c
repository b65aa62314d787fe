/* table_nn.c -- the operators of the nn family (matmul, quantized and hybrid FC, normalization, resize, recurrent). */
#include "ops/ops.h"

const tflc_registry_entry tflc_registry_nn[] = {
    TFLC_REGISTRY_END,
};
