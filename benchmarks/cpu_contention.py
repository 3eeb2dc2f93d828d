"""CPU training beside another CPU-bound process: with and without ``fit_cpu_threads``.

Not a test. Times training iterations of the tiny stage-1 model (``configs/tiny``, batch 16,
random 128×96 crops, Adam) in three conditions, one after the other in one run:

- ``quiet``: nothing else runs; torch's default thread count;
- ``contended``: a busy loop runs at ``nice 19`` in its own session (``setsid``, as a job started
  from another terminal or tool is): with ``sched_autogroup`` its niceness does not lower its
  share, and the OpenMP team that shares a core with it waits at every barrier;
- ``contended_fitted``: the same busy loop, with the thread count refitted every 10 iterations
  by :func:`posewarper.utils.fit_cpu_threads` (what ``CPUThreadsHook`` does in training).

Reported (``--json`` writes them): seconds per iteration (median over ``--iters``) and each
condition's ratio to ``quiet``, plus the autogroup setting and the CPU count.

Usage: python benchmarks/cpu_contention.py [--iters N] [--json OUT]
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict

import torch
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs/tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py')


def train_step_fn() -> Callable[[], None]:
    """One training iteration of the tiny stage-1 model on random inputs."""
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(Config.fromfile(CONFIG).model).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs, target = torch.randn(16, 3, 128, 96), torch.rand(16, 17, 32, 24)

    def step() -> None:
        heatmaps = model.head(model.backbone(inputs))
        loss = ((heatmaps - target)**2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def time_iters(step: Callable[[], None], iters: int, fit_every: int = 0) -> float:
    """Median seconds per iteration (after two warm-up iterations)."""
    from posewarper.utils import fit_cpu_threads
    max_threads = torch.get_num_threads()
    for _ in range(2):
        step()
    times = []
    try:
        for i in range(iters):
            if fit_every and i % fit_every == 0:
                fit_cpu_threads(max_threads)
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
    finally:
        torch.set_num_threads(max_threads)
    return statistics.median(times)


def busy_loop() -> subprocess.Popen:
    """A CPU-bound process at nice 19 in a new session (its own autogroup)."""
    proc = subprocess.Popen(['nice', '-n', '19', sys.executable, '-c', 'while True: pass'],
                            start_new_session=True)
    time.sleep(1.0)  # let it start spinning
    return proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=12, help='timed iterations per condition')
    parser.add_argument('--json', help='write the figures there')
    args = parser.parse_args()
    step = train_step_fn()
    seconds: Dict[str, float] = {'quiet': time_iters(step, args.iters)}
    for name, fit_every in (('contended', 0), ('contended_fitted', 10)):
        proc = busy_loop()
        try:
            seconds[name] = time_iters(step, args.iters, fit_every)
        finally:
            proc.kill()
            proc.wait()
    try:
        with open('/proc/sys/kernel/sched_autogroup_enabled') as f:
            autogroup = f.read().strip() == '1'
    except OSError:
        autogroup = None
    result = dict(
        cpus=len(os.sched_getaffinity(0)), torch_threads=torch.get_num_threads(),
        sched_autogroup=autogroup, iters=args.iters,
        seconds_per_iter={k: round(v, 4) for k, v in seconds.items()},
        ratio_to_quiet={k: round(v / seconds['quiet'], 2) for k, v in seconds.items()})
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
