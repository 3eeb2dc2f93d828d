"""Small PoseTrack18 documents for the AP tests, built from PT17 joints."""
import copy
from typing import Dict, List, Optional, Sequence

import numpy as np

from posewarper.evaluation.functional import PT18_TO_PT17, compute_ap, compute_joint_ap
from posewarper.fileio import PT18_KEYPOINT_NAMES

# Head box 30 x 40 -> diagonal 50 -> head size 30 -> a joint matches within 15 px.
HEAD_BOX = [0, 0, 30, 40]
CATEGORIES = [{'id': 1, 'name': 'person', 'supercategory': 'person',
               'keypoints': list(PT18_KEYPOINT_NAMES)}]
ALL = tuple(range(15))


def joints_at(origin_x: float, origin_y: float = 0.0, ids: Sequence[int] = ALL) -> dict:
    """PT17 joint id -> (x, y): joints 100 px apart, far beyond the 15 px threshold."""
    return {j: (origin_x + 100.0 * j, origin_y) for j in ids}


def person(joints: Dict[int, tuple],
           score: Optional[float] = None,
           track_id: int = 0,
           head_box: Optional[List[float]] = HEAD_BOX) -> dict:
    """A PT18 annotation from PT17 joints ``{id: (x, y[, v])}``; absent joints are (0, 0, 0)."""
    kpts = [0.0] * 51
    for slot, joint in enumerate(PT18_TO_PT17):
        if joint in joints:
            x, y, *v = joints[joint]
            kpts[3 * slot:3 * slot + 3] = [x, y, v[0] if v else 1]
    ann = {'keypoints': kpts, 'track_id': track_id,
           'scores': [] if score is None else [score] * 17}
    if head_box is not None:
        ann['bbox_head'] = list(head_box)
    return ann


def video(frames: List[List[dict]], regions: Optional[Dict[int, list]] = None,
          name: str = '000001_mpii_test') -> dict:
    """A PT18 per-video object; ``regions`` maps a frame index to a list of polygons."""
    images, anns = [], []
    for idx, persons in enumerate(frames):
        image = {'id': 1000 + idx, 'file_name': f'images/val/{name}/{idx:06d}.jpg',
                 'is_labeled': True}
        if regions and idx in regions:
            image['ignore_regions_x'] = [[p[0] for p in poly] for poly in regions[idx]]
            image['ignore_regions_y'] = [[p[1] for p in poly] for poly in regions[idx]]
        images.append(image)
        for ann in persons:
            anns.append(dict(copy.deepcopy(ann), image_id=1000 + idx))
    return {'images': images, 'annotations': anns, 'categories': copy.deepcopy(CATEGORIES)}


def ap_of(gt_frames, pred_frames, regions=None) -> dict:
    return compute_ap({'v.json': video(gt_frames, regions)}, {'v.json': video(pred_frames)})


def joint_ap_of(gt_frames, pred_frames, regions=None) -> np.ndarray:
    return compute_joint_ap({'v.json': video(gt_frames, regions)},
                            {'v.json': video(pred_frames)})


def copy_with_scores(data: dict, score: float = 0.9) -> dict:
    pred = copy.deepcopy(data)
    for ann in pred['annotations']:
        ann['scores'] = [score] * 17
    return pred
