/*
 * threadpool.h -- a persistent pool of worker threads for kernels that split their work.
 *
 *     static void rows(void *ctx, int task, int thread) { ... compute tile `task` ... }
 *     tflc_threadpool *pool;
 *     tflc_threadpool_create(4, &pool);              // the caller + 3 workers
 *     tflc_parallel_for(pool, n_tiles, rows, &args); // returns when every tile is done
 *     tflc_threadpool_free(pool);
 *
 * Kernels do not see the pool: they call tflc_node_parallel_for(node, ...) and
 * tflc_node_num_threads(node) (internal.h), which reach their runner's pool.
 *
 * Semantics:
 *   - tasks 0..n_tasks-1 each run exactly once, on the calling thread (thread 0) or on a
 *     worker (threads 1..size-1); `thread` is stable for the duration of one task, so a
 *     kernel may index per-thread scratch with it (size it with tflc_threadpool_size).
 *     Which task runs on which thread is not fixed: thread t starts on the t-th contiguous
 *     block of the tasks and then helps with the others' (threadpool.c), so on a quiet
 *     machine it usually runs its own block.
 *   - tflc_parallel_for returns after every task has returned; everything the tasks wrote
 *     is then visible to the caller.
 *   - pool NULL, a pool of 1 thread, or n_tasks <= 1: the tasks run in order on the caller,
 *     with no locking and no atomics.
 *   - a call made from inside a task (nested parallelism) runs serially on that thread.
 *   - workers are started on the first parallel call (a pool that is never used costs no
 *     threads); between jobs they spin briefly, then sleep on a condition variable.
 *     tflc_parallel_for never allocates.
 *   - one caller at a time per pool: a pool belongs to one runner, and a runner is used by
 *     one thread at a time. Different pools are independent.
 *   - if a worker thread cannot be started, the pool runs with the workers it has (at
 *     worst serially on the caller); results are the same, only slower.
 */
#ifndef TFLC_CORE_THREADPOOL_H
#define TFLC_CORE_THREADPOOL_H

#include "tflc.h"

/* Upper bound on n_threads, against typos like 1000000. */
#define TFLC_MAX_THREADS 256

typedef struct tflc_threadpool tflc_threadpool;

/* One unit of work: `task` in 0..n_tasks-1, `thread` in 0..size-1 (0 is the caller). */
typedef void (*tflc_task_fn)(void *ctx, int task, int thread);

/* A pool of n_threads threads in all, the caller included (n_threads - 1 workers, started
 * lazily). n_threads must be in 1..TFLC_MAX_THREADS. On failure *pool_out is NULL. */
tflc_status tflc_threadpool_create(int n_threads, tflc_threadpool **pool_out);

/* Stops and joins the workers and frees the pool. NULL is a no-op. Must not race with a
 * tflc_parallel_for on the same pool. */
void tflc_threadpool_free(tflc_threadpool *pool);

/* Threads a parallel_for may use, the caller included: n_threads of create, 1 for NULL. */
int tflc_threadpool_size(const tflc_threadpool *pool);

/* Runs fn(ctx, task, thread) for every task in 0..n_tasks-1 and returns when all are done.
 * n_tasks <= 0 does nothing. */
void tflc_parallel_for(tflc_threadpool *pool, int n_tasks, tflc_task_fn fn, void *ctx);

#endif
