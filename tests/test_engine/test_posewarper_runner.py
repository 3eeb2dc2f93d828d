"""posewarper.engine: CPU process-group set-up and DDP wrapping, in-process with one rank."""
import os

import pytest
import torch
import torch.distributed as torch_dist
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.runner import Runner
from mmpose.registry import MODELS, RUNNERS

from posewarper.engine import (PoseWarperRunner, build_runner, cpu_model_wrapper_cfg, destroy_dist,
                               init_cpu_dist)
from tests.helpers.tiny_training import free_port

pytestmark = pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the CPU path; on GPUs the runner is mmengine\'s')


@pytest.fixture
def single_rank_env(monkeypatch):
    """torchrun's variables for a world of one process, on a free port; tears down after."""
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port()))
    yield
    destroy_dist()


def test_cpu_model_wrapper_cfg():
    assert cpu_model_wrapper_cfg(None, find_unused_parameters=True) == dict(
        type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
        find_unused_parameters=True)
    user = dict(type='MMDistributedDataParallel', device_ids=[0], find_unused_parameters=True)
    cfg = cpu_model_wrapper_cfg(user)
    assert cfg == dict(user, device_ids=None) and user['device_ids'] == [0]  # copy, not edit
    assert cpu_model_wrapper_cfg(dict(find_unused_parameters=True))['device_ids'] is None
    # wrappers that are not DDP keep their options untouched
    assert cpu_model_wrapper_cfg(dict(type='MMFullyShardedDataParallel')) == dict(
        type='MMFullyShardedDataParallel')


def test_init_cpu_dist_replaces_nccl(single_rank_env):
    assert init_cpu_dist('pytorch', backend='nccl', timeout=60) == 'gloo'
    assert torch_dist.get_backend() == 'gloo' and torch_dist.get_world_size() == 1
    destroy_dist()
    assert not torch_dist.is_initialized()
    destroy_dist()  # idempotent


def test_init_cpu_dist_slurm(monkeypatch):
    port = free_port()
    for key in ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')  # else derived with scontrol
    monkeypatch.setenv('SLURM_PROCID', '0')
    monkeypatch.setenv('SLURM_NTASKS', '1')
    monkeypatch.setenv('SLURM_NODELIST', 'node-1')
    try:
        init_cpu_dist('slurm', backend='nccl', port=port)
        assert torch_dist.get_world_size() == 1 and torch_dist.get_rank() == 0
        assert os.environ['MASTER_PORT'] == str(port) and os.environ['LOCAL_RANK'] == '0'
    finally:
        destroy_dist()


def test_init_cpu_dist_rejects_unknown_launcher():
    with pytest.raises(ValueError, match='launcher'):
        init_cpu_dist('none')


def test_runner_is_registered():
    assert RUNNERS.get('PoseWarperRunner') is PoseWarperRunner
    # mmengine's root registry finds it under its scope (what MMPose's tools/train.py sees)
    assert MMENGINE_RUNNERS.get('mmpose.PoseWarperRunner') is PoseWarperRunner


@MODELS.register_module(name='_PoseWarperRunnerTestToy', force=True)
class _Toy(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(2, 2)
        self.bn = torch.nn.BatchNorm1d(2)


def test_runner_wraps_cpu_ddp(tmp_path, single_rank_env):
    runner = PoseWarperRunner(
        model=_Toy(), work_dir=str(tmp_path), launcher='pytorch',
        env_cfg=dict(dist_cfg=dict(backend='nccl')), default_scope='mmpose')
    assert runner.distributed and runner.world_size == 1
    assert torch_dist.get_backend() == 'gloo'
    assert isinstance(runner.model, MMDistributedDataParallel)
    assert runner.model.device_ids is None and not runner.model.broadcast_buffers


def test_runner_without_launcher_is_plain(tmp_path):
    runner = PoseWarperRunner(model=_Toy(), work_dir=str(tmp_path), default_scope='mmpose')
    assert not runner.distributed and isinstance(runner.model, _Toy)
    assert not torch_dist.is_initialized()


def test_build_runner_fallback_and_runner_type(tmp_path):
    from mmengine.config import Config
    model = dict(type='_PoseWarperRunnerTestToy')
    cfg = Config(dict(model=model, work_dir=str(tmp_path), default_scope='mmpose'))
    assert type(build_runner(cfg)) is PoseWarperRunner
    cfg = Config(dict(model=model, work_dir=str(tmp_path), default_scope='mmpose',
                      runner_type='Runner'))
    assert type(build_runner(cfg)).__name__ == 'Runner'
    cfg.runner_type = None  # counts as absent
    assert type(build_runner(cfg)) is PoseWarperRunner


def test_checkpoint_is_replaced_whole(tmp_path, monkeypatch):
    """mmengine's save (stood in for: it needs a training loop) writes the file name it is
    given; a save that fails half-way leaves the previous checkpoint of that name intact and no
    temporary file."""
    runner = PoseWarperRunner(model=_Toy(), work_dir=str(tmp_path / 'work'),
                              default_scope='mmpose')
    out = tmp_path / 'ckpts'
    written = []

    def mmengine_save(self, out_dir, filename, *args, interrupt=False, **kwargs):
        written.append(filename)
        with open(os.path.join(out_dir, filename), 'wb') as f:
            f.write(b'half a checkpoint' if interrupt else f'checkpoint {len(written)}'.encode())
        if interrupt:
            raise KeyboardInterrupt

    monkeypatch.setattr(Runner, 'save_checkpoint', mmengine_save)
    runner.save_checkpoint(str(out), 'epoch_1.pth')
    assert (out / 'epoch_1.pth').read_bytes() == b'checkpoint 1'
    with pytest.raises(KeyboardInterrupt):
        runner.save_checkpoint(str(out), 'epoch_1.pth', interrupt=True)
    assert (out / 'epoch_1.pth').read_bytes() == b'checkpoint 1'
    assert sorted(p.name for p in out.iterdir()) == ['epoch_1.pth']
    assert all(name.startswith('.epoch_1.pth.') for name in written)  # beside it, hidden
