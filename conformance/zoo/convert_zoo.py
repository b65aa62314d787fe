#!/usr/bin/env python3
"""Converting the zoo (conformance/zoo/models.py): cached, one subprocess per network.

    python conformance/zoo/convert_zoo.py                  convert every uncached (net, form)
    python conformance/zoo/convert_zoo.py --net resnet50   only these networks (repeatable)
    python conformance/zoo/convert_zoo.py --status         what is cached: size, seconds, ops,
                                                           the converter's error (Markdown)
    python conformance/zoo/convert_zoo.py --measure        LiteRT builtin vs reference kernels
                                                           on every cached case (the float bounds)
    python conformance/zoo/convert_zoo.py --prune          delete cached files no current
                                                           (network, form) uses
    python conformance/zoo/convert_zoo.py --errors build/conformance
                                                           tflc's error vs both LiteRT kernel
                                                           sets, per case of a harness run
    python conformance/zoo/convert_zoo.py --diagnose resnet50/int8 [--tflc build/tflc]
                                                           the first operators where tflc's
                                                           output differs from both LiteRT's

The harness (conformance/families/zoo.py) calls get(net, form). The cache lives in
build/conformance/zoo-cache/ (or $TFLC_ZOO_CACHE), apart from the harness's own cache,
because that one is keyed by the whole family file and convert.py: any edit there would
convert the ~250 zoo models again (about an hour). Here the key is the network's builder
source and fields, models.ZOO_VERSION, this file's conversion code and the TensorFlow
version, so editing one builder converts that network only. A failed conversion is cached
too, with the converter's error, so it is not retried on every run.

Each network converts in a subprocess (niced), all its forms from one build: the
converter's quantizer can crash the process (it segfaults calibrating Keras 3 recurrent
layers' WHILE loops), and a crash must cost one form, not the harness run. The worker
writes which form it is on; after a crash that form is recorded as refused with the
signal, and a new worker goes on with the rest.
"""
import argparse
import contextlib
import hashlib
import importlib.metadata
import inspect
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from conformance.zoo import models  # noqa: E402

CACHE_DIR = os.environ.get("TFLC_ZOO_CACHE") or os.path.join(REPO, "build", "conformance", "zoo-cache")
WORKER_TIMEOUT = 3600          # seconds for all forms of one network
CACHE_TAG = "tflc-zoo-v1"
KEY_FIELDS = ("inputs", "signatures", "rep_n", "calibrate_bn")   # the Net fields conversion uses


# ------------------------------------------------------------------------------- cache --

def _tf_version():
    for dist in ("tensorflow-cpu", "tensorflow"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def _builder_source(fn):
    """The builder's source without its @net(...) decorator (notes may change freely)."""
    src = inspect.getsource(fn)
    return src[src.index("def "):] if "def " in src else src


def cache_key(net, form):
    fields = {k: getattr(net, k) for k in KEY_FIELDS}
    conv_src = "".join(inspect.getsource(f) for f in (convert_form, _apply_form))
    return hashlib.sha256("\0".join([
        CACHE_TAG, net.name, form, _builder_source(net.build), repr(sorted(fields.items())),
        str(models.ZOO_VERSION), conv_src, _tf_version()]).encode()).hexdigest()[:20]


def _paths(net, form):
    base = os.path.join(CACHE_DIR, f"{net.name}.{form}.{cache_key(net, form)}")
    return base + ".tflite", base + ".json"


def _write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


def meta(net, form):
    """The cached record of one conversion (dict), or None if it was never made."""
    _, meta_path = _paths(net, form)
    try:
        with open(meta_path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _record(net, form, buf=None, **fields):
    model_path, meta_path = _paths(net, form)
    rec = {"net": net.name, "form": form, "key": cache_key(net, form), "tensorflow": _tf_version(),
           "date": time.strftime("%Y-%m-%d %H:%M:%S"), "error": None, **fields}
    if buf is not None:
        _write_atomic(model_path, buf)
        rec["bytes"] = len(buf)
    _write_atomic(meta_path, json.dumps(rec, indent=1) + "\n")


def get(name, form):
    """The .tflite bytes of network `name` in `form`, converting (all of the network's
    uncached forms, in a subprocess) on a cache miss. Raises RuntimeError with the
    converter's message if the conversion failed, now or in an earlier run."""
    net = models.by_name(name)
    if meta(net, form) is None:
        convert_net(net)
    rec = meta(net, form)
    if rec is None:
        raise RuntimeError(f"zoo: no record of {name}/{form} after converting it")
    if rec.get("error"):
        raise RuntimeError(rec["error"])
    with open(_paths(net, form)[0], "rb") as f:
        return f.read()


def prune():
    """Deletes cached models and records whose key no current (network, form) has."""
    keep = set()
    for net in models.NETS:
        for form in net.forms:
            keep.update(os.path.basename(p) for p in _paths(net, form))
    removed = 0
    for f in os.listdir(CACHE_DIR) if os.path.isdir(CACHE_DIR) else []:
        if f.endswith((".tflite", ".json")) and f not in keep:
            os.remove(os.path.join(CACHE_DIR, f))
            removed += 1
    return removed


# ---------------------------------------------------------------- worker management --

@contextlib.contextmanager
def _lock(name):
    """One converter per network at a time across processes."""
    import fcntl
    os.makedirs(CACHE_DIR, exist_ok=True)
    with open(os.path.join(CACHE_DIR, f".{name}.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _tail(path, n=6):
    try:
        with open(path, errors="replace") as f:
            lines = [ln.strip() for ln in f if ln.strip()]
    except OSError:
        return ""
    keep = [ln for ln in lines if not ln.startswith(("W0000", "I0000", "WARNING: All log"))]
    return " | ".join(keep[-n:])[-600:]


def convert_net(net, forms=None, verbose=False):
    """Converts every uncached form of `net` (or of `forms`) in worker subprocesses."""
    forms = list(forms or net.forms)
    with _lock(net.name):
        todo = [f for f in forms if meta(net, f) is None]
        attempts = 0
        while todo and attempts <= len(forms):
            attempts += 1
            state = os.path.join(CACHE_DIR, f".{net.name}.running")
            log = os.path.join(CACHE_DIR, f"{net.name}.log")
            with contextlib.suppress(OSError):
                os.remove(state)
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0",
                       PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", net.name, *todo]
            if verbose:
                print(f"zoo: converting {net.name}: {', '.join(todo)}", flush=True)
            t0 = time.perf_counter()
            with open(log, "a") as logf:
                logf.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd[2:])}\n")
                logf.flush()
                try:
                    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                       env=env, timeout=WORKER_TIMEOUT, cwd=REPO)
                    rc, why = r.returncode, None
                except subprocess.TimeoutExpired:
                    rc, why = -1, f"converter timed out (worker ran > {WORKER_TIMEOUT} s)"
            try:
                with open(state) as f:
                    running = f.read().strip()
            except OSError:
                running = None
            left = [f for f in todo if meta(net, f) is None]
            if rc != 0 and left:
                if why is None and rc < 0:
                    why = f"converter crashed: {signal.Signals(-rc).name}"
                elif why is None:
                    why = f"converter worker exited with status {rc}: {_tail(log)}"
                # the form it was on failed; if it died before any form, all of them did
                for f in ([running] if running in left else left):
                    _record(net, f, error=why, seconds=round(time.perf_counter() - t0, 1),
                            crashed=True)
            todo = [f for f in todo if meta(net, f) is None]


# ----------------------------------------------------------------------- conversion --

def _apply_form(conv, form, rep):
    """The converter settings of each form, as conformance/convert.py sets them."""
    import tensorflow as tf
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if form == "float16":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
    elif form == "dynamic":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    elif form in ("int8", "int8_float_io", "int16x8"):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        if form == "int16x8":
            ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        else:
            ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if form == "int8":
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
    elif form != "float32":
        raise ValueError(f"unknown form {form!r}")
    conv.target_spec.supported_ops = ops


def convert_form(net, model, form, saved_model_dir=None):
    """One conversion. Keras nets: a tf.function over the inputs' TensorSpecs (frozen: no
    trackable object, so weights become constants). ExportArchive nets: from their SavedModel
    in saved_model_dir, every endpoint as a signature, in models' order."""
    import tensorflow as tf
    if net.signatures:
        conv = tf.lite.TFLiteConverter.from_saved_model(
            saved_model_dir, signature_keys=list(net.signatures))
    else:
        specs = [tf.TensorSpec(i.shape, tf.as_dtype(i.dtype), name=i.name) for i in net.inputs]
        fn = tf.function(lambda *xs: model(list(xs) if len(xs) > 1 else xs[0], training=False))
        conv = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function(*specs)])
    _apply_form(conv, form, models.representative(net))
    return conv.convert()


def model_summary(buf):
    """Operator histogram, subgraph count and signature keys of a .tflite buffer."""
    try:
        from ai_edge_litert import schema_py_generated as s
    except ImportError:
        from tensorflow.lite.python import schema_py_generated as s
    names = {v: k for k, v in vars(s.BuiltinOperator).items()
             if not k.startswith("_") and isinstance(v, int)}
    m = s.Model.GetRootAs(buf, 0)
    codes = []
    for i in range(m.OperatorCodesLength()):
        oc = m.OperatorCodes(i)
        n = names.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()), "?")
        codes.append("CUSTOM:" + oc.CustomCode().decode() if n == "CUSTOM" else n)
    hist = {}
    for g in range(m.SubgraphsLength()):
        sg = m.Subgraphs(g)
        for i in range(sg.OperatorsLength()):
            op = codes[sg.Operators(i).OpcodeIndex()]
            hist[op] = hist.get(op, 0) + 1
    sigs = [m.SignatureDefs(i).SignatureKey().decode() for i in range(m.SignatureDefsLength())]
    return {"ops": dict(sorted(hist.items())), "subgraphs": m.SubgraphsLength(), "signatures": sigs}


def worker(name, forms):
    """Builds `name` once and converts each form, recording each result as it goes."""
    with contextlib.suppress(OSError):
        os.nice(10)
    net = models.by_name(name)
    state = os.path.join(CACHE_DIR, f".{name}.running")
    t0 = time.perf_counter()
    saved = None
    try:
        model = models.make_model(net)
        if net.signatures:  # a keras.export.ExportArchive: its SavedModel, once
            saved = tempfile.mkdtemp(prefix=f"zoo-{name}-")
            model.write_out(saved, verbose=False)
    except Exception as e:  # noqa: BLE001 -- recorded for every form
        msg = f"building the network failed: {type(e).__name__}: {str(e).strip()[-500:]}"
        for f in forms:
            _record(net, f, error=msg, seconds=0.0)
        return 0
    build_s = time.perf_counter() - t0
    print(f"{name}: built in {build_s:.1f} s", flush=True)
    for form in forms:
        _write_atomic(state, form)
        t0 = time.perf_counter()
        try:
            buf = convert_form(net, model, form, saved)
        except Exception as e:  # noqa: BLE001 -- the converter's refusal is the result
            text = str(e).strip()
            lines = [ln for ln in text.splitlines() if "error" in ln.lower()] or text.splitlines()
            msg = f"{type(e).__name__}: " + " | ".join(ln.strip() for ln in lines[:4])[:600]
            _record(net, form, error=msg, seconds=round(time.perf_counter() - t0, 1),
                    build_seconds=round(build_s, 1))
            print(f"{name}/{form}: refused in {time.perf_counter() - t0:.1f} s: {msg}", flush=True)
            continue
        secs = time.perf_counter() - t0
        _record(net, form, buf, seconds=round(secs, 1), build_seconds=round(build_s, 1),
                **model_summary(buf))
        print(f"{name}/{form}: {len(buf)} bytes in {secs:.1f} s", flush=True)
    with contextlib.suppress(OSError):
        os.remove(state)
    if saved:
        import shutil
        shutil.rmtree(saved, ignore_errors=True)
    return 0


# ---------------------------------------------------------------------- measurement --

def _run_litert(buf, resolver, inputs, io=None):
    """Subgraph 0 on `inputs`; with `io` (a harness case's "io"), its signature instead,
    inputs and outputs in io's order."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    import numpy as np
    it = Interpreter(model_content=buf,
                     experimental_op_resolver_type=getattr(OpResolverType, resolver))
    if io is not None:
        run = it.get_signature_runner(io["signature"])
        outs = run(**{t["tflc_name"]: x for t, x in zip(io["inputs"], inputs)})
        return [np.array(outs[t["tflc_name"]]) for t in io["outputs"]]
    det = it.get_input_details()
    for d, x in zip(det, inputs):
        if tuple(d["shape"]) != x.shape:
            it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for d, x in zip(det, inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    return [np.array(it.get_tensor(d["index"])) for d in it.get_output_details()]


def measure(nets, forms=None):
    """LiteRT's builtin (BUILTIN_WITHOUT_DEFAULT_DELEGATES) against its reference kernels
    (BUILTIN_REF) on the harness's inputs, per cached case: for float outputs the largest
    |builtin - ref| relative to max|builtin| (the harness's "rel" metric), for integer
    outputs the largest difference in quantized steps."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    out = {}
    for net in nets:
        for form in forms or net.forms:
            rec = meta(net, form)
            if not rec or rec.get("error"):
                continue
            with open(_paths(net, form)[0], "rb") as f:
                buf = f.read()
            det = Interpreter(model_content=buf, experimental_op_resolver_type=
                              OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES).get_input_details()
            inputs = models.test_inputs(net)(np.random.default_rng(models.seed_of(net.name)), det)
            t0 = time.perf_counter()
            try:
                b = _run_litert(buf, "BUILTIN_WITHOUT_DEFAULT_DELEGATES", inputs)
                t1 = time.perf_counter()
                r = _run_litert(buf, "BUILTIN_REF", inputs)
                t2 = time.perf_counter()
            except Exception as e:  # noqa: BLE001
                out[f"{net.name}/{form}"] = {"error": str(e)[-300:]}
                print(f"{net.name}/{form}: LiteRT failed: {str(e)[-200:]}", flush=True)
                continue
            res = {"builtin_s": round(t1 - t0, 3), "ref_s": round(t2 - t1, 3), "outputs": []}
            for x, y in zip(b, r):
                if x.dtype.kind == "f":
                    x64, y64 = x.astype(np.float64), y.astype(np.float64)
                    scale = float(np.max(np.abs(x64))) if x.size else 0.0
                    d = float(np.max(np.abs(x64 - y64))) if x.size else 0.0
                    res["outputs"].append({"dtype": str(x.dtype), "max_abs": d, "scale": scale,
                                           "rel": d / scale if scale else 0.0})
                else:
                    steps = int(np.max(np.abs(x.astype(np.int64) - y.astype(np.int64)))) if x.size else 0
                    res["outputs"].append({"dtype": str(x.dtype), "steps": steps,
                                           "mismatches": int(np.sum(x != y))})
            out[f"{net.name}/{form}"] = res
            worst = max(res["outputs"], key=lambda o: o.get("rel", o.get("steps", 0)))
            what = (f"rel {worst['rel']:.3g} (max abs {worst['max_abs']:.3g} of {worst['scale']:.3g})"
                    if "rel" in worst else f"{worst['steps']} steps, {worst['mismatches']} differ")
            print(f"{net.name}/{form}: builtin vs ref {what}; builtin {res['builtin_s']:.2f} s, "
                  f"ref {res['ref_s']:.2f} s", flush=True)
    return out


def errors(report_dir):
    """For every zoo case that tflc ran in the harness run under report_dir: tflc's largest
    error against LiteRT's builtin and against its reference kernels (the same inputs,
    work/<id>/in*.npy), and builtin vs reference. Float outputs: max|diff| / max|LiteRT|;
    integer outputs: steps. Returns {case name: {...}}."""
    import re
    import numpy as np
    with open(os.path.join(report_dir, "report.json")) as f:
        report = json.load(f)
    out = {}
    for c in report["cases"]:
        if not c["name"].startswith("zoo/") or c["status"] not in ("pass", "FAIL"):
            continue
        # zoo/<net>/<form>, or zoo/<net>/<signature>/<form> for a signature's case; the
        # model file is the one the harness ran (PyTorch nets have no models.py entry)
        parts = c["name"].split("/")
        name, form = parts[1], parts[-1]
        signature = c["io"].get("signature") if len(parts) == 4 else None
        path = c.get("model") or _paths(models.by_name(name), form)[0]
        if not os.path.isabs(path):
            path = os.path.join(REPO, path)
        work = os.path.join(report_dir, "work", c["id"])
        with open(path, "rb") as f:
            buf = f.read()
        n_in = len(c["io"]["inputs"])
        inputs = [np.load(os.path.join(work, f"in{k}.npy")) for k in range(n_in)]
        b = [np.load(os.path.join(work, f"want{k}.npy")) for k in range(len(c["io"]["outputs"]))]
        try:
            r = _run_litert(buf, "BUILTIN_REF", inputs, c["io"] if signature else None)
        except Exception:  # noqa: BLE001 -- the reference resolver lacks some ops
            r = None
        g = [np.load(os.path.join(work, "tflc", re.sub(r"[^A-Za-z0-9_.-]", "_", o["tflc_name"] or "")
                                  + ".npy")) for o in c["io"]["outputs"]]

        def worst(xs, ys):
            if ys is None:
                return None
            m = 0.0
            for x, y in zip(xs, ys):
                if x.dtype.kind == "f":
                    scale = float(np.max(np.abs(y))) if y.size else 0.0
                    d = float(np.max(np.abs(x.astype(np.float64) - y))) if y.size else 0.0
                    m = max(m, d / scale if scale else d)
                else:
                    m = max(m, float(np.max(np.abs(x.astype(np.int64) - y.astype(np.int64)))))
            return m

        out[c["name"]] = {"status": c["status"], "vs_builtin": worst(g, b), "vs_ref": worst(g, r),
                          "builtin_vs_ref": worst(r, b) if r is not None else None,
                          "float": b[0].dtype.kind == "f", "tolerance": c["tolerance"]}
    return out


# ------------------------------------------------------------------------ diagnosis --

def _expose_all(buf):
    """The model with subgraph 0's every operator output added to its outputs, tensors
    renamed t<index> and SignatureDefs dropped (so tflc's default signature names the
    outputs after those tensors), for comparing intermediates."""
    import flatbuffers
    try:
        from ai_edge_litert import schema_py_generated as s
    except ImportError:
        from tensorflow.lite.python import schema_py_generated as s
    m = s.ModelT.InitFromObj(s.Model.GetRootAs(buf, 0))
    sg = m.subgraphs[0]
    for i, t in enumerate(sg.tensors):
        t.name = f"t{i}".encode()
    seen = [int(t) for t in sg.outputs]
    order = []                             # (op index, op name, output tensor)
    names = {v: k for k, v in vars(s.BuiltinOperator).items()
             if not k.startswith("_") and isinstance(v, int)}
    for k, op in enumerate(sg.operators):
        oc = m.operatorCodes[op.opcodeIndex]
        opname = names.get(max(oc.builtinCode, oc.deprecatedBuiltinCode), "?")
        for t in op.outputs if op.outputs is not None else []:
            if t >= 0:
                order.append((k, opname, int(t)))
                if int(t) not in seen:
                    seen.append(int(t))
    sg.outputs = seen
    m.signatureDefs = []
    b = flatbuffers.Builder(len(buf) + 4096)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output()), order, [int(t) for t in sg.inputs]


def diagnose(net, form, tflc_bin, workdir, limit=6):
    """Runs tflc and both LiteRT kernel sets on the case's inputs with every intermediate
    of subgraph 0 exposed; prints, in execution order, the first operators whose output
    differs between tflc and LiteRT builtin / reference (and whether LiteRT's two agree
    there). Integer tensors compare exactly; float ones by max|diff| / max|builtin|."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    with open(_paths(net, form)[0], "rb") as f:
        buf = f.read()
    det = Interpreter(model_content=buf, experimental_op_resolver_type=
                      OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES).get_input_details()
    inputs = models.test_inputs(net)(np.random.default_rng(models.seed_of(net.name)), det)
    big, order, in_idx = _expose_all(buf)
    os.makedirs(workdir, exist_ok=True)
    mpath = os.path.join(workdir, "exposed.tflite")
    _write_atomic(mpath, big)

    def litert(resolver):
        it = Interpreter(model_content=big,
                         experimental_op_resolver_type=getattr(OpResolverType, resolver))
        d = {x["index"]: x for x in it.get_input_details()}
        for t, x in zip(in_idx, inputs):
            if tuple(d[t]["shape"]) != x.shape:
                it.resize_tensor_input(t, list(x.shape))
        it.allocate_tensors()
        for t, x in zip(in_idx, inputs):
            it.set_tensor(t, x)
        it.invoke()
        return {o["index"]: np.array(it.get_tensor(o["index"])) for o in it.get_output_details()}

    b = litert("BUILTIN_WITHOUT_DEFAULT_DELEGATES")
    try:
        r = litert("BUILTIN_REF")
    except Exception as e:  # noqa: BLE001 -- the reference resolver lacks some ops
        print(f"  (LiteRT reference kernels cannot run it: {str(e).splitlines()[0]})")
        r = None
    cmd = [tflc_bin, "run", mpath, "--output-dir", os.path.join(workdir, "tflc")]
    for t, x in zip(in_idx, inputs):
        p = os.path.join(workdir, f"in_t{t}.npy")
        np.save(p, x)
        cmd += ["--input", f"t{t}={p}"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        print(f"  tflc failed: {res.stderr.strip()[:300]}")
        return

    def diff(x, y):
        if x is None or y is None:
            return None
        if x.shape != y.shape:
            return float("inf")
        if x.dtype.kind == "f":
            scale = float(np.max(np.abs(y))) if y.size else 0.0
            d = float(np.max(np.abs(x.astype(np.float64) - y))) if x.size else 0.0
            return d / scale if scale else d
        return float(np.max(np.abs(x.astype(np.int64) - y.astype(np.int64)))) if x.size else 0.0

    shown = 0
    for k, opname, t in order:
        p = os.path.join(workdir, "tflc", f"t{t}.npy")
        if not os.path.exists(p) or t not in b:
            continue
        g = np.load(p)
        db, dr = diff(g, b[t]), diff(g, r.get(t) if r else None)
        dbr = diff(r.get(t) if r else None, b[t])
        tol = 1e-5 if g.dtype.kind == "f" else 0
        if db is not None and db > tol and (dr is None or dr > tol):
            fmt = (lambda v: "-" if v is None else f"{v:.3g}")
            print(f"  op {k:3d} {opname:24s} -> t{t} {g.dtype}{list(g.shape)}: tflc vs builtin "
                  f"{fmt(db)}, vs ref {fmt(dr)}; builtin vs ref {fmt(dbr)}"
                  + (" (rel)" if g.dtype.kind == "f" else " (steps)"))
            shown += 1
            if shown >= limit:
                break
    if not shown:
        print("  every intermediate of subgraph 0 matches builtin or ref")


# --------------------------------------------------------------------------- status --

def status(nets):
    """Markdown: one row per (network, form) with the cached record."""
    rows = ["| network | form | converted | size | seconds | ops | error |",
            "|---|---|---|---|---|---|---|"]
    for net in nets:
        for form in net.forms:
            rec = meta(net, form)
            if rec is None:
                rows.append(f"| {net.name} | {form} | not yet | | | | |")
            elif rec.get("error"):
                rows.append(f"| {net.name} | {form} | no | | {rec.get('seconds', '')} | | "
                            f"{rec['error'].replace('|', '/')[:300]} |")
            else:
                ops = ", ".join(f"{k} {v}" for k, v in rec.get("ops", {}).items())
                rows.append(f"| {net.name} | {form} | yes | {rec['bytes'] / 1e6:.2f} MB | "
                            f"{rec.get('seconds', '')} | {ops} | |")
    return "\n".join(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--net", action="append", default=[], help="network name (repeatable)")
    p.add_argument("--form", action="append", default=[], help="form (repeatable)")
    p.add_argument("--status", action="store_true", help="print what is cached (Markdown)")
    p.add_argument("--measure", action="store_true",
                   help="LiteRT builtin vs reference kernels on every cached case")
    p.add_argument("--json", help="with --measure: write the figures to this file")
    p.add_argument("--prune", action="store_true", help="delete stale cache files")
    p.add_argument("--diagnose", action="append", default=[], metavar="NET/FORM",
                   help="first operators where tflc differs from both LiteRT kernel sets")
    p.add_argument("--tflc", default=os.path.join(REPO, "build", "tflc"),
                   help="with --diagnose: the tflc binary (default build/tflc)")
    p.add_argument("--errors", metavar="REPORT_DIR",
                   help="tflc's error vs both LiteRT kernel sets per case of a harness run "
                        "(e.g. build/conformance); with --json, written there")
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        return worker(a.worker[0], a.worker[1:])
    nets = [models.by_name(n) for n in a.net] if a.net else models.NETS
    if a.errors:
        res = errors(a.errors)
        for k, v in res.items():
            f = (lambda x: "-" if x is None else f"{x:.3g}")
            print(f"{k:45s} {v['status']:5s} vs builtin {f(v['vs_builtin'])}, vs ref "
                  f"{f(v['vs_ref'])}, builtin vs ref {f(v['builtin_vs_ref'])}"
                  + (" (rel)" if v["float"] else " (steps)"))
        if a.json:
            _write_atomic(a.json, json.dumps(res, indent=1) + "\n")
        return 0
    if a.diagnose:
        for case in a.diagnose:
            name, form = case.split("/")
            print(f"{name}/{form}:", flush=True)
            diagnose(models.by_name(name), form, os.path.abspath(a.tflc),
                     os.path.join(REPO, "build", "conformance", "zoo-diagnose", f"{name}.{form}"))
        return 0
    if a.prune:
        print(f"zoo: removed {prune()} stale files from {CACHE_DIR}")
        return 0
    if a.status:
        print(status(nets))
        return 0
    if a.measure:
        res = measure(nets, a.form or None)
        if a.json:
            _write_atomic(a.json, json.dumps(res, indent=1) + "\n")
        return 0
    for net in nets:
        convert_net(net, a.form or None, verbose=True)
        for form in a.form or net.forms:
            rec = meta(net, form) or {}
            print(f"  {net.name}/{form}: " + (f"refused: {rec['error'][:200]}" if rec.get("error")
                  else f"{rec.get('bytes', 0)} bytes, {rec.get('seconds')} s"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
