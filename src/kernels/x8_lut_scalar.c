/*
 * x8_lut_scalar.c -- the portable byte table lookup (x8_lut.h), the reference the SIMD
 * variants are tested against; VBMI detection and the choice of config.
 */
#include "kernels/x8_lut.h"

#include <pthread.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define X8_LUT_X86 1
#endif

/* Four independent lookups per step: the loads do not wait on each other's stores (y may
 * be x, so the compiler cannot reorder a load above the previous store by itself). */
static void x8_lut_scalar(size_t n, const uint8_t *x, const uint8_t table[256], uint8_t *y) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t a = table[x[i]], b = table[x[i + 1]];
        const uint8_t c = table[x[i + 2]], d = table[x[i + 3]];
        y[i] = a;
        y[i + 1] = b;
        y[i + 2] = c;
        y[i + 3] = d;
    }
    for (; i < n; i++) y[i] = table[x[i]];
}

static const tflc_x8_lut_config scalar_config = {
    .name = "x8_lut_scalar",
    .isa = TFLC_ISA_SCALAR,
    .lut = x8_lut_scalar,
};

const tflc_x8_lut_config *tflc_x8_lut_config_scalar(void) { return &scalar_config; }

/* ------------------------------------------------------------------ config -- */

bool tflc_x8_lut_cpu_has_vbmi(void) {
#if defined(X8_LUT_X86)
    /* AVX-512 F/BW with the OS's zmm state is what the AVX512 level already checked;
     * VBMI is leaf 7's ECX bit 1, read with the rest (cpu.c). */
    return tflc_cpu_has_isa(TFLC_ISA_AVX512) && tflc_cpu_info_get()->avx512vbmi;
#else
    return false;
#endif
}

/* At most one SIMD variant runs on a given machine: VBMI on x86-64, NEON on aarch64 (each
 * is NULL when built for the other architecture). */
int tflc_x8_lut_configs(const tflc_x8_lut_config **out, int max) {
    int n = 0;
    if (n < max) out[n++] = &scalar_config;
    const tflc_x8_lut_config *vbmi = tflc_x8_lut_config_avx512vbmi();
    if (vbmi && tflc_x8_lut_cpu_has_vbmi() && n < max) out[n++] = vbmi;
    const tflc_x8_lut_config *neon = tflc_x8_lut_config_neon();
    if (neon && tflc_cpu_has_isa(TFLC_ISA_NEON) && n < max) out[n++] = neon;
    return n;
}

static const tflc_x8_lut_config *best_config;
static pthread_once_t best_once = PTHREAD_ONCE_INIT;

/* The levels are ordered only within an architecture (cpu.h), so each variant asks for its
 * own level exactly: under the TFLC_ISA=scalar cap neither is chosen. */
static void choose_config(void) {
    const tflc_x8_lut_config *vbmi = tflc_x8_lut_config_avx512vbmi();
    const tflc_x8_lut_config *neon = tflc_x8_lut_config_neon();
    const tflc_isa isa = tflc_cpu_isa();
    best_config = &scalar_config;
    if (vbmi && isa == TFLC_ISA_AVX512 && tflc_x8_lut_cpu_has_vbmi()) best_config = vbmi;
    if (neon && isa == TFLC_ISA_NEON) best_config = neon;
}

const tflc_x8_lut_config *tflc_x8_lut_config_get(void) {
    pthread_once(&best_once, choose_config);
    return best_config;
}
