"""tflc.Interpreter against LiteRT's recorded answers (litert_reference.json) and against
the fixtures' golden outputs (tests/models/*.npy, MANIFEST.json).

Every field of the details dicts is compared except 'index': LiteRT reports subgraph
tensor indices, which tflc's public C API does not expose (tflc reports input positions,
then output positions; see README "Python quick start")."""

import numpy as np
import pytest

import tflc
from conftest import (MANIFEST, REFERENCE, assert_close, extra_model, is_unsupported, load_npy,
                      manifest_models, model_path, tolerance)

REF_MODELS = sorted(n for n, m in REFERENCE["models"].items() if "litert_error" not in m)


def details_as_reference(d):
    """A tflc details dict in gen_reference.py's JSON form."""
    q = d["quantization_parameters"]

    def arr(a):
        return {"values": a.tolist(), "dtype": a.dtype.name}

    return {
        "name": d["name"],
        "index": d["index"],
        "shape": arr(d["shape"]),
        "shape_signature": arr(d["shape_signature"]),
        "dtype": d["dtype"].__name__,
        "quantization": [float(d["quantization"][0]), int(d["quantization"][1]),
                         type(d["quantization"][0]).__name__, type(d["quantization"][1]).__name__],
        "quantization_parameters": {
            "keys": list(q.keys()),
            "scales": arr(q["scales"]),
            "zero_points": arr(q["zero_points"]),
            "quantized_dimension": q["quantized_dimension"],
            "block_size": q.get("block_size"),
        },
        "sparsity_parameters": d["sparsity_parameters"],
        "keys": list(d.keys()),
    }


def unsupported_skips(fn, *args):
    """fn(*args), skipping the test when the library lacks an operator of the model."""
    try:
        return fn(*args)
    except RuntimeError as e:
        if is_unsupported(e):
            pytest.skip("the library does not run this model yet: %s" % e)
        raise


def assert_details(got, want, what):
    got = details_as_reference(got)
    got.pop("index")
    want = dict(want)
    want.pop("index")
    assert got == want, what


@pytest.mark.parametrize("model", REF_MODELS)
def test_signature_list_matches_litert(model):
    ref = REFERENCE["models"][model]
    sigs = tflc.Interpreter(model_path=model_path(model)).get_signature_list()
    assert sigs == ref["signature_list"]
    assert list(sigs) == ref["signature_keys"]
    for key, io in ref["signature_names"].items():
        assert sigs[key]["inputs"] == io["inputs"] and sigs[key]["outputs"] == io["outputs"]


@pytest.mark.parametrize("model", REF_MODELS)
def test_signature_runner_details_match_litert(model):
    ref = REFERENCE["models"][model]
    interpreter = tflc.Interpreter(model_path=model_path(model))
    for key, sref in ref["signatures"].items():
        runner = unsupported_skips(interpreter.get_signature_runner, key)
        ins, outs = runner.get_input_details(), runner.get_output_details()
        assert list(ins) == sref["input_order"]
        assert list(outs) == sref["output_order"]
        for name, want in sref["input_details"].items():
            assert_details(ins[name], want, "%s/%s input %s" % (model, key, name))
        for name, want in sref["output_details"].items():
            assert_details(outs[name], want, "%s/%s output %s" % (model, key, name))


@pytest.mark.parametrize("model", REF_MODELS)
def test_classic_details_match_litert(model):
    ref = REFERENCE["models"][model]
    interpreter = tflc.Interpreter(model_path=model_path(model))
    ins, outs = unsupported_skips(interpreter.get_input_details), interpreter.get_output_details()
    # The classic API follows the signature over subgraph 0, in the signature's order;
    # LiteRT follows the subgraph's input list. Compare by name.
    want_in = {d["name"]: d for d in ref["input_details"]}
    want_out = {d["name"]: d for d in ref["output_details"]}
    assert sorted(d["name"] for d in ins) == sorted(want_in)
    assert sorted(d["name"] for d in outs) == sorted(want_out)
    for d in ins:
        assert_details(d, want_in[d["name"]], "%s classic input %s" % (model, d["name"]))
    for d in outs:
        assert_details(d, want_out[d["name"]], "%s classic output %s" % (model, d["name"]))
    # Indices: inputs 0..n-1, then outputs; get_tensor_details lists them in that order.
    n = len(ins)
    assert [d["index"] for d in ins] == list(range(n))
    assert [d["index"] for d in outs] == list(range(n, n + len(outs)))
    assert [d["index"] for d in interpreter.get_tensor_details()] == list(range(n + len(outs)))
    assert all(d["index"] == i for i, d in enumerate(interpreter.get_tensor_details()))


@pytest.mark.parametrize("model", REF_MODELS)
def test_runner_results_have_litert_types_and_order(model):
    ref = REFERENCE["models"][model]
    interpreter = tflc.Interpreter(model_path=model_path(model))
    for key, sref in ref["signatures"].items():
        if "result_types" not in sref:
            continue
        case = next(c for c in MANIFEST["models"][model]["cases"] if c["signature"] == key)
        runner = unsupported_skips(interpreter.get_signature_runner, key)
        result = runner(**{i["name"]: load_npy(i["file"]) for i in case["inputs"]})
        assert list(result) == sref["result_order"]
        for name, (type_name, dtype, shape) in sref["result_types"].items():
            v = result[name]
            assert [type(v).__name__, np.asarray(v).dtype.name, list(np.shape(v))] == [type_name, dtype, shape]
        after = runner.get_output_details()
        for name, want in sref["output_details_after_call"].items():
            assert_details(after[name], want, "%s/%s output %s after a call" % (model, key, name))


def io_name(entry):
    return entry.get("name") or entry["tensor_name"]  # models without signatures: tensor names


def cases():
    found = []
    for model in manifest_models():
        for case in MANIFEST["models"][model]["cases"]:
            found.append(pytest.param(model, case, id="%s-%s-%s" % (model, case["signature"], case["name"])))
    return found


@pytest.mark.parametrize("model,case", cases())
def test_golden_outputs(model, case):
    interpreter = tflc.Interpreter(model_path=model_path(model))
    key = case["signature"]
    try:
        runner = interpreter.get_signature_runner(key)  # None: the model has no signatures
        result = runner(**{io_name(i): load_npy(i["file"]) for i in case["inputs"]})
    except RuntimeError as e:
        if is_unsupported(e):
            pytest.skip("the library does not run this model yet: %s" % e)
        raise
    assert sorted(result) == sorted(io_name(o) for o in case["outputs"])
    for o in case["outputs"]:
        abs_tol, rel_tol = tolerance(model, io_name(o))
        assert_close(result[io_name(o)], load_npy(o["file"]), abs_tol, rel_tol,
                     "%s/%s/%s %s" % (model, key, case["name"], io_name(o)))


def test_no_signature_model_runs_through_default_signature_by_tensor_name():
    interpreter = tflc.Interpreter(model_path=model_path("no_signatures"))
    assert interpreter.get_signature_list() == {}
    runner = interpreter.get_signature_runner()  # LiteRT raises here; tflc runs the default
    assert list(runner.get_input_details()) == ["serving_default_a:0", "serving_default_b:0"]
    a = load_npy("no_signatures.nosig.rand.in.serving_default_a_0.npy")
    b = load_npy("no_signatures.nosig.rand.in.serving_default_b_0.npy")
    out = runner(**{"serving_default_a:0": a, "serving_default_b:0": b})
    assert_close(out["PartitionedCall:0"], load_npy("no_signatures.nosig.rand.out.PartitionedCall_0.npy"),
                 0, 0, "no_signatures")
    assert interpreter.get_signature_runner("serving_default").get_input_details().keys() == \
        runner.get_input_details().keys()


def test_extra_models_details_match_litert():
    for name, ref in REFERENCE["extra_models"].items():
        interpreter = tflc.Interpreter(model_content=extra_model(name))
        assert interpreter.get_signature_list() == ref["signature_list"]
        runner = interpreter.get_signature_runner()
        for n, want in ref["runner_input_details"].items():
            assert_details(runner.get_input_details()[n], want, "%s input %s" % (name, n))
        for n, want in ref["runner_output_details"].items():
            assert_details(runner.get_output_details()[n], want, "%s output %s" % (name, n))
        for got, want in zip(interpreter.get_input_details(), ref["input_details"]):
            assert_details(got, want, "%s classic input" % name)
        for got, want in zip(interpreter.get_output_details(), ref["output_details"]):
            assert_details(got, want, "%s classic output" % name)
