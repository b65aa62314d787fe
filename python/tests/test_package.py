"""The package as a user meets it: version, constructor arguments, model sources, the
classic (index-based) API, and the names tf.lite.Interpreter has."""

import enum
import importlib.metadata
import inspect
import mmap
import os
import pathlib
import re

import numpy as np
import pytest

import tflc
from conftest import REFERENCE, ROOT, assert_close, load_npy, model_path


def test_version_is_the_c_librarys():
    with open(os.path.join(ROOT, "include", "tflc.h")) as f:
        header = re.search(r'#define TFLC_VERSION_STRING "([^"]+)"', f.read()).group(1)
    assert tflc.__version__ == header
    assert importlib.metadata.version("tflc") == header


def test_api_names_cover_litert():
    api = REFERENCE["api"]
    for name in api["Interpreter"]:
        assert hasattr(tflc.Interpreter, name), name
    for name in api["SignatureRunner"]:
        assert hasattr(tflc.SignatureRunner, name), name
    assert list(inspect.signature(tflc.Interpreter.__init__).parameters) == api["Interpreter.__init__"]


def test_every_litert_keyword_is_accepted():
    class ForeignResolver(enum.Enum):  # e.g. tf.lite.experimental.OpResolverType
        BUILTIN_REF = 2

    for resolver in (tflc.OpResolverType.BUILTIN_REF, ForeignResolver.BUILTIN_REF):
        interpreter = tflc.Interpreter(
            model_path=model_path("keras_dense"), experimental_delegates=None, num_threads=2,
            experimental_op_resolver_type=resolver, experimental_preserve_all_tensors=True,
            experimental_disable_delegate_clustering=True, experimental_default_delegate_latest_features=True,
            experimental_compress_quantization_zero_points=True, experimental_disable_delegate_node_fusion=True,
            experimental_force_delegate_node_profiling=True)
        assert interpreter.experimental_compress_quantization_zero_points is True
        assert interpreter.get_signature_list() == {"serving_default": {"inputs": ["x_input"], "outputs": ["output_0"]}}


def model_bytes(name="multi_signatures"):
    with open(model_path(name), "rb") as f:
        return f.read()


def check_add(interpreter):
    out = interpreter.get_signature_runner("add")(x=np.zeros(3, np.float32))
    assert out["output_0"].tolist() == [1.0, 2.0, 3.0]


def test_model_sources():
    data = model_bytes()
    check_add(tflc.Interpreter(model_path=model_path("multi_signatures")))
    check_add(tflc.Interpreter(model_path=pathlib.Path(model_path("multi_signatures"))))
    check_add(tflc.Interpreter(model_content=data))
    check_add(tflc.Interpreter(model_content=memoryview(data)))
    check_add(tflc.Interpreter(model_content=np.frombuffer(data, np.uint8)))
    # misaligned: tflc copies once
    shifted = b"\0" + data
    check_add(tflc.Interpreter(model_content=memoryview(shifted)[1:]))
    with open(model_path("multi_signatures"), "rb") as f:
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            interpreter = tflc.Interpreter(model_content=mapped)
            check_add(interpreter)
            del interpreter


def test_writable_buffer_is_copied_so_later_changes_cannot_reach_the_model():
    data = bytearray(model_bytes())
    interpreter = tflc.Interpreter(model_content=data)
    data[:] = b"\xff" * len(data)
    data.extend(b"more")  # not pinned: the bytes were copied
    check_add(interpreter)


def test_model_content_must_be_a_buffer():
    with pytest.raises(ValueError):
        tflc.Interpreter(model_content=12345)
    with pytest.raises(ValueError):
        tflc.Interpreter(model_content=b"")  # empty: as if not given


def test_classic_api_end_to_end_with_resize():
    interpreter = tflc.Interpreter(model_path=model_path("keras_dense"))
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    x = load_npy("keras_dense.serving_default.rand_b5.in.x_input.npy")
    interpreter.resize_tensor_input(inp["index"], x.shape)
    interpreter.allocate_tensors()
    assert interpreter.get_input_details()[0]["shape"].tolist() == [5, 4]
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    assert_close(interpreter.get_tensor(out["index"]),
                 load_npy("keras_dense.serving_default.rand_b5.out.output_0.npy"), 1e-5, 1e-5, "keras_dense")
    assert np.array_equal(interpreter.get_tensor(inp["index"]), x)
    assert interpreter.get_output_details()[0]["shape"].tolist() == [5, 1]
    assert [d["name"] for d in interpreter.get_tensor_details()] == [inp["name"], out["name"]]
    assert interpreter.num_subgraphs() == 1
    assert interpreter.reset_all_variables() is None
    with pytest.raises(NotImplementedError):
        interpreter.tensor(0)


def test_classic_api_and_signature_runners_are_independent():
    interpreter = tflc.Interpreter(model_path=model_path("multi_signatures"))
    interpreter.allocate_tensors()
    interpreter.set_tensor(0, np.full(3, 10, np.float32))
    interpreter.invoke()
    add1 = interpreter.get_signature_runner("add")
    add2 = interpreter.get_signature_runner("add")
    assert add1(x=np.zeros(3, np.float32))["output_0"].tolist() == [1, 2, 3]
    assert add2(x=np.ones(3, np.float32))["output_0"].tolist() == [2, 3, 4]
    assert interpreter.get_tensor(1).tolist() == [11, 12, 13]


def test_signature_runner_constructor_checks():
    with pytest.raises(ValueError, match="interpreter"):
        tflc.SignatureRunner()
    interpreter = tflc.Interpreter(model_path=model_path("multi_signatures"))
    with pytest.raises(ValueError, match="signature_key"):
        tflc.SignatureRunner(interpreter)
    runner = tflc.SignatureRunner(interpreter, "sub")
    assert runner(x=np.zeros(3, np.float32))["output_0"].tolist() == [-0.5, 1.5, -4.0]


def test_runner_details_follow_resizes():
    runner = tflc.Interpreter(model_path=model_path("dynamic_batch")).get_signature_runner()
    assert runner.get_input_details()["x"]["shape"].tolist() == [1, 4]
    out = runner(x=np.zeros((7, 4), np.float32))
    assert list(out) == ["hidden", "probs"]
    assert runner.get_input_details()["x"]["shape"].tolist() == [7, 4]
    assert runner.get_output_details()["probs"]["shape"].tolist() == [7, 3]
    assert runner.get_output_details()["probs"]["shape_signature"].tolist() == [-1, 3]
    assert out["probs"].flags.writeable and out["probs"].flags.c_contiguous


def test_outputs_are_copies():
    runner = tflc.Interpreter(model_path=model_path("multi_signatures")).get_signature_runner("add")
    first = runner(x=np.zeros(3, np.float32))["output_0"]
    runner(x=np.ones(3, np.float32))
    assert first.tolist() == [1.0, 2.0, 3.0]


def test_zero_size_batch():
    runner = tflc.Interpreter(model_path=model_path("dynamic_batch")).get_signature_runner()
    out = runner(x=np.zeros((0, 4), np.float32))
    assert out["probs"].shape == (0, 3)


def test_scalar_results_are_numpy_scalars_like_litert():
    # LiteRT returns 0-d numeric tensors through PyArray_Return: a numpy scalar.
    from tflc import _to_numpy

    v = _to_numpy((0, (), bytearray(np.float32(2.5).tobytes())))
    assert isinstance(v, np.float32) and v == 2.5
    assert _to_numpy((2, (0,), bytearray())).shape == (0,)
