from .frame_window import (OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS, check_frame_window, clip_window,
                           temporal_window)
from .posetrack_sparse_clip_dataset import PoseTrackSparseClipDataset
from .posetrack_sparse_dataset import (PoseTrackSparseDataset, annotated_image_ids,
                                       labelled_image_ids)
from .transforms import LoadMultiFrameImages, PackMultiFramePoseInputs

__all__ = [
    'PoseTrackSparseDataset', 'PoseTrackSparseClipDataset', 'LoadMultiFrameImages',
    'PackMultiFramePoseInputs', 'OFFICIAL_OFFSETS', 'OFFICIAL_WEIGHTS', 'check_frame_window',
    'clip_window', 'temporal_window', 'annotated_image_ids', 'labelled_image_ids'
]
