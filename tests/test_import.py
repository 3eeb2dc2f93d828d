"""``import posewarper`` is the MMPose plugin alone: no generator, demo or test code comes in."""
import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_import_posewarper_loads_the_plugin_only():
    code = ('import json, sys, posewarper; '
            'print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))')
    out = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, check=True,
                         capture_output=True, text=True).stdout
    top_level = set(json.loads(out.splitlines()[-1]))
    assert 'posewarper' in top_level
    assert not top_level & {'posewarper_synthetic', 'posewarper_demo', 'tests', 'benchmarks'}
