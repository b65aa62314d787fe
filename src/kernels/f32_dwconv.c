/*
 * f32_dwconv.c -- the portable part of the float depthwise convolution (f32_dwconv.h):
 * config choice, filter packing, and the row driver that splits each output row into the
 * border and interior pixel ranges the microkernels take.
 */
#include "kernels/f32_dwconv.h"

#include "kernels/window.h"

#include <pthread.h>
#include <string.h>

/* The packed-filter header: which config, and the filter it was packed from. */
typedef struct packed_header {
    uint32_t magic;
    uint32_t isa;
    uint32_t tile;
    int32_t kh, kw;
    uint32_t reserved;
    uint64_t channels;
} packed_header;

#define PACKED_MAGIC 0x31574454u   /* "TDW1" */

_Static_assert(sizeof(packed_header) <= TFLC_DWCONV_PACKED_HEADER, "header fits");

/* ------------------------------------------------------------------ config -- */

const tflc_dwconv_f32_config *tflc_dwconv_f32_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_f32_dwconv_config_scalar();
    case TFLC_ISA_AVX2: return tflc_f32_dwconv_config_avx2();
    case TFLC_ISA_AVX512: return tflc_f32_dwconv_config_avx512();
    case TFLC_ISA_NEON: return tflc_f32_dwconv_config_neon();
    default: return NULL;
    }
}

static const tflc_dwconv_f32_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void choose_config(void) {
    for (int isa = (int)tflc_cpu_isa(); isa >= 0 && !best_config; isa--)
        best_config = tflc_dwconv_f32_config_for((tflc_isa)isa);
    if (!best_config) best_config = tflc_f32_dwconv_config_scalar();
}

const tflc_dwconv_f32_config *tflc_dwconv_f32_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}

const tflc_dwconv_f32_config *tflc_dwconv_f32_packed_config(const void *packed) {
    const packed_header *h = packed;
    const tflc_dwconv_f32_config *cfg = tflc_dwconv_f32_config_for((tflc_isa)h->isa);
    /* A filter packed on this machine always finds its config; the scalar one is the
     * fallback for a corrupted header (never expected). */
    return cfg && cfg->tile == h->tile ? cfg : tflc_f32_dwconv_config_scalar();
}

/* ----------------------------------------------------------------- packing -- */

size_t tflc_dwconv_f32_packed_size(const tflc_dwconv_f32_config *cfg, int32_t kh, int32_t kw,
                                   size_t channels) {
    const size_t tiles = (channels + cfg->tile - 1) / cfg->tile;
    return TFLC_DWCONV_PACKED_HEADER +
           tiles * (size_t)kh * (size_t)kw * cfg->tile * sizeof(float);
}

void tflc_dwconv_f32_pack(const tflc_dwconv_f32_config *cfg, int32_t kh, int32_t kw,
                          size_t channels, const float *w, void *dst) {
    const packed_header h = {PACKED_MAGIC, (uint32_t)cfg->isa, cfg->tile, kh, kw, 0, channels};
    memset(dst, 0, TFLC_DWCONV_PACKED_HEADER);
    memcpy(dst, &h, sizeof h);
    float *out = (float *)((unsigned char *)dst + TFLC_DWCONV_PACKED_HEADER);
    const size_t tile = cfg->tile, taps = (size_t)kh * (size_t)kw;
    for (size_t c0 = 0; c0 < channels; c0 += tile) {
        const size_t lanes = channels - c0 < tile ? channels - c0 : tile;
        for (size_t t = 0; t < taps; t++, out += tile) {
            memcpy(out, w + t * channels + c0, lanes * sizeof(float));
            memset(out + lanes, 0, (tile - lanes) * sizeof(float));
        }
    }
}

/* ------------------------------------------------------------------ driver -- */

/* The window kernel for this shape, or NULL: 3x3 or 5x5, dilation 1, stride_w 1 or 2. */
static tflc_dwconv_f32_ukernel_fn window_kernel(const tflc_dwconv_f32_config *cfg,
                                                const tflc_dwconv_f32_shape *s) {
    if (s->kh != s->kw || (s->kh != 3 && s->kh != 5)) return NULL;
    if (s->dilation_h != 1 || s->dilation_w != 1) return NULL;
    if (s->stride_w != 1 && s->stride_w != 2) return NULL;
    return cfg->window[s->kh == 5][s->stride_w == 2];
}

void tflc_dwconv_f32_rows(const tflc_dwconv_f32_args *a, size_t row_begin, size_t row_end) {
    tflc_dwconv_f32_rows_from(a, row_begin, row_end, NULL);
}

void tflc_dwconv_f32_rows_from(const tflc_dwconv_f32_args *a, size_t row_begin, size_t row_end,
                               const float *const *in_rows) {
    const tflc_dwconv_f32_shape *s = &a->shape;
    const size_t rows = s->batches * s->out_h;
    if (row_end > rows) row_end = rows;
    if (row_begin >= row_end || s->out_w == 0 || s->channels == 0) return;
    const tflc_dwconv_f32_config *cfg = tflc_dwconv_f32_packed_config(a->packed);
    const tflc_dwconv_f32_ukernel_fn window = window_kernel(cfg, s);
    tflc_dwconv_f32_row row = {
        .a = a,
        .weights = (const float *)(const void *)((const unsigned char *)a->packed +
                                                 TFLC_DWCONV_PACKED_HEADER),
        .in_rows = in_rows,
    };
    if (window)
        tflc_window_interior((int64_t)s->in_w, s->pad_left, s->stride_w,
                             (int64_t)(s->kw - 1) * s->dilation_w, (int64_t)s->out_w, &row.lo,
                             &row.hi);
    const size_t image = s->in_h * s->in_w * s->channels;
    for (size_t r = row_begin; r < row_end; r++) {
        const size_t n = r / s->out_h, oy = r % s->out_h;
        row.in_batch = in_rows ? NULL : a->in + n * image;
        row.y0 = (int64_t)oy * s->stride_h - s->pad_top;
        tflc_dwconv_taps(row.y0, s->in_h, s->kh, s->dilation_h, &row.ky0, &row.ky1);
        row.out = a->out + r * s->out_w * s->channels;
        if (window && cfg->window_borders) {
            window(&row, 0, s->out_w);
        } else if (window && row.lo < row.hi) {
            cfg->generic(&row, 0, row.lo);
            window(&row, row.lo, row.hi);
            cfg->generic(&row, row.hi, s->out_w);
        } else {
            cfg->generic(&row, 0, s->out_w);
        }
    }
}
