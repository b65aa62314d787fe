/*
 * qs8_ops.h -- the kernels behind the int8 operators' fast paths: CONV_2D, FULLY_CONNECTED and
 * BATCH_MATMUL on the packed int8 GEMM (qgemm.h), DEPTHWISE_CONV_2D channel-vectorized.
 *
 *   requantization   int32 accumulators -> int8 outputs: per-channel fixed-point multiplier
 *                    and shift, output zero point, activation clamp, with the rounding of the
 *                    LiteRT kernel the operator reproduces (TFLite's double rounding, or
 *                    the ties-up form of LiteRT's x86 kernels);
 *   gemm + requant   a chunk of rows of requant(A * B + bias), through an int32 buffer;
 *   depthwise        one output row of an int8 depthwise convolution with depth multiplier 1:
 *                    int32 accumulators per channel, requantized in registers.
 *
 *     const tflc_qs8_config *cfg = tflc_qs8_config_get();      // NULL: use the reference loops
 *     const tflc_qgemm_s8_config *gcfg = tflc_qs8_config_gemm(cfg);
 *     tflc_qgemm_s8_pack_b(gcfg, N, K, W, K, true, packed);    // W is [N, K]
 *     tflc_qs8_requant rq = {mult, shift, out_zp, act_lo, act_hi, TFLC_QS8_ROUND_TIES_UP, 0};
 *     tflc_qs8_gemm_rq g = {N, K, packed, bias, in_zp, &rq, cfg, 0};
 *     tflc_qs8_gemm_requant(&g, rows, A, K, out, N, 0, N, acc);   // acc: rows * N int32
 *
 * Threads: the operators split a GEMM into (row chunk, column block) tasks with
 * tflc_qs8_chunk_rows and tflc_split_plan (kernels/cpu.h), each task with its own int32 buffer (and
 * im2col rows) in the node's scratch, and a depthwise convolution into output rows; every
 * kernel here is reentrant and keeps its working data on the stack.
 *
 * One variant per ISA level (scalar, AVX2, AVX-512), each in its own translation unit built
 * with that level's flags (cmake/kernels.cmake), in a table of function pointers as the GEMMs
 * have. The scalar variant is the specification; every variant gives the same bits for every
 * input (integer arithmetic throughout; accumulators wrap modulo 2^32 as TFLite's do).
 *
 * Which variant the operators use: tflc_qs8_config_get(), the best level of this CPU under
 * the TFLC_ISA cap (kernels/cpu.h), unless a test forced a level (tflc_qs8_force_level), or
 * forced TFLC_QS8_REFERENCE, which makes the operators run their portable reference loops
 * (the specification the fast paths are tested against).
 */
#ifndef TFLC_KERNELS_QS8_OPS_H
#define TFLC_KERNELS_QS8_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels/cpu.h"
#include "kernels/qgemm.h"

/* Weight-cache kinds of the int8 paths (core/weight_cache.h lists the kinds; these sit
 * apart from its enum until they are merged there). ISA-dependent: kind | isa << 8. */
#define TFLC_WCACHE_QS8_GEMM_B 0x51u   /* tflc_qgemm_s8_pack_b of an [N, K] weight */

/* ------------------------------------------------------------ requantization -- */

/* How an int32 accumulator x becomes an output, per channel (multiplier m, exponent s):
 *   DOUBLE       TFLite's MultiplyByQuantizedMultiplier (conv_common.h's tflc_conv_mbqm32):
 *                left = clamp(s, 0, 32), right = clamp(-s, 0, 31);
 *                x' = saturate_int32(x * 2^left); h = SaturatingRoundingDoublingHighMul(x', m)
 *                (round(x' * m / 2^31), ties up); r = RoundingDivideByPOT(h, right) (ties away
 *                from zero)
 *   DOUBLE_WRAP  the same with a left shift that wraps in 32 bits, capped at 31 (nn_common.h's
 *                nn_mul_by_qm, BATCH_MATMUL)
 *   SINGLE       ruy's portable form (nn_mul_by_qm_single): t = clamp(31 - s, 1, 62),
 *                r = low 32 bits of (x * m + 2^(t-1)) >> t
 *   TIES_UP      LiteRT's x86 kernels (ruy's AVX2/AVX-512 GEMM, TFLite's AVX2 Quantize;
 *                ops/nn_common.h's nn_mul_by_qm_ties_up): left = clamp(s, 0, 31),
 *                right = clamp(-s, 0, 31); x' = low 32 bits of x * 2^left;
 *                h = floor((x' * m + 2^30) / 2^31); r = floor((h + 2^(right-1)) / 2^right)
 *                exactly (ruy gives 2^(31-right) where h + 2^(right-1) overflows int32,
 *                which is the same); DOUBLE but both roundings ties up
 * then out = clamp(r + out_zero_point, lo, hi) computed without overflow.
 * With double_from > 0, channels >= double_from use DOUBLE whatever `rounding` says: TFLite's
 * x86 Quantize (DEPTHWISE_CONV_2D, TRANSPOSE_CONV) vectorizes the channels in blocks of 8
 * (ties up) and requantizes the last channels % 8 one by one with MultiplyByQuantizedMultiplier
 * (tflc_qs8_set_quantize_rounding). */
typedef enum tflc_qs8_rounding {
    TFLC_QS8_ROUND_DOUBLE = 0,
    TFLC_QS8_ROUND_DOUBLE_WRAP,
    TFLC_QS8_ROUND_SINGLE,
    TFLC_QS8_ROUND_TIES_UP,
} tflc_qs8_rounding;

typedef struct tflc_qs8_requant {
    const int32_t *multiplier;     /* [channels], each in [0, 2^31) (QuantizeMultiplier's) */
    const int32_t *shift;          /* [channels], QuantizeMultiplier's exponent */
    int32_t out_zero_point;        /* in [-128, 127] */
    int32_t lo, hi;                /* activation clamp, -128 <= lo <= hi <= 127 */
    tflc_qs8_rounding rounding;
    size_t double_from;            /* 0, or the first channel that uses DOUBLE */
} tflc_qs8_requant;

/* The rounding of TFLite's x86 Quantize over `channels` channels: TIES_UP with double_from =
 * channels / 8 * 8 (0, none, when channels is a multiple of 8), or DOUBLE for all of fewer
 * than 8 channels. */
static inline void tflc_qs8_set_quantize_rounding(tflc_qs8_requant *rq, size_t channels) {
    rq->rounding = channels < 8 ? TFLC_QS8_ROUND_DOUBLE : TFLC_QS8_ROUND_TIES_UP;
    rq->double_from = channels % 8 == 0 ? 0 : channels / 8 * 8;
}

/* How many of the columns [c0, c0 + n) use rq->rounding (the rest, DOUBLE). */
static inline size_t tflc_qs8_main_cols(const tflc_qs8_requant *rq, size_t c0, size_t n) {
    if (rq->double_from == 0 || c0 + n <= rq->double_from) return n;
    return c0 >= rq->double_from ? 0 : rq->double_from - c0;
}

/* The requant entry point of a SIMD file, by suffix: the file defines an always-inlined
 *   qs8_requant_rows(rows, n, acc, ldacc, rq, c0, out, ldo, tflc_qs8_rounding r)
 * and TFLC_QS8_REQUANT_ENTRY(avx2) writes qs8_requant_avx2, which runs the columns
 * rq->rounding covers, then the rest (from rq->double_from) with DOUBLE, each through a
 * specialization whose rounding is a compile-time constant. */
#define TFLC_QS8_REQUANT_ENTRY(sfx)                                                          \
    static void qs8_requant_cols(size_t rows, size_t n, const int32_t *acc, size_t ldacc,   \
                                 const tflc_qs8_requant *rq, size_t c0, int8_t *out,         \
                                 size_t ldo, tflc_qs8_rounding r) {                          \
        switch (r) {                                                                         \
        case TFLC_QS8_ROUND_SINGLE:                                                          \
            qs8_requant_rows(rows, n, acc, ldacc, rq, c0, out, ldo, TFLC_QS8_ROUND_SINGLE);  \
            break;                                                                           \
        case TFLC_QS8_ROUND_DOUBLE_WRAP:                                                     \
            qs8_requant_rows(rows, n, acc, ldacc, rq, c0, out, ldo,                          \
                             TFLC_QS8_ROUND_DOUBLE_WRAP);                                    \
            break;                                                                           \
        case TFLC_QS8_ROUND_TIES_UP:                                                         \
            qs8_requant_rows(rows, n, acc, ldacc, rq, c0, out, ldo, TFLC_QS8_ROUND_TIES_UP); \
            break;                                                                           \
        default:                                                                             \
            qs8_requant_rows(rows, n, acc, ldacc, rq, c0, out, ldo, TFLC_QS8_ROUND_DOUBLE);  \
            break;                                                                           \
        }                                                                                    \
    }                                                                                        \
    static void qs8_requant_##sfx(size_t rows, size_t n, const int32_t *acc, size_t ldacc,  \
                                  const tflc_qs8_requant *rq, size_t c0, int8_t *out,        \
                                  size_t ldo) {                                              \
        const size_t main = tflc_qs8_main_cols(rq, c0, n);                                  \
        if (main > 0) qs8_requant_cols(rows, main, acc, ldacc, rq, c0, out, ldo, rq->rounding); \
        if (main < n)                                                                        \
            qs8_requant_cols(rows, n - main, acc + main, ldacc, rq, c0 + main, out + main,   \
                             ldo, TFLC_QS8_ROUND_DOUBLE);                                    \
    }

/* out[i*ldo + j] = requant(acc[i*ldacc + j]) with the parameters of channel c0 + j, for
 * i < rows, j < n. */
typedef void (*tflc_qs8_requant_fn)(size_t rows, size_t n, const int32_t *acc, size_t ldacc,
                                    const tflc_qs8_requant *rq, size_t c0, int8_t *out,
                                    size_t ldo);

/* ---------------------------------------------------------------- depthwise -- */

/* One output row (n, oy) of an int8 depthwise convolution with depth multiplier 1:
 *   out[ox][c] = requant(bias[c] + sum over taps inside the input of
 *                        (in[iy0 + ky*dil_y][ox*stride_x - pad_x + kx*dil_x][c] - in_zp) *
 *                        w[ky][kx][c])
 * for ky in [ky0, ky1) (the caller's rows inside the input) and every kx whose column is
 * inside the input; int32 accumulation modulo 2^32. */
typedef struct tflc_qs8_dw_row {
    const int8_t *in;              /* the batch's input image: [in_h][in_w][channels] */
    const int8_t *w;               /* the filter: [kh][kw][channels] */
    const int32_t *bias;           /* [channels] or NULL */
    int8_t *out;                   /* the output row: [out_w][channels] */
    size_t channels;
    int32_t in_w;
    int32_t ky0, ky1;              /* filter rows inside the input */
    int64_t iy0;                   /* input row of filter row 0 (may be negative) */
    int32_t dil_y;
    int32_t kw, out_w, stride_x, pad_x, dil_x;
    int32_t in_zero_point;         /* in [-128, 127] */
    const tflc_qs8_requant *rq;
} tflc_qs8_dw_row;

typedef void (*tflc_qs8_dw_row_fn)(const tflc_qs8_dw_row *r);

/* For tests: whether the AVX-512 depthwise rows may take their VPDPWSSD fast rows where the
 * CPU has AVX512-VNNI (the default), or must run the general rows as on CPUs without it.
 * Same bytes either way. Not for concurrent use with running models. */
void tflc_qs8_dw_allow_vnni(bool allow);

/* Filter taps k in [*k0, *k1) of an axis with 0 <= origin + k * dilation < in (conv_common.h's
 * tflc_conv_taps, for the kernels). */
static inline void tflc_qs8_taps(int64_t origin, int32_t in, int32_t filter, int32_t dilation,
                                 int32_t *k0, int32_t *k1) {
    int64_t d = dilation, lo = 0, hi = filter;
    if (origin < 0) lo = (-origin + d - 1) / d;
    int64_t end = (int64_t)in - origin;
    int64_t last = end <= 0 ? 0 : (end + d - 1) / d;
    if (last < hi) hi = last;
    if (lo > hi) lo = hi;
    *k0 = (int32_t)lo;
    *k1 = (int32_t)hi;
}

/* ------------------------------------------------------------------ configs -- */

typedef struct tflc_qs8_config {
    const char *name;              /* "qs8_avx512" */
    tflc_isa isa;
    tflc_qs8_requant_fn requant;
    tflc_qs8_dw_row_fn dw_row;
} tflc_qs8_config;

/* Each level's table, from its own translation unit; NULL when built without its flags.
 * They do not check the CPU: use tflc_qs8_config_for. */
const tflc_qs8_config *tflc_qs8_config_scalar(void);
const tflc_qs8_config *tflc_qs8_config_avx2(void);
const tflc_qs8_config *tflc_qs8_config_avx512(void);
const tflc_qs8_config *tflc_qs8_config_neon(void);

/* The table of level `isa`, or NULL when this build or CPU lacks it (ignores TFLC_ISA). */
const tflc_qs8_config *tflc_qs8_config_for(tflc_isa isa);

/* Levels for tflc_qs8_force_level besides the tflc_isa values. */
#define TFLC_QS8_AUTO (-2)        /* the default: the best level under TFLC_ISA */
#define TFLC_QS8_REFERENCE (-1)   /* the operators' portable reference loops */

/* For tests: the level the operators use from now on (read when they prepare or evaluate).
 * A level this CPU lacks gives the best one below it. Not for concurrent use with running
 * models. */
void tflc_qs8_force_level(int level);

/* The table the operators use now; NULL when TFLC_QS8_REFERENCE is forced. */
const tflc_qs8_config *tflc_qs8_config_get(void);

/* The int8 GEMM config that goes with a table: the one of its level, or the best below it
 * (there is no AVX2 int8 GEMM: the AVX2 level runs the scalar one). Never NULL. */
const tflc_qgemm_s8_config *tflc_qs8_config_gemm(const tflc_qs8_config *cfg);

/* ----------------------------------------------------------- gemm + requant -- */

typedef struct tflc_qs8_gemm_rq {
    size_t n, k;                   /* output channels, depth */
    const void *packed_b;          /* tflc_qgemm_s8_pack_b of the [N, K] weights */
    const int32_t *bias;           /* [n] or NULL */
    int32_t a_zero_point;
    const tflc_qs8_requant *rq;
    const tflc_qs8_config *cfg;    /* its requantization kernel */
    int32_t b_zero_point;          /* B's zero point (BATCH_MATMUL's rhs may have one), or 0 */
} tflc_qs8_gemm_rq;

/* Rows [0, rows) x columns [n0, n1) of out = requant(bias + sum over k of (A - a_zp) *
 * (B - b_zp)): A's rows at a (stride lda bytes), out's at out (stride ldo). n0 must be a
 * multiple of the packed config's nr. acc: rows * n int32 of the caller's scratch (row
 * stride n). A non-zero b_zp costs one more pass: acc -= b_zp * (rowsum(A) - K * a_zp). */
void tflc_qs8_gemm_requant(const tflc_qs8_gemm_rq *g, size_t rows, const int8_t *a, size_t lda,
                           int8_t *out, size_t ldo, size_t n0, size_t n1, int32_t *acc);

/* Rows per chunk for a GEMM with per-row working set `row_bytes` (its int32 accumulators,
 * its im2col row): about 192 KiB of it, a multiple of mr, at most 1024, and with threads > 1
 * at most rows / (TFLC_TASKS_PER_THREAD * threads) (rounded up to mr). */
size_t tflc_qs8_chunk_rows(const tflc_qgemm_s8_config *gcfg, size_t rows, size_t row_bytes,
                           int threads);

#endif
