from .posewarper_head import PoseWarperHead

__all__ = ['PoseWarperHead']
