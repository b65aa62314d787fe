/*
 * test_act_threads.c -- the activations (RELU..GELU, every eval mode) split over a pool of
 * 3 threads give the same bytes as one pass on the calling thread (the existing serial
 * path). Sizes: 1, a vector tail, just under and over the smallest split (2 * 16384
 * elements), and ragged sizes of many spans, so spans end mid-vector and the last is short.
 */
#include "ops/math_common.h"
#include "test.h"
#include "op_harness.h"

#include "core/threadpool.h"

static tflc_threadpool *pool3;

/* splitmix64: seeded, the same bytes on every run. */
static uint64_t rng_state = 0x5eed;
static uint64_t rng(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* n elements of dt: floats in [-8, 8) with a few NaN / inf, integers over their whole range. */
static void fill(tflc_dtype dt, void *data, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng();
        switch (dt) {
        case F32: {
            float v = (float)((double)(r >> 11) / 9007199254740992.0 * 16.0 - 8.0);
            if (r % 997 == 0) v = NAN;
            if (r % 991 == 0) v = (r & 1) ? INFINITY : -INFINITY;
            ((float *)data)[i] = v;
            break;
        }
        case I16: ((int16_t *)data)[i] = (int16_t)(uint16_t)r; break;
        default: ((uint8_t *)data)[i] = (uint8_t)r; break;
        }
    }
}

/* One activation configuration: kernel, dtype, quantization of input and output (NULL:
 * float), a LEAKY_RELU alpha or GELU approximate flag when opt_slot >= 0. */
typedef struct act_case {
    const tflc_kernel *k;
    tflc_dtype dt;
    const float *si, *so;
    const int64_t *zi, *zo;
    int opt_type, opt_slot;
    float alpha;                    /* LEAKY_RELU */
    int flag;                       /* GELU approximate */
} act_case;

/* Runs the case on `in` (n elements) with `pool` (NULL: serial); a malloc'd copy of the
 * output bytes, or NULL when the run failed. */
static void *run_case(const act_case *a, const void *in, size_t n, tflc_threadpool *pool, size_t *bytes) {
    opcase c;
    const int32_t d[] = {(int32_t)n};
    oc_init(&c, a->k);
    tflc_tensor *x = oc_in(&c, a->dt, 1, d, in);
    tflc_tensor *out = oc_out(&c, a->dt);
    if (a->si) {
        oc_quant_per_tensor(&c, x, a->si, a->zi);
        oc_quant_per_tensor(&c, out, a->so, a->zo);
    }
    if (a->opt_slot >= 0) {
        oc_options(&c, (uint8_t)a->opt_type);
        if (a->k == &tflc_kernel_leaky_relu) opt_f32(&c, a->opt_slot, a->alpha);
        else opt_i8(&c, a->opt_slot, a->flag);
    }
    fake_runner.pool = pool;
    tflc_status s = oc_run(&c);
    fake_runner.pool = NULL;
    CHECK_MSG(s == TFLC_OK, "%s %s n=%zu: %s", a->k->name, tflc_dtype_name(a->dt), n, tflc_last_error());
    void *copy = oc_output_copy(s, out, bytes);
    oc_free(&c);
    return copy;
}

static const float s_in[] = {0.05f}, s_in16[] = {1.0f / 3000}, s_pot16[] = {1.0f / 4096},
                   s256[] = {1.0f / 256}, s128[] = {1.0f / 128}, s_out[] = {0.04f},
                   s15[] = {1.0f / 32768}, s_r16[] = {0.002f};
static const int64_t z0[] = {0}, z3[] = {3}, zm128[] = {-128}, z128[] = {128};

static const act_case cases[] = {
    /* float: the vectorized functions and the element loop */
    {&tflc_kernel_logistic, F32, NULL, NULL, NULL, NULL, 0, -1, 0, 0},
    {&tflc_kernel_tanh, F32, NULL, NULL, NULL, NULL, 0, -1, 0, 0},
    {&tflc_kernel_hard_swish, F32, NULL, NULL, NULL, NULL, 0, -1, 0, 0},
    {&tflc_kernel_gelu, F32, NULL, NULL, NULL, NULL, BO_Gelu, MATH_GELU_OPT_APPROXIMATE, 0, 0},
    {&tflc_kernel_gelu, F32, NULL, NULL, NULL, NULL, BO_Gelu, MATH_GELU_OPT_APPROXIMATE, 0, 1},
    {&tflc_kernel_relu6, F32, NULL, NULL, NULL, NULL, 0, -1, 0, 0},
    {&tflc_kernel_elu, F32, NULL, NULL, NULL, NULL, 0, -1, 0, 0},
    {&tflc_kernel_leaky_relu, F32, NULL, NULL, NULL, NULL, BO_LeakyRelu, MATH_LEAKY_RELU_OPT_ALPHA, 0.2f, 0},
    /* int8 / uint8: tables */
    {&tflc_kernel_logistic, I8, s_in, s256, z3, zm128, 0, -1, 0, 0},
    {&tflc_kernel_tanh, I8, s_in, s128, z3, z0, 0, -1, 0, 0},
    {&tflc_kernel_hard_swish, I8, s_in, s_out, z3, z0, 0, -1, 0, 0},
    {&tflc_kernel_logistic, U8, s_in, s256, z128, z0, 0, -1, 0, 0},
    {&tflc_kernel_relu, I8, s_in, s_out, z3, z0, 0, -1, 0, 0},
    {&tflc_kernel_leaky_relu, I8, s_in, s_out, z3, z0, BO_LeakyRelu, MATH_LEAKY_RELU_OPT_ALPHA, 0.2f, 0},
    /* int16: TFLite's sigmoid table (general scale), gemmlowp (power-of-two scale), RELU */
    {&tflc_kernel_logistic, I16, s_in16, s15, z0, z0, 0, -1, 0, 0},
    {&tflc_kernel_tanh, I16, s_in16, s15, z0, z0, 0, -1, 0, 0},
    {&tflc_kernel_logistic, I16, s_pot16, s15, z0, z0, 0, -1, 0, 0},
    {&tflc_kernel_tanh, I16, s_pot16, s15, z0, z0, 0, -1, 0, 0},
    {&tflc_kernel_relu, I16, s_r16, s_r16, z0, z0, 0, -1, 0, 0},
    {&tflc_kernel_leaky_relu, I16, s_r16, s_r16, z0, z0, BO_LeakyRelu, MATH_LEAKY_RELU_OPT_ALPHA, 0.2f, 0},
};

static void test_threads_same_bytes(void) {
    static const size_t sizes[] = {1, 63, 32767, 32768, 32769, 32837, 100013, 16384 * 12 + 1, 262144 + 77};
    static uint8_t in[(262144 + 77) * sizeof(float)];
    for (size_t k = 0; k < N(cases); k++)
        for (size_t s = 0; s < N(sizes); s++) {
            const size_t n = sizes[s];
            fill(cases[k].dt, in, n);
            size_t b1 = 0, b3 = 0;
            uint8_t *serial = run_case(&cases[k], in, n, NULL, &b1);
            uint8_t *threaded = run_case(&cases[k], in, n, pool3, &b3);
            if (serial && threaded) {
                size_t bad = 0;
                while (bad < b1 && serial[bad] == threaded[bad]) bad++;
                CHECK_MSG(b1 == b3 && bad == b1, "%s %s n=%zu: byte %zu differs with 3 threads",
                          cases[k].k->name, tflc_dtype_name(cases[k].dt), n, bad);
            }
            free(serial);
            free(threaded);
        }
}

/* SOFTMAX over rows of `depth` values ([rows, depth]); float (beta 1 and 0.7: the vector row
 * and, below, nothing else) and int16 (zero points 0, TFLite's tables). */
static void *run_softmax(tflc_dtype dt, float beta, const void *in, int32_t rows, int32_t depth,
                         tflc_threadpool *pool, size_t *bytes) {
    static const float s_out16[] = {1.0f / 32768};
    opcase c;
    const int32_t d[] = {rows, depth};
    oc_init(&c, &tflc_kernel_softmax);
    tflc_tensor *x = oc_in(&c, dt, 2, d, in);
    tflc_tensor *out = oc_out(&c, dt);
    if (dt == I16) {
        oc_quant_per_tensor(&c, x, s_in16, z0);
        oc_quant_per_tensor(&c, out, s_out16, z0);
    }
    oc_options(&c, BO_Softmax);
    opt_f32(&c, SOFTMAX_OPT_BETA, beta);
    fake_runner.pool = pool;
    tflc_status s = oc_run(&c);
    fake_runner.pool = NULL;
    CHECK_MSG(s == TFLC_OK, "SOFTMAX %s %dx%d: %s", tflc_dtype_name(dt), (int)rows, (int)depth,
              tflc_last_error());
    void *copy = oc_output_copy(s, out, bytes);
    oc_free(&c);
    return copy;
}

/* Rows split over 3 threads (spans of at least 8192 values) give the serial bytes: the
 * attention shape, just under and over one span, one long row, many short ones. */
static void test_softmax_rows_same_bytes(void) {
    static const int32_t shapes[][2] = {{512, 128}, {64, 128}, {65, 128}, {63, 131},
                                        {1, 20000}, {3000, 7}, {4097, 3}};
    static uint8_t in[512 * 128 * sizeof(float)];
    for (int dt = 0; dt < 2; dt++)
        for (size_t k = 0; k < N(shapes); k++) {
            const tflc_dtype t = dt ? I16 : F32;
            const float beta = k % 2 ? 0.7f : 1.0f;
            fill(t, in, (size_t)shapes[k][0] * (size_t)shapes[k][1]);
            size_t b1 = 0, b3 = 0;
            uint8_t *serial = run_softmax(t, beta, in, shapes[k][0], shapes[k][1], NULL, &b1);
            uint8_t *threaded = run_softmax(t, beta, in, shapes[k][0], shapes[k][1], pool3, &b3);
            CHECK_MSG(serial && threaded && b1 == b3 && memcmp(serial, threaded, b1) == 0,
                      "SOFTMAX %s %dx%d differs with 3 threads", tflc_dtype_name(t),
                      (int)shapes[k][0], (int)shapes[k][1]);
            free(serial);
            free(threaded);
        }
}

static void run_tests(void) {
    CHECK_OK(tflc_threadpool_create(3, &pool3));
    TEST(test_threads_same_bytes);
    TEST(test_softmax_rows_same_bytes);
    tflc_threadpool_free(pool3);
}

TEST_MAIN()
