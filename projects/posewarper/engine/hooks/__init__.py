from .cpu_threads_hook import CPUThreadsHook
from .safe_checkpoint_loading_hook import SafeCheckpointLoadingHook

__all__ = ['CPUThreadsHook', 'SafeCheckpointLoadingHook']
