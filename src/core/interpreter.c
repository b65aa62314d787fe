/* interpreter.c -- creating and freeing interpreters; custom op lookup. */
#include <stdlib.h>
#include <string.h>

#include "core/interpreter.h"

void tflc_interpreter_options_init(tflc_interpreter_options *options) {
    if (options) memset(options, 0, sizeof *options);
}

static tflc_status copy_custom_ops(tflc_interpreter *it, const tflc_interpreter_options *o) {
    if (o->custom_op_count < 0 || (o->custom_op_count > 0 && !o->custom_ops))
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT,
                         "custom_op_count is %d but custom_ops is %s", o->custom_op_count,
                         o->custom_ops ? "set" : "NULL");
    if (o->custom_op_count == 0) return TFLC_OK;
    for (int i = 0; i < o->custom_op_count; i++) {
        const tflc_custom_op *op = &o->custom_ops[i];
        if (!op->name || !op->invoke)
            return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT,
                             "custom op %d: name and invoke are required", i);
    }
    it->custom_ops = malloc((size_t)o->custom_op_count * sizeof *it->custom_ops);
    if (!it->custom_ops) return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    memcpy(it->custom_ops, o->custom_ops, (size_t)o->custom_op_count * sizeof *it->custom_ops);
    it->n_custom_ops = o->custom_op_count;
    return TFLC_OK;
}

tflc_status tflc_interpreter_create(const tflc_model *model, const tflc_interpreter_options *options,
                                    tflc_interpreter **interp_out) {
    if (!interp_out) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "interp_out is NULL");
    *interp_out = NULL;
    if (!model) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "model is NULL");
    tflc_interpreter_options defaults;
    tflc_interpreter_options_init(&defaults);
    if (!options) options = &defaults;
    if (options->num_threads < 0)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "num_threads is %d; use 0 or more",
                         options->num_threads);
    tflc_interpreter *it = calloc(1, sizeof *it);
    if (!it) return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    it->model = model;
    it->num_threads = options->num_threads ? options->num_threads : 1;
    tflc_status s = copy_custom_ops(it, options);
    if (s != TFLC_OK) {
        free(it);
        return s;
    }
    if (pthread_mutex_init(&it->lock, NULL) != 0) {
        free(it->custom_ops);
        free(it);
        return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "cannot create a mutex");
    }
    *interp_out = it;
    return TFLC_OK;
}

void tflc_interpreter_free(tflc_interpreter *interp) {
    if (!interp) return;
    pthread_mutex_destroy(&interp->lock);
    free(interp->custom_ops);
    free(interp);
}

const tflc_model *tflc_interpreter_model(const tflc_interpreter *interp) {
    return interp ? interp->model : NULL;
}

const tflc_custom_op *tflc_interpreter_custom_op(const tflc_interpreter *interp, const char *name) {
    for (int i = 0; i < interp->n_custom_ops; i++)
        if (strcmp(interp->custom_ops[i].name, name) == 0) return &interp->custom_ops[i];
    return NULL;
}
