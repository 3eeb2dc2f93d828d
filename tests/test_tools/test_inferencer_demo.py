"""tools/inferencer_demo.py: MMPose's demo with --temporal-window; the same json as
tools/infer.py and MMPoseInferencer; one-line errors."""
import json
import re
from pathlib import Path

import cv2
import mmpose
import pytest

from posewarper.apis import MMPoseInferencer
from tests.helpers.generated_video import generated_video
from tests.helpers.tiny_posewarper import TINY_POSEWARPER_CFG, save_tiny_posewarper

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_CFG = str(TINY_POSEWARPER_CFG)
MMPOSE_DEMO = Path(mmpose.__file__).parent / '.mim' / 'demo' / 'inferencer_demo.py'

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def demo(load_tool):
    return load_tool('inferencer_demo')


@pytest.fixture(scope='module')
def clip(tmp_path_factory):
    """A generated video of one person (the whole frame is a fair box) as an mp4, and the
    tiny PoseWarper checkpoint."""
    root = tmp_path_factory.mktemp('clip')
    video = generated_video(root, seed=2, frames=7, people=1)
    path = root / 'clip.mp4'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10, (128, 96))
    for frame in video['paths']:
        writer.write(cv2.imread(str(frame)))
    writer.release()
    return dict(video=str(path), weights=str(save_tiny_posewarper(root / 'pw.pth')))


def test_every_option_of_mmposes_demo(demo):
    if not MMPOSE_DEMO.is_file():
        pytest.skip(f"MMPose's demo is not installed at {MMPOSE_DEMO}")
    theirs = set(re.findall(r"'(--[a-z0-9-]+)'", MMPOSE_DEMO.read_text()))
    ours = {o for action in demo.build_parser()._actions for o in action.option_strings}
    assert len(theirs) > 25 and theirs <= ours
    assert {'--temporal-window', '--frame-weights'} <= ours - theirs


def test_three_entry_points_write_the_same_json(demo, load_tool, clip, tmp_path):
    """``MMPoseInferencer(..., temporal_window=2)``, ``tools/infer.py`` and
    ``tools/inferencer_demo.py --temporal-window 2``: identical predictions and a video."""
    outs = {name: tmp_path / name for name in ('api', 'infer', 'demo')}
    inferencer = MMPoseInferencer(pose2d=TINY_CFG, pose2d_weights=clip['weights'],
                                  det_model='whole_image', device='cpu')
    results = list(inferencer(clip['video'], temporal_window=2, pred_out_dir=str(outs['api']),
                              vis_out_dir=str(outs['api'])))
    assert [r['frame_id'] for r in results] == list(range(7))
    common = ['--pose2d', TINY_CFG, '--pose2d-weights', clip['weights'], '--det-model',
              'whole_image', '--device', 'cpu', '--temporal-window', '2']
    for name, tool in (('infer', load_tool('infer')), ('demo', demo)):
        assert tool.main([clip['video'], *common, '--pred-out-dir', str(outs[name]),
                          '--vis-out-dir', str(outs[name])]) == 0
    docs = {name: json.loads((out / 'clip.json').read_text()) for name, out in outs.items()}
    assert docs['api'] == docs['infer'] == docs['demo']
    names = [im['file_name'] for im in docs['api']['images']]
    assert names[:2] == ['clip/000000.jpg', 'clip/000001.jpg']
    assert {a['track_id'] for a in docs['api']['annotations']} == {0}  # one person, one track
    for out in outs.values():
        cap = cv2.VideoCapture(str(out / 'clip.mp4'))
        assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 7
        cap.release()


def _one_line_error(capsys, tool_name):
    err = capsys.readouterr().err.strip().splitlines()
    assert err and err[-1].startswith(f'{tool_name}: error: ') and 'Traceback' not in '\n'.join(err)
    return err[-1]


@pytest.mark.parametrize('tool_name', ['inferencer_demo', 'infer'])
def test_one_line_errors(load_tool, tool_name, clip, tmp_path, capsys):
    tool = load_tool(tool_name)
    base = ['--pose2d', TINY_CFG, '--device', 'cpu']
    # a camera that is not there
    assert tool.main(['webcam:9', *base, '--det-model', 'whole_image']) == 1
    assert 'cannot open the camera' in _one_line_error(capsys, f'{tool_name}.py')
    # MMPose draws the openpose style for COCO keypoints only
    assert tool.main([clip['video'], *base, '--det-model', 'whole_image', '--skeleton-style',
                      'openpose']) == 1
    assert "skeleton_style='openpose' is not available for posetrack18" in \
        _one_line_error(capsys, f'{tool_name}.py')
    # a detector whose weights cannot be downloaded: the URL is named
    rtmdet = Path(mmpose.__file__).parent / '.mim' / 'demo' / 'mmdetection_cfg' / \
        'rtmdet_m_640-8xb32_coco-person.py'
    url = 'http://127.0.0.1:9/rtmdet_m_person.pth'
    assert tool.main([clip['video'], *base, '--det-model', str(rtmdet), '--det-weights', url]) == 1
    assert f"cannot download the person detector's weights {url}" in \
        _one_line_error(capsys, f'{tool_name}.py')
    assert not list(tmp_path.iterdir())


def test_docs_python_example(clip, tmp_path):
    """docs/inference.md's MMPoseInferencer example, run as written with the tiny model."""
    lines = (REPO_ROOT / 'docs' / 'inference.md').read_text().splitlines()
    start = lines.index('<!-- cpu-test: tests/test_tools/test_inferencer_demo.py::'
                        'test_docs_python_example -->') + 2
    code = '\n'.join(lines[start:lines.index('```', start)])
    code = code.replace("'configs/posewarper/posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py'",
                        repr(TINY_CFG))
    code = re.sub(r"pose2d_weights='work_dirs/[^']*'", f'pose2d_weights={clip["weights"]!r}',
                  code)
    code = code.replace('det_model=None', "det_model='whole_image', device='cpu'")
    code = code.replace("'my_video.mp4'", repr(clip['video']))
    code = code.replace("'outputs/", repr(str(tmp_path) + '/')[:-1])
    namespace = {}
    exec(compile(code, 'docs/inference.md', 'exec'), namespace)
    assert [p['track_id'] for p in namespace['people']] == [0]  # the last frame's person
    assert {'keypoints', 'keypoint_scores', 'bbox'} <= set(namespace['people'][0])
    assert json.loads((tmp_path / 'preds' / 'clip.json').read_text())['images'][6]['id'] == 6
    assert (tmp_path / 'vis' / 'clip.mp4').is_file()
