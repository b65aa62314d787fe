#!/usr/bin/env python3
"""Converting the PyTorch networks of the zoo (conformance/zoo/torch_models.py), cached.

    $TORCH_PY conformance/zoo/convert_torch.py               convert every uncached (net, form)
    $TORCH_PY conformance/zoo/convert_torch.py --net torch_cnn
    python conformance/zoo/convert_torch.py --status         what is cached (any venv)
    python conformance/zoo/convert_torch.py --prune          delete stale cached files

litert-torch pins its own torch (2.14 with CUDA wheels: several GB) and cannot share a venv
with the harness's TensorFlow, so conversion runs in a torch venv ($TORCH_PY), found as
$TFLC_TORCH_PYTHON, else build/venv-torch/bin/python:

    python3 -m venv build/venv-torch
    build/venv-torch/bin/pip install litert-torch torchvision numpy ai-edge-litert==2.3.0

The harness (conformance/families/zoo.py -> torch_models.cases()) calls get(net, form) in
its own venv: a cached model is read; on a miss it runs this file in the torch venv; with
neither, the case is BAD with the reason (never skipped silently).

Cache: build/conformance/zoo-cache/torch/<net>.<form>.<key>.{tflite,json} (or
$TFLC_ZOO_CACHE/torch), key = the builder's source, its TorchNet fields, TORCH_ZOO_VERSION
and this file's conversion code. The torch and litert-torch versions are recorded in the
.json but are not in the key (the harness cannot see them without the torch venv): after
upgrading them, convert again with --force. A conversion error is cached with its message.
"""
import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from conformance.zoo import torch_models  # noqa: E402
from conformance.zoo.convert_zoo import CACHE_DIR as ZOO_CACHE_DIR  # noqa: E402
from conformance.zoo.convert_zoo import _builder_source, _write_atomic  # noqa: E402

CACHE_DIR = os.path.join(ZOO_CACHE_DIR, "torch")
CACHE_TAG = "tflc-zoo-torch-v1"
KEY_FIELDS = ("inputs", "rep_n")            # the TorchNet fields conversion uses
WORKER_TIMEOUT = 1800                  # seconds for all forms of one network
VERSIONED = ("torch", "torchvision", "litert-torch", "torchao", "ai-edge-litert")


def torch_python():
    """The torch venv's interpreter, or None."""
    env = os.environ.get("TFLC_TORCH_PYTHON")
    if env:
        return env if os.path.exists(env) else None
    p = os.path.join(REPO, "build", "venv-torch", "bin", "python")
    return p if os.path.exists(p) else None


# ------------------------------------------------------------------------------- cache --

def cache_key(net, form):
    fields = {k: getattr(net, k) for k in KEY_FIELDS}
    conv_src = "".join(inspect.getsource(f) for f in (convert_form, build, calibrate_bn,
                                                      dynamic_shapes))
    return hashlib.sha256("\0".join([
        CACHE_TAG, net.name, form, _builder_source(net.build), repr(sorted(fields.items())),
        str(torch_models.TORCH_ZOO_VERSION), conv_src]).encode()).hexdigest()[:20]


def _paths(net, form, key=None):
    base = os.path.join(CACHE_DIR, f"{net.name}.{form}.{key or cache_key(net, form)}")
    return base + ".tflite", base + ".json"


def meta(net, form):
    try:
        with open(_paths(net, form)[1]) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def versions():
    out = {}
    for d in VERSIONED:
        try:
            out[d] = importlib.metadata.version(d)
        except importlib.metadata.PackageNotFoundError:
            out[d] = None
    return out


def _record(net, form, buf=None, key=None, **fields):
    """Writes the record (and model) of one conversion under `key` (default: the current
    cache_key; the worker is given its parent's keys, which the parent will look up, even
    if the sources change on disk meanwhile: inspect reads them at call time)."""
    key = key or cache_key(net, form)
    model_path, meta_path = _paths(net, form, key)
    rec = {"net": net.name, "form": form, "key": key, "versions": versions(),
           "date": time.strftime("%Y-%m-%d %H:%M:%S"), "error": None, **fields}
    if buf is not None:
        _write_atomic(model_path, buf)
        rec["bytes"] = len(buf)
    _write_atomic(meta_path, json.dumps(rec, indent=1) + "\n")


def get(name, form):
    """The .tflite bytes of PyTorch network `name` in `form` (the harness's make()).
    Converts in the torch venv on a cache miss; raises RuntimeError with the converter's
    message, or with what is missing to convert."""
    net = torch_models.by_name(name)
    if meta(net, form) is None:
        py = torch_python()
        if py is None:
            raise RuntimeError(
                "PyTorch network not converted and no torch venv to convert it: set "
                "TFLC_TORCH_PYTHON or create build/venv-torch (conformance/zoo/convert_torch.py"
                f" says how); missing: {_paths(net, form)[0]}")
        convert_net(net, py)
    rec = meta(net, form)
    if rec is None:
        raise RuntimeError(f"zoo: no record of {name}/{form} after converting it")
    if rec.get("error"):
        raise RuntimeError(rec["error"])
    with open(_paths(net, form)[0], "rb") as f:
        return f.read()


def prune():
    """Deletes cached models and records whose key no current (network, form) has."""
    keep = {os.path.basename(p) for n in torch_models.TORCH_NETS for f in n.forms
            for p in _paths(n, f)}
    stale = [f for f in (os.listdir(CACHE_DIR) if os.path.isdir(CACHE_DIR) else [])
             if f.endswith((".tflite", ".json")) and f not in keep]
    for f in stale:
        os.remove(os.path.join(CACHE_DIR, f))
    return len(stale)


@contextlib.contextmanager
def _lock(name):
    import fcntl
    os.makedirs(CACHE_DIR, exist_ok=True)
    with open(os.path.join(CACHE_DIR, f".{name}.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def convert_net(net, py, forms=None, force=False, verbose=False):
    """Converts the uncached forms of `net` in a worker process run by interpreter `py`."""
    forms = list(forms or net.forms)
    with _lock(net.name):
        todo = [f for f in forms if force or meta(net, f) is None]
        if not todo:
            return
        if force:
            for f in todo:
                for p in _paths(net, f):
                    with contextlib.suppress(OSError):
                        os.remove(p)
        log = os.path.join(CACHE_DIR, f"{net.name}.log")
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0",
                   CUDA_VISIBLE_DEVICES="", PYTHONPATH=REPO)
        cmd = [py, os.path.abspath(__file__), "--worker", net.name,
               *(f"{f}={cache_key(net, f)}" for f in todo)]
        if verbose:
            print(f"zoo/torch: converting {net.name}: {', '.join(todo)}", flush=True)
        t0 = time.perf_counter()
        with open(log, "a") as logf:
            logf.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd[1:])}\n")
            logf.flush()
            try:
                r = subprocess.run(["nice", "-n", "10", *cmd], stdin=subprocess.DEVNULL,
                                   stdout=logf, stderr=logf, env=env, timeout=WORKER_TIMEOUT,
                                   cwd=REPO)
                why = f"torch worker exited with status {r.returncode}"
            except subprocess.TimeoutExpired:
                why = f"torch worker timed out (> {WORKER_TIMEOUT} s)"
        # the worker records every form it finished; one it did not reach failed with it
        for f in todo:
            if meta(net, f) is None:
                _record(net, f, error=f"{why} (log: {os.path.relpath(log, REPO)})",
                        seconds=round(time.perf_counter() - t0, 1))


# ------------------------------------------------------- conversion (torch venv only) --

def calibrate_bn(module, batch):
    """Running mean/variance of every BatchNorm := its input's statistics over `batch`
    (one training-mode pass with momentum 1), then eval mode: as models.calibrate_batchnorm."""
    import torch
    bns = [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if bns:
        saved = [m.momentum for m in bns]
        for m in bns:
            m.momentum = 1.0
        module.train()
        with torch.no_grad():
            module(*batch)
        for m, s in zip(bns, saved):
            m.momentum = s
    return module.eval()


def _tensors(arrays):
    import torch
    return tuple(torch.from_numpy(a) for a in arrays)


def build(net):
    """The seeded, BN-calibrated module in eval mode and its example arguments: batch 1, or
    2 where the batch is dynamic (torch.export specializes a dimension traced at size 1)."""
    import numpy as np
    import torch
    from conformance.zoo import models
    torch.manual_seed(models.seed_of(net.name))
    module = net.build()
    calibrate_bn(module, _tensors(models.calibration_batch(net.inputs, models.seed_of(net.name) + 2)))
    batch = 2 if dynamic_shapes(net) else 1
    args = _tensors(models.sample(net.inputs, np.random.default_rng(models.seed_of(net.name) + 3), batch))
    return module, args


def dynamic_shapes(net):
    """torch.export's dynamic_shapes: dimension 0 of every input whose batch is None (the
    converted model's shape_signature -1), or None when every shape is static."""
    if not any(i.shape[0] is None for i in net.inputs):
        return None
    import torch
    batch = torch.export.Dim("batch", min=1, max=4096)
    return tuple({0: batch} if i.shape[0] is None else None for i in net.inputs)


def convert_form(net, module, args, form):
    """One conversion with litert-torch; returns the .tflite bytes."""
    import litert_torch
    dyn = dynamic_shapes(net)
    if form == "float32":
        return bytes(litert_torch.convert(module, args, dynamic_shapes=dyn).model_content())
    import torch
    from litert_torch.quantize import pt2e_quantizer as pq
    from litert_torch.quantize.quant_config import QuantConfig
    from torchao.quantization.pt2e import quantize_pt2e
    from conformance.zoo import models
    if form not in ("pt2e_int8", "pt2e_dynamic"):
        raise ValueError(f"unknown form {form!r}")
    quantizer = pq.PT2EQuantizer().set_global(pq.get_symmetric_quantization_config(
        is_per_channel=True, is_dynamic=form == "pt2e_dynamic"))
    m = quantize_pt2e.prepare_pt2e(torch.export.export(module, args, dynamic_shapes=dyn).module(),
                                   quantizer)
    with torch.no_grad():
        for xs in models.representative(net)():
            m(*_tensors(xs))
    m = quantize_pt2e.convert_pt2e(m, fold_quantize=False)
    return bytes(litert_torch.convert(m, args, dynamic_shapes=dyn,
                                      quant_config=QuantConfig(pt2e_quantizer=quantizer))
                 .model_content())


def worker(name, form_keys):
    """Converts `net` in each form of form_keys ("form=key"), recording under that key."""
    net = torch_models.by_name(name)
    module, args = build(net)
    for form, key in (fk.split("=", 1) for fk in form_keys):
        t0 = time.perf_counter()
        try:
            buf = convert_form(net, module, args, form)
        except Exception as e:  # noqa: BLE001 -- a refusal is a result, recorded
            traceback.print_exc()              # into the network's log
            msg = f"{type(e).__name__}: {e}".strip().splitlines()
            _record(net, form, key=key, error=" | ".join(msg[:3])[:600],
                    seconds=round(time.perf_counter() - t0, 1))
            print(f"{name}/{form}: refused: {msg[0][:300]}", flush=True)
            continue
        _record(net, form, buf, key=key, seconds=round(time.perf_counter() - t0, 1))
        print(f"{name}/{form}: {len(buf)} bytes, {time.perf_counter() - t0:.1f} s", flush=True)


# --------------------------------------------------------------------------- status --

def status():
    """Markdown: one row per (network, form) with the cached record."""
    from conformance.zoo.convert_zoo import model_summary
    rows = ["| network | form | size | seconds | ops | versions / error |", "|---|---|---|---|---|---|"]
    for net in torch_models.TORCH_NETS:
        for form in net.forms:
            rec = meta(net, form)
            if rec is None:
                rows.append(f"| `{net.name}` | {form} | - | - | - | not converted |")
                continue
            if rec.get("error"):
                rows.append(f"| `{net.name}` | {form} | - | {rec['seconds']} | - | {rec['error']} |")
                continue
            with open(_paths(net, form)[0], "rb") as f:
                ops = model_summary(f.read())["ops"]
            v = rec["versions"]
            ops = ", ".join(k + (f"×{n}" if n > 1 else "") for k, n in ops.items())
            rows.append(f"| `{net.name}` | {form} | {rec['bytes'] / 1e6:.2f} MB | {rec['seconds']} | "
                        f"{ops} | torch {v['torch']}, litert-torch {v['litert-torch']} |")
    return "\n".join(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--net", action="append", help="only these networks")
    ap.add_argument("--force", action="store_true", help="convert again even if cached")
    ap.add_argument("--status", action="store_true")
    ap.add_argument("--prune", action="store_true", help="delete cached files of no current (net, form)")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1:])
        return 0
    if args.status:
        print(status())
        return 0
    if args.prune:
        print(f"removed {prune()} files from {os.path.relpath(CACHE_DIR, REPO)}")
        return 0
    py = sys.executable if importlib.util.find_spec("litert_torch") else torch_python()
    if py is None:
        print("convert_torch.py: no litert_torch here and no torch venv (TFLC_TORCH_PYTHON)",
              file=sys.stderr)
        return 2
    nets = [torch_models.by_name(n) for n in args.net] if args.net else torch_models.TORCH_NETS
    for net in nets:
        convert_net(net, py, force=args.force, verbose=True)
    bad = [(n.name, f) for n in nets for f in n.forms if (meta(n, f) or {}).get("error")]
    for n, f in bad:
        print(f"refused: {n}/{f}: {meta(torch_models.by_name(n), f)['error'][:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
