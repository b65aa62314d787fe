/*
 * ensure_shape.c -- FlexEnsureShape: TensorFlow's EnsureShape (tf.ensure_shape), the
 * identity that fails unless its input has a shape compatible with the attr.
 * input [...] -> output [...] (the same tensor).
 *
 * Attrs: shape (a partial shape: -1 for an unknown dimension, or unknown rank), T.
 *
 * Compatible (PartialTensorShape::IsCompatibleWith): the attr's rank is unknown, or the
 * ranks are equal and every known dimension of the attr equals the input's. Otherwise, as
 * TensorFlow (core/kernels/shape_ops.h), InvalidArgument:
 *     "Shape of tensor <input> [2,3] is not compatible with expected shape [?,4]."
 * naming the input by its tensor name. Keras 3 code needs it in front of assign() of a
 * tf.raw_ops.Restore result (whose shape is unknown to the graph); the input is then only
 * shaped at invoke, so this check runs at invoke too (the node is prepared late).
 */
#include <stdio.h>
#include <string.h>

#include "core/strings.h"
#include "ops/flex/flex.h"
#include "ops/ops.h"

typedef struct ensure_shape_params {
    bool unknown_rank;
    int rank;
    int64_t dims[TFLC_MAX_RANK];
} ensure_shape_params;

/* "[2,?,3]" or "<unknown>" as TensorFlow prints a partial shape. */
static const char *partial_shape_str(const ensure_shape_params *p, char *buf, size_t size) {
    if (p->unknown_rank) {
        snprintf(buf, size, "<unknown>");
        return buf;
    }
    size_t at = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < p->rank && at < size; i++)
        at += p->dims[i] < 0 ? (size_t)snprintf(buf + at, size - at, i ? ",?" : "?")
                             : (size_t)snprintf(buf + at, size - at, i ? ",%lld" : "%lld", (long long)p->dims[i]);
    if (at < size) snprintf(buf + at, size - at, "]");
    return buf;
}

static bool compatible(const ensure_shape_params *p, const tflc_tensor *t) {
    if (p->unknown_rank) return true;
    if (p->rank != t->rank) return false;
    for (int i = 0; i < p->rank; i++)
        if (p->dims[i] >= 0 && p->dims[i] != t->dims[i]) return false;
    return true;
}

static tflc_status ensure_shape_prepare(tflc_node *node) {
    ensure_shape_params *p = node->params;
    tflc_nodedef nd;
    tflc_status s = tflc_flex_read_nodedef(node, "EnsureShape", &nd);
    if (s != TFLC_OK) return s;
    if ((s = tflc_ops_check_arity(node, 1, 1, 1)) != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if ((s = tflc_ops_output_like_input(node)) != TFLC_OK) return s;
    if (in->dtype == TFLC_RESOURCE || in->dtype == TFLC_VARIANT)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "EnsureShape of a %s tensor", tflc_dtype_name(in->dtype));
    const tflc_attr *a = tflc_nodedef_attr(&nd, "shape");
    if (!a) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "the NodeDef lacks the required attr 'shape'");
    if (a->kind != TFLC_ATTR_SHAPE || !tflc_attr_shape(a, p->dims, TFLC_MAX_RANK, &p->rank, &p->unknown_rank))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "attr 'shape' is not a shape of rank <= %d",
                              TFLC_MAX_RANK);
    if (!compatible(p, in)) {
        char got[TFLC_OPS_SHAPE_BUF], want[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "Shape of tensor %s %s is not compatible with expected shape %s.", in->desc->name,
                              tflc_ops_shape_str(in->dims, in->rank, got, sizeof got),
                              partial_shape_str(p, want, sizeof want));
    }
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

static tflc_status ensure_shape_eval(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];
    if (in->dtype != TFLC_STRING) {
        if (out->bytes && out->data != in->data) memcpy(out->data, in->data, out->bytes);
        return TFLC_OK;
    }
    size_t n = tflc_tensor_count(in);
    tflc_string_writer w;
    tflc_status s = tflc_strings_begin(&w, node, 0, n);
    for (size_t i = 0; s == TFLC_OK && i < n; i++) {
        size_t len;
        const char *str = tflc_strings_get(in, i, &len);
        s = tflc_strings_append(&w, str, len);
    }
    return s == TFLC_OK ? tflc_strings_end(&w) : s;
}

const tflc_kernel tflc_flex_kernel_ensure_shape = {
    .name = "FlexEnsureShape",
    .params_size = sizeof(ensure_shape_params),
    .prepare = ensure_shape_prepare,
    .eval = ensure_shape_eval,
};
