"""Build a pose model from a config and a checkpoint, refusing checkpoints that do not fit."""
import os.path as osp
from typing import Union

import torch.nn as nn
from mmengine.config import Config
from mmpose.apis import init_model

from ..utils.checkpoint import load_pose_weights


def init_pose_model(config: Union[str, Config], checkpoint: str,
                    device: str = 'cpu') -> nn.Module:
    """An MMPose model in eval mode with the weights of ``checkpoint``.

    The model, its ``dataset_meta`` and ``cfg`` come from MMPose's ``init_model``; the weights
    are loaded by :func:`~posewarper.utils.load_pose_weights`, which refuses a checkpoint that
    does not fit the model (MMPose only logs mismatches, which would make propagation silently
    run with random weights).

    Args:
        config (str | Config): Model config (file or object).
        checkpoint (str): Checkpoint file (``{'state_dict': ...}`` or a bare state dict).
        device (str): Device of the model, e.g. ``'cpu'`` or ``'cuda:0'``.

    Returns:
        nn.Module: The model.

    Raises:
        FileNotFoundError: If the config or the checkpoint does not exist.
        ValueError: If the config cannot be loaded or built, or the checkpoint cannot be read
            or does not match the model.
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
        model = init_model(config, checkpoint=None, device='cpu')
    except Exception as e:
        raise ValueError(f'cannot build the model of config {config_name}: {e}') from e
    load_pose_weights(model, checkpoint, config_name=config_name)
    model.to(device)
    model.eval()
    return model
