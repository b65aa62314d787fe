/*
 * cpu.c -- CPU feature detection (cpuid + xgetbv on x86, AT_HWCAP on aarch64), once per
 * process, with the TFLC_ISA cap.
 */
#include "kernels/cpu.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define TFLC_CPU_X86 1
#include <cpuid.h>
#endif

#if defined(__aarch64__) && defined(__linux__)
#define TFLC_CPU_ARM64 1
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1ul << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1ul << 20)
#endif
#endif

static tflc_cpu_info cpu_info;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

#if defined(TFLC_CPU_X86)
/* XCR0: which register states the OS saves (bit 1 SSE, 2 AVX, 5-7 opmask/zmm). */
static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

/* The L2 data or unified cache's bytes: Intel's deterministic cache leaf 4 (subleaf by
 * subleaf, EAX level and type; ways x partitions x line x sets from EBX / ECX), AMD's
 * extended leaf 0x80000006 (ECX[31:16] in KiB). 0 when neither says. max_leaf: leaf 0's EAX.
 * Each CPUID is a trap to the hypervisor on a virtual machine (about 9 us each on the one we
 * measure on), so detection asks each leaf once, without the __get_cpuid wrappers' extra
 * leaf-0 calls. */
static size_t detect_l2(bool amd, unsigned max_leaf) {
    unsigned a, b, cx, d;
    if (amd) {
        __cpuid(0x80000000u, a, b, cx, d);
        if (a < 0x80000006u) return 0;
        __cpuid(0x80000006u, a, b, cx, d);
        return (size_t)(cx >> 16) * 1024;
    }
    if (max_leaf < 4) return 0;
    for (unsigned i = 0; i < 16; i++) {
        __cpuid_count(4, i, a, b, cx, d);
        const unsigned type = a & 31u, level = (a >> 5) & 7u;
        if (type == 0) break;
        if (level == 2 && (type == 1 || type == 3))
            return (size_t)((b >> 22) + 1) * (((b >> 12) & 1023u) + 1) * ((b & 4095u) + 1) *
                   ((size_t)cx + 1);
    }
    return 0;
}

static void detect_x86(tflc_cpu_info *c) {
    unsigned a, b, cx, d;
#if defined(__i386__)
    if (__get_cpuid_max(0, NULL) == 0) return;   /* a CPU without CPUID (x86-64 always has it) */
#endif
    __cpuid(0, a, b, cx, d);
    const unsigned max_leaf = a;
    c->amd = b == 0x68747541u && d == 0x69746e65u && cx == 0x444d4163u; /* "AuthenticAMD" */
    c->l2_bytes = detect_l2(c->amd, max_leaf);
    if (max_leaf < 1) return;
    __cpuid(1, a, b, cx, d);
    bool osxsave = (cx >> 27) & 1u, avx = (cx >> 28) & 1u, fma = (cx >> 12) & 1u;
    if (!osxsave || !avx) return;
    uint64_t xcr0 = read_xcr0();
    bool ymm_state = (xcr0 & 0x6u) == 0x6u;
    bool zmm_state = (xcr0 & 0xE6u) == 0xE6u;
    if (max_leaf < 7 || !ymm_state) return;
    __cpuid_count(7, 0, a, b, cx, d);
    c->fma = fma;
    c->avx2 = (b >> 5) & 1u;
    if (zmm_state) {
        c->avx512f = (b >> 16) & 1u;
        c->avx512dq = (b >> 17) & 1u;
        c->avx512bw = (b >> 30) & 1u;
        c->avx512vl = (b >> 31) & 1u;
        c->avx512vnni = c->avx512f && ((cx >> 11) & 1u);
        c->avx512vbmi = c->avx512f && ((cx >> 1) & 1u);
    }
}
#endif

#if defined(TFLC_CPU_ARM64)
/* AdvSIMD is part of every aarch64 CPU, but the kernel says so too; DotProd is optional. */
static void detect_arm64(tflc_cpu_info *c) {
    const unsigned long hwcap = getauxval(AT_HWCAP);
    c->neon = (hwcap & HWCAP_ASIMD) != 0;
    c->neon_dot = c->neon && (hwcap & HWCAP_ASIMDDP) != 0;
}
#endif

static tflc_isa parse_isa_cap(const char *s) {
    if (!s) return TFLC_ISA_COUNT;
    if (strcmp(s, "scalar") == 0) return TFLC_ISA_SCALAR;
    if (strcmp(s, "avx2") == 0) return TFLC_ISA_AVX2;
    if (strcmp(s, "avx512") == 0) return TFLC_ISA_AVX512;
    if (strcmp(s, "neon") == 0) return TFLC_ISA_NEON;
    return TFLC_ISA_COUNT;
}

/* Both levels of one architecture's chain (scalar belongs to both). */
static bool same_chain(tflc_isa a, tflc_isa b) {
    const bool a_arm = a == TFLC_ISA_NEON, b_arm = b == TFLC_ISA_NEON;
    return a == TFLC_ISA_SCALAR || b == TFLC_ISA_SCALAR || a_arm == b_arm;
}

static void cpu_detect(void) {
    tflc_cpu_info c;
    memset(&c, 0, sizeof c);
#if defined(TFLC_CPU_X86)
    detect_x86(&c);
#elif defined(TFLC_CPU_ARM64)
    detect_arm64(&c);
#endif
    c.hardware = TFLC_ISA_SCALAR;
    if (c.avx2 && c.fma) c.hardware = TFLC_ISA_AVX2;
    if (c.hardware == TFLC_ISA_AVX2 && c.avx512f && c.avx512bw && c.avx512vl && c.avx512dq)
        c.hardware = TFLC_ISA_AVX512;
    if (c.neon) c.hardware = TFLC_ISA_NEON;
    c.isa = c.hardware;
    /* A cap of the other architecture (TFLC_ISA=avx2 on Arm) is not on this chain: like an
     * unknown value, it caps nothing. Scalar is on every chain. */
    const tflc_isa cap = parse_isa_cap(getenv("TFLC_ISA"));
    if (cap == TFLC_ISA_SCALAR || (same_chain(cap, c.hardware) && cap < c.hardware)) c.isa = cap;
    cpu_info = c;
}

const tflc_cpu_info *tflc_cpu_info_get(void) {
    pthread_once(&cpu_once, cpu_detect);
    return &cpu_info;
}

tflc_isa tflc_cpu_isa(void) { return tflc_cpu_info_get()->isa; }

bool tflc_cpu_has_isa(tflc_isa isa) {
    const tflc_isa hw = tflc_cpu_info_get()->hardware;
    return isa >= TFLC_ISA_SCALAR && isa < TFLC_ISA_COUNT && isa <= hw && same_chain(isa, hw);
}

const char *tflc_isa_name(tflc_isa isa) {
    switch (isa) {
    case TFLC_ISA_SCALAR: return "scalar";
    case TFLC_ISA_AVX2: return "avx2";
    case TFLC_ISA_AVX512: return "avx512";
    case TFLC_ISA_NEON: return "neon";
    default: return "?";
    }
}
