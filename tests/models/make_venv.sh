#!/bin/sh
# Create the Python venv used by tests/models/generate.py, pinned to the
# versions the committed fixtures were generated with (see VERSIONS.json).
#
#   tests/models/make_venv.sh [VENV_DIR]      (default: .venv-gen)
#   VENV_DIR/bin/python tests/models/generate.py
#
# The fixtures were generated with Python 3.11; any Python that these wheels
# support works, set PYTHON=python3.x to choose the interpreter.
set -eu

VENV_DIR="${1:-.venv-gen}"
PYTHON="${PYTHON:-python3}"

"$PYTHON" -m venv "$VENV_DIR"
"$VENV_DIR/bin/python" -m pip install --upgrade pip
"$VENV_DIR/bin/python" -m pip install \
    tensorflow-cpu==2.21.0 \
    ai-edge-litert==2.3.0 \
    numpy==2.4.6 \
    flatbuffers==25.12.19 \
    keras==3.15.1

echo "venv ready: $VENV_DIR/bin/python tests/models/generate.py"
