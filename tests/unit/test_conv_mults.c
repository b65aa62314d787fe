/*
 * test_conv_mults.c -- the per-channel requantization multipliers of the quantized convs
 * (CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV), worked out once per model at prepare into
 * the model's weight cache (ops/conv_common.h, kind TFLC_WCACHE_QS8_MULT, keyed by the
 * filter's data) instead of at every eval:
 *   - models: committed conformance models (the real converter's output, LiteRT's goldens)
 *     run by two runners of one model: the first runner's prepare makes one block per
 *     filter holding tflc_conv_channel_multipliers' values, the second finds it (no new
 *     block), both give the golden bytes, and eval reads the block (multipliers zeroed in
 *     it, the output changes; restored, golden again);
 *   - shared filters: convs reading one filter buffer with other output, input or filter
 *     scales do not take the first one's block (they fill scratch at eval), one with the
 *     same scales does; every output equals the op's own run without the cache, with the
 *     reference loops and at each ISA level;
 *   - the 16x8 range check still fails at prepare, with its message.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/weight_cache.h"
#include "kernels/qs8_ops.h"
#include "npy.h"
#include "ops/conv_common.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0x6A09E667F3BCC909ull
#include "rng.h"

#define CONF_DIR TFLC_TEST_MODELS_DIR "/../conformance"

static bool is_conv_kernel(const tflc_kernel *k) {
    return k == &tflc_kernel_conv_2d || k == &tflc_kernel_depthwise_conv_2d ||
           k == &tflc_kernel_transpose_conv;
}

/* Output channels of a conv node: filter dim 0 (CONV_2D, TRANSPOSE_CONV) or 3 (depthwise). */
static int32_t conv_channels(const tflc_node *node) {
    const tflc_tensor *w = node->inputs[1];
    return node->kernel == &tflc_kernel_depthwise_conv_2d ? w->dims[3] : w->dims[0];
}

static int unexpected_fills;

static void fill_unexpected(void *dst, const void *arg) {
    (void)dst;
    (void)arg;
    unexpected_fills++;
}

/* The node's cached block, found without creating one (NULL when there is none). */
static const unsigned char *cached_block(const tflc_model *model, const tflc_node *node) {
    const tflc_quantization *wq = tflc_ops_quant(node->inputs[1]);
    const size_t bytes = tflc_conv_mult_block_size(conv_channels(node), wq->count);
    const int before = unexpected_fills;
    const unsigned char *b = tflc_weight_cache_get(model, node->inputs[1]->data,
                                                   TFLC_WCACHE_QS8_MULT, bytes, fill_unexpected,
                                                   NULL);
    return unexpected_fills == before ? b : NULL;
}

/* The block holds the header of the node's scales and the values
 * tflc_conv_channel_multipliers computes. */
static void check_block(const unsigned char *b, tflc_node *node) {
    const tflc_quantization *wq = tflc_ops_quant(node->inputs[1]);
    const tflc_tensor *in = node->inputs[node->kernel == &tflc_kernel_transpose_conv ? 2 : 0];
    const float in_scale = tflc_ops_quant(in)->scales[0];
    const float out_scale = tflc_ops_quant(node->outputs[0])->scales[0];
    const int32_t m = conv_channels(node);
    const tflc_conv_mults want_plan = {.filter_q = wq, .in_scale = in_scale,
                                       .out_scale = out_scale, .channels = m};
    CHECK(tflc_conv_mult_block_fits(b, &want_plan));
    int32_t *mult = malloc(sizeof(int32_t) * 2 * (size_t)m);
    CHECK_OK(tflc_conv_channel_multipliers(node, in_scale, wq, out_scale, m, false, mult,
                                           mult + m));
    CHECK(memcmp(b + tflc_conv_mult_block_mult_at(wq->count), mult, 8 * (size_t)m) == 0);
    free(mult);
}

/* ------------------------------------------------------- two runners -- */

typedef struct mr {
    tflc_interpreter *interp;
    tflc_runner *runner;
} mr;

static bool mr_open(mr *r, const tflc_model *model) {
    memset(r, 0, sizeof *r);
    CHECK_OK(tflc_interpreter_create(model, NULL, &r->interp));
    if (r->interp) CHECK_OK(tflc_runner_create(r->interp, NULL, &r->runner));
    if (r->runner) CHECK_OK(tflc_runner_allocate(r->runner));
    return r->runner && tflc_runner_is_allocated(r->runner);
}

static void mr_close(mr *r) {
    tflc_runner_free(r->runner);
    tflc_interpreter_free(r->interp);
}

/* Copies `in` to input 0, invokes; true when output 0 has the bytes of `want`. */
static bool mr_golden(mr *r, const npy_array *in, const npy_array *want) {
    tflc_tensor *x = tflc_runner_input_at(r->runner, 0);
    CHECK(x->bytes == in->count * in->itemsize);
    if (x->bytes != in->count * in->itemsize) return false;
    memcpy(x->data, in->data, x->bytes);
    CHECK_OK(tflc_runner_invoke(r->runner));
    const tflc_tensor *y = tflc_runner_output_at(r->runner, 0);
    return y->bytes == want->count * want->itemsize && memcmp(y->data, want->data, y->bytes) == 0;
}

/* The conv node of the runner's graph (the models hold one). */
static tflc_node *conv_node(mr *r) {
    tflc_graph *g = r->runner->graph;
    for (int i = 0; i < g->desc->n_ops; i++)
        if (is_conv_kernel(g->nodes[i].kernel)) return &g->nodes[i];
    return NULL;
}

/* Runner a is open: its prepare made the block; b opens, finds it and makes none. */
static void check_runners(const tflc_model *model, mr *a, mr *b, const char *id,
                          const npy_array *in, const npy_array *want) {
    tflc_node *node = conv_node(a);
    CHECK_MSG(node != NULL, "%s: no conv node", id);
    const unsigned char *block = node ? cached_block(model, node) : NULL;
    CHECK_MSG(block != NULL, "%s: no cached multipliers after the first runner's prepare", id);
    const size_t blocks = tflc_weight_cache_count(model, NULL);
    if (mr_open(b, model) && block) {
        check_block(block, node);
        CHECK_MSG(tflc_weight_cache_count(model, NULL) == blocks, "%s: the second runner made "
                  "new blocks", id);
        CHECK(cached_block(model, conv_node(b)) == block);
        CHECK_MSG(mr_golden(a, in, want), "%s: runner 1 differs from LiteRT", id);
        CHECK_MSG(mr_golden(b, in, want), "%s: runner 2 differs from LiteRT", id);
        /* eval reads the block: zero multipliers put every output at the zero point */
        const int32_t m = conv_channels(node);
        int32_t *mult = (int32_t *)(uintptr_t)(block +
                                               tflc_conv_mult_block_mult_at(
                                                   tflc_ops_quant(node->inputs[1])->count));
        int32_t *saved = malloc(sizeof(int32_t) * (size_t)m);
        memcpy(saved, mult, sizeof(int32_t) * (size_t)m);
        memset(mult, 0, sizeof(int32_t) * (size_t)m);
        CHECK_MSG(!mr_golden(b, in, want), "%s: zeroed cached multipliers left the output "
                  "unchanged", id);
        memcpy(mult, saved, sizeof(int32_t) * (size_t)m);
        CHECK_MSG(mr_golden(b, in, want), "%s: restored multipliers differ from LiteRT", id);
        free(saved);
    }
}

static void check_model(const char *id) {
    char path[512], err[256];
    tflc_model *model = NULL;
    npy_array in, want;
    snprintf(path, sizeof path, CONF_DIR "/%s.tflite", id);
    CHECK_OK(tflc_model_load_file(path, NULL, &model));
    snprintf(path, sizeof path, CONF_DIR "/%s.in0.npy", id);
    CHECK_MSG(npy_load(path, &in, err, sizeof err) == 0, "%s", err);
    snprintf(path, sizeof path, CONF_DIR "/%s.out0.npy", id);
    CHECK_MSG(npy_load(path, &want, err, sizeof err) == 0, "%s", err);
    mr a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (model && mr_open(&a, model)) check_runners(model, &a, &b, id, &in, &want);
    mr_close(&b);
    mr_close(&a);
    tflc_model_free(model);
    npy_free(&in);
    npy_free(&want);
}

static void test_two_runners(void) {
    static const char *const ids[] = {
        "conv_2d.k3_valid_s2_odd.int8",       "conv_2d.k1_s2_c20_builtin.int8",
        "conv_2d.groups2_builtin.int8",       "conv_2d.k3_same_s1.int16x8",
        "depthwise_conv_2d.k3_m2_s2.int8",    "depthwise_conv_2d.k2_c20_s2_builtin.int8",
        "depthwise_conv_2d.k3_m1.int16x8",    "transpose_conv.k3_s2_same_odd.int8",
        "transpose_conv.k2_s2_c12_builtin.int8", "transpose_conv.k3_s2_same.int16x8",
    };
    for (size_t i = 0; i < N(ids); i++) check_model(ids[i]);
}

/* ----------------------------------------------------- shared filters -- */

/* Geometry (ragged: M = 10 output channels, not a multiple of 8):
 *   CONV_2D         in [1,5,6,3]   filter [10,3,3,3]   SAME, stride 1    out [1,5,6,10]
 *   DEPTHWISE       in [1,5,6,5]   filter [1,3,3,10]   multiplier 2      out [1,5,6,10]
 *   TRANSPOSE_CONV  in [1,3,4,3]   weights [10,3,3,3]  SAME, stride 2    out [1,6,8,10] */
enum { SM = 10, S_FILTER = SM * 3 * 3 * 3 };   /* the largest filter; depthwise reads 90 */

typedef struct scales {
    float in[1], out[1], w[SM];
    int n_w;                       /* 1 or SM */
} scales;

typedef struct shared_data {
    int16_t in[1 * 5 * 6 * 5];     /* int8 runs read its first 150 bytes as int8 */
    int8_t w[S_FILTER];
    int32_t bias[SM];
    int64_t bias64[SM];            /* 16x8 */
} shared_data;

static const int64_t s_in_zp[1] = {3}, s_out_zp[1] = {-5}, s_zero[SM] = {0};

static void s_options(opcase *c, const tflc_kernel *k) {
    if (k == &tflc_kernel_depthwise_conv_2d) {
        oc_options(c, BO_DepthwiseConv2D);
        opt_i8(c, DWCONV_OPT_PADDING, CONV_PADDING_SAME);
        opt_i32(c, DWCONV_OPT_STRIDE_H, 1);
        opt_i32(c, DWCONV_OPT_STRIDE_W, 1);
        opt_i32(c, DWCONV_OPT_DEPTH_MULTIPLIER, 2);
    } else if (k == &tflc_kernel_conv_2d) {
        oc_options(c, BO_Conv2D);
        opt_i8(c, CONV2D_OPT_PADDING, CONV_PADDING_SAME);
        opt_i32(c, CONV2D_OPT_STRIDE_H, 1);
        opt_i32(c, CONV2D_OPT_STRIDE_W, 1);
    } else {
        oc_options(c, BO_TransposeConv);
        opt_i8(c, TCONV_OPT_PADDING, CONV_PADDING_SAME);
        opt_i32(c, TCONV_OPT_STRIDE_H, 2);
        opt_i32(c, TCONV_OPT_STRIDE_W, 2);
    }
}

/* Builds op `k` with scales `s` over d, input and output `io` (I8, or I16 with int64 bias
 * and zero points 0); its filter reads `filter` in place (the buffer convs share). Returns
 * the output tensor. */
static tflc_tensor *s_build(opcase *c, const tflc_kernel *k, const scales *s,
                            const shared_data *d, const int8_t *filter, tflc_dtype io) {
    static const int32_t d_conv_in[] = {1, 5, 6, 3}, d_dw_in[] = {1, 5, 6, 5};
    static const int32_t d_tc_in[] = {1, 3, 4, 3}, d_tc_shape[] = {4}, tc_shape[] = {1, 6, 8, 10};
    static const int32_t d_w[] = {SM, 3, 3, 3}, d_dw_w[] = {1, 3, 3, SM}, d_b[] = {SM};
    const bool dw = k == &tflc_kernel_depthwise_conv_2d, tc = k == &tflc_kernel_transpose_conv;
    oc_init(c, k);
    s_options(c, k);
    if (tc) oc_const(c, I32, 1, d_tc_shape, tc_shape);
    const bool i16 = io == I16;
    tflc_tensor *x = NULL;
    if (!tc) x = oc_in(c, io, 4, dw ? d_dw_in : d_conv_in, d->in);
    tflc_tensor *w = oc_const(c, I8, 4, dw ? d_dw_w : d_w, filter);
    w->data = (void *)(uintptr_t)filter;         /* the shared bytes, not the case's copy */
    oc_quant(c, w, s->n_w, s->w, s_zero, dw ? 3 : 0);
    if (tc) x = oc_in(c, io, 4, d_tc_in, d->in);
    oc_quant(c, x, 1, s->in, i16 ? s_zero : s_in_zp, 0);
    if (i16) oc_const(c, I64, 1, d_b, d->bias64);
    else oc_const(c, I32, 1, d_b, d->bias);
    tflc_tensor *out = oc_out(c, io);
    oc_quant(c, out, 1, s->out, i16 ? s_zero : s_out_zp, 0);
    return out;
}

typedef struct s_result {
    int8_t *out;                  /* malloc'd */
    size_t bytes, scratch;
} s_result;

/* Runs the op at qs8 level `level`; the filter counts as the model's own when fake_model
 * covers it (the weight cache then serves or records its multipliers). */
static s_result s_run(const tflc_kernel *k, const scales *s, const shared_data *d,
                      const int8_t *filter, int level) {
    opcase c;
    s_result r = {NULL, 0, 0};
    tflc_qs8_force_level(level);
    tflc_tensor *out = s_build(&c, k, s, d, filter, I8);
    tflc_status st = oc_run(&c);
    CHECK_MSG(st == TFLC_OK, "status %d: %s", (int)st, tflc_last_error());
    r.out = oc_output_copy(st, out, &r.bytes);
    r.scratch = c.node.scratch_bytes;
    oc_free(&c);
    return r;
}

static void cache_reset(const int8_t *owned, size_t bytes) {
    tflc_weight_cache_free(fake_model.weight_cache);
    fake_model.weight_cache = NULL;
    fake_model.buf = (const uint8_t *)owned;
    fake_model.size = bytes;
}

/* The op run alone without the cache, reference loops: the bytes every run must give. */
static s_result s_want(const tflc_kernel *k, const scales *s, const shared_data *d) {
    cache_reset(NULL, 0);
    return s_run(k, s, d, d->w, TFLC_QS8_REFERENCE);
}

static bool s_same(const s_result *want, const s_result *got) {
    return want->out && got->out && want->bytes == got->bytes &&
           memcmp(want->out, got->out, want->bytes) == 0;
}

/* `first` then `second` over one model-owned filter at `level`: each gives its own
 * uncached reference bytes; `second` takes first's block (same scratch) exactly when its
 * scales are first's, else it fills scratch at eval (more scratch). */
static void check_pair(const tflc_kernel *k, const scales *first, const scales *second,
                       const shared_data *d, int level, bool same_scales) {
    s_result w1 = s_want(k, first, d), w2 = s_want(k, second, d);
    cache_reset(d->w, sizeof d->w);
    s_result g1 = s_run(k, first, d, d->w, level), g2 = s_run(k, second, d, d->w, level);
    CHECK_MSG(s_same(&w1, &g1), "%s level %d: the first conv differs from its reference",
              k->name, level);
    CHECK_MSG(s_same(&w2, &g2), "%s level %d: the second conv (%s scales) differs from its "
              "reference", k->name, level, same_scales ? "same" : "other");
    if (same_scales) CHECK(g2.scratch == g1.scratch);
    else CHECK_MSG(g2.scratch > g1.scratch, "%s: the second conv used a block made for other "
                   "scales", k->name);
    free(w1.out);
    free(w2.out);
    free(g1.out);
    free(g2.out);
    cache_reset(NULL, 0);
}

static void random_scales(scales *s, int n_w) {
    s->in[0] = 0.02f + 0.05f * rng_unit();
    s->n_w = n_w;
    for (int i = 0; i < n_w; i++) s->w[i] = 0.002f + 0.01f * rng_unit();
    s->out[0] = s->in[0] * 0.006f * (4.0f + 8.0f * rng_unit());
}

static void test_shared_filter(void) {
    static const tflc_kernel *const kernels[] = {&tflc_kernel_conv_2d,
                                                 &tflc_kernel_depthwise_conv_2d,
                                                 &tflc_kernel_transpose_conv};
    int levels[TFLC_ISA_COUNT + 1], n_levels = 0;
    levels[n_levels++] = TFLC_QS8_REFERENCE;
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++)
        if (tflc_qs8_config_for((tflc_isa)isa)) levels[n_levels++] = isa;
    shared_data d;
    for (size_t i = 0; i < N(d.in); i++) d.in[i] = (int16_t)rng_next();
    for (size_t i = 0; i < sizeof d.w; i++) d.w[i] = (int8_t)rng_next();
    for (int i = 0; i < SM; i++) d.bias[i] = rng_range(-3000, 3000);
    for (size_t ki = 0; ki < N(kernels); ki++)
        for (int per_channel = 0; per_channel < 2; per_channel++) {
            scales a, out_b, in_b, w_b;
            random_scales(&a, per_channel ? SM : 1);
            out_b = a;
            out_b.out[0] *= 1.7f;
            in_b = a;
            in_b.in[0] *= 0.6f;
            w_b = a;
            w_b.w[0] *= 1.25f;
            for (int l = 0; l < n_levels; l++) {
                check_pair(kernels[ki], &a, &a, &d, levels[l], true);
                check_pair(kernels[ki], &a, &out_b, &d, levels[l], false);
                check_pair(kernels[ki], &a, &in_b, &d, levels[l], false);
                check_pair(kernels[ki], &a, &w_b, &d, levels[l], false);
            }
        }
    tflc_qs8_force_level(TFLC_QS8_AUTO);
}

/* ------------------------------------------------------ 16x8 range -- */

/* in_scale * w_scale / out_scale = 256 needs shift 9 > 7: every 16x8 op refuses it at
 * prepare with its message, with the filter the model's own (cache) or not. */
static void test_16x8_range(void) {
    static const tflc_kernel *const kernels[] = {&tflc_kernel_conv_2d,
                                                 &tflc_kernel_depthwise_conv_2d,
                                                 &tflc_kernel_transpose_conv};
    static const scales s = {{1.0f}, {1.0f / 256.0f}, {1.0f}, 1};
    shared_data d;
    memset(&d, 0, sizeof d);
    for (size_t ki = 0; ki < N(kernels); ki++)
        for (int cached = 0; cached < 2; cached++) {
            opcase c;
            cache_reset(cached ? d.w : NULL, cached ? sizeof d.w : 0);
            s_build(&c, kernels[ki], &s, &d, d.w, I16);
            CHECK_PREPARE_FAILS(&c, TFLC_ERROR_UNSUPPORTED, "too large for 16x8 requantization");
            CHECK(tflc_weight_cache_count(&fake_model, NULL) == 0);
            oc_free(&c);
        }
    cache_reset(NULL, 0);
}

static void run_tests(void) {
    TEST(test_two_runners);
    TEST(test_shared_filter);
    TEST(test_16x8_range);
}

TEST_MAIN()
