"""``make_synthetic_posetrack``: write a synthetic, fully labelled PoseTrack18-format dataset.

Every frame is labelled (``is_labeled: True``) so that label propagation from sparse frames (the
sparsity comes later from the dataset's ``label_interval``) can be scored against the full ground
truth. The output is a pure function of the arguments: the same call writes byte-identical files.
"""
import json
import os
import re
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from posewarper.fileio import (AtomicFile, AtomicFolder, commit_together, dumps_json,
                               posetrack_document, remove_stale_temp_files)
from posewarper.fileio.atomic import TEMP_SUFFIX
from posewarper.fileio.deferred_signals import deferred_signals
from .annotations import label_people
from .config import SyntheticConfig
from .posetrack_writer import (FRAMES_PER_VIDEO_ID, TRACKS_PER_IMAGE, annotation_record,
                               image_record, video_name)
from .scene import SyntheticVideo

SPLITS = ('train', 'val')
# Random-stream id of each split, so that train and val videos differ for the same seed.
SPLIT_STREAMS = {'train': 0, 'val': 1}
# First video id of each split: val videos are 000001, 000002, ...; train 100001, ...
VID_ID_OFFSETS = {'val': 0, 'train': 100_000}
MAX_VIDEOS = 99_999
# the generated annotation files are pretty-printed, for people reading them
JSON_INDENT = 4
MIN_SIZE, MAX_SIZE = 48, 8192


def _check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f'{name} must be an integer, got {value!r}')
    if not low <= value <= high:
        raise ValueError(f'{name} must be in [{low}, {high}], got {value}')
    return int(value)


def _parse_splits(splits: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    names = SPLITS if splits == 'both' else ((splits, ) if isinstance(splits, str) else
                                             tuple(splits))
    if not names or any(s not in SPLITS for s in names) or len(set(names)) != len(names):
        raise ValueError(f"splits must be 'train', 'val', 'both' or a list of distinct splits "
                         f'from {SPLITS}, got {splits!r}')
    return tuple(names)


def _check_replaceable_split(out_dir: str, split: str) -> None:
    """Refuse, before any work, a split whose folders hold anything but generated videos: the
    split is replaced as a whole, and other content (a real dataset's videos) would be lost."""
    for folder, pattern in ((os.path.join(out_dir, 'images', split), r'\d{6}_synth'),
                            (os.path.join(out_dir, 'annotations', split), r'\d{6}_synth\.json')):
        if os.path.islink(folder):
            raise ValueError(f'{folder} is a symbolic link; the {split} split is replaced as a '
                             'whole: give a new or generated out_dir')
        if not os.path.isdir(folder):
            continue
        for entry in sorted(os.listdir(folder)):
            if not re.fullmatch(pattern, entry):
                raise ValueError(f'{folder} holds {entry!r}, which this generator did not '
                                 f'write; the {split} split is replaced as a whole: give a new '
                                 'or generated out_dir')
    merged = os.path.join(out_dir, 'annotations', f'posetrack18_{split}.json')
    if os.path.lexists(merged) and not _generated_json(merged, split):
        raise ValueError(f'{merged} was not written by this generator; the {split} split is '
                         'replaced as a whole: give a new or generated out_dir')


def _generated_json(path: str, split: str) -> bool:
    """Whether a merged json is one this generator wrote: every frame in a generated video."""
    try:
        with open(path) as f:
            images = json.load(f)['images']
        return all(re.fullmatch(rf'images/{split}/\d{{6}}_synth/\d{{6}}\.jpg', im['file_name'])
                   for im in images)
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return False


def _prepare_out_dir(out_dir: str) -> str:
    """Create ``out_dir`` and check that files can be written into it."""
    if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir):
        raise ValueError(f'out_dir must be a non-empty path, got {out_dir!r}')
    out_dir = os.fspath(out_dir)
    try:
        os.makedirs(out_dir, exist_ok=True)
        # A probe file catches read-only mounts, which os.access misses when running as root.
        # named as our temporary files, so that the sweep removes one a killed run left
        with deferred_signals():  # an interrupt must not leave the probe behind
            fd, probe = tempfile.mkstemp(prefix='.write_probe.', suffix=TEMP_SUFFIX,
                                         dir=out_dir)
            os.close(fd)
            os.remove(probe)
    except OSError as err:
        raise ValueError(f'out_dir {out_dir!r} is not a writable directory: {err}') from err
    return out_dir


def _video_rng(seed: int, split: str, index: int) -> np.random.Generator:
    # One independent stream per (seed, split, video): videos do not depend on each other, so
    # changing --videos or --split leaves the other videos unchanged.
    return np.random.default_rng(np.random.SeedSequence([seed, SPLIT_STREAMS[split], index]))


def write_video(img_root: str, ann_root: str, split: str, vid_id: int, video: SyntheticVideo,
                jpeg_quality: int) -> Tuple[List[dict], List[dict]]:
    """Render and write one video's frames and its per-video json.

    Args:
        img_root (str): the folder of the split's frame folders (``images/<split>``).
        ann_root (str): the folder of the split's per-video json files (``annotations/<split>``).
        split (str): ``train`` or ``val``.
        vid_id (int): numeric video id.
        video (SyntheticVideo): the scene to render.
        jpeg_quality (int): JPEG quality of the frames.

    Returns:
        tuple[list[dict], list[dict]]: the video's image and annotation records.
    """
    name = video_name(vid_id)
    img_dir = os.path.join(img_root, name)
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    for frame in range(video.frames):
        image, labels = video.render(frame)
        ok, buf = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        if not ok:
            raise RuntimeError(f'JPEG encoding failed for frame {frame} of {name}')
        # not fsynced: a flush to disk per frame costs more than the frame, which can be made
        # again; the split's folder is committed as a whole (_write_splits)
        with open(os.path.join(img_dir, f'{frame:06d}.jpg'), 'wb') as f:
            f.write(buf.tobytes())
        record = image_record(split, name, vid_id, frame, video.frames, video.width,
                              video.height, labels.ignore_polygons)
        images.append(record)
        for person in label_people(labels, video.width, video.height, video.cfg.bbox_pad,
                                   video.cfg.head_box):
            annotations.append(annotation_record(person, record['id']))
    with open(os.path.join(ann_root, f'{name}.json'), 'wb') as f:
        f.write(dumps_json(posetrack_document(images, annotations), indent=JSON_INDENT))
    return images, annotations


def make_synthetic_posetrack(out_dir: str,
                             videos: int = 4,
                             frames: int = 30,
                             seed: int = 0,
                             splits: Union[str, Sequence[str]] = 'both',
                             width: int = 256,
                             height: int = 192,
                             people_min: int = 2,
                             people_max: int = 3,
                             ignore_region_prob: float = 0.5,
                             jpeg_quality: int = 90,
                             config: Optional[SyntheticConfig] = None) -> Dict[str, dict]:
    """Write a synthetic PoseTrack18-format dataset of textured, articulated people.

    Args:
        out_dir (str): dataset root (created if needed).
        videos (int): number of videos per split.
        frames (int): frames per video (all labelled).
        seed (int): random seed (non-negative); equal arguments give byte-identical output.
        splits (str | Sequence[str]): ``'train'``, ``'val'``, ``'both'`` or a list of splits.
        width (int): frame width in pixels.
        height (int): frame height in pixels.
        people_min (int): fewest people per video.
        people_max (int): most people per video.
        ignore_region_prob (float): probability that a video gets a crowd ignore region.
        jpeg_quality (int): JPEG quality (1-100) of the frames.
        config (SyntheticConfig, optional): finer appearance/motion/camera parameters.

    Returns:
        dict[str, dict]: per split, ``ann_file`` (merged json), ``video_ann_files``,
        ``img_dir``, ``video_names``, ``num_images``, ``num_annotations`` and
        ``defocused_frames`` (video name -> indices of the frames a defocus burst blurred).

    Raises:
        ValueError: if an argument is out of range or ``out_dir`` is not writable.
    """
    videos = _check_int('videos', videos, 1, MAX_VIDEOS)
    frames = _check_int('frames', frames, 1, FRAMES_PER_VIDEO_ID)
    seed = _check_int('seed', seed, 0, 2**63 - 1)
    width = _check_int('width', width, MIN_SIZE, MAX_SIZE)
    height = _check_int('height', height, MIN_SIZE, MAX_SIZE)
    people_min = _check_int('people_min', people_min, 1, TRACKS_PER_IMAGE)
    people_max = _check_int('people_max', people_max, people_min, TRACKS_PER_IMAGE)
    jpeg_quality = _check_int('jpeg_quality', jpeg_quality, 1, 100)
    if (isinstance(ignore_region_prob, bool)
            or not isinstance(ignore_region_prob, (int, float, np.integer, np.floating))
            or not 0.0 <= ignore_region_prob <= 1.0):
        raise ValueError(f'ignore_region_prob must be a number in [0, 1], '
                         f'got {ignore_region_prob!r}')
    split_names = _parse_splits(splits)
    cfg = config if config is not None else SyntheticConfig()
    if not isinstance(cfg, SyntheticConfig):
        raise ValueError(f'config must be a SyntheticConfig, got {type(cfg).__name__}')
    out_dir = _prepare_out_dir(out_dir)
    for split in split_names:
        _check_replaceable_split(out_dir, split)

    # OpenCV's thread pool costs more than it saves on the small patches drawn here.
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        return _write_splits(out_dir, split_names, videos, frames, seed, width, height,
                             (people_min, people_max), ignore_region_prob, jpeg_quality, cfg)
    finally:
        cv2.setNumThreads(threads)


def _write_splits(out_dir: str, split_names: Sequence[str], videos: int, frames: int, seed: int,
                  width: int, height: int, people: Tuple[int, int], ignore_region_prob: float,
                  jpeg_quality: int, cfg: SyntheticConfig) -> Dict[str, dict]:
    summary = {}
    for folder in (out_dir, os.path.join(out_dir, 'images'), os.path.join(out_dir, 'annotations')):
        if os.path.isdir(folder):
            remove_stale_temp_files(folder)  # left by a killed run
    for split in split_names:
        # A split is one set, committed as a whole: its frame folder, its per-video json folder
        # and its merged json; a stopped run leaves the old split or the new one, never a mix.
        ann_file = os.path.join(out_dir, 'annotations', f'posetrack18_{split}.json')
        staged = []
        try:
            staged.append(AtomicFolder(os.path.join(out_dir, 'images', split), fsync=False))
            staged.append(AtomicFolder(os.path.join(out_dir, 'annotations', split)))
            all_images, all_annotations, names, defocused = [], [], [], {}
            for index in range(videos):
                rng = _video_rng(seed, split, index)
                num_people = int(rng.integers(people[0], people[1] + 1))
                with_ignore = bool(rng.random() < ignore_region_prob)
                video = SyntheticVideo(rng, frames, width, height, num_people, cfg, with_ignore)
                vid_id = VID_ID_OFFSETS[split] + index + 1
                images, annotations = write_video(staged[0].tmp, staged[1].tmp, split, vid_id,
                                                  video, jpeg_quality)
                all_images += images
                all_annotations += annotations
                names.append(video_name(vid_id))
                defocused[names[-1]] = [int(f) for f in np.flatnonzero(video.defocus)]
            staged.append(AtomicFile(ann_file))
            with open(staged[-1].tmp, 'wb') as f:
                f.write(dumps_json(posetrack_document(all_images, all_annotations),
                                   indent=JSON_INDENT))
        except BaseException:
            for output in staged:
                output.discard()
            raise
        commit_together(*staged)
        summary[split] = {
            'ann_file': ann_file,
            'video_ann_files': [os.path.join(out_dir, 'annotations', split, f'{n}.json')
                                for n in names],
            'img_dir': os.path.join(out_dir, 'images', split),
            'video_names': names,
            'num_images': len(all_images),
            'num_annotations': len(all_annotations),
            # not in the PoseTrack files (their format has no such field): for analyses by frame
            'defocused_frames': defocused,
        }
    return summary
