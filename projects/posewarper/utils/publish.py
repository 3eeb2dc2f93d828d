"""Publish a trained checkpoint: weights only (optionally fp16) and a sidecar json that says how
it was made.

Why not MMPose's ``tools/misc/publish_model.py``: it only drops the optimizer and puts a hash in
the file name; a checkpoint committed to a repository also needs half-precision storage (size)
and a record of the command, commit, data and score that reproduce it.
"""
import os.path as osp
import subprocess
from typing import Any, Dict, Mapping, Optional

import torch

from ..fileio import AtomicFile, commit_together, dumps_json, sha256_file
from .checkpoint import read_checkpoint, stage_checkpoint, tensor_state_dict

#: the sidecar entries publish_checkpoint writes itself
SIDECAR_KEYS = ('file', 'sha256', 'bytes', 'dtype', 'source')
#: meta entries of an mmengine checkpoint kept in the published one
KEPT_META = ('epoch', 'iter', 'seed', 'experiment_name', 'mmengine_version', 'dataset_meta',
             'cfg')


def git_commit(folder: str) -> Optional[str]:
    """The commit checked out in ``folder``'s repository, with ``-dirty`` when tracked files
    differ from it; None outside a git work tree."""
    try:
        commit = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=folder, check=True,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'],
                               cwd=folder, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ('-dirty' if dirty.strip() else '')


def _json_safe(value: Any) -> bool:
    try:
        dumps_json(value)
    except (TypeError, ValueError):
        return False
    return True


def publish_checkpoint(src: str, dst: str, fp16: bool = False,
                       info: Optional[Dict[str, Any]] = None) -> dict:
    """Write ``dst`` (``state_dict`` and the kept ``meta`` of ``src``) and ``dst`` with
    ``.json`` instead of ``.pth`` (the sidecar).

    Args:
        src (str): An mmengine checkpoint (read with the safe loader).
        dst (str): The published checkpoint.
        fp16 (bool): Store floating-point tensors in half precision (loading casts them back
            to the model's dtype).
        info (dict, optional): More sidecar entries (command, data, score ...).

    Returns:
        dict: The sidecar's content.
    """
    ckpt = read_checkpoint(src)
    state = tensor_state_dict(ckpt, src)
    clash = sorted(set(info or {}) & set(SIDECAR_KEYS))
    if clash:
        raise ValueError(f'sidecar entry {clash[0]!r} is set by publish_checkpoint itself')
    if fp16:
        limit = torch.finfo(torch.float16).max
        for key, value in state.items():
            if value.is_floating_point() and value.numel() and value.abs().max() > limit:
                raise ValueError(f'checkpoint {src}: {key} holds values beyond float16 '
                                 f'(|v| up to {float(value.abs().max()):.3g} > {limit:g}); '
                                 'publish it without --fp16')
        state = type(state)((k, v.half() if v.is_floating_point() else v)
                            for k, v in state.items())
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), Mapping) else {}
    meta = {k: v for k, v in meta.items() if k in KEPT_META}
    # both files are staged, then committed together with the signals held back: a failure or
    # an interrupt leaves the old pair (or nothing), never a checkpoint without its sidecar
    weights, sidecar_file = stage_checkpoint(dict(meta=meta, state_dict=state), dst), None
    try:
        sidecar = dict(
            file=osp.basename(dst), sha256=sha256_file(weights.tmp),
            bytes=osp.getsize(weights.tmp), dtype='float16' if fp16 else 'as trained',
            # only values strict json can hold (a NaN epoch is left out, as a missing one)
            source=dict(file=osp.basename(src),
                        **{k: meta.get(k) if _json_safe(meta.get(k)) else None
                           for k in ('epoch', 'iter', 'seed')}),
            **(info or {}))
        data = dumps_json(sidecar, indent=2)
        sidecar_file = AtomicFile(osp.splitext(dst)[0] + '.json')
        with open(sidecar_file.tmp, 'wb') as f:
            f.write(data)
    except BaseException:
        for staged in (weights, sidecar_file):
            if staged is not None:
                staged.discard()
        raise
    commit_together(weights, sidecar_file)
    return sidecar
