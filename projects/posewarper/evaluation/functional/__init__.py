from .ap_table import ap_cells, format_ap_table, format_ap_value
from .polygon import points_strictly_in_polygon
from .posetrack_ap import (AP_GROUPS, AP_KEYS, compute_ap, compute_joint_ap, evaluate_posetrack_ap,
                           summarize_joint_ap)
from .posetrack_frames import PT17_JOINT_NAMES, PT18_NAME_TO_PT17_ID, PT18_TO_PT17, parse_video

__all__ = [
    'ap_cells', 'format_ap_table', 'format_ap_value', 'AP_GROUPS', 'AP_KEYS', 'PT17_JOINT_NAMES',
    'PT18_NAME_TO_PT17_ID', 'PT18_TO_PT17', 'compute_ap', 'compute_joint_ap',
    'evaluate_posetrack_ap', 'parse_video', 'points_strictly_in_polygon', 'summarize_joint_ap'
]
