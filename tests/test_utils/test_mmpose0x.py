"""posewarper.utils.mmpose0x: MMPose 0.x PoseWarper / top-down weights under 1.x names.

The 0.x state dicts are made from our own models by renaming keys the 0.x way (the released
weights cannot be downloaded here), so names *and* shapes are those 0.x would hold.
"""
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmpose.registry import MODELS

from posewarper.utils.mmpose0x import (NECK_TO_HEAD, convert_mmpose0x_state_dict,
                                       is_mmpose0x_state_dict, match_state_dict,
                                       mmpose0x_load_state_dict_pre_hook)

TINY_BASE = Path(__file__).resolve().parents[2] / 'configs' / 'tiny' / '_base_'


def _tiny() -> Config:
    return Config.fromfile(str(TINY_BASE / 'hrnet-tiny_128x96.py'))


def _build(head: str):
    import posewarper  # noqa: F401  (registers PoseWarper / PoseWarperHead)
    init_default_scope('mmpose')  # nested modules (data preprocessor) resolve in mmpose
    tiny = _tiny()
    if head == 'posewarper':
        cfg = dict(type='PoseWarper', backbone=tiny.backbone, head=tiny.posewarper_head)
    else:
        cfg = dict(type='TopdownPoseEstimator', backbone=tiny.backbone, head=tiny.heatmap_head)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    # distinct values everywhere, so a wrong mapping cannot go unnoticed
    with torch.no_grad():
        for i, t in enumerate(model.state_dict().values()):
            if t.is_floating_point():
                t.copy_(torch.randn_like(t) + i)
    return model


def to_mmpose0x_stage2(state_dict):
    """Our PoseWarper keys -> MMPose 0.x PoseWarper keys (the inverse of the converter)."""
    out = OrderedDict()
    for key, value in state_dict.items():
        for old, new in NECK_TO_HEAD.items():
            if key.startswith(new):
                key = old + key[len(new):]
                break
        out[key] = value
    return out


def to_mmpose0x_stage1(state_dict):
    return OrderedDict(
        (('keypoint_head.' + k[len('head.'):]) if k.startswith('head.') else k, v)
        for k, v in state_dict.items())


@pytest.fixture(scope='module')
def posewarper_model():
    return _build('posewarper')


@pytest.fixture(scope='module')
def stage1_model():
    return _build('heatmap')


def test_stage2_keys_round_trip(posewarper_model):
    ours = posewarper_model.state_dict()
    old = to_mmpose0x_stage2(ours)
    # the reversed dict really looks like 0.x: trans_layer and neck.*, no head.*
    assert 'neck.trans_layer.weight' in old and 'neck.trans_layer.bias' in old
    assert old["neck.trans_layer.weight"].shape == (17, posewarper_model.head.in_channels, 1, 1)
    assert any(k.startswith('neck.offset_feats.0.downsample.') for k in old)
    assert any(k.startswith('neck.deform_conv_layers.') and k.endswith('.weight') for k in old)
    assert not any(k.startswith('head.') for k in old)
    assert is_mmpose0x_state_dict(old) and not is_mmpose0x_state_dict(ours)

    new, report = convert_mmpose0x_state_dict(old)
    assert list(new) == list(ours)
    assert all(torch.equal(new[key], value) for key, value in ours.items())
    assert new['head.final_layer.weight'] is old['neck.trans_layer.weight']  # no copies
    assert ('neck.trans_layer.weight', 'head.final_layer.weight') in report['renamed']
    assert all(k.startswith('backbone.') for k in report['kept'])
    assert report['dropped'] == []
    # loads strictly into a fresh model
    fresh = _build('posewarper')
    fresh.load_state_dict(new, strict=True)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, ours[key]), key


def test_stage2_wrapped_checkpoint_with_keypoint_head_extras(posewarper_model):
    ours = posewarper_model.state_dict()
    old = to_mmpose0x_stage2(ours)
    # a 0.x stage-2 head with parameters (final_conv_kernel > 0) has no place in PoseWarperHead
    old['keypoint_head.final_layer.weight'] = torch.zeros(17, 17, 1, 1)
    old['keypoint_head.final_layer.bias'] = torch.zeros(17)
    ckpt = {'state_dict': OrderedDict(('module.' + k, v) for k, v in old.items()),
            'meta': {'mmpose_version': '0.29.0', 'epoch': 20}}
    new, report = convert_mmpose0x_state_dict(ckpt)
    assert sorted(report['dropped']) == [
        'module.keypoint_head.final_layer.bias', 'module.keypoint_head.final_layer.weight']
    assert list(new) == list(ours)
    assert report['kept'] == []  # every key lost its module. prefix
    match = match_state_dict(new, ours)
    assert match['missing'] == match['unexpected'] == match['shape_mismatch'] == []
    assert len(match['matched']) == len(ours)


def test_stage1_checkpoint(stage1_model):
    ours = stage1_model.state_dict()
    old = to_mmpose0x_stage1(ours)
    assert 'keypoint_head.final_layer.weight' in old
    new, report = convert_mmpose0x_state_dict({'state_dict': old, 'meta': {}})
    assert report['dropped'] == []
    assert ('keypoint_head.final_layer.weight', 'head.final_layer.weight') in report['renamed']
    assert list(new) == list(ours)
    assert all(torch.equal(new[k], v) for k, v in ours.items())


def test_already_converted_is_unchanged(posewarper_model):
    ours = posewarper_model.state_dict()
    new, report = convert_mmpose0x_state_dict(ours)
    assert list(new) == list(ours) and report['renamed'] == report['dropped'] == []


def test_conflicting_keys_raise():
    with pytest.raises(ValueError, match='both map to'):
        convert_mmpose0x_state_dict({
            'neck.trans_layer.weight': torch.zeros(1),
            'head.final_layer.weight': torch.zeros(1)
        })


def test_match_state_dict_reports_problems():
    model = {'a': torch.zeros(2), 'b': torch.zeros(3), 'c': torch.zeros(1)}
    loaded = {'a': torch.zeros(2), 'b': torch.zeros(4), 'd': torch.zeros(1)}
    match = match_state_dict(loaded, model)
    assert match == dict(
        matched=['a'], missing=['c'], unexpected=['d'], shape_mismatch=['b: (4,) vs (3,)'])


def test_load_state_dict_pre_hook(posewarper_model, tmp_path):
    """Registered on an estimator, the hook makes mmengine's load_checkpoint accept 0.x files."""
    ours = posewarper_model.state_dict()
    path = tmp_path / 'posewarper_0x.pth'
    torch.save({'state_dict': to_mmpose0x_stage2(ours), 'meta': {'epoch': 20}}, path)
    fresh = _build('posewarper')
    fresh._register_load_state_dict_pre_hook(mmpose0x_load_state_dict_pre_hook)
    load_checkpoint(fresh, str(path), map_location='cpu', strict=True)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, ours[key]), key
    # and leaves 1.x weights alone
    fresh.load_state_dict(ours, strict=True)


def test_stage1_checkpoint_fills_posewarper_stage1_part(stage1_model, posewarper_model):
    """A converted 0.x stage-1 file is the stage-2 load_from: it fills the backbone and the
    head's heatmap layer; only the warping layers are left to train."""
    new, _ = convert_mmpose0x_state_dict(to_mmpose0x_stage1(stage1_model.state_dict()))
    match = match_state_dict(new, posewarper_model.state_dict())
    assert match['unexpected'] == match['shape_mismatch'] == []
    assert 'head.final_layer.weight' in match['matched']
    assert match['missing'] and all(
        k.startswith(('head.offset_feats.', 'head.offset_layers.', 'head.deform_conv_layers.'))
        for k in match['missing'])
