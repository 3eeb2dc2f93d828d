"""Load the T frames of a multi-frame sample."""
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine import fileio
from mmpose.datasets.transforms import LoadImage
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadMultiFrameImages(LoadImage):
    """Load every frame of ``results['img_path']`` (a list of paths, reference first).

    Each frame is read as MMPose's :class:`LoadImage` reads a single image. A missing or
    undecodable frame raises an error naming its path: it is never skipped or replaced by another
    sample, since that would silently change which frames a pair or window holds. Frames given
    as arrays in ``results['img']`` (e.g. by an inferencer) are used as they are.

    Required Keys:

        - img_path (List[str] | str) or img (List[np.ndarray] | np.ndarray)

    Modified Keys:

        - img (List[np.ndarray]): the T frames, each ``(H, W, 3)``.
        - img_shape, ori_shape (of the reference frame; all frames must share it)

    Args:
        to_float32 (bool): Whether to convert the frames to float32. Default: ``False``
            (uint8, as the multi-frame sample contract wants).
        color_type (str): Flag of :func:`mmcv.imfrombytes`. Default: ``'color'``.
        imdecode_backend (str): Decoding backend of :func:`mmcv.imfrombytes`. Default:
            ``'cv2'``.
        backend_args (dict, optional): Arguments of the file backend. Default: ``None``.
    """

    def __init__(self,
                 to_float32: bool = False,
                 color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None) -> None:
        # ``ignore_empty`` stays False: a missing frame must fail loudly.
        super().__init__(to_float32=to_float32, color_type=color_type,
                         imdecode_backend=imdecode_backend, backend_args=backend_args)

    def _load_frames(self, paths: Sequence[str]) -> List[np.ndarray]:
        frames = []
        for i, path in enumerate(paths):
            if not fileio.exists(path, backend_args=self.backend_args):
                raise FileNotFoundError(
                    f'{self.__class__.__name__}: frame {i} of {len(paths)} ({path}) does not '
                    f'exist; sample frames: {list(paths)}')
            frames.append(super().transform(dict(img_path=path))['img'])
        return frames

    def transform(self, results: dict) -> dict:
        """Load the frames.

        Args:
            results (dict): The result dict with ``img_path`` or ``img``.

        Returns:
            dict: The result dict with ``img`` as a list of T arrays.
        """
        if 'img' in results:
            imgs: Union[np.ndarray, Sequence[np.ndarray]] = results['img']
            imgs = [imgs] if isinstance(imgs, np.ndarray) else list(imgs)
            frames = []
            for img in imgs:
                frames.append(super().transform(dict(img=img))['img'])
            results.setdefault('img_path', None)
            names = [f'img[{i}]' for i in range(len(frames))]
        else:
            paths = results['img_path']
            paths = [paths] if isinstance(paths, str) else list(paths)
            frames = self._load_frames(paths)
            names = paths
        if not frames:
            raise ValueError(f'{self.__class__.__name__}: the sample has no frame')
        ref_shape = frames[0].shape[:2]
        for name, frame in zip(names[1:], frames[1:]):
            # One crop and one flip are applied to all frames: they must share the size.
            if frame.shape[:2] != ref_shape:
                raise ValueError(f'{self.__class__.__name__}: frame {name} has shape '
                                 f'{frame.shape[:2]}, the reference frame {names[0]} has '
                                 f'{ref_shape}')
        results['img'] = frames
        results['img_shape'] = ref_shape
        results['ori_shape'] = ref_shape
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'color_type={self.color_type!r}, imdecode_backend={self.imdecode_backend!r}, '
                f'backend_args={self.backend_args})')
