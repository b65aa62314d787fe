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
    if (tflc_resources_init(&it->resources, model) != TFLC_OK) {
        free(it->custom_ops);
        free(it);
        return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory creating the interpreter's resources");
    }
    *interp_out = it;
    return TFLC_OK;
}

void tflc_interpreter_free(tflc_interpreter *interp) {
    if (!interp) return;
    tflc_resources_release(&interp->resources);
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

/* -------------------------------------------------------------- variables -- */

int tflc_interpreter_variable_count(const tflc_interpreter *interp) {
    return interp ? interp->resources.n_vars : 0;
}

const char *tflc_interpreter_variable_name(const tflc_interpreter *interp, int index) {
    if (!interp || index < 0 || index >= interp->resources.n_vars) return NULL;
    return interp->resources.vars[index].shared_name;
}

static int variable_by_name(tflc_interpreter *interp, const char *name) {
    for (int i = 0; name && i < interp->resources.n_vars; i++)
        if (strcmp(interp->resources.vars[i].shared_name, name) == 0) return i;
    return -1;
}

tflc_status tflc_interpreter_read_variable(tflc_interpreter *interp, const char *name, tflc_dtype *dtype_out,
                                           int32_t *dims_out, int *rank_out, void *data, size_t size) {
    if (!interp || !dtype_out || !dims_out || !rank_out)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "interpreter or an output pointer is NULL");
    int h = variable_by_name(interp, name);
    if (h < 0) return tflc_fail(NULL, TFLC_ERROR_NOT_FOUND, "the model has no variable '%s'", name ? name : "(null)");
    tflc_resources *res = &interp->resources;
    pthread_mutex_lock(&res->lock);
    const tflc_variable *v = &res->vars[h];
    tflc_status s = TFLC_OK;
    if (!v->assigned) {
        s = tflc_fail(NULL, TFLC_ERROR_MISUSE, "variable '%s' has no value yet (allocate a runner first)", name);
    } else {
        *dtype_out = v->dtype;
        *rank_out = v->rank;
        memcpy(dims_out, v->dims, (size_t)v->rank * sizeof *dims_out);
        if (data && size != v->bytes)
            s = tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "variable '%s' holds %zu bytes, not %zu", name, v->bytes, size);
        else if (data && v->bytes)
            memcpy(data, v->data, v->bytes);
    }
    pthread_mutex_unlock(&res->lock);
    return s;
}

tflc_status tflc_interpreter_write_variable(tflc_interpreter *interp, const char *name, tflc_dtype dtype,
                                            const int32_t *dims, int rank, const void *data, size_t size) {
    if (!interp || (rank > 0 && !dims) || (size && !data))
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "interpreter, dims or data is NULL");
    int h = variable_by_name(interp, name);
    if (h < 0) return tflc_fail(NULL, TFLC_ERROR_NOT_FOUND, "the model has no variable '%s'", name ? name : "(null)");
    if (rank < 0 || rank > TFLC_MAX_RANK) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "bad rank %d", rank);
    size_t bytes;
    if (!tflc_shape_bytes(dims, rank, tflc_dtype_size(dtype), interp->model->max_tensor_bytes, &bytes) ||
        tflc_dtype_size(dtype) == 0 || bytes != size)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "variable '%s': %zu bytes do not fit a %s tensor of that shape",
                         name, size, tflc_dtype_name(dtype));
    tflc_tensor_desc desc = {.name = name, .dtype = dtype};
    tflc_tensor value = {.desc = &desc, .dtype = dtype, .rank = rank, .bytes = size, .data = (void *)data};
    if (rank) memcpy(value.dims, dims, (size_t)rank * sizeof *dims);
    char err[TFLC_ERRMSG_SIZE];
    tflc_status s = tflc_variable_assign(&interp->resources, h, &value, err);
    return s == TFLC_OK ? s : tflc_fail(NULL, s, "%s", err);
}

tflc_status tflc_interpreter_reset_variables(tflc_interpreter *interp) {
    if (!interp) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "interpreter is NULL");
    tflc_status s = tflc_resources_restore(&interp->resources);
    return s == TFLC_OK ? s : tflc_fail(NULL, s, "out of memory restoring variables");
}
