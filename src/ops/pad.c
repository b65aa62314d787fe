/*
 * pad.c -- PAD, PADV2 (constant padding) and MIRROR_PAD (REFLECT or SYMMETRIC). paddings is
 * a constant [rank, 2] int32/int64 tensor of (before, after) pairs.
 *
 *   PAD         [2,3] paddings {{1,0},{0,2}}      -> [3,5]  (zeros; quantized: the output
 *                                                           zero point)
 *   PADV2       same, with a scalar constant_values input (read at eval)
 *   MIRROR_PAD  [3] {{2,2}} REFLECT   1 2 3 -> 3 2 1 2 3 2 1
 *                        SYMMETRIC  1 2 3 -> 2 1 1 2 3 3 2
 */
#include "ops/conv_common.h"
#include "ops/shape_common.h"

typedef struct pad_params {
    tflc_sh_view interior;              /* where the input lands in the output */
    int32_t before[TFLC_MAX_RANK];
    int mode;                           /* MIRROR_PAD: 0 REFLECT, 1 SYMMETRIC */
    size_t elem;
} pad_params;

/* Reads paddings and sets the output shape; `mirror_limit` is 0 for constant padding, else
 * the amount each pad must stay under past the dim (1 for REFLECT, 0 for SYMMETRIC). */
static tflc_status pad_shape(tflc_node *node, pad_params *p, int mirror_limit) {
    const tflc_tensor *in = node->inputs[0], *pads = node->inputs[1];
    int64_t v[2 * TFLC_MAX_RANK];
    size_t n = 0;
    tflc_status s = tflc_sh_const_ints(node, pads, "paddings (input 1)", v, 2 * TFLC_MAX_RANK, &n);
    if (s != TFLC_OK) return s;
    if ((int)n != 2 * in->rank || pads->rank != 2)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "paddings must have shape [%d,2]", in->rank);
    int32_t dims[TFLC_MAX_RANK];
    for (int d = 0; d < in->rank; d++) {
        int64_t b = v[2 * d], a = v[2 * d + 1], limit = (int64_t)in->dims[d] - mirror_limit;
        if (b < 0 || a < 0 || (int64_t)in->dims[d] + a + b > INT32_MAX ||
            (mirror_limit >= 0 && (a | b) != 0 && (b > limit || a > limit)))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "paddings {%lld,%lld} are invalid for dim %d of size %d", (long long)b,
                                  (long long)a, d, (int)in->dims[d]);
        p->before[d] = (int32_t)b;
        dims[d] = (int32_t)(in->dims[d] + a + b);
    }
    p->elem = tflc_dtype_size(in->dtype);
    s = tflc_node_set_output_shape(node, 0, dims, in->rank);
    if (s != TFLC_OK) return s;
    /* interior view: input dims, dense input, output strides offset by `before` */
    tflc_sh_view *iv = &p->interior;
    int64_t out_strides[TFLC_MAX_RANK];
    tflc_sh_strides(dims, in->rank, out_strides);
    iv->rank = in->rank;
    iv->in_base = iv->out_base = 0;
    for (int d = 0; d < in->rank; d++) {
        iv->dims[d] = in->dims[d];
        iv->out_strides[d] = out_strides[d];
        iv->out_base += p->before[d] * out_strides[d];
    }
    tflc_sh_strides(iv->dims, iv->rank, iv->in_strides);
    return TFLC_OK;
}

static tflc_status pad_prepare_common(tflc_node *node, int max_inputs) {
    tflc_status s = tflc_ops_check_arity(node, max_inputs, max_inputs, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s == TFLC_OK && max_inputs == 3) {
        const tflc_tensor *c = node->inputs[2];
        s = tflc_ops_expect_dtype(node, c, "input", 2, node->inputs[0]->dtype);
        if (s == TFLC_OK && tflc_tensor_count(c) != 1)
            s = tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "constant_values must hold one element");
    }
    return s != TFLC_OK ? s : pad_shape(node, node->params, -1);
}

static tflc_status pad_prepare(tflc_node *node) { return pad_prepare_common(node, 2); }
static tflc_status padv2_prepare(tflc_node *node) { return pad_prepare_common(node, 3); }

/* The pad element: PADV2's constant, else 0 (the zero point for quantized tensors). */
static void pad_value(const tflc_node *node, unsigned char *value, size_t elem) {
    memset(value, 0, elem);
    if (node->n_inputs == 3) {
        memcpy(value, node->inputs[2]->data, elem);
        return;
    }
    int32_t lo, hi;
    const tflc_tensor *out = node->outputs[0];
    const tflc_quantization *q = tflc_ops_quant(out);
    if (q && tflc_ops_int_range(out->dtype, &lo, &hi))
        tflc_sh_qstore(out->dtype, value, 0, (int32_t)tflc_ops_zero_point(q, 0));
}

/* count elements of `elem` bytes, each the pad value. Zero bytes (float 0, zero point 0)
 * and 1-byte elements are one memset; wider values are stored as their integer type. */
static void pad_fill(unsigned char *dst, size_t count, const unsigned char *value, size_t elem,
                     bool bytewise) {
    if (count == 0) return;
    if (bytewise) {
        memset(dst, value[0], count * elem);
        return;
    }
    if (elem == 2 || elem == 4 || elem == 8) {
        uint64_t v = 0;
        memcpy(&v, value, elem);
        if (elem == 2) for (size_t i = 0; i < count; i++) memcpy(dst + 2 * i, &v, 2);
        else if (elem == 4) for (size_t i = 0; i < count; i++) memcpy(dst + 4 * i, &v, 4);
        else for (size_t i = 0; i < count; i++) memcpy(dst + 8 * i, &v, 8);
        return;
    }
    for (size_t i = 0; i < count; i++) memcpy(dst + i * elem, value, elem);
}

/* One eval's constant padding, shared by the levels of pad_block. */
typedef struct pad_job {
    const pad_params *p;
    const int32_t *out_dims;
    int last;                       /* the innermost padded dim: below it rows are whole */
    const unsigned char *value;
    bool bytewise;
} pad_job;

/* The output block of dim d at dst (out_strides[d] * out_dims[d] elements) from the input
 * block at src: `before` slabs of pad value, the input's slabs, `after` slabs of pad value.
 * At dim `last` an input slab is one contiguous run (the dims below are not padded). */
static void pad_block(const pad_job *j, int d, const unsigned char *src, unsigned char *dst) {
    const pad_params *p = j->p;
    const size_t elem = p->elem, n_in = (size_t)p->interior.dims[d];
    const size_t os = (size_t)p->interior.out_strides[d], is = (size_t)p->interior.in_strides[d];
    const size_t before = (size_t)p->before[d], after = (size_t)j->out_dims[d] - before - n_in;
    pad_fill(dst, before * os, j->value, elem, j->bytewise);
    dst += before * os * elem;
    if (d == j->last) {
        if (n_in != 0 && is != 0) memcpy(dst, src, n_in * is * elem);
    } else {
        for (size_t i = 0; i < n_in; i++) pad_block(j, d + 1, src + i * is * elem, dst + i * os * elem);
    }
    pad_fill(dst + n_in * os * elem, after * os, j->value, elem, j->bytewise);
}

/* Pad value first, then whole input rows: no per-element index arithmetic. E.g. a
 * [1,224,224,3] image padded {3,3} on H and W is, per output row, 9 pad bytes, one
 * 672-byte copy, 9 pad bytes. */
static tflc_status pad_eval(tflc_node *node) {
    const pad_params *p = node->params;
    tflc_tensor *out = node->outputs[0];
    unsigned char value[16];
    pad_value(node, value, p->elem);
    if (tflc_tensor_count(out) == 0) return TFLC_OK;
    pad_job j = {p, out->dims, -1, value, true};
    for (size_t i = 1; i < p->elem; i++) j.bytewise &= value[i] == value[0];
    for (int d = 0; d < out->rank; d++)
        if (out->dims[d] != p->interior.dims[d]) j.last = d;
    if (j.last < 0) {   /* nothing padded (rank 0 included): the input as it is */
        memcpy(out->data, node->inputs[0]->data, tflc_tensor_count(out) * p->elem);
        return TFLC_OK;
    }
    pad_block(&j, 0, node->inputs[0]->data, out->data);
    return TFLC_OK;
}

/* For the PAD -> convolution fusion (conv_common.h): a prepared PAD or PADV2 whose pad value
 * is known now (PADV2's constant is a model constant) gives its `before` amounts (one per
 * dim of its input) and the pad value's bytes. */
bool tflc_pad_constant_plan(const tflc_node *node, int32_t *before, unsigned char *value) {
    if (node->kernel != &tflc_kernel_pad && node->kernel != &tflc_kernel_padv2) return false;
    if (node->n_inputs == 3 && !tflc_tensor_is_constant(node->inputs[2])) return false;
    const pad_params *p = node->params;
    if (p->elem == 0 || p->elem > 16) return false;
    pad_value(node, value, p->elem);
    memcpy(before, p->before, sizeof(int32_t) * (size_t)node->inputs[0]->rank);
    return true;
}

/* --------------------------------------------------------- MIRROR_PAD -- */

static tflc_status mirror_pad_prepare(tflc_node *node) {
    pad_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = tflc_sh_check_movable(node);
    if (s != TFLC_OK) return s;
    const uint8_t *o = tflc_ops_options(node, BO_MirrorPad);
    p->mode = o ? fb_i8(o, SH_MIRROR_PAD_MODE, 0) : 0;
    if (p->mode != 0 && p->mode != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown mirror pad mode %d", p->mode);
    return pad_shape(node, p, p->mode == 0 ? 1 : 0);
}

/* Input coordinate of output coordinate o along a dim of size n. */
static int32_t mirror_index(int32_t o, int32_t before, int32_t n, int mode) {
    int32_t i = o - before;
    if (i < 0) return mode == 0 ? -i : -i - 1;
    if (i >= n) return mode == 0 ? 2 * n - 2 - i : 2 * n - 1 - i;
    return i;
}

static tflc_status mirror_pad_eval(tflc_node *node) {
    const pad_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];
    size_t n = tflc_tensor_count(out);
    int rank = out->rank;
    int32_t idx[TFLC_MAX_RANK] = {0};
    const int64_t *in_strides = p->interior.in_strides;
    for (size_t k = 0; k < n; k++) {
        int64_t off = 0;
        for (int d = 0; d < rank; d++)
            off += mirror_index(idx[d], p->before[d], in->dims[d], p->mode) * in_strides[d];
        memcpy((char *)out->data + k * p->elem, (const char *)in->data + off * (int64_t)p->elem, p->elem);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < out->dims[d]) break;
            idx[d] = 0;
        }
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_pad = {.name = "PAD", .params_size = sizeof(pad_params),
                                     .prepare = pad_prepare, .eval = pad_eval};
const tflc_kernel tflc_kernel_padv2 = {.name = "PADV2", .params_size = sizeof(pad_params),
                                       .prepare = padv2_prepare, .eval = pad_eval};
const tflc_kernel tflc_kernel_mirror_pad = {.name = "MIRROR_PAD", .params_size = sizeof(pad_params),
                                            .prepare = mirror_pad_prepare, .eval = mirror_pad_eval};
