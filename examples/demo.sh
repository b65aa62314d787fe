#!/bin/sh
# make demo: run the bundled example models through their signatures with the tflc CLI
# and the C example (the signatures guide's C++ snippet, written in C).
set -e
BUILD=${1:-build}
M=tests/models
T=$BUILD/tflc
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

say $T info $M/multi_signatures.tflite
say $T run $M/multi_signatures.tflite --signature add --input x=1,2,3
say $T run $M/multi_signatures.tflite --signature sub --input x=1,2,3
say $T info $M/keras_dense.tflite
say $T run $M/keras_dense.tflite --input x_input=1,2,3,4,-1,-2,-3,-4
say $T info $M/no_signatures.tflite --json
say $T run $M/dynamic_batch.tflite --input x=$M/dynamic_batch.serving_default.rand_b3.in.x.npy
say $BUILD/examples/example_signatures $M/keras_dense.tflite serving_default 100
say $BUILD/examples/example_signatures $M/ops_mix.tflite mix
