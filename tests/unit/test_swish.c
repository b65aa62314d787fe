/*
 * test_swish.c -- the fused swish, LOGISTIC(x) -> s; MUL(x, s) (core/graph.c,
 * ops/fusion.h), against the unfused pair; every comparison is exact (bits, NaN equal to
 * NaN):
 *   - kernels: every f32_vunary config's swish against the scalar config's sigmoid followed
 *     by the scalar f32_vbinary MUL (both operand orders) and its clamp, on ragged lengths
 *     0..70 and 1000 whose arrays end against a PROT_NONE page, specials mixed in;
 *   - ops: a prepared LOGISTIC node and a MUL node reading its input and output, evaluated
 *     unfused, then fused (tflc_mul_fuse_swish) with s poisoned: the same output bytes, for
 *     float32, int8 and uint8, seeded random data and quantization, ragged sizes, every
 *     fused activation, both operand orders; and the cases the MUL must refuse;
 *   - graphs (models built below): the fusion fires on the pattern (LOGISTIC skipped, s
 *     without a buffer) and gives the unfused graph's bits, also with two threads and after
 *     a resize; it does not fire when s is a graph output or has a second reader.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/f32_vbinary.h"
#include "kernels/f32_vunary.h"
#include "ops/fusion.h"
#include "guarded.h"
#include "test.h"
#include "op_harness.h"

/* ------------------------------------------------------------- helpers -- */

#define TEST_RNG_SEED 0x2545F4914F6CDD1Dull
#include "rng.h"

static int rng_int(int lo, int hi) { return lo + (int)(rng_next() % (uint32_t)(hi - lo + 1)); }

/* Bits equal, or both NaN. */
static bool same_f32(float a, float b) {
    return (a != a && b != b) || memcmp(&a, &b, sizeof a) == 0;
}

/* Values mixed into the float data: infinities, NaN, signed zeros, denormals, the sigmoid's
 * cut-offs (-104, 16.6355324) one ulp either side, and products that the clamps cut. */
static const float specials[] = {
    0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN,
    1e-45f, -1e-45f, 1.0f, -1.0f, 6.0f, 6.0000005f, -104.0f, -103.99999f, -104.00001f,
    16.6355324f, 16.635534f, 3e38f, -3e38f, -1.2784645f, 88.72f, -88.72f,
};

/* n floats: uniform in [-span, span], every 7th a special value. */
static void fill_f32(float *x, size_t n, float span) {
    for (size_t i = 0; i < n; i++)
        x[i] = i % 7 == 3 ? specials[rng_next() % N(specials)] : rng_uniform(-span, span);
}

/* The fused activations of a float MUL as its clamp range (elementwise_binary.c). */
static const float clamps[][2] = {
    {-FLT_MAX, FLT_MAX}, {0.0f, FLT_MAX}, {0.0f, 6.0f}, {-1.0f, 1.0f},
};
static const int acts[] = {ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1};

/* -------------------------------------------------------------- kernels -- */

/* The unfused pair on the portable configs: s = sigmoid(x), then MUL(x, s) or MUL(s, x). */
static void unfused_f32(size_t n, const float *x, float lo, float hi, int order, float *s, float *y) {
    tflc_f32_vunary_config_scalar()->sigmoid(n, x, s);
    tflc_f32_vbinary_fn mul = tflc_f32_vbinary_config_scalar()->fn[TFLC_VBINARY_MUL][TFLC_VBINARY_VV];
    if (order == 0) mul(n, x, s, y, lo, hi);
    else mul(n, s, x, y, lo, hi);
}

static void check_config(const tflc_f32_vunary_config *cfg, size_t n) {
    guarded x = guarded_alloc(n * sizeof(float)), y = guarded_alloc(n * sizeof(float));
    float *s = malloc((n ? n : 1) * sizeof(float)), *want = malloc((n ? n : 1) * sizeof(float));
    fill_f32(x.f32, n, n % 2 ? 20.0f : 110.0f);
    for (size_t c = 0; c < N(clamps); c++) {
        const float lo = clamps[c][0], hi = clamps[c][1];
        unfused_f32(n, x.f32, lo, hi, (int)(c & 1), s, want);
        cfg->swish(n, x.f32, lo, hi, y.f32);
        for (size_t i = 0; i < n; i++)
            CHECK_MSG(same_f32(y.f32[i], want[i]), "%s n=%zu clamp %zu: x=%.9g fused %.9g, pair %.9g",
                      cfg->name, n, c, (double)x.f32[i], (double)y.f32[i], (double)want[i]);
        memcpy(y.f32, x.f32, n * sizeof(float));               /* in place */
        cfg->swish(n, y.f32, lo, hi, y.f32);
        for (size_t i = 0; i < n; i++)
            CHECK_MSG(same_f32(y.f32[i], want[i]), "%s in place n=%zu x=%.9g", cfg->name, n,
                      (double)x.f32[i]);
    }
    free(s);
    free(want);
    guarded_free(&x);
    guarded_free(&y);
}

static void test_kernel_every_config(void) {
    int configs = 0;
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++) {
        const tflc_f32_vunary_config *cfg = tflc_f32_vunary_config_for((tflc_isa)isa);
        if (!cfg) continue;
        configs++;
        CHECK(cfg->swish != NULL);
        if (!cfg->swish) continue;
        for (size_t n = 0; n <= 70; n++) check_config(cfg, n);
        check_config(cfg, 1000);
    }
    CHECK(configs >= 1);
}

/* ------------------------------------------------------------------ ops -- */

typedef struct qcase {
    tflc_dtype dtype;
    float x_scale, out_scale;
    int64_t x_zp, out_zp;
} qcase;

/* LOGISTIC's fixed output quantization (TFLite): scale 1/256, zero point -128 or 0. */
static const float s_scale = 1.0f / 256.0f;
static const int64_t s_zp_i8 = -128, s_zp_u8 = 0;

/* Runs LOGISTIC(x) -> s, MUL(x, s) [order 1: MUL(s, x)] unfused, then asks the MUL to fuse
 * (must answer `fuses`); when fused, poisons s and evaluates again: the same bytes. */
static void op_case(const qcase *q, int rank, const int32_t *dims, const void *x, int act, int order,
                    bool fuses) {
    opcase L, M;
    const bool quant = q->dtype != TFLC_FLOAT32;
    oc_init(&L, &tflc_kernel_logistic);
    tflc_tensor *tx = oc_in(&L, q->dtype, rank, dims, x);
    tflc_tensor *ts = oc_out(&L, q->dtype);
    if (quant) {
        oc_quant_per_tensor(&L, tx, &q->x_scale, &q->x_zp);
        oc_quant_per_tensor(&L, ts, &s_scale, q->dtype == TFLC_INT8 ? &s_zp_i8 : &s_zp_u8);
    }
    CHECK_OK(oc_run(&L));
    oc_init(&M, &tflc_kernel_mul);
    oc_add_input(&M, order ? ts : tx);
    oc_add_input(&M, order ? tx : ts);
    tflc_tensor *out = oc_out(&M, q->dtype);
    if (quant) oc_quant_per_tensor(&M, out, &q->out_scale, &q->out_zp);
    oc_options_act(&M, BO_Mul, act);
    size_t bytes = 0;
    void *want = oc_output_copy(oc_run(&M), out, &bytes);
    CHECK(want != NULL);
    CHECK_MSG(tflc_mul_fuse_swish(&M.node, &L.node) == fuses, "%s act %d order %d",
              tflc_dtype_name(q->dtype), act, order);
    if (want && fuses) {
        memset(ts->data, 0x5A, ts->bytes);
        CHECK_OK(oc_eval(&M));
        CHECK(bytes == out->bytes);
        const size_t es = tflc_dtype_size(q->dtype);
        for (size_t i = 0; i < bytes / es; i++) {
            const bool same = quant ? ((const uint8_t *)out->data)[i] == ((const uint8_t *)want)[i]
                                    : same_f32(((const float *)out->data)[i], ((const float *)want)[i]);
            CHECK_MSG(same, "%s element %zu of %zu differs (act %d order %d)", tflc_dtype_name(q->dtype), i,
                      bytes / es, act, order);
            if (!same) break;
        }
    }
    free(want);
    oc_free(&M);
    oc_free(&L);
}

static const int32_t sizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 255, 256, 257, 1000, 4099};

/* dims of rank 1..4 with n elements (the leading ones 1). */
static int shape_of(int32_t n, int rank_pick, int32_t *dims) {
    const int rank = 1 + rank_pick % 4;
    for (int d = 0; d < rank - 1; d++) dims[d] = 1;
    dims[rank - 1] = n;
    return rank;
}

static void test_op_float32(void) {
    const qcase q = {.dtype = TFLC_FLOAT32};
    for (size_t k = 0; k < N(sizes); k++) {
        float *x = malloc((size_t)sizes[k] * sizeof(float));
        fill_f32(x, (size_t)sizes[k], k % 2 ? 12.0f : 120.0f);
        int32_t dims[4];
        const int rank = shape_of(sizes[k], (int)k, dims);
        for (size_t a = 0; a < N(acts); a++) op_case(&q, rank, dims, x, acts[a], (int)(a + k) % 2, true);
        free(x);
    }
}

/* Seeded quantization: x's scale in [0.005, 0.25], the output's in [0.002, 0.1], any zero
 * points of the dtype. Sizes of 256 and more hold every byte. */
static void quant_sizes(tflc_dtype dtype) {
    const int zlo = dtype == TFLC_INT8 ? -128 : 0, zhi = dtype == TFLC_INT8 ? 127 : 255;
    for (size_t k = 0; k < N(sizes); k++) {
        const size_t n = (size_t)sizes[k];
        uint8_t *x = malloc(n);
        for (size_t i = 0; i < n; i++) x[i] = n >= 256 && i < 256 ? (uint8_t)i : (uint8_t)rng_next();
        int32_t dims[4];
        const int rank = shape_of(sizes[k], (int)k, dims);
        for (size_t a = 0; a < N(acts); a++) {
            const qcase q = {.dtype = dtype, .x_scale = rng_uniform(0.005f, 0.25f),
                             .out_scale = rng_uniform(0.002f, 0.1f), .x_zp = rng_int(zlo, zhi),
                             .out_zp = rng_int(zlo, zhi)};
            op_case(&q, rank, dims, x, acts[a], (int)(a + k) % 2, true);
        }
        free(x);
    }
}

static void test_op_int8(void) { quant_sizes(TFLC_INT8); }
static void test_op_uint8(void) { quant_sizes(TFLC_UINT8); }

/* int16 LOGISTIC + MUL: no table of 65536 entries; the MUL stays unfused. */
static void test_op_int16_refused(void) {
    static const float x_scale = 1.0f / 4096.0f, s16_scale = 1.0f / 32768.0f, out_scale = 1.0f / 2048.0f;
    static const int64_t zero = 0;
    int16_t x[37];
    for (size_t i = 0; i < N(x); i++) x[i] = (int16_t)rng_next();
    const int32_t dims[1] = {(int32_t)N(x)};
    opcase L, M;
    oc_init(&L, &tflc_kernel_logistic);
    tflc_tensor *tx = oc_in(&L, TFLC_INT16, 1, dims, x);
    tflc_tensor *ts = oc_out(&L, TFLC_INT16);
    oc_quant_per_tensor(&L, tx, &x_scale, &zero);
    oc_quant_per_tensor(&L, ts, &s16_scale, &zero);
    CHECK_OK(oc_run(&L));
    oc_init(&M, &tflc_kernel_mul);
    oc_add_input(&M, tx);
    oc_add_input(&M, ts);
    oc_quant_per_tensor(&M, oc_out(&M, TFLC_INT16), &out_scale, &zero);
    CHECK_OK(oc_prepare(&M));
    CHECK(!tflc_mul_fuse_swish(&M.node, &L.node));
    oc_free(&M);
    oc_free(&L);
}

/* MUL(w, LOGISTIC(x)) with w another tensor (EfficientNet's squeeze-excite gate): not a
 * swish; neither is a MUL that reads s twice. */
static void test_op_other_operand_refused(void) {
    float x[9], w[9];
    fill_f32(x, N(x), 5.0f);
    fill_f32(w, N(w), 5.0f);
    const int32_t dims[1] = {9};
    for (int form = 0; form < 2; form++) {
        opcase L, M;
        oc_init(&L, &tflc_kernel_logistic);
        oc_in(&L, F32, 1, dims, x);
        tflc_tensor *ts = oc_out(&L, F32);
        CHECK_OK(oc_run(&L));
        oc_init(&M, &tflc_kernel_mul);
        if (form == 0) oc_in(&M, F32, 1, dims, w);
        else oc_add_input(&M, ts);
        oc_add_input(&M, ts);
        oc_out(&M, F32);
        CHECK_OK(oc_prepare(&M));
        CHECK(!tflc_mul_fuse_swish(&M.node, &L.node));
        oc_free(&M);
        oc_free(&L);
    }
}

/* ------------------------------------------------------- model builder -- */
/*
 * A flatbuffer written front to back (each child after its parent, so every uoffset points
 * forward), as test_verify.c builds its models: each table reserves 8 bytes per slot after
 * its vtable. Enough for one subgraph of [1, n] tensors, LOGISTIC / MUL / ADD operators and
 * no signature (the runner synthesizes one from the subgraph's inputs and outputs).
 */

#define MB_CAP 8192

typedef struct mb {
    uint8_t b[MB_CAP];
    uint32_t n;
} mb;

static uint32_t mb_put(mb *f, const void *p, uint32_t len) {
    const uint32_t at = f->n;
    if (f->n + len > MB_CAP) abort();
    memcpy(f->b + f->n, p, len);
    f->n += len;
    return at;
}
static void mb_pad(mb *f, uint32_t align) {
    while (f->n % align) f->b[f->n++] = 0;
}
static void mb_poke32(mb *f, uint32_t at, uint32_t v) { memcpy(f->b + at, &v, 4); }

static uint32_t mb_table(mb *f, int slots) {
    static const uint8_t zeros[8 + 8 * 16];
    const uint16_t vsize = (uint16_t)(4 + 2 * slots), tsize = (uint16_t)(8 + 8 * slots);
    mb_pad(f, 2);
    const uint32_t vt = mb_put(f, &vsize, 2);
    mb_put(f, &tsize, 2);
    mb_put(f, zeros, (uint32_t)(2 * slots));
    mb_pad(f, 8);
    const uint32_t t = mb_put(f, zeros, tsize);
    mb_poke32(f, t, t - vt);                       /* soffset to the vtable, before it */
    return t;
}
/* Marks slot present; returns where its value goes. */
static uint32_t mb_field(mb *f, uint32_t t, int slot) {
    uint32_t back;
    memcpy(&back, f->b + t, 4);
    const uint16_t off = (uint16_t)(8 + 8 * slot);
    memcpy(f->b + (t - back) + 4 + 2 * slot, &off, 2);
    return t + off;
}
static void mb_u8(mb *f, uint32_t t, int slot, uint8_t v) { f->b[mb_field(f, t, slot)] = v; }
static void mb_i32(mb *f, uint32_t t, int slot, int32_t v) { memcpy(f->b + mb_field(f, t, slot), &v, 4); }
static void mb_ref_at(mb *f, uint32_t at, uint32_t target) { mb_poke32(f, at, target - at); }
static void mb_ref(mb *f, uint32_t t, int slot, uint32_t target) { mb_ref_at(f, mb_field(f, t, slot), target); }
/* A vector of n elements of elem bytes, elements aligned to max(elem, 4). */
static uint32_t mb_vec(mb *f, const void *data, uint32_t n, uint32_t elem) {
    const uint32_t align = elem > 4 ? elem : 4;
    while ((f->n + 4) % align) f->b[f->n++] = 0;
    const uint32_t at = mb_put(f, &n, 4);
    if (n) mb_put(f, data, n * elem);
    return at;
}
static uint32_t mb_refs(mb *f, uint32_t n) {
    static const uint32_t zeros[16];
    return mb_vec(f, zeros, n, 4);
}
static void mb_elem(mb *f, uint32_t v, uint32_t i, uint32_t target) { mb_ref_at(f, v + 4 + 4 * i, target); }
static void mb_str(mb *f, uint32_t t, int slot, const char *s) {
    mb_pad(f, 4);
    const uint32_t len = (uint32_t)strlen(s), at = mb_put(f, &len, 4);
    mb_put(f, s, len + 1);
    mb_ref(f, t, slot, at);
}

typedef struct gt_op {
    int32_t code;                /* OPC_LOGISTIC, OPC_MUL or OPC_ADD */
    int n_in;
    int32_t in[2], out;
} gt_op;

typedef struct gt_model {
    tflc_dtype dtype;
    int32_t n;                   /* every tensor is [1, n] */
    int n_tensors;
    float scale[6];              /* quantized: per tensor (LOGISTIC outputs 1/256) */
    int64_t zp[6];
    int n_ops;
    gt_op ops[3];
    int n_in, n_out;
    int32_t in[2], out[3];
} gt_model;

static void mb_quant(mb *f, uint32_t tensor, float scale, int64_t zp) {
    const uint32_t q = mb_table(f, 4);
    mb_ref(f, tensor, TENSOR_QUANTIZATION, q);
    mb_ref(f, q, QUANT_SCALE, mb_vec(f, &scale, 1, 4));
    mb_ref(f, q, QUANT_ZERO_POINT, mb_vec(f, &zp, 1, 8));
}

static void mb_tensor(mb *f, const gt_model *g, int i, uint32_t tensors) {
    static const char *const names[] = {"t0", "t1", "t2", "t3", "t4", "t5"};
    const int32_t dims[2] = {1, g->n};
    const uint32_t t = mb_table(f, 10);
    mb_elem(f, tensors, (uint32_t)i, t);
    mb_u8(f, t, TENSOR_TYPE, (uint8_t)g->dtype);
    mb_i32(f, t, TENSOR_BUFFER, 0);
    mb_ref(f, t, TENSOR_SHAPE, mb_vec(f, dims, 2, 4));
    mb_str(f, t, TENSOR_NAME, names[i]);
    if (g->dtype != TFLC_FLOAT32) mb_quant(f, t, g->scale[i], g->zp[i]);
}

static void mb_operator(mb *f, const gt_op *op, int index, uint32_t ops) {
    const uint32_t t = mb_table(f, 6);
    mb_elem(f, ops, (uint32_t)index, t);
    mb_i32(f, t, OP_OPCODE_INDEX, index);          /* one operator code per operator */
    mb_ref(f, t, OP_INPUTS, mb_vec(f, op->in, (uint32_t)op->n_in, 4));
    mb_ref(f, t, OP_OUTPUTS, mb_vec(f, &op->out, 1, 4));
    if (op->code == OPC_LOGISTIC) return;
    mb_u8(f, t, OP_BUILTIN_OPTIONS_TYPE, op->code == OPC_MUL ? BO_Mul : BO_Add);
    const uint32_t opt = mb_table(f, 1);
    mb_ref(f, t, OP_BUILTIN_OPTIONS, opt);
    mb_u8(f, opt, MUL_OPT_ACTIVATION, ACT_NONE);
}

static void mb_model(mb *f, const gt_model *g) {
    memset(f, 0, sizeof *f);
    f->n = 8;
    memcpy(f->b + 4, "TFL3", 4);
    const uint32_t model = mb_table(f, 8);
    mb_poke32(f, 0, model);
    mb_i32(f, model, MODEL_VERSION, 3);
    const uint32_t codes = mb_refs(f, (uint32_t)g->n_ops), sgs = mb_refs(f, 1), bufs = mb_refs(f, 1);
    mb_ref(f, model, MODEL_OPERATOR_CODES, codes);
    mb_ref(f, model, MODEL_SUBGRAPHS, sgs);
    mb_ref(f, model, MODEL_BUFFERS, bufs);
    for (int i = 0; i < g->n_ops; i++) {
        const uint32_t oc = mb_table(f, 4);
        mb_elem(f, codes, (uint32_t)i, oc);
        mb_u8(f, oc, OPCODE_DEPRECATED_BUILTIN_CODE, (uint8_t)g->ops[i].code);
        mb_i32(f, oc, OPCODE_BUILTIN_CODE, g->ops[i].code);
        mb_i32(f, oc, OPCODE_VERSION, 1);
    }
    const uint32_t sg = mb_table(f, 5);
    mb_elem(f, sgs, 0, sg);
    const uint32_t tensors = mb_refs(f, (uint32_t)g->n_tensors), ops = mb_refs(f, (uint32_t)g->n_ops);
    mb_ref(f, sg, SUBGRAPH_TENSORS, tensors);
    mb_ref(f, sg, SUBGRAPH_OPERATORS, ops);
    mb_ref(f, sg, SUBGRAPH_INPUTS, mb_vec(f, g->in, (uint32_t)g->n_in, 4));
    mb_ref(f, sg, SUBGRAPH_OUTPUTS, mb_vec(f, g->out, (uint32_t)g->n_out, 4));
    for (int i = 0; i < g->n_tensors; i++) mb_tensor(f, g, i, tensors);
    for (int i = 0; i < g->n_ops; i++) mb_operator(f, &g->ops[i], i, ops);
    mb_elem(f, bufs, 0, mb_table(f, 1));           /* buffer 0: the empty one */
}

/* ---------------------------------------------------------------- graphs -- */

/* x = t0, s = t1 = LOGISTIC(x), y = t2 = MUL(x, s) (order 1: MUL(s, x)); outputs y. */
static gt_model swish_model(tflc_dtype dtype, int32_t n, int order) {
    gt_model g = {.dtype = dtype, .n = n, .n_tensors = 3, .n_ops = 2, .n_in = 1, .n_out = 1,
                  .in = {0}, .out = {2}};
    g.ops[0] = (gt_op){OPC_LOGISTIC, 1, {0}, 1};
    g.ops[1] = (gt_op){OPC_MUL, 2, {order ? 1 : 0, order ? 0 : 1}, 2};
    const bool i8 = dtype == TFLC_INT8;
    g.scale[0] = 0.07f, g.zp[0] = i8 ? 5 : 130;
    g.scale[1] = 1.0f / 256.0f, g.zp[1] = i8 ? -128 : 0;
    g.scale[2] = 0.04f, g.zp[2] = i8 ? -90 : 40;
    g.scale[3] = 0.05f, g.zp[3] = i8 ? -20 : 100;
    return g;
}

typedef struct gt_run {
    tflc_model *model;
    tflc_interpreter *interp;
    tflc_runner *runner;
    mb buf;
} gt_run;

static bool gt_open(gt_run *r, const gt_model *g, int threads) {
    memset(r, 0, sizeof *r);
    mb_model(&r->buf, g);
    tflc_interpreter_options opt;
    tflc_interpreter_options_init(&opt);
    opt.num_threads = threads;
    CHECK_OK(tflc_model_load_buffer(r->buf.b, r->buf.n, NULL, &r->model));
    if (r->model) CHECK_OK(tflc_interpreter_create(r->model, &opt, &r->interp));
    if (r->interp) CHECK_OK(tflc_runner_create(r->interp, NULL, &r->runner));
    if (r->runner) CHECK_OK(tflc_runner_allocate(r->runner));
    return r->runner && tflc_runner_is_allocated(r->runner);
}

static void gt_close(gt_run *r) {
    tflc_runner_free(r->runner);
    tflc_interpreter_free(r->interp);
    tflc_model_free(r->model);
}

static bool logistic_skipped(const gt_run *r) { return r->runner->graph->nodes[0].fused; }

/* Seeded input (floats with specials), invoke; returns a malloc'd copy of output 0. */
static void *gt_invoke(gt_run *r, uint64_t seed, size_t *bytes) {
    tflc_tensor *x = tflc_runner_input_at(r->runner, 0);
    rng_state = seed;
    if (x->dtype == TFLC_FLOAT32) fill_f32(x->data, x->bytes / 4, 30.0f);
    else for (size_t i = 0; i < x->bytes; i++) ((uint8_t *)x->data)[i] = (uint8_t)rng_next();
    CHECK_OK(tflc_runner_invoke(r->runner));
    const tflc_tensor *y = tflc_runner_output_at(r->runner, 0);
    void *copy = malloc(y->bytes);
    memcpy(copy, y->data, y->bytes);
    *bytes = y->bytes;
    return copy;
}

/* Runs `fused` and `plain` on the same seeded input: output 0 must have the same bits. */
static void same_outputs(gt_run *fused, gt_run *plain, uint64_t seed) {
    size_t nf = 0, np = 0;
    void *a = gt_invoke(fused, seed, &nf), *b = gt_invoke(plain, seed, &np);
    CHECK(nf == np && nf > 0);
    CHECK_MSG(nf == np && memcmp(a, b, nf) == 0, "fused and unfused outputs differ (%zu bytes)", nf);
    free(a);
    free(b);
}

/* The pattern fuses: LOGISTIC skipped, s without lifetime or buffer; output bits are the
 * unfused graph's (the same graph with s also an output, which keeps it unfused). */
static void graph_case(tflc_dtype dtype, int32_t n, int order, int threads) {
    gt_model g = swish_model(dtype, n, order), g_out = g;
    g_out.n_out = 2;
    g_out.out[1] = 1;
    gt_run f, u;
    if (gt_open(&f, &g, threads) && gt_open(&u, &g_out, 1)) {
        CHECK_MSG(logistic_skipped(&f), "%s n=%d order %d: not fused", tflc_dtype_name(dtype), n, order);
        const tflc_tensor *s = &f.runner->graph->tensors[1];
        CHECK(s->data == NULL && s->alloc == TFLC_ALLOC_NONE);
        CHECK(!logistic_skipped(&u) && u.runner->graph->tensors[1].data != NULL);
        same_outputs(&f, &u, 0x1234u + (uint64_t)n);
    }
    gt_close(&f);
    gt_close(&u);
}

static void test_graph_fuses(void) {
    static const int32_t ns[] = {1, 17, 67, 1000};
    for (size_t k = 0; k < N(ns); k++)
        for (int order = 0; order < 2; order++) {
            graph_case(TFLC_FLOAT32, ns[k], order, 1);
            graph_case(TFLC_INT8, ns[k], order, 1);
            graph_case(TFLC_UINT8, ns[k], order, 1);
        }
}

/* 200k elements on two threads: the fused pass is split in spans. */
static void test_graph_fuses_threaded(void) {
    graph_case(TFLC_FLOAT32, 200003, 0, 2);
    graph_case(TFLC_INT8, 200003, 1, 2);
}

/* A resize prepares again: the fusion is redone for the new shape. */
static void test_graph_fuses_after_resize(void) {
    gt_model g = swish_model(TFLC_FLOAT32, 8, 0), g_out = g;
    g_out.n_out = 2;
    g_out.out[1] = 1;
    gt_run f, u;
    if (gt_open(&f, &g, 1) && gt_open(&u, &g_out, 1)) {
        const int32_t dims[2] = {3, 333};
        CHECK_OK(tflc_runner_resize_input(f.runner, tflc_runner_input_name(f.runner, 0), dims, 2));
        CHECK_OK(tflc_runner_resize_input(u.runner, tflc_runner_input_name(u.runner, 0), dims, 2));
        CHECK_OK(tflc_runner_allocate(f.runner));
        CHECK_OK(tflc_runner_allocate(u.runner));
        CHECK(logistic_skipped(&f) && f.runner->graph->tensors[1].data == NULL);
        same_outputs(&f, &u, 99);
    }
    gt_close(&f);
    gt_close(&u);
}

/* s is a graph output: it must be computed, so nothing fuses. */
static void test_graph_not_fused_when_output(void) {
    gt_model g = swish_model(TFLC_FLOAT32, 40, 0);
    g.n_out = 2;
    g.out[1] = 1;
    gt_run r;
    if (gt_open(&r, &g, 1)) {
        CHECK(!logistic_skipped(&r));
        size_t bytes = 0;
        free(gt_invoke(&r, 5, &bytes));
        const float *x = tflc_runner_input_at(r.runner, 0)->data;
        const float *s = tflc_runner_output_at(r.runner, 1)->data;
        float want[40];
        tflc_f32_vunary_config_scalar()->sigmoid(40, x, want);
        for (int i = 0; i < 40; i++) CHECK(same_f32(s[i], want[i]));
    }
    gt_close(&r);
}

/* s has a second reader (z = ADD(s, y)): it must be computed, so nothing fuses; the same
 * for an int8 graph. */
static void test_graph_not_fused_when_shared(void) {
    const tflc_dtype dtypes[2] = {TFLC_FLOAT32, TFLC_INT8};
    for (int d = 0; d < 2; d++) {
        gt_model g = swish_model(dtypes[d], 40, 1);
        g.n_tensors = 4;
        g.n_ops = 3;
        g.ops[2] = (gt_op){OPC_ADD, 2, {1, 2}, 3};
        g.out[0] = 3;
        gt_run r;
        if (gt_open(&r, &g, 1)) {
            const bool fused = logistic_skipped(&r);
            CHECK(!fused && r.runner->graph->tensors[1].data != NULL);
            size_t bytes = 0;
            if (!fused) free(gt_invoke(&r, 6, &bytes));   /* the ADD would read no buffer */
        }
        gt_close(&r);
    }
}

static void run_tests(void) {
    TEST(test_kernel_every_config);
    TEST(test_op_float32);
    TEST(test_op_int8);
    TEST(test_op_uint8);
    TEST(test_op_int16_refused);
    TEST(test_op_other_operand_refused);
    TEST(test_graph_fuses);
    TEST(test_graph_fuses_threaded);
    TEST(test_graph_fuses_after_resize);
    TEST(test_graph_not_fused_when_output);
    TEST(test_graph_not_fused_when_shared);
}

TEST_MAIN()
