"""Fault injection for the tools' interrupt tests: run a tool in a forked child that is killed
(or stopped) at its k-th file-system event.

Importing torch, mmengine and MMPose takes 10 s and more on the shared test machines, so a tool
is not started as a new interpreter per run: a *fork server* (``python -m
tests.helpers.fault_injection``) imports the tools once and forks one child per run. The child
is a real process: it gets real signals from the kernel, the real exit status goes to
``waitpid``, and SIGKILL kills it with no Python code left to run. The server does no work
itself (no thread pools of torch or OpenCV exist at fork time), so the children do not inherit
half-initialised threads.

In the child, the file-system calls the tools' commits are made of (``open`` for writing,
``tempfile.mkstemp``, ``os.fsync``, ``os.replace``, ``os.rename``, ``os.remove``/``unlink``,
``os.mkdir``, ``os.rmdir``, ``shutil.rmtree``) are wrapped to count them; a :class:`Fault` sends
a signal to the child itself just before or just after the k-th one. This puts the kill at a
chosen point of the commit deterministically (no sleeps, no timing): a SIGINT sent while the
commit holds the signals back is delivered when it ends, as a real Ctrl-C would be.
``SIGSTOP`` pauses the child there instead (for the concurrent-writer tests), and
``waitpid(WUNTRACED)`` tells the test when it stands still.

Protocol (one json object per line on the server's stdin/stdout): ``start`` (tool, argv,
fault, files for stdout/stderr/event log, temp dir) answers the child's pid; ``wait`` (pid,
untraced) answers ``{"status": returncode}`` as ``subprocess`` gives it (negative: killed by
that signal) or ``{"stopped": signum}``.
"""
import builtins
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

from tests.helpers.scripts import load_tool

REPO_ROOT = Path(__file__).resolve().parents[2]

#: The tools the server imports (and can run).
TOOLS = ('eval_posetrack', 'propagate', 'make_synthetic_posetrack', 'convert_mmpose0x',
         'publish_checkpoint', 'infer', 'inferencer_demo', 'train', 'test')

#: A test that waits longer than this for the server has found a hang (a bug), not a slow run.
HANG_S = 600


class Fault(NamedTuple):
    """Send ``signal`` to the child at its ``at``-th file-system event (1-based), ``before``
    the call or after it returned."""
    at: int
    signal: int
    before: bool = True


# ---------------------------------------------------------------------------------------------
# the child: counting the events and acting at the k-th


class _Injector:

    def __init__(self, fault: Optional[Fault], log_path: str) -> None:
        self.fault = fault
        self.count = 0
        self.log = open(log_path, 'w', buffering=1)  # line-buffered: SIGKILL loses nothing

    def event(self, kind: str, path, call):
        self.count += 1
        self.log.write(f'{kind} {path}\n')
        hit = self.fault is not None and self.count == self.fault.at
        if hit and self.fault.before:
            os.kill(os.getpid(), self.fault.signal)
        try:
            return call()
        finally:  # also after a call that raised (``makedirs`` meeting an existing folder)
            if hit and not self.fault.before:
                os.kill(os.getpid(), self.fault.signal)


def _install(injector: _Injector) -> None:
    real_open = builtins.open

    def counted_open(file, mode='r', *args, **kwargs):
        if isinstance(mode, str) and any(c in mode for c in 'wax+'):
            return injector.event('open', file, lambda: real_open(file, mode, *args, **kwargs))
        return real_open(file, mode, *args, **kwargs)

    builtins.open = counted_open
    real_mkstemp = tempfile.mkstemp

    def counted_mkstemp(*args, **kwargs):
        return injector.event('mkstemp', kwargs.get('dir', ''),
                              lambda: real_mkstemp(*args, **kwargs))

    tempfile.mkstemp = counted_mkstemp
    for module, name in ((os, 'fsync'), (os, 'replace'), (os, 'rename'), (os, 'remove'),
                         (os, 'unlink'), (os, 'mkdir'), (os, 'rmdir'), (shutil, 'rmtree')):
        real = getattr(module, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            return injector.event(_name, args[0] if args else '',
                                  lambda: _real(*args, **kwargs))

        setattr(module, name, counted)


def _child(tool, request: dict) -> None:
    """Run the tool in the forked child; never returns."""
    rc = 1
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for fd, path in ((1, request['stdout']), (2, request['stderr'])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = open(1, 'w', buffering=1, closefd=False)
        sys.stderr = open(2, 'w', buffering=1, closefd=False)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        tempfile.tempdir = request['tempdir']  # the output locks of this test only
        os.chdir(request.get('cwd') or os.getcwd())
        sys.argv = [f'tools/{request["tool"]}.py'] + request['argv']
        fault = Fault(*request['fault']) if request.get('fault') else None
        _install(_Injector(fault, request['log']))
        try:
            rc = tool.main(request['argv'])
        except SystemExit as e:  # argparse's usage errors
            rc = e.code if isinstance(e.code, int) else 1
    except BaseException:  # as the interpreter would: a traceback and status 1
        traceback.print_exc()
        rc = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc if isinstance(rc, int) else 1)


# ---------------------------------------------------------------------------------------------
# the server


_load_tool = load_tool


def serve(tool_names: List[str]) -> None:
    """Import the tools, then fork a child per ``start`` request (see the module docstring)."""
    from mmengine.registry import init_default_scope

    import posewarper.apis  # noqa: F401  (infer imports it in main: once here, not per child)
    init_default_scope('mmpose')
    tools = {name: _load_tool(name) for name in tool_names}
    reply = sys.stdout
    print(json.dumps({'ready': True}), file=reply, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request['op'] == 'start':
            pid = os.fork()
            if pid == 0:
                _child(tools[request['tool']], request)
            answer = {'pid': pid}
        else:
            _, status = os.waitpid(request['pid'], os.WUNTRACED if request['untraced'] else 0)
            if os.WIFSTOPPED(status):
                answer = {'stopped': os.WSTOPSIG(status)}
            else:
                answer = {'status': os.waitstatus_to_exitcode(status)}
        print(json.dumps(answer), file=reply, flush=True)


class Result(NamedTuple):
    """A finished run: ``returncode`` as ``subprocess`` gives it, stdout, stderr and the
    file-system events the child counted (``kind path`` per line)."""
    returncode: int
    stdout: str
    stderr: str
    events: List[str]


class ForkServer:
    """The test side of the fork server.

    Args:
        tools (list[str]): Tools to import (default: all of :data:`TOOLS`).
    """

    def __init__(self, tools=TOOLS) -> None:
        env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                            os.environ.get('PYTHONPATH')])))
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'tests.helpers.fault_injection', *tools],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(REPO_ROOT), env=env,
            text=True)
        self._files: Dict[int, Path] = {}
        assert self._read().get('ready'), 'the fork server did not start'

    def _read(self) -> dict:
        ready, _, _ = select.select([self.proc.stdout], [], [], HANG_S)
        assert ready, f'the fork server gave no answer in {HANG_S} s (a hung child?)'
        line = self.proc.stdout.readline()
        assert line, f'the fork server ended (status {self.proc.poll()})'
        return json.loads(line)

    def _ask(self, **request) -> dict:
        self.proc.stdin.write(json.dumps(request) + '\n')
        self.proc.stdin.flush()
        return self._read()

    def start(self, tool: str, argv: List[str], folder: Path, fault: Optional[Fault] = None,
              tempdir: Optional[Path] = None) -> int:
        """Fork a child running ``tools/<tool>.py argv`` in ``folder`` (which must exist), its
        stdout, stderr and event log there. Returns its pid.

        ``tempdir`` is the child's temporary directory, where its output locks live (default
        ``folder``); two runs that are to meet on a lock share it.
        """
        files = {k: str(folder / f'{k}.txt') for k in ('stdout', 'stderr', 'log')}
        pid = self._ask(op='start', tool=tool, argv=[str(a) for a in argv],
                        fault=list(fault) if fault else None, tempdir=str(tempdir or folder),
                        cwd=str(folder), **files)['pid']
        self._files[pid] = folder
        return pid

    def wait(self, pid: int) -> Result:
        """Wait for the child to end."""
        answer = self._ask(op='wait', pid=pid, untraced=False)
        folder = self._files.pop(pid)
        return Result(answer['status'], *[(folder / f'{k}.txt').read_text()
                                          for k in ('stdout', 'stderr')],
                      (folder / 'log.txt').read_text().splitlines())

    def wait_stopped(self, pid: int) -> int:
        """Wait until the child stops (its :class:`Fault` sent SIGSTOP); returns the signal."""
        answer = self._ask(op='wait', pid=pid, untraced=True)
        assert 'stopped' in answer, f'child {pid} ended instead of stopping: {answer}'
        return answer['stopped']

    def run(self, tool: str, argv: List[str], folder: Path, fault: Optional[Fault] = None,
            tempdir: Optional[Path] = None) -> Result:
        """Run a tool to its end (or its fault); see :meth:`start`."""
        return self.wait(self.start(tool, argv, folder, fault, tempdir))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


if __name__ == '__main__':
    serve(sys.argv[1:])
