/*
 * fully_connected.c -- FULLY_CONNECTED, float32.
 *
 *   input   [..., K]   read as [N, K], N = elements / K
 *   weights [M, K]     row m holds the K weights of output unit m
 *   bias    [M]        optional (input index -1)
 *   output  [N, M], or with keep_num_dims the input's shape with its last dim set to M
 *
 *   out[n][m] = act(sum_k in[n][k] * w[m][k] + bias[m])
 *
 * Quantized (int8/uint8/int16) and hybrid (float input, int8 weights) variants come later;
 * prepare rejects them by name.
 */
#include "ops/ops.h"

typedef struct fc_params {
    int32_t batches;    /* N */
    int32_t depth;      /* K */
    int32_t units;      /* M */
    tflc_ops_act act;
} fc_params;

/* ------------------------------------------------------------- prepare -- */

static tflc_status fc_check_dtypes(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    if (in->dtype != TFLC_FLOAT32)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported yet",
                              tflc_dtype_name(in->dtype));
    if (w->dtype == TFLC_INT8 || w->dtype == TFLC_UINT8)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "hybrid float32 input with %s weights is not supported yet",
                              tflc_dtype_name(w->dtype));
    tflc_status s = tflc_ops_expect_dtype(node, w, "input", 1, TFLC_FLOAT32);
    if (s == TFLC_OK && bias) s = tflc_ops_expect_dtype(node, bias, "input", 2, TFLC_FLOAT32);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    return s;
}

static tflc_status fc_read_options(tflc_node *node, fc_params *p, bool *keep_num_dims) {
    const uint8_t *opts = tflc_ops_options(node, BO_FullyConnected);
    int8_t format = opts ? fb_i8(opts, FC_OPT_WEIGHTS_FORMAT, 0) : 0;
    if (format != 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "weights_format %d (shuffled) is not supported", format);
    *keep_num_dims = opts && fb_u8(opts, FC_OPT_KEEP_NUM_DIMS, 0) != 0;
    return tflc_ops_act_f32(node, opts ? fb_i8(opts, FC_OPT_ACTIVATION, 0) : ACT_NONE, &p->act);
}

/* N = input elements / K. K == 0 is legal only for an empty input: N is then the product of
 * the leading dims (the input is [..., 0]) and the output is bias alone. */
static tflc_status fc_batches(tflc_node *node, const tflc_tensor *in, int32_t depth,
                              int32_t *batches) {
    size_t count = tflc_tensor_count(in), n;
    char si[TFLC_OPS_SHAPE_BUF];
    if (depth == 0) {
        if (count != 0 || in->rank == 0 || in->dims[in->rank - 1] != 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "input shape %s does not match weights with 0 columns",
                                  tflc_ops_shape_str(in->dims, in->rank, si, sizeof si));
        n = tflc_shape_count(in->dims, in->rank - 1);
    } else {
        if (count % (size_t)depth != 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "input shape %s has %zu elements, not a multiple of the "
                                  "weights' %d columns",
                                  tflc_ops_shape_str(in->dims, in->rank, si, sizeof si), count,
                                  (int)depth);
        n = count / (size_t)depth;
    }
    if (n > INT32_MAX)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%zu input rows are too many", n);
    *batches = (int32_t)n;
    return TFLC_OK;
}

static tflc_status fc_output_shape(tflc_node *node, const fc_params *p, bool keep_num_dims) {
    const tflc_tensor *in = node->inputs[0];
    if (!keep_num_dims) {
        const int32_t dims[2] = {p->batches, p->units};
        return tflc_node_set_output_shape(node, 0, dims, 2);
    }
    if (in->rank == 0 || in->dims[in->rank - 1] != p->depth) {
        char si[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "keep_num_dims needs the input's last dimension to be %d, "
                              "the input shape is %s",
                              (int)p->depth, tflc_ops_shape_str(in->dims, in->rank, si, sizeof si));
    }
    int32_t dims[TFLC_MAX_RANK];
    for (int i = 0; i < in->rank; i++) dims[i] = in->dims[i];
    dims[in->rank - 1] = p->units;
    return tflc_node_set_output_shape(node, 0, dims, in->rank);
}

static tflc_status fc_prepare(tflc_node *node) {
    fc_params *p = node->params;
    bool keep_num_dims = false;
    tflc_status s = tflc_ops_check_arity(node, 2, 3, 1);
    if (s == TFLC_OK) s = fc_check_dtypes(node);
    if (s == TFLC_OK) s = fc_read_options(node, p, &keep_num_dims);
    if (s != TFLC_OK) return s;

    const tflc_tensor *w = node->inputs[1], *bias = tflc_ops_optional_input(node, 2);
    if (w->rank != 2) {
        char sw[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "weights (input 1) must have rank 2, got shape %s",
                              tflc_ops_shape_str(w->dims, w->rank, sw, sizeof sw));
    }
    p->units = w->dims[0];
    p->depth = w->dims[1];
    if (bias && tflc_tensor_count(bias) != (size_t)p->units)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "bias (input 2) has %zu elements, expected %d (weights rows)",
                              tflc_tensor_count(bias), (int)p->units);
    s = fc_batches(node, node->inputs[0], p->depth, &p->batches);
    if (s != TFLC_OK) return s;
    return fc_output_shape(node, p, keep_num_dims);
}

/* ---------------------------------------------------------------- eval -- */

static tflc_status fc_eval(tflc_node *node) {
    const fc_params *p = node->params;
    const float *in = node->inputs[0]->data;      /* [N, K] */
    const float *w = node->inputs[1]->data;       /* [M, K] */
    const tflc_tensor *bias_t = tflc_ops_optional_input(node, 2);
    const float *bias = bias_t ? bias_t->data : NULL;  /* [M] */
    float *out = node->outputs[0]->data;          /* [N, M] */
    const size_t k_n = (size_t)p->depth, m_n = (size_t)p->units;

    for (size_t n = 0; n < (size_t)p->batches; n++) {
        const float *x = in + n * k_n;
        for (size_t m = 0; m < m_n; m++) {
            const float *row = w + m * k_n;
            float acc = 0.0f;
            for (size_t k = 0; k < k_n; k++) acc += x[k] * row[k];
            if (bias) acc += bias[m];   /* added last, as TFLite's reference does */
            out[n * m_n + m] = tflc_ops_apply_act_f32(&p->act, acc);
        }
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_fully_connected = {
    .name = "FULLY_CONNECTED",
    .params_size = sizeof(fc_params),
    .prepare = fc_prepare,
    .eval = fc_eval,
};
