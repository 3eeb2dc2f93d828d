"""The pretrained tiny stage-1 checkpoints shipped with the demo (the 600-video one the default
fine-tunes, the 2000-video one trained to its plateau): their sidecars are true and they load
strictly.

Whether its weights are good is checked by the quick demo (``test_demo_quick``: a floor on the
single-frame AP after fine-tuning on a few generated frames).
"""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from posewarper.fileio import sha256_file
from posewarper.utils import load_pose_weights
from posewarper_demo import CONFIGS, PRETRAINED, config_file

SHIPPED = [PRETRAINED,
           osp.join(osp.dirname(PRETRAINED), 'hrnet-tiny_synthetic-pretrain2000.pth')]


@pytest.mark.parametrize('checkpoint', SHIPPED, ids=osp.basename)
def test_sidecar_matches_the_file(checkpoint):
    sidecar = json.loads(open(osp.splitext(checkpoint)[0] + '.json').read())
    assert sidecar['file'] == osp.basename(checkpoint)
    assert sidecar['sha256'] == sha256_file(checkpoint)
    assert sidecar['bytes'] == osp.getsize(checkpoint) <= 25 * 2**20
    # how to reproduce it: the commands, the commit, the data seeds and the score it had
    assert 'tools/train.py' in ' '.join(sidecar['commands'])
    assert len(sidecar['commit']) >= 40
    assert sidecar['data']['seed'] not in (0, 1, 2)
    assert 0 < sidecar['val_ap']['Total'] <= 100


@pytest.mark.parametrize('checkpoint', SHIPPED, ids=osp.basename)
def test_loads_strictly_into_the_tiny_stage1_config(checkpoint):
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(Config.fromfile(config_file(CONFIGS['stage1'])).model)
    checkpoint = load_pose_weights(model, checkpoint)  # raises on any missing or extra weight
    assert checkpoint['meta']['dataset_meta']['num_keypoints'] == 17
