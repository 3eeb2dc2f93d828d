"""MMPose's pose visualiser, drawing keypoints under NumPy >= 2.4 too."""
import numpy as np
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer


@VISUALIZERS.register_module()
class CompatPoseLocalVisualizer(PoseLocalVisualizer):
    """:class:`PoseLocalVisualizer` with keypoint radii that NumPy >= 2.4 accepts.

    MMPose 1.3.2 passes each keypoint's radius as a one-element array, which its OpenCV backend
    turns into an int with ``int()``; NumPy 2.4 no longer converts arrays with ``ndim > 0`` to
    scalars, so every keypoint drawing fails. The radius is made a scalar for that backend.
    The inferencer uses it in place of a config's ``PoseLocalVisualizer``.
    """

    def draw_circles(self, center, radius, *args, **kwargs):
        if self.backend == 'opencv' and np.size(radius) == 1:
            radius = float(np.asarray(radius).reshape(-1)[0])
        return super().draw_circles(center, radius, *args, **kwargs)
