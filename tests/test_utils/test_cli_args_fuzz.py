"""Fuzz: bad command lines give one line and a status, never a traceback or an output.

The values are the ones that used to slip through: ``nan``, ``inf``, negative, huge and
non-numeric numbers, odd paths, and ``--cfg-options`` of ``train.py`` / ``test.py`` with values
of the wrong type, malformed lists, missing ``=`` or non-finite numbers. Each run is in-process
(``main(argv)``); the outcome must be exit status 1 with one line (usage errors included), no
traceback and nothing written, or a successful run.
``train.py`` and ``test.py`` never get to their runner here: it is replaced by one that records
the config it was given, which must hold no NaN or infinity. Examples are derandomized.
"""
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.propagation import TINY_STAGE2, make_dataset

FUZZ = settings(max_examples=int(os.environ.get('POSEWARPER_FUZZ_EXAMPLES', 12)), deadline=None,
                derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
WIDE = settings(FUZZ, max_examples=150)

ODD_NUMBERS = st.one_of(
    st.sampled_from(['nan', 'NaN', 'inf', '-inf', 'Infinity', '-1', '0', '1e999', '-1e999',
                     '99999999999999999999', '-99999999999999999999', 'abc', '', ' ', '1.5',
                     '0x10', '1_000', '--', '١']),
    st.floats(allow_nan=True, allow_infinity=True).map(repr))
BAD_NUMBERS = st.one_of(ODD_NUMBERS, st.integers(-10**30, 10**30).map(str))
# no arbitrary integers: a valid --videos or --frames in the thousands would take minutes
SYNTHETIC_VALUES = ODD_NUMBERS

# the numeric options of the writing tools (a valid command line takes the rest)
PROPAGATE_NUMBERS = ['--max-offset', '--label-interval', '--label-phase', '--min-joint-score',
                     '--batch-size', '--seed']
SYNTHETIC_NUMBERS = ['--videos', '--frames', '--seed', '--width', '--height', '--people-min',
                     '--people-max', '--ignore-region-prob', '--jpeg-quality']

CFG_KEYS = ['train_cfg.max_epochs', 'optim_wrapper.optimizer.lr', 'train_dataloader.batch_size',
            'model.backbone.extra.stage2.num_channels', 'default_hooks.checkpoint.interval',
            'randomness.seed', 'model.type', 'train_dataloader.dataset.pipeline.0.type',
            'param_scheduler.0.end', 'model.test_cfg.flip_test', 'val_evaluator',
            'train_cfg', 'no.such.key', 'train_cfg.max_epochs.deeper', '', '.', 'a..b']
CFG_VALUES = st.one_of(BAD_NUMBERS, st.sampled_from(
    ['[1,2', '(1,', '[]', '()', '[1,[2]', 'None', 'True', 'true', '"x"', "'x'", '{}', "{'a':1}",
     '=', 'a=b', '[nan]', '(inf, 1)', 'PoseWarpr', 'dict(type=1)']))


def _cfg_option():
    return st.one_of(
        st.builds(lambda k, v: f'{k}={v}', st.sampled_from(CFG_KEYS), CFG_VALUES),
        st.sampled_from(CFG_KEYS),  # no '='
        st.builds(lambda v: f'={v}', CFG_VALUES))


def run_tool(tool, argv, capsys):
    """``tool.main(argv)`` -> (status, stderr); argparse's ``SystemExit`` is a status too."""
    try:
        rc = tool.main([str(a) for a in argv])
    except SystemExit as e:
        rc = e.code
    return rc, capsys.readouterr().err


def check_refusal(rc: int, err: str, what: str) -> None:
    """Status 1 with one ``error:`` line; no traceback."""
    assert rc == 1, f'{what}: status {rc}: {err}'
    assert 'Traceback' not in err, f'{what}: {err}'
    lines = err.splitlines()
    assert len(lines) == 1 and 'error:' in lines[0], f'{what}: not one line: {err!r}'


@pytest.fixture(scope='module')
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('cli_fuzz')
    make_dataset(root, videos=1, frames=4, width=64, height=48)
    return root


@pytest.fixture(scope='module')
def tools(load_tool):
    return {name: load_tool(name) for name in ('propagate', 'make_synthetic_posetrack', 'train',
                                               'test', 'eval_posetrack', 'infer',
                                               'inferencer_demo')}


def _propagate_numbers(tools, dataset, capsys, tmp_path, option, value):
    out = tmp_path / 'out'
    argv = ['--ann-file', dataset / 'annotations' / 'posetrack18_val.json', '--method', 'copy',
            '--no-progress', '--out', out / 'p.json', option, value]
    rc, err = run_tool(tools['propagate'], argv, capsys)
    if rc != 0:
        check_refusal(rc, err, f'propagate {option} {value!r}')
        assert not out.exists(), f'propagate {option} {value!r} wrote {list(out.rglob("*"))}'


@FUZZ
@given(option=st.sampled_from(PROPAGATE_NUMBERS), value=BAD_NUMBERS)
def test_propagate_numeric_options(tools, dataset, capsys, tmp_path_factory, option, value):
    _propagate_numbers(tools, dataset, capsys, tmp_path_factory.mktemp('p'), option, value)


def _synthetic_numbers(tools, capsys, tmp_path, option, value):
    out = tmp_path / 'out'
    argv = ['--out', out, '--videos', '1', '--frames', '1', '--width', '48', '--height', '48',
            '--split', 'val', option, value]
    rc, err = run_tool(tools['make_synthetic_posetrack'], argv, capsys)
    if rc != 0:
        check_refusal(rc, err, f'make_synthetic_posetrack {option} {value!r}')
        assert not out.exists() or not any(out.rglob('*.jpg')), option


@FUZZ
@given(option=st.sampled_from(SYNTHETIC_NUMBERS), value=SYNTHETIC_VALUES)
def test_synthetic_numeric_options(tools, capsys, tmp_path_factory, option, value):
    _synthetic_numbers(tools, capsys, tmp_path_factory.mktemp('s'), option, value)


INFERENCE_NUMBERS = ['--temporal-window', '--frame-weights', '--bbox-thr', '--nms-thr',
                     '--kpt-thr', '--tracking-thr', '--radius', '--thickness']


def _non_finite(text: str) -> bool:
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False


@FUZZ
@given(name=st.sampled_from(['infer', 'inferencer_demo']),
       option=st.sampled_from(INFERENCE_NUMBERS), value=BAD_NUMBERS)
def test_inference_numeric_options(tools, capsys, tmp_path_factory, name, option, value):
    """A number that is not finite is a usage error in both inference tools (it used to
    reach inferencer_demo's filters: ``--bbox-thr nan`` kept no person); any other value is
    refused or passes to the next check (the input, which does not exist here)."""
    out = tmp_path_factory.mktemp('i') / 'out'
    argv = [out.parent / 'missing.mp4', '--pose2d', TINY_STAGE2, '--det-model', 'whole_image',
            '--device', 'cpu', '--pred-out-dir', out, option, value]
    rc, err = run_tool(tools[name], argv, capsys)
    what = f'{name} {option} {value!r}'
    check_refusal(rc, err, what)
    if _non_finite(value):
        assert option in err and '(see --help)' in err, f'{what}: {err!r}'  # at parse time
    assert not out.exists(), what


# relative to a scratch folder; never a system file: a run that succeeded would replace it
ODD_PATHS = st.sampled_from(['', '.', '/', '..', '~', '-', 'a\nb.json', ' ', 'x' * 300, 'dir/',
                             'nested/' * 40 + 'ap.json', '💥.json', 'gt/../gt', 'gt/v.json'])


@FUZZ
@given(which=st.sampled_from(['--gt-dir', '--pred-dir', '--out']), path=ODD_PATHS)
def test_eval_posetrack_odd_paths(tools, capsys, tmp_path_factory, which, path):
    """Odd paths (relative to a scratch folder) for one of eval_posetrack.py's paths."""
    tmp = tmp_path_factory.mktemp('e')
    (tmp / 'gt').mkdir()
    (tmp / 'pred').mkdir()
    paths = {'--gt-dir': tmp / 'gt', '--pred-dir': tmp / 'pred', '--out': tmp / 'o' / 'ap.json'}
    paths[which] = path if path.startswith('/') else tmp / path
    before = set(tmp.rglob('*'))
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        rc, err = run_tool(tools['eval_posetrack'],
                           [a for k, v in paths.items() for a in (k, v)], capsys)
    finally:
        os.chdir(cwd)
    check_refusal(rc, err, f'eval_posetrack {which} {path!r}')  # empty folders: nothing to score
    assert set(tmp.rglob('*')) == before


class _Accepted(Exception):
    """Raised by the stand-in runner: the command line was accepted."""


def _no_runner(monkeypatch, tool) -> list:
    """Replace ``tool``'s runner by one that records its config and stops the run."""
    seen = []

    def build_runner(cfg):
        seen.append(cfg)
        raise _Accepted

    monkeypatch.setattr(tool, 'build_runner', build_runner)
    return seen


def _finite_everywhere(node, key='') -> None:
    if isinstance(node, float):
        assert math.isfinite(node), f'{key} = {node} reached the runner'
    elif isinstance(node, dict):
        for k, v in node.items():
            _finite_everywhere(v, f'{key}.{k}' if key else str(k))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            _finite_everywhere(v, f'{key}.{i}')


def _cfg_options(tools, capsys, monkeypatch, tmp_path, name, options):
    tool = tools[name]
    seen = _no_runner(monkeypatch, tool)
    work = tmp_path / 'work'
    argv = [TINY_STAGE2] + ([tmp_path / 'ckpt.pth', '--non-strict'] if name == 'test' else [])
    argv += ['--work-dir', work, '--cfg-options', *options]
    if name == 'test':
        import torch
        torch.save({'state_dict': {}}, tmp_path / 'ckpt.pth')
    what = f'{name} --cfg-options {options}'
    try:
        rc, err = run_tool(tool, argv, capsys)
    except _Accepted:
        _finite_everywhere(seen[0].to_dict())
    else:
        check_refusal(rc, err, what)
    assert not work.exists(), f'{what}: the work dir was created'


@FUZZ
@given(name=st.sampled_from(['train', 'test']), options=st.lists(_cfg_option(), min_size=1,
                                                                 max_size=3))
def test_cfg_options(tools, capsys, monkeypatch, tmp_path_factory, name, options):
    _cfg_options(tools, capsys, monkeypatch, tmp_path_factory.mktemp('c'), name, options)


@pytest.mark.slow
@WIDE
@given(name=st.sampled_from(['train', 'test']), options=st.lists(_cfg_option(), min_size=1,
                                                                 max_size=3),
       option=st.sampled_from(PROPAGATE_NUMBERS), value=BAD_NUMBERS,
       synthetic_option=st.sampled_from(SYNTHETIC_NUMBERS), synthetic_value=SYNTHETIC_VALUES)
def test_command_lines_wide_sweep(tools, dataset, capsys, monkeypatch, tmp_path_factory, name,
                                  options, option, value, synthetic_option, synthetic_value):
    tmp = tmp_path_factory.mktemp('w')
    _cfg_options(tools, capsys, monkeypatch, tmp, name, options)
    _propagate_numbers(tools, dataset, capsys, tmp, option, value)
    _synthetic_numbers(tools, capsys, tmp, synthetic_option, synthetic_value)
