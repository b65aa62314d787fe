/* table_conv.c -- the operators of the conv family (convolution and pooling). */
#include "ops/ops.h"

const tflc_registry_entry tflc_registry_conv[] = {
    TFLC_REGISTRY_END,
};
