#!/usr/bin/env python3
"""Builds the benchmark models with the real TensorFlow converter, as float32 and int8.

    python bench/make_models.py [--out build/bench/models] [--only NAME,...] [--force]

The model zoo does not exist yet, so these stand in for it: the Keras applications
MobileNet V1, V2, V3 Large, EfficientNet B0 and ResNet50 (224x224x3, 1000 classes), a
Transformer encoder block, an LSTM text classifier, and the signatures guide's Keras model.
Weights are random (weights=None, Keras' seeded initializers): speed does not depend on the
values, and nothing is downloaded. Every model has a fixed batch of 1, as zoo models do.

Each model is written twice:
  NAME_float32.tflite   TFLiteConverter.from_keras_model(model).convert()
  NAME_int8.tflite      full-integer quantization: Optimize.DEFAULT, a seeded random
                        representative dataset (8 samples), TFLITE_BUILTINS_INT8 only,
                        int8 inputs and outputs where the input is float; if the converter
                        fails or crashes on that, dynamic-range quantization (int8
                        weights, float activations), recorded as such in models.json
The guide's float model is the committed fixture tests/models/keras_dense.tflite itself.

Results are cached: a model is rebuilt only when missing, when its recipe (RECIPE) changed,
or with --force. models.json beside them records, per file, the recipe, sha256, size,
operator histogram and the versions used; a model that failed to convert is recorded with
the converter's error instead of a file.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import time
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1234
CALIBRATION_SAMPLES = 8
# Bump when the way models are built changes: cached files with another recipe are rebuilt.
RECIPE = 2

MODEL_NAMES = ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0",
               "resnet50", "transformer_block", "lstm_text", "keras_dense"]


# ------------------------------------------------------------------ models --

def _keras():
    import keras  # noqa: delayed so --help works without TensorFlow
    return keras


def fixed_batch(model, shape, dtype="float32"):
    """model applied to an Input of batch 1, so every dimension is static."""
    keras = _keras()
    inp = keras.Input(shape=shape, batch_size=1, dtype=dtype, name="input")
    return keras.Model(inp, model(inp))


def app(factory, **kwargs):
    def build():
        keras = _keras()
        m = getattr(keras.applications, factory)(weights=None, input_shape=(224, 224, 3), **kwargs)
        return fixed_batch(m, (224, 224, 3))
    return build


def transformer_block(seq=128, dim=256, heads=4, ff=1024):
    """A post-norm Transformer encoder block: self-attention and a GELU feed-forward."""
    keras = _keras()
    layers = keras.layers
    x = keras.Input(shape=(seq, dim), batch_size=1, name="input")
    att = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads, name="attention")(x, x)
    h = layers.LayerNormalization(epsilon=1e-6, name="norm1")(layers.Add()([x, att]))
    f = layers.Dense(ff, activation="gelu", name="ff1")(h)
    f = layers.Dense(dim, name="ff2")(f)
    y = layers.LayerNormalization(epsilon=1e-6, name="norm2")(layers.Add()([h, f]))
    return keras.Model(x, y, name="transformer_block")


def lstm_text(seq=64, vocab=10000, embed=128, units=128, classes=2):
    """Token ids -> Embedding -> LSTM -> Dense softmax: a small sentiment-style model."""
    keras = _keras()
    layers = keras.layers
    x = keras.Input(shape=(seq,), batch_size=1, dtype="int32", name="tokens")
    h = layers.Embedding(vocab, embed, name="embedding")(x)
    h = layers.LSTM(units, name="lstm")(h)
    y = layers.Dense(classes, activation="softmax", name="classes")(h)
    return keras.Model(x, y, name="lstm_text")


def keras_dense():
    """The signatures guide's Keras model, with tests/models/generate.py's initializers."""
    keras = _keras()
    normal = lambda seed: keras.initializers.RandomNormal(mean=0.0, stddev=0.8, seed=seed)  # noqa: E731
    uniform = lambda lo, hi, seed: keras.initializers.RandomUniform(lo, hi, seed=seed)  # noqa: E731
    return keras.Sequential([
        keras.Input(shape=(4,), name="x_input"),
        keras.layers.Dense(2, activation="relu", name="x", kernel_initializer=normal(11),
                           bias_initializer=uniform(0.1, 0.5, 12)),
        keras.layers.Dense(1, activation="relu", name="output", kernel_initializer=uniform(-0.5, 1.0, 13),
                           bias_initializer=uniform(0.0, 0.3, 14)),
    ])


# name -> (builder, description, representative input: (shape, kind, low, high))
SPECS = {
    "mobilenet_v1": (app("MobileNet"), "keras.applications.MobileNet(alpha=1.0), 224x224x3, 1000 classes",
                     ((1, 224, 224, 3), "float", -1.0, 1.0)),
    "mobilenet_v2": (app("MobileNetV2"), "keras.applications.MobileNetV2(alpha=1.0), 224x224x3",
                     ((1, 224, 224, 3), "float", -1.0, 1.0)),
    "mobilenet_v3_large": (app("MobileNetV3Large"),
                           "keras.applications.MobileNetV3Large (with its Rescaling layer), 224x224x3",
                           ((1, 224, 224, 3), "float", 0.0, 255.0)),
    "efficientnet_b0": (app("EfficientNetB0"),
                        "keras.applications.EfficientNetB0 (with Rescaling and Normalization), 224x224x3",
                        ((1, 224, 224, 3), "float", 0.0, 255.0)),
    "resnet50": (app("ResNet50"), "keras.applications.ResNet50, 224x224x3",
                 ((1, 224, 224, 3), "float", -128.0, 128.0)),
    "transformer_block": (transformer_block,
                          "Transformer encoder block: MultiHeadAttention(4 heads, key_dim 64) + "
                          "residual + LayerNorm, Dense(1024, gelu) + Dense(256) + residual + "
                          "LayerNorm; input [1, 128, 256]",
                          ((1, 128, 256), "float", -1.0, 1.0)),
    "lstm_text": (lstm_text, "Embedding(10000, 128) -> LSTM(128) -> Dense(2, softmax); input int32 "
                             "token ids [1, 64]",
                  ((1, 64), "int", 0, 10000)),
    "keras_dense": (keras_dense, "the signatures guide's Keras model: Dense(2, relu) -> Dense(1, relu) "
                                 "on [batch, 4] (batch dynamic)",
                    ((1, 4), "float", -1.0, 1.0)),
}


# -------------------------------------------------------------- converting --

def set_seeds(seed):
    import numpy as np
    import tensorflow as tf
    np.random.seed(seed)
    tf.random.set_seed(seed)
    _keras().utils.set_random_seed(seed)


def representative_dataset(spec, seed):
    import numpy as np
    shape, kind, lo, hi = spec

    def gen():
        rng = np.random.default_rng(seed)
        for _ in range(CALIBRATION_SAMPLES):
            if kind == "int":
                yield [rng.integers(lo, hi, size=shape, dtype=np.int32)]
            else:
                yield [rng.uniform(lo, hi, size=shape).astype(np.float32)]
    return gen


# int8 recipes, tried in order until one converts: full-integer quantization first; if the
# converter fails (or crashes: LSTM calibration does in TF 2.21), dynamic-range quantization
# (int8 weights, float activations), which is what such a model ships as.
INT8_RECIPES = ["full_integer", "dynamic_range"]


def convert(model, variant, rep_spec, seed, recipe="full_integer"):
    import tensorflow as tf
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant == "int8" and recipe == "full_integer":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative_dataset(rep_spec, seed)
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if rep_spec[1] == "float":
            conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    elif variant == "int8" and recipe == "dynamic_range":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    return conv.convert()


def convert_in_child(name, variant, recipe, path):
    """Builds and converts in a child process (the converter can crash the interpreter);
    writes the .tflite to path and returns (params, None) or (None, error message)."""
    import subprocess
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, variant, recipe, path]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 0 and os.path.exists(path):
        try:
            return json.loads(p.stdout.strip().splitlines()[-1])["params"], None
        except Exception:  # noqa: BLE001
            return None, None
    if p.returncode < 0:
        import signal
        try:
            sig = signal.Signals(-p.returncode).name
        except ValueError:
            sig = str(-p.returncode)
        return None, f"the converter crashed ({sig}) with recipe {recipe}"
    lines = [ln for ln in p.stderr.strip().splitlines() if ln.strip()]
    err = next((ln for ln in reversed(lines) if "Error" in ln or "error" in ln), lines[-1] if lines else "?")
    return None, f"conversion failed with recipe {recipe}: {err.strip()[:600]}"


def child_main(name, variant, recipe, path):
    builder, desc, rep = SPECS[name]
    set_seeds(SEED)
    model = builder()
    buf = convert(model, variant, rep, SEED, recipe)
    with open(path, "wb") as f:
        f.write(buf)
    print(json.dumps({"params": int(model.count_params())}))
    return 0


def op_histogram(buf):
    from ai_edge_litert import schema_py_generated as schema
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAs(buf, 0))
    hist = {}
    for sg in m.subgraphs:
        for op in sg.operators or []:
            oc = m.operatorCodes[op.opcodeIndex]
            code = max(oc.builtinCode, oc.deprecatedBuiltinCode)
            name = names.get(code, str(code))
            if name == "CUSTOM":
                name = oc.customCode.decode() if isinstance(oc.customCode, bytes) else str(oc.customCode)
            hist[name] = hist.get(name, 0) + 1
    return dict(sorted(hist.items()))


def versions():
    import numpy
    import tensorflow as tf
    import ai_edge_litert
    v = {"python": sys.version.split()[0], "tensorflow": tf.__version__, "keras": _keras().__version__,
         "numpy": numpy.__version__}
    try:
        from importlib.metadata import version
        v["ai_edge_litert"] = version("ai-edge-litert")
    except Exception:  # noqa: BLE001
        v["ai_edge_litert"] = getattr(ai_edge_litert, "__version__", "?")
    return v


def recipe_key(name, variant):
    builder, desc, rep = SPECS[name]
    return {"recipe": RECIPE, "seed": SEED, "calibration_samples": CALIBRATION_SAMPLES, "desc": desc,
            "variant": variant, "representative": list(map(str, rep))}


def build_one(name, variant, out_dir, manifest, force):
    """Returns the manifest entry for NAME_variant, building the file if needed."""
    key = f"{name}_{variant}"
    path = os.path.join(out_dir, key + ".tflite")
    recipe = recipe_key(name, variant)
    old = manifest.get(key)
    if not force and old and old.get("recipe") == recipe and (
            ("error" in old) or (os.path.exists(path) and sha256_file(path) == old.get("sha256"))):
        return old, False
    builder, desc, rep = SPECS[name]
    entry = {"name": name, "variant": variant, "description": desc, "recipe": recipe}
    t0 = time.time()
    if name == "keras_dense" and variant == "float32":
        src = os.path.join(ROOT, "tests", "models", "keras_dense.tflite")
        shutil.copyfile(src, path)
        buf = open(path, "rb").read()
        entry["source"] = "tests/models/keras_dense.tflite (committed fixture, copied)"
    else:
        errors = []
        for recipe_name in (INT8_RECIPES if variant == "int8" else ["float"]):
            params, err = convert_in_child(name, variant, recipe_name, path)
            if err is None:
                break
            errors.append(err)
        if err is not None:
            entry["error"] = "; ".join(errors)
            if os.path.exists(path):
                os.remove(path)
            print(f"  {key}: {entry['error']}", flush=True)
            return entry, True
        if variant == "int8":
            entry["quantization"] = recipe_name
            if errors:
                entry["quantization_note"] = "; ".join(errors)
        buf = open(path, "rb").read()
        entry["params"] = params
    entry.update({"file": os.path.relpath(path, ROOT), "bytes": len(buf), "sha256": hashlib.sha256(buf).hexdigest(),
                  "operators": op_histogram(buf), "build_secs": round(time.time() - t0, 1)})
    print(f"  {key}: {len(buf) / 1e6:.1f} MB, {sum(entry['operators'].values())} operators, "
          f"{entry['build_secs']} s", flush=True)
    return entry, True


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "models"))
    ap.add_argument("--only", default="", help="comma-separated model names (default: all): " + ", ".join(MODEL_NAMES))
    ap.add_argument("--variants", default="float32,int8")
    ap.add_argument("--force", action="store_true", help="rebuild even when cached")
    ap.add_argument("--child", nargs=4, metavar=("NAME", "VARIANT", "RECIPE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child_main(*args.child)
    names = [n for n in args.only.split(",") if n] or MODEL_NAMES
    for n in names:
        if n not in SPECS:
            ap.error(f"unknown model '{n}' (known: {', '.join(MODEL_NAMES)})")
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in ("float32", "int8"):
            ap.error(f"unknown variant '{v}'")
    os.makedirs(args.out, exist_ok=True)
    mpath = os.path.join(args.out, "models.json")
    manifest = json.load(open(mpath)) if os.path.exists(mpath) else {}
    models = manifest.setdefault("models", {})
    changed = False
    for n in names:
        for v in variants:
            entry, built = build_one(n, v, args.out, models, args.force)
            models[f"{n}_{v}"] = entry
            changed |= built
            if built:  # save as we go: a later failure keeps what was built
                manifest["versions"] = versions()
                json.dump(manifest, open(mpath, "w"), indent=1, sort_keys=True)
    if not changed:
        print(f"models up to date in {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
