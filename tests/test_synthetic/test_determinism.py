"""Same arguments give byte-identical output; other seeds give other videos."""
import hashlib
import os

from posewarper_synthetic import make_synthetic_posetrack

ARGS = dict(videos=2, frames=4, width=128, height=96)


def _hashes(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, 'rb') as fh:
                out[os.path.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def test_same_seed_is_byte_identical(tmp_path):
    make_synthetic_posetrack(str(tmp_path / 'a'), seed=3, **ARGS)
    make_synthetic_posetrack(str(tmp_path / 'b'), seed=3, **ARGS)
    first, second = _hashes(str(tmp_path / 'a')), _hashes(str(tmp_path / 'b'))
    assert len(first) == 2 * (2 * 4 + 2) + 2  # frames + per-video json per split, merged json
    assert first == second


def test_other_seed_gives_other_videos(tmp_path):
    make_synthetic_posetrack(str(tmp_path / 'a'), seed=3, splits='val', **ARGS)
    make_synthetic_posetrack(str(tmp_path / 'b'), seed=4, splits='val', **ARGS)
    first, second = _hashes(str(tmp_path / 'a')), _hashes(str(tmp_path / 'b'))
    assert first.keys() == second.keys()
    differing = [k for k in first if first[k] != second[k]]
    assert len(differing) == len(first)


def test_videos_do_not_depend_on_the_number_of_videos(tmp_path):
    # Each video has its own random stream, so a larger dataset extends a smaller one.
    make_synthetic_posetrack(str(tmp_path / 'a'), seed=3, splits='val', **dict(ARGS, videos=1))
    make_synthetic_posetrack(str(tmp_path / 'b'), seed=3, splits='val', **ARGS)
    first, second = _hashes(str(tmp_path / 'a')), _hashes(str(tmp_path / 'b'))
    shared = [k for k in first if 'posetrack18_val' not in k]
    assert shared and all(first[k] == second[k] for k in shared)
