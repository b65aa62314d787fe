#!/usr/bin/env python3
"""Writes the committed conformance subset: tests/conformance/, run by `make test` without
TensorFlow (tests/unit/test_conformance.c).

    python conformance/run.py --export            run every family, then export
    python conformance/export_subset.py           export from the last full run's
                                                  build/conformance/report.json and work/

Chooses passing cases whose files (model, inputs, goldens) are small (< 64 KiB per case,
< 20 MiB in all), at least one per (operator, dtype/form) when one fits, in report order,
preferring cases where LiteRT's builtin and reference kernels agree.
Writes, per case id (the name with '/' -> '.'):

    <id>.tflite              the converted model
    <id>.in<k>.npy           input k, in the order of tflc's runner inputs
    <id>.out<k>.npy          output k from LiteRT's builtin kernels, in tflc's output order
    <id>.ref<k>.npy          output k from LiteRT's reference kernels, only for cases where
                             the two disagree (tflc passes if it matches either set)
    cases.txt                the manifest, one line per case (format in its header)
    VERSIONS.txt             the tools the goldens came from

Every *.tflite, *.npy and the two text files in the directory are replaced; other files
are left alone.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MAX_CASE_BYTES = 64 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
NUMERIC_KINDS = "fiubc"

MANIFEST_HEADER = """\
# tflc conformance subset, written by conformance/export_subset.py; do not edit.
# One case per line, fields separated by one space:
#   id model kind ulp rel abs ops inputs outputs [ref_outputs]
# kind: exact | ulp | rel (as conformance/case.py's Tolerance):
#   exact  float outputs equal (+0 == -0, NaN == NaN); other dtypes bit-exact
#   ulp    float elements within `ulp` units in the last place, or within `abs` if abs > 0
#   rel    |got - want| <= abs + rel * max|want| over the output
# Integer, bool and quantized outputs are always bit-exact.
# ops: comma-separated builtin operators the case exercises.
# inputs, outputs: comma-separated .npy files ('-' for none) in the order of tflc's runner
# inputs and outputs (tflc_runner_input_at / tflc_runner_output_at) of the model's only
# signature; each input is resized to its file's shape before allocation.
# ref_outputs, only where LiteRT's builtin and reference kernels disagree beyond the
# tolerance: the reference kernels' outputs; a case passes if it matches either set.
"""


def case_files(res, work_root):
    """[(src, dst_suffix)] for one case, or None if it cannot be exported."""
    io = res.get("io")
    if not io or not res.get("model"):
        return None
    work = os.path.join(work_root, res["id"])
    files = [(os.path.join(REPO, res["model"]), ".tflite")]
    kinds = [("in", io["inputs"], "in"), ("out", io["outputs"], "want")]
    if res.get("litert_disagree") and not res.get("builtin_only"):
        kinds.append(("ref", io["outputs"], "ref"))
    for kind, lst, prefix in kinds:
        for pos, t in enumerate(lst):
            if t.get("tflc_pos") is None:
                return None
            files.append((os.path.join(work, f"{prefix}{pos}.npy"), f".{kind}{t['tflc_pos']}.npy"))
    for src, _ in files:
        if not os.path.exists(src):
            return None
        if src.endswith(".npy"):
            a = np.load(src, mmap_mode="r", allow_pickle=False)
            if a.dtype.kind not in NUMERIC_KINDS:
                return None
    return files


def choose(results, work_root, max_case=MAX_CASE_BYTES, max_total=MAX_TOTAL_BYTES):
    """Passing, small cases: every case that covers a new (op, form), and every builtin_only
    case (each pins a builtin kernel's arithmetic that breadth alone would miss); nothing
    else (the subset is for breadth, the full suite for depth)."""
    chosen, covered, total = [], set(), 0
    # stable: cases where LiteRT's two kernel sets agree first
    for res in sorted(results, key=lambda r: bool(r.get("litert_disagree"))):
        if res.get("status") != "pass":
            continue
        keys = {(op, res["form"]) for op in res["ops"]}
        if keys <= covered and not res.get("builtin_only"):
            continue
        files = case_files(res, work_root)
        if files is None:
            continue
        size = sum(os.path.getsize(src) for src, _ in files)
        if size >= max_case or total + size > max_total:
            continue
        chosen.append((res, files))
        covered |= keys
        total += size
    order = {id(r): i for i, r in enumerate(results)}
    chosen.sort(key=lambda rf: order[id(rf[0])])
    return chosen, total


def manifest_line(res, files):
    t = res["tolerance"]

    def group(kind):
        names = [res["id"] + suf for _, suf in files if suf.startswith(f".{kind}")]
        return sorted(names, key=lambda f: int(f.rsplit(f".{kind}", 1)[1][:-4]))
    fields = [res["id"], res["id"] + ".tflite", t["kind"], str(int(t["ulp"])), repr(float(t["rel"])),
              repr(float(t["abs"])), ",".join(res["ops"]) or "-", ",".join(group("in")) or "-",
              ",".join(group("out")) or "-"]
    if res.get("litert_disagree") and not res.get("builtin_only"):
        fields.append(",".join(group("ref")))
    for f in fields:
        if not f or any(c.isspace() or c == "#" for c in f):
            raise ValueError(f"case {res['name']}: field {f!r} cannot go in the manifest")
    return " ".join(fields)


def export(report, work_root, dest, allow_partial=False):
    meta = report["meta"]
    if meta.get("filters") and not allow_partial:
        print(f"export: the run was filtered ({meta['filters']}); the subset comes from a full "
              "run (python conformance/run.py --export). Nothing written.", file=sys.stderr)
        return 1
    chosen, total = choose(report["cases"], work_root)
    os.makedirs(dest, exist_ok=True)
    for f in os.listdir(dest):
        if f.endswith((".tflite", ".npy")) or f in ("cases.txt", "VERSIONS.txt"):
            os.remove(os.path.join(dest, f))
    lines = []
    for res, files in chosen:
        for src, suf in files:
            shutil.copyfile(src, os.path.join(dest, res["id"] + suf))
        lines.append(manifest_line(res, files))
    with open(os.path.join(dest, "cases.txt"), "w") as f:
        f.write(MANIFEST_HEADER + "".join(line + "\n" for line in lines))
    v = meta["versions"]
    ops = sorted({op for res, _ in chosen for op in res["ops"]})
    with open(os.path.join(dest, "VERSIONS.txt"), "w") as f:
        f.write("# Tools that made tests/conformance/ (conformance/export_subset.py).\n")
        f.write(f"date: {meta['date']}\n")
        f.write(f"git_commit: {meta.get('git_commit')}\n")
        f.write(f"python: {v['python']}\n")
        f.write(f"tensorflow: {v['tensorflow']}\n")
        f.write(f"ai-edge-litert: {v['ai-edge-litert']}\n")
        f.write(f"numpy: {v['numpy']}\n")
        f.write(f"flatbuffers: {v.get('flatbuffers')}\n")
        f.write(f"reference: ai_edge_litert.interpreter.Interpreter, {meta['reference']} "
                f"(goldens); {meta['also']} where only it agrees with tflc\n")
        f.write(f"tflc: {meta['tflc']} ({meta['runner']})\n")
        f.write(f"command: {meta['command']} --export\n" if "--export" not in meta["command"]
                else f"command: {meta['command']}\n")
        f.write(f"cases: {len(chosen)}\nops: {len(ops)}\nbytes: {total}\n")
    print(f"export: {len(chosen)} cases, {len(ops)} ops, {total / 1024:.0f} KiB -> "
          f"{os.path.relpath(dest)}")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--report", default=os.path.join(REPO, "build", "conformance", "report.json"))
    p.add_argument("--dest", default=os.path.join(REPO, "tests", "conformance"))
    p.add_argument("--allow-partial", action="store_true",
                   help="export even if the run was filtered to some families or cases")
    a = p.parse_args(argv)
    with open(a.report) as f:
        report = json.load(f)
    work_root = os.path.join(os.path.dirname(os.path.abspath(a.report)), "work")
    return export(report, work_root, os.path.abspath(a.dest), a.allow_partial)


if __name__ == "__main__":
    sys.exit(main())
