"""The demo's stage 2 from a trained PoseWarper (``demo_config(init_from=...)``): mmengine's
Runner takes the whole pretrained model first and the fine-tuned stage 1 over it, so the warping
head is the pretrained one and the stage-1 part is the fine-tuned one."""
import pytest
import torch

from posewarper.engine import build_runner
from posewarper.utils import read_checkpoint
from posewarper_demo.pipeline import (CONFIGS, QUICK, config_file, demo_config, make_demo_data,
                                      train_model)
from tests.helpers.tiny_posewarper import PRETRAINED_STAGE1, save_tiny_posewarper


def _state(path):
    return read_checkpoint(str(path))['state_dict']


@pytest.mark.parametrize('with_init', [True, False])
def test_pretrained_warp_under_finetuned_stage1(tmp_path, with_init):
    data = tmp_path / 'data'
    make_demo_data(str(data), QUICK, seed=3)
    # a "trained" PoseWarper: a warping head away from its identity init, and a stage-1 part
    # that differs from the stage-1 checkpoint (which must win)
    stage2 = save_tiny_posewarper(tmp_path / 'stage2.pth')
    state = _state(stage2)
    gen = torch.Generator().manual_seed(0)
    for key, value in state.items():
        if value.is_floating_point():
            state[key] = value + 0.01 * torch.randn(value.shape, generator=gen)
    torch.save(dict(state_dict=state), str(stage2))

    cfg = demo_config(config_file(CONFIGS['posewarper']), str(data), str(tmp_path / 'work'),
                      None, seed=3, load_from=str(PRETRAINED_STAGE1), iters=1,
                      init_from=str(stage2) if with_init else None)
    # one step that changes no weight: what the runner loaded is what the model holds
    cfg.optim_wrapper.optimizer.lr = 0.0
    runner = build_runner(cfg)
    runner.train()
    model = runner.model.state_dict()
    stage1 = _state(PRETRAINED_STAGE1)
    for key, value in stage1.items():  # the stage-1 part: the fine-tuned (here: shipped) one
        if 'running_' in key or 'num_batches' in key:
            continue
        assert torch.equal(model[key], value.float()), key
    warp = [k for k in model if k.startswith(('head.offset_layers', 'head.deform_conv_layers'))]
    assert warp
    fresh = build_runner(demo_config(config_file(CONFIGS['posewarper']), str(data),
                                     str(tmp_path / 'fresh'), None, seed=3, iters=1))
    fresh_state = fresh.model.state_dict()
    for key in warp:
        if with_init:  # the pretrained warping head
            assert torch.equal(model[key], state[key]), key
        else:  # the untrained identity warp
            assert torch.equal(model[key], fresh_state[key]), key


def test_zero_iterations_save_the_model_as_initialised(tmp_path):
    """``--stage2-epochs 0``: the pretrained PoseWarper under the fine-tuned stage 1, evaluated
    without fine-tuning, is saved as ``iter_0.pth``."""
    data = tmp_path / 'data'
    make_demo_data(str(data), QUICK, seed=3)
    stage2 = save_tiny_posewarper(tmp_path / 'stage2.pth')
    cfg = demo_config(config_file(CONFIGS['posewarper']), str(data), str(tmp_path / 'work'),
                      0, seed=3, load_from=str(PRETRAINED_STAGE1), init_from=str(stage2))
    saved = train_model(cfg)
    assert saved.endswith('iter_0.pth')
    model, stage1, pretrained = _state(saved), _state(PRETRAINED_STAGE1), _state(stage2)
    assert set(model) == set(pretrained)
    for key, value in model.items():
        expected = stage1[key] if key in stage1 else pretrained[key]
        assert torch.equal(value, expected.to(value.dtype)), key
