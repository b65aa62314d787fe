#!/bin/sh
# make demo: run the bundled example models through their signatures with the tflc CLI
# and the examples (the signatures guide's C++ snippet, written in C and on tflc.hpp).
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

# The signatures guide's model, converted the guide's three ways (tests/models/generate.py):
# its signature list and each signature's results, printed as the guide's Python prints
# them; then the guide's C++ snippet (encode 100 values, decode them back) in C and C++.
for g in guide_saved_model guide_concrete_functions guide_keras; do
    say $BUILD/examples/example_guide --print-like-python $M/$g.tflite
done
say $BUILD/examples/example_guide $M/guide_saved_model.tflite
say $BUILD/examples/example_guide_cpp $M/guide_concrete_functions.tflite
