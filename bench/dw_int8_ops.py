#!/usr/bin/env python3
"""int8 DEPTHWISE_CONV_2D alone, tflc against LiteRT + XNNPACK, shape by shape.

    python bench/dw_int8_ops.py [--tflc build/tflc] [--out build/bench/dw_ops] [--only SUBSTR]
                                [--blocks 3] [--runs 200] [--min-secs 0.3] [--force]

Run it with a Python that has TensorFlow (the converter) and ai-edge-litert, e.g.
/work/venv-gen/bin/python. Each case is one Keras DepthwiseConv2D (depth multiplier 1, SAME
padding, bias, the activation of the network it comes from) converted with full-integer
quantization (seeded random representative dataset, int8 input and output), so the .tflite
holds a single DEPTHWISE_CONV_2D with per-channel weights, as the converter writes it inside
MobileNet V2 and EfficientNet B0. Models are cached in --out (rebuilt with --force).

Timing, per case, interleaved: a tflc block (`tflc bench --json`, --runs runs and --min-secs
seconds after a warmup), then a LiteRT block (Interpreter(model_path, num_threads=1), its
default XNNPACK delegate, the native Invoke timed in a loop after a warmup), --blocks times.
The table gives the median and the minimum over every timed invoke of each side, and the ratio
tflc/LiteRT of each. LiteRT's figures include the Python call of Invoke (about a microsecond on
this machine: compare it with the small cases' times).
"""
import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1234

# name -> (input H, W, C, kernel, stride, activation); MobileNet V2 (224x224 input) and
# EfficientNet B0's 5x5 layers
CASES = {
    "mv2_112x112x32_k3s1": (112, 112, 32, 3, 1, "relu6"),
    "mv2_112x112x96_k3s2": (112, 112, 96, 3, 2, "relu6"),
    "mv2_56x56x144_k3s1": (56, 56, 144, 3, 1, "relu6"),
    "mv2_56x56x144_k3s2": (56, 56, 144, 3, 2, "relu6"),
    "mv2_28x28x192_k3s1": (28, 28, 192, 3, 1, "relu6"),
    "mv2_28x28x192_k3s2": (28, 28, 192, 3, 2, "relu6"),
    "mv2_14x14x384_k3s1": (14, 14, 384, 3, 1, "relu6"),
    "mv2_14x14x576_k3s1": (14, 14, 576, 3, 1, "relu6"),
    "mv2_14x14x576_k3s2": (14, 14, 576, 3, 2, "relu6"),
    "mv2_7x7x960_k3s1": (7, 7, 960, 3, 1, "relu6"),
    "eb0_56x56x144_k5s2": (56, 56, 144, 5, 2, None),
    "eb0_28x28x240_k5s1": (28, 28, 240, 5, 1, None),
    "eb0_14x14x672_k5s1": (14, 14, 672, 5, 1, None),
    "eb0_7x7x1152_k5s1": (7, 7, 1152, 5, 1, None),
}


def build(name, path):
    import tensorflow as tf
    h, w, c, k, s, act = CASES[name]
    rng = np.random.default_rng(SEED)
    x = tf.keras.Input(shape=(h, w, c), batch_size=1, name="input")
    init = tf.keras.initializers.RandomNormal(stddev=0.5, seed=SEED)
    binit = tf.keras.initializers.RandomUniform(-0.5, 0.5, seed=SEED + 1)
    y = tf.keras.layers.DepthwiseConv2D(k, strides=s, padding="same", activation=act,
                                        depthwise_initializer=init, bias_initializer=binit)(x)
    model = tf.keras.Model(x, y)

    def rep():
        for _ in range(8):
            yield [rng.uniform(-1.0, 1.0, (1, h, w, c)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    data = conv.convert()
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def tflc_block(tflc, path, runs, min_secs):
    p = subprocess.run([tflc, "bench", path, "--warmup", "20", "--warmup-min-secs", "0.05",
                        "--runs", str(runs), "--min-secs", f"{min_secs:g}", "--samples", "--json"],
                       capture_output=True, text=True, check=True)
    r = json.loads(p.stdout)
    return [v / 1e3 for v in r["samples_ms"]] if "samples_ms" in r else [r["median_ms"] / 1e3]


def litert_block(path, runs, min_secs):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    rng = np.random.default_rng(0)
    it.set_tensor(d["index"], rng.integers(-128, 128, d["shape"], dtype=np.int8))
    invoke = getattr(getattr(it, "_interpreter", None), "Invoke", None) or it.invoke
    clock = time.perf_counter
    for _ in range(20):
        invoke()
    samples, start = [], clock()
    while len(samples) < runs or clock() - start < min_secs:
        a = clock()
        invoke()
        samples.append(clock() - a)
    return samples


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tflc", default=os.path.join(ROOT, "build", "tflc"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "dw_ops"))
    ap.add_argument("--only", default="")
    ap.add_argument("--blocks", type=int, default=3)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--min-secs", type=float, default=0.3)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    names = [n for n in CASES if args.only in n]
    for n in names:
        path = os.path.join(args.out, n + ".tflite")
        if args.force or not os.path.exists(path):
            print(f"building {n}", file=sys.stderr, flush=True)
            build(n, path)
    print("| case | tflc median us | XNNPACK median us | ratio | tflc min us | XNNPACK min us | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for n in names:
        path = os.path.join(args.out, n + ".tflite")
        t, x = [], []
        for _ in range(args.blocks):
            t += tflc_block(args.tflc, path, args.runs, args.min_secs)
            x += litert_block(path, args.runs, args.min_secs)
        tm, xm = np.median(t) * 1e6, np.median(x) * 1e6
        tn, xn = np.min(t) * 1e6, np.min(x) * 1e6
        print(f"| {n} | {tm:.1f} | {xm:.1f} | {tm / xm:.2f} | {tn:.1f} | {xn:.1f} | {tn / xn:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
