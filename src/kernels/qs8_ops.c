/*
 * qs8_ops.c -- the portable part of the int8 operator kernels (qs8_ops.h): which level's
 * table the operators use, and the GEMM + requantization driver.
 */
#include "kernels/qs8_ops.h"
#include "kernels/qs8_gemv.h"

#include <stdatomic.h>

/* ------------------------------------------------------------------ configs -- */

const tflc_qs8_config *tflc_qs8_config_for(tflc_isa isa) {
    if (!tflc_cpu_has_isa(isa)) return NULL;
    switch (isa) {
    case TFLC_ISA_SCALAR: return tflc_qs8_config_scalar();
    case TFLC_ISA_AVX2: return tflc_qs8_config_avx2();
    case TFLC_ISA_AVX512: return tflc_qs8_config_avx512();
    case TFLC_ISA_NEON: return tflc_qs8_config_neon();
    default: return NULL;
    }
}

static atomic_int forced_level = TFLC_QS8_AUTO;

void tflc_qs8_force_level(int level) {
    if (level < TFLC_QS8_AUTO || level >= (int)TFLC_ISA_COUNT) level = TFLC_QS8_AUTO;
    atomic_store_explicit(&forced_level, level, memory_order_relaxed);
}

const tflc_qs8_config *tflc_qs8_config_get(void) {
    int level = atomic_load_explicit(&forced_level, memory_order_relaxed);
    if (level == TFLC_QS8_REFERENCE) return NULL;
    if (level == TFLC_QS8_AUTO) level = (int)tflc_cpu_isa();
    for (; level > 0; level--) {
        const tflc_qs8_config *cfg = tflc_qs8_config_for((tflc_isa)level);
        if (cfg) return cfg;
    }
    return tflc_qs8_config_scalar();
}

const tflc_qgemm_s8_config *tflc_qs8_config_gemm(const tflc_qs8_config *cfg) {
    for (int level = cfg ? (int)cfg->isa : 0; level > 0; level--) {
        const tflc_qgemm_s8_config *g = tflc_qgemm_s8_config_for((tflc_isa)level);
        if (g) return g;
    }
    return tflc_qs8_gemm_config_scalar();
}

/* ----------------------------------------------------------- gemm + requant -- */

void tflc_qs8_gemm_requant(const tflc_qs8_gemm_rq *g, size_t rows, const int8_t *a, size_t lda,
                           int8_t *out, size_t ldo, size_t n0, size_t n1, int32_t *acc) {
    if (n1 > g->n) n1 = g->n;
    if (rows == 0 || n0 >= n1) return;
    /* One row (a batch-1 FULLY_CONNECTED, a 1x1 convolution of a squeezed pixel): the GEMM's
     * 1-row tile chains every K group into one accumulator pair and waits on each VPDPBUSD;
     * the GEMV keeps four chains in flight. Integer sums: the same accumulators. */
    if (rows == 1)
        tflc_qs8_gemv_cols(n0, n1, g->n, g->k, a, g->a_zero_point, g->packed_b, g->bias, acc);
    else
        tflc_qgemm_s8_range(rows, g->n, g->k, a, lda, g->a_zero_point, g->packed_b, g->bias,
                            acc, g->n, 0, rows, n0, n1);
    if (g->b_zero_point != 0) {   /* modulo 2^32, as the accumulators */
        for (size_t i = 0; i < rows; i++) {
            uint32_t sum = 0;
            for (size_t kk = 0; kk < g->k; kk++) sum += (uint32_t)(int32_t)a[i * lda + kk];
            const uint32_t corr = (uint32_t)g->b_zero_point *
                                  (sum - (uint32_t)g->k * (uint32_t)g->a_zero_point);
            int32_t *row = acc + i * g->n;
            for (size_t j = n0; j < n1; j++) row[j] = (int32_t)((uint32_t)row[j] - corr);
        }
    }
    g->cfg->requant(rows, n1 - n0, acc + n0, g->n, g->rq, n0, out + n0, ldo);
}

size_t tflc_qs8_chunk_rows(const tflc_qgemm_s8_config *gcfg, size_t rows, size_t row_bytes,
                           int threads) {
    const size_t mr = gcfg->mr;
    size_t chunk = (size_t)196608 / (row_bytes ? row_bytes : 1);
    if (chunk > 1024) chunk = 1024;
    if (threads > 1) {            /* several chunks per thread: see tflc_split_plan */
        const size_t parts = (size_t)TFLC_TASKS_PER_THREAD * (size_t)threads;
        size_t per_task = (rows + parts - 1) / parts;
        if (chunk > per_task) chunk = per_task;
    }
    if (chunk > rows) chunk = rows;
    chunk = (chunk + mr - 1) / mr * mr;
    return chunk ? chunk : mr;
}
