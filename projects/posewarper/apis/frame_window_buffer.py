"""The frames of a video buffered until the temporal window of each frame is complete."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from ..datasets.frame_window import (OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS, check_frame_window,
                                     clip_window)
from .bboxes import as_bboxes


@dataclass
class FrameWindow:
    """Everything needed to aggregate the pose of one frame: its window of frames.

    Attributes:
        frame_idx (int): Index ``t`` of the reference frame in the stream.
        img (np.ndarray): The reference frame ``(H, W, 3)``.
        boxes (np.ndarray): Its person boxes ``(P, 5)`` ``x1, y1, x2, y2, score``.
        frames (Dict[int, np.ndarray]): The distinct frames of the window after clipping to the
            video (``t`` included), by index.
        weights (Dict[int, float]): Summed weight of each distinct frame; frames whose offsets all
            have weight 0 are absent (as ``PoseWarperHead.aggregate``, they are not warped).
        meta (dict): The keyword arguments given to :meth:`FrameWindowBuffer.push` with frame t.
        keep_from (int): The oldest frame index that a later window can still read: cached
            per-frame work on older frames may be dropped.
        samples (List[dict], optional): The reference crops packed by the test pipeline, one
            per box, once :meth:`StreamingAggregator.pack` has run.
    """
    frame_idx: int
    img: np.ndarray
    boxes: np.ndarray
    frames: Dict[int, np.ndarray]
    weights: Dict[int, float]
    meta: dict = field(default_factory=dict)
    keep_from: int = 0
    samples: Optional[List[dict]] = None


class FrameWindowBuffer:
    """Buffer the frames of a video until each frame's window ``t + δ`` has arrived.

    Frame ``t`` is released (as a :class:`FrameWindow`) when frame ``t + max(δ)`` has been
    pushed, the remaining frames by :meth:`flush` at the end of the video. Indices outside the
    video are clipped to it like :class:`PoseTrackSparseClipDataset` does in test mode, so a
    window at a video end repeats the end frame. Only the last ``max(δ) - min(δ) + 1`` frames
    are kept.

    Args:
        frame_offsets (Sequence[int]): Window offsets ``δ``, reference (``0``) first.
            Default: ``(0, -1, 1, -2, 2)``.
        frame_weights (Sequence[float]): Weight of each offset, summing to 1.
            Default: ``(0.3, 0.25, 0.25, 0.1, 0.1)``.
    """

    def __init__(self,
                 frame_offsets: Sequence[int] = OFFICIAL_OFFSETS,
                 frame_weights: Sequence[float] = OFFICIAL_WEIGHTS) -> None:
        self.frame_offsets, self.frame_weights = check_frame_window(frame_offsets, frame_weights)
        self.min_offset, self.max_offset = min(self.frame_offsets), max(self.frame_offsets)
        self.reset()

    def reset(self) -> None:
        """Forget the current video."""
        self._frames: Dict[int, np.ndarray] = {}
        self._boxes: Dict[int, np.ndarray] = {}
        self._meta: Dict[int, dict] = {}
        self._num_frames = 0
        self._next = 0

    @property
    def num_frames(self) -> int:
        """Frames pushed since the last reset."""
        return self._num_frames

    @property
    def num_pending(self) -> int:
        """Frames pushed but not released yet."""
        return self._num_frames - self._next

    def push(self,
             img: np.ndarray,
             bboxes: Optional[Union[np.ndarray, Sequence]] = None,
             **meta) -> List[FrameWindow]:
        """Add the next frame; return the windows that are now complete, in frame order.

        Args:
            img (np.ndarray): The frame, ``(H, W, 3)``.
            bboxes (np.ndarray, optional): Its person boxes ``(P, 4|5)``; ``None``: the whole
                frame; an empty array: nobody.
            **meta: Kept with the frame (e.g. ``img_path``).

        Returns:
            List[FrameWindow]: Zero or more windows.
        """
        if not isinstance(img, np.ndarray) or img.ndim != 3:
            raise ValueError(f'img must be an (H, W, C) array, got {type(img).__name__} '
                             f'{getattr(img, "shape", "")}')
        t = self._num_frames
        self._frames[t] = img
        self._boxes[t] = as_bboxes(bboxes, img)
        self._meta[t] = meta
        self._num_frames += 1
        windows = []
        while self._next + self.max_offset < self._num_frames:
            windows.append(self._release_next())
        return windows

    def flush(self) -> List[FrameWindow]:
        """End the video: release every pending frame (windows clipped at the end) and reset."""
        windows = [self._release_next() for _ in range(self.num_pending)]
        self.reset()
        return windows

    def _release_next(self) -> FrameWindow:
        t = self._next
        weights: Dict[int, float] = {}
        for offset, weight in zip(clip_window(t, self.frame_offsets, self._num_frames),
                                  self.frame_weights):
            if weight:
                weights[t + offset] = weights.get(t + offset, 0.0) + weight
        frames = {j: self._frames[j] for j in sorted({t, *weights})}
        self._next += 1
        # Windows t' > t never read frames before t + 1 + min_offset.
        keep_from = self._next + self.min_offset
        window = FrameWindow(t, self._frames[t], self._boxes[t], frames, weights, self._meta[t],
                             keep_from)
        for idx in [i for i in self._frames if i < keep_from]:
            del self._frames[idx], self._boxes[idx], self._meta[idx]
        return window
