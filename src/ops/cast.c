/*
 * cast.c -- CAST between float32, float16, float64, int8, uint8, int16, uint16, int32,
 * uint32, int64 and bool; output shape = input shape. Values convert, quantization is
 * ignored (as in TFLite).
 *
 *   float -> integer    saturating, as LiteRT's CastValue: NaN -> the type's maximum, below
 *                       range -> minimum, above -> maximum, otherwise truncation toward 0
 *   integer -> integer  two's complement wrap (C++ static_cast)
 *   anything -> bool    != 0 (NaN is true);  bool -> anything: 0 or 1
 *   -> float16          via float32, rounded to nearest even (IEEE binary16)
 */
#include "ops/math_common.h"

typedef struct cast_params {
    tflc_dtype from, to;
} cast_params;

static bool cast_dtype_ok(tflc_dtype d) {
    switch (d) {
    case TFLC_FLOAT32: case TFLC_FLOAT16: case TFLC_FLOAT64: case TFLC_INT8: case TFLC_UINT8:
    case TFLC_INT16: case TFLC_UINT16: case TFLC_INT32: case TFLC_UINT32: case TFLC_INT64:
    case TFLC_BOOL:
        return true;
    default:
        return false;
    }
}

static tflc_status cast_prepare(tflc_node *node) {
    cast_params *p = node->params;
    tflc_status s = tflc_ops_check_arity(node, 1, 1, 1);
    if (s != TFLC_OK) return s;
    const tflc_tensor *in = node->inputs[0];
    p->from = in->dtype;
    p->to = node->outputs[0]->dtype;
    if (!cast_dtype_ok(p->from) || !cast_dtype_ok(p->to))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "casting %s to %s is not supported (float16/32/64, int8/16/32/64, "
                              "uint8/16/32 and bool are)", tflc_dtype_name(p->from),
                              tflc_dtype_name(p->to));
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

/* ------------------------------------------------------------- float16 -- */

static uint16_t f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t a = x & 0x7fffffffu;
    if (a > 0x7f800000u) return sign | 0x7e00u;              /* NaN: canonical quiet NaN */
    if (a >= 0x47800000u) return sign | 0x7c00u;            /* >= 65536: infinity */
    if (a < 0x38800000u)                                     /* below 2^-14: subnormal */
        return (uint16_t)(sign | (uint16_t)lrintf(fabsf(f) * 16777216.0f));
    uint32_t h = ((a >> 23) - 112u) << 10 | ((a >> 13) & 0x3ffu), rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;  /* ties to even; may carry */
    return (uint16_t)(sign | h);
}

static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, bits;
    float f;
    if (e == 0) {
        f = ldexpf((float)m, -24);
        return sign ? -f : f;
    }
    bits = e == 31 ? sign | 0x7f800000u | (m << 13) : sign | ((e + 112u) << 23) | (m << 13);
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* ------------------------------------------------------------- values -- */

/* One element on its way through: a float (kept in the source's own precision) or an
 * integer (uint32 fits int64). */
typedef struct cast_val {
    bool is_float;
    bool is_f32;                      /* the float came from float32 / float16 */
    double f;
    int64_t i;
} cast_val;

static cast_val cast_load(const void *data, size_t k, tflc_dtype d) {
    cast_val v = {0};
    switch (d) {
    case TFLC_FLOAT32: v.is_float = v.is_f32 = true; v.f = ((const float *)data)[k]; break;
    case TFLC_FLOAT16:
        v.is_float = v.is_f32 = true;
        v.f = f16_to_f32(((const uint16_t *)data)[k]);
        break;
    case TFLC_FLOAT64: v.is_float = true; v.f = ((const double *)data)[k]; break;
    case TFLC_INT8: v.i = ((const int8_t *)data)[k]; break;
    case TFLC_UINT8: v.i = ((const uint8_t *)data)[k]; break;
    case TFLC_INT16: v.i = ((const int16_t *)data)[k]; break;
    case TFLC_UINT16: v.i = ((const uint16_t *)data)[k]; break;
    case TFLC_INT32: v.i = ((const int32_t *)data)[k]; break;
    case TFLC_UINT32: v.i = ((const uint32_t *)data)[k]; break;
    case TFLC_INT64: v.i = ((const int64_t *)data)[k]; break;
    default: v.i = ((const uint8_t *)data)[k] != 0; break;                    /* bool */
    }
    return v;
}

/* LiteRT's SaturatingCastFloatingToInteger. The upper bound is the type's maximum in the
 * source float type, stepped toward 0 when rounding pushed it past the maximum (2^31 for
 * int32 from float32), so that the final truncation is always in range. */
static int64_t cast_saturate(const cast_val *v, int64_t lo, int64_t hi) {
    if (isnan(v->f)) return hi;
    double top = v->is_f32 ? (double)(float)hi : (double)hi;
    bool past = hi > (INT64_C(1) << 53) ? top >= 9223372036854775808.0 : top > (double)hi;
    if (past) top = v->is_f32 ? (double)nextafterf((float)top, 0.0f) : nextafter(top, 0.0);
    double bottom = v->is_f32 ? (double)(float)lo : (double)lo;
    if (v->f < bottom) return lo;
    if (v->f > top) return hi;
    return (int64_t)v->f;
}

static int64_t cast_to_int(const cast_val *v, int64_t lo, int64_t hi) {
    return v->is_float ? cast_saturate(v, lo, hi) : v->i;
}

static double cast_to_double(const cast_val *v) { return v->is_float ? v->f : (double)v->i; }

/* float32 targets convert integers directly (one rounding), as static_cast<float> does. */
static float cast_to_float(const cast_val *v) { return v->is_float ? (float)v->f : (float)v->i; }

/* Integer targets: saturated (floats) or wrapped (integers) to the target's width. */
static void cast_store_int(void *data, size_t k, tflc_dtype d, const cast_val *v) {
    switch (d) {
    case TFLC_INT8: ((int8_t *)data)[k] = (int8_t)cast_to_int(v, INT8_MIN, INT8_MAX); break;
    case TFLC_UINT8: ((uint8_t *)data)[k] = (uint8_t)cast_to_int(v, 0, UINT8_MAX); break;
    case TFLC_INT16: ((int16_t *)data)[k] = (int16_t)cast_to_int(v, INT16_MIN, INT16_MAX); break;
    case TFLC_UINT16: ((uint16_t *)data)[k] = (uint16_t)cast_to_int(v, 0, UINT16_MAX); break;
    case TFLC_INT32: ((int32_t *)data)[k] = (int32_t)cast_to_int(v, INT32_MIN, INT32_MAX); break;
    case TFLC_UINT32: ((uint32_t *)data)[k] = (uint32_t)cast_to_int(v, 0, UINT32_MAX); break;
    default: ((int64_t *)data)[k] = cast_to_int(v, INT64_MIN, INT64_MAX); break;
    }
}

static void cast_store(void *data, size_t k, tflc_dtype d, const cast_val *v) {
    switch (d) {
    case TFLC_FLOAT32: ((float *)data)[k] = cast_to_float(v); break;
    case TFLC_FLOAT16: ((uint16_t *)data)[k] = f32_to_f16(cast_to_float(v)); break;
    case TFLC_FLOAT64: ((double *)data)[k] = cast_to_double(v); break;
    case TFLC_BOOL: ((bool *)data)[k] = v->is_float ? v->f != 0.0 : v->i != 0; break;
    default: cast_store_int(data, k, d, v); break;
    }
}

static tflc_status cast_eval(tflc_node *node) {
    const cast_params *p = node->params;
    const void *in = node->inputs[0]->data;
    void *out = node->outputs[0]->data;
    size_t n = tflc_tensor_count(node->inputs[0]);
    for (size_t k = 0; k < n; k++) {
        cast_val v = cast_load(in, k, p->from);
        cast_store(out, k, p->to, &v);
    }
    return TFLC_OK;
}

const tflc_kernel tflc_kernel_cast = {
    .name = "CAST", .params_size = sizeof(cast_params), .prepare = cast_prepare,
    .eval = cast_eval,
};
