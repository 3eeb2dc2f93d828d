"""PoseWarper: a top-down estimator over clips of T frames."""
import warnings
from typing import Optional, Tuple

import torch
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig, SampleList
from torch import Tensor

from ...utils.mmpose0x import mmpose0x_load_state_dict_pre_hook
from ...utils.official import official_load_state_dict_pre_hook

#: Warned once per model when it is given single frames by code that knows no window.
SINGLE_FRAME_WARNING = (
    'PoseWarper got single frames without a temporal window (from MMPose\'s Pose2DInferencer, '
    'MMPoseInferencer or inference_topdown?): it runs single-frame, without aggregating '
    'neighbouring frames. To run it temporally use posewarper.apis.MMPoseInferencer('
    'pose2d=<config>, temporal_window=2) (or PoseWarperInferencer), or python '
    'tools/inferencer_demo.py VIDEO --pose2d <config> --temporal-window 2.')


@MODELS.register_module()
class PoseWarper(TopdownPoseEstimator):
    """Top-down pose estimator that warps neighbouring frames' heatmaps (Bertasius et al., 2019).

    Each sample is a clip ``(T, 3, H, W)`` whose frame 0 is the reference frame (see
    ``docs/design.md``). The backbone (and neck) run once on all ``B·T`` frames stacked; the
    :class:`PoseWarperHead` turns their features into per-frame heatmaps and warps them:

    - ``loss``: clips ``[A, B]``; ``warp(f_A, f_B)`` against Frame A's target (+ cycle loss);
    - ``predict``: the heatmaps of every frame are warped onto the reference frame and summed with
      the per-frame weights carried in each sample's ``frame_weights`` metainfo (aggregation).

    Args:
        backbone, neck, head, train_cfg, test_cfg, data_preprocessor, init_cfg, metainfo: As
            :class:`TopdownPoseEstimator`; ``head`` is a :class:`PoseWarperHead` config.
        freeze_backbone (bool): Stage-2 training as in the paper: the backbone, neck and the
            head's per-frame heatmap layers (all trained in stage 1) get no gradients; only the
            warping part trains. Default: True.
        frozen_bn_mode (str): Mode of the BatchNorm layers of the frozen part in training:
            ``'eval'`` (running statistics kept, as MMPose 0.x) or ``'train'`` (batch
            statistics, running statistics updated from the stage-2 data, as the official code,
            which calls ``model.train()`` on its frozen HRNet). Default: ``'eval'``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 metainfo: Optional[dict] = None,
                 freeze_backbone: bool = True,
                 frozen_bn_mode: str = 'eval'):
        if frozen_bn_mode not in ('eval', 'train'):
            raise ValueError(f"frozen_bn_mode must be 'eval' or 'train', got {frozen_bn_mode!r}")
        if data_preprocessor is None:
            data_preprocessor = dict(type='PoseWarperDataPreprocessor')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg,
            metainfo=metainfo)
        if not hasattr(self.head, 'warp'):
            raise TypeError(f'PoseWarper needs a head with warp(), e.g. PoseWarperHead; got '
                            f'{type(self.head).__name__}')
        self.freeze_backbone = freeze_backbone
        self.frozen_bn_mode = frozen_bn_mode
        if freeze_backbone:
            self._freeze_stage1()
        # PoseWarper weights exist under MMPose 0.x's names (``neck.*``, the released ones) and
        # the official code's (``offsets1`` ..., top-level HRNet): map both on load so that
        # ``load_from`` takes those files as they are.
        self._register_load_state_dict_pre_hook(mmpose0x_load_state_dict_pre_hook)
        self._warned_single_frame = False
        self._register_load_state_dict_pre_hook(official_load_state_dict_pre_hook)

    @property
    def _stage1_modules(self) -> Tuple[torch.nn.Module, ...]:
        return (self.backbone, self.neck) if self.with_neck else (self.backbone, )

    def _freeze_stage1(self) -> None:
        for module in self._stage1_modules:
            if self.frozen_bn_mode == 'eval':
                module.eval()
            for param in module.parameters():
                param.requires_grad = False
        self.head.freeze_heatmap_layers(bn_eval=self.frozen_bn_mode == 'eval')

    def train(self, mode: bool = True) -> 'PoseWarper':
        super().train(mode)
        if self.freeze_backbone and self.frozen_bn_mode == 'eval':
            # Frozen BN must not update its running stats from the stage-2 data.
            for module in self._stage1_modules:
                module.eval()
        return self

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor]:
        """Backbone (and neck) features of every frame.

        Args:
            inputs (Tensor): Clips ``(B, T, 3, H, W)``, or single frames ``(B, 3, H, W)``.

        Returns:
            tuple[Tensor]: Features, each ``(B·T, C, h', w')``.
        """
        if inputs.dim() == 5:
            inputs = inputs.flatten(0, 1)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze_backbone):
            return super().extract_feat(inputs)

    def predict(self, inputs: Tensor, data_samples: SampleList) -> SampleList:
        """As :meth:`TopdownPoseEstimator.predict`, on clips ``(B, T, 3, H, W)``.

        Samples without ``frame_weights`` in their metainfo, one frame each, come from code that
        knows nothing of windows (MMPose's ``Pose2DInferencer``, ``inference_topdown``): they
        are predicted single-frame, with a warning (once per model) naming the temporal entry
        points, so that PoseWarper never runs single-frame without a word.
        """
        single = inputs.dim() == 4 or inputs.shape[1] == 1
        if single and not self._warned_single_frame and not any(
                'frame_weights' in sample.metainfo for sample in data_samples):
            warnings.warn(SINGLE_FRAME_WARNING, UserWarning, stacklevel=2)
            self._warned_single_frame = True
        return super().predict(inputs, data_samples)
