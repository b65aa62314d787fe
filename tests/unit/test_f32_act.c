/*
 * test_f32_act.c -- the vectorized float HARD_SWISH (src/kernels/f32_vunary.h) and the
 * operator that uses it.
 *
 * HARD_SWISH is three correctly rounded operations and two clamps per element in LiteRT's
 * builtin order, (x * (1/6)) * min(max(x + 3, 0), 6); every config must give the bits of
 * that expression written here as a plain loop (NaN equal to NaN): on every 13th float bit
 * pattern (330M values: every sign, exponent, the infinities and NaNs), and on lengths
 * 0..70 in place and out of place, arrays ending against a PROT_NONE page.
 */
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernels/cpu.h"
#include "kernels/f32_vunary.h"
#include "ops/math_common.h"
#include "test.h"
#include "op_harness.h"

/* ------------------------------------------------------------- helpers -- */

static float from_bits(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static uint32_t to_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static bool same_value(float a, float b) {
    return to_bits(a) == to_bits(b) || (isnan(a) && isnan(b));
}

typedef struct guarded {
    unsigned char *map;
    size_t map_bytes;
    float *data;
} guarded;

/* `count` floats ending where a PROT_NONE page starts. */
static guarded guarded_alloc(size_t count) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes = count * sizeof(float);
    guarded g = {NULL, (bytes + page - 1) / page * page + page, NULL};
    const int fd = open("/dev/zero", O_RDWR);     /* MAP_ANONYMOUS is not POSIX 2008 */
    if (fd < 0) abort();
    void *m = mmap(NULL, g.map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) abort();
    g.map = m;
    if (mprotect(g.map + g.map_bytes - page, page, PROT_NONE) != 0) abort();
    g.data = (float *)(void *)(g.map + g.map_bytes - page - bytes);
    return g;
}

static void guarded_free(guarded *g) { munmap(g->map, g->map_bytes); }

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
    enum { CHUNK = 1 << 16, STRIDE = 13 };
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
            guarded in = guarded_alloc(n), out = guarded_alloc(n);
            for (size_t i = 0; i < n; i++) in.data[i] = (float)((int)(i * 37 % 101) - 50) * 0.17f;
            bool ok = true;
            configs[v]->hard_swish(n, in.data, out.data);
            for (size_t i = 0; i < n; i++)
                ok = ok && same_value(out.data[i], hard_swish_spec(in.data[i]));
            configs[v]->hard_swish(n, in.data, in.data);              /* in place */
            for (size_t i = 0; i < n; i++)
                ok = ok && same_value(in.data[i], out.data[i]);   /* checked above */
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

static void run_tests(void) {
    TEST(test_hard_swish_sweep);
    TEST(test_hard_swish_tails);
    TEST(test_op_hard_swish);
}

TEST_MAIN()
