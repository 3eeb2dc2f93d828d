from .compat_pose_local_visualizer import CompatPoseLocalVisualizer

__all__ = ['CompatPoseLocalVisualizer']
