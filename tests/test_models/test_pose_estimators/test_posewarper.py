import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmpose.registry import MODELS

import posewarper  # noqa: F401
from benchmarks.clip_batches import clip_batch

TINY_BASE = Path(__file__).resolve().parents[3] / 'configs' / 'tiny' / '_base_' / \
    'hrnet-tiny_128x96.py'


def _tiny_model_cfg(**head_kwargs) -> dict:
    base = Config.fromfile(str(TINY_BASE))
    head = copy.deepcopy(base.posewarper_head.to_dict())
    head.update(head_kwargs)
    return dict(type='PoseWarper', backbone=base.backbone.to_dict(), head=head,
                data_preprocessor=dict(base.data_preprocessor.to_dict(),
                                       type='PoseWarperDataPreprocessor'),
                test_cfg=dict(flip_test=False))


def _stage1_model_cfg() -> dict:
    base = Config.fromfile(str(TINY_BASE))
    return dict(type='TopdownPoseEstimator', backbone=base.backbone.to_dict(),
                head=base.heatmap_head.to_dict(), data_preprocessor=base.data_preprocessor)


def test_preprocessor_keeps_frames_and_normalises():
    model = MODELS.build(_tiny_model_cfg())
    data = model.data_preprocessor(clip_batch(batch_size=3, num_frames=4, weights=[1, 0, 0, 0]))
    assert data['inputs'].shape == (3, 4, 3, 128, 96)
    assert data['inputs'].dtype == torch.float32
    assert data['inputs'].abs().max() < 3  # normalised with ImageNet mean/std


def test_loss_decreases_on_fixed_batch():
    torch.manual_seed(0)
    model = MODELS.build(dict(_tiny_model_cfg(), freeze_backbone=False))
    model.init_weights()
    model.train()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    data = clip_batch()
    losses = [float(model.train_step(data, optim)['loss_kpt']) for _ in range(10)]
    assert losses[-1] < 0.8 * losses[0], losses


def test_stage2_backbone_receives_no_gradient():
    torch.manual_seed(0)
    model = MODELS.build(_tiny_model_cfg())  # freeze_backbone=True: the paper's stage 2
    model.init_weights()
    model.train()
    for layer in model.head.offset_layers:  # let gradients reach every part of the warp
        torch.nn.init.normal_(layer.weight, std=0.01)
    frozen_state = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    frozen_state.update({f'final_layer.{k}': v.clone()
                         for k, v in model.head.final_layer.state_dict().items()})
    data = model.data_preprocessor(clip_batch(), training=True)
    losses = model(**data, mode='loss')
    (losses['loss_kpt']).backward()
    for name, p in list(model.backbone.named_parameters()) + list(
            model.head.final_layer.named_parameters()):
        assert not p.requires_grad and p.grad is None, name
    for name, p in model.head.named_parameters():
        if name.startswith(('offset_feats', 'offset_layers', 'deform_conv_layers')):
            assert p.grad is not None, name
    assert any(p.grad.abs().sum() > 0 for p in model.head.offset_layers.parameters())
    # a few optimiser steps: frozen weights and BatchNorm statistics (eval mode) do not move
    optim = OptimWrapper(torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2))
    before = {k: v.clone() for k, v in model.head.offset_layers.state_dict().items()}
    for _ in range(3):
        model.train_step(clip_batch(), optim)
    after = dict(model.backbone.state_dict())
    after.update({f'final_layer.{k}': v for k, v in model.head.final_layer.state_dict().items()})
    for k, v in frozen_state.items():
        assert torch.equal(v, after[k]), k
    assert any(not torch.equal(v, model.head.offset_layers.state_dict()[k])
               for k, v in before.items())


def test_unfrozen_backbone_trains():
    model = MODELS.build(dict(_tiny_model_cfg(), freeze_backbone=False))
    model.train()
    data = model.data_preprocessor(clip_batch(), training=True)
    model(**data, mode='loss')['loss_kpt'].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.backbone.parameters())


def test_frozen_bn_in_train_mode_updates_statistics_not_weights():
    """``frozen_bn_mode='train'`` (the official code): no gradients into the frozen part, but its
    BatchNorm layers normalise with batch statistics and update their running statistics."""
    model = MODELS.build(dict(_tiny_model_cfg(), frozen_bn_mode='train'))
    model.train()
    bns = [m for m in model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(m.training for m in bns)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    weights = {k: v.clone() for k, v in model.backbone.state_dict().items()
               if 'running' not in k and 'num_batches' not in k}
    stats = [m.running_mean.clone() for m in bns]
    optim = OptimWrapper(torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2))
    model.train_step(clip_batch(), optim)
    assert all(torch.equal(v, model.backbone.state_dict()[k]) for k, v in weights.items())
    assert any(not torch.equal(s, m.running_mean) for s, m in zip(stats, bns))
    eval_model = MODELS.build(_tiny_model_cfg()).train()  # the default keeps them in eval
    assert not any(m.training for m in eval_model.backbone.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))
    with pytest.raises(ValueError, match='frozen_bn_mode'):
        MODELS.build(dict(_tiny_model_cfg(), frozen_bn_mode='frozen'))


def test_predict_aggregates_window_in_image_space():
    model = MODELS.build(_tiny_model_cfg()).eval()
    data = model.data_preprocessor(
        clip_batch(batch_size=2, num_frames=5, weights=[0.3, 0.25, 0.25, 0.1, 0.1]))
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert len(results) == 2
    kpts = results[0].pred_instances.keypoints
    assert kpts.shape == (1, 17, 2)
    assert np.isfinite(kpts).all()
    assert results[0].pred_instances.keypoint_scores.shape == (1, 17)


def test_flip_test_runs():
    cfg = _tiny_model_cfg()
    cfg['test_cfg'] = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    model = MODELS.build(cfg).eval()
    data = model.data_preprocessor(clip_batch(num_frames=3, weights=[0.5, 0.25, 0.25]))
    with torch.no_grad():
        results = model(**data, mode='predict')
    assert results[1].pred_instances.keypoints.shape == (1, 17, 2)


def test_stage1_checkpoint_fills_everything_but_the_warp():
    stage1 = MODELS.build(_stage1_model_cfg())
    model = MODELS.build(_tiny_model_cfg())
    result = model.load_state_dict(stage1.state_dict(), strict=False)
    assert not result.unexpected_keys
    assert result.missing_keys and all(
        k.startswith(('head.offset_feats', 'head.offset_layers', 'head.deform_conv_layers'))
        for k in result.missing_keys)


def test_pair_training_with_one_frame_is_refused():
    model = MODELS.build(_tiny_model_cfg())
    data = model.data_preprocessor(clip_batch(num_frames=1, weights=[1.0]))
    with pytest.raises(ValueError, match='T >= 2'):
        model(**data, mode='loss')


def test_head_must_warp():
    cfg = _tiny_model_cfg()
    cfg['head'] = _stage1_model_cfg()['head']
    with pytest.raises(TypeError, match='warp'):
        MODELS.build(cfg)


def test_mmpose0x_state_dict_loads_as_is():
    """MMPose 0.x PoseWarper files (``neck.*``) load into the estimator without conversion."""
    torch.manual_seed(0)
    source = MODELS.build(_tiny_model_cfg())
    for p in source.parameters():
        torch.nn.init.normal_(p.data)
    renamed = {}
    for key, value in source.state_dict().items():
        key = key.replace('head.final_layer.', 'neck.trans_layer.')
        renamed[key.replace('head.offset', 'neck.offset').replace('head.deform', 'neck.deform')] = \
            value
    assert any(k.startswith('neck.trans_layer') for k in renamed)
    model = MODELS.build(_tiny_model_cfg())
    model.load_state_dict(renamed, strict=True)
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_cycle_finetune_trains_the_round_trip_only():
    """The official fine-tune mode (the finetune config): the direct term weighs 0, the round
    trip alone moves the warping head."""
    cfg = _tiny_model_cfg()
    cfg['head'] = dict(cfg['head'], loss=dict(type='KeypointMSELoss', use_target_weight=True,
                                              loss_weight=0.0),
                       cycle_loss=dict(type='CycleConsistencyLoss', loss_weight=1.0))
    model = MODELS.build(cfg)
    model.train()
    with torch.no_grad():  # a non-identity warp, as after stage 2
        for layer in model.head.offset_layers:
            layer.weight.normal_(std=0.01)
    losses = model(**model.data_preprocessor(clip_batch(), training=True), mode='loss')
    assert losses['loss_kpt'].item() == 0
    losses['loss_cycle'].backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.head.offset_layers.parameters())
    assert Config.fromfile(str(Path(__file__).resolve().parents[3] / 'configs' / 'posewarper' /
                               'posewarper-cycle-finetune_hrnet-w48_8xb8-20e_posetrack18-384x288.py'
                               )).model.head.loss.loss_weight == 0.0


@pytest.mark.parametrize('backend', ['mmcv', 'torchvision', 'pytorch'])
def test_pair_loss_under_autocast(backend, device):
    """The stage-2 step of ``--amp`` (fp16 autocast on CUDA; bf16 on the CPU): a finite loss close
    to the fp32 one, gradients into the warping head only."""
    torch.manual_seed(0)
    model = MODELS.build(_tiny_model_cfg(deform_conv_backend=backend))
    model.init_weights()
    for layer in model.head.offset_layers:  # offsets of a few pixels, not the identity
        torch.nn.init.normal_(layer.weight, std=0.05)
    model.to(device).train()
    data = model.data_preprocessor(clip_batch(), training=True)
    reference = model(**data, mode='loss')['loss_kpt'].detach()
    dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    with torch.autocast(device.type, dtype=dtype):
        losses = model(**data, mode='loss')
    losses['loss_kpt'].backward()
    assert torch.isfinite(losses['loss_kpt'])
    assert torch.allclose(losses['loss_kpt'].float(), reference, rtol=0.05)
    assert all(p.grad is None for p in model.backbone.parameters())
    assert all(torch.isfinite(p.grad).all() for p in model.head.offset_layers.parameters())
    assert any(p.grad.abs().sum() > 0 for p in model.head.deform_conv_layers.parameters())
