"""Tests of the inferencer's outputs: written atomically, temporary files of killed runs swept."""
import os

import numpy as np

from posewarper.apis.inferencers.video_outputs import VideoOutputs


def _outputs(tmp_path) -> VideoOutputs:
    return VideoOutputs('clip', 10.0, str(tmp_path / 'preds'), str(tmp_path / 'vis'),
                        ['nose'] * 17)


def test_stale_temporary_video_of_a_killed_run_is_swept(tmp_path):
    (tmp_path / 'vis').mkdir()
    stale = tmp_path / 'vis' / '.clip.mp4.abc123.tmp.mp4'  # what a killed run leaves
    stale.write_bytes(b'half a video')
    other = tmp_path / 'vis' / 'other.mp4'
    other.write_bytes(b'not ours')
    outputs = _outputs(tmp_path)
    outputs.write_frame(np.zeros((32, 48, 3), np.uint8))
    assert not stale.exists() and other.exists()
    outputs.commit()
    assert sorted(os.listdir(tmp_path / 'vis')) == ['clip.mp4', 'other.mp4']
    assert sorted(os.listdir(tmp_path / 'preds')) == ['clip.json']


def test_an_abandoned_output_leaves_nothing(tmp_path):
    outputs = _outputs(tmp_path)
    outputs.write_frame(np.zeros((32, 48, 3), np.uint8))
    outputs.close()
    assert os.listdir(tmp_path / 'vis') == []
    assert not (tmp_path / 'preds').exists()
