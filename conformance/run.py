#!/usr/bin/env python3
"""The conformance harness: tflc against LiteRT, one tiny model per (op, dtype, variant).

    python conformance/run.py                      every family in conformance/families/
    python conformance/run.py --family conv        one family (repeat or comma-separate)
    python conformance/run.py --case 'conv_2d/*'   cases by glob over the name
    python conformance/run.py -k same_s2           cases whose name contains a substring
    python conformance/run.py --list               list the selected cases, run nothing
    python conformance/run.py --export             also write the committed subset
                                                   (tests/conformance/, see export_subset.py)

For each case: convert (cached under build/conformance/cache/, keyed by the case name, the
family file's source, convert.py's source and the TensorFlow version), check that the
converted model holds the case's expect_ops (else "BAD": a case bug, not a tflc failure),
make the seeded inputs, run LiteRT with its builtin kernels
(BUILTIN_WITHOUT_DEFAULT_DELEGATES) and its reference kernels (BUILTIN_REF), run tflc
(the Python package `tflc` if it imports, else the CLI build/tflc), and compare per the
case's Tolerance. When LiteRT's two kernel sets disagree beyond the tolerance, both are
recorded and tflc passes if it matches either; the report says which.

Statuses: pass; FAIL (outputs differ); ERROR (tflc refused or crashed: unsupported op,
load or allocate error); BAD (the case is broken: conversion failed, expected ops missing,
inputs of the wrong dtype or shape, LiteRT cannot run it, duplicate name). The exit status
is 0 only if every selected case passes and every selected family imports.

Writes build/conformance/report.md and report.json (versions, date, command, per case
metrics, coverage per op and per dtype/form). Per case, build/conformance/work/<id>/ keeps
the inputs, LiteRT's outputs and tflc's, and the command that reproduces the tflc run.
"""
import argparse
import contextlib
import datetime
import fnmatch
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FAMILIES_DIR = os.path.join(HERE, "families")
CONVERT_PY = os.path.join(HERE, "convert.py")
FORMS = ("float32", "float16", "dynamic", "int8", "int8_float_io", "int16x8")

# Family files import `conformance.case` / `conformance.convert` (or `case` / `convert`).
for _p in (REPO, HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

PASS, FAIL, ERROR, BAD = "pass", "FAIL", "ERROR", "BAD"


# ------------------------------------------------------------------------------ utilities --

def case_id(name):
    """A file-safe id for a case name: "conv_2d/same_s2/int8" -> "conv_2d.same_s2.int8"."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name.replace("/", "."))


def safe_name(name):
    """As tflc's CLI names output files: characters outside [A-Za-z0-9_.-] become '_'."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def repo_path(path):
    """path relative to the repository root when below it, else absolute."""
    rel = os.path.relpath(path, REPO)
    return os.path.abspath(path) if rel.startswith("..") else rel


def display_path(path):
    """path relative to the current directory when below it, else absolute."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def sha256_hex(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_atomic(path, data):
    """Writes via a temporary file and rename, so concurrent runs never see half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


def save_npy(path, arr):
    np.save(path, np.ascontiguousarray(arr), allow_pickle=False)


def dist_version(*names):
    for n in names:
        try:
            return importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


@contextlib.contextmanager
def captured_output():
    """Redirects file descriptors 1 and 2 (C++ logging included) into a buffer; yields a
    list that receives the captured text on exit."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    out = []
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        os.dup2(tmp.fileno(), 2)
        try:
            yield out
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            tmp.seek(0)
            out.append(tmp.read().decode(errors="replace"))


def short_error(text, limit=400):
    """The last meaningful lines of an error text, on one line."""
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith(("W0000", "I0000", "WARNING: All log"))]
    msg = " | ".join(lines[-3:]) if lines else str(text).strip()
    return msg if len(msg) <= limit else msg[:limit - 3] + "..."


def exception_text(exc):
    return short_error("".join(traceback.format_exception_only(type(exc), exc)))


# ------------------------------------------------------------------------------ discovery --

class Family:
    def __init__(self, name, path):
        self.name, self.path = name, path
        self.source = read_bytes(path)
        self.cases, self.error = [], None


def family_paths():
    out = {}
    if os.path.isdir(FAMILIES_DIR):
        for f in sorted(os.listdir(FAMILIES_DIR)):
            if f.endswith(".py") and not f.startswith("_"):
                out[f[:-3]] = os.path.join(FAMILIES_DIR, f)
    return out


def set_families_dir(path):
    global FAMILIES_DIR
    FAMILIES_DIR = os.path.abspath(path)


def load_family(name, path):
    """Imports one family file and calls its cases(); failures are recorded on the family."""
    fam = Family(name, path)
    try:
        with captured_output() as log:
            spec = importlib.util.spec_from_file_location(f"conformance.families.{name}", path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = mod
            spec.loader.exec_module(mod)
            cases = list(mod.cases())
    except BaseException as e:  # noqa: BLE001 -- a broken family must not stop the others
        if isinstance(e, KeyboardInterrupt):
            raise
        tb = traceback.format_exc(limit=-3)
        fam.error = short_error(tb + "\n" + "".join(log))
        return fam
    fam.cases = cases
    return fam


def discover(families):
    """Imports the named families (all if None). Returns (families, unknown names)."""
    paths = family_paths()
    wanted = list(paths) if not families else families
    unknown = [f for f in wanted if f not in paths]
    return [load_family(f, paths[f]) for f in wanted if f in paths], unknown


def select(fams, globs, substrings):
    """[(family, case)] matching every filter kind given (any glob, any substring)."""
    out = []
    for fam in fams:
        for c in fam.cases:
            name = getattr(c, "name", "")
            if globs and not any(fnmatch.fnmatchcase(name, g) for g in globs):
                continue
            if substrings and not any(s in name for s in substrings):
                continue
            out.append((fam, c))
    return out


# ---------------------------------------------------------------------- the .tflite file --

_SCHEMA = None


def schema():
    global _SCHEMA
    if _SCHEMA is None:
        try:
            from ai_edge_litert import schema_py_generated as s
        except ImportError:
            from tensorflow.lite.python import schema_py_generated as s
        ops = {v: k for k, v in vars(s.BuiltinOperator).items()
               if not k.startswith("_") and isinstance(v, int)}
        types = {v: k.lower() for k, v in vars(s.TensorType).items()
                 if not k.startswith("_") and isinstance(v, int)}
        _SCHEMA = (s, ops, types)
    return _SCHEMA


def model_info(buf, signature_key=None):
    """Operators of every subgraph, subgraph 0's inputs/outputs, and the names tflc gives
    them: signature 0's names (file order) if the model has SignatureDefs, else tensor
    names (tflc's default signature). With signature_key: that signature's inputs and
    outputs instead, in its SignatureDef's order (signature_info)."""
    s, op_names, type_names = schema()
    m = s.Model.GetRootAs(buf, 0)
    codes = []
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        name = op_names.get(code, str(code))
        if name == "CUSTOM":
            name = "CUSTOM:" + (oc.CustomCode() or b"").decode(errors="replace")
        codes.append(name)
    ops = []
    for g in range(m.SubgraphsLength()):
        sg = m.Subgraphs(g)
        ops += [codes[sg.Operators(i).OpcodeIndex()] for i in range(sg.OperatorsLength())]
    if signature_key is not None:
        return signature_info(m, ops, type_names, signature_key)
    sg = m.Subgraphs(0)

    def tensor(t):
        tt = sg.Tensors(int(t))
        return {"tensor": int(t), "name": (tt.Name() or b"").decode(errors="replace"),
                "dtype": type_names.get(tt.Type(), str(tt.Type()))}

    inputs = [tensor(t) for t in sg.InputsAsNumpy()] if sg.InputsLength() else []
    outputs = [tensor(t) for t in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
    signature = None
    if m.SignatureDefsLength() > 0:
        sd = m.SignatureDefs(0)
        signature = {
            "key": sd.SignatureKey().decode(),
            "subgraph": sd.SubgraphIndex(),
            "inputs": [(sd.Inputs(i).Name().decode(), sd.Inputs(i).TensorIndex())
                       for i in range(sd.InputsLength())],
            "outputs": [(sd.Outputs(i).Name().decode(), sd.Outputs(i).TensorIndex())
                        for i in range(sd.OutputsLength())],
        }
    for lst, key in ((inputs, "inputs"), (outputs, "outputs")):
        for pos, t in enumerate(lst):
            if signature is None:
                t["tflc_name"] = t["name"] or ("input%d" % pos if key == "inputs" else "output%d" % pos)
                t["tflc_pos"] = pos
            else:
                names = [(n, i) for n, i in signature[key]]
                idx = [i for _, i in names]
                if t["tensor"] in idx:
                    t["tflc_pos"] = idx.index(t["tensor"])
                    t["tflc_name"] = names[t["tflc_pos"]][0]
                else:
                    t["tflc_pos"], t["tflc_name"] = None, None
    return {"ops": ops, "inputs": inputs, "outputs": outputs,
            "signature": None if signature is None else signature["key"],
            "signature_count": m.SignatureDefsLength()}


def signature_info(m, ops, type_names, key):
    """model_info for one signature (Case.signature): its SignatureDef's inputs and outputs
    in file order, each named by the signature (the names tflc and LiteRT's
    get_signature_runner take), tensors of the signature's subgraph."""
    sds = [m.SignatureDefs(i) for i in range(m.SignatureDefsLength())]
    found = [sd for sd in sds if sd.SignatureKey().decode() == key]
    if not found:
        raise ValueError(f"no signature {key!r} (the model has "
                         f"{', '.join(repr(sd.SignatureKey().decode()) for sd in sds) or 'none'})")
    sd = found[0]
    sg = m.Subgraphs(sd.SubgraphIndex())

    def entry(tm, pos):
        t = sg.Tensors(tm.TensorIndex())
        return {"tensor": tm.TensorIndex(), "name": (t.Name() or b"").decode(errors="replace"),
                "dtype": type_names.get(t.Type(), str(t.Type())),
                "tflc_name": tm.Name().decode(), "tflc_pos": pos}

    return {"ops": ops, "inputs": [entry(sd.Inputs(i), i) for i in range(sd.InputsLength())],
            "outputs": [entry(sd.Outputs(i), i) for i in range(sd.OutputsLength())],
            "signature": key, "signature_count": len(sds)}


# --------------------------------------------------------------------------- conversion --

class Converter:
    """Converts cases, caching the bytes under cache_dir by content key."""

    def __init__(self, cache_dir, use_cache=True):
        self.cache_dir, self.use_cache = cache_dir, use_cache
        self.convert_src = read_bytes(CONVERT_PY) if os.path.exists(CONVERT_PY) else b""
        self.tf_version = dist_version("tensorflow-cpu", "tensorflow") or "?"

    def key(self, fam, case):
        # Case.cache_key: what make() depends on beyond the family file (a zoo network's
        # own conversion cache key), so editing its builder does not serve a stale copy
        extra = [case.cache_key] if getattr(case, "cache_key", None) else []
        return sha256_hex("tflc-conformance-v1", case.name, fam.source, self.convert_src,
                          self.tf_version, *extra)[:32]

    def path(self, fam, case):
        return os.path.join(self.cache_dir, self.key(fam, case) + ".tflite")

    def cached(self, fam, case):
        return self.use_cache and os.path.exists(self.path(fam, case))

    def get(self, fam, case):
        """(bytes, path, cached, seconds); raises on a conversion failure."""
        path = self.path(fam, case)
        if self.cached(fam, case):
            return read_bytes(path), path, True, 0.0
        t0 = time.perf_counter()
        log = []
        try:
            with captured_output() as log:
                buf = case.make()
        except Exception as e:
            raise RuntimeError("conversion failed: " + exception_text(e) + (
                " | log: " + short_error("".join(log), 300) if log and log[0].strip() else ""))
        if not isinstance(buf, (bytes, bytearray)) or len(buf) < 8:
            raise RuntimeError(f"make() returned {type(buf).__name__}, not .tflite bytes")
        buf = bytes(buf)
        write_atomic(path, buf)
        return buf, path, False, time.perf_counter() - t0


# ---------------------------------------------------------------------------- execution --

def run_interpreter(it, inputs):
    """Feeds inputs by position (resizing where the shape differs), invokes, returns the
    outputs by position. `it` is anything with tf.lite.Interpreter's API."""
    det = it.get_input_details()
    if len(det) != len(inputs):
        raise RuntimeError(f"{len(det)} inputs, {len(inputs)} arrays given")
    for d, x in zip(det, inputs):
        if tuple(int(v) for v in d["shape"]) != tuple(x.shape):
            it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for d, x in zip(det, inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [np.array(it.get_tensor(d["index"]), copy=True) for d in it.get_output_details()]


def run_signature(runner, info, inputs):
    """run_interpreter through a signature runner (LiteRT's or tflc's): inputs by
    position of info["inputs"], fed by signature name (the call resizes); outputs in
    info["outputs"] order."""
    outs = runner(**{t["tflc_name"]: x for t, x in zip(info["inputs"], inputs)})
    return [np.array(outs[t["tflc_name"]], copy=True) for t in info["outputs"]]


def litert_run(it, info, inputs):
    """Runs LiteRT interpreter `it` on the case's subgraph 0, or on its signature."""
    if getattr(it, "case_signature", None) is None:
        return run_interpreter(it, inputs)
    return run_signature(it.get_signature_runner(it.case_signature), info, inputs)


def litert_input_details(it, info):
    """Input details in the order of info["inputs"]: subgraph 0's, or the signature's
    (LiteRT's signature runner keys them by name, sorted)."""
    if getattr(it, "case_signature", None) is None:
        return it.get_input_details()
    det = it.get_signature_runner(it.case_signature).get_input_details()
    return [det[t["tflc_name"]] for t in info["inputs"]]


_LITERT = None


def litert():
    global _LITERT
    if _LITERT is None:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
        _LITERT = (Interpreter, OpResolverType)
    return _LITERT


def litert_interpreter(buf, resolver_name, signature=None):
    Interpreter, OpResolverType = litert()
    it = Interpreter(model_content=buf,
                     experimental_op_resolver_type=getattr(OpResolverType, resolver_name))
    it.case_signature = signature   # litert_run / litert_input_details: which entry point
    return it


class CliRunner:
    """tflc through its command-line tool: run MODEL --input NAME=FILE.npy --output-dir.
    TFLC_EMULATOR in the environment prefixes each run (an aarch64 build under
    "qemu-aarch64 -L /usr/aarch64-linux-gnu": make conformance-aarch64)."""
    kind = "cli"

    def __init__(self, binary):
        self.binary = binary
        self.prefix = shlex.split(os.environ.get("TFLC_EMULATOR", ""))

    def version(self):
        try:
            v = subprocess.run(self.prefix + [self.binary, "--version"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
            return v[5:] if v.startswith("tflc ") else v
        except OSError as e:
            return f"unavailable ({e})"

    def run(self, model_path, info, inputs, workdir):
        outdir = os.path.join(workdir, "tflc")
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        cmd = [self.binary, "run", model_path]
        if info["signature"] is not None and info["signature_count"] > 1:
            cmd += ["--signature", info["signature"]]
        shown = self.prefix + [repo_path(self.binary), "run", repo_path(model_path)]
        shown += cmd[3:]
        for pos, (t, x) in enumerate(zip(info["inputs"], inputs)):
            if t["tflc_name"] is None:
                raise RuntimeError(f"input {pos} (tensor {t['name']!r}) is not in the signature")
            p = os.path.join(workdir, f"in{pos}.npy")
            cmd += ["--input", f"{t['tflc_name']}={p}"]
            shown += ["--input", f"{t['tflc_name']}={repo_path(p)}"]
        cmd += ["--output-dir", outdir]
        shown += ["--output-dir", repo_path(outdir)]
        command = " ".join(shlex.quote(c) for c in shown)
        try:
            r = subprocess.run(self.prefix + cmd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=120, cwd=REPO)
        except subprocess.TimeoutExpired:
            raise RunError("tflc timed out after 120 s", command)
        if r.returncode != 0:
            err = r.stderr.decode(errors="replace").strip()
            if r.returncode < 0:
                err = f"killed by signal {-r.returncode} " + err
            if err.startswith("tflc: "):
                err = err[6:]
            raise RunError(short_error(err) or f"exit status {r.returncode}", command)
        outs = []
        for t in info["outputs"]:
            p = os.path.join(outdir, safe_name(t["tflc_name"] or "") + ".npy")
            if not os.path.exists(p):
                raise RunError(f"tflc wrote no {os.path.basename(p)}", command)
            outs.append(np.load(p, allow_pickle=False))
        return outs, command


class PythonRunner:
    """tflc through its Python package, whose Interpreter mirrors tf.lite.Interpreter."""
    kind = "python"

    def __init__(self, module):
        self.module = module

    def version(self):
        return getattr(self.module, "__version__", "?")

    def run(self, model_path, info, inputs, workdir):
        command = (f"python -c \"import tflc; it = tflc.Interpreter(model_path="
                   f"'{os.path.relpath(model_path, REPO)}')\"  # inputs: {os.path.relpath(workdir, REPO)}/in*.npy")
        try:
            it = self.module.Interpreter(model_path=model_path)
            if info.get("case_signature"):
                return run_signature(it.get_signature_runner(info["signature"]), info,
                                     inputs), command
            return run_interpreter(it, inputs), command
        except Exception as e:
            raise RunError(exception_text(e), command)


class RunError(Exception):
    def __init__(self, message, command):
        super().__init__(message)
        self.command = command


def make_runner(kind, binary):
    if kind in ("auto", "python"):
        try:
            with captured_output():
                import tflc  # noqa: F401
            if hasattr(tflc, "Interpreter"):
                return PythonRunner(tflc)
            if kind == "python":
                raise SystemExit("run.py: the tflc package has no Interpreter")
        except ImportError as e:
            if kind == "python":
                raise SystemExit(f"run.py: cannot import tflc: {e}")
    if not os.path.exists(binary):
        raise SystemExit(f"run.py: {binary} not found; build it first: "
                         "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2")
    return CliRunner(os.path.abspath(binary))


# --------------------------------------------------------------------------- comparison --

def ordered_ints(a):
    """Float bits mapped to integers whose difference is the ULP distance (+0 == -0)."""
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    i = a.view(bits).astype(np.int64)
    with np.errstate(over="ignore"):
        o = np.where(i < 0, np.int64(np.iinfo(bits).min) - i, i)
    # float64 distances can exceed int64: subtract them as doubles (exact up to 2**53)
    return o.astype(np.float64) if a.dtype.itemsize == 8 else o


def compare(want, got, tol):
    """Metrics of one output: got (tflc) against want (LiteRT) under tol."""
    m = {"dtype": str(want.dtype), "shape": list(want.shape), "count": int(want.size),
         "max_abs": 0.0, "max_ulp": None, "max_steps": None, "mismatches": 0, "pass": True,
         "first_mismatch": None}
    if got.dtype != want.dtype or got.shape != want.shape:
        m.update({"pass": False, "mismatches": int(want.size),
                  "error": f"got {got.dtype}{list(got.shape)}, want {want.dtype}{list(want.shape)}"})
        return m
    if want.size == 0:
        return m
    w, g = want.reshape(-1), got.reshape(-1)
    kind, pairs = want.dtype.kind, False
    if kind == "c":
        pairs = True
        part = np.float32 if want.dtype == np.complex64 else np.float64
        w, g = w.view(part), g.view(part)
        kind = "f"
    if kind == "f":
        wf, gf = w.astype(np.float64), g.astype(np.float64)
        nan_w, nan_g = np.isnan(wf), np.isnan(gf)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(wf - gf)
        diff = np.where(nan_w & nan_g, 0.0, diff)
        diff = np.where(nan_w ^ nan_g, np.inf, diff)
        diff = np.where(np.isinf(wf) & np.isinf(gf) & (wf == gf), 0.0, diff)
        ulp = np.abs(ordered_ints(w) - ordered_ints(g)).astype(np.float64)
        ulp = np.where(nan_w & nan_g, 0.0, np.where(nan_w ^ nan_g, np.inf, ulp))
        if tol.kind == "ulp":
            ok = ulp <= tol.ulp
            if tol.abs > 0:
                ok |= diff <= tol.abs
        elif tol.kind == "rel":
            finite = np.isfinite(wf)
            scale = float(np.max(np.abs(wf[finite]))) if finite.any() else 0.0
            ok = (diff <= tol.abs + tol.rel * scale) | (ulp == 0)
            m["scale"] = scale
        else:
            ok = ulp == 0
        m["max_abs"] = float(np.max(diff))
        m["max_ulp"] = float(np.max(ulp))
        if pairs:  # a complex element passes if both its parts do
            ok = ok.reshape(-1, 2).all(axis=1)
    elif kind in "iub":
        wi, gi = w.astype(np.int64), g.astype(np.int64)
        if want.dtype == np.uint64:
            wi, gi = w.astype(object), g.astype(object)
        steps = np.abs(wi - gi)
        ok = steps == 0
        m["max_steps"] = int(np.max(steps))
        m["max_abs"] = float(m["max_steps"])
    else:
        ok = np.array([a == b for a, b in zip(w.tolist(), g.tolist())], dtype=bool)
    bad = np.flatnonzero(~ok)
    m["mismatches"] = int(bad.size)
    m["pass"] = bad.size == 0
    if bad.size:
        k = int(bad[0])
        idx = [int(v) for v in np.unravel_index(k, want.shape)] if want.ndim else []
        wk, gk = want.reshape(-1)[k], got.reshape(-1)[k]
        m["first_mismatch"] = {"index": idx, "want": wk.item(), "got": gk.item(),
                               "text": f"tflc {gk!s}, LiteRT {wk!s}"}
        if kind == "f" and not pairs:
            m["first_mismatch"]["text"] += f" ({fmt_num(float(ulp[k]))} ulp)"
        if isinstance(m["first_mismatch"]["want"], (bytes, complex)):
            m["first_mismatch"] = {k2: str(v) for k2, v in m["first_mismatch"].items()}
    for key in ("max_abs", "max_ulp"):
        if m[key] is not None and not np.isfinite(m[key]):
            m[key] = "inf"
    return m


def tolerance_dict(tol):
    return {"kind": tol.kind, "ulp": tol.ulp, "rel": tol.rel, "abs": tol.abs, "why": tol.why}


def tolerance_text(tol):
    if tol.kind == "ulp":
        return f"ulp {tol.ulp}" + (f" abs {tol.abs:g}" if tol.abs else "")
    if tol.kind == "rel":
        return f"rel {tol.rel:g}" + (f" abs {tol.abs:g}" if tol.abs else "")
    return "exact"


def form_of(name):
    last = name.rsplit("/", 1)[-1]
    return last if "/" in name else "?"


# ------------------------------------------------------------------------------ one case --

def run_case(fam, case, converter, runner, work_root):
    """Everything for one case; returns a JSON-ready result dict."""
    tol = getattr(case, "tolerance", None)
    res = {"name": case.name, "id": case_id(case.name), "family": fam.name,
           "ops": list(case.ops), "form": form_of(case.name), "note": getattr(case, "note", ""),
           "tolerance": tolerance_dict(tol), "status": None, "error": None,
           "outputs": [], "reference": None, "litert_disagree": False, "converted_ops": [],
           "model_bytes": 0, "cached": False, "times": {}, "command": None}
    if tol.kind not in ("exact", "ulp", "rel"):
        return dict(res, status=BAD, error=f"unknown tolerance kind {tol.kind!r}")
    workdir = os.path.join(work_root, res["id"])
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)

    # 1. convert (cached) and check the operators
    try:
        buf, model_path, cached, secs = converter.get(fam, case)
    except Exception as e:
        return dict(res, status=BAD, error=short_error(str(e)))
    res.update(cached=cached, model_bytes=len(buf), model=os.path.relpath(model_path, REPO))
    res["times"]["convert"] = secs
    sig = getattr(case, "signature", None)
    try:
        info = model_info(buf, sig)
    except Exception as e:
        return dict(res, status=BAD, error="cannot parse the converted model: " + exception_text(e))
    info["case_signature"] = sig
    res["converted_ops"] = sorted(set(info["ops"]))
    res["io"] = {"signature": info["signature"],
                 "inputs": [{k: t[k] for k in ("name", "tflc_name", "tflc_pos", "dtype")}
                            for t in info["inputs"]],
                 "outputs": [{k: t[k] for k in ("name", "tflc_name", "tflc_pos", "dtype")}
                             for t in info["outputs"]]}
    expect = list(getattr(case, "expect_ops", None) or case.ops)
    missing = [op for op in expect if op not in info["ops"]]
    if missing:
        return dict(res, status=BAD, error=f"converted model lacks {', '.join(missing)} "
                    f"(has {', '.join(res['converted_ops']) or 'no ops'})")

    # 2. LiteRT builtin kernels (the reference), seeded inputs
    t0 = time.perf_counter()
    try:
        with captured_output():
            it = litert_interpreter(buf, "BUILTIN_WITHOUT_DEFAULT_DELEGATES", sig)
            details = litert_input_details(it, info)
    except Exception as e:
        return dict(res, status=BAD, error="LiteRT cannot load the model: " + exception_text(e))
    try:
        inputs = [np.asarray(x) for x in case.inputs(np.random.default_rng(case.seed), details)]
    except Exception as e:
        return dict(res, status=BAD, error="inputs() failed: " + exception_text(e))
    if len(inputs) != len(details):
        return dict(res, status=BAD, error=f"inputs() gave {len(inputs)} arrays, the model "
                    f"has {len(details)} inputs")
    for i, (d, x) in enumerate(zip(details, inputs)):
        if x.dtype != np.dtype(d["dtype"]):
            return dict(res, status=BAD, error=f"input {i} ({d['name']}): inputs() gave "
                        f"{x.dtype}, the model wants {np.dtype(d['dtype'])}")
    for i, x in enumerate(inputs):
        save_npy(os.path.join(workdir, f"in{i}.npy"), x)
    try:
        with captured_output():
            builtin = litert_run(it, info, inputs)
    except Exception as e:
        return dict(res, status=BAD, error="LiteRT (builtin) failed: " + exception_text(e))
    try:
        with captured_output():
            ref = litert_run(litert_interpreter(buf, "BUILTIN_REF", sig), info, inputs)
        ref_error = None
    except Exception as e:
        ref, ref_error = None, exception_text(e)
    res["times"]["litert"] = time.perf_counter() - t0
    if ref is not None:
        agree = [compare(b, r, tol) for b, r in zip(builtin, ref)]
        res["litert_disagree"] = not all(a["pass"] for a in agree)
        if res["litert_disagree"]:
            res["litert_builtin_vs_ref"] = agree
    else:
        res["ref_error"] = ref_error
    for i, b in enumerate(builtin):
        save_npy(os.path.join(workdir, f"want{i}.npy"), b)
        if res["litert_disagree"]:
            save_npy(os.path.join(workdir, f"ref{i}.npy"), ref[i])

    # 3. tflc
    t0 = time.perf_counter()
    try:
        got, res["command"] = runner.run(model_path, info, inputs, workdir)
    except RunError as e:
        res["times"]["tflc"] = time.perf_counter() - t0
        return dict(res, status=ERROR, error=str(e), command=e.command)
    except Exception as e:
        res["times"]["tflc"] = time.perf_counter() - t0
        return dict(res, status=ERROR, error=exception_text(e))
    res["times"]["tflc"] = time.perf_counter() - t0
    if len(got) != len(builtin):
        return dict(res, status=FAIL, error=f"tflc gave {len(got)} outputs, LiteRT {len(builtin)}")

    # 4. compare: against builtin; when LiteRT disagrees with itself, against either
    # (unless the case pins the builtin kernels' arithmetic: builtin_only)
    names = [t["tflc_name"] or t["name"] for t in info["outputs"]]
    vs_builtin = [compare(b, g, tol) for b, g in zip(builtin, got)]
    outputs, reference = vs_builtin, "builtin"
    if getattr(case, "builtin_only", False):
        res["builtin_only"] = True
    if res["litert_disagree"] and not res.get("builtin_only"):
        vs_ref = [compare(r, g, tol) for r, g in zip(ref, got)]
        if not all(m["pass"] for m in vs_builtin) and all(m["pass"] for m in vs_ref):
            outputs, reference = vs_ref, "ref"
        res["vs_other"] = vs_ref if reference == "builtin" else vs_builtin
    for n, m in zip(names, outputs):
        m["name"] = n
    res["outputs"], res["reference"] = outputs, reference
    res["status"] = PASS if all(m["pass"] for m in outputs) else FAIL
    if res["status"] == FAIL:
        bad = [m for m in outputs if not m["pass"]][0]
        res["error"] = bad.get("error") or (
            f"{bad['name']}: {bad['mismatches']}/{bad['count']} differ, first at "
            f"{bad['first_mismatch']['index']}: {bad['first_mismatch']['text']}")
    return res


# ---------------------------------------------------------------- parallel workers -- --

_W = {}


def _worker_init(families_dir, family_names, runner_kind, binary, cache_dir, use_cache, work_root):
    set_families_dir(families_dir)
    fams, _ = discover(family_names)
    _W["cases"] = {c.name: (f, c) for f in fams for c in f.cases}
    _W["converter"] = Converter(cache_dir, use_cache)
    _W["runner"] = make_runner(runner_kind, binary)
    _W["work_root"] = work_root


def _worker_run(name):
    fam, case = _W["cases"][name]
    return guarded_run(fam, case, _W["converter"], _W["runner"], _W["work_root"])


def guarded_run(fam, case, converter, runner, work_root):
    t0 = time.perf_counter()
    try:
        res = run_case(fam, case, converter, runner, work_root)
    except Exception as e:  # a harness bug on one case must not lose the others
        res = {"name": case.name, "id": case_id(case.name), "family": fam.name,
               "ops": list(getattr(case, "ops", [])), "form": form_of(case.name),
               "status": ERROR, "error": "harness: " + exception_text(e), "outputs": [],
               "tolerance": tolerance_dict(case.tolerance), "times": {}}
    res["times"]["total"] = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------- reporting --

def fmt_num(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if v == 0:
        return "0"
    if float(v).is_integer() and abs(v) < 1e9:
        return str(int(v))
    return f"{v:.3g}"


def summary_row(r):
    """(status, case, max_abs, ulp/steps, mismatches, tolerance, reference, detail)."""
    outs = r.get("outputs") or []
    max_abs = max((o["max_abs"] for o in outs if isinstance(o["max_abs"], float)), default=None)
    if any(o["max_abs"] == "inf" for o in outs):
        max_abs = "inf"
    ulps = [o["max_ulp"] for o in outs if o.get("max_ulp") is not None]
    steps = [o["max_steps"] for o in outs if o.get("max_steps") is not None]
    us = []
    if ulps:
        us.append(("inf" if "inf" in ulps else fmt_num(max(ulps))) + " ulp")
    if steps:
        us.append(f"{max(steps)} q")
    mism = sum(o["mismatches"] for o in outs) if outs else None
    tol = r["tolerance"]
    tol_s = tolerance_text(type("T", (), tol)) if tol else "-"
    ref = r.get("reference") or "-"
    if r.get("litert_disagree"):
        ref += " (ref≠builtin)"
    detail = "" if r["status"] == PASS else (r.get("error") or "")
    return (r["status"], r["name"], fmt_num(max_abs) if outs else "-", " ".join(us) or "-",
            "-" if mism is None else str(mism), tol_s, ref, detail)


HEADERS = ("status", "case", "max abs", "ulp/steps", "mismatch", "tolerance", "vs LiteRT", "detail")


def print_table(results, out=sys.stdout, detail_width=160):
    rows = [summary_row(r) for r in results]
    rows = [row[:-1] + (row[-1] if len(row[-1]) <= detail_width else row[-1][:detail_width - 3] + "...",)
            for row in rows]
    widths = [max(len(HEADERS[i]), *(len(row[i]) for row in rows)) if rows else len(HEADERS[i])
              for i in range(len(HEADERS))]
    line = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    print(line(HEADERS), file=out)
    print(line(tuple("-" * w for w in widths)), file=out)
    for row in rows:
        print(line(row), file=out)


def coverage(results):
    by_op, by_form = {}, {}
    for r in results:
        ok = r["status"] == PASS
        for op in r["ops"]:
            e = by_op.setdefault(op, {"cases": 0, "pass": 0, "bad": 0, "forms": set(), "pass_forms": set()})
            e["cases"] += 1
            e["pass"] += ok
            e["bad"] += r["status"] == BAD
            e["forms"].add(r["form"])
            if ok:
                e["pass_forms"].add(r["form"])
        f = by_form.setdefault(r["form"], {"cases": 0, "pass": 0, "ops": set()})
        f["cases"] += 1
        f["pass"] += ok
        f["ops"].update(r["ops"])
    ops = {op: {"cases": e["cases"], "pass": e["pass"], "bad": e["bad"], "forms": sorted(e["forms"]),
                "pass_forms": sorted(e["pass_forms"])} for op, e in sorted(by_op.items())}
    forms = {f: {"cases": e["cases"], "pass": e["pass"], "ops": len(e["ops"])}
             for f, e in sorted(by_form.items())}
    covered = sorted(op for op, e in ops.items() if e["cases"] > e["bad"])
    passing = sorted(op for op, e in ops.items() if e["pass"] > 0)
    return {"ops_covered": len(covered), "ops_passing": len(passing),
            "ops_with_all_cases_passing": sum(1 for e in ops.values() if e["pass"] == e["cases"]),
            "per_op": ops, "per_form": forms}


def counts(results):
    c = {PASS: 0, FAIL: 0, ERROR: 0, BAD: 0}
    for r in results:
        c[r["status"]] = c.get(r["status"], 0) + 1
    return c


def md_escape(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def markdown_report(meta, results, families, cov):
    c = counts(results)
    L = []
    L.append("# tflc conformance report\n")
    L.append(f"{meta['date']} · tflc {meta['tflc']} ({meta['runner']}) · TensorFlow "
             f"{meta['versions']['tensorflow']} · LiteRT {meta['versions']['ai-edge-litert']} · "
             f"numpy {meta['versions']['numpy']} · Python {meta['versions']['python']} · "
             f"{meta['platform']}\n")
    L.append(f"Command: `{meta['command']}`" + (f" (filters: {meta['filters']})" if meta["filters"] else "") + "\n")
    L.append(f"Reference: LiteRT builtin kernels ({meta['reference']}); also {meta['also']}. "
             "Where the two disagree beyond the case's tolerance, tflc passes if it matches "
             "either, and the table says which.\n")
    L.append("## Summary\n")
    L.append(f"**{c[PASS]} / {len(results)} cases pass** · {c[FAIL]} fail · {c[ERROR]} error "
             f"(tflc refused or crashed) · {c[BAD]} bad case · "
             f"{cov['ops_covered']} distinct builtin ops covered, {cov['ops_passing']} with a "
             f"passing case, {cov['ops_with_all_cases_passing']} with every case passing · "
             f"{meta['elapsed']:.1f} s (import {meta['discover_seconds']:.1f} s, convert "
             f"{meta['seconds']['convert']:.1f} s for {meta['converted']} cases, LiteRT "
             f"{meta['seconds']['litert']:.1f} s, tflc {meta['seconds']['tflc']:.1f} s)\n")
    no_why = [r["name"] for r in results if r["tolerance"]["kind"] != "exact"
              and not r["tolerance"].get("why")]
    if no_why:
        L.append(f"**{len(no_why)} cases have a bound looser than exact without a reason:** "
                 + ", ".join(f"`{n}`" for n in no_why) + "\n")
    broken = [f for f in families if f["error"]]
    if broken:
        L.append("## Families that failed to import\n")
        for f in broken:
            L.append(f"- `{f['name']}`: {md_escape(f['error'])}")
        L.append("")
    L.append("## Cases\n")
    L.append("| " + " | ".join(HEADERS) + " |")
    L.append("|" + "---|" * len(HEADERS))
    for r in results:
        row = list(summary_row(r))
        row[1] = f"`{row[1]}`"
        L.append("| " + " | ".join(md_escape(x) for x in row) + " |")
    L.append("")
    loose = [r for r in results if r["tolerance"]["kind"] != "exact"]
    if loose:
        L.append("## Cases with a bound looser than exact, and why\n")
        L.append("| case | tolerance | why |")
        L.append("|---|---|---|")
        for r in loose:
            why = r["tolerance"].get("why") or "**(no reason given)**"  # flagged in the summary
            L.append(f"| `{r['name']}` | {tolerance_text(type('T', (), r['tolerance']))} | {md_escape(why)} |")
        L.append("")
    dis = [r for r in results if r.get("litert_disagree")]
    if dis:
        L.append("## LiteRT builtin and reference kernels disagree\n")
        for r in dis:
            d = [o for o in r.get("litert_builtin_vs_ref", []) if not o["pass"]]
            worst = d[0] if d else {}
            L.append(f"- `{r['name']}`: tflc compared against **{r.get('reference') or '-'}**; "
                     f"builtin vs ref: max abs {fmt_num(worst.get('max_abs'))}, "
                     f"{fmt_num(worst.get('max_ulp') if worst.get('max_ulp') is not None else worst.get('max_steps'))} "
                     f"{'ulp' if worst.get('max_ulp') is not None else 'steps'}, {worst.get('mismatches')} mismatches")
        L.append("")
    failing = [r for r in results if r["status"] in (FAIL, ERROR)]
    if failing:
        L.append("## Failures\n")
        for r in failing:
            L.append(f"- `{r['name']}` ({r['status']}): {md_escape(r.get('error') or '')}")
            if r.get("command"):
                L.append(f"  - reproduce: `{r['command']}`")
        L.append("")
    bad = [r for r in results if r["status"] == BAD]
    if bad:
        L.append("## Bad cases (case bugs, not tflc failures)\n")
        for r in bad:
            L.append(f"- `{r['name']}` ({r['family']}): {md_escape(r.get('error') or '')}")
        L.append("")
    L.append("## Coverage per operator\n")
    L.append("| operator | cases | pass | dtypes/forms | passing forms |")
    L.append("|---|---|---|---|---|")
    for op, e in cov["per_op"].items():
        L.append(f"| {op} | {e['cases']} | {e['pass']} | {', '.join(e['forms'])} | "
                 f"{', '.join(e['pass_forms']) or '-'} |")
    L.append("")
    L.append("## Coverage per dtype/form\n")
    L.append("| dtype/form | cases | pass | ops |")
    L.append("|---|---|---|---|")
    for f, e in cov["per_form"].items():
        L.append(f"| {f} | {e['cases']} | {e['pass']} | {e['ops']} |")
    L.append("")
    return "\n".join(L)


def summary_markdown(meta, results, cov):
    """The short summary for the top-level README: counts, coverage per dtype/form."""
    c = counts(results)
    v = meta["versions"]
    L = [f"Latest conformance run ({meta['date']}, tflc {meta['tflc']}, TensorFlow "
         f"{v['tensorflow']}, LiteRT {v['ai-edge-litert']}; `make conformance`): "
         f"**{c[PASS]} of {len(results)} cases pass** ({c[FAIL]} fail, {c[ERROR]} error, "
         f"{c[BAD]} bad case), covering {cov['ops_covered']} builtin operators "
         f"({cov['ops_passing']} with a passing case).", "",
         "| dtype/form | cases | pass | operators |", "|---|---|---|---|"]
    for f, e in cov["per_form"].items():
        L.append(f"| {f} | {e['cases']} | {e['pass']} | {e['ops']} |")
    return "\n".join(L) + "\n"


def versions():
    return {"python": platform.python_version(),
            "tensorflow": dist_version("tensorflow-cpu", "tensorflow"),
            "ai-edge-litert": dist_version("ai-edge-litert"),
            "numpy": np.__version__,
            "flatbuffers": dist_version("flatbuffers")}


def git_commit():
    try:
        r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                           text=True, timeout=10)
        return r.stdout.strip() or None
    except OSError:
        return None


def prune(cache_dir, keep_models, work_root, keep_ids):
    """After a full run: drops cached models and work directories no current case uses."""
    for f in os.listdir(cache_dir):
        if f.endswith(".tflite") and f not in keep_models:
            os.remove(os.path.join(cache_dir, f))
    for d in os.listdir(work_root):
        if d not in keep_ids:
            shutil.rmtree(os.path.join(work_root, d), ignore_errors=True)


# -------------------------------------------------------------------------------- main --

def parse_args(argv):
    p = argparse.ArgumentParser(description="tflc against LiteRT on the single-op suite.",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--family", action="append", default=[],
                   help="run only this family (conformance/families/NAME.py); repeatable, "
                        "or comma-separated")
    p.add_argument("--case", action="append", default=[], metavar="GLOB",
                   help="run only cases whose name matches GLOB ('conv_2d/*'); repeatable")
    p.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                   help="run only cases whose name contains SUBSTRING; repeatable")
    p.add_argument("--failed", action="store_true",
                   help="run only the cases that did not pass in the last report.json")
    p.add_argument("--list", action="store_true", help="list the selected cases and exit")
    p.add_argument("--families-dir", default=FAMILIES_DIR,
                   help="where the family files are (default conformance/families)")
    p.add_argument("-j", "--jobs", type=int, default=1,
                   help="worker processes when many cases need converting (default 1: on a "
                        "2-core machine TF's converter already uses both cores, and each "
                        "worker pays ~5 s to import TensorFlow)")
    p.add_argument("--runner", choices=("auto", "python", "cli"), default="auto",
                   help="how to run tflc: the Python package, the CLI, or auto (package if "
                        "it imports); default auto")
    p.add_argument("--tflc", default=os.path.join(REPO, "build", "tflc"),
                   help="the tflc binary for the CLI runner (default build/tflc)")
    p.add_argument("--out", default=os.path.join(REPO, "build", "conformance"),
                   help="output directory: cache/, work/, report.md, report.json")
    p.add_argument("--no-cache", action="store_true", help="convert every case again")
    p.add_argument("--export", action="store_true",
                   help="after the run, write the committed subset to tests/conformance/")
    p.add_argument("--export-dir", default=os.path.join(REPO, "tests", "conformance"))
    p.add_argument("--export-partial", action="store_true",
                   help="allow --export after a run filtered by --family/--case/-k")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print each failure in full with the command that reproduces it")
    p.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summary")
    a = p.parse_args(argv)
    a.family = [f for x in a.family for f in x.split(",") if f]
    return a


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    t_start = time.perf_counter()
    out_dir = os.path.abspath(args.out)
    cache_dir, work_root = os.path.join(out_dir, "cache"), os.path.join(out_dir, "work")
    os.makedirs(cache_dir, exist_ok=True)
    os.makedirs(work_root, exist_ok=True)

    set_families_dir(args.families_dir)
    fams, unknown = discover(args.family or None)
    if unknown:
        print(f"run.py: no family {', '.join(unknown)} (have: {', '.join(family_paths()) or 'none'})",
              file=sys.stderr)
        return 2
    for f in fams:
        if f.error:
            print(f"family {f.name}: import failed: {f.error}", file=sys.stderr)
    selected = select(fams, args.case, args.k)
    if args.failed:
        try:
            with open(os.path.join(out_dir, "report.json")) as f:
                last = {r["name"] for r in json.load(f)["cases"] if r["status"] != PASS}
        except (OSError, ValueError, KeyError) as e:
            print(f"run.py: --failed needs the last report.json: {e}", file=sys.stderr)
            return 2
        selected = [(f, c) for f, c in selected if c.name in last]
    if not selected and not any(f.error for f in fams):
        print("run.py: no case matches the filters", file=sys.stderr)
        return 1
    if args.list:
        for fam, c in selected:
            print(f"{fam.name:8s} {c.name}")
        print(f"{len(selected)} cases")
        return 0
    t_discover = time.perf_counter() - t_start

    # duplicate names are case bugs: the first keeps the name, the others are BAD
    seen, dups, todo = {}, [], []
    for fam, c in selected:
        if c.name in seen:
            dups.append({"name": c.name, "id": case_id(c.name), "family": fam.name,
                         "ops": list(c.ops), "form": form_of(c.name), "status": BAD,
                         "error": f"duplicate name (also in family {seen[c.name]})", "outputs": [],
                         "tolerance": tolerance_dict(c.tolerance), "times": {}})
        else:
            seen[c.name] = fam.name
            todo.append((fam, c))

    converter = Converter(cache_dir, use_cache=not args.no_cache)
    runner = make_runner(args.runner, args.tflc)
    uncached = [c for f, c in todo if not converter.cached(f, c)]
    use_pool = args.jobs > 1 and len(uncached) >= 64
    if not args.quiet:
        print(f"{len(selected)} cases from {len(fams)} families ({len(uncached)} to convert), "
              f"tflc via {runner.kind}" + (f", {args.jobs} processes" if use_pool else ""),
              flush=True)
        if runner.kind == "python":
            print(f"note: tflc is the installed package {runner.module.__file__}; it runs in this "
                  "process (a crash stops the run) and may be older than build/; "
                  "--runner cli uses build/tflc", flush=True)

    results = []

    def progress(r):
        results.append(r)
        if not args.quiet and sys.stdout.isatty():
            print(f"\r[{len(results)}/{len(todo)}] {r['status']:5s} {r['name'][:60]:60s}",
                  end="", flush=True)

    if use_pool:
        import concurrent.futures
        import multiprocessing
        names = sorted({f.name for f, _ in todo})
        with concurrent.futures.ProcessPoolExecutor(
                max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(FAMILIES_DIR, names, runner.kind, args.tflc, cache_dir, not args.no_cache,
                          work_root)) as ex:
            for r in ex.map(_worker_run, [c.name for _, c in todo], chunksize=4):
                progress(r)
    else:
        for fam, c in todo:
            progress(guarded_run(fam, c, converter, runner, work_root))
    if not args.quiet and sys.stdout.isatty():
        print("\r" + " " * 80 + "\r", end="")
    results += dups
    order = {c.name: i for i, (_, c) in enumerate(selected)}
    results.sort(key=lambda r: (order.get(r["name"], 0), r["status"] == BAD))

    elapsed = time.perf_counter() - t_start
    cov = coverage(results)
    c = counts(results)
    fam_info = [{"name": f.name, "cases": len(f.cases), "error": f.error} for f in fams]
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": ("TFLC_EMULATOR=" + shlex.quote(os.environ["TFLC_EMULATOR"]) + " "
                    if runner.kind == "cli" and os.environ.get("TFLC_EMULATOR") else "")
                   + "python conformance/run.py " + " ".join(shlex.quote(a) for a in (
                       sys.argv[1:] if argv is None else argv)),
        "filters": " ".join(
            [f"--family {f}" for f in args.family] + [f"--case {shlex.quote(g)}" for g in args.case]
            + [f"-k {shlex.quote(k)}" for k in args.k] + (["--failed"] if args.failed else [])),
        "versions": versions(), "platform": f"{platform.system()} {platform.machine()}",
        "git_commit": git_commit(), "runner": runner.kind, "tflc": runner.version(),
        "reference": "OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES",
        "also": "OpResolverType.BUILTIN_REF",
        "elapsed": elapsed, "discover_seconds": t_discover, "jobs": args.jobs if use_pool else 1,
        "converted": len(uncached),
        "seconds": {k: round(sum(r.get("times", {}).get(k, 0.0) for r in results), 3)
                    for k in ("convert", "litert", "tflc", "total")},
    }
    report = {"meta": meta, "summary": {"cases": len(results), **c, "ops_covered": cov["ops_covered"],
                                        "ops_passing": cov["ops_passing"]},
              "families": fam_info, "cases": results, "coverage": cov}
    write_atomic(os.path.join(out_dir, "report.json"),
                 json.dumps(report, indent=1, default=str) + "\n")
    write_atomic(os.path.join(out_dir, "report.md"), markdown_report(meta, results, fam_info, cov))
    write_atomic(os.path.join(out_dir, "summary.md"), summary_markdown(meta, results, cov))

    shown = results if not args.quiet else [r for r in results if r["status"] != PASS]
    if shown:
        print_table(shown, detail_width=10_000 if args.verbose else 160)
    if args.verbose:
        for r in results:
            if r["status"] in (FAIL, ERROR) and r.get("command"):
                print(f"\n{r['name']}: {r['status']}: {r.get('error')}\n  reproduce: {r['command']}")
    broken = [f for f in fams if f.error]
    for f in broken:
        print(f"family {f.name}: import failed: {f.error}")
    no_why = [r["name"] for r in results if r["tolerance"]["kind"] != "exact"
              and not r["tolerance"].get("why")]
    if no_why:
        print(f"note: {len(no_why)} cases have a bound looser than exact without a reason "
              f"(Tolerance.why): {', '.join(no_why[:8])}{' ...' if len(no_why) > 8 else ''}")
    print(f"\n{c[PASS]}/{len(results)} pass, {c[FAIL]} fail, {c[ERROR]} error, {c[BAD]} bad case; "
          f"{cov['ops_covered']} ops covered, {cov['ops_passing']} with a passing case; "
          f"{elapsed:.1f} s ({len(uncached)} converted)")
    sec = meta["seconds"]
    if not args.quiet:
        print(f"time: import {t_discover:.1f} s, convert {sec['convert']:.1f} s, LiteRT "
              f"{sec['litert']:.1f} s, tflc {sec['tflc']:.1f} s")
    print(f"report: {display_path(os.path.join(out_dir, 'report.md'))}, report.json")

    if not meta["filters"] and not broken:
        prune(cache_dir, {os.path.basename(converter.path(f, c)) for f, c in todo},
              work_root, {r["id"] for r in results})
    status = 0 if c[PASS] == len(results) and not broken else 1
    if args.export:
        import export_subset
        status |= export_subset.export(report, work_root, os.path.abspath(args.export_dir),
                                       allow_partial=args.export_partial)
    return status


if __name__ == "__main__":
    sys.exit(main())
