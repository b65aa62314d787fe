#!/usr/bin/env python3
"""Generate the .tflite fixtures and golden outputs for tflc's model tests.

Models are converted with the real TensorFlow Lite converter
(tf.lite.TFLiteConverter) and the expected outputs are computed with the real
reference runtime (ai_edge_litert.interpreter.Interpreter with
OpResolverType.BUILTIN_REF, i.e. the TFLite *reference* kernels).

Everything is written next to this script (tests/models/):
  <model>.tflite
  <model>.<signature>.<case>.in.<input>.npy    float32 inputs
  <model>.<signature>.<case>.out.<output>.npy  float32 expected outputs
      (the signatures guide's string models, guide_saved_model and
      guide_concrete_functions: numpy bytes '|S<n>' for string tensors,
      goldens from TensorFlow eager; see "the signatures guide's models")
  MANIFEST.json   what each model is, signatures, tensors, op lists, cases
  VERSIONS.json   tool versions and the op resolver used

Run:  /path/to/venv/bin/python tests/models/generate.py
(the venv needs: pip install tensorflow-cpu ai-edge-litert numpy, see
make_venv.sh for the pinned versions).  The script is deterministic: running
it again with the same tool versions rewrites byte-identical files.
"""

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
import flatbuffers  # noqa: E402
from tensorflow.lite.python import schema_py_generated as schema_fb  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

OUT_DIR = os.path.dirname(os.path.abspath(__file__))

# The op set tflc supports today.  Every generated model must stay inside it.
SUPPORTED_OPS = {
    "FULLY_CONNECTED", "ADD", "SUB", "MUL", "DIV", "RELU", "RELU6",
    "LOGISTIC", "TANH", "SOFTMAX", "RESHAPE", "SQUEEZE", "EXPAND_DIMS",
    "CONCATENATION", "QUANTIZE", "DEQUANTIZE",
}

RESOLVER = OpResolverType.BUILTIN_REF
RESOLVER_NAME = "BUILTIN_REF"
GLOBAL_SEED = 1234

# Signature key used in .npy file names for a model without SignatureDefs.
NO_SIGNATURE_KEY = "nosig"

# Tolerances the C tests should use: |got - want| <= abs + rel * |want|.
TOL_EXACT = {
    "abs": 0.0, "rel": 0.0,
    "why": "IEEE float32 elementwise ops (add/sub/mul/div/relu/relu6/"
           "reshape/concat/squeeze/expand_dims) are correctly rounded, so a "
           "C implementation doing the same single operation per element "
           "must match the reference kernels bit for bit.",
}
TOL_TRANSCENDENTAL = {
    "abs": 1e-6, "rel": 1e-5,
    "why": "tanh/logistic/exp come from libm (std::tanh, std::exp in the "
           "reference kernels) and may differ from another libm or a "
           "polynomial approximation by a few ulp.",
}
TOL_REDUCTION = {
    "abs": 1e-5, "rel": 1e-5,
    "why": "FULLY_CONNECTED and SOFTMAX accumulate sums in float32; the same "
           "math in a different summation order (or with FMA contraction) "
           "gives relative errors around 1e-6, and transcendental ulp "
           "differences on top; abs 1e-5 + rel 1e-5 has ample margin.",
}
TOL_QUANT = {
    "abs": 0.0, "rel": 0.0,
    "why": "QUANTIZE->DEQUANTIZE is integer arithmetic and two float "
           "products per element: reproduced operation for operation "
           "(LiteRT's builtin kernels for quant_float_io: x * (1/scale) in "
           "float, ties to even, then q*scale - zp*scale), it matches bit "
           "for bit.  quant_float_io's edge case has x = +-2.0, next to a "
           "rounding tie: a different formula lands one step away there, an "
           "error of exactly one output scale: a bug to fix, not a "
           "tolerance to widen.",
}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def set_seeds(seed=GLOBAL_SEED):
    np.random.seed(seed)
    tf.random.set_seed(seed)
    keras.utils.set_random_seed(seed)


def safe_name(name):
    """A tensor/signature name made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def builtin_op_names():
    names = {}
    for k, v in vars(schema_fb.BuiltinOperator).items():
        if not k.startswith("_") and isinstance(v, int):
            names[v] = k
    return names


_OP_NAMES = builtin_op_names()
_TYPE_NAMES = {v: k for k, v in vars(schema_fb.TensorType).items()
               if not k.startswith("_") and isinstance(v, int)}
_ACT_NAMES = {v: k for k, v in
              vars(schema_fb.ActivationFunctionType).items()
              if not k.startswith("_") and isinstance(v, int)}


def model_structure(buf):
    """Subgraphs, their operators in execution order and their tensors,
    read straight from the flatbuffer with the TFLite schema."""
    m = schema_fb.ModelT.InitFromPackedBuf(bytearray(buf), 0)
    codes = []
    for oc in m.operatorCodes:
        code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
        name = _OP_NAMES.get(code, str(code))
        if code == schema_fb.BuiltinOperator.CUSTOM:
            name = "CUSTOM:" + (oc.customCode or b"").decode()
        codes.append(name)
    subgraphs = []
    for i, sg in enumerate(m.subgraphs):
        def tname(t):
            return sg.tensors[t].name.decode()
        ops = []
        for op in sg.operators:
            d = {
                "op": codes[op.opcodeIndex],
                "inputs": [int(t) for t in op.inputs],
                "outputs": [int(t) for t in op.outputs],
            }
            act = getattr(op.builtinOptions, "fusedActivationFunction", None)
            if act is not None:
                d["fused_activation"] = _ACT_NAMES.get(act, str(act))
            ops.append(d)
        tensors = []
        for ti, t in enumerate(sg.tensors):
            entry = {
                "index": ti,
                "name": t.name.decode(),
                "type": _TYPE_NAMES.get(t.type, str(t.type)),
                "shape": [int(d) for d in (t.shape if t.shape is not None else [])],
                "buffer": int(t.buffer),
            }
            if t.shapeSignature is not None:
                entry["shape_signature"] = [int(d) for d in t.shapeSignature]
            q = t.quantization
            if q is not None and q.scale is not None and len(q.scale):
                entry["quantization"] = {
                    "scale": [float(s) for s in q.scale],
                    "zero_point": [int(z) for z in q.zeroPoint],
                }
            tensors.append(entry)
        subgraphs.append({
            "index": i,
            "name": (sg.name or b"").decode(),
            "inputs": [int(t) for t in sg.inputs],
            "input_names": [tname(t) for t in sg.inputs],
            "outputs": [int(t) for t in sg.outputs],
            "output_names": [tname(t) for t in sg.outputs],
            "operators": [o["op"] for o in ops],
            "operator_details": ops,
            "tensors": tensors,
        })
    sigs = []
    for s in (m.signatureDefs or []):
        sigs.append({
            "signature_key": s.signatureKey.decode(),
            "subgraph_index": int(s.subgraphIndex),
        })
    return m, subgraphs, sigs


def check_ops(name, subgraphs):
    for sg in subgraphs:
        print(f"  [{name}] subgraph {sg['index']} ({sg['name']!r}) ops: "
              f"{sg['operators']}")
        bad = sorted(set(sg["operators"]) - SUPPORTED_OPS)
        if bad:
            raise SystemExit(f"{name}: unsupported ops {bad}")


def buffer_alignment(name, buf):
    """Largest power of two (<= 16) dividing the file offset of every
    non-empty constant buffer's data.  The converter only guarantees the
    element size (4 for float32), so the C runtime must not assume more;
    anything below 4 is rejected here."""
    m = schema_fb.Model.GetRootAsModel(bytearray(buf), 0)
    align = 16
    for i in range(m.BuffersLength()):
        b = m.Buffers(i)
        if b.DataLength() == 0:
            continue
        start = b._tab.Vector(b._tab.Offset(4))  # first data byte in buf
        while start % align:
            align //= 2
    if align < 4:
        raise SystemExit(f"{name}: constant buffer data only {align}-byte "
                         "aligned")
    return align


def make_interpreter(buf, resolver_name=None):
    it = Interpreter(model_content=bytes(buf),
                     experimental_op_resolver_type=getattr(
                         OpResolverType, resolver_name or RESOLVER_NAME))
    return it


def detail_json(d, sub_index=None):
    out = {
        "tensor_name": d["name"],
        "index": int(d["index"]),
        "dtype": np.dtype(d["dtype"]).name,
        "shape": [int(x) for x in d["shape"]],
        "shape_signature": [int(x) for x in d["shape_signature"]],
    }
    qp = d.get("quantization_parameters") or {}
    scales = qp.get("scales")
    if scales is not None and len(scales):
        out["quantization"] = {
            "scale": [float(s) for s in scales],
            "zero_point": [int(z) for z in qp["zero_points"]],
        }
    if sub_index is not None:
        out["subgraph_index"] = sub_index
    return out


def save_npy(path, arr):
    arr = np.ascontiguousarray(arr)
    with open(path, "wb") as f:
        np.save(f, arr, allow_pickle=False)


def savedmodel_convert(module, signatures, configure=None):
    """tf.saved_model.save + TFLiteConverter.from_saved_model."""
    tmp = tempfile.mkdtemp(prefix="tflc_gen_")
    try:
        path = os.path.join(tmp, "sm")
        tf.saved_model.save(module, path, signatures=signatures)
        conv = tf.lite.TFLiteConverter.from_saved_model(
            path, signature_keys=list(signatures.keys()))
        if configure:
            configure(conv)
        return conv.convert()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _AlignedBuilder(flatbuffers.Builder):
    """flatbuffers.Builder whose uint8 numpy vectors (the object API packs
    Buffer.data with CreateNumpyVector) start 16-byte aligned, like the
    converter's ForceVectorAlignment."""

    def CreateNumpyVector(self, x):
        if x.dtype != np.uint8:
            return super().CreateNumpyVector(x)
        data = x.tobytes()
        self.StartVector(1, len(data), 16)
        self.head = self.head - len(data)
        self.Bytes[self.head:self.head + len(data)] = data
        return self.EndVector()


def strip_signatures(buf):
    """Re-serialise a model with its SignatureDefs removed (as converters
    before TF 2.5 wrote them).  Constant buffers are kept 16-byte aligned
    like the converter does."""
    m = schema_fb.ModelT.InitFromPackedBuf(bytearray(buf), 0)
    m.signatureDefs = None
    builder = _AlignedBuilder(len(buf) + 1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


# --------------------------------------------------------------------------
# running the reference and writing goldens
# --------------------------------------------------------------------------

class ModelRecord:
    def __init__(self, name, buf, description, conversion, tolerance,
                 tolerance_by_output=None, resolver_name=None):
        self.name = name
        # The op resolver of this model's goldens, when not RESOLVER_NAME.
        self.resolver_name = resolver_name or RESOLVER_NAME
        self.buf = bytes(buf)
        self.description = description
        self.conversion = conversion
        self.tolerance = tolerance
        self.tolerance_by_output = tolerance_by_output or {}
        self.cases = []

    @property
    def file(self):
        return self.name + ".tflite"


def run_signature_case(rec, sig_key, case, inputs):
    """Run one case through a fresh reference interpreter's signature runner
    (which resizes inputs whose shape differs) and write the .npy files."""
    it = make_interpreter(rec.buf, rec.resolver_name)
    runner = it.get_signature_runner(sig_key)
    feed = {k: np.ascontiguousarray(v, dtype=np.float32)
            for k, v in inputs.items()}
    outs = runner(**feed)
    in_details = runner.get_input_details()
    out_details = runner.get_output_details()
    entry = {"name": case, "signature": sig_key, "inputs": [], "outputs": []}
    for k in in_details:
        fn = f"{rec.name}.{safe_name(sig_key)}.{case}.in.{safe_name(k)}.npy"
        save_npy(os.path.join(OUT_DIR, fn), feed[k])
        entry["inputs"].append({"name": k, "file": fn,
                                "shape": list(feed[k].shape)})
    for k in out_details:
        v = np.asarray(outs[k])
        assert v.dtype == np.float32, (rec.name, k, v.dtype)
        fn = f"{rec.name}.{safe_name(sig_key)}.{case}.out.{safe_name(k)}.npy"
        save_npy(os.path.join(OUT_DIR, fn), v)
        entry["outputs"].append({"name": k, "file": fn,
                                 "shape": list(v.shape)})
    rec.cases.append(entry)
    return outs


def run_plain_case(rec, case, inputs):
    """Run a case by tensor index (no signatures), inputs keyed by tensor
    name."""
    it = make_interpreter(rec.buf)
    in_details = it.get_input_details()
    for d in in_details:
        x = inputs[d["name"]]
        if list(x.shape) != list(d["shape"]):
            it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for d in in_details:
        it.set_tensor(d["index"], np.ascontiguousarray(inputs[d["name"]],
                                                       dtype=np.float32))
    it.invoke()
    entry = {"name": case, "signature": None, "inputs": [], "outputs": []}
    for d in in_details:
        k = d["name"]
        fn = f"{rec.name}.{NO_SIGNATURE_KEY}.{case}.in.{safe_name(k)}.npy"
        x = np.ascontiguousarray(inputs[k], dtype=np.float32)
        save_npy(os.path.join(OUT_DIR, fn), x)
        entry["inputs"].append({"tensor_name": k, "index": int(d["index"]),
                                "file": fn, "shape": list(x.shape)})
    outs = {}
    for d in it.get_output_details():
        k = d["name"]
        v = it.get_tensor(d["index"])
        assert v.dtype == np.float32
        outs[k] = v
        fn = f"{rec.name}.{NO_SIGNATURE_KEY}.{case}.out.{safe_name(k)}.npy"
        save_npy(os.path.join(OUT_DIR, fn), v)
        entry["outputs"].append({"tensor_name": k, "index": int(d["index"]),
                                 "file": fn, "shape": list(v.shape)})
    rec.cases.append(entry)
    return outs


def describe(rec):
    """MANIFEST entry for a model."""
    _, subgraphs, sigdefs = model_structure(rec.buf)
    check_ops(rec.name, subgraphs)
    align = buffer_alignment(rec.name, rec.buf)
    it = make_interpreter(rec.buf)
    sig_list = it.get_signature_list()
    print(f"  [{rec.name}] get_signature_list(): {sig_list}")
    it.allocate_tensors()
    entry = {
        "file": rec.file,
        "size": len(rec.buf),
        "sha256": sha256(rec.buf),
        "min_constant_buffer_alignment": align,
        "description": rec.description,
        "conversion": rec.conversion,
        "reference_resolver": rec.resolver_name,
        "signature_list": sig_list,
        "signature_defs": sigdefs,
        "interpreter_inputs": [detail_json(d) for d in it.get_input_details()],
        "interpreter_outputs": [detail_json(d)
                                for d in it.get_output_details()],
        "operators": subgraphs[0]["operators"] if len(subgraphs) == 1 else
        {str(sg["index"]): sg["operators"] for sg in subgraphs},
        "subgraphs": subgraphs,
        "signatures": {},
        "tolerance": rec.tolerance,
        "cases": rec.cases,
    }
    if rec.tolerance_by_output:
        entry["tolerance_by_output"] = rec.tolerance_by_output
    sub_of = {s["signature_key"]: s["subgraph_index"] for s in sigdefs}
    for key in sig_list:
        r = it.get_signature_runner(key)
        entry["signatures"][key] = {
            "subgraph_index": sub_of.get(key),
            "inputs": [dict(name=k, **detail_json(d))
                       for k, d in r.get_input_details().items()],
            "outputs": [dict(name=k, **detail_json(d))
                        for k, d in r.get_output_details().items()],
        }
    return entry


def rng_normal(seed, shape, scale=1.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale
            ).astype(np.float32)


# --------------------------------------------------------------------------
# the models
# --------------------------------------------------------------------------

def model_keras_dense():
    """The Keras model of the TFLite signatures guide."""
    set_seeds()
    def normal(seed):
        return keras.initializers.RandomNormal(mean=0.0, stddev=0.8,
                                               seed=seed)

    def uniform(lo, hi, seed):
        return keras.initializers.RandomUniform(lo, hi, seed=seed)

    model = tf.keras.Sequential([
        # Keras 3: `input_dim=4` on Dense is gone; an Input layer replaces it.
        tf.keras.Input(shape=(4,), name="x_input"),
        tf.keras.layers.Dense(2, activation="relu", name="x",
                              kernel_initializer=normal(11),
                              bias_initializer=uniform(0.1, 0.5, 12)),
        tf.keras.layers.Dense(1, activation="relu", name="output",
                              kernel_initializer=uniform(-0.5, 1.0, 13),
                              bias_initializer=uniform(0.0, 0.3, 14)),
    ])
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    buf = conv.convert()
    rec = ModelRecord(
        "keras_dense", buf,
        "Signatures guide Keras model: Sequential([Input(4, name='x_input'), "
        "Dense(2, relu, name='x'), Dense(1, relu, name='output')]) with "
        "seeded initializers: x kernel RandomNormal(0, 0.8, seed 11), x bias "
        "RandomUniform(0.1, 0.5, seed 12), output kernel RandomUniform(-0.5, "
        "1.0, seed 13), output bias RandomUniform(0, 0.3, seed 14).  Both "
        "Dense layers become FULLY_CONNECTED with fused RELU; the first "
        "layer's relu clips some units in the rand_b5/edge cases, outputs "
        "are non-zero.  Input batch is dynamic (shape_signature [-1,4]).",
        "tf.lite.TFLiteConverter.from_keras_model(model) (Keras 3; the "
        "converter exports the model via model.export internally, so the "
        "signature output is named 'output_0' rather than the guide's "
        "'output', and the input is named after the Input layer).",
        TOL_REDUCTION)
    it = make_interpreter(buf)
    key = list(it.get_signature_list())[0]
    in_name = it.get_signature_list()[key]["inputs"][0]
    run_signature_case(rec, key, "rand", {in_name: rng_normal(101, (1, 4))})
    run_signature_case(rec, key, "rand_b5", {in_name: rng_normal(102, (5, 4))})
    edge = np.array([[0, 0, 0, 0],
                     [-1, -2, -3, -4],
                     [1, 2, 3, 4],
                     [-0.5, 0.25, -100, 100]], np.float32)
    run_signature_case(rec, key, "edge", {in_name: edge})
    return rec


class AddSub(tf.Module):
    def __init__(self):
        super().__init__()
        self.c_add = tf.constant([1.0, 2.0, 3.0], tf.float32)
        self.c_sub = tf.constant([0.5, -1.5, 4.0], tf.float32)

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
    def add(self, x):
        return x + self.c_add

    @tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
    def sub(self, x):
        return x - self.c_sub


def model_multi_signatures():
    set_seeds()
    mod = AddSub()
    buf = savedmodel_convert(mod, {"add": mod.add.get_concrete_function(),
                                   "sub": mod.sub.get_concrete_function()})
    rec = ModelRecord(
        "multi_signatures", buf,
        "tf.Module with two signatures, each (x: float32[3]) -> "
        "{'output_0'}: add = x + [1, 2, 3], sub = x - [0.5, -1.5, 4]. Each "
        "signature has its own subgraph.",
        "tf.saved_model.save(module, signatures={'add':..., 'sub':...}) then "
        "TFLiteConverter.from_saved_model(path, signature_keys=['add','sub'])",
        TOL_EXACT)
    for key, seed in (("add", 201), ("sub", 202)):
        run_signature_case(rec, key, "rand", {"x": rng_normal(seed, (3,))})
        run_signature_case(rec, key, "edge",
                           {"x": np.array([0.0, -1.0, -1e6], np.float32)})
    return rec


class ExternalBuffers(tf.Module):
    def __init__(self):
        super().__init__()
        r = np.random.default_rng(351)
        self.w = tf.constant(r.normal(size=(4, 3)).astype(np.float32))
        self.b = tf.constant(r.normal(size=(3,)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32, name="x")])
    def f(self, x):
        return {"y": tf.matmul(x, self.w) + self.b}


def model_external_buffers():
    """Constant buffers stored after the flatbuffer (Buffer.offset/size), as the converter
    writes models over 2 GB; _experimental_use_buffer_offset forces it for a small one."""
    set_seeds()
    mod = ExternalBuffers()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([mod.f.get_concrete_function()], mod)
    conv._experimental_use_buffer_offset = True
    buf = conv.convert()
    m = schema_fb.ModelT.InitFromObj(schema_fb.Model.GetRootAsModel(buf, 0))
    external = [(int(b.offset), int(b.size)) for b in m.buffers if b.offset > 1]
    assert external, "the converter stored no buffer outside the flatbuffer"
    rec = ModelRecord(
        "external_buffers", buf,
        "y = x @ w + b with w and b stored outside the flatbuffer: buffers (offset, size) = "
        f"{external}.",
        "TFLiteConverter.from_concrete_functions with _experimental_use_buffer_offset = True",
        TOL_REDUCTION)
    run_signature_case(rec, "serving_default", "rand", {"x": rng_normal(352, (2, 4))})
    return rec


class DynBatch(tf.Module):
    def __init__(self):
        super().__init__()
        r = np.random.default_rng(301)
        self.w = tf.constant(r.normal(size=(4, 3)).astype(np.float32))
        self.b = tf.constant(r.normal(size=(3,)).astype(np.float32) * 0.1)

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32,
                                                name="x")])
    def serve(self, x):
        h = tf.tanh(tf.matmul(x, self.w) + self.b)
        return {"hidden": h, "probs": tf.nn.softmax(h * 3.0, axis=-1)}


def model_dynamic_batch():
    set_seeds()
    mod = DynBatch()
    buf = savedmodel_convert(
        mod, {"serving_default": mod.serve.get_concrete_function()})
    rec = ModelRecord(
        "dynamic_batch", buf,
        "x: float32[None,4] -> hidden = tanh(x @ W + b) [N,3], probs = "
        "softmax(3 * hidden) [N,3].  W, b from np.random.default_rng(301). "
        "Input shape_signature is [-1,4]; goldens for batch 1, 3 and 7 "
        "(the reference signature runner resizes the input).",
        "tf.saved_model.save(module, signatures={'serving_default': ...}) "
        "then TFLiteConverter.from_saved_model",
        TOL_REDUCTION)
    for n, seed in ((1, 311), (3, 313), (7, 317)):
        run_signature_case(rec, "serving_default", f"rand_b{n}",
                           {"x": rng_normal(seed, (n, 4))})
    edge = np.array([[0, 0, 0, 0],
                     [-1, -1, -1, -1],
                     [50, -50, 25, -25]], np.float32)
    run_signature_case(rec, "serving_default", "edge_b3", {"x": edge})
    return rec


class AddMul(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32, name="a"),
                                  tf.TensorSpec([2, 3], tf.float32, name="b")])
    def serve(self, a, b):
        return {"out": a * b + a}


def model_no_signatures():
    set_seeds()
    mod = AddMul()
    orig = savedmodel_convert(
        mod, {"serving_default": mod.serve.get_concrete_function()})
    buf = strip_signatures(orig)
    it0 = make_interpreter(orig)
    it = make_interpreter(buf)
    assert it.get_signature_list() == {}, it.get_signature_list()
    it.allocate_tensors()
    in_names = [d["name"] for d in it.get_input_details()]
    out_names = [d["name"] for d in it.get_output_details()]
    rec = ModelRecord(
        "no_signatures", buf,
        "out = a * b + a with a, b: float32[2,3]; SignatureDefs stripped, as "
        "converters before TF 2.5 wrote models.  Address inputs/outputs by "
        f"tensor name: inputs {in_names}, outputs {out_names}.  The original "
        f"model had signature list {it0.get_signature_list()}.",
        "tf.saved_model.save + TFLiteConverter.from_saved_model, then "
        "re-serialised with tensorflow.lite.python.schema_py_generated "
        "(ModelT object API, signatureDefs = None, flatbuffers.Builder, "
        "file identifier TFL3, constant buffers 16-byte aligned).",
        TOL_EXACT)
    rec.tensor_names = {"inputs": in_names, "outputs": out_names}
    # The converter orders the subgraph inputs b, a: map by name.
    a_name = [n for n in in_names if n.endswith("_a:0")][0]
    b_name = [n for n in in_names if n.endswith("_b:0")][0]
    run_plain_case(rec, "rand", {a_name: rng_normal(401, (2, 3)),
                                 b_name: rng_normal(402, (2, 3))})
    run_plain_case(rec, "edge", {
        a_name: np.array([[0, -1, 2], [-3.5, 1e3, -0.0]], np.float32),
        b_name: np.array([[5, 0, -2], [-1, -1e3, 7]], np.float32)})
    return rec


class FakeQuant(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32,
                                                name="x")])
    def serve(self, x):
        return {"y": tf.quantization.fake_quant_with_min_max_args(
            x, min=-2.0, max=2.0, num_bits=8)}


def model_quant_float_io():
    set_seeds()
    mod = FakeQuant()
    buf = savedmodel_convert(
        mod, {"serving_default": mod.serve.get_concrete_function()})
    rec = ModelRecord(
        "quant_float_io", buf,
        "Float in, float out; graph is QUANTIZE (float32 -> UINT8, scale "
        "4/255, zero_point 128) -> DEQUANTIZE (uint8 -> float32): the "
        "converter's lowering of tf.quantization.fake_quant_with_min_max_args"
        "(x, min=-2, max=2, num_bits=8).  Note the intermediate is uint8, "
        "not int8 (see subgraphs[0].tensors).",
        "tf.saved_model.save + TFLiteConverter.from_saved_model with default "
        "options (no optimizations: FakeQuant becomes QUANTIZE+DEQUANTIZE).  "
        "Goldens from LiteRT's builtin kernels (issue 5: quantized results "
        "match BUILTIN_WITHOUT_DEFAULT_DELEGATES): its QUANTIZE multiplies "
        "by 1/scale and rounds ties to even in blocks of 8, its DEQUANTIZE "
        "computes q*scale - zp*scale there; the reference kernels' outputs "
        "differ by an ulp on most elements.",
        TOL_QUANT, resolver_name="BUILTIN_WITHOUT_DEFAULT_DELEGATES")
    run_signature_case(rec, "serving_default", "rand",
                       {"x": rng_normal(501, (2, 4))})
    edge = np.array([[0, -0.0, 2, -2],
                     [5, -5, 0.01, -1.337]], np.float32)
    run_signature_case(rec, "serving_default", "edge", {"x": edge})
    return rec


class ReshapeOnly(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32,
                                                name="x")])
    def serve(self, x):
        return {"y": tf.reshape(x, [4, 2])}


def model_quant_reshape():
    set_seeds()
    mod = ReshapeOnly()

    def rep():
        r = np.random.default_rng(601)
        for _ in range(32):
            yield {"x": r.normal(size=(2, 4)).astype(np.float32)}

    def configure(conv):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]

    buf = savedmodel_convert(
        mod, {"serving_default": mod.serve.get_concrete_function()},
        configure)
    rec = ModelRecord(
        "quant_reshape", buf,
        "Full-integer post-training quantization (float32 I/O) of "
        "y = reshape(x[2,4], [4,2]): QUANTIZE (float32 -> INT8) -> RESHAPE "
        "(int8) -> DEQUANTIZE (int8 -> float32); scale/zero_point in "
        "subgraphs[0].tensors.  Representative dataset: 32 samples of "
        "np.random.default_rng(601).normal(size=(2,4)).",
        "tf.saved_model.save + TFLiteConverter.from_saved_model with "
        "optimizations=[DEFAULT], representative_dataset, "
        "supported_ops=[TFLITE_BUILTINS_INT8]; inference input/output "
        "types left at float32.",
        TOL_QUANT)
    run_signature_case(rec, "serving_default", "rand",
                       {"x": rng_normal(602, (2, 4))})
    edge = np.array([[0, -0.0, 10, -10],
                     [0.5, -0.5, 1e-3, -1e-3]], np.float32)
    run_signature_case(rec, "serving_default", "edge", {"x": edge})
    return rec


class OpsMix(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([2, 3], tf.float32, name="x"),
                                  tf.TensorSpec([3], tf.float32, name="y")])
    def mix(self, x, y):
        ye = tf.expand_dims(y, 0)                 # [1,3]
        s = x - ye                                # SUB, broadcast
        p = x * y                                 # MUL, broadcast
        d = x / (y * y + 1.0)                     # MUL, ADD, DIV
        cat = tf.concat([s, p, d], axis=0)        # [6,3]
        sig = tf.sigmoid(cat)                     # LOGISTIC
        r6 = tf.nn.relu6(cat)                     # RELU6
        sm = tf.nn.softmax(cat, axis=-1)          # SOFTMAX
        flat = tf.reshape(sm, [18])               # RESHAPE
        sq = tf.squeeze(tf.nn.relu(ye - 0.5), 0)  # SUB, RELU, SQUEEZE
        th = tf.tanh(tf.reshape(x, [3, 2]))       # RESHAPE, TANH
        return {"sigmoid": sig, "relu6": r6, "softmax_flat": flat,
                "squeezed": sq, "tanh": th}


def model_ops_mix():
    set_seeds()
    mod = OpsMix()
    buf = savedmodel_convert(mod, {"mix": mod.mix.get_concrete_function()})
    rec = ModelRecord(
        "ops_mix", buf,
        "Signature 'mix'(x: float32[2,3], y: float32[3]): ye = "
        "expand_dims(y,0); cat = concat([x - ye, x * y, x / (y*y + 1)], "
        "axis 0) [6,3]; outputs sigmoid = logistic(cat), relu6 = relu6(cat), "
        "softmax_flat = reshape(softmax(cat), [18]), squeezed = "
        "squeeze(relu(ye - 0.5), 0) [3], tanh = tanh(reshape(x, [3,2])).  "
        "With static shapes the converter folds expand_dims/squeeze away "
        "(squeezed becomes SUB with fused RELU, broadcasting y - 0.5) and "
        "moves TANH before the RESHAPE; see shape_ops for EXPAND_DIMS and "
        "SQUEEZE.",
        "tf.saved_model.save(module, signatures={'mix': ...}) then "
        "TFLiteConverter.from_saved_model",
        TOL_EXACT,
        tolerance_by_output={"sigmoid": TOL_TRANSCENDENTAL,
                             "tanh": TOL_TRANSCENDENTAL,
                             "softmax_flat": TOL_REDUCTION,
                             "relu6": TOL_EXACT, "squeezed": TOL_EXACT})
    run_signature_case(rec, "mix", "rand",
                       {"x": rng_normal(701, (2, 3), 3.0),
                        "y": rng_normal(702, (3,))})
    run_signature_case(rec, "mix", "edge", {
        "x": np.array([[0, -1, 7], [-30, 0.5, 100]], np.float32),
        "y": np.array([0, -2, 1.5], np.float32)})
    return rec


class ShapeOps(tf.Module):
    # Both dims unknown, so the converter cannot turn EXPAND_DIMS/SQUEEZE
    # into RESHAPE (with static shapes it does, or removes them).
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32,
                                                name="x")])
    def shapes(self, x):
        e = tf.expand_dims(x, 0)                    # [1,N,M]
        return {"expanded": tf.nn.relu(e),          # [1,N,M]
                "squeezed": tf.squeeze(tf.nn.relu6(e), 0)}  # [N,M]


def model_shape_ops():
    set_seeds()
    mod = ShapeOps()
    buf = savedmodel_convert(mod,
                             {"shapes": mod.shapes.get_concrete_function()})
    rec = ModelRecord(
        "shape_ops", buf,
        "Signature 'shapes'(x: float32[None,None]): e = expand_dims(x, 0) "
        "[1,N,M]; outputs expanded = relu(e), squeezed = squeeze(relu6(e), "
        "axis 0) [N,M].  Fully dynamic input (shape_signature [-1,-1]) keeps "
        "EXPAND_DIMS and SQUEEZE as real ops; goldens for [2,3], [1,5], "
        "[4,1] (resized through the signature runner).",
        "tf.saved_model.save(module, signatures={'shapes': ...}) then "
        "TFLiteConverter.from_saved_model",
        TOL_EXACT)
    run_signature_case(rec, "shapes", "rand_2x3",
                       {"x": rng_normal(801, (2, 3), 4.0)})
    run_signature_case(rec, "shapes", "rand_1x5",
                       {"x": rng_normal(802, (1, 5), 4.0)})
    run_signature_case(rec, "shapes", "edge_4x1", {
        "x": np.array([[0], [-1], [6], [1e9]], np.float32)})
    return rec


# --------------------------------------------------------------------------

def model_custom_atanh():
    """A model holding a custom operator: y = atanh(x) + 1, converted with
    allow_custom_ops so TensorFlow's Atanh stays a custom op named "Atanh".
    LiteRT cannot run it without a registration, so the golden comes from
    TensorFlow eager.  Files: custom_atanh.tflite, custom_atanh.golden_in.x.npy,
    custom_atanh.golden_out.y.npy (names chosen so test_models skips them: the
    C API test registers the op itself)."""
    set_seeds()

    class CustomAtanh(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def f(self, x):
            return {"y": tf.math.atanh(x) + 1.0}

    m = CustomAtanh()
    conv = tf.lite.TFLiteConverter.from_concrete_functions(
        [m.f.get_concrete_function()], m)
    conv.allow_custom_ops = True
    buf = conv.convert()
    x = np.array([-0.9, -0.5, 0.0, 0.25, 0.5, 0.75, 0.99], dtype=np.float32)
    y = (tf.math.atanh(tf.constant(x)) + 1.0).numpy()
    _, subgraphs, _ = model_structure(buf)
    print(f"  [custom_atanh] ops: {subgraphs[0]['operators']}")
    with open(os.path.join(OUT_DIR, "custom_atanh.tflite"), "wb") as f:
        f.write(buf)
    save_npy(os.path.join(OUT_DIR, "custom_atanh.golden_in.x.npy"), x)
    save_npy(os.path.join(OUT_DIR, "custom_atanh.golden_out.y.npy"), y)
    return {
        "file": "custom_atanh.tflite",
        "size": len(buf),
        "sha256": sha256(buf),
        "description": "y = atanh(x) + 1 with Atanh left as a custom op "
                       "(allow_custom_ops=True); golden from TensorFlow eager.",
        "operators": subgraphs[0]["operators"],
        "golden": {"in": "custom_atanh.golden_in.x.npy",
                   "out": "custom_atanh.golden_out.y.npy"},
    }


# --------------------------------------------------------------------------
# the signatures guide's models (string tensors, Select TF ops)
# --------------------------------------------------------------------------
#
# The TFLite signatures guide's one model, converted along its three paths:
#   guide_saved_model          tf.saved_model.save + from_saved_model
#   guide_concrete_functions   from_concrete_functions([encode, decode], model)
#   guide_keras                from_keras_model (its Keras example model)
# The first two use Select TF ops (FlexAsString, FlexStringToNumber), which
# neither tf.lite.Interpreter nor LiteRT can run without the Flex delegate
# (not in the pip packages), so their goldens come from TensorFlow eager:
# model.encode(x) / model.decode(x) on the very module that was converted.
# String arrays are numpy bytes ('|S<n>').

GUIDE_ERROR_SIGNATURE = "decode_error"  # files <model>.decode_error.<case>.x.npy


class GuideModel(tf.Module):
    """The guide's example model, verbatim."""

    @tf.function(input_signature=[tf.TensorSpec(shape=[None],
                                                dtype=tf.float32)])
    def encode(self, x):
        result = tf.strings.as_string(x)
        return {"encoded_result": result}

    @tf.function(input_signature=[tf.TensorSpec(shape=[None],
                                                dtype=tf.string)])
    def decode(self, x):
        result = tf.strings.to_number(x)
        return {"decoded_result": result}


def guide_select_ops(conv):
    conv.target_spec.supported_ops = [
        tf.lite.OpsSet.TFLITE_BUILTINS,  # enable TensorFlow Lite ops.
        tf.lite.OpsSet.SELECT_TF_OPS,    # enable TensorFlow ops.
    ]


def canonical_flex_options(buf):
    """The converter stores each Flex op's TensorFlow NodeDef, serialized
    with its attr map in hash order, which changes from run to run.  Re-
    serialize every NodeDef deterministically (attrs sorted by key) in place:
    same length, same content, only the order of the attr entries differs,
    so the model stays byte-for-byte the converter's apart from that order."""
    from flatbuffers import flexbuffers
    from tensorflow.core.framework import node_def_pb2
    m = schema_fb.ModelT.InitFromPackedBuf(bytearray(buf), 0)
    codes = [(oc.customCode or b"").decode() for oc in m.operatorCodes]
    out = bytearray(buf)
    for sg in m.subgraphs:
        for op in sg.operators:
            if not codes[op.opcodeIndex].startswith("Flex"):
                continue
            vec = flexbuffers.GetRoot(bytes(op.customOptions)).AsVector
            raw = bytes(vec[1].AsStringBytes)
            new = node_def_pb2.NodeDef.FromString(raw).SerializeToString(
                deterministic=True)
            assert len(new) == len(raw) and out.count(raw) == 1
            at = out.find(raw)
            out[at:at + len(raw)] = new
    return bytes(out)


def tf_lite_interpreter(buf):
    """TensorFlow's own (deprecated) tf.lite.Interpreter, as the guide uses."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tf.lite.Interpreter(model_content=bytes(buf))


def try_run(make, key, feed):
    """Runs one signature; returns what happened, for the MANIFEST."""
    try:
        outs = make().get_signature_runner(key)(**feed)
        return {"ran": True,
                "outputs": {k: [x.decode() if isinstance(x, bytes) else x
                                for x in np.asarray(v).ravel().tolist()]
                            for k, v in outs.items()}}
    except Exception as e:  # noqa: BLE001 (recorded, not handled)
        return {"ran": False, "error_type": type(e).__name__,
                "error": str(e)}


def to_bytes_array(values):
    """A numpy bytes array ('|S<n>') from bytes / str / a tf string tensor."""
    items = [v if isinstance(v, bytes) else str(v).encode()
             for v in np.asarray(values, dtype=object).ravel()]
    return np.array(items, dtype=bytes).reshape(np.shape(values))


def npy_dtype(arr):
    return arr.dtype.str  # '<f4', '|S8'


def guide_signature_details(it, key):
    r = it.get_signature_runner(key)

    def detail(name, d):
        j = dict(name=name, **detail_json(d))
        if np.dtype(d["dtype"]).kind == "S":
            j["dtype"] = "string"
        return j
    return {"inputs": [detail(k, d) for k, d in
                       r.get_input_details().items()],
            "outputs": [detail(k, d) for k, d in
                        r.get_output_details().items()]}


def guide_string_cases(name, module):
    """Goldens from TensorFlow eager on `module` (the converted one)."""
    cases, error_cases = [], []

    def write(sig, case, x, out_name, y):
        fin = f"{name}.{sig}.{case}.in.x.npy"
        fout = f"{name}.{sig}.{case}.out.{out_name}.npy"
        save_npy(os.path.join(OUT_DIR, fin), x)
        save_npy(os.path.join(OUT_DIR, fout), y)
        cases.append({
            "name": case, "signature": sig,
            "inputs": [{"name": "x", "file": fin, "shape": list(x.shape),
                        "dtype": npy_dtype(x)}],
            "outputs": [{"name": out_name, "file": fout,
                         "shape": list(y.shape), "dtype": npy_dtype(y)}]})

    def encode(case, x):
        x = np.ascontiguousarray(x, dtype=np.float32)
        y = to_bytes_array(module.encode(x)["encoded_result"].numpy())
        write("encode", case, x, "encoded_result", y)
        return y

    def decode(case, x):
        x = to_bytes_array(x)
        y = module.decode(x)["decoded_result"].numpy()
        assert y.dtype == np.float32
        write("decode", case, x, "decoded_result", y)
        return y

    # The guide's Python example: [1, 2, 3] and back.
    enc = encode("guide", [1, 2, 3])
    decode("guide", enc)
    # The C++ snippet: ResizeInputTensor("x", {100}), then back.
    enc = encode("x100", rng_normal(901, (100,), 100.0))
    decode("x100", enc)
    # Magnitudes from 1e-10 to 1e37: long "%f" strings, rounding to 6 places.
    r = np.random.default_rng(902)
    encode("rand", rng_normal(903, (32,)) *
           10.0 ** r.integers(-10, 38, 32).astype(np.float32))
    neg_nan = np.array([0x7FC00000 | 0x80000000], np.uint32).view(np.float32)
    encode("edge", np.concatenate([np.array(
        [-1.5, 0.0, -0.0, 1e-7, -1e-7, 1e10, 3.4e38, np.nan, np.inf, -np.inf,
         3.4028235e38, 1.4e-45, 123456789, 16777217, 0.1, 0.5,
         0.0078125, 0.0234375, -0.0078125, 5.0000004e-7],  # ties: half-even
        np.float32), neg_nan]))
    # Decimal strings printed by Python with 9 significant digits.
    decode("rand", ["%.9g" % v for v in rng_normal(904, (32,), 1e4)])
    decode("edge", [
        "1", "  2.5", "2.5  ", "\t7\n", "-3e2", "+4", ".5", "5.", "00012",
        "1E2", "1e0010", "-0", "-0.000000", "0.100000", "1e400", "-1e400",
        "1e-50", "3.4028235e38", "3.5e38", "1.5e-39", "1e-45",
        "7.006492321624085e-46",   # half the smallest subnormal: ties to 0
        "7.006492321624086e-46",   # just above: the smallest subnormal
        "1.00000005960464477539062500001",  # just above a tie: rounds up
        "nan", "-nan", "NaN", "nan(123)", "inf", "-inf", "Infinity",
        "-Infinity", "INF", "0x10", "-0x10", "0X1A", "0x1p3", "0x1.8"])
    # A decode that TensorFlow rejects: recorded with its message, no golden.
    # The file name's 4th field is not "in", so test_models.c skips it.
    bad = to_bytes_array(["1", "abc"])
    fin = f"{name}.{GUIDE_ERROR_SIGNATURE}.abc.x.npy"
    save_npy(os.path.join(OUT_DIR, fin), bad)
    try:
        module.decode(bad)
        raise SystemExit(f"{name}: TensorFlow accepted {bad!r}")
    except tf.errors.InvalidArgumentError as e:
        # The first lines name this script's path; keep the op's own line.
        msg = [ln.strip() for ln in e.message.splitlines()
               if "StringToNumberOp" in ln][0]
        error_cases.append({
            "name": "abc", "signature": "decode",
            "inputs": [{"name": "x", "file": fin, "shape": list(bad.shape),
                        "dtype": npy_dtype(bad)}],
            "tf_error": {"type": type(e).__name__,
                         "code": int(e.error_code),
                         "code_name": "INVALID_ARGUMENT",
                         "message": msg}})
    return cases, error_cases


def guide_string_model(name, buf, module, conversion):
    buf = canonical_flex_options(buf)
    with open(os.path.join(OUT_DIR, name + ".tflite"), "wb") as f:
        f.write(buf)
    _, subgraphs, sigdefs = model_structure(buf)
    for sg in subgraphs:
        print(f"  [{name}] subgraph {sg['index']} ({sg['name']!r}) ops: "
              f"{sg['operators']}")
    tf_it = tf_lite_interpreter(buf)
    tf_list = tf_it.get_signature_list()
    print(f"  [{name}] tf.lite.Interpreter get_signature_list(): {tf_list}")
    lite_list = make_interpreter(buf).get_signature_list()
    assert lite_list == tf_list, (lite_list, tf_list)
    feed = {"encode": {"x": np.array([1, 2, 3], np.float32)},
            "decode": {"x": np.array([b"1.000000", b"2.000000"])}}
    runs = {
        "tf.lite.Interpreter": {
            k: try_run(lambda: tf_lite_interpreter(buf), k, v)
            for k, v in feed.items()},
        "ai_edge_litert BUILTIN_REF": {
            k: try_run(lambda: make_interpreter(buf), k, v)
            for k, v in feed.items()},
    }
    for who, r in runs.items():
        for k, v in r.items():
            print(f"  [{name}] {who} {k}: " +
                  ("ran" if v["ran"] else "cannot run: " + v["error"]))
    cases, error_cases = guide_string_cases(name, module)
    return {
        "file": name + ".tflite",
        "size": len(buf),
        "sha256": sha256(buf),
        "description": "The TFLite signatures guide's model: tf.Module with "
        "encode(x: float32[None]) -> {'encoded_result': "
        "tf.strings.as_string(x)} and decode(x: string[None]) -> "
        "{'decoded_result': tf.strings.to_number(x)} (float32).  Each "
        "signature is one subgraph holding one Select TF op "
        "(FlexAsString / FlexStringToNumber, custom options = flexbuffer "
        "[op name, serialized NodeDef]).  Goldens from TensorFlow eager.",
        "conversion": conversion,
        "canonicalization": "Each Flex op's NodeDef re-serialized "
        "deterministically (attrs sorted by key), in place and at the same "
        "length: the converter writes the attr map in hash order, which "
        "changes from run to run (so the raw output's sha256 does too).",
        "golden_source": "TensorFlow eager: module.encode(x) / "
        "module.decode(x) on the module that was converted",
        "signature_list": tf_list,
        "tf_lite_interpreter_signature_list": tf_list,
        "tf_lite_interpreter_signature_list_printed": str(tf_list),
        "reference_runs": runs,
        "reference_runs_note": "Neither tf.lite.Interpreter (TensorFlow "
        f"{tf.__version__} pip) nor ai_edge_litert's interpreter includes "
        "the Flex delegate, so neither can run these models: both fail "
        "at prepare, as recorded above.",
        "signature_defs": sigdefs,
        "signatures": {k: dict(subgraph_index={s["signature_key"]:
                                               s["subgraph_index"]
                                               for s in sigdefs}.get(k),
                               **guide_signature_details(tf_it, k))
                       for k in tf_list},
        "operators": {str(sg["index"]): sg["operators"] for sg in subgraphs},
        "subgraphs": subgraphs,
        "tolerance": TOL_EXACT,
        "tolerance_note": "encode: the strings must be equal byte for byte "
        "(AsString with default attrs is C printf \"%f\" of the float "
        "promoted to double: 6 decimals, glibc rounding, 'nan', '-nan', "
        "'inf', '-inf').  decode: float32 bit for bit (TensorFlow parses "
        "with strtof: correctly rounded; leading/trailing whitespace, hex, "
        "'nan(...)' payloads and out-of-range values to inf/0 accepted); "
        "NaN outputs compare by bits too.",
        "cases": cases,
        "error_cases": error_cases,
    }


def model_guide_saved_model():
    set_seeds()
    model = GuideModel()
    tmp = tempfile.mkdtemp(prefix="tflc_gen_")
    try:
        path = os.path.join(tmp, "coding")
        tf.saved_model.save(
            model, path,
            signatures={
                'encode': model.encode.get_concrete_function(),
                'decode': model.decode.get_concrete_function()
            })
        converter = tf.lite.TFLiteConverter.from_saved_model(path)
        guide_select_ops(converter)
        buf = converter.convert()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return guide_string_model(
        "guide_saved_model", buf, model,
        "As the guide: tf.saved_model.save(model, path, signatures="
        "{'encode': model.encode.get_concrete_function(), 'decode': "
        "model.decode.get_concrete_function()}); "
        "TFLiteConverter.from_saved_model(path) with "
        "target_spec.supported_ops = [TFLITE_BUILTINS, SELECT_TF_OPS].")


def model_guide_concrete_functions():
    set_seeds()
    model = GuideModel()
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [model.encode.get_concrete_function(),
         model.decode.get_concrete_function()], model)
    guide_select_ops(converter)
    buf = converter.convert()
    return guide_string_model(
        "guide_concrete_functions", buf, model,
        "As the guide: TFLiteConverter.from_concrete_functions("
        "[model.encode.get_concrete_function(), "
        "model.decode.get_concrete_function()], model) with "
        "target_spec.supported_ops = [TFLITE_BUILTINS, SELECT_TF_OPS].")


def model_guide_keras():
    """The guide's Keras path.  Same model and seeded weights as
    keras_dense (the guide's Keras model), converted the guide's way.
    Keras' name counters are reset first, so the layer and tensor names
    are those of a fresh process running the guide."""
    keras.backend.clear_session()
    set_seeds()

    def normal(seed):
        return keras.initializers.RandomNormal(mean=0.0, stddev=0.8,
                                               seed=seed)

    def uniform(lo, hi, seed):
        return keras.initializers.RandomUniform(lo, hi, seed=seed)

    keras_model = tf.keras.Sequential([
        # Keras 3 has no Dense(input_dim=4); Keras 2 named the implied
        # InputLayer "<first layer>_input", so: Input(name="x_input").
        tf.keras.Input(shape=(4,), name="x_input"),
        tf.keras.layers.Dense(2, activation="relu", name="x",
                              kernel_initializer=normal(11),
                              bias_initializer=uniform(0.1, 0.5, 12)),
        tf.keras.layers.Dense(1, activation="relu", name="output",
                              kernel_initializer=uniform(-0.5, 1.0, 13),
                              bias_initializer=uniform(0.0, 0.3, 14)),
    ])
    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    buf = converter.convert()
    same = os.path.exists(os.path.join(OUT_DIR, "keras_dense.tflite")) and \
        open(os.path.join(OUT_DIR, "keras_dense.tflite"), "rb").read() == buf
    rec = ModelRecord(
        "guide_keras", buf,
        "The signatures guide's Keras path: Sequential([Input(4, "
        "name='x_input'), Dense(2, relu, name='x'), Dense(1, relu, "
        "name='output')]) with keras_dense's seeded initializers, "
        "converted with from_keras_model as the guide does (default "
        "supported ops).  " + ("Byte-identical to keras_dense.tflite; kept "
                               "under this name as the guide's third path."
                               if same else "Differs from keras_dense.tflite."),
        "tf.lite.TFLiteConverter.from_keras_model(keras_model).convert() "
        "(Keras 3 exports through model.export: output 'output_0').",
        TOL_REDUCTION)
    rec.same_as_keras_dense = same
    it = make_interpreter(buf)
    key = list(it.get_signature_list())[0]
    in_name = it.get_signature_list()[key]["inputs"][0]
    run_signature_case(rec, key, "guide",
                       {in_name: np.array([[1, 2, 3, 4]], np.float32)})
    run_signature_case(rec, key, "rand_b3",
                       {in_name: rng_normal(911, (3, 4))})
    run_signature_case(rec, key, "x100",
                       {in_name: rng_normal(912, (100, 4), 2.0)})
    return rec


def describe_guide_keras(rec):
    entry = describe(rec)
    tf_list = tf_lite_interpreter(rec.buf).get_signature_list()
    print(f"  [{rec.name}] tf.lite.Interpreter get_signature_list(): "
          f"{tf_list}")
    entry["tf_lite_interpreter_signature_list"] = tf_list
    entry["tf_lite_interpreter_signature_list_printed"] = str(tf_list)
    entry["byte_identical_to"] = "keras_dense.tflite" \
        if rec.same_as_keras_dense else None
    return entry


def versions():
    import importlib.metadata as md

    def v(pkg):
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return None
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "tensorflow_distribution": "tensorflow-cpu" if v("tensorflow-cpu")
        else "tensorflow",
        "keras": keras.__version__,
        "ai-edge-litert": v("ai-edge-litert"),
        "numpy": np.__version__,
        "flatbuffers": v("flatbuffers"),
        "reference_op_resolver": "OpResolverType." + RESOLVER_NAME,
        "reference_interpreter": "ai_edge_litert.interpreter.Interpreter("
        "model_content=..., experimental_op_resolver_type="
        "OpResolverType." + RESOLVER_NAME + ")",
        "global_seed": GLOBAL_SEED,
    }


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")


# The models this script writes (the first dotted part of each file name).
OWN_MODELS = {
    "keras_dense", "multi_signatures", "dynamic_batch", "no_signatures",
    "quant_float_io", "quant_reshape", "ops_mix", "shape_ops", "custom_atanh",
    "guide_saved_model", "guide_concrete_functions", "guide_keras", "external_buffers",
}


def main():
    # Remove stale generated files so renamed cases don't linger -- only this
    # script's models: other generators (generate_stateful.py) write here too.
    for fn in os.listdir(OUT_DIR):
        if fn.endswith((".npy", ".tflite")) and fn.split(".")[0] in OWN_MODELS:
            os.remove(os.path.join(OUT_DIR, fn))

    builders = [model_keras_dense, model_multi_signatures,
                model_dynamic_batch, model_no_signatures,
                model_quant_float_io, model_quant_reshape, model_ops_mix,
                model_shape_ops]
    manifest = {
        "generator": "tests/models/generate.py",
        "reference": versions()["reference_interpreter"],
        "npy_naming": "<model>.<signature>.<case>.in|out.<name>.npy; "
                      "names are signature input/output names (tensor names "
                      f"for models without signatures, signature "
                      f"'{NO_SIGNATURE_KEY}') with characters outside "
                      "[A-Za-z0-9_.-] replaced by '_'.  All arrays float32, "
                      "little-endian, C order (np.save format 1.0).",
        "tolerance_rule": "pass if |got - want| <= abs + rel * |want| for "
                          "every element (per model 'tolerance', overridden "
                          "per output by 'tolerance_by_output').",
        "models": {},
    }
    for b in builders:
        print(f"== {b.__name__}")
        rec = b()
        with open(os.path.join(OUT_DIR, rec.file), "wb") as f:
            f.write(rec.buf)
        entry = describe(rec)
        if hasattr(rec, "tensor_names"):
            entry["tensor_names"] = rec.tensor_names
        manifest["models"][rec.name] = entry

    print("== model_custom_atanh")
    manifest["models"]["custom_atanh"] = model_custom_atanh()

    # The signatures guide's three conversion paths (after the others, so
    # their TensorFlow state -- function name counters -- is unchanged).
    for b in (model_guide_saved_model, model_guide_concrete_functions):
        print(f"== {b.__name__}")
        entry = b()
        manifest["models"][entry["file"][:-len(".tflite")]] = entry
    print("== model_guide_keras")
    rec = model_guide_keras()
    with open(os.path.join(OUT_DIR, rec.file), "wb") as f:
        f.write(rec.buf)
    manifest["models"][rec.name] = describe_guide_keras(rec)
    # Models added later go last, so the earlier ones keep their function-name counters.
    for b in (model_external_buffers,):
        print(f"== {b.__name__}")
        rec = b()
        with open(os.path.join(OUT_DIR, rec.file), "wb") as f:
            f.write(rec.buf)
        manifest["models"][rec.name] = describe(rec)
    manifest["npy_strings"] = (
        "The guide_saved_model / guide_concrete_functions cases hold string "
        "arrays as numpy bytes ('|S<n>', fixed width, shorter strings "
        "NUL-padded; the strings themselves hold no NUL) and goldens from "
        "TensorFlow eager.  Their 'error_cases' name inputs "
        f"<model>.{GUIDE_ERROR_SIGNATURE}.<case>.x.npy (not a normal case: "
        "no golden output) that TensorFlow rejects, with its error.")

    write_json(os.path.join(OUT_DIR, "MANIFEST.json"), manifest)
    write_json(os.path.join(OUT_DIR, "VERSIONS.json"), versions())
    total = sum(os.path.getsize(os.path.join(OUT_DIR, f))
                for f in os.listdir(OUT_DIR))
    print(f"wrote {len(os.listdir(OUT_DIR))} files, {total} bytes total")


if __name__ == "__main__":
    main()
