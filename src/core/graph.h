/* graph.h -- a subgraph instantiated in a runner (see graph.c). */
#ifndef TFLC_CORE_GRAPH_H
#define TFLC_CORE_GRAPH_H

#include "core/internal.h"

/* Builds tensors and nodes for `subgraph` and resolves every operator (an unsupported one
 * fails here with its name and place). On failure the caller still calls release. */
tflc_status tflc_graph_init(tflc_graph *g, struct tflc_runner *runner, int subgraph);
void tflc_graph_release(tflc_graph *g);

/* Shapes, folding, arena. A no-op while nothing changed since the last prepare. */
tflc_status tflc_graph_prepare(tflc_graph *g);
tflc_status tflc_graph_invoke(tflc_graph *g);

/* Inputs and outputs by position in the subgraph's input/output lists. */
tflc_tensor *tflc_graph_input(tflc_graph *g, int index);
tflc_tensor *tflc_graph_output(tflc_graph *g, int index);

/* Sets a graph input's shape; a change marks the graph for prepare. */
tflc_status tflc_graph_set_input_shape(tflc_graph *g, int index, const int32_t *dims, int rank);

/* Copies src's contents into dst (same dtype and shape; heap tensors grow to fit). Used to
 * pass values between a calling node and the subgraph it runs. */
tflc_status tflc_tensor_copy_contents(tflc_graph *g, tflc_tensor *dst, const tflc_tensor *src);

/* The runner's instance of subgraph `index`, created on first use (control-flow kernels
 * call this at prepare). */
tflc_status tflc_runner_graph(struct tflc_runner *runner, int index, tflc_graph **graph_out);

#endif
