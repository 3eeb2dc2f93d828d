"""PoseTrack18 with sparse labels for PoseWarper: (Frame A, Frame B) pairs and test windows."""
from typing import Optional, Sequence, Union

import numpy as np
from mmpose.registry import DATASETS

from ..fileio import FRAME_NAME_DIGITS, frame_path
from .frame_window import (OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS, PAIR_WEIGHTS, check_frame_range,
                           check_frame_window, clip_window)
from .posetrack_sparse_dataset import PoseTrackSparseDataset


@DATASETS.register_module()
class PoseTrackSparseClipDataset(PoseTrackSparseDataset):
    """:class:`PoseTrackSparseDataset` samples with the frames around them: training pairs and
    test windows.

    The frames of a sample are resolved from the image fields ``file_name``, ``frame_id``,
    ``vid_id`` and ``nframes``: the neighbour at offset ``d`` of ``<dir>/<idx>.jpg`` is
    ``<dir>/<idx + d>.jpg`` (zero-padded to ``ph_fill_len`` digits) with ``idx + d`` clipped to
    ``[0, nframes - 1]``. Unlabelled frames are used this way as supporting frames.

    Training (``test_mode=False``): sample ``i`` is Frame A (a labelled person) plus Frame B at
    offset ``δ``, drawn uniformly from ``frame_range`` in every :meth:`get_data_info` call, so
    each epoch sees new pairs (MMPose's ``PoseTrack18VideoDataset`` draws once at load time).
    Draws use numpy's global RNG, which ``randomness=dict(seed=...)`` and mmengine's worker
    seeding make reproducible. As in the official code the index is clipped at the video ends,
    so the effective offset there may be smaller than ``δ``, or 0. With ``allow_zero_offset=False``
    only non-zero offsets that stay inside the video are drawn instead.

    Test (``test_mode=True``): sample ``i`` is the window ``t + frame_offsets`` around the
    annotated (or detected) person's frame ``t``, with ``frame_weights``; indices are clipped at
    the video ends (the clipped frame is loaded twice).

    Every sample follows the multi-frame contract of ``docs/design.md``: the reference frame
    comes first and ``frame_offsets`` holds the effective (clipped) offsets, so
    ``frame_offsets[0] == 0``.

    Args:
        frame_range (int | Sequence[int]): Training offset range ``(low, high)``, both ends
            included; an int ``r`` means ``(-r, r)``. Default: ``(-3, 3)``.
        allow_zero_offset (bool): Whether training may draw ``δ = 0`` (Frame B = Frame A), as
            the official code does. Default: ``True``.
        frame_offsets (Sequence[int], optional): Test-window offsets, reference first (``0``).
            Default: the official ``(0, -1, 1, -2, 2)`` in test mode; must be ``None`` in
            training.
        frame_weights (Sequence[float], optional): Aggregation weight of each frame, summing
            to 1. Default: ``(0.0, 1.0)`` in training, the official
            ``(0.3, 0.25, 0.25, 0.1, 0.1)`` in test mode.
        ph_fill_len (int): Digits of the zero-padded frame file names. Default: 6.
        **kwargs: The arguments of :class:`PoseTrackSparseDataset` (``ann_file``,
            ``label_interval``, ``bbox_file``, ``pipeline``, ``test_mode``, ...).

    Data info of a sample: that of :class:`PoseTrackSparseDataset`, with

        - ``img_path`` (List[str]): T frame paths, reference first;
        - ``frame_offsets`` (List[int]): T effective offsets, ``frame_offsets[0] == 0``;
        - ``frame_weights`` (List[float]): T weights.
    """

    def __init__(self,
                 frame_range: Union[int, Sequence[int]] = (-3, 3),
                 allow_zero_offset: bool = True,
                 frame_offsets: Optional[Sequence[int]] = None,
                 frame_weights: Optional[Sequence[float]] = None,
                 ph_fill_len: int = FRAME_NAME_DIGITS,
                 test_mode: bool = False,
                 **kwargs) -> None:
        self.allow_zero_offset = bool(allow_zero_offset)
        self.frame_range = check_frame_range(frame_range, self.allow_zero_offset)
        if test_mode:
            if frame_offsets is not None and frame_weights is None:
                raise ValueError('frame_weights must be given together with frame_offsets')
            self.frame_offsets, self.frame_weights = check_frame_window(
                OFFICIAL_OFFSETS if frame_offsets is None else frame_offsets,
                OFFICIAL_WEIGHTS if frame_weights is None else frame_weights)
        else:
            if frame_offsets is not None:
                raise ValueError('frame_offsets applies to test_mode=True only; training draws '
                                 'the supporting frame from frame_range')
            weights = PAIR_WEIGHTS if frame_weights is None else frame_weights
            if len(weights) != 2:
                raise ValueError(f'frame_weights must have 2 entries (Frame A, Frame B) in '
                                 f'training, got {list(weights)}')
            # the pair's offsets are drawn per sample; (0, 0) stands for them in the check
            _, self.frame_weights = check_frame_window((0, 0), weights)
            self.frame_offsets = None
        if not isinstance(ph_fill_len, int) or ph_fill_len < 1:
            raise ValueError(f'ph_fill_len must be a positive int, got {ph_fill_len!r}')
        self.ph_fill_len = ph_fill_len
        super().__init__(test_mode=test_mode, **kwargs)

    def _draw_offset(self, frame_idx: int, nframes: int) -> int:
        """Draw the training offset of Frame B and return it after clipping to the video."""
        low, high = self.frame_range
        if self.allow_zero_offset:
            delta = int(np.random.randint(low, high + 1))
            return clip_window(frame_idx, [delta], nframes)[0]
        # Clipping could turn a non-zero draw into 0: draw among the offsets that stay inside.
        candidates = [d for d in range(low, high + 1)
                      if d != 0 and 0 <= frame_idx + d < nframes]
        if not candidates:
            # A single-frame video (or a range that lies outside the video): pair A with itself.
            return 0
        return int(candidates[np.random.randint(len(candidates))])

    def get_data_info(self, idx: int) -> dict:
        """Get sample ``idx`` with its frames; training draws Frame B anew on every call.

        Args:
            idx (int): Sample index.

        Returns:
            dict: The data info, ``img_path`` being the list of T frame paths (reference first).
        """
        data_info = super().get_data_info(idx)
        frame_idx, nframes = data_info['frame_idx'], data_info['nframes']
        if self.test_mode:
            offsets = clip_window(frame_idx, self.frame_offsets, nframes)
        else:
            offsets = [0, self._draw_offset(frame_idx, nframes)]
        ref_path = data_info['img_path']
        data_info['img_path'] = [ref_path] + [
            frame_path(ref_path, frame_idx + o, self.ph_fill_len) for o in offsets[1:]]
        data_info['frame_offsets'] = offsets
        data_info['frame_weights'] = list(self.frame_weights)
        return data_info
