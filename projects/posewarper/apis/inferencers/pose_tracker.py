"""Track ids that follow people from frame to frame, with MMPose's own tracking helpers."""
from typing import List

import numpy as np
from mmengine.structures import InstanceData
from mmpose.apis.inference_tracking import _compute_iou, _track_by_iou, _track_by_oks
from mmpose.evaluation.functional.nms import oks_iou
from mmpose.structures import PoseDataSample
from scipy.optimize import linear_sum_assignment


class PoseTracker:
    """Frame-to-frame matching of people by box IoU or keypoint OKS, as MMPose's
    ``Pose3DInferencer`` links its 2D poses.

    The similarity of a person in frame ``t`` to one in frame ``t - 1`` is MMPose's: the box IoU
    of ``mmpose.apis.inference_tracking`` or, with ``use_oks``, its keypoint OKS (``oks_iou``
    with the areas of the boxes). A person continues the track of the previous person it is
    matched to when their similarity exceeds ``tracking_thr``, and starts a new track otherwise;
    a frame without people ends every track (there is no memory beyond one frame). Unlike
    ``Pose3DInferencer`` in MMPose 1.3.2, the previous frame is kept up to date (MMPose PR #3200)
    and nobody is dropped.

    Matching: by default the one-to-one assignment with the largest total similarity
    (Hungarian, ``scipy.optimize.linear_sum_assignment``). MMPose's helpers (``_track_by_iou``,
    ``_track_by_oks``) match greedily, each person in turn taking the free previous person it
    overlaps most; when two people cross, the first can take the other's track, and both swap
    identities (on a generated video of two people crossing: 2 to 4 identity switches greedily,
    none with the assignment; ``tests/test_apis/test_pose_tracker.py``). ``greedy=True`` runs
    MMPose's helpers as they are (people in order of decreasing box score).

    Args:
        use_oks (bool): Match by OKS of the keypoints instead of box IoU. Default: False.
        tracking_thr (float): Smallest similarity that continues a track. Default: 0.3.
        greedy (bool): Match greedily with MMPose's helpers. Default: False.
    """

    def __init__(self, use_oks: bool = False, tracking_thr: float = 0.3,
                 greedy: bool = False) -> None:
        if not 0 <= tracking_thr <= 1:
            raise ValueError(f'tracking_thr must be in [0, 1], got {tracking_thr}')
        self.use_oks = use_oks
        self.tracking_thr = tracking_thr
        self.greedy = greedy
        self.reset()

    def reset(self) -> None:
        """Forget the tracks (a new video)."""
        self._last: List[PoseDataSample] = []
        self._next_id = 0

    @staticmethod
    def _person(inst: InstanceData, i: int) -> PoseDataSample:
        """The one-person data sample MMPose's helpers take (with ``areas`` for OKS)."""
        one = inst[i:i + 1]
        person = PoseDataSample()
        person.pred_instances = InstanceData(
            keypoints=np.asarray(one.keypoints, dtype=np.float32),
            keypoint_scores=np.asarray(one.keypoint_scores, dtype=np.float32),
            bboxes=np.asarray(one.bboxes, dtype=np.float32),
            areas=(one.bboxes[..., 2:4] - one.bboxes[..., :2]).prod(-1))
        return person

    def _similarity(self, a: PoseDataSample, b: PoseDataSample) -> float:
        """MMPose's IoU or OKS of two people (one-person samples)."""
        pa, pb = a.pred_instances, b.pred_instances
        if not self.use_oks:
            return float(_compute_iou(list(pa.bboxes[0]), list(pb.bboxes[0])))

        def flat(p: InstanceData) -> np.ndarray:
            return np.concatenate([p.keypoints[0], p.keypoint_scores[0][:, None]], 1).ravel()

        return float(oks_iou(flat(pa), flat(pb)[None], pa.areas[0], pb.areas)[0])

    def _match(self, people: List[PoseDataSample], order: np.ndarray) -> np.ndarray:
        """The previous-frame index matched to each person, -1 for none."""
        matched = np.full(len(people), -1, dtype=np.int64)
        if not people or not self._last:
            return matched
        if self.greedy:
            free = list(self._last)
            for i in order:
                track = _track_by_oks if self.use_oks else _track_by_iou
                track_id, free, found = track(people[i], free, self.tracking_thr)
                if track_id != -1:
                    matched[i] = next(j for j, p in enumerate(self._last) if p is found)
            return matched
        sim = np.array([[self._similarity(p, q) for q in self._last] for p in people])
        for i, j in zip(*linear_sum_assignment(-sim)):
            if sim[i, j] > self.tracking_thr:
                matched[i] = j
        return matched

    def update(self, sample: PoseDataSample) -> np.ndarray:
        """Give the people of the next frame their track ids.

        Args:
            sample (PoseDataSample): One frame's people: ``pred_instances`` with ``bboxes``
                ``(P, 4)``, ``bbox_scores`` ``(P, )``, ``keypoints`` ``(P, K, 2)`` in image
                pixels and ``keypoint_scores`` ``(P, K)``. ``pred_instances.track_ids``
                ``(P, )`` is set.

        Returns:
            np.ndarray: The track ids ``(P, )``, int64, unique within the frame.
        """
        inst = sample.pred_instances
        people = [self._person(inst, i) for i in range(len(inst))]
        order = np.argsort(-np.asarray(inst.bbox_scores), kind='stable')
        matched = self._match(people, order)
        ids = np.full(len(people), -1, dtype=np.int64)
        for i in order:  # new tracks are numbered in order of decreasing box score
            if matched[i] >= 0:
                ids[i] = self._last[matched[i]].track_id
            else:
                ids[i] = self._next_id
                self._next_id += 1
            people[i].set_field(int(ids[i]), 'track_id')
        self._last = people
        inst.track_ids = ids
        return ids
