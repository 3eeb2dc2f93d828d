"""The written dataset has the exact PoseTrack18 layout, schema and id conventions."""
import json
import os

import cv2
import numpy as np
import pytest

from posewarper.fileio import posetrack18_categories
from posewarper_synthetic import make_synthetic_posetrack

VIDEOS, FRAMES, WIDTH, HEIGHT = 2, 8, 192, 144
IMAGE_KEYS = ['has_no_densepose', 'is_labeled', 'file_name', 'nframes', 'frame_id', 'vid_id',
              'ignore_regions_y', 'ignore_regions_x', 'id', 'width', 'height']
ANN_KEYS = ['bbox_head', 'keypoints', 'track_id', 'image_id', 'bbox', 'scores', 'category_id',
            'id', 'iscrowd', 'num_keypoints']


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp('synth_pt18')
    summary = make_synthetic_posetrack(str(root), videos=VIDEOS, frames=FRAMES, seed=7,
                                       width=WIDTH, height=HEIGHT, ignore_region_prob=1.0)
    return root, summary


def _load(path):
    with open(path) as fh:
        return json.load(fh)


def test_summary_and_layout(dataset):
    root, summary = dataset
    assert sorted(summary) == ['train', 'val']
    for split, info in summary.items():
        assert info['ann_file'] == os.path.join(str(root), 'annotations',
                                                f'posetrack18_{split}.json')
        assert os.path.isfile(info['ann_file'])
        assert info['num_images'] == VIDEOS * FRAMES
        assert len(info['video_names']) == VIDEOS
        for name, ann in zip(info['video_names'], info['video_ann_files']):
            assert name.endswith('_synth') and len(name.split('_')[0]) == 6
            assert ann == os.path.join(str(root), 'annotations', split, f'{name}.json')
            assert os.path.isfile(ann)
            frames = sorted(os.listdir(os.path.join(str(root), 'images', split, name)))
            assert frames == [f'{i:06d}.jpg' for i in range(FRAMES)]
    # Different videos per split.
    assert not set(summary['train']['video_names']) & set(summary['val']['video_names'])
    # No temporary files are left behind by the atomic writes.
    leftovers = [f for _, _, files in os.walk(str(root)) for f in files if f.startswith('.')]
    assert leftovers == []


def test_merged_json_is_the_concatenation_of_the_videos(dataset):
    _, summary = dataset
    for info in summary.values():
        merged = _load(info['ann_file'])
        assert list(merged) == ['categories', 'images', 'annotations']
        assert merged['categories'] == posetrack18_categories()
        images, anns = [], []
        for path in info['video_ann_files']:
            doc = _load(path)
            assert doc['categories'] == merged['categories']
            images += doc['images']
            anns += doc['annotations']
        assert merged['images'] == images and merged['annotations'] == anns
        assert info['num_annotations'] == len(anns) > 0


def test_categories_equal_the_real_posetrack18(dataset, posetrack_mini):
    real = _load(posetrack_mini / 'annotations' / 'test_posetrack18_val.json')
    ours = _load(dataset[1]['val']['ann_file'])
    assert ours['categories'] == real['categories']
    # Same record keys, in the same order (the real images also carry a mask_file).
    assert [k for k in real['images'][0] if k != 'mask_file'] == list(ours['images'][0])
    assert list(real['annotations'][0]) == list(ours['annotations'][0])


def test_image_records(dataset):
    root, summary = dataset
    for split, info in summary.items():
        doc = _load(info['ann_file'])
        for img in doc['images']:
            assert list(img) == IMAGE_KEYS
            vid_name, frame_file = img['file_name'].split('/')[2:]
            frame = int(frame_file[:-4])
            vid = int(img['vid_id'])
            assert img['file_name'] == f'images/{split}/{vid_name}/{frame:06d}.jpg'
            assert isinstance(img['vid_id'], str) and vid_name.startswith(img['vid_id'])
            assert img['id'] == img['frame_id'] == 10_000_000_000 + vid * 10_000 + frame
            assert img['nframes'] == FRAMES and img['is_labeled'] is True
            assert (img['width'], img['height']) == (WIDTH, HEIGHT)
            assert len(img['ignore_regions_x']) == len(img['ignore_regions_y'])
            for xs, ys in zip(img['ignore_regions_x'], img['ignore_regions_y']):
                assert len(xs) == len(ys) >= 3
                assert all(isinstance(v, int) for v in xs + ys)
            pixels = cv2.imread(os.path.join(str(root), img['file_name']))
            assert pixels is not None and pixels.shape == (HEIGHT, WIDTH, 3)
            assert pixels.std() > 10  # a textured scene, not a blank frame
        ids = [img['id'] for img in doc['images']]
        assert len(set(ids)) == len(ids)


def test_annotation_records(dataset):
    _, summary = dataset
    all_ids = []
    for info in summary.values():
        doc = _load(info['ann_file'])
        image_ids = {img['id'] for img in doc['images']}
        tracks_per_video = {}
        for ann in doc['annotations']:
            assert list(ann) == ANN_KEYS
            assert ann['image_id'] in image_ids
            assert ann['id'] == ann['image_id'] * 100 + ann['track_id']
            assert ann['category_id'] == 1 and ann['iscrowd'] is False and ann['scores'] == []
            kpts = np.array(ann['keypoints'], dtype=np.float64).reshape(17, 3)
            vis = kpts[:, 2]
            assert set(np.unique(vis)) <= {0.0, 1.0}
            assert all(isinstance(v, int) for v in ann['keypoints'][2::3])
            assert ann['num_keypoints'] == int(vis.sum()) > 0
            labelled = kpts[vis > 0, :2]
            assert (labelled >= 0).all()
            assert (labelled[:, 0] <= WIDTH - 1).all() and (labelled[:, 1] <= HEIGHT - 1).all()
            # Joints without coordinates are exactly (0, 0, 0).
            missing = kpts[(kpts[:, 0] == 0) & (kpts[:, 1] == 0)]
            assert (missing[:, 2] == 0).all()
            x, y, w, h = ann['bbox']
            assert x >= 0 and y >= 0 and w > 0 and h > 0
            assert x + w <= WIDTH and y + h <= HEIGHT
            # The box holds every visible joint.
            assert (labelled[:, 0] >= x).all() and (labelled[:, 0] <= x + w).all()
            assert (labelled[:, 1] >= y).all() and (labelled[:, 1] <= y + h).all()
            hx, hy, hw, hh = ann['bbox_head']
            assert all(isinstance(v, int) for v in ann['bbox_head'])
            head_size = 0.6 * np.hypot(hw, hh)
            # PCKh head size about one head length: chin to crown.
            chin_crown = np.linalg.norm(kpts[2, :2] - kpts[1, :2])
            if kpts[1, 2] > 0 and kpts[2, 2] > 0:
                assert 0.8 * chin_crown < head_size < 1.4 * chin_crown
            assert 0.02 * HEIGHT < head_size < 0.2 * HEIGHT
            vid = (ann['image_id'] - 10_000_000_000) // 10_000
            tracks_per_video.setdefault(vid, set()).add(ann['track_id'])
            all_ids.append(ann['id'])
        for tracks in tracks_per_video.values():
            assert 2 <= len(tracks) <= 3  # people_min=2, people_max=3
            assert tracks <= {0, 1, 2}
    assert len(set(all_ids)) == len(all_ids)


def test_ignore_regions_hold_no_person(dataset):
    _, summary = dataset
    num_regions = 0
    for info in summary.values():
        doc = _load(info['ann_file'])
        anns = {}
        for ann in doc['annotations']:
            anns.setdefault(ann['image_id'], []).append(ann)
        for img in doc['images']:
            for xs, ys in zip(img['ignore_regions_x'], img['ignore_regions_y']):
                num_regions += 1
                poly = np.stack([xs, ys], axis=1).astype(np.float32)
                for ann in anns.get(img['id'], []):
                    kpts = np.array(ann['keypoints'], dtype=np.float64).reshape(17, 3)
                    for x, y, _ in kpts[(kpts[:, 0] != 0) | (kpts[:, 1] != 0)]:
                        assert cv2.pointPolygonTest(poly, (float(x), float(y)), True) < 0
    # ignore_region_prob=1.0: at least one video shows its crowd region.
    assert num_regions > 0
