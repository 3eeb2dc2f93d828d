"""tools/make_synthetic_posetrack.py: a thin CLI over make_synthetic_posetrack."""
import json

from tests.helpers.scripts import load_tool


def _load_tool():
    return load_tool('make_synthetic_posetrack')


def test_cli_writes_the_dataset(tmp_path, capsys):
    tool = _load_tool()
    out = tmp_path / 'synth'
    code = tool.main(['--out', str(out), '--videos', '1', '--frames', '3', '--seed', '2',
                      '--split', 'val', '--width', '96', '--height', '64', '--people-min', '1',
                      '--people-max', '1'])
    assert code == 0
    printed = capsys.readouterr().out
    assert 'val: 1 videos, 3 frames' in printed and 'posetrack18_val.json' in printed
    doc = json.loads((out / 'annotations' / 'posetrack18_val.json').read_text())
    assert len(doc['images']) == 3
    assert {a['track_id'] for a in doc['annotations']} <= {0}
    assert not (out / 'annotations' / 'posetrack18_train.json').exists()


def test_cli_reports_bad_arguments(tmp_path, capsys):
    tool = _load_tool()
    code = tool.main(['--out', str(tmp_path / 'x'), '--frames', '0'])
    assert code == 1
    assert 'frames' in capsys.readouterr().err
