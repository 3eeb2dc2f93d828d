"""Let a run's ``load_from`` / ``resume`` read mmengine checkpoints under torch's safe loader."""
import contextlib
from typing import Optional

from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from ...utils.checkpoint import safe_checkpoint_loading


@HOOKS.register_module()
class SafeCheckpointLoadingHook(Hook):
    """Widen torch's ``weights_only`` allow-list while the runner loads its checkpoint.

    mmengine's ``Runner`` calls ``before_run`` right before ``load_or_resume`` and the loop's
    ``before_train`` / ``before_val`` / ``before_test`` right after, so the allow-list of
    :func:`~posewarper.utils.safe_checkpoint_loading` is in force exactly while ``load_from`` or
    ``resume`` is read, for any runner (``mim train`` builds mmengine's plain ``Runner``).
    Nothing else in the process is affected.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._stack: Optional[contextlib.ExitStack] = None

    def before_run(self, runner) -> None:
        self._close()
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(safe_checkpoint_loading())

    def _close(self, *args, **kwargs) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None

    # the first hook after load_or_resume, whichever loop runs; after_run if a loop never starts
    before_train = before_val = before_test = after_run = _close
