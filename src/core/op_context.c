/* op_context.c -- the public view of a node that custom operators receive (tflc_op_context). */
#include <stdarg.h>
#include <stdio.h>

#include "core/internal.h"

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

