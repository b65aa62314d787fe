#!/usr/bin/env python3
"""One convolution layer alone, tflc against LiteRT + XNNPACK, shape by shape.

    python bench/layer_ops.py [--tflc build/tflc] [--out build/bench/layer_ops]
                              [--only SUBSTR] [--variants float32,int8] [--blocks 3]
                              [--runs 200] [--min-secs 0.3] [--threads 1] [--force]
                              [--markdown FILE]

Run it with a Python that has TensorFlow (the converter) and ai-edge-litert, e.g.
/work/venv-gen/bin/python or build/venv-bench/bin/python. Each case is one Keras layer
(Conv2D or DepthwiseConv2D, SAME padding, bias, the activation of the network it comes from)
with the input shape, kernel, stride and output channels of a layer of MobileNet V1, V2,
EfficientNet B0 or ResNet50 (224x224 input), converted by the TF converter to float32 and to
full-integer int8 (seeded random weights and representative dataset, int8 input and output).
So the .tflite holds one CONV_2D or DEPTHWISE_CONV_2D as the converter writes it inside those
networks. Models are cached in --out (rebuilt with --force).

Timing, per case and variant, interleaved: a tflc block (`tflc bench --json --samples`,
--runs runs and --min-secs seconds after a warmup), then a LiteRT block (Interpreter(
model_path, num_threads=--threads), its default XNNPACK delegate, the native Invoke timed in a loop
after a warmup), --blocks times. The table gives the median over every timed invoke of each
side and the ratio tflc/LiteRT, with the layer's GFLOP/s (2 x multiply-adds / time) on each
side. LiteRT's figures include the Python call of Invoke (about a microsecond here).

This is the per-layer profile behind RESULTS.md's "Where tflc's time goes": it shows which
layer shapes the whole-model ratios come from.
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

# name -> (kind, input H, W, C, kernel, stride, output channels (conv), activation)
CASES = {
    "mv1_conv0_224x224x3_k3s2_32": ("conv", 224, 224, 3, 3, 2, 32, "relu6"),
    "mv1_dw_112x112x32_k3s1": ("dw", 112, 112, 32, 3, 1, 0, "relu6"),
    "mv1_pw_112x112x32_64": ("conv", 112, 112, 32, 1, 1, 64, "relu6"),
    "mv1_dw_56x56x128_k3s1": ("dw", 56, 56, 128, 3, 1, 0, "relu6"),
    "mv1_pw_56x56x128_128": ("conv", 56, 56, 128, 1, 1, 128, "relu6"),
    "mv1_dw_28x28x256_k3s1": ("dw", 28, 28, 256, 3, 1, 0, "relu6"),
    "mv1_pw_28x28x256_256": ("conv", 28, 28, 256, 1, 1, 256, "relu6"),
    "mv1_dw_14x14x512_k3s1": ("dw", 14, 14, 512, 3, 1, 0, "relu6"),
    "mv1_pw_14x14x512_512": ("conv", 14, 14, 512, 1, 1, 512, "relu6"),
    "mv1_dw_7x7x1024_k3s1": ("dw", 7, 7, 1024, 3, 1, 0, "relu6"),
    "mv1_pw_7x7x1024_1024": ("conv", 7, 7, 1024, 1, 1, 1024, "relu6"),
    "mv2_expand_112x112x16_96": ("conv", 112, 112, 16, 1, 1, 96, "relu6"),
    "mv2_dw_112x112x96_k3s2": ("dw", 112, 112, 96, 3, 2, 0, "relu6"),
    "mv2_project_56x56x96_24": ("conv", 56, 56, 96, 1, 1, 24, None),
    "mv2_expand_56x56x24_144": ("conv", 56, 56, 24, 1, 1, 144, "relu6"),
    "mv2_dw_56x56x144_k3s1": ("dw", 56, 56, 144, 3, 1, 0, "relu6"),
    "mv2_dw_14x14x384_k3s1": ("dw", 14, 14, 384, 3, 1, 0, "relu6"),
    "mv2_project_14x14x384_64": ("conv", 14, 14, 384, 1, 1, 64, None),
    "mv2_dw_7x7x960_k3s1": ("dw", 7, 7, 960, 3, 1, 0, "relu6"),
    "mv2_last_7x7x320_1280": ("conv", 7, 7, 320, 1, 1, 1280, "relu6"),
    # The rest of MobileNet V2's distinct layers (its first convolution and first depthwise
    # layer have mv1_conv0's and mv1_dw_112x112x32's shapes).
    "mv2_project_112x112x32_16": ("conv", 112, 112, 32, 1, 1, 16, None),
    "mv2_project_56x56x144_24": ("conv", 56, 56, 144, 1, 1, 24, None),
    "mv2_dw_56x56x144_k3s2": ("dw", 56, 56, 144, 3, 2, 0, "relu6"),
    "mv2_project_28x28x144_32": ("conv", 28, 28, 144, 1, 1, 32, None),
    "mv2_expand_28x28x32_192": ("conv", 28, 28, 32, 1, 1, 192, "relu6"),
    "mv2_dw_28x28x192_k3s1": ("dw", 28, 28, 192, 3, 1, 0, "relu6"),
    "mv2_project_28x28x192_32": ("conv", 28, 28, 192, 1, 1, 32, None),
    "mv2_dw_28x28x192_k3s2": ("dw", 28, 28, 192, 3, 2, 0, "relu6"),
    "mv2_project_14x14x192_64": ("conv", 14, 14, 192, 1, 1, 64, None),
    "mv2_expand_14x14x64_384": ("conv", 14, 14, 64, 1, 1, 384, "relu6"),
    "mv2_project_14x14x384_96": ("conv", 14, 14, 384, 1, 1, 96, None),
    "mv2_expand_14x14x96_576": ("conv", 14, 14, 96, 1, 1, 576, "relu6"),
    "mv2_dw_14x14x576_k3s1": ("dw", 14, 14, 576, 3, 1, 0, "relu6"),
    "mv2_project_14x14x576_96": ("conv", 14, 14, 576, 1, 1, 96, None),
    "mv2_dw_14x14x576_k3s2": ("dw", 14, 14, 576, 3, 2, 0, "relu6"),
    "mv2_project_7x7x576_160": ("conv", 7, 7, 576, 1, 1, 160, None),
    "mv2_expand_7x7x160_960": ("conv", 7, 7, 160, 1, 1, 960, "relu6"),
    "mv2_project_7x7x960_160": ("conv", 7, 7, 960, 1, 1, 160, None),
    "mv2_project_7x7x960_320": ("conv", 7, 7, 960, 1, 1, 320, None),
    "eb0_dw_28x28x240_k5s1": ("dw", 28, 28, 240, 5, 1, 0, None),
    "eb0_dw_14x14x672_k5s1": ("dw", 14, 14, 672, 5, 1, 0, None),
    "r50_conv1_224x224x3_k7s2_64": ("conv", 224, 224, 3, 7, 2, 64, "relu"),
    "r50_1x1_56x56x256_64": ("conv", 56, 56, 256, 1, 1, 64, "relu"),
    "r50_3x3_56x56x64_64": ("conv", 56, 56, 64, 3, 1, 64, "relu"),
    "r50_3x3_14x14x256_256": ("conv", 14, 14, 256, 3, 1, 256, "relu"),
}


def macs(case):
    kind, h, w, c, k, s, n, _ = case
    oh, ow = (h + s - 1) // s, (w + s - 1) // s
    return oh * ow * (c * k * k if kind == "dw" else n * c * k * k)


def build(name, variant, path):
    import tensorflow as tf
    kind, h, w, c, k, s, n, act = CASES[name]
    rng = np.random.default_rng(SEED)
    x = tf.keras.Input(shape=(h, w, c), batch_size=1, name="input")
    init = tf.keras.initializers.RandomNormal(stddev=0.5 if kind == "dw" else 0.1, seed=SEED)
    binit = tf.keras.initializers.RandomUniform(-0.5, 0.5, seed=SEED + 1)
    if kind == "dw":
        layer = tf.keras.layers.DepthwiseConv2D(k, strides=s, padding="same", activation=act,
                                                depthwise_initializer=init, bias_initializer=binit)
    else:
        layer = tf.keras.layers.Conv2D(n, k, strides=s, padding="same", activation=act,
                                       kernel_initializer=init, bias_initializer=binit)
    model = tf.keras.Model(x, layer(x))
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant == "int8":
        def rep():
            for _ in range(8):
                yield [rng.uniform(-1.0, 1.0, (1, h, w, c)).astype(np.float32)]

        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    data = conv.convert()
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def tflc_block(tflc, path, runs, min_secs, threads):
    p = subprocess.run([tflc, "bench", path, "--threads", str(threads),
                        "--warmup", "20", "--warmup-min-secs", "0.05",
                        "--runs", str(runs), "--min-secs", f"{min_secs:g}", "--samples", "--json"],
                       capture_output=True, text=True, check=True)
    r = json.loads(p.stdout)
    return [v / 1e3 for v in r["samples_ms"]] if "samples_ms" in r else [r["median_ms"] / 1e3]


def litert_block(path, runs, min_secs, threads):
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_path=path, num_threads=threads)
    it.allocate_tensors()
    d = it.get_input_details()[0]
    rng = np.random.default_rng(0)
    if d["dtype"] == np.int8:
        it.set_tensor(d["index"], rng.integers(-128, 128, d["shape"], dtype=np.int8))
    else:
        it.set_tensor(d["index"], rng.uniform(-1.0, 1.0, d["shape"]).astype(np.float32))
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
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "layer_ops"))
    ap.add_argument("--only", default="")
    ap.add_argument("--variants", default="float32,int8")
    ap.add_argument("--blocks", type=int, default=3)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--min-secs", type=float, default=0.3)
    ap.add_argument("--threads", type=int, default=1, help="num_threads on both sides")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--markdown", default="", help="also write the table to this file")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    variants = [v for v in args.variants.split(",") if v]
    jobs = [(n, v) for n in CASES if args.only in n for v in variants]
    for n, v in jobs:
        path = os.path.join(args.out, f"{n}_{v}.tflite")
        if args.force or not os.path.exists(path):
            print(f"building {n} {v}", file=sys.stderr, flush=True)
            build(n, v, path)
    lines = ["| layer | variant | tflc median us | LiteRT median us | tflc / LiteRT "
             "| tflc GFLOP/s | LiteRT GFLOP/s |", "|---|---|---:|---:|---:|---:|---:|"]
    print("\n".join(lines), flush=True)
    for n, v in jobs:
        path = os.path.join(args.out, f"{n}_{v}.tflite")
        t, x = [], []
        for _ in range(args.blocks):
            t += tflc_block(args.tflc, path, args.runs, args.min_secs, args.threads)
            x += litert_block(path, args.runs, args.min_secs, args.threads)
        tm, xm = float(np.median(t)), float(np.median(x))
        gflop = 2.0 * macs(CASES[n]) / 1e9
        line = (f"| {n} | {v} | {tm * 1e6:.1f} | {xm * 1e6:.1f} | {tm / xm:.2f} "
                f"| {gflop / tm:.1f} | {gflop / xm:.1f} |")
        lines.append(line)
        print(line, flush=True)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
