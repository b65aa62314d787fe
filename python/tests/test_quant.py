"""Quantized tensors: details (scales, zero points) and values.

No fixture under tests/models has quantized inputs or outputs: quant_float_io and
quant_reshape quantize inside the graph and keep float32 I/O. The int8_io model embedded in
litert_reference.json (made by gen_reference.py: full-integer quantization with int8
inputs and outputs, a lone int8 RESHAPE) covers quantized I/O."""

import numpy as np

import tflc
from conftest import REFERENCE, assert_close, extra_model, load_npy, model_path

INT8_IO = REFERENCE["extra_models"]["int8_io"]


def test_int8_io_details_carry_scale_and_zero_point():
    interpreter = tflc.Interpreter(model_content=extra_model("int8_io"))
    runner = interpreter.get_signature_runner()
    for details, ref in ((runner.get_input_details()["x"], INT8_IO["runner_input_details"]["x"]),
                         (runner.get_output_details()["y"], INT8_IO["runner_output_details"]["y"])):
        q = details["quantization_parameters"]
        assert details["dtype"] is np.int8
        assert q["scales"].dtype == np.float32 and q["zero_points"].dtype == np.int32
        assert q["scales"].tolist() == ref["quantization_parameters"]["scales"]["values"]
        assert q["zero_points"].tolist() == ref["quantization_parameters"]["zero_points"]["values"]
        assert q["quantized_dimension"] == 0
        scale, zero_point = details["quantization"]
        assert (scale, zero_point) == (q["scales"][0], q["zero_points"][0])
        assert isinstance(scale, float) and isinstance(zero_point, int)


def test_int8_io_values_match_litert_and_dequantize():
    case = INT8_IO["cases"][0]
    x = np.array(case["x"]["values"], dtype=np.int8)
    interpreter = tflc.Interpreter(model_content=extra_model("int8_io"))
    runner = interpreter.get_signature_runner()
    y = runner(x=x)["y"]
    assert y.dtype == np.int8
    assert y.tolist() == case["y"]["values"]
    sx, zx = runner.get_input_details()["x"]["quantization"]
    sy, zy = runner.get_output_details()["y"]["quantization"]
    real_in = (x.astype(np.float32) - zx) * sx
    real_out = (y.astype(np.float32) - zy) * sy
    np.testing.assert_allclose(real_out, real_in.reshape(4, 2), rtol=0, atol=max(sx, sy))


def test_int8_io_classic_api():
    interpreter = tflc.Interpreter(model_content=extra_model("int8_io"))
    interpreter.allocate_tensors()
    (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
    x = np.array(INT8_IO["cases"][0]["x"]["values"], dtype=np.int8)
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    assert interpreter.get_tensor(out["index"]).tolist() == INT8_IO["cases"][0]["y"]["values"]
    assert out["quantization"][0] > 0


def test_float_io_models_with_quantized_internals():
    for model in ("quant_float_io", "quant_reshape"):
        runner = tflc.Interpreter(model_path=model_path(model)).get_signature_runner()
        for d in list(runner.get_input_details().values()) + list(runner.get_output_details().values()):
            assert d["dtype"] is np.float32
            assert d["quantization"] == (0.0, 0)
            assert d["quantization_parameters"]["scales"].size == 0
        for case in ("rand", "edge"):
            x = load_npy("%s.serving_default.%s.in.x.npy" % (model, case))
            want = load_npy("%s.serving_default.%s.out.y.npy" % (model, case))
            assert_close(runner(x=x)["y"], want, 0, 0, "%s %s" % (model, case))
