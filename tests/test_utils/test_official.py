"""posewarper.utils.official: the official PoseWarper's ``final_state.pth`` layout.

The W48 state dict is written out from the official architecture (``tests/helpers/official_layout``,
2,010 keys), not derived from our models, so a wrong rule or a missing key shows. With
``POSEWARPER_OFFICIAL_REPO`` set to a checkout of the official code, the last test also checks
that list against the official model itself.
"""
import os
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS

from posewarper.utils import load_pose_weights
from posewarper.utils.official import (convert_official_state_dict, is_official_state_dict,
                                       official_load_state_dict_pre_hook, to_official_state_dict)
from tests.helpers.official_layout import official_keys, official_state_dict
from tests.helpers.scripts import load_script

REPO_ROOT = Path(__file__).resolve().parents[2]
STAGE2 = REPO_ROOT / 'configs' / 'posewarper' / \
    'posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py'
TINY_BASE = REPO_ROOT / 'configs' / 'tiny' / '_base_' / 'hrnet-tiny_128x96.py'


def _build(cfg: dict):
    import posewarper  # noqa: F401
    init_default_scope('mmpose')
    return MODELS.build(cfg)


@pytest.fixture(scope='module')
def w48_model():
    return _build(Config.fromfile(str(STAGE2)).model)


@pytest.fixture()
def tiny_model():
    tiny = Config.fromfile(str(TINY_BASE))
    torch.manual_seed(0)
    model = _build(dict(type='PoseWarper', backbone=tiny.backbone, head=tiny.posewarper_head))
    with torch.no_grad():  # distinct values everywhere
        for i, t in enumerate(model.state_dict().values()):
            if t.is_floating_point():
                t.copy_(torch.randn_like(t) + i)
    return model


def test_official_key_list():
    keys = official_keys()
    assert len(keys) == 2010
    assert sum(k.startswith(('offset_feats.', 'offsets', 'deform_conv')) for k in keys) == 256
    assert keys['offset_feats.0.downsample.0.weight'] == (128, 17, 1, 1)
    assert keys['offsets5.weight'] == (306, 128, 3, 3)
    assert keys['deform_conv1.weight'] == (17, 17, 3, 3)
    assert keys['final_layer.weight'] == (17, 48, 1, 1)
    params = sum(torch.Size(s).numel() for k, s in keys.items()
                 if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked')))
    assert params == 71_154_350  # HRNet-W48 + final layer 63,595,745, warping part 7,558,605


def test_w48_official_state_dict_loads_strictly_through_the_one_loader(w48_model):
    state, values = official_state_dict()
    assert is_official_state_dict(state)
    load_pose_weights(w48_model, state, name='final_state.pth')
    ours = w48_model.state_dict()
    converted, report = convert_official_state_dict(state)
    assert len(report['renamed']) == 2010 and report['kept'] == report['dropped'] == []
    assert list(converted) == list(ours)  # same keys, same module order
    for (key, value), expected in zip(converted.items(), values):
        assert float(ours[key].flatten()[0]) == expected, key
    assert ('offsets1.weight', 'head.offset_layers.0.weight') in report['renamed']
    assert ('deform_conv5.weight', 'head.deform_conv_layers.4.weight') in report['renamed']
    assert ('stage4.2.fuse_layers.0.3.0.weight',
            'backbone.stage4.2.fuse_layers.0.3.0.weight') in report['renamed']


def test_w48_official_checkpoint_file_with_module_prefix(w48_model, tmp_path):
    """The official checkpoint.pth: the DataParallel state dict (``module.``) under
    ``state_dict``, next to the optimizer state."""
    state, _ = official_state_dict()
    path = tmp_path / 'checkpoint.pth'
    torch.save(dict(epoch=20, model='pose_hrnet', perf=0.0,
                    state_dict={'module.' + k: v for k, v in state.items()}), path)
    load_pose_weights(w48_model, str(path))
    assert float(w48_model.head.deform_conv_layers[4].weight.detach()[0, 0, 0, 0]) == 2009.0


def test_missing_warp_key_is_refused(w48_model):
    state, _ = official_state_dict()
    del state['offsets3.weight']
    with pytest.raises(ValueError, match=r'1 weight\(s\) of the model are missing '
                                         r'\(head\.offset_layers\.2\.weight\)'):
        load_pose_weights(w48_model, state, name='final_state.pth')


def test_round_trip_and_detection(tiny_model):
    ours = tiny_model.state_dict()
    theirs = to_official_state_dict(ours)
    assert 'offsets1.weight' in theirs and 'deform_conv1.weight' in theirs
    assert not any(k.startswith(('backbone.', 'head.')) for k in theirs)
    assert is_official_state_dict(theirs) and not is_official_state_dict(ours)
    back, report = convert_official_state_dict(theirs)
    assert list(back) == list(ours) and all(back[k] is theirs[old] for old, k in report['renamed'])
    # converting our own keys changes nothing
    same, report = convert_official_state_dict(ours)
    assert list(same) == list(ours) and report['renamed'] == []


def test_load_from_takes_official_files(tiny_model, tmp_path):
    """PoseWarper registers the hook, so mmengine's load_checkpoint (``load_from``) loads an
    official final_state.pth as it is."""
    ours = tiny_model.state_dict()
    path = tmp_path / 'final_state.pth'
    torch.save(to_official_state_dict(ours), path)
    tiny = Config.fromfile(str(TINY_BASE))
    fresh = _build(dict(type='PoseWarper', backbone=tiny.backbone, head=tiny.posewarper_head))
    load_checkpoint(fresh, str(path), map_location='cpu', strict=True)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, ours[key]), key


def test_hook_leaves_other_layouts_alone(tiny_model):
    state = dict(tiny_model.state_dict())
    before = list(state)
    official_load_state_dict_pre_hook(state, '')
    assert list(state) == before


def test_conflicting_keys_raise():
    with pytest.raises(ValueError, match='both map to'):
        convert_official_state_dict({'conv1.weight': torch.zeros(1),
                                     'module.conv1.weight': torch.zeros(1)})


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get('POSEWARPER_OFFICIAL_REPO'),
                    reason='POSEWARPER_OFFICIAL_REPO (a checkout of the official code) not set')
def test_key_list_is_the_official_models():
    """The written-out key list against the official model of the checkout (imported as
    benchmarks/official_parity.py does)."""
    parity = load_script('benchmarks/official_parity.py')
    modules, cfg = parity.load_official(os.environ['POSEWARPER_OFFICIAL_REPO'])
    theirs = parity.build_official(modules, cfg, 'training').state_dict()
    assert {k: tuple(v.shape) for k, v in theirs.items()} == dict(official_keys())
