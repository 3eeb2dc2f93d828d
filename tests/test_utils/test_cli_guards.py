"""The guards of every tool: outputs apart from inputs, output locks, numeric options, devices,
interrupts, and folder outputs committed as one set."""
import argparse
import os
import signal
from pathlib import Path

import pytest

from posewarper.fileio import OutputBusyError, OutputLock, write_files_atomic
from posewarper.utils.cli import cli_main
from posewarper.utils.cli_args import finite_float, positive_int, unit_float
from posewarper.utils.cli_guards import Input, Output, check_device, guard_outputs


def test_output_equal_to_an_input_is_refused(tmp_path):
    gt = tmp_path / 'gt'
    gt.mkdir()
    (gt / 'v.json').write_text('{}')
    link = tmp_path / 'link.json'
    os.symlink(gt / 'v.json', link)
    hard = tmp_path / 'hard.json'
    os.link(gt / 'v.json', hard)
    for out, message in ((gt / 'v.json', 'lies inside the --gt-dir'),
                         (gt / 'new.json', 'lies inside the --gt-dir'),
                         (tmp_path / 'gt' / '..' / 'gt' / 'v.json', 'lies inside'),
                         (link, 'lies inside'),
                         # outside the folder by its path, a file of it by its inode
                         (hard, 'is a hard link to .*v.json in the --gt-dir')):
        with pytest.raises(ValueError, match=message):
            with guard_outputs([Output(str(out), '--out')],
                               [Input(str(gt), '--gt-dir'), Input(str(hard), 'input')]):
                pass
    with pytest.raises(ValueError, match='is the input'):
        with guard_outputs([Output(str(hard), '--out')], [Input(str(gt / 'v.json'), 'input')]):
            pass
    assert (gt / 'v.json').read_text() == '{}'


def test_folder_replaced_as_a_whole_may_not_hold_an_input(tmp_path):
    (tmp_path / 'ann.json').write_text('{}')
    with pytest.raises(ValueError, match='holds the --ann-file'):
        with guard_outputs([Output(str(tmp_path), '--per-video-dir', True, True)],
                           [Input(str(tmp_path / 'ann.json'), '--ann-file')]):
            pass
    # a folder merely written into may
    with guard_outputs([Output(str(tmp_path), 'work dir', True)],
                       [Input(str(tmp_path / 'ann.json'), 'config')]):
        pass


def test_second_writer_of_an_output_is_refused_and_nothing_is_left(tmp_path):
    out = str(tmp_path / 'out' / 'a.json')
    with guard_outputs([Output(out, '--out')]):
        with pytest.raises(OutputBusyError, match='is being written by another run'):
            with guard_outputs([Output(out, '--out')]):
                pass
    with OutputLock(out):  # released: free again
        pass
    assert not (tmp_path / 'out').exists()  # the lock lives elsewhere


def test_other_ranks_of_a_distributed_run_do_not_lock(tmp_path, monkeypatch):
    """The processes of one distributed run share its work dir: rank 0 locks it, the others
    check their outputs but take no lock (they would be refused as second writers)."""
    from posewarper.engine import launcher_rank
    work = str(tmp_path / 'work')
    monkeypatch.setenv('RANK', '1')
    monkeypatch.setenv('SLURM_PROCID', '0')
    assert launcher_rank('pytorch') == 1 and launcher_rank('slurm') == 0
    assert launcher_rank('none') == 0
    with guard_outputs([Output(work, 'work dir', folder=True)],
                       lock=launcher_rank('slurm') == 0):
        with guard_outputs([Output(work, 'work dir', folder=True)],
                           lock=launcher_rank('pytorch') == 0):
            pass
        with pytest.raises(OutputBusyError):  # a second run is still refused
            with guard_outputs([Output(work, 'work dir', folder=True)]):
                pass
    config = tmp_path / 'cfg.py'
    config.write_text('')
    with pytest.raises(ValueError):  # the other ranks still check their outputs
        with guard_outputs([Output(str(config), "work dir's copy of the config")],
                           [Input(str(config), 'config')], lock=False):
            pass


@pytest.mark.parametrize('parse, bad', [(finite_float(), 'nan'), (finite_float(), 'inf'),
                                        (unit_float, '1.5'), (unit_float, '-0.1'),
                                        (positive_int, '0'), (positive_int, '-3'),
                                        (positive_int, '2.5')])
def test_numeric_options(parse, bad):
    with pytest.raises(argparse.ArgumentTypeError):
        parse(bad)


def test_unavailable_device_is_one_line():
    import torch
    with pytest.raises(ValueError, match='is not a device'):
        check_device('gpu7')
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='torch sees no CUDA GPU'):
            check_device('cuda')
    check_device('cpu')


@pytest.mark.parametrize('signum, status', [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_is_one_line_and_128_plus_signal(signum, status, capsys):
    @cli_main
    def main(argv=None):
        os.kill(os.getpid(), signum)  # delivered at the next bytecode: synchronous
        for _ in range(10**6):
            pass
        raise AssertionError('not interrupted')

    # what a command line starts with: Python's own SIGINT handler and neither signal blocked
    # (this process has run other tests, and their libraries, before)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT, signal.SIGTERM])
    try:
        assert main([]) == status
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        signal.signal(signal.SIGINT, previous_int)
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and signal.Signals(signum).name in err
    assert signal.getsignal(signal.SIGTERM) is not None


def _entries(folder: Path) -> set:
    return {p.name for p in folder.iterdir()}


def test_folder_output_is_one_set(tmp_path):
    target = tmp_path / 'per_video'
    write_files_atomic(str(target), {'a.json': b'1', 'b.json': b'2'})
    assert _entries(target) == {'a.json', 'b.json'}
    write_files_atomic(str(target), {'c.json': b'3'})
    assert _entries(target) == {'c.json'} and (target / 'c.json').read_bytes() == b'3'
    assert _entries(tmp_path) == {'per_video'}  # no staging folder left


def test_interrupted_folder_output_leaves_the_old_set(tmp_path, monkeypatch):
    target = tmp_path / 'per_video'
    write_files_atomic(str(target), {'a.json': b'old'})

    class Files(dict):
        def items(self):
            yield 'a.json', b'new'
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_files_atomic(str(target), Files())
    assert _entries(target) == {'a.json'} and (target / 'a.json').read_bytes() == b'old'
    assert _entries(tmp_path) == {'per_video'}
