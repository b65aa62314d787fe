#!/bin/sh
# test_cli.sh -- drives the tflc command-line tool against the committed fixtures.
#
#     sh tests/cli/test_cli.sh PATH/TO/tflc tests/models
#
# Prints "N passed, N failed" and exits non-zero on any failure. Checks that need python3
# (JSON validation, comparing .npy outputs with the goldens) are skipped without it; they
# use only python3's standard library (a small .npy reader below), not numpy.
# TFLC_PYTHON selects another interpreter. TFLC_EMULATOR, when set, prefixes every run of the
# binary (a cross build's tests: "qemu-aarch64 -L /usr/aarch64-linux-gnu").

if [ $# -ne 2 ]; then
    echo "usage: sh test_cli.sh TFLC_BINARY MODELS_DIR" >&2
    exit 2
fi
TFLC=$1
MODELS=$2
case $TFLC in /*) ;; *) TFLC=$(pwd)/$TFLC ;; esac
if [ ! -x "$TFLC" ]; then
    echo "test_cli.sh: $TFLC is not an executable" >&2
    exit 2
fi
cd "$MODELS" || exit 2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tflc_cli.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
OUT=$TMP/stdout
ERR=$TMP/stderr

PY=${TFLC_PYTHON:-python3}
if "$PY" -c 'import json, ast, struct' >/dev/null 2>&1; then HAVE_PY=1; else HAVE_PY=0; fi

passed=0
failed=0
skipped=0

ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    printf 'FAIL %s: %s\n' "$1" "$2" >&2
}
skip() {
    skipped=$((skipped + 1))
    printf 'skip %s: %s\n' "$1" "$2" >&2
}

# t_run ARGS...: runs tflc; stdout in $OUT, stderr in $ERR, status in $rc.
t_run() {
    # shellcheck disable=SC2086  # the emulator command is split on purpose
    $TFLC_EMULATOR "$TFLC" "$@" >"$OUT" 2>"$ERR"
    rc=$?
}

# expect_success NAME ARGS...: status 0 and nothing on stderr.
expect_success() {
    name=$1
    shift
    t_run "$@"
    if [ "$rc" -eq 0 ] && [ ! -s "$ERR" ]; then ok; else bad "$name" "status $rc: $(cat "$ERR")"; fi
}

# expect_failure NAME NEEDLE ARGS...: status 1 and exactly one stderr line "tflc: ..." that
# contains NEEDLE.
expect_failure() {
    name=$1
    needle=$2
    shift 2
    t_run "$@"
    lines=$(wc -l <"$ERR" | tr -d ' ')
    if [ "$rc" -ne 1 ]; then
        bad "$name" "status $rc, want 1: $(cat "$ERR")"
    elif [ "$lines" != 1 ]; then
        bad "$name" "stderr has $lines lines, want 1: $(cat "$ERR")"
    elif ! grep -q '^tflc: ' "$ERR"; then
        bad "$name" "stderr does not start with 'tflc: ': $(cat "$ERR")"
    elif ! grep -qF -- "$needle" "$ERR"; then
        bad "$name" "stderr lacks \"$needle\": $(cat "$ERR")"
    else
        ok
    fi
}

# out_has / err_has NAME TEXT: the last run's stdout / stderr contains TEXT.
out_has() {
    if grep -qF -- "$2" "$OUT"; then ok; else bad "$1" "stdout lacks \"$2\": $(head -c 3000 "$OUT")"; fi
}
out_lacks() {
    if grep -qF -- "$2" "$OUT"; then bad "$1" "stdout has \"$2\""; else ok; fi
}
err_has() {
    if grep -qF -- "$2" "$ERR"; then ok; else bad "$1" "stderr lacks \"$2\": $(cat "$ERR")"; fi
}

# mknpy FILE DESCR SHAPE DATA: a .npy (version 1.0, unpadded header) whose data bytes are
# given as printf octal escapes; no python needed.
mknpy() {
    header="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
    len=$((${#header} + 1))
    # shellcheck disable=SC2059
    printf "\\223NUMPY\\001\\000\\$(printf '%03o' "$len")\\000%s\\n$4" "$header" >"$1"
}

# ------------------------------------------------------------- python help --

cat >"$TMP/check.py" <<'EOF'
"""Helpers for test_cli.sh: JSON checks of `tflc info --json` and .npy comparisons,
with only the standard library."""
import ast, json, math, struct, sys

FORMATS = {'<f4': 'f', '<f8': 'd', '<f2': 'e', '|i1': 'b', '<i1': 'b', '|u1': 'B',
           '<i2': 'h', '<u2': 'H', '<i4': 'i', '<u4': 'I', '<i8': 'q', '<u8': 'Q',
           '|b1': '?'}

def load_npy(path):
    b = open(path, 'rb').read()
    if b[:6] != b'\x93NUMPY':
        raise ValueError(path + ': not an npy file')
    if b[6] == 1:
        hlen, off = struct.unpack('<H', b[8:10])[0], 10
    else:
        hlen, off = struct.unpack('<I', b[8:12])[0], 12
    h = ast.literal_eval(b[off:off + hlen].decode('latin1'))
    n = 1
    for d in h['shape']:
        n *= d
    start = off + hlen
    if h['descr'].startswith('|S'):  # bytes: fixed width, trailing NULs dropped (as numpy)
        w = int(h['descr'][2:])
        vals = tuple(b[start + i * w:start + (i + 1) * w].rstrip(b'\0') for i in range(n))
        return 'bytes', tuple(h['shape']), vals
    fmt = FORMATS[h['descr']]
    vals = struct.unpack('<%d%s' % (n, fmt), b[start:start + n * struct.calcsize(fmt)])
    return h['descr'], tuple(h['shape']), vals

def sanitize(name):
    return ''.join(c if c.isascii() and (c.isalnum() or c in '_.-') else '_' for c in name)

def cases(manifest_path, tmp):
    """Prints one line per golden case: ID MODEL ARGS...; writes tmp/ID.expect."""
    m = json.load(open(manifest_path))
    n = 0
    for model_name, model in sorted(m['models'].items()):
        tol = model.get('tolerance', {})
        by_out = model.get('tolerance_by_output', {})
        for case in model.get('cases', []):
            n += 1
            cid = 'case%d' % n
            args = []
            if case.get('signature'):
                args.append('--signature=' + case['signature'])
            for i in case['inputs']:
                args.append('--input=%s=%s' % (i.get('name') or i['tensor_name'], i['file']))
            with open('%s/%s.expect' % (tmp, cid), 'w') as f:
                for o in case['outputs']:
                    name = o.get('name') or o['tensor_name']
                    t = by_out.get(name, tol)
                    f.write('%s\t%s\t%r\t%r\n' % (name, o['file'], t.get('abs', 0.0),
                                                t.get('rel', 0.0)))
            label = '%s/%s/%s' % (model_name, case.get('signature') or 'nosig', case['name'])
            print(cid, label, model['file'], ' '.join(args))

def compare(outdir, expect, stdout):
    """Compares outdir/<sanitized name>.npy with each golden; checks the printed lines."""
    text = open(stdout).read()
    problems = []
    for line in open(expect):
        name, golden, atol, rtol = line.rstrip('\n').split('\t')
        atol, rtol = float(atol), float(rtol)
        gd, gs, gv = load_npy(golden)
        try:
            d, s, v = load_npy('%s/%s.npy' % (outdir, sanitize(name)))
        except Exception as e:
            problems.append('%s: %s' % (name, e))
            continue
        if (d, s) != (gd, gs):
            problems.append('%s: got %s%s, want %s%s' % (name, d, s, gd, gs))
            continue
        for k, (x, y) in enumerate(zip(v, gv)):
            if x == y or (gd != 'bytes' and math.isnan(y) and math.isnan(x)):
                continue
            if gd == 'bytes' or not abs(x - y) <= atol + rtol * abs(y):
                problems.append('%s[%d]: got %r, want %r' % (name, k, x, y))
                break
        dims = ', '.join(str(x) for x in gs)
        prefix = '%s: %s[%s] = ' % (name, 'string' if gd == 'bytes' else 'float32', dims)
        if not any(l.startswith(prefix) for l in text.splitlines()):
            problems.append('stdout lacks a line starting %r' % prefix)
    if problems:
        print('; '.join(problems))
        sys.exit(1)

def info_json(path, manifest_path, model_name):
    """Validates `tflc info --json` output against the manifest's description of a model."""
    d = json.load(open(path))
    model = json.load(open(manifest_path))['models'][model_name]
    assert list(d) == ['signatures', 'subgraphs', 'operators'], list(d)
    for s in d['signatures']:
        if 'error' in s:
            # no runner (e.g. an unregistered custom op): names only, details null
            assert list(s) == ['key', 'subgraph', 'inputs', 'outputs', 'error'], list(s)
            assert s['error'], s
            for t in s['inputs'] + s['outputs']:
                assert t['name'] and t['dtype'] is None and t['shape'] is None, t
            continue
        assert list(s) == ['key', 'subgraph', 'inputs', 'outputs'], list(s)
        for t in s['inputs'] + s['outputs']:
            assert list(t) == ['name', 'dtype', 'shape', 'shape_signature', 'quantization'], t
            assert list(t['quantization']) == ['scales', 'zero_points', 'quantized_dimension']
    if 'subgraphs' in model:
        assert d['subgraphs'] == len(model['subgraphs']), (d['subgraphs'], model['subgraphs'])
        ops = [op for sg in model['subgraphs'] for op in sg['operators']]
    elif isinstance(model['operators'], dict):
        assert d['subgraphs'] == len(model['operators']), d['subgraphs']
        ops = [op for v in model['operators'].values() for op in v]
    else:
        ops = model['operators']
    want_ops = {}
    for op in ops:
        op = op[len('CUSTOM:'):] if op.startswith('CUSTOM:') else op
        want_ops[op] = want_ops.get(op, 0) + 1
    assert d['operators'] == want_ops, (d['operators'], want_ops)
    if 'subgraphs' not in model:
        return
    sigs = model.get('signatures') or {}
    if sigs:
        assert [s['key'] for s in d['signatures']] == list(sigs), d['signatures']
        for s in d['signatures']:
            ws = sigs[s['key']]
            assert s['subgraph'] == ws['subgraph_index'], s
            for kind in ('inputs', 'outputs'):
                got = [(t['name'], t['dtype'], t['shape'], t['shape_signature'])
                       for t in s[kind]]
                want = [(t['name'], t['dtype'], t['shape'], t.get('shape_signature', t['shape']))
                        for t in ws[kind]]
                assert got == want, (kind, got, want)
    else:
        # the default signature: subgraph 0's tensors under their tensor names
        assert len(d['signatures']) == 1 and d['signatures'][0]['key'] == 'serving_default'
        sg = model['subgraphs'][0]
        s = d['signatures'][0]
        assert s['subgraph'] == 0
        assert [t['name'] for t in s['inputs']] == sg['input_names'], s['inputs']
        assert [t['name'] for t in s['outputs']] == sg['output_names'], s['outputs']

if __name__ == '__main__':
    try:
        globals()[sys.argv[1]](*sys.argv[2:])
    except AssertionError as e:
        print('assertion failed:', e)
        sys.exit(1)
EOF

# ---------------------------------------------------------------- basics --

t_run --version
if [ "$rc" -eq 0 ] && grep -q '^tflc [0-9][0-9.]*' "$OUT"; then ok; else bad version "status $rc: $(cat "$OUT" "$ERR")"; fi
t_run help
if [ "$rc" -eq 0 ] && grep -q '^usage: tflc' "$OUT" && grep -q 'tflc info MODEL\|info MODEL' "$OUT"; then ok; else bad help "status $rc"; fi
t_run
if [ "$rc" -eq 0 ] && grep -q '^usage: tflc' "$OUT"; then ok; else bad no_args "status $rc"; fi
t_run frobnicate
if [ "$rc" -eq 2 ] && grep -q 'usage: tflc' "$ERR" && [ ! -s "$OUT" ]; then ok; else bad unknown_command "status $rc, want 2"; fi

# ------------------------------------------------------------------ info --

expect_success info_multi info multi_signatures.tflite
out_has info_multi_add "signature 'add' (subgraph 0)"
out_has info_multi_sub "signature 'sub' (subgraph 1)"
out_has info_multi_x "x: float32 [3]"
out_has info_multi_out "output_0: float32 [3]"
out_has info_multi_subgraphs "subgraphs: 2"
out_has info_multi_add_op "ADD"
out_has info_multi_sub_op "SUB"

expect_success info_keras info keras_dense.tflite
out_has info_keras_sig "signature 'serving_default' (subgraph 0)"
out_has info_keras_input "x_input: float32 [1, 4]  shape_signature [-1, 4]"
out_has info_keras_output "output_0: float32 [1, 1]  shape_signature [-1, 1]"
out_has info_keras_ops "FULLY_CONNECTED 2"

expect_success info_nosig info no_signatures.tflite
out_has info_nosig_default "no SignatureDefs"
out_has info_nosig_key "signature 'serving_default' (subgraph 0)"
out_has info_nosig_input "serving_default_a:0: float32 [2, 3]"
out_has info_nosig_output "PartitionedCall:0: float32 [2, 3]"

expect_success info_json_multi info multi_signatures.tflite --json
if [ "$HAVE_PY" = 1 ]; then
    if "$PY" -c '
import json, sys
d = json.load(sys.stdin)
s = d["signatures"]
assert [x["key"] for x in s] == ["add", "sub"] and [x["subgraph"] for x in s] == [0, 1], s
t = s[0]["inputs"][0]
assert t == {"name": "x", "dtype": "float32", "shape": [3], "shape_signature": [3],
             "quantization": {"scales": [], "zero_points": [], "quantized_dimension": 0}}, t
assert s[1]["outputs"][0]["name"] == "output_0"
assert d["subgraphs"] == 2 and d["operators"] == {"ADD": 1, "SUB": 1}, d
' <"$OUT" >"$TMP/py.out" 2>&1; then ok; else bad info_json_multi_fields "$(cat "$TMP/py.out")"; fi
    # every model: valid JSON that agrees with the manifest
    for model in *.tflite; do
        base=${model%.tflite}
        t_run info "$model" --json
        if [ "$rc" -ne 0 ]; then
            bad "info_json_$base" "status $rc: $(cat "$ERR")"
        elif ! grep -q "\"file\": \"$model\"" MANIFEST.json; then
            # not described by MANIFEST.json (e.g. generate_stateful.py's): shape only
            if "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert list(d) == ["signatures", "subgraphs", "operators"], list(d)
assert all(list(s)[:4] == ["key", "subgraph", "inputs", "outputs"] for s in d["signatures"]), d
' "$OUT" >"$TMP/py.out" 2>&1; then ok; else bad "info_json_$base" "$(cat "$TMP/py.out")"; fi
        elif "$PY" "$TMP/check.py" info_json "$OUT" MANIFEST.json "$base" >"$TMP/py.out" 2>&1; then
            ok
        else
            bad "info_json_$base" "$(cat "$TMP/py.out")"
        fi
    done
else
    skip info_json "no python3"
    out_has info_json_multi_text '"signatures":[{"key":"add","subgraph":0,"inputs":[{"name":"x","dtype":"float32","shape":[3],"shape_signature":[3],"quantization":{"scales":[],"zero_points":[],"quantized_dimension":0}}]'
fi
# exact JSON text for one model: the documented key order and no spaces
t_run info multi_signatures.tflite --json
out_has info_json_shape '"outputs":[{"name":"output_0","dtype":"float32","shape":[3],"shape_signature":[3],"quantization":{"scales":[],"zero_points":[],"quantized_dimension":0}}]}'
out_has info_json_tail '],"subgraphs":2,"operators":{"ADD":1,"SUB":1}}'

# a signature whose runner cannot be created still lists its names, with the reason
if [ -f custom_atanh.tflite ]; then
    expect_success info_unavailable info custom_atanh.tflite
    out_has info_unavailable_reason "tensor details unavailable: "
    out_has info_unavailable_op "Atanh"
    out_has info_unavailable_inputs "inputs: x"
    expect_success info_unavailable_json info custom_atanh.tflite --json
    out_has info_unavailable_json_tensor '{"name":"x","dtype":null,"shape":null,"shape_signature":null,"quantization":null}'
    out_has info_unavailable_json_error '"error":"'
    expect_failure err_unsupported_op "Atanh" run custom_atanh.tflite --fill zeros
fi

# ------------------------------------------------------------------- run --

expect_success run_add run multi_signatures.tflite --signature add --input x=1,2,3
out_has run_add_value "output_0: float32[3] = [2, 4, 6]"
expect_success run_sub run multi_signatures.tflite --signature=sub --input=x=1,2,3
out_has run_sub_value "output_0: float32[3] = [0.5, 3.5, -1]"
expect_success run_list_spaces run multi_signatures.tflite --signature add --input "x= 1, 2.5 ,-3e0"
out_has run_list_spaces_value "output_0: float32[3] = [2, 4.5, 0]"
expect_success run_fill_zeros run multi_signatures.tflite --signature add --fill zeros
out_has run_fill_zeros_value "output_0: float32[3] = [1, 2, 3]"

expect_success run_fill_random run multi_signatures.tflite --signature sub --fill random --seed 7
cp "$OUT" "$TMP/random1"
expect_success run_fill_random_again run multi_signatures.tflite --signature sub --fill random --seed 7
if cmp -s "$OUT" "$TMP/random1"; then ok; else bad run_fill_random_same_seed "outputs differ"; fi
expect_success run_fill_random_seed2 run multi_signatures.tflite --signature sub --fill random --seed 8
if cmp -s "$OUT" "$TMP/random1"; then bad run_fill_random_other_seed "same output for seeds 7 and 8"; else ok; fi

# a list with the input's element count keeps the input's shape [1, 4]
expect_success run_keras_list run keras_dense.tflite --input x_input=1,2,3,4
out_has run_keras_list_shape "output_0: float32[1, 1] = [["
# a .npy of another batch resizes the input: [5, 4] -> [5, 1]
expect_success run_keras_b5 run keras_dense.tflite --input x_input=keras_dense.serving_default.rand_b5.in.x_input.npy
out_has run_keras_b5_shape "output_0: float32[5, 1] = [["

# a model without SignatureDefs runs its default signature, inputs by tensor name
expect_success run_nosig run no_signatures.tflite --input serving_default_a:0=1,2,3,4,5,6 --input serving_default_b:0=1,1,1,2,2,2 --output-dir "$TMP/nosig/a/b"
out_has run_nosig_value "PartitionedCall:0: float32[2, 3] = [[2, 4, 6], [12, 15, 18]]"
if [ -f "$TMP/nosig/a/b/PartitionedCall_0.npy" ]; then ok; else bad run_nosig_output_file "$(ls -R "$TMP/nosig" 2>&1)"; fi

# every golden case of the manifest, compared through --output-dir
if [ "$HAVE_PY" = 1 ]; then
    "$PY" "$TMP/check.py" cases MANIFEST.json "$TMP" >"$TMP/cases" 2>"$TMP/py.out" || bad cases "$(cat "$TMP/py.out")"
    set -f
    while read -r cid label model args; do
        # shellcheck disable=SC2086
        t_run run "$model" $args --output-dir "$TMP/$cid"
        if [ "$rc" -ne 0 ]; then
            bad "golden $label" "status $rc: $(cat "$ERR")"
        elif "$PY" "$TMP/check.py" compare "$TMP/$cid" "$TMP/$cid.expect" "$OUT" >"$TMP/py.out" 2>&1; then
            ok
        else
            bad "golden $label" "$(cat "$TMP/py.out")"
        fi
    done <"$TMP/cases"
    set +f
else
    skip golden_cases "no python3"
fi

# more than 1000 elements: the middle of long axes is elided, numpy style
mknpy "$TMP/zeros400.npy" '<f4' '(400, 4)' ''
head -c 6400 /dev/zero >>"$TMP/zeros400.npy"
expect_success run_elide run dynamic_batch.tflite --input "x=$TMP/zeros400.npy"
out_has run_elide_hidden "hidden: float32[400, 3] = [["
out_has run_elide_dots "], ..., ["
if [ "$(wc -c <"$OUT")" -lt 2000 ]; then ok; else bad run_elide_short "output is $(wc -c <"$OUT") bytes"; fi

# -------------------------------------------------------------- errors --

expect_failure err_missing_input "missing input 'x' (signature 'add' takes: x)" run multi_signatures.tflite --signature add
expect_failure err_missing_inputs "serving_default_a:0" run no_signatures.tflite --input serving_default_b:0=1,2,3,4,5,6
expect_failure err_unknown_input "unknown input 'y'" run multi_signatures.tflite --signature add --input y=1,2,3
err_has err_unknown_input_lists "takes: x"
expect_failure err_duplicate_input "given twice" run multi_signatures.tflite --signature add --input x=1,2,3 --input x=4,5,6
expect_failure err_unknown_signature "unknown signature 'mul'" run multi_signatures.tflite --signature mul --input x=1,2,3
err_has err_unknown_signature_lists "add, sub"
expect_failure err_ambiguous_signature "--signature" run multi_signatures.tflite --input x=1,2,3
printf 'this is not numpy\n' >"$TMP/bad.npy"
expect_failure err_bad_npy "not an npy file" run multi_signatures.tflite --signature add --input "x=$TMP/bad.npy"
err_has err_bad_npy_names_input "input 'x'"
expect_failure err_missing_npy "cannot open" run multi_signatures.tflite --signature add --input "x=$TMP/nonexistent.npy"
mknpy "$TMP/trunc.npy" '<f4' '(3,)' '\000\000\200\077'
expect_failure err_truncated_npy "truncated data" run multi_signatures.tflite --signature add --input "x=$TMP/trunc.npy"
mknpy "$TMP/big.npy" '>f4' '(3,)' '\077\200\000\000\077\200\000\000\077\200\000\000'
expect_failure err_big_endian_npy "big-endian" run multi_signatures.tflite --signature add --input "x=$TMP/big.npy"
mknpy "$TMP/int32.npy" '<i4' '(3,)' '\001\000\000\000\002\000\000\000\003\000\000\000'
expect_failure err_dtype_mismatch "input 'x'" run multi_signatures.tflite --signature add --input "x=$TMP/int32.npy"
err_has err_dtype_mismatch_got "int32"
err_has err_dtype_mismatch_want "float32"
expect_failure err_bad_number "'abc' is not a number" run multi_signatures.tflite --signature add --input x=1,abc,3
expect_failure err_empty_value "empty value" run multi_signatures.tflite --signature add --input x=1,,3
expect_failure err_no_equals "NAME=" run multi_signatures.tflite --signature add --input x
expect_failure err_nonexistent_model "nonexistent.tflite" run "$TMP/nonexistent.tflite" --input x=1
expect_failure err_nonexistent_model_info "nonexistent.tflite" info "$TMP/nonexistent.tflite"
head -c 200 keras_dense.tflite >"$TMP/truncated.tflite"
expect_failure err_truncated_model "truncated.tflite" run "$TMP/truncated.tflite" --input x_input=1,2,3,4
expect_failure err_truncated_model_info "truncated.tflite" info "$TMP/truncated.tflite"
: >"$TMP/empty.tflite"
expect_failure err_empty_model "empty.tflite" info "$TMP/empty.tflite"
expect_failure err_unknown_option "--bogus" run multi_signatures.tflite --bogus
expect_failure err_unknown_info_option "--yaml" info multi_signatures.tflite --yaml
expect_failure err_no_model "missing MODEL" run
expect_failure err_no_model_info "missing MODEL" info
expect_failure err_option_value "--signature" run multi_signatures.tflite --signature
expect_failure err_bad_fill "--fill" run multi_signatures.tflite --signature add --fill ones
expect_failure err_bad_seed "--seed" run multi_signatures.tflite --signature add --fill random --seed x
: >"$TMP/plainfile"
expect_failure err_output_dir_is_file "plainfile" run multi_signatures.tflite --signature add --input x=1,2,3 --output-dir "$TMP/plainfile"

# ---------------------------------------------------------------- bench --
# Short runs only: --runs 3 with no minimum time, so the section takes milliseconds.
Q="--warmup 1 --warmup-min-secs 0 --runs 3 --min-secs 0"
expect_success bench_text bench keras_dense.tflite $Q
out_has bench_text_median "median"
out_has bench_text_arena "arena:"
out_has bench_text_rss "peak RSS:"
out_has bench_text_input "x_input float32[1, 4]"
expect_success bench_litert_flags bench --graph=keras_dense.tflite --num_threads=2 --num_runs=3 --warmup_runs=1 --min_secs=0 --warmup_min_secs=0
out_has bench_litert_flags_threads "threads:          2"
expect_success bench_litert_flags_space bench --graph keras_dense.tflite --num_threads 2 --num_runs 3 --warmup_runs 0 --min_secs 0
out_has bench_litert_flags_space_runs "3 runs"
expect_success bench_signature_litert bench multi_signatures.tflite --signature_to_run_for=sub $Q
out_has bench_signature_litert_key "signature:        sub"
expect_success bench_signature bench multi_signatures.tflite --signature add $Q --fill zeros
out_has bench_signature_key "signature:        add"
expect_success bench_dynamic_is_1 bench dynamic_batch.tflite $Q
out_has bench_dynamic_is_1_shape "x float32[1, 4]"
expect_success bench_input_shape bench dynamic_batch.tflite $Q --input-shape x=5,4
out_has bench_input_shape_shape "x float32[5, 4]"
expect_success bench_input_shape_eq bench dynamic_batch.tflite $Q --input-shape=x=2,4 --threads=2
out_has bench_input_shape_eq_shape "x float32[2, 4]"
expect_success bench_strings bench guide_saved_model.tflite --signature decode $Q
expect_success bench_json bench keras_dense.tflite $Q --json --samples --threads 2
if [ "$HAVE_PY" = 1 ]; then
    if "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for k in ("load_ms", "allocate_ms", "first_ms", "warmup_mean_ms", "mean_ms", "median_ms", "p90_ms",
          "min_ms", "max_ms", "std_ms"):
    assert isinstance(d[k], (int, float)) and d[k] >= 0, k
assert d["min_ms"] <= d["median_ms"] <= d["p90_ms"] <= d["max_ms"], d
assert d["runs"] == 3 and len(d["samples_ms"]) == 3, d
assert d["threads"] == 2 and d["signature"] == "serving_default", d
assert d["inputs"] == [{"name": "x_input", "dtype": "float32", "shape": [1, 4]}], d["inputs"]
assert d["arena_bytes"] > 0 and d["peak_rss_bytes"] > 0, d
for k in ("load_faults", "allocate_faults", "first_faults"):
    assert isinstance(d[k], int) and d[k] >= 0, k
assert d["load_faults"] > 0, d   # mapping and verifying the file touch its pages
' <"$OUT" >"$TMP/py.out" 2>&1; then ok; else bad bench_json_fields "$(cat "$TMP/py.out")"; fi
else
    skip bench_json_fields "no python3"
fi
if [ "$(wc -l <"$OUT" | tr -d ' ')" = 1 ]; then ok; else bad bench_json_one_line "$(head -c 300 "$OUT")"; fi
# Op profiling: a table per operator and one per type (ops_mix: 13 operators, 2 SUB).
expect_success bench_profile bench ops_mix.tflite $Q --profile
out_has bench_profile_table "operator profile"
out_has bench_profile_softmax " SOFTMAX "
out_has bench_profile_by_type "by operator type:"
expect_success bench_profile_off bench ops_mix.tflite $Q
if grep -q "operator profile" "$OUT"; then bad bench_profile_off_default "profile printed without --profile"; else ok; fi
expect_success bench_profile_litert bench ops_mix.tflite $Q --enable_op_profiling=true --threads 2
out_has bench_profile_litert_table "operator profile"
expect_success bench_profile_litert_false bench ops_mix.tflite $Q --enable_op_profiling=false
if grep -q "operator profile" "$OUT"; then bad bench_profile_false "profile printed with =false"; else ok; fi
expect_failure err_bench_profile_bad_bool "--enable_op_profiling 'yes'" bench ops_mix.tflite --enable_op_profiling=yes
expect_success bench_profile_json bench ops_mix.tflite $Q --json --profile
if [ "$HAVE_PY" = 1 ]; then
    if "$PY" -c '
import json, sys
d = json.load(sys.stdin)
p = d["op_profile"]
nodes = p["nodes"]
# operator 6 (an ADD) runs inside the element-wise chain of operator 5: not listed
assert len(nodes) == 12 and sorted(n["index"] for n in nodes) == [i for i in range(13) if i != 6], nodes
assert all(n["mean_ms"] > 0 for n in nodes), nodes
assert [n["mean_ms"] for n in nodes] == sorted((n["mean_ms"] for n in nodes), reverse=True), nodes
assert abs(sum(n["percent"] for n in nodes) - 100) < 0.01, nodes
assert abs(sum(n["mean_ms"] for n in nodes) - p["total_ms"]) < 1e-6 + 1e-6 * p["total_ms"], p
by = {t["op"]: t for t in p["by_op"]}
assert by["SUB"]["count"] == 2 and by["RESHAPE"]["count"] == 2 and by["SOFTMAX"]["count"] == 1, by
assert sum(t["count"] for t in by.values()) == 12 and "ADD" not in by, by
assert [n["shape"] for n in nodes if n["index"] == 12] == [[18]], nodes
' <"$OUT" >"$TMP/py.out" 2>&1; then ok; else bad bench_profile_json_fields "$(cat "$TMP/py.out")"; fi
else
    skip bench_profile_json_fields "no python3"
fi
expect_success bench_json_no_profile bench keras_dense.tflite $Q --json
if grep -q "op_profile" "$OUT"; then bad bench_json_no_profile_key "op_profile without --profile"; else ok; fi
expect_failure err_bench_unknown_signature "unknown signature 'mul'" bench multi_signatures.tflite --signature mul
expect_failure err_bench_unknown_signature_litert "unknown signature 'mul'" bench multi_signatures.tflite --signature_to_run_for=mul
expect_failure err_bench_ambiguous_signature "--signature" bench multi_signatures.tflite $Q
expect_failure err_bench_unknown_option "--bogus" bench keras_dense.tflite --bogus
expect_failure err_bench_unknown_option_eq "--num_threadz=2" bench keras_dense.tflite --num_threadz=2
expect_failure err_bench_no_model "missing MODEL" bench --runs 3
expect_failure err_bench_model_twice "given twice" bench keras_dense.tflite --graph=keras_dense.tflite
expect_failure err_bench_bad_threads "--threads 'x'" bench keras_dense.tflite --threads x
expect_failure err_bench_bad_num_threads "--num_threads '1.5'" bench keras_dense.tflite --num_threads=1.5
expect_failure err_bench_too_many_threads "--threads '100000'" bench keras_dense.tflite --threads 100000
expect_failure err_bench_bad_runs "--runs '0'" bench keras_dense.tflite --runs 0
expect_failure err_bench_bad_num_runs "--runs '-5'" bench keras_dense.tflite --num_runs=-5
expect_failure err_bench_bad_warmup "--warmup 'many'" bench keras_dense.tflite --warmup_runs many
expect_failure err_bench_bad_secs "--min-secs '-1'" bench keras_dense.tflite --min-secs -1
expect_failure err_bench_nan_secs "--min-secs 'nan'" bench keras_dense.tflite --min_secs=nan
expect_failure err_bench_missing_value "--runs" bench keras_dense.tflite --runs
expect_failure err_bench_shape_unknown_input "unknown input 'y'" bench keras_dense.tflite --input-shape y=1,4
expect_failure err_bench_shape_bad_dims "dimensions must be" bench keras_dense.tflite --input-shape x_input=1,a
expect_failure err_bench_shape_no_eq "NAME=" bench keras_dense.tflite --input-shape x_input
expect_failure err_bench_shape_refused "allocate failed" bench keras_dense.tflite $Q --input-shape x_input=1,5
expect_failure err_bench_bad_fill "--fill" bench keras_dense.tflite --fill ones
expect_failure err_bench_nonexistent_model "nonexistent.tflite" bench "$TMP/nonexistent.tflite"

[ "$skipped" -eq 0 ] || printf '%d skipped\n' "$skipped"
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
