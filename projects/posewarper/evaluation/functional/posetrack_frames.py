"""PoseTrack18 json documents as poseval sees them: persons in the 15 PoseTrack17 joints.

Step 1 of the AP protocol (see :mod:`.posetrack_ap`): every annotation is converted to the
15-joint PoseTrack17 set (the ears are dropped, and ``head_bottom`` becomes joint 12, which poseval
calls ``neck``). A joint stored as exactly ``(0, 0, 0)`` does not exist; all other joints exist
whatever their visibility flag. The document is validated by the one PoseTrack18 check,
:func:`posewarper.fileio.check_posetrack_document`; only what the evaluation adds is checked
here (the PT17 joints in the category, track ids below poseval's limit and unique per predicted
frame, one video per file, the ignore-region polygons). Malformed content raises a
:class:`ValueError` naming the file and the field.
"""
import os.path as osp
from collections import defaultdict
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from ...fileio import PT18_KEYPOINT_NAMES, check_posetrack_document

PT17_JOINT_NAMES: Tuple[str, ...] = (
    'right_ankle', 'right_knee', 'right_hip', 'left_hip', 'left_knee', 'left_ankle',
    'right_wrist', 'right_elbow', 'right_shoulder', 'left_shoulder', 'left_elbow', 'left_wrist',
    'neck', 'nose', 'head_top')

# PT18 keypoint name -> PT17 joint id. Names absent here (the ears) are dropped.
PT18_NAME_TO_PT17_ID: Dict[str, int] = {
    name: idx
    for idx, name in enumerate(PT17_JOINT_NAMES[:12] + ('head_bottom', 'nose', 'head_top'))
}

# PT18 keypoint index -> PT17 joint id (None for the ears).
PT18_TO_PT17: Tuple[Optional[int], ...] = tuple(
    PT18_NAME_TO_PT17_ID.get(name) for name in PT18_KEYPOINT_NAMES)

NUM_JOINTS = len(PT17_JOINT_NAMES)

# Score of a predicted joint when the annotation carries no ``scores`` list.
MISSING_SCORE = -9999.0
# poseval offsets track ids by video index * 10000, so it asserts they stay below it.
MAX_TRACK_ID = 10000


class Person(NamedTuple):
    """One person in the PT17 joint set.

    Attributes:
        xy (np.ndarray): Joint coordinates, shape (15, 2).
        valid (np.ndarray): Whether each joint exists, shape (15, ).
        score (np.ndarray): Joint scores, shape (15, ).
        head_box (tuple, optional): ``(x1, y1, x2, y2)`` of the head box, GT only.
    """
    xy: np.ndarray
    valid: np.ndarray
    score: np.ndarray
    head_box: Optional[Tuple[float, float, float, float]]


class Frame(NamedTuple):
    """One image: its persons and (GT only) its ignore regions, each an (M, 2) array."""
    persons: List[Person]
    regions: List[np.ndarray]


def fail(file: str, field: str, msg: str) -> ValueError:
    return ValueError(f'{file}: field "{field}": {msg}')


def _float_array(values: Any, length: Optional[int] = None) -> Optional[np.ndarray]:
    """``values`` as a 1-D float64 array if it is a list of numbers (of ``length``), else None."""
    if not isinstance(values, list) or (length is not None and len(values) != length):
        return None
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError, OverflowError):
        return None
    # numpy infers int/float dtypes only when every element is a number (bools alone give a
    # bool array, strings or None give other kinds).
    if arr.ndim != 1 or arr.dtype.kind not in 'iuf':
        return None
    return arr.astype(np.float64)


class _Table(NamedTuple):
    """Where the PT17 joints are in a file's keypoint list.

    Attributes:
        num_kpts (int): Number of keypoints per annotation in the file (15 or 17).
        slots (np.ndarray): Keypoint index in the file of each kept keypoint, shape (15, ).
        joints (np.ndarray): PT17 joint id of each kept keypoint, shape (15, ).
    """
    num_kpts: int
    slots: np.ndarray
    joints: np.ndarray


def _conversion_table(data: dict, file: str) -> _Table:
    """Map the file's keypoints to PT17 joint ids, from the names in its only category."""
    cats = data.get('categories')
    if not isinstance(cats, list) or len(cats) != 1 or not isinstance(cats[0], dict):
        raise fail(file, 'categories', 'expected a list with exactly one category')
    if cats[0].get('name') != 'person':
        raise fail(file, 'categories', 'the only category must be named "person"')
    names = cats[0].get('keypoints')
    if not isinstance(names, list) or len(names) not in (15, 17):
        raise fail(file, 'categories', 'expected 15 or 17 keypoint names')
    slots, joints = [], []
    for slot, name in enumerate(names):
        joint = PT18_NAME_TO_PT17_ID.get(name) if isinstance(name, str) else None
        if joint is None:
            continue  # e.g. the ears
        if joint in joints:
            raise fail(file, 'categories', f'keypoint "{name}" is listed twice')
        slots.append(slot)
        joints.append(joint)
    for name, joint in PT18_NAME_TO_PT17_ID.items():
        if joint not in joints:
            raise fail(file, 'categories', f'keypoint "{name}" is missing')
    return _Table(len(names), np.array(slots), np.array(joints))


def _parse_person(ann: dict, table: _Table, is_gt: bool) -> Person:
    """Convert one PT18 annotation (checked by ``check_posetrack_document``) into the PT17
    joint set."""
    kpts = np.asarray(ann['keypoints'], dtype=np.float64)
    kpts = kpts.reshape(table.num_kpts, 3)[table.slots]  # (15, 3), in table order

    # Only the per-joint ``scores`` list ranks joints; the third keypoint column and the person
    # score are ignored. A missing or empty list gives every joint the fallback score.
    scores = ann.get('scores')
    score = np.full(NUM_JOINTS, MISSING_SCORE, dtype=np.float64)
    if scores:
        score[table.joints] = np.asarray(scores, dtype=np.float64)[table.slots]

    xy = np.zeros((NUM_JOINTS, 2), dtype=np.float64)
    valid = np.zeros(NUM_JOINTS, dtype=bool)
    xy[table.joints] = kpts[:, :2]
    # An unannotated joint is stored as exactly (0, 0, 0); any other visibility flag (including
    # v=0 with real coordinates) still makes it a joint.
    valid[table.joints] = (kpts != 0).any(axis=1)

    head_box = None
    if is_gt and 'bbox_head' in ann:
        x1, y1, w, h = (float(v) for v in ann['bbox_head'])
        # Corner computed as poseval's converter does (x + w), which may round differently
        # from using w directly.
        head_box = (x1, y1, x1 + w, y1 + h)
    return Person(xy, valid, score, head_box)


def _parse_regions(image: dict, file: str) -> List[np.ndarray]:
    """Read the ignore-region polygons of an image as a list of (M, 2) arrays."""
    if 'ignore_regions_x' not in image or 'ignore_regions_y' not in image:
        return []
    xs, ys = image['ignore_regions_x'], image['ignore_regions_y']
    if not isinstance(xs, list) or not isinstance(ys, list):
        raise fail(file, 'ignore_regions_x', 'expected lists of polygon coordinates')
    regions = []
    # Regions and their points are paired with zip, as poseval's converter does.
    for rx, ry in zip(xs, ys):
        arr_x, arr_y = _float_array(rx), _float_array(ry)
        if arr_x is None or arr_y is None:
            raise fail(file, 'ignore_regions_x', 'expected lists of numbers per region')
        num = min(len(arr_x), len(arr_y))
        regions.append(np.stack([arr_x[:num], arr_y[:num]], axis=1))
    return regions


def parse_video(data: dict, file: str, is_gt: bool) -> List[Frame]:
    """Convert one PT18 per-video json object into frames, in the order of ``images``.

    Args:
        data (dict): The json object.
        file (str): File name used in error messages.
        is_gt (bool): Whether this is a GT file (head boxes and ignore regions are read).

    Returns:
        list[Frame]: One frame per entry of ``images``.
    """
    check_posetrack_document(data, file, 'gt' if is_gt else 'prediction')
    images, anns = data['images'], data['annotations']
    table = _conversion_table(data, file)

    # poseval's converter keeps only the first video (by image folder) of a file; a file that
    # mixes folders is almost certainly a mistake, so refuse it instead of dropping frames.
    folders = {
        osp.dirname(im['file_name'])
        for im in images if isinstance(im.get('file_name'), str)
    }
    if len(folders) > 1:
        raise fail(file, 'images', f'images from several videos: {sorted(folders)}')

    by_image: Dict[Any, List[dict]] = defaultdict(list)
    for ann in anns:
        by_image[ann['image_id']].append(ann)

    frames = []
    for im in images:
        persons = []
        track_ids = []
        for ann in by_image.get(im['id'], []):
            track_id = ann.get('track_id')
            if track_id is None:
                raise fail(file, 'track_id', f'missing in image {im["id"]!r}')
            if track_id >= MAX_TRACK_ID:
                raise fail(file, 'track_id',
                           f'{track_id} in image {im["id"]!r} is not below {MAX_TRACK_ID}')
            track_ids.append(track_id)
            persons.append(_parse_person(ann, table, is_gt))
        # poseval requires unique prediction track ids per frame (GT ids are not checked).
        if not is_gt and len(set(track_ids)) != len(track_ids):
            raise fail(file, 'track_id', f'duplicated track ids in image {im["id"]!r}')
        regions = _parse_regions(im, file) if is_gt else []
        frames.append(Frame(persons, regions))
    return frames
