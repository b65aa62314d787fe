"""Records what LiteRT's Python Interpreter returns, for the tflc Python tests.

Run with the generator venv (tensorflow-cpu + ai-edge-litert), from anywhere:

    /work/venv-gen/bin/python python/tests/gen_reference.py

It writes python/tests/litert_reference.json: for every fixture model under tests/models/,
get_signature_list() (with its key and name order), each signature runner's
get_input_details()/get_output_details(), the classic get_input_details()/
get_output_details(), the Python types of a runner call's results, and the exception type
and message LiteRT raises for each misuse the tests exercise. The tests themselves need
neither TensorFlow nor LiteRT: they compare tflc against this file.
"""

import inspect
import json
import os
import platform
import sys

import numpy as np
from ai_edge_litert import interpreter as litert

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "tests", "models")
OUT = os.path.join(HERE, "litert_reference.json")


def make(path, **kwargs):
    return litert.Interpreter(
        model_path=path,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF,
        **kwargs)


def array_json(a):
    a = np.asarray(a)
    return {"values": a.tolist(), "dtype": a.dtype.name}


def details_json(d):
    q = d["quantization_parameters"]
    return {
        "name": d["name"],
        "index": int(d["index"]),
        "shape": array_json(d["shape"]),
        "shape_signature": array_json(d["shape_signature"]),
        "dtype": d["dtype"].__name__,
        "quantization": [float(d["quantization"][0]), int(d["quantization"][1]),
                         type(d["quantization"][0]).__name__,
                         type(d["quantization"][1]).__name__],
        "quantization_parameters": {
            "keys": list(q.keys()),
            "scales": array_json(q["scales"]),
            "zero_points": array_json(q["zero_points"]),
            "quantized_dimension": q["quantized_dimension"],
            "block_size": q.get("block_size"),
        },
        "sparsity_parameters": d["sparsity_parameters"],
        "keys": list(d.keys()),
    }


def outcome(fn):
    try:
        result = fn()
    except Exception as e:  # noqa: BLE001 -- recording every kind is the point
        return {"raises": type(e).__name__, "message": str(e)}
    return {"raises": None, "result": repr(result)[:200]}


def golden_inputs(manifest, model, signature):
    """The first case's inputs of `model` for `signature`, as {name: array}."""
    for case in manifest["models"][model].get("cases", []):
        if case["signature"] == signature:
            return {i["name"]: np.load(os.path.join(MODELS, i["file"])) for i in case["inputs"]}
    return None


def record_model(manifest, name):
    path = os.path.join(MODELS, name + ".tflite")
    interp = make(path)
    sigs = interp.get_signature_list()
    rec = {
        "file": "tests/models/%s.tflite" % name,
        "signature_list": sigs,
        "signature_keys": list(sigs.keys()),
        "signature_names": {k: {"inputs": v["inputs"], "outputs": v["outputs"]} for k, v in sigs.items()},
        "input_details": [details_json(d) for d in interp.get_input_details()],
        "output_details": [details_json(d) for d in interp.get_output_details()],
        "tensor_detail_names": [d["name"] for d in interp.get_tensor_details()],
        "signatures": {},
    }
    for key in sigs:
        runner = interp.get_signature_runner(key)
        ins = runner.get_input_details()
        outs = runner.get_output_details()
        srec = {
            "input_details": {k: details_json(v) for k, v in ins.items()},
            "input_order": list(ins.keys()),
            "output_details": {k: details_json(v) for k, v in outs.items()},
            "output_order": list(outs.keys()),
        }
        feed = golden_inputs(manifest, name, key)
        if feed is not None:
            try:
                result = runner(**feed)
            except Exception as e:  # e.g. Select TF ops, which LiteRT cannot run
                srec["run_error"] = "%s: %s" % (type(e).__name__, e)
            else:
                srec["result_order"] = list(result.keys())
                srec["result_types"] = {k: [type(v).__name__, np.asarray(v).dtype.name, list(np.shape(v))]
                                        for k, v in result.items()}
                # After a runner call, the runner's details report the resized shapes.
                srec["output_details_after_call"] = {k: details_json(v)
                                                     for k, v in runner.get_output_details().items()}
        rec["signatures"][key] = srec
    return rec


def record_errors():
    p = lambda n: os.path.join(MODELS, n + ".tflite")  # noqa: E731
    kd = lambda: make(p("keras_dense"))  # noqa: E731
    ms = lambda: make(p("multi_signatures"))  # noqa: E731
    x14 = np.ones((1, 4), np.float32)

    def classic_invoke_before_allocate():
        i = kd()
        i.invoke()

    def set_tensor(value, allocate=True):
        i = kd()
        if allocate:
            i.allocate_tensors()
        i.set_tensor(i.get_input_details()[0]["index"], value)

    def resize_then_allocate(shape, strict=False):
        i = kd()
        i.resize_tensor_input(i.get_input_details()[0]["index"], shape, strict=strict)
        i.allocate_tensors()

    def multi_resize_strict():
        i = ms()
        i.resize_tensor_input(i.get_input_details()[0]["index"], [4], strict=True)

    def get_tensor_bad_index():
        i = kd()
        i.allocate_tensors()
        i.get_tensor(9999)

    def set_tensor_bad_index():
        i = kd()
        i.allocate_tensors()
        i.set_tensor(9999, x14)

    return {
        "no_model": outcome(lambda: litert.Interpreter()),
        "both_path_and_content": outcome(lambda: litert.Interpreter(
            model_path=p("keras_dense"), model_content=open(p("keras_dense"), "rb").read())),
        "missing_file": outcome(lambda: litert.Interpreter(model_path="/nonexistent/model.tflite")),
        "garbage_content": outcome(lambda: litert.Interpreter(model_content=b"not a model" * 8)),
        "num_threads_zero": outcome(lambda: make(p("keras_dense"), num_threads=0)),
        "num_threads_str": outcome(lambda: make(p("keras_dense"), num_threads="2")),
        "bad_signature_key": outcome(lambda: ms().get_signature_runner("nope")),
        "none_key_many_signatures": outcome(lambda: ms().get_signature_runner()),
        "none_key_no_signatures": outcome(lambda: make(p("no_signatures")).get_signature_runner()),
        "runner_missing_input": outcome(lambda: kd().get_signature_runner()()),
        "runner_extra_input": outcome(lambda: kd().get_signature_runner()(x_input=x14, y=x14)),
        "runner_misnamed_input": outcome(lambda: kd().get_signature_runner()(z=x14)),
        "runner_wrong_dtype": outcome(lambda: kd().get_signature_runner()(x_input=x14.astype(np.float64))),
        "runner_wrong_shape": outcome(lambda: kd().get_signature_runner()(
            x_input=np.ones((2, 5), np.float32))),
        "runner_wrong_shape_add": outcome(lambda: ms().get_signature_runner("add")(
            x=np.ones((4,), np.float32))),
        "runner_list_input": outcome(lambda: kd().get_signature_runner()(x_input=[[1.0, 2.0, 3.0, 4.0]])),
        "classic_invoke_before_allocate": outcome(classic_invoke_before_allocate),
        "set_tensor_wrong_dtype": outcome(lambda: set_tensor(x14.astype(np.int32))),
        "set_tensor_wrong_shape": outcome(lambda: set_tensor(np.ones((2, 4), np.float32))),
        "set_tensor_wrong_rank": outcome(lambda: set_tensor(np.ones((4,), np.float32))),
        "set_tensor_before_allocate": outcome(lambda: set_tensor(x14, allocate=False)),
        "set_tensor_bad_index": outcome(set_tensor_bad_index),
        "get_tensor_bad_index": outcome(get_tensor_bad_index),
        "resize_incompatible_then_allocate": outcome(lambda: resize_then_allocate([2, 5])),
        "resize_strict_fixed_dim": outcome(multi_resize_strict),
        "resize_strict_dynamic_dim": outcome(lambda: resize_then_allocate([3, 4], strict=True)),
    }


def convert(module, fn, **options):
    import tensorflow as tf
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], module)
    for k, v in options.items():
        setattr(conv, k, v)
    return conv.convert()


def record_extra_models():
    """Small models the fixtures lack, embedded (base64) with LiteRT's outputs on them.

    int8_io: full-integer quantization with int8 inputs and outputs (the fixtures only have
    float I/O), so details carry scales and zero points; its graph is a lone int8 RESHAPE.
    string_reshape: a RESHAPE over strings, for string inputs and outputs.
    """
    import base64
    import tensorflow as tf

    tf.random.set_seed(1234)

    class Q(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32)])
        def serving_default(self, x):
            return {"y": tf.reshape(x, [4, 2])}

    def representative():
        rng = np.random.default_rng(901)
        for _ in range(32):
            yield [rng.uniform(-3.0, 3.0, (2, 4)).astype(np.float32)]

    q = Q()
    int8_io = convert(q, q.serving_default,
                      optimizations=[tf.lite.Optimize.DEFAULT],
                      representative_dataset=representative,
                      inference_input_type=tf.int8,
                      inference_output_type=tf.int8)
    q_ops = tf.lite.Interpreter(model_content=int8_io)._get_ops_details()
    int8_io_ops = [o["op_name"] for o in q_ops]

    class S(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2, 2], tf.string)])
        def flat(self, x):
            return {"y": tf.reshape(x, [4])}

    s = S()
    string_reshape = convert(s, s.flat)

    out = {}
    for name, content, ops in (("int8_io", int8_io, int8_io_ops), ("string_reshape", string_reshape, None)):
        interp = litert.Interpreter(model_content=content,
                                    experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF)
        sigs = interp.get_signature_list()
        key = next(iter(sigs))
        runner = interp.get_signature_runner(key)
        rec = {
            "tflite_base64": base64.b64encode(content).decode("ascii"),
            "operators": ops,
            "signature_list": sigs,
            "input_details": [details_json(d) for d in interp.get_input_details()],
            "output_details": [details_json(d) for d in interp.get_output_details()],
            "runner_input_details": {k: details_json(v) for k, v in runner.get_input_details().items()},
            "runner_output_details": {k: details_json(v) for k, v in runner.get_output_details().items()},
        }
        if name == "int8_io":
            x = np.array([[-128, -5, 0, 1], [7, 100, 126, 127]], dtype=np.int8)
            y = runner(x=x)["y"]
            rec["cases"] = [{"x": array_json(x), "y": array_json(y)}]
        out[name] = rec
    return out


def record_strings():
    """What LiteRT returns for string tensors (a RESHAPE over strings, built in memory)."""
    import tensorflow as tf

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([2, 2], tf.string)])
        def flat(self, x):
            return {"y": tf.reshape(x, [4])}

    m = M()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([m.flat.get_concrete_function()], m)
    interp = litert.Interpreter(model_content=conv.convert())
    runner = interp.get_signature_runner()
    out = runner(x=np.array([[b"a", b"bc"], [b"", b"\x00z"]]))["y"]
    out_u = runner(x=np.array([["\u00e9", "b"], ["c", "d"]]))["y"]
    out_o = runner(x=np.array([[b"a", "b"], [b"c", b"d"]], dtype=object))["y"]
    return {
        "input_dtype": runner.get_input_details()["x"]["dtype"].__name__,
        "output_dtype": runner.get_output_details()["y"]["dtype"].__name__,
        "result_type": type(out).__name__,
        "result_dtype": out.dtype.name,
        "element_type": type(out[0]).__name__,
        "result_bytes": [v.decode("latin-1") for v in out],
        "from_unicode": [v.decode("utf-8") for v in out_u],
        "from_object": [v.decode("utf-8") for v in out_o],
    }


def main():
    with open(os.path.join(MODELS, "MANIFEST.json")) as f:
        manifest = json.load(f)
    names = sorted(n for n, m in manifest["models"].items()
                   if m.get("file", "").endswith(".tflite") and "signature_list" in m)
    ref = {
        "generator": "python/tests/gen_reference.py",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "ai-edge-litert": __import__("importlib.metadata").metadata.version("ai-edge-litert"),
        },
        "models": {},
    }
    for name in names:
        try:
            ref["models"][name] = record_model(manifest, name)
        except Exception as e:  # a model LiteRT cannot run (e.g. Flex ops): note it
            ref["models"][name] = {"litert_error": "%s: %s" % (type(e).__name__, e)}
        print(name, ref["models"][name].get("signature_list", ref["models"][name].get("litert_error")))
    ref["errors"] = record_errors()
    ref["api"] = {
        "Interpreter": sorted(n for n in dir(litert.Interpreter) if not n.startswith("_")),
        "SignatureRunner": sorted(n for n in dir(litert.SignatureRunner) if not n.startswith("_")),
        "Interpreter.__init__": list(inspect.signature(litert.Interpreter.__init__).parameters),
    }
    ref["strings"] = record_strings()
    ref["extra_models"] = record_extra_models()
    with open(OUT, "w") as f:
        json.dump(ref, f, indent=1, sort_keys=False)
        f.write("\n")
    print("wrote", os.path.relpath(OUT, ROOT), file=sys.stderr)


if __name__ == "__main__":
    main()
