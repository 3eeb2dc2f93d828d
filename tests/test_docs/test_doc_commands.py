"""Every command in docs/installation.md, docs/training.md and docs/inference.md is exercised in
its CPU form.

Convention: each fenced ``bash`` (or ``python``) block in those docs is preceded by a marker line

- ``<!-- cpu-test: ci -->``: run by CI as it is (``.ci/run`` -> ``make test`` -> ``make setup``
  -> ``bash tools/setup_env.sh``); only for installation commands;
- ``<!-- cpu-test: run -->``: run here, as written (with this interpreter's ``bin`` dir for
  ``.venv/bin``);
- ``<!-- cpu-test: tests/<file>.py::<test> -->``: that test runs the CPU form (the tiny config and
  data, 2 processes instead of 8 GPUs, random weights). Checked here: the test exists, and every
  tool or benchmark script, ``--flag`` and ``VAR=`` setting of the block appears in that test's
  file, so a doc command using something the test does not cover fails. A python block is
  executed by its test, which reads it from the doc.

For every block, the scripts and configs it names must exist and the flags it gives to
``tools/*.py`` (directly or through the launch scripts) must be accepted by their parsers.
This file also holds the CPU forms of the one-process train/test and two-node commands.
(docs/propagation.md has its own check, ``tests/test_tools/test_propagate.py``.)
"""
import re
import shlex
import threading
from pathlib import Path
from typing import List, NamedTuple

import pytest

from tests.helpers.scripts import load_tool
from tests.helpers.tiny_training import (PYTHON, REPO_ROOT, check, check_two_rank_run, checkpoints,
                                         free_port, make_tiny_data, run, subprocess_env,
                                         write_tiny_config)

DOCS = ['docs/installation.md', 'docs/training.md', 'docs/inference.md']
FENCE = re.compile(r'^```(bash|sh|shell|console|python)\s*$')
MARKER = re.compile(r'^<!-- cpu-test: (\S+) -->\s*$')
# repository paths a command may name
REPO_PATHS = ('tools/', 'configs/', 'benchmarks/')
TIMEOUT = 300


class Block(NamedTuple):
    doc: str
    line: int  # 1-based line of the opening fence
    marker: str
    language: str  # 'python', or a shell
    commands: List[List[str]]  # shell words of each command, comments and continuations joined

    def __str__(self) -> str:
        return f'{self.doc}:{self.line}'


def _commands(lines: List[str]) -> List[List[str]]:
    commands, current = [], ''
    for raw in lines:
        line = raw.split(' #')[0] if not raw.lstrip().startswith('#') else ''
        current += line.rstrip().rstrip('\\') + ' '
        if not line.rstrip().endswith('\\'):
            if current.strip():
                commands.append(shlex.split(current))
            current = ''
    return commands


def doc_blocks() -> List[Block]:
    blocks = []
    for doc in DOCS:
        lines = (REPO_ROOT / doc).read_text().splitlines()
        i = 0
        while i < len(lines):
            if FENCE.match(lines[i]):
                marker = MARKER.match(lines[i - 1]) if i else None
                end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith('```'))
                language = FENCE.match(lines[i]).group(1)
                blocks.append(
                    Block(doc, i + 1, marker.group(1) if marker else '', language,
                          [] if language == 'python' else _commands(lines[i + 1:end])))
                i = end
            i += 1
    return blocks


BLOCKS = doc_blocks()


def _env_settings(words: List[str]) -> List[str]:
    return [w.split('=')[0] + '=' for w in words if re.match(r'^[A-Z_]+=', w)]


def _strip_env(words: List[str]) -> List[str]:
    while words and re.match(r'^[A-Z_]+=', words[0]):
        words = words[1:]
    return words


_load_tool = load_tool


def test_docs_have_marked_blocks():
    assert len(BLOCKS) >= 15
    assert {b.doc for b in BLOCKS} == set(DOCS)
    assert any(b.language == 'python' for b in BLOCKS)  # docs/inference.md's Python API
    unmarked = [str(b) for b in BLOCKS if not b.marker]
    assert not unmarked, f'blocks without a <!-- cpu-test: ... --> marker: {unmarked}'


def test_ci_runs_setup_env():
    """The chain behind ``cpu-test: ci``: .ci/run -> make test -> make setup -> setup_env.sh."""
    assert 'make test' in (REPO_ROOT / '.ci' / 'run').read_text()
    makefile = (REPO_ROOT / 'Makefile').read_text()
    assert re.search(r'^test: setup\b', makefile, re.M)
    assert re.search(r'^setup:\n\tbash tools/setup_env\.sh', makefile, re.M)
    assert 'FORCE_CUDA' in (REPO_ROOT / 'tools' / 'setup_env.sh').read_text()


@pytest.mark.parametrize('block', BLOCKS, ids=str)
def test_block_is_covered(block, monkeypatch):
    monkeypatch.setenv('LOCAL_RANK', '0')  # the tools' parse_args set it otherwise
    tools = {name: None
             for name in ('train', 'test', 'convert_mmpose0x', 'infer', 'inferencer_demo')}
    for words in block.commands:
        cmd = _strip_env(words)
        # every repository path it names exists
        for word in cmd:
            if word.startswith(REPO_PATHS):
                assert (REPO_ROOT / word).exists(), f'{block}: {word} does not exist'
        # flags given to tools/*.py are accepted by their parsers
        script, argv = None, []
        if cmd[:1] == ['python'] and cmd[1].startswith('tools/') and cmd[1].endswith('.py'):
            script, argv = Path(cmd[1]).stem, cmd[2:]
        elif cmd[:1] == ['bash'] and cmd[1] == 'tools/dist_train.sh':
            script, argv = 'train', [cmd[2]] + cmd[4:]
        elif cmd[:1] == ['bash'] and cmd[1] == 'tools/dist_test.sh':
            script, argv = 'test', cmd[2:4] + cmd[5:]
        elif cmd[:1] == ['bash'] and cmd[1] == 'tools/slurm_train.sh':
            script, argv = 'train', [cmd[4], '--work-dir', cmd[5]] + cmd[6:]
        elif cmd[:1] == ['bash'] and cmd[1] == 'tools/slurm_test.sh':
            script, argv = 'test', cmd[4:]
        if script is not None:
            tools[script] = tools[script] or _load_tool(script)
            tools[script].parse_args(argv)

    if block.language == 'python':
        path, _, name = block.marker.partition('::')
        assert name, f'{block}: a python block names the test that executes it'
        source = (REPO_ROOT / path).read_text()
        assert re.search(rf'^def {name}\(', source, re.M), f'{block}: no test {block.marker}'
        # the test executes the block as written in the doc: it reads the doc
        assert Path(block.doc).name in source, f'{block}: {block.marker} does not read the doc'
    elif block.marker == 'ci':
        assert block.doc == 'docs/installation.md'
        for words in block.commands:
            assert 'tools/setup_env.sh' in words or words[:2] == ['.', '.venv/bin/activate'], \
                f'{block}: CI runs tools/setup_env.sh only'
    elif block.marker == 'run':
        assert block in RUN_BLOCKS
    else:
        path, _, name = block.marker.partition('::')
        source = (REPO_ROOT / path).read_text()
        assert re.search(rf'^def {name}\(', source, re.M), f'{block}: no test {block.marker}'
        for words in block.commands:
            cmd = _strip_env(words)
            tokens = _env_settings(words) + [w for w in cmd if w.startswith('--')]
            tokens += [Path(w).name for w in cmd if w.startswith(('tools/', 'benchmarks/'))]
            tokens += cmd[:3] if cmd[0] == 'mim' else []
            for token in tokens:
                assert (token.split('=')[0] if token.startswith('--') else token) in source, \
                    f'{block}: {token!r} is not exercised by {block.marker}'


RUN_BLOCKS = [b for b in BLOCKS if b.marker == 'run' and b.language != 'python']


@pytest.mark.slow  # runs the commands
@pytest.mark.parametrize('block', RUN_BLOCKS, ids=str)
def test_run_block(block):
    bin_dir = str(Path(PYTHON).parent)
    for words in block.commands:
        words = [w.replace('.venv/bin/', bin_dir + '/', 1) for w in words]
        check(run(words, 120))


# ----------------------------------------------------------------------------- CPU forms
@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory) -> Path:
    return make_tiny_data(tmp_path_factory.mktemp('tiny_data'))


@pytest.mark.slow  # trains
def test_train_and_test_one_process(tmp_path, tiny_data):
    """docs/training.md, "One GPU (or CPU)" and "Testing": tools/train.py then tools/test.py,
    with a config that names no runner (the tools fall back to PoseWarperRunner)."""
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_data, stage='stage1', max_iters=2,
                               checkpoint_interval=2, with_runner_type=False)
    work_dir = tmp_path / 'stage1'
    out = check(
        run([
            PYTHON, 'tools/train.py',
            str(config), '--work-dir',
            str(work_dir), '--auto-scale-lr', '--cfg-options', 'train_dataloader.batch_size=2'
        ], TIMEOUT))
    assert 'LR is set based on batch size of 2' in out
    assert checkpoints(work_dir) == ['iter_2.pth']
    metrics, dump = work_dir / 'test_metrics.json', work_dir / 'predictions.pkl'
    check(
        run([
            PYTHON, 'tools/test.py',
            str(config),
            str(work_dir / 'iter_2.pth'), '--out',
            str(metrics), '--dump',
            str(dump)
        ], TIMEOUT))
    assert 'posetrack/Total' in metrics.read_text()
    assert dump.stat().st_size > 0


@pytest.mark.slow  # trains with two processes
def test_two_nodes(tmp_path, tiny_data):
    """docs/training.md, "Several machines": two 'nodes' of one process each, on localhost."""
    work_dir, probe_dir = tmp_path / 'work', tmp_path / 'probe'
    config = write_tiny_config(tmp_path / 'tiny.py', tiny_data, probe_dir=probe_dir)
    port = free_port()
    results = {}

    def node(rank: int) -> None:
        env = subprocess_env(NNODES='2', NODE_RANK=str(rank), PORT=str(port),
                             MASTER_ADDR='127.0.0.1')
        results[rank] = run(
            ['bash', 'tools/dist_train.sh', str(config), '1', '--work-dir', str(work_dir)],
            TIMEOUT, env)

    threads = [threading.Thread(target=node, args=(r, )) for r in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for rank in (0, 1):
        assert rank in results, f'node {rank} did not finish (see the assertion above)'
        check(results[rank])
    check_two_rank_run(probe_dir, work_dir)
