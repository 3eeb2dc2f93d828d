"""One generated PoseTrack18 video with its ground truth per frame, for the inference tests."""
import json
from itertools import combinations
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

from posewarper_synthetic import make_synthetic_posetrack


def generated_video(root: Path, seed: int = 0, frames: int = 12, width: int = 128,
                    height: int = 96, people: int = 2) -> dict:
    """Generate one video (val split) and read back its labels.

    Returns:
        dict: ``folder`` (its frames), ``paths`` (sorted frame paths), and per frame ``boxes``
        ``(P, 4)`` xyxy, ``track_ids`` ``(P, )`` and ``keypoints`` ``(P, 17, 3)``
        ``x, y, visible``, people in track-id order.
    """
    info = make_synthetic_posetrack(str(root), videos=1, frames=frames, width=width,
                                    height=height, seed=seed, splits='val', people_min=people,
                                    people_max=people, ignore_region_prob=0.0)['val']
    folder = Path(info['img_dir']) / info['video_names'][0]
    gt = json.loads(Path(info['video_ann_files'][0]).read_text())
    out = dict(folder=folder, paths=sorted(folder.glob('*.jpg')), boxes=[], track_ids=[],
               keypoints=[])
    for image in sorted(gt['images'], key=lambda im: im['file_name']):
        anns = sorted((a for a in gt['annotations'] if a['image_id'] == image['id']),
                      key=lambda a: a['track_id'])
        out['boxes'].append(np.array([[x, y, x + w, y + h] for x, y, w, h in
                                      (a['bbox'] for a in anns)], np.float32).reshape(-1, 4))
        out['track_ids'].append(np.array([a['track_id'] for a in anns], np.int64))
        out['keypoints'].append(np.array([a['keypoints'] for a in anns],
                                         np.float32).reshape(-1, 17, 3))
    return out


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two xyxy boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return float(w * h / union) if union > 0 else 0.0


def max_crossing_iou(video: dict) -> float:
    """The largest IoU of two people's boxes in one frame: how much people cross."""
    return max((box_iou(a, b) for boxes in video['boxes'] for a, b in combinations(boxes, 2)),
               default=0.0)


def identity_switches(gt_ids: Sequence[np.ndarray], pred_ids: Sequence[np.ndarray]) -> int:
    """Identity switches (MOT's IDSW) of predicted ids given per frame for the same people.

    ``pred_ids[t][i]`` is the id predicted for the person whose ground-truth id is
    ``gt_ids[t][i]``. A switch is a ground-truth person whose predicted id differs from the
    one it had when last seen.
    """
    last: Dict[int, int] = {}
    switches = 0
    for gts, preds in zip(gt_ids, pred_ids):
        for g, p in zip(gts, preds):
            if int(g) in last and last[int(g)] != int(p):
                switches += 1
            last[int(g)] = int(p)
    return switches


def shuffled_per_frame(video: dict, seed: int = 0) -> List[np.ndarray]:
    """A permutation of the people of each frame (detectors list people in any order)."""
    rng = np.random.RandomState(seed)
    return [rng.permutation(len(b)) for b in video['boxes']]
