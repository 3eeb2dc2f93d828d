from .posetrack_sparse_dataset import PoseTrackSparseDataset
from .posetrack_sparse_pair_dataset import PoseTrackSparsePairDataset
from .transforms import FrameBroadcaster, LoadMultiFrameImages, PackMultiFramePoseInputs

__all__ = [
    'PoseTrackSparseDataset', 'PoseTrackSparsePairDataset', 'FrameBroadcaster',
    'LoadMultiFrameImages', 'PackMultiFramePoseInputs'
]
