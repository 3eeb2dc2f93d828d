"""Shared pytest fixtures.

``../shared`` (next to the repository) holds the real PoseTrack18 sample data on the developers'
and CI machines; a user's clone has no such folder, so every test that needs it skips cleanly.
"""
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / 'shared'
POSETRACK_MINI = SHARED_DIR / 'data' / 'posetrack18-mini'


@pytest.fixture(scope='session')
def posetrack_mini() -> Path:
    """Path of the PoseTrack18 sample data; skips the test when it is absent."""
    if not (POSETRACK_MINI / 'annotations').is_dir():
        pytest.skip(f'PoseTrack18 sample data not found at {POSETRACK_MINI}')
    return POSETRACK_MINI


@pytest.fixture(autouse=True, scope='session')
def mmpose_default_scope():
    """Build registry types in MMPose's scope, as configs do through ``default_scope='mmpose'``."""
    from mmengine.registry import init_default_scope
    import posewarper  # noqa: F401  (registers our modules)
    init_default_scope('mmpose')
