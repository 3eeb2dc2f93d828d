"""benchmarks/cuda_check.py: the GPU machine's one-call check, dry-run on the CPU."""
import json
import re
import sys
from pathlib import Path

import pytest

from tests.helpers.scripts import load_script

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def cuda_check():
    return load_script('benchmarks/cuda_check.py')


def test_steps_that_do_not_fit_the_budget_are_skipped_and_recorded(cuda_check, tmp_path):
    assert cuda_check.main(['dry-run', '--out', str(tmp_path), '--budget', '5',
                            '--steps', 'imports', 'tests']) == 1
    record = json.loads((tmp_path / 'cuda_check.json').read_text())
    assert record['mode'] == 'dry-run' and record['device'] == 'cpu'
    for step in ('imports', 'tests'):
        assert record['steps'][step]['status'] == 'skipped'
        assert 'the step needs' in record['steps'][step]['reason']
    assert '### ' not in (tmp_path / 'cuda_check.log').read_text()  # nothing was started


def test_prepare_downloads_wheels_for_the_gpu_machines_python(cuda_check, tmp_path,
                                                              monkeypatch):
    """``prepare --wheels DIR --python-version 3.12``: binary wheels for that Python and
    manylinux, the sdists of mmcv and xtcocotools (pip's commands checked, nothing downloaded)."""
    calls = []
    monkeypatch.setattr(cuda_check.subprocess, 'run',
                        lambda cmd, check: calls.append(cmd))
    assert cuda_check.main(['prepare', '--wheels', str(tmp_path), '--python-version',
                            '3.12']) == 0
    binary, sdists = calls
    assert binary[1:4] == ['-m', 'pip', 'download'] and '--only-binary=:all:' in binary
    assert binary[binary.index('--python-version') + 1] == '3.12'
    assert binary[binary.index('-d') + 1] == str(tmp_path)
    assert 'manylinux_2_28_x86_64' in binary
    assert {'mmengine==0.10.7', 'mmdet==3.3.0', 'mmpose==1.3.2'} <= set(binary)
    assert any(w.startswith('setuptools==80') for w in binary)  # pkg_resources for mmcv
    assert sdists[-2:] == ['mmcv==2.1.0', 'xtcocotools==1.14.3'] and '--no-binary' in sdists


def test_junit_summary_names_failures(cuda_check, tmp_path):
    xml = tmp_path / 'r.xml'
    xml.write_text('<testsuites><testsuite tests="3" failures="1" errors="0" skipped="1">'
                   '<testcase classname="tests.a" name="ok"/>'
                   '<testcase classname="tests.a" name="bad"><failure message="x"/></testcase>'
                   '<testcase classname="tests.a" name="skip"><skipped/></testcase>'
                   '</testsuite></testsuites>')
    assert cuda_check.junit_summary(str(xml)) == dict(tests=3, failures=1, errors=0, skipped=1,
                                                      failed=['tests.a::bad'])


@pytest.mark.slow  # runs the on_device tests and three benchmarks (~50 s)
def test_dry_run_checks_and_measures_on_the_cpu(tmp_path):
    """docs/installation.md, "CUDA": ``cuda_check.py dry-run``, which runs the on_device tests
    and benchmarks/stage2_training.py, deform_conv.py and aggregation.py on the CPU."""
    import subprocess
    proc = subprocess.run([sys.executable, 'benchmarks/cuda_check.py', 'dry-run', '--out',
                           str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = json.loads((tmp_path / 'cuda_check.json').read_text())
    assert set(record['steps']) == {'imports', 'tests', 'deform_conv', 'stage2_training',
                                    'aggregation'}
    assert record['versions']['device'] == 'cpu'
    assert record['tests']['tests'] >= 20 and record['tests']['failed'] == []
    rows = record['stage2_training']['rows']
    for kernel in ('mmcv', 'torchvision', 'pytorch'):
        assert rows[f'{kernel}/fp32']['it_per_s'] > 0
        assert 'GPU' in rows[f'{kernel}/amp']['skipped']
    assert record['stage2_training']['fastest_fp32'] in ('mmcv', 'torchvision', 'pytorch')
    assert set(record['deform_conv']['modes']) == {'fwd_bwd', 'fwd'}
    assert record['aggregation']['max_abs_diff'] <= 1e-5
    # the commands of docs/installation.md's CUDA section, in their CPU form
    log = (tmp_path / 'cuda_check.log').read_text()
    assert f'POSEWARPER_TEST_DEVICE=cpu {sys.executable} -m pytest tests -m on_device' in log
    assert re.search(r'benchmarks/stage2_training\.py --device cpu --quick --json \S+'
                     r'stage2_training\.json', log)
    assert {p.name for p in tmp_path.iterdir()} == {
        'cuda_check.json', 'cuda_check.log', 'on_device.xml', 'deform_conv.json',
        'stage2_training.json', 'aggregation.json'}
