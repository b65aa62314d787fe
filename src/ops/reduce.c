/*
 * reduce.c -- SUM, MEAN, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN, REDUCE_ANY, REDUCE_ALL over
 * the axes listed in a constant int32/int64 input 1 (negative axes count from the end,
 * duplicates are ignored); ReducerOptions.keep_dims keeps reduced dims as 1.
 *
 *   [2,3,4] SUM axes {1,-1}           -> [2]      (keep_dims: [2,1,1])
 *   [2,3]   MEAN axes {}              -> [2,3]    (a copy)
 *
 * Every output element accumulates its inputs in row-major input order, as LiteRT's
 * reference loop does, so float sums match it term by term. The walk goes by contiguous
 * blocks (reduce_plan): a spatial sum [1,H,W,C] -> [C] adds whole rows of C, a last-axis
 * sum [R,D] -> [R] runs four rows' sequential chains side by side; both keep that order, so
 * the bits do not depend on the layout. (LiteRT's builtin float MEAN over the last axis
 * alone sums with Eigen's vectorized partial sums instead, an order that depends on the
 * build's SIMD width and each row's alignment: there the two differ by a few ulp, inside the
 * conformance bound; conformance case mean/neg_keep/float32 shows 2 ulp.) Integer sums wrap
 * in the element type as LiteRT's do. Quantized reductions reproduce LiteRT's arithmetic exactly:
 *   MEAN uint8              rank 4, keep_dims, axes resolving to {1,2}: LiteRT's fixed-point
 *                           4-D mean (its vector loop's ties-up rounding is the same on the
 *                           non-negative uint8 sums);
 *   MEAN int8               rank 4, keep_dims, axes resolving to {1,2} ([B,H,W,C] -> [B,1,1,C],
 *                           a global average pool): LiteRT's builtin 4-D kernel, the same
 *                           multiplier and bias as uint8's, but channels in blocks of 16 round
 *                           as its NEON loop does (see mean_4d_i8_value). Its reference
 *                           kernels use the general form below instead; tflc follows the builtin;
 *   MEAN int8/int16 (and    sum - zp_in * n rescaled by (in/out scale) / n in fixed point (the
 *   other uint8 cases)      1/n folded into the multiplier, as LiteRT does). It rounds twice
 *                           (the doubling high multiply, then the rounding shift), so a mean a
 *                           little below a half can round up
 *   SUM int8/uint8          float rescale of the sum, stored without clamping (LiteRT's
 *                           optimized kernel wraps); int16 sums saturate
 *   REDUCE_PROD int8/int16  each product rescaled by in_scale / out_scale^(1/n)
 *   MAX, MIN                raw values (input and output share scale and zero point)
 */
#include "ops/shape_common.h"
#include "ops/nn_common.h"   /* nn_mul_by_qm_ties_up, nn_clamp_i32 */

#include "kernels/cpu.h"

enum { R_SUM, R_MEAN, R_PROD, R_MAX, R_MIN, R_ANY, R_ALL };

/* How a quantized MEAN or SUM is computed (LiteRT's reduce.cc picks the same way). */
enum {
    Q_NONE,          /* not quantized, or the raw values are reduced as they are */
    Q_MEAN_4D_U8,    /* uint8, same shape case: fixed point with a float-derived bias */
    Q_MEAN_4D_I8,    /* int8 [B,H,W,C] over {1,2}, keep_dims: LiteRT's builtin vector kernel */
    Q_MEAN_INT,      /* otherwise: fixed-point rescale of the sum with 1/n folded in */
    Q_MEAN_COPY,     /* an empty axis list: LiteRT copies the raw values */
    Q_SUM_RESCALE,   /* int8/uint8 SUM: float rescale, wraps */
    Q_SUM_SAT,       /* int16 SUM: raw sum, saturated */
    Q_PROD,          /* int8/int16 REDUCE_PROD: rescaled running product */
};

/* The input seen as blocks of contiguous elements (see plan_reduce). The dims are collapsed
 * first: size-1 dims dropped, neighbours that are both reduced or both kept merged, so
 * [1,7,7,96] over {1,2} is [49 reduced][96 kept] and [1,50,64] over {-1} is [50 kept][64
 * reduced]. The innermost group decides the block:
 *   kept     a block is `rows` rows of `run` inputs that all update the same `run`
 *            consecutive outputs, row after row (out[j] = OP(out[j], in[r * run + j]));
 *            rows = the reduced group just outside it, or 1;
 *   reduced  a block is `rows` rows of `run` inputs, row r folding into output r
 *            (rows = the kept group just outside it, or 1).
 * The groups outside the block (n_outer of them, lengths len and output strides ostride, 0
 * when reduced) are walked in row-major order, so every output still takes its inputs in
 * row-major input order. */
typedef struct reduce_plan {
    int n_outer;
    int64_t len[TFLC_MAX_RANK], ostride[TFLC_MAX_RANK];
    bool last_reduced;
    size_t rows, run, block;     /* block = rows * run input elements */
} reduce_plan;

typedef struct reduce_params {
    int kind;                          /* R_* */
    int qmode;                         /* Q_* */
    int rank;                          /* input rank */
    int32_t in_dims[TFLC_MAX_RANK];
    int64_t out_strides[TFLC_MAX_RANK]; /* output stride of each input dim; 0 when reduced */
    size_t n_in, n_out, n_red;         /* element counts; n_red = inputs per output */
    size_t n_axes;                     /* entries of the axis input */
    unsigned reduced_mask;             /* bit d set: input dim d is reduced */
    int32_t multiplier, bias, in_zp, out_zp;
    int shift;
    float in_scale, out_scale;
    reduce_plan plan;
} reduce_params;

/* The extent a block is sliced along for threads: its columns, or its rows. */
static inline size_t reduce_split(const reduce_plan *pl) {
    return pl->last_reduced ? pl->rows : pl->run;
}

/* ------------------------------------------------------------- prepare -- */

/* Marks the reduced axes; out-of-range axes fail, duplicates are harmless. */
static tflc_status reduce_axes(tflc_node *node, int rank, bool *reduced) {
    int64_t axes[64];
    size_t n = 0;
    tflc_status s = tflc_sh_const_ints(node, node->inputs[1], "axis (input 1)", axes, 64, &n);
    if (s != TFLC_OK) return s;
    ((reduce_params *)node->params)->n_axes = n;
    for (int d = 0; d < rank; d++) reduced[d] = false;
    for (size_t i = 0; i < n && rank > 0; i++) {
        int d;
        if (!tflc_ops_normalize_axis(axes[i], rank, &d))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "axis %lld is out of range for an input of rank %d",
                                  (long long)axes[i], rank);
        reduced[d] = true;
    }
    return TFLC_OK;
}

/* Collapses the dims into alternating reduced / kept groups and picks the block (see
 * reduce_plan). An input with no dim above 1 is one kept block of one element. */
static void plan_reduce(reduce_params *p, const bool *reduced) {
    int64_t len[TFLC_MAX_RANK], ostride[TFLC_MAX_RANK];
    bool red[TFLC_MAX_RANK];
    int n = 0;
    for (int d = 0; d < p->rank; d++) {
        if (p->in_dims[d] == 1) continue;
        if (n > 0 && red[n - 1] == reduced[d]) {
            len[n - 1] *= p->in_dims[d];
            ostride[n - 1] = p->out_strides[d];   /* the innermost stride of the merged dims */
            continue;
        }
        len[n] = p->in_dims[d];
        ostride[n] = p->out_strides[d];
        red[n++] = reduced[d];
    }
    reduce_plan *pl = &p->plan;
    pl->last_reduced = n > 0 && red[n - 1];
    pl->run = n > 0 ? (size_t)len[n - 1] : 1;
    pl->rows = n > 1 ? (size_t)len[n - 2] : 1;   /* groups alternate: the other kind */
    pl->n_outer = n - (n > 1 ? 2 : 1);
    if (pl->n_outer < 0) pl->n_outer = 0;
    pl->block = pl->rows * pl->run;
    for (int g = 0; g < pl->n_outer; g++) {
        pl->len[g] = len[g];
        pl->ostride[g] = ostride[g];
    }
}

/* Output shape and the input-dim -> output-stride map. */
static tflc_status reduce_shape(tflc_node *node, reduce_params *p, const bool *reduced) {
    const tflc_tensor *in = node->inputs[0];
    const uint8_t *opts = tflc_ops_options(node, BO_Reducer);
    bool keep = opts && fb_u8(opts, SH_REDUCER_KEEP_DIMS, 0);
    int32_t dims[TFLC_MAX_RANK], kept[TFLC_MAX_RANK];
    int rank = 0, n_kept = 0;
    p->rank = in->rank;
    p->n_red = 1;
    p->reduced_mask = 0;
    for (int d = 0; d < in->rank; d++) {
        p->in_dims[d] = in->dims[d];
        if (reduced[d]) p->reduced_mask |= 1u << d;
        if (reduced[d]) p->n_red *= (size_t)in->dims[d];
        else kept[n_kept++] = d;
        if (!reduced[d] || keep) dims[rank++] = reduced[d] ? 1 : in->dims[d];
    }
    /* strides of the kept dims inside the dense output */
    int64_t s = 1;
    for (int d = in->rank - 1; d >= 0; d--) p->out_strides[d] = 0;
    for (int k = n_kept - 1; k >= 0; k--) {
        p->out_strides[kept[k]] = s;
        s *= in->dims[kept[k]];
    }
    p->n_in = tflc_tensor_count(in);
    p->n_out = tflc_shape_count(dims, rank);
    plan_reduce(p, reduced);
    return tflc_node_set_output_shape(node, 0, dims, rank);
}

static tflc_status reduce_check_dtype(tflc_node *node, int kind) {
    tflc_dtype dt = node->inputs[0]->dtype;
    bool ok;
    switch (kind) {
    case R_ANY: case R_ALL: ok = dt == TFLC_BOOL; break;
    case R_PROD:
        ok =
            dt == TFLC_FLOAT32 || dt == TFLC_INT32 || dt == TFLC_INT64 || dt == TFLC_INT8 || dt == TFLC_INT16;
        break;
    default:
        ok = dt == TFLC_FLOAT32 || dt == TFLC_INT32 || dt == TFLC_INT64 || dt == TFLC_INT8 ||
             dt == TFLC_UINT8 || dt == TFLC_INT16;
    }
    if (!ok)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s inputs are not supported",
                              tflc_dtype_name(dt));
    return tflc_ops_output_like_input(node);
}

static bool is_quant_dtype(tflc_dtype dt) {
    return dt == TFLC_INT8 || dt == TFLC_UINT8 || dt == TFLC_INT16;
}

/* The 4-D MEANs (uint8, and int8's builtin kernel): a multiplier of in_scale / (count *
 * out_scale), in float as LiteRT computes it, applied to the raw sum (the input zero point
 * is not subtracted), plus a bias of out_zp - in_zp * in_scale / out_scale rounded half
 * away from zero in float. */
static void mean_4d_params(reduce_params *p) {
    float count = (float)p->n_red;
    float shifted_zp = (float)p->in_zp * p->in_scale / p->out_scale;
    shifted_zp = shifted_zp > 0 ? shifted_zp + 0.5f : shifted_zp - 0.5f;
    if (shifted_zp > 2147483520.0f) shifted_zp = 2147483520.0f;     /* far beyond any int8 mean */
    if (shifted_zp < -2147483520.0f) shifted_zp = -2147483520.0f;
    p->bias = p->out_zp - (int32_t)shifted_zp;
    tflc_sh_quantize_multiplier((double)(p->in_scale / (count * p->out_scale)), &p->multiplier,
                                &p->shift);
}

/* MEAN's general path folds 1/n into the multiplier: shift it left by floor(log2 n) (at
 * most 32, and no further than a total right shift of 31), divide by n. */
static void mean_int_params(reduce_params *p) {
    int64_t n = (int64_t)p->n_red;
    int s = 0;
    while (s < 62 && ((int64_t)1 << (s + 1)) <= n) s++;
    if (s > 32) s = 32;
    if (s > 31 + p->shift) s = 31 + p->shift;
    if (s < 0) s = 0;
    p->multiplier = n > 0 ? (int32_t)((int64_t)p->multiplier * ((int64_t)1 << s) / n) : p->multiplier;
    p->shift -= s;
}

/* REDUCE_PROD rescales each of the n products by in_scale / out_scale^(1/n). */
static void prod_params(reduce_params *p) {
    if (p->n_red == 0 || p->n_out == 0) return;
    double scaling = (double)p->in_scale / pow((double)p->out_scale, 1.0 / (double)p->n_red);
    tflc_sh_quantize_multiplier(scaling, &p->multiplier, &p->shift);
}

/* LiteRT's builtin MEAN takes its 4-D uint8 and int8 kernels for a rank-4 input reduced
 * over exactly {1, 2} with keep_dims ([B,H,W,C] -> [B,1,1,C], a global average pool), the
 * axes resolved first: [2,1], [-3,-2], [1,-2] and [1,2,2] all qualify. */
static bool mean_is_4d_hw(const reduce_params *p, bool keep) {
    return keep && p->rank == 4 && p->reduced_mask == 6u;
}

static void mean_quant_mode(tflc_node *node, reduce_params *p) {
    const uint8_t *opts = tflc_ops_options(node, BO_Reducer);
    bool keep = opts && fb_u8(opts, SH_REDUCER_KEEP_DIMS, 0);
    tflc_sh_quantize_multiplier((double)p->in_scale / (double)p->out_scale, &p->multiplier, &p->shift);
    tflc_dtype dt = node->inputs[0]->dtype;
    if (dt == TFLC_UINT8 && mean_is_4d_hw(p, keep)) p->qmode = Q_MEAN_4D_U8;
    else if (dt == TFLC_INT8 && mean_is_4d_hw(p, keep)) p->qmode = Q_MEAN_4D_I8;
    else p->qmode = p->n_axes == 0 ? Q_MEAN_COPY : Q_MEAN_INT;
    if (p->qmode == Q_MEAN_4D_U8 || p->qmode == Q_MEAN_4D_I8) mean_4d_params(p);
    if (p->qmode == Q_MEAN_INT) mean_int_params(p);
}

/* Chooses the quantized path and precomputes its parameters. */
static tflc_status reduce_quant(tflc_node *node, reduce_params *p) {
    const tflc_tensor *in = node->inputs[0], *out = node->outputs[0];
    if (!is_quant_dtype(in->dtype)) return TFLC_OK;
    tflc_sh_scale_zp(in, &p->in_scale, &p->in_zp);
    tflc_sh_scale_zp(out, &p->out_scale, &p->out_zp);
    bool same = p->in_scale == p->out_scale && p->in_zp == p->out_zp;
    if (!(p->in_scale > 0.0f && p->out_scale > 0.0f && isfinite(p->in_scale) && isfinite(p->out_scale)))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "scales %g and %g must be positive and finite",
                              (double)p->in_scale, (double)p->out_scale);
    if (in->dtype == TFLC_INT16 && (p->in_zp != 0 || p->out_zp != 0) && p->kind != R_MAX && p->kind != R_MIN)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "int16 zero points must be 0");
    if (p->kind == R_MEAN) {
        mean_quant_mode(node, p);
        return TFLC_OK;
    }
    if (p->kind == R_PROD) {
        if (!tflc_ops_quant(in)) return TFLC_OK;   /* plain integers multiply as they are */
        p->qmode = Q_PROD;
        prod_params(p);
        if (p->shift > 7)   /* LiteRT's 64-bit rescale takes shifts up to 7 */
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "scales %g and %g give a product rescale beyond 2^7",
                                  (double)p->in_scale, (double)p->out_scale);
        return TFLC_OK;
    }
    if (p->kind == R_SUM && in->dtype != TFLC_INT16) {
        p->qmode = Q_SUM_RESCALE;
        return TFLC_OK;
    }
    if (p->kind == R_SUM && same) {
        p->qmode = Q_SUM_SAT;
        return TFLC_OK;
    }
    if (!same)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "input and output must share scale and zero point (%g/%d vs %g/%d)",
                              (double)p->in_scale, (int)p->in_zp, (double)p->out_scale, (int)p->out_zp);
    return TFLC_OK;
}

static tflc_status reduce_prepare_kind(tflc_node *node, int kind) {
    reduce_params *p = node->params;
    bool reduced[TFLC_MAX_RANK];
    p->kind = kind;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = reduce_check_dtype(node, kind);
    if (s == TFLC_OK) s = reduce_axes(node, node->inputs[0]->rank, reduced);
    if (s == TFLC_OK) s = reduce_shape(node, p, reduced);
    if (s == TFLC_OK) s = reduce_quant(node, p);
    if (s != TFLC_OK) return s;
    /* int64 / int32 / float accumulators, one per output element */
    if (kind == R_MEAN || p->qmode != Q_NONE) node->scratch_bytes = p->n_out * (sizeof(int64_t) + 1);
    return TFLC_OK;
}

/* ---------------------------------------------------------------- walk -- */

/* Row-major walk over the input that tracks the output element each input feeds. */
typedef struct walker {
    int32_t idx[TFLC_MAX_RANK];
    size_t o;
} walker;

static inline void walk_next(const reduce_params *p, walker *w) {
    for (int d = p->rank - 1; d >= 0; d--) {
        w->o += (size_t)p->out_strides[d];
        if (++w->idx[d] < p->in_dims[d]) return;
        w->o -= (size_t)(p->out_strides[d] * p->in_dims[d]);
        w->idx[d] = 0;
    }
}

/* Walks the blocks of the plan, each cut to its slice [lo, hi) of `split` (columns of a
 * kept run, rows of a reduced block): calls cols(out + o, in + i, n, rows, run) when the
 * innermost group is kept (rows rows of n columns, run elements apart), rows(out + o,
 * in + i, rows, run) when it is reduced, o the slice's first output. Outputs of different
 * slices are disjoint, so slices may run on different threads; each output's inputs stay in
 * row-major order. */
typedef void (*reduce_cols_fn)(void *out, const void *in, size_t n, size_t rows, size_t stride);
typedef void (*reduce_rows_fn)(void *out, const void *in, size_t rows, size_t n);

typedef struct reduce_job {
    const reduce_plan *pl;
    size_t n_in, in_size, out_size, chunk;   /* chunk: slice width per task */
    const char *in;
    char *out;
    reduce_cols_fn cols;
    reduce_rows_fn rows;
} reduce_job;

static void reduce_blocks(const reduce_job *j, size_t lo, size_t hi) {
    const reduce_plan *pl = j->pl;
    int64_t idx[TFLC_MAX_RANK] = {0};
    size_t o = 0;
    for (size_t i = 0; i < j->n_in; i += pl->block) {
        if (pl->last_reduced)
            j->rows(j->out + (o + lo) * j->out_size, j->in + (i + lo * pl->run) * j->in_size,
                    hi - lo, pl->run);
        else
            j->cols(j->out + (o + lo) * j->out_size, j->in + (i + lo) * j->in_size, hi - lo,
                    pl->rows, pl->run);
        for (int g = pl->n_outer - 1; g >= 0; g--) {
            o += (size_t)pl->ostride[g];
            if (++idx[g] < pl->len[g]) break;
            o -= (size_t)(pl->ostride[g] * pl->len[g]);
            idx[g] = 0;
        }
    }
}

static void reduce_task(void *ctx, int task, int thread) {
    (void)thread;
    const reduce_job *j = ctx;
    size_t split = reduce_split(j->pl), lo = (size_t)task * j->chunk;
    reduce_blocks(j, lo, lo + j->chunk < split ? lo + j->chunk : split);
}

/* Runs the walk, split over the runner's threads when there is enough of it: at least
 * REDUCE_MIN_PARALLEL inputs and two slices of 16 (reduced rows), or of a 64-byte line of
 * kept columns. Column slices narrower than a line (16 int8 channels of a 32-channel MEAN)
 * made both threads stream every line of the input: EfficientNet B0 int8's first squeeze
 * MEAN took 4x longer on 2 threads than on 1. */
enum { REDUCE_MIN_PARALLEL = 1 << 15, REDUCE_SLICE_ALIGN = 16, REDUCE_SLICE_BYTES = 64 };

static void reduce_run(tflc_node *node, const reduce_params *p, const void *in, size_t in_size,
                       void *out, size_t out_size, reduce_cols_fn cols, reduce_rows_fn rows) {
    size_t split = reduce_split(&p->plan);
    reduce_job j = {.pl = &p->plan, .n_in = p->n_in, .in_size = in_size, .out_size = out_size,
                    .chunk = split, .in = in, .out = out, .cols = cols, .rows = rows};
    int threads = tflc_node_num_threads(node);
    const size_t line = in_size < REDUCE_SLICE_BYTES ? REDUCE_SLICE_BYTES / in_size : 1;
    const size_t align = p->plan.last_reduced || line < REDUCE_SLICE_ALIGN ? REDUCE_SLICE_ALIGN : line;
    if (threads < 2 || p->n_in < REDUCE_MIN_PARALLEL || split < 2 * align) {
        reduce_blocks(&j, 0, split);
        return;
    }
    size_t chunk = (split + (size_t)threads - 1) / (size_t)threads;
    j.chunk = (chunk + align - 1) / align * align;
    tflc_node_parallel_for(node, (int)((split + j.chunk - 1) / j.chunk), reduce_task, &j);
}

/* Columns per tile of a cols kernel: its running values (up to 64 x 8 bytes) stay in L1,
 * or in registers, while the block's rows stream past. */
enum { REDUCE_COL_TILE = 64 };

/* Defines reduce_<name>(p, in, out): out[o] = OP(out[o], x) for each input x of output o in
 * row-major input order, after filling with INIT. The rows kernel runs four rows' chains side
 * by side (each still sequential, so the bits are those of one chain at a time); the cols
 * kernel takes a tile of outputs through all the block's rows (row after row, so each output
 * still sees its inputs in order), one step per output per row, vectorized across the tile.
 * DEFINE_REDUCE_LOOPS defines the two kernels alone. */
#define DEFINE_REDUCE(name, T, INIT, OP)                                                   \
    DEFINE_REDUCE_LOOPS(name, T, OP)                                                       \
    static void reduce_##name(tflc_node *node, const reduce_params *p, const T *in,        \
                              T *out) {                                                    \
        for (size_t o = 0; o < p->n_out; o++) out[o] = (INIT);                             \
        reduce_run(node, p, in, sizeof(T), out, sizeof(T), name##_cols, name##_rows);      \
    }
#define DEFINE_REDUCE_LOOPS(name, T, OP)                                                   \
    static inline T name##_op(T acc, T x) { return (T)(OP); }                              \
    static void name##_cols(void *out_, const void *in_, size_t n, size_t rows,            \
                            size_t stride) {                                               \
        T *restrict out = out_;                                                            \
        const T *restrict in = in_;                                                        \
        for (size_t j0 = 0; j0 < n; j0 += REDUCE_COL_TILE) {                               \
            const size_t w = n - j0 < REDUCE_COL_TILE ? n - j0 : REDUCE_COL_TILE;          \
            T t[REDUCE_COL_TILE];                                                          \
            for (size_t j = 0; j < w; j++) t[j] = out[j0 + j];                             \
            for (size_t r = 0; r < rows; r++) {                                            \
                const T *x = in + r * stride + j0;                                         \
                for (size_t j = 0; j < w; j++) t[j] = name##_op(t[j], x[j]);               \
            }                                                                              \
            for (size_t j = 0; j < w; j++) out[j0 + j] = t[j];                             \
        }                                                                                  \
    }                                                                                      \
    static void name##_rows(void *out_, const void *in_, size_t rows, size_t n) {          \
        T *out = out_;                                                                     \
        const T *in = in_;                                                                 \
        size_t r = 0;                                                                      \
        for (; r + 4 <= rows; r += 4) {                                                    \
            const T *a = in + r * n;                                                       \
            T s0 = out[r], s1 = out[r + 1], s2 = out[r + 2], s3 = out[r + 3];              \
            for (size_t j = 0; j < n; j++) {                                               \
                s0 = name##_op(s0, a[j]);                                                  \
                s1 = name##_op(s1, a[n + j]);                                              \
                s2 = name##_op(s2, a[2 * n + j]);                                          \
                s3 = name##_op(s3, a[3 * n + j]);                                          \
            }                                                                              \
            out[r] = s0, out[r + 1] = s1, out[r + 2] = s2, out[r + 3] = s3;                \
        }                                                                                  \
        for (; r < rows; r++) {                                                            \
            T s = out[r];                                                                  \
            for (size_t j = 0; j < n; j++) s = name##_op(s, in[r * n + j]);                \
            out[r] = s;                                                                    \
        }                                                                                  \
    }

/* Wrapping integer arithmetic, as LiteRT's int32/int64 sums and products behave. */
#define WRAP_ADD(T, U, a, b) ((T)((U)(a) + (U)(b)))
#define WRAP_MUL(T, U, a, b) ((T)((U)(a) * (U)(b)))

DEFINE_REDUCE_LOOPS(sum_f32_seq, float, acc + x)   /* reduce_sum_f32 below */
DEFINE_REDUCE(sum_i32, int32_t, 0, WRAP_ADD(int32_t, uint32_t, acc, x))
DEFINE_REDUCE(sum_i64, int64_t, 0, WRAP_ADD(int64_t, uint64_t, acc, x))
DEFINE_REDUCE(sum_i8, int8_t, 0, (int8_t)(uint8_t)((unsigned)(acc + x) & 0xffu))
DEFINE_REDUCE(sum_u8, uint8_t, 0, (uint8_t)((unsigned)(acc + x) & 0xffu))
DEFINE_REDUCE(sum_i16, int16_t, 0, (int16_t)(uint16_t)((unsigned)(acc + x) & 0xffffu))
DEFINE_REDUCE(prod_f32, float, 1.0f, acc * x)
DEFINE_REDUCE(prod_i32, int32_t, 1, WRAP_MUL(int32_t, uint32_t, acc, x))
DEFINE_REDUCE(prod_i64, int64_t, 1, WRAP_MUL(int64_t, uint64_t, acc, x))
DEFINE_REDUCE(prod_i8, int8_t, 1, (int8_t)(uint8_t)((unsigned)(acc * x) & 0xffu))
DEFINE_REDUCE(prod_u8, uint8_t, 1, (uint8_t)((unsigned)(acc * x) & 0xffu))
DEFINE_REDUCE(prod_i16, int16_t, 1, (int16_t)(uint16_t)((unsigned)(acc * x) & 0xffffu))
DEFINE_REDUCE(max_f32, float, -INFINITY, x > acc ? x : acc)
DEFINE_REDUCE(max_i32, int32_t, INT32_MIN, x > acc ? x : acc)
DEFINE_REDUCE(max_i64, int64_t, INT64_MIN, x > acc ? x : acc)
DEFINE_REDUCE(max_i8, int8_t, INT8_MIN, x > acc ? x : acc)
DEFINE_REDUCE(max_u8, uint8_t, 0, x > acc ? x : acc)
DEFINE_REDUCE(max_i16, int16_t, INT16_MIN, x > acc ? x : acc)
DEFINE_REDUCE(min_f32, float, INFINITY, x < acc ? x : acc)
DEFINE_REDUCE(min_i32, int32_t, INT32_MAX, x < acc ? x : acc)
DEFINE_REDUCE(min_i64, int64_t, INT64_MAX, x < acc ? x : acc)
DEFINE_REDUCE(min_i8, int8_t, INT8_MAX, x < acc ? x : acc)
DEFINE_REDUCE(min_u8, uint8_t, UINT8_MAX, x < acc ? x : acc)
DEFINE_REDUCE(min_i16, int16_t, INT16_MAX, x < acc ? x : acc)
DEFINE_REDUCE(any_b, bool, false, acc || x)
DEFINE_REDUCE(all_b, bool, true, acc && x)

/* int64 sums of any integer-valued input (scratch accumulators). Integer sums are exact (or
 * wrap mod 2^64 alike) in any order, so the compiler may vectorize the row sums freely.
 * The cols kernel of a narrow T ([R, C] -> [C], a spatial MEAN) sums a tile of columns over
 * up to CHUNK rows in int32 lanes, exact while CHUNK * max|T| < 2^31 (int8 and uint8: 2^23
 * rows of at most 128 or 255, int16 2^15 * 32768), then adds the tile into the int64
 * accumulators: no call per pixel, and the widening adds vectorize across the tile. */

/* cols for int32 / int64 inputs: straight into the int64 accumulators. */
#define DEFINE_SUM64_COLS_WIDE(name, T)                                                    \
    static void sum64_##name##_cols(void *acc_, const void *in_, size_t n, size_t rows,    \
                                    size_t stride) {                                       \
        int64_t *restrict acc = acc_;                                                      \
        const T *restrict in = in_;                                                        \
        for (size_t r = 0; r < rows; r++)                                                  \
            for (size_t j = 0; j < n; j++)                                                 \
                acc[j] = (int64_t)((uint64_t)acc[j] + (uint64_t)(int64_t)in[r * stride + j]); \
    }

/* The column tile of an 8/16-bit sum: t[j] = sum over rows of in[r * stride + j], j < w,
 * added into acc. Plain C that the compiler vectorizes across the tile; it is compiled for
 * the baseline (SSE2 unpacks to widen) and, where GCC / Clang target x86, also for AVX2 and
 * AVX-512BW, whose widening loads (vpmovsx / vpmovzx) make it a load and an add per 8 or 16
 * columns; sum64_tile_isa picks one by tflc_cpu_isa(), so TFLC_ISA caps it. */
#if defined(__GNUC__) && defined(__x86_64__)
#define REDUCE_X86_TILES 1
#define REDUCE_TARGET_AVX2 __attribute__((target("avx2")))
#define REDUCE_TARGET_AVX512 __attribute__((target("avx512f,avx512bw")))
#else
#define REDUCE_X86_TILES 0
#endif

#define DEFINE_SUM64_TILE(name, T, sfx, ATTR)                                              \
    ATTR static void sum64_##name##_tile_##sfx(int64_t *restrict acc, const T *restrict in, \
                                               size_t w, size_t rows, size_t stride) {     \
        int32_t t[REDUCE_COL_TILE] = {0};                                                  \
        for (size_t r = 0; r < rows; r++)                                                  \
            for (size_t j = 0; j < w; j++) t[j] += in[r * stride + j];                     \
        for (size_t j = 0; j < w; j++)                                                     \
            acc[j] = (int64_t)((uint64_t)acc[j] + (uint64_t)(int64_t)t[j]);                \
    }

#if REDUCE_X86_TILES
#define DEFINE_SUM64_TILES(name, T)                                                        \
    DEFINE_SUM64_TILE(name, T, base, )                                                     \
    DEFINE_SUM64_TILE(name, T, avx2, REDUCE_TARGET_AVX2)                                   \
    DEFINE_SUM64_TILE(name, T, avx512, REDUCE_TARGET_AVX512)                               \
    typedef void (*sum64_##name##_tile_fn)(int64_t *, const T *, size_t, size_t, size_t);  \
    static sum64_##name##_tile_fn sum64_##name##_tile_isa(void) {                          \
        const tflc_isa isa = tflc_cpu_isa();                                               \
        return isa >= TFLC_ISA_AVX512 ? sum64_##name##_tile_avx512                         \
               : isa >= TFLC_ISA_AVX2 ? sum64_##name##_tile_avx2 : sum64_##name##_tile_base; \
    }
#else
#define DEFINE_SUM64_TILES(name, T)                                                        \
    DEFINE_SUM64_TILE(name, T, base, )                                                     \
    typedef void (*sum64_##name##_tile_fn)(int64_t *, const T *, size_t, size_t, size_t);  \
    static sum64_##name##_tile_fn sum64_##name##_tile_isa(void) { return sum64_##name##_tile_base; }
#endif

/* cols for 8/16-bit inputs: int32 lanes over chunks of at most CHUNK rows (see above). */
#define DEFINE_SUM64_COLS_NARROW(name, T, CHUNK)                                           \
    DEFINE_SUM64_TILES(name, T)                                                            \
    static void sum64_##name##_cols(void *acc_, const void *in_, size_t n, size_t rows,    \
                                    size_t stride) {                                       \
        int64_t *acc = acc_;                                                               \
        const T *in = in_;                                                                 \
        const sum64_##name##_tile_fn tile = sum64_##name##_tile_isa();                     \
        for (size_t j0 = 0; j0 < n; j0 += REDUCE_COL_TILE) {                               \
            const size_t w = n - j0 < REDUCE_COL_TILE ? n - j0 : REDUCE_COL_TILE;          \
            for (size_t r0 = 0; r0 < rows; r0 += (CHUNK)) {                                \
                const size_t rn = rows - r0 < (CHUNK) ? rows - r0 : (CHUNK);               \
                tile(acc + j0, in + r0 * stride + j0, w, rn, stride);                      \
            }                                                                              \
        }                                                                                  \
    }

#define DEFINE_SUM64(name, T)                                                              \
    static void sum64_##name##_rows(void *acc_, const void *in_, size_t rows, size_t n) {  \
        int64_t *acc = acc_;                                                               \
        const T *in = in_;                                                                 \
        for (size_t r = 0; r < rows; r++) {                                                \
            uint64_t s = (uint64_t)acc[r];                                                 \
            for (size_t j = 0; j < n; j++) s += (uint64_t)(int64_t)in[r * n + j];          \
            acc[r] = (int64_t)s;                                                           \
        }                                                                                  \
    }                                                                                      \
    static void sum64_##name(tflc_node *node, const reduce_params *p, const T *in,         \
                             int64_t *acc) {                                               \
        for (size_t o = 0; o < p->n_out; o++) acc[o] = 0;                                  \
        reduce_run(node, p, in, sizeof(T), acc, sizeof(int64_t), sum64_##name##_cols,      \
                   sum64_##name##_rows);                                                   \
    }
DEFINE_SUM64_COLS_WIDE(i32, int32_t)
DEFINE_SUM64_COLS_WIDE(i64, int64_t)
DEFINE_SUM64_COLS_NARROW(i8, int8_t, (size_t)1 << 23)
DEFINE_SUM64_COLS_NARROW(u8, uint8_t, (size_t)1 << 23)
DEFINE_SUM64_COLS_NARROW(i16, int16_t, (size_t)1 << 15)
DEFINE_SUM64(i32, int32_t)
DEFINE_SUM64(i64, int64_t)
DEFINE_SUM64(i8, int8_t)
DEFINE_SUM64(u8, uint8_t)
DEFINE_SUM64(i16, int16_t)

/* Float sums over the last axis ([R, D] -> [R], a LayerNorm's MEAN) 16 rows at a time on
 * AVX-512: each 16 x 16 block (rows r..r+15, columns j..j+15) is transposed in registers, so
 * that vector c holds column j + c of the 16 rows, and the vectors are added to the rows'
 * sums in column order. Every lane stays one row's sequential chain, the bits of
 * sum_f32_seq_rows; four scalar chains at a time waited on the add's latency (the
 * Transformer block's [1,128,256] MEANs: 7.4 us each). */
#if REDUCE_X86_TILES
#include <immintrin.h>

REDUCE_TARGET_AVX512 static inline void transpose16_f32(__m512 v[16]) {
    __m512 t[16], u[16];
    for (int k = 0; k < 8; k++) {   /* pairs of rows, within 128-bit lanes */
        t[2 * k] = _mm512_unpacklo_ps(v[2 * k], v[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_ps(v[2 * k], v[2 * k + 1]);
    }
    for (int k = 0; k < 4; k++) {   /* u[4k + m], lane L: column 4L + m of rows 4k..4k+3 */
        const __m512d a = _mm512_castps_pd(t[4 * k]), b = _mm512_castps_pd(t[4 * k + 2]);
        const __m512d c = _mm512_castps_pd(t[4 * k + 1]), d = _mm512_castps_pd(t[4 * k + 3]);
        u[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
        u[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        u[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
        u[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    for (int m = 0; m < 4; m++) {   /* the 4 x 4 transpose of 128-bit lanes */
        const __m512 x0 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x44);
        const __m512 x1 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xEE);
        const __m512 y0 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x44);
        const __m512 y1 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xEE);
        v[m] = _mm512_shuffle_f32x4(x0, y0, 0x88);
        v[4 + m] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
        v[8 + m] = _mm512_shuffle_f32x4(x1, y1, 0x88);
        v[12 + m] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
    }
}

/* out[0..16) += the 16 rows of n floats at in (row stride n), each in column order. */
REDUCE_TARGET_AVX512 static void sum_f32_rows16_avx512(float *out, const float *in, size_t n) {
    __m512 acc = _mm512_loadu_ps(out);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 v[16];
        for (int r = 0; r < 16; r++) v[r] = _mm512_loadu_ps(in + (size_t)r * n + j);
        transpose16_f32(v);
        for (int c = 0; c < 16; c++) acc = _mm512_add_ps(acc, v[c]);
    }
    _mm512_storeu_ps(out, acc);
    for (int r = 0; r < 16; r++) {   /* the last n % 16 columns, in order */
        float s = out[r];
        for (size_t jj = j; jj < n; jj++) s = s + in[(size_t)r * n + jj];
        out[r] = s;
    }
}

/* The float column sums ([R, C] -> [C], a squeeze-excite's spatial MEAN) on AVX-512: a
 * tile of up to 64 columns in four registers through all the rows, each lane adding its
 * column's values in row order (sum_f32_seq_cols' bits). The generic tile kept its running
 * sums in a stack array, so every row waited on a store and a reload: EfficientNet-B0's
 * [1,112,112,32] MEAN took 35 us. NV vectors of 16 columns, masks k[0..NV). */
REDUCE_TARGET_AVX512 static inline void sum_f32_col_tile(float *out, const float *in, size_t rows,
                                                         size_t stride, const int nv,
                                                         const __mmask16 *k) {
    __m512 t[4];
    for (int q = 0; q < nv; q++) t[q] = _mm512_maskz_loadu_ps(k[q], out + 16 * q);
    for (size_t r = 0; r < rows; r++, in += stride)
        for (int q = 0; q < nv; q++) t[q] = _mm512_add_ps(t[q], _mm512_maskz_loadu_ps(k[q], in + 16 * q));
    for (int q = 0; q < nv; q++) _mm512_mask_storeu_ps(out + 16 * q, k[q], t[q]);
}

REDUCE_TARGET_AVX512 static void sum_f32_cols_avx512(float *out, const float *in, size_t n,
                                                     size_t rows, size_t stride) {
    for (size_t j0 = 0; j0 < n; j0 += 64) {
        const size_t w = n - j0 < 64 ? n - j0 : 64;
        __mmask16 k[4];
        for (size_t q = 0; q < 4; q++) {
            const size_t lanes = w > 16 * q ? w - 16 * q : 0;
            k[q] = (__mmask16)(lanes >= 16 ? 0xFFFFu : (1u << lanes) - 1u);
        }
        switch ((w + 15) / 16) {   /* a constant count per loop, so t[] stays in registers */
        case 1: sum_f32_col_tile(out + j0, in + j0, rows, stride, 1, k); break;
        case 2: sum_f32_col_tile(out + j0, in + j0, rows, stride, 2, k); break;
        case 3: sum_f32_col_tile(out + j0, in + j0, rows, stride, 3, k); break;
        default: sum_f32_col_tile(out + j0, in + j0, rows, stride, 4, k); break;
        }
    }
}
#endif

static void sum_f32_cols(void *out, const void *in, size_t n, size_t rows, size_t stride) {
#if REDUCE_X86_TILES
    if (tflc_cpu_isa() >= TFLC_ISA_AVX512) {
        sum_f32_cols_avx512(out, in, n, rows, stride);
        return;
    }
#endif
    sum_f32_seq_cols(out, in, n, rows, stride);
}

static void sum_f32_rows(void *out_, const void *in_, size_t rows, size_t n) {
    float *out = out_;
    const float *in = in_;
    size_t r = 0;
#if REDUCE_X86_TILES
    if (n >= 16 && tflc_cpu_isa() >= TFLC_ISA_AVX512)
        for (; r + 16 <= rows; r += 16) sum_f32_rows16_avx512(out + r, in + r * n, n);
#endif
    sum_f32_seq_rows(out + r, in + r * n, rows - r, n);
}

static void reduce_sum_f32(tflc_node *node, const reduce_params *p, const float *in, float *out) {
    for (size_t o = 0; o < p->n_out; o++) out[o] = 0.0f;
    reduce_run(node, p, in, sizeof(float), out, sizeof(float), sum_f32_cols, sum_f32_rows);
}

/* --------------------------------------------------------- MEAN / SUM -- */

static void sum64_any(tflc_node *node, const reduce_params *p, tflc_dtype dt, const void *in, int64_t *acc) {
    switch (dt) {
    case TFLC_INT32: sum64_i32(node, p, in, acc); break;
    case TFLC_INT64: sum64_i64(node, p, in, acc); break;
    case TFLC_INT8: sum64_i8(node, p, in, acc); break;
    case TFLC_UINT8: sum64_u8(node, p, in, acc); break;
    default: sum64_i16(node, p, in, acc); break;
    }
}

static int32_t clamp64(int64_t v, int32_t lo, int32_t hi) {
    return (int32_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* int8 4-D MEAN as LiteRT's builtin kernel runs it on x86 (optimized_integer_ops::Mean, its
 * NEON code through NEON_2_SSE): channels [0, C - C % 16) go through the 16-lane loop, whose
 * multiply rounds both steps ties up (vqrdmulh, vrshl: nn_mul_by_qm_ties_up); the last
 * C % 16 through the scalar loop's MultiplyByQuantizedMultiplier (ties away from zero on the
 * shift). Both take the 32-bit sum of the raw values. LiteRT splits channels over threads
 * only above one thread; its Python interpreter and our conformance run one. */
static int32_t mean_4d_i8_value(const reduce_params *p, int64_t sum, bool vector_lane) {
    int32_t s32 = (int32_t)(uint32_t)(uint64_t)sum;
    int32_t v = vector_lane ? nn_mul_by_qm_ties_up(s32, p->multiplier, p->shift)
                            : tflc_sh_mul_qm(s32, p->multiplier, p->shift);
    return nn_clamp_i32((int64_t)v + p->bias, INT8_MIN, INT8_MAX);
}

/* The [B, C] outputs of the int8 4-D MEAN: channel c < C - C % 16 goes through the vector
 * loop's rounding (a running channel index, not a division per output). */
static void mean_4d_i8_store(const reduce_params *p, const int64_t *acc, int8_t *out) {
    const size_t channels = (size_t)p->in_dims[3], vector_end = channels - channels % 16;
    for (size_t k = 0, c = 0; k < p->n_out; k++) {
        out[k] = (int8_t)mean_4d_i8_value(p, acc[k], c < vector_end);
        if (++c == channels) c = 0;
    }
}

/* Every quantized MEAN but the int8 4-D one (mean_4d_i8_store). */
static int32_t quant_mean_value(const reduce_params *p, int64_t sum, int32_t lo, int32_t hi) {
    switch (p->qmode) {
    case Q_MEAN_4D_U8:
        return clamp64((int64_t)tflc_sh_mul_qm((int32_t)sum, p->multiplier, p->shift) + p->bias, lo, hi);
    default: {
        int32_t shifted = (int32_t)(uint32_t)(uint64_t)(sum - (int64_t)p->in_zp * (int64_t)p->n_red);
        return clamp64((int64_t)tflc_sh_mul_qm(shifted, p->multiplier, p->shift) + p->out_zp, lo, hi);
    }
    }
}

static void mean_eval(tflc_node *node, const reduce_params *p, const tflc_tensor *in, tflc_tensor *out, int64_t *acc) {
    tflc_dtype dt = in->dtype;
    if (dt == TFLC_FLOAT32) {
        float *o = out->data;
        reduce_sum_f32(node, p, in->data, o);
        for (size_t k = 0; k < p->n_out; k++) o[k] = p->n_in ? o[k] / (float)p->n_red : NAN;
        return;
    }
    if (p->n_in == 0) {   /* LiteRT fills with quiet_NaN<T>(), which is 0 for integers */
        memset(out->data, 0, out->bytes);
        return;
    }
    if (p->qmode == Q_MEAN_COPY) {
        memcpy(out->data, in->data, out->bytes);
        return;
    }
    sum64_any(node, p, dt, in->data, acc);
    if (p->qmode == Q_MEAN_4D_I8) {
        mean_4d_i8_store(p, acc, out->data);
        return;
    }
    int32_t lo, hi;
    for (size_t k = 0; k < p->n_out; k++) {
        if (dt == TFLC_INT32) ((int32_t *)out->data)[k] = (int32_t)(acc[k] / (int64_t)p->n_red);
        else if (dt == TFLC_INT64) ((int64_t *)out->data)[k] = acc[k] / (int64_t)p->n_red;
        else if (tflc_ops_int_range(dt, &lo, &hi))
            tflc_sh_qstore(dt, out->data, k, quant_mean_value(p, acc[k], lo, hi));
    }
}

/* 8-bit SUM into a different scale: round(sum * s - zp_in * s * n) + zp_out, in float as
 * LiteRT does, stored without clamping (LiteRT's static_cast wraps). */
static void sum_rescale_eval(tflc_node *node, const reduce_params *p, const tflc_tensor *in, tflc_tensor *out,
                             int64_t *acc) {
    if (p->n_in == 0) {
        memset(out->data, 0, out->bytes);
        return;
    }
    sum64_any(node, p, in->dtype, in->data, acc);
    float scale = p->in_scale / p->out_scale;
    float bias = -(float)p->in_zp * scale * (float)p->n_red;
    for (size_t k = 0; k < p->n_out; k++) {
        float v = (float)(int32_t)acc[k] * scale + bias;
        int32_t q = (int32_t)((uint32_t)tflc_sh_round_i32(v) + (uint32_t)p->out_zp);
        tflc_sh_qstore(in->dtype, out->data, k, q);
    }
}

/* int16 SUM: the exact sum, saturated to int16. */
static void sum_sat_eval(tflc_node *node, const reduce_params *p, const tflc_tensor *in, tflc_tensor *out, int64_t *acc) {
    sum64_any(node, p, in->dtype, in->data, acc);
    for (size_t k = 0; k < p->n_out; k++)
        ((int16_t *)out->data)[k] =
            (int16_t)(acc[k] > INT16_MAX ? INT16_MAX : (acc[k] < INT16_MIN ? INT16_MIN : acc[k]));
}

/* Quantized REDUCE_PROD: per output, v = q0 - zp, then v = M(v * (q - zp)) for each further
 * input, and finally M(v) + zp_out, M rescaling in LiteRT's 64-bit fixed point. The
 * scratch holds the running products and a seen flag per output. */
static void prod_quant_eval(const reduce_params *p, const tflc_tensor *in, tflc_tensor *out, void *scratch) {
    int64_t *acc = scratch;
    uint8_t *seen = (uint8_t *)(acc + p->n_out);
    int32_t lo, hi;
    tflc_ops_int_range(in->dtype, &lo, &hi);
    if (p->n_in == 0) return;   /* LiteRT leaves the output as it is */
    memset(seen, 0, p->n_out);
    walker w = {{0}, 0};
    for (size_t i = 0; i < p->n_in; i++) {
        int32_t x = tflc_sh_qload(in->dtype, in->data, i) - p->in_zp;
        if (!seen[w.o]) acc[w.o] = x;
        else acc[w.o] = tflc_sh_mul_qm64(acc[w.o] * x, p->multiplier, p->shift);
        seen[w.o] = 1;
        walk_next(p, &w);
    }
    for (size_t k = 0; k < p->n_out; k++)
        tflc_sh_qstore(
            in->dtype, out->data, k,
            clamp64((int64_t)tflc_sh_mul_qm64(acc[k], p->multiplier, p->shift) + p->out_zp, lo, hi));
}

/* ---------------------------------------------------------------- eval -- */

#define DISPATCH(prefix, dt, p, in, out)                                                    \
    switch (dt) {                                                                          \
    case TFLC_FLOAT32: reduce_##prefix##_f32(node, p, in, out); break;                           \
    case TFLC_INT32: reduce_##prefix##_i32(node, p, in, out); break;                             \
    case TFLC_INT64: reduce_##prefix##_i64(node, p, in, out); break;                             \
    default: break;                                                                        \
    }

#define DISPATCH_Q(prefix, dt, p, in, out)                                                  \
    switch (dt) {                                                                          \
    case TFLC_INT8: reduce_##prefix##_i8(node, p, in, out); break;                               \
    case TFLC_UINT8: reduce_##prefix##_u8(node, p, in, out); break;                              \
    case TFLC_INT16: reduce_##prefix##_i16(node, p, in, out); break;                             \
    default: DISPATCH(prefix, dt, p, in, out)                                              \
    }

static tflc_status reduce_eval(tflc_node *node) {
    const reduce_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];
    tflc_dtype dt = in->dtype;
    switch (p->kind) {
    case R_MEAN: mean_eval(node, p, in, out, node->scratch); break;
    case R_SUM:
        if (p->qmode == Q_SUM_RESCALE) sum_rescale_eval(node, p, in, out, node->scratch);
        else if (p->qmode == Q_SUM_SAT) sum_sat_eval(node, p, in, out, node->scratch);
        else DISPATCH_Q(sum, dt, p, in->data, out->data)
        break;
    case R_PROD:
        if (p->qmode == Q_PROD) prod_quant_eval(p, in, out, node->scratch);
        else DISPATCH_Q(prod, dt, p, in->data, out->data)
        break;
    case R_MAX: DISPATCH_Q(max, dt, p, in->data, out->data) break;
    case R_MIN: DISPATCH_Q(min, dt, p, in->data, out->data) break;
    case R_ANY: reduce_any_b(node, p, in->data, out->data); break;
    default: reduce_all_b(node, p, in->data, out->data); break;
    }
    return TFLC_OK;
}

/* ------------------------------------------------------------- kernels -- */

static tflc_status mean_prepare(tflc_node *node) { return reduce_prepare_kind(node, R_MEAN); }
static tflc_status sum_prepare(tflc_node *node) { return reduce_prepare_kind(node, R_SUM); }
static tflc_status prod_prepare(tflc_node *node) { return reduce_prepare_kind(node, R_PROD); }
static tflc_status max_prepare(tflc_node *node) { return reduce_prepare_kind(node, R_MAX); }
static tflc_status min_prepare(tflc_node *node) { return reduce_prepare_kind(node, R_MIN); }
static tflc_status any_prepare(tflc_node *node) { return reduce_prepare_kind(node, R_ANY); }
static tflc_status all_prepare(tflc_node *node) { return reduce_prepare_kind(node, R_ALL); }

#define REDUCE_KERNEL(var, NAME, prep)                                                      \
    const tflc_kernel var = {.name = NAME, .params_size = sizeof(reduce_params),            \
                             .prepare = prep, .eval = reduce_eval}
REDUCE_KERNEL(tflc_kernel_mean, "MEAN", mean_prepare);
REDUCE_KERNEL(tflc_kernel_sum, "SUM", sum_prepare);
REDUCE_KERNEL(tflc_kernel_reduce_prod, "REDUCE_PROD", prod_prepare);
REDUCE_KERNEL(tflc_kernel_reduce_max, "REDUCE_MAX", max_prepare);
REDUCE_KERNEL(tflc_kernel_reduce_min, "REDUCE_MIN", min_prepare);
REDUCE_KERNEL(tflc_kernel_reduce_any, "REDUCE_ANY", any_prepare);
REDUCE_KERNEL(tflc_kernel_reduce_all, "REDUCE_ALL", all_prepare);
