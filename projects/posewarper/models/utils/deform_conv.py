"""A deformable convolution whose kernel comes from mmcv, torchvision or plain PyTorch.

mmcv's ``DeformConv2d`` is what MMPose's ``PoseWarperNeck`` and the official code use, but it
needs mmcv's compiled ops. All three kernels consume the same weight (``out×in×kh×kw``) and the
same offset layout (``2·G·kh·kw`` channels, (dy, dx) interleaved per tap), so one module with
one ``weight`` parameter can dispatch to any of them while its state dict stays identical to
mmcv's module.

Why a third kernel: on CPU the backward passes of mmcv's and torchvision's kernels are
per-sample im2col loops that ran at ~2 GFLOP/s here and dominated the training of small heads
(``benchmarks/deform_conv.py``). ``'pytorch'`` expresses DCNv1 as ``F.grid_sample`` (the
bilinear taps, zero outside the map, exactly as both kernels sample) followed by one matrix
product, whose vectorised backward is about 4x faster on CPU (its forward alone is slower than
torchvision's, so ``'auto'`` uses it only when gradients flow); nobody ships that.
"""
import functools
import math
import warnings
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

DEFORM_CONV_BACKENDS = ('auto', 'mmcv', 'torchvision', 'pytorch')


def _mmcv_deform_conv2d():
    """Return mmcv's deformable conv function, or raise a clear error when its ops are missing."""
    try:
        from mmcv.ops import deform_conv2d
    except (ImportError, ModuleNotFoundError) as e:
        raise ImportError(
            "deform_conv_backend='mmcv' needs mmcv built with its ops (mmcv.ops could not be "
            f'imported: {e}). Run tools/setup_env.sh (it compiles mmcv 2.1.0 with ops), or set '
            "deform_conv_backend='pytorch' (or 'torchvision') in the head config.") from e
    return deform_conv2d


@functools.lru_cache(maxsize=None)
def mmcv_cuda_ops_missing() -> Optional[str]:
    """Why mmcv's deformable conv cannot run on CUDA here, or None when it can.

    A CPU-only build of mmcv imports fine on a GPU machine and fails only inside the first
    forward pass ("not compiled with GPU support"); its compiled ``_ext`` says so up front.
    """
    try:
        from mmcv.ops import get_compiling_cuda_version
        cuda = get_compiling_cuda_version()
    except (ImportError, ModuleNotFoundError) as e:
        return f'mmcv.ops could not be imported ({e})'
    if not cuda or cuda == 'not available':
        return 'mmcv was built without its CUDA ops (set FORCE_CUDA=1 when building it)'
    return None


@functools.lru_cache(maxsize=None)
def _warn_cuda_fallback(reason: str, fallback: str) -> None:
    # lru_cache: once per process and reason, not at every forward pass
    warnings.warn(f"deform_conv_backend='auto' uses {fallback!r} on CUDA: {reason}",
                  stacklevel=3)


def resolve_deform_conv_backend(backend: str, device: torch.device,
                                needs_grad: bool = True) -> str:
    """Pick the concrete kernel for ``backend`` on ``device``.

    ``'auto'`` follows ``benchmarks/deform_conv.py``: on CUDA mmcv's kernel (the official
    choice), or torchvision's with a one-time warning when mmcv has no CUDA ops
    (:func:`mmcv_cuda_ops_missing`); on CPU the grid-sample kernel when a backward pass follows
    (about 4x faster forward+backward there), torchvision's for inference (its forward alone is
    about 2x faster).

    Args:
        backend (str): One of :data:`DEFORM_CONV_BACKENDS`.
        device (torch.device): Where the inputs live.
        needs_grad (bool): Whether gradients will flow through the convolution.
    """
    if backend not in DEFORM_CONV_BACKENDS:
        raise ValueError(f'deform_conv_backend must be one of {DEFORM_CONV_BACKENDS}, '
                         f'got {backend!r}')
    if backend != 'auto':
        return backend
    if device.type == 'cuda':
        reason = mmcv_cuda_ops_missing()
        if reason is None:
            return 'mmcv'
        _warn_cuda_fallback(reason, 'torchvision')
        return 'torchvision'
    return 'pytorch' if needs_grad else 'torchvision'


def grid_sample_deform_conv2d(x: Tensor, offset: Tensor, weight: Tensor, padding: int,
                              dilation: int, deform_groups: int) -> Tensor:
    """DCNv1 (stride 1, no bias) as one ``F.grid_sample`` and one matrix product.

    Tap ``(i, j)`` of output pixel ``(y, x)`` samples input channel ``c`` (deformable group
    ``g = c // (C_in / G)``) at ``(y - p + i·d + dy, x - p + j·d + dx)`` bilinearly, with zeros
    outside the map, as mmcv's and torchvision's kernels do; the results agree up to float
    rounding (where a sample lies within rounding of a pixel line, the offset gradient, which
    jumps there, may take the other side's value).

    Args:
        x (Tensor): ``(N, C_in, H, W)``.
        offset (Tensor): ``(N, 2·G·kh·kw, H, W)``, (dy, dx) per tap, taps row-major per group.
        weight (Tensor): ``(C_out, C_in, kh, kw)``.
        padding (int): Zero padding p (the output keeps the input size).
        dilation (int): Dilation d.
        deform_groups (int): G.

    Returns:
        Tensor: ``(N, C_out, H, W)``.
    """
    n, c, h, w = x.shape
    out_channels, _, kh, kw = weight.shape
    taps, g = kh * kw, deform_groups
    # Sampling positions and the bilinear sampling stay in fp32 (fp64 for fp64 inputs) under
    # autocast or for half inputs: fp16 resolves 0.06 px at 96 px, bf16 only 0.5 px. Only the
    # matrix product runs in the reduced type.
    pos = torch.float64 if x.dtype == torch.float64 else torch.float32
    off = offset.to(pos).view(n, g, taps, 2, h, w)
    ky, kx = torch.meshgrid(torch.arange(kh, device=x.device, dtype=pos),
                            torch.arange(kw, device=x.device, dtype=pos), indexing='ij')
    rows = torch.arange(h, device=x.device, dtype=pos).view(1, 1, 1, h, 1)
    cols = torch.arange(w, device=x.device, dtype=pos).view(1, 1, 1, 1, w)
    ys = rows - padding + dilation * ky.reshape(1, 1, taps, 1, 1) + off[:, :, :, 0]
    xs = cols - padding + dilation * kx.reshape(1, 1, taps, 1, 1) + off[:, :, :, 1]
    # Sample from a zero-padded canvas whose spans (size - 1) are powers of two: mapping pixel
    # positions to grid_sample's [-1, 1] and back is then exact for integer positions, so zero
    # offsets with an identity kernel copy the input bit for bit (the untrained warp).
    span_h = 1 << (max(h - 1, 1) - 1).bit_length()
    span_w = 1 << (max(w - 1, 1) - 1).bit_length()
    canvas = F.pad(x.to(pos), (0, span_w + 1 - w, 0, span_h + 1 - h))
    grid = torch.stack((xs * (2.0 / span_w) - 1, ys * (2.0 / span_h) - 1), -1)
    sampled = F.grid_sample(
        canvas.reshape(n * g, c // g, span_h + 1, span_w + 1), grid.view(n * g, taps * h, w, 2),
        mode='bilinear', padding_mode='zeros', align_corners=True)  # (N·G, C_in/G, taps·H, W)
    columns = sampled.view(n, c * taps, h * w).to(weight.dtype)
    out = torch.matmul(weight.reshape(out_channels, c * taps), columns)
    return out.view(n, out_channels, h, w)


class DeformConv2d(nn.Module):
    """Bias-free 3×3 (or k×k) deformable convolution (DCNv1) with a selectable kernel.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        kernel_size (int): Kernel size k.
        dilation (int): Dilation d; padding is ``d·(k-1)/2`` so the output keeps the input size.
        deform_groups (int): Deformable groups G; the offset has ``2·G·k·k`` channels.
        backend (str): ``'auto'``, ``'mmcv'``, ``'torchvision'`` or ``'pytorch'``.
        im2col_step (int): mmcv's batch chunk for im2col; reduced to a divisor of the batch size
            at run time, because mmcv asserts that the batch is divisible by it.

    Shape:
        - x: ``(N, C_in, H, W)``; offset: ``(N, 2·G·k·k, H, W)``; output: ``(N, C_out, H, W)``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 dilation: int = 1,
                 deform_groups: int = 1,
                 backend: str = 'auto',
                 im2col_step: int = 80) -> None:
        super().__init__()
        resolve_deform_conv_backend(backend, torch.device('cpu'))  # validate the name early
        if in_channels % deform_groups:
            raise ValueError(f'in_channels ({in_channels}) must be divisible by deform_groups '
                             f'({deform_groups})')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = dilation * (kernel_size - 1) // 2
        self.deform_groups = deform_groups
        self.backend = backend
        self.im2col_step = im2col_step
        self.weight = nn.Parameter(
            torch.empty(out_channels, in_channels, kernel_size, kernel_size))
        self.reset_parameters()
        if backend == 'mmcv':
            _mmcv_deform_conv2d()  # fail at build time, not at the first forward

    def reset_parameters(self) -> None:
        """Uniform init as ``torch.nn.Conv2d`` and mmcv do; PoseWarperHead overrides it."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def init_identity(self) -> None:
        """Make the convolution copy channel c to channel c (needs ``in == out``)."""
        if self.in_channels != self.out_channels:
            raise ValueError('identity init needs in_channels == out_channels, got '
                             f'{self.in_channels} and {self.out_channels}')
        centre = self.kernel_size // 2
        with torch.no_grad():
            self.weight.zero_()
            idx = torch.arange(self.out_channels)
            self.weight[idx, idx, centre, centre] = 1.0

    @property
    def offset_channels(self) -> int:
        return 2 * self.deform_groups * self.kernel_size * self.kernel_size

    def forward(self, x: Tensor, offset: Tensor) -> Tensor:
        needs_grad = torch.is_grad_enabled() and (
            x.requires_grad or offset.requires_grad or self.weight.requires_grad)
        backend = resolve_deform_conv_backend(self.backend, x.device, needs_grad)
        pad: Tuple[int, int] = (self.padding, self.padding)
        dil: Tuple[int, int] = (self.dilation, self.dilation)
        if backend == 'pytorch':
            return grid_sample_deform_conv2d(x, offset, self.weight, self.padding, self.dilation,
                                             self.deform_groups)
        if torch.is_autocast_enabled(x.device.type):
            # The compiled kernels compute sampling positions in their input type, which under
            # autocast would be fp16 (0.06 px steps at 96 px) or bf16 (0.5 px): run them in fp32
            # and return the input's type, torchvision's own autocast policy for this op (which
            # it registers for CUDA only). The grid-sample kernel handles this itself.
            with torch.autocast(x.device.type, enabled=False):
                out = self._compiled(backend, x.float(), offset.float(), self.weight.float(),
                                     pad, dil)
            return out.to(x.dtype)
        return self._compiled(backend, x, offset, self.weight, pad, dil)

    def _compiled(self, backend: str, x: Tensor, offset: Tensor, weight: Tensor,
                  pad: Tuple[int, int], dil: Tuple[int, int]) -> Tensor:
        """torchvision's or mmcv's kernel."""
        if backend == 'torchvision':
            from torchvision.ops import deform_conv2d
            return deform_conv2d(x, offset, weight, stride=1, padding=pad, dilation=dil)
        # mmcv asserts batch % im2col_step == 0: take the largest divisor within the budget.
        n = x.shape[0]
        step = max(d for d in range(1, max(1, min(n, self.im2col_step)) + 1) if n % d == 0)
        # mmcv's kernel rejects non-contiguous tensors (e.g. one frame sliced out of B×T×K×h×w)
        return _mmcv_deform_conv2d()(x.contiguous(), offset.contiguous(), weight, 1, pad, dil, 1,
                                     self.deform_groups, False, step)

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
                f'dilation={self.dilation}, padding={self.padding}, '
                f'deform_groups={self.deform_groups}, backend={self.backend!r}')
