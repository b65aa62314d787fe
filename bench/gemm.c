/*
 * bench/gemm.c -- GFLOP/s of tflc's packed f32 GEMM (src/kernels/gemm.h) against OpenBLAS's
 * cblas_sgemm on the same machine, single-threaded, for 1024^3 and shapes of CNN layers.
 *
 *     make bench-gemm                       # builds the library, then this, and runs it
 *     build/bench_gemm [-a] [-r REPEATS]    # -a: every ISA variant, not just the chosen one
 *
 * OpenBLAS is a yardstick linked into this program only, never into the library. Run with
 * OPENBLAS_NUM_THREADS=1 (the Makefile does); the core type OpenBLAS picked is printed,
 * because an OPENBLAS_CORETYPE in the environment forces an older kernel.
 *
 * What is timed: tflc_gemm_f32 with B packed beforehand (as at prepare time; the packing is
 * timed separately) and bias + clamp fused; cblas_sgemm(RowMajor, A [M,K], B^T from the
 * [N,K] weights, beta = 0), which packs B inside every call. Each figure is the best of R
 * runs, the two libraries alternating so that both see the same machine noise. The two
 * results are compared (max relative difference) so a miscomputing OpenBLAS shows.
 *
 * "cold GF/s": tflc again with B out of cache, as a network's weights are when each layer
 * runs once per invoke: blocks made by tflc_gemm_f32_weights_block with cold = true (which
 * also turns on the tiles' prefetch of the next panel, gemm.h: tflc_gemm_f32_ahead), each
 * from its own copy of the weights (a one-row block reads them in place), as many as reach
 * COLD_BYTES (64 at most), a different one each call.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernels/gemm.h"

/* From OpenBLAS's cblas.h, declared here so any cblas.h alternative works. */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c,
                 int ldc);
char *openblas_get_corename(void);
char *openblas_get_config(void);
void openblas_set_num_threads(int n);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *random_floats(size_t n, unsigned seed) {
    float *p = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
    if (!p) exit(1);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (float)((seed >> 8) & 0xFFFF) / 32768.0f - 1.0f;
    }
    return p;
}

typedef struct shape {
    const char *what;
    size_t m, n, k;
} shape;

static const shape shapes[] = {
    {"square 1024^3", 1024, 1024, 1024},
    {"conv 1x1 56x56 64->128", 3136, 128, 64},
    {"conv 1x1 28x28 128->256", 784, 256, 128},
    {"conv 1x1 14x14 512->512", 196, 512, 512},
    {"conv 1x1 7x7 1024->1024", 49, 1024, 1024},
    {"conv 3x3 im2col 56x56 64->64", 3136, 64, 576},
    {"conv 3x3 s2 first 112x112 3->32", 12544, 32, 27},
    {"fc 1x1024->1000", 1, 1000, 1024},
};

/* Calls of a product of `flops` that last about 20 ms at 50 GF/s: one timed repeat. */
static int calls_per_repeat(double flops) { return (int)(0.02 * 50e9 / flops) + 1; }

/* Seconds per call: the best of `repeats`, each over enough calls to last ~20 ms. */
typedef struct timing {
    double tflc, blas;
} timing;

static timing time_pair(const shape *s, const void *packed, const float *a, const float *w,
                        const float *bias, float *c1, float *c2, int repeats) {
    double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    int calls = calls_per_repeat(flops);
    timing best = {1e30, 1e30};
    for (int r = 0; r < repeats; r++) {
        double t0 = now();
        for (int i = 0; i < calls; i++)
            tflc_gemm_f32(s->m, s->n, s->k, a, s->k, packed, bias, c1, s->n, -INFINITY, INFINITY);
        double t1 = now();
        for (int i = 0; i < calls; i++)
            cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, (int)s->m, (int)s->n, (int)s->k, 1.0f, a,
                        (int)s->k, w, (int)s->k, 0.0f, c2, (int)s->n);
        double t2 = now();
        if ((t1 - t0) / calls < best.tflc) best.tflc = (t1 - t0) / calls;
        if ((t2 - t1) / calls < best.blas) best.blas = (t2 - t1) / calls;
    }
    return best;
}

/* Copies of B cycled by the cold timing: together at least this much (beyond the L3 this
 * process keeps), where COLD_MAX_COPIES allow. */
#define COLD_BYTES ((size_t)256 << 20)
#define COLD_MAX_COPIES 64

/* Seconds per call of tflc with B cold (see the top): the best of `repeats`, each over
 * enough calls to last ~20 ms, call i on copy i mod copies. */
static double time_cold(const tflc_gemm_f32_config *cfg, const shape *s, const float *a,
                        const float *w, float *c, int repeats, size_t *copies_out) {
    const size_t bytes = (tflc_gemm_f32_weights_size(cfg, s->m, s->n, s->k, true) + 63) / 64 * 64;
    size_t copies = COLD_BYTES / (bytes + s->n * s->k * sizeof(float)) + 1;
    if (copies > COLD_MAX_COPIES) copies = COLD_MAX_COPIES;
    void *blocks[COLD_MAX_COPIES];
    float *weights[COLD_MAX_COPIES];
    for (size_t i = 0; i < copies; i++) {
        blocks[i] = aligned_alloc(64, bytes);
        weights[i] = malloc(s->n * s->k * sizeof(float));
        if (!blocks[i] || !weights[i]) exit(1);
        memcpy(weights[i], w, s->n * s->k * sizeof(float));
        tflc_gemm_f32_weights_block(cfg, s->m, s->n, s->k, true, false, weights[i], blocks[i]);
    }
    const double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    const int calls = calls_per_repeat(flops);
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        const double t0 = now();
        for (int i = 0; i < calls; i++)
            tflc_gemm_f32(s->m, s->n, s->k, a, s->k, blocks[(size_t)(r * calls + i) % copies],
                          NULL, c, s->n, -INFINITY, INFINITY);
        const double t = (now() - t0) / calls;
        if (t < best) best = t;
    }
    for (size_t i = 0; i < copies; i++) {
        free(blocks[i]);
        free(weights[i]);
    }
    *copies_out = copies;
    return best;
}

static double max_rel_diff(const float *x, const float *y, size_t n) {
    double worst = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs((double)y[i]) > scale) scale = fabs((double)y[i]);
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)x[i] - (double)y[i]) / (scale > 0.0 ? scale : 1.0);
        if (d > worst) worst = d;
    }
    return worst;
}

int main(int argc, char **argv) {
    bool all = false;
    int repeats = 7;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-a") == 0) all = true;
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) repeats = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [-a] [-r REPEATS]\n", argv[0]);
            return 2;
        }
    }
    /* OpenBLAS picks its kernels by CPU model when it loads. Debian 12's 0.3.21 predates
     * some CPUs (Emerald Rapids, model 207) and then falls back to "Prescott", SSE3 only:
     * 19.5 GF/s at 1024^3 there, no yardstick. On a CPU with AVX-512, such a pick reruns
     * this program with OPENBLAS_CORETYPE=SkylakeX, OpenBLAS's AVX-512 kernels (once: the
     * variable is then set). */
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    if (!coretype && tflc_cpu_has_isa(TFLC_ISA_AVX512) &&
        strcmp(openblas_get_corename(), "Prescott") == 0) {
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
        execv("/proc/self/exe", argv);
        perror("bench_gemm: execv");
    }
    openblas_set_num_threads(1);
    printf("OpenBLAS: %s (core %s); OPENBLAS_CORETYPE=%s\n", openblas_get_config(),
           openblas_get_corename(), coretype ? coretype : "(unset)");
    const tflc_gemm_f32_config *configs[TFLC_ISA_COUNT];
    int n_configs = 0;
    if (all) {
        for (int isa = TFLC_ISA_COUNT - 1; isa >= 0; isa--)
            if (tflc_gemm_f32_config_for((tflc_isa)isa))
                configs[n_configs++] = tflc_gemm_f32_config_for((tflc_isa)isa);
    } else {
        configs[n_configs++] = tflc_gemm_f32_config_get();
    }
    printf("%-34s %-22s %9s %9s %9s %7s %10s %9s %6s\n", "shape (M x N x K)", "tflc kernel",
           "tflc GF/s", "BLAS GF/s", "ratio", "pack ms", "max rel d", "cold GF/s", "copies");
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const shape *s = &shapes[si];
        float *a = random_floats(s->m * s->k, 1), *w = random_floats(s->n * s->k, 2);
        float *c1 = random_floats(s->m * s->n, 3), *c2 = random_floats(s->m * s->n, 4);
        for (int ci = 0; ci < n_configs; ci++) {
            const tflc_gemm_f32_config *cfg = configs[ci];
            size_t bytes = (tflc_gemm_f32_packed_size(cfg, s->n, s->k) + 63) / 64 * 64;
            void *packed = aligned_alloc(64, bytes);
            if (!packed) return 1;
            double t0 = now();
            tflc_gemm_f32_pack_b(cfg, s->n, s->k, w, s->k, true, packed);
            double pack_s = now() - t0;
            timing t = time_pair(s, packed, a, w, NULL, c1, c2, repeats);
            const double diff = max_rel_diff(c1, c2, s->m * s->n);
            size_t copies = 0;
            const double cold = time_cold(cfg, s, a, w, c1, repeats, &copies);
            double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
            char label[64];
            snprintf(label, sizeof label, "%s %zux%zux%zu", s->what, s->m, s->n, s->k);
            printf("%-34s %-22s %9.1f %9.1f %9.2f %7.2f %10.2e %9.1f %6zu\n", label, cfg->name,
                   flops / t.tflc * 1e-9, flops / t.blas * 1e-9, t.blas / t.tflc, pack_s * 1e3,
                   diff, flops / cold * 1e-9, copies);
            free(packed);
        }
        free(a);
        free(w);
        free(c1);
        free(c2);
    }
    return 0;
}
