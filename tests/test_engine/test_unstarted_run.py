"""A run that fails before a loop starts leaves the work dir as it found it; a run whose loop
started keeps its log."""
from pathlib import Path

import pytest

from posewarper.engine import discard_unstarted_run


def _fail_after_writing(work_dir: Path, start_loop: bool) -> None:
    with pytest.raises(RuntimeError):
        with discard_unstarted_run(str(work_dir)) as watch:
            (work_dir / '20261207_000000').mkdir(parents=True)  # what mmengine's Runner writes
            (work_dir / '20261207_000000' / 'run.log').write_text('log')
            (work_dir / 'model.py').write_text('config copy')
            if start_loop:
                watch.before_train(runner=None)
            raise RuntimeError('the seed is out of range')


def test_new_work_dir_and_its_parents_are_removed(tmp_path):
    _fail_after_writing(tmp_path / 'a' / 'b' / 'work', start_loop=False)
    assert list(tmp_path.iterdir()) == []


def test_only_the_runs_own_entries_are_removed(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'epoch_1.pth').write_bytes(b'earlier run')
    (work / '20261206_000000').mkdir()
    _fail_after_writing(work, start_loop=False)
    assert sorted(p.name for p in work.iterdir()) == ['20261206_000000', 'epoch_1.pth']
    assert (work / 'epoch_1.pth').read_bytes() == b'earlier run'


def test_a_started_run_keeps_its_log(tmp_path):
    work = tmp_path / 'work'
    _fail_after_writing(work, start_loop=True)
    assert (work / '20261207_000000' / 'run.log').read_text() == 'log'


def test_other_ranks_leave_the_cleaning_to_the_first(tmp_path):
    work = tmp_path / 'work'
    with pytest.raises(RuntimeError):
        with discard_unstarted_run(str(work), enabled=False):
            work.mkdir()
            raise RuntimeError('init_dist failed')
    assert work.is_dir()


def test_a_successful_block_changes_nothing(tmp_path):
    work = tmp_path / 'work'
    with discard_unstarted_run(str(work)):
        work.mkdir()
        (work / 'x').write_text('x')
    assert (work / 'x').read_text() == 'x'
