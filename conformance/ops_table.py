#!/usr/bin/env python3
"""Regenerates README.md's operator table and conformance summary.

The operator list comes from the library's registry (tflc_builtin_operator_count/_name and
tflc_flex_operators, read from build/libtflc.so with ctypes); the dtypes/forms per operator
from the latest conformance report (build/conformance/report.json: the forms with a passing
case), so the table says what was checked against LiteRT, not what was intended.

    python conformance/ops_table.py [--lib build/libtflc.so] [--report build/conformance/report.json]

The README sections between <!-- ops-table:begin --> / <!-- ops-table:end --> and
<!-- conformance:begin --> / <!-- conformance:end --> are replaced.
"""
import argparse
import ctypes
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORM_ORDER = ["float32", "float16", "dynamic", "int8", "int8_float_io", "int16x8", "uint8", "int16",
              "int32", "int64", "bool", "string"]


def registry(lib_path):
    lib = ctypes.CDLL(lib_path)
    lib.tflc_builtin_operator_count.restype = ctypes.c_int
    lib.tflc_builtin_operator_name.restype = ctypes.c_char_p
    lib.tflc_builtin_operator_name.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    lib.tflc_flex_operators.restype = ctypes.c_char_p
    ops = []
    for i in range(lib.tflc_builtin_operator_count()):
        versions = ctypes.c_char_p()
        name = lib.tflc_builtin_operator_name(i, ctypes.byref(versions))
        ops.append((name.decode(), versions.value.decode()))
    return sorted(ops), lib.tflc_flex_operators().decode()


def passing_forms(report_path):
    forms = {}
    with open(report_path) as f:
        report = json.load(f)
    for case in report["cases"]:
        if case["status"] != "pass" or case["family"] == "zoo":
            continue
        for op in case["ops"]:
            forms.setdefault(op, set()).add(case["form"])
    return forms, report


def table(ops, flex, forms):
    lines = ["| operator | versions | checked against LiteRT (forms with a passing case) |",
             "|---|---|---|"]
    for name, versions in ops:
        got = sorted(forms.get(name, ()), key=lambda f: FORM_ORDER.index(f) if f in FORM_ORDER else 99)
        lines.append(f"| {name} | {versions} | {', '.join(got) if got else 'no single-op case (model fixtures and unit tests)'} |")
    lines.append("")
    lines.append(f"Select TensorFlow ops run natively: {flex} (byte-exact with TensorFlow on "
                 "the cases in tests/flex/). Custom operators: `tflc_interpreter_options.custom_ops`.")
    lines.append("")
    lines.append("Forms: `int8` full-integer with int8 inputs/outputs, `int8_float_io` full-integer "
                 "inside float inputs/outputs, `int16x8` 16-bit activations with 8-bit weights, "
                 "`dynamic` dynamic-range (hybrid) int8 weights, `float16` float16 weights.")
    return "\n".join(lines)


def replace_section(text, tag, body):
    pattern = re.compile(rf"(<!-- {tag}:begin -->\n).*?(<!-- {tag}:end -->)", re.S)
    if not pattern.search(text):
        sys.exit(f"README.md has no <!-- {tag}:begin --> ... <!-- {tag}:end --> section")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", default=os.path.join(ROOT, "build", "libtflc.so"))
    ap.add_argument("--report", default=os.path.join(ROOT, "build", "conformance", "report.json"))
    ap.add_argument("--summary", default=os.path.join(ROOT, "build", "conformance", "summary.md"))
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    args = ap.parse_args()
    ops, flex = registry(args.lib)
    forms, _ = passing_forms(args.report)
    with open(args.readme) as f:
        text = f.read()
    text = replace_section(text, "ops-table", table(ops, flex, forms))
    with open(args.summary) as f:
        text = replace_section(text, "conformance", f.read().rstrip())
    with open(args.readme, "w") as f:
        f.write(text)
    print(f"README.md: {len(ops)} builtin operators, {sum(1 for o, _ in ops if o in forms)} with a passing case")


if __name__ == "__main__":
    main()
