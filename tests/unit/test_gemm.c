/*
 * test_gemm.c -- the packed f32 GEMM (src/kernels/gemm.h): every ISA variant this CPU has,
 * forced through its config, against the portable scalar kernels (the specification), and
 * the scalar kernels against a double-precision reference. Plus the task split, CPU
 * detection with the TFLC_ISA cap, and the per-model weight cache (core/weight_cache.h).
 *
 * Error bound. Every variant computes each output as the same recursive sum in k order
 * (acc = acc + a[k]*b[k], k = 0..K-1), then + bias, then a clamp; they differ only in FMA
 * (one rounding per step instead of two) and nothing else. A recursive float sum of K
 * products has |computed - exact| <= gamma(K) * sum|a*b| with gamma(K) = K*u / (1 - K*u),
 * u = FLT_EPSILON / 2 (Higham, Accuracy and Stability, 3.1); the bias adds one rounding, and
 * the clamp never increases a difference. Two variants, each within that of the exact value,
 * differ by at most 2 * gamma(K + 1) * (sum|a*b| + |bias|) ~= (K + 1) * FLT_EPSILON * (...).
 * The tests allow (K + 2) * FLT_EPSILON * (sum|a*b| + |bias|) + FLT_MIN. Exact equality is
 * not expected: FMA rounds a*b + acc once where the scalar kernel rounds twice.
 *
 * Buffers carry sentinels: A and the unpacked B have NaN in their row padding (a kernel
 * reading past K or N would turn results into NaN), and C has a padding column block and a
 * guard row that must keep their 0xAB pattern.
 */
/* mincore (test_pages) is outside POSIX. */
#define _DEFAULT_SOURCE 1
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "core/internal.h"
#include "core/pages.h"
#include "core/weight_cache.h"
#include "kernels/cpu.h"
#include "kernels/gemm.h"
#include "test.h"
#include "isa_configs.h"

/* ------------------------------------------------------------- helpers -- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Uniform in [-1, 1). */
static float rng_float(void) { return (float)(rng_next() & 0xFFFFFF) / 8388608.0f - 1.0f; }

static size_t rng_range(size_t lo, size_t hi) { return lo + rng_next() % (hi - lo + 1); }

static void *xmalloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) abort();
    return p;
}

static void *xaligned(size_t bytes) {
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) abort();
    return p;
}

static const tflc_gemm_f32_config *variants[TFLC_ISA_COUNT];
static int n_variants;

static void find_variants(void) {
    n_variants = 0;
    for (int isa = 0; isa < TFLC_ISA_COUNT; isa++) {
        const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_for((tflc_isa)isa);
        if (cfg) variants[n_variants++] = cfg;
    }
}

/* One problem: A [M, K] (lda = K + 3), B as [K, N] and as [N, K] (row padding NaN), bias. */
typedef struct problem {
    size_t m, n, k, lda;
    float *a, *b_kn, *b_nk, *bias;
    float min, max;
} problem;

/* A's row stride for make_problem when nonzero (>= k): test_packed_a_stride sets it to a
 * multiple of 1024 floats, where the AVX-512 config packs A instead of reading it in place
 * (rows of more than one direct row block). */
static size_t forced_lda;

static problem make_problem(size_t m, size_t n, size_t k, bool with_bias, float min, float max) {
    problem p = {m, n, k, forced_lda ? forced_lda : k + 3, NULL, NULL, NULL, NULL, min, max};
    p.a = xmalloc((m * p.lda + 1) * sizeof(float));
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < p.lda; j++) p.a[i * p.lda + j] = j < k ? rng_float() : NAN;
    p.b_kn = xmalloc((k * (n + 2) + 1) * sizeof(float));
    p.b_nk = xmalloc((n * (k + 2) + 1) * sizeof(float));
    for (size_t kk = 0; kk < k; kk++)
        for (size_t j = 0; j < n + 2; j++) p.b_kn[kk * (n + 2) + j] = j < n ? rng_float() : NAN;
    for (size_t j = 0; j < n; j++)
        for (size_t kk = 0; kk < k + 2; kk++)
            p.b_nk[j * (k + 2) + kk] = kk < k ? p.b_kn[kk * (n + 2) + j] : NAN;
    if (with_bias) {
        p.bias = xmalloc(n * sizeof(float));
        for (size_t j = 0; j < n; j++) p.bias[j] = rng_float();
    }
    return p;
}

static void free_problem(problem *p) {
    free(p->a);
    free(p->b_kn);
    free(p->b_nk);
    free(p->bias);
}

/* C with ldc = N + 5 and one guard row, filled with 0xAB bytes. */
typedef struct outbuf {
    size_t ldc, rows;
    float *c;
} outbuf;

static outbuf make_out(const problem *p) {
    outbuf o = {p->n + 5, p->m + 1, NULL};
    o.c = xmalloc(o.rows * o.ldc * sizeof(float));
    memset(o.c, 0xAB, o.rows * o.ldc * sizeof(float));
    return o;
}

static bool sentinels_intact(const problem *p, const outbuf *o) {
    uint32_t pattern = 0xABABABABu;
    for (size_t i = 0; i < o->rows; i++)
        for (size_t j = 0; j < o->ldc; j++) {
            if (i < p->m && j < p->n) continue;
            uint32_t bits;
            memcpy(&bits, &o->c[i * o->ldc + j], 4);
            if (bits != pattern) return false;
        }
    return true;
}

/* Runs the problem with one config; B packed from [N, K] or [K, N]. */
static outbuf run_variant(const tflc_gemm_f32_config *cfg, const problem *p, bool transposed) {
    void *packed = xaligned(tflc_gemm_f32_packed_size(cfg, p->n, p->k));
    if (transposed) tflc_gemm_f32_pack_b(cfg, p->n, p->k, p->b_nk, p->k + 2, true, packed);
    else tflc_gemm_f32_pack_b(cfg, p->n, p->k, p->b_kn, p->n + 2, false, packed);
    outbuf o = make_out(p);
    tflc_gemm_f32(p->m, p->n, p->k, p->a, p->lda, packed, p->bias, o.c, o.ldc, p->min, p->max);
    free(packed);
    return o;
}

/* The problem through one config with GEMM flags `flags`, B packed from [N, K]: the whole
 * range in one tflc_gemm_f32_range_flags call (n_threads 0), or split over the tasks of an
 * n_threads plan, run last task first. C in a fresh outbuf. */
static outbuf run_split(const tflc_gemm_f32_config *cfg, const problem *p, int n_threads,
                        unsigned flags) {
    void *packed = xaligned(tflc_gemm_f32_packed_size(cfg, p->n, p->k));
    tflc_gemm_f32_pack_b(cfg, p->n, p->k, p->b_nk, p->k + 2, true, packed);
    outbuf o = make_out(p);
    const tflc_gemm_f32_args g = {p->m, p->n, p->k, p->a, p->lda, packed, p->bias,
                                  o.c, o.ldc, p->min, p->max, NULL, NULL};
    if (n_threads == 0) {
        tflc_gemm_f32_range_flags(&g, 0, p->m, 0, p->n, flags);
    } else {
        tflc_gemm_f32_plan plan;
        const int tasks = tflc_gemm_f32_plan_split(&g, n_threads, &plan);
        for (int t = tasks - 1; t >= 0; t--) tflc_gemm_f32_task_flags(&g, &plan, t, flags);
    }
    free(packed);
    return o;
}

static outbuf run_variant_flags(const tflc_gemm_f32_config *cfg, const problem *p,
                                unsigned flags) {
    return run_split(cfg, p, 0, flags);
}

static float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* The bound of the header comment for element (i, j). */
static double bound_at(const problem *p, size_t i, size_t j) {
    double mag = p->bias ? fabs((double)p->bias[j]) : 0.0;
    for (size_t kk = 0; kk < p->k; kk++)
        mag += fabs((double)p->a[i * p->lda + kk] * (double)p->b_kn[kk * (p->n + 2) + j]);
    return (double)(p->k + 2) * FLT_EPSILON * mag + FLT_MIN;
}

static double exact_at(const problem *p, size_t i, size_t j) {
    double s = 0.0;
    for (size_t kk = 0; kk < p->k; kk++)
        s += (double)p->a[i * p->lda + kk] * (double)p->b_kn[kk * (p->n + 2) + j];
    s += p->bias ? (double)p->bias[j] : 0.0;
    return s;
}

static int checked_problems, checked_elements;

/* Every variant (and both packings) against the scalar one; the scalar one against the
 * exact value. Returns false on the first mismatch (with a message). */
static bool check_problem(const problem *p) {
    const tflc_gemm_f32_config *ref_cfg = tflc_f32_gemm_config_scalar();
    outbuf ref = run_variant(ref_cfg, p, true);
    bool ok = sentinels_intact(p, &ref);
    CHECK_MSG(ok, "scalar wrote outside C (M=%zu N=%zu K=%zu)", p->m, p->n, p->k);
    for (size_t i = 0; ok && i < p->m; i++)
        for (size_t j = 0; ok && j < p->n; j++) {
            double want = clampf((float)exact_at(p, i, j), p->min, p->max);
            double got = ref.c[i * ref.ldc + j];
            if (!(fabs(got - want) <= bound_at(p, i, j))) {
                CHECK_MSG(false, "scalar vs exact at (%zu,%zu) M=%zu N=%zu K=%zu: %.9g vs %.9g",
                          i, j, p->m, p->n, p->k, got, want);
                ok = false;
            }
        }
    for (int v = 0; ok && v < n_variants; v++)
        for (int t = 0; ok && t < 2; t++) {
            outbuf o = run_variant(variants[v], p, t == 0);
            if (!sentinels_intact(p, &o)) {
                CHECK_MSG(false, "%s wrote outside C (M=%zu N=%zu K=%zu)", variants[v]->name,
                          p->m, p->n, p->k);
                ok = false;
            }
            for (size_t i = 0; ok && i < p->m; i++)
                for (size_t j = 0; ok && j < p->n; j++) {
                    double got = o.c[i * o.ldc + j], want = ref.c[i * ref.ldc + j];
                    if (!(fabs(got - want) <= bound_at(p, i, j))) {
                        CHECK_MSG(false, "%s (%s B) at (%zu,%zu) M=%zu N=%zu K=%zu: %.9g, "
                                  "scalar %.9g", variants[v]->name, t ? "[K,N]" : "[N,K]", i, j,
                                  p->m, p->n, p->k, got, want);
                        ok = false;
                    }
                }
            checked_elements += (int)(p->m * p->n);
            free(o.c);
        }
    checked_problems++;
    free(ref.c);
    return ok;
}

static bool check_shape(size_t m, size_t n, size_t k, int variant_of_options) {
    static const float mins[] = {-INFINITY, 0.0f, 0.0f, -0.25f};
    static const float maxs[] = {INFINITY, INFINITY, 6.0f, 0.25f};
    int c = variant_of_options % 4;
    problem p = make_problem(m, n, k, (variant_of_options / 4) % 2 == 0, mins[c], maxs[c]);
    bool ok = check_problem(&p);
    free_problem(&p);
    return ok;
}

/* ---------------------------------------------------------------- tests -- */

static void test_cpu_detection_and_cap(void) {
    /* Runs first: the cap is read once, at the first detection. */
    CHECK(setenv("TFLC_ISA", "avx2", 1) == 0);
    const tflc_cpu_info *cpu = tflc_cpu_info_get();
    CHECK(tflc_cpu_isa() == cpu->isa);
    CHECK(tflc_cpu_has_isa(TFLC_ISA_SCALAR));
    CHECK(tflc_cpu_has_isa(cpu->hardware));
    CHECK(!tflc_cpu_has_isa(TFLC_ISA_COUNT));
    if (cpu->hardware == TFLC_ISA_NEON) {
        /* An x86 cap is not on the Arm chain: it caps nothing; no x86 level is had. */
        CHECK(cpu->neon && cpu->isa == TFLC_ISA_NEON);
        CHECK(!tflc_cpu_has_isa(TFLC_ISA_AVX2) && !tflc_cpu_has_isa(TFLC_ISA_AVX512));
        CHECK(tflc_gemm_f32_config_get()->isa == TFLC_ISA_NEON);
    } else {
        CHECK(cpu->isa == (cpu->hardware < TFLC_ISA_AVX2 ? cpu->hardware : TFLC_ISA_AVX2));
        CHECK(!tflc_cpu_has_isa(TFLC_ISA_NEON));
        CHECK(tflc_gemm_f32_config_get()->isa <= TFLC_ISA_AVX2);
    }
#if defined(__aarch64__) && defined(__linux__)
    CHECK(cpu->hardware == TFLC_ISA_NEON);   /* AdvSIMD is in every aarch64 CPU */
#endif
    CHECK(tflc_gemm_f32_config_get() == tflc_gemm_f32_config_for(tflc_gemm_f32_config_get()->isa));
    if (tflc_cpu_has_isa(TFLC_ISA_AVX2)) CHECK(cpu->avx2 && cpu->fma);
    if (tflc_cpu_has_isa(TFLC_ISA_AVX512)) CHECK(cpu->avx512f && cpu->avx512bw);
    CHECK(strcmp(tflc_isa_name(TFLC_ISA_AVX512), "avx512") == 0);
    CHECK(strcmp(tflc_isa_name(TFLC_ISA_NEON), "neon") == 0);
    find_variants();
    CHECK(n_variants >= 1 && variants[0]->isa == TFLC_ISA_SCALAR);
    CHECK_ISA_CONFIGS(tflc_gemm_f32_config_for);
    fprintf(stderr, "hardware ISA %s; variants:", tflc_isa_name(cpu->hardware));
    for (int v = 0; v < n_variants; v++) fprintf(stderr, " %s", variants[v]->name);
    fprintf(stderr, "\n");
}

static void test_config_tables(void) {
    for (int v = 0; v < n_variants; v++) {
        const tflc_gemm_f32_config *cfg = variants[v];
        CHECK(cfg->mr >= 1 && cfg->mr <= TFLC_GEMM_MAX_MR);
        CHECK(cfg->nr >= 1 && cfg->nr <= TFLC_GEMM_MAX_NR);
        CHECK(cfg->mc % cfg->mr == 0 && cfg->nc % cfg->nr == 0);
        CHECK(cfg->a_stride >= cfg->kc && (size_t)cfg->mr * cfg->a_stride <= TFLC_GEMM_APACK_FLOATS);
        for (uint32_t r = 1; r <= cfg->mr; r++) CHECK(cfg->ukernel[r] != NULL);
    }
}

static void test_pack_layouts_agree(void) {
    for (int v = 0; v < n_variants; v++) {
        const tflc_gemm_f32_config *cfg = variants[v];
        problem p = make_problem(3, cfg->nr * 2 + 3, 37, false, -INFINITY, INFINITY);
        size_t bytes = tflc_gemm_f32_packed_size(cfg, p.n, p.k);
        unsigned char *x = xaligned(bytes), *y = xaligned(bytes);
        tflc_gemm_f32_pack_b(cfg, p.n, p.k, p.b_nk, p.k + 2, true, x);
        tflc_gemm_f32_pack_b(cfg, p.n, p.k, p.b_kn, p.n + 2, false, y);
        CHECK(memcmp(x, y, bytes) == 0);
        CHECK(tflc_gemm_f32_packed_config(x) == cfg);
        /* element (k=5, n=nr+1) of panel 1, and a zero column past N in the last panel */
        const float *f = (const float *)(x + TFLC_GEMM_PACKED_HEADER);
        CHECK(f[1 * p.k * cfg->nr + 5 * cfg->nr + 1] == p.b_kn[5 * (p.n + 2) + cfg->nr + 1]);
        CHECK(f[2 * p.k * cfg->nr + 7 * cfg->nr + 3] == 0.0f);
        free(x);
        free(y);
        free_problem(&p);
    }
}

/* Both layouts pack to the same bytes on every ragged shape (n around the panel width and
 * the transpose's 4-word tiles, k around its 4- and 64-word blocks), into buffers poisoned
 * first so a byte the packing forgot to write differs. */
static void test_pack_layouts_ragged(void) {
    const size_t ks[] = {1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 130};
    for (int v = 0; v < n_variants; v++) {
        const tflc_gemm_f32_config *cfg = variants[v];
        const size_t ns[] = {1, 3, 4, 5, cfg->nr - 1, cfg->nr, cfg->nr + 1, cfg->nr * 2 + 3};
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (size_t b = 0; b < sizeof ks / sizeof ks[0]; b++) {
                problem p = make_problem(1, ns[a], ks[b], false, -INFINITY, INFINITY);
                size_t bytes = tflc_gemm_f32_packed_size(cfg, p.n, p.k);
                unsigned char *x = xaligned(bytes), *y = xaligned(bytes);
                memset(x, 0xCD, bytes);
                memset(y, 0x5A, bytes);
                tflc_gemm_f32_pack_b(cfg, p.n, p.k, p.b_nk, p.k + 2, true, x);
                tflc_gemm_f32_pack_b(cfg, p.n, p.k, p.b_kn, p.n + 2, false, y);
                CHECK_MSG(memcmp(x, y, bytes) == 0, "%s n=%zu k=%zu", cfg->name, p.n, p.k);
                free(x);
                free(y);
                free_problem(&p);
            }
    }
}

/* The streaming transpose (gemm.h, tflc_pack_transpose_u32_stream; AVX-512 with
 * non-temporal stores) writes exactly the bytes of the portable one and no others: columns
 * and k around its 16 x 16 blocks, destination rows whole lines or not (nr * 4 a multiple
 * of 64 or not) and the destination 64-byte aligned or 4 bytes off (those two hand it all
 * to the portable one), source rows at odd strides, into buffers poisoned alike; some
 * cases must take the blocks. Then packed weights made with stream are the bytes of ones
 * made without. */
static void test_pack_transpose_stream(void) {
    const size_t colss[] = {1, 3, 15, 16, 17, 31, 32, 33, 48};
    const size_t kws[] = {1, 4, 15, 16, 17, 33, 64, 100};
    const size_t extra_nr[] = {0, 5, 16};    /* nr = cols + this: 32 and 48 give whole lines */
    const size_t dst_offs[] = {0, 4};
    const bool has_avx512 = tflc_cpu_has_isa(TFLC_ISA_AVX512);
    int blocks_of_16 = 0;
    for (size_t a = 0; a < sizeof colss / sizeof colss[0]; a++)
        for (size_t b = 0; b < sizeof kws / sizeof kws[0]; b++)
            for (size_t e = 0; e < sizeof extra_nr / sizeof extra_nr[0]; e++)
                for (size_t o = 0; o < sizeof dst_offs / sizeof dst_offs[0]; o++) {
                    const size_t cols = colss[a], kw = kws[b], nr = cols + extra_nr[e];
                    const size_t row = kw * 4 + 4 * (b % 3);   /* bytes between source rows */
                    unsigned char *src = xaligned(row * cols + 64);
                    for (size_t i = 0; i < row * cols; i++) src[i] = (unsigned char)(i * 131 + 7);
                    const size_t bytes = kw * nr * 4 + 64;
                    unsigned char *want = xaligned(bytes), *got = xaligned(bytes);
                    memset(want, 0xA5, bytes);
                    memset(got, 0xA5, bytes);
                    tflc_pack_transpose_u32(src + 4, row, cols, kw, want + dst_offs[o], nr);
                    tflc_pack_transpose_u32_stream(src + 4, row, cols, kw, got + dst_offs[o], nr);
                    CHECK_MSG(memcmp(want, got, bytes) == 0,
                              "stream cols=%zu kw=%zu nr=%zu off=%zu", cols, kw, nr, dst_offs[o]);
                    if (has_avx512) {
                        memset(got, 0xA5, bytes);
                        tflc_pack_transpose_u32_avx512_stream(src + 4, row, cols, kw,
                                                              got + dst_offs[o], nr);
                        CHECK_MSG(memcmp(want, got, bytes) == 0,
                                  "avx512 stream cols=%zu kw=%zu nr=%zu off=%zu", cols, kw, nr,
                                  dst_offs[o]);
                        blocks_of_16 += cols >= 16 && kw >= 16 && dst_offs[o] == 0 &&
                                        nr * 4 % 64 == 0;
                    }
                    free(src);
                    free(want);
                    free(got);
                }
    if (has_avx512) CHECK(blocks_of_16 > 0);
    for (int v = 0; v < n_variants; v++) {
        const tflc_gemm_f32_config *cfg = variants[v];
        const size_t m = 9, n = cfg->nr * 3 + 5, k = 70;
        float *w = xmalloc(n * k * sizeof(float));
        for (size_t i = 0; i < n * k; i++) w[i] = (float)i * 0.25f - 100.0f;
        const size_t bytes = tflc_gemm_f32_weights_size(cfg, m, n, k, true);
        unsigned char *plain = xaligned(bytes), *streamed = xaligned(bytes);
        memset(plain, 0x3C, bytes);
        memset(streamed, 0x3C, bytes);
        tflc_gemm_f32_weights_block(cfg, m, n, k, true, false, w, plain);
        tflc_gemm_f32_weights_block(cfg, m, n, k, true, true, w, streamed);
        CHECK_MSG(memcmp(plain, streamed, bytes) == 0, "%s: streamed packing differs", cfg->name);
        free(plain);
        free(streamed);
        free(w);
    }
}

static void test_each_m(void) {
    for (size_t m = 1; m <= 70; m++)
        if (!check_shape(m, 37, 19, (int)m)) break;
}

static void test_each_n(void) {
    for (size_t n = 1; n <= 70; n++)
        if (!check_shape(13, n, 23, (int)n)) break;
}

static void test_each_k(void) {
    for (size_t k = 1; k <= 70; k++)
        if (!check_shape(15, 33, k, (int)k)) break;
}

static void test_random_ragged(void) {
    for (int t = 0; t < 400; t++)
        if (!check_shape(rng_range(1, 70), rng_range(1, 70), rng_range(1, 70), t)) break;
}

/* A at a row stride of 1024 or 2048 floats (NaN past K): gemm.c then packs A for the
 * AVX-512 config when the rows are more than one row block of its direct kernels (56 here:
 * M of 57 and more), and reads it in place at every other stride and for fewer rows (the
 * tests above and the short shapes here), so both paths are checked on every variant,
 * ragged and across the K slices. */
static void test_packed_a_stride(void) {
    static const size_t shapes[][4] = {{1, 33, 5, 1024},    {7, 24, 64, 1024},
                                       {13, 70, 300, 1024},  {57, 17, 1000, 1024},
                                       {130, 40, 513, 1024}, {20, 9, 2000, 2048},
                                       {49, 100, 1024, 1024}, {120, 65, 64, 1024},
                                       {300, 33, 130, 2048}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        forced_lda = shapes[s][3];
        const bool ok = check_shape(shapes[s][0], shapes[s][1], shapes[s][2], (int)s);
        forced_lda = 0;
        if (!ok) return;
    }
}

/* The next panel's shares (tflc_gemm_f32_ahead_share): the tiles of a row block split its
 * lines in order, each line to exactly one tile, none past the panel; each share fits its
 * tile's k steps (lines * every <= kc, every >= 1), and is cut to kc lines only when longer. */
static void test_ahead_shares(void) {
    static const size_t bytes[] = {64, 100, 4096, 32768, 131072, 128 * 27};
    static const size_t tiles[] = {1, 2, 7, 8, 28, 100};
    static const size_t kcs[] = {1, 27, 64, 256, 1024};
    const char *next = (const char *)(uintptr_t)0x10000;   /* never read: an address only */
    tflc_gemm_f32_ahead a;
    CHECK(!tflc_gemm_f32_ahead_share(NULL, 4096, 0, 1, 64, &a));
    CHECK(!tflc_gemm_f32_ahead_share(next, 0, 0, 1, 64, &a));
    CHECK(!tflc_gemm_f32_ahead_share(next, 4096, 0, 1, 0, &a));
    for (size_t b = 0; b < sizeof bytes / sizeof bytes[0]; b++)
        for (size_t t = 0; t < sizeof tiles / sizeof tiles[0]; t++)
            for (size_t q = 0; q < sizeof kcs / sizeof kcs[0]; q++) {
                const size_t lines = (bytes[b] + 63) / 64, kc = kcs[q];
                size_t expect = 0, cut = 0;   /* the next line in order; lines dropped */
                for (size_t i = 0; i < tiles[t]; i++) {
                    const size_t lo = lines * i / tiles[t], hi = lines * (i + 1) / tiles[t];
                    const bool has = tflc_gemm_f32_ahead_share(next, bytes[b], i, tiles[t], kc, &a);
                    CHECK_MSG(has == (hi > lo), "bytes %zu tile %zu/%zu kc %zu: share %d",
                              bytes[b], i, tiles[t], kc, (int)has);
                    if (!has) continue;
                    CHECK_MSG(a.at == next + expect * 64 && a.lines >= 1 &&
                                  a.lines == (hi - lo < kc ? hi - lo : kc) && a.every >= 1 &&
                                  a.lines * a.every <= kc,
                              "bytes %zu tile %zu/%zu kc %zu: at +%td, %zu lines every %zu",
                              bytes[b], i, tiles[t], kc, a.at - next, a.lines, a.every);
                    expect = hi;
                    cut += hi - lo - a.lines;
                }
                CHECK_MSG(expect == lines, "bytes %zu over %zu tiles: %zu of %zu lines", bytes[b],
                          tiles[t], expect, lines);
                if ((lines + tiles[t] - 1) / tiles[t] <= kc)   /* every share fits: all of it */
                    CHECK_MSG(cut == 0, "bytes %zu over %zu tiles, kc %zu: %zu lines cut",
                              bytes[b], tiles[t], kc, cut);
            }
}

/* Across the cache blocks: K > KC (accumulate through C), M > MC, N > NC. */
static void test_big_shapes(void) {
    static const size_t shapes[][3] = {
        {200, 300, 600}, {130, 1100, 70}, {61, 70, 1030}, {1, 1000, 1024},
        {3, 5, 2049},    {787, 45, 300},  {29, 1, 513},   {70, 545, 257},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        if (!check_shape(shapes[s][0], shapes[s][1], shapes[s][2], (int)s)) break;
}

/* Product kk of element (i, j), rounded. */
static float prod_at(const problem *p, size_t i, size_t j, size_t kk) {
    return p->a[i * p->lda + kk] * p->b_kn[kk * (p->n + 2) + j];
}

/* Sum of products kk in [k0, k1) of element (i, j) into s, in k order (each sum rounded). */
static float sum_in_order(const problem *p, size_t i, size_t j, size_t k0, size_t k1, float s) {
    for (size_t kk = k0; kk < k1; kk++) s = s + prod_at(p, i, j, kk);
    return s;
}

/* TFLC_GEMM_MUL_ADD's order (gemm.c, LiteRT's Eigen GEMM), written out again per element:
 * N8 = N & ~7, M4 = M & ~3 (M == 1 and N == 1 are matrix-vector products: the one-row
 * order, one_row_ref below, with s[kk % 4]).
 *   j < N8 or i >= M4:                 one sum in k order
 *   N8 <= j < N8 + (N & 4):            even / odd k below K & ~7 apart, e + o, then in order
 *   j >= N8 + (N & 4):                 s[kk % 4] below K & ~3, (s0 + s1) + (s2 + s3), then in
 *                                      order
 * then + bias, clamp. */
static float mul_add_ref(const problem *p, size_t i, size_t j) {
    const size_t n8 = p->n & ~(size_t)7, half = p->n & 4, k = p->k;
    float acc;
    if (p->m == 1 || p->n == 1) {
        float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (size_t kk = 0; kk < (k & ~(size_t)3); kk++) s[kk % 4] = s[kk % 4] + prod_at(p, i, j, kk);
        acc = sum_in_order(p, i, j, k & ~(size_t)3, k, (s[0] + s[2]) + (s[1] + s[3]));
    } else if (j < n8 || i >= (p->m & ~(size_t)3)) {
        acc = sum_in_order(p, i, j, 0, k, 0.0f);
    } else if (j < n8 + half) {
        float e = 0.0f, o = 0.0f;
        for (size_t kk = 0; kk < (k & ~(size_t)7); kk += 2) {
            e = e + prod_at(p, i, j, kk);
            o = o + prod_at(p, i, j, kk + 1);
        }
        acc = sum_in_order(p, i, j, k & ~(size_t)7, k, e + o);
    } else {
        float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (size_t kk = 0; kk < (k & ~(size_t)3); kk++) s[kk % 4] = s[kk % 4] + prod_at(p, i, j, kk);
        acc = sum_in_order(p, i, j, k & ~(size_t)3, k, (s[0] + s[1]) + (s[2] + s[3]));
    }
    return clampf(acc + (p->bias ? p->bias[j] : 0.0f), p->min, p->max);
}

/* One variant's mul_add output against mul_add_ref, bit for bit. */
static bool mul_add_matches(const tflc_gemm_f32_config *cfg, const problem *p, const outbuf *o,
                            const char *how) {
    bool ok = sentinels_intact(p, o);
    CHECK_MSG(ok, "%s mul_add (%s) wrote outside C (M=%zu N=%zu K=%zu)", cfg->name, how, p->m,
              p->n, p->k);
    for (size_t i = 0; ok && i < p->m; i++)
        for (size_t j = 0; ok && j < p->n; j++) {
            const float got = o->c[i * o->ldc + j], want = mul_add_ref(p, i, j);
            if (memcmp(&got, &want, sizeof got) == 0) continue;
            CHECK_MSG(false, "%s mul_add (%s) at (%zu,%zu) M=%zu N=%zu K=%zu: %.9g, want %.9g",
                      cfg->name, how, i, j, p->m, p->n, p->k, (double)got, (double)want);
            ok = false;
        }
    checked_elements += (int)(p->m * p->n);
    return ok;
}

/* TFLC_GEMM_MUL_ADD: every variant gives mul_add_ref's bits, whole and split over tasks
 * (row and column ranges), ragged tiles and K slices (K > KC) included. */
static bool check_mul_add(size_t m, size_t n, size_t k, int options) {
    static const float mins[] = {-INFINITY, 0.0f, 0.0f, -0.25f};
    static const float maxs[] = {INFINITY, INFINITY, 6.0f, 0.25f};
    problem p = make_problem(m, n, k, options % 2 == 0, mins[options % 4], maxs[options % 4]);
    bool ok = true;
    for (int v = 0; ok && v < n_variants; v++) {
        outbuf whole = run_variant_flags(variants[v], &p, TFLC_GEMM_MUL_ADD);
        outbuf split = run_split(variants[v], &p, 1 + options % 4, TFLC_GEMM_MUL_ADD);
        ok = mul_add_matches(variants[v], &p, &whole, "whole") &&
             mul_add_matches(variants[v], &p, &split, "split");
        free(whole.c);
        free(split.c);
    }
    free_problem(&p);
    return ok;
}

/* The FMA path's order (gemm.h), per element: blocks of 64 k, each summed from zero by fused
 * multiply-adds, added to the partial sum (the first block is the partial); + bias, clamp. */
static float fma_blocked_ref(const problem *p, size_t i, size_t j) {
    float partial = 0.0f;
    for (size_t k0 = 0; k0 < p->k; k0 += 64) {
        float s = 0.0f;
        for (size_t kk = k0; kk < p->k && kk < k0 + 64; kk++)
            s = fmaf(p->a[i * p->lda + kk], p->b_kn[kk * (p->n + 2) + j], s);
        partial = k0 == 0 ? s : partial + s;
    }
    return clampf(partial + (p->bias ? p->bias[j] : 0.0f), p->min, p->max);
}

/* The SIMD variants' FMA path gives fma_blocked_ref's bits, whole and split over tasks: K on
 * both sides of the 64-product blocks and of the 256 K slices, ragged tiles. (The scalar
 * config always sums as MUL_ADD.) */
static bool check_fma_blocked(size_t m, size_t n, size_t k, int options) {
    static const float mins[] = {-INFINITY, 0.0f, 0.0f, -0.25f};
    static const float maxs[] = {INFINITY, INFINITY, 6.0f, 0.25f};
    problem p = make_problem(m, n, k, options % 2 == 0, mins[options % 4], maxs[options % 4]);
    bool ok = true;
    for (int v = 0; ok && v < n_variants; v++) {
        if (variants[v]->isa == TFLC_ISA_SCALAR) continue;
        outbuf split = run_split(variants[v], &p, 1 + options % 3, 0);
        ok = sentinels_intact(&p, &split);
        CHECK_MSG(ok, "%s fma wrote outside C (M=%zu N=%zu K=%zu)", variants[v]->name, m, n, k);
        for (size_t i = 0; ok && i < m; i++)
            for (size_t j = 0; ok && j < n; j++) {
                const float got = split.c[i * split.ldc + j], want = fma_blocked_ref(&p, i, j);
                if (memcmp(&got, &want, sizeof got) == 0) continue;
                CHECK_MSG(false, "%s fma at (%zu,%zu) M=%zu N=%zu K=%zu: %.9g, want %.9g",
                          variants[v]->name, i, j, m, n, k, (double)got, (double)want);
                ok = false;
            }
        checked_elements += (int)(m * n);
        free(split.c);
    }
    free_problem(&p);
    return ok;
}

static void test_fma_blocked_order(void) {
    static const size_t ks[] = {1, 2, 63, 64, 65, 127, 128, 129, 255, 256, 257, 320, 513, 1030};
    for (size_t s = 0; s < sizeof ks / sizeof ks[0]; s++)
        if (!check_fma_blocked(rng_range(2, 30), rng_range(1, 70), ks[s], (int)s)) return;
    for (int t = 0; t < 40; t++)
        if (!check_fma_blocked(rng_range(2, 60), rng_range(1, 90), rng_range(1, 700), t)) return;
}

/* tflc_gemm_f32_slice_k: below k, a multiple of the summation block within the config's kc
 * and the B budget (the block of B it spans, slice x cols floats, at most `budget` bytes,
 * or one summation block when not even that fits), and no more slices than that cap needs
 * (balanced). */
static bool slice_k_sound(const tflc_gemm_f32_config *cfg, size_t k, size_t cols,
                          size_t budget) {
    const size_t s = tflc_gemm_f32_slice_k(cfg, k, cols);
    if (s >= k) return s <= cfg->kc || s == k;
    size_t cap = cfg->kc;
    if (budget && budget / (cols * sizeof(float)) < cap) {
        cap = budget / (cols * sizeof(float)) / TFLC_GEMM_SUM_BLOCK * TFLC_GEMM_SUM_BLOCK;
        if (cap < TFLC_GEMM_SUM_BLOCK) cap = TFLC_GEMM_SUM_BLOCK;
    }
    return s % TFLC_GEMM_SUM_BLOCK == 0 && s <= cap && (k + s - 1) / s == (k + cap - 1) / cap;
}

/* K slices forced by a small B budget (as on CPUs with one, gemm.c) change no bit: every
 * variant's FMA path still gives fma_blocked_ref's bits and the scalar / MUL_ADD path
 * mul_add_ref's, with 2-4 uneven slices. The slices themselves follow slice_k_sound, with
 * and without a budget. */
static void test_k_slices_under_budget(void) {
    static const size_t budgets[] = {0, 4096, 65536, (size_t)1 << 20};
    for (size_t bi = 0; bi < sizeof budgets / sizeof budgets[0]; bi++) {
        tflc_gemm_f32_set_b_budget(budgets[bi]);
        for (int v = 0; v < n_variants; v++)
            for (size_t k = 1; k < 3000; k += 37)
                for (size_t cols = 1; cols <= 1024; cols = cols * 3 + 1)
                    if (!slice_k_sound(variants[v], k, cols, budgets[bi])) {
                        CHECK_MSG(false, "%s budget %zu k %zu cols %zu: slice %zu",
                                  variants[v]->name, budgets[bi], k, cols,
                                  tflc_gemm_f32_slice_k(variants[v], k, cols));
                        tflc_gemm_f32_set_b_budget(TFLC_GEMM_B_BUDGET_DETECT);
                        return;
                    }
    }
    /* 64 KiB over 40-64 columns: slices of 256-384, so K = 600-900 takes 2-4 of them. */
    tflc_gemm_f32_set_b_budget(65536);
    CHECK(tflc_gemm_f32_slice_k(variants[n_variants - 1], 700, 48) < 700);
    bool ok = true;
    for (int t = 0; ok && t < 12; t++) {
        const size_t m = rng_range(2, 40), n = rng_range(40, 64), k = rng_range(600, 900);
        ok = check_fma_blocked(m, n, k, t) && check_mul_add(m, n, k, t);
    }
    tflc_gemm_f32_set_b_budget(TFLC_GEMM_B_BUDGET_DETECT);
}

/* The product in chunks of `chunk` rows through tflc_gemm_f32_range_in (as CONV_2D's im2col
 * chunks and output rows call it): every variant still gives the whole product's
 * mul_add_ref bits, whatever the chunk's size mod 4. */
static bool check_mul_add_chunks(size_t m, size_t n, size_t k, size_t chunk) {
    problem p = make_problem(m, n, k, true, 0.0f, INFINITY);
    bool ok = true;
    for (int v = 0; ok && v < n_variants; v++) {
        void *packed = xaligned(tflc_gemm_f32_packed_size(variants[v], n, k));
        tflc_gemm_f32_pack_b(variants[v], n, k, p.b_nk, k + 2, true, packed);
        outbuf o = make_out(&p);
        for (size_t r0 = 0; r0 < m; r0 += chunk) {
            const size_t count = m - r0 < chunk ? m - r0 : chunk;
            const tflc_gemm_f32_args g = {count, n, k, p.a + r0 * p.lda, p.lda, packed, p.bias,
                                          o.c + r0 * o.ldc, o.ldc, p.min, p.max, NULL, NULL};
            tflc_gemm_f32_range_in(&g, 0, count, 0, n,
                                   TFLC_GEMM_MUL_ADD | (m > 1 ? TFLC_GEMM_PART : 0u), r0, m);
        }
        ok = mul_add_matches(variants[v], &p, &o, "chunks");
        free(o.c);
        free(packed);
    }
    free_problem(&p);
    return ok;
}

/* Every N % 8 (the leftover rows of Eigen's packets) and M % 4 (its leftover columns), then
 * random shapes and K past the cache blocks. */
static void test_mul_add_bit_exact(void) {
    static const size_t big[][3] = {{61, 70, 1030}, {3, 5, 2049}, {70, 545, 257}, {29, 1, 513},
                                    {81, 1, 1000}, {25, 3, 333},  {49, 2, 511}};
    for (size_t n = 1; n <= 19; n++)
        for (size_t m = 4; m <= 7; m++)
            if (!check_mul_add(m * 5, n, 13 + n, (int)(n + m))) return;
    for (int t = 0; t < 200; t++)
        if (!check_mul_add(rng_range(1, 70), rng_range(1, 70), rng_range(1, 70), t)) return;
    for (size_t s = 0; s < sizeof big / sizeof big[0]; s++)
        if (!check_mul_add(big[s][0], big[s][1], big[s][2], (int)s)) return;
    /* Chunks of 14 (two AVX-512 tiles), 7 (one), 6, 5 and 1 rows of 49 / 50 / 51. */
    static const size_t chunks[] = {14, 7, 6, 5, 1};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
        for (size_t n = 9; n <= 15; n += 3)
            if (!check_mul_add_chunks(49 + c % 3, n, 20 + c, chunks[c])) return;
    if (!check_mul_add_chunks(23, 1, 30, 5)) return;
}

/* One row (M == 1): LiteRT's matrix-vector order (kernels/f32_gemm_dot.h), written out
 * again: four partial sums over k mod 4 below K rounded down to 4, combined as
 * (s0 + s2) + (s1 + s3), then the remaining products in order, then + bias and the clamp. */
static float one_row_ref(const problem *p, size_t j) {
    float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    const size_t k4 = p->k & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk++) {
        const float prod = p->a[kk] * p->b_kn[kk * (p->n + 2) + j];
        s[kk % 4] = s[kk % 4] + prod;
    }
    float acc = (s[0] + s[2]) + (s[1] + s[3]);
    for (size_t kk = k4; kk < p->k; kk++) {
        const float prod = p->a[kk] * p->b_kn[kk * (p->n + 2) + j];
        acc = acc + prod;
    }
    return clampf(acc + (p->bias ? p->bias[j] : 0.0f), p->min, p->max);
}

/* Every variant gives one_row_ref's bits for M == 1, whole (tflc_gemm_f32) or split over
 * column tasks; with TFLC_GEMM_PART the scalar variant sums in the GEMM's k order instead. */
static bool check_one_row(size_t n, size_t k, int options) {
    problem p = make_problem(1, n, k, options % 2 == 0, options % 4 == 3 ? 0.0f : -INFINITY,
                             INFINITY);
    bool ok = true;
    for (int v = 0; ok && v < n_variants; v++) {
        outbuf whole = run_variant(variants[v], &p, v % 2 == 0);
        void *packed = xaligned(tflc_gemm_f32_packed_size(variants[v], n, k));
        tflc_gemm_f32_pack_b(variants[v], n, k, p.b_nk, k + 2, true, packed);
        outbuf split = make_out(&p);
        const tflc_gemm_f32_args g = {1, n, k, p.a, p.lda, packed, p.bias, split.c, split.ldc,
                                      p.min, p.max, NULL, NULL};
        tflc_gemm_f32_plan plan;
        const int tasks = tflc_gemm_f32_plan_split(&g, 3, &plan);
        for (int t = tasks - 1; t >= 0; t--) tflc_gemm_f32_task(&g, &plan, t);
        ok = sentinels_intact(&p, &whole) && sentinels_intact(&p, &split);
        CHECK_MSG(ok, "%s one-row wrote outside C (N=%zu K=%zu)", variants[v]->name, n, k);
        for (size_t j = 0; ok && j < n; j++) {
            const float want = one_row_ref(&p, j);
            if (memcmp(&whole.c[j], &want, 4) == 0 && memcmp(&split.c[j], &want, 4) == 0)
                continue;
            CHECK_MSG(false, "%s one-row column %zu N=%zu K=%zu: %.9g / %.9g (split), want %.9g",
                      variants[v]->name, j, n, k, (double)whole.c[j], (double)split.c[j],
                      (double)want);
            ok = false;
        }
        checked_elements += (int)n;
        free(whole.c);
        free(split.c);
        free(packed);
    }
    /* PART: the scalar GEMM's order, a single sequential sum from 0, then + bias. */
    const tflc_gemm_f32_config *sc = tflc_f32_gemm_config_scalar();
    void *packed = xaligned(tflc_gemm_f32_packed_size(sc, n, k));
    tflc_gemm_f32_pack_b(sc, n, k, p.b_nk, k + 2, true, packed);
    outbuf part = make_out(&p);
    const tflc_gemm_f32_args g = {1, n, k, p.a, p.lda, packed, p.bias, part.c, part.ldc, p.min,
                                  p.max, NULL, NULL};
    tflc_gemm_f32_range_flags(&g, 0, 1, 0, n, TFLC_GEMM_PART);
    for (size_t j = 0; ok && j < n; j++) {
        float acc = 0.0f;
        for (size_t kk = 0; kk < k; kk++) {
            const float prod = p.a[kk] * p.b_kn[kk * (n + 2) + j];
            acc = acc + prod;
        }
        const float want = clampf(acc + (p.bias ? p.bias[j] : 0.0f), p.min, p.max);
        ok = memcmp(&part.c[j], &want, 4) == 0;
        CHECK_MSG(ok, "scalar PART column %zu N=%zu K=%zu: %.9g, want %.9g", j, n, k,
                  (double)part.c[j], (double)want);
    }
    free(part.c);
    free(packed);
    free_problem(&p);
    return ok;
}

static void test_one_row_order(void) {
    /* {1001, 1283}: B of 5 MiB, which the kernels stream with prefetches (gemm.c's
     * DOT_STREAM_BYTES); ragged N and K, so the hints run past the last panel. */
    static const size_t sizes[][2] = {{100, 2048}, {37, 1001}, {13, 30}, {1, 3}, {65, 4}, {8, 1},
                                      {1001, 1283}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        if (!check_one_row(sizes[s][0], sizes[s][1], (int)s)) return;
    for (int t = 0; t < 150; t++)
        if (!check_one_row(rng_range(1, 70), rng_range(1, 70), t)) return;
}

/* ------------------------------------------------------------- B in place -- */

/* Row i of the problem in the one-row order (one_row_ref for any row). */
static float one_row_ref_at(const problem *p, size_t i, size_t j) {
    float s[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    const float *a = p->a + i * p->lda;
    const size_t k4 = p->k & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk++) {
        const float prod = a[kk] * p->b_kn[kk * (p->n + 2) + j];
        s[kk % 4] = s[kk % 4] + prod;
    }
    float acc = (s[0] + s[2]) + (s[1] + s[3]);
    for (size_t kk = k4; kk < p->k; kk++) {
        const float prod = a[kk] * p->b_kn[kk * (p->n + 2) + j];
        acc = acc + prod;
    }
    return clampf(acc + (p->bias ? p->bias[j] : 0.0f), p->min, p->max);
}

/* B read in place (gemm.h: tflc_gemm_f32_refer_b, rows k + 2 floats apart with NaN in the
 * gap) gives the one-row order's bits on every row and column, whole or split over column
 * tasks (last task first), with TFLC_GEMM_PART or MUL_ADD too, for every variant: the
 * AVX-512 one's 16- and 4-column groups and k steps of 16 and 4, the portable loop's 8 and 1
 * columns (every variant's last n % 4). Nothing outside C is written. */
static bool check_in_place(size_t m, size_t n, size_t k, int options) {
    problem p = make_problem(m, n, k, options % 2 == 0, options % 4 == 3 ? 0.0f : -INFINITY,
                             options % 3 == 1 ? 0.25f : INFINITY);
    static const unsigned flag_sets[] = {0u, TFLC_GEMM_PART, TFLC_GEMM_MUL_ADD};
    bool ok = true;
    for (int v = 0; ok && v < n_variants; v++) {
        _Alignas(64) unsigned char ref[TFLC_GEMM_PACKED_HEADER];
        tflc_gemm_f32_refer_b(variants[v], n, k, p.b_nk, k + 2, ref);
        CHECK(tflc_gemm_f32_packed_config(ref) == variants[v]);
        for (int mode = 0; ok && mode < 4; mode++) {
            outbuf o = make_out(&p);
            const tflc_gemm_f32_args g = {m, n, k, p.a, p.lda, ref, p.bias, o.c, o.ldc, p.min,
                                          p.max, NULL, NULL};
            if (mode < 3) {
                tflc_gemm_f32_range_flags(&g, 0, m, 0, n, flag_sets[mode]);
            } else {
                tflc_gemm_f32_plan plan;
                const int tasks = tflc_gemm_f32_plan_split(&g, 3, &plan);
                for (int t = tasks - 1; t >= 0; t--) tflc_gemm_f32_task(&g, &plan, t);
            }
            ok = sentinels_intact(&p, &o);
            CHECK_MSG(ok, "%s in place wrote outside C (M=%zu N=%zu K=%zu)", variants[v]->name,
                      m, n, k);
            for (size_t i = 0; ok && i < m; i++)
                for (size_t j = 0; ok && j < n; j++) {
                    const float want = one_row_ref_at(&p, i, j), got = o.c[i * o.ldc + j];
                    ok = memcmp(&got, &want, 4) == 0;
                    CHECK_MSG(ok, "%s in place mode %d [%zu][%zu] M=%zu N=%zu K=%zu: %.9g, want "
                              "%.9g", variants[v]->name, mode, i, j, m, n, k, (double)got,
                              (double)want);
                }
            checked_elements += (int)(m * n);
            free(o.c);
        }
    }
    free_problem(&p);
    return ok;
}

static void test_in_place_one_row(void) {
    /* MobileNet V3's classifier and an SE expansion; then ragged N and K around 4 and 16. */
    static const size_t sizes[][3] = {{1, 1000, 1280}, {1, 960, 240}, {1, 37, 1001},
                                      {2, 21, 19}, {3, 16, 16}, {1, 5, 3}, {1, 1, 1},
                                      {1, 64, 4}, {1, 19, 20}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        if (!check_in_place(sizes[s][0], sizes[s][1], sizes[s][2], (int)s)) return;
    for (int t = 0; t < 120; t++)
        if (!check_in_place(rng_range(1, 2), rng_range(1, 70), rng_range(1, 70), t)) return;
}

/* A cold block of at least TFLC_GEMM_AHEAD_MIN_FLOATS (tflc_gemm_f32_weights_block) makes
 * the first row block's tiles prefetch the next panel (gemm.h, tflc_gemm_f32_ahead), and
 * widens that block to the config's mc rows read in place where K makes the blocks shorter
 * (gemm.c): the products over it are the bits of the plain packed B, whole and split over
 * tasks, on every variant, with ragged panels and tiles, K slices, and A in place or packed
 * (the last three shapes: a widened first block, then packed or in-place blocks). */
static void test_cold_block_ahead(void) {
    static const size_t shapes[][4] = {{49, 300, 256, 0},     {60, 1024, 96, 0},
                                       {130, 70, 1100, 0},    {8, 513, 130, 0},
                                       {49, 128, 1024, 1024}, {100, 200, 400, 1024},
                                       {128, 256, 1024, 1024}, {150, 96, 700, 0},
                                       {61, 80, 1030, 1040}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        CHECK(n * k >= TFLC_GEMM_AHEAD_MIN_FLOATS);
        forced_lda = shapes[s][3];
        problem p = make_problem(m, n, k, s % 2 == 0, s % 3 ? 0.0f : -INFINITY, INFINITY);
        forced_lda = 0;
        float *w = xmalloc(n * k * sizeof(float));   /* B as [N, K], row stride K */
        for (size_t j = 0; j < n; j++) memcpy(w + j * k, p.b_nk + j * (k + 2), k * sizeof(float));
        for (int v = 0; v < n_variants; v++) {
            const tflc_gemm_f32_config *cfg = variants[v];
            CHECK(tflc_gemm_f32_weights_size(cfg, m, n, k, true) ==
                  tflc_gemm_f32_packed_size(cfg, n, k));
            void *cold = xaligned(tflc_gemm_f32_packed_size(cfg, n, k));
            tflc_gemm_f32_weights_block(cfg, m, n, k, true, false, w, cold);
            for (int threads = 0; threads <= 3; threads += 3) {
                const outbuf want = run_split(cfg, &p, threads, 0);
                outbuf got = make_out(&p);
                const tflc_gemm_f32_args g = {m, n, k, p.a, p.lda, cold, p.bias,
                                              got.c, got.ldc, p.min, p.max, NULL, NULL};
                if (threads == 0) {
                    tflc_gemm_f32_range(&g, 0, m, 0, n);
                } else {
                    tflc_gemm_f32_plan plan;
                    const int tasks = tflc_gemm_f32_plan_split(&g, threads, &plan);
                    for (int t = 0; t < tasks; t++) tflc_gemm_f32_task(&g, &plan, t);
                }
                const bool same =
                    memcmp(want.c, got.c, want.rows * want.ldc * sizeof(float)) == 0;
                CHECK_MSG(same, "%s M=%zu N=%zu K=%zu threads %d: cold block's bits differ",
                          cfg->name, m, n, k, threads);
                free(want.c);
                free(got.c);
            }
            free(cold);
        }
        free(w);
        free_problem(&p);
    }
}

/* Which products read B in place: one row, at least the threshold's weights (n * k without
 * overflow); the block's size follows, and it is what weights_block writes. */
static void test_in_place_choice(void) {
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_get();
    CHECK(tflc_gemm_f32_b_in_place(1, 1024, 128, false) &&
          !tflc_gemm_f32_b_in_place(1, 1023, 128, false));
    CHECK(!tflc_gemm_f32_b_in_place(2, 1024, 128, false) &&
          !tflc_gemm_f32_b_in_place(1, 0, 1 << 20, false));
    CHECK(tflc_gemm_f32_b_in_place(1, SIZE_MAX / 2, SIZE_MAX / 2, false));
    CHECK(tflc_gemm_f32_weights_size(cfg, 1, 1024, 128, false) == TFLC_GEMM_PACKED_HEADER);
    CHECK(tflc_gemm_f32_weights_size(cfg, 2, 1024, 128, false) ==
          tflc_gemm_f32_packed_size(cfg, 1024, 128));
    /* Cold weights: from 16384 weights with K of at least 384, or the warm threshold. */
    CHECK(tflc_gemm_f32_b_in_place(1, 43, 384, true) && !tflc_gemm_f32_b_in_place(1, 42, 384, true));
    CHECK(!tflc_gemm_f32_b_in_place(1, 300, 383, true) && !tflc_gemm_f32_b_in_place(2, 300, 384, true));
    CHECK(tflc_gemm_f32_b_in_place(1, 1024, 128, true) && !tflc_gemm_f32_b_in_place(1, 0, 384, true));
    CHECK(tflc_gemm_f32_weights_size(cfg, 1, 43, 384, true) == TFLC_GEMM_PACKED_HEADER);
    /* Tiny weights (at most TFLC_GEMM_IN_PLACE_TINY_FLOATS): in place, one row only. */
    CHECK(tflc_gemm_f32_b_in_place(1, 16, 16, false) && tflc_gemm_f32_b_in_place(1, 2, 4, false));
    CHECK(!tflc_gemm_f32_b_in_place(1, 257, 1, false) && !tflc_gemm_f32_b_in_place(2, 2, 4, false));
    CHECK(tflc_gemm_f32_weights_size(cfg, 1, 2, 4, false) == TFLC_GEMM_PACKED_HEADER);
    /* Under a forced threshold of 10 weights, [1, 60] x [60, 5]: the block is the header and
     * reads w itself (changing w changes C); at the default threshold it is a packed copy.
     * Both give the one-row order's bits. */
    enum { IP_N = 5, IP_K = 60 };
    problem p = make_problem(1, IP_N, IP_K, true, -INFINITY, INFINITY);
    float w[IP_N * IP_K];
    for (size_t j = 0; j < IP_N; j++)
        memcpy(w + j * IP_K, p.b_nk + j * (IP_K + 2), IP_K * sizeof(float));
    for (int forced = 1; forced >= 0; forced--) {
        tflc_gemm_f32_set_in_place_min(forced ? 10 : TFLC_GEMM_IN_PLACE_FLOATS);
        CHECK(tflc_gemm_f32_b_in_place(1, IP_N, IP_K, false) == (forced == 1));
        const size_t bytes = tflc_gemm_f32_weights_size(cfg, 1, IP_N, IP_K, false);
        CHECK((bytes == TFLC_GEMM_PACKED_HEADER) == (forced == 1));
        void *blk = xaligned(bytes);
        tflc_gemm_f32_weights_block(cfg, 1, IP_N, IP_K, false, false, w, blk);
        outbuf o = make_out(&p);
        tflc_gemm_f32(1, IP_N, IP_K, p.a, p.lda, blk, p.bias, o.c, o.ldc, p.min, p.max);
        for (size_t j = 0; j < IP_N; j++) {
            const float want = one_row_ref_at(&p, 0, j);
            CHECK(memcmp(&o.c[j], &want, 4) == 0);
        }
        const float w0 = w[0];
        w[0] = w0 + 1.0f;   /* in place: the next product sees it; packed: the copy does not */
        tflc_gemm_f32(1, IP_N, IP_K, p.a, p.lda, blk, p.bias, o.c, o.ldc, p.min, p.max);
        const float want0 = one_row_ref_at(&p, 0, 0);
        CHECK((memcmp(&o.c[0], &want0, 4) != 0) == (forced == 1));
        w[0] = w0;
        free(o.c);
        free(blk);
    }
    tflc_gemm_f32_set_in_place_min(TFLC_GEMM_IN_PLACE_FLOATS);
    free_problem(&p);
}

/* K = 0: C = clamp(bias). */
static void test_k_zero(void) {
    for (int v = 0; v < n_variants; v++) {
        problem p = make_problem(5, 9, 0, true, -0.5f, 0.5f);
        outbuf o = run_variant(variants[v], &p, true);
        for (size_t i = 0; i < p.m; i++)
            for (size_t j = 0; j < p.n; j++)
                CHECK(o.c[i * o.ldc + j] == clampf(p.bias[j], -0.5f, 0.5f));
        CHECK(sentinels_intact(&p, &o));
        free(o.c);
        free_problem(&p);
    }
}

/* A NaN in A makes its row NaN (the clamp lets NaN through, as the reference does); an
 * infinity clamps like any other value. */
static void test_nan_and_inf(void) {
    for (int v = 0; v < n_variants; v++) {
        problem p = make_problem(9, 40, 30, true, 0.0f, 6.0f);
        p.a[2 * p.lda + 7] = NAN;
        for (size_t kk = 0; kk < p.k; kk++) p.a[5 * p.lda + kk] = fabsf(p.a[5 * p.lda + kk]);
        for (size_t kk = 0; kk < p.k; kk++) p.b_nk[3 * (p.k + 2) + kk] = INFINITY;
        for (size_t kk = 0; kk < p.k; kk++) p.b_kn[kk * (p.n + 2) + 3] = INFINITY;
        outbuf o = run_variant(variants[v], &p, v % 2 == 0);
        for (size_t j = 0; j < p.n; j++) CHECK(isnan(o.c[2 * o.ldc + j]));
        CHECK(o.c[5 * o.ldc + 3] == 6.0f);  /* +inf clamped to 6 */
        free(o.c);
        free_problem(&p);
    }
}

/* Splitting over tasks gives the same bits as one call, for any thread count. */
static void test_split_is_bit_identical(void) {
    static const size_t shapes[][3] = {{1, 300, 64},  {100, 70, 90}, {333, 129, 300},
                                       {7, 3, 5},     {49, 1030, 40}, {56, 700, 33}};
    for (int v = 0; v < n_variants; v++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            problem p = make_problem(shapes[s][0], shapes[s][1], shapes[s][2], true, -1.0f, 1.0f);
            const tflc_gemm_f32_config *cfg = variants[v];
            void *packed = xaligned(tflc_gemm_f32_packed_size(cfg, p.n, p.k));
            tflc_gemm_f32_pack_b(cfg, p.n, p.k, p.b_nk, p.k + 2, true, packed);
            outbuf whole = make_out(&p);
            tflc_gemm_f32(p.m, p.n, p.k, p.a, p.lda, packed, p.bias, whole.c, whole.ldc,
                          p.min, p.max);
            for (int threads = 1; threads <= 5; threads++) {
                outbuf part = make_out(&p);
                tflc_gemm_f32_args g = {p.m, p.n, p.k, p.a, p.lda, packed, p.bias, part.c,
                                        part.ldc, p.min, p.max, NULL, NULL};
                tflc_gemm_f32_plan plan;
                int tasks = tflc_gemm_f32_plan_split(&g, threads, &plan);
                CHECK(tasks >= 1 && tasks == plan.m_tasks * plan.n_tasks);
                if (threads == 1) CHECK(tasks == 1);
                CHECK(plan.m_step % cfg->mr == 0 && plan.n_step % cfg->nr == 0);
                /* one row block and two panels a task: split along N alone */
                const size_t panels = (p.n + cfg->nr - 1) / cfg->nr;
                const size_t want = TFLC_TASKS_PER_THREAD * (size_t)threads;
                if (threads > 1 && p.m <= cfg->mc && panels >= 2 * want)
                    CHECK(plan.m_tasks == 1 && tasks > 1);
                for (int t = tasks - 1; t >= 0; t--) tflc_gemm_f32_task(&g, &plan, t);
                CHECK(memcmp(part.c, whole.c, part.rows * part.ldc * sizeof(float)) == 0);
                free(part.c);
            }
            free(whole.c);
            free(packed);
            free_problem(&p);
        }
}

/* ---------------------------------------------------------- weight cache -- */

static int fill_calls;

static void fill_pattern(void *dst, const void *arg) {
    __atomic_add_fetch(&fill_calls, 1, __ATOMIC_SEQ_CST);
    memset(dst, *(const unsigned char *)arg, 100);
}

static alignas(64) uint8_t fake_file[256];

static void test_weight_cache_basics(void) {
    struct tflc_model model;
    memset(&model, 0, sizeof model);
    model.buf = fake_file;
    model.size = sizeof fake_file;
    const unsigned char seven = 7, nine = 9;
    fill_calls = 0;
    CHECK(tflc_weight_cache_owns(&model, fake_file + 10));
    CHECK(!tflc_weight_cache_owns(&model, fake_file + sizeof fake_file));
    CHECK(!tflc_weight_cache_owns(&model, &seven));
    const tflc_model *m = &model;
    const unsigned char *a = tflc_weight_cache_get(m, fake_file + 16, 1, 100, fill_pattern, &seven);
    const unsigned char *b = tflc_weight_cache_get(m, fake_file + 16, 1, 100, fill_pattern, &nine);
    const unsigned char *c = tflc_weight_cache_get(m, fake_file + 16, 2, 100, fill_pattern, &nine);
    const unsigned char *d = tflc_weight_cache_get(m, fake_file + 32, 1, 100, fill_pattern, &nine);
    CHECK(a && a == b && c && c != a && d && d != a && d != c);
    CHECK(fill_calls == 3);
    CHECK(a[0] == 7 && a[99] == 7 && c[50] == 9);
    CHECK(((uintptr_t)a % 64) == 0 && ((uintptr_t)c % 64) == 0);
    size_t bytes = 0;
    CHECK(tflc_weight_cache_count(&model, &bytes) == 3 && bytes == 300);
    tflc_weight_cache_free(model.weight_cache);
    CHECK(tflc_weight_cache_get(NULL, fake_file, 1, 10, fill_pattern, &seven) == NULL);
    CHECK(tflc_weight_cache_count(NULL, NULL) == 0);
    tflc_weight_cache_free(NULL);
}

typedef struct race_arg {
    struct tflc_model *model;
    const void *got[8];
} race_arg;

static pthread_barrier_t race_barrier;

static void *race_worker(void *p) {
    race_arg *r = p;
    static const unsigned char five = 5;
    pthread_barrier_wait(&race_barrier);
    for (int i = 0; i < 8; i++)
        r->got[i] = tflc_weight_cache_get(r->model, fake_file + 8 * i, 1, 100, fill_pattern, &five);
    return NULL;
}

/* Threads racing on a fresh model: one cache, one fill per key, everyone the same block. */
static void test_weight_cache_threads(void) {
    for (int round = 0; round < 20; round++) {
        struct tflc_model model;
        memset(&model, 0, sizeof model);
        model.buf = fake_file;
        model.size = sizeof fake_file;
        fill_calls = 0;
        enum { T = 4 };
        pthread_t th[T];
        race_arg args[T];
        pthread_barrier_init(&race_barrier, NULL, T);
        for (int t = 0; t < T; t++) {
            args[t].model = &model;
            CHECK(pthread_create(&th[t], NULL, race_worker, &args[t]) == 0);
        }
        for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
        pthread_barrier_destroy(&race_barrier);
        CHECK(fill_calls == 8);
        for (int t = 1; t < T; t++)
            for (int i = 0; i < 8; i++) CHECK(args[t].got[i] == args[0].got[i] && args[0].got[i]);
        tflc_weight_cache_free(model.weight_cache);
    }
}

/* Packed GEMM weights through the cache, as CONV_2D uses them. */
typedef struct pack_job {
    const tflc_gemm_f32_config *cfg;
    const problem *p;
} pack_job;

static void fill_packed(void *dst, const void *arg) {
    const pack_job *j = arg;
    tflc_gemm_f32_pack_b(j->cfg, j->p->n, j->p->k, j->p->b_nk, j->p->k + 2, true, dst);
}

static void test_weight_cache_packed_gemm(void) {
    problem p = make_problem(17, 45, 33, true, -INFINITY, INFINITY);
    struct tflc_model model;
    memset(&model, 0, sizeof model);
    model.buf = (const uint8_t *)p.b_nk;
    model.size = p.n * (p.k + 2) * sizeof(float);
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_get();
    pack_job job = {cfg, &p};
    size_t bytes = tflc_gemm_f32_packed_size(cfg, p.n, p.k);
    const void *packed = tflc_weight_cache_get(&model, p.b_nk, TFLC_WCACHE_F32_GEMM_B, bytes,
                                               fill_packed, &job);
    CHECK(packed != NULL);
    outbuf direct = run_variant(cfg, &p, true), cached = make_out(&p);
    tflc_gemm_f32(p.m, p.n, p.k, p.a, p.lda, packed, p.bias, cached.c, cached.ldc, p.min, p.max);
    CHECK(memcmp(direct.c, cached.c, direct.rows * direct.ldc * sizeof(float)) == 0);
    free(direct.c);
    free(cached.c);
    tflc_weight_cache_free(model.weight_cache);
    free_problem(&p);
}

/* Big entries come from slabs (several per slab; an oversized entry alone, on the heap once
 * the huge-page share is used; a later entry back in an older slab's room), small ones from
 * the heap: every block aligned, fully writable, and no two overlapping (each keeps its own
 * fill after all are filled). */
typedef struct sized_fill {
    unsigned char value;
    size_t bytes;
} sized_fill;

static void fill_sized(void *dst, const void *arg) {
    const sized_fill *f = arg;
    memset(dst, f->value, f->bytes);
}

static void test_weight_cache_slabs(void) {
    struct tflc_model model;
    memset(&model, 0, sizeof model);
    model.buf = fake_file;
    model.size = sizeof fake_file;
    enum { E = 7 };
    const size_t sizes[E] = {(64 << 10) - 64, 64 << 10, (1 << 20) + 3, 3 << 20,
                             (33 << 20) + 1, 100, (5 << 20) + 17};
    sized_fill fills[E];
    const unsigned char *got[E];
    size_t total = 0;
    for (int i = 0; i < E; i++) {
        fills[i] = (sized_fill){(unsigned char)(i + 1), sizes[i]};
        got[i] = tflc_weight_cache_get(&model, fake_file + i, 1, sizes[i], fill_sized, &fills[i]);
        CHECK(got[i] && (uintptr_t)got[i] % 64 == 0);
        total += sizes[i];
    }
    for (int i = 0; i < E; i++) {
        if (!got[i]) continue;
        size_t wrong = 0;
        for (size_t b = 0; b < sizes[i]; b++) wrong += got[i][b] != fills[i].value;
        CHECK_MSG(wrong == 0, "entry %d: %zu of %zu bytes overwritten", i, wrong, sizes[i]);
        CHECK(tflc_weight_cache_get(&model, fake_file + i, 1, sizes[i], fill_sized, &fills[0]) ==
              got[i]);
    }
    size_t bytes = 0;
    CHECK(tflc_weight_cache_count(&model, &bytes) == E && bytes == total);
    tflc_weight_cache_free(model.weight_cache);
}

/* tflc_pages: heap below TFLC_PAGES_MAP_MIN, mappings from there, 2 MiB-aligned from a huge
 * page up (whether or not huge pages are asked for: that is only advice); all writable. tflc_pages_prefault keeps
 * the contents, on mapped and heap blocks, for a range anywhere in the block (also one
 * ending in the block's last, partial page). */
static void test_pages(void) {
    const size_t sizes[] = {0, 1, 64, TFLC_PAGES_MAP_MIN - 1, TFLC_PAGES_MAP_MIN,
                            TFLC_PAGES_HUGE - 1, TFLC_PAGES_HUGE, TFLC_PAGES_HUGE + 1,
                            (5 << 20) + 3};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        tflc_pages blk;
        const bool huge = i % 2 == 0;
        CHECK(tflc_pages_alloc(&blk, sizes[i], huge));
        if (!blk.data) continue;
        CHECK((uintptr_t)blk.data % 64 == 0);
        if (sizes[i] >= TFLC_PAGES_MAP_MIN) {
            const size_t page = (size_t)sysconf(_SC_PAGESIZE);
            if (sizes[i] >= TFLC_PAGES_HUGE) CHECK((uintptr_t)blk.data % TFLC_PAGES_HUGE == 0);
            CHECK(blk.mapped >= sizes[i] && blk.mapped < sizes[i] + page && blk.mapped % page == 0);
        } else {
            CHECK(blk.mapped == 0);
        }
        unsigned char *d = blk.data;
        const size_t n = sizes[i], half = n / 2;
        if (n) memset(d, 0x5A, half);   /* the first half written, the second still fresh */
        const bool populated = tflc_pages_prefault(&blk, d + half / 3, n - half / 3);
        CHECK(!tflc_pages_prefault(&blk, d, 0));
        CHECK(blk.mapped || !populated);   /* heap blocks are left alone */
#ifdef __linux__
        /* Under qemu-user (TFLC_EMULATOR, tests/CMakeLists.txt) the advice succeeds and does
         * nothing: residency is only checked natively. */
        if (populated && !getenv("TFLC_EMULATOR")) {   /* every page resident, none written */
            const size_t page = (size_t)sysconf(_SC_PAGESIZE), first = (half / 3) / page, last = (n - 1) / page;
            unsigned char vec[(((5 << 20) + 3) >> 12) + 1];
            CHECK(mincore(d, n, vec) == 0);
            size_t absent = 0;
            for (size_t k = first; k <= last; k++) absent += !(vec[k] & 1);
            CHECK_MSG(absent == 0, "size %zu: %zu pages not resident after the prefault", n, absent);
        }
#endif
        size_t wrong = 0;
        for (size_t b = 0; b < half; b++) wrong += d[b] != 0x5A;
        for (size_t b = half; blk.mapped && b < n; b++) wrong += d[b] != 0;   /* fresh: zeros */
        CHECK_MSG(wrong == 0, "size %zu: %zu bytes changed by the prefault", n, wrong);
        if (n) memset(d, 0xA5, n);
        tflc_pages_free(&blk);
        CHECK(blk.data == NULL && blk.mapped == 0);
        tflc_pages_free(&blk);   /* empty: a no-op */
    }
}

static void run_tests(void) {
    TEST(test_cpu_detection_and_cap);
    TEST(test_config_tables);
    TEST(test_pack_layouts_agree);
    TEST(test_pack_layouts_ragged);
    TEST(test_pack_transpose_stream);
    TEST(test_each_m);
    TEST(test_each_n);
    TEST(test_each_k);
    TEST(test_random_ragged);
    TEST(test_big_shapes);
    TEST(test_packed_a_stride);
    TEST(test_ahead_shares);
    TEST(test_mul_add_bit_exact);
    TEST(test_fma_blocked_order);
    TEST(test_k_slices_under_budget);
    TEST(test_one_row_order);
    TEST(test_in_place_one_row);
    TEST(test_in_place_choice);
    TEST(test_cold_block_ahead);
    TEST(test_k_zero);
    TEST(test_nan_and_inf);
    TEST(test_split_is_bit_identical);
    TEST(test_weight_cache_basics);
    TEST(test_weight_cache_threads);
    TEST(test_weight_cache_packed_gemm);
    TEST(test_weight_cache_slabs);
    TEST(test_pages);
    fprintf(stderr, "%d problems, %d output elements compared across %d variants\n",
            checked_problems, checked_elements, n_variants);
}

TEST_MAIN()
