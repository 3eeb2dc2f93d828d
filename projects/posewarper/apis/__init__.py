"""Inference on videos: streaming temporal aggregation and the PoseWarper inferencer.

Importing it registers :class:`PoseWarperInferencer` in MMPose's ``INFERENCERS`` (as
``'posewarper'`` and by class name).
"""
from .inferencers import PoseWarperInferencer
from .streaming_aggregator import StreamingAggregator, StreamingResult, as_bboxes

__all__ = ['PoseWarperInferencer', 'StreamingAggregator', 'StreamingResult', 'as_bboxes']
