/*
 * test_threadpool.c -- the persistent worker pool (core/threadpool.c) and its runner hook:
 * every task runs exactly once, results are visible to the caller, small and large jobs,
 * fewer and more tasks than threads, nested calls, create/free churn, the serial path, and
 * two pools used at once. Meant to be run under ThreadSanitizer too (make tsan).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "test.h"
#include "tflc.h"
#include "core/interpreter.h"
#include "core/runner.h"
#include "core/threadpool.h"
#include "kernels/cpu.h"

#define MAX_TASKS 4096

/* What each task saw: written by the task (one slot per task), read after the job. */
typedef struct job {
    atomic_int runs[MAX_TASKS];       /* how many times each task ran */
    int value[MAX_TASKS];             /* plain writes: must be visible after parallel_for */
    int thread_of[MAX_TASKS];
    int n_threads;                    /* pool size: thread indices must stay below it */
    atomic_int bad_thread;
} job;

static void job_reset(job *j, int n_threads) {
    for (int i = 0; i < MAX_TASKS; i++) {
        atomic_store(&j->runs[i], 0);
        j->value[i] = -1;
        j->thread_of[i] = -1;
    }
    j->n_threads = n_threads;
    atomic_store(&j->bad_thread, 0);
}

static void record_task(void *ctx, int task, int thread) {
    job *j = ctx;
    atomic_fetch_add(&j->runs[task], 1);
    j->value[task] = task * 3 + 1;
    j->thread_of[task] = thread;
    if (thread < 0 || thread >= j->n_threads) atomic_fetch_add(&j->bad_thread, 1);
}

/* Every task 0..n-1 ran once and wrote its value; nothing past n ran. */
static int job_complete(job *j, int n) {
    for (int i = 0; i < n; i++)
        if (atomic_load(&j->runs[i]) != 1 || j->value[i] != i * 3 + 1) return 0;
    for (int i = n; i < MAX_TASKS; i++)
        if (atomic_load(&j->runs[i]) != 0) return 0;
    return atomic_load(&j->bad_thread) == 0;
}

static job shared_job;

/* ------------------------------------------------------------ serial path -- */

static int serial_order[16];
static int serial_count;

static void in_order(void *ctx, int task, int thread) {
    (void)ctx;
    if (serial_count < 16) serial_order[serial_count] = task * 10 + thread;
    serial_count++;
}

static void test_serial_null_pool(void) {
    serial_count = 0;
    tflc_parallel_for(NULL, 5, in_order, NULL);
    CHECK(serial_count == 5);
    for (int i = 0; i < 5; i++) CHECK(serial_order[i] == i * 10); /* in order, thread 0 */
    CHECK(tflc_threadpool_size(NULL) == 1);
    tflc_threadpool_free(NULL); /* no-op */
}

static void test_serial_one_thread(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(1, &pool));
    CHECK(pool != NULL);
    CHECK(tflc_threadpool_size(pool) == 1);
    serial_count = 0;
    tflc_parallel_for(pool, 7, in_order, NULL);
    CHECK(serial_count == 7);
    for (int i = 0; i < 7; i++) CHECK(serial_order[i] == i * 10);
    tflc_threadpool_free(pool);
}

static void test_zero_and_one_task(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(4, &pool));
    serial_count = 0;
    tflc_parallel_for(pool, 0, in_order, NULL);
    tflc_parallel_for(pool, -3, in_order, NULL);
    CHECK(serial_count == 0);
    tflc_parallel_for(pool, 1, in_order, NULL); /* one task: on the caller */
    CHECK(serial_count == 1 && serial_order[0] == 0);
    tflc_parallel_for(pool, 3, NULL, NULL);     /* no function: nothing */
    tflc_threadpool_free(pool);
}

static void test_bad_arguments(void) {
    tflc_threadpool *pool = (tflc_threadpool *)&pool;
    CHECK(tflc_threadpool_create(0, &pool) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(pool == NULL);
    CHECK(tflc_threadpool_create(-2, &pool) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(tflc_threadpool_create(TFLC_MAX_THREADS + 1, &pool) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(tflc_last_error(), "num_threads");
    CHECK(tflc_threadpool_create(2, NULL) == TFLC_ERROR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------ correctness -- */

static void run_and_check(tflc_threadpool *pool, int n_threads, int n_tasks) {
    job_reset(&shared_job, n_threads);
    tflc_parallel_for(pool, n_tasks, record_task, &shared_job);
    CHECK_MSG(job_complete(&shared_job, n_tasks), "threads %d, tasks %d", n_threads, n_tasks);
}

static void test_every_task_once(void) {
    static const int threads[] = {2, 3, 4, 8};
    static const int tasks[] = {2, 3, 7, 64, 1000, MAX_TASKS};
    for (size_t a = 0; a < sizeof threads / sizeof *threads; a++) {
        tflc_threadpool *pool = NULL;
        CHECK_OK(tflc_threadpool_create(threads[a], &pool));
        CHECK(tflc_threadpool_size(pool) == threads[a]);
        for (size_t b = 0; b < sizeof tasks / sizeof *tasks; b++) run_and_check(pool, threads[a], tasks[b]);
        tflc_threadpool_free(pool);
    }
}

static void test_fewer_tasks_than_threads(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(8, &pool));
    for (int n = 2; n < 8; n++) run_and_check(pool, 8, n);
    run_and_check(pool, 8, 2); /* again after larger jobs */
    tflc_threadpool_free(pool);
}

static void test_more_tasks_than_threads(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(2, &pool));
    for (int n = 3; n <= 67; n += 8) run_and_check(pool, 2, n);
    run_and_check(pool, 2, MAX_TASKS);
    tflc_threadpool_free(pool);
}

/* A longer task makes the other threads take the rest: more than one thread does work. */
static void slow_task(void *ctx, int task, int thread) {
    job *j = ctx;
    struct timespec ts = {0, 200000}; /* 0.2 ms */
    nanosleep(&ts, NULL);
    record_task(j, task, thread);
}

static void test_work_is_shared(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(3, &pool));
    job_reset(&shared_job, 3);
    tflc_parallel_for(pool, 60, slow_task, &shared_job);
    CHECK(job_complete(&shared_job, 60));
    int used[3] = {0, 0, 0};
    for (int i = 0; i < 60; i++)
        if (shared_job.thread_of[i] >= 0 && shared_job.thread_of[i] < 3) used[shared_job.thread_of[i]] = 1;
    CHECK(used[0]);                   /* the caller works too */
    CHECK(used[1] || used[2]);        /* and at least one worker did */
    tflc_threadpool_free(pool);
}

/* Each thread starts on its own contiguous block: with 2 threads and 4 tasks the worker's
 * block is [2, 4), so while the caller holds task 0 (waiting up to 2 s for task 2 to run),
 * the worker's first task is 2 (with one shared counter it was 1). A worker that never
 * came within the 2 s would leave the caller to run everything, and fail the check too. */
static atomic_int first_task_of[2];

static void wait_for_task2(void *ctx, int task, int thread) {
    job *j = ctx;
    int none = -1;
    atomic_compare_exchange_strong(&first_task_of[thread & 1], &none, task);
    if (task == 0) {
        struct timespec t0, now, pause = {0, 100000};
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
            nanosleep(&pause, NULL);
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while (atomic_load(&j->runs[2]) == 0 && now.tv_sec - t0.tv_sec < 2);
    }
    record_task(j, task, thread);
}

static void test_threads_start_on_own_block(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(2, &pool));
    job_reset(&shared_job, 2);
    atomic_store(&first_task_of[0], -1);
    atomic_store(&first_task_of[1], -1);
    tflc_parallel_for(pool, 4, wait_for_task2, &shared_job);
    CHECK(job_complete(&shared_job, 4));
    CHECK(atomic_load(&first_task_of[0]) == 0);
    CHECK_MSG(atomic_load(&first_task_of[1]) == 2, "the worker started on task %d",
              atomic_load(&first_task_of[1]));
    tflc_threadpool_free(pool);
}

/* Many tiny jobs back to back: the hand-off between jobs (spin, sleep, wake) is where a
 * lost wake-up or a reused job field would show. */
typedef struct sums {
    long long slot[8];
} sums;

static void add_task(void *ctx, int task, int thread) {
    (void)thread;
    sums *s = ctx;
    s->slot[task] += task + 1;
}

static void test_many_small_jobs(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(3, &pool));
    sums s = {{0}};
    const int jobs = 20000;
    for (int k = 0; k < jobs; k++) tflc_parallel_for(pool, 1 + k % 8, add_task, &s);
    for (int t = 0; t < 8; t++) {
        long long expect = 0;
        for (int k = 0; k < jobs; k++)
            if (t < 1 + k % 8) expect += t + 1;
        CHECK_MSG(s.slot[t] == expect, "slot %d: %lld, expected %lld", t, s.slot[t], expect);
    }
    tflc_threadpool_free(pool);
}

/* Jobs spaced out long enough that the workers fall asleep between them. */
static void test_jobs_after_sleep(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(4, &pool));
    for (int k = 0; k < 5; k++) {
        run_and_check(pool, 4, 100);
        struct timespec ts = {0, 20 * 1000000}; /* 20 ms: well past the spin */
        nanosleep(&ts, NULL);
    }
    tflc_threadpool_free(pool);
}

/* ----------------------------------------------------------------- nesting -- */

typedef struct nested {
    tflc_threadpool *pool;
    atomic_int inner_runs;
} nested;

static void inner_task(void *ctx, int task, int thread) {
    (void)task;
    nested *n = ctx;
    if (thread == 0) atomic_fetch_add(&n->inner_runs, 1); /* serial: always on "thread 0" */
}

static void outer_task(void *ctx, int task, int thread) {
    (void)task;
    (void)thread;
    nested *n = ctx;
    tflc_parallel_for(n->pool, 4, inner_task, n);
}

static void test_nested_call_runs_serially(void) {
    nested n;
    n.pool = NULL;
    atomic_init(&n.inner_runs, 0);
    CHECK_OK(tflc_threadpool_create(3, &n.pool));
    tflc_parallel_for(n.pool, 10, outer_task, &n);
    CHECK(atomic_load(&n.inner_runs) == 40);
    tflc_threadpool_free(n.pool);
}

/* -------------------------------------------------------------- lifecycle -- */

static void test_create_free_churn(void) {
    for (int k = 0; k < 200; k++) {
        tflc_threadpool *pool = NULL;
        CHECK_OK(tflc_threadpool_create(1 + k % 4, &pool));
        if (k % 3 != 0) run_and_check(pool, 1 + k % 4, 1 + k % 9); /* some pools never start workers */
        if (k % 5 == 0) run_and_check(pool, 1 + k % 4, 33);
        tflc_threadpool_free(pool);
    }
}

/* Two pools driven at once from two threads: pools share nothing. */
typedef struct driver {
    tflc_threadpool *pool;
    job *j;
    int ok;
} driver;

static void *drive(void *arg) {
    driver *d = arg;
    d->ok = 1;
    for (int k = 0; k < 300; k++) {
        job_reset(d->j, 2);
        tflc_parallel_for(d->pool, 50 + k % 13, record_task, d->j);
        if (!job_complete(d->j, 50 + k % 13)) d->ok = 0;
    }
    return NULL;
}

static job job_a, job_b;

static void test_independent_pools_concurrently(void) {
    driver a = {NULL, &job_a, 0}, b = {NULL, &job_b, 0};
    CHECK_OK(tflc_threadpool_create(2, &a.pool));
    CHECK_OK(tflc_threadpool_create(2, &b.pool));
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, drive, &a) == 0);
    CHECK(pthread_create(&tb, NULL, drive, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(a.ok && b.ok);
    tflc_threadpool_free(a.pool);
    tflc_threadpool_free(b.pool);
}

/* ------------------------------------------------------------ runner hook -- */

static void count_node_task(void *ctx, int task, int thread) {
    (void)thread;
    atomic_int *hits = ctx;
    atomic_fetch_add(&hits[task], 1);
}

/* keras_dense's runner with num_threads; *runner NULL (checks failed) if it could not be
 * made. Free the three in reverse order. */
static void open_runner(int num_threads, tflc_model **model, tflc_interpreter **interp,
                        tflc_runner **runner) {
    tflc_interpreter_options opts;
    tflc_interpreter_options_init(&opts);
    opts.num_threads = num_threads;
    *model = NULL, *interp = NULL, *runner = NULL;
    CHECK_OK(tflc_model_load_file(TFLC_TEST_MODELS_DIR "/keras_dense.tflite", NULL, model));
    if (*model) CHECK_OK(tflc_interpreter_create(*model, &opts, interp));
    if (*interp) CHECK_OK(tflc_runner_create(*interp, NULL, runner));
}

static void check_runner_threads(int num_threads, int want_pool_size) {
    tflc_model *model;
    tflc_interpreter *interp;
    tflc_runner *runner;
    open_runner(num_threads, &model, &interp, &runner);
    if (!runner) goto done;
    CHECK(tflc_threadpool_size(runner->pool) == want_pool_size);
    CHECK((runner->pool != NULL) == (want_pool_size > 1));
    tflc_node *node = &runner->graph->nodes[0];
    CHECK(tflc_node_num_threads(node) == want_pool_size);
    atomic_int hits[16];
    for (int i = 0; i < 16; i++) atomic_init(&hits[i], 0);
    tflc_node_parallel_for(node, 16, count_node_task, hits);
    for (int i = 0; i < 16; i++) CHECK(atomic_load(&hits[i]) == 1);
    /* the signature still runs */
    CHECK_OK(tflc_runner_allocate(runner));
    tflc_tensor *x = tflc_runner_input_at(runner, 0);
    memset(tflc_tensor_data(x), 0, tflc_tensor_byte_size(x));
    CHECK_OK(tflc_runner_invoke(runner));
done:
    tflc_runner_free(runner);
    tflc_interpreter_free(interp);
    tflc_model_free(model);
}

static void test_runner_gets_pool(void) {
    check_runner_threads(0, 1);
    check_runner_threads(1, 1);
    check_runner_threads(2, 2);
    check_runner_threads(3, 3);
    check_runner_threads(TFLC_MAX_THREADS + 10, TFLC_MAX_THREADS); /* clamped, workers lazy */
}

/* tflc_node_split_span on a node of a runner with `threads` threads: the spans tile [0, n)
 * in order, each a multiple of align and at least min_span long (the last may be shorter),
 * at most 2 * TFLC_TASKS_PER_THREAD per thread (tflc_balanced_span); serial (one span of n) when threads is 1 or n
 * is below two minimum spans. */
static void check_spans(tflc_node *node, int threads, size_t n, size_t min_span, size_t align) {
    size_t span = 0;
    int tasks = tflc_node_split_span(node, n, min_span, align, &span);
    CHECK_MSG(tasks >= 1 && tasks <= 2 * TFLC_TASKS_PER_THREAD * threads, "n %zu: %d tasks", n, tasks);
    if (threads == 1 || n < 2 * min_span) {
        CHECK_MSG(tasks == 1 && span == n, "n %zu: %d tasks of %zu", n, tasks, span);
        return;
    }
    CHECK_MSG(tasks >= 2 && span % align == 0 && span >= min_span, "n %zu: span %zu", n, span);
    CHECK_MSG((size_t)(tasks - 1) * span < n && (size_t)tasks * span >= n, "n %zu: %d x %zu", n, tasks, span);
}

static void test_split_span(void) {
    static const size_t sizes[] = {0, 1, 63, 32767, 32768, 32769, 65536, 100013, 1 << 20, 75264};
    for (int threads = 1; threads <= 3; threads++) {
        tflc_model *model;
        tflc_interpreter *interp;
        tflc_runner *runner;
        open_runner(threads, &model, &interp, &runner);
        if (runner)
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                check_spans(&runner->graph->nodes[0], threads, sizes[i], 16384, 64);
                check_spans(&runner->graph->nodes[0], threads, sizes[i], 32, 16);
            }
        tflc_runner_free(runner);
        tflc_interpreter_free(interp);
        tflc_model_free(model);
    }
    size_t span = 0;
    CHECK(tflc_node_split_span(NULL, 1 << 20, 16, 16, &span) == 1 && span == (size_t)1 << 20);
}

/* The busiest thread's units for `groups` x ceil(units / span) tasks handed out as the pool
 * does (contiguous blocks), counted task by task: what tflc_balanced_span minimizes. */
static size_t busiest_load(size_t units, size_t groups, size_t threads, size_t span) {
    const size_t per_group = (units + span - 1) / span, n = groups * per_group;
    size_t worst = 0;
    for (size_t k = 0; k < threads; k++) {
        size_t load = 0;
        for (size_t i = n * k / threads; i < n * (k + 1) / threads; i++)
            load += i % per_group == per_group - 1 ? units - (per_group - 1) * span : span;
        if (load > worst) worst = load;
    }
    return worst;
}

static void test_balanced_span(void) {
    /* MobileNet V2's 14x14 pointwise convolutions: 196 rows = 28 tiles of 7, at most 4 per
     * task (8 tasks for 2 threads). Spans of 4 give 7 tasks, 16 tiles on one thread; 2 give
     * 14 tasks, 14 each (1 would tie at 14 with twice the tasks). */
    CHECK(tflc_balanced_span(28, 1, 2, 1, 4) == 2);
    CHECK(tflc_balanced_span(28, 1, 1, 1, 28) == 28);     /* one thread: the cap, untouched */
    CHECK(tflc_balanced_span(32, 1, 2, 1, 4) == 4);       /* 8 even tasks already */
    /* The Transformer block's 128-row products: 19 tiles, spans of 3 make six tasks of 3 and
     * one of 1, blocks of 9 and 10 tiles; spans of 2 would load 10 too, with 10 tasks. */
    CHECK(tflc_balanced_span(19, 1, 2, 1, 3) == 3);
    CHECK(busiest_load(19, 1, 2, 3) == 10 && busiest_load(19, 1, 2, 2) == 10);
    CHECK(tflc_balanced_span(28, 1, 2, 3, 4) == 3);       /* spans of 2 too short: 3 loads 15 */
    CHECK(tflc_balanced_span(28, 1, 2, 4, 4) == 4);       /* only the cap is long enough */
    CHECK(tflc_balanced_span(10, 7, 2, 1, 5) == 5);       /* 7 row chunks x 2 blocks: 14 tasks */
    CHECK(tflc_balanced_span(0, 1, 2, 1, 0) == 1);        /* empty work: a span of 1 */
    /* Every size: within [min_span, max_span], never busier than the cap itself, at most
     * 2 * TFLC_TASKS_PER_THREAD tasks per thread. */
    for (size_t threads = 2; threads <= 3; threads++)
        for (size_t groups = 1; groups <= 3; groups++)
            for (size_t units = 1; units <= 300; units++) {
                size_t cap = (units + TFLC_TASKS_PER_THREAD * threads - 1) / (TFLC_TASKS_PER_THREAD * threads);
                size_t min_span = units % 3 == 0 ? cap / 2 + 1 : 1;
                size_t span = tflc_balanced_span(units, groups, (int)threads, min_span, cap);
                size_t tasks = (units + span - 1) / span;
                CHECK_MSG(span >= min_span && span <= cap, "units %zu: span %zu of [%zu, %zu]", units, span,
                          min_span, cap);
                CHECK_MSG(busiest_load(units, groups, threads, span) <= busiest_load(units, groups, threads, cap),
                          "units %zu: span %zu busier than %zu", units, span, cap);
                CHECK_MSG(span == cap || tasks <= 2 * TFLC_TASKS_PER_THREAD * threads, "units %zu: %zu tasks",
                          units, tasks);
            }
}

static void test_split_plan(void) {
    /* MobileNet V2's int8 projection 196 x 384 -> 64 on 2 threads: chunks of 28 rows (2
     * tiles of 14) are 7 tasks, so the columns would split (each block packing A again);
     * with mr, 2 panels are few enough that the rows split into 14 chunks of one tile. */
    tflc_split sp = tflc_split_plan(196, 64, 28, 14, 32, 2);
    CHECK(sp.chunk == 14 && sp.row_tasks == 14 && sp.col_tasks == 1 && sp.col_step == 64);
    sp = tflc_split_plan(196, 64, 28, 0, 32, 2);          /* without mr: the column split */
    CHECK(sp.chunk == 28 && sp.row_tasks == 7 && sp.col_tasks == 2);
    /* Its expansion 196 x 64 -> 384: 12 panels are many, the columns still split. */
    sp = tflc_split_plan(196, 384, 28, 14, 32, 2);
    CHECK(sp.chunk == 28 && sp.row_tasks == 7 && sp.col_tasks > 1);
    /* One thread, or chunks enough for the threads: untouched. */
    sp = tflc_split_plan(196, 64, 196, 14, 32, 1);
    CHECK(sp.chunk == 196 && sp.row_tasks == 1 && sp.col_tasks == 1);
    sp = tflc_split_plan(3136, 64, 392, 14, 32, 2);
    CHECK(sp.chunk == 392 && sp.row_tasks == 8 && sp.col_tasks == 1);
    /* Every size: whole tiles no larger than the chunk asked for, every row and column in
     * exactly one task. */
    for (size_t rows = 1; rows <= 120; rows++)
        for (size_t n = 1; n <= 200; n += 13)
            for (int threads = 1; threads <= 3; threads++) {
                const size_t mr = 7, chunk = ((rows + 3) / 4 + mr - 1) / mr * mr;
                sp = tflc_split_plan(rows, n, chunk, mr, 32, threads);
                CHECK_MSG(sp.chunk >= 1 && sp.chunk <= chunk && sp.chunk % mr == 0,
                          "rows %zu n %zu: chunk %zu of %zu", rows, n, sp.chunk, chunk);
                CHECK((size_t)sp.row_tasks * sp.chunk >= rows && (size_t)(sp.row_tasks - 1) * sp.chunk < rows);
                CHECK((size_t)sp.col_tasks * sp.col_step >= n && (size_t)(sp.col_tasks - 1) * sp.col_step < n);
            }
}

static void test_node_outside_runner_is_serial(void) {
    serial_count = 0;
    tflc_node_parallel_for(NULL, 3, in_order, NULL);
    CHECK(serial_count == 3 && serial_order[2] == 20);
    CHECK(tflc_node_num_threads(NULL) == 1);
    tflc_node bare;
    memset(&bare, 0, sizeof bare);
    CHECK(tflc_node_num_threads(&bare) == 1);
}

/* ------------------------------------------------------- dispatch cost -- */

typedef struct spin_work {
    int iterations;
    volatile double sink[2];
} spin_work;

/* About as much arithmetic as a small kernel tile. */
static void spin_task(void *ctx, int task, int thread) {
    (void)thread;
    spin_work *w = ctx;
    double x = 1.0;
    for (int i = 0; i < w->iterations; i++) x = x * 1.0000001 + 1e-9;
    w->sink[task] = x;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Informational only (shared machines are noisy; nothing is asserted): jobs of two tasks of
 * a few microseconds each, serial versus on a 2-thread pool. */
static void test_dispatch_cost(void) {
    tflc_threadpool *pool = NULL;
    CHECK_OK(tflc_threadpool_create(2, &pool));
    static spin_work w = {.iterations = 5000};
    const int jobs = 4000;
    tflc_parallel_for(pool, 2, spin_task, &w); /* start the worker */
    double t0 = now_seconds();
    for (int k = 0; k < jobs; k++) tflc_parallel_for(NULL, 2, spin_task, &w);
    double serial = now_seconds() - t0;
    t0 = now_seconds();
    for (int k = 0; k < jobs; k++) tflc_parallel_for(pool, 2, spin_task, &w);
    double pooled = now_seconds() - t0;
    printf("threadpool: 2-task job of %.1f us serial, %.1f us on 2 threads (%.2fx)\n", serial / jobs * 1e6,
           pooled / jobs * 1e6, pooled > 0 ? serial / pooled : 0.0);
    tflc_threadpool_free(pool);
}

static void run_tests(void) {
    TEST(test_serial_null_pool);
    TEST(test_serial_one_thread);
    TEST(test_zero_and_one_task);
    TEST(test_bad_arguments);
    TEST(test_every_task_once);
    TEST(test_fewer_tasks_than_threads);
    TEST(test_more_tasks_than_threads);
    TEST(test_work_is_shared);
    TEST(test_threads_start_on_own_block);
    TEST(test_many_small_jobs);
    TEST(test_jobs_after_sleep);
    TEST(test_nested_call_runs_serially);
    TEST(test_create_free_churn);
    TEST(test_independent_pools_concurrently);
    TEST(test_runner_gets_pool);
    TEST(test_node_outside_runner_is_serial);
    TEST(test_split_span);
    TEST(test_balanced_span);
    TEST(test_split_plan);
    TEST(test_dispatch_cost);
}

TEST_MAIN()
