from .checkpoint import (UnsafeCheckpointError, checkpoint_safe_globals, load_pose_weights,
                         read_checkpoint, safe_checkpoint_loading)
from .cpu_threads import fit_cpu_threads, fitted_cpu_threads, other_runnable_tasks
from .mmpose0x import (convert_mmpose0x_state_dict, match_state_dict,
                       mmpose0x_load_state_dict_pre_hook)
from .official import (convert_official_state_dict, official_load_state_dict_pre_hook,
                       to_official_state_dict)

__all__ = [
    'UnsafeCheckpointError', 'checkpoint_safe_globals', 'load_pose_weights', 'read_checkpoint',
    'safe_checkpoint_loading', 'fit_cpu_threads', 'fitted_cpu_threads', 'other_runnable_tasks',
    'convert_mmpose0x_state_dict', 'match_state_dict', 'mmpose0x_load_state_dict_pre_hook',
    'convert_official_state_dict', 'official_load_state_dict_pre_hook', 'to_official_state_dict'
]
