"""The frames of one inferencer input: a video file, a folder of frames, images or arrays.

MMPose's ``_inputs_to_list`` reads a video into memory and treats a folder as independent
images; temporal aggregation needs one ordered stream of frames read lazily, hence this module.
Files are read through mmcv (``VideoReader``, ``imread``).
"""
import mimetypes
import os
import os.path as osp
from typing import Iterator, NamedTuple, Sequence, Tuple, Union

import mmcv
import numpy as np

#: Frame rate of the rendered video when the input (an image folder) has none.
DEFAULT_FPS = 25.0


class FrameSource(NamedTuple):
    """Frames of one input.

    Attributes:
        frames (Iterator[tuple[np.ndarray, str]]): ``(BGR image (H, W, 3), frame name)`` in
            order; the name is the ``img_path`` of the frame's predictions.
        name (str): Name of the outputs (``<name>.json``, ``<name>.mp4``).
        fps (float): Frame rate of the rendered video.
    """
    frames: Iterator[Tuple[np.ndarray, str]]
    name: str
    fps: float


def _mime_is(path: str, kind: str) -> bool:
    mime = mimetypes.guess_type(path)[0]
    return mime is not None and mime.startswith(kind)


def read_image(path: str) -> np.ndarray:
    """A BGR image; raises ValueError naming the file if it cannot be read."""
    img = mmcv.imread(path)
    if img is None:
        raise ValueError(f'cannot read image {path}')
    return img


def open_video(path: str) -> FrameSource:
    """Open a video file and decode its first frame now, so that a bad file fails at once."""
    reader = mmcv.VideoReader(path)
    if not reader.opened:
        raise ValueError(f'cannot open video file {path} (not a video, or a codec OpenCV lacks)')
    first = reader.read()
    if first is None:
        reader.vcap.release()
        raise ValueError(f'cannot read any frame from video file {path}')
    stem = osp.splitext(osp.basename(path))[0]

    def frames() -> Iterator[Tuple[np.ndarray, str]]:
        try:
            img, idx = first, 0
            while img is not None:
                yield img, f'{stem}/{idx:06d}.jpg'
                img, idx = reader.read(), idx + 1
        finally:
            reader.vcap.release()

    return FrameSource(frames(), stem, reader.fps or DEFAULT_FPS)


def open_frame_source(inputs: Union[str, np.ndarray, Sequence]) -> FrameSource:
    """Open a video file, a folder of frames (sorted by name), an image, or a list of image
    paths / arrays (the frames of one video). Webcams are opened by the inferencer.

    Raises:
        FileNotFoundError: If a path does not exist.
        ValueError: If the input cannot be read or is of no known kind.
    """
    if isinstance(inputs, str):
        if osp.isdir(inputs):
            names = sorted(f for f in os.listdir(inputs) if _mime_is(f, 'image'))
            if not names:
                raise ValueError(f'no image file in folder {inputs}')
            # frames are named '<folder>/<file>', as PoseTrack names them (and as the frames of
            # a video are named '<video>/000000.jpg'): the json does not depend on where the
            # folder lies
            folder = osp.basename(osp.normpath(inputs))
            return FrameSource(((read_image(osp.join(inputs, f)), f'{folder}/{f}') for f in names),
                               folder, DEFAULT_FPS)
        if not osp.exists(inputs):
            raise FileNotFoundError(f'input not found: {inputs}')
        if _mime_is(inputs, 'video'):
            return open_video(inputs)
        if _mime_is(inputs, 'image'):
            return FrameSource(iter([(read_image(inputs), inputs)]),
                               osp.splitext(osp.basename(inputs))[0], DEFAULT_FPS)
        raise ValueError(f'{inputs} is neither a video, an image nor a folder of images')
    if isinstance(inputs, np.ndarray):
        inputs = [inputs]
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError(f'inputs must be a path, an array or a non-empty list of them, got '
                         f'{type(inputs).__name__}')

    def frames() -> Iterator[Tuple[np.ndarray, str]]:
        for i, item in enumerate(inputs):
            if isinstance(item, str):
                yield read_image(item), item
            else:
                yield item, f'{i:06d}.jpg'

    return FrameSource(frames(), 'video', DEFAULT_FPS)
