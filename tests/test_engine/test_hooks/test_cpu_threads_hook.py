"""``CPUThreadsHook``: fits the threads on the configured iterations, only for CPU models, and
restores them at the end of the run."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from posewarper.engine.hooks import cpu_threads_hook
from posewarper.engine.hooks.cpu_threads_hook import CPUThreadsHook


@pytest.fixture
def calls(monkeypatch):
    threads = torch.get_num_threads()
    seen = []

    def fake_fit(max_threads):
        seen.append(max_threads)
        torch.set_num_threads(1)
        return 1

    monkeypatch.setattr(cpu_threads_hook, 'fit_cpu_threads', fake_fit)
    yield seen
    torch.set_num_threads(threads)


def runner_with(module: nn.Module):
    return SimpleNamespace(model=module)


def test_fits_every_interval_and_restores(calls):
    threads = torch.get_num_threads()
    hook = CPUThreadsHook(interval=3)
    runner = runner_with(nn.Linear(2, 2))
    hook.before_run(runner)
    for i in range(7):
        hook.before_train_iter(runner, i)
    for i in range(4):
        hook.before_test_iter(runner, i)
        hook.before_val_iter(runner, i)
    assert calls == [threads] * (3 + 2 * 2)  # train 0, 3, 6; test and val 0, 3
    hook.after_run(runner)
    assert torch.get_num_threads() == threads


def test_wrapped_model_is_unwrapped(calls):
    hook = CPUThreadsHook(interval=1)
    runner = runner_with(SimpleNamespace(module=nn.Linear(2, 2)))
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    assert len(calls) == 1


def test_gpu_models_are_left_alone(calls):
    module = nn.Linear(2, 2)
    module.weight = nn.Parameter(torch.empty(2, 2, device='meta'))  # any non-CPU device
    hook = CPUThreadsHook(interval=1)
    runner = runner_with(module)
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    assert calls == []


@pytest.mark.parametrize('interval', [0, -1, 1.5, True, '10'])
def test_interval_is_checked(interval):
    with pytest.raises(ValueError, match='interval'):
        CPUThreadsHook(interval=interval)


def test_tiny_configs_use_it():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py')
    assert dict(type='CPUThreadsHook', interval=10) in cfg.custom_hooks
