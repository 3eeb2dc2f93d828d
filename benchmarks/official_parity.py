"""Parity of posewarper's PoseWarper with the official PoseWarper's own modules, same weights.

Not a test: it needs a checkout of the official code, which this repository never copies::

    git clone https://github.com/facebookresearch/PoseWarper /path/to/PoseWarper
    python benchmarks/official_parity.py --official-repo /path/to/PoseWarper

It imports ``lib/models/pose_hrnet.py`` (training, propagation and the cycle fine-tune) and
``lib/models/pose_hrnet_PoseAgg.py`` (aggregation) from that path, with two stand-ins for what
they need and cannot have here: their CUDA ``deform_conv`` extension is replaced by
:func:`torchvision.ops.deform_conv2d` (same DCNv1 offset layout), and their ``.cuda()`` calls by
no-ops, so both models run on the CPU. The model settings come from the checkout's
``w48_384x288_adam_lr1e-4_PoseWarper_train.yaml`` (HRNet-W48, 17 joints), with the flags of each
mode set as the official scripts set them. Ours is built from our configs
(``posewarper_hrnet-w48_...py``; the cycle direction from ``posewarper-cycle-finetune_...py``).

Four directions, on random images (and random target heatmaps):

- ``training``: the pair warp ``g_{A,B}`` in training mode (BN on batch statistics), through
  ``PoseWarper.loss``; gradients of MMPose's MSE against the same target;
- ``cycle``: ``CYCLE_CONSISTENCY_FINETUNE``, the round trip A→B→A, through ``PoseWarper.loss``
  with the finetune config (our :class:`CycleConsistencyLoss`); gradients as above (reported as
  the largest relative difference of any tensor's elements, and the relative L2 difference of
  all gradients together);
- ``propagation``: evaluation mode, ``WARPING_REVERSE`` + ``USE_GT_INPUT_TEST``: A's ground-truth
  heatmap warped to B (ours: ``head.warp(ref=f_B, sup=f_A, source=y_A)``, as our propagator);
- ``aggregation``: evaluation mode, the official ±2 window and weights (ours: ``head.aggregate``).

Each direction runs with weights copied both ways: the official model's own (its
``init_weights``, then randomised so that the warp is far from the identity) loaded into ours
through :func:`~posewarper.utils.load_pose_weights`, the one checkpoint loader (official layout,
strict), and ours (randomised likewise) loaded into the official model with
:func:`~posewarper.utils.official.to_official_state_dict` and a strict ``load_state_dict``.
BN running statistics are set from one training-mode pass, so evaluation-mode outputs are of
ordinary size. It also compares the parameter counts of the warping part, the initialisation
(the official ``init_weights`` against our ``init_weights``) and which parameters train.

Usage: python benchmarks/official_parity.py --official-repo PATH [--input-size W H]
    [--batch-size N] [--backend auto] [--directions ...] [--one-way] [--seed 0] [--json OUT]
"""
import argparse
import contextlib
import json
import os.path as osp
import sys
import time
from typing import Callable, Dict, Iterator, List, Optional

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from official_modules import (HOW_TO_GET, build_official, load_official,  # beside this script
                              official_runtime)

import posewarper  # noqa: F401  (registers the PoseWarper modules)
from posewarper.apis import crop_heatmaps
from posewarper.utils import load_pose_weights, to_official_state_dict
from posewarper.utils.official import OFFICIAL_TO_POSEWARPER, _rename

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO_ROOT, 'configs', 'posewarper')
STAGE2 = osp.join(CONFIGS, 'posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py')
FINETUNE = osp.join(CONFIGS, 'posewarper-cycle-finetune_hrnet-w48_8xb8-20e_posetrack18-384x288.py')
# the official window, in the channel order of pose_hrnet_PoseAgg.py (t, t-1, t-2, t+1, t+2),
# and ours (reference first, then -1, +1, -2, +2) with the official weights
OFFICIAL_ORDER = (0, -1, -2, 1, 2)
OUR_OFFSETS, OUR_WEIGHTS = (0, -1, 1, -2, 2), (0.3, 0.25, 0.25, 0.1, 0.1)
WARP_PREFIXES = ('head.offset_feats.', 'head.offset_layers.', 'head.deform_conv_layers.')
DIRECTIONS = ['training', 'cycle', 'propagation', 'aggregation']


def build_ours(direction: str, backend: str) -> nn.Module:
    cfg = Config.fromfile(FINETUNE if direction == 'cycle' else STAGE2)
    init_default_scope('mmpose')
    cfg.model.head.deform_conv_backend = backend
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.train(direction in ('training', 'cycle'))


def randomise_(state: Dict[str, torch.Tensor], our_key: Callable[[str], str], seed: int) -> None:
    """Random weights in place, of ordinary scale, keyed by our name: a warp far from the
    identity (offsets of about a pixel, deformable kernels off the identity)."""
    gen = torch.Generator().manual_seed(seed)
    for key, value in state.items():
        if not value.is_floating_point() or 'running_' in key:
            continue
        name = our_key(key)
        noise = torch.randn(value.shape, generator=gen)
        if name.startswith('head.offset_layers.'):
            new = 0.01 * noise
        elif name.startswith('head.deform_conv_layers.'):  # around the identity
            new = 0.05 * noise
            new[range(len(new)), range(len(new)), new.shape[2] // 2, new.shape[3] // 2] += 1
        elif name.endswith('.weight') and value.dim() == 4:
            new = noise * (2.0 / value[0].numel())**0.5
        elif name.endswith('.weight'):  # BN scale
            new = 0.5 + torch.rand(value.shape, generator=gen)
        else:
            new = 0.1 * noise
        value.copy_(new)


@contextlib.contextmanager
def bn_statistics_from_next_pass(model: nn.Module) -> Iterator[None]:
    """BN running statistics become those of the next training-mode pass."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    saved = [(m.momentum, m.training) for m in bns]
    for m in bns:
        m.momentum = 1.0
        m.train()
    try:
        yield
    finally:
        for m, (momentum, training) in zip(bns, saved):
            m.momentum = momentum
            m.train(training)


def pair_samples(target: torch.Tensor, weights: torch.Tensor) -> List[PoseDataSample]:
    samples = []
    for hm, w in zip(target, weights):
        sample = PoseDataSample(gt_fields=PixelData(heatmaps=hm),
                                gt_instance_labels=InstanceData(keypoint_weights=w[None]))
        samples.append(sample)
    return samples


def _recording(head: nn.Module, outputs: List[torch.Tensor]) -> Callable:
    warp = head.warp

    def record(*args, **kwargs):
        outputs.append(warp(*args, **kwargs))
        return outputs[-1]
    return record


def _frames(data: dict, direction: str) -> torch.Tensor:
    """``(B, T, 3, H, W)``: the window (our order) for aggregation, else A and B."""
    return data['frames'] if direction == 'aggregation' else data['frames'][:, :2]


def run_ours(model: nn.Module, direction: str, data: dict) -> torch.Tensor:
    """Our output for a direction: the heatmaps the official model returns."""
    frames = _frames(data, direction)
    if direction in ('training', 'cycle'):
        outputs: List[torch.Tensor] = []
        model.head.warp = _recording(model.head, outputs)  # the warps PoseWarper.loss makes
        try:
            losses = model.loss(frames, pair_samples(data['target'], data['weights']))
        finally:
            del model.head.warp
        data['our_loss'] = sum(v for k, v in losses.items() if k.startswith('loss'))
        return outputs[-1]  # the pair warp, or the round trip of CycleConsistencyLoss
    heatmaps = crop_heatmaps(model, frames)[:, 0].view(*frames.shape[:2], -1,
                                                       *data['target'].shape[-2:])
    if direction == 'propagation':  # as PoseWarperPropagator
        return model.head.warp(ref=heatmaps[:, 1], sup=heatmaps[:, 0], source=data['target'])
    return model.head.aggregate(heatmaps, torch.tensor(OUR_WEIGHTS))


def run_official(model: nn.Module, direction: str, data: dict) -> torch.Tensor:
    """The official model's output for a direction."""
    frames = _frames(data, direction)
    if direction == 'aggregation':
        order = [OUR_OFFSETS.index(o) for o in OFFICIAL_ORDER]
        x = frames[:, order].flatten(1, 2)
    else:
        x = frames.flatten(1, 2)  # A and B along the channels
    if direction == 'propagation':  # the GT heatmap at input resolution (nearest, as they
        x = torch.cat([x, nn.functional.interpolate(data['target'], scale_factor=4.0)], 1)
    with official_runtime():
        out = model(x)
    if direction in ('training', 'cycle'):
        data['official_loss'] = MODELS.build(dict(type='KeypointMSELoss', use_target_weight=True))(
            out, data['target'], data['weights'])
    return out


def _gradients(model: nn.Module, key: Callable[[str], str]) -> Dict[str, torch.Tensor]:
    return {key(n): p.grad for n, p in model.named_parameters() if p.grad is not None}


def compare(direction: str, way: str, official: nn.Module, ours: nn.Module, data: dict,
            seed: int) -> dict:
    """Copy weights one way, run both models, return the largest differences."""
    to_ours = lambda k: _rename(k, OFFICIAL_TO_POSEWARPER)  # noqa: E731
    source = official if way == 'official->ours' else ours
    randomise_(source.state_dict(), to_ours if source is official else (lambda k: k), seed)
    if direction in ('propagation', 'aggregation'):  # evaluation mode: set BN statistics
        with torch.no_grad(), bn_statistics_from_next_pass(source):
            (run_official if source is official else run_ours)(source, direction, dict(data))
    if source is official:  # through the one checkpoint loader: official layout, strict
        load_pose_weights(ours, official.state_dict(), name='the official state dict')
    else:
        official.load_state_dict(to_official_state_dict(ours.state_dict()), strict=True)
    grad_enabled = direction in ('training', 'cycle')
    with torch.set_grad_enabled(grad_enabled):
        out_official = run_official(official, direction, data)
        out_ours = run_ours(ours, direction, data)
    result = dict(direction=direction, weights=way,
                  max_abs_diff=float((out_official - out_ours).abs().max()),
                  max_abs_output=float(out_official.abs().max()))
    if grad_enabled:
        data.pop('official_loss').backward()
        data.pop('our_loss').backward()
        g_official, g_ours = _gradients(official, to_ours), _gradients(ours, lambda k: k)
        result['trainable'] = sorted(g_ours)
        result['trainable_same'] = sorted(g_official) == sorted(g_ours)
        result['max_rel_grad_diff'] = max(
            float((g_official[k] - g_ours[k]).abs().max() / g_official[k].abs().max())
            for k in g_ours if k in g_official)
        # the whole gradient: a few elements where a sample lies on a pixel line (the kink of
        # bilinear sampling) can differ between kernels without moving the training
        shared = [k for k in g_ours if k in g_official]
        result['rel_l2_grad_diff'] = float(
            torch.stack([(g_official[k] - g_ours[k]).norm() for k in shared]).norm()
            / torch.stack([g_official[k].norm() for k in shared]).norm())
    return result


def compare_init(official: nn.Module, ours: nn.Module) -> dict:
    """The official ``init_weights`` against ours, on the head (the backbone comes from stage
    1): deterministic tensors (zero offsets, identity kernels, BN) equal, random ones with the
    same standard deviation; and the parameter counts of the warping part."""
    theirs = {_rename(k, OFFICIAL_TO_POSEWARPER): v for k, v in official.state_dict().items()}
    equal, std_ratios = 0, []
    for key, value in ours.state_dict().items():
        if not key.startswith('head.') or not value.is_floating_point():
            continue
        if torch.equal(value, theirs[key]):
            equal += 1
        else:
            std_ratios.append(float(value.std() / theirs[key].std()))

    def count(model, key):
        return sum(p.numel() for n, p in model.named_parameters() if key(n).startswith(
            WARP_PREFIXES))
    return dict(init_equal=equal, init_random=len(std_ratios),
                init_std_ratio=[min(std_ratios), max(std_ratios)] if std_ratios else None,
                params_official=count(official, lambda k: _rename(k, OFFICIAL_TO_POSEWARPER)),
                params_ours=count(ours, lambda k: k),
                official_keys=len(official.state_dict()))


def make_data(batch_size: int, width: int, height: int, seed: int) -> dict:
    gen = torch.Generator().manual_seed(seed)
    return dict(frames=torch.randn(batch_size, 5, 3, height, width, generator=gen),
                target=torch.rand(batch_size, 17, height // 4, width // 4, generator=gen),
                weights=(torch.rand(batch_size, 17, generator=gen) > 0.2).float())


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--official-repo', metavar='PATH',
                        help='a checkout of github.com/facebookresearch/PoseWarper')
    parser.add_argument('--input-size', type=int, nargs=2, default=(288, 384),
                        metavar=('W', 'H'), help='crop size (multiples of 32; default 288 384)')
    parser.add_argument('--batch-size', type=int, default=2)
    parser.add_argument('--backend', default='auto',
                        help="our deform_conv_backend (default 'auto')")
    parser.add_argument('--directions', nargs='+', default=DIRECTIONS, choices=DIRECTIONS)
    parser.add_argument('--one-way', action='store_true',
                        help='copy weights one way per direction (official->ours for training '
                        'and propagation, ours->official for cycle and aggregation) instead of '
                        'both: half the time')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', metavar='OUT', help='write the results there')
    args = parser.parse_args(argv)
    if args.input_size[0] % 32 or args.input_size[1] % 32:
        parser.error('--input-size: W and H must be multiples of 32')
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not args.official_repo:
        print(f'official_parity.py: {HOW_TO_GET}', file=sys.stderr)
        return 2
    width, height = args.input_size
    try:
        modules, cfg = load_official(args.official_repo)
    except (OSError, ImportError) as e:
        print(f'official_parity.py: error: {e}', file=sys.stderr)
        return 1
    # mmengine logs every initialised tensor of a 2,010-key model at INFO
    MMLogger.get_instance('official_parity', log_level='WARNING')
    torch.manual_seed(args.seed)
    data = make_data(args.batch_size, width, height, args.seed)
    report = dict(official_repo=osp.abspath(args.official_repo), input_size=[width, height],
                  batch_size=args.batch_size, backend=args.backend, torch=torch.__version__,
                  threads=torch.get_num_threads(), results=[])
    start = time.time()
    report.update(compare_init(build_official(modules, cfg, 'training'),
                               build_ours('training', args.backend)))
    print(f"parameters of the warping part: official {report['params_official']:,}, ours "
          f"{report['params_ours']:,}; official state dict: {report['official_keys']} keys")
    print(f"initialisation of the head: {report['init_equal']} tensors equal, "
          f"{report['init_random']} random with std ratio ours/official in "
          f"{report['init_std_ratio']}")
    print(f'{"direction":<12} {"weights":<15} {"max |diff|":>10} {"max |out|":>9} '
          f'{"relative":>9} {"grad max":>9} {"grad L2":>9}  trainable parameters')
    for direction in args.directions:
        ways = ['official->ours', 'ours->official']
        for way in ([ways[DIRECTIONS.index(direction) % 2]] if args.one_way else ways):
            result = compare(direction, way, build_official(modules, cfg, direction),
                             build_ours(direction, args.backend), dict(data), args.seed)
            report['results'].append(result)
            grad = result.get('max_rel_grad_diff')
            trainable = '' if grad is None else (
                f"{len(result['trainable'])} tensors, "
                f"{'the same' if result['trainable_same'] else 'DIFFERENT'} on both sides")
            print(f"{direction:<12} {way:<15} {result['max_abs_diff']:>10.1e} "
                  f"{result['max_abs_output']:>9.2f} "
                  f"{result['max_abs_diff'] / result['max_abs_output']:>9.1e} "
                  f"{'' if grad is None else format(grad, '.1e'):>9} "
                  f"{'' if grad is None else format(result['rel_l2_grad_diff'], '.1e'):>9}  "
                  f"{trainable}", flush=True)
    report['seconds'] = round(time.time() - start, 1)
    print(f"{report['seconds']} s")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
