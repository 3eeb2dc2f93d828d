"""Training infrastructure: the runner that makes one config train on GPUs and CPUs alike."""
from .dist import cpu_model_wrapper_cfg, destroy_dist, init_cpu_dist, uses_cpu_distributed
from .runner import PoseWarperRunner, build_runner

__all__ = [
    'PoseWarperRunner', 'build_runner', 'cpu_model_wrapper_cfg', 'destroy_dist', 'init_cpu_dist',
    'uses_cpu_distributed'
]
