"""Data-parallel training and testing with 2 processes on CPU (gloo), through the shell tools.

``tools/dist_train.sh`` (torchrun) and ``tools/slurm_train.sh`` (with a stand-in ``srun``) run
the tiny PoseWarper (stage-2) config for 4 iterations, then ``tools/dist_test.sh`` /
``tools/slurm_test.sh`` test the checkpoint; the probe hook records, per rank, what was trained.
The tests check that both ranks trained on disjoint shards, that their weights are identical
afterwards (gradients were all-reduced), and that exactly one checkpoint was written. Each run gets
its own free port and a hard timeout that kills the whole process group.
"""
from pathlib import Path

import pytest

from tests.helpers.tiny_training import (REPO_ROOT, check, check_two_rank_run, free_port,
                                         make_tiny_data, run, subprocess_env, write_tiny_config)

TIMEOUT = 300  # seconds; a run takes ~30-60 s on a 2-core machine

pytestmark = pytest.mark.slow  # launches the shell tools (torchrun, srun) and trains


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory) -> Path:
    return make_tiny_data(tmp_path_factory.mktemp('tiny_data'))


def test_dist_train_and_test_two_ranks(tmp_path, tiny_data):
    work_dir, probe_dir = tmp_path / 'work', tmp_path / 'probe'
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_data, probe_dir=probe_dir)
    env = subprocess_env(PORT=str(free_port()), MASTER_ADDR='127.0.0.1')
    out = check(
        run(['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', str(work_dir)],
            TIMEOUT, env))
    assert 'Distributed training: True' in out
    assert 'No GPU: data-parallel on CPU, 2 processes, gloo backend' in out
    check_two_rank_run(probe_dir, work_dir)

    # testing the checkpoint with 2 ranks: the metric is computed once, over all 8 samples
    metrics = tmp_path / 'metrics.json'
    env['PORT'] = str(free_port())
    out = check(
        run([
            'bash', 'tools/dist_test.sh',
            str(config),
            str(work_dir / 'iter_4.pth'), '2', '--work-dir',
            str(tmp_path / 'test'), '--out',
            str(metrics)
        ], TIMEOUT, env))
    assert metrics.is_file() and 'posetrack/Total' in metrics.read_text()


FAKE_SRUN = r"""#!/usr/bin/env bash
# stand-in for srun on one node: records its arguments, runs the command once per task with
# the variables slurm sets, and fails if any task fails
echo "$@" > "$FAKE_SRUN_ARGS"
ntasks=1
while [ $# -gt 0 ]; do
    case "$1" in
        -p|-J|--partition|--job-name) shift 2 ;;
        --ntasks=*) ntasks=${1#--ntasks=}; shift ;;
        -*) shift ;;
        *) break ;;
    esac
done
pids=()
for ((i = 0; i < ntasks; i++)); do
    SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$ntasks SLURM_NODELIST=fake-node "$@" &
    pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
exit $rc
"""

FAKE_SCONTROL = """#!/usr/bin/env bash
# stand-in for `scontrol show hostname NODELIST`
echo 127.0.0.1
"""


def test_slurm_train_and_test_two_tasks(tmp_path, tiny_data):
    """tools/slurm_train.sh and slurm_test.sh (--launcher slurm) on CPU: ranks come from the
    SLURM_* variables, the master address from scontrol."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for name, text in (('srun', FAKE_SRUN), ('scontrol', FAKE_SCONTROL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    work_dir, probe_dir = tmp_path / 'work', tmp_path / 'probe'
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_data, probe_dir=probe_dir)
    env = subprocess_env(
        GPUS='2', GPUS_PER_NODE='2', GRES='', MASTER_PORT=str(free_port()),
        FAKE_SRUN_ARGS=str(tmp_path / 'srun_args'))
    env['PATH'] = f'{bin_dir}:{env["PATH"]}'
    env.pop('MASTER_ADDR', None)  # derived from SLURM_NODELIST through scontrol
    check(
        run(['bash', 'tools/slurm_train.sh', 'cpu', 'tiny', str(config),
             str(work_dir)], TIMEOUT, env))
    srun_args = (tmp_path / 'srun_args').read_text()
    assert '-p cpu --job-name=tiny --ntasks=2 --ntasks-per-node=2' in srun_args
    assert '--gres' not in srun_args  # GRES='' on a CPU partition
    assert f'--work-dir={work_dir} --launcher=slurm' in srun_args
    check_two_rank_run(probe_dir, work_dir)

    metrics = tmp_path / 'metrics.json'
    env['MASTER_PORT'] = str(free_port())
    check(
        run([
            'bash', 'tools/slurm_test.sh', 'cpu', 'tiny-test',
            str(config),
            str(work_dir / 'iter_4.pth'), '--out',
            str(metrics)
        ], TIMEOUT, env))
    assert '--launcher=slurm --out' in (tmp_path / 'srun_args').read_text()
    assert 'posetrack/Total' in metrics.read_text()


def test_dist_train_usage_error():
    result = run(['bash', str(REPO_ROOT / 'tools' / 'dist_train.sh')], 30)
    assert result.returncode == 2 and 'usage:' in result.stdout
