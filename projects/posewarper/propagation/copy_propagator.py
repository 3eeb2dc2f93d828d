"""``copy``: the labelled pose, unchanged, in every frame it feeds."""
from typing import List, Sequence, Set

import numpy as np

from ..registry import PROPAGATORS
from .base import BasePropagator
from .structures import FrameGetter, PropagationTask, TaskResult


@PROPAGATORS.register_module(name='copy')
class CopyPropagator(BasePropagator):
    """The trivial baseline: Pose B = Pose A; every joint gets score 1.0."""

    name = 'copy'

    def frames_needed(self, tasks: Sequence[PropagationTask]) -> Set[int]:
        return set()  # no image is read

    def propagate(self, tasks: Sequence[PropagationTask],
                  get_frame: FrameGetter) -> List[TaskResult]:
        results = []
        for task in tasks:
            results.append({
                target: [p.moved(p.keypoints, np.ones(p.num_keypoints)) for p in task.persons]
                for target in task.targets
            })
        return results
