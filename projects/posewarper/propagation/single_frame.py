"""``single-frame``: the stage-1 model run on Frame B (the paper's "pseudo-labeling w/ HRNet")."""
from typing import List, NamedTuple, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmpose.registry import TRANSFORMS

from ..registry import PROPAGATORS
from .base import BasePropagator
from .crop import TopdownCropper
from .structures import FrameGetter, PropagationTask, TaskResult


class _Unit(NamedTuple):
    task: int
    person: int
    target: int


@PROPAGATORS.register_module(name='single-frame')
class SingleFramePropagator(BasePropagator):
    """Detect the pose in Frame B with a single-frame top-down model, in A's person box.

    Frame B is cropped with the labelled person's box from Frame A and the model predicts as in
    testing (``model.test_step``, so the config's ``test_cfg``, e.g. flip test, applies). Only
    the joints annotated in Frame A are kept, so every method outputs the same joints; their
    scores are the heatmap maxima.

    Args:
        model (nn.Module): A top-down MMPose model in eval mode with ``cfg`` and
            ``dataset_meta`` (see :func:`~posewarper.apis.init_model`).
        batch_size (int): Crops per forward pass. Default: 32.
    """

    name = 'single-frame'
    needs_model = True

    def __init__(self, model: nn.Module, batch_size: int = 32):
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.model = model
        self.cropper = TopdownCropper.from_config(model.cfg)
        self.pack = TRANSFORMS.build(dict(type='PackPoseInputs'))
        self.batch_size = batch_size

    def frames_needed(self, tasks: Sequence[PropagationTask]) -> set:
        return {t for task in tasks if task.persons for t in task.targets}

    @torch.no_grad()
    def propagate(self, tasks: Sequence[PropagationTask],
                  get_frame: FrameGetter) -> List[TaskResult]:
        units = [_Unit(i, j, t) for i, task in enumerate(tasks)
                 for t in task.targets for j in range(len(task.persons))]
        results: List[TaskResult] = [{t: [None] * len(task.persons)
                                      for t in task.targets} for task in tasks]
        meta = self.model.dataset_meta or {}
        for start in range(0, len(units), self.batch_size):
            batch = units[start:start + self.batch_size]
            samples = []
            for unit in batch:
                person = tasks[unit.task].persons[unit.person]
                res = self.cropper([get_frame(unit.target)], person.bbox)
                # flip_indices: for a config that tests with flip (as MMPose's inference does)
                res.update(img=res['img'][0], flip_indices=meta.get('flip_indices'))
                samples.append(self.pack(res))
            outputs = self.model.test_step(pseudo_collate(samples))
            for unit, out in zip(batch, outputs):
                person = tasks[unit.task].persons[unit.person]
                pred = out.pred_instances
                results[unit.task][unit.target][unit.person] = person.moved(
                    np.asarray(pred.keypoints[0], dtype=np.float64),
                    np.asarray(pred.keypoint_scores[0], dtype=np.float64))
        return results
