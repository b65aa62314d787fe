"""nn family: FULLY_CONNECTED, BATCH_MATMUL, SOFTMAX, L2_NORMALIZATION,
LOCAL_RESPONSE_NORMALIZATION, RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR,
UNIDIRECTIONAL_SEQUENCE_LSTM (and the hybrid / quantized forms the converter makes of them).

Names are "<op>/<variant>/<form>". Tolerances: quantized outputs are exact; float outputs
of accumulating ops get "rel 1e-5 of max|want|" (LiteRT sums dot products with blocked /
vectorized GEMMs, so the order of float additions differs; 1e-5 covers a few ulp of
accumulated rounding over the short sums used here).

Recurrent layers: with Keras 3 (what tf.keras is in TF 2.21) LSTM, GRU and SimpleRNN all
convert to WHILE loops. The converter fuses an LSTM into UNIDIRECTIONAL_SEQUENCE_LSTM only
for a function carrying Keras 2's contract (tf.function attribute api_implements "lstm_*",
arguments (inputs, init_h, init_c, kernel, recurrent_kernel, bias), five results, only the
first two used), which is what tf_keras' LSTM layer emits; lstm_fn() below builds exactly that
(and computes the same LSTM in its body, which the converter replaces). Conversion must go
through from_concrete_functions(..., trackable_obj) so the weights stay variables until after
the fusion. Bidirectional(LSTM) becomes two such ops (one on reversed input); SimpleRNN is
never fused, so UNIDIRECTIONAL_SEQUENCE_RNN and BIDIRECTIONAL_SEQUENCE_LSTM are covered by
tests/unit/test_nn.c only.
"""
import dataclasses
import numpy as np
import tensorflow as tf

from conformance.case import Case, Tolerance, random_inputs
from conformance.convert import constant, convert, representative

F32 = tf.float32
EXACT = Tolerance()
ACCUMULATE = Tolerance("rel", rel=1e-5, why="sum of products: LiteRT's GEMM adds in another "
                                            "order than the sequential sum")
SOFTMAX_F = Tolerance("rel", rel=1e-6, abs=1e-7, why="exp and a sum: LiteRT uses Eigen's "
                                                     "vectorized exp and multiplies by 1/sum")
LRN_F = Tolerance("rel", rel=1e-5, why="LiteRT sums alpha*x^2 in a sliding window and uses "
                                       "Eigen's pow; this sums each window directly")
RESIZE_F = Tolerance("rel", rel=1e-6, why="LiteRT's builtin bilinear kernel weights the four "
                                          "neighbours in a different order")
# Measured on these cases: float LSTM outputs differ from LiteRT by at most 1.2e-7 on outputs of
# magnitude 0.1 to 0.45 (relative 3e-7, up to ~120 ulp of the smallest values); 1e-5 leaves
# room for longer sequences. The recurrence compounds rounding of
# GEMM order (LiteRT: ruy/Eigen), Eigen's sigmoid/tanh against libm's, over T steps.
LSTM_F = Tolerance("rel", rel=1e-5, why="recurrence over T steps of GEMM sums (LiteRT: blocked "
                                        "order) and sigmoid/tanh (LiteRT: Eigen's rational "
                                        "approximations, here libm)")
# Hybrid LSTM: the int8 dot products are exact and scales, biases and sums follow TFLite's
# order, but the float gate math (sigmoid/tanh: Eigen vs libm) feeds the next step's
# quantization of h. Measured: max |diff| 1.2e-7 on outputs of magnitude 0.42 (no int8 rounding
# of the state flipped); the same 1e-5 bound as the float LSTM. A flipped rounding would show
# up as a difference of about max|h| / 127 and fail this bound on purpose.
LSTM_HYBRID = Tolerance("rel", rel=1e-5, why="hybrid recurrence: sigmoid/tanh (Eigen vs libm) "
                                              "ulps feed the next step's int8 quantization")

FORMS_Q = ("int8", "int8_float_io", "int16x8")


def spec(*shape, dtype=F32):
    return tf.TensorSpec(list(shape), dtype)


def tol_for(form, float_tol):
    """Exact for integer outputs; float outputs (float32, float16, dynamic, *_float_io) get
    float_tol, except that int8_float_io's float output is a DEQUANTIZE of exact int8 values."""
    if form in ("int8", "int16x8", "int8_float_io"):
        return EXACT
    return float_tol


def case(name, ops, fn, specs, form, tolerance, inputs=None, note="", expect=None, **kw):
    return Case(name=f"{name}/{form}", ops=ops, make=lambda: convert(fn, specs, form=form, **kw),
                inputs=inputs or random_inputs(), tolerance=tol_for(form, tolerance), note=note,
                expect_ops=expect)


# ---------------------------------------------------------------------- FULLY_CONNECTED --

def fc_fn(k, m, bias=True, act=None, seed=1):
    rng = np.random.default_rng(seed)
    w = constant(rng, [k, m], 1.0 / np.sqrt(k))
    b = constant(rng, [m], 0.2) if bias else None

    def fn(x):
        y = tf.matmul(x, w) if len(x.shape) == 2 else tf.tensordot(x, w, axes=1)
        if b is not None:
            y = y + b
        return act(y) if act else y
    return fn


def fc_cases():
    # Weights of 64x32 (2048 >= 1024 elements) so the dynamic form quantizes them (hybrid).
    variants = [
        ("b1_bias", [1, 64], dict(k=64, m=32), "batch 1, bias"),
        ("b5_bias", [5, 64], dict(k=64, m=32), "batch 5, bias"),
        ("b3_nobias", [3, 64], dict(k=64, m=32, bias=False), "no bias"),
        ("b2_relu", [2, 64], dict(k=64, m=32, act=tf.nn.relu), "fused RELU"),
        ("rank3_keep", [2, 3, 64], dict(k=64, m=32), "rank-3 input, keep_num_dims"),
        ("b4_k48_relu6", [4, 48], dict(k=48, m=40, act=tf.nn.relu6), "K=48, RELU6"),
    ]
    out = []
    for name, shape, kw, note in variants:
        for form in ("float32", "float16", "dynamic") + FORMS_Q:
            if name == "b4_k48_relu6" and form in ("float16",):
                continue
            out.append(case(f"fully_connected/{name}", ["FULLY_CONNECTED"], fc_fn(**kw),
                            [spec(*shape)], form, ACCUMULATE, note=note))
    # LiteRT's builtin int8 FULLY_CONNECTED (ruy's x86 kernels) rounds both steps of
    # MultiplyByQuantizedMultiplier ties up; its reference kernel rounds the second ties away
    # from zero: these compare with the builtin kernels only.
    for name, shape, kw, note in [
            ("b5_bias_builtin", [5, 64], dict(k=64, m=32), "batch 5, bias"),
            ("b4_k48_relu6_builtin", [4, 48], dict(k=48, m=40, act=tf.nn.relu6), "K=48, RELU6"),
            ("b64_k3_builtin", [64, 3], dict(k=3, m=40, seed=3), "batch 64, K=3: many ties"),
            ("b1_k3_m2048_builtin", [1, 3], dict(k=3, m=2048, seed=4),
             "batch 1 (a GEMV), K=3, 2048 units: many ties")]:
        out.append(dataclasses.replace(
            case(f"fully_connected/{name}", ["FULLY_CONNECTED"], fc_fn(**kw), [spec(*shape)],
                 "int8", ACCUMULATE, note=note + "; ties up (builtin kernels only)"),
            builtin_only=True))
    out.append(case("fully_connected/b2_embedding_codes", ["FULLY_CONNECTED"],
                    fc_fn(k=64, m=32), [spec(2, 64)], "dynamic", ACCUMULATE,
                    inputs=embedding_code_inputs,
                    note="hybrid on dequantized int8 codes (a GATHER from an int8 embedding, "
                         "as in text_lstm_unrolled), 2 rows of different ranges: many values "
                         "sit near half a quantization step, so the asymmetric input scale "
                         "must be TFLite's to the last bit (range width taken in float)"))
    return out


def embedding_code_inputs(rng, details):
    """Rows of int8 codes times a step (x1 and x3): values a dequantized embedding holds.
    Seed 184 gives rows whose asymmetric quantization changes when the range width is taken
    in double instead of float (the text_lstm_unrolled failure)."""
    r = np.random.default_rng(184)
    step = np.float32(0.0003937008)
    x = r.integers(-127, 128, size=(2, 64)) * step * np.array([[1], [3]], dtype=np.float32)
    return [x.astype(np.float32).reshape(details[0]["shape"])]


# ------------------------------------------------------------------------- BATCH_MATMUL --

def bmm_cases():
    out = []
    adj = [("nn", False, False, [2, 3, 4], [2, 4, 5]), ("tn", True, False, [2, 4, 3], [2, 4, 5]),
           ("nt", False, True, [2, 3, 4], [2, 5, 4]), ("tt", True, True, [2, 4, 3], [2, 5, 4])]
    for name, ax, ay, sa, sb in adj:
        fn = (lambda ax, ay: lambda x, y: tf.matmul(x, y, transpose_a=ax, transpose_b=ay))(ax, ay)
        for form in ("float32", "int8", "int16x8"):
            out.append(case(f"batch_matmul/{name}", ["BATCH_MATMUL"], fn, [spec(*sa), spec(*sb)],
                            form, ACCUMULATE, note=f"adj_x={ax} adj_y={ay}"))
    bcast = lambda x, y: tf.matmul(x, y)
    for form in ("float32", "int8", "int8_float_io", "int16x8"):
        out.append(case("batch_matmul/bcast", ["BATCH_MATMUL"], bcast,
                        [spec(2, 1, 3, 4), spec(3, 4, 5)], form, ACCUMULATE,
                        note="batch dims [2,1] x [3] broadcast"))
    # LiteRT's builtin int8 BATCH_MATMUL rounds as TFLite's MultiplyByQuantizedMultiplier (the
    # second rounding ties away from zero), unlike its int8 FULLY_CONNECTED: with K = 2 this
    # case has 62 negative ties, where the ties-up form would differ.
    bmm_big = lambda x, y: tf.matmul(x, y)
    out.append(dataclasses.replace(
        case("batch_matmul/big_builtin", ["BATCH_MATMUL"], bmm_big,
             [spec(4, 64, 2), spec(4, 2, 64)], "int8", ACCUMULATE,
             note="[4,64,2] @ [4,2,64] (K=2: many ties), builtin kernels only"),
        builtin_only=True))
    out.append(case("batch_matmul/rank2", ["BATCH_MATMUL"], bcast, [spec(3, 7), spec(7, 2)],
                    "float32", ACCUMULATE, note="plain rank-2 matmul of two activations"))
    # A constant batched rhs (2560 elements): the dynamic form makes it int8 (hybrid).
    rng = np.random.default_rng(5)
    w = constant(rng, [2, 32, 40], 0.2)
    for form in ("float32", "dynamic", "int8"):
        out.append(case("batch_matmul/const_rhs", ["BATCH_MATMUL"], lambda x: tf.matmul(x, w),
                        [spec(2, 3, 32)], form, ACCUMULATE, note="x [2,3,32] @ const [2,32,40]"))
    return out


# ------------------------------------------------------------------------------ SOFTMAX --

def softmax_cases():
    out = []
    variants = [("r2", [3, 10], lambda x: tf.nn.softmax(x), "rank 2"),
                ("r4", [1, 2, 3, 7], lambda x: tf.nn.softmax(x), "rank 4, last axis"),
                ("beta", [4, 9], lambda x: tf.nn.softmax(x * 0.5), "x*0.5 folded into beta"),
                ("wide", [2, 300], lambda x: tf.nn.softmax(x * 3.0), "300 classes, beta 3")]
    for name, shape, fn, note in variants:
        for form in ("float32",) + FORMS_Q:
            out.append(case(f"softmax/{name}", ["SOFTMAX"], fn, [spec(*shape)], form, SOFTMAX_F,
                            note=note, inputs=random_inputs(-4.0, 4.0), rep_range=(-4.0, 4.0)))
    return out


# ------------------------------------------------------------------ L2_NORM / LRN --

def norm_cases():
    out = []
    l2 = lambda x: tf.math.l2_normalize(x, axis=-1)
    for name, shape in (("r2", [3, 16]), ("r4", [1, 2, 3, 8])):
        for form in ("float32", "int8", "int8_float_io"):
            out.append(case(f"l2_normalization/{name}", ["L2_NORMALIZATION"], l2, [spec(*shape)],
                            form, ACCUMULATE, note="last axis"))
    lrn = [("r2_b075", dict(depth_radius=2, bias=1.0, alpha=0.5, beta=0.75)),
           ("r1_b05", dict(depth_radius=1, bias=2.0, alpha=0.2, beta=0.5)),
           ("r3_b1", dict(depth_radius=3, bias=1.0, alpha=1.0, beta=1.0)),
           ("r0", dict(depth_radius=0, bias=0.5, alpha=0.3, beta=0.6))]
    for name, kw in lrn:
        fn = (lambda kw: lambda x: tf.nn.local_response_normalization(x, **kw))(kw)
        out.append(case(f"local_response_normalization/{name}",
                        ["LOCAL_RESPONSE_NORMALIZATION"], fn, [spec(1, 3, 4, 9)], "float32", LRN_F,
                        note=str(kw)))
    return out


# ------------------------------------------------------------------------------- RESIZE --

def resize_fn(kind, size, align=False, half=False):
    if kind == "bilinear":
        return lambda x: tf.compat.v1.image.resize_bilinear(x, size, align_corners=align,
                                                           half_pixel_centers=half)
    return lambda x: tf.compat.v1.image.resize_nearest_neighbor(x, size, align_corners=align,
                                                               half_pixel_centers=half)


def resize_cases():
    out = []
    variants = [("up_half", [1, 4, 5, 3], [7, 9], False, True, "upsample, half_pixel_centers"),
                ("up_align", [1, 4, 5, 3], [7, 10], True, False, "upsample, align_corners"),
                ("down", [2, 8, 6, 2], [3, 4], False, False, "downsample, legacy corners"),
                ("down_half", [1, 9, 7, 4], [4, 3], False, True, "downsample, half_pixel")]
    for kind, op in (("bilinear", "RESIZE_BILINEAR"), ("nearest", "RESIZE_NEAREST_NEIGHBOR")):
        for name, shape, size, align, half, note in variants:
            forms = ("float32", "int8", "int16x8") if name != "up_half" else ("float32",) + FORMS_Q
            for form in forms:
                tol = RESIZE_F if kind == "bilinear" else EXACT
                out.append(case(f"{op.lower()}/{name}", [op], resize_fn(kind, size, align, half),
                                [spec(*shape)], form, tol, note=note))
    return out


# --------------------------------------------------------------------------------- LSTM --

def lstm_fn(time_major, go_backwards):
    """Keras 2's standard_lstm contract (see the module docstring)."""
    def body(inputs, init_h, init_c, kernel, recurrent_kernel, bias):
        x = inputs if time_major else tf.transpose(inputs, [1, 0, 2])
        if go_backwards:
            x = tf.reverse(x, [0])
        h, c, outs = init_h, init_c, []
        for t in range(x.shape[0]):
            z = tf.matmul(x[t], kernel) + tf.matmul(h, recurrent_kernel) + bias
            i, f, g, o = tf.split(z, 4, axis=1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            h = tf.sigmoid(o) * tf.tanh(c)
            outs.append(h)
        seq = tf.stack(outs, 0)
        if not time_major:
            seq = tf.transpose(seq, [1, 0, 2])
        return h, seq, h, c, tf.constant(0.0)
    tag = ("tm" if time_major else "bm") + ("_back" if go_backwards else "")
    return tf.function(body, autograph=False, experimental_attributes={
        "api_implements": "lstm_tflc_" + tag, "api_preferred_device": "CPU",
        "time_major": time_major, "go_backwards": go_backwards})


class LstmModule(tf.Module):
    def __init__(self, batch, n_in, units, time_major, seed):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.batch, self.units = batch, units
        self.k = tf.Variable((rng.normal(size=(n_in, 4 * units)) / np.sqrt(n_in)).astype(np.float32))
        self.rk = tf.Variable((rng.normal(size=(units, 4 * units)) / np.sqrt(units)).astype(np.float32))
        self.b = tf.Variable((rng.normal(size=(4 * units,)) * 0.1).astype(np.float32))
        self.lstm = lstm_fn(time_major, False)

    @tf.function(autograph=False)
    def run(self, x):
        z = tf.zeros([self.batch, self.units])
        _, seq, _, _, _ = self.lstm(x, z, z, tf.identity(self.k), tf.identity(self.rk),
                                    tf.identity(self.b))
        return seq


def convert_module(module, specs, form, seed=0):
    """convert.convert's forms, for a tf.Module whose weights must stay variables until the
    converter has fused the LSTM (from_concrete_functions with trackable_obj)."""
    conv = tf.lite.TFLiteConverter.from_concrete_functions(
        [module.run.get_concrete_function(*specs)], module)
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if form == "float16":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
    elif form == "dynamic":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    elif form in ("int8", "int8_float_io"):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative(specs, seed)
        ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if form == "int8":
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
    elif form != "float32":
        raise ValueError(form)
    conv.target_spec.supported_ops = ops
    return conv.convert()


def lstm_case(name, batch, time, n_in, units, time_major, form, note):
    shape = [time, batch, n_in] if time_major else [batch, time, n_in]

    def make():
        return convert_module(LstmModule(batch, n_in, units, time_major, seed=3), [spec(*shape)],
                              form)
    tol = LSTM_HYBRID if form == "dynamic" else LSTM_F
    return Case(name=f"unidirectional_sequence_lstm/{name}/{form}",
                ops=["UNIDIRECTIONAL_SEQUENCE_LSTM"], make=make, inputs=random_inputs(),
                tolerance=tol, note=note)


def lstm_cases():
    out = []
    # Small layers (weights < 1024 elements stay float even in the dynamic form).
    for name, b, t, i, u, tm in (("bm_b2", 2, 5, 4, 8, False), ("tm_b3", 3, 4, 6, 5, True),
                                 ("bm_b1_t1", 1, 1, 3, 4, False)):
        for form in ("float32", "float16"):
            out.append(lstm_case(name, b, t, i, u, tm, form, f"B={b} T={t} I={i} units={u}"))
    # Hybrid: input weights [4*32, 64] and recurrent [4*32, 32] are quantized to int8.
    for name, b, t, tm in (("hybrid_bm", 2, 4, False), ("hybrid_tm", 3, 3, True)):
        for form in ("float32", "dynamic"):
            out.append(lstm_case(name, b, t, 64, 32, tm, form, "64 inputs, 32 units"))
    return out


def cases():
    return fc_cases() + bmm_cases() + softmax_cases() + norm_cases() + resize_cases() + lstm_cases()
