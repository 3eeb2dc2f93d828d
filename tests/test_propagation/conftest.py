"""Fixtures of the propagation tests: a tiny generated val set and random-weight tiny models."""
from pathlib import Path

import pytest

from tests.helpers.propagation import TINY_STAGE1, TINY_STAGE2, make_dataset, save_random_checkpoint


@pytest.fixture(scope='session')
def tiny_data(tmp_path_factory) -> Path:
    """2 generated videos × 15 frames at 128×96, every frame labelled (``split='val'``)."""
    root = tmp_path_factory.mktemp('prop_data')
    make_dataset(root, videos=2, frames=15)
    return root


@pytest.fixture(scope='session')
def stage2_ckpt(tmp_path_factory) -> Path:
    """Random tiny PoseWarper weights: its fresh head warps as the identity."""
    return save_random_checkpoint(TINY_STAGE2, tmp_path_factory.mktemp('ckpt') / 'stage2.pth')


@pytest.fixture(scope='session')
def stage1_ckpt(tmp_path_factory) -> Path:
    """Random tiny single-frame (stage-1) weights."""
    return save_random_checkpoint(TINY_STAGE1, tmp_path_factory.mktemp('ckpt') / 'stage1.pth')
