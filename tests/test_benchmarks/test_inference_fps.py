"""benchmarks/inference_fps.py --quick: both entry points, both windows, a json."""
import json

import pytest

from tests.helpers.generated_video import generated_video
from tests.helpers.scripts import load_script


@pytest.fixture(scope='module')
def bench():
    return load_script('benchmarks/inference_fps.py')


def test_quick(bench, tmp_path, capsys):
    video = generated_video(tmp_path / 'video', seed=1, frames=4, people=1)
    out = tmp_path / 'fps.json'
    assert bench.main(['--quick', '--video', str(video['folder']), '--frames', '3',
                       '--repeats', '1', '--threads', '1', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert result['config'].startswith('configs/tiny/') and result['frames'] == 3
    for entry in ('MMPoseInferencer', 'PoseWarperInferencer'):
        for window in ('window_0', 'window_2'):
            assert result['fps'][entry][window]['wall'] > 0
            assert result['fps'][entry][window]['cpu'] > 0
    assert '| MMPoseInferencer |' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        bench.parse_args(['--frames', '0'])
