/*
 * cpu.h -- which instruction sets this CPU (and its operating system) can run, detected once.
 *
 *     const tflc_cpu_info *cpu = tflc_cpu_info_get();
 *     if (tflc_cpu_isa() >= TFLC_ISA_AVX512) ...   // the best ISA the kernels may use
 *
 * Detection reads cpuid and, for the AVX families, xgetbv: an instruction set counts only when
 * the OS saves its registers on a context switch (XCR0 bits). It runs once (pthread_once) on
 * the first call; every later call returns the same answer.
 *
 * The environment variable TFLC_ISA=scalar|avx2|avx512, read at that first call, caps the ISA
 * the kernels choose (for testing the portable paths on a machine that has more). A cap above
 * what the CPU has, or an unknown value, changes nothing.
 *
 * Microkernels are grouped by ISA level: TFLC_ISA_AVX2 means AVX2 + FMA; TFLC_ISA_AVX512
 * means AVX-512 F + BW + VL + DQ (the Skylake-X / Zen 4 set). The int8 VNNI kernels ask for
 * tflc_cpu_info_get()->avx512vnni on top of that.
 */
#ifndef TFLC_KERNELS_CPU_H
#define TFLC_KERNELS_CPU_H

#include <stdbool.h>
#include <stddef.h>

/* Ordered: a higher level implies every lower one. Append-only; _COUNT sizes tables. */
typedef enum tflc_isa {
    TFLC_ISA_SCALAR = 0,   /* portable C: the reference */
    TFLC_ISA_AVX2,         /* x86-64 AVX2 + FMA3 */
    TFLC_ISA_AVX512,       /* x86-64 AVX-512 F/BW/VL/DQ */
    TFLC_ISA_COUNT
} tflc_isa;

typedef struct tflc_cpu_info {
    bool avx2, fma;                              /* usable: CPU flag and OS ymm state */
    bool avx512f, avx512bw, avx512vl, avx512dq;  /* usable: CPU flag and OS zmm/opmask state */
    bool avx512vnni;                             /* VPDPBUSD on zmm */
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

/* "scalar", "avx2", "avx512"; "?" for anything else. */
const char *tflc_isa_name(tflc_isa isa);

/* ---------------------------------------------------------- work splits -- */

/* Tasks per thread that a parallel split aims at: tasks are handed out dynamically, so a
 * thread that starts late or is descheduled (a shared machine) holds an op up by one small
 * task, not by its whole share. */
#define TFLC_TASKS_PER_THREAD 4

/* The column step (a multiple of nr) splitting n columns of row_tasks row chunks so that
 * there are about TFLC_TASKS_PER_THREAD tasks per thread in all; the whole width (rounded
 * up to nr) when the row chunks are enough or threads <= 1. */
static inline size_t tflc_split_col_step(size_t n, size_t nr, size_t row_tasks, int threads) {
    const size_t panels = (n + nr - 1) / nr;
    const size_t target = threads > 1 ? (size_t)TFLC_TASKS_PER_THREAD * (size_t)threads : 1;
    size_t want = row_tasks && row_tasks < target ? (target + row_tasks - 1) / row_tasks : 1;
    if (want > panels) want = panels;
    if (want < 1) want = 1;
    return (panels + want - 1) / want * nr;
}

#endif
