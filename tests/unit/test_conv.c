/*
 * test_conv.c -- the convolution and pooling kernels called directly (CONV_2D,
 * DEPTHWISE_CONV_2D, TRANSPOSE_CONV, CONV_3D, CONV_3D_TRANSPOSE, AVERAGE/MAX/L2_POOL_2D):
 * hand-built tensors, prepare, eval, compared with golden arrays worked out by hand from
 * each op's definition and, for quantized paths, from TFLite's rounding rules (the comments
 * show the arithmetic). Ragged borders, odd sizes and hostile shapes and options included.
 *
 * The fixture (fake model/runner/graph, option tables built as real flatbuffer tables,
 * output buffers poisoned with 0xAB and owned by ASan-visible heap blocks) is
 * tests/op_harness.h.
 */
#include <stdbool.h>
#include <stdint.h>

#include "ops/conv_common.h"
#include "test.h"
#include "op_harness.h"

/* ------------------------------------------------------- option helpers -- */

static void conv2d_opts(opcase *c, int padding, int stride_h, int stride_w, int dil_h, int dil_w,
                        int act) {
    oc_options(c, BO_Conv2D);
    opt_i8(c, CONV2D_OPT_PADDING, padding);
    opt_i32(c, CONV2D_OPT_STRIDE_H, stride_h);
    opt_i32(c, CONV2D_OPT_STRIDE_W, stride_w);
    opt_i32(c, CONV2D_OPT_DILATION_H, dil_h);
    opt_i32(c, CONV2D_OPT_DILATION_W, dil_w);
    opt_i8(c, CONV2D_OPT_ACTIVATION, act);
}

static void dw_opts(opcase *c, int padding, int stride, int dil, int act) {
    oc_options(c, BO_DepthwiseConv2D);
    opt_i8(c, DWCONV_OPT_PADDING, padding);
    opt_i32(c, DWCONV_OPT_STRIDE_H, stride);
    opt_i32(c, DWCONV_OPT_STRIDE_W, stride);
    opt_i32(c, DWCONV_OPT_DILATION_H, dil);
    opt_i32(c, DWCONV_OPT_DILATION_W, dil);
    opt_i8(c, DWCONV_OPT_ACTIVATION, act);
}

static void tconv_opts(opcase *c, int padding, int stride, int act) {
    oc_options(c, BO_TransposeConv);
    opt_i8(c, TCONV_OPT_PADDING, padding);
    opt_i32(c, TCONV_OPT_STRIDE_H, stride);
    opt_i32(c, TCONV_OPT_STRIDE_W, stride);
    opt_i8(c, TCONV_OPT_ACTIVATION, act);
}

static void conv3d_opts(opcase *c, int padding, int stride, int act) {
    oc_options(c, BO_Conv3D);
    opt_i8(c, CONV3D_OPT_PADDING, padding);
    opt_i32(c, CONV3D_OPT_STRIDE_D, stride);
    opt_i32(c, CONV3D_OPT_STRIDE_H, stride);
    opt_i32(c, CONV3D_OPT_STRIDE_W, stride);
    opt_i8(c, CONV3D_OPT_ACTIVATION, act);
}

static void pool_opts(opcase *c, int padding, int fh, int fw, int stride, int act) {
    oc_options(c, BO_Pool2D);
    opt_i8(c, POOL_OPT_PADDING, padding);
    opt_i32(c, POOL_OPT_FILTER_H, fh);
    opt_i32(c, POOL_OPT_FILTER_W, fw);
    opt_i32(c, POOL_OPT_STRIDE_H, stride);
    opt_i32(c, POOL_OPT_STRIDE_W, stride);
    opt_i8(c, POOL_OPT_ACTIVATION, act);
}

#define SAME CONV_PADDING_SAME
#define VALID CONV_PADDING_VALID

/* ============================================================== CONV_2D == */

/* 3x3 input 1..9, 3x3 filter of ones, SAME stride 1: each output is the sum of the inside
 * part of its neighbourhood (corners 4 terms, edges 6, centre 9), plus bias 0.5:
 *   1 2 3      12 21 16
 *   4 5 6  ->  27 45 33
 *   7 8 9      24 39 28 */
static void test_conv_same_ragged_border(void) {
    opcase c;
    const int32_t d_in[] = {1, 3, 3, 1}, d_w[] = {1, 3, 3, 1}, d_b[] = {1}, want_d[] = {1, 3, 3, 1};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, b[] = {0.5f};
    const float want[] = {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, SAME, 1, 1, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    oc_const(&c, F32, 1, d_b, b);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* 5x5 input v = 5r + c, VALID stride 2, two filters: ones and minus ones, RELU. A window at
 * (r, c) sums to 9(5r + c) + 54: windows (0,0) (0,2) (2,0) (2,2) give 54 72 144 162; the
 * negated channel is clamped to 0. Output [1,2,2,2]. */
static void test_conv_valid_stride2_relu(void) {
    opcase c;
    const int32_t d_in[] = {1, 5, 5, 1}, d_w[] = {2, 3, 3, 1}, want_d[] = {1, 2, 2, 2};
    float in[25], w[18];
    for (int i = 0; i < 25; i++) in[i] = (float)i;
    for (int i = 0; i < 18; i++) w[i] = i < 9 ? 1.0f : -1.0f;
    const float want[] = {54, 0, 72, 0, 144, 0, 162, 0};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 2, 2, 1, 1, ACT_RELU);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* Dilation 2, SAME, 3x3 filter with only the top-left tap set: the dilated window is 5 wide,
 * padding 2, so out[y][x] = in[y-2][x-2] (0 outside): the input shifted down-right. */
static void test_conv_dilation2(void) {
    opcase c;
    const int32_t d_in[] = {1, 5, 5, 1}, d_w[] = {1, 3, 3, 1};
    float in[25], want[25];
    const float w[] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 25; i++) in[i] = (float)(i + 1);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 5; x++)
            want[y * 5 + x] = y >= 2 && x >= 2 ? in[(y - 2) * 5 + x - 2] : 0;
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, SAME, 1, 1, 2, 2, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    oc_no_input(&c);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* Groups: 4 input channels, filter [2,1,1,2] -> 2 groups of 2 channels, one output each:
 * out0 = 1*1 + 2*1 = 3 (channels 0, 1), out1 = 3*1 + 4*(-1) = -1 (channels 2, 3). */
static void test_conv_groups(void) {
    opcase c;
    const int32_t d_in[] = {1, 1, 1, 4}, d_w[] = {2, 1, 1, 2};
    const float in[] = {1, 2, 3, 4}, w[] = {1, 1, 1, -1}, want[] = {3, -1};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* int8 per channel, 1x1 filter [3, -2] with scales {0.5, 0.25}; input scale 0.5, output
 * scale 0.25 zero point -1; bias {1, 1}. Multipliers: 0.5*0.5/0.25 = 1 and 0.5.
 *   ch0: 3x + 1           x = 2, -3, 4, 5 -> 7, -8, 13, 16 -> -1: 6, -9, 12, 15
 *   ch1: -2x + 1, * 0.5    -3, 7, -7, -9 -> gemmlowp rounds ties of negatives toward zero:
 *        -1.5 -> -1, 3.5 -> 4, -3.5 -> -3, -4.5 -> -4  -> -1: -2, 3, -4, -5 */
static void test_conv_int8_per_channel(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 1}, d_w[] = {2, 1, 1, 1}, d_b[] = {2};
    const int8_t in[] = {2, -3, 4, 5}, w[] = {3, -2};
    const int32_t b[] = {1, 1};
    static const float s_in[] = {0.5f}, s_w[] = {0.5f, 0.25f}, s_out[] = {0.25f};
    static const int64_t z0[] = {0, 0}, z_out[] = {-1};
    const int8_t want[] = {6, -2, -9, 3, 12, -4, 15, -5};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, in), 1, s_in, z0, 0);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 2, s_w, z0, 0);
    oc_const(&c, I32, 1, d_b, b);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, s_out, z_out, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);
}

/* uint8, asymmetric filter: input zero point 10, filter value 130 with zero point 128
 * (real 2), scales 1: acc = 2(x - 10) = 0, 20; output zero point 100 -> 100, 120; RELU6
 * clamps to [100 + round(0/1), 100 + round(6/1)] = [100, 106] -> 100, 106. */
static void test_conv_uint8_relu6(void) {
    opcase c;
    const int32_t d_in[] = {1, 1, 2, 1}, d_w[] = {1, 1, 1, 1};
    const uint8_t in[] = {10, 20}, w[] = {130}, want[] = {100, 106};
    static const float one[] = {1.0f};
    static const int64_t z_in[] = {10}, z_w[] = {128}, z_out[] = {100};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_RELU6);
    oc_quant(&c, oc_in(&c, U8, 4, d_in, in), 1, one, z_in, 0);
    oc_quant(&c, oc_const(&c, U8, 4, d_w, w), 1, one, z_w, 0);
    tflc_tensor *out = oc_out(&c, U8);
    oc_quant(&c, out, 1, one, z_out, 0);
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, want, N(want)));
    oc_free(&c);
}

/* int16x8 with int64 bias: multiplier 0.5 = 2^30 * 2^-31, reduced to 16 bits (2^14), one
 * rounding: (x * 2^14 + 2^14) >> 15 = floor((x + 1) / 2). x = 3, -3, -4, 1000 (+ bias 0) and
 * bias 2^33 on a second channel: 3 -> 2, -3 -> -1, -4 -> -2, 1000 -> 500; the second channel
 * (weight 0) saturates to 32767. */
static void test_conv_int16x8(void) {
    opcase c;
    const int32_t d_in[] = {1, 1, 4, 1}, d_w[] = {2, 1, 1, 1}, d_b[] = {2};
    const int16_t in[] = {3, -3, -4, 1000};
    const int8_t w[] = {1, 0};
    const int64_t b[] = {0, INT64_C(1) << 33};
    static const float s_in[] = {1.0f}, s_w[] = {0.5f}, s_out[] = {1.0f};
    static const int64_t z0[] = {0};
    const int16_t want[] = {2, 32767, -1, 32767, -2, 32767, 500, 32767};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I16, 4, d_in, in), 1, s_in, z0, 0);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 1, s_w, z0, 0);
    oc_const(&c, I64, 1, d_b, b);
    tflc_tensor *out = oc_out(&c, I16);
    oc_quant(&c, out, 1, s_out, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want, N(want)));
    oc_free(&c);
}

/* Hybrid, one filter scale (0.5): the input is quantized symmetrically, scale 1/127:
 * q = 127, round(-63.5) = -64, round(31.75) = 32, 0; acc = 2q; out = acc * (1/127 * 0.5)
 * ~ 1.0, -0.504, 0.252, 0 (the quantization error of -0.5 and 0.25 shows). */
static void test_conv_hybrid_symmetric(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 1}, d_w[] = {1, 1, 1, 1};
    const float in[] = {1.0f, -0.5f, 0.25f, 0.0f};
    const int8_t w[] = {2};
    static const float s_w[] = {0.5f};
    static const int64_t z0[] = {0};
    const float sf = (1.0f / 127.0f) * 0.5f;
    const float want[] = {254 * sf, -128 * sf, 64 * sf, 0};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 1, s_w, z0, 0);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 1e-6f));
    oc_free(&c);
}

/* Hybrid, per-channel scales {0.5, 0.25}, weights {1, 2} (both real 0.5): the input
 * 1, 0, 0.5, -0.25 is quantized asymmetrically over [-0.25, 1] (zero point -77, steps of
 * 1.25/255), which represents these values exactly up to float rounding, so both channels
 * give 0.5 x. */
static void test_conv_hybrid_per_channel(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 1}, d_w[] = {2, 1, 1, 1};
    const float in[] = {1.0f, 0.0f, 0.5f, -0.25f};
    const int8_t w[] = {1, 2};
    static const float s_w[] = {0.5f, 0.25f};
    static const int64_t z0[] = {0, 0};
    const float want[] = {0.5f, 0.5f, 0, 0, 0.25f, 0.25f, -0.125f, -0.125f};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 2, s_w, z0, 0);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 1e-6f));
    oc_free(&c);
}

/* Stride larger than the input: 5 wide, stride 7, 3x3 SAME -> one output (ceil(5/7)),
 * padding max(0, 0*7 + 3 - 5)/2 = 0, so the window covers columns 0..2. */
static void test_conv_stride_beyond_input(void) {
    opcase c;
    const int32_t d_in[] = {1, 1, 5, 1}, d_w[] = {1, 1, 3, 1}, want_d[] = {1, 1, 1, 1};
    const float in[] = {1, 2, 3, 4, 5}, w[] = {1, 1, 1}, want[] = {6};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, SAME, 7, 7, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* Zero-size tensors: batch 0 and zero width (SAME) give empty outputs, and eval reads and
 * writes nothing (ASan would see it). */
static void test_conv_zero_size(void) {
    opcase c;
    const int32_t d_in[] = {0, 4, 4, 2}, d_w[] = {3, 3, 3, 2}, want_d[] = {0, 4, 4, 3};
    const float w[54] = {0};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, SAME, 1, 1, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, NULL);
    oc_const(&c, F32, 4, d_w, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    oc_free(&c);

    const int32_t d_in2[] = {1, 4, 0, 2}, want_d2[] = {1, 2, 0, 3};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, SAME, 2, 2, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in2, NULL);
    oc_const(&c, F32, 4, d_w, w);
    out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d2));
    oc_free(&c);
}

/* A float conv node over [1,4,4,2] with filter [3,3,3,2], options as given. */
static void conv_hostile_setup(opcase *c, int stride, int dil, const int32_t *d_w) {
    static const float w[3 * 7 * 7 * 2] = {0};
    const int32_t d_in[] = {1, 4, 4, 2};
    oc_init(c, &tflc_kernel_conv_2d);
    conv2d_opts(c, VALID, stride, stride, dil, dil, ACT_NONE);
    oc_in(c, F32, 4, d_in, NULL);
    oc_const(c, F32, 4, d_w, w);
    oc_out(c, F32);
}

static void test_conv_hostile(void) {
    opcase c;
    const int32_t d_w[] = {3, 3, 3, 2}, d_w3[] = {3, 3, 3, 3}, d_w7[] = {3, 7, 7, 2};
    conv_hostile_setup(&c, 0, 1, d_w);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "stride along height is 0");
    oc_free(&c);
    conv_hostile_setup(&c, 1, 0, d_w);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "dilation along height is 0");
    oc_free(&c);
    conv_hostile_setup(&c, 1, 1, d_w3);   /* 2 input channels, filter wants 3 */
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "not a multiple of the filter's 3");
    oc_free(&c);
    conv_hostile_setup(&c, 1, 1, d_w7);   /* VALID: (4 + 1 - 7) / 1 < 0 outputs */
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "smaller than the filter window 7");
    oc_free(&c);
    conv_hostile_setup(&c, 1, 1 << 30, d_w);   /* (3-1) * 2^30 + 1 does not fit int32 */
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "too large");
    oc_free(&c);

    /* no options table at all: strides default to 0 */
    static const float w[54] = {0};
    const int32_t d_in[] = {1, 4, 4, 2};
    oc_init(&c, &tflc_kernel_conv_2d);
    oc_in(&c, F32, 4, d_in, NULL);
    oc_const(&c, F32, 4, d_w, w);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "stride");
    oc_free(&c);

    conv_hostile_setup(&c, 1, 1, d_w);
    c.fields[5].i = ACT_TANH;   /* the activation slot */
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "TANH");
    oc_free(&c);
}

/* Quantized models that lie: filter scales neither 1 nor one per channel, a filter zero
 * point, bias of the wrong dtype, missing quantization, a bias of the wrong length. */
static void test_conv_hostile_quant(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 1}, d_w[] = {2, 1, 1, 1}, d_b[] = {2}, d_b3[] = {3};
    const int8_t w[] = {1, 1};
    const int32_t b[] = {0, 0, 0};
    const float fb[] = {0, 0};
    static const float s1[] = {1.0f}, s3[] = {1.0f, 1.0f, 1.0f};
    static const int64_t z0[] = {0, 0, 0}, z1[] = {1};

    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, NULL), 1, s1, z0, 0);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 3, s3, z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, s1, z0, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "3 scales");
    oc_free(&c);

    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, NULL), 1, s1, z0, 0);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 1, s1, z1, 0);
    oc_quant(&c, oc_out(&c, I8), 1, s1, z0, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "filter zero point");
    oc_free(&c);

    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, NULL), 1, s1, z0, 0);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 1, s1, z0, 0);
    oc_const(&c, F32, 1, d_b, fb);
    oc_quant(&c, oc_out(&c, I8), 1, s1, z0, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input 2 has dtype float32, expected int32");
    oc_free(&c);

    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, NULL), 1, s1, z0, 0);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 1, s1, z0, 0);
    oc_const(&c, I32, 1, d_b3, b);
    oc_quant(&c, oc_out(&c, I8), 1, s1, z0, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "bias (input 2) has 3 elements");
    oc_free(&c);

    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_in(&c, I8, 4, d_in, NULL);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 1, s1, z0, 0);
    oc_quant(&c, oc_out(&c, I8), 1, s1, z0, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "no quantization parameters");
    oc_free(&c);

    /* float input with uint8 weights (legacy hybrid) is refused by name */
    const uint8_t uw[] = {1, 1};
    oc_init(&c, &tflc_kernel_conv_2d);
    conv2d_opts(&c, VALID, 1, 1, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, NULL);
    oc_quant(&c, oc_const(&c, U8, 4, d_w, uw), 1, s1, z0, 0);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "expected float32");
    oc_free(&c);
}

/* ==================================================== DEPTHWISE_CONV_2D == */

/* Depth multiplier 2 on a one-channel 3x3 input: channel 0 sums the neighbourhood (as in
 * test_conv_same_ragged_border), channel 1 picks the centre tap; bias {0, 0.5}. */
static void test_dw_multiplier2_ragged(void) {
    opcase c;
    const int32_t d_in[] = {1, 3, 3, 1}, d_w[] = {1, 3, 3, 2}, d_b[] = {2}, want_d[] = {1, 3, 3, 2};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, b[] = {0, 0.5f};
    float w[18];
    for (int t = 0; t < 9; t++) {
        w[2 * t] = 1.0f;
        w[2 * t + 1] = t == 4 ? 1.0f : 0.0f;
    }
    const float sums[] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    float want[18];
    for (int i = 0; i < 9; i++) {
        want[2 * i] = sums[i];
        want[2 * i + 1] = in[i] + 0.5f;
    }
    oc_init(&c, &tflc_kernel_depthwise_conv_2d);
    dw_opts(&c, SAME, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    oc_const(&c, F32, 1, d_b, b);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* Stride 2 on an odd 5x5 input, 3x3 SAME: out 3x3, padding (2*2 + 3 - 5)/2 = 1, so output
 * (0,0) sees rows/cols 0..1 only, (1,1) rows/cols 1..3, (2,2) rows/cols 3..4. */
static void test_dw_stride2_odd(void) {
    opcase c;
    const int32_t d_in[] = {1, 5, 5, 1}, d_w[] = {1, 3, 3, 1}, want_d[] = {1, 3, 3, 1};
    float in[25];
    const float w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 25; i++) in[i] = (float)i;
    /* window rows R(o) = {2o-1..2o+1} within 0..4: R(0)={0,1}, R(1)={1,2,3}, R(2)={3,4} */
    float want[9];
    const int lo[] = {0, 1, 3}, hi[] = {1, 3, 4};
    for (int oy = 0; oy < 3; oy++)
        for (int ox = 0; ox < 3; ox++) {
            float s = 0;
            for (int y = lo[oy]; y <= hi[oy]; y++)
                for (int x = lo[ox]; x <= hi[ox]; x++) s += in[y * 5 + x];
            want[oy * 3 + ox] = s;
        }
    oc_init(&c, &tflc_kernel_depthwise_conv_2d);
    dw_opts(&c, SAME, 2, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    oc_const(&c, F32, 4, d_w, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* int8 per channel: weights {2, -3} with scales {0.5, 1}, input and output scale 1:
 * channel 0 = 2x * 0.5 = x, channel 1 = -3x. Pixels (1, 2) and (3, 4). */
static void test_dw_int8(void) {
    opcase c;
    const int32_t d_in[] = {1, 1, 2, 2}, d_w[] = {1, 1, 1, 2};
    const int8_t in[] = {1, 2, 3, 4}, w[] = {2, -3}, want[] = {1, -6, 3, -12};
    static const float s1[] = {1.0f}, s_w[] = {0.5f, 1.0f};
    static const int64_t z0[] = {0, 0};
    oc_init(&c, &tflc_kernel_depthwise_conv_2d);
    dw_opts(&c, VALID, 1, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, in), 1, s1, z0, 0);
    oc_quant(&c, oc_const(&c, I8, 4, d_w, w), 2, s_w, z0, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, s1, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);
}

static void test_dw_hostile(void) {
    opcase c;
    const int32_t d_in[] = {1, 3, 3, 2}, d_w[] = {1, 3, 3, 3}, d_w2[] = {2, 3, 3, 2};
    static const float w[54] = {0};
    oc_init(&c, &tflc_kernel_depthwise_conv_2d);
    dw_opts(&c, SAME, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, NULL);
    oc_const(&c, F32, 4, d_w, w);   /* 3 filter channels over 2 input channels */
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "not a multiple of the input's 2");
    oc_free(&c);

    oc_init(&c, &tflc_kernel_depthwise_conv_2d);
    dw_opts(&c, SAME, 1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, NULL);
    oc_const(&c, F32, 4, d_w2, w);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "filter dimension 0 is 2");
    oc_free(&c);

    const int32_t d_w1[] = {1, 3, 3, 2};
    oc_init(&c, &tflc_kernel_depthwise_conv_2d);
    dw_opts(&c, SAME, -1, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, NULL);
    oc_const(&c, F32, 4, d_w1, w);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "stride along height is -1");
    oc_free(&c);
}

/* ======================================================= TRANSPOSE_CONV == */

/* Input 2x2 [[1,2],[3,4]], 3x3 weights of ones, stride 2, SAME, output 4x4: padding
 * max(0, (2-1)*2 + 3 - 4)/2 = 0, so input row i reaches output rows 2i..2i+2 (clipped).
 * Output row r receives input rows R(r): R(0)=R(1)={0}, R(2)={0,1}, R(3)={1}, columns
 * likewise; each output is the sum of in[R(r)][R(c)], plus bias 1. */
static void tconv_setup(opcase *c, tflc_dtype dt, const void *in, const void *w, const void *b,
                        tflc_dtype bt) {
    static const int32_t shape[] = {1, 4, 4, 1};
    const int32_t d_shape[] = {4}, d_w[] = {1, 3, 3, 1}, d_in[] = {1, 2, 2, 1}, d_b[] = {1};
    oc_init(c, &tflc_kernel_transpose_conv);
    tconv_opts(c, SAME, 2, ACT_NONE);
    oc_const(c, I32, 1, d_shape, shape);
    oc_const(c, dt, 4, d_w, w);
    oc_in(c, dt, 4, d_in, in);
    oc_const(c, bt, 1, d_b, b);
}

static const float tconv_want[] = {2, 2, 4, 3, 2, 2, 4, 3, 5, 5, 11, 7, 4, 4, 8, 5};

static void test_tconv_f32(void) {
    opcase c;
    const float in[] = {1, 2, 3, 4}, w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, b[] = {1};
    const int32_t want_d[] = {1, 4, 4, 1};
    tconv_setup(&c, F32, in, w, b, F32);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(f32_near(out, tconv_want, N(tconv_want), 0));
    oc_free(&c);
}

/* The same in int8 with unit scales: exact integer sums. */
static void test_tconv_int8(void) {
    opcase c;
    const int8_t in[] = {1, 2, 3, 4}, w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    const int32_t b[] = {1};
    static const float s1[] = {1.0f};
    static const int64_t z0[] = {0};
    int8_t want[16];
    for (int i = 0; i < 16; i++) want[i] = (int8_t)tconv_want[i];
    tconv_setup(&c, I8, in, w, b, I32);
    oc_quant(&c, c.ins[1], 1, s1, z0, 0);
    oc_quant(&c, c.ins[2], 1, s1, z0, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, s1, z0, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);
}

static void test_tconv_hostile(void) {
    opcase c;
    const float in[] = {1, 2, 3, 4}, w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, b[] = {1};
    tconv_setup(&c, F32, in, w, b, F32);
    c.tensor[0].alloc = TFLC_ALLOC_ARENA;   /* output_shape computed at run time */
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "must be a constant");
    oc_free(&c);

    tconv_setup(&c, F32, in, w, b, F32);
    ((int32_t *)c.tensor[0].data)[3] = 2;   /* 2 output channels, weights have 1 */
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "does not fit");
    oc_free(&c);

    tconv_setup(&c, F32, in, w, b, F32);
    c.fields[1].i = 0;   /* stride_h */
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "stride");
    oc_free(&c);
}

/* ============================================================== CONV_3D == */

/* 2x2x2 input 1..8, filter of ones, VALID: one output, 36 + bias 0.5. */
static void test_conv3d_valid(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 2, 1}, d_w[] = {2, 2, 2, 1, 1}, d_b[] = {1};
    const int32_t want_d[] = {1, 1, 1, 1, 1};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8}, w[] = {1, 1, 1, 1, 1, 1, 1, 1}, b[] = {0.5f};
    const float want[] = {36.5f};
    oc_init(&c, &tflc_kernel_conv_3d);
    conv3d_opts(&c, VALID, 1, ACT_NONE);
    oc_in(&c, F32, 5, d_in, in);
    oc_const(&c, F32, 5, d_w, w);
    oc_const(&c, F32, 1, d_b, b);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 5, want_d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* SAME 2x2x2 filter on a 2x2x2 input: total padding 1 goes after, so output (z,y,x) sums
 * the input over [z, 1] x [y, 1] x [x, 1]: 36, 20 (x=1: 2+4+6+8), ..., 8 at (1,1,1). */
static void test_conv3d_same_ragged(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 2, 1}, d_w[] = {2, 2, 2, 1, 1};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8}, w[] = {1, 1, 1, 1, 1, 1, 1, 1};
    float want[8];
    for (int z = 0; z < 2; z++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 2; x++) {
                float s = 0;
                for (int a = z; a < 2; a++)
                    for (int b = y; b < 2; b++)
                        for (int d = x; d < 2; d++) s += in[a * 4 + b * 2 + d];
                want[z * 4 + y * 2 + x] = s;
            }
    oc_init(&c, &tflc_kernel_conv_3d);
    conv3d_opts(&c, SAME, 1, ACT_NONE);
    oc_in(&c, F32, 5, d_in, in);
    oc_const(&c, F32, 5, d_w, w);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* CONV_3D_TRANSPOSE: one input value 2 through a 2x2x2 filter 1..8 ([kd,kh,kw,out,in]),
 * VALID stride 1, output 2x2x2: the filter scaled by 2; RELU keeps it. */
static void test_conv3d_transpose(void) {
    opcase c;
    static const int32_t shape[] = {1, 2, 2, 2, 1};
    const int32_t d_shape[] = {5}, d_w[] = {2, 2, 2, 1, 1}, d_in[] = {1, 1, 1, 1, 1};
    const float in[] = {2}, w[] = {1, 2, 3, 4, 5, 6, 7, 8};
    const float want[] = {2, 4, 6, 8, 10, 12, 14, 16};
    oc_init(&c, &tflc_kernel_conv_3d_transpose);
    conv3d_opts(&c, VALID, 1, ACT_RELU);
    oc_const(&c, I32, 1, d_shape, shape);
    oc_const(&c, F32, 5, d_w, w);
    oc_in(&c, F32, 5, d_in, in);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 5, shape));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

static void test_conv3d_hostile(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 2, 3}, d_w[] = {2, 2, 2, 1, 1};
    static const float w[8] = {0};
    oc_init(&c, &tflc_kernel_conv_3d);
    conv3d_opts(&c, VALID, 1, ACT_NONE);
    oc_in(&c, F32, 5, d_in, NULL);
    oc_const(&c, F32, 5, d_w, w);   /* filter for 1 channel, input has 3 */
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "filter has 1 input channels");
    oc_free(&c);

    const int32_t d_in4[] = {1, 2, 2, 1};
    oc_init(&c, &tflc_kernel_conv_3d);
    conv3d_opts(&c, VALID, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in4, NULL);
    oc_const(&c, F32, 5, d_w, w);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input must have rank 5");
    oc_free(&c);
}

/* ============================================================== pooling == */

/* Average 3x3 SAME stride 1 over 1..9: padding is not counted, so the corners average 4
 * values, the edges 6: 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7. */
static void test_avg_pool_border(void) {
    opcase c;
    const int32_t d_in[] = {1, 3, 3, 1};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float want[] = {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7};
    oc_init(&c, &tflc_kernel_average_pool_2d);
    pool_opts(&c, SAME, 3, 3, 1, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

/* int8 averages of pairs round half away from zero: (-3, 0) -> -2, (3, 0) -> 2,
 * (-1, 0) -> -1, (-128, -127) -> -128. Window 1x2 VALID over a [1,1,2,4] input. */
static void test_avg_pool_int8_rounding(void) {
    opcase c;
    const int32_t d_in[] = {1, 1, 2, 4}, want_d[] = {1, 1, 1, 4};
    const int8_t in[] = {-3, 3, -1, -128, 0, 0, 0, -127}, want[] = {-2, 2, -1, -128};
    static const float s[] = {0.1f};
    static const int64_t z[] = {0};
    oc_init(&c, &tflc_kernel_average_pool_2d);
    pool_opts(&c, VALID, 1, 2, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, in), 1, s, z, 0);
    tflc_tensor *out = oc_out(&c, I8);
    oc_quant(&c, out, 1, s, z, 0);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(i8_eq(out, want, N(want)));
    oc_free(&c);
}

/* uint8 rounds half up: (1, 2) -> 2; int16 (-5, 0) -> -3 (half away from zero). */
static void test_avg_pool_uint8_int16(void) {
    opcase c;
    const int32_t d_in[] = {1, 1, 2, 1};
    const uint8_t in8[] = {1, 2}, want8[] = {2};
    const int16_t in16[] = {-5, 0}, want16[] = {-3};
    static const float s[] = {1.0f};
    static const int64_t z[] = {0};
    oc_init(&c, &tflc_kernel_average_pool_2d);
    pool_opts(&c, VALID, 1, 2, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, U8, 4, d_in, in8), 1, s, z, 0);
    tflc_tensor *out = oc_out(&c, U8);
    oc_quant(&c, out, 1, s, z, 0);
    CHECK_OK(oc_run(&c));
    CHECK(u8_eq(out, want8, N(want8)));
    oc_free(&c);

    oc_init(&c, &tflc_kernel_average_pool_2d);
    pool_opts(&c, VALID, 1, 2, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I16, 4, d_in, in16), 1, s, z, 0);
    out = oc_out(&c, I16);
    oc_quant(&c, out, 1, s, z, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i16_eq(out, want16, N(want16)));
    oc_free(&c);
}

/* Max 2x2 stride 2 SAME over an odd 3x3 input: windows {0,1}x{0,1}, {0,1}x{2}, {2}x{0,1},
 * {2}x{2} -> 5, 6, 8, 9; RELU6 clamps 8 and 9 to 6 in the float run. */
static void test_max_pool_odd(void) {
    opcase c;
    const int32_t d_in[] = {1, 3, 3, 1}, want_d[] = {1, 2, 2, 1};
    const float in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, want[] = {5, 6, 6, 6};
    oc_init(&c, &tflc_kernel_max_pool_2d);
    pool_opts(&c, SAME, 2, 2, 2, ACT_RELU6);
    oc_in(&c, F32, 4, d_in, in);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(shape_is(out, 4, want_d));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);

    const int8_t in8[] = {-9, -8, -7, -6, -5, -4, -3, -2, -1}, want8[] = {-5, -4, -2, -1};
    static const float s[] = {0.5f};
    static const int64_t z[] = {3};
    oc_init(&c, &tflc_kernel_max_pool_2d);
    pool_opts(&c, SAME, 2, 2, 2, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, in8), 1, s, z, 0);
    out = oc_out(&c, I8);
    oc_quant(&c, out, 1, s, z, 0);
    CHECK_OK(oc_run(&c));
    CHECK(i8_eq(out, want8, N(want8)));
    oc_free(&c);
}

/* L2: sqrt((9 + 16 + 0 + 0) / 4) = 2.5. */
static void test_l2_pool(void) {
    opcase c;
    const int32_t d_in[] = {1, 2, 2, 1};
    const float in[] = {3, 4, 0, 0}, want[] = {2.5f};
    oc_init(&c, &tflc_kernel_l2_pool_2d);
    pool_opts(&c, VALID, 2, 2, 2, ACT_NONE);
    oc_in(&c, F32, 4, d_in, in);
    tflc_tensor *out = oc_out(&c, F32);
    CHECK_OK(oc_run(&c));
    CHECK(f32_near(out, want, N(want), 0));
    oc_free(&c);
}

static void test_pool_hostile(void) {
    opcase c;
    const int32_t d_in[] = {1, 3, 3, 1};
    static const float s1[] = {1.0f}, s2[] = {2.0f};
    static const int64_t z[] = {0};
    oc_init(&c, &tflc_kernel_average_pool_2d);
    pool_opts(&c, SAME, 0, 2, 1, ACT_NONE);   /* filter height 0 */
    oc_in(&c, F32, 4, d_in, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "filter height is 0");
    oc_free(&c);

    oc_init(&c, &tflc_kernel_max_pool_2d);
    pool_opts(&c, SAME, 2, 2, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, NULL), 1, s1, z, 0);
    oc_quant(&c, oc_out(&c, I8), 1, s2, z, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "quantization differ");
    oc_free(&c);

    oc_init(&c, &tflc_kernel_l2_pool_2d);
    pool_opts(&c, SAME, 2, 2, 1, ACT_NONE);
    oc_quant(&c, oc_in(&c, I8, 4, d_in, NULL), 1, s1, z, 0);
    oc_quant(&c, oc_out(&c, I8), 1, s1, z, 0);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "only float32");
    oc_free(&c);

    const int32_t d_in3[] = {3, 3, 1};
    oc_init(&c, &tflc_kernel_max_pool_2d);
    pool_opts(&c, VALID, 2, 2, 1, ACT_NONE);
    oc_in(&c, F32, 3, d_in3, NULL);
    oc_out(&c, F32);
    CHECK_PREPARE_FAILS(&c, TFLC_ERROR_INVALID_MODEL, "input must have rank 4");
    oc_free(&c);
}

/* ================================================== shared arithmetic == */

/* The fixed-point helpers against values worked out by hand. */
static void test_fixed_point_helpers(void) {
    int32_t m;
    int shift;
    tflc_conv_quantize_multiplier(0.5, &m, &shift);
    CHECK(m == (1 << 30) && shift == 0);
    tflc_conv_quantize_multiplier(3.0, &m, &shift);   /* 0.75 * 2^2 */
    CHECK(m == 1610612736 && shift == 2);
    CHECK(tflc_conv_mbqm32(-3, 1 << 30, 0) == -1);    /* -1.5: ties toward zero (gemmlowp) */
    CHECK(tflc_conv_mbqm32(3, 1 << 30, 0) == 2);
    CHECK(tflc_conv_mbqm32(7, 1 << 30, -1) == 2);     /* 7 * 0.25 = 1.75 -> 2 */
    CHECK(tflc_conv_mbqm64(-3, 1 << 30, 0) == -1);    /* floor((-3 + 1) / 2) */
    CHECK(tflc_conv_mbqm64(-4, 1 << 30, 0) == -2);
    CHECK(tflc_conv_wrap32((int64_t)INT32_MAX + 1) == INT32_MIN);
    CHECK(tflc_conv_wrap32(-((int64_t)1 << 32) - 5) == -5);
    CHECK(tflc_conv_f2i(NAN) == INT32_MIN && tflc_conv_f2i(-2.7f) == -2);

    /* padding: SAME 10 wide, 5x5 stride 2 -> out 5, total (4*2 + 5 - 10) = 3, pad 1 */
    tflc_conv_axis a = {.in = 10, .filter = 5, .stride = 2, .dilation = 1};
    CHECK(tflc_conv_plan_axis(NULL, "w", CONV_PADDING_SAME, &a) == TFLC_OK);
    CHECK(a.out == 5 && a.pad == 1);
    /* VALID 2 wide, 5 window, stride 4: (2 + 4 - 5) / 4 = 0 outputs, not an error */
    tflc_conv_axis v = {.in = 2, .filter = 5, .stride = 4, .dilation = 1};
    CHECK(tflc_conv_plan_axis(NULL, "w", CONV_PADDING_VALID, &v) == TFLC_OK && v.out == 0);
}

/* The taps of a window: rows of a 3-tap, dilation-2 filter starting at -3 over an input of
 * 4: coordinates -3, -1, 1 -> only tap 2 is inside. */
static void test_window_taps(void) {
    tflc_conv_axis a = {.in = 4, .filter = 3, .stride = 1, .dilation = 2};
    int32_t k0, k1;
    tflc_conv_taps(-3, &a, &k0, &k1);
    CHECK(k0 == 2 && k1 == 3);
    tflc_conv_taps(3, &a, &k0, &k1);   /* 3, 5, 7: tap 0 only */
    CHECK(k0 == 0 && k1 == 1);
    tflc_conv_taps(9, &a, &k0, &k1);   /* entirely after the input */
    CHECK(k0 == k1);
}

/* ================================================= random geometry sweep == */

static uint32_t sweep_state = 12345u;
static int32_t sweep_rand(int32_t lo, int32_t hi) {   /* uniform-ish in [lo, hi] */
    sweep_state = sweep_state * 1664525u + 1013904223u;
    return lo + (int32_t)((sweep_state >> 8) % (uint32_t)(hi - lo + 1));
}

/* Fills a float input of the case with small values (deterministic). */
static void sweep_fill(opcase *c, tflc_tensor *t) {
    size_t n = tflc_tensor_count(t);
    float *d = oc_own(c, n * sizeof(float) + 1);
    for (size_t i = 0; i < n; i++) d[i] = (float)sweep_rand(-3, 3);
    t->data = d;
}

/* One random float CONV_2D / DEPTHWISE / TRANSPOSE_CONV / pool: whenever prepare accepts the
 * geometry, eval must succeed and stay inside every buffer (ASan checks the latter). */
static int sweep_one(int op) {
    opcase c;
    int32_t n = sweep_rand(0, 2), h = sweep_rand(0, 5), w = sweep_rand(0, 5), ch = sweep_rand(1, 3);
    int32_t kh = sweep_rand(1, 4), kw = sweep_rand(1, 4);
    int32_t s = sweep_rand(1, 3), d = sweep_rand(1, 3);
    int pad = sweep_rand(0, 1), m = sweep_rand(1, 2);
    const int32_t d_in[] = {n, h, w, ch};
    tflc_tensor *in = NULL, *wt = NULL;
    if (op == 0) {
        const int32_t d_w[] = {ch * m, kh, kw, ch};
        oc_init(&c, &tflc_kernel_conv_2d);
        conv2d_opts(&c, pad, s, sweep_rand(1, 3), d, sweep_rand(1, 3), ACT_RELU);
        in = oc_in(&c, F32, 4, d_in, NULL);
        wt = oc_const(&c, F32, 4, d_w, NULL);
    } else if (op == 1) {
        const int32_t d_w[] = {1, kh, kw, ch * m};
        oc_init(&c, &tflc_kernel_depthwise_conv_2d);
        dw_opts(&c, pad, s, d, ACT_RELU6);
        in = oc_in(&c, F32, 4, d_in, NULL);
        wt = oc_const(&c, F32, 4, d_w, NULL);
    } else if (op == 2) {
        const int32_t d_shape[] = {4}, d_w[] = {m, kh, kw, ch};
        const int32_t shape[] = {n, sweep_rand(0, 9), sweep_rand(0, 9), m};
        oc_init(&c, &tflc_kernel_transpose_conv);
        tconv_opts(&c, pad, s, ACT_NONE);
        oc_const(&c, I32, 1, d_shape, shape);
        wt = oc_const(&c, F32, 4, d_w, NULL);
        in = oc_in(&c, F32, 4, d_in, NULL);
    } else {
        oc_init(&c, op == 3 ? &tflc_kernel_average_pool_2d : &tflc_kernel_max_pool_2d);
        pool_opts(&c, pad, kh, kw, s, ACT_NONE);
        in = oc_in(&c, F32, 4, d_in, NULL);
    }
    sweep_fill(&c, in);
    if (wt) sweep_fill(&c, wt);
    oc_out(&c, F32);
    int ran = 0;
    if (oc_prepare(&c) == TFLC_OK) {
        tflc_status st = oc_eval(&c);
        CHECK_MSG(st == TFLC_OK, "op %d eval failed: %s", op, tflc_last_error());
        ran = 1;
    }
    oc_free(&c);
    return ran;
}

static void test_random_geometry_sweep(void) {
    int ran = 0;
    for (int i = 0; i < 400; i++) ran += sweep_one(i % 5);
    CHECK_MSG(ran > 200, "only %d of 400 random geometries were accepted", ran);
}

static void run_tests(void) {
    TEST(test_conv_same_ragged_border);
    TEST(test_conv_valid_stride2_relu);
    TEST(test_conv_dilation2);
    TEST(test_conv_groups);
    TEST(test_conv_int8_per_channel);
    TEST(test_conv_uint8_relu6);
    TEST(test_conv_int16x8);
    TEST(test_conv_hybrid_symmetric);
    TEST(test_conv_hybrid_per_channel);
    TEST(test_conv_stride_beyond_input);
    TEST(test_conv_zero_size);
    TEST(test_conv_hostile);
    TEST(test_conv_hostile_quant);
    TEST(test_dw_multiplier2_ragged);
    TEST(test_dw_stride2_odd);
    TEST(test_dw_int8);
    TEST(test_dw_hostile);
    TEST(test_tconv_f32);
    TEST(test_tconv_int8);
    TEST(test_tconv_hostile);
    TEST(test_conv3d_valid);
    TEST(test_conv3d_same_ragged);
    TEST(test_conv3d_transpose);
    TEST(test_conv3d_hostile);
    TEST(test_avg_pool_border);
    TEST(test_avg_pool_int8_rounding);
    TEST(test_avg_pool_uint8_int16);
    TEST(test_max_pool_odd);
    TEST(test_l2_pool);
    TEST(test_pool_hostile);
    TEST(test_fixed_point_helpers);
    TEST(test_window_taps);
    TEST(test_random_geometry_sweep);
}

TEST_MAIN()
