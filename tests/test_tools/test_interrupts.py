"""Fault injection: every writing tool stopped at file-system events chosen by hypothesis
(SIGINT, SIGTERM, SIGKILL), then rerun; and two runs writing one output at once.

A stopped run must end with status 130/143 and one line (SIGINT/SIGTERM) or be killed (SIGKILL),
leave each output as it was before (absent if there was none) or complete, and leave no
temporary file, staging folder or lock behind, SIGKILL aside: its temporary files are removed by
the rerun, whose output must be byte-identical to an uninterrupted run's. The kill points are
the k-th write, fsync, rename, remove or mkdir of the run (:mod:`tests.helpers.fault_injection`),
so every example is deterministic: no sleeps, no timing.
"""
import os
import signal
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.fault_injection import Fault, ForkServer
from tests.helpers.interrupt_cases import (ALL_CASES, CASES, SLOW_CASES, check_stopped_state,
                                           make_inputs, snapshot, write_snapshot)

FAST = settings(max_examples=int(os.environ.get('POSEWARPER_FAULT_EXAMPLES', 4)),
                deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
WIDE = settings(FAST, max_examples=40)
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)


@pytest.fixture(scope='module')
def server():
    server = ForkServer()
    yield server
    server.close()


@pytest.fixture(scope='module')
def inputs(tmp_path_factory) -> Path:
    return make_inputs(tmp_path_factory.mktemp('interrupt_inputs'))


class _References(dict):
    """Per case, computed when first asked for: the outputs of uninterrupted ``old`` and
    ``new`` runs, and the file-system events of the new run into an empty folder (``new``) and
    over the old output (``over_old``: fewer folders to create, files to replace)."""

    def __init__(self, server, inputs: Path, root: Path) -> None:
        super().__init__()
        self.server, self.inputs, self.root = server, inputs, root

    def __missing__(self, key):
        name = key[0]
        case, root = ALL_CASES[name], self.root / name
        for variant, out in (('old', 'a'), ('new', 'b'), ('over_old', 'a')):
            (root / variant).mkdir(parents=True)
            argv = case.argv(self.inputs, root / out, 'old' if variant == 'old' else 'new')
            result = self.server.run(case.tool, argv, root / variant)
            assert result.returncode == 0, (name, variant, result.stderr)
            self[name, variant] = (snapshot(root / out), result.events)
        assert self[name, 'over_old'][0] == self[name, 'new'][0], f'{name} is not reproducible'
        return self[key]


@pytest.fixture(scope='module')
def reference(server, inputs, tmp_path_factory):
    return _References(server, inputs, tmp_path_factory.mktemp('reference'))


def _lock_files(tempdir: Path) -> list:
    return [p.name for p in tempdir.glob('posewarper-locks-*/*')]


def _stop_and_rerun(server, inputs, reference, name: str, fault: Fault, previous: bool) -> None:
    case = ALL_CASES[name]
    new, _ = reference[name, 'new']
    old = reference[name, 'old'][0] if previous else None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out, first, second = tmp / 'out', tmp / 'first', tmp / 'second'
        first.mkdir()
        second.mkdir()
        if old is not None:
            write_snapshot(out, old)
        what = f'{name}: {signal.Signals(fault.signal).name} ' \
               f'{"before" if fault.before else "after"} event {fault.at}'
        result = server.run(case.tool, case.argv(inputs, out, 'new'), first, fault, tmp)
        assert len(result.events) >= fault.at, (what, 'not reached: the events differ')
        what += f' ({result.events[fault.at - 1]})'
        assert 'Traceback' not in result.stderr, (what, result.stderr)
        if fault.signal == signal.SIGKILL:
            assert result.returncode == -signal.SIGKILL, (what, result.returncode)
        else:
            assert result.returncode == 128 + fault.signal, (what, result.stderr)
            assert result.stderr.count('\n') == 1, (what, result.stderr)
            assert f'interrupted by {signal.Signals(fault.signal).name}' in result.stderr
            assert not _lock_files(tmp), (what, 'lock not released')
        check_stopped_state(case, snapshot(out) if out.exists() else {}, old, new,
                            killed=fault.signal == signal.SIGKILL)

        rerun = server.run(case.tool, case.argv(inputs, out, 'new'), second, None, tmp)
        assert rerun.returncode == 0, (what, rerun.stderr)
        assert snapshot(out) == new, (what, 'the rerun differs from an uninterrupted run')
        assert not _lock_files(tmp), (what, 'lock not released')


def _faults(draw, events: int):
    return Fault(draw(st.integers(1, events), label='at'),
                 draw(st.sampled_from(SIGNALS), label='signal'),
                 draw(st.booleans(), label='before'))


@pytest.mark.parametrize('name', sorted(CASES))
@FAST
@given(data=st.data())
def test_stopped_run_leaves_old_or_new_output_and_rerun_matches(server, inputs, reference,
                                                                name, data):
    previous = data.draw(st.booleans(), label='previous output')
    events = len(reference[name, 'over_old' if previous else 'new'][1])
    _stop_and_rerun(server, inputs, reference, name, _faults(data.draw, events), previous)


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(ALL_CASES))
@WIDE
@given(data=st.data())
def test_stopped_run_wide_sweep(server, inputs, reference, name, data):
    previous = data.draw(st.booleans(), label='previous output')
    events = len(reference[name, 'over_old' if previous else 'new'][1])
    _stop_and_rerun(server, inputs, reference, name, _faults(data.draw, events), previous)


@pytest.mark.parametrize('name', sorted(CASES))
def test_commit_events_are_counted(reference, name):
    """The injection sees each tool's commit (a rename into place), so the sweeps reach it."""
    events = reference[name, 'new'][1]
    assert any(e.startswith(('replace ', 'rename ')) for e in events), (name, events)


@pytest.mark.parametrize('name', sorted(CASES) + [
    pytest.param(name, marks=pytest.mark.slow) for name in sorted(SLOW_CASES)])
def test_second_writer_is_refused_while_the_first_holds_the_output(server, inputs, reference,
                                                                   name, tmp_path):
    """The first run is stopped (SIGSTOP) just before its first commit, holding the lock; a
    second run of the same command is refused with one line and changes nothing; the first,
    continued, completes with the output of an uninterrupted run."""
    case = ALL_CASES[name]
    new, events = reference[name, 'new']
    commit = next(i for i, e in enumerate(events, 1) if e.startswith(('replace ', 'rename ')))
    out, first, second = tmp_path / 'out', tmp_path / 'first', tmp_path / 'second'
    first.mkdir()
    second.mkdir()
    argv = case.argv(inputs, out, 'new')
    pid = server.start(case.tool, argv, first, Fault(commit, signal.SIGSTOP), tmp_path)
    try:
        assert server.wait_stopped(pid) == signal.SIGSTOP
        before = snapshot(out) if out.exists() else None
        refused = server.run(case.tool, argv, second, None, tmp_path)
        assert refused.returncode == 1, (name, refused.stderr)
        assert refused.stderr.count('\n') == 1 and 'Traceback' not in refused.stderr
        assert 'is being written by another run' in refused.stderr, refused.stderr
        assert (snapshot(out) if out.exists() else None) == before, 'the refused run wrote'
    finally:
        os.kill(pid, signal.SIGCONT)
        result = server.wait(pid)
    assert result.returncode == 0, (name, result.stderr)
    assert snapshot(out) == new
    assert not _lock_files(tmp_path)
