/*
 * fully_connected.c -- FULLY_CONNECTED: float32, quantized (int8, uint8, int16 activations
 * with int8 weights) and hybrid (float32 activations, int8 weights).
 *
 *   input   [..., K]   read as [N, K], N = elements / K
 *   weights [M, K]     row m holds the K weights of output unit m
 *   bias    [M]        optional (input index -1 or absent)
 *   output  [N, M], or with keep_num_dims the input's shape with its last dim set to M
 *
 * float32:   out[n][m] = act(sum_k in[n][k] * w[m][k] + bias[m])
 * quantized (bit-exact with LiteRT's builtin kernels):
 *   acc = sum_k (w[m][k] - w_zp) * (in[n][k] - in_zp) + bias[m]      int32 (int64 for int16)
 *   M_m = in_scale * w_scale[m] / out_scale: one value (per-tensor weights) or one per output
 *   unit (per-channel weights, worked out at eval from the model's scales, so the parameter
 *   block has a fixed size).
 *   int8 / uint8: out = clamp(acc * M_m + out_zp), M_m as a 32-bit fixed-point multiplier
 *     applied as LiteRT's GEMM (ruy) does: int8 as its x86 kernels, both roundings ties up
 *     (nn_mul_by_qm_ties_up); uint8 with one rounding (ruy's portable form); TFLite's
 *     double-rounding MultiplyByQuantizedMultiplier differs from both on ties;
 *   int16 (zero points 0): out = clamp(round(acc * M_m) + out_zp) in double, as LiteRT's
 *     int16 kernels do.
 *   int8 runs on the packed int8 GEMM (kernels/qgemm.h; weights packed once per model with
 *   their column sums; a weight zero point costs one more pass) in chunks of rows, each
 *   chunk's int32 accumulators requantized by kernels/qs8_ops.h with the same ties-up
 *   rounding: the loops' results bit for bit (tflc_qs8_force_level(TFLC_QS8_REFERENCE)
 *   keeps the loops, for tests). A small product (a [1, 4] x [2, 4] layer) skips the GEMM
 *   for the loops themselves, with every unit's multiplier worked out at prepare.
 * Shapes decide everything at prepare: the task split (one task, on the caller, below
 *   FC_SERIAL_MACS), the small path, the multipliers; eval only runs the kernels.
 * hybrid (TFLite's EvalHybridDense): every input row is quantized to int8 on its own
 *   (symmetric, or asymmetric with asymmetric_quantize_inputs), then
 *   out[n][m] = act(bias[m] + (float)(dot_int8 - zp_n * rowsum_m) * (scale_n * w_scale_m))
 *   with w_scale folded into scale_n first when the weights are per-tensor. With a SIMD int8
 *   GEMM (VNNI), the int8 dots run on it (weights packed once per model, shared with the
 *   int8 path's cache entry), or for one row on its GEMV (kernels/qs8_gemv.h); the int32
 *   dots are exact, and the float epilogue is the reference's, operation for operation: the
 *   same bits (TFLC_QS8_REFERENCE keeps the reference loops, for tests).
 */
#include "ops/nn_common.h"

#include "core/runner.h"
#include "core/weight_cache.h"
#include "ops/fusion.h"
#include "kernels/gemm.h"
#include "kernels/qs8_gemv.h"
#include "kernels/qs8_ops.h"

typedef enum fc_mode { FC_FLOAT, FC_QUANT, FC_HYBRID } fc_mode;

/* Below this many multiply-adds (batches * units * depth) an FC runs on the calling thread:
 * handing half of it to another core costs about what that core saves, and the cost is the
 * cores' distance. lstm_text_float32's step runs two 1 x 128 x 512 products (65536). On
 * Zen 4 (AMD: FC_SERIAL_MACS_AMD) splitting them at 2 threads took its invoke from 0.38 to
 * 0.28 ms (5 interleaved rounds at load ~1; a 131072 floor had measured the other way on a
 * machine at load 4-9, where a second thread is often not there). On Emerald Rapids, whose
 * cores meet over a mesh, the split made it slower: min of 3 rounds 351 us at 1 thread,
 * 405 us at 2 split, 365 us at 2 serial (FC_SERIAL_MACS). */
#define FC_SERIAL_MACS_AMD 16384
#define FC_SERIAL_MACS 131072

/* int8 with at most this many units and FC_SMALL_MACS multiply-adds runs fc_eval_q8_small:
 * a plain loop with the requantization fused, its per-unit multipliers in the parameters.
 * On the GEMM, a [1, 4] x [2, 4] product costs more in packing A, the int32 round trip and
 * the split than in arithmetic. */
#define FC_SMALL_UNITS 16
#define FC_SMALL_MACS 4096

typedef struct fc_params {
    int32_t batches;           /* N */
    int32_t depth;             /* K */
    int32_t units;             /* M */
    fc_mode mode;
    tflc_ops_act act;          /* float and hybrid */
    /* quantized */
    tflc_dtype in_dtype;
    int32_t in_zp, w_zp, out_zp;
    int32_t multiplier;        /* per-tensor weights */
    int shift;
    int32_t channels;          /* > 1: per-channel weights, w_scales[units] */
    float in_scale, out_scale;
    const float *w_scales;     /* the model's (weights tensor's quantization) */
    int32_t act_lo, act_hi;
    bool bias64;               /* int16 activations with an int64 bias */
    /* hybrid: scratch = scales [N] f32 | zps [N] i32 | row_sums [M] i32 | q [N*K] i8, then
     * on the int8 GEMM (q8_gemm set): packed weights (when not cached) at q8_packed_off and
     * q8_rows x M int32 dots at q8_acc_off */
    bool asymmetric;
    float w_scale;
    size_t off_zps, off_sums, off_q;
    /* float: the weights packed for the GEMM (kernels/gemm.h), cached on the model; NULL:
     * packed into scratch at each eval (weights that are not model constants). int8 on the
     * int8 GEMM likewise (kernels/qgemm.h) */
    const void *packed;
    bool weights_cold;         /* cached weights tflc_node_weights_cold says are out of L2 at
                                  each run (kernels/gemm.h: in place) */
    /* int8 on the int8 GEMM: scratch = multipliers [M] i32 | shifts [M] i32 | packed weights
     * (when not cached) | per thread q8_rows x M int32 accumulators */
    const tflc_qs8_config *q8;             /* NULL: the reference loops */
    const tflc_qgemm_s8_config *q8_gemm;   /* the config the weights are packed for */
    size_t q8_shift_off, q8_packed_off, q8_acc_off, q8_rows;
    int q8_threads;                        /* threads the scratch has room for (1: serial) */
    tflc_split q8_split;               /* the tasks, planned for q8_threads */
    /* float with packed weights: the task split, planned at prepare (tasks 1: serial) */
    tflc_gemm_f32_plan plan;
    int tasks;
    /* float: a residual ADD run on each block of the output (tflc_fc_fuse_residual); NULL:
     * none */
    const tflc_node *epilogue;
    /* int8, small (q8_small): the multiplier and shift of every unit, worked out at prepare */
    bool q8_small;
    int32_t small_mult[FC_SMALL_UNITS], small_shift[FC_SMALL_UNITS];
} fc_params;

static void fc_unit_multiplier(const fc_params *p, size_t m, int32_t *mult, int *shift);

/* Threads an FC of this size may use: 1 below the CPU's serial floor (FC_SERIAL_MACS). */
static int fc_threads(tflc_node *node, const fc_params *p) {
    const double macs = (double)p->batches * (double)p->units * (double)p->depth;
    const double serial_below = tflc_cpu_info_get()->amd ? FC_SERIAL_MACS_AMD : FC_SERIAL_MACS;
    return macs < serial_below ? 1 : tflc_node_num_threads(node);
}

/* ----------------------------------------------------------- prepare: shapes -- */

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

static tflc_status fc_shapes(tflc_node *node, fc_params *p, bool keep_num_dims) {
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
    tflc_status s = fc_batches(node, node->inputs[0], p->depth, &p->batches);
    return s != TFLC_OK ? s : fc_output_shape(node, p, keep_num_dims);
}

/* ---------------------------------------------------------- prepare: modes -- */

static tflc_status fc_prepare_float(tflc_node *node, fc_params *p) {
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    p->mode = FC_FLOAT;
    tflc_status s = tflc_ops_expect_dtype(node, node->inputs[1], "input", 1, TFLC_FLOAT32);
    if (s == TFLC_OK && bias) s = tflc_ops_expect_dtype(node, bias, "input", 2, TFLC_FLOAT32);
    if (s == TFLC_OK) s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    return s;
}

/* Scratch for the hybrid path; offsets keep every array aligned for its type. */
static void fc_hybrid_scratch(tflc_node *node, fc_params *p) {
    size_t n = (size_t)p->batches, m = (size_t)p->units, k = (size_t)p->depth;
    p->off_zps = n * sizeof(float);
    p->off_sums = p->off_zps + n * sizeof(int32_t);
    p->off_q = p->off_sums + m * sizeof(int32_t);
    node->scratch_bytes = p->off_q + n * k;
}

static tflc_status fc_prepare_hybrid(tflc_node *node, fc_params *p, const uint8_t *opts) {
    const tflc_tensor *w = node->inputs[1], *bias = tflc_ops_optional_input(node, 2);
    int32_t w_zp = 0;
    p->mode = FC_HYBRID;
    if (w->dtype != TFLC_INT8)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "hybrid float32 input with %s weights is not supported (int8 is)",
                              tflc_dtype_name(w->dtype));
    tflc_status s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    if (s == TFLC_OK && bias) s = tflc_ops_expect_dtype(node, bias, "input", 2, TFLC_FLOAT32);
    if (s == TFLC_OK) s = nn_quant_params(node, w, "hybrid weights (input 1)", true, &p->w_scale, &w_zp);
    if (s == TFLC_OK) s = nn_channel_quant(node, w, "weights (input 1)", 0, &p->channels);
    if (s != TFLC_OK) return s;
    if (w_zp != 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "hybrid weights with zero point %d are not supported (0 is)",
                              (int)w_zp);
    p->w_scales = tflc_ops_quant(w)->scales;
    p->asymmetric = opts && fb_u8(opts, FC_OPT_ASYMMETRIC_QUANTIZE_INPUTS, 0) != 0;
    return TFLC_OK;
}

static tflc_status fc_check_bias_q(tflc_node *node, fc_params *p) {
    const tflc_tensor *bias = tflc_ops_optional_input(node, 2);
    if (!bias) return TFLC_OK;
    if (p->in_dtype == TFLC_INT16 && bias->dtype == TFLC_INT64) {
        p->bias64 = true;
        return TFLC_OK;
    }
    if (bias->dtype == TFLC_INT32) return TFLC_OK;
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                          "bias (input 2) has dtype %s, expected int32%s",
                          tflc_dtype_name(bias->dtype),
                          p->in_dtype == TFLC_INT16 ? " or int64" : "");
}

static tflc_status fc_check_dtypes_q(tflc_node *node, const fc_params *p) {
    const tflc_tensor *w = node->inputs[1];
    tflc_status s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, p->in_dtype);
    if (s != TFLC_OK) return s;
    tflc_dtype want_w = p->in_dtype == TFLC_UINT8 ? TFLC_UINT8 : TFLC_INT8;
    if (w->dtype != want_w)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s input with %s weights is not supported (%s weights are)",
                              tflc_dtype_name(p->in_dtype), tflc_dtype_name(w->dtype),
                              tflc_dtype_name(want_w));
    return TFLC_OK;
}

static tflc_status fc_quant_scales(tflc_node *node, fc_params *p) {
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1], *out = node->outputs[0];
    float w_scale = 1.0f;
    tflc_status s = nn_quant_params(node, in, "input 0", false, &p->in_scale, &p->in_zp);
    if (s == TFLC_OK) s = nn_quant_params(node, w, "weights (input 1)", true, &w_scale, &p->w_zp);
    if (s == TFLC_OK) s = nn_quant_params(node, out, "output 0", false, &p->out_scale, &p->out_zp);
    if (s == TFLC_OK) s = nn_channel_quant(node, w, "weights (input 1)", 0, &p->channels);
    if (s != TFLC_OK) return s;
    if (p->in_dtype == TFLC_INT16 && (p->in_zp != 0 || p->out_zp != 0))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "int16 input and output need zero point 0, got %d and %d",
                              (int)p->in_zp, (int)p->out_zp);
    if (p->channels > 1 && p->in_dtype == TFLC_UINT8)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "per-channel weights are not supported with uint8 input");
    p->w_scales = tflc_ops_quant(w)->scales;
    nn_quantize_multiplier((double)p->in_scale * (double)w_scale / (double)p->out_scale,
                           &p->multiplier, &p->shift);
    return TFLC_OK;
}

static tflc_status fc_prepare_quant(tflc_node *node, fc_params *p, int act) {
    p->mode = FC_QUANT;
    p->in_dtype = node->inputs[0]->dtype;
    tflc_status s = fc_check_dtypes_q(node, p);
    if (s == TFLC_OK) s = fc_check_bias_q(node, p);
    if (s == TFLC_OK) s = fc_quant_scales(node, p);
    if (s != TFLC_OK) return s;
    return nn_act_range_q(node, act, p->in_dtype, p->out_scale, p->out_zp, &p->act_lo, &p->act_hi);
}

/* Float: the packed weights (or, for one batch row and large weights, the block that reads
 * them in place: gemm.h), from the model's cache when they are its constants. */
typedef struct fc_pack_args {
    const tflc_gemm_f32_config *cfg;
    size_t rows, n, k;
    bool cold, stream;
    const float *w;
} fc_pack_args;

static void fc_pack_weights(void *dst, const void *arg) {
    const fc_pack_args *a = arg;
    tflc_gemm_f32_weights_block(a->cfg, a->rows, a->n, a->k, a->cold, a->stream, a->w,
                                dst);
}

static void fc_prepare_gemm(tflc_node *node, fc_params *p) {
    const tflc_tensor *w = node->inputs[1];
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_get();
    const size_t rows = (size_t)p->batches, m = (size_t)p->units, k = (size_t)p->depth;
    const tflc_model *model = node->graph && node->graph->runner ? node->graph->runner->model
                                                                 : NULL;
    const bool cached = tflc_tensor_is_constant(w) && tflc_weight_cache_owns(model, w->data);
    p->weights_cold = cached && tflc_node_weights_cold(node);
    const size_t bytes = tflc_gemm_f32_weights_size(cfg, rows, m, k, p->weights_cold);
    p->packed = NULL;
    if (cached) {
        fc_pack_args args = {cfg, rows, m, k, p->weights_cold, tflc_node_weights_stream(node),
                             w->data};
        p->packed = tflc_weight_cache_get(model, w->data,
                                          TFLC_WCACHE_F32_GEMM_B | (uint32_t)cfg->isa << 8,
                                          bytes, fc_pack_weights, &args);
    }
    node->scratch_bytes = p->packed ? 0 : bytes;
    /* The split reads the packed block's config: planned here when the block exists now,
     * else at each eval once the weights are packed into scratch (tasks 0). */
    p->tasks = 0;
    if (p->packed) {
        const tflc_gemm_f32_args g = {(size_t)p->batches, m, k, NULL, k, p->packed, NULL, NULL,
                                      m, 0.0f, 0.0f, NULL, NULL};
        p->tasks = tflc_gemm_f32_plan_split(&g, fc_threads(node, p), &p->plan);
    }
}

typedef struct fc_q8_pack_args {
    const tflc_qgemm_s8_config *cfg;
    size_t n, k;
    const int8_t *w;
} fc_q8_pack_args;

static void fc_q8_pack_weights(void *dst, const void *arg) {
    const fc_q8_pack_args *a = arg;
    tflc_qgemm_s8_pack_b(a->cfg, a->n, a->k, a->w, a->k, true, dst);
}

/* Small int8 (FC_SMALL_UNITS, FC_SMALL_MACS): every unit's multiplier now, no scratch. */
static void fc_prepare_q8_small(tflc_node *node, fc_params *p) {
    for (size_t u = 0; u < (size_t)p->units; u++) {
        int sh;
        fc_unit_multiplier(p, u, &p->small_mult[u], &sh);
        p->small_shift[u] = sh;
    }
    p->q8_small = true;
    node->scratch_bytes = 0;
}

/* The int8 weights [m, k] packed for gcfg's GEMM, from the model's weight cache (one entry
 * shared by the int8 and hybrid paths and every runner), or NULL when they are not a model
 * constant (eval packs them into scratch then). */
static const void *fc_cached_q8_weights(const tflc_node *node, const tflc_qgemm_s8_config *gcfg,
                                        size_t m, size_t k, size_t packed_bytes) {
    const tflc_tensor *w = node->inputs[1];
    const tflc_model *model = node->graph && node->graph->runner ? node->graph->runner->model
                                                                 : NULL;
    if (!tflc_tensor_is_constant(w) || !tflc_weight_cache_owns(model, w->data)) return NULL;
    fc_q8_pack_args args = {gcfg, m, k, w->data};
    const void *packed = tflc_weight_cache_get(model, w->data,
                                               TFLC_WCACHE_QS8_GEMM_B | (uint32_t)gcfg->isa << 8,
                                               packed_bytes, fc_q8_pack_weights, &args);
    return packed && tflc_qgemm_s8_packed_is(packed, m, k) ? packed : NULL;
}

/* int8 activations: the int8 GEMM form and its scratch. Leaves p->q8 NULL (reference loops)
 * otherwise. */
static void fc_prepare_q8(tflc_node *node, fc_params *p) {
    const size_t n = (size_t)p->batches, m = (size_t)p->units, k = (size_t)p->depth;
    p->q8 = NULL;
    p->packed = NULL;
    p->q8_small = false;
    if (p->in_dtype != TFLC_INT8 || n == 0 || m == 0 || k == 0) return;
    const tflc_qs8_config *q8 = tflc_qs8_config_get();
    if (!q8) return;
    if (m <= FC_SMALL_UNITS && k <= FC_SMALL_MACS && n <= FC_SMALL_MACS / (m * k)) {
        fc_prepare_q8_small(node, p);
        return;
    }
    const tflc_qgemm_s8_config *gcfg = tflc_qs8_config_gemm(q8);
    const size_t packed_bytes = tflc_qgemm_s8_packed_size(gcfg, m, k);
    p->packed = fc_cached_q8_weights(node, gcfg, m, k, packed_bytes);
    p->q8_threads = fc_threads(node, p);
    p->q8_rows = tflc_qs8_chunk_rows(gcfg, n, m * sizeof(int32_t), p->q8_threads);
    p->q8_split = tflc_split_plan(n, m, p->q8_rows, gcfg->mr, gcfg->nr, p->q8_threads);
    p->q8_shift_off = tflc_arena_round(m * sizeof(int32_t));
    p->q8_packed_off = p->q8_shift_off + tflc_arena_round(m * sizeof(int32_t));
    p->q8_acc_off = p->q8_packed_off + (p->packed ? 0 : tflc_arena_round(packed_bytes));
    node->scratch_bytes = p->q8_acc_off + (size_t)p->q8_threads * p->q8_rows * m *
                                              sizeof(int32_t);
    p->q8 = q8;
    p->q8_gemm = gcfg;
}

/* Rows of hybrid dots computed per GEMM call (bounds the int32 buffer). */
#define FC_HYBRID_ROWS 64

/* Hybrid: the weights packed for the int8 GEMM (the same cache entry as the int8 path's),
 * and room for the dots. Leaves p->q8_gemm NULL (the reference loops) when the int8 fast
 * paths are off. */
static void fc_prepare_hybrid_gemm(tflc_node *node, fc_params *p) {
    const size_t n = (size_t)p->batches, m = (size_t)p->units, k = (size_t)p->depth;
    p->q8_gemm = NULL;
    p->packed = NULL;
    const tflc_qs8_config *q8 = tflc_qs8_config_get();
    if (!q8 || n == 0 || m == 0 || k == 0) return;
    const tflc_qgemm_s8_config *gcfg = tflc_qs8_config_gemm(q8);
    /* Only with a SIMD int8 GEMM: the portable GEMM's tile is slower than the reference loop,
     * which the compiler vectorizes (lstm_text_int8 at TFLC_ISA=avx2: 3.6 ms against 3.2). */
    if (gcfg->isa == TFLC_ISA_SCALAR) return;
    const size_t packed_bytes = tflc_qgemm_s8_packed_size(gcfg, m, k);
    p->packed = fc_cached_q8_weights(node, gcfg, m, k, packed_bytes);
    p->q8_rows = n < FC_HYBRID_ROWS ? n : FC_HYBRID_ROWS;
    p->q8_packed_off = tflc_arena_round(node->scratch_bytes);
    p->q8_acc_off = p->q8_packed_off + (p->packed ? 0 : tflc_arena_round(packed_bytes));
    node->scratch_bytes = p->q8_acc_off + p->q8_rows * m * sizeof(int32_t);
    p->q8_gemm = gcfg;
}

static tflc_status fc_prepare(tflc_node *node) {
    fc_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 3, 1);
    if (s != TFLC_OK) return s;
    const uint8_t *opts = tflc_ops_options(node, BO_FullyConnected);
    int8_t format = opts ? fb_i8(opts, FC_OPT_WEIGHTS_FORMAT, 0) : 0;
    int act = opts ? fb_i8(opts, FC_OPT_ACTIVATION, 0) : ACT_NONE;
    bool keep_num_dims = opts && fb_u8(opts, FC_OPT_KEEP_NUM_DIMS, 0) != 0;
    if (format != 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "weights_format %d (shuffled) is not supported", format);
    const tflc_tensor *in = node->inputs[0], *w = node->inputs[1];
    if (in->dtype == TFLC_FLOAT32 && w->dtype == TFLC_FLOAT32) s = fc_prepare_float(node, p);
    else if (in->dtype == TFLC_FLOAT32) s = fc_prepare_hybrid(node, p, opts);
    else if (nn_is_qint(in->dtype)) s = fc_prepare_quant(node, p, act);
    else
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported (float32, int8, uint8, int16 are)",
                              tflc_dtype_name(in->dtype));
    if (s == TFLC_OK && p->mode != FC_QUANT) s = tflc_ops_act_f32(node, act, &p->act);
    if (s == TFLC_OK) s = fc_shapes(node, p, keep_num_dims);
    if (s == TFLC_OK && p->mode == FC_HYBRID) {
        fc_hybrid_scratch(node, p);
        fc_prepare_hybrid_gemm(node, p);
    }
    if (s == TFLC_OK && p->mode == FC_FLOAT) fc_prepare_gemm(node, p);
    if (s == TFLC_OK && p->mode == FC_QUANT) fc_prepare_q8(node, p);
    return s;
}

/* ----------------------------------------------------------------- eval: float -- */

typedef struct fc_gemm_job {
    tflc_gemm_f32_args g;
    const tflc_gemm_f32_plan *plan;
} fc_gemm_job;

static void fc_gemm_task(void *ctx, int task, int thread) {
    const fc_gemm_job *j = ctx;
    (void)thread;
    tflc_gemm_f32_task(&j->g, j->plan, task);
}

/* out = act(in * w^T + bias) on the packed GEMM: rows = batches, columns = units. Each output
 * is the reference's k-ordered sum then + bias; only FMA rounding differs (none with
 * TFLC_ISA=scalar). */
static void fc_eval_float_gemm(tflc_node *node, const fc_params *p, const float *in,
                               const float *w, const float *bias, float *out) {
    const size_t n = (size_t)p->batches, m = (size_t)p->units, k = (size_t)p->depth;
    const void *packed = p->packed;
    if (!packed) {
        tflc_gemm_f32_weights_block(tflc_gemm_f32_config_get(), n, m, k, p->weights_cold, false,
                                    w, node->scratch);
        packed = node->scratch;
    }
    const tflc_gemm_f32_args g = {n, m, k, in, k, packed, bias, out, m, p->act.min, p->act.max,
                                  p->epilogue ? tflc_epilogue_block : NULL, p->epilogue};
    if (p->tasks == 1) {
        tflc_gemm_f32_range(&g, 0, n, 0, m);
    } else {
        tflc_gemm_f32_plan plan = p->plan;
        const int tasks = p->tasks ? p->tasks
                                   : tflc_gemm_f32_plan_split(&g, fc_threads(node, p), &plan);
        fc_gemm_job j = {g, &plan};
        tflc_node_parallel_for(node, tasks, fc_gemm_task, &j);
    }
    if (p->act.kind == ACT_TANH) tflc_ops_apply_act_f32_n(&p->act, out, n * m);
}

/* ------------------------------------------------------------- eval: quantized -- */

/* sum_k (w[k] - w_zp) * (x[k] - x_zp) for 8-bit activations and weights. */
static int32_t fc_dot_i8(const int8_t *w, const int8_t *x, size_t k_n, int32_t w_zp, int32_t x_zp) {
    int64_t acc = 0;
    for (size_t k = 0; k < k_n; k++) acc += ((int32_t)w[k] - w_zp) * ((int32_t)x[k] - x_zp);
    return nn_wrap32(acc);
}

static int32_t fc_dot_u8(const uint8_t *w, const uint8_t *x, size_t k_n, int32_t w_zp,
                         int32_t x_zp) {
    int64_t acc = 0;
    for (size_t k = 0; k < k_n; k++) acc += ((int32_t)w[k] - w_zp) * ((int32_t)x[k] - x_zp);
    return nn_wrap32(acc);
}

/* int16 activations (zero point 0) against int8 weights, in 64 bits as TFLite does. */
static int64_t fc_dot_i16(const int8_t *w, const int16_t *x, size_t k_n, int32_t w_zp) {
    int64_t acc = 0;
    for (size_t k = 0; k < k_n; k++) acc += (int64_t)((int32_t)w[k] - w_zp) * x[k];
    return acc;
}

/* The multiplier of output unit m: the per-tensor one, or in_scale * w_scale[m] / out_scale
 * for per-channel weights (as TFLite's prepare computes it, in double). */
static void fc_unit_multiplier(const fc_params *p, size_t m, int32_t *mult, int *shift) {
    if (p->channels <= 1) {
        *mult = p->multiplier;
        *shift = p->shift;
        return;
    }
    nn_quantize_multiplier((double)p->in_scale * (double)p->w_scales[m] / (double)p->out_scale,
                           mult, shift);
}

/* in_scale * w_scale[m] / out_scale in double (int16 activations rescale with it). */
static double fc_unit_scale(const fc_params *p, size_t m) {
    const float ws = p->channels > 1 ? p->w_scales[m] : p->w_scales[0];
    return (double)p->in_scale * (double)ws / (double)p->out_scale;
}

static int64_t fc_bias_q(const fc_params *p, const void *bias, size_t m) {
    if (!bias) return 0;
    return p->bias64 ? ((const int64_t *)bias)[m] : ((const int32_t *)bias)[m];
}

static int64_t fc_unit_q(const fc_params *p, const void *in, const void *w, size_t n, size_t m,
                         int64_t bias, int32_t mult, int shift) {
    const size_t k_n = (size_t)p->depth;
    switch (p->in_dtype) {
    case TFLC_INT8: {
        int32_t acc = fc_dot_i8((const int8_t *)w + m * k_n, (const int8_t *)in + n * k_n, k_n,
                                p->w_zp, p->in_zp);
        acc = nn_wrap32((int64_t)acc + bias);
        return (int64_t)nn_mul_by_qm_ties_up(acc, mult, shift) + p->out_zp;
    }
    case TFLC_UINT8: {
        int32_t acc = fc_dot_u8((const uint8_t *)w + m * k_n, (const uint8_t *)in + n * k_n, k_n,
                                p->w_zp, p->in_zp);
        acc = nn_wrap32((int64_t)acc + bias);
        return (int64_t)nn_mul_by_qm_single(acc, mult, shift) + p->out_zp;
    }
    default: {
        int64_t acc = fc_dot_i16((const int8_t *)w + m * k_n, (const int16_t *)in + n * k_n, k_n,
                                 p->w_zp);
        acc = (int64_t)((uint64_t)acc + (uint64_t)bias);          /* wraps, never UB */
        return (int64_t)nn_scale_round_f64(acc, fc_unit_scale(p, m)) + p->out_zp;
    }
    }
}

static void fc_eval_quant(const fc_params *p, const void *in, const void *w, const void *bias,
                          void *out) {
    const size_t m_n = (size_t)p->units;
    for (size_t m = 0; m < m_n; m++) {
        int32_t mult;
        int shift;
        fc_unit_multiplier(p, m, &mult, &shift);
        const int64_t b = fc_bias_q(p, bias, m);
        for (size_t n = 0; n < (size_t)p->batches; n++) {
            int64_t v = fc_unit_q(p, in, w, n, m, b, mult, shift);
            nn_store_q(out, n * m_n + m, p->in_dtype, nn_clamp_i32(v, p->act_lo, p->act_hi));
        }
    }
}

/* The int8 loops of fc_eval_quant for a small product (fc_prepare_q8_small): the same
 * accumulator modulo 2^32 (summed in uint32, which wraps as nn_wrap32 does), the same
 * ties-up requantization with the multipliers prepare worked out. */
static void fc_eval_q8_small(const fc_params *p, const int8_t *in, const int8_t *w,
                             const int32_t *bias, int8_t *out) {
    const size_t n_n = (size_t)p->batches, m_n = (size_t)p->units, k_n = (size_t)p->depth;
    const int32_t w_zp = p->w_zp, x_zp = p->in_zp;
    for (size_t n = 0; n < n_n; n++) {
        const int8_t *x = in + n * k_n;
        for (size_t m = 0; m < m_n; m++) {
            const int8_t *wm = w + m * k_n;
            uint32_t acc = bias ? (uint32_t)bias[m] : 0u;
            for (size_t k = 0; k < k_n; k++)
                acc += (uint32_t)(((int32_t)wm[k] - w_zp) * ((int32_t)x[k] - x_zp));
            const int64_t v =
                (int64_t)nn_mul_by_qm_ties_up((int32_t)acc, p->small_mult[m], p->small_shift[m]);
            out[n * m_n + m] = (int8_t)nn_clamp_i32(v + p->out_zp, p->act_lo, p->act_hi);
        }
    }
}

/* ------------------------------------------------------ eval: int8 on the GEMM -- */

typedef struct fc_q8_job {
    const int8_t *in;
    int8_t *out;
    int32_t *acc;                          /* thread t's: acc + t * chunk * M */
    size_t k, m, n;
    tflc_split split;
    tflc_qs8_gemm_rq g;
} fc_q8_job;

static void fc_q8_task(void *ctx, int task, int thread) {
    const fc_q8_job *j = ctx;
    const size_t chunk = j->split.chunk;
    size_t r0, c0;
    tflc_split_task(&j->split, task, &r0, &c0);
    const size_t count = j->n - r0 < chunk ? j->n - r0 : chunk;
    tflc_qs8_gemm_requant(&j->g, count, j->in + r0 * j->k, j->k, j->out + r0 * j->m, j->m, c0,
                          c0 + j->split.col_step, j->acc + (size_t)thread * chunk * j->m);
}

/* The int8 loops of fc_eval_quant on the int8 GEMM: the same accumulators (modulo 2^32) and
 * the same ties-up requantization per unit. */
static void fc_eval_q8(tflc_node *node, const fc_params *p, const int8_t *in, const int8_t *w,
                       const int32_t *bias, int8_t *out) {
    const size_t n = (size_t)p->batches, m = (size_t)p->units, k = (size_t)p->depth;
    unsigned char *scratch = node->scratch;
    int32_t *mult = (int32_t *)(void *)scratch;
    int32_t *shift = (int32_t *)(void *)(scratch + p->q8_shift_off);
    for (size_t u = 0; u < m; u++) {
        int sh;
        fc_unit_multiplier(p, u, &mult[u], &sh);
        shift[u] = sh;
    }
    const void *packed = p->packed;
    if (!packed) {
        tflc_qgemm_s8_pack_b(p->q8_gemm, m, k, w, k, true, scratch + p->q8_packed_off);
        packed = scratch + p->q8_packed_off;
    }
    const tflc_qs8_requant rq = {mult, shift, p->out_zp, p->act_lo, p->act_hi,
                                 TFLC_QS8_ROUND_TIES_UP, 0};
    fc_q8_job j = {
        .in = in, .out = out, .acc = (int32_t *)(void *)(scratch + p->q8_acc_off),
        .k = k, .m = m, .n = n,
        .g = {m, k, packed, bias, p->in_zp, &rq, p->q8, p->w_zp},
    };
    /* Parallel only when the scratch has an accumulator block for every pool thread. */
    const bool parallel = p->q8_threads > 1 && tflc_node_num_threads(node) <= p->q8_threads;
    j.split = p->q8_split;
    const int tasks = j.split.row_tasks * j.split.col_tasks;
    if (parallel) tflc_node_parallel_for(node, tasks, fc_q8_task, &j);
    else for (int t = 0; t < tasks; t++) fc_q8_task(&j, t, 0);
}

/* ---------------------------------------------------------------- eval: hybrid -- */

/* One input row's outputs from its exact int32 dots, in nn_hybrid_matmul_acc's operation
 * order: out starts at the bias (or 0), then += (float)dot * scale, where dot takes off
 * zp * row_sum (modulo 2^32) and scale is row_scale, times the unit's weight scale when the
 * weights are per-channel. Each case a loop of its own, without branches, so it vectorizes;
 * dots is [M], rewritten in place. */
static void fc_hybrid_row_out(const fc_params *p, int32_t *restrict dots,
                              const int32_t *restrict sums, int32_t zp, float row_scale,
                              const float *restrict bias, float *restrict out) {
    const size_t m_n = (size_t)p->units;
    const float *restrict channel = p->channels > 1 ? p->w_scales : NULL;
    if (zp && sums)
        for (size_t m = 0; m < m_n; m++)
            dots[m] = (int32_t)((uint32_t)dots[m] - (uint32_t)zp * (uint32_t)sums[m]);
    if (channel && bias)
        for (size_t m = 0; m < m_n; m++)
            out[m] = bias[m] + (float)dots[m] * (channel[m] * row_scale);
    else if (channel)
        for (size_t m = 0; m < m_n; m++) out[m] = 0.0f + (float)dots[m] * (channel[m] * row_scale);
    else if (bias)
        for (size_t m = 0; m < m_n; m++) out[m] = bias[m] + (float)dots[m] * row_scale;
    else
        for (size_t m = 0; m < m_n; m++) out[m] = 0.0f + (float)dots[m] * row_scale;
}

/* The int8 dots on the packed GEMM: one row through the GEMV with the row's zero point
 * folded in; more rows in chunks with zero point 0, then zp * colsum taken off per row. */
static void fc_hybrid_gemm(const fc_params *p, unsigned char *scratch, const int8_t *w,
                           const int8_t *q, const float *scales, const int32_t *zps,
                           int32_t *sums, const float *bias, float *out) {
    const size_t n_n = (size_t)p->batches, m_n = (size_t)p->units, k_n = (size_t)p->depth;
    const void *packed = p->packed;
    int32_t *acc = (int32_t *)(void *)(scratch + p->q8_acc_off);
    if (!packed) {
        tflc_qgemm_s8_pack_b(p->q8_gemm, m_n, k_n, w, k_n, true, scratch + p->q8_packed_off);
        packed = scratch + p->q8_packed_off;
    }
    if (n_n == 1) {
        tflc_qs8_gemv(m_n, k_n, q, p->asymmetric ? zps[0] : 0, packed, NULL, acc);
        fc_hybrid_row_out(p, acc, NULL, 0, scales[0], bias, out);
        return;
    }
    if (p->asymmetric) tflc_qgemm_s8_packed_col_sums(packed, m_n, k_n, sums);
    for (size_t r0 = 0; r0 < n_n; r0 += p->q8_rows) {
        const size_t rows = n_n - r0 < p->q8_rows ? n_n - r0 : p->q8_rows;
        tflc_qgemm_s8(rows, m_n, k_n, q + r0 * k_n, k_n, 0, packed, NULL, acc, m_n);
        for (size_t i = 0; i < rows; i++)
            fc_hybrid_row_out(p, acc + i * m_n, p->asymmetric ? sums : NULL,
                              p->asymmetric ? zps[r0 + i] : 0, scales[r0 + i], bias,
                              out + (r0 + i) * m_n);
    }
}

static void fc_eval_hybrid(const fc_params *p, void *scratch, const float *in, const int8_t *w,
                           const float *bias, float *out) {
    const size_t n_n = (size_t)p->batches, m_n = (size_t)p->units, k_n = (size_t)p->depth;
    float *scales = scratch;
    int32_t *zps = (int32_t *)((char *)scratch + p->off_zps);
    int32_t *sums = (int32_t *)((char *)scratch + p->off_sums);
    int8_t *q = (int8_t *)((char *)scratch + p->off_q);

    if (k_n == 0 || n_n == 0 || m_n == 0) {
        for (size_t n = 0; n < n_n; n++)
            for (size_t m = 0; m < m_n; m++) out[n * m_n + m] = bias ? bias[m] : 0.0f;
        tflc_ops_apply_act_f32_n(&p->act, out, n_n * m_n);
        return;
    }
    nn_quantize_rows(in, n_n, k_n, q, scales, zps, p->asymmetric);
    if (p->channels <= 1)
        for (size_t n = 0; n < n_n; n++) scales[n] *= p->w_scale;
    if (p->q8_gemm) {
        fc_hybrid_gemm(p, scratch, w, q, scales, zps, sums, bias, out);
        tflc_ops_apply_act_f32_n(&p->act, out, n_n * m_n);
        return;
    }
    for (size_t n = 0; n < n_n; n++)
        for (size_t m = 0; m < m_n; m++) out[n * m_n + m] = bias ? bias[m] : 0.0f;
    if (p->asymmetric) nn_row_sums(w, m_n, k_n, sums);
    const nn_hybrid_mm mm = {
        .w = w, .rows = m_n, .depth = k_n, .x = q, .batches = n_n, .scales = scales,
        .zps = p->asymmetric ? zps : NULL, .row_sums = p->asymmetric ? sums : NULL,
        .channel = p->channels > 1 ? p->w_scales : NULL, .out = out, .out_stride = m_n,
    };
    nn_hybrid_matmul_acc(&mm);
    tflc_ops_apply_act_f32_n(&p->act, out, n_n * m_n);
}

static tflc_status fc_eval(tflc_node *node) {
    const fc_params *p = node->params;
    const tflc_tensor *bias_t = tflc_ops_optional_input(node, 2);
    const void *in = node->inputs[0]->data, *w = node->inputs[1]->data;
    const void *bias = bias_t ? bias_t->data : NULL;
    void *out = node->outputs[0]->data;
    switch (p->mode) {
    case FC_FLOAT: fc_eval_float_gemm(node, p, in, w, bias, out); break;
    case FC_QUANT:
        if (p->q8_small) fc_eval_q8_small(p, in, w, bias, out);
        else if (p->q8) fc_eval_q8(node, p, in, w, bias, out);
        else fc_eval_quant(p, in, w, bias, out);
        break;
    case FC_HYBRID: fc_eval_hybrid(p, node->scratch, in, w, bias, out); break;
    }
    return TFLC_OK;
}

/* ------------------------------------------------------- residual fusion -- */

bool tflc_fc_fuse_residual(tflc_node *node, tflc_node *add, int x_slot) {
    if (node->kernel != &tflc_kernel_fully_connected) return false;
    fc_params *p = node->params;
    /* TANH and SIGN_BIT are applied after the GEMM, so an epilogue would come before them */
    if (p->mode != FC_FLOAT || p->epilogue || p->act.kind == ACT_TANH || p->act.kind == ACT_SIGN_BIT ||
        !tflc_add_fuse_residual(add, node, x_slot))
        return false;
    p->epilogue = add;
    return true;
}

const tflc_kernel tflc_kernel_fully_connected = {
    .name = "FULLY_CONNECTED",
    .params_size = sizeof(fc_params),
    .prepare = fc_prepare,
    .eval = fc_eval,
};
