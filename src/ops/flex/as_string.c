/*
 * as_string.c -- FlexAsString: TensorFlow's AsString (tf.strings.as_string), every element
 * formatted as a string. input [...] (numbers or bool) -> output [...] string.
 *
 * Attrs (defaults from the op's registration): T, precision = -1, scientific = false,
 * shortest = false, width = -1, fill = "".
 *
 * TensorFlow (core/kernels/as_string_op.cc) validates the attrs when the kernel is built,
 * in this order, with these messages (reproduced at prepare):
 *   1. T neither floating nor complex (nor string): scientific or shortest ->
 *      "scientific and shortest format not supported for datatype <T>";
 *      precision >= 0 -> "precision not supported for datatype <T>"
 *   2. fill longer than one byte -> "Fill string must be one or fewer characters"
 *   3. scientific and shortest -> "Cannot select both scientific and shortest notation"
 *   4. fill not one of ' ', '+', '-', '0', '#' -> "Fill argument not supported: \"<fill>\""
 * It then formats with absl::StrFormat("%<fill>*.*<c>", width, precision, value), where
 * width -1 becomes 0, precision -1 means printf's default, and <c> is 'd' for signed
 * integers, 'u' for unsigned ones, and for floating types 'g' (shortest), 'e' (scientific)
 * or 'f' (the default: "%f", six decimals, never shortest). The fill is a printf flag, not a
 * padding character: '0' pads with zeros, '-' left-justifies, '+' and ' ' force a sign
 * column, '#' is the alternate form. Floats are formatted as their (exact) double value;
 * half and bfloat16 through float; complex as "(re,im)" with both parts formatted alike;
 * bool is "true"/"false" whatever the attrs; a string passes through unchanged when width
 * is not positive. absl's float formatting is reproduced with snprintf plus two of absl's
 * own rules (see "absl's float formatting" below): subnormals print as zeros, and %g is
 * built from %e's digits. tests/flex/as_string_cases.tsv holds TensorFlow's own outputs.
 */
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/runner.h"
#include "core/strings.h"
#include "ops/flex/flex.h"

/* Longest conversion of one finite double besides width and precision: sign, 309 integer
 * digits, point, exponent, with room to spare. */
#define AS_STRING_FLOAT_ROOM 330
#define AS_STRING_INT_ROOM 24

typedef struct as_string_params {
    tflc_dtype dtype;
    int width;          /* >= 0 */
    int precision;      /* < 0: the conversion's default */
    bool passthrough;   /* string input, width <= 0: copy */
    char flag;          /* the fill attr: '\0' or one of " +-0#" */
    char conv;          /* 'd', 'u', 'f', 'e' or 'g' */
    char format[16];    /* printf format of one value, taking (width, precision, value) */
    size_t max_len;     /* longest string one element can give */
} as_string_params;

/* ----------------------------------------------------------- validation -- */

static bool is_floating(tflc_dtype t) {
    return t == TFLC_FLOAT32 || t == TFLC_FLOAT64 || t == TFLC_FLOAT16 || t == TFLC_BFLOAT16;
}
static bool is_complex(tflc_dtype t) { return t == TFLC_COMPLEX64 || t == TFLC_COMPLEX128; }
static bool is_signed_int(tflc_dtype t) {
    return t == TFLC_INT8 || t == TFLC_INT16 || t == TFLC_INT32 || t == TFLC_INT64;
}
static bool is_unsigned_int(tflc_dtype t) {
    return t == TFLC_UINT8 || t == TFLC_UINT16 || t == TFLC_UINT32 || t == TFLC_UINT64;
}

/* TensorFlow reads precision and width into int32 and refuses values that do not fit. */
static tflc_status int32_attr(tflc_node *node, const tflc_nodedef *nd, const char *name, int *out) {
    int64_t v;
    tflc_status s = tflc_flex_attr_int(node, nd, name, -1, &v);
    if (s != TFLC_OK) return s;
    if (v < INT32_MIN || v > INT32_MAX)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "attr '%s' has value %" PRId64 " out of range for an int32",
                              name, v);
    *out = (int)v;
    return TFLC_OK;
}

/* The fill attr for messages: printable bytes as they are, others as \xNN. */
static const char *fill_shown(const char *fill, size_t len, char *buf, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 5 < size; i++) {
        unsigned char c = (unsigned char)fill[i];
        if (c >= 0x20 && c < 0x7f) buf[n++] = (char)c;
        else n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
    }
    buf[n] = '\0';
    return buf;
}

/* ---------------------------------------------------------------- format -- */

/* "%<flag>*.*<conv>" for snprintf, and the longest string one element can give. */
static void build_format(as_string_params *p, char flag, char conv) {
    const char *length = p->dtype == TFLC_INT64 ? PRId64 : p->dtype == TFLC_UINT64 ? PRIu64 : NULL;
    bool integral = conv == 'd' || conv == 'u';
    /* '#' means nothing for integers (C leaves it undefined; absl ignores it). */
    p->flag = integral && flag == '#' ? '\0' : flag;
    p->conv = conv;
    char flags[2] = {p->flag, '\0'};
    if (length) snprintf(p->format, sizeof p->format, "%%%s*.*%s", flags, length); /* PRId64 ends in 'd' */
    else snprintf(p->format, sizeof p->format, "%%%s*.*%c", flags, conv);

    uint64_t natural = integral ? AS_STRING_INT_ROOM
                                : AS_STRING_FLOAT_ROOM + (uint64_t)(p->precision < 0 ? 6 : p->precision);
    uint64_t element = natural > (uint64_t)p->width ? natural : (uint64_t)p->width;
    p->max_len = (size_t)(is_complex(p->dtype) ? 3 + 2 * element : element);
}

static tflc_status as_string_prepare(tflc_node *node) {
    as_string_params *p = node->params;
    tflc_nodedef nd;
    tflc_status s = tflc_flex_read_nodedef(node, "AsString", &nd);
    if (s != TFLC_OK) return s;
    if (node->n_inputs != 1 || node->n_outputs != 1 || !node->inputs[0] || !node->outputs[0])
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "expected 1 input and 1 output, got %d and %d",
                              node->n_inputs, node->n_outputs);
    const tflc_tensor *in = node->inputs[0];
    tflc_tensor *out = node->outputs[0];

    /* Attrs, read in TensorFlow's order. */
    int t_attr;
    bool scientific, shortest;
    const char *fill;
    size_t fill_len;
    if ((s = tflc_flex_attr_type(node, &nd, "T", 0, &t_attr)) != TFLC_OK) return s;
    if ((s = int32_attr(node, &nd, "precision", &p->precision)) != TFLC_OK) return s;
    if ((s = tflc_flex_attr_bool(node, &nd, "scientific", false, &scientific)) != TFLC_OK) return s;
    if ((s = tflc_flex_attr_bool(node, &nd, "shortest", false, &shortest)) != TFLC_OK) return s;
    if ((s = int32_attr(node, &nd, "width", &p->width)) != TFLC_OK) return s;
    if ((s = tflc_flex_attr_string(node, &nd, "fill", "", &fill, &fill_len)) != TFLC_OK) return s;

    tflc_dtype t;
    if (!tflc_tf_dtype_to_tflc(t_attr, &t))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "Type not supported: %s", tflc_tf_dtype_name(t_attr));
    if (in->dtype != t)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "attr T is %s but the input is %s",
                              tflc_tf_dtype_name(t_attr), tflc_dtype_name(in->dtype));
    if (out->dtype != TFLC_STRING)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output has dtype %s, expected string",
                              tflc_dtype_name(out->dtype));
    p->dtype = t;

    /* TensorFlow's checks, in its order and words. */
    const char *tname = tflc_tf_dtype_name(t_attr);
    if (t != TFLC_STRING && !is_floating(t) && !is_complex(t)) {
        if (scientific || shortest)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                                  "scientific and shortest format not supported for datatype %s", tname);
        if (p->precision >= 0)
            return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "precision not supported for datatype %s", tname);
    }
    if (fill_len > 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "Fill string must be one or fewer characters");
    if (scientific && shortest)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "Cannot select both scientific and shortest notation");
    char flag = fill_len ? fill[0] : '\0';
    if (flag && !strchr(" +-0#", flag)) {
        char shown[32];
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "Fill argument not supported: \"%s\"",
                              fill_shown(fill, fill_len, shown, sizeof shown));
    }
    if (p->width < 0) p->width = 0;

    if (t == TFLC_STRING) {
        if (p->width > 0)
            return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                                  "AsString of strings with a positive width (%d) is not supported", p->width);
        p->passthrough = true;
    } else if (t == TFLC_BOOL) {
        p->max_len = 5; /* "false"; bool ignores width, precision and fill */
    } else if (is_signed_int(t) || is_unsigned_int(t)) {
        build_format(p, flag, is_signed_int(t) ? 'd' : 'u');
    } else if (is_floating(t) || is_complex(t)) {
        build_format(p, flag, shortest ? 'g' : scientific ? 'e' : 'f');
    } else {
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "Type not supported: %s", tname);
    }

    /* One element is formatted into scratch before it is appended. */
    uint64_t limit = node->graph->runner->model->max_tensor_bytes;
    if (limit > INT_MAX - 1) limit = INT_MAX - 1;
    if (p->max_len > limit)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "width %d and precision %d allow strings of %zu bytes, over the %" PRIu64
                              "-byte tensor size limit",
                              p->width, p->precision, p->max_len, limit);
    node->scratch_bytes = p->passthrough ? 0 : p->max_len + 1;
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

/* -------------------------------------------------- absl's float formatting -- */
/*
 * absl::StrFormat prints floating values in three ways (str_format/float_conversion.cc in
 * the absl TensorFlow 2.21 ships):
 *   %f  always its own exact conversion of the value's mantissa and exponent, which it
 *       takes apart with frexp/ldexp;
 *   %e  the same for precision <= 39 when the mantissa and exponent fit 128-bit
 *       arithmetic, else snprintf on the value itself;
 *   %g  like %e with precision - 1, then choosing the style from the *rounded* exponent as
 *       C specifies (glibc's own "%#g" keeps too few zeros when rounding carries into a new
 *       digit, "1.e+06" for 999999.5, so tflc builds %g itself from %e's digits).
 * Its own conversions and glibc print the same exact, half-to-even digits. What differs
 * is subnormals: TensorFlow runs kernels with denormals flushed (FTZ/DAZ on x86, FZ on
 * Arm; platform/denormal.h), under which frexp/ldexp turn a subnormal into zero, and
 * converting a subnormal float to double gives zero. So a subnormal prints as a zero of its
 * sign, except a double under %e/%g with a precision past 39, which goes to snprintf whole.
 */

#define ABSL_MAX_FIXED_PRECISION 39

/* True when absl formats v (finite, >= 0) itself rather than through snprintf: precision
 * within 39 and the mantissa (`digits` bits) shifted by the exponent within 128 bits. */
static bool absl_native(double v, int digits, int precision) {
    if (precision > ABSL_MAX_FIXED_PRECISION) return false;
    if (v == 0) return true;
    int e;
    frexp(v, &e);
    int exp = e - digits;
    return exp >= 0 ? digits + exp <= 128 : -exp <= 128 - 4;
}

/* printf's radix character follows LC_NUMERIC; TensorFlow's never does. Replaces each
 * occurrence of the locale's (possibly multibyte) radix with '.'; returns the new length. */
static size_t fix_radix(char *buf, size_t len, const char *radix) {
    size_t rlen = strlen(radix), out = 0;
    if (rlen == 0 || (rlen == 1 && radix[0] == '.')) return len;
    for (size_t i = 0; i < len;) {
        if (len - i >= rlen && memcmp(buf + i, radix, rlen) == 0) {
            buf[out++] = '.';
            i += rlen;
        } else {
            buf[out++] = buf[i++];
        }
    }
    return out;
}

/* absl's %g of |v| with `digits` = max(precision, 1) - 1 <= 39, unpadded and unsigned: the
 * digits of %.<digits>e, then fixed notation when -4 <= exponent <= digits, trailing zeros
 * and point dropped unless alt. */
static size_t absl_g(double a, int digits, bool alt, const char *radix, char *out) {
    char e[96];
    size_t len = fix_radix(e, (size_t)snprintf(e, sizeof e, "%.*e", digits, a), radix);
    e[len] = '\0';
    const char *mark = strchr(e, 'e');
    int x = mark ? atoi(mark + 1) : 0;
    char d[ABSL_MAX_FIXED_PRECISION + 2]; /* the significant digits */
    int nd = 0;
    for (const char *c = e; c < mark && nd < (int)sizeof d; c++)
        if (*c >= '0' && *c <= '9') d[nd++] = *c;
    size_t n = 0;
    bool fixed = digits + 1 > x && x >= -4;
    if (fixed && x < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int k = 0; k < -x - 1; k++) out[n++] = '0';
        for (int k = 0; k < nd; k++) out[n++] = d[k];
    } else {
        int point = fixed ? x + 1 : 1; /* digits before the point */
        for (int k = 0; k < nd; k++) {
            if (k == point) out[n++] = '.';
            out[n++] = d[k];
        }
        if (point == nd) out[n++] = '.';
    }
    if (!alt) {
        while (n > 0 && out[n - 1] == '0') n--;
        if (n > 0 && out[n - 1] == '.') n--;
    }
    if (!fixed) n += (size_t)sprintf(out + n, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    return n;
}

/* One floating value as TensorFlow prints it; `from_float` when it came from a float (or
 * bfloat16/complex64 part). Returns its length in buf. */
static size_t format_real(const as_string_params *p, double v, bool from_float, bool subnormal,
                          const char *radix, char *buf, size_t cap) {
    int precision = p->precision < 0 ? 6 : p->precision;
    int g_digits = (precision > 1 ? precision : 1) - 1;
    bool snprintf_whole = !from_float && ((p->conv == 'e' && precision > ABSL_MAX_FIXED_PRECISION) ||
                                          (p->conv == 'g' && g_digits > ABSL_MAX_FIXED_PRECISION));
    if (subnormal && !snprintf_whole) v = copysign(0.0, v);
    if (p->conv == 'g' && isfinite(v) && absl_native(fabs(v), from_float ? 24 : 53, g_digits)) {
        char body[2 * ABSL_MAX_FIXED_PRECISION + 16];
        size_t len = absl_g(fabs(v), g_digits, p->flag == '#', radix, body);
        char sign = signbit(v) ? '-' : p->flag == '+' ? '+' : p->flag == ' ' ? ' ' : '\0';
        size_t total = len + (sign != '\0'), pad = (size_t)p->width > total ? (size_t)p->width - total : 0;
        size_t n = 0;
        if (p->flag != '-' && p->flag != '0') for (size_t k = 0; k < pad; k++) buf[n++] = ' ';
        if (sign) buf[n++] = sign;
        if (p->flag == '0') for (size_t k = 0; k < pad; k++) buf[n++] = '0';
        memcpy(buf + n, body, len);
        n += len;
        if (p->flag == '-') for (size_t k = 0; k < pad; k++) buf[n++] = ' ';
        return n;
    }
    int len = snprintf(buf, cap, p->format, p->width, p->precision, v);
    return len < 0 ? 0 : fix_radix(buf, (size_t)len, radix);
}

/* ------------------------------------------------------------------ eval -- */

/* IEEE binary16 -> float, exactly; NaNs keep their sign. Every half is a normal float. */
static float half_to_float(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0) v = ldexpf((float)mant, -24);
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = ldexpf((float)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

static float bfloat16_to_float(uint16_t b) {
    uint32_t bits = (uint32_t)b << 16;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static size_t format_float(const as_string_params *p, float v, const char *radix, char *buf, size_t cap) {
    return format_real(p, v, true, fpclassify(v) == FP_SUBNORMAL, radix, buf, cap);
}

static size_t format_double(const as_string_params *p, double v, const char *radix, char *buf, size_t cap) {
    return format_real(p, v, false, fpclassify(v) == FP_SUBNORMAL, radix, buf, cap);
}

/* Element i into buf (cap bytes, enough by construction); returns its length. */
static size_t format_element(const as_string_params *p, const void *data, size_t i, const char *radix,
                             char *buf, size_t cap) {
    const char *fmt = p->format;
    int w = p->width, pr = p->precision, n = 0;
    switch (p->dtype) {
    case TFLC_INT8: n = snprintf(buf, cap, fmt, w, pr, (int)((const int8_t *)data)[i]); break;
    case TFLC_INT16: n = snprintf(buf, cap, fmt, w, pr, (int)((const int16_t *)data)[i]); break;
    case TFLC_INT32: n = snprintf(buf, cap, fmt, w, pr, (int)((const int32_t *)data)[i]); break;
    case TFLC_INT64: n = snprintf(buf, cap, fmt, w, pr, ((const int64_t *)data)[i]); break;
    case TFLC_UINT8: n = snprintf(buf, cap, fmt, w, pr, (unsigned)((const uint8_t *)data)[i]); break;
    case TFLC_UINT16: n = snprintf(buf, cap, fmt, w, pr, (unsigned)((const uint16_t *)data)[i]); break;
    case TFLC_UINT32: n = snprintf(buf, cap, fmt, w, pr, (unsigned)((const uint32_t *)data)[i]); break;
    case TFLC_UINT64: n = snprintf(buf, cap, fmt, w, pr, ((const uint64_t *)data)[i]); break;
    case TFLC_FLOAT32: return format_float(p, ((const float *)data)[i], radix, buf, cap);
    case TFLC_FLOAT64: return format_double(p, ((const double *)data)[i], radix, buf, cap);
    case TFLC_FLOAT16: return format_float(p, half_to_float(((const uint16_t *)data)[i]), radix, buf, cap);
    case TFLC_BFLOAT16: return format_float(p, bfloat16_to_float(((const uint16_t *)data)[i]), radix, buf, cap);
    case TFLC_COMPLEX64: case TFLC_COMPLEX128: {
        /* TensorFlow: StrCat("(", StrFormat(real), ",", StrFormat(imag), ")") */
        size_t len = 0;
        buf[len++] = '(';
        if (p->dtype == TFLC_COMPLEX64) {
            const float *c = (const float *)data + 2 * i;
            len += format_float(p, c[0], radix, buf + len, cap - len);
            buf[len++] = ',';
            len += format_float(p, c[1], radix, buf + len, cap - len);
        } else {
            const double *c = (const double *)data + 2 * i;
            len += format_double(p, c[0], radix, buf + len, cap - len);
            buf[len++] = ',';
            len += format_double(p, c[1], radix, buf + len, cap - len);
        }
        buf[len++] = ')';
        return len;
    }
    default: break;
    }
    return n < 0 ? 0 : (size_t)n;
}

static tflc_status as_string_eval(tflc_node *node) {
    const as_string_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    size_t n = tflc_tensor_count(in);
    const char *radix = localeconv()->decimal_point;
    tflc_string_writer w;
    tflc_status s = tflc_strings_begin(&w, node, 0, n);
    for (size_t i = 0; s == TFLC_OK && i < n; i++) {
        if (p->passthrough) {
            size_t len;
            const char *str = tflc_strings_get(in, i, &len);
            s = tflc_strings_append(&w, str, len);
        } else if (p->dtype == TFLC_BOOL) {
            bool b = ((const uint8_t *)in->data)[i] != 0;
            s = tflc_strings_append(&w, b ? "true" : "false", b ? 4 : 5);
        } else {
            size_t len = format_element(p, in->data, i, radix, node->scratch, p->max_len + 1);
            s = tflc_strings_append(&w, node->scratch, len);
        }
    }
    return s == TFLC_OK ? tflc_strings_end(&w) : s;
}

const tflc_kernel tflc_flex_kernel_as_string = {
    .name = "FlexAsString",
    .params_size = sizeof(as_string_params),
    .prepare = as_string_prepare,
    .eval = as_string_eval,
};
