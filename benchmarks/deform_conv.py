"""Forward+backward time of the two deformable-conv kernels at PoseWarper size.

Input ``8×17×96×72`` (a batch of HRNet-W48 384×288 heatmaps), 17→17 channels, 17 deformable
groups, 3×3, one row per dilation of the paper. Prints a table and the mmcv/torchvision time ratio
(>1: torchvision is faster); ``--json`` also writes the numbers. Not a test: timings on shared
machines are noisy, so both kernels are measured back to back, interleaved, in one run.

Usage: python benchmarks/deform_conv.py [--repeats 7] [--batch 8] [--device cpu] [--json OUT]
"""
import argparse
import json
import statistics
import time

import torch

from posewarper.models.utils import DeformConv2d

BACKENDS = ('mmcv', 'torchvision')


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_fwd_bwd(conv: DeformConv2d, x: torch.Tensor, offset: torch.Tensor) -> float:
    x = x.detach().requires_grad_()
    offset = offset.detach().requires_grad_()
    _sync(x.device)
    start = time.perf_counter()
    conv(x, offset).sum().backward()
    _sync(x.device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, nargs=2, default=(96, 72), metavar=('H', 'W'))
    parser.add_argument('--dilations', type=int, nargs='+', default=(3, 6, 12, 18, 24))
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='also write the results to this JSON file')
    args = parser.parse_args()
    if args.repeats < 1 or args.batch < 1:
        parser.error('--repeats and --batch must be >= 1')

    device = torch.device(args.device)
    torch.manual_seed(0)
    k = 17
    rows = []
    print(f'deformable conv {k}->{k}, 3x3, {k} groups, input {args.batch}x{k}x{args.size[0]}x'
          f'{args.size[1]}, {args.device}, threads={torch.get_num_threads()}, '
          f'median of {args.repeats} (forward+backward, ms)')
    print(f'{"dilation":>8} | {"mmcv":>9} | {"torchvision":>11} | {"mmcv/tv":>7}')
    for d in args.dilations:
        convs = {b: DeformConv2d(k, k, 3, dilation=d, deform_groups=k, backend=b).to(device)
                 for b in BACKENDS}
        convs['torchvision'].load_state_dict(convs['mmcv'].state_dict())
        x = torch.randn(args.batch, k, *args.size, device=device)
        offset = 4 * torch.randn(args.batch, 2 * k * 9, *args.size, device=device)
        times = {b: [] for b in BACKENDS}
        for b in BACKENDS:  # warm-up
            time_fwd_bwd(convs[b], x, offset)
        for _ in range(args.repeats):  # interleaved so that machine noise hits both alike
            for b in BACKENDS:
                times[b].append(time_fwd_bwd(convs[b], x, offset))
        med = {b: 1000 * statistics.median(t) for b, t in times.items()}
        ratio = med['mmcv'] / med['torchvision']
        rows.append(dict(dilation=d, mmcv_ms=med['mmcv'], torchvision_ms=med['torchvision'],
                         mmcv_over_torchvision=ratio))
        print(f'{d:>8} | {med["mmcv"]:>9.1f} | {med["torchvision"]:>11.1f} | {ratio:>7.2f}')
    total = {b: sum(r[f'{b}_ms'] for r in rows) for b in BACKENDS}
    overall = total['mmcv'] / total['torchvision']
    print(f'{"all":>8} | {total["mmcv"]:>9.1f} | {total["torchvision"]:>11.1f} | {overall:>7.2f}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(device=args.device, batch=args.batch, size=list(args.size),
                           rows=rows, mmcv_over_torchvision=overall), f, indent=2)


if __name__ == '__main__':
    main()
