"""benchmarks/reproduce_prefix.py: losses of a rerun prefix against the original run, matched
by iteration (a resumed original spans several files; validation lines are skipped)."""
import json

from tests.helpers.scripts import load_script


def _write(path, records):
    path.write_text(''.join(json.dumps(r) + '\n' for r in records))
    return str(path)


def test_losses_are_matched_by_iteration(tmp_path, capsys):
    bench = load_script('benchmarks/reproduce_prefix.py')
    first = _write(tmp_path / 'a.json', [dict(lr=1e-3, loss=0.5, step=5),
                                         dict(posetrack_Total=50.0, step=5)])
    resumed = _write(tmp_path / 'b.json', [dict(lr=1e-3, loss=0.4, step=10)])
    # the rerun logged in another order and stopped earlier; 10 differs by 1%
    rerun = _write(tmp_path / 'c.json', [dict(lr=1e-3, loss=0.404, step=10),
                                         dict(lr=1e-3, loss=0.5, step=5)])
    assert bench.main(['--original', first, resumed, '--rerun', rerun]) == 0
    out = capsys.readouterr().out
    assert '| 5 | 0.5 | 0.5 | 0.00e+00 |' in out
    assert '| 10 | 0.4 | 0.404 | 1.00e-02 |' in out
    assert out.strip().endswith('2 common iterations (5..10); largest relative difference 1.00e-02')


def test_no_common_iteration_is_one_line(tmp_path, capsys):
    bench = load_script('benchmarks/reproduce_prefix.py')
    a = _write(tmp_path / 'a.json', [dict(lr=1e-3, loss=0.5, step=5)])
    b = _write(tmp_path / 'b.json', [dict(lr=1e-3, loss=0.5, step=6)])
    assert bench.main(['--original', a, '--rerun', b]) == 1
    assert capsys.readouterr().err == ("reproduce_prefix.py: error: no logged iteration with "
                                       "'loss' in both runs\n")
