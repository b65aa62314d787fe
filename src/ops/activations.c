/*
 * activations.c -- elementwise activations; output shape = input shape.
 *
 *   RELU, RELU6               float32, int8, uint8, int16 (quantized)
 *   RELU_N1_TO_1, RELU_0_TO_1 float32, int8, uint8
 *   LOGISTIC, TANH            float32, int8, uint8 (table), int16 (TFLite's sigmoid table, or
 *                             gemmlowp fixed point for power-of-two input scales)
 *   LEAKY_RELU                float32, int8, uint8, int16
 *   PRELU                     float32, int8, uint8; alpha broadcast against the input
 *   ELU                       float32, int8 (table)
 *   HARD_SWISH                float32, int8, uint8 (TFLite's 16-bit fixed-point recipe)
 *   GELU                      float32 (exact or tanh approximation), int8, uint8 (table)
 *   LOG_SOFTMAX               float32, int8, uint8 (over the last dimension)
 *
 * Quantized results are LiteRT's bit for bit. An int8/uint8 input has only 256 values, and
 * LiteRT's per-element arithmetic depends on nothing but the input value for every op here
 * but PRELU and LOG_SOFTMAX, so prepare tabulates it (the RELU family and LEAKY_RELU by
 * running their per-element code, also used for int16, on all 256 bytes) and eval is one
 * table lookup (kernels/x8_lut.h: 64 bytes per step with AVX-512 VBMI or NEON TBL).
 * Float LOGISTIC and TANH run Eigen's approximations, the ones LiteRT's builtin kernels use,
 * operation for operation and vectorized (kernels/f32_vunary.h): LiteRT's results bit for
 * bit (checked on 600k points and the special values). Float HARD_SWISH is vectorized in
 * the builtin kernel's order, (x * (1/6)) * relu6(x + 3), which rounds differently from
 * its reference kernel's x * relu6(x + 3) / 6 (checked on 200k points: this order matches
 * the builtin bit for bit). Float GELU, both forms, is LiteRT's reference_ops::Gelu the same
 * way: Eigen's generic_fast_erfc<float> (exact form) or its tanh (approximate form), in
 * Eigen's expression order (kernels/f32_vunary.h): LiteRT's bits on 1.1M points in [-10, 10],
 * 65k in [-20, 20] and the special values. The int8/uint8 GELU tables use the C library's
 * erfcf and tanhf, as LiteRT fills its table with std::erfc / std::tanh.
 */
#include "ops/math_common.h"

#include "kernels/f32_vunary.h"
#include "ops/fusion.h"
#include "kernels/x8_lut.h"

typedef enum act_kind {
    ACT_K_RELU, ACT_K_RELU_N1_TO_1, ACT_K_RELU6, ACT_K_RELU_0_TO_1, ACT_K_LOGISTIC, ACT_K_TANH,
    ACT_K_LEAKY_RELU, ACT_K_ELU, ACT_K_HARD_SWISH, ACT_K_GELU,
} act_kind;

typedef enum act_mode {
    AM_FLOAT,        /* float32 */
    AM_RELU_Q,       /* quantized RELU family: rescale and clamp */
    AM_LEAKY_Q,      /* quantized LEAKY_RELU */
    AM_LUT8,         /* int8 / uint8 through a 256-entry table (every 8-bit mode ends here) */
    AM_SIGMOID16,    /* int16 LOGISTIC / TANH, general input scale */
    AM_GEMMLOWP16,   /* int16 LOGISTIC / TANH, power-of-two input scale */
} act_mode;

typedef struct act_params {
    act_kind kind;
    act_mode mode;
    tflc_dtype dtype;
    float alpha;                      /* LEAKY_RELU */
    bool approximate;                 /* GELU */
    int32_t in_zp, out_zp;
    int32_t mult, alpha_mult;         /* RELU family, LEAKY_RELU (identity, alpha) */
    int shift, alpha_shift;
    int32_t qmin, qmax;
    int32_t in_mult;                  /* int16 LOGISTIC / TANH */
    int in_left_shift;
    uint8_t lut[256];                 /* AM_LUT8, indexed by the input byte */
    tflc_x8_lut_fn lut_fn;            /* AM_LUT8: the lookup kernel, chosen at prepare */
} act_params;

/* TFLite's sigmoid_table_uint16 (kernels/internal/common.h): sigmoid(i / 24) in 0.16 fixed
 * point as TFLite tabulates it. Its int16 LOGISTIC and TANH interpolate in exactly these
 * values (they are not all round(65536 * sigmoid(i / 24)), so they are data, not a formula). */
static const uint16_t sigmoid_table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535
};

/* --------------------------------------------------------- float kernels -- */

#define ACT_SQRT1_2 0.70710678118654752440      /* 1/sqrt(2) */
#define ACT_2_SQRTPI 1.12837916709551257390     /* 2/sqrt(pi) */

/* TFLite's GeluTransform / GeluTransformApproximate, scalar std::erfc / std::tanh: what
 * LiteRT's int8 / uint8 GELU tabulates (the float op goes through Eigen: act_eval_f32). */
static float gelu_exact(float x) { return 0.5f * x * erfcf(x * (float)(-ACT_SQRT1_2)); }

/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
static float gelu_approx(float x) {
    const float k = (float)(ACT_2_SQRTPI * ACT_SQRT1_2);
    return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
}

/* Clamps that pass NaN through, as LiteRT's float RELU family does (checked: RELU6(NaN) is
 * NaN there too). */
static float act_f32(const act_params *p, float x) {
    switch (p->kind) {
    case ACT_K_RELU: return x < 0.0f ? 0.0f : x;
    case ACT_K_RELU_N1_TO_1: return tflc_ops_clamp_f32(x, -1.0f, 1.0f);
    case ACT_K_RELU6: return tflc_ops_clamp_f32(x, 0.0f, 6.0f);
    case ACT_K_RELU_0_TO_1: return tflc_ops_clamp_f32(x, 0.0f, 1.0f);
    case ACT_K_LOGISTIC: case ACT_K_TANH: case ACT_K_HARD_SWISH: case ACT_K_GELU:
        break;                                    /* whole arrays: act_eval_f32 */
    case ACT_K_LEAKY_RELU: return x > 0.0f ? x : x * p->alpha;
    case ACT_K_ELU: return x < 0.0f ? expm1f(x) : x;
    }
    return x;
}

/* ------------------------------------------------------------ LUT makers -- */

static float lut_logistic(float x, const void *arg) { (void)arg; return 1.0f / (1.0f + expf(-x)); }
static float lut_tanh(float x, const void *arg) { (void)arg; return tanhf(x); }
static float lut_elu(float x, const void *arg) { (void)arg; return x < 0.0f ? expm1f(x) : x; }
static float lut_gelu(float x, const void *arg) {
    return *(const bool *)arg ? gelu_approx(x) : gelu_exact(x);
}

/* ------------------------------------------------------------ HARD_SWISH -- */

typedef struct hswish_q {
    int32_t in_zp, out_zp;
    int16_t out_mult, reluish_mult;   /* Q0.15 */
    int out_exp, reluish_exp;
} hswish_q;

/* TFLite's DownScaleInt32ToInt16Multiplier: round to the top 16 bits. */
static int16_t downscale_mult(int32_t m) {
    if (m >= INT32_MAX - (1 << 15)) return INT16_MAX;
    return (int16_t)((m + (1 << 15)) >> 16);
}

/* TFLite's quantized hard swish on one value: x * relu6(x + 3) / 6 in 16-bit fixed point,
 * the "reluish" factor rescaled from [-3, 3] to [0, 1]. */
static int32_t hswish_value(const hswish_q *h, int32_t q) {
    const int16_t in = (int16_t)(q - h->in_zp);
    const int16_t hires = (int16_t)(in * (1 << 7));
    const int16_t preshift_out = math_srdhm16(hires, h->out_mult);
    int16_t reluish = hires;
    if (h->reluish_exp > 0) reluish = math_sat_shl16(reluish, h->reluish_exp - 1);
    reluish = math_srdhm16(reluish, h->reluish_mult);
    if (h->reluish_exp > 0) reluish = math_sat_shl16(reluish, 1);
    if (h->reluish_exp < 0) reluish = math_rdpot16(reluish, -h->reluish_exp);
    reluish = (int16_t)((reluish + (1 << 15)) >> 1);        /* [-1, 1] -> [0, 1] */
    const int16_t preshift = math_sdhm16(reluish, preshift_out);
    return (int16_t)(math_rdpot16(preshift, -h->out_exp) + h->out_zp);
}

static tflc_status hswish_setup(tflc_node *node, act_params *p, math_qparams in,
                                math_qparams out) {
    hswish_q h = {.in_zp = in.zero_point, .out_zp = out.zero_point};
    const float hires_scale = (1.0f / 128.0f) * in.scale;
    const float reluish_scale = 3.0f / 32768.0f;
    int32_t m = 0;
    math_quantize_multiplier((double)(hires_scale / out.scale), &m, &h.out_exp);
    h.out_mult = downscale_mult(m);
    if (h.out_exp > 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "HARD_SWISH output scale %g is too fine for the input scale %g",
                              (double)out.scale, (double)in.scale);
    math_quantize_multiplier((double)(hires_scale / reluish_scale), &m, &h.reluish_exp);
    h.reluish_mult = downscale_mult(m);
    int32_t lo = 0, hi = 0;
    tflc_ops_int_range(p->dtype, &lo, &hi);
    for (int32_t v = lo; v <= hi; v++)
        p->lut[(uint8_t)v] = (uint8_t)math_clamp_i32(hswish_value(&h, v), lo, hi);
    p->mode = AM_LUT8;
    return TFLC_OK;
}

/* -------------------------------------------------------- int16 sigmoid -- */

/* TFLite's int16 LOGISTIC / TANH prepare. A power-of-two input scale of exactly 2^-12 (or
 * 2^-11 for TANH) takes LiteRT's gemmlowp path; any other scale is rescaled so that 2^17
 * means about 10.7 (3 * 4096 per unit, then doubled until it fills 15 bits) for the
 * interpolated sigmoid table. */
static tflc_status sigmoid16_setup(tflc_node *node, act_params *p, math_qparams in,
                                   math_qparams out) {
    tflc_status s = math_expect_zero_point0(node, &in, "input", 0);
    if (s == TFLC_OK) s = math_expect_zero_point0(node, &out, "output", 0);
    if (s != TFLC_OK) return s;
    int l2 = 0;
    bool out_ok = p->kind == ACT_K_LOGISTIC ? out.scale == 1.0f / 32768.0f
                                            : math_checked_log2(out.scale, &l2) && l2 == -15;
    if (!out_ok)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "int16 %s needs output scale 2^-15, got %g",
                              p->kind == ACT_K_TANH ? "TANH" : "LOGISTIC", (double)out.scale);
    p->mode = AM_SIGMOID16;
    int shift = 12 + (math_checked_log2(in.scale, &l2) ? l2 : 100);
    if (shift == 0 || (p->kind == ACT_K_TANH && shift == 1)) {
        p->mode = AM_GEMMLOWP16;
        p->in_left_shift = shift;
        return TFLC_OK;
    }
    double m = (double)in.scale * 4096.0 * 3.0;
    p->in_left_shift = 0;
    while (m <= 32767.0 / 2.0 && p->in_left_shift <= 30) {
        p->in_left_shift++;
        m *= 2.0;
    }
    p->in_mult = (int32_t)m;
    return TFLC_OK;
}

/* reference_integer_ops::Logistic on one int16 (Q0.15 output). */
static int16_t logistic16(const act_params *p, int16_t x) {
    int32_t round = p->in_left_shift > 0 ? 1 << (p->in_left_shift - 1) : 0;
    int32_t v = (int32_t)(((int64_t)x * p->in_mult + round) >> p->in_left_shift);
    uint32_t a = (uint32_t)(v < 0 ? -(int64_t)v : v), uh = a >> 9, r;
    if (uh >= 255) {
        r = 0x7FFFu << 10;
    } else {
        uint32_t ua = sigmoid_table[uh], ub = sigmoid_table[uh + 1];
        r = (ua << 9) + (a & 0x1ffu) * (ub - ua);           /* unsigned wrap, as TFLite */
    }
    r = v >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
    return (int16_t)(r >> 10);
}

/* reference_integer_ops::Tanh on one int16: tanh(x) = 2 sigmoid(2x) - 1 on the same table. */
static int16_t tanh16(const act_params *p, int16_t x) {
    int32_t round = p->in_left_shift > 0 ? 1 << (p->in_left_shift - 1) : 0;
    int32_t v = (int32_t)(((int64_t)x * p->in_mult + round) >> p->in_left_shift);
    uint32_t a = (uint32_t)(v < 0 ? -(int64_t)v : v), uh = a >> 8;
    int32_t r;
    if (uh >= 255) {
        r = 0xFFFF << 8;
    } else {
        uint32_t ua = sigmoid_table[uh], ub = sigmoid_table[uh + 1];
        r = (int32_t)((ua << 8) + (a & 0xffu) * (ub - ua));
    }
    r = v >= 0 ? r - (1 << 23) + (1 << 7) : -r + (1 << 23) + (1 << 7) - 1;
    return (int16_t)(r >> 8);
}

/* ------------------------------------------------ gemmlowp int16 (POT) -- */

/* LiteRT's builtin int16 LOGISTIC / TANH for power-of-two input scales (2^-12, and 2^-11
 * for TANH): gemmlowp's fixed-point logistic and tanh on int16 lanes, input Q3.12, output
 * Q0.15. Every step is gemmlowp's int16 arithmetic (wrapping add/sub, rounding doubling
 * high multiply, saturating power-of-two scaling); its 32-bit constants are rounded to 16
 * bits exactly as gemmlowp's RescaleConstantInitializer does. */

static int16_t g_add(int32_t a, int32_t b) { return (int16_t)(uint16_t)(uint32_t)(a + b); }
static int16_t g_mul(int16_t a, int16_t b) { return math_srdhm16(a, b); }
static int16_t g_const(int32_t v) { return (int16_t)math_rdpot(v, 16); }

/* SaturatingRoundingMultiplyByPOT<e> for e > 0 on int16. */
static int16_t g_shl(int16_t x, int e) { return math_sat_shl16(x, e); }

/* exp(a) for a in [-1/4, 0), a in Q0.15. */
static int16_t g_exp_quarter(int16_t a) {
    const int16_t c = g_const(1895147668), third = g_const(715827883);
    int16_t x = g_add(a, 1 << 12);                           /* a + 1/8 */
    int16_t x2 = g_mul(x, x), x3 = g_mul(x2, x), x4 = g_mul(x2, x2);
    int16_t x4_4 = math_rdpot16(x4, 2);
    int16_t t = math_rdpot16(g_add(g_mul(g_add(x4_4, x3), third), x2), 1);
    return (int16_t)math_clamp_i32(c + g_mul(c, g_add(x, t)), INT16_MIN, INT16_MAX);
}

/* exp(a) for a <= 0 with `ibits` integer bits (3 or 4), result Q0.15. */
static int16_t g_exp_neg(int16_t a, int ibits) {
    static const int32_t mults[] = {1672461947, 1302514674, 790015084, 290630308, 39332535,
                                    720401};
    const int frac = 15 - ibits, quarter = 1 << (frac - 2);
    int16_t a_mod = g_add(a & (quarter - 1), -quarter);
    int16_t result = g_exp_quarter(g_shl(a_mod, ibits));
    int16_t remainder = g_add(a_mod, -a);
    for (int e = -2; e < ibits; e++)
        if (remainder & (1 << (frac + e))) result = g_mul(result, g_const(mults[e + 2]));
    return a == 0 ? INT16_MAX : result;
}

/* Newton-Raphson 1 / (1 + a) (or (1 - a) / (1 + a)) for a in (0, 1), Q0.15 in, Q0.15 out. */
static int16_t g_reciprocal(int16_t a, bool one_minus) {
    int16_t half_den = (int16_t)(((int32_t)a + INT16_MAX + 1) / 2);   /* RoundingHalfSum */
    int16_t x = g_add(g_const(1515870810), g_mul(half_den, g_const(-1010580540)));
    for (int i = 0; i < 3; i++) {
        int16_t one_minus_hdx = g_add(1 << 13, -g_mul(half_den, x));
        x = g_add(x, g_shl(g_mul(x, one_minus_hdx), 2));
    }
    return one_minus ? g_shl(g_add(x, -(1 << 13)), 2) : g_shl(x, 1);
}

static int16_t g_logistic(int16_t a) {
    if (a == 0) return 1 << 14;
    int16_t abs_a = a > 0 ? a : (int16_t)(uint16_t)(0u - (uint16_t)a);
    int16_t pos = g_reciprocal(g_exp_neg((int16_t)(uint16_t)(0u - (uint16_t)abs_a), 3), false);
    return a > 0 ? pos : g_add(INT16_MAX, -pos);
}

static int16_t g_tanh(int16_t a) {
    if (a == 0) return 0;
    int16_t n = a < 0 ? a : (int16_t)(uint16_t)(0u - (uint16_t)a);
    int16_t t = g_reciprocal(g_exp_neg(n, 4), true);         /* exp(2n): same raw, Q4.11 */
    return a < 0 ? (int16_t)(uint16_t)(0u - (uint16_t)t) : t;
}

/* ------------------------------------------------ quantized per element -- */

static int32_t relu_q(const act_params *p, int32_t q) {
    int32_t v = p->out_zp + math_mbqm(q - p->in_zp, p->mult, p->shift);
    return math_clamp_i32(v, p->qmin, p->qmax);
}

/* int8/uint8 apply a negative alpha as -(|alpha| x) (reference kernel); int16 goes
 * through LiteRT's optimized kernel, which multiplies by the signed multiplier. */
static int32_t leaky_q(const act_params *p, int32_t q) {
    int32_t x = q - p->in_zp, v = p->out_zp;
    if (x >= 0) {
        v += math_mbqm(x, p->mult, p->shift);
    } else if (p->alpha_mult < 0 && p->dtype != TFLC_INT16) {
        int32_t m = p->alpha_mult == INT32_MIN ? INT32_MAX : -p->alpha_mult;
        v -= math_mbqm(x, m, p->alpha_shift);
    } else {
        v += math_mbqm(x, p->alpha_mult, p->alpha_shift);
    }
    return math_clamp_i32(v, p->qmin, p->qmax);
}

/* int8 / uint8 RELU family and LEAKY_RELU: the result depends on the input byte alone, so
 * prepare runs the per-element code above on all 256 bytes and eval is a lookup. */
static void act_tabulate8(act_params *p) {
    int32_t lo = 0, hi = 0;
    tflc_ops_int_range(p->dtype, &lo, &hi);
    for (int32_t v = lo; v <= hi; v++)
        p->lut[(uint8_t)v] = (uint8_t)(p->mode == AM_RELU_Q ? relu_q(p, v) : leaky_q(p, v));
    p->mode = AM_LUT8;
}

/* ------------------------------------------------------- quantized setup -- */

/* TFLite's QuantizedReluX bounds: the activation's range on the output grid, clipped to
 * the dtype. */
static void relu_bounds(act_params *p, math_qparams out, float lo, float hi) {
    int32_t tmin = 0, tmax = 0;
    tflc_ops_int_range(p->dtype, &tmin, &tmax);
    int32_t qlo = out.zero_point + math_f32_to_i32(roundf(lo / out.scale));
    p->qmin = qlo > tmin ? qlo : tmin;
    p->qmax = tmax;
    if (!isinf(hi)) {
        int32_t qhi = out.zero_point + math_f32_to_i32(roundf(hi / out.scale));
        p->qmax = qhi < tmax ? qhi : tmax;
    }
}

static tflc_status relu_setup(tflc_node *node, act_params *p, math_qparams in, math_qparams out) {
    static const float bounds[][2] = {
        [ACT_K_RELU] = {0.0f, INFINITY}, [ACT_K_RELU_N1_TO_1] = {-1.0f, 1.0f},
        [ACT_K_RELU6] = {0.0f, 6.0f}, [ACT_K_RELU_0_TO_1] = {0.0f, 1.0f},
    };
    if (p->dtype == TFLC_INT16) {
        tflc_status s = math_expect_zero_point0(node, &in, "input", 0);
        if (s == TFLC_OK) s = math_expect_zero_point0(node, &out, "output", 0);
        if (s != TFLC_OK) return s;
    }
    math_quantize_multiplier((double)(in.scale / out.scale), &p->mult, &p->shift);
    relu_bounds(p, out, bounds[p->kind][0], bounds[p->kind][1]);
    p->mode = AM_RELU_Q;
    return TFLC_OK;
}

static tflc_status leaky_setup(tflc_node *node, act_params *p, math_qparams in, math_qparams out) {
    if (p->dtype == TFLC_INT16) {
        tflc_status s = math_expect_zero_point0(node, &in, "input", 0);
        if (s == TFLC_OK) s = math_expect_zero_point0(node, &out, "output", 0);
        if (s != TFLC_OK) return s;
    }
    math_quantize_multiplier((double)(in.scale * p->alpha / out.scale), &p->alpha_mult,
                             &p->alpha_shift);
    math_quantize_multiplier((double)(in.scale / out.scale), &p->mult, &p->shift);
    tflc_ops_int_range(p->dtype, &p->qmin, &p->qmax);
    p->mode = AM_LEAKY_Q;
    return TFLC_OK;
}

static tflc_status lut_setup(tflc_node *node, act_params *p, math_qparams in, math_qparams out) {
    if (p->kind == ACT_K_LOGISTIC && out.scale != 1.0f / 256.0f)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "quantized LOGISTIC needs output scale 1/256, got %g",
                              (double)out.scale);
    math_lut_fn f = p->kind == ACT_K_LOGISTIC ? lut_logistic
                  : p->kind == ACT_K_TANH     ? lut_tanh
                  : p->kind == ACT_K_ELU      ? lut_elu
                                              : lut_gelu;
    math_lut8_build(p->lut, p->dtype, in, out, f, &p->approximate);
    p->mode = AM_LUT8;
    return TFLC_OK;
}

/* Which quantized dtypes each activation takes (float32 is always fine). */
static const char *act_supported(act_kind k, tflc_dtype d, bool *ok) {
    switch (k) {
    case ACT_K_RELU: case ACT_K_RELU6: case ACT_K_LOGISTIC: case ACT_K_TANH:
    case ACT_K_LEAKY_RELU:
        *ok = d == TFLC_INT8 || d == TFLC_UINT8 || d == TFLC_INT16;
        return "float32, int8, uint8 and int16";
    case ACT_K_ELU: *ok = d == TFLC_INT8; return "float32 and int8";
    default: *ok = d == TFLC_INT8 || d == TFLC_UINT8; return "float32, int8 and uint8";
    }
}

static tflc_status act_setup_quantized(tflc_node *node, act_params *p) {
    math_qparams in, out;
    tflc_status s = math_qparams_of(node, node->inputs[0], "input", 0, &in);
    if (s == TFLC_OK) s = math_qparams_of(node, node->outputs[0], "output", 0, &out);
    if (s != TFLC_OK) return s;
    p->in_zp = in.zero_point;
    p->out_zp = out.zero_point;
    switch (p->kind) {
    case ACT_K_RELU: case ACT_K_RELU_N1_TO_1: case ACT_K_RELU6: case ACT_K_RELU_0_TO_1:
        return relu_setup(node, p, in, out);
    case ACT_K_LEAKY_RELU: return leaky_setup(node, p, in, out);
    case ACT_K_HARD_SWISH: return hswish_setup(node, p, in, out);
    case ACT_K_LOGISTIC: case ACT_K_TANH:
        if (p->dtype == TFLC_INT16) return sigmoid16_setup(node, p, in, out);
        return lut_setup(node, p, in, out);
    default: return lut_setup(node, p, in, out);
    }
}

static tflc_status act_setup_quantized8(tflc_node *node, act_params *p) {
    tflc_status s = act_setup_quantized(node, p);
    if (s != TFLC_OK || !math_is_q8(p->dtype)) return s;
    if (p->mode == AM_RELU_Q || p->mode == AM_LEAKY_Q) act_tabulate8(p);
    p->lut_fn = tflc_x8_lut_config_get()->lut;
    return TFLC_OK;
}

/* ------------------------------------------------------------- prepare -- */

static void act_read_options(const tflc_node *node, act_params *p) {
    const uint8_t *o;
    if (p->kind == ACT_K_LEAKY_RELU && (o = tflc_ops_options(node, BO_LeakyRelu)))
        p->alpha = fb_f32(o, MATH_LEAKY_RELU_OPT_ALPHA, 0.0f);
    if (p->kind == ACT_K_GELU && (o = tflc_ops_options(node, BO_Gelu)))
        p->approximate = fb_u8(o, MATH_GELU_OPT_APPROXIMATE, 0) != 0;
}

static tflc_status act_prepare(tflc_node *node, act_kind kind) {
    act_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    tflc_dtype d = node->inputs[0]->dtype;
    bool ok = d == TFLC_FLOAT32;
    const char *supported = act_supported(kind, d, &ok);
    if (!ok && d != TFLC_FLOAT32) return math_unsupported_dtype(node, d, supported);
    s = math_unary_shape(node);
    if (s != TFLC_OK) return s;
    p->kind = kind;
    p->dtype = d;
    p->mode = AM_FLOAT;
    act_read_options(node, p);
    return d == TFLC_FLOAT32 ? TFLC_OK : act_setup_quantized8(node, p);
}

#define ACT_PREPARE(fn, KIND) \
    static tflc_status fn(tflc_node *node) { return act_prepare(node, KIND); }
ACT_PREPARE(relu_prepare, ACT_K_RELU)
ACT_PREPARE(relu_n1_to_1_prepare, ACT_K_RELU_N1_TO_1)
ACT_PREPARE(relu6_prepare, ACT_K_RELU6)
ACT_PREPARE(relu_0_to_1_prepare, ACT_K_RELU_0_TO_1)
ACT_PREPARE(logistic_prepare, ACT_K_LOGISTIC)
ACT_PREPARE(tanh_prepare, ACT_K_TANH)
ACT_PREPARE(leaky_relu_prepare, ACT_K_LEAKY_RELU)
ACT_PREPARE(elu_prepare, ACT_K_ELU)
ACT_PREPARE(hard_swish_prepare, ACT_K_HARD_SWISH)
ACT_PREPARE(gelu_prepare, ACT_K_GELU)

/* ---------------------------------------------------------------- eval -- */

/* LOGISTIC, TANH, HARD_SWISH and GELU run vectorized (kernels/f32_vunary.h, the same bits
 * in every config); the rest element by element. */
static void act_eval_f32(const act_params *p, const float *in, float *out, size_t n) {
    const tflc_f32_vunary_config *v = tflc_f32_vunary_config_get();
    switch (p->kind) {
    case ACT_K_LOGISTIC: v->sigmoid(n, in, out); return;
    case ACT_K_TANH: v->tanh(n, in, out); return;
    case ACT_K_HARD_SWISH: v->hard_swish(n, in, out); return;
    case ACT_K_GELU: (p->approximate ? v->gelu_tanh : v->gelu)(n, in, out); return;
    default: break;
    }
    for (size_t i = 0; i < n; i++) out[i] = act_f32(p, in[i]);
}

/* Elements [0, n) of in -> out, as prepared in p (pointers at the span's first element). */
static void act_apply(const act_params *p, const void *in, void *out, size_t n) {
    switch (p->mode) {
    case AM_FLOAT: act_eval_f32(p, in, out, n); break;
    case AM_RELU_Q:
        for (size_t i = 0; i < n; i++)
            math_store_q(out, i, p->dtype, relu_q(p, math_load_q(in, i, p->dtype)));
        break;
    case AM_LEAKY_Q:
        for (size_t i = 0; i < n; i++)
            math_store_q(out, i, p->dtype, leaky_q(p, math_load_q(in, i, p->dtype)));
        break;
    case AM_LUT8: p->lut_fn(n, in, p->lut, out); break;
    case AM_SIGMOID16:
        for (size_t i = 0; i < n; i++) {
            int16_t x = ((const int16_t *)in)[i];
            ((int16_t *)out)[i] = p->kind == ACT_K_TANH ? tanh16(p, x) : logistic16(p, x);
        }
        break;
    case AM_GEMMLOWP16:
        for (size_t i = 0; i < n; i++) {
            int16_t x = g_shl(((const int16_t *)in)[i], p->in_left_shift);
            ((int16_t *)out)[i] = p->kind == ACT_K_TANH ? g_tanh(x) : g_logistic(x);
        }
        break;
    }
}

/* Every element is computed on its own, so spans over threads give the same bits as one
 * pass. A span of ACT_MIN_SPAN float sigmoids is ~4 us, a HARD_SWISH's ~1 us (smaller
 * tensors run on the calling thread). Spans that small still pay: each thread's span is
 * mostly what its own core's part of the producer wrote (the pool hands thread t the t-th
 * block), where one thread alone reads the other's half from its cache (MobileNet V3
 * float32, 2 threads: its HARD_SWISH, MUL and ADD summed 432 us with 16384, 394 us with
 * 4096, against 422 us on 1 thread). Spans start on 64-element boundaries (whole vectors of
 * every ISA). */
#define ACT_MIN_SPAN 4096
#define ACT_SPAN_ALIGN 64

typedef struct act_job {
    const act_params *p;
    const unsigned char *in;
    unsigned char *out;
    size_t n, span, elem;          /* elements, per task, bytes per element */
} act_job;

static void act_task(void *ctx, int task, int thread) {
    (void)thread;
    const act_job *j = ctx;
    const size_t i0 = (size_t)task * j->span, i1 = i0 + j->span < j->n ? i0 + j->span : j->n;
    if (i0 < i1) act_apply(j->p, j->in + i0 * j->elem, j->out + i0 * j->elem, i1 - i0);
}

static tflc_status act_eval(tflc_node *node) {
    act_job j = {.p = node->params, .in = node->inputs[0]->data, .out = node->outputs[0]->data,
                 .n = tflc_tensor_count(node->inputs[0]),
                 .elem = tflc_dtype_size(node->inputs[0]->dtype)};
    const int tasks = tflc_node_split_span(node, j.n, ACT_MIN_SPAN, ACT_SPAN_ALIGN, &j.span);
    if (tasks <= 1) act_apply(j.p, j.in, j.out, j.n);
    else tflc_node_parallel_for(node, tasks, act_task, &j);
    return TFLC_OK;
}

/* A prepared activation node computing float32 from float32 (act_eval_f32's kinds). */
static bool act_is_float(const tflc_node *act) {
    if (act->kernel->eval != act_eval || act->n_inputs != 1 || act->n_outputs != 1) return false;
    const act_params *p = act->params;
    return p->mode == AM_FLOAT && act->inputs[0] && act->inputs[0]->dtype == TFLC_FLOAT32 &&
           act->outputs[0]->dtype == TFLC_FLOAT32;
}

int tflc_epilogue_input(const tflc_node *node) {
    if (act_is_float(node)) return 0;
    const int swish_x = tflc_mul_swish_input(node);
    return swish_x >= 0 ? swish_x : tflc_bin_scalar_input(node);
}

bool tflc_epilogue_fits(const tflc_node *producer, const tflc_node *e) {
    const int slot = tflc_epilogue_input(e);
    if (slot < 0 || producer->n_outputs != 1) return false;
    const tflc_tensor *x = producer->outputs[0], *y = e->outputs[0];
    return e->inputs[slot] == x && x->dtype == TFLC_FLOAT32 && y->dtype == TFLC_FLOAT32 &&
           y->bytes == x->bytes;
}

void tflc_epilogue_apply(const tflc_node *node, float *data, size_t n) {
    if (node->kernel->eval == act_eval) act_eval_f32(node->params, data, data, n);
    else if (tflc_add_residual_input(node) >= 0) tflc_add_residual_apply(node, data, n);
    else if (tflc_mul_swish_input(node) >= 0) tflc_mul_swish_apply(node, data, data, n);
    else tflc_bin_scalar_apply(node, data, n);
}

void tflc_epilogue_block(const void *node, float *c, size_t ldc, size_t rows, size_t cols) {
    if (cols == ldc) {
        tflc_epilogue_apply(node, c, rows * cols);
        return;
    }
    for (size_t r = 0; r < rows; r++) tflc_epilogue_apply(node, c + r * ldc, cols);
}

bool tflc_activation_apply(const tflc_node *act, const void *in, void *out, size_t n) {
    if (act->kernel->eval != act_eval) return false;
    act_apply(act->params, in, out, n);
    return true;
}

#define ACT_KERNEL(var, NAME, prep)                                                         \
    const tflc_kernel var = {                                                               \
        .name = NAME, .params_size = sizeof(act_params), .prepare = prep, .eval = act_eval, \
    }

ACT_KERNEL(tflc_kernel_relu, "RELU", relu_prepare);
ACT_KERNEL(tflc_kernel_relu_n1_to_1, "RELU_N1_TO_1", relu_n1_to_1_prepare);
ACT_KERNEL(tflc_kernel_relu6, "RELU6", relu6_prepare);
ACT_KERNEL(tflc_kernel_relu_0_to_1, "RELU_0_TO_1", relu_0_to_1_prepare);
ACT_KERNEL(tflc_kernel_logistic, "LOGISTIC", logistic_prepare);
ACT_KERNEL(tflc_kernel_tanh, "TANH", tanh_prepare);
ACT_KERNEL(tflc_kernel_leaky_relu, "LEAKY_RELU", leaky_relu_prepare);
ACT_KERNEL(tflc_kernel_elu, "ELU", elu_prepare);
ACT_KERNEL(tflc_kernel_hard_swish, "HARD_SWISH", hard_swish_prepare);
ACT_KERNEL(tflc_kernel_gelu, "GELU", gelu_prepare);

/* ---------------------------------------------------------------- PRELU -- */

typedef struct prelu_params {
    tflc_dtype dtype;
    int32_t in_zp, alpha_zp, out_zp;
    int32_t mult_pos, mult_neg;        /* x >= 0: in/out;  x < 0: in * alpha / out */
    int shift_pos, shift_neg;
    math_plan plan;                    /* input and alpha broadcast to the input's shape */
} prelu_params;

static tflc_status prelu_setup_quantized(tflc_node *node, prelu_params *p) {
    math_qparams in, alpha, out;
    tflc_status s = math_qparams_of(node, node->inputs[0], "input", 0, &in);
    if (s == TFLC_OK) s = math_qparams_of(node, node->inputs[1], "input", 1, &alpha);
    if (s == TFLC_OK) s = math_qparams_of(node, node->outputs[0], "output", 0, &out);
    if (s != TFLC_OK) return s;
    p->in_zp = in.zero_point;
    p->alpha_zp = alpha.zero_point;
    p->out_zp = out.zero_point;
    math_quantize_multiplier((double)(in.scale / out.scale), &p->mult_pos, &p->shift_pos);
    math_quantize_multiplier((double)(in.scale * alpha.scale / out.scale), &p->mult_neg,
                             &p->shift_neg);
    return TFLC_OK;
}

static tflc_status prelu_prepare(tflc_node *node) {
    prelu_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 2, 2, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    p->dtype = in->dtype;
    if (p->dtype != TFLC_FLOAT32 && !math_is_q8(p->dtype))
        return math_unsupported_dtype(node, p->dtype, "float32, int8 and uint8");
    s = tflc_ops_expect_dtype(node, node->inputs[1], "input", 1, p->dtype);
    if (s == TFLC_OK) s = tflc_ops_output_like_input(node);
    if (s == TFLC_OK) s = math_plan_prepare(node, node->inputs, 2, &p->plan);
    if (s != TFLC_OK) return s;
    const tflc_tensor *out = node->outputs[0];
    bool same = out->rank == in->rank;
    for (int d = 0; same && d < in->rank; d++) same = out->dims[d] == in->dims[d];
    if (!same)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "alpha must broadcast to the input's shape, not widen it");
    return p->dtype == TFLC_FLOAT32 ? TFLC_OK : prelu_setup_quantized(node, p);
}

static void prelu_row_f32(const math_row *row) {
    const float *x = MATH_ROW_IN(row, 0, float), *a = MATH_ROW_IN(row, 1, float);
    float *out = MATH_ROW_OUT(row, float);
    for (int32_t i = 0; i < row->n; i++) {
        float v = x[i * row->step[0]];
        out[i] = v >= 0.0f ? v : v * a[i * row->step[1]];
    }
}

static void prelu_row_q(const math_row *row) {
    const prelu_params *p = row->ctx;
    int32_t lo = 0, hi = 0;
    tflc_ops_int_range(p->dtype, &lo, &hi);
    for (int32_t i = 0; i < row->n; i++) {
        size_t ix = (size_t)(row->off[0] + i * row->step[0]);
        size_t ia = (size_t)(row->off[1] + i * row->step[1]);
        int32_t x = math_load_q(row->in[0], ix, p->dtype) - p->in_zp, v;
        if (x >= 0) {
            v = math_mbqm(x, p->mult_pos, p->shift_pos);
        } else {
            int32_t a = math_load_q(row->in[1], ia, p->dtype) - p->alpha_zp;
            v = math_mbqm(x * a, p->mult_neg, p->shift_neg);
        }
        v = math_clamp_i32(v + p->out_zp, lo, hi);
        math_store_q(row->out, row->out_off + (size_t)i, p->dtype, v);
    }
}

static tflc_status prelu_eval(tflc_node *node) {
    const prelu_params *p = node->params;
    if (tflc_tensor_count(node->outputs[0]) == 0) return TFLC_OK;
    const void *in[2] = {node->inputs[0]->data, node->inputs[1]->data};
    math_plan_walk(&p->plan, p, in, node->outputs[0]->data,
                   p->dtype == TFLC_FLOAT32 ? prelu_row_f32 : prelu_row_q);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_prelu = {
    .name = "PRELU", .params_size = sizeof(prelu_params), .prepare = prelu_prepare,
    .eval = prelu_eval,
};

/* ---------------------------------------------------------- LOG_SOFTMAX -- */

typedef struct log_softmax_params {
    tflc_dtype dtype;
    size_t rows, depth;                /* the last dimension is reduced */
    float in_scale, out_scale;
    int32_t out_zp;
    float table[256];                  /* table[255 - d] = exp(in_scale * -d), d = 0..255 */
} log_softmax_params;

/* float32: x - max - log(sum(exp(x - max))). */
static void log_softmax_f32(const log_softmax_params *p, const float *in, float *out) {
    for (size_t r = 0; r < p->rows; r++, in += p->depth, out += p->depth) {
        float max = in[0], sum = 0.0f;
        for (size_t j = 1; j < p->depth; j++) max = in[j] > max ? in[j] : max;
        for (size_t j = 0; j < p->depth; j++) sum += expf(in[j] - max);
        const float log_sum = logf(sum);
        for (size_t j = 0; j < p->depth; j++) out[j] = in[j] - max - log_sum;
    }
}

/* int8/uint8, LiteRT's optimized kernel: a float table of exp(scale * (x - max)), its log
 * sum, and each output rounded half-to-even onto the output grid (16/256 scale). */
static void log_softmax_q(const log_softmax_params *p, const void *in, void *out) {
    int32_t lo = 0, hi = 0;
    tflc_ops_int_range(p->dtype, &lo, &hi);
    const float scale = p->in_scale / p->out_scale;
    for (size_t r = 0, base = 0; r < p->rows; r++, base += p->depth) {
        int32_t max = lo;
        for (size_t j = 0; j < p->depth; j++) {
            int32_t v = math_load_q(in, base + j, p->dtype);
            max = v > max ? v : max;
        }
        float sum = 0.0f;
        for (size_t j = 0; j < p->depth; j++)
            sum += p->table[255 - max + math_load_q(in, base + j, p->dtype)];
        const float pre = (p->in_scale * (float)max + logf(sum)) / p->out_scale;
        for (size_t j = 0; j < p->depth; j++) {
            float lp = scale * (float)math_load_q(in, base + j, p->dtype) - pre;
            int32_t q = math_f32_to_i32(rintf(lp)) + p->out_zp;
            math_store_q(out, base + j, p->dtype, math_clamp_i32(q, lo, hi));
        }
    }
}

static tflc_status log_softmax_setup_q(tflc_node *node, log_softmax_params *p) {
    math_qparams in, out;
    tflc_status s = math_qparams_of(node, node->inputs[0], "input", 0, &in);
    if (s == TFLC_OK) s = math_qparams_of(node, node->outputs[0], "output", 0, &out);
    if (s != TFLC_OK) return s;
    int32_t want_zp = p->dtype == TFLC_INT8 ? 127 : 255;
    if (out.scale != 16.0f / 256.0f || out.zero_point != want_zp)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "quantized LOG_SOFTMAX needs output scale 16/256 and zero point "
                              "%d, got %g and %d", (int)want_zp, (double)out.scale,
                              (int)out.zero_point);
    p->in_scale = in.scale;
    p->out_scale = out.scale;
    p->out_zp = out.zero_point;
    const float neg_scale = -in.scale;
    for (int32_t v = 0; v <= 255; v++) p->table[255 - v] = expf(neg_scale * (float)v);
    return TFLC_OK;
}

static tflc_status log_softmax_prepare(tflc_node *node) {
    log_softmax_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    p->dtype = in->dtype;
    if (p->dtype != TFLC_FLOAT32 && !math_is_q8(p->dtype))
        return math_unsupported_dtype(node, p->dtype, "float32, int8 and uint8");
    if (in->rank < 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input must have rank >= 1");
    s = math_unary_shape(node);
    if (s != TFLC_OK) return s;
    p->depth = (size_t)in->dims[in->rank - 1];
    p->rows = p->depth ? tflc_tensor_count(in) / p->depth : 0;
    return p->dtype == TFLC_FLOAT32 ? TFLC_OK : log_softmax_setup_q(node, p);
}

static tflc_status log_softmax_eval(tflc_node *node) {
    const log_softmax_params *p = node->params;
    if (p->depth == 0) return TFLC_OK;
    if (p->dtype == TFLC_FLOAT32)
        log_softmax_f32(p, node->inputs[0]->data, node->outputs[0]->data);
    else
        log_softmax_q(p, node->inputs[0]->data, node->outputs[0]->data);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_log_softmax = {
    .name = "LOG_SOFTMAX", .params_size = sizeof(log_softmax_params),
    .prepare = log_softmax_prepare, .eval = log_softmax_eval,
};
