/*
 * _tflc.c -- the CPython extension behind the tflc Python package.
 *
 * Three thin types over the public C API (include/tflc.h):
 *
 *   Model(path=None, content=None)   a loaded, verified model
 *   Interpreter(model, num_threads)  tflc_interpreter over a Model
 *   Runner(interpreter, key)         one tflc_runner (one signature); run() does a whole
 *                                    signature call: resize, allocate, copy in, invoke
 *                                    (without the GIL), copy out
 *
 * The tf.lite.Interpreter-compatible classes are Python, in python/tflc/__init__.py; they
 * convert values to numpy arrays and call these types. Everything here exchanges plain
 * Python objects and buffers (the buffer protocol, not the NumPy C API), so building needs
 * no NumPy headers.
 *
 * Values cross as:
 *   dtype      int, a tflc_dtype
 *   shape      tuple of int
 *   numeric    any C-contiguous buffer in (exactly the tensor's byte size); bytearray out
 *   string     list of bytes, one per element in C order (in and out)
 *
 * Threads: each Runner has a lock held for the whole of every method, so two Python threads
 * sharing one Runner take turns (a call never sees another call's inputs); invoke runs with
 * the GIL released, so runners of one interpreter run in parallel, as tflc allows.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>
#include <string.h>

#include "tflc.h"

/* Raised when the shapes given for a signature's inputs are refused (by resize or by the
 * operators at allocate). Both a ValueError (a bad argument) and a RuntimeError (what
 * LiteRT raises from its resize and allocate). */
static PyObject *InputShapeError;

/* ------------------------------------------------------------- errors -- */

static PyObject *exception_for(tflc_status status) {
    switch (status) {
    case TFLC_ERROR_INVALID_ARGUMENT:
    case TFLC_ERROR_INVALID_MODEL:
    case TFLC_ERROR_NOT_FOUND:
    case TFLC_ERROR_IO:
        return PyExc_ValueError;
    case TFLC_ERROR_OUT_OF_MEMORY:
        return PyExc_MemoryError;
    default: /* UNSUPPORTED, MISUSE, RUNTIME */
        return PyExc_RuntimeError;
    }
}

/* Sets the Python exception for `status` with `message` (or a generic one); returns NULL. */
static PyObject *raise_status(PyObject *type, tflc_status status, const char *message) {
    if (!type) type = exception_for(status);
    if (!message || !*message) message = tflc_status_string(status);
    PyErr_SetString(type, message);
    return NULL;
}

static PyObject *raise_last(tflc_status status) { return raise_status(NULL, status, tflc_last_error()); }

/* -------------------------------------------------------------- model -- */

typedef struct {
    PyObject_HEAD
    tflc_model *model;
    Py_buffer view;    /* the model bytes, held while the model lives (content= only) */
    int has_view;
    PyObject *owner;   /* a private bytes copy of a writable buffer, or NULL */
} ModelObject;

static void Model_dealloc(ModelObject *self) {
    tflc_model_free(self->model);
    if (self->has_view) PyBuffer_Release(&self->view);
    Py_XDECREF(self->owner);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Model_init(ModelObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"path", "content", NULL};
    PyObject *path = Py_None, *content = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:Model", kwlist, &path, &content)) return -1;
    if (self->model || self->has_view) {
        PyErr_SetString(PyExc_RuntimeError, "Model is already initialized");
        return -1;
    }
    if ((path == Py_None) == (content == Py_None)) {
        PyErr_SetString(PyExc_ValueError, "give exactly one of path and content");
        return -1;
    }
    tflc_status status;
    tflc_model *model = NULL;
    if (path != Py_None) {
        PyObject *encoded = NULL;
        if (!PyUnicode_FSConverter(path, &encoded)) return -1;
        const char *p = PyBytes_AS_STRING(encoded);
        Py_BEGIN_ALLOW_THREADS
        status = tflc_model_load_file(p, NULL, &model);
        Py_END_ALLOW_THREADS
        Py_DECREF(encoded);
    } else {
        /* Zero-copy for read-only buffers (bytes, read-only mmap): the view pins them. A
         * writable buffer could change under the loaded (verified once) model, so it is
         * copied once into a private bytes object, which is then used zero-copy. */
        Py_buffer view;
        if (PyObject_GetBuffer(content, &view, PyBUF_SIMPLE) < 0) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError,
                         "model_content must be bytes or a C-contiguous buffer, not %.200s",
                         Py_TYPE(content)->tp_name);
            return -1;
        }
        if (!view.readonly) {
            PyObject *copy = PyBytes_FromStringAndSize(view.buf, view.len);
            PyBuffer_Release(&view);
            if (!copy) return -1;
            int got = PyObject_GetBuffer(copy, &view, PyBUF_SIMPLE);
            if (got < 0) {
                Py_DECREF(copy);
                return -1;
            }
            self->owner = copy;
        }
        self->view = view;
        self->has_view = 1;
        const void *buf = view.buf;
        size_t len = (size_t)view.len;
        Py_BEGIN_ALLOW_THREADS
        status = tflc_model_load_buffer(buf, len, NULL, &model);
        Py_END_ALLOW_THREADS
    }
    if (status != TFLC_OK) {
        raise_last(status);
        return -1;
    }
    self->model = model;
    return 0;
}

static int model_ready(ModelObject *self) {
    if (self->model) return 1;
    PyErr_SetString(PyExc_RuntimeError, "Model is not initialized");
    return 0;
}

static PyObject *names_tuple(const tflc_model *m, int sig, int inputs) {
    int n = inputs ? tflc_model_signature_input_count(m, sig) : tflc_model_signature_output_count(m, sig);
    PyObject *t = PyTuple_New(n);
    if (!t) return NULL;
    for (int i = 0; i < n; i++) {
        const char *name = inputs ? tflc_model_signature_input_name(m, sig, i)
                                  : tflc_model_signature_output_name(m, sig, i);
        PyObject *s = PyUnicode_DecodeUTF8(name, (Py_ssize_t)strlen(name), "surrogateescape");
        if (!s) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

/* signatures() -> [(key, subgraph, (input names), (output names)), ...] in file order. */
static PyObject *Model_signatures(ModelObject *self, PyObject *unused) {
    (void)unused;
    if (!model_ready(self)) return NULL;
    const tflc_model *m = self->model;
    int n = tflc_model_signature_count(m);
    PyObject *list = PyList_New(n);
    if (!list) return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *ins = names_tuple(m, i, 1);
        PyObject *outs = ins ? names_tuple(m, i, 0) : NULL;
        PyObject *item = outs ? Py_BuildValue("(siNN)", tflc_model_signature_key(m, i),
                                              tflc_model_signature_subgraph(m, i), ins, outs)
                              : NULL;
        if (!item) {
            if (!outs) Py_XDECREF(ins);
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *Model_is_default_signature(ModelObject *self, PyObject *unused) {
    (void)unused;
    if (!model_ready(self)) return NULL;
    return PyBool_FromLong(tflc_model_signature_is_default(self->model));
}

static PyObject *Model_subgraph_count(ModelObject *self, PyObject *unused) {
    (void)unused;
    if (!model_ready(self)) return NULL;
    return PyLong_FromLong(tflc_model_subgraph_count(self->model));
}

/* operators(subgraph) -> [name, ...] in execution order. */
static PyObject *Model_operators(ModelObject *self, PyObject *arg) {
    if (!model_ready(self)) return NULL;
    int sg = (int)PyLong_AsLong(arg);
    if (sg == -1 && PyErr_Occurred()) return NULL;
    if (sg < 0 || sg >= tflc_model_subgraph_count(self->model))
        return PyErr_Format(PyExc_ValueError, "subgraph index %d is out of range (the model has %d)", sg,
                            tflc_model_subgraph_count(self->model));
    int n = tflc_model_operator_count(self->model, sg);
    PyObject *list = PyList_New(n);
    if (!list) return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromString(tflc_model_operator_name(self->model, sg, i));
        if (!s) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, s);
    }
    return list;
}

static PyMethodDef Model_methods[] = {
    {"signatures", (PyCFunction)Model_signatures, METH_NOARGS,
     "signatures() -> [(key, subgraph, input_names, output_names)] in file order"},
    {"is_default_signature", (PyCFunction)Model_is_default_signature, METH_NOARGS,
     "True when the model has no SignatureDefs (signature 0 is tflc's default one)"},
    {"subgraph_count", (PyCFunction)Model_subgraph_count, METH_NOARGS, "number of subgraphs"},
    {"operators", (PyCFunction)Model_operators, METH_O, "operators(subgraph) -> [operator name]"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tflc._tflc.Model",
    .tp_basicsize = sizeof(ModelObject),
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Model(path=None, content=None): a loaded and verified .tflite model",
    .tp_methods = Model_methods,
    .tp_init = (initproc)Model_init,
    .tp_new = PyType_GenericNew,
};

/* -------------------------------------------------------- interpreter -- */

typedef struct {
    PyObject_HEAD
    tflc_interpreter *interp;
    PyObject *model; /* ModelObject, kept alive while the interpreter lives */
} InterpObject;

static void Interp_dealloc(InterpObject *self) {
    tflc_interpreter_free(self->interp);
    Py_XDECREF(self->model);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Interp_init(InterpObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"model", "num_threads", NULL};
    PyObject *model;
    int num_threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!|i:Interpreter", kwlist, &ModelType, &model, &num_threads))
        return -1;
    if (self->interp) {
        PyErr_SetString(PyExc_RuntimeError, "Interpreter is already initialized");
        return -1;
    }
    if (!model_ready((ModelObject *)model)) return -1;
    tflc_interpreter_options options;
    tflc_interpreter_options_init(&options);
    options.num_threads = num_threads;
    tflc_status status = tflc_interpreter_create(((ModelObject *)model)->model, &options, &self->interp);
    if (status != TFLC_OK) {
        raise_last(status);
        return -1;
    }
    Py_INCREF(model);
    self->model = model;
    return 0;
}

/* Restores every variable to its value right after initialization. */
static PyObject *Interp_reset_variables(InterpObject *self, PyObject *unused) {
    (void)unused;
    if (!self->interp) {
        PyErr_SetString(PyExc_RuntimeError, "Interpreter is not initialized");
        return NULL;
    }
    tflc_status status = tflc_interpreter_reset_variables(self->interp);
    if (status != TFLC_OK) return raise_last(status);
    Py_RETURN_NONE;
}

static PyMethodDef Interp_methods[] = {
    {"reset_variables", (PyCFunction)Interp_reset_variables, METH_NOARGS,
     "reset_variables(): every variable back to its value after initialization"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject InterpType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tflc._tflc.Interpreter",
    .tp_basicsize = sizeof(InterpObject),
    .tp_dealloc = (destructor)Interp_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Interpreter(model, num_threads=1): a tflc_interpreter over a Model",
    .tp_init = (initproc)Interp_init,
    .tp_new = PyType_GenericNew,
    .tp_methods = Interp_methods,
};

/* ------------------------------------------------------------- runner -- */

typedef struct {
    PyObject_HEAD
    tflc_runner *runner;
    PyObject *interp;        /* InterpObject */
    PyThread_type_lock lock; /* held by whichever thread is inside a method */
    int allocated;           /* tensors are bound to memory that matches their shapes */
    int reshaped;            /* an input changed shape since the last allocate */
} RunnerObject;

static void Runner_dealloc(RunnerObject *self) {
    tflc_runner_free(self->runner);
    if (self->lock) PyThread_free_lock(self->lock);
    Py_XDECREF(self->interp);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Runner_init(RunnerObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"interpreter", "key", NULL};
    PyObject *interp;
    const char *key = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!z:Runner", kwlist, &InterpType, &interp, &key)) return -1;
    if (self->runner || self->lock) {
        PyErr_SetString(PyExc_RuntimeError, "Runner is already initialized");
        return -1;
    }
    if (!((InterpObject *)interp)->interp) {
        PyErr_SetString(PyExc_RuntimeError, "Interpreter is not initialized");
        return -1;
    }
    self->lock = PyThread_allocate_lock();
    if (!self->lock) {
        PyErr_NoMemory();
        return -1;
    }
    tflc_status status = tflc_runner_create(((InterpObject *)interp)->interp, key, &self->runner);
    if (status != TFLC_OK) {
        raise_last(status);
        return -1;
    }
    Py_INCREF(interp);
    self->interp = interp;
    return 0;
}

/* Takes the runner's lock, waiting without the GIL if another thread holds it. */
static int runner_enter(RunnerObject *self) {
    if (!self->runner) {
        PyErr_SetString(PyExc_RuntimeError, "Runner is not initialized");
        return 0;
    }
    if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
    return 1;
}

static void runner_leave(RunnerObject *self) { PyThread_release_lock(self->lock); }

static PyObject *runner_error(RunnerObject *self, PyObject *type, tflc_status status) {
    return raise_status(type, status, tflc_runner_error(self->runner));
}

/* The tensor of input (is_output 0) or output `index`, or NULL with ValueError set. */
static const tflc_tensor *io_tensor(RunnerObject *self, int index, int is_output) {
    const tflc_tensor *t = is_output ? tflc_runner_output_at(self->runner, index)
                                     : tflc_runner_input_at(self->runner, index);
    if (!t)
        PyErr_Format(PyExc_ValueError, "signature '%s' has no %s %d", tflc_runner_signature_key(self->runner),
                     is_output ? "output" : "input", index);
    return t;
}

static PyObject *dims_tuple(const int32_t *dims, int rank) {
    PyObject *t = PyTuple_New(rank);
    if (!t) return NULL;
    for (int k = 0; k < rank; k++) {
        PyObject *v = PyLong_FromLong(dims[k]);
        if (!v) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, k, v);
    }
    return t;
}

/* Reads a shape (a sequence of ints) into dims; returns the rank or -1 with ValueError. */
static int parse_shape(PyObject *shape, int32_t dims[TFLC_MAX_RANK], const char *what) {
    PyObject *seq = PySequence_Fast(shape, "shape must be a sequence of int");
    if (!seq) return -1;
    Py_ssize_t rank = PySequence_Fast_GET_SIZE(seq);
    if (rank > TFLC_MAX_RANK) {
        Py_DECREF(seq);
        PyErr_Format(InputShapeError, "%s: rank %zd is larger than tflc's maximum of %d", what, rank,
                     TFLC_MAX_RANK);
        return -1;
    }
    for (Py_ssize_t k = 0; k < rank; k++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, k));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
        if (v < 0 || v > INT32_MAX) {
            Py_DECREF(seq);
            PyErr_Format(InputShapeError, "%s: dimension %zd is %ld, outside 0..%d", what, k, v, INT32_MAX);
            return -1;
        }
        dims[k] = (int32_t)v;
    }
    Py_DECREF(seq);
    return (int)rank;
}

static int same_shape(const tflc_tensor *t, const int32_t *dims, int rank) {
    return tflc_tensor_rank(t) == rank &&
           (rank == 0 || memcmp(tflc_tensor_dims(t), dims, (size_t)rank * sizeof *dims) == 0);
}

/* info(index, is_output) -> (tensor name, dtype, shape, shape_signature, scales,
 * zero_points, quantized_dimension). */
static PyObject *Runner_info(RunnerObject *self, PyObject *args) {
    int index, is_output;
    if (!PyArg_ParseTuple(args, "ip:info", &index, &is_output)) return NULL;
    if (!runner_enter(self)) return NULL;
    PyObject *result = NULL, *shape = NULL, *sig = NULL, *scales = NULL, *zps = NULL;
    const tflc_tensor *t = io_tensor(self, index, is_output);
    if (!t) goto done;
    int sig_rank = 0;
    const int32_t *sig_dims = tflc_tensor_shape_signature(t, &sig_rank);
    tflc_quantization q;
    tflc_tensor_quantization(t, &q);
    if (!(shape = dims_tuple(tflc_tensor_dims(t), tflc_tensor_rank(t)))) goto done;
    if (!(sig = dims_tuple(sig_dims, sig_rank))) goto done;
    if (!(scales = PyTuple_New(q.count)) || !(zps = PyTuple_New(q.count))) goto done;
    for (int k = 0; k < q.count; k++) {
        PyObject *s = PyFloat_FromDouble((double)q.scales[k]);
        PyObject *z = q.zero_points ? PyLong_FromLongLong(q.zero_points[k]) : PyLong_FromLong(0);
        if (!s || !z) {
            Py_XDECREF(s);
            Py_XDECREF(z);
            goto done;
        }
        PyTuple_SET_ITEM(scales, k, s);
        PyTuple_SET_ITEM(zps, k, z);
    }
    const char *name = tflc_tensor_name(t);
    result = Py_BuildValue("(NiOOOOi)",
                           PyUnicode_DecodeUTF8(name, (Py_ssize_t)strlen(name), "surrogateescape"),
                           (int)tflc_tensor_dtype(t), shape, sig, scales, zps, q.quantized_dimension);
done:
    Py_XDECREF(shape);
    Py_XDECREF(sig);
    Py_XDECREF(scales);
    Py_XDECREF(zps);
    runner_leave(self);
    return result;
}

/* resize(index, shape, strict) -> None. InputShapeError when refused. */
static PyObject *Runner_resize(RunnerObject *self, PyObject *args) {
    int index, strict;
    PyObject *shape;
    if (!PyArg_ParseTuple(args, "iOp:resize", &index, &shape, &strict)) return NULL;
    if (!runner_enter(self)) return NULL;
    PyObject *result = NULL;
    const tflc_tensor *t = io_tensor(self, index, 0);
    int32_t dims[TFLC_MAX_RANK];
    int rank = t ? parse_shape(shape, dims, tflc_runner_input_name(self->runner, index)) : -1;
    if (rank >= 0) {
        const char *name = tflc_runner_input_name(self->runner, index);
        int changed = !same_shape(t, dims, rank);
        tflc_status s = strict ? tflc_runner_resize_input_strict(self->runner, name, dims, rank)
                               : tflc_runner_resize_input(self->runner, name, dims, rank);
        if (s != TFLC_OK) {
            runner_error(self, InputShapeError, s);
        } else {
            if (changed) {
                self->allocated = 0;
                self->reshaped = 1;
            }
            Py_INCREF(Py_None);
            result = Py_None;
        }
    }
    runner_leave(self);
    return result;
}

/* allocate() -> None. Failures are RuntimeError (as LiteRT's), or InputShapeError when an
 * input changed shape since the last allocate; MemoryError when out of memory. */
static PyObject *Runner_allocate(RunnerObject *self, PyObject *unused) {
    (void)unused;
    if (!runner_enter(self)) return NULL;
    tflc_status s = tflc_runner_allocate(self->runner);
    PyObject *type = s == TFLC_ERROR_OUT_OF_MEMORY ? PyExc_MemoryError
                     : self->reshaped                ? InputShapeError
                                                     : PyExc_RuntimeError;
    if (s == TFLC_OK) {
        self->allocated = 1;
        self->reshaped = 0;
    }
    runner_leave(self);
    if (s != TFLC_OK) return runner_error(self, type, s);
    Py_RETURN_NONE;
}

static PyObject *Runner_allocated(RunnerObject *self, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(self->allocated);
}

/* Copies `payload` (a C-contiguous buffer of exactly the tensor's bytes) into input i.
 * Caller holds the lock; the runner is allocated. */
static int copy_numeric_input(RunnerObject *self, int i, PyObject *payload) {
    tflc_tensor *t = tflc_runner_input_at(self->runner, i);
    Py_buffer view;
    if (PyObject_GetBuffer(payload, &view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    tflc_status s = tflc_tensor_copy_from(t, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    if (s != TFLC_OK) {
        raise_last(s);
        return -1;
    }
    return 0;
}

/* Sets string input i from a list of bytes (C order) with shape dims[0..rank). */
static int set_string_input(RunnerObject *self, int i, PyObject *payload, const int32_t *dims, int rank) {
    PyObject *seq = PySequence_Fast(payload, "string values must be a sequence of bytes");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    tflc_string_ref *refs = PyMem_Malloc((size_t)(n ? n : 1) * sizeof *refs);
    if (!refs) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t k = 0; k < n && rc == 0; k++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, k);
        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_ValueError, "string element %zd is %.100s, not bytes", k, Py_TYPE(item)->tp_name);
            rc = -1;
            break;
        }
        refs[k].data = PyBytes_AS_STRING(item);
        refs[k].size = (size_t)PyBytes_GET_SIZE(item);
    }
    if (rc == 0) {
        tflc_status s = tflc_runner_set_input_strings(self->runner, tflc_runner_input_name(self->runner, i), refs,
                                                      (size_t)n, dims, rank);
        if (s != TFLC_OK) {
            runner_error(self, NULL, s);
            rc = -1;
        }
    }
    PyMem_Free(refs);
    Py_DECREF(seq);
    return rc;
}

/* set_input(index, payload) -> None: a buffer for numeric inputs, a list of bytes for string
 * inputs (which keep the input's current shape). The shape must already match. */
static PyObject *Runner_set_input(RunnerObject *self, PyObject *args) {
    int index;
    PyObject *payload;
    if (!PyArg_ParseTuple(args, "iO:set_input", &index, &payload)) return NULL;
    if (!runner_enter(self)) return NULL;
    int rc = -1;
    const tflc_tensor *t = io_tensor(self, index, 0);
    if (!t) {
        /* error set */
    } else if (!self->allocated) {
        PyErr_SetString(PyExc_ValueError,
                        "Cannot set tensor: Tensor is unallocated. Try calling allocate_tensors() first");
    } else if (tflc_tensor_dtype(t) == TFLC_STRING) {
        int32_t dims[TFLC_MAX_RANK];
        int rank = tflc_tensor_rank(t);
        if (rank) memcpy(dims, tflc_tensor_dims(t), (size_t)rank * sizeof *dims);
        rc = set_string_input(self, index, payload, dims, rank);
    } else {
        rc = copy_numeric_input(self, index, payload);
    }
    runner_leave(self);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

/* (dtype, shape, data) of tensor t: data is a bytearray, or a list of bytes for strings. */
static PyObject *tensor_value(const tflc_tensor *t) {
    tflc_dtype dtype = tflc_tensor_dtype(t);
    PyObject *shape = dims_tuple(tflc_tensor_dims(t), tflc_tensor_rank(t));
    if (!shape) return NULL;
    PyObject *data;
    if (dtype == TFLC_STRING) {
        size_t n = tflc_tensor_element_count(t), have = tflc_tensor_string_count(t);
        data = PyList_New((Py_ssize_t)n);
        for (size_t k = 0; data && k < n; k++) {
            const char *s = "";
            size_t len = 0;
            if (k < have) {
                tflc_status st = tflc_tensor_string_at(t, k, &s, &len);
                if (st != TFLC_OK) {
                    Py_CLEAR(data);
                    raise_last(st);
                    break;
                }
            }
            PyObject *b = PyBytes_FromStringAndSize(s, (Py_ssize_t)len);
            if (!b) {
                Py_CLEAR(data);
                break;
            }
            PyList_SET_ITEM(data, (Py_ssize_t)k, b);
        }
    } else {
        size_t bytes = tflc_tensor_byte_size(t);
        data = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)bytes);
        if (data && bytes) {
            tflc_status st = tflc_tensor_copy_to(t, PyByteArray_AS_STRING(data), bytes);
            if (st != TFLC_OK) {
                Py_CLEAR(data);
                raise_last(st);
            }
        }
    }
    if (!data) {
        Py_DECREF(shape);
        return NULL;
    }
    return Py_BuildValue("(iNN)", (int)dtype, shape, data);
}

/* get(index, is_output) -> (dtype, shape, data), a copy. */
static PyObject *Runner_get(RunnerObject *self, PyObject *args) {
    int index, is_output;
    if (!PyArg_ParseTuple(args, "ip:get", &index, &is_output)) return NULL;
    if (!runner_enter(self)) return NULL;
    PyObject *result = NULL;
    const tflc_tensor *t = io_tensor(self, index, is_output);
    if (!t) {
        /* error set */
    } else if (!self->allocated) {
        PyErr_SetString(PyExc_ValueError, "Tensor data is null. Run allocate_tensors() first");
    } else {
        result = tensor_value(t);
    }
    runner_leave(self);
    return result;
}

/* Caller holds the lock. */
static tflc_status invoke_without_gil(RunnerObject *self) {
    tflc_status s;
    tflc_runner *runner = self->runner;
    Py_BEGIN_ALLOW_THREADS
    s = tflc_runner_invoke(runner);
    Py_END_ALLOW_THREADS
    return s;
}

static PyObject *Runner_invoke(RunnerObject *self, PyObject *unused) {
    (void)unused;
    if (!runner_enter(self)) return NULL;
    tflc_status s = invoke_without_gil(self);
    runner_leave(self);
    if (s != TFLC_OK) return runner_error(self, NULL, s);
    Py_RETURN_NONE;
}

/* Builds "'x': (2, 5), 'y': (3,)" for an InputShapeError message. */
static PyObject *describe_shapes(RunnerObject *self, PyObject *feeds) {
    PyObject *parts = PyList_New(0);
    if (!parts) return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(feeds); i++) {
        PyObject *shape = PyTuple_GET_ITEM(PyTuple_GET_ITEM(feeds, i), 0);
        PyObject *s = PyUnicode_FromFormat("'%s': %R", tflc_runner_input_name(self->runner, (int)i), shape);
        if (!s || PyList_Append(parts, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(parts);
            return NULL;
        }
        Py_DECREF(s);
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return joined;
}

/* The whole of a signature call, under the lock:
 *   run(feeds) -> ((dtype, shape, data), ...) for every output in file order
 * feeds is a tuple with one (shape, payload) per input in file order: payload is a
 * C-contiguous buffer of the input's dtype for numeric inputs, a list of bytes for strings.
 * Steps: resize every input, allocate, set strings, copy numeric data, invoke without the
 * GIL, copy the outputs out. */
static PyObject *Runner_run(RunnerObject *self, PyObject *feeds) {
    if (!PyTuple_Check(feeds)) return PyErr_Format(PyExc_TypeError, "run() takes a tuple of (shape, value)");
    if (!runner_enter(self)) return NULL;
    tflc_runner *r = self->runner;
    PyObject *result = NULL;
    int n_in = tflc_runner_input_count(r);
    int32_t dims[TFLC_MAX_RANK];
    int changed = 0;
    tflc_status s;

    if (PyTuple_GET_SIZE(feeds) != n_in) {
        PyErr_Format(PyExc_ValueError, "signature '%s' has %d inputs, got %zd", tflc_runner_signature_key(r), n_in,
                     PyTuple_GET_SIZE(feeds));
        goto done;
    }
    for (int i = 0; i < n_in; i++) {
        PyObject *feed = PyTuple_GET_ITEM(feeds, i);
        if (!PyTuple_Check(feed) || PyTuple_GET_SIZE(feed) != 2) {
            PyErr_SetString(PyExc_TypeError, "each feed must be a (shape, value) tuple");
            goto done;
        }
    }
    /* 1. Shapes. */
    for (int i = 0; i < n_in; i++) {
        const char *name = tflc_runner_input_name(r, i);
        int rank = parse_shape(PyTuple_GET_ITEM(PyTuple_GET_ITEM(feeds, i), 0), dims, name);
        if (rank < 0) goto done;
        if (same_shape(tflc_runner_input_at(r, i), dims, rank)) continue;
        changed = 1;
        self->allocated = 0;
        self->reshaped = 1;
        s = tflc_runner_resize_input(r, name, dims, rank);
        if (s != TFLC_OK) {
            runner_error(self, InputShapeError, s);
            goto done;
        }
    }
    /* 2. Memory. */
    s = tflc_runner_allocate(r);
    if (s != TFLC_OK) {
        if (changed) {
            PyObject *shapes = describe_shapes(self, feeds);
            if (shapes)
                PyErr_Format(InputShapeError, "signature '%s' does not accept the input shapes {%U}: %s",
                             tflc_runner_signature_key(r), shapes, tflc_runner_error(r));
            Py_XDECREF(shapes);
        } else {
            runner_error(self, NULL, s);
        }
        goto done;
    }
    self->allocated = 1;
    self->reshaped = 0;
    /* 3. Values: strings first (setting them may re-allocate when a shape changes, which
     * it does not here: the shapes were set above), then numeric copies. */
    for (int i = 0; i < n_in; i++) {
        if (tflc_tensor_dtype(tflc_runner_input_at(r, i)) != TFLC_STRING) continue;
        const tflc_tensor *t = tflc_runner_input_at(r, i);
        int rank = tflc_tensor_rank(t);
        if (rank) memcpy(dims, tflc_tensor_dims(t), (size_t)rank * sizeof *dims);
        if (set_string_input(self, i, PyTuple_GET_ITEM(PyTuple_GET_ITEM(feeds, i), 1), dims, rank) < 0) goto done;
    }
    for (int i = 0; i < n_in; i++) {
        if (tflc_tensor_dtype(tflc_runner_input_at(r, i)) == TFLC_STRING) continue;
        if (copy_numeric_input(self, i, PyTuple_GET_ITEM(PyTuple_GET_ITEM(feeds, i), 1)) < 0) goto done;
    }
    /* 4. Run. */
    s = invoke_without_gil(self);
    if (s != TFLC_OK) {
        runner_error(self, NULL, s);
        goto done;
    }
    /* 5. Outputs. */
    int n_out = tflc_runner_output_count(r);
    result = PyTuple_New(n_out);
    for (int j = 0; result && j < n_out; j++) {
        PyObject *v = tensor_value(tflc_runner_output_at(r, j));
        if (!v) {
            Py_CLEAR(result);
            break;
        }
        PyTuple_SET_ITEM(result, j, v);
    }
done:
    runner_leave(self);
    return result;
}

static PyObject *names_of(RunnerObject *self, int outputs) {
    if (!self->runner) {
        PyErr_SetString(PyExc_RuntimeError, "Runner is not initialized");
        return NULL;
    }
    int n = outputs ? tflc_runner_output_count(self->runner) : tflc_runner_input_count(self->runner);
    PyObject *t = PyTuple_New(n);
    for (int i = 0; t && i < n; i++) {
        const char *name = outputs ? tflc_runner_output_name(self->runner, i) : tflc_runner_input_name(self->runner, i);
        PyObject *s = PyUnicode_DecodeUTF8(name, (Py_ssize_t)strlen(name), "surrogateescape");
        if (!s) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, s);
    }
    return t;
}

static PyObject *Runner_input_names(RunnerObject *self, void *closure) {
    (void)closure;
    return names_of(self, 0);
}
static PyObject *Runner_output_names(RunnerObject *self, void *closure) {
    (void)closure;
    return names_of(self, 1);
}
static PyObject *Runner_key(RunnerObject *self, void *closure) {
    (void)closure;
    if (!self->runner) Py_RETURN_NONE;
    return PyUnicode_FromString(tflc_runner_signature_key(self->runner));
}
static PyObject *Runner_arena_bytes(RunnerObject *self, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(self->runner ? tflc_runner_arena_bytes(self->runner) : 0);
}

static PyMethodDef Runner_methods[] = {
    {"info", (PyCFunction)Runner_info, METH_VARARGS,
     "info(index, is_output) -> (tensor_name, dtype, shape, shape_signature, scales, zero_points, "
     "quantized_dimension)"},
    {"resize", (PyCFunction)Runner_resize, METH_VARARGS, "resize(index, shape, strict)"},
    {"allocate", (PyCFunction)Runner_allocate, METH_NOARGS, "allocate()"},
    {"allocated", (PyCFunction)Runner_allocated, METH_NOARGS, "allocated() -> bool"},
    {"set_input", (PyCFunction)Runner_set_input, METH_VARARGS, "set_input(index, buffer or [bytes])"},
    {"get", (PyCFunction)Runner_get, METH_VARARGS, "get(index, is_output) -> (dtype, shape, data)"},
    {"invoke", (PyCFunction)Runner_invoke, METH_NOARGS, "invoke(), without the GIL"},
    {"run", (PyCFunction)Runner_run, METH_O, "run(((shape, value), ...)) -> ((dtype, shape, data), ...)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Runner_getset[] = {
    {"key", (getter)Runner_key, NULL, "the signature key", NULL},
    {"input_names", (getter)Runner_input_names, NULL, "input names in file order", NULL},
    {"output_names", (getter)Runner_output_names, NULL, "output names in file order", NULL},
    {"arena_bytes", (getter)Runner_arena_bytes, NULL, "bytes of the activation arena", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject RunnerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tflc._tflc.Runner",
    .tp_basicsize = sizeof(RunnerObject),
    .tp_dealloc = (destructor)Runner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Runner(interpreter, key): one tflc_runner; key None picks the only signature",
    .tp_methods = Runner_methods,
    .tp_getset = Runner_getset,
    .tp_init = (initproc)Runner_init,
    .tp_new = PyType_GenericNew,
};

/* ------------------------------------------------------------- module -- */

static PyObject *mod_version(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyUnicode_FromString(tflc_version());
}

static PyObject *mod_dtype_name(PyObject *module, PyObject *arg) {
    (void)module;
    long d = PyLong_AsLong(arg);
    if (d == -1 && PyErr_Occurred()) return NULL;
    return PyUnicode_FromString(tflc_dtype_name((tflc_dtype)d));
}

static PyMethodDef module_methods[] = {
    {"version", mod_version, METH_NOARGS, "the C library's version string (tflc_version())"},
    {"dtype_name", mod_dtype_name, METH_O, "dtype_name(code) -> numpy-style name"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_tflc", "tflc C API bindings (private; use the tflc package)", -1, module_methods,
    NULL, NULL, NULL, NULL,
};

static int add_type(PyObject *m, PyTypeObject *type, const char *name) {
    if (PyType_Ready(type) < 0) return -1;
    Py_INCREF(type);
    if (PyModule_AddObject(m, name, (PyObject *)type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__tflc(void) {
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    if (add_type(m, &ModelType, "Model") < 0 || add_type(m, &InterpType, "Interpreter") < 0 ||
        add_type(m, &RunnerType, "Runner") < 0)
        goto fail;
    PyObject *bases = PyTuple_Pack(2, PyExc_ValueError, PyExc_RuntimeError);
    if (!bases) goto fail;
    InputShapeError = PyErr_NewExceptionWithDoc(
        "tflc.InputShapeError",
        "The shapes given for a signature's inputs were refused. A ValueError and a RuntimeError.", bases, NULL);
    Py_DECREF(bases);
    if (!InputShapeError) goto fail;
    Py_INCREF(InputShapeError);
    if (PyModule_AddObject(m, "InputShapeError", InputShapeError) < 0) {
        Py_DECREF(InputShapeError);
        goto fail;
    }
    if (PyModule_AddIntConstant(m, "MAX_RANK", TFLC_MAX_RANK) < 0) goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
