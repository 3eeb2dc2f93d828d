"""Leave no work dir behind for a run that failed before it started.

mmengine's ``Runner`` creates ``work_dir``, its ``<timestamp>/`` log folder and the copy of the
config while it is constructed, before it sets up the environment (``env_cfg``), the seed
(``randomness``) or the distributed launcher, and before the loops build their data loaders. A
config mistake found there (``randomness.seed=-5``, a bad ``mp_start_method``, ``--launcher
pytorch`` outside torchrun, ``batch_size=0``) would therefore leave a work dir holding only the
log of a run that never ran. mmengine offers no hook before its constructor, hence this guard:
what the run created is removed again unless a loop has started (``before_train``,
``before_val`` or ``before_test`` was called). Once a loop has started, the log is the record of
a real run and stays.
"""
import contextlib
import os
import os.path as osp
import shutil
from typing import Iterator, List

from mmengine.hooks import Hook
from mmengine.logging import MMLogger


class UnstartedRun(Hook):
    """Watch a run's work dir; :meth:`discard` removes what the run created there unless a loop
    started.

    Registered on the runner as a hook only to learn that a loop started; it changes nothing.

    Args:
        work_dir (str): The run's work dir, as the config names it (it may not exist yet).
    """

    priority = 'HIGHEST'

    def __init__(self, work_dir: str) -> None:
        self.work_dir = osp.abspath(work_dir)
        self.started = False
        # the folders mkdir will create, innermost first: removed again if they stay empty
        self._created: List[str] = []
        folder = self.work_dir
        while not osp.exists(folder) and osp.dirname(folder) != folder:
            self._created.append(folder)
            folder = osp.dirname(folder)
        self._existing = set(os.listdir(self.work_dir)) if osp.isdir(self.work_dir) else set()

    def before_train(self, runner) -> None:
        self.started = True

    def before_val(self, runner) -> None:
        self.started = True

    def before_test(self, runner) -> None:
        self.started = True

    def discard(self) -> None:
        """Remove the entries this run added to the work dir, and the folders it created for
        it, unless a loop started."""
        if self.started or not osp.isdir(self.work_dir):
            return
        new = [osp.join(self.work_dir, e) for e in set(os.listdir(self.work_dir)) - self._existing]
        _close_log_files(new)
        for path in new:
            if osp.isdir(path) and not osp.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(path)
        for folder in self._created:
            with contextlib.suppress(OSError):  # not empty: something else wrote there
                os.rmdir(folder)


def _close_log_files(paths: List[str]) -> None:
    """Detach the file handlers of the run's logger (the current ``MMLogger``) that write under
    ``paths``: a later message of the same process would try to reopen the removed file."""
    logger = MMLogger.get_current_instance()
    for handler in list(logger.handlers):
        name = getattr(handler, 'baseFilename', None)
        if name and any(name == p or name.startswith(p + os.sep) for p in paths):
            logger.removeHandler(handler)
            handler.close()


@contextlib.contextmanager
def discard_unstarted_run(work_dir: str, enabled: bool = True) -> Iterator[UnstartedRun]:
    """Run the block (which builds and runs a runner); if it raises before a loop started,
    remove what the run created in ``work_dir``.

    Register the yielded hook on the runner (``runner.register_hook(hook)``) so that it learns
    when a loop starts.

    Args:
        work_dir (str): The run's work dir.
        enabled (bool): Clean up at all. The ranks of a distributed run share the work dir:
            only the first one cleans it.

    Yields:
        UnstartedRun: The hook to register.
    """
    watch = UnstartedRun(work_dir)
    try:
        yield watch
    except BaseException:
        if enabled:
            watch.discard()
        raise
