/*
 * gemm.c -- the portable part of the packed f32 GEMM (gemm.h): config choice, packing of B
 * and A, the cache-blocked loops around the microkernels, and the task split.
 */
#include "kernels/gemm.h"

#include <pthread.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>   /* x86-64 baseline: no run-time check needed */
#endif

/* The packed-B header: which config, and the problem it was packed for. */
typedef struct packed_header {
    uint32_t magic;
    uint32_t isa;
    uint32_t nr;
    uint32_t reserved;
    uint64_t n, k;
} packed_header;

#define PACKED_MAGIC 0x31424754u   /* "TGB1" */

_Static_assert(sizeof(packed_header) <= TFLC_GEMM_PACKED_HEADER, "header fits");

/* ------------------------------------------------------------------ config -- */

const tflc_gemm_f32_config *tflc_gemm_f32_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_f32_gemm_config_scalar();
    case TFLC_ISA_AVX2: return tflc_f32_gemm_config_avx2();
    case TFLC_ISA_AVX512: return tflc_f32_gemm_config_avx512();
    default: return NULL;
    }
}

static const tflc_gemm_f32_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void choose_config(void) {
    for (int isa = (int)tflc_cpu_isa(); isa >= 0 && !best_config; isa--)
        best_config = tflc_gemm_f32_config_for((tflc_isa)isa);
    if (!best_config) best_config = tflc_f32_gemm_config_scalar();
}

const tflc_gemm_f32_config *tflc_gemm_f32_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}

const tflc_gemm_f32_config *tflc_gemm_f32_packed_config(const void *packed_b) {
    const packed_header *h = packed_b;
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_config_for((tflc_isa)h->isa);
    /* A blob packed on this machine always finds its config; the scalar one is the
     * fallback for a corrupted header (never expected). */
    return cfg && cfg->nr == h->nr ? cfg : tflc_f32_gemm_config_scalar();
}

/* ----------------------------------------------------------------- packing -- */

static size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }
static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

size_t tflc_gemm_f32_packed_size(const tflc_gemm_f32_config *cfg, size_t n, size_t k) {
    return TFLC_GEMM_PACKED_HEADER + div_up(n, cfg->nr) * cfg->nr * k * sizeof(float);
}

void tflc_gemm_f32_pack_b(const tflc_gemm_f32_config *cfg, size_t n, size_t k, const float *b,
                          size_t ldb, bool transposed, void *dst) {
    packed_header h = {PACKED_MAGIC, (uint32_t)cfg->isa, cfg->nr, 0, n, k};
    memset(dst, 0, TFLC_GEMM_PACKED_HEADER);
    memcpy(dst, &h, sizeof h);
    float *out = (float *)((unsigned char *)dst + TFLC_GEMM_PACKED_HEADER);
    const size_t nr = cfg->nr;
    for (size_t n0 = 0; n0 < n; n0 += nr) {
        const size_t cols = min_sz(nr, n - n0);
        float *panel = out + (n0 / nr) * k * nr;
        if (!transposed) {
            for (size_t kk = 0; kk < k; kk++) {
                memcpy(panel + kk * nr, b + kk * ldb + n0, cols * sizeof(float));
                memset(panel + kk * nr + cols, 0, (nr - cols) * sizeof(float));
            }
            continue;
        }
        /* [N, K]: a transpose of the panel's rows into its columns. */
        if (cols < nr) memset(panel, 0, k * nr * sizeof(float));
        tflc_pack_transpose_u32(b + n0 * ldb, ldb * sizeof(float), cols, k, panel, nr);
    }
}

/* One 4-byte word, any alignment. */
static void copy_word(unsigned char *dst, const unsigned char *src) { memcpy(dst, src, 4); }

void tflc_pack_transpose_u32(const void *src, size_t row, size_t cols, size_t kw, void *dst,
                             size_t nr) {
    const unsigned char *s = src;
    unsigned char *d = dst;
    const size_t drow = nr * 4;   /* byte stride of a destination row */
    size_t c4 = 0, k4 = 0;
#if defined(__SSE2__)
    /* 4 x 4 word tiles: four 16-byte loads (4 rows x 4 k), three unpack levels, four
     * 16-byte stores (4 k rows x 4 columns). The tiles sweep a row of the panel before
     * moving along k, so the destination is written front to back (whole cache lines in
     * quick succession) while each of the cols source rows is read as one forward stream:
     * from memory (a model's weights are not cached yet) this is 2x a k-blocked order, and
     * ~5x the word loop on cached data. */
    c4 = cols & ~(size_t)3;
    k4 = kw & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk += 4) {
        const unsigned char *r = s + kk * 4;
        unsigned char *o = d + kk * drow;
        for (size_t j = 0; j < c4; j += 4, r += 4 * row, o += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)r);
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(r + row));
            __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(r + 2 * row));
            __m128i e = _mm_loadu_si128((const __m128i *)(const void *)(r + 3 * row));
            __m128i ab0 = _mm_unpacklo_epi32(a, b), ab1 = _mm_unpackhi_epi32(a, b);
            __m128i ce0 = _mm_unpacklo_epi32(c, e), ce1 = _mm_unpackhi_epi32(c, e);
            _mm_storeu_si128((__m128i *)(void *)o, _mm_unpacklo_epi64(ab0, ce0));
            _mm_storeu_si128((__m128i *)(void *)(o + drow), _mm_unpackhi_epi64(ab0, ce0));
            _mm_storeu_si128((__m128i *)(void *)(o + 2 * drow), _mm_unpacklo_epi64(ab1, ce1));
            _mm_storeu_si128((__m128i *)(void *)(o + 3 * drow), _mm_unpackhi_epi64(ab1, ce1));
        }
    }
#endif
    /* The rest word by word: columns past c4 (every k), then k past k4 (columns < c4). */
    for (size_t kk = 0; kk < kw; kk++)
        for (size_t j = c4; j < cols; j++) copy_word(d + kk * drow + j * 4, s + j * row + kk * 4);
    for (size_t kk = k4; kk < kw; kk++)
        for (size_t j = 0; j < c4; j++) copy_word(d + kk * drow + j * 4, s + j * row + kk * 4);
}

/* Copies rows [0, mc) x columns [0, kc) of a (row stride lda) to dst at row stride
 * a_stride. */
static void pack_a(size_t mc, size_t kc, const float *a, size_t lda, size_t a_stride,
                   float *dst) {
    for (size_t i = 0; i < mc; i++) memcpy(dst + i * a_stride, a + i * lda, kc * sizeof(float));
}

/* -------------------------------------------------------------------- GEMM -- */

static float clamp_f32(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* K == 0: C = clamp(bias). */
static void fill_bias(const tflc_gemm_f32_args *g, size_t m0, size_t m1, size_t n0, size_t n1) {
    for (size_t i = m0; i < m1; i++)
        for (size_t j = n0; j < n1; j++)
            g->c[i * g->ldc + j] = clamp_f32(g->bias ? g->bias[j] : 0.0f, g->min, g->max);
}

void tflc_gemm_f32_range(const tflc_gemm_f32_args *g, size_t m_begin, size_t m_end,
                         size_t n_begin, size_t n_end) {
    tflc_gemm_f32_range_flags(g, m_begin, m_end, n_begin, n_end, 0);
}

/* M == 1: each panel through the config's dot kernel (LiteRT's matrix-vector order). */
static void dot_range(const tflc_gemm_f32_config *cfg, const tflc_gemm_f32_args *g,
                      size_t n_begin, size_t n_end) {
    static const float zeros[TFLC_GEMM_MAX_NR];
    const float *panels =
        (const float *)(const void *)((const unsigned char *)g->packed_b + TFLC_GEMM_PACKED_HEADER);
    const size_t nr = cfg->nr;
    float bias_tail[TFLC_GEMM_MAX_NR];
    for (size_t n0 = n_begin; n0 < n_end; n0 += nr) {
        const size_t nc = min_sz(nr, n_end - n0);
        const float *bias = zeros;
        if (g->bias && nc == nr) {
            bias = g->bias + n0;
        } else if (g->bias) {
            memcpy(bias_tail, g->bias + n0, nc * sizeof(float));
            memset(bias_tail + nc, 0, (nr - nc) * sizeof(float));
            bias = bias_tail;
        }
        cfg->dot(g->k, g->a, panels + (n0 / nr) * g->k * nr, g->c + n0, nc, bias, g->min, g->max);
    }
}

void tflc_gemm_f32_range_flags(const tflc_gemm_f32_args *g, size_t m_begin, size_t m_end,
                               size_t n_begin, size_t n_end, unsigned extra_flags) {
    static const float zeros[TFLC_GEMM_MAX_NR];
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_packed_config(g->packed_b);
    const size_t mr = cfg->mr, nr = cfg->nr, k = g->k;
    if (m_end > g->m) m_end = g->m;
    if (n_end > g->n) n_end = g->n;
    if (m_begin >= m_end || n_begin >= n_end) return;
    if (k == 0) {
        fill_bias(g, m_begin, m_end, n_begin, n_end);
        return;
    }
    if (g->m == 1 && !(extra_flags & TFLC_GEMM_PART)) {
        dot_range(cfg, g, n_begin, n_end);
        return;
    }
    const float *panels =
        (const float *)(const void *)((const unsigned char *)g->packed_b + TFLC_GEMM_PACKED_HEADER);
    const size_t kc_max = cfg->kc, mc_max = cfg->mc, nc_max = cfg->nc;
    _Alignas(64) float apack[TFLC_GEMM_APACK_FLOATS];
    float bias_tail[TFLC_GEMM_MAX_NR];

    for (size_t nb = n_begin; nb < n_end; nb += nc_max) {
        const size_t nb_end = min_sz(n_end, nb + nc_max);
        for (size_t kb = 0; kb < k; kb += kc_max) {
            const size_t kc = min_sz(kc_max, k - kb);
            const unsigned flags = (kb > 0 ? TFLC_GEMM_ACCUMULATE : 0u) |
                                   (kb + kc == k ? TFLC_GEMM_FINAL : 0u) |
                                   (extra_flags & TFLC_GEMM_MUL_ADD);
            for (size_t mb = m_begin; mb < m_end; mb += mc_max) {
                const size_t mc = min_sz(mc_max, m_end - mb);
                pack_a(mc, kc, g->a + mb * g->lda + kb, g->lda, cfg->a_stride, apack);
                for (size_t n0 = nb; n0 < nb_end; n0 += nr) {
                    const size_t nc = min_sz(nr, nb_end - n0);
                    const float *b = panels + (n0 / nr) * k * nr + kb * nr;
                    const float *bias = zeros;
                    if (g->bias && nc == nr) {
                        bias = g->bias + n0;
                    } else if (g->bias) {
                        memcpy(bias_tail, g->bias + n0, nc * sizeof(float));
                        memset(bias_tail + nc, 0, (nr - nc) * sizeof(float));
                        bias = bias_tail;
                    }
                    float *c = g->c + mb * g->ldc + n0;
                    for (size_t i = 0; i < mc; i += mr) {
                        const size_t r = min_sz(mr, mc - i);
                        cfg->ukernel[r](kc, apack + i * cfg->a_stride, b, c + i * g->ldc,
                                        g->ldc, nc, bias, g->min, g->max, flags);
                    }
                }
            }
        }
    }
}

void tflc_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const void *packed_b, const float *bias, float *c, size_t ldc, float min,
                   float max) {
    const tflc_gemm_f32_args g = {m, n, k, a, lda, packed_b, bias, c, ldc, min, max};
    tflc_gemm_f32_range(&g, 0, m, 0, n);
}

/* ----------------------------------------------------------------- threads -- */

int tflc_gemm_f32_plan_split(const tflc_gemm_f32_args *g, int n_threads,
                             tflc_gemm_f32_plan *plan) {
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_packed_config(g->packed_b);
    const size_t mr = cfg->mr, nr = cfg->nr;
    const size_t m_tiles = g->m ? div_up(g->m, mr) : 1, n_tiles = g->n ? div_up(g->n, nr) : 1;
    size_t want = n_threads > 1 ? 4 * (size_t)n_threads : 1;
    /* Along M first: each task then packs only its own rows of A. */
    size_t m_tasks = min_sz(m_tiles, want);
    size_t n_tasks = min_sz(n_tiles, div_up(want, m_tasks));
    plan->m_step = div_up(m_tiles, m_tasks) * mr;
    plan->n_step = div_up(n_tiles, n_tasks) * nr;
    plan->m_tasks = (int)(g->m ? div_up(g->m, plan->m_step) : 1);
    plan->n_tasks = (int)(g->n ? div_up(g->n, plan->n_step) : 1);
    return plan->m_tasks * plan->n_tasks;
}

void tflc_gemm_f32_task(const tflc_gemm_f32_args *g, const tflc_gemm_f32_plan *plan, int task) {
    tflc_gemm_f32_task_flags(g, plan, task, 0);
}

void tflc_gemm_f32_task_flags(const tflc_gemm_f32_args *g, const tflc_gemm_f32_plan *plan,
                              int task, unsigned flags) {
    const size_t mi = (size_t)(task / plan->n_tasks), ni = (size_t)(task % plan->n_tasks);
    tflc_gemm_f32_range_flags(g, mi * plan->m_step, (mi + 1) * plan->m_step, ni * plan->n_step,
                              (ni + 1) * plan->n_step, flags);
}
