"""Pack a multi-frame sample into the ``T x 3 x H x W`` contract of ``docs/design.md``."""
import inspect
from typing import Optional, Sequence

import numpy as np
from mmpose.datasets.transforms import PackPoseInputs
from mmpose.registry import TRANSFORMS

# PackPoseInputs' own default meta keys, read from its signature so they stay in sync.
_BASE_META_KEYS = tuple(
    inspect.signature(PackPoseInputs.__init__).parameters['meta_keys'].default)
MULTI_FRAME_META_KEYS = _BASE_META_KEYS + (
    'frame_offsets', 'frame_weights', 'vid_id', 'frame_id', 'frame_idx', 'nframes', 'track_id')


@TRANSFORMS.register_module()
class PackMultiFramePoseInputs(PackPoseInputs):
    """:class:`PackPoseInputs` for multi-frame samples.

    MMPose's ``image_to_tensor`` already stacks a list of frames into ``(T, C, H, W)``; this
    subclass adds the multi-frame meta keys to the defaults, keeps a single frame 4-D
    (``T = 1``) and checks the sample against the contract: ``frame_offsets`` and
    ``frame_weights`` have one entry per frame and ``frame_offsets[0] == 0``.

    Args:
        meta_keys (Sequence[str], optional): Meta keys to pack. Default: ``None``, meaning
            :class:`PackPoseInputs`' defaults plus ``frame_offsets``, ``frame_weights``,
            ``vid_id``, ``frame_id``, ``frame_idx``, ``nframes`` and ``track_id``.
        pack_transformed (bool): See :class:`PackPoseInputs`. Default: ``False``.

    Returns (of :meth:`transform`):
        dict: ``inputs`` of shape ``(T, C, H, W)`` (uint8 unless the frames were converted) and
        ``data_samples``, whose ``gt_fields.heatmaps`` (``K x h x w``) and
        ``gt_instance_labels.keypoint_weights`` (``1 x K``) belong to the reference frame.
    """

    def __init__(self,
                 meta_keys: Optional[Sequence[str]] = None,
                 pack_transformed: bool = False) -> None:
        super().__init__(
            meta_keys=MULTI_FRAME_META_KEYS if meta_keys is None else tuple(meta_keys),
            pack_transformed=pack_transformed)

    def transform(self, results: dict) -> dict:
        """Pack the frames, the reference-frame targets and the meta information.

        Args:
            results (dict): Result dict whose ``img`` is a list of T ``(H, W, C)`` frames.

        Returns:
            dict: ``inputs`` (``T x C x H x W`` tensor) and ``data_samples``.
        """
        if 'img' not in results:
            raise KeyError(f'{self.__class__.__name__} needs the frames in results["img"]')
        if isinstance(results['img'], np.ndarray):
            results['img'] = [results['img']]
        num_frames = len(results['img'])
        for key in ('frame_offsets', 'frame_weights'):
            if key in results and len(results[key]) != num_frames:
                raise ValueError(f'{self.__class__.__name__}: {key} has {len(results[key])} '
                                 f'entries for {num_frames} frames ({results.get("img_path")})')
        if 'frame_offsets' in results and results['frame_offsets'][0] != 0:
            raise ValueError(f'{self.__class__.__name__}: frame_offsets[0] must be 0 (reference '
                             f'frame first), got {list(results["frame_offsets"])}')
        return super().transform(results)
