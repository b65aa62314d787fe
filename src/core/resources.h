/*
 * resources.h -- state an interpreter's signatures share: resource variables (VAR_HANDLE,
 * READ_VARIABLE, ASSIGN_VARIABLE), hash tables (HASHTABLE_*) and the once-flags of
 * initialization subgraphs (CALL_ONCE).
 *
 * Every variable is registered at interpreter creation from the model's VAR_HANDLE
 * operators, keyed by (container, shared_name); a handle is its index. Values are copied in
 * and out under the interpreter's lock, so a reader sees a variable either before or after
 * an assignment, never torn. The values after the initialization subgraphs ran are kept as
 * a snapshot for tflc_interpreter_reset_variables.
 */
#ifndef TFLC_CORE_RESOURCES_H
#define TFLC_CORE_RESOURCES_H

#include <pthread.h>
#include <stdbool.h>

#include "core/internal.h"

typedef struct tflc_variable {
    const char *container;            /* model strings ("" when absent) */
    const char *shared_name;
    bool assigned;
    tflc_dtype dtype;
    int rank;
    int32_t dims[TFLC_MAX_RANK];
    void *data;                       /* bytes long, malloc'ed */
    size_t bytes;
} tflc_variable;

typedef struct tflc_hashtable tflc_hashtable;

typedef struct tflc_resources {
    tflc_variable *vars;
    int n_vars;
    tflc_variable *snapshot;          /* [n_vars] after initialization, or NULL */
    tflc_hashtable **tables;          /* [n_tables]; a table's handle is its index */
    int n_tables;
    unsigned char *init_done;         /* [n_subgraphs]: CALL_ONCE ran this subgraph */
    pthread_mutex_t lock;             /* variables and tables */
    pthread_mutex_t init_lock;        /* serializes initialization subgraphs */
} tflc_resources;

tflc_status tflc_resources_init(tflc_resources *res, const tflc_model *model);
void tflc_resources_release(tflc_resources *res);

/* The handle of variable (container, shared_name), or -1. */
int tflc_resources_find_variable(tflc_resources *res, const char *container, const char *shared_name);

/* Reads variable `handle` into `out` (shape and dtype must already match `out`); fails with
 * a message naming the variable when it was never assigned. Takes the lock. */
tflc_status tflc_variable_read(tflc_resources *res, int handle, tflc_tensor *out, char *err);
/* The variable's current dtype and shape (rank -1 when unassigned). Takes the lock. */
void tflc_variable_shape(tflc_resources *res, int handle, tflc_dtype *dtype, int32_t *dims, int *rank);
/* Assigns `value`'s contents (any shape; the dtype is fixed by the first assignment). */
tflc_status tflc_variable_assign(tflc_resources *res, int handle, const tflc_tensor *value, char *err);

/* Records the current values as the state after initialization. Caller holds no lock. */
tflc_status tflc_resources_snapshot(tflc_resources *res);
/* Puts every variable back to the snapshot (unassigned if there is none). */
tflc_status tflc_resources_restore(tflc_resources *res);

/* Hash tables (int64 -> string, string -> int64, and numeric pairs), found by the model's
 * table id and created on first use; *handle_out receives the table's handle. */
tflc_status tflc_hashtable_get(tflc_resources *res, int32_t id, tflc_dtype key, tflc_dtype value,
                               int32_t *handle_out, char *err);
tflc_status tflc_hashtable_import(tflc_resources *res, tflc_hashtable *t, const tflc_tensor *keys,
                                  const tflc_tensor *values, char *err);
/* For each key: the value, or `fallback` (element 0 of a tensor of the value dtype). */
tflc_status tflc_hashtable_find(tflc_resources *res, tflc_hashtable *t, tflc_node *node, const tflc_tensor *keys,
                                const tflc_tensor *fallback, int output);
int64_t tflc_hashtable_size(tflc_resources *res, tflc_hashtable *t);
tflc_hashtable *tflc_hashtable_by_handle(tflc_resources *res, int32_t handle);

#endif
