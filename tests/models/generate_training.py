"""Fixtures for on-device training: the TFLite guide's example ("On-device training with
LiteRT", https://www.tensorflow.org/lite/examples/on_device_training/overview) converted
with the real converter, with TensorFlow eager's losses, predictions and checkpoints.

The guide's code runs here unchanged, with Keras 2 as the guide assumes. TensorFlow 2.16+
makes tf.keras Keras 3, whose variables a tf.Module does not track: the SavedModel then has
no variable values, the converter emits no initialization subgraph (no CALL_ONCE) and the
converted model's variables start uninitialized. So this script sets TF_USE_LEGACY_KERAS=1
and needs tf-keras (Keras 2) pinned to the TensorFlow version, in its own venv:

    python3 -m venv build/venv-train
    build/venv-train/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0 \\
        ai-edge-litert==2.3.0 numpy==2.4.6
    build/venv-train/bin/python tests/models/generate_training.py

(With Keras 3 the guide's code needs these changes, and converts then too: `weight.name` ->
`weight.path`, `weight.read_value()` -> `tf.identity(weight)`, `tf.ensure_shape(restored,
var.shape)` before `var.assign`, and the Keras variables made visible to tf.Module, e.g.
`self._tf_vars = [v.value for v in model.weights + optimizer.variables]` after
`optimizer.build(model.trainable_variables)`. The fixtures below use the guide's code.)

Files (beside this script; every .npy is little-endian, C order):
  train_guide.tflite                 the guide's Model: signatures train(x, y) -> loss,
                                     infer(x) -> output, logits, save(checkpoint_path),
                                     restore(checkpoint_path) -> the 4 weights
  train_guide.x.npy, .y.npy          float32 [16,28,28] in [0,1), float32 [16,10] one-hot
  train_guide.losses.npy             float32 [20]: loss of each of 20 eager train(x, y) calls
  train_guide.infer_x.npy            float32 [4,28,28]
  train_guide.initial.{output,logits}.npy   eager infer(infer_x) before training, [4,10]
  train_guide.trained.{output,logits}.npy   eager infer(infer_x) after the 20 steps
  train_tf_checkpoint/guide.ckpt     eager save() after the 20 steps (tf.raw_ops.Save)
  train_dtypes.tflite                save(path) / restore(path) of 8 variables of several
                                     dtypes (restore: Restore -> EnsureShape -> assign)
  train_dtypes.<var>.npy             the values TensorFlow saved in dtypes.ckpt (they differ
                                     from the variables' initial values)
  train_tf_checkpoint/dtypes.ckpt    eager save() of those values
  train_tf_checkpoint/alltypes.ckpt  tf.raw_ops.Save of float16, complex, int16, uint16,
                                     string and empty tensors (ALLTYPES below)
  train_tf_checkpoint/slices.ckpt    tf.raw_ops.SaveSlices: w = arange(24).reshape(4, 6) as
                                     three slices in one file
  train_tf_checkpoint/sharded.ckpt-0000{0,1}-of-00002  the same w as two shards (rows 0-2,
                                     row 3), for the Restore pattern "sharded.ckpt-*"
  TRAINING_VERSIONS.json             versions, seeds, operator lists, and how far TensorFlow
                                     eager moves when its own kernels change (oneDNN off)

tests/models/check_checkpoint_in_tf.py checks the other direction (a checkpoint tflc wrote
restores in TensorFlow).
"""
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_USE_LEGACY_KERAS"] = "1"  # tf.keras is Keras 2 (tf-keras), as in the guide

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
CKPT_DIR = os.path.join(OUT_DIR, "train_tf_checkpoint")
GLOBAL_SEED = 1234   # tf.keras.utils.set_random_seed: the initial weights
DATA_SEED = 4321     # np.random.default_rng: images and labels
STEPS = 20
BATCH = 16
INFER_BATCH = 4

# ------------------------------------------------------- the guide's model --
# Copied from the guide ("Build a model for on-device training"), unchanged.

IMG_SIZE = 28


class Model(tf.Module):

    def __init__(self):
        self.model = tf.keras.Sequential([
            tf.keras.layers.Flatten(input_shape=(IMG_SIZE, IMG_SIZE), name='flatten'),
            tf.keras.layers.Dense(128, activation='relu', name='dense_1'),
            tf.keras.layers.Dense(10, name='dense_2')
        ])

        self.model.compile(
            optimizer='sgd',
            loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True))

    # The `train` function takes a batch of input images and labels.
    @tf.function(input_signature=[
        tf.TensorSpec([None, IMG_SIZE, IMG_SIZE], tf.float32),
        tf.TensorSpec([None, 10], tf.float32),
    ])
    def train(self, x, y):
        with tf.GradientTape() as tape:
            prediction = self.model(x)
            loss = self.model.loss(y, prediction)
        gradients = tape.gradient(loss, self.model.trainable_variables)
        self.model.optimizer.apply_gradients(
            zip(gradients, self.model.trainable_variables))
        result = {"loss": loss}
        return result

    @tf.function(input_signature=[
        tf.TensorSpec([None, IMG_SIZE, IMG_SIZE], tf.float32),
    ])
    def infer(self, x):
        logits = self.model(x)
        probabilities = tf.nn.softmax(logits, axis=-1)
        return {
            "output": probabilities,
            "logits": logits
        }

    @tf.function(input_signature=[tf.TensorSpec(shape=[], dtype=tf.string)])
    def save(self, checkpoint_path):
        tensor_names = [weight.name for weight in self.model.weights]
        tensors_to_save = [weight.read_value() for weight in self.model.weights]
        tf.raw_ops.Save(
            filename=checkpoint_path, tensor_names=tensor_names,
            data=tensors_to_save, name='save')
        return {
            "checkpoint_path": checkpoint_path
        }

    @tf.function(input_signature=[tf.TensorSpec(shape=[], dtype=tf.string)])
    def restore(self, checkpoint_path):
        restored_tensors = {}
        for var in self.model.weights:
            restored = tf.raw_ops.Restore(
                file_pattern=checkpoint_path, tensor_name=var.name, dt=var.dtype,
                name='restore')
            var.assign(restored)
            restored_tensors[var.name] = restored
        return restored_tensors


def convert(module, signatures):
    """The guide's conversion: SavedModel, builtins + Select TF ops, resource variables."""
    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(module, d, signatures=signatures)
        converter = tf.lite.TFLiteConverter.from_saved_model(d)
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS,  # enable LiteRT ops.
            tf.lite.OpsSet.SELECT_TF_OPS  # enable TensorFlow ops.
        ]
        converter.experimental_enable_resource_variables = True
        return converter.convert()


def guide_signatures(m):
    return {
        'train': m.train.get_concrete_function(),
        'infer': m.infer.get_concrete_function(),
        'save': m.save.get_concrete_function(),
        'restore': m.restore.get_concrete_function(),
    }


def training_data():
    rng = np.random.default_rng(DATA_SEED)
    x = rng.random((BATCH, IMG_SIZE, IMG_SIZE), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]
    infer_x = rng.random((INFER_BATCH, IMG_SIZE, IMG_SIZE), dtype=np.float32)
    return x, y, infer_x


def eager_run(m, x, y, infer_x):
    """What the fixtures record from TensorFlow eager, on module m (fresh weights)."""
    initial = {k: v.numpy() for k, v in m.infer(infer_x).items()}
    losses = np.array([m.train(x, y)["loss"].numpy() for _ in range(STEPS)], dtype=np.float32)
    trained = {k: v.numpy() for k, v in m.infer(infer_x).items()}
    return losses, initial, trained


# ------------------------------------------------------- dtypes of Save/Restore --

DTYPE_INITIAL = {
    "f32": np.array([[1.5, -2.0, 0.0], [3.25, -0.0, 1e-3]], np.float32),
    "f64": np.array([1.0 / 3, -2.5], np.float64),
    "i32": np.array([7, -1, 2147483647, -2147483648], np.int32),
    "i64": np.array([1 << 40, -5], np.int64),
    "i8": np.array([-128, 5, 127], np.int8),
    "u8": np.array([0, 200, 255], np.uint8),
    "b": np.array([True, False, True]),
    "scalar": np.float32(42.0),
}
# What TensorFlow assigns before saving dtypes.ckpt: every element changes.
DTYPE_SAVED = {
    "f32": np.array([[-7.0, 0.1, np.inf], [1e30, 2.5, -1e-3]], np.float32),
    "f64": np.array([-1.0 / 7, 1e300], np.float64),
    "i32": np.array([-2147483648, 0, 1, -300], np.int32),
    "i64": np.array([-(1 << 62), 9], np.int64),
    "i8": np.array([127, -1, 0], np.int8),
    "u8": np.array([255, 1, 128], np.uint8),
    "b": np.array([False, True, False]),
    "scalar": np.float32(-0.5),
}


# alltypes.ckpt: every dtype the Save op writes (uint32, uint64 and bfloat16 it refuses).
ALLTYPES = {
    "float16": np.array([1.5, -2.0, 65504.0], np.float16),
    "complex64": np.array([1 + 2j, -3.5j], np.complex64),
    "complex128": np.array([[0.25 - 1j]], np.complex128),
    "int16": np.array([-300, 300, 7], np.int16),
    "uint16": np.array([0, 65535, 7], np.uint16),
    "string": np.array([b"ab", b"", b"\x00\xff"], object),
    "empty": np.zeros([2, 0], np.float32),
}


class Dtypes(tf.Module):
    """Save and restore of variables of several dtypes, written as the guide writes them,
    with Keras 3's tf.ensure_shape before each assign (so FlexEnsureShape is exercised)."""

    def __init__(self):
        super().__init__()
        self.names = list(DTYPE_INITIAL)
        self.vars = [tf.Variable(DTYPE_INITIAL[k], name=k) for k in self.names]

    @tf.function(input_signature=[tf.TensorSpec([], tf.string)])
    def save(self, checkpoint_path):
        tf.raw_ops.Save(filename=checkpoint_path, tensor_names=self.names,
                        data=[tf.identity(v) for v in self.vars], name='save')
        return {"checkpoint_path": checkpoint_path}

    @tf.function(input_signature=[tf.TensorSpec([], tf.string)])
    def restore(self, checkpoint_path):
        out = {}
        for name, var in zip(self.names, self.vars):
            restored = tf.raw_ops.Restore(file_pattern=checkpoint_path, tensor_name=name,
                                          dt=var.dtype, name='restore')
            restored = tf.ensure_shape(restored, var.shape)
            var.assign(restored)
            out[name] = restored
        return out


# --------------------------------------------------------------- helpers --

def write(name, data):
    with open(os.path.join(OUT_DIR, name), "wb") as f:
        f.write(data)


def save_npy(name, array):
    np.save(os.path.join(OUT_DIR, name), np.asarray(array), allow_pickle=False)  # (ascontiguousarray makes 0-d 1-d)


def operator_lists(model_bytes):
    from tensorflow.lite.python import schema_py_generated as schema
    m = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(model_bytes, 0))
    names = {v: k for k, v in schema.BuiltinOperator.__dict__.items() if not k.startswith("_")}
    out = {}
    for i, sg in enumerate(m.subgraphs):
        ops = []
        for op in sg.operators:
            code = m.operatorCodes[op.opcodeIndex]
            builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
            ops.append(code.customCode.decode() if builtin == schema.BuiltinOperator.CUSTOM else names[builtin])
        out["%d:%s" % (i, (sg.name or b"").decode())] = ops
    return out


def max_rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-30)))


def keras_version():
    """tf-keras' version when tf.keras is Keras 2, else None."""
    if not tf.keras.__name__.startswith("tf_keras"):
        return None
    import tf_keras
    return tf_keras.__version__


def check_keras2():
    if keras_version() is None:
        sys.exit("generate_training.py needs Keras 2 (tf-keras, TF_USE_LEGACY_KERAS=1), got tf.keras = %s; "
                 "see this script's docstring" % tf.keras.__name__)


# ------------------------------------------------------------------ main --

def make_guide():
    tf.keras.utils.set_random_seed(GLOBAL_SEED)
    m = Model()
    model_bytes = convert(m, guide_signatures(m))
    write("train_guide.tflite", model_bytes)
    x, y, infer_x = training_data()
    save_npy("train_guide.x.npy", x)
    save_npy("train_guide.y.npy", y)
    save_npy("train_guide.infer_x.npy", infer_x)
    losses, initial, trained = eager_run(m, x, y, infer_x)
    save_npy("train_guide.losses.npy", losses)
    for k in ("output", "logits"):
        save_npy("train_guide.initial.%s.npy" % k, initial[k])
        save_npy("train_guide.trained.%s.npy" % k, trained[k])
    path = os.path.join(CKPT_DIR, "guide.ckpt")
    m.save(tf.constant(path))
    # The checkpoint restores in TensorFlow into a fresh module, giving the trained model.
    fresh = Model()
    fresh.restore(tf.constant(path))
    restored = fresh.infer(infer_x)["logits"].numpy()
    assert np.array_equal(restored, trained["logits"]), "TensorFlow's own checkpoint does not round-trip"
    return model_bytes, losses, initial, trained


def make_dtypes():
    m = Dtypes()
    model_bytes = convert(m, {"save": m.save.get_concrete_function(),
                              "restore": m.restore.get_concrete_function()})
    write("train_dtypes.tflite", model_bytes)
    for name, var in zip(m.names, m.vars):
        var.assign(DTYPE_SAVED[name])
        save_npy("train_dtypes.%s.npy" % name, DTYPE_SAVED[name])
    m.save(tf.constant(os.path.join(CKPT_DIR, "dtypes.ckpt")))
    return model_bytes


def make_format_fixtures():
    """Checkpoints written by tf.raw_ops.Save / SaveSlices directly, for the reader and writer
    tests of tests/unit/test_training.c (which knows these values)."""
    tf.raw_ops.Save(filename=os.path.join(CKPT_DIR, "alltypes.ckpt"), name="save",
                    tensor_names=list(ALLTYPES), data=[tf.constant(v) for v in ALLTYPES.values()])
    w = np.arange(24, dtype=np.float32).reshape(4, 6)
    tf.raw_ops.SaveSlices(filename=os.path.join(CKPT_DIR, "slices.ckpt"), tensor_names=["w", "w", "w"],
                          shapes_and_slices=["4 6 0,2:0,3", "4 6 0,2:3,3", "4 6 2,2:-"],
                          data=[tf.constant(w[0:2, 0:3]), tf.constant(w[0:2, 3:6]), tf.constant(w[2:4, :])])
    tf.raw_ops.SaveSlices(filename=os.path.join(CKPT_DIR, "sharded.ckpt-00000-of-00002"), tensor_names=["w"],
                          shapes_and_slices=["4 6 0,3:-"], data=[tf.constant(w[0:3])])
    tf.raw_ops.SaveSlices(filename=os.path.join(CKPT_DIR, "sharded.ckpt-00001-of-00002"), tensor_names=["w"],
                          shapes_and_slices=["4 6 3,1:-"], data=[tf.constant(w[3:4])])
    for pattern in ("slices.ckpt", "sharded.ckpt-*"):
        got = tf.raw_ops.Restore(file_pattern=os.path.join(CKPT_DIR, pattern), tensor_name="w", dt=tf.float32)
        assert np.array_equal(got.numpy(), w), pattern


def eager_spread():
    """Runs the eager part again in a subprocess with oneDNN off (TensorFlow's plain Eigen
    kernels): how far TensorFlow moves from itself when only its kernels change."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "eager.npz")
        env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS="0")
        subprocess.run([sys.executable, os.path.abspath(__file__), "--eager-only", out], env=env, check=True)
        with np.load(out) as z:
            return {k: z[k] for k in z.files}


def eager_only(out):
    tf.keras.utils.set_random_seed(GLOBAL_SEED)
    m = Model()
    x, y, infer_x = training_data()
    losses, initial, trained = eager_run(m, x, y, infer_x)
    np.savez(out, losses=losses, initial_logits=initial["logits"], trained_logits=trained["logits"],
             trained_output=trained["output"])


def main():
    check_keras2()
    if len(sys.argv) == 3 and sys.argv[1] == "--eager-only":
        eager_only(sys.argv[2])
        return
    # Stale outputs of this script only (other generators write to this directory too).
    for f in os.listdir(OUT_DIR):
        if f.startswith("train_") and f.endswith((".npy", ".tflite")):
            os.remove(os.path.join(OUT_DIR, f))
    os.makedirs(CKPT_DIR, exist_ok=True)
    for f in os.listdir(CKPT_DIR):
        os.remove(os.path.join(CKPT_DIR, f))
    guide_bytes, losses, initial, trained = make_guide()
    dtypes_bytes = make_dtypes()
    make_format_fixtures()
    spread = eager_spread()
    info = {
        "python": sys.version.split()[0],
        "tensorflow": tf.__version__,
        "tf_keras": keras_version(),
        "numpy": np.__version__,
        "global_seed": GLOBAL_SEED,
        "data_seed": DATA_SEED,
        "steps": STEPS,
        "losses": [float(v) for v in losses],
        "eager_onednn_off_vs_on_max_rel": {
            "losses": max_rel(spread["losses"], losses),
            "initial_logits": max_rel(spread["initial_logits"], initial["logits"]),
            "trained_logits": max_rel(spread["trained_logits"], trained["logits"]),
            "trained_output": max_rel(spread["trained_output"], trained["output"]),
        },
        "operators": {"train_guide": operator_lists(guide_bytes), "train_dtypes": operator_lists(dtypes_bytes)},
    }
    with open(os.path.join(OUT_DIR, "TRAINING_VERSIONS.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    print("losses:", " ".join("%.7g" % v for v in losses))
    print("oneDNN off vs on, max relative difference:", info["eager_onednn_off_vs_on_max_rel"])


if __name__ == "__main__":
    main()
