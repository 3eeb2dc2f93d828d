"""Synthetic sparsely-labelled PoseTrack18-format videos of textured, articulated people.

Use :func:`make_synthetic_posetrack` (or ``tools/make_synthetic_posetrack.py``) to write a small
dataset laid out exactly like PoseTrack18, for tests, smoke runs and propagation experiments.
"""
from .annotations import PersonLabel, label_people
from .camera import CameraPath
from .config import SyntheticConfig
from .generator import SPLITS, make_synthetic_posetrack, write_video
from .motion import ACTIONS, PersonMotion, SceneLayout, sample_person_motion
from .posetrack_writer import image_id, video_name
from .scene import FrameLabels, SyntheticVideo
from .skeleton import KEYPOINT_NAMES, NUM_KEYPOINTS, SKELETON, BodyShape

__all__ = [
    'make_synthetic_posetrack', 'write_video', 'SyntheticConfig', 'SyntheticVideo',
    'FrameLabels', 'PersonLabel', 'label_people', 'CameraPath', 'SceneLayout', 'PersonMotion',
    'sample_person_motion', 'BodyShape', 'image_id', 'video_name', 'KEYPOINT_NAMES',
    'NUM_KEYPOINTS', 'SKELETON', 'ACTIONS', 'SPLITS'
]
