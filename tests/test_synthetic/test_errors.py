"""Bad arguments raise a clear ValueError (atomic json writing: ``tests/test_fileio``)."""
import pytest

from posewarper_synthetic import make_synthetic_posetrack

GOOD = dict(videos=1, frames=1, width=64, height=48)


@pytest.mark.parametrize('name,value', [
    ('videos', 0), ('videos', -2), ('videos', 1.5), ('videos', True), ('frames', 0),
    ('frames', 10_001), ('width', 8), ('height', 0), ('height', '48'), ('seed', -1),
    ('people_min', 0), ('jpeg_quality', 0), ('ignore_region_prob', 1.5),
    ('ignore_region_prob', 'often')])
def test_bad_argument_names_itself(tmp_path, name, value):
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match=name):
        make_synthetic_posetrack(str(out), **dict(GOOD, **{name: value}))
    assert not out.exists()  # arguments are checked before anything is written


def test_people_range_and_splits(tmp_path):
    with pytest.raises(ValueError, match='people_max'):
        make_synthetic_posetrack(str(tmp_path), people_min=3, people_max=2, **GOOD)
    for splits in ('test', [], ['val', 'val']):
        with pytest.raises(ValueError, match='splits'):
            make_synthetic_posetrack(str(tmp_path), splits=splits, **GOOD)


def test_unwritable_out_dir(tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a directory')
    with pytest.raises(ValueError, match='out_dir'):
        make_synthetic_posetrack(str(blocker / 'dataset'), **GOOD)
    with pytest.raises(ValueError, match='out_dir'):
        make_synthetic_posetrack(str(blocker), **GOOD)
    with pytest.raises(ValueError, match='out_dir'):
        make_synthetic_posetrack('', **GOOD)


def test_a_split_is_replaced_as_a_whole(tmp_path):
    make_synthetic_posetrack(str(tmp_path), splits='val', **dict(GOOD, videos=2))
    make_synthetic_posetrack(str(tmp_path), splits='val', **GOOD)  # one video now
    assert sorted(p.name for p in (tmp_path / 'images' / 'val').iterdir()) == ['000001_synth']
    assert sorted(p.name for p in (tmp_path / 'annotations' / 'val').iterdir()) == [
        '000001_synth.json']
    assert sorted(p.name for p in tmp_path.rglob('.*')) == []  # no staging folder left


def test_foreign_content_in_a_split_is_refused(tmp_path):
    foreign = tmp_path / 'images' / 'val' / '000001_bonn_mpii_test_5sec'
    foreign.mkdir(parents=True)
    with pytest.raises(ValueError, match="'000001_bonn_mpii_test_5sec', which this generator"):
        make_synthetic_posetrack(str(tmp_path), splits='val', **GOOD)
    assert sorted(p.name for p in tmp_path.rglob('*')) == sorted(['images', 'val', foreign.name])
