"""Reference counting and memory: no growth over 10,000 runner calls; interpreters,
runners and borrowed model bytes are released."""

import gc
import sys
import tracemalloc

import numpy as np
import pytest

import tflc
from conftest import MANIFEST, extra_model, is_unsupported, model_path

CALLS = 10_000


def rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096
    except OSError:
        pytest.skip("no /proc/self/statm")


def assert_stable(step, calls=CALLS):
    for _ in range(200):  # warm up: caches, arena, numpy's small-array pools
        step()
    gc.collect()
    tracemalloc.start()
    snap_before = tracemalloc.take_snapshot()
    rss_before = rss_bytes()
    for _ in range(calls):
        step()
    gc.collect()
    rss_after = rss_bytes()
    snap_after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in snap_after.compare_to(snap_before, "filename"))
    assert growth < 64 * 1024, "Python allocations grew by %d bytes over %d calls" % (growth, calls)
    assert rss_after - rss_before < 4 * 1024 * 1024, \
        "RSS grew by %d bytes over %d calls" % (rss_after - rss_before, calls)


def test_runner_calls_do_not_leak():
    runner = tflc.Interpreter(model_path=model_path("dynamic_batch")).get_signature_runner()
    x = np.ones((3, 4), np.float32)
    y = np.ones((5, 4), np.float32)
    refs = (sys.getrefcount(x), sys.getrefcount(runner), sys.getrefcount(runner._runner))
    calls = [0]

    def step():
        calls[0] += 1
        out = runner(x=x if calls[0] % 2 else y)  # resizes every call
        assert out["probs"].shape[1] == 3

    assert_stable(step)
    assert (sys.getrefcount(x), sys.getrefcount(runner), sys.getrefcount(runner._runner)) == refs


def test_error_paths_do_not_leak():
    runner = tflc.Interpreter(model_path=model_path("multi_signatures")).get_signature_runner("add")
    bad = np.ones((4,), np.float32)
    ref = sys.getrefcount(bad)

    def step():
        with pytest.raises(ValueError):
            runner(x=bad)

    assert_stable(step, calls=2000)
    assert sys.getrefcount(bad) == ref


def test_classic_calls_do_not_leak():
    interpreter = tflc.Interpreter(model_content=extra_model("int8_io"))
    interpreter.allocate_tensors()
    x = np.arange(8, dtype=np.int8).reshape(2, 4)

    def step():
        interpreter.set_tensor(0, x)
        interpreter.invoke()
        interpreter.get_tensor(1)
        interpreter.get_input_details()

    assert_stable(step)


def test_interpreters_release_model_bytes():
    content = open(model_path("keras_dense"), "rb").read()
    base = sys.getrefcount(content)
    interpreter = tflc.Interpreter(model_content=content)
    runner = interpreter.get_signature_runner()
    assert sys.getrefcount(content) > base  # borrowed, not copied
    del interpreter
    assert runner(x_input=np.ones((1, 4), np.float32))["output_0"].shape == (1, 1)  # still alive
    del runner
    gc.collect()
    assert sys.getrefcount(content) == base

    def step():
        i = tflc.Interpreter(model_content=content)
        i.get_signature_runner()(x_input=np.ones((1, 4), np.float32))

    assert_stable(step, calls=2000)
    assert sys.getrefcount(content) == base


def test_string_calls_do_not_leak():
    if "guide_saved_model" not in MANIFEST["models"]:
        pytest.skip("tests/models has no guide_saved_model yet")
    interpreter = tflc.Interpreter(model_path=model_path("guide_saved_model"))
    try:
        encode = interpreter.get_signature_runner("encode")
        decode = interpreter.get_signature_runner("decode")
    except RuntimeError as e:
        if is_unsupported(e):
            pytest.skip("the library cannot run Select TF ops yet: %s" % e)
        raise
    x = np.array([1, 2, 3], np.float32)

    def step():
        s = encode(x=x)["encoded_result"]
        decode(x=s)

    assert_stable(step)
