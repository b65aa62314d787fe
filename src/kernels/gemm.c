/*
 * gemm.c -- the portable part of the packed f32 GEMM (gemm.h): config choice, packing of B
 * and A, the cache-blocked loops around the microkernels, and the task split.
 */
#include "kernels/gemm.h"
#include "kernels/f32_gemm_dot.h"   /* tflc_f32_dot_row_end */

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>   /* x86-64 baseline: no run-time check needed */
#endif

/* The packed-B header: the config it was made for (whose ISA and panel width the panels
 * follow), the shape it was made for, and how B is read. */
typedef struct packed_header {
    const tflc_gemm_f32_config *packer;   /* the config it was made for (in this process):
                                             the product's config without a CPU check */
    uint32_t in_place;         /* 1: no panels follow; B is read at rows (refer_b) */
    uint32_t stream;           /* 1: cold weights (gemm.h, tflc_gemm_f32_weights_block):
                                  one-row products prefetch the panels, others the next
                                  panel (tflc_gemm_f32_ahead) */
    uint64_t n, k;
    const float *rows;         /* in place: B [N, K], row j at rows + j * ldb */
    uint64_t ldb;
} packed_header;

_Static_assert(sizeof(packed_header) <= TFLC_GEMM_PACKED_HEADER, "header fits");

/* ------------------------------------------------------------------ config -- */

const tflc_gemm_f32_config *tflc_gemm_f32_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_f32_gemm_config_scalar();
    case TFLC_ISA_AVX2: return tflc_f32_gemm_config_avx2();
    case TFLC_ISA_AVX512: return tflc_f32_gemm_config_avx512();
    case TFLC_ISA_NEON: return tflc_f32_gemm_config_neon();
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
    return ((const packed_header *)packed_b)->packer;
}

/* ----------------------------------------------------------------- packing -- */

static size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }
static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

size_t tflc_gemm_f32_packed_size(const tflc_gemm_f32_config *cfg, size_t n, size_t k) {
    return TFLC_GEMM_PACKED_HEADER + div_up(n, cfg->nr) * cfg->nr * k * sizeof(float);
}

/* tflc_gemm_f32_pack_b, the transposed case written with streaming stores when `stream`. */
static void pack_b(const tflc_gemm_f32_config *cfg, size_t n, size_t k, const float *b,
                   size_t ldb, bool transposed, bool stream, void *dst) {
    const packed_header h = {cfg, 0, 0, n, k, NULL, 0};
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
        (stream ? tflc_pack_transpose_u32_stream : tflc_pack_transpose_u32)(
            b + n0 * ldb, ldb * sizeof(float), cols, k, panel, nr);
    }
}

void tflc_gemm_f32_pack_b(const tflc_gemm_f32_config *cfg, size_t n, size_t k, const float *b,
                          size_t ldb, bool transposed, void *dst) {
    pack_b(cfg, n, k, b, ldb, transposed, false, dst);
}

static _Atomic size_t in_place_min = TFLC_GEMM_IN_PLACE_FLOATS;

void tflc_gemm_f32_set_in_place_min(size_t floats) {
    atomic_store_explicit(&in_place_min, floats, memory_order_relaxed);
}

/* n * k >= min, without overflow. */
static bool at_least(size_t n, size_t k, size_t min) { return n >= min / k + (min % k != 0); }

bool tflc_gemm_f32_b_in_place(size_t m, size_t n, size_t k, bool cold) {
    const size_t min = atomic_load_explicit(&in_place_min, memory_order_relaxed);
    if (m != 1 || n == 0 || k == 0) return false;
    if (min != TFLC_GEMM_IN_PLACE_FLOATS) return at_least(n, k, min);   /* a test's choice */
    if (at_least(n, k, min) || !at_least(n, k, TFLC_GEMM_IN_PLACE_TINY_FLOATS + 1)) return true;
    return cold && k >= TFLC_GEMM_IN_PLACE_COLD_K &&
           at_least(n, k, TFLC_GEMM_IN_PLACE_COLD_FLOATS);
}

void tflc_gemm_f32_refer_b(const tflc_gemm_f32_config *cfg, size_t n, size_t k, const float *b,
                           size_t ldb, void *dst) {
    const packed_header h = {cfg, 1, 0, n, k, b, ldb};
    memset(dst, 0, TFLC_GEMM_PACKED_HEADER);
    memcpy(dst, &h, sizeof h);
}

size_t tflc_gemm_f32_weights_size(const tflc_gemm_f32_config *cfg, size_t m, size_t n, size_t k,
                                  bool cold) {
    return tflc_gemm_f32_b_in_place(m, n, k, cold) ? TFLC_GEMM_PACKED_HEADER
                                                   : tflc_gemm_f32_packed_size(cfg, n, k);
}

void tflc_gemm_f32_weights_block(const tflc_gemm_f32_config *cfg, size_t m, size_t n, size_t k,
                                 bool cold, bool stream, const float *w, void *dst) {
    if (tflc_gemm_f32_b_in_place(m, n, k, cold)) {
        tflc_gemm_f32_refer_b(cfg, n, k, w, k, dst);
        return;
    }
    pack_b(cfg, n, k, w, k, true, stream, dst);
    ((packed_header *)dst)->stream =   /* a hint: dot_range, tflc_gemm_f32_range */
        cold && (m == 1 || at_least(n, k, TFLC_GEMM_AHEAD_MIN_FLOATS));
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

void tflc_pack_transpose_u32_stream(const void *src, size_t row, size_t cols, size_t kw,
                                    void *dst, size_t nr) {
    if (tflc_cpu_isa() == TFLC_ISA_AVX512)
        tflc_pack_transpose_u32_avx512_stream(src, row, cols, kw, dst, nr);
    else
        tflc_pack_transpose_u32(src, row, cols, kw, dst, nr);
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

/* The packed B panels of g: [ceil(n / nr)][k][nr] floats after the header. */
static const float *packed_panels(const tflc_gemm_f32_args *g) {
    return (const float *)(const void *)((const unsigned char *)g->packed_b + TFLC_GEMM_PACKED_HEADER);
}

/* The nr bias values of the panel at column n0 holding nc columns: g->bias itself for a
 * whole panel, else the nc values zero-padded in `tail` (zeros without a bias). */
static const float *panel_bias(const tflc_gemm_f32_args *g, size_t n0, size_t nc, size_t nr,
                               float *tail) {
    static const float zeros[TFLC_GEMM_MAX_NR];
    if (!g->bias) return zeros;
    if (nc == nr) return g->bias + n0;
    memcpy(tail, g->bias + n0, nc * sizeof(float));
    memset(tail + nc, 0, (nr - nc) * sizeof(float));
    return tail;
}

/* B of at least this many bytes is read from memory by a one-row product: it is read once
 * per product, and the weights of the operators in between have pushed it out of cache. The
 * kernel then prefetches (MobileNet V2 float32's [1,1280] x [1280,1000]: median 408 -> 346
 * us); below it, as in the LSTM's steps whose weights stay in cache, the hints only cost. */
#define DOT_STREAM_BYTES ((size_t)1 << 20)

/* Rows per block of A: the config's mc, or fewer so that mc rows of row_floats floats fit
 * TFLC_GEMM_APACK_FLOATS (a packed block must; read in place, a block of that size stays in
 * L1/L2 while the panels pass over it), a multiple of mr and at least mr. */
static size_t block_rows(const tflc_gemm_f32_config *cfg, size_t row_floats) {
    size_t rows = TFLC_GEMM_APACK_FLOATS / row_floats / cfg->mr * cfg->mr;
    if (rows < cfg->mr) rows = cfg->mr;
    return rows < cfg->mc ? rows : cfg->mc;
}

/* Bytes of B that a K slice may span across the columns of a call (the KC x NC block the
 * row blocks of A sweep again and again), 0 for no limit. Intel's cores with 512-bit FMAs
 * run two per cycle and reach L3 over a mesh: there a block that spills L2 starves the
 * tile. On Emerald Rapids (2 MiB L2), best of 4 runs of bench/gemm.c, K slice 1024 against
 * a block held to half of L2: 1024^3 109 -> 142 GF/s, 49x1024x1024 112 -> 141, while N = 64
 * (a block of 147 KiB at K = 576) keeps 1024. Zen 4 (1 MiB L2, one 512-bit FMA per cycle)
 * measured the other way, K slice 1024 faster on every network (f32_gemm_avx512.c), so AMD
 * gets no limit. */
static _Atomic size_t budget_override = TFLC_GEMM_B_BUDGET_DETECT;

static size_t b_block_budget(void) {
    const size_t forced = atomic_load_explicit(&budget_override, memory_order_relaxed);
    if (forced != TFLC_GEMM_B_BUDGET_DETECT) return forced;
    const tflc_cpu_info *cpu = tflc_cpu_info_get();
    return cpu->amd ? 0 : cpu->l2_bytes / 2;
}

void tflc_gemm_f32_set_b_budget(size_t bytes) {
    atomic_store_explicit(&budget_override, bytes, memory_order_relaxed);
}

/* The K slice for a product of depth k over `cols` columns per call: at most the config's
 * kc, and within b_block_budget; when k needs several, k split into that many slices as
 * even as whole summation blocks allow (K = 576 at a kc of 384: 320 + 256, not 384 + 192),
 * so no slice is a short one that writes C for little work. Multiples of
 * TFLC_GEMM_SUM_BLOCK keep every block of the FMA order in one slice: the split changes no
 * result. */
size_t tflc_gemm_f32_slice_k(const tflc_gemm_f32_config *cfg, size_t k, size_t cols) {
    size_t kc = cfg->kc;
    const size_t budget = b_block_budget(), block_bytes = cols * sizeof(float);
    if (budget && block_bytes && budget / block_bytes < kc) {
        const size_t fit = budget / block_bytes / TFLC_GEMM_SUM_BLOCK * TFLC_GEMM_SUM_BLOCK;
        kc = fit > TFLC_GEMM_SUM_BLOCK ? fit : TFLC_GEMM_SUM_BLOCK;
    }
    if (k <= kc) return kc;
    const size_t slices = div_up(k, kc);
    return div_up(div_up(k, slices), TFLC_GEMM_SUM_BLOCK) * TFLC_GEMM_SUM_BLOCK;
}

/* g's epilogue on rows x cols floats at c (row stride g->ldc), if it has one. */
static void epilogue_at(const tflc_gemm_f32_args *g, float *c, size_t rows, size_t cols) {
    if (g->epilogue && rows && cols) g->epilogue(g->epilogue_ctx, c, g->ldc, rows, cols);
}

/* M == 1: each panel through the config's dot kernel (LiteRT's matrix-vector order). */
static void dot_range(const tflc_gemm_f32_config *cfg, const tflc_gemm_f32_args *g,
                      size_t n_begin, size_t n_end) {
    const float *panels = packed_panels(g);
    const size_t nr = cfg->nr;
    const bool stream = ((const packed_header *)g->packed_b)->stream ||
                        g->k * g->n * sizeof(float) >= DOT_STREAM_BYTES;
    float bias_tail[TFLC_GEMM_MAX_NR];
    for (size_t n0 = n_begin; n0 < n_end; n0 += nr) {
        const size_t nc = min_sz(nr, n_end - n0);
        const float *bias = panel_bias(g, n0, nc, nr, bias_tail);
        cfg->dot(g->k, g->a, panels + (n0 / nr) * g->k * nr, g->c + n0, nc, bias, g->min,
                 g->max, stream);
        epilogue_at(g, g->c + n0, 1, nc);
    }
}

/* ------------------------------------------------ mul_add: Eigen's leftover rows -- */

/* LiteRT's builtin float CONV_2D on x86 runs Eigen's GEMM (gebp, AVX, no FMA) with the
 * output channels as Eigen's rows and the output pixels as its columns, in groups of 4.
 * For C [M, N] (N channels, M pixels), N8 = N & ~7, M4 = M & ~3, the order of the K-long
 * sum of products behind c[i][j] (each product rounded, then added) is:
 *   j < N8 or i >= M4:      in k order (the microkernels: packets of 8 rows, and the
 *                           leftover pixels' loops)
 *   j in [N8, N8 + 4) when N & 4 (half packet): even and odd k below K8 = K & ~7 in two
 *                           sums, e + o, then k = K8 .. K-1 in order
 *   j >= N8 + (N & 4) (the last N % 4 rows, one at a time): four sums over k mod 4 below
 *                           K4 = K & ~3, (s0 + s1) + (s2 + s3), then k = K4 .. K-1 in order
 *   N == 1 (a matrix-vector product): every row as the one-row order (f32_gemm_dot.h)
 * then + bias, clamp. Measured bit-exact against LiteRT 2.3 (ai-edge-litert, x86-64) on 41
 * single convolutions, 1x1 (stride 1 and 2), 3x3 and 5x5, N = 1..28, K = 1..1000, M = 15..1024
 * (conformance/families/conv.py pins four), when M4 counts in the whole product
 * (tflc_gemm_f32_range_in for chunks). Not covered: products with K + N + M < 20 (Eigen
 * then takes a coefficient-wise path). The few columns past N8 are recomputed here from A
 * and packed B after the tiles, in portable C: the same bits at every ISA (the 4-lane
 * column loops vectorize), at the cost of (N - N8) columns computed twice. */

#define TAIL_LANES 4

/* Four columns as one value (GCC / Clang vector extension: SSE on x86-64, plain floats
 * elsewhere); every lane is an IEEE float mul or add, so the bits equal the scalar loop's. */
typedef float tail_v4 __attribute__((vector_size(16)));

static inline tail_v4 tail_load(const float *p) {
    tail_v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* acc + a * b[0..4), the product rounded first (separate statements: no contraction). */
static inline tail_v4 tail_mul_add(tail_v4 acc, float a, const float *b) {
    const tail_v4 p = tail_load(b) * a;
    return acc + p;
}

/* The tail sums are chains of dependent adds; R rows at a time (R a constant after inlining)
 * run R independent chains per column group, which hides the add latency. */
#define TAIL_MAX_ROWS 4
#define TAIL_INLINE static inline __attribute__((always_inline))

/* Columns [N8, N8 + 4) of rows a + r*lda, r < R: b the panel at column N8 (b[kk*nr + j]). */
TAIL_INLINE void tail_half_rows(const size_t R, const float *a, size_t lda, const float *b,
                                size_t nr, size_t k, tail_v4 out[TAIL_MAX_ROWS]) {
    tail_v4 e[TAIL_MAX_ROWS], o[TAIL_MAX_ROWS];
    for (size_t r = 0; r < R; r++) e[r] = o[r] = (tail_v4){0.0f, 0.0f, 0.0f, 0.0f};
    const size_t k8 = k & ~(size_t)7;
    for (size_t kk = 0; kk < k8; kk += 2, b += 2 * nr)
        for (size_t r = 0; r < R; r++) {
            e[r] = tail_mul_add(e[r], a[r * lda + kk], b);
            o[r] = tail_mul_add(o[r], a[r * lda + kk + 1], b + nr);
        }
    for (size_t r = 0; r < R; r++) out[r] = e[r] + o[r];
    for (size_t kk = k8; kk < k; kk++, b += nr)
        for (size_t r = 0; r < R; r++) out[r] = tail_mul_add(out[r], a[r * lda + kk], b);
}

/* The last N % 4 columns of R rows (4 lanes computed; b at the first of them). */
TAIL_INLINE void tail_rows_rows(const size_t R, const float *a, size_t lda, const float *b,
                                size_t nr, size_t k, tail_v4 out[TAIL_MAX_ROWS]) {
    tail_v4 s0[TAIL_MAX_ROWS], s1[TAIL_MAX_ROWS], s2[TAIL_MAX_ROWS], s3[TAIL_MAX_ROWS];
    for (size_t r = 0; r < R; r++) s0[r] = s1[r] = s2[r] = s3[r] = (tail_v4){0.0f, 0.0f, 0.0f, 0.0f};
    const size_t k4 = k & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk += 4, b += 4 * nr)
        for (size_t r = 0; r < R; r++) {
            const float *ar = a + r * lda + kk;
            s0[r] = tail_mul_add(s0[r], ar[0], b);
            s1[r] = tail_mul_add(s1[r], ar[1], b + nr);
            s2[r] = tail_mul_add(s2[r], ar[2], b + 2 * nr);
            s3[r] = tail_mul_add(s3[r], ar[3], b + 3 * nr);
        }
    for (size_t r = 0; r < R; r++) out[r] = (s0[r] + s1[r]) + (s2[r] + s3[r]);
    for (size_t kk = k4; kk < k; kk++, b += nr)
        for (size_t r = 0; r < R; r++) out[r] = tail_mul_add(out[r], a[r * lda + kk], b);
}

/* c[i][j0 + j] = clamp(v[j] + bias) for the lanes j whose column is in [n_begin, n_end). */
static void tail_store(const tflc_gemm_f32_args *g, size_t i, size_t j0, tail_v4 vec,
                       size_t n_begin, size_t n_end) {
    float v[TAIL_LANES];
    memcpy(v, &vec, sizeof v);
    for (size_t j = 0; j < TAIL_LANES; j++) {
        const size_t col = j0 + j;
        if (col < n_begin || col >= n_end) continue;
        const float x = v[j] + (g->bias ? g->bias[col] : 0.0f);
        g->c[i * g->ldc + col] = clamp_f32(x, g->min, g->max);
    }
}

/* Rows [i, i + r) (r = TAIL_MAX_ROWS or 1) of 4 columns from j0 (b the panel there, nr
 * floats per k), stored: the half packet's order (half) or the last N % 4 columns'. */
static void tail_group(const tflc_gemm_f32_args *g, bool half, size_t i, size_t r,
                       const float *b, size_t nr, size_t j0, size_t n_begin, size_t n_end) {
    tail_v4 v[TAIL_MAX_ROWS];
    const float *a = g->a + i * g->lda;
    if (half && r == TAIL_MAX_ROWS) tail_half_rows(TAIL_MAX_ROWS, a, g->lda, b, nr, g->k, v);
    else if (half) tail_half_rows(1, a, g->lda, b, nr, g->k, v);
    else if (r == TAIL_MAX_ROWS) tail_rows_rows(TAIL_MAX_ROWS, a, g->lda, b, nr, g->k, v);
    else tail_rows_rows(1, a, g->lda, b, nr, g->k, v);
    for (size_t q = 0; q < r; q++) tail_store(g, i + q, j0, v[q], n_begin, n_end);
}

/* Rows [m_begin, m_end) of the columns past N8 in Eigen's order (above); N > 1. g's rows are
 * rows [row0, row0 + M) of a product of rows_total: M4 counts in the whole product. */
static void mul_add_eigen_tail(const tflc_gemm_f32_config *cfg, const tflc_gemm_f32_args *g,
                               size_t m_begin, size_t m_end, size_t n_begin, size_t n_end,
                               size_t row0, size_t rows_total) {
    const size_t n8 = g->n & ~(size_t)7, half = g->n & 4, whole4 = rows_total & ~(size_t)3;
    const size_t m4 = whole4 > row0 ? whole4 - row0 : 0, nr = cfg->nr, k = g->k;
    if (n8 == g->n || n_end <= n8 || m_begin >= m4) return;
    if (m_end > m4) m_end = m4;
    /* N8 is a multiple of 8 and nr of 8: columns N8 .. N8 + 7 lie in one packed panel. */
    const float *panel = packed_panels(g) + (n8 / nr) * k * nr + n8 % nr;
    for (size_t i = m_begin; i < m_end;) {
        const size_t r = m_end - i >= TAIL_MAX_ROWS ? TAIL_MAX_ROWS : 1;
        if (half) tail_group(g, true, i, r, panel, nr, n8, n_begin, n_end);
        if (g->n > n8 + half)
            tail_group(g, false, i, r, panel + half, nr, n8 + half, n_begin, n_end);
        i += r;
    }
}

/* N == 1 under mul_add: each row in the one-row order (Eigen's matrix-vector product). */
static void mul_add_one_column(const tflc_gemm_f32_config *cfg, const tflc_gemm_f32_args *g,
                               size_t m_begin, size_t m_end) {
    const float *b = packed_panels(g);
    const size_t nr = cfg->nr, k = g->k, k4 = k & ~(size_t)3;
    for (size_t i = m_begin; i < m_end; i++) {
        const float *a = g->a + i * g->lda;
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        for (size_t kk = 0; kk < k4; kk += 4) {
            const float p0 = a[kk] * b[kk * nr], p1 = a[kk + 1] * b[(kk + 1) * nr];
            const float p2 = a[kk + 2] * b[(kk + 2) * nr], p3 = a[kk + 3] * b[(kk + 3) * nr];
            s0 = s0 + p0;
            s1 = s1 + p1;
            s2 = s2 + p2;
            s3 = s3 + p3;
        }
        float acc = (s0 + s2) + (s1 + s3);
        for (size_t kk = k4; kk < k; kk++) {
            const float p = a[kk] * b[kk * nr];
            acc = acc + p;
        }
        g->c[i * g->ldc] = clamp_f32(acc + (g->bias ? g->bias[0] : 0.0f), g->min, g->max);
    }
}

/* ------------------------------------------------------------- B in place -- */

/* One-row products over B [N, K] as the model stores it (gemm.h, tflc_gemm_f32_refer_b), in
 * f32_gemm_dot.h's order: lane l of a column's 4-lane sum holds the products of k = l, l+4,
 * ... below K4 (a 4-float load of the row and of A), so each lane is that kernel's s[l]
 * and the bits are its bits. IN_PLACE_COLS columns at a time: that many independent chains of
 * dependent adds, and as many forward streams through B for the hardware prefetcher. */
#define IN_PLACE_COLS 8
#define IN_PLACE_AHEAD 256   /* bytes ahead of each row's reads: the AVX-512 kernel's distance */

/* Columns [0, C) of the block at w (row c at w + c * ldb) into out[0, C); C a constant. */
TAIL_INLINE void in_place_cols(const size_t C, size_t k, const float *a, const float *w,
                               size_t ldb, const float *bias, float min, float max, float *out) {
    tail_v4 s[IN_PLACE_COLS];
    for (size_t c = 0; c < C; c++) s[c] = (tail_v4){0.0f, 0.0f, 0.0f, 0.0f};
    const size_t k4 = k & ~(size_t)3;
    for (size_t kk = 0; kk < k4; kk += 4) {
        const tail_v4 av = tail_load(a + kk);
        if (kk % 16 == 0)   /* a line of each row: hints ahead of the streams (cpu.h) */
            for (size_t c = 0; c < C; c++) tflc_prefetch(w + c * ldb + kk, IN_PLACE_AHEAD);
        for (size_t c = 0; c < C; c++) {
            const tail_v4 p = av * tail_load(w + c * ldb + kk);
            s[c] = s[c] + p;
        }
    }
    for (size_t c = 0; c < C; c++)
        out[c] = tflc_f32_dot_row_end((s[c][0] + s[c][2]) + (s[c][1] + s[c][3]), a,
                                      w + c * ldb, k4, k, bias ? bias[c] : 0.0f, min, max);
}

/* The bias of columns from j on, or NULL for none. */
static const float *bias_at(const float *bias, size_t j) { return bias ? bias + j : NULL; }

/* Rows [m_begin, m_end) x columns [n_begin, n_end) of g over the in-place B described by h,
 * each row in the one-row order; then the epilogue. */
static void in_place_range(const tflc_gemm_f32_config *cfg, const tflc_gemm_f32_args *g,
                           const packed_header *h, size_t m_begin, size_t m_end, size_t n_begin,
                           size_t n_end) {
    const float *w = h->rows, *bias = g->bias;
    const size_t ldb = h->ldb;
    for (size_t i = m_begin; i < m_end; i++) {
        const float *a = g->a + i * g->lda;
        float *c = g->c + i * g->ldc;
        size_t j = n_begin;
        const size_t cols = (n_end - j) & ~(size_t)3;
        if (cfg->dot_rows && cols) {   /* whole groups of 4 columns; the rest below */
            cfg->dot_rows(g->k, a, w + j * ldb, ldb, bias_at(bias, j), c + j, cols, g->min,
                          g->max);
            j += cols;
        }
        for (; j + IN_PLACE_COLS <= n_end; j += IN_PLACE_COLS)
            in_place_cols(IN_PLACE_COLS, g->k, a, w + j * ldb, ldb, bias_at(bias, j), g->min,
                          g->max, c + j);
        for (; j < n_end; j++)
            in_place_cols(1, g->k, a, w + j * ldb, ldb, bias_at(bias, j), g->min, g->max, c + j);
    }
    epilogue_at(g, g->c + m_begin * g->ldc + n_begin, m_end - m_begin, n_end - n_begin);
}

bool tflc_gemm_f32_ahead_share(const char *next, size_t bytes, size_t tile, size_t tiles,
                               size_t kc, tflc_gemm_f32_ahead *ahead) {
    if (!next || kc == 0) return false;
    const size_t lines = div_up(bytes, 64);
    const size_t lo = lines * tile / tiles, hi = lines * (tile + 1) / tiles;
    if (hi == lo) return false;
    ahead->at = next + lo * 64;
    ahead->lines = min_sz(hi - lo, kc);   /* one a step at most */
    ahead->every = kc / ahead->lines;
    return true;
}

void tflc_gemm_f32_range_flags(const tflc_gemm_f32_args *g, size_t m_begin, size_t m_end,
                               size_t n_begin, size_t n_end, unsigned extra_flags) {
    tflc_gemm_f32_range_in(g, m_begin, m_end, n_begin, n_end, extra_flags, 0, g->m);
}

void tflc_gemm_f32_range_in(const tflc_gemm_f32_args *g, size_t m_begin, size_t m_end,
                            size_t n_begin, size_t n_end, unsigned extra_flags, size_t row0,
                            size_t rows_total) {
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_packed_config(g->packed_b);
    const size_t mr = cfg->mr, nr = cfg->nr, k = g->k;
    if (m_end > g->m) m_end = g->m;
    if (n_end > g->n) n_end = g->n;
    if (m_begin >= m_end || n_begin >= n_end) return;
    /* Products finished in one piece take the epilogue over the whole range after. */
    float *const c_range = g->c + m_begin * g->ldc + n_begin;
    const size_t range_rows = m_end - m_begin, range_cols = n_end - n_begin;
    if (k == 0) {
        fill_bias(g, m_begin, m_end, n_begin, n_end);
        epilogue_at(g, c_range, range_rows, range_cols);
        return;
    }
    const packed_header *h = g->packed_b;
    if (h->in_place) {
        in_place_range(cfg, g, h, m_begin, m_end, n_begin, n_end);
        return;
    }
    if (g->m == 1 && !(extra_flags & TFLC_GEMM_PART)) {
        dot_range(cfg, g, n_begin, n_end);
        return;
    }
    if ((extra_flags & TFLC_GEMM_MUL_ADD) && g->n == 1) {
        mul_add_one_column(cfg, g, m_begin, m_end);
        epilogue_at(g, c_range, range_rows, range_cols);
        return;
    }
    /* MUL_ADD rewrites the last N % 8 columns after the tiles (Eigen's tail): epilogue then. */
    const bool block_epilogue = !(extra_flags & TFLC_GEMM_MUL_ADD);
    const float *panels = packed_panels(g);
    const size_t nc_max = cfg->nc;
    const size_t kc_max = tflc_gemm_f32_slice_k(cfg, k, min_sz(n_end - n_begin, nc_max));
    /* A in place (the config's direct kernels) unless its rows are a multiple of 4 KiB
     * apart: then the same k of 7 rows falls in one L1 set and the packed copy, whose rows
     * are spread over the sets, is faster (1024^3: 2-4%). Elsewhere skipping the copy wins:
     * best of 300, M=3136 K=256 N=64 966 -> 900 us, M=3136 K=576 N=64 2239 -> 2069 us,
     * M=3136 K=96 N=24 173 -> 151 us, M=12544 K=27 N=32 234 -> 219 us, none slower.
     * Rows that fit one row block of the direct kernels go in place at any stride: the
     * packed copy's blocks are shorter (14 rows at K = 1024), and each block sweeps B again
     * (M=49 K=1024 N=1024, MobileNet V1's last 1x1, best of 200 with B cold: 839 -> 675 us,
     * hot 668 -> 634). */
    const size_t direct_rows = block_rows(cfg, min_sz(k, kc_max) + 16);
    const bool direct = cfg->direct[1] != NULL &&
                        (g->lda % 1024 != 0 || m_end - m_begin <= direct_rows);
    const size_t mc_max = direct ? direct_rows : block_rows(cfg, cfg->a_stride);
    /* Cold B: the first row block of each K slice reads every panel first, and its tiles pull
     * the next panel into L2 meanwhile (below), so each fetch hides behind that block's
     * tiles of one panel. With a long K the blocks are short (14 rows at K = 1024: two
     * tiles, ~5 us for a 128 KiB panel from L3, which that time does not bring), so the
     * first block takes the config's mc rows instead, read in place at any row stride (no
     * packed-A buffer holds them; the later blocks, reading B from L2, keep their size).
     * The same tiles and sums, so the same bits. Cold B (48 copies cycled, 4 MiB of other
     * data read between calls), 600 alternating calls, median ratio: M=128 N=256 K=1024 (a
     * Transformer block's second FULLY_CONNECTED) 0.87, 196x512x512 0.97, 784x128x1152
     * 0.98; 1024^3, 49x1024x1024, 3136x64x576, 128x1024x256 and 196x1024x512 within 1%. */
    const size_t first_rows = h->stream && cfg->direct[1] && mc_max < cfg->mc ? cfg->mc : mc_max;
    _Alignas(64) float apack[TFLC_GEMM_APACK_FLOATS];
    float bias_tail[TFLC_GEMM_MAX_NR];

    for (size_t nb = n_begin; nb < n_end; nb += nc_max) {
        const size_t nb_end = min_sz(n_end, nb + nc_max);
        for (size_t kb = 0; kb < k; kb += kc_max) {
            const size_t kc = min_sz(kc_max, k - kb);
            const unsigned flags = (kb > 0 ? TFLC_GEMM_ACCUMULATE : 0u) |
                                   (kb + kc == k ? TFLC_GEMM_FINAL : 0u) |
                                   (extra_flags & TFLC_GEMM_MUL_ADD);
            size_t mc;
            for (size_t mb = m_begin; mb < m_end; mb += mc) {
                const bool wide = mb == m_begin && first_rows > mc_max;
                mc = min_sz(wide ? first_rows : mc_max, m_end - mb);
                const bool in_place = direct || wide;
                const float *a_blk = g->a + mb * g->lda + kb;
                if (!in_place)
                    (cfg->pack_a ? cfg->pack_a : pack_a)(mc, kc, a_blk, g->lda, cfg->a_stride,
                                                         apack);
                for (size_t n0 = nb; n0 < nb_end; n0 += nr) {
                    const size_t nc = min_sz(nr, nb_end - n0);
                    const float *b = panels + (n0 / nr) * k * nr + kb * nr;
                    const float *bias = panel_bias(g, n0, nc, nr, bias_tail);
                    float *c = g->c + mb * g->ldc + n0;
                    /* Cold B: the first row block reads each panel first, and its tiles
                     * pull the next one (this slice of the next panel, or the next slice of
                     * the block's first) into L2 for the tile after them; a lone tile has
                     * no tile after it to hide the fetch behind. Later row blocks find the
                     * block of B in L2 (slice_k keeps it within the budget). */
                    const char *next = NULL;
                    size_t next_bytes = 0;
                    if (h->stream && mb == m_begin && mc > mr) {
                        if (n0 + nr < nb_end) {
                            next = (const char *)(b + k * nr);
                            next_bytes = kc * nr * sizeof(float);
                        } else if (kb + kc < k) {
                            next = (const char *)(panels + (nb / nr) * k * nr + (kb + kc) * nr);
                            next_bytes = min_sz(kc_max, k - kb - kc) * nr * sizeof(float);
                        }
                    }
                    const size_t tiles = div_up(mc, mr);
                    for (size_t i = 0; i < mc; i += mr) {
                        const size_t r = min_sz(mr, mc - i);
                        tflc_gemm_f32_ahead share;
                        const tflc_gemm_f32_ahead *ahead =
                            next && tflc_gemm_f32_ahead_share(next, next_bytes, i / mr, tiles,
                                                              kc, &share)
                                ? &share : NULL;
                        if (in_place)
                            cfg->direct[r](kc, a_blk + i * g->lda, g->lda, b, c + i * g->ldc,
                                           g->ldc, nc, bias, g->min, g->max, flags, ahead);
                        else
                            cfg->ukernel[r](kc, apack + i * cfg->a_stride, b, c + i * g->ldc,
                                            g->ldc, nc, bias, g->min, g->max, flags, ahead);
                    }
                }
                /* The row block is final across [nb, nb_end): one epilogue call for it, not
                 * one per panel, whose 32-float spans would be mostly call overhead. */
                if (block_epilogue && (flags & TFLC_GEMM_FINAL))
                    epilogue_at(g, g->c + mb * g->ldc + nb, mc, nb_end - nb);
            }
        }
    }
    if (extra_flags & TFLC_GEMM_MUL_ADD) {
        mul_add_eigen_tail(cfg, g, m_begin, m_end, n_begin, n_end, row0, rows_total);
        epilogue_at(g, c_range, range_rows, range_cols);
    }
}

bool tflc_gemm_f32_taps_fit(const tflc_gemm_f32_config *cfg, size_t run, size_t n,
                            bool mul_add) {
    if (cfg->taps[1] == NULL || run == 0) return false;
    if (mul_add) return n > 1 && n % 8 == 0;
    return cfg->sum_block > 0 && run % cfg->sum_block == 0;
}

size_t tflc_gemm_f32_taps_per_slice(const tflc_gemm_f32_args *g, size_t taps, size_t cols) {
    const size_t budget = b_block_budget(), tap_bytes = g->k / taps * cols * sizeof(float);
    if (!budget || !tap_bytes || budget / tap_bytes >= taps) return taps;
    const size_t fit = budget / tap_bytes ? budget / tap_bytes : 1;
    return div_up(taps, div_up(taps, fit));   /* the slices as even as whole taps allow */
}

void tflc_gemm_f32_taps_slice(const tflc_gemm_f32_args *g, size_t m, size_t taps,
                              const float *const *tap_a, size_t lda, float *c, size_t n_begin,
                              size_t n_end, size_t t_begin, size_t t_end, unsigned extra_flags) {
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_packed_config(g->packed_b);
    const size_t mr = cfg->mr, nr = cfg->nr, run = g->k / taps;
    if (n_end > g->n) n_end = g->n;
    const unsigned flags = (t_begin > 0 ? TFLC_GEMM_ACCUMULATE : 0u) |
                           (t_end == taps ? TFLC_GEMM_FINAL : 0u) |
                           (extra_flags & TFLC_GEMM_MUL_ADD);
    const float *panels = packed_panels(g);
    const float *a[TFLC_GEMM_MAX_TAPS];
    float bias_tail[TFLC_GEMM_MAX_NR];
    for (size_t i = 0; i < m; i += mr) {   /* a tile of pixels, then each panel over it */
        const size_t r = min_sz(mr, m - i);
        for (size_t t = t_begin; t < t_end; t++) a[t - t_begin] = tap_a[t] + i * lda;
        for (size_t n0 = n_begin; n0 < n_end; n0 += nr) {
            const size_t nc = min_sz(nr, n_end - n0);
            cfg->taps[r](t_end - t_begin, run, a, lda,
                         panels + (n0 / nr) * g->k * nr + t_begin * run * nr,
                         c + i * g->ldc + n0, g->ldc, nc, panel_bias(g, n0, nc, nr, bias_tail),
                         g->min, g->max, flags);
        }
        if (flags & TFLC_GEMM_FINAL) epilogue_at(g, c + i * g->ldc + n_begin, r, n_end - n_begin);
    }
}

void tflc_gemm_f32(size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const void *packed_b, const float *bias, float *c, size_t ldc, float min,
                   float max) {
    const tflc_gemm_f32_args g = {m, n, k, a, lda, packed_b, bias, c, ldc, min, max, NULL, NULL};
    tflc_gemm_f32_range(&g, 0, m, 0, n);
}

/* ----------------------------------------------------------------- threads -- */

int tflc_gemm_f32_plan_split(const tflc_gemm_f32_args *g, int n_threads,
                             tflc_gemm_f32_plan *plan) {
    const tflc_gemm_f32_config *cfg = tflc_gemm_f32_packed_config(g->packed_b);
    const size_t mr = cfg->mr, nr = cfg->nr;
    const size_t m_tiles = g->m ? div_up(g->m, mr) : 1, n_tiles = g->n ? div_up(g->n, nr) : 1;
    size_t want = n_threads > 1 ? (size_t)TFLC_TASKS_PER_THREAD * (size_t)n_threads : 1;
    /* One row block (M <= mc: a 7x7 image's 49 pixels) and panels enough for two per task:
     * along N alone. Each task then runs all the row tiles over its panels, so a panel read
     * from L3 serves the tiles after its first one, which fetch the next (cold B, gemm.c);
     * split along M, each task was one tile starting every panel cold. Invokes alternating
     * in one process, 2 threads, median ratio: MobileNet V1 float32 0.975-0.979, V2
     * 0.995-0.997, V3 Large 1.006 (p25 0.992), EfficientNet-B0 0.985, ResNet50 0.959. */
    if (n_threads > 1 && g->m <= cfg->mc && n_tiles >= 2 * want) {
        plan->m_step = m_tiles * mr;
        plan->n_step = tflc_balanced_span(n_tiles, 1, n_threads, 1, div_up(n_tiles, want)) * nr;
        plan->m_tasks = 1;
        plan->n_tasks = (int)div_up(g->n, plan->n_step);
        return plan->n_tasks;
    }
    /* Otherwise along M first: each task then packs only its own rows of A. Spans evened out
     * over the threads (tflc_balanced_span). */
    size_t m_tasks = min_sz(m_tiles, want);
    size_t n_tasks = min_sz(n_tiles, div_up(want, m_tasks));
    const size_t m_span = tflc_balanced_span(m_tiles, 1, n_threads, 1, div_up(m_tiles, m_tasks));
    m_tasks = div_up(m_tiles, m_span);
    plan->m_step = m_span * mr;
    plan->n_step = (n_tasks > 1 ? tflc_balanced_span(n_tiles, m_tasks, n_threads, 1, div_up(n_tiles, n_tasks))
                                : n_tiles) * nr;
    plan->m_tasks = (int)(g->m ? div_up(g->m, plan->m_step) : 1);
    plan->n_tasks = (int)(g->n ? div_up(g->n, plan->n_step) : 1);
    return plan->m_tasks * plan->n_tasks;
}

void tflc_gemm_f32_plan_one(const tflc_gemm_f32_args *g, tflc_gemm_f32_plan *plan) {
    plan->m_step = g->m ? g->m : 1;
    plan->n_step = g->n ? g->n : 1;
    plan->m_tasks = plan->n_tasks = 1;
}

void tflc_gemm_f32_task(const tflc_gemm_f32_args *g, const tflc_gemm_f32_plan *plan, int task) {
    tflc_gemm_f32_task_flags(g, plan, task, 0);
}

void tflc_gemm_f32_task_flags(const tflc_gemm_f32_args *g, const tflc_gemm_f32_plan *plan,
                              int task, unsigned flags) {
    /* Column-major (all row blocks of a column block, then the next): see gemm.h. */
    const size_t mi = (size_t)(task % plan->m_tasks), ni = (size_t)(task / plan->m_tasks);
    tflc_gemm_f32_range_flags(g, mi * plan->m_step, (mi + 1) * plan->m_step, ni * plan->n_step,
                              (ni + 1) * plan->n_step, flags);
}
