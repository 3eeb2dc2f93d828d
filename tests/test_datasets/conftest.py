"""Fixtures writing small PoseTrack18-format data into ``tmp_path`` (``tests.helpers.pt18``)."""
import json
import shutil
from pathlib import Path
from typing import Callable, Dict

import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope

from tests.helpers.pt18 import write_posetrack18


@pytest.fixture(autouse=True)
def mmpose_scope():
    """Build pipeline configs from MMPose's registries, as a runner with
    ``default_scope='mmpose'`` does; the previous scope is restored afterwards."""
    with DefaultScope.overwrite_default_scope('mmpose'):
        yield


@pytest.fixture
def pt18_factory(tmp_path: Path) -> Callable[..., Dict]:
    """Factory writing synthetic PoseTrack18 data into a fresh ``tmp_path``."""
    return lambda **kwargs: write_posetrack18(tmp_path, **kwargs)


@pytest.fixture
def pt18_mini_copy(posetrack_mini: Path, tmp_path: Path) -> Dict:
    """The real PoseTrack18 sample with synthesised neighbours, copied into ``tmp_path``.

    The sample holds only frame ``000000`` of each video, so frames 1..4 are made by shifting it
    horizontally by 2 pixels per frame, and ``nframes`` is set to 5.
    """
    ann = json.loads((posetrack_mini / 'annotations' / 'test_posetrack18_val.json').read_text())
    nframes = 5
    for img in ann['images']:
        src = posetrack_mini / img['file_name']
        dst = tmp_path / img['file_name']
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dst)
        frame0 = cv2.imread(str(src))
        for idx in range(1, nframes):
            cv2.imwrite(str(dst.parent / f'{idx:06d}.jpg'), np.roll(frame0, 2 * idx, axis=1))
        img['nframes'] = nframes
    ann_file = tmp_path / 'annotations' / 'posetrack18_val.json'
    ann_file.parent.mkdir(parents=True, exist_ok=True)
    ann_file.write_text(json.dumps(ann))
    bbox_file = posetrack_mini / 'annotations' / 'test_posetrack18_human_detections.json'
    return dict(ann_file=str(ann_file), root=str(tmp_path), data=ann, bbox_file=str(bbox_file))
