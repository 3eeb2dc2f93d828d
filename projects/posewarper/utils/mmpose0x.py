"""Load the PoseWarper weights released with MMPose 0.x into the MMPose 1.x models.

MMPose 0.x split PoseWarper into ``backbone`` (HRNet), ``neck`` (``PoseWarperNeck``) and
``keypoint_head`` (``TopdownHeatmapSimpleHead``); posewarper's :class:`PoseWarper` keeps the
HRNet and puts everything after it in one :class:`PoseWarperHead`:

============================================  ==========================================
MMPose 0.x key                                posewarper key
============================================  ==========================================
``backbone.*``                                ``backbone.*`` (same HRNet module names)
``neck.trans_layer.*`` (1×1 C→K heatmap conv)  ``head.final_layer.*``
``neck.offset_feats.*``                       ``head.offset_feats.*``
``neck.offset_layers.*``                      ``head.offset_layers.*``
``neck.deform_conv_layers.*``                 ``head.deform_conv_layers.*``
``keypoint_head.*`` (stage 2)                 dropped: 0.x stage 2 uses ``final_conv_kernel=0``
                                              so it is empty; its K→K layers have no place
``keypoint_head.*`` (stage 1, no ``neck.*``)  ``head.*`` (MMPose's ``HeatmapHead`` names)
============================================  ==========================================

The stage-1 mapping is the rename MMPose 1.x itself applies when loading a 0.x top-down
checkpoint; doing it here as well makes converted files loadable by any tool. Keys that already
use the 1.x names pass through unchanged, so converting twice is harmless.
"""
from collections import OrderedDict
from typing import Callable, Dict, List, Mapping, Optional, Tuple

#: 0.x ``PoseWarperNeck`` sub-modules and their place in :class:`PoseWarperHead`.
NECK_TO_HEAD = OrderedDict([
    ('neck.trans_layer.', 'head.final_layer.'),
    ('neck.offset_feats.', 'head.offset_feats.'),
    ('neck.offset_layers.', 'head.offset_layers.'),
    ('neck.deform_conv_layers.', 'head.deform_conv_layers.'),
])

#: Prefixes added by ``nn.DataParallel`` / DDP when a wrapped model was saved directly.
_WRAPPER_PREFIX = 'module.'


def is_mmpose0x_state_dict(state_dict: Mapping) -> bool:
    """Whether ``state_dict`` uses MMPose 0.x names (``neck.*`` of PoseWarper or
    ``keypoint_head.*``)."""
    return any(
        strip_wrapper(k).startswith(('keypoint_head.', ) + tuple(NECK_TO_HEAD))
        for k in state_dict)


def strip_wrapper(key: str) -> str:
    """``key`` without the ``module.`` prefix of a model saved inside a wrapper (DataParallel)."""
    return key[len(_WRAPPER_PREFIX):] if key.startswith(_WRAPPER_PREFIX) else key


def unwrap_checkpoint(checkpoint: Mapping) -> Mapping:
    """The state dict of a checkpoint, whether saved bare or as ``{'state_dict': ..., ...}``."""
    inner = checkpoint.get('state_dict') if isinstance(checkpoint, Mapping) else None
    return inner if isinstance(inner, Mapping) else checkpoint


def convert_mmpose0x_state_dict(
        state_dict: Mapping) -> Tuple['OrderedDict[str, object]', Dict[str, List]]:
    """Rename an MMPose 0.x PoseWarper (stage 2) or top-down (stage 1) state dict.

    Args:
        state_dict (Mapping): The 0.x weights, bare or wrapped as a checkpoint
            (``{'state_dict': ..., 'meta': ...}``; only ``state_dict`` is used). A ``module.``
            prefix (weights saved from a wrapped model) is removed.

    Returns:
        tuple:
        - OrderedDict: The weights under posewarper's names, in the input order; the values
          are the input's own objects (no copies).
        - dict: What happened to each input key: ``renamed`` (list of ``(old, new)``),
          ``kept`` (keys already valid, e.g. ``backbone.*`` or 1.x names) and ``dropped``
          (keys with no counterpart, e.g. a stage-2 ``keypoint_head.*``).

    Raises:
        ValueError: If two input keys map to the same output key.
    """
    state_dict = unwrap_checkpoint(state_dict)
    is_stage2 = any(strip_wrapper(k).startswith(tuple(NECK_TO_HEAD)) for k in state_dict)

    def renamed(key: str) -> Optional[str]:
        new_key = strip_wrapper(key)
        for old, new in NECK_TO_HEAD.items():
            if new_key.startswith(old):
                return new + new_key[len(old):]
        if new_key.startswith('keypoint_head.'):
            return None if is_stage2 else 'head.' + new_key[len('keypoint_head.'):]
        return new_key

    return collect_renamed(state_dict, renamed)


def collect_renamed(state_dict: Mapping, rename: Callable[[str], Optional[str]]
                    ) -> Tuple['OrderedDict[str, object]', Dict[str, List]]:
    """Apply a key renaming to a state dict and report what happened to each key.

    The one bookkeeping of the checkpoint converters (MMPose 0.x, official).

    Args:
        state_dict (Mapping): The weights.
        rename (Callable): Input key -> output key, or None to drop the key.

    Returns:
        tuple: The renamed weights (input order, the input's own values) and the report:
        ``renamed`` (list of ``(old, new)``), ``kept`` and ``dropped`` (lists of keys).

    Raises:
        ValueError: If two input keys map to the same output key.
    """
    new_state_dict: 'OrderedDict[str, object]' = OrderedDict()
    report: Dict[str, List] = dict(renamed=[], kept=[], dropped=[])
    sources: Dict[str, str] = {}
    for key, value in state_dict.items():
        new_key = rename(key)
        if new_key is None:
            report['dropped'].append(key)
            continue
        if new_key in sources:
            raise ValueError(f'{sources[new_key]!r} and {key!r} both map to {new_key!r}')
        sources[new_key] = key
        new_state_dict[new_key] = value
        if new_key == key:
            report['kept'].append(key)
        else:
            report['renamed'].append((key, new_key))
    return new_state_dict, report


def mmpose0x_load_state_dict_pre_hook(state_dict: dict, prefix: str, *args, **kwargs) -> None:
    """``nn.Module._register_load_state_dict_pre_hook`` hook: load 0.x weights transparently.

    Register it on the estimator (``self._register_load_state_dict_pre_hook(
    mmpose0x_load_state_dict_pre_hook)``) and ``load_from``/``load_checkpoint`` accept MMPose
    0.x files as they are. It renames, in place, the keys under ``prefix`` with
    :func:`convert_mmpose0x_state_dict`; 1.x state dicts are left untouched.
    """
    own = {k[len(prefix):]: k for k in state_dict if k.startswith(prefix)}
    if not is_mmpose0x_state_dict(own):
        return
    converted, _ = convert_mmpose0x_state_dict({k: state_dict[full] for k, full in own.items()})
    for full in own.values():
        del state_dict[full]
    for key, value in converted.items():
        state_dict[prefix + key] = value


def match_state_dict(state_dict: Mapping, model_state_dict: Mapping) -> Dict[str, List[str]]:
    """Compare converted weights with a model's own state dict (what ``load_state_dict`` would
    report, plus shape mismatches).

    Args:
        state_dict (Mapping): Weights to load, e.g. the output of
            :func:`convert_mmpose0x_state_dict`.
        model_state_dict (Mapping): ``model.state_dict()`` of the target model.

    Returns:
        dict: ``matched`` (same key and shape), ``missing`` (in the model only),
        ``unexpected`` (in the weights only) and ``shape_mismatch`` (``'key: (a) vs (b)'``).
    """
    result: Dict[str, List[str]] = dict(matched=[], missing=[], unexpected=[], shape_mismatch=[])
    for key, value in state_dict.items():
        if key not in model_state_dict:
            result['unexpected'].append(key)
            continue
        theirs = tuple(getattr(value, 'shape', ()))
        ours = tuple(getattr(model_state_dict[key], 'shape', ()))
        if theirs == ours:
            result['matched'].append(key)
        else:
            result['shape_mismatch'].append(f'{key}: {theirs} vs {ours}')
    result['missing'] = [k for k in model_state_dict if k not in state_dict]
    return result
