"""PoseTrack18 files: reading them, where a video's frames are, and the records we write.

The one place that knows the PoseTrack18 layout; the generator, the datasets, propagation, the
metric, the inferencer and the tools all read and write PoseTrack json through it::

    images/{split}/{video}/{frame:06d}.jpg
    annotations/{split}/{video}.json           # one COCO-style json per video (poseval's input)
    annotations/posetrack18_{split}.json       # all videos of the split merged

A json document holds ``categories`` (one ``person`` category with the keypoint names),
``images`` (``id``, ``file_name``, ``frame_id``, ``vid_id``, ``nframes``, ...) and
``annotations`` (``image_id``, ``keypoints`` as ``x, y, v`` triplets, ``track_id``, ...).
"""
import contextlib
import glob
import io
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import get_text
from xtcocotools.coco import COCO

from .posetrack_checks import check_posetrack_document

#: Keypoint order of PoseTrack18 files (COCO order; the eyes are re-used as head_bottom/head_top).
PT18_KEYPOINT_NAMES: Tuple[str, ...] = (
    'nose', 'head_bottom', 'head_top', 'left_ear', 'right_ear', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
    'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle')

#: PoseTrack18 limb list, 1-based as in the official json ``categories``.
PT18_SKELETON: Tuple[Tuple[int, int], ...] = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8), (7, 9),
    (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7))

#: Digits of the zero-padded frame file names (``000042.jpg``).
FRAME_NAME_DIGITS = 6

#: Fields of an ``images`` entry that place a frame in its video.
VIDEO_FIELDS = ('file_name', 'frame_id', 'vid_id', 'nframes')


# ----------------------------------------------------------------------------- records
def person_category(keypoint_names: Sequence[str] = PT18_KEYPOINT_NAMES,
                    skeleton: Optional[Sequence[Sequence[int]]] = None) -> dict:
    """The ``person`` category of a PoseTrack json.

    Args:
        keypoint_names (Sequence[str]): Keypoint names in file order.
        skeleton (Sequence[Sequence[int]], optional): 1-based limbs; omitted when None.

    Returns:
        dict: The category record.
    """
    category = {'supercategory': 'person', 'id': 1, 'name': 'person',
                'keypoints': list(keypoint_names)}
    if skeleton is not None:
        category['skeleton'] = [list(limb) for limb in skeleton]
    return category


def posetrack18_categories() -> List[dict]:
    """The ``categories`` of a PoseTrack18 json, identical to the official files'."""
    return [person_category(PT18_KEYPOINT_NAMES, PT18_SKELETON)]


def posetrack_document(images: List[dict], annotations: List[dict],
                       categories: Optional[List[dict]] = None) -> Dict[str, list]:
    """A PoseTrack json document (``categories``, ``images``, ``annotations``, in that order).

    Args:
        images (list[dict]): ``images`` records.
        annotations (list[dict]): ``annotations`` records.
        categories (list[dict], optional): Default: :func:`posetrack18_categories`.

    Returns:
        dict: The document.
    """
    return {'categories': posetrack18_categories() if categories is None else categories,
            'images': images, 'annotations': annotations}


def prediction_record(image_id: Any,
                      keypoints: np.ndarray,
                      scores: np.ndarray,
                      track_id: int,
                      score: float,
                      bbox: Optional[Sequence[float]] = None) -> dict:
    """One predicted person as poseval reads it.

    Args:
        image_id: ``id`` of the frame's ``images`` entry.
        keypoints (np.ndarray): ``(K, 2)`` joint positions in image pixels.
        scores (np.ndarray): ``(K, )`` joint scores (they rank the joints in the AP).
        track_id (int): Id unique within the frame and below 10000 (poseval's rule).
        score (float): Person score.
        bbox (Sequence[float], optional): Person box ``x, y, w, h``.

    Returns:
        dict: The record; ``keypoints`` holds ``x, y, score`` triplets.
    """
    kpts = np.asarray(keypoints, dtype=np.float64).reshape(-1, 2)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    record = {'image_id': image_id, 'category_id': 1}
    if bbox is not None:
        record['bbox'] = [float(v) for v in bbox]
    record.update(
        keypoints=np.concatenate([kpts, scores[:, None]], axis=1).reshape(-1).tolist(),
        scores=scores.tolist(),
        score=float(score),
        track_id=int(track_id))
    return record


# ----------------------------------------------------------------------------- reading
def load_posetrack_json(path: str, role: str = 'annotations') -> dict:
    """Read a PoseTrack json document and validate it
    (:func:`~posewarper.fileio.check_posetrack_document`).

    Args:
        path (str): A per-video or merged PoseTrack18 json file.
        role (str): ``'annotations'`` (training / propagation input), ``'gt'`` (ground truth of
            the AP) or ``'prediction'``.

    Returns:
        dict: The parsed json object.

    Raises:
        ValueError: If the file is missing or unreadable, not json, or not a valid PoseTrack18
            document; the message names the file (and the image or annotation and the field).
    """
    doc = _read_json(path, dict, 'PoseTrack json', 'a json object')
    try:
        return check_posetrack_document(doc, path, role)
    except RecursionError:
        raise ValueError(f'{path}: PoseTrack json nested too deeply to check') from None


def load_detections(bbox_file: str) -> list:
    """Read a person-detection file (a json list of ``image_id`` or ``image_name``,
    ``category_id``, ``bbox`` as xywh, ``score``, as MMPose's ``bbox_file``).

    Raises:
        ValueError: If the file is missing or unreadable, not json, or not a list; the message
            names the file.
    """
    return _read_json(bbox_file, list, 'bbox_file', 'a json list of detections')


def _unique_keys(pairs: List[Tuple[str, Any]]) -> dict:
    """``object_pairs_hook`` of json: an object must not repeat a key. json keeps the last
    value silently (a second ``"annotations": []`` emptied a GT video, which then scored
    without its persons), where a reader of the file may see the first."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f'key {key!r} appears twice in one object')
            seen.add(key)
    return obj


def check_json_file(path: str, what: str) -> None:
    """Read a json file as the PoseTrack readers do, refusing what they refuse (a folder, a
    missing file, a json error, an object that repeats a key), without checking its layout.

    For files that another parser reads later, e.g. the ``ann_file`` of MMPose's datasets,
    which xtcocotools reads with plain ``json.load``: it keeps a repeated key's last value
    silently.

    Args:
        path (str): The json file.
        what (str): What the file is, for messages.

    Raises:
        ValueError: One line naming the file (and the repeated key).
    """
    _read_json(path, object, what, 'json')


def _read_json(path: str, kind: type, what: str, expected: str) -> Any:
    if osp.isdir(path):  # say so: "not found" would send the user looking for a missing file
        raise ValueError(f'{path}: {what} is a folder, not a file')
    if not osp.isfile(path):
        raise ValueError(f'{path}: {what} not found')
    try:
        data = json.loads(get_text(path), object_pairs_hook=_unique_keys)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ValueError(f'{path}: cannot read {what}: {e}') from e
    except RecursionError:  # json's decoder on lists nested thousands deep
        raise ValueError(f'{path}: cannot read {what}: nested too deeply') from None
    if not isinstance(data, kind):
        raise ValueError(f'{path}: expected {expected}, got {type(data).__name__}')
    return data


def coco_index(doc: dict, path: str) -> COCO:
    """An xtcocotools index of an already parsed COCO-style document.

    Args:
        doc (dict): The document.
        path (str): Its file, for error messages.

    Returns:
        COCO: The index (the document is not copied).
    """
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(doc.get(key), list):
            raise ValueError(f'{path}: top-level field "{key}" is missing or not a list')
    coco = COCO()
    coco.dataset = doc
    with contextlib.redirect_stdout(io.StringIO()):  # xtcocotools prints while indexing
        coco.createIndex()
    return coco


def gt_dir_from_ann_file(ann_file: str) -> str:
    """Per-video GT folder of a merged annotation file, as MMPose derives it.

    ``.../annotations/posetrack18_val.json`` -> ``.../annotations/val``.
    """
    split = osp.splitext(osp.basename(ann_file).split('_')[-1])[0]
    return osp.join(osp.dirname(ann_file), split)


def video_json_files(folder: str) -> List[str]:
    """The per-video json files of a folder, sorted by name.

    Raises:
        ValueError: If the folder does not exist or holds no json file.
    """
    if not osp.isdir(folder):
        raise ValueError(f'{folder}: not a directory')
    files = sorted(glob.glob(osp.join(glob.escape(folder), '*.json')))
    if not files:
        raise ValueError(f'{folder}: no PoseTrack json files')
    return files


def load_posetrack_dirs(gt_dir: str, pred_dir: str) -> Tuple[Dict[str, dict], Dict[str, dict]]:
    """Load the per-video GT and prediction json files of two folders.

    Args:
        gt_dir (str): Folder of GT files, one ``<video>.json`` per video.
        pred_dir (str): Folder of prediction files with the same names.

    Returns:
        tuple[dict, dict]: GT and prediction json objects keyed by file name.

    Raises:
        ValueError: If a folder does not exist, holds no GT file, a prediction file is missing,
            a prediction file has no GT file, a prediction file is the GT file (the same
            folder, a link), a file is not valid json, or a GT file lists no image.
    """
    gt_files = video_json_files(gt_dir)
    if not osp.isdir(pred_dir):
        raise ValueError(f'{pred_dir}: not a directory')
    if osp.samefile(gt_dir, pred_dir):
        raise ValueError(f'--pred-dir {pred_dir} is the --gt-dir {gt_dir}: the GT would be '
                         'scored as its own predictions')
    gt_names = {osp.basename(f) for f in gt_files}
    for path in sorted(glob.glob(osp.join(glob.escape(pred_dir), '*.json'))):
        if osp.basename(path) not in gt_names:
            raise ValueError(f'{path}: prediction file for a video with no GT file in {gt_dir}')
    for path in gt_files:
        pred_path = osp.join(pred_dir, osp.basename(path))
        if not osp.isfile(pred_path):
            raise ValueError(f'{pred_path}: prediction file missing for GT video {path}')
        if osp.samefile(path, pred_path):  # a link to the GT file
            raise ValueError(f'{pred_path}: the prediction file is the GT file {path}')
    gt_videos, pred_videos = {}, {}
    for path in gt_files:
        name = osp.basename(path)
        gt_videos[name] = load_posetrack_json(path, 'gt')
        if not gt_videos[name].get('images'):
            # it would count as a video without a person and move no number: refuse instead
            raise ValueError(f'{path}: field "images" is empty: a GT file lists the frames of '
                             'its video')
        pred_videos[name] = load_posetrack_json(osp.join(pred_dir, name), 'prediction')
    return gt_videos, pred_videos


# ----------------------------------------------------------------------------- video layout
def video_name_of(image: dict) -> str:
    """Name of an image's video: the folder of its ``file_name`` (``<name>.json`` is the
    video's per-video file)."""
    return osp.basename(osp.dirname(image['file_name']))


def frame_info(image: dict, source: str) -> dict:
    """Where an ``images`` entry sits in its video.

    Args:
        image (dict): The entry; needs :data:`VIDEO_FIELDS`.
        source (str): Its file, for error messages.

    Returns:
        dict: ``vid_id`` (str), ``frame_id`` (int), ``frame_idx`` (int, the index in the video,
        from the file name) and ``nframes`` (int).

    Raises:
        ValueError: If a field is missing or not an integer, or the index is outside the video.
    """
    missing = [k for k in VIDEO_FIELDS if k not in image]
    if missing:
        raise ValueError(f'{source}: image id={image.get("id")} lacks field(s) {missing}; '
                         f'PoseTrack18 images need {list(VIDEO_FIELDS)}')
    stem = osp.splitext(osp.basename(image['file_name']))[0]
    try:
        frame_idx = int(stem)
        nframes = int(image['nframes'])
        frame_id = int(image['frame_id'])
    except (TypeError, ValueError) as e:
        raise ValueError(f'{source}: image id={image.get("id")} has a non-integer frame index '
                         f'in "file_name" ({image["file_name"]!r}), "nframes" or "frame_id": '
                         f'{e}') from e
    if nframes < 1:
        raise ValueError(f'{source}: image {image["file_name"]!r} has "nframes"={nframes} < 1')
    if not 0 <= frame_idx < nframes:
        raise ValueError(f'{source}: image {image["file_name"]!r}: frame index {frame_idx} from '
                         f'"file_name" is outside [0, nframes={nframes})')
    return dict(vid_id=str(image['vid_id']), frame_id=frame_id, frame_idx=frame_idx,
                nframes=nframes)


def frame_path(ref_path: str, frame_idx: int, digits: int = FRAME_NAME_DIGITS) -> str:
    """Path of frame ``frame_idx`` of the video of the frame at ``ref_path`` (same folder and
    extension, zero-padded to ``digits``)."""
    folder, ext = osp.dirname(ref_path), osp.splitext(ref_path)[1]
    return osp.join(folder, f'{frame_idx:0{digits}d}{ext}')
