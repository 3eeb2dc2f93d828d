"""The pretrained tiny stage 1 shipped with the demo: its sidecar is true and it loads strictly.

Whether its weights are good is checked by the quick demo (``test_demo_quick``: a floor on the
single-frame AP after fine-tuning on a few generated frames).
"""
import json
import os.path as osp

from mmengine.config import Config

from posewarper.fileio import sha256_file
from posewarper.utils import load_pose_weights
from posewarper_demo import CONFIGS, PRETRAINED, config_file

SIDECAR = osp.splitext(PRETRAINED)[0] + '.json'


def test_sidecar_matches_the_file():
    sidecar = json.loads(open(SIDECAR).read())
    assert sidecar['file'] == osp.basename(PRETRAINED)
    assert sidecar['sha256'] == sha256_file(PRETRAINED)
    assert sidecar['bytes'] == osp.getsize(PRETRAINED) <= 25 * 2**20
    # how to reproduce it: the commands, the commit, the data seeds and the score it had
    assert 'tools/train.py' in ' '.join(sidecar['commands'])
    assert len(sidecar['commit']) >= 40
    assert sidecar['data']['seed'] not in (0, 1, 2)
    assert 0 < sidecar['val_ap']['Total'] <= 100


def test_loads_strictly_into_the_tiny_stage1_config():
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(Config.fromfile(config_file(CONFIGS['stage1'])).model)
    checkpoint = load_pose_weights(model, PRETRAINED)  # raises on any missing or extra weight
    assert checkpoint['meta']['dataset_meta']['num_keypoints'] == 17
