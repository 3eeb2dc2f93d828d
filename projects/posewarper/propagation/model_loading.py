"""Kept for code written against the old place: the strict model loader is
:func:`posewarper.apis.init_model` (the one top-down inference path, :mod:`posewarper.apis`)."""
from ..apis.inference import init_model as init_pose_model

__all__ = ['init_pose_model']
