"""docs/fidelity.md cannot drift from the configs: every ``config: key = value`` it states is
checked against the loaded config."""
import ast
import re
from pathlib import Path

import pytest
from mmengine.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / 'docs' / 'fidelity.md'
ENTRY = re.compile(r'`(\w+)\.py`: `([\w.\[\]]+)` = `([^`]+)`')


def _configs() -> dict:
    """Short name (as the doc's introduction defines them) -> config file."""
    text = DOC.read_text()
    return {short: REPO_ROOT / 'configs' / 'posewarper' / name
            for short, name in re.findall(r'`(\w+)` is\s+`([\w.-]+\.py)`', text)}


def _entries():
    for line in DOC.read_text().splitlines():
        if line.startswith('| ') and not line.startswith('| knob'):
            knob = line.split('|')[1].strip()
            for config, key, value in ENTRY.findall(line):
                yield pytest.param(config, key, value, id=f'{knob}:{config}:{key}')


def _lookup(cfg, key: str):
    value = cfg
    for part in re.findall(r'\w+|\[\d+\]', key):
        value = value[int(part[1:-1])] if part.startswith('[') else value[part]
    return value


def test_doc_names_its_configs_and_values():
    configs = _configs()
    assert set(configs) == {'stage1', 'stage2', 'sparse2', 'gt1x', 'cycle', 'finetune'}
    assert all(path.is_file() for path in configs.values())
    assert len(list(_entries())) >= 25


@pytest.fixture(scope='module')
def loaded():
    cache = {}

    def load(short: str):
        if short not in cache:
            cache[short] = Config.fromfile(str(_configs()[short]))
        return cache[short]
    return load


@pytest.mark.parametrize('config,key,value', list(_entries()))
def test_config_value_is_the_documented_one(loaded, config, key, value):
    actual = _lookup(loaded(config), key)
    expected = ast.literal_eval(value)
    if isinstance(expected, (list, tuple)):
        assert list(actual) == list(expected)
    else:
        assert actual == expected
