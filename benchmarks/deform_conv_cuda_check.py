"""CUDA parity and timing of DeformConv2d's torchvision and grid-sample ('pytorch') kernels.

Meant for a bare GPU machine with only torch and torchvision: it loads
``projects/posewarper/models/utils/deform_conv.py`` by path, so neither mmpose nor mmcv is needed
(mmcv's kernel is therefore not compared). Checks values and gradients against torchvision with
offsets kept 0.01 px away from pixel lines, the identity copy, and times forward and
forward+backward at PoseWarper size (8×17×96×72), kernels interleaved.

Usage: python benchmarks/deform_conv_cuda_check.py [--json OUT]
"""
import argparse
import importlib.util
import json
import os.path as osp
import statistics
import time

import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
BACKENDS = ('torchvision', 'pytorch')


def load_deform_conv():
    path = osp.join(ROOT, 'projects', 'posewarper', 'models', 'utils', 'deform_conv.py')
    spec = importlib.util.spec_from_file_location('deform_conv', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--json', help='also write the results to this JSON file')
    args = parser.parse_args()
    dc = load_deform_conv()
    dev = torch.device('cuda')
    gen = torch.Generator().manual_seed(0)
    out = dict(torch=torch.__version__, device=torch.cuda.get_device_name())
    for size in ((13, 11), (96, 72)):
        convs = {b: dc.DeformConv2d(17, 17, 3, dilation=3, deform_groups=17, backend=b).to(dev)
                 for b in BACKENDS}
        convs['pytorch'].load_state_dict(convs['torchvision'].state_dict())
        x = torch.randn(4, 17, *size, generator=gen).to(dev)
        shape = (4, 306, *size)
        off = (torch.randint(-8, 8, shape, generator=gen) + 0.01 +
               0.98 * torch.rand(shape, generator=gen)).to(dev)
        res = {}
        for b, conv in convs.items():
            xi, oi = x.clone().requires_grad_(), off.clone().requires_grad_()
            y = conv(xi, oi)
            y.square().sum().backward()
            res[b] = (y, xi.grad, oi.grad, conv.weight.grad)
        rel = [((a - b).abs().max() / a.abs().max()).item()
               for a, b in zip(res['torchvision'], res['pytorch'])]
        conv = convs['pytorch']
        conv.init_identity()
        xi = torch.rand(2, 17, *size, device=dev)
        identity = torch.equal(conv(xi, torch.zeros(2, 306, *size, device=dev)), xi)
        out[f'{size[0]}x{size[1]}'] = dict(relative_error_out_dx_doffset_dw=rel, identity=identity)
        print(f'{size}: relative errors (out, dx, doffset, dw) {rel}, identity exact {identity}')
    for d in (3, 12, 24):
        convs = {b: dc.DeformConv2d(17, 17, 3, dilation=d, deform_groups=17, backend=b).to(dev)
                 for b in BACKENDS}
        x = torch.randn(8, 17, 96, 72, device=dev)
        off = 4 * torch.randn(8, 306, 96, 72, device=dev)
        for mode in ('fwd_bwd', 'fwd'):
            grad = mode == 'fwd_bwd'
            times = {b: [] for b in BACKENDS}
            for rep in range(args.repeats + 3):
                for b, conv in convs.items():
                    xi, oi = x.clone().requires_grad_(grad), off.clone().requires_grad_(grad)
                    torch.cuda.synchronize()
                    start = time.perf_counter()
                    with torch.set_grad_enabled(grad):
                        y = conv(xi, oi)
                        if grad:
                            y.sum().backward()
                    torch.cuda.synchronize()
                    if rep >= 3:  # warm-up
                        times[b].append(time.perf_counter() - start)
            med = {b: 1000 * statistics.median(t) for b, t in times.items()}
            ratio = med['pytorch'] / med['torchvision']
            out[f'dilation{d}_{mode}_ms'] = dict(med, pytorch_over_torchvision=ratio)
            print(f'dilation {d} {mode}: ' + ', '.join(f'{b} {v:.3f} ms' for b, v in med.items())
                  + f', pytorch/torchvision {ratio:.2f}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)


if __name__ == '__main__':
    main()
