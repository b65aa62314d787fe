/*
 * test_f32_act.c -- the vectorized float HARD_SWISH (src/kernels/f32_vunary.h) and the
 * operator that uses it.
 *
 * HARD_SWISH is three correctly rounded operations and two clamps per element in LiteRT's
 * builtin order, (x * (1/6)) * min(max(x + 3, 0), 6); every config must give the bits of
 * that expression written here as a plain loop (NaN equal to NaN): on every 61st float bit
 * pattern (70M values: every sign, exponent, the infinities and NaNs), and on lengths
 * 0..70 in place and out of place, arrays ending against a PROT_NONE page.
 *
 * SOFTMAX rows (f32_vunary.h: Cephes' exp, sixteen partial sums in a fixed order, a
 * reciprocal multiply): every config gives the scalar config's bits, on lengths 1..70 and
 * a few long rows, several betas, in place and out of place, against guard pages; NaN and
 * infinities behave as the plain libm loop does (a NaN anywhere makes the row NaN, -inf
 * entries give 0). The scalar config is within relative 1e-6 (LiteRT conformance bound;
 * measured 4.5e-7) of a softmax computed in double from the same float exponents
 * (x - max) * beta, and the operator takes the kernel for beta >= 0.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/f32_vunary.h"
#include "ops/math_common.h"
#include "guarded.h"
#include "test.h"
#include "op_harness.h"

/* ------------------------------------------------------------- helpers -- */


static const tflc_f32_vunary_config *configs[TFLC_ISA_COUNT];
static int n_configs;

static void find_configs(void) {
    if (n_configs) return;
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++) {
        const tflc_f32_vunary_config *c = tflc_f32_vunary_config_for((tflc_isa)isa);
        if (c) configs[n_configs++] = c;
    }
}

/* ----------------------------------------------------------- HARD_SWISH -- */

/* The specification: LiteRT's builtin kernel's expression, one element at a time. */
static float hard_swish_spec(float x) {
    float r = x + 3.0f;
    r = 0.0f < r ? r : 0.0f;
    r = r < 6.0f ? r : 6.0f;
    return (x * (1.0f / 6.0f)) * r;
}

static void test_hard_swish_sweep(void) {
    enum { CHUNK = 1 << 16, STRIDE = 61 };
    find_configs();
    float *x = malloc(CHUNK * sizeof(float)), *y = malloc(CHUNK * sizeof(float));
    if (!x || !y) abort();
    for (int v = 0; v < n_configs; v++) {
        size_t bad = 0;
        uint64_t b = 0;
        while (b <= 0xFFFFFFFFull) {
            size_t n = 0;
            for (; n < CHUNK && b <= 0xFFFFFFFFull; n++, b += STRIDE) x[n] = from_bits((uint32_t)b);
            configs[v]->hard_swish(n, x, y);
            for (size_t i = 0; i < n; i++)
                if (!same_value(y[i], hard_swish_spec(x[i])) && bad++ < 3)
                    fprintf(stderr, "  %s(%a) = %a, want %a\n", configs[v]->name, (double)x[i],
                            (double)y[i], (double)hard_swish_spec(x[i]));
        }
        CHECK_MSG(bad == 0, "%s: %zu values differ", configs[v]->name, bad);
    }
    free(x);
    free(y);
}

static void test_hard_swish_tails(void) {
    find_configs();
    for (int v = 0; v < n_configs; v++)
        for (size_t n = 0; n <= 70; n++) {
            guarded in = guarded_alloc(n * sizeof(float)), out = guarded_alloc(n * sizeof(float));
            for (size_t i = 0; i < n; i++) in.f32[i] = (float)((int)(i * 37 % 101) - 50) * 0.17f;
            bool ok = true;
            configs[v]->hard_swish(n, in.f32, out.f32);
            for (size_t i = 0; i < n; i++)
                ok = ok && same_value(out.f32[i], hard_swish_spec(in.f32[i]));
            configs[v]->hard_swish(n, in.f32, in.f32);              /* in place */
            for (size_t i = 0; i < n; i++)
                ok = ok && same_value(in.f32[i], out.f32[i]);   /* checked above */
            CHECK_MSG(ok, "%s, n = %zu", configs[v]->name, n);
            guarded_free(&in);
            guarded_free(&out);
        }
}

/* The operator on an odd-sized tensor with specials: the specification's bits. */
static void test_op_hard_swish(void) {
    const int32_t dims[] = {3, 7, 5};
    float x[105];
    for (size_t i = 0; i < N(x); i++) x[i] = (float)((int)i - 52) * 0.13f;
    x[0] = NAN;
    x[1] = INFINITY;
    x[2] = -INFINITY;
    x[3] = -0.0f;
    x[4] = -3.0f;
    opcase c;
    oc_init(&c, &tflc_kernel_hard_swish);
    oc_in(&c, F32, 3, dims, x);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    bool ok = true;
    for (size_t i = 0; i < N(x); i++)
        ok = ok && same_value(((float *)out->data)[i], hard_swish_spec(x[i]));
    CHECK(ok);
    oc_free(&c);
}


/* -------------------------------------------------------------- SOFTMAX -- */

static float rng_uniform(uint64_t *state, float lo, float hi) {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return lo + (hi - lo) * ((float)((*state >> 16) & 0xFFFFFF) / 16777216.0f);
}

static void test_softmax_variants_agree(void) {
    static const float betas[] = {1.0f, 0.0f, 0.5f, 3.0f, 1e-3f};
    static const size_t long_rows[] = {127, 128, 300, 1000, 4099};
    uint64_t st = 0x853C49E6748FEA9Bull;
    find_configs();
    float want[4099];
    for (int v = 1; v < n_configs; v++)
        for (size_t k = 0; k < 70 + N(long_rows); k++) {
            const size_t n = k < 70 ? k + 1 : long_rows[k - 70];
            const float beta = betas[k % N(betas)];
            guarded in = guarded_alloc(n * sizeof(float)), out = guarded_alloc(n * sizeof(float));
            for (size_t i = 0; i < n; i++) in.f32[i] = rng_uniform(&st, -30.0f, 30.0f);
            configs[0]->softmax(n, in.f32, beta, want);
            configs[v]->softmax(n, in.f32, beta, out.f32);
            bool ok = true;
            for (size_t i = 0; i < n; i++) ok = ok && same_value(out.f32[i], want[i]);
            configs[v]->softmax(n, in.f32, beta, in.f32);          /* in place */
            for (size_t i = 0; i < n; i++) ok = ok && same_value(in.f32[i], want[i]);
            CHECK_MSG(ok, "%s, n = %zu, beta %g", configs[v]->name, n, (double)beta);
            guarded_free(&in);
            guarded_free(&out);
        }
}

/* Rows whose every value is negative, of every length up to 40: the maximum is theirs, not
 * a zero from the lanes past a ragged end. Below -87 each e^(x - 0) underflows, so a zero
 * taken for the maximum gave 0 / 0. */
static void test_softmax_negative_rows(void) {
    static const float ranges[][2] = {{-120.0f, -88.0f}, {-10.0f, -1.0f}, {-1e-3f, -1e-6f}};
    uint64_t st = 0x9E3779B97F4A7C15ull;
    find_configs();
    float x[40], want[40], got[40];
    for (int v = 1; v < n_configs; v++)
        for (size_t r = 0; r < N(ranges); r++)
            for (size_t n = 1; n <= N(x); n++) {
                for (size_t i = 0; i < n; i++) x[i] = rng_uniform(&st, ranges[r][0], ranges[r][1]);
                configs[0]->softmax(n, x, 1.0f, want);
                configs[v]->softmax(n, x, 1.0f, got);
                bool ok = true;
                for (size_t i = 0; i < n; i++) ok = ok && same_value(got[i], want[i]);
                CHECK_MSG(ok, "%s, n = %zu, values in [%g, %g]: got[0] %g, want %g",
                          configs[v]->name, n, (double)ranges[r][0], (double)ranges[r][1],
                          (double)got[0], (double)want[0]);
            }
}

/* softmax2 (where a config has it): two adjacent rows, the bits of two softmax calls, apart
 * and in place, at every length to 70 and some long rows, one row all negative. */
static void test_softmax2_rows(void) {
    static const size_t long_rows[] = {127, 128, 300, 1000};
    uint64_t st = 0xD1B54A32D192ED03ull;
    find_configs();
    int with = 0;
    for (int v = 0; v < n_configs; v++) {
        if (!configs[v]->softmax2) continue;
        with++;
        for (size_t k = 0; k < 70 + N(long_rows); k++) {
            const size_t n = k < 70 ? k + 1 : long_rows[k - 70];
            guarded in = guarded_alloc(2 * n * sizeof(float));
            guarded out = guarded_alloc(2 * n * sizeof(float));
            float *want = malloc(2 * n * sizeof(float));
            for (size_t i = 0; i < 2 * n; i++)
                in.f32[i] = i < n ? rng_uniform(&st, -30.0f, 30.0f) : rng_uniform(&st, -120.0f, -1.0f);
            configs[v]->softmax(n, in.f32, 0.5f, want);
            configs[v]->softmax(n, in.f32 + n, 0.5f, want + n);
            configs[v]->softmax2(n, in.f32, 0.5f, out.f32);
            bool ok = true;
            for (size_t i = 0; i < 2 * n; i++) ok = ok && same_value(out.f32[i], want[i]);
            configs[v]->softmax2(n, in.f32, 0.5f, in.f32);   /* in place */
            for (size_t i = 0; i < 2 * n; i++) ok = ok && same_value(in.f32[i], want[i]);
            CHECK_MSG(ok, "%s softmax2, n = %zu: not two softmax rows' bits", configs[v]->name, n);
            free(want);
            guarded_free(&in);
            guarded_free(&out);
        }
    }
    if (!with) fprintf(stderr, "softmax2: no config here has it\n");
}

/* NaN anywhere: the whole row NaN; -inf entries: 0; +inf: NaN (inf - inf), as the libm loop
 * gives. */
static void test_softmax_specials(void) {
    find_configs();
    for (int v = 0; v < n_configs; v++) {
        float x[37], y[37];
        for (size_t pos = 0; pos < N(x); pos += 9) {
            for (size_t i = 0; i < N(x); i++) x[i] = (float)i * 0.25f;
            x[pos] = NAN;
            configs[v]->softmax(N(x), x, 1.0f, y);
            bool all_nan = true;
            for (size_t i = 0; i < N(x); i++) all_nan = all_nan && isnan(y[i]);
            CHECK_MSG(all_nan, "%s: NaN at %zu", configs[v]->name, pos);
        }
        for (size_t i = 0; i < N(x); i++) x[i] = i % 3 ? -INFINITY : 2.0f;
        configs[v]->softmax(N(x), x, 1.0f, y);
        bool ok = true;
        for (size_t i = 0; i < N(x); i++) ok = ok && y[i] == (i % 3 ? 0.0f : 1.0f / 13.0f);
        CHECK_MSG(ok, "%s: -inf entries", configs[v]->name);
        x[5] = INFINITY;
        configs[v]->softmax(N(x), x, 1.0f, y);
        CHECK_MSG(isnan(y[0]) && isnan(y[5]), "%s: +inf", configs[v]->name);
    }
}

/* The scalar config against softmax in double from the same float exponents: relative
 * error per output (outputs above 1e-30; the smaller ones within 1e-30 absolute). */
static void test_softmax_accuracy(void) {
    static const size_t lengths[] = {1, 2, 7, 10, 33, 300, 1000, 4096};
    uint64_t st = 0x2545F4914F6CDD1Dull;
    find_configs();
    float *x = malloc(4096 * sizeof(float)), *y = malloc(4096 * sizeof(float));
    double *e = malloc(4096 * sizeof(double));
    if (!x || !y || !e) abort();
    double worst = 0.0;
    for (size_t li = 0; li < N(lengths); li++)
        for (int trial = 0; trial < 20; trial++) {
            const size_t n = lengths[li];
            const float beta = trial % 2 ? 1.0f : rng_uniform(&st, 0.1f, 4.0f);
            const float spread = trial % 3 ? 10.0f : 60.0f;
            for (size_t i = 0; i < n; i++) x[i] = rng_uniform(&st, -spread, spread);
            configs[0]->softmax(n, x, beta, y);
            double max = x[0], sum = 0.0;
            for (size_t i = 1; i < n; i++) max = x[i] > max ? x[i] : max;
            /* From the float argument (x - max) * beta every implementation rounds the
             * same way (LiteRT and the libm loop too): what is measured is the rest. */
            for (size_t i = 0; i < n; i++)
                sum += e[i] = exp((double)((x[i] - (float)max) * beta));
            for (size_t i = 0; i < n; i++) {
                const double want = e[i] / sum, d = fabs((double)y[i] - want);
                if (want < 1e-30) {
                    CHECK(d <= 1e-30);
                    continue;
                }
                if (d / want > worst) worst = d / want;
            }
        }
    CHECK_MSG(worst <= 1e-6, "worst relative error %g", worst);
    fprintf(stderr, "softmax: worst relative error against double %.3g\n", worst);
    free(x);
    free(y);
    free(e);
}

/* The operator: beta >= 0 goes through the kernel (its bits); a negative beta through the
 * libm loop (checked loosely here: it must still be a softmax). */
static void test_op_softmax(void) {
    static const int32_t dims[] = {3, 37};
    find_configs();
    uint64_t st = 0x9E3779B97F4A7C15ull;
    float x[111];
    for (size_t i = 0; i < N(x); i++) x[i] = rng_uniform(&st, -8.0f, 8.0f);
    static const float betas[] = {1.0f, 0.7f, -0.5f};
    for (size_t b = 0; b < N(betas); b++) {
        opcase c;
        oc_init(&c, &tflc_kernel_softmax);
        oc_options(&c, BO_Softmax);
        opt_f32(&c, SOFTMAX_OPT_BETA, betas[b]);
        oc_in(&c, F32, 2, dims, x);
        tflc_tensor *out = oc_out(&c, F32);
        CHECK_OK(oc_run(&c));
        const float *y = out->data;
        for (int r = 0; r < 3; r++) {
            float want[37];
            double sum = 0.0;
            for (int i = 0; i < 37; i++) sum += y[r * 37 + i];
            CHECK(fabs(sum - 1.0) < 1e-5);
            if (betas[b] < 0.0f) continue;
            tflc_f32_vunary_config_get()->softmax(37, x + r * 37, betas[b], want);
            bool ok = true;
            for (int i = 0; i < 37; i++) ok = ok && same_value(y[r * 37 + i], want[i]);
            CHECK_MSG(ok, "row %d, beta %g", r, (double)betas[b]);
        }
        oc_free(&c);
    }
}

static void run_tests(void) {
    TEST(test_hard_swish_sweep);
    TEST(test_hard_swish_tails);
    TEST(test_op_hard_swish);
    TEST(test_softmax_variants_agree);
    TEST(test_softmax_negative_rows);
    TEST(test_softmax2_rows);
    TEST(test_softmax_specials);
    TEST(test_softmax_accuracy);
    TEST(test_op_softmax);
}

TEST_MAIN()
