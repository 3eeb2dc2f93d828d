"""From rendered geometry to PoseTrack18 label values: visibility, person box and head box."""
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from .scene import FrameLabels
from .skeleton import NUM_KEYPOINTS


@dataclass(frozen=True)
class PersonLabel:
    """Label values of one person in one frame.

    Args:
        track_id (int): the person's index in the video (stable over frames).
        keypoints (np.ndarray): (17, 3) ``x, y, v``; ``v`` is 1 for visible joints, 0 with the
            coordinates kept for joints hidden by another person, and ``0, 0, 0`` for joints
            outside the frame.
        bbox (tuple[float, float, float, float]): padded silhouette box ``x, y, w, h`` clipped
            to the frame.
        bbox_head (tuple[int, int, int, int]): head box ``x, y, w, h`` (not clipped, as in
            PoseTrack18).
        num_keypoints (int): number of visible joints.
    """

    track_id: int
    keypoints: np.ndarray
    bbox: Tuple[float, float, float, float]
    bbox_head: Tuple[int, int, int, int]
    num_keypoints: int


def label_people(labels: FrameLabels, width: int, height: int, bbox_pad: float = 0.04,
                 head_box: Tuple[float, float] = (1.0, 1.2)) -> List[PersonLabel]:
    """PoseTrack18 label values of all people of a frame that show at least one joint.

    Args:
        labels (FrameLabels): rendered geometry of the frame.
        width (int): frame width.
        height (int): frame height.
        bbox_pad (float): padding of the person box, as a fraction of its larger side.
        head_box (tuple[float, float]): head box width and height in head lengths.

    Returns:
        list[PersonLabel]: one entry per person with ``num_keypoints > 0``, by track id.
    """
    out = []
    for pid in range(labels.keypoints.shape[0]):
        xy = labels.keypoints[pid]
        inside = ((xy[:, 0] >= 0) & (xy[:, 0] <= width - 1) & (xy[:, 1] >= 0) &
                  (xy[:, 1] <= height - 1))
        kpts = np.zeros((NUM_KEYPOINTS, 3))
        kpts[inside, :2] = xy[inside]
        kpts[:, 2] = (inside & ~labels.occluded[pid]).astype(np.float64)
        num_visible = int(kpts[:, 2].sum())
        if num_visible == 0:
            # Like PoseTrack18 (and MMPose's loader), people without a labelled joint are absent.
            continue
        x0, y0, x1, y1 = labels.boxes[pid]
        pad = bbox_pad * max(x1 - x0, y1 - y0)
        x0, y0 = max(x0 - pad, 0.0), max(y0 - pad, 0.0)
        x1, y1 = min(x1 + pad, width - 1.0), min(y1 + pad, height - 1.0)
        head_len = float(labels.head_lengths[pid])
        head_w, head_h = head_box[0] * head_len, head_box[1] * head_len
        cx, cy = labels.head_centres[pid]
        out.append(PersonLabel(
            track_id=pid, keypoints=kpts, bbox=(x0, y0, x1 - x0, y1 - y0),
            bbox_head=(int(round(cx - head_w / 2)), int(round(cy - head_h / 2)),
                       int(round(head_w)), int(round(head_h))),
            num_keypoints=num_visible))
    return out
