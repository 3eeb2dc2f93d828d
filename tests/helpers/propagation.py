"""Helpers of the propagation tests (``tests/test_propagation``, ``tests/test_tools``): tiny
generated data, edited videos, random-weight models, and watching the runner's per-video cache.
"""
import copy
import json
import os.path as osp
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_STAGE1 = REPO_ROOT / 'configs/tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py'
TINY_STAGE2 = REPO_ROOT / 'configs/tiny/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py'


def make_dataset(root: Path, videos: int = 2, frames: int = 15, width: int = 128,
                 height: int = 96, seed: int = 0, splits: str = 'val') -> dict:
    """A generated PoseTrack18-format dataset (every frame labelled) under ``root``."""
    from posewarper_synthetic import make_synthetic_posetrack
    return make_synthetic_posetrack(str(root), videos=videos, frames=frames, seed=seed,
                                    splits=splits, width=width, height=height)


def load_json(path) -> dict:
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def write_json(path, obj) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f)


def save_random_checkpoint(config: Path, path: Path, seed: int = 0,
                           cfg_options: Optional[dict] = None) -> Path:
    """Save the random initial weights of a config's model (a fresh PoseWarper head is the
    identity warp)."""
    import torch
    from mmpose.apis import init_model
    torch.manual_seed(seed)
    model = init_model(str(config), None, 'cpu', cfg_options=cfg_options)
    model.init_weights()
    torch.save({'state_dict': model.state_dict()}, str(path))
    return path


def edited_video(src_root: Path, dst_root: Path, frames: int,
                 shift: Tuple[float, float] = (0.0, 0.0), video: int = 0) -> Path:
    """A one-video dataset whose frame ``t`` is frame 0 of a generated video translated by
    ``t * shift`` pixels, labelled accordingly (``shift=(0, 0)``: a static video).

    Returns:
        Path: The merged json of the new dataset (per-video GT in ``annotations/val``).
    """
    doc = load_json(src_root / 'annotations' / 'posetrack18_val.json')
    first = [img for img in doc['images'] if img['file_name'].endswith('/000000.jpg')][video]
    base = cv2.imread(str(src_root / first['file_name']), cv2.IMREAD_COLOR)
    base_anns = [a for a in doc['annotations'] if a['image_id'] == first['id']]
    folder = osp.dirname(first['file_name'])
    images, anns = [], []
    h, w = base.shape[:2]
    for t in range(frames):
        dx, dy = t * shift[0], t * shift[1]
        img = dict(first, file_name=f'{folder}/{t:06d}.jpg', nframes=frames,
                   id=first['id'] + t, frame_id=first['id'] + t)
        images.append(img)
        warp = np.float32([[1, 0, dx], [0, 1, dy]])
        frame = cv2.warpAffine(base, warp, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT_101)
        out = dst_root / img['file_name']
        out.parent.mkdir(parents=True, exist_ok=True)
        # PNG data under a .jpg name: lossless, and cv2.imread reads it by content
        cv2.imwrite(str(out.with_suffix('.png')), frame)
        out.with_suffix('.png').rename(out)
        for a in base_anns:
            a = copy.deepcopy(a)
            kpts = np.array(a['keypoints'], dtype=np.float64).reshape(-1, 3)
            exists = (kpts != 0).any(1)
            kpts[exists, 0] += dx
            kpts[exists, 1] += dy
            a.update(keypoints=kpts.reshape(-1).tolist(), image_id=img['id'],
                     id=img['id'] * 100 + a['track_id'])
            a['bbox'] = [a['bbox'][0] + dx, a['bbox'][1] + dy] + a['bbox'][2:]
            a['bbox_head'] = [a['bbox_head'][0] + dx, a['bbox_head'][1] + dy] + a['bbox_head'][2:]
            anns.append(a)
    new = dict(categories=doc['categories'], images=images, annotations=anns)
    ann_file = dst_root / 'annotations' / 'posetrack18_val.json'
    write_json(ann_file, new)
    write_json(dst_root / 'annotations' / 'val' / (osp.basename(folder) + '.json'), new)
    return ann_file


def sparse_json(full: dict, label_interval: int) -> dict:
    """A sparse version of a full json: only every ``label_interval``-th frame of each video keeps
    its annotations (and ``is_labeled``), like the official sparse-label files."""
    by_video: Dict[str, List[dict]] = {}
    for img in full['images']:
        by_video.setdefault(osp.dirname(img['file_name']), []).append(img)
    keep = set()
    for imgs in by_video.values():
        imgs = sorted(imgs, key=lambda i: i['file_name'])
        keep.update(img['id'] for k, img in enumerate(imgs) if k % label_interval == 0)
    return dict(
        categories=full['categories'],
        images=[dict(img, is_labeled=img['id'] in keep) for img in full['images']],
        annotations=[a for a in full['annotations'] if a['image_id'] in keep])


def keypoints_by_track(doc: dict, image_id) -> Dict[int, np.ndarray]:
    """``track_id -> (K, 3)`` keypoints of the annotations of one image."""
    return {a['track_id']: np.array(a['keypoints'], dtype=np.float64).reshape(-1, 3)
            for a in doc['annotations'] if a['image_id'] == image_id}


def pseudo_annotations(doc: dict) -> List[dict]:
    return [a for a in doc['annotations'] if a.get('is_pseudo')]


def frame_index(img: dict) -> int:
    return int(osp.splitext(osp.basename(img['file_name']))[0])


def image_ids_by_frame(doc: dict) -> Dict[Tuple[str, int], object]:
    return {(osp.dirname(img['file_name']), frame_index(img)): img['id'] for img in doc['images']}


def files_under(folder: Path) -> Sequence[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob('*'))


# ----------------------------------------------------------------------------- runner cache
class Crash(Exception):
    """A simulated crash of the propagation runner (see :func:`watch_video_parts`)."""


class VideoParts:
    """What :func:`watch_video_parts` saw.

    Attributes:
        written (list[str]): Videos whose per-video cache file was written, in order.
        crash_after (int, optional): Raise :class:`Crash` right after the cache file of the
            ``crash_after``-th video in :attr:`written` is written; ``None``: never.
    """

    def __init__(self, crash_after: Optional[int] = None) -> None:
        self.written: List[str] = []
        self.crash_after = crash_after


def watch_video_parts(monkeypatch, crash_after: Optional[int] = None) -> VideoParts:
    """Record the videos :func:`~posewarper.propagation.propagate_annotations` finishes, and
    optionally crash it after one, from the test side.

    The runner caches each finished video as ``<out>.parts/<video>.json`` with
    ``write_json_atomic``; the function of that name in
    ``posewarper.propagation.annotation_propagation`` is wrapped for the test (``monkeypatch``
    undoes it).

    Args:
        monkeypatch (pytest.MonkeyPatch): The test's fixture.
        crash_after (int, optional): Initial :attr:`VideoParts.crash_after`.

    Returns:
        VideoParts: Filled while the runner goes; its ``crash_after`` may be changed between runs.
    """
    from posewarper.propagation import annotation_propagation as runner
    write = runner.write_json_atomic
    parts = VideoParts(crash_after)

    def watched(path, obj, *args, **kwargs):
        write(path, obj, *args, **kwargs)
        if osp.dirname(str(path)).endswith('.parts'):
            parts.written.append(osp.splitext(osp.basename(str(path)))[0])
            if parts.crash_after is not None and len(parts.written) == parts.crash_after:
                raise Crash(parts.written[-1])

    monkeypatch.setattr(runner, 'write_json_atomic', watched)
    return parts


def record_warps(propagator) -> list:
    """Wrap a PoseWarper propagator's ``head.warp`` so that each call's ``(ref, sup, source)``
    is recorded in the returned list (the call still warps)."""
    calls = []
    warp = propagator.model.head.warp

    def spy(ref, sup, source):
        calls.append((ref, sup, source))
        return warp(ref=ref, sup=sup, source=source)

    propagator.model.head.warp = spy
    return calls
