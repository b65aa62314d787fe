/*
 * rnn.c -- UNIDIRECTIONAL_SEQUENCE_RNN, float32 and hybrid (float32 activations, int8
 * weights), as TFLite's kernel_utils::RnnBatchStep computes it.
 *
 *   input [T, B, I] (time_major) or [B, T, I]; weights W [U, I], recurrent R [U, U], bias [U],
 *   hidden state h [B, U] -> output [T, B, U] or [B, T, U]
 *   each step:  h = act(bias + W x + R h),  output row = h
 *
 * Hybrid: x and h are quantized to int8 row by row (symmetric, or asymmetric with
 * asymmetric_quantize_inputs) and multiplied as FULLY_CONNECTED's hybrid path does; an
 * all-zero x or h is skipped, as TFLite skips it. Time-major input steps all batches
 * together; batch-major input runs each batch's sequence on its own (TFLite's order). The
 * state is carried in scratch and written back only to a variable tensor.
 */
#include <string.h>

#include "ops/nn_common.h"

typedef struct rnn_params {
    int32_t n_time, n_batch, n_input, n_units;
    bool time_major, hybrid, asymmetric;
    tflc_ops_act act;
    float w_scale, r_scale;
    size_t off_h, off_sf, off_zp, off_sums, off_q;     /* scratch */
} rnn_params;

enum { RNN_IN = 0, RNN_W = 1, RNN_R = 2, RNN_BIAS = 3, RNN_H = 4 };

/* ------------------------------------------------------------------ prepare -- */

static tflc_status rnn_check(tflc_node *node, int slot, const char *what, size_t count,
                             tflc_dtype dtype) {
    const tflc_tensor *t = node->inputs[slot];
    if (t->dtype != dtype)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s (input %d) has dtype %s, expected %s",
                              what, slot, tflc_dtype_name(t->dtype), tflc_dtype_name(dtype));
    if (tflc_tensor_count(t) != count) {
        char st[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%s (input %d) has shape %s, expected %zu elements", what, slot,
                              tflc_ops_shape_str(t->dims, t->rank, st, sizeof st), count);
    }
    return TFLC_OK;
}

static tflc_status rnn_weight_scale(tflc_node *node, int slot, float *scale) {
    int32_t zp = 0;
    *scale = 1.0f;
    if (node->inputs[slot]->dtype == TFLC_FLOAT32) return TFLC_OK;
    tflc_status s = nn_quant_params(node, node->inputs[slot], "hybrid weights", false, scale, &zp);
    if (s == TFLC_OK && zp != 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "hybrid weights (input %d) with zero point %d are not supported",
                              slot, (int)zp);
    return s;
}

static tflc_status rnn_shapes(tflc_node *node, rnn_params *p) {
    const tflc_tensor *in = node->inputs[RNN_IN], *w = node->inputs[RNN_W];
    char si[TFLC_OPS_SHAPE_BUF];
    if (in->rank != 3)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input must have rank 3, got %s",
                              tflc_ops_shape_str(in->dims, in->rank, si, sizeof si));
    if (w->rank != 2 || w->dims[1] != in->dims[2])
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "weights (input 1) must have shape [units, %d], got %s",
                              (int)in->dims[2], tflc_ops_shape_str(w->dims, w->rank, si, sizeof si));
    p->n_time = p->time_major ? in->dims[0] : in->dims[1];
    p->n_batch = p->time_major ? in->dims[1] : in->dims[0];
    p->n_input = in->dims[2];
    p->n_units = w->dims[0];
    return TFLC_OK;
}

static tflc_status rnn_check_all(tflc_node *node, rnn_params *p) {
    const size_t U = (size_t)p->n_units, I = (size_t)p->n_input, B = (size_t)p->n_batch;
    const tflc_dtype wt = p->hybrid ? TFLC_INT8 : TFLC_FLOAT32;
    tflc_status s = tflc_ops_expect_dtype(node, node->inputs[RNN_IN], "input", 0, TFLC_FLOAT32);
    if (s == TFLC_OK) s = rnn_check(node, RNN_W, "weights", U * I, wt);
    if (s == TFLC_OK) s = rnn_check(node, RNN_R, "recurrent weights", U * U, wt);
    if (s == TFLC_OK) s = rnn_check(node, RNN_BIAS, "bias", U, TFLC_FLOAT32);
    if (s == TFLC_OK) s = rnn_check(node, RNN_H, "hidden state", B * U, TFLC_FLOAT32);
    if (s == TFLC_OK) s = rnn_weight_scale(node, RNN_W, &p->w_scale);
    if (s == TFLC_OK) s = rnn_weight_scale(node, RNN_R, &p->r_scale);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    return s;
}

static void rnn_scratch(tflc_node *node, rnn_params *p) {
    const size_t U = (size_t)p->n_units, I = (size_t)p->n_input, B = (size_t)p->n_batch;
    size_t at = 0;
    p->off_h = at;    at += B * U * sizeof(float);
    p->off_sf = at;   at += p->hybrid ? B * sizeof(float) : 0;
    p->off_zp = at;   at += p->hybrid ? B * sizeof(int32_t) : 0;
    p->off_sums = at; at += p->hybrid ? 2 * U * sizeof(int32_t) : 0;
    p->off_q = at;    at += p->hybrid ? B * (I > U ? I : U) : 0;
    node->scratch_bytes = at;
}

static tflc_status rnn_prepare(tflc_node *node) {
    rnn_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 5, 5, 1);
    if (s != TFLC_OK) return s;
    const uint8_t *o = tflc_ops_options(node, BO_SequenceRNN);
    p->time_major = o && fb_u8(o, SEQRNN_OPT_TIME_MAJOR, 0);
    p->asymmetric = o && fb_u8(o, SEQRNN_OPT_ASYMMETRIC_QUANTIZE_INPUTS, 0);
    s = tflc_ops_act_f32(node, o ? fb_i8(o, SEQRNN_OPT_ACTIVATION, 0) : ACT_NONE, &p->act);
    if (s == TFLC_OK) s = rnn_shapes(node, p);
    if (s != TFLC_OK) return s;
    p->hybrid = node->inputs[RNN_W]->dtype == TFLC_INT8;
    s = rnn_check_all(node, p);
    if (s != TFLC_OK) return s;
    rnn_scratch(node, p);
    const int32_t dims[3] = {p->time_major ? p->n_time : p->n_batch,
                             p->time_major ? p->n_batch : p->n_time, p->n_units};
    return tflc_node_set_output_shape(node, 0, dims, 3);
}

/* --------------------------------------------------------------------- eval -- */

/* out[b][u] += sum_k w[u][k] v[b][k] (float, k in order). */
static void rnn_matvec(const float *w, size_t rows, size_t depth, const float *v, size_t nb,
                       float *out) {
    for (size_t b = 0; b < nb; b++)
        for (size_t r = 0; r < rows; r++) {
            float acc = 0.0f;
            for (size_t k = 0; k < depth; k++) acc += w[r * depth + k] * v[b * depth + k];
            out[b * rows + r] += acc;
        }
}

static bool rnn_all_zero(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0.0f) return false;
    return true;
}

/* out += W v for nb rows of `depth` floats, quantized on the fly (hybrid). */
static void rnn_hybrid_acc(const rnn_params *p, char *scratch, const int8_t *w, float w_scale,
                           const int32_t *sums, size_t depth, const float *v, size_t nb,
                           float *out) {
    const size_t U = (size_t)p->n_units;
    float *sf = (float *)(scratch + p->off_sf);
    int32_t *zp = (int32_t *)(scratch + p->off_zp);
    int8_t *q = (int8_t *)(scratch + p->off_q);
    if (rnn_all_zero(v, nb * depth)) return;
    nn_quantize_rows(v, nb, depth, q, sf, zp, p->asymmetric);
    for (size_t b = 0; b < nb; b++) sf[b] *= w_scale;
    const nn_hybrid_mm mm = {
        .w = w, .rows = U, .depth = depth, .x = q, .batches = nb, .scales = sf,
        .zps = p->asymmetric ? zp : NULL, .row_sums = p->asymmetric ? sums : NULL,
        .channel = NULL, .out = out, .out_stride = U,
    };
    nn_hybrid_matmul_acc(&mm);
}

/* One step for nb rows: out = act(bias + W x + R h); h = out. */
static void rnn_step(const tflc_node *node, const rnn_params *p, char *scratch, const float *x,
                     float *h, size_t nb, float *out) {
    const size_t U = (size_t)p->n_units, I = (size_t)p->n_input;
    const float *bias = node->inputs[RNN_BIAS]->data;
    const void *w = node->inputs[RNN_W]->data, *r = node->inputs[RNN_R]->data;
    for (size_t b = 0; b < nb; b++) memcpy(out + b * U, bias, U * sizeof(float));
    if (!p->hybrid) {
        rnn_matvec(w, U, I, x, nb, out);
        rnn_matvec(r, U, U, h, nb, out);
    } else {
        const int32_t *sums = (const int32_t *)(scratch + p->off_sums);
        rnn_hybrid_acc(p, scratch, w, p->w_scale, sums, I, x, nb, out);
        rnn_hybrid_acc(p, scratch, r, p->r_scale, sums + U, U, h, nb, out);
    }
    tflc_ops_apply_act_f32_n(&p->act, out, nb * U);
    memcpy(h, out, nb * U * sizeof(float));
}

static tflc_status rnn_eval(tflc_node *node) {
    const rnn_params *p = node->params;
    const size_t B = (size_t)p->n_batch, T = (size_t)p->n_time, I = (size_t)p->n_input;
    const size_t U = (size_t)p->n_units;
    char *scratch = node->scratch;
    const float *in = node->inputs[RNN_IN]->data;
    float *out = node->outputs[0]->data, *h = (float *)(scratch + p->off_h);
    tflc_tensor *state = node->inputs[RNN_H];
    if (B == 0 || T == 0) return TFLC_OK;
    memcpy(h, state->data, B * U * sizeof(float));
    if (p->hybrid && p->asymmetric) {
        nn_row_sums(node->inputs[RNN_W]->data, U, I, (int32_t *)(scratch + p->off_sums));
        nn_row_sums(node->inputs[RNN_R]->data, U, U, (int32_t *)(scratch + p->off_sums) + U);
    }
    if (p->time_major) {
        for (size_t t = 0; t < T; t++) rnn_step(node, p, scratch, in + t * B * I, h, B, out + t * B * U);
    } else {
        for (size_t b = 0; b < B; b++)
            for (size_t t = 0; t < T; t++)
                rnn_step(node, p, scratch, in + (b * T + t) * I, h + b * U, 1, out + (b * T + t) * U);
    }
    if (state->desc && state->desc->is_variable) memcpy(state->data, h, B * U * sizeof(float));
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_unidirectional_rnn = {
    .name = "UNIDIRECTIONAL_SEQUENCE_RNN",
    .params_size = sizeof(rnn_params),
    .prepare = rnn_prepare,
    .eval = rnn_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};
