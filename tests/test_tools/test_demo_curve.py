"""tools/demo_curve.py: one point per demo run, margins as mean ± sd over its seeds."""
import json

import cv2
import pytest


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('demo_curve')


def results(stage1: list, posewarper: list, farneback: list, recovery: list = None,
            oracle: list = None) -> dict:
    """A results.json with the per-seed tables the curve reads (Total AP only): warp recovery
    at |δ| = 3 and the oracle-cue row where given."""
    seeds = {}
    for k, (s, p, f) in enumerate(zip(stage1, posewarper, farneback)):
        seeds[str(k)] = dict(
            propagation={'farneback': {'Total': f}, 'single-frame': {'Total': s + 10},
                         'posewarper': {'Total': p}},
            aggregation={'single': {'Total': s}, 'temporal': {'Total': s + 1}},
            augmentation={})
        if recovery:
            seeds[str(k)]['warp_recovery'] = {
                'posewarper': {'recovered |δ|=3': recovery[k]},
                'posewarper (oracle cue)': {'recovered |δ|=3': 0.9 + k / 100}}
        if oracle:
            seeds[str(k)]['propagation_oracle_cue'] = {
                'posewarper (oracle cue)': {'Total': oracle[k]}}
    return dict(settings=dict(max_offset=3), seeds=seeds)


def test_points_and_plot(tool, tmp_path, capsys):
    a, b = tmp_path / 'a.json', tmp_path / 'b.json'
    a.write_text(json.dumps(results([30, 34], [50, 56], [52, 52], [0.2, 0.3])))
    b.write_text(json.dumps(results([60, 62], [70, 72], [60, 60], [0.5, 0.6], [90, 94])))
    out, points = tmp_path / 'curve.png', tmp_path / 'points.json'
    assert tool.main([f'scratch={a}', f'pretrained={b}', '--out', str(out), '--json',
                      str(points), '--oracle', 'pretrained']) == 0
    img = cv2.imread(str(out))
    assert img is not None and img.std() > 0
    got = json.loads(points.read_text())
    assert list(got) == ['scratch', 'pretrained', 'oracle cue']
    assert got['scratch']['stage1_ap']['mean'] == pytest.approx(32.0)
    assert got['scratch']['cue_recovery']['mean'] == pytest.approx(0.25)
    margin = got['scratch']['PoseWarper − Farneback']
    assert margin['seeds'] == [-2, 4] and margin['mean'] == pytest.approx(1.0)
    assert margin['sd'] == pytest.approx(4.2426, abs=1e-3)
    assert got['pretrained']['temporal − single']['mean'] == pytest.approx(1.0)
    assert 'GT 1x + pGT 6x − GT 1x' not in got['pretrained']  # Fig. 4a not run
    # the oracle point: its own cue, its row in place of PoseWarper's, propagation margins only
    oracle = got['oracle cue']
    assert oracle['cue_recovery']['seeds'] == [0.9, 0.91]
    assert oracle['PoseWarper − Farneback']['seeds'] == [30, 34]
    assert oracle['PoseWarper − single-frame']['seeds'] == [20, 22]
    assert 'temporal − single' not in oracle
    out = capsys.readouterr().out
    assert 'pretrained: cue_recovery 0.55; stage1_ap 61.0; PoseWarper − Farneback +11.0' in out


def test_stage1_axis_reads_older_runs(tool, tmp_path, capsys):
    """Runs from before the warp-recovery measurement: one line pointing to --x stage1_ap,
    which plots them."""
    old = tmp_path / 'old.json'
    old.write_text(json.dumps(results([30, 34], [50, 56], [52, 52])))
    out = tmp_path / 'curve.png'
    assert tool.main([f'old={old}', '--out', str(out)]) == 1
    assert 'no cue_recovery in its seeds; an older run without warp recovery: try --x ' \
           'stage1_ap' in capsys.readouterr().err
    assert not out.exists()
    assert tool.main([f'old={old}', '--out', str(out), '--x', 'stage1_ap']) == 0
    assert cv2.imread(str(out)) is not None


def test_oracle_needs_its_rows(tool, tmp_path, capsys):
    run = tmp_path / 'run.json'
    run.write_text(json.dumps(results([30, 34], [50, 56], [52, 52], [0.2, 0.3])))
    out = tmp_path / 'curve.png'
    assert tool.main([f'run={run}', '--out', str(out), '--oracle', 'other']) == 1
    assert "--oracle 'other': not one of the runs' labels ['run']" in capsys.readouterr().err
    assert tool.main([f'run={run}', '--out', str(out), '--oracle', 'run']) == 1
    assert 'no propagation_oracle_cue rows in its seeds' in capsys.readouterr().err
    assert not out.exists()


def test_bad_run_argument(tool, tmp_path, capsys):
    assert tool.main(['no-label.json', '--out', str(tmp_path / 'c.png')]) == 1
    assert 'expected LABEL=RESULTS.json' in capsys.readouterr().err
    assert not (tmp_path / 'c.png').exists()
