"""Tests of PackMultiFramePoseInputs."""
import numpy as np
import pytest

from posewarper.datasets.transforms import PackMultiFramePoseInputs

K = 17


def results(num_frames=3):
    rng = np.random.RandomState(0)
    return dict(
        img=[rng.randint(0, 255, (16, 12, 3)).astype(np.uint8) for _ in range(num_frames)],
        img_path=[f'{i:06d}.jpg' for i in range(num_frames)],
        frame_offsets=list(range(num_frames)), frame_weights=[1.0 / num_frames] * num_frames,
        vid_id='000001', frame_idx=4, nframes=9, track_id=2, frame_id=10000010004, id=5,
        img_id=10000010004, keypoints=np.zeros((1, K, 2), np.float32),
        keypoints_visible=np.ones((1, K), np.float32), bbox=np.zeros((1, 4), np.float32),
        heatmaps=np.zeros((K, 4, 3), np.float32), keypoint_weights=np.ones((1, K), np.float32))


def test_packs_frames_targets_and_meta():
    res = results(3)
    frames = [f.copy() for f in res['img']]
    packed = PackMultiFramePoseInputs()(res)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert tuple(inputs.shape) == (3, 3, 16, 12) and str(inputs.dtype) == 'torch.uint8'
    for t, frame in enumerate(frames):
        np.testing.assert_array_equal(inputs[t].permute(1, 2, 0).numpy(), frame)
    meta = sample.metainfo
    for key in ('frame_offsets', 'frame_weights', 'vid_id', 'frame_idx', 'nframes', 'track_id',
                'frame_id', 'img_path', 'id', 'img_id'):
        assert key in meta
    assert tuple(sample.gt_fields.heatmaps.shape) == (K, 4, 3)
    assert tuple(sample.gt_instance_labels.keypoint_weights.shape) == (1, K)


def test_single_frame_stays_4d():
    res = results(1)
    res['img'] = res['img'][0]
    assert tuple(PackMultiFramePoseInputs()(res)['inputs'].shape) == (1, 3, 16, 12)


def test_custom_meta_keys():
    packed = PackMultiFramePoseInputs(meta_keys=('frame_offsets', ))(results(2))
    assert set(packed['data_samples'].metainfo) == {'frame_offsets'}


@pytest.mark.parametrize('key,value', [('frame_offsets', [0, 1]), ('frame_weights', [1.0]),
                                       ('frame_offsets', [1, 0, 2])])
def test_contract_violations(key, value):
    res = results(3)
    res[key] = value
    with pytest.raises(ValueError, match=key):
        PackMultiFramePoseInputs()(res)
