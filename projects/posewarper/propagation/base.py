"""The interface of a propagation method."""
from abc import ABCMeta, abstractmethod
from typing import List, Sequence, Set

from .structures import FrameGetter, PropagationTask, TaskResult


class BasePropagator(metaclass=ABCMeta):
    """Moves the labelled poses of a frame to the unlabelled frames it feeds.

    A method sees one video at a time: the propagation tasks of the video (one per labelled frame
    that has targets) and a ``get_frame`` callable that returns a frame image by index, so it
    can batch work across the whole video and never touches files itself.

    Subclasses set :attr:`name`, implement :meth:`propagate` and register in
    :data:`~posewarper.registry.PROPAGATORS` under :attr:`name`.
    """

    #: Name of the method in the output json (``"method"`` of each pseudo-label).
    name: str = ''
    #: Whether the method runs a pose model (built with ``model`` and ``batch_size``).
    needs_model: bool = False

    def frames_needed(self, tasks: Sequence[PropagationTask]) -> Set[int]:
        """Indices of the frames :meth:`propagate` will read (checked before any work starts).

        Default: every source and target frame.
        """
        return {i for task in tasks for i in (task.source, *task.targets)}

    @abstractmethod
    def propagate(self, tasks: Sequence[PropagationTask],
                  get_frame: FrameGetter) -> List[TaskResult]:
        """Propagate the labelled poses of every task to its targets.

        Args:
            tasks (Sequence[PropagationTask]): The tasks of one video.
            get_frame (FrameGetter): ``frame_idx -> (H, W, 3)`` BGR uint8 image.

        Returns:
            list[TaskResult]: Per task, ``target -> [pose of each person of the task]``; every
            pose carries per-joint ``scores``.
        """
