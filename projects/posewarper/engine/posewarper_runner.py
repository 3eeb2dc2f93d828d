"""The mmengine Runner used by posewarper's configs: one code path for GPUs and CPUs."""
import os.path as osp
from typing import Dict, Optional, Union

import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.config import Config
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmpose.registry import RUNNERS
from torch.nn.parallel import DistributedDataParallel

from ..fileio import AtomicFile
from .dist import cpu_model_wrapper_cfg, init_cpu_dist, uses_cpu_distributed


@RUNNERS.register_module()
class PoseWarperRunner(Runner):
    """:class:`mmengine.runner.Runner` that also trains data-parallel on CPU-only machines.

    With an accelerator it behaves exactly as ``Runner`` (NCCL, one device per process). Without
    one, when launched distributed (``--launcher pytorch|slurm|mpi``), it

    - initialises the process group itself with gloo (an ``nccl`` in ``env_cfg.dist_cfg`` becomes
      ``gloo``) before ``Runner.setup_env`` runs, which then skips its CUDA-only ``init_dist``;
    - wraps the model in ``MMDistributedDataParallel`` with ``device_ids=None`` (a CPU module
      cannot have device ids), keeping any other option of ``model_wrapper_cfg``.

    Configs select it with ``runner_type = 'PoseWarperRunner'``, which posewarper's
    ``tools/train.py``/``tools/test.py`` (and scripts that follow the ``RUNNERS.build`` convention)
    honour; they also use it for configs that name no runner. MMPose 1.3.2's own scripts, and so
    ``mim``, always build the plain ``Runner``: identical on GPUs, single-process only on CPUs.

    Its checkpoints are written atomically (:meth:`save_checkpoint`).
    """

    def setup_env(self, env_cfg: Dict) -> None:
        """Set up the environment; on CPU, first join the process group with gloo."""
        if self.distributed and not is_distributed() and uses_cpu_distributed():
            init_cpu_dist(self.launcher, **env_cfg.get('dist_cfg', {}))
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict],
                   model: nn.Module) -> Union[DistributedDataParallel, nn.Module]:
        """Wrap the model for data-parallel training; CPU DDP gets ``device_ids=None``."""
        if self.distributed and not is_model_wrapper(model) and uses_cpu_distributed():
            model_wrapper_cfg = cpu_model_wrapper_cfg(
                model_wrapper_cfg, self.cfg.get('find_unused_parameters', False))
            # said here because the logger exists by now (not yet in setup_env), and the logged
            # env_cfg still names the configured accelerator backend
            self.logger.info(f'No GPU: data-parallel on CPU, {self.world_size} processes, '
                             f'{torch_dist.get_backend()} backend')
        return super().wrap_model(model_wrapper_cfg, model)

    def save_checkpoint(self, out_dir: str, filename: str, *args, **kwargs) -> None:
        """Save a checkpoint as ``Runner`` does, to a temporary file beside it renamed into
        place: mmengine writes it in place, so an interrupted save left a truncated file where
        the previous checkpoint of that name was (and ``--resume`` then failed on it)."""
        if '://' in out_dir:  # a remote backend: as mmengine does
            return super().save_checkpoint(out_dir, filename, *args, **kwargs)
        output = AtomicFile(osp.join(out_dir, filename))
        try:
            super().save_checkpoint(out_dir, osp.basename(output.tmp), *args, **kwargs)
            output.commit()
        finally:
            output.discard()


def build_runner(cfg: Union[Config, dict]) -> Runner:
    """Build the runner a config asks for: ``cfg.runner_type`` from ``RUNNERS`` when it names
    one (as MMPose's tools do), else :class:`PoseWarperRunner`.

    Used by ``tools/train.py`` and ``tools/test.py`` so that configs without ``runner_type``
    (e.g. MMPose's own) also get CPU data-parallel support. ``runner_type=None`` counts as
    absent, so ``--cfg-options runner_type=None`` undoes an inherited runner.
    """
    if cfg.get('runner_type') is not None:
        return RUNNERS.build(cfg)
    return PoseWarperRunner.from_cfg(cfg)
