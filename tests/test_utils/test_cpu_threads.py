"""Fitting torch's CPU threads to the cores other processes leave free."""
import subprocess
import sys
import time

import pytest
import torch

from posewarper.utils import cpu_threads
from posewarper.utils.cpu_threads import fit_cpu_threads, other_runnable_tasks


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')
def test_a_busy_process_is_counted():
    busy = subprocess.Popen([sys.executable, '-c', 'while True: pass'])
    try:
        # the child runs its loop once the interpreter is up; until then it may sleep on I/O
        deadline = time.monotonic() + 30
        counted = 0
        while time.monotonic() < deadline and not counted:
            counted = other_runnable_tasks()
            time.sleep(0.05)
        assert counted >= 1
    finally:
        busy.kill()
        busy.wait()


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reads /proc')
def test_own_threads_are_not_counted(monkeypatch):
    # the machine's count is exactly this process's running threads: nobody else competes
    monkeypatch.setattr(cpu_threads, '_system_running_tasks', cpu_threads._own_running_threads)
    assert other_runnable_tasks(samples=3, interval=0) == 0


@pytest.mark.parametrize('others, cpus, max_threads, expected', [
    (0, 2, 2, 2),  # an idle machine: all the threads asked for
    (1, 2, 2, 1),  # one busy process on two cores: one thread
    (5, 2, 2, 1),  # never fewer than one
    (0, 8, 2, 2),  # never more than asked for
    (2, 8, 8, 6),
])
def test_fit_cpu_threads(monkeypatch, restore_threads, others, cpus, max_threads, expected):
    monkeypatch.setattr(cpu_threads, 'other_runnable_tasks', lambda: others)
    monkeypatch.setattr(cpu_threads.os, 'sched_getaffinity', lambda pid: set(range(cpus)),
                        raising=False)
    assert fit_cpu_threads(max_threads) == expected
    assert torch.get_num_threads() == expected


def test_no_proc_leaves_threads_alone(monkeypatch, restore_threads):
    torch.set_num_threads(1)
    monkeypatch.setattr(cpu_threads, 'other_runnable_tasks', lambda: None)
    assert fit_cpu_threads(2) == 1 and torch.get_num_threads() == 1


def test_unreadable_proc_means_unknown(monkeypatch):
    def refuse():
        raise OSError('no /proc')

    monkeypatch.setattr(cpu_threads, '_system_running_tasks', refuse)
    assert other_runnable_tasks(samples=1) is None


def test_fitted_cpu_threads_fits_on_call_and_restores(monkeypatch, restore_threads):
    torch.set_num_threads(2)
    monkeypatch.setattr(cpu_threads, 'other_runnable_tasks', lambda: 1)
    monkeypatch.setattr(cpu_threads.os, 'sched_getaffinity', lambda pid: {0, 1}, raising=False)
    with cpu_threads.fitted_cpu_threads() as fit:
        assert torch.get_num_threads() == 2  # nothing changes before the first call
        assert fit() == 1 and torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with cpu_threads.fitted_cpu_threads(enabled=False) as fit:
        assert fit is None
