"""The checkpoints shipped with the demo: the pretrained tiny stage-1 models (the 2000-video one the
default fine-tunes, trained to its plateau, and the earlier 600-video one) and the tiny PoseWarper
trained on the first (the default's stage-2 start): their sidecars are true and they load strictly.

Whether its weights are good is checked by the quick demo (``test_demo_quick``: a floor on the
single-frame AP after fine-tuning on a few generated frames).
"""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from posewarper.fileio import sha256_file
from posewarper.utils import load_pose_weights
from posewarper_demo import CONFIGS, PRETRAINED, STAGE2_PRETRAINED, config_file

STAGE1 = [PRETRAINED, osp.join(osp.dirname(PRETRAINED), 'hrnet-tiny_synthetic-pretrain.pth')]
SHIPPED = STAGE1 + [STAGE2_PRETRAINED]


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


@pytest.mark.parametrize('checkpoint, stage', [(c, 'stage1') for c in STAGE1]
                         + [(STAGE2_PRETRAINED, 'posewarper')], ids=lambda v: osp.basename(v))
def test_loads_strictly_into_its_tiny_config(checkpoint, stage):
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(Config.fromfile(config_file(CONFIGS[stage])).model)
    checkpoint = load_pose_weights(model, checkpoint)  # raises on any missing or extra weight
    assert checkpoint['meta']['dataset_meta']['num_keypoints'] == 17
