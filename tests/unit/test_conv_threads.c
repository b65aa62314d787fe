/*
 * test_conv_threads.c -- float CONV_2D through im2col split over a pool of 3 threads (row
 * chunks x column blocks) gives the same bytes as one pass on the calling thread. Shapes with
 * few output pixels and many channels (the column split), channel counts that are not a
 * multiple of any nr, one output pixel, strides, dilation and batches.
 *
 * And the taps form (channels a multiple of the GEMM's summation block: A read from the
 * input, or its zero-bordered copy, in place) gives the bytes of the product it replaces:
 * the im2col matrix, built here, through tflc_gemm_f32_range_flags.
 */
#include "ops/conv_common.h"
#include "test.h"
#include "op_harness.h"

#include "core/threadpool.h"
#include "kernels/gemm.h"

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

/* Random input, filter and bias for shape s. */
static void fill_random(const conv_shape *s, float *in, float *w, float *b) {
    const size_t n_in = (size_t)s->n * s->h * s->w * s->c;
    const size_t n_w = (size_t)s->out_c * s->kh * s->kw * s->c;
    for (size_t i = 0; i < n_in; i++) in[i] = rnd();
    for (size_t i = 0; i < n_w; i++) w[i] = rnd();
    for (int i = 0; i < s->out_c; i++) b[i] = rnd();
}

/* A malloc'd copy of the output of `s` on in/w/b with `pool` (NULL: serial). */
static size_t last_scratch;   /* the scratch bytes the last run_conv's prepare asked for */

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
    last_scratch = c.node.scratch_bytes;
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
        fill_random(s, in, w, b);
        size_t b1 = 0, b3 = 0;
        unsigned char *serial = run_conv(s, in, w, b, NULL, &b1);
        unsigned char *threaded = run_conv(s, in, w, b, pool3, &b3);
        if (serial && threaded)
            CHECK_MSG(b1 == b3 && memcmp(serial, threaded, b1) == 0, "shape %zu: 3 threads differ", k);
        free(serial);
        free(threaded);
    }
}

/* One axis as TFLite plans it: output size and leading pad. */
static void plan_axis(int padding, int32_t in, int32_t k, int32_t stride, int32_t *out,
                      int32_t *pad) {
    *out = padding == SAME ? (in + stride - 1) / stride : (in - k) / stride + 1;
    const int32_t need = (*out - 1) * stride + k - in;
    *pad = padding == SAME && need > 0 ? need / 2 : 0;
}

/* The output of s by definition of the GEMM form: im2col rows (0.0f outside the input),
 * packed filter, tflc_gemm_f32_range_flags with TFLC_GEMM_PART, the activation's clamp. */
static float *im2col_gemm(const conv_shape *s, const float *in, const float *w, const float *b) {
    int32_t oh, ow, pt, pl;
    plan_axis(s->padding, s->h, s->kh, s->stride, &oh, &pt);
    plan_axis(s->padding, s->w, s->kw, s->stride, &ow, &pl);
    const size_t m = (size_t)s->n * oh * ow, k = (size_t)s->kh * s->kw * s->c, n = (size_t)s->out_c;
    float *a = calloc(m * k, sizeof(float)), *c = malloc(m * n * sizeof(float));
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_get();
    void *pb = aligned_alloc(64, (tflc_gemm_f32_packed_size(cfg, n, k) + 63) / 64 * 64);
    for (size_t r = 0; r < m; r++) {
        const int32_t bi = (int32_t)(r / ((size_t)oh * ow)), oy = (int32_t)(r / ow % oh);
        const int32_t ox = (int32_t)(r % ow);
        for (int32_t ky = 0; ky < s->kh; ky++)
            for (int32_t kx = 0; kx < s->kw; kx++) {
                const int32_t iy = oy * s->stride + ky - pt, ix = ox * s->stride + kx - pl;
                if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) continue;
                memcpy(a + r * k + ((size_t)ky * s->kw + kx) * s->c,
                       in + (((size_t)bi * s->h + iy) * s->w + ix) * s->c, (size_t)s->c * sizeof(float));
            }
    }
    tflc_gemm_f32_pack_b(cfg, n, k, w, k, true, pb);
    const float lo = s->act == ACT_NONE ? -INFINITY : 0.0f, hi = s->act == ACT_RELU6 ? 6.0f : INFINITY;
    const tflc_gemm_f32_args g = {m, n, k, a, k, pb, b, c, n, lo, hi, NULL, NULL};
    /* conv_2d.c's rule: filters of fewer than 1024 elements sum in LiteRT's mul_add order. */
    const unsigned mul_add = n * k < 1024 ? TFLC_GEMM_MUL_ADD : 0u;
    tflc_gemm_f32_range_flags(&g, 0, m, 0, n, TFLC_GEMM_PART | mul_add);
    free(a);
    free(pb);
    return c;
}

/* Shapes whose channels are whole summation blocks take the taps form where this CPU's GEMM
 * has it (here AVX-512); the others, im2col. Either way the bytes are the product's. Padded
 * (SAME, and stride 2's bottom-only pad) and unpadded (VALID: the input read in place),
 * widths that are not a multiple of the 7-row tile, odd column counts, batches, 1 and 3
 * threads. */
static void test_taps_same_bytes_as_im2col(void) {
    static const conv_shape shapes[] = {
        {1, 14, 14, 64, 3, 3, 64, SAME, 1, 1, ACT_RELU},
        {2, 9, 13, 64, 3, 3, 40, SAME, 1, 1, ACT_NONE},
        {1, 16, 16, 64, 3, 3, 70, SAME, 2, 1, ACT_RELU6},   /* pads bottom and right only */
        {1, 11, 12, 128, 3, 3, 33, VALID, 1, 1, ACT_NONE},  /* no border: in place */
        {1, 10, 9, 64, 5, 5, 17, SAME, 1, 1, ACT_RELU},
        {1, 8, 15, 64, 1, 3, 24, SAME, 1, 1, ACT_NONE},
        {1, 15, 8, 128, 3, 1, 16, VALID, 2, 1, ACT_NONE},
        {1, 7, 7, 40, 3, 3, 64, SAME, 1, 1, ACT_NONE},      /* not whole blocks: im2col */
        /* filters under 1024 elements (mul_add): taps where N is a multiple of 8 */
        {1, 21, 19, 3, 3, 3, 32, SAME, 2, 1, ACT_RELU6},    /* a first convolution */
        {2, 12, 11, 3, 3, 3, 16, SAME, 1, 1, ACT_NONE},
        {1, 13, 14, 4, 3, 3, 24, VALID, 1, 1, ACT_RELU},    /* N = 24: the 24-column tile */
        {1, 12, 12, 3, 3, 3, 12, SAME, 2, 1, ACT_NONE},     /* N % 8 != 0: im2col */
    };
    static float in[2 * 16 * 16 * 128], w[70 * 5 * 5 * 128], b[70];
    if (!tflc_gemm_f32_taps_fit(tflc_gemm_f32_config_get(), 64, 64, false))
        fprintf(stderr, "(no taps kernels on this CPU: im2col throughout)\n");
    for (size_t k = 0; k < N(shapes); k++) {
        const conv_shape *s = &shapes[k];
        fill_random(s, in, w, b);
        float *want = im2col_gemm(s, in, w, b);
        /* The CPU's B budget, then budgets that cut K into slices of one tap and of about
         * a third of the taps (gemm.h: tflc_gemm_f32_taps_slice), as a CPU with a small L2
         * would. */
        const size_t tap_bytes = (size_t)s->c * (size_t)s->out_c * sizeof(float);
        const size_t budgets[] = {TFLC_GEMM_B_BUDGET_DETECT, 1, 3 * tap_bytes};
        for (size_t bi = 0; bi < N(budgets); bi++) {
            tflc_gemm_f32_set_b_budget(budgets[bi]);
            for (int threads = 0; threads < 2; threads++) {
                size_t bytes = 0;
                unsigned char *got = run_conv(s, in, w, b, threads ? pool3 : NULL, &bytes);
                CHECK_MSG(got && memcmp(got, want, bytes) == 0, "shape %zu, budget %zu, %d "
                          "threads: not the im2col product's bytes", k, budgets[bi],
                          threads ? 3 : 1);
                free(got);
            }
        }
        tflc_gemm_f32_set_b_budget(TFLC_GEMM_B_BUDGET_DETECT);
        free(want);
    }
}

/* Under a budget of 3 taps' worth of B, a 3x3 product over 64 channels x 64 columns takes
 * 3 slices of 3 taps (any CPU: the budget is forced); with no budget, one slice. */
static void test_taps_per_slice(void) {
    const size_t tap_bytes = 64 * 64 * sizeof(float);
    const tflc_gemm_f32_args g = {1, 64, 9 * 64, NULL, 0, NULL, NULL, NULL, 64, 0.0f, 0.0f,
                                  NULL, NULL};
    tflc_gemm_f32_set_b_budget(3 * tap_bytes);
    CHECK(tflc_gemm_f32_taps_per_slice(&g, 9, 64) == 3);
    tflc_gemm_f32_set_b_budget(4 * tap_bytes);   /* 4 fit: 3 slices, evened to 3 taps */
    CHECK(tflc_gemm_f32_taps_per_slice(&g, 9, 64) == 3);
    tflc_gemm_f32_set_b_budget(1);
    CHECK(tflc_gemm_f32_taps_per_slice(&g, 9, 64) == 1);
    tflc_gemm_f32_set_b_budget(0);
    CHECK(tflc_gemm_f32_taps_per_slice(&g, 9, 64) == 9);
    tflc_gemm_f32_set_b_budget(TFLC_GEMM_B_BUDGET_DETECT);
}

/* A bordered copy much larger than the input (2000 batches of one pixel, 3x3 SAME: 9 pixels
 * each) is refused: the conv takes im2col, whose chunks keep its scratch small, and still
 * gives the product's bytes. */
static void test_taps_border_bounded(void) {
    static const conv_shape s = {2000, 1, 1, 64, 3, 3, 16, SAME, 1, 1, ACT_NONE};
    static float in[2000 * 64], w[16 * 9 * 64], b[16];
    fill_random(&s, in, w, b);
    float *want = im2col_gemm(&s, in, w, b);
    size_t bytes = 0;
    unsigned char *got = run_conv(&s, in, w, b, NULL, &bytes);
    CHECK(got && memcmp(got, want, bytes) == 0);
    CHECK_MSG(last_scratch < ((size_t)2 << 20), "scratch %zu bytes (the copy would be 4.6 MB)",
              last_scratch);
    free(got);
    free(want);
}

/* A 1x1 filter over one output pixel (squeeze-excite, a classifier) with large weights
 * reads them in place (kernels/gemm.h): the packed filter's bytes at 1 and 3 threads, and
 * only the 64-byte block that refers to the filter in scratch instead of its packed copy.
 * Forced both ways with the threshold; two batches (two GEMM rows) stay packed. */
static void test_one_pixel_in_place(void) {
    static const conv_shape shapes[] = {{1, 1, 1, 240, 1, 1, 960, VALID, 1, 1, ACT_NONE},
                                        {1, 1, 1, 37, 1, 1, 70, SAME, 1, 1, ACT_RELU},
                                        {1, 1, 1, 5, 1, 1, 3, VALID, 1, 1, ACT_RELU6}};
    static float in[240], w[960 * 240], b[960];
    for (size_t si = 0; si < N(shapes); si++) {
        const conv_shape *s = &shapes[si];
        fill_random(s, in, w, b);
        const size_t packed = (size_t)s->c * (size_t)s->out_c * sizeof(float);
        size_t bytes = 0, got_bytes = 0;
        tflc_gemm_f32_set_in_place_min(SIZE_MAX);
        unsigned char *want = run_conv(s, in, w, b, NULL, &bytes);
        CHECK(last_scratch >= packed);
        tflc_gemm_f32_set_in_place_min(1);
        for (int threads = 0; want && threads < 2; threads++) {
            unsigned char *got = run_conv(s, in, w, b, threads ? pool3 : NULL, &got_bytes);
            CHECK_MSG(got && got_bytes == bytes && memcmp(got, want, bytes) == 0,
                      "1x1 %d -> %d on one pixel in place, %d threads: not the packed bytes",
                      (int)s->c, (int)s->out_c, threads ? 3 : 1);
            CHECK_MSG(last_scratch < packed || packed <= TFLC_GEMM_PACKED_HEADER,
                      "scratch %zu bytes: the filter was packed", last_scratch);
            free(got);
        }
        tflc_gemm_f32_set_in_place_min(TFLC_GEMM_IN_PLACE_FLOATS);
        free(want);
    }
    CHECK(!tflc_gemm_f32_b_in_place(2, 960, 240, false));
}

static void run_tests(void) {
    CHECK_OK(tflc_threadpool_create(3, &pool3));
    TEST(test_im2col_threads_same_bytes);
    TEST(test_taps_same_bytes_as_im2col);
    TEST(test_taps_border_bounded);
    TEST(test_taps_per_slice);
    TEST(test_one_pixel_in_place);
    tflc_threadpool_free(pool3);
}

TEST_MAIN()
