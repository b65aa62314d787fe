/*
 * qgemm.c -- the portable part of the packed int8 GEMM (qgemm.h): config choice, packing of
 * B (with column sums) and A (with the config's byte offset), and the blocked loops.
 */
#include "kernels/qgemm.h"

#include "kernels/gemm.h"   /* tflc_pack_transpose_u32 */

#include <pthread.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct qpacked_header {
    uint32_t magic;
    uint32_t isa;
    uint32_t nr;
    uint32_t reserved;
    uint64_t n, k;
    const tflc_qgemm_s8_config *packer;   /* the config that packed it (in this process) */
} qpacked_header;

#define QPACKED_MAGIC 0x31385351u   /* "QS81" */

_Static_assert(sizeof(qpacked_header) <= TFLC_QGEMM_PACKED_HEADER, "header fits");

/* ------------------------------------------------------------------ config -- */

const tflc_qgemm_s8_config *tflc_qgemm_s8_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_qs8_gemm_config_scalar();
    case TFLC_ISA_AVX512:
        return tflc_cpu_info_get()->avx512vnni ? tflc_qs8_gemm_config_avx512vnni() : NULL;
    case TFLC_ISA_NEON:   /* SDOT where the CPU has DotProd, else SMULL (Cortex-A53, A72) */
        return tflc_cpu_info_get()->neon_dot ? tflc_qs8_gemm_config_neondot()
                                             : tflc_qs8_gemm_config_neon();
    default: return NULL;
    }
}

static const tflc_qgemm_s8_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

static void choose_config(void) {
    for (int isa = (int)tflc_cpu_isa(); isa >= 0 && !best_config; isa--)
        best_config = tflc_qgemm_s8_config_for((tflc_isa)isa);
    if (!best_config) best_config = tflc_qs8_gemm_config_scalar();
}

const tflc_qgemm_s8_config *tflc_qgemm_s8_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}

/* The config that packed B (the header points to it; two NEON configs share an ISA and nr)
 * when this CPU runs it: config_for's for the header's ISA, or on NEON also the plain one,
 * which a DotProd CPU runs too (a caller, the tests, may pack for it explicitly). Otherwise
 * the scalar one (every config's B layout is the same for one nr; the a_offset correction is
 * made at run time from the config that runs). */
const tflc_qgemm_s8_config *tflc_qgemm_s8_packed_config(const void *packed_b) {
    const qpacked_header *h = packed_b;
    const tflc_qgemm_s8_config *cand[2] = {tflc_qgemm_s8_config_for((tflc_isa)h->isa), NULL};
    if (h->isa == TFLC_ISA_NEON && cand[0]) cand[1] = tflc_qs8_gemm_config_neon();
    for (size_t i = 0; i < 2; i++)
        if (cand[i] && cand[i] == h->packer) return cand[i];
    return tflc_qs8_gemm_config_scalar();
}

bool tflc_qgemm_s8_packed_is(const void *packed_b, size_t n, size_t k) {
    const qpacked_header *h = packed_b;
    return h->magic == QPACKED_MAGIC && h->n == n && h->k == k;
}

/* ----------------------------------------------------------------- packing -- */

static size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }
static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t round4(size_t k) { return (k + 3) & ~(size_t)3; }

static size_t panel_bytes(size_t nr, size_t k) { return nr * sizeof(int32_t) + round4(k) * nr; }

size_t tflc_qgemm_s8_packed_size(const tflc_qgemm_s8_config *cfg, size_t n, size_t k) {
    return TFLC_QGEMM_PACKED_HEADER + div_up(n, cfg->nr) * panel_bytes(cfg->nr, k);
}

/* The sum of src[0 .. k) modulo 2^32 (as the accumulators). SSE2: 16 bytes per step, each
 * biased to unsigned (x ^ 0x80 = x + 128) and summed by PSADBW against zero, then 128 per
 * byte taken off; the byte loop this replaces was most of packing's own time (a model's
 * weights are summed once, at prepare, but every start-up pays it). */
static uint32_t row_sum_s8(const int8_t *src, size_t k) {
    uint32_t sum = 0;
    size_t kk = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128(), bias = _mm_set1_epi8((char)0x80);
    __m128i acc = zero;
    for (; kk + 16 <= k; kk += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + kk));
        acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_xor_si128(v, bias), zero));
    }
    const uint64_t biased = (uint64_t)_mm_cvtsi128_si64(acc) +
                            (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc));
    sum = (uint32_t)(biased - 128u * (uint64_t)kk);
#endif
    for (; kk < k; kk++) sum += (uint32_t)(int32_t)src[kk];
    return sum;
}

void tflc_qgemm_s8_pack_b(const tflc_qgemm_s8_config *cfg, size_t n, size_t k, const int8_t *b,
                          size_t ldb, bool transposed, void *dst) {
    const qpacked_header h = {QPACKED_MAGIC, (uint32_t)cfg->isa, cfg->nr, 0, n, k, cfg};
    memset(dst, 0, TFLC_QGEMM_PACKED_HEADER);
    memcpy(dst, &h, sizeof h);
    const size_t nr = cfg->nr, pb = panel_bytes(nr, k);
    unsigned char *out = (unsigned char *)dst + TFLC_QGEMM_PACKED_HEADER;
    for (size_t n0 = 0; n0 < n; n0 += nr) {
        unsigned char *panel = out + (n0 / nr) * pb;
        uint32_t sums[TFLC_QGEMM_MAX_NR] = {0};   /* modulo 2^32, as the accumulators */
        int8_t *groups = (int8_t *)(panel + nr * sizeof(int32_t));
        const size_t cols = min_sz(nr, n - n0), k4 = k & ~(size_t)3;
        /* Only bytes no source byte lands on need zeros: all but the transposed full case. */
        if (!transposed || cols < nr || k4 < k) memset(groups, 0, round4(k) * nr);
        if (transposed) {   /* column j's 4-byte groups are the words of its source row */
            tflc_pack_transpose_u32(b + n0 * ldb, ldb, cols, k4 / 4, groups, nr);
            for (size_t j = 0; j < cols; j++) {
                const int8_t *src = b + (n0 + j) * ldb;
                for (size_t kk = k4; kk < k; kk++) groups[(kk / 4) * nr * 4 + j * 4 + kk % 4] = src[kk];
                sums[j] = row_sum_s8(src, k);
            }
        } else {            /* row kk's columns are contiguous */
            for (size_t kk = 0; kk < k; kk++) {
                const int8_t *src = b + kk * ldb + n0;
                int8_t *g = groups + (kk / 4) * nr * 4 + kk % 4;
                for (size_t j = 0; j < cols; j++) {
                    g[j * 4] = src[j];
                    sums[j] += (uint32_t)(int32_t)src[j];
                }
            }
        }
        memcpy(panel, sums, nr * sizeof(int32_t));
    }
}

/* Rows [0, mc) x bytes [0, kc) of a, plus the config's offset, at row stride a_stride;
 * each row zero-padded to a multiple of 4 bytes. */
static void pack_a(size_t mc, size_t kc, const int8_t *a, size_t lda, size_t a_stride,
                   uint8_t offset, uint8_t *dst) {
    const size_t k4 = round4(kc);
    for (size_t i = 0; i < mc; i++) {
        const int8_t *src = a + i * lda;
        uint8_t *row = dst + i * a_stride;
        for (size_t kk = 0; kk < kc; kk++) row[kk] = (uint8_t)((uint8_t)src[kk] + offset);
        for (size_t kk = kc; kk < k4; kk++) row[kk] = 0;
    }
}

/* ------------------------------------------------------------------- GEMM -- */

/* Columns of one B block whose starting values are computed once per block (not per row
 * block): every config's nc is at most this; a larger one computes them per panel. */
#define QGEMM_INIT_COLS 1024

/* init[j] = bias[n0 + j] - corr * colsum[j] for the nr columns of the panel at n0 (columns
 * past n: 0 - corr * 0). */
static void panel_init(const unsigned char *panel, size_t nr, size_t nc, const int32_t *bias,
                       size_t n0, uint32_t corr, int32_t *init) {
    int32_t sums[TFLC_QGEMM_MAX_NR];
    memcpy(sums, panel, nr * sizeof(int32_t));
    for (size_t j = 0; j < nr; j++) {
        uint32_t v = j < nc && bias ? (uint32_t)bias[n0 + j] : 0u;
        init[j] = (int32_t)(v - corr * (uint32_t)sums[j]);
    }
}

void tflc_qgemm_s8_range(size_t m, size_t n, size_t k, const int8_t *a, size_t lda,
                         int32_t a_zero_point, const void *packed_b, const int32_t *bias,
                         int32_t *c, size_t ldc, size_t m_begin, size_t m_end, size_t n_begin,
                         size_t n_end) {
    const tflc_qgemm_s8_config *cfg = tflc_qgemm_s8_packed_config(packed_b);
    const size_t mr = cfg->mr, nr = cfg->nr, pb = panel_bytes(nr, k);
    if (m_end > m) m_end = m;
    if (n_end > n) n_end = n;
    if (m_begin >= m_end || n_begin >= n_end) return;
    const unsigned char *panels = (const unsigned char *)packed_b + TFLC_QGEMM_PACKED_HEADER;
    const uint32_t corr = cfg->a_offset + (uint32_t)a_zero_point;   /* modulo 2^32 */
    _Alignas(64) uint8_t apack[TFLC_QGEMM_APACK_BYTES];
    int32_t init[QGEMM_INIT_COLS + TFLC_QGEMM_MAX_NR];
    const bool hoist = cfg->nc <= QGEMM_INIT_COLS;
    if (k == 0) {   /* C = bias */
        for (size_t i = m_begin; i < m_end; i++)
            for (size_t j = n_begin; j < n_end; j++) c[i * ldc + j] = bias ? bias[j] : 0;
        return;
    }
    for (size_t nb = n_begin; nb < n_end; nb += cfg->nc) {
        const size_t nb_end = min_sz(n_end, nb + cfg->nc);
        if (hoist)   /* the block's starting values, for the first K slice */
            for (size_t n0 = nb; n0 < nb_end; n0 += nr)
                panel_init(panels + (n0 / nr) * pb, nr, min_sz(nr, nb_end - n0), bias, n0, corr,
                           init + (n0 - nb));
        for (size_t kb = 0; kb < k; kb += cfg->kc) {
            const size_t kc = min_sz(cfg->kc, k - kb), kc4 = round4(kc);
            for (size_t mb = m_begin; mb < m_end; mb += cfg->mc) {
                const size_t mc = min_sz(cfg->mc, m_end - mb);
                (cfg->pack_a ? cfg->pack_a : pack_a)(mc, kc, a + mb * lda + kb, lda,
                                                     cfg->a_stride, (uint8_t)cfg->a_offset,
                                                     apack);
                for (size_t n0 = nb; n0 < nb_end; n0 += nr) {
                    const size_t nc = min_sz(nr, nb_end - n0);
                    const unsigned char *panel = panels + (n0 / nr) * pb;
                    const int8_t *b = (const int8_t *)(panel + nr * sizeof(int32_t)) + kb * nr;
                    const int32_t *start = NULL;
                    if (kb == 0 && hoist) {
                        start = init + (n0 - nb);
                    } else if (kb == 0) {
                        panel_init(panel, nr, nc, bias, n0, corr, init);
                        start = init;
                    }
                    int32_t *cc = c + mb * ldc + n0;
                    for (size_t i = 0; i < mc; i += mr) {
                        const size_t r = min_sz(mr, mc - i);
                        cfg->ukernel[r](kc4, apack + i * cfg->a_stride, b, cc + i * ldc, ldc, nc,
                                        start);
                    }
                }
            }
        }
    }
}

bool tflc_qgemm_s8_taps_fit(const tflc_qgemm_s8_config *cfg, size_t run) {
    return cfg->taps[1] != NULL && run > 0 && run % 4 == 0;
}

void tflc_qgemm_s8_taps_rows(size_t m, size_t n, size_t k, size_t taps,
                             const uint8_t *const *tap_a, size_t lda, int32_t a_zero_point,
                             const void *packed_b, const int32_t *bias, int32_t *c, size_t ldc,
                             size_t n_begin, size_t n_end) {
    const tflc_qgemm_s8_config *cfg = tflc_qgemm_s8_packed_config(packed_b);
    const size_t mr = cfg->mr, nr = cfg->nr, pb = panel_bytes(nr, k);
    if (n_end > n) n_end = n;
    const unsigned char *panels = (const unsigned char *)packed_b + TFLC_QGEMM_PACKED_HEADER;
    const uint32_t corr = cfg->a_offset + (uint32_t)a_zero_point;   /* modulo 2^32 */
    const uint8_t *a[TFLC_QGEMM_MAX_TAPS];
    int32_t init[TFLC_QGEMM_MAX_NR];
    for (size_t n0 = n_begin; n0 < n_end; n0 += nr) {   /* a panel, then each tile under it */
        const size_t nc = min_sz(nr, n_end - n0);
        const unsigned char *panel = panels + (n0 / nr) * pb;
        panel_init(panel, nr, nc, bias, n0, corr, init);
        for (size_t i = 0; i < m; i += mr) {
            for (size_t t = 0; t < taps; t++) a[t] = tap_a[t] + i * lda;
            cfg->taps[min_sz(mr, m - i)](taps, k / taps, a, lda,
                                         (const int8_t *)(panel + nr * sizeof(int32_t)),
                                         c + i * ldc + n0, ldc, nc, init);
        }
    }
}

void tflc_qgemm_s8(size_t m, size_t n, size_t k, const int8_t *a, size_t lda,
                   int32_t a_zero_point, const void *packed_b, const int32_t *bias, int32_t *c,
                   size_t ldc) {
    tflc_qgemm_s8_range(m, n, k, a, lda, a_zero_point, packed_b, bias, c, ldc, 0, m, 0, n);
}
