"""benchmarks/official_parity.py: its refusals, and (with ``POSEWARPER_OFFICIAL_REPO`` set to a
checkout of the official code) a small run whose figures must show parity."""
import json
import os
from pathlib import Path

import pytest

from tests.helpers.scripts import load_script

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def parity():
    return load_script('benchmarks/official_parity.py')


def test_without_a_checkout_it_says_how_to_get_one(parity, capsys):
    assert parity.main([]) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert 'git clone https://github.com/facebookresearch/PoseWarper' in err
    assert '--official-repo' in err


def test_a_folder_that_is_no_checkout_is_refused(parity, tmp_path, capsys):
    (tmp_path / 'lib' / 'models').mkdir(parents=True)
    assert parity.main(['--official-repo', str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1
    assert 'is not a PoseWarper checkout (no lib/models/pose_hrnet.py)' in err


def test_runtime_stand_ins_are_undone(parity):
    import sys

    import torch
    before = torch.nn.Module.cuda
    with parity.official_runtime():
        runtime = sys.modules[parity.official_runtime.__module__]  # official_modules.py
        assert sys.modules['deform_conv'].DeformConv is runtime.OfficialDeformConv
        assert torch.zeros(1).cuda().device.type == 'cpu'
    assert torch.nn.Module.cuda is before and 'cuda' not in torch.Tensor.__dict__
    assert 'deform_conv' not in sys.modules


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get('POSEWARPER_OFFICIAL_REPO'),
                    reason='POSEWARPER_OFFICIAL_REPO (a checkout of the official code) not set')
def test_parity_with_the_official_modules(parity, tmp_path):
    out = tmp_path / 'parity.json'
    assert parity.main(['--official-repo', os.environ['POSEWARPER_OFFICIAL_REPO'],
                        '--input-size', '64', '64', '--batch-size', '1', '--one-way',
                        '--json', str(out)]) == 0
    report = json.loads(out.read_text())
    assert report['params_official'] == report['params_ours'] == 7_558_605
    assert report['official_keys'] == 2010
    assert len(report['results']) == 4
    for result in report['results']:
        assert result['max_abs_diff'] <= 1e-5 * result['max_abs_output'], result
        if 'max_rel_grad_diff' in result:
            assert result['max_rel_grad_diff'] < 1e-4 and result['trainable_same'], result


def test_documented_commands_use_its_flags(parity):
    """The commands of docs/fidelity.md's parity section parse (up to the checkout path)."""
    import re
    import shlex
    doc = (REPO_ROOT / 'docs' / 'fidelity.md').read_text()
    section = doc[doc.index('## Parity with the official code'):]
    commands = [shlex.split(c.replace('\\\n', ' ')) for c in re.findall(
        r'^python benchmarks/official_parity\.py (.+?)(?=\n[^ ]|\n```)', section, re.S | re.M)]
    assert len(commands) == 3
    for words in commands:
        args = parity.parse_args(words)
        assert args.official_repo == '/path/to/PoseWarper'
    assert '| training (pair warp, train mode) |' in section
