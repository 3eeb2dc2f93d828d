"""A tiny PoseWarper checkpoint in seconds: the shipped pretrained stage 1 plus a fresh warp.

The stage-1 weights (backbone and heatmap layer, trained on generated videos) fill the
PoseWarper's stage-1 part; its warping head keeps its initialisation, the identity warp, so the
temporal aggregation is the weighted sum of the neighbouring frames' heatmaps, each cropped with
the reference frame's box: a real model whose warp is known exactly (the shipped trained
PoseWarper warps by what it learnt).
"""
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpose.registry import MODELS

from posewarper.utils import read_checkpoint

REPO_ROOT = Path(__file__).resolve().parents[2]
PRETRAINED_STAGE1 = REPO_ROOT / 'projects' / 'posewarper_demo' / 'checkpoints' / \
    'hrnet-tiny_synthetic-pretrain.pth'
TINY_STAGE1_CFG = REPO_ROOT / 'configs' / 'tiny' / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py'
TINY_POSEWARPER_CFG = REPO_ROOT / 'configs' / 'tiny' / \
    'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py'


def save_tiny_posewarper(path: Path, seed: int = 0) -> Path:
    """Write the tiny PoseWarper checkpoint (fp32) to ``path``; returns ``path``."""
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('mmpose'):  # where the config's types live
        model = MODELS.build(Config.fromfile(str(TINY_POSEWARPER_CFG)).model)
    stage1 = read_checkpoint(str(PRETRAINED_STAGE1))
    state = model.state_dict()
    for key, value in stage1['state_dict'].items():
        assert key in state and state[key].shape == value.shape, key  # the stage-1 part
        state[key] = value.float()
    torch.save(dict(state_dict=state, meta=dict(dataset_meta=stage1['meta']['dataset_meta'])),
               str(path))
    return path
