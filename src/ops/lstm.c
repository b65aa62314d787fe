/*
 * lstm.c -- UNIDIRECTIONAL_SEQUENCE_LSTM and BIDIRECTIONAL_SEQUENCE_LSTM, float32 and hybrid
 * (float32 activations, int8 weights), as TFLite's lstm_eval.cc computes them.
 *
 * Shapes (T time steps, B batches, I inputs, N cells, O outputs; O = N without projection):
 *   input [T, B, I] (time_major) or [B, T, I]        output [T, B, O] or [B, T, O]
 *   input-to-gate weights [N, I] x4 (input, forget, cell, output; the input gate's are left out
 *   with CIFG), recurrent weights [N, O] x4, peephole [N] x3 (optional), biases [N] x4,
 *   projection [O, N] + bias [O] (optional), states h [B, O] and c [B, N], layer-norm
 *   coefficients [N] x4 (optional).
 *
 * One step, per batch row (sigmoid s, cell activation g = the options' activation, usually
 * TANH):
 *   gate_k = bias_k + W_k x + R_k h (+ P_k .* c for i, f; layer norm before the bias if any)
 *   i = s(gate_i) (CIFG: 1 - f), f = s(gate_f), z = g(gate_c)
 *   c = clip(f .* c + i .* z, cell_clip);  o = s(gate_o + P_o .* c_new)
 *   h = clip(W_proj (o .* g(c)) + b_proj, proj_clip), or o .* g(c) without projection
 * Hybrid: x, h (and o .* g(c) before the projection) are quantized to int8 row by row
 * (symmetric, or asymmetric with asymmetric_quantize_inputs) and multiplied as in
 * FULLY_CONNECTED's hybrid path; everything else is float. Weights that are the model's
 * constants are packed once (cached on the model) and multiplied by the one-row int8 GEMV
 * (kernels/qs8_gemv.h): exact int32 dots, then the reference's float step, so the same bits
 * (tflc_qs8_force_level(TFLC_QS8_REFERENCE) keeps the reference loops, for tests).
 *
 * Order of work follows TFLite: time-major input steps all batches together, batch-major
 * input runs each batch's sequence on its own. The states are read from their input tensors,
 * carried in scratch and written back only to variable tensors, so a model whose initial
 * state is a constant (or a folded DEQUANTIZE) is never modified.
 *
 * Float results match LiteRT to float rounding only: LiteRT sums dot products with
 * vectorized GEMMs and uses Eigen's sigmoid / tanh; this uses libm.
 */
#include <string.h>

#include "ops/nn_common.h"

#include "core/runner.h"
#include "core/weight_cache.h"
#include "kernels/qs8_gemv.h"
#include "kernels/qs8_ops.h"

enum { G_I = 0, G_F = 1, G_C = 2, G_O = 3 };

/* Input positions of one direction's tensors. */
typedef struct lstm_slots {
    int w[4], r[4], peep[3], bias[4], proj_w, proj_b, h, c, ln[4];
} lstm_slots;

static const lstm_slots uni_slots = {
    {1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11}, {12, 13, 14, 15}, 16, 17, 18, 19, {20, 21, 22, 23}};
static const lstm_slots bw_slots = {
    {18, 19, 20, 21}, {22, 23, 24, 25}, {26, 27, 28}, {29, 30, 31, 32}, 33, 34, 37, 38,
    {-1, -1, -1, -1}};
static const lstm_slots fw_slots = {
    {1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11}, {12, 13, 14, 15}, 16, 17, 35, 36,
    {-1, -1, -1, -1}};

/* Per-direction layout and scratch offsets (bytes into node->scratch). */
typedef struct lstm_dir {
    const lstm_slots *slots;
    int32_t n_cell, n_output;
    bool cifg, peephole, layer_norm, projection;
    float w_scale[4], r_scale[4], peep_scale[3], proj_scale;   /* hybrid */
    size_t off_gates, off_tmp, off_h, off_c, off_sums;          /* sums: 9 x rows, hybrid */
    size_t out_offset;                                          /* bw output at fw's end */
    /* hybrid: w[4], r[4] and the projection packed for the int8 GEMV (cached on the model),
     * indexed as the row sums; NULL: the reference loop for that matrix */
    const void *packed[9];
    int out_index;
} lstm_dir;

typedef struct lstm_params {
    int32_t n_time, n_batch, n_input;
    bool time_major, hybrid, asymmetric;
    int n_dirs;
    int act;                            /* cell and output activation */
    float cell_clip, proj_clip;
    size_t out_stride;                  /* floats between output rows */
    size_t off_qx, off_qh, off_sf, off_zp;   /* hybrid, shared by directions */
    size_t off_dots;                         /* hybrid: int32 dots of one row [max(N, O)] */
    lstm_dir dir[2];
} lstm_params;

/* ------------------------------------------------------------ tensor access -- */

static const tflc_tensor *lstm_in(const tflc_node *node, int slot) {
    return slot >= 0 ? tflc_ops_optional_input(node, slot) : NULL;
}

static const void *lstm_data(const tflc_node *node, int slot) {
    const tflc_tensor *t = lstm_in(node, slot);
    return t ? t->data : NULL;
}

/* ------------------------------------------------------------------ prepare -- */

/* t must be present (unless optional), have `count` elements and the expected dtype. */
static tflc_status lstm_check(tflc_node *node, int slot, const char *what, size_t count,
                              tflc_dtype dtype, bool optional) {
    const tflc_tensor *t = lstm_in(node, slot);
    if (!t) {
        if (optional) return TFLC_OK;
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s (input %d) is missing", what, slot);
    }
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

/* Hybrid weights are per-tensor int8 with zero point 0; their scale is recorded. */
static tflc_status lstm_weight_scale(tflc_node *node, int slot, float *scale) {
    const tflc_tensor *t = lstm_in(node, slot);
    int32_t zp = 0;
    *scale = 1.0f;
    if (!t || t->dtype == TFLC_FLOAT32) return TFLC_OK;
    tflc_status s = nn_quant_params(node, t, "hybrid weights", false, scale, &zp);
    if (s == TFLC_OK && zp != 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "hybrid weights (input %d) with zero point %d are not supported",
                              slot, (int)zp);
    return s;
}

static tflc_status lstm_check_weights(tflc_node *node, const lstm_params *p, lstm_dir *d) {
    const lstm_slots *sl = d->slots;
    const size_t N = (size_t)d->n_cell, O = (size_t)d->n_output, I = (size_t)p->n_input;
    const tflc_dtype wt = p->hybrid ? TFLC_INT8 : TFLC_FLOAT32;
    static const char *names[4] = {"input gate", "forget gate", "cell gate", "output gate"};
    tflc_status s = TFLC_OK;
    for (int g = 0; g < 4 && s == TFLC_OK; g++) {
        const bool opt = g == G_I;
        s = lstm_check(node, sl->w[g], names[g], N * I, wt, opt);
        if (s == TFLC_OK) s = lstm_check(node, sl->r[g], names[g], N * O, wt, opt);
        if (s == TFLC_OK) s = lstm_check(node, sl->bias[g], names[g], N, TFLC_FLOAT32, opt);
        if (s == TFLC_OK) s = lstm_weight_scale(node, sl->w[g], &d->w_scale[g]);
        if (s == TFLC_OK) s = lstm_weight_scale(node, sl->r[g], &d->r_scale[g]);
        if (s == TFLC_OK && d->layer_norm)
            s = lstm_check(node, sl->ln[g], "layer norm coefficients", N, TFLC_FLOAT32, opt);
    }
    for (int g = 0; g < 3 && s == TFLC_OK && d->peephole; g++) {
        s = lstm_check(node, sl->peep[g], "peephole weights", N, wt, g == G_I);
        if (s == TFLC_OK) s = lstm_weight_scale(node, sl->peep[g], &d->peep_scale[g]);
    }
    if (s == TFLC_OK && d->projection) {
        s = lstm_check(node, sl->proj_w, "projection weights", O * N, wt, false);
        if (s == TFLC_OK) s = lstm_check(node, sl->proj_b, "projection bias", O, TFLC_FLOAT32, true);
        if (s == TFLC_OK) s = lstm_weight_scale(node, sl->proj_w, &d->proj_scale);
    }
    return s;
}

/* The input gate's tensors are all present (regular) or all absent (CIFG). */
static tflc_status lstm_variant(tflc_node *node, lstm_dir *d) {
    const lstm_slots *sl = d->slots;
    const bool has_wi = lstm_in(node, sl->w[G_I]) != NULL, has_ri = lstm_in(node, sl->r[G_I]) != NULL;
    if (has_wi != has_ri)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "input gate weights are only partly given (CIFG needs neither)");
    d->cifg = !has_wi;
    d->peephole = lstm_in(node, sl->peep[G_F]) != NULL;
    d->layer_norm = lstm_in(node, sl->ln[G_F]) != NULL;
    d->projection = lstm_in(node, sl->proj_w) != NULL;
    if (d->cifg && d->layer_norm && lstm_in(node, sl->ln[G_I]))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "CIFG LSTM has input gate layer norm coefficients");
    if (d->peephole && !d->cifg && !lstm_in(node, sl->peep[G_I]))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "peephole LSTM lacks the input gate's peephole weights");
    return TFLC_OK;
}

static tflc_status lstm_dims(tflc_node *node, lstm_dir *d) {
    const tflc_tensor *wf = lstm_in(node, d->slots->w[G_F]), *rf = lstm_in(node, d->slots->r[G_F]);
    if (!wf || !rf || wf->rank != 2 || rf->rank != 2)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "forget gate weights must be present and have rank 2");
    d->n_cell = wf->dims[0];
    d->n_output = rf->dims[1];
    if (rf->dims[0] != d->n_cell)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "recurrent weights have %d rows, expected %d (cells)",
                              (int)rf->dims[0], (int)d->n_cell);
    return TFLC_OK;
}

static tflc_status lstm_states(tflc_node *node, const lstm_params *p, const lstm_dir *d) {
    const size_t B = (size_t)p->n_batch;
    tflc_status s = lstm_check(node, d->slots->h, "output state", B * (size_t)d->n_output,
                               TFLC_FLOAT32, false);
    if (s == TFLC_OK)
        s = lstm_check(node, d->slots->c, "cell state", B * (size_t)d->n_cell, TFLC_FLOAT32, false);
    if (s == TFLC_OK && !d->projection && d->n_output != d->n_cell)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "without projection the output size %d must equal the cell count %d",
                              (int)d->n_output, (int)d->n_cell);
    return s;
}

static tflc_status lstm_prepare_dir(tflc_node *node, lstm_params *p, lstm_dir *d) {
    tflc_status s = lstm_variant(node, d);
    if (s == TFLC_OK) s = lstm_dims(node, d);
    if (s == TFLC_OK) s = lstm_check_weights(node, p, d);
    if (s == TFLC_OK) s = lstm_states(node, p, d);
    return s;
}

/* Scratch: per direction gates [4][B][N], tmp [B][N], h [B][O], c [B][N], row sums
 * [9][N or O]; shared hybrid buffers: scales and zero points [2][B] (x rows, then h rows),
 * quantized x and h (or the projection's input) rows. */
static void lstm_scratch(tflc_node *node, lstm_params *p) {
    const size_t B = (size_t)p->n_batch;
    size_t at = 0;
    size_t max_row = (size_t)p->n_input;
    for (int k = 0; k < p->n_dirs; k++) {
        lstm_dir *d = &p->dir[k];
        const size_t N = (size_t)d->n_cell, O = (size_t)d->n_output;
        d->off_gates = at;  at += 4 * B * N * sizeof(float);
        d->off_tmp = at;    at += B * N * sizeof(float);
        d->off_h = at;      at += B * O * sizeof(float);
        d->off_c = at;      at += B * N * sizeof(float);
        d->off_sums = at;   at += p->hybrid ? (8 * N + O) * sizeof(int32_t) : 0;
        if (N > max_row) max_row = N;
        if (O > max_row) max_row = O;
    }
    p->off_sf = at;  at += p->hybrid ? 2 * B * sizeof(float) : 0;       /* x rows, h rows */
    p->off_zp = at;  at += p->hybrid ? 2 * B * sizeof(int32_t) : 0;
    p->off_dots = at; at += p->hybrid ? max_row * sizeof(int32_t) : 0;
    p->off_qx = at;  at += p->hybrid ? B * max_row : 0;
    p->off_qh = at;  at += p->hybrid ? B * max_row : 0;
    node->scratch_bytes = at;
}

/* Arity: n_inputs in [lo, hi] (optional tensors are -1, so only the input itself is checked
 * here; each weight is checked where its variant needs it) and every output present. */
static tflc_status lstm_arity(tflc_node *node, int lo, int hi, int outputs) {
    if (node->n_inputs < lo || node->n_inputs > hi)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "expected %d to %d inputs, got %d",
                              lo, hi, node->n_inputs);
    if (node->n_outputs != outputs)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "expected %d output%s, got %d",
                              outputs, tflc_ops_plural(outputs), node->n_outputs);
    if (!node->inputs[0])
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input 0 is missing");
    for (int i = 0; i < outputs; i++)
        if (!node->outputs[i])
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output %d is missing", i);
    return TFLC_OK;
}

static tflc_status lstm_input(tflc_node *node, lstm_params *p) {
    const tflc_tensor *in = node->inputs[0];
    tflc_status s = tflc_ops_expect_dtype(node, in, "input", 0, TFLC_FLOAT32);
    if (s != TFLC_OK) {
        if (in->dtype == TFLC_INT8)
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                                  "full-integer (int8) LSTM is not supported (float32 and "
                                  "hybrid are)");
        return s;
    }
    if (in->rank != 3) {
        char si[TFLC_OPS_SHAPE_BUF];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input must have rank 3, got %s",
                              tflc_ops_shape_str(in->dims, in->rank, si, sizeof si));
    }
    p->n_time = p->time_major ? in->dims[0] : in->dims[1];
    p->n_batch = p->time_major ? in->dims[1] : in->dims[0];
    p->n_input = in->dims[2];
    const tflc_tensor *wf = lstm_in(node, p->dir[0].slots->w[G_F]);
    p->hybrid = wf && wf->dtype == TFLC_INT8;
    return TFLC_OK;
}

static tflc_status lstm_activation(tflc_node *node, int act) {
    if (act == ACT_NONE || act == ACT_RELU || act == ACT_RELU_N1_TO_1 || act == ACT_RELU6 ||
        act == ACT_TANH)
        return TFLC_OK;
    return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "activation %d is not supported", act);
}

static tflc_status lstm_output_shape(tflc_node *node, const lstm_params *p, int index,
                                     int32_t width) {
    int32_t dims[3] = {p->time_major ? p->n_time : p->n_batch,
                       p->time_major ? p->n_batch : p->n_time, width};
    return tflc_node_set_output_shape(node, index, dims, 3);
}

typedef struct lstm_pack_args {
    const tflc_qgemm_s8_config *cfg;
    size_t rows, depth;
    const int8_t *w;
} lstm_pack_args;

static void lstm_pack_weights(void *dst, const void *arg) {
    const lstm_pack_args *a = arg;
    tflc_qgemm_s8_pack_b(a->cfg, a->rows, a->depth, a->w, a->depth, true, dst);
}

/* One [rows, depth] int8 matrix packed through the model's weight cache (the key FULLY_CONNECTED
 * uses for the same bytes), or NULL when it is not the model's constant. */
static const void *lstm_pack_one(tflc_node *node, const tflc_qgemm_s8_config *cfg, int slot,
                                 size_t rows, size_t depth) {
    const tflc_tensor *t = lstm_in(node, slot);
    const tflc_model *model = node->graph && node->graph->runner ? node->graph->runner->model
                                                                 : NULL;
    if (!t || rows == 0 || depth == 0 || !tflc_tensor_is_constant(t) ||
        !tflc_weight_cache_owns(model, t->data))
        return NULL;
    lstm_pack_args args = {cfg, rows, depth, t->data};
    const void *packed = tflc_weight_cache_get(model, t->data,
                                               TFLC_WCACHE_QS8_GEMM_B | (uint32_t)cfg->isa << 8,
                                               tflc_qgemm_s8_packed_size(cfg, rows, depth),
                                               lstm_pack_weights, &args);
    return packed && tflc_qgemm_s8_packed_is(packed, rows, depth) ? packed : NULL;
}

/* Hybrid: each direction's weight matrices packed for the GEMV, when the int8 fast paths
 * are on and have a SIMD GEMM. */
static void lstm_pack_hybrid(tflc_node *node, lstm_params *p) {
    const tflc_qs8_config *q8 = p->hybrid ? tflc_qs8_config_get() : NULL;
    const tflc_qgemm_s8_config *cfg = q8 ? tflc_qs8_config_gemm(q8) : NULL;
    /* Only with a SIMD int8 GEMM: the portable GEMM's tile is slower than the reference loop,
     * which the compiler vectorizes (as FULLY_CONNECTED's). */
    if (cfg && cfg->isa == TFLC_ISA_SCALAR) cfg = NULL;
    const size_t I = (size_t)p->n_input;
    for (int k = 0; k < p->n_dirs; k++) {
        lstm_dir *d = &p->dir[k];
        const size_t N = (size_t)d->n_cell, O = (size_t)d->n_output;
        for (int g = 0; g < 4; g++) {
            d->packed[g] = cfg ? lstm_pack_one(node, cfg, d->slots->w[g], N, I) : NULL;
            d->packed[4 + g] = cfg ? lstm_pack_one(node, cfg, d->slots->r[g], N, O) : NULL;
        }
        d->packed[8] = cfg && d->projection ? lstm_pack_one(node, cfg, d->slots->proj_w, O, N)
                                            : NULL;
    }
}

static tflc_status ulstm_prepare(tflc_node *node) {
    lstm_params *p = node->params;
    tflc_status s = lstm_arity(node, 20, 24, 1);
    if (s != TFLC_OK) return s;
    const uint8_t *o = tflc_ops_options(node, BO_UnidirectionalSequenceLSTM);
    p->act = o ? fb_i8(o, ULSTM_OPT_ACTIVATION, 0) : ACT_NONE;
    p->cell_clip = o ? fb_f32(o, ULSTM_OPT_CELL_CLIP, 0.0f) : 0.0f;
    p->proj_clip = o ? fb_f32(o, ULSTM_OPT_PROJ_CLIP, 0.0f) : 0.0f;
    p->time_major = o && fb_u8(o, ULSTM_OPT_TIME_MAJOR, 0);
    p->asymmetric = o && fb_u8(o, ULSTM_OPT_ASYMMETRIC_QUANTIZE_INPUTS, 0);
    if (o && fb_u8(o, ULSTM_OPT_DIAGONAL_RECURRENT, 0))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "diagonal recurrent weights are not supported");
    p->n_dirs = 1;
    p->dir[0].slots = &uni_slots;
    s = lstm_activation(node, p->act);
    if (s == TFLC_OK) s = lstm_input(node, p);
    if (s == TFLC_OK) s = lstm_prepare_dir(node, p, &p->dir[0]);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    if (s != TFLC_OK) return s;
    p->out_stride = (size_t)p->dir[0].n_output;
    lstm_scratch(node, p);
    lstm_pack_hybrid(node, p);
    return lstm_output_shape(node, p, 0, p->dir[0].n_output);
}

static tflc_status blstm_outputs(tflc_node *node, lstm_params *p, bool merge) {
    const int32_t fo = p->dir[0].n_output, bo = p->dir[1].n_output;
    tflc_status s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    if (s != TFLC_OK) return s;
    if (merge) {
        p->out_stride = (size_t)fo + (size_t)bo;
        p->dir[1].out_offset = (size_t)fo;
        return lstm_output_shape(node, p, 0, fo + bo);
    }
    s = tflc_ops_expect_dtype(node, node->outputs[1], "output", 1, TFLC_FLOAT32);
    if (s != TFLC_OK) return s;
    p->dir[1].out_index = 1;
    s = lstm_output_shape(node, p, 0, fo);
    return s != TFLC_OK ? s : lstm_output_shape(node, p, 1, bo);
}

static tflc_status blstm_prepare(tflc_node *node) {
    lstm_params *p = node->params;
    const uint8_t *o = tflc_ops_options(node, BO_BidirectionalSequenceLSTM);
    const bool merge = o && fb_u8(o, BLSTM_OPT_MERGE_OUTPUTS, 0);
    tflc_status s = lstm_arity(node, 39, 48, merge ? 1 : 2);
    if (s != TFLC_OK) return s;
    if (lstm_in(node, 39))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "auxiliary input is not supported");
    p->act = o ? fb_i8(o, BLSTM_OPT_ACTIVATION, 0) : ACT_NONE;
    p->cell_clip = o ? fb_f32(o, BLSTM_OPT_CELL_CLIP, 0.0f) : 0.0f;
    p->proj_clip = o ? fb_f32(o, BLSTM_OPT_PROJ_CLIP, 0.0f) : 0.0f;
    p->time_major = o ? fb_u8(o, BLSTM_OPT_TIME_MAJOR, 1) != 0 : true;
    p->asymmetric = o && fb_u8(o, BLSTM_OPT_ASYMMETRIC_QUANTIZE_INPUTS, 0);
    p->n_dirs = 2;
    p->dir[0].slots = &fw_slots;
    p->dir[1].slots = &bw_slots;
    s = lstm_activation(node, p->act);
    if (s == TFLC_OK) s = lstm_input(node, p);
    for (int k = 0; k < 2 && s == TFLC_OK; k++) s = lstm_prepare_dir(node, p, &p->dir[k]);
    if (s != TFLC_OK) return s;
    p->out_stride = (size_t)p->dir[0].n_output;
    s = blstm_outputs(node, p, merge);
    if (s == TFLC_OK) {
        lstm_scratch(node, p);
        lstm_pack_hybrid(node, p);
    }
    return s;
}

/* --------------------------------------------------------------------- math -- */

static float lstm_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static float lstm_act(int act, float x) {
    switch (act) {
    case ACT_RELU: return x < 0.0f ? 0.0f : x;
    case ACT_RELU_N1_TO_1: return x < -1.0f ? -1.0f : (x > 1.0f ? 1.0f : x);
    case ACT_RELU6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case ACT_TANH: return tanhf(x);
    default: return x;
    }
}

static float lstm_clip(float x, float limit) {
    return limit > 0.0f ? (x > limit ? limit : (x < -limit ? -limit : x)) : x;
}

/* tensor_utils::MeanStddevNormalization over one row of n values. */
static void lstm_layer_norm(float *x, size_t n) {
    float sum = 0.0f, sq = 0.0f;
    for (size_t i = 0; i < n; i++) sum += x[i];
    const float mean = sum / (float)n;
    for (size_t i = 0; i < n; i++) sq += (x[i] - mean) * (x[i] - mean);
    const float inv = 1.0f / sqrtf(sq / (float)n + 1e-8f);
    for (size_t i = 0; i < n; i++) x[i] = (x[i] - mean) * inv;
}

/* out[b][r] += sum_k w[r][k] x[b][k] (float, k in order). */
static void lstm_matvec_f32(const float *w, size_t rows, size_t depth, const float *x,
                            size_t batches, float *out) {
    for (size_t b = 0; b < batches; b++)
        for (size_t r = 0; r < rows; r++) {
            float acc = 0.0f;
            for (size_t k = 0; k < depth; k++) acc += w[r * depth + k] * x[b * depth + k];
            out[b * rows + r] += acc;
        }
}

/* ------------------------------------------------------------------------ step -- */

/* Everything one step of one direction reads and writes. */
typedef struct lstm_step {
    const lstm_params *p;
    const lstm_dir *d;
    const tflc_node *node;
    char *scratch;
    size_t nb;                 /* rows processed together */
    const float *x;            /* [nb][I] */
    float *h, *c;              /* [nb][O], [nb][N] (scratch) */
    const int8_t *qx, *qh;     /* hybrid: quantized x and h, or NULL when all zero */
    const float *sx, *sh;      /* their scales (without the weights') */
    const int32_t *zx, *zh;
} lstm_step;

/* out[b][r] += W q_b * scale_b for each row b of the step: on the GEMV when the matrix is
 * packed (the row's zero point folded into its dots, exact), else the reference loop; the
 * float accumulation is nn_hybrid_matmul_acc's either way. */
static void lstm_hybrid_acc(const lstm_step *st, const int8_t *w, const void *packed,
                            float w_scale, size_t rows, size_t depth, const int8_t *q,
                            const float *qs, const int32_t *qz, const int32_t *sums, float *out) {
    float scales[1];
    int32_t *dots = (int32_t *)(void *)(st->scratch + st->p->off_dots);
    for (size_t b = 0; b < st->nb; b++) {
        scales[0] = qs[b] * w_scale;
        if (packed) {
            tflc_qs8_gemv(rows, depth, q + b * depth, st->p->asymmetric ? qz[b] : 0, packed,
                          NULL, dots);
            float *restrict ob = out + b * rows;
            const float scale = scales[0];
            for (size_t r = 0; r < rows; r++) ob[r] += (float)dots[r] * scale;
            continue;
        }
        const nn_hybrid_mm mm = {
            .w = w, .rows = rows, .depth = depth, .x = q + b * depth, .batches = 1,
            .scales = scales, .zps = st->p->asymmetric ? qz + b : NULL,
            .row_sums = st->p->asymmetric ? sums : NULL, .channel = NULL,
            .out = out + b * rows, .out_stride = rows,
        };
        nn_hybrid_matmul_acc(&mm);
    }
}

/* gate = bias (0 with layer norm) + W x + R h (+ P .* c). */
static void lstm_gate_sum(const lstm_step *st, int g, float *gate) {
    const lstm_dir *d = st->d;
    const lstm_slots *sl = d->slots;
    const size_t N = (size_t)d->n_cell, O = (size_t)d->n_output, I = (size_t)st->p->n_input;
    const float *bias = lstm_data(st->node, sl->bias[g]);
    const int32_t *sums = (const int32_t *)(st->scratch + d->off_sums);
    for (size_t b = 0; b < st->nb; b++)
        for (size_t n = 0; n < N; n++) gate[b * N + n] = d->layer_norm ? 0.0f : bias[n];
    if (!st->p->hybrid) {
        lstm_matvec_f32(lstm_data(st->node, sl->w[g]), N, I, st->x, st->nb, gate);
        lstm_matvec_f32(lstm_data(st->node, sl->r[g]), N, O, st->h, st->nb, gate);
    } else {
        if (st->qx)
            lstm_hybrid_acc(st, lstm_data(st->node, sl->w[g]), d->packed[g], d->w_scale[g], N,
                            I, st->qx, st->sx, st->zx, sums + (size_t)g * N, gate);
        if (st->qh)
            lstm_hybrid_acc(st, lstm_data(st->node, sl->r[g]), d->packed[4 + g], d->r_scale[g],
                            N, O, st->qh, st->sh, st->zh, sums + (size_t)(4 + g) * N, gate);
    }
}

static float lstm_peep_weight(const lstm_step *st, int g, size_t n) {
    const void *w = lstm_data(st->node, st->d->slots->peep[g]);
    if (!st->p->hybrid) return ((const float *)w)[n];
    return st->d->peep_scale[g] * (float)((const int8_t *)w)[n];
}

/* A whole gate: sum, peephole on `cell`, layer norm, activation (sigmoid or the cell act). */
static void lstm_gate(const lstm_step *st, int g, const float *cell, float *gate) {
    const lstm_dir *d = st->d;
    const size_t N = (size_t)d->n_cell;
    lstm_gate_sum(st, g, gate);
    if (d->peephole && g != G_C)
        for (size_t b = 0; b < st->nb; b++)
            for (size_t n = 0; n < N; n++)
                gate[b * N + n] += lstm_peep_weight(st, g, n) * cell[b * N + n];
    if (d->layer_norm) {
        const float *coef = lstm_data(st->node, d->slots->ln[g]);
        const float *bias = lstm_data(st->node, d->slots->bias[g]);
        for (size_t b = 0; b < st->nb; b++) {
            lstm_layer_norm(gate + b * N, N);
            for (size_t n = 0; n < N; n++) gate[b * N + n] = gate[b * N + n] * coef[n] + bias[n];
        }
    }
    for (size_t i = 0; i < st->nb * N; i++)
        gate[i] = g == G_C ? lstm_act(st->p->act, gate[i]) : lstm_sigmoid(gate[i]);
}

/* h = proj(o .* act(c)), tmp holds o .* act(c). */
static void lstm_output(const lstm_step *st, const float *og, float *tmp) {
    const lstm_dir *d = st->d;
    const size_t N = (size_t)d->n_cell, O = (size_t)d->n_output;
    for (size_t i = 0; i < st->nb * N; i++) tmp[i] = og[i] * lstm_act(st->p->act, st->c[i]);
    if (!d->projection) {
        memcpy(st->h, tmp, st->nb * N * sizeof(float));
        return;
    }
    const float *pb = lstm_data(st->node, d->slots->proj_b);
    for (size_t b = 0; b < st->nb; b++)
        for (size_t o = 0; o < O; o++) st->h[b * O + o] = pb ? pb[o] : 0.0f;
    const void *pw = lstm_data(st->node, d->slots->proj_w);
    if (!st->p->hybrid) {
        lstm_matvec_f32(pw, O, N, tmp, st->nb, st->h);
    } else {
        bool zero = true;
        for (size_t i = 0; i < st->nb * N && zero; i++) zero = tmp[i] == 0.0f;
        if (!zero) {
            int8_t *q = (int8_t *)(st->scratch + st->p->off_qh);
            float *sf = (float *)(st->scratch + st->p->off_sf);
            int32_t *zp = (int32_t *)(st->scratch + st->p->off_zp);
            nn_quantize_rows(tmp, st->nb, N, q, sf, zp, st->p->asymmetric);
            lstm_hybrid_acc(st, pw, d->packed[8], d->proj_scale, O, N, q, sf, zp,
                            (const int32_t *)(st->scratch + d->off_sums) + 8 * N, st->h);
        }
    }
    for (size_t i = 0; i < st->nb * O; i++) st->h[i] = lstm_clip(st->h[i], st->p->proj_clip);
}

static bool lstm_all_zero(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0.0f) return false;
    return true;
}

/* Quantizes the step's x and h rows (hybrid); skipped rows stay NULL as TFLite skips them. */
static void lstm_quantize_inputs(lstm_step *st, size_t I, size_t O) {
    const lstm_params *p = st->p;
    float *sf = (float *)(st->scratch + p->off_sf);
    int32_t *zp = (int32_t *)(st->scratch + p->off_zp);
    int8_t *qx = (int8_t *)(st->scratch + p->off_qx), *qh = (int8_t *)(st->scratch + p->off_qh);
    st->qx = st->qh = NULL;
    if (!lstm_all_zero(st->x, st->nb * I)) {
        nn_quantize_rows(st->x, st->nb, I, qx, sf, zp, p->asymmetric);
        st->qx = qx;
    }
    if (!lstm_all_zero(st->h, st->nb * O)) {
        nn_quantize_rows(st->h, st->nb, O, qh, sf + st->nb, zp + st->nb, p->asymmetric);
        st->qh = qh;
    }
    st->sx = sf;
    st->zx = zp;
    st->sh = sf + st->nb;
    st->zh = zp + st->nb;
}

static void lstm_step_run(lstm_step *st) {
    const lstm_dir *d = st->d;
    const size_t N = (size_t)d->n_cell;
    float *gates = (float *)(st->scratch + d->off_gates), *tmp = (float *)(st->scratch + d->off_tmp);
    float *gi = gates, *gf = gates + st->nb * N, *gc = gf + st->nb * N, *go = gc + st->nb * N;
    if (st->p->hybrid) lstm_quantize_inputs(st, (size_t)st->p->n_input, (size_t)d->n_output);
    if (!d->cifg) lstm_gate(st, G_I, st->c, gi);
    lstm_gate(st, G_F, st->c, gf);
    lstm_gate(st, G_C, st->c, gc);
    for (size_t i = 0; i < st->nb * N; i++) {
        const float in_gate = d->cifg ? 1.0f - gf[i] : gi[i];
        st->c[i] = lstm_clip(gf[i] * st->c[i] + gc[i] * in_gate, st->p->cell_clip);
    }
    lstm_gate(st, G_O, st->c, go);
    lstm_output(st, go, tmp);
}

/* ------------------------------------------------------------------------ eval -- */

static void lstm_row_sums(const tflc_node *node, const lstm_dir *d, int32_t *sums, size_t I) {
    const size_t N = (size_t)d->n_cell, O = (size_t)d->n_output;
    for (int g = 0; g < 4; g++) {
        const int8_t *w = lstm_data(node, d->slots->w[g]), *r = lstm_data(node, d->slots->r[g]);
        if (w) nn_row_sums(w, N, I, sums + (size_t)g * N);
        if (r) nn_row_sums(r, N, O, sums + (size_t)(4 + g) * N);
    }
    if (d->projection) nn_row_sums(lstm_data(node, d->slots->proj_w), O, N, sums + 8 * N);
}

/* Runs one direction over the sequence; `backward` walks time in reverse. */
static void lstm_run_dir(const tflc_node *node, const lstm_params *p, const lstm_dir *d,
                         bool backward, char *scratch) {
    const size_t B = (size_t)p->n_batch, T = (size_t)p->n_time, I = (size_t)p->n_input;
    const size_t N = (size_t)d->n_cell, O = (size_t)d->n_output, S = p->out_stride;
    const float *in = node->inputs[0]->data;
    float *out = (float *)node->outputs[d->out_index]->data + d->out_offset;
    float *h = (float *)(scratch + d->off_h), *c = (float *)(scratch + d->off_c);
    memcpy(h, lstm_data(node, d->slots->h), B * O * sizeof(float));
    memcpy(c, lstm_data(node, d->slots->c), B * N * sizeof(float));
    if (p->hybrid && p->asymmetric) lstm_row_sums(node, d, (int32_t *)(scratch + d->off_sums), I);
    lstm_step st = {.p = p, .d = d, .node = node, .scratch = scratch};
    const size_t outer = p->time_major ? 1 : B;
    for (size_t b = 0; b < outer; b++)
        for (size_t t = 0; t < T; t++) {
            const size_t tr = backward ? T - 1 - t : t;
            const size_t row = p->time_major ? tr * B : b * T + tr;   /* first row of the step */
            st.nb = p->time_major ? B : 1;
            st.x = in + row * I;
            st.h = h + (p->time_major ? 0 : b * O);
            st.c = c + (p->time_major ? 0 : b * N);
            lstm_step_run(&st);
            for (size_t r = 0; r < st.nb; r++) memcpy(out + (row + r) * S, st.h + r * O, O * sizeof(float));
        }
}

/* Final states go back only to variable tensors (TFLite's persistent LSTM state). */
static void lstm_write_state(const tflc_node *node, const lstm_dir *d, const char *scratch,
                             size_t B) {
    tflc_tensor *h = node->inputs[d->slots->h], *c = node->inputs[d->slots->c];
    if (h->desc && h->desc->is_variable && h->data)
        memcpy(h->data, scratch + d->off_h, B * (size_t)d->n_output * sizeof(float));
    if (c->desc && c->desc->is_variable && c->data)
        memcpy(c->data, scratch + d->off_c, B * (size_t)d->n_cell * sizeof(float));
}

static tflc_status lstm_eval(tflc_node *node) {
    const lstm_params *p = node->params;
    if (p->n_batch == 0 || p->n_time == 0) return TFLC_OK;
    for (int k = 0; k < p->n_dirs; k++) {
        lstm_run_dir(node, p, &p->dir[k], k == 1, node->scratch);
        lstm_write_state(node, &p->dir[k], node->scratch, (size_t)p->n_batch);
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_unidirectional_lstm = {
    .name = "UNIDIRECTIONAL_SEQUENCE_LSTM",
    .params_size = sizeof(lstm_params),
    .prepare = ulstm_prepare,
    .eval = lstm_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};

const tflc_kernel tflc_kernel_bidirectional_lstm = {
    .name = "BIDIRECTIONAL_SEQUENCE_LSTM",
    .params_size = sizeof(lstm_params),
    .prepare = blstm_prepare,
    .eval = lstm_eval,
    .flags = TFLC_KERNEL_STATEFUL,
};
