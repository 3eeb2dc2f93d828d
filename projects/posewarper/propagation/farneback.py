"""``farneback``: keypoints carried along OpenCV's Farneback optical flow (the paper's baseline)."""
from typing import Dict, List, Sequence, Set

import cv2
import numpy as np

from ..registry import PROPAGATORS
from .base import BasePropagator
from .structures import FrameGetter, PropagationTask, TaskResult


def sample_bilinear(field: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinearly interpolate a dense 2-channel field at sub-pixel points.

    Points outside the image take the value of the nearest border pixel.

    Args:
        field (np.ndarray): ``(H, W, 2)`` field, e.g. optical flow ``(dx, dy)``.
        points (np.ndarray): ``(N, 2)`` points ``(x, y)`` in pixels (pixel centres at integers).

    Returns:
        np.ndarray: ``(N, 2)`` interpolated values.
    """
    h, w = field.shape[:2]
    x = np.clip(points[:, 0], 0, w - 1)
    y = np.clip(points[:, 1], 0, h - 1)
    x0 = np.minimum(np.floor(x).astype(np.int64), max(w - 2, 0))
    y0 = np.minimum(np.floor(y).astype(np.int64), max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    ax, ay = (x - x0)[:, None], (y - y0)[:, None]
    top = field[y0, x0] * (1 - ax) + field[y0, x1] * ax
    bottom = field[y1, x0] * (1 - ax) + field[y1, x1] * ax
    return top * (1 - ay) + bottom * ay


@PROPAGATORS.register_module(name='farneback')
class FarnebackPropagator(BasePropagator):
    """Move each labelled joint frame by frame along Farneback optical flow.

    From the labelled frame outwards, the flow from frame ``t`` to its neighbour ``t ± 1`` is
    computed on grey images and sampled bilinearly at the current joint positions, which then
    move by it; so the pose reaches ``A ± d`` after ``d`` flow steps, each step computed once per
    video. Every joint gets score 1.0 (Farneback gives no confidence).

    Args:
        pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags: The parameters of
            ``cv2.calcOpticalFlowFarneback``; the defaults are OpenCV's usual ones.
    """

    name = 'farneback'

    def __init__(self,
                 pyr_scale: float = 0.5,
                 levels: int = 3,
                 winsize: int = 15,
                 iterations: int = 3,
                 poly_n: int = 5,
                 poly_sigma: float = 1.2,
                 flags: int = 0):
        self.params = dict(pyr_scale=pyr_scale, levels=levels, winsize=winsize,
                           iterations=iterations, poly_n=poly_n, poly_sigma=poly_sigma,
                           flags=flags)

    def frames_needed(self, tasks: Sequence[PropagationTask]) -> Set[int]:
        # the chain passes through every frame between the labelled frame and its targets
        needed = set()
        for task in tasks:
            if task.targets:
                lo, hi = min(task.source, *task.targets), max(task.source, *task.targets)
                needed.update(range(lo, hi + 1))
        return needed

    def flow(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """Dense flow ``(H, W, 2)`` from image ``src`` to image ``dst`` (BGR or grey)."""
        src, dst = (cv2.cvtColor(im, cv2.COLOR_BGR2GRAY) if im.ndim == 3 else im
                    for im in (src, dst))
        return cv2.calcOpticalFlowFarneback(src, dst, None, **self.params)

    def propagate(self, tasks: Sequence[PropagationTask],
                  get_frame: FrameGetter) -> List[TaskResult]:
        results = []
        for task in tasks:
            result: Dict[int, list] = {}
            if task.persons:
                start = np.stack([p.keypoints for p in task.persons])  # (P, K, 2)
                for step in (1, -1):
                    ends = [t for t in task.targets if (t - task.source) * step > 0]
                    if not ends:
                        continue
                    points = start.reshape(-1, 2).astype(np.float64)
                    frame, last = task.source, max(ends, key=lambda t: abs(t - task.source))
                    while frame != last:
                        flow = self.flow(get_frame(frame), get_frame(frame + step))
                        points = points + sample_bilinear(flow, points)
                        frame += step
                        if frame in ends:
                            moved = points.reshape(start.shape)
                            result[frame] = [
                                p.moved(moved[i], np.ones(p.num_keypoints))
                                for i, p in enumerate(task.persons)
                            ]
            else:
                result = {t: [] for t in task.targets}
            results.append({t: result[t] for t in task.targets})
        return results
