/*
 * tflc.h -- the whole public API of tflc, a TensorFlow Lite model runtime in C11.
 *
 * A .tflite file holds one or more entry points called signatures. Each has a key
 * ("encode"), named inputs ("x") and named outputs ("encoded_result"). tflc loads the
 * file, verifies it, and runs any signature through a runner:
 *
 *     tflc_model *model;
 *     tflc_interpreter *interp;
 *     tflc_runner *runner;
 *     const int32_t dims[1] = {100};
 *     if (tflc_model_load_file("model.tflite", NULL, &model) != TFLC_OK) {
 *         fprintf(stderr, "%s\n", tflc_last_error());
 *         return 1;
 *     }
 *     tflc_interpreter_create(model, NULL, &interp);
 *     tflc_runner_create(interp, "encode", &runner);        // NULL key: the only signature
 *     tflc_runner_resize_input(runner, "x", dims, 1);
 *     tflc_runner_allocate(runner);
 *     tflc_tensor *x;
 *     tflc_runner_input(runner, "x", &x);
 *     float *in = tflc_tensor_data(x);                      // fill in[0..99]
 *     tflc_runner_invoke(runner);
 *     const tflc_tensor *y;
 *     tflc_runner_output(runner, "encoded_result", &y);
 *     ...
 *     tflc_runner_free(runner);
 *     tflc_interpreter_free(interp);
 *     tflc_model_free(model);
 *
 * Lifecycle: load model -> create interpreter -> create runner -> (resize) -> allocate ->
 * set inputs -> invoke -> read outputs -> free, in reverse order of creation.
 *
 * Errors: every function that can fail returns a tflc_status. The message of the last
 * failure on the calling thread is tflc_last_error(); a failure on a runner is also kept on
 * that runner (tflc_runner_error), valid until the next call on that runner. No function
 * aborts or exits on bad input.
 *
 * Threads: a model is immutable once loaded and may be shared by any number of interpreters
 * on any threads. Runners created from one interpreter may be used at the same time from
 * different threads, one thread per runner at a time. An interpreter's own functions
 * (create runner, free) must not race with its free.
 */
#ifndef TFLC_H
#define TFLC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(TFLC_BUILD_SHARED)
#define TFLC_API __declspec(dllexport)
#elif defined(__GNUC__)
#define TFLC_API __attribute__((visibility("default")))
#else
#define TFLC_API
#endif

/* ---------------------------------------------------------------- version -- */

#define TFLC_VERSION_MAJOR 0
#define TFLC_VERSION_MINOR 1
#define TFLC_VERSION_PATCH 0
#define TFLC_VERSION_STRING "0.1.0"
/* MAJOR*10000 + MINOR*100 + PATCH, for compile-time comparisons. */
#define TFLC_VERSION_NUMBER (TFLC_VERSION_MAJOR * 10000 + TFLC_VERSION_MINOR * 100 + TFLC_VERSION_PATCH)

/* The library's version string ("0.1.0"); compare with TFLC_VERSION_STRING to check that
 * the header and the linked library agree. Static storage. */
TFLC_API const char *tflc_version(void);
/* The library's TFLC_VERSION_NUMBER. */
TFLC_API int tflc_version_number(void);

/* ----------------------------------------------------------------- status -- */

/* Append-only: values never change meaning. */
typedef enum tflc_status {
    TFLC_OK = 0,
    TFLC_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, bad shape, wrong dtype or size */
    TFLC_ERROR_INVALID_MODEL = 2,    /* the model bytes failed verification */
    TFLC_ERROR_UNSUPPORTED = 3,      /* an operator, dtype or feature tflc does not run */
    TFLC_ERROR_NOT_FOUND = 4,        /* an unknown signature key or tensor name */
    TFLC_ERROR_OUT_OF_MEMORY = 5,
    TFLC_ERROR_IO = 6,               /* a file could not be opened, read or mapped */
    TFLC_ERROR_MISUSE = 7,           /* the call order was broken (invoke before allocate) */
    TFLC_ERROR_RUNTIME = 8,          /* an operator failed while running */
    TFLC_STATUS_COUNT
} tflc_status;

/* A short static description of a status code ("invalid model"). Never NULL. */
TFLC_API const char *tflc_status_string(tflc_status status);

/* The message of the last failing call made by this thread, or "" if none.
 * Owned by the library; valid until the next failing call on this thread. */
TFLC_API const char *tflc_last_error(void);

/* ------------------------------------------------------------------ dtype -- */

/* Numbered as TensorType in the TFLite schema. Append-only. */
typedef enum tflc_dtype {
    TFLC_FLOAT32 = 0,
    TFLC_FLOAT16 = 1,
    TFLC_INT32 = 2,
    TFLC_UINT8 = 3,
    TFLC_INT64 = 4,
    TFLC_STRING = 5,
    TFLC_BOOL = 6,
    TFLC_INT16 = 7,
    TFLC_COMPLEX64 = 8,
    TFLC_INT8 = 9,
    TFLC_FLOAT64 = 10,
    TFLC_COMPLEX128 = 11,
    TFLC_UINT64 = 12,
    TFLC_RESOURCE = 13,
    TFLC_VARIANT = 14,
    TFLC_UINT32 = 15,
    TFLC_UINT16 = 16,
    TFLC_INT4 = 17,
    TFLC_BFLOAT16 = 18,
    TFLC_DTYPE_COUNT
} tflc_dtype;

/* numpy-style name ("float32", "int8", "string"), or "unknown". Static storage. */
TFLC_API const char *tflc_dtype_name(tflc_dtype dtype);
/* Bytes per element; 0 for STRING, RESOURCE, VARIANT, INT4 and unknown values. */
TFLC_API size_t tflc_dtype_size(tflc_dtype dtype);

/* The largest tensor rank tflc accepts; a model with a higher rank is rejected at load. */
#define TFLC_MAX_RANK 8

/* ------------------------------------------------------------------ model -- */

typedef struct tflc_model tflc_model;

typedef struct tflc_model_options {
    /* Largest byte size any one tensor may have, at load and after a resize.
     * 0 means the default, 1 GiB. Guards against hostile shapes. */
    uint64_t max_tensor_bytes;
} tflc_model_options;

/* Fills *options with the defaults. */
TFLC_API void tflc_model_options_init(tflc_model_options *options);

/* Maps the file read-only (zero-copy) and verifies it. options may be NULL (defaults).
 * On success *model_out owns the mapping until tflc_model_free. On failure *model_out is
 * NULL and tflc_last_error() says what and where, e.g.
 * "subgraph 0, tensor 12: buffer 40 out of range (model has 39 buffers)". */
TFLC_API tflc_status tflc_model_load_file(const char *path, const tflc_model_options *options,
                                          tflc_model **model_out);

/* Verifies and borrows data[0..size): the caller keeps it alive and unchanged until
 * tflc_model_free. If data is not 16-byte aligned, tflc copies it once (a flatbuffer's
 * vectors are aligned relative to its start) and the caller may free it after return.
 * Buffers stored outside the flatbuffer (Buffer.offset/size) are read from data too. */
TFLC_API tflc_status tflc_model_load_buffer(const void *data, size_t size,
                                            const tflc_model_options *options,
                                            tflc_model **model_out);

/* Frees the model. NULL is a no-op. Every interpreter made from it must be freed first. */
TFLC_API void tflc_model_free(tflc_model *model);

/* Signatures as the model declares them. A model without SignatureDefs has one default
 * signature with key "serving_default" over subgraph 0, whose inputs and outputs are named
 * by their tensor names ("input<i>" / "output<i>" where a tensor has no name).
 * Indices out of range give 0 or NULL. Strings live as long as the model. */
TFLC_API int tflc_model_signature_count(const tflc_model *model);
TFLC_API const char *tflc_model_signature_key(const tflc_model *model, int signature);
TFLC_API int tflc_model_signature_subgraph(const tflc_model *model, int signature);
TFLC_API int tflc_model_signature_input_count(const tflc_model *model, int signature);
TFLC_API const char *tflc_model_signature_input_name(const tflc_model *model, int signature,
                                                     int input);
TFLC_API int tflc_model_signature_output_count(const tflc_model *model, int signature);
TFLC_API const char *tflc_model_signature_output_name(const tflc_model *model, int signature,
                                                      int output);
/* 1 if the model has no SignatureDefs and signature 0 is the default one, else 0. */
TFLC_API int tflc_model_signature_is_default(const tflc_model *model);

/* Subgraphs and their operators, for inspection. */
TFLC_API int tflc_model_subgraph_count(const tflc_model *model);
TFLC_API int tflc_model_operator_count(const tflc_model *model, int subgraph);
/* The builtin name ("FULLY_CONNECTED") or, for a custom op, its custom name ("FlexAsString").
 * Static or model storage; never NULL for a valid index. */
TFLC_API const char *tflc_model_operator_name(const tflc_model *model, int subgraph, int op);

/* ------------------------------------------------------------- operators -- */

/* Custom operators. A custom op in the model whose custom_code equals `name` runs through
 * these callbacks. prepare runs at allocate time: it checks its inputs and sets each
 * output's shape with tflc_op_set_output_shape. invoke runs at invoke time and must not
 * allocate; it reads inputs and writes outputs through tflc_tensor_data. Both return
 * TFLC_OK or an error status after calling tflc_op_fail. */
typedef struct tflc_op_context tflc_op_context;
typedef struct tflc_tensor tflc_tensor;

typedef struct tflc_custom_op {
    const char *name;
    void *user_data;
    tflc_status (*prepare)(tflc_op_context *ctx);
    tflc_status (*invoke)(tflc_op_context *ctx);
} tflc_custom_op;

TFLC_API int tflc_op_input_count(const tflc_op_context *ctx);
TFLC_API int tflc_op_output_count(const tflc_op_context *ctx);
/* NULL for an optional input the model left out (index -1). */
TFLC_API const tflc_tensor *tflc_op_input(const tflc_op_context *ctx, int index);
TFLC_API tflc_tensor *tflc_op_output(tflc_op_context *ctx, int index);
TFLC_API tflc_status tflc_op_set_output_shape(tflc_op_context *ctx, int index,
                                              const int32_t *dims, int rank);
TFLC_API const void *tflc_op_custom_options(const tflc_op_context *ctx, size_t *size_out);
TFLC_API void *tflc_op_user_data(const tflc_op_context *ctx);
/* Records a printf-style message for the runner and returns `status`. */
TFLC_API tflc_status tflc_op_fail(tflc_op_context *ctx, tflc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The builtin operators this build runs: name ("CONV_2D") and accepted versions ("1-8").
 * NULL past the end. Static storage. Select-TF ops are listed by tflc_flex_operators. */
TFLC_API int tflc_builtin_operator_count(void);
TFLC_API const char *tflc_builtin_operator_name(int index, const char **versions_out);
/* The Select TensorFlow ops run natively, comma separated ("AsString, StringToNumber"). */
TFLC_API const char *tflc_flex_operators(void);

/* ------------------------------------------------------------ interpreter -- */

typedef struct tflc_interpreter tflc_interpreter;

typedef struct tflc_interpreter_options {
    int num_threads;                  /* 0 or 1: single-threaded kernels */
    const tflc_custom_op *custom_ops; /* copied at create; the names must outlive it */
    int custom_op_count;
} tflc_interpreter_options;

TFLC_API void tflc_interpreter_options_init(tflc_interpreter_options *options);

/* Creates an interpreter over `model`, which must outlive it. options may be NULL.
 * The interpreter owns the state that the model's signatures share. */
TFLC_API tflc_status tflc_interpreter_create(const tflc_model *model,
                                             const tflc_interpreter_options *options,
                                             tflc_interpreter **interp_out);
/* Frees the interpreter. NULL is a no-op. Its runners must be freed first. */
TFLC_API void tflc_interpreter_free(tflc_interpreter *interp);
TFLC_API const tflc_model *tflc_interpreter_model(const tflc_interpreter *interp);

/* Resource variables the model declares (VAR_HANDLE), shared by all runners of this
 * interpreter. A variable gets its first value from the model's initialization subgraph,
 * which runs once per interpreter when the first runner allocates. Names are shared_names
 * and live as long as the model. */
TFLC_API int tflc_interpreter_variable_count(const tflc_interpreter *interp);
TFLC_API const char *tflc_interpreter_variable_name(const tflc_interpreter *interp, int index);
/* Copies variable `name` out: dtype, dims (TFLC_MAX_RANK room) and rank always; the bytes
 * into data[0..size) when data is not NULL (size must equal the variable's byte size).
 * A reader never sees a half-written value, whatever other threads invoke. */
TFLC_API tflc_status tflc_interpreter_read_variable(tflc_interpreter *interp, const char *name,
                                                    tflc_dtype *dtype_out, int32_t *dims_out, int *rank_out,
                                                    void *data, size_t size);
/* Assigns a value (copied) to variable `name`. Runners that read it must be allocated again
 * if the shape changed. */
TFLC_API tflc_status tflc_interpreter_write_variable(tflc_interpreter *interp, const char *name, tflc_dtype dtype,
                                                     const int32_t *dims, int rank, const void *data, size_t size);
/* Restores every variable to its value right after initialization. */
TFLC_API tflc_status tflc_interpreter_reset_variables(tflc_interpreter *interp);

/* ----------------------------------------------------------------- runner -- */

typedef struct tflc_runner tflc_runner;

/* Creates a runner for the signature `key`. key may be NULL when the model has exactly one
 * signature (or none: then the default one). Every operator the signature reaches is
 * resolved here: an unsupported one fails with its name, version and place. An unknown key
 * fails with TFLC_ERROR_NOT_FOUND and a message listing the valid keys. Any number of
 * runners may exist per signature; each has its own arena. */
TFLC_API tflc_status tflc_runner_create(tflc_interpreter *interp, const char *key,
                                        tflc_runner **runner_out);
/* Frees the runner and its arena. NULL is a no-op. */
TFLC_API void tflc_runner_free(tflc_runner *runner);

/* The message of this runner's last failure, or "". Valid until the next call on it. */
TFLC_API const char *tflc_runner_error(const tflc_runner *runner);
TFLC_API const char *tflc_runner_signature_key(const tflc_runner *runner);

/* Inputs and outputs in file order. Names live as long as the model. */
TFLC_API int tflc_runner_input_count(const tflc_runner *runner);
TFLC_API const char *tflc_runner_input_name(const tflc_runner *runner, int index);
TFLC_API int tflc_runner_output_count(const tflc_runner *runner);
TFLC_API const char *tflc_runner_output_name(const tflc_runner *runner, int index);

/* Sets the shape of input `name` to dims[0..rank). Accepts any shape the operators accept
 * (checked at allocate), as LiteRT's Python runner does. dims is copied. Marks the runner
 * as needing allocate. */
TFLC_API tflc_status tflc_runner_resize_input(tflc_runner *runner, const char *name,
                                              const int32_t *dims, int rank);
/* As tflc_runner_resize_input, but refuses to change the rank or any dimension that the
 * tensor's shape_signature fixes (only -1 dimensions may change), as LiteRT's C API does. */
TFLC_API tflc_status tflc_runner_resize_input_strict(tflc_runner *runner, const char *name,
                                                     const int32_t *dims, int rank);

/* Infers every shape, checks every operator, plans the arena and allocates it. Needed
 * before the first invoke and after any resize. Input contents are kept when no input
 * changed shape. */
TFLC_API tflc_status tflc_runner_allocate(tflc_runner *runner);

/* The tensor behind input/output `name`. The pointer stays valid until the runner is freed;
 * its data pointer and shape until the next resize or allocate. A resized input has no
 * data (NULL; copies refuse) until the next allocate. */
TFLC_API tflc_status tflc_runner_input(tflc_runner *runner, const char *name,
                                       tflc_tensor **tensor_out);
TFLC_API tflc_status tflc_runner_output(const tflc_runner *runner, const char *name,
                                        const tflc_tensor **tensor_out);
/* The same by position (file order); NULL when out of range. */
TFLC_API tflc_tensor *tflc_runner_input_at(tflc_runner *runner, int index);
TFLC_API const tflc_tensor *tflc_runner_output_at(const tflc_runner *runner, int index);

/* Runs the signature on the current inputs. Does not allocate memory. */
TFLC_API tflc_status tflc_runner_invoke(tflc_runner *runner);

/* 1 when the runner is allocated for its current input shapes (a resize clears it). */
TFLC_API int tflc_runner_is_allocated(const tflc_runner *runner);

/* The index, in the signature's subgraph, of the tensor behind input/output `index` (what
 * LiteRT reports as a tensor's "index"); -1 when out of range. */
TFLC_API int tflc_runner_input_tensor_index(const tflc_runner *runner, int index);
TFLC_API int tflc_runner_output_tensor_index(const tflc_runner *runner, int index);

/* Bytes of the runner's activation arena (0 before allocate). */
TFLC_API size_t tflc_runner_arena_bytes(const tflc_runner *runner);

/* -------------------------------------------------------------- profiling -- */

/* Per-operator timing of invoke, as LiteRT's benchmark_model --enable_op_profiling does.
 * Off by default; while off, invoke pays one predictable branch per operator. Only the
 * operators of the signature's own subgraph are timed: a subgraph that one of them calls
 * (IF, WHILE, CALL) counts toward that operator. Times are wall clock (CLOCK_MONOTONIC),
 * so with threads they include waiting for the pool. */
typedef struct tflc_op_profile {
    int op_index;               /* operator index in the signature's subgraph */
    const char *op_name;        /* as tflc_model_operator_name; lives as long as the model */
    const tflc_tensor *output;  /* its first output (NULL if none); valid as the runner's tensors */
    uint64_t count;             /* invokes that ran it since enabled or reset (0 if folded,
                                   or fused into another operator, whose time includes its
                                   work) */
    uint64_t total_ns;          /* its time over those invokes, in nanoseconds */
} tflc_op_profile;

/* enable != 0 turns profiling on (allocating its counters here, not at invoke) and clears
 * the counters; 0 turns it off and frees them. Calling it during an invoke on another thread
 * is a race. Fails only with OUT_OF_MEMORY (profiling then stays off) or a NULL runner. */
TFLC_API tflc_status tflc_runner_set_profiling(tflc_runner *runner, int enable);
/* 1 while profiling is on. */
TFLC_API int tflc_runner_is_profiling(const tflc_runner *runner);
/* Sets every counter back to 0 (e.g. after warm-up runs). A no-op while profiling is off. */
TFLC_API void tflc_runner_reset_profile(tflc_runner *runner);
/* Entries tflc_runner_profile_at accepts: the operator count of the signature's subgraph
 * while profiling is on, else 0. */
TFLC_API int tflc_runner_profile_count(const tflc_runner *runner);
/* Copies entry `index` (= operator index) into *profile_out. INVALID_ARGUMENT for a NULL
 * argument or an index out of range, MISUSE while profiling is off. */
TFLC_API tflc_status tflc_runner_profile_at(const tflc_runner *runner, int index, tflc_op_profile *profile_out);

/* ----------------------------------------------------------------- tensor -- */

typedef struct tflc_quantization {
    int count;                 /* number of scales (0: not quantized) */
    const float *scales;       /* [count] */
    const int64_t *zero_points;/* [count] */
    int quantized_dimension;   /* axis of per-channel quantization */
} tflc_quantization;

TFLC_API const char *tflc_tensor_name(const tflc_tensor *t);
TFLC_API tflc_dtype tflc_tensor_dtype(const tflc_tensor *t);
TFLC_API int tflc_tensor_rank(const tflc_tensor *t);
/* dims[0..rank), valid until the next resize or allocate. */
TFLC_API const int32_t *tflc_tensor_dims(const tflc_tensor *t);
/* shape_signature as the model records it (-1 marks a dynamic dimension); when the model
 * has none, the static shape. *rank_out receives its length. */
TFLC_API const int32_t *tflc_tensor_shape_signature(const tflc_tensor *t, int *rank_out);
TFLC_API size_t tflc_tensor_element_count(const tflc_tensor *t);
TFLC_API size_t tflc_tensor_byte_size(const tflc_tensor *t);
/* NULL before allocate. */
TFLC_API void *tflc_tensor_data(tflc_tensor *t);
TFLC_API const void *tflc_tensor_data_const(const tflc_tensor *t);
TFLC_API void tflc_tensor_quantization(const tflc_tensor *t, tflc_quantization *q_out);
/* Copies exactly tflc_tensor_byte_size bytes; any other size is INVALID_ARGUMENT. */
TFLC_API tflc_status tflc_tensor_copy_from(tflc_tensor *t, const void *data, size_t size);
TFLC_API tflc_status tflc_tensor_copy_to(const tflc_tensor *t, void *data, size_t size);

/* ---------------------------------------------------------------- strings -- */

/* String tensors hold, per element, a byte string of any length (not NUL-terminated; may
 * contain NUL bytes). Their memory is not part of the arena: it is sized by the strings
 * themselves, when they are set or computed, and kept for reuse between invokes.
 * In memory a string tensor is TFLite's layout: int32 count n, int32 offsets[n+1] from the
 * start of the buffer, then the bytes; tflc_tensor_data_const gives that buffer and
 * tflc_tensor_byte_size its length. */
typedef struct tflc_string_ref {
    const char *data;
    size_t size;
} tflc_string_ref;

/* Sets string input `name` to strings[0..count). The input takes shape dims[0..rank) when
 * dims is given (its element count must equal count), else keeps its shape if that holds
 * `count` elements, else becomes [count]. A change of shape re-allocates the runner (as
 * tflc_runner_allocate), so earlier data pointers of this runner's tensors become invalid.
 * The bytes are copied. */
TFLC_API tflc_status tflc_runner_set_input_strings(tflc_runner *runner, const char *name,
                                                   const tflc_string_ref *strings, size_t count,
                                                   const int32_t *dims, int rank);
/* Number of strings in a string tensor (its element count once set or computed). */
TFLC_API size_t tflc_tensor_string_count(const tflc_tensor *t);
/* String `index` of a string tensor: *data_out points into the tensor (valid until the next
 * invoke, resize or allocate), *size_out is its length in bytes. */
TFLC_API tflc_status tflc_tensor_string_at(const tflc_tensor *t, size_t index, const char **data_out,
                                           size_t *size_out);

#ifdef __cplusplus
}
#endif
#endif /* TFLC_H */
