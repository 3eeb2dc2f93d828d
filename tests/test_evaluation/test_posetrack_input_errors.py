"""Malformed PoseTrack AP input: every case is refused with the file and the field."""
import json
from pathlib import Path

import pytest

from posewarper.evaluation.functional import compute_ap, evaluate_posetrack_ap
from tests.helpers.posetrack_docs import copy_with_scores, joints_at, person, video

# --------------------------------------------------------------------------------------------
# bad input


@pytest.fixture
def dirs(tmp_path):
    gt_dir, pred_dir = tmp_path / 'gt', tmp_path / 'pred'
    gt_dir.mkdir()
    pred_dir.mkdir()
    data = video([[person(joints_at(0))], [person(joints_at(0, 500))]])
    (gt_dir / 'vid.json').write_text(json.dumps(data))
    (pred_dir / 'vid.json').write_text(json.dumps(copy_with_scores(data)))
    return gt_dir, pred_dir


def _edit_pred(pred_dir: Path, fn) -> None:
    data = json.loads((pred_dir / 'vid.json').read_text())
    fn(data)
    (pred_dir / 'vid.json').write_text(json.dumps(data))


def test_dirs_ok(dirs):
    assert evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))['Total'] == 100.0


def test_broken_json(dirs):
    (dirs[1] / 'vid.json').write_text('{"images": [')
    with pytest.raises(ValueError, match=r'pred[/\\]vid\.json'):
        evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))


def test_missing_prediction_file(dirs):
    (dirs[1] / 'vid.json').unlink()
    with pytest.raises(ValueError, match=r'vid\.json.*missing'):
        evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))


def test_unknown_video(dirs):
    (dirs[1] / 'other.json').write_text((dirs[1] / 'vid.json').read_text())
    with pytest.raises(ValueError, match=r'other\.json.*no GT'):
        evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))


def test_frame_count_mismatch(dirs):
    def drop_last_frame(doc):
        last = doc['images'].pop()
        doc['annotations'] = [a for a in doc['annotations'] if a['image_id'] != last['id']]

    _edit_pred(dirs[1], drop_last_frame)
    with pytest.raises(ValueError, match=r'pred[/\\]vid\.json.*images.*misses GT frame'):
        evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))


def test_wrong_keypoint_count(dirs):
    _edit_pred(dirs[1], lambda d: d['annotations'][0].update(keypoints=[1.0] * 45))
    with pytest.raises(ValueError, match=r'pred[/\\]vid\.json.*keypoints.*51 numbers'):
        evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))


def test_wrong_score_count(dirs):
    _edit_pred(dirs[1], lambda d: d['annotations'][0].update(scores=[0.5] * 15))
    with pytest.raises(ValueError, match=r'vid\.json.*scores'):
        evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))


@pytest.mark.parametrize('track_ids', [(10000, 1), (3, 3)])
def test_bad_track_ids(dirs, track_ids):
    def edit(data):
        # a second person in frame 0 (annotation 2), then give both the track ids
        data['annotations'].append(dict(data['annotations'][0]))
        data['annotations'][0]['track_id'], data['annotations'][2]['track_id'] = track_ids

    _edit_pred(dirs[1], edit)
    with pytest.raises(ValueError, match=r'pred[/\\]vid\.json.*track_id'):
        evaluate_posetrack_ap(str(dirs[0]), str(dirs[1]))


def test_missing_categories_and_pt17_format():
    gt = video([[person(joints_at(0))]])
    pred = copy_with_scores(gt)
    del pred['categories']
    with pytest.raises(ValueError, match=r'v\.json \(prediction\).*categories'):
        compute_ap({'v.json': gt}, {'v.json': pred})
    with pytest.raises(ValueError, match='annolist'):
        compute_ap({'v.json': gt}, {'v.json': {'annolist': []}})
    with pytest.raises(ValueError, match='missing'):
        compute_ap({'v.json': gt}, {})


def test_gt_without_head_box_and_degenerate_region():
    gt = video([[person(joints_at(0), head_box=None)]])
    pred = copy_with_scores(gt)
    with pytest.raises(ValueError, match=r'v\.json \(GT\).*bbox_head'):
        compute_ap({'v.json': gt}, {'v.json': pred})
    gt = video([[person(joints_at(0))]], regions={0: [[(0, 0), (5, 5)]]})
    with pytest.raises(ValueError, match='ignore_regions_x.*at least 3'):
        compute_ap({'v.json': gt}, {'v.json': copy_with_scores(gt)})
