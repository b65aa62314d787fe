# Thin wrapper around CMake. The README's two commands: `make demo` and `make test`.
BUILD   ?= build
ASAN    ?= build-asan
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE   ?= cmake

.PHONY: all build test demo asan tsan fuzz clean conformance conformance-venv aarch64 \
        conformance-aarch64

all: build

build:
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@$(CMAKE) --build $(BUILD) -j $(JOBS)

# The C suite (ctest), then the Python package's suite in a venv (python/run_tests.sh).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	bash python/run_tests.sh $(BUILD)/venv-py

demo: build
	@sh examples/demo.sh $(BUILD)

asan:
	@$(CMAKE) -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DTFLC_SANITIZE=ON >/dev/null
	@$(CMAKE) --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# The threaded tests (concurrent runners, shared variables, init once) under ThreadSanitizer.
tsan:
	@$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DTFLC_TSAN=ON >/dev/null
	@$(CMAKE) --build build-tsan -j $(JOBS) --target test_stateful test_api test_threadpool test_gemm test_qbinary test_reduce_pool test_act_threads test_conv_threads test_qconv_fast test_profile test_expand_fusion test_nn
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ctest --output-on-failure -R 'test_stateful|test_api|test_threadpool|test_gemm|test_qbinary|test_reduce_pool|test_act_threads|test_conv_threads|test_qconv_fast|test_profile|test_expand_fusion|test_nn'

# The library and the C suite for aarch64, built with Debian's cross gcc and run under
# qemu-user (packages gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user): the NEON
# kernels against the portable ones, and every model test, on another architecture. The
# int8 suites run again on an emulated Cortex-A72, which has no DotProd: the plain NEON GEMM.
aarch64:
	@$(CMAKE) -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release >/dev/null
	@$(CMAKE) --build build-aarch64 -j $(JOBS)
	cd build-aarch64 && ctest --output-on-failure -j $(JOBS)
	cd build-aarch64 && QEMU_CPU=cortex-a72 ctest --output-on-failure -j $(JOBS) \
	    -R 'test_qgemm|test_qconv_fast|test_conv|test_hybrid_fast|test_models|test_conformance'

fuzz:
	@$(CMAKE) -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DTFLC_FUZZ=ON >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS) --target fuzz_model

clean:
	rm -rf $(BUILD) $(ASAN) build-fuzz build-tsan build-aarch64

# Conformance with LiteRT (conformance/README.md): converts the single-op cases with the real
# TensorFlow converter (cached), runs tflc and LiteRT on the same seeded inputs, prints a
# table and writes $(BUILD)/conformance/report.{md,json}. The venv gets the versions pinned
# in tests/models/make_venv.sh unless it already has TensorFlow and LiteRT (pass
# CONF_VENV=/path/to/venv to reuse one). CONF_ARGS: e.g. --family conv, -k int8, --export.
CONF_VENV   ?= build/venv-conformance
CONF_PYTHON ?= python3
CONF_ARGS   ?=

conformance: build conformance-venv
	$(CONF_VENV)/bin/python conformance/run.py --tflc $(BUILD)/tflc --out $(BUILD)/conformance $(CONF_ARGS)

conformance-venv:
	@if ! $(CONF_VENV)/bin/python -c "import tensorflow, ai_edge_litert" >/dev/null 2>&1; then \
	    echo "conformance: setting up $(CONF_VENV) (tests/models/make_venv.sh pins)"; \
	    $(CONF_PYTHON) -m venv $(CONF_VENV) && \
	    $(CONF_VENV)/bin/python -m pip install --quiet --upgrade pip && \
	    $(CONF_VENV)/bin/python -m pip install --quiet \
	        $$(sed -n 's/^[[:space:]]*\([A-Za-z0-9_.-]*==[^[:space:]\\]*\).*/\1/p' tests/models/make_venv.sh) \
	        || exit 1; \
	fi

# The same suite with the aarch64 build's CLI under qemu-user (make aarch64 first): LiteRT
# runs on this x86 host, so this checks the NEON kernels against the x86 reference's outputs.
conformance-aarch64: aarch64 conformance-venv
	TFLC_EMULATOR="qemu-aarch64 -L /usr/aarch64-linux-gnu" $(CONF_VENV)/bin/python conformance/run.py \
	    --runner cli --tflc build-aarch64/tflc --out build-aarch64/conformance $(CONF_ARGS)

# Performance side by side with LiteRT (bench/README.md). Builds, prepares a venv with
# ai-edge-litert, numpy, matplotlib and tensorflow-cpu (bench/make_models.py builds the models
# with the real converter, cached in $(BUILD)/bench/models), then runs bench/compare: tflc and
# LiteRT interleaved on the same inputs, 1 and 2 threads. Prints the table and writes
# bench/RESULTS.md and bench/results/*.png. BENCH_ARGS: e.g. --quick, --models mobilenet_v2,
# --threads 1, --min-secs 5. BENCH_VENV=/path reuses a venv that has those packages.
BENCH_VENV   ?= build/venv-bench
BENCH_PYTHON ?= python3
BENCH_ARGS   ?=

.PHONY: bench
bench: build
	@if ! $(BENCH_VENV)/bin/python -c "import tensorflow, ai_edge_litert, numpy, matplotlib" >/dev/null 2>&1; then \
	    echo "bench: setting up $(BENCH_VENV)"; \
	    $(BENCH_PYTHON) -m venv $(BENCH_VENV) && \
	    $(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip && \
	    $(BENCH_VENV)/bin/python -m pip install --quiet tensorflow-cpu==2.21.0 ai-edge-litert==2.3.0 \
	        numpy==2.4.6 keras==3.15.1 matplotlib==3.11.2 || exit 1; \
	fi
	$(BENCH_VENV)/bin/python bench/compare --tflc $(BUILD)/tflc --models-dir $(BUILD)/bench/models \
	    --raw $(BUILD)/bench/results.json $(BENCH_ARGS)

# GFLOP/s of the packed f32 GEMM (src/kernels/gemm.h) against OpenBLAS's cblas_sgemm, one
# thread, 1024^3 and CNN layer shapes (bench/gemm.c; GEMM_BENCH_ARGS=-a runs every ISA variant).
# OpenBLAS is a yardstick linked into the bench binary only, never into the library:
# `apt-get install libopenblas-dev` first. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some
# machines to dodge bugs of old OpenBLAS builds) would force an older, slower OpenBLAS
# kernel, so this one command unsets both; the bench prints the core OpenBLAS then picked and
# checks its results against tflc's. An OpenBLAS older than the CPU (0.3.21 on Emerald
# Rapids) falls back to its SSE3 "Prescott" kernels; on an AVX-512 CPU the bench then reruns
# itself with OPENBLAS_CORETYPE=SkylakeX (bench/gemm.c).
GEMM_BENCH_ARGS ?=

.PHONY: bench-gemm
bench-gemm: build
	$(CC) -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc bench/gemm.c \
	    $(BUILD)/libtflc.a -lopenblas -lm -lpthread -o $(BUILD)/bench_gemm
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
	    $(BUILD)/bench_gemm $(GEMM_BENCH_ARGS)
