"""Tests of PoseTrackSparseDataset: which frames are labelled, and refused input."""
import io
import json
import logging
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
from mmengine.logging import MMLogger

from tests.helpers.pt18 import NUM_KEYPOINTS, make_dataset, rewrite, video_frames


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
    with pytest.raises(ValueError, match=r'nosubset\.json: PoseTrack json not found'):
        make_dataset(data, labeled_ann_file=str(tmp_path / 'nosubset.json'), label_interval=1)


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
    with pytest.raises(ValueError, match=r'posetrack18_train\.json: cannot read PoseTrack json'):
        make_dataset(data)
    with pytest.raises(ValueError, match=r'nothere\.json: PoseTrack json not found'):
        make_dataset(dict(data, ann_file=data['root'] + '/nothere.json'))


def test_duplicate_image_id_is_refused_not_dropped(pt18_factory):
    # xtcocotools would index the second image over the first and lose a labelled frame
    data = pt18_factory(nframes=(3,))
    rewrite(data, lambda d: d['images'][1].update(id=d['images'][0]['id']))
    with pytest.raises(ValueError, match=r'posetrack18_train\.json: image id=\d+: field "id": '
                       r'images\[1\] repeats the id of images\[0\]'):
        make_dataset(data)


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
