/*
 * threadpool.c -- the persistent worker pool behind tflc_parallel_for (threadpool.h), and
 * the kernels' entry points tflc_node_parallel_for / tflc_node_num_threads (internal.h).
 *
 * One job at a time. `generation` is even while no job is open and odd while one is:
 *   caller: write the job (fn, ctx, each thread's share of the tasks); generation++ (open,
 *           publishes it); wake sleeping workers; claim and run tasks until none are left;
 *           generation++ (closed); wait until `active` is 0; return.
 *   worker: wait for an odd generation it has not served; active++; re-read generation: if
 *           the job is still open, claim and run tasks until none are left; active--.
 * Claiming: thread t's share is the t-th contiguous block of the tasks (a counter and an end
 * per thread, each on its own cache line). A thread claims from its own block first, then
 * from the others' (work stealing), so a late or descheduled thread still costs one task,
 * but on a quiet machine thread t runs the same part of every job: as kernels split their
 * output in order, an operator then reads mostly what the same core wrote for the one
 * before, from its own L2 (with one shared counter, the tasks of consecutive operators fell
 * to either core at random, and a 2-thread MobileNet V3's small elementwise operators ran 2-3x
 * slower than on 1 thread, reading the other core's cache).
 * A worker that arrives late finds the job closed (or a newer job open, which it may serve)
 * and touches nothing, so the caller never waits for a worker that was not scheduled in
 * time: it runs the remaining tasks itself. It only waits for workers inside the job, and
 * the job fields are never rewritten while one is (active > 0).
 *
 * The re-check and the caller's close are sequentially consistent atomics on two variables
 * (active, generation), so at least one side sees the other's write. Sleeping uses the same
 * pattern: the sleeper announces itself (`sleepers`, `caller_waiting`) and re-checks under
 * the mutex; the waker changes the atomic, then reads the announcement. No lost wake-ups, and
 * no mutex traffic while both sides spin.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/runner.h"
#include "core/threadpool.h"

/* Polls before sleeping: long enough to bridge the gap between two operators of one invoke
 * (microseconds), short enough not to burn a shared core for long when idle. Every 64 polls
 * the thread yields: when the other cores are busy, the caller and a worker may share one
 * core, and a poll that never yields would keep the other from running until the next tick.
 * (Polling without yields for the first 20 us of a wait was tried: on this shared 2-core
 * machine it made some 2-thread runs slower than 1 thread, as the two threads took turns.) */
#define SPIN_ITERATIONS 10000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* One thread's block of a job's tasks, [next, end) still unclaimed; any thread may claim from
 * it. A cache line of its own, so claims on one block do not disturb the others. */
typedef struct task_share {
    _Alignas(64) atomic_int next;
    int end;
} task_share;

typedef struct worker {
    tflc_threadpool *pool;
    int index;                        /* 1..n_threads-1; 0 is the caller */
    pthread_t thread;
} worker;

struct tflc_threadpool {
    int n_threads;                    /* the caller included */
    int n_workers;                    /* workers actually started (0 until first use) */
    bool started;
    worker *workers;                  /* [n_threads - 1] */

    pthread_mutex_t lock;
    pthread_cond_t wake;              /* workers sleep here between jobs */
    pthread_cond_t done;              /* the caller sleeps here until `active` is 0 */

    /* The current job: written by the caller while no worker is active, before it opens the
     * job; read by workers that entered while it is open. */
    tflc_task_fn fn;
    void *ctx;

    atomic_uint generation;           /* odd: a job is open */
    atomic_int active;                /* workers inside the current job */
    atomic_int sleepers;              /* workers blocked (or about to block) on `wake` */
    atomic_bool caller_waiting;       /* the caller is blocked (or about to block) on `done` */
    atomic_bool stop;

    task_share *shares;               /* [n_threads]: thread t's block of the current job */
};

/* Set for the lifetime of a worker, and on the caller while it runs tasks: a parallel_for
 * from inside a task runs serially instead of deadlocking on its own pool. */
static _Thread_local bool in_task;

/* ------------------------------------------------------------ both sides -- */

/* Runs the unclaimed tasks of `share` on this thread. */
static void drain(tflc_threadpool *p, task_share *share, int thread) {
    tflc_task_fn fn = p->fn;
    void *ctx = p->ctx;
    const int end = share->end;
    for (int t; (t = atomic_fetch_add_explicit(&share->next, 1, memory_order_relaxed)) < end;) fn(ctx, t, thread);
}

/* This thread's own block, then what is left of the others' (from the next thread on). */
static void run_tasks(tflc_threadpool *p, int thread) {
    const int n = p->n_workers + 1;
    drain(p, &p->shares[thread], thread);
    for (int k = 1; k < n; k++) drain(p, &p->shares[(thread + k) % n], thread);
}

/* Thread t of n (the caller and the started workers) gets tasks [t * n_tasks / n,
 * (t + 1) * n_tasks / n). */
static void share_out(tflc_threadpool *p, int n_tasks) {
    const int n = p->n_workers + 1;
    for (int t = 0; t < n; t++) {
        const int begin = (int)((int64_t)n_tasks * t / n), end = (int)((int64_t)n_tasks * (t + 1) / n);
        atomic_store_explicit(&p->shares[t].next, begin, memory_order_relaxed);
        p->shares[t].end = end;
    }
}

static void run_serial(int n_tasks, tflc_task_fn fn, void *ctx) {
    for (int t = 0; t < n_tasks; t++) fn(ctx, t, 0);
}

/* --------------------------------------------------------------- workers -- */

static bool has_new_job(unsigned gen, unsigned seen) { return (gen & 1u) && gen != seen; }

static bool job_or_stop(tflc_threadpool *p, unsigned seen) {
    return has_new_job(atomic_load_explicit(&p->generation, memory_order_acquire), seen) ||
           atomic_load_explicit(&p->stop, memory_order_relaxed);
}

/* Returns when a job other than `seen` is open, or the pool stops. */
static void wait_for_job(tflc_threadpool *p, unsigned seen) {
    for (int i = 0; i < SPIN_ITERATIONS; i++) {
        if (job_or_stop(p, seen)) return;
        cpu_relax();
        if (i % 64 == 63) sched_yield(); /* a busy machine: give the core back */
    }
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->sleepers, 1);
    while (!has_new_job(atomic_load(&p->generation), seen) && !atomic_load(&p->stop))
        pthread_cond_wait(&p->wake, &p->lock);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->lock);
}

static void leave_job(tflc_threadpool *p) {
    if (atomic_fetch_sub(&p->active, 1) == 1 && atomic_load(&p->caller_waiting)) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->lock);
    }
}

static void *worker_main(void *arg) {
    worker *w = arg;
    tflc_threadpool *p = w->pool;
    in_task = true;
    unsigned seen = 0;
    for (;;) {
        wait_for_job(p, seen);
        if (atomic_load(&p->stop)) break;
        atomic_fetch_add(&p->active, 1);
        unsigned gen = atomic_load(&p->generation); /* still open now that we are counted? */
        if (has_new_job(gen, seen)) {
            run_tasks(p, w->index);
            seen = gen;
        }
        leave_job(p);
    }
    return NULL;
}

/* Called once, on the first parallel job. */
static void start_workers(tflc_threadpool *p) {
    p->started = true;
    for (int k = 0; k < p->n_threads - 1; k++) {
        worker *w = &p->workers[k];
        w->pool = p;
        w->index = k + 1;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) break; /* run with fewer */
        p->n_workers++;
    }
}

/* ---------------------------------------------------------------- caller -- */

static void wait_for_workers(tflc_threadpool *p) {
    for (int i = 0; i < SPIN_ITERATIONS; i++) {
        if (atomic_load(&p->active) == 0) return;
        cpu_relax();
        /* On a busy machine the worker may share our core: let it run. */
        if (i % 64 == 63) sched_yield();
    }
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->caller_waiting, true);
    while (atomic_load(&p->active) != 0) pthread_cond_wait(&p->done, &p->lock);
    atomic_store(&p->caller_waiting, false);
    pthread_mutex_unlock(&p->lock);
}

void tflc_parallel_for(tflc_threadpool *pool, int n_tasks, tflc_task_fn fn, void *ctx) {
    if (n_tasks <= 0 || !fn) return;
    if (!pool || pool->n_threads <= 1 || n_tasks == 1 || in_task) {
        run_serial(n_tasks, fn, ctx);
        return;
    }
    if (!pool->started) start_workers(pool);
    if (pool->n_workers == 0) {
        run_serial(n_tasks, fn, ctx);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    share_out(pool, n_tasks);
    atomic_fetch_add(&pool->generation, 1); /* open: publishes the job */
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }
    in_task = true;
    run_tasks(pool, 0);
    in_task = false;
    atomic_fetch_add(&pool->generation, 1); /* close: late workers stay out */
    wait_for_workers(pool);
}

/* ------------------------------------------------------------- lifecycle -- */

tflc_status tflc_threadpool_create(int n_threads, tflc_threadpool **pool_out) {
    if (!pool_out) return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "pool_out is NULL");
    *pool_out = NULL;
    if (n_threads < 1 || n_threads > TFLC_MAX_THREADS)
        return tflc_fail(NULL, TFLC_ERROR_INVALID_ARGUMENT, "num_threads is %d; use 1..%d", n_threads,
                         TFLC_MAX_THREADS);
    tflc_threadpool *p = calloc(1, sizeof *p);
    if (!p) return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory creating a thread pool");
    p->n_threads = n_threads;
    p->workers = n_threads > 1 ? calloc((size_t)(n_threads - 1), sizeof *p->workers) : NULL;
    p->shares = aligned_alloc(_Alignof(task_share), (size_t)n_threads * sizeof *p->shares);
    if ((n_threads > 1 && !p->workers) || !p->shares) {
        free(p->workers);
        free(p->shares);
        free(p);
        return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "out of memory creating a thread pool");
    }
    bool have_lock = pthread_mutex_init(&p->lock, NULL) == 0;
    bool have_wake = pthread_cond_init(&p->wake, NULL) == 0;
    bool have_done = pthread_cond_init(&p->done, NULL) == 0;
    if (!have_lock || !have_wake || !have_done) {
        if (have_lock) pthread_mutex_destroy(&p->lock);
        if (have_wake) pthread_cond_destroy(&p->wake);
        if (have_done) pthread_cond_destroy(&p->done);
        free(p->workers);
        free(p->shares);
        free(p);
        return tflc_fail(NULL, TFLC_ERROR_OUT_OF_MEMORY, "cannot create the thread pool's lock");
    }
    atomic_init(&p->generation, 0u);
    for (int t = 0; t < n_threads; t++) {
        atomic_init(&p->shares[t].next, 0);
        p->shares[t].end = 0;
    }
    atomic_init(&p->active, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->caller_waiting, false);
    atomic_init(&p->stop, false);
    *pool_out = p;
    return TFLC_OK;
}

void tflc_threadpool_free(tflc_threadpool *pool) {
    if (!pool) return;
    if (pool->n_workers > 0) {
        atomic_store(&pool->stop, true);
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
        for (int k = 0; k < pool->n_workers; k++) pthread_join(pool->workers[k].thread, NULL);
    }
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    free(pool->workers);
    free(pool->shares);
    free(pool);
}

int tflc_threadpool_size(const tflc_threadpool *pool) { return pool ? pool->n_threads : 1; }

/* ------------------------------------------------------- kernels' access -- */

/* A node outside a runner (a kernel unit test may build one by hand) runs serially. */
static tflc_threadpool *node_pool(const tflc_node *node) {
    return node && node->graph && node->graph->runner ? node->graph->runner->pool : NULL;
}

void tflc_node_parallel_for(tflc_node *node, int n_tasks, void (*fn)(void *ctx, int task, int thread), void *ctx) {
    tflc_parallel_for(node_pool(node), n_tasks, fn, ctx);
}

int tflc_node_num_threads(const tflc_node *node) { return tflc_threadpool_size(node_pool(node)); }

int tflc_node_split_span(const tflc_node *node, size_t n, size_t min_span, size_t align, size_t *span_out) {
    const size_t threads = (size_t)tflc_node_num_threads(node);
    if (align == 0) align = 1;
    size_t tasks = n / (min_span ? min_span : 1);
    if (tasks > TFLC_TASKS_PER_THREAD * threads) tasks = TFLC_TASKS_PER_THREAD * threads;
    if (threads <= 1 || tasks <= 1) {
        *span_out = n;
        return 1;
    }
    /* In units of `align` elements, evened out over the threads. */
    const size_t units = (n + align - 1) / align, max_units = ((n + tasks - 1) / tasks + align - 1) / align;
    const size_t span = tflc_balanced_span(units, 1, (int)threads, (min_span + align - 1) / align, max_units) * align;
    *span_out = span;
    return (int)((n + span - 1) / span);
}
