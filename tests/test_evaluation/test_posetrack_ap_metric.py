"""End-to-end tests of ``PoseTrackAPMetric`` on the PoseTrack18 sample data.

Data samples are built from the merged sample annotation file the way MMPose's own
PoseTrack18Metric tests build them (one top-down sample per GT person, or one bottom-up sample
per image).
"""
import json
import shutil
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import METRICS
from xtcocotools.coco import COCO

from posewarper.evaluation.metrics import PoseTrackAPMetric

GROUPS = ['Head', 'Shou', 'Elb', 'Wri', 'Hip', 'Knee', 'Ankl', 'Total']
PERFECT = {f'posetrack/{k}': 100.0 for k in GROUPS}
VIDEOS = ['003418_mpii_test.json', '009473_mpii_test.json', '012834_mpii_test.json']


@pytest.fixture(scope='module')
def meta():
    # The relative config path resolves to the copy inside the installed mmpose package; the
    # warning saying so is expected.
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        return parse_pose_metainfo(dict(from_file='configs/_base_/datasets/posetrack18.py'))


@pytest.fixture
def ann_file(posetrack_mini, tmp_path):
    """The sample annotations (merged file + per-video GT) copied to tmp_path."""
    shutil.copytree(posetrack_mini / 'annotations', tmp_path / 'annotations')
    return str(tmp_path / 'annotations' / 'test_posetrack18_val.json')


def _load_anns(ann_file):
    with open(ann_file) as f:
        return json.load(f)['annotations']


def _topdown_sample(ann, keypoints, sample_id, bbox_score=1.0):
    w, h = ann['bbox'][2], ann['bbox'][3]
    return {
        'id': sample_id,
        'img_id': ann['image_id'],
        'gt_instances': {
            'bbox_scales': np.array([w * 1.25, h * 1.25]).reshape(-1, 2),
            'bboxes': np.array(ann['bbox'], dtype=np.float32).reshape(-1, 4),
            'bbox_scores': np.ones((1, ), dtype=np.float32) * bbox_score,
        },
        'pred_instances': {
            'keypoints': keypoints[..., :2],
            'keypoint_scores': keypoints[..., -1],
        },
    }


def _perfect_topdown(ann_file):
    """One batch per GT person, predicting its GT keypoints with the visibility as score."""
    return [[_topdown_sample(ann, np.array(ann['keypoints']).reshape(1, -1, 3), ann['id'])]
            for ann in _load_anns(ann_file)]


def _run(metric, meta, batches):
    metric.dataset_meta = meta
    for samples in batches:
        metric.process([{'inputs': None}] * len(samples), samples)
    return metric.evaluate(size=sum(len(b) for b in batches))


def test_gt_index_from_the_video_files_and_no_raw_ann_info(ann_file, meta):
    """CocoMetric's GT index is built from the per-video GT files, so samples need no
    ``raw_ann_info`` (nor ``ori_shape``), which MMPose's CocoMetric asks for without one."""
    metric = PoseTrackAPMetric(ann_file=ann_file)
    assert isinstance(metric.coco, COCO)
    gt_dir = Path(ann_file).parent / 'val'
    videos = [json.loads((gt_dir / name).read_text()) for name in VIDEOS]
    assert sorted(metric.coco.getImgIds()) == sorted(im['id'] for v in videos
                                                     for im in v['images'])
    assert sorted(metric.coco.getAnnIds()) == sorted(a['id'] for v in videos
                                                     for a in v['annotations'])
    assert [c['name'] for c in metric.coco.loadCats(metric.coco.getCatIds())] == ['person']
    batches = _perfect_topdown(ann_file)
    assert all('raw_ann_info' not in s and 'ori_shape' not in s for b in batches for s in b)
    metric.dataset_meta = meta
    metric.process([{'inputs': None}], batches[0])
    assert metric.results[0][1] == {}  # no GT taken from the data samples
    metric.results.clear()
    assert _run(metric, meta, batches) == PERFECT


def test_perfect_topdown_and_written_files(ann_file, meta, tmp_path):
    metric = PoseTrackAPMetric(ann_file=ann_file, outfile_prefix=str(tmp_path / 'out' / 'res'),
                               score_mode='bbox', nms_mode='none')
    assert _run(metric, meta, _perfect_topdown(ann_file)) == PERFECT

    # One PoseTrack18 file per GT video, next to the prefix, readable by poseval: every GT
    # frame in GT order, 17 per-joint scores, track ids unique per frame.
    gt_dir = tmp_path / 'annotations' / 'val'
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == VIDEOS
    for name in VIDEOS:
        gt = json.loads((gt_dir / name).read_text())
        pred = json.loads((tmp_path / 'out' / name).read_text())
        assert [im['id'] for im in pred['images']] == [im['id'] for im in gt['images']]
        assert pred['categories'][0]['keypoints'] == gt['categories'][0]['keypoints']
        per_frame = defaultdict(list)
        for ann in pred['annotations']:
            assert len(ann['keypoints']) == 51 and len(ann['scores']) == 17
            assert ann['scores'] == ann['keypoints'][2::3]
            per_frame[ann['image_id']].append(ann['track_id'])
        assert sum(len(v) for v in per_frame.values()) == len(gt['annotations'])
        assert all(len(set(v)) == len(v) for v in per_frame.values())


def test_evaluator_with_registry_and_nms(ann_file, meta):
    # Built from MMPose's registry and run through mmengine's Evaluator, with rescoring and
    # OKS-NMS (distinct people survive it), results written to a temp folder.
    metric = METRICS.build(dict(type='PoseTrackAPMetric', ann_file=ann_file,
                                score_mode='bbox_keypoint', nms_mode='oks_nms'))
    evaluator = Evaluator(metric)
    evaluator.dataset_meta = meta
    batches = _perfect_topdown(ann_file)
    for samples in batches:
        evaluator.process(data_samples=samples, data_batch=[{'inputs': None}] * len(samples))
    assert evaluator.evaluate(len(batches)) == PERFECT


def test_bottomup_and_explicit_gt_dir(ann_file, meta, tmp_path):
    # Several instances per sample; the GT folder given directly, no merged file.
    by_image = defaultdict(list)
    for ann in _load_anns(ann_file):
        by_image[ann['image_id']].append(ann)
    batches = []
    for img_id, anns in by_image.items():
        kpts = np.array([a['keypoints'] for a in anns]).reshape(len(anns), -1, 3)
        batches.append([{
            'id': [a['id'] for a in anns],
            'img_id': img_id,
            'gt_instances': {'bbox_scores': np.ones(len(anns), dtype=np.float32)},
            'pred_instances': {'keypoints': kpts[..., :2], 'keypoint_scores': kpts[..., -1]},
        }])
    metric = PoseTrackAPMetric(gt_dir=str(tmp_path / 'annotations' / 'val'))
    assert _run(metric, meta, batches) == PERFECT


@pytest.mark.parametrize('case', ['scaled', 'two_per_person'])
def test_mmpose_alignment_reference(ann_file, meta, tmp_path, case):
    # The inputs and expected values of MMPose's PoseTrack18Metric alignment test, whose values
    # were produced by poseval. Case 'scaled': keypoints scaled by (0.98, 1.02), joint scores
    # 0.8 x visibility, OKS-NMS; every joint score ties, so this also checks poseval's tie
    # order. Case 'two_per_person': two perturbed predictions per person, soft OKS-NMS.
    batches = []
    for i, ann in enumerate(_load_anns(ann_file)):
        if case == 'scaled':
            kpts = np.array(ann['keypoints'], dtype=np.float32).reshape(1, 17, 3)
            kpts[..., 0] *= 0.98
            kpts[..., 1] *= 1.02
            kpts[..., 2] *= 0.8
            batches.append([_topdown_sample(ann, kpts, ann['id'])])
        else:
            k0 = np.array(ann['keypoints'], dtype=np.float32).reshape(1, -1, 3)
            k0[..., 0] *= (1 - i / 100)
            k0[..., 1] *= (1 + i / 100)
            k0[..., 2] *= (1 - i / 100)
            k1 = np.array(ann['keypoints'], dtype=np.float32).reshape(1, -1, 3)
            k1[..., 0] *= (1 + i / 100)
            k1[..., 1] *= (1 - i / 100)
            k1[..., 2] *= (1 - 2 * i / 100)
            batches.append([_topdown_sample(ann, k0, ann['id']),
                            _topdown_sample(ann, k1, ann['id'] + 1, 1 - 2 * i / 100)])
    if case == 'scaled':
        metric = PoseTrackAPMetric(ann_file=ann_file, score_mode='bbox_keypoint',
                                   nms_mode='oks_nms')
        expected = [84.6677132391418, 80.86734693877551, 83.0204081632653, 85.12396694214877,
                    75.14792899408285, 66.76515151515152, 71.78571428571428, 78.62827822638012]
    else:
        metric = PoseTrackAPMetric(ann_file=ann_file, score_mode='bbox_keypoint',
                                   keypoint_score_thr=0.2, nms_thr=0.9,
                                   nms_mode='soft_oks_nms')
        expected = [27.1062271062271068, 25.918367346938776, 22.67857142857143,
                    29.090909090909093, 18.40659340659341, 32.0, 20.0, 25.167170924313783]
    results = _run(metric, meta, batches)
    assert list(results) == [f'posetrack/{k}' for k in GROUPS]
    for key, value in zip(GROUPS, expected):
        assert results[f'posetrack/{key}'] == pytest.approx(value, rel=1e-12)


def test_format_only(ann_file, meta, tmp_path):
    metric = PoseTrackAPMetric(ann_file=ann_file, format_only=True,
                               outfile_prefix=str(tmp_path / 'sub' / 'res'))
    assert _run(metric, meta, _perfect_topdown(ann_file)) == {}
    assert sorted(p.name for p in (tmp_path / 'sub').iterdir()) == VIDEOS


def test_refuses_to_overwrite_gt(ann_file, meta, tmp_path):
    gt_dir = tmp_path / 'annotations' / 'val'
    before = {p.name: p.read_text() for p in gt_dir.iterdir()}
    metric = PoseTrackAPMetric(ann_file=ann_file, outfile_prefix=str(gt_dir / 'res'))
    with pytest.raises(ValueError, match='GT folder'):
        _run(metric, meta, _perfect_topdown(ann_file))
    assert {p.name: p.read_text() for p in gt_dir.iterdir()} == before


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match='ann_file.*gt_dir'):
        PoseTrackAPMetric()
    with pytest.raises(ValueError, match='not found'):
        PoseTrackAPMetric(ann_file=str(tmp_path / 'annotations' / 'posetrack18_val.json'))
    with pytest.raises(ValueError, match='`nms_mode` should be one of'):
        PoseTrackAPMetric(gt_dir=str(tmp_path), nms_mode='bad')


def test_official_scoring_multiplies_box_scores_and_keeps_duplicates(ann_file, meta, tmp_path):
    """``scoring='official'``: joint score = heatmap max × box score, and no NMS."""
    anns = _load_anns(ann_file)
    batches = []
    for k, ann in enumerate(anns):  # every person found, joint scores 0.5, box scores >= 0.2
        kpts = np.array(ann['keypoints'], dtype=np.float64).reshape(1, -1, 3)
        kpts[..., 2] = 0.5
        batches.append([_topdown_sample(ann, kpts, ann['id'], bbox_score=0.2 + 0.01 * k)])
    # a false positive far from everyone: confident joints (0.9) in a doubtful box (0.01)
    far = np.array(anns[0]['keypoints'], dtype=np.float64).reshape(1, -1, 3)
    far[..., :2] += 5000
    far[..., 2] = 0.9
    batches.append([_topdown_sample(anns[0], far, 10**15, bbox_score=0.01)])
    # a duplicate of person 1 (what OKS-NMS removes)
    dup = np.array(anns[1]['keypoints'], dtype=np.float64).reshape(1, -1, 3)
    dup[..., 2] = 0.5
    batches.append([_topdown_sample(anns[1], dup, 10**15 + 1, bbox_score=0.15)])
    results, people = {}, {}
    for scoring in ('mmpose', 'official'):
        out = tmp_path / scoring
        metric = PoseTrackAPMetric(ann_file=ann_file, scoring=scoring,
                                   outfile_prefix=str(out / 'res'))
        results[scoring] = _run(metric, meta, batches)
        written = [a for name in VIDEOS
                   for a in json.loads((out / name).read_text())['annotations']]
        people[scoring] = len(written)
        if scoring == 'official':
            by_image = defaultdict(list)
            for a in written:
                by_image[a['image_id']].append(a['scores'][0])
            assert pytest.approx(0.5 * (0.2 + 0.01 * 2)) in by_image[anns[2]['image_id']]
    assert people == {'mmpose': len(anns) + 1, 'official': len(anns) + 2}
    # MMPose ranks the false positive's joints (0.9) above every true one (0.5) ...
    assert results['mmpose']['posetrack/Total'] < 100
    # ... the official score puts them last (0.009 < 0.5 x 0.2), and the duplicate ranks
    # below its original, so only the tail of the ranking holds false positives
    assert results['official']['posetrack/Total'] > results['mmpose']['posetrack/Total']


def test_unknown_scoring_is_refused(ann_file):
    with pytest.raises(ValueError, match="scoring must be one of \\('mmpose', 'official'\\)"):
        PoseTrackAPMetric(ann_file=ann_file, scoring='poseval')
