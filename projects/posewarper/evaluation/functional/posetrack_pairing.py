"""Pair the frames of a prediction file with those of its GT file by identity, never position.

poseval pairs the i-th frame of a prediction file with the i-th frame of the GT file; a
prediction whose ``images`` are listed in another order is then scored against the wrong
frames, silently (AP 1.9 instead of 100). Our rule is stricter:

1. by image id: when the prediction's ids are exactly the GT's, each frame is paired with the GT
   frame of its id; a prediction image that also has a ``file_name`` must name that same frame
   (video folder and frame file);
2. else by file name (video folder and frame file, so ``images/val/<video>/000001.jpg`` and
   ``<video>/000001.jpg`` agree): when every prediction image has a ``file_name`` and their
   frames are exactly the GT's;
3. anything else is refused, naming the video and the first frame missing, added or named
   twice, or the other video a prediction file names.
"""
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

from .posetrack_frames import fail


def _frame_key(name: Any) -> Optional[Tuple[str, str]]:
    """``(video folder, frame file)`` of a ``file_name``; None if it is not a string."""
    if not isinstance(name, str) or not name:
        return None
    return osp.basename(osp.dirname(name)), osp.basename(name)


def _describe(image: dict) -> str:
    name = image.get('file_name')
    return f'image id={image.get("id")!r}' + (f' ({name})' if isinstance(name, str) else '')


def _video_of(images: List[dict]) -> str:
    keys = {_frame_key(im.get('file_name')) for im in images}
    folders = sorted({k[0] for k in keys if k is not None})
    return folders[0] if len(folders) == 1 else ''


def pair_frames(gt: dict, pred: dict, gt_file: str, pred_file: str) -> List[Optional[int]]:
    """For each GT image (in file order), the index of its prediction image.

    Args:
        gt (dict): The GT per-video document (validated).
        pred (dict): The prediction per-video document (validated).
        gt_file (str): GT file, for messages.
        pred_file (str): Prediction file, for messages.

    Returns:
        list[int]: Index in ``pred['images']`` of the frame paired with each GT image.

    Raises:
        ValueError: If the frames cannot be paired one to one; names the video and the frame.
    """
    gt_images, pred_images = gt['images'], pred['images']
    video = _video_of(gt_images) or osp.splitext(osp.basename(gt_file))[0]
    pred_video = _video_of(pred_images)
    if pred_video and pred_video != video:
        raise fail(pred_file, 'images', f'the prediction names video {pred_video!r}, its GT '
                   f'file {gt_file} video {video!r}')

    gt_ids = {im['id']: k for k, im in enumerate(gt_images)}
    pred_ids = {im['id']: k for k, im in enumerate(pred_images)}
    if len(pred_ids) == len(pred_images) and set(pred_ids) == set(gt_ids):
        pairs = [pred_ids[im['id']] for im in gt_images]
        for gt_image, k in zip(gt_images, pairs):
            theirs = _frame_key(pred_images[k].get('file_name'))
            ours = _frame_key(gt_image.get('file_name'))
            if theirs is not None and ours is not None and theirs != ours:
                raise fail(pred_file, 'images', f'video {video}: {_describe(pred_images[k])} '
                           f'is, in the GT {gt_file}, {_describe(gt_image)}: ids and file '
                           'names disagree')
        return pairs

    gt_keys = {_frame_key(im.get('file_name')): k for k, im in enumerate(gt_images)}
    pred_keys: Dict[Tuple[str, str], int] = {}
    for k, im in enumerate(pred_images):
        key = _frame_key(im.get('file_name'))
        if key is None:
            break
        if key in pred_keys:
            raise fail(pred_file, 'images', f'video {video}: frame {key[1]} is listed twice '
                       f'({_describe(pred_images[pred_keys[key]])} and {_describe(im)})')
        pred_keys[key] = k
    else:
        if set(pred_keys) == set(gt_keys):
            return [pred_keys[_frame_key(im.get('file_name'))] for im in gt_images]

    # neither pairing is one to one: name the first frame missing, then the first one added
    by_name = len(pred_keys) == len(pred_images)
    for im in gt_images:
        if (by_name and _frame_key(im.get('file_name')) not in pred_keys) or \
                (not by_name and im['id'] not in pred_ids):
            raise fail(pred_file, 'images', f'video {video}: the prediction misses GT frame '
                       f'{_describe(im)} of {gt_file} (frames are paired by image id or file '
                       'name, never by position)')
    for im in pred_images:
        if (by_name and _frame_key(im.get('file_name')) not in gt_keys) or \
                (not by_name and im['id'] not in gt_ids):
            raise fail(pred_file, 'images', f'video {video}: the prediction adds frame '
                       f'{_describe(im)}, which is not in the GT {gt_file}')
    raise fail(pred_file, 'images', f'video {video}: the prediction lists a frame twice '
               f'({len(pred_images)} images for {len(gt_images)} GT frames)')
