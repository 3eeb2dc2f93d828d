"""Files: atomic output (one policy for everything we write) and the PoseTrack18 format."""
from .atomic import (AtomicFile, atomic_output, check_output_path, dumps_json,
                     remove_stale_temp_files, write_bytes_atomic, write_json_atomic)
from .atomic_folder import (AtomicFolder, check_replaceable_folder, commit_together, stage_files,
                            write_files_atomic)
from .digest import sha256_file
from .output_lock import OutputBusyError, OutputLock, OutputLocks
from .posetrack import (FRAME_NAME_DIGITS, PT18_KEYPOINT_NAMES, PT18_SKELETON, VIDEO_FIELDS,
                        check_json_file, coco_index, frame_info, frame_path, gt_dir_from_ann_file,
                        load_detections, load_posetrack_dirs, load_posetrack_json, person_category,
                        posetrack18_categories, posetrack_document, prediction_record,
                        video_json_files, video_name_of)
from .posetrack_checks import check_posetrack_document

__all__ = [
    'AtomicFile', 'atomic_output', 'check_output_path', 'dumps_json', 'remove_stale_temp_files',
    'write_bytes_atomic', 'write_json_atomic', 'AtomicFolder', 'check_replaceable_folder',
    'write_files_atomic', 'stage_files', 'commit_together', 'OutputBusyError', 'OutputLock',
    'OutputLocks', 'sha256_file', 'FRAME_NAME_DIGITS', 'PT18_KEYPOINT_NAMES', 'PT18_SKELETON',
    'VIDEO_FIELDS', 'check_json_file', 'coco_index', 'frame_info', 'frame_path',
    'gt_dir_from_ann_file', 'load_detections', 'load_posetrack_dirs', 'load_posetrack_json',
    'person_category', 'posetrack18_categories', 'posetrack_document', 'prediction_record',
    'video_json_files', 'video_name_of', 'check_posetrack_document'
]
