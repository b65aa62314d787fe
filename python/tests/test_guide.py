"""The TFLite signatures guide's Python code, run on tflc.

The guide's snippets are copied below as they are written there; the only edits are the
textual replacements in GUIDE_EDITS (tf.lite.Interpreter -> tflc.Interpreter, tf.constant
-> np.array, and its dtype tf.float32 -> np.float32, since TensorFlow is not installed).
Each test runs the edited code with exec() and compares what it prints with what
TensorFlow recorded in tests/models/MANIFEST.json.
"""

import contextlib
import io

import numpy as np
import pytest

import tflc
from conftest import MANIFEST, is_unsupported, load_npy, model_path

# The guide's "Python" section (Run signatures), verbatim.
GUIDE_PYTHON = """\
# Load the TFLite model in TFLite Interpreter
interpreter = tf.lite.Interpreter(model_content=tflite_model)

# Print the signatures from the converted model
signatures = interpreter.get_signature_list()
print('Signature:', signatures)

# encode and decode are callable with input as arguments.
encode = interpreter.get_signature_runner('encode')
decode = interpreter.get_signature_runner('decode')

# 'encoded' and 'decoded' are dictionaries with all outputs from the inference.
input = tf.constant([1, 2, 3], dtype=tf.float32)
print('Input:', input)
encoded = encode(x=input)
print('Encoded result:', encoded)
decoded = decode(x=encoded['encoded_result'])
print('Decoded result:', decoded)
"""

# The last lines of each of the guide's three conversion snippets, verbatim.
GUIDE_PRINT_SIGNATURES = """\
# Print the signatures from the converted model
interpreter = tf.lite.Interpreter(model_content=tflite_model)
signatures = interpreter.get_signature_list()
print(signatures)
"""

GUIDE_EDITS = [
    ("tf.lite.Interpreter", "tflc.Interpreter"),
    ("tf.constant", "np.array"),
    ("dtype=tf.float32", "dtype=np.float32"),
]

GUIDE_MODELS = ["guide_saved_model", "guide_concrete_functions", "guide_keras"]
CODING_MODELS = ["guide_saved_model", "guide_concrete_functions"]


def edit(code):
    for old, new in GUIDE_EDITS:
        code = code.replace(old, new)
    assert "tf." not in code
    return code


def run_snippet(code, tflite_model):
    out = io.StringIO()
    namespace = {"tflc": tflc, "np": np, "tflite_model": tflite_model}
    with contextlib.redirect_stdout(out):
        exec(compile(edit(code), "<guide>", "exec"), namespace)  # noqa: S102 -- the guide's code
    return out.getvalue().splitlines(), namespace


def need(model):
    if model not in MANIFEST["models"]:
        pytest.skip("tests/models has no %s yet" % model)
    return MANIFEST["models"][model]


def read_model(model):
    with open(model_path(model), "rb") as f:
        return f.read()


def guide_case(model, signature):
    for case in MANIFEST["models"][model]["cases"]:
        if case["name"] == "guide" and case["signature"] == signature:
            return case
    raise AssertionError("%s has no 'guide' case for %s" % (model, signature))


@pytest.mark.parametrize("model", GUIDE_MODELS)
def test_conversion_snippet_prints_tensorflows_signature_list(model):
    m = need(model)
    lines, ns = run_snippet(GUIDE_PRINT_SIGNATURES, read_model(model))
    want = m.get("tf_lite_interpreter_signature_list_printed", repr(m["signature_list"]))
    assert lines == [want]
    assert ns["signatures"] == m["signature_list"]
    assert list(ns["signatures"]) == list(m["signature_list"])  # key order too


@pytest.mark.parametrize("model", CODING_MODELS)
def test_python_section_runs_and_prints_tensorflows_results(model):
    m = need(model)
    try:
        lines, ns = run_snippet(GUIDE_PYTHON, read_model(model))
    except RuntimeError as e:
        if is_unsupported(e):
            pytest.skip("the library cannot run this model's Select TF ops yet: %s" % e)
        raise

    enc_case, dec_case = guide_case(model, "encode"), guide_case(model, "decode")
    enc_in = load_npy(enc_case["inputs"][0]["file"])
    enc_out = load_npy(enc_case["outputs"][0]["file"])
    dec_in = load_npy(dec_case["inputs"][0]["file"])
    dec_out = load_npy(dec_case["outputs"][0]["file"])
    assert enc_in.tolist() == [1.0, 2.0, 3.0]
    assert dec_in.tolist() == enc_out.tolist()  # the guide feeds encode's result to decode

    printed_sigs = m.get("tf_lite_interpreter_signature_list_printed", repr(m["signature_list"]))
    want_encoded = {"encoded_result": np.array(enc_out.tolist(), dtype=object)}
    want_decoded = {"decoded_result": dec_out}
    assert lines == [
        "Signature: " + printed_sigs,
        "Input: " + str(np.array([1, 2, 3], dtype=np.float32)),
        "Encoded result: " + str(want_encoded),
        "Decoded result: " + str(want_decoded),
    ]
    # The values themselves, as LiteRT returns them: object array of bytes; float32.
    encoded = ns["encoded"]["encoded_result"]
    assert encoded.dtype == object and all(type(v) is bytes for v in encoded)
    assert encoded.tolist() == enc_out.tolist()
    decoded = ns["decoded"]["decoded_result"]
    assert decoded.dtype == np.float32
    assert decoded.tobytes() == dec_out.tobytes()


@pytest.mark.parametrize("model", CODING_MODELS)
def test_guide_signature_runners_have_string_details(model):
    need(model)
    interpreter = tflc.Interpreter(model_content=read_model(model))
    try:
        encode = interpreter.get_signature_runner("encode")
        decode = interpreter.get_signature_runner("decode")
    except RuntimeError as e:
        if is_unsupported(e):
            pytest.skip("the library cannot run this model's Select TF ops yet: %s" % e)
        raise
    assert encode.get_input_details()["x"]["dtype"] is np.float32
    assert encode.get_output_details()["encoded_result"]["dtype"] is np.bytes_
    assert decode.get_input_details()["x"]["dtype"] is np.bytes_
    assert decode.get_output_details()["decoded_result"]["dtype"] is np.float32
    assert list(decode.get_input_details()["x"]["shape_signature"]) == [-1]
