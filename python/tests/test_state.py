"""Signatures sharing state through one interpreter: resource variables and reset.
state_counter.tflite (tests/models/generate_stateful.py): "inc"(x) adds x to v and returns
it, "read"() returns v; the initialization subgraph sets v = 10 (TensorFlow's values)."""
import os

import numpy as np
import pytest

import tflc

MODELS = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "models")
COUNTER = os.path.join(MODELS, "state_counter.tflite")


@pytest.fixture
def interpreter():
    return tflc.Interpreter(model_path=COUNTER)


def test_signatures_share_the_variable(interpreter):
    inc = interpreter.get_signature_runner("inc")
    read = interpreter.get_signature_runner("read")
    assert read()["value"] == np.float32(10.0)
    assert inc(x=np.float32(1.5))["value"] == np.float32(11.5)
    assert read()["value"] == np.float32(11.5)


def test_reset_all_variables_restores_the_initial_value(interpreter):
    inc = interpreter.get_signature_runner("inc")
    read = interpreter.get_signature_runner("read")
    inc(x=np.float32(100.0))
    interpreter.reset_all_variables()
    assert read()["value"] == np.float32(10.0)


def test_interpreters_do_not_share_variables(interpreter):
    interpreter.get_signature_runner("inc")(x=np.float32(5.0))
    other = tflc.Interpreter(model_path=COUNTER)
    assert other.get_signature_runner("read")()["value"] == np.float32(10.0)
