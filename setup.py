"""Builds the tflc C library (src/**/*.c) and its CPython binding into tflc._tflc.

The metadata is in pyproject.toml; this file adds what must be computed: the version
(TFLC_VERSION_STRING in include/tflc.h) and the extension's C sources, globbed at build
time so that new library files are picked up.
"""

import glob
import os
import re
import sys

import platform

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


def read_version():
    with open(os.path.join(HERE, "include", "tflc.h"), encoding="utf-8") as f:
        match = re.search(r'^#define\s+TFLC_VERSION_STRING\s+"([^"]+)"', f.read(), re.M)
    if not match:
        raise RuntimeError("TFLC_VERSION_STRING not found in include/tflc.h")
    return match.group(1)


def library_sources():
    # Relative paths: setuptools wants them relative to this file.
    sources = sorted(glob.glob(os.path.join("src", "**", "*.c"), recursive=True))
    if not sources:
        raise RuntimeError("no C sources under src/ (run from the repository root)")
    return sources


compile_args = ["-std=c11", "-Wall", "-Wextra"]

# Per-file instruction-set flags for src/kernels/, as cmake/kernels.cmake sets them: only
# these files get -mavx2/-mavx512*, so the rest runs on any x86-64 and the ISA kernels run
# only after the run-time CPU check (src/kernels/cpu.c).
AVX512 = ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq"]
X86_FILE_FLAGS = {
    "f32_gemm_avx2.c": ["-mavx2", "-mfma", "-ffp-contract=off"],
    "f32_gemm_avx512.c": AVX512 + ["-mfma", "-ffp-contract=off"],
    "f32_dwconv_avx2.c": ["-mavx2", "-ffp-contract=off"],
    "f32_dwconv_avx512.c": AVX512 + ["-ffp-contract=off"],
    "f32_vunary_avx2.c": ["-mavx2", "-ffp-contract=off"],
    "f32_vunary_avx512.c": AVX512 + ["-ffp-contract=off"],
    "f32_vbinary_avx2.c": ["-mavx2", "-ffp-contract=off"],
    "f32_vbinary_avx512.c": AVX512 + ["-ffp-contract=off"],
    "qs8_gemm_avx512vnni.c": AVX512 + ["-mavx512vnni"],
    "qs8_gemv_avx512vnni.c": AVX512 + ["-mavx512vnni"],
    "qs8_ops_avx2.c": ["-mavx2", "-mfma"],
    "qs8_ops_avx512.c": AVX512,
    "qs8_vbinary_avx2.c": ["-mavx2"],
    "qs8_vbinary_avx512.c": AVX512,
    "maxpool_avx2.c": ["-mavx2"],
    "maxpool_avx512.c": AVX512,
}
# aarch64: AdvSIMD is in the base ISA; only the SDOT GEMM needs Armv8.2's DotProd.
ARM64_FILE_FLAGS = {
    "f32_gemm_neon.c": ["-ffp-contract=off"],
    "f32_dwconv_neon.c": ["-ffp-contract=off"],
    "f32_vunary_neon.c": ["-ffp-contract=off"],
    "f32_vbinary_neon.c": ["-ffp-contract=off"],
    "qs8_gemm_neondot.c": ["-march=armv8.2-a+dotprod"],
}
SCALAR_FILE_FLAGS = {
    name: ["-ffp-contract=off"]
    for name in ("f32_gemm_scalar.c", "f32_dwconv_scalar.c", "f32_vunary_scalar.c",
                 "f32_vbinary_scalar.c", "gemm.c")
}


class PerFileFlags(build_ext):
    """build_ext whose compiler adds a file's own flags (setuptools has no per-source flags)."""

    def build_extensions(self):
        original = self.compiler._compile
        machine = platform.machine().lower()
        x86, arm64 = machine in ("x86_64", "amd64"), machine in ("aarch64", "arm64")

        def compile_one(obj, src, ext, cc_args, extra_postargs, pp_opts):
            name = os.path.basename(src)
            extra = list(SCALAR_FILE_FLAGS.get(name, []))
            if x86:
                extra += X86_FILE_FLAGS.get(name, [])
            if arm64:
                extra += ARM64_FILE_FLAGS.get(name, [])
            return original(obj, src, ext, cc_args, list(extra_postargs) + extra, pp_opts)

        self.compiler._compile = compile_one
        super().build_extensions()
link_args = []
if sys.platform.startswith("linux"):
    # The library's functions keep default visibility (TFLC_API); bind the module's own
    # calls to its own copies, never to another libtflc loaded into the same process.
    link_args.append("-Wl,-Bsymbolic")

extension = Extension(
    "tflc._tflc",
    sources=[os.path.join("python", "src", "_tflc.c")] + library_sources(),
    include_dirs=["include", "src"],
    define_macros=[("_POSIX_C_SOURCE", "200809L")],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
    libraries=["m", "pthread"],
)

# Build products go under build/python (build/ is ignored by git), not beside the sources.
BUILD_BASE = os.path.join("build", "python")
os.makedirs(BUILD_BASE, exist_ok=True)

setup(
    version=read_version(),
    ext_modules=[extension],
    cmdclass={"build_ext": PerFileFlags},
    options={
        "build": {"build_base": BUILD_BASE},
        "build_ext": {"parallel": os.cpu_count() or 1},
        "egg_info": {"egg_base": BUILD_BASE},
    },
)
