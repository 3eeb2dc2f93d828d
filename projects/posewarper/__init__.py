"""PoseWarper for MMPose 1.x. Importing this package registers its modules."""
from .version import __version__

__all__ = ['__version__']
