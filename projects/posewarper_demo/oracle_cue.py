"""``posewarper-oracle-cue``: PoseWarper propagation with the ground truth as its motion cue.

The demo's upper bound of the ``posewarper`` row of Table 1, never a method: it reads the ground
truth of the frames it propagates to. Everything is the ``posewarper`` propagator's (same crops,
same warp of A's ground-truth heatmaps ``y_A``, same decoding and writer) except the heatmaps
the offsets are predicted from: ``y_B - y_A`` (the same person's ground truth in B, encoded in
A's crop) in place of stage 1's ``f_B - f_A``. It answers how far the trained warp would carry a
label with a perfect stage 1 (``warp_recovery``'s ``posewarper (oracle cue)`` row, in AP).

A target frame without the same person (same ``track_id``) gets ``y_A`` as its cue, no motion:
the warp then leaves the label in place, as ``copy`` does.
"""
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from posewarper.propagation import load_sparse_videos
from posewarper.propagation.posewarper_propagator import PoseWarperPropagator
from posewarper.propagation.structures import FrameGetter, Pose, PropagationTask, TaskResult
from posewarper.registry import PROPAGATORS

#: the registered name (``propagate_annotations(method=...)``)
ORACLE_CUE = 'posewarper-oracle-cue'


def _by_track(persons: Sequence[Pose]) -> Dict[int, Pose]:
    """The persons of a frame by ``track_id``, those whose id is unique in the frame."""
    ids = [p.track_id for p in persons]
    return {p.track_id: p for p in persons if p.track_id >= 0 and ids.count(p.track_id) == 1}


@PROPAGATORS.register_module(name=ORACLE_CUE)
class OracleCuePropagator(PoseWarperPropagator):
    """:class:`PoseWarperPropagator` with the offsets predicted from ground-truth heatmaps.

    Args:
        model (nn.Module): A trained PoseWarper (see :class:`PoseWarperPropagator`).
        gt_ann_file (str): Merged PoseTrack18 json with the ground truth of every frame
            propagated to (the demo's fully labelled test videos), persons linked by
            ``track_id``.
        data_root (str): Folder the image ``file_name`` s are relative to (as for the
            propagated file: videos are matched by name).
        batch_size (int): Crops per pass. Default: 32.
    """

    name = ORACLE_CUE

    def __init__(self, model: nn.Module, gt_ann_file: str, data_root: str = '',
                 batch_size: int = 32):
        super().__init__(model, batch_size)
        self.gt_ann_file = gt_ann_file
        _, videos = load_sparse_videos(gt_ann_file, data_root)
        # video name -> frame index -> track id -> the person (identity, never position: a
        # track id held by two persons of a frame is ambiguous and left out, as no person)
        self.gt: Dict[str, Dict[int, Dict[int, Pose]]] = {
            video.name: {idx: _by_track(persons) for idx, persons in video.persons.items()}
            for video in videos}
        self._video: Dict[int, Dict[int, Pose]] = {}
        self._cue: List[np.ndarray] = []

    def propagate(self, tasks: Sequence[PropagationTask],
                  get_frame: FrameGetter) -> List[TaskResult]:
        # the driver hands a FrameLoader, which knows its video: the key into the ground truth
        name = getattr(getattr(get_frame, 'video', None), 'name', None)
        if name not in self.gt:
            raise ValueError(f'{self.gt_ann_file}: no ground truth for video {name!r}, which the '
                             f'{ORACLE_CUE} propagator needs as its cue')
        self._video = self.gt[name]
        return super().propagate(tasks, get_frame)

    def _propagate_chunk(self, tasks: Sequence[PropagationTask], chunk: list,
                         get_frame: FrameGetter, results: List[TaskResult]) -> None:
        # the cue of each crop, in the order the parent crops them: A, then each B of a unit
        self._cue = []
        for unit in chunk:
            task = tasks[unit.task]
            person = task.persons[unit.person]
            image = [get_frame(task.source)]  # sets the image size; the crop itself is unused
            y_a = self._encode(image, person, person)
            self._cue.append(y_a)
            for target in unit.targets:
                same = self._video.get(target, {}).get(person.track_id)
                self._cue.append(y_a if same is None else self._encode(image, person, same))
        try:
            super()._propagate_chunk(tasks, chunk, get_frame, results)
        finally:
            self._cue = []

    def _encode(self, image: List[np.ndarray], person_a: Pose, person: Pose) -> np.ndarray:
        """``person``'s ground-truth heatmaps ``(K, h, w)`` in the crop of ``person_a``'s box."""
        res = self.cropper(image, person_a.bbox, person.keypoints,
                           person.exists.astype(np.float32))
        return self.codec.encode(res['transformed_keypoints'][..., :2],
                                 person.exists.astype(np.float32)[None])['heatmaps']

    def frame_heatmaps(self, crops: List[np.ndarray]) -> Tensor:
        """The ground-truth cue of the chunk's crops ``(N, K, h, w)`` (stage 1 is not run)."""
        if len(crops) != len(self._cue):
            raise RuntimeError(f'{len(crops)} crops but {len(self._cue)} cue heatmaps')
        device = next(self.model.parameters()).device
        return torch.from_numpy(np.stack(self._cue)).float().to(device)
