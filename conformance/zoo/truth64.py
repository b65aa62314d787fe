"""Float64 "truth" for a converted float model: the .tflite graph evaluated in float64 by numpy.

Where tflc's float kernels sum in a different order than LiteRT's (tflc's AVX2 / AVX-512 GEMM
uses FMA; LiteRT's x86 build multiplies and adds, and splits long sums into Eigen blocks), the
two runtimes can only be compared through a third result that both approximate. This module
computes it: the same graph, the same float32 weights (float16 weights through the model's own
DEQUANTIZE), every operator in float64, so the only error left in it is float64 rounding
(~1e-16 relative), far below either runtime's float32 error. `errors` then says how far
LiteRT's builtin and reference kernels and tflc each are from it.

    python conformance/zoo/truth64.py MODEL.tflite IN.npy [TFLC_OUT.npy ...]
    python conformance/zoo/truth64.py --case NET/FORM TFLC_BINARY SAMPLES
        (the cached zoo model; SAMPLES seeded inputs of its distribution; the worst max-rel
        and the mean rms-rel error of LiteRT builtin, LiteRT reference and tflc)

Operators: those of the zoo's float ImageNet networks (ADD, MUL, CONV_2D, DEPTHWISE_CONV_2D,
FULLY_CONNECTED, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN, PAD, CONCATENATION, RELU, RELU6,
RESHAPE, STRIDED_SLICE, DEQUANTIZE, LOGISTIC, HARD_SWISH); anything else raises.
"""
import sys

import numpy as np

try:
    from ai_edge_litert import schema_py_generated as S
except ImportError:  # pragma: no cover
    from tensorflow.lite.python import schema_py_generated as S

OPS = {v: k for k, v in vars(S.BuiltinOperator).items() if not k.startswith("_") and isinstance(v, int)}
NP = {S.TensorType.FLOAT32: np.float32, S.TensorType.FLOAT16: np.float16,
      S.TensorType.INT32: np.int32, S.TensorType.INT64: np.int64}


def _act(x, code):
    if code == S.ActivationFunctionType.RELU:
        return np.maximum(x, 0.0)
    if code == S.ActivationFunctionType.RELU6:
        return np.clip(x, 0.0, 6.0)
    if code == S.ActivationFunctionType.RELU_N1_TO_1:
        return np.clip(x, -1.0, 1.0)
    if code != S.ActivationFunctionType.NONE:
        raise NotImplementedError(f"activation {code}")
    return x


def _pads(size, k, stride, dil, same):
    """TFLite's output size and padding before the first element."""
    ek = (k - 1) * dil + 1
    if same:
        out = (size + stride - 1) // stride
        total = max((out - 1) * stride + ek - size, 0)
        return out, total // 2
    return (size - ek) // stride + 1, 0


def _patches(x, kh, kw, sh, sw, dh, dw, same, pad_value=0.0):
    """[N, OH, OW, KH, KW, C] windows of x (NHWC), padded with pad_value."""
    n, h, w, c = x.shape
    oh, pt = _pads(h, kh, sh, dh, same)
    ow, pl = _pads(w, kw, sw, dw, same)
    big = np.full((n, h + 2 * (kh * dh + sh), w + 2 * (kw * dw + sw), c), pad_value, x.dtype)
    big[:, pt + 0:pt + h, pl:pl + w, :] = x  # input row iy sits at iy + pt
    out = np.empty((n, oh, ow, kh, kw, c), x.dtype)
    for ky in range(kh):
        for kx in range(kw):
            out[:, :, :, ky, kx, :] = big[:, ky * dh:ky * dh + sh * (oh - 1) + 1:sh,
                                              kx * dw:kx * dw + sw * (ow - 1) + 1:sw, :]
    return out


def _conv(x, w, b, o):
    same = o.Padding() == S.Padding.SAME
    p = _patches(x, w.shape[1], w.shape[2], o.StrideH(), o.StrideW(), o.DilationHFactor(),
                 o.DilationWFactor(), same)
    y = np.tensordot(p, w, axes=([3, 4, 5], [1, 2, 3]))
    return _act(y + (0.0 if b is None else b), o.FusedActivationFunction())


def _dwconv(x, w, b, o):
    same = o.Padding() == S.Padding.SAME
    mult = w.shape[3] // x.shape[3]
    p = _patches(x, w.shape[1], w.shape[2], o.StrideH(), o.StrideW(), o.DilationHFactor(),
                 o.DilationWFactor(), same)
    p = np.repeat(p, mult, axis=5)
    y = np.einsum("nhwijc,ijc->nhwc", p, w[0])
    return _act(y + (0.0 if b is None else b), o.FusedActivationFunction())


def _pool(x, o, kind):
    same = o.Padding() == S.Padding.SAME
    kh, kw = o.FilterHeight(), o.FilterWidth()
    if kind == "max":
        p = _patches(x, kh, kw, o.StrideH(), o.StrideW(), 1, 1, same, -np.inf)
        y = p.max(axis=(3, 4))
    else:  # average over the taps inside the input, as TFLite counts them
        p = _patches(x, kh, kw, o.StrideH(), o.StrideW(), 1, 1, same, 0.0)
        ones = _patches(np.ones_like(x[..., :1]), kh, kw, o.StrideH(), o.StrideW(), 1, 1, same, 0.0)
        y = p.sum(axis=(3, 4)) / ones.sum(axis=(3, 4))
    return _act(y, o.FusedActivationFunction())


def _options(op, cls):
    t = cls()
    t.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
    return t


def evaluate(buf, inputs):
    """Subgraph 0 of the model in float64: its outputs, in order."""
    m = S.Model.GetRootAs(buf, 0)
    sg = m.Subgraphs(0)
    codes = [OPS[max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode())]
             for i in range(m.OperatorCodesLength())]
    vals = {}
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        data = m.Buffers(t.Buffer()).DataAsNumpy() if t.Buffer() else 0
        if isinstance(data, np.ndarray) and data.size:
            arr = np.frombuffer(data.tobytes(), NP[t.Type()]).reshape(t.ShapeAsNumpy())
            vals[i] = arr.astype(np.float64) if arr.dtype.kind == "f" else arr
    for i, x in zip(sg.InputsAsNumpy(), inputs):
        vals[int(i)] = np.asarray(x, np.float64)
    for k in range(sg.OperatorsLength()):
        op = sg.Operators(k)
        name = codes[op.OpcodeIndex()]
        ins = [vals.get(int(i)) if i >= 0 else None for i in op.InputsAsNumpy()]
        shape_out = sg.Tensors(int(op.OutputsAsNumpy()[0])).ShapeAsNumpy()
        if name == "CONV_2D":
            y = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, _options(op, S.Conv2DOptions))
        elif name == "DEPTHWISE_CONV_2D":
            y = _dwconv(ins[0], ins[1], ins[2] if len(ins) > 2 else None,
                        _options(op, S.DepthwiseConv2DOptions))
        elif name == "FULLY_CONNECTED":
            o = _options(op, S.FullyConnectedOptions)
            x = ins[0].reshape(-1, ins[1].shape[1])
            y = x @ ins[1].T + (0.0 if len(ins) < 3 or ins[2] is None else ins[2])
            y = _act(y, o.FusedActivationFunction())
            if o.KeepNumDims():
                y = y.reshape(tuple(ins[0].shape[:-1]) + (ins[1].shape[0],))
        elif name in ("ADD", "MUL"):
            cls = S.AddOptions if name == "ADD" else S.MulOptions
            o = _options(op, cls)
            y = ins[0] + ins[1] if name == "ADD" else ins[0] * ins[1]
            y = _act(y, o.FusedActivationFunction())
        elif name == "MAX_POOL_2D":
            y = _pool(ins[0], _options(op, S.Pool2DOptions), "max")
        elif name == "AVERAGE_POOL_2D":
            y = _pool(ins[0], _options(op, S.Pool2DOptions), "avg")
        elif name == "MEAN":
            o = _options(op, S.ReducerOptions)
            y = ins[0].mean(axis=tuple(int(a) for a in np.atleast_1d(ins[1])), keepdims=o.KeepDims())
        elif name == "PAD":
            y = np.pad(ins[0], [tuple(int(v) for v in r) for r in ins[1]])
        elif name == "CONCATENATION":
            o = _options(op, S.ConcatenationOptions)
            y = _act(np.concatenate(ins, axis=o.Axis()), o.FusedActivationFunction())
        elif name == "RELU":
            y = np.maximum(ins[0], 0.0)
        elif name == "RELU6":
            y = np.clip(ins[0], 0.0, 6.0)
        elif name == "LOGISTIC":
            y = 1.0 / (1.0 + np.exp(-ins[0]))
        elif name == "HARD_SWISH":
            y = ins[0] * np.clip(ins[0] + 3.0, 0.0, 6.0) / 6.0
        elif name == "RESHAPE":
            y = ins[0].reshape(shape_out)
        elif name == "DEQUANTIZE":
            y = ins[0].astype(np.float64)
        elif name == "STRIDED_SLICE":
            o = _options(op, S.StridedSliceOptions)
            if o.EllipsisMask() or o.NewAxisMask() or o.ShrinkAxisMask() or o.Offset():
                raise NotImplementedError("STRIDED_SLICE masks")
            sl = []
            for d, (b, e, s) in enumerate(zip(ins[1], ins[2], ins[3])):
                sl.append(slice(None if o.BeginMask() >> d & 1 else int(b),
                                None if o.EndMask() >> d & 1 else int(e), int(s)))
            y = ins[0][tuple(sl)]
        else:
            raise NotImplementedError(name)
        y = np.asarray(y)
        if tuple(y.shape) != tuple(shape_out):
            y = y.reshape(shape_out)
        vals[int(op.OutputsAsNumpy()[0])] = y
    return [vals[int(i)] for i in sg.OutputsAsNumpy()]


def litert(buf, inputs, resolver):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_content=buf,
                     experimental_op_resolver_type=getattr(OpResolverType, resolver))
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def error(got, truth):
    """max |got - truth| and its RMS, relative to max |truth|."""
    d = np.abs(np.asarray(got, np.float64) - truth)
    scale = float(np.max(np.abs(truth))) or 1.0
    return {"max_abs": float(d.max()), "max_rel": float(d.max()) / scale,
            "rms_rel": float(np.sqrt(np.mean(d * d))) / scale}


def errors(buf, inputs, tflc_outputs):
    """Error vs the float64 truth of LiteRT builtin, LiteRT reference and tflc, per output."""
    truth = evaluate(buf, inputs)
    rows = {"builtin": litert(buf, inputs, "BUILTIN_WITHOUT_DEFAULT_DELEGATES"),
            "reference": litert(buf, inputs, "BUILTIN_REF")}
    if tflc_outputs:
        rows["tflc"] = tflc_outputs
    return [{k: error(v[i], t) for k, v in rows.items()} for i, t in enumerate(truth)]


def run_tflc(tflc, model, x, workdir):
    """tflc's first output for input x, through its CLI."""
    import glob
    import json
    import os
    import subprocess
    info = json.loads(subprocess.run([tflc, "info", model, "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    name = info["signatures"][0]["inputs"][0]["name"]
    np.save(os.path.join(workdir, "x.npy"), x)
    out = os.path.join(workdir, "out")
    subprocess.run([tflc, "run", model, "--input", f"{name}=" + os.path.join(workdir, "x.npy"),
                    "--output-dir", out], check=True, capture_output=True)
    return np.load(sorted(glob.glob(os.path.join(out, "*.npy")))[0])


def evidence(case, tflc, samples):
    """Errors vs the float64 truth over `samples` seeded inputs of a zoo case (NET/FORM):
    per kernel set, the largest max-rel and the mean rms-rel over the samples."""
    import os
    import tempfile
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from conformance.zoo import convert_zoo, models
    net_name, form = case.split("/")
    net = models.by_name(net_name)
    model = convert_zoo._paths(net, form)[0]
    buf = open(model, "rb").read()
    rng = np.random.default_rng(20261127)
    agg = {}
    with tempfile.TemporaryDirectory() as work:
        for _ in range(samples):
            x = models.sample(net.inputs, rng, 1)[0]
            res = errors(buf, [x], [run_tflc(tflc, model, x, work)])[0]
            for k, e in res.items():
                a = agg.setdefault(k, {"max_rel": 0.0, "rms_rel": 0.0})
                a["max_rel"] = max(a["max_rel"], e["max_rel"])
                a["rms_rel"] += e["rms_rel"] / samples
    return agg


def main(argv):
    if argv and argv[0] == "--case":
        case, tflc, n = argv[1], argv[2], int(argv[3])
        for k, e in evidence(case, tflc, n).items():
            print(f"{case} {k:9s} over {n} inputs: worst max rel {e['max_rel']:.3g}  "
                  f"mean rms rel {e['rms_rel']:.3g}")
        return
    model, inp, outs = argv[0], argv[1], argv[2:]
    buf = open(model, "rb").read()
    x = np.load(inp)
    res = errors(buf, [x], [np.load(o) for o in outs])
    for i, r in enumerate(res):
        for k, e in r.items():
            print(f"output {i} {k:9s} max abs {e['max_abs']:.3g}  max rel {e['max_rel']:.3g}  "
                  f"rms rel {e['rms_rel']:.3g}")


if __name__ == "__main__":
    main(sys.argv[1:])
