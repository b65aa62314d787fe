"""tflc: run TensorFlow Lite models through their signatures, without TensorFlow.

``tflc.Interpreter`` takes the place of ``tf.lite.Interpreter`` (and of LiteRT's
``ai_edge_litert.interpreter.Interpreter``): same constructor, same methods, same return
values and exception types, on tflc's C runtime::

    import numpy as np
    import tflc

    interpreter = tflc.Interpreter(model_path="model.tflite")
    print(interpreter.get_signature_list())
    encode = interpreter.get_signature_runner("encode")
    print(encode(x=np.array([1, 2, 3], dtype=np.float32)))

Differences from tf.lite.Interpreter are listed in the README's "Python quick start".
"""

import enum
import os
import threading

import numpy as np

from . import _tflc

__version__ = _tflc.version()

__all__ = [
    "Interpreter",
    "SignatureRunner",
    "OpResolverType",
    "InputShapeError",
    "load_delegate",
    "__version__",
]

#: Raised when the shapes given for a signature's inputs are refused (by a resize, or by the
#: operators when memory is planned). It is both a ValueError and a RuntimeError: LiteRT
#: raises RuntimeError in those places, and the input was a bad argument.
InputShapeError = _tflc.InputShapeError

# ------------------------------------------------------------------ dtypes --

_STRING = 5
# tflc_dtype -> numpy type as LiteRT's details report it ('dtype').
_DETAIL_DTYPE = {
    0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 5: np.bytes_,
    6: np.bool_, 7: np.int16, 8: np.complex64, 9: np.int8, 10: np.float64, 11: np.complex128,
    12: np.uint64, 13: np.object_, 14: np.object_, 15: np.uint32, 16: np.uint16, 17: np.int8,
}
# tflc_dtype -> numpy dtype of values (set_tensor / results). Strings are object arrays of
# bytes, as LiteRT returns them. INT4, BFLOAT16, RESOURCE and VARIANT have no values here.
_VALUE_DTYPE = {code: np.dtype(t) for code, t in _DETAIL_DTYPE.items() if code not in (5, 13, 14, 17)}
_VALUE_DTYPE[_STRING] = np.dtype(object)


def _tflite_type_name(code):
    return _tflc.dtype_name(code).upper()


def _numpy_type_name(dtype):
    if dtype.kind in "SUO":
        return "STRING"
    return dtype.name.upper()


def _sorted_names(names):
    """LiteRT keeps signature inputs and outputs in a std::map: sorted by their bytes."""
    return sorted(names, key=lambda s: s.encode("utf-8", "surrogateescape"))


# ------------------------------------------------------------------ values --

def _has_dtype(value):
    return isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array__") or \
        hasattr(value, "__array_interface__")


def _numeric_value(value, code, what):
    """value -> C-contiguous ndarray of the tensor's dtype, or ValueError naming `what`."""
    target = _VALUE_DTYPE.get(code)
    if target is None:
        raise ValueError("%s: tflc cannot exchange %s tensor values with numpy"
                         % (what, _tflite_type_name(code)))
    if _has_dtype(value):
        # An array says what it holds: it must be the tensor's dtype (as LiteRT checks).
        try:
            arr = np.asarray(value)
        except Exception as e:
            raise ValueError("%s: cannot convert %s to an array: %s" % (what, type(value).__name__, e)) from e
        if arr.dtype != target:
            raise ValueError("Cannot set tensor: Got value of type %s but expected type %s for %s"
                             % (_numpy_type_name(arr.dtype), _tflite_type_name(code), what))
    else:
        # Python lists and scalars have no dtype: convert them to the tensor's, if that
        # keeps their kind (no float -> int) and their values (no overflow).
        try:
            probe = np.asarray(value)
        except Exception as e:
            raise ValueError("%s: cannot convert %s to a tensor: %s" % (what, type(value).__name__, e)) from e
        ok = probe.dtype.kind in "biufc" and (
            probe.dtype.kind == "b" if target.kind == "b" else np.can_cast(probe.dtype, target, "same_kind"))
        if not ok:
            raise ValueError("Cannot set tensor: Got value of type %s but expected type %s for %s"
                             % (_numpy_type_name(probe.dtype), _tflite_type_name(code), what))
        try:
            with np.errstate(over="raise", invalid="raise"):
                arr = np.asarray(value, dtype=target)
        except (OverflowError, FloatingPointError, ValueError) as e:
            raise ValueError("%s: %s does not fit %s: %s" % (what, value, target.name, e)) from e
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")
    return arr


def _string_value(value, what):
    """value -> (shape, [bytes, ...] in C order). str is encoded as UTF-8."""
    if isinstance(value, (str, bytes)):
        arr = np.empty((), dtype=object)
        arr[()] = value
    elif isinstance(value, (list, tuple)):
        arr = np.array(value, dtype=object)  # keeps bytes as they are (no NUL stripping)
    else:
        try:
            arr = np.asarray(value)
        except Exception as e:
            raise ValueError("%s: cannot convert %s to a string tensor: %s"
                             % (what, type(value).__name__, e)) from e
    if arr.dtype.kind not in "SUO":
        raise ValueError("Cannot set tensor: Got value of type %s but expected type STRING for %s"
                         % (_numpy_type_name(arr.dtype), what))
    items = []
    for item in arr.ravel(order="C").tolist():
        if isinstance(item, bytes):
            items.append(bytes(item))
        elif isinstance(item, str):
            items.append(item.encode("utf-8"))
        else:
            raise ValueError("%s: string tensor elements must be bytes or str, not %s"
                             % (what, type(item).__name__))
    return arr.shape, items


def _feed(value, code, what):
    """value -> (shape, payload) for _tflc.Runner.run / set_input."""
    if code == _STRING:
        return _string_value(value, what)
    arr = _numeric_value(value, code, what)
    return arr.shape, arr


def _to_numpy(value):
    """(dtype, shape, data) from _tflc -> what LiteRT returns: an ndarray (a numpy scalar for
    shape ()), or an object ndarray of bytes for strings."""
    code, shape, data = value
    if code == _STRING:
        arr = np.empty(len(data), dtype=object)
        arr[:] = data
        return arr.reshape(shape)
    dtype = _VALUE_DTYPE.get(code)
    if dtype is None:
        raise ValueError("tflc cannot exchange %s tensor values with numpy" % _tflite_type_name(code))
    arr = np.frombuffer(data, dtype=dtype).reshape(shape)
    return arr[()] if not shape else arr


def _details(info, index):
    """_tflc info tuple -> the details dict of LiteRT's get_input_details()."""
    name, code, shape, shape_signature, scales, zero_points, quantized_dimension = info
    if code not in _DETAIL_DTYPE:
        raise ValueError("Invalid tflite type code %d" % code)
    per_tensor = len(scales) == 1 and len(zero_points) == 1
    return {
        "name": name,
        "index": index,
        "shape": np.array(shape, dtype=np.int32),
        "shape_signature": np.array(shape_signature, dtype=np.int32),
        "dtype": _DETAIL_DTYPE[code],
        "quantization": (float(scales[0]), int(zero_points[0])) if per_tensor else (0.0, 0),
        "quantization_parameters": {
            "scales": np.array(scales, dtype=np.float32),
            "zero_points": np.array(zero_points, dtype=np.int32),
            "quantized_dimension": quantized_dimension,
            "block_size": 0,
        },
        "sparsity_parameters": {},
    }


# ----------------------------------------------------------------- options --

@enum.unique
class OpResolverType(enum.Enum):
    """Accepted for compatibility with tf.lite.experimental.OpResolverType. tflc has one
    set of portable kernels (written against TFLite's reference kernels), whatever this is."""
    AUTO = 0
    BUILTIN = 1
    BUILTIN_REF = 2
    BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


def load_delegate(library, options=None):
    """tflc runs its own CPU kernels and cannot load TensorFlow Lite delegates. Raises
    ValueError, as tf.lite.experimental.load_delegate does when loading fails, so code that
    falls back to the CPU on ValueError keeps working."""
    del options
    raise ValueError("Failed to load delegate from {}\ntflc cannot load TensorFlow Lite delegates; "
                     "it runs models on its own CPU kernels".format(library))


def _buffer_size(content):
    try:
        return memoryview(content).nbytes
    except TypeError:
        raise ValueError("model_content must be bytes or a buffer, not %s" % type(content).__name__) from None


# ----------------------------------------------------------- SignatureRunner --

class SignatureRunner:
    """Runs one signature of a model: ``runner(**inputs) -> {output name: ndarray}``.

    Made by ``Interpreter.get_signature_runner``. Each SignatureRunner has its own tensors
    and memory, so runners (even of the same signature) may be called from different
    threads at the same time; calls on one runner from several threads take turns.
    """

    def __init__(self, interpreter=None, signature_key=None):
        if not interpreter:
            raise ValueError("None interpreter provided.")
        if not signature_key:
            raise ValueError("None signature_key provided.")
        self._interpreter = interpreter
        self._signature_key = signature_key
        self._runner = _tflc.Runner(interpreter._interp, signature_key)
        self._inputs = self._runner.input_names
        self._outputs = self._runner.output_names
        self._input_index = {name: i for i, name in enumerate(self._inputs)}
        self._input_codes = [self._runner.info(i, False)[1] for i in range(len(self._inputs))]
        self._input_order = [self._input_index[n] for n in _sorted_names(self._inputs)]
        self._output_order = sorted(range(len(self._outputs)),
                                    key=lambda j: self._outputs[j].encode("utf-8", "surrogateescape"))

    def __call__(self, **kwargs):
        """Resizes the inputs to the given values' shapes, runs, and returns every output
        as a dict of numpy arrays keyed by output name."""
        if len(kwargs) != len(self._inputs):
            missing = [n for n in self._inputs if n not in kwargs]
            extra = [n for n in kwargs if n not in self._input_index]
            detail = []
            if missing:
                detail.append("missing: " + ", ".join(repr(n) for n in missing))
            if extra:
                detail.append("unexpected: " + ", ".join(repr(n) for n in extra))
            raise ValueError(
                "Invalid number of inputs provided for running a SignatureDef, expected %s vs "
                "provided %s (signature %r; %s)"
                % (len(self._inputs), len(kwargs), self._signature_key, "; ".join(detail)))
        feeds = [None] * len(self._inputs)
        for name, value in kwargs.items():
            i = self._input_index.get(name)
            if i is None:
                raise ValueError("Invalid Input name (%s) for SignatureDef %r; its inputs are: %s"
                                 % (name, self._signature_key, ", ".join(repr(n) for n in self._inputs)))
            feeds[i] = _feed(value, self._input_codes[i],
                             "input %r of signature %r" % (name, self._signature_key))
        outputs = self._runner.run(tuple(feeds))
        return {self._outputs[j]: _to_numpy(outputs[j]) for j in self._output_order}

    def get_input_details(self):
        """{input name: details} in LiteRT's order (sorted by name); see
        Interpreter.get_input_details for the fields. 'index' is the input's position."""
        return {self._inputs[i]: _details(self._runner.info(i, False), i) for i in self._input_order}

    def get_output_details(self):
        """{output name: details}, sorted by name. 'index' is len(inputs) + the output's position."""
        n = len(self._inputs)
        return {self._outputs[j]: _details(self._runner.info(j, True), n + j) for j in self._output_order}


# -------------------------------------------------------------- Interpreter --

class Interpreter:
    """Loads a .tflite model and runs it, with tf.lite.Interpreter's API.

    The signature API (get_signature_list, get_signature_runner) covers every signature.
    The classic API (allocate_tensors, get_input_details, set_tensor, invoke, get_tensor,
    ...) works on subgraph 0 through the signature that runs it; tensor indices are the
    positions of that signature's inputs (0..n-1) followed by its outputs (n..).
    """

    def __init__(self,
                 model_path=None,
                 model_content=None,
                 experimental_delegates=None,
                 num_threads=None,
                 experimental_op_resolver_type=OpResolverType.AUTO,
                 experimental_preserve_all_tensors=False,
                 experimental_disable_delegate_clustering=False,
                 experimental_default_delegate_latest_features=False,
                 experimental_compress_quantization_zero_points=False,
                 experimental_disable_delegate_node_fusion=False,
                 experimental_force_delegate_node_profiling=False):
        resolver = getattr(experimental_op_resolver_type, "name", None)
        if resolver not in OpResolverType.__members__:
            raise ValueError("Unrecognized passed in op resolver type: {}".format(experimental_op_resolver_type))
        if num_threads is not None:
            if not isinstance(num_threads, int):
                raise ValueError("type of num_threads should be int")
            if num_threads < 1:
                raise ValueError("num_threads should >= 1")
        # The remaining experimental_* switches tune TFLite's delegates and memory
        # preservation, which tflc does not have; they are accepted and ignored.
        self._experimental_compress_quantization_zero_points = experimental_compress_quantization_zero_points

        has_path = model_path is not None and bool(os.fspath(model_path))
        has_content = model_content is not None and _buffer_size(model_content) > 0
        if has_path and not has_content:
            self._model = _tflc.Model(path=os.fspath(model_path))
        elif has_content and not has_path:
            # bytes (and any read-only buffer) are used in place, never copied: the model
            # keeps a reference to them. A writable buffer is copied once.
            self._model = _tflc.Model(content=model_content)
        elif not has_content and not has_path:
            raise ValueError("`model_path` or `model_content` must be specified.")
        else:
            raise ValueError("Can't both provide `model_path` and `model_content`")

        if experimental_delegates:
            raise ValueError("tflc cannot apply TensorFlow Lite delegates (got %d); it runs models on "
                             "its own CPU kernels" % len(experimental_delegates))
        self._delegates = []

        self._interp = _tflc.Interpreter(self._model, num_threads or 1)
        self._signatures = self._model.signatures()  # [(key, subgraph, inputs, outputs)]
        self._no_signature_defs = self._model.is_default_signature()
        self._classic = None
        self._classic_lock = threading.Lock()

    # ---------------------------------------------------------- signatures --

    def get_signature_list(self):
        """{signature key: {'inputs': [names], 'outputs': [names]}}: keys in file order,
        names sorted, as LiteRT returns them. {} for a model without SignatureDefs."""
        if self._no_signature_defs:
            return {}
        return {key: {"inputs": _sorted_names(ins), "outputs": _sorted_names(outs)}
                for key, _, ins, outs in self._signatures}

    def get_signature_runner(self, signature_key=None):
        """A SignatureRunner for `signature_key`. None picks the only signature; it also
        works on a model without SignatureDefs (tflc's default signature, whose inputs and
        outputs are named by their tensor names)."""
        keys = [s[0] for s in self._signatures]
        if signature_key is None:
            if len(keys) != 1:
                raise ValueError(
                    "SignatureDef signature_key is None and model has {0} Signatures. None is only "
                    "allowed when the model has 1 SignatureDef; its keys are: {1}".format(
                        len(keys), ", ".join(repr(k) for k in keys)))
            signature_key = keys[0]
        elif signature_key not in keys:
            raise ValueError('Invalid signature_key provided: "{}". The model has: {}'.format(
                signature_key, ", ".join('"%s"' % k for k in keys) if keys else "no signatures"))
        return SignatureRunner(interpreter=self, signature_key=signature_key)

    # ------------------------------------------------------------- classic --

    def _runner(self):
        """The runner behind the classic API: the first signature over subgraph 0."""
        with self._classic_lock:
            if self._classic is None:
                key = next((k for k, subgraph, _, _ in self._signatures if subgraph == 0), None)
                if key is None:
                    raise RuntimeError(
                        "tflc runs subgraph 0 through a signature, and no signature of this model "
                        "runs subgraph 0; use get_signature_runner()")
                self._classic = _tflc.Runner(self._interp, key)
            return self._classic

    def _tensor(self, tensor_index):
        """tensor index -> (position, is_output) in the classic runner."""
        r = self._runner()
        n_in, n_out = len(r.input_names), len(r.output_names)
        try:
            index = int(tensor_index)
        except (TypeError, ValueError):
            raise ValueError("Invalid tensor index %r" % (tensor_index,)) from None
        if index < 0 or index >= n_in + n_out:
            raise ValueError("Invalid tensor index %d exceeds max tensor index %d" % (index, n_in + n_out))
        return (index, False) if index < n_in else (index - n_in, True)

    def allocate_tensors(self):
        self._runner().allocate()

    def invoke(self):
        """Runs subgraph 0 on the tensors set with set_tensor. Releases the GIL while it runs."""
        self._runner().invoke()

    def get_input_details(self):
        r = self._runner()
        return [_details(r.info(i, False), i) for i in range(len(r.input_names))]

    def get_output_details(self):
        r = self._runner()
        n = len(r.input_names)
        return [_details(r.info(j, True), n + j) for j in range(len(r.output_names))]

    def get_tensor_details(self, subgraph_index=0):
        """Details of subgraph 0's input and output tensors (tflc does not expose the
        others)."""
        num_subgraphs = self.num_subgraphs()
        if subgraph_index < 0 or subgraph_index >= num_subgraphs:
            raise ValueError("subgraph_index is out of range: {} for the model, which has {} subgraphs."
                             .format(subgraph_index, num_subgraphs))
        if subgraph_index != 0:
            raise ValueError("tflc gives tensor details for subgraph 0 only; use get_signature_runner() "
                             "for the other subgraphs' signatures")
        return self.get_input_details() + self.get_output_details()

    def set_tensor(self, tensor_index, value):
        """Copies `value` into an input tensor; its shape must be the tensor's current one
        (resize_tensor_input changes it)."""
        position, is_output = self._tensor(tensor_index)
        if is_output:
            raise ValueError("Cannot set tensor %d: tflc sets only input tensors" % tensor_index)
        r = self._runner()
        name, code, shape = r.info(position, False)[:3]
        what = "input %d, name: %s" % (tensor_index, name)
        got_shape, payload = _feed(value, code, what)
        if len(got_shape) != len(shape):
            raise ValueError("Cannot set tensor: Dimension mismatch. Got %d but expected %d for input %d."
                             % (len(got_shape), len(shape), tensor_index))
        for k, (got, want) in enumerate(zip(got_shape, shape)):
            if got != want:
                raise ValueError("Cannot set tensor: Dimension mismatch. Got %d but expected %d for "
                                 "dimension %d of input %d." % (got, want, k, tensor_index))
        r.set_input(position, payload)

    def get_tensor(self, tensor_index, subgraph_index=0):
        """A copy of an input or output tensor of subgraph 0."""
        if subgraph_index != 0:
            raise ValueError("tflc reads tensors of subgraph 0 only; use get_signature_runner() "
                             "for the other subgraphs' signatures")
        position, is_output = self._tensor(tensor_index)
        return _to_numpy(self._runner().get(position, is_output))

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        """Sets an input's shape; allocate_tensors() must follow. strict=True refuses to
        change dimensions that the model's shape_signature fixes. Refusals raise
        InputShapeError (a RuntimeError, as in LiteRT, and a ValueError)."""
        tensor_size = np.array(tensor_size, dtype=np.int32)
        if tensor_size.ndim != 1:
            raise ValueError("Shape should be 1D instead of %d." % tensor_size.ndim)
        position, is_output = self._tensor(input_index)
        if is_output:
            raise ValueError("Cannot resize tensor %d: it is not an input" % input_index)
        self._runner().resize(position, tuple(int(d) for d in tensor_size), bool(strict))

    def tensor(self, tensor_index):
        raise NotImplementedError("tflc has no zero-copy tensor views; use get_tensor() and set_tensor()")

    def num_subgraphs(self):
        return self._model.subgraph_count()

    def reset_all_variables(self):
        """Restores every resource variable to its value right after the model's
        initialization (shared by all runners of this interpreter)."""
        self._interp.reset_variables()

    @property
    def experimental_compress_quantization_zero_points(self):
        return self._experimental_compress_quantization_zero_points
