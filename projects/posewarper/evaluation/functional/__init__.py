from .posetrack_ap import (AP_GROUPS, AP_KEYS, PT17_JOINT_NAMES, PT18_KEYPOINT_NAMES,
                           PT18_NAME_TO_PT17_ID, PT18_TO_PT17, compute_ap, compute_joint_ap,
                           evaluate_posetrack_ap, load_posetrack_dirs, load_posetrack_json,
                           points_strictly_in_polygon, summarize_joint_ap)

__all__ = [
    'AP_GROUPS', 'AP_KEYS', 'PT17_JOINT_NAMES', 'PT18_KEYPOINT_NAMES', 'PT18_NAME_TO_PT17_ID',
    'PT18_TO_PT17', 'compute_ap', 'compute_joint_ap', 'evaluate_posetrack_ap',
    'load_posetrack_dirs', 'load_posetrack_json', 'points_strictly_in_polygon',
    'summarize_joint_ap'
]
