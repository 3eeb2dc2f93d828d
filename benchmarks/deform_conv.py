"""Forward+backward (or forward) time of the deformable-conv kernels at PoseWarper size.

Input ``8×17×96×72`` (a batch of HRNet-W48 384×288 heatmaps), 17→17 channels, 17 deformable
groups, 3×3, one row per dilation of the paper and mode (``fwd_bwd``: training, ``fwd``: inference
without gradients). Prints a table with each kernel's time relative to the first kernel's
(mmcv's by default; <1: faster); ``--json`` also writes the numbers. Not a test: timings on shared
machines are noisy, so the kernels are measured back to back, interleaved, in one run.

Usage: python benchmarks/deform_conv.py [--repeats 7] [--batch 8] [--device cpu]
    [--modes fwd_bwd fwd] [--json OUT]
"""
import argparse
import statistics
import time

import torch

from posewarper.fileio import write_json_atomic
from posewarper.models.utils import DeformConv2d

BACKENDS = ('mmcv', 'torchvision', 'pytorch')


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_step(conv: DeformConv2d, x: torch.Tensor, offset: torch.Tensor, mode: str) -> float:
    """Seconds of one forward+backward (``mode='fwd_bwd'``) or gradient-free forward."""
    grad = mode == 'fwd_bwd'
    x = x.detach().requires_grad_(grad)
    offset = offset.detach().requires_grad_(grad)
    _sync(x.device)
    start = time.perf_counter()
    with torch.set_grad_enabled(grad):
        out = conv(x, offset)
        if grad:
            out.sum().backward()
    _sync(x.device)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=int, nargs=2, default=(96, 72), metavar=('H', 'W'))
    parser.add_argument('--dilations', type=int, nargs='+', default=(3, 6, 12, 18, 24))
    parser.add_argument('--backends', nargs='+', default=BACKENDS, choices=BACKENDS)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--modes', nargs='+', default=['fwd_bwd'], choices=('fwd_bwd', 'fwd'))
    parser.add_argument('--json', help='also write the results to this JSON file')
    args = parser.parse_args()
    if args.repeats < 1 or args.batch < 1:
        parser.error('--repeats and --batch must be >= 1')
    backends = list(dict.fromkeys(args.backends))
    base = backends[0]

    device = torch.device(args.device)
    torch.manual_seed(0)
    k = 17
    rows = []
    print(f'deformable conv {k}->{k}, 3x3, {k} groups, input {args.batch}x{k}x{args.size[0]}x'
          f'{args.size[1]}, {args.device}, threads={torch.get_num_threads()}, '
          f'median of {args.repeats} (ms; ratio = time / {base} time)')
    summary = {}
    for mode in args.modes:
        print(f'{mode:>8} | ' + ' | '.join(f'{b:>11} | {"/" + base:>7}' for b in backends))
        mode_rows = []
        for d in args.dilations:
            convs = {b: DeformConv2d(k, k, 3, dilation=d, deform_groups=k, backend=b).to(device)
                     for b in backends}
            for b in backends[1:]:
                convs[b].load_state_dict(convs[base].state_dict())
            x = torch.randn(args.batch, k, *args.size, device=device)
            offset = 4 * torch.randn(args.batch, 2 * k * 9, *args.size, device=device)
            times = {b: [] for b in backends}
            for b in backends:  # warm-up
                time_step(convs[b], x, offset, mode)
            for _ in range(args.repeats):  # interleaved so that machine noise hits all alike
                for b in backends:
                    times[b].append(time_step(convs[b], x, offset, mode))
            med = {b: 1000 * statistics.median(t) for b, t in times.items()}
            mode_rows.append(dict(mode=mode, dilation=d, ms=med,
                                  ratio={b: med[b] / med[base] for b in backends}))
            print(f'{d:>8} | ' + ' | '.join(f'{med[b]:>11.1f} | {med[b] / med[base]:>7.2f}'
                                            for b in backends))
        total = {b: sum(r['ms'][b] for r in mode_rows) for b in backends}
        overall = {b: total[b] / total[base] for b in backends}
        print(f'{"all":>8} | ' + ' | '.join(f'{total[b]:>11.1f} | {overall[b]:>7.2f}'
                                            for b in backends))
        rows += mode_rows
        summary[mode] = dict(total_ms=total, ratio=overall, fastest=min(total, key=total.get))
    if args.json:
        write_json_atomic(args.json, dict(device=args.device, batch=args.batch,
                                          size=list(args.size), threads=torch.get_num_threads(),
                                          baseline=base, rows=rows, modes=summary), indent=2)


if __name__ == '__main__':
    main()
