"""Conv family: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, CONV_3D, CONV_3D_TRANSPOSE,
AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D.

Names are "<op>/<variant>/<form>". Variants cover padding SAME/VALID, strides 1/2 (and
unequal), dilation 2, kernels 1x1/3x3/5x5, depth multipliers 1/2, odd and rectangular
spatial sizes, batch 2, grouped convolution, and the activations the converter fuses
(RELU, RELU6). Forms are the converter's (conformance/convert.py); a case exists for a form
only where the converter emits the op in it: CONV_3D has no quantized kernel (the int8
form wraps a float CONV_3D in DEQUANTIZE/QUANTIZE), dynamic range quantizes only weights of
1024 elements or more, and nothing emits L2_POOL_2D (its cases rewrite the operator code of
a converted AVERAGE_POOL_2D, whose options table it shares).

Weights are seeded per case (crc32 of the name) with scale 1/sqrt(fan-in), so float outputs
stay O(1) and quantized ones use their range.
"""
import dataclasses
import zlib

import numpy as np
import tensorflow as tf

from conformance.case import Case, Tolerance, random_inputs
from conformance.convert import constant, convert

F32 = tf.float32
EXACT = Tolerance()
# Float accumulations: LiteRT's builtin kernels (im2col + GEMM, col2im, Eigen) and its
# reference kernels add the products in different orders, so they differ from each other
# by a few ulp of the accumulated magnitude; tflc sums in the reference order.
ACCUMULATE = Tolerance("rel", rel=1e-5, why="sum of products: the order of float32 additions "
                                            "differs between LiteRT's builtin and reference "
                                            "kernels")
ACTS = {None: lambda y: y, "relu": tf.nn.relu, "relu6": tf.nn.relu6,
        "relu_n1_to_1": lambda y: tf.clip_by_value(y, -1.0, 1.0)}


def spec(*shape):
    return tf.TensorSpec(list(shape), F32)


def seed_of(name):
    return zlib.crc32(name.encode())


def tolerance_for(form):
    # int8 / int16x8 / int8_float_io outputs are integers (or DEQUANTIZE of integers); the
    # hybrid (dynamic) kernels are reproduced operation for operation.
    return ACCUMULATE if form in ("float32", "float16") else EXACT


def case(name, ops, make_fn, specs, form, note="", tolerance=None, expect_ops=None,
         inputs=None):
    """make_fn(rng) builds the TensorFlow function from the case's seeded weights."""
    def make():
        fn = make_fn(np.random.default_rng(seed_of(name)))
        return convert(fn, specs, form=form)
    return Case(name=name, ops=ops, make=make, inputs=inputs or random_inputs(),
                tolerance=tolerance or tolerance_for(form), note=note, expect_ops=expect_ops)


# ------------------------------------------------------------------------------ CONV_2D --

def conv2d(cin, cout, k, stride=1, padding="SAME", dil=1, act=None, groups=1, bias=True):
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (stride, stride) if isinstance(stride, int) else stride

    def make_fn(rng):
        w = constant(rng, [kh, kw, cin // groups, cout], 1.0 / np.sqrt(kh * kw * cin / groups))
        b = constant(rng, [cout], 0.1)

        def fn(x):
            y = tf.nn.conv2d(x, w, strides=[1, sh, sw, 1], padding=padding, dilations=dil)
            return ACTS[act](y + b if bias else y)
        return fn
    return make_fn


# (variant, input shape, conv2d args, forms, note)
CONV2D = [
    ("k3_same_s1", [1, 9, 9, 8], dict(cin=8, cout=16, k=3),
     ["float32", "int8", "int8_float_io", "int16x8", "dynamic", "float16"], "3x3 SAME stride 1"),
    ("k3_valid_s2_odd", [1, 11, 11, 8], dict(cin=8, cout=16, k=3, stride=2, padding="VALID"),
     ["float32", "int8", "int16x8", "dynamic"], "3x3 VALID stride 2, odd size"),
    ("k1", [1, 7, 7, 16], dict(cin=16, cout=8, k=1), ["float32", "int8", "int16x8"],
     "1x1 pointwise"),
    ("k5_same_s2", [1, 10, 10, 4], dict(cin=4, cout=12, k=5, stride=2),
     ["float32", "int8", "int8_float_io", "dynamic"], "5x5 SAME stride 2: asymmetric padding"),
    ("dil2", [1, 11, 11, 8], dict(cin=8, cout=16, k=3, dil=2),
     ["float32", "int8", "int16x8", "dynamic"], "3x3 dilation 2, SAME"),
    ("relu", [1, 8, 8, 8], dict(cin=8, cout=16, k=3, act="relu"),
     ["float32", "int8", "int16x8"], "fused RELU"),
    ("relu6_s2", [1, 9, 9, 8], dict(cin=8, cout=16, k=3, stride=2, act="relu6"),
     ["float32", "int8", "int8_float_io"], "fused RELU6, stride 2"),
    ("relu_n1_to_1", [1, 8, 8, 8], dict(cin=8, cout=8, k=3, act="relu_n1_to_1"),
     ["float32", "int8", "int16x8"], "fused RELU_N1_TO_1 (a clip to [-1, 1])"),
    ("batch2", [2, 7, 7, 8], dict(cin=8, cout=16, k=3), ["float32", "int8", "int16x8", "dynamic"],
     "batch 2 (hybrid: one input scale per batch)"),
    ("rect_s12", [1, 7, 10, 3], dict(cin=3, cout=8, k=(3, 2), stride=(1, 2)),
     ["float32", "int8"], "rectangular input and kernel, strides (1, 2)"),
    ("groups2", [1, 8, 8, 16], dict(cin=16, cout=64, k=3, groups=2),
     ["float32", "int8", "int16x8", "dynamic"], "grouped: 2 groups of 8 input channels"),
    ("nobias_valid", [1, 6, 6, 4], dict(cin=4, cout=4, k=3, padding="VALID", bias=False),
     ["float32", "int8"], "no bias add in the graph"),
]

# LiteRT's builtin int8 CONV_2D with one group runs im2col + ruy, whose x86 kernels round both
# steps of MultiplyByQuantizedMultiplier ties up; with groups > 1 its reference grouped kernel
# rounds the second step ties away from zero. Its reference kernels use the latter throughout,
# so these compare with the builtin kernels only (builtin_only). Small K (a coarse output
# scale, few bits shifted out) and many outputs give negative ties, where the two differ.
CONV2D_BUILTIN = [
    ("k3_cin1_builtin", [1, 24, 24, 1], dict(cin=1, cout=16, k=3),
     "groups 1, K = 9 (few accumulator bits, many ties): every channel ties up"),
    ("k1_cin2_builtin", [1, 16, 16, 2], dict(cin=2, cout=24, k=1),
     "groups 1, K = 2, 24 channels: every channel ties up"),
    ("k1_s2_c20_builtin", [2, 12, 12, 8], dict(cin=8, cout=20, k=1, stride=2),
     "1x1 stride 2, 20 channels, batch 2: every channel ties up"),
    ("groups2_builtin", [1, 16, 16, 4], dict(cin=4, cout=24, k=1, groups=2),
     "2 groups: TFLite's double rounding (ties away from zero)"),
]

# LiteRT's builtin float CONV_2D on x86 multiplies in Eigen's GEMM (no FMA) with the output
# channels as Eigen's rows: the channels below N & ~7 sum their products in k order, a half
# packet of 4 (N & 4) sums even and odd k apart, the last N % 4 channels sum over k mod 4 in
# four sums, and N == 1 is a matrix-vector product (kernels/gemm.c, "Eigen's leftover rows").
# tflc reproduces those orders on filters under 1024 weights (the float layers a dynamic-range
# model keeps), bit for bit; the reference kernels sum in k order: builtin kernels only.
CONV2D_F32_BUILTIN = [
    ("k1_o11_relu_f32_builtin", [1, 24, 24, 32], dict(cin=32, cout=11, k=1, act="relu"),
     "nasnet_mobile's 1x1 32->11 with RELU: channels 8-10 are Eigen's leftover rows"),
    ("k1_o7_f32_builtin", [1, 7, 7, 13], dict(cin=13, cout=7, k=1),
     "N = 7: channels 0-3 a half packet (even / odd k below 8), 4-6 leftover rows (k mod 4 "
     "below 12); 49 pixels (the last is Eigen's leftover column, in k order)"),
    ("k3_o19_f32_builtin", [1, 9, 9, 3], dict(cin=3, cout=19, k=3),
     "3x3 im2col, K = 27, N = 19: channels 16-18 leftover rows"),
    ("k1_o1_f32_builtin", [1, 9, 9, 200], dict(cin=200, cout=1, k=1),
     "N = 1: Eigen's matrix-vector product (four sums over k mod 4) for every pixel"),
]


def f32_builtin_cases():
    return [dataclasses.replace(case(f"conv_2d/{variant}/float32", ["CONV_2D"], conv2d(**args),
                                     [spec(*shape)], "float32", tolerance=EXACT,
                                     note=note + "; builtin kernels only, bit-exact"),
                                builtin_only=True)
            for variant, shape, args, note in CONV2D_F32_BUILTIN]

# ---------------------------------------------------------------------- DEPTHWISE_CONV_2D --


def depthwise(cin, mult, k, stride=1, padding="SAME", dil=1, act=None):
    def make_fn(rng):
        w = constant(rng, [k, k, cin, mult], 1.0 / k)
        b = constant(rng, [cin * mult], 0.1)

        def fn(x):
            y = tf.nn.depthwise_conv2d(x, w, [1, stride, stride, 1], padding,
                                       dilations=[dil, dil])
            return ACTS[act](y + b)
        return fn
    return make_fn


DEPTHWISE = [
    ("k3_m1", [1, 9, 9, 8], dict(cin=8, mult=1, k=3),
     ["float32", "int8", "int8_float_io", "int16x8"], "3x3, depth multiplier 1"),
    ("k3_m2_s2", [1, 9, 9, 8], dict(cin=8, mult=2, k=3, stride=2),
     ["float32", "int8", "int16x8"], "depth multiplier 2, stride 2"),
    ("k5_valid_odd", [1, 11, 11, 6], dict(cin=6, mult=1, k=5, padding="VALID"),
     ["float32", "int8"], "5x5 VALID, odd size"),
    ("dil2", [1, 10, 10, 8], dict(cin=8, mult=1, k=3, dil=2),
     ["float32", "int8", "int16x8"], "dilation 2"),
    ("relu6", [1, 8, 8, 8], dict(cin=8, mult=1, k=3, act="relu6"),
     ["float32", "int8", "int8_float_io"], "fused RELU6"),
    ("relu_batch2", [2, 7, 7, 8], dict(cin=8, mult=2, k=3, act="relu"),
     ["float32", "int8", "int16x8"], "fused RELU, batch 2"),
    ("relu_n1_to_1", [1, 6, 6, 4], dict(cin=4, mult=1, k=3, act="relu_n1_to_1"),
     ["float32", "int8"], "fused RELU_N1_TO_1"),
    # dynamic range needs >= 1024 weights; 5*5*64 = 1600, 3*3*57*2 = 1026.
    ("k5_c64", [1, 7, 7, 64], dict(cin=64, mult=1, k=5),
     ["float32", "dynamic", "float16"], "64 channels (hybrid: all channels in groups of 4)"),
    ("k3_c57_m2_b2", [2, 6, 6, 57], dict(cin=57, mult=2, k=3, stride=2),
     ["dynamic"], "114 output channels (hybrid: 2 tail channels after the groups of 4), "
                  "batch 2"),
    ("k5_c41_dil2", [1, 9, 9, 41], dict(cin=41, mult=1, k=5, dil=2, act="relu"),
     ["dynamic"], "41 channels, dilation 2, RELU (hybrid)"),
]

# LiteRT's builtin int8 DEPTHWISE_CONV_2D (DepthwiseConvGeneral, then TFLite's x86 Quantize, as
# TRANSPOSE_CONV) requantizes the channels in blocks of 8 ties up and the last M % 8 ties away
# from zero: builtin kernels only.
DEPTHWISE_BUILTIN = [
    ("k1_c12_builtin", [1, 24, 24, 12], dict(cin=12, mult=1, k=1),
     "1x1 (K = 1: many ties), M = 12: channels 0-7 ties up, 8-11 ties away from zero"),
    ("k2_c20_s2_builtin", [1, 47, 47, 20], dict(cin=20, mult=1, k=2, stride=2),
     "2x2, M = 20, stride 2: channels 0-15 ties up, 16-19 ties away from zero"),
    ("k3_c6_m2_builtin", [1, 16, 16, 6], dict(cin=6, mult=2, k=3),
     "depth multiplier 2, M = 12 (the reference loops): channels 0-7 ties up, 8-11 away"),
]


def builtin_cases(op, prefix, table, builder):
    return [dataclasses.replace(case(f"{prefix}/{variant}/int8", [op], builder(**args),
                                     [spec(*shape)], "int8", note=note + "; builtin kernels only"),
                                builtin_only=True)
            for variant, shape, args, note in table]

# ------------------------------------------------------------------------- TRANSPOSE_CONV --


def tconv(cin, cout, k, out_shape, stride=2, padding="SAME", act=None, bias=True):
    def make_fn(rng):
        w = constant(rng, [k, k, cout, cin], 1.0 / np.sqrt(k * k * cin / (stride * stride)))
        b = constant(rng, [cout], 0.1)

        def fn(x):
            y = tf.nn.conv2d_transpose(x, w, out_shape, stride, padding)
            return ACTS[act](y + b if bias else y)
        return fn
    return make_fn


TCONV = [
    ("k3_s2_same", [1, 8, 8, 16], dict(cin=16, cout=8, k=3, out_shape=[1, 16, 16, 8]),
     ["float32", "int8", "int8_float_io", "int16x8"], "3x3 stride 2 SAME"),
    ("k3_s2_same_odd", [1, 9, 9, 8], dict(cin=8, cout=4, k=3, out_shape=[1, 17, 17, 4]),
     ["float32", "int8", "int16x8"], "odd output 17 (asymmetric padding)"),
    ("k2_s2_valid_relu", [1, 6, 6, 8], dict(cin=8, cout=8, k=2, out_shape=[1, 12, 12, 8],
                                           padding="VALID", act="relu"),
     ["float32", "int8"], "2x2 VALID, fused RELU (version 4)"),
    ("k3_s1_valid_nobias", [1, 7, 7, 4], dict(cin=4, cout=6, k=3, out_shape=[1, 9, 9, 6],
                                              stride=1, padding="VALID", bias=False),
     ["float32", "int8"], "stride 1 VALID, no bias"),
    ("k4_s2_batch2", [2, 5, 5, 8], dict(cin=8, cout=8, k=4, out_shape=[2, 10, 10, 8]),
     ["float32", "int8", "int16x8"], "4x4 stride 2, batch 2"),
    ("k3_s2_c32", [1, 9, 9, 32], dict(cin=32, cout=16, k=3, out_shape=[1, 17, 17, 16],
                                      act="relu"),
     ["dynamic", "float16"], "hybrid TRANSPOSE_CONV, fused RELU"),
    ("k3_s2_c16_b2", [2, 6, 6, 16], dict(cin=16, cout=16, k=3, out_shape=[2, 12, 12, 16]),
     ["dynamic"], "hybrid, batch 2"),
]

# LiteRT's builtin int8 TRANSPOSE_CONV (optimized TransposeConvV2) requantizes the output
# channels in blocks of 8 with both roundings ties up, the last M % 8 channels with TFLite's
# MultiplyByQuantizedMultiplier (ties away from zero); its reference kernel uses the latter
# throughout. These cases compare with the builtin kernels only (builtin_only), the form whole
# networks are checked against: unet_small/int8 differed at its TRANSPOSE_CONV (M = 32).
TCONV_BUILTIN = [
    ("k2_s2_c32_builtin", [1, 16, 16, 32], dict(cin=32, cout=32, k=2, out_shape=[1, 32, 32, 32]),
     "M = 32: every channel ties up (unet_small's decoder)"),
    ("k2_s2_c12_builtin", [1, 16, 16, 24], dict(cin=24, cout=12, k=2, out_shape=[1, 32, 32, 12]),
     "M = 12: channels 0-7 ties up, 8-11 ties away from zero"),
]


def tconv_builtin_cases():
    return builtin_cases("TRANSPOSE_CONV", "transpose_conv", TCONV_BUILTIN, tconv)


# ---------------------------------------------------------------------- CONV_3D(_TRANSPOSE) --


def conv3d(cin, cout, k, stride=1, padding="SAME", dil=1):
    def make_fn(rng):
        w = constant(rng, [k, k, k, cin, cout], 1.0 / np.sqrt(k ** 3 * cin))

        def fn(x):
            return tf.nn.conv3d(x, w, [1, stride, stride, stride, 1], padding,
                                dilations=[1, dil, dil, dil, 1])
        return fn
    return make_fn


def conv3d_transpose(cin, cout, k, out_shape, stride=2, padding="SAME"):
    def make_fn(rng):
        w = constant(rng, [k, k, k, cout, cin], 1.0 / np.sqrt(k ** 3 * cin))

        def fn(x):
            return tf.nn.conv3d_transpose(x, w, out_shape, [1, stride, stride, stride, 1],
                                          padding)
        return fn
    return make_fn


CONV3D = [
    ("k3_same", [1, 5, 6, 7, 4], dict(cin=4, cout=8, k=3), ["float32", "int8", "float16"],
     "3x3x3 SAME (int8: a float CONV_3D between DEQUANTIZE and QUANTIZE)"),
    ("k3_valid_s2", [1, 7, 7, 7, 3], dict(cin=3, cout=5, k=3, stride=2, padding="VALID"),
     ["float32"], "VALID stride 2"),
    ("k2_dil2", [2, 6, 6, 6, 2], dict(cin=2, cout=4, k=2, dil=2), ["float32"],
     "dilation 2, batch 2"),
]
CONV3DT = [
    ("k3_s2_same", [1, 4, 4, 4, 8], dict(cin=8, cout=4, k=3, out_shape=[1, 8, 8, 8, 4]),
     ["float32"], "3x3x3 stride 2 SAME"),
    ("k2_s2_valid_odd", [1, 3, 4, 5, 4], dict(cin=4, cout=2, k=2, out_shape=[1, 6, 8, 10, 2],
                                               padding="VALID"),
     ["float32"], "2x2x2 stride 2 VALID, unequal sizes"),
]

# -------------------------------------------------------------------------------- pooling --


def pool(kind, k, stride, padding="SAME", act=None):
    def make_fn(rng):
        op = tf.nn.avg_pool2d if kind == "avg" else tf.nn.max_pool2d

        def fn(x):
            return ACTS[act](op(x, k, stride, padding))
        return fn
    return make_fn


POOLS = [
    ("k2_s2_valid", [1, 8, 8, 4], dict(k=2, stride=2, padding="VALID"),
     ["float32", "int8", "int16x8"], "2x2 stride 2 VALID"),
    ("k3_s2_same_odd", [1, 9, 9, 4], dict(k=3, stride=2), ["float32", "int8", "int8_float_io"],
     "3x3 stride 2 SAME, odd size: clipped windows at the border"),
    ("k3_s1_same_b2", [2, 7, 6, 3], dict(k=3, stride=1), ["float32", "int8", "int16x8"],
     "3x3 stride 1 SAME, rectangular, batch 2"),
    ("k2x3_relu", [1, 8, 9, 4], dict(k=[2, 3], stride=[2, 1], act="relu"), ["float32", "int8"],
     "2x3 window, strides (2, 1), fused RELU"),
    ("k5_relu6", [1, 10, 10, 2], dict(k=5, stride=3, act="relu6"), ["float32"],
     "5x5 stride 3 SAME, fused RELU6"),
]


def rewrite(buf, edit):
    """The converted model after edit(schema, ModelT) changed it (object API round trip)."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as s
    model = s.ModelT.InitFromObj(s.Model.GetRootAs(buf, 0))
    edit(s, model)
    b = flatbuffers.Builder(len(buf) + 1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def rewrite_opcode(buf, old, new):
    """The converted model with operator code `old` replaced by `new` (same options)."""
    def edit(s, model):
        for oc in model.operatorCodes:
            if max(oc.builtinCode, oc.deprecatedBuiltinCode) == old:
                oc.builtinCode, oc.deprecatedBuiltinCode = new, new
    return rewrite(buf, edit)


def per_tensor_weights(buf):
    """Every int8 weight tensor keeps only its first scale: the converter quantizes conv
    weights per channel, this reaches TFLite's per-tensor hybrid path (symmetric input
    quantization) with the same int8 values."""
    def edit(s, model):
        for t in model.subgraphs[0].tensors:
            q = t.quantization
            if t.type == s.TensorType.INT8 and q is not None and q.scale is not None:
                q.scale, q.zeroPoint, q.quantizedDimension = [float(q.scale[0])], [0], 0
    return rewrite(buf, edit)


def hybrid_per_tensor_case(variant, shape, args, note):
    name = f"conv_2d/{variant}/dynamic"

    def make():
        fn = conv2d(**args)(np.random.default_rng(seed_of(name)))
        return per_tensor_weights(convert(fn, [spec(*shape)], form="dynamic"))
    return Case(name=name, ops=["CONV_2D"], make=make, inputs=random_inputs(),
                tolerance=EXACT, note=note)


def l2_pool_case(variant, shape, k, stride, padding, note):
    name = f"l2_pool_2d/{variant}/float32"

    def make():
        buf = convert(lambda x: tf.nn.avg_pool2d(x, k, stride, padding), [spec(*shape)])
        return rewrite_opcode(buf, 1, 12)   # AVERAGE_POOL_2D -> L2_POOL_2D
    return Case(name=name, ops=["L2_POOL_2D"], make=make, inputs=random_inputs(),
                tolerance=Tolerance("ulp", ulp=2, why="sqrt of a mean of squares: LiteRT's builtin "
                                                   "L2 pool is 1 ulp off its reference kernel "
                                                   "(which tflc matches bit for bit)"),
                note=note)


# ---------------------------------------------------------------------------------- cases --

def expand(op, prefix, table, builder, float_tolerance=None):
    """One case per (variant, form); float_tolerance overrides ACCUMULATE for float forms."""
    out = []
    for variant, shape, args, forms, note in table:
        for form in forms:
            name = f"{prefix}/{variant}/{form}"
            tol = float_tolerance if float_tolerance and form in ("float32", "float16") else None
            out.append(case(name, [op], builder(**args), [spec(*shape)], form,
                            note=f"{note}; {form}", tolerance=tol))
    return out


def cases():
    out = []
    out += expand("CONV_2D", "conv_2d", CONV2D, conv2d)
    out += [hybrid_per_tensor_case("per_tensor_s2_relu", [2, 9, 9, 8],
                                   dict(cin=8, cout=16, k=3, stride=2, act="relu"),
                                   "hybrid with one weight scale (rewritten): symmetric input "
                                   "quantization per batch, batch 2"),
            hybrid_per_tensor_case("per_tensor_dil2", [1, 10, 10, 16],
                                   dict(cin=16, cout=8, k=3, dil=2),
                                   "hybrid with one weight scale, dilation 2")]
    out += builtin_cases("CONV_2D", "conv_2d", CONV2D_BUILTIN, conv2d)
    out += f32_builtin_cases()
    out += expand("DEPTHWISE_CONV_2D", "depthwise_conv_2d", DEPTHWISE, depthwise)
    out += builtin_cases("DEPTHWISE_CONV_2D", "depthwise_conv_2d", DEPTHWISE_BUILTIN, depthwise)
    out += expand("TRANSPOSE_CONV", "transpose_conv", TCONV, tconv)
    out += tconv_builtin_cases()
    out += expand("CONV_3D", "conv_3d", CONV3D, conv3d)
    out += expand("CONV_3D_TRANSPOSE", "conv_3d_transpose", CONV3DT, conv3d_transpose)
    # Pools: the window sum runs in row-major order in both of LiteRT's kernels and in tflc,
    # then one division; the maximum is exact.
    out += expand("AVERAGE_POOL_2D", "average_pool_2d", POOLS, lambda **a: pool("avg", **a),
                  float_tolerance=EXACT)
    out += expand("MAX_POOL_2D", "max_pool_2d", POOLS, lambda **a: pool("max", **a),
                  float_tolerance=EXACT)
    out += [l2_pool_case("k2_s2_valid", [1, 8, 8, 4], 2, 2, "VALID", "2x2 stride 2 VALID"),
            l2_pool_case("k3_s2_same_odd", [1, 9, 9, 3], 3, 2, "SAME",
                         "3x3 stride 2 SAME, odd size")]
    return out
