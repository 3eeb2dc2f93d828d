import sys
import warnings

import pytest
import torch

from posewarper.models.utils import DeformConv2d, deform_conv, resolve_deform_conv_backend


def test_auto_backend_per_device(monkeypatch):
    monkeypatch.setattr(deform_conv, 'mmcv_cuda_ops_missing', lambda: None)
    assert resolve_deform_conv_backend('auto', torch.device('cpu')) == 'pytorch'
    assert resolve_deform_conv_backend('auto', torch.device('cpu'), needs_grad=False) == \
        'torchvision'
    assert resolve_deform_conv_backend('auto', torch.device('cuda')) == 'mmcv'
    assert resolve_deform_conv_backend('mmcv', torch.device('cpu')) == 'mmcv'
    with pytest.raises(ValueError, match='deform_conv_backend'):
        resolve_deform_conv_backend('nope', torch.device('cpu'))


def test_auto_falls_back_once_without_mmcv_cuda_ops(monkeypatch):
    """A CPU-only mmcv on a GPU machine: 'auto' picks torchvision and says why, once."""
    reason = 'mmcv was built without its CUDA ops (simulated)'
    monkeypatch.setattr(deform_conv, 'mmcv_cuda_ops_missing', lambda: reason)
    deform_conv._warn_cuda_fallback.cache_clear()
    with pytest.warns(UserWarning, match='uses .torchvision. on CUDA: mmcv was built without'):
        assert resolve_deform_conv_backend('auto', torch.device('cuda')) == 'torchvision'
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # the second call is silent
        assert resolve_deform_conv_backend('auto', torch.device('cuda')) == 'torchvision'
    # an explicit choice is respected (and fails at build time if mmcv cannot run it)
    assert resolve_deform_conv_backend('mmcv', torch.device('cuda')) == 'mmcv'


def test_this_mmcv_build_is_diagnosed():
    reason = deform_conv.mmcv_cuda_ops_missing()
    from mmcv.ops import get_compiling_cuda_version
    assert (reason is None) == (get_compiling_cuda_version() != 'not available')


@pytest.mark.parametrize('other', ['torchvision', 'pytorch'])
@pytest.mark.parametrize('dilation,batch,size', [(1, 2, (13, 11)), (3, 3, (13, 11)),
                                                 (6, 5, (13, 11)), (3, 2, (34, 27))])
def test_backends_agree_with_mmcv_for_large_offsets(other, dilation, batch, size, device):
    """Same weights, same offsets: outputs and gradients (input, offset, weight) within 1e-4."""
    gen = torch.Generator().manual_seed(dilation)
    channels, groups = 6, 3
    conv = {b: DeformConv2d(channels, channels, 3, dilation=dilation, deform_groups=groups,
                            backend=b, im2col_step=4) for b in ('mmcv', other)}
    conv[other].load_state_dict(conv['mmcv'].state_dict())
    x = torch.randn(batch, channels, *size, generator=gen)
    # offsets of several pixels, many pointing outside the map: exercises bilinear + border code.
    # Their fractional parts stay 0.01 away from pixel lines, where the offset gradient jumps and
    # the kernels' float rounding may pick either side.
    shape = (batch, conv['mmcv'].offset_channels, *size)
    offset = (torch.randint(-12, 12, shape, generator=gen) + 0.01 +
              0.98 * torch.rand(shape, generator=gen))
    grad_out = torch.randn(batch, channels, *size, generator=gen)
    results = {}
    for name, module in conv.items():
        module.to(device)
        xi = x.to(device).requires_grad_()
        oi = offset.to(device).requires_grad_()
        module.zero_grad()
        out = module(xi, oi)
        out.backward(grad_out.to(device))
        results[name] = (out.detach(), xi.grad, oi.grad, module.weight.grad.clone())
    for a, b in zip(results['mmcv'], results[other]):
        assert a.device.type == device.type
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4), (a - b).abs().max()


def test_state_dict_keys_do_not_depend_on_backend():
    keys = [list(DeformConv2d(4, 4, 3, deform_groups=4, backend=b).state_dict())
            for b in ('mmcv', 'torchvision', 'pytorch')]
    assert keys == [['weight']] * 3


@pytest.mark.parametrize('backend', ['mmcv', 'torchvision', 'pytorch'])
@pytest.mark.parametrize('size', [(9, 7), (96, 72), (5, 5)])
def test_identity_init_copies_input(backend, size, device):
    conv = DeformConv2d(5, 5, 3, dilation=2, deform_groups=5, backend=backend).to(device)
    conv.init_identity()
    x = torch.rand(2, 5, *size, device=device)
    assert torch.equal(conv(x, torch.zeros(2, conv.offset_channels, *size, device=device)), x)


def test_pytorch_backend_grouped_channels_match_mmcv(device):
    # 2 channels per deformable group: channel c must follow the offsets of group c // 2
    gen = torch.Generator().manual_seed(0)
    conv = {b: DeformConv2d(4, 4, 3, deform_groups=2, backend=b)
            for b in ('mmcv', 'pytorch')}
    conv['pytorch'].load_state_dict(conv['mmcv'].state_dict())
    x = torch.randn(2, 4, 8, 6, generator=gen).to(device)
    offset = (torch.randint(-3, 3, (2, 36, 8, 6), generator=gen) + 0.25).to(device)
    out = {b: c.to(device)(x, offset) for b, c in conv.items()}
    assert torch.allclose(out['mmcv'], out['pytorch'], atol=1e-5)


@pytest.mark.parametrize('backend', ['mmcv', 'torchvision', 'pytorch'])
def test_autocast_keeps_sampling_positions_in_fp32(backend, device):
    """Under autocast (fp16 on CUDA, bf16 on the CPU) the warp stays close to the fp32 one.

    Offsets exactly representable in both types, on a 96×72 map of σ = 3 px blobs: only the
    rounding of values to the autocast type remains (≤ 2e-3 / 1.6e-2), while sampling positions
    computed in that type would be off by up to 0.03 px (fp16) or 0.25 px (bf16) at rows near
    100, i.e. 6e-3 / 5e-2 in value.
    """
    dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    gen = torch.Generator().manual_seed(0)
    conv = DeformConv2d(17, 17, 3, dilation=3, deform_groups=17, backend=backend).to(device)
    conv.init_identity()  # the output is the input resampled at the offsets
    rows, cols = torch.meshgrid(torch.arange(96.0), torch.arange(72.0), indexing='ij')
    blobs = torch.exp(-((rows % 12 - 6) ** 2 + (cols % 12 - 6) ** 2) / 18)
    x = blobs.expand(2, 17, 96, 72).contiguous()
    offset = 8 + torch.randint(0, 128, (2, conv.offset_channels, 96, 72), generator=gen) / 16
    x, offset = x.to(device).requires_grad_(), offset.to(device)
    ref = conv(x, offset)
    with torch.autocast(device.type, dtype=dtype):
        out = conv(x, offset.to(dtype))
    out.float().sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    tol = 2e-3 if dtype == torch.float16 else 1.6e-2
    assert (out.float() - ref).abs().max() <= tol, (out.float() - ref).abs().max()


def test_bad_groups():
    with pytest.raises(ValueError, match='deform_groups'):
        DeformConv2d(5, 5, 3, deform_groups=2)


def test_mmcv_without_ops_gives_clear_error(monkeypatch):
    # mmcv-lite (or a build without MMCV_WITH_OPS) has no mmcv.ops: say what to do instead
    monkeypatch.setitem(sys.modules, 'mmcv.ops', None)
    with pytest.raises(ImportError, match="deform_conv_backend='pytorch'"):
        DeformConv2d(4, 4, 3, deform_groups=4, backend='mmcv')
    # neither the torchvision nor the pytorch kernel needs mmcv's ops
    for backend in ('torchvision', 'pytorch', 'auto'):
        conv = DeformConv2d(4, 4, 3, deform_groups=4, backend=backend)
        assert conv(torch.rand(1, 4, 5, 5), torch.zeros(1, 72, 5, 5)).shape == (1, 4, 5, 5)
