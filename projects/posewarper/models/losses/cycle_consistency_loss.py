"""Cycle-consistency loss for PoseWarper: warp A→B, then back B→A, and compare with A's target."""
from typing import Callable, Optional

import torch.nn as nn
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType
from torch import Tensor

WarpFn = Callable[..., Tensor]


@MODELS.register_module()
class CycleConsistencyLoss(nn.Module):
    """Penalise a warp that cannot be undone.

    Frame A's heatmaps are warped onto Frame B with offsets from ``f_B - f_A``; the result is
    warped back onto A with offsets from the reverse difference ``f_A - f_B``; the round trip is
    compared with A's ground-truth heatmap. The warp is the head's own, so the loss adds no
    parameters and its gradients reach the offset and deformable convs through both passes.

    Args:
        criterion (dict): The pixel loss, by default MMPose's ``KeypointMSELoss`` with target
            weights (the pair loss of the paper).
        loss_weight (float): Weight of this loss in the total. Default: 1.0.
    """

    def __init__(self,
                 criterion: ConfigType = dict(type='KeypointMSELoss', use_target_weight=True),
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if loss_weight < 0:
            raise ValueError(f'CycleConsistencyLoss: loss_weight must be >= 0, got {loss_weight}')
        self.criterion = MODELS.build(criterion)
        self.loss_weight = loss_weight

    def forward(self,
                warp: WarpFn,
                f_a: Tensor,
                f_b: Tensor,
                target: Tensor,
                target_weights: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            warp (Callable): ``warp(ref, sup, source=None)`` of :class:`PoseWarperHead`.
            f_a (Tensor): Heatmaps of Frame A ``(B, K, h, w)``.
            f_b (Tensor): Heatmaps of Frame B ``(B, K, h, w)``.
            target (Tensor): Ground-truth heatmaps of Frame A ``(B, K, h, w)``.
            target_weights (Tensor, optional): Keypoint weights of Frame A ``(B, K)``.

        Returns:
            Tensor: Scalar loss.
        """
        a_on_b = warp(f_b, f_a)
        back_on_a = warp(f_a, f_b, source=a_on_b)
        return self.loss_weight * self.criterion(back_on_a, target, target_weights)
