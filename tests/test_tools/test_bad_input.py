"""Every case of docs/bad_input.md: the tool exits with 1, prints the documented message in one
line, and leaves nothing new behind. The messages are read from the doc, so it cannot drift."""
import os
import re
import shutil
from pathlib import Path
from typing import Dict, List
from urllib.error import URLError

import pytest
import torch
from mmengine.logging import MMLogger

from tests.helpers.bad_input_cases import case_runs
from tests.helpers.propagation import TINY_STAGE1, make_dataset, save_random_checkpoint

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / 'docs' / 'bad_input.md'


def documented_messages() -> Dict[str, List[List[str]]]:
    """Case -> alternatives, each a list of fragments (the doc abbreviates paths with '…')."""
    cases = {}
    for line in DOC.read_text().splitlines():
        row = re.match(r'^\| `([\w-]+)` \|.*\|.*\|(.*)\|$', line)
        if row:
            spans = [s for s in re.findall(r'`([^`]+)`', row.group(2)) if not s.endswith('.py')]
            cases[row.group(1)] = [span.split('…') for span in spans]
    return cases


MESSAGES = documented_messages()


class _Evil:

    def __reduce__(self):
        return (print, ('pwned', ))


@pytest.fixture(scope='module')
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('bad_input')
    make_dataset(root, videos=1, frames=8, width=96, height=72)
    save_random_checkpoint(TINY_STAGE1, root / 'stage1.pth')
    good = {'state_dict': {'backbone.w': torch.zeros(64)}}
    torch.save(good, root / 'good.pth')
    (root / 'empty.pth').write_bytes(b'')
    (root / 'truncated.pth').write_bytes((root / 'good.pth').read_bytes()[:200])
    torch.save(dict(good, meta=dict(x=_Evil())), root / 'unsafe.pth')
    return root


def test_every_case_of_the_doc_is_run():
    assert len(MESSAGES) >= 20
    assert all(MESSAGES.values())


@pytest.mark.parametrize('case', sorted(MESSAGES))
def test_documented_message(case, data, load_tool, tmp_path, capsys, monkeypatch):
    if case == 'out-not-writable':
        # root writes anywhere, so a read-only folder is simulated where it is checked
        real_access = os.access
        monkeypatch.setattr(os, 'access',
                            lambda p, mode: False if mode & os.W_OK else real_access(p, mode))
    if case == 'model-zoo-offline':
        def offline(*args, **kwargs):
            raise URLError('offline')
        monkeypatch.setattr('mmengine.runner.checkpoint.load_url', offline)
    if case == 'launcher-without-its-environment':
        for variable in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'):
            monkeypatch.delenv(variable, raising=False)
    for tool, argv in case_runs(case, data, tmp_path):
        before = {p for p in tmp_path.rglob('*')}
        rc = load_tool(tool).main(argv)
        err = capsys.readouterr().err
        assert rc == 1, (case, tool, err)
        assert err.count('\n') == 1 and 'Traceback' not in err, (case, tool, err)
        assert any(all(fragment in err for fragment in alternative)
                   for alternative in MESSAGES[case]), (case, tool, err, MESSAGES[case])
        if case == 'unsafe-checkpoint':
            assert ('--trust-pickle' in err) == (tool == 'convert_mmpose0x'), (tool, err)
        assert {p for p in tmp_path.rglob('*')} == before, (case, tool)  # nothing new
        assert not (tmp_path / 'out').exists()
    shutil.rmtree(tmp_path / 'in', ignore_errors=True)
    # a case that built a runner left its logger current, writing to this test's captured stream
    # (closed after the test): make a logger on the session's stream the current one
    with capsys.disabled():
        MMLogger.get_instance(f'bad_input_after_{case}')
