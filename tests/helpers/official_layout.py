"""The key list and shapes of the official PoseWarper's ``final_state.pth``, written out from the
official architecture (HRNet-W48 as in its stage-2 yaml, then ``final_layer``, 20 residual blocks,
five offset convs and five deformable convs), independently of our models: a state dict in that
layout tests our loaders without the official files (which cannot be downloaded here).

``model.module.state_dict()`` of the official ``PoseHighResolutionNet``: modules at top level,
no prefix; every BatchNorm has ``weight``, ``bias``, ``running_mean``, ``running_var`` and
``num_batches_tracked``.
"""
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

Shape = Tuple[int, ...]

#: HRNet-W48 as in the official stage-2 yaml: (modules, branch widths) of stages 2-4, 4 blocks
#: per branch.
W48_STAGES = ((1, (48, 96)), (4, (48, 96, 192)), (3, (48, 96, 192, 384)))
NUM_JOINTS, INNER, DILATIONS = 17, 128, (3, 6, 12, 18, 24)


def _conv(keys: Dict[str, Shape], name: str, c_out: int, c_in: int, k: int) -> None:
    keys[f'{name}.weight'] = (c_out, c_in, k, k)


def _bn(keys: Dict[str, Shape], name: str, c: int) -> None:
    for field in ('weight', 'bias', 'running_mean', 'running_var'):
        keys[f'{name}.{field}'] = (c, )
    keys[f'{name}.num_batches_tracked'] = ()


def _basic_block(keys: Dict[str, Shape], name: str, c_in: int, c: int) -> None:
    _conv(keys, f'{name}.conv1', c, c_in, 3)
    _bn(keys, f'{name}.bn1', c)
    _conv(keys, f'{name}.conv2', c, c, 3)
    _bn(keys, f'{name}.bn2', c)
    if c_in != c:
        _conv(keys, f'{name}.downsample.0', c, c_in, 1)
        _bn(keys, f'{name}.downsample.1', c)


def _transition(keys: Dict[str, Shape], name: str, before: Tuple[int, ...],
                after: Tuple[int, ...]) -> None:
    for i, c in enumerate(after):
        if i < len(before):
            if before[i] != c:  # a 3x3 conv + BN + ReLU changes the width
                _conv(keys, f'{name}.{i}.0', c, before[i], 3)
                _bn(keys, f'{name}.{i}.1', c)
        else:  # a new branch: strided 3x3 conv + BN + ReLU from the last one
            _conv(keys, f'{name}.{i}.0.0', c, before[-1], 3)
            _bn(keys, f'{name}.{i}.0.1', c)


def _hr_module(keys: Dict[str, Shape], name: str, widths: Tuple[int, ...],
               multi_scale_output: bool) -> None:
    for b, c in enumerate(widths):
        for j in range(4):
            _basic_block(keys, f'{name}.branches.{b}.{j}', c, c)
    for i in range(len(widths) if multi_scale_output else 1):
        for j, c_j in enumerate(widths):
            fuse = f'{name}.fuse_layers.{i}.{j}'
            if j > i:  # 1x1 conv + BN, then upsampling
                _conv(keys, f'{fuse}.0', widths[i], c_j, 1)
                _bn(keys, f'{fuse}.1', widths[i])
            elif j < i:  # i - j strided 3x3 convs, the last one to branch i's width
                for k in range(i - j):
                    c_out = widths[i] if k == i - j - 1 else c_j
                    _conv(keys, f'{fuse}.{k}.0', c_out, c_j, 3)
                    _bn(keys, f'{fuse}.{k}.1', c_out)


def official_keys() -> 'OrderedDict[str, Shape]':
    """Every key of the official W48 PoseWarper state dict with its shape, in module order."""
    keys: Dict[str, Shape] = OrderedDict()
    _conv(keys, 'conv1', 64, 3, 3)
    _bn(keys, 'bn1', 64)
    _conv(keys, 'conv2', 64, 64, 3)
    _bn(keys, 'bn2', 64)
    for j in range(4):  # layer1: 4 bottlenecks, 64 -> 256
        name, c_in = f'layer1.{j}', 64 if j == 0 else 256
        _conv(keys, f'{name}.conv1', 64, c_in, 1)
        _bn(keys, f'{name}.bn1', 64)
        _conv(keys, f'{name}.conv2', 64, 64, 3)
        _bn(keys, f'{name}.bn2', 64)
        _conv(keys, f'{name}.conv3', 256, 64, 1)
        _bn(keys, f'{name}.bn3', 256)
        if j == 0:
            _conv(keys, f'{name}.downsample.0', 256, 64, 1)
            _bn(keys, f'{name}.downsample.1', 256)
    before: Tuple[int, ...] = (256, )
    for s, (num_modules, widths) in enumerate(W48_STAGES, start=2):
        _transition(keys, f'transition{s - 1}', before, widths)
        for m in range(num_modules):
            _hr_module(keys, f'stage{s}.{m}', widths, s < 4 or m < num_modules - 1)
        before = widths
    keys['final_layer.weight'] = (NUM_JOINTS, 48, 1, 1)
    keys['final_layer.bias'] = (NUM_JOINTS, )
    for j in range(20):
        _basic_block(keys, f'offset_feats.{j}', NUM_JOINTS if j == 0 else INNER, INNER)
    for i, _ in enumerate(DILATIONS, start=1):
        keys[f'offsets{i}.weight'] = (2 * NUM_JOINTS * 9, INNER, 3, 3)
    for i, _ in enumerate(DILATIONS, start=1):
        keys[f'deform_conv{i}.weight'] = (NUM_JOINTS, NUM_JOINTS, 3, 3)
    return keys


def official_state_dict() -> Tuple['OrderedDict[str, torch.Tensor]', List[float]]:
    """A state dict with the official keys and shapes; tensor ``i`` holds the value ``i``
    everywhere (a broadcast view: no memory per element), so where each one lands can be
    checked. Returns the state dict and the value of each key, in order."""
    state = OrderedDict()
    values = []
    for i, (key, shape) in enumerate(official_keys().items()):
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(i)
        else:
            state[key] = torch.tensor(float(i)).expand(shape)
        values.append(float(i))
    return state, values
