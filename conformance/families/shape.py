"""Shape family: shape ops, reductions, gather/scatter, padding, space/depth, scans.

Every case keeps its data tensors as model inputs (the converter folds an op whose inputs
are all constant); axes, sizes and shapes stay constants, as in real models. Dynamic
dimensions (TensorSpec with None) keep SHAPE and the SHAPE -> STRIDED_SLICE -> PACK ->
RESHAPE arithmetic in the model; tflc folds it at allocate.

Tolerances: exact everywhere (data movement copies bits; integer and quantized outputs are
bit-exact by rule) except float SUM/MEAN/REDUCE_PROD, where LiteRT's optimized kernels
(Eigen for MEAN over the last axis) may add in another order: rel 1e-5 of max|want|.
"""
import numpy as np
import tensorflow as tf

from conformance.case import Case, Tolerance, random_inputs
from conformance.convert import convert

F32, I32, I64, I8, U8, I16, B = tf.float32, tf.int32, tf.int64, tf.int8, tf.uint8, tf.int16, tf.bool
EXACT = Tolerance()
REDUCE = Tolerance("rel", rel=1e-5, why="float sum/mean/product: LiteRT's optimized kernels "
                                        "(Eigen for a last-axis MEAN) may add in another order")


def spec(*shape, dtype=F32):
    return tf.TensorSpec(list(shape), dtype)


def case(name, ops, fn, specs, form="float32", tolerance=EXACT, inputs=None, note="", **kw):
    return Case(name=name, ops=ops, make=lambda: convert(fn, specs, form=form),
                inputs=inputs or random_inputs(), tolerance=tolerance, note=note, **kw)


# ------------------------------------------------------------------ inputs --

def g_default(rng, d):
    return random_inputs()(rng, [d])[0]


def g_ints(lo, hi):
    """Integers in [lo, hi) of the input's dtype (indices, ids)."""
    return lambda rng, d: rng.integers(lo, hi, size=tuple(d["shape"])).astype(np.dtype(d["dtype"]))


def g_shape(*shape):
    """Default values, but of the given shape (resizes a dynamic input)."""
    return lambda rng, d: random_inputs()(rng, [dict(d, shape=list(shape))])[0]


def inputs(*gens):
    return lambda rng, details: [g(rng, d) for g, d in zip(gens, details)]


# ------------------------------------------------------------- reductions --

def reduction_cases():
    out = []
    red = {"SUM": tf.reduce_sum, "MEAN": tf.reduce_mean, "REDUCE_MAX": tf.reduce_max,
           "REDUCE_MIN": tf.reduce_min, "REDUCE_PROD": tf.reduce_prod}
    tol = {"SUM": REDUCE, "MEAN": REDUCE, "REDUCE_PROD": REDUCE}

    def add(op, variant, shape, axis, keep, dtype=F32, form="float32", inp=None):
        f = red[op]
        name = f"{op.lower()}/{variant}/{form if form != 'float32' else dtype.name}"
        t = tol.get(op, EXACT) if dtype == F32 and form == "float32" else EXACT
        out.append(case(name, [op], lambda x: f(x, axis=axis, keepdims=keep),
                        [spec(*shape, dtype=dtype)], form=form, tolerance=t, inputs=inp))

    for op in ("SUM", "MEAN", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD"):
        add(op, "axis1", [3, 4, 5], [1], False)
        add(op, "neg_keep", [2, 3, 4], [-1], True)
        add(op, "multi", [2, 3, 4, 5], [0, 2], False)
        add(op, "all", [3, 4], [0, 1], False)
        add(op, "axis1", [3, 4, 5], [1], False, dtype=I32)
    for op in ("SUM", "MEAN", "REDUCE_MAX", "REDUCE_MIN"):
        add(op, "rank5", [2, 2, 3, 2, 3], [1, -2], True)
        add(op, "hw_keep", [1, 4, 5, 3], [1, 2], True, form="int8")
        add(op, "last", [2, 3, 6], [-1], False, form="int8")
        add(op, "hw_keep", [1, 4, 5, 3], [1, 2], True, form="int16x8")
    for op in ("SUM", "REDUCE_MAX", "REDUCE_PROD"):
        add(op, "axis0", [4, 3], [0], False, dtype=I64)
    add("MEAN", "hw_nokeep", [2, 4, 4, 3], [1, 2], False, form="int8")
    # LiteRT's builtin int8 MEAN of [B,H,W,C] over {1,2} with keep_dims (a global average
    # pool) runs its NEON loop (NEON_2_SSE on x86) on blocks of 16 channels, whose multiply
    # rounds ties up, and a scalar loop on the last C % 16; both rescale the raw sum with a
    # float-derived multiplier and bias, not the reference kernel's fixed point: nearly half
    # the outputs differ from the reference kernels, so these compare with the builtin only.
    for shape, axis in (([4, 6, 6, 5], [1, 2]), ([1, 4, 4, 16], [1, 2]), ([1, 7, 7, 24], [2, 1]),
                        ([1, 14, 14, 72], [1, 2]), ([2, 3, 5, 96], [1, 2]), ([1, 6, 6, 40], [-3, -2])):
        out.append(case(f"mean/hw_keep_c{shape[3]}_builtin/int8", ["MEAN"],
                        lambda x, axis=axis: tf.reduce_mean(x, axis=axis, keepdims=True),
                        [spec(*shape)], form="int8", builtin_only=True,
                        note=f"{shape} over {axis}: 16-channel blocks as LiteRT's vector loop, "
                             "the rest as its scalar one; builtin only"))
    add("MEAN", "all", [3, 4], [0, 1], False, form="int8")
    add("MEAN", "multi_keep", [2, 3, 4, 2], [0, 3], True, form="int16x8")
    add("MEAN", "hw_keep", [1, 4, 5, 3], [1, 2], True)
    add("SUM", "dup_axes", [3, 4], [1, -1], False)
    add("REDUCE_PROD", "last", [2, 3, 4], [-1], False, form="int8", inp=random_inputs(-1.5, 1.5))
    add("REDUCE_PROD", "axis1", [3, 3, 2], [1], True, form="int16x8")
    for op, f in (("REDUCE_ANY", tf.reduce_any), ("REDUCE_ALL", tf.reduce_all)):
        for variant, shape, axis, keep in (("axis1", [3, 4], [1], False), ("neg_keep", [2, 3, 4], [-1], True),
                                           ("multi", [2, 3, 4], [0, 2], False)):
            out.append(case(f"{op.lower()}/{variant}/bool", [op],
                            lambda x, f=f, axis=axis, keep=keep: f(x, axis=axis, keepdims=keep),
                            [spec(*shape, dtype=B)]))
    return out


# ---------------------------------------------------------- arg min / max --

def arg_cases():
    out = []
    for op, f in (("ARG_MAX", tf.math.argmax), ("ARG_MIN", tf.math.argmin)):
        n = op.lower()
        out += [
            case(f"{n}/last/float32", [op], lambda x, f=f: f(x, axis=-1), [spec(3, 7)]),
            case(f"{n}/axis0_i32out/float32", [op], lambda x, f=f: f(x, axis=0, output_type=I32),
                 [spec(4, 3, 2)]),
            case(f"{n}/ties/int32", [op], lambda x, f=f: f(x, axis=1), [spec(3, 6, dtype=I32)],
                 inputs=inputs(g_ints(-2, 3)), note="many ties: the first index wins"),
            case(f"{n}/raw/int8", [op], lambda x, f=f: f(x, axis=-1), [spec(4, 9, dtype=I8)]),
            case(f"{n}/raw/uint8", [op], lambda x, f=f: f(x, axis=1), [spec(4, 9, dtype=U8)]),
            case(f"{n}/last/int8", [op], lambda x, f=f: f(x, axis=-1, output_type=I32), [spec(2, 3, 8)],
                 form="int8"),
        ]
    return out


# ---------------------------------------------------------- data movement --

MOVE_DTYPES = (F32, I32, I64, I8, U8, I16, B)
RAW = (I8, U8, I16)   # not quantized: plain integer tensors (names say "_raw")


def raw(variant, dt):
    return variant + "_raw" if dt in RAW else variant


def movement_cases():
    out = []

    def each_dtype(op, variant, fn, shape, dtypes=MOVE_DTYPES, forms=("int8", "int16x8"), **kw):
        for dt in dtypes:
            out.append(case(f"{op.lower()}/{raw(variant, dt)}/{dt.name}", [op], fn, [spec(*shape, dtype=dt)], **kw))
        for form in forms:
            out.append(case(f"{op.lower()}/{variant}/{form}", [op], fn, [spec(*shape)], form=form, **kw))

    each_dtype("TRANSPOSE", "perm3", lambda x: tf.transpose(x, [2, 0, 1]), [2, 3, 4], dtypes=(F32, I32, I64, I8, U8, B))
    out.append(case("transpose/rank5/float32", ["TRANSPOSE"], lambda x: tf.transpose(x, [4, 2, 0, 3, 1]),
                    [spec(2, 3, 1, 4, 2)]))
    out.append(case("transpose/rank1_4d/float32", ["TRANSPOSE"], lambda x: tf.transpose(x, [0, 3, 1, 2]),
                    [spec(1, 5, 6, 3)]))
    each_dtype("SLICE", "box", lambda x: tf.slice(x, [1, 0, 2], [2, -1, 2]), [3, 4, 5], dtypes=(F32, I32, I64, I8, U8, B))
    each_dtype("STRIDED_SLICE", "neg_stride", lambda x: x[1:3, ::-1, 1::2], [4, 3, 6],
               dtypes=(F32, I32, I64, I8, B))
    ss = [
        ("shrink", lambda x: x[:, 1, -2:], [3, 4, 5]),
        ("ellipsis", lambda x: x[..., 1:3], [2, 3, 4, 5]),
        ("newaxis", lambda x: x[:, tf.newaxis, 1:], [3, 4]),
        ("masks", lambda x: x[:-1, 2:, ::2], [4, 5, 6]),
        ("neg_begin", lambda x: x[-3:-1, -1:0:-2], [5, 6]),
        ("rank5", lambda x: x[:, 1:, :, ::-1, 0], [2, 3, 2, 4, 3]),
        ("clamp", lambda x: x[1:100, -100:2], [3, 4]),
    ]
    for variant, fn, shape in ss:
        out.append(case(f"strided_slice/{variant}/float32", ["STRIDED_SLICE"], fn, [spec(*shape)]))
    out.append(case("strided_slice/shrink/int8", ["STRIDED_SLICE"], ss[0][1], [spec(3, 4, 5)], form="int8"))
    each_dtype("REVERSE_V2", "axis1", lambda x: tf.reverse(x, [1]), [2, 4, 3], dtypes=(F32, I32, I64, U8, I16, B))
    out.append(case("reverse_v2/two_axes/float32", ["REVERSE_V2"], lambda x: tf.reverse(x, [0, 1]),
                    [spec(3, 2, 4)]))
    each_dtype("TILE", "mult", lambda x: tf.tile(x, [2, 1, 3]), [2, 3, 2], dtypes=(F32, I32, I64, U8, B))
    each_dtype("BROADCAST_TO", "lead", lambda x: tf.broadcast_to(x, [2, 3, 4]), [3, 1],
               dtypes=(F32, I32, I64, I8, B), forms=("int8",))
    return out


def pack_split_cases():
    out = []
    for dt in (F32, I32, I64, I8):
        out.append(case(f"pack/{raw('axis1', dt)}/{dt.name}", ["PACK"],
                        lambda x, y, z: tf.stack([x, y, z], axis=1), [spec(2, 4, dtype=dt)] * 3))
    for dt in (F32, I32, I8, B):
        out.append(case(f"unpack/{raw('axis1', dt)}/{dt.name}", ["UNPACK"], lambda x: tf.unstack(x, axis=1),
                        [spec(2, 3, 4, dtype=dt)]))
    out += [
        case("pack/neg_axis/float32", ["PACK"], lambda x, y: tf.stack([x, y], axis=-1), [spec(2, 3)] * 2),
        case("pack/axis0/int8", ["PACK"], lambda x, y: tf.stack([x, y], axis=0), [spec(3, 2)] * 2, form="int8"),
        case("unpack/neg_axis/float32", ["UNPACK"], lambda x: tf.unstack(x, axis=-1), [spec(3, 2, 2)]),
        case("unpack/axis0/int16x8", ["UNPACK"], lambda x: tf.unstack(x, axis=0), [spec(3, 4)], form="int16x8"),
    ]
    for dt in (F32, I32, I8):
        out.append(case(f"split/{raw('axis1', dt)}/{dt.name}", ["SPLIT"], lambda x: tf.split(x, 3, axis=1),
                        [spec(2, 6, 2, dtype=dt)]))
    for dt in (F32, I32, I64, I8):
        out.append(case(f"split_v/{raw('axis_neg', dt)}/{dt.name}", ["SPLIT_V"],
                        lambda x: tf.split(x, [1, 3, 2], axis=-1), [spec(2, 3, 6, dtype=dt)]))
    out += [
        case("split/axis0/int8", ["SPLIT"], lambda x: tf.split(x, 2, axis=0), [spec(4, 3)], form="int8"),
        case("split_v/infer/float32", ["SPLIT_V"], lambda x: tf.split(x, [2, -1], axis=0), [spec(5, 3)]),
        case("split_v/axis1/int16x8", ["SPLIT_V"], lambda x: tf.split(x, [1, 4], axis=1), [spec(2, 5)],
             form="int16x8"),
    ]
    for dt in (F32, I32, I64, I8, I16):
        out.append(case(f"concatenation/{raw('axis_neg', dt)}/{dt.name}", ["CONCATENATION"],
                        lambda x, y: tf.concat([x, y], axis=-1), [spec(2, 3, dtype=dt), spec(2, 4, dtype=dt)]))
    out += [
        case("concatenation/axis0/int8", ["CONCATENATION"], lambda x, y: tf.concat([x, y], axis=0),
             [spec(2, 3), spec(1, 3)], form="int8"),
        case("concatenation/three/int16x8", ["CONCATENATION"], lambda x, y, z: tf.concat([x, y, z], axis=1),
             [spec(2, 1), spec(2, 2), spec(2, 3)], form="int16x8"),
        case("concatenation/rank5/float32", ["CONCATENATION"], lambda x, y: tf.concat([x, y], axis=2),
             [spec(1, 2, 3, 2, 2), spec(1, 2, 1, 2, 2)]),
    ]
    return out


# ------------------------------------------------------- gather / scatter --

def gather_cases():
    out = []
    for dt in (F32, I32, I64, I8, B):
        out.append(case(f"gather/{raw('axis0', dt)}/{dt.name}", ["GATHER"], lambda p, i: tf.gather(p, i),
                        [spec(5, 3, dtype=dt), spec(4, dtype=I32)], inputs=inputs(g_default, g_ints(0, 5))))
    out += [
        case("gather/axis1_2d_idx/float32", ["GATHER"], lambda p, i: tf.gather(p, i, axis=1),
             [spec(2, 6, 3), spec(2, 3, dtype=I32)], inputs=inputs(g_default, g_ints(0, 6))),
        case("gather/neg_axis_i64/float32", ["GATHER"], lambda p, i: tf.gather(p, i, axis=-1),
             [spec(3, 4), spec(5, dtype=I64)], inputs=inputs(g_default, g_ints(0, 4))),
        case("gather/batch_dims/float32", ["GATHER"], lambda p, i: tf.gather(p, i, axis=1, batch_dims=1),
             [spec(3, 5, 2), spec(3, 4, dtype=I32)], inputs=inputs(g_default, g_ints(0, 5))),
        case("gather/axis0/int8", ["GATHER"], lambda p, i: tf.gather(p, i), [spec(6, 4), spec(3, dtype=I32)],
             form="int8", inputs=inputs(g_default, g_ints(0, 6))),
        case("gather/axis1/int16x8", ["GATHER"], lambda p, i: tf.gather(p, i, axis=1),
             [spec(3, 4), spec(2, dtype=I32)], form="int16x8",
             inputs=inputs(g_default, g_ints(0, 4))),
    ]
    for dt in (F32, I32, I64, I8):
        out.append(case(f"gather_nd/{raw('pairs', dt)}/{dt.name}", ["GATHER_ND"], lambda p, i: tf.gather_nd(p, i),
                        [spec(4, 5, 3, dtype=dt), spec(6, 2, dtype=I32)],
                        inputs=inputs(g_default, g_ints(0, 4))))
    out += [
        case("gather_nd/rows/float32", ["GATHER_ND"], lambda p, i: tf.gather_nd(p, i),
             [spec(5, 3), spec(2, 2, 1, dtype=I32)], inputs=inputs(g_default, g_ints(0, 5))),
        case("gather_nd/full/int64", ["GATHER_ND"], lambda p, i: tf.gather_nd(p, i),
             [spec(3, 3, dtype=I64), spec(4, 2, dtype=I64)], inputs=inputs(g_default, g_ints(0, 3))),
        case("gather_nd/pairs/int8", ["GATHER_ND"], lambda p, i: tf.gather_nd(p, i),
             [spec(4, 4, 2), spec(3, 2, dtype=I32)], form="int8", inputs=inputs(g_default, g_ints(0, 4))),
    ]
    for dt in (F32, I32, I64):
        out.append(case(f"scatter_nd/rows/{dt.name}", ["SCATTER_ND"],
                        lambda i, u: tf.scatter_nd(i, u, [5, 3]),
                        [spec(4, 1, dtype=I32), spec(4, 3, dtype=dt)], inputs=inputs(g_ints(0, 5), g_default),
                        note="duplicate indices add"))
    out.append(case("scatter_nd/elements/float32", ["SCATTER_ND"], lambda i, u: tf.scatter_nd(i, u, [3, 4]),
                    [spec(5, 2, dtype=I32), spec(5)], inputs=inputs(g_ints(0, 3), g_default)))
    return out


# ------------------------------------------------------------------ padding --

def pad_cases():
    out = []
    pads = [[1, 0], [0, 2], [2, 1]]
    for dt in (F32, I32, I64):
        out.append(case(f"pad/three/{dt.name}", ["PAD"], lambda x: tf.pad(x, pads), [spec(2, 3, 2, dtype=dt)]))
    out += [
        case("pad/three/int8", ["PAD"], lambda x: tf.pad(x, pads), [spec(2, 3, 2)], form="int8",
             note="pads with the output zero point"),
        case("pad/three/int16x8", ["PAD"], lambda x: tf.pad(x, pads), [spec(2, 3, 2)], form="int16x8"),
        case("pad/rank5/float32", ["PAD"], lambda x: tf.pad(x, [[0, 1], [1, 0], [0, 0], [1, 1], [0, 2]]),
             [spec(1, 2, 2, 2, 1)]),
        case("padv2/const/float32", ["PADV2"], lambda x: tf.pad(x, pads, constant_values=1.5),
             [spec(2, 3, 2)]),
        case("padv2/const/int32", ["PADV2"], lambda x: tf.pad(x, pads, constant_values=-7),
             [spec(2, 3, 2, dtype=I32)]),
        case("padv2/const/int8", ["PADV2"], lambda x: tf.pad(x, pads, constant_values=0.25), [spec(2, 3, 2)],
             form="int8"),
    ]
    for mode in ("REFLECT", "SYMMETRIC"):
        m = mode.lower()
        for dt in (F32, I32, I64):
            out.append(case(f"mirror_pad/{m}/{dt.name}", ["MIRROR_PAD"],
                            lambda x, mode=mode: tf.pad(x, [[1, 2], [2, 1]], mode=mode), [spec(3, 4, dtype=dt)]))
        out.append(case(f"mirror_pad/{m}/int8", ["MIRROR_PAD"],
                        lambda x, mode=mode: tf.pad(x, [[0, 1], [2, 2], [1, 0]], mode=mode), [spec(2, 3, 3)],
                        form="int8"))
    return out


# ------------------------------------------------------------- space/depth --

def space_cases():
    out = []
    for form in ("float32", "int8"):
        out += [
            case(f"space_to_depth/b2/{form}", ["SPACE_TO_DEPTH"], lambda x: tf.nn.space_to_depth(x, 2),
                 [spec(1, 4, 6, 3)], form=form),
            case(f"depth_to_space/b2/{form}", ["DEPTH_TO_SPACE"], lambda x: tf.nn.depth_to_space(x, 2),
                 [spec(2, 2, 3, 8)], form=form),
        ]
    for form in ("float32", "int8"):
        out += [
            case(f"space_to_batch_nd/pad/{form}", ["SPACE_TO_BATCH_ND"],
                 lambda x: tf.space_to_batch(x, [2, 2], [[0, 1], [1, 1]]), [spec(2, 3, 4, 2)], form=form),
            case(f"batch_to_space_nd/crop/{form}", ["BATCH_TO_SPACE_ND"],
                 lambda x: tf.batch_to_space(x, [2, 2], [[0, 1], [1, 0]]), [spec(8, 2, 3, 2)], form=form),
        ]
    out += [
        case("space_to_depth/b3/int32", ["SPACE_TO_DEPTH"], lambda x: tf.nn.space_to_depth(x, 3),
             [spec(1, 3, 6, 2, dtype=I32)]),
        case("space_to_batch_nd/1d/float32", ["SPACE_TO_BATCH_ND"],
             lambda x: tf.space_to_batch(x, [3], [[1, 1]]), [spec(2, 4, 3)]),
        case("batch_to_space_nd/1d/float32", ["BATCH_TO_SPACE_ND"],
             lambda x: tf.batch_to_space(x, [2], [[1, 0]]), [spec(4, 3, 2)]),
    ]
    return out


# --------------------------------------------------- shape, fill, scans --

def misc_cases():
    out = [
        case("shape/dynamic/int32", ["SHAPE"], lambda x: tf.shape(x), [spec(None, 3, 2)],
             inputs=inputs(g_shape(4, 3, 2))),
        case("shape/dynamic_i64/int64", ["SHAPE"], lambda x: tf.shape(x, out_type=I64), [spec(None, 5)],
             inputs=inputs(g_shape(2, 5))),
        case("reshape/dynamic_batch/float32", ["RESHAPE"], lambda x: tf.reshape(x, [tf.shape(x)[0], -1]),
             [spec(None, 2, 3)], inputs=inputs(g_shape(3, 2, 3)),
             note="SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE, folded at allocate"),
        case("fill/value_input/float32", ["FILL"], lambda v: tf.fill([2, 3], v), [spec()]),
        case("fill/value_input/int32", ["FILL"], lambda v: tf.fill([3, 1, 2], v), [spec(dtype=I32)]),
        case("fill/value_input/int64", ["FILL"], lambda v: tf.fill([4], v), [spec(dtype=I64)]),
        case("fill/value_input/bool", ["FILL"], lambda v: tf.fill([2, 2], v), [spec(dtype=B)]),
        case("broadcast_to/ones_like_dynamic/float32", ["BROADCAST_TO", "SHAPE"], lambda x: tf.ones_like(x),
             [spec(None, 3)], inputs=inputs(g_shape(2, 3)), note="SHAPE and BROADCAST_TO, folded at allocate"),
        case("zeros_like/dynamic/float32", ["ZEROS_LIKE"], lambda x: tf.zeros_like(x) + x, [spec(None, 3)],
             inputs=inputs(g_shape(2, 3)), expect_ops=["ZEROS_LIKE"]),
        case("zeros_like/dynamic/int32", ["ZEROS_LIKE"], lambda x: tf.zeros_like(x), [spec(None, 3, dtype=I32)],
             inputs=inputs(g_shape(2, 3)), expect_ops=["ZEROS_LIKE"]),
        case("range/folded_limit/int32", ["RANGE"], lambda x: tf.range(1, tf.shape(x)[0], 2), [spec(None, 2)],
             inputs=inputs(g_shape(7, 2)), note="limit from SHAPE, folded at allocate"),
    ]
    for dt in (F32, I32, I64):
        for variant, kw in (("plain", {}), ("exclusive", {"exclusive": True}), ("reverse", {"reverse": True}),
                            ("both", {"exclusive": True, "reverse": True})):
            out.append(case(f"cumsum/{variant}/{dt.name}", ["CUMSUM"],
                            lambda x, kw=kw: tf.math.cumsum(x, axis=1, **kw), [spec(2, 5, 3, dtype=dt)]))
    for dt in (F32, I32, I64, I8):
        out.append(case(f"topk_v2/{raw('k3', dt)}/{dt.name}", ["TOPK_V2"], lambda x: tf.math.top_k(x, k=3),
                        [spec(2, 3, 7, dtype=dt)],
                        inputs=inputs(g_ints(-3, 4)) if dt != F32 else None, note="ties keep the lower index"))
    out.append(case("topk_v2/k1/int8", ["TOPK_V2"], lambda x: tf.math.top_k(x, k=1), [spec(3, 5)], form="int8"))
    for dt, on, off in ((F32, 2.5, -1.0), (I32, 5, 0), (I64, 1, -1), (B, True, False)):
        out.append(case(f"one_hot/last/{dt.name}", ["ONE_HOT"],
                        lambda i, dt=dt, on=on, off=off: tf.one_hot(i, 4, on_value=tf.constant(on, dt),
                                                                     off_value=tf.constant(off, dt)),
                        [spec(2, 3, dtype=I32)], inputs=inputs(g_ints(-1, 5)),
                        note="-1 and 4 are outside [0, depth): all-off rows"))
    out.append(case("one_hot/axis0/float32", ["ONE_HOT"], lambda i: tf.one_hot(i, 3, axis=0),
                    [spec(4, dtype=I64)], inputs=inputs(g_ints(0, 3))))
    return out


def cases():
    return (reduction_cases() + arg_cases() + movement_cases() + pack_split_cases() + gather_cases()
            + pad_cases() + space_cases() + misc_cases())
