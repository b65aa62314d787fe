/*
 * flex.h -- Select TensorFlow ops ("Flex<Op>" custom ops) run natively.
 *
 * The converter turns a TensorFlow op it has no builtin for into a custom op named "Flex"
 * plus the TensorFlow op name, whose custom options are a FlexBuffer vector
 *     [ op name (string), serialized tensorflow.NodeDef (string) ]
 * (TFLite's flex delegate reads them the same way). The NodeDef carries the op's attrs;
 * attrs it leaves out take the op's registered defaults.
 *
 * Adding an op is one file plus one line: write src/ops/flex/<op>.c defining
 * `const tflc_kernel tflc_flex_kernel_<op>`, whose prepare starts with
 *     tflc_nodedef nd;
 *     tflc_status s = tflc_flex_read_nodedef(node, "<TfOpName>", &nd);
 * and reads its attrs with the tflc_flex_attr_* helpers; then add
 *     X(<TfOpName>, <op>)
 * to TFLC_FLEX_OPS below.
 */
#ifndef TFLC_OPS_FLEX_H
#define TFLC_OPS_FLEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"
#include "ops/flex/nodedef.h"

/* Every supported TensorFlow op: X(TensorFlow op name, kernel suffix). Keep sorted. */
#define TFLC_FLEX_OPS(X)                \
    X(AsString, as_string)              \
    X(EnsureShape, ensure_shape)        \
    X(ReluGrad, relu_grad)              \
    X(Restore, restore)                 \
    X(Save, save)                       \
    X(StringToNumber, string_to_number)

#define TFLC_FLEX_DECLARE_KERNEL(tf_name, suffix) extern const tflc_kernel tflc_flex_kernel_##suffix;
TFLC_FLEX_OPS(TFLC_FLEX_DECLARE_KERNEL)
#undef TFLC_FLEX_DECLARE_KERNEL

/* The kernel for TensorFlow op `tf_op_name` ("AsString", without the "Flex" prefix), or NULL. */
const tflc_kernel *tflc_find_flex_kernel(const char *tf_op_name);

/* The supported TensorFlow op names, comma separated ("AsString, StringToNumber"). Static. */
const char *tflc_flex_supported_ops(void);

/* ------------------------------------------------------ kernel helpers -- */

/* Decodes the node's custom options as a Flex op: checks that the FlexBuffer is a vector
 * whose first element names `tf_op` and whose second is a NodeDef for `tf_op` (and, when the
 * node has a custom name, that it is "Flex" + tf_op), then parses the NodeDef into *nd, which
 * points into the model. Failures are recorded on the node (TFLC_ERROR_INVALID_MODEL). */
tflc_status tflc_flex_read_nodedef(tflc_node *node, const char *tf_op, tflc_nodedef *nd);

/* Attribute readers: *out receives the attr's value, or `def` when the NodeDef leaves the
 * attr out (TensorFlow fills in the op's default the same way). An attr holding another
 * kind of value is recorded on the node as INVALID_MODEL, naming the attr. */
tflc_status tflc_flex_attr_int(tflc_node *node, const tflc_nodedef *nd, const char *name, int64_t def,
                               int64_t *out);
tflc_status tflc_flex_attr_bool(tflc_node *node, const tflc_nodedef *nd, const char *name, bool def,
                                bool *out);
tflc_status tflc_flex_attr_float(tflc_node *node, const tflc_nodedef *nd, const char *name, float def,
                                 float *out);
/* A DataType attr; def is a DataType number (TFLC_TF_*), or 0 to make the attr required. */
tflc_status tflc_flex_attr_type(tflc_node *node, const tflc_nodedef *nd, const char *name, int def,
                                int *out);
/* A string attr; *data points into the model (or at def). */
tflc_status tflc_flex_attr_string(tflc_node *node, const tflc_nodedef *nd, const char *name,
                                  const char *def, const char **data, size_t *len);

#endif
