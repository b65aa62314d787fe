/*
 * softmax.c -- SOFTMAX over the last axis: float32, and quantized as LiteRT's builtin
 * kernels compute it (bit-exact).
 *
 *   input [..., D] -> output [..., D],  out[r][c] = e^(beta (x[r][c] - max_r)) / sum_c(...)
 *
 * float32: subtracting the row maximum keeps every exponent <= 0 (for beta >= 0), so nothing
 *   overflows; the result is the same as without it. beta comes from SoftmaxOptions, whose
 *   schema default is 0.0 (converters always write it), as TFLite reads it. With beta >= 0
 *   (every converted model) a row is one call of the vectorized kernel (kernels/f32_vunary.h:
 *   Cephes' exp, a fixed summation order, a reciprocal multiply; the same bits under every
 *   TFLC_ISA); a negative beta takes the plain loop with the C library's expf.
 * int8 / uint8 input (output of the same type, or int16): a 256-entry float table
 *   table[255 - d] = expf(-in_scale * beta * d) (d = max_r - x, in quantized steps), built
 *   once per eval in scratch (it depends only on the input scale and beta); per row
 *   sum = float sum of table entries in order, inv = 1 / (sum * out_scale), and
 *   q = round(table * inv) + out_zp (uint8: (int)(v + 0.5), as LiteRT on x86), clamped.
 * int16 input and output (zero points 0): TFLite's SoftmaxInt16. x - max is rescaled so that
 *   [-65535, 0] spans [-10, 0], looked up (with linear interpolation) in a 513-entry exp
 *   table; the sum's reciprocal comes from a 1 / (1 + x) table. Both tables depend on nothing
 *   but their function, so they are built once per process.
 */
#include <pthread.h>

#include "kernels/f32_vunary.h"

#include "ops/nn_common.h"

typedef enum softmax_mode { SM_FLOAT, SM_LUT8, SM_INT16 } softmax_mode;

typedef struct softmax_params {
    size_t rows;            /* product of all dims but the last */
    size_t depth;           /* D, the last dim */
    float beta;
    softmax_mode mode;
    tflc_dtype in_dtype, out_dtype;
    float in_scale, out_scale;
    int32_t out_zp;
    int32_t multiplier;     /* int16: input diff rescale */
    int shift;
    tflc_f32_softmax_fn row_f32;   /* float32 with beta >= 0; NULL otherwise */
    tflc_f32_softmax2_fn rows2_f32; /* with row_f32: two rows at once, or NULL */
} softmax_params;

/* ------------------------------------------------------------ int16 tables -- */

#define SM_LUT_SIZE 513
static int16_t sm_exp_lut[SM_LUT_SIZE];         /* exp(x), x in [-10, 0] */
static int16_t sm_recip_lut[SM_LUT_SIZE];       /* 1 / (1 + x), x in [0, 1] */
static pthread_once_t sm_luts_once = PTHREAD_ONCE_INIT;

static double sm_exp(double x) { return exp(x); }
static double sm_recip(double x) { return 1.0 / (1.0 + x); }

static double sm_clamp16(double v) { return v < -32768.0 ? -32768.0 : (v > 32767.0 ? 32767.0 : v); }

/* TFLite's LUTPopulateInt16<double>: 512 segments over the int16 input range mapped by
 * (scale, zero point); each entry is the sample minus half the interpolation error at the
 * segment's midpoint, so linear interpolation between entries is centred. */
static void sm_lut_populate(double in_scale, int32_t in_zp, double out_scale,
                            double (*f)(double), int16_t *lut) {
    const double in_min = in_scale * (-32768 - in_zp), in_max = in_scale * (32767 - in_zp);
    const double out_min = out_scale * -32768.0, out_max = out_scale * 32767.0;
    const double step = (in_max - in_min) / 512, half = step / 2;
    const double inv = 65536.0 / (out_max - out_min);
    for (int i = 0; i < 512; i++) {
        const double val = f(in_min + i * step), mid = f(in_min + i * step + half);
        const double next = f(in_min + (i + 1) * step);
        const double sample = round(val * inv);
        const double interp = round((next * inv + round(val * inv)) / 2);
        const double bias = round((interp - round(mid * inv)) / 2);
        lut[i] = (int16_t)sm_clamp16(sample - bias);
    }
    lut[512] = (int16_t)sm_clamp16(round(f(in_max) * inv));
}

static void sm_build_luts(void) {
    const double range = 65535.0;
    sm_lut_populate(10.0 / range, 32767, 2.0 / range, sm_exp, sm_exp_lut);
    sm_lut_populate(1.0 / range, -32768, 2.0 / range, sm_recip, sm_recip_lut);
}

/* TFLite's LUTLookup for int16: 512 base values indexed by the top 9 bits, interpolated by
 * the low 7. */
static int16_t sm_lut_lookup(int16_t value, const int16_t *lut) {
    const int index = 256 + (value >> 7);            /* arithmetic shift: 0..511 */
    const int32_t offset = value & 0x7f;
    const int32_t base = lut[index], slope = lut[index + 1] - lut[index];
    return (int16_t)(base + ((slope * offset + 64) >> 7));
}

/* ----------------------------------------------------------------- prepare -- */

static tflc_status sm_prepare_lut8(tflc_node *node, softmax_params *p) {
    const tflc_tensor *in = node->inputs[0], *out = node->outputs[0];
    int32_t in_zp = 0;
    if (out->dtype != in->dtype && out->dtype != TFLC_INT16)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "output 0 has dtype %s, expected %s or int16",
                              tflc_dtype_name(out->dtype), tflc_dtype_name(in->dtype));
    tflc_status s = nn_quant_params(node, in, "input 0", false, &p->in_scale, &in_zp);
    if (s == TFLC_OK) s = nn_quant_params(node, out, "output 0", false, &p->out_scale, &p->out_zp);
    if (s != TFLC_OK) return s;
    if (in->dtype == TFLC_INT8 && out->dtype == TFLC_INT8 &&
        (p->out_zp != -128 || fabsf(p->out_scale - 1.0f / 256) > 0.001f / 256))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "int8 output needs scale 1/256 and zero point -128, got %g and %d",
                              (double)p->out_scale, (int)p->out_zp);
    p->mode = SM_LUT8;
    node->scratch_bytes = 256 * sizeof(float);
    return TFLC_OK;
}

static tflc_status sm_prepare_int16(tflc_node *node, softmax_params *p) {
    int32_t in_zp = 0;
    tflc_status s = tflc_ops_output_like_input(node);
    if (s == TFLC_OK) s = nn_quant_params(node, node->inputs[0], "input 0", false, &p->in_scale, &in_zp);
    if (s == TFLC_OK)
        s = nn_quant_params(node, node->outputs[0], "output 0", false, &p->out_scale, &p->out_zp);
    if (s != TFLC_OK) return s;
    if (in_zp != 0 || p->out_zp != 0)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "int16 input and output need zero point 0, got %d and %d",
                              (int)in_zp, (int)p->out_zp);
    /* in_scale * beta is a float product in TFLite, then divided in double. */
    nn_quantize_multiplier((double)(p->in_scale * p->beta) / (10.0 / 65535.0), &p->multiplier,
                           &p->shift);
    pthread_once(&sm_luts_once, sm_build_luts);
    p->mode = SM_INT16;
    return TFLC_OK;
}

static tflc_status softmax_prepare(tflc_node *node) {
    softmax_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    if (in->rank < 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "input must have rank 1 or more, got a scalar");
    const uint8_t *opts = tflc_ops_options(node, BO_Softmax);
    p->beta = opts ? fb_f32(opts, SOFTMAX_OPT_BETA, 0.0f) : 0.0f;
    p->depth = (size_t)in->dims[in->rank - 1];
    p->rows = tflc_shape_count(in->dims, in->rank - 1);
    p->in_dtype = in->dtype;
    p->out_dtype = node->outputs[0]->dtype;
    switch (in->dtype) {
    case TFLC_FLOAT32:
        p->mode = SM_FLOAT;
        p->row_f32 = p->beta >= 0.0f ? tflc_f32_vunary_config_get()->softmax : NULL;
        p->rows2_f32 = p->row_f32 ? tflc_f32_vunary_config_get()->softmax2 : NULL;
        s = tflc_ops_output_like_input(node);
        break;
    case TFLC_INT8: case TFLC_UINT8: s = sm_prepare_lut8(node, p); break;
    case TFLC_INT16: s = sm_prepare_int16(node, p); break;
    default:
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s inputs are not supported (float32, int8, uint8, int16 are)",
                              tflc_dtype_name(in->dtype));
    }
    if (s != TFLC_OK) return s;
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

/* ------------------------------------------------------------------- float -- */

/* One row, any beta: out may be the same buffer as x (each x[c] is read before out[c] is
 * written). */
static void softmax_row(const float *x, float *out, size_t depth, float beta) {
    float max = x[0];
    for (size_t c = 1; c < depth; c++)
        if (x[c] > max) max = x[c];
    float sum = 0.0f;
    for (size_t c = 0; c < depth; c++) {
        out[c] = expf((x[c] - max) * beta);
        sum += out[c];
    }
    for (size_t c = 0; c < depth; c++) out[c] /= sum;
}

/* -------------------------------------------------------------- int8/uint8 -- */

/* roundf(v) for v >= 0 without the libm call (the int8 row's per-element rounding): below
 * 2^23 the fraction v - trunc(v) is exact, so half rounds up as roundf does; above, v is
 * already an integer (saturated past int32, for degenerate output scales). */
static inline int32_t sm_round_nonneg(float v) {
    if (!(v < 8388608.0f)) return v < 2147483648.0f ? (int32_t)v : INT32_MAX;
    const int32_t t = (int32_t)v;
    return t + (v - (float)t >= 0.5f);
}

/* One row of LiteRT's table softmax: e^(beta s (x - max)) = table[255 - max + x]; x <= max
 * and both lie in the dtype's range, so the index stays in [0, 255]. */
static void sm_lut8_row(const softmax_params *p, const float *table, const void *in, void *out,
                        size_t base) {
    int32_t max = INT32_MIN, lo, hi;
    for (size_t c = 0; c < p->depth; c++) {
        int32_t v = nn_load_q(in, base + c, p->in_dtype);
        if (v > max) max = v;
    }
    const int32_t off = 255 - max;
    float sum = 0.0f;
    for (size_t c = 0; c < p->depth; c++) sum += table[off + nn_load_q(in, base + c, p->in_dtype)];
    const float inv = 1.0f / (sum * p->out_scale);
    tflc_ops_int_range(p->out_dtype, &lo, &hi);
    for (size_t c = 0; c < p->depth; c++) {
        const float v = table[off + nn_load_q(in, base + c, p->in_dtype)] * inv;
        int64_t q = p->out_dtype == TFLC_UINT8 ? (int32_t)(v + 0.5f)
                                               : (int64_t)sm_round_nonneg(v) + p->out_zp;
        nn_store_q(out, base + c, p->out_dtype, nn_clamp_i32(q, lo, hi));
    }
}

static void sm_eval_lut8(const softmax_params *p, float *table, const void *in, void *out) {
    const float scale = -p->in_scale * p->beta;
    for (int d = 0; d <= 255; d++) table[255 - d] = expf(scale * (float)d);
    for (size_t r = 0; r < p->rows; r++) sm_lut8_row(p, table, in, out, r * p->depth);
}

/* ------------------------------------------------------------------- int16 -- */

static int16_t sm_exp_q(const softmax_params *p, int32_t diff) {
    int32_t scaled = nn_mul_by_qm(diff, p->multiplier, p->shift) + 32767;
    return sm_lut_lookup((int16_t)nn_clamp_i32(scaled, -32768, 32767), sm_exp_lut);
}

/* Exps are cached in the output row (Q0.15), then rescaled by the reciprocal of their sum. */
static void sm_int16_row(const softmax_params *p, const int16_t *x, int16_t *out) {
    int16_t max = INT16_MIN;
    for (size_t c = 0; c < p->depth; c++)
        if (x[c] > max) max = x[c];
    int64_t sum64 = 0;
    for (size_t c = 0; c < p->depth; c++) {
        out[c] = sm_exp_q(p, (int32_t)x[c] - max);
        sum64 += out[c];
    }
    const int32_t sum = nn_wrap32(sum64);
    /* sum >= exp(0) > 0: the row's maximum contributes ~32767. */
    int headroom = 0;
    for (uint32_t u = (uint32_t)sum; u && !(u & 0x80000000u); u <<= 1) headroom++;
    if (headroom < 1) headroom = 1;                  /* only if the int32 sum overflowed */
    const int32_t shifted = (int32_t)((((int64_t)sum << (headroom - 1)) + (1 << 13)) >> 14);
    const int32_t sym = shifted - ((1 << 15) + (1 << 16));
    const int16_t recip = sm_lut_lookup((int16_t)nn_clamp_i32(sym, -32768, 32767), sm_recip_lut);
    const int right = 31 - headroom;
    const int64_t round_bit = (int64_t)1 << (right - 1);
    for (size_t c = 0; c < p->depth; c++) {
        int64_t v = ((int64_t)out[c] * recip + round_bit) >> right;
        out[c] = (int16_t)nn_clamp_i32(v, 0, 32767);
    }
}

/* Rows [r0, r1) of a float or int16 softmax (each row on its own: any split of the rows
 * gives the same bytes). */
static void sm_rows(const softmax_params *p, const void *in, void *out, size_t r0, size_t r1) {
    if (p->rows2_f32)   /* float32 pairs of rows; the last odd one below */
        for (; r0 + 2 <= r1; r0 += 2)
            p->rows2_f32(p->depth, (const float *)in + r0 * p->depth, p->beta,
                         (float *)out + r0 * p->depth);
    for (size_t r = r0; r < r1; r++) {
        const size_t o = r * p->depth;
        if (p->mode == SM_INT16) sm_int16_row(p, (const int16_t *)in + o, (int16_t *)out + o);
        else if (p->row_f32) p->row_f32(p->depth, (const float *)in + o, p->beta, (float *)out + o);
        else softmax_row((const float *)in + o, (float *)out + o, p->depth, p->beta);
    }
}

typedef struct sm_job {
    const softmax_params *p;
    const void *in;
    void *out;
    size_t span;                   /* rows per task */
} sm_job;

static void sm_task(void *ctx, int task, int thread) {
    const sm_job *j = ctx;
    (void)thread;
    const size_t r0 = (size_t)task * j->span;
    sm_rows(j->p, j->in, j->out, r0, r0 + j->span < j->p->rows ? r0 + j->span : j->p->rows);
}

/* Rows split over the pool in spans of at least this many values: a transformer's attention
 * softmax ([1, 4, 128, 128], 0.6 ns a value) ran on one core while the other waited. */
#define SM_TASK_MIN_VALUES 8192

static tflc_status softmax_eval(tflc_node *node) {
    const softmax_params *p = node->params;
    const void *in = node->inputs[0]->data;
    void *out = node->outputs[0]->data;
    if (p->depth == 0) return TFLC_OK;
    if (p->mode == SM_LUT8) {
        sm_eval_lut8(p, node->scratch, in, out);
        return TFLC_OK;
    }
    sm_job j = {p, in, out, p->rows};
    const size_t min_rows = (SM_TASK_MIN_VALUES + p->depth - 1) / p->depth;
    const int tasks = tflc_node_split_span(node, p->rows, min_rows, 1, &j.span);
    if (tasks <= 1) sm_rows(p, in, out, 0, p->rows);
    else tflc_node_parallel_for(node, tasks, sm_task, &j);
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_softmax = {
    .name = "SOFTMAX",
    .params_size = sizeof(softmax_params),
    .prepare = softmax_prepare,
    .eval = softmax_eval,
};
