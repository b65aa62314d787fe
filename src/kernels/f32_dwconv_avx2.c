/*
 * f32_dwconv_avx2.c -- float depthwise microkernels for AVX2: 8-channel tiles, one
 * ymm accumulator per pixel and tile starting from the bias, a multiply and an add per tap
 * (no FMA: LiteRT's bits, f32_dwconv.h), maskload / maskstore for the last (ragged) tile.
 * The 3x3 window kernels keep a tile's 9 weight vectors in registers while they walk the
 * row, border pixels included (the 5x5 ones read part of theirs from the stack: 16 ymm
 * registers).
 * Built with -mavx2 and no FMA contraction (cmake/kernels.cmake); without AVX2 the file only
 * reports that it has no config. The config is offered on CPUs with AVX2 and FMA (the AVX2
 * level of cpu.h), though these kernels use no FMA.
 */
#include "kernels/f32_dwconv.h"

#if defined(__AVX2__)
#include <immintrin.h>

#define TILE 8
#define UNROLL _Pragma("GCC unroll 25")
/* window_avx2's stage (16 KiB of stack), used for rows of a multiple of this many
 * channels. */
#define STAGE_FLOATS 4096
#define STAGE_CHANNELS 256

/* Lanes [0, lanes) set: a maskload reads only those (no fault past the pixel's end). */
static inline __m256i lanes_mask(size_t lanes) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(lanes >= TILE ? TILE : lanes)), index);
}

/* clamp(acc): max/min return their second operand when either is NaN, so a NaN sum
 * stays NaN, as in the reference's comparisons. */
static inline __m256 clamp_acc(__m256 acc, __m256 vmin, __m256 vmax) {
    return _mm256_min_ps(vmax, _mm256_max_ps(vmin, acc));
}

/* Output channels [c, c + 8) of pixel ox (masked by m) over its taps inside the input. */
static inline __attribute__((always_inline)) void pixel_tile(const tflc_dwconv_f32_row *r,
                                                             size_t ox, int32_t kx0,
                                                             int32_t kx1, size_t c,
                                                             __m256i m) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels, taps = (size_t)s->kh * (size_t)s->kw;
    const int64_t x0 = (int64_t)ox * s->stride_w - s->pad_left;
    const float *wt = r->weights + (c / TILE) * taps * TILE;
    /* LiteRT's order: the bias first, then one rounded product and one rounded sum per tap. */
    const __m256 bias = a->bias ? _mm256_maskload_ps(a->bias + c, m) : _mm256_setzero_ps();
    __m256 acc = bias;
    for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
        const int64_t iy = r->y0 + (int64_t)ky * s->dilation_h;
        const float *in_row = tflc_dwconv_in_row(r, iy) + c;
        const float *w = wt + (size_t)ky * (size_t)s->kw * TILE;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            const float *x = in_row + (size_t)(x0 + (int64_t)kx * s->dilation_w) * C;
            acc = _mm256_add_ps(
                acc, _mm256_mul_ps(_mm256_maskload_ps(x, m), _mm256_loadu_ps(w + (size_t)kx * TILE)));
        }
    }
    _mm256_maskstore_ps(r->out + ox * C + c, m,
                        clamp_acc(acc, _mm256_set1_ps(a->min), _mm256_set1_ps(a->max)));
}

static void f32_dwconv_generic_avx2(const tflc_dwconv_f32_row *r, size_t ox_begin,
                                    size_t ox_end) {
    const tflc_dwconv_f32_shape *s = &r->a->shape;
    const size_t C = s->channels;
    for (size_t ox = ox_begin; ox < ox_end; ox++) {
        int32_t kx0, kx1;
        tflc_dwconv_taps((int64_t)ox * s->stride_w - s->pad_left, s->in_w, s->kw,
                         s->dilation_w, &kx0, &kx1);
        for (size_t c = 0; c < C; c += TILE) pixel_tile(r, ox, kx0, kx1, c, lanes_mask(C - c));
    }
}

/* One border pixel ox of a K x K window, stride S, dilation 1, stored to dst: the taps
 * (ky, kx) with rows[ky] set and input column x0 + kx inside the input, in the generic
 * kernel's order (so its bits), with the weights the caller holds. */
static inline __attribute__((always_inline)) void border_pixel(
    const tflc_dwconv_f32_shape *s, size_t ox, const float *const rows[5], const __m256 w[25],
    __m256 acc, __m256 vmin, __m256 vmax, __m256i m, const int K, const int S, float *dst) {
    const int64_t x0 = (int64_t)ox * S - s->pad_left;
    int32_t kx0, kx1;
    tflc_dwconv_taps(x0, s->in_w, K, 1, &kx0, &kx1);
    UNROLL
    for (int ky = 0; ky < K; ky++) {
        if (!rows[ky]) continue;
        UNROLL
        for (int kx = 0; kx < K; kx++) {
            if (kx < kx0 || kx >= kx1) continue;
            const float *x = rows[ky] + (size_t)(x0 + kx) * s->channels;
            acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_maskload_ps(x, m), w[ky * K + kx]));
        }
    }
    _mm256_maskstore_ps(dst, m, clamp_acc(acc, vmin, vmax));
}

/* Pixels [ox_begin, ox_end) of a K x K window, stride S, dilation 1, for channels
 * [c, c + 8) (masked by m; `masked` false lets full tiles use plain loads and stores): the
 * sum of pixel ox_begin + p goes to dst + p * dst_stride (the output, or a stage). The
 * interior pixels [r->lo, r->hi) take every tap; the border ones go to border_pixel. */
static inline __attribute__((always_inline)) void window_tile(
    const tflc_dwconv_f32_row *r, size_t ox_begin, size_t ox_end, size_t c, __m256i m,
    const int masked, const int K, const int S, float *dst, size_t dst_stride) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels;
    const float *wt = r->weights + (c / TILE) * (size_t)(K * K) * TILE;
    __m256 w[25];
    UNROLL
    for (int t = 0; t < K * K; t++) w[t] = _mm256_loadu_ps(wt + (size_t)t * TILE);
    const __m256 bias = a->bias ? _mm256_maskload_ps(a->bias + c, m) : _mm256_setzero_ps();
    const __m256 vmin = _mm256_set1_ps(a->min), vmax = _mm256_set1_ps(a->max);
    const float *rows[5] = {NULL, NULL, NULL, NULL, NULL};
    for (int ky = r->ky0; ky < r->ky1; ky++)
        rows[ky] = tflc_dwconv_in_row(r, r->y0 + ky) + c;
    /* [ox_begin, lo) border, [lo, hi) interior, [hi, ox_end) border */
    const size_t lo = r->lo < ox_begin ? ox_begin : r->lo > ox_end ? ox_end : r->lo;
    const size_t hi = r->hi < lo ? lo : r->hi > ox_end ? ox_end : r->hi;
    size_t ox = ox_begin;
    for (; ox < lo; ox++, dst += dst_stride)
        border_pixel(s, ox, rows, w, bias, vmin, vmax, m, K, S, dst);
    size_t xoff = lo < hi ? (lo * (size_t)S - (size_t)s->pad_left) * C : 0;
    for (; ox < hi; ox++, xoff += (size_t)S * C, dst += dst_stride) {
        __m256 acc = bias;
        UNROLL
        for (int ky = 0; ky < K; ky++) {
            if (!rows[ky]) continue;
            const float *x = rows[ky] + xoff;
            UNROLL
            for (int kx = 0; kx < K; kx++) {
                const __m256 v = masked ? _mm256_maskload_ps(x + (size_t)kx * C, m)
                                        : _mm256_loadu_ps(x + (size_t)kx * C);
                acc = _mm256_add_ps(acc, _mm256_mul_ps(v, w[ky * K + kx]));
            }
        }
        const __m256 y = clamp_acc(acc, vmin, vmax);
        if (masked) _mm256_maskstore_ps(dst, m, y);
        else _mm256_storeu_ps(dst, y);
    }
    for (; ox < ox_end; ox++, dst += dst_stride)
        border_pixel(s, ox, rows, w, bias, vmin, vmax, m, K, S, dst);
}

/* As f32_dwconv_avx512.c: rows whose pixels are a multiple of 1 KiB apart are computed a
 * chunk of pixels at a time into the stage and stored pixel by pixel, because their
 * sweep's stores, one per pixel C floats apart, fall in a few L1 sets (that file gives
 * the figures). */
static inline __attribute__((always_inline)) void window_avx2(const tflc_dwconv_f32_row *r,
                                                              size_t ox_begin, size_t ox_end,
                                                              const int K, const int S) {
    const size_t C = r->a->shape.channels, full = C / TILE;
    const size_t tiles = (C + TILE - 1) / TILE;
    const __m256i all = lanes_mask(TILE), last = lanes_mask(C - full * TILE);
    if (C % STAGE_CHANNELS != 0 || C > STAGE_FLOATS) {   /* store straight */
        float *o = r->out + ox_begin * C;
        for (size_t t = 0; t < full; t++)
            window_tile(r, ox_begin, ox_end, t * TILE, all, 0, K, S, o + t * TILE, C);
        if (full < tiles)
            window_tile(r, ox_begin, ox_end, full * TILE, last, 1, K, S, o + full * TILE, C);
        return;
    }
    /* C is a whole number of tiles, at most STAGE_FLOATS, here. */
    _Alignas(32) float stage[STAGE_FLOATS];
    const size_t chunk = STAGE_FLOATS / C;
    for (size_t ox0 = ox_begin; ox0 < ox_end; ox0 += chunk) {
        const size_t ox1 = ox_end - ox0 < chunk ? ox_end : ox0 + chunk, n = ox1 - ox0;
        for (size_t t = 0; t < tiles; t++)
            window_tile(r, ox0, ox1, t * TILE, all, 0, K, S, stage + t * n * TILE, TILE);
        for (size_t p = 0; p < n; p++) {
            float *o = r->out + (ox0 + p) * C;
            for (size_t t = 0; t < tiles; t++)
                _mm256_storeu_ps(o + t * TILE, _mm256_load_ps(stage + (t * n + p) * TILE));
        }
    }
}

#define WINDOW_KERNEL(K, S)                                                                  \
    static void f32_dwconv_##K##x##K##s##S##_avx2(const tflc_dwconv_f32_row *r,              \
                                                  size_t ox_begin, size_t ox_end) {          \
        window_avx2(r, ox_begin, ox_end, K, S);                                              \
    }
WINDOW_KERNEL(3, 1)
WINDOW_KERNEL(3, 2)
WINDOW_KERNEL(5, 1)
WINDOW_KERNEL(5, 2)

static const tflc_dwconv_f32_config avx2_config = {
    .name = "f32_dwconv_8ch_avx2",
    .isa = TFLC_ISA_AVX2,
    .tile = TILE,
    .generic = f32_dwconv_generic_avx2,
    .window = {{f32_dwconv_3x3s1_avx2, f32_dwconv_3x3s2_avx2},
               {f32_dwconv_5x5s1_avx2, f32_dwconv_5x5s2_avx2}},
    .window_borders = true,
};

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_avx2(void) { return &avx2_config; }

#else

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_avx2(void) { return NULL; }

#endif
