from .checkpoint import checkpoint_safe_globals, register_checkpoint_safe_globals
from .mmpose0x import (convert_mmpose0x_state_dict, match_state_dict,
                       mmpose0x_load_state_dict_pre_hook)

__all__ = [
    'checkpoint_safe_globals', 'register_checkpoint_safe_globals', 'convert_mmpose0x_state_dict',
    'match_state_dict', 'mmpose0x_load_state_dict_pre_hook'
]
