/*
 * batch_matmul.c -- BATCH_MATMUL: float32, int8 (int8 or int32 output), int16, int16 x int8,
 * and hybrid (float32 lhs, int8 rhs), as TFLite's reference kernel (LiteRT's builtin).
 *
 *   lhs [..., R, K]  (adj_x: [..., K, R])     rhs [..., K, C]  (adj_y: [..., C, K])
 *   out [..., R, C], the batch dims ("...") broadcast numpy-style; ranks 2 to 8.
 *
 * float32:  out[b][r][c] = sum_k lhs(b, r, k) * rhs(b, k, c), summed in k order, on the
 *   packed GEMM; a TRANSPOSE feeding an operand, or reading the output, may be fused in as
 *   a strided view of its tensor (ops/fusion.h; bmm_params' lda / ldb / ldc and views).
 * quantized (per-tensor; int16 with zero points 0):
 *   acc = sum_k (lhs - lhs_zp) * (rhs - rhs_zp)       int32 (int64 when either side is int16)
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, lhs_scale * rhs_scale / out_scale) + out_zp)
 *   int8 x int8 -> int32: the raw sum of products, without zero points (as TFLite).
 *   int8 x int8 runs on the packed int8 GEMM (kernels/qgemm.h), one GEMM per output matrix
 *   (an adj_x lhs transposed into scratch first; a constant rhs packed once per model; an
 *   rhs zero point costs one more pass): int8 outputs requantized by kernels/qs8_ops.h
 *   exactly as above, int32 outputs written by the GEMM directly. Bit for bit the loops'
 *   results (tflc_qs8_force_level(TFLC_QS8_REFERENCE) keeps the loops, for tests).
 * hybrid: each lhs row (K values) is quantized to int8 on its own (symmetric, or asymmetric
 *   with asymmetric_quantize_inputs), then out = (float)(dot - zp_row * colsum_c) * scale_row *
 *   rhs_scale(c); rhs_scale is per tensor or per output column (C). The dots run on the
 *   packed int8 GEMM (rhs packed as the int8 path packs it, the column sums read from the
 *   packing), exact, then the same float epilogue: the loops' bits.
 */
#include <limits.h>
#include <string.h>

#include "ops/nn_common.h"
#include "ops/shape_common.h"
#include "ops/fusion.h"

#include "core/runner.h"
#include "core/weight_cache.h"
#include "kernels/gemm.h"
#include "kernels/qs8_gemv.h"
#include "kernels/qs8_ops.h"

#define BMM_MAX_BATCH (TFLC_MAX_RANK - 2)

typedef enum bmm_mode { BMM_FLOAT, BMM_Q8, BMM_Q8_I32, BMM_Q16, BMM_HYBRID } bmm_mode;

typedef struct bmm_params {
    bmm_mode mode;
    bool adj_x, adj_y;
    int32_t rows, depth, cols;              /* R, K, C */
    int n_batch;                            /* output batch dims */
    int32_t batch_dims[BMM_MAX_BATCH];
    int64_t lhs_bstride[BMM_MAX_BATCH];     /* in matrices; 0 along broadcast dims */
    int64_t rhs_bstride[BMM_MAX_BATCH];
    size_t out_batches, lhs_mats, rhs_mats;
    tflc_dtype lhs_dtype, rhs_dtype, out_dtype;
    int32_t lhs_zp, rhs_zp, out_zp;
    int32_t multiplier;
    int shift;
    int32_t out_lo, out_hi;
    /* hybrid: scratch = scales [L*R] f32 | zps [L*R] i32 | sums [Rm*C] i32 | lhsT f32 | q i8 */
    bool asymmetric;
    float rhs_scale;
    const float *rhs_channel;               /* [C] or NULL */
    size_t off_zps, off_sums, off_lhs_t, off_q;
    size_t off_hy_packed, off_hy_acc;       /* hybrid on the int8 GEMM (q8_gemm set): packed
                                               rhs (when not cached), q8_rows x C int32 dots */
    /* float: every rhs matrix packed for the GEMM (kernels/gemm.h), packed_bytes apart;
     * cached on the model for a constant rhs, else packed into scratch at each eval. An
     * adj_x lhs is transposed into scratch (off_lhs_t, one matrix) first. */
    const unsigned char *packed;
    size_t packed_bytes;
    /* float: where the matrices are, in floats. Row strides of the lhs (contiguous along K),
     * the rhs (contiguous along C, or along K when rhs_nk: [C, K] rows) and the output
     * (contiguous along C); per output batch dim, the offset of one step in each (0 along a
     * broadcast dim). Dense tensors, unless a TRANSPOSE next to the node was fused in
     * (tflc_bmm_fuse_input_transpose, tflc_bmm_fuse_output_transpose): then lhs_src /
     * rhs_src is the transpose's input, read through the view, or the output is the
     * transpose's, written through it. */
    size_t lda, ldb, ldc;
    bool rhs_nk;
    int64_t lhs_view[BMM_MAX_BATCH], rhs_view[BMM_MAX_BATCH], out_view[BMM_MAX_BATCH];
    const tflc_tensor *lhs_src, *rhs_src;
    bool out_fused;
    const tflc_node *epilogue;              /* float: run on each block of the output, or NULL
                                               (tflc_bmm_fuse_epilogue) */
    /* int8 on the int8 GEMM (BMM_Q8, BMM_Q8_I32): packed / packed_bytes / off_lhs_t as the
     * float path; scratch = packed rhs (when not cached) | lhs^T | multipliers [C] i32 |
     * shifts [C] i32 | per thread q8_rows x C int32 accumulators (BMM_Q8) */
    const tflc_qs8_config *q8;             /* NULL: the reference loops */
    const tflc_qgemm_s8_config *q8_gemm;
    size_t q8_mult_off, q8_shift_off, q8_acc_off, q8_rows;
    int q8_threads;
} bmm_params;

/* ---------------------------------------------------------------- shapes -- */

static tflc_status bmm_batch_shape(tflc_node *node, bmm_params *p, int32_t *dims, int rank) {
    const tflc_tensor *a = node->inputs[0], *b = node->inputs[1];
    int64_t sa = 1, sb = 1;
    p->n_batch = rank - 2;
    for (int d = p->n_batch - 1; d >= 0; d--) {
        int ia = d - (rank - a->rank), ib = d - (rank - b->rank);
        int32_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            char s1[TFLC_OPS_SHAPE_BUF], s2[TFLC_OPS_SHAPE_BUF];
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "batch dimensions of %s and %s cannot be broadcast together",
                                  tflc_ops_shape_str(a->dims, a->rank, s1, sizeof s1),
                                  tflc_ops_shape_str(b->dims, b->rank, s2, sizeof s2));
        }
        dims[d] = p->batch_dims[d] = da == 1 ? db : da;
        p->lhs_bstride[d] = da == 1 ? 0 : sa;
        p->rhs_bstride[d] = db == 1 ? 0 : sb;
        sa *= da;
        sb *= db;
    }
    p->lhs_mats = (size_t)sa;
    p->rhs_mats = (size_t)sb;
    p->out_batches = tflc_shape_count(dims, p->n_batch);
    return TFLC_OK;
}

static tflc_status bmm_shapes(tflc_node *node, bmm_params *p) {
    const tflc_tensor *a = node->inputs[0], *b = node->inputs[1];
    char s1[TFLC_OPS_SHAPE_BUF], s2[TFLC_OPS_SHAPE_BUF];
    if (a->rank < 2 || b->rank < 2)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "inputs need rank 2 or more, got %s and %s",
                              tflc_ops_shape_str(a->dims, a->rank, s1, sizeof s1),
                              tflc_ops_shape_str(b->dims, b->rank, s2, sizeof s2));
    const int32_t ar = a->dims[a->rank - 2], ac = a->dims[a->rank - 1];
    const int32_t br = b->dims[b->rank - 2], bc = b->dims[b->rank - 1];
    p->rows = p->adj_x ? ac : ar;
    p->depth = p->adj_x ? ar : ac;
    p->cols = p->adj_y ? br : bc;
    if ((p->adj_y ? bc : br) != p->depth)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "inner dimensions differ: lhs %s (adj_x %d) and rhs %s (adj_y %d)",
                              tflc_ops_shape_str(a->dims, a->rank, s1, sizeof s1), p->adj_x,
                              tflc_ops_shape_str(b->dims, b->rank, s2, sizeof s2), p->adj_y);
    int rank = a->rank > b->rank ? a->rank : b->rank;
    int32_t dims[TFLC_MAX_RANK];
    tflc_status s = bmm_batch_shape(node, p, dims, rank);
    if (s != TFLC_OK) return s;
    dims[rank - 2] = p->rows;
    dims[rank - 1] = p->cols;
    return tflc_node_set_output_shape(node, 0, dims, rank);
}

/* ---------------------------------------------------------------- prepare -- */

static tflc_status bmm_prepare_quant(tflc_node *node, bmm_params *p) {
    float ls = 1.0f, rs = 1.0f, os = 1.0f;
    tflc_status s = nn_quant_params(node, node->inputs[0], "input 0", false, &ls, &p->lhs_zp);
    if (s == TFLC_OK) s = nn_quant_params(node, node->inputs[1], "input 1", false, &rs, &p->rhs_zp);
    if (s != TFLC_OK) return s;
    if (p->out_dtype == TFLC_INT32 && p->lhs_dtype == TFLC_INT8 && p->rhs_dtype == TFLC_INT8) {
        p->mode = BMM_Q8_I32;                /* TFLite sums raw products: zero points unused */
        p->lhs_zp = p->rhs_zp = 0;
        return TFLC_OK;
    }
    if (p->out_dtype != p->lhs_dtype)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output 0 has dtype %s, expected %s",
                              tflc_dtype_name(p->out_dtype), tflc_dtype_name(p->lhs_dtype));
    s = nn_quant_params(node, node->outputs[0], "output 0", false, &os, &p->out_zp);
    if (s != TFLC_OK) return s;
    if (p->lhs_dtype == TFLC_INT16 && p->rhs_dtype == TFLC_INT16 &&
        (p->lhs_zp != 0 || p->rhs_zp != 0 || p->out_zp != 0))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "int16 inputs and output need zero point 0");
    p->mode = p->lhs_dtype == TFLC_INT8 ? BMM_Q8 : BMM_Q16;
    tflc_ops_int_range(p->out_dtype, &p->out_lo, &p->out_hi);
    nn_quantize_multiplier((double)ls * (double)rs / (double)os, &p->multiplier, &p->shift);
    return TFLC_OK;
}

static void bmm_hybrid_scratch(tflc_node *node, bmm_params *p) {
    const size_t lrows = p->lhs_mats * (size_t)p->rows, k = (size_t)p->depth;
    p->off_zps = lrows * sizeof(float);
    p->off_sums = p->off_zps + lrows * sizeof(int32_t);
    p->off_lhs_t = p->off_sums + p->rhs_mats * (size_t)p->cols * sizeof(int32_t);
    p->off_q = p->off_lhs_t + (p->adj_x ? lrows * k * sizeof(float) : 0);
    node->scratch_bytes = p->off_q + lrows * k;
}

static void bmm_prepare_hybrid_gemm(tflc_node *node, bmm_params *p);

static tflc_status bmm_prepare_hybrid(tflc_node *node, bmm_params *p, const uint8_t *opts) {
    const tflc_tensor *b = node->inputs[1];
    int32_t zp = 0, channels = 0;
    tflc_status s = tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    if (s == TFLC_OK) s = nn_quant_params(node, b, "hybrid rhs (input 1)", true, &p->rhs_scale, &zp);
    if (s == TFLC_OK)
        s = nn_channel_quant(node, b, "rhs (input 1)", p->adj_y ? b->rank - 2 : b->rank - 1,
                             &channels);
    if (s != TFLC_OK) return s;
    if (zp != 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "hybrid rhs with zero point %d is not supported (0 is)", (int)zp);
    p->rhs_channel = channels > 1 ? tflc_ops_quant(b)->scales : NULL;
    p->asymmetric = opts && fb_u8(opts, BMM_OPT_ASYMMETRIC_QUANTIZE_INPUTS, 0) != 0;
    p->mode = BMM_HYBRID;
    bmm_hybrid_scratch(node, p);
    bmm_prepare_hybrid_gemm(node, p);
    return TFLC_OK;
}

/* Packs rhs matrix `b` (rows p->ldb apart: [K, C], or [C, K] when rhs_nk) as the GEMM's B. */
static void bmm_pack_rhs(const bmm_params *p, const tflc_gemm_f32_config *cfg, const float *b,
                         void *dst) {
    const size_t K = (size_t)p->depth, C = (size_t)p->cols;
    tflc_gemm_f32_pack_b(cfg, C, K, b, p->ldb, p->rhs_nk, dst);
}

/* The dense layout: matrices one after another, each operand's along its own batch dims. */
static void bmm_dense_views(bmm_params *p) {
    const int64_t R = p->rows, K = p->depth, C = p->cols;
    p->lda = (size_t)K;
    p->ldb = (size_t)(p->adj_y ? K : C);
    p->rhs_nk = p->adj_y;
    p->ldc = (size_t)C;
    int64_t out = R * C;
    for (int d = p->n_batch - 1; d >= 0; d--) {
        p->lhs_view[d] = p->lhs_bstride[d] * R * K;
        p->rhs_view[d] = p->rhs_bstride[d] * K * C;
        p->out_view[d] = out;
        out *= p->batch_dims[d];
    }
}

typedef struct bmm_pack_args {
    const bmm_params *p;
    const tflc_gemm_f32_config *cfg;
    const float *b;
} bmm_pack_args;

static void bmm_pack_all(void *dst, const void *arg) {
    const bmm_pack_args *a = arg;
    const size_t KC = (size_t)a->p->depth * (size_t)a->p->cols;
    for (size_t m = 0; m < a->p->rhs_mats; m++)
        bmm_pack_rhs(a->p, a->cfg, a->b + m * KC, (unsigned char *)dst + m * a->p->packed_bytes);
}

static void bmm_prepare_gemm(tflc_node *node, bmm_params *p) {
    const tflc_tensor *b = node->inputs[1];
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_get();
    const size_t K = (size_t)p->depth, C = (size_t)p->cols, R = (size_t)p->rows;
    const tflc_model *model = node->graph && node->graph->runner ? node->graph->runner->model
                                                                 : NULL;
    p->packed_bytes = (tflc_gemm_f32_packed_size(cfg, C, K) + 63) / 64 * 64;
    p->packed = NULL;
    bmm_dense_views(p);
    if (tflc_tensor_is_constant(b) && tflc_weight_cache_owns(model, b->data)) {
        bmm_pack_args args = {p, cfg, b->data};
        p->packed = tflc_weight_cache_get(model, b->data,
                                          TFLC_WCACHE_F32_GEMM_B | (uint32_t)cfg->isa << 8 |
                                              (uint32_t)p->adj_y << 16,
                                          p->rhs_mats * p->packed_bytes, bmm_pack_all, &args);
    }
    size_t bytes = p->packed ? 0 : p->rhs_mats * p->packed_bytes;
    p->off_lhs_t = bytes;
    node->scratch_bytes = bytes + (p->adj_x ? R * K * sizeof(float) : 0);
}

typedef struct bmm_q8_pack_args {
    const bmm_params *p;
    const tflc_qgemm_s8_config *cfg;
    const int8_t *b;
} bmm_q8_pack_args;

/* Every rhs matrix ([K, C], or [C, K] with adj_y) packed as the int8 GEMM's B. */
static void bmm_q8_pack_all(void *dst, const void *arg) {
    const bmm_q8_pack_args *a = arg;
    const size_t K = (size_t)a->p->depth, C = (size_t)a->p->cols;
    for (size_t m = 0; m < a->p->rhs_mats; m++)
        tflc_qgemm_s8_pack_b(a->cfg, C, K, a->b + m * K * C, a->p->adj_y ? K : C, a->p->adj_y,
                             (unsigned char *)dst + m * a->p->packed_bytes);
}

/* int8 x int8: the int8 GEMM's packed rhs and scratch. Leaves p->q8 NULL (reference loops)
 * otherwise. */
/* Every int8 rhs matrix [C, K] packed for the int8 GEMM, from the model's weight cache when
 * the rhs is a constant the cache can key (shared by the int8 and hybrid paths, one entry);
 * p->packed stays NULL otherwise and eval packs into scratch. */
static void bmm_q8_cached_rhs(tflc_node *node, bmm_params *p, const tflc_qgemm_s8_config *gcfg) {
    const tflc_tensor *b = node->inputs[1];
    const size_t K = (size_t)p->depth, C = (size_t)p->cols;
    const tflc_model *model = node->graph && node->graph->runner ? node->graph->runner->model
                                                                 : NULL;
    p->packed_bytes = tflc_arena_round(tflc_qgemm_s8_packed_size(gcfg, C, K));
    if (!tflc_tensor_is_constant(b) || !tflc_weight_cache_owns(model, b->data)) return;
    bmm_q8_pack_args args = {p, gcfg, b->data};
    p->packed = tflc_weight_cache_get(model, b->data,
                                      TFLC_WCACHE_QS8_GEMM_B | (uint32_t)gcfg->isa << 8 |
                                          (uint32_t)p->adj_y << 16,
                                      p->rhs_mats * p->packed_bytes, bmm_q8_pack_all, &args);
    if (p->packed && !tflc_qgemm_s8_packed_is(p->packed, C, K)) p->packed = NULL;
}

static void bmm_prepare_q8(tflc_node *node, bmm_params *p) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    p->q8 = NULL;
    p->packed = NULL;
    if (p->lhs_dtype != TFLC_INT8 || p->rhs_dtype != TFLC_INT8) return;
    if (R == 0 || K == 0 || C == 0 || p->out_batches == 0) return;
    const tflc_qs8_config *q8 = tflc_qs8_config_get();
    if (!q8) return;
    const tflc_qgemm_s8_config *gcfg = tflc_qs8_config_gemm(q8);
    bmm_q8_cached_rhs(node, p, gcfg);
    p->q8_threads = tflc_node_num_threads(node);
    p->q8_rows = tflc_qs8_chunk_rows(gcfg, R, C * sizeof(int32_t), p->q8_threads);
    p->off_lhs_t = p->packed ? 0 : p->rhs_mats * p->packed_bytes;
    p->q8_mult_off = p->off_lhs_t + tflc_arena_round(p->adj_x ? R * K : 0);
    p->q8_shift_off = p->q8_mult_off + tflc_arena_round(C * sizeof(int32_t));
    p->q8_acc_off = p->q8_shift_off + tflc_arena_round(C * sizeof(int32_t));
    node->scratch_bytes = p->q8_acc_off + (p->mode == BMM_Q8 ? (size_t)p->q8_threads *
                                                                   p->q8_rows * C *
                                                                   sizeof(int32_t)
                                                             : 0);
    p->q8 = q8;
    p->q8_gemm = gcfg;
}

/* Rows of hybrid dots per GEMM call (bounds the int32 buffer). */
#define BMM_HYBRID_ROWS 64

/* Hybrid: every rhs matrix packed for the int8 GEMM (the int8 path's cache entry) and room
 * for the dots after the hybrid scratch. Leaves p->q8_gemm NULL (the reference loops) when
 * the int8 fast paths are off. */
static void bmm_prepare_hybrid_gemm(tflc_node *node, bmm_params *p) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    p->q8_gemm = NULL;
    p->packed = NULL;
    if (R == 0 || K == 0 || C == 0 || p->out_batches == 0) return;
    const tflc_qs8_config *q8 = tflc_qs8_config_get();
    if (!q8) return;
    const tflc_qgemm_s8_config *gcfg = tflc_qs8_config_gemm(q8);
    bmm_q8_cached_rhs(node, p, gcfg);
    p->q8_rows = R < BMM_HYBRID_ROWS ? R : BMM_HYBRID_ROWS;
    p->off_hy_packed = tflc_arena_round(node->scratch_bytes);
    p->off_hy_acc = p->off_hy_packed + (p->packed ? 0 : p->rhs_mats * p->packed_bytes);
    node->scratch_bytes = p->off_hy_acc + p->q8_rows * C * sizeof(int32_t);
    p->q8_gemm = gcfg;
}

static tflc_status bmm_prepare_mode(tflc_node *node, bmm_params *p, const uint8_t *opts) {
    const tflc_dtype l = p->lhs_dtype, r = p->rhs_dtype;
    if (l == TFLC_FLOAT32 && r == TFLC_FLOAT32) {
        p->mode = BMM_FLOAT;
        bmm_prepare_gemm(node, p);
        return tflc_ops_expect_dtype(node, node->outputs[0], "output", 0, TFLC_FLOAT32);
    }
    if (l == TFLC_FLOAT32 && r == TFLC_INT8) return bmm_prepare_hybrid(node, p, opts);
    if ((l == TFLC_INT8 && r == TFLC_INT8) || (l == TFLC_INT16 && r == TFLC_INT16) ||
        (l == TFLC_INT16 && r == TFLC_INT8)) {
        tflc_status s = bmm_prepare_quant(node, p);
        if (s == TFLC_OK) bmm_prepare_q8(node, p);
        return s;
    }
    return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                          "%s x %s inputs are not supported (float32, int8, int16, int16 x int8 "
                          "and float32 x int8 are)", tflc_dtype_name(l), tflc_dtype_name(r));
}

static tflc_status bmm_prepare(tflc_node *node) {
    bmm_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s != TFLC_OK) return s;
    const uint8_t *opts = tflc_ops_options(node, BO_BatchMatMul);
    p->adj_x = opts && fb_u8(opts, BMM_OPT_ADJ_X, 0) != 0;
    p->adj_y = opts && fb_u8(opts, BMM_OPT_ADJ_Y, 0) != 0;
    p->lhs_dtype = node->inputs[0]->dtype;
    p->rhs_dtype = node->inputs[1]->dtype;
    p->out_dtype = node->outputs[0]->dtype;
    s = bmm_shapes(node, p);
    return s != TFLC_OK ? s : bmm_prepare_mode(node, p, opts);
}

/* ------------------------------------------------------------------ eval -- */

/* Matrix offsets (in matrices) of output batch `ob` in lhs and rhs. */
static void bmm_batch_offsets(const bmm_params *p, size_t ob, size_t *lo, size_t *ro) {
    size_t l = 0, r = 0;
    for (int d = p->n_batch - 1; d >= 0; d--) {
        size_t i = ob % (size_t)p->batch_dims[d];
        ob /= (size_t)p->batch_dims[d];
        l += i * (size_t)p->lhs_bstride[d];
        r += i * (size_t)p->rhs_bstride[d];
    }
    *lo = l;
    *ro = r;
}

/* Float offset of output batch `ob`'s matrix in an operand laid out by `view` (per batch
 * dim; bmm_params). */
static size_t bmm_view_offset(const bmm_params *p, const int64_t *view, size_t ob) {
    size_t off = 0;
    for (int d = p->n_batch - 1; d >= 0; d--) {
        off += ob % (size_t)p->batch_dims[d] * (size_t)view[d];
        ob /= (size_t)p->batch_dims[d];
    }
    return off;
}

/* Element strides of lhs(r, k) and rhs(k, c) within one matrix. */
typedef struct bmm_strides { size_t lr, lk, rk, rc; } bmm_strides;

static bmm_strides bmm_matrix_strides(const bmm_params *p) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    bmm_strides st = {p->adj_x ? 1 : K, p->adj_x ? R : 1, p->adj_y ? 1 : C, p->adj_y ? K : 1};
    return st;
}

typedef struct bmm_gemm_job {
    tflc_gemm_f32_args g;
    tflc_gemm_f32_plan plan;
} bmm_gemm_job;

static void bmm_gemm_task(void *ctx, int task, int thread) {
    const bmm_gemm_job *j = ctx;
    (void)thread;
    tflc_gemm_f32_task(&j->g, &j->plan, task);
}

/* Runs fn over n tasks in jobs of at most INT_MAX (a parallel_for's count is an int); each
 * job's task 0 is task *first of all n, which fn adds. */
static void bmm_parallel_for(tflc_node *node, size_t n, void (*fn)(void *, int, int), void *ctx,
                             size_t *first) {
    for (*first = 0; *first < n; *first += (size_t)INT_MAX) {
        const size_t left = n - *first;
        tflc_node_parallel_for(node, left < (size_t)INT_MAX ? (int)left : INT_MAX, fn, ctx);
    }
}

/* The rhs matrices packed at each eval (an activation rhs: attention's K and V), one task a
 * matrix, into scratch. */
typedef struct bmm_pack_job {
    const bmm_params *p;
    const tflc_gemm_f32_config *cfg;
    const float *b;
    unsigned char *dst;
    size_t first;                     /* the job's task 0: matrix `first` */
} bmm_pack_job;

static void bmm_pack_task(void *ctx, int task, int thread) {
    const bmm_pack_job *j = ctx;
    (void)thread;
    const size_t m = j->first + (size_t)task, KC = (size_t)j->p->depth * (size_t)j->p->cols;
    /* A fused rhs has one matrix per output batch (no broadcast): matrix m is batch m's. */
    const size_t at = j->p->rhs_src ? bmm_view_offset(j->p, j->p->rhs_view, m) : m * KC;
    bmm_pack_rhs(j->p, j->cfg, j->b + at, j->dst + m * j->p->packed_bytes);
}

/* Every output matrix in one job: task t is tile task t % per of output batch t / per (each
 * batch's GEMM split by one plan), so the batches' products share the threads instead of
 * running one short job after another. */
typedef struct bmm_batches_job {
    const bmm_params *p;
    const float *a;
    const unsigned char *packed;
    float *out;
    tflc_gemm_f32_plan plan;
    size_t per;                       /* tasks per output batch */
    size_t first;                     /* the job's task 0 among all of them */
    bmm_pack_job *pack;               /* a whole batch per task (per 1), one rhs per batch:
                                         each task packs its batch's rhs first; else NULL */
} bmm_batches_job;

static void bmm_batches_task(void *ctx, int task, int thread) {
    const bmm_batches_job *j = ctx;
    const size_t R = (size_t)j->p->rows, K = (size_t)j->p->depth, C = (size_t)j->p->cols;
    const size_t t = j->first + (size_t)task, ob = t / j->per;
    if (j->pack) bmm_pack_task(j->pack, (int)ob, thread);
    size_t lo, ro;
    bmm_batch_offsets(j->p, ob, &lo, &ro);
    const tflc_gemm_f32_args g = {R, C, K, j->a + bmm_view_offset(j->p, j->p->lhs_view, ob),
                                  j->p->lda, j->packed + ro * j->p->packed_bytes, NULL,
                                  j->out + bmm_view_offset(j->p, j->p->out_view, ob), j->p->ldc,
                                  -INFINITY, INFINITY, j->p->epilogue ? tflc_epilogue_block : NULL,
                                  j->p->epilogue};
    tflc_gemm_f32_task(&g, &j->plan, (int)(t % j->per));
}

/* Each output matrix is one GEMM: A = the lhs matrix (transposed first under adj_x), B = the
 * packed rhs matrix. Every element is the reference's k-ordered sum whichever task computes
 * it; only FMA rounding differs (none with TFLC_ISA=scalar). On 2 threads the Transformer
 * block's attention products ([4,128,64] x [4,64,128] and [4,128,128] x [4,128,64], rhs
 * packed at each eval) scaled 1.14-1.18x when the packing ran on the caller and the four
 * GEMMs as four jobs; with a task per batch, each packs its rhs and multiplies: one job. */
static void bmm_eval_float(tflc_node *node, const bmm_params *p, const float *a, const float *b,
                           float *out) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    unsigned char *scratch = node->scratch;
    const unsigned char *packed = p->packed;
    const int threads = tflc_node_num_threads(node);
    bmm_pack_job pj = {p, tflc_gemm_f32_config_get(), b, scratch, 0};
    bmm_batches_job j = {p, a, packed, out, {0, 0, 0, 0}, 1, 0, NULL};
    /* One plan for every batch: a whole batch per task once there are two batches per
     * thread, else each batch split over all the threads. */
    const bool whole = !p->adj_x && p->out_batches >= 2 * (size_t)threads;
    if (!packed && p->rhs_mats > 0) {
        /* A task per batch, each with its own rhs (attention's K and V): the task packs it,
         * then multiplies, in one job instead of a packing job and a product job (one
         * hand-over between the threads less; the packed rhs still in the core's cache). */
        if (whole && p->rhs_mats == p->out_batches) j.pack = &pj;
        else bmm_parallel_for(node, p->rhs_mats, bmm_pack_task, &pj, &pj.first);
        packed = j.packed = scratch;
    }
    if (!p->adj_x) {
        const tflc_gemm_f32_args g = {R, C, K, a, p->lda, packed, NULL, out, p->ldc, -INFINITY,
                                      INFINITY, NULL, NULL};
        if (whole) tflc_gemm_f32_plan_one(&g, &j.plan);
        else j.per = (size_t)tflc_gemm_f32_plan_split(&g, threads, &j.plan);
        bmm_parallel_for(node, p->out_batches * j.per, bmm_batches_task, &j, &j.first);
        return;
    }
    float *lhs_t = (float *)(void *)(scratch + p->off_lhs_t);
    for (size_t ob = 0; ob < p->out_batches; ob++) {
        size_t lo, ro;
        bmm_batch_offsets(p, ob, &lo, &ro);
        const float *am = a + lo * R * K;
        for (size_t k = 0; k < K; k++)   /* [K, R] -> [R, K] */
            for (size_t r = 0; r < R; r++) lhs_t[r * K + k] = am[k * R + r];
        bmm_gemm_job gj = {{R, C, K, lhs_t, K, packed + ro * p->packed_bytes, NULL,
                            out + bmm_view_offset(p, p->out_view, ob), p->ldc, -INFINITY,
                            INFINITY, p->epilogue ? tflc_epilogue_block : NULL, p->epilogue},
                           {0, 0, 0, 0}};
        int tasks = tflc_gemm_f32_plan_split(&gj.g, threads, &gj.plan);
        tflc_node_parallel_for(node, tasks, bmm_gemm_task, &gj);
    }
}

static int64_t bmm_dot_q(const bmm_params *p, const void *a, size_t ai, const void *b, size_t bi,
                         const bmm_strides *st) {
    int64_t acc = 0;
    for (size_t k = 0; k < (size_t)p->depth; k++) {
        int32_t x = nn_load_q(a, ai + k * st->lk, p->lhs_dtype) - p->lhs_zp;
        int32_t y = nn_load_q(b, bi + k * st->rk, p->rhs_dtype) - p->rhs_zp;
        acc += (int64_t)x * y;
    }
    return acc;
}

static int32_t bmm_requant(const bmm_params *p, int64_t acc) {
    int32_t v = p->mode == BMM_Q8 ? nn_mul_by_qm(nn_wrap32(acc), p->multiplier, p->shift)
                                  : nn_mul_by_qm64(acc, p->multiplier, p->shift);
    return nn_clamp_i32((int64_t)v + p->out_zp, p->out_lo, p->out_hi);
}

static void bmm_eval_quant(const bmm_params *p, const void *a, const void *b, void *out) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    const bmm_strides st = bmm_matrix_strides(p);
    for (size_t ob = 0; ob < p->out_batches; ob++) {
        size_t lo, ro;
        bmm_batch_offsets(p, ob, &lo, &ro);
        for (size_t r = 0; r < R; r++)
            for (size_t c = 0; c < C; c++) {
                int64_t acc = bmm_dot_q(p, a, lo * R * K + r * st.lr, b, ro * K * C + c * st.rc, &st);
                size_t oi = ob * R * C + r * C + c;
                if (p->mode == BMM_Q8_I32) ((int32_t *)out)[oi] = nn_wrap32(acc);
                else nn_store_q(out, oi, p->out_dtype, bmm_requant(p, acc));
            }
    }
}

/* ------------------------------------------------------ int8 on the GEMM -- */

/* One output matrix's GEMM, shared read-only by its tasks. */
typedef struct bmm_q8_job {
    const int8_t *a;                       /* the lhs matrix, [R, K] */
    const void *packed;                    /* the rhs matrix, packed */
    void *out;                             /* [R, C] int8 or int32 */
    int32_t *acc;                          /* thread t's: acc + t * chunk * C */
    size_t R, K, C;
    bool raw;                              /* BMM_Q8_I32: the GEMM writes out directly */
    tflc_split split;
    tflc_qs8_gemm_rq g;
} bmm_q8_job;

static void bmm_q8_task(void *ctx, int task, int thread) {
    const bmm_q8_job *j = ctx;
    const size_t chunk = j->split.chunk;
    size_t r0, c0;
    tflc_split_task(&j->split, task, &r0, &c0);
    const size_t r1 = j->R - r0 < chunk ? j->R : r0 + chunk;
    if (j->raw) {
        tflc_qgemm_s8_range(j->R, j->C, j->K, j->a, j->K, 0, j->packed, NULL, j->out, j->C, r0,
                            r1, c0, c0 + j->split.col_step);
        return;
    }
    tflc_qs8_gemm_requant(&j->g, r1 - r0, j->a + r0 * j->K, j->K, (int8_t *)j->out + r0 * j->C,
                          j->C, c0, c0 + j->split.col_step,
                          j->acc + (size_t)thread * chunk * j->C);
}

/* bmm_eval_quant's int8 x int8 cases on the int8 GEMM. */
static void bmm_eval_q8(tflc_node *node, const bmm_params *p, const int8_t *a, const int8_t *b,
                        void *out) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    unsigned char *scratch = node->scratch;
    const unsigned char *packed = p->packed;
    if (!packed) {
        bmm_q8_pack_args args = {p, p->q8_gemm, b};
        bmm_q8_pack_all(scratch, &args);
        packed = scratch;
    }
    int32_t *mult = (int32_t *)(void *)(scratch + p->q8_mult_off);
    int32_t *shift = (int32_t *)(void *)(scratch + p->q8_shift_off);
    for (size_t c = 0; p->mode == BMM_Q8 && c < C; c++) {
        mult[c] = p->multiplier;
        shift[c] = p->shift;
    }
    const tflc_qs8_requant rq = {mult, shift, p->out_zp, p->out_lo, p->out_hi,
                                 TFLC_QS8_ROUND_DOUBLE_WRAP, 0};
    const int threads = tflc_node_num_threads(node);
    const bool parallel = threads <= p->q8_threads;   /* else serial: scratch is per thread */
    int8_t *lhs_t = p->adj_x ? (int8_t *)(scratch + p->off_lhs_t) : NULL;
    bmm_q8_job j = {
        .acc = (int32_t *)(void *)(scratch + p->q8_acc_off),
        .R = R, .K = K, .C = C,
        .raw = p->mode == BMM_Q8_I32,
        .split = tflc_split_plan(R, C, p->q8_rows, p->q8_gemm->mr, p->q8_gemm->nr,
                                 parallel ? threads : 1),
        .g = {C, K, NULL, NULL, p->lhs_zp, &rq, p->q8, p->rhs_zp},
    };
    const int tasks = j.split.row_tasks * j.split.col_tasks;
    const size_t out_size = j.raw ? sizeof(int32_t) : 1;
    for (size_t ob = 0; ob < p->out_batches; ob++) {
        size_t lo, ro;
        bmm_batch_offsets(p, ob, &lo, &ro);
        j.a = a + lo * R * K;
        if (lhs_t) {   /* [K, R] -> [R, K] */
            for (size_t k = 0; k < K; k++)
                for (size_t r = 0; r < R; r++) lhs_t[r * K + k] = j.a[k * R + r];
            j.a = lhs_t;
        }
        j.packed = j.g.packed_b = packed + ro * p->packed_bytes;
        j.out = (unsigned char *)out + ob * R * C * out_size;
        if (parallel) tflc_node_parallel_for(node, tasks, bmm_q8_task, &j);
        else for (int t = 0; t < tasks; t++) bmm_q8_task(&j, t, 0);
    }
}

/* ---------------------------------------------------------------- hybrid -- */

/* Quantizes every lhs row (transposing adj_x matrices first). */
static void bmm_hybrid_quantize(const bmm_params *p, char *scratch, const float *a) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth;
    const size_t lrows = p->lhs_mats * R;
    if (p->adj_x) {
        float *t = (float *)(scratch + p->off_lhs_t);
        for (size_t m = 0; m < p->lhs_mats; m++)
            for (size_t r = 0; r < R; r++)
                for (size_t k = 0; k < K; k++) t[(m * R + r) * K + k] = a[m * R * K + k * R + r];
        a = t;
    }
    nn_quantize_rows(a, lrows, K, (int8_t *)(scratch + p->off_q), (float *)scratch,
                     (int32_t *)(scratch + p->off_zps), p->asymmetric);
}

/* Sums every rhs column. */
static void bmm_hybrid_sums(const bmm_params *p, char *scratch, const int8_t *b) {
    const size_t K = (size_t)p->depth, C = (size_t)p->cols;
    const bmm_strides st = bmm_matrix_strides(p);
    int32_t *sums = (int32_t *)(scratch + p->off_sums);
    for (size_t m = 0; m < p->rhs_mats; m++)
        for (size_t c = 0; c < C; c++) {
            int64_t s = 0;
            for (size_t k = 0; k < K; k++) s += b[m * K * C + k * st.rk + c * st.rc];
            sums[m * C + c] = nn_wrap32(s);
        }
}

static float bmm_hybrid_unit(const bmm_params *p, const char *scratch, const int8_t *b,
                             size_t lrow, size_t rm, size_t c, const bmm_strides *st) {
    const size_t K = (size_t)p->depth, C = (size_t)p->cols;
    const int8_t *q = (const int8_t *)(scratch + p->off_q) + lrow * K;
    const int8_t *col = b + rm * K * C + c * st->rc;
    int64_t acc = 0;
    for (size_t k = 0; k < K; k++) acc += (int32_t)q[k] * col[k * st->rk];
    if (p->asymmetric) acc -= (int64_t)((const int32_t *)(scratch + p->off_zps))[lrow] *
                              ((const int32_t *)(scratch + p->off_sums))[rm * C + c];
    const int32_t dot = nn_wrap32(acc);
    float scale = ((const float *)scratch)[lrow];
    scale *= p->rhs_channel ? p->rhs_channel[c] : p->rhs_scale;
    return 0.0f + scale * (float)dot;
}

/* One lhs row's C outputs from its exact int32 dots, in bmm_hybrid_unit's operation order:
 * dot takes off zp * colsum (modulo 2^32), scale = row scale * rhs scale (per tensor or per
 * column), out = 0 + scale * (float)dot. Branch-free loops, so they vectorize. */
static void bmm_hybrid_row_out(const bmm_params *p, int32_t *restrict dots,
                               const int32_t *restrict sums, int32_t zp, float row_scale,
                               float *restrict out) {
    const size_t C = (size_t)p->cols;
    const float *restrict channel = p->rhs_channel;
    if (zp && sums)
        for (size_t c = 0; c < C; c++)
            dots[c] = (int32_t)((uint32_t)dots[c] - (uint32_t)zp * (uint32_t)sums[c]);
    if (channel) {
        for (size_t c = 0; c < C; c++) out[c] = 0.0f + (row_scale * channel[c]) * (float)dots[c];
    } else {
        const float scale = row_scale * p->rhs_scale;
        for (size_t c = 0; c < C; c++) out[c] = 0.0f + scale * (float)dots[c];
    }
}

/* The dots on the packed int8 GEMM, one output matrix at a time, in chunks of rows. */
static void bmm_hybrid_gemm(const bmm_params *p, char *scratch, const int8_t *b, float *out) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    const unsigned char *packed = p->packed;
    if (!packed) {
        bmm_q8_pack_args args = {p, p->q8_gemm, b};
        bmm_q8_pack_all(scratch + p->off_hy_packed, &args);
        packed = (const unsigned char *)scratch + p->off_hy_packed;
    }
    const int8_t *q = (const int8_t *)(scratch + p->off_q);
    const float *scales = (const float *)(void *)scratch;
    const int32_t *zps = (const int32_t *)(void *)(scratch + p->off_zps);
    int32_t *sums = (int32_t *)(void *)(scratch + p->off_sums);
    int32_t *acc = (int32_t *)(void *)(scratch + p->off_hy_acc);
    for (size_t m = 0; p->asymmetric && m < p->rhs_mats; m++)
        tflc_qgemm_s8_packed_col_sums(packed + m * p->packed_bytes, C, K, sums + m * C);
    for (size_t ob = 0; ob < p->out_batches; ob++) {
        size_t lo, ro;
        bmm_batch_offsets(p, ob, &lo, &ro);
        for (size_t r0 = 0; r0 < R; r0 += p->q8_rows) {
            const size_t rows = R - r0 < p->q8_rows ? R - r0 : p->q8_rows, row = lo * R + r0;
            tflc_qgemm_s8(rows, C, K, q + row * K, K, 0, packed + ro * p->packed_bytes, NULL,
                          acc, C);
            for (size_t i = 0; i < rows; i++)
                bmm_hybrid_row_out(p, acc + i * C, p->asymmetric ? sums + ro * C : NULL,
                                   p->asymmetric ? zps[row + i] : 0, scales[row + i],
                                   out + ob * R * C + (r0 + i) * C);
        }
    }
}

static void bmm_eval_hybrid(const bmm_params *p, char *scratch, const float *a, const int8_t *b,
                            float *out) {
    const size_t R = (size_t)p->rows, K = (size_t)p->depth, C = (size_t)p->cols;
    const bmm_strides st = bmm_matrix_strides(p);
    if (R * C == 0) return;
    if (K == 0) {
        memset(out, 0, p->out_batches * R * C * sizeof(float));
        return;
    }
    bmm_hybrid_quantize(p, scratch, a);
    if (p->q8_gemm) {
        bmm_hybrid_gemm(p, scratch, b, out);
        return;
    }
    bmm_hybrid_sums(p, scratch, b);
    for (size_t ob = 0; ob < p->out_batches; ob++) {
        size_t lo, ro;
        bmm_batch_offsets(p, ob, &lo, &ro);
        for (size_t r = 0; r < R; r++)
            for (size_t c = 0; c < C; c++)
                out[ob * R * C + r * C + c] = bmm_hybrid_unit(p, scratch, b, lo * R + r, ro, c, &st);
    }
}

static tflc_status bmm_eval(tflc_node *node) {
    const bmm_params *p = node->params;
    const void *a = (p->lhs_src ? p->lhs_src : node->inputs[0])->data;
    const void *b = (p->rhs_src ? p->rhs_src : node->inputs[1])->data;
    void *out = node->outputs[0]->data;
    switch (p->mode) {
    case BMM_FLOAT: bmm_eval_float(node, p, a, b, out); break;
    case BMM_HYBRID: bmm_eval_hybrid(p, node->scratch, a, b, out); break;
    default:
        if (p->q8) bmm_eval_q8(node, p, a, b, out);
        else bmm_eval_quant(p, a, b, out);
        break;
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_batch_matmul = {
    .name = "BATCH_MATMUL",
    .params_size = sizeof(bmm_params),
    .prepare = bmm_prepare,
    .eval = bmm_eval,
};

/* ------------------------------------------------------ transpose fusion -- */

/* Whether every operand has one matrix per output batch (no batch broadcast), so a fused
 * view steps through the batches as the output does. */
static bool bmm_fusable(const tflc_node *bmm, const bmm_params *p) {
    return bmm->kernel == &tflc_kernel_batch_matmul && p->mode == BMM_FLOAT &&
           p->lhs_mats == p->out_batches && p->rhs_mats == p->out_batches;
}

bool tflc_bmm_fuse_input_transpose(tflc_node *bmm, int slot, const tflc_node *transpose) {
    bmm_params *p = bmm->params;
    if (transpose->kernel != &tflc_kernel_transpose || !bmm_fusable(bmm, p) ||
        (slot != 0 && slot != 1) || transpose->n_outputs != 1 ||
        bmm->inputs[slot] != transpose->outputs[0])
        return false;
    const tflc_sh_view *v = transpose->params;   /* output dim i = input stride in_strides[i] */
    const int r = v->rank;
    if (transpose->inputs[0]->dtype != TFLC_FLOAT32 || r != p->n_batch + 2 || v->in_base != 0 ||
        (slot == 0 ? p->adj_x || p->lhs_src : p->rhs_src || p->packed))
        return false;
    const int64_t row = v->in_strides[r - 2], col = v->in_strides[r - 1];
    if (slot == 0) {                 /* lhs [R, K]: the GEMM reads rows contiguous along K */
        if (col != 1) return false;
        p->lda = (size_t)row;
    } else if (col == 1) {           /* rhs rows contiguous: [K, C], or [C, K] with adj_y */
        p->ldb = (size_t)row;
        p->rhs_nk = p->adj_y;
    } else if (row == 1) {           /* contiguous down the columns: the other layout */
        p->ldb = (size_t)col;
        p->rhs_nk = !p->adj_y;
    } else {
        return false;
    }
    int64_t *view = slot == 0 ? p->lhs_view : p->rhs_view;
    for (int d = 0; d < p->n_batch; d++) view[d] = v->in_strides[d];
    if (slot == 0) p->lhs_src = transpose->inputs[0];
    else p->rhs_src = transpose->inputs[0];
    return true;
}

bool tflc_bmm_fuse_epilogue(tflc_node *bmm, const tflc_node *e) {
    if (bmm->kernel != &tflc_kernel_batch_matmul || !tflc_epilogue_fits(bmm, e)) return false;
    bmm_params *p = bmm->params;
    if (p->mode != BMM_FLOAT || p->epilogue || p->out_fused) return false;
    p->epilogue = e;
    return true;
}

bool tflc_bmm_fuse_output_transpose(tflc_node *bmm, const tflc_node *transpose) {
    bmm_params *p = bmm->params;
    const tflc_tensor *x = bmm->outputs[0];
    if (transpose->kernel != &tflc_kernel_transpose || !bmm_fusable(bmm, p) || p->out_fused ||
        p->epilogue ||
        transpose->n_inputs < 1 || transpose->inputs[0] != x || transpose->n_outputs != 1)
        return false;
    const tflc_sh_view *v = transpose->params;
    const int r = x->rank;
    if (v->rank != r || r != p->n_batch + 2 || v->in_base != 0) return false;
    /* y = transpose(x): y's dim i is x's dim d whose dense stride is in_strides[i] (unique
     * among dims longer than 1), so x's dim d steps y's dense stride of dim i. */
    int64_t xs[TFLC_MAX_RANK], ys[TFLC_MAX_RANK], step[TFLC_MAX_RANK];
    tflc_sh_strides(x->dims, r, xs);
    tflc_sh_strides(v->dims, r, ys);
    for (int d = 0; d < r; d++) {
        step[d] = x->dims[d] > 1 ? -1 : 0;
        for (int i = 0; i < r && step[d] < 0; i++)
            if (v->dims[i] == x->dims[d] && v->in_strides[i] == xs[d]) step[d] = ys[i];
        if (step[d] < 0) return false;
    }
    if (x->dims[r - 1] > 1 && step[r - 1] != 1) return false;   /* rows contiguous along C */
    p->ldc = x->dims[r - 2] > 1 ? (size_t)step[r - 2] : (size_t)p->cols;
    for (int d = 0; d < p->n_batch; d++) p->out_view[d] = step[d];
    p->out_fused = true;
    return true;
}
