"""A deformable convolution whose kernel comes from mmcv or torchvision.

mmcv's ``DeformConv2d`` is what MMPose's ``PoseWarperNeck`` and the official code use, but it
needs mmcv's compiled ops, and on CPU ``torchvision.ops.deform_conv2d`` was measured faster (see
``benchmarks/deform_conv.py``). Both consume the same weight (``out×in×kh×kw``) and the same
offset layout (``2·G·kh·kw`` channels, (dy, dx) interleaved per tap), so one module with one
``weight`` parameter can dispatch to either kernel while its state dict stays identical to
mmcv's module.
"""
import math
from typing import Tuple

import torch
import torch.nn as nn
from torch import Tensor

DEFORM_CONV_BACKENDS = ('auto', 'mmcv', 'torchvision')


def _mmcv_deform_conv2d():
    """Return mmcv's deformable conv function, or raise a clear error when its ops are missing."""
    try:
        from mmcv.ops import deform_conv2d
    except (ImportError, ModuleNotFoundError) as e:
        raise ImportError(
            "deform_conv_backend='mmcv' needs mmcv built with its ops (mmcv.ops could not be "
            f'imported: {e}). Run tools/setup_env.sh (it compiles mmcv 2.1.0 with ops), or set '
            "deform_conv_backend='torchvision' in the head config.") from e
    return deform_conv2d


def resolve_deform_conv_backend(backend: str, device: torch.device) -> str:
    """Pick the concrete kernel for ``backend`` on ``device``.

    ``'auto'`` follows ``benchmarks/deform_conv.py``: torchvision's kernel is faster for
    forward+backward on CPU, mmcv's (the official choice) is used on CUDA.
    """
    if backend not in DEFORM_CONV_BACKENDS:
        raise ValueError(f'deform_conv_backend must be one of {DEFORM_CONV_BACKENDS}, '
                         f'got {backend!r}')
    if backend != 'auto':
        return backend
    return 'mmcv' if device.type == 'cuda' else 'torchvision'


class DeformConv2d(nn.Module):
    """Bias-free 3×3 (or k×k) deformable convolution (DCNv1) with a selectable kernel.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        kernel_size (int): Kernel size k.
        dilation (int): Dilation d; padding is ``d·(k-1)/2`` so the output keeps the input size.
        deform_groups (int): Deformable groups G; the offset has ``2·G·k·k`` channels.
        backend (str): ``'auto'``, ``'mmcv'`` or ``'torchvision'``.
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
        backend = resolve_deform_conv_backend(self.backend, x.device)
        pad: Tuple[int, int] = (self.padding, self.padding)
        dil: Tuple[int, int] = (self.dilation, self.dilation)
        if backend == 'torchvision':
            from torchvision.ops import deform_conv2d
            return deform_conv2d(x, offset, self.weight, stride=1, padding=pad, dilation=dil)
        # mmcv asserts batch % im2col_step == 0: take the largest divisor within the budget.
        n = x.shape[0]
        step = max(d for d in range(1, max(1, min(n, self.im2col_step)) + 1) if n % d == 0)
        # mmcv's kernel rejects non-contiguous tensors (e.g. one frame sliced out of B×T×K×h×w)
        return _mmcv_deform_conv2d()(x.contiguous(), offset.contiguous(), self.weight, 1, pad,
                                     dil, 1, self.deform_groups, False, step)

    def extra_repr(self) -> str:
        return (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
                f'dilation={self.dilation}, padding={self.padding}, '
                f'deform_groups={self.deform_groups}, backend={self.backend!r}')
