import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.structures import PoseDataSample

from posewarper.models import PoseWarperHead


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _samples(batch: int, num_kpts: int, hm_size, weights=(0.0, 1.0)):
    samples = []
    gen = torch.Generator().manual_seed(0)
    for _ in range(batch):
        s = PoseDataSample(metainfo=dict(frame_weights=list(weights), flip_indices=list(
            range(num_kpts)), input_size=(hm_size[1] * 4, hm_size[0] * 4)))
        s.gt_fields = PixelData(heatmaps=torch.rand(num_kpts, *hm_size, generator=gen))
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, num_kpts))
        samples.append(s)
    return samples


def test_paper_configuration_parameter_counts():
    head = PoseWarperHead()
    assert _count(head.offset_feats) == 5_783_040
    assert _count(head.offset_layers) == 1_762_560
    assert _count(head.deform_conv_layers) == 13_005
    assert _count(head) == 7_558_605
    assert head.dilations == (3, 6, 12, 18, 24)
    for layer, d in zip(head.offset_layers, head.dilations):
        assert layer.dilation == (d, d) and layer.padding == (d, d) and layer.bias is None
        assert layer.out_channels == 306
    for layer, d in zip(head.deform_conv_layers, head.dilations):
        assert layer.dilation == d and layer.padding == d and layer.deform_groups == 17


@pytest.mark.parametrize('backend', ['torchvision', 'mmcv', 'pytorch'])
def test_fresh_head_warp_is_identity(backend, device):
    head = PoseWarperHead(num_res_blocks=2, inner_channels=16,
                          deform_conv_backend=backend).to(device)
    ref, sup = torch.rand(2, 17, 24, 18, device=device), torch.rand(2, 17, 24, 18, device=device)
    assert torch.equal(head.warp(ref, sup), sup)
    src = torch.rand(2, 17, 24, 18, device=device)
    assert torch.equal(head.warp(ref, sup, source=src), src)
    # init_weights (what the Runner calls) must keep the identity
    head.init_weights()
    assert torch.equal(head.warp(ref, sup), sup)


def test_heatmap_layers_are_those_of_heatmap_head():
    head = PoseWarperHead(in_channels=48, out_channels=17, final_layer=dict(kernel_size=1),
                          num_res_blocks=1, inner_channels=8)
    keys = {k for k in head.state_dict() if not k.startswith(
        ('offset_feats', 'offset_layers', 'deform_conv_layers'))}
    assert keys == {'final_layer.weight', 'final_layer.bias'}
    feats = (torch.rand(6, 48, 24, 18), )
    assert head.frame_heatmaps(feats, num_samples=3).shape == (3, 2, 17, 24, 18)


def test_wrong_heatmap_channels_raise():
    head = PoseWarperHead(num_res_blocks=1, inner_channels=8)
    with pytest.raises(ValueError, match='out_channels'):
        head.warp(torch.rand(1, 15, 8, 8), torch.rand(1, 15, 8, 8))


def test_unknown_backend_raises():
    with pytest.raises(ValueError, match='deform_conv_backend'):
        PoseWarperHead(num_res_blocks=1, deform_conv_backend='cuda-magic')


def test_pair_loss_needs_two_frames():
    head = PoseWarperHead(num_res_blocks=1, inner_channels=8)
    samples = _samples(2, 17, (8, 6))
    with pytest.raises(ValueError, match='T >= 2'):
        head.loss((torch.rand(2, 17, 8, 6), ), samples)


def test_loss_and_cycle_loss_reach_offset_layers(device):
    torch.manual_seed(0)
    head = PoseWarperHead(num_res_blocks=1, inner_channels=8, dilations=(1, 2),
                          cycle_loss=dict(type='CycleConsistencyLoss', loss_weight=0.5))
    # perturb the zero-initialised offsets so that gradients through both warps are non-trivial
    for layer in head.offset_layers:
        torch.nn.init.normal_(layer.weight, std=0.1)
    head.to(device)
    samples = [s.to(device) for s in _samples(2, 17, (8, 6))]
    feats = (torch.rand(4, 17, 8, 6, device=device), )
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_kpt', 'loss_cycle', 'acc_pose'}
    assert losses['loss_kpt'].device.type == device.type
    head.zero_grad()
    losses['loss_kpt'].backward(retain_graph=True)
    for layer in head.deform_conv_layers:  # the warp's backward reaches every kernel weight
        assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0
    head.zero_grad()
    losses['loss_cycle'].backward()
    for layer in head.offset_layers:
        assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0


def test_frozen_warp_layers_train_the_deformable_convs_only():
    """The official cycle fine-tune (FREEZE_WEIGHTS): residual blocks and offset convs get no
    gradients, their BN still updates its statistics in training mode."""
    torch.manual_seed(0)
    head = PoseWarperHead(num_res_blocks=2, inner_channels=8, dilations=(1, 2),
                          frozen_warp_layers=('offset_feats', 'offset_layers'),
                          loss=dict(type='KeypointMSELoss', use_target_weight=True,
                                    loss_weight=0.0),
                          cycle_loss=dict(type='CycleConsistencyLoss', loss_weight=1.0))
    head.init_weights()  # keeps requires_grad as set
    with torch.no_grad():
        for layer in head.offset_layers:
            layer.weight.normal_(std=0.1)
    head.train()
    bn = head.offset_feats[0].bn1
    before = bn.running_mean.clone()
    losses = head.loss((torch.rand(4, 17, 8, 6), ), _samples(2, 17, (8, 6)))
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    trained = [n for n, p in head.named_parameters() if p.grad is not None]
    assert trained == ['deform_conv_layers.0.weight', 'deform_conv_layers.1.weight']
    assert all(p.grad.abs().sum() > 0 for p in head.deform_conv_layers.parameters())
    assert not torch.equal(bn.running_mean, before)
    assert head.frozen_warp_layers == ('offset_feats', 'offset_layers')


@pytest.mark.parametrize('names', [('offsets', ), 'offset_feats', ('final_layer', )])
def test_frozen_warp_layers_names_are_checked(names):
    with pytest.raises(ValueError, match='frozen_warp_layers'):
        PoseWarperHead(num_res_blocks=1, inner_channels=8, frozen_warp_layers=names)


def test_aggregate_matches_weighted_sum_of_pairwise_warps(device):
    torch.manual_seed(0)
    head = PoseWarperHead(num_res_blocks=1, inner_channels=8, dilations=(1, 2)).eval()
    for layer in head.offset_layers:
        torch.nn.init.normal_(layer.weight, std=0.05)
    head.to(device)
    hms = torch.rand(2, 5, 17, 8, 6, device=device)
    weights = torch.tensor([0.3, 0.25, 0.25, 0.1, 0.1], device=device)
    with torch.no_grad():
        agg = head.aggregate(hms, weights)
        naive = sum(w * head.warp(hms[:, 0], hms[:, i]) for i, w in enumerate(weights))
    assert torch.allclose(agg, naive, atol=1e-6)
    # zero weights are skipped, not computed
    with torch.no_grad():
        agg0 = head.aggregate(hms, torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0], device=device))
        assert torch.allclose(agg0, head.warp(hms[:, 0], hms[:, 1]), atol=1e-6)


def test_predict_decodes_reference_pose():
    codec = dict(type='MSRAHeatmap', input_size=(24, 32), heatmap_size=(6, 8), sigma=1)
    head = PoseWarperHead(num_res_blocks=1, inner_channels=8, dilations=(1, 2), decoder=codec)
    samples = _samples(2, 17, (8, 6), weights=(0.5, 0.5))
    hm = torch.zeros(4, 17, 8, 6)
    hm[:, :, 3, 2] = 1.0  # every keypoint at (x=2, y=3) in every frame
    preds, fields = head.predict((hm, ), samples, test_cfg=dict(output_heatmaps=True))
    assert len(preds) == 2 and fields[0].heatmaps.shape == (17, 8, 6)
    kpts = preds[0].keypoints
    assert kpts.shape == (1, 17, 2)
    assert abs(kpts[0, 0, 0] - 2 * 4) < 2.5 and abs(kpts[0, 0, 1] - 3 * 4) < 2.5


def test_predict_requires_frame_weights():
    head = PoseWarperHead(num_res_blocks=1, inner_channels=8)
    sample = PoseDataSample(metainfo=dict())
    with pytest.raises(KeyError, match='frame_weights'):
        head.predict((torch.rand(2, 17, 8, 6), ), [sample])


def test_merge_flip_is_heatmap_heads_flip_average():
    """Flip test: heatmaps of the flipped input are flipped back (left/right joints swapped,
    optionally shifted) and averaged with those of the input, as MMPose's HeatmapHead does."""
    from mmpose.models.utils.tta import flip_heatmaps
    heatmaps, flipped = torch.rand(2, 17, 8, 6), torch.rand(2, 17, 8, 6)
    flip_indices = [0, 2, 1, 4, 3] + list(range(5, 17))
    for cfg in (dict(), dict(flip_mode='heatmap', shift_heatmap=True)):
        expected = (heatmaps + flip_heatmaps(flipped, flip_mode=cfg.get('flip_mode', 'heatmap'),
                                             flip_indices=flip_indices,
                                             shift_heatmap=cfg.get('shift_heatmap', False))) / 2
        merged = PoseWarperHead.merge_flip(heatmaps, flipped, flip_indices, cfg)
        torch.testing.assert_close(merged, expected)
    # a symmetric input (its flipped view equal to itself) gives back the input
    sym = torch.rand(1, 17, 8, 6)
    sym = (sym + sym.flip(-1)) / 2
    torch.testing.assert_close(PoseWarperHead.merge_flip(sym, sym, list(range(17)), {}), sym)
