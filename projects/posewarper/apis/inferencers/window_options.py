"""The temporal window of an inference run: from the call's options, or from the config."""
from typing import List, Optional, Sequence, Tuple

from mmengine.config import Config, ConfigDict

from ...datasets.frame_window import check_frame_window, temporal_window


def config_frame_window(cfg: Config) -> Tuple[List[int], List[float]]:
    """The window a config tests with: its test dataset's ``frame_offsets`` / ``frame_weights``.

    A config whose test dataset has no window (a single-frame top-down config) gives the single
    frame ``([0], [1.0])``.

    Args:
        cfg (Config): A top-down config.

    Returns:
        tuple: ``frame_offsets`` (reference first) and ``frame_weights``.
    """
    dataset = cfg.get('test_dataloader', ConfigDict()).get('dataset', ConfigDict())
    offsets = dataset.get('frame_offsets')
    if offsets is None:
        return [0], [1.0]
    weights = dataset.get('frame_weights')
    if weights is None:
        raise ValueError(f'config {cfg.filename}: test_dataloader.dataset has frame_offsets '
                         'but no frame_weights')
    return check_frame_window(offsets, weights)


def frame_window(k: Optional[int] = None, frame_weights: Optional[Sequence[float]] = None
                 ) -> Tuple[List[int], List[float]]:
    """The window ``-k..k`` of the ``temporal_window`` / ``frame_weights`` options.

    Args:
        k (int, optional): Half window; when ``None``, ``frame_weights`` gives it
            (``2k + 1`` weights).
        frame_weights (Sequence[float], optional): Weights of the offsets ``0, -1, 1, ...``;
            default: see :func:`~posewarper.datasets.frame_window.temporal_window`.

    Returns:
        tuple: ``frame_offsets`` and ``frame_weights``.
    """
    if k is None:
        if frame_weights is None or len(frame_weights) % 2 != 1:
            raise ValueError('frame_weights without temporal_window must have 2k+1 entries '
                             f'(offsets 0, -1, 1, ..., -k, k), got {frame_weights!r}')
        k = len(frame_weights) // 2
    return temporal_window(k, frame_weights)
