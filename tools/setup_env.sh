#!/usr/bin/env bash
# One-command environment for posewarper: creates .venv/ in the repo root and installs
# torch, mmengine, mmcv (compiled with ops), mmdet, mmpose, xtcocotools, openmim and this
# project (editable). Idempotent: a second run only checks what is there; the compiled
# mmcv wheel is cached under ${POSEWARPER_CACHE:-~/.cache/posewarper} and reused.
#
# Usage: bash tools/setup_env.sh        (FORCE_CUDA=1 to build mmcv's CUDA ops)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${POSEWARPER_VENV:-$ROOT/.venv}"
CACHE="${POSEWARPER_CACHE:-$HOME/.cache/posewarper}"
PY="${PYTHON:-python3}"

TORCH_VERSION=2.14.1
TORCHVISION_VERSION=0.29.1
MMENGINE_VERSION=0.10.7
# mmdet 3.3.0 asserts mmcv < 2.2.0, and mmpose.models imports mmdet: mmcv must be 2.1.x.
MMCV_VERSION=2.1.0
MMDET_VERSION=3.3.0
MMPOSE_VERSION=1.3.2
XTCOCOTOOLS_VERSION=1.14.3
OPENMIM_VERSION=0.3.9

START=$(date +%s)
step() { printf '\n[setup_env %4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
    step "creating virtual environment at $VENV"
    "$PY" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
export PIP_DISABLE_PIP_VERSION_CHECK=1
PIP="python -m pip"

have() {  # have DIST VERSION: true when that exact version is installed
    python - "$1" "$2" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version(sys.argv[1]).split('+')[0] == sys.argv[2] else 1)
PYEOF
}

if have torch "$TORCH_VERSION" && have torchvision "$TORCHVISION_VERSION"; then
    step "torch $TORCH_VERSION / torchvision $TORCHVISION_VERSION already installed"
else
    step "installing torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION"
    $PIP install "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
fi

# setuptools<80: mmcv's setup.py and openmim import pkg_resources (removed in 81), and from
# 80 on importing it prints a UserWarning on stderr (mmengine imports it), which would come
# before every tool's one-line error; >=77.0.3 is torch's own requirement.
step "build tools (setuptools<80, wheel, ninja, cython, numpy) and test tools"
$PIP install -q "setuptools>=77.0.3,<80" wheel ninja cython numpy pytest hypothesis flake8 isort yapf

if have mmengine "$MMENGINE_VERSION"; then
    step "mmengine $MMENGINE_VERSION already installed"
else
    step "installing mmengine $MMENGINE_VERSION"
    $PIP install "mmengine==$MMENGINE_VERSION"
fi

mmcv_ok() {
    python -c "import mmcv, mmcv.ops; from mmcv.ops import DeformConv2d; \
assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null
}
if mmcv_ok; then
    step "mmcv $MMCV_VERSION with ops already installed"
else
    TAG=$(python -c "import sys, torch, platform; \
print(f'torch{torch.__version__.split(\"+\")[0]}-cp{sys.version_info[0]}{sys.version_info[1]}-{platform.machine()}')")
    if [ "${FORCE_CUDA:-0}" = "1" ] || python -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
        TAG="$TAG-cuda"
        export FORCE_CUDA=1
    else
        TAG="$TAG-cpu"
    fi
    WHEELDIR="$CACHE/mmcv-$MMCV_VERSION-$TAG"
    WHEEL=$(ls "$WHEELDIR"/mmcv-*.whl 2>/dev/null | head -n1 || true)
    if [ -z "$WHEEL" ]; then
        step "building mmcv $MMCV_VERSION with ops from source ($TAG); ~6-10 min on 2 cores"
        SRC=$(mktemp -d)
        trap 'rm -rf "$SRC"' EXIT
        $PIP download --no-deps --no-binary :all: --no-build-isolation "mmcv==$MMCV_VERSION" -d "$SRC"
        rm -rf "$WHEELDIR.tmp"
        bash "$ROOT/tools/build_mmcv_wheel.sh" "$SRC/mmcv-$MMCV_VERSION.tar.gz" "$WHEELDIR.tmp"
        rm -rf "$WHEELDIR" && mv "$WHEELDIR.tmp" "$WHEELDIR"   # cache appears only when complete
        WHEEL=$(ls "$WHEELDIR"/mmcv-*.whl | head -n1)
    else
        step "using cached mmcv wheel $WHEEL"
    fi
    $PIP install --force-reinstall --no-deps "$WHEEL"
    $PIP install -q addict yapf opencv-python pyyaml regex packaging  # mmcv's runtime deps
    mmcv_ok || { echo "mmcv $MMCV_VERSION was installed but mmcv.ops does not import" >&2; exit 1; }
fi

# The PyPI xtcocotools wheel is built against numpy 1.x and fails under numpy 2
# ("numpy.dtype size changed"); rebuild it from the sdist against the venv's numpy.
if python -c "from xtcocotools.coco import COCO" 2>/dev/null; then
    step "xtcocotools already importable"
else
    step "building xtcocotools $XTCOCOTOOLS_VERSION against this numpy"
    $PIP install --force-reinstall --no-deps --no-binary xtcocotools --no-build-isolation \
        "xtcocotools==$XTCOCOTOOLS_VERSION"
fi

if have mmdet "$MMDET_VERSION"; then
    step "mmdet $MMDET_VERSION already installed"
else
    step "installing mmdet $MMDET_VERSION"
    $PIP install "mmdet==$MMDET_VERSION"
fi

# --no-deps: mmpose declares chumpy, whose sdist cannot build (and no mmpose module imports it).
# openmim's openxlab dependency pins setuptools~=60 and other old packages; mim does not need it
# for train/test. Their real runtime deps are installed explicitly.
if have mmpose "$MMPOSE_VERSION" && have openmim "$OPENMIM_VERSION"; then
    step "mmpose $MMPOSE_VERSION and openmim $OPENMIM_VERSION already installed"
else
    step "installing mmpose $MMPOSE_VERSION and openmim $OPENMIM_VERSION (--no-deps) + their deps"
    $PIP install --no-deps "mmpose==$MMPOSE_VERSION" "openmim==$OPENMIM_VERSION"
    $PIP install json-tricks munkres matplotlib opencv-python pillow scipy \
        Click colorama model-index pandas requests rich tabulate
fi

step "installing posewarper (editable)"
$PIP install -q --no-deps --no-build-isolation -e "$ROOT"

step "checking imports"
python - <<'PYEOF'
import mmcv, mmcv.ops, mmdet, mmengine, mmpose, torch, torchvision
from xtcocotools.coco import COCO  # noqa: F401
import posewarper
print(f'torch {torch.__version__}, torchvision {torchvision.__version__}, mmengine {mmengine.__version__}, '
      f'mmcv {mmcv.__version__}, mmdet {mmdet.__version__}, mmpose {mmpose.__version__}, '
      f'posewarper {posewarper.__version__}')
PYEOF
step "done: activate with '. $VENV/bin/activate'"
