"""Fit torch's intra-op thread count to the CPUs that other processes leave free.

Why this exists: torch's CPU kernels run OpenMP teams whose threads wait for each other at every
barrier. When another CPU-bound process takes one of the cores, the team member that shares it is
descheduled for whole time slices while the others spin, and every parallel region waits for it.
On Linux, ``nice`` does not prevent this: with ``sched_autogroup`` (the default on desktop and
VM kernels) a process started in another session gets an equal share of the CPUs whatever its
nice value. Measured on the project's 2-core VM (benchmarks/cpu_contention.py): a tiny-HRNet
training iteration took 0.25 s alone and 5.2 s beside one ``nice 19`` busy loop started with
``setsid``; with one thread it took 0.39 s either way. Neither torch, mmengine nor OpenMP adapts
the team size to the load, so :func:`fit_cpu_threads` does, from the kernel's count of runnable
tasks.
"""
import contextlib
import os
import statistics
import time
from typing import Callable, Iterator, Optional

import torch


def _own_running_threads() -> int:
    """Threads of this process in state ``R`` (running or runnable)."""
    count = 0
    for tid in os.listdir('/proc/self/task'):
        try:
            with open(f'/proc/self/task/{tid}/stat') as f:
                # the state follows the parenthesised command name, which may contain spaces
                state = f.read().rsplit(')', 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # the thread ended meanwhile
        count += state == 'R'
    return count


def _system_running_tasks() -> int:
    """Runnable tasks of the whole machine (``procs_running`` of ``/proc/stat``)."""
    with open('/proc/stat') as f:
        for line in f:
            if line.startswith('procs_running'):
                return int(line.split()[1])
    raise OSError('/proc/stat has no procs_running line')


def other_runnable_tasks(samples: int = 5, interval: float = 0.002) -> Optional[int]:
    """How many tasks of other processes compete for the CPUs, or None where the kernel does not
    say (no ``/proc``, e.g. macOS).

    Args:
        samples (int): Readings to take; their median is returned (a reading is one instant).
        interval (float): Seconds between readings.
    """
    readings = []
    try:
        for k in range(samples):
            if k:
                time.sleep(interval)
            readings.append(max(0, _system_running_tasks() - _own_running_threads()))
    except (OSError, ValueError):
        return None
    return int(statistics.median_low(readings))


def fit_cpu_threads(max_threads: int) -> int:
    """Set torch's intra-op threads to the free CPUs, between 1 and ``max_threads``.

    Args:
        max_threads (int): The thread count to use on an otherwise idle machine (torch's count at
            start-up, or what the user set with ``OMP_NUM_THREADS``).

    Returns:
        int: The thread count now in force.
    """
    others = other_runnable_tasks()
    if others is None:
        return torch.get_num_threads()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
    threads = max(1, min(max_threads, (cpus or 1) - others))
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return threads


@contextlib.contextmanager
def fitted_cpu_threads(enabled: bool = True) -> Iterator[Optional[Callable[[], int]]]:
    """Yield a function that fits torch's threads to the free CPUs (:func:`fit_cpu_threads`,
    with the thread count at entry as the maximum), to call before each unit of work; the thread
    count at entry is restored on exit. ``enabled=False`` (a GPU run) yields None."""
    max_threads = torch.get_num_threads()
    try:
        yield (lambda: fit_cpu_threads(max_threads)) if enabled else None
    finally:
        torch.set_num_threads(max_threads)
