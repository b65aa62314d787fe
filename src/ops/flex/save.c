/*
 * save.c -- FlexSave: TensorFlow's Save (tf.raw_ops.Save), tensors written to a V1
 * checkpoint file (format in checkpoint.h). filename [] string, tensor_names [N] string,
 * data: N tensors -> nothing.
 *
 * Attrs: T (the N dtypes).
 *
 * As TensorFlow (core/kernels/save_restore_tensor.cc, SaveTensors, with
 * TensorSliceWriter): every tensor is saved whole under its name, in name order, into
 * filename + ".tempstate<random>", renamed to filename once complete; the bytes are
 * TensorFlow's own. Errors, with TensorFlow's messages where it has one:
 *   "Input 0 (filename) must be a string scalar; got a tensor of N elements"
 *   "Expected totally N+2 inputs as input #1 (which is a string tensor of saved names)
 *    contains N names, but received M inputs"
 *   uint32 / uint64 data: "Tensor slice serialization not implemented for dtype 22";
 *   bfloat16 and others: "Saving data type bfloat16 not yet supported" (UNSUPPORTED)
 *   a name given twice: INVALID_ARGUMENT (TensorFlow writes a file it cannot read back)
 *   the file cannot be written: IO
 * Writing a file allocates (block buffers, the path), as in TensorFlow.
 */
#include <stdlib.h>
#include <string.h>

#include "core/strings.h"
#include "ops/flex/checkpoint.h"
#include "ops/flex/flex.h"
#include "ops/ops.h"

static tflc_status save_prepare(tflc_node *node) {
    tflc_nodedef nd;
    tflc_status s = tflc_flex_read_nodedef(node, "Save", &nd);
    if (s != TFLC_OK) return s;
    if ((s = tflc_ops_check_arity(node, 2, INT_MAX, 0)) != TFLC_OK) return s;
    for (int i = 2; i < node->n_inputs; i++)
        if (!node->inputs[i]) return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %d is missing", i);
    const tflc_tensor *filename = node->inputs[0], *names = node->inputs[1];
    if ((s = tflc_ops_expect_dtype(node, filename, "input", 0, TFLC_STRING)) != TFLC_OK) return s;
    if ((s = tflc_ops_expect_dtype(node, names, "input", 1, TFLC_STRING)) != TFLC_OK) return s;
    if (tflc_tensor_count(filename) != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "Input 0 (filename) must be a string scalar; got a tensor of %zu elements",
                              tflc_tensor_count(filename));
    size_t n = tflc_tensor_count(names);
    if (n != (size_t)(node->n_inputs - 2))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "Expected totally %zu inputs as input #1 (which is a string tensor of saved names) "
                              "contains %zu names, but received %d inputs",
                              n + 2, n, node->n_inputs);
    /* T lists the data dtypes; the inputs must have them. */
    const tflc_attr *t = tflc_nodedef_attr(&nd, "T");
    size_t n_types = 0;
    if (t && (t->kind != TFLC_ATTR_LIST || !tflc_attr_list_count(t, TFLC_ATTR_TYPE, &n_types) || n_types != n))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "attr 'T' does not list %zu types", n);
    size_t string_refs = 0;
    for (size_t i = 0; i < n; i++) {
        const tflc_tensor *d = node->inputs[2 + i];
        int tf_type = 0;
        tflc_dtype want;
        if (t && (!tflc_attr_list_type(t, i, &tf_type) || !tflc_tf_dtype_to_tflc(tf_type, &want) || want != d->dtype))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input %zu has dtype %s but attr T says %s", 2 + i,
                                  tflc_dtype_name(d->dtype), tflc_tf_dtype_name(tf_type));
        if (d->dtype == TFLC_UINT32 || d->dtype == TFLC_UINT64)
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                                  "Tensor slice serialization not implemented for dtype %d (input %zu)",
                                  tflc_tf_dtype_from_tflc(d->dtype), 2 + i);
        if (!tflc_ckpt_dtype_supported(d->dtype))
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "Saving data type %s not yet supported (input %zu)",
                                  tflc_dtype_name(d->dtype), 2 + i);
        if (d->dtype == TFLC_STRING) string_refs += tflc_tensor_count(d);
    }
    /* Scratch: the entries, then the string references of string inputs. */
    node->scratch_bytes = n * sizeof(tflc_ckpt_entry) + string_refs * sizeof(tflc_string_ref);
    return TFLC_OK;
}

static tflc_status save_eval(tflc_node *node) {
    const tflc_tensor *names = node->inputs[1];
    int n = node->n_inputs - 2;
    tflc_ckpt_entry *entries = node->scratch;
    tflc_string_ref *refs = (tflc_string_ref *)(entries + n);
    for (int i = 0; i < n; i++) {
        const tflc_tensor *d = node->inputs[2 + i];
        tflc_ckpt_entry *e = &entries[i];
        e->name = tflc_strings_get(names, (size_t)i, &e->name_len);
        e->dtype = d->dtype;
        e->rank = d->rank;
        e->dims = d->dims;
        e->data = d->data;
        if (d->dtype == TFLC_STRING) {
            size_t count = tflc_tensor_count(d);
            for (size_t k = 0; k < count; k++) refs[k].data = tflc_strings_get(d, k, &refs[k].size);
            e->data = refs;
            refs += count;
        }
    }
    size_t len;
    const char *filename = tflc_strings_get(node->inputs[0], 0, &len);
    if (memchr(filename, '\0', len))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT, "filename contains a NUL byte");
    char *path = malloc(len + 1);
    if (!path) return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    memcpy(path, filename, len);
    path[len] = '\0';
    char err[TFLC_ERRMSG_SIZE];
    tflc_status s = tflc_ckpt_save(path, entries, n, err, sizeof err);
    free(path);
    return s == TFLC_OK ? s : tflc_node_fail(node, s, "%s", err);
}

const tflc_kernel tflc_flex_kernel_save = {
    .name = "FlexSave",
    .prepare = save_prepare,
    .eval = save_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};
