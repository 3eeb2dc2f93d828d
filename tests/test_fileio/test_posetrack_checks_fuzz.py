"""Fuzz: damaged PoseTrack files give a result or one clear line, never a traceback or a
partial output.

Every example changes one value of a valid file (removes, repeats, truncates, retypes it, or
makes a number NaN or infinite) and runs an entry point on it. The outcome must be either
success, or exit status 1 with one line on stderr that names the file, and no output file, cache
or temporary file left behind. Examples are derandomized: the same cases run every time.
"""
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posewarper.datasets import PoseTrackSparseDataset
from tests.helpers.mutations import mutated_documents
from tests.helpers.posetrack_docs import copy_with_scores, joints_at, person, video
from tests.helpers.propagation import load_json, make_dataset

# POSEWARPER_FUZZ_EXAMPLES=1000 explores further (the CI runs the default, fixed examples)
FUZZ = settings(max_examples=int(os.environ.get('POSEWARPER_FUZZ_EXAMPLES', 40)), deadline=None,
                derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

GT = video([[person(joints_at(0)), person(joints_at(0, 500), track_id=1)],
            [person(joints_at(10), track_id=0)], []])
PRED = copy_with_scores(GT)


def _files(folder: str) -> set:
    return {str(p.relative_to(folder)) for p in Path(folder).rglob('*')}


def _check_failure(rc: int, err: str, path: Path, what: str) -> None:
    """Exit 1 with one line naming ``path``, no traceback."""
    assert rc == 1, f'{what}: exit status {rc}'
    assert 'Traceback' not in err, f'{what}: {err}'
    assert err.count('\n') == 1 and err.endswith('\n'), f'{what}: not one line: {err!r}'
    assert str(path) in err, f'{what}: the message does not name {path}: {err!r}'


@pytest.fixture(scope='module')
def eval_tool(load_tool):
    return load_tool('eval_posetrack')


def _evaluate(eval_tool, capsys, gt: dict, pred: dict):
    """Run ``eval_posetrack.py`` on one GT and one prediction file; returns (rc, err, files,
    results, gt file, prediction file)."""
    with tempfile.TemporaryDirectory() as tmp:
        gt_dir, pred_dir = Path(tmp, 'gt'), Path(tmp, 'pred')
        gt_dir.mkdir()
        pred_dir.mkdir()
        (gt_dir / 'v.json').write_text(json.dumps(gt))
        (pred_dir / 'v.json').write_text(json.dumps(pred))
        out = Path(tmp, 'out', 'ap.json')
        rc = eval_tool.main(['--gt-dir', str(gt_dir), '--pred-dir', str(pred_dir), '--out',
                             str(out)])
        err = capsys.readouterr().err
        results = json.loads(out.read_text()) if out.exists() else None
        return rc, err, _files(tmp), results, gt_dir / 'v.json', pred_dir / 'v.json'


@FUZZ
@given(data=st.data(), which=st.sampled_from(['gt', 'pred']))
def test_eval_posetrack_on_a_damaged_file(eval_tool, capsys, data, which):
    doc, change = data.draw(mutated_documents(GT if which == 'gt' else PRED))
    gt, pred = (doc, PRED) if which == 'gt' else (GT, doc)
    rc, err, files, results, gt_path, pred_path = _evaluate(eval_tool, capsys, gt, pred)
    what = f'{which}: {change}'
    if rc == 0:
        assert set(results) == {'Head', 'Shou', 'Elb', 'Wri', 'Hip', 'Knee', 'Ankl', 'Total'}
        assert all(v is None or 0 <= v <= 100 for v in results.values()), (what, results)
    else:
        _check_failure(rc, err, gt_path if which == 'gt' else pred_path, what)
        # nothing written: not the result, not its folder, no temporary file
        assert files == {'gt', 'gt/v.json', 'pred', 'pred/v.json'}, (what, files)


@FUZZ
@given(data=st.data(), which=st.sampled_from(['gt', 'pred']),
       field=st.sampled_from(['images', 'annotations']))
def test_eval_posetrack_ignores_unknown_fields(eval_tool, capsys, data, which, field):
    """A harmless change (an extra field) leaves the result as it was."""
    _, _, _, expected, _, _ = _evaluate(eval_tool, capsys, GT, PRED)
    doc = json.loads(json.dumps(GT if which == 'gt' else PRED))
    index = data.draw(st.integers(0, len(doc[field]) - 1))
    doc[field][index]['comment'] = data.draw(st.sampled_from(['x', None, [1], {'a': 2}]))
    gt, pred = (doc, PRED) if which == 'gt' else (GT, doc)
    rc, err, _, results, _, _ = _evaluate(eval_tool, capsys, gt, pred)
    assert rc == 0, err
    assert results == expected


@pytest.fixture(scope='module')
def annotations(tmp_path_factory) -> dict:
    """A generated one-video dataset's merged annotation file (8 frames, all labelled)."""
    root = tmp_path_factory.mktemp('fuzz_data')
    make_dataset(root, videos=1, frames=8, width=96, height=72)
    return load_json(root / 'annotations' / 'posetrack18_val.json')


@FUZZ
@given(data=st.data())
def test_propagate_on_a_damaged_annotation_file(load_tool, capsys, annotations, data):
    doc, change = data.draw(mutated_documents(annotations))
    propagate = load_tool('propagate')
    with tempfile.TemporaryDirectory() as tmp:
        ann = Path(tmp, 'ann.json')
        ann.write_text(json.dumps(doc))
        out = Path(tmp, 'out', 'prop.json')
        rc = propagate.main(['--ann-file', str(ann), '--method', 'copy', '--label-interval', '3',
                             '--out', str(out), '--per-video-dir', str(Path(tmp, 'per_video')),
                             '--no-progress'])
        err = capsys.readouterr().err
        if rc == 0:
            assert load_json(out)['images'], change
        else:
            _check_failure(rc, err, ann, change)
            assert _files(tmp) == {'ann.json'}, (change, _files(tmp))


@FUZZ
@given(data=st.data())
def test_dataset_on_a_damaged_annotation_file(annotations, data):
    doc, change = data.draw(mutated_documents(annotations))
    with tempfile.TemporaryDirectory() as tmp:
        ann = os.path.join(tmp, 'ann.json')
        Path(ann).write_text(json.dumps(doc))
        try:
            dataset = PoseTrackSparseDataset(ann_file=ann, label_interval=1, pipeline=[],
                                             data_prefix=dict(img=tmp + '/'),
                                             serialize_data=False)
        except ValueError as e:
            assert ann in str(e), (change, str(e))
            return
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            assert info['keypoints'].shape[1:] == (17, 2), change
