"""Converting a TensorFlow function into .tflite in every form the converter offers.

    tflite_bytes = convert(fn, [tf.TensorSpec([1, 8, 8, 3], tf.float32)], form="int8")

forms:
  "float32"   plain conversion
  "float16"   float16 weights (optimizations DEFAULT + supported_types float16)
  "dynamic"   dynamic-range int8 weights (optimizations DEFAULT, no dataset): hybrid kernels
  "int8"      full integer with a seeded representative dataset, int8 inputs and outputs
  "int8_float_io"  full integer inside, float32 inputs and outputs (QUANTIZE/DEQUANTIZE at the edges)
  "int16x8"   16-bit activations, 8-bit weights (EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8)
Every form is deterministic for a fixed seed.
"""
import numpy as np
import tensorflow as tf

FORMS = ("float32", "float16", "dynamic", "int8", "int8_float_io", "int16x8")


def representative(specs, seed=0, n=16, low=-1.0, high=1.0):
    def gen():
        rng = np.random.default_rng(seed)
        for _ in range(n):
            yield [rng.uniform(low, high, size=[d if d is not None else 1 for d in s.shape]).astype(
                s.dtype.as_numpy_dtype) for s in specs]
    return gen


def convert(fn, specs, form="float32", seed=0, rep_range=(-1.0, 1.0), select_tf_ops=False):
    """fn: a Python function of tensors (or a tf.function); specs: its input TensorSpecs."""
    tf_fn = fn if hasattr(fn, "get_concrete_function") else tf.function(fn)
    concrete = tf_fn.get_concrete_function(*specs)
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if form == "float16":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.target_spec.supported_types = [tf.float16]
    elif form == "dynamic":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    elif form in ("int8", "int8_float_io", "int16x8"):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative(specs, seed, low=rep_range[0], high=rep_range[1])
        if form == "int16x8":
            ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        else:
            ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if form == "int8":
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
    elif form != "float32":
        raise ValueError(f"unknown form {form!r}; forms: {FORMS}")
    if select_tf_ops:
        ops = ops + [tf.lite.OpsSet.SELECT_TF_OPS]
    conv.target_spec.supported_ops = ops
    return conv.convert()


def constant(rng, shape, scale=1.0, dtype=np.float32):
    """Seeded weights for a case: normal(0, scale)."""
    return tf.constant((rng.normal(size=shape) * scale).astype(dtype))
