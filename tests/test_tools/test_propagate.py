"""``tools/propagate.py``: the documented commands in their CPU form, the output accepted by
``tools/eval_posetrack.py``, and clear errors on bad input with no output left behind."""
import re
import shlex
import shutil
from pathlib import Path
from typing import List

import pytest

from tests.helpers.propagation import (REPO_ROOT, TINY_STAGE1, TINY_STAGE2, files_under, load_json,
                                       pseudo_annotations, save_random_checkpoint, sparse_json,
                                       write_json)

DOC = REPO_ROOT / 'docs' / 'propagation.md'
AP_KEYS = ['Head', 'Shou', 'Elb', 'Wri', 'Hip', 'Knee', 'Ankl', 'Total']


@pytest.fixture(scope='module')
def tools(load_tool):
    return {name: load_tool(name)
            for name in ('propagate', 'eval_posetrack', 'make_synthetic_posetrack', 'train')}


@pytest.fixture(scope='module')
def data(tmp_path_factory, tools) -> Path:
    """The doc's dataset command in its tiny form: 2 val videos × 15 frames at 128×96."""
    root = tmp_path_factory.mktemp('synthetic')
    assert tools['make_synthetic_posetrack'].main([
        '--out', str(root), '--videos', '2', '--frames', '15', '--seed', '0', '--split', 'val',
        '--width', '128', '--height', '96'
    ]) == 0
    return root


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    folder = tmp_path_factory.mktemp('ckpts')
    return dict(stage1=save_random_checkpoint(TINY_STAGE1, folder / 'stage1.pth'),
                stage2=save_random_checkpoint(TINY_STAGE2, folder / 'stage2.pth'))


def _method_args(method: str, ckpts) -> List[str]:
    if method == 'posewarper':
        return ['--config', str(TINY_STAGE2), '--checkpoint', str(ckpts['stage2'])]
    if method == 'single-frame':
        return ['--config', str(TINY_STAGE1), '--checkpoint', str(ckpts['stage1'])]
    return []


def test_doc_propagate_and_evaluate(tools, data, ckpts, tmp_path, capsys):
    """docs/propagation.md, "Propagating and evaluating": every method with --per-video-dir,
    then tools/eval_posetrack.py on each per-video dir against the full GT."""
    ann_file = data / 'annotations' / 'posetrack18_val.json'
    results = {}
    for method in ('posewarper', 'single-frame', 'farneback', 'copy'):
        out, pred_dir = tmp_path / f'val_{method}.json', tmp_path / method
        assert tools['propagate'].main([
            '--ann-file', str(ann_file), '--data-root', str(data), '--label-interval', '7',
            '--method', method, '--out', str(out), '--per-video-dir', str(pred_dir),
            '--no-progress'
        ] + _method_args(method, ckpts)) == 0
        assert f'results written to {out}' in capsys.readouterr().out
        doc = load_json(out)
        pseudo = pseudo_annotations(doc)
        assert pseudo and all(a['method'] == method and len(a['scores']) == 17 for a in pseudo)
        assert sorted(p.name for p in pred_dir.iterdir()) == ['000001_synth.json',
                                                              '000002_synth.json']
        ap_file = tmp_path / f'{method}_ap.json'
        assert tools['eval_posetrack'].main(
            ['--gt-dir', str(data / 'annotations' / 'val'), '--pred-dir', str(pred_dir),
             '--out', str(ap_file)]) == 0
        results[method] = load_json(ap_file)
        assert list(results[method]) == AP_KEYS
    # labelled frames carry their GT (4 of 15 frames: AP well above 0 for every method), and a
    # fresh (identity) PoseWarper head reproduces the labelled poses up to the codec
    assert all(r['Total'] > 10 for r in results.values())
    assert results['posewarper']['Total'] == pytest.approx(results['copy']['Total'], abs=15)
    print({m: round(r['Total'], 1) for m, r in results.items()})


def test_doc_sparse_json(tools, data, tmp_path):
    """docs/propagation.md: a sparse json without --label-interval (here --max-offset 3) gives
    the pseudo-labels of the full json with --label-interval 7."""
    full = load_json(data / 'annotations' / 'posetrack18_val.json')
    sparse_file = tmp_path / 'posetrack18_val_sparse.json'
    write_json(sparse_file, sparse_json(full, 7))
    outs = {}
    for name, extra in (('sparse', []), ('full', ['--label-interval', '7'])):
        ann_file = sparse_file if extra == [] else data / 'annotations' / 'posetrack18_val.json'
        outs[name] = tmp_path / f'{name}.json'
        assert tools['propagate'].main(
            ['--ann-file', str(ann_file), '--data-root', str(data), '--method', 'farneback',
             '--max-offset', '3', '--out', str(outs[name]), '--no-progress'] + extra) == 0
    sparse, dense = (load_json(outs[n]) for n in ('sparse', 'full'))
    strip = [{k: v for k, v in a.items() if k != 'id'} for a in pseudo_annotations(sparse)]
    assert strip == [{k: v for k, v in a.items() if k != 'id'} for a in pseudo_annotations(dense)]
    assert [i['is_labeled'] for i in sparse['images']] == [i['is_labeled'] for i in dense['images']]


# ----------------------------------------------------------------------------- bad input
def _bad_cases(data: Path, ckpts, tmp_path: Path):
    ann = str(data / 'annotations' / 'posetrack18_val.json')
    base = ['--ann-file', ann, '--data-root', str(data), '--label-interval', '7']
    unlabelled = tmp_path / 'unlabelled.json'
    doc = load_json(ann)
    write_json(unlabelled, dict(doc, annotations=[],
                                images=[dict(i, is_labeled=False) for i in doc['images']]))
    missing_root = tmp_path / 'missing_frame'
    shutil.copytree(data, missing_root)
    gone = missing_root / 'images' / 'val' / '000002_synth' / '000005.jpg'
    gone.unlink()
    pw = ['--method', 'posewarper', '--config', str(TINY_STAGE2)]
    return {
        # a stage-1 checkpoint for the PoseWarper config: the warping head is missing
        'checkpoint_mismatch': (base + pw + ['--checkpoint', str(ckpts['stage1'])], 1,
                                [str(ckpts['stage1']), str(TINY_STAGE2), 'does not match',
                                 'head.offset_feats']),
        'checkpoint_missing': (base + pw + ['--checkpoint', str(tmp_path / 'nope.pth')], 1,
                               ['checkpoint not found', 'nope.pth']),
        'not_a_posewarper': (base + ['--method', 'posewarper', '--config', str(TINY_STAGE1),
                                     '--checkpoint', str(ckpts['stage1'])], 1,
                             ['needs a PoseWarper model']),
        'no_labelled_frame': (['--ann-file', str(unlabelled), '--data-root', str(data),
                               '--method', 'copy'], 1, ['no labelled frame', 'unlabelled.json']),
        'ann_file_missing': (['--ann-file', str(tmp_path / 'none.json'), '--method', 'copy'], 1,
                             ['annotation file not found', 'none.json']),
        'missing_frame': (['--ann-file', ann, '--data-root', str(missing_root),
                           '--label-interval', '7', '--method', 'farneback'], 1,
                          ['frame image not found', str(gone)]),
        'max_offset_zero': (base + ['--method', 'copy', '--max-offset', '0'], 1,
                            ['argument --max-offset: 0 is not >= 1']),
        'no_config': (base + ['--method', 'posewarper'], 1,
                      ['method posewarper runs a model: give its config and checkpoint '
                       '(--config and --checkpoint)']),
        'single_frame_no_checkpoint': (base + ['--method', 'single-frame', '--config',
                                               str(TINY_STAGE1)], 1, ['--checkpoint']),
    }


CASES = ['checkpoint_mismatch', 'checkpoint_missing', 'not_a_posewarper', 'no_labelled_frame',
         'ann_file_missing', 'missing_frame', 'max_offset_zero', 'no_config',
         'single_frame_no_checkpoint']


@pytest.mark.parametrize('case', CASES)
def test_bad_input_is_refused_before_writing(tools, data, ckpts, tmp_path, capsys, case):
    argv, code, messages = _bad_cases(data, ckpts, tmp_path)[case]
    out_dir = tmp_path / 'out'
    argv = argv + ['--out', str(out_dir / 'pseudo.json'), '--per-video-dir',
                   str(out_dir / 'videos'), '--no-progress']
    assert code == 1  # usage errors too
    assert tools['propagate'].main(argv) == 1
    err = capsys.readouterr().err
    for message in messages:
        assert message in err, err
    assert not out_dir.exists() or files_under(out_dir) == []


# ----------------------------------------------------------------------------- the doc itself
FENCE = re.compile(r'^```(bash|sh|shell|console)\s*$')
MARKER = re.compile(r'^<!-- cpu-test: (\S+) -->\s*$')


def _blocks():
    lines = DOC.read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith('```'))
            marker = MARKER.match(lines[i - 1]) if i else None
            text = ' '.join(line.rstrip().rstrip('\\') for line in lines[i + 1:end]
                            if not line.lstrip().startswith('#'))
            commands = [shlex.split(c) for c in re.split(r'\s(?=python |bash )', ' ' + text)
                        if c.strip()]
            blocks.append((i + 1, marker.group(1) if marker else None, commands))
            i = end
        i += 1
    return blocks


# Fig. 4a variant of a training config -> the tiny config that is its CPU form
TINY_TRAIN = {
    'gt1x': 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py',
    'gt7x': 'td-hm_hrnet-tiny_1xb16-4e_synthetic-gt7x-128x96.py',
    'gt1x-pgt6x': 'td-hm_hrnet-tiny_1xb16-4e_synthetic-gt1x-pgt6x-128x96.py',
}


def _variant(config: str) -> str:
    return next((v for v in ('gt1x-pgt6x', 'gt7x') if f'-{v}-' in config), 'gt1x')


def test_doc_blocks_are_covered(tools, monkeypatch):
    """Each shell block of docs/propagation.md names a test that exists and uses the block's
    tools and flags (a training command: the tiny config of the same Fig. 4a variant); the
    scripts and configs it names exist and its flags parse."""
    monkeypatch.setenv('LOCAL_RANK', '0')  # tools/train.py's parse_args sets it otherwise
    blocks = _blocks()
    assert len(blocks) >= 6
    for line, marker, commands in blocks:
        assert marker, f'docs/propagation.md:{line}: block without a cpu-test marker'
        path, _, name = marker.partition('::')
        source = (REPO_ROOT / path).read_text()
        assert re.search(rf'^def {name}\(', source, re.M), f'{line}: no test {marker}'
        for cmd in commands:
            for word in cmd:
                if word.startswith(('tools/', 'configs/')):
                    assert (REPO_ROOT / word).exists(), f'{line}: {word} does not exist'
            assert cmd[0] == 'python' and cmd[1].startswith('tools/'), f'{line}: {cmd}'
            tool = Path(cmd[1]).stem
            tools[tool].parse_args(cmd[2:])
            tokens = [tool] + [w for w in cmd if w.startswith('--')]
            if tool == 'train':
                tokens.append(TINY_TRAIN[_variant(cmd[2])])
            for token in tokens:
                assert token in source, f'{line}: {token!r} is not exercised by {marker}'
