/* model.h -- model-internal helpers shared with the runner. */
#ifndef TFLC_CORE_MODEL_H
#define TFLC_CORE_MODEL_H

#include "core/internal.h"

/* The operator's display name: its custom name, or its builtin name ("FULLY_CONNECTED"). */
const char *tflc_op_desc_name(const tflc_op_desc *op);

#endif
