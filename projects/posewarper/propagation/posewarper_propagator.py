"""``posewarper``: the paper's reverse application of a trained PoseWarper (§3, Fig. 1 bottom)."""
from typing import Iterator, List, NamedTuple, Sequence

import numpy as np
import torch
import torch.nn as nn
from torch import Tensor

from ..apis.inference import crop_heatmaps, heatmaps_to_image, images_to_inputs
from ..registry import PROPAGATORS
from .base import BasePropagator
from .crop import TopdownCropper
from .structures import FrameGetter, PropagationTask, TaskResult


class _Unit(NamedTuple):
    """One labelled person and the frames it is propagated to: crops ``[A, B_1, ..., B_n]``."""
    task: int
    person: int
    targets: Sequence[int]


@PROPAGATORS.register_module(name='posewarper')
class PoseWarperPropagator(BasePropagator):
    """Warp the labelled frame's ground-truth heatmaps to the unlabelled frames.

    For a labelled person in Frame A and an unlabelled Frame B, both frames are cropped with the
    person's box in Frame A (the same crop, as PoseWarper is trained). The model gives their
    heatmaps ``f_A`` and ``f_B``; the ground-truth heatmap ``y_A`` is encoded from A's joints
    with the model's codec; then ``head.warp(ref=f_B, sup=f_A, source=y_A)`` resamples ``y_A``
    with the offsets predicted from ``f_B - f_A``, and the codec decodes Pose B, mapped back to
    the image like MMPose's top-down estimator does. Per-joint scores are the heatmap maxima.

    Every annotated joint of A is encoded, whatever its visibility flag; a joint the codec
    cannot place in the heatmap (outside the crop) is not propagated.

    Work is batched over the video: each crop goes through the backbone once, with up to
    ``batch_size`` crops per forward pass, and the warps run in batches of ``batch_size`` pairs.

    Args:
        model (nn.Module): A :class:`~posewarper.models.PoseWarper` (its head has ``warp``),
            in eval mode, with ``cfg`` (see :func:`~posewarper.apis.init_model`).
        batch_size (int): Crops per backbone pass and pairs per warp pass. Default: 32.
    """

    name = 'posewarper'
    needs_model = True

    def __init__(self, model: nn.Module, batch_size: int = 32):
        if not hasattr(getattr(model, 'head', None), 'warp'):
            raise ValueError(
                f'the posewarper method needs a PoseWarper model (a head with warp()), but the '
                f'config builds {type(model).__name__} with head '
                f'{type(getattr(model, "head", None)).__name__}')
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.model = model
        self.codec = model.head.decoder
        self.cropper = TopdownCropper.from_config(model.cfg)
        self.batch_size = batch_size

    def _chunks(self, tasks: Sequence[PropagationTask]) -> Iterator[List[_Unit]]:
        """Units grouped so that a group has at most ``batch_size`` crops (or one unit)."""
        chunk, size = [], 0
        for i, task in enumerate(tasks):
            for j in range(len(task.persons)):
                n = 1 + len(task.targets)
                if chunk and size + n > self.batch_size:
                    yield chunk
                    chunk, size = [], 0
                chunk.append(_Unit(i, j, task.targets))
                size += n
        if chunk:
            yield chunk

    @torch.no_grad()
    def frame_heatmaps(self, crops: List[np.ndarray]) -> Tensor:
        """Per-crop heatmaps ``(N, K, h, w)``, ``batch_size`` crops per backbone pass."""
        batches = (crops[i:i + self.batch_size] for i in range(0, len(crops), self.batch_size))
        return torch.cat(
            [crop_heatmaps(self.model, images_to_inputs(self.model, b))[:, 0] for b in batches])

    def propagate(self, tasks: Sequence[PropagationTask],
                  get_frame: FrameGetter) -> List[TaskResult]:
        results: List[TaskResult] = [{t: [None] * len(task.persons)
                                      for t in task.targets} for task in tasks]
        for chunk in self._chunks(tasks):
            self._propagate_chunk(tasks, chunk, get_frame, results)
        return results

    @torch.no_grad()
    def _propagate_chunk(self, tasks: Sequence[PropagationTask], chunk: List[_Unit],
                         get_frame: FrameGetter, results: List[TaskResult]) -> None:
        crops, targets_gt, crop_info = [], [], []
        ref_idx, sup_idx, src_idx, pairs = [], [], [], []
        for u, unit in enumerate(chunk):
            task = tasks[unit.task]
            person = task.persons[unit.person]
            frames = [task.source, *unit.targets]
            res = self.cropper([get_frame(f) for f in frames], person.bbox, person.keypoints,
                               person.exists.astype(np.float32))
            # y_A: Frame A's ground truth encoded in the crop, as for a training target
            encoded = self.codec.encode(res['transformed_keypoints'][..., :2],
                                        person.exists.astype(np.float32)[None])
            targets_gt.append(encoded['heatmaps'])
            crop_info.append((res['input_center'], res['input_scale'], res['input_size'],
                              encoded['keypoint_weights'][0] > 0))
            first = len(crops)
            crops.extend(res['img'])
            for k, target in enumerate(unit.targets, start=1):
                ref_idx.append(first + k)  # f_B: Frame B
                sup_idx.append(first)  # f_A: Frame A
                src_idx.append(u)  # y_A
                pairs.append((u, target))
        heatmaps = self.frame_heatmaps(crops)
        y_a = torch.from_numpy(np.stack(targets_gt)).to(heatmaps)
        ref_idx, sup_idx, src_idx = (torch.tensor(i, device=heatmaps.device)
                                     for i in (ref_idx, sup_idx, src_idx))
        for start in range(0, len(pairs), self.batch_size):
            sl = slice(start, start + self.batch_size)
            warped = self.model.head.warp(
                ref=heatmaps[ref_idx[sl]], sup=heatmaps[sup_idx[sl]], source=y_a[src_idx[sl]])
            decoded = heatmaps_to_image(self.model, warped,
                                        [crop_info[u][:3] for u, _ in pairs[sl]])
            for (u, target), (keypoints, scores) in zip(pairs[sl], decoded):
                unit = chunk[u]
                encodable = crop_info[u][3]
                person = tasks[unit.task].persons[unit.person]
                results[unit.task][target][unit.person] = person.moved(
                    keypoints, scores, exists=encodable & (scores > 0))
