from .safe_checkpoint_loading_hook import SafeCheckpointLoadingHook

__all__ = ['SafeCheckpointLoadingHook']
