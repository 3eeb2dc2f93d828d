"""``mim train/test mmpose`` on a posewarper config, with no PYTHONPATH export.

mim runs MMPose's own ``.mim/tools/train.py``/``test.py``, which build mmengine's ``Runner`` (they
ignore ``runner_type``); the config's ``custom_imports`` loads posewarper, installed. The launch
happens from a folder outside the repository with only the repository root on PYTHONPATH (for the
probe hook, ``tests.helpers.tiny_training``), so posewarper can only come from the installed
package.
"""
import shutil
from pathlib import Path

import pytest
import torch

from tests.helpers.tiny_training import (PYTHON, REPO_ROOT, check, checkpoints, free_port,
                                         make_tiny_data, run, subprocess_env, write_tiny_config)

MIM = str(Path(PYTHON).parent / 'mim')
TIMEOUT = 300

pytestmark = [
    pytest.mark.slow,  # trains and tests through mim's processes
    pytest.mark.skipif(shutil.which(MIM) is None,
                       reason='openmim is not installed (tools/setup_env.sh installs it)'),
]


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory) -> Path:
    return make_tiny_data(tmp_path_factory.mktemp('tiny_data'))


def mim_env(**extra: str) -> dict:
    env = subprocess_env(**extra)
    # only the repository root on the path, for the probe hook (tests.helpers.tiny_training):
    # posewarper lives under projects/, so it must come from the installed package
    env['PYTHONPATH'] = str(REPO_ROOT)
    return env


def test_mim_train_and_test(tmp_path, tiny_data):
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_data, stage='stage1', max_iters=2,
                               checkpoint_interval=2)
    work_dir = tmp_path / 'work'
    out = check(
        run([MIM, 'train', 'mmpose',
             str(config), '--gpus', '0', '--work-dir',
             str(work_dir)], TIMEOUT, mim_env(), cwd=tmp_path))
    assert 'Training finished successfully' in out
    assert checkpoints(work_dir) == ['iter_2.pth']
    out = check(
        run([
            MIM, 'test', 'mmpose',
            str(config), '--checkpoint',
            str(work_dir / 'iter_2.pth'), '--gpus', '0', '--work-dir',
            str(tmp_path / 'test')
        ], TIMEOUT, mim_env(), cwd=tmp_path))
    assert 'posetrack/Total' in out


@pytest.mark.skipif(torch.cuda.is_available(), reason='the limitation is CPU-only')
def test_mim_launcher_pytorch_on_cpu(tmp_path, tiny_data):
    """What docs/training.md says about ``mim train ... --launcher pytorch`` without a GPU.

    MMPose 1.3.2's ``.mim/tools/train.py`` always builds ``Runner.from_cfg`` (it ignores
    ``runner_type``), whose ``setup_env`` calls ``mmengine.dist.init_dist('pytorch')``, which
    calls ``torch.cuda.set_device`` before any posewarper code can act. On GPUs the same command
    is plain mmengine; on CPUs ``tools/dist_train.sh`` is the way. If this test starts failing,
    MMPose's script changed and the documentation should be updated.
    """
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_data, max_iters=1,
                               checkpoint_interval=1)
    result = run([
        MIM, 'train', 'mmpose',
        str(config), '--launcher', 'pytorch', '--gpus', '2', '--port',
        str(free_port()), '--work-dir',
        str(tmp_path / 'work')
    ], TIMEOUT, mim_env(), cwd=tmp_path)
    assert result.returncode != 0
    assert 'torch.distributed.launch' in result.stdout  # mim's (deprecated) launcher
    assert 'runner = Runner.from_cfg(cfg)' in result.stdout
    assert 'torch.cuda.set_device(local_rank)' in result.stdout
    assert 'Found no NVIDIA driver' in result.stdout
