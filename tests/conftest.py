"""Shared pytest fixtures.

``../shared`` (next to the repository) holds the real PoseTrack18 sample data on the developers'
and CI machines; a user's clone has no such folder, so every test that needs it skips cleanly.

Tests that take the ``device`` fixture run on the CPU by default and on the device that
``POSEWARPER_TEST_DEVICE`` names otherwise; they are marked ``on_device`` automatically, so that
``POSEWARPER_TEST_DEVICE=cuda pytest tests -m on_device`` runs exactly them on a GPU (what
``benchmarks/cuda_check.py`` does).
"""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / 'shared'
POSETRACK_MINI = SHARED_DIR / 'data' / 'posetrack18-mini'


TEST_DEVICE_ENV = 'POSEWARPER_TEST_DEVICE'


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if 'device' in getattr(item, 'fixturenames', ()):
            item.add_marker(pytest.mark.on_device)


@pytest.fixture(scope='session')
def device():
    """The torch device of the ``on_device`` tests: ``$POSEWARPER_TEST_DEVICE`` or ``cpu``.

    On CUDA, TF32 is switched off for the session: these tests compare fp32 kernels (to 1e-4,
    identity copies bit for bit), and TF32 rounds matrix-product inputs to 10-bit mantissas.
    """
    import torch
    dev = torch.device(os.environ.get(TEST_DEVICE_ENV, 'cpu'))
    if dev.type == 'cuda':
        if not torch.cuda.is_available():
            pytest.fail(f'{TEST_DEVICE_ENV}={dev} but torch sees no CUDA device')
        matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        yield dev
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, cudnn
    else:
        yield dev


@pytest.fixture(scope='session')
def posetrack_mini() -> Path:
    """Path of the PoseTrack18 sample data; skips the test when it is absent."""
    if not (POSETRACK_MINI / 'annotations').is_dir():
        pytest.skip(f'PoseTrack18 sample data not found at {POSETRACK_MINI}')
    return POSETRACK_MINI


@pytest.fixture(scope='session')
def load_tool():
    """A loader of ``tools/<name>.py`` as a module (the tools are scripts, not a package)."""
    from tests.helpers.scripts import load_tool as load
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


@pytest.fixture(autouse=True)
def _loggers_on_open_streams():
    """Point logging handlers left on a closed stream at the process's stdout.

    mmengine's ``MMLogger`` keeps the stream ``sys.stdout`` was when the logger was made; under
    pytest's ``capsys`` that is a capture file, closed when its test ends. A later test whose
    tool logs through the same logger (mmengine's "current" one, e.g. a registry's scope
    warning) would print a ``--- Logging error ---`` traceback into that test's stderr. A fresh
    process (a real command line) never meets this.
    """
    import logging
    import sys
    loggers = [logging.getLogger()] + [
        obj for obj in logging.Logger.manager.loggerDict.values()
        if isinstance(obj, logging.Logger)]
    try:
        from mmengine.logging import MMLogger
        loggers += list(MMLogger._instance_dict.values())
    except ImportError:
        pass
    for logger in loggers:
        for handler in logger.handlers:
            if (isinstance(handler, logging.StreamHandler)
                    and getattr(handler.stream, 'closed', False)):
                handler.stream = sys.__stdout__  # setStream would flush the closed one
    yield
