/*
 * variables.c -- resource variables: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE.
 *
 * A RESOURCE tensor holds an int32 handle into the interpreter's variables (resources.c).
 * VAR_HANDLE has no inputs, so the runner folds it at allocate and its handle is a constant
 * that READ_VARIABLE can resolve at prepare: the output gets the variable's shape then (the
 * initialization subgraph has run by that point). A handle that only arrives at invoke (a
 * resource passed into a loop body) makes the read's output dynamic.
 */
#include <string.h>

#include "core/interpreter.h"
#include "core/resources.h"
#include "core/runner.h"
#include "ops/ops.h"

enum { VARHANDLE_OPT_CONTAINER = 0, VARHANDLE_OPT_SHARED_NAME = 1 };

static tflc_resources *resources_of(const tflc_node *node) { return &node->graph->runner->interp->resources; }

/* The handle in a resource tensor, checked against the interpreter's variables. */
static tflc_status handle_of(tflc_node *node, const tflc_tensor *t, int *handle) {
    if (t->dtype != TFLC_RESOURCE || t->bytes < 4 || !t->data)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input 0 is not a resource handle");
    int32_t h;
    memcpy(&h, t->data, 4);
    if (h < 0 || h >= resources_of(node)->n_vars)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "resource handle %d names no variable", h);
    *handle = h;
    return TFLC_OK;
}

typedef struct var_handle_params {
    int32_t handle;
} var_handle_params;

static tflc_status var_handle_prepare(tflc_node *node) {
    var_handle_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 0, 0, 1);
    if (s != TFLC_OK) return s;
    const uint8_t *o = node->desc->options;
    const char *container = o ? fb_string(o, VARHANDLE_OPT_CONTAINER, NULL) : NULL;
    const char *name = o ? fb_string(o, VARHANDLE_OPT_SHARED_NAME, NULL) : NULL;
    p->handle = tflc_resources_find_variable(resources_of(node), container ? container : "", name ? name : "");
    if (p->handle < 0 || node->outputs[0]->dtype != TFLC_RESOURCE)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "variable '%s' has no handle", name ? name : "");
    const tflc_tensor_desc *d = node->outputs[0]->desc;
    return tflc_node_set_output_shape(node, 0, d->shape, d->rank);
}

static tflc_status var_handle_eval(tflc_node *node) {
    const var_handle_params *p = node->params;
    tflc_tensor *out = node->outputs[0];
    for (size_t i = 0; i < out->bytes / 4; i++) memcpy((char *)out->data + 4 * i, &p->handle, 4);
    return TFLC_OK;
}

static tflc_status read_prepare(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    if (!tflc_tensor_is_constant(node->inputs[0])) return tflc_node_set_output_dynamic(node, 0);
    int handle = -1;
    s = handle_of(node, node->inputs[0], &handle);
    if (s != TFLC_OK) return s;
    tflc_dtype dtype;
    int32_t dims[TFLC_MAX_RANK];
    int rank;
    tflc_variable_shape(resources_of(node), handle, &dtype, dims, &rank);
    if (rank < 0) return tflc_node_set_output_dynamic(node, 0); /* assigned later in this graph */
    if (dtype != node->outputs[0]->dtype)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "variable '%s' holds %s but the output is %s",
                              resources_of(node)->vars[handle].shared_name, tflc_dtype_name(dtype),
                              tflc_dtype_name(node->outputs[0]->dtype));
    return tflc_node_set_output_shape(node, 0, dims, rank);
}

static tflc_status read_eval(tflc_node *node) {
    int handle = -1;
    tflc_status s = handle_of(node, node->inputs[0], &handle);
    if (s != TFLC_OK) return s;
    tflc_resources *res = resources_of(node);
    if (node->outputs[0]->dynamic) {
        tflc_dtype dtype;
        int32_t dims[TFLC_MAX_RANK];
        int rank;
        tflc_variable_shape(res, handle, &dtype, dims, &rank);
        if (rank < 0)
            return tflc_node_fail(node, TFLC_ERROR_RUNTIME, "variable '%s' is read before any value was assigned to it",
                                  res->vars[handle].shared_name);
        s = tflc_node_set_output_shape(node, 0, dims, rank);
        if (s != TFLC_OK) return s;
    }
    char err[TFLC_ERRMSG_SIZE];
    s = tflc_variable_read(res, handle, node->outputs[0], err);
    return s == TFLC_OK ? s : tflc_node_fail(node, s, "%s", err);
}

static tflc_status assign_prepare(tflc_node *node) {
    return tflc_ops_check_arity(node, 2, 2, 0);
}

static tflc_status assign_eval(tflc_node *node) {
    int handle = -1;
    tflc_status s = handle_of(node, node->inputs[0], &handle);
    if (s != TFLC_OK) return s;
    char err[TFLC_ERRMSG_SIZE];
    s = tflc_variable_assign(resources_of(node), handle, node->inputs[1], err);
    return s == TFLC_OK ? s : tflc_node_fail(node, s, "%s", err);
}

const tflc_kernel tflc_kernel_var_handle = {
    .name = "VAR_HANDLE", .params_size = sizeof(var_handle_params), .prepare = var_handle_prepare,
    .eval = var_handle_eval,
};
const tflc_kernel tflc_kernel_read_variable = {
    .name = "READ_VARIABLE", .prepare = read_prepare, .eval = read_eval, .flags = TFLC_KERNEL_STATEFUL,
};
const tflc_kernel tflc_kernel_assign_variable = {
    .name = "ASSIGN_VARIABLE", .prepare = assign_prepare, .eval = assign_eval, .flags = TFLC_KERNEL_STATEFUL,
};
