from .mmpose_inferencer import MMPoseInferencer, config_inferencer
from .pose_tracker import PoseTracker
from .posewarper_inferencer import PoseWarperInferencer

__all__ = ['MMPoseInferencer', 'PoseTracker', 'PoseWarperInferencer', 'config_inferencer']
