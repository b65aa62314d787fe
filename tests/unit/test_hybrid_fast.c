/*
 * test_hybrid_fast.c -- the hybrid (dynamic-range: float32 activations, int8 weights) fast
 * path of FULLY_CONNECTED against its portable reference loops (nn_hybrid_matmul_acc, LiteRT's
 * arithmetic): every output float bit for bit, and the one-row int8 GEMV
 * (kernels/qs8_gemv.h) against the GEMM it stands in for.
 *
 * Each FULLY_CONNECTED case runs once with the reference loops forced
 * (tflc_qs8_force_level(TFLC_QS8_REFERENCE)), then once per ISA level this machine has;
 * shapes are ragged (depth and units around the SIMD widths and the 32-column panels, depth
 * across the GEMV's 4096-byte K blocks, batches across the 64-row chunks, size 1), with
 * symmetric and asymmetric input quantization, per-tensor and per-channel weight scales,
 * bias or none, every float activation, all-zero and constant rows, and weights both packed
 * at each eval and through the model's weight cache. BATCH_MATMUL's hybrid path likewise
 * (adj_x / adj_y, rhs broadcast over the batch, per-column rhs scales, constant or not),
 * and UNIDIRECTIONAL_SEQUENCE_LSTM's (CIFG or not, projection or not, time- or batch-major,
 * batches, non-zero initial states).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/weight_cache.h"
#include "kernels/qs8_gemv.h"
#include "kernels/qs8_ops.h"
#include "ops/nn_common.h"
#include "test.h"
#include "op_harness.h"

#define TEST_RNG_SEED 0xD1B54A32D192ED03ull
#include "rng.h"

static int levels[TFLC_ISA_COUNT];
static int n_levels;
static int cases_run, outputs_compared;

static void find_levels(void) {
    n_levels = 0;
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++)
        if (tflc_qs8_config_for((tflc_isa)isa)) levels[n_levels++] = isa;
    CHECK(n_levels >= 1 && levels[0] == TFLC_ISA_SCALAR);
}

/* ------------------------------------------------------------- the GEMV -- */

/* tflc_qs8_gemv and tflc_qs8_gemv_cols against tflc_qgemm_s8 with one row, for every GEMM
 * config this CPU has:
 * ragged N and K (K across the 4096-byte blocks), zero points across the int8 range, bias or
 * NULL, extreme values so the int32 sums wrap. c has a guard past N. */
static bool check_gemv(size_t n, size_t k, int32_t zp, bool with_bias, bool extreme) {
    int8_t *a = malloc(k ? k : 1), *b = malloc(n * k > 0 ? n * k : 1);
    int32_t *bias = malloc(n * sizeof(int32_t)), *want = malloc((n + 1) * sizeof(int32_t));
    int32_t *got = malloc((n + 1) * sizeof(int32_t));
    for (size_t i = 0; i < k; i++) a[i] = extreme ? (rng() & 1 ? 127 : -128) : (int8_t)rng();
    for (size_t i = 0; i < n * k; i++) b[i] = extreme ? -128 : (int8_t)rng();
    for (size_t j = 0; j < n; j++) bias[j] = (int32_t)(rng() >> 1) - (1 << 30);
    bool ok = true;
    for (int isa = 0; ok && isa < TFLC_ISA_COUNT; isa++) {
        const tflc_qgemm_s8_config *cfg = tflc_qgemm_s8_config_for((tflc_isa)isa);
        if (!cfg) continue;
        void *packed = aligned_alloc(64, (tflc_qgemm_s8_packed_size(cfg, n, k) + 63) / 64 * 64);
        tflc_qgemm_s8_pack_b(cfg, n, k, b, k, true, packed);
        memset(want, 0xAB, (n + 1) * sizeof(int32_t));
        memset(got, 0xAB, (n + 1) * sizeof(int32_t));
        tflc_qgemm_s8(1, n, k, a, k, zp, packed, with_bias ? bias : NULL, want, n);
        tflc_qs8_gemv(n, k, a, zp, packed, with_bias ? bias : NULL, got);
        outputs_compared++;
        ok = memcmp(want, got, (n + 1) * sizeof(int32_t)) == 0;
        CHECK_MSG(ok, "gemv %s n %zu k %zu zp %d%s%s differs from the GEMM", cfg->name, n, k,
                  (int)zp, with_bias ? " bias" : "", extreme ? " extreme" : "");
        /* Column ranges [n0, n1): n0 on a panel boundary, n1 ragged; outside them c keeps
         * its bytes. */
        for (size_t n0 = 0; ok && n0 < n; n0 += cfg->nr) {
            const size_t n1 = n0 + 1 + (size_t)rng_range(0, (int)(n - n0 - 1));
            memset(got, 0xAB, (n + 1) * sizeof(int32_t));
            tflc_qs8_gemv_cols(n0, n1, n, k, a, zp, packed, with_bias ? bias : NULL, got);
            for (size_t j = 0; ok && j <= n; j++) {
                int32_t untouched;
                memset(&untouched, 0xAB, sizeof untouched);
                ok = got[j] == (j >= n0 && j < n1 ? want[j] : untouched);
                CHECK_MSG(ok, "gemv_cols %s n %zu k %zu [%zu, %zu): column %zu", cfg->name, n,
                          k, n0, n1, j);
            }
        }
        int32_t *sums = malloc(n * sizeof(int32_t));
        tflc_qgemm_s8_packed_col_sums(packed, n, k, sums);
        for (size_t j = 0; ok && j < n; j++) {
            uint32_t s = 0;
            for (size_t kk = 0; kk < k; kk++) s += (uint32_t)(int32_t)b[j * k + kk];
            ok = sums[j] == (int32_t)s;
            CHECK_MSG(ok, "col sums %s n %zu k %zu: column %zu", cfg->name, n, k, j);
        }
        free(sums);
        free(packed);
    }
    cases_run++;
    free(a);
    free(b);
    free(bias);
    free(want);
    free(got);
    return ok;
}

static void test_gemv(void) {
    static const size_t shapes[][2] = {
        {1, 1}, {1, 4}, {31, 3}, {32, 128}, {33, 5}, {512, 128}, {100, 4095}, {70, 4096},
        {65, 4097}, {17, 9000},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int v = 0; v < 4; v++)
            if (!check_gemv(shapes[s][0], shapes[s][1], v == 0 ? 0 : rng_range(-128, 127),
                            v % 2 == 1, v == 3))
                return;
    for (int t = 0; t < 200; t++)
        if (!check_gemv((size_t)rng_range(1, 130), (size_t)rng_range(1, 300),
                        rng_range(-128, 127), rng() % 2 == 0, rng() % 8 == 0))
            return;
}

/* ------------------------------------------------------ FULLY_CONNECTED -- */

/* Runs the one-op context with `buf` [size] standing for the model's mapped weights (so
 * the weight cache keys them; NULL: nothing cached), and returns a malloc'd copy of the
 * float output (its size in *bytes), NULL when the run failed. Leaves no cache behind. */
static float *run_with_weights(opcase *c, const tflc_tensor *out, const void *buf, size_t size,
                               size_t *bytes) {
    fake_model.buf = buf;
    fake_model.size = size;
    tflc_status s = oc_run(c);
    CHECK_MSG(s == TFLC_OK, "status %d: %s", (int)s, tflc_last_error());
    float *copy = oc_output_copy(s, out, bytes);
    tflc_weight_cache_free(fake_model.weight_cache);
    fake_model.weight_cache = NULL;
    fake_model.buf = NULL;
    fake_model.size = 0;
    oc_free(c);
    return copy;
}

typedef struct hy_case {
    int32_t batches, depth, units, act;
    bool asymmetric, per_channel, bias, cached;
} hy_case;

#define MAX_UNITS 1200

/* Runs the case at `level`; returns a copy of the output (bytes in *bytes). */
static float *run_hybrid(const hy_case *k, const float *in, const int8_t *w, const float *bias,
                         const float *w_scale, int level, size_t *bytes) {
    opcase c;
    static int64_t w_zp[MAX_UNITS];
    const int32_t d_in[] = {k->batches, k->depth}, d_w[] = {k->units, k->depth};
    const int32_t d_b[] = {k->units};
    tflc_qs8_force_level(level);
    oc_init(&c, &tflc_kernel_fully_connected);
    oc_options(&c, BO_FullyConnected);
    opt_i8(&c, FC_OPT_ACTIVATION, k->act);
    opt_i8(&c, FC_OPT_ASYMMETRIC_QUANTIZE_INPUTS, k->asymmetric);
    oc_in(&c, F32, 2, d_in, in);
    tflc_tensor *wt = oc_const(&c, I8, 2, d_w, w);
    oc_quant(&c, wt, k->per_channel ? k->units : 1, w_scale, w_zp, 0);
    if (k->bias) oc_const(&c, F32, 1, d_b, bias);
    tflc_tensor *out = oc_out(&c, F32);
    return run_with_weights(&c, out, k->cached ? wt->data : NULL, k->cached ? wt->bytes : 0,
                            bytes);
}

/* Input rows: random in a random range, some all zero (scale 1, no offset), some constant,
 * some only positive (the asymmetric zero point at its end). */
static void fill_input(const hy_case *k, float *in) {
    for (int32_t r = 0; r < k->batches; r++) {
        float *row = in + (size_t)r * (size_t)k->depth;
        const int kind = (int)(rng() % 6);
        const float range = 0.01f + 4.0f * rng_unit();
        for (int32_t i = 0; i < k->depth; i++) {
            float v = (rng_unit() * 2.0f - 1.0f) * range;
            if (kind == 0) v = 0.0f;
            else if (kind == 1) v = range;
            else if (kind == 2) v = fabsf(v);
            row[i] = v;
        }
    }
}

static bool check_hybrid(const hy_case *k) {
    const size_t n_in = (size_t)k->batches * (size_t)k->depth;
    const size_t n_w = (size_t)k->units * (size_t)k->depth;
    float *in = malloc(sizeof(float) * (n_in ? n_in : 1));
    int8_t *w = malloc(n_w ? n_w : 1);
    float *bias = malloc(sizeof(float) * (size_t)k->units);
    float *w_scale = malloc(sizeof(float) * (size_t)k->units);
    fill_input(k, in);
    for (size_t i = 0; i < n_w; i++) w[i] = (int8_t)rng();
    for (int32_t i = 0; i < k->units; i++) {
        bias[i] = rng_unit() * 2.0f - 1.0f;
        w_scale[i] = 0.001f + 0.02f * rng_unit();
    }
    char name[200];
    snprintf(name, sizeof name, "hybrid fc %dx%d -> %d act %d %s %s%s%s", (int)k->batches,
             (int)k->depth, (int)k->units, k->act, k->asymmetric ? "asymmetric" : "symmetric",
             k->per_channel ? "per-channel" : "per-tensor", k->bias ? " bias" : "",
             k->cached ? " cached" : "");
    size_t bytes = 0, got_bytes = 0;
    float *want = run_hybrid(k, in, w, bias, w_scale, TFLC_QS8_REFERENCE, &bytes);
    bool ok = want != NULL;
    for (int l = 0; ok && l < n_levels; l++) {
        float *got = run_hybrid(k, in, w, bias, w_scale, levels[l], &got_bytes);
        outputs_compared++;
        ok = got && got_bytes == bytes && memcmp(want, got, bytes) == 0;
        for (size_t i = 0; got && !ok && i < bytes / sizeof(float); i++)
            if (memcmp(&want[i], &got[i], sizeof(float)) != 0) {
                CHECK_MSG(false, "%s: level %s differs at element %zu: %.9g, want %.9g", name,
                          tflc_isa_name((tflc_isa)levels[l]), i, (double)got[i],
                          (double)want[i]);
                break;
            }
        CHECK_MSG(ok || got, "%s: level %d failed", name, levels[l]);
        free(got);
    }
    cases_run++;
    free(want);
    free(in);
    free(w);
    free(bias);
    free(w_scale);
    return ok;
}

static hy_case random_hybrid(int32_t max_b, int32_t max_k, int32_t max_m) {
    static const int acts[] = {ACT_NONE, ACT_RELU, ACT_RELU6, ACT_RELU_N1_TO_1, ACT_TANH};
    hy_case k;
    k.batches = rng_range(1, max_b);
    k.depth = rng_range(1, max_k);
    k.units = rng_range(1, max_m);
    k.act = acts[rng() % 5];
    k.asymmetric = rng() % 2 == 0;
    k.per_channel = rng() % 2 == 0;
    k.bias = rng() % 3 != 0;
    k.cached = rng() % 2 == 0;
    return k;
}

static void test_fc_hybrid_random(void) {
    for (int t = 0; t < 300; t++) {
        hy_case k = random_hybrid(t % 2 ? 1 : 70, 300, 150);
        if (!check_hybrid(&k)) return;
    }
}

static void test_fc_hybrid_shapes(void) {
    static const int32_t shapes[][3] = {
        /* batches, depth, units: the LSTM step, panels and K blocks, the 64-row chunks */
        {1, 128, 512}, {1, 1, 1},    {1, 4097, 33}, {1, 9000, 70}, {3, 4096, 31},
        {64, 64, 32},  {65, 33, 65}, {130, 200, 1030}, {1, 1030, 1200},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int v = 0; v < 2; v++) {
            hy_case k = random_hybrid(1, 1, 1);
            k.batches = shapes[s][0];
            k.depth = shapes[s][1];
            k.units = shapes[s][2];
            k.asymmetric = v == 0;
            k.cached = (s + (size_t)v) % 2 == 0;
            if (!check_hybrid(&k)) return;
        }
}

/* --------------------------------------------------------- BATCH_MATMUL -- */

typedef struct hb_case {
    int32_t batch, rows, depth, cols;
    bool adj_x, adj_y, broadcast, asymmetric, per_column, const_rhs;
} hb_case;

static float *run_bmm_hybrid(const hb_case *k, const float *a, const int8_t *b,
                             const float *scales, int level, size_t *bytes) {
    opcase c;
    static int64_t zps[MAX_UNITS];
    const int32_t a_dims[] = {k->batch, k->adj_x ? k->depth : k->rows,
                              k->adj_x ? k->rows : k->depth};
    int32_t b_dims[3], *bd = b_dims;
    if (!k->broadcast) *bd++ = k->batch;
    bd[0] = k->adj_y ? k->cols : k->depth;
    bd[1] = k->adj_y ? k->depth : k->cols;
    const int b_rank = k->broadcast ? 2 : 3;
    tflc_qs8_force_level(level);
    oc_init(&c, &tflc_kernel_batch_matmul);
    oc_options(&c, BO_BatchMatMul);
    opt_i8(&c, BMM_OPT_ADJ_X, k->adj_x);
    opt_i8(&c, BMM_OPT_ADJ_Y, k->adj_y);
    opt_i8(&c, BMM_OPT_ASYMMETRIC_QUANTIZE_INPUTS, k->asymmetric);
    oc_in(&c, F32, 3, a_dims, a);
    tflc_tensor *bt = k->const_rhs ? oc_const(&c, I8, b_rank, b_dims, b)
                                   : oc_in(&c, I8, b_rank, b_dims, b);
    oc_quant(&c, bt, k->per_column ? k->cols : 1, scales, zps,
             k->per_column ? (k->adj_y ? b_rank - 2 : b_rank - 1) : 0);
    tflc_tensor *out = oc_out(&c, F32);
    return run_with_weights(&c, out, k->const_rhs ? bt->data : NULL,
                            k->const_rhs ? bt->bytes : 0, bytes);
}

static bool check_bmm_hybrid(const hb_case *k) {
    const size_t na = (size_t)k->batch * (size_t)k->rows * (size_t)k->depth;
    const size_t nb = (size_t)(k->broadcast ? 1 : k->batch) * (size_t)k->depth * (size_t)k->cols;
    float *a = malloc(sizeof(float) * na);
    int8_t *b = malloc(nb);
    float *scales = malloc(sizeof(float) * (size_t)k->cols);
    const hy_case rows = {k->batch * k->rows, k->depth, 1, 0, false, false, false, false};
    fill_input(&rows, a);   /* rows of a non-adj_x lhs; either way, some zero or constant */
    for (size_t i = 0; i < nb; i++) b[i] = (int8_t)rng();
    for (int32_t i = 0; i < k->cols; i++) scales[i] = 0.001f + 0.02f * rng_unit();
    char name[200];
    snprintf(name, sizeof name, "hybrid bmm b%d R%d K%d C%d adj %d%d%s %s%s%s", (int)k->batch,
             (int)k->rows, (int)k->depth, (int)k->cols, k->adj_x, k->adj_y,
             k->broadcast ? " broadcast" : "", k->asymmetric ? "asymmetric" : "symmetric",
             k->per_column ? " per-column" : "", k->const_rhs ? " const" : "");
    size_t bytes = 0, got_bytes = 0;
    float *want = run_bmm_hybrid(k, a, b, scales, TFLC_QS8_REFERENCE, &bytes);
    bool ok = want != NULL;
    for (int l = 0; ok && l < n_levels; l++) {
        float *got = run_bmm_hybrid(k, a, b, scales, levels[l], &got_bytes);
        outputs_compared++;
        ok = got && got_bytes == bytes && memcmp(want, got, bytes) == 0;
        CHECK_MSG(ok, "%s: level %s differs", name, tflc_isa_name((tflc_isa)levels[l]));
        free(got);
    }
    cases_run++;
    free(want);
    free(a);
    free(b);
    free(scales);
    return ok;
}

static void test_bmm_hybrid(void) {
    for (int t = 0; t < 200; t++) {
        hb_case k;
        k.batch = rng_range(1, 3);
        k.rows = t % 4 == 0 ? rng_range(60, 140) : rng_range(1, 40);
        k.depth = rng_range(1, 150);
        k.cols = rng_range(1, 100);
        k.adj_x = rng() % 3 == 0;
        k.adj_y = rng() % 2 == 0;
        k.broadcast = rng() % 3 == 0;
        k.asymmetric = rng() % 2 == 0;
        k.per_column = rng() % 2 == 0;
        k.const_rhs = rng() % 2 == 0;
        if (!check_bmm_hybrid(&k)) return;
    }
}

/* ------------------------------------------------------------------ LSTM -- */

typedef struct hl_case {
    int32_t T, B, I, N, O;
    bool cifg, projection, time_major, asymmetric;
} hl_case;

/* An int8 weight input whose data stays at *wp (inside the fake model); *wp moves past it. */
static void add_weight(opcase *c, const int32_t *dims, int8_t **wp, const float *scale) {
    static const int64_t zero = 0;
    tflc_tensor *t = oc_const(c, I8, 2, dims, *wp);
    t->data = *wp;
    oc_quant(c, t, 1, scale, &zero, 0);
    *wp += (size_t)dims[0] * (size_t)dims[1];
}

/* The case's int8 weights live in one block (the fake model's buffer, so the weight cache
 * takes them); returns the output copy. */
static float *run_lstm_hybrid(const hl_case *k, const float *x, const float *states,
                              int8_t *wblock, size_t wbytes, const float *fvals,
                              const float *scales, int level, size_t *bytes) {
    opcase c;
    const int32_t din[] = {k->time_major ? k->T : k->B, k->time_major ? k->B : k->T, k->I};
    const int32_t d_w[] = {k->N, k->I}, d_r[] = {k->N, k->O}, d_p[] = {k->O, k->N};
    const int32_t d_n[] = {k->N}, d_o[] = {k->O}, d_h[] = {k->B, k->O}, d_c[] = {k->B, k->N};
    tflc_qs8_force_level(level);
    oc_init(&c, &tflc_kernel_unidirectional_lstm);
    oc_options(&c, BO_UnidirectionalSequenceLSTM);
    opt_i8(&c, ULSTM_OPT_ACTIVATION, ACT_TANH);
    opt_i8(&c, ULSTM_OPT_TIME_MAJOR, k->time_major);
    opt_i8(&c, ULSTM_OPT_ASYMMETRIC_QUANTIZE_INPUTS, k->asymmetric);
    oc_in(&c, F32, 3, din, x);
    int8_t *wp = wblock;
    int si = 0;
    for (int m = 0; m < 8; m++) {                                  /* 1-4 input, 5-8 recurrent */
        if (k->cifg && (m == 0 || m == 4)) oc_no_input(&c);
        else add_weight(&c, m < 4 ? d_w : d_r, &wp, &scales[si++]);
    }
    for (int g = 0; g < 3; g++) oc_no_input(&c);                   /* 9-11 peephole */
    for (int g = 0; g < 4; g++) {                                  /* 12-15 biases */
        if (k->cifg && g == 0) oc_no_input(&c);
        else oc_const(&c, F32, 1, d_n, fvals + g * k->N);
    }
    if (k->projection) {                                           /* 16-17 projection */
        add_weight(&c, d_p, &wp, &scales[si++]);
        oc_const(&c, F32, 1, d_o, fvals + 4 * k->N);
    } else {
        oc_no_input(&c);
        oc_no_input(&c);
    }
    oc_in(&c, F32, 2, d_h, states);                                /* 18 h, 19 c */
    oc_in(&c, F32, 2, d_c, states + (size_t)k->B * (size_t)k->O);
    tflc_tensor *out = oc_out(&c, F32);
    return run_with_weights(&c, out, wblock, wbytes, bytes);
}

static bool check_lstm_hybrid(const hl_case *k) {
    const size_t T = (size_t)k->T, B = (size_t)k->B, I = (size_t)k->I, N = (size_t)k->N;
    const size_t O = (size_t)k->O;
    const size_t wbytes = 4 * N * I + 4 * N * O + O * N;
    float *x = malloc(sizeof(float) * T * B * I), *states = malloc(sizeof(float) * B * (O + N));
    float *fvals = malloc(sizeof(float) * (4 * N + O)), scales[9];
    int8_t *wblock = malloc(wbytes);
    const hy_case rows = {k->T * k->B, k->I, 1, 0, false, false, false, false};
    fill_input(&rows, x);
    for (size_t i = 0; i < B * (O + N); i++) states[i] = rng_unit() - 0.5f;
    for (size_t i = 0; i < 4 * N + O; i++) fvals[i] = rng_unit() - 0.5f;
    for (size_t i = 0; i < wbytes; i++) wblock[i] = (int8_t)rng();
    for (int i = 0; i < 9; i++) scales[i] = (0.2f + rng_unit()) / (127.0f * sqrtf((float)(I + O)));
    char name[160];
    snprintf(name, sizeof name, "hybrid lstm T%d B%d I%d N%d O%d%s%s%s %s", (int)k->T,
             (int)k->B, (int)k->I, (int)k->N, (int)k->O, k->cifg ? " cifg" : "",
             k->projection ? " projection" : "", k->time_major ? " time-major" : "",
             k->asymmetric ? "asymmetric" : "symmetric");
    size_t bytes = 0, got_bytes = 0;
    float *want = run_lstm_hybrid(k, x, states, wblock, wbytes, fvals, scales,
                                  TFLC_QS8_REFERENCE, &bytes);
    bool ok = want != NULL;
    for (int l = 0; ok && l < n_levels; l++) {
        float *got = run_lstm_hybrid(k, x, states, wblock, wbytes, fvals, scales, levels[l],
                                     &got_bytes);
        outputs_compared++;
        ok = got && got_bytes == bytes && memcmp(want, got, bytes) == 0;
        CHECK_MSG(ok, "%s: level %s differs", name, tflc_isa_name((tflc_isa)levels[l]));
        free(got);
    }
    cases_run++;
    free(want);
    free(x);
    free(states);
    free(fvals);
    free(wblock);
    return ok;
}

static void test_lstm_hybrid(void) {
    for (int t = 0; t < 80; t++) {
        hl_case k;
        k.T = rng_range(1, 4);
        k.B = rng_range(1, 3);
        k.I = rng_range(1, 70);
        k.N = rng_range(1, 70);
        k.projection = rng() % 3 == 0;
        k.O = k.projection ? rng_range(1, 40) : k.N;
        k.cifg = rng() % 3 == 0;
        k.time_major = rng() % 2 == 0;
        k.asymmetric = rng() % 2 == 0;
        if (!check_lstm_hybrid(&k)) return;
    }
}

/* ------------------------------------------------------------------ main -- */

static void run_tests(void) {
    find_levels();
    TEST(test_gemv);
    TEST(test_fc_hybrid_random);
    TEST(test_fc_hybrid_shapes);
    TEST(test_bmm_hybrid);
    TEST(test_lstm_hybrid);
    tflc_qs8_force_level(TFLC_QS8_AUTO);
    fprintf(stderr, "%d cases, %d outputs compared bit for bit\n", cases_run, outputs_compared);
}

TEST_MAIN()
