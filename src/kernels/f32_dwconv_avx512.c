/*
 * f32_dwconv_avx512.c -- float depthwise microkernels for AVX-512F: 16-channel tiles, one
 * zmm accumulator per pixel and tile starting from the bias, a multiply and an add per tap
 * (no FMA: LiteRT's bits, f32_dwconv.h), opmask loads and stores for the last (ragged)
 * tile. The 3x3 / 5x5 window kernels keep a tile's 9 / 25 weight vectors in
 * registers while they walk the row. Built with -mavx512f -mfma (cmake/kernels.cmake);
 * without them the file only reports that it has no config.
 */
#include "kernels/f32_dwconv.h"

#include <stdatomic.h>

#if defined(__AVX512F__)
#include <immintrin.h>

#define TILE 16
#define UNROLL _Pragma("GCC unroll 25")
/* window_avx512's stage (16 KiB of stack), used for rows of a multiple of this many
 * channels. */
#define STAGE_FLOATS 4096
#define STAGE_CHANNELS 256
/* Rows stored straight go in chunks of CHUNK_FLOATS / C pixels (a multiple of 4) when the
 * window is 3x3 and C <= 128 (window_avx512). */
#define CHUNK_FLOATS 1024

static inline __mmask16 lanes_mask(size_t lanes) {
    return (__mmask16)(lanes >= TILE ? 0xFFFFu : (1u << lanes) - 1u);
}

/* clamp(acc): max/min return their second operand when either is NaN, so a NaN sum
 * stays NaN, as in the reference's comparisons. */
static inline __m512 clamp_acc(__m512 acc, __m512 vmin, __m512 vmax) {
    return _mm512_min_ps(vmax, _mm512_max_ps(vmin, acc));
}

/* Output channels [c, c + 16) of pixel ox (masked by m) over its taps inside the input. */
static inline __attribute__((always_inline)) void pixel_tile(const tflc_dwconv_f32_row *r,
                                                             size_t ox, int32_t kx0,
                                                             int32_t kx1, size_t c,
                                                             __mmask16 m) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels, taps = (size_t)s->kh * (size_t)s->kw;
    const int64_t x0 = (int64_t)ox * s->stride_w - s->pad_left;
    const float *wt = r->weights + (c / TILE) * taps * TILE;
    /* LiteRT's order: the bias first, then one rounded product and one rounded sum per tap. */
    const __m512 bias = a->bias ? _mm512_maskz_loadu_ps(m, a->bias + c) : _mm512_setzero_ps();
    __m512 acc = bias;
    for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
        const int64_t iy = r->y0 + (int64_t)ky * s->dilation_h;
        const float *in_row = tflc_dwconv_in_row(r, iy) + c;
        const float *w = wt + (size_t)ky * (size_t)s->kw * TILE;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            const float *x = in_row + (size_t)(x0 + (int64_t)kx * s->dilation_w) * C;
            acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x),
                                                   _mm512_loadu_ps(w + (size_t)kx * TILE)));
        }
    }
    _mm512_mask_storeu_ps(r->out + ox * C + c, m,
                          clamp_acc(acc, _mm512_set1_ps(a->min), _mm512_set1_ps(a->max)));
}

static void f32_dwconv_generic_avx512(const tflc_dwconv_f32_row *r, size_t ox_begin,
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
 * kernel's order (so its bits), with the weights in registers. */
static inline __attribute__((always_inline)) void border_pixel(
    const tflc_dwconv_f32_shape *s, size_t ox, const float *const rows[5], const __m512 w[25],
    __m512 acc, __m512 vmin, __m512 vmax, __mmask16 m, const int K, const int S, float *dst) {
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
            acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x), w[ky * K + kx]));
        }
    }
    _mm512_mask_storeu_ps(dst, m, clamp_acc(acc, vmin, vmax));
}

/* Pixels [ox_begin, ox_end) of a K x K window, stride S, dilation 1, for channels
 * [c, c + 16) (masked by m; `masked` false lets full tiles use plain loads and stores): the
 * sum of pixel ox_begin + p goes to dst + p * dst_stride (the output, or a stage). The
 * interior pixels [r->lo, r->hi) take every tap; the border ones go to border_pixel. */
static inline __attribute__((always_inline)) void window_tile(
    const tflc_dwconv_f32_row *r, size_t ox_begin, size_t ox_end, size_t c, __mmask16 m,
    const int masked, const int K, const int S, float *dst, size_t dst_stride) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels;
    const float *wt = r->weights + (c / TILE) * (size_t)(K * K) * TILE;
    __m512 w[25];
    UNROLL
    for (int t = 0; t < K * K; t++) w[t] = _mm512_loadu_ps(wt + (size_t)t * TILE);
    const __m512 bias = a->bias ? _mm512_maskz_loadu_ps(m, a->bias + c) : _mm512_setzero_ps();
    const __m512 vmin = _mm512_set1_ps(a->min), vmax = _mm512_set1_ps(a->max);
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
    /* P pixels at a time: each pixel's sum is one chain of K*K dependent adds (LiteRT's
     * order), so P chains side by side keep the adders busy. 4 for 3x3; 2 for 5x5, whose
     * 25 weights leave fewer registers. */
    const size_t P = K == 3 ? 4 : 2;
    for (; ox + P <= hi; ox += P, xoff += P * (size_t)S * C, dst += P * dst_stride) {
        __m512 acc[4];
        UNROLL
        for (size_t p = 0; p < P; p++) acc[p] = bias;
        UNROLL
        for (int ky = 0; ky < K; ky++) {
            if (!rows[ky]) continue;
            const float *x = rows[ky] + xoff;
            UNROLL
            for (int kx = 0; kx < K; kx++)
                UNROLL
                for (size_t p = 0; p < P; p++) {
                    const float *xp = x + (p * (size_t)S + (size_t)kx) * C;
                    const __m512 v = masked ? _mm512_maskz_loadu_ps(m, xp) : _mm512_loadu_ps(xp);
                    acc[p] = _mm512_add_ps(acc[p], _mm512_mul_ps(v, w[ky * K + kx]));
                }
        }
        UNROLL
        for (size_t p = 0; p < P; p++) {
            const __m512 y = clamp_acc(acc[p], vmin, vmax);
            if (masked) _mm512_mask_storeu_ps(dst + p * dst_stride, m, y);
            else _mm512_storeu_ps(dst + p * dst_stride, y);
        }
    }
    for (; ox < hi; ox++, xoff += (size_t)S * C, dst += dst_stride) {
        __m512 acc = bias;
        UNROLL
        for (int ky = 0; ky < K; ky++) {
            if (!rows[ky]) continue;
            const float *x = rows[ky] + xoff;
            UNROLL
            for (int kx = 0; kx < K; kx++) {
                const __m512 v = masked ? _mm512_maskz_loadu_ps(m, x + (size_t)kx * C)
                                        : _mm512_loadu_ps(x + (size_t)kx * C);
                acc = _mm512_add_ps(acc, _mm512_mul_ps(v, w[ky * K + kx]));
            }
        }
        const __m512 y = clamp_acc(acc, vmin, vmax);
        if (masked) _mm512_mask_storeu_ps(dst, m, y);
        else _mm512_storeu_ps(dst, y);
    }
    for (; ox < ox_end; ox++, dst += dst_stride)
        border_pixel(s, ox, rows, w, bias, vmin, vmax, m, K, S, dst);
}

/* Rows whose pixels are a multiple of 1 KiB apart (C a multiple of 256, up to STAGE_FLOATS)
 * go in chunks of pixels whose sums fit the stage: each channel tile sweeps the chunk with its
 * weights in registers, then the chunk is stored pixel by pixel, a pixel's channels in order.
 * Stored straight from the sweep, a tile's sums are one cache line per pixel, C floats apart,
 * and at such strides those lines all fall in 4 or fewer of L1's 64 sets: with C = 512, the
 * stores to uncached lines took most of the time. Measured with tflc bench on one-layer
 * models (3x3, stride 1, medians of 5 runs): 14x14x512 80 -> 52 us, 7x7x1024 47 -> 37,
 * 28x28x256 108 -> 79; at other strides the copy costs more than it saves (14x14x496
 * 34 -> 44, 14x14x384 35 -> 44, 7x7x960 28 -> 35), so those rows store straight. Those
 * figures are Zen 4's; on Emerald Rapids the stage costs more than it saves at every C
 * (storing straight, medians of 5 interleaved runs: 28x28x256 79.7 -> 69.5 us, 14x14x512
 * 39.7 -> 33.8, 7x7x1024 23.0 -> 18.7), so only AMD CPUs take it. */
static _Atomic int stage_mode = -1;   /* tflc_dwconv_f32_set_stage; -1: the CPU's default */

static bool stage_rows(void) {
    const int mode = atomic_load_explicit(&stage_mode, memory_order_relaxed);
    return mode < 0 ? tflc_cpu_info_get()->amd : mode != 0;
}

void tflc_dwconv_f32_set_stage(int stage) {
    atomic_store_explicit(&stage_mode, stage < 0 ? -1 : stage != 0, memory_order_relaxed);
}

static inline __attribute__((always_inline)) void window_avx512(const tflc_dwconv_f32_row *r,
                                                                size_t ox_begin, size_t ox_end,
                                                                const int K, const int S) {
    const size_t C = r->a->shape.channels, full = C / TILE;
    const size_t tiles = (C + TILE - 1) / TILE;
    const __mmask16 last = lanes_mask(C - full * TILE);
    if (!stage_rows() || C % STAGE_CHANNELS != 0 || C > STAGE_FLOATS) {   /* store straight */
        /* 3x3 rows of up to 128 channels go in chunks of pixels, every tile over a chunk
         * before the next: the chunk's input lines are still in L1 when the next tile reads
         * its own lines of the same pixels. Emerald Rapids, min of 3-5 interleaved runs:
         * 112x112x96 s2 328 -> 247 us, 56x56x128 216 -> 161; with chunks of 4 pixels,
         * 56x56x144 and the 5x5 28x28x240 were 20% and 50% slower (the weights are loaded
         * again per chunk and tile), so wider rows and 5x5 sweep the whole row per tile. */
        const size_t chunk = K == 3 && C <= CHUNK_FLOATS / 8 ? CHUNK_FLOATS / C / 4 * 4
                                                          : ox_end - ox_begin;
        for (size_t ox0 = ox_begin; ox0 < ox_end; ox0 += chunk) {
            const size_t ox1 = ox_end - ox0 < chunk ? ox_end : ox0 + chunk;
            float *o = r->out + ox0 * C;
            for (size_t t = 0; t < full; t++)
                window_tile(r, ox0, ox1, t * TILE, 0xFFFF, 0, K, S, o + t * TILE, C);
            if (full < tiles)
                window_tile(r, ox0, ox1, full * TILE, last, 1, K, S, o + full * TILE, C);
        }
        return;
    }
    _Alignas(64) float stage[STAGE_FLOATS];
    /* C is a whole number of tiles, at most STAGE_FLOATS, here. */
    const size_t chunk = STAGE_FLOATS / C;
    for (size_t ox0 = ox_begin; ox0 < ox_end; ox0 += chunk) {
        const size_t ox1 = ox_end - ox0 < chunk ? ox_end : ox0 + chunk, n = ox1 - ox0;
        for (size_t t = 0; t < tiles; t++)
            window_tile(r, ox0, ox1, t * TILE, 0xFFFF, 0, K, S, stage + t * n * TILE, TILE);
        for (size_t p = 0; p < n; p++) {
            float *o = r->out + (ox0 + p) * C;
            for (size_t t = 0; t < tiles; t++)
                _mm512_storeu_ps(o + t * TILE, _mm512_load_ps(stage + (t * n + p) * TILE));
        }
    }
}

#define WINDOW_KERNEL(K, S)                                                                  \
    static void f32_dwconv_##K##x##K##s##S##_avx512(const tflc_dwconv_f32_row *r,            \
                                                    size_t ox_begin, size_t ox_end) {        \
        window_avx512(r, ox_begin, ox_end, K, S);                                            \
    }
WINDOW_KERNEL(3, 1)
WINDOW_KERNEL(3, 2)
WINDOW_KERNEL(5, 1)
WINDOW_KERNEL(5, 2)

static const tflc_dwconv_f32_config avx512_config = {
    .name = "f32_dwconv_16ch_avx512",
    .isa = TFLC_ISA_AVX512,
    .tile = TILE,
    .generic = f32_dwconv_generic_avx512,
    .window = {{f32_dwconv_3x3s1_avx512, f32_dwconv_3x3s2_avx512},
               {f32_dwconv_5x5s1_avx512, f32_dwconv_5x5s2_avx512}},
    .window_borders = true,
};

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_avx512(void) { return &avx512_config; }

#else

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_avx512(void) { return NULL; }

void tflc_dwconv_f32_set_stage(int stage) { (void)stage; }   /* no AVX-512 kernels to stage */

#endif
