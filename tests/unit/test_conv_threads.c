/*
 * test_conv_threads.c -- float CONV_2D through im2col split over a pool of 3 threads (row
 * chunks x column blocks) gives the same bytes as one pass on the calling thread. Shapes with
 * few output pixels and many channels (the column split), channel counts that are not a
 * multiple of any nr, one output pixel, strides, dilation and batches.
 */
#include "ops/conv_common.h"
#include "test.h"
#include "op_harness.h"

#include "core/threadpool.h"

static tflc_threadpool *pool3;

#define SAME CONV_PADDING_SAME
#define VALID CONV_PADDING_VALID

static uint64_t rng_state = 0xc0417;
static float rnd(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (float)((double)(z >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

typedef struct conv_shape {
    int32_t n, h, w, c, kh, kw, out_c;
    int padding, stride, dilation, act;
} conv_shape;

/* A malloc'd copy of the output of `s` on in/w/b with `pool` (NULL: serial). */
static void *run_conv(const conv_shape *s, const float *in, const float *w, const float *b,
                      tflc_threadpool *pool, size_t *bytes) {
    const int32_t d_in[] = {s->n, s->h, s->w, s->c}, d_w[] = {s->out_c, s->kh, s->kw, s->c},
                  d_b[] = {s->out_c};
    opcase c;
    oc_init(&c, &tflc_kernel_conv_2d);
    oc_options(&c, BO_Conv2D);
    opt_i8(&c, CONV2D_OPT_PADDING, s->padding);
    opt_i32(&c, CONV2D_OPT_STRIDE_H, s->stride);
    opt_i32(&c, CONV2D_OPT_STRIDE_W, s->stride);
    opt_i32(&c, CONV2D_OPT_DILATION_H, s->dilation);
    opt_i32(&c, CONV2D_OPT_DILATION_W, s->dilation);
    opt_i8(&c, CONV2D_OPT_ACTIVATION, s->act);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    oc_const(&c, F32, 1, d_b, b);
    tflc_tensor *out = oc_out(&c, F32);
    fake_runner.pool = pool;
    tflc_status st = oc_run(&c);
    fake_runner.pool = NULL;
    CHECK_MSG(st == TFLC_OK, "%s", tflc_last_error());
    void *copy = oc_output_copy(st, out, bytes);
    oc_free(&c);
    return copy;
}

static void test_im2col_threads_same_bytes(void) {
    static const conv_shape shapes[] = {
        {1, 7, 7, 64, 3, 3, 200, SAME, 1, 1, ACT_NONE},     /* 49 pixels, many channels */
        {1, 7, 7, 40, 3, 3, 512, SAME, 1, 1, ACT_RELU},
        {1, 14, 14, 32, 3, 3, 77, VALID, 2, 1, ACT_NONE},
        {2, 9, 11, 5, 5, 5, 300, SAME, 1, 1, ACT_RELU6},
        {1, 3, 3, 8, 3, 3, 65, VALID, 1, 1, ACT_NONE},      /* one output pixel */
        {1, 13, 12, 6, 3, 3, 33, SAME, 1, 2, ACT_NONE},     /* dilation 2 */
        {1, 56, 56, 16, 3, 3, 24, SAME, 1, 1, ACT_NONE},    /* many row chunks */
    };
    static float in[2 * 56 * 56 * 64], w[512 * 5 * 5 * 64], b[512];
    for (size_t k = 0; k < N(shapes); k++) {
        const conv_shape *s = &shapes[k];
        const size_t n_in = (size_t)s->n * s->h * s->w * s->c, n_w = (size_t)s->out_c * s->kh * s->kw * s->c;
        for (size_t i = 0; i < n_in; i++) in[i] = rnd();
        for (size_t i = 0; i < n_w; i++) w[i] = rnd();
        for (int i = 0; i < s->out_c; i++) b[i] = rnd();
        size_t b1 = 0, b3 = 0;
        unsigned char *serial = run_conv(s, in, w, b, NULL, &b1);
        unsigned char *threaded = run_conv(s, in, w, b, pool3, &b3);
        if (serial && threaded)
            CHECK_MSG(b1 == b3 && memcmp(serial, threaded, b1) == 0, "shape %zu: 3 threads differ", k);
        free(serial);
        free(threaded);
    }
}

static void run_tests(void) {
    CHECK_OK(tflc_threadpool_create(3, &pool3));
    TEST(test_im2col_threads_same_bytes);
    tflc_threadpool_free(pool3);
}

TEST_MAIN()
