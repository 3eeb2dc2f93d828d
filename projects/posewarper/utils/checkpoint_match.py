"""One checkpoint rule for every tool: the weights must fit the config's model.

``tools/infer.py`` and ``tools/propagate.py`` load through :func:`~.checkpoint.load_pose_weights`,
which refuses missing, unexpected or mis-shaped weights. ``tools/test.py`` and ``tools/train.py``
leave loading to mmengine's runner, which loads non-strictly and only logs mismatches (a stage-1
checkpoint tested with a PoseWarper config scored with a random warping head). They call
:func:`check_checkpoint_for_config` first, before the runner (and its work dir) exists, so the
same rule refuses the same file everywhere.

One exception is part of the method: stage 2 starts from a stage-1 checkpoint and learns the
warping head from scratch, with everything else frozen. So when training, a model with frozen
parameters may lack weights of the modules it trains (all their parameters trainable); every
frozen weight must still come from the checkpoint.

The strict loader also reads the MMPose 0.x and official layouts; mmengine's ``load_from`` reads
them only into a model that renames them on load (PoseWarper does, MMPose's estimators do not),
so the check also loads the file as mmengine will and refuses what that would drop.
"""
import re
from collections import OrderedDict
from typing import Mapping, Optional, Set

import torch.nn as nn
from mmengine.config import Config

from .checkpoint import REVISE_KEYS, load_pose_weights, read_checkpoint
from .config_check import config_build_errors
from .mmpose0x import is_mmpose0x_state_dict, unwrap_checkpoint
from .official import is_official_state_dict
from .run_args import check_model_section


def build_model(cfg: Config, config_name: str) -> nn.Module:
    """The model of a config on the CPU, built as the runner builds it (its default scope).

    Raises:
        ValueError: One line for a config without a model, an unknown type or keyword
            (:func:`config_build_errors`).
    """
    from mmengine.registry import DefaultScope, init_default_scope
    from mmpose.registry import MODELS

    check_model_section(cfg, config_name)
    scope = cfg.get('default_scope', 'mmpose')
    with config_build_errors(config_name):
        if DefaultScope.get_current_instance() is None:
            init_default_scope(scope)
            return MODELS.build(cfg.model)
        with DefaultScope.overwrite_default_scope(scope):
            return MODELS.build(cfg.model)


def trained_from_scratch(model: nn.Module) -> Set[str]:
    """State-dict keys of the modules a training learns from scratch: in a model with frozen
    parameters, those of every module whose own parameters are all trainable (and their
    buffers). Empty for a model with no frozen parameter."""
    if all(p.requires_grad for p in model.parameters()):
        return set()
    keys = set()
    for name, module in model.named_modules():
        own = list(module.parameters(recurse=False))
        if own and all(p.requires_grad for p in own):
            prefix = f'{name}.' if name else ''
            keys.update(prefix + k for k in module.state_dict(keep_vars=True)
                        if '.' not in k)
    return keys


def check_checkpoint_for_config(cfg: Config,
                                checkpoint: str,
                                config_name: str,
                                training: bool = False,
                                non_strict: bool = False) -> Optional[Mapping]:
    """Refuse a checkpoint that does not fit the config's model (unless ``non_strict``).

    Args:
        cfg (Config): The config (after ``--cfg-options``).
        checkpoint (str): Its checkpoint (a URL is left to mmengine).
        config_name (str): The config file, for messages.
        training (bool): Allow the weights a training learns from scratch to be missing
            (:func:`trained_from_scratch`).
        non_strict (bool): Only check that the file is a readable checkpoint.

    Returns:
        Mapping: The checkpoint read; None for a URL.

    Raises:
        ValueError: One line: unreadable, unsafe, from a newer torch, or not fitting the model.
    """
    if '://' in checkpoint:
        return None
    ckpt = read_checkpoint(checkpoint)
    if non_strict:
        return ckpt
    model = build_model(cfg, config_name)
    allowed = trained_from_scratch(model) if training else set()
    load_pose_weights(model, ckpt, name=checkpoint, config_name=config_name,
                      allowed_missing=allowed)
    _check_runner_load(model, ckpt, checkpoint, config_name, allowed)
    return ckpt


def _check_runner_load(model: nn.Module, ckpt: Mapping, checkpoint: str, config_name: str,
                       allowed: Set[str]) -> None:
    """Load the file as mmengine's runner will (its keys as stored, ``module.`` removed, the
    model's own load hooks run) and refuse it if weights would be dropped: a file in another
    layout that only the strict loader renames."""
    state_dict = unwrap_checkpoint(ckpt)
    for pattern, repl in REVISE_KEYS:
        state_dict = OrderedDict((re.sub(pattern, repl, k), v) for k, v in state_dict.items())
    result = model.load_state_dict(state_dict, strict=False)
    missing = [k for k in result.missing_keys if k not in allowed]
    if missing or result.unexpected_keys:
        layout = ('MMPose 0.x' if is_mmpose0x_state_dict(state_dict) else
                  'the official code\'s' if is_official_state_dict(state_dict) else 'another')
        raise ValueError(f'checkpoint {checkpoint} has {layout} layout, which the '
                         f'{type(model).__name__} model of config {config_name} does not '
                         'rename on load (mmengine would leave its weights '
                         f'{(missing or result.unexpected_keys)[0]!r} ... unloaded): convert '
                         f'it first with tools/convert_mmpose0x.py {checkpoint} OUT.pth '
                         f'--config {config_name}')
