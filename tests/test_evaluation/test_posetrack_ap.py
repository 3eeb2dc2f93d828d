"""Tests of the poseval-equivalent PoseTrack AP (``posewarper.evaluation.functional``).

Expected values of the small cases are derived by hand in the comments. Reminder of the protocol:
a predicted joint is correct when it lies within 0.5 x head size of the GT joint (head size =
0.6 x head-box diagonal); per joint, detections are ranked by score, precision/recall use all GT
joints, and AP is the area under the monotone precision envelope, in percent.
"""
import json
import math
import re
import shutil

import numpy as np
import pytest

from posewarper.evaluation.functional import (AP_KEYS, PT17_JOINT_NAMES, PT18_TO_PT17, compute_ap,
                                              evaluate_posetrack_ap, points_strictly_in_polygon,
                                              summarize_joint_ap)
from tests.helpers.posetrack_docs import (ALL, ap_of, copy_with_scores, joint_ap_of, joints_at,
                                          person, video)

# --------------------------------------------------------------------------------------------
# constants


def test_joint_mapping():
    # ears dropped; head_bottom -> 12 ('neck'), nose -> 13, head_top -> 14
    assert PT18_TO_PT17 == (13, 12, 14, None, None, 9, 8, 10, 7, 11, 6, 3, 2, 4, 1, 5, 0)
    assert PT17_JOINT_NAMES[12] == 'neck'
    assert AP_KEYS == ('Head', 'Shou', 'Elb', 'Wri', 'Hip', 'Knee', 'Ankl', 'Total')


# --------------------------------------------------------------------------------------------
# perfect predictions


def test_perfect_on_sample_data(posetrack_mini, tmp_path):
    gt_dir, pred_dir = tmp_path / 'gt', tmp_path / 'pred'
    shutil.copytree(posetrack_mini / 'annotations' / 'val', gt_dir)
    pred_dir.mkdir()
    for f in gt_dir.glob('*.json'):
        pred = copy_with_scores(json.loads(f.read_text()))
        (pred_dir / f.name).write_text(json.dumps(pred))
    results = evaluate_posetrack_ap(str(gt_dir), str(pred_dir))
    assert list(results) == list(AP_KEYS)
    assert results == {k: 100.0 for k in AP_KEYS}


def test_perfect_on_generated_gt():
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(4):
        persons = []
        for t in range(3):
            ids = sorted(rng.choice(15, size=int(rng.integers(5, 16)), replace=False).tolist())
            joints = {j: (float(rng.uniform(0, 1900)), float(rng.uniform(0, 1000))) for j in ids}
            persons.append(person(joints, track_id=t, head_box=[0, 0, 60, 80]))
        frames.append(persons)
    frames.append([])  # a frame without people
    gt = video(frames)
    assert compute_ap({'a.json': gt}, {'a.json': copy_with_scores(gt)}) == {
        k: 100.0 for k in AP_KEYS}


# --------------------------------------------------------------------------------------------
# hand-computed cases


def test_a_miss():
    # Right ankle predicted 20 px off (> 15 px): 1 FP, 1 GT -> precision 0 -> AP 0.
    # The other 14 joints are exact -> 100. PCKh = 14/15 so the pose is still assigned.
    # Ankl = (0 + 100) / 2 = 50; Total = 14 * 100 / 15 = 93.33.
    gt = joints_at(0)
    pred = dict(gt)
    pred[0] = (gt[0][0] + 20.0, gt[0][1])
    res = ap_of([[person(gt)]], [[person(pred, score=0.5)]])
    assert res['Ankl'] == 50.0
    assert res['Head'] == res['Shou'] == res['Knee'] == 100.0
    assert res['Total'] == pytest.approx(1400 / 15)


def test_miss_exactly_at_threshold_is_a_match():
    # 15 px is exactly 0.5 x head size 30 -> dist <= thr -> correct; 15.01 px is not.
    gt = joints_at(0)
    at_thr = {j: (x + 9.0, y + 12.0) for j, (x, y) in gt.items()}  # 3-4-5 triangle: 15 px
    beyond = {j: (x + 15.01, y) for j, (x, y) in gt.items()}
    assert ap_of([[person(gt)]], [[person(at_thr, score=0.5)]])['Total'] == 100.0
    assert ap_of([[person(gt)]], [[person(beyond, score=0.5)]])['Total'] == 0.0


def test_false_positive_ranked_first():
    # Per joint: ranked [FP (0.9), TP (0.5)], 1 GT -> precision [0, 1/2], recall [0, 1].
    # Envelope at the recall step 0 -> 1 is 1/2 -> AP = 1 x 1/2 = 50 for every joint.
    gt = joints_at(0)
    res = ap_of([[person(gt)]], [[person(joints_at(5000), 0.9, 1), person(gt, 0.5, 2)]])
    assert res == {k: 50.0 for k in AP_KEYS}
    # Ranked below the TP instead, the FP costs nothing: precision [1, 1/2], recall [1, 1].
    res = ap_of([[person(gt)]], [[person(joints_at(5000), 0.1, 1), person(gt, 0.5, 2)]])
    assert res == {k: 100.0 for k in AP_KEYS}


def test_precision_envelope():
    # Three GT persons far apart; predictions ranked TP (0.9), FP (0.8), TP (0.7), TP (0.6).
    # precision = [1, 1/2, 2/3, 3/4], recall = [1/3, 1/3, 2/3, 1].
    # Envelope (max to the right) at the recall steps: 1 at 1/3, 3/4 at 2/3, 3/4 at 1.
    # AP = 1/3 * 1 + 1/3 * 3/4 + 1/3 * 3/4 = 5/6 = 83.33 (without the envelope: 80.56).
    gts = [joints_at(0), joints_at(0, 1000), joints_at(0, 2000)]
    preds = [person(gts[0], 0.9, 1), person(joints_at(0, 5000), 0.8, 2),
             person(gts[1], 0.7, 3), person(gts[2], 0.6, 4)]
    res = ap_of([[person(g, track_id=t) for t, g in enumerate(gts)]], [preds])
    for key in AP_KEYS:
        assert res[key] == pytest.approx(500 / 6)


def test_pooled_over_videos_not_averaged():
    # Video a: an exact prediction (0.5). Video b: only a far FP (0.9). Per video the APs would
    # be 100 and 0 (mean 50); pooled: ranked [FP, TP] with 2 GT -> precision [0, 1/2],
    # recall [0, 1/2] -> AP = 1/2 * 1/2 = 25.
    gt = [[person(joints_at(0))]]
    res = compute_ap({'a.json': video(gt, name='a'), 'b.json': video(gt, name='b')},
                     {'a.json': video([[person(joints_at(0), 0.5)]], name='a'),
                      'b.json': video([[person(joints_at(5000), 0.9)]], name='b')})
    assert res == {k: 25.0 for k in AP_KEYS}


def test_ignore_region():
    # Square (100,100)-(200,200). GT and prediction left wrist (id 11) at (150,150) lie strictly
    # inside -> removed from both: left wrist has no predictions -> AP 0 (not NaN).
    # Right wrist (id 6) at (100,150) lies on the edge -> kept -> TP -> 100.
    # A second, high-scoring prediction lies fully inside -> dropped, so it is not an FP (else
    # every joint would rank an FP first -> 50).
    # Wri = (100 + 0) / 2 = 50; Total = 14 * 100 / 15 = 93.33.
    square = [(100, 100), (200, 100), (200, 200), (100, 200)]
    gt = joints_at(300)
    gt[11] = (150.0, 150.0)
    gt[6] = (100.0, 150.0)
    inside = {j: (120.0 + 4 * j, 130.0) for j in ALL}
    res = ap_of([[person(gt)]], [[person(inside, 0.99, 1), person(gt, 0.5, 2)]],
                regions={0: [square]})
    assert res['Wri'] == 50.0
    assert res['Shou'] == res['Head'] == res['Ankl'] == 100.0
    assert res['Total'] == pytest.approx(1400 / 15)


def test_ignore_region_removes_every_gt_person():
    # The only GT person lies inside the region: the frame still counts, so the prediction
    # outside the region is an FP on all its joints, and no GT joint remains anywhere:
    # predictions but no GT -> NaN for every joint and group.
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    gt = {j: (5.0, 5.0) for j in ALL}
    joint_ap = joint_ap_of([[person(gt)]], [[person(joints_at(500), 0.5)]],
                           regions={0: [square]})
    assert np.isnan(joint_ap).all()


def test_points_strictly_in_polygon():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)
    pts = np.array([[5, 5], [0, 5], [10, 10], [5, 0], [11, 5], [5, -0.001], [9.999, 9.999]])
    assert points_strictly_in_polygon(pts, square).tolist() == [
        True, False, False, False, False, False, True]
    # Concave "U": the notch (4..6, 3..10) is outside; vertices and notch edges are boundary.
    u_shape = np.array([[0, 0], [10, 0], [10, 10], [6, 10], [6, 3], [4, 3], [4, 10], [0, 10]])
    pts = np.array([[5, 5], [2, 5], [8, 5], [5, 2], [5, 3], [6, 5], [2, 3], [8, 3]])
    assert points_strictly_in_polygon(pts, u_shape).tolist() == [
        False, True, True, True, False, False, True, True]
    # Float coordinates on a slanted edge (exactly representable): boundary -> outside.
    tri = np.array([[0.1, 0.1], [3.1, 0.1], [0.1, 3.1]])
    assert points_strictly_in_polygon(np.array([[1.1, 2.1], [1.0, 1.0]]), tri).tolist() == [
        False, True]


def test_invisible_gt_joint_still_counts():
    # Left knee (id 4) has v=0 but real coordinates: still GT, the exact prediction is a TP.
    # Right knee (id 1) is (0, 0, 0): no GT joint; the prediction stores it as (0, 0, 0) too
    # (MMPose writes the score as third column) -> dropped -> no prediction, no GT -> AP 0.
    # Knee = (0 + 100) / 2 = 50; Total = 14 * 100 / 15.
    gt = joints_at(0)
    gt[4] = (gt[4][0], gt[4][1], 0)
    gt[1] = (0.0, 0.0, 0)
    pred = dict(gt)
    res = ap_of([[person(gt)]], [[person(pred, 0.5)]])
    assert res['Knee'] == 50.0
    assert res['Total'] == pytest.approx(1400 / 15)


def test_joint_without_gt_is_nan_and_left_out_of_total():
    # No GT head top (id 14) anywhere, but a predicted head top -> FP with 0 GT -> NaN.
    # Head (mean with NaN) is NaN; Total = mean of the 14 other joints = 100.
    gt = joints_at(0, ids=range(14))
    res = ap_of([[person(gt)]], [[person(joints_at(0), 0.5)]])
    assert math.isnan(res['Head'])
    assert res['Total'] == 100.0
    assert summarize_joint_ap([100.0] * 14 + [float('nan')])['Total'] == 100.0


def test_ties_go_to_first_gt():
    # GT A has joints 0-9, GT B joints 10-13, same head size. The prediction hits A's joints
    # 0-4 (PCKh 5/10) and B's joints 10-11 (PCKh 2/4): a tie, so it goes to the first GT.
    # A first: TPs on 0-4 (AP 100), FPs on 5-13 (AP 0), head top has no GT (NaN)
    #   -> Total = 5 * 100 / 14 = 35.71.
    # B first: TPs on 10-11 only -> Total = 2 * 100 / 14 = 14.29.
    gt_a = joints_at(0, ids=range(10))
    gt_b = joints_at(0, 3000, ids=range(10, 14))
    pred = joints_at(0, 6000)
    pred.update({j: gt_a[j] for j in range(5)})
    pred.update({j: gt_b[j] for j in (10, 11)})
    first_a = ap_of([[person(gt_a, track_id=0), person(gt_b, track_id=1)]], [[person(pred, .5)]])
    first_b = ap_of([[person(gt_b, track_id=1), person(gt_a, track_id=0)]], [[person(pred, .5)]])
    assert first_a['Total'] == pytest.approx(500 / 14)
    assert first_b['Total'] == pytest.approx(200 / 14)


def test_prediction_losing_its_gt_is_all_false_positives():
    # A and B share joints 0-8. P1 = A exactly (PCKh 1 to A). P2 hits A on 0-11 (12/15) and B on
    # 0-8 (9/15): its best GT is A, which keeps P1, so P2 is FP on every joint although it fits
    # B. Per joint: ranked [P2 FP (0.9), P1 TP (0.5)], 2 GT -> precision [0, 1/2],
    # recall [0, 1/2] -> AP = 1/2 * 1/2 = 25 everywhere.
    gt_a = joints_at(0)
    gt_b = dict(joints_at(0, 3000))
    gt_b.update({j: gt_a[j] for j in range(9)})
    p2 = joints_at(0, 6000)
    p2.update({j: gt_a[j] for j in range(12)})
    res = ap_of([[person(gt_a, track_id=0), person(gt_b, track_id=1)]],
                [[person(p2, 0.9, 1), person(gt_a, 0.5, 2)]])
    assert res == {k: 25.0 for k in AP_KEYS}


def test_missing_scores_fall_back_to_minus_9999():
    # The FP has no scores -> -9999. With the TP at -10000 the FP ranks first -> AP 50; with the
    # TP at -9998 the TP ranks first -> AP 100.
    gt = joints_at(0)
    far = person(joints_at(5000), None, 1)
    assert ap_of([[person(gt)]], [[far, person(gt, -10000.0, 2)]])['Total'] == 50.0
    assert ap_of([[person(gt)]], [[far, person(gt, -9998.0, 2)]])['Total'] == 100.0


def test_keypoint_third_column_and_person_score_ignored():
    # Ranking uses only `scores`: an FP whose third column and person score are high still
    # ranks below a TP with a higher joint score -> 100.
    gt = joints_at(0)
    far = person(joints_at(5000), 0.1, 1)
    far['keypoints'][2::3] = [5.0] * 17
    far['score'] = 10.0
    assert ap_of([[person(gt)]], [[far, person(gt, 0.5, 2)]])['Total'] == 100.0


def test_frames_without_gt_people_are_skipped():
    # Frame 1 has no GT person (and is_labeled is not consulted): its high-scoring FP is
    # dropped. A labelled-looking frame with people still counts even if is_labeled is False.
    gt = video([[person(joints_at(0))], []])
    gt['images'][0]['is_labeled'] = False
    pred = video([[person(joints_at(0), 0.5)], [person(joints_at(0), 0.9)]])
    assert compute_ap({'v.json': gt}, {'v.json': pred})['Total'] == 100.0


def test_gt_person_without_joints_keeps_frame():
    # The only GT person has no annotated joint: the frame is still evaluated, so the
    # prediction (0.9) is an FP on every joint. With frame 0 (TP at 0.5, 1 GT per joint):
    # ranked [FP, TP] -> AP 50.
    empty = person({})
    res = ap_of([[person(joints_at(0))], [empty]],
                [[person(joints_at(0), 0.5)], [person(joints_at(0), 0.9)]])
    assert res['Total'] == 50.0


def test_frames_paired_by_file_name_when_ids_differ():
    # Prediction image ids need not match the GT's: frames are then paired by file name.
    gt = video([[person(joints_at(0))], [person(joints_at(0, 500))]])
    pred = video([[person(joints_at(0), 0.5)], [person(joints_at(0, 500), 0.5)]])
    for idx, image in enumerate(pred['images']):
        image['id'] = 77 + idx
    for ann in pred['annotations']:
        ann['image_id'] = 77 + ann['image_id'] - 1000
    assert compute_ap({'v.json': gt}, {'v.json': pred})['Total'] == 100.0


@pytest.mark.parametrize('keep_ids', [True, False])
def test_frames_paired_by_identity_not_position(keep_ids):
    # poseval pairs frame i with frame i: a prediction listed in another order would score
    # against the wrong frames. Ours pairs by id (or by file name) and scores 100.
    frames = [[person(joints_at(0, 50 * k))] for k in range(6)]
    gt = video(frames)
    pred = copy_with_scores(gt)
    pred['images'].reverse()
    if not keep_ids:
        for image in pred['images']:
            image['id'] += 500
        for ann in pred['annotations']:
            ann['image_id'] += 500
    assert compute_ap({'v.json': gt}, {'v.json': pred})['Total'] == 100.0


@pytest.mark.parametrize('edit, message', [
    (lambda p: p['images'].pop(), r'misses GT frame image id=1001'),
    (lambda p: p['images'].append(dict(p['images'][0], id=5, file_name='images/val/'
                                       '000001_mpii_test/000009.jpg')),
     r'adds frame image id=5 \(images/val/000001_mpii_test/000009.jpg\)'),
    (lambda p: [im.update(file_name=im['file_name'].replace('000001_mpii', '000002_mpii'))
                for im in p['images']], r"names video '000002_mpii_test'"),
    # the two frames' file names swapped: each id names the other frame (one file name given
    # twice is refused earlier, by the document check)
    (lambda p: [im.update(file_name=name) for im, name in
                zip(p['images'], [im['file_name'] for im in p['images']][::-1])],
     r'ids and file names disagree'),
])
def test_unpairable_prediction_refused(edit, message):
    gt = video([[person(joints_at(0))], [person(joints_at(0, 500))]])
    pred = copy_with_scores(gt)
    edit(pred)
    pred['annotations'] = [a for a in pred['annotations']
                           if a['image_id'] in {im['id'] for im in pred['images']}]
    with pytest.raises(ValueError) as e:
        compute_ap({'v.json': gt}, {'v.json': pred}, {'v.json': 'gt.json'},
                   {'v.json': 'pred.json'})
    assert str(e.value).startswith('pred.json: field "images"'), str(e.value)
    assert re.search(message, str(e.value)), str(e.value)


def test_zero_size_head_box_refused():
    gt = video([[person(joints_at(0), head_box=[10, 10, 0, 0])]])
    with pytest.raises(ValueError, match=r'bbox_head.*image id=1000.*zero size'):
        compute_ap({'v.json': gt}, {'v.json': copy_with_scores(gt)})


def test_duplicate_video_ids_refused():
    a, b = video([[person(joints_at(0))]]), video([[person(joints_at(0))]], name='other')
    for doc in (a, b):
        doc['images'][0]['vid_id'] = '7'
    with pytest.raises(ValueError, match=r"b\.json.*vid_id '7' is also the video of a\.json"):
        compute_ap({'a.json': a, 'b.json': b}, {'a.json': copy_with_scores(a),
                                                'b.json': copy_with_scores(b)})


def test_exact_score_ties():
    # poseval ranks with argsort()[::-1]; with a stable sort, equal scores rank the detection
    # pooled last first. Videos are pooled in reverse name order, so across videos ties rank by
    # ascending video name, and within a frame the later annotation ranks first.
    gt = joints_at(0)
    tp, fp = person(gt, 0.5, 1), person(joints_at(5000), 0.5, 2)
    # [TP, FP] in the file -> ranked [FP, TP] -> precision [0, 1/2], recall [0, 1] -> 50.
    assert ap_of([[person(gt)]], [[tp, fp]])['Total'] == 50.0
    # [FP, TP] in the file -> ranked [TP, FP] -> precision [1, 1/2], recall [1, 1] -> 100.
    assert ap_of([[person(gt)]], [[fp, tp]])['Total'] == 100.0
    # Video a holds the TP, video b the FP, 2 GT in all: ranked [a: TP, b: FP] ->
    # precision [1, 1/2], recall [1/2, 1/2] -> AP = 1/2 (ranked [FP, TP] it would be 25).
    gts = [[person(gt)]]
    res = compute_ap({'a.json': video(gts, name='a'), 'b.json': video(gts, name='b')},
                     {'a.json': video([[tp]], name='a'), 'b.json': video([[fp]], name='b')})
    assert res['Total'] == 50.0
