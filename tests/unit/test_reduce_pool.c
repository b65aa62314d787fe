/*
 * test_reduce_pool.c -- the block-walking reductions (ops/reduce.c) and the channel-row pools
 * (ops/pooling.c) against references written out again here, over seeded random ragged shapes.
 *
 * Reductions. ref_reduce is the definition the kernels had before they walked blocks: one
 * pass over the input in row-major order, each element folded into its output (flat index
 * from the kept dims) as it comes, so every output takes its inputs in row-major order.
 * Floats are compared bit for bit, with inputs spread over 2^-10..2^10 so that any change in
 * the order of a sum or product shows in the bits. Quantized MEAN: the exact int64 sum, then
 * LiteRT's requantization written out again (4-D uint8 form, or the general form with 1/n
 * folded into the multiplier). Shapes: rank 1..4, dims from {0, 1, 2, 3, 5, 7} and channel
 * counts {1, 3, 15, 16, 17, 65}; every subset of axes, each axis given at random as d or
 * d - rank, sometimes repeated; keep_dims both ways.
 *
 * Pools. ref_pool is pool_f32 / pool_q of ops/pooling.c per output element (window taps in
 * (ky, kx) order). Float results are compared bit for bit, quantized ones exactly: batch 1
 * and 2, H, W in 1..7, C from the list above, filters 1..4 and global, strides 1..3, SAME
 * and VALID, with and without a fused ReLU; and the int32 limit of the quantized channel
 * path (a 255x257 int16 window on it, a 256x256 one on the per-element path) at the extreme
 * values.
 *
 * Max-pool kernels (kernels/maxpool.h): every ISA config this CPU runs against the scalar
 * one, byte for byte, over pixel runs with channel counts around each vector width, tap
 * rows listed twice, a fold continued from y, and the floats whose order matters (NaN,
 * -0 against +0, -inf, +-FLT_MAX); the bytes between pixels must stay untouched. And the
 * op on a window of more taps than one kernel call takes (17x19, folded in chunks).
 *
 * Both are plain C loops the compiler vectorizes. The one that dispatches is the 8/16-bit
 * column tile of a spatial MEAN / SUM (compiled for the baseline, AVX2 and AVX-512BW, picked
 * by tflc_cpu_isa()): run this test under TFLC_ISA=scalar and =avx2 as well to cover all
 * three.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/threadpool.h"
#include "isa_configs.h"
#include "kernels/maxpool.h"
#include "ops/conv_common.h"
#include "ops/shape_common.h"
#include "test.h"
#include "op_harness.h"

/* ------------------------------------------------------------- random -- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

/* Signed values spread over 2^-10..2^10: rounding depends on the order of operations. */
static float rnd_f32(void) {
    float m = (float)(rnd() % 100000) / 100000.0f;
    return (rnd() & 1 ? -m : m) * ldexpf(1.0f, (int)(rnd() % 21) - 10);
}

static void fill(tflc_dtype dt, void *data, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd();
        switch (dt) {
        case TFLC_FLOAT32: ((float *)data)[i] = rnd_f32(); break;
        case TFLC_INT32: ((int32_t *)data)[i] = (int32_t)r; break;
        case TFLC_INT16: ((int16_t *)data)[i] = (int16_t)r; break;
        case TFLC_INT8: ((int8_t *)data)[i] = (int8_t)r; break;
        case TFLC_UINT8: ((uint8_t *)data)[i] = (uint8_t)r; break;
        default: ((bool *)data)[i] = (r % 5) == 0; break;
        }
    }
}

/* ===================================================== reductions == */

typedef enum { K_SUM, K_MEAN, K_PROD, K_MAX, K_MIN, K_ANY } ref_kind;

typedef struct red_case {
    int rank;
    int32_t dims[4];
    int n_axes;
    int32_t axes[8];   /* as given to the op: negative or repeated entries allowed */
    bool reduced[4], keep;
} red_case;

/* Output flat index of input element i: the kept dims' indices, row-major. */
static size_t ref_out_index(const red_case *rc, size_t i) {
    int32_t idx[4];
    for (int d = rc->rank - 1; d >= 0; d--) {
        idx[d] = (int32_t)(i % (size_t)rc->dims[d]);
        i /= (size_t)rc->dims[d];
    }
    size_t o = 0;
    for (int d = 0; d < rc->rank; d++)
        if (!rc->reduced[d]) o = o * (size_t)rc->dims[d] + (size_t)idx[d];
    return o;
}

static size_t count_of(const red_case *rc, bool reduced_only) {
    size_t n = 1;
    for (int d = 0; d < rc->rank; d++)
        if (!reduced_only || rc->reduced[d]) n *= (size_t)rc->dims[d];
    return n;
}

static size_t out_count(const red_case *rc) {
    size_t n = 1;
    for (int d = 0; d < rc->rank; d++)
        if (!rc->reduced[d]) n *= (size_t)rc->dims[d];
    return n;
}

/* Float SUM / MEAN / PROD / MAX / MIN, in row-major input order. */
static void ref_reduce_f32(const red_case *rc, ref_kind k, const float *in, float *out) {
    size_t n_in = count_of(rc, false), n_out = out_count(rc), n_red = count_of(rc, true);
    float init = k == K_PROD ? 1.0f : k == K_MAX ? -INFINITY : k == K_MIN ? INFINITY : 0.0f;
    for (size_t o = 0; o < n_out; o++) out[o] = init;
    for (size_t i = 0; i < n_in; i++) {
        float *a = &out[ref_out_index(rc, i)], x = in[i];
        if (k == K_SUM || k == K_MEAN) *a = *a + x;
        else if (k == K_PROD) *a = *a * x;
        else if (k == K_MAX) *a = x > *a ? x : *a;
        else *a = x < *a ? x : *a;
    }
    if (k == K_MEAN)
        for (size_t o = 0; o < n_out; o++) out[o] = n_in ? out[o] / (float)n_red : NAN;
}

/* Exact int64 sums of an integer input. */
static void ref_sums(const red_case *rc, tflc_dtype dt, const void *in, int64_t *acc) {
    size_t n_in = count_of(rc, false), n_out = out_count(rc);
    for (size_t o = 0; o < n_out; o++) acc[o] = 0;
    for (size_t i = 0; i < n_in; i++) {
        int64_t x = dt == TFLC_INT32 ? ((const int32_t *)in)[i]
                  : dt == TFLC_INT16 ? ((const int16_t *)in)[i]
                  : dt == TFLC_INT8 ? ((const int8_t *)in)[i] : ((const uint8_t *)in)[i];
        acc[ref_out_index(rc, i)] += x;
    }
}

/* x * m * 2^shift rounded as LiteRT's NEON MultiplyByQuantizedMultiplier4Rows: the doubling
 * high multiply rounds ties up, then a right shift that rounds ties up (floor divisions). */
static int32_t ref_mul_ties_up(int32_t x, int32_t m, int shift) {
    int left = shift > 0 ? shift : 0, right = shift < 0 ? -shift : 0;
    int64_t xs = (int32_t)((uint32_t)x << left);
    int64_t p = xs * m + ((int64_t)1 << 30);
    int64_t h = p >= 0 ? p / ((int64_t)1 << 31) : -((-p + ((int64_t)1 << 31) - 1) / ((int64_t)1 << 31));
    if (right == 0) return (int32_t)h;
    int64_t v = h + ((int64_t)1 << (right - 1)), d = (int64_t)1 << right;
    return (int32_t)(v >= 0 ? v / d : -((-v + d - 1) / d));
}

/* LiteRT's quantized MEAN of output o's sum (see the header comment of ops/reduce.c). */
static int32_t ref_qmean(const red_case *rc, tflc_dtype dt, size_t o, int64_t sum, size_t n, float si,
                         int32_t zi, float so, int32_t zo) {
    int32_t lo, hi, m, v;
    int shift;
    tflc_ops_int_range(dt, &lo, &hi);
    /* LiteRT's builtin 4-D kernels resolve the axes first: [-3,-2] or [1,2,2] qualify */
    bool hw = rc->rank == 4 && rc->keep && !rc->reduced[0] && rc->reduced[1] && rc->reduced[2] &&
              !rc->reduced[3];
    bool u8_4d = dt == TFLC_UINT8 && hw, i8_4d = dt == TFLC_INT8 && hw;
    if (u8_4d || i8_4d) {
        float zp = (float)zi * si / so;
        zp = zp > 0 ? zp + 0.5f : zp - 0.5f;
        tflc_sh_quantize_multiplier((double)(si / ((float)n * so)), &m, &shift);
        size_t c = rc->dims[3] > 0 ? o % (size_t)rc->dims[3] : 0;
        bool vector = i8_4d && c < (size_t)(rc->dims[3] - rc->dims[3] % 16);   /* blocks of 16 */
        v = (vector ? ref_mul_ties_up((int32_t)sum, m, shift) : tflc_sh_mul_qm((int32_t)sum, m, shift)) +
            (zo - (int32_t)zp);
    } else {
        tflc_sh_quantize_multiplier((double)si / (double)so, &m, &shift);
        int s = 0;
        while (((int64_t)1 << (s + 1)) <= (int64_t)n && s < 32) s++;
        if (s > 31 + shift) s = 31 + shift;
        if (s < 0) s = 0;
        m = (int32_t)((int64_t)m * ((int64_t)1 << s) / (int64_t)n);
        int32_t shifted = (int32_t)(uint32_t)(uint64_t)(sum - (int64_t)zi * (int64_t)n);
        v = tflc_sh_mul_qm(shifted, m, shift - s) + zo;
    }
    return v < lo ? lo : v > hi ? hi : v;
}

static const int32_t red_sizes[] = {1, 2, 3, 5, 7, 1, 3, 15, 16, 17, 65};

/* A random shape (one dim in eight empty when allow_empty) and axes from the bits of mask. */
static void make_red_case(red_case *rc, int rank, unsigned mask, bool keep, bool allow_empty) {
    rc->rank = rank;
    rc->keep = keep;
    rc->n_axes = 0;
    for (int d = 0; d < rank; d++) {
        rc->dims[d] = red_sizes[rnd() % N(red_sizes)];
        if (allow_empty && rnd() % 8 == 0) rc->dims[d] = 0;
        rc->reduced[d] = (mask >> d) & 1u;
        if (rc->reduced[d]) rc->axes[rc->n_axes++] = rnd() & 1 ? d - rank : d;
    }
    if (rc->n_axes > 0 && rnd() % 4 == 0) rc->axes[rc->n_axes++] = rc->axes[0];
}

static const tflc_kernel *red_kernel(ref_kind k) {
    switch (k) {
    case K_SUM: return &tflc_kernel_sum;
    case K_MEAN: return &tflc_kernel_mean;
    case K_PROD: return &tflc_kernel_reduce_prod;
    case K_MAX: return &tflc_kernel_reduce_max;
    case K_MIN: return &tflc_kernel_reduce_min;
    default: return &tflc_kernel_reduce_any;
    }
}

/* Runs one reduction; returns the output tensor (owned by c). */
static tflc_tensor *run_red(opcase *c, const red_case *rc, ref_kind k, tflc_dtype dt, const void *in,
                            const float *sc, const int64_t *zp) {
    oc_init(c, red_kernel(k));
    oc_options(c, BO_Reducer);
    opt_i8(c, SH_REDUCER_KEEP_DIMS, rc->keep);
    oc_in(c, dt, rc->rank, rc->dims, in);
    oc_const_i32(c, rc->n_axes, rc->axes);
    tflc_tensor *out = oc_out(c, dt);
    if (sc) {
        oc_quant_per_tensor(c, c->ins[0], &sc[0], &zp[0]);
        oc_quant_per_tensor(c, out, &sc[1], &zp[1]);
    }
    tflc_status s = oc_run(c);
    CHECK_MSG(s == TFLC_OK, "rank %d dims %d,%d,%d,%d axes %d keep %d: status %d", rc->rank,
              (int)rc->dims[0], (int)rc->dims[1], (int)rc->dims[2], (int)rc->dims[3], rc->n_axes,
              rc->keep, (int)s);
    CHECK(tflc_tensor_count(out) == out_count(rc));
    return s == TFLC_OK ? out : NULL;
}

/* Every float reduction, every axis subset of ranks 1..4, both keep_dims, bit for bit. */
static void test_reduce_f32_bits(void) {
    static float in[1 << 18], want[1 << 18];
    for (int rank = 1; rank <= 4; rank++)
        for (unsigned mask = 0; mask < (1u << rank); mask++)
            for (int rep = 0; rep < 6; rep++)
                for (ref_kind k = K_SUM; k <= K_MIN; k++) {
                    red_case rc;
                    opcase c;
                    make_red_case(&rc, rank, mask, rep & 1, true);
                    if (count_of(&rc, false) > N(in)) continue;   /* too big to be quick */
                    fill(TFLC_FLOAT32, in, count_of(&rc, false));
                    tflc_tensor *out = run_red(&c, &rc, k, TFLC_FLOAT32, in, NULL, NULL);
                    ref_reduce_f32(&rc, k, in, want);
                    if (out)
                        CHECK_MSG(f32_eq(out, want, out_count(&rc)), "kind %d rank %d mask %u",
                                  (int)k, rank, mask);
                    oc_free(&c);
                }
}

/* The layouts the models use, at their real sizes: squeeze-excite [1,7,7,960] over {1,2}
 * (keep) and {-3,-2}; LayerNorm [1,50,384] over {-1} (rows interleaved four at a time, with
 * a ragged tail of 50 % 4) and the Transformer block's [1,128,256] (16 rows at a time on
 * AVX-512, through a 16 x 16 transpose); [2,19,37] over {2}: 38 rows (two left after the
 * 16-row blocks) of 37 values (5 after the 16-column blocks). */
static void test_reduce_f32_model_shapes(void) {
    static float in[7 * 7 * 960], want[960];
    const red_case se = {4, {1, 7, 7, 960}, 2, {1, 2}, {false, true, true, false}, true};
    const red_case se2 = {4, {1, 7, 7, 960}, 2, {-3, -2}, {false, true, true, false}, false};
    const red_case ln = {3, {1, 50, 384}, 1, {-1}, {false, false, true, false}, true};
    const red_case tr = {3, {1, 128, 256}, 1, {-1}, {false, false, true, false}, true};
    const red_case rg = {3, {2, 19, 37}, 1, {2}, {false, false, true, false}, false};
    const red_case *cases[] = {&se, &se2, &ln, &tr, &rg};
    for (size_t i = 0; i < N(cases); i++)
        for (ref_kind k = K_SUM; k <= K_MEAN; k++) {
            opcase c;
            fill(TFLC_FLOAT32, in, count_of(cases[i], false));
            tflc_tensor *out = run_red(&c, cases[i], k, TFLC_FLOAT32, in, NULL, NULL);
            ref_reduce_f32(cases[i], k, in, want);
            if (out) CHECK(f32_eq(out, want, out_count(cases[i])));
            oc_free(&c);
        }
}

/* int8 / uint8 / int16 MEAN (sum64 then requantization), int32 SUM (wraps) and MEAN
 * (truncates), exactly. */
static void test_reduce_int_exact(void) {
    static int32_t in[1 << 18];
    static int64_t sums[1 << 18];
    static const float sc8[] = {0.0371f, 0.0123f}, sc16[] = {0.00071f, 0.00043f};
    static const int64_t zp8[] = {-7, 11}, zpu8[] = {131, 120}, zp16[] = {0, 0};
    const tflc_dtype dts[] = {TFLC_INT8, TFLC_UINT8, TFLC_INT16, TFLC_INT32, TFLC_INT32};
    for (int rank = 1; rank <= 4; rank++)
        for (unsigned mask = 0; mask < (1u << rank); mask++)
            for (int rep = 0; rep < 4; rep++)
                for (size_t t = 0; t < N(dts); t++) {
                    tflc_dtype dt = dts[t];
                    ref_kind k = t == 3 ? K_SUM : K_MEAN;
                    red_case rc;
                    opcase c;
                    make_red_case(&rc, rank, mask, rep & 1, true);
                    size_t n_in = count_of(&rc, false), n_out = out_count(&rc);
                    if (n_in * tflc_dtype_size(dt) > sizeof in) continue;
                    fill(dt, in, n_in);
                    const float *sc = dt == TFLC_INT16 ? sc16 : dt == TFLC_INT32 ? NULL : sc8;
                    const int64_t *zp = dt == TFLC_INT16 ? zp16 : dt == TFLC_UINT8 ? zpu8 : zp8;
                    tflc_tensor *out = run_red(&c, &rc, k, dt, in, sc, zp);
                    ref_sums(&rc, dt, in, sums);
                    size_t n_red = count_of(&rc, true);
                    bool ok = out != NULL;
                    for (size_t o = 0; ok && o < n_out; o++) {
                        int64_t want, got = dt == TFLC_INT32 ? ((int32_t *)out->data)[o]
                                          : dt == TFLC_INT16 ? ((int16_t *)out->data)[o]
                                          : dt == TFLC_INT8 ? ((int8_t *)out->data)[o]
                                          : ((uint8_t *)out->data)[o];
                        if (n_in == 0)   /* LiteRT's quiet_NaN<T>() of an integer: 0 */
                            want = 0;
                        else if (dt == TFLC_INT32)
                            want = k == K_SUM ? (int32_t)(uint32_t)(uint64_t)sums[o]
                                              : (int32_t)(sums[o] / (int64_t)n_red);
                        else if (rc.n_axes == 0)
                            want = dt == TFLC_INT16 ? ((int16_t *)in)[o] : dt == TFLC_INT8
                                ? ((int8_t *)in)[o] : ((uint8_t *)in)[o];
                        else
                            want = ref_qmean(&rc, dt, o, sums[o], n_red, sc[0], (int32_t)zp[0],
                                             sc[1], (int32_t)zp[1]);
                        CHECK_MSG(ok = got == want, "dtype %s rank %d mask %u [%zu]: %lld, want %lld",
                                  tflc_dtype_name(dt), rank, mask, o, (long long)got,
                                  (long long)want);
                    }
                    oc_free(&c);
                }
}

/* Runs MEAN of an int8 / uint8 / int16 case and compares every output with ref_qmean. */
static void check_int_mean(const red_case *rc, tflc_dtype dt, const void *in, int64_t *sums) {
    static const float sc8[] = {0.0371f, 0.0123f}, sc16[] = {0.00071f, 0.00043f};
    static const int64_t zp8[] = {-7, 11}, zpu8[] = {131, 120}, zp16[] = {0, 0};
    const float *sc = dt == TFLC_INT16 ? sc16 : sc8;
    const int64_t *zp = dt == TFLC_INT16 ? zp16 : dt == TFLC_UINT8 ? zpu8 : zp8;
    opcase c;
    tflc_tensor *out = run_red(&c, rc, K_MEAN, dt, in, sc, zp);
    ref_sums(rc, dt, in, sums);
    bool ok = out != NULL;
    for (size_t o = 0; ok && o < out_count(rc); o++) {
        int64_t got = dt == TFLC_INT16 ? ((int16_t *)out->data)[o]
                    : dt == TFLC_INT8 ? ((int8_t *)out->data)[o] : ((uint8_t *)out->data)[o];
        int32_t want = ref_qmean(rc, dt, o, sums[o], count_of(rc, true), sc[0], (int32_t)zp[0],
                                 sc[1], (int32_t)zp[1]);
        CHECK_MSG(ok = got == want, "%s dims %d,%d,%d,%d [%zu]: %lld, want %d",
                  tflc_dtype_name(dt), (int)rc->dims[0], (int)rc->dims[1], (int)rc->dims[2],
                  (int)rc->dims[3], o, (long long)got, want);
    }
    oc_free(&c);
}

/* The squeeze-excite layout [1,H,W,C] over {1,2}: R = H * W rows of C kept channels, which
 * the cols kernels take as one block (a tile of columns through all rows). Ragged C around
 * the 64-column tile and the vector widths, R of 1, 7 and 1000; float SUM / MEAN / MAX bit
 * for bit, int8 / uint8 / int16 MEAN exactly; and an int16 block of 40000 rows, more than
 * one int32 chunk (2^15 rows), at the extreme values. */
static void test_reduce_spatial_blocks(void) {
    static float in[1000 * 100], want[100];
    static int64_t sums[100];
    static int16_t big[40000 * 3];
    static const int32_t cs[] = {1, 15, 16, 17, 33, 100};
    static const int32_t hw[][2] = {{1, 1}, {7, 1}, {25, 40}};
    for (size_t i = 0; i < N(hw); i++)
        for (size_t j = 0; j < N(cs); j++) {
            const red_case rc = {4, {1, hw[i][0], hw[i][1], cs[j]}, 2, {1, 2},
                                 {false, true, true, false}, true};
            size_t n = count_of(&rc, false);
            for (ref_kind k = K_SUM; k <= K_MAX; k++) {
                if (k == K_PROD) continue;
                opcase c;
                fill(TFLC_FLOAT32, in, n);
                tflc_tensor *out = run_red(&c, &rc, k, TFLC_FLOAT32, in, NULL, NULL);
                ref_reduce_f32(&rc, k, in, want);
                if (out) CHECK_MSG(f32_eq(out, want, out_count(&rc)), "kind %d R %d C %d", (int)k,
                                   (int)(hw[i][0] * hw[i][1]), (int)cs[j]);
                oc_free(&c);
            }
            const tflc_dtype dts[] = {TFLC_INT8, TFLC_UINT8, TFLC_INT16};
            for (size_t t = 0; t < N(dts); t++) {
                fill(dts[t], in, n);
                check_int_mean(&rc, dts[t], in, sums);
            }
        }
    const red_case tall = {4, {1, 40000, 1, 3}, 2, {1, 2}, {false, true, true, false}, true};
    for (size_t i = 0; i < N(big); i++) big[i] = (int16_t)(i % 3 == 0 ? INT16_MIN : i % 3 == 1 ? INT16_MAX : (int16_t)rnd());
    check_int_mean(&tall, TFLC_INT16, big, sums);
}

/* REDUCE_ANY over bools: the blocks of every layout, against a direct loop. */
static void test_reduce_any(void) {
    static bool in[1 << 18], want[1 << 18];
    for (int rank = 1; rank <= 3; rank++)
        for (unsigned mask = 0; mask < (1u << rank); mask++)
            for (int rep = 0; rep < 4; rep++) {
                red_case rc;
                opcase c;
                make_red_case(&rc, rank, mask, rep & 1, false);
                size_t n_in = count_of(&rc, false), n_out = out_count(&rc);
                if (n_in > N(in)) continue;
                fill(TFLC_BOOL, in, n_in);
                for (size_t o = 0; o < n_out; o++) want[o] = false;
                for (size_t i = 0; i < n_in; i++) want[ref_out_index(&rc, i)] |= in[i];
                tflc_tensor *out = run_red(&c, &rc, K_ANY, TFLC_BOOL, in, NULL, NULL);
                if (out) CHECK(b_eq(out, want, n_out));
                oc_free(&c);
            }
}

/* With a pool of 3 threads the walk is cut into slices of 16 columns or rows, one per task
 * (ragged last slices here: 35 columns, 130 rows): same bits, same integers. */
static void test_reduce_threads(void) {
    static float in[64 * 64 * 48], want[130 * 300];
    static int64_t sums[64 * 35];
    static const float sc[] = {0.0371f, 0.0123f};
    static const int64_t zp[] = {-7, 11};
    const red_case cases[] = {
        {4, {1, 64, 64, 48}, 2, {1, 2}, {false, true, true, false}, true},
        {3, {1, 130, 300}, 1, {-1}, {false, false, true, false}, false},
        {4, {2, 64, 32, 35}, 2, {-3, 2}, {false, true, true, false}, true},
        {3, {1, 40, 1000}, 1, {2}, {false, false, true, false}, true},
    };
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(3, &pool));
    fake_runner.pool = pool;
    for (size_t i = 0; i < N(cases); i++) {
        const red_case *rc = &cases[i];
        opcase c;
        fill(TFLC_FLOAT32, in, count_of(rc, false));
        tflc_tensor *out = run_red(&c, rc, K_MEAN, TFLC_FLOAT32, in, NULL, NULL);
        ref_reduce_f32(rc, K_MEAN, in, want);
        if (out) CHECK_MSG(f32_eq(out, want, out_count(rc)), "case %zu", i);
        oc_free(&c);
        /* int8 MEAN of the same layout (the bytes of the float data, reinterpreted) */
        out = run_red(&c, rc, K_MEAN, TFLC_INT8, in, sc, zp);
        ref_sums(rc, TFLC_INT8, in, sums);
        bool ok = out != NULL;
        for (size_t o = 0; ok && o < out_count(rc); o++) {
            int32_t w = ref_qmean(rc, TFLC_INT8, o, sums[o], count_of(rc, true), sc[0], (int32_t)zp[0],
                                  sc[1], (int32_t)zp[1]);
            CHECK_MSG(ok = ((int8_t *)out->data)[o] == w, "case %zu [%zu]", i, o);
        }
        oc_free(&c);
    }
    fake_runner.pool = NULL;
    tflc_threadpool_free(pool);
}

/* ========================================================== pools == */

typedef struct pool_case {
    int32_t n, h, w, c, fh, fw, sh, sw;
    int padding, act;    /* CONV_PADDING_*, ACT_NONE or ACT_RELU */
} pool_case;

/* Output size and leading pad of one axis, as TFLite computes them. */
static void ref_axis(int32_t in, int32_t f, int32_t s, int padding, int32_t *out, int32_t *pad) {
    *out = padding == CONV_PADDING_SAME ? (in + s - 1) / s : (in - f + s) / s;
    int32_t total = ((*out - 1) * s + f - in);
    *pad = padding == CONV_PADDING_SAME && total > 0 ? total / 2 : 0;
}

/* The reference: one output element at a time, taps in (ky, kx) order; kind 0 average,
 * 1 max, 2 L2. Quantized results are written as int32 before the activation clamp (a max
 * starts from the dtype's minimum). */
static void ref_pool(const pool_case *pc, int kind, tflc_dtype dt, const void *in, void *out) {
    int32_t oh, ow, ph, pw, lo = 0, hi = 0;
    if (dt != TFLC_FLOAT32) tflc_ops_int_range(dt, &lo, &hi);
    ref_axis(pc->h, pc->fh, pc->sh, pc->padding, &oh, &ph);
    ref_axis(pc->w, pc->fw, pc->sw, pc->padding, &ow, &pw);
    size_t at = 0;
    for (int32_t b = 0; b < pc->n; b++)
        for (int32_t oy = 0; oy < oh; oy++)
            for (int32_t ox = 0; ox < ow; ox++)
                for (int32_t ch = 0; ch < pc->c; ch++, at++) {
                    float f = kind == 1 ? -FLT_MAX : 0.0f;
                    int64_t q = kind == 1 ? lo : 0, count = 0;
                    for (int32_t ky = 0; ky < pc->fh; ky++)
                        for (int32_t kx = 0; kx < pc->fw; kx++) {
                            int32_t y = oy * pc->sh - ph + ky, x = ox * pc->sw - pw + kx;
                            if (y < 0 || y >= pc->h || x < 0 || x >= pc->w) continue;
                            size_t i = (((size_t)b * pc->h + y) * pc->w + x) * pc->c + ch;
                            count++;
                            if (dt == TFLC_FLOAT32) {
                                float v = ((const float *)in)[i];
                                if (kind == 0) f += v;
                                else if (kind == 2) f += v * v;
                                else if (f < v) f = v;
                                continue;
                            }
                            int32_t v = dt == TFLC_INT8 ? ((const int8_t *)in)[i]
                                      : dt == TFLC_UINT8 ? ((const uint8_t *)in)[i]
                                      : ((const int16_t *)in)[i];
                            if (kind == 0) q += v;
                            else if (q < v) q = v;
                        }
                    if (dt == TFLC_FLOAT32) {
                        if (kind == 0) f = f / (float)count;
                        else if (kind == 2) f = sqrtf(f / (float)count);
                        if (pc->act == ACT_RELU && f < 0.0f) f = 0.0f;
                        ((float *)out)[at] = f;
                        continue;
                    }
                    if (kind == 0)
                        q = (q > 0 || dt == TFLC_UINT8) ? (q + count / 2) / count : (q - count / 2) / count;
                    ((int32_t *)out)[at] = (int32_t)q;
                }
}

static const tflc_kernel *pool_kernel(int kind) {
    return kind == 0 ? &tflc_kernel_average_pool_2d
         : kind == 1 ? &tflc_kernel_max_pool_2d : &tflc_kernel_l2_pool_2d;
}

/* Runs one pool; NULL (and a failed check) when it does not run. */
static tflc_tensor *run_pool(opcase *c, const pool_case *pc, int kind, tflc_dtype dt, const void *in,
                             const float *sc, const int64_t *zp) {
    const int32_t dims[4] = {pc->n, pc->h, pc->w, pc->c};
    oc_init(c, pool_kernel(kind));
    oc_options(c, BO_Pool2D);
    opt_i8(c, POOL_OPT_PADDING, pc->padding);
    opt_i32(c, POOL_OPT_STRIDE_W, pc->sw);
    opt_i32(c, POOL_OPT_STRIDE_H, pc->sh);
    opt_i32(c, POOL_OPT_FILTER_W, pc->fw);
    opt_i32(c, POOL_OPT_FILTER_H, pc->fh);
    opt_i8(c, POOL_OPT_ACTIVATION, pc->act);
    oc_in(c, dt, 4, dims, in);
    tflc_tensor *out = oc_out(c, dt);
    if (sc) {
        oc_quant_per_tensor(c, c->ins[0], sc, zp);
        oc_quant_per_tensor(c, out, sc, zp);
    }
    tflc_status s = oc_run(c);
    CHECK_MSG(s == TFLC_OK, "pool %d %dx%dx%dx%d f %dx%d s %dx%d pad %d: status %d", kind,
              (int)pc->n, (int)pc->h, (int)pc->w, (int)pc->c, (int)pc->fh, (int)pc->fw,
              (int)pc->sh, (int)pc->sw, pc->padding, (int)s);
    return s == TFLC_OK ? out : NULL;
}

static void rand_pool_case(pool_case *pc) {
    static const int32_t chans[] = {1, 3, 15, 16, 17, 65};
    pc->n = 1 + (int32_t)(rnd() % 2);
    pc->h = 1 + (int32_t)(rnd() % 7);
    pc->w = 1 + (int32_t)(rnd() % 7);
    pc->c = chans[rnd() % N(chans)];
    pc->padding = rnd() % 2 ? CONV_PADDING_SAME : CONV_PADDING_VALID;
    bool global = rnd() % 6 == 0;
    pc->fh = global ? pc->h : 1 + (int32_t)(rnd() % 4);
    pc->fw = global ? pc->w : 1 + (int32_t)(rnd() % 4);
    if (pc->padding == CONV_PADDING_VALID) {   /* a VALID window must fit */
        if (pc->fh > pc->h) pc->fh = pc->h;
        if (pc->fw > pc->w) pc->fw = pc->w;
    }
    pc->sh = 1 + (int32_t)(rnd() % 3);
    pc->sw = 1 + (int32_t)(rnd() % 3);
    pc->act = rnd() % 2 ? ACT_RELU : ACT_NONE;
}

/* Float AVERAGE, MAX and L2 pools, bit for bit. */
static void test_pool_f32_bits(void) {
    static float in[2 * 7 * 7 * 65], want[2 * 7 * 7 * 65];
    for (int iter = 0; iter < 400; iter++) {
        pool_case pc;
        rand_pool_case(&pc);
        fill(TFLC_FLOAT32, in, (size_t)pc.n * pc.h * pc.w * pc.c);
        for (int kind = 0; kind < 3; kind++) {
            opcase c;
            tflc_tensor *out = run_pool(&c, &pc, kind, TFLC_FLOAT32, in, NULL, NULL);
            ref_pool(&pc, kind, TFLC_FLOAT32, in, want);
            if (out) CHECK_MSG(f32_eq(out, want, tflc_tensor_count(out)), "iter %d kind %d", iter, kind);
            oc_free(&c);
        }
    }
}

static bool q_out_eq(const tflc_tensor *out, tflc_dtype dt, const int32_t *want, int32_t lo, int32_t hi) {
    for (size_t i = 0; i < tflc_tensor_count(out); i++) {
        int32_t w = want[i] < lo ? lo : want[i] > hi ? hi : want[i];
        int32_t g = dt == TFLC_INT8 ? ((int8_t *)out->data)[i]
                  : dt == TFLC_UINT8 ? ((uint8_t *)out->data)[i] : ((int16_t *)out->data)[i];
        if (g != w) {
            fprintf(stderr, "  [%zu] = %d, expected %d\n", i, (int)g, (int)w);
            return false;
        }
    }
    return true;
}

/* int8 / uint8 / int16 AVERAGE and MAX pools, exactly; ReLU clamps at the zero point. */
static void test_pool_q_exact(void) {
    static int16_t in[2 * 7 * 7 * 65];
    static int32_t want[2 * 7 * 7 * 65];
    static const float sc[] = {0.05f};
    static const int64_t zp8[] = {-9}, zpu8[] = {127}, zp16[] = {0};
    const tflc_dtype dts[] = {TFLC_INT8, TFLC_UINT8, TFLC_INT16};
    for (int iter = 0; iter < 300; iter++) {
        pool_case pc;
        rand_pool_case(&pc);
        for (size_t t = 0; t < N(dts); t++) {
            tflc_dtype dt = dts[t];
            const int64_t *zp = dt == TFLC_INT8 ? zp8 : dt == TFLC_UINT8 ? zpu8 : zp16;
            fill(dt, in, (size_t)pc.n * pc.h * pc.w * pc.c);
            int32_t lo, hi;
            tflc_ops_int_range(dt, &lo, &hi);
            if (pc.act == ACT_RELU) lo = (int32_t)zp[0];
            for (int kind = 0; kind < 2; kind++) {
                opcase c;
                tflc_tensor *out = run_pool(&c, &pc, kind, dt, in, sc, zp);
                ref_pool(&pc, kind, dt, in, want);
                if (out) CHECK_MSG(q_out_eq(out, dt, want, lo, hi), "iter %d %s kind %d", iter,
                                   tflc_dtype_name(dt), kind);
                oc_free(&c);
            }
        }
    }
}

/* int16 global average pools at the int32 edge: 255x257 = 65535 inputs (the channel-row
 * path, whose sum and rounding term just fit) and 256x256 = 65536 (the per-element path),
 * every input at -32768 or 32767, then random. */
static void test_pool_q_int32_edge(void) {
    static int16_t in[256 * 257 * 2];
    static int32_t want[2];
    static const float sc[] = {0.001f};
    static const int64_t zp[] = {0};
    const pool_case cases[] = {{1, 255, 257, 2, 255, 257, 1, 1, CONV_PADDING_VALID, ACT_NONE},
                               {1, 256, 256, 2, 256, 256, 1, 1, CONV_PADDING_VALID, ACT_NONE}};
    for (size_t i = 0; i < N(cases); i++)
        for (int fillk = 0; fillk < 3; fillk++) {
            const pool_case *pc = &cases[i];
            size_t n = (size_t)pc->h * pc->w * pc->c;
            if (fillk == 2) fill(TFLC_INT16, in, n);
            else
                for (size_t j = 0; j < n; j++) in[j] = fillk == 0 ? INT16_MIN : INT16_MAX;
            for (int kind = 0; kind < 2; kind++) {
                opcase c;
                tflc_tensor *out = run_pool(&c, pc, kind, TFLC_INT16, in, sc, zp);
                ref_pool(pc, kind, TFLC_INT16, in, want);
                if (out) CHECK(q_out_eq(out, TFLC_INT16, want, INT16_MIN, INT16_MAX));
                if (out && fillk < 2) CHECK(((int16_t *)out->data)[0] == in[0]);
                oc_free(&c);
            }
        }
}

/* With a pool of 3 threads the output rows go to different threads (each with its own
 * quantized accumulators): same results as the reference. */
static void test_pool_threads(void) {
    static int16_t in[2 * 33 * 31 * 40];
    static float fin[2 * 33 * 31 * 40], fwant[2 * 33 * 31 * 40];
    static int32_t want[2 * 33 * 31 * 40];
    static const float sc[] = {0.05f};
    static const int64_t zp8[] = {-9}, zp16[] = {0};
    const pool_case cases[] = {{2, 33, 31, 40, 3, 3, 1, 1, CONV_PADDING_SAME, ACT_NONE},
                               {1, 33, 31, 17, 3, 2, 2, 2, CONV_PADDING_VALID, ACT_RELU}};
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(3, &pool));
    fake_runner.pool = pool;
    for (size_t i = 0; i < N(cases); i++) {
        const pool_case *pc = &cases[i];
        size_t n = (size_t)pc->n * pc->h * pc->w * pc->c;
        fill(TFLC_FLOAT32, fin, n);
        for (int kind = 0; kind < 3; kind++) {
            opcase c;
            tflc_tensor *out = run_pool(&c, pc, kind, TFLC_FLOAT32, fin, NULL, NULL);
            ref_pool(pc, kind, TFLC_FLOAT32, fin, fwant);
            if (out) CHECK_MSG(f32_eq(out, fwant, tflc_tensor_count(out)), "case %zu kind %d", i, kind);
            oc_free(&c);
        }
        for (int t = 0; t < 2; t++) {
            tflc_dtype dt = t ? TFLC_INT16 : TFLC_INT8;
            const int64_t *zp = t ? zp16 : zp8;
            int32_t lo, hi;
            tflc_ops_int_range(dt, &lo, &hi);
            if (pc->act == ACT_RELU) lo = (int32_t)zp[0];
            fill(dt, in, n);
            for (int kind = 0; kind < 2; kind++) {
                opcase c;
                tflc_tensor *out = run_pool(&c, pc, kind, dt, in, sc, zp);
                ref_pool(pc, kind, dt, in, want);
                if (out) CHECK_MSG(q_out_eq(out, dt, want, lo, hi), "case %zu %s kind %d", i,
                                   tflc_dtype_name(dt), kind);
                oc_free(&c);
            }
        }
    }
    fake_runner.pool = NULL;
    tflc_threadpool_free(pool);
}

/* ================================================= max-pool kernels == */

/* Floats for a max: ordinary values, and the ones whose handling shows the fold's order. */
static float rnd_max_f32(void) {
    switch (rnd() % 12) {
    case 0: return NAN;
    case 1: return -0.0f;
    case 2: return 0.0f;
    case 3: return -INFINITY;
    case 4: return rnd() % 2 ? FLT_MAX : -FLT_MAX;
    default: return rnd_f32();
    }
}

enum { MK_PIXELS = 4, MK_TAPS = 12, MK_N = 130, MK_STRIDE = MK_N + 5, MK_INPUTS = 8 };

typedef struct mk_case {
    size_t pixels, taps, n;
    size_t pick[MK_PIXELS * MK_TAPS];   /* input row of each tap (rows repeat) */
    bool from_y;
    int32_t lo, hi;
} mk_case;

static void rand_mk_case(mk_case *k, int32_t type_lo, int32_t type_hi) {
    static const size_t ns[] = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 130};
    k->pixels = 1 + rnd() % MK_PIXELS;
    k->taps = rnd() % (MK_TAPS + 1);
    k->n = ns[rnd() % N(ns)];
    for (size_t i = 0; i < k->pixels * k->taps; i++) k->pick[i] = rnd() % MK_INPUTS;
    k->from_y = rnd() % 3 == 0;
    int32_t a = type_lo + (int32_t)(rnd() % (uint32_t)(type_hi - type_lo + 1));
    int32_t b = type_lo + (int32_t)(rnd() % (uint32_t)(type_hi - type_lo + 1));
    bool full = rnd() % 2;   /* half the cases clamp nothing */
    k->lo = full ? type_lo : (a < b ? a : b);
    k->hi = full ? type_hi : (a < b ? b : a);
}

/* Runs the fold of one type (T, member FN of the config, its arguments from from_y on) on cfg
 * and on the scalar one over the same inputs and y, and compares the whole y buffers. */
#define MK_RUN(T, FN, ...)                                                                   \
    do {                                                                                     \
        const T *rows[MK_PIXELS * MK_TAPS];                                                  \
        for (size_t i = 0; i < k.pixels * k.taps; i++) rows[i] = (const T *)in + k.pick[i] * MK_N; \
        memcpy(got, y0, sizeof y0);                                                          \
        memcpy(want, y0, sizeof y0);                                                         \
        cfg->FN(k.pixels, k.taps, k.n, rows, (T *)got, MK_STRIDE, __VA_ARGS__);              \
        ref->FN(k.pixels, k.taps, k.n, rows, (T *)want, MK_STRIDE, __VA_ARGS__);             \
        CHECK_MSG(memcmp(got, want, sizeof got) == 0, "%s %s: %zu pixels %zu taps n %zu from_y %d", \
                  cfg->name, #FN, k.pixels, k.taps, k.n, (int)k.from_y);                    \
    } while (0)

static void test_maxpool_kernels(void) {
    CHECK_ISA_CONFIGS(tflc_maxpool_config_for);
    CHECK(tflc_maxpool_config_get() == tflc_maxpool_config_for(tflc_cpu_isa()));
    const tflc_maxpool_config *ref = tflc_maxpool_config_scalar();
    static float in[MK_INPUTS * MK_N], y0[MK_PIXELS * MK_STRIDE];
    static float got[MK_PIXELS * MK_STRIDE], want[MK_PIXELS * MK_STRIDE];
    for (int isa = 0; isa < (int)TFLC_ISA_COUNT; isa++) {
        const tflc_maxpool_config *cfg = tflc_maxpool_config_for((tflc_isa)isa);
        if (!cfg) continue;
        for (int iter = 0; iter < 600; iter++) {
            mk_case k;
            const int type = iter % 3;
            if (type == 0) {
                for (size_t i = 0; i < N(in); i++) in[i] = rnd_max_f32();
                for (size_t i = 0; i < N(y0); i++) y0[i] = rnd_max_f32();
                rand_mk_case(&k, 0, 0);
                MK_RUN(float, f32, k.from_y);
            } else {
                fill(TFLC_INT8, in, sizeof in);
                fill(TFLC_INT8, y0, sizeof y0);
                if (type == 1) {
                    rand_mk_case(&k, INT8_MIN, INT8_MAX);
                    MK_RUN(int8_t, s8, k.from_y, (int8_t)k.lo, (int8_t)k.hi);
                } else {
                    rand_mk_case(&k, 0, UINT8_MAX);
                    MK_RUN(uint8_t, u8, k.from_y, (uint8_t)k.lo, (uint8_t)k.hi);
                }
            }
        }
    }
}

/* A window of 17x19 = 323 taps, more than one kernel call takes: folded in chunks, each
 * after the first from the output. Global (VALID) and strided SAME, float (with NaN, -0 and
 * -inf among the inputs) and int8 / uint8 with and without ReLU. */
static void test_pool_max_large_window(void) {
    static float fin[2 * 20 * 21 * 33], fwant[2 * 20 * 21 * 33];
    static int8_t in[2 * 20 * 21 * 33];
    static int32_t want[2 * 20 * 21 * 33];
    static const float sc[] = {0.05f};
    static const int64_t zp8[] = {-9}, zpu8[] = {127};
    const pool_case cases[] = {{2, 17, 19, 33, 17, 19, 1, 1, CONV_PADDING_VALID, ACT_NONE},
                               {1, 20, 21, 17, 17, 19, 2, 3, CONV_PADDING_SAME, ACT_RELU}};
    for (size_t i = 0; i < N(cases); i++) {
        const pool_case *pc = &cases[i];
        const size_t n = (size_t)pc->n * pc->h * pc->w * pc->c;
        for (size_t j = 0; j < n; j++) fin[j] = rnd_max_f32();
        opcase c;
        tflc_tensor *out = run_pool(&c, pc, 1, TFLC_FLOAT32, fin, NULL, NULL);
        ref_pool(pc, 1, TFLC_FLOAT32, fin, fwant);
        if (out) CHECK_MSG(f32_eq(out, fwant, tflc_tensor_count(out)), "case %zu float", i);
        oc_free(&c);
        for (int t = 0; t < 2; t++) {
            const tflc_dtype dt = t ? TFLC_UINT8 : TFLC_INT8;
            const int64_t *zp = t ? zpu8 : zp8;
            int32_t lo, hi;
            tflc_ops_int_range(dt, &lo, &hi);
            if (pc->act == ACT_RELU) lo = (int32_t)zp[0];
            fill(dt, in, n);
            out = run_pool(&c, pc, 1, dt, in, sc, zp);
            ref_pool(pc, 1, dt, in, want);
            if (out) CHECK_MSG(q_out_eq(out, dt, want, lo, hi), "case %zu %s", i, tflc_dtype_name(dt));
            oc_free(&c);
        }
    }
}

static void run_tests(void) {
    TEST(test_reduce_f32_bits);
    TEST(test_reduce_f32_model_shapes);
    TEST(test_reduce_int_exact);
    TEST(test_reduce_spatial_blocks);
    TEST(test_reduce_any);
    TEST(test_reduce_threads);
    TEST(test_pool_f32_bits);
    TEST(test_pool_q_exact);
    TEST(test_pool_q_int32_edge);
    TEST(test_pool_threads);
    TEST(test_maxpool_kernels);
    TEST(test_pool_max_large_window);
}

TEST_MAIN()
