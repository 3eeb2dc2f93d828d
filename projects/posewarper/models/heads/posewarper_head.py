"""PoseWarperHead: per-frame heatmaps plus the learned heatmap warping of PoseWarper."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.backbones.resnet import BasicBlock
from mmpose.models.heads import HeatmapHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList, Predictions
from torch import Tensor

from ..utils import DeformConv2d

OptIntSeq = Optional[Sequence[int]]
Features = Union[Tuple[Tensor], List[Tuple[Tensor]]]


@MODELS.register_module()
class PoseWarperHead(HeatmapHead):
    """Heatmap head that warps the heatmaps of one frame onto another (Bertasius et al., 2019).

    The inherited :class:`HeatmapHead` layers (``deconv_layers``, ``conv_layers``, ``final_layer``)
    turn backbone features into per-frame heatmaps; with MMPose's PoseTrack18 HRNet-W48 setting
    (``in_channels=48, deconv_out_channels=None, final_layer=dict(kernel_size=1)``) their keys are
    those of the stage-1 single-frame model, so ``load_from`` a stage-1 checkpoint fills them.

    The warping part is the paper's: the heatmap difference ``f_ref - f_sup`` goes through
    ``num_res_blocks`` ResNet basic blocks (``offset_feats``), one 3×3 conv per dilation predicts an
    offset field (``offset_layers``), one 3×3 deformable conv per dilation resamples the supporting
    heatmaps with it (``deform_conv_layers``), and the results are averaged. Offsets start at zero
    and deformable convs at the identity, so an untrained head returns the supporting heatmaps.
    Module names match MMPose's ``PoseWarperNeck`` so 0.x checkpoints map onto them.

    Built with no arguments it is the paper's warping head for 17 keypoints (7,558,605 parameters)
    operating directly on 17-channel heatmaps.

    Args:
        in_channels (int | Sequence[int]): Channels of the backbone features; equal to
            ``out_channels`` when the input is already heatmaps (the default).
        out_channels (int): Keypoints K (heatmap channels).
        deconv_out_channels, deconv_kernel_sizes, conv_out_channels, conv_kernel_sizes,
            final_layer: The per-frame heatmap layers, as in :class:`HeatmapHead`. Default: none
            (identity).
        inner_channels (int): Channels of the residual blocks. Default: 128.
        num_res_blocks (int): Residual blocks on the heatmap difference. Default: 20.
        dilations (Sequence[int]): Dilation (= padding) of each offset conv and deformable conv.
            Default: (3, 6, 12, 18, 24), for 96×72 heatmaps.
        offset_kernel_size (int): Kernel of the offset convs. Default: 3.
        deform_kernel_size (int): Kernel of the deformable convs. Default: 3.
        deform_groups (int, optional): Deformable groups; default K (one offset field per joint).
        deform_conv_backend (str): ``'auto'`` (mmcv on CUDA; on CPU ``'pytorch'`` when gradients
            flow, torchvision otherwise), ``'mmcv'``, ``'torchvision'`` or ``'pytorch'``. Same
            parameters and state-dict keys for all.
        im2col_step (int): mmcv's im2col batch chunk. Default: 80 (as MMPose's PoseWarperNeck).
        frozen_warp_layers (Sequence[str]): Parts of the warp that get no gradients, among
            ``'offset_feats'``, ``'offset_layers'`` and ``'deform_conv_layers'``; their BN still
            follows the training mode. The official cycle fine-tune trains the deformable convs
            alone: ``('offset_feats', 'offset_layers')``. Default: none.
        loss (dict): Pair loss between warped supporting heatmaps and the reference target.
        cycle_loss (dict, optional): Config of :class:`CycleConsistencyLoss`; ``None`` disables it.
        decoder (dict, optional): Heatmap codec used to decode predictions.
        init_cfg (dict, optional): Init config of the heatmap layers and residual blocks.

    Note:
        - B: batch size; T: frames per sample (reference first); K: keypoints;
          h, w: heatmap size.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]] = 17,
                 out_channels: int = 17,
                 deconv_out_channels: OptIntSeq = None,
                 deconv_kernel_sizes: OptIntSeq = None,
                 conv_out_channels: OptIntSeq = None,
                 conv_kernel_sizes: OptIntSeq = None,
                 final_layer: Optional[dict] = None,
                 inner_channels: int = 128,
                 num_res_blocks: int = 20,
                 dilations: Sequence[int] = (3, 6, 12, 18, 24),
                 offset_kernel_size: int = 3,
                 deform_kernel_size: int = 3,
                 deform_groups: Optional[int] = None,
                 deform_conv_backend: str = 'auto',
                 im2col_step: int = 80,
                 frozen_warp_layers: Sequence[str] = (),
                 loss: ConfigType = dict(type='KeypointMSELoss', use_target_weight=True),
                 cycle_loss: OptConfigType = None,
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(
            in_channels=in_channels,
            out_channels=out_channels,
            deconv_out_channels=deconv_out_channels,
            deconv_kernel_sizes=deconv_kernel_sizes,
            conv_out_channels=conv_out_channels,
            conv_kernel_sizes=conv_kernel_sizes,
            final_layer=final_layer,
            loss=loss,
            decoder=decoder,
            init_cfg=init_cfg)
        if num_res_blocks < 1:
            raise ValueError(f'num_res_blocks must be >= 1, got {num_res_blocks}')
        if not dilations:
            raise ValueError('dilations must name at least one dilation')
        deform_groups = out_channels if deform_groups is None else deform_groups

        self.offset_feats = self._make_res_blocks(out_channels, inner_channels, num_res_blocks)
        offset_channels = 2 * deform_groups * deform_kernel_size**2
        self.offset_layers = nn.ModuleList([
            nn.Conv2d(inner_channels, offset_channels, offset_kernel_size, padding=d * (
                offset_kernel_size - 1) // 2, dilation=d, bias=False) for d in dilations
        ])
        self.deform_conv_layers = nn.ModuleList([
            DeformConv2d(out_channels, out_channels, deform_kernel_size, dilation=d,
                         deform_groups=deform_groups, backend=deform_conv_backend,
                         im2col_step=im2col_step) for d in dilations
        ])
        self.dilations = tuple(dilations)
        self.cycle_loss_module = MODELS.build(cycle_loss) if cycle_loss else None
        self._heatmap_layers_frozen = False
        self._heatmap_bn_eval = True
        self._init_warp()
        self.frozen_warp_layers = self._freeze_warp_layers(frozen_warp_layers)

    #: The parts of the warp, in the order they run.
    WARP_LAYERS = ('offset_feats', 'offset_layers', 'deform_conv_layers')

    def _freeze_warp_layers(self, names: Sequence[str]) -> Tuple[str, ...]:
        unknown = [name for name in names if name not in self.WARP_LAYERS]
        if unknown or isinstance(names, str):
            raise ValueError(f'frozen_warp_layers: expected names among {self.WARP_LAYERS}, '
                             f'got {names!r}')
        # requires_grad only, as the official FREEZE_WEIGHTS: BN keeps the training mode
        for name in names:
            for param in getattr(self, name).parameters():
                param.requires_grad = False
        return tuple(names)

    @staticmethod
    def _make_res_blocks(in_channels: int, channels: int, num_blocks: int) -> nn.Sequential:
        downsample = None
        if in_channels != channels:
            downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, bias=False), nn.BatchNorm2d(channels))
        blocks = [BasicBlock(in_channels, channels, downsample=downsample)]
        blocks += [BasicBlock(channels, channels) for _ in range(num_blocks - 1)]
        return nn.Sequential(*blocks)

    def _init_warp(self) -> None:
        # Zero offsets and identity kernels make the untrained warp an exact copy of its input, as
        # in the official code: training starts from "the pose does not move".
        for layer in self.offset_layers:
            nn.init.zeros_(layer.weight)
        for layer in self.deform_conv_layers:
            layer.init_identity()

    def init_weights(self) -> None:
        """Init heatmap layers and residual blocks from ``init_cfg``, then reset the warp."""
        super().init_weights()
        self._init_warp()

    # ------------------------------------------------------------------ frozen heatmap layers
    @property
    def heatmap_layers(self) -> List[nn.Module]:
        """The single-frame part of the head (trained in stage 1)."""
        return [self.deconv_layers, self.conv_layers, self.final_layer]

    def freeze_heatmap_layers(self, bn_eval: bool = True) -> None:
        """Stop gradients into the stage-1 heatmap layers; with ``bn_eval`` keep their BN in
        eval mode (else BN follows the training mode, see ``PoseWarper.frozen_bn_mode``)."""
        self._heatmap_layers_frozen = True
        self._heatmap_bn_eval = bn_eval
        for module in self.heatmap_layers:
            if bn_eval:
                module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'PoseWarperHead':
        super().train(mode)
        if self._heatmap_layers_frozen and self._heatmap_bn_eval:
            for module in self.heatmap_layers:
                module.eval()
        return self

    # ------------------------------------------------------------------ core computation
    def frame_heatmaps(self, feats: Tuple[Tensor], num_samples: int) -> Tensor:
        """Per-frame heatmaps of a batch whose frames were stacked for the backbone.

        Args:
            feats (Tuple[Tensor]): Backbone features, each ``(B·T, C, h', w')``.
            num_samples (int): B.

        Returns:
            Tensor: ``(B, T, K, h, w)``.
        """
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self._heatmap_layers_frozen):
            heatmaps = self.forward(feats)
        if heatmaps.shape[0] % num_samples:
            raise ValueError(f'{heatmaps.shape[0]} frames cannot be split into {num_samples} '
                             'samples of T frames each')
        return heatmaps.view(num_samples, -1, *heatmaps.shape[1:])

    def _check_heatmaps(self, name: str, x: Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.out_channels:
            raise ValueError(
                f'PoseWarperHead.warp: {name} must be (B, K={self.out_channels}, h, w) heatmaps, '
                f'got shape {tuple(x.shape)}; set the head\'s out_channels to the number of '
                'heatmap channels the backbone produces')

    def predict_offsets(self, ref: Tensor, sup: Tensor) -> List[Tensor]:
        """Offset fields from the heatmap difference ``ref - sup``, one per dilation.

        Args:
            ref (Tensor): Reference heatmaps ``(B, K, h, w)``.
            sup (Tensor): Supporting heatmaps ``(B, K, h, w)``.

        Returns:
            list[Tensor]: ``len(dilations)`` offsets, each ``(B, 2·G·k·k, h, w)``.
        """
        self._check_heatmaps('ref', ref)
        self._check_heatmaps('sup', sup)
        feats = self.offset_feats(ref - sup)
        return [layer(feats) for layer in self.offset_layers]

    def resample(self, source: Tensor, offsets: Sequence[Tensor]) -> Tensor:
        """Resample ``source`` with each deformable conv and its offsets; average the results.

        Args:
            source (Tensor): Heatmaps to resample ``(B, K, h, w)``.
            offsets (Sequence[Tensor]): One offset field per dilation, as from
                :meth:`predict_offsets` (batch 1 broadcasts to B).

        Returns:
            Tensor: ``(B, K, h, w)``.
        """
        self._check_heatmaps('source', source)
        # Running mean rather than sum / n: identical terms (the untrained identity warp) then
        # average to exactly their value, so a fresh head reproduces its input bit for bit.
        mean = None
        for k, (offset, deform) in enumerate(zip(offsets, self.deform_conv_layers), start=1):
            warped = deform(source, offset.expand(len(source), -1, -1, -1))
            mean = warped if mean is None else mean + (warped - mean) / k
        return mean

    def warp(self, ref: Tensor, sup: Tensor, source: Optional[Tensor] = None) -> Tensor:
        """Warp heatmaps towards the reference frame.

        Offsets are predicted from ``ref - sup``; each deformable conv resamples ``source`` (by
        default ``sup``) with its offsets and the results are averaged. Propagation passes the
        labelled frame's ground-truth heatmap as ``source`` with ``ref=f_B, sup=f_A``.

        Args:
            ref (Tensor): Reference heatmaps ``(B, K, h, w)``.
            sup (Tensor): Supporting heatmaps ``(B, K, h, w)``.
            source (Tensor, optional): Heatmaps to resample, ``(B, K, h, w)``.

        Returns:
            Tensor: Warped heatmaps ``(B, K, h, w)``.
        """
        return self.resample(sup if source is None else source, self.predict_offsets(ref, sup))

    def aggregate(self, heatmaps: Tensor, frame_weights: Tensor) -> Tensor:
        """Warp every frame of a window onto its reference frame and sum them with weights.

        Frames with weight 0 are skipped; all others are warped in one batched call.

        Args:
            heatmaps (Tensor): ``(B, T, K, h, w)``, reference frame first.
            frame_weights (Tensor): ``(B, T)`` or ``(T,)``.

        Returns:
            Tensor: ``(B, K, h, w)``.
        """
        B, T = heatmaps.shape[:2]
        weights = frame_weights.to(heatmaps).expand(B, T)
        used = (weights != 0).any(0).nonzero().flatten()
        ref = heatmaps[:, :1].expand(-1, len(used), -1, -1, -1)
        sup = heatmaps[:, used]
        warped = self.warp(ref.flatten(0, 1), sup.flatten(0, 1)).view_as(sup)
        return (warped * weights[:, used, None, None, None]).sum(1)

    @staticmethod
    def merge_flip(heatmaps: Tensor, flipped: Tensor, flip_indices: Sequence[int],
                   test_cfg: ConfigType) -> Tensor:
        """Average heatmaps with those of the horizontally flipped input, as
        :class:`HeatmapHead` does in flip test.

        Args:
            heatmaps (Tensor): Heatmaps of the input ``(N, K, h, w)``.
            flipped (Tensor): Heatmaps of the flipped input ``(N, K, h, w)`` (still flipped).
            flip_indices (Sequence[int]): Keypoint index of each keypoint's mirror image.
            test_cfg (dict): ``flip_mode`` and ``shift_heatmap``.

        Returns:
            Tensor: ``(N, K, h, w)``.
        """
        flipped = flip_heatmaps(
            flipped,
            flip_mode=test_cfg.get('flip_mode', 'heatmap'),
            flip_indices=flip_indices,
            shift_heatmap=test_cfg.get('shift_heatmap', False))
        return (heatmaps + flipped) * 0.5

    # ------------------------------------------------------------------ training / testing
    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """Pair loss (and optional cycle loss) for samples of T=2 frames: [A, B].

        ``warp(f_A, f_B)`` is compared with Frame A's target heatmap.

        Returns:
            dict: ``loss_kpt``, ``loss_cycle`` (with ``cycle_loss``) and ``acc_pose``.
        """
        heatmaps = self.frame_heatmaps(feats, len(batch_data_samples))
        if heatmaps.shape[1] < 2:
            raise ValueError(
                'PoseWarper pair training needs T >= 2 frames per sample (Frame A and Frame B), '
                f'got T={heatmaps.shape[1]}; check the dataset\'s frame_range / pipeline')
        f_a, f_b = heatmaps[:, 0], heatmaps[:, 1]
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        keypoint_weights = torch.cat(
            [d.gt_instance_labels.keypoint_weights for d in batch_data_samples])

        warped = self.warp(f_a, f_b)
        losses = dict(loss_kpt=self.loss_module(warped, gt_heatmaps, keypoint_weights))
        if self.cycle_loss_module is not None:
            losses['loss_cycle'] = self.cycle_loss_module(self.warp, f_a, f_b, gt_heatmaps,
                                                          keypoint_weights)
        if train_cfg.get('compute_acc', True):
            _, avg_acc, _ = pose_pck_accuracy(
                output=to_numpy(warped.float()),  # numpy has no bf16 (autocast's type on CPU)
                target=to_numpy(gt_heatmaps),
                mask=to_numpy(keypoint_weights) > 0)
            losses['acc_pose'] = torch.tensor(avg_acc, device=gt_heatmaps.device)
        return losses

    @staticmethod
    def _frame_weights(batch_data_samples: OptSampleList, num_frames: int) -> Tensor:
        rows = []
        for i, sample in enumerate(batch_data_samples):
            weights = sample.metainfo.get('frame_weights')
            if weights is None:
                if num_frames != 1:
                    raise KeyError(f'sample {i} has {num_frames} frames but no '
                                   "'frame_weights' in its metainfo (add it to PackPoseInputs' "
                                   'meta_keys)')
                weights = [1.0]
            if len(weights) != num_frames:
                raise ValueError(f'sample {i}: frame_weights has {len(weights)} entries for '
                                 f'{num_frames} frames')
            rows.append(torch.as_tensor(weights, dtype=torch.float32))
        return torch.stack(rows)

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: ConfigType = {}) -> Predictions:
        """Pose of each window's reference frame from its weighted, warped frames.

        Args:
            feats (Tuple[Tensor] | List[Tuple[Tensor]]): Backbone features of the B·T stacked
                frames, or ``[orig, flipped]`` with ``flip_test``.
            batch_data_samples (List[PoseDataSample]): Samples whose metainfo carries
                ``frame_weights`` (T floats, reference frame first).
            test_cfg (dict): ``flip_test``, ``flip_mode``, ``shift_heatmap``,
                ``output_heatmaps`` as for :class:`HeatmapHead`.

        Returns:
            The decoded ``InstanceData`` list, and ``PixelData`` heatmaps ``(K, h, w)`` with
            ``output_heatmaps``.
        """
        num_samples = len(batch_data_samples)

        def _aggregate(frame_feats: Tuple[Tensor]) -> Tensor:
            heatmaps = self.frame_heatmaps(frame_feats, num_samples)
            weights = self._frame_weights(batch_data_samples, heatmaps.shape[1])
            return self.aggregate(heatmaps, weights)

        if test_cfg.get('flip_test', False):
            assert isinstance(feats, list) and len(feats) == 2
            batch_heatmaps = self.merge_flip(
                _aggregate(feats[0]), _aggregate(feats[1]),
                batch_data_samples[0].metainfo['flip_indices'], test_cfg)
        else:
            batch_heatmaps = _aggregate(feats)

        preds = self.decode(batch_heatmaps)
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=hm) for hm in batch_heatmaps.detach()]
        return preds
