/*
 * f32_dwconv_neon.c -- float depthwise microkernels for aarch64 Advanced SIMD: 8-channel
 * tiles (two q registers), one accumulator per q register, pixel and tile starting from the
 * bias, a multiply and an add per tap (vmulq + vaddq, no FMLA: LiteRT's bits, f32_dwconv.h).
 * NEON has no masked loads: the last (ragged) q register of a row goes through lane loads
 * and stores, so nothing is read or written past channel C-1 of a pixel.
 * The window kernels take the border pixels too (window_borders), over their taps inside the
 * input. A 3x3 tile keeps its 18 weight vectors in registers while it walks the row; a 5x5
 * one walks it once per half-tile (4 channels), with that half's 25 weight vectors in
 * registers (aarch64 has 32: 50 would not fit).
 * No stage for rows of a multiple of 256 channels (the AVX files' L1-set remedy): its gain
 * was measured on x86 caches only, and Arm timings cannot be taken under qemu.
 * AdvSIMD is part of aarch64, so the file needs no flags beyond -ffp-contract=off
 * (cmake/kernels.cmake); on another architecture it only reports that it has no config.
 */
#include "kernels/f32_dwconv.h"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>

#define TILE 8   /* channels per packed tile: two q registers */
#define Q 4      /* floats per q register */
#define UNROLL _Pragma("GCC unroll 25")

/* Lanes [0, n) from p, 1 <= n <= 4, the others 0: nothing read past p[n-1]. */
static inline float32x4_t load_lanes(const float *p, size_t n) {
    if (n >= Q) return vld1q_f32(p);
    if (n == 1) return vld1q_lane_f32(p, vdupq_n_f32(0.0f), 0);
    const float32x4_t v = vcombine_f32(vld1_f32(p), vdup_n_f32(0.0f));
    return n == 3 ? vld1q_lane_f32(p + 2, v, 2) : v;
}

/* Lanes [0, n) of v to p, 1 <= n <= 4: nothing written past p[n-1]. */
static inline void store_lanes(float *p, float32x4_t v, size_t n) {
    if (n >= Q) {
        vst1q_f32(p, v);
    } else if (n == 1) {
        vst1q_lane_f32(p, v, 0);
    } else {
        vst1_f32(p, vget_low_f32(v));
        if (n == 3) vst1q_lane_f32(p + 2, v, 2);
    }
}

/* The reference's clamp, acc < min ? min : (acc > max ? max : acc), as two selects: a NaN
 * fails both comparisons and stays, and -0 stays -0 under min = 0 (FMAX would make it +0). */
static inline float32x4_t clamp_acc(float32x4_t acc, float32x4_t vmin, float32x4_t vmax) {
    acc = vbslq_f32(vcltq_f32(acc, vmin), vmin, acc);
    return vbslq_f32(vcgtq_f32(acc, vmax), vmax, acc);
}

/* q register q of a V-register block at p: the last one of a masked block has `last`
 * lanes. */
static inline __attribute__((always_inline)) float32x4_t block_load(const float *p, int q,
                                                                    const int V, size_t last,
                                                                    const int masked) {
    return masked && q == V - 1 ? load_lanes(p + q * Q, last) : vld1q_f32(p + q * Q);
}

/* The block's V accumulators, clamped, to dst. */
static inline __attribute__((always_inline)) void block_store(float *dst, const float32x4_t *acc,
                                                              float32x4_t vmin, float32x4_t vmax,
                                                              const int V, size_t last,
                                                              const int masked) {
    for (int q = 0; q < V; q++) {
        const float32x4_t y = clamp_acc(acc[q], vmin, vmax);
        if (masked && q == V - 1) store_lanes(dst + q * Q, y, last);
        else vst1q_f32(dst + q * Q, y);
    }
}

/* ----------------------------------------------------------------- generic -- */

/* Output channels [c, c + n0 + n1) of pixel ox over its taps inside the input: n0 (1..4)
 * lanes in the first q register, n1 (0..4) in the second; full tiles pass 4, 4. */
static inline __attribute__((always_inline)) void pixel_tile(const tflc_dwconv_f32_row *r,
                                                             size_t ox, int32_t kx0,
                                                             int32_t kx1, size_t c, size_t n0,
                                                             size_t n1) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels, taps = (size_t)s->kh * (size_t)s->kw;
    const int64_t x0 = (int64_t)ox * s->stride_w - s->pad_left;
    const float *wt = r->weights + (c / TILE) * taps * TILE;
    /* LiteRT's order: the bias first, then one rounded product and one rounded sum per tap. */
    float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = vdupq_n_f32(0.0f);
    if (a->bias) {
        acc0 = load_lanes(a->bias + c, n0);
        if (n1) acc1 = load_lanes(a->bias + c + Q, n1);
    }
    for (int32_t ky = r->ky0; ky < r->ky1; ky++) {
        const int64_t iy = r->y0 + (int64_t)ky * s->dilation_h;
        const float *in_row = tflc_dwconv_in_row(r, iy) + c;
        const float *w = wt + (size_t)ky * (size_t)s->kw * TILE;
        for (int32_t kx = kx0; kx < kx1; kx++) {
            const float *x = in_row + (size_t)(x0 + (int64_t)kx * s->dilation_w) * C;
            const float *wk = w + (size_t)kx * TILE;
            acc0 = vaddq_f32(acc0, vmulq_f32(load_lanes(x, n0), vld1q_f32(wk)));
            if (n1) acc1 = vaddq_f32(acc1, vmulq_f32(load_lanes(x + Q, n1), vld1q_f32(wk + Q)));
        }
    }
    const float32x4_t vmin = vdupq_n_f32(a->min), vmax = vdupq_n_f32(a->max);
    float *o = r->out + ox * C + c;
    store_lanes(o, clamp_acc(acc0, vmin, vmax), n0);
    if (n1) store_lanes(o + Q, clamp_acc(acc1, vmin, vmax), n1);
}

static void f32_dwconv_generic_neon(const tflc_dwconv_f32_row *r, size_t ox_begin,
                                    size_t ox_end) {
    const tflc_dwconv_f32_shape *s = &r->a->shape;
    const size_t C = s->channels, full = C / TILE * TILE, rest = C - full;
    for (size_t ox = ox_begin; ox < ox_end; ox++) {
        int32_t kx0, kx1;
        tflc_dwconv_taps((int64_t)ox * s->stride_w - s->pad_left, s->in_w, s->kw,
                         s->dilation_w, &kx0, &kx1);
        for (size_t c = 0; c < full; c += TILE) pixel_tile(r, ox, kx0, kx1, c, Q, Q);
        if (rest) pixel_tile(r, ox, kx0, kx1, full, rest < Q ? rest : Q, rest > Q ? rest - Q : 0);
    }
}

/* ------------------------------------------------------------------ window -- */

/* A block of a K x K window kernel: channels [c, c + 4*V), V q registers (1 or 2) of one
 * packed tile (c % TILE is 0, or 4 with V = 1). The last q register holds `last` lanes
 * (1..4) when `masked`, 4 otherwise (then every load and store is a plain one). */

/* One border pixel ox of a K x K window, stride S, dilation 1, stored to dst: the taps
 * (ky, kx) with rows[ky] set and input column x0 + kx inside the input, in the generic
 * kernel's order (so its bits), with the weights the caller holds. */
static inline __attribute__((always_inline)) void border_pixel(
    const tflc_dwconv_f32_shape *s, size_t ox, const float *const rows[5],
    const float32x4_t w[25][2], const float32x4_t bias[2], float32x4_t vmin, float32x4_t vmax,
    const int V, size_t last, const int masked, const int K, const int S, float *dst) {
    const int64_t x0 = (int64_t)ox * S - s->pad_left;
    int32_t kx0, kx1;
    tflc_dwconv_taps(x0, s->in_w, K, 1, &kx0, &kx1);
    float32x4_t acc[2] = {bias[0], bias[1]};
    UNROLL
    for (int ky = 0; ky < K; ky++) {
        if (!rows[ky]) continue;
        UNROLL
        for (int kx = 0; kx < K; kx++) {
            if (kx < kx0 || kx >= kx1) continue;
            const float *x = rows[ky] + (size_t)(x0 + kx) * s->channels;
            UNROLL
            for (int q = 0; q < V; q++) {
                const float32x4_t v = block_load(x, q, V, last, masked);
                acc[q] = vaddq_f32(acc[q], vmulq_f32(v, w[ky * K + kx][q]));
            }
        }
    }
    block_store(dst, acc, vmin, vmax, V, last, masked);
}

/* Pixels [ox_begin, ox_end) of a K x K window, stride S, dilation 1, for the block at
 * channel c (see above), stored to the output. The interior pixels [r->lo, r->hi) take
 * every tap; the border ones go to border_pixel. */
static inline __attribute__((always_inline)) void window_block(
    const tflc_dwconv_f32_row *r, size_t ox_begin, size_t ox_end, size_t c, const int V,
    size_t last, const int masked, const int K, const int S) {
    const tflc_dwconv_f32_args *a = r->a;
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t C = s->channels;
    const float *wt = r->weights + (c / TILE) * (size_t)(K * K) * TILE + c % TILE;
    float32x4_t w[25][2];
    UNROLL
    for (int t = 0; t < K * K; t++) {
        UNROLL
        for (int q = 0; q < 2; q++)   /* the q >= V ones are never read */
            w[t][q] = q < V ? vld1q_f32(wt + (size_t)t * TILE + q * Q) : vdupq_n_f32(0.0f);
    }
    float32x4_t bias[2] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    if (a->bias) {
        UNROLL
        for (int q = 0; q < V; q++)
            bias[q] = block_load(a->bias + c, q, V, last, masked);
    }
    const float32x4_t vmin = vdupq_n_f32(a->min), vmax = vdupq_n_f32(a->max);
    const float *rows[5] = {NULL, NULL, NULL, NULL, NULL};
    for (int ky = r->ky0; ky < r->ky1; ky++)
        rows[ky] = tflc_dwconv_in_row(r, r->y0 + ky) + c;
    /* [ox_begin, lo) border, [lo, hi) interior, [hi, ox_end) border */
    const size_t lo = r->lo < ox_begin ? ox_begin : r->lo > ox_end ? ox_end : r->lo;
    const size_t hi = r->hi < lo ? lo : r->hi > ox_end ? ox_end : r->hi;
    float *dst = r->out + ox_begin * C + c;
    size_t ox = ox_begin;
    for (; ox < lo; ox++, dst += C)
        border_pixel(s, ox, rows, w, bias, vmin, vmax, V, last, masked, K, S, dst);
    size_t xoff = lo < hi ? (lo * (size_t)S - (size_t)s->pad_left) * C : 0;
    for (; ox < hi; ox++, xoff += (size_t)S * C, dst += C) {
        float32x4_t acc[2] = {bias[0], bias[1]};
        UNROLL
        for (int ky = 0; ky < K; ky++) {
            if (!rows[ky]) continue;
            const float *x = rows[ky] + xoff;
            UNROLL
            for (int kx = 0; kx < K; kx++) {
                UNROLL
                for (int q = 0; q < V; q++) {
                    const float32x4_t v = block_load(x + (size_t)kx * C, q, V, last, masked);
                    acc[q] = vaddq_f32(acc[q], vmulq_f32(v, w[ky * K + kx][q]));
                }
            }
        }
        block_store(dst, acc, vmin, vmax, V, last, masked);
    }
    for (; ox < ox_end; ox++, dst += C)
        border_pixel(s, ox, rows, w, bias, vmin, vmax, V, last, masked, K, S, dst);
}

/* The row's tiles one at a time: a 3x3 tile as one block of two q registers, a 5x5 one as
 * two blocks of one (25 weight vectors each). The last tile (C % 8 channels) is masked. */
static inline __attribute__((always_inline)) void window_neon(const tflc_dwconv_f32_row *r,
                                                              size_t ox_begin, size_t ox_end,
                                                              const int K, const int S) {
    const size_t C = r->a->shape.channels, full = C / TILE * TILE, rest = C - full;
    if (K == 3) {
        for (size_t c = 0; c < full; c += TILE) window_block(r, ox_begin, ox_end, c, 2, Q, 0, K, S);
        if (rest > Q) window_block(r, ox_begin, ox_end, full, 2, rest - Q, 1, K, S);
        else if (rest) window_block(r, ox_begin, ox_end, full, 1, rest, 1, K, S);
    } else {
        for (size_t c = 0; c < full; c += Q) window_block(r, ox_begin, ox_end, c, 1, Q, 0, K, S);
        for (size_t c = full; c < C; c += Q)
            window_block(r, ox_begin, ox_end, c, 1, C - c < Q ? C - c : Q, 1, K, S);
    }
}

#define WINDOW_KERNEL(K, S)                                                                  \
    static void f32_dwconv_##K##x##K##s##S##_neon(const tflc_dwconv_f32_row *r,              \
                                                  size_t ox_begin, size_t ox_end) {          \
        window_neon(r, ox_begin, ox_end, K, S);                                              \
    }
WINDOW_KERNEL(3, 1)
WINDOW_KERNEL(3, 2)
WINDOW_KERNEL(5, 1)
WINDOW_KERNEL(5, 2)

static const tflc_dwconv_f32_config neon_config = {
    .name = "f32_dwconv_8ch_neon",
    .isa = TFLC_ISA_NEON,
    .tile = TILE,
    .generic = f32_dwconv_generic_neon,
    .window = {{f32_dwconv_3x3s1_neon, f32_dwconv_3x3s2_neon},
               {f32_dwconv_5x5s1_neon, f32_dwconv_5x5s2_neon}},
    .window_borders = true,
};

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_neon(void) { return &neon_config; }

#else

const tflc_dwconv_f32_config *tflc_f32_dwconv_config_neon(void) { return NULL; }

#endif
