"""docs/propagation.md: the three Fig. 4a models train (tiny configs, one CPU iteration each)."""
from pathlib import Path

import pytest

from posewarper.propagation import propagate_annotations
from tests.helpers.propagation import REPO_ROOT, make_dataset
from tests.helpers.scripts import load_tool

pytestmark = pytest.mark.slow  # trains three models

TINY = REPO_ROOT / 'configs' / 'tiny'
CONFIGS = [
    TINY / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py',
    TINY / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-gt7x-128x96.py',
    TINY / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-gt1x-pgt6x-128x96.py',
]


@pytest.fixture(scope='module')
def train_data(tmp_path_factory) -> Path:
    """2 generated training videos × 15 frames at 128×96, and a pseudo-label json (made with
    the fast copy method) where the pGT config reads it."""
    root = tmp_path_factory.mktemp('train_data')
    make_dataset(root, videos=2, frames=15, splits='train')
    propagate_annotations(
        str(root / 'annotations' / 'posetrack18_train.json'),
        str(root / 'annotations' / 'posetrack18_train_pseudo-posewarper.json'), 'copy',
        data_root=str(root), label_interval=7, progress=False)
    return root


def test_doc_augmentation_training(train_data, tmp_path):
    """tools/train.py on each tiny config (the PT18 ones differ only in their training labels,
    see test_augmentation_configs.py): one iteration of 8 samples checks the wiring."""
    train = load_tool('train')
    for config in CONFIGS:
        work_dir = tmp_path / config.stem
        # --no-validate: the training wiring is what is checked here, and the val split (under
        # the configs' default data_root) does not exist in a fresh clone
        train.main([
            str(config), '--work-dir', str(work_dir), '--no-validate', '--cfg-options',
            f'train_dataloader.dataset.data_root={train_data}/', 'train_cfg.max_epochs=1',
            'train_dataloader.dataset.indices=8', 'train_dataloader.batch_size=8'
        ])
        assert (work_dir / 'epoch_1.pth').is_file()
