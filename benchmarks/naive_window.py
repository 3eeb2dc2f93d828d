"""The reference path of temporal aggregation: ``PoseWarper.predict`` on every window.

:class:`~posewarper.apis.StreamingAggregator` must produce the heatmaps of this path (up to float
rounding) with less work; ``benchmarks/aggregation.py`` times the two, and the tests compare them
(``tests/test_apis/test_streaming_aggregator.py`` imports it from here).
"""
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmpose.structures import PoseDataSample

from posewarper.apis import as_bboxes
from posewarper.datasets import OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS, check_frame_window


def naive_window_predict(model: nn.Module,
                         pipeline: Callable,
                         frames: Sequence[np.ndarray],
                         frame_idx: int,
                         bboxes: Optional[Union[np.ndarray, Sequence]] = None,
                         frame_offsets: Sequence[int] = OFFICIAL_OFFSETS,
                         frame_weights: Sequence[float] = OFFICIAL_WEIGHTS,
                         dataset_meta: Optional[dict] = None,
                         img_path: Optional[str] = None) -> List[PoseDataSample]:
    """``PoseWarper.predict`` on the window of each box of one frame.

    Each window holds frames ``clip(frame_idx + δ)`` (clipped to ``frames``) cropped with the box
    of ``frame_idx``, reference first, as the test dataset builds them; the whole window goes
    through the backbone and the head's :meth:`aggregate`.

    Args:
        model (nn.Module): The estimator (eval mode).
        pipeline (Callable): The model's multi-frame test pipeline.
        frames (Sequence[np.ndarray]): All frames of the video.
        frame_idx (int): The reference frame.
        bboxes (np.ndarray, optional): ``(P, 4|5)`` boxes of the reference frame; ``None`` is
            the whole frame.
        frame_offsets (Sequence[int]): The window's offsets, reference first.
        frame_weights (Sequence[float]): Their weights.
        dataset_meta (dict, optional): Default: ``model.dataset_meta``.
        img_path (str, optional): ``img_path`` of the samples.

    Returns:
        List[PoseDataSample]: One per box, as ``model.test_step`` returns them.
    """
    offsets, weights = check_frame_window(frame_offsets, frame_weights)
    boxes = as_bboxes(bboxes, frames[frame_idx])
    if len(boxes) == 0:
        return []
    meta = dataset_meta if dataset_meta is not None else getattr(model, 'dataset_meta', {})
    # clipped here, not with the library's clip_window: this path is the independent reference
    idx = [min(max(frame_idx + o, 0), len(frames) - 1) for o in offsets]
    samples = []
    for box in boxes:
        samples.append(pipeline(dict(
            img=[frames[j] for j in idx],
            img_path=img_path or f'{frame_idx:06d}.jpg',
            bbox=box[None, :4],
            bbox_score=box[4:5],
            frame_offsets=[j - frame_idx for j in idx],
            frame_weights=weights,
            **(meta or {}))))
    with torch.no_grad():
        return model.test_step(pseudo_collate(samples))
