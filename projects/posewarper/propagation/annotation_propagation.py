"""Propagate the labels of a whole annotation file: resumable, atomic, deterministic.

:func:`propagate_video` is the I/O-free core (one video, frames through a callable);
:func:`propagate_annotations` runs it over a PoseTrack18 json and writes the results:

- each finished video is cached in ``<out>.parts/<video>.json`` (written atomically), so a rerun
  after a crash skips the finished videos; a cached video computed with other inputs or settings
  (its fingerprint differs) is recomputed;
- the per-video files (a staging folder swapped in place of ``per_video_dir``) and the merged
  ``out`` are committed at the end as one set (:func:`~posewarper.fileio.commit_together`),
  then the cache is removed;
- the inputs are checked (files, labelled frames, model/checkpoint match, frame images) before
  anything is written, so bad input leaves no output behind.
"""
import hashlib
import json
import math
import os
import os.path as osp
import shutil
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from mmengine.runner import set_random_seed
from mmengine.utils import ProgressBar

from ..fileio import (AtomicFile, check_output_path, check_replaceable_folder, commit_together,
                      dumps_json, remove_stale_temp_files, sha256_file, stage_files,
                      write_json_atomic)
from ..registry import PROPAGATORS
from ..utils.cli_guards import Input, Output, check_outputs_apart
# the methods register themselves in PROPAGATORS when imported
from . import copy_propagator, farneback, posewarper_propagator, single_frame  # noqa: F401
from .base import BasePropagator
from .protocol import assign_sources, check_max_offset, group_by_source, official_labelled_frames
from .sparse_videos import FrameLoader, SparseVideo, load_sparse_videos
from .structures import FrameGetter, Pose, PropagationTask
from .writer import merge_output, per_video_documents, pseudo_annotation

#: The built-in methods (the rows of the paper's Table 1 we reproduce); a package may register
#: more in :data:`~posewarper.registry.PROPAGATORS`, which the functions below look up when called.
METHODS = tuple(PROPAGATORS.module_dict)
#: Built-in methods that run a model and need ``config`` and ``checkpoint``.
MODEL_METHODS = tuple(name for name, cls in PROPAGATORS.module_dict.items() if cls.needs_model)
#: How the labelled frames are chosen (see :func:`propagate_annotations`).
FRAME_SELECTIONS = ('interval', 'official')
#: Bump when the cached per-video format or the results of a method change.
CACHE_VERSION = 1


def check_method(method: str, config: Optional[str], checkpoint: Optional[str]) -> None:
    """Refuse an unknown method, or a model method without its config and checkpoint.

    Raises:
        ValueError: One line naming the method.
    """
    if method not in PROPAGATORS.module_dict:
        raise ValueError(f'unknown method {method!r}; choose from {tuple(PROPAGATORS.module_dict)}')
    if PROPAGATORS.module_dict[method].needs_model and (not config or not checkpoint):
        raise ValueError(f'method {method} runs a model: give its config and checkpoint '
                         '(--config and --checkpoint)')


def build_propagator(method: str,
                     config: Optional[str] = None,
                     checkpoint: Optional[str] = None,
                     device: str = 'cpu',
                     batch_size: int = 32,
                     options: Optional[dict] = None) -> BasePropagator:
    """Build a propagation method.

    Args:
        method (str): A method registered in :data:`~posewarper.registry.PROPAGATORS` (the
            built-in ones: :data:`METHODS`).
        config (str, optional): Model config; needed by ``posewarper`` (a PoseWarper config)
            and ``single-frame`` (a top-down config, e.g. stage 1).
        checkpoint (str, optional): Weights of that model.
        device (str): Device of the model.
        batch_size (int): Crops per forward pass of the model methods.
        options (dict, optional): Further keyword arguments of the method's class.

    Returns:
        BasePropagator: The method.
    """
    check_method(method, config, checkpoint)
    cfg = dict(type=method, **(options or {}))
    if PROPAGATORS.module_dict[method].needs_model:
        from ..apis.inference import init_model
        cfg.update(model=init_model(config, checkpoint, device), batch_size=batch_size)
    return PROPAGATORS.build(cfg)


def video_tasks(frame_indices: Sequence[int], labelled: Dict[int, List[Pose]],
                max_offset: int) -> List[PropagationTask]:
    """The propagation tasks of a video (the protocol of :mod:`.protocol`).

    Args:
        frame_indices (Sequence[int]): All frame indices of the video.
        labelled (dict[int, list[Pose]]): The labelled persons of each labelled frame.
        max_offset (int): Largest time gap.

    Returns:
        list[PropagationTask]: One task per labelled frame that feeds at least one frame.
    """
    groups = group_by_source(assign_sources(frame_indices, labelled, max_offset))
    return [PropagationTask(s, tuple(t), tuple(labelled[s])) for s, t in groups.items()]


def propagate_video(tasks: Sequence[PropagationTask], propagator: BasePropagator,
                    get_frame: FrameGetter) -> Dict[int, Tuple[int, List[Pose]]]:
    """Run a method on the tasks of one video (no file access but through ``get_frame``).

    Returns:
        dict[int, tuple[int, list[Pose]]]: ``target -> (source, propagated poses)``, ascending
        targets.
    """
    results = propagator.propagate(tasks, get_frame)
    out = {}
    for task, result in zip(tasks, results):
        for target in task.targets:
            out[target] = (task.source, result[target])
    return dict(sorted(out.items()))


def _fingerprint(settings: dict) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _read_part(path: str, fingerprint: str) -> Optional[dict]:
    """A cached video, or ``None`` if absent, unreadable or computed with other settings."""
    try:
        with open(path, encoding='utf-8') as f:
            part = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(part, dict) or part.get('fingerprint') != fingerprint:
        return None
    return part


def propagate_annotations(ann_file: str,
                          out: str,
                          method: str,
                          data_root: str = '',
                          config: Optional[str] = None,
                          checkpoint: Optional[str] = None,
                          max_offset: int = 3,
                          label_interval: Optional[int] = None,
                          label_phase: int = 0,
                          per_video_dir: Optional[str] = None,
                          device: str = 'cpu',
                          seed: int = 0,
                          batch_size: int = 32,
                          progress: bool = True,
                          frame_selection: str = 'interval',
                          min_joint_score: Optional[float] = None,
                          before_video: Optional[Callable[[], object]] = None,
                          method_options: Optional[dict] = None) -> dict:
    """Propagate the labelled poses of a PoseTrack18 json to the unlabelled frames.

    Args:
        ann_file (str): Merged PoseTrack18 json, sparse (its labelled frames are the labelled
            ones) or full with ``label_interval``.
        out (str): Output json (see :mod:`.writer` for the format).
        method (str): A method registered in PROPAGATORS (built in: :data:`METHODS`).
        data_root (str): Folder the image ``file_name`` s are relative to.
        config (str, optional): Model config of the model methods.
        checkpoint (str, optional): Model weights of the model methods.
        max_offset (int): Propagate to frames at most this far from a labelled frame.
        label_interval (int, optional): Keep every K-th annotated frame of each video as
            labelled (as the sparse-label datasets do); default: every annotated frame.
        label_phase (int): Position of the first labelled frame among the annotated ones.
        per_video_dir (str, optional): Also write per-video PoseTrack18 files here.
        device (str): Device of the model.
        seed (int): Random seed (the methods are deterministic; set for any library code).
        batch_size (int): Crops per forward pass of the model methods.
        progress (bool): Show a progress bar over the videos.
        frame_selection (str): ``'interval'``: the labelled frames are those of
            ``label_interval`` / ``label_phase`` (or the annotated frames of a sparse json), and
            every frame of a video may be propagated to; ``'official'``: as the official
            ``video_pose_propagation.py``, the frames of
            :func:`~.protocol.official_labelled_frames` (step ``label_interval``, default 7)
            among the annotated frames, propagated within the longest run of consecutive
            annotated frames only.
        min_joint_score (float, optional): Drop propagated joints whose score is not above it
            (the official ``augment_data_with_propagated_poses.py`` uses 0.2) and pseudo-labels
            left without joints. Default: keep every joint.
        before_video (callable, optional): Called before each video is computed; the tools
            and the demo fit torch's CPU threads to the free cores with it
            (:func:`~posewarper.utils.cpu_threads.fitted_cpu_threads`).
        method_options (dict, optional): Further keyword arguments of the method's class
            (:func:`build_propagator`), json values; part of the cache fingerprint.

    Returns:
        dict: ``videos``, ``cached`` (videos taken from the cache), ``labelled_frames``,
        ``propagated_frames`` and ``pseudo_labels``.
    """
    check_max_offset(max_offset)
    check_method(method, config, checkpoint)
    if frame_selection not in FRAME_SELECTIONS:
        raise ValueError(f'frame_selection must be one of {FRAME_SELECTIONS}, '
                         f'got {frame_selection!r}')
    if label_interval is not None and label_interval < 1:
        raise ValueError(f'label_interval must be >= 1, got {label_interval}')
    if min_joint_score is not None and not math.isfinite(min_joint_score):
        raise ValueError(f'min_joint_score must be a finite number, got {min_joint_score}')
    check_output_path(out, 'output')
    if per_video_dir:
        check_output_path(per_video_dir, 'per-video folder', folder=True)
        check_replaceable_folder(per_video_dir, 'per-video folder', '.json')
    official = frame_selection == 'official'
    # the official selection chooses among every annotated frame itself
    doc, videos = load_sparse_videos(ann_file, data_root, None if official else label_interval,
                                     label_phase)
    runs = {}
    for video in videos:
        if official:
            run, chosen = official_labelled_frames(video.labelled, step=label_interval or 7)
            video.labelled, runs[video.name] = set(chosen), set(run)
            video.persons = {i: video.persons[i] for i in chosen}
    propagator = build_propagator(method, config, checkpoint, device, batch_size, method_options)

    settings = dict(
        version=CACHE_VERSION, ann_file=sha256_file(ann_file), data_root=osp.abspath(data_root),
        method=method, max_offset=max_offset, label_interval=label_interval,
        label_phase=label_phase, seed=seed, device=device, batch_size=batch_size,
        frame_selection=frame_selection, min_joint_score=min_joint_score,
        method_options=method_options)
    if propagator.needs_model:
        settings.update(config=sha256_file(config), checkpoint=sha256_file(checkpoint))
    fingerprint = _fingerprint(settings)
    parts_dir = out + '.parts'

    plans, frames_read = [], []
    for video in videos:
        frames = [video.frame_index[img['id']] for img in video.images
                  if not official or video.frame_index[img['id']] in runs[video.name]]
        tasks = video_tasks(frames, {i: video.persons[i] for i in video.labelled},
                            max_offset)
        part_path = osp.join(parts_dir, video.name + '.json')
        cached = _read_part(part_path, fingerprint)
        for idx in sorted(propagator.frames_needed(tasks)):
            path = video.frame_path(idx)
            # every frame image the method will read must exist before any work starts
            if cached is None and not osp.isfile(path):
                raise FileNotFoundError(f'frame image not found: {path} (frame {idx} of '
                                        f'video {video.name}, needed by {method})')
            frames_read.append(Input(path, f'frame {idx} of video {video.name}'))
        plans.append((video, tasks, part_path, cached))
    # the frames are inputs too: no output may replace one, or a folder holding one
    check_outputs_apart([Output(out, 'output'), Output(per_video_dir or '', 'per-video folder',
                                                       folder=True, replaced=True)],
                        frames_read)

    set_random_seed(seed)
    # the folders this run creates, innermost first (the cache and any missing parent of it)
    created, folder = [], osp.abspath(parts_dir)
    while not osp.isdir(folder):
        created.append(folder)
        folder = osp.dirname(folder)
    try:  # from the folder's creation on: an interrupt right after it must not leave it empty
        os.makedirs(parts_dir, exist_ok=True)
        remove_stale_temp_files(parts_dir)
        return _propagate_plans(plans, propagator, fingerprint, doc, videos, out,
                                per_video_dir, progress, min_joint_score, before_video)
    except BaseException:
        # finished videos stay cached for a rerun; folders of this run that hold nothing go
        for folder in created:
            if osp.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)
        raise


def _propagate_plans(plans: list, propagator: BasePropagator, fingerprint: str, doc: dict,
                     videos: List[SparseVideo], out: str, per_video_dir: Optional[str],
                     progress: bool, min_joint_score: Optional[float],
                     before_video: Optional[Callable[[], object]]) -> dict:
    """Propagate the videos not cached yet, then write the outputs and drop the cache."""
    parts_dir = out + '.parts'
    bar = ProgressBar(len(plans), file=sys.stderr) if progress else None
    pseudo, propagated, num_cached = [], [], 0
    for video, tasks, part_path, cached in plans:
        if cached is None:
            if before_video is not None:
                before_video()
            part = dict(fingerprint=fingerprint, video=video.name,
                        **_video_records(video, tasks, propagator, min_joint_score))
            write_json_atomic(part_path, part)
        else:
            part, num_cached = cached, num_cached + 1
        pseudo.extend(part['annotations'])
        propagated.extend(part['propagated_image_ids'])
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')

    labelled_ids = [img['id'] for v in videos for img in v.images
                    if v.frame_index[img['id']] in v.labelled]
    merged = merge_output(doc, labelled_ids, propagated, pseudo)
    # one set: an interrupted run leaves the old per-video files and merged file, or the new
    staged = []
    try:
        if per_video_dir:
            staged.append(stage_files(per_video_dir, {
                name: dumps_json(video_doc)
                for name, video_doc in per_video_documents(merged).items()}))
        remove_stale_temp_files(osp.dirname(osp.abspath(out)), osp.basename(out))
        staged.append(AtomicFile(out))
        with open(staged[-1].tmp, 'wb') as f:
            f.write(dumps_json(merged))
    except BaseException:
        for output in staged:
            output.discard()
        raise
    commit_together(*staged)
    shutil.rmtree(parts_dir)
    return dict(videos=len(videos), cached=num_cached, labelled_frames=len(labelled_ids),
                propagated_frames=len(propagated), pseudo_labels=len(pseudo))


def _video_records(video: SparseVideo, tasks: Sequence[PropagationTask],
                   propagator: BasePropagator, min_joint_score: Optional[float] = None) -> dict:
    """Propagate one video and turn the result into json records."""
    results = propagate_video(tasks, propagator, FrameLoader(video))
    images = {video.frame_index[img['id']]: img for img in video.images}
    records = []
    for target, (source, poses) in results.items():
        for pose in poses:
            if min_joint_score is not None:
                pose = pose.moved(pose.keypoints, pose.scores,
                                  exists=pose.scores > min_joint_score)
            if not pose.exists.any():  # nothing could be propagated: no pseudo-label
                continue
            records.append(pseudo_annotation(pose, images[target], images[source],
                                             target - source, propagator.name))
    return dict(propagated_image_ids=[images[t]['id'] for t in results], annotations=records)
