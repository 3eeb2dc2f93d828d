"""Run single-image transforms on every frame of a multi-frame sample with shared randomness."""
import copy
import random
from typing import Callable, List, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class FrameBroadcaster(BaseTransform):
    """Apply transforms that accept one image to all T frames with identical random draws.

    MMPose's geometric top-down transforms (``GetBBoxCenterScale``, ``RandomFlip``,
    ``RandomHalfBody``, ``RandomBBoxTransform``, ``TopdownAffine``) already handle
    ``results['img']`` as a list, drawing their parameters once per sample, so they need no
    wrapper. Others, such as ``PhotometricDistortion`` or ``Albumentation``, take a single image;
    this wrapper runs them once per frame and restores numpy's and Python's global random state
    before each run, so every frame gets the parameters drawn for the reference frame (as the
    official PoseWarper code shares its augmentation between Frame A and Frame B). Non-image
    results (keypoints, boxes, ...) are taken from the reference frame's run.

    Unlike ``mmcv``'s ``TransformBroadcaster`` with ``share_random_params``, this also covers
    transforms whose randomness is not declared with ``cache_randomness`` (e.g.
    ``Albumentation``), provided they draw from numpy's or Python's global generator.

    Required Keys:

        - img (List[np.ndarray] | np.ndarray)
        - the keys required by the wrapped transforms

    Modified Keys:

        - img (List[np.ndarray]): the T transformed frames
        - the keys modified by the wrapped transforms (from the reference frame's run)

    Args:
        transforms (List[dict | Callable]): Transforms (configs built from
            ``mmpose.registry.TRANSFORMS``) applied in order to each frame.
    """

    def __init__(self, transforms: List[Union[dict, Callable]]) -> None:
        self.transforms = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in transforms]

    def _apply(self, results: dict) -> Optional[dict]:
        for t in self.transforms:
            results = t(results)
            if results is None:
                return None
        return results

    def transform(self, results: dict) -> Optional[dict]:
        """Transform every frame with the reference frame's random parameters.

        Args:
            results (dict): The result dict, ``img`` being a list of T frames.

        Returns:
            dict | None: The result dict, or ``None`` if a wrapped transform dropped the sample.
        """
        frames = results['img']
        if isinstance(frames, np.ndarray):
            return self._apply(results)
        # Copy the non-image entries first: a transform may edit arrays in place, and each
        # frame's run must start from the same inputs.
        base = {k: v for k, v in results.items() if k != 'img'}
        states = (np.random.get_state(), random.getstate())
        outputs, ref = [], None
        for i, frame in enumerate(frames):
            np.random.set_state(states[0])
            random.setstate(states[1])
            sub = copy.deepcopy(base)
            sub['img'] = frame
            out = self._apply(sub)
            if out is None:
                return None
            ref = out if i == 0 else ref
            outputs.append(out['img'])
        ref['img'] = outputs
        return ref

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(transforms={self.transforms})'
