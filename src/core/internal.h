/*
 * internal.h -- the structures shared by the model, interpreter, runner, planner and ops.
 * Nothing here is public; include/tflc.h is the API.
 *
 * Two layers:
 *   descriptions (tflc_*_desc)  decoded once at load from the verified flatbuffer, owned by
 *                               the immutable model, shared read-only by every runner;
 *   runtime state (tflc_tensor, tflc_node, tflc_graph)  owned by one runner.
 */
#ifndef TFLC_CORE_INTERNAL_H
#define TFLC_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pages.h"
#include "kernels/cpu.h"
#include "tflc.h"

#define TFLC_ERRMSG_SIZE 512
#define TFLC_ARENA_ALIGN 64

/* bytes rounded up to a multiple of TFLC_ARENA_ALIGN: the arena's, scratch arrays' and thread
 * scratch blocks' granule. */
static inline size_t tflc_arena_round(size_t bytes) {
    return (bytes + TFLC_ARENA_ALIGN - 1) & ~(size_t)(TFLC_ARENA_ALIGN - 1);
}
#define TFLC_DEFAULT_MAX_TENSOR_BYTES ((uint64_t)1 << 30)

/* ---------------------------------------------------------- descriptions -- */

typedef struct tflc_tensor_desc {
    const char *name;                 /* never NULL; "" if the model has none */
    tflc_dtype dtype;
    int rank;
    int32_t shape[TFLC_MAX_RANK];
    int signature_rank;               /* rank of shape_signature; == rank when absent */
    int32_t shape_signature[TFLC_MAX_RANK]; /* -1 marks a dynamic dimension */
    const void *data;                 /* constant contents (aligned for dtype), or NULL */
    size_t data_size;
    tflc_quantization quant;          /* points into the model */
    bool is_variable;
} tflc_tensor_desc;

typedef struct tflc_op_desc {
    int32_t builtin_code;             /* BuiltinOperator; OPC_CUSTOM for custom ops */
    int32_t version;
    const char *custom_name;          /* custom_code, or NULL for builtins */
    const int32_t *inputs;            /* [n_inputs], -1 = optional input left out */
    int n_inputs;
    const int32_t *outputs;           /* [n_outputs] */
    int n_outputs;
    const int32_t *intermediates;     /* [n_intermediates] */
    int n_intermediates;
    uint8_t options_type;             /* BO_* */
    const uint8_t *options;           /* verified builtin options table, or NULL */
    const uint8_t *custom_options;    /* custom_options bytes, or NULL */
    size_t custom_options_size;
} tflc_op_desc;

typedef struct tflc_subgraph_desc {
    const char *name;
    tflc_tensor_desc *tensors;
    int n_tensors;
    tflc_op_desc *ops;
    int n_ops;
    const int32_t *inputs;            /* [n_inputs] tensor indices */
    int n_inputs;
    const int32_t *outputs;           /* [n_outputs] tensor indices */
    int n_outputs;
} tflc_subgraph_desc;

typedef struct tflc_io_desc {
    const char *name;
    int tensor;                       /* index in the signature's subgraph */
} tflc_io_desc;

typedef struct tflc_signature_desc {
    const char *key;
    int subgraph;
    tflc_io_desc *inputs;
    int n_inputs;
    tflc_io_desc *outputs;
    int n_outputs;
} tflc_signature_desc;

struct tflc_model {
    const uint8_t *buf;               /* the verified flatbuffer (== file start) */
    size_t size;
    void *mapping;                    /* mmap of the file, or NULL */
    size_t mapping_size;
    void *owned_copy;                 /* aligned copy of a misaligned borrowed buffer */
    uint64_t max_tensor_bytes;

    tflc_subgraph_desc *subgraphs;
    int n_subgraphs;
    tflc_signature_desc *signatures;
    int n_signatures;
    bool default_signature;           /* no SignatureDefs: signature 0 is synthesized */

    void **blocks;                    /* every decoded array and generated name, freed together */
    int n_blocks;
    int cap_blocks;
    struct tflc_weight_cache *weight_cache; /* packed weights (core/weight_cache.h) */
};

/* ---------------------------------------------------------- runtime state -- */

typedef enum tflc_alloc_kind {
    TFLC_ALLOC_NONE = 0,              /* not allocated yet */
    TFLC_ALLOC_CONST,                 /* points into the model */
    TFLC_ALLOC_ARENA,                 /* planned into the runner's arena */
    TFLC_ALLOC_HEAP,                  /* string tensors: the runner's growable heap buffer */
    TFLC_ALLOC_FOLDED,                /* computed once at allocate from constants (heap) */
} tflc_alloc_kind;

struct tflc_tensor {
    const tflc_tensor_desc *desc;
    tflc_dtype dtype;
    int rank;
    int32_t dims[TFLC_MAX_RANK];
    size_t bytes;                     /* element count * dtype size */
    void *data;
    tflc_alloc_kind alloc;
    void *heap;                       /* HEAP and FOLDED tensors: owned buffer, `capacity` bytes */
    size_t capacity;
    bool dynamic;                     /* shape known only at invoke: lives on the heap */
};

typedef struct tflc_kernel tflc_kernel;
typedef struct tflc_graph tflc_graph;

/* One operator instance in a runner; also the context handed to custom ops. */
struct tflc_op_context {
    const tflc_op_desc *desc;
    const tflc_kernel *kernel;
    const tflc_custom_op *custom;     /* set for custom ops registered by the user */
    tflc_tensor **inputs;             /* [n_inputs]; NULL entries for optional inputs */
    int n_inputs;
    tflc_tensor **outputs;            /* [n_outputs] */
    int n_outputs;
    void *params;                     /* kernel->params_size bytes, zeroed at runner create */
    size_t scratch_bytes;             /* set by prepare; arena space live during eval only */
    void *scratch;
    tflc_graph *graph;
    int index;                        /* operator index in its subgraph */
    bool folded;                      /* computed at allocate time; skipped by invoke */
    bool fused;                       /* its work is done by another node (graph.c fusion); skipped by invoke */
    bool deferred;                    /* an input is dynamic: prepared at invoke, just before eval */
    void *scratch_heap;               /* scratch of a deferred node (the arena cannot know its size) */
    size_t scratch_capacity;
    size_t thread_scratch_bytes;      /* set by prepare: per-thread memory (tflc_node_thread_scratch) */
    unsigned char *thread_scratch;    /* thread t's at + t * thread_scratch_stride */
    size_t thread_scratch_stride;
};
typedef struct tflc_op_context tflc_node;

/* An operator implementation. prepare checks dtypes and options, sets every output's shape
 * (tflc_node_set_output_shape) and scratch_bytes; it may read constant inputs' data, and
 * fills node->params with whatever eval needs. eval computes; it must not allocate. */
struct tflc_kernel {
    const char *name;
    size_t params_size;
    tflc_status (*prepare)(tflc_node *node);
    tflc_status (*eval)(tflc_node *node);
    unsigned flags;                   /* TFLC_KERNEL_* */
};

/* The kernel has effects beyond its outputs (variables, tables, randomness): never fold it. */
#define TFLC_KERNEL_STATEFUL 1u
/* eval reads only its inputs' shapes (SHAPE, RANK): fold it whenever shapes are known. */
#define TFLC_KERNEL_SHAPE_ONLY 2u

/* One operator's profile: invokes that ran it and their summed wall time. */
typedef struct tflc_node_time {
    uint64_t count;
    uint64_t ns;
} tflc_node_time;

/* A subgraph instantiated inside a runner: the signature's own, or one it calls (IF, WHILE,
 * CALL, CALL_ONCE). Each has its own tensors, nodes and planned arena (graph.c). */
struct tflc_graph {
    const tflc_subgraph_desc *desc;
    struct tflc_runner *runner;
    int index;                        /* subgraph index in the model */
    tflc_tensor *tensors;             /* [desc->n_tensors] */
    tflc_node *nodes;                 /* [desc->n_ops] */
    tflc_tensor **node_io;            /* pool behind every node's inputs/outputs arrays */
    unsigned char *arena;             /* TFLC_ARENA_ALIGN-aligned, arena_bytes long */
    size_t arena_bytes;
    tflc_pages arena_pages;           /* what arena points into (huge pages when big) */
    bool prepared;                    /* shapes, plan and arena are current */
    bool string_inputs;               /* an input is a string tensor: invoke checks it was set */
    tflc_node_time *profile;          /* [desc->n_ops] while op profiling is on, else NULL;
                                       * owned by the runner (tflc_runner_set_profiling) */
};

/* -------------------------------------------------------- shared helpers -- */

/* Records a formatted message on the node's runner (prefixed "subgraph S, operator I (NAME): ")
 * and in the thread's last error; returns status. Also reachable as tflc_op_fail. */
tflc_status tflc_node_fail(tflc_node *node, tflc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Sets output `index` of the node to dims[0..rank) and its byte size, refusing negative
 * dimensions, rank > TFLC_MAX_RANK and sizes over the model's max_tensor_bytes. For a
 * dynamic output (see below) it also makes room on the heap, so eval may call it. */
tflc_status tflc_node_set_output_shape(tflc_node *node, int index, const int32_t *dims, int rank);

/* At prepare: output `index`'s shape depends on input values known only at invoke (WHERE,
 * a WHILE loop whose state grows). eval must then call tflc_node_set_output_shape before
 * writing it. Operators reading a dynamic tensor are prepared at invoke, just before eval. */
tflc_status tflc_node_set_output_dynamic(tflc_node *node, int index);

/* Bytes per element as tensors store them: the dtype's size, and 4 for RESOURCE tensors,
 * which hold an int32 handle into the interpreter's resources. */
size_t tflc_storage_size(tflc_dtype dtype);

/* Product of dims (1 for rank 0). Shapes were bounded at load/resize, so no overflow. */
static inline size_t tflc_shape_count(const int32_t *dims, int rank) {
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    return n;
}
static inline size_t tflc_tensor_count(const tflc_tensor *t) { return tflc_shape_count(t->dims, t->rank); }

/* Element count with overflow detection: returns false when the product of dims times
 * elem_size exceeds `cap` (or size_t). */
bool tflc_shape_bytes(const int32_t *dims, int rank, size_t elem_size, uint64_t cap, size_t *bytes_out);

/* Error plumbing (core/error.c): writes into buf (a handle's message, may be NULL) and the
 * thread's last error. Returns status so callers can `return tflc_fail(...)`. */
tflc_status tflc_fail(char *buf, tflc_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
tflc_status tflc_vfail(char *buf, tflc_status status, const char *fmt, va_list ap);

/* Builtin kernel lookup (ops/registry.c): NULL when tflc has no kernel for that code, and
 * sets *versions_out to a description of the supported versions ("1-4") when the code is
 * known but the version is not. */
const tflc_kernel *tflc_find_builtin_kernel(int32_t code, int32_t version, const char **versions_out);

/* ------------------------------------------------------------- threads -- */
/* threadpool hook (core/threadpool.c). Splits a kernel's work over its runner's threads:
 * runs fn(ctx, task, thread) for task 0..n_tasks-1, on the calling thread (thread 0) and the
 * runner's workers (1..tflc_node_num_threads(node)-1), and returns when all are done. Split
 * by output tiles so tasks never write the same bytes. Serial when the interpreter has
 * num_threads <= 1. Never allocates; a call from inside a task runs serially. */
void tflc_node_parallel_for(tflc_node *node, int n_tasks, void (*fn)(void *ctx, int task, int thread), void *ctx);
/* Threads tflc_node_parallel_for may use (>= 1): size per-thread scratch with it. */
int tflc_node_num_threads(const tflc_node *node);
/* Thread `thread`'s node->thread_scratch_bytes bytes of working memory (64-byte aligned),
 * live during eval; NULL when the node asked for none. Every node of a graph gets the same
 * bytes for the same thread (graph.c plans one block per thread for the whole invoke), so
 * what a thread writes there, an int8 GEMM's int32 accumulators, stays in its own core's
 * caches from one operator to the next; a node's own scratch overlaps tensors that the
 * other thread may have written last. */
static inline void *tflc_node_thread_scratch(const tflc_node *node, int thread) {
    return node->thread_scratch_bytes ? node->thread_scratch + (size_t)thread * node->thread_scratch_stride
                                      : NULL;
}

/* A split of n independent elements (an elementwise op's output) into spans for
 * tflc_node_parallel_for: about TFLC_TASKS_PER_THREAD spans per thread (a late or descheduled
 * thread then delays the op by one small span, not half of it), at most twice that where
 * more spans share out evenly (tflc_balanced_span), each a multiple of `align` elements
 * and at least `min_span` long. Returns the span count (1: run it serially) and the
 * span length in *span_out; span t covers [t * span, min(n, (t + 1) * span)). */
int tflc_node_split_span(const tflc_node *node, size_t n, size_t min_span, size_t align, size_t *span_out);

/* Contents readable at prepare time: model constants and tensors folded at allocate. */
static inline bool tflc_tensor_is_constant(const tflc_tensor *t) {
    return t->alloc == TFLC_ALLOC_CONST || t->alloc == TFLC_ALLOC_FOLDED;
}

#endif
