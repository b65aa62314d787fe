/*
 * qgemm.h -- packed int8 GEMM with int32 accumulators (for the quantized FULLY_CONNECTED,
 * CONV_2D and BATCH_MATMUL paths; not wired into an operator yet):
 *
 *     C[m][n] = bias[n] + sum over k of (A[m][k] - a_zero_point) * B[k][n]     (int32)
 *
 *   A  [M, K]  int8 activations, row stride lda (bytes)
 *   B  [K, N]  int8 weights (symmetric: TFLite's int8 weights have zero point 0), packed
 *              once from [K, N] or from the [N, K] that FULLY_CONNECTED / CONV_2D store
 *   bias [N]   int32 or NULL
 *   C  [M, N]  int32, row stride ldc (elements): the raw accumulators; the operator then
 *              requantizes per channel (TFLite's MultiplyByQuantizedMultiplier).
 * Arithmetic is modulo 2^32, as TFLite's int32 accumulators (which in practice wrap): the
 * results are exact and identical for every variant. The example:
 *
 *     const tflc_qgemm_s8_config *cfg = tflc_qgemm_s8_config_get();
 *     void *pb = aligned_alloc(64, tflc_qgemm_s8_packed_size(cfg, N, K));
 *     tflc_qgemm_s8_pack_b(cfg, N, K, W, K, true, pb);                // W is [N, K]
 *     tflc_qgemm_s8(M, N, K, A, K, in_zero_point, pb, bias, C, N);
 *
 * Design, as the f32 GEMM (gemm.h), with K in groups of 4 for VNNI's VPDPBUSD, which
 * multiplies 4 unsigned bytes of A by 4 signed bytes of B and adds them to an int32 lane,
 * and for Arm's SDOT, which multiplies 4 signed bytes by 4 signed bytes:
 *   - A is packed per block with a per-config byte offset `a_offset` added (128 for VNNI
 *     and the scalar kernels, which follow its contract: a + 128 = a ^ 0x80 is the unsigned
 *     byte VPDPBUSD needs; 0 for both NEON configs, SDOT and the plain SMULL one, which
 *     multiply signed by signed).
 *     Then sum (a + off) * b = sum a*b + off * colsum(b), so each column starts from
 *     init[n] = bias[n] - (off + a_zero_point) * colsum[n], colsum packed with B.
 *   - Packed B: 64-byte header, then ceil(N / NR) panels of: int32 colsum[NR], then K4 / 4
 *     groups (K4 = K rounded up to 4) of NR x 4 bytes: group g, column j holds
 *     B[4g .. 4g+3][n0 + j] (zero past K and N).
 *   - Packed A rows are K4 bytes long within a slice (zero-padded; B's padding is zero).
 */
#ifndef TFLC_KERNELS_QGEMM_H
#define TFLC_KERNELS_QGEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"

#define TFLC_QGEMM_MAX_MR 16
#define TFLC_QGEMM_MAX_NR 64
#define TFLC_QGEMM_APACK_BYTES 32768   /* packed-A block on the stack */
#define TFLC_QGEMM_PACKED_HEADER 64

/* Rows [0, mc) x bytes [0, kc) of a (row stride lda) + the config's a_offset, at row stride
 * a_stride in dst, each row zero-padded to a multiple of 4 bytes (bytes past that up to the
 * next 64 may be written too: a_stride leaves room). */
typedef void (*tflc_qs8_pack_a_fn)(size_t mc, size_t kc, const int8_t *a, size_t lda,
                                   size_t a_stride, uint8_t offset, uint8_t *dst);

/* One tile of r rows (fixed per function) and nc <= NR columns, kc a multiple of 4:
 *   acc[i][j] = (init ? init[j] : c[i*ldc + j]) + sum over k < kc of a[i*AS + k] * b(k, j)
 * with a[] the packed (offset) bytes, AS the config's a_stride, b(k, j) the slice's group
 * k/4, column j, byte k%4; c[i*ldc + j] = acc for j < nc. init: NR readable int32. */
typedef void (*tflc_qs8_gemm_ukernel_fn)(size_t kc, const uint8_t *a, const int8_t *b,
                                         int32_t *c, size_t ldc, size_t nc,
                                         const int32_t *init);

/* ukernel with K in `taps` runs of kc bytes (kc a multiple of 4), run t's row i at
 * a[t] + i*lda, read in place: a convolution's taps, the bytes already offset by a_offset
 * (the caller's copy adds it). init must be given. */
typedef void (*tflc_qs8_gemm_taps_fn)(size_t taps, size_t kc, const uint8_t *const *a,
                                      size_t lda, const int8_t *b, int32_t *c, size_t ldc,
                                      size_t nc, const int32_t *init);

typedef struct tflc_qgemm_s8_config {
    const char *name;
    tflc_isa isa;
    bool needs_vnni;           /* also needs tflc_cpu_info_get()->avx512vnni */
    uint32_t a_offset;         /* added to every A byte by the packing: 128 or 0 */
    uint32_t mr, nr;
    uint32_t kc, mc, nc;       /* kc a multiple of 4; mc a multiple of mr, nc of nr */
    uint32_t a_stride;         /* bytes between packed-A rows: >= kc; mc * a_stride <=
                                  TFLC_QGEMM_APACK_BYTES */
    tflc_qs8_gemm_ukernel_fn ukernel[TFLC_QGEMM_MAX_MR + 1];   /* [r], r in 1..mr */
    tflc_qs8_pack_a_fn pack_a;     /* NULL: the portable loop (qgemm.c) */
    tflc_qs8_gemm_taps_fn taps[TFLC_QGEMM_MAX_MR + 1];   /* [r], or all NULL: none */
} tflc_qgemm_s8_config;

const tflc_qgemm_s8_config *tflc_qs8_gemm_config_scalar(void);
const tflc_qgemm_s8_config *tflc_qs8_gemm_config_avx512vnni(void);   /* NULL if not built */
const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neondot(void);      /* NULL if not built */
const tflc_qgemm_s8_config *tflc_qs8_gemm_config_neon(void);         /* NULL if not built */

/* The config for `isa` (TFLC_ISA_AVX512: the VNNI one; TFLC_ISA_NEON: the SDOT one where the
 * CPU has DotProd, else the plain AdvSIMD one), or NULL when this build or CPU lacks it; the
 * best for this CPU under the TFLC_ISA cap (never NULL). */
const tflc_qgemm_s8_config *tflc_qgemm_s8_config_for(tflc_isa isa);
const tflc_qgemm_s8_config *tflc_qgemm_s8_config_get(void);

size_t tflc_qgemm_s8_packed_size(const tflc_qgemm_s8_config *cfg, size_t n, size_t k);

/* transposed == false: b is [K, N] (b[k*ldb + n]); true: [N, K] (b[n*ldb + k]). */
void tflc_qgemm_s8_pack_b(const tflc_qgemm_s8_config *cfg, size_t n, size_t k, const int8_t *b,
                          size_t ldb, bool transposed, void *dst);

/* The config packed_b was packed for (its header names it), which tflc_qgemm_s8 runs. */
const tflc_qgemm_s8_config *tflc_qgemm_s8_packed_config(const void *packed_b);

/* True when packed_b was packed for n columns and k rows (a cached block looked up by its
 * size might have been packed for another shape of the same byte count). */
bool tflc_qgemm_s8_packed_is(const void *packed_b, size_t n, size_t k);

/* The whole M x N output; rows [m_begin, m_end) x columns [n_begin, n_end) for a split
 * (n_begin a multiple of the config's nr, n_end a multiple or >= n). ~37 KiB of stack. */
void tflc_qgemm_s8(size_t m, size_t n, size_t k, const int8_t *a, size_t lda,
                   int32_t a_zero_point, const void *packed_b, const int32_t *bias, int32_t *c,
                   size_t ldc);
void tflc_qgemm_s8_range(size_t m, size_t n, size_t k, const int8_t *a, size_t lda,
                         int32_t a_zero_point, const void *packed_b, const int32_t *bias,
                         int32_t *c, size_t ldc, size_t m_begin, size_t m_end, size_t n_begin,
                         size_t n_end);

/* A convolution's product with A read in place, tap by tap (no im2col copy): m rows (a run of
 * output pixels) whose K = taps runs of k / taps bytes, run t of row i at tap_a[t] + i * lda,
 * each byte already plus the packed config's a_offset; columns [n_begin, n_end) (n_begin a
 * multiple of nr) of the int32 C at c (row stride ldc), as tflc_qgemm_s8_range gives them
 * for the same rows copied out. Only for a config with taps kernels
 * (tflc_qgemm_s8_taps_fit) and k / taps a multiple of 4. */
#define TFLC_QGEMM_MAX_TAPS 64
bool tflc_qgemm_s8_taps_fit(const tflc_qgemm_s8_config *cfg, size_t run);
void tflc_qgemm_s8_taps_rows(size_t m, size_t n, size_t k, size_t taps,
                             const uint8_t *const *tap_a, size_t lda, int32_t a_zero_point,
                             const void *packed_b, const int32_t *bias, int32_t *c, size_t ldc,
                             size_t n_begin, size_t n_end);

#endif
