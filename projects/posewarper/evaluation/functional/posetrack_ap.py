"""PoseTrack per-frame multi-person pose AP, computed as the ``poseval`` toolkit does.

``poseval`` (https://github.com/leonid-pishchulin/poseval) is the official PoseTrack evaluation
code. It is not on PyPI and needs ``shapely``, so this module re-implements its AP protocol
(``evaluateAP``) from the description of its behaviour, for PoseTrack18-format per-video json
files (COCO-like: ``images``, ``annotations``, ``categories``):

1. Every annotation is converted to the 15-joint PoseTrack17 set (the ears are dropped, and
   ``head_bottom`` becomes joint 12, which poseval calls ``neck``). A joint stored as exactly
   ``(0, 0, 0)`` does not exist; all other joints exist whatever their visibility flag.
2. GT frames with no annotated person are skipped, together with the prediction frame at the same
   position. ``is_labeled`` is not consulted.
3. Joints strictly inside an ignore region of the GT frame are removed from GT and predictions;
   a person left without joints is removed.
4. In each frame, every prediction is assigned to the GT person with the highest PCKh (the share of
   that GT person's joints it locates within half the head size, head size = 0.6 x head-box
   diagonal); each GT person keeps only its best prediction. Ties go to the first in file order.
   Joints of assigned predictions are true positives where they are within the threshold; all
   other predicted joints are false positives.
5. Per joint, detections are pooled over all frames and videos, ranked by their joint score and
   the VOC area under the monotone precision envelope is reported in percent. poseval's order
   among exactly equal scores depends on the file system and numpy's sort; here it is fixed
   (see ``_voc_ap``) to the order that reproduces the poseval values recorded in MMPose's tests.

Where ``poseval`` would crash or assert on malformed input, a :class:`ValueError` that names the
file and the field is raised instead. A few inputs that poseval would handle silently are also
refused rather than guessed at: a file whose images come from several video folders (poseval
keeps the first video only), a ``scores`` list of the wrong length, and a keypoint name listed
twice. A GT person without joints needs no head box (poseval would crash on it).
"""
import glob
import json
import numbers
import os.path as osp
from collections import OrderedDict, defaultdict
from fractions import Fraction
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

# Keypoint order of PoseTrack18 files (COCO order; the eyes are re-used as head_bottom/head_top).
PT18_KEYPOINT_NAMES: Tuple[str, ...] = (
    'nose', 'head_bottom', 'head_top', 'left_ear', 'right_ear', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
    'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')

# The 15 PoseTrack17 joints by id. poseval names id 12 ``neck``; in PT18 files it is head_bottom.
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

# Reported groups, each the mean of these joint ids, in poseval's order (it matters for the last
# bit of the float mean).
AP_GROUPS: 'OrderedDict[str, Tuple[int, ...]]' = OrderedDict([
    ('Head', (14, 12, 13)),
    ('Shou', (8, 9)),
    ('Elb', (7, 10)),
    ('Wri', (6, 11)),
    ('Hip', (2, 3)),
    ('Knee', (1, 4)),
    ('Ankl', (0, 5)),
])
AP_KEYS: Tuple[str, ...] = tuple(AP_GROUPS) + ('Total', )

# Score of a predicted joint when the annotation carries no ``scores`` list.
MISSING_SCORE = -9999.0
# poseval offsets track ids by video index * 10000, so it asserts they stay below it.
MAX_TRACK_ID = 10000
# A joint is correct when its distance is at most this fraction of the head size.
PCKH_THR = 0.5
HEAD_SIZE_FACTOR = 0.6


class _Person(NamedTuple):
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


class _Frame(NamedTuple):
    """One image: its persons and (GT only) its ignore regions, each an (M, 2) array."""
    persons: List[_Person]
    regions: List[np.ndarray]


def _fail(file: str, field: str, msg: str) -> ValueError:
    return ValueError(f'{file}: field "{field}": {msg}')


def load_posetrack_json(path: str) -> dict:
    """Load one per-video PoseTrack18 json file.

    Args:
        path (str): Path of the json file.

    Returns:
        dict: The parsed json object.

    Raises:
        ValueError: If the file cannot be read, is not valid json, or is not a json object.
    """
    try:
        with open(path, 'r', encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f'{path}: cannot read PoseTrack json: {e}') from e
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a json object, got {type(data).__name__}')
    return data


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


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
        raise _fail(file, 'categories', 'expected a list with exactly one category')
    if cats[0].get('name') != 'person':
        raise _fail(file, 'categories', 'the only category must be named "person"')
    names = cats[0].get('keypoints')
    if not isinstance(names, list) or len(names) not in (15, 17):
        raise _fail(file, 'categories', 'expected 15 or 17 keypoint names')
    slots, joints = [], []
    for slot, name in enumerate(names):
        joint = PT18_NAME_TO_PT17_ID.get(name) if isinstance(name, str) else None
        if joint is None:
            continue  # e.g. the ears
        if joint in joints:
            raise _fail(file, 'categories', f'keypoint "{name}" is listed twice')
        slots.append(slot)
        joints.append(joint)
    for name, joint in PT18_NAME_TO_PT17_ID.items():
        if joint not in joints:
            raise _fail(file, 'categories', f'keypoint "{name}" is missing')
    return _Table(len(names), np.array(slots), np.array(joints))


def _parse_person(ann: dict, table: _Table, file: str, is_gt: bool) -> _Person:
    """Convert one PT18 annotation into the PT17 joint set."""
    kpts = _float_array(ann.get('keypoints'), 3 * table.num_kpts)
    if kpts is None:
        raise _fail(file, 'keypoints',
                    f'expected {3 * table.num_kpts} numbers ({table.num_kpts} keypoints x 3) '
                    f'for the annotation of image {ann.get("image_id")!r}')
    kpts = kpts.reshape(table.num_kpts, 3)[table.slots]  # (15, 3), in table order

    # Only the per-joint ``scores`` list ranks joints; the third keypoint column and the person
    # score are ignored. A missing or empty list gives every joint the fallback score.
    scores = ann.get('scores')
    score = np.full(NUM_JOINTS, MISSING_SCORE, dtype=np.float64)
    if scores is not None and scores != []:
        score_arr = _float_array(scores, table.num_kpts)
        if score_arr is None:
            raise _fail(file, 'scores',
                        f'expected an empty list or {table.num_kpts} numbers for the '
                        f'annotation of image {ann.get("image_id")!r}')
        score[table.joints] = score_arr[table.slots]

    xy = np.zeros((NUM_JOINTS, 2), dtype=np.float64)
    valid = np.zeros(NUM_JOINTS, dtype=bool)
    xy[table.joints] = kpts[:, :2]
    # An unannotated joint is stored as exactly (0, 0, 0); any other visibility flag (including
    # v=0 with real coordinates) still makes it a joint.
    valid[table.joints] = (kpts != 0).any(axis=1)

    head_box = None
    if is_gt and 'bbox_head' in ann:
        box = _float_array(ann['bbox_head'], 4)
        if box is None:
            raise _fail(file, 'bbox_head', 'expected [x, y, w, h]')
        x1, y1, w, h = box.tolist()
        # Corner computed as poseval's converter does (x + w), which may round differently
        # from using w directly.
        head_box = (x1, y1, x1 + w, y1 + h)
    return _Person(xy, valid, score, head_box)


def _parse_regions(image: dict, file: str) -> List[np.ndarray]:
    """Read the ignore-region polygons of an image as a list of (M, 2) arrays."""
    if 'ignore_regions_x' not in image or 'ignore_regions_y' not in image:
        return []
    xs, ys = image['ignore_regions_x'], image['ignore_regions_y']
    if not isinstance(xs, list) or not isinstance(ys, list):
        raise _fail(file, 'ignore_regions_x', 'expected lists of polygon coordinates')
    regions = []
    # Regions and their points are paired with zip, as poseval's converter does.
    for rx, ry in zip(xs, ys):
        arr_x, arr_y = _float_array(rx), _float_array(ry)
        if arr_x is None or arr_y is None:
            raise _fail(file, 'ignore_regions_x', 'expected lists of numbers per region')
        num = min(len(arr_x), len(arr_y))
        regions.append(np.stack([arr_x[:num], arr_y[:num]], axis=1))
    return regions


def _parse_video(data: dict, file: str, is_gt: bool) -> List[_Frame]:
    """Convert one PT18 per-video json object into frames, in the order of ``images``.

    Args:
        data (dict): The json object.
        file (str): File name used in error messages.
        is_gt (bool): Whether this is a GT file (head boxes and ignore regions are read).

    Returns:
        list[_Frame]: One frame per entry of ``images``.
    """
    if not isinstance(data, dict):
        raise ValueError(f'{file}: expected a json object')
    if 'annolist' in data:
        raise _fail(file, 'annolist', 'PoseTrack17 format is not supported; use PoseTrack18 '
                    'per-video files (images/annotations/categories)')
    images = data.get('images')
    if not isinstance(images, list) or not all(isinstance(im, dict) for im in images):
        raise _fail(file, 'images', 'expected a list of objects')
    anns = data.get('annotations')
    if not isinstance(anns, list) or not all(isinstance(a, dict) for a in anns):
        raise _fail(file, 'annotations', 'expected a list of objects')
    table = _conversion_table(data, file)

    # poseval's converter keeps only the first video (by image folder) of a file; a file that
    # mixes folders is almost certainly a mistake, so refuse it instead of dropping frames.
    folders = {
        osp.dirname(im['file_name'])
        for im in images if isinstance(im.get('file_name'), str)
    }
    if len(folders) > 1:
        raise _fail(file, 'images', f'images from several videos: {sorted(folders)}')

    first_image: Dict[Any, dict] = {}
    for im in images:
        if not isinstance(im.get('id'), (numbers.Number, str)):
            raise _fail(file, 'images', f'an image has no number or string "id": {im.get("id")!r}')
        first_image.setdefault(im['id'], im)
    by_image: Dict[Any, List[dict]] = defaultdict(list)
    for ann in anns:
        if not isinstance(ann.get('image_id'), (numbers.Number, str)):
            raise _fail(file, 'image_id',
                        f'an annotation has no number or string "image_id": '
                        f'{ann.get("image_id")!r}')
        by_image[ann['image_id']].append(ann)

    frames = []
    for im in images:
        persons = []
        track_ids = []
        for ann in by_image.get(im['id'], []):
            track_id = ann.get('track_id')
            if not _is_number(track_id):
                raise _fail(file, 'track_id',
                            f'missing or not a number in image {im["id"]!r}: {track_id!r}')
            if track_id >= MAX_TRACK_ID:
                raise _fail(file, 'track_id',
                            f'{track_id} in image {im["id"]!r} is not below {MAX_TRACK_ID}')
            track_ids.append(track_id)
            persons.append(_parse_person(ann, table, file, is_gt))
        # poseval requires unique prediction track ids per frame (GT ids are not checked).
        if not is_gt and len(set(track_ids)) != len(track_ids):
            raise _fail(file, 'track_id', f'duplicated track ids in image {im["id"]!r}')
        # Duplicate image ids share the first image's ignore regions, as in poseval.
        regions = _parse_regions(first_image[im['id']], file) if is_gt else []
        frames.append(_Frame(persons, regions))
    return frames


def _orientation(a: np.ndarray, b: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Exact sign of the cross product (b - a) x (p - a).

    Args:
        a (np.ndarray): Edge starts, shape (1, M, 2).
        b (np.ndarray): Edge ends, shape (1, M, 2).
        p (np.ndarray): Points, shape (N, 1, 2).

    Returns:
        np.ndarray: Signs in {-1, 0, 1}, shape (N, M).
    """
    left = (b[..., 0] - a[..., 0]) * (p[..., 1] - a[..., 1])
    right = (b[..., 1] - a[..., 1]) * (p[..., 0] - a[..., 0])
    det = left - right
    sign = np.sign(det).astype(np.int64)
    # The float result has the right sign unless it is tiny relative to its terms (the bound is
    # far above the rounding error); recompute those few with exact rationals, so that points on
    # an edge are classified as shapely's robust predicates would.
    unsure = np.abs(det) <= 1e-12 * (np.abs(left) + np.abs(right))
    for i, j in zip(*np.nonzero(unsure)):
        ax, ay = (Fraction(float(v)) for v in a[0, j])
        bx, by = (Fraction(float(v)) for v in b[0, j])
        px, py = (Fraction(float(v)) for v in p[i, 0])
        exact = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
        sign[i, j] = (exact > 0) - (exact < 0)
    return sign


def points_strictly_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Test which points lie strictly inside a polygon (points on its boundary do not).

    This matches shapely's ``Polygon.contains(Point)`` for the polygons poseval builds: the ring
    is closed implicitly and the interior follows the even-odd rule.

    Args:
        points (np.ndarray): Points, shape (N, 2).
        polygon (np.ndarray): Polygon vertices in order, shape (M, 2), M >= 3.

    Returns:
        np.ndarray: Boolean mask, shape (N, ).
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    polygon = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    inside = np.zeros(len(points), dtype=bool)
    if len(points) == 0 or len(polygon) == 0:
        return inside
    # Only points strictly inside the bounding box can be strictly inside the polygon.
    lo, hi = polygon.min(axis=0), polygon.max(axis=0)
    cand = np.flatnonzero(((points > lo) & (points < hi)).all(axis=1))
    if len(cand) == 0:
        return inside
    inside[cand] = _strictly_inside(points[cand], polygon)
    return inside


def _strictly_inside(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test excluding the boundary; see points_strictly_in_polygon."""
    a = polygon[None]
    b = np.roll(polygon, -1, axis=0)[None]
    p = points[:, None]
    sign = _orientation(a, b, p)
    px, py = p[..., 0], p[..., 1]
    lo, hi = np.minimum(a, b), np.maximum(a, b)  # (1, M, 2) bounding box of each edge
    on_edge = ((sign == 0) & (lo[..., 0] <= px) & (px <= hi[..., 0])
               & (lo[..., 1] <= py) & (py <= hi[..., 1]))
    # Ray to +x: an edge crossing the horizontal line through p (half-open in y, so a vertex on
    # the line counts once) is hit when p is left of it, i.e. the orientation follows the edge's
    # direction.
    upward = (a[..., 1] <= py) & (b[..., 1] > py)
    downward = (b[..., 1] <= py) & (a[..., 1] > py)
    crossings = (upward & (sign > 0)) | (downward & (sign < 0))
    inside = crossings.sum(axis=1) % 2 == 1
    return inside & ~on_edge.any(axis=1)


def _remove_ignored(persons: List[_Person], polygons: List[np.ndarray]) -> List[_Person]:
    """Drop joints strictly inside any polygon, then persons left without joints."""
    if not persons:
        return []
    valid = np.stack([p.valid for p in persons])  # (N, 15)
    points = np.stack([p.xy for p in persons])[valid]  # (V, 2), all existing joints
    ignored = np.zeros(len(points), dtype=bool)
    for poly in polygons:
        if len(poly):  # an empty polygon contains nothing
            ignored |= points_strictly_in_polygon(points, poly)
    valid[valid] = ~ignored
    return [p._replace(valid=v) for p, v in zip(persons, valid) if v.any()]


def _head_size(box: Tuple[float, float, float, float]) -> float:
    # Same call as the reference (a BLAS dot may fuse operations), so the threshold test agrees
    # to the last bit.
    x1, y1, x2, y2 = box
    return HEAD_SIZE_FACTOR * float(np.linalg.norm(np.subtract([x2, y2], [x1, y1])))


def _match_frame(gts: List[_Person], preds: List[_Person], file: str,
                 frame_idx: int) -> np.ndarray:
    """Assign predictions to GT persons in one frame and label every predicted joint.

    Args:
        gts (list[_Person]): GT persons (at least one).
        preds (list[_Person]): Predicted persons (at least one).
        file (str): GT file name, for error messages.
        frame_idx (int): Position of the frame in the file, for error messages.

    Returns:
        np.ndarray: True-positive flag of every predicted joint, shape (P, 15).
    """
    has_gt = np.stack([g.valid for g in gts])  # (G, 15)
    has_pr = np.stack([p.valid for p in preds])  # (P, 15)
    num_pr = len(preds)
    # GT persons without joints cannot match anything, so only the others need a head box.
    head = np.ones(len(gts))
    for g, gt in enumerate(gts):
        if gt.valid.any():
            if gt.head_box is None:
                raise _fail(file, 'bbox_head',
                            f'a GT person with joints in frame {frame_idx} has no head box')
            head[g] = _head_size(gt.head_box)
    gt_xy = np.stack([g.xy for g in gts])[None]  # (1, G, 15, 2)
    pr_xy = np.stack([p.xy for p in preds])[:, None]  # (P, 1, 15, 2)
    both = has_pr[:, None] & has_gt[None]  # (P, G, 15)
    diff = gt_xy - pr_xy
    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = (np.sqrt(diff[..., 0] * diff[..., 0] + diff[..., 1] * diff[..., 1])
                 / head[None, :, None])
        # Near the threshold, redo the distance with the reference's norm call (a BLAS dot that
        # may fuse operations) so that the decision matches bit for bit.
        for p, g, j in zip(*np.nonzero(both & (np.abs(ratio - PCKH_THR) < 1e-9))):
            ratio[p, g, j] = np.linalg.norm(np.subtract(gt_xy[0, g, j], pr_xy[p, 0, j])) / head[g]
    dist = np.where(both, ratio, np.inf)  # (P, G, 15)

    # A zero-size head box gives inf or nan, neither of which matches.
    with np.errstate(invalid='ignore'):
        match = dist <= PCKH_THR
    num_gt_joints = has_gt.sum(axis=1)
    pck = match.sum(axis=2).astype(np.float64)
    annotated = num_gt_joints > 0
    pck[:, annotated] /= num_gt_joints[annotated]

    # Each prediction keeps only its best GT (first on ties) ...
    best_gt = np.argmax(pck, axis=1)
    kept = np.zeros_like(pck)
    rows = np.arange(num_pr)
    kept[rows, best_gt] = pck[rows, best_gt]
    # ... then each GT keeps only its best remaining prediction (first on ties); a GT whose best
    # PCKh is 0 gets none.
    gt_to_pr = np.argmax(kept, axis=0)
    gt_to_pr[kept.max(axis=0) == 0] = -1

    labels = np.zeros((num_pr, NUM_JOINTS), dtype=bool)
    for g, p in enumerate(gt_to_pr):
        if p >= 0:
            labels[p] = match[p, g]
    return labels


def _voc_ap(scores: np.ndarray, labels: np.ndarray, num_gt: float) -> float:
    """VOC average precision in percent for one joint.

    Args:
        scores (np.ndarray): Detection scores, shape (K, ).
        labels (np.ndarray): True-positive flags, shape (K, ).
        num_gt (float): Number of GT joints.

    Returns:
        float: AP in percent; 0 when K is 0, NaN when ``num_gt`` is 0 and K > 0.
    """
    if len(scores) == 0:
        return 0.0
    # poseval's ranking call made deterministic: ascending sort, reversed, so among exactly
    # equal scores the detection pooled last ranks first (what poseval's argsort does for the
    # small arrays where numpy sorts ties stably; for larger ones its order is unspecified).
    # NaN sorts last, so it ranks first, as in poseval.
    order = np.argsort(scores, kind='stable')[::-1]
    true_pos = np.cumsum(labels[order] == 1)
    with np.errstate(divide='ignore', invalid='ignore'):
        recall = true_pos / np.float64(num_gt)
        precision = true_pos / np.arange(1, len(scores) + 1)
        rec = np.concatenate(([0.0], recall, [1.0]))
        prec = np.concatenate(([0.0], precision, [0.0]))
        # Monotone envelope: the best precision at this recall or any higher one.
        prec = np.maximum.accumulate(prec[::-1])[::-1]
        steps = np.flatnonzero(rec[1:] != rec[:-1]) + 1
        return float(np.sum((rec[steps] - rec[steps - 1]) * prec[steps]) * 100)


def compute_joint_ap(gt_videos: Dict[str, dict],
                     pred_videos: Dict[str, dict],
                     gt_files: Optional[Dict[str, str]] = None,
                     pred_files: Optional[Dict[str, str]] = None) -> np.ndarray:
    """Per-joint AP over a set of videos.

    Args:
        gt_videos (dict[str, dict]): GT json object per video, keyed by file name.
        pred_videos (dict[str, dict]): Prediction json object per video, same keys.
        gt_files (dict[str, str], optional): Path of each GT file, used in error messages.
            Defaults to ``'<key> (GT)'``.
        pred_files (dict[str, str], optional): Path of each prediction file, used in error
            messages. Defaults to ``'<key> (prediction)'``.

    Returns:
        np.ndarray: AP in percent per PT17 joint id, shape (15, ). A joint without predictions
        gets 0, a joint with predictions but no GT anywhere gets NaN.

    Raises:
        ValueError: On a missing or unknown video, a frame count mismatch or malformed content.
    """
    missing = sorted(set(gt_videos) - set(pred_videos))
    if missing:
        raise ValueError(f'prediction file missing for GT video(s): {missing}')
    unknown = sorted(set(pred_videos) - set(gt_videos))
    if unknown:
        raise ValueError(f'prediction file(s) for video(s) with no GT file: {unknown}')
    gt_files = gt_files or {}
    pred_files = pred_files or {}

    scores: List[List[np.ndarray]] = [[] for _ in range(NUM_JOINTS)]
    labels: List[List[np.ndarray]] = [[] for _ in range(NUM_JOINTS)]
    num_gt = np.zeros(NUM_JOINTS, dtype=np.float64)
    # poseval pools videos in glob (file system) order, which only matters for exact score
    # ties. Reverse name order, with the tie rule of _voc_ap, reproduces the poseval values
    # recorded in MMPose's PoseTrack18Metric tests: equal scores rank by ascending video name,
    # then by descending frame and file position.
    for name in sorted(gt_videos, reverse=True):
        gt_file = gt_files.get(name, f'{name} (GT)')
        pred_file = pred_files.get(name, f'{name} (prediction)')
        gt_frames = _parse_video(gt_videos[name], gt_file, is_gt=True)
        pr_frames = _parse_video(pred_videos[name], pred_file, is_gt=False)
        if len(gt_frames) != len(pr_frames):
            raise _fail(pred_file, 'images', f'{len(pr_frames)} prediction frames but '
                        f'{len(gt_frames)} GT frames in {gt_file}; frames are paired by position')
        for idx, (gt_frame, pr_frame) in enumerate(zip(gt_frames, pr_frames)):
            # Frames without GT persons are skipped, whatever their predictions.
            if not gt_frame.persons:
                continue
            gts, preds = gt_frame.persons, pr_frame.persons
            if gt_frame.regions:
                for region in gt_frame.regions:
                    if 0 < len(region) < 3:
                        raise _fail(gt_file, 'ignore_regions_x',
                                    f'a region of frame {idx} has {len(region)} points; a '
                                    'polygon needs at least 3')
                gts = _remove_ignored(gts, gt_frame.regions)
                preds = _remove_ignored(preds, gt_frame.regions)
            if not preds:
                frame_labels = np.zeros((0, NUM_JOINTS), dtype=bool)
            elif not gts:
                # GT persons existed but were all removed: every prediction is a false positive.
                frame_labels = np.zeros((len(preds), NUM_JOINTS), dtype=bool)
            else:
                frame_labels = _match_frame(gts, preds, gt_file, idx)
            if gts:
                num_gt += np.stack([g.valid for g in gts]).sum(axis=0)
            if preds:
                has_pr = np.stack([p.valid for p in preds])
                pr_score = np.stack([p.score for p in preds])
                for j in range(NUM_JOINTS):
                    scores[j].append(pr_score[has_pr[:, j], j])
                    labels[j].append(frame_labels[has_pr[:, j], j])

    ap = np.zeros(NUM_JOINTS, dtype=np.float64)
    for j in range(NUM_JOINTS):
        joint_scores = np.concatenate(scores[j]) if scores[j] else np.zeros(0)
        joint_labels = np.concatenate(labels[j]) if labels[j] else np.zeros(0, dtype=bool)
        ap[j] = _voc_ap(joint_scores, joint_labels, num_gt[j])
    return ap


def summarize_joint_ap(joint_ap: Sequence[float]) -> Dict[str, float]:
    """Group per-joint APs into the reported PoseTrack numbers.

    Args:
        joint_ap (Sequence[float]): AP per PT17 joint id, length 15.

    Returns:
        dict[str, float]: ``Head, Shou, Elb, Wri, Hip, Knee, Ankl`` (means of their joints; NaN
        if one of them is NaN) and ``Total`` (mean of the non-NaN joints), in percent.
    """
    ap = np.asarray(joint_ap, dtype=np.float64).reshape(NUM_JOINTS)
    result = OrderedDict(
        (name, float(np.mean(ap[list(joints)]))) for name, joints in AP_GROUPS.items())
    finite = ap[~np.isnan(ap)]
    result['Total'] = float(np.mean(finite)) if len(finite) else float('nan')
    return result


def compute_ap(gt_videos: Dict[str, dict],
               pred_videos: Dict[str, dict],
               gt_files: Optional[Dict[str, str]] = None,
               pred_files: Optional[Dict[str, str]] = None) -> Dict[str, float]:
    """PoseTrack AP of already loaded per-video json objects.

    Args:
        gt_videos (dict[str, dict]): GT json object per video, keyed by file name (used to pair
            predictions with GT and in error messages).
        pred_videos (dict[str, dict]): Prediction json object per video, same keys.
        gt_files (dict[str, str], optional): Path of each GT file, for error messages.
        pred_files (dict[str, str], optional): Path of each prediction file, for error messages.

    Returns:
        dict[str, float]: The keys of :data:`AP_KEYS`, in percent.
    """
    return summarize_joint_ap(compute_joint_ap(gt_videos, pred_videos, gt_files, pred_files))


def load_posetrack_dirs(gt_dir: str, pred_dir: str) -> Tuple[Dict[str, dict], Dict[str, dict]]:
    """Load the per-video GT and prediction json files of two folders.

    Args:
        gt_dir (str): Folder of GT files, one ``<video>.json`` per video.
        pred_dir (str): Folder of prediction files with the same names.

    Returns:
        tuple[dict, dict]: GT and prediction json objects keyed by file name.

    Raises:
        ValueError: If a folder does not exist, holds no GT file, a prediction file is missing,
            a prediction file has no GT file, or a file is not valid json.
    """
    for folder in (gt_dir, pred_dir):
        if not osp.isdir(folder):
            raise ValueError(f'{folder}: not a directory')
    gt_files = sorted(glob.glob(osp.join(glob.escape(gt_dir), '*.json')))
    if not gt_files:
        raise ValueError(f'{gt_dir}: no GT json files')
    gt_names = {osp.basename(f) for f in gt_files}
    for path in sorted(glob.glob(osp.join(glob.escape(pred_dir), '*.json'))):
        if osp.basename(path) not in gt_names:
            raise ValueError(f'{path}: prediction file for a video with no GT file in {gt_dir}')
    gt_videos, pred_videos = {}, {}
    for path in gt_files:
        name = osp.basename(path)
        pred_path = osp.join(pred_dir, name)
        if not osp.isfile(pred_path):
            raise ValueError(f'{pred_path}: prediction file missing for GT video {path}')
        gt_videos[name] = load_posetrack_json(path)
        pred_videos[name] = load_posetrack_json(pred_path)
    return gt_videos, pred_videos


def _dir_paths(folder: str, names: Sequence[str]) -> Dict[str, str]:
    return {name: osp.join(folder, name) for name in names}


def evaluate_posetrack_ap(gt_dir: str, pred_dir: str) -> Dict[str, float]:
    """PoseTrack AP of a folder of prediction files against a folder of GT files.

    Args:
        gt_dir (str): Folder of PoseTrack18 GT files, one ``<video>.json`` per video.
        pred_dir (str): Folder of PoseTrack18 prediction files with the same names, each covering
            every frame of its GT file in the same order.

    Returns:
        dict[str, float]: ``Head, Shou, Elb, Wri, Hip, Knee, Ankl, Total`` AP in percent.
    """
    gt_videos, pred_videos = load_posetrack_dirs(gt_dir, pred_dir)
    return compute_ap(gt_videos, pred_videos, _dir_paths(gt_dir, list(gt_videos)),
                      _dir_paths(pred_dir, list(pred_videos)))
