/*
 * string_to_number.c -- FlexStringToNumber: TensorFlow's StringToNumber
 * (tf.strings.to_number). input [...] string -> output [...] out_type.
 *
 * Attr out_type: float (the default), double, int32 or int64. TensorFlow 2.21 parses each
 * whole string (embedded NULs included) with absl's SimpleAtof / SimpleAtod / SimpleAtoi;
 * a string it refuses fails the op with "StringToNumberOp could not correctly convert
 * string: <string up to its first NUL>". The grammar, found in absl (numbers.cc,
 * charconv.cc, internal/charconv_parse.cc) and checked by running TensorFlow on
 * tests/flex/string_to_number_cases.tsv:
 *
 * Floating (float, double):
 *   - ASCII whitespace (space \t \n \v \f \r) is stripped at both ends;
 *   - one optional '+' (but not "+-"), then one optional '-';
 *   - "inf" / "infinity" / "nan" / "nan(chars)" in any case, chars from [A-Za-z0-9_]; the
 *     NaN takes its payload as C's nan("chars") does, and "-nan" has its sign bit set;
 *   - "0x"/"0X" then a hexadecimal float: hex digits with an optional '.', an optional
 *     binary exponent [pP][+-]digits;
 *   - otherwise a decimal: digits with an optional '.', at least one digit, an optional
 *     exponent [eE][+-]digits (an 'e' without digits is trailing junk);
 *   - the whole rest must be consumed; overflow gives +-inf, underflow +-0;
 *   - absl refuses pathological inputs: 50,000,000 or more digits in a row (12,500,000
 *     for hex), and reads only the first 9 significant digits of an exponent.
 * Integer (int32, int64): whitespace stripped at both ends, one optional '+' or '-', then
 *   decimal digits only; a value out of range is an error.
 *
 * Values. Hexadecimal floats, and decimals whose digits past the 19th significant one are
 * all zeros, are rounded correctly (to float directly, not through double) by absl; tflc
 * hands them to the C library's strtod/strtof in a normalized form without a radix
 * character (so LC_NUMERIC cannot interfere). Past that, absl rounds from a 58-bit
 * approximation and, when that cannot decide, from a 768-position reading of the digits,
 * which is not always the correct rounding; that path is reproduced step by step below
 * ("absl's truncated-mantissa path"), because TensorFlow's results follow it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strings.h"
#include "ops/flex/flex.h"

typedef struct string_to_number_params {
    tflc_dtype out;
} string_to_number_params;

/* --------------------------------------------------------------- prepare -- */

static tflc_status string_to_number_prepare(tflc_node *node) {
    string_to_number_params *p = node->params;
    tflc_nodedef nd;
    tflc_status s = tflc_flex_read_nodedef(node, "StringToNumber", &nd);
    if (s != TFLC_OK) return s;
    if (node->n_inputs != 1 || node->n_outputs != 1 || !node->inputs[0] || !node->outputs[0])
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "expected 1 input and 1 output, got %d and %d",
                              node->n_inputs, node->n_outputs);
    int out_type;
    if ((s = tflc_flex_attr_type(node, &nd, "out_type", TFLC_TF_FLOAT, &out_type)) != TFLC_OK) return s;
    if (out_type != TFLC_TF_FLOAT && out_type != TFLC_TF_DOUBLE && out_type != TFLC_TF_INT32 &&
        out_type != TFLC_TF_INT64)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL,
                              "Value for attr 'out_type' of %s is not in the list of allowed values: "
                              "float, double, int32, int64",
                              tflc_tf_dtype_name(out_type));
    tflc_tf_dtype_to_tflc(out_type, &p->out);
    const tflc_tensor *in = node->inputs[0];
    if (in->dtype != TFLC_STRING)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "input has dtype %s, expected string",
                              tflc_dtype_name(in->dtype));
    if (node->outputs[0]->dtype != p->out)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "output has dtype %s but out_type is %s",
                              tflc_dtype_name(node->outputs[0]->dtype), tflc_tf_dtype_name(out_type));
    return tflc_node_set_output_shape(node, 0, in->dims, in->rank);
}

/* ---------------------------------------------------------------- parsing -- */

#define DIGIT_LIMIT 50000000u      /* absl kDecimalDigitLimit: longer digit runs are refused */
#define HEX_DIGIT_LIMIT 12500000u  /* absl kHexadecimalDigitLimit */
#define MANTISSA_DIGITS 19         /* absl kDecimalMantissaDigitsMax */
#define EXPONENT_DIGITS 9          /* absl kDecimalExponentDigitsMax */
#define EXACT_DIGITS 768           /* digit positions absl's exact comparison reads */
#define KEEP_HEX_DIGITS 30         /* 120 bits: far more than a double's 53 + 2 */
#define EXPONENT_CLAMP 100000      /* beyond this every value is inf or 0 */

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_nan_char(char c) {
    return c == '_' || is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool same_caseless(const char *s, const char *lower, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

static int64_t clamp_exponent(int64_t e) {
    return e > EXPONENT_CLAMP ? EXPONENT_CLAMP : e < -EXPONENT_CLAMP ? -EXPONENT_CLAMP : e;
}

/* An exponent: marker ('e'/'E' or 'p'/'P'), optional sign, digits of which absl keeps the
 * first 9 significant ones. Returns the index after it, or i when there is none (a marker
 * without digits is not consumed). */
static size_t parse_exponent(const char *s, size_t i, size_t n, bool hex, int64_t *literal) {
    *literal = 0;
    if (i >= n || !(hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) return i;
    size_t k = i + 1;
    bool negative = false;
    if (k < n && (s[k] == '-' || s[k] == '+')) negative = s[k++] == '-';
    size_t start = k;
    while (k < n && s[k] == '0') k++;
    int64_t e = 0;
    int used = 0;
    for (; k < n && is_digit(s[k]); k++)
        if (used < EXPONENT_DIGITS) {
            e = e * 10 + (s[k] - '0');
            used++;
        }
    if (k == start) return i;
    *literal = negative ? -e : e;
    return k;
}

/* ----------------------------------------------------------- hexadecimal -- */

/* Digits of a hexadecimal float: hex digits, optional '.', optional binary exponent. */
typedef struct hex_parse {
    const char *int_digits;   /* after the leading zeros */
    size_t n_int;
    const char *frac_digits;  /* leading zeros included */
    size_t n_frac;
    int64_t exponent;
} hex_parse;

static bool parse_hex(const char *s, size_t n, hex_parse *h) {
    size_t i = 0;
    memset(h, 0, sizeof *h);
    while (i < n && s[i] == '0') i++;
    h->int_digits = s + i;
    while (i < n && is_hex_digit(s[i])) i++;
    h->n_int = (size_t)(s + i - h->int_digits);
    if (h->n_int >= HEX_DIGIT_LIMIT) return false;
    if (i < n && s[i] == '.') {
        i++;
        h->frac_digits = s + i;
        size_t zeros = 0;
        if (h->n_int == 0)
            while (i + zeros < n && s[i + zeros] == '0') zeros++;
        if (zeros >= HEX_DIGIT_LIMIT) return false;
        size_t k = i + zeros;
        while (k < n && is_hex_digit(s[k])) k++;
        if (k - (i + zeros) >= HEX_DIGIT_LIMIT) return false;
        h->n_frac = k - i;
        i = k;
    }
    if (i == 0 || (i == 1 && s[0] == '.')) return false; /* no mantissa, or a bare '.' */
    return parse_exponent(s, i, n, true, &h->exponent) == n;
}

/* "0x<digits>p<exp>": at most KEEP_HEX_DIGITS significant digits and a sticky last digit
 * for the dropped ones, which rounds the same way (absl keeps 15 digits and a sticky bit;
 * both are exact, and the C library rounds it correctly as absl does). */
static void normalize_hex(const hex_parse *h, char *buf, size_t size) {
    size_t n = (size_t)snprintf(buf, size, "0x"), kept = 0;
    int64_t point = (int64_t)h->n_int;    /* digits before the point */
    bool sticky = false, seen_nonzero = h->n_int > 0;
    for (size_t k = 0; k < h->n_int + h->n_frac; k++) {
        char c = k < h->n_int ? h->int_digits[k] : h->frac_digits[k - h->n_int];
        if (!seen_nonzero) {              /* leading zeros of a pure fraction */
            if (c == '0') { point--; continue; }
            seen_nonzero = true;
        }
        if (kept < KEEP_HEX_DIGITS) {
            buf[n++] = c;
            kept++;
        } else if (c != '0') {
            sticky = true;
        }
    }
    if (kept == 0) buf[n++] = '0';
    if (sticky) buf[n++] = '1';
    int64_t written = (int64_t)kept + (sticky ? 1 : 0);
    snprintf(buf + n, size - n, "p%" PRId64, clamp_exponent((point - written) * 4 + h->exponent));
}

/* --------------------------------------------------------------- decimal -- */

/* A decimal as absl's ParseFloat<10> leaves it: the first 19 significant digits, and
 * whether a nonzero digit was dropped after them. */
typedef struct dec_parse {
    uint64_t mantissa;
    int64_t exponent;          /* value ~ mantissa * 10^exponent (exact unless inexact) */
    int64_t literal_exponent;  /* the exponent as written (first 9 digits) */
    bool inexact;
    const char *digits, *digits_end; /* the mantissa's text, '.' included */
} dec_parse;

/* absl's ConsumeDigits: skips leading zeros while *acc is 0, accumulates at most max
 * digits, consumes the rest (noting a dropped nonzero one); returns the count consumed. */
static size_t consume_digits(const char *s, size_t i, size_t n, size_t max, uint64_t *acc, bool *dropped) {
    size_t start = i;
    if (*acc == 0)
        while (i < n && s[i] == '0') i++;
    size_t end = n - i > max ? i + max : n;
    for (; i < end && is_digit(s[i]); i++) *acc = *acc * 10 + (uint64_t)(s[i] - '0');
    for (; i < n && is_digit(s[i]); i++)
        if (s[i] != '0') *dropped = true;
    return i - start;
}

static bool parse_decimal(const char *s, size_t n, dec_parse *d) {
    size_t i = 0, digits_left;
    int64_t adjust = 0;
    memset(d, 0, sizeof *d);
    while (i < n && s[i] == '0') i++;
    size_t pre = consume_digits(s, i, n, MANTISSA_DIGITS, &d->mantissa, &d->inexact);
    i += pre;
    if (pre >= DIGIT_LIMIT) return false;
    if (pre > MANTISSA_DIGITS) {
        adjust = (int64_t)(pre - MANTISSA_DIGITS);
        digits_left = 0;
    } else {
        digits_left = MANTISSA_DIGITS - pre;
    }
    if (i < n && s[i] == '.') {
        i++;
        if (d->mantissa == 0) {
            size_t zeros = 0;
            for (; i < n && s[i] == '0'; i++) zeros++;
            if (zeros >= DIGIT_LIMIT) return false;
            adjust -= (int64_t)zeros;
        }
        size_t post = consume_digits(s, i, n, digits_left, &d->mantissa, &d->inexact);
        i += post;
        if (post >= DIGIT_LIMIT) return false;
        adjust -= (int64_t)(post > digits_left ? digits_left : post);
    }
    if (i == 0 || (i == 1 && s[0] == '.')) return false; /* no mantissa, or a bare '.' */
    d->digits = s;
    d->digits_end = s + i;
    i = parse_exponent(s, i, n, false, &d->literal_exponent);
    d->exponent = d->mantissa ? d->literal_exponent + adjust : 0;
    return i == n;
}

/* ------------------------------------------------------- big integers -- */

/* Exact unsigned integers, enough for absl's comparisons (its bound is 2688 bits; the
 * shifts here can add a few thousand more). */
#define BIG_WORDS 256

typedef struct big {
    uint32_t w[BIG_WORDS];   /* little-endian words */
    int n;                   /* words in use */
    bool overflow;
} big;

static void big_set(big *b, uint64_t v) {
    b->n = 0;
    b->overflow = false;
    for (; v; v >>= 32) b->w[b->n++] = (uint32_t)v;
}

static void big_push(big *b, uint32_t word) {
    if (b->n == BIG_WORDS) b->overflow = true;
    else b->w[b->n++] = word;
}

static void big_mul_small(big *b, uint32_t m) {
    uint64_t carry = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) big_push(b, (uint32_t)carry);
}

static void big_add_small(big *b, uint32_t a) {
    uint64_t carry = a;
    for (int i = 0; i < b->n && carry; i++) {
        uint64_t t = (uint64_t)b->w[i] + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) big_push(b, (uint32_t)carry);
}

static void big_mul_pow5(big *b, int64_t n) {
    static const uint32_t pow5[14] = {1, 5, 25, 125, 625, 3125, 15625, 78125, 390625, 1953125, 9765625,
                                      48828125, 244140625, 1220703125};
    for (; n >= 13; n -= 13) big_mul_small(b, pow5[13]);
    big_mul_small(b, pow5[n]);
}

static void big_shl(big *b, int64_t bits) {
    if (b->n == 0 || bits <= 0) return;
    int64_t words = bits / 32;
    int s = (int)(bits % 32);
    if (b->n + words + 1 > BIG_WORDS) {
        b->overflow = true;
        return;
    }
    b->w[b->n] = 0;
    for (int i = b->n; i >= 0; i--) {
        uint32_t hi = b->w[i] << s;
        uint32_t lo = s && i > 0 ? b->w[i - 1] >> (32 - s) : 0;
        b->w[i + words] = hi | lo;
    }
    for (int64_t i = 0; i < words; i++) b->w[i] = 0;
    b->n += (int)words + 1;
    while (b->n > 0 && b->w[b->n - 1] == 0) b->n--;
}

static void big_shr(big *b, int64_t bits) {
    int64_t words = bits / 32;
    int s = (int)(bits % 32);
    if (words >= b->n) {
        b->n = 0;
        return;
    }
    for (int i = 0; i + words < b->n; i++) {
        uint32_t lo = b->w[i + words] >> s;
        uint32_t hi = s && i + words + 1 < b->n ? b->w[i + words + 1] << (32 - s) : 0;
        b->w[i] = lo | hi;
    }
    b->n -= (int)words;
    while (b->n > 0 && b->w[b->n - 1] == 0) b->n--;
}

static int big_cmp(const big *a, const big *b) {
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* a -= b, for a >= b */
static void big_sub(big *a, const big *b) {
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
        borrow = t < 0;
        a->w[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

static uint64_t big_low64(const big *b) {
    return (b->n > 0 ? b->w[0] : 0) | (b->n > 1 ? (uint64_t)b->w[1] << 32 : 0);
}

/* ------------------------------------------ absl's truncated-mantissa path -- */
/*
 * With more than 19 significant digits (a nonzero one dropped), absl does not round the
 * decimal value exactly. It multiplies the 19-digit mantissa by a 64-bit power of ten,
 * keeps 58 bits and rounds from those when they decide; when they cannot (the dropped
 * bits read one below a half), it compares the rounding midpoint with a second reading
 * of the digits that keeps only 768 digit *positions*, leading zeros after the point
 * included, and bumps a final 0 or 5 by one when digits remain. For long inputs with many
 * leading fractional zeros (subnormals written out in full) that reading is short, and
 * TensorFlow's result then differs from the correctly rounded value; this reproduces it.
 */

typedef struct ieee_format {
    int mantissa_bits;    /* with the implicit bit */
    int min_normal_exp;   /* exponent of the smallest normal, integer-mantissa form */
    int max_exp;
    int bias;
} ieee_format;

static const ieee_format ieee_double = {53, -1074, 971, 1023};
static const ieee_format ieee_float = {24, -149, 104, 127};

/* absl's Power10Exponent: floor(217706 n / 2^16) - 63. */
static int pow10_exponent(int n) {
    int64_t t = (int64_t)217706 * n;
    int64_t floor_div = t >= 0 ? t / 65536 : -((-t + 65535) / 65536);
    return (int)(floor_div - 63);
}

/* absl's Power10Mantissa: floor(10^n / 2^pow10_exponent(n)), in [2^63, 2^64). */
static uint64_t pow10_mantissa(int n) {
    int e = pow10_exponent(n);
    big b;
    big_set(&b, 1);
    if (n >= 0) { /* 10^n / 2^e = 5^n * 2^(n - e) */
        big_mul_pow5(&b, n);
        if (n - e >= 0) big_shl(&b, n - e);
        else big_shr(&b, e - n);
        return big_low64(&b);
    }
    /* 10^n / 2^e = 2^(n - e) / 5^-n: long division, 64 quotient bits */
    big d, r;
    big_set(&d, 1);
    big_mul_pow5(&d, -n);
    big_set(&r, 1);
    big_shl(&r, n - e - 64);
    uint64_t q = 0;
    for (int bit = 63; bit >= 0; bit--) {
        big_shl(&r, 1);
        if (big_cmp(&r, &d) >= 0) {
            big_sub(&r, &d);
            q |= (uint64_t)1 << bit;
        }
    }
    return q;
}

static int clz64(uint64_t v) {
    int n = 0;
    for (uint64_t bit = (uint64_t)1 << 63; bit && !(v & bit); bit >>= 1) n++;
    return n;
}

/* (hi:lo) = a * b */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* absl's BigUnsigned::ReadDigits over the mantissa text: at most `positions` digits
 * (leading zeros after the point count), trailing zeros dropped, a final 0 or 5 bumped
 * when digits remain. Returns the decimal exponent adjustment. */
static int64_t read_digits(const char *begin, const char *end, int positions, big *x) {
    static const uint32_t pow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
                                       1000000000};
    big_set(x, 0);
    while (begin < end && *begin == '0') begin++;
    int64_t dropped = 0;
    while (begin < end && end[-1] == '0') end--, dropped++;
    if (begin < end && end[-1] == '.') {
        dropped = 0;
        end--;
        while (begin < end && end[-1] == '0') end--, dropped++;
    } else if (dropped && memchr(begin, '.', (size_t)(end - begin))) {
        dropped = 0; /* they were fraction digits */
    }
    int64_t adjust = dropped;
    bool after_point = false;
    uint32_t queued = 0;
    int n_queued = 0;
    for (; begin != end && positions > 0; begin++) {
        if (*begin == '.') {
            after_point = true;
            continue;
        }
        if (after_point) adjust--;
        int digit = *begin - '0';
        if (--positions == 0 && begin + 1 != end && (digit == 0 || digit == 5)) digit++;
        queued = queued * 10 + (uint32_t)digit;
        if (++n_queued == 9) {
            big_mul_small(x, pow10[9]);
            big_add_small(x, queued);
            queued = 0;
            n_queued = 0;
        }
    }
    if (n_queued) {
        big_mul_small(x, pow10[n_queued]);
        big_add_small(x, queued);
    }
    if (begin < end && !after_point) {
        const char *point = memchr(begin, '.', (size_t)(end - begin));
        adjust += (point ? point : end) - begin;
    }
    return adjust;
}

/* absl's MustRoundUp: is the (768-position) value above the midpoint between guess and
 * guess + 1 (times 2^exp)? Ties go to even. */
static bool must_round_up(const dec_parse *d, uint64_t guess, int exp) {
    big lhs, rhs;
    int64_t e = d->literal_exponent + read_digits(d->digits, d->digits_end, EXACT_DIGITS, &lhs);
    uint64_t mid = 2 * guess + 1;
    int64_t mid_exp = (int64_t)exp - 1;
    big_set(&rhs, mid);
    if (e >= 0) big_mul_pow5(&lhs, e);
    else big_mul_pow5(&rhs, -e);
    if (e > mid_exp) big_shl(&lhs, e - mid_exp);
    else big_shl(&rhs, mid_exp - e);
    if (lhs.overflow || rhs.overflow) return false; /* beyond any input absl can reach */
    int c = big_cmp(&lhs, &rhs);
    return c > 0 || (c == 0 && (mid & 2));
}

/* absl's CalculateFromParsedDecimal for a truncated mantissa. Returns the magnitude's
 * IEEE bits; *range is 1 on overflow, -1 on underflow, else 0. */
static uint64_t truncated_decimal(const dec_parse *d, const ieee_format *f, int *range) {
    *range = 0;
    if (d->exponent < -342) { *range = -1; return 0; }
    if (d->exponent >= 309) { *range = 1; return 0; }
    int n = (int)d->exponent;
    uint64_t hi, lo;
    mul64(d->mantissa, pow10_mantissa(n), &hi, &lo);
    int exp = pow10_exponent(n);
    int width = hi ? 128 - clz64(hi) : 64 - clz64(lo);
    int cut = width - 58; /* keep the 58 bits that are free of error */
    uint64_t m58 = cut >= 64 ? hi >> (cut - 64) : cut > 0 ? (hi << (64 - cut)) | (lo >> cut) : lo << -cut;
    exp += cut;
    int shift = 58 - f->mantissa_bits;
    if (f->min_normal_exp - exp > shift) shift = f->min_normal_exp - exp;
    exp += shift;
    uint64_t m = 0;
    bool decided = true;
    if (shift < 64) {
        uint64_t half = (uint64_t)1 << (shift - 1), low = m58 & (((uint64_t)1 << shift) - 1);
        m = m58 >> shift;
        if (low >= half) m++;                   /* at half the error makes it more than half */
        else if (low == half - 1) decided = false;
    }
    if (!decided && must_round_up(d, m, exp)) m++;
    if (m == (uint64_t)1 << f->mantissa_bits) {
        m >>= 1;
        exp++;
    }
    if (exp > f->max_exp) { *range = 1; return 0; }
    if (m == 0) { *range = -1; return 0; }
    uint64_t implicit = (uint64_t)1 << (f->mantissa_bits - 1);
    if (m < implicit) return m; /* subnormal */
    return (uint64_t)(exp + f->bias + f->mantissa_bits - 1) << (f->mantissa_bits - 1) | (m & (implicit - 1));
}

/* Stores a magnitude's bits with a sign into the output. */
static void store_bits(bool is_double, bool negative, uint64_t bits, double *d_out, float *f_out) {
    if (is_double) {
        bits |= (uint64_t)negative << 63;
        memcpy(d_out, &bits, 8);
    } else {
        uint32_t b32 = (uint32_t)bits | (uint32_t)negative << 31;
        memcpy(f_out, &b32, 4);
    }
}

/* ------------------------------------------------------------ SimpleAtof -- */

/* absl::SimpleAtof / SimpleAtod on s[0..n). */
static bool parse_real(const char *s, size_t n, bool is_double, double *d_out, float *f_out) {
    while (n > 0 && is_space(s[0])) s++, n--;
    while (n > 0 && is_space(s[n - 1])) n--;
    if (n > 0 && s[0] == '+') {
        s++, n--;
        if (n > 0 && s[0] == '-') return false;
    }
    bool negative = false;
    if (n > 0 && s[0] == '-') {
        negative = true;
        s++, n--;
    }
    if (n == 0) return false;
    char buf[64];
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        hex_parse h;
        if (!parse_hex(s + 2, n - 2, &h)) return false;
        buf[0] = '-';
        normalize_hex(&h, buf + 1, sizeof buf - 1);
        const char *text = negative ? buf : buf + 1;
        if (is_double) *d_out = strtod(text, NULL);
        else *f_out = strtof(text, NULL);
        return true;
    }
    if (n >= 3 && (s[0] == 'i' || s[0] == 'I')) {
        if (!same_caseless(s + 1, "nf", 2)) return false;
        size_t used = n >= 8 && same_caseless(s + 3, "inity", 5) ? 8 : 3;
        if (used != n) return false;
        if (is_double) *d_out = negative ? -INFINITY : INFINITY;
        else *f_out = negative ? -INFINITY : INFINITY;
        return true;
    }
    if (n >= 3 && (s[0] == 'n' || s[0] == 'N')) {
        if (!same_caseless(s + 1, "an", 2)) return false;
        char tag[128] = "";
        size_t used = 3;
        if (n > 3 && s[3] == '(') {
            size_t k = 4;
            while (k < n && is_nan_char(s[k])) k++;
            if (k < n && s[k] == ')') {
                size_t len = k - 4 < sizeof tag - 1 ? k - 4 : sizeof tag - 1;
                memcpy(tag, s + 4, len);
                tag[len] = '\0';
                used = k + 1;
            }
        }
        if (used != n) return false;
        if (is_double) *d_out = negative ? -nan(tag) : nan(tag);
        else *f_out = negative ? -nanf(tag) : nanf(tag);
        return true;
    }
    dec_parse d;
    if (!parse_decimal(s, n, &d)) return false;
    if (d.mantissa == 0) {
        store_bits(is_double, negative, 0, d_out, f_out);
        return true;
    }
    if (d.inexact) {
        int range;
        uint64_t bits = truncated_decimal(&d, is_double ? &ieee_double : &ieee_float, &range);
        if (range > 0) bits = is_double ? (uint64_t)0x7ff << 52 : (uint64_t)0xff << 23; /* inf */
        store_bits(is_double, negative, bits, d_out, f_out);
        return true;
    }
    /* An exact mantissa: absl rounds mantissa * 10^exponent correctly, as strtod does. */
    snprintf(buf, sizeof buf, "%s%" PRIu64 "e%" PRId64, negative ? "-" : "", d.mantissa,
             clamp_exponent(d.exponent));
    if (is_double) *d_out = strtod(buf, NULL);
    else *f_out = strtof(buf, NULL);
    return true;
}

/* absl::SimpleAtoi on s[0..n) into [lo, hi]. */
static bool parse_int(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out) {
    while (n > 0 && is_space(s[0])) s++, n--;
    while (n > 0 && is_space(s[n - 1])) n--;
    if (n == 0) return false;
    bool negative = s[0] == '-';
    if (negative || s[0] == '+') {
        s++, n--;
        if (n == 0) return false;
    }
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i])) return false;
        int d = s[i] - '0';
        if (negative) {
            if (v < (lo + d) / 10) return false;
            v = v * 10 - d;
        } else {
            if (v > (hi - d) / 10) return false;
            v = v * 10 + d;
        }
    }
    *out = v;
    return true;
}

/* ------------------------------------------------------------------- eval -- */

static tflc_status conversion_error(tflc_node *node, const char *s, size_t len) {
    /* TensorFlow prints the string as a C string: up to its first NUL. */
    const char *nul = memchr(s, 0, len);
    size_t shown = nul ? (size_t)(nul - s) : len;
    const size_t max_shown = 300;
    return tflc_node_fail(node, TFLC_ERROR_RUNTIME, "StringToNumberOp could not correctly convert string: %.*s%s",
                          (int)(shown < max_shown ? shown : max_shown), s, shown > max_shown ? "..." : "");
}

static tflc_status string_to_number_eval(tflc_node *node) {
    const string_to_number_params *p = node->params;
    const tflc_tensor *in = node->inputs[0];
    void *out = node->outputs[0]->data;
    size_t n = tflc_tensor_count(in);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *s = tflc_strings_get(in, i, &len);
        int64_t v;
        bool ok;
        switch (p->out) {
        case TFLC_FLOAT32: ok = parse_real(s, len, false, NULL, (float *)out + i); break;
        case TFLC_FLOAT64: ok = parse_real(s, len, true, (double *)out + i, NULL); break;
        case TFLC_INT32:
            ok = parse_int(s, len, INT32_MIN, INT32_MAX, &v);
            if (ok) ((int32_t *)out)[i] = (int32_t)v;
            break;
        default:
            ok = parse_int(s, len, INT64_MIN, INT64_MAX, &v);
            if (ok) ((int64_t *)out)[i] = v;
            break;
        }
        if (!ok) return conversion_error(node, s, len);
    }
    return TFLC_OK;
}

const tflc_kernel tflc_flex_kernel_string_to_number = {
    .name = "FlexStringToNumber",
    .params_size = sizeof(string_to_number_params),
    .prepare = string_to_number_prepare,
    .eval = string_to_number_eval,
};
