"""Per-frame time of streaming vs naive temporal aggregation, and the warping head's GFLOP/s.

Not a test. Both paths process the same video (random frames at the model's input size, one
static whole-frame box, window ±2 with the official weights): *naive* runs ``PoseWarper.predict``
on every frame's window (``naive_window_predict`` of ``benchmarks/naive_window.py``,
the backbone on all 5 frames, 5 warps), *streaming* runs :class:`StreamingAggregator` (each
frame's backbone once, 4 warps, and the reference frame's zero-difference warp as a resampling
with offsets computed once per video).

The model: HRNet-W48 384×288 (the backbone of MMPose's
``td-hm_hrnet-w48_8xb64-20e_posetrack18-384x288.py``) with ``PoseWarperHead(in_channels=48,
final_layer=dict(kernel_size=1))``, or with ``--quick`` the tiny config of ``configs/tiny``.
Weights are random; the offset convs get small random weights instead of the zero init so that
the warps are not the identity (a fresh head would make both paths trivially equal).

Reported (``--json`` writes them):

- ``streaming_over_naive``: measured per-frame time ratio, median over ``--repeats`` passes in
  which the two paths alternate frame by frame (so machine noise hits both alike). On a CPU it is
  the ratio of process CPU time, which other jobs on a shared machine do not inflate;
  ``streaming_over_naive_wall`` is the wall-clock ratio;
- ``floor_ratio``: multiply-accumulates (MACs) streaming must do over those of naive on this
  video, ends clipped as they are run. Backbone + heatmap layers and the warp's convolutions are
  counted with mmengine's ``FlopAnalyzer``; it does not count ``torchvision::deform_conv2d``, so
  each deformable conv is counted analytically as ``(C_out + 4)·C_in·k²·h·w`` MACs (the GEMM
  plus 4 for each bilinearly sampled column entry). ``floor_ratio_steady_*`` are the values for
  a long video, with a static box and with boxes that move every frame (top-down with a
  detector: the neighbours must be cropped with the reference frame's box, so no crop is
  shared and only the reference frame's warp is saved);
- ``max_abs_diff``: max |streaming - naive| over all heatmaps (``max_abs_heatmap`` for scale);
- ``head_gflops``: achieved GFLOP/s (2 FLOPs per MAC) of ``PoseWarperHead.warp`` on the batch of
  pairs streaming warps per frame, with a per-part breakdown; ``gemm_peak_gflops``: fp32
  ``torch.mm`` of 2048² matrices on the same machine and threads. Both are the best of a few
  runs, timed like the paths (process CPU time on a CPU).

Usage: python benchmarks/aggregation.py [--quick] [--frames N] [--repeats R] [--threads T]
    [--device cpu] [--json OUT]
"""
import argparse
import json
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.utils import get_installed_path
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS

import posewarper  # noqa: F401  (registers the PoseWarper modules)
from posewarper.apis import StreamingAggregator
from posewarper.datasets import OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS
from naive_window import naive_window_predict  # beside this script

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

# mmpose::body_2d_keypoint/topdown_heatmap/posetrack18/td-hm_hrnet-w48_8xb64-20e_posetrack18-384x288.py
W48_CONFIG = osp.join(get_installed_path('mmpose'), '.mim', 'configs', 'body_2d_keypoint',
                      'topdown_heatmap', 'posetrack18',
                      'td-hm_hrnet-w48_8xb64-20e_posetrack18-384x288.py')
TINY_CONFIG = osp.join(REPO_ROOT, 'configs/tiny/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py')


def build_w48() -> Tuple[nn.Module, dict]:
    """PoseWarper with MMPose's PoseTrack18 HRNet-W48 backbone, codec and preprocessor."""
    cfg = Config.fromfile(W48_CONFIG)
    model_cfg = dict(
        type='PoseWarper',
        backbone=cfg.model.backbone,
        head=dict(type='PoseWarperHead', in_channels=48, out_channels=17,
                  final_layer=dict(kernel_size=1), decoder=cfg.codec),
        data_preprocessor=dict(cfg.model.data_preprocessor, type='PoseWarperDataPreprocessor'),
        test_cfg=dict(flip_test=False))
    model_cfg['backbone'].pop('init_cfg', None)
    pipeline = [dict(type='LoadMultiFrameImages'), dict(type='GetBBoxCenterScale', padding=1.25),
                dict(type='TopdownAffine', input_size=cfg.codec['input_size']),
                dict(type='PackMultiFramePoseInputs')]
    return MODELS.build(model_cfg), dict(pipeline=pipeline, input_size=cfg.codec['input_size'])


def build_tiny() -> Tuple[nn.Module, dict]:
    cfg = Config.fromfile(TINY_CONFIG)
    return MODELS.build(cfg.model), dict(pipeline=cfg.test_dataloader.dataset.pipeline,
                                         input_size=cfg.codec['input_size'])


class _FrameHeatmaps(nn.Module):
    """Backbone + heatmap layers of one crop, for the MAC count."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.head.forward(self.model.extract_feat(x))


class _Warp(nn.Module):

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, ref: torch.Tensor, sup: torch.Tensor) -> torch.Tensor:
        return self.head.warp(ref, sup)


class _ZeroOffsets(nn.Module):

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, zeros: torch.Tensor) -> List[torch.Tensor]:
        feats = self.head.offset_feats(zeros)
        return [layer(feats) for layer in self.head.offset_layers]


def count_macs(module: nn.Module, inputs: tuple) -> int:
    analyzer = FlopAnalyzer(module, inputs)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return int(analyzer.total())


def deform_macs(head: nn.Module, h: int, w: int) -> int:
    """Analytic MACs of the deformable convs of one warp (not counted by mmengine)."""
    total = 0
    for conv in head.deform_conv_layers:
        k2 = conv.kernel_size**2
        total += (conv.out_channels + 4) * conv.in_channels * k2 * h * w
    return total


def window_frames(t: int, n: int) -> List[int]:
    return [min(max(t + o, 0), n - 1) for o in OFFICIAL_OFFSETS]


def floor_ratio(n: int, backbone: int, warp: int, zero_offsets: int, resample: int) -> float:
    """MACs streaming / naive on a video of n frames with a static box (clipped ends)."""
    naive = sum(len(OFFICIAL_OFFSETS) * (backbone + warp) for _ in range(n))
    streaming = n * backbone + zero_offsets
    for t in range(n):
        neighbours = set(window_frames(t, n)) - {t}
        streaming += len(neighbours) * warp + resample
    return streaming / naive


def gemm_peak(device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    torch.mm(a, b)
    best = _best(lambda: torch.mm(a, b), device, repeats)
    return 2 * n**3 / best / 1e9


def _timed(fn: Callable, device: torch.device) -> Tuple[float, float]:
    """Wall-clock and process CPU seconds of ``fn()``."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
    return time.perf_counter() - start, time.process_time() - start_cpu


def _best(fn: Callable, device: torch.device, repeats: int = 3) -> float:
    """Fastest time of a few runs: process CPU time on a CPU (other jobs on a shared machine do
    not inflate it; with one thread it is the wall-clock time of an idle machine), wall-clock
    time on a GPU."""
    return min(_timed(fn, device)[device.type == 'cpu'] for _ in range(repeats))


def main(argv: Optional[List[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='the tiny model instead of W48')
    parser.add_argument('--frames', type=int, help='video length (default: 10, quick 12)')
    parser.add_argument('--repeats', type=int, help='timed runs per path (default 1, quick 3)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, help='torch CPU threads (default: torch\'s)')
    parser.add_argument('--json', help='also write the results to this JSON file')
    args = parser.parse_args(argv)
    frames_n = args.frames or (12 if args.quick else 10)
    repeats = args.repeats or (3 if args.quick else 1)
    if frames_n < 1 or repeats < 1:
        parser.error('--frames and --repeats must be >= 1')

    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmpose')
    device = torch.device(args.device)
    torch.manual_seed(0)
    model, info = build_tiny() if args.quick else build_w48()
    for layer in model.head.offset_layers:  # non-trivial warps (offsets of a few pixels)
        nn.init.normal_(layer.weight, std=0.01 if not args.quick else 0.05)
    model.to(device).eval()
    model.test_cfg['output_heatmaps'] = True
    model.dataset_meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/'
                                                  'posetrack18.py'))
    pipeline = Compose(info['pipeline'])
    w, h = info['input_size']
    rng = np.random.RandomState(0)
    frames = [rng.randint(0, 256, (h, w, 3)).astype(np.uint8) for _ in range(frames_n)]
    name = 'tiny HRNet 128x96' if args.quick else 'HRNet-W48 384x288'
    print(f'{name}, {frames_n} frames, window ±2, {args.device}, '
          f'threads={torch.get_num_threads()}, {repeats} timed run(s) per path')

    def run_both() -> Tuple[Dict[str, float], Dict[str, float], list, list, dict]:
        """One pass over the video, the two paths interleaved frame by frame."""
        wall, cpu = dict(naive=0.0, streaming=0.0), dict(naive=0.0, streaming=0.0)
        naive_hm, results = [], []
        agg = StreamingAggregator(model, pipeline=pipeline)

        def timed(path: str, fn: Callable) -> None:
            w, c = _timed(fn, device)
            wall[path] += w
            cpu[path] += c

        for t, frame in enumerate(frames):
            timed('naive', lambda: naive_hm.append(naive_window_predict(
                model, pipeline, frames, t)[0].pred_fields.heatmaps))
            timed('streaming', lambda: results.extend(agg.push(frame)))
        timed('streaming', lambda: results.extend(agg.flush()))
        return wall, cpu, naive_hm, [r.heatmaps[0] for r in results], dict(agg.stats)

    # the fp32 GEMM peak, measured before and after the runs (the best of both: a shared machine
    # only ever makes it look lower)
    peak = gemm_peak(device)

    # warm-up on a short prefix (allocator, oneDNN primitive caches)
    warm = frames[:min(3, frames_n)]
    naive_window_predict(model, pipeline, warm, 0)
    agg = StreamingAggregator(model, pipeline=pipeline)
    for frame in warm:
        agg.push(frame)
    agg.flush()

    runs = [run_both() for _ in range(repeats)]
    _, _, naive_hm, stream_hm, stats = runs[-1]
    max_abs_diff = max(float((a - b).abs().max()) for a, b in zip(stream_hm, naive_hm))
    max_abs = max(float(a.abs().max()) for a in naive_hm)
    ms = {f'{path}_{clock}': 1000 * statistics.median(r[i][path] for r in runs) / frames_n
          for i, clock in enumerate(('wall', 'cpu')) for path in ('naive', 'streaming')}
    # On a CPU the ratio is taken on the process's CPU time: on a machine shared with other
    # jobs it is what the two paths cost, while their wall-clock time also holds the waits.
    clock = 'cpu' if device.type == 'cpu' else 'wall'
    ratio = ms[f'streaming_{clock}'] / ms[f'naive_{clock}']
    ratio_wall = ms['streaming_wall'] / ms['naive_wall']

    # MACs
    K = model.head.out_channels
    hh, ww = stream_hm[0].shape[-2:]
    crop = torch.zeros(1, 3, h, w, device=device)
    pair = torch.rand(1, K, hh, ww, device=device)
    with torch.no_grad():
        backbone = count_macs(_FrameHeatmaps(model), (crop, ))
        warp_counted = count_macs(_Warp(model.head), (pair, pair.flip(-1)))
        zero_offsets = count_macs(_ZeroOffsets(model.head), (torch.zeros_like(pair), ))
    resample = deform_macs(model.head, hh, ww)
    warp = warp_counted + resample
    pairs = len(OFFICIAL_OFFSETS)
    floor = floor_ratio(frames_n, backbone, warp, zero_offsets, resample)
    steady_static = (backbone + (pairs - 1) * warp + resample) / (pairs * (backbone + warp))
    steady_moving = (pairs * backbone + (pairs - 1) * warp + resample) / (pairs * (backbone + warp))

    # the warping head's throughput, on the streaming batch (4 pairs) of this video's heatmaps
    video_hm = torch.stack(naive_hm)
    ref = video_hm[[0] * (pairs - 1)]
    sup = video_hm[[min(i, frames_n - 1) for i in range(1, pairs)]]
    head = model.head
    parts = {}
    with torch.no_grad():
        head.warp(ref, sup)
        warp_s = _best(lambda: head.warp(ref, sup), device)
        feats = head.offset_feats(ref - sup)
        offsets = [layer(feats) for layer in head.offset_layers]
        res_blocks_macs = count_macs(head.offset_feats, (ref[:1] - sup[:1], ))
        parts['residual_blocks'] = (res_blocks_macs,
                                    _best(lambda: head.offset_feats(ref - sup), device))
        parts['offset_convs'] = (warp_counted - res_blocks_macs, _best(
            lambda: [layer(feats) for layer in head.offset_layers], device))
        parts['deform_convs'] = (resample, _best(
            lambda: [d(sup, o) for d, o in zip(head.deform_conv_layers, offsets)], device))
    head_gflops = 2 * warp * len(ref) / warp_s / 1e9
    breakdown = {k: dict(gmacs_per_pair=m / 1e9, ms=1000 * s,
                         gflops=2 * m * len(ref) / s / 1e9) for k, (m, s) in parts.items()}
    peak = max(peak, gemm_peak(device))

    result = dict(
        model=name, device=args.device, threads=torch.get_num_threads(), frames=frames_n,
        repeats=repeats, frame_offsets=list(OFFICIAL_OFFSETS),
        frame_weights=list(OFFICIAL_WEIGHTS), input_size=[w, h], heatmap_size=[ww, hh],
        naive_ms_per_frame=ms[f'naive_{clock}'], streaming_ms_per_frame=ms[f'streaming_{clock}'],
        timing_clock=clock, streaming_over_naive=ratio, streaming_over_naive_wall=ratio_wall,
        naive_wall_ms_per_frame=ms['naive_wall'], streaming_wall_ms_per_frame=ms['streaming_wall'],
        floor_ratio=floor, floor_ratio_steady_static_box=steady_static,
        floor_ratio_steady_moving_boxes=steady_moving,
        gmacs=dict(frame_heatmaps=backbone / 1e9, warp_pair=warp / 1e9,
                   warp_pair_mmengine_counted=warp_counted / 1e9,
                   deform_convs_analytic=resample / 1e9,
                   zero_offsets_once_per_video=zero_offsets / 1e9),
        max_abs_diff=max_abs_diff, max_abs_heatmap=max_abs,
        head_gflops=head_gflops, head_breakdown=breakdown, gemm_peak_gflops=peak,
        streaming_stats=stats,
        goals=dict(streaming_within_1p1_floor=ratio <= 1.1 * floor,
                   head_at_least_half_peak=head_gflops >= 0.5 * peak))
    print(f'per frame ({clock} time): naive {ms[f"naive_{clock}"]:.1f} ms, streaming '
          f'{ms[f"streaming_{clock}"]:.1f} ms, ratio {ratio:.3f} (wall-clock {ratio_wall:.3f}); '
          f'MAC floor {floor:.3f} (steady state {steady_static:.3f} static box, '
          f'{steady_moving:.3f} moving boxes)')
    print(f'GMACs: frame heatmaps {backbone / 1e9:.2f}, warp per pair {warp / 1e9:.2f} '
          f'(deformable convs {resample / 1e9:.3f}, analytic)')
    print(f'max |streaming - naive| = {max_abs_diff:.2e} (max |heatmap| {max_abs:.2e})')
    print(f'warping head {head_gflops:.1f} GFLOP/s vs fp32 GEMM peak {peak:.1f} GFLOP/s')
    for k, v in breakdown.items():
        print(f'  {k:>15}: {v["gmacs_per_pair"]:.3f} GMACs/pair, {v["ms"]:.1f} ms, '
              f'{v["gflops"]:.1f} GFLOP/s')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
