"""The result of one frame: all its people in one data sample, as MMPose's inferencers give."""
import numpy as np
from mmengine.structures import InstanceData, PixelData
from mmpose.evaluation.functional import nearby_joints_nms
from mmpose.structures import PoseDataSample, merge_data_samples

from ..streaming_aggregator import StreamingResult


def frame_sample(result: StreamingResult, num_keypoints: int, output_heatmaps: bool = False,
                 bbox_thr: float = -1, pose_based_nms: bool = False) -> PoseDataSample:
    """Merge the people of an aggregated frame and clip them to it, as ``Pose2DInferencer``.

    Args:
        result (StreamingResult): The frame's per-person samples.
        num_keypoints (int): K, for a frame without people.
        output_heatmaps (bool): Whether the samples carry heatmaps (a frame without people then
            gets empty ones of the frame's size, so that every frame draws alike).
        bbox_thr (float): Keep people whose box score exceeds it (if > 0).
        pose_based_nms (bool): Remove duplicate poses (MMPose's ``nearby_joints_nms``).

    Returns:
        PoseDataSample: ``pred_instances`` with keypoints ``(P, K, 2)`` and boxes ``(P, 4)``
        clipped to the frame; metainfo ``img_path``, ``ori_shape`` and ``frame_idx``.
    """
    h, w = result.img.shape[:2]
    name = result.meta.get('img_path', f'{result.frame_idx:06d}.jpg')
    if result.data_samples:
        sample = merge_data_samples(result.data_samples)
    else:
        k = num_keypoints
        sample = PoseDataSample()
        sample.pred_instances = InstanceData(
            keypoints=np.zeros((0, k, 2), np.float32),
            keypoint_scores=np.zeros((0, k), np.float32),
            bboxes=np.zeros((0, 4), np.float32),
            bbox_scores=np.zeros(0, np.float32))
        if output_heatmaps:
            # drawn like the other frames' (merged, in image space), so all have one size
            sample.pred_fields = PixelData(heatmaps=np.zeros((k, h, w), np.float32))
    sample.set_metainfo(dict(img_path=name, ori_shape=(h, w), frame_idx=result.frame_idx))
    inst = sample.pred_instances
    # The crop around a box extends past the frame (padding, aspect ratio): keypoints found
    # there are clipped to the frame, as are the boxes.
    inst.keypoints[..., 0] = inst.keypoints[..., 0].clip(0, w - 1)
    inst.keypoints[..., 1] = inst.keypoints[..., 1].clip(0, h - 1)
    inst.bboxes[:, [0, 2]] = inst.bboxes[:, [0, 2]].clip(0, w)
    inst.bboxes[:, [1, 3]] = inst.bboxes[:, [1, 3]].clip(0, h)
    if bbox_thr > 0:
        sample.pred_instances = inst = inst[inst.bbox_scores > bbox_thr]
    if pose_based_nms and len(inst) > 1:
        keep = nearby_joints_nms(
            [dict(keypoints=inst.keypoints[i], score=inst.bbox_scores[i])
             for i in range(len(inst))],
            num_nearby_joints_thr=inst.keypoints.shape[-2] // 3)
        sample.pred_instances = inst[keep]
    return sample
