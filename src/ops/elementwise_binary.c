/*
 * elementwise_binary.c -- two-input elementwise arithmetic with numpy broadcasting:
 *
 *   ADD, SUB, MUL    float32, int32, int64, int16 (plain), and quantized int8 / uint8 / int16
 *   DIV              float32, int32, quantized int8 / uint8 (LiteRT's reciprocal arithmetic)
 *   MAXIMUM, MINIMUM float32, int8, uint8, int16, int32, int64 (quantized values compare raw)
 *   POW              float32, int32          FLOOR_DIV  float32, int8, int16, int32, int64
 *   FLOOR_MOD        float32, int8, int16, int32, int64
 *   SQUARED_DIFFERENCE float32, int32, quantized int8      ATAN2  float32
 *
 *   a [2,1,3]  b [4,1]  ->  out [2,4,3],  out[i][j][k] = act(a[i][0][k] OP b[j][0])
 *
 * Semantics are LiteRT's builtin kernels, bit for bit:
 *   - float ADD/SUB/MUL/DIV clamp to the fused activation's range, and with no activation to
 *     [-FLT_MAX, FLT_MAX] (so an overflow gives FLT_MAX, not inf; NaN passes). A fused TANH
 *     clamps nothing more: TFLite's CalculateActivationRange ignores it (checked against
 *     LiteRT with a patched model). SIGN_BIT is refused.
 *   - integer + - * wrap (computed unsigned, so no undefined behaviour); / truncates; a zero
 *     divisor in an integer DIV / FLOOR_DIV / FLOOR_MOD fails the run before writing.
 *   - quantized ADD/SUB rescale both inputs to a common fixed-point scale (left shift 20 for
 *     8-bit, 15 for int16) and back; MUL multiplies then rescales; SQUARED_DIFFERENCE int8
 *     uses left shift 7. int16 ADD/SUB with pot_scale_int16 and power-of-two scales take
 *     TFLite's shift-and-saturate path instead. int16 ADD of same-shape inputs rounds as
 *     LiteRT's vector loop (NEON, via NEON_2_SSE on x86) on the elements below count / 16 *
 *     16 (row_add16).
 * Prepare builds a broadcast plan (math_common.h); eval walks it one row at a time. Float
 * ADD/SUB/MUL/DIV rows whose operands are both contiguous, or one contiguous and one a
 * single value (same shapes, scalars, a [C] vector against [.., C]), run the vectorized
 * loops of kernels/f32_vbinary.h: the same single operation and clamp per element, so the
 * same bits. Quantized ADD/SUB (general scales), MUL and SQUARED_DIFFERENCE rows of those
 * forms run kernels/qs8_vbinary.h's loops, which are the fixed-point arithmetic below
 * rearranged exactly for 32-bit lanes; prepare keeps the row loops for any parameters where
 * that rearrangement could overflow. A plan that is [R, n] against one row of n broadcast
 * down it (the squeeze-excite scale [1,H,W,C] * [1,1,1,C]) goes to those kernels' row forms,
 * whole spans of rows per call (bin_setup_rows). Outputs of 16K elements and more are split
 * into contiguous spans, up to several per thread (tflc_node_split_span).
 * A MUL that core/graph.c fuses with the LOGISTIC feeding it (swish, ops/fusion.h) reads
 * only x: float32 through f32_vunary's swish (sigmoid, product and this clamp: the pair's
 * bits), int8 / uint8 through a table of the pair on every byte (x8_lut).
 */
#include <stdatomic.h>

#include "ops/math_common.h"

#include "kernels/f32_vbinary.h"
#include "kernels/f32_vunary.h"
#include "kernels/qs8_vbinary.h"
#include "kernels/x8_lut.h"
#include "ops/fusion.h"

typedef enum bin_op {
    BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MAX, BIN_MIN, BIN_POW, BIN_FLOOR_DIV,
    BIN_FLOOR_MOD, BIN_SQDIFF, BIN_ATAN2,
} bin_op;

typedef enum bin_mode {
    MODE_FLOAT,          /* float32 */
    MODE_INT,            /* plain integers (and raw compare of quantized values) */
    MODE_QADD,           /* quantized ADD/SUB, general scales */
    MODE_QADD16_POT,     /* int16 ADD/SUB, power-of-two scales */
    MODE_QMUL,           /* quantized MUL */
    MODE_QSQDIFF,        /* quantized SQUARED_DIFFERENCE */
    MODE_QDIV,           /* quantized int8/uint8 DIV */
} bin_mode;

/* A MUL that core/graph.c fused with the LOGISTIC feeding it (tflc_mul_fuse_swish). */
typedef enum bin_swish {
    SWISH_OFF,           /* a plain binary op (prepare always starts here) */
    SWISH_F32,           /* out = clamp(x * sigmoid(x)) in one vector pass */
    SWISH_LUT8,          /* int8 / uint8: out = swish_lut[x byte] */
} bin_swish;

typedef struct bin_params {
    bin_op op;
    bin_mode mode;
    tflc_dtype dtype;                 /* inputs and output */
    float fmin, fmax;                 /* MODE_FLOAT clamp */
    int64_t imin, imax;               /* MODE_INT clamp */
    int32_t in1_offset, in2_offset, out_offset;          /* quantized modes */
    int32_t in1_mult, in2_mult, out_mult;
    int in1_shift, in2_shift, out_shift, left_shift;
    int32_t qmin, qmax;
    size_t add16_vec_end;             /* int16 ADD, same shapes: see row_add16 (0: unused) */
    math_plan plan;
    tflc_f32_vbinary_fn vfn[TFLC_VBINARY_FORM_COUNT];   /* float ADD..DIV, SQUARED_DIFFERENCE:
                                                           the vector loops (bin_has_vloops) */
    tflc_f32_vbinary_rows_fn vrows_fn[TFLC_VBINARY_ROWS_FORM_COUNT];   /* their row forms */
    tflc_f32_vbinary_rows_fn vrows;   /* the plan is one of them (bin_setup_rows); or NULL */
    tflc_qbinary_fn qfn[TFLC_QBINARY_FORM_COUNT];       /* quantized ADD/SUB/MUL; NULL: none */
    tflc_qbinary_rows_fn qrows_fn[TFLC_QBINARY_ROWS_FORM_COUNT];   /* their row forms */
    tflc_qbinary_rows_fn qrows;       /* the plan is one of them (bin_setup_rows); or NULL */
    tflc_qbinary_params qk;                             /* their parameters */
    bin_swish swish;                  /* fused swish: x is inputs[swish_x], the other unused */
    int swish_x;
    tflc_f32_vswish_fn swish_f32;     /* SWISH_F32, with the clamp [fmin, fmax] */
    tflc_x8_lut_fn swish_lut_fn;      /* SWISH_LUT8 */
    uint8_t swish_lut[256];           /* SWISH_LUT8, indexed by the byte of x */
    bool residual;                    /* a float ADD run by the convolution writing its
                                         operand residual_x (tflc_add_fuse_residual) */
    int residual_x;
    bool scalar;                      /* float, x (inputs[scalar_x]) against a one-element
                                         constant, output of x's shape: an epilogue node
                                         (tflc_bin_scalar_input); set by prepare */
    int scalar_x;
    /* A chain's first node (tflc_bin_chain_append): it runs chain[0..chain_len), itself
     * first, a block of CHAIN_BLOCK elements at a time; chain_len 1 is a node alone. A
     * member whose output only later members read (chain_local) writes it into the thread's
     * scratch, slot chain_slot, for the block only. */
    const tflc_node *chain[TFLC_BIN_CHAIN_MAX];
    bool chain_local[TFLC_BIN_CHAIN_MAX];
    int chain_slot[TFLC_BIN_CHAIN_MAX];
    int chain_len, chain_locals;
} bin_params;

/* The float ops with vector loops (kernels/f32_vbinary.h). */
static bool bin_has_vloops(bin_op op) { return op <= BIN_DIV || op == BIN_SQDIFF; }

/* --------------------------------------------------------------- dtypes -- */

/* Which input dtypes each op takes. */
static bool bin_dtype_ok(bin_op op, tflc_dtype d, const char **supported) {
    switch (op) {
    case BIN_ADD: case BIN_SUB: case BIN_MUL:
        *supported = "float32, int32, int64, int16, and quantized int8 and uint8";
        return d == TFLC_FLOAT32 || d == TFLC_INT32 || d == TFLC_INT64 || d == TFLC_INT16 ||
               d == TFLC_INT8 || d == TFLC_UINT8;
    case BIN_DIV:
        *supported = "float32, int32, and quantized int8 and uint8";
        return d == TFLC_FLOAT32 || d == TFLC_INT32 || d == TFLC_INT8 || d == TFLC_UINT8;
    case BIN_MAX: case BIN_MIN:
        *supported = "float32, int8, uint8, int16, int32 and int64";
        return d == TFLC_FLOAT32 || d == TFLC_INT8 || d == TFLC_UINT8 || d == TFLC_INT16 ||
               d == TFLC_INT32 || d == TFLC_INT64;
    case BIN_POW: *supported = "float32 and int32"; return d == TFLC_FLOAT32 || d == TFLC_INT32;
    case BIN_FLOOR_DIV: case BIN_FLOOR_MOD:
        *supported = "float32, int8, int16, int32 and int64";
        return d == TFLC_FLOAT32 || d == TFLC_INT8 || d == TFLC_INT16 || d == TFLC_INT32 ||
               d == TFLC_INT64;
    case BIN_SQDIFF:
        *supported = "float32, int32 and quantized int8";
        return d == TFLC_FLOAT32 || d == TFLC_INT32 || d == TFLC_INT8;
    case BIN_ATAN2: *supported = "float32"; return d == TFLC_FLOAT32;
    }
    return false;
}

static tflc_status bin_check_dtypes(tflc_node *node, bin_op op) {
    const tflc_tensor *a = node->inputs[0];
    const char *supported = "";
    if (!bin_dtype_ok(op, a->dtype, &supported))
        return math_unsupported_dtype(node, a->dtype, supported);
    tflc_status s = tflc_ops_expect_dtype(node, node->inputs[1], "input", 1, a->dtype);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    return s;
}

/* ---------------------------------------------------------- activation -- */

static int bin_activation(const tflc_node *node, bin_op op) {
    static const uint8_t types[] = {[BIN_ADD] = BO_Add, [BIN_SUB] = BO_Sub, [BIN_MUL] = BO_Mul,
                                    [BIN_DIV] = BO_Div};
    if (op > BIN_DIV) return ACT_NONE;
    const uint8_t *opts = tflc_ops_options(node, types[op]);
    return opts ? fb_i8(opts, ADD_OPT_ACTIVATION, 0) : ACT_NONE;
}

/* TFLite's CalculateActivationRange<T> for plain types: NONE (and TANH) is the
 * type's whole range, which for float means [-FLT_MAX, FLT_MAX]. */
static tflc_status bin_act_plain(tflc_node *node, bin_params *p, int act) {
    double lo = 0, hi = 0;
    switch (act) {
    case ACT_RELU: lo = 0; hi = INFINITY; break;
    case ACT_RELU6: lo = 0; hi = 6; break;
    case ACT_RELU_N1_TO_1: lo = -1; hi = 1; break;
    case ACT_NONE: case ACT_TANH: lo = -INFINITY; hi = INFINITY; break;
    case ACT_SIGN_BIT:      /* never emitted by the converter; refused rather than guessed */
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "fused activation SIGN_BIT is not supported");
    default:
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown fused activation %d", act);
    }
    p->fmin = isinf(lo) ? -FLT_MAX : (float)lo;
    p->fmax = isinf(hi) ? FLT_MAX : (float)hi;
    int32_t r_lo = INT32_MIN, r_hi = INT32_MAX;
    int64_t tmin = p->dtype == TFLC_INT64 ? INT64_MIN : INT32_MIN;
    int64_t tmax = p->dtype == TFLC_INT64 ? INT64_MAX : INT32_MAX;
    if (tflc_ops_int_range(p->dtype, &r_lo, &r_hi)) { tmin = r_lo; tmax = r_hi; }
    p->imin = isinf(lo) ? tmin : (int64_t)lo;
    p->imax = isinf(hi) ? tmax : (int64_t)hi;
    return TFLC_OK;
}

/* ------------------------------------------------------ quantized setup -- */

/* TFLite's QuantizeMultiplierSmallerThanOneExp: m must lie in (0, 1). */
static tflc_status bin_mult_below_one(tflc_node *node, double m, const char *what,
                                      int32_t *mult, int *shift) {
    if (!(m > 0.0 && m < 1.0))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s rescale factor %g is outside (0, 1), which TFLite's "
                              "fixed-point scheme requires", what, m);
    math_quantize_multiplier(m, mult, shift);
    return TFLC_OK;
}

/* ADD/SUB (left shift 20 for 8-bit, 15 for int16) and SQUARED_DIFFERENCE (7, squared): both
 * inputs move to the larger scale, halved, then the result to the output scale. */
static tflc_status bin_setup_rescale(tflc_node *node, bin_params *p, const math_qparams *q) {
    double twice_max = 2.0 * (double)(q[0].scale > q[1].scale ? q[0].scale : q[1].scale);
    double out_m = p->mode == MODE_QSQDIFF
                       ? twice_max * twice_max / ((double)(1 << (2 * p->left_shift)) * q[2].scale)
                       : twice_max / ((double)(1 << p->left_shift) * (double)q[2].scale);
    p->in1_offset = -q[0].zero_point;
    p->in2_offset = -q[1].zero_point;
    p->out_offset = q[2].zero_point;
    tflc_status s = bin_mult_below_one(node, (double)q[0].scale / twice_max, "input 0",
                                       &p->in1_mult, &p->in1_shift);
    if (s == TFLC_OK)
        s = bin_mult_below_one(node, (double)q[1].scale / twice_max, "input 1", &p->in2_mult,
                               &p->in2_shift);
    if (s == TFLC_OK) s = bin_mult_below_one(node, out_m, "output", &p->out_mult, &p->out_shift);
    return s;
}

/* int16 ADD/SUB with pot_scale_int16 set and every scale a power of two: one input is
 * shifted right onto the other's (== the output's) scale. */
static tflc_status bin_setup_pot16(tflc_node *node, bin_params *p, const int *log2s) {
    p->in1_shift = log2s[0] - log2s[2];
    p->in2_shift = log2s[1] - log2s[2];
    if ((p->in1_shift != 0 && p->in2_shift != 0) || p->in1_shift > 0 || p->in2_shift > 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "int16 power-of-two scales need one input on the output's scale "
                              "and the other finer (input shifts %d and %d)",
                              p->in1_shift, p->in2_shift);
    return TFLC_OK;
}

/* Picks MODE_QADD or MODE_QADD16_POT for int16 ADD/SUB, as TFLite's Prepare does. */
static tflc_status bin_setup_addsub16(tflc_node *node, bin_params *p, const math_qparams *q) {
    static const char *const roles[] = {"input", "input", "output"};
    int log2s[3];
    bool pot = true;
    for (int k = 0; k < 3; k++) {
        tflc_status s = math_expect_zero_point0(node, &q[k], roles[k], k == 2 ? 0 : k);
        if (s != TFLC_OK) return s;
        pot = math_checked_log2(q[k].scale, &log2s[k]) && pot;
    }
    uint8_t type = p->op == BIN_ADD ? BO_Add : BO_Sub;
    const uint8_t *opts = tflc_ops_options(node, type);
    bool pot_flag = opts ? fb_u8(opts, ADD_OPT_POT_SCALE_INT16, 1) != 0 : true;
    if (pot_flag && pot) {
        p->mode = MODE_QADD16_POT;
        return bin_setup_pot16(node, p, log2s);
    }
    p->left_shift = 15;
    return bin_setup_rescale(node, p, q);
}

static tflc_status bin_setup_quantized(tflc_node *node, bin_params *p) {
    math_qparams q[3];
    tflc_status s = math_qparams_of(node, node->inputs[0], "input", 0, &q[0]);
    if (s == TFLC_OK) s = math_qparams_of(node, node->inputs[1], "input", 1, &q[1]);
    if (s == TFLC_OK) s = math_qparams_of(node, node->outputs[0], "output", 0, &q[2]);
    if (s == TFLC_OK)
        s = math_act_range_q(node, bin_activation(node, p->op), p->dtype, &q[2], &p->qmin,
                             &p->qmax);
    if (s != TFLC_OK) return s;
    if (p->op == BIN_MUL) {
        p->mode = MODE_QMUL;
        if (p->dtype == TFLC_INT16 && (q[0].zero_point || q[1].zero_point || q[2].zero_point))
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "int16 MUL needs zero points of 0");
        p->in1_offset = -q[0].zero_point;
        p->in2_offset = -q[1].zero_point;
        p->out_offset = q[2].zero_point;
        /* LiteRT's Prepare multiplies the float scales in float, then widens: in double
         * the multiplier can differ in its low bits, which moves results lying within
         * ~1e-4 of a half by one step (seen on int16 MUL in the model zoo). */
        float real = q[0].scale * q[1].scale / q[2].scale;
        math_quantize_multiplier((double)real, &p->out_mult, &p->out_shift);
        return TFLC_OK;
    }
    if (p->op == BIN_DIV) {   /* LiteRT: multiplier in1 / (in2 * out), in float */
        p->mode = MODE_QDIV;
        p->in1_offset = -q[0].zero_point;
        p->in2_offset = -q[1].zero_point;
        p->out_offset = q[2].zero_point;
        float real = q[0].scale / (q[1].scale * q[2].scale);
        math_quantize_multiplier((double)real, &p->out_mult, &p->out_shift);
        return TFLC_OK;
    }
    if (p->op == BIN_SQDIFF) {
        p->mode = MODE_QSQDIFF;
        p->left_shift = 7;
        p->qmin = INT8_MIN;                      /* SQUARED_DIFFERENCE has no activation */
        p->qmax = INT8_MAX;
        return bin_setup_rescale(node, p, q);
    }
    p->mode = MODE_QADD;
    if (p->dtype == TFLC_INT16) return bin_setup_addsub16(node, p, q);
    p->left_shift = 20;
    return bin_setup_rescale(node, p, q);
}

/* Quantized arithmetic for int8/uint8 always, and for int16 ADD/SUB/MUL when the tensors
 * carry quantization (plain int16 is integer arithmetic, as in TFLite). */
static bool bin_is_quantized(const bin_params *p, const tflc_tensor *out) {
    if (p->op == BIN_DIV) return math_is_q8(p->dtype);
    if (p->op != BIN_ADD && p->op != BIN_SUB && p->op != BIN_MUL && p->op != BIN_SQDIFF)
        return false;
    if (math_is_q8(p->dtype)) return true;
    return p->dtype == TFLC_INT16 && p->op != BIN_SQDIFF && tflc_ops_quant(out) != NULL;
}

/* The vector loops of kernels/qs8_vbinary.h for quantized ADD/SUB (general scales), MUL and
 * SQUARED_DIFFERENCE, when their exactness conditions hold for these parameters (they do for
 * every 8-bit ADD/SUB/SQUARED_DIFFERENCE and every int16 ADD/SUB; a MUL whose multiplier
 * needs a large left shift keeps the reference loop). */
static void bin_setup_qfast(bin_params *p) {
    static const tflc_qbinary_op ops[] = {[BIN_ADD] = TFLC_QBINARY_ADD,
                                          [BIN_SUB] = TFLC_QBINARY_SUB,
                                          [BIN_MUL] = TFLC_QBINARY_MUL,
                                          [BIN_SQDIFF] = TFLC_QBINARY_SQDIFF};
    if (p->mode != MODE_QADD && p->mode != MODE_QMUL && p->mode != MODE_QSQDIFF) return;
    const tflc_qbinary_dtype dt = p->dtype == TFLC_INT8    ? TFLC_QBINARY_S8
                                  : p->dtype == TFLC_UINT8 ? TFLC_QBINARY_U8
                                                           : TFLC_QBINARY_S16;
    const tflc_qbinary_spec spec = {
        .op = ops[p->op], .dtype = dt, .left_shift = p->left_shift,
        .in_offset = {p->in1_offset, p->in2_offset}, .in_mult = {p->in1_mult, p->in2_mult},
        .in_shift = {p->in1_shift, p->in2_shift}, .out_mult = p->out_mult,
        .out_shift = p->out_shift, .out_zp = p->out_offset, .lo = p->qmin, .hi = p->qmax,
    };
    if (!tflc_qbinary_prepare(&spec, &p->qk)) return;
    const tflc_qbinary_config *cfg = tflc_qbinary_config_get();
    for (int f = 0; f < TFLC_QBINARY_FORM_COUNT; f++) p->qfn[f] = cfg->fn[spec.op][dt][f];
    for (int f = 0; f < TFLC_QBINARY_ROWS_FORM_COUNT; f++)
        p->qrows_fn[f] = cfg->rows[spec.op][dt][f];
}

/* A plan of [R, n] against one row of n broadcast down it (two dims after merging: one
 * operand strides n and 1, the other 0 and 1; e.g. the squeeze-excite scale [1,H,W,C] *
 * [1,1,1,C] is R = H * W, n = C) runs as whole blocks of rows through the row forms of
 * qs8_vbinary.h / f32_vbinary.h instead of one call per row of n. */
static void bin_setup_rows(bin_params *p) {
    const math_plan *pl = &p->plan;
    p->qrows = NULL;
    p->vrows = NULL;
    if (pl->rank != 2 || pl->n != 2) return;
    for (int k = 0; k < 2; k++) {           /* k: the [R, n] operand, 1 - k: the row */
        const int64_t *blk = pl->stride[k], *row = pl->stride[1 - k];
        if (!(blk[1] == 1 && blk[0] == pl->dims[1] && row[1] == 1 && row[0] == 0)) continue;
        if (p->qfn[0]) p->qrows = p->qrows_fn[k == 0 ? TFLC_QBINARY_VR : TFLC_QBINARY_RV];
        if (p->mode == MODE_FLOAT)
            p->vrows = p->vrows_fn[k == 0 ? TFLC_VBINARY_VR : TFLC_VBINARY_RV];
    }
}

/* ------------------------------------------------------------- prepare -- */

static bool bin_same_shape(const tflc_tensor *a, const tflc_tensor *b) {
    if (a->rank != b->rank) return false;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d]) return false;
    return true;
}

/* LiteRT's builtin int16 ADD of same-shape tensors (optimized AddElementwiseInt16) computes
 * the elements in blocks of 16 with its NEON code (NEON_2_SSE on x86), which rounds
 * differently from the scalar formula it keeps for the last count % 16 (row_add16). */
static void bin_setup_add16_vec(const tflc_node *node, bin_params *p) {
    const tflc_tensor *out = node->outputs[0];
    p->add16_vec_end = 0;
    if (p->op != BIN_ADD || p->mode != MODE_QADD || p->dtype != TFLC_INT16) return;
    if (!bin_same_shape(node->inputs[0], out) || !bin_same_shape(node->inputs[1], out)) return;
    if (p->out_shift > 0 || p->left_shift + p->in1_shift < -31 ||
        p->left_shift + p->in2_shift < -31)
        return;                      /* outside what QuantizeMultiplierSmallerThanOne gives */
    p->add16_vec_end = tflc_tensor_count(out) / 16 * 16;
}

/* A float node of x and a one-element constant, out of x's shape: scalar, with x at
 * inputs[scalar_x] (an epilogue node: tflc_bin_scalar_input). */
static void bin_setup_scalar(const tflc_node *node, bin_params *p) {
    p->scalar = false;
    if (p->mode != MODE_FLOAT || !bin_has_vloops(p->op) || node->n_outputs != 1) return;
    for (int x = 0; x < 2; x++) {
        const tflc_tensor *c = node->inputs[1 - x];
        if (c && node->inputs[x] && tflc_tensor_is_constant(c) && tflc_tensor_count(c) == 1 &&
            bin_same_shape(node->inputs[x], node->outputs[0])) {
            p->scalar = true;
            p->scalar_x = x;
            return;
        }
    }
}

static tflc_status bin_prepare(tflc_node *node, bin_op op) {
    bin_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s == TFLC_OK) s = bin_check_dtypes(node, op);
    if (s != TFLC_OK) return s;
    p->op = op;
    p->dtype = node->inputs[0]->dtype;
    p->mode = p->dtype == TFLC_FLOAT32 ? MODE_FLOAT : MODE_INT;
    for (int f = 0; f < TFLC_QBINARY_FORM_COUNT; f++) p->qfn[f] = NULL;
    for (int f = 0; f < TFLC_QBINARY_ROWS_FORM_COUNT; f++) p->qrows_fn[f] = NULL;
    for (int f = 0; f < TFLC_VBINARY_ROWS_FORM_COUNT; f++) p->vrows_fn[f] = NULL;
    if (bin_is_quantized(p, node->outputs[0])) s = bin_setup_quantized(node, p);
    else s = bin_act_plain(node, p, bin_activation(node, op));
    if (s != TFLC_OK) return s;
    bin_setup_qfast(p);
    if (p->mode == MODE_FLOAT && bin_has_vloops(op)) {
        static const tflc_vbinary_op vops[] = {[BIN_ADD] = TFLC_VBINARY_ADD,
                                               [BIN_SUB] = TFLC_VBINARY_SUB,
                                               [BIN_MUL] = TFLC_VBINARY_MUL,
                                               [BIN_DIV] = TFLC_VBINARY_DIV,
                                               [BIN_SQDIFF] = TFLC_VBINARY_SQDIFF};
        if (op == BIN_SQDIFF) {   /* no activation, so no clamp: the loops' clamp is the identity */
            p->fmin = -INFINITY;
            p->fmax = INFINITY;
        }
        const tflc_f32_vbinary_config *cfg = tflc_f32_vbinary_config_get();
        for (int f = 0; f < TFLC_VBINARY_FORM_COUNT; f++) p->vfn[f] = cfg->fn[vops[op]][f];
        for (int f = 0; f < TFLC_VBINARY_ROWS_FORM_COUNT; f++)
            p->vrows_fn[f] = cfg->rows[vops[op]][f];
    }
    bin_setup_add16_vec(node, p);
    s = math_plan_prepare(node, node->inputs, 2, &p->plan);
    if (s == TFLC_OK) bin_setup_rows(p);
    if (s == TFLC_OK) bin_setup_scalar(node, p);
    return s;
}

static tflc_status add_prepare(tflc_node *node) { return bin_prepare(node, BIN_ADD); }
static tflc_status sub_prepare(tflc_node *node) { return bin_prepare(node, BIN_SUB); }
static tflc_status mul_prepare(tflc_node *node) { return bin_prepare(node, BIN_MUL); }
static tflc_status div_prepare(tflc_node *node) { return bin_prepare(node, BIN_DIV); }
static tflc_status max_prepare(tflc_node *node) { return bin_prepare(node, BIN_MAX); }
static tflc_status min_prepare(tflc_node *node) { return bin_prepare(node, BIN_MIN); }
static tflc_status pow_prepare(tflc_node *node) { return bin_prepare(node, BIN_POW); }
static tflc_status floor_div_prepare(tflc_node *node) { return bin_prepare(node, BIN_FLOOR_DIV); }
static tflc_status floor_mod_prepare(tflc_node *node) { return bin_prepare(node, BIN_FLOOR_MOD); }
static tflc_status sqdiff_prepare(tflc_node *node) { return bin_prepare(node, BIN_SQDIFF); }
static tflc_status atan2_prepare(tflc_node *node) { return bin_prepare(node, BIN_ATAN2); }

/* ------------------------------------------------------------ float rows -- */

static float f32_floor_mod(float a, float b) {
    float m = fmodf(a, b);
    return (m != 0.0f && ((b < 0.0f) != (m < 0.0f))) ? m + b : m;
}

static float f32_op(bin_op op, float a, float b) {
    switch (op) {
    case BIN_ADD: return a + b;
    case BIN_SUB: return a - b;
    case BIN_MUL: return a * b;
    case BIN_DIV: return a / b;
    case BIN_MAX: return a > b ? a : b;           /* TFLite's MaximumOp: NaN in b wins */
    case BIN_MIN: return a < b ? a : b;
    case BIN_POW: return powf(a, b);
    case BIN_FLOOR_DIV: return (float)floor((double)a / (double)b);
    case BIN_FLOOR_MOD: return f32_floor_mod(a, b);
    case BIN_SQDIFF: { float d = a - b; return d * d; }
    case BIN_ATAN2: return atan2f(a, b);
    }
    return 0.0f;
}

static void row_f32(const math_row *row) {
    const bin_params *p = row->ctx;
    const float *a = MATH_ROW_IN(row, 0, float), *b = MATH_ROW_IN(row, 1, float);
    const int64_t sa = row->step[0], sb = row->step[1];
    float *out = MATH_ROW_OUT(row, float);
    const bool clamp = p->op <= BIN_DIV;          /* only the arithmetic four clamp */
    if (bin_has_vloops(p->op) && (sa != 0 || sb != 0)) {   /* steps are 0 or 1 */
        const tflc_vbinary_form form = sa == 0 ? TFLC_VBINARY_SV
                                     : sb == 0 ? TFLC_VBINARY_VS : TFLC_VBINARY_VV;
        p->vfn[form]((size_t)row->n, a, b, out, p->fmin, p->fmax);
        return;
    }
    for (int32_t i = 0; i < row->n; i++) {
        float v = f32_op(p->op, a[i * sa], b[i * sb]);
        out[i] = clamp ? tflc_ops_clamp_f32(v, p->fmin, p->fmax) : v;
    }
}

/* ---------------------------------------------------------- integer rows -- */

static int64_t int_load(const void *data, int64_t i, tflc_dtype d) {
    switch (d) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    case TFLC_INT16: return ((const int16_t *)data)[i];
    case TFLC_INT32: return ((const int32_t *)data)[i];
    default: return ((const int64_t *)data)[i];
    }
}

/* Stores v truncated to the dtype's width (two's complement wrap, defined via unsigned). */
static void int_store(void *data, size_t i, tflc_dtype d, int64_t v) {
    switch (d) {
    case TFLC_INT8: ((int8_t *)data)[i] = (int8_t)(uint8_t)(uint64_t)v; break;
    case TFLC_UINT8: ((uint8_t *)data)[i] = (uint8_t)(uint64_t)v; break;
    case TFLC_INT16: ((int16_t *)data)[i] = (int16_t)(uint16_t)(uint64_t)v; break;
    case TFLC_INT32: ((int32_t *)data)[i] = (int32_t)(uint32_t)(uint64_t)v; break;
    default: ((int64_t *)data)[i] = (int64_t)(uint64_t)v; break;
    }
}

/* v wrapped to the dtype's width, as a value. */
static int64_t int_wrap(tflc_dtype d, uint64_t v) {
    switch (d) {
    case TFLC_INT8: return (int8_t)(uint8_t)v;
    case TFLC_UINT8: return (uint8_t)v;
    case TFLC_INT16: return (int16_t)(uint16_t)v;
    case TFLC_INT32: return (int32_t)(uint32_t)v;
    default: return (int64_t)v;
    }
}

/* double -> integer the way x86 converts (INT_MIN pattern when out of range), then wrapped
 * to the dtype: LiteRT's static_cast<T>(double) on its reference platform. */
static int64_t int_from_double(tflc_dtype d, double v) {
    if (d == TFLC_INT64) return (v > -9223372036854775808.0 && v < 9223372036854775808.0)
                                    ? (int64_t)v : INT64_MIN;
    int32_t i = (v > -2147483649.0 && v < 2147483648.0) ? (int32_t)v : INT32_MIN;
    return int_wrap(d, (uint64_t)(int64_t)i);
}

static int64_t int_floor_mod(int64_t a, int64_t b) {
    if (b == -1) return 0;                       /* also avoids INT64_MIN % -1 */
    int64_t m = a % b;
    return (m != 0 && ((b < 0) != (m < 0))) ? m + b : m;
}

static int64_t int_op(tflc_dtype d, bin_op op, int64_t a, int64_t b) {
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case BIN_ADD: return int_wrap(d, ua + ub);
    case BIN_SUB: return int_wrap(d, ua - ub);
    case BIN_MUL: return int_wrap(d, ua * ub);
    case BIN_DIV: return (b == -1) ? int_wrap(d, 0u - ua) : a / b;   /* b != 0: checked */
    case BIN_MAX: return a > b ? a : b;
    case BIN_MIN: return a < b ? a : b;
    case BIN_POW: return int_from_double(d, pow((double)a, (double)b));
    case BIN_FLOOR_DIV: return int_from_double(d, floor((double)a / (double)b));
    case BIN_FLOOR_MOD: return int_wrap(d, (uint64_t)int_floor_mod(a, b));
    case BIN_SQDIFF: { int64_t diff = int_wrap(d, ua - ub);
                       return int_wrap(d, (uint64_t)diff * (uint64_t)diff); }
    case BIN_ATAN2: return 0;
    }
    return 0;
}

static void row_int(const math_row *row) {
    const bin_params *p = row->ctx;
    for (int32_t i = 0; i < row->n; i++) {
        int64_t a = int_load(row->in[0], row->off[0] + i * row->step[0], p->dtype);
        int64_t b = int_load(row->in[1], row->off[1] + i * row->step[1], p->dtype);
        int64_t v = int_op(p->dtype, p->op, a, b);
        if (p->op <= BIN_DIV) v = v < p->imin ? p->imin : (v > p->imax ? p->imax : v);
        int_store(row->out, row->out_off + (size_t)i, p->dtype, v);
    }
}

/* -------------------------------------------------------- quantized rows -- */

/* An input moved onto the common scale: (x - zero point) * 2^left_shift * m. */
static int32_t q_rescale(int32_t x, int32_t offset, int left_shift, int32_t mult, int shift) {
    return math_mbqm((x + offset) * (1 << left_shift), mult, shift);
}

static int32_t q_addsub(const bin_params *p, int32_t a, int32_t b) {
    int32_t sa = q_rescale(a, p->in1_offset, p->left_shift, p->in1_mult, p->in1_shift);
    int32_t sb = q_rescale(b, p->in2_offset, p->left_shift, p->in2_mult, p->in2_shift);
    int32_t raw = p->op == BIN_ADD ? sa + sb : sa - sb;
    return math_mbqm(raw, p->out_mult, p->out_shift) + p->out_offset;
}

/* TFLite's int16 POT path: F0 fixed point, the finer input rounded onto the output scale,
 * then a saturating add or subtract (operand order kept for SUB). */
static int32_t q_addsub16_pot(const bin_params *p, int32_t a, int32_t b) {
    if (p->in1_shift != 0) a = math_rdpot16((int16_t)a, -p->in1_shift);
    else b = math_rdpot16((int16_t)b, -p->in2_shift);
    int32_t v = p->op == BIN_ADD ? a + b : a - b;
    return math_clamp_i32(v, INT16_MIN, INT16_MAX);
}

static int32_t q_mul(const bin_params *p, int32_t a, int32_t b) {
    int32_t prod = (a + p->in1_offset) * (b + p->in2_offset);
    return p->out_offset + math_mbqm(prod, p->out_mult, p->out_shift);
}

static int32_t q_sqdiff(const bin_params *p, int32_t a, int32_t b) {
    int32_t sa = q_rescale(a, p->in1_offset, p->left_shift, p->in1_mult, p->in1_shift);
    int32_t sb = q_rescale(b, p->in2_offset, p->left_shift, p->in2_mult, p->in2_shift);
    int32_t diff = sa - sb;
    return math_mbqm(diff * diff, p->out_mult, p->out_shift) + p->out_offset;
}

/* gemmlowp's one_over_one_plus_x_for_x_in_0_1 on Q0.31: Newton-Raphson in Q2.29. */
static int32_t q_one_over_one_plus_x(int32_t a) {
    int64_t sum = (int64_t)a + INT32_MAX;                   /* RoundingHalfSum(a, 1.0) */
    int32_t half_den = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int32_t x = 1515870810 + math_srdhm(half_den, -1010580540);   /* 48/17 - 32/17 d */
    for (int i = 0; i < 3; i++) {
        int32_t one_minus = (1 << 29) - math_srdhm(half_den, x);
        x += math_sat_shl(math_srdhm(x, one_minus), 2);
    }
    return math_sat_shl(x, 1);
}

/* LiteRT's GetReciprocal(x, 31, &shift) for x > 0: 1/x as a Q0.31 multiplier and the
 * number of bits x reaches above 1.0. x86 masks the shift count, so x = 0 shifts by 0. */
static int32_t q_reciprocal(int32_t x, int *bits_over_unit) {
    int clz = x == 0 ? 32 : __builtin_clz((uint32_t)x);
    *bits_over_unit = 31 - clz;
    uint32_t shifted = ((uint32_t)x << (clz & 31)) - (UINT32_C(1) << 31);
    return q_one_over_one_plus_x((int32_t)shifted);
}

/* LiteRT's DivElementwise: the divisor made positive, its reciprocal, the dividend
 * normalised by its leading sign bits, then one rescale by in1 / (in2 * out). */
static int32_t q_div(const bin_params *p, int32_t a, int32_t b) {
    int32_t x1 = a + p->in1_offset, x2 = b + p->in2_offset;
    if (x2 < 0) {
        x1 = -x1;
        x2 = -x2;
    }
    int recip_shift;
    int32_t inv = q_reciprocal(x2, &recip_shift);
    int headroom = x1 == 0 ? 31 : __builtin_clrsb(x1);
    int32_t quotient = math_srdhm((int32_t)((int64_t)x1 * (INT64_C(1) << headroom)), inv);
    int total_shift = p->out_shift - recip_shift - headroom;
    int32_t scaled = math_srdhm(quotient, p->out_mult);
    if (-total_shift < 32) return p->out_offset + math_rdpot(scaled, -total_shift);
    /* A right shift of 32 or more (tiny multipliers): gemmlowp's RoundingDivideByPOT then
     * has an all-ones mask and x86 shifts by the count mod 32; LiteRT's results (saturated
     * outputs) come from exactly that, so it is reproduced here. */
    int e = (-total_shift) & 31;
    int32_t floor_q = scaled >= 0 ? scaled >> e : ~(~scaled >> e);
    int32_t threshold = -1 + (scaled < 0 ? 1 : 0);
    return p->out_offset + floor_q + (scaled > threshold ? 1 : 0);
}

static int32_t q_op(const bin_params *p, int32_t a, int32_t b) {
    switch (p->mode) {
    case MODE_QADD: return q_addsub(p, a, b);
    case MODE_QADD16_POT: return q_addsub16_pot(p, a, b);
    case MODE_QMUL: return q_mul(p, a, b);
    case MODE_QDIV: return q_div(p, a, b);
    default: return q_sqdiff(p, a, b);
    }
}

/* ARM's SQRDMULH on int32 (vqrdmulhq_s32): round(a * b / 2^31), ties up, saturated. */
static int32_t q_sqrdmulh(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t v = (int64_t)a * b + (INT64_C(1) << 30);
    return (int32_t)(v >= 0 ? v >> 31 : ~(~v >> 31));         /* floor */
}

/* ARM's VSHL on int32 by a signed count: left (wrapping), or an arithmetic right shift
 * (floor) for negative counts. */
static int32_t q_vshl(int32_t x, int n) {
    if (n >= 0) return (int32_t)((uint32_t)x << (n > 31 ? 31 : n));
    n = n < -31 ? 31 : -n;
    return x >= 0 ? x >> n : ~(~x >> n);
}

/* LiteRT's NEON int16 ADD for one element: each input shifted by left_shift + its shift
 * (so a right shift truncates instead of rounding) and multiplied with SQRDMULH (ties up),
 * the sum multiplied by SQRDMULH and divided by 2^-out_shift with gemmlowp's
 * RoundingDivideByPOT (ties away from zero). */
static int32_t q_add16_vec(const bin_params *p, int32_t a, int32_t b) {
    int32_t sa = q_sqrdmulh(q_vshl(a + p->in1_offset, p->left_shift + p->in1_shift), p->in1_mult);
    int32_t sb = q_sqrdmulh(q_vshl(b + p->in2_offset, p->left_shift + p->in2_shift), p->in2_mult);
    int32_t sum = (int32_t)((uint32_t)sa + (uint32_t)sb);
    return math_rdpot(q_sqrdmulh(sum, p->out_mult), -p->out_shift) + p->out_offset;
}

/* int16 ADD of same-shape tensors: flat elements below add16_vec_end (the blocks of 16 of
 * LiteRT's vector loop) take q_add16_vec, the rest TFLite's scalar formula. */
static void row_add16(const math_row *row) {
    const bin_params *p = row->ctx;
    for (int32_t i = 0; i < row->n; i++) {
        int32_t a = math_load_q(row->in[0], (size_t)(row->off[0] + i * row->step[0]), p->dtype);
        int32_t b = math_load_q(row->in[1], (size_t)(row->off[1] + i * row->step[1]), p->dtype);
        int32_t v = row->out_off + (size_t)i < p->add16_vec_end ? q_add16_vec(p, a, b)
                                                                : q_addsub(p, a, b);
        math_store_q(row->out, row->out_off + (size_t)i, p->dtype,
                     math_clamp_i32(v, p->qmin, p->qmax));
    }
}

/* Rows with at least one contiguous operand go to the vector loops when prepare chose them. */
static void row_quant(const math_row *row) {
    const bin_params *p = row->ctx;
    if (p->qfn[0] && (row->step[0] != 0 || row->step[1] != 0)) {   /* steps are 0 or 1 */
        const size_t es = p->dtype == TFLC_INT16 ? 2 : 1;
        const tflc_qbinary_form form = row->step[0] == 0 ? TFLC_QBINARY_SV
                                       : row->step[1] == 0 ? TFLC_QBINARY_VS : TFLC_QBINARY_VV;
        p->qfn[form]((size_t)row->n, (const char *)row->in[0] + (size_t)row->off[0] * es,
                     (const char *)row->in[1] + (size_t)row->off[1] * es,
                     (char *)row->out + row->out_off * es, &p->qk);
        return;
    }
    for (int32_t i = 0; i < row->n; i++) {
        int32_t a = math_load_q(row->in[0], (size_t)(row->off[0] + i * row->step[0]), p->dtype);
        int32_t b = math_load_q(row->in[1], (size_t)(row->off[1] + i * row->step[1]), p->dtype);
        int32_t v = math_clamp_i32(q_op(p, a, b), p->qmin, p->qmax);
        math_store_q(row->out, row->out_off + (size_t)i, p->dtype, v);
    }
}

/* ------------------------------------------------------------- threads -- */

/* Spans are at least this many elements, so outputs below twice that run on the calling
 * thread alone: a task of a vector loop (~0.3-0.6 ns an element, 8-bit) is then ~3 us or
 * more, above the pool's cost of handing one out, and each thread mostly reads what its own
 * core wrote (see ACT_MIN_SPAN in activations.c; 32768 measured slower on MobileNet V3 at 2
 * threads). A descheduled worker's span is taken over by the other threads. */
#define BIN_TASK_MIN_ELEMS 8192
#define BIN_TASK_ALIGN 64          /* task spans start on 64-element boundaries */

/* Elements [e0, e1) of the output, in row order: a partial first row, whole rows, a partial
 * last row. The odometer starts at e0's row (row r's offsets: its index over the outer dims
 * times their strides). shift[k] is taken off operand k's offsets and out_shift off the
 * output's: 0 for whole tensors; e0 for a chain's block buffer, which holds the elements from
 * e0 on (an operand of the output's shape, read at the output's own offsets). */
static void bin_walk_span(const math_plan *p, const void *ctx, const void *const *in, void *out,
                          math_row_fn fn, size_t e0, size_t e1, const int64_t *shift,
                          int64_t out_shift) {
    const int outer = p->rank - 1;
    const size_t n = (size_t)p->dims[outer];
    int32_t idx[TFLC_MAX_RANK] = {0};
    int64_t base[MATH_MAX_OPERANDS];
    for (int k = 0; k < p->n; k++) base[k] = -shift[k];
    size_t r = e0 / n, col = e0 % n;
    for (int d = outer - 1; d >= 0; d--) {          /* the last outer dim runs fastest */
        idx[d] = (int32_t)(r % (size_t)p->dims[d]);
        r /= (size_t)p->dims[d];
        for (int k = 0; k < p->n; k++) base[k] += idx[d] * p->stride[k][d];
    }
    math_row row = {.ctx = ctx, .out = out};
    for (int k = 0; k < p->n; k++) {
        row.in[k] = in[k];
        row.step[k] = p->stride[k][outer];
    }
    while (e0 < e1) {
        const size_t len = n - col < e1 - e0 ? n - col : e1 - e0;
        for (int k = 0; k < p->n; k++) row.off[k] = base[k] + (int64_t)col * row.step[k];
        row.out_off = e0 - (size_t)out_shift;
        row.n = (int32_t)len;
        fn(&row);
        e0 += len;
        col = 0;
        for (int d = outer - 1; d >= 0; d--) {       /* next row, as math_plan_walk steps */
            for (int k = 0; k < p->n; k++) base[k] += p->stride[k][d];
            if (++idx[d] < p->dims[d]) break;
            for (int k = 0; k < p->n; k++) base[k] -= p->stride[k][d] * p->dims[d];
            idx[d] = 0;
        }
    }
}

typedef struct bin_job {
    const bin_params *p;
    const void *in[2];
    void *out;
    math_row_fn fn;
    size_t total, chunk;          /* output elements; per task, a multiple of BIN_TASK_ALIGN */
} bin_job;

static void bin_task(void *ctx, int task, int thread) {
    (void)thread;
    const bin_job *j = ctx;
    const size_t e0 = (size_t)task * j->chunk;
    const size_t e1 = e0 + j->chunk < j->total ? e0 + j->chunk : j->total;
    static const int64_t none[MATH_MAX_OPERANDS];
    if (e0 < e1) bin_walk_span(&j->p->plan, j->p, j->in, j->out, j->fn, e0, e1, none, 0);
}

/* Large outputs split into contiguous spans, a few per thread; others walk the plan here. */
static void bin_run(tflc_node *node, const bin_params *p, math_row_fn fn) {
    bin_job j = {.p = p, .in = {node->inputs[0]->data, node->inputs[1]->data},
                 .out = node->outputs[0]->data, .fn = fn,
                 .total = tflc_tensor_count(node->outputs[0])};
    const int tasks = tflc_node_split_span(node, j.total, BIN_TASK_MIN_ELEMS, BIN_TASK_ALIGN, &j.chunk);
    if (tasks <= 1) {
        math_plan_walk(&p->plan, p, j.in, j.out, fn);
        return;
    }
    tflc_node_parallel_for(node, tasks, bin_task, &j);
}

/* A row-form plan (bin_setup_rows): its R rows of n split into spans of whole rows. */
typedef struct bin_rows_job {
    const bin_params *p;
    const char *a, *b;
    char *y;
    size_t n, es, rows, span;       /* span: rows per task */
    bool block_a;                    /* a is the [R, n] block (VR), else b is (RV) */
} bin_rows_job;

static void bin_rows_span(const bin_rows_job *j, size_t r0, size_t r1) {
    const size_t o = r0 * j->n * j->es;
    const char *a = j->block_a ? j->a + o : j->a, *b = j->block_a ? j->b : j->b + o;
    if (j->p->qrows) j->p->qrows(r1 - r0, j->n, a, b, j->y + o, &j->p->qk);
    else j->p->vrows(r1 - r0, j->n, (const float *)a, (const float *)b, (float *)(j->y + o),
                     j->p->fmin, j->p->fmax);
}

static void bin_rows_task(void *ctx, int task, int thread) {
    (void)thread;
    const bin_rows_job *j = ctx;
    const size_t r0 = (size_t)task * j->span;
    const size_t r1 = r0 + j->span < j->rows ? r0 + j->span : j->rows;
    if (r0 < r1) bin_rows_span(j, r0, r1);
}

static void bin_run_rows(tflc_node *node, const bin_params *p) {
    const math_plan *pl = &p->plan;
    bin_rows_job j = {.p = p, .a = node->inputs[0]->data, .b = node->inputs[1]->data,
                      .y = node->outputs[0]->data, .n = (size_t)pl->dims[1],
                      .es = tflc_dtype_size(p->dtype), .rows = (size_t)pl->dims[0],
                      .block_a = pl->stride[0][0] != 0};
    const size_t min_rows = (BIN_TASK_MIN_ELEMS + j.n - 1) / j.n;
    const int tasks = tflc_node_split_span(node, j.rows, min_rows, 1, &j.span);
    if (tasks <= 1) bin_rows_span(&j, 0, j.rows);
    else tflc_node_parallel_for(node, tasks, bin_rows_task, &j);
}

/* ----------------------------------------------------------------- chains -- */

/* Elements per member and step of a chain: a block of each member's output (8 KiB) stays
 * in L1 until the members after it have read it. */
#define CHAIN_BLOCK 2048

typedef struct chain_job {
    const tflc_node *first;
    const bin_params *p;
    size_t total, span;             /* output elements; per task */
} chain_job;

/* The scratch block member m of the chain writes (chain_local), in thread `thread`'s scratch. */
static float *chain_local_block(const chain_job *j, int m, int thread) {
    float *base = tflc_node_thread_scratch(j->first, thread);
    return base + (size_t)j->p->chain_slot[m] * CHAIN_BLOCK;
}

/* Elements [e0, e1) of member m: its output and any input that an earlier local member
 * wrote are the block in scratch, read at element - e0 (members' outputs have one shape,
 * so such an input is read at the element's own index); the rest are its tensors. */
static void chain_member_block(const chain_job *j, int m, int thread, size_t e0, size_t e1) {
    const tflc_node *node = j->p->chain[m];
    const bin_params *q = node->params;
    const void *in[2] = {node->inputs[0]->data, node->inputs[1]->data};
    int64_t shift[MATH_MAX_OPERANDS] = {0};
    for (int k = 0; k < 2; k++)
        for (int w = 0; w < m; w++)
            if (j->p->chain_local[w] && node->inputs[k] == j->p->chain[w]->outputs[0]) {
                in[k] = chain_local_block(j, w, thread);
                shift[k] = (int64_t)e0;
            }
    const bool local = j->p->chain_local[m];
    void *out = local ? (void *)chain_local_block(j, m, thread) : node->outputs[0]->data;
    bin_walk_span(&q->plan, q, in, out, row_f32, e0, e1, shift, local ? (int64_t)e0 : 0);
}

static void chain_task(void *ctx, int task, int thread) {
    const chain_job *j = ctx;
    const size_t start = (size_t)task * j->span;
    const size_t end = start + j->span < j->total ? start + j->span : j->total;
    for (size_t e0 = start; e0 < end; e0 += CHAIN_BLOCK) {
        const size_t e1 = e0 + CHAIN_BLOCK < end ? e0 + CHAIN_BLOCK : end;
        for (int m = 0; m < j->p->chain_len; m++) chain_member_block(j, m, thread, e0, e1);
    }
}

static tflc_status chain_eval(tflc_node *node, const bin_params *p) {
    chain_job j = {.first = node, .p = p, .total = tflc_tensor_count(node->outputs[0])};
    const int tasks = tflc_node_split_span(node, j.total, BIN_TASK_MIN_ELEMS, BIN_TASK_ALIGN, &j.span);
    if (tasks <= 1) {
        j.span = j.total;
        chain_task(&j, 0, 0);
    } else {
        tflc_node_parallel_for(node, tasks, chain_task, &j);
    }
    return TFLC_OK;
}

/* A prepared float ADD, SUB, MUL, DIV or SQUARED_DIFFERENCE on its plain element loops
 * (no row form, fused swish, residual or chain of its own). */
static bool chain_member_ok(const tflc_node *node) {
    const tflc_kernel *k = node->kernel;
    if (k != &tflc_kernel_add && k != &tflc_kernel_sub && k != &tflc_kernel_mul &&
        k != &tflc_kernel_div && k != &tflc_kernel_squared_difference)
        return false;
    const bin_params *p = node->params;
    return node->n_inputs == 2 && node->n_outputs == 1 && p->mode == MODE_FLOAT &&
           bin_has_vloops(p->op) && p->swish == SWISH_OFF && !p->residual && p->chain_len == 0 &&
           !p->vrows && !p->qrows && node->outputs[0]->dtype == TFLC_FLOAT32;
}

static atomic_bool chains_off;

void tflc_bin_set_chains(bool on) { atomic_store(&chains_off, !on); }

bool tflc_bin_chain_append(tflc_node *first, tflc_node *node) {
    bin_params *p = first->params;
    if (atomic_load(&chains_off) || !chain_member_ok(node)) return false;
    if (first == node) {
        p->chain[0] = first;
        p->chain_len = 1;
        return true;
    }
    if (p->chain_len < 1 || p->chain_len >= TFLC_BIN_CHAIN_MAX ||
        !bin_same_shape(node->outputs[0], first->outputs[0]))
        return false;
    p->chain[p->chain_len++] = node;
    return true;
}

void tflc_bin_chain_local(tflc_node *first, int m) {
    bin_params *p = first->params;
    p->chain_local[m] = true;
    p->chain_slot[m] = p->chain_locals++;
    first->thread_scratch_bytes = (size_t)p->chain_locals * CHAIN_BLOCK * sizeof(float);
}

/* ---------------------------------------------------------- fused swish -- */

/* Elements [e0, e1) of a fused swish: x and out are contiguous and of one shape. */
static void swish_span(const bin_params *p, const void *x, void *out, size_t e0, size_t e1) {
    if (p->swish == SWISH_F32)
        p->swish_f32(e1 - e0, (const float *)x + e0, p->fmin, p->fmax, (float *)out + e0);
    else
        p->swish_lut_fn(e1 - e0, (const uint8_t *)x + e0, p->swish_lut, (uint8_t *)out + e0);
}

static void swish_task(void *ctx, int task, int thread) {
    (void)thread;
    const bin_job *j = ctx;
    const size_t e0 = (size_t)task * j->chunk;
    const size_t e1 = e0 + j->chunk < j->total ? e0 + j->chunk : j->total;
    if (e0 < e1) swish_span(j->p, j->in[0], j->out, e0, e1);
}

/* A sigmoid and a product per element, compute-bound like an activation: split from the
 * activations' span (ACT_MIN_SPAN in activations.c), not the memory-bound binary ops'. */
#define SWISH_MIN_SPAN 16384

/* One pass over x, split over the pool in spans of SWISH_MIN_SPAN elements or more. */
static tflc_status swish_eval(tflc_node *node, const bin_params *p) {
    bin_job j = {.p = p, .in = {node->inputs[p->swish_x]->data}, .out = node->outputs[0]->data,
                 .total = tflc_tensor_count(node->outputs[0])};
    const int tasks = tflc_node_split_span(node, j.total, SWISH_MIN_SPAN, BIN_TASK_ALIGN, &j.chunk);
    if (tasks <= 1) swish_span(p, j.in[0], j.out, 0, j.total);
    else tflc_node_parallel_for(node, tasks, swish_task, &j);
    return TFLC_OK;
}

/* ---------------------------------------------------------------- eval -- */

static const char *const bin_names[] = {
    [BIN_DIV] = "integer division", [BIN_FLOOR_DIV] = "integer floor division",
    [BIN_FLOOR_MOD] = "integer floor modulo", [BIN_POW] = "integer power",
};

/* TFLite fails integer division by zero (and int32 POW with a negative exponent) for the
 * whole tensor before writing anything. */
static tflc_status bin_check_divisor(tflc_node *node, const bin_params *p) {
    const tflc_tensor *b = node->inputs[1];
    size_t n = tflc_tensor_count(b);
    int64_t zero = p->mode == MODE_QDIV ? -(int64_t)p->in2_offset : 0;   /* LiteRT checks too */
    for (size_t i = 0; i < n; i++) {
        int64_t v = int_load(b->data, (int64_t)i, p->dtype) - zero;
        if (p->op == BIN_POW && v < 0)
            return tflc_node_fail(node, TFLC_ERROR_RUNTIME,
                                  "integer power with a negative exponent (element %zu of "
                                  "input 1)", i);
        if (p->op != BIN_POW && v == 0)
            return tflc_node_fail(node, TFLC_ERROR_RUNTIME,
                                  "%s by zero (element %zu of input 1)", bin_names[p->op], i);
    }
    return TFLC_OK;
}

static tflc_status bin_eval(tflc_node *node) {
    const bin_params *p = node->params;
    if (tflc_tensor_count(node->outputs[0]) == 0) return TFLC_OK;
    if (p->swish != SWISH_OFF) return swish_eval(node, p);
    if (p->chain_len > 1) return chain_eval(node, p);
    bool checked = p->op == BIN_DIV || p->op == BIN_FLOOR_DIV || p->op == BIN_FLOOR_MOD ||
                   p->op == BIN_POW;
    if ((p->mode == MODE_INT || p->mode == MODE_QDIV) && checked) {
        tflc_status s = bin_check_divisor(node, p);
        if (s != TFLC_OK) return s;
    }
    if (p->qrows || p->vrows) {
        bin_run_rows(node, p);
        return TFLC_OK;
    }
    math_row_fn fn = p->mode == MODE_FLOAT ? row_f32 : (p->mode == MODE_INT ? row_int : row_quant);
    if (p->add16_vec_end > 0) fn = row_add16;
    bin_run(node, p, fn);
    return TFLC_OK;
}

#define BIN_KERNEL(var, NAME, prep)                                                         \
    const tflc_kernel var = {                                                               \
        .name = NAME, .params_size = sizeof(bin_params), .prepare = prep, .eval = bin_eval, \
    }

BIN_KERNEL(tflc_kernel_add, "ADD", add_prepare);
BIN_KERNEL(tflc_kernel_sub, "SUB", sub_prepare);
BIN_KERNEL(tflc_kernel_mul, "MUL", mul_prepare);
BIN_KERNEL(tflc_kernel_div, "DIV", div_prepare);
BIN_KERNEL(tflc_kernel_maximum, "MAXIMUM", max_prepare);
BIN_KERNEL(tflc_kernel_minimum, "MINIMUM", min_prepare);
BIN_KERNEL(tflc_kernel_pow, "POW", pow_prepare);
BIN_KERNEL(tflc_kernel_floor_div, "FLOOR_DIV", floor_div_prepare);
BIN_KERNEL(tflc_kernel_floor_mod, "FLOOR_MOD", floor_mod_prepare);
BIN_KERNEL(tflc_kernel_squared_difference, "SQUARED_DIFFERENCE", sqdiff_prepare);
BIN_KERNEL(tflc_kernel_atan2, "ATAN2", atan2_prepare);

/* ---------------------------------------------------------- swish fusion -- */

/* swish_lut[v] = the unfused pair on the byte v of x: the LOGISTIC node's own arithmetic
 * (tflc_activation_apply) gives s, then this MUL's reference q_mul and clamp, with x as
 * operand swish_x: bit-exact with the two kernels by construction. */
static bool swish_tabulate(bin_params *p, const tflc_node *logistic) {
    uint8_t xs[256], ss[256];
    for (int v = 0; v < 256; v++) xs[v] = (uint8_t)v;
    if (!tflc_activation_apply(logistic, xs, ss, 256)) return false;
    for (size_t v = 0; v < 256; v++) {
        const int32_t x = math_load_q(xs, v, p->dtype), s = math_load_q(ss, v, p->dtype);
        const int32_t r = p->swish_x == 0 ? q_mul(p, x, s) : q_mul(p, s, x);
        math_store_q(p->swish_lut, v, p->dtype, math_clamp_i32(r, p->qmin, p->qmax));
    }
    p->swish_lut_fn = tflc_x8_lut_config_get()->lut;
    return true;
}

int tflc_mul_swish_input(const tflc_node *mul) {
    if (mul->kernel != &tflc_kernel_mul || mul->n_outputs != 1) return -1;
    const bin_params *p = mul->params;
    return p->swish == SWISH_F32 ? p->swish_x : -1;
}

void tflc_mul_swish_apply(const tflc_node *mul, const float *x, float *out, size_t n) {
    const bin_params *p = mul->params;
    p->swish_f32(n, x, p->fmin, p->fmax, out);
}

bool tflc_mul_fuse_swish(tflc_node *mul, const tflc_node *logistic) {
    if (mul->kernel != &tflc_kernel_mul || logistic->kernel != &tflc_kernel_logistic) return false;
    bin_params *p = mul->params;
    const tflc_tensor *x = logistic->inputs[0], *s = logistic->outputs[0], *out = mul->outputs[0];
    if (mul->inputs[0] == x && mul->inputs[1] == s) p->swish_x = 0;
    else if (mul->inputs[1] == x && mul->inputs[0] == s) p->swish_x = 1;
    else return false;
    if (x->dtype != out->dtype || !bin_same_shape(x, out) || !bin_same_shape(s, out)) return false;
    if (p->mode == MODE_FLOAT) {
        p->swish_f32 = tflc_f32_vunary_config_get()->swish;
        p->swish = SWISH_F32;
        return true;
    }
    if (p->mode != MODE_QMUL || !math_is_q8(p->dtype) || !swish_tabulate(p, logistic)) return false;
    p->swish = SWISH_LUT8;
    return true;
}

/* ------------------------------------------------------ scalar epilogues -- */

/* The slot of x when the node is a float ADD, SUB, MUL, DIV or SQUARED_DIFFERENCE on its
 * vector loops of x and a constant of one element, out of x's shape (a Transformer's
 * attention scores times 1 / sqrt(depth)), else -1. Its eval then runs x's rows through the
 * loop's vector-scalar form (scalar-vector with the constant first): one operation and the
 * clamp per element, whatever the span, so any producer may apply it to any span of x. */
int tflc_bin_scalar_input(const tflc_node *node) {
    const tflc_kernel *k = node->kernel;
    if (k != &tflc_kernel_add && k != &tflc_kernel_sub && k != &tflc_kernel_mul &&
        k != &tflc_kernel_div && k != &tflc_kernel_squared_difference)
        return -1;
    const bin_params *p = node->params;
    return p->scalar && p->swish == SWISH_OFF && !p->residual ? p->scalar_x : -1;
}

void tflc_bin_scalar_apply(const tflc_node *node, float *data, size_t n) {
    const bin_params *p = node->params;
    const int x = p->scalar_x;
    const float *c = node->inputs[1 - x]->data;
    if (x == 0) p->vfn[TFLC_VBINARY_VS](n, data, c, data, p->fmin, p->fmax);
    else p->vfn[TFLC_VBINARY_SV](n, c, data, data, p->fmin, p->fmax);
}

/* -------------------------------------------------------- residual fusion -- */

int tflc_add_residual_input(const tflc_node *add) {
    if (add->kernel != &tflc_kernel_add) return -1;
    const bin_params *p = add->params;
    return p->residual ? p->residual_x : -1;
}

/* y[i] = clamp(a[i] + b[i]) through the node's own vector loop (row_f32's same-shape form),
 * the operands in the node's order (the NaN an x86 add returns depends on it), x being
 * `data` in place and the other operand read at the same element offset. */
void tflc_add_residual_apply(const tflc_node *add, float *data, size_t n) {
    const bin_params *p = add->params;
    const size_t at = (size_t)(data - (const float *)add->outputs[0]->data);
    const float *other = (const float *)add->inputs[1 - p->residual_x]->data + at;
    const float *a = p->residual_x == 0 ? data : other, *b = p->residual_x == 0 ? other : data;
    p->vfn[TFLC_VBINARY_VV](n, a, b, data, p->fmin, p->fmax);
}

bool tflc_add_fuse_residual(tflc_node *add, const tflc_node *producer, int x_slot) {
    if (add->kernel != &tflc_kernel_add || add->n_inputs != 2 || add->n_outputs != 1 ||
        (x_slot != 0 && x_slot != 1) || producer->n_outputs != 1 ||
        add->inputs[x_slot] != producer->outputs[0])
        return false;
    bin_params *p = add->params;
    const tflc_tensor *a = add->inputs[0], *b = add->inputs[1], *y = add->outputs[0];
    if (p->mode != MODE_FLOAT || p->swish != SWISH_OFF || p->residual || !p->vfn[TFLC_VBINARY_VV] ||
        y->dtype != TFLC_FLOAT32 || !bin_same_shape(a, y) || !bin_same_shape(b, y) || a == b)
        return false;
    p->residual = true;
    p->residual_x = x_slot;
    return true;
}
