/*
 * f32_dwconv_scalar.c -- the portable float depthwise microkernels (8-channel tiles): the
 * specification every SIMD variant is tested against (tests/unit/test_dwconv.c).
 *
 * Arithmetic, per output element: acc = bias (0 without one), then acc = acc + x*w over the
 * window's taps inside the input in (ky, kx) order (a rounded product, then a rounded sum:
 * no FMA contraction, which -std=c11 turns off and cmake/kernels.cmake forbids with
 * -ffp-contract=off), then the clamp written as the reference writes it (NaN passes). That
 * is the order of LiteRT's builtin float depthwise kernel (optimized_ops::DepthwiseConv: the
 * accumulator buffer starts as the bias), and of ops/depthwise_conv_2d.c's loop, so
 * DEPTHWISE_CONV_2D is bit-exact with LiteRT's builtin kernel. The lanes of a tile are
 * independent sums, so a compiler may vectorize them without changing a bit.
 */
#include "kernels/f32_dwconv.h"

#define TILE 8

/* Full tiles pass lanes == TILE (a constant after inlining: the lane loops unroll). */
#define UNROLL _Pragma("GCC unroll 25")

static inline float clamp_f32(float x, float lo, float hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Output channels [c, c + lanes) of pixel ox: acc over its taps inside the input. */
static inline void pixel_tile(const tflc_dwconv_f32_row *r, size_t ox, int32_t kx0,
                              int32_t kx1, size_t c, const size_t lanes) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels, taps = (size_t)s->kh * (size_t)s->kw;
    const int64_t x0 = (int64_t)ox * s->stride_w - s->pad_left;
    const float *wt = r->weights + (c / TILE) * taps * TILE;
    float acc[TILE];
    for (size_t l = 0; l < lanes; l++) acc[l] = a->bias ? a->bias[c + l] : 0.0f;
    for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
        const int64_t iy = r->y0 + (int64_t)ky * s->dilation_h;
        const float *in_row = tflc_dwconv_in_row(r, iy) + c;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            const float *x = in_row + (size_t)(x0 + (int64_t)kx * s->dilation_w) * C;
            const float *w = wt + ((size_t)ky * (size_t)s->kw + (size_t)kx) * TILE;
            for (size_t l = 0; l < lanes; l++) {
                float p = x[l] * w[l];
                acc[l] = acc[l] + p;
            }
        }
    }
    float *o = r->out + ox * C + c;
    for (size_t l = 0; l < lanes; l++) o[l] = clamp_f32(acc[l], a->min, a->max);
}

/* Any pixels, any window: each pixel over its own taps. */
static void f32_dwconv_generic_scalar(const tflc_dwconv_f32_row *r, size_t ox_begin,
                                      size_t ox_end) {
    const tflc_dwconv_f32_shape *s = &r->a->shape;
    const size_t C = s->channels;
    for (size_t ox = ox_begin; ox < ox_end; ox++) {
        int32_t kx0, kx1;
        tflc_dwconv_taps((int64_t)ox * s->stride_w - s->pad_left, s->in_w, s->kw,
                         s->dilation_w, &kx0, &kx1);
        size_t c = 0;
        for (; c + TILE <= C; c += TILE) pixel_tile(r, ox, kx0, kx1, c, TILE);
        if (c < C) pixel_tile(r, ox, kx0, kx1, c, C - c);
    }
}

/* Interior pixels of a K x K window, stride S, dilation 1: one channel tile at a time, its
 * K*K weights kept in locals. */
static inline void window_tile(const tflc_dwconv_f32_row *r, size_t ox_begin, size_t ox_end,
                               size_t c, const size_t lanes, const int K, const int S) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels;
    const float *wt = r->weights + (c / TILE) * (size_t)(K * K) * TILE;
    float w[25][TILE], b[TILE];
    UNROLL
    for (int t = 0; t < K * K; t++)
        for (size_t l = 0; l < TILE; l++) w[t][l] = wt[(size_t)t * TILE + l];
    for (size_t l = 0; l < TILE; l++) b[l] = a->bias && l < lanes ? a->bias[c + l] : 0.0f;
    const float *rows[5] = {NULL, NULL, NULL, NULL, NULL};
    for (int ky = r->ky0; ky < r->ky1; ky++)
        rows[ky] = tflc_dwconv_in_row(r, r->y0 + ky) + c;
    size_t xoff = (ox_begin * (size_t)S - (size_t)s->pad_left) * C;
    float *o = r->out + ox_begin * C + c;
    for (size_t ox = ox_begin; ox < ox_end; ox++, xoff += (size_t)S * C, o += C) {
        float acc[TILE];
        for (size_t l = 0; l < lanes; l++) acc[l] = b[l];
        UNROLL
        for (int ky = 0; ky < K; ky++) {
            if (!rows[ky]) continue;
            UNROLL
            for (int kx = 0; kx < K; kx++) {
                const float *x = rows[ky] + xoff + (size_t)kx * C;
                for (size_t l = 0; l < lanes; l++) {
                    float p = x[l] * w[ky * K + kx][l];
                    acc[l] = acc[l] + p;
                }
            }
        }
        for (size_t l = 0; l < lanes; l++) o[l] = clamp_f32(acc[l], a->min, a->max);
    }
}

static inline void window_scalar(const tflc_dwconv_f32_row *r, size_t ox_begin, size_t ox_end,
                                 const int K, const int S) {
    const size_t C = r->a->shape.channels;
    size_t c = 0;
    for (; c + TILE <= C; c += TILE) window_tile(r, ox_begin, ox_end, c, TILE, K, S);
    if (c < C) window_tile(r, ox_begin, ox_end, c, C - c, K, S);
}

#define WINDOW_KERNEL(K, S)                                                                  \
    static void f32_dwconv_##K##x##K##s##S##_scalar(const tflc_dwconv_f32_row *r,            \
                                                    size_t ox_begin, size_t ox_end) {        \
        window_scalar(r, ox_begin, ox_end, K, S);                                            \
    }
WINDOW_KERNEL(3, 1)
WINDOW_KERNEL(3, 2)
WINDOW_KERNEL(5, 1)
WINDOW_KERNEL(5, 2)

static const tflc_dwconv_f32_config scalar_config = {
    .name = "f32_dwconv_8ch_scalar",
    .isa = TFLC_ISA_SCALAR,
    .tile = TILE,
    .generic = f32_dwconv_generic_scalar,
    .window = {{f32_dwconv_3x3s1_scalar, f32_dwconv_3x3s2_scalar},
               {f32_dwconv_5x5s1_scalar, f32_dwconv_5x5s2_scalar}},
};

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_scalar(void) { return &scalar_config; }
