/*
 * runner.c -- a signature's life: create (find the signature, build its graph), resize,
 * allocate (graph prepare: shapes, folding, arena), set inputs, invoke, free. The per-graph
 * work lives in graph.c; subgraphs the signature calls are instantiated on first use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interpreter.h"
#include "core/model.h"
#include "core/graph.h"
#include "core/runner.h"
#include "core/strings.h"
#include "format/schema.h"

#define RUNNER_FAIL(r, status, ...) tflc_fail((r)->err, (status), __VA_ARGS__)

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

tflc_status tflc_runner_graph(tflc_runner *r, int index, tflc_graph **graph_out) {
    *graph_out = NULL;
    if (index < 0 || index >= r->model->n_subgraphs)
        return RUNNER_FAIL(r, TFLC_ERROR_INVALID_MODEL, "subgraph %d does not exist", index);
    tflc_graph *g = &r->graphs[index];
    if (!g->desc) {
        tflc_status s = tflc_graph_init(g, r, index);
        if (s != TFLC_OK) {
            tflc_graph_release(g);
            return s;
        }
    }
    *graph_out = g;
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
    r->graphs = calloc((size_t)r->model->n_subgraphs, sizeof *r->graphs);
    tflc_status s = r->graphs ? find_signature(r, key) : RUNNER_FAIL(r, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    if (s == TFLC_OK) s = tflc_runner_graph(r, r->sig->subgraph, &r->graph);
    for (int i = 0; s == TFLC_OK && i < r->sig->n_inputs; i++)
        if (tflc_runner_input_at(r, i)->dtype == TFLC_STRING) r->string_inputs = true;
    /* threadpool hook: workers start on the first parallel kernel call */
    if (s == TFLC_OK && interp->num_threads > 1)
        s = tflc_threadpool_create(interp->num_threads < TFLC_MAX_THREADS ? interp->num_threads : TFLC_MAX_THREADS,
                                   &r->pool);
    if (s != TFLC_OK) {
        tflc_runner_free(r);
        return s;
    }
    *runner_out = r;
    return TFLC_OK;
}

void tflc_runner_free(tflc_runner *runner) {
    if (!runner) return;
    if (runner->graph) free(runner->graph->profile);
    for (int i = 0; runner->graphs && i < runner->model->n_subgraphs; i++) tflc_graph_release(&runner->graphs[i]);
    free(runner->graphs);
    tflc_threadpool_free(runner->pool); /* threadpool hook */
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
    return &runner->graph->tensors[runner->sig->inputs[index].tensor];
}

const tflc_tensor *tflc_runner_output_at(const tflc_runner *runner, int index) {
    if (!runner || index < 0 || index >= runner->sig->n_outputs) return NULL;
    return &runner->graph->tensors[runner->sig->outputs[index].tensor];
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
    /* Its arena slot was sized for the old shape: unbind it until the next allocate. */
    if (t->alloc == TFLC_ALLOC_ARENA) {
        t->alloc = TFLC_ALLOC_NONE;
        t->data = NULL;
    }
    r->graph->prepared = false;
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

tflc_status tflc_runner_allocate(tflc_runner *runner) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    return tflc_graph_prepare(runner->graph);
}

int tflc_runner_is_allocated(const tflc_runner *runner) { return runner && runner->graph->prepared ? 1 : 0; }

int tflc_runner_input_tensor_index(const tflc_runner *runner, int index) {
    if (!runner || index < 0 || index >= runner->sig->n_inputs) return -1;
    return runner->sig->inputs[index].tensor;
}

int tflc_runner_output_tensor_index(const tflc_runner *runner, int index) {
    if (!runner || index < 0 || index >= runner->sig->n_outputs) return -1;
    return runner->sig->outputs[index].tensor;
}

size_t tflc_runner_arena_bytes(const tflc_runner *runner) {
    if (!runner) return 0;
    size_t total = 0;
    for (int i = 0; i < runner->model->n_subgraphs; i++)
        if (runner->graphs[i].desc && runner->graphs[i].prepared) total += runner->graphs[i].arena_bytes;
    return total;
}

/* ------------------------------------------------------------ profiling -- */

tflc_status tflc_runner_set_profiling(tflc_runner *runner, int enable) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    tflc_graph *g = runner->graph;
    if (!enable) {
        free(g->profile);
        g->profile = NULL;
        return TFLC_OK;
    }
    if (!g->profile) {
        /* n_ops + 1: calloc(0) may return NULL, which would read as "off" */
        g->profile = calloc((size_t)g->desc->n_ops + 1, sizeof *g->profile);
        if (!g->profile) return RUNNER_FAIL(runner, TFLC_ERROR_OUT_OF_MEMORY, "out of memory for the op profile");
    }
    tflc_runner_reset_profile(runner);
    return TFLC_OK;
}

int tflc_runner_is_profiling(const tflc_runner *runner) { return runner && runner->graph->profile ? 1 : 0; }

void tflc_runner_reset_profile(tflc_runner *runner) {
    if (!runner || !runner->graph->profile) return;
    memset(runner->graph->profile, 0, (size_t)runner->graph->desc->n_ops * sizeof *runner->graph->profile);
}

int tflc_runner_profile_count(const tflc_runner *runner) {
    return tflc_runner_is_profiling(runner) ? runner->graph->desc->n_ops : 0;
}

tflc_status tflc_runner_profile_at(const tflc_runner *runner, int index, tflc_op_profile *profile_out) {
    if (!runner || !profile_out) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner or profile_out is NULL");
    const tflc_graph *g = runner->graph;
    if (!g->profile) return tflc_fail(NULL, TFLC_ERROR_MISUSE, "op profiling is off (tflc_runner_set_profiling)");
    if (index < 0 || index >= g->desc->n_ops)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "operator %d out of range (the signature has %d)", index,
                         g->desc->n_ops);
    const tflc_node *node = &g->nodes[index];
    profile_out->op_index = index;
    profile_out->op_name = tflc_op_desc_name(node->desc);
    profile_out->output = node->n_outputs ? node->outputs[0] : NULL;
    profile_out->count = g->profile[index].count;
    profile_out->total_ns = g->profile[index].ns;
    return TFLC_OK;
}

/* --------------------------------------------------------------- invoke -- */

static tflc_status check_string_inputs(tflc_runner *r);

tflc_status tflc_runner_invoke(tflc_runner *runner) {
    if (!runner) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "runner is NULL");
    if (!runner->graph->prepared)
        return RUNNER_FAIL(runner, TFLC_ERROR_MISUSE,
                           "signature '%s': call tflc_runner_allocate before invoke (and after every resize)",
                           runner->sig->key);
    if (runner->string_inputs) {
        tflc_status s = check_string_inputs(runner);
        if (s != TFLC_OK) return s;
    }
    return tflc_graph_invoke(runner->graph);
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
