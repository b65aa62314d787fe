/*
 * f32_vunary.h -- vectorized float LOGISTIC, TANH and HARD_SWISH over a contiguous array:
 *
 *     const tflc_f32_vunary_config *cfg = tflc_f32_vunary_config_get();
 *     cfg->sigmoid(n, x, y);          // y[i] = 1 / (1 + e^-x[i]); y may be x (in place)
 *     cfg->tanh(n, x, y);
 *     cfg->hard_swish(n, x, y);       // y[i] = (x[i] * (1/6)) * min(max(x[i] + 3, 0), 6)
 *     cfg->softmax(n, x, beta, y);    // one row: y[i] = e^(beta (x[i] - max)) / sum
 *
 * The functions are LiteRT's, operation for operation: its builtin float LOGISTIC and TANH
 * kernels evaluate Eigen's scalar_logistic_op<float> and ptanh_float on packets (SSE/AVX,
 * no FMA in its x86 build), and these do the same float operations in the same order, with
 * separate multiplies and adds. The outputs are therefore LiteRT's bit for bit (checked on
 * 600k points in [-110, 110], [-20, 20], [-1, 1] and on infinities, NaN, signed zeros,
 * denormals and the cut-off points), and every config here gives the same bits:
 *
 *   sigmoid: x capped at 16.6355324 (the first float where the result rounds to 1); below
 *     -104 the result is 0; else e = exp(x/2)^2 with exp(x/2) = 2^m * p(r),
 *     m = floor(x/2 * log2(e) + 1/2), r = x/2 - m*ln2 (Cephes' two-part ln2), p a degree-5
 *     polynomial; result e / (1 + e). Eigen documents at most 4.5 ulp from the true value.
 *   tanh: x clamped to +-7.90738964 (where the approximant reaches exactly +-1), then
 *     x * P(x^2) / Q(x^2), a [9/8] rational minimax approximation.
 *   NaN passes through both (as a NaN: the clamps are written as std::min / std::max).
 *   hard_swish: LiteRT's builtin float HARD_SWISH, (x * (1/6)) * relu6(x + 3): three
 *     correctly rounded operations and two clamps per element, so every config gives the
 *     scalar loop's bits (the clamp of a NaN x + 3 gives 0, and NaN * 0 is NaN).
 *   softmax (one row of n >= 1 floats, beta >= 0): max = the row's maximum; per element
 *     t = (x - max) * beta <= 0 and e = exp(t) by Cephes' expf: m = floor(t log2(e) + 1/2),
 *     r = t - m ln2 (two-part ln2), e = 2^m (r^2 P5(r) + r + 1); e = 0 below t = -87 (where
 *     2^m leaves the normal range: at most 1.2e-38 from the true value), NaN stays NaN.
 *     sum = the e's added in a fixed order: sixteen partial sums (element i into lane
 *     i mod 16), then lanes j + 8, j + 4, j + 2, j + 1 folded onto j; y = e * (1 / sum), the
 *     reciprocal multiply of LiteRT's kernel (Eigen: colwise sum, inverse, product). The
 *     same bits in every config. The exp is within 1 ulp of the true value on every float
 *     t in [-87, 0] (measured exhaustively against exp in double); softmax outputs are
 *     within relative 1e-6 of a double-precision softmax (test_f32_act.c) and 3 ulp of
 *     LiteRT's (Eigen's exp) on the conformance cases.
 *
 * The scalar config is the portable C of these formulas (its file is built without FMA
 * contraction): the reference every SIMD config is tested against
 * (tests/unit/test_f32_elementwise.c).
 */
#ifndef TFLC_KERNELS_F32_VUNARY_H
#define TFLC_KERNELS_F32_VUNARY_H

#include <stddef.h>

#include "kernels/cpu.h"

/* y[i] = f(x[i]) for i < n. x and y are the same array or do not overlap. */
typedef void (*tflc_f32_vunary_fn)(size_t n, const float *x, float *y);

/* One softmax row, n >= 1, beta >= 0 (not NaN). x and y are the same array or do not
 * overlap. */
typedef void (*tflc_f32_softmax_fn)(size_t n, const float *x, float beta, float *y);

typedef struct tflc_f32_vunary_config {
    const char *name;          /* e.g. "f32_vunary_avx512" */
    tflc_isa isa;
    tflc_f32_vunary_fn sigmoid;
    tflc_f32_vunary_fn tanh;
    tflc_f32_vunary_fn hard_swish;
    tflc_f32_softmax_fn softmax;
} tflc_f32_vunary_config;

/* Each ISA's config, from its own translation unit; NULL when built without its flags. */
const tflc_f32_vunary_config *tflc_f32_vunary_config_scalar(void);
const tflc_f32_vunary_config *tflc_f32_vunary_config_avx2(void);
const tflc_f32_vunary_config *tflc_f32_vunary_config_avx512(void);

/* The config for `isa`, or NULL when this build or this CPU lacks it (ignores the TFLC_ISA
 * cap). */
const tflc_f32_vunary_config *tflc_f32_vunary_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_f32_vunary_config *tflc_f32_vunary_config_get(void);

#endif
