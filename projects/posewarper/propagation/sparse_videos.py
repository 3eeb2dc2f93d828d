"""Read a PoseTrack18 json into videos with their labelled frames and labelled persons.

"Labelled" follows the sparse-label datasets exactly (their selection,
:func:`~posewarper.datasets.labelled_image_ids`, runs here): the frames of a sparse json that
carry labels (``is_labeled: true`` or an annotation), or, with ``label_interval=K``, every K-th
of those frames of each video from position ``label_phase`` on, the selection the sparse-label
training configs use.
"""
import os.path as osp
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import cv2
import numpy as np

from ..datasets import labelled_image_ids
from ..fileio import coco_index, frame_info, frame_path, load_posetrack_json, video_name_of
from .structures import Pose


@dataclass
class SparseVideo:
    """One video of the annotation file.

    Attributes:
        name (str): Folder name of its frames, also the name (``<name>.json``) of its
            per-video PoseTrack18 file.
        images (list[dict]): Its ``images`` records, in file order.
        frame_index (dict[int, int]): ``image id -> frame index`` (from the file name).
        labelled (set[int]): Frame indices of its labelled frames.
        persons (dict[int, list[Pose]]): Labelled persons of each labelled frame.
        paths (dict[int, str]): Image path of each frame index of ``images``.
    """
    name: str
    images: List[dict] = field(default_factory=list)
    frame_index: Dict[int, int] = field(default_factory=dict)
    labelled: Set[int] = field(default_factory=set)
    persons: Dict[int, List[Pose]] = field(default_factory=dict)
    paths: Dict[int, str] = field(default_factory=dict)

    def frame_path(self, frame_idx: int) -> str:
        """Image path of a frame, also for a frame not listed in ``images`` (resolved like the
        datasets resolve neighbours, zero-padded like the listed frames' names)."""
        if frame_idx in self.paths:
            return self.paths[frame_idx]
        ref = next(iter(self.paths.values()))
        digits = len(osp.splitext(osp.basename(ref))[0])
        return frame_path(ref, frame_idx, digits)


def annotation_to_pose(ann: dict, img: dict, num_keypoints: int) -> Optional[Pose]:
    """A labelled person as a :class:`Pose`; ``None`` for crowd or joint-less annotations.

    The box is MMPose's (``xywh`` clipped to the image, as ``BaseCocoStyleDataset``); a missing
    or empty box falls back to the extent of the joints.
    """
    if ann.get('iscrowd', False) or 'keypoints' not in ann:
        return None
    kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
    if kpts.shape[0] != num_keypoints:
        raise ValueError(f'annotation id={ann.get("id")}: {kpts.shape[0]} keypoints, expected '
                         f'{num_keypoints}')
    exists = (kpts != 0).any(axis=1)
    if not exists.any():
        return None
    w, h = img['width'], img['height']
    if ann.get('bbox') and ann['bbox'][2] > 0 and ann['bbox'][3] > 0:
        x, y, bw, bh = ann['bbox']
        bbox = np.array([x, y, x + bw, y + bh], dtype=np.float64)
    else:
        pts = kpts[exists, :2]
        bbox = np.concatenate([pts.min(0), pts.max(0)])
    bbox = np.clip(bbox, 0, [w - 1, h - 1, w - 1, h - 1])
    if bbox[2] - bbox[0] < 1 or bbox[3] - bbox[1] < 1:
        # a box squeezed to nothing by the clipping: use the joints, at least 1 pixel
        pts = kpts[exists, :2]
        bbox = np.concatenate([pts.min(0), np.maximum(pts.max(0), pts.min(0) + 1)])
    head = ann.get('bbox_head')
    return Pose(
        keypoints=kpts[:, :2].copy(),
        visible=kpts[:, 2].astype(np.int64),
        exists=exists,
        bbox=bbox,
        track_id=int(ann.get('track_id', -1)),
        bbox_head=np.asarray(head, dtype=np.float64) if head and len(head) == 4 else None,
        ann_id=ann.get('id'))


def load_sparse_videos(ann_file: str,
                       data_root: str = '',
                       label_interval: Optional[int] = None,
                       label_phase: int = 0) -> Tuple[dict, List[SparseVideo]]:
    """Load a PoseTrack18 json and split it into videos with labelled frames and persons.

    Args:
        ann_file (str): Merged PoseTrack18 json (sparse, or full with ``label_interval``).
        data_root (str): Folder the image ``file_name`` s are relative to.
        label_interval (int, optional): Keep every K-th annotated frame of each video as
            labelled; ``None`` or 1: every annotated frame.
        label_phase (int): Position of the first labelled frame among the annotated ones.

    Returns:
        tuple: The json object and the videos (in order of first appearance).

    Raises:
        FileNotFoundError: If ``ann_file`` does not exist.
        ValueError: If it is a folder, malformed, or no frame is labelled.
    """
    if not osp.exists(ann_file):  # a folder is refused by the reader, as a folder
        raise FileNotFoundError(f'annotation file not found: {ann_file}')
    doc = load_posetrack_json(ann_file)
    coco = coco_index(doc, ann_file)
    labelled_ids = labelled_image_ids(
        coco, ann_file, 1 if label_interval is None else label_interval, label_phase)
    if not labelled_ids:
        raise ValueError(f'{ann_file} has no labelled frame (no image with "is_labeled": true or '
                         f'an annotation, label_interval={label_interval}, '
                         f'label_phase={label_phase}): there is nothing to propagate from')
    categories = doc['categories']
    num_keypoints = (len(categories[0].get('keypoints', [])) if categories else 0) or 17
    videos: 'OrderedDict[str, SparseVideo]' = OrderedDict()
    for img in doc['images']:
        info = frame_info(img, ann_file)
        name = video_name_of(img) or info['vid_id']
        video = videos.setdefault(name, SparseVideo(name))
        idx = info['frame_idx']
        if idx in video.paths:
            raise ValueError(f'{ann_file}: video {name} lists frame {idx} twice')
        video.images.append(img)
        video.frame_index[img['id']] = idx
        video.paths[idx] = osp.join(data_root, img['file_name'])
        if img['id'] in labelled_ids:
            video.labelled.add(idx)
            poses = (annotation_to_pose(a, img, num_keypoints)
                     for a in coco.loadAnns(coco.getAnnIds(imgIds=img['id'])))
            video.persons[idx] = [p for p in poses if p is not None]
    return doc, list(videos.values())


class FrameLoader:
    """``get_frame`` of a video: reads frames from disk, keeping the last few in memory.

    Args:
        video (SparseVideo): The video.
        cache_size (int): Frames kept (propagation reads each frame a few times in a row).
    """

    def __init__(self, video: SparseVideo, cache_size: int = 16):
        self.video = video
        self.cache_size = cache_size
        self._cache: 'OrderedDict[int, np.ndarray]' = OrderedDict()
        self._size: Optional[Tuple[int, int, int]] = None  # (frame index, H, W) of the first

    def __call__(self, frame_idx: int) -> np.ndarray:
        if frame_idx in self._cache:
            self._cache.move_to_end(frame_idx)
            return self._cache[frame_idx]
        path = self.video.frame_path(frame_idx)
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(f'frame image not found or unreadable: {path}')
        # the methods crop and compare frames of a video in one coordinate frame: a frame of
        # another size would end in an OpenCV assertion (flow) or a silently shifted crop
        if self._size is None:
            self._size = (frame_idx, *img.shape[:2])
        elif tuple(img.shape[:2]) != self._size[1:]:
            first, h, w = self._size
            raise ValueError(f'{path}: frame {frame_idx} of video {self.video.name} is '
                             f'{img.shape[1]}x{img.shape[0]}, frame {first} is {w}x{h}: the frames '
                             'of a video must have one size')
        self._cache[frame_idx] = img
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return img
