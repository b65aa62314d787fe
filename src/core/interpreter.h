/* interpreter.h -- the interpreter: a model plus the state its signatures share. */
#ifndef TFLC_CORE_INTERPRETER_H
#define TFLC_CORE_INTERPRETER_H

#include <pthread.h>

#include "core/internal.h"
#include "core/resources.h"

struct tflc_interpreter {
    const tflc_model *model;
    int num_threads;
    tflc_custom_op *custom_ops;       /* copied from the options */
    int n_custom_ops;
    tflc_resources resources;         /* variables, hash tables, init once-flags (own locks) */
};

/* The registered custom op called `name`, or NULL. */
const tflc_custom_op *tflc_interpreter_custom_op(const tflc_interpreter *interp, const char *name);

#endif
