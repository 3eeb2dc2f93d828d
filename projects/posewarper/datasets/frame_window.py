"""Frame windows: which neighbours of a frame a sample holds, and their weights.

The one place for the official window and its checks; the datasets, the streaming aggregator
and the inferencer all take their windows from here (the convention is in ``docs/design.md``:
the reference frame's offset ``0`` comes first).
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

#: The official test window of PoseWarper (PoseTrack18): offsets ±2, reference first.
OFFICIAL_OFFSETS: Tuple[int, ...] = (0, -1, 1, -2, 2)
#: Its aggregation weights.
OFFICIAL_WEIGHTS: Tuple[float, ...] = (0.3, 0.25, 0.25, 0.1, 0.1)
#: Training pairs ``[A, B]``: only the warped Frame B enters the loss.
PAIR_WEIGHTS: Tuple[float, ...] = (0.0, 1.0)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_frame_window(frame_offsets: Sequence[int],
                       frame_weights: Sequence[float]) -> Tuple[List[int], List[float]]:
    """Validate a window.

    Args:
        frame_offsets (Sequence[int]): T offsets, the reference frame's ``0`` first.
        frame_weights (Sequence[float]): T non-negative weights summing to 1.

    Returns:
        tuple: The offsets as ints and the weights as floats.

    Raises:
        ValueError: If the window breaks one of these rules.
    """
    offsets = list(frame_offsets)
    if not offsets or not all(_is_int(o) for o in offsets):
        raise ValueError(f'frame_offsets must be a non-empty list of ints, got {frame_offsets!r}')
    if offsets[0] != 0:
        raise ValueError(f'frame_offsets must start with 0 (the reference frame comes first), '
                         f'got {offsets}')
    weights = [float(w) for w in frame_weights]
    if len(weights) != len(offsets):
        raise ValueError(f'frame_weights ({len(weights)} entries) must match frame_offsets '
                         f'({len(offsets)} entries)')
    if any(not w >= 0 for w in weights) or not np.isclose(sum(weights), 1.0):
        raise ValueError(f'frame_weights must be >= 0 and sum to 1, got {weights}')
    return [int(o) for o in offsets], weights


def temporal_window(k: int, frame_weights: Optional[Sequence[float]] = None
                    ) -> Tuple[List[int], List[float]]:
    """Offsets and weights of the window ``-k..k``.

    Offsets are ordered ``0, -1, 1, ..., -k, k`` (reference first). Weights: ``frame_weights`` if
    given (in that order); else the official ones for ``k == 2``, and otherwise the triangular
    weights ``(k + 1 - |δ|)`` normalised to sum 1 (``k = 1``: ``0.5, 0.25, 0.25``; ``k = 0``:
    ``1``).

    Args:
        k (int): Half window, ``>= 0``; 0 is single-frame.
        frame_weights (Sequence[float], optional): Explicit weights, ``2k + 1`` entries summing
            to 1.

    Returns:
        tuple: ``frame_offsets`` and ``frame_weights``.
    """
    if not _is_int(k) or k < 0:
        raise ValueError(f'temporal_window must be an int >= 0 (0: single frame, k: offsets '
                         f'-k..k), got {k!r}')
    offsets = [0] + [s * d for d in range(1, k + 1) for s in (-1, 1)]
    if frame_weights is None:
        if tuple(offsets) == OFFICIAL_OFFSETS:
            frame_weights = OFFICIAL_WEIGHTS
        else:
            raw = np.array([k + 1 - abs(o) for o in offsets], dtype=np.float64)
            frame_weights = (raw / raw.sum()).tolist()
    elif len(frame_weights) != len(offsets):
        raise ValueError(f'temporal_window={k} needs {len(offsets)} frame_weights (offsets '
                         f'{offsets}), got {len(frame_weights)}: {list(frame_weights)}')
    return check_frame_window(offsets, frame_weights)


def check_frame_range(frame_range: Union[int, Sequence[int]],
                      allow_zero_offset: bool) -> Tuple[int, int]:
    """Validate the training offset range of Frame B.

    Args:
        frame_range (int | Sequence[int]): ``(low, high)``, both included; ``r`` means
            ``(-r, r)``.
        allow_zero_offset (bool): Whether ``δ = 0`` may be drawn.

    Returns:
        tuple[int, int]: ``(low, high)``.
    """
    if _is_int(frame_range):
        if frame_range < 0:
            raise ValueError(f'frame_range must be >= 0 when an int, got {frame_range}')
        low, high = -int(frame_range), int(frame_range)
    elif isinstance(frame_range, Sequence) and len(frame_range) == 2 \
            and all(_is_int(x) for x in frame_range):
        low, high = int(frame_range[0]), int(frame_range[1])
        if low > high:
            raise ValueError(f'frame_range must be (low, high) with low <= high, '
                             f'got {tuple(frame_range)}')
    else:
        raise ValueError(f'frame_range must be an int or a pair of ints, got {frame_range!r}')
    if not allow_zero_offset and low == high == 0:
        raise ValueError('frame_range=(0, 0) leaves no offset when allow_zero_offset=False')
    return low, high


def clip_window(frame_idx: int, frame_offsets: Sequence[int], num_frames: int) -> List[int]:
    """The offsets of a window after clipping ``frame_idx + δ`` to ``[0, num_frames - 1]``
    (the PoseTrack test protocol: a window at a video end repeats the end frame).

    Returns:
        list[int]: The effective offsets, same order.
    """
    return [min(max(frame_idx + o, 0), num_frames - 1) - frame_idx for o in frame_offsets]
