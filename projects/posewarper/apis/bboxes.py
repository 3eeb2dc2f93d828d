"""Person boxes as the arrays the inference path takes: ``(P, 5)`` ``x1, y1, x2, y2, score``."""
from typing import Optional, Sequence, Union

import numpy as np


def as_bboxes(bboxes: Optional[Union[np.ndarray, Sequence]], img: np.ndarray) -> np.ndarray:
    """Person boxes as a ``(P, 5)`` float32 array ``x1, y1, x2, y2, score``.

    Args:
        bboxes (np.ndarray | Sequence, optional): ``(P, 4)`` or ``(P, 5)`` boxes, one box as a
            flat list, an empty list (nobody), or ``None`` (the whole frame, score 1).
        img (np.ndarray): The frame ``(H, W, C)``.

    Returns:
        np.ndarray: ``(P, 5)``; missing scores are 1.
    """
    if bboxes is None:
        h, w = img.shape[:2]
        return np.array([[0, 0, w, h, 1]], dtype=np.float32)
    try:
        boxes = np.asarray(bboxes, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise ValueError(f'bboxes must be (P, 4) or (P, 5) arrays (x1, y1, x2, y2[, score]), '
                         f'got {bboxes!r}: {e}') from None
    if boxes.size == 0:
        return np.zeros((0, 5), dtype=np.float32)
    if boxes.ndim == 1:
        boxes = boxes[None]
    if boxes.ndim != 2 or boxes.shape[1] not in (4, 5):
        raise ValueError(f'bboxes must be (P, 4) or (P, 5) arrays (x1, y1, x2, y2[, score]), '
                         f'got shape {boxes.shape}')
    if boxes.shape[1] == 4:
        boxes = np.concatenate([boxes, np.ones((len(boxes), 1), np.float32)], axis=1)
    return boxes
