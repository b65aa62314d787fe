"""The shape of a conformance case, shared by every family file and the harness.

A family file conformance/families/<family>.py defines `cases()` returning a list of Case.
Each case makes one tiny model with the real TensorFlow converter and says how to feed it.
The harness (run.py) converts (cached by content), runs LiteRT and tflc on the same seeded
inputs and compares.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import numpy as np


@dataclass
class Tolerance:
    """How outputs are compared.

    kind:
      "exact"  bit-exact (integer, bool and quantized outputs; correctly rounded float ops)
      "ulp"    float outputs within `ulp` units in the last place (if abs > 0, an element
               within `abs` also passes: for outputs near zero, where ULPs are tiny)
      "rel"    |got - want| <= abs + rel * max|want| over the output (accumulating ops)
    why: the reason for anything looser than exact; printed in the report.
    Integer, bool and quantized outputs are compared bit-exact whatever the kind.
    """
    kind: str = "exact"
    ulp: int = 0
    rel: float = 0.0
    abs: float = 0.0
    why: str = ""


@dataclass
class Case:
    name: str                           # unique, "<op>/<variant>/<form>", e.g. "conv_2d/same_s2/int8"
    ops: List[str]                      # builtin operators the case exercises, e.g. ["CONV_2D"]
    make: Callable[[], bytes]           # returns .tflite bytes from the real converter
    # Inputs by position of the model's inputs (subgraph 0 / the default signature), given
    # the seeded generator and LiteRT's input details (dtype, shape, quantization).
    inputs: Callable[[np.random.Generator, List[dict]], List[np.ndarray]]
    tolerance: Tolerance = field(default_factory=Tolerance)
    seed: int = 0
    note: str = ""                      # what the case is about, shown in the report
    # Optional: ops the converter must emit (checked by the harness); defaults to `ops`.
    expect_ops: Optional[List[str]] = None
    # Optional: the SignatureDef key to run (LiteRT through get_signature_runner(key), tflc
    # with --signature); inputs() then gets that signature's input details in the
    # SignatureDef's order. None: subgraph 0 / the default signature.
    signature: Optional[str] = None
    # Optional: a key of what make() builds from beyond the family file (the zoo: its
    # networks' conversion-cache keys); the harness's own cache is keyed by it too.
    cache_key: Optional[str] = None
    # Compare with LiteRT's builtin kernels only, even where its reference kernels give
    # other results: for cases that pin a builtin kernel's own arithmetic (its rounding),
    # which whole networks need (the zoo has no reference-kernel fallback where the
    # reference resolver lacks an op). Say why in `note`.
    builtin_only: bool = False


def random_inputs(low=-1.0, high=1.0):
    """Uniform floats in [low, high) for float inputs; for integer/quantized inputs,
    uniform over the dtype's range (int8/uint8/int16) or small values (int32/int64); bool
    inputs fair coin flips."""
    def make(rng: np.random.Generator, details: List[dict]) -> List[np.ndarray]:
        out = []
        for d in details:
            shape, dtype = tuple(d["shape"]), np.dtype(d["dtype"])
            if dtype == np.bool_:
                out.append(rng.integers(0, 2, size=shape).astype(np.bool_))
            elif np.issubdtype(dtype, np.floating):
                out.append(rng.uniform(low, high, size=shape).astype(dtype))
            elif dtype in (np.int8, np.uint8, np.int16):
                info = np.iinfo(dtype)
                out.append(rng.integers(info.min, info.max + 1, size=shape).astype(dtype))
            else:
                out.append(rng.integers(-10, 11, size=shape).astype(dtype))
        return out
    return make
