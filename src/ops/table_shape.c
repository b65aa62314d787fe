/* table_shape.c -- the operators of the shape family (shape ops, reductions, gather and scatter). */
#include "ops/ops.h"

const tflc_registry_entry tflc_registry_shape[] = {
    TFLC_REGISTRY_END,
};
