/*
 * runner.c -- a signature's life: create (resolve every operator), resize, allocate
 * (prepare every node in order, plan the arena from tensor lifetimes, bind pointers),
 * invoke (eval every node; no allocation), free.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interpreter.h"
#include "core/model.h"
#include "core/planner.h"
#include "core/runner.h"
#include "core/strings.h"
#include "ops/flex/flex.h"
#include "format/schema.h"

#define RUNNER_FAIL(r, status, ...) tflc_fail((r)->err, (status), __VA_ARGS__)

/* --------------------------------------------------------- node helpers -- */

tflc_status tflc_node_fail(tflc_node *node, tflc_status status, const char *fmt, ...) {
    char detail[TFLC_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    tflc_runner *r = node->graph->runner;
    int subgraph = (int)(node->graph->desc - r->model->subgraphs);
    return RUNNER_FAIL(r, status, "subgraph %d, operator %d (%s): %s", subgraph, node->index,
                       tflc_op_desc_name(node->desc), detail);
}

tflc_status tflc_node_set_output_shape(tflc_node *node, int index, const int32_t *dims, int rank) {
    if (index < 0 || index >= node->n_outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT, "no output %d", index);
    if (rank < 0 || rank > TFLC_MAX_RANK)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "output %d would have rank %d (max %d)",
                              index, rank, TFLC_MAX_RANK);
    tflc_tensor *t = node->outputs[index];
    if (t->alloc == TFLC_ALLOC_CONST)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output %d is a constant tensor", index);
    size_t bytes;
    if (!tflc_shape_bytes(dims, rank, tflc_dtype_size(t->dtype), node->graph->runner->model->max_tensor_bytes,
                          &bytes))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "output %d shape is negative or larger than the tensor size limit", index);
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->bytes = bytes;
    return TFLC_OK;
}

/* The public custom-op context functions are thin views of the node. */
int tflc_op_input_count(const tflc_op_context *ctx) { return ctx ? ctx->n_inputs : 0; }
int tflc_op_output_count(const tflc_op_context *ctx) { return ctx ? ctx->n_outputs : 0; }
const tflc_tensor *tflc_op_input(const tflc_op_context *ctx, int index) {
    return (ctx && index >= 0 && index < ctx->n_inputs) ? ctx->inputs[index] : NULL;
}
tflc_tensor *tflc_op_output(tflc_op_context *ctx, int index) {
    return (ctx && index >= 0 && index < ctx->n_outputs) ? ctx->outputs[index] : NULL;
}
tflc_status tflc_op_set_output_shape(tflc_op_context *ctx, int index, const int32_t *dims, int rank) {
    if (!ctx || (!dims && rank > 0)) return TFLC_ERROR_INVALID_ARGUMENT;
    return tflc_node_set_output_shape(ctx, index, dims, rank);
}
const void *tflc_op_custom_options(const tflc_op_context *ctx, size_t *size_out) {
    if (size_out) *size_out = ctx ? ctx->desc->custom_options_size : 0;
    return ctx ? ctx->desc->custom_options : NULL;
}
void *tflc_op_user_data(const tflc_op_context *ctx) {
    return ctx && ctx->custom ? ctx->custom->user_data : NULL;
}
tflc_status tflc_op_fail(tflc_op_context *ctx, tflc_status status, const char *fmt, ...) {
    char detail[TFLC_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (status == TFLC_OK) status = TFLC_ERROR_RUNTIME;
    return ctx ? tflc_node_fail(ctx, status, "%s", detail) : status;
}

/* User-registered custom ops run through this kernel. */
static tflc_status custom_prepare(tflc_node *node) {
    return node->custom->prepare ? node->custom->prepare(node) : TFLC_OK;
}
static tflc_status custom_eval(tflc_node *node) { return node->custom->invoke(node); }
static const tflc_kernel custom_kernel = {
    .name = "CUSTOM", .prepare = custom_prepare, .eval = custom_eval, .flags = TFLC_KERNEL_STATEFUL};

/* --------------------------------------------------------------- create -- */

static tflc_status find_signature(tflc_runner *r, const char *key) {
    const tflc_model *m = r->model;
    if (!key) {
        if (m->n_signatures == 1) { r->sig = &m->signatures[0]; return TFLC_OK; }
    } else {
        for (int i = 0; i < m->n_signatures; i++)
            if (strcmp(m->signatures[i].key, key) == 0) { r->sig = &m->signatures[i]; return TFLC_OK; }
    }
    char keys[TFLC_ERRMSG_SIZE / 2] = "";
    size_t used = 0;
    for (int i = 0; i < m->n_signatures && used < sizeof keys; i++)
        used += (size_t)snprintf(keys + used, sizeof keys - used, "%s'%s'", i ? ", " : "",
                                 m->signatures[i].key);
    if (!key)
        return RUNNER_FAIL(r, TFLC_ERROR_NOT_FOUND,
                           "the model has %d signatures; name one of: %s", m->n_signatures, keys);
    return RUNNER_FAIL(r, TFLC_ERROR_NOT_FOUND, "no signature '%s'; the model has: %s", key, keys);
}

static tflc_status resolve_kernel(tflc_runner *r, tflc_node *node) {
    const tflc_op_desc *op = node->desc;
    int subgraph = (int)(node->graph->desc - r->model->subgraphs);
    if (op->custom_name) {
        node->custom = tflc_interpreter_custom_op(r->interp, op->custom_name);
        if (node->custom) { node->kernel = &custom_kernel; return TFLC_OK; }
        if (strncmp(op->custom_name, "Flex", 4) == 0) {
            node->kernel = tflc_find_flex_kernel(op->custom_name + 4);
            if (node->kernel) return TFLC_OK;
            return RUNNER_FAIL(r, TFLC_ERROR_UNSUPPORTED,
                               "subgraph %d, operator %d: Select TensorFlow op '%s' is not supported "
                               "(tflc runs: %s)",
                               subgraph, node->index, op->custom_name + 4, tflc_flex_supported_ops());
        }
        return RUNNER_FAIL(r, TFLC_ERROR_UNSUPPORTED,
                           "subgraph %d, operator %d: custom operator '%s' is not registered",
                           subgraph, node->index, op->custom_name);
    }
    const char *versions = NULL;
    node->kernel = tflc_find_builtin_kernel(op->builtin_code, op->version, &versions);
    if (node->kernel) return TFLC_OK;
    const char *name = tflc_builtin_op_name(op->builtin_code);
    if (versions)
        return RUNNER_FAIL(r, TFLC_ERROR_UNSUPPORTED,
                           "subgraph %d, operator %d: %s version %d is not supported (tflc runs versions %s)",
                           subgraph, node->index, name ? name : "?", op->version, versions);
    if (name)
        return RUNNER_FAIL(r, TFLC_ERROR_UNSUPPORTED,
                           "subgraph %d, operator %d: operator %s (version %d) is not supported",
                           subgraph, node->index, name, op->version);
    return RUNNER_FAIL(r, TFLC_ERROR_UNSUPPORTED,
                       "subgraph %d, operator %d: unknown builtin operator code %d (version %d)",
                       subgraph, node->index, op->builtin_code, op->version);
}

static tflc_status init_tensors(tflc_runner *r) {
    const tflc_subgraph_desc *sg = r->graph.desc;
    r->graph.tensors = calloc((size_t)(sg->n_tensors ? sg->n_tensors : 1), sizeof *r->graph.tensors);
    if (!r->graph.tensors) return RUNNER_FAIL(r, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < sg->n_tensors; i++) {
        const tflc_tensor_desc *d = &sg->tensors[i];
        tflc_tensor *t = &r->graph.tensors[i];
        t->desc = d;
        t->dtype = d->dtype;
        t->rank = d->rank;
        memcpy(t->dims, d->shape, sizeof t->dims);
        if (!tflc_shape_bytes(t->dims, t->rank, tflc_dtype_size(t->dtype), UINT64_MAX, &t->bytes))
            t->bytes = 0;
        if (d->data) {
            t->alloc = TFLC_ALLOC_CONST;
            t->data = (void *)d->data;  /* never written: const tensors are not outputs */
            t->bytes = d->data_size;
        } else if (d->dtype == TFLC_STRING) {
            t->alloc = TFLC_ALLOC_HEAP;
            t->bytes = 0;               /* no strings until set or computed */
        }
    }
    return TFLC_OK;
}

static tflc_status init_nodes(tflc_runner *r) {
    const tflc_subgraph_desc *sg = r->graph.desc;
    size_t n_io = 0;
    for (int i = 0; i < sg->n_ops; i++) n_io += (size_t)sg->ops[i].n_inputs + (size_t)sg->ops[i].n_outputs;
    r->graph.nodes = calloc((size_t)(sg->n_ops ? sg->n_ops : 1), sizeof *r->graph.nodes);
    r->node_io = calloc(n_io ? n_io : 1, sizeof *r->node_io);
    if (!r->graph.nodes || !r->node_io) return RUNNER_FAIL(r, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    tflc_tensor **io = r->node_io;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *node = &r->graph.nodes[i];
        const tflc_op_desc *op = &sg->ops[i];
        node->desc = op;
        node->graph = &r->graph;
        node->index = i;
        node->inputs = io;
        node->n_inputs = op->n_inputs;
        for (int k = 0; k < op->n_inputs; k++)
            *io++ = op->inputs[k] < 0 ? NULL : &r->graph.tensors[op->inputs[k]];
        node->outputs = io;
        node->n_outputs = op->n_outputs;
        for (int k = 0; k < op->n_outputs; k++) *io++ = &r->graph.tensors[op->outputs[k]];
        tflc_status s = resolve_kernel(r, node);
        if (s != TFLC_OK) return s;
        if (node->kernel->params_size) {
            node->params = calloc(1, node->kernel->params_size);
            if (!node->params) return RUNNER_FAIL(r, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
        }
    }
    return TFLC_OK;
}

tflc_status tflc_runner_create(tflc_interpreter *interp, const char *key, tflc_runner **runner_out) {
    if (!runner_out) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner_out is NULL");
    *runner_out = NULL;
    if (!interp) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "interpreter is NULL");
    tflc_runner *r = calloc(1, sizeof *r);
    if (!r) return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    r->interp = interp;
    r->model = interp->model;
    r->graph.runner = r;
    tflc_status s = find_signature(r, key);
    if (s == TFLC_OK) {
        r->graph.desc = &r->model->subgraphs[r->sig->subgraph];
        s = init_tensors(r);
    }
    if (s == TFLC_OK) s = init_nodes(r);
    if (s != TFLC_OK) {
        tflc_runner_free(r);
        return s;
    }
    *runner_out = r;
    return TFLC_OK;
}

void tflc_runner_free(tflc_runner *runner) {
    if (!runner) return;
    if (runner->graph.nodes)
        for (int i = 0; i < runner->graph.desc->n_ops; i++) free(runner->graph.nodes[i].params);
    free(runner->graph.nodes);
    if (runner->graph.tensors)
        for (int i = 0; i < runner->graph.desc->n_tensors; i++) free(runner->graph.tensors[i].heap);
    free(runner->graph.tensors);
    free(runner->node_io);
    free(runner->arena);
    free(runner);
}

/* ---------------------------------------------------------------- names -- */

const char *tflc_runner_error(const tflc_runner *runner) { return runner ? runner->err : ""; }
const char *tflc_runner_signature_key(const tflc_runner *runner) { return runner ? runner->sig->key : NULL; }
int tflc_runner_input_count(const tflc_runner *runner) { return runner ? runner->sig->n_inputs : 0; }
int tflc_runner_output_count(const tflc_runner *runner) { return runner ? runner->sig->n_outputs : 0; }

const char *tflc_runner_input_name(const tflc_runner *runner, int index) {
    if (!runner || index < 0 || index >= runner->sig->n_inputs) return NULL;
    return runner->sig->inputs[index].name;
}

const char *tflc_runner_output_name(const tflc_runner *runner, int index) {
    if (!runner || index < 0 || index >= runner->sig->n_outputs) return NULL;
    return runner->sig->outputs[index].name;
}

tflc_tensor *tflc_runner_input_at(tflc_runner *runner, int index) {
    if (!runner || index < 0 || index >= runner->sig->n_inputs) return NULL;
    return &runner->graph.tensors[runner->sig->inputs[index].tensor];
}

const tflc_tensor *tflc_runner_output_at(const tflc_runner *runner, int index) {
    if (!runner || index < 0 || index >= runner->sig->n_outputs) return NULL;
    return &runner->graph.tensors[runner->sig->outputs[index].tensor];
}

/* Index of `name` in list, or -1 after recording a message that lists the valid names. */
static int find_io(tflc_runner *r, const tflc_io_desc *list, int n, const char *name, const char *what) {
    if (name)
        for (int i = 0; i < n; i++)
            if (strcmp(list[i].name, name) == 0) return i;
    char names[TFLC_ERRMSG_SIZE / 2] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s'%s'", i ? ", " : "", list[i].name);
    RUNNER_FAIL(r, TFLC_ERROR_NOT_FOUND, "signature '%s' has no %s '%s'; its %ss are: %s", r->sig->key,
                what, name ? name : "(null)", what, n ? names : "(none)");
    return -1;
}

tflc_status tflc_runner_input(tflc_runner *runner, const char *name, tflc_tensor **tensor_out) {
    if (!tensor_out) return tflc_fail(runner ? runner->err : NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor_out is NULL");
    *tensor_out = NULL;
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    int i = find_io(runner, runner->sig->inputs, runner->sig->n_inputs, name, "input");
    if (i < 0) return TFLC_ERROR_NOT_FOUND;
    *tensor_out = tflc_runner_input_at(runner, i);
    return TFLC_OK;
}

tflc_status tflc_runner_output(const tflc_runner *runner, const char *name, const tflc_tensor **tensor_out) {
    if (!tensor_out) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "tensor_out is NULL");
    *tensor_out = NULL;
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    /* The message buffer is the runner's only mutable part touched by a failing lookup. */
    tflc_runner *r = (tflc_runner *)runner;
    int i = find_io(r, r->sig->outputs, r->sig->n_outputs, name, "output");
    if (i < 0) return TFLC_ERROR_NOT_FOUND;
    *tensor_out = tflc_runner_output_at(runner, i);
    return TFLC_OK;
}

/* --------------------------------------------------------------- resize -- */

static tflc_status resize(tflc_runner *r, const char *name, const int32_t *dims, int rank, int strict) {
    if (rank < 0 || rank > TFLC_MAX_RANK)
        return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "input '%s': rank %d is outside 0..%d",
                           name ? name : "(null)", rank, TFLC_MAX_RANK);
    if (rank > 0 && !dims) return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "dims is NULL");
    int i = find_io(r, r->sig->inputs, r->sig->n_inputs, name, "input");
    if (i < 0) return TFLC_ERROR_NOT_FOUND;
    tflc_tensor *t = tflc_runner_input_at(r, i);
    const tflc_tensor_desc *d = t->desc;
    if (strict) {
        if (rank != d->signature_rank)
            return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "input '%s' has rank %d; cannot resize to rank %d",
                               name, d->signature_rank, rank);
        for (int k = 0; k < rank; k++)
            if (d->shape_signature[k] != -1 && d->shape_signature[k] != dims[k])
                return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT,
                                   "input '%s': dimension %d is fixed at %d by the model; cannot set it to %d",
                                   name, k, d->shape_signature[k], dims[k]);
    }
    size_t bytes;
    for (int k = 0; k < rank; k++)
        if (dims[k] < 0)
            return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "input '%s': dimension %d is negative (%d)",
                               name, k, dims[k]);
    if (!tflc_shape_bytes(dims, rank, tflc_dtype_size(t->dtype), r->model->max_tensor_bytes, &bytes))
        return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT,
                           "input '%s': shape exceeds the tensor size limit of %llu bytes", name,
                           (unsigned long long)r->model->max_tensor_bytes);
    if (rank == t->rank && (rank == 0 || memcmp(dims, t->dims, (size_t)rank * sizeof *dims) == 0))
        return TFLC_OK;
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->bytes = bytes;
    r->allocated = 0;
    return TFLC_OK;
}

tflc_status tflc_runner_resize_input(tflc_runner *runner, const char *name, const int32_t *dims, int rank) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    return resize(runner, name, dims, rank, 0);
}

tflc_status tflc_runner_resize_input_strict(tflc_runner *runner, const char *name, const int32_t *dims,
                                            int rank) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    return resize(runner, name, dims, rank, 1);
}

/* ------------------------------------------------------------- allocate -- */

/* Lifetimes in steps: graph inputs live over the whole run (so they survive repeated
 * invokes); op i's outputs from step i to their last reader; graph outputs to the end;
 * op i's scratch at step i only. Step n_ops stands for "after the last op". */
typedef struct lifetimes {
    int *first, *last;  /* per tensor; first == -1: not an arena tensor */
} lifetimes;

static tflc_status mark_lifetimes(tflc_runner *r, lifetimes *lt) {
    const tflc_subgraph_desc *sg = r->graph.desc;
    int end = sg->n_ops;
    for (int t = 0; t < sg->n_tensors; t++) lt->first[t] = lt->last[t] = -1;
    for (int k = 0; k < sg->n_inputs; k++) {
        int t = sg->inputs[k];
        if (r->graph.tensors[t].alloc != TFLC_ALLOC_CONST) { lt->first[t] = 0; lt->last[t] = end; }
    }
    for (int i = 0; i < sg->n_ops; i++) {
        const tflc_op_desc *op = &sg->ops[i];
        for (int k = 0; k < op->n_inputs; k++) {
            int t = op->inputs[k];
            if (t >= 0 && lt->first[t] >= 0 && lt->last[t] < i) lt->last[t] = i;
        }
        /* Each tensor has one writer: a second one (or an op writing a graph input) would
         * let two shapes claim one buffer. */
        for (int k = 0; k < op->n_outputs; k++) {
            int t = op->outputs[k];
            if (lt->first[t] >= 0 || r->graph.tensors[t].alloc == TFLC_ALLOC_CONST)
                return RUNNER_FAIL(r, TFLC_ERROR_INVALID_MODEL,
                                   "subgraph %d, operator %d (%s): output %d writes tensor %d ('%s'), which is "
                                   "already a graph input, a constant or another operator's output",
                                   r->sig->subgraph, i, tflc_op_desc_name(op), k, t, sg->tensors[t].name);
            lt->first[t] = lt->last[t] = i;
        }
    }
    for (int k = 0; k < sg->n_outputs; k++) {
        int t = sg->outputs[k];
        if (lt->first[t] >= 0) lt->last[t] = end;
    }
    return TFLC_OK;
}

static int written_by(const tflc_node *node, int tensor) {
    for (int k = 0; k < node->n_outputs; k++)
        if (node->desc->outputs[k] == tensor) return 1;
    return 0;
}

/* An operator may only read constants, graph inputs and tensors written before it. */
static tflc_status check_inputs_ready(tflc_runner *r, const lifetimes *lt, const tflc_node *node) {
    for (int k = 0; k < node->n_inputs; k++) {
        const tflc_tensor *t = node->inputs[k];
        if (!t || t->alloc == TFLC_ALLOC_CONST) continue;
        int idx = node->desc->inputs[k];
        if (lt->first[idx] < 0 || lt->first[idx] > node->index || written_by(node, idx))
            return RUNNER_FAIL(r, TFLC_ERROR_INVALID_MODEL,
                               "subgraph %d, operator %d (%s): input %d reads tensor %d ('%s') before any operator writes it",
                               r->sig->subgraph, node->index, tflc_op_desc_name(node->desc), k, idx, t->desc->name);
    }
    return TFLC_OK;
}

/* A node whose inputs are all known at allocate time (constants, or only shapes for a
 * SHAPE_ONLY kernel) is computed once here instead of at every invoke. This turns the shape
 * arithmetic converters emit for dynamic dimensions (SHAPE -> STRIDED_SLICE -> PACK ->
 * RESHAPE) into constants, so every shape is static after allocate. */
static bool can_fold(const tflc_node *node) {
    if (node->custom || (node->kernel->flags & TFLC_KERNEL_STATEFUL)) return false;
    if (node->kernel->flags & TFLC_KERNEL_SHAPE_ONLY) return true;
    for (int k = 0; k < node->n_inputs; k++)
        if (node->inputs[k] && !tflc_tensor_is_constant(node->inputs[k])) return false;
    return true;
}

static tflc_status fold_node(tflc_runner *r, tflc_node *node) {
    for (int k = 0; k < node->n_outputs; k++) {
        tflc_tensor *t = node->outputs[k];
        tflc_status s = tflc_tensor_reserve(t, t->bytes, r->model->max_tensor_bytes);
        if (s != TFLC_OK) return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory folding constants");
        t->alloc = TFLC_ALLOC_FOLDED;
    }
    void *scratch = node->scratch_bytes ? aligned_alloc(TFLC_ARENA_ALIGN,
                                                        (node->scratch_bytes + TFLC_ARENA_ALIGN - 1) &
                                                            ~(size_t)(TFLC_ARENA_ALIGN - 1))
                                        : NULL;
    if (node->scratch_bytes && !scratch)
        return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory folding constants");
    node->scratch = scratch;
    tflc_status s = node->kernel->eval(node);
    free(scratch);
    node->scratch = NULL;
    node->scratch_bytes = 0;
    node->folded = s == TFLC_OK;
    return s;
}

/* Forgets the previous allocate's placement; heap buffers are kept for reuse. */
static void reset_placement(tflc_runner *r) {
    for (int t = 0; t < r->graph.desc->n_tensors; t++) {
        tflc_tensor *tensor = &r->graph.tensors[t];
        if (tensor->alloc == TFLC_ALLOC_ARENA || tensor->alloc == TFLC_ALLOC_FOLDED) {
            tensor->alloc = tensor->dtype == TFLC_STRING ? TFLC_ALLOC_HEAP : TFLC_ALLOC_NONE;
            tensor->data = tensor->alloc == TFLC_ALLOC_HEAP ? tensor->heap : NULL;
        }
    }
    for (int i = 0; i < r->graph.desc->n_ops; i++) r->graph.nodes[i].folded = false;
}

static tflc_status prepare_nodes(tflc_runner *r, const lifetimes *lt) {
    const tflc_subgraph_desc *sg = r->graph.desc;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *node = &r->graph.nodes[i];
        tflc_status s = check_inputs_ready(r, lt, node);
        if (s != TFLC_OK) return s;
        if (node->kernel->params_size) memset(node->params, 0, node->kernel->params_size);
        node->scratch_bytes = 0;
        s = node->kernel->prepare(node);
        if (s == TFLC_OK && can_fold(node)) s = fold_node(r, node);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* Arena tensors: written by an op or fed as graph inputs, not strings, not folded. */
static bool in_arena(const tflc_runner *r, const lifetimes *lt, int t) {
    tflc_alloc_kind kind = r->graph.tensors[t].alloc;
    return lt->first[t] >= 0 && kind != TFLC_ALLOC_HEAP && kind != TFLC_ALLOC_FOLDED && kind != TFLC_ALLOC_CONST;
}

/* Plans arena tensors and per-node scratch, then binds every data pointer. */
static tflc_status plan_and_bind(tflc_runner *r, const lifetimes *lt) {
    const tflc_subgraph_desc *sg = r->graph.desc;
    int n_items = sg->n_tensors + sg->n_ops;
    tflc_plan_item *items = calloc((size_t)(n_items ? n_items : 1), sizeof *items);
    if (!items) return RUNNER_FAIL(r, TFLC_ERROR_OUT_OF_MEMORY, "out of memory planning the arena");
    for (int t = 0; t < sg->n_tensors; t++)
        if (in_arena(r, lt, t)) items[t] = (tflc_plan_item){r->graph.tensors[t].bytes, lt->first[t], lt->last[t], 0};
    for (int i = 0; i < sg->n_ops; i++)
        if (!r->graph.nodes[i].folded)
            items[sg->n_tensors + i] = (tflc_plan_item){r->graph.nodes[i].scratch_bytes, i, i, 0};
    size_t bytes;
    tflc_status s = tflc_plan_arena(items, n_items, TFLC_ARENA_ALIGN, &bytes);
    if (s != TFLC_OK) {
        free(items);
        return RUNNER_FAIL(r, s, "out of memory planning the arena");
    }
    if (bytes > r->arena_bytes || !r->arena) {
        free(r->arena);
        r->arena_bytes = 0;
        r->arena = aligned_alloc(TFLC_ARENA_ALIGN, bytes ? bytes : TFLC_ARENA_ALIGN);
        if (!r->arena) {
            free(items);
            return RUNNER_FAIL(r, TFLC_ERROR_OUT_OF_MEMORY, "cannot allocate a %zu-byte arena", bytes);
        }
    }
    r->arena_bytes = bytes;
    for (int t = 0; t < sg->n_tensors; t++) {
        tflc_tensor *tensor = &r->graph.tensors[t];
        if (!in_arena(r, lt, t)) continue;
        tensor->alloc = TFLC_ALLOC_ARENA;
        tensor->data = r->arena + items[t].offset;
    }
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *node = &r->graph.nodes[i];
        node->scratch = node->scratch_bytes ? r->arena + items[sg->n_tensors + i].offset : NULL;
    }
    free(items);
    return TFLC_OK;
}

tflc_status tflc_runner_allocate(tflc_runner *runner) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    if (runner->allocated) return TFLC_OK;
    int n = runner->graph.desc->n_tensors;
    lifetimes lt = {malloc((size_t)(n ? n : 1) * sizeof(int)), malloc((size_t)(n ? n : 1) * sizeof(int))};
    tflc_status s = TFLC_OK;
    if (!lt.first || !lt.last) s = RUNNER_FAIL(runner, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    if (s == TFLC_OK) {
        reset_placement(runner);
        s = mark_lifetimes(runner, &lt);
    }
    if (s == TFLC_OK) s = prepare_nodes(runner, &lt);
    if (s == TFLC_OK) s = plan_and_bind(runner, &lt);
    free(lt.first);
    free(lt.last);
    if (s == TFLC_OK) runner->allocated = 1;
    return s;
}

size_t tflc_runner_arena_bytes(const tflc_runner *runner) {
    return runner && runner->allocated ? runner->arena_bytes : 0;
}

/* --------------------------------------------------------------- invoke -- */

static tflc_status check_string_inputs(tflc_runner *r);

tflc_status tflc_runner_invoke(tflc_runner *runner) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    if (!runner->allocated)
        return RUNNER_FAIL(runner, TFLC_ERROR_MISUSE,
                           "signature '%s': call tflc_runner_allocate before invoke (and after every resize)",
                           runner->sig->key);
    tflc_status s = check_string_inputs(runner);
    if (s != TFLC_OK) return s;
    tflc_node *nodes = runner->graph.nodes;
    for (int i = 0; i < runner->graph.desc->n_ops; i++) {
        if (nodes[i].folded) continue;
        s = nodes[i].kernel->eval(&nodes[i]);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* ---------------------------------------------------------- string inputs -- */

/* String inputs must hold as many strings as their shape has elements. */
static tflc_status check_string_inputs(tflc_runner *r) {
    for (int i = 0; i < r->sig->n_inputs; i++) {
        const tflc_tensor *t = tflc_runner_input_at(r, i);
        if (t->dtype != TFLC_STRING || t->alloc != TFLC_ALLOC_HEAP) continue;
        size_t want = tflc_tensor_count(t);
        if (t->bytes == 0 || tflc_strings_count(t) != want)
            return RUNNER_FAIL(r, TFLC_ERROR_MISUSE,
                               "string input '%s' holds %zu strings but its shape needs %zu; set it with "
                               "tflc_runner_set_input_strings",
                               r->sig->inputs[i].name, t->bytes ? tflc_strings_count(t) : 0, want);
    }
    return TFLC_OK;
}

static tflc_status store_strings(tflc_runner *r, tflc_tensor *t, const tflc_string_ref *strings, size_t count) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (!strings[i].data && strings[i].size)
            return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "string %zu has NULL data", i);
        if (strings[i].size > SIZE_MAX - total) return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "strings too long");
        total += strings[i].size;
    }
    size_t bytes = tflc_strings_buffer_size(count, total);
    if (bytes == 0 || tflc_tensor_reserve(t, bytes, r->model->max_tensor_bytes) != TFLC_OK)
        return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT,
                           "%zu strings of %zu bytes exceed the tensor size limit or memory", count, total);
    unsigned char *b = t->data;
    int32_t n = (int32_t)count, off = (int32_t)tflc_strings_buffer_size(count, 0);
    memcpy(b, &n, 4);
    for (size_t i = 0; i < count; i++) {
        memcpy(b + 4 + 4 * i, &off, 4);
        if (strings[i].size) memcpy(b + off, strings[i].data, strings[i].size);
        off += (int32_t)strings[i].size;
    }
    memcpy(b + 4 + 4 * count, &off, 4);
    t->bytes = bytes;
    return TFLC_OK;
}

/* The shape a string input takes for `count` strings (see tflc.h). */
static tflc_status string_input_shape(tflc_runner *r, const tflc_tensor *t, size_t count, const int32_t *dims,
                                      int rank, int32_t *shape, int *shape_rank) {
    if (dims) {
        if (rank < 0 || rank > TFLC_MAX_RANK)
            return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "rank %d is outside 0..%d", rank, TFLC_MAX_RANK);
        for (int k = 0; k < rank; k++)
            if (dims[k] < 0) return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "dimension %d is negative", k);
        if (tflc_shape_count(dims, rank) != count)
            return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "the shape holds %zu strings, not %zu",
                               tflc_shape_count(dims, rank), count);
        memcpy(shape, dims, (size_t)rank * sizeof *dims);
        *shape_rank = rank;
    } else if (tflc_tensor_count(t) == count) {
        memcpy(shape, t->dims, sizeof t->dims);
        *shape_rank = t->rank;
    } else {
        if (count > INT32_MAX) return RUNNER_FAIL(r, TFLC_ERROR_INVALID_ARGUMENT, "too many strings");
        shape[0] = (int32_t)count;
        *shape_rank = 1;
    }
    return TFLC_OK;
}

tflc_status tflc_runner_set_input_strings(tflc_runner *runner, const char *name, const tflc_string_ref *strings,
                                          size_t count, const int32_t *dims, int rank) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    if (!strings && count) return RUNNER_FAIL(runner, TFLC_ERROR_INVALID_ARGUMENT, "strings is NULL");
    tflc_tensor *t = NULL;
    tflc_status s = tflc_runner_input(runner, name, &t);
    if (s != TFLC_OK) return s;
    if (t->dtype != TFLC_STRING)
        return RUNNER_FAIL(runner, TFLC_ERROR_INVALID_ARGUMENT, "input '%s' has dtype %s, not string", name,
                           tflc_dtype_name(t->dtype));
    int32_t shape[TFLC_MAX_RANK];
    int shape_rank = 0;
    s = string_input_shape(runner, t, count, dims, rank, shape, &shape_rank);
    if (s == TFLC_OK) s = tflc_runner_resize_input(runner, name, shape, shape_rank);
    if (s == TFLC_OK) s = store_strings(runner, t, strings, count);
    if (s == TFLC_OK) s = tflc_runner_allocate(runner);
    return s;
}
