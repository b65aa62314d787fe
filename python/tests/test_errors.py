"""Errors: each misuse raises the exception type LiteRT raises for it (recorded in
litert_reference.json), with a message that names the culprit."""

import builtins

import numpy as np
import pytest

import tflc
from conftest import REFERENCE, extra_model, model_path

ERRORS = REFERENCE["errors"]
X14 = np.ones((1, 4), np.float32)


def kd():
    return tflc.Interpreter(model_path=model_path("keras_dense"))


def ms():
    return tflc.Interpreter(model_path=model_path("multi_signatures"))


def raises_like(scenario, fn, match=None):
    """Runs fn; it must raise LiteRT's exception type for `scenario`. Returns the exception."""
    want = ERRORS[scenario]["raises"]
    assert want is not None, "LiteRT did not raise for %s" % scenario
    with pytest.raises(getattr(builtins, want)) as info:
        fn()
    if match:
        assert match in str(info.value), str(info.value)
    return info.value


# ------------------------------------------------------------- construction --

def test_no_model():
    e = raises_like("no_model", lambda: tflc.Interpreter())
    assert str(e) == ERRORS["no_model"]["message"]


def test_both_path_and_content():
    content = open(model_path("keras_dense"), "rb").read()
    e = raises_like("both_path_and_content",
                    lambda: tflc.Interpreter(model_path=model_path("keras_dense"), model_content=content))
    assert str(e) == ERRORS["both_path_and_content"]["message"]


def test_missing_file_names_the_path():
    raises_like("missing_file", lambda: tflc.Interpreter(model_path="/nonexistent/model.tflite"),
                match="/nonexistent/model.tflite")


def test_garbage_content():
    raises_like("garbage_content", lambda: tflc.Interpreter(model_content=b"not a model" * 8))


def test_truncated_model_is_refused():
    content = open(model_path("keras_dense"), "rb").read()
    with pytest.raises(ValueError):
        tflc.Interpreter(model_content=content[: len(content) // 2])


@pytest.mark.parametrize("scenario,value", [("num_threads_zero", 0), ("num_threads_str", "2")])
def test_num_threads_validation(scenario, value):
    e = raises_like(scenario, lambda: tflc.Interpreter(model_path=model_path("keras_dense"), num_threads=value))
    assert str(e) == ERRORS[scenario]["message"]


def test_num_threads_accepted():
    r = tflc.Interpreter(model_path=model_path("keras_dense"), num_threads=4).get_signature_runner()
    assert r(x_input=X14)["output_0"].shape == (1, 1)


def test_unknown_op_resolver_type():
    with pytest.raises(ValueError, match="op resolver"):
        tflc.Interpreter(model_path=model_path("keras_dense"), experimental_op_resolver_type=7)


def test_delegates_are_refused_and_load_delegate_raises_value_error():
    with pytest.raises(ValueError, match="delegate"):
        tflc.load_delegate("libedgetpu.so.1")
    with pytest.raises(ValueError, match="delegate"):
        tflc.Interpreter(model_path=model_path("keras_dense"), experimental_delegates=[object()])
    tflc.Interpreter(model_path=model_path("keras_dense"), experimental_delegates=[])


# -------------------------------------------------------------- signatures --

def test_bad_signature_key_names_the_valid_keys():
    e = raises_like("bad_signature_key", lambda: ms().get_signature_runner("nope"))
    assert str(e).startswith(ERRORS["bad_signature_key"]["message"])
    assert '"add"' in str(e) and '"sub"' in str(e)


def test_none_key_with_many_signatures_names_them():
    e = raises_like("none_key_many_signatures", lambda: ms().get_signature_runner())
    assert "'add'" in str(e) and "'sub'" in str(e)


def test_runner_missing_input_names_it():
    raises_like("runner_missing_input", lambda: kd().get_signature_runner()(), match="missing: 'x_input'")


def test_runner_extra_input_names_it():
    raises_like("runner_extra_input", lambda: kd().get_signature_runner()(x_input=X14, y=X14),
                match="unexpected: 'y'")


def test_runner_misnamed_input_names_it_and_the_valid_ones():
    e = raises_like("runner_misnamed_input", lambda: kd().get_signature_runner()(z=X14))
    assert "(z)" in str(e) and "'x_input'" in str(e)


def test_runner_wrong_dtype_names_input_and_types():
    e = raises_like("runner_wrong_dtype", lambda: kd().get_signature_runner()(x_input=X14.astype(np.float64)))
    assert "FLOAT64" in str(e) and "FLOAT32" in str(e) and "'x_input'" in str(e)


def test_runner_incompatible_shape_is_input_shape_error():
    # LiteRT raises RuntimeError from AllocateTensors; tflc's InputShapeError is one, and a
    # ValueError too.
    e = raises_like("runner_wrong_shape_add",
                    lambda: ms().get_signature_runner("add")(x=np.ones((4,), np.float32)))
    assert isinstance(e, tflc.InputShapeError) and isinstance(e, ValueError)
    assert "'x': (4,)" in str(e) and "ADD" in str(e)


def test_runner_incompatible_shape_that_litert_accepts():
    # LiteRT runs FULLY_CONNECTED on [2,5] by reading it as [?,4] (recorded: no error);
    # tflc may refuse it, and then only with InputShapeError.
    assert ERRORS["runner_wrong_shape"]["raises"] is None
    try:
        kd().get_signature_runner()(x_input=np.ones((2, 5), np.float32))
    except tflc.InputShapeError as e:
        assert "x_input" in str(e)


def test_runner_rank_over_limit():
    with pytest.raises(tflc.InputShapeError, match="rank"):
        kd().get_signature_runner()(x_input=np.ones((1,) * 9, np.float32))


def test_runner_recovers_after_errors():
    runner = ms().get_signature_runner("add")
    with pytest.raises(ValueError):
        runner(x=np.ones((4,), np.float32))
    with pytest.raises(ValueError):
        runner(x=np.ones((3,), np.int32))
    assert runner(x=np.zeros(3, np.float32))["output_0"].tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("value", [[1.5, 2.5, 3.5], [1, 2, 3], (1.0, 2.0, 3.0)])
def test_runner_accepts_python_lists(value):
    # LiteRT raises AttributeError for lists (recorded); tflc converts them.
    assert ERRORS["runner_list_input"]["raises"] == "AttributeError"
    got = ms().get_signature_runner("add")(x=value)["output_0"]
    assert got.dtype == np.float32
    assert got.tolist() == (np.asarray(value, np.float32) + [1, 2, 3]).tolist()


@pytest.mark.parametrize("value", [[1.5, 2.0], ["a", "b"], [[1, 2], [3]], [1e40, 0.0, 0.0]])
def test_runner_refuses_lists_that_do_not_fit(value):
    with pytest.raises(ValueError):
        ms().get_signature_runner("add")(x=value)


def test_runner_refuses_lists_out_of_range_for_int8():
    interpreter = tflc.Interpreter(model_content=extra_model("int8_io"))
    with pytest.raises(ValueError):
        interpreter.get_signature_runner()(x=[[300, 0, 0, 0], [0, 0, 0, 0]])


def test_runner_refuses_float_list_for_int8():
    interpreter = tflc.Interpreter(model_content=extra_model("int8_io"))
    with pytest.raises(ValueError, match="INT8"):
        interpreter.get_signature_runner()(x=[[0.5] * 4] * 2)


def test_runner_accepts_array_likes():
    class Wrapped:
        def __array__(self, dtype=None, copy=None):
            return np.array([1, 2, 3], np.float32)

    assert ms().get_signature_runner("add")(x=Wrapped())["output_0"].tolist() == [2.0, 4.0, 6.0]
    # non-contiguous arrays are copied
    x = np.arange(6, dtype=np.float32)[::2]
    assert ms().get_signature_runner("add")(x=x)["output_0"].tolist() == [1.0, 4.0, 7.0]


def test_string_value_for_float_input():
    with pytest.raises(ValueError, match="STRING"):
        ms().get_signature_runner("add")(x=np.array([b"a", b"b", b"c"]))


# ----------------------------------------------------------------- classic --

def test_invoke_before_allocate_is_runtime_error():
    e = raises_like("classic_invoke_before_allocate", lambda: kd().invoke())
    assert "allocate" in str(e)


def classic(allocate=True):
    i = kd()
    if allocate:
        i.allocate_tensors()
    return i


def test_set_tensor_wrong_dtype():
    i = classic()
    e = raises_like("set_tensor_wrong_dtype", lambda: i.set_tensor(0, X14.astype(np.int32)))
    assert "INT32" in str(e) and "serving_default_x_input:0" in str(e)


def test_set_tensor_wrong_shape():
    i = classic()
    e = raises_like("set_tensor_wrong_shape", lambda: i.set_tensor(0, np.ones((2, 4), np.float32)))
    assert str(e) == ERRORS["set_tensor_wrong_shape"]["message"]


def test_set_tensor_wrong_rank():
    i = classic()
    e = raises_like("set_tensor_wrong_rank", lambda: i.set_tensor(0, np.ones((4,), np.float32)))
    assert str(e) == ERRORS["set_tensor_wrong_rank"]["message"]


def test_set_tensor_before_allocate():
    i = classic(allocate=False)
    e = raises_like("set_tensor_before_allocate", lambda: i.set_tensor(0, X14))
    assert str(e) == ERRORS["set_tensor_before_allocate"]["message"]


def test_set_tensor_after_resize_without_allocate_is_refused():
    # The C library would copy the new size into the old memory: the binding must refuse.
    i = classic()
    i.resize_tensor_input(0, [1000, 4])
    with pytest.raises(ValueError, match="unallocated"):
        i.set_tensor(0, np.ones((1000, 4), np.float32))
    with pytest.raises(ValueError, match="allocate"):
        i.get_tensor(0)
    i.allocate_tensors()
    i.set_tensor(0, np.ones((1000, 4), np.float32))
    i.invoke()
    assert i.get_tensor(1).shape == (1000, 1)


def test_resize_to_same_shape_keeps_allocation():
    i = classic()
    i.resize_tensor_input(0, [1, 4])
    i.set_tensor(0, X14)
    i.invoke()


@pytest.mark.parametrize("scenario", ["set_tensor_bad_index", "get_tensor_bad_index"])
def test_bad_tensor_index(scenario):
    i = classic()
    fn = (lambda: i.set_tensor(9999, X14)) if scenario.startswith("set") else (lambda: i.get_tensor(9999))
    raises_like(scenario, fn, match="9999")


def test_get_tensor_before_allocate():
    with pytest.raises(ValueError, match="allocate_tensors"):
        classic(allocate=False).get_tensor(0)


def test_set_tensor_on_output_is_refused():
    with pytest.raises(ValueError):
        classic().set_tensor(1, np.ones((1, 1), np.float32))


def test_resize_strict_fixed_dim():
    i = ms()
    e = raises_like("resize_strict_fixed_dim", lambda: i.resize_tensor_input(0, [4], strict=True))
    assert isinstance(e, tflc.InputShapeError)
    assert "fixed" in str(e)


def test_resize_strict_dynamic_dim_allowed():
    assert ERRORS["resize_strict_dynamic_dim"]["raises"] is None
    i = kd()
    i.resize_tensor_input(0, [3, 4], strict=True)
    i.allocate_tensors()
    assert i.get_input_details()[0]["shape"].tolist() == [3, 4]


def test_resize_shape_must_be_1d():
    with pytest.raises(ValueError, match="1D"):
        kd().resize_tensor_input(0, [[1, 4]])


def test_allocate_failure_after_resize_is_input_shape_error():
    i = ms()
    i.resize_tensor_input(0, [4])
    with pytest.raises(tflc.InputShapeError) as info:
        i.allocate_tensors()
    assert isinstance(info.value, RuntimeError)


def test_classic_api_without_subgraph_0_signature():
    # Every fixture with signatures has one over subgraph 0; the error path is exercised
    # through get_tensor_details' subgraph argument instead.
    i = ms()
    with pytest.raises(ValueError, match="out of range"):
        i.get_tensor_details(subgraph_index=5)
    with pytest.raises(ValueError, match="subgraph 0"):
        i.get_tensor_details(subgraph_index=1)


def test_runtime_failure_is_runtime_error_with_library_message():
    # An unregistered custom op fails when its runner is made, with the library's message.
    with pytest.raises(RuntimeError, match="Atanh"):
        tflc.Interpreter(model_path=model_path("custom_atanh")).get_signature_runner()
