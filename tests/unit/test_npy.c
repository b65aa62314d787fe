/*
 * test_npy.c -- the .npy reader and writer (tools/npy.c): round trips for every dtype and
 * ranks 0..3, header variants numpy and hand-written files use, and every error.
 * Needs no python: files are built here byte by byte or written with npy_save.
 */
#include <stdint.h>
#include <unistd.h>

#include "npy.h"
#include "test.h"

/* ---------------------------------------------------------------- helpers -- */

/* CHECK_STR_CONTAINS on a char array (through a pointer: -Waddress rejects `array ?`). */
#define CHECK_ERR(buf, needle)                                                              \
    do {                                                                                    \
        const char *check_err_ = (buf);                                                     \
        CHECK_STR_CONTAINS(check_err_, needle);                                             \
    } while (0)

/* A .npy image: magic, version major.minor, the header text verbatim, then data. */
static unsigned char *make_npy(int major, int minor, const char *header, const void *data,
                               size_t datalen, size_t *size_out)
{
    size_t hlen = strlen(header);
    size_t prefix = major == 1 ? 10 : 12;
    unsigned char *b = malloc(prefix + hlen + datalen + 1);
    if (!b) abort();
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = (unsigned char)minor;
    for (size_t i = 0; i < prefix - 8; i++) b[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(b + prefix, header, hlen);
    if (datalen) memcpy(b + prefix + hlen, data, datalen);
    *size_out = prefix + hlen + datalen;
    return b;
}

/* Loads a v1 image of header + data; returns npy_load_buffer's result, message in err. */
static int load_v(int major, const char *header, const void *data, size_t datalen,
                  npy_array *a, char *err, size_t errlen)
{
    size_t size;
    unsigned char *b = make_npy(major, 0, header, data, datalen, &size);
    int rc = npy_load_buffer(b, size, a, err, errlen);
    free(b);
    return rc;
}

/* Expects header (v1) + datalen zero bytes to fail with a message containing `needle`. */
static void expect_error(const char *header, size_t datalen, const char *needle)
{
    unsigned char zeros[64] = {0};
    char err[256] = "";
    npy_array a;
    int rc = load_v(1, header, zeros, datalen, &a, err, sizeof err);
    CHECK_MSG(rc != 0, "header accepted: %s", header);
    CHECK_ERR(err, needle);
    CHECK(a.data == NULL);
    npy_free(&a);
}

/* ------------------------------------------------------------ round trips -- */

typedef struct dtype_case {
    tflc_dtype dtype;
    const char *descr;
    size_t itemsize;
} dtype_case;

static const dtype_case all_dtypes[] = {
    {TFLC_FLOAT16, "<f2", 2},    {TFLC_FLOAT32, "<f4", 4},    {TFLC_FLOAT64, "<f8", 8},
    {TFLC_INT8, "|i1", 1},       {TFLC_INT16, "<i2", 2},      {TFLC_INT32, "<i4", 4},
    {TFLC_INT64, "<i8", 8},      {TFLC_UINT8, "|u1", 1},      {TFLC_UINT16, "<u2", 2},
    {TFLC_UINT32, "<u4", 4},     {TFLC_UINT64, "<u8", 8},     {TFLC_BOOL, "|b1", 1},
    {TFLC_COMPLEX64, "<c8", 8},  {TFLC_COMPLEX128, "<c16", 16},
};

static void test_round_trip_every_dtype_and_rank(void)
{
    static const int32_t shapes[4][3] = {{0}, {5}, {2, 3}, {2, 1, 3}};
    for (size_t d = 0; d < sizeof all_dtypes / sizeof all_dtypes[0]; d++) {
        const dtype_case *dc = &all_dtypes[d];
        CHECK(strcmp(npy_descr_of(dc->dtype), dc->descr) == 0);
        for (int rank = 0; rank <= 3; rank++) {
            size_t count = 1;
            for (int i = 0; i < rank; i++) count *= (size_t)shapes[rank][i];
            size_t bytes = count * dc->itemsize;
            unsigned char data[6 * 16];
            for (size_t i = 0; i < bytes; i++) data[i] = (unsigned char)(i * 37 + d + 1);
            if (dc->dtype == TFLC_BOOL)
                for (size_t i = 0; i < bytes; i++) data[i] &= 1;

            void *buf;
            size_t size;
            char err[256] = "";
            int rc = npy_save_buffer(dc->dtype, shapes[rank], rank, data, bytes, &buf, &size,
                                     err, sizeof err);
            CHECK_MSG(rc == 0, "%s rank %d: %s", dc->descr, rank, err);
            if (rc) continue;
            CHECK((size - bytes) % 64 == 0);
            npy_array a;
            rc = npy_load_buffer(buf, size, &a, err, sizeof err);
            free(buf);
            CHECK_MSG(rc == 0, "%s rank %d: %s", dc->descr, rank, err);
            if (rc) continue;
            CHECK(strcmp(a.descr, dc->descr) == 0);
            CHECK(a.dtype == dc->dtype);
            CHECK(a.itemsize == dc->itemsize);
            CHECK(a.rank == rank);
            for (int i = 0; i < rank; i++) CHECK(a.shape[i] == shapes[rank][i]);
            CHECK(a.count == count);
            CHECK(a.data != NULL && memcmp(a.data, data, bytes) == 0);
            npy_free(&a);
            CHECK(a.data == NULL);
        }
    }
}

static void test_round_trip_through_file(void)
{
    char dir[] = "/tmp/test_npy_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/a.npy", dir);
    const float v[6] = {1.5f, -2.0f, 0.0f, 3.25f, 1e-30f, -7.0f};
    const int32_t dims[2] = {3, 2};
    char err[256] = "";
    CHECK_MSG(npy_save(path, TFLC_FLOAT32, dims, 2, v, sizeof v, err, sizeof err) == 0, "%s",
              err);
    npy_array a;
    CHECK_MSG(npy_load(path, &a, err, sizeof err) == 0, "%s", err);
    CHECK(a.dtype == TFLC_FLOAT32 && a.rank == 2 && a.shape[0] == 3 && a.shape[1] == 2);
    CHECK(a.count == 6 && a.data && memcmp(a.data, v, sizeof v) == 0);
    npy_free(&a);
    npy_free(&a); /* twice is harmless */
    npy_free(NULL);
    remove(path);
    rmdir(dir);
}

static void test_zero_size_array(void)
{
    const int32_t dims[2] = {0, 3};
    void *buf;
    size_t size;
    char err[256] = "";
    CHECK(npy_save_buffer(TFLC_FLOAT32, dims, 2, NULL, 0, &buf, &size, err, sizeof err) == 0);
    npy_array a;
    CHECK_MSG(npy_load_buffer(buf, size, &a, err, sizeof err) == 0, "%s", err);
    CHECK(a.rank == 2 && a.shape[0] == 0 && a.shape[1] == 3 && a.count == 0 && a.data);
    npy_free(&a);
    free(buf);
}

/* -------------------------------------------------------- numpy's format -- */

/* np.save(f, np.arange(12, dtype=np.float32).reshape(3, 4)): the header npy_save writes
 * must be byte-identical to numpy's. */
static void test_header_matches_numpy(void)
{
    const char *numpy_header =
        "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"
        "                                                          \n";
    float v[12];
    for (int i = 0; i < 12; i++) v[i] = (float)i;
    const int32_t dims[2] = {3, 4};
    void *buf;
    size_t size;
    char err[256] = "";
    CHECK(npy_save_buffer(TFLC_FLOAT32, dims, 2, v, sizeof v, &buf, &size, err, sizeof err) ==
          0);
    CHECK(size == 128 + sizeof v);
    CHECK(memcmp(buf, numpy_header, 128) == 0);
    free(buf);

    /* numpy's scalar and rank-1 spellings: shape () and (5,) */
    const int8_t s = -3;
    CHECK(npy_save_buffer(TFLC_INT8, NULL, 0, &s, 1, &buf, &size, err, sizeof err) == 0);
    CHECK(strstr((const char *)buf + 10, "'shape': (), }") != NULL);
    free(buf);
    const int32_t five = 5;
    uint8_t five_bytes[5] = {1, 2, 3, 4, 5};
    CHECK(npy_save_buffer(TFLC_UINT8, &five, 1, five_bytes, 5, &buf, &size, err, sizeof err) ==
          0);
    CHECK(strstr((const char *)buf + 10, "{'descr': '|u1', 'fortran_order': False, "
                                         "'shape': (5,), }") != NULL);
    free(buf);
}

/* ---------------------------------------------------------- header forms -- */

static void test_header_variants(void)
{
    const int16_t v[6] = {1, -2, 3, -4, 5, -6};
    char err[256] = "";
    npy_array a;
    static const char *headers[] = {
        "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }\n",
        "{'descr':'<i2','fortran_order':False,'shape':(2,3)}",
        "{ 'shape' : ( 2 , 3 ) , 'fortran_order' : False , 'descr' : '<i2' }   \n",
        "{\"descr\": \"<i2\", \"fortran_order\": False, \"shape\": (2, 3,)}",
        "{'fortran_order': False,\n\t'descr': '<i2',\n\t'shape': [2, 3],\n}\n",
        "{'descr': '<i2', 'fortran_order': False, 'shape': (2L, 3L), }\n", /* Python 2 */
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        for (int major = 1; major <= 3; major++) {
            int rc = load_v(major, headers[i], v, sizeof v, &a, err, sizeof err);
            CHECK_MSG(rc == 0, "v%d header %zu: %s", major, i, err);
            if (rc) continue;
            CHECK(a.dtype == TFLC_INT16 && a.rank == 2 && a.shape[0] == 2 && a.shape[1] == 3);
            CHECK(memcmp(a.data, v, sizeof v) == 0);
            npy_free(&a);
        }
    }

    /* trailing bytes after the data are ignored, as numpy does */
    unsigned char extra[8] = {7, 0, 1, 2, 3, 4, 5, 6};
    CHECK(load_v(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }", extra, 8, &a,
                 err, sizeof err) == 0);
    CHECK(a.count == 1 && ((int16_t *)a.data)[0] == 7);
    npy_free(&a);
}

static void test_scalar_and_rank1(void)
{
    const double d = 2.5;
    char err[256] = "";
    npy_array a;
    CHECK(load_v(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", &d, 8, &a, err,
                 sizeof err) == 0);
    CHECK(a.rank == 0 && a.count == 1 && a.dtype == TFLC_FLOAT64 && *(double *)a.data == 2.5);
    npy_free(&a);
    const int64_t q[5] = {1, 2, 3, 4, -5};
    CHECK(load_v(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }", q, sizeof q,
                 &a, err, sizeof err) == 0);
    CHECK(a.rank == 1 && a.shape[0] == 5 && a.count == 5 && ((int64_t *)a.data)[4] == -5);
    npy_free(&a);
}

static void test_byte_order_marks(void)
{
    const unsigned char b[3] = {1, 0, 255};
    char err[256] = "";
    npy_array a;
    static const struct {
        const char *descr;
        tflc_dtype dtype;
    } ok[] = {{"<i1", TFLC_INT8}, {"|i1", TFLC_INT8}, {">i1", TFLC_INT8},
              {"|u1", TFLC_UINT8}, {"<u1", TFLC_UINT8}, {"|b1", TFLC_BOOL},
              {"=i1", TFLC_INT8}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char header[128];
        snprintf(header, sizeof header,
                 "{'descr': '%s', 'fortran_order': False, 'shape': (3,), }", ok[i].descr);
        int rc = load_v(1, header, b, 3, &a, err, sizeof err);
        CHECK_MSG(rc == 0, "%s: %s", ok[i].descr, err);
        if (rc) continue;
        CHECK(a.dtype == ok[i].dtype && a.itemsize == 1 && a.count == 3);
        CHECK(strcmp(a.descr, ok[i].descr) == 0);
        npy_free(&a);
    }
}

static void test_string_dtypes(void)
{
    char err[256] = "";
    npy_array a;
    /* np.array([b"ab", b"c"]) */
    CHECK(load_v(1, "{'descr': '|S2', 'fortran_order': False, 'shape': (2,), }", "abc\0", 4,
                 &a, err, sizeof err) == 0);
    CHECK(a.dtype == TFLC_STRING && a.kind == 'S' && a.itemsize == 2 && a.count == 2);
    CHECK(memcmp(a.data, "abc\0", 4) == 0);
    npy_free(&a);
    /* np.array(["ab", "c"]): UTF-32 code units */
    const uint32_t u[4] = {'a', 'b', 'c', 0};
    CHECK(load_v(3, "{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }", u, sizeof u,
                 &a, err, sizeof err) == 0);
    CHECK(a.dtype == TFLC_STRING && a.kind == 'U' && a.itemsize == 8 && a.count == 2);
    npy_free(&a);
    expect_error("{'descr': '>U2', 'fortran_order': False, 'shape': (1,), }", 8, "big-endian");
    expect_error("{'descr': '|S0', 'fortran_order': False, 'shape': (1,), }", 8, "'|S0'");
}

static void test_fortran_order_same_layout_accepted(void)
{
    const float v[3] = {1, 2, 3};
    char err[256] = "";
    npy_array a;
    CHECK_MSG(load_v(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", v, 12, &a,
                     err, sizeof err) == 0, "%s", err);
    npy_free(&a);
    CHECK_MSG(load_v(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 1), }", v, 12,
                     &a, err, sizeof err) == 0, "%s", err);
    npy_free(&a);
}

/* ----------------------------------------------------------------- errors -- */

static void test_error_not_npy(void)
{
    char err[256] = "";
    npy_array a;
    const char *text = "hello, this is not numpy";
    CHECK(npy_load_buffer(text, strlen(text), &a, err, sizeof err) != 0);
    CHECK_ERR(err, "not an npy file");
    CHECK(npy_load_buffer("", 0, &a, err, sizeof err) != 0);
    CHECK_ERR(err, "not an npy file");
    CHECK(npy_load_buffer("\x93NUMPY\x01", 7, &a, err, sizeof err) != 0);
    CHECK_ERR(err, "not an npy file");
    /* err may be NULL */
    CHECK(npy_load_buffer(text, strlen(text), &a, NULL, 0) != 0);
}

static void test_error_version(void)
{
    char err[256] = "";
    npy_array a;
    size_t size;
    unsigned char *b = make_npy(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                                "\0\0\0\0", 4, &size);
    b[6] = 4;
    CHECK(npy_load_buffer(b, size, &a, err, sizeof err) != 0);
    CHECK_ERR(err, "unsupported npy format version 4.0");
    b[6] = 1;
    b[7] = 1;
    CHECK(npy_load_buffer(b, size, &a, err, sizeof err) != 0);
    CHECK_ERR(err, "unsupported npy format version 1.1");
    free(b);
}

static void test_error_big_endian(void)
{
    expect_error("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", 4,
                 "big-endian dtype '>f4'");
    expect_error("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }", 8, "big-endian");
    expect_error("{'descr': '>c8', 'fortran_order': False, 'shape': (1,), }", 8, "big-endian");
}

static void test_error_fortran_order(void)
{
    expect_error("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24,
                 "fortran_order");
}

static void test_error_truncated(void)
{
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 23,
                 "truncated data: shape needs 24 bytes, file has 23");
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 0, "truncated data");
    /* header length larger than the file */
    char err[256] = "";
    npy_array a;
    size_t size;
    unsigned char *b = make_npy(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                                NULL, 0, &size);
    CHECK(npy_load_buffer(b, size - 5, &a, err, sizeof err) != 0);
    CHECK_ERR(err, "truncated npy header");
    CHECK(npy_load_buffer(b, 11, &a, err, sizeof err) != 0); /* v1 prefix complete, no text */
    CHECK_ERR(err, "truncated npy header");
    free(b);
    b = make_npy(2, 0, "{}", NULL, 0, &size);
    CHECK(npy_load_buffer(b, 11, &a, err, sizeof err) != 0); /* v2 prefix cut short */
    CHECK_ERR(err, "truncated npy header");
    free(b);
}

static void test_error_shape_overflow(void)
{
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                 0, "shape overflow");
    expect_error("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", 0,
                 "shape overflow");
    expect_error("{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                 0, "shape overflow");
    /* a huge shape with no data behind it is truncated, not an allocation attempt */
    expect_error("{'descr': '|u1', 'fortran_order': False, 'shape': (1000000000000,), }", 0,
                 "truncated data");
}

static void test_error_rank(void)
{
    /* rank 8 is fine */
    char err[256] = "";
    npy_array a;
    const float f = 1.0f;
    CHECK_MSG(load_v(1, "{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (1, 1, 1, 1, 1, 1, 1, 1), }",
                     &f, 4, &a, err, sizeof err) == 0, "%s", err);
    CHECK(a.rank == 8);
    npy_free(&a);
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), "
                 "}", 4, "rank greater than 8");
}

static void test_error_bad_headers(void)
{
    expect_error("{'descr': '<f3', 'fortran_order': False, 'shape': (1,), }", 4,
                 "unsupported dtype '<f3'");
    expect_error("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8,
                 "unsupported dtype '|O'");
    expect_error("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }", 8,
                 "unsupported dtype");
    expect_error("{'descr': 'f4', 'fortran_order': False, 'shape': (1,), }", 4,
                 "unsupported dtype");
    expect_error("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4,
                 "structured dtypes");
    expect_error("{'descr': '<f4', 'fortran_order': False, }", 4, "missing key 'shape'");
    expect_error("{'fortran_order': False, 'shape': (1,), }", 4, "missing key 'descr'");
    expect_error("{'descr': '<f4', 'shape': (1,), }", 4, "missing key 'fortran_order'");
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4,
                 "unexpected key 'x'");
    expect_error("{'descr': '<f4', 'fortran_order': false, 'shape': (1,), }", 4, "True or False");
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4,
                 "negative dimension");
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1 2), }", 4, "shape");
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': 1, }", 4, "tuple");
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x", 4,
                 "after the dict");
    expect_error("{'descr': '<f4' 'fortran_order': False, 'shape': (1,), }", 4, "expected ','");
    expect_error("{'descr: '<f4', 'fortran_order': False, 'shape': (1,), }", 4, "expected ':'");
    expect_error("{'descr': '<f4", 4, "unterminated string");
    expect_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1,", 4, "shape");
    expect_error("['descr', '<f4']", 4, "expected '{'");
    expect_error("", 4, "expected '{'");
    expect_error("{'descr': '<f4aaaaaaaaaaaaaaaaaaaaaaaaa', 'fortran_order': False, 'shape': (), }",
                 4, "too long");
}

static void test_error_load_missing_file(void)
{
    char err[256] = "";
    npy_array a;
    CHECK(npy_load("/nonexistent/dir/x.npy", &a, err, sizeof err) != 0);
    CHECK_ERR(err, "/nonexistent/dir/x.npy");
    CHECK_ERR(err, "cannot open");
    CHECK(a.data == NULL);
}

static void test_error_save(void)
{
    char err[256] = "";
    void *buf;
    size_t size;
    const int32_t dims[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    const float f = 0;
    CHECK(npy_save_buffer(TFLC_FLOAT32, dims, 1, &f, 3, &buf, &size, err, sizeof err) != 0);
    CHECK_ERR(err, "does not match");
    CHECK(buf == NULL);
    CHECK(npy_save_buffer(TFLC_FLOAT32, dims, 9, &f, 4, &buf, &size, err, sizeof err) != 0);
    CHECK_ERR(err, "rank 9");
    CHECK(npy_save_buffer(TFLC_STRING, dims, 1, &f, 4, &buf, &size, err, sizeof err) != 0);
    CHECK_ERR(err, "no .npy equivalent");
    CHECK(npy_save_buffer(TFLC_BFLOAT16, dims, 1, &f, 2, &buf, &size, err, sizeof err) != 0);
    const int32_t neg[1] = {-1};
    CHECK(npy_save_buffer(TFLC_FLOAT32, neg, 1, &f, 4, &buf, &size, err, sizeof err) != 0);
    CHECK_ERR(err, "negative");
    CHECK(npy_save("/nonexistent/dir/x.npy", TFLC_FLOAT32, dims, 1, &f, 4, err, sizeof err) != 0);
    CHECK_ERR(err, "/nonexistent/dir/x.npy");
    CHECK(npy_descr_of(TFLC_STRING) == NULL);
}

/* ---------------------------------------------------------------- float16 -- */

static void test_float16(void)
{
    CHECK(npy_f16_to_f32(0x3c00) == 1.0f);
    CHECK(npy_f16_to_f32(0xc000) == -2.0f);
    CHECK(npy_f16_to_f32(0x7bff) == 65504.0f);
    CHECK(npy_f16_to_f32(0x0001) == 5.9604644775390625e-8f);
    CHECK(npy_f16_to_f32(0x03ff) == 6.097555160522461e-5f);
    CHECK(isinf(npy_f16_to_f32(0x7c00)) && npy_f16_to_f32(0xfc00) < 0);
    CHECK(isnan(npy_f16_to_f32(0x7e00)));
    CHECK(npy_f32_to_f16(1.0f) == 0x3c00);
    CHECK(npy_f32_to_f16(0.1f) == 0x2e66);
    CHECK(npy_f32_to_f16(65504.0f) == 0x7bff);
    CHECK(npy_f32_to_f16(65520.0f) == 0x7c00); /* rounds to inf */
    CHECK(npy_f32_to_f16(65519.0f) == 0x7bff);
    CHECK(npy_f32_to_f16(1e-8f) == 0x0000);
    CHECK(npy_f32_to_f16(-0.0f) == 0x8000);
    CHECK(npy_f32_to_f16(2.98023224e-8f) == 0x0000); /* half of the smallest: ties to even */
    CHECK(npy_f32_to_f16(nextafterf(2.98023224e-8f, 1.0f)) == 0x0001);
    CHECK(npy_f32_to_f16(1.00048828125f) == 0x3c00); /* tie between 0x3c00 and 0x3c01 */
    CHECK(npy_f32_to_f16(1.00146484375f) == 0x3c02); /* tie between 0x3c01 and 0x3c02 */
    CHECK(npy_f32_to_f16(6.1035156e-05f) == 0x0400); /* smallest normal */
    /* every half survives a round trip through float */
    int bad = 0;
    for (uint32_t h = 0; h <= 0xffff; h++) {
        float f = npy_f16_to_f32((uint16_t)h);
        uint16_t back = npy_f32_to_f16(f);
        if (isnan(f) ? !(back & 0x7c00) || !(back & 0x3ff) : back != h) bad++;
    }
    CHECK_MSG(bad == 0, "%d halves do not round-trip", bad);
}

static void run_tests(void)
{
    TEST(test_round_trip_every_dtype_and_rank);
    TEST(test_round_trip_through_file);
    TEST(test_zero_size_array);
    TEST(test_header_matches_numpy);
    TEST(test_header_variants);
    TEST(test_scalar_and_rank1);
    TEST(test_byte_order_marks);
    TEST(test_string_dtypes);
    TEST(test_fortran_order_same_layout_accepted);
    TEST(test_error_not_npy);
    TEST(test_error_version);
    TEST(test_error_big_endian);
    TEST(test_error_fortran_order);
    TEST(test_error_truncated);
    TEST(test_error_shape_overflow);
    TEST(test_error_rank);
    TEST(test_error_bad_headers);
    TEST(test_error_load_missing_file);
    TEST(test_error_save);
    TEST(test_float16);
}

TEST_MAIN()
