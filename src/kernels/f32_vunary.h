/*
 * f32_vunary.h -- vectorized float LOGISTIC, TANH, HARD_SWISH, GELU, swish (LOGISTIC fused
 * with MUL) and a SOFTMAX row over a contiguous array:
 *
 *     const tflc_f32_vunary_config *cfg = tflc_f32_vunary_config_get();
 *     cfg->sigmoid(n, x, y);          // y[i] = 1 / (1 + e^-x[i]); y may be x (in place)
 *     cfg->tanh(n, x, y);
 *     cfg->hard_swish(n, x, y);       // y[i] = (x[i] * (1/6)) * min(max(x[i] + 3, 0), 6)
 *     cfg->softmax(n, x, beta, y);    // one row: y[i] = e^(beta (x[i] - max)) / sum
 *     cfg->gelu(n, x, y);             // (0.5 x) erfc(x * -1/sqrt2), Eigen's erfc
 *     cfg->gelu_tanh(n, x, y);        // (0.5 x) (1 + tanh(k (x + 0.044715 (x x) x)))
 *     cfg->swish(n, x, lo, hi, y);    // y[i] = clamp(x[i] * sigmoid(x[i]), lo, hi)
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
 *   gelu: LiteRT's reference_ops::Gelu evaluates Eigen's array erfc, i.e.
 *     generic_fast_erfc<float> (non-FMA): x clamped to +-11; for x^2 <= 1, 1 + x S(x^2)
 *     (S degree 5); else exp(-x^2) (1 - lo) P(q) / (x Q(q)) + (x < 0 ? 2 : 0), q = 1 / x^2,
 *     lo = x*x - fl(x*x) exactly (Dekker's product), exp = Eigen's pexp_float (m =
 *     floor(t log2(e) + 1/2), two-part ln2, degree-6 polynomial, 0 below -104, 2^m applied
 *     with one rounding). Then (0.5 x) * erfc. -inf gives NaN (-inf * 0), as in LiteRT.
 *     LiteRT's bits on 1.1M points in [-10, 10], 65k in [-20, 20] and the special values.
 *   gelu_tanh: Eigen's expression order, k = (float)(2/sqrt(pi) / sqrt(2)), tanh as above.
 *     LiteRT's bits on the same points.
 *   swish: the graph's fusion of LOGISTIC(x) -> s; MUL(x, s) (core/graph.c): s = sigmoid
 *     above (same bits), then x * s (one rounding; the operand order does not change it)
 *     and the MUL's clamp to its fused activation's [lo, hi] written as f32_vbinary's
 *     (x < lo ? lo : x > hi ? hi : x, NaN passes), so exactly the unfused pair's bits, in
 *     one pass over x with s kept in registers.
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

/* y[i] = clamp(x[i] * sigmoid(x[i]), lo, hi) for i < n (swish above). x and y are the same
 * array or do not overlap. */
typedef void (*tflc_f32_vswish_fn)(size_t n, const float *x, float lo, float hi, float *y);

/* One softmax row, n >= 1, beta >= 0 (not NaN). x and y are the same array or do not
 * overlap. */
typedef void (*tflc_f32_softmax_fn)(size_t n, const float *x, float beta, float *y);

/* Two adjacent softmax rows, x[0, n) and x[n, 2n) into y likewise: the bits of two softmax
 * calls, with the rows' dependency chains (maximum, exponentials, sum) interleaved. x and y
 * are the same array or do not overlap. */
typedef void (*tflc_f32_softmax2_fn)(size_t n, const float *x, float beta, float *y);

typedef struct tflc_f32_vunary_config {
    const char *name;          /* e.g. "f32_vunary_avx512" */
    tflc_isa isa;
    tflc_f32_vunary_fn sigmoid;
    tflc_f32_vunary_fn tanh;
    tflc_f32_vunary_fn hard_swish;
    tflc_f32_softmax_fn softmax;
    tflc_f32_softmax2_fn softmax2;  /* NULL: softmax row by row */
    tflc_f32_vunary_fn gelu;        /* exact (erfc) form */
    tflc_f32_vunary_fn gelu_tanh;   /* approximate (tanh) form */
    tflc_f32_vswish_fn swish;       /* x * sigmoid(x), clamped: a fused LOGISTIC + MUL */
} tflc_f32_vunary_config;

/* Eigen's generic_fast_erfc<float> coefficients (Rminimax fits, as Eigen gives them):
 * erfc(x) = 1 + x S(x^2) for |x| <= 1 (alpha: S, highest degree first); for |x| > 1,
 * exp(-x^2) P(1/x^2) / (x Q(1/x^2)) (gamma: P, delta: Q). */
static const float vunary_erfc_alpha[6] = {
    5.61802298761904239654541015625e-04f, -4.91381669417023658752441406250e-03f,
    2.67075151205062866210937500000e-02f, -1.12800106406211853027343750000e-01f,
    3.76122951507568359375000000000e-01f, -1.12837910652160644531250000000e+00f};
static const float vunary_erfc_gamma[4] = {
    1.0208116471767425537109375e-01f, 4.2920666933059692382812500e-01f,
    3.2379078865051269531250000e-01f, 5.3971976041793823242187500e-02f};
static const float vunary_erfc_delta[5] = {
    1.7251677811145782470703125e-02f, 3.9137163758277893066406250e-01f,
    1.0000000000000000000000000e+00f, 6.2173241376876831054687500e-01f,
    9.5662862062454223632812500e-02f};

/* Each ISA's config, from its own translation unit; NULL when built without its flags. */
const tflc_f32_vunary_config *tflc_f32_vunary_config_scalar(void);
const tflc_f32_vunary_config *tflc_f32_vunary_config_avx2(void);
const tflc_f32_vunary_config *tflc_f32_vunary_config_avx512(void);
const tflc_f32_vunary_config *tflc_f32_vunary_config_neon(void);

/* The config for `isa`, or NULL when this build or this CPU lacks it (ignores the TFLC_ISA
 * cap). */
const tflc_f32_vunary_config *tflc_f32_vunary_config_for(tflc_isa isa);

/* The best config for this CPU under the TFLC_ISA cap, chosen once; never NULL. */
const tflc_f32_vunary_config *tflc_f32_vunary_config_get(void);

#endif
