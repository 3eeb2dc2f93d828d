"""Build a pose model from a config and a checkpoint, refusing checkpoints that do not fit."""
import os.path as osp
import warnings
from typing import Union

import torch.nn as nn
from mmengine.config import Config
from mmengine.runner import CheckpointLoader
from mmpose.apis import init_model

from ..utils.mmpose0x import (convert_mmpose0x_state_dict, is_mmpose0x_state_dict, match_state_dict,
                              unwrap_checkpoint)


def _examples(keys, limit: int = 3) -> str:
    keys = list(keys)
    more = f', ... ({len(keys)} in all)' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


def init_pose_model(config: Union[str, Config], checkpoint: str,
                    device: str = 'cpu') -> nn.Module:
    """An MMPose model in eval mode with the weights of ``checkpoint``.

    The model, its ``dataset_meta`` and ``cfg`` come from MMPose's ``init_model``; the weights
    are checked against the model before loading (MMPose only logs mismatches, which would make
    propagation silently run with random weights). MMPose 0.x checkpoints are renamed on the fly.

    Args:
        config (str | Config): Model config (file or object).
        checkpoint (str): Checkpoint file (``{'state_dict': ...}`` or a bare state dict).
        device (str): Device of the model, e.g. ``'cpu'`` or ``'cuda:0'``.

    Returns:
        nn.Module: The model.

    Raises:
        FileNotFoundError: If the config or the checkpoint does not exist.
        ValueError: If the config cannot be loaded or built, the checkpoint cannot be read, or
            the checkpoint lacks weights of the model or has weights of another shape.
    """
    config_name = config if isinstance(config, str) else (config.filename or '<config>')
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config not found: {config}')
        try:
            config = Config.fromfile(config)
        except Exception as e:  # syntax errors, missing _base_ files, ...
            raise ValueError(f'cannot load config {config_name}: {e}') from e
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    try:
        model = init_model(config, checkpoint=None, device=device)
    except Exception as e:
        raise ValueError(f'cannot build the model of config {config_name}: {e}') from e
    try:
        state_dict = unwrap_checkpoint(
            CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu'))
    except Exception as e:
        raise ValueError(f'cannot read checkpoint {checkpoint}: {e}') from e
    if not hasattr(state_dict, 'items'):
        raise ValueError(f'checkpoint {checkpoint} holds no state dict')
    state_dict = {(k[len('module.'):] if k.startswith('module.') else k): v
                  for k, v in state_dict.items()}
    if is_mmpose0x_state_dict(state_dict):
        state_dict, _ = convert_mmpose0x_state_dict(state_dict)
    match = match_state_dict(state_dict, model.state_dict())
    problems = []
    if match['missing']:
        problems.append(f'{len(match["missing"])} weight(s) of the model are missing '
                        f'({_examples(match["missing"])})')
    if match['shape_mismatch']:
        problems.append(f'{len(match["shape_mismatch"])} weight(s) have another shape '
                        f'({_examples(match["shape_mismatch"])})')
    if problems:
        raise ValueError(f'checkpoint {checkpoint} does not match config {config_name}: '
                         + '; '.join(problems))
    if match['unexpected']:
        # e.g. a stage-2 checkpoint for the single-frame model: its stage-1 weights are intact
        warnings.warn(f'checkpoint {checkpoint} has {len(match["unexpected"])} weight(s) that '
                      f'config {config_name} does not use ({_examples(match["unexpected"])})')
        state_dict = {k: v for k, v in state_dict.items() if k not in match['unexpected']}
    model.load_state_dict(state_dict, strict=True)
    model.eval()
    return model
