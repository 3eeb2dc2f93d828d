from .posewarper_inferencer import PoseWarperInferencer

__all__ = ['PoseWarperInferencer']
