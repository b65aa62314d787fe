/*
 * math_common.h -- what the math family's op files share (elementwise_binary.c,
 * elementwise_unary.c, activations.c, comparison.c, logical.c, select.c, cast.c, quantize.c):
 *
 *   - the kernel objects that table_math.c lists, and the builtin codes and option slots of
 *     those ops that format/schema.h does not name;
 *   - TFLite's fixed-point arithmetic (gemmlowp's rounding rules), reproduced bit for bit,
 *     so that quantized kernels match LiteRT exactly;
 *   - per-tensor quantization parameters, checked once at prepare;
 *   - lookup tables built at prepare the way TFLite's LUTPopulate builds them;
 *   - an n-ary broadcast plan (numpy rules) that eval walks row by row.
 *
 * Private to src/ops. Everything here is static inline: each op file takes what it uses.
 */
#ifndef TFLC_OPS_MATH_COMMON_H
#define TFLC_OPS_MATH_COMMON_H

#include <float.h>
#include <string.h>

#include "ops/ops.h"

/* ------------------------------------------------------------- kernels -- */

extern const tflc_kernel tflc_kernel_relu_0_to_1;        /* activations.c */
extern const tflc_kernel tflc_kernel_leaky_relu;
extern const tflc_kernel tflc_kernel_prelu;
extern const tflc_kernel tflc_kernel_elu;
extern const tflc_kernel tflc_kernel_hard_swish;
extern const tflc_kernel tflc_kernel_gelu;
extern const tflc_kernel tflc_kernel_log_softmax;
extern const tflc_kernel tflc_kernel_maximum;            /* elementwise_binary.c */
extern const tflc_kernel tflc_kernel_minimum;
extern const tflc_kernel tflc_kernel_pow;
extern const tflc_kernel tflc_kernel_floor_div;
extern const tflc_kernel tflc_kernel_floor_mod;
extern const tflc_kernel tflc_kernel_squared_difference;
extern const tflc_kernel tflc_kernel_atan2;
extern const tflc_kernel tflc_kernel_abs;                /* elementwise_unary.c */
extern const tflc_kernel tflc_kernel_neg;
extern const tflc_kernel tflc_kernel_square;
extern const tflc_kernel tflc_kernel_sqrt;
extern const tflc_kernel tflc_kernel_rsqrt;
extern const tflc_kernel tflc_kernel_exp;
extern const tflc_kernel tflc_kernel_log;
extern const tflc_kernel tflc_kernel_sin;
extern const tflc_kernel tflc_kernel_cos;
extern const tflc_kernel tflc_kernel_floor;
extern const tflc_kernel tflc_kernel_ceil;
extern const tflc_kernel tflc_kernel_round;
extern const tflc_kernel tflc_kernel_sign;
extern const tflc_kernel tflc_kernel_equal;              /* comparison.c */
extern const tflc_kernel tflc_kernel_not_equal;
extern const tflc_kernel tflc_kernel_less;
extern const tflc_kernel tflc_kernel_less_equal;
extern const tflc_kernel tflc_kernel_greater;
extern const tflc_kernel tflc_kernel_greater_equal;
extern const tflc_kernel tflc_kernel_logical_and;        /* logical.c */
extern const tflc_kernel tflc_kernel_logical_or;
extern const tflc_kernel tflc_kernel_logical_not;
extern const tflc_kernel tflc_kernel_select;             /* select.c */
extern const tflc_kernel tflc_kernel_select_v2;
extern const tflc_kernel tflc_kernel_cast;               /* cast.c */

/* BuiltinOperator values of the math family that format/schema.h does not name. */
enum {
    MATH_OPC_FLOOR = 8, MATH_OPC_EXP = 47, MATH_OPC_LOG_SOFTMAX = 50, MATH_OPC_CAST = 53,
    MATH_OPC_PRELU = 54, MATH_OPC_MAXIMUM = 55, MATH_OPC_MINIMUM = 57, MATH_OPC_LESS = 58,
    MATH_OPC_NEG = 59, MATH_OPC_GREATER = 61, MATH_OPC_GREATER_EQUAL = 62,
    MATH_OPC_LESS_EQUAL = 63, MATH_OPC_SELECT = 64, MATH_OPC_SIN = 66, MATH_OPC_EQUAL = 71,
    MATH_OPC_NOT_EQUAL = 72, MATH_OPC_LOG = 73, MATH_OPC_SQRT = 75, MATH_OPC_RSQRT = 76,
    MATH_OPC_POW = 78, MATH_OPC_LOGICAL_OR = 84, MATH_OPC_LOGICAL_AND = 86,
    MATH_OPC_LOGICAL_NOT = 87, MATH_OPC_FLOOR_DIV = 90, MATH_OPC_SQUARE = 92,
    MATH_OPC_FLOOR_MOD = 95, MATH_OPC_LEAKY_RELU = 98, MATH_OPC_SQUARED_DIFFERENCE = 99,
    MATH_OPC_ABS = 101, MATH_OPC_CEIL = 104, MATH_OPC_COS = 108, MATH_OPC_ELU = 111,
    MATH_OPC_ROUND = 116, MATH_OPC_HARD_SWISH = 117, MATH_OPC_SELECT_V2 = 123,
    MATH_OPC_GELU = 150, MATH_OPC_RELU_0_TO_1 = 152, MATH_OPC_ATAN2 = 156, MATH_OPC_SIGN = 158,
};

/* Option table slots (schema.fbs field order). */
enum { MATH_LEAKY_RELU_OPT_ALPHA = 0 };
enum { MATH_GELU_OPT_APPROXIMATE = 0 };
enum { MATH_CAST_OPT_IN_TYPE = 0, MATH_CAST_OPT_OUT_TYPE = 1 };

/* ---------------------------------------------------------- fixed point -- */

/* TFLite's QuantizeMultiplier: m = multiplier * 2^(shift - 31), |multiplier| in [2^30, 2^31)
 * (negative m gives a negative multiplier, as frexp does). */
static inline void math_quantize_multiplier(double m, int32_t *multiplier, int *shift) {
    if (m == 0.0) { *multiplier = 0; *shift = 0; return; }
    int e = 0;
    double q = frexp(m, &e);
    int64_t fixed = (int64_t)round(q * 2147483648.0);
    if (fixed == INT64_C(2147483648)) { fixed /= 2; e++; }   /* (-2^31 fits: kept, as TFLite) */
    if (e < -31) { e = 0; fixed = 0; }               /* flush tiny multipliers to zero */
    *multiplier = (int32_t)fixed;
    *shift = e;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31); ties go up for
 * positive products and toward zero for negative ones. */
static inline int32_t math_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : 1 - (INT64_C(1) << 30);
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));   /* C division truncates */
}

/* gemmlowp's RoundingDivideByPOT on int32: x / 2^e to nearest, ties away from zero. */
static inline int32_t math_rdpot(int32_t x, int e) {
    if (e <= 0) return x;
    if (e > 31) e = 31;
    int32_t floor_q = x >= 0 ? x >> e : ~(~x >> e);  /* floor without shifting negatives */
    int32_t mask = (int32_t)((INT64_C(1) << e) - 1);
    int32_t remainder = (int32_t)((uint32_t)x & (uint32_t)mask);
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return floor_q + (remainder > threshold ? 1 : 0);
}

/* Saturating x * 2^e for e >= 0 (gemmlowp's SaturatingRoundingMultiplyByPOT, left case). */
static inline int32_t math_sat_shl(int32_t x, int e) {
    if (e <= 0) return x;
    int64_t v = (int64_t)x * (INT64_C(1) << (e > 32 ? 32 : e));
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

/* TFLite's MultiplyByQuantizedMultiplier (double rounding): a left shift, the doubling
 * high multiply, then a rounding right shift. TFLite's left shift would overflow where this
 * one saturates (only for inputs its callers never produce). */
static inline int32_t math_mbqm(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return math_rdpot(math_srdhm(math_sat_shl(x, left), multiplier), right);
}

/* The 16-bit forms (gemmlowp on int16 lanes), for HARD_SWISH and the POT int16 paths. */
static inline int16_t math_srdhm16(int16_t a, int16_t b) {
    if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
    int32_t ab = (int32_t)a * b;
    int32_t nudge = ab >= 0 ? (1 << 14) : 1 - (1 << 14);
    return (int16_t)((ab + nudge) / (1 << 15));
}

/* ARM's SQDMULH: like math_srdhm16 but truncating toward zero. */
static inline int16_t math_sdhm16(int16_t a, int16_t b) {
    if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
    return (int16_t)(((int32_t)a * b) / (1 << 15));
}

/* RoundingDivideByPOT computed in int16 lanes: the mask is truncated to 16 bits, exactly as
 * gemmlowp's int16 instantiation does (it only matters for exponents >= 16). */
static inline int16_t math_rdpot16(int16_t x, int e) {
    if (e <= 0) return x;
    if (e > 31) e = 31;
    int16_t mask = (int16_t)(uint16_t)((UINT64_C(1) << e) - 1);
    int16_t remainder = (int16_t)(x & mask);
    int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    int32_t floor_q = x >= 0 ? x >> (e > 15 ? 15 : e) : ~(~(int32_t)x >> (e > 15 ? 15 : e));
    return (int16_t)(floor_q + (remainder > threshold ? 1 : 0));
}

/* Saturating x * 2^e on int16 (HARD_SWISH's SaturatingLeftShift). */
static inline int16_t math_sat_shl16(int16_t x, int e) {
    int64_t v = (int64_t)x * (INT64_C(1) << (e > 40 ? 40 : e));
    return (int16_t)(v > INT16_MAX ? INT16_MAX : (v < INT16_MIN ? INT16_MIN : v));
}

/* TFLite's CheckedLog2: true when x is a power of two to within 1e-3 of an exponent. */
static inline bool math_checked_log2(float x, int *log2_out) {
    float l = logf(x) * (1.0f / logf(2.0f));
    float r = roundf(l);
    *log2_out = (int)r;
    return fabsf(l - r) < 1e-3f;
}

/* A float converted to int32 the way x86's cvttss2si does it (and so LiteRT's
 * static_cast on its reference platform): truncation, and INT32_MIN for NaN and for values
 * out of range, where C leaves the conversion undefined. */
static inline int32_t math_f32_to_i32(float x) {
    if (!(x > -2147483904.0f && x < 2147483648.0f)) return INT32_MIN;
    return (int32_t)x;
}

/* ----------------------------------------------------------- quant params -- */

/* One tensor's per-tensor quantization. */
typedef struct math_qparams {
    float scale;
    int32_t zero_point;
} math_qparams;

/* Reads and checks a quantized tensor's parameters: present, per-tensor, finite positive
 * scale, zero point inside the dtype's range. */
static inline tflc_status math_qparams_of(tflc_node *node, const tflc_tensor *t, const char *role,
                                          int index, math_qparams *q) {
    const tflc_quantization *tq = tflc_ops_quant(t);
    int32_t lo = INT32_MIN, hi = INT32_MAX;
    q->scale = 1.0f; /* defined on every path (callers only read it on success) */
    q->zero_point = 0;
    if (!tq)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%s %d (%s) has no quantization parameters", role, index,
                              tflc_dtype_name(t->dtype));
    if (tq->count != 1)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s %d has per-channel quantization (%d scales); this op takes "
                              "one scale", role, index, tq->count);
    q->scale = tq->scales[0];
    int64_t zp = tflc_ops_zero_point(tq, 0);
    tflc_ops_int_range(t->dtype, &lo, &hi);
    if (!isfinite(q->scale) || !(q->scale > 0.0f))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s %d scale %g is not valid",
                              role, index, (double)q->scale);
    if (zp < lo || zp > hi)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "%s %d zero point %lld is outside the %s range", role, index,
                              (long long)zp, tflc_dtype_name(t->dtype));
    q->zero_point = (int32_t)zp;
    return TFLC_OK;
}

/* int16 tensors in TFLite's 16x8 scheme are symmetric. */
static inline tflc_status math_expect_zero_point0(tflc_node *node, const math_qparams *q,
                                                  const char *role, int index) {
    if (q->zero_point == 0) return TFLC_OK;
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                          "%s %d is int16 with zero point %d; int16 quantization must be "
                          "symmetric", role, index, (int)q->zero_point);
}

static inline bool math_is_q8(tflc_dtype d) { return d == TFLC_INT8 || d == TFLC_UINT8; }

/* Quantized integer elements as int32 (int8, uint8, int16). */
static inline int32_t math_load_q(const void *data, size_t i, tflc_dtype dtype) {
    switch (dtype) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

static inline void math_store_q(void *data, size_t i, tflc_dtype dtype, int32_t v) {
    switch (dtype) {
    case TFLC_INT8: ((int8_t *)data)[i] = (int8_t)v; break;
    case TFLC_UINT8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    default: ((int16_t *)data)[i] = (int16_t)v; break;
    }
}

static inline int32_t math_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* TFLite's CalculateActivationRangeQuantized: the clamp range of a fused activation on the
 * output's quantized grid. TANH and SIGN_BIT clamp nothing there (TFLite ignores them). */
static inline tflc_status math_act_range_q(tflc_node *node, int act, tflc_dtype dtype,
                                           const math_qparams *out, int32_t *lo, int32_t *hi) {
    tflc_ops_int_range(dtype, lo, hi);
    float bound_lo = 0.0f, bound_hi = 0.0f;
    bool has_lo = true, has_hi = true;
    switch (act) {
    case ACT_RELU: has_hi = false; break;
    case ACT_RELU6: bound_hi = 6.0f; break;
    case ACT_RELU_N1_TO_1: bound_lo = -1.0f; bound_hi = 1.0f; break;
    case ACT_NONE: case ACT_TANH: case ACT_SIGN_BIT: return TFLC_OK;
    default:
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "unknown fused activation %d", act);
    }
    float qlo = roundf(bound_lo / out->scale), qhi = roundf(bound_hi / out->scale);
    if (!(fabsf(qlo) < 2147483648.0f) || !(fabsf(qhi) < 2147483648.0f))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "fused activation bounds overflow the output's quantized range");
    if (has_lo && out->zero_point + (int64_t)qlo > *lo) *lo = out->zero_point + (int32_t)qlo;
    if (has_hi && out->zero_point + (int64_t)qhi < *hi) *hi = out->zero_point + (int32_t)qhi;
    return TFLC_OK;
}

/* --------------------------------------------------------- lookup tables -- */

/* The function a table samples; `arg` carries op-specific constants. */
typedef float (*math_lut_fn)(float x, const void *arg);

/* TFLite's LUTPopulate for int8 / uint8: entry v (indexed by the byte's bit pattern) is
 * quantize(f(dequantize(v))), computed in float exactly as TFLite does. */
static inline void math_lut8_build(uint8_t lut[256], tflc_dtype dtype, math_qparams in,
                                   math_qparams out, math_lut_fn f, const void *arg) {
    const float inverse_scale = 1.0f / out.scale;
    int32_t lo = dtype == TFLC_INT8 ? INT8_MIN : 0, hi = dtype == TFLC_INT8 ? INT8_MAX : UINT8_MAX;
    for (int32_t v = lo; v <= hi; v++) {
        float x = in.scale * (float)(v - in.zero_point);
        float rescaled = roundf(f(x, arg) * inverse_scale);
        int32_t q = math_f32_to_i32(rescaled + (float)out.zero_point);
        lut[(uint8_t)v] = (uint8_t)math_clamp_i32(q, lo, hi);
    }
}

static inline int16_t math_lut16_clamp(float v) {
    v = v < -32768.0f ? -32768.0f : v;
    v = 32767.0f < v ? 32767.0f : v;
    return (int16_t)math_f32_to_i32(v);
}

/* TFLite's LUTPopulate for int16: 512 segments over the input range plus an end point,
 * each entry biased so that linear interpolation is right at the segment's middle. */
static inline void math_lut16_build(int16_t lut[513], math_qparams in, math_qparams out,
                                    math_lut_fn f, const void *arg) {
    const float in_min = in.scale * (float)(INT16_MIN - in.zero_point);
    const float in_max = in.scale * (float)(INT16_MAX - in.zero_point);
    const float out_min = out.scale * (float)(INT16_MIN - out.zero_point);
    const float out_max = out.scale * (float)(INT16_MAX - out.zero_point);
    const float step = (in_max - in_min) / 512.0f, half_step = step / 2.0f;
    const float inv = 65536.0f / (out_max - out_min);
    for (int i = 0; i < 512; i++) {
        float val = f(in_min + (float)i * step, arg);
        float mid = f(in_min + (float)i * step + half_step, arg);
        float next = f(in_min + (float)(i + 1) * step, arg);
        float sample = roundf(val * inv);
        float mid_interp = roundf((next * inv + roundf(val * inv)) / 2.0f);
        float bias = roundf((mid_interp - roundf(mid * inv)) / 2.0f);
        lut[i] = math_lut16_clamp(sample - bias);
    }
    lut[512] = math_lut16_clamp(roundf(f(in_max, arg) * inv));
}

/* TFLite's LUTLookup for int16: the top 9 bits pick a segment, the low 7 interpolate. */
static inline int16_t math_lut16_lookup(const int16_t lut[513], int16_t v) {
    int index = 256 + (v >> 7);
    int offset = v & 0x7f;
    int16_t base = lut[index];
    int16_t slope = (int16_t)(lut[index + 1] - lut[index]);   /* int16, as in TFLite */
    return (int16_t)(base + ((slope * offset + 64) >> 7));
}

/* --------------------------------------------------------- broadcasting -- */

#define MATH_MAX_OPERANDS 3

/* How eval walks n inputs broadcast to one output: rank loop dims (size-1 dims dropped,
 * neighbours merged where every input steps through them as one), each input's element
 * stride per dim (0 = broadcast). The last dim is the row; its strides are 0 or 1. */
typedef struct math_plan {
    int n;
    int rank;                                        /* >= 1 */
    int32_t dims[TFLC_MAX_RANK];
    int64_t stride[MATH_MAX_OPERANDS][TFLC_MAX_RANK];
} math_plan;

/* numpy broadcasting of n shapes, aligned at their last dimension; each dimension must be
 * equal across inputs or 1 (a 1 against 0 gives 0). */
static inline tflc_status math_broadcast_shape(tflc_node *node, tflc_tensor *const *ins, int n,
                                               int32_t *dims, int *rank) {
    int r = 0;
    for (int k = 0; k < n; k++) r = ins[k]->rank > r ? ins[k]->rank : r;
    for (int d = 0; d < r; d++) {
        int32_t out = 1;
        for (int k = 0; k < n; k++) {
            int i = d - (r - ins[k]->rank);
            int32_t v = i >= 0 ? ins[k]->dims[i] : 1;
            if (v == 1) continue;
            if (out != 1 && v != out) {
                char s[MATH_MAX_OPERANDS][TFLC_OPS_SHAPE_BUF];
                for (int j = 0; j < n; j++)
                    tflc_ops_shape_str(ins[j]->dims, ins[j]->rank, s[j], sizeof s[j]);
                return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                      "input shapes %s%s%s%s%s cannot be broadcast together",
                                      s[0], n > 1 ? " and " : "", n > 1 ? s[1] : "",
                                      n > 2 ? " and " : "", n > 2 ? s[2] : "");
            }
            out = v;
        }
        dims[d] = out;
    }
    *rank = r;
    return TFLC_OK;
}

static inline bool math_plan_can_merge(const math_plan *p, int r,
                                       const int64_t (*st)[TFLC_MAX_RANK], int d,
                                       const int32_t *dims) {
    if ((int64_t)p->dims[r - 1] * dims[d] > INT32_MAX) return false;
    for (int k = 0; k < p->n; k++)
        if (p->stride[k][r - 1] != st[k][d] * dims[d]) return false;
    return true;
}

/* Builds the plan for inputs ins[0..n) against the output shape dims[0..rank). */
static inline void math_plan_build(math_plan *p, tflc_tensor *const *ins, int n,
                                   const int32_t *dims, int rank) {
    int64_t st[MATH_MAX_OPERANDS][TFLC_MAX_RANK];
    for (int k = 0; k < n; k++) tflc_ops_broadcast_strides(ins[k], dims, rank, st[k]);
    p->n = n;
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (dims[d] == 1) continue;
        if (r > 0 && math_plan_can_merge(p, r, (const int64_t (*)[TFLC_MAX_RANK])st, d, dims)) {
            p->dims[r - 1] *= dims[d];
            for (int k = 0; k < n; k++) p->stride[k][r - 1] = st[k][d];
            continue;
        }
        p->dims[r] = dims[d];
        for (int k = 0; k < n; k++) p->stride[k][r] = st[k][d];
        r++;
    }
    if (r == 0) {                                    /* all ones: one row of one element */
        p->dims[0] = 1;
        for (int k = 0; k < n; k++) p->stride[k][0] = 0;
        r = 1;
    }
    p->rank = r;
}

/* Prepare helper: broadcasts inputs ins[0..n), sets output 0's shape and builds the plan. */
static inline tflc_status math_plan_prepare(tflc_node *node, tflc_tensor *const *ins, int n,
                                            math_plan *p) {
    int32_t dims[TFLC_MAX_RANK];
    int rank = 0;
    tflc_status s = math_broadcast_shape(node, ins, n, dims, &rank);
    if (s == TFLC_OK) s = tflc_node_set_output_shape(node, 0, dims, rank);
    if (s == TFLC_OK) math_plan_build(p, ins, n, dims, rank);
    return s;
}

/* One row handed to a row function: input k's first element is in[k] + off[k] elements
 * (typed by the callee), later ones step[k] (0 or 1) apart; the output's first element is
 * out_off elements into out, later ones 1 apart. */
typedef struct math_row {
    const void *ctx;                                 /* the op's params */
    const void *in[MATH_MAX_OPERANDS];
    int64_t off[MATH_MAX_OPERANDS];
    int64_t step[MATH_MAX_OPERANDS];
    void *out;
    size_t out_off;
    int32_t n;
} math_row;

typedef void (*math_row_fn)(const math_row *row);

/* Walks the plan: an odometer over the outer dims, one row function call per row. */
static inline void math_plan_walk(const math_plan *p, const void *ctx, const void *const *in,
                                  void *out, math_row_fn fn) {
    const int outer = p->rank - 1;
    int32_t idx[TFLC_MAX_RANK] = {0};
    math_row row = {.ctx = ctx, .out = out, .n = p->dims[outer]};
    for (int k = 0; k < p->n; k++) {
        row.in[k] = in[k];
        row.step[k] = p->stride[k][outer];
    }
    size_t rows = tflc_shape_count(p->dims, outer);
    for (size_t r = 0; r < rows; r++, row.out_off += (size_t)row.n) {
        fn(&row);
        for (int d = outer - 1; d >= 0; d--) {
            for (int k = 0; k < p->n; k++) row.off[k] += p->stride[k][d];
            if (++idx[d] < p->dims[d]) break;
            for (int k = 0; k < p->n; k++) row.off[k] -= p->stride[k][d] * p->dims[d];
            idx[d] = 0;
        }
    }
}

/* Typed pointer to input k's first element of a row. */
#define MATH_ROW_IN(row, k, T) ((const T *)(row)->in[k] + (row)->off[k])
#define MATH_ROW_OUT(row, T) ((T *)(row)->out + (row)->out_off)

/* ------------------------------------------------------------- misc -- */

/* Arity 1..1, output dtype == input dtype, output shape == input shape. */
static inline tflc_status math_unary_shape(tflc_node *node) {
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

static inline tflc_status math_unsupported_dtype(tflc_node *node, tflc_dtype dtype,
                                                 const char *supported) {
    return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                          "%s inputs are not supported (%s are)", tflc_dtype_name(dtype),
                          supported);
}

#endif
