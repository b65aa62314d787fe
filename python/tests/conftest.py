"""Shared fixtures for the tflc Python tests: paths, MANIFEST.json, the recorded LiteRT
reference (litert_reference.json, made by gen_reference.py) and golden comparison."""

import base64
import json
import os

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "tests", "models")


def model_path(name):
    return os.path.join(MODELS, name + ".tflite")


def _load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


MANIFEST = _load_json(os.path.join(MODELS, "MANIFEST.json"))
REFERENCE = _load_json(os.path.join(HERE, "litert_reference.json"))


def extra_model(name):
    """Bytes of a model embedded in litert_reference.json (see gen_reference.py)."""
    return base64.b64decode(REFERENCE["extra_models"][name]["tflite_base64"])


def manifest_models(with_cases=True):
    """Names of MANIFEST models that have signatures recorded (and cases)."""
    return sorted(name for name, m in MANIFEST["models"].items()
                  if "signature_list" in m and (m.get("cases") or not with_cases))


def tolerance(model, output):
    m = MANIFEST["models"][model]
    tol = (m.get("tolerance_by_output") or {}).get(output) or m.get("tolerance") or {"abs": 0, "rel": 0}
    return tol["abs"], tol["rel"]


def load_npy(name):
    return np.load(os.path.join(MODELS, name), allow_pickle=False)


def assert_close(got, want, abs_tol, rel_tol, what):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, "%s: shape %s, want %s" % (what, got.shape, want.shape)
    if want.dtype.kind in "SUO":
        assert [bytes(v) for v in got.ravel()] == [bytes(v) for v in want.ravel()], what
        return
    assert got.dtype == want.dtype, "%s: dtype %s, want %s" % (what, got.dtype, want.dtype)
    if want.dtype.kind == "f":
        nan = np.isnan(want)
        assert np.array_equal(np.isnan(got), nan), "%s: NaN positions differ" % what
        g, w = got[~nan].astype(np.float64), want[~nan].astype(np.float64)
        inf = np.isinf(w)
        assert np.array_equal(g[inf], w[inf]), "%s: infinities differ" % what
        err = np.abs(g[~inf] - w[~inf]) - (abs_tol + rel_tol * np.abs(w[~inf]))
        assert not np.any(err > 0), "%s: max excess %g\n got %s\nwant %s" % (what, err.max(), got, want)
    else:
        assert np.array_equal(got, want), "%s:\n got %s\nwant %s" % (what, got, want)


def is_unsupported(exc):
    """True for tflc's 'operator ... not supported' failures (the library lacks the op)."""
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("not supported" in text or "not registered" in text)


@pytest.fixture(scope="session")
def reference():
    return REFERENCE
