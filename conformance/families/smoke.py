"""Smoke family: a few cases over the operators tflc ran before the conformance work, so the
harness can be tried end to end (python conformance/run.py --family smoke).

Names are "<op>/smoke_<variant>/<form>" so that they never collide with the op families'.
"""
import numpy as np
import tensorflow as tf

from conformance.case import Case, Tolerance, random_inputs
from conformance.convert import constant, convert

F32 = tf.float32
EXACT = Tolerance()
# One correctly rounded float operation per element: LiteRT's result is the exact one.
ELEMENTWISE = Tolerance("exact")
LIBM = Tolerance("ulp", ulp=4, why="transcendental (exp/tanh): libm implementations may differ "
                                   "by a few ulp")
ACCUMULATE = Tolerance("rel", rel=1e-5, why="sum of products: the order of float32 additions "
                                            "may differ from LiteRT's")


def spec(*shape, dtype=F32):
    return tf.TensorSpec(list(shape), dtype)


def grid_inputs(denominator):
    """Float inputs j / denominator for j = -denominator .. denominator (the last axis), the
    same in every row: values that land on a quantization tie when the scale divides 2 / denominator."""
    def make(rng, details):
        d = details[0]
        j = np.arange(-denominator, denominator + 1, dtype=np.float64) / denominator
        row = np.resize(j, d["shape"][-1]).astype(np.float32)
        return [np.broadcast_to(row, tuple(d["shape"])).copy()]
    return make


def case(name, ops, fn, specs, form="float32", tolerance=EXACT, inputs=None, note="", **kw):
    return Case(name=name, ops=ops, make=lambda: convert(fn, specs, form=form),
                inputs=inputs or random_inputs(), tolerance=tolerance, note=note, **kw)


def fully_connected(relu):
    rng = np.random.default_rng(7)
    w, b = constant(rng, [16, 5], 0.5), constant(rng, [5], 0.1)

    def fn(x):
        y = tf.matmul(x, w) + b
        return tf.nn.relu(y) if relu else y
    return fn


def cases():
    out = [
        case("fully_connected/smoke_bias/float32", ["FULLY_CONNECTED"], fully_connected(False),
             [spec(3, 16)], tolerance=ACCUMULATE, note="matmul + bias"),
        case("fully_connected/smoke_relu/float32", ["FULLY_CONNECTED"], fully_connected(True),
             [spec(2, 16)], tolerance=ACCUMULATE, note="fused RELU"),
        case("add/smoke_bcast/float32", ["ADD"], lambda x, y: x + y,
             [spec(2, 3, 4), spec(4)], tolerance=ELEMENTWISE, note="broadcast [2,3,4] + [4]"),
        case("sub/smoke_bcast/float32", ["SUB"], lambda x, y: x - y,
             [spec(2, 1, 4), spec(3, 1)], tolerance=ELEMENTWISE, note="broadcast [2,1,4] - [3,1]"),
        case("mul/smoke/float32", ["MUL"], lambda x, y: x * y,
             [spec(4, 5), spec(4, 5)], tolerance=ELEMENTWISE),
        case("div/smoke_bcast/float32", ["DIV"], lambda x, y: x / y,
             [spec(3, 4), spec(1, 4)], tolerance=ELEMENTWISE,
             inputs=lambda rng, d: [rng.uniform(-4, 4, size=tuple(d[0]["shape"])).astype(np.float32),
                                    rng.uniform(0.5, 2, size=tuple(d[1]["shape"])).astype(np.float32)],
             note="divisor in [0.5, 2)"),
        case("add/smoke_int32/int32", ["ADD"], lambda x, y: x + y,
             [spec(3, 4, dtype=tf.int32), spec(3, 4, dtype=tf.int32)], note="int32"),
        case("relu/smoke/float32", ["RELU"], tf.nn.relu, [spec(4, 6)],
             inputs=random_inputs(-3, 3)),
        case("relu6/smoke/float32", ["RELU6"], tf.nn.relu6, [spec(4, 6)],
             inputs=random_inputs(-8, 8)),
        case("logistic/smoke/float32", ["LOGISTIC"], tf.math.sigmoid, [spec(5, 7)],
             tolerance=LIBM, inputs=random_inputs(-8, 8)),
        case("tanh/smoke/float32", ["TANH"], tf.math.tanh, [spec(5, 7)],
             tolerance=LIBM, inputs=random_inputs(-4, 4)),
        case("softmax/smoke/float32", ["SOFTMAX"], tf.nn.softmax, [spec(3, 10)],
             tolerance=Tolerance("rel", rel=1e-6, why="exp and a sum over the row"),
             inputs=random_inputs(-5, 5)),
        case("reshape/smoke/float32", ["RESHAPE"], lambda x: tf.reshape(x + 1.0, [4, 6]),
             [spec(2, 3, 4)], expect_ops=["RESHAPE"], note="after an ADD so it is not folded"),
        case("concatenation/smoke_axis1/float32", ["CONCATENATION"],
             lambda x, y: tf.concat([x, y], axis=1), [spec(2, 3, 4), spec(2, 5, 4)]),
        case("quantize/smoke/int8_float_io", ["QUANTIZE", "DEQUANTIZE"],
             lambda x: tf.reshape(x, [2, 12]), [spec(2, 3, 4)], form="int8_float_io",
             note="float in, int8 RESHAPE, float out: QUANTIZE and DEQUANTIZE at the edges"),
        # LiteRT's builtin QUANTIZE (float -> int, per-tensor) multiplies by 1/scale and rounds
        # ties to even, its reference kernel divides and rounds ties away from zero; builtin
        # DEQUANTIZE computes q*scale - zp*scale, the reference scale*(q - zp). Whole networks
        # (the zoo) are compared with the builtin kernels only, so these cases are too.
        case("quantize/smoke_ties/int16x8", ["QUANTIZE", "DEQUANTIZE"], tf.nn.relu,
             [spec(1, 64, 64, 4)], form="int16x8", builtin_only=True,
             note="int16 scale ~2^-15: about 1 input in 256 lands on a tie (unet_small/int16x8's "
                  "first op)"),
        case("quantize/smoke_ties/int8_float_io", ["QUANTIZE", "DEQUANTIZE"], tf.nn.relu,
             [spec(2, 511)], form="int8_float_io", builtin_only=True, inputs=grid_inputs(255),
             note="inputs j/255 on a scale of ~2/255: ties at every other j; zero point -1 "
                  "(DEQUANTIZE's two products)"),
    ]
    return out
