/*
 * test_f32_elementwise.c -- the vectorized float LOGISTIC / TANH / GELU (src/kernels/f32_vunary.h)
 * and ADD / SUB / MUL / DIV (src/kernels/f32_vbinary.h): every ISA variant this CPU has,
 * forced through its config, against the portable scalar one; the scalar ones against
 * their specifications; and the operators that use them.
 *
 * Every comparison here is exact (bits; NaN equal to NaN):
 *   - LOGISTIC, TANH and GELU (both forms) are Eigen's algorithms without FMA in every
 *     variant, so all variants give the same bits, and those bits are LiteRT's: the
 *     scalar config is checked against outputs of LiteRT 2.3's builtin kernels
 *     (BUILTIN_WITHOUT_DEFAULT_DELEGATES)
 *     recorded below, including infinities, signed zeros, denormals and the cut-offs. Their
 *     distance to the true function (computed in double) is also bounded: measured on every
 *     37th float, at most 7 ulp for LOGISTIC (Eigen's exp(x/2)^2 doubles the error of its
 *     exp) and 6 ulp for TANH, in the normal range; the tests allow 8 and 7.
 *   - ADD / SUB / MUL / DIV are one correctly rounded operation and a clamp per element:
 *     the same bits as a plain loop, whatever the vector width.
 * Ragged lengths 0..70 cover every tail of 8- and 16-lane loops; arrays end against a
 * PROT_NONE page, so a load or store past the last element faults.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/f32_vbinary.h"
#include "kernels/f32_vunary.h"
#include "guarded.h"
#include "test.h"
#include "isa_configs.h"
#include "op_harness.h"

/* ------------------------------------------------------------- helpers -- */

#define TEST_RNG_SEED 0x9E3779B97F4A7C15ull
#include "rng.h"

/* Distance in representable floats (finite a, b). */
static int64_t ulp_distance(float a, float b) {
    int64_t ia = (int32_t)to_bits(a), ib = (int32_t)to_bits(b);
    if (ia < 0) ia = (int64_t)INT32_MIN - ia;
    if (ib < 0) ib = (int64_t)INT32_MIN - ib;
    return ia > ib ? ia - ib : ib - ia;
}

static const tflc_f32_vunary_config *unary[TFLC_ISA_COUNT];
static const tflc_f32_vbinary_config *binary[TFLC_ISA_COUNT];
static int n_unary, n_binary;

/* Values every test mixes in: specials and the cut-offs of both functions, one ulp apart. */
static const float specials[] = {
    0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN,
    1e-45f, -1e-45f, 1e-38f, -1e-38f, 1.0f, -1.0f, 0.5f, -104.0f, -103.99999f, -104.00001f,
    16.6355324f, 16.635534f, 7.90738964f, -7.90738964f, 7.9073901f, -7.9073901f, 88.72f,
    -88.72f, 3e38f, -3e38f, 0.0004f, -0.0004f,
};

/* ----------------------------------------------------------------- unary -- */

typedef enum { SIGMOID, TANH, GELU, GELU_TANH } unary_kind;

static const char *const unary_name[] = {"sigmoid", "tanh", "gelu", "gelu_tanh"};

static tflc_f32_vunary_fn unary_fn(const tflc_f32_vunary_config *cfg, unary_kind k) {
    switch (k) {
    case SIGMOID: return cfg->sigmoid;
    case TANH: return cfg->tanh;
    case GELU: return cfg->gelu;
    case GELU_TANH: return cfg->gelu_tanh;
    }
    return NULL;
}

static void test_variants_found(void) {
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++) {
        const tflc_f32_vunary_config *u = tflc_f32_vunary_config_for((tflc_isa)isa);
        const tflc_f32_vbinary_config *b = tflc_f32_vbinary_config_for((tflc_isa)isa);
        if (u) unary[n_unary++] = u;
        if (b) binary[n_binary++] = b;
        CHECK((u != NULL) == (b != NULL));
    }
    CHECK(n_unary >= 1 && unary[0]->isa == TFLC_ISA_SCALAR && binary[0]->isa == TFLC_ISA_SCALAR);
    CHECK_ISA_CONFIGS(tflc_f32_vunary_config_for);
    CHECK_ISA_CONFIGS(tflc_f32_vbinary_config_for);
    CHECK(tflc_f32_vunary_config_get() == tflc_f32_vunary_config_for(tflc_cpu_isa()));
    CHECK(tflc_f32_vbinary_config_get() == tflc_f32_vbinary_config_for(tflc_cpu_isa()));
    fprintf(stderr, "variants:");
    for (int v = 0; v < n_unary; v++) fprintf(stderr, " %s %s", unary[v]->name, binary[v]->name);
    fprintf(stderr, "\n");
}

/* LiteRT 2.3's builtin LOGISTIC and TANH (x, logistic(x), tanh(x)) as bits. */
static const uint32_t litert_golden[][3] = {
    {0x3ef21b5cu, 0x3f1db638u, 0x3ee18ab1u},   /* 0.472865 */
    {0x419025fcu, 0x3f800000u, 0x3f800000u},   /* 18.018547 */
    {0xc163bce4u, 0x3530b581u, 0xbf800000u},   /* -14.233616 */
    {0xc0f0db12u, 0x3a0d1600u, 0xbf7ffff7u},   /* -7.526742 */
    {0xc04448c7u, 0x3d363cdfu, 0xbf7ee46eu},   /* -3.066942 */
    {0x413d366eu, 0x3f7fff85u, 0x3f800000u},   /* 11.8257885 */
    {0xc27d7bb9u, 0x11beb576u, 0xbf800000u},   /* -63.370823 */
    {0x3e59cd8bu, 0x3f0d8fc4u, 0x3e5693a7u},   /* 0.21269815 */
    {0xbf1f33bau, 0x3eb2de72u, 0xbf0d6c8fu},   /* -0.62188303 */
    {0xbf699894u, 0x3e92af0bu, 0xbf38ea22u},   /* -0.9124844 */
    {0xbd7ab8d0u, 0x3ef82adau, 0xbd7a68c6u},   /* -0.061211407 */
    {0x7f800000u, 0x3f800000u, 0x3f800000u},   /* inf */
    {0xff800000u, 0x00000000u, 0xbf800000u},   /* -inf */
    {0x80000000u, 0x3f000000u, 0x80000000u},   /* -0.0 */
    {0x00000001u, 0x3f000000u, 0x00000001u},   /* 1e-45 */
    {0x806ce3eeu, 0x3f000000u, 0x806ce3eeu},   /* -1e-38 */
    {0xff61b1e6u, 0x00000000u, 0xbf800000u},   /* -3e+38 */
    {0xc2d00000u, 0x00000000u, 0xbf800000u},   /* -104.0 */
    {0xc2cfffffu, 0x00000000u, 0xbf800000u},   /* -103.99999 */
    {0xc2d00001u, 0x00000000u, 0xbf800000u},   /* -104.00001 */
    {0x42b1999au, 0x3f800000u, 0x3f800000u},   /* 88.8 */
    {0xc2b1999au, 0x001d9fa5u, 0xbf800000u},   /* -88.8: a denormal, not flushed */
    {0x410048a3u, 0x3f7fea69u, 0x3f800000u},   /* 8.017734 */
    {0x40fd0956u, 0x3f7fe7e4u, 0x3f800000u},   /* 7.9073896 */
    {0xc0fe6666u, 0x39b8d4d5u, 0xbf800000u},   /* -7.95 */
    {0x39d1b717u, 0x3f00068eu, 0x39d1b715u},   /* 0.0004 */
    {0x3727c5acu, 0x3f00002au, 0x3727c5acu},   /* 1e-05 */
    {0xb727c5acu, 0x3effffacu, 0xb727c5acu},   /* -1e-05 */
    {0x7fc00000u, 0x7fc00000u, 0x7fc00000u},   /* NaN */
    {0xffc00000u, 0xffc00000u, 0xffc00000u},   /* -NaN: the sign is kept */
};

static void test_unary_matches_litert(void) {
    for (int v = 0; v < n_unary; v++)
        for (size_t i = 0; i < N(litert_golden); i++) {
            const float x = from_bits(litert_golden[i][0]);
            float s, t;
            unary[v]->sigmoid(1, &x, &s);
            unary[v]->tanh(1, &x, &t);
            CHECK_MSG(to_bits(s) == litert_golden[i][1], "%s LOGISTIC(%.9g) = %08x, LiteRT "
                      "%08x", unary[v]->name, (double)x, (unsigned)to_bits(s),
                      (unsigned)litert_golden[i][1]);
            CHECK_MSG(to_bits(t) == litert_golden[i][2], "%s TANH(%.9g) = %08x, LiteRT %08x",
                      unary[v]->name, (double)x, (unsigned)to_bits(t),
                      (unsigned)litert_golden[i][2]);
        }
}

/* LiteRT 2.3's builtin float GELU (x, gelu(x), gelu(x) with approximate=true) as bits:
 * the erfc cut-offs (|x| = 1 after the 1/sqrt2 scaling, the clamp at 11, exp's zero below
 * -104), denormal results, infinities (-inf gives NaN there: -inf * 0) and NaN. */
static const uint32_t litert_gelu_golden[][3] = {
    {0x3ef21b5cu, 0x3ea51455u, 0x3ea5127eu},   /* 0.4728649854660034 */
    {0xbf1f33bau, 0xbe2a08a6u, 0xbe2a1269u},   /* -0.6218830347061157 */
    {0x3fb504f3u, 0x3fa6c840u, 0x3fa6c0aau},   /* 1.4142135381698608 */
    {0x3fb504f4u, 0x3fa6c841u, 0x3fa6c0abu},   /* 1.4142136573791504 */
    {0xbfb504f3u, 0xbde3cb2fu, 0xbde44496u},   /* -1.4142135381698608 */
    {0xbfb504f4u, 0xbde3cb2bu, 0xbde44491u},   /* -1.4142136573791504 */
    {0xbfb045fbu, 0xbded9311u, 0xbdee0d86u},   /* -1.3771356344223022 */
    {0x40200000u, 0x401f01a7u, 0x401f08dcu},   /* 2.5 */
    {0xc0200000u, 0xbc7e5910u, 0xbc7723d0u},   /* -2.5 */
    {0xc0b80000u, 0xb2dc6560u, 0x80000000u},   /* -5.75 */
    {0xc114cccdu, 0x9f9a33bdu, 0x80000000u},   /* -9.300000190734863 */
    {0xc1533333u, 0x803f0dccu, 0x80000000u},   /* -13.199999809265137 */
    {0xc159999au, 0x80004beau, 0x80000000u},   /* -13.600000381469727 */
    {0xc166b852u, 0x80000000u, 0x80000000u},   /* -14.420000076293945 */
    {0xc1680000u, 0x80000000u, 0x80000000u},   /* -14.5 */
    {0xc178e69bu, 0x80000000u, 0x80000000u},   /* -15.556300163269043 */
    {0xc178e979u, 0x80000000u, 0x80000000u},   /* -15.557000160217285 */
    {0xc1800000u, 0x80000000u, 0x80000000u},   /* -16.0 */
    {0xc1a00000u, 0x80000000u, 0x80000000u},   /* -20.0 */
    {0x40a00000u, 0x409ffffdu, 0x40a00000u},   /* 5.0 */
    {0x41400000u, 0x41400000u, 0x41400000u},   /* 12.0 */
    {0x4179999au, 0x4179999au, 0x4179999au},   /* 15.600000381469727 */
    {0x42200000u, 0x42200000u, 0x42200000u},   /* 40.0 */
    {0x00000001u, 0x00000000u, 0x00000000u},   /* 1.401298464324817e-45 */
    {0x80000001u, 0x80000000u, 0x80000000u},   /* -1.401298464324817e-45 */
    {0x806ce3eeu, 0x803671f7u, 0x803671f7u},   /* -9.999999350456404e-39 */
    {0x00000000u, 0x00000000u, 0x00000000u},   /* 0.0 */
    {0x80000000u, 0x80000000u, 0x80000000u},   /* -0.0 */
    {0x7f61b1e6u, 0x7f61b1e6u, 0x7f61b1e6u},   /* 3.0000000054977558e+38 */
    {0xff61b1e6u, 0x80000000u, 0x80000000u},   /* -3.0000000054977558e+38 */
    {0x7f800000u, 0x7f800000u, 0x7f800000u},   /* inf */
    {0xff800000u, 0xffc00000u, 0xffc00000u},   /* -inf */
    {0x7fc00000u, 0x7fc00000u, 0x7fc00000u},   /* nan */
    {0x39d1b717u, 0x3951c839u, 0x3951c839u},   /* 0.00039999998989515007 */
    {0xbd4ccccdu, 0xbcc4a211u, 0xbcc4a212u},   /* -0.05000000074505806 */
    {0xc0400000u, 0xbb84b34fu, 0xbb6e6200u},   /* -3.0 */
};

/* LiteRT's GELU(-inf) is -inf * 0, an invalid operation, so its NaN is the CPU's default
 * NaN: 0xffc00000 on x86 (where the goldens were made), 0x7fc00000 on Arm. Elsewhere than
 * x86 a golden NaN asks for a NaN; every other golden asks for its exact bits. */
static int same_as_golden(float got, uint32_t want) {
#if !(defined(__x86_64__) || defined(__i386__))
    if (isnan(from_bits(want))) return isnan(got);
#endif
    return to_bits(got) == want;
}

static void test_gelu_matches_litert(void) {
    for (int v = 0; v < n_unary; v++)
        for (size_t i = 0; i < N(litert_gelu_golden); i++) {
            const float x = from_bits(litert_gelu_golden[i][0]);
            float g, t;
            unary[v]->gelu(1, &x, &g);
            unary[v]->gelu_tanh(1, &x, &t);
            CHECK_MSG(same_as_golden(g, litert_gelu_golden[i][1]), "%s GELU(%.9g) = %08x, LiteRT "
                      "%08x", unary[v]->name, (double)x, (unsigned)to_bits(g),
                      (unsigned)litert_gelu_golden[i][1]);
            CHECK_MSG(same_as_golden(t, litert_gelu_golden[i][2]), "%s GELU tanh(%.9g) = %08x, "
                      "LiteRT %08x", unary[v]->name, (double)x, (unsigned)to_bits(t),
                      (unsigned)litert_gelu_golden[i][2]);
        }
}

/* The scalar config against the true functions, on every 997th float: <= 8 ulp (LOGISTIC),
 * 7 ulp (TANH) where the result is normal; within 4 subnormal steps (1.4e-45 each) below
 * that (LOGISTIC's tail under -87: Eigen builds 2^m without flushing). */
static void test_unary_accuracy(void) {
    const tflc_f32_vunary_config *s = unary[0];
    int64_t worst[2] = {0, 0};
    for (uint32_t b = 0; b < 0xFF800000u; b += 997) {   /* every sign, exponent and range */
        const float x = from_bits(b);
        if (isnan(x)) continue;
        float y[2];
        s->sigmoid(1, &x, &y[0]);
        s->tanh(1, &x, &y[1]);
        const double exact[2] = {1.0 / (1.0 + exp(-(double)x)), tanh((double)x)};
        for (int k = 0; k < 2; k++) {
            if (fabs(exact[k]) < FLT_MIN) {
                CHECK(fabs((double)y[k] - exact[k]) <= 4.0 * 1.4e-45);
                continue;
            }
            const int64_t d = ulp_distance(y[k], (float)exact[k]);
            if (d > worst[k]) worst[k] = d;
            if (d > (k == 0 ? 8 : 7)) {
                CHECK_MSG(false, "%s(%.9g) = %.9g, true %.9g: %lld ulp", k ? "tanh" : "sigmoid",
                          (double)x, (double)y[k], exact[k], (long long)d);
                return;
            }
        }
    }
    fprintf(stderr, "worst distance to the true function: LOGISTIC %lld ulp, TANH %lld ulp\n",
            (long long)worst[0], (long long)worst[1]);
}

/* Every variant, every length 0..70 and 200k points (half in [-110, 110), half in
 * [-20, 20): GELU's range) with the specials mixed in, in place and out of place: the
 * scalar config's bits. */
static void test_unary_variants_agree(void) {
    const size_t big = 200000;
    float *x = malloc(big * sizeof(float)), *want = malloc(big * sizeof(float));
    float *got = malloc(big * sizeof(float));
    if (!x || !want || !got) abort();
    for (size_t i = 0; i < big; i++)
        x[i] = i % 97 < N(specials) ? specials[i % 97]
               : i % 2 ? rng_uniform(-110.0f, 110.0f) : rng_uniform(-20.0f, 20.0f);
    for (int k = SIGMOID; k <= GELU_TANH; k++) {
        unary_fn(unary[0], (unary_kind)k)(big, x, want);
        for (int v = 1; v < n_unary; v++) {
            tflc_f32_vunary_fn f = unary_fn(unary[v], (unary_kind)k);
            for (size_t n = 0; n <= 70; n++) {
                guarded g = guarded_alloc(n * sizeof(float)), o = guarded_alloc(n * sizeof(float));
                memcpy(g.f32, x + 1000 + n, n * sizeof(float));
                f(n, g.f32, o.f32);
                bool ok = true;
                for (size_t i = 0; i < n; i++) ok = ok && same_value(o.f32[i], want[1000 + n + i]);
                f(n, g.f32, g.f32);                          /* in place */
                for (size_t i = 0; i < n; i++) ok = ok && same_value(g.f32[i], want[1000 + n + i]);
                CHECK_MSG(ok, "%s %s, n = %zu", unary[v]->name, unary_name[k], n);
                guarded_free(&g);
                guarded_free(&o);
            }
            f(big, x, got);
            size_t bad = 0;
            for (size_t i = 0; i < big; i++) bad += !same_value(got[i], want[i]);
            CHECK_MSG(bad == 0, "%s %s: %zu of %zu differ", unary[v]->name, unary_name[k],
                      bad, big);
        }
    }
    free(x);
    free(want);
    free(got);
}

/* ---------------------------------------------------------------- binary -- */

static float ref_op(int op, float a, float b) {
    switch (op) {
    case TFLC_VBINARY_ADD: return a + b;
    case TFLC_VBINARY_SUB: return a - b;
    case TFLC_VBINARY_MUL: return a * b;
    case TFLC_VBINARY_SQDIFF: { const float d = a - b; return d * d; }
    default: return a / b;
    }
}

/* elementwise_binary.c's row_f32: the operation, then its clamp. */
static float ref_binary(int op, float a, float b, float lo, float hi) {
    const float v = ref_op(op, a, b);
    return v < lo ? lo : (v > hi ? hi : v);
}

static float binary_input(void) {
    const uint32_t r = rng_next() % 16;
    if (r == 0) return specials[rng_next() % N(specials)];
    if (r == 1) return 0.0f;                                /* x / 0, 0 * inf */
    if (r == 2) return rng_uniform(-1.0f, 1.0f) * 3e38f;    /* overflow to the clamp */
    return rng_uniform(-8.0f, 8.0f);
}

/* Every variant, op, form and clamp over lengths 0..70 (inputs and output against guard
 * pages, and in place on either side): the reference's bits. */
static void test_binary_variants(void) {
    static const float los[] = {-FLT_MAX, 0.0f, 0.0f, -1.0f, -INFINITY};
    static const float his[] = {FLT_MAX, INFINITY, 6.0f, 1.0f, INFINITY};
    for (int v = 0; v < n_binary; v++)
        for (int op = 0; op < TFLC_VBINARY_OP_COUNT; op++)
            for (int form = 0; form < TFLC_VBINARY_FORM_COUNT; form++)
                for (size_t n = 0; n <= 70; n++) {
                    const size_t ca = form == TFLC_VBINARY_SV ? 1 : n;
                    const size_t cb = form == TFLC_VBINARY_VS ? 1 : n;
                    const int clamp = (int)(rng_next() % N(los));
                    guarded a = guarded_alloc(ca * sizeof(float));
                    guarded b = guarded_alloc(cb * sizeof(float));
                    guarded y = guarded_alloc(n * sizeof(float));
                    for (size_t i = 0; i < ca; i++) a.f32[i] = binary_input();
                    for (size_t i = 0; i < cb; i++) b.f32[i] = binary_input();
                    float want[70];
                    for (size_t i = 0; i < n; i++)
                        want[i] = ref_binary(op, a.f32[ca == 1 ? 0 : i], b.f32[cb == 1 ? 0 : i],
                                             los[clamp], his[clamp]);
                    tflc_f32_vbinary_fn f = binary[v]->fn[op][form];
                    f(n, a.f32, b.f32, y.f32, los[clamp], his[clamp]);
                    bool ok = true;
                    for (size_t i = 0; i < n; i++) ok = ok && same_value(y.f32[i], want[i]);
                    if (form != TFLC_VBINARY_SV && n > 0) {      /* y is a */
                        f(n, a.f32, b.f32, a.f32, los[clamp], his[clamp]);
                        for (size_t i = 0; i < n; i++) ok = ok && same_value(a.f32[i], want[i]);
                    } else if (n > 0) {                          /* y is b */
                        f(n, a.f32, b.f32, b.f32, los[clamp], his[clamp]);
                        for (size_t i = 0; i < n; i++) ok = ok && same_value(b.f32[i], want[i]);
                    }
                    CHECK_MSG(ok, "%s op %d form %d n %zu clamp [%g, %g]", binary[v]->name, op,
                              form, n, (double)los[clamp], (double)his[clamp]);
                    guarded_free(&a);
                    guarded_free(&b);
                    guarded_free(&y);
                    if (!ok) return;
                }
}

/* The row forms, every variant, op and side, on rows x n blocks (n 1..100 around the
 * vector widths, rows 1, 7 and 1000; block, row and output against guard pages): the
 * reference's bits for every element, and the same in place (y the block). */
static void test_binary_rows(void) {
    static const size_t ns[] = {1, 15, 16, 17, 33, 100};
    static const size_t rs[] = {1, 7, 1000};
    static float want[1000 * 100];
    for (int v = 0; v < n_binary; v++)
        for (int op = 0; op < TFLC_VBINARY_OP_COUNT; op++)
            for (int form = 0; form < TFLC_VBINARY_ROWS_FORM_COUNT; form++)
                for (size_t in = 0; in < N(ns); in++)
                    for (size_t ir = 0; ir < N(rs); ir++) {
                        const size_t n = ns[in], rows = rs[ir];
                        const float lo = ir % 2 ? 0.0f : -FLT_MAX, hi = ir % 2 ? 6.0f : FLT_MAX;
                        guarded blk = guarded_alloc(rows * n * sizeof(float));
                        guarded row = guarded_alloc(n * sizeof(float));
                        guarded y = guarded_alloc(rows * n * sizeof(float));
                        for (size_t i = 0; i < rows * n; i++) blk.f32[i] = binary_input();
                        for (size_t i = 0; i < n; i++) row.f32[i] = binary_input();
                        const bool vr = form == TFLC_VBINARY_VR;
                        for (size_t i = 0; i < rows * n; i++)
                            want[i] = vr ? ref_binary(op, blk.f32[i], row.f32[i % n], lo, hi)
                                         : ref_binary(op, row.f32[i % n], blk.f32[i], lo, hi);
                        const float *a = vr ? blk.f32 : row.f32, *b = vr ? row.f32 : blk.f32;
                        tflc_f32_vbinary_rows_fn f = binary[v]->rows[op][form];
                        f(rows, n, a, b, y.f32, lo, hi);
                        bool ok = true;
                        for (size_t i = 0; i < rows * n; i++) ok = ok && same_value(y.f32[i], want[i]);
                        f(rows, n, a, b, blk.f32, lo, hi);
                        for (size_t i = 0; i < rows * n; i++) ok = ok && same_value(blk.f32[i], want[i]);
                        CHECK_MSG(ok, "%s op %d rows form %d, %zu x %zu", binary[v]->name, op,
                                  form, rows, n);
                        guarded_free(&blk);
                        guarded_free(&row);
                        guarded_free(&y);
                        if (!ok) return;
                    }
}

/* The clamp keeps NaN and -0 and maps overflow to +-FLT_MAX, as LiteRT's. */
static void test_binary_edges(void) {
    for (int v = 0; v < n_binary; v++) {
        const float a[] = {NAN, -0.0f, 3e38f, -3e38f, 1.0f, 0.0f, -1.0f, 2.0f, 5.0f};
        const float b[] = {1.0f, 0.0f, 3e38f, 3e38f, 0.0f, 0.0f, 0.0f, 3.0f, -0.0f};
        float y[9];
        binary[v]->fn[TFLC_VBINARY_ADD][TFLC_VBINARY_VV](9, a, b, y, -FLT_MAX, FLT_MAX);
        CHECK(isnan(y[0]) && to_bits(y[1]) == 0 && y[2] == FLT_MAX);
        binary[v]->fn[TFLC_VBINARY_MUL][TFLC_VBINARY_VV](9, a, a, y, 0.0f, INFINITY);
        CHECK(isnan(y[0]) && to_bits(y[1]) == 0 && y[2] == INFINITY && y[3] == INFINITY);
        binary[v]->fn[TFLC_VBINARY_MUL][TFLC_VBINARY_VS](9, a, b + 7, y, -FLT_MAX, FLT_MAX);
        CHECK(to_bits(y[1]) == 0x80000000u && y[2] == FLT_MAX && y[3] == -FLT_MAX);
        binary[v]->fn[TFLC_VBINARY_DIV][TFLC_VBINARY_VV](9, a, b, y, -FLT_MAX, FLT_MAX);
        CHECK(y[4] == FLT_MAX && isnan(y[5]) && y[6] == -FLT_MAX && y[8] == -FLT_MAX);
        binary[v]->fn[TFLC_VBINARY_SUB][TFLC_VBINARY_SV](9, b + 7, a, y, -1.0f, 1.0f);
        CHECK(isnan(y[0]) && y[4] == 1.0f && y[8] == -1.0f && y[7] == 1.0f);
        binary[v]->fn[TFLC_VBINARY_MUL][TFLC_VBINARY_VV](9, a, b, y, 0.0f, 6.0f);
        CHECK(to_bits(y[8]) == 0x80000000u);                   /* RELU6 keeps -0 */
    }
}

/* ------------------------------------------------------------- operators -- */

/* LOGISTIC / TANH over an odd-sized tensor: the chosen config's output. */
static void test_op_logistic_tanh(void) {
    const int32_t dims[] = {3, 7, 5};
    float x[105];
    for (size_t i = 0; i < N(x); i++) x[i] = i < N(specials) ? specials[i] : rng_uniform(-20, 20);
    for (int k = SIGMOID; k <= TANH; k++) {
        opcase c;
        oc_init(&c, k == SIGMOID ? &tflc_kernel_logistic : &tflc_kernel_tanh);
        oc_in(&c, F32, 3, dims, x);
        tflc_tensor *out = oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        float want[105];
        unary_fn(unary[0], (unary_kind)k)(N(x), x, want);
        bool ok = true;
        for (size_t i = 0; i < N(x); i++) ok = ok && same_value(((float *)out->data)[i], want[i]);
        CHECK_MSG(ok, "%s operator", k == SIGMOID ? "LOGISTIC" : "TANH");
        oc_free(&c);
    }
}

/* ADD / SUB / MUL / DIV on same shapes, a scalar on either side, a [C] vector against
 * [N, H, W, C] and a [2,1,3] x [4,1] broadcast (the generic loop), with each fused clamp:
 * the reference loop's bits. */
static void test_op_binary(void) {
    static const tflc_kernel *const kernels[] = {&tflc_kernel_add, &tflc_kernel_sub,
                                                 &tflc_kernel_mul, &tflc_kernel_div};
    static const uint8_t option_types[] = {BO_Add, BO_Sub, BO_Mul, BO_Div};
    static const int acts_[] = {ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1};
    static const float los[] = {-FLT_MAX, 0.0f, 0.0f, -1.0f};
    static const float his[] = {FLT_MAX, FLT_MAX, 6.0f, 1.0f};
    static const int32_t shapes[][2][4] = {
        {{2, 3, 5, 7}, {2, 3, 5, 7}}, {{2, 3, 5, 7}, {1, 1, 1, 1}}, {{1, 1, 1, 1}, {2, 3, 5, 7}},
        {{2, 3, 5, 7}, {1, 1, 1, 7}}, {{1, 1, 1, 7}, {2, 3, 5, 7}}, {{2, 1, 3, 1}, {1, 4, 1, 1}},
    };
    for (int op = 0; op < 4; op++)
        for (size_t s = 0; s < N(shapes); s++) {
            const int act = (int)((size_t)op + s) % 4;
            const int32_t *da = shapes[s][0], *db = shapes[s][1];
            float a[210], b[210], want[210];
            const size_t na = tflc_shape_count(da, 4), nb = tflc_shape_count(db, 4);
            for (size_t i = 0; i < na; i++) a[i] = binary_input();
            for (size_t i = 0; i < nb; i++) b[i] = binary_input();
            opcase c;
            oc_init(&c, kernels[op]);
            oc_options(&c, option_types[op]);
            opt_i8(&c, ADD_OPT_ACTIVATION, acts_[act]);
            oc_in(&c, F32, 4, da, a);
            oc_in(&c, F32, 4, db, b);
            tflc_tensor *out = oc_out(&c, F32);
            CHECK_OK(oc_run(&c));
            int32_t idx[4];
            const size_t n = tflc_tensor_count(out);
            for (size_t i = 0; i < n; i++) {
                unflatten(i, out, idx);
                want[i] = ref_binary(op, a[broadcast_index(c.ins[0], idx, 4)],
                                     b[broadcast_index(c.ins[1], idx, 4)], los[act], his[act]);
            }
            bool ok = true;
            for (size_t i = 0; i < n; i++) ok = ok && same_value(((float *)out->data)[i], want[i]);
            CHECK_MSG(ok, "op %d shapes %zu", op, s);
            oc_free(&c);
        }
}

static void run_tests(void) {
    TEST(test_variants_found);
    TEST(test_unary_matches_litert);
    TEST(test_gelu_matches_litert);
    TEST(test_unary_accuracy);
    TEST(test_unary_variants_agree);
    TEST(test_binary_variants);
    TEST(test_binary_rows);
    TEST(test_binary_edges);
    TEST(test_op_logistic_tanh);
    TEST(test_op_binary);
}

TEST_MAIN()
