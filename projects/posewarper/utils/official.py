"""Load the official PoseWarper's weights (facebookresearch/PoseWarper) into posewarper's models.

The official ``final_state.pth`` is ``model.module.state_dict()`` of its ``PoseHighResolutionNet``:
no prefix, the HRNet at top level, then the heatmap conv and the warping layers. Five renaming
rules map every key onto :class:`PoseWarper` with the same shape (2,010 keys at W48, 256 of them in
the warping part); MMPose's HRNet uses the official HRNet's module names, so the backbone only gets
a ``backbone.`` prefix:

================================================  =======================================
official key                                      posewarper key
================================================  =======================================
``conv1``, ``bn1``, ``conv2``, ``bn2``,           ``backbone.<same>``
``layer1``, ``transition{1,2,3}``,
``stage{2,3,4}`` (``.*``)
``final_layer.*`` (1×1 conv, 48 → 17)             ``head.final_layer.*``
``offset_feats.*`` (20 residual blocks)           ``head.offset_feats.*``
``offsets{i}.weight``, i = 1..5 (dilations        ``head.offset_layers.{i-1}.weight``
3, 6, 12, 18, 24)
``deform_conv{i}.weight``, i = 1..5               ``head.deform_conv_layers.{i-1}.weight``
================================================  =======================================

An official stage-1 file (the single-frame HRNet, or the COCO HRNet-W48 it starts from) has the
same layout without the warping keys and maps onto the stage-1 model (``head.final_layer``). Its
``checkpoint.pth`` (saved from the ``DataParallel`` model, ``module.`` prefix, under
``state_dict``) is unwrapped by the loader first.
"""
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Mapping, Tuple, Union

from .mmpose0x import collect_renamed, strip_wrapper, unwrap_checkpoint

_Repl = Union[str, Callable[['re.Match'], str]]

#: The official HRNet's top-level modules (the backbone of :class:`PoseWarper`).
OFFICIAL_BACKBONE_MODULES = ('conv1', 'bn1', 'conv2', 'bn2', 'layer1', 'transition1',
                             'transition2', 'transition3', 'stage2', 'stage3', 'stage4')


def _numbered(prefix: str) -> Callable[['re.Match'], str]:
    # the official modules count from 1, ModuleList indices from 0
    return lambda m: f'{prefix}.{int(m.group(1)) - 1}.'


#: The five rules, as ``re.sub`` pattern and replacement; the first that matches a key applies.
OFFICIAL_TO_POSEWARPER: Tuple[Tuple[str, _Repl], ...] = (
    (r'^(' + '|'.join(OFFICIAL_BACKBONE_MODULES) + r')\.', r'backbone.\1.'),
    (r'^final_layer\.', 'head.final_layer.'),
    (r'^offset_feats\.', 'head.offset_feats.'),
    (r'^offsets([1-9][0-9]*)\.', _numbered('head.offset_layers')),
    (r'^deform_conv([1-9][0-9]*)\.', _numbered('head.deform_conv_layers')),
)

#: The inverse rules (posewarper key -> official key).
POSEWARPER_TO_OFFICIAL: Tuple[Tuple[str, _Repl], ...] = (
    (r'^backbone\.', ''),
    (r'^head\.final_layer\.', 'final_layer.'),
    (r'^head\.offset_feats\.', 'offset_feats.'),
    (r'^head\.offset_layers\.([0-9]+)\.', lambda m: f'offsets{int(m.group(1)) + 1}.'),
    (r'^head\.deform_conv_layers\.([0-9]+)\.', lambda m: f'deform_conv{int(m.group(1)) + 1}.'),
)

_OUR_PREFIXES = ('backbone.', 'neck.', 'head.', 'keypoint_head.', 'data_preprocessor.')


def is_official_state_dict(state_dict: Mapping) -> bool:
    """Whether ``state_dict`` uses the official layout: the HRNet stem and ``final_layer`` at top
    level, and no key under MMPose's module names (``backbone.``, ``head.`` ...)."""
    keys = [strip_wrapper(k) for k in state_dict]
    return ('conv1.weight' in keys and 'final_layer.weight' in keys
            and not any(k.startswith(_OUR_PREFIXES) for k in keys))


def _rename(key: str, rules: Tuple[Tuple[str, _Repl], ...]) -> str:
    for pattern, repl in rules:
        new_key, count = re.subn(pattern, repl, key, count=1)
        if count:
            return new_key
    return key


def convert_official_state_dict(
        state_dict: Mapping) -> Tuple['OrderedDict[str, object]', Dict[str, List]]:
    """Rename an official PoseWarper (or official HRNet) state dict to posewarper's keys.

    Args:
        state_dict (Mapping): The official weights: ``final_state.pth`` as it is, or a
            ``checkpoint.pth`` (``{'state_dict': ..., ...}``, ``module.`` prefix).

    Returns:
        tuple:
        - OrderedDict: The weights under posewarper's names, in the input order; the values
          are the input's own objects (no copies).
        - dict: ``renamed`` (list of ``(old, new)``), ``kept`` (keys no rule matches; a strict
          load reports them as unexpected) and ``dropped`` (always empty: every official key has
          a place), as :func:`~.mmpose0x.convert_mmpose0x_state_dict` reports.

    Raises:
        ValueError: If two input keys map to the same output key.
    """
    return collect_renamed(unwrap_checkpoint(state_dict),
                           lambda key: _rename(strip_wrapper(key), OFFICIAL_TO_POSEWARPER))


def to_official_state_dict(state_dict: Mapping) -> 'OrderedDict[str, object]':
    """The inverse: a posewarper :class:`PoseWarper` state dict under the official names (what
    the official ``PoseHighResolutionNet.load_state_dict`` takes). Keys outside the backbone
    and the head's layers (e.g. a neck's) are kept as they are."""
    return OrderedDict(
        (_rename(key, POSEWARPER_TO_OFFICIAL), value) for key, value in state_dict.items())


def official_load_state_dict_pre_hook(state_dict: dict, prefix: str, *args, **kwargs) -> None:
    """``nn.Module._register_load_state_dict_pre_hook`` hook: load official weights as they are.

    Registered on :class:`PoseWarper`, it lets ``load_from`` / ``load_checkpoint`` take an official
    ``final_state.pth``: the keys under ``prefix`` are renamed in place with
    :func:`convert_official_state_dict` when they use the official layout; other state dicts are
    left untouched.
    """
    own = {k[len(prefix):]: k for k in state_dict if k.startswith(prefix)}
    if not is_official_state_dict(own):
        return
    converted, _ = convert_official_state_dict({k: state_dict[full] for k, full in own.items()})
    for full in own.values():
        del state_dict[full]
    for key, value in converted.items():
        state_dict[prefix + key] = value
