"""Single frames of sparsely-labelled PoseTrack18 videos (stage 1 and augmentation training)."""
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

from .posetrack_sparse_pair_dataset import PoseTrackSparsePairDataset


@DATASETS.register_module()
class PoseTrackSparseDataset(PoseTrackSparsePairDataset):
    """The labelled frames of :class:`PoseTrackSparsePairDataset`, one frame per sample.

    The paper's stage 1 (the single-frame HRNet) and its "GT (1x)" augmentation baseline train on
    exactly the labels PoseWarper sees, so this dataset shares the label selection
    (``label_interval``, ``label_phase``, ``labeled_ann_file``) and detection handling, but yields
    MMPose's ordinary single-frame samples (``img_path`` a string), which MMPose's
    ``TopdownPoseEstimator`` and pipelines (``LoadImage`` ...) consume unchanged. The video fields
    (``vid_id``, ``frame_idx``, ``nframes``, ...) stay in the data info.

    Args: as :class:`PoseTrackSparsePairDataset`; the frame arguments are unused.
    """

    def get_data_info(self, idx: int) -> dict:
        # skip the parent's neighbour resolution: one frame, no offsets or weights
        return BaseCocoStyleDataset.get_data_info(self, idx)
