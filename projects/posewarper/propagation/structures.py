"""The data that flows through pose propagation: poses and propagation tasks."""
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

#: ``get_frame(frame_idx)`` returns the BGR image ``(H, W, 3)`` uint8 of a frame of the video.
FrameGetter = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class Pose:
    """One person's pose in one frame, in image pixels.

    Attributes:
        keypoints (np.ndarray): ``(K, 2)`` joint coordinates (x, y).
        visible (np.ndarray): ``(K, )`` PoseTrack visibility flags (the third keypoint value).
        exists (np.ndarray): ``(K, )`` bool; a joint that is not annotated (stored as exactly
            ``0, 0, 0``) does not exist and is never propagated.
        bbox (np.ndarray): ``(4, )`` person box ``x1, y1, x2, y2``.
        track_id (int): Track id of the person.
        scores (np.ndarray, optional): ``(K, )`` per-joint confidence of a propagated pose.
        bbox_head (np.ndarray, optional): ``(4, )`` head box ``x, y, w, h`` (PoseTrack field).
        ann_id (int, optional): Id of the annotation this pose comes from.
    """
    keypoints: np.ndarray
    visible: np.ndarray
    exists: np.ndarray
    bbox: np.ndarray
    track_id: int
    scores: Optional[np.ndarray] = None
    bbox_head: Optional[np.ndarray] = None
    ann_id: Optional[int] = None

    @property
    def num_keypoints(self) -> int:
        return int(self.keypoints.shape[0])

    def moved(self, keypoints: np.ndarray, scores: np.ndarray,
              exists: Optional[np.ndarray] = None) -> 'Pose':
        """This person with new joint positions, as propagated to another frame.

        The boxes follow the joints: they are translated by the median displacement of the
        joints that exist in both poses (0 if none), which keeps their size and their margin
        around the body for the small time gaps of propagation.

        Args:
            keypoints (np.ndarray): ``(K, 2)`` new joint positions.
            scores (np.ndarray): ``(K, )`` per-joint confidences.
            exists (np.ndarray, optional): ``(K, )`` joints that could be propagated; must be a
                subset of :attr:`exists`. Default: :attr:`exists`.

        Returns:
            Pose: The propagated pose; joints that do not exist are set to ``0, 0``, score 0.
        """
        exists = self.exists if exists is None else (self.exists & exists)
        keypoints = np.where(exists[:, None], np.asarray(keypoints, dtype=np.float64), 0.0)
        scores = np.where(exists, np.asarray(scores, dtype=np.float64), 0.0)
        if exists.any():
            shift = np.median(keypoints[exists] - self.keypoints[exists], axis=0)
        else:
            shift = np.zeros(2)
        bbox_head = None
        if self.bbox_head is not None:
            bbox_head = self.bbox_head + np.array([shift[0], shift[1], 0.0, 0.0])
        return replace(
            self,
            keypoints=keypoints,
            exists=exists,
            visible=np.where(exists, self.visible, 0),
            scores=scores,
            bbox=self.bbox + np.tile(shift, 2),
            bbox_head=bbox_head)


@dataclass(frozen=True)
class PropagationTask:
    """The labelled persons of one labelled frame and the unlabelled frames they feed.

    Attributes:
        source (int): Frame index (in its video) of the labelled Frame A.
        targets (Tuple[int, ...]): Frame indices of the unlabelled frames B that take their
            pose from ``source`` (see :func:`~.protocol.assign_sources`), ascending.
        persons (Tuple[Pose, ...]): The labelled persons of Frame A.
    """
    source: int
    targets: Tuple[int, ...]
    persons: Tuple[Pose, ...] = field(default_factory=tuple)

    def offsets(self) -> List[int]:
        """``target - source`` of every target (the paper's time gap δ)."""
        return [t - self.source for t in self.targets]


#: The result of a method for one task: per target frame, the propagated poses of the task's
#: persons, in the order of :attr:`PropagationTask.persons`.
TaskResult = Dict[int, List[Pose]]
