"""Resume after a hard kill: ``tools/train.py --resume`` continues from the last checkpoint.

A run checkpoints every iteration and is parked by the probe hook right after the 2nd
checkpoint, then SIGKILLed (its whole process group). The restart with ``--resume`` (auto: the
latest checkpoint of the work dir) must start at iteration 2 with the optimizer (Adam moments)
and LR-scheduler state that were saved, and finish the remaining iterations. The checkpoints are
read with torch's default ``weights_only`` loader, as mmengine does (the run through the configs'
``SafeCheckpointLoadingHook``, the test through ``safe_checkpoint_loading``).
"""
import subprocess
import time
from pathlib import Path

import pytest
import torch

from posewarper.utils import safe_checkpoint_loading
from tests.helpers.tiny_training import (PYTHON, REPO_ROOT, check, checkpoints, kill_group,
                                         load_probe, make_tiny_data, run, subprocess_env,
                                         write_tiny_config)

TIMEOUT = 240
MAX_ITERS = 5

pytestmark = pytest.mark.slow  # trains, kills the process and resumes


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory) -> Path:
    return make_tiny_data(tmp_path_factory.mktemp('tiny_data'))


def assert_same(a, b, where='') -> None:
    """Recursive equality of (nested) state dicts with tensors."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (where, a.keys(), b.keys())
        for k in a:
            assert_same(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]')
    else:
        assert a == b, (where, a, b)


def start_killable_run(config: Path, work_dir: Path, log: Path) -> subprocess.Popen:
    with log.open('w') as f:
        return subprocess.Popen(
            [PYTHON, 'tools/train.py', str(config), '--work-dir', str(work_dir)],
            cwd=str(REPO_ROOT),
            env=subprocess_env(),
            stdout=f,
            stderr=subprocess.STDOUT,
            start_new_session=True)


def test_resume_after_sigkill(tmp_path, tiny_data):
    work_dir = tmp_path / 'work'
    first, second = tmp_path / 'probe1', tmp_path / 'probe2'
    config = write_tiny_config(
        tmp_path / 'killed.py', tiny_data, max_iters=MAX_ITERS, checkpoint_interval=1,
        probe_dir=first, block_at_iter=2)
    log = tmp_path / 'killed.log'
    proc = start_killable_run(config, work_dir, log)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (first / 'blocked_rank0').exists():
            assert proc.poll() is None, f'run ended early:\n{log.read_text()[-6000:]}'
            assert time.monotonic() < deadline, f'no 2nd checkpoint:\n{log.read_text()[-6000:]}'
            time.sleep(0.2)
    finally:
        kill_group(proc)  # SIGKILL mid-run, as a crashed or pre-empted job
    assert proc.returncode == -9
    assert checkpoints(work_dir) == ['iter_1.pth', 'iter_2.pth']
    with safe_checkpoint_loading():  # weights_only default, with posewarper's allow-list
        saved = torch.load(work_dir / 'iter_2.pth', map_location='cpu')
    assert saved['meta']['iter'] == 2

    resumed = write_tiny_config(
        tmp_path / 'resumed.py', tiny_data, max_iters=MAX_ITERS, checkpoint_interval=1,
        probe_dir=second)
    out = check(
        run([PYTHON, 'tools/train.py', str(resumed), '--work-dir', str(work_dir), '--resume'],
            TIMEOUT))
    assert 'resumed epoch: 0, iter: 2' in out
    rec = load_probe(second, 0)
    assert rec['start_iter'] == 2
    assert rec['iters'] == list(range(3, MAX_ITERS + 1))
    # the data continues where it stopped (no shuffle, batch 2): iteration 3 trains on the 5th
    # and 6th sample, and so on
    ids = rec['dataset_ids']
    assert rec['sample_ids'] == [ids[i % len(ids)] for i in range(4, 2 * MAX_ITERS)]
    assert_same(rec['optimizer'], saved['optimizer'], 'optimizer')
    assert rec['optimizer']['state'], 'Adam state should not be empty after 2 iterations'
    assert_same(rec['param_schedulers'], saved['param_schedulers'], 'param_schedulers')
    assert [s['_global_step'] for s in rec['param_schedulers']] == [2, 2]  # 2 steps taken
    # the model weights were restored too (the probe saw them before iteration 3)
    assert_same(rec['params_at_start'],
                {k: v for k, v in saved['state_dict'].items() if k in rec['params_at_start']},
                'params')
    assert checkpoints(work_dir) == [f'iter_{i}.pth' for i in range(1, MAX_ITERS + 1)]
