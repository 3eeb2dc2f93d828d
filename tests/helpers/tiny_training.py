"""Helpers for the tests that launch real training runs (tools/*.py, tools/*.sh, mim).

Not a test module. It provides

- :func:`make_tiny_data`: tiny synthetic PoseTrack18-layout videos (the generator of
  ``tools/make_synthetic_posetrack.py``);
- :func:`write_tiny_config`: one of ``configs/tiny`` (stage 2 by default) made a short,
  deterministic, iteration-based run on that data;
- :class:`TrainProbeHook`: a hook the launched processes import (``custom_imports``) that
  records, per rank, what was trained and can park the run after a checkpoint so a test can
  kill it at a known point (the processes import this module as ``tests.helpers.tiny_training``,
  with the repository root on their ``PYTHONPATH``: :func:`subprocess_env`);
- :func:`free_port` and :func:`run`: subprocesses with a hard timeout that kill the whole
  process group.
"""
import copy
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
#: This module as the launched processes import it (``custom_imports`` of the tiny configs).
MODULE = 'tests.helpers.tiny_training'


# ----------------------------------------------------------------------------- processes
def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 now (bound to port 0 by the OS, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def subprocess_env(**extra: str) -> Dict[str, str]:
    """The test's environment plus the repository root on PYTHONPATH (for the probe hook in
    :data:`MODULE`; posewarper itself lives under ``projects/`` and still comes from the installed
    package), one thread per process (the machine is small), no visible GPU, and ``extra``."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO_ROOT)] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    env.setdefault('OMP_NUM_THREADS', '1')
    # the tests check the CPU (gloo) path, also on a machine with GPUs
    env['CUDA_VISIBLE_DEVICES'] = ''
    env['PYTHON'] = PYTHON
    # the venv's bin first, so that `python`, `torchrun` and `mim` are the test's own
    env['PATH'] = os.pathsep.join([str(Path(PYTHON).parent), env.get('PATH', '')])
    env.update(extra)
    return env


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group that ``proc`` leads (it was started in a new session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run(cmd: Sequence[str],
        timeout: float,
        env: Optional[Dict[str, str]] = None,
        cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own process group; on timeout kill the whole group and fail.

    Returns the completed process (stdout and stderr merged into ``stdout``).
    """
    proc = subprocess.Popen(
        list(cmd),
        cwd=str(cwd or REPO_ROOT),
        env=env or subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)  # torchrun and its workers: the whole group
        out, _ = proc.communicate()  # what was printed before the kill
        raise AssertionError(f'{" ".join(map(str, cmd))} did not finish in {timeout} s; '
                             f'output:\n{out[-6000:]}')
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, None)


def check(result: subprocess.CompletedProcess) -> str:
    """Assert the process succeeded; return its output."""
    assert result.returncode == 0, (
        f'exit code {result.returncode} of {" ".join(map(str, result.args))}:\n'
        f'{result.stdout[-8000:]}')
    return result.stdout


# ----------------------------------------------------------------------------- data / config
def make_tiny_data(root: Path) -> Path:
    """Generate the tiny synthetic PoseTrack18 data (2 videos x 8 frames per split, 2 people,
    as ``tools/make_synthetic_posetrack.py`` does) under ``root``."""
    from posewarper_synthetic import make_synthetic_posetrack
    make_synthetic_posetrack(
        str(root), videos=2, frames=8, seed=0, people_min=2, people_max=2, width=128,
        height=96)
    return root


TINY_CONFIGS = dict(
    stage1=REPO_ROOT / 'configs' / 'tiny' / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py',
    posewarper=REPO_ROOT / 'configs' / 'tiny' / 'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py')


def write_tiny_config(path: Path,
                      data_root: Path,
                      stage: str = 'posewarper',
                      max_iters: int = 4,
                      checkpoint_interval: int = 4,
                      probe_dir: Optional[Path] = None,
                      block_at_iter: Optional[int] = None,
                      batch_size: int = 2,
                      with_runner_type: bool = True) -> Path:
    """Write a config that inherits one of ``configs/tiny`` and makes it a short, deterministic,
    iteration-based run on the data of :func:`make_tiny_data`.

    Changes to the tiny config: no stage-1 ``load_from`` (random weights are enough here), the
    data root, ``max_iters`` iterations of ``batch_size`` samples in dataset order (no shuffle),
    no validation during training, a checkpoint every ``checkpoint_interval`` iterations (all
    kept), Adam with a LinearLR warm-up + MultiStepLR by iteration (so the optimizer and
    scheduler state are not trivial), ``auto_scale_lr`` for ``batch_size``, and the probe hook
    appended to the tiny config's ``custom_hooks`` (which keep ``SafeCheckpointLoadingHook``, so
    that ``--resume`` reads mmengine checkpoints under torch's safe unpickler).

    Args:
        path (Path): Config file to write.
        data_root (Path): Output of :func:`make_tiny_data`.
        stage (str): ``'posewarper'`` (stage 2, the default) or ``'stage1'``.
        max_iters (int): Training iterations.
        checkpoint_interval (int): Save every N iterations (and at the end).
        probe_dir (Path, optional): Enables :class:`TrainProbeHook` writing there.
        block_at_iter (int, optional): See :class:`TrainProbeHook`.
        batch_size (int): Per-process batch size.
        with_runner_type (bool): ``False`` sets ``runner_type = None`` (the tools then fall back
            to ``PoseWarperRunner`` themselves).
    """
    probe = ''
    if probe_dir is not None:
        probe = (f"custom_hooks = _base_.custom_hooks + [dict(type='TrainProbeHook', "
                 f"out_dir={str(probe_dir)!r}, block_at_iter={block_at_iter!r})]\n")
    root = str(data_root) + '/'
    text = f"""\
_base_ = [{str(TINY_CONFIGS[stage])!r}]
custom_imports = dict(imports=['posewarper', {MODULE!r}], allow_failed_imports=False)
{'' if with_runner_type else 'runner_type = None'}
load_from = None
train_dataloader = dict(
    batch_size={batch_size},
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=False),
    dataset=dict(data_root={root!r}))
test_dataloader = dict(batch_size=8, dataset=dict(data_root={root!r}))
test_evaluator = dict(ann_file={root + 'annotations/posetrack18_val.json'!r})
val_dataloader = None
val_evaluator = None
val_cfg = None
train_cfg = dict(_delete_=True, by_epoch=False, max_iters={max_iters}, val_interval={max_iters + 1})
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
auto_scale_lr = dict(base_batch_size={batch_size})
param_scheduler = [
    dict(type='LinearLR', begin=0, end=2, start_factor=0.1, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end={max_iters}, milestones=[3], gamma=0.5, by_epoch=False)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=1),
    checkpoint=dict(
        _delete_=True, type='CheckpointHook', interval={checkpoint_interval}, by_epoch=False,
        max_keep_ckpts=-1))
log_processor = dict(by_epoch=False)
{probe}"""
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- probe hook
def _register_probe_hook():
    import torch
    from mmengine.hooks import Hook
    from mmengine.model import is_model_wrapper
    from mmpose.registry import HOOKS

    @HOOKS.register_module(force=True)
    class TrainProbeHook(Hook):
        """Record what each rank trained; optionally park the run after a checkpoint.

        Writes ``out_dir/probe_rank{R}.pth`` at the end of training with: ``rank``,
        ``world_size``, ``start_iter`` (iteration count when training began, > 0 after a
        resume), ``optimizer`` and ``param_schedulers`` (state right after resuming),
        ``dataset_ids`` (annotation id of each dataset index), ``iters`` (iterations run),
        ``sample_ids`` (annotation ids of the samples trained on, in order), ``losses``,
        ``params_at_start`` and ``params`` (parameters before and after training).

        Args:
            out_dir (str): Where to write.
            block_at_iter (int, optional): After iteration N (1-based; after CheckpointHook,
                which has a higher priority, has saved), write ``out_dir/blocked_rank{R}`` and
                sleep until killed (at most ``block_timeout`` s, then exit with status 3).
            block_timeout (float): Upper bound of the sleep.
        """
        priority = 'LOWEST'

        def __init__(self, out_dir: str, block_at_iter: Optional[int] = None,
                     block_timeout: float = 300.0) -> None:
            self.out_dir = out_dir
            self.block_at_iter = block_at_iter
            self.block_timeout = block_timeout
            self.record: dict = {}

        def before_train(self, runner) -> None:
            os.makedirs(self.out_dir, exist_ok=True)
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            ds = runner.train_dataloader.dataset
            self.record = dict(
                params_at_start={n: p.detach().clone() for n, p in model.named_parameters()},
                rank=runner.rank,
                world_size=runner.world_size,
                start_iter=runner.iter,
                # deep copies: the live state (e.g. Adam's step tensors) changes in place
                optimizer=copy.deepcopy(runner.optim_wrapper.state_dict()),
                param_schedulers=copy.deepcopy([s.state_dict() for s in runner.param_schedulers]),
                dataset_ids=[ds.get_data_info(i).get('id') for i in range(len(ds))],
                iters=[],
                sample_ids=[],
                losses=[])

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
            self.record['iters'].append(runner.iter + 1)
            self.record['sample_ids'] += [s.metainfo['id'] for s in data_batch['data_samples']]
            if outputs is not None and 'loss' in outputs:
                self.record['losses'].append(float(outputs['loss']))
            if self.block_at_iter is not None and runner.iter + 1 == self.block_at_iter:
                marker = osp.join(self.out_dir, f'blocked_rank{runner.rank}')
                with open(marker, 'w') as f:
                    f.write(str(runner.iter + 1))
                deadline = time.monotonic() + self.block_timeout
                while time.monotonic() < deadline:
                    time.sleep(0.2)
                os._exit(3)

        def after_train(self, runner) -> None:
            model = runner.model.module if is_model_wrapper(runner.model) else runner.model
            self.record['params'] = {
                name: p.detach().clone() for name, p in model.named_parameters()}
            torch.save(self.record, osp.join(self.out_dir, f'probe_rank{runner.rank}.pth'))

    return TrainProbeHook


# registered on import: training processes load this module through custom_imports
TrainProbeHook = _register_probe_hook()


def load_probe(probe_dir: Path, rank: int) -> dict:
    """Read what :class:`TrainProbeHook` wrote for ``rank``."""
    import torch
    return torch.load(probe_dir / f'probe_rank{rank}.pth', map_location='cpu', weights_only=True)


def check_two_rank_run(probe_dir: Path, work_dir: Path, max_iters: int = 4) -> None:
    """Assert a 2-process run of :func:`write_tiny_config` trained data-parallel: both ranks
    ran every iteration on disjoint shards of the data, ended with identical weights that moved,
    and rank 0 wrote exactly one checkpoint holding them."""
    import torch

    from posewarper.utils import safe_checkpoint_loading
    ranks = [load_probe(probe_dir, r) for r in (0, 1)]
    for r, rec in enumerate(ranks):
        assert rec['rank'] == r and rec['world_size'] == 2
        assert rec['iters'] == list(range(1, max_iters + 1)), 'rank did not train every iter'
        assert all(torch.isfinite(torch.tensor(rec['losses'])))
    # the sampler shards the dataset: rank r takes indices r, r+2, ... (no shuffle)
    ids = ranks[0]['dataset_ids']
    for r, rec in enumerate(ranks):
        shard = ids[r::2]
        assert rec['sample_ids'] == [shard[i % len(shard)] for i in range(len(rec['sample_ids']))]
    assert set(ranks[0]['sample_ids']).isdisjoint(ranks[1]['sample_ids'])
    # different data, same weights: the gradients were synchronised
    p0, p1 = ranks[0]['params'], ranks[1]['params']
    assert p0.keys() == p1.keys()
    for name in p0:
        assert torch.equal(p0[name], p1[name]), f'{name} differs between ranks'
    assert any(not torch.equal(p0[n], ranks[0]['params_at_start'][n]) for n in p0), \
        'weights did not change'
    # one checkpoint, written by rank 0, holding those weights (an mmengine checkpoint: read
    # under torch's safe unpickler with posewarper's allow-list, as the runs read it)
    assert checkpoints(work_dir) == [f'iter_{max_iters}.pth']
    with safe_checkpoint_loading():
        ckpt = torch.load(work_dir / f'iter_{max_iters}.pth', map_location='cpu')
    assert ckpt['meta']['iter'] == max_iters
    for name, value in p0.items():
        assert torch.equal(ckpt['state_dict'][name], value), name


def checkpoints(work_dir: Path) -> List[str]:
    """Names of the checkpoints in ``work_dir``, sorted by iteration."""
    return sorted((p.name for p in work_dir.glob('iter_*.pth')),
                  key=lambda n: int(n[len('iter_'):-len('.pth')]))
