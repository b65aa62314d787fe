/* table_math.c -- the operators of the math family (elementwise math, comparisons, logic, cast). */
#include "ops/ops.h"

const tflc_registry_entry tflc_registry_math[] = {
    TFLC_REGISTRY_END,
};
