"""Shared pytest fixtures.

``../shared`` (next to the repository) holds the real PoseTrack18 sample data on the developers'
and CI machines; a user's clone has no such folder, so every test that needs it skips cleanly.
"""
import importlib.util
from pathlib import Path
from types import ModuleType

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


@pytest.fixture(scope='session')
def load_tool():
    """A loader of ``tools/<name>.py`` as a module (the tools are scripts, not a package)."""
    def load(name: str) -> ModuleType:
        spec = importlib.util.spec_from_file_location(f'tool_{name}',
                                                      REPO_ROOT / 'tools' / f'{name}.py')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return load


@pytest.fixture(scope='module')
def one_torch_thread():
    """One torch thread for a test module: the machines running the tests are shared, and one
    thread is faster than two contended ones. Restores the thread count and MMPose's scope."""
    import torch
    from mmengine.registry import init_default_scope
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    init_default_scope('mmpose')


@pytest.fixture(autouse=True, scope='session')
def mmpose_default_scope():
    """Build registry types in MMPose's scope, as configs do through ``default_scope='mmpose'``."""
    from mmengine.registry import init_default_scope

    import posewarper  # noqa: F401  (registers our modules)
    init_default_scope('mmpose')
