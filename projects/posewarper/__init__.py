"""PoseWarper for MMPose 1.x.

Importing this package registers its models, datasets, transforms, metrics and inferencer into
MMPose's registries (configs load it with ``custom_imports=dict(imports=['posewarper'])``), and
lets mmengine checkpoints load under torch's safe ``weights_only`` unpickler.
"""
# importing the subpackages registers their classes into MMPose's registries
from . import apis, datasets, engine, evaluation, models  # noqa: F401,E402
from .utils import register_checkpoint_safe_globals
from .version import __version__

register_checkpoint_safe_globals()

__all__ = ['__version__', 'register_checkpoint_safe_globals']
