"""Fixtures for stateful signatures: variables shared by signatures, an initialization
subgraph that fills a lookup table, WHILE with a data-dependent trip count, IF on a runtime
predicate. Made with the real TensorFlow converter from SavedModels; goldens from TensorFlow
eager running the same tf.Module.

    .venv-gen/bin/python tests/models/generate_stateful.py

Files (beside this script):
  state_counter.tflite       signatures "inc"(x: float32[]) -> value, "read"() -> value;
                             variable v starts at 10.0 (set by the init subgraph)
  state_counter.golden.npy   float32 [n]: the value after each call of the sequence below
  state_vector.tflite        signatures "bump"() -> w (w += 1), "read"() -> w; w: float32[256]
  state_table.tflite         signatures "lookup"(keys: string[None]) -> values (int64),
                             "size"() -> n; a StaticHashTable filled by the init subgraph
  state_keras_{gru,lstm,simple_rnn}.tflite  Keras recurrent layers (WHILE loops), goldens
                             from the Keras model itself
  state_while.f.<case>.in|out.*.npy, state_if.f.<case>.in|out.*.npy  (test_models format)
  state_while_swap.f.<case>.in|out.*.npy  a WHILE whose body returns variables' inputs as
                             other variables' outputs (a rotation), carries the input
                             sequence through unchanged and whose cond reads a carried limit

The call sequence for state_counter (kept in sync with tests/unit/test_stateful.c):
  read, inc(1.5), inc(-0.25), read, inc(100)
"""
import json
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
COUNTER_SEQUENCE = [("read", None), ("inc", 1.5), ("inc", -0.25), ("read", None), ("inc", 100.0)]


def save_and_convert(module, signatures):
    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(module, d, signatures=signatures)
        return tf.lite.TFLiteConverter.from_saved_model(d).convert()


def write(name, data):
    with open(os.path.join(OUT_DIR, name), "wb") as f:
        f.write(data)


def save_npy(name, array):
    np.save(os.path.join(OUT_DIR, name), array, allow_pickle=False)


class Counter(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable(10.0)

    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def inc(self, x):
        self.v.assign_add(x)
        return {"value": self.v.read_value()}

    @tf.function(input_signature=[])
    def read(self):
        return {"value": self.v.read_value()}


def make_counter():
    m = Counter()
    write("state_counter.tflite", save_and_convert(
        m, {"inc": m.inc.get_concrete_function(), "read": m.read.get_concrete_function()}))
    golden = Counter()  # a fresh module: the converted model starts from the initial value
    values = [golden.read()["value"].numpy() if sig == "read" else golden.inc(tf.constant(x))["value"].numpy()
              for sig, x in COUNTER_SEQUENCE]
    save_npy("state_counter.golden.npy", np.array(values, dtype=np.float32))


class Vector(tf.Module):
    """A 256-element variable that "bump" adds 1 to and "read" returns: a torn read would
    show elements that differ."""

    def __init__(self):
        super().__init__()
        self.w = tf.Variable(tf.zeros([256]))

    @tf.function(input_signature=[])
    def bump(self):
        self.w.assign(self.w + 1.0)
        return {"w": self.w.read_value()}

    @tf.function(input_signature=[])
    def read(self):
        return {"w": self.w.read_value()}


def make_vector():
    m = Vector()
    write("state_vector.tflite", save_and_convert(
        m, {"bump": m.bump.get_concrete_function(), "read": m.read.get_concrete_function()}))


class Table(tf.Module):
    def __init__(self):
        super().__init__()
        init = tf.lookup.KeyValueTensorInitializer(
            tf.constant(["apple", "banana", "cherry", ""]), tf.constant([3, 7, 11, 99], tf.int64))
        self.table = tf.lookup.StaticHashTable(init, default_value=-1)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def lookup(self, keys):
        return {"values": self.table.lookup(keys)}

    @tf.function(input_signature=[])
    def size(self):
        return {"n": self.table.size()}


def make_table():
    m = Table()
    write("state_table.tflite", save_and_convert(
        m, {"lookup": m.lookup.get_concrete_function(), "size": m.size.get_concrete_function()}))
    keys = np.array([b"banana", b"durian", b"apple", b"", b"cherry", b"Apple"])
    save_npy("state_table.lookup.fruit.in.keys.npy", keys)
    save_npy("state_table.lookup.fruit.out.values.npy", m.lookup(tf.constant(keys))["values"].numpy())


class Loop(tf.Module):
    """Collatz steps of n, counted by a WHILE loop whose trip count depends on the input."""

    @tf.function(input_signature=[tf.TensorSpec([], tf.int32)])
    def f(self, n):
        steps = tf.constant(0)
        x = n
        while x > 1:
            x = tf.where(x % 2 == 0, x // 2, 3 * x + 1)
            steps += 1
        return {"steps": steps, "last": x}


def make_while():
    m = Loop()
    write("state_while.tflite", save_and_convert(m, {"f": m.f.get_concrete_function()}))
    for case, n in [("n1", 1), ("n6", 6), ("n27", 27)]:
        save_npy(f"state_while.f.{case}.in.n.npy", np.array(n, dtype=np.int32))
        out = m.f(tf.constant(n, tf.int32))
        for k, v in out.items():
            save_npy(f"state_while.f.{case}.out.{k}.npy", v.numpy())


class Swap(tf.Module):
    """a, b, c = b, c + seq * i, a while i < limit: the body's outputs for a and c are its
    inputs b and a (no operator between: a rotation, so copying outputs back into inputs in
    order would read an overwritten one), seq and limit pass through unchanged, the cond
    reads limit."""

    @tf.function(input_signature=[tf.TensorSpec([6], tf.int32), tf.TensorSpec([], tf.int32)])
    def f(self, seq, limit):
        i = tf.constant(0)
        a = tf.zeros([6], tf.int32)
        b = seq + 1
        c = seq * 2
        while i < limit:
            a, b, c = b, c + seq * i, a
            i += 1
        return {"a": a, "b": b, "c": c, "i": i}


def make_while_swap():
    m = Swap()
    write("state_while_swap.tflite", save_and_convert(m, {"f": m.f.get_concrete_function()}))
    seq = np.array([3, -1, 4, 1, -5, 9], dtype=np.int32)
    for case, limit in [("l0", 0), ("l1", 1), ("l2", 2), ("l7", 7)]:
        save_npy(f"state_while_swap.f.{case}.in.seq.npy", seq)
        save_npy(f"state_while_swap.f.{case}.in.limit.npy", np.array(limit, dtype=np.int32))
        out = m.f(tf.constant(seq), tf.constant(limit, tf.int32))
        for k, v in out.items():
            save_npy(f"state_while_swap.f.{case}.out.{k}.npy", v.numpy())


class Branch(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([], tf.bool), tf.TensorSpec([3], tf.float32)])
    def f(self, p, x):
        if p:
            y = x * 2.0 + 1.0
        else:
            y = tf.nn.relu(x - 1.0)
        return {"y": y}


def make_if():
    m = Branch()
    write("state_if.tflite", save_and_convert(m, {"f": m.f.get_concrete_function()}))
    x = np.array([-1.5, 0.5, 2.0], dtype=np.float32)
    for case, p in [("true", True), ("false", False)]:
        save_npy(f"state_if.f.{case}.in.p.npy", np.array(p))
        save_npy(f"state_if.f.{case}.in.x.npy", x)
        save_npy(f"state_if.f.{case}.out.y.npy", m.f(tf.constant(p), tf.constant(x))["y"].numpy())


def make_keras_rnns():
    """Keras 3 recurrent layers with unroll=False: the converter emits WHILE loops whose body
    slices step t (SLICE / GATHER with a run-time index). Fixed batch 2: the converter cannot
    lower the TensorList ops of a dynamic batch without Select-TF ops."""
    import keras
    for name, make_layer in [("gru", lambda: keras.layers.GRU(8)),
                             ("lstm", lambda: keras.layers.LSTM(8, return_sequences=True)),
                             ("simple_rnn", lambda: keras.layers.SimpleRNN(6))]:
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((5, 3), batch_size=2, name="x"), make_layer()])
        buf = tf.lite.TFLiteConverter.from_keras_model(model).convert()
        write(f"state_keras_{name}.tflite", buf)
        x = np.random.default_rng(1).normal(size=(2, 5, 3)).astype(np.float32)
        save_npy(f"state_keras_{name}.serving_default.rand.in.x.npy", x)
        save_npy(f"state_keras_{name}.serving_default.rand.out.output_0.npy",
                 np.asarray(model(x)).astype(np.float32))


def main():
    tf.random.set_seed(0)
    make_counter()
    make_vector()
    make_table()
    make_while()
    make_while_swap()
    make_if()
    make_keras_rnns()
    with open(os.path.join(OUT_DIR, "STATEFUL_VERSIONS.json"), "w") as f:
        json.dump({"tensorflow": tf.__version__, "numpy": np.__version__,
                   "counter_sequence": COUNTER_SEQUENCE}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
