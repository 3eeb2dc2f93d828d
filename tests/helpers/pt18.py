"""Helpers writing small PoseTrack18-format data (merged json + frame jpgs) for the tests.

Each frame is a flat grey image whose level encodes ``(video, frame index)``, so a test can tell
which frame a sample loaded; each person is a fixed-size box with keypoints inside it.
"""
import json
from pathlib import Path
from typing import Dict, Optional, Sequence

import cv2
import numpy as np

from posewarper.datasets import PoseTrackSparseClipDataset, PoseTrackSparseDataset

NUM_KEYPOINTS = 17
#: Crop size of the dataset tests' pipelines.
INPUT_W, INPUT_H = 24, 32
IMG_W, IMG_H = 64, 48


def frame_level(video: int, frame_idx: int) -> int:
    """Grey level of frame ``frame_idx`` of the ``video``-th video (distinct for < 24 frames)."""
    return (40 + 50 * video + 8 * frame_idx) % 256


def person_keypoints(frame_idx: int, person: int) -> np.ndarray:
    """Deterministic ``(K, 3)`` keypoints (x, y, visibility) inside a 20x30 box."""
    rng = np.random.RandomState(1000 * frame_idx + person)
    x0, y0 = 5 + 25 * person, 8
    kpts = np.zeros((NUM_KEYPOINTS, 3), dtype=np.float64)
    kpts[:, 0] = x0 + rng.uniform(1, 19, NUM_KEYPOINTS)
    kpts[:, 1] = y0 + rng.uniform(1, 29, NUM_KEYPOINTS)
    kpts[:, 2] = 1
    return kpts


def write_posetrack18(root: Path,
                      nframes: Sequence[int] = (15, 15),
                      annotated: Optional[Dict[int, Sequence[int]]] = None,
                      persons: int = 2,
                      split: str = 'train',
                      write_images: bool = True) -> Dict:
    """Write a PoseTrack18-style merged json and its frames under ``root``.

    Args:
        root (Path): Data root; frames go to ``images/<split>/<vid>_mpii_test/%06d.jpg`` and the
            json to ``annotations/posetrack18_<split>.json``.
        nframes (Sequence[int]): Length of each video.
        annotated (dict, optional): Video number -> annotated frame indices. Default: every frame.
        persons (int): People per annotated frame.
        split (str): Split name used in paths.
        write_images (bool): Whether to write the jpgs.

    Returns:
        dict: ``ann_file`` (str), ``data`` (the json dict) and ``root`` (str).
    """
    images, annotations = [], []
    for v, n in enumerate(nframes):
        vid_id = f'{v + 1:06d}'
        folder = f'images/{split}/{vid_id}_mpii_test'
        frames = range(n) if annotated is None or v not in annotated else annotated[v]
        frames = set(frames)
        if write_images:
            (root / folder).mkdir(parents=True, exist_ok=True)
        for idx in range(n):
            frame_id = int(f'1{vid_id}{idx:04d}')
            if write_images:
                img = np.full((IMG_H, IMG_W, 3), frame_level(v, idx), dtype=np.uint8)
                cv2.imwrite(str(root / folder / f'{idx:06d}.jpg'), img)
            images.append(dict(
                file_name=f'{folder}/{idx:06d}.jpg', id=frame_id, frame_id=frame_id,
                vid_id=vid_id, nframes=n, is_labeled=idx in frames, width=IMG_W, height=IMG_H))
            if idx not in frames:
                continue
            for p in range(persons):
                kpts = person_keypoints(idx, p)
                annotations.append(dict(
                    id=frame_id * 100 + p, image_id=frame_id, track_id=p, category_id=1,
                    keypoints=kpts.reshape(-1).tolist(), num_keypoints=NUM_KEYPOINTS,
                    bbox=[5.0 + 25 * p, 8.0, 20.0, 30.0], iscrowd=False))
    data = dict(images=images, annotations=annotations, categories=[dict(
        id=1, name='person', supercategory='person',
        keypoints=[f'kpt{i}' for i in range(NUM_KEYPOINTS)], skeleton=[])])
    ann_file = root / 'annotations' / f'posetrack18_{split}.json'
    ann_file.parent.mkdir(parents=True, exist_ok=True)
    ann_file.write_text(json.dumps(data))
    return dict(ann_file=str(ann_file), data=data, root=str(root))


def make_dataset(data: dict, dataset=PoseTrackSparseClipDataset,
                 **kwargs) -> PoseTrackSparseClipDataset:
    # ``serialize_data=False`` skips mmengine's gc.collect() (~0.5 s a dataset); tests that care
    # about the serialized (default) path set it back to True.
    cfg = dict(ann_file=data['ann_file'], data_root='', data_prefix=dict(img=data['root'] + '/'),
               pipeline=[], serialize_data=False)
    cfg.update(kwargs)
    return dataset(**cfg)


def video_frames(ds: PoseTrackSparseDataset) -> set:
    """The (vid_id, frame_idx) pairs that give samples."""
    return {(ds.get_data_info(i)['vid_id'], ds.get_data_info(i)['frame_idx'])
            for i in range(len(ds))}


def first_sample_at(ds: PoseTrackSparseDataset, frame_idx: int) -> int:
    return next(i for i in range(len(ds)) if ds.get_data_info(i)['frame_idx'] == frame_idx)


def rewrite(data: dict, edit) -> None:
    """Apply ``edit`` to the json dict and write it back."""
    edit(data['data'])
    Path(data['ann_file']).write_text(json.dumps(data['data']))


def train_pipeline(input_size=(INPUT_W, INPUT_H)):
    return [
        dict(type='LoadMultiFrameImages'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomHalfBody'),
        dict(type='RandomBBoxTransform', rotate_factor=45, scale_factor=(0.7, 1.35)),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='GenerateTarget', encoder=dict(
            type='MSRAHeatmap', input_size=input_size,
            heatmap_size=(input_size[0] // 4, input_size[1] // 4), sigma=2)),
        dict(type='PackMultiFramePoseInputs'),
    ]


def window_pipeline(input_size=(INPUT_W, INPUT_H)):
    return [
        dict(type='LoadMultiFrameImages'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=input_size),
        dict(type='PackMultiFramePoseInputs'),
    ]
