from .load_multi_frame_images import LoadMultiFrameImages
from .pack_multi_frame_pose_inputs import PackMultiFramePoseInputs

__all__ = ['LoadMultiFrameImages', 'PackMultiFramePoseInputs']
