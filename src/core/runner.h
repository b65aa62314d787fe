/* runner.h -- one signature instantiated for execution: tensors, nodes, one arena. */
#ifndef TFLC_CORE_RUNNER_H
#define TFLC_CORE_RUNNER_H

#include "core/internal.h"

struct tflc_runner {
    tflc_interpreter *interp;
    const tflc_model *model;
    const tflc_signature_desc *sig;
    tflc_graph graph;                 /* the signature's subgraph */
    tflc_tensor **node_io;            /* pool behind every node's inputs/outputs arrays */
    unsigned char *arena;             /* TFLC_ARENA_ALIGN-aligned, arena_bytes long */
    size_t arena_bytes;
    int allocated;                    /* shapes, plan and arena are current */
    char err[TFLC_ERRMSG_SIZE];
};

#endif
