"""MMPose's entry points and PoseWarper: our drop-in MMPoseInferencer runs it temporally, and
MMPose's stock one runs every shipped config without crashing, never single-frame without a
word."""
import json
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmpose.apis import MMPoseInferencer as StockMMPoseInferencer
from mmpose.apis import inference_topdown

from posewarper.apis import MMPoseInferencer, PoseWarperInferencer, init_model
from posewarper.apis.inferencers import config_inferencer
from posewarper.models.pose_estimators.posewarper import SINGLE_FRAME_WARNING
from tests.helpers.generated_video import generated_video
from tests.helpers.tiny_posewarper import TINY_POSEWARPER_CFG, TINY_STAGE1_CFG, save_tiny_posewarper

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_CFG, STAGE1_CFG = str(TINY_POSEWARPER_CFG), str(TINY_STAGE1_CFG)
TINY_CONFIGS = sorted(str(p) for p in (REPO_ROOT / 'configs' / 'tiny').glob('*.py'))
W48_CONFIGS = sorted(str(p) for p in (REPO_ROOT / 'configs' / 'posewarper').glob('*.py'))

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return str(save_tiny_posewarper(tmp_path_factory.mktemp('ckpt') / 'tiny_posewarper.pth'))


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    return generated_video(tmp_path_factory.mktemp('video'), seed=1, frames=6)


def test_config_inferencer():
    assert config_inferencer(TINY_CFG) is PoseWarperInferencer
    assert config_inferencer(STAGE1_CFG) is None  # MMPose's Pose2DInferencer
    assert config_inferencer('human') is None  # an MMPose alias
    assert config_inferencer(dict(model=dict(type='TopdownPoseEstimator'),
                                  inferencer='posewarper')) is PoseWarperInferencer


def test_temporal_window_aggregates(checkpoint, video):
    """``MMPoseInferencer(pose2d=<PoseWarper config>, temporal_window=2)`` gives what
    PoseWarperInferencer gives (the same windows), one result per frame, and differs from the
    single-frame run."""
    ours = MMPoseInferencer(pose2d=TINY_CFG, pose2d_weights=checkpoint, det_model='whole_image',
                            device='cpu')
    assert isinstance(ours.inferencer, PoseWarperInferencer)
    direct = PoseWarperInferencer(TINY_CFG, checkpoint, det_model='whole_image', device='cpu')
    frames = [cv2.imread(str(p)) for p in video['paths']]
    kwargs = dict(bboxes=video['boxes'], return_datasamples=True)
    got = list(ours(frames, temporal_window=2, **kwargs))
    # the window given to the constructor, as a new user might: the default of every call
    default = MMPoseInferencer(pose2d=TINY_CFG, pose2d_weights=checkpoint,
                               det_model='whole_image', device='cpu', temporal_window=2)
    for a, b in zip(got, default(frames, **kwargs)):
        np.testing.assert_array_equal(a['predictions'][0].pred_instances.keypoints,
                                      b['predictions'][0].pred_instances.keypoints)
    expected = list(direct(frames, temporal_window=2, **kwargs))
    single = list(ours(frames, temporal_window=0, **kwargs))
    assert len(got) == len(frames)
    for a, b, s in zip(got, expected, single):
        a, b, s = (r['predictions'][0].pred_instances for r in (a, b, s))
        np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-4)
        np.testing.assert_array_equal(a.track_ids, b.track_ids)
    assert not all(np.allclose(g['predictions'][0].pred_instances.keypoint_scores,
                               s['predictions'][0].pred_instances.keypoint_scores)
                   for g, s in zip(got, single))


def test_single_frame_configs_refuse_a_temporal_window(video):
    ours = MMPoseInferencer(pose2d=STAGE1_CFG, det_model='whole_image', device='cpu')
    assert type(ours.inferencer).__name__ == 'Pose2DInferencer'
    with pytest.raises(ValueError, match='only a PoseWarper config aggregates frames'):
        next(ours(str(video['paths'][0]), temporal_window=2))
    with pytest.raises(ValueError, match='only a PoseWarper config aggregates frames'):
        MMPoseInferencer(pose2d=STAGE1_CFG, det_model='whole_image', temporal_window=1)
    # window 0 (or none) is MMPose's ordinary single-frame run
    assert len(next(ours(str(video['paths'][0]), temporal_window=0))['predictions'][0]) == 1


@pytest.mark.parametrize('config', TINY_CONFIGS, ids=lambda p: Path(p).stem)
def test_stock_mmpose_inferencer_runs_every_tiny_config(config, video, tmp_path):
    _run_stock(config, video, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize('config', W48_CONFIGS, ids=lambda p: Path(p).stem)
def test_stock_mmpose_inferencer_runs_every_w48_config(config, video, tmp_path):
    _run_stock(config, video, tmp_path)


def _run_stock(config, video, tmp_path):
    """MMPose's own MMPoseInferencer (single frames: Pose2DInferencer) with a visualisation:
    no crash, and a PoseWarper model says once that it runs single-frame."""
    stock = StockMMPoseInferencer(pose2d=config, det_model='whole_image', device='cpu')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        results = list(stock([str(p) for p in video['paths'][:2]], vis_out_dir=str(tmp_path),
                             pred_out_dir=str(tmp_path)))
    assert len(results) == 2 and all(len(r['predictions'][0]) == 1 for r in results)
    assert sorted(f.name for f in tmp_path.glob('*.jpg')) == [p.name for p in video['paths'][:2]]
    said = [str(w.message) for w in caught if str(w.message) == SINGLE_FRAME_WARNING]
    posewarper = type(stock.inferencer.model).__name__ == 'PoseWarper'
    assert len(said) == (1 if posewarper else 0)  # once, not once per frame


def test_inference_topdown_warns_once(checkpoint, video):
    model = init_model(TINY_CFG, checkpoint)
    img = cv2.imread(str(video['paths'][0]))
    with pytest.warns(UserWarning, match='MMPoseInferencer.*temporal_window=2'):
        inference_topdown(model, img, video['boxes'][0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        samples = inference_topdown(model, img, video['boxes'][0])
    assert SINGLE_FRAME_WARNING not in [str(w.message) for w in caught]  # once per model
    assert len(samples) == len(video['boxes'][0])
    # a window of one frame that says so (frame_weights, as our clip dataset packs it) is not
    # a mistake: no warning
    model = init_model(TINY_CFG, checkpoint)
    packed = Compose(model.cfg.test_dataloader.dataset.pipeline)(dict(
        img=img, bbox=video['boxes'][0][:1], bbox_score=np.ones(1, np.float32),
        frame_weights=[1.0], **model.dataset_meta))
    assert packed['data_samples'].metainfo['frame_weights'] == [1.0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        model.test_step(pseudo_collate([packed]))
    assert SINGLE_FRAME_WARNING not in [str(w.message) for w in caught]


def test_init_model_is_strict(tmp_path):
    torch.save(dict(state_dict={'backbone.nothing': torch.zeros(1)}), str(tmp_path / 'x.pth'))
    with pytest.raises(ValueError, match='does not match the PoseWarper model'):
        init_model(TINY_CFG, str(tmp_path / 'x.pth'))
    with pytest.raises(FileNotFoundError, match='config not found'):
        init_model(str(tmp_path / 'none.py'))


@pytest.mark.slow
def test_w48_on_the_posetrack_clip(posetrack_mini, tmp_path):
    """What a new user runs: the W48 PoseWarper config on the real PoseTrack18 clip, temporal
    window 2, predictions and a video (random weights: only the run is checked)."""
    clip = posetrack_mini / 'videos' / '000001_mpiinew_test'
    config = REPO_ROOT / 'configs' / 'posewarper' / \
        'posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py'
    inferencer = MMPoseInferencer(pose2d=str(config), det_model='whole_image', device='cpu',
                                  temporal_window=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        results = list(inferencer(str(clip / f'{clip.name}.mp4'), out_dir=str(tmp_path)))
    assert SINGLE_FRAME_WARNING not in [str(w.message) for w in caught]  # it aggregated
    assert [r['frame_id'] for r in results] == list(range(5))
    doc = json.loads((tmp_path / 'predictions' / f'{clip.name}.json').read_text())
    names = [im['file_name'] for im in doc['images']]
    assert names == [f'{clip.name}/{i:06d}.jpg' for i in range(5)]
    cap = cv2.VideoCapture(str(tmp_path / 'visualizations' / f'{clip.name}.mp4'))
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 5
    cap.release()
