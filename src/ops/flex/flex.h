/* flex.h -- Select TensorFlow ops ("Flex<Op>" custom ops) run natively. */
#ifndef TFLC_OPS_FLEX_H
#define TFLC_OPS_FLEX_H

#include "core/internal.h"

/* The kernel for TensorFlow op `tf_op_name` ("AsString", without the "Flex" prefix), or NULL. */
const tflc_kernel *tflc_find_flex_kernel(const char *tf_op_name);

/* The supported TensorFlow op names, comma separated ("AsString, StringToNumber"). */
const char *tflc_flex_supported_ops(void);

#endif
