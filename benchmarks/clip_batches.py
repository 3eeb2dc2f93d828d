"""Collated clip batches as PoseWarper's data loader yields them, without images or a dataset.

Used by ``benchmarks/stage2_training.py``, which times training iterations at HRNet-W48 size on
them, and by the estimator tests (which import it from here).
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.codecs import MSRAHeatmap
from mmpose.structures import PoseDataSample


def clip_batch(batch_size: int = 2,
               num_frames: int = 2,
               weights: Optional[Sequence[float]] = None,
               seed: int = 0,
               input_size: Tuple[int, int] = (96, 128),
               heatmap_size: Tuple[int, int] = (24, 32)) -> dict:
    """Clips of T random uint8 frames with one person each and Frame A's target heatmaps.

    Args:
        batch_size (int): B.
        num_frames (int): T (Frame A first).
        weights (Sequence[float], optional): Frame weights of the clip (default: a training pair,
            ``[0, 1]`` followed by zeros).
        seed (int): Seed of the frames and keypoints.
        input_size (tuple): ``(w, h)`` of the crops.
        heatmap_size (tuple): ``(w, h)`` of the heatmaps.

    Returns:
        dict: ``inputs``, a list of B ``(T, 3, h, w)`` uint8 tensors, and ``data_samples``.
    """
    rng = np.random.RandomState(seed)
    w, h = input_size
    codec = MSRAHeatmap(input_size=input_size, heatmap_size=heatmap_size, sigma=2)
    inputs, samples = [], []
    for _ in range(batch_size):
        clip = torch.from_numpy(rng.randint(0, 255, (num_frames, 3, h, w)).astype(np.uint8))
        kpts = rng.uniform(w * 10 / 96, w * 86 / 96, (1, 17, 2)) * np.array([1.0, h / w])
        enc = codec.encode(kpts, np.ones((1, 17)))
        s = PoseDataSample(metainfo=dict(
            frame_offsets=list(range(num_frames)),
            frame_weights=list(weights or [0.0, 1.0] + [0.0] * (num_frames - 2)),
            input_size=input_size, input_center=np.array([w / 2, h / 2]),
            input_scale=np.array([float(w), float(h)]), flip_indices=list(range(17))))
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        s.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']).float())
        s.gt_instances = InstanceData(bboxes=np.array([[0, 0, w, h]], dtype=np.float32),
                                      bbox_scores=np.ones(1, dtype=np.float32))
        inputs.append(clip)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)
