"""Tests of PoseTrackSparseClipDataset: its samples with their frames (per-call pairs, test
windows), and the real PoseTrack18 sample."""
import json
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
from mmpose.registry import DATASETS

from posewarper.datasets import PoseTrackSparseClipDataset, PoseTrackSparseDataset
from tests.helpers.pt18 import (INPUT_H, INPUT_W, NUM_KEYPOINTS, first_sample_at, frame_level,
                                make_dataset, train_pipeline, video_frames, window_pipeline)


# --------------------------------------------------------------------------------- frames and clips
def test_clip_dataset_is_the_single_frame_dataset_with_frames(pt18_factory):
    """The clip dataset adds frames to the samples of the single-frame base dataset; the labelled
    samples and their fields are the same."""
    assert issubclass(PoseTrackSparseClipDataset, PoseTrackSparseDataset)
    assert DATASETS.get('PoseTrackSparseClipDataset') is PoseTrackSparseClipDataset
    assert DATASETS.get('PoseTrackSparseDataset') is PoseTrackSparseDataset
    data = pt18_factory(nframes=(15, 15))
    single = make_dataset(data, PoseTrackSparseDataset, label_interval=7, label_phase=3,
                          test_mode=True)
    clips = make_dataset(data, label_interval=7, label_phase=3, test_mode=True)
    assert video_frames(single) == video_frames(clips) == {
        (v, f) for v in ('000001', '000002') for f in (3, 10)}
    assert len(single) == len(clips) == 8
    for i in range(len(single)):
        frame, clip = single.get_data_info(i), clips.get_data_info(i)
        assert isinstance(frame['img_path'], str)  # MMPose's single-frame samples
        assert 'frame_offsets' not in frame and 'frame_weights' not in frame
        assert clip['img_path'][0] == frame['img_path'] and len(clip['img_path']) == 5
        assert clip.keys() - {'frame_offsets', 'frame_weights'} == frame.keys()
        for key in frame.keys() - {'img_path'}:
            np.testing.assert_equal(clip[key], frame[key], err_msg=key)


# --------------------------------------------------------------------------------- training pairs
def test_offset_redrawn_per_call_and_in_range(pt18_factory):
    data = pt18_factory(nframes=(15,))
    ds = make_dataset(data, label_interval=7, frame_range=(-3, 3), serialize_data=True)
    i = first_sample_at(ds, 7)
    np.random.seed(1)
    seen = []
    for _ in range(300):
        info = ds.get_data_info(i)
        offsets = info['frame_offsets']
        assert offsets[0] == 0 and -3 <= offsets[1] <= 3
        assert info['frame_weights'] == [0.0, 1.0]
        assert info['img_path'][1].endswith(f'{7 + offsets[1]:06d}.jpg')
        seen.append(offsets[1])
    assert set(seen) == set(range(-3, 4))
    # The pipeline path (``__getitem__``) draws anew too.
    assert len({tuple(ds[i]['frame_offsets']) for _ in range(50)}) > 1


def test_offsets_reproducible_with_numpy_seed(pt18_factory):
    ds = make_dataset(pt18_factory(nframes=(15,)), label_interval=7)

    def draws():
        return [ds.get_data_info(i % len(ds))['frame_offsets'][1] for i in range(40)]

    np.random.seed(123)
    first = draws()
    np.random.seed(123)
    assert draws() == first


@pytest.mark.parametrize('allow_zero', [True, False])
def test_offsets_never_cross_video_bounds(pt18_factory, allow_zero):
    data = pt18_factory(nframes=(15,))
    ds = make_dataset(data, label_interval=7, allow_zero_offset=allow_zero)
    np.random.seed(0)
    for frame_idx in (0, 7, 14):
        i = first_sample_at(ds, frame_idx)
        seen = set()
        for _ in range(200):
            info = ds.get_data_info(i)
            sup = frame_idx + info['frame_offsets'][1]
            assert 0 <= sup < 15
            assert osp.isfile(info['img_path'][1])
            seen.add(info['frame_offsets'][1])
        assert (0 in seen) == allow_zero
        if frame_idx == 0:
            assert seen <= set(range(0, 4))
        if frame_idx == 14:
            assert seen <= set(range(-3, 1))


def test_zero_offset_only_range(pt18_factory):
    ds = make_dataset(pt18_factory(nframes=(15,)), label_interval=7, frame_range=0)
    info = ds.get_data_info(0)
    assert info['frame_offsets'] == [0, 0]
    assert info['img_path'][0] == info['img_path'][1]


def test_single_frame_video_pairs_frame_with_itself(pt18_factory):
    ds = make_dataset(pt18_factory(nframes=(1,)), label_interval=1, allow_zero_offset=False)
    assert ds.get_data_info(0)['frame_offsets'] == [0, 0]


# --------------------------------------------------------------------------------- test windows
def test_test_window_offsets_weights_and_clipping(pt18_factory):
    data = pt18_factory(nframes=(15,))
    ds = make_dataset(data, label_interval=7, test_mode=True)
    expected = {0: [0, 0, 1, 0, 2], 7: [0, -1, 1, -2, 2], 14: [0, -1, 0, -2, 0]}
    for frame_idx, offsets in expected.items():
        info = ds.get_data_info(first_sample_at(ds, frame_idx))
        assert info['frame_offsets'] == offsets
        assert info['frame_weights'] == [0.3, 0.25, 0.25, 0.1, 0.1]
        assert [int(osp.basename(p)[:6]) for p in info['img_path']] == \
            [frame_idx + o for o in offsets]
        assert all(osp.isfile(p) for p in info['img_path'])


def test_custom_window_and_short_video(pt18_factory):
    data = pt18_factory(nframes=(2,))
    ds = make_dataset(data, label_interval=1, test_mode=True, frame_offsets=[0, 3, -3],
                      frame_weights=[0.5, 0.25, 0.25])
    assert ds.get_data_info(first_sample_at(ds, 0))['frame_offsets'] == [0, 1, 0]
    assert ds.get_data_info(first_sample_at(ds, 1))['frame_offsets'] == [0, 0, -1]


def test_detections_give_windows(pt18_factory, tmp_path):
    data = pt18_factory(nframes=(15,), split='val')
    img0, img7 = data['data']['images'][0], data['data']['images'][7]
    dets = [dict(image_id=img0['id'], category_id=1, bbox=[5, 8, 20, 30], score=0.9),
            dict(image_name=img7['file_name'], category_id=1, bbox=[30, 8, 20, 30], score=0.1),
            dict(image_id=img7['id'], category_id=2, bbox=[30, 8, 20, 30], score=0.9)]
    bbox_file = tmp_path / 'dets.json'
    bbox_file.write_text(json.dumps(dets))
    ds = make_dataset(data, test_mode=True, bbox_file=str(bbox_file))
    assert len(ds) == 2
    info = ds.get_data_info(1)
    assert info['frame_idx'] == 7 and info['track_id'] == -1 and info['img_id'] == img7['id']
    assert info['frame_offsets'] == [0, -1, 1, -2, 2]
    np.testing.assert_allclose(info['bbox'], [[30, 8, 50, 38]])
    thresholded = make_dataset(data, test_mode=True, bbox_file=str(bbox_file),
                               filter_cfg=dict(bbox_score_thr=0.2))
    assert len(thresholded) == 1

    bbox_file.write_text(json.dumps([dict(image_id=42, category_id=1, bbox=[0, 0, 1, 1],
                                          score=1.0)]))
    with pytest.raises(ValueError, match=r'dets\.json.*image_id=42'):
        make_dataset(data, test_mode=True, bbox_file=str(bbox_file))
    bbox_file.write_text('[{"image_id": ')
    with pytest.raises(ValueError, match=r'dets\.json: cannot read bbox_file'):
        make_dataset(data, test_mode=True, bbox_file=str(bbox_file))


# --------------------------------------------------------------------------------- full samples
def test_train_sample_matches_contract(pt18_factory):
    data = pt18_factory(nframes=(15,))
    ds = make_dataset(data, label_interval=7, pipeline=train_pipeline())
    np.random.seed(0)
    for i in range(len(ds)):
        sample = ds[i]
        inputs, ds_sample = sample['inputs'], sample['data_samples']
        assert tuple(inputs.shape) == (2, 3, INPUT_H, INPUT_W)
        assert str(inputs.dtype) == 'torch.uint8'
        meta = ds_sample.metainfo
        assert meta['frame_offsets'][0] == 0 and len(meta['frame_offsets']) == 2
        assert meta['frame_weights'] == [0.0, 1.0]
        assert len(meta['img_path']) == 2
        for key in ('vid_id', 'frame_idx', 'nframes', 'track_id', 'frame_id', 'img_id', 'id'):
            assert key in meta
        assert tuple(ds_sample.gt_fields.heatmaps.shape) == (
            NUM_KEYPOINTS, INPUT_H // 4, INPUT_W // 4)
        assert tuple(ds_sample.gt_instance_labels.keypoint_weights.shape) == (1, NUM_KEYPOINTS)


def test_targets_come_from_the_reference_frame(pt18_factory):
    """Heatmap peaks sit on Frame A's annotated keypoints, whatever Frame B is."""
    data = pt18_factory(nframes=(15,))
    pipeline = train_pipeline()
    pipeline[-1] = dict(type='PackMultiFramePoseInputs', pack_transformed=True)
    ds = make_dataset(data, label_interval=7, pipeline=pipeline)
    ann_by_id = {a['id']: a for a in data['data']['annotations']}
    np.random.seed(2)
    for i in list(range(len(ds))) * 3:
        sample = ds[i]['data_samples']
        heatmaps = sample.gt_fields.heatmaps.numpy()
        weights = sample.gt_instance_labels.keypoint_weights.numpy()[0]
        kpts = sample.gt_instances.transformed_keypoints[0]
        assert np.allclose(sample.gt_instances.keypoints[0],
                           np.array(ann_by_id[sample.metainfo['id']]['keypoints'])
                           .reshape(-1, 3)[:, :2]) or sample.metainfo['flip']
        h, w = heatmaps.shape[1:]
        for k in np.flatnonzero(weights > 0):
            x, y = kpts[k] / 4
            if 0 <= x <= w - 1 and 0 <= y <= h - 1:  # peaks of keypoints off the map are cut
                peak = np.unravel_index(heatmaps[k].argmax(), heatmaps[k].shape)[::-1]
                assert np.abs(np.array(peak) - (x, y)).max() <= 0.5 + 1e-6


def test_frames_are_the_right_neighbours(pt18_factory):
    """Each packed frame shows the grey level of the frame its offset names."""
    data = pt18_factory(nframes=(15,), split='val')
    ds = make_dataset(data, label_interval=7, test_mode=True, pipeline=window_pipeline())
    for i in range(len(ds)):
        sample = ds[i]
        meta = sample['data_samples'].metainfo
        for t, offset in enumerate(meta['frame_offsets']):
            level = float(sample['inputs'][t].float().median())
            assert abs(level - frame_level(0, meta['frame_idx'] + offset)) <= 2
        assert tuple(sample['inputs'].shape) == (5, 3, INPUT_H, INPUT_W)


def test_missing_frame_file_fails_at_item_load(pt18_factory):
    data = pt18_factory(nframes=(15,))
    missing = Path(data['root']) / 'images/train/000001_mpii_test/000008.jpg'
    missing.unlink()
    ds = make_dataset(data, label_interval=7, test_mode=True, pipeline=window_pipeline())
    with pytest.raises(FileNotFoundError, match='000008.jpg'):
        ds[first_sample_at(ds, 7)]


# --------------------------------------------------------------------------------- real sample
def test_real_posetrack_sample(pt18_mini_copy):
    data = pt18_mini_copy
    ds = make_dataset(data, label_interval=1, pipeline=train_pipeline((96, 128)))
    assert len(ds) > 0
    np.random.seed(0)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['frame_idx'] == 0 and info['nframes'] == 5
        assert 0 <= info['frame_offsets'][1] <= 3  # clipped at the video start
        assert all(osp.isfile(p) for p in info['img_path'])
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (2, 3, 128, 96)
    assert tuple(sample['data_samples'].gt_fields.heatmaps.shape) == (NUM_KEYPOINTS, 32, 24)

    test_ds = make_dataset(data, test_mode=True, bbox_file=data['bbox_file'],
                           filter_cfg=dict(bbox_score_thr=0.2),
                           pipeline=window_pipeline((96, 128)))
    assert len(test_ds) > 0
    sample = test_ds[0]
    assert tuple(sample['inputs'].shape) == (5, 3, 128, 96)
    assert sample['data_samples'].metainfo['frame_offsets'] == [0, 0, 1, 0, 2]
    assert sample['data_samples'].metainfo['input_size'] == (96, 128)
    assert sample['data_samples'].metainfo['ori_shape'] == (1080, 1920)


def test_dataloader_reproducible_with_seed_and_workers(pt18_factory):
    """With mmengine's seeding (``randomness=dict(seed=...)``), pairs repeat run to run, even
    drawn in worker processes, and change from epoch to epoch."""
    from mmengine.runner import Runner
    from mmengine.runner.utils import set_random_seed
    data = pt18_factory(nframes=(15,))

    def run():
        set_random_seed(0)
        loader = Runner.build_dataloader(dict(
            batch_size=4, num_workers=2, persistent_workers=True,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(type='PoseTrackSparseClipDataset', ann_file=data['ann_file'],
                         data_prefix=dict(img=data['root'] + '/'), label_interval=1,
                         pipeline=window_pipeline())), seed=0)
        epochs = []
        for epoch in range(2):
            loader.sampler.set_epoch(epoch)
            epochs.append({s.metainfo['id']: s.metainfo['frame_offsets'][1]
                           for batch in loader for s in batch['data_samples']})
        return epochs

    first = run()
    assert run() == first
    assert sum(first[0][k] != first[1][k] for k in first[0]) > len(first[0]) // 2
