"""Bad checkpoints: every entry point says "not a checkpoint" or what the safe loader refused, in
one line with the file, exit status 1; never torch's advice to switch safe loading off.

The fuzz part truncates an mmengine-style checkpoint or flips its bytes; the reader must return
a checkpoint or raise a ``ValueError`` naming the file, and the converter must not leave a
partial output.
"""
import os
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from mmengine.logging import HistoryBuffer

from posewarper.utils import read_checkpoint
from tests.helpers.mutations import damaged_bytes
from tests.helpers.propagation import TINY_STAGE1, TINY_STAGE2

FUZZ = settings(max_examples=int(os.environ.get('POSEWARPER_FUZZ_EXAMPLES', 40)), deadline=None,
                derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
REPO_ROOT = Path(__file__).resolve().parents[2]


class _Evil:

    def __reduce__(self):  # a pickled call: the safe loader must refuse, not run it
        return (print, ('pwned', ))


def _checkpoint_bytes(extra=None) -> bytes:
    """An mmengine-style checkpoint: weights, meta and a message hub with a HistoryBuffer."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'c.pth')
        torch.save(dict(state_dict={'backbone.w': torch.arange(40.).view(4, 10)},
                        meta=dict(epoch=3, extra=extra),
                        message_hub=dict(log_scalars={'loss': HistoryBuffer([1.0, 2.0], [1, 1])})),
                   path)
        return Path(path).read_bytes()


GOOD = _checkpoint_bytes()


@FUZZ
@given(damaged=damaged_bytes(GOOD))
def test_read_checkpoint_on_damaged_bytes(damaged):
    data, change = damaged
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'c.pth')
        Path(path).write_bytes(data)
        try:
            checkpoint = read_checkpoint(path)
        except ValueError as e:
            assert path in str(e), (change, str(e))
            assert 'weights_only' not in str(e), (change, str(e))
            return
        # a flip can also rename a key: still a checkpoint, which strict loading would refuse
        assert isinstance(checkpoint, dict), change


@FUZZ
@given(damaged=damaged_bytes(GOOD))
def test_convert_on_damaged_bytes(load_tool, capsys, damaged):
    data, change = damaged
    convert = load_tool('convert_mmpose0x')
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, 'in.pth'), Path(tmp, 'out', 'out.pth')
        src.write_bytes(data)
        rc = convert.main([str(src), str(out)])
        err = capsys.readouterr().err
        if rc == 0:
            assert 'state_dict' in read_checkpoint(str(out)), change  # loads safely
        else:
            assert rc == 1 and err.count('\n') == 1 and str(src) in err, (change, err)
            assert 'Traceback' not in err and '--trust-pickle' not in err, (change, err)
            assert not out.parent.exists(), change


def _bad_files(folder: Path) -> dict:
    files = {'empty': b'', 'garbage': b'not a checkpoint at all', 'truncated': GOOD[:300]}
    paths = {}
    for name, data in files.items():
        paths[name] = folder / f'{name}.pth'
        paths[name].write_bytes(data)
    paths['unsafe'] = folder / 'unsafe.pth'
    paths['unsafe'].write_bytes(_checkpoint_bytes(extra=_Evil()))
    return paths


def _entry_points(tmp: Path, ckpt: Path) -> dict:
    """Each tool's command line with ``ckpt`` as its checkpoint."""
    data = REPO_ROOT / 'tests'  # never read: the checkpoint is checked first
    return {
        'test': ['test', str(TINY_STAGE2), str(ckpt), '--work-dir', str(tmp / 'work')],
        'train': ['train', str(TINY_STAGE2), '--resume', str(ckpt), '--work-dir',
                  str(tmp / 'work')],
        'infer': ['infer', str(data), '--pose2d', str(TINY_STAGE1), '--pose2d-weights',
                  str(ckpt), '--det-model', 'whole_image', '--device', 'cpu',
                  '--temporal-window', '0'],
        'convert': ['convert_mmpose0x', str(ckpt), str(tmp / 'out.pth')],
    }


@pytest.mark.parametrize('kind', ['empty', 'garbage', 'truncated', 'unsafe'])
def test_every_entry_point_names_a_bad_checkpoint(load_tool, capsys, tmp_path, kind):
    ckpt = _bad_files(tmp_path)[kind]
    for tool, argv in _entry_points(tmp_path, ckpt).items():
        rc = load_tool(argv[0]).main(argv[1:])
        err = capsys.readouterr().err
        assert rc == 1, (tool, kind, err)
        assert err.count('\n') == 1 and str(ckpt) in err, (tool, kind, err)
        assert 'Traceback' not in err and 'weights_only' not in err, (tool, kind, err)
        if kind == 'unsafe':
            assert "refused by torch's safe loader: it pickles the global print" in err
            # the converter alone offers to trust the file, and only for a refused pickle
            assert ('--trust-pickle' in err) == (tool == 'convert'), (tool, err)
        else:
            assert f'not a checkpoint (corrupt or truncated): {ckpt}' in err, (tool, err)
        assert not (tmp_path / 'work').exists() and not (tmp_path / 'out.pth').exists()
