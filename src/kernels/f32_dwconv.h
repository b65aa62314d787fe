/*
 * f32_dwconv.h -- float depthwise convolution, NHWC, depth multiplier 1, channels in vector
 * lanes, with fused bias and clamp:
 *
 *   out[n, oy, ox, c] = clamp(bias[c] + sum over (ky, kx) of in[n, iy, ix, c] * w[ky, kx, c],
 *                             min, max)
 *   iy = oy*stride_h - pad_top + ky*dilation_h,  ix = ox*stride_w - pad_left + kx*dilation_w
 *   taps whose (iy, ix) falls outside the input are skipped (not multiplied by a zero)
 *
 *   in    [N, H, W, C]
 *   w     [KH, KW, C]     (DEPTHWISE_CONV_2D's [1, KH, KW, C] filter), packed once
 *   bias  [C] or NULL (zeros)
 *   out   [N, OH, OW, C]
 *
 * Example:
 *
 *     const tflc_dwconv_f32_config *cfg = tflc_dwconv_f32_config_get();
 *     void *packed = aligned_alloc(64, tflc_dwconv_f32_packed_size(cfg, 3, 3, C));
 *     tflc_dwconv_f32_pack(cfg, 3, 3, C, w, packed);
 *     tflc_dwconv_f32_args a = {.shape = s, .in = in, .packed = packed, .bias = b,
 *                               .out = out, .min = 0.0f, .max = 6.0f};     // fused RELU6
 *     tflc_dwconv_f32_rows(&a, 0, N * OH);
 *
 * Numerics, identical in every config: acc = bias (0 without one), then acc = acc + x*w over
 * the taps inside the input in (ky, kx) order, each product and each sum rounded (no FMA),
 * then the clamp. That is LiteRT's builtin float kernel (optimized_ops::DepthwiseConv, whose
 * accumulators start from the bias; its x86 build has no FMA), so the results are its bits,
 * and ops/depthwise_conv_2d.c's loop for other depth multipliers sums the same way. Lanes
 * are independent sums: every ISA gives the same bits. (FMA would save nothing that
 * matters here: the loop is bound by loads, one input vector per tap.)
 * Skipping padding taps (rather than adding 0 * w) keeps an infinite or NaN weight from
 * turning a border output into NaN where the reference gives a number.
 *
 * Design (XNNPACK's channel-tiled depthwise, arranged for this order of summation):
 *   - Packed weights: a 64-byte header, then ceil(C / tile) tiles; tile t holds
 *     w[ky, kx, t*tile + j] at float offset t*KH*KW*tile + (ky*KW + kx)*tile + j, lanes past
 *     C zero. The tile width is the config's vector width (8 scalar, 8 AVX2, 16 AVX-512).
 *   - Per output row (n, oy), the rows ky of the window that fall inside the input are known
 *     once; the columns split into the interior (every kx inside) and the two borders.
 *   - Interior of a 3x3 or 5x5, dilation 1, stride_w 1 or 2 (any stride_h, any padding):
 *     a specialized kernel walks the row one channel tile at a time with the tile's
 *     KH*KW weight vectors held in registers: one input load, one multiply and one add
 *     per tap.
 *     On AMD CPUs, rows of a multiple of 256 channels (pixels a multiple of 1 KiB apart) go
 *     a chunk of pixels at a time into a stack stage, stored after pixel by pixel: stored
 *     from the sweep, their lines fall in a few L1 sets (f32_dwconv_avx512.c has the
 *     figures, Zen 4's and Emerald Rapids', where storing straight is faster).
 *     The AVX-512 and AVX2 kernels also take the border pixels, with the same weights,
 *     skipping the taps outside the input (window_borders); for the scalar ones the
 *     driver hands the border pixels to the generic kernel.
 *   - Everything else (other window sizes, dilation): the generic kernel, per pixel
 *     and per channel tile, over that pixel's taps inside the input.
 *   - Ragged channel counts: the last tile is masked (AVX2 maskload, AVX-512 opmask); no
 *     load or store reaches past channel C-1 of a pixel.
 *
 * Threads: rows (n, oy) are independent; tflc_dwconv_f32_rows takes any range of them, so a
 * caller splits N*OH rows over its threads (see ops/depthwise_conv_2d.c).
 * Input rows: in place (a->in), or one by one through a table (tflc_dwconv_f32_rows_from),
 * for a caller that computes the input a few rows at a time into a ring (the 1x1
 * convolution fused in front: ops/fusion.h). The kernels find row iy through
 * tflc_dwconv_in_row either way.
 */
#ifndef TFLC_KERNELS_F32_DWCONV_H
#define TFLC_KERNELS_F32_DWCONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

/* Widest channel tile of any config (AVX-512: 16 floats). */
#define TFLC_DWCONV_MAX_TILE 16
/* Bytes before the first tile of a packed filter. */
#define TFLC_DWCONV_PACKED_HEADER 64
/* Weight-cache kind of a packed filter (core/weight_cache.h; `| isa << 8` added). */
#define TFLC_WCACHE_F32_DWCONV 0x10u

/* The geometry of one problem (sizes in elements; pads are the padding before the first
 * row / column, as TFLite computes them). */
typedef struct tflc_dwconv_f32_shape {
    size_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t kh, kw;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_top, pad_left;
} tflc_dwconv_f32_shape;

/* One problem. min <= max; -INFINITY / INFINITY for no clamp (NaN passes the clamp). */
typedef struct tflc_dwconv_f32_args {
    tflc_dwconv_f32_shape shape;
    const float *in;           /* [N, H, W, C] */
    const void *packed;        /* tflc_dwconv_f32_pack of the filter, for this KH, KW, C */
    const float *bias;         /* [C] or NULL */
    float *out;                /* [N, OH, OW, C] */
    float min, max;
} tflc_dwconv_f32_args;

/* ------------------------------------------------------------ microkernels -- */

/* One output row (n, oy), as the driver hands it to a microkernel. Window rows ky in
 * [ky0, ky1) are inside the input; row ky starts at in_rows + ky * row_step floats (pixel 0,
 * channel 0), a pointer formed only for those ky. */
typedef struct tflc_dwconv_f32_row {
    const tflc_dwconv_f32_args *a;
    const float *weights;      /* the first tile of the packed filter (past the header) */
    const float *in_batch;     /* in + n*H*W*C */
    const float *const *in_rows;   /* NULL, or input row iy of image n at in_rows[iy] (a
                                      producer's rows in a ring: tflc_dwconv_f32_rows_from) */
    int64_t y0;                /* oy*stride_h - pad_top: input row of ky = 0 */
    int32_t ky0, ky1;
    float *out;                /* out + ((n*OH + oy)*OW)*C */
    size_t lo, hi;             /* interior columns [lo, hi): every kx inside (window kernels) */
} tflc_dwconv_f32_row;

/* Filter taps k in [*k0, *k1) with 0 <= origin + k*dilation < in (the taps of one window
 * axis that fall inside the input; empty when none do). */
static inline void tflc_dwconv_taps(int64_t origin, size_t in, int32_t filter, int32_t dilation,
                                    int32_t *k0, int32_t *k1) {
    const int64_t d = dilation, end = (int64_t)in - origin;   /* k*d < end */
    int64_t lo = origin < 0 ? (-origin + d - 1) / d : 0;
    int64_t hi = end <= 0 ? 0 : (end + d - 1) / d;
    if (hi > filter) hi = filter;
    if (lo > hi) lo = hi;
    *k0 = (int32_t)lo;
    *k1 = (int32_t)hi;
}

/* Input row iy (pixel 0, channel 0) of the row's image, 0 <= iy < H. */
static inline const float *tflc_dwconv_in_row(const tflc_dwconv_f32_row *r, int64_t iy) {
    if (r->in_rows) return r->in_rows[iy];
    return r->in_batch + (size_t)iy * r->a->shape.in_w * r->a->shape.channels;
}

/* Output pixels [ox_begin, ox_end) of one row. The generic kernel takes any pixels; a
 * window kernel only interior ones (every kx of the window inside the input). */
typedef void (*tflc_dwconv_f32_ukernel_fn)(const tflc_dwconv_f32_row *row, size_t ox_begin,
                                           size_t ox_end);

typedef struct tflc_dwconv_f32_config {
    const char *name;                        /* e.g. "f32_dwconv_16ch_avx512" */
    tflc_isa isa;
    uint32_t tile;                           /* channels per tile, <= TFLC_DWCONV_MAX_TILE */
    tflc_dwconv_f32_ukernel_fn generic;
    tflc_dwconv_f32_ukernel_fn window[2][2]; /* [3x3, 5x5][stride_w 1, 2], dilation 1 */
    /* true: window kernels take any pixels of the row, the border ones (outside
     * [row->lo, row->hi)) over their taps inside the input; false: interior pixels only,
     * the driver hands the borders to generic */
    bool window_borders;
} tflc_dwconv_f32_config;

/* Each ISA's config, from its own translation unit (compiled with that ISA's flags); NULL
 * when the file was built without them. They do not check the CPU: use config_for. */
const tflc_dwconv_f32_config *tflc_f32_dwconv_config_scalar(void);
const tflc_dwconv_f32_config *tflc_f32_dwconv_config_avx2(void);
const tflc_dwconv_f32_config *tflc_f32_dwconv_config_avx512(void);
const tflc_dwconv_f32_config *tflc_f32_dwconv_config_neon(void);

/* The config for `isa`, or NULL when this build or this CPU lacks it (ignores the TFLC_ISA
 * cap, so tests reach every variant the machine has). */
const tflc_dwconv_f32_config *tflc_dwconv_f32_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_dwconv_f32_config *tflc_dwconv_f32_config_get(void);

/* ----------------------------------------------------------------- packing -- */

/* Bytes of a packed [KH, KW, C] filter (header included). */
size_t tflc_dwconv_f32_packed_size(const tflc_dwconv_f32_config *cfg, int32_t kh, int32_t kw,
                                   size_t channels);

/* Packs w [KH, KW, C] into dst (packed_size bytes; 64-byte aligned is fastest). Keeps no
 * pointer to w. */
void tflc_dwconv_f32_pack(const tflc_dwconv_f32_config *cfg, int32_t kh, int32_t kw,
                          size_t channels, const float *w, void *dst);

/* The config a packed filter was made for. */
const tflc_dwconv_f32_config *tflc_dwconv_f32_packed_config(const void *packed);

/* ---------------------------------------------------------------- compute -- */

/* Tests: 1 makes the AVX-512 window kernels stage rows of a multiple of 256 channels
 * (f32_dwconv_avx512.c), 0 store them straight, -1 restores the CPU's default (staged on
 * AMD). Set it while no convolution runs. The bits are the same either way. */
void tflc_dwconv_f32_set_stage(int stage);

/* Output rows [row_begin, row_end) of the N*OH rows (row = n*OH + oy). Rows are disjoint
 * parts of the output: any split over threads gives the same bits. Never allocates. */
void tflc_dwconv_f32_rows(const tflc_dwconv_f32_args *a, size_t row_begin, size_t row_end);

/* The same with the input rows given one by one: rows [row_begin, row_end) all of image
 * n = row_begin / OH, whose input row iy is read at in_rows[iy] (a->in unused; only the rows
 * inside the input that these output rows' windows touch need be set). The same bits as
 * tflc_dwconv_f32_rows on an input holding those rows. */
void tflc_dwconv_f32_rows_from(const tflc_dwconv_f32_args *a, size_t row_begin, size_t row_end,
                               const float *const *in_rows);

#endif
