/*
 * control_flow.c -- operators that run other subgraphs: CALL, IF, WHILE, CALL_ONCE.
 *
 * The called subgraphs are graphs of the same runner (tflc_runner_graph), prepared with the
 * shapes of the node's inputs. Values cross by copy: node inputs into the callee's inputs,
 * callee outputs into the node's outputs. When a callee's output shape cannot be known at
 * prepare (a branch-dependent shape, a loop whose state grows), the node's outputs are
 * dynamic and get their shape at invoke.
 */
#include <string.h>

#include "core/graph.h"
#include "core/resources.h"
#include "core/runner.h"
#include "core/interpreter.h"
#include "ops/ops.h"

enum { CALL_OPT_SUBGRAPH_INDEX = 0 };

extern const tflc_kernel tflc_kernel_call, tflc_kernel_if, tflc_kernel_while, tflc_kernel_call_once;

/* ------------------------------------------------------------ plumbing -- */

static tflc_status get_graph(tflc_node *node, int index, tflc_graph **g) {
    tflc_status s = tflc_runner_graph(node->graph->runner, index, g);
    if (s != TFLC_OK) return s;
    if ((*g)->desc->n_inputs > node->n_inputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "subgraph %d takes %d inputs; the operator passes %d",
                              index, (*g)->desc->n_inputs, node->n_inputs);
    return TFLC_OK;
}

/* Shapes of node inputs [first..] onto the callee's inputs, then prepare the callee. */
static tflc_status bind_and_prepare(tflc_node *node, tflc_graph *g, int first) {
    if (g->desc->n_inputs != node->n_inputs - first)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "subgraph %d takes %d inputs, not %d", g->index,
                              g->desc->n_inputs, node->n_inputs - first);
    for (int k = 0; k < g->desc->n_inputs; k++) {
        const tflc_tensor *in = node->inputs[first + k];
        if (!in) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d is missing", first + k);
        if (tflc_graph_input(g, k)->dtype != in->dtype)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d is %s but subgraph %d takes %s", first + k,
                                  tflc_dtype_name(in->dtype), g->index, tflc_dtype_name(tflc_graph_input(g, k)->dtype));
        tflc_status s = tflc_graph_set_input_shape(g, k, in->dims, in->rank);
        if (s != TFLC_OK) return s;
    }
    return tflc_graph_prepare(g);
}

static tflc_status copy_in(tflc_node *node, tflc_graph *g, int first) {
    for (int k = 0; k < g->desc->n_inputs; k++) {
        tflc_status s = tflc_tensor_copy_contents(g, tflc_graph_input(g, k), node->inputs[first + k]);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

static bool same_shape(const tflc_tensor *a, const tflc_tensor *b) {
    return a->rank == b->rank && (a->rank == 0 || memcmp(a->dims, b->dims, (size_t)a->rank * sizeof *a->dims) == 0);
}

/* Node outputs take the callee's outputs: shapes at prepare (static) or now (dynamic). */
static tflc_status copy_out(tflc_node *node, tflc_graph *g) {
    for (int k = 0; k < node->n_outputs; k++) {
        tflc_tensor *out = node->outputs[k];
        const tflc_tensor *src = tflc_graph_output(g, k);
        if (out->dynamic) {
            tflc_status s = tflc_node_set_output_shape(node, k, src->dims, src->rank);
            if (s != TFLC_OK) return s;
        }
        tflc_status s = tflc_tensor_copy_contents(node->graph, out, src);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* Static outputs when every candidate callee agrees on every output shape. */
static tflc_status set_outputs_from(tflc_node *node, tflc_graph *const *gs, int n_graphs) {
    for (int k = 0; k < node->n_outputs; k++) {
        for (int i = 0; i < n_graphs; i++)
            if (gs[i]->desc->n_outputs != node->n_outputs ||
                tflc_graph_output(gs[i], k)->dtype != node->outputs[k]->dtype)
                return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "subgraph %d's outputs do not match the operator's",
                                      gs[i]->index);
        const tflc_tensor *first = tflc_graph_output(gs[0], k);
        bool fixed = !first->dynamic;
        for (int i = 1; i < n_graphs; i++) fixed = fixed && same_shape(first, tflc_graph_output(gs[i], k));
        tflc_status s = fixed ? tflc_node_set_output_shape(node, k, first->dims, first->rank)
                              : tflc_node_set_output_dynamic(node, k);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* ---------------------------------------------------------------- CALL -- */

typedef struct call_params {
    tflc_graph *callee[2];            /* CALL: [0]; IF: then, else; WHILE: cond, body */
} call_params;

static tflc_status call_prepare(tflc_node *node) {
    call_params *p = node->params;
    int index = node->desc->options ? (int)fb_u32(node->desc->options, CALL_OPT_SUBGRAPH_INDEX, 0) : 0;
    tflc_status s = get_graph(node, index, &p->callee[0]);
    if (s == TFLC_OK) s = bind_and_prepare(node, p->callee[0], 0);
    return s == TFLC_OK ? set_outputs_from(node, p->callee, 1) : s;
}

static tflc_status call_eval(tflc_node *node) {
    call_params *p = node->params;
    tflc_status s = copy_in(node, p->callee[0], 0);
    if (s == TFLC_OK) s = tflc_graph_invoke(p->callee[0]);
    return s == TFLC_OK ? copy_out(node, p->callee[0]) : s;
}

/* ------------------------------------------------------------------ IF -- */

static tflc_status if_prepare(tflc_node *node) {
    call_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, INT32_MAX, node->n_outputs);
    if (s != TFLC_OK) return s;
    if (!node->desc->options) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "IF has no options");
    int branches[2] = {fb_i32(node->desc->options, IF_OPT_THEN, 0), fb_i32(node->desc->options, IF_OPT_ELSE, 0)};
    if (tflc_tensor_count(node->inputs[0]) != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "the condition must hold one element");
    for (int b = 0; b < 2 && s == TFLC_OK; b++) {
        s = get_graph(node, branches[b], &p->callee[b]);
        if (s == TFLC_OK) s = bind_and_prepare(node, p->callee[b], 1);
    }
    return s == TFLC_OK ? set_outputs_from(node, p->callee, 2) : s;
}

/* Element 0 of a bool or numeric tensor, as TensorFlow reads a predicate. */
static bool truth(const tflc_tensor *t) {
    switch (t->dtype) {
    case TFLC_BOOL: case TFLC_INT8: case TFLC_UINT8: return ((const uint8_t *)t->data)[0] != 0;
    case TFLC_INT32: return ((const int32_t *)t->data)[0] != 0;
    case TFLC_INT64: return ((const int64_t *)t->data)[0] != 0;
    case TFLC_FLOAT32: return ((const float *)t->data)[0] != 0.0f;
    default: return false;
    }
}

static tflc_status if_eval(tflc_node *node) {
    call_params *p = node->params;
    tflc_graph *g = p->callee[truth(node->inputs[0]) ? 0 : 1];
    tflc_status s = copy_in(node, g, 1);
    if (s == TFLC_OK) s = tflc_graph_invoke(g);
    return s == TFLC_OK ? copy_out(node, g) : s;
}

/* --------------------------------------------------------------- WHILE -- */

static tflc_status while_prepare(tflc_node *node) {
    call_params *p = node->params;
    if (!node->desc->options) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "WHILE has no options");
    if (node->n_outputs != node->n_inputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "WHILE has %d inputs but %d outputs", node->n_inputs,
                              node->n_outputs);
    int cond = fb_i32(node->desc->options, WHILE_OPT_COND, 0), body = fb_i32(node->desc->options, WHILE_OPT_BODY, 0);
    tflc_status s = get_graph(node, cond, &p->callee[0]);
    if (s == TFLC_OK) s = bind_and_prepare(node, p->callee[0], 0);
    if (s == TFLC_OK) s = get_graph(node, body, &p->callee[1]);
    if (s == TFLC_OK) s = bind_and_prepare(node, p->callee[1], 0);
    if (s != TFLC_OK) return s;
    if (p->callee[0]->desc->n_outputs != 1 || p->callee[1]->desc->n_outputs != node->n_outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "WHILE cond must have 1 output and body %d",
                              node->n_outputs);
    /* A loop that keeps every shape has static outputs; one that changes a shape does not. */
    for (int k = 0; k < node->n_outputs; k++) {
        const tflc_tensor *next = tflc_graph_output(p->callee[1], k), *in = node->inputs[k];
        if (next->dtype != in->dtype || node->outputs[k]->dtype != in->dtype)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "loop variable %d changes dtype", k);
        s = !next->dynamic && same_shape(next, in) ? tflc_node_set_output_shape(node, k, in->dims, in->rank)
                                                   : tflc_node_set_output_dynamic(node, k);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* Loop state lives in the node's outputs. A callee whose input shapes changed is prepared
 * again (only loops whose state changes shape pay for that). */
static tflc_status feed(tflc_node *node, tflc_graph *g) {
    for (int k = 0; k < g->desc->n_inputs; k++) {
        const tflc_tensor *v = node->outputs[k];
        tflc_status s = tflc_graph_set_input_shape(g, k, v->dims, v->rank);
        if (s != TFLC_OK) return s;
    }
    tflc_status s = tflc_graph_prepare(g);
    for (int k = 0; s == TFLC_OK && k < g->desc->n_inputs; k++)
        s = tflc_tensor_copy_contents(g, tflc_graph_input(g, k), node->outputs[k]);
    return s;
}

/* The general loop: every variable crosses by copy at every step (three copies per variable
 * per iteration: into cond, into body, out of body). Handles state that changes shape. */
static tflc_status while_loop_copying(tflc_node *node, call_params *p) {
    tflc_status s = TFLC_OK;
    while (s == TFLC_OK) {
        s = feed(node, p->callee[0]);
        if (s == TFLC_OK) s = tflc_graph_invoke(p->callee[0]);
        if (s != TFLC_OK || !truth(tflc_graph_output(p->callee[0], 0))) break;
        s = feed(node, p->callee[1]);
        if (s == TFLC_OK) s = tflc_graph_invoke(p->callee[1]);
        if (s == TFLC_OK) s = copy_out(node, p->callee[1]);
    }
    return s;
}

/* ------------------------------------------------- WHILE: in-place loop state -- */

/* Loops whose state keeps its shape (every static output) copy less. Variable k's current
 * value lives either in the node's output k or, when the body returns its own input k
 * unchanged (a "pass-through": the [T, B, I] sequence an unrolled RNN reads one step of),
 * in the body's input k, which then is never copied while the loop runs. The cond gets only
 * the variables its operators read. Conditions, checked once per eval:
 *   - no output is dynamic (so neither callee is prepared again, which would re-plan its
 *     arena and lose the body's inputs) and the callees are set to the loop's shapes;
 *   - cond and body are distinct graphs, the body's inputs are distinct tensors, and the
 *     cond runs no control flow (which could run the body's graph and overwrite its inputs;
 *     the body cannot run itself: the verifier refuses recursion). */
enum { WHILE_FAST_MAX_VARS = 64 };

typedef enum var_home { HOME_NODE, HOME_BODY } var_home;

static bool is_control_flow(const tflc_node *n) {
    return n->kernel == &tflc_kernel_call || n->kernel == &tflc_kernel_if || n->kernel == &tflc_kernel_while ||
           n->kernel == &tflc_kernel_call_once;
}

/* True when some operator of g reads tensor t, or t is one of g's outputs. */
static bool graph_reads(tflc_graph *g, const tflc_tensor *t) {
    for (int o = 0; o < g->desc->n_outputs; o++)
        if (tflc_graph_output(g, o) == t) return true;
    for (int i = 0; i < g->desc->n_ops; i++)
        for (int j = 0; j < g->nodes[i].n_inputs; j++)
            if (g->nodes[i].inputs[j] == t) return true;
    return false;
}

static bool while_can_keep_state(tflc_node *node, const call_params *p) {
    tflc_graph *cond = p->callee[0], *body = p->callee[1];
    if (cond == body || node->n_outputs > WHILE_FAST_MAX_VARS || cond->desc->n_inputs != node->n_outputs)
        return false;
    for (int k = 0; k < node->n_outputs; k++) {
        if (node->outputs[k]->dynamic || !same_shape(node->outputs[k], tflc_graph_input(body, k)) ||
            !same_shape(node->outputs[k], tflc_graph_input(cond, k)))
            return false;
        for (int j = 0; j < k; j++)
            if (tflc_graph_input(body, j) == tflc_graph_input(body, k)) return false;
    }
    for (int i = 0; i < cond->desc->n_ops; i++)
        if (is_control_flow(&cond->nodes[i])) return false;
    return cond->prepared && body->prepared;
}

/* The tensor holding variable k now. */
static tflc_tensor *var_value(tflc_node *node, tflc_graph *body, const var_home *home, int k) {
    return home[k] == HOME_BODY ? tflc_graph_input(body, k) : node->outputs[k];
}

static tflc_status while_loop_in_place(tflc_node *node, call_params *p) {
    tflc_graph *cond = p->callee[0], *body = p->callee[1];
    const int n = node->n_outputs;
    var_home home[WHILE_FAST_MAX_VARS];
    bool cond_reads[WHILE_FAST_MAX_VARS], pass_through[WHILE_FAST_MAX_VARS];
    for (int k = 0; k < n; k++) {
        home[k] = HOME_NODE;
        cond_reads[k] = graph_reads(cond, tflc_graph_input(cond, k));
        pass_through[k] = tflc_graph_output(body, k) == tflc_graph_input(body, k);
    }
    tflc_status s = TFLC_OK;
    for (;;) {
        for (int k = 0; s == TFLC_OK && k < n; k++)
            if (cond_reads[k]) s = tflc_tensor_copy_contents(cond, tflc_graph_input(cond, k), var_value(node, body, home, k));
        if (s == TFLC_OK) s = tflc_graph_invoke(cond);
        if (s != TFLC_OK || !truth(tflc_graph_output(cond, 0))) break;
        for (int k = 0; s == TFLC_OK && k < n; k++)
            if (home[k] == HOME_NODE) s = tflc_tensor_copy_contents(body, tflc_graph_input(body, k), node->outputs[k]);
        if (s == TFLC_OK) s = tflc_graph_invoke(body);
        for (int k = 0; s == TFLC_OK && k < n; k++) {
            if (pass_through[k]) home[k] = HOME_BODY;
            else s = tflc_tensor_copy_contents(node->graph, node->outputs[k], tflc_graph_output(body, k));
        }
    }
    for (int k = 0; s == TFLC_OK && k < n; k++)   /* the final values into the node's outputs */
        if (home[k] == HOME_BODY) s = tflc_tensor_copy_contents(node->graph, node->outputs[k], tflc_graph_input(body, k));
    return s;
}

/* Loop state starts as a copy of the inputs in the node's outputs. */
static tflc_status while_eval(tflc_node *node) {
    call_params *p = node->params;
    tflc_status s = TFLC_OK;
    for (int k = 0; s == TFLC_OK && k < node->n_outputs; k++) {
        if (node->outputs[k]->dynamic) s = tflc_node_set_output_shape(node, k, node->inputs[k]->dims, node->inputs[k]->rank);
        if (s == TFLC_OK) s = tflc_tensor_copy_contents(node->graph, node->outputs[k], node->inputs[k]);
    }
    if (s != TFLC_OK) return s;
    /* Bind the callees to the loop's shapes (another node sharing a callee may have prepared
     * it for others); static loops keep them for the whole loop. */
    for (int g = 0; g < 2 && s == TFLC_OK; g++) {
        tflc_graph *callee = p->callee[g];
        for (int k = 0; s == TFLC_OK && k < callee->desc->n_inputs; k++)
            s = tflc_graph_set_input_shape(callee, k, node->outputs[k]->dims, node->outputs[k]->rank);
        if (s == TFLC_OK) s = tflc_graph_prepare(callee);
    }
    if (s != TFLC_OK) return s;
    return while_can_keep_state(node, p) ? while_loop_in_place(node, p) : while_loop_copying(node, p);
}

/* ----------------------------------------------------------- CALL_ONCE -- */

/* Depth of initialization subgraphs this thread is running: an init subgraph that itself
 * holds a CALL_ONCE must not take the (non-recursive) init lock again. */
static _Thread_local int init_depth;

static tflc_status run_init(tflc_node *node, tflc_resources *res, int index) {
    tflc_graph *g = NULL;
    tflc_status s = tflc_runner_graph(node->graph->runner, index, &g);
    init_depth++;
    if (s == TFLC_OK) s = tflc_graph_prepare(g);
    if (s == TFLC_OK) s = tflc_graph_invoke(g);
    init_depth--;
    if (g) tflc_graph_release(g); /* the runner needs it only once */
    if (s == TFLC_OK) {
        res->init_done[index] = 1;
        s = tflc_resources_snapshot(res);
    }
    return s;
}

/* The model's initialization subgraph runs exactly once per interpreter, when the first
 * runner that reaches it allocates (before any variable is read), even when several threads
 * allocate at the same moment. */
static tflc_status call_once_prepare(tflc_node *node) {
    tflc_resources *res = &node->graph->runner->interp->resources;
    int index = node->desc->options ? fb_i32(node->desc->options, CALL_ONCE_OPT_INIT, 0) : -1;
    if (index < 0 || index >= node->graph->runner->model->n_subgraphs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "init subgraph %d does not exist", index);
    if (init_depth > 0) return res->init_done[index] ? TFLC_OK : run_init(node, res, index);
    pthread_mutex_lock(&res->init_lock);
    tflc_status s = res->init_done[index] ? TFLC_OK : run_init(node, res, index);
    pthread_mutex_unlock(&res->init_lock);
    return s;
}

static tflc_status call_once_eval(tflc_node *node) {
    (void)node;
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_call = {
    .name = "CALL", .params_size = sizeof(call_params), .prepare = call_prepare, .eval = call_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};
const tflc_kernel tflc_kernel_if = {
    .name = "IF", .params_size = sizeof(call_params), .prepare = if_prepare, .eval = if_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};
const tflc_kernel tflc_kernel_while = {
    .name = "WHILE", .params_size = sizeof(call_params), .prepare = while_prepare, .eval = while_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};
const tflc_kernel tflc_kernel_call_once = {
    .name = "CALL_ONCE", .prepare = call_once_prepare, .eval = call_once_eval, .flags = TFLC_KERNEL_STATEFUL,
};
