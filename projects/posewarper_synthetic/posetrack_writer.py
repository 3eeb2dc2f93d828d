"""The generated videos' PoseTrack18 records: ids, ``images`` and ``annotations`` entries.

Ids and key order follow the official PoseTrack18 release; the layout of the files and their
writing are :mod:`posewarper.fileio`'s.
"""
from typing import Sequence

import numpy as np

from .annotations import PersonLabel

# PoseTrack18 image ids: 1e10 + vid_id * 1e4 + frame index (e.g. 10034180000 for video 003418).
IMAGE_ID_BASE = 10_000_000_000
FRAMES_PER_VIDEO_ID = 10_000
# Annotation ids are image_id * 100 + track id, as in the official files.
TRACKS_PER_IMAGE = 100
# Decimal places of the float coordinates (keeps the json small and byte-stable).
DECIMALS = 2


def image_id(vid_id: int, frame: int) -> int:
    """PoseTrack18 ``image_id`` / ``frame_id`` of frame ``frame`` of video ``vid_id``."""
    return IMAGE_ID_BASE + vid_id * FRAMES_PER_VIDEO_ID + frame


def video_name(vid_id: int, suffix: str = 'synth') -> str:
    """Folder and json name of a video, e.g. ``000001_synth``."""
    return f'{vid_id:06d}_{suffix}'


def image_record(split: str, vid_name: str, vid_id: int, frame: int, nframes: int, width: int,
                 height: int, ignore_polygons: Sequence[np.ndarray],
                 is_labeled: bool = True) -> dict:
    """One entry of ``images`` in the key order of the official files.

    Args:
        split (str): ``train`` or ``val``.
        vid_name (str): video folder name.
        vid_id (int): numeric video id.
        frame (int): frame index (from 0).
        nframes (int): number of frames of the video.
        width (int): image width.
        height (int): image height.
        ignore_polygons (Sequence[np.ndarray]): (K, 2) ignore regions in pixels.
        is_labeled (bool): whether the frame carries pose labels.

    Returns:
        dict: the image record.
    """
    ident = image_id(vid_id, frame)
    return {
        'has_no_densepose': True,
        'is_labeled': bool(is_labeled),
        'file_name': f'images/{split}/{vid_name}/{frame:06d}.jpg',
        'nframes': int(nframes),
        'frame_id': ident,
        'vid_id': f'{vid_id:06d}',
        'ignore_regions_y': [[int(round(v)) for v in poly[:, 1]] for poly in ignore_polygons],
        'ignore_regions_x': [[int(round(v)) for v in poly[:, 0]] for poly in ignore_polygons],
        'id': ident,
        'width': int(width),
        'height': int(height),
    }


def annotation_record(label: PersonLabel, img_id: int) -> dict:
    """One entry of ``annotations`` in the key order of the official files."""
    kpts = []
    for x, y, v in label.keypoints.tolist():
        # As in the official files: integer visibilities, and unlabelled joints exactly 0, 0, 0.
        if x == 0 and y == 0 and v == 0:
            kpts += [0, 0, 0]
        else:
            kpts += [round(x, DECIMALS), round(y, DECIMALS), int(v)]
    return {
        'bbox_head': [int(v) for v in label.bbox_head],
        'keypoints': kpts,
        'track_id': int(label.track_id),
        'image_id': int(img_id),
        'bbox': [round(float(v), DECIMALS) for v in label.bbox],
        'scores': [],
        'category_id': 1,
        'id': int(img_id) * TRACKS_PER_IMAGE + int(label.track_id),
        'iscrowd': False,
        'num_keypoints': int(label.num_keypoints),
    }
