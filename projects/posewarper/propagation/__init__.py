"""Pose propagation from sparsely labelled frames (paper §3 "Pose Annotation Propagation",
§4.1 Table 1, and the pseudo-labels of §4.2).

- :mod:`.protocol`: which labelled frame feeds which unlabelled frame;
- :mod:`.copy_propagator`, :mod:`.farneback`, :mod:`.single_frame`,
  :mod:`.posewarper_propagator`: the methods (:class:`BasePropagator` interface), registered in
  :data:`~posewarper.registry.PROPAGATORS` by name;
- :mod:`.sparse_videos`: reading a PoseTrack18 json into videos with labelled frames;
- :mod:`.writer`: the pseudo-label records and the merged / per-video output documents;
- :mod:`.annotation_propagation`: the resumable whole-file driver behind ``tools/propagate.py``.

The methods and :func:`propagate_video` read frames only through a ``get_frame`` callable, so a
demo can propagate poses in frames held in memory.
"""
from .annotation_propagation import (METHODS, MODEL_METHODS, build_propagator, check_method,
                                     propagate_annotations, propagate_video, video_tasks)
from .base import BasePropagator
from .copy_propagator import CopyPropagator
from .farneback import FarnebackPropagator, sample_bilinear
from .protocol import assign_sources, check_max_offset, group_by_source
from .sparse_videos import FrameLoader, SparseVideo, annotation_to_pose, load_sparse_videos
from .structures import FrameGetter, Pose, PropagationTask, TaskResult
from .writer import merge_output, per_video_documents, pseudo_annotation

__all__ = [
    'BasePropagator', 'CopyPropagator', 'FarnebackPropagator', 'sample_bilinear', 'assign_sources',
    'check_max_offset', 'group_by_source', 'METHODS', 'MODEL_METHODS', 'build_propagator',
    'check_method', 'propagate_annotations', 'propagate_video', 'video_tasks', 'FrameLoader',
    'SparseVideo', 'annotation_to_pose', 'load_sparse_videos', 'FrameGetter', 'Pose',
    'PropagationTask', 'TaskResult', 'merge_output', 'per_video_documents', 'pseudo_annotation'
]
