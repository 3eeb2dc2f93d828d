"""The tiny PoseWarper config through mmengine's Runner on generated sparsely-labelled videos."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.runner import Runner, load_checkpoint
from mmpose.registry import MODELS

from posewarper.utils import safe_checkpoint_loading
from posewarper_synthetic import make_synthetic_posetrack

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'tiny'
CONFIG = CONFIG_DIR / 'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py'
STAGE1_CONFIG = CONFIG_DIR / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py'


def _tiny_cfg(data_root: Path, work_dir: Path) -> Config:
    cfg = Config.fromfile(str(CONFIG))
    cfg.work_dir = str(work_dir)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1, max_keep_ckpts=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.train_dataloader.batch_size = 4
    cfg.val_dataloader.batch_size = 4
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.data_root = str(data_root) + '/'
    cfg.val_dataloader.dataset.frame_offsets = (0, -1, 1)
    cfg.val_dataloader.dataset.frame_weights = (0.5, 0.25, 0.25)
    cfg.val_evaluator.ann_file = str(data_root / 'annotations' / 'posetrack18_val.json')
    cfg.test_dataloader = cfg.val_dataloader
    cfg.test_evaluator = cfg.val_evaluator
    return cfg


@pytest.mark.slow  # trains
@pytest.mark.on_device  # on mmengine's device: CUDA where there is one (benchmarks/cuda_check.py)
def test_train_checkpoint_reload_and_evaluate(tmp_path):
    data_root = tmp_path / 'synthetic'
    make_synthetic_posetrack(str(data_root), videos=1, frames=8, seed=3, width=128, height=96,
                             people_min=1, people_max=2)
    # a stage-1 (single-frame) checkpoint, as the stage-1 config would have produced
    stage1 = MODELS.build(Config.fromfile(str(STAGE1_CONFIG)).model)
    stage1.init_weights()
    stage1_state = stage1.state_dict()
    torch.save(dict(state_dict=stage1_state), str(tmp_path / 'stage1.pth'))

    cfg = _tiny_cfg(data_root, tmp_path / 'work')
    cfg.load_from = str(tmp_path / 'stage1.pth')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert next(runner.model.parameters()).device.type == get_device()

    # stage 2 starts from stage 1; the frozen backbone and heatmap layer did not move
    trained = {k: v.cpu() for k, v in runner.model.state_dict().items()}
    for k, v in stage1_state.items():
        assert torch.equal(v, trained[k]), k
    assert any(k.startswith('head.offset_layers') and v.abs().sum() > 0
               for k, v in trained.items())  # the zero-initialised offsets trained
    ckpt = tmp_path / 'work' / 'epoch_2.pth'
    assert ckpt.is_file() and not (tmp_path / 'work' / 'epoch_1.pth').exists()

    # the checkpoint loads back (torch's weights_only default, with posewarper's allow-list for
    # what mmengine pickles) and reproduces the outputs
    reloaded = MODELS.build(cfg.model)
    with safe_checkpoint_loading():
        load_checkpoint(reloaded, str(ckpt), map_location='cpu', strict=True)
    model = runner.model.eval()
    reloaded.to(get_device()).eval()
    batch = next(iter(runner.build_dataloader(cfg.val_dataloader)))
    with torch.no_grad():
        a = model.test_step(batch)
        b = reloaded.test_step(batch)
    for x, y in zip(a, b):
        assert torch.equal(torch.as_tensor(x.pred_instances.keypoints),
                           torch.as_tensor(y.pred_instances.keypoints))

    # the test loop aggregates windows and scores them with our PoseTrack AP
    metrics = runner.test()
    assert set(metrics) == {f'posetrack/{k}' for k in
                            ('Head', 'Shou', 'Elb', 'Wri', 'Hip', 'Knee', 'Ankl', 'Total')}
    assert all(0.0 <= v <= 100.0 for v in metrics.values() if v == v)  # NaN: joint without GT
