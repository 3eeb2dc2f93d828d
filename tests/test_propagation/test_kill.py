"""A hard kill of tools/propagate.py never leaves a half-written output; the rerun resumes."""
import subprocess
import sys
import textwrap

import pytest

from tests.helpers.propagation import REPO_ROOT, files_under, load_json

pytestmark = pytest.mark.slow  # kills real tools/propagate.py processes


def test_killed_process_leaves_no_partial_output(tiny_data, tmp_path, load_tool):
    """A hard kill (no cleanup) in the second video, then one while writing the merged output:
    the output never exists half-written, and reruns finish from the cache."""
    out = tmp_path / 'out' / 'copy.json'
    args = ['--ann-file', str(tiny_data / 'annotations' / 'posetrack18_val.json'),
            '--data-root', str(tiny_data), '--label-interval', '7', '--method', 'farneback',
            '--out', str(out), '--per-video-dir', str(tmp_path / 'out' / 'v'), '--no-progress']
    driver = tmp_path / 'driver.py'
    driver.write_text(textwrap.dedent(f'''
        import os, runpy, sys
        from posewarper.fileio import atomic
        from posewarper.propagation import sparse_videos
        mode = sys.argv.pop(1)
        videos = []
        if mode == 'video':
            call = sparse_videos.FrameLoader.__call__
            def killing_call(self, idx):
                if self.video.name not in videos:
                    videos.append(self.video.name)
                if len(videos) == 2:
                    os._exit(9)
                return call(self, idx)
            sparse_videos.FrameLoader.__call__ = killing_call
        else:
            replace = os.replace
            def killing_replace(src, dst):
                if dst == {str(out)!r}:
                    os._exit(9)
                return replace(src, dst)
            atomic.os.replace = killing_replace  # the rename of every atomic write
        sys.argv = ['tools/propagate.py'] + sys.argv[1:]
        runpy.run_path({str(REPO_ROOT / 'tools' / 'propagate.py')!r}, run_name='__main__')
    '''))
    run = subprocess.run([sys.executable, str(driver), 'video'] + args, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 9, run.stderr[-2000:]
    assert files_under(out.parent) == ['copy.json.parts', 'copy.json.parts/000001_synth.json']

    run = subprocess.run([sys.executable, str(driver), 'output'] + args, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 9, run.stderr[-2000:]
    left = files_under(out.parent)
    assert 'copy.json' not in left and 'copy.json.parts/000002_synth.json' in left
    assert any(n.startswith('.copy.json.') for n in left)  # the interrupted write

    assert load_tool('propagate').main(args) == 0
    assert files_under(out.parent) == ['copy.json', 'v', 'v/000001_synth.json',
                                       'v/000002_synth.json']
    assert len(load_json(out)['images']) == 30
