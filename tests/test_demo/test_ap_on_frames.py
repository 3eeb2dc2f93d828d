"""``ap_on_frames`` and ``ap_by_frame_kind``: PoseTrack AP on a subset of each video's frames
(the demo's split of the aggregation into defocused and sharp test frames)."""
import json

import pytest

from posewarper.fileio import PT18_KEYPOINT_NAMES, load_posetrack_dirs
from posewarper_demo.pipeline import ap_by_frame_kind, ap_on_frames


def _video(shifts, scores=False) -> dict:
    """One person per frame; frame i's joints shifted right by ``shifts[i]`` px."""
    images, anns = [], []
    for idx, shift in enumerate(shifts):
        images.append({'id': 100 + idx, 'file_name': f'images/val/v/{idx:06d}.jpg',
                       'is_labeled': True})
        kpts = []
        for j in range(17):
            kpts += [10.0 + 60.0 * j + shift, 50.0, 1]
        ann = {'image_id': 100 + idx, 'track_id': 0, 'keypoints': kpts,
               'bbox_head': [0, 0, 30, 40]}
        if scores:
            ann['scores'] = [0.9] * 17
        anns.append(ann)
    return {'images': images, 'annotations': anns,
            'categories': [{'id': 1, 'name': 'person', 'supercategory': 'person',
                            'keypoints': list(PT18_KEYPOINT_NAMES)}]}


@pytest.fixture
def folders(tmp_path):
    gt, pred = tmp_path / 'gt', tmp_path / 'pred'
    gt.mkdir()
    pred.mkdir()
    (gt / 'v.json').write_text(json.dumps(_video([0, 0, 0])))
    # frame 0 and 2 right, frame 1 far off (a miss and a false positive)
    (pred / 'v.json').write_text(json.dumps(_video([0, 500, 0], scores=True)))
    return str(gt), str(pred)


@pytest.fixture
def dirs(folders):
    return load_posetrack_dirs(*folders)


def test_subsets(dirs):
    assert ap_on_frames(*dirs, {'v': [0, 2]})['Total'] == 100.0
    assert ap_on_frames(*dirs, {'v': [1]})['Total'] == 0.0
    both = ap_on_frames(*dirs, {'v': [0, 1, 2]})['Total']
    assert 0.0 < both < 100.0


def test_no_frame_kept_gives_none(dirs):
    assert ap_on_frames(*dirs, {'v': []}) is None
    assert ap_on_frames(*dirs, {}) is None


def test_inputs_are_left_alone(dirs):
    before = json.dumps(dirs)
    ap_on_frames(*dirs, {'v': [1]})
    assert json.dumps(dirs) == before


def test_by_frame_kind(folders):
    gt, pred = folders
    out = ap_by_frame_kind(gt, {'m': pred}, 3, {'v': [1]})
    assert out['defocused']['frames'] == 1 and out['defocused']['m']['Total'] == 0.0
    assert out['sharp']['frames'] == 2 and out['sharp']['m']['Total'] == 100.0
