/*
 * graph.c -- one subgraph inside a runner: create (resolve every operator), prepare (shapes,
 * folding, arena plan), invoke. The runner's signature graph and every subgraph it calls
 * (IF, WHILE, CALL, CALL_ONCE) are graphs.
 *
 * Prepare, in order:
 *   1. lifetimes: graph inputs live over the whole run (they survive repeated invokes);
 *      op i's outputs from step i to their last reader; graph outputs to the end.
 *   2. every node's prepare, in order. A node reading a dynamic tensor is deferred to
 *      invoke time; a node whose inputs are all constant is folded (computed now, once).
 *   3. fusion, exact only: LOGISTIC(x) -> s; MUL(x, s) becomes one swish pass in the MUL
 *      (fuse_swish_pairs), and a PAD of H/W with the conv's zero read only by a CONV_2D is
 *      done by the conv's own padding (fuse_pads_into_convs), and a float activation read
 *      from a float convolution alone runs as that convolution's epilogue
 *      (fuse_activation_epilogues), and a float 1x1 CONV_2D whose large output only a
 *      DEPTHWISE_CONV_2D reads is computed inside it (fuse_expand_into_dw), and an ADD of
 *      a float CONV_2D's or FULLY_CONNECTED's output x (read by it alone) and a tensor
 *      ready before that producer is done by the producer (fuse_residual_adds), and the
 *      float 1x1 CONV_2D alone reading a DEPTHWISE_CONV_2D's output runs in the depthwise
 *      convolution's tasks (fuse_project_into_dw). The absorbed
 *      node is marked fused (skipped by invoke)
 *      and the tensor between the pair gets no lifetime.
 *   4. the arena: tensors that are neither constant, folded, strings nor dynamic, plus each
 *      node's scratch, planned by planner.c; pointers bound. The output of a RESHAPE,
 *      SQUEEZE or EXPAND_DIMS whose input dies there shares the input's slot (no copy).
 * Invoke evaluates the nodes in order; only deferred nodes prepare (and may grow heap
 * buffers) on the way, so a graph without dynamic shapes never allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/graph.h"
#include "core/interpreter.h"
#include "core/model.h"
#include "core/planner.h"
#include "core/runner.h"
#include "core/strings.h"
#include "format/schema.h"
#include "ops/conv_common.h"
#include "ops/flex/flex.h"
#include "ops/fusion.h"
#include "ops/ops.h"

#define GRAPH_FAIL(g, status, ...) tflc_fail((g)->runner->err, (status), __VA_ARGS__)

size_t tflc_storage_size(tflc_dtype dtype) { return dtype == TFLC_RESOURCE ? 4 : tflc_dtype_size(dtype); }

/* --------------------------------------------------------- node helpers -- */

tflc_status tflc_node_fail(tflc_node *node, tflc_status status, const char *fmt, ...) {
    char detail[TFLC_ERRMSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    tflc_runner *r = node->graph->runner;
    int subgraph = (int)(node->graph->desc - r->model->subgraphs);
    return tflc_fail(r->err, status, "subgraph %d, operator %d (%s): %s", subgraph, node->index,
                     tflc_op_desc_name(node->desc), detail);
}

tflc_status tflc_node_set_output_shape(tflc_node *node, int index, const int32_t *dims, int rank) {
    if (index < 0 || index >= node->n_outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT, "no output %d", index);
    if (rank < 0 || rank > TFLC_MAX_RANK)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "output %d would have rank %d (max %d)", index, rank,
                              TFLC_MAX_RANK);
    tflc_tensor *t = node->outputs[index];
    if (t->alloc == TFLC_ALLOC_CONST)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output %d is a constant tensor", index);
    uint64_t cap = node->graph->runner->model->max_tensor_bytes;
    size_t bytes;
    if (!tflc_shape_bytes(dims, rank, tflc_storage_size(t->dtype), cap, &bytes))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "output %d shape is negative or larger than the tensor size limit", index);
    if (t->dynamic && t->dtype != TFLC_STRING && tflc_tensor_reserve(t, bytes, cap) != TFLC_OK)
        return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory for output %d (%zu bytes)", index,
                              bytes);
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->bytes = bytes;
    return TFLC_OK;
}

tflc_status tflc_node_set_output_dynamic(tflc_node *node, int index) {
    if (index < 0 || index >= node->n_outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT, "no output %d", index);
    tflc_tensor *t = node->outputs[index];
    t->dynamic = true;
    t->alloc = TFLC_ALLOC_HEAP;
    t->data = t->heap;
    return TFLC_OK;
}

/* User-registered custom ops run through this kernel. */
static tflc_status custom_prepare(tflc_node *node) {
    return node->custom->prepare ? node->custom->prepare(node) : TFLC_OK;
}
static tflc_status custom_eval(tflc_node *node) { return node->custom->invoke(node); }
static const tflc_kernel custom_kernel = {
    .name = "CUSTOM", .prepare = custom_prepare, .eval = custom_eval, .flags = TFLC_KERNEL_STATEFUL};

/* --------------------------------------------------------------- create -- */

static tflc_status resolve_custom(tflc_graph *g, tflc_node *node) {
    const char *name = node->desc->custom_name;
    node->custom = tflc_interpreter_custom_op(g->runner->interp, name);
    if (node->custom) {
        node->kernel = &custom_kernel;
        return TFLC_OK;
    }
    if (strncmp(name, "Flex", 4) == 0) {
        node->kernel = tflc_find_flex_kernel(name + 4);
        if (node->kernel) return TFLC_OK;
        return GRAPH_FAIL(g, TFLC_ERROR_UNSUPPORTED,
                          "subgraph %d, operator %d: Select TensorFlow op '%s' is not supported (tflc runs: %s)",
                          g->index, node->index, name + 4, tflc_flex_supported_ops());
    }
    return GRAPH_FAIL(g, TFLC_ERROR_UNSUPPORTED, "subgraph %d, operator %d: custom operator '%s' is not registered",
                      g->index, node->index, name);
}

static tflc_status resolve_kernel(tflc_graph *g, tflc_node *node) {
    const tflc_op_desc *op = node->desc;
    if (op->custom_name) return resolve_custom(g, node);
    const char *versions = NULL;
    node->kernel = tflc_find_builtin_kernel(op->builtin_code, op->version, &versions);
    if (node->kernel) return TFLC_OK;
    const char *name = tflc_builtin_op_name(op->builtin_code);
    if (versions)
        return GRAPH_FAIL(g, TFLC_ERROR_UNSUPPORTED,
                          "subgraph %d, operator %d: %s version %d is not supported (tflc runs versions %s)",
                          g->index, node->index, name ? name : "?", op->version, versions);
    if (name)
        return GRAPH_FAIL(g, TFLC_ERROR_UNSUPPORTED, "subgraph %d, operator %d: operator %s (version %d) is not supported",
                          g->index, node->index, name, op->version);
    return GRAPH_FAIL(g, TFLC_ERROR_UNSUPPORTED, "subgraph %d, operator %d: unknown builtin operator code %d (version %d)",
                      g->index, node->index, op->builtin_code, op->version);
}

static tflc_status init_tensors(tflc_graph *g) {
    const tflc_subgraph_desc *sg = g->desc;
    g->tensors = calloc((size_t)(sg->n_tensors ? sg->n_tensors : 1), sizeof *g->tensors);
    if (!g->tensors) return GRAPH_FAIL(g, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < sg->n_tensors; i++) {
        const tflc_tensor_desc *d = &sg->tensors[i];
        tflc_tensor *t = &g->tensors[i];
        t->desc = d;
        t->dtype = d->dtype;
        t->rank = d->rank;
        memcpy(t->dims, d->shape, sizeof t->dims);
        if (!tflc_shape_bytes(t->dims, t->rank, tflc_storage_size(t->dtype), UINT64_MAX, &t->bytes)) t->bytes = 0;
        if (d->data) {
            t->alloc = TFLC_ALLOC_CONST;
            t->data = (void *)d->data; /* never written: const tensors are not outputs */
            t->bytes = d->data_size;
        } else if (d->dtype == TFLC_STRING) {
            t->alloc = TFLC_ALLOC_HEAP;
            t->bytes = 0; /* no strings until set or computed */
        }
    }
    return TFLC_OK;
}

static tflc_status init_nodes(tflc_graph *g) {
    const tflc_subgraph_desc *sg = g->desc;
    size_t n_io = 0;
    for (int i = 0; i < sg->n_ops; i++) n_io += (size_t)sg->ops[i].n_inputs + (size_t)sg->ops[i].n_outputs;
    g->nodes = calloc((size_t)(sg->n_ops ? sg->n_ops : 1), sizeof *g->nodes);
    g->node_io = calloc(n_io ? n_io : 1, sizeof *g->node_io);
    if (!g->nodes || !g->node_io) return GRAPH_FAIL(g, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    tflc_tensor **io = g->node_io;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *node = &g->nodes[i];
        const tflc_op_desc *op = &sg->ops[i];
        node->desc = op;
        node->graph = g;
        node->index = i;
        node->inputs = io;
        node->n_inputs = op->n_inputs;
        for (int k = 0; k < op->n_inputs; k++) *io++ = op->inputs[k] < 0 ? NULL : &g->tensors[op->inputs[k]];
        node->outputs = io;
        node->n_outputs = op->n_outputs;
        for (int k = 0; k < op->n_outputs; k++) *io++ = &g->tensors[op->outputs[k]];
        tflc_status s = resolve_kernel(g, node);
        if (s != TFLC_OK) return s;
        if (node->kernel->params_size) {
            node->params = calloc(1, node->kernel->params_size);
            if (!node->params) return GRAPH_FAIL(g, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
        }
    }
    return TFLC_OK;
}

static bool written_or_fed(const tflc_subgraph_desc *sg, int t) {
    for (int k = 0; k < sg->n_inputs; k++)
        if (sg->inputs[k] == t) return true;
    for (int o = 0; o < sg->n_ops; o++)
        for (int k = 0; k < sg->ops[o].n_outputs; k++)
            if (sg->ops[o].outputs[k] == t) return true;
    return false;
}

/* A tensor with no elements that no operator writes and that is not a graph input is an
 * empty constant: the converter gives such constants (TILE's multiples of a rank-0 input,
 * say) an empty buffer, and TFLite reads their 0 bytes. */
static void mark_empty_constants(tflc_graph *g) {
    static const uint8_t empty[8];
    for (int i = 0; i < g->desc->n_tensors; i++) {
        tflc_tensor *t = &g->tensors[i];
        if (t->alloc != TFLC_ALLOC_NONE || t->dtype == TFLC_STRING || tflc_tensor_count(t) != 0) continue;
        if (g->desc->tensors[i].is_variable || written_or_fed(g->desc, i)) continue;
        t->alloc = TFLC_ALLOC_CONST;
        t->data = (void *)empty;
        t->bytes = 0;
    }
}

tflc_status tflc_graph_init(tflc_graph *g, tflc_runner *runner, int subgraph) {
    memset(g, 0, sizeof *g);
    g->runner = runner;
    g->index = subgraph;
    g->desc = &runner->model->subgraphs[subgraph];
    tflc_status s = init_tensors(g);
    if (s == TFLC_OK) mark_empty_constants(g);
    for (int k = 0; s == TFLC_OK && k < g->desc->n_inputs; k++)
        if (tflc_graph_input(g, k)->dtype == TFLC_STRING) g->string_inputs = true;
    return s == TFLC_OK ? init_nodes(g) : s;
}

void tflc_graph_release(tflc_graph *g) {
    if (!g->desc) return;
    if (g->nodes)
        for (int i = 0; i < g->desc->n_ops; i++) {
            free(g->nodes[i].params);
            free(g->nodes[i].scratch_heap);
        }
    if (g->tensors)
        for (int i = 0; i < g->desc->n_tensors; i++) free(g->tensors[i].heap);
    free(g->nodes);
    free(g->tensors);
    free(g->node_io);
    tflc_pages_free(&g->arena_pages);
    memset(g, 0, sizeof *g);
}

/* -------------------------------------------------------------- prepare -- */

typedef struct lifetimes {
    int *first, *last; /* per tensor; first == -1: written by nobody and not a graph input */
} lifetimes;

static bool is_state_tensor(const tflc_graph *g, int t) {
    return g->desc->tensors[t].is_variable && g->tensors[t].alloc != TFLC_ALLOC_CONST &&
           g->tensors[t].dtype != TFLC_STRING && g->tensors[t].dtype != TFLC_RESOURCE;
}

static tflc_status mark_lifetimes(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    int end = sg->n_ops;
    for (int t = 0; t < sg->n_tensors; t++) lt->first[t] = lt->last[t] = -1;
    for (int k = 0; k < sg->n_inputs; k++) {
        int t = sg->inputs[k];
        if (g->tensors[t].alloc != TFLC_ALLOC_CONST) {
            lt->first[t] = 0;
            lt->last[t] = end;
        }
    }
    /* Variable tensors no operator writes (an LSTM's state) persist over the whole run and
     * across invokes, like graph inputs; allocate resets them (bind_variables). */
    for (int t = 0; t < sg->n_tensors; t++)
        if (is_state_tensor(g, t)) {
            lt->first[t] = 0;
            lt->last[t] = end;
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
            if (is_state_tensor(g, t)) continue; /* an op updating its state in place */
            if (lt->first[t] >= 0 || g->tensors[t].alloc == TFLC_ALLOC_CONST)
                return GRAPH_FAIL(g, TFLC_ERROR_INVALID_MODEL,
                                  "subgraph %d, operator %d (%s): output %d writes tensor %d ('%s'), which is "
                                  "already a graph input, a constant or another operator's output",
                                  g->index, i, tflc_op_desc_name(op), k, t, sg->tensors[t].name);
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
static tflc_status check_inputs_ready(tflc_graph *g, const lifetimes *lt, const tflc_node *node) {
    for (int k = 0; k < node->n_inputs; k++) {
        const tflc_tensor *t = node->inputs[k];
        if (!t || t->alloc == TFLC_ALLOC_CONST) continue;
        int idx = node->desc->inputs[k];
        if (lt->first[idx] < 0 || lt->first[idx] > node->index || written_by(node, idx))
            return GRAPH_FAIL(g, TFLC_ERROR_INVALID_MODEL,
                              "subgraph %d, operator %d (%s): input %d reads tensor %d ('%s') before any operator "
                              "writes it",
                              g->index, node->index, tflc_op_desc_name(node->desc), k, idx, t->desc->name);
    }
    return TFLC_OK;
}

/* A node whose inputs are all known at allocate time (constants, or only shapes for a
 * SHAPE_ONLY kernel) is computed once here instead of at every invoke. This turns the shape
 * arithmetic converters emit for dynamic dimensions (SHAPE -> STRIDED_SLICE -> PACK ->
 * RESHAPE) into constants, so every shape is static after allocate. */
static bool can_fold(const tflc_node *node) {
    if (node->custom || (node->kernel->flags & TFLC_KERNEL_STATEFUL)) return false;
    for (int k = 0; k < node->n_outputs; k++)
        if (node->outputs[k]->dynamic) return false;
    if (node->kernel->flags & TFLC_KERNEL_SHAPE_ONLY) return true;
    for (int k = 0; k < node->n_inputs; k++)
        if (node->inputs[k] && !tflc_tensor_is_constant(node->inputs[k])) return false;
    return true;
}

/* Bytes of a node's heap block outside the arena (a folded or deferred node): its scratch,
 * then one thread scratch per thread. */
static size_t heap_scratch_bytes(const tflc_node *node) {
    return tflc_arena_round(node->scratch_bytes) +
           (size_t)tflc_node_num_threads(node) * tflc_arena_round(node->thread_scratch_bytes);
}

/* Points the node's scratch and thread scratch into a heap block of heap_scratch_bytes. */
static void bind_heap_scratch(tflc_node *node, unsigned char *block) {
    node->scratch = node->scratch_bytes ? block : NULL;
    node->thread_scratch = block ? block + tflc_arena_round(node->scratch_bytes) : NULL;
    node->thread_scratch_stride = tflc_arena_round(node->thread_scratch_bytes);
}

static tflc_status fold_node(tflc_graph *g, tflc_node *node) {
    for (int k = 0; k < node->n_outputs; k++) {
        tflc_tensor *t = node->outputs[k];
        if (tflc_tensor_reserve(t, t->bytes, g->runner->model->max_tensor_bytes) != TFLC_OK)
            return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory folding constants");
        t->alloc = TFLC_ALLOC_FOLDED;
    }
    const size_t size = heap_scratch_bytes(node);
    unsigned char *scratch = size ? aligned_alloc(TFLC_ARENA_ALIGN, size) : NULL;
    if (size && !scratch) return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory folding constants");
    bind_heap_scratch(node, scratch);
    tflc_status s = node->kernel->eval(node);
    free(scratch);
    bind_heap_scratch(node, NULL);
    node->scratch_bytes = 0;
    node->thread_scratch_bytes = 0;
    node->folded = s == TFLC_OK;
    return s;
}

/* Forgets the previous prepare's placement and marks; heap buffers are kept for reuse. */
static void reset_placement(tflc_graph *g) {
    for (int t = 0; t < g->desc->n_tensors; t++) {
        tflc_tensor *tensor = &g->tensors[t];
        if (tensor->alloc == TFLC_ALLOC_CONST) continue;
        bool heap_string = tensor->dtype == TFLC_STRING;
        if (tensor->alloc == TFLC_ALLOC_ARENA || tensor->alloc == TFLC_ALLOC_FOLDED || tensor->dynamic) {
            tensor->alloc = heap_string ? TFLC_ALLOC_HEAP : TFLC_ALLOC_NONE;
            tensor->data = heap_string ? tensor->heap : NULL;
        }
        tensor->dynamic = false;
    }
    for (int i = 0; i < g->desc->n_ops; i++) {
        tflc_node *node = &g->nodes[i];
        node->folded = false;
        node->fused = false;
        node->deferred = false;
        /* An activation epilogue pointed a convolution at the activation's output. */
        for (int k = 0; k < node->n_outputs; k++) node->outputs[k] = &g->tensors[node->desc->outputs[k]];
    }
}

static bool reads_dynamic(const tflc_node *node) {
    for (int k = 0; k < node->n_inputs; k++)
        if (node->inputs[k] && node->inputs[k]->dynamic) return true;
    return false;
}

/* A node reading a dynamic tensor cannot know its shapes yet: its outputs become dynamic
 * and it is prepared at invoke. */
static void defer_node(tflc_node *node) {
    node->deferred = true;
    for (int k = 0; k < node->n_outputs; k++) tflc_node_set_output_dynamic(node, k);
}

static tflc_status prepare_node(tflc_node *node) {
    if (node->kernel->params_size) memset(node->params, 0, node->kernel->params_size);
    node->scratch_bytes = 0;
    node->thread_scratch_bytes = 0;
    return node->kernel->prepare(node);
}

static tflc_status prepare_nodes(tflc_graph *g, const lifetimes *lt) {
    for (int i = 0; i < g->desc->n_ops; i++) {
        tflc_node *node = &g->nodes[i];
        tflc_status s = check_inputs_ready(g, lt, node);
        if (s != TFLC_OK) return s;
        if (reads_dynamic(node)) {
            defer_node(node);
            continue;
        }
        s = prepare_node(node);
        if (s == TFLC_OK && can_fold(node)) s = fold_node(g, node);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* --------------------------------------------------------------- fusion -- */

static bool is_graph_output(const tflc_subgraph_desc *sg, int t) {
    for (int k = 0; k < sg->n_outputs; k++)
        if (sg->outputs[k] == t) return true;
    return false;
}

static bool is_graph_input(const tflc_subgraph_desc *sg, int t) {
    for (int k = 0; k < sg->n_inputs; k++)
        if (sg->inputs[k] == t) return true;
    return false;
}

/* The one operator reading tensor t (once), or -1 if none or several do. */
static int sole_reader(const tflc_subgraph_desc *sg, int t) {
    int reader = -1;
    for (int i = 0; i < sg->n_ops; i++)
        for (int k = 0; k < sg->ops[i].n_inputs; k++) {
            if (sg->ops[i].inputs[k] != t) continue;
            if (reader >= 0) return -1;
            reader = i;
        }
    return reader;
}

/* Folded (computed at allocate) and fused (done by another node) nodes do not run at invoke. */
static bool skipped(const tflc_node *node) { return node->folded || node->fused; }

/* Whether an output of op `from` is an input of op `to`. */
static bool feeds(const tflc_subgraph_desc *sg, int from, int to) {
    for (int o = 0; o < sg->ops[from].n_outputs; o++)
        for (int k = 0; k < sg->ops[to].n_inputs; k++)
            if (sg->ops[to].inputs[k] == sg->ops[from].outputs[o]) return true;
    return false;
}

/* Whether op `reader` is the one operator reading tensor t, once, besides fused ops whose
 * work it does itself (a swish's LOGISTIC, fused into its MUL: it feeds the reader). Any
 * other fused reader still needs t: a PAD absorbed by a convolution, which then reads t. */
static bool read_only_by(const tflc_graph *g, int t, int reader) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops; i++) {
        int reads = 0;
        for (int k = 0; k < sg->ops[i].n_inputs; k++) reads += sg->ops[i].inputs[k] == t;
        if (!reads) continue;
        if (i == reader ? reads > 1 : !(g->nodes[i].fused && feeds(sg, i, reader))) return false;
    }
    return true;
}

/* A prepared node that runs at invoke with its arena tensors (neither skipped nor deferred). */
static bool runs_planned(const tflc_node *node, const tflc_kernel *kernel) {
    return node->kernel == kernel && !skipped(node) && !node->deferred;
}

/* Swish as converters write it: LOGISTIC(x) -> s; MUL(x, s) -> out, either operand order
 * (EfficientNet-B0: 49 of its 65 LOGISTICs, e.g. x [1,112,112,32]; the other 16 gate
 * squeeze-excite MULs of another tensor and stay). When s is read by that MUL alone and
 * is no graph output, neither x nor s is state, and the MUL accepts (ops/fusion.h: same
 * shapes; float32 with any fused activation, or int8 / uint8 through a table), the MUL
 * computes out from x in one pass. The LOGISTIC node is then marked fused, so invoke skips
 * it (the next prepare clears the flag and fuses again), and s loses its
 * lifetime, so it gets no arena slot (data NULL): nothing reads it. */
static void fuse_swish_pairs(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *logistic = &g->nodes[i];
        if (!runs_planned(logistic, &tflc_kernel_logistic) || logistic->n_inputs != 1 || logistic->n_outputs != 1)
            continue;
        const int x = logistic->desc->inputs[0], s = logistic->desc->outputs[0];
        /* State x may be updated in place between the two nodes: the MUL would see another x. */
        if (x < 0 || is_state_tensor(g, x)) continue;
        if (is_graph_output(sg, s) || is_state_tensor(g, s) || g->tensors[s].alloc != TFLC_ALLOC_NONE) continue;
        const int j = sole_reader(sg, s);
        if (j < 0 || !runs_planned(&g->nodes[j], &tflc_kernel_mul)) continue;
        if (!tflc_mul_fuse_swish(&g->nodes[j], logistic)) continue;
        logistic->fused = true;
        lt->first[s] = lt->last[s] = -1;
    }
}

/* A float activation (HARD_SWISH, LOGISTIC, TANH, GELU, RELU, ...), fused swish MUL or float
 * binary op of x and a constant scalar, whose input x only it reads, written by a float
 * CONV_2D, DEPTHWISE_CONV_2D or BATCH_MATMUL (MobileNet V3: 21 HARD_SWISHes, e.g. after
 * [1,7,7,960] convolutions; EfficientNet-B0: 49 swishes; a Transformer block's attention
 * scores times 1 / sqrt(depth)), runs inside that producer: each block of the output is
 * transformed right after it is computed (ops/fusion.h, epilogue), while it is in its core's
 * cache, instead of in a pass of its own, which on 2 threads read what the other core wrote
 * (a [1,7,7,960] HARD_SWISH: 3.6 us on 1 thread, 10.6 on 2). The producer writes y; the node
 * is marked fused and x gets no arena slot; y lives from the producer on. Neither x nor y may
 * be state, and x no graph output. */
static void fuse_activation_epilogues(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *e = &g->nodes[i];
        const int slot = skipped(e) || e->deferred ? -1 : tflc_epilogue_input(e);
        if (slot < 0) continue;
        const int x = e->desc->inputs[slot], y = e->desc->outputs[0];
        if (x < 0 || y < 0 || x == y || lt->first[x] < 0 || lt->first[x] >= i) continue;
        tflc_node *conv = &g->nodes[lt->first[x]];
        if (skipped(conv) || conv->deferred || conv->n_outputs != 1 || !written_by(conv, x)) continue;
        if (is_graph_output(sg, x) || is_state_tensor(g, x) || is_state_tensor(g, y) ||
            !read_only_by(g, x, i) || g->tensors[x].alloc != TFLC_ALLOC_NONE ||
            g->tensors[y].alloc != TFLC_ALLOC_NONE)
            continue;
        if (!tflc_conv_fuse_epilogue(conv, e) && !tflc_dw_fuse_epilogue(conv, e) &&
            !tflc_bmm_fuse_epilogue(conv, e))
            continue;
        e->fused = true;
        conv->outputs[0] = &g->tensors[y];
        lt->first[y] = lt->first[x];
        lt->first[x] = lt->last[x] = -1;                 /* never written: no arena slot */
    }
}

/* Whether tensor t holds its value for the whole run from op `op` on to its last reader: a
 * constant, a graph input or an arena tensor written before op, and not state (which an
 * operator in between could update). */
static bool ready_before(const tflc_graph *g, const lifetimes *lt, int t, int op) {
    const tflc_alloc_kind kind = g->tensors[t].alloc;
    if (is_state_tensor(g, t)) return false;
    return kind == TFLC_ALLOC_CONST ||
           (kind == TFLC_ALLOC_NONE && lt->first[t] >= 0 && (lt->first[t] < op || is_graph_input(g->desc, t)));
}

/* A residual connection: a float CONV_2D or FULLY_CONNECTED -> x; ADD(x, r) -> y of one
 * shape, x read by the ADD alone (MobileNet V2: 10 ADDs, e.g. [1,28,28,32]; ResNet50: 16,
 * RELU fused; a Transformer block: 2 after FULLY_CONNECTEDs, [1,128,256]): the producer
 * adds r to each block of its output right after computing it, while the block is in its
 * core's cache (ops/fusion.h, residual), instead of an ADD pass of its own, which on 2
 * threads also reads what the other core wrote. r must be ready when the producer runs (a
 * constant, a graph input, or an arena tensor written before it) and not be state (which an
 * operator between the two could update); the rest as for the activations above. The ADD
 * is marked fused; x gets no arena slot; y lives from the producer on, so it never shares
 * r's slot (the producer reads r while writing y). */
static void fuse_residual_adds(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *add = &g->nodes[i];
        if (!runs_planned(add, &tflc_kernel_add) || add->n_inputs != 2 || add->n_outputs != 1) continue;
        const int y = add->desc->outputs[0];
        for (int slot = 0; slot < 2; slot++) {
            const int x = add->desc->inputs[slot], r = add->desc->inputs[1 - slot];
            if (x < 0 || r < 0 || y < 0 || x == r || lt->first[x] < 0 || lt->first[x] >= i) continue;
            const int c = lt->first[x];
            tflc_node *prod = &g->nodes[c];
            if (!(runs_planned(prod, &tflc_kernel_conv_2d) || runs_planned(prod, &tflc_kernel_fully_connected)) ||
                prod->n_outputs != 1 || !written_by(prod, x))
                continue;
            if (!ready_before(g, lt, r, c) || is_graph_output(sg, x) || is_state_tensor(g, x) ||
                is_state_tensor(g, y) || !read_only_by(g, x, i) || g->tensors[x].alloc != TFLC_ALLOC_NONE ||
                g->tensors[y].alloc != TFLC_ALLOC_NONE)
                continue;
            if (!tflc_conv_fuse_residual(prod, add, slot) && !tflc_fc_fuse_residual(prod, add, slot)) continue;
            add->fused = true;
            prod->outputs[0] = &g->tensors[y];
            lt->first[y] = c;
            lt->first[x] = lt->last[x] = -1;                 /* never written: no arena slot */
            break;
        }
    }
}

/* A float 1x1 CONV_2D (pointwise expansion) -> x -> DEPTHWISE_CONV_2D, x read by the
 * depthwise convolution alone: the depthwise convolution computes x itself, a window of rows
 * at a time, into a small ring per thread (ops/fusion.h, tflc_dw_fuse_expand), so x, which
 * for MobileNet V2's first blocks ([1,112,112,96], 4.6 MiB) does not fit in L2, never goes
 * out to memory and back. The same products on the same inputs, so the same bits. The
 * CONV_2D is marked fused; x gets no arena slot and the CONV_2D's input lives until the
 * depthwise convolution. Neither x nor the input may be state, nor x a graph output. */
static void fuse_expand_into_dw(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *dw = &g->nodes[i];
        if (!runs_planned(dw, &tflc_kernel_depthwise_conv_2d) || dw->n_inputs < 1) continue;
        const int x = sg->ops[i].inputs[0];
        if (x < 0 || lt->first[x] < 0 || lt->first[x] >= i) continue;
        tflc_node *conv = &g->nodes[lt->first[x]];
        if (!runs_planned(conv, &tflc_kernel_conv_2d) || conv->n_outputs != 1 || conv->n_inputs < 1)
            continue;
        const int u = conv->desc->inputs[0];
        if (u < 0 || is_state_tensor(g, u) || is_graph_output(sg, x) || is_state_tensor(g, x) ||
            !read_only_by(g, x, i) || g->tensors[x].alloc != TFLC_ALLOC_NONE)
            continue;
        if (!tflc_dw_fuse_expand(dw, conv)) continue;
        conv->fused = true;
        lt->first[x] = lt->last[x] = -1;
        if (lt->first[u] >= 0 && lt->last[u] < i) lt->last[u] = i;
    }
}

/* A float DEPTHWISE_CONV_2D -> t -> 1x1 CONV_2D (the projection of an inverted residual
 * block), t read by the convolution alone: the depthwise convolution runs the projection on
 * each of its tasks' output rows right after computing them (ops/fusion.h,
 * tflc_dw_fuse_project), so the pair is one parallel pass, not two (a hand-over between the
 * threads less; MobileNet V2 float32: its 5 pairs at 56x56 and 28x28, smaller images stay
 * apart), and t is read back from the core that wrote it. The CONV_2D is marked fused; t keeps its slot; the
 * convolution's output y (its residual ADD's, when that is fused in) lives from the
 * depthwise convolution on. A residual operand must be ready by then. Neither t nor y may
 * be state, nor t a graph output. */
static void fuse_project_into_dw(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *dw = &g->nodes[i];
        if (!runs_planned(dw, &tflc_kernel_depthwise_conv_2d) || dw->n_outputs != 1) continue;
        const int t = sg->ops[i].outputs[0], j = t < 0 ? -1 : sole_reader(sg, t);
        if (j <= i || is_graph_output(sg, t) || is_state_tensor(g, t) || g->tensors[t].alloc != TFLC_ALLOC_NONE)
            continue;
        tflc_node *conv = &g->nodes[j];
        if (!runs_planned(conv, &tflc_kernel_conv_2d) || conv->n_outputs != 1 || conv->n_inputs < 1 ||
            conv->desc->inputs[0] != t || !read_only_by(g, t, j))
            continue;
        const int y = (int)(conv->outputs[0] - g->tensors);   /* the ADD's y when fused in */
        if (is_state_tensor(g, y) || g->tensors[y].alloc != TFLC_ALLOC_NONE) continue;
        const tflc_node *add = tflc_conv_residual_add(conv);
        if (add) {
            const int r = add->desc->inputs[1 - tflc_add_residual_input(add)];
            if (r < 0 || !ready_before(g, lt, r, i)) continue;
        }
        if (!tflc_dw_fuse_project(dw, conv)) continue;
        conv->fused = true;
        lt->first[y] = i;
    }
}

/* TRANSPOSEs beside a float BATCH_MATMUL (ops/fusion.h): an operand t = TRANSPOSE(x) read
 * by the product alone is read from x through the permutation's view (t gets no arena slot,
 * x lives until the product); an output y read by a TRANSPOSE alone is written into the
 * transpose's output z through its view (y gets no slot, z lives from the product on).
 * None of x, t, y, z may be state, nor t or y a graph output. A Transformer block's
 * attention: all 4 of its TRANSPOSEs. */
static void fuse_bmm_input_transposes(tflc_graph *g, lifetimes *lt, int i) {
    const tflc_subgraph_desc *sg = g->desc;
    tflc_node *bmm = &g->nodes[i];
    for (int slot = 0; slot < 2 && slot < bmm->n_inputs; slot++) {
        const int t = sg->ops[i].inputs[slot];
        if (t < 0 || lt->first[t] < 0 || lt->first[t] >= i) continue;
        tflc_node *tr = &g->nodes[lt->first[t]];
        if (!runs_planned(tr, &tflc_kernel_transpose) || tr->n_outputs != 1 || !written_by(tr, t)) continue;
        const int x = tr->desc->inputs[0];
        if (x < 0 || is_state_tensor(g, x) || is_state_tensor(g, t) || is_graph_output(sg, t) ||
            !read_only_by(g, t, i) || g->tensors[t].alloc != TFLC_ALLOC_NONE)
            continue;
        if (!tflc_bmm_fuse_input_transpose(bmm, slot, tr)) continue;
        tr->fused = true;
        lt->first[t] = lt->last[t] = -1;
        if (lt->first[x] >= 0 && lt->last[x] < i) lt->last[x] = i;
    }
}

static void fuse_bmm_output_transpose(tflc_graph *g, lifetimes *lt, int i) {
    const tflc_subgraph_desc *sg = g->desc;
    tflc_node *bmm = &g->nodes[i];
    if (bmm->n_outputs != 1) return;
    const int y = sg->ops[i].outputs[0], j = y < 0 ? -1 : sole_reader(sg, y);
    if (j <= i || is_graph_output(sg, y) || is_state_tensor(g, y) || g->tensors[y].alloc != TFLC_ALLOC_NONE)
        return;
    tflc_node *tr = &g->nodes[j];
    if (!runs_planned(tr, &tflc_kernel_transpose) || tr->n_outputs != 1 || tr->desc->inputs[0] != y) return;
    const int z = tr->desc->outputs[0];
    if (z < 0 || is_state_tensor(g, z) || g->tensors[z].alloc != TFLC_ALLOC_NONE) return;
    if (!tflc_bmm_fuse_output_transpose(bmm, tr)) return;
    tr->fused = true;
    bmm->outputs[0] = &g->tensors[z];
    lt->first[z] = i;
    lt->first[y] = lt->last[y] = -1;
}

static void fuse_transposes_into_bmm(tflc_graph *g, lifetimes *lt) {
    for (int i = 0; i < g->desc->n_ops; i++) {
        if (!runs_planned(&g->nodes[i], &tflc_kernel_batch_matmul)) continue;
        fuse_bmm_input_transposes(g, lt, i);
        fuse_bmm_output_transpose(g, lt, i);
    }
}

/* Whether node i can be in an element-wise chain, graph side: it runs planned, writes one
 * arena tensor that is not state, and reads no state (which the chain would read early). */
static bool chain_node_ok(const tflc_graph *g, const lifetimes *lt, int i) {
    const tflc_node *node = &g->nodes[i];
    if (skipped(node) || node->deferred || node->n_outputs != 1) return false;
    const int o = node->desc->outputs[0];
    if (o < 0 || lt->first[o] != i || is_state_tensor(g, o) || g->tensors[o].alloc != TFLC_ALLOC_NONE)
        return false;
    for (int k = 0; k < node->desc->n_inputs; k++) {
        const int t = node->desc->inputs[k];
        if (t >= 0 && is_state_tensor(g, t)) return false;
    }
    return true;
}

/* Whether tensor t is no graph output and every op reading it is in (from, end). */
static bool read_only_within(const tflc_subgraph_desc *sg, int t, int from, int end) {
    if (is_graph_output(sg, t)) return false;
    for (int i = 0; i < sg->n_ops; i++)
        for (int k = 0; k < sg->ops[i].n_inputs; k++)
            if (sg->ops[i].inputs[k] == t && (i <= from || i >= end)) return false;
    return true;
}

/* Runs of consecutive float element-wise binary nodes with outputs of one shape (a
 * Transformer block's layer normalization: MUL, MUL, MUL, ADD on [1,128,256], twice) become
 * one chain run by the first node (ops/fusion.h, tflc_bin_chain_append), block by block, in
 * one parallel pass; the others are marked fused. The first node writes every member's
 * output and reads every member's inputs: outputs live from it on and inputs to the last
 * member, so no output shares a slot with a tensor the chain still reads. Inputs written
 * before the chain are ready by construction (the members are consecutive). An output that
 * only later members read, and no graph output, stays in the thread's scratch for the block
 * (tflc_bin_chain_local) and gets no arena slot. Invokes alternating in one process,
 * Transformer block float32: median 0.992 at 1 thread, 0.981-0.983 at 2. */
static void fuse_elementwise_chains(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops;) {
        tflc_node *first = &g->nodes[i];
        if (!chain_node_ok(g, lt, i) || !tflc_bin_chain_append(first, first)) {
            i++;
            continue;
        }
        int end = i + 1;
        while (end < sg->n_ops && chain_node_ok(g, lt, end) && tflc_bin_chain_append(first, &g->nodes[end]))
            end++;
        for (int k = i; k < end; k++) {
            const tflc_op_desc *op = &sg->ops[k];
            g->nodes[k].fused = k > i;
            lt->first[op->outputs[0]] = i;
            for (int in = 0; in < op->n_inputs; in++) {
                const int t = op->inputs[in];
                if (t >= 0 && lt->first[t] >= 0 && lt->last[t] < end - 1) lt->last[t] = end - 1;
            }
        }
        for (int k = i; end - i > 1 && k < end - 1; k++) {
            const int o = sg->ops[k].outputs[0];
            if (!read_only_within(sg, o, k, end)) continue;
            tflc_bin_chain_local(first, k - i);
            lt->first[o] = lt->last[o] = -1;
        }
        i = end;
    }
}

/* Arena tensors: written by an op or fed as graph inputs; not constant, folded, string or
 * dynamic (those live on the heap). */
static bool in_arena(const tflc_graph *g, const lifetimes *lt, int t) {
    tflc_alloc_kind kind = g->tensors[t].alloc;
    return lt->first[t] >= 0 && kind != TFLC_ALLOC_HEAP && kind != TFLC_ALLOC_FOLDED && kind != TFLC_ALLOC_CONST;
}

/* RESHAPE, SQUEEZE and EXPAND_DIMS keep the bytes and only relabel the shape, and their
 * eval copies nothing when output and input share a buffer (reshape.c). */
static bool keeps_bytes(const tflc_node *node) {
    return node->kernel == &tflc_kernel_reshape || node->kernel == &tflc_kernel_squeeze ||
           node->kernel == &tflc_kernel_expand_dims;
}

/* alias[t]: the tensor whose arena slot t shares (t itself if none). A byte-keeping node's
 * output takes its data input's slot when that input dies there (its last reader: never a
 * graph input, state or output, which live to the end) and both are arena tensors of one
 * size; the slot's owner then lives as long as the output. Chains (a RESHAPE of a SQUEEZE)
 * resolve to the first tensor. E.g. MobileNet's [1,1,1,1001] -> [1,1001] logits. */
static void alias_kept_bytes(const tflc_graph *g, const lifetimes *lt, tflc_plan_item *items,
                             int *alias) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int t = 0; t < sg->n_tensors; t++) alias[t] = t;
    for (int i = 0; i < sg->n_ops; i++) {
        const tflc_node *node = &g->nodes[i];
        if (skipped(node) || node->deferred || !keeps_bytes(node)) continue;
        if (node->n_inputs < 1 || node->n_outputs != 1) continue;
        int in = node->desc->inputs[0], out = node->desc->outputs[0];
        if (in < 0 || out < 0 || in == out || lt->last[in] != i) continue;
        if (!in_arena(g, lt, in) || !in_arena(g, lt, out)) continue;
        if (g->tensors[in].bytes != g->tensors[out].bytes) continue;
        int root = alias[in];
        alias[out] = root;
        if (items[root].last < items[out].last) items[root].last = items[out].last;
        items[out].size = 0;
    }
}

/* ----------------------------------------------------- PAD into conv -- */

/* A PAD (or PADV2) whose output only a convolution reads, as its data input, and that is
 * not a subgraph output, is done by that convolution instead (tflc_conv_absorb_pad decides
 * whether it can be, exactly): the PAD is marked fused, so invoke skips it, its output gets no arena space, and its input lives until the convolution.
 * Runs after every prepare (params are reset by each), before the arena is planned. */
static void fuse_pads_into_convs(tflc_graph *g, lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *conv = &g->nodes[i];
        if (skipped(conv) || conv->deferred || conv->n_inputs < 1) continue;
        int t = sg->ops[i].inputs[0];
        if (t < 0 || lt->first[t] < 0 || lt->first[t] >= i || lt->last[t] != i) continue;
        tflc_node *pad = &g->nodes[lt->first[t]];
        if (skipped(pad) || pad->deferred || pad->n_inputs < 1 || pad->n_outputs != 1 ||
            !written_by(pad, t) || is_state_tensor(g, t) || is_graph_output(sg, t) || sole_reader(sg, t) != i)
            continue;
        int x = sg->ops[pad->index].inputs[0];   /* a state tensor may change in between */
        if (x < 0 || is_state_tensor(g, x) || !tflc_conv_absorb_pad(conv, pad)) continue;
        pad->fused = true;
        lt->first[t] = lt->last[t] = -1;                 /* never written: no arena slot */
        if (lt->first[x] >= 0 && lt->last[x] < i) lt->last[x] = i;
    }
}

static tflc_status plan_and_bind(tflc_graph *g, const lifetimes *lt) {
    const tflc_subgraph_desc *sg = g->desc;
    int n_items = sg->n_tensors + sg->n_ops + 1;   /* + the threads' scratch */
    tflc_plan_item *items = calloc((size_t)(n_items ? n_items : 1), sizeof *items);
    int *alias = malloc((size_t)(sg->n_tensors ? sg->n_tensors : 1) * sizeof *alias);
    if (!items || !alias) {
        free(items);
        free(alias);
        return GRAPH_FAIL(g, TFLC_ERROR_OUT_OF_MEMORY, "out of memory planning the arena");
    }
    for (int t = 0; t < sg->n_tensors; t++)
        if (in_arena(g, lt, t)) items[t] = (tflc_plan_item){g->tensors[t].bytes, lt->first[t], lt->last[t], 0};
    for (int i = 0; i < sg->n_ops; i++)
        if (!skipped(&g->nodes[i]) && !g->nodes[i].deferred)
            items[sg->n_tensors + i] = (tflc_plan_item){g->nodes[i].scratch_bytes, i, i, 0};
    /* One block per thread, the largest any planned node asks for, live for the whole invoke
     * (tflc_node_thread_scratch). */
    size_t thread_stride = 0;
    for (int i = 0; i < sg->n_ops; i++)
        if (!skipped(&g->nodes[i]) && !g->nodes[i].deferred &&
            tflc_arena_round(g->nodes[i].thread_scratch_bytes) > thread_stride)
            thread_stride = tflc_arena_round(g->nodes[i].thread_scratch_bytes);
    /* every node of a graph shares its runner's pool */
    const size_t threads = sg->n_ops ? (size_t)tflc_node_num_threads(&g->nodes[0]) : 1;
    if (thread_stride > SIZE_MAX / threads) {
        free(items);
        free(alias);
        return GRAPH_FAIL(g, TFLC_ERROR_OUT_OF_MEMORY, "thread scratch of %zu bytes overflows", thread_stride);
    }
    items[n_items - 1] = (tflc_plan_item){threads * thread_stride, 0, sg->n_ops ? sg->n_ops - 1 : 0, 0};
    alias_kept_bytes(g, lt, items, alias);
    size_t bytes;
    tflc_status s = tflc_plan_arena(items, n_items, TFLC_ARENA_ALIGN, &bytes);
    if (s == TFLC_OK && (bytes > g->arena_bytes || !g->arena)) {
        tflc_pages_free(&g->arena_pages);
        g->arena_bytes = 0;
        g->arena = tflc_pages_alloc(&g->arena_pages, bytes, true) ? g->arena_pages.data : NULL;
        if (!g->arena) s = TFLC_ERROR_OUT_OF_MEMORY;
        else tflc_pages_prefault(&g->arena_pages, g->arena, bytes);
    }
    if (s != TFLC_OK) {
        free(items);
        free(alias);
        return GRAPH_FAIL(g, s, "cannot allocate a %zu-byte arena", bytes);
    }
    g->arena_bytes = bytes;
    for (int t = 0; t < sg->n_tensors; t++) {
        if (!in_arena(g, lt, t)) continue;
        g->tensors[t].alloc = TFLC_ALLOC_ARENA;
        g->tensors[t].data = g->arena + items[alias[t]].offset;
    }
    for (int i = 0; i < sg->n_ops; i++) {
        tflc_node *node = &g->nodes[i];
        if (node->deferred) continue;
        node->scratch = node->scratch_bytes ? g->arena + items[sg->n_tensors + i].offset : NULL;
        node->thread_scratch = thread_stride ? g->arena + items[n_items - 1].offset : NULL;
        node->thread_scratch_stride = thread_stride;
    }
    free(items);
    free(alias);
    return TFLC_OK;
}

/* As TFLite resets variable tensors: zero, or the zero point of a quantized one. */
static void reset_state_tensors(tflc_graph *g) {
    for (int t = 0; t < g->desc->n_tensors; t++) {
        tflc_tensor *tensor = &g->tensors[t];
        if (!is_state_tensor(g, t) || tensor->alloc != TFLC_ALLOC_ARENA) continue;
        const tflc_quantization *q = &tensor->desc->quant;
        int64_t zp = q->count > 0 ? q->zero_points[0] : 0;
        size_t n = tflc_tensor_count(tensor);
        if (tensor->dtype == TFLC_INT8)
            memset(tensor->data, (int)(int8_t)zp, n);
        else if (tensor->dtype == TFLC_UINT8)
            memset(tensor->data, (int)(uint8_t)zp, n);
        else if (tensor->dtype == TFLC_INT16)
            for (size_t i = 0; i < n; i++) ((int16_t *)tensor->data)[i] = (int16_t)zp;
        else
            memset(tensor->data, 0, tensor->bytes);
    }
}

tflc_status tflc_graph_prepare(tflc_graph *g) {
    if (g->prepared) return TFLC_OK;
    int n = g->desc->n_tensors;
    lifetimes lt = {malloc((size_t)(n ? n : 1) * sizeof(int)), malloc((size_t)(n ? n : 1) * sizeof(int))};
    tflc_status s = TFLC_OK;
    if (!lt.first || !lt.last) s = GRAPH_FAIL(g, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    if (s == TFLC_OK) {
        reset_placement(g);
        s = mark_lifetimes(g, &lt);
    }
    if (s == TFLC_OK) s = prepare_nodes(g, &lt);
    if (s == TFLC_OK) fuse_swish_pairs(g, &lt);
    if (s == TFLC_OK) fuse_pads_into_convs(g, &lt);
    if (s == TFLC_OK) fuse_activation_epilogues(g, &lt);
    if (s == TFLC_OK) fuse_residual_adds(g, &lt);
    if (s == TFLC_OK) fuse_expand_into_dw(g, &lt);
    if (s == TFLC_OK) fuse_project_into_dw(g, &lt);
    if (s == TFLC_OK) fuse_transposes_into_bmm(g, &lt);
    if (s == TFLC_OK) fuse_elementwise_chains(g, &lt);
    if (s == TFLC_OK) s = plan_and_bind(g, &lt);
    if (s == TFLC_OK) reset_state_tensors(g);
    free(lt.first);
    free(lt.last);
    g->prepared = s == TFLC_OK;
    return s;
}

/* --------------------------------------------------------------- invoke -- */

/* A deferred node: prepare now that its inputs exist, give it heap scratch, eval. */
static tflc_status run_deferred(tflc_node *node) {
    tflc_status s = prepare_node(node);
    if (s != TFLC_OK) return s;
    const size_t size = heap_scratch_bytes(node);
    if (size > node->scratch_capacity) {
        free(node->scratch_heap);
        node->scratch_heap = aligned_alloc(TFLC_ARENA_ALIGN, size);
        node->scratch_capacity = node->scratch_heap ? size : 0;
        if (!node->scratch_heap) return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory for scratch");
    }
    bind_heap_scratch(node, node->scratch_heap);
    return node->kernel->eval(node);
}

/* Every string graph input must hold exactly its shape's strings before any op reads it
 * (a signature may leave a subgraph input unnamed, so the runner's own check is not enough). */
static tflc_status check_string_inputs(tflc_graph *g) {
    for (int k = 0; k < g->desc->n_inputs; k++) {
        const tflc_tensor *t = tflc_graph_input(g, k);
        if (t->dtype != TFLC_STRING || t->alloc != TFLC_ALLOC_HEAP) continue;
        if (!t->data || t->bytes < 4 || tflc_strings_count(t) != tflc_tensor_count(t))
            return GRAPH_FAIL(g, TFLC_ERROR_MISUSE, "subgraph %d: string input '%s' has not been set", g->index,
                              t->desc->name);
    }
    return TFLC_OK;
}

static tflc_status run_node(tflc_node *node) {
    return node->deferred ? run_deferred(node) : node->kernel->eval(node);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Op profiling (tflc_runner_set_profiling): the node's wall time, kept out of the plain loop
 * so that profiling off costs one predictable branch per node. */
static tflc_status run_node_timed(tflc_node *node, tflc_node_time *time) {
    uint64_t t0 = now_ns();
    tflc_status s = run_node(node);
    time->ns += now_ns() - t0;
    time->count++;
    return s;
}

tflc_status tflc_graph_invoke(tflc_graph *g) {
    if (!g->prepared)
        return GRAPH_FAIL(g, TFLC_ERROR_MISUSE, "subgraph %d is not allocated", g->index);
    tflc_status s = g->string_inputs ? check_string_inputs(g) : TFLC_OK;
    if (s != TFLC_OK) return s;
    for (int i = 0; i < g->desc->n_ops; i++) {
        tflc_node *node = &g->nodes[i];
        if (skipped(node)) continue;
        s = g->profile ? run_node_timed(node, &g->profile[i]) : run_node(node);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* ------------------------------------------------------------ graph I/O -- */

tflc_tensor *tflc_graph_input(tflc_graph *g, int index) { return &g->tensors[g->desc->inputs[index]]; }
tflc_tensor *tflc_graph_output(tflc_graph *g, int index) { return &g->tensors[g->desc->outputs[index]]; }

tflc_status tflc_graph_set_input_shape(tflc_graph *g, int index, const int32_t *dims, int rank) {
    tflc_tensor *t = tflc_graph_input(g, index);
    if (rank == t->rank && (rank == 0 || memcmp(dims, t->dims, (size_t)rank * sizeof *dims) == 0)) return TFLC_OK;
    size_t bytes;
    if (rank < 0 || rank > TFLC_MAX_RANK ||
        !tflc_shape_bytes(dims, rank, tflc_storage_size(t->dtype), g->runner->model->max_tensor_bytes, &bytes))
        return GRAPH_FAIL(g, TFLC_ERROR_INVALID_ARGUMENT, "subgraph %d, input %d: shape is invalid or too large",
                          g->index, index);
    t->rank = rank;
    if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    if (t->dtype != TFLC_STRING) t->bytes = bytes;
    g->prepared = false;
    return TFLC_OK;
}

tflc_status tflc_tensor_copy_contents(tflc_graph *g, tflc_tensor *dst, const tflc_tensor *src) {
    if (dst->dtype != src->dtype || dst->rank != src->rank ||
        (src->rank && memcmp(dst->dims, src->dims, (size_t)src->rank * sizeof *src->dims) != 0))
        return GRAPH_FAIL(g, TFLC_ERROR_RUNTIME, "tensor '%s' (%s) cannot take the contents of '%s' (%s): shapes differ",
                          dst->desc->name, tflc_dtype_name(dst->dtype), src->desc->name, tflc_dtype_name(src->dtype));
    if (dst->alloc == TFLC_ALLOC_HEAP &&
        tflc_tensor_reserve(dst, src->bytes, g->runner->model->max_tensor_bytes) != TFLC_OK)
        return GRAPH_FAIL(g, TFLC_ERROR_OUT_OF_MEMORY, "out of memory copying tensor '%s'", src->desc->name);
    if (dst->alloc == TFLC_ALLOC_HEAP) dst->bytes = src->bytes;
    if (dst->bytes != src->bytes || (!dst->data && dst->bytes))
        return GRAPH_FAIL(g, TFLC_ERROR_RUNTIME, "tensor '%s': %zu bytes cannot take %zu", dst->desc->name, dst->bytes,
                          src->bytes);
    if (src->bytes && !src->data)       /* e.g. a subgraph output no operator writes */
        return GRAPH_FAIL(g, TFLC_ERROR_INVALID_MODEL, "tensor '%s' is read but never written (it has no data)",
                          src->desc->name);
    if (src->bytes && dst->data != src->data) memmove(dst->data, src->data, src->bytes);
    return TFLC_OK;
}
