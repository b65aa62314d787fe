/*
 * model.c -- loading: map or borrow the bytes, verify the whole flatbuffer, then decode it
 * once into the immutable descriptions of internal.h. After tflc_verify_model accepts the
 * buffer, everything here reads it with the trusted accessors of flatbuf.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/model.h"
#include "core/weight_cache.h"
#include "format/flatbuf.h"
#include "format/schema.h"
#include "format/verify.h"

#define DEFAULT_SIGNATURE_KEY "serving_default"

void tflc_model_options_init(tflc_model_options *options) {
    if (!options) return;
    memset(options, 0, sizeof *options);
    options->max_tensor_bytes = TFLC_DEFAULT_MAX_TENSOR_BYTES;
}

/* ------------------------------------------------------------ allocation -- */

/* Every decoded array is a zeroed block recorded on the model, freed together. */
static void *model_alloc(tflc_model *m, size_t count, size_t size) {
    if (count == 0) count = 1;
    if (m->n_blocks == m->cap_blocks) {
        int cap = m->cap_blocks ? m->cap_blocks * 2 : 16;
        void **grown = realloc(m->blocks, (size_t)cap * sizeof *grown);
        if (!grown) return NULL;
        m->blocks = grown;
        m->cap_blocks = cap;
    }
    void *p = calloc(count, size);
    if (p) m->blocks[m->n_blocks++] = p;
    return p;
}

static char *model_strdup(tflc_model *m, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = model_alloc(m, n, 1);
    if (p) memcpy(p, s, n);
    return p;
}

void tflc_model_free(tflc_model *model) {
    if (!model) return;
    for (int i = 0; i < model->n_blocks; i++) free(model->blocks[i]);
    free(model->blocks);
    if (model->mapping) munmap(model->mapping, model->mapping_size);
    free(model->owned_copy);
    tflc_weight_cache_free(model->weight_cache);
    free(model);
}

/* ---------------------------------------------------------------- decode -- */

/* The bytes of buffer `index`: inline data, or (models over 2 GB) offset/size from the start
 * of the file. Both were bounds-checked by the verifier. */
static const uint8_t *buffer_bytes(const tflc_model *m, uint32_t index, size_t *size) {
    uint32_t n;
    const uint8_t *buffers = fb_vector(fb_root(m->buf), MODEL_BUFFERS, &n);
    *size = 0;
    if (index >= n) return NULL;
    const uint8_t *b = fb_vec_table(buffers, index);
    uint32_t len;
    const uint8_t *data = fb_vector(b, BUFFER_DATA, &len);
    if (data && len) { *size = len; return data; }
    uint64_t offset = fb_u64(b, BUFFER_OFFSET, 0), bytes = fb_u64(b, BUFFER_SIZE, 0);
    if (offset > 1 && bytes) { *size = (size_t)bytes; return m->buf + offset; }
    return NULL;
}

/* Constant data must be aligned for its element type; the converter aligns buffers to 16,
 * but a hand-made file may not, so misaligned data gets one aligned copy. */
static tflc_status place_constant(tflc_model *m, tflc_tensor_desc *t, const uint8_t *data,
                                  size_t size) {
    size_t align = tflc_dtype_size(t->dtype);
    if (align > 8) align = 8;
    if (align > 1 && ((uintptr_t)data % align) != 0) {
        void *copy = model_alloc(m, size, 1);
        if (!copy) return TFLC_ERROR_OUT_OF_MEMORY;
        memcpy(copy, data, size);
        data = copy;
    }
    t->data = data;
    t->data_size = size;
    return TFLC_OK;
}

static tflc_status decode_quantization(tflc_model *m, tflc_tensor_desc *t, const uint8_t *q) {
    uint32_t n_scale, n_zp;
    const uint8_t *scale = fb_vector(q, QUANT_SCALE, &n_scale);
    const uint8_t *zp = fb_vector(q, QUANT_ZERO_POINT, &n_zp);
    if (!scale || n_scale == 0) return TFLC_OK;
    t->quant.count = (int)n_scale;
    t->quant.scales = (const float *)(const void *)scale;
    t->quant.quantized_dimension = fb_i32(q, QUANT_QUANTIZED_DIMENSION, 0);
    if (zp && n_zp == n_scale) {
        t->quant.zero_points = (const int64_t *)(const void *)zp;
    } else {
        /* scales without zero points: zero points are 0 */
        int64_t *zeros = model_alloc(m, n_scale, sizeof *zeros);
        if (!zeros) return TFLC_ERROR_OUT_OF_MEMORY;
        t->quant.zero_points = zeros;
    }
    return TFLC_OK;
}

static void copy_dims(const uint8_t *vec, uint32_t n, int32_t *dims, int *rank) {
    *rank = (int)n;
    for (uint32_t i = 0; i < n; i++) dims[i] = fb_vec_i32(vec, i);
}

static tflc_status decode_tensor(tflc_model *m, tflc_tensor_desc *t, const uint8_t *fb) {
    uint32_t n;
    const char *name = fb_string(fb, TENSOR_NAME, NULL);
    t->name = name ? name : "";
    t->dtype = (tflc_dtype)fb_i8(fb, TENSOR_TYPE, 0);
    const uint8_t *shape = fb_vector(fb, TENSOR_SHAPE, &n);
    copy_dims(shape, n, t->shape, &t->rank);
    const uint8_t *sig = fb_vector(fb, TENSOR_SHAPE_SIGNATURE, &n);
    if (sig && n == (uint32_t)t->rank) {
        copy_dims(sig, n, t->shape_signature, &t->signature_rank);
    } else {
        memcpy(t->shape_signature, t->shape, sizeof t->shape);
        t->signature_rank = t->rank;
    }
    t->is_variable = fb_u8(fb, TENSOR_IS_VARIABLE, 0) != 0;
    const uint8_t *q = fb_table(fb, TENSOR_QUANTIZATION);
    if (q) {
        tflc_status s = decode_quantization(m, t, q);
        if (s != TFLC_OK) return s;
    }
    size_t size;
    const uint8_t *data = buffer_bytes(m, fb_u32(fb, TENSOR_BUFFER, 0), &size);
    /* A buffer shared with a larger tensor (the verifier allowed it): this one reads only
     * the bytes its shape needs. */
    size_t elem = tflc_dtype_size(t->dtype), need = elem * tflc_shape_count(t->shape, t->rank);
    if (data && elem && t->dtype != TFLC_INT4 && size > need) size = need;
    return data ? place_constant(m, t, data, size) : TFLC_OK;
}

static void decode_op_code(const uint8_t *code, tflc_op_desc *op) {
    /* TFLite keeps the larger of the two fields: old files set only the deprecated byte,
     * new files set builtin_code and clamp the byte to 127. */
    int32_t deprecated = fb_i8(code, OPCODE_DEPRECATED_BUILTIN_CODE, 0);
    int32_t extended = fb_i32(code, OPCODE_BUILTIN_CODE, 0);
    op->builtin_code = deprecated > extended ? deprecated : extended;
    op->version = fb_i32(code, OPCODE_VERSION, 1);
    op->custom_name = op->builtin_code == OPC_CUSTOM ? fb_string(code, OPCODE_CUSTOM_CODE, NULL) : NULL;
    if (op->builtin_code == OPC_CUSTOM && !op->custom_name) op->custom_name = "";
}

static void decode_op(const tflc_model *m, const uint8_t *codes, const uint8_t *fb, tflc_op_desc *op) {
    uint32_t n;
    decode_op_code(fb_vec_table(codes, fb_u32(fb, OP_OPCODE_INDEX, 0)), op);
    op->inputs = (const int32_t *)(const void *)fb_vector(fb, OP_INPUTS, &n);
    op->n_inputs = (int)n;
    op->outputs = (const int32_t *)(const void *)fb_vector(fb, OP_OUTPUTS, &n);
    op->n_outputs = (int)n;
    op->intermediates = (const int32_t *)(const void *)fb_vector(fb, OP_INTERMEDIATES, &n);
    op->n_intermediates = (int)n;
    op->options_type = fb_u8(fb, OP_BUILTIN_OPTIONS_TYPE, 0);
    op->options = fb_table(fb, OP_BUILTIN_OPTIONS);
    op->custom_options = fb_vector(fb, OP_CUSTOM_OPTIONS, &n);
    op->custom_options_size = n;
    uint64_t large_offset = fb_u64(fb, OP_LARGE_CUSTOM_OPTIONS_OFFSET, 0);
    if (large_offset > 1) {
        op->custom_options = m->buf + large_offset;
        op->custom_options_size = (size_t)fb_u64(fb, OP_LARGE_CUSTOM_OPTIONS_SIZE, 0);
    }
}

static tflc_status decode_subgraph(tflc_model *m, const uint8_t *codes, const uint8_t *fb,
                                   tflc_subgraph_desc *sg) {
    uint32_t n;
    const char *name = fb_string(fb, SUBGRAPH_NAME, NULL);
    sg->name = name ? name : "";
    const uint8_t *tensors = fb_vector(fb, SUBGRAPH_TENSORS, &n);
    sg->n_tensors = (int)n;
    sg->tensors = model_alloc(m, n, sizeof *sg->tensors);
    if (!sg->tensors) return TFLC_ERROR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++) {
        tflc_status s = decode_tensor(m, &sg->tensors[i], fb_vec_table(tensors, i));
        if (s != TFLC_OK) return s;
    }
    const uint8_t *ops = fb_vector(fb, SUBGRAPH_OPERATORS, &n);
    sg->n_ops = (int)n;
    sg->ops = model_alloc(m, n, sizeof *sg->ops);
    if (!sg->ops) return TFLC_ERROR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++) decode_op(m, codes, fb_vec_table(ops, i), &sg->ops[i]);
    sg->inputs = (const int32_t *)(const void *)fb_vector(fb, SUBGRAPH_INPUTS, &n);
    sg->n_inputs = (int)n;
    sg->outputs = (const int32_t *)(const void *)fb_vector(fb, SUBGRAPH_OUTPUTS, &n);
    sg->n_outputs = (int)n;
    return TFLC_OK;
}

static tflc_status decode_tensor_maps(tflc_model *m, const uint8_t *vec, uint32_t n,
                                      tflc_io_desc **out, int *count) {
    *count = (int)n;
    *out = model_alloc(m, n, sizeof **out);
    if (!*out) return TFLC_ERROR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *map = fb_vec_table(vec, i);
        (*out)[i].name = fb_string(map, TENSORMAP_NAME, NULL);
        (*out)[i].tensor = (int)fb_u32(map, TENSORMAP_TENSOR_INDEX, 0);
    }
    return TFLC_OK;
}

static tflc_status decode_signatures(tflc_model *m, const uint8_t *defs, uint32_t n) {
    m->n_signatures = (int)n;
    m->signatures = model_alloc(m, n, sizeof *m->signatures);
    if (!m->signatures) return TFLC_ERROR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *def = fb_vec_table(defs, i);
        tflc_signature_desc *sig = &m->signatures[i];
        uint32_t k;
        sig->key = fb_string(def, SIGDEF_SIGNATURE_KEY, NULL);
        sig->subgraph = (int)fb_u32(def, SIGDEF_SUBGRAPH_INDEX, 0);
        const uint8_t *in = fb_vector(def, SIGDEF_INPUTS, &k);
        tflc_status s = decode_tensor_maps(m, in, k, &sig->inputs, &sig->n_inputs);
        if (s != TFLC_OK) return s;
        const uint8_t *out = fb_vector(def, SIGDEF_OUTPUTS, &k);
        s = decode_tensor_maps(m, out, k, &sig->outputs, &sig->n_outputs);
        if (s != TFLC_OK) return s;
    }
    return TFLC_OK;
}

/* Old converters wrote no SignatureDefs: expose subgraph 0 as "serving_default" with its
 * inputs and outputs named after their tensors. */
static tflc_status default_io(tflc_model *m, const tflc_subgraph_desc *sg, const int32_t *idx,
                              int n, const char *prefix, tflc_io_desc **out) {
    *out = model_alloc(m, (size_t)n, sizeof **out);
    if (!*out) return TFLC_ERROR_OUT_OF_MEMORY;
    for (int i = 0; i < n; i++) {
        const char *name = sg->tensors[idx[i]].name;
        char generated[32];
        if (!name[0]) {
            snprintf(generated, sizeof generated, "%s%d", prefix, i);
            name = model_strdup(m, generated);
            if (!name) return TFLC_ERROR_OUT_OF_MEMORY;
        }
        (*out)[i].name = name;
        (*out)[i].tensor = idx[i];
    }
    return TFLC_OK;
}

static tflc_status default_signature(tflc_model *m) {
    const tflc_subgraph_desc *sg = &m->subgraphs[0];
    m->default_signature = true;
    m->n_signatures = 1;
    m->signatures = model_alloc(m, 1, sizeof *m->signatures);
    if (!m->signatures) return TFLC_ERROR_OUT_OF_MEMORY;
    tflc_signature_desc *sig = &m->signatures[0];
    sig->key = DEFAULT_SIGNATURE_KEY;
    sig->subgraph = 0;
    sig->n_inputs = sg->n_inputs;
    sig->n_outputs = sg->n_outputs;
    tflc_status s = default_io(m, sg, sg->inputs, sg->n_inputs, "input", &sig->inputs);
    if (s != TFLC_OK) return s;
    return default_io(m, sg, sg->outputs, sg->n_outputs, "output", &sig->outputs);
}

static tflc_status decode_model(tflc_model *m) {
    const uint8_t *root = fb_root(m->buf);
    uint32_t n;
    const uint8_t *codes = fb_vector(root, MODEL_OPERATOR_CODES, &n);
    const uint8_t *subgraphs = fb_vector(root, MODEL_SUBGRAPHS, &n);
    m->n_subgraphs = (int)n;
    m->subgraphs = model_alloc(m, n, sizeof *m->subgraphs);
    if (!m->subgraphs) return TFLC_ERROR_OUT_OF_MEMORY;
    for (uint32_t i = 0; i < n; i++) {
        tflc_status s = decode_subgraph(m, codes, fb_vec_table(subgraphs, i), &m->subgraphs[i]);
        if (s != TFLC_OK) return s;
    }
    const uint8_t *defs = fb_vector(root, MODEL_SIGNATURE_DEFS, &n);
    return n ? decode_signatures(m, defs, n) : default_signature(m);
}

/* ------------------------------------------------------------------ load -- */

static tflc_status finish_load(tflc_model *m, const tflc_model_options *options,
                               tflc_model **model_out) {
    tflc_model_options defaults;
    if (!options) {
        tflc_model_options_init(&defaults);
        options = &defaults;
    }
    m->max_tensor_bytes = options->max_tensor_bytes ? options->max_tensor_bytes
                                                    : TFLC_DEFAULT_MAX_TENSOR_BYTES;
    tflc_verify_limits limits = {.max_tensor_bytes = m->max_tensor_bytes, .max_depth = 64};
    char err[TFLC_ERRMSG_SIZE];
    tflc_status s = tflc_verify_model(m->buf, m->size, &limits, err, sizeof err);
    if (s != TFLC_OK) {
        tflc_model_free(m);
        return tflc_fail(NULL, s, "%s", err);
    }
    s = decode_model(m);
    if (s != TFLC_OK) {
        tflc_model_free(m);
        return tflc_fail(NULL, s, "decoding the model: %s", tflc_status_string(s));
    }
    *model_out = m;
    return TFLC_OK;
}

tflc_status tflc_model_load_file(const char *path, const tflc_model_options *options,
                                 tflc_model **model_out) {
    if (!model_out) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "model_out is NULL");
    *model_out = NULL;
    if (!path) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "path is NULL");
    int fd = open(path, O_RDONLY);
    if (fd < 0) return tflc_fail(NULL, TFLC_ERROR_IO, "cannot open '%s'", path);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tflc_fail(NULL, TFLC_ERROR_IO, "'%s' is not a regular file", path);
    }
    if (st.st_size < 8) {
        close(fd);
        return tflc_fail(NULL, TFLC_ERROR_INVALID_MODEL,
                         "'%s' has %lld bytes, too small for a TFLite model", path,
                         (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return tflc_fail(NULL, TFLC_ERROR_IO, "cannot map '%s'", path);
    tflc_model *m = calloc(1, sizeof *m);
    if (!m) {
        munmap(map, size);
        return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory loading '%s'", path);
    }
    m->mapping = map;
    m->mapping_size = size;
    m->buf = map;
    m->size = size;
    return finish_load(m, options, model_out);
}

tflc_status tflc_model_load_buffer(const void *data, size_t size, const tflc_model_options *options,
                                   tflc_model **model_out) {
    if (!model_out) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "model_out is NULL");
    *model_out = NULL;
    if (!data) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "data is NULL");
    tflc_model *m = calloc(1, sizeof *m);
    if (!m) return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory loading a model");
    m->buf = data;
    m->size = size;
    if ((uintptr_t)data % 16 != 0 && size > 0) {
        m->owned_copy = aligned_alloc(16, (size + 15) & ~(size_t)15);
        if (!m->owned_copy) {
            free(m);
            return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory copying a model");
        }
        memcpy(m->owned_copy, data, size);
        m->buf = m->owned_copy;
    }
    return finish_load(m, options, model_out);
}

/* -------------------------------------------------------------- queries -- */

static const tflc_signature_desc *signature_at(const tflc_model *m, int i) {
    return (m && i >= 0 && i < m->n_signatures) ? &m->signatures[i] : NULL;
}

int tflc_model_signature_count(const tflc_model *model) { return model ? model->n_signatures : 0; }

const char *tflc_model_signature_key(const tflc_model *model, int signature) {
    const tflc_signature_desc *s = signature_at(model, signature);
    return s ? s->key : NULL;
}

int tflc_model_signature_subgraph(const tflc_model *model, int signature) {
    const tflc_signature_desc *s = signature_at(model, signature);
    return s ? s->subgraph : 0;
}

int tflc_model_signature_input_count(const tflc_model *model, int signature) {
    const tflc_signature_desc *s = signature_at(model, signature);
    return s ? s->n_inputs : 0;
}

const char *tflc_model_signature_input_name(const tflc_model *model, int signature, int input) {
    const tflc_signature_desc *s = signature_at(model, signature);
    return (s && input >= 0 && input < s->n_inputs) ? s->inputs[input].name : NULL;
}

int tflc_model_signature_output_count(const tflc_model *model, int signature) {
    const tflc_signature_desc *s = signature_at(model, signature);
    return s ? s->n_outputs : 0;
}

const char *tflc_model_signature_output_name(const tflc_model *model, int signature, int output) {
    const tflc_signature_desc *s = signature_at(model, signature);
    return (s && output >= 0 && output < s->n_outputs) ? s->outputs[output].name : NULL;
}

int tflc_model_signature_is_default(const tflc_model *model) {
    return model && model->default_signature ? 1 : 0;
}

int tflc_model_subgraph_count(const tflc_model *model) { return model ? model->n_subgraphs : 0; }

int tflc_model_operator_count(const tflc_model *model, int subgraph) {
    if (!model || subgraph < 0 || subgraph >= model->n_subgraphs) return 0;
    return model->subgraphs[subgraph].n_ops;
}

const char *tflc_model_operator_name(const tflc_model *model, int subgraph, int op) {
    if (!model || subgraph < 0 || subgraph >= model->n_subgraphs) return NULL;
    const tflc_subgraph_desc *sg = &model->subgraphs[subgraph];
    if (op < 0 || op >= sg->n_ops) return NULL;
    return tflc_op_desc_name(&sg->ops[op]);
}

const char *tflc_op_desc_name(const tflc_op_desc *op) {
    if (op->custom_name) return op->custom_name;
    const char *name = tflc_builtin_op_name(op->builtin_code);
    return name ? name : "UNKNOWN_BUILTIN";
}
