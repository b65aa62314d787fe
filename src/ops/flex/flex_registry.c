/* flex_registry.c -- TensorFlow op name -> kernel, for Flex custom ops. */
#include <string.h>

#include "ops/flex/flex.h"

const tflc_kernel *tflc_find_flex_kernel(const char *tf_op_name) {
    (void)tf_op_name;
    return NULL;
}

const char *tflc_flex_supported_ops(void) { return "(none)"; }
