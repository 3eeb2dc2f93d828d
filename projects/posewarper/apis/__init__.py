"""Inference on videos: MMPose's inferencers running PoseWarper's temporal aggregation.

- :func:`init_model`, :func:`crop_heatmaps`, ...: the one top-down inference path
  (:mod:`.inference`);
- :class:`StreamingAggregator`: the aggregation of a video's frames in order, each crop's
  backbone computed once;
- :class:`PoseWarperInferencer`: MMPose's ``Pose2DInferencer`` with that aggregation,
  registered in MMPose's ``INFERENCERS`` (as ``'posewarper'`` and by class name);
- :class:`MMPoseInferencer`: a drop-in for MMPose's that picks it for PoseWarper configs.
"""
from .bboxes import as_bboxes
from .frame_window_buffer import FrameWindow, FrameWindowBuffer
from .inference import (crop_heatmaps, heatmaps_to_image, images_to_inputs, init_model,
                        input_to_image)
from .inferencers import MMPoseInferencer, PoseTracker, PoseWarperInferencer
from .streaming_aggregator import StreamingAggregator, StreamingResult

__all__ = [
    'FrameWindow', 'FrameWindowBuffer', 'MMPoseInferencer', 'PoseTracker', 'PoseWarperInferencer',
    'StreamingAggregator', 'StreamingResult', 'as_bboxes', 'crop_heatmaps', 'heatmaps_to_image',
    'images_to_inputs', 'init_model', 'input_to_image'
]
