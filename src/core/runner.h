/* runner.h -- one signature instantiated for execution: tensors, nodes, one arena. */
#ifndef TFLC_CORE_RUNNER_H
#define TFLC_CORE_RUNNER_H

#include "core/internal.h"
#include "core/threadpool.h" /* threadpool hook */

struct tflc_runner {
    tflc_interpreter *interp;
    const tflc_model *model;
    const tflc_signature_desc *sig;
    tflc_graph *graph;                /* the signature's subgraph: &graphs[sig->subgraph] */
    tflc_graph *graphs;               /* [model->n_subgraphs]; a graph's desc is NULL until used */
    char err[TFLC_ERRMSG_SIZE];
    /* threadpool hook: the kernels' workers (tflc_node_parallel_for), created when the
     * interpreter's num_threads > 1, else NULL (serial); owned by this runner. */
    tflc_threadpool *pool;
    /* A signature input has dtype string (set at create; dtypes never change): only then
     * does invoke walk the inputs to check their string counts. */
    bool string_inputs;
};

#endif
