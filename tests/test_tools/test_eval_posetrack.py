"""Tests of ``tools/eval_posetrack.py``."""
import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.scripts import load_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / 'tools' / 'eval_posetrack.py'
KEYS = ['Head', 'Shou', 'Elb', 'Wri', 'Hip', 'Knee', 'Ankl', 'Total']


@pytest.fixture(scope='module')
def tool():
    return load_tool('eval_posetrack')


@pytest.fixture
def dirs(posetrack_mini, tmp_path):
    """Sample GT copied to tmp_path, and predictions equal to the GT with joint scores."""
    gt_dir, pred_dir = tmp_path / 'gt', tmp_path / 'pred'
    shutil.copytree(posetrack_mini / 'annotations' / 'val', gt_dir)
    pred_dir.mkdir()
    for f in gt_dir.glob('*.json'):
        pred = copy.deepcopy(json.loads(f.read_text()))
        for ann in pred['annotations']:
            ann['scores'] = [0.9] * 17
        (pred_dir / f.name).write_text(json.dumps(pred))
    return gt_dir, pred_dir


def test_writes_exactly_the_eight_keys(tool, dirs, tmp_path, capsys):
    out = tmp_path / 'sub' / 'ap.json'
    rc = tool.main(['--gt-dir', str(dirs[0]), '--pred-dir', str(dirs[1]), '--out', str(out)])
    assert rc == 0
    result = json.loads(out.read_text())
    assert list(result) == KEYS
    assert result == {k: 100.0 for k in KEYS}
    # no temp file left next to the output
    assert [p.name for p in out.parent.iterdir()] == ['ap.json']
    printed = capsys.readouterr().out
    assert 'Total' in printed and '100.0' in printed


def test_error_names_the_file_and_leaves_no_output(tool, dirs, tmp_path, capsys):
    broken = next(dirs[1].glob('*.json'))
    broken.write_text('{not json')
    out = tmp_path / 'ap.json'
    rc = tool.main(['--gt-dir', str(dirs[0]), '--pred-dir', str(dirs[1]), '--out', str(out)])
    assert rc == 1
    assert broken.name in capsys.readouterr().err
    assert not out.exists()


def test_nan_written_as_null(tool, tmp_path):
    # One frame whose GT person has no head top while the prediction has one: the head top
    # AP is undefined (NaN), so Head is NaN -> null; Total ignores NaN joints.
    names = ['nose', 'head_bottom', 'head_top', 'left_ear', 'right_ear', 'left_shoulder',
             'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
             'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
    kpts = []
    for i in range(17):
        kpts += [100.0 * i + 10, 10.0, 1]
    gt_kpts = list(kpts)
    gt_kpts[6:9] = [0, 0, 0]  # no head_top
    video = {'images': [{'id': 1, 'file_name': 'images/val/v/000000.jpg'}],
             'categories': [{'id': 1, 'name': 'person', 'keypoints': names}]}
    gt = dict(video, annotations=[{'image_id': 1, 'track_id': 0, 'keypoints': gt_kpts,
                                   'bbox_head': [0, 0, 30, 40]}])
    pred = dict(video, annotations=[{'image_id': 1, 'track_id': 0, 'keypoints': kpts,
                                     'scores': [0.5] * 17}])
    for sub, data in (('gt', gt), ('pred', pred)):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / 'v.json').write_text(json.dumps(data))
    out = tmp_path / 'ap.json'
    assert tool.main(['--gt-dir', str(tmp_path / 'gt'), '--pred-dir', str(tmp_path / 'pred'),
                      '--out', str(out)]) == 0
    result = json.loads(out.read_text())
    assert list(result) == KEYS
    assert result['Head'] is None
    assert result['Total'] == 100.0


@pytest.mark.slow  # a subprocess
def test_runs_as_a_script(dirs, tmp_path):
    out = tmp_path / 'ap.json'
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), '--gt-dir', str(dirs[0]), '--pred-dir', str(dirs[1]),
         '--out', str(out)],
        capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == {k: 100.0 for k in KEYS}


def test_gt_without_any_person_gives_null(tool, tmp_path, capsys):
    # nothing to evaluate: every AP is undefined, written as null (poseval would say 0)
    from tests.helpers.posetrack_docs import video
    empty = video([[], []])
    for name in ('gt', 'pred'):
        (tmp_path / name).mkdir()
        (tmp_path / name / 'v.json').write_text(json.dumps(empty))
    out = tmp_path / 'ap.json'
    assert tool.main(['--gt-dir', str(tmp_path / 'gt'), '--pred-dir', str(tmp_path / 'pred'),
                      '--out', str(out)]) == 0
    assert json.loads(out.read_text()) == {k: None for k in KEYS}


@pytest.mark.slow  # a subprocess
def test_bad_input_as_a_script_is_one_stderr_line(tmp_path):
    """The whole stderr of a real run, library warnings included (setuptools >= 80 warns on
    every import of pkg_resources, which mmengine does: tools/setup_env.sh pins it below)."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), '--gt-dir', str(tmp_path / 'none'), '--pred-dir',
         str(tmp_path / 'pred'), '--out', str(tmp_path / 'ap.json')],
        capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert proc.returncode == 1 and proc.stderr.count('\n') == 1, proc.stderr
    assert 'none: not a directory' in proc.stderr
