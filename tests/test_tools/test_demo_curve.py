"""tools/demo_curve.py: one point per demo run, margins as mean ± sd over its seeds."""
import json

import cv2
import pytest


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('demo_curve')


def results(stage1: list, posewarper: list, farneback: list) -> dict:
    """A results.json with the per-seed tables the curve reads (Total AP only)."""
    seeds = {}
    for k, (s, p, f) in enumerate(zip(stage1, posewarper, farneback)):
        seeds[str(k)] = dict(
            propagation={'farneback': {'Total': f}, 'single-frame': {'Total': s + 10},
                         'posewarper': {'Total': p}},
            aggregation={'single': {'Total': s}, 'temporal': {'Total': s + 1}},
            augmentation={})
    return dict(seeds=seeds)


def test_points_and_plot(tool, tmp_path, capsys):
    a, b = tmp_path / 'a.json', tmp_path / 'b.json'
    a.write_text(json.dumps(results([30, 34], [50, 56], [52, 52])))
    b.write_text(json.dumps(results([60, 62], [70, 72], [60, 60])))
    out, points = tmp_path / 'curve.png', tmp_path / 'points.json'
    assert tool.main([f'scratch={a}', f'pretrained={b}', '--out', str(out), '--json',
                      str(points)]) == 0
    img = cv2.imread(str(out))
    assert img is not None and img.std() > 0
    got = json.loads(points.read_text())
    assert list(got) == ['scratch', 'pretrained']
    assert got['scratch']['stage1_ap']['mean'] == pytest.approx(32.0)
    margin = got['scratch']['PoseWarper − Farneback']
    assert margin['seeds'] == [-2, 4] and margin['mean'] == pytest.approx(1.0)
    assert margin['sd'] == pytest.approx(4.2426, abs=1e-3)
    assert got['pretrained']['temporal − single']['mean'] == pytest.approx(1.0)
    assert 'GT 1x + pGT 6x − GT 1x' not in got['pretrained']  # Fig. 4a not run
    assert 'pretrained: stage 1 61.0 AP' in capsys.readouterr().out


def test_bad_run_argument(tool, tmp_path, capsys):
    assert tool.main(['no-label.json', '--out', str(tmp_path / 'c.png')]) == 1
    assert 'expected LABEL=RESULTS.json' in capsys.readouterr().err
    assert not (tmp_path / 'c.png').exists()
