"""posewarper's own registries (its models, datasets, metrics, ... go into MMPose's)."""
from mmengine.registry import Registry

#: Label propagation methods (``tools/propagate.py --method``), keyed by method name; built with
#: ``model`` and ``batch_size`` when their ``needs_model`` is true.
PROPAGATORS = Registry('propagator', locations=['posewarper.propagation'])
