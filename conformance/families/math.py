"""Math family: elementwise arithmetic, unary math, activations, comparisons, logic, select
and cast, over float32, plain integers, and the quantized forms the converter emits (int8
with int8 I/O; int16x8 with float I/O, so QUANTIZE/DEQUANTIZE sit at the edges and the op in
the middle runs on int16).

Data tensors stay model inputs (the converter folds ops whose inputs are all constant);
scalars and alphas are constants, as in real models. Broadcasting shapes cover same shape,
a scalar, [2,1,3] x [4,1], rank 4 and rank 5; a few cases keep a zero-size dimension.

int16 LOGISTIC/TANH run both of LiteRT's paths: a general input scale (TFLite's interpolated
sigmoid table) and a power-of-two one (2^-12, 2^-11: gemmlowp fixed point, where LiteRT's
builtin and reference kernels disagree and tflc follows the builtin one).

Tolerances: exact everywhere (integer, bool and quantized outputs are exact by rule; float
add/sub/mul/div, min/max, floor/ceil/round, abs/neg/square, sqrt, 1/sqrt, comparisons, select
and cast are the same correctly rounded operations as LiteRT's; exp, log, sin, cos, pow,
atan2 and expm1 call the same C library functions LiteRT calls), except where LiteRT's
builtin kernels use Eigen's vectorized approximations instead of the C library:
LOGISTIC, TANH and GELU (tanh/erfc), and LOG_SOFTMAX (Eigen exp and a vectorized sum). Their
bounds were measured against LiteRT on 200k points in [-20, 20] and are stated with each
tolerance.
"""
import dataclasses

import numpy as np
import tensorflow as tf

from conformance.case import Case, Tolerance, random_inputs
from conformance.convert import convert

F32, I32, I64, I16, I8, U8, B = tf.float32, tf.int32, tf.int64, tf.int16, tf.int8, tf.uint8, tf.bool
EXACT = Tolerance()
EIGEN_TANH = Tolerance("ulp", ulp=6, why="float TANH: LiteRT uses Eigen's rational tanh, tflc "
                                          "libm tanhf; measured <= 5 ulp on 200k points in [-20, 20]")
EIGEN_LOGISTIC = Tolerance("ulp", ulp=4, abs=1.2e-7,
                           why="float LOGISTIC: LiteRT's e/(1+e) uses Eigen's exp, tflc libm "
                               "expf; measured <= 4 ulp, or <= 1.2e-7 absolute where the output "
                               "is tiny, on 200k points in [-20, 20]")
EIGEN_GELU = Tolerance("ulp", ulp=4, abs=3e-7,
                       why="float GELU (erfc): LiteRT uses Eigen's erfc, tflc libm erfcf; "
                           "measured <= 2 ulp, or <= 2.4e-7 absolute near zero")
EIGEN_GELU_APPROX = Tolerance("ulp", ulp=4, abs=1e-6,
                              why="float GELU (tanh form): Eigen's tanh vs libm tanhf, and "
                                  "1 + tanh(.) cancels for negative inputs, so outputs near 0 "
                                  "carry an absolute error; measured <= 9.6e-7 in [-20, 20]")
LOG_SOFTMAX = Tolerance("rel", rel=1e-6,
                        why="float LOG_SOFTMAX: LiteRT sums Eigen's exp in vectorized order, "
                            "tflc sums libm expf in order")


def spec(*shape, dtype=F32):
    return tf.TensorSpec(list(shape), dtype)


def case(name, ops, fn, specs, form="float32", tolerance=EXACT, inputs=None, note="", **kw):
    return Case(name=name, ops=ops, make=lambda: convert(fn, specs, form=form),
                inputs=inputs or random_inputs(), tolerance=tolerance, note=note, **kw)


# ------------------------------------------------------------------ inputs --

def g_uniform(lo, hi):
    """Floats in [lo, hi) (float inputs); int inputs over their dtype or small values."""
    return lambda rng, d: random_inputs(lo, hi)(rng, [d])[0]


def g_ints(lo, hi):
    return lambda rng, d: rng.integers(lo, hi, size=tuple(d["shape"])).astype(np.dtype(d["dtype"]))


def g_nonzero(lo, hi):
    """Integers in [lo, hi) without 0 (divisors)."""
    def make(rng, d):
        v = rng.integers(lo, hi, size=tuple(d["shape"]))
        v[v == 0] = 1
        return v.astype(np.dtype(d["dtype"]))
    return make


def g_away(lo, hi):
    """Floats with lo <= |x| < hi and a random sign (divisors away from 0)."""
    def make(rng, d):
        shape = tuple(d["shape"])
        return (rng.uniform(lo, hi, size=shape) * rng.choice([-1.0, 1.0], size=shape)).astype(
            np.dtype(d["dtype"]))
    return make


def g_steps(lo, hi, step):
    """Floats on a grid (ties for ROUND, equal pairs for comparisons)."""
    def make(rng, d):
        n = int(round((hi - lo) / step))
        return (lo + step * rng.integers(0, n + 1, size=tuple(d["shape"]))).astype(np.dtype(d["dtype"]))
    return make


def g_empty(*shape):
    """An empty array of the given shape (a dynamic input resized to zero elements)."""
    return lambda rng, d: np.zeros(shape, np.dtype(d["dtype"]))


def g_bool(rng, d):
    return rng.integers(0, 2, size=tuple(d["shape"])).astype(np.bool_)


def inputs(*gens):
    return lambda rng, details: [g(rng, d) for g, d in zip(gens, details)]


# Broadcast shapes for binary ops: (variant, shape a, shape b).
SHAPES = [
    ("same", [2, 3, 4], [2, 3, 4]),
    ("bcast_2x1x3_4x1", [2, 1, 3], [4, 1]),
    ("rank4", [1, 2, 3, 4], [1, 1, 3, 1]),
    ("rank5", [2, 1, 3, 1, 2], [1, 2, 1, 4, 1]),
]


# ------------------------------------------------------------- arithmetic --

def arithmetic_cases():
    out = []
    ops = {"ADD": tf.add, "SUB": tf.subtract, "MUL": tf.multiply}
    for op, fn in ops.items():
        low = op.lower()
        for variant, a, b in SHAPES:
            out.append(case(f"{low}/{variant}/float32", [op], fn, [spec(*a), spec(*b)],
                            inputs=random_inputs(-4, 4)))
        out.append(case(f"{low}/scalar/float32", [op], lambda x, fn=fn: fn(x, 1.5),
                        [spec(3, 5)], note="a constant scalar operand"))
        out.append(case(f"{low}/relu/float32", [op], lambda x, y, fn=fn: tf.nn.relu(fn(x, y)),
                        [spec(2, 5), spec(5)], note="fused RELU"))
        out.append(case(f"{low}/relu6/float32", [op], lambda x, y, fn=fn: tf.nn.relu6(fn(x, y)),
                        [spec(2, 5), spec(2, 5)], inputs=random_inputs(-8, 8), note="fused RELU6"))
        out.append(case(f"{low}/same/int32", [op], fn, [spec(3, 4, dtype=I32)] * 2))
        out.append(case(f"{low}/bcast/int32", [op], fn, [spec(2, 1, 3, dtype=I32), spec(4, 1, dtype=I32)]))
        out.append(case(f"{low}/bcast/int64", [op], fn, [spec(2, 3, dtype=I64), spec(3, dtype=I64)]))
        for variant, a, b in SHAPES[:2]:
            out.append(case(f"{low}/{variant}/int8", [op], fn, [spec(*a), spec(*b)], form="int8"))
        out.append(case(f"{low}/relu/int8", [op], lambda x, y, fn=fn: tf.nn.relu(fn(x, y)),
                        [spec(2, 5), spec(2, 5)], form="int8", note="fused RELU, quantized"))
        out.append(case(f"{low}/same/int16x8", [op], fn, [spec(2, 3, 4), spec(2, 3, 4)],
                        form="int16x8"))
        out.append(case(f"{low}/bcast/int16x8", [op], fn, [spec(2, 1, 3), spec(4, 1)],
                        form="int16x8"))
    # LiteRT's builtin int16 ADD of same-shape inputs runs its NEON loop (NEON_2_SSE on x86)
    # on blocks of 16 elements, which rounds the input rescale and the output multiply
    # differently from the scalar formula of the last count % 16 (and of its reference
    # kernel): about 1 output in 8192 moves by a step, so this case is large (63 x 1041, a
    # 15-element tail) and compares with the builtin kernels only.
    out.append(dataclasses.replace(
        case("add/same_big_builtin/int16x8", ["ADD", "MUL"], lambda x, y: x + 0.3 * y,
             [spec(63, 1041), spec(63, 1041)], form="int16x8", inputs=random_inputs(-1, 1),
             note="blocks of 16 as LiteRT's vector loop, tail as its scalar one; builtin only"),
        builtin_only=True))
    out.append(case("add/relu_n1_to_1/float32", ["ADD"],
                    lambda x, y: tf.clip_by_value(x + y, -1.0, 1.0), [spec(3, 4), spec(3, 4)],
                    expect_ops=["ADD"], note="clip to [-1, 1] after an ADD"))
    out.append(case("add/zero_size/float32", ["ADD"], tf.add, [spec(None, 3), spec(3)],
                    inputs=inputs(g_empty(0, 3), g_uniform(-1, 1)),
                    note="dynamic batch resized to 0"))
    div_in = inputs(g_uniform(-4, 4), g_away(0.5, 2))
    for variant, a, b in SHAPES:
        out.append(case(f"div/{variant}/float32", ["DIV"], tf.divide, [spec(*a), spec(*b)],
                        inputs=div_in, note="divisor away from 0"))
    out.append(case("div/relu/float32", ["DIV"], lambda x, y: tf.nn.relu(x / y),
                    [spec(2, 5), spec(2, 5)], inputs=div_in))
    out.append(case("div/trunc/int32", ["DIV"], tf.truncatediv,
                    [spec(3, 4, dtype=I32), spec(3, 4, dtype=I32)],
                    inputs=inputs(g_ints(-50, 50), g_nonzero(-7, 8)), note="truncating"))
    return out


# ------------------------------------------------------------ binary math --

def binary_math_cases():
    out = []
    for op, fn in (("MAXIMUM", tf.maximum), ("MINIMUM", tf.minimum)):
        low = op.lower()
        for variant, a, b in SHAPES[:3]:
            out.append(case(f"{low}/{variant}/float32", [op], fn, [spec(*a), spec(*b)]))
        out.append(case(f"{low}/same/int32", [op], fn, [spec(3, 4, dtype=I32)] * 2))
        out.append(case(f"{low}/bcast/int64", [op], fn, [spec(2, 3, dtype=I64), spec(3, dtype=I64)]))
        out.append(case(f"{low}/bcast/int8", [op], fn, [spec(2, 1, 3), spec(4, 1)], form="int8"))
        out.append(case(f"{low}/same/int16x8", [op], fn, [spec(2, 6), spec(2, 6)], form="int16x8"))
    pow_in = inputs(g_uniform(0.1, 3), g_uniform(-2, 2))
    out.append(case("pow/same/float32", ["POW"], tf.pow, [spec(3, 4), spec(3, 4)], inputs=pow_in))
    out.append(case("pow/bcast/float32", ["POW"], tf.pow, [spec(2, 1, 3), spec(4, 1)], inputs=pow_in))
    out.append(case("pow/same/int32", ["POW"], tf.pow, [spec(3, 4, dtype=I32)] * 2,
                    inputs=inputs(g_ints(-5, 6), g_ints(0, 5)), note="non-negative exponents"))
    fd_in = inputs(g_uniform(-6, 6), g_away(0.5, 3))
    for op, fn in (("FLOOR_DIV", tf.math.floordiv), ("FLOOR_MOD", tf.math.floormod)):
        low = op.lower()
        out.append(case(f"{low}/same/float32", [op], fn, [spec(3, 4), spec(3, 4)], inputs=fd_in))
        out.append(case(f"{low}/bcast/float32", [op], fn, [spec(2, 1, 3), spec(4, 1)], inputs=fd_in))
        out.append(case(f"{low}/same/int32", [op], fn, [spec(3, 4, dtype=I32)] * 2,
                        inputs=inputs(g_ints(-50, 50), g_nonzero(-7, 8)), note="signs mixed"))
        out.append(case(f"{low}/bcast/int32", [op], fn, [spec(2, 3, dtype=I32), spec(3, dtype=I32)],
                        inputs=inputs(g_ints(-50, 50), g_nonzero(-7, 8))))
    sd = tf.math.squared_difference
    out.append(case("squared_difference/same/float32", ["SQUARED_DIFFERENCE"], sd, [spec(3, 4)] * 2))
    out.append(case("squared_difference/bcast/float32", ["SQUARED_DIFFERENCE"], sd,
                    [spec(2, 1, 3), spec(4, 1)]))
    out.append(case("squared_difference/same/int32", ["SQUARED_DIFFERENCE"], sd,
                    [spec(3, 4, dtype=I32)] * 2))
    out.append(case("squared_difference/same/int8", ["SQUARED_DIFFERENCE"], sd,
                    [spec(3, 4)] * 2, form="int8"))
    out.append(case("squared_difference/bcast/int8", ["SQUARED_DIFFERENCE"], sd,
                    [spec(2, 1, 3), spec(4, 1)], form="int8"))
    out.append(case("atan2/same/float32", ["ATAN2"], tf.math.atan2, [spec(3, 4)] * 2,
                    inputs=random_inputs(-3, 3)))
    return out


# ------------------------------------------------------------------ unary --

def unary_cases():
    out = []
    pos = g_uniform(0.05, 10)
    table = [
        ("ABS", tf.abs, None), ("NEG", tf.negative, None), ("SQUARE", tf.square, None),
        ("SQRT", tf.sqrt, pos), ("RSQRT", tf.math.rsqrt, pos), ("EXP", tf.exp, g_uniform(-5, 5)),
        ("LOG", tf.math.log, pos), ("SIN", tf.sin, g_uniform(-10, 10)),
        ("COS", tf.cos, g_uniform(-10, 10)), ("FLOOR", tf.floor, g_uniform(-5, 5)),
        ("CEIL", tf.math.ceil, g_uniform(-5, 5)), ("ROUND", tf.round, g_steps(-4, 4, 0.25)),
        ("SIGN", tf.sign, g_steps(-2, 2, 0.5)),
    ]
    for op, fn, gen in table:
        out.append(case(f"{op.lower()}/rank3/float32", [op], fn, [spec(2, 3, 5)],
                        inputs=inputs(gen or g_uniform(-4, 4))))
    out.append(case("round/ties/float32", ["ROUND"], tf.round, [spec(16)],
                    inputs=inputs(g_steps(-8, 8, 0.5)), note="half-way values: ties to even"))
    out.append(case("abs/rank1/int32", ["ABS"], tf.abs, [spec(17, dtype=I32)]))
    out.append(case("neg/rank2/int32", ["NEG"], tf.negative, [spec(3, 5, dtype=I32)]))
    out.append(case("neg/rank2/int64", ["NEG"], tf.negative, [spec(3, 5, dtype=I64)]))
    out.append(case("sign/rank2/int32", ["SIGN"], tf.sign, [spec(3, 5, dtype=I32)]))
    out.append(case("exp/zero_size/float32", ["EXP"], tf.exp, [spec(2, None, 3)],
                    inputs=inputs(g_empty(2, 0, 3)), note="dynamic dimension resized to 0"))
    for op, fn, gen in (("ABS", tf.abs, None), ("RSQRT", tf.math.rsqrt, (0.05, 4)),
                        ("EXP", tf.exp, (-3, 2)), ("LOG", tf.math.log, (0.05, 4))):
        low = op.lower()
        rep = gen or (-1.0, 1.0)
        out.append(Case(f"{low}/rank3/int8", [op],
                        lambda fn=fn, rep=rep: convert(fn, [spec(2, 3, 5)], form="int8", rep_range=rep),
                        random_inputs()))
        out.append(Case(f"{low}/rank3/int16x8", [op],
                        lambda fn=fn, rep=rep: convert(fn, [spec(2, 3, 5)], form="int16x8", rep_range=rep),
                        inputs(g_uniform(*rep))))
    return out


# ------------------------------------------------------------- activations --

def hard_swish(x):
    return x * tf.nn.relu6(x + 3.0) * (1.0 / 6.0)


def prelu(alpha_shape, input_shape, shared_axes=None):
    """Keras PReLU (the form the converter turns into PRELU), alpha ramping 0.05..0.4."""
    n = int(np.prod(alpha_shape))
    init = tf.constant_initializer(np.linspace(0.05, 0.4, n).reshape(alpha_shape))
    layer = tf.keras.layers.PReLU(alpha_initializer=init, shared_axes=shared_axes)
    layer.build([None] + list(input_shape[1:]))
    return lambda x: layer(x)


def activation_cases():
    out = []
    acts = [
        ("RELU", tf.nn.relu, EXACT, (-3, 3)), ("RELU6", tf.nn.relu6, EXACT, (-8, 8)),
        ("RELU_N1_TO_1", lambda x: tf.clip_by_value(x, -1.0, 1.0), EXACT, (-2, 2)),
        ("LEAKY_RELU", lambda x: tf.nn.leaky_relu(x, alpha=0.2), EXACT, (-3, 3)),
        ("ELU", tf.nn.elu, EXACT, (-4, 3)),
        ("HARD_SWISH", hard_swish, EXACT, (-5, 5)),
        ("LOGISTIC", tf.math.sigmoid, EIGEN_LOGISTIC, (-8, 8)),
        ("TANH", tf.math.tanh, EIGEN_TANH, (-4, 4)),
        ("GELU", lambda x: tf.nn.gelu(x, approximate=False), EIGEN_GELU, (-4, 4)),
    ]
    for op, fn, tol, (lo, hi) in acts:
        low = op.lower()
        out.append(case(f"{low}/rank3/float32", [op], fn, [spec(2, 4, 6)], tolerance=tol,
                        inputs=random_inputs(lo, hi)))
        rep = (float(lo), float(hi))
        out.append(Case(f"{low}/rank3/int8", [op],
                        lambda fn=fn, rep=rep: convert(fn, [spec(2, 4, 6)], form="int8", rep_range=rep),
                        random_inputs()))
        if op not in ("RELU_N1_TO_1", "ELU", "HARD_SWISH", "GELU"):
            out.append(Case(f"{low}/rank3/int16x8", [op],
                            lambda fn=fn, rep=rep: convert(fn, [spec(2, 4, 6)], form="int16x8", rep_range=rep),
                            inputs(g_uniform(lo, hi))))
    out.append(case("gelu/approximate/float32", ["GELU"], lambda x: tf.nn.gelu(x, approximate=True),
                    [spec(3, 8)], tolerance=EIGEN_GELU_APPROX, inputs=random_inputs(-4, 4)))
    out.append(Case("logistic/general_scale/int16x8", ["LOGISTIC"],
                    lambda: convert(tf.math.sigmoid, [spec(2, 4, 6)], form="int16x8", rep_range=(-6.0, 6.0)),
                    inputs(g_uniform(-6, 6)), note="input scale not a power of two"))
    out.append(Case("tanh/pot_scale/int16x8", ["TANH"],
                    lambda: convert(tf.math.tanh, [spec(2, 4, 6)], form="int16x8", rep_range=(-8.0, 8.0)),
                    inputs(g_uniform(-8, 8)), note="input scale exactly 2^-12: gemmlowp path"))
    out.append(Case("tanh/pot_scale_2/int16x8", ["TANH"],
                    lambda: convert(tf.math.tanh, [spec(2, 4, 6)], form="int16x8", rep_range=(-16.0, 16.0)),
                    inputs(g_uniform(-16, 16)), note="input scale exactly 2^-11: gemmlowp path"))
    out.append(Case("gelu/approximate/int8", ["GELU"],
                    lambda: convert(lambda x: tf.nn.gelu(x, approximate=True), [spec(3, 8)],
                                    form="int8", rep_range=(-4.0, 4.0)), random_inputs()))
    out.append(case("leaky_relu/alpha_neg/float32", ["LEAKY_RELU"],
                    lambda x: tf.nn.leaky_relu(x, alpha=-0.3), [spec(4, 5)],
                    inputs=random_inputs(-3, 3), note="negative alpha"))
    out.append(case("prelu/full_alpha/float32", ["PRELU"], prelu([3, 4], [2, 3, 4]), [spec(2, 3, 4)],
                    inputs=random_inputs(-3, 3), note="alpha [3,4] broadcast over [2,3,4]"))
    out.append(case("prelu/shared_axes/float32", ["PRELU"], prelu([1, 1, 3], [1, 2, 2, 3], [1, 2]),
                    [spec(1, 2, 2, 3)], inputs=random_inputs(-3, 3),
                    note="alpha [1,1,3] over [1,2,2,3]"))
    out.append(Case("prelu/shared_axes/int8", ["PRELU"],
                    lambda: convert(prelu([1, 1, 4], [1, 2, 3, 4], [1, 2]), [spec(1, 2, 3, 4)], form="int8",
                                    rep_range=(-3.0, 3.0)), random_inputs()))
    out.append(case("log_softmax/rows/float32", ["LOG_SOFTMAX"], tf.nn.log_softmax, [spec(3, 10)],
                    tolerance=LOG_SOFTMAX, inputs=random_inputs(-5, 5)))
    out.append(Case("log_softmax/rows/int8", ["LOG_SOFTMAX"],
                    lambda: convert(tf.nn.log_softmax, [spec(3, 10)], form="int8", rep_range=(-5.0, 5.0)),
                    random_inputs()))
    return out


# ------------------------------------------------------------- comparisons --

def comparison_cases():
    out = []
    cmps = {"EQUAL": tf.equal, "NOT_EQUAL": tf.not_equal, "LESS": tf.less,
            "LESS_EQUAL": tf.less_equal, "GREATER": tf.greater, "GREATER_EQUAL": tf.greater_equal}
    grid = inputs(g_steps(-2, 2, 0.5), g_steps(-2, 2, 0.5))
    for op, fn in cmps.items():
        low = op.lower()
        out.append(case(f"{low}/bcast/float32", [op], fn, [spec(2, 1, 3), spec(4, 1)], inputs=grid,
                        note="values on a 0.5 grid, so equal pairs occur"))
        out.append(case(f"{low}/same/int32", [op], fn, [spec(3, 4, dtype=I32)] * 2,
                        inputs=inputs(g_ints(-3, 4), g_ints(-3, 4))))
        out.append(case(f"{low}/bcast/int8", [op], fn, [spec(2, 3), spec(3)], form="int8",
                        note="inputs with different scales: compared after rescaling"))
    out.append(case("less/bcast/int64", ["LESS"], tf.less, [spec(2, 3, dtype=I64), spec(1, dtype=I64)]))
    out.append(case("equal/rank4/int64", ["EQUAL"], tf.equal, [spec(1, 2, 3, 2, dtype=I64)] * 2,
                    inputs=inputs(g_ints(-2, 3), g_ints(-2, 3))))
    out.append(case("equal/bool/bool", ["EQUAL"], tf.equal, [spec(2, 5, dtype=B)] * 2,
                    inputs=inputs(g_bool, g_bool)))
    out.append(case("not_equal/bool/bool", ["NOT_EQUAL"], tf.not_equal, [spec(2, 5, dtype=B), spec(5, dtype=B)],
                    inputs=inputs(g_bool, g_bool)))
    return out


# ------------------------------------------------------- logic, select, cast --

def logic_cases():
    out = []
    for op, fn in (("LOGICAL_AND", tf.logical_and), ("LOGICAL_OR", tf.logical_or)):
        low = op.lower()
        out.append(case(f"{low}/same/bool", [op], fn, [spec(3, 4, dtype=B)] * 2,
                        inputs=inputs(g_bool, g_bool)))
        out.append(case(f"{low}/bcast/bool", [op], fn, [spec(2, 1, 3, dtype=B), spec(4, 1, dtype=B)],
                        inputs=inputs(g_bool, g_bool)))
    out.append(case("logical_not/rank3/bool", ["LOGICAL_NOT"], tf.logical_not, [spec(2, 3, 4, dtype=B)],
                    inputs=inputs(g_bool)))
    sel_in = inputs(g_bool, g_uniform(-1, 1), g_uniform(-1, 1))
    out.append(case("select/same/float32", ["SELECT"], tf.where,
                    [spec(3, 4, dtype=B), spec(3, 4), spec(3, 4)], inputs=sel_in))
    out.append(case("select_v2/bcast/float32", ["SELECT_V2"], tf.where,
                    [spec(4, 1, dtype=B), spec(2, 1, 3), spec(3)], inputs=sel_in,
                    note="condition [4,1], x [2,1,3], y [3] -> [2,4,3]"))
    out.append(case("select_v2/bcast/int32", ["SELECT_V2"], tf.where,
                    [spec(2, 3, dtype=B), spec(2, 3, dtype=I32), spec(1, dtype=I32)],
                    inputs=inputs(g_bool, g_ints(-9, 9), g_ints(-9, 9))))
    out.append(case("select/same/int8", ["SELECT"], lambda c, x, y: tf.where(c, x, y),
                    [spec(2, 3, dtype=B), spec(2, 3), spec(2, 3)], form="int8",
                    inputs=inputs(g_bool, g_ints(-128, 128), g_ints(-128, 128))))
    casts = [
        ("float32_to_int32", F32, I32, g_uniform(-100, 100)),
        ("int32_to_float32", I32, F32, g_ints(-1000, 1000)),
        ("float32_to_int64", F32, I64, g_uniform(-1e6, 1e6)),
        ("int64_to_int32", I64, I32, g_ints(-5000, 5000)),
        ("int32_to_int64", I32, I64, g_ints(-5000, 5000)),
        ("float32_to_uint8", F32, U8, g_uniform(0, 255)),
        ("uint8_to_float32", U8, F32, g_ints(0, 256)),
        ("int8_to_float32", I8, F32, g_ints(-128, 128)),
        ("float32_to_int8", F32, I8, g_uniform(-127, 127)),
        ("int16_to_int32", I16, I32, g_ints(-30000, 30000)),
        ("int32_to_int16", I32, I16, g_ints(-30000, 30000)),
        ("bool_to_float32", B, F32, g_bool),
        ("float32_to_bool", F32, B, g_steps(-1, 1, 0.5)),
        ("int32_to_bool", I32, B, g_ints(-2, 3)),
        ("int64_to_float32", I64, F32, g_ints(-10**9, 10**9)),
    ]
    for name, src, dst, gen in casts:
        out.append(case(f"cast/{name}/{dst.name}", ["CAST"], lambda x, dst=dst: tf.cast(x, dst),
                        [spec(3, 5, dtype=src)], inputs=inputs(gen)))
    return out


def cases():
    return (arithmetic_cases() + binary_math_cases() + unary_cases() + activation_cases() +
            comparison_cases() + logic_cases())
