"""Inference on videos: streaming temporal aggregation and the PoseWarper inferencer.

Importing it registers :class:`PoseWarperInferencer` in MMPose's ``INFERENCERS`` (as
``'posewarper'`` and by class name).
"""
from .inferencers import PoseWarperInferencer
from .streaming_aggregator import (OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS, StreamingAggregator,
                                   StreamingResult, as_bboxes, check_frame_window,
                                   naive_window_predict, temporal_window)

__all__ = [
    'PoseWarperInferencer', 'StreamingAggregator', 'StreamingResult', 'naive_window_predict',
    'check_frame_window', 'temporal_window', 'as_bboxes', 'OFFICIAL_OFFSETS', 'OFFICIAL_WEIGHTS'
]
