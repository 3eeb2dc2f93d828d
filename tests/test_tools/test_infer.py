"""tools/infer.py and the commands of docs/inference.md, in their CPU form (random weights).

Each fenced block of docs/inference.md is preceded by ``<!-- cpu-test: <file>::<test> -->``; the
test named runs that command with the tiny config (and a random-weight RTMDet-tiny or whole-frame
boxes) on generated videos; the python block is executed by :func:`test_python_api`. That every
block has such a marker, and that the test covers its scripts and flags, is checked with the
other docs by ``tests/test_docs/test_doc_commands.py``.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.apis.inferencers import base_mmpose_inferencer
from mmpose.registry import MODELS
from mmpose.visualization import PoseLocalVisualizer

from posewarper_synthetic import make_synthetic_posetrack
from tests.helpers.scripts import load_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / 'docs' / 'inference.md'
TINY_CFG = str(REPO_ROOT / 'configs' / 'tiny' / 'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py')
W48_CFG = 'configs/posewarper/posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py'
RTMDET_TINY = (Path(base_mmpose_inferencer.__file__).parents[2] / '.mim' / 'demo' /
               'mmdetection_cfg' / 'rtmdet_tiny_8xb32-300e_coco.py')
TIMEOUT = 300


def _load_infer():
    return load_tool('infer')


infer = _load_infer()


pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """A generated 10-frame video (folder + mp4), a random tiny PoseWarper checkpoint, and a
    random RTMDet-tiny config + checkpoint keeping at most 2 boxes per frame."""
    root = tmp_path_factory.mktemp('infer_assets')
    info = make_synthetic_posetrack(str(root), videos=1, frames=10, width=128, height=96,
                                    splits='val', people_min=1, people_max=2)['val']
    folder = Path(info['img_dir']) / info['video_names'][0]
    video = root / 'clip.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10, (128, 96))
    for path in sorted(folder.glob('*.jpg')):
        writer.write(cv2.imread(str(path)))
    writer.release()

    torch.manual_seed(0)
    pose_ckpt = root / 'posewarper_tiny.pth'
    torch.save(dict(state_dict=MODELS.build(Config.fromfile(TINY_CFG).model).state_dict(),
                    meta=dict()), str(pose_ckpt))

    det_cfg = Config.fromfile(str(RTMDET_TINY))
    det_cfg.model.backbone.init_cfg = None
    det_cfg.model.test_cfg.update(score_thr=0.0, max_per_img=2)
    det_path = root / 'rtmdet_tiny_random.py'
    det_cfg.dump(str(det_path))
    from mmdet.registry import MODELS as DET_MODELS
    init_default_scope('mmdet')
    det_ckpt = root / 'rtmdet_tiny_random.pth'
    # seeded here, not only above: the random detector must not depend on the pose model's size
    torch.manual_seed(0)
    torch.save(dict(state_dict=DET_MODELS.build(det_cfg.model).state_dict()), str(det_ckpt))
    init_default_scope('mmpose')
    return dict(folder=folder, video=video, pose_ckpt=pose_ckpt, det_cfg=det_path,
                det_ckpt=det_ckpt)


def _frame_count(path) -> int:
    cap = cv2.VideoCapture(str(path))
    count = 0
    while cap.read()[0]:
        count += 1
    cap.release()
    return count


def _check_json(path, num_frames, people=None):
    pred = json.loads(Path(path).read_text())
    assert [im['id'] for im in pred['images']] == list(range(num_frames))
    for i in range(num_frames):
        anns = [a for a in pred['annotations'] if a['image_id'] == i]
        if people is not None:
            assert len(anns) == people[i]
        for a in anns:
            kpts = np.array(a['keypoints']).reshape(17, 3)
            assert ((kpts[:, :2] >= 0) & (kpts[:, :2] < [128, 96])).all()
            assert len(a['scores']) == 17
    return pred


@pytest.mark.slow  # runs tools/infer.py in a subprocess
def test_video_with_detector(assets, tmp_path):
    """docs/inference.md "A video": detector config + weights, in a subprocess."""
    preds, vis = tmp_path / 'outputs' / 'preds', tmp_path / 'outputs' / 'vis'
    cmd = [
        sys.executable, 'tools/infer.py', str(assets['video']), '--pose2d', TINY_CFG,
        '--pose2d-weights', str(assets['pose_ckpt']), '--det-model', str(assets['det_cfg']),
        '--det-weights', str(assets['det_ckpt']),
        # a random detector labels its boxes with any class: keep all 80
        '--det-cat-ids', *map(str, range(80)), '--bbox-thr', '0.0', '--nms-thr', '0.3',
        '--temporal-window', '2', '--device', 'cpu', '--vis-out-dir', str(vis),
        '--pred-out-dir', str(preds)
    ]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT,
                          env=dict(__import__('os').environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    pred = _check_json(preds / 'clip.json', 10)
    assert 0 < len(pred['annotations']) <= 20  # at most 2 boxes a frame
    assert _frame_count(vis / 'clip.mp4') == 10


def test_frame_folder_whole_image(assets, tmp_path):
    """docs/inference.md "A folder of frames": whole-frame boxes, window ±1, drawing options."""
    out = tmp_path / 'outputs'
    assert infer.main([
        str(assets['folder']), '--pose2d', TINY_CFG, '--pose2d-weights', str(assets['pose_ckpt']),
        '--det-model', 'whole_image', '--temporal-window', '1', '--frame-weights', '0.5', '0.25',
        '0.25', '--draw-bbox', '--radius', '4', '--thickness', '2', '--kpt-thr', '0.2',
        '--vis-out-dir', str(out / 'vis' / '000342.mp4'), '--pred-out-dir', str(out / 'preds'),
        '--device', 'cpu'
    ]) == 0
    _check_json(out / 'preds' / f'{assets["folder"].name}.json', 10, [1] * 10)
    assert _frame_count(out / 'vis' / '000342.mp4') == 10


def test_webcam_show(assets, tmp_path, monkeypatch):
    """docs/inference.md "A webcam": the camera is simulated by the generated mp4."""
    real_capture = cv2.VideoCapture
    monkeypatch.setattr(base_mmpose_inferencer.cv2, 'VideoCapture',
                        lambda cam_id: real_capture(str(assets['video'])))
    monkeypatch.setattr(base_mmpose_inferencer.cv2, 'waitKey', lambda delay: -1)
    shown = []
    monkeypatch.setattr(PoseLocalVisualizer, 'show',
                        lambda self, img, *args, **kwargs: shown.append(img.shape))
    assert infer.main([
        'webcam:0', '--pose2d', TINY_CFG, '--pose2d-weights', str(assets['pose_ckpt']),
        '--det-model', 'whole_image', '--temporal-window', '2', '--show', '--pred-out-dir',
        str(tmp_path / 'outputs' / 'webcam'), '--device', 'cpu'
    ]) == 0
    assert len(shown) == 10
    _check_json(tmp_path / 'outputs' / 'webcam' / 'webcam.json', 10, [1] * 10)


def _doc_blocks():
    """(marker, language, code) of every fenced block of docs/inference.md."""
    lines = DOC.read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        fence = re.match(r'^```(\w+)\s*$', lines[i])
        if fence:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith('```'))
            marker = re.match(r'^<!-- cpu-test: (\S+) -->$', lines[i - 1])
            blocks.append((marker.group(1) if marker else '', fence.group(1),
                           '\n'.join(lines[i + 1:end])))
            i = end
        i += 1
    return blocks


def test_python_api(assets, tmp_path):
    """docs/inference.md "Python API", run as written with the tiny config and the mp4."""
    code = next(c for m, lang, c in _doc_blocks() if lang == 'python'
                and m.endswith('::test_python_api'))
    code = code.replace(f"'{W48_CFG}'", repr(TINY_CFG))
    code = re.sub(r"weights='work_dirs/[^']*'", f'weights={str(assets["pose_ckpt"])!r}', code)
    code = code.replace("'my_video.mp4'", repr(str(assets['video'])))
    code = code.replace("'outputs/preds'", repr(str(tmp_path / 'preds')))
    printed = []
    boxes = [np.array([[10, 5, 60, 90, 0.9]], np.float32)] * 9 + [np.zeros((0, 4))]
    exec(compile(code, str(DOC), 'exec'),
         dict(my_boxes=boxes, print=lambda *args: printed.append(args)))
    assert [p[0] for p in printed] == list(range(10))
    assert [len(p[1]) for p in printed] == [1] * 9 + [0]
    _check_json(tmp_path / 'preds' / 'clip.json', 10, [1] * 9 + [0])


def test_errors_exit_1_and_write_nothing(assets, tmp_path, capsys):
    out = ['--pred-out-dir', str(tmp_path / 'preds'), '--vis-out-dir', str(tmp_path / 'vis')]
    common = ['--pose2d', TINY_CFG, '--det-model', 'whole_image', '--device', 'cpu'] + out
    bad = tmp_path / 'corrupt.mp4'
    bad.write_bytes(b'\x00' * 1000)
    assert infer.main([str(bad)] + common) == 1
    assert 'corrupt.mp4' in capsys.readouterr().err
    stage1 = MODELS.build(Config.fromfile(
        str(REPO_ROOT / 'configs/tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py')).model)
    ckpt = tmp_path / 'stage1.pth'
    torch.save(dict(state_dict=stage1.state_dict()), str(ckpt))
    assert infer.main([str(assets['video']), '--pose2d-weights', str(ckpt)] + common) == 1
    assert 'does not match the PoseWarper model' in capsys.readouterr().err
    assert infer.main([str(assets['video']), '--temporal-window', '1', '--frame-weights', '1']
                      + common) == 1
    assert '--temporal-window 1 needs 3 weights' in capsys.readouterr().err
    assert infer.main([str(assets['video']), '--temporal-window', '-1'] + common) == 1
    assert 'argument --temporal-window: -1 is not in [0, 100]' in capsys.readouterr().err
    assert not (tmp_path / 'preds').exists() and not (tmp_path / 'vis').exists()


@pytest.mark.slow  # a fresh process: FFmpeg reads its log level once, at its first use
@pytest.mark.parametrize('source,message', [('damaged.mp4', 'cannot open video file'),
                                            ('webcam:7', "cannot open the camera of 'webcam:7'")])
def test_video_backends_add_nothing_to_the_line(tmp_path, source, message):
    """OpenCV's and FFmpeg's own messages ("moov atom not found", "Camera index out of range")
    would precede the tool's line on stderr."""
    if source.endswith('.mp4'):
        source = tmp_path / source
        source.write_bytes(bytes(range(256)) * 8)
    cmd = [sys.executable, 'tools/infer.py', str(source), '--pose2d', TINY_CFG, '--det-model',
           'whole_image', '--device', 'cpu', '--pred-out-dir', str(tmp_path / 'preds')]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT,
                          env=dict(__import__('os').environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count('\n') == 1 and message in proc.stderr, proc.stderr
    assert not (tmp_path / 'preds').exists()


def test_options_mirror_mmpose_inferencer_demo():
    args = infer.parse_args([
        'in.mp4', '--pose2d', 'cfg.py', '--pose2d-weights', 'w.pth', '--det-model', 'd.py',
        '--det-weights', 'd.pth', '--det-cat-ids', '0', '2', '--scope', 'mmpose', '--device',
        'cpu', '--show-progress', '--show', '--draw-bbox', '--draw-heatmap', '--bbox-thr', '0.4',
        '--nms-thr', '0.5', '--pose-based-nms', 'true', '--kpt-thr', '0.1', '--radius', '5',
        '--thickness', '3', '--skeleton-style', 'openpose', '--black-background',
        '--vis-out-dir', 'v', '--pred-out-dir', 'p', '--temporal-window', '3'
    ])
    init_args, call_args = infer.split_args(args)
    assert init_args == dict(model='cfg.py', weights='w.pth', scope='mmpose', device='cpu',
                             det_model='d.py', det_weights='d.pth', det_cat_ids=[0, 2],
                             show_progress=True)
    assert call_args['inputs'] == 'in.mp4' and call_args['pose_based_nms'] is True
    # no --frame-weights: the window's default weights (not given at all)
    assert call_args['temporal_window'] == 3 and 'frame_weights' not in call_args
    assert call_args['tracking_thr'] == 0.3 and call_args['use_oks_tracking'] is False
    # no --temporal-window: the config's window
    assert 'temporal_window' not in infer.split_args(infer.parse_args(['in.mp4', '--pose2d',
                                                                       'cfg.py']))[1]
    from posewarper.apis import PoseWarperInferencer
    accepted = (PoseWarperInferencer.preprocess_kwargs | PoseWarperInferencer.forward_kwargs
                | PoseWarperInferencer.visualize_kwargs | PoseWarperInferencer.postprocess_kwargs)
    assert set(call_args) - {'inputs'} <= accepted
