/*
 * npy.c -- numpy .npy reader and writer. See npy.h for what is supported.
 *
 * File layout (numpy/lib/format.py):
 *
 *     "\x93NUMPY" major minor   header_len (u16 LE in 1.0, u32 LE in 2.0 and 3.0)
 *     header: a Python dict literal, padded with spaces, ending in '\n'
 *         {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 *     data: count * itemsize bytes, C order
 *
 * The header is parsed as a small subset of Python literals: a dict of exactly the keys
 * 'descr' (a string), 'fortran_order' (True/False) and 'shape' (a tuple of integers), in any
 * order, with any spacing and an optional trailing comma.
 */
#include "npy.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* ----------------------------------------------------------------- errors -- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int npy_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ----------------------------------------------------------------- dtypes -- */

typedef struct npy_dtype_entry {
    char kind;
    size_t size;
    tflc_dtype dtype;
    const char *descr; /* what npy_save writes */
} npy_dtype_entry;

static const npy_dtype_entry npy_dtypes[] = {
    {'f', 2, TFLC_FLOAT16, "<f2"},    {'f', 4, TFLC_FLOAT32, "<f4"},
    {'f', 8, TFLC_FLOAT64, "<f8"},    {'i', 1, TFLC_INT8, "|i1"},
    {'i', 2, TFLC_INT16, "<i2"},      {'i', 4, TFLC_INT32, "<i4"},
    {'i', 8, TFLC_INT64, "<i8"},      {'u', 1, TFLC_UINT8, "|u1"},
    {'u', 2, TFLC_UINT16, "<u2"},     {'u', 4, TFLC_UINT32, "<u4"},
    {'u', 8, TFLC_UINT64, "<u8"},     {'b', 1, TFLC_BOOL, "|b1"},
    {'c', 8, TFLC_COMPLEX64, "<c8"},  {'c', 16, TFLC_COMPLEX128, "<c16"},
};
#define NPY_DTYPE_COUNT (sizeof npy_dtypes / sizeof npy_dtypes[0])

static const npy_dtype_entry *npy_entry_of(tflc_dtype dtype)
{
    for (size_t i = 0; i < NPY_DTYPE_COUNT; i++)
        if (npy_dtypes[i].dtype == dtype) return &npy_dtypes[i];
    return NULL;
}

const char *npy_descr_of(tflc_dtype dtype)
{
    const npy_dtype_entry *e = npy_entry_of(dtype);
    return e ? e->descr : NULL;
}

/* Fills kind, dtype and itemsize of `a` from its descr. */
static int npy_parse_descr(npy_array *a, char *err, size_t errlen)
{
    const char *d = a->descr;
    char order = d[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return npy_fail(err, errlen, "unsupported dtype '%s' (no byte-order mark)", d);
    char kind = d[1];
    const char *digits = d + 2;
    if (kind == '\0' || *digits == '\0' || strspn(digits, "0123456789") != strlen(digits) ||
        strlen(digits) > 9)
        return npy_fail(err, errlen, "unsupported dtype '%s'", d);
    size_t n = (size_t)strtoul(digits, NULL, 10);

    size_t unit; /* size of one byte-ordered scalar inside an element */
    if (kind == 'S') {
        if (n == 0) return npy_fail(err, errlen, "unsupported dtype '%s' (zero-size items)", d);
        a->dtype = TFLC_STRING;
        a->itemsize = n;
        unit = 1;
    } else if (kind == 'U') {
        if (n == 0) return npy_fail(err, errlen, "unsupported dtype '%s' (zero-size items)", d);
        a->dtype = TFLC_STRING;
        a->itemsize = 4 * n;
        unit = 4;
    } else {
        const npy_dtype_entry *e = NULL;
        for (size_t i = 0; i < NPY_DTYPE_COUNT; i++)
            if (npy_dtypes[i].kind == kind && npy_dtypes[i].size == n) e = &npy_dtypes[i];
        if (!e) return npy_fail(err, errlen, "unsupported dtype '%s'", d);
        a->dtype = e->dtype;
        a->itemsize = n;
        unit = kind == 'c' ? n / 2 : n;
    }
    if (order == '>' && unit > 1)
        return npy_fail(err, errlen,
                        "big-endian dtype '%s' is not supported (save it with "
                        "a.astype('<%c%s'))", d, kind, digits);
    a->kind = kind;
    return 0;
}

/* ----------------------------------------------------------- header parse -- */

typedef struct npy_parser {
    const char *p, *end;
    char *err;
    size_t errlen;
} npy_parser;

static void npy_skip_ws(npy_parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
                               *ps->p == '\r' || *ps->p == '\f' || *ps->p == '\v'))
        ps->p++;
}

static int npy_peek(npy_parser *ps)
{
    npy_skip_ws(ps);
    return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

static int npy_expect(npy_parser *ps, char c, const char *where)
{
    if (npy_peek(ps) != (unsigned char)c)
        return npy_fail(ps->err, ps->errlen, "bad npy header: expected '%c' %s", c, where);
    ps->p++;
    return 0;
}

/* A quoted Python string into out[0..outlen). Longer strings fail with `what`. */
static int npy_parse_string(npy_parser *ps, char *out, size_t outlen, const char *what)
{
    int q = npy_peek(ps);
    if (q != '\'' && q != '"')
        return npy_fail(ps->err, ps->errlen, "bad npy header: expected a string for %s", what);
    ps->p++;
    size_t n = 0;
    for (;;) {
        if (ps->p >= ps->end)
            return npy_fail(ps->err, ps->errlen, "bad npy header: unterminated string");
        char c = *ps->p++;
        if (c == (char)q) break;
        if (c == '\\') {
            if (ps->p >= ps->end)
                return npy_fail(ps->err, ps->errlen, "bad npy header: unterminated string");
            c = *ps->p++;
        }
        if (n + 1 >= outlen) {
            out[outlen - 1] = '\0';
            return npy_fail(ps->err, ps->errlen, "bad npy header: %s '%s...' is too long",
                            what, out);
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}

static int npy_parse_bool(npy_parser *ps, int *out)
{
    npy_skip_ws(ps);
    size_t left = (size_t)(ps->end - ps->p);
    if (left >= 4 && memcmp(ps->p, "True", 4) == 0) {
        *out = 1;
        ps->p += 4;
    } else if (left >= 5 && memcmp(ps->p, "False", 5) == 0) {
        *out = 0;
        ps->p += 5;
    } else {
        return npy_fail(ps->err, ps->errlen,
                        "bad npy header: 'fortran_order' must be True or False");
    }
    return 0;
}

/* (d0, d1, ...) with an optional trailing comma; () for a scalar. Also accepts [...] and
 * Python 2 long literals ("3L"). */
static int npy_parse_shape(npy_parser *ps, npy_array *a)
{
    int open = npy_peek(ps);
    if (open != '(' && open != '[')
        return npy_fail(ps->err, ps->errlen, "bad npy header: 'shape' must be a tuple");
    char close = open == '(' ? ')' : ']';
    ps->p++;
    a->rank = 0;
    for (;;) {
        int c = npy_peek(ps);
        if (c == close) break;
        if (c == '-')
            return npy_fail(ps->err, ps->errlen, "bad npy header: negative dimension in shape");
        if (c < '0' || c > '9')
            return npy_fail(ps->err, ps->errlen, "bad npy header: expected a dimension in shape");
        int64_t v = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            int digit = *ps->p++ - '0';
            if (v > (INT64_MAX - digit) / 10)
                return npy_fail(ps->err, ps->errlen, "shape overflow: a dimension exceeds 2^63");
            v = v * 10 + digit;
        }
        if (ps->p < ps->end && (*ps->p == 'L' || *ps->p == 'l')) ps->p++;
        if (a->rank == NPY_MAX_RANK)
            return npy_fail(ps->err, ps->errlen, "rank greater than %d is not supported",
                            NPY_MAX_RANK);
        a->shape[a->rank++] = v;
        c = npy_peek(ps);
        if (c == ',') {
            ps->p++;
        } else if (c != close) {
            return npy_fail(ps->err, ps->errlen, "bad npy header: expected ',' or '%c' in shape",
                            close);
        }
    }
    ps->p++;
    return 0;
}

static int npy_parse_header(const char *text, size_t len, npy_array *a, char *err,
                            size_t errlen)
{
    npy_parser ps = {text, text + len, err, errlen};
    int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0;
    if (npy_expect(&ps, '{', "at the start of the header")) return -1;
    for (;;) {
        if (npy_peek(&ps) == '}') break;
        char key[32];
        if (npy_parse_string(&ps, key, sizeof key, "key")) return -1;
        if (npy_expect(&ps, ':', "after a key")) return -1;
        if (strcmp(key, "descr") == 0) {
            if (npy_peek(&ps) == '[')
                return npy_fail(err, errlen, "structured dtypes are not supported");
            if (npy_parse_string(&ps, a->descr, sizeof a->descr, "descr")) return -1;
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (npy_parse_bool(&ps, &fortran)) return -1;
            have_fortran = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (npy_parse_shape(&ps, a)) return -1;
            have_shape = 1;
        } else {
            return npy_fail(err, errlen, "bad npy header: unexpected key '%s'", key);
        }
        int c = npy_peek(&ps);
        if (c == ',') {
            ps.p++;
        } else if (c != '}') {
            return npy_fail(err, errlen, "bad npy header: expected ',' or '}' after '%s'", key);
        }
    }
    ps.p++;
    npy_skip_ws(&ps);
    if (ps.p != ps.end)
        return npy_fail(err, errlen, "bad npy header: unexpected text after the dict");
    if (!have_descr || !have_fortran || !have_shape)
        return npy_fail(err, errlen, "bad npy header: missing key '%s'",
                        !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
    if (npy_parse_descr(a, err, errlen)) return -1;
    if (fortran) {
        /* Fortran and C order agree when at most one dimension is larger than 1. */
        int big = 0;
        for (int i = 0; i < a->rank; i++) big += a->shape[i] > 1;
        if (big > 1)
            return npy_fail(err, errlen,
                            "fortran_order arrays are not supported (save "
                            "np.ascontiguousarray(a) instead)");
    }
    return 0;
}

/* ------------------------------------------------------------------- load -- */

int npy_load_buffer(const void *buf, size_t size, npy_array *out, char *err, size_t errlen)
{
    const unsigned char *b = buf;
    npy_array a;
    memset(&a, 0, sizeof a);
    if (out) memset(out, 0, sizeof *out);
    if (!out || (!buf && size))
        return npy_fail(err, errlen, "npy_load_buffer: NULL argument");
    if (size < 10 || memcmp(b, npy_magic, sizeof npy_magic) != 0)
        return npy_fail(err, errlen, "not an npy file (no \\x93NUMPY magic)");
    int major = b[6], minor = b[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return npy_fail(err, errlen,
                        "unsupported npy format version %d.%d (supported: 1.0, 2.0, 3.0)",
                        major, minor);
    size_t prefix = major == 1 ? 10 : 12;
    if (size < prefix) return npy_fail(err, errlen, "truncated npy header");
    size_t hlen = major == 1 ? (size_t)b[8] | (size_t)b[9] << 8
                             : (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 |
                                   (size_t)b[11] << 24;
    if (hlen > size - prefix)
        return npy_fail(err, errlen, "truncated npy header: %zu header bytes, %zu present",
                        hlen, size - prefix);
    if (npy_parse_header((const char *)b + prefix, hlen, &a, err, errlen)) return -1;

    size_t count = 1;
    for (int i = 0; i < a.rank; i++) {
        uint64_t d = (uint64_t)a.shape[i];
        if (d != 0 && count > SIZE_MAX / a.itemsize / d)
            return npy_fail(err, errlen, "shape overflow: the array's byte size exceeds %zu",
                            (size_t)SIZE_MAX);
        count *= (size_t)d;
    }
    size_t bytes = count * a.itemsize;
    size_t avail = size - prefix - hlen;
    if (avail < bytes)
        return npy_fail(err, errlen, "truncated data: shape needs %zu bytes, file has %zu",
                        bytes, avail);
    a.count = count;
    a.data = malloc(bytes ? bytes : 1);
    if (!a.data) return npy_fail(err, errlen, "out of memory (%zu bytes)", bytes);
    if (bytes) memcpy(a.data, b + prefix + hlen, bytes);
    *out = a;
    return 0;
}

int npy_load(const char *path, npy_array *out, char *err, size_t errlen)
{
    if (out) memset(out, 0, sizeof *out);
    if (!path || !out) return npy_fail(err, errlen, "npy_load: NULL argument");
    FILE *f = fopen(path, "rb");
    if (!f) return npy_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return npy_fail(err, errlen, "%s: out of memory", path);
    }
    for (;;) {
        if (len == cap) {
            unsigned char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                fclose(f);
                return npy_fail(err, errlen, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return npy_fail(err, errlen, "%s: read error", path);
    }
    char msg[256];
    int rc = npy_load_buffer(buf, len, out, msg, sizeof msg);
    free(buf);
    if (rc) return npy_fail(err, errlen, "%s: %s", path, msg);
    return 0;
}

void npy_free(npy_array *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ------------------------------------------------------------------- save -- */

/* Encodes a whole file for `descr` with items of `itemsize` bytes into a malloc'ed buffer. */
static int encode_npy(const char *descr, size_t itemsize, const int32_t *dims, int rank,
                      const void *data, size_t bytes, void **buf_out, size_t *size_out,
                      char *err, size_t errlen)
{
    if (rank < 0 || rank > NPY_MAX_RANK)
        return npy_fail(err, errlen, "rank %d is not supported (0..%d)", rank, NPY_MAX_RANK);
    char header[256];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr);
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) return npy_fail(err, errlen, "negative dimension %d", (int)dims[i]);
        if (dims[i] != 0 && count > SIZE_MAX / itemsize / (size_t)dims[i])
            return npy_fail(err, errlen, "shape overflow");
        count *= (size_t)dims[i];
        n += snprintf(header + n, sizeof header - (size_t)n, i ? ", %d" : "%d", (int)dims[i]);
    }
    n += snprintf(header + n, sizeof header - (size_t)n, rank == 1 ? ",), }" : "), }");
    if (count * itemsize != bytes)
        return npy_fail(err, errlen, "data size %zu does not match shape (%zu bytes)", bytes,
                        count * itemsize);

    /* Pad with spaces so the data starts at a multiple of 64; the header ends in '\n'. */
    size_t hlen = (size_t)n + 1;
    size_t prefix = 10;
    size_t total_header = (prefix + hlen + 63) / 64 * 64;
    if (total_header - prefix > 65535) {
        prefix = 12;
        total_header = (prefix + hlen + 63) / 64 * 64;
    }
    hlen = total_header - prefix;
    if (bytes > SIZE_MAX - total_header) return npy_fail(err, errlen, "shape overflow");
    size_t size = total_header + bytes;
    unsigned char *buf = malloc(size);
    if (!buf) return npy_fail(err, errlen, "out of memory (%zu bytes)", size);
    memcpy(buf, npy_magic, sizeof npy_magic);
    buf[6] = prefix == 10 ? 1 : 2;
    buf[7] = 0;
    for (size_t i = 0; i < prefix - 8; i++) buf[8 + i] = (unsigned char)(hlen >> (8 * i));
    memset(buf + prefix, ' ', hlen);
    memcpy(buf + prefix, header, (size_t)n);
    buf[total_header - 1] = '\n';
    if (bytes) memcpy(buf + total_header, data, bytes);
    *buf_out = buf;
    *size_out = size;
    return 0;
}

int npy_save_buffer(tflc_dtype dtype, const int32_t *dims, int rank, const void *data,
                    size_t bytes, void **buf_out, size_t *size_out, char *err, size_t errlen)
{
    if (buf_out) *buf_out = NULL;
    if (size_out) *size_out = 0;
    if (!buf_out || !size_out || (rank > 0 && !dims) || (bytes && !data))
        return npy_fail(err, errlen, "npy_save: NULL argument");
    const npy_dtype_entry *e = npy_entry_of(dtype);
    if (!e) return npy_fail(err, errlen, "dtype %d has no .npy equivalent", (int)dtype);
    return encode_npy(e->descr, e->size, dims, rank, data, bytes, buf_out, size_out, err, errlen);
}

static int write_file(const char *path, const void *buf, size_t size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) return npy_fail(err, errlen, "%s: cannot create file", path);
    size_t wrote = fwrite(buf, 1, size, f);
    int closed = fclose(f);
    if (wrote != size || closed != 0) return npy_fail(err, errlen, "%s: write failed", path);
    return 0;
}

/* '|S<n>' with n the longest string (at least 1), each item padded with NUL bytes. */
int npy_save_strings(const char *path, const int32_t *dims, int rank, const tflc_string_ref *strings,
                     size_t count, char *err, size_t errlen)
{
    if (!path || (rank > 0 && !dims) || (count && !strings))
        return npy_fail(err, errlen, "npy_save_strings: NULL argument");
    size_t width = 1;
    for (size_t i = 0; i < count; i++)
        if (strings[i].size > width) width = strings[i].size;
    if (count && width > SIZE_MAX / count) return npy_fail(err, errlen, "strings too long");
    unsigned char *items = calloc(count ? count : 1, width);
    if (!items) return npy_fail(err, errlen, "out of memory");
    for (size_t i = 0; i < count; i++)
        if (strings[i].size) memcpy(items + i * width, strings[i].data, strings[i].size);
    char descr[32];
    snprintf(descr, sizeof descr, "|S%zu", width);
    void *buf = NULL;
    size_t size = 0;
    int rc = encode_npy(descr, width, dims, rank, items, count * width, &buf, &size, err, errlen);
    free(items);
    if (rc == 0) rc = write_file(path, buf, size, err, errlen);
    free(buf);
    return rc;
}

/* UTF-8 encoding of code point c into out (4 bytes room); returns the length, 0 if invalid. */
static size_t utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c >= 0xd800 && c < 0xe000) return 0;
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    if (c > 0x10ffff) return 0;
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

int npy_strings(const npy_array *a, tflc_string_ref **refs_out, char **storage_out, char *err,
                size_t errlen)
{
    *refs_out = NULL;
    *storage_out = NULL;
    if (a->kind != 'S' && a->kind != 'U')
        return npy_fail(err, errlen, "dtype '%s' is not a bytes or unicode string dtype", a->descr);
    size_t chars = a->kind == 'U' ? a->itemsize / 4 : a->itemsize;
    size_t per_item = a->kind == 'U' ? 4 * chars : chars; /* UTF-8 needs at most 4 per char */
    if (a->count && per_item > SIZE_MAX / a->count) return npy_fail(err, errlen, "strings too long");
    tflc_string_ref *refs = calloc(a->count ? a->count : 1, sizeof *refs);
    char *storage = malloc(a->count * per_item + 1);
    if (!refs || !storage) {
        free(refs);
        free(storage);
        return npy_fail(err, errlen, "out of memory");
    }
    const unsigned char *src = a->data;
    char *dst = storage;
    for (size_t i = 0; i < a->count; i++) {
        const unsigned char *item = src + i * a->itemsize;
        size_t len = 0;
        refs[i].data = dst;
        if (a->kind == 'S') {
            len = chars;
            while (len > 0 && item[len - 1] == 0) len--; /* numpy drops trailing NULs */
            memcpy(dst, item, len);
        } else {
            size_t n = chars;
            while (n > 0 && !(item[4 * (n - 1)] | item[4 * (n - 1) + 1] | item[4 * (n - 1) + 2] |
                              item[4 * (n - 1) + 3]))
                n--;
            for (size_t k = 0; k < n; k++) {
                const unsigned char *c = item + 4 * k;
                uint32_t cp = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 |
                              (uint32_t)c[3] << 24;
                size_t w = utf8_encode(cp, dst + len);
                if (w == 0) {
                    free(refs);
                    free(storage);
                    return npy_fail(err, errlen, "element %zu: invalid code point U+%X", i,
                                    (unsigned)cp);
                }
                len += w;
            }
        }
        refs[i].size = len;
        dst += len;
    }
    *refs_out = refs;
    *storage_out = storage;
    return 0;
}

int npy_save(const char *path, tflc_dtype dtype, const int32_t *dims, int rank,
             const void *data, size_t bytes, char *err, size_t errlen)
{
    if (!path) return npy_fail(err, errlen, "npy_save: NULL path");
    void *buf;
    size_t size;
    char msg[256];
    if (npy_save_buffer(dtype, dims, rank, data, bytes, &buf, &size, msg, sizeof msg))
        return npy_fail(err, errlen, "%s: %s", path, msg);
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(buf);
        return npy_fail(err, errlen, "%s: cannot create: %s", path, strerror(errno));
    }
    size_t w = fwrite(buf, 1, size, f);
    free(buf);
    int bad = w != size;
    if (fclose(f) != 0) bad = 1;
    if (bad) return npy_fail(err, errlen, "%s: write error", path);
    return 0;
}

/* ---------------------------------------------------------------- float16 -- */

float npy_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | man << 13;            /* inf, nan */
    } else if (exp != 0) {
        bits = sign | (exp + 112) << 23 | man << 13;      /* normal: rebias 15 -> 127 */
    } else if (man == 0) {
        bits = sign;                                      /* zero */
    } else {                                              /* subnormal: normalize */
        int e = -1;
        do {
            e++;
            man <<= 1;
        } while (!(man & 0x400));
        bits = sign | (uint32_t)(112 - e) << 23 | (man & 0x3ff) << 13;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t npy_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t exp = (x >> 23) & 0xff;
    uint32_t man = x & 0x7fffff;
    if (exp == 0xff) /* inf stays inf; nan keeps a quiet bit */
        return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 0x1f) return (uint16_t)(sign | 0x7c00); /* overflow -> inf */
    if (e <= 0) {
        if (e < -10) return sign; /* underflow -> signed zero */
        man |= 0x800000;          /* subnormal: shift the implicit bit in */
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t half = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = (uint32_t)e << 10 | man >> 13;
    uint32_t rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++; /* may carry into inf: ok */
    return (uint16_t)(sign | half);
}
