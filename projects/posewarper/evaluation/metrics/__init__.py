from .atomic_dump_results import AtomicDumpResults
from .posetrack_ap_metric import PoseTrackAPMetric

__all__ = ['AtomicDumpResults', 'PoseTrackAPMetric']
