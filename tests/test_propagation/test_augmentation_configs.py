"""The Fig. 4a augmentation configs: GT (1x), GT (7x) and GT (1x) + pGT (6x), tiny and PT18."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmpose.registry import DATASETS

from tests.helpers.propagation import (REPO_ROOT, TINY_STAGE2, load_json, make_dataset,
                                       pseudo_annotations, save_random_checkpoint)

TINY = REPO_ROOT / 'configs' / 'tiny'
PT18 = REPO_ROOT / 'configs' / 'posewarper'
TINY_CONFIGS = {
    'gt1x': TINY / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py',
    'gt7x': TINY / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-gt7x-128x96.py',
    'gt1x-pgt6x': TINY / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-gt1x-pgt6x-128x96.py',
}
PT18_BASE = PT18 / 'td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288.py'
PT18_CONFIGS = {
    'gt1x': PT18 / 'td-hm_hrnet-w48_8xb16-10e_posetrack18-gt1x-384x288.py',
    'gt7x': PT18 / 'td-hm_hrnet-w48_8xb16-10e_posetrack18-gt7x-384x288.py',
    'gt1x-pgt6x': PT18 / 'td-hm_hrnet-w48_8xb16-10e_posetrack18-gt1x-pgt6x-384x288.py',
}
PSEUDO = 'annotations/posetrack18_train_pseudo-posewarper.json'


@pytest.fixture(scope='module')
def train_data(tmp_path_factory) -> Path:
    """2 generated training videos × 15 frames at 128×96 (every frame annotated)."""
    root = tmp_path_factory.mktemp('train_data')
    make_dataset(root, videos=2, frames=15, splits='train')
    return root


def _train_set_size(config: Path, data_root: Path) -> int:
    dataset = Config.fromfile(str(config)).train_dataloader.dataset
    dataset.update(data_root=str(data_root) + '/', pipeline=[])
    return len(DATASETS.build(dataset))


@pytest.mark.parametrize('variant', ['gt1x', 'gt7x', 'gt1x-pgt6x'])
def test_pt18_configs_change_only_the_training_labels(variant):
    base = Config.fromfile(str(PT18_BASE)).to_dict()
    cfg = Config.fromfile(str(PT18_CONFIGS[variant])).to_dict()
    dataset, base_dataset = cfg['train_dataloader'].pop('dataset'), \
        base['train_dataloader'].pop('dataset')
    for key in ('label_interval', 'pseudo_ann_file'):
        cfg.pop(key, None)
    assert cfg == base
    assert dataset['type'] == 'PoseTrackSparseDataset'
    assert dataset['label_interval'] == (7 if variant == 'gt1x' else 1)
    assert dataset['ann_file'] == (PSEUDO if variant == 'gt1x-pgt6x' else
                                   'annotations/posetrack18_train.json')
    assert {k: v for k, v in dataset.items() if k not in ('type', 'label_interval', 'label_phase',
                                                          'ann_file')} == \
        {k: v for k, v in base_dataset.items() if k not in ('type', 'ann_file')}


def test_doc_pseudo_labels(train_data, tmp_path, load_tool):
    """docs/propagation.md, "Training with pseudo-labels": tools/propagate.py writes the pseudo
    json where the pGT configs read it (on CPU: --device cpu, random tiny weights); the tiny and
    PT18 configs then train on GT (1x) < GT (1x) + pGT (6x) <= GT (7x) person samples."""
    ckpt = save_random_checkpoint(TINY_STAGE2, tmp_path / 'stage2.pth')
    pseudo_file = train_data / PSEUDO
    assert load_tool('propagate').main([
        '--ann-file', str(train_data / 'annotations' / 'posetrack18_train.json'),
        '--data-root', str(train_data), '--label-interval', '7', '--method', 'posewarper',
        '--config', str(TINY_STAGE2), '--checkpoint', str(ckpt), '--device', 'cpu',
        '--min-joint-score', '0.2', '--out', str(pseudo_file), '--no-progress'
    ]) == 0
    assert pseudo_annotations(load_json(pseudo_file))

    sizes = {v: _train_set_size(c, train_data) for v, c in TINY_CONFIGS.items()}
    assert sizes['gt1x'] < sizes['gt1x-pgt6x'] <= sizes['gt7x']
    assert sizes['gt1x-pgt6x'] > 4 * sizes['gt1x']
    # the PT18 config reads the pseudo json at the same place under its data root
    assert _train_set_size(PT18_CONFIGS['gt1x-pgt6x'], train_data) == sizes['gt1x-pgt6x']
