"""Run the demo's seeds in separate processes at once, each with its share of the CPU threads.

Why: on a 2-core CPU torch's second thread buys little for the tiny models (measured on the
project's 2-core VM: 0.675 s per stage-1 training step with two threads, 0.78 s with one; two
one-thread processes side by side kept 0.78-0.83 s each), and the demo's Python stages (data
generation, scoring, propagation bookkeeping) use one core whatever torch is told. The seeds are
independent runs in their own folders, so running them side by side with one thread each keeps
both cores busy. A fixed thread count per seed also makes a run repeat bit for bit on one
machine: the in-process run's :class:`~posewarper.engine.hooks.CPUThreadsHook` changes the count
(and with it the float order) whenever another process competes.

Neither mmengine nor the standard library has a runner for this: ``concurrent.futures`` and
``multiprocessing.Pool`` wait for (``shutdown``) or respawn (``Pool``) workers on an interrupt
and drop a worker's SIGTERM cleanup, so the few lines here start one spawned process per seed,
collect each result over a pipe, and on SIGINT/SIGTERM stop the others, which clean up as the
tools do (:mod:`posewarper.utils.cli`).
"""
import multiprocessing as mp
import os
import signal
import time
import traceback
from multiprocessing.connection import Connection, wait
from typing import Callable, Dict, Sequence, Tuple

#: Seconds a stopped seed process gets to remove its temporary files before it is killed.
STOP_GRACE = 30.0


def threads_per_job(jobs: int) -> int:
    """torch threads of each of ``jobs`` processes: this process's count shared out, at least 1
    (``OMP_NUM_THREADS`` or ``torch.set_num_threads`` in the parent therefore bound it)."""
    import torch
    return max(1, torch.get_num_threads() // max(1, jobs))


def _exit_on_signal(signum: int, frame) -> None:
    # SystemExit unwinds the stack, so every finally and context manager removes its temporary
    # files, and multiprocessing ends the process with this status without a traceback
    raise SystemExit(128 + signum)


def _child(conn: Connection, threads: int, log_file: str, func: Callable, kwargs: dict) -> None:
    """One job in a spawned process: its output goes to ``log_file``; it sends back
    ``('ok', result)`` or ``('error', exception)``. SIGINT and SIGTERM end it quietly with the
    status a shell gives a process killed by that signal (130, 143), after its cleanup."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_on_signal)
    import torch
    torch.set_num_threads(threads)
    with open(log_file, 'w') as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        result = ('ok', func(**kwargs))
    except Exception as e:  # the parent raises it; the traceback stays in the job's log
        traceback.print_exc()
        result = ('error', e)
    try:
        conn.send(result)
    except Exception:  # an exception that does not pickle: its type and message
        error = result[1]
        conn.send(('error', RuntimeError(f'{type(error).__name__}: {error}')))
    conn.close()


def run_in_processes(func: Callable, jobs: Dict[str, dict], log_files: Dict[str, str],
                     max_jobs: int, threads: int,
                     on_done: Callable[[str, float], None]) -> Dict[str, object]:
    """Call ``func(**kwargs)`` for every job, at most ``max_jobs`` at once, each in a spawned
    process with ``threads`` torch threads and its output in ``log_files[key]`` (rewritten).

    Args:
        func (Callable): A module-level function (spawned processes import it).
        jobs (dict[str, dict]): Keyword arguments per job key, started in this order.
        log_files (dict[str, str]): Where each job's stdout and stderr go (rewritten).
        max_jobs (int): Processes at once.
        threads (int): torch threads per process.
        on_done (Callable[[str, float], None]): Called with a job's key and its wall-clock
            seconds when its result has arrived.

    Returns:
        dict[str, object]: ``func``'s result per key, in the order of ``jobs``.

    Raises:
        Exception: A job's own exception (the others are stopped first), or
            ``ChildProcessError`` naming the job and its log when its process ended without a
            result (killed, out of memory).
    """
    ctx = mp.get_context('spawn')  # fork would copy torch's OpenMP state, which hangs children
    waiting = list(jobs)
    running: Dict[str, Tuple[mp.Process, Connection, float]] = {}
    results: Dict[str, object] = {}
    try:
        while waiting or running:
            while waiting and len(running) < max_jobs:
                key = waiting.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, name=f'demo {key}',
                                   args=(send, threads, log_files[key], func, jobs[key]))
                proc.start()
                send.close()  # the child holds the other end: EOF here once it has ended
                running[key] = (proc, recv, time.perf_counter())
            wait([conn for _, conn, _ in running.values()])
            for key, (proc, conn, start) in list(running.items()):
                if not conn.poll():
                    continue
                try:
                    status, payload = conn.recv()
                except EOFError:  # the process ended without sending anything
                    proc.join()
                    raise ChildProcessError(
                        f'{key}: its process ended with status {proc.exitcode} before '
                        f'returning; see {log_files[key]}') from None
                proc.join()
                del running[key]
                if status == 'error':
                    raise payload
                results[key] = payload
                on_done(key, time.perf_counter() - start)
    finally:
        _stop(proc for proc, _, _ in running.values())
    return {key: results[key] for key in jobs}


def _stop(procs: Sequence[mp.Process]) -> None:
    """SIGTERM the processes still running, give them :data:`STOP_GRACE` seconds to clean up,
    then kill what is left."""
    procs = [proc for proc in procs if proc.is_alive()]
    for proc in procs:
        proc.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()
