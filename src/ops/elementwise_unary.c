/*
 * elementwise_unary.c -- one-input elementwise math; output shape and dtype = the input's.
 *
 *   ABS     float32, int32, int16 (plain or quantized), int8 (quantized)
 *   NEG     float32, int32, int64          SQUARE, SQRT, SIN, COS, FLOOR, CEIL  float32
 *   RSQRT   float32, int8 and int16 (quantized)
 *   EXP     float32, int8 and int16 (quantized)      LOG  float32, int8, int16 (quantized)
 *   ROUND   float32 (half to even)         SIGN  float32, int32
 *
 * Float results come from the C library's float functions (expf, logf, sinf, ...), the
 * calls LiteRT's kernels make, so on the same libm they agree bit for bit. Quantized forms
 * follow LiteRT exactly: int8 inputs have only 256 values, so prepare tabulates the whole
 * function (TFLite's own LUTs for EXP and LOG, and ABS / RSQRT computed per value with its
 * fixed-point recipe); int16 EXP, LOG and RSQRT use TFLite's 513-entry interpolated table.
 */
#include <stdlib.h>

#include "kernels/x8_lut.h"
#include "ops/math_common.h"

typedef enum un_op {
    UN_ABS, UN_NEG, UN_SQUARE, UN_SQRT, UN_RSQRT, UN_EXP, UN_LOG, UN_SIN, UN_COS, UN_FLOOR,
    UN_CEIL, UN_ROUND, UN_SIGN,
} un_op;

typedef enum un_mode {
    UM_FLOAT,        /* float32 */
    UM_INT,          /* plain int16 / int32 / int64 */
    UM_LUT8,         /* int8: the whole function tabulated */
    UM_LUT16,        /* int16: TFLite's interpolated table */
    UM_ABS16,        /* quantized int16 ABS: rescale per element */
} un_mode;

typedef struct un_params {
    un_op op;
    un_mode mode;
    tflc_dtype dtype;
    int32_t in_zp;               /* RSQRT: inputs below the zero point are an error */
    bool check_negative;         /* quantized RSQRT */
    int32_t out_zp, mult;        /* UM_ABS16 */
    int shift;
    bool rescale;
    tflc_x8_lut_fn lut_fn;       /* UM_LUT8: the lookup kernel, chosen at prepare */
    union {
        uint8_t lut8[256];
        int16_t lut16[513];
    } t;
} un_params;

/* ------------------------------------------------------------- dtypes -- */

static const char *un_supported(un_op op) {
    switch (op) {
    case UN_ABS: return "float32, int32, int16 and quantized int8";
    case UN_NEG: return "float32, int32 and int64";
    case UN_RSQRT: case UN_EXP: case UN_LOG: return "float32 and quantized int8 and int16";
    case UN_SIGN: return "float32 and int32";
    default: return "float32";
    }
}

static bool un_dtype_ok(un_op op, tflc_dtype d) {
    if (d == TFLC_FLOAT32) return true;
    switch (op) {
    case UN_ABS: return d == TFLC_INT32 || d == TFLC_INT16 || d == TFLC_INT8;
    case UN_NEG: return d == TFLC_INT32 || d == TFLC_INT64;
    case UN_RSQRT: case UN_EXP: case UN_LOG: return d == TFLC_INT8 || d == TFLC_INT16;
    case UN_SIGN: return d == TFLC_INT32;
    default: return false;
    }
}

/* -------------------------------------------------------- fixed point -- */

static int un_clz32(uint32_t x) {
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) { x <<= 1; n++; }
    return n;
}

/* TFLite's GetInvSqrtQuantizedMultiplierExp with reverse_shift -1: 1/sqrt(input) as a
 * multiplier and left shift, by five Newton-Raphson steps in gemmlowp Q3.28. */
static void un_inv_sqrt(int32_t input, int32_t *mult, int *shift_out) {
    if (input <= 1) { *mult = INT32_MAX; *shift_out = 0; return; }
    int shift = 11;
    while (input >= (1 << 29)) { input /= 4; shift++; }
    int pairs = (un_clz32((uint32_t)input) - 1) / 2 - 1;
    shift -= pairs;
    input = (int32_t)((uint32_t)input << (2 * pairs));
    const int32_t half_input = math_rdpot(input >> 1, 1);
    const int32_t half_three = (1 << 28) + (1 << 27);
    int32_t x = 1 << 28;                                      /* Q3.28 one */
    for (int i = 0; i < 5; i++) {
        int32_t x3 = math_sat_shl(math_srdhm(math_srdhm(x, x), x), 6);        /* Q9 -> Q3 */
        uint32_t diff = (uint32_t)math_srdhm(half_three, x) - (uint32_t)math_srdhm(half_input, x3);
        x = math_sat_shl((int32_t)diff, 3);                                    /* Q6 -> Q3 */
    }
    x = math_srdhm(x, 1518500250);                            /* * sqrt(2)/2 in Q0.31 */
    if (shift < 0) { x = (int32_t)((uint32_t)x << -shift); shift = 0; }
    *mult = x;
    *shift_out = -shift;
}

/* TFLite's quantized RSQRT on one int8 value (value = q - zero point > 0). */
static int32_t un_rsqrt_q8(int32_t value, int32_t mult, int shift, int32_t out_zp) {
    const int k_shift = 20;                                   /* keeps the value integral */
    if (value == 0) return INT8_MAX;
    int32_t inv_mult = 0;
    int inv_shift = 0;
    un_inv_sqrt(value, &inv_mult, &inv_shift);
    int32_t data = math_mbqm(1, inv_mult, inv_shift + k_shift);
    return math_mbqm(data, mult, shift - k_shift) + out_zp;
}

/* ---------------------------------------------------------- table makers -- */

static float lut_exp(float x, const void *arg) { (void)arg; return expf(x); }

static float lut_log(float x, const void *arg) {
    return x <= 0.0f ? *(const float *)arg : logf(x);        /* arg: the output's minimum */
}

static float lut_rsqrt16(float x, const void *arg) {
    return x <= 0.0f ? (float)INT16_MAX * *(const float *)arg : 1.0f / sqrtf(x);
}

/* int8 ABS and RSQRT per value, the way TFLite computes them element by element. */
static void un_lut8_fixed(un_params *p, math_qparams in, math_qparams out) {
    for (int32_t v = INT8_MIN; v <= INT8_MAX; v++) {
        int32_t r;
        if (p->op == UN_ABS) {
            int32_t value = abs(v - in.zero_point);
            r = p->rescale ? math_mbqm(value, p->mult, p->shift) + out.zero_point
                           : value + out.zero_point;
        } else {
            r = un_rsqrt_q8(v - in.zero_point, p->mult, p->shift, out.zero_point);
        }
        p->t.lut8[(uint8_t)v] = (uint8_t)(int8_t)math_clamp_i32(r, INT8_MIN, INT8_MAX);
    }
}

/* ---------------------------------------------------------- quantized -- */

/* ABS rescales by in/out (computed in float, then quantized, as TFLite does); RSQRT by
 * 1 / (sqrt(in) * out). */
static void un_multiplier(un_params *p, math_qparams in, math_qparams out) {
    p->rescale = in.scale != out.scale;
    double m = p->op == UN_ABS ? (double)(in.scale / out.scale)
                               : 1.0 / (double)(sqrtf(in.scale) * out.scale);
    math_quantize_multiplier(m, &p->mult, &p->shift);
}

static tflc_status un_prepare_q16(tflc_node *node, un_params *p, math_qparams in,
                                  math_qparams out) {
    if (p->op != UN_EXP) {                   /* EXP bakes both zero points into its table */
        tflc_status s = math_expect_zero_point0(node, &in, "input", 0);
        if (s == TFLC_OK) s = math_expect_zero_point0(node, &out, "output", 0);
        if (s != TFLC_OK) return s;
    }
    float arg = 0.0f;
    switch (p->op) {
    case UN_ABS: p->mode = UM_ABS16; un_multiplier(p, in, out); return TFLC_OK;
    case UN_EXP: math_lut16_build(p->t.lut16, in, out, lut_exp, NULL); break;
    case UN_LOG:
        arg = (float)(INT16_MIN - out.zero_point) * out.scale;
        math_lut16_build(p->t.lut16, in, out, lut_log, &arg);
        break;
    default:
        arg = out.scale;
        math_lut16_build(p->t.lut16, in, out, lut_rsqrt16, &arg);
        break;
    }
    p->mode = UM_LUT16;
    return TFLC_OK;
}

static tflc_status un_prepare_quantized(tflc_node *node, un_params *p) {
    math_qparams in, out;
    tflc_status s = math_qparams_of(node, node->inputs[0], "input", 0, &in);
    if (s == TFLC_OK) s = math_qparams_of(node, node->outputs[0], "output", 0, &out);
    if (s != TFLC_OK) return s;
    p->in_zp = in.zero_point;
    p->out_zp = out.zero_point;
    p->check_negative = p->op == UN_RSQRT;
    if (p->dtype == TFLC_INT16) return un_prepare_q16(node, p, in, out);
    p->mode = UM_LUT8;
    p->lut_fn = tflc_x8_lut_config_get()->lut;
    if (p->op == UN_EXP) {
        math_lut8_build(p->t.lut8, TFLC_INT8, in, out, lut_exp, NULL);
    } else if (p->op == UN_LOG) {
        float out_min = (float)(INT8_MIN - out.zero_point) * out.scale;
        math_lut8_build(p->t.lut8, TFLC_INT8, in, out, lut_log, &out_min);
    } else {
        un_multiplier(p, in, out);
        un_lut8_fixed(p, in, out);
    }
    return TFLC_OK;
}

/* ------------------------------------------------------------- prepare -- */

static tflc_status un_prepare(tflc_node *node, un_op op) {
    un_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    tflc_dtype d = node->inputs[0]->dtype;
    if (!un_dtype_ok(op, d)) return math_unsupported_dtype(node, d, un_supported(op));
    s = math_unary_shape(node);
    if (s != TFLC_OK) return s;
    p->op = op;
    p->dtype = d;
    p->mode = d == TFLC_FLOAT32 ? UM_FLOAT : UM_INT;
    /* int8 is always quantized; int16 is quantized when it carries parameters (plain int16
     * ABS is integer abs). */
    if (d == TFLC_INT8 || (d == TFLC_INT16 && tflc_ops_quant(node->inputs[0])))
        return un_prepare_quantized(node, p);
    if (d == TFLC_INT16 && op != UN_ABS)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "int16 input has no quantization parameters");
    return TFLC_OK;
}

#define UN_PREPARE(fn, OP) \
    static tflc_status fn(tflc_node *node) { return un_prepare(node, OP); }
UN_PREPARE(abs_prepare, UN_ABS)
UN_PREPARE(neg_prepare, UN_NEG)
UN_PREPARE(square_prepare, UN_SQUARE)
UN_PREPARE(sqrt_prepare, UN_SQRT)
UN_PREPARE(rsqrt_prepare, UN_RSQRT)
UN_PREPARE(exp_prepare, UN_EXP)
UN_PREPARE(log_prepare, UN_LOG)
UN_PREPARE(sin_prepare, UN_SIN)
UN_PREPARE(cos_prepare, UN_COS)
UN_PREPARE(floor_prepare, UN_FLOOR)
UN_PREPARE(ceil_prepare, UN_CEIL)
UN_PREPARE(round_prepare, UN_ROUND)
UN_PREPARE(sign_prepare, UN_SIGN)

/* ---------------------------------------------------------------- float -- */

/* TFLite's RoundToNearest: ties to even, built on floor (so -0.4 gives +0, not -0). */
static float un_round(float x) {
    float f = floorf(x), diff = x - f;
    if (diff < 0.5f || (diff == 0.5f && math_f32_to_i32(f) % 2 == 0)) return f;
    return f + 1.0f;
}

static float un_f32(un_op op, float x) {
    switch (op) {
    case UN_ABS: return fabsf(x);
    case UN_NEG: return -x;
    case UN_SQUARE: return x * x;
    case UN_SQRT: return sqrtf(x);
    case UN_RSQRT: return 1.0f / sqrtf(x);
    case UN_EXP: return expf(x);
    case UN_LOG: return logf(x);
    case UN_SIN: return sinf(x);
    case UN_COS: return cosf(x);
    case UN_FLOOR: return floorf(x);
    case UN_CEIL: return ceilf(x);
    case UN_ROUND: return un_round(x);
    case UN_SIGN: return isnan(x) ? x : (float)((x > 0.0f) - (x < 0.0f));  /* as LiteRT */
    }
    return x;
}

/* -------------------------------------------------------------- integer -- */

static int64_t un_int(un_op op, int64_t x) {
    uint64_t neg = 0u - (uint64_t)x;
    switch (op) {
    case UN_ABS: return x < 0 ? (int64_t)neg : x;             /* wraps at the minimum */
    case UN_NEG: return (int64_t)neg;
    case UN_SIGN: return (x > 0) - (x < 0);
    default: return x;
    }
}

static void un_eval_int(const un_params *p, const void *in, void *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        switch (p->dtype) {
        case TFLC_INT16: {
            uint64_t v = (uint64_t)un_int(p->op, ((const int16_t *)in)[i]);
            ((int16_t *)out)[i] = (int16_t)(uint16_t)v;
            break;
        }
        case TFLC_INT32: {
            uint64_t v = (uint64_t)un_int(p->op, ((const int32_t *)in)[i]);
            ((int32_t *)out)[i] = (int32_t)(uint32_t)v;
            break;
        }
        default: ((int64_t *)out)[i] = un_int(p->op, ((const int64_t *)in)[i]); break;
        }
    }
}

/* ---------------------------------------------------------------- eval -- */

static void un_eval_abs16(const un_params *p, const int16_t *in, int16_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int32_t value = abs((int32_t)in[i] - p->in_zp);
        int32_t r = p->rescale ? math_mbqm(value, p->mult, p->shift) + p->out_zp
                               : value + p->out_zp;
        out[i] = (int16_t)math_clamp_i32(r, INT16_MIN, INT16_MAX);
    }
}

/* RSQRT is only defined for inputs at or above the zero point; TFLite fails the run. */
static tflc_status un_check_domain(tflc_node *node, const un_params *p, const void *in, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (math_load_q(in, i, p->dtype) < p->in_zp)
            return tflc_node_fail(node, TFLC_ERROR_RUNTIME,
                                  "RSQRT is only defined for positive values (element %zu)", i);
    return TFLC_OK;
}

static tflc_status un_eval(tflc_node *node) {
    const un_params *p = node->params;
    const void *in = node->inputs[0]->data;
    void *out = node->outputs[0]->data;
    size_t n = tflc_tensor_count(node->inputs[0]);
    if (p->check_negative) {
        tflc_status s = un_check_domain(node, p, in, n);
        if (s != TFLC_OK) return s;
    }
    switch (p->mode) {
    case UM_FLOAT:
        for (size_t i = 0; i < n; i++) ((float *)out)[i] = un_f32(p->op, ((const float *)in)[i]);
        break;
    case UM_INT: un_eval_int(p, in, out, n); break;
    case UM_LUT8: p->lut_fn(n, in, p->t.lut8, out); break;
    case UM_LUT16:
        for (size_t i = 0; i < n; i++)
            ((int16_t *)out)[i] = math_lut16_lookup(p->t.lut16, ((const int16_t *)in)[i]);
        break;
    case UM_ABS16: un_eval_abs16(p, in, out, n); break;
    }
    return TFLC_OK;
}

#define UN_KERNEL(var, NAME, prep)                                                         \
    const tflc_kernel var = {                                                              \
        .name = NAME, .params_size = sizeof(un_params), .prepare = prep, .eval = un_eval,  \
    }

UN_KERNEL(tflc_kernel_abs, "ABS", abs_prepare);
UN_KERNEL(tflc_kernel_neg, "NEG", neg_prepare);
UN_KERNEL(tflc_kernel_square, "SQUARE", square_prepare);
UN_KERNEL(tflc_kernel_sqrt, "SQRT", sqrt_prepare);
UN_KERNEL(tflc_kernel_rsqrt, "RSQRT", rsqrt_prepare);
UN_KERNEL(tflc_kernel_exp, "EXP", exp_prepare);
UN_KERNEL(tflc_kernel_log, "LOG", log_prepare);
UN_KERNEL(tflc_kernel_sin, "SIN", sin_prepare);
UN_KERNEL(tflc_kernel_cos, "COS", cos_prepare);
UN_KERNEL(tflc_kernel_floor, "FLOOR", floor_prepare);
UN_KERNEL(tflc_kernel_ceil, "CEIL", ceil_prepare);
UN_KERNEL(tflc_kernel_round, "ROUND", round_prepare);
UN_KERNEL(tflc_kernel_sign, "SIGN", sign_prepare);
