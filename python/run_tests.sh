#!/usr/bin/env bash
# Builds and installs the tflc Python package into a virtual environment, then runs its
# tests. Needs python3 (>= 3.9) with venv, a C compiler, and PyPI (numpy, pytest,
# setuptools) the first time; later runs reuse the environment.
#
#   python/run_tests.sh [VENV] [PYTEST ARGS...]     VENV defaults to build/venv-py
#   PYTHON=python3.9 python/run_tests.sh build/venv-py39
#
# Exit status: pytest's (or the failing setup step's).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${1:-$ROOT/build/venv-py}"
[ $# -gt 0 ] && shift
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "run_tests: creating $VENV with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

# Build requirements are installed here once, so later builds need no network
# (--no-build-isolation).
"$PY" -m pip install --quiet --disable-pip-version-check "setuptools>=77" numpy pytest
"$PY" -m pip install --quiet --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps "$ROOT"

cd "$ROOT"
exec "$PY" -m pytest -p no:cacheprovider -q -rs python/tests "$@"
