"""Checks that checkpoints tflc writes restore in TensorFlow (the other direction, TensorFlow
-> tflc, is tests/unit/test_training.c). Run by hand, in the venv of generate_training.py
with the tflc Python package installed in it:

    build/venv-train/bin/pip install --no-deps .
    build/venv-train/bin/python tests/models/check_checkpoint_in_tf.py

1. tflc trains train_guide.tflite for 20 steps on the fixtures' batch and saves (the model's
   save signature: FlexSave). TensorFlow then reads that file three ways: tf.raw_ops.Restore,
   tf.train.load_checkpoint, and the guide's Model.restore() in eager mode.
   - the values read are the same in all three and have TensorFlow's names, dtypes, shapes;
   - they are within the tolerance of TensorFlow's own 20-step weights (guide.ckpt);
   - TensorFlow's infer() with them gives tflc's infer() outputs (within the tolerance);
   - TensorFlow's save() of them writes the very bytes tflc wrote.
2. tflc restores dtypes.ckpt into train_dtypes.tflite and saves it again; TensorFlow restores
   every variable of that file (8 dtypes) with the values it saved, and the bytes are equal.
Exit status 0 when everything holds.
"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import generate_training as gen  # noqa: E402  (sets TF_USE_LEGACY_KERAS before TensorFlow)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tflc  # noqa: E402

TOL_ABS, TOL_REL = 2e-6, 2e-5  # as tests/unit/test_training.c
NAMES = ["dense_1/kernel:0", "dense_1/bias:0", "dense_2/kernel:0", "dense_2/bias:0"]
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


def close(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return bool(np.all(np.abs(got - want) <= TOL_ABS + TOL_REL * np.abs(want)))


def path_arg(path):
    return np.array(path, dtype=np.bytes_)


def guide(tmp):
    x = np.load(os.path.join(HERE, "train_guide.x.npy"))
    y = np.load(os.path.join(HERE, "train_guide.y.npy"))
    infer_x = np.load(os.path.join(HERE, "train_guide.infer_x.npy"))
    model = os.path.join(HERE, "train_guide.tflite")
    interp = tflc.Interpreter(model_path=model)
    train = interp.get_signature_runner("train")
    losses = [float(train(x=x, y=y)["loss"]) for _ in range(gen.STEPS)]
    check(close(losses, np.load(os.path.join(HERE, "train_guide.losses.npy"))), "tflc's 20 losses are TensorFlow's")
    tflc_infer = interp.get_signature_runner("infer")(x=infer_x)
    path = os.path.join(tmp, "tflc.ckpt")
    interp.get_signature_runner("save")(checkpoint_path=path_arg(path))

    raw = {n: tf.raw_ops.Restore(file_pattern=path, tensor_name=n, dt=tf.float32).numpy() for n in NAMES}
    reader = tf.train.load_checkpoint(path)
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    check(sorted(shapes) == sorted(NAMES), "tf.train.load_checkpoint lists the 4 weights: %s" % sorted(shapes))
    check(all(dtypes[n] == tf.float32 and list(raw[n].shape) == shapes[n] for n in NAMES),
          "dtypes and shapes: %s" % {n: shapes[n] for n in NAMES})
    check(all(np.array_equal(reader.get_tensor(n), raw[n]) for n in NAMES),
          "tf.train.load_checkpoint reads what tf.raw_ops.Restore reads")

    tf_trained = {n: tf.raw_ops.Restore(file_pattern=os.path.join(gen.CKPT_DIR, "guide.ckpt"), tensor_name=n,
                                        dt=tf.float32).numpy() for n in NAMES}
    worst = max(float(np.max(np.abs(raw[n] - tf_trained[n]) / (TOL_ABS + TOL_REL * np.abs(tf_trained[n]))))
                for n in NAMES)
    check(worst <= 1.0, "tflc's trained weights vs TensorFlow's: %.3f of the tolerance" % worst)

    m = gen.Model()
    m.restore(tf.constant(path))
    check(all(np.array_equal(w.numpy(), raw[w.name]) for w in m.model.weights),
          "the guide's Model.restore() (eager) assigns those values")
    tf_infer = m.infer(infer_x)
    check(close(tf_infer["logits"].numpy(), tflc_infer["logits"]) and
          close(tf_infer["output"].numpy(), tflc_infer["output"]),
          "TensorFlow's infer() on tflc's checkpoint gives tflc's infer() outputs")
    again = os.path.join(tmp, "tf_again.ckpt")
    m.save(tf.constant(again))
    with open(path, "rb") as a, open(again, "rb") as b:
        check(a.read() == b.read(), "TensorFlow's save() of the restored weights writes tflc's bytes (%d)"
              % os.path.getsize(path))


def dtypes(tmp):
    interp = tflc.Interpreter(model_path=os.path.join(HERE, "train_dtypes.tflite"))
    interp.get_signature_runner("restore")(checkpoint_path=path_arg(os.path.join(gen.CKPT_DIR, "dtypes.ckpt")))
    path = os.path.join(tmp, "tflc_dtypes.ckpt")
    interp.get_signature_runner("save")(checkpoint_path=path_arg(path))
    for name, want in gen.DTYPE_SAVED.items():
        got = tf.raw_ops.Restore(file_pattern=path, tensor_name=name, dt=tf.as_dtype(np.asarray(want).dtype))
        check(np.array_equal(got.numpy(), want) and got.dtype.as_numpy_dtype == np.asarray(want).dtype,
              "dtypes.ckpt via tflc: %s %s %s" % (name, got.dtype.name, got.numpy().tolist()))
    with open(path, "rb") as a, open(os.path.join(gen.CKPT_DIR, "dtypes.ckpt"), "rb") as b:
        check(a.read() == b.read(), "tflc's save of the dtypes writes TensorFlow's bytes")


def main():
    gen.check_keras2()
    print("TensorFlow %s, tf-keras %s, tflc %s" % (tf.__version__, gen.keras_version(), tflc.__version__))
    with tempfile.TemporaryDirectory() as tmp:
        guide(tmp)
        dtypes(tmp)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
