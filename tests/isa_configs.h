/*
 * isa_configs.h -- a check for the kernel tests: on x86-64 and aarch64 with GCC or Clang,
 * cmake/kernels.cmake compiles every ISA file with that ISA's flags, so a kernel family
 * must offer a config for every ISA this CPU has. A missing one means a file compiled to
 * its "no config" stub, and the variant tests would pass without ever running it:
 * f32_dwconv_avx2.c did, its guard asking for FMA that its flags leave out, so CPUs with
 * AVX2 but not AVX-512 ran the scalar depthwise kernels.
 *
 *     CHECK_ISA_CONFIGS(tflc_dwconv_f32_config_for);
 */
#ifndef TFLC_TEST_ISA_CONFIGS_H
#define TFLC_TEST_ISA_CONFIGS_H

#include "kernels/cpu.h"
#include "test.h"

#if (defined(__x86_64__) || defined(__aarch64__)) && (defined(__GNUC__) || defined(__clang__))
#define CHECK_ISA_CONFIGS(config_for)                                                       \
    do {                                                                                    \
        for (int isa_ = 0; isa_ < (int)TFLC_ISA_COUNT; isa_++)                              \
            if (tflc_cpu_has_isa((tflc_isa)isa_))                                           \
                CHECK_MSG(config_for((tflc_isa)isa_) != NULL, "%s: no %s config",           \
                          #config_for, tflc_isa_name((tflc_isa)isa_));                      \
    } while (0)
#else
#define CHECK_ISA_CONFIGS(config_for) ((void)0)   /* ISA files may be stubs here */
#endif

#endif
