/*
 * cpu.h -- which instruction sets this CPU (and its operating system) can run, detected once.
 *
 *     const tflc_cpu_info *cpu = tflc_cpu_info_get();
 *     if (tflc_cpu_isa() == TFLC_ISA_AVX512) ...   // the best ISA the kernels may use
 *
 * Detection on x86 reads cpuid and, for the AVX families, xgetbv: an instruction set counts
 * only when the OS saves its registers on a context switch (XCR0 bits). On aarch64 it reads
 * the kernel's hardware capabilities (getauxval(AT_HWCAP)). It runs once (pthread_once) on
 * the first call; every later call returns the same answer.
 *
 * The environment variable TFLC_ISA=scalar|avx2|avx512|neon, read at that first call, caps
 * the ISA the kernels choose (for testing the portable paths on a machine that has more). A
 * cap above what the CPU has, or an unknown value, changes nothing.
 *
 * Microkernels are grouped by ISA level: TFLC_ISA_AVX2 means AVX2 + FMA; TFLC_ISA_AVX512
 * means AVX-512 F + BW + VL + DQ (the Skylake-X / Zen 4 set). The int8 VNNI kernels ask for
 * tflc_cpu_info_get()->avx512vnni on top of that. TFLC_ISA_NEON means aarch64's Advanced
 * SIMD (every aarch64 CPU has it); the int8 dot-product kernels ask for
 * tflc_cpu_info_get()->neon_dot (SDOT, Armv8.2's optional DotProd) on top.
 *
 * The levels form one chain per architecture: scalar < avx2 < avx512 on x86-64, scalar <
 * neon on aarch64. A level of the other architecture is never "had" (tflc_cpu_has_isa), so a
 * search down from the best level (config_for at each) skips it.
 */
#ifndef TFLC_KERNELS_CPU_H
#define TFLC_KERNELS_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ordered within an architecture: a higher level implies every lower one of its chain (see
 * above). Append-only; _COUNT sizes tables. */
typedef enum tflc_isa {
    TFLC_ISA_SCALAR = 0,   /* portable C: the reference */
    TFLC_ISA_AVX2,         /* x86-64 AVX2 + FMA3 */
    TFLC_ISA_AVX512,       /* x86-64 AVX-512 F/BW/VL/DQ */
    TFLC_ISA_NEON,         /* aarch64 Advanced SIMD */
    TFLC_ISA_COUNT
} tflc_isa;

typedef struct tflc_cpu_info {
    bool avx2, fma;                              /* usable: CPU flag and OS ymm state */
    bool avx512f, avx512bw, avx512vl, avx512dq;  /* usable: CPU flag and OS zmm/opmask state */
    bool avx512vnni;                             /* VPDPBUSD on zmm */
    bool avx512vbmi;                             /* VPERMB / VPERMI2B on zmm */
    bool neon, neon_dot;                         /* aarch64 AdvSIMD; SDOT / UDOT (DotProd) */
    bool amd;                                    /* x86 vendor AuthenticAMD */
    size_t l2_bytes;                             /* one core's L2 (x86 cpuid); 0: unknown */
    tflc_isa hardware;                           /* best level the hardware + OS support */
    tflc_isa isa;                                /* hardware, capped by TFLC_ISA */
} tflc_cpu_info;

/* The detected features, filled once; never NULL. */
const tflc_cpu_info *tflc_cpu_info_get(void);

/* tflc_cpu_info_get()->isa: the best level the kernels may use. */
tflc_isa tflc_cpu_isa(void);

/* True when level `isa` runs on this machine (ignores the TFLC_ISA cap, so tests can reach
 * every variant the hardware has). */
bool tflc_cpu_has_isa(tflc_isa isa);

/* "scalar", "avx2", "avx512", "neon"; "?" for anything else. */
const char *tflc_isa_name(tflc_isa isa);

/* ---------------------------------------------------------- work splits -- */

/* Tasks per thread that a parallel split aims at: a thread that starts late or is
 * descheduled (a shared machine) holds an op up by one small task, not by its whole share,
 * as the others take over the rest of its block (core/threadpool.c). */
#define TFLC_TASKS_PER_THREAD 4

/* The units of the busiest of `threads` threads when `groups` groups of c tasks (span units
 * each, the last of each group `last`) are handed out as the thread pool does, thread k
 * taking the k-th contiguous block of the groups * c tasks (group-major). A block
 * [a, b) holds floor(b / c) - floor(a / c) group ends. */
static inline size_t tflc_busiest_load(size_t groups, size_t c, size_t span, size_t last,
                                       size_t threads) {
    const size_t n = groups * c;
    size_t worst = 0;
    for (size_t k = 0; k < threads; k++) {
        const size_t a = n * k / threads, b = n * (k + 1) / threads;
        const size_t load = (b - a) * span - (span - last) * (b / c - a / c);
        if (load > worst) worst = load;
    }
    return worst;
}

/* The span, min_span..max_span units, that splits `groups` x ceil(units / span) tasks best
 * among `threads` (tflc_busiest_load: the busiest thread's units), the largest on a tie
 * (fewer, larger tasks reuse more of what they load). Why not simply max_span: 28 row tiles
 * in spans of 4 are 7 tasks, so one of 2 threads runs 16 tiles while the other idles after
 * 12; spans of 2 make 14 tasks, 14 tiles each. But 19 tiles in spans of 3 (6 of 3 and one of
 * 1) already load 9 and 10, as spans of 2 would: 3 stays. Only spans ceil(units / c) are
 * tried, for task counts c per group from ceil(units / max_span) up to
 * 2 * TFLC_TASKS_PER_THREAD * threads: never more than twice the tasks a split capped at
 * TFLC_TASKS_PER_THREAD makes. */
static inline size_t tflc_balanced_span(size_t units, size_t groups, int threads, size_t min_span,
                                        size_t max_span) {
    const size_t t = threads > 1 ? (size_t)threads : 1;
    if (max_span < 1) max_span = 1;
    if (groups < 1) groups = 1;
    if (units <= 1 || t == 1) return max_span;
    const size_t c0 = (units + max_span - 1) / max_span;
    size_t best = max_span, best_load = (size_t)-1;
    const size_t c_max = 2 * (size_t)TFLC_TASKS_PER_THREAD * t;
    for (size_t c = c0; c <= c_max && c <= units; c++) {
        const size_t span = (units + c - 1) / c;
        if (span < min_span) break;
        const size_t tasks = (units + span - 1) / span;   /* per group; the last may be short */
        const size_t load = tflc_busiest_load(groups, tasks, span, units - (tasks - 1) * span, t);
        if (load < best_load) {
            best = span;
            best_load = load;
        }
    }
    return best;
}

/* The column step (a multiple of nr) splitting n columns of row_tasks row chunks so that
 * there are about TFLC_TASKS_PER_THREAD tasks per thread in all, evened out over the threads
 * (tflc_balanced_span, counting row_tasks x column blocks equal tasks: callers run them
 * column-major, so the threads' blocks are whole column blocks whatever the rows of the
 * last chunk); the whole width (rounded up to nr) when the row chunks are enough or
 * threads <= 1. */
static inline size_t tflc_split_col_step(size_t n, size_t nr, size_t row_tasks, int threads) {
    const size_t panels = (n + nr - 1) / nr;
    const size_t target = threads > 1 ? (size_t)TFLC_TASKS_PER_THREAD * (size_t)threads : 1;
    size_t want = row_tasks && row_tasks < target ? (target + row_tasks - 1) / row_tasks : 1;
    if (want > panels) want = panels;
    if (want <= 1) return (panels ? panels : 1) * nr;
    return tflc_balanced_span(panels, row_tasks, threads, 1, (panels + want - 1) / want) * nr;
}

/* The tasks of a rows x n product: row chunks of `chunk` rows, each split into column blocks
 * of col_step columns (a multiple of nr) when there are fewer than TFLC_TASKS_PER_THREAD row
 * chunks per thread (few rows, many columns); task t is row chunk t % row_tasks, column
 * block t / row_tasks. Column-major because the pool hands thread k the k-th contiguous
 * block of tasks: each thread then takes whole column blocks over all the rows (and only
 * its part of the weights), where row-major gave one thread the full 14-row chunks of a
 * 49-row ResNet50 layer and the other the short last one. Every output element is computed
 * whole by one task, so any split gives the same bytes. */
typedef struct tflc_split {
    size_t chunk, col_step;
    int row_tasks, col_tasks;
} tflc_split;

/* A product of at most this many column panels splits its rows finer, not its columns
 * (tflc_split_plan). */
#define TFLC_SPLIT_FEW_PANELS 4

/* rows in chunks of `chunk` (0: 1), n columns in panels of nr, for `threads` threads. With
 * mr (the GEMM's tile rows, chunk a multiple of it; 0: keep chunk), a product of few columns
 * whose chunks are too few for the threads splits its rows into smaller chunks of whole
 * tiles (tflc_balanced_span) before its columns: each column block of a chunk packs the
 * chunk's A again (an int8 GEMM), which costs more than the smaller chunks' extra reads of a
 * narrow B. MobileNet V2's 196 x 384 x 64 int8 projections on 2 threads: 7 chunks of 28 rows
 * in 2 column blocks became 14 chunks of 14 rows, 8% faster alone; per-invoke alternation,
 * whole int8 models: V2 0.989, V3 0.994, EfficientNet-B0 0.993 of the time. */
static inline tflc_split tflc_split_plan(size_t rows, size_t n, size_t chunk, size_t mr,
                                         size_t nr, int threads) {
    tflc_split sp;
    sp.chunk = chunk ? chunk : 1;
    const size_t target = threads > 1 ? (size_t)TFLC_TASKS_PER_THREAD * (size_t)threads : 1;
    if (mr && threads > 1 && n <= TFLC_SPLIT_FEW_PANELS * nr && sp.chunk > mr &&
        sp.chunk % mr == 0 && (rows + sp.chunk - 1) / sp.chunk < target)
        sp.chunk = tflc_balanced_span((rows + mr - 1) / mr, 1, threads, 1, sp.chunk / mr) * mr;
    sp.row_tasks = (int)((rows + sp.chunk - 1) / sp.chunk);
    sp.col_step = tflc_split_col_step(n, nr, (size_t)sp.row_tasks, threads);
    sp.col_tasks = (int)((n + sp.col_step - 1) / sp.col_step);
    if (sp.col_tasks < 1) sp.col_tasks = 1;
    return sp;
}

/* Task `task` of a split: its first row and first column, in the column-major order above. */
static inline void tflc_split_task(const tflc_split *sp, int task, size_t *row0, size_t *col0) {
    *row0 = (size_t)task % (size_t)sp->row_tasks * sp->chunk;
    *col0 = (size_t)task / (size_t)sp->row_tasks * sp->col_step;
}

/* Software prefetch of the cache line `ahead` bytes past p, for a kernel streaming weights
 * that are not in cache: the hardware prefetchers stop at each 4 KiB page, so a long
 * sequential read without hints waits on memory every page (MobileNet V2 float32's
 * [1,1280] x [1280,1000] product: about 2x). A hint never faults and reads no value; the
 * address is formed as an integer, so a hint past the end of an array is no pointer
 * arithmetic out of bounds. */
static inline void tflc_prefetch(const void *p, size_t ahead) {
#if defined(__GNUC__)
    __builtin_prefetch((const void *)((uintptr_t)p + ahead));
#else
    (void)p;
    (void)ahead;
#endif
}

#endif
