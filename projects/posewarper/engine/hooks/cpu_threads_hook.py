"""Keep CPU training and testing fast when other processes share the machine."""
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpose.registry import HOOKS

from ...utils.cpu_threads import fit_cpu_threads


@HOOKS.register_module()
class CPUThreadsHook(Hook):
    """Every ``interval`` iterations, fit torch's intra-op threads to the free CPUs
    (:func:`~posewarper.utils.cpu_threads.fit_cpu_threads`): fewer threads while another
    CPU-bound process runs, all of them again once it ends.

    Only models on the CPU are affected; on a GPU the hook does nothing.

    Args:
        interval (int): Iterations between two checks (a check takes about 10 ms).
    """

    priority = 'LOW'

    def __init__(self, interval: int = 10) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        self.interval = interval
        self._max_threads: Optional[int] = None
        self._last: Optional[int] = None

    def before_run(self, runner) -> None:
        # the runner has put the model on its device already; CPU models only
        model = getattr(runner.model, 'module', runner.model)
        on_cpu = all(p.device.type == 'cpu' for p in model.parameters())
        self._max_threads = torch.get_num_threads() if on_cpu else None

    def _fit(self, runner, batch_idx: int) -> None:
        if self._max_threads is None or batch_idx % self.interval:
            return
        threads = fit_cpu_threads(self._max_threads)
        if threads != self._last:
            if self._last is not None:
                why = ('other processes use the rest' if threads < self._max_threads else
                       'the other processes ended')
                print_log(f'torch uses {threads} CPU thread(s) now ({why})', logger='current')
            self._last = threads

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._fit(runner, batch_idx)

    def before_val_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._fit(runner, batch_idx)

    def before_test_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._fit(runner, batch_idx)

    def after_run(self, runner) -> None:
        # leave the process as it was found
        if self._max_threads is not None:
            torch.set_num_threads(self._max_threads)
