"""The official PoseWarper's model files, imported from a checkout and run on the CPU.

Used by ``official_parity.py`` beside it. The official modules import a CUDA ``deform_conv``
extension and call ``.cuda()``; :func:`official_runtime` stands in for both while they are
imported, built and run, so that no GPU and no compiled extension are needed. Nothing of the
official code is copied: it is read from the checkout the user gives.
"""
import contextlib
import importlib.util
import os.path as osp
import sys
import types
from typing import Dict, Iterator, Tuple

import torch
import torch.nn as nn

YAML = 'experiments/posetrack/hrnet/w48_384x288_adam_lr1e-4_PoseWarper_train.yaml'
MODULES = dict(pair='lib/models/pose_hrnet.py', aggregation='lib/models/pose_hrnet_PoseAgg.py')
HOW_TO_GET = ('needs a checkout of the official code: git clone '
              'https://github.com/facebookresearch/PoseWarper PATH, then --official-repo PATH')


class OfficialDeformConv(nn.Module):
    """Stand-in for the official CUDA ``DeformConv`` (DCNv1): its constructor arguments, its
    ``weight`` ``(C_out, C_in / groups, kh, kw)`` and ``forward(x, offset)``, computed by
    torchvision (deformable groups follow from the offset's channels)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, deformable_groups=1, bias=False):
        super().__init__()
        assert not bias and groups == 1
        k = nn.modules.utils._pair(kernel_size)
        self.stride, self.padding = nn.modules.utils._pair(stride), nn.modules.utils._pair(padding)
        self.dilation = nn.modules.utils._pair(dilation)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *k))
        nn.init.uniform_(self.weight, -(in_channels * k[0] * k[1])**-0.5,
                         (in_channels * k[0] * k[1])**-0.5)

    def forward(self, x, offset):
        from torchvision.ops import deform_conv2d
        return deform_conv2d(x, offset, self.weight, stride=self.stride, padding=self.padding,
                             dilation=self.dilation)


@contextlib.contextmanager
def official_runtime() -> Iterator[None]:
    """While the official modules are imported, built and run: our ``deform_conv`` module and
    ``.cuda()`` as a no-op (they call it on modules and tensors, CUDA or not)."""
    stub = types.ModuleType('deform_conv')
    stub.DeformConv = OfficialDeformConv
    saved = sys.modules.get('deform_conv'), nn.Module.cuda
    sys.modules['deform_conv'] = stub
    nn.Module.cuda = lambda self, *args, **kwargs: self
    torch.Tensor.cuda = lambda self, *args, **kwargs: self  # shadows torch._C.TensorBase's
    try:
        yield
    finally:
        nn.Module.cuda = saved[1]
        del torch.Tensor.cuda
        if saved[0] is None:
            sys.modules.pop('deform_conv', None)
        else:
            sys.modules['deform_conv'] = saved[0]


class OfficialCfg(dict):
    """The yacs node the official modules read, as ``cfg['A']['B']`` and ``cfg.A.B``."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as e:
            raise AttributeError(name) from e

    @classmethod
    def wrap(cls, value):
        return cls({k: cls.wrap(v) for k, v in value.items()}) if isinstance(value, dict) else value


def load_official(repo: str) -> Tuple[Dict[str, types.ModuleType], OfficialCfg]:
    """Import the two official model files from ``repo`` and read its stage-2 yaml."""
    import yaml
    missing = [p for p in list(MODULES.values()) + [YAML] if not osp.isfile(osp.join(repo, p))]
    if missing:
        raise FileNotFoundError(f'{repo} is not a PoseWarper checkout (no {missing[0]}); '
                                + HOW_TO_GET)
    modules = {}
    with official_runtime():
        for name, path in MODULES.items():
            spec = importlib.util.spec_from_file_location(f'official_{name}',
                                                          osp.join(repo, path))
            modules[name] = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(modules[name])
    with open(osp.join(repo, YAML)) as f:
        cfg = OfficialCfg.wrap(yaml.safe_load(f))
    return modules, cfg


def build_official(modules: dict, cfg: OfficialCfg, direction: str) -> nn.Module:
    """The official model of a direction, as the official scripts configure it."""
    model_cfg = dict(cfg['MODEL'], USE_WARPING_TRAIN=True, USE_WARPING_TEST=True,
                     USE_GT_INPUT_TRAIN=False, USE_GT_INPUT_TEST=direction == 'propagation',
                     WARPING_REVERSE=direction == 'propagation',
                     CYCLE_CONSISTENCY_FINETUNE=direction == 'cycle', PRETRAINED='')
    full = OfficialCfg(dict(cfg, MODEL=OfficialCfg.wrap(model_cfg)))
    is_train = direction in ('training', 'cycle')
    module = modules['aggregation' if direction == 'aggregation' else 'pair']
    with official_runtime():
        # get_pose_net runs init_weights (initialisation and FREEZE_WEIGHTS) when training
        return module.get_pose_net(full, is_train=is_train).train(is_train)
