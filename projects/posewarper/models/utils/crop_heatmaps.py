"""Person crops to heatmaps: the single path our inference code takes through a pose model."""
from typing import List

import numpy as np
import torch
import torch.nn as nn
from mmpose.structures import PoseDataSample
from torch import Tensor


def images_to_inputs(model: nn.Module, crops: List[np.ndarray]) -> Tensor:
    """Normalise ``(h, w, 3)`` BGR crops with the model's data preprocessor.

    Args:
        model (nn.Module): A top-down MMPose model.
        crops (list[np.ndarray]): N crops of the model's input size.

    Returns:
        Tensor: ``(N, 3, h, w)`` (or ``(N, 1, 3, h, w)`` for a PoseWarper) on the model's device.
    """
    inputs = [torch.from_numpy(np.ascontiguousarray(c.transpose(2, 0, 1))) for c in crops]
    # MMPose's preprocessor records the padded shape in data samples: give it empty ones
    data = dict(inputs=inputs, data_samples=[PoseDataSample() for _ in inputs])
    # (N, 3, h, w), or clips of one frame (N, 1, 3, h, w) from PoseWarperDataPreprocessor,
    # which crop_heatmaps takes as they are
    return model.data_preprocessor(data, False)['inputs']


def crop_heatmaps(model: nn.Module, inputs: Tensor, flip: bool = False) -> Tensor:
    """Per-crop heatmaps of a top-down heatmap model: backbone, neck and head layers.

    For a PoseWarper these are the per-frame heatmaps ``f`` its head warps; for a single-frame
    model, its ordinary output. With ``flip`` the horizontally flipped crops give a second view
    (still flipped), to be merged by :meth:`~posewarper.models.PoseWarperHead.merge_flip`.

    Args:
        model (nn.Module): A top-down MMPose model whose head maps features to heatmaps.
        inputs (Tensor): Normalised crops ``(N, 3, H, W)`` (or clips ``(N, T, 3, H, W)``, taken
            as ``N·T`` crops).

    Returns:
        Tensor: ``(N, V, K, h, w)``, ``V = 2`` with ``flip``, else 1.
    """
    if inputs.dim() == 5:
        inputs = inputs.flatten(0, 1)
    views = [model.head.forward(model.extract_feat(inputs))]
    if flip:
        views.append(model.head.forward(model.extract_feat(inputs.flip(-1))))
    return torch.stack(views, dim=1)
