"""The demo's seeds in processes of their own (:mod:`posewarper_demo.parallel`): results in job
order, each job's output in its log, a job's error raised in the caller with the other jobs
stopped, a job that dies named with its log, and ``tools/demo.py --jobs`` interrupted."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from posewarper_demo.parallel import run_in_processes, threads_per_job
from tests.helpers.interrupt_cases import is_temporary

REPO_ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ jobs (run in spawned processes)
def report_threads(word: str) -> tuple:
    import torch
    print(f'job {word} says hello', flush=True)
    return word, torch.get_num_threads()


def fail(message: str) -> None:
    raise ValueError(message)


def wait_forever(pid_file: str, cleaned_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    try:
        while True:
            time.sleep(0.1)
    finally:  # SIGTERM from the parent unwinds to here: the job's cleanup runs
        Path(cleaned_file).write_text('cleaned')


def die(status: int) -> None:
    os._exit(status)


# ------------------------------------------------------------------ tests
def _logs(tmp_path, keys):
    return {key: str(tmp_path / f'{key}.log') for key in keys}


@pytest.mark.slow  # spawns Python processes that import torch and MMPose
def test_results_in_job_order_with_logs_and_threads(tmp_path):
    done = []
    jobs = {key: dict(word=key) for key in ('b', 'a', 'c')}
    logs = _logs(tmp_path, jobs)
    results = run_in_processes(report_threads, jobs, logs, max_jobs=2, threads=1,
                               on_done=lambda key, sec: done.append((key, sec)))
    assert list(results) == ['b', 'a', 'c']
    assert results == {key: (key, 1) for key in jobs}
    assert sorted(key for key, _ in done) == ['a', 'b', 'c']
    assert all(sec > 0 for _, sec in done)
    for key, log in logs.items():
        assert Path(log).read_text() == f'job {key} says hello\n'


@pytest.mark.slow  # spawns Python processes that import torch and MMPose
def test_an_error_is_raised_and_the_other_jobs_stop(tmp_path):
    pid_file, cleaned = tmp_path / 'pid', tmp_path / 'cleaned'
    jobs = {'forever': dict(pid_file=str(pid_file), cleaned_file=str(cleaned)),
            'bad': dict(message='seed 7: no such video v1')}
    logs = _logs(tmp_path, jobs)
    with pytest.raises(ValueError, match='seed 7: no such video v1'):
        run_in_processes(_dispatch, {k: dict(name=k, **v) for k, v in jobs.items()}, logs,
                         max_jobs=2, threads=1, on_done=lambda *a: None)
    # the job still running was stopped with SIGTERM, and its cleanup ran before it ended
    assert cleaned.read_text() == 'cleaned'
    assert not _alive(int(pid_file.read_text()))
    log = Path(logs['bad']).read_text()
    assert 'Traceback' in log and 'ValueError: seed 7: no such video v1' in log


def _dispatch(name: str, **kwargs):
    return dict(forever=wait_forever, bad=_fail_after_start)[name](**kwargs)


def _fail_after_start(message: str) -> None:
    time.sleep(1.0)  # let the other job start first: it is the one that must be stopped
    fail(message)


@pytest.mark.slow  # spawns Python processes that import torch and MMPose
def test_a_job_that_dies_is_named_with_its_log(tmp_path):
    logs = _logs(tmp_path, ['seed 5'])
    with pytest.raises(ChildProcessError,
                       match=r'seed 5: its process ended with status 3 before returning; see '
                       + str(tmp_path)):
        run_in_processes(die, {'seed 5': dict(status=3)}, logs, max_jobs=1, threads=1,
                         on_done=lambda *a: None)


def test_threads_per_job_share_this_process_threads():
    import torch
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(4)
        assert [threads_per_job(j) for j in (1, 2, 3, 4, 8)] == [4, 2, 1, 1, 1]
    finally:
        torch.set_num_threads(before)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie no longer runs: it only waits for its parent to read its status
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def _seed_processes(pid: int) -> list:
    """The spawned seed processes among ``pid``'s children (not multiprocessing's resource
    tracker)."""
    with open(f'/proc/{pid}/task/{pid}/children') as f:
        children = [int(c) for c in f.read().split()]
    found = []
    for child in children:
        try:
            with open(f'/proc/{child}/cmdline', 'rb') as f:
                if b'spawn_main' in f.read():
                    found.append(child)
        except FileNotFoundError:
            pass
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path('/proc/self/task').is_dir(), reason='reads /proc')
@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM])
def test_demo_jobs_interrupted(tmp_path, signum):
    """SIGINT/SIGTERM to ``tools/demo.py --jobs 2`` while both seeds train: one line, status
    128 + signal, no traceback, the seed processes ended and no temporary file left."""
    work = tmp_path / 'demo'
    env = dict(os.environ, CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='2')
    proc = subprocess.Popen(
        [sys.executable, 'tools/demo.py', '--quick', '--no-augmentation', '--seeds', '3', '4',
         '--jobs', '2', '--work-dir', str(work)],
        cwd=str(REPO_ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        logs = [work / f'seed_{seed}' / 'demo.log' for seed in (3, 4)]
        # both seeds inside a training: the stage after data generation has started
        while not all(log.is_file() and 'train stage 1 (single frame)] start' in log.read_text()
                      for log in logs):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        children = _seed_processes(proc.pid)
        assert len(children) == 2
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signum, err
    assert 'Traceback' not in err
    assert err.strip().splitlines()[-1].startswith(
        f'demo.py: interrupted by {signal.Signals(signum).name}')
    assert not any(_alive(child) for child in children)
    left = [str(p.relative_to(work)) for p in work.rglob('*')]
    assert not [p for p in left if is_temporary(p)]
