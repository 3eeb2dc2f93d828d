"""PoseWarper for MMPose 1.x.

Importing this package registers its models, datasets, transforms, metrics, hooks, runner,
visualiser and inferencer into MMPose's registries (configs load it with
``custom_imports=dict(imports=['posewarper'])``). It changes nothing else in the process: the
safe-loading allow-list for mmengine checkpoints is applied only while our loaders and runs read
one (:func:`posewarper.utils.safe_checkpoint_loading`).
"""
# importing the subpackages registers their classes into MMPose's registries
from . import apis, datasets, engine, evaluation, models, visualization  # noqa: F401,E402
from .version import __version__

__all__ = ['__version__']
