"""Track ids that follow people: PoseTracker and the inferencer on generated videos where
people cross, identity switches counted against the generator's ground truth."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from posewarper.apis import PoseTracker, PoseWarperInferencer
from tests.helpers.generated_video import (generated_video, identity_switches, max_crossing_iou,
                                           shuffled_per_frame)

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_CFG = str(REPO_ROOT / 'configs' / 'tiny' / 'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py')
#: Generated videos (seeds; 16 frames, 2 people) in which the two people cross: their boxes
#: overlap with IoU 0.77, 0.46, 0.61 and 0.76 (checked below), more than they overlap their own
#: box of the previous frame at times, so that matching by overlap alone can mix them up.
CROSSING_SEEDS = (3, 8, 9, 11)

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp('crossing')
    out = {seed: generated_video(root / str(seed), seed=seed, frames=16, people=2)
           for seed in CROSSING_SEEDS}
    assert all(max_crossing_iou(v) > 0.4 for v in out.values()), 'the people must cross'
    return out


@pytest.fixture(scope='module')
def crossing(videos):
    return videos[CROSSING_SEEDS[0]]


def _frame(boxes, keypoints, scores):
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(
        bboxes=boxes, bbox_scores=scores, keypoints=keypoints[..., :2],
        keypoint_scores=(keypoints[..., 2] > 0).astype(np.float32))
    return sample


def _track(video, tracker, seed=0):
    """Track the people of a video (boxes and keypoints of the ground truth, in a shuffled
    order with random box scores, as a detector gives them); identity switches of the
    tracker's ids and of the frame index (what the json held before)."""
    rng = np.random.RandomState(seed)
    gt, tracked, by_index = [], [], []
    for t, perm in enumerate(shuffled_per_frame(video, seed)):
        sample = _frame(video['boxes'][t][perm], video['keypoints'][t][perm],
                        rng.uniform(0.5, 1, len(perm)).astype(np.float32))
        ids = tracker.update(sample)
        np.testing.assert_array_equal(sample.pred_instances.track_ids, ids)
        assert len(set(ids.tolist())) == len(ids)  # unique within the frame
        gt.append(video['track_ids'][t][perm])
        tracked.append(ids)
        by_index.append(np.arange(len(perm)))
    return identity_switches(gt, tracked), identity_switches(gt, by_index), tracked


# OKS is strict for these small people (boxes of ~35×35 pixels) moving several pixels a frame:
# at the crossing a person's OKS with itself drops to 0.26, below MMPose's default 0.3, which
# would start a new track; 0.2 keeps them.
@pytest.mark.parametrize('use_oks,thr', [(False, 0.3), (True, 0.2)], ids=['iou', 'oks'])
def test_ids_follow_people_who_cross(videos, use_oks, thr):
    for seed, video in videos.items():
        for order in range(3):
            switches, index_switches, tracked = _track(video, PoseTracker(use_oks, thr), order)
            assert switches == 0, (seed, order)
            # one track per person
            assert sorted(set(np.concatenate(tracked).tolist())) == [0, 1], (seed, order)
    # the ids of the json before: the index within the frame
    assert max(_track(v, PoseTracker(), 0)[1] for v in videos.values()) > 3


def test_mmposes_greedy_matching_swaps_people_who_cross(crossing):
    """Why the tracker assigns rather than matching greedily as MMPose's helpers do."""
    switches = [_track(crossing, PoseTracker(use_oks, thr, greedy=True), order)[0]
                for use_oks, thr in ((False, 0.3), (True, 0.2)) for order in range(3)]
    assert min(switches) > 0


def test_new_people_and_empty_frames_get_new_ids():
    tracker = PoseTracker()
    box = np.array([[0, 0, 10, 20]], np.float32)
    kpts = np.ones((1, 17, 3), np.float32)
    one = np.ones(1, np.float32)
    assert tracker.update(_frame(box, kpts, one)).tolist() == [0]
    assert tracker.update(_frame(box + 1, kpts, one)).tolist() == [0]
    far = box + 100  # no overlap: someone else
    assert tracker.update(_frame(np.concatenate([box, far]), np.concatenate([kpts, kpts]),
                                 np.array([0.5, 0.9], np.float32))).tolist() == [0, 1]
    empty = _frame(np.zeros((0, 4), np.float32), np.zeros((0, 17, 3), np.float32),
                   np.zeros(0, np.float32))
    assert tracker.update(empty).tolist() == []
    assert tracker.update(_frame(box, kpts, one)).tolist() == [2]  # tracks end at a gap
    tracker.reset()
    assert tracker.update(_frame(box, kpts, one)).tolist() == [0]
    with pytest.raises(ValueError, match='tracking_thr'):
        PoseTracker(tracking_thr=2)


def test_inferencer_json_track_ids_follow_people(crossing, tmp_path):
    """The whole path: shuffled ground-truth boxes in, PoseTrack json out; its track ids
    against the generator's."""
    perms = shuffled_per_frame(crossing)
    boxes = [b[p] for b, p in zip(crossing['boxes'], perms)]
    inferencer = PoseWarperInferencer(TINY_CFG, det_model='whole_image', device='cpu')
    results = list(inferencer(str(crossing['folder']), bboxes=boxes, temporal_window=1,
                              pred_out_dir=str(tmp_path)))
    pred = json.loads((tmp_path / f'{crossing["folder"].name}.json').read_text())
    tracked = []
    for t, image in enumerate(sorted(pred['images'], key=lambda im: im['id'])):
        anns = [a for a in pred['annotations'] if a['image_id'] == image['id']]
        assert [a['track_id'] for a in anns] == [p['track_id'] for p in
                                                 results[t]['predictions'][0]]
        tracked.append(np.array([a['track_id'] for a in anns]))
    gt = [ids[p] for ids, p in zip(crossing['track_ids'], perms)]
    assert identity_switches(gt, tracked) == 0
