# Per-file instruction-set flags for the microkernels in src/kernels/ (included by the
# top-level CMakeLists.txt after the source glob). Every other file keeps the common flags,
# so the library runs on any x86-64; the ISA files are only called after the run-time CPU
# check (src/kernels/cpu.c). Without these flags (another compiler, another architecture)
# the ISA files compile to a stub that reports "no config", and the scalar kernels are used.
set(TFLC_KERNELS_DIR ${CMAKE_SOURCE_DIR}/src/kernels)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND
   CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_gemm_avx2.c
      PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-ffp-contract=off")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_gemm_avx512.c
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma;-ffp-contract=off")
  # GEMM: explicit FMA where the order allows it, and a multiply-then-add loop (LiteRT's
  # rounding, TFLC_GEMM_MUL_ADD) that the compiler must not contract. Depthwise convolution:
  # bias first, then multiply and add per tap, never fused (f32_dwconv.h). LOGISTIC / TANH:
  # no FMA, so the bits stay LiteRT's (f32_vunary.h). ADD / SUB / MUL / DIV: one operation
  # per element.
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_dwconv_avx2.c
      PROPERTIES COMPILE_OPTIONS "-mavx2;-ffp-contract=off")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_dwconv_avx512.c
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-ffp-contract=off")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_vunary_avx2.c ${TFLC_KERNELS_DIR}/f32_vbinary_avx2.c
      PROPERTIES COMPILE_OPTIONS "-mavx2;-ffp-contract=off")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_vunary_avx512.c ${TFLC_KERNELS_DIR}/f32_vbinary_avx512.c
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-ffp-contract=off")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/qs8_gemm_avx512vnni.c ${TFLC_KERNELS_DIR}/qs8_gemv_avx512vnni.c
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/qs8_ops_avx2.c
      PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/qs8_ops_avx512.c
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq")
  # Quantized ADD / SUB / MUL: integer arithmetic only (qs8_vbinary.h); max pooling: compares.
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/qs8_vbinary_avx2.c ${TFLC_KERNELS_DIR}/maxpool_avx2.c
      PROPERTIES COMPILE_OPTIONS "-mavx2")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/qs8_vbinary_avx512.c ${TFLC_KERNELS_DIR}/maxpool_avx512.c
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq")
endif()

# The portable reference kernels (and gemm.c's LiteRT-order tail): no FMA contraction whatever the build's -std (GCC
# contracts a*b+c under -std=gnu* when the target has FMA). GCC's -O3 also "vectorizes" the
# k loop of the unrolled tile as an in-order reduction, with shuffles, at half the speed of
# the straight code its SLP vectorizer makes of the same body: 2x fewer instructions with
# -fno-tree-loop-vectorize (callgrind, 4x8 tile, kc 256).
if(CMAKE_C_COMPILER_ID MATCHES "GNU")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_gemm_scalar.c
      PROPERTIES COMPILE_OPTIONS "-ffp-contract=off;-fno-tree-loop-vectorize")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_dwconv_scalar.c ${TFLC_KERNELS_DIR}/f32_vunary_scalar.c
      ${TFLC_KERNELS_DIR}/f32_vbinary_scalar.c ${TFLC_KERNELS_DIR}/gemm.c
      PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
elseif(CMAKE_C_COMPILER_ID MATCHES "Clang")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_gemm_scalar.c ${TFLC_KERNELS_DIR}/f32_dwconv_scalar.c
      ${TFLC_KERNELS_DIR}/f32_vunary_scalar.c ${TFLC_KERNELS_DIR}/f32_vbinary_scalar.c
      ${TFLC_KERNELS_DIR}/gemm.c
      PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
endif()

# aarch64: Advanced SIMD is part of the base ISA, so the NEON files need no flags beyond no
# contraction (the same bit rules as the x86 files above). The int8 SDOT kernels need
# Armv8.2's DotProd, which is optional: that file alone gets it, and runs only after the
# AT_HWCAP check (cpu.c). Cross build and tests under qemu-user: cmake/aarch64-linux-gnu.cmake.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$" AND
   CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/f32_gemm_neon.c ${TFLC_KERNELS_DIR}/f32_dwconv_neon.c
      ${TFLC_KERNELS_DIR}/f32_vunary_neon.c ${TFLC_KERNELS_DIR}/f32_vbinary_neon.c
      PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
  set_source_files_properties(
      ${TFLC_KERNELS_DIR}/qs8_gemm_neondot.c
      PROPERTIES COMPILE_OPTIONS "-march=armv8.2-a+dotprod")
endif()
