/*
 * qs8_gemv.c -- the portable part of the one-row int8 product (qs8_gemv.h): which variant
 * runs, and the column sums of a packed B.
 */
#include "kernels/qs8_gemv.h"

#include <string.h>


void tflc_qs8_gemv_cols(size_t n0, size_t n1, size_t n, size_t k, const int8_t *a,
                        int32_t a_zero_point, const void *packed_b, const int32_t *bias,
                        int32_t *c) {
    if (n1 > n) n1 = n;
    if (n0 >= n1) return;
    const tflc_qgemm_s8_config *cfg = tflc_qgemm_s8_packed_config(packed_b);
    const tflc_qs8_gemv_fn vnni = tflc_qs8_gemv_avx512vnni();
    if (vnni && k > 0 && cfg == tflc_qs8_gemm_config_avx512vnni()) {
        vnni(n0, n1, n, k, a, a_zero_point, packed_b, bias, c);
        return;
    }
    tflc_qgemm_s8_range(1, n, k, a, k, a_zero_point, packed_b, bias, c, n, 0, 1, n0, n1);
}

void tflc_qs8_gemv(size_t n, size_t k, const int8_t *a, int32_t a_zero_point,
                   const void *packed_b, const int32_t *bias, int32_t *c) {
    tflc_qs8_gemv_cols(0, n, n, k, a, a_zero_point, packed_b, bias, c);
}

/* Panels (qgemm.h): int32 colsum[NR], then round4(K) * NR bytes. */
void tflc_qgemm_s8_packed_col_sums(const void *packed_b, size_t n, size_t k, int32_t *colsum) {
    const tflc_qgemm_s8_config *cfg = tflc_qgemm_s8_packed_config(packed_b);
    const size_t nr = cfg->nr, panel = nr * sizeof(int32_t) + ((k + 3) & ~(size_t)3) * nr;
    const unsigned char *p = (const unsigned char *)packed_b + TFLC_QGEMM_PACKED_HEADER;
    for (size_t n0 = 0; n0 < n; n0 += nr) {
        const size_t cols = n - n0 < nr ? n - n0 : nr;
        memcpy(colsum + n0, p + (n0 / nr) * panel, cols * sizeof(int32_t));
    }
}
