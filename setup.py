"""Builds the tflc C library (src/**/*.c) and its CPython binding into tflc._tflc.

The metadata is in pyproject.toml; this file adds what must be computed: the version
(TFLC_VERSION_STRING in include/tflc.h) and the extension's C sources, globbed at build
time so that new library files are picked up.
"""

import glob
import os
import re
import sys

from setuptools import Extension, setup

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
    options={
        "build": {"build_base": BUILD_BASE},
        "build_ext": {"parallel": os.cpu_count() or 1},
        "egg_info": {"egg_base": BUILD_BASE},
    },
)
