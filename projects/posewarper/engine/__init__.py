"""Training infrastructure: the runner that makes one config train on GPUs and CPUs alike, and
the hooks that fit torch's CPU threads to the free cores and let runs load mmengine checkpoints
under torch's safe unpickler."""
from .dist import (cpu_model_wrapper_cfg, destroy_dist, init_cpu_dist, launcher_rank,
                   uses_cpu_distributed)
from .hooks import CPUThreadsHook, SafeCheckpointLoadingHook
from .posewarper_runner import PoseWarperRunner, build_runner
from .unstarted_run import UnstartedRun, discard_unstarted_run

__all__ = [
    'CPUThreadsHook', 'PoseWarperRunner', 'SafeCheckpointLoadingHook', 'build_runner',
    'UnstartedRun', 'cpu_model_wrapper_cfg', 'destroy_dist', 'discard_unstarted_run',
    'init_cpu_dist', 'launcher_rank', 'uses_cpu_distributed'
]
