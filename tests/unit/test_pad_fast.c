/*
 * test_pad_fast.c -- PAD and PADV2 (pad.c: pad value first, then whole input rows) against
 * an element-by-element reference written here from the op's definition, which is what the
 * kernel computed before it copied rows: out[i] = in[i - before] where every coordinate is
 * inside the input, else the pad value (PADV2's constant; PAD's 0, the output zero point for
 * quantized tensors).
 *
 * Seeded random cases: every rank 1-5, ragged dims (1..7, and 0-size dims), paddings
 * 0..3 on any subset of dims (none, inner only, outer only, all), every element width
 * (int8, uint8, int16, float32, int64) with zero and non-zero pad values (a float constant
 * whose bytes differ, so the non-memset fill is taken; zero points of either sign).
 * Outputs are compared byte for byte.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops/shape_common.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0x2545F4914F6CDD1Dull
#include "rng.h"

typedef struct pad_case {
    int rank;
    int32_t dims[5], pads[10];    /* pads: (before, after) per dim */
    tflc_dtype dtype;
    bool v2;                      /* PADV2 with `constant` */
    unsigned char constant[8];
    int64_t zero_point;           /* PAD on int8/uint8/int16 */
} pad_case;

/* The reference: each output element from its coordinates. */
static void reference_pad(const pad_case *k, const unsigned char *in, const unsigned char *value,
                          unsigned char *out, const int32_t *out_dims, size_t elem) {
    size_t n = 1;
    for (int d = 0; d < k->rank; d++) n *= (size_t)out_dims[d];
    for (size_t i = 0; i < n; i++) {
        size_t rest = i, src = 0, in_stride = 1;
        bool inside = true;
        for (int d = k->rank - 1; d >= 0; d--) {
            int64_t c = (int64_t)(rest % (size_t)out_dims[d]) - k->pads[2 * d];
            rest /= (size_t)out_dims[d];
            if (c < 0 || c >= k->dims[d]) inside = false;
            else src += (size_t)c * in_stride;
            in_stride *= (size_t)k->dims[d];
        }
        memcpy(out + i * elem, inside ? in + src * elem : value, elem);
    }
}

/* The pad value the op uses for case k, as bytes. */
static void case_value(const pad_case *k, unsigned char *value, size_t elem) {
    memset(value, 0, 8);
    if (k->v2) memcpy(value, k->constant, elem);
    else if (k->dtype == I8) value[0] = (unsigned char)(int8_t)k->zero_point;
    else if (k->dtype == U8) value[0] = (unsigned char)k->zero_point;
    else if (k->dtype == I16) {
        int16_t z = (int16_t)k->zero_point;
        memcpy(value, &z, 2);
    }
}

static bool run_case(const pad_case *k) {
    static const float scale[] = {0.25f};
    const size_t elem = tflc_dtype_size(k->dtype);
    size_t n_in = 1, n_out = 1;
    int32_t out_dims[5];
    for (int d = 0; d < k->rank; d++) {
        out_dims[d] = k->dims[d] + k->pads[2 * d] + k->pads[2 * d + 1];
        n_in *= (size_t)k->dims[d];
        n_out *= (size_t)out_dims[d];
    }
    unsigned char *in = malloc(n_in * elem + 1), *want = malloc(n_out * elem + 1), value[8];
    for (size_t i = 0; i < n_in * elem; i++) in[i] = (unsigned char)rng();
    case_value(k, value, elem);
    reference_pad(k, in, value, want, out_dims, elem);
    opcase c;
    oc_init(&c, k->v2 ? &tflc_kernel_padv2 : &tflc_kernel_pad);
    tflc_tensor *x = oc_in(&c, k->dtype, k->rank, k->dims, in);
    const int32_t pshape[] = {k->rank, 2};
    oc_const(&c, I32, 2, pshape, k->pads);
    if (k->v2) oc_in(&c, k->dtype, 0, NULL, k->constant);
    tflc_tensor *y = oc_out(&c, k->dtype);
    if (!k->v2 && (k->dtype == I8 || k->dtype == U8 || k->dtype == I16)) {
        oc_quant_per_tensor(&c, x, scale, &k->zero_point);
        oc_quant_per_tensor(&c, y, scale, &k->zero_point);
    }
    tflc_status s = oc_run(&c);
    bool ok = s == TFLC_OK && shape_is(y, k->rank, out_dims) && y->bytes == n_out * elem &&
              memcmp(y->data, want, n_out * elem) == 0;
    if (!ok) {
        fprintf(stderr, "  %s %s rank %d dims", k->v2 ? "PADV2" : "PAD", tflc_dtype_name(k->dtype),
                k->rank);
        for (int d = 0; d < k->rank; d++)
            fprintf(stderr, " %d(+%d,%d)", k->dims[d], k->pads[2 * d], k->pads[2 * d + 1]);
        fprintf(stderr, "\n");
    }
    oc_free(&c);
    free(in);
    free(want);
    return ok;
}

/* Which dims get padding: 0 all, 1 none, 2 innermost only, 3 outer ones only, 4 random. */
static void random_pads(pad_case *k, int style) {
    for (int d = 0; d < k->rank; d++) {
        bool padded = style == 0 || (style == 2 && d == k->rank - 1) ||
                      (style == 3 && d < k->rank - 1) || (style == 4 && rng() % 2 == 0);
        k->pads[2 * d] = padded ? rng_range(0, 3) : 0;
        k->pads[2 * d + 1] = padded ? rng_range(0, 3) : 0;
    }
}

static pad_case random_case(void) {
    static const tflc_dtype types[] = {I8, U8, I16, F32, I64};
    pad_case k;
    memset(&k, 0, sizeof k);
    k.rank = rng_range(1, 5);
    for (int d = 0; d < k.rank; d++) k.dims[d] = rng() % 12 == 0 ? 0 : rng_range(1, 7);
    random_pads(&k, (int)(rng() % 5));
    k.dtype = types[rng() % 5];
    k.v2 = rng() % 2 == 0;
    if (k.dtype == F32) {
        float v = rng() % 3 == 0 ? 0.0f : -1.5f + (float)(rng() % 7);
        memcpy(k.constant, &v, 4);
    } else {
        for (int i = 0; i < 8; i++) k.constant[i] = rng() % 3 == 0 ? 0 : (unsigned char)rng();
    }
    if (k.dtype == I8) k.zero_point = rng_range(-128, 127);
    else if (k.dtype == U8) k.zero_point = rng_range(0, 255);
    else if (k.dtype == I16) k.zero_point = rng() % 2 ? 0 : rng_range(-300, 300);
    return k;
}

static void test_pad_random(void) {
    int failures = 0;
    for (int i = 0; i < 3000 && failures < 5; i++) {
        pad_case k = random_case();
        if (!run_case(&k)) failures++;
    }
    CHECK(failures == 0);
}

/* The two ResNet50 pads (224x224x3 image, 112x112x64 map, int8 and float32), and a
 * [1,5,5,3] map padded on batch and channels too. */
static void test_pad_shapes(void) {
    pad_case k;
    memset(&k, 0, sizeof k);
    k.rank = 4;
    const int32_t img[] = {1, 224, 224, 3}, map[] = {1, 112, 112, 64}, small[] = {1, 5, 5, 3};
    const int32_t pimg[] = {0, 0, 3, 3, 3, 3, 0, 0}, pmap[] = {0, 0, 1, 1, 1, 1, 0, 0};
    const int32_t pall[] = {1, 2, 0, 1, 2, 0, 1, 3};
    const int32_t *dims[] = {img, map, small}, *pads[] = {pimg, pmap, pall};
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 2; t++) {
            memcpy(k.dims, dims[s], sizeof img);
            memcpy(k.pads, pads[s], sizeof pimg);
            k.dtype = t ? F32 : I8;
            k.zero_point = -17;
            CHECK(run_case(&k));
        }
}

/* Rank 1 (the padded dim is the only, contiguous one) and a 0-size input padded to a
 * non-empty output (all pad value). */
static void test_pad_edges(void) {
    pad_case k;
    memset(&k, 0, sizeof k);
    k.rank = 1;
    k.dims[0] = 1;
    k.pads[0] = 2;
    k.pads[1] = 3;
    k.dtype = I16;
    k.zero_point = -3;
    CHECK(run_case(&k));
    k.rank = 3;
    const int32_t d0[] = {2, 0, 3}, p0[] = {0, 1, 2, 1, 0, 0};
    memcpy(k.dims, d0, sizeof d0);
    memcpy(k.pads, p0, sizeof p0);
    k.dtype = F32;
    k.v2 = true;
    const float v = 2.5f;
    memcpy(k.constant, &v, 4);
    CHECK(run_case(&k));
}

static void run_tests(void) {
    TEST(test_pad_random);
    TEST(test_pad_shapes);
    TEST(test_pad_edges);
}

TEST_MAIN()
