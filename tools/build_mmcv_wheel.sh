#!/usr/bin/env bash
# Build a wheel of mmcv with its compiled ops from mmcv's source distribution, for the torch of
# the running python. Used by tools/setup_env.sh and, on GPU machines, benchmarks/cuda_check.py.
#
# Usage: bash tools/build_mmcv_wheel.sh SDIST OUT_DIR
#   SDIST    mmcv-X.Y.Z.tar.gz (pip download --no-deps --no-binary :all: mmcv==X.Y.Z)
#   OUT_DIR  where the wheel is written
# Environment: PYTHON (default python), MAX_JOBS (default: all cores), FORCE_CUDA=1 for the CUDA
# ops (needs nvcc matching torch's CUDA), TORCH_CUDA_ARCH_LIST to compile for those GPUs only.
# Needs setuptools < 81 (mmcv's setup.py imports pkg_resources), wheel and ninja.
set -euo pipefail

SDIST="$1"
OUT="$2"
PY="${PYTHON:-python}"
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
tar xzf "$SDIST" -C "$SRC"
DIR=$(ls -d "$SRC"/mmcv-*)
# torch >= 2.10 headers require C++20 ("#error C++20 or later compatible compiler is required
# to use ATen"); mmcv 2.1.0's setup.py hard-codes -std=c++17 (also for nvcc) after the user's
# flags, so CXXFLAGS cannot override it. Patch the unpacked sdist only; nothing is vendored.
sed -i 's/-std=c++17/-std=c++20/g' "$DIR/setup.py"
# -g0 with Python's default flags kept (-O3 etc.): 2 MB .so instead of 82 MB, faster compile,
# same run-time speed. A bare CFLAGS=-g0 would drop -O3 and halve op speed.
mkdir -p "$OUT"
CFLAGS="-Wsign-compare -DNDEBUG -g0 -fwrapv -O3 -Wall" MMCV_WITH_OPS=1 \
    MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
    "$PY" -m pip wheel --no-deps --no-build-isolation --no-cache-dir -w "$OUT" "$DIR"
