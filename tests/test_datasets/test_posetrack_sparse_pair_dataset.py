"""Tests of PoseTrackSparsePairDataset: sparse labels, per-call pairs, test windows, errors."""
import io
import json
import logging
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
from mmengine.logging import MMLogger
from pt18_helpers import NUM_KEYPOINTS, frame_level

from posewarper.datasets import PoseTrackSparsePairDataset

INPUT_W, INPUT_H = 24, 32


def make_dataset(data: dict, **kwargs) -> PoseTrackSparsePairDataset:
    # ``serialize_data=False`` skips mmengine's gc.collect() (~0.5 s a dataset); tests that care
    # about the serialized (default) path set it back to True.
    cfg = dict(ann_file=data['ann_file'], data_root='', data_prefix=dict(img=data['root'] + '/'),
               pipeline=[], serialize_data=False)
    cfg.update(kwargs)
    return PoseTrackSparsePairDataset(**cfg)


def video_frames(ds: PoseTrackSparsePairDataset) -> set:
    """The (vid_id, frame_idx) pairs that give samples."""
    return {(ds.get_data_info(i)['vid_id'], ds.get_data_info(i)['frame_idx'])
            for i in range(len(ds))}


def first_sample_at(ds: PoseTrackSparsePairDataset, frame_idx: int) -> int:
    return next(i for i in range(len(ds)) if ds.get_data_info(i)['frame_idx'] == frame_idx)


def rewrite(data: dict, edit) -> None:
    """Apply ``edit`` to the json dict and write it back."""
    edit(data['data'])
    Path(data['ann_file']).write_text(json.dumps(data['data']))


def train_pipeline(input_size=(INPUT_W, INPUT_H)):
    return [
        dict(type='LoadMultiFrameImages'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomHalfBody'),
        dict(type='RandomBBoxTransform', rotate_factor=45, scale_factor=(0.7, 1.35)),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='GenerateTarget', encoder=dict(
            type='MSRAHeatmap', input_size=input_size,
            heatmap_size=(input_size[0] // 4, input_size[1] // 4), sigma=2)),
        dict(type='PackMultiFramePoseInputs'),
    ]


def window_pipeline(input_size=(INPUT_W, INPUT_H)):
    return [
        dict(type='LoadMultiFrameImages'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='PackMultiFramePoseInputs'),
    ]


# --------------------------------------------------------------------------------- sparse labels
@pytest.mark.parametrize('phase,frames', [(0, {0, 7, 14}), (3, {3, 10})])
def test_label_interval_keeps_every_kth_annotated_frame(pt18_factory, phase, frames):
    data = pt18_factory(nframes=(15, 15))
    ds = make_dataset(data, label_interval=7, label_phase=phase)
    assert video_frames(ds) == {(v, f) for v in ('000001', '000002') for f in frames}
    assert len(ds) == 2 * 2 * len(frames)  # two people per frame


def test_label_interval_counts_annotated_frames_only(pt18_factory):
    # Video 1 is annotated on frames 2..13 only: positions 0 and 7 are frames 2 and 9.
    data = pt18_factory(nframes=(15, 15), annotated={0: range(2, 14)})
    ds = make_dataset(data, label_interval=7)
    assert {f for v, f in video_frames(ds) if v == '000001'} == {2, 9}
    assert {f for v, f in video_frames(ds) if v == '000002'} == {0, 7, 14}
    assert len(make_dataset(data, label_interval=None)) == 2 * (12 + 15)


def test_unlabelled_annotations_never_reach_samples(pt18_factory):
    data = pt18_factory(nframes=(15, 15))
    ds = make_dataset(data, label_interval=5, label_phase=1, serialize_data=True)
    labelled_imgs = {img['id'] for img in data['data']['images']
                     if int(osp.basename(img['file_name'])[:6]) in (1, 6, 11)}
    ann_by_id = {a['id']: a for a in data['data']['annotations']}
    unused = {a['id'] for a in data['data']['annotations'] if a['image_id'] not in labelled_imgs}
    assert unused
    # Nothing of an unlabelled frame is kept, not even in the serialized data list.
    kept_ids = {ds.get_data_info(i)['id'] for i in range(len(ds))}
    assert kept_ids.isdisjoint(unused)
    assert len(kept_ids) == len(ann_by_id) - len(unused)
    np.random.seed(0)
    for _ in range(5):  # several epochs of pairs
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            assert info['img_id'] in labelled_imgs
            assert info['raw_ann_info']['id'] == info['id']
            gt = np.array(ann_by_id[info['id']]['keypoints']).reshape(1, -1, 3)
            np.testing.assert_allclose(info['keypoints'], gt[..., :2])
            # Frame B's annotations are never attached: one person, Frame A's keypoints.
            assert info['keypoints'].shape == (1, NUM_KEYPOINTS, 2)


def test_labeled_ann_file_selects_frames(pt18_factory, tmp_path):
    data = pt18_factory(nframes=(15, 15))
    keep = {'images/train/000001_mpii_test/000004.jpg', 'images/train/000002_mpii_test/000011.jpg'}
    images = [img for img in data['data']['images'] if img['file_name'] in keep]
    ids = {img['id'] for img in images}
    subset = dict(images=images, categories=data['data']['categories'],
                  annotations=[a for a in data['data']['annotations'] if a['image_id'] in ids])
    subset_file = tmp_path / 'subset.json'
    subset_file.write_text(json.dumps(subset))
    ds = make_dataset(data, labeled_ann_file=str(subset_file), label_interval=1)
    assert video_frames(ds) == {('000001', 4), ('000002', 11)}

    with pytest.raises(ValueError, match='label_interval'):
        make_dataset(data, labeled_ann_file=str(subset_file))  # default interval 7
    subset['images'][0]['file_name'] = 'images/train/000001_mpii_test/999999.jpg'
    subset_file.write_text(json.dumps(subset))
    with pytest.raises(ValueError, match='999999.jpg'):
        make_dataset(data, labeled_ann_file=str(subset_file), label_interval=1)


def test_frame_without_people_is_skipped_and_logged(pt18_factory):
    data = pt18_factory(nframes=(15,))
    first = data['data']['images'][0]['id']
    rewrite(data, lambda d: d.update(
        annotations=[a for a in d['annotations'] if a['image_id'] != first]))
    logger = MMLogger.get_instance('test_frame_without_people')
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        ds = make_dataset(data, label_interval=7)
    finally:
        logger.removeHandler(handler)
    # Frame 0 is still labelled (is_labeled) and so still takes position 0 of the interval.
    assert video_frames(ds) == {('000001', 7), ('000001', 14)}
    assert 'skipped 1 labelled frame' in stream.getvalue()


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
    with pytest.raises(ValueError, match=r'dets\.json.*not valid JSON'):
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


# --------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize('field', ['nframes', 'frame_id', 'vid_id'])
def test_missing_image_field(pt18_factory, field):
    data = pt18_factory(nframes=(15,))
    rewrite(data, lambda d: d['images'][3].pop(field))
    with pytest.raises(ValueError, match=rf'posetrack18_train\.json.*{field}'):
        make_dataset(data, label_interval=1)


def test_bad_nframes_and_frame_index(pt18_factory):
    data = pt18_factory(nframes=(15,))
    rewrite(data, lambda d: d['images'][0].update(nframes=0))
    with pytest.raises(ValueError, match='nframes.*< 1'):
        make_dataset(data, label_interval=1)
    rewrite(data, lambda d: d['images'][0].update(nframes=15, file_name='images/x/abc.jpg'))
    with pytest.raises(ValueError, match='abc.jpg'):
        make_dataset(data, label_interval=1)


def test_wrong_keypoint_count(pt18_factory):
    data = pt18_factory(nframes=(15,))
    bad_id = data['data']['annotations'][0]['id']
    rewrite(data, lambda d: d['annotations'][0].update(keypoints=[1.0, 2.0, 1.0] * 15))
    with pytest.raises(ValueError, match=rf'posetrack18_train\.json.*id={bad_id}.*"keypoints"'):
        make_dataset(data, label_interval=1)


def test_broken_json(pt18_factory):
    data = pt18_factory(nframes=(3,))
    Path(data['ann_file']).write_text('{"images": [')
    with pytest.raises(ValueError, match=r'posetrack18_train\.json is not valid JSON'):
        make_dataset(data)
    with pytest.raises(FileNotFoundError, match='nothere.json'):
        make_dataset(dict(data, ann_file=data['root'] + '/nothere.json'))


@pytest.mark.parametrize('kwargs,name', [
    (dict(label_interval=0), 'label_interval'),
    (dict(label_interval=2.5), 'label_interval'),
    (dict(label_interval=7, label_phase=7), 'label_phase'),
    (dict(frame_range=(3, -3)), 'frame_range'),
    (dict(frame_range=(-1, 0, 1)), 'frame_range'),
    (dict(frame_range='3'), 'frame_range'),
    (dict(frame_range=-2), 'frame_range'),
    (dict(frame_range=0, allow_zero_offset=False), 'frame_range'),
    (dict(frame_offsets=[0, 1]), 'frame_offsets'),
    (dict(frame_weights=[0.2, 0.3, 0.5]), 'frame_weights'),
    (dict(test_mode=True, frame_offsets=[1, 0], frame_weights=[0.5, 0.5]), 'frame_offsets'),
    (dict(test_mode=True, frame_offsets=[0, 1]), 'frame_weights'),
    (dict(test_mode=True, frame_offsets=[0, 1], frame_weights=[1.0]), 'frame_weights'),
    (dict(test_mode=True, frame_offsets=[0, 1], frame_weights=[0.5, 0.6]), 'frame_weights'),
    (dict(data_mode='bottomup'), 'data_mode'),
])
def test_bad_arguments_name_the_argument(pt18_factory, kwargs, name):
    data = pt18_factory(nframes=(3,))
    with pytest.raises(ValueError, match=name):
        make_dataset(data, **kwargs)


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
            dataset=dict(type='PoseTrackSparsePairDataset', ann_file=data['ann_file'],
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
