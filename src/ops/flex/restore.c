/*
 * restore.c -- FlexRestore: TensorFlow's Restore (tf.raw_ops.Restore), one tensor read
 * from a V1 checkpoint (the file the Save op writes; format in checkpoint.h).
 * file_pattern [] string, tensor_name [] string -> tensor (shape from the file).
 *
 * Attrs: dt (the dtype to restore, required), preferred_shard = -1 (a hint for sharded
 * checkpoints; every matching file is read here, so it changes nothing).
 *
 * As TensorFlow (core/kernels/save_restore_tensor.cc, RestoreTensor): file_pattern is a
 * glob; every matching file is opened and its metadata checked; the tensor may be stored
 * in slices, in any of the files. Errors, with TensorFlow's messages:
 *   no matching file  NOT_FOUND  "Unsuccessful TensorSliceReader constructor: Failed to
 *                                 find any matching files for <pattern>"
 *   no such tensor    NOT_FOUND  "Tensor name "<name>" not found in checkpoint files <pattern>"
 *   another dtype     INVALID_ARGUMENT  "Expected to restore a tensor of type <dt>, got a
 *                                 tensor of type <type> instead: tensor_name = <name>"
 *   a corrupt file    RUNTIME (checksum, structure, counts; never a crash)
 * The output's shape is known only once the file is read, so it is dynamic: operators that
 * read it are prepared at invoke. Reading a file allocates (block buffers), as in TensorFlow.
 */
#include <stdlib.h>
#include <string.h>

#include "core/strings.h"
#include "ops/flex/checkpoint.h"
#include "ops/flex/flex.h"
#include "ops/ops.h"

typedef struct restore_params {
    tflc_dtype dtype;
    int tf_dtype;
} restore_params;

/* A string scalar input: the element count must be 1 (TensorFlow's message). */
static tflc_status string_scalar(tflc_node *node, int index, const char *what) {
    const tflc_tensor *t = node->inputs[index];
    tflc_status s = tflc_ops_expect_dtype(node, t, "input", index, TFLC_STRING);
    if (s != TFLC_OK) return s;
    size_t n = tflc_tensor_count(t);
    if (n != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "Input %d (%s) must be a string scalar; got a tensor of %zu elements", index, what, n);
    return TFLC_OK;
}

static tflc_status restore_prepare(tflc_node *node) {
    restore_params *p = node->params;
    tflc_nodedef nd;
    tflc_status s = tflc_flex_read_nodedef(node, "Restore", &nd);
    if (s != TFLC_OK) return s;
    if ((s = tflc_ops_check_arity(node, 2, 2, 1)) != TFLC_OK) return s;
    if ((s = string_scalar(node, 0, "file_pattern")) != TFLC_OK) return s;
    if ((s = string_scalar(node, 1, "tensor_name")) != TFLC_OK) return s;
    if ((s = tflc_flex_attr_type(node, &nd, "dt", 0, &p->tf_dtype)) != TFLC_OK) return s;
    int64_t preferred_shard;
    if ((s = tflc_flex_attr_int(node, &nd, "preferred_shard", -1, &preferred_shard)) != TFLC_OK) return s;
    if (!tflc_tf_dtype_to_tflc(p->tf_dtype, &p->dtype) || !tflc_ckpt_dtype_supported(p->dtype))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "Restoring data type %s not yet supported",
                              tflc_tf_dtype_name(p->tf_dtype));
    if ((s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, p->dtype)) != TFLC_OK) return s;
    return tflc_node_set_output_dynamic(node, 0);
}

static tflc_status append_string(void *ctx, const char *data, size_t len) {
    return tflc_strings_append(ctx, data, len);
}

/* Reads tensor `name` of the open checkpoint into output 0. */
static tflc_status restore_tensor(tflc_node *node, tflc_ckpt_reader *r, const char *name, size_t name_len,
                                  const char *pattern, char *err, size_t errlen) {
    const restore_params *p = node->params;
    tflc_ckpt_info info;
    tflc_status s = tflc_ckpt_find(r, name, name_len, &info, err, errlen);
    if (s != TFLC_OK) return tflc_node_fail(node, s, "%s", err);
    if (info.tf_dtype != p->tf_dtype)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT,
                              "Expected to restore a tensor of type %s, got a tensor of type %s instead: tensor_name "
                              "= %.*s (in %s)",
                              tflc_tf_dtype_name(p->tf_dtype), tflc_tf_dtype_name(info.tf_dtype),
                              (int)(name_len > 200 ? 200 : name_len), name, pattern);
    if ((s = tflc_node_set_output_shape(node, 0, info.dims, info.rank)) != TFLC_OK) return s;
    tflc_tensor *out = node->outputs[0];
    if (p->dtype == TFLC_STRING) {
        tflc_string_writer w;
        s = tflc_strings_begin(&w, node, 0, info.count);
        if (s != TFLC_OK) return s;
        err[0] = '\0';
        s = tflc_ckpt_read_strings(r, name, name_len, append_string, &w, err, errlen);
        if (s != TFLC_OK) return err[0] ? tflc_node_fail(node, s, "%s", err) : s; /* else the writer recorded it */
        return tflc_strings_end(&w);
    }
    s = tflc_ckpt_read(r, name, name_len, p->dtype, out->data, out->bytes, err, errlen);
    return s == TFLC_OK ? s : tflc_node_fail(node, s, "%s", err);
}

static tflc_status restore_eval(tflc_node *node) {
    size_t pattern_len, name_len;
    const char *pattern_data = tflc_strings_get(node->inputs[0], 0, &pattern_len);
    const char *name = tflc_strings_get(node->inputs[1], 0, &name_len);
    if (memchr(pattern_data, '\0', pattern_len))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_ARGUMENT, "file_pattern contains a NUL byte");
    char *pattern = malloc(pattern_len + 1);
    if (!pattern) return tflc_node_fail(node, TFLC_ERROR_OUT_OF_MEMORY, "out of memory");
    memcpy(pattern, pattern_data, pattern_len);
    pattern[pattern_len] = '\0';
    char err[TFLC_ERRMSG_SIZE];
    tflc_ckpt_reader *r = NULL;
    tflc_status s = tflc_ckpt_open(pattern, &r, err, sizeof err);
    if (s != TFLC_OK) s = tflc_node_fail(node, s, "%s", err);
    else s = restore_tensor(node, r, name, name_len, pattern, err, sizeof err);
    tflc_ckpt_close(r);
    free(pattern);
    return s;
}

const tflc_kernel tflc_flex_kernel_restore = {
    .name = "FlexRestore",
    .params_size = sizeof(restore_params),
    .prepare = restore_prepare,
    .eval = restore_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};
