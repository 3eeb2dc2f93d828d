"""benchmarks/learning_curve.py: recovery per checkpoint and validation AP per iteration (a
validation line belongs to the training line before it), and bad points in one line."""
import json

import cv2

from tests.helpers.scripts import load_script


def _recovery(path, scale):
    by_offset = {d: {m: dict(recovered=scale * int(d) / 10, pck=0.5)
                     for m in ('posewarper', 'posewarper (oracle cue)')} for d in '123'}
    path.write_text(json.dumps(dict(by_offset=by_offset)))
    return str(path)


def test_curve_points_and_figure(tmp_path, capsys):
    bench = load_script('benchmarks/learning_curve.py')
    scalars = tmp_path / 'scalars.json'
    scalars.write_text(''.join(json.dumps(r) + '\n' for r in [
        dict(lr=1e-3, loss=0.5, step=500), dict(lr=1e-3, loss=0.4, step=1000),
        {'posetrack/Total': 70.5, 'step': 0}, dict(lr=1e-3, loss=0.3, step=1500)]))
    out, points = tmp_path / 'curve.png', tmp_path / 'points.json'
    # given out of order: the curve is sorted by iteration
    argv = [f'1000={_recovery(tmp_path / "b.json", 2)}', f'500={_recovery(tmp_path / "a.json", 1)}',
            '--scalars', str(scalars), '--out', str(out), '--json', str(points)]
    assert bench.main(argv) == 0
    saved = json.loads(points.read_text())
    assert list(saved['recovered']) == ['500', '1000']
    assert saved['recovered']['1000']['stage-1 cue'] == {'1': 0.2, '2': 0.4, '3': 0.6}
    assert saved['val_ap'] == {'1000': 70.5}
    assert cv2.imread(str(out)).std() > 0
    assert '1000: stage-1 cue 0.20 / 0.40 / 0.60; oracle cue 0.20 / 0.40 / 0.60; val AP 70.50' \
        in capsys.readouterr().out


def test_a_file_that_is_no_recovery_is_one_line(tmp_path, capsys):
    bench = load_script('benchmarks/learning_curve.py')
    other = tmp_path / 'other.json'
    other.write_text('{"propagation": {}}')
    scalars = tmp_path / 'scalars.json'
    scalars.write_text('')
    out = tmp_path / 'curve.png'
    assert bench.main([f'500={other}', '--scalars', str(scalars), '--out', str(out)]) == 1
    assert capsys.readouterr().err == (f'learning_curve.py: error: {other}: not a '
                                       'warp_recovery.py --json output (by_offset)\n')
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        'other.json', 'scalars.json']
