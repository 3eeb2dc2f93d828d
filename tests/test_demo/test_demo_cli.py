"""tools/demo.py's arguments: a missing stage-1 checkpoint is one line and status 1; which
PoseWarper stage 2 starts from."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posewarper_demo import PRETRAINED, STAGE2_PRETRAINED

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_missing_stage1_init(tmp_path):
    work = tmp_path / 'demo'
    proc = subprocess.run(
        [sys.executable, 'tools/demo.py', '--quick', '--stage1-init', str(tmp_path / 'no.pth'),
         '--work-dir', str(work)], cwd=str(REPO_ROOT), capture_output=True, text=True,
        env=dict(os.environ, CUDA_VISIBLE_DEVICES=''), timeout=300)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if 'Warning' not in line
             and 'pkg_resources' not in line]
    assert lines == [f'demo.py: error: --stage1-init: no such checkpoint: {tmp_path / "no.pth"}']
    assert not work.exists()  # nothing written before the check


@pytest.mark.parametrize('argv, why', [
    (['--quick', '--stage2-init', 'none', '--stage2-epochs', '0'], '--stage2-epochs 0'),
    (['--quick', '--from-scratch', '--stage2-epochs', '0'], '--stage2-epochs 0'),
    # the default evaluates the shipped PoseWarper as is: an untrained one must be trained
    (['--stage2-init', 'none'], 'stage2_epochs=0 (the default, configs/demo/default.py)'),
])
def test_stage2_epochs_zero_needs_a_trained_warp(tmp_path, load_tool, capsys, argv, why):
    work = tmp_path / 'demo'
    assert load_tool('demo').main([*argv, '--work-dir', str(work)]) == 1
    assert capsys.readouterr().err == (
        f'demo.py: error: {why} needs a trained PoseWarper (--stage2-init); an untrained '
        'warping head would be evaluated: give --stage2-epochs N to train it (see --help)\n')
    assert not work.exists()


@pytest.mark.parametrize('argv, expected', [
    ([], STAGE2_PRETRAINED),  # the shipped PoseWarper, evaluated as shipped
    (['--stage2-init', 'none', '--stage2-epochs', '2'], None),
    (['--stage2-init', 'NONE', '--stage1-init', PRETRAINED, '--stage2-epochs', '1'], None),
    (['--from-scratch'], None),  # every model from scratch
    (['--from-scratch', '--stage2-init', STAGE2_PRETRAINED], STAGE2_PRETRAINED),
])
def test_stage2_init_default(load_tool, argv, expected):
    assert load_tool('demo').parse_args(argv).stage2_init == expected
