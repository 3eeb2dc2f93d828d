"""A foreign checkpoint (MMPose 0.x's or the official code's) as a posewarper checkpoint."""
import os.path as osp
from typing import Any, Dict, Mapping, Tuple

from .checkpoint import tensor_state_dict
from .mmpose0x import convert_mmpose0x_state_dict, unwrap_checkpoint
from .official import convert_official_state_dict, is_official_state_dict


def is_plain(obj: Any) -> bool:
    """Whether ``obj`` is made of builtins only, i.e. loads under ``weights_only=True``."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return True
    if isinstance(obj, (list, tuple)):
        return all(is_plain(v) for v in obj)
    if isinstance(obj, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in obj.items())
    return False


def convert_checkpoint(checkpoint: Mapping, source: str) -> Tuple[str, dict, Dict[str, list]]:
    """Rename a checkpoint's keys for posewarper, recognising its layout.

    Args:
        checkpoint (Mapping): An MMPose 0.x or official checkpoint (or bare state dict).
        source (str): Its file, recorded in ``meta['converted_from']``.

    Returns:
        tuple: The layout (``'official'`` or ``'mmpose0x'``), the converted checkpoint
        ``{'state_dict': ..., 'meta': ...}`` (only the plain ``meta`` entries, so that it loads
        with torch's safe unpickler; an optimizer state is dropped, mmengine cannot resume it),
        and the renaming report (``kept``, ``renamed``, ``dropped``).
    """
    tensor_state_dict(checkpoint, source)
    if is_official_state_dict(unwrap_checkpoint(checkpoint)):
        layout, (state_dict, report) = 'official', convert_official_state_dict(checkpoint)
    else:
        layout, (state_dict, report) = 'mmpose0x', convert_mmpose0x_state_dict(checkpoint)
    meta = checkpoint.get('meta')
    meta = {k: v for k, v in meta.items() if is_plain(v)} if isinstance(meta, dict) else {}
    meta['converted_from'] = dict(format=layout, file=osp.basename(source))
    return layout, dict(state_dict=state_dict, meta=meta), report
