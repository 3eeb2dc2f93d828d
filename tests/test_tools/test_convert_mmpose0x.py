"""tools/convert_mmpose0x.py: safe loading, atomic output, key report against a config."""
import argparse
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from posewarper.utils.mmpose0x import NECK_TO_HEAD
from tests.helpers.scripts import load_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_BASE = REPO_ROOT / 'configs' / 'tiny' / '_base_'


def _load_tool():
    return load_tool('convert_mmpose0x')


tool = _load_tool()


@pytest.fixture(scope='module')
def posewarper_config(tmp_path_factory) -> Path:
    """A config whose model is the tiny PoseWarper (independent of the configs being written)."""
    path = tmp_path_factory.mktemp('cfg') / 'posewarper_tiny.py'
    path.write_text(f"""\
_base_ = [{str(TINY_BASE / 'hrnet-tiny_128x96.py')!r}]
default_scope = 'mmpose'
custom_imports = dict(imports=['posewarper'], allow_failed_imports=False)
model = dict(type='PoseWarper', backbone=_base_.backbone, head=_base_.posewarper_head)
""")
    return path


def to_mmpose0x_keys(state: dict) -> OrderedDict:
    """Our state dict under MMPose 0.x's names (``head.<warp part>`` -> ``neck.*``)."""
    old = OrderedDict()
    for key, value in state.items():
        for old_prefix, new_prefix in NECK_TO_HEAD.items():
            if key.startswith(new_prefix):
                key = old_prefix + key[len(new_prefix):]
                break
        old[key] = value
    return old


@pytest.fixture(scope='module')
def mmpose0x_checkpoint(tmp_path_factory, posewarper_config) -> Path:
    """An MMPose 0.x-style stage-2 checkpoint: neck.* keys, an empty keypoint_head, meta and
    optimizer, made from the tiny PoseWarper's own state dict."""
    ours = tool.model_state_dict(str(posewarper_config))
    old = to_mmpose0x_keys(ours)
    path = tmp_path_factory.mktemp('ckpt') / 'posewarper_0x.pth'
    torch.save(
        dict(
            state_dict=old,
            meta=dict(mmpose_version='0.29.0', epoch=20, config='...'),
            optimizer=dict(state={}, param_groups=[dict(lr=1e-3, params=[0, 1])])), path)
    return path


def test_convert_with_config_strict(mmpose0x_checkpoint, posewarper_config, tmp_path, capsys):
    out = tmp_path / 'sub' / 'posewarper_converted.pth'
    code = tool.main([str(mmpose0x_checkpoint), str(out), '--config', str(posewarper_config),
                      '--strict'])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert 'renamed  neck.trans_layer.weight -> head.final_layer.weight' in printed
    assert ' 0 missing, 0 unexpected, 0 shape mismatches' in printed
    converted = torch.load(out, map_location='cpu', weights_only=True)
    assert set(converted) == {'state_dict', 'meta'}  # the 0.x optimizer state is dropped
    assert converted['meta']['epoch'] == 20
    assert converted['meta']['converted_from'] == dict(
        format='mmpose0x', file='posewarper_0x.pth')
    assert 'head.final_layer.weight' in converted['state_dict']
    assert not any(k.startswith('neck.') for k in converted['state_dict'])
    # atomic write: nothing but the output is left in its folder
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_strict_fails_on_mismatch(mmpose0x_checkpoint, posewarper_config, tmp_path, capsys):
    ckpt = torch.load(mmpose0x_checkpoint, weights_only=True)
    del ckpt['state_dict']['neck.trans_layer.bias']
    ckpt['state_dict']['neck.extra.weight'] = torch.zeros(1)
    src = tmp_path / 'broken.pth'
    torch.save(ckpt, src)
    code = tool.main([str(src), str(tmp_path / 'out.pth'), '--config', str(posewarper_config),
                      '--strict'])
    printed = capsys.readouterr().out
    assert code == 1
    assert 'missing  head.final_layer.bias' in printed
    assert 'unexpected  neck.extra.weight' in printed


def test_refuses_unsafe_pickle_unless_trusted(tmp_path, capsys):
    src = tmp_path / 'unsafe.pth'
    torch.save(dict(state_dict={'keypoint_head.final_layer.weight': torch.ones(1)},
                    meta=dict(args=argparse.Namespace(lr=1))), src)
    assert tool.main([str(src), str(tmp_path / 'out.pth')]) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'unsafe.pth' in err and 'argparse.Namespace' in err
    assert '--trust-pickle' in err and 'weights_only' not in err
    assert not (tmp_path / 'out.pth').exists()
    assert tool.main([str(src), str(tmp_path / 'out.pth'), '--trust-pickle']) == 0
    out = torch.load(tmp_path / 'out.pth', weights_only=True)  # non-plain meta was dropped
    assert list(out['state_dict']) == ['head.final_layer.weight']
    assert 'args' not in out['meta']


@pytest.mark.parametrize('content', [b'', b'not a checkpoint', None])
def test_corrupt_file_is_not_offered_trust_pickle(tmp_path, capsys, content):
    src = tmp_path / 'bad.pth'
    if content is None:  # a real checkpoint cut in half
        torch.save(dict(state_dict={'backbone.w': torch.ones(100)}), src)
        content = src.read_bytes()[:200]
    src.write_bytes(content)
    assert tool.main([str(src), str(tmp_path / 'out.pth')]) == 1
    err = capsys.readouterr().err
    assert f'not a checkpoint (corrupt or truncated): {src}' in err
    assert '--trust-pickle' not in err and 'Traceback' not in err
    assert not (tmp_path / 'out.pth').exists()


W48_STAGE2 = (REPO_ROOT / 'configs' / 'posewarper' /
              'posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py')


def test_convert_w48_stage2_names_and_shapes(tmp_path, capsys):
    """The released file's layout: HRNet-W48 + PoseWarperNeck (trans_layer 48 -> 17, 20 residual
    blocks, 5 offset and deformable convs) converts onto our W48 stage-2 config without a single
    missing, unexpected or mis-shaped key."""
    ours = tool.model_state_dict(str(W48_STAGE2))
    old = to_mmpose0x_keys(ours)
    assert old['neck.trans_layer.weight'].shape == (17, 48, 1, 1)
    assert old['neck.offset_layers.4.weight'].shape == (2 * 17 * 9, 128, 3, 3)
    assert 'neck.offset_feats.19.conv2.weight' in old
    assert old['neck.deform_conv_layers.0.weight'].shape == (17, 17, 3, 3)
    src = tmp_path / 'hrnet_w48_posetrack18_384x288_posewarper_stage2.pth'
    torch.save(dict(state_dict=old, meta=dict(epoch=20)), src)
    del ours, old
    out = tmp_path / 'posewarper_stage2_mmpose1x.pth'
    code = tool.main([str(src), str(out), '--config', str(W48_STAGE2), '--strict'])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert ' 0 missing, 0 unexpected, 0 shape mismatches' in printed


def test_convert_w48_official_final_state(tmp_path, capsys):
    """The official final_state.pth (2,010 keys written out from the official architecture, no
    prefix, no meta) converts onto our W48 stage-2 config with nothing missing, unexpected or
    mis-shaped; the output loads strictly."""
    from posewarper.utils import load_pose_weights
    from tests.helpers.official_layout import official_state_dict
    state, _ = official_state_dict()
    src = tmp_path / 'final_state.pth'
    torch.save(state, src)
    out = tmp_path / 'posewarper_stage2_from_official.pth'
    code = tool.main([str(src), str(out), '--config', str(W48_STAGE2), '--strict'])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert 'official layout: 2010 keys renamed, 0 kept, 0 dropped' in printed
    assert 'renamed  offsets1.weight -> head.offset_layers.0.weight' in printed
    assert ' 2010 mapped, 0 missing, 0 unexpected, 0 shape mismatches' in printed
    converted = torch.load(out, map_location='cpu', weights_only=True)
    assert converted['meta']['converted_from'] == dict(format='official', file='final_state.pth')
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    model = MODELS.build(Config.fromfile(str(W48_STAGE2)).model)
    load_pose_weights(model, str(out))
    assert float(model.head.final_layer.weight[0, 0, 0, 0]) == \
        list(state).index('final_layer.weight')
