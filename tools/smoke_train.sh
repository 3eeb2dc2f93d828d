#!/usr/bin/env bash
# The README's main job until the full demo lands: generate sparsely-labelled videos, train the
# tiny single-frame model (stage 1) on their labelled frames, then PoseWarper (stage 2) on top of
# it, printing losses and the PoseTrack AP of each stage. CPU, a few minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
DATA=data/synthetic  # the tiny configs' data_root
WORK="${WORK_DIR:-work_dirs/smoke}"
STAGE1=configs/tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py
STAGE2=configs/tiny/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py

if [ ! -f "$DATA/annotations/posetrack18_val.json" ]; then
    echo "== generating videos into $DATA"
    "$PY" tools/make_synthetic_posetrack.py --out "$DATA" --videos 4 --frames 22 --seed 0
fi
echo "== stage 1: single-frame tiny HRNet on the labelled frames (every 7th)"
"$PY" tools/train.py "$STAGE1" --work-dir "$WORK/stage1"
echo "== stage 2: PoseWarper on the frozen stage-1 model"
"$PY" tools/train.py "$STAGE2" --work-dir "$WORK/stage2" --cfg-options "load_from=$WORK/stage1/epoch_4.pth"
echo "== done: checkpoints and logs under $WORK"
