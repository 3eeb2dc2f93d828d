"""Top-down person crops for the model-based methods, made with MMPose's own transforms.

(Crops are mapped back to the image by :func:`posewarper.apis.inference.input_to_image`.)
"""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.config import Config, ConfigDict
from mmpose.registry import TRANSFORMS

#: The transforms of a top-down test pipeline that turn an image and a box into a crop.
CROP_TRANSFORMS = ('GetBBoxCenterScale', 'TopdownAffine')


def crop_transform_cfgs(cfg: Config) -> List[dict]:
    """``GetBBoxCenterScale`` and ``TopdownAffine`` of a config's test pipeline.

    Propagation crops exactly as the model is tested (box padding, input size, UDP), so the
    model sees the inputs it was trained for.

    Args:
        cfg (Config): A top-down MMPose config.

    Returns:
        list[dict]: The two transform configs, in pipeline order.

    Raises:
        ValueError: If the test pipeline lacks one of them.
    """
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', [])
    found = {}
    for t in pipeline:
        name = t['type'] if isinstance(t['type'], str) else t['type'].__name__
        if name in CROP_TRANSFORMS:
            found[name] = dict(t)
    missing = [name for name in CROP_TRANSFORMS if name not in found]
    if missing:
        raise ValueError(f'config {cfg.filename}: test_dataloader.dataset.pipeline lacks '
                         f'{missing}; a top-down test pipeline is needed to crop persons')
    return [found[name] for name in CROP_TRANSFORMS]


class TopdownCropper:
    """Crop one or more frames with the same person box, as a top-down test pipeline does.

    Args:
        transforms (Sequence[dict]): ``GetBBoxCenterScale`` and ``TopdownAffine`` configs,
            e.g. from :func:`crop_transform_cfgs`.
    """

    def __init__(self, transforms: Sequence[dict]):
        self.transforms = [
            TRANSFORMS.build(ConfigDict(t)) if isinstance(t, dict) else t for t in transforms
        ]

    @classmethod
    def from_config(cls, cfg: Config) -> 'TopdownCropper':
        return cls(crop_transform_cfgs(cfg))

    def __call__(self,
                 images: List[np.ndarray],
                 bbox: np.ndarray,
                 keypoints: Optional[np.ndarray] = None,
                 keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Crop ``images`` with the box ``bbox`` (one affine warp for all of them).

        Args:
            images (list[np.ndarray]): Frames ``(H, W, 3)``.
            bbox (np.ndarray): ``(4, )`` box ``x1, y1, x2, y2`` in image pixels.
            keypoints (np.ndarray, optional): ``(K, 2)`` joints to map into the crop.
            keypoints_visible (np.ndarray, optional): ``(K, )`` their weights.

        Returns:
            dict: MMPose's results: ``img`` (list of crops ``(h_in, w_in, 3)``),
            ``input_center``, ``input_scale``, ``input_size`` and, with ``keypoints``,
            ``transformed_keypoints`` ``(1, K, 2)`` in crop pixels.
        """
        results = dict(
            img=list(images),
            bbox=np.asarray(bbox, dtype=np.float32).reshape(1, 4),
            bbox_score=np.ones(1, dtype=np.float32),
            img_shape=images[0].shape[:2])
        if keypoints is not None:
            results['keypoints'] = np.asarray(keypoints, dtype=np.float32)[None]
            results['keypoints_visible'] = np.asarray(keypoints_visible, dtype=np.float32)[None]
        for transform in self.transforms:
            results = transform(results)
        return results
