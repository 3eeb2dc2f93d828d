"""StreamingAggregator: same heatmaps as PoseWarper.predict on every window, less work."""
import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmpose.apis.inference import dataset_meta_from_config
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy

from benchmarks.naive_window import naive_window_predict
from posewarper.apis import StreamingAggregator
from posewarper.datasets import (OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS, check_frame_window,
                                 clip_window, temporal_window)
from tests.helpers.scripts import load_script

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_CFG = REPO_ROOT / 'configs' / 'tiny' / 'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py'
STAGE1_CFG = REPO_ROOT / 'configs' / 'tiny' / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py'
TOL = 1e-5


pytestmark = pytest.mark.usefixtures('one_torch_thread')


def _build(cfg_path: Path, seed: int = 0):
    cfg = Config.fromfile(str(cfg_path))
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.cfg = cfg
    model.dataset_meta = dataset_meta_from_config(cfg, 'train')
    if hasattr(model.head, 'offset_layers'):
        # A trained-like warp: offsets of a few pixels instead of the identity of a fresh head,
        # so that the comparison with the naive path covers the deformable sampling.
        for layer in model.head.offset_layers:
            torch.nn.init.normal_(layer.weight, std=0.05)
        for layer in model.head.deform_conv_layers:
            layer.weight.data += 0.05 * torch.randn_like(layer.weight)
    model.eval()
    model.test_cfg['output_heatmaps'] = True
    return model, Compose(cfg.test_dataloader.dataset.pipeline)


@pytest.fixture(scope='module')
def posewarper():
    return _build(TINY_CFG)


def _video(num_frames: int, seed: int = 0):
    rng = np.random.RandomState(seed)
    base = rng.randint(0, 255, (96, 128, 3)).astype(np.uint8)
    # A textured frame shifting by a pixel a frame, so neighbouring frames differ.
    return [np.roll(base, t, axis=1) for t in range(num_frames)]


def _moving_boxes(num_frames: int):
    return [np.array([[10 + 2 * t, 5, 70 + 2 * t, 90, 0.9], [40, 10 + t, 120, 95 - t, 0.6]],
                     dtype=np.float32) for t in range(num_frames)]


def _stream(model, pipeline, frames, boxes=None, **kwargs):
    agg = StreamingAggregator(model, pipeline=pipeline, **kwargs)
    results = []
    for t, frame in enumerate(frames):
        results += agg.push(frame, None if boxes is None else boxes[t], img_path=f'{t}.jpg')
    results += agg.flush()
    return agg, results


def _check_equal_naive(model, pipeline, frames, results, boxes=None, **window):
    assert [r.frame_idx for r in results] == list(range(len(frames)))
    for r in results:
        naive = naive_window_predict(model, pipeline, frames, r.frame_idx,
                                     None if boxes is None else boxes[r.frame_idx], **window)
        assert len(naive) == len(r.data_samples)
        if not naive:
            continue
        expected = torch.stack([d.pred_fields.heatmaps for d in naive])
        assert (r.heatmaps.cpu() - expected.cpu()).abs().max() <= TOL, r.frame_idx
        for got, ref in zip(r.data_samples, naive):
            # DARK decoding (the tiny configs' decoder) takes a Newton step on the log heatmap:
            # on an untrained model's nearly flat heatmaps it turns the 1e-5 above into up to a
            # few thousandths of a pixel (0.004 px seen)
            np.testing.assert_allclose(got.pred_instances.keypoints, ref.pred_instances.keypoints,
                                       atol=0.02)
            np.testing.assert_allclose(to_numpy(got.pred_fields.heatmaps),
                                       to_numpy(ref.pred_fields.heatmaps), atol=TOL)


def test_streaming_equals_naive_with_moving_boxes(device):
    model, pipeline = _build(TINY_CFG)
    model.to(device)
    frames, boxes = _video(5), _moving_boxes(5)
    boxes[3] = np.zeros((0, 5), np.float32)  # a frame without people
    agg, results = _stream(model, pipeline, frames, boxes)
    assert results[0].heatmaps.device.type == device.type
    _check_equal_naive(model, pipeline, frames, results, boxes)
    assert results[3].data_samples == []
    # Boxes move: no neighbour crop is shared, but every crop runs once, and the reference
    # frame's own warp is a resampling only.
    assert agg.stats['zero_warps'] == 2 * 4
    assert agg.stats['crops'] == agg.stats['warps'] + agg.stats['zero_warps']


def test_static_box_runs_backbone_once_per_frame(posewarper):
    model, pipeline = posewarper
    frames = _video(6, seed=1)
    agg, results = _stream(model, pipeline, frames)  # the whole frame as the box
    _check_equal_naive(model, pipeline, frames, results)
    assert agg.stats['crops'] == 6
    # distinct clipped neighbours per frame: 2, 3, 4, 4, 3, 2
    assert agg.stats['warps'] == 18 and agg.stats['zero_warps'] == 6


def test_short_video_clipped_at_both_ends(posewarper):
    model, pipeline = posewarper
    for n in (1, 2):
        frames = _video(n, seed=2)
        _, results = _stream(model, pipeline, frames, _moving_boxes(n))
        _check_equal_naive(model, pipeline, frames, results, _moving_boxes(n))


def test_flip_test_and_custom_window(posewarper):
    model, pipeline = posewarper
    model = copy.deepcopy(model)
    model.test_cfg.update(flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    frames, boxes = _video(4, seed=3), _moving_boxes(4)
    window = dict(frame_offsets=(0, -1, 1), frame_weights=(0.0, 0.5, 0.5))
    agg, results = _stream(model, pipeline, frames, boxes, **window)
    _check_equal_naive(model, pipeline, frames, results, boxes, **window)
    # The reference frame's weight is 0: its own warp only where the window is clipped (t = 0
    # and 3), for 2 people x 2 views.
    assert agg.stats['zero_warps'] == 2 * 2 * 2


def test_emits_once_the_last_neighbour_arrived(posewarper):
    model, pipeline = posewarper
    frames = _video(4, seed=4)
    agg = StreamingAggregator(model, pipeline=pipeline)
    emitted = [[r.frame_idx for r in agg.push(f)] for f in frames]
    assert emitted == [[], [], [0], [1]]
    assert [r.frame_idx for r in agg.flush()] == [2, 3]
    assert agg.num_pending == 0
    # A causal window (offsets <= 0) has no latency.
    causal = StreamingAggregator(model, (0, -1, -2), (0.5, 0.3, 0.2), pipeline=pipeline)
    assert [[r.frame_idx for r in causal.push(f)] for f in frames] == [[0], [1], [2], [3]]


def test_single_frame_model_only_with_single_frame_window():
    model, pipeline = _build(STAGE1_CFG)
    frames = _video(3, seed=5)
    agg, results = _stream(model, pipeline, frames, frame_offsets=(0, ), frame_weights=(1.0, ))
    for r in results:
        with torch.no_grad():
            expected = model.test_step(dict(inputs=[pipeline(dict(
                img=frames[r.frame_idx], bbox=np.array([[0, 0, 128, 96]], np.float32),
                bbox_score=np.ones(1, np.float32), **model.dataset_meta))['inputs']],
                data_samples=[r.data_samples[0]]))
        assert (r.heatmaps[0] - expected[0].pred_fields.heatmaps).abs().max() <= TOL
    with pytest.raises(TypeError, match='PoseWarper'):
        StreamingAggregator(model, pipeline=pipeline)


def test_needs_eval_mode(posewarper):
    model, pipeline = posewarper
    agg = StreamingAggregator(model, pipeline=pipeline)
    model.train()
    try:
        with pytest.raises(RuntimeError, match='eval mode'):
            agg.push(_video(1)[0])
    finally:
        model.eval()


def test_temporal_window_weights():
    assert temporal_window(2) == ([0, -1, 1, -2, 2], list(OFFICIAL_WEIGHTS))
    assert temporal_window(0) == ([0], [1.0])
    offsets, weights = temporal_window(1)
    assert offsets == [0, -1, 1] and np.allclose(weights, [0.5, 0.25, 0.25])
    offsets, weights = temporal_window(3)
    assert offsets == [0, -1, 1, -2, 2, -3, 3]
    assert np.allclose(weights, np.array([4, 3, 3, 2, 2, 1, 1]) / 16)
    assert temporal_window(1, [0.2, 0.4, 0.4])[1] == [0.2, 0.4, 0.4]
    with pytest.raises(ValueError, match='temporal_window must be an int >= 0'):
        temporal_window(-1)
    with pytest.raises(ValueError, match='needs 3 frame_weights'):
        temporal_window(1, [0.5, 0.5])
    with pytest.raises(ValueError, match='sum to 1'):
        check_frame_window([0, 1], [0.5, 0.6])
    with pytest.raises(ValueError, match='start with 0'):
        check_frame_window([1, 0], [0.5, 0.5])
    assert temporal_window(2)[0] == list(OFFICIAL_OFFSETS)


def test_clip_window():
    """The PoseTrack test protocol at the video ends: the end frame is repeated."""
    assert clip_window(0, OFFICIAL_OFFSETS, 15) == [0, 0, 1, 0, 2]
    assert clip_window(7, OFFICIAL_OFFSETS, 15) == [0, -1, 1, -2, 2]
    assert clip_window(14, OFFICIAL_OFFSETS, 15) == [0, -1, 0, -2, 0]
    assert clip_window(0, OFFICIAL_OFFSETS, 1) == [0] * 5


def test_benchmark_quick(tmp_path):
    """docs/inference.md: benchmarks/aggregation.py --quick --threads 1 --json OUT (shortened)."""
    bench = load_script('benchmarks/aggregation.py')
    out = tmp_path / 'aggregation.json'
    bench.main(['--quick', '--threads', '1', '--frames', '3', '--repeats', '1', '--json', str(out)])
    result = json.loads(out.read_text())
    for key in ('streaming_over_naive', 'floor_ratio', 'max_abs_diff', 'head_gflops',
                'gemm_peak_gflops'):
        assert np.isfinite(result[key]) and result[key] >= 0, key
    assert result['max_abs_diff'] <= TOL
    assert 0 < result['floor_ratio'] < 1
    assert result['streaming_stats']['crops'] == 3  # the backbone ran once per frame
