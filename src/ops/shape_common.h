/*
 * shape_common.h -- what the shape-family kernels share (shape ops, reductions, gather and
 * scatter): their builtin codes and option slots, the kernel objects table_shape.c lists,
 * reading small integer tensors (axes, sizes, indices), row-major strides, one strided
 * "view copy" that TRANSPOSE, SLICE, STRIDED_SLICE, REVERSE_V2, TILE, BROADCAST_TO, PAD and
 * the space/depth ops are built on, and LiteRT's fixed-point requantization.
 *
 * Private to src/ops. Names carry a tflc_sh_ / SH_ prefix so they never collide with what
 * other families add to ops.h or schema.h.
 */
#ifndef TFLC_OPS_SHAPE_COMMON_H
#define TFLC_OPS_SHAPE_COMMON_H

#include <string.h>

#include "ops/ops.h"

/* ------------------------------------------------------ builtin codes -- */

enum {
    SH_OPC_DEPTH_TO_SPACE = 5, SH_OPC_EMBEDDING_LOOKUP = 7, SH_OPC_SPACE_TO_DEPTH = 26,
    SH_OPC_PAD = 34, SH_OPC_GATHER = 36, SH_OPC_BATCH_TO_SPACE_ND = 37,
    SH_OPC_SPACE_TO_BATCH_ND = 38, SH_OPC_TRANSPOSE = 39, SH_OPC_MEAN = 40,
    SH_OPC_STRIDED_SLICE = 45, SH_OPC_TOPK_V2 = 48, SH_OPC_SPLIT = 49, SH_OPC_ARG_MAX = 56,
    SH_OPC_PADV2 = 60, SH_OPC_SLICE = 65, SH_OPC_TILE = 69, SH_OPC_SUM = 74, SH_OPC_SHAPE = 77,
    SH_OPC_ARG_MIN = 79, SH_OPC_REDUCE_PROD = 81, SH_OPC_REDUCE_MAX = 82, SH_OPC_PACK = 83,
    SH_OPC_ONE_HOT = 85, SH_OPC_UNPACK = 88, SH_OPC_REDUCE_MIN = 89, SH_OPC_REDUCE_ANY = 91,
    SH_OPC_ZEROS_LIKE = 93, SH_OPC_FILL = 94, SH_OPC_RANGE = 96, SH_OPC_MIRROR_PAD = 100,
    SH_OPC_SPLIT_V = 102, SH_OPC_REVERSE_V2 = 105, SH_OPC_GATHER_ND = 107, SH_OPC_RANK = 110,
    SH_OPC_SCATTER_ND = 122, SH_OPC_CUMSUM = 128, SH_OPC_BROADCAST_TO = 130,
    SH_OPC_REDUCE_ALL = 140,
};

/* ------------------------------------------------------- option slots -- */

enum { SH_REDUCER_KEEP_DIMS = 0 };                       /* ReducerOptions */
enum { SH_ARG_OUTPUT_TYPE = 0 };                         /* ArgMaxOptions, ArgMinOptions */
enum { SH_SS_BEGIN_MASK = 0, SH_SS_END_MASK = 1, SH_SS_ELLIPSIS_MASK = 2,
       SH_SS_NEW_AXIS_MASK = 3, SH_SS_SHRINK_AXIS_MASK = 4, SH_SS_OFFSET = 5 };
enum { SH_GATHER_AXIS = 0, SH_GATHER_BATCH_DIMS = 1 };   /* GatherOptions */
enum { SH_PACK_VALUES_COUNT = 0, SH_PACK_AXIS = 1 };     /* PackOptions */
enum { SH_UNPACK_NUM = 0, SH_UNPACK_AXIS = 1 };          /* UnpackOptions */
enum { SH_SPLIT_NUM_SPLITS = 0 };                        /* SplitOptions, SplitVOptions */
enum { SH_MIRROR_PAD_MODE = 0 };                         /* MirrorPadOptions: 0 REFLECT, 1 SYMMETRIC */
enum { SH_SHAPE_OUT_TYPE = 0 };                          /* ShapeOptions */
enum { SH_BLOCK_SIZE = 0 };                              /* SpaceToDepth/DepthToSpaceOptions */
enum { SH_CUMSUM_EXCLUSIVE = 0, SH_CUMSUM_REVERSE = 1 }; /* CumsumOptions */
enum { SH_ONE_HOT_AXIS = 0 };                            /* OneHotOptions */

/* TensorType values of schema.fbs, as stored in options (ArgMax output_type, Shape out_type). */
enum { SH_TT_INT32 = 2, SH_TT_INT64 = 4 };

/* ------------------------------------------------------------- kernels -- */

extern const tflc_kernel tflc_kernel_mean, tflc_kernel_sum, tflc_kernel_reduce_prod,
    tflc_kernel_reduce_max, tflc_kernel_reduce_min, tflc_kernel_reduce_any,
    tflc_kernel_reduce_all;                                          /* reduce.c */
extern const tflc_kernel tflc_kernel_arg_max, tflc_kernel_arg_min;  /* arg_min_max.c */
extern const tflc_kernel tflc_kernel_slice, tflc_kernel_strided_slice; /* slice.c */
extern const tflc_kernel tflc_kernel_gather, tflc_kernel_gather_nd, tflc_kernel_scatter_nd,
    tflc_kernel_embedding_lookup;                                    /* gather.c */
extern const tflc_kernel tflc_kernel_pack, tflc_kernel_unpack;      /* pack.c */
extern const tflc_kernel tflc_kernel_split, tflc_kernel_split_v;    /* split.c */
extern const tflc_kernel tflc_kernel_tile, tflc_kernel_broadcast_to; /* tile.c */
extern const tflc_kernel tflc_kernel_pad, tflc_kernel_padv2, tflc_kernel_mirror_pad; /* pad.c */
extern const tflc_kernel tflc_kernel_shape, tflc_kernel_rank, tflc_kernel_fill,
    tflc_kernel_range, tflc_kernel_zeros_like;                       /* shape.c */
extern const tflc_kernel tflc_kernel_reverse_v2;                    /* reverse.c */
extern const tflc_kernel tflc_kernel_space_to_depth, tflc_kernel_depth_to_space,
    tflc_kernel_batch_to_space_nd, tflc_kernel_space_to_batch_nd;    /* space_depth.c */
extern const tflc_kernel tflc_kernel_cumsum;                        /* cumsum.c */
extern const tflc_kernel tflc_kernel_topk_v2;                       /* topk.c */
extern const tflc_kernel tflc_kernel_one_hot;                       /* one_hot.c */

/* ------------------------------------------------------- dtype checks -- */

/* Data-movement ops copy elements by size, so any dtype with a fixed element size works;
 * strings (variable size) are refused by name. */
static inline tflc_status tflc_sh_check_movable(tflc_node *node) {
    const tflc_tensor *in = node->inputs[0];
    if (in->dtype == TFLC_STRING || tflc_dtype_size(in->dtype) == 0)
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED, "%s tensors are not supported",
                              tflc_dtype_name(in->dtype));
    return tflc_ops_output_like_input(node);
}

/* Index-like tensors (axes, sizes, indices) are int32 or int64. */
static inline tflc_status tflc_sh_check_index_dtype(tflc_node *node, const tflc_tensor *t,
                                                    const char *what) {
    if (t->dtype == TFLC_INT32 || t->dtype == TFLC_INT64) return TFLC_OK;
    return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s has dtype %s, expected int32 or int64",
                          what, tflc_dtype_name(t->dtype));
}

/* Element i of an int32 or int64 tensor (checked by tflc_sh_check_index_dtype). */
static inline int64_t tflc_sh_index_at(const tflc_tensor *t, size_t i) {
    if (t->dtype == TFLC_INT64) return ((const int64_t *)t->data)[i];
    return ((const int32_t *)t->data)[i];
}

/* Reads the contents of a small int32/int64 tensor that prepare needs (axes, sizes,
 * multiples): it must be constant (or folded) and hold `*n` <= max elements. A tensor
 * computed at run time makes the output shape value-dependent, which tflc does not do yet. */
/* The values of an int32/int64 index tensor; with runtime_ok false it must be constant
 * (readable at prepare), with true (at eval) any tensor with data will do. */
static inline tflc_status tflc_sh_read_ints(tflc_node *node, const tflc_tensor *t, const char *what,
                                            int64_t *out, size_t max, size_t *n, bool runtime_ok) {
    tflc_status s = tflc_sh_check_index_dtype(node, t, what);
    if (s != TFLC_OK) return s;
    if (!runtime_ok && !tflc_ops_is_const(t))
        return tflc_node_fail(node, TFLC_ERROR_UNSUPPORTED,
                              "%s computed at run time is not supported yet", what);
    size_t count = tflc_tensor_count(t);
    if (count > max)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s has %zu elements, at most %zu allowed",
                              what, count, max);
    if (count > 0 && (!t->data || t->bytes < count * tflc_dtype_size(t->dtype)))
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s has no data", what);
    for (size_t i = 0; i < count; i++) out[i] = tflc_sh_index_at(t, i);
    *n = count;
    return TFLC_OK;
}

static inline tflc_status tflc_sh_const_ints(tflc_node *node, const tflc_tensor *t,
                                             const char *what, int64_t *out, size_t max,
                                             size_t *n) {
    return tflc_sh_read_ints(node, t, what, out, max, n, false);
}

/* One constant scalar (or one-element tensor) of int32/int64, e.g. an axis. */
static inline tflc_status tflc_sh_const_scalar(tflc_node *node, const tflc_tensor *t,
                                               const char *what, int64_t *out) {
    size_t n = 0;
    tflc_status s = tflc_sh_const_ints(node, t, what, out, 1, &n);
    if (s == TFLC_OK && n != 1)
        return tflc_node_fail(node, TFLC_ERROR_INVALID_MODEL, "%s has %zu elements, expected 1", what, n);
    return s;
}

/* ------------------------------------------------------------- shapes -- */

/* Row-major element strides of dims[0..rank). */
static inline void tflc_sh_strides(const int32_t *dims, int rank, int64_t *strides) {
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = s;
        s *= dims[d];
    }
}

/* ---------------------------------------------------------- view copy -- */

/* Views may have more dimensions than tensors (TILE doubles the rank). */
#define TFLC_SH_VIEW_MAX (2 * TFLC_MAX_RANK)

/* A strided walk over `rank` dims: element (i0..ir) is at base + sum i_d * stride_d
 * (elements, strides may be 0 or negative). */
typedef struct tflc_sh_view {
    int rank;
    int32_t dims[TFLC_SH_VIEW_MAX];
    int64_t in_base, in_strides[TFLC_SH_VIEW_MAX];
    int64_t out_base, out_strides[TFLC_SH_VIEW_MAX];
} tflc_sh_view;

/* Output written densely in row-major order (out strides follow dims, base 0). */
static inline void tflc_sh_view_dense_out(tflc_sh_view *v) {
    v->out_base = 0;
    tflc_sh_strides(v->dims, v->rank, v->out_strides);
}

/* Advances (idx, io, oo) to the next run of the view's last dimension (an odometer over
 * dims 0..rank-2, offsets in elements); false after the last run. */
static inline bool tflc_sh_view_next_run(const tflc_sh_view *v, int32_t *idx, int64_t *io,
                                         int64_t *oo) {
    for (int d = v->rank - 2; d >= 0; d--) {
        *io += v->in_strides[d];
        *oo += v->out_strides[d];
        if (++idx[d] < v->dims[d]) return true;
        *io -= v->in_strides[d] * v->dims[d];
        *oo -= v->out_strides[d] * v->dims[d];
        idx[d] = 0;
    }
    return false;
}

/* Copies every element of the view from in to out (elem bytes each). The callers built
 * the view from shapes checked at prepare, so every offset lies inside both buffers. */
static inline void tflc_sh_view_copy(const tflc_sh_view *v, const void *in, void *out, size_t elem) {
    const char *src = in;
    char *dst = out;
    int r = v->rank;
    if (tflc_shape_count(v->dims, r) == 0) return;
    if (r == 0) { memcpy(dst + v->out_base * (int64_t)elem, src + v->in_base * (int64_t)elem, elem); return; }
    int32_t idx[TFLC_SH_VIEW_MAX] = {0};
    int64_t io = v->in_base, oo = v->out_base;
    int32_t inner = v->dims[r - 1];
    int64_t is = v->in_strides[r - 1], os = v->out_strides[r - 1];
    bool contiguous = is == 1 && os == 1;
    for (;;) {
        if (contiguous) {
            memcpy(dst + oo * (int64_t)elem, src + io * (int64_t)elem, (size_t)inner * elem);
        } else {
            for (int32_t i = 0; i < inner; i++)
                memcpy(dst + (oo + i * os) * (int64_t)elem, src + (io + i * is) * (int64_t)elem, elem);
        }
        if (!tflc_sh_view_next_run(v, idx, &io, &oo)) return;
    }
}

/* ------------------------------------------------------- quantization -- */

/* The single scale and zero point of a per-tensor quantized tensor (1 and 0 when it has
 * none). */
static inline void tflc_sh_scale_zp(const tflc_tensor *t, float *scale, int32_t *zp) {
    const tflc_quantization *q = tflc_ops_quant(t);
    *scale = q ? q->scales[0] : 1.0f;
    *zp = q ? (int32_t)tflc_ops_zero_point(q, 0) : 0;
}

/* LiteRT's QuantizeMultiplier: real = q * 2^shift with q in [0.5, 1) as a Q31 integer. */
static inline void tflc_sh_quantize_multiplier(double real, int32_t *multiplier, int *shift) {
    if (!(real > 0.0) || !isfinite(real)) {
        *multiplier = 0;
        *shift = 0;
        return;
    } /* callers check scales */
    int e = 0;
    double q = frexp(real, &e);
    int64_t fixed = (int64_t)round(q * (double)(1ll << 31));
    if (fixed == (1ll << 31)) { fixed /= 2; e++; }
    if (e < -31) { e = 0; fixed = 0; }
    if (e > 30) { e = 30; fixed = (1ll << 31) - 1; }
    *multiplier = (int32_t)fixed;
    *shift = e;
}

/* gemmlowp's SaturatingRoundingDoublingHighMul. */
static inline int32_t tflc_sh_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
    return (int32_t)((ab + nudge) / (1ll << 31));
}

/* gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded half away from zero. */
static inline int32_t tflc_sh_rdbpot(int32_t x, int exponent) {
    int32_t mask = (int32_t)((1ll << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* LiteRT's MultiplyByQuantizedMultiplier (the default double-rounding form). */
static inline int32_t tflc_sh_mul_qm(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int64_t shifted = (int64_t)x * ((int64_t)1 << left);
    if (shifted > INT32_MAX) shifted = INT32_MAX;
    if (shifted < INT32_MIN) shifted = INT32_MIN;
    return tflc_sh_rdbpot(tflc_sh_srdhm((int32_t)shifted, multiplier), right);
}

/* LiteRT's 64-bit MultiplyByQuantizedMultiplier: the multiplier rounded to 16 bits, one
 * rounding shift. */
static inline int32_t tflc_sh_mul_qm64(int64_t x, int32_t multiplier, int shift) {
    int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    int total = 15 - shift;
    int64_t r = x * (int64_t)reduced + ((int64_t)1 << (total - 1));
    r = r >= 0 ? r >> total : -((-r - 1) >> total) - 1;   /* arithmetic shift, spelled out */
    return (int32_t)(r > INT32_MAX ? INT32_MAX : (r < INT32_MIN ? INT32_MIN : r));
}

/* Integer value of element i of an int8/uint8/int16 tensor's data. */
static inline int32_t tflc_sh_qload(tflc_dtype dt, const void *data, size_t i) {
    switch (dt) {
    case TFLC_INT8: return ((const int8_t *)data)[i];
    case TFLC_UINT8: return ((const uint8_t *)data)[i];
    default: return ((const int16_t *)data)[i];
    }
}

/* Stores v (already clamped, or to be wrapped as LiteRT's static_cast does). */
static inline void tflc_sh_qstore(tflc_dtype dt, void *data, size_t i, int32_t v) {
    switch (dt) {
    case TFLC_INT8: ((int8_t *)data)[i] = (int8_t)(uint8_t)((uint32_t)v & 0xffu); break;
    case TFLC_UINT8: ((uint8_t *)data)[i] = (uint8_t)((uint32_t)v & 0xffu); break;
    default: ((int16_t *)data)[i] = (int16_t)(uint16_t)((uint32_t)v & 0xffffu); break;
    }
}

static inline int32_t tflc_sh_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* roundf(v) as an int32 (half away from zero), saturated instead of undefined when v is
 * out of range or NaN (degenerate scales). */
static inline int32_t tflc_sh_round_i32(float v) {
    if (!(v > -2147483520.0f)) return v != v ? 0 : INT32_MIN;
    if (v >= 2147483520.0f) return INT32_MAX;
    return (int32_t)roundf(v);
}

#endif
