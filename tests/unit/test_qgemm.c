/*
 * test_qgemm.c -- the packed int8 GEMM (src/kernels/qgemm.h): every variant this CPU has
 * (scalar, AVX-512 VNNI, NEON SDOT, plain NEON SMULL: a DotProd CPU runs both NEON ones),
 * forced through its config (a B packed for it runs with it), against a plain int64
 * reference wrapped to int32. Integer arithmetic: the results must be equal bit for bit,
 * including where the int32 accumulator wraps. Ragged M/N/K (K not a multiple of 4
 * included), shapes across the cache blocks, both B layouts, zero points across the int8
 * range, NULL bias.
 * C has padding columns and a guard row that must keep their 0xAB pattern.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/qgemm.h"
#include "test.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

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

static const tflc_qgemm_s8_config *variants[TFLC_ISA_COUNT + 1];
static int n_variants;
static int checked_problems;

/* extreme: every value -128 or 127 (accumulators wrap for large K). */
static bool check_problem(size_t m, size_t n, size_t k, int32_t zp, bool with_bias, bool extreme) {
    const size_t lda = k + 5, ldb_nk = k + 3, ldb_kn = n + 2, ldc = n + 4;
    int8_t *a = xmalloc(m * lda), *b_nk = xmalloc(n * ldb_nk), *b_kn = xmalloc(k * ldb_kn + 1);
    int32_t *bias = with_bias ? xmalloc(n * sizeof(int32_t)) : NULL;
    int32_t *want = xmalloc(m * n * sizeof(int32_t));
    for (size_t i = 0; i < m * lda; i++)
        a[i] = extreme ? (rng_next() & 1 ? 127 : -128) : (int8_t)(rng_next() & 0xFF);
    for (size_t j = 0; j < n; j++)
        for (size_t kk = 0; kk < k; kk++) {
            int8_t v = extreme ? -128 : (int8_t)(rng_next() & 0xFF);
            b_nk[j * ldb_nk + kk] = v;
            b_kn[kk * ldb_kn + j] = v;
        }
    for (size_t j = 0; bias && j < n; j++) bias[j] = (int32_t)(rng_next() >> 1) - (1 << 30);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int64_t s = bias ? bias[j] : 0;
            for (size_t kk = 0; kk < k; kk++)
                s += (int64_t)(a[i * lda + kk] - zp) * b_nk[j * ldb_nk + kk];
            want[i * n + j] = (int32_t)(uint32_t)(uint64_t)s;
        }
    bool ok = true;
    for (int v = 0; ok && v < n_variants; v++)
        for (int t = 0; ok && t < 2; t++) {
            const tflc_qgemm_s8_config *cfg = variants[v];
            void *packed = xaligned(tflc_qgemm_s8_packed_size(cfg, n, k));
            if (t == 0) tflc_qgemm_s8_pack_b(cfg, n, k, b_nk, ldb_nk, true, packed);
            else tflc_qgemm_s8_pack_b(cfg, n, k, b_kn, ldb_kn, false, packed);
            if (tflc_qgemm_s8_packed_config(packed) != cfg) {   /* else another kernel runs */
                CHECK_MSG(false, "a B packed for %s runs with %s", cfg->name,
                          tflc_qgemm_s8_packed_config(packed)->name);
                ok = false;
            }
            int32_t *c = xmalloc((m + 1) * ldc * sizeof(int32_t));
            memset(c, 0xAB, (m + 1) * ldc * sizeof(int32_t));
            tflc_qgemm_s8(m, n, k, a, lda, zp, packed, bias, c, ldc);
            for (size_t i = 0; ok && i <= m; i++)
                for (size_t j = 0; ok && j < ldc; j++) {
                    bool inside = i < m && j < n;
                    int32_t expect = inside ? want[i * n + j] : (int32_t)0xABABABABu;
                    if (c[i * ldc + j] != expect) {
                        CHECK_MSG(false, "%s (%s B) M=%zu N=%zu K=%zu zp=%d at (%zu,%zu): %d, "
                                  "want %d%s", cfg->name, t ? "[K,N]" : "[N,K]", m, n, k,
                                  (int)zp, i, j, (int)c[i * ldc + j], (int)expect,
                                  inside ? "" : " (outside C)");
                        ok = false;
                    }
                }
            free(c);
            free(packed);
        }
    checked_problems++;
    free(a);
    free(b_nk);
    free(b_kn);
    free(bias);
    free(want);
    return ok;
}

static int32_t random_zp(void) { return (int32_t)rng_range(0, 255) - 128; }

static void test_variants(void) {
    const tflc_cpu_info *cpu = tflc_cpu_info_get();
    const tflc_qgemm_s8_config *neon = tflc_qs8_gemm_config_neon();
    n_variants = 0;
    for (int isa = 0; isa <= TFLC_ISA_COUNT; isa++) {
        /* config_for's for each ISA, then the plain NEON one where config_for(NEON) gives
         * the SDOT one instead (a DotProd CPU runs both) */
        const tflc_qgemm_s8_config *cfg =
            isa < TFLC_ISA_COUNT ? tflc_qgemm_s8_config_for((tflc_isa)isa)
            : cpu->neon && tflc_qgemm_s8_config_for(TFLC_ISA_NEON) != neon ? neon : NULL;
        if (!cfg) continue;
        variants[n_variants++] = cfg;
        CHECK(cfg->kc % 4 == 0 && cfg->mc % cfg->mr == 0 && cfg->nc % cfg->nr == 0);
        CHECK(cfg->a_stride >= cfg->kc);
        CHECK((size_t)cfg->mc * cfg->a_stride <= TFLC_QGEMM_APACK_BYTES);
        for (uint32_t r = 1; r <= cfg->mr; r++) CHECK(cfg->ukernel[r] != NULL);
    }
    CHECK(n_variants >= 1 && variants[0]->isa == TFLC_ISA_SCALAR);
    if (cpu->avx512vnni) CHECK(n_variants == 2);
    if (cpu->neon) {   /* scalar, [SDOT,] plain NEON: neither NEON file may be a stub */
        CHECK(neon != NULL);
        CHECK(n_variants == (cpu->neon_dot ? 3 : 2) && variants[n_variants - 1] == neon);
        if (cpu->neon_dot) CHECK(variants[1] == tflc_qs8_gemm_config_neondot());
        CHECK(neon && neon->isa == TFLC_ISA_NEON && neon->a_offset == 0);
    }
    CHECK(tflc_qgemm_s8_config_get() != NULL);
    fprintf(stderr, "variants:");
    for (int v = 0; v < n_variants; v++) fprintf(stderr, " %s", variants[v]->name);
    fprintf(stderr, "\n");
}

/* Both B layouts pack to the same bytes (groups, zero padding, column sums) on ragged
 * shapes, into buffers poisoned first so a byte the packing forgot to write differs. */
static void test_pack_layouts_ragged(void) {
    const size_t ks[] = {1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 261};
    for (int v = 0; v < n_variants; v++) {
        const tflc_qgemm_s8_config *cfg = variants[v];
        const size_t ns[] = {1, 3, 4, 5, cfg->nr - 1, cfg->nr, cfg->nr + 1, cfg->nr * 2 + 3};
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (size_t b = 0; b < sizeof ks / sizeof ks[0]; b++) {
                const size_t n = ns[a], k = ks[b], ldb_nk = k + 3, ldb_kn = n + 1;
                int8_t *b_nk = xmalloc(n * ldb_nk), *b_kn = xmalloc(k * ldb_kn);
                for (size_t j = 0; j < n; j++)
                    for (size_t kk = 0; kk < k; kk++)
                        b_kn[kk * ldb_kn + j] = b_nk[j * ldb_nk + kk] = (int8_t)(rng_next() & 0xFF);
                size_t bytes = tflc_qgemm_s8_packed_size(cfg, n, k);
                unsigned char *x = xaligned(bytes), *y = xaligned(bytes);
                memset(x, 0xCD, bytes);
                memset(y, 0x5A, bytes);
                tflc_qgemm_s8_pack_b(cfg, n, k, b_nk, ldb_nk, true, x);
                tflc_qgemm_s8_pack_b(cfg, n, k, b_kn, ldb_kn, false, y);
                CHECK_MSG(memcmp(x, y, bytes) == 0, "%s n=%zu k=%zu", cfg->name, n, k);
                free(x);
                free(y);
                free(b_nk);
                free(b_kn);
            }
    }
}

static void test_each_m(void) {
    for (size_t m = 1; m <= 70; m++)
        if (!check_problem(m, 37, 19, random_zp(), m % 2, false)) break;
}

static void test_each_n(void) {
    for (size_t n = 1; n <= 70; n++)
        if (!check_problem(13, n, 23, random_zp(), n % 3 != 0, false)) break;
}

static void test_each_k(void) {
    for (size_t k = 1; k <= 70; k++)
        if (!check_problem(15, 33, k, random_zp(), true, false)) break;
}

static void test_random_ragged(void) {
    for (int t = 0; t < 300; t++)
        if (!check_problem(rng_range(1, 70), rng_range(1, 70), rng_range(1, 70), random_zp(),
                           t % 4 != 0, false))
            break;
}

static void test_big_shapes(void) {
    static const size_t shapes[][3] = {
        {100, 130, 1030}, {61, 1100, 70}, {3, 5, 2049}, {1, 1000, 1024}, {200, 64, 577},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        if (!check_problem(shapes[s][0], shapes[s][1], shapes[s][2], random_zp(), true, false))
            break;
}

/* (a - zp) * b up to 255 * 128 per product: K = 70000 overflows int32 several times over. */
static void test_wrapping_accumulators(void) {
    CHECK(check_problem(3, 35, 70000, 127, true, true));
    CHECK(check_problem(2, 3, 70001, -128, false, true));
}

static void test_k_zero(void) { CHECK(check_problem(4, 9, 0, 3, true, false)); }

static void run_tests(void) {
    TEST(test_variants);
    TEST(test_pack_layouts_ragged);
    TEST(test_each_m);
    TEST(test_each_n);
    TEST(test_each_k);
    TEST(test_random_ragged);
    TEST(test_big_shapes);
    TEST(test_wrapping_accumulators);
    TEST(test_k_zero);
    fprintf(stderr, "%d problems, each on %d variants x 2 packings\n", checked_problems,
            n_variants);
}

TEST_MAIN()
