"""``posewarper.fileio.atomic``: a written file is absent, old or complete, never half-written."""
import json
import os
import stat

import pytest

from posewarper.fileio import (AtomicFile, atomic_output, dumps_json, remove_stale_temp_files,
                               write_bytes_atomic, write_json_atomic)


@pytest.fixture
def umask():
    """Set the process umask for a test; the previous one is restored afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_json_round_trip_strict_with_final_newline(tmp_path):
    path = tmp_path / 'sub' / 'deeper' / 'x.json'  # folders are created
    write_json_atomic(str(path), {'a': [1, 2], 'b': 'é'})
    assert path.read_bytes() == b'{"a": [1, 2], "b": "\\u00e9"}\n'
    assert json.loads(path.read_text()) == {'a': [1, 2], 'b': 'é'}
    write_json_atomic(str(path), {'a': 1}, indent=4)
    assert path.read_text() == '{\n    "a": 1\n}\n'
    # equal objects give equal bytes, the bytes of dumps_json
    assert dumps_json({'a': 1}, indent=4) == path.read_bytes()


@pytest.mark.parametrize('bad, error', [({'a': float('nan')}, ValueError),
                                        ({'a': float('inf')}, ValueError),
                                        ({'a': object()}, TypeError)])
def test_unserialisable_object_leaves_the_old_file(tmp_path, bad, error):
    path = tmp_path / 'doc.json'
    write_json_atomic(str(path), {'a': [1, 2]})
    before = path.read_bytes()
    with pytest.raises(error):
        write_json_atomic(str(path), bad)  # fails half way through encoding
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['doc.json']  # no temporary file left


def test_error_while_writing_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / 'model.pth'
    write_bytes_atomic(str(path), b'old')
    with pytest.raises(RuntimeError, match='disk full'):
        with atomic_output(str(path)) as tmp:
            with open(tmp, 'wb') as f:
                f.write(b'half of the ne')
            raise RuntimeError('disk full')
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['model.pth']
    # a target that did not exist is not created either
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(str(tmp_path / 'new.pth')):
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == ['model.pth']


def test_temporary_file_sits_next_to_the_target(tmp_path):
    path = tmp_path / 'out' / 'video.mp4'
    with atomic_output(str(path)) as tmp:
        # hidden, named after the target, extension last (writers that pick a format by it)
        assert os.path.dirname(tmp) == str(path.parent)
        name = os.path.basename(tmp)
        assert name.startswith('.video.mp4.') and name.endswith('.tmp.mp4')
        assert os.path.isfile(tmp) and not path.exists()
        with open(tmp, 'wb') as f:
            f.write(b'frames')
    assert path.read_bytes() == b'frames'
    assert os.listdir(path.parent) == ['video.mp4']


@pytest.mark.parametrize('mask', [0o022, 0o077, 0o027])
def test_result_has_the_permissions_of_a_normally_created_file(tmp_path, umask, mask):
    umask(mask)
    expected = 0o666 & ~mask
    write_json_atomic(str(tmp_path / 'a.json'), {})
    write_bytes_atomic(str(tmp_path / 'b.bin'), b'')
    with atomic_output(str(tmp_path / 'c.pth')) as tmp:
        open(tmp, 'wb').close()
    output = AtomicFile(str(tmp_path / 'd.mp4'))
    output.commit()
    with open(tmp_path / 'reference', 'w'):
        pass
    for name in ('a.json', 'b.bin', 'c.pth', 'd.mp4', 'reference'):
        assert _mode(tmp_path / name) == expected, name


def test_atomic_file_commit_and_discard(tmp_path):
    kept = AtomicFile(str(tmp_path / 'kept.mp4'))
    with open(kept.tmp, 'wb') as f:
        f.write(b'all frames')
    assert not (tmp_path / 'kept.mp4').exists()
    kept.commit()
    kept.discard()  # after a commit: nothing to remove
    assert (tmp_path / 'kept.mp4').read_bytes() == b'all frames'
    dropped = AtomicFile(str(tmp_path / 'dropped.mp4'))
    dropped.discard()
    assert sorted(os.listdir(tmp_path)) == ['kept.mp4']


def test_remove_stale_temp_files(tmp_path):
    names = ['x.json', '.x.json.k2j3h.tmp.json', '.x.json.abc.tmp', '.y.json.q1w2.tmp.json',
             '.gitignore', 'notes.tmp']
    for name in names:
        (tmp_path / name).write_text('{"half')
    remove_stale_temp_files(str(tmp_path), 'x.json')  # the leftovers of one output
    assert sorted(os.listdir(tmp_path)) == ['.gitignore', '.y.json.q1w2.tmp.json', 'notes.tmp',
                                            'x.json']
    remove_stale_temp_files(str(tmp_path))  # every leftover of the folder
    assert sorted(os.listdir(tmp_path)) == ['.gitignore', 'notes.tmp', 'x.json']
    remove_stale_temp_files(str(tmp_path / 'missing'))  # no folder: nothing to do


def test_leftover_of_a_killed_write_is_swept(tmp_path):
    """What a killed writer leaves (its temporary file) is what the sweep removes."""
    path = tmp_path / 'pseudo.json'
    output = AtomicFile(str(path))  # a writer killed before commit leaves this file
    assert os.listdir(tmp_path) == [os.path.basename(output.tmp)]
    remove_stale_temp_files(str(tmp_path), 'pseudo.json')
    assert os.listdir(tmp_path) == []
