/*
 * test_dwconv.c -- the float depthwise convolution kernels (src/kernels/f32_dwconv.h): every
 * ISA variant this CPU has, forced through its config, against the reference kernel of
 * ops/depthwise_conv_2d.c; and DEPTHWISE_CONV_2D itself on the fast path (scratch-packed and
 * weight-cached filters, a thread pool).
 *
 * The reference. ref_dwconv below is dw_eval_f32 / dw_acc_f32 of ops/depthwise_conv_2d.c
 * written out again: acc = bias (0 without one), acc = acc + x*w over the taps inside the
 * input in (ky, kx) order, each product and sum rounded, then the activation's clamp. That
 * is LiteRT's builtin float kernel's order (optimized_ops::DepthwiseConv; measured bit-exact
 * on 3x3, 5x5 stride 2 and depth multiplier 2 layers). test_op_reference_path checks that
 * the operator's own loop (depth multiplier 2, which stays on it) gives exactly these bits.
 *
 * What is checked:
 *   - every variant (scalar, AVX2, AVX-512: the SIMD ones multiply and add, no FMA), and
 *     the operator under TFLC_ISA=scalar (set before anything reads the CPU features), are
 *     bit-identical to the reference (NaN as NaN);
 *   - over channel counts 1..40 (every ragged tail of 8- and 16-lane tiles), odd spatial
 *     sizes, SAME and VALID padding, strides 1 and 2 (and 3, and stride_h != stride_w), every
 *     fused clamp, with and without bias, batch 2; 3x3 and 5x5 (the window kernels) and
 *     1x1, 2x2, 1x3, 3x5, 7x7 and dilations 2 and 3 (the generic kernel); pads wider than the
 *     window (rows with no tap at all);
 *   - nothing is written outside the output (guard floats around it), and no load or store
 *     reaches past the input, bias or output (each placed against a PROT_NONE page);
 *   - padding taps are skipped, not multiplied by 0: an infinite weight leaves the border
 *     outputs that do not see it finite, as in the reference; NaN inputs propagate;
 *   - any split of the output rows (threads) gives the same bits.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/threadpool.h"
#include "core/weight_cache.h"
#include "kernels/cpu.h"
#include "kernels/f32_dwconv.h"
#include "ops/conv_common.h"
#include "guarded.h"
#include "test.h"
#include "isa_configs.h"
#include "op_harness.h"

/* ------------------------------------------------------------- helpers -- */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Uniform in [-1, 1). */
static float rng_float(void) { return (float)(rng_next() & 0xFFFFFF) / 8388608.0f - 1.0f; }

static int rng_range(int lo, int hi) { return lo + (int)(rng_next() % (uint32_t)(hi - lo + 1)); }

static void *xmalloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) abort();
    return p;
}

static bool same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

static const tflc_dwconv_f32_config *variants[TFLC_ISA_COUNT];
static int n_variants;

/* One problem: geometry (TFLite's padding arithmetic, or explicit pads), data, clamp. */
typedef struct problem {
    tflc_dwconv_f32_shape s;
    int multiplier;             /* reference only: output channel m reads input m / dm */
    float *in, *w, *bias;       /* in [N,H,W,C/dm], w [KH,KW,C], bias [C] or NULL */
    float min, max;
} problem;

/* out and pad of one axis as ops/conv_common.h plans them. */
static void plan_axis(size_t in, int32_t filter, int32_t stride, int32_t dilation, bool same,
                      size_t *out, int32_t *pad) {
    const int64_t eff = (int64_t)(filter - 1) * dilation + 1;
    const int64_t o = same ? ((int64_t)in + stride - 1) / stride
                           : ((int64_t)in + stride - eff) / stride;
    const int64_t total = (o - 1) * stride + eff - (int64_t)in;
    *out = (size_t)(o < 0 ? 0 : o);
    *pad = (int32_t)(total > 0 ? total / 2 : 0);
}

static problem make_problem(size_t n, size_t h, size_t w, size_t c, int32_t kh, int32_t kw,
                            int32_t sh, int32_t sw, int32_t dh, int32_t dw, bool same,
                            bool with_bias, int act) {
    static const float mins[] = {-INFINITY, 0.0f, 0.0f, -1.0f};
    static const float maxs[] = {INFINITY, INFINITY, 6.0f, 1.0f};
    problem p;
    memset(&p, 0, sizeof p);
    p.s = (tflc_dwconv_f32_shape){n, h, w, c, 0, 0, kh, kw, sh, sw, dh, dw, 0, 0};
    plan_axis(h, kh, sh, dh, same, &p.s.out_h, &p.s.pad_top);
    plan_axis(w, kw, sw, dw, same, &p.s.out_w, &p.s.pad_left);
    p.multiplier = 1;
    p.min = mins[act % 4];
    p.max = maxs[act % 4];
    p.in = xmalloc(n * h * w * c * sizeof(float));
    for (size_t i = 0; i < n * h * w * c; i++) p.in[i] = rng_float();
    p.w = xmalloc((size_t)kh * (size_t)kw * c * sizeof(float));
    for (size_t i = 0; i < (size_t)kh * (size_t)kw * c; i++) p.w[i] = rng_float();
    if (with_bias) {
        p.bias = xmalloc(c * sizeof(float));
        for (size_t i = 0; i < c; i++) p.bias[i] = rng_float();
    }
    return p;
}

static void free_problem(problem *p) {
    free(p->in);
    free(p->w);
    free(p->bias);
}

static size_t out_count(const problem *p) {
    return p->s.batches * p->s.out_h * p->s.out_w * p->s.channels;
}

/* ------------------------------------------------------------ reference -- */

/* ops/depthwise_conv_2d.c's dw_eval_f32, written out again. */
static void ref_dwconv(const problem *p, float *out) {
    const tflc_dwconv_f32_shape *s = &p->s;
    const size_t in_c = s->channels / (size_t)p->multiplier;
    size_t at = 0;
    for (size_t n = 0; n < s->batches; n++)
        for (size_t oy = 0; oy < s->out_h; oy++)
            for (size_t ox = 0; ox < s->out_w; ox++) {
                const int64_t y0 = (int64_t)oy * s->stride_h - s->pad_top;
                const int64_t x0 = (int64_t)ox * s->stride_w - s->pad_left;
                for (size_t m = 0; m < s->channels; m++, at++) {
                    float acc = p->bias ? p->bias[m] : 0.0f;
                    for (int32_t ky = 0; ky < s->kh; ky++) {
                        const int64_t iy = y0 + (int64_t)ky * s->dilation_h;
                        if (iy < 0 || iy >= (int64_t)s->in_h) continue;
                        for (int32_t kx = 0; kx < s->kw; kx++) {
                            const int64_t ix = x0 + (int64_t)kx * s->dilation_w;
                            if (ix < 0 || ix >= (int64_t)s->in_w) continue;
                            const float x = p->in[((n * s->in_h + (size_t)iy) * s->in_w +
                                                   (size_t)ix) * in_c + m / (size_t)p->multiplier];
                            const float wv = p->w[((size_t)ky * (size_t)s->kw + (size_t)kx) *
                                                  s->channels + m];
                            const float prod = x * wv;
                            acc = acc + prod;
                        }
                    }
                    out[at] = acc < p->min ? p->min : (acc > p->max ? p->max : acc);
                }
            }
}

/* ------------------------------------------------------------- variants -- */

#define GUARD 16   /* floats of 0xAB before and after each output */

typedef struct outbuf {
    float *base, *out;
    size_t count;
} outbuf;

static outbuf make_out(size_t count) {
    outbuf o = {NULL, NULL, count};
    o.base = xmalloc((count + 2 * GUARD) * sizeof(float));
    memset(o.base, 0xAB, (count + 2 * GUARD) * sizeof(float));
    o.out = o.base + GUARD;
    return o;
}

static bool guards_intact(const outbuf *o) {
    const unsigned char *b = (const unsigned char *)o->base;
    const size_t tail = (GUARD + o->count) * sizeof(float);
    for (size_t i = 0; i < GUARD * sizeof(float); i++)
        if (b[i] != 0xAB || b[tail + i] != 0xAB) return false;
    return true;
}

static void *pack_for(const tflc_dwconv_f32_config *cfg, const problem *p) {
    void *packed = aligned_alloc(64, (tflc_dwconv_f32_packed_size(cfg, p->s.kh, p->s.kw,
                                                                  p->s.channels) + 63) / 64 * 64);
    if (!packed) abort();
    tflc_dwconv_f32_pack(cfg, p->s.kh, p->s.kw, p->s.channels, p->w, packed);
    return packed;
}

static tflc_dwconv_f32_args args_for(const problem *p, const void *packed, float *out) {
    tflc_dwconv_f32_args a = {p->s, p->in, packed, p->bias, out, p->min, p->max};
    return a;
}

static outbuf run_variant(const tflc_dwconv_f32_config *cfg, const problem *p) {
    void *packed = pack_for(cfg, p);
    outbuf o = make_out(out_count(p));
    const tflc_dwconv_f32_args a = args_for(p, packed, o.out);
    tflc_dwconv_f32_rows(&a, 0, p->s.batches * p->s.out_h);
    free(packed);
    return o;
}

static int checked_problems, checked_outputs;

static void describe(const problem *p, char *buf, size_t size) {
    snprintf(buf, size, "N=%zu H=%zu W=%zu C=%zu K=%dx%d s=%d,%d d=%d,%d pad=%d,%d out=%zux%zu "
             "bias=%d clamp=[%g,%g]", p->s.batches, p->s.in_h, p->s.in_w, p->s.channels,
             (int)p->s.kh, (int)p->s.kw, (int)p->s.stride_h, (int)p->s.stride_w,
             (int)p->s.dilation_h, (int)p->s.dilation_w, (int)p->s.pad_top,
             (int)p->s.pad_left, p->s.out_h, p->s.out_w, p->bias != NULL, (double)p->min,
             (double)p->max);
}

/* Every variant against the reference, bit for bit (NaN as NaN). */
static bool check_problem(const problem *p) {
    const size_t count = out_count(p);
    float *want = xmalloc(count * sizeof(float));
    ref_dwconv(p, want);
    bool ok = true;
    char what[256];
    for (int v = 0; ok && v < n_variants; v++) {
        const tflc_dwconv_f32_config *cfg = variants[v];
        outbuf o = run_variant(cfg, p);
        if (!guards_intact(&o)) {
            describe(p, what, sizeof what);
            CHECK_MSG(false, "%s wrote outside the output (%s)", cfg->name, what);
            ok = false;
        }
        for (size_t i = 0; ok && i < count; i++) {
            const float got = o.out[i], ref = want[i];
            if (isnan(ref) ? isnan(got) : same_bits(got, ref)) continue;
            describe(p, what, sizeof what);
            CHECK_MSG(false, "%s output %zu (pixel %zu, channel %zu): %.9g, reference %.9g (%s)",
                      cfg->name, i, i / p->s.channels, i % p->s.channels, (double)got,
                      (double)ref, what);
            ok = false;
        }
        checked_outputs += (int)count;
        free(o.base);
    }
    checked_problems++;
    free(want);
    return ok;
}

/* ----------------------------------------------------------------- tests -- */

static void test_variants_found(void) {
    /* Runs first: the ISA cap is read once, at the first detection, and the operator tests
     * below must run the scalar config. */
    CHECK(setenv("TFLC_ISA", "scalar", 1) == 0);
    CHECK(tflc_cpu_isa() == TFLC_ISA_SCALAR);
    CHECK(tflc_dwconv_f32_config_get() == tflc_f32_dwconv_config_scalar());
    n_variants = 0;
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++) {
        const tflc_dwconv_f32_config *cfg = tflc_dwconv_f32_config_for((tflc_isa)isa);
        if (cfg) variants[n_variants++] = cfg;
    }
    CHECK(n_variants >= 1 && variants[0]->isa == TFLC_ISA_SCALAR);
    CHECK_ISA_CONFIGS(tflc_dwconv_f32_config_for);
    fprintf(stderr, "hardware ISA %s; variants:", tflc_isa_name(tflc_cpu_info_get()->hardware));
    for (int v = 0; v < n_variants; v++) {
        const tflc_dwconv_f32_config *cfg = variants[v];
        fprintf(stderr, " %s", cfg->name);
        CHECK(cfg->tile >= 1 && cfg->tile <= TFLC_DWCONV_MAX_TILE && cfg->generic);
        for (int k = 0; k < 2; k++)
            for (int s = 0; s < 2; s++) CHECK(cfg->window[k][s] != NULL);
    }
    fprintf(stderr, "\n");
}

/* The packed layout: tile t, tap k, lane j at t*taps*tile + k*tile + j; zeros past C. */
static void test_pack_layout(void) {
    for (int v = 0; v < n_variants; v++) {
        const tflc_dwconv_f32_config *cfg = variants[v];
        problem p = make_problem(1, 3, 3, cfg->tile + 3, 3, 2, 1, 1, 1, 1, true, false, 0);
        unsigned char *packed = pack_for(cfg, &p);
        CHECK(tflc_dwconv_f32_packed_config(packed) == cfg);
        CHECK(tflc_dwconv_f32_packed_size(cfg, 3, 2, p.s.channels) ==
              TFLC_DWCONV_PACKED_HEADER + 2 * 6 * cfg->tile * sizeof(float));
        const float *f = (const float *)(void *)(packed + TFLC_DWCONV_PACKED_HEADER);
        const size_t tile = cfg->tile, C = p.s.channels;
        for (size_t t = 0; t < 2; t++)
            for (size_t k = 0; k < 6; k++)
                for (size_t j = 0; j < tile; j++) {
                    const size_t c = t * tile + j;
                    const float want = c < C ? p.w[k * C + c] : 0.0f;
                    CHECK(same_bits(f[(t * 6 + k) * tile + j], want));
                }
        free(packed);
        free_problem(&p);
    }
}

/* The window kernels: 3x3 and 5x5, strides 1 and 2, SAME and VALID, every channel count
 * 1..40, odd sizes (interiors of 0 to ~13 pixels: the AVX-512 kernels' groups of 4 or 2
 * pixels and every remainder), batch 2, a random clamp, bias 3 times out of 4. */
static void test_windows_every_channel_count(void) {
    for (int c = 1; c <= 40; c++)
        for (int k = 3; k <= 5; k += 2)
            for (int stride = 1; stride <= 2; stride++)
                for (int same = 0; same <= 1; same++) {
                    const size_t h = (size_t)(k + 2 * rng_range(0, 4));
                    const size_t w = (size_t)(k + 2 * rng_range(0, 5));
                    problem p = make_problem(2, h, w, (size_t)c, k, k, stride, stride, 1, 1,
                                             same != 0, rng_next() % 4 != 0, rng_range(0, 3));
                    bool ok = check_problem(&p);
                    free_problem(&p);
                    if (!ok) return;
                }
}

/* Rows of a multiple of 256 channels, which the SIMD window kernels compute a chunk of
 * pixels at a time into a stage before storing them (f32_dwconv_avx512.c): widths of
 * several chunks with a short last one (AVX-512 chunks are 4096 / C pixels: 16 at C = 256,
 * 8 at 512), and C = 4352, wider than the stage, which stores straight. */
static void test_windows_staged_rows(void) {
    static const size_t channels[] = {256, 512, 4352};
    /* Staged (AMD's default) and stored straight (elsewhere), whatever this CPU is. */
    for (int stage = 0; stage <= 1; stage++) {
        tflc_dwconv_f32_set_stage(stage);
        for (size_t ci = 0; ci < N(channels); ci++)
            for (int k = 3; k <= 5; k += 2)
                for (int stride = 1; stride <= 2; stride++) {
                    const size_t c = channels[ci], w = c > 4096 ? 6 : (size_t)(2 * 19 + k);
                    problem p = make_problem(1, (size_t)k + 2, w, c, k, k, stride, stride, 1,
                                             1, true, true, rng_range(0, 3));
                    bool ok = check_problem(&p);
                    free_problem(&p);
                    if (!ok) {
                        tflc_dwconv_f32_set_stage(-1);
                        return;
                    }
                }
    }
    tflc_dwconv_f32_set_stage(-1);
}

/* 3x3 rows of up to 128 channels, which the AVX-512 kernels sweep a chunk of pixels at a
 * time (1024 / C, a multiple of 4: 8 at C = 96 and 128, 24 at 40): rows of several chunks
 * with a ragged last one, the borders in the first and last, strides 1 and 2, SAME and
 * VALID, a ragged last channel tile. */
static void test_windows_chunked_rows(void) {
    static const size_t channels[] = {40, 96, 100, 128};
    for (size_t ci = 0; ci < N(channels); ci++)
        for (int stride = 1; stride <= 2; stride++)
            for (int same = 0; same <= 1; same++) {
                const size_t w = (size_t)rng_range(37, 61);
                problem p = make_problem(1, 5, w, channels[ci], 3, 3, stride, stride, 1, 1,
                                         same != 0, true, rng_range(0, 3));
                bool ok = check_problem(&p);
                free_problem(&p);
                if (!ok) return;
            }
}

/* stride_h != stride_w, stride 3, tiny and wide inputs (every column a border column, or
 * few of them). */
static void test_windows_odd_strides_and_sizes(void) {
    static const int32_t strides[][2] = {{1, 2}, {2, 1}, {3, 1}, {1, 3}, {3, 3}, {2, 2}};
    static const size_t sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {2, 3}, {5, 5}, {3, 31}, {13, 9}};
    for (size_t si = 0; si < N(strides); si++)
        for (size_t zi = 0; zi < N(sizes); zi++)
            for (int k = 3; k <= 5; k += 2) {
                const size_t c = (size_t)rng_range(1, 40);
                problem p = make_problem(2, sizes[zi][0], sizes[zi][1], c, k, k, strides[si][0],
                                         strides[si][1], 1, 1, true, true, rng_range(0, 3));
                bool ok = check_problem(&p);
                free_problem(&p);
                if (!ok) return;
            }
}

/* The generic kernel: other window shapes, dilation, both paddings. */
static void test_generic_windows(void) {
    static const int32_t windows[][2] = {{1, 1}, {2, 2}, {1, 3}, {3, 1}, {3, 5}, {7, 7},
                                         {3, 3}, {5, 5}, {4, 2}};
    for (size_t wi = 0; wi < N(windows); wi++)
        for (int dil = 1; dil <= 3; dil++)
            for (int stride = 1; stride <= 2; stride++)
                for (int same = 0; same <= 1; same++) {
                    const int32_t kh = windows[wi][0], kw = windows[wi][1];
                    if (dil == 1 && kh == kw && (kh == 3 || kh == 5)) continue;   /* above */
                    const size_t h = (size_t)((kh - 1) * dil + 1 + 2 * rng_range(0, 3));
                    const size_t w = (size_t)((kw - 1) * dil + 1 + 2 * rng_range(0, 3));
                    problem p = make_problem(2, h, w, (size_t)rng_range(1, 40), kh, kw, stride,
                                             stride, dil, dil, same != 0, rng_next() % 2 != 0,
                                             rng_range(0, 3));
                    bool ok = check_problem(&p);
                    free_problem(&p);
                    if (!ok) return;
                }
}

/* Pads wider than the window reaches: whole rows and columns with no tap inside the input
 * give clamp(bias). Not a TFLite padding, but the kernel takes any pads. */
static void test_rows_without_taps(void) {
    for (int k = 3; k <= 5; k += 2)
        for (int c = 1; c <= 20; c += 3) {
            problem p = make_problem(2, 4, 5, (size_t)c, k, k, 1, 1, 1, 1, true, true, 0);
            p.s.pad_top = k + 1;
            p.s.pad_left = k;
            p.s.out_h = 4 + 2 * (size_t)k + 2;
            p.s.out_w = 5 + 2 * (size_t)k;
            bool ok = check_problem(&p);
            free_problem(&p);
            if (!ok) return;
        }
}

/* Random everything. */
static void test_random(void) {
    for (int t = 0; t < 300; t++) {
        const int32_t k = rng_range(1, 6), kw = rng_next() % 3 == 0 ? rng_range(1, 6) : k;
        const int32_t dil = rng_next() % 4 == 0 ? 2 : 1;
        const size_t h = (size_t)((k - 1) * dil + rng_range(1, 12));
        const size_t w = (size_t)((kw - 1) * dil + rng_range(1, 12));
        problem p = make_problem((size_t)rng_range(1, 2), h, w, (size_t)rng_range(1, 70), k, kw,
                                 rng_range(1, 3), rng_range(1, 3), dil, dil, rng_next() % 2 != 0,
                                 rng_next() % 2 != 0, rng_range(0, 3));
        bool ok = check_problem(&p);
        free_problem(&p);
        if (!ok) return;
    }
}

/* Padding taps are skipped: +inf in tap (0, 0) of every channel leaves finite every output
 * whose (0, 0) tap is padding, as in the reference (0 * inf would be NaN). A NaN input
 * reaches exactly the outputs whose windows hold it. */
static void test_nonfinite(void) {
    for (int k = 3; k <= 5; k += 2)
        for (int c = 1; c <= 24; c += 23) {
            problem p = make_problem(2, 9, 11, (size_t)c, k, k, 1, 1, 1, 1, true, true, 0);
            for (size_t ch = 0; ch < p.s.channels; ch++) p.w[ch] = INFINITY;
            for (size_t i = 0; i < p.s.batches * 9 * 11 * p.s.channels; i++)
                p.in[i] = fabsf(p.in[i]) + 0.5f;              /* inf * x = +inf, no 0 * inf */
            p.in[((1 * 9 + 4) * 11 + 5) * p.s.channels] = NAN; /* batch 1, (4, 5), channel 0 */
            float *want = xmalloc(out_count(&p) * sizeof(float));
            ref_dwconv(&p, want);
            CHECK(isfinite(want[0]));                            /* corner: tap (0,0) padding */
            CHECK(isinf(want[((0 * 9 + 5) * 11 + 5) * p.s.channels]));
            CHECK(isnan(want[((1 * 9 + 4) * 11 + 5) * p.s.channels]));
            free(want);
            CHECK(check_problem(&p));
            free_problem(&p);
        }
}

/* A sum of -0.0 under a clamp whose min is 0 stays -0.0, as the reference's v < min ? min :
 * v keeps it (a vector max that orders -0 below +0, such as NEON's FMAX, would give +0):
 * bias -0, inputs +0, weights -1, so every product and sum is -0. */
static void test_negative_zero_clamp(void) {
    for (int k = 3; k <= 5; k += 2)
        for (int act = 1; act <= 2; act++) {
            problem p = make_problem(1, 7, 9, 13, k, k, 1 + (k == 5), 1, 1, 1, true, true, act);
            for (size_t i = 0; i < 7 * 9 * 13; i++) p.in[i] = 0.0f;
            for (size_t i = 0; i < (size_t)(k * k) * 13; i++) p.w[i] = -1.0f;
            for (size_t i = 0; i < 13; i++) p.bias[i] = -0.0f;
            float *want = xmalloc(out_count(&p) * sizeof(float));
            ref_dwconv(&p, want);
            CHECK(want[0] == 0.0f && signbit(want[0]) && signbit(want[out_count(&p) - 1]));
            free(want);
            CHECK(check_problem(&p));
            free_problem(&p);
        }
}

/* Any split of the rows gives the same bits as one call. */
static void test_split_rows(void) {
    for (int v = 0; v < n_variants; v++) {
        problem p = make_problem(2, 15, 13, 37, 3, 3, 2, 1, 1, 1, true, true, 2);
        const size_t rows = p.s.batches * p.s.out_h, count = out_count(&p);
        void *packed = pack_for(variants[v], &p);
        outbuf whole = make_out(count), part = make_out(count);
        tflc_dwconv_f32_args a = args_for(&p, packed, whole.out);
        tflc_dwconv_f32_rows(&a, 0, rows);
        a.out = part.out;
        for (size_t r = rows; r > 0; r -= r >= 3 ? 3 : r)    /* back to front, 3 rows each */
            tflc_dwconv_f32_rows(&a, r >= 3 ? r - 3 : 0, r);
        tflc_dwconv_f32_rows(&a, rows, rows + 5);             /* past the end: nothing */
        CHECK(memcmp(whole.base, part.base, (count + 2 * GUARD) * sizeof(float)) == 0);
        free(whole.base);
        free(part.base);
        free(packed);
        free_problem(&p);
    }
}

/* tflc_dwconv_f32_rows_from: the input rows of each image copied one by one into separate
 * blocks, handed out through a table in reverse order of address, give the bits of the
 * input read in place (window kernels with and without borders, the generic kernel,
 * ragged channel tiles, two images). */
static void check_rows_from(const tflc_dwconv_f32_config *cfg, const problem *p) {
    const tflc_dwconv_f32_shape *s = &p->s;
    const size_t row_floats = s->in_w * s->channels, count = out_count(p);
    void *packed = pack_for(cfg, p);
    outbuf whole = make_out(count), part = make_out(count);
    tflc_dwconv_f32_args a = args_for(p, packed, whole.out);
    tflc_dwconv_f32_rows(&a, 0, s->batches * s->out_h);
    float *copies = xmalloc(s->in_h * row_floats * sizeof(float));
    const float **rows = xmalloc(s->in_h * sizeof(float *));
    a.out = part.out;
    a.in = NULL;
    for (size_t n = 0; n < s->batches; n++) {
        for (size_t y = 0; y < s->in_h; y++) {
            float *dst = copies + (s->in_h - 1 - y) * row_floats;
            memcpy(dst, p->in + (n * s->in_h + y) * row_floats, row_floats * sizeof(float));
            rows[y] = dst;
        }
        for (size_t oy = 0; oy < s->out_h; oy += 2)     /* two rows a call, the last alone */
            tflc_dwconv_f32_rows_from(&a, n * s->out_h + oy,
                                      n * s->out_h + (oy + 2 < s->out_h ? oy + 2 : s->out_h), rows);
    }
    char what[256];
    describe(p, what, sizeof what);
    CHECK_MSG(memcmp(whole.base, part.base, (count + 2 * GUARD) * sizeof(float)) == 0,
              "%s: rows_from differs from rows (%s)", cfg->name, what);
    free(copies);
    free(rows);
    free(whole.base);
    free(part.base);
    free(packed);
}

static void test_rows_from(void) {
    for (int v = 0; v < n_variants; v++) {
        problem ps[] = {
            make_problem(2, 9, 13, 37, 3, 3, 1, 1, 1, 1, true, true, 2),    /* 3x3 s1, borders */
            make_problem(1, 12, 11, 40, 3, 3, 2, 2, 1, 1, true, true, 0),   /* 3x3 s2 */
            make_problem(1, 10, 9, 24, 5, 5, 1, 1, 1, 1, true, false, 1),   /* 5x5 */
            make_problem(2, 7, 8, 19, 2, 3, 1, 2, 2, 1, false, true, 3),    /* generic */
        };
        for (size_t i = 0; i < N(ps); i++) {
            check_rows_from(variants[v], &ps[i]);
            free_problem(&ps[i]);
        }
    }
}

/* ---------------------------------------------------- guard pages (bounds) -- */

/* Input, bias and output each end at a PROT_NONE page: a load or store past channel C-1 of
 * the last pixel faults (masked lanes must not touch memory). */
static void test_no_access_past_the_end(void) {
    for (int v = 0; v < n_variants; v++)
        for (int c = 1; c <= 33; c++)
            for (int k = 1; k <= 5; k += 2) {
                problem p = make_problem(1, 5, 7, (size_t)c, k, k, 1, 1, 1, 1, true, true, 2);
                const size_t in_bytes = 5 * 7 * (size_t)c * sizeof(float);
                const size_t count = out_count(&p);
                guarded gi = guarded_alloc(in_bytes), gb = guarded_alloc((size_t)c * sizeof(float));
                guarded go = guarded_alloc(count * sizeof(float));
                memcpy(gi.data, p.in, in_bytes);
                memcpy(gb.data, p.bias, (size_t)c * sizeof(float));
                void *packed = pack_for(variants[v], &p);
                tflc_dwconv_f32_args a = args_for(&p, packed, go.data);
                a.in = gi.data;
                a.bias = gb.data;
                tflc_dwconv_f32_rows(&a, 0, p.s.out_h);
                float *want = xmalloc(count * sizeof(float));
                ref_dwconv(&p, want);
                if (variants[v]->isa == TFLC_ISA_SCALAR)
                    CHECK(memcmp(go.data, want, count * sizeof(float)) == 0);
                free(want);
                free(packed);
                guarded_free(&gi);
                guarded_free(&gb);
                guarded_free(&go);
                free_problem(&p);
            }
}

/* ------------------------------------------------------------- operator -- */

static void dw_options(opcase *c, int padding, int stride_h, int stride_w, int dil, int act) {
    oc_options(c, BO_DepthwiseConv2D);
    opt_i8(c, DWCONV_OPT_PADDING, padding);
    opt_i32(c, DWCONV_OPT_STRIDE_H, stride_h);
    opt_i32(c, DWCONV_OPT_STRIDE_W, stride_w);
    opt_i32(c, DWCONV_OPT_DILATION_H, dil);
    opt_i32(c, DWCONV_OPT_DILATION_W, dil);
    opt_i8(c, DWCONV_OPT_ACTIVATION, act);
}

typedef enum filter_kind { FILTER_CONST, FILTER_INPUT, FILTER_CACHED } filter_kind;

/* DEPTHWISE_CONV_2D on problem p (built with TFLite padding): the output must be
 * ref_dwconv's bit for bit (TFLC_ISA=scalar is set: the fast path runs the scalar config,
 * depth multiplier 2 the operator's own reference loop). */
static void check_operator(const problem *p, int act, bool same, filter_kind fk) {
    const tflc_dwconv_f32_shape *s = &p->s;
    const int32_t in_c = (int32_t)s->channels / p->multiplier;
    const int32_t d_in[] = {(int32_t)s->batches, (int32_t)s->in_h, (int32_t)s->in_w, in_c};
    const int32_t d_w[] = {1, s->kh, s->kw, (int32_t)s->channels};
    const int32_t d_b[] = {(int32_t)s->channels};
    opcase c;
    oc_init(&c, &tflc_kernel_depthwise_conv_2d);
    dw_options(&c, same ? CONV_PADDING_SAME : CONV_PADDING_VALID, s->stride_h, s->stride_w,
               s->dilation_h, act);
    oc_in(&c, F32, 4, d_in, p->in);
    tflc_tensor *w = fk == FILTER_INPUT ? oc_in(&c, F32, 4, d_w, p->w)
                                        : oc_const(&c, F32, 4, d_w, p->w);
    if (p->bias) oc_const(&c, F32, 1, d_b, p->bias);
    tflc_tensor *out = oc_out(&c, F32);
    if (fk == FILTER_CACHED) {        /* the weights count as the model's own bytes */
        fake_model.buf = w->data;
        fake_model.size = w->bytes;
    }
    CHECK_OK(oc_run(&c));
    if (fk == FILTER_CACHED) {
        size_t bytes = 0;
        CHECK(tflc_weight_cache_count(&fake_model, &bytes) == (p->multiplier == 1 ? 1u : 0u));
        CHECK(c.node.scratch_bytes == 0);
        CHECK_OK(oc_eval(&c));        /* a second eval reuses the cached block */
        CHECK(tflc_weight_cache_count(&fake_model, NULL) == (p->multiplier == 1 ? 1u : 0u));
        tflc_weight_cache_free(fake_model.weight_cache);
        fake_model.weight_cache = NULL;
        fake_model.buf = NULL;
        fake_model.size = 0;
    } else if (p->multiplier == 1) {
        CHECK(c.node.scratch_bytes > 0);   /* packed into scratch at each eval */
    }
    const size_t count = out_count(p);
    CHECK(out->dims[1] == (int32_t)s->out_h && out->dims[2] == (int32_t)s->out_w);
    float *want = xmalloc(count * sizeof(float));
    ref_dwconv(p, want);
    bool same_out = tflc_tensor_count(out) == count;
    for (size_t i = 0; same_out && i < count; i++)
        same_out = same_bits(((const float *)out->data)[i], want[i]);
    char what[256];
    describe(p, what, sizeof what);
    CHECK_MSG(same_out, "operator (multiplier %d, filter kind %d) differs from the reference "
              "(%s)", p->multiplier, (int)fk, what);
    free(want);
    oc_free(&c);
}

static const int acts[] = {ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1};

static problem op_problem(int multiplier, size_t in_c, int32_t k, int32_t stride, int32_t dil,
                          bool same, bool bias, int act_index) {
    const int eff = (k - 1) * dil + 1;   /* VALID needs the input to hold one window */
    problem p = make_problem(2, (size_t)(eff + rng_range(0, 8)) | 1,
                             (size_t)(eff + rng_range(0, 8)) | 1, in_c * (size_t)multiplier, k, k,
                             stride, stride, dil, dil, same, bias, act_index);
    if (multiplier > 1) {            /* the input has C / dm channels */
        free(p.in);
        const size_t n = p.s.batches * p.s.in_h * p.s.in_w * in_c;
        p.in = xmalloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++) p.in[i] = rng_float();
        p.multiplier = multiplier;
    }
    return p;
}

/* Depth multiplier 2 runs the operator's reference loop: equal to ref_dwconv, which makes
 * ref_dwconv the reference kernel. */
static void test_op_reference_path(void) {
    for (int t = 0; t < 24; t++) {
        const bool same = t % 2 == 0;
        problem p = op_problem(2, (size_t)rng_range(1, 9), t % 3 == 0 ? 5 : 3, 1 + t % 2,
                               t % 5 == 0 ? 2 : 1, same, t % 4 != 0, t % 4);
        check_operator(&p, acts[t % 4], same, FILTER_CONST);
        free_problem(&p);
    }
}

/* Depth multiplier 1: the fast path, bit-identical under TFLC_ISA=scalar, with the filter
 * a constant (packed into scratch), an input (packed at each eval) or the model's own
 * bytes (packed once into the weight cache). */
static void test_op_fast_path(void) {
    for (int t = 0; t < 60; t++) {
        const bool same = t % 2 == 0;
        const int32_t k = t % 7 == 0 ? 1 : (t % 3 == 0 ? 5 : 3);
        problem p = op_problem(1, (size_t)rng_range(1, 40), k, 1 + (t / 2) % 2,
                               t % 11 == 0 ? 2 : 1, same, t % 4 != 0, t % 4);
        check_operator(&p, acts[t % 4], same, (filter_kind)(t % 3));
        free_problem(&p);
    }
}

/* With a thread pool the rows go to several threads: same bits. */
static void test_op_threads(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(3, &pool));
    fake_runner.pool = pool;
    for (int t = 0; t < 6; t++) {
        problem p = op_problem(1, (size_t)rng_range(1, 40), 3, 1 + t % 2, 1, true, true, t % 4);
        check_operator(&p, acts[t % 4], true, FILTER_CONST);
        free_problem(&p);
    }
    fake_runner.pool = NULL;
    tflc_threadpool_free(pool);
}

static void test_summary(void) {
    fprintf(stderr, "%d problems, %d outputs checked against the reference\n", checked_problems,
            checked_outputs);
    CHECK(checked_problems > 600);
}

static void run_tests(void) {
    TEST(test_variants_found);
    TEST(test_pack_layout);
    TEST(test_windows_every_channel_count);
    TEST(test_windows_odd_strides_and_sizes);
    TEST(test_windows_staged_rows);
    TEST(test_windows_chunked_rows);
    TEST(test_generic_windows);
    TEST(test_rows_without_taps);
    TEST(test_random);
    TEST(test_nonfinite);
    TEST(test_negative_zero_clamp);
    TEST(test_split_rows);
    TEST(test_rows_from);
    TEST(test_no_access_past_the_end);
    TEST(test_op_reference_path);
    TEST(test_op_fast_path);
    TEST(test_op_threads);
    TEST(test_summary);
}

TEST_MAIN()
