"""PoseTrack per-frame multi-person pose AP, computed as the ``poseval`` toolkit does.

``poseval`` (https://github.com/leonid-pishchulin/poseval) is the official PoseTrack evaluation
code. It is not on PyPI and needs ``shapely``, so this module re-implements its AP protocol
(``evaluateAP``) from the description of its behaviour, for PoseTrack18-format per-video json
files (COCO-like: ``images``, ``annotations``, ``categories``):

1. Every annotation is converted to the 15-joint PoseTrack17 set (:mod:`.posetrack_frames`).
2. Each GT frame is paired with its prediction frame by image id or file name
   (:mod:`.posetrack_pairing`; poseval pairs them by position, which scores a prediction listed
   in another order against the wrong frames). GT frames with no annotated person are skipped,
   together with their prediction frame. ``is_labeled`` is not consulted.
3. Joints strictly inside an ignore region of the GT frame (:mod:`.polygon`) are removed from
   GT and predictions; a person left without joints is removed.
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
twice, a GT head box of zero size (poseval silently counts its person as missed), and two GT
files holding the same video. A GT person without joints needs no head box (poseval would crash
on it). Files are
validated when read (:func:`posewarper.fileio.check_posetrack_document`). One result differs from
poseval on purpose: when no frame has a GT person at all, nothing can be evaluated and every value
is NaN (``null`` in json), where poseval reports 0.
"""
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ...fileio import load_posetrack_dirs
from .polygon import points_strictly_in_polygon
from .posetrack_frames import NUM_JOINTS, Person, fail, parse_video
from .posetrack_pairing import pair_frames

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

# A joint is correct when its distance is at most this fraction of the head size.
PCKH_THR = 0.5
HEAD_SIZE_FACTOR = 0.6


def _remove_ignored(persons: List[Person], polygons: List[np.ndarray]) -> List[Person]:
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


def _match_frame(gts: List[Person], preds: List[Person], file: str,
                 frame_idx: int) -> np.ndarray:
    """Assign predictions to GT persons in one frame and label every predicted joint.

    Args:
        gts (list[Person]): GT persons (at least one).
        preds (list[Person]): Predicted persons (at least one).
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
                raise fail(file, 'bbox_head',
                           f'a GT person with joints in frame {frame_idx} has no head box')
            head[g] = _head_size(gt.head_box)
    gt_xy = np.stack([g.xy for g in gts])[None]  # (1, G, 15, 2)
    pr_xy = np.stack([p.xy for p in preds])[:, None]  # (P, 1, 15, 2)
    both = has_pr[:, None] & has_gt[None]  # (P, G, 15)
    diff = gt_xy - pr_xy
    # a far coordinate (1e308, finite) overflows to an infinite distance: no match, as it should
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
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


def _check_head_boxes(gts: List[Person], file: str, image_id) -> None:
    """Refuse a GT person with joints whose head box has zero size: its PCKh threshold is 0,
    so no prediction could ever match it (poseval scores it silently as missed)."""
    for gt in gts:
        if gt.valid.any() and gt.head_box is not None and not _head_size(gt.head_box) > 0:
            raise fail(file, 'bbox_head', f'image id={image_id!r}: a GT person with joints has '
                       f'a head box of zero size {list(gt.head_box)} (x1, y1, x2, y2): its PCKh '
                       'threshold would be 0 and no prediction could match it')


def _check_distinct_videos(gt_videos: Dict[str, dict], gt_files: Dict[str, str]) -> None:
    """Refuse two GT files that hold the same video (the same ``vid_id``, or frames of the same
    video folder): its frames and persons would be counted twice."""
    seen: Dict[Tuple[str, str], str] = {}
    for name in sorted(gt_videos):
        images = [im for im in gt_videos[name].get('images') or [] if isinstance(im, dict)]
        keys = {('vid_id', str(im['vid_id'])) for im in images if im.get('vid_id') is not None}
        keys |= {('video folder', osp.dirname(im['file_name'])) for im in images
                 if isinstance(im.get('file_name'), str) and osp.dirname(im['file_name'])}
        for key in sorted(keys):
            if key in seen:
                raise fail(gt_files.get(name, name), 'images', f'{key[0]} {key[1]!r} is also '
                           f'the video of {gt_files.get(seen[key], seen[key])}: each GT file '
                           'must hold its own video')
            seen[key] = name


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
        gets 0 and a joint with predictions but no GT anywhere NaN, as in poseval; when no
        joint has GT anywhere (every GT frame empty) every value is NaN.

    Raises:
        ValueError: On a missing or unknown video, a frame count mismatch or malformed content.
    """
    _check_distinct_videos(gt_videos, gt_files or {})
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
        gt_frames = parse_video(gt_videos[name], gt_file, is_gt=True)
        pr_frames = parse_video(pred_videos[name], pred_file, is_gt=False)
        pairs = pair_frames(gt_videos[name], pred_videos[name], gt_file, pred_file)
        gt_images = gt_videos[name]['images']
        for idx, (gt_frame, pr_idx) in enumerate(zip(gt_frames, pairs)):
            pr_frame = pr_frames[pr_idx]
            # Frames without GT persons are skipped, whatever their predictions.
            if not gt_frame.persons:
                continue
            _check_head_boxes(gt_frame.persons, gt_file, gt_images[idx].get('id'))
            gts, preds = gt_frame.persons, pr_frame.persons
            if gt_frame.regions:
                for region in gt_frame.regions:
                    if 0 < len(region) < 3:
                        raise fail(gt_file, 'ignore_regions_x',
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

    if not num_gt.any():
        return np.full(NUM_JOINTS, np.nan)  # no GT person anywhere: nothing to evaluate
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


def _dir_paths(folder: str, names: Sequence[str]) -> Dict[str, str]:
    return {name: osp.join(folder, name) for name in names}


def evaluate_posetrack_ap(gt_dir: str, pred_dir: str) -> Dict[str, float]:
    """PoseTrack AP of a folder of prediction files against a folder of GT files.

    Args:
        gt_dir (str): Folder of PoseTrack18 GT files, one ``<video>.json`` per video.
        pred_dir (str): Folder of PoseTrack18 prediction files with the same names, each covering
            every frame of its GT file (paired by image id or file name, in any order).

    Returns:
        dict[str, float]: ``Head, Shou, Elb, Wri, Hip, Knee, Ankl, Total`` AP in percent.
    """
    gt_videos, pred_videos = load_posetrack_dirs(gt_dir, pred_dir)
    return compute_ap(gt_videos, pred_videos, _dir_paths(gt_dir, list(gt_videos)),
                      _dir_paths(pred_dir, list(pred_videos)))
