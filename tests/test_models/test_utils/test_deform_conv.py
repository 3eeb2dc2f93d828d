import sys

import pytest
import torch

from posewarper.models.utils import DeformConv2d, resolve_deform_conv_backend


def test_auto_backend_per_device():
    assert resolve_deform_conv_backend('auto', torch.device('cpu')) == 'torchvision'
    assert resolve_deform_conv_backend('auto', torch.device('cuda')) == 'mmcv'
    assert resolve_deform_conv_backend('mmcv', torch.device('cpu')) == 'mmcv'
    with pytest.raises(ValueError, match='deform_conv_backend'):
        resolve_deform_conv_backend('nope', torch.device('cpu'))


@pytest.mark.parametrize('dilation,batch', [(1, 2), (3, 3), (6, 5)])
def test_mmcv_and_torchvision_agree_for_large_offsets(dilation, batch):
    """Same weights, same offsets: outputs and gradients (input, offset, weight) within 1e-4."""
    gen = torch.Generator().manual_seed(dilation)
    channels, groups = 6, 3
    conv = {b: DeformConv2d(channels, channels, 3, dilation=dilation, deform_groups=groups,
                            backend=b, im2col_step=4) for b in ('mmcv', 'torchvision')}
    conv['torchvision'].load_state_dict(conv['mmcv'].state_dict())
    x = torch.randn(batch, channels, 13, 11, generator=gen)
    # offsets of several pixels, many pointing outside the map: exercises bilinear + border code
    offset = 8 * torch.randn(batch, conv['mmcv'].offset_channels, 13, 11, generator=gen)
    grad_out = torch.randn(batch, channels, 13, 11, generator=gen)
    results = {}
    for name, module in conv.items():
        xi, oi = x.clone().requires_grad_(), offset.clone().requires_grad_()
        module.zero_grad()
        out = module(xi, oi)
        out.backward(grad_out)
        results[name] = (out.detach(), xi.grad, oi.grad, module.weight.grad.clone())
    for a, b in zip(results['mmcv'], results['torchvision']):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4), (a - b).abs().max()


def test_state_dict_keys_do_not_depend_on_backend():
    a = DeformConv2d(4, 4, 3, deform_groups=4, backend='mmcv')
    b = DeformConv2d(4, 4, 3, deform_groups=4, backend='torchvision')
    assert list(a.state_dict()) == list(b.state_dict()) == ['weight']


def test_identity_init_copies_input():
    conv = DeformConv2d(5, 5, 3, dilation=2, deform_groups=5, backend='torchvision')
    conv.init_identity()
    x = torch.rand(2, 5, 9, 7)
    assert torch.equal(conv(x, torch.zeros(2, conv.offset_channels, 9, 7)), x)


def test_bad_groups():
    with pytest.raises(ValueError, match='deform_groups'):
        DeformConv2d(5, 5, 3, deform_groups=2)


def test_mmcv_without_ops_gives_clear_error(monkeypatch):
    # mmcv-lite (or a build without MMCV_WITH_OPS) has no mmcv.ops: say what to do instead
    monkeypatch.setitem(sys.modules, 'mmcv.ops', None)
    with pytest.raises(ImportError, match="deform_conv_backend='torchvision'"):
        DeformConv2d(4, 4, 3, deform_groups=4, backend='mmcv')
    # the torchvision kernel does not need mmcv's ops
    conv = DeformConv2d(4, 4, 3, deform_groups=4, backend='torchvision')
    assert conv(torch.rand(1, 4, 5, 5), torch.zeros(1, 72, 5, 5)).shape == (1, 4, 5, 5)
