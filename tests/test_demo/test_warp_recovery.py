"""The warp-recovery measurement of the demo (``posewarper_demo.warp_recovery``) on a video
whose motion is known: frame ``t`` is one generated frame translated by ``t · 4`` pixels."""
import numpy as np
import pytest

from posewarper_demo.warp_recovery import METHODS, format_recovery, measure_warp_recovery
from tests.helpers.propagation import edited_video, load_json, make_dataset, write_json
from tests.helpers.tiny_posewarper import TINY_POSEWARPER_CFG, save_tiny_posewarper

FRAMES = 5
SHIFT = 4.0  # image pixels per frame, to the right


@pytest.fixture(scope='module')
def translated(tmp_path_factory):
    root = tmp_path_factory.mktemp('warp_recovery')
    make_dataset(root / 'src', videos=1, frames=1, width=256, height=192, seed=3)
    ann = edited_video(root / 'src', root / 'video', FRAMES, shift=(SHIFT, 0.0))
    # the shipped pretrained stage 1 under an untrained (identity) warp
    ckpt = save_tiny_posewarper(root / 'posewarper.pth')
    return ann, root / 'video', ckpt


def _measure(ann, root, ckpt):
    return measure_warp_recovery(str(TINY_POSEWARPER_CFG), str(ckpt), str(ann),
                                 data_root=str(root), max_offset=3)


def _flat(tree, prefix=''):
    """Nested dicts of numbers as one ``{path: number}`` dict."""
    if isinstance(tree, dict):
        return {k: v for key, sub in tree.items() for k, v in _flat(sub, f'{prefix}/{key}').items()}
    return {prefix: tree}


def test_known_motion(translated):
    ann, root, ckpt = translated
    people = len({a['track_id'] for a in load_json(ann)['annotations']})
    result = _measure(ann, root, ckpt)
    # every ordered pair of frames 1..3 apart, per person: 2 · (4 + 3 + 2)
    assert result['pairs'] == people * 2 * (4 + 3 + 2)
    motion = result['median_motion_cells']
    # a translation: the motion grows linearly with |δ|
    assert motion['2'] == pytest.approx(2 * motion['1'], rel=0.05)
    assert motion['3'] == pytest.approx(3 * motion['1'], rel=0.05)
    for delta, row in result['by_offset'].items():
        assert row['copy']['joints'] > 0
        assert row['copy']['recovered'] == 0.0  # copy leaves every joint where it was
        # the untrained warp is the identity: it recovers nothing, whatever its cue
        assert abs(row['posewarper']['recovered']) < 0.1
        assert abs(row['posewarper (oracle cue)']['recovered']) < 0.1
        # the pretrained stage 1 follows a translated image: its peaks move with the person
        assert 0.7 < row['stage-1 shift']['recovered'] < 1.3
    # three frames apart the joints have left the head-size radius that copy is scored in
    row = result['by_offset']['3']
    assert row['stage-1 shift']['pck'] > row['copy']['pck']
    # the motion bins partition the joints of the offsets
    assert sum(r['copy']['joints'] for r in result['by_motion'].values()) == \
        sum(r['copy']['joints'] for r in result['by_offset'].values())
    table = format_recovery(result)
    for method in METHODS:
        assert method in table


@pytest.mark.slow
def test_pairs_by_identity(translated, tmp_path):
    """Persons are paired by track id, whatever their order in the file; a track id that two
    persons of a frame share pairs nobody of that frame."""
    ann, root, ckpt = translated
    doc = load_json(ann)
    base = _measure(ann, root, ckpt)
    reordered = dict(doc, annotations=list(reversed(doc['annotations'])))
    write_json(tmp_path / 'reordered.json', reordered)
    again = _measure(tmp_path / 'reordered.json', root, ckpt)
    # the same pairs (only the batching, hence the float summation order, differs)
    assert _flat(again) == pytest.approx(_flat(base), rel=1e-5, abs=1e-6)

    tracks = sorted({a['track_id'] for a in doc['annotations']})
    if len(tracks) < 2:
        pytest.skip('the generated frame has one person')
    first_image = min(a['image_id'] for a in doc['annotations'])
    dup = [dict(a, track_id=tracks[0]) if a['image_id'] == first_image else a
           for a in doc['annotations']]
    write_json(tmp_path / 'dup.json', dict(doc, annotations=dup))
    result = _measure(tmp_path / 'dup.json', root, ckpt)
    assert result['pairs'] < base['pairs']
    assert np.isfinite(result['by_offset']['1']['copy']['pck'])
