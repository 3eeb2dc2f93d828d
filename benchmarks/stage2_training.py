"""Stage-2 training iterations/s and peak memory per deformable-conv kernel, fp32 and AMP.

Not a test. The model is ``configs/posewarper/posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py``
(HRNet-W48 384×288, frozen, and the 20-block warping head) with random weights (nothing can be
downloaded: the backbone's ``init_cfg`` and ``load_from`` are dropped), trained on generated clips
(``benchmarks/clip_batches.py``) of ``--batch`` pairs, 8 per GPU as in the config, with the
config's optimiser (Adam 1e-4). Precisions: ``fp32`` (``OptimWrapper``; TF32 as torch's defaults
leave it, reported), ``amp`` and ``amp_bf16`` (mmengine's ``AmpOptimWrapper``, fp16 with dynamic
loss scaling or bf16). For each (kernel, precision): ``--warmup`` iterations, then ``--iters``
timed ``model.train_step`` calls (CUDA synchronised); ``it_per_s`` is iterations over their total
time, ``peak_mem_mib`` ``torch.cuda.max_memory_allocated`` over the row. Rows share the weights and
run one after another; a row that fails records its error instead of stopping the others.

``--quick`` uses the tiny config instead (the CPU dry run of ``benchmarks/cuda_check.py``). On a
CPU the AMP rows are recorded as skipped: mmengine's ``AmpOptimWrapper`` needs a GPU.

Usage: python benchmarks/stage2_training.py [--device cuda] [--quick] [--batch 8] [--iters 20]
    [--warmup 5] [--kernels mmcv torchvision pytorch] [--precisions fp32 amp amp_bf16]
    [--json OUT]
"""
import argparse
import os.path as osp
import time
from typing import List, Optional

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import posewarper  # noqa: F401  (registers the PoseWarper modules)
from posewarper.fileio import write_json_atomic
from posewarper.models.utils import DeformConv2d, resolve_deform_conv_backend
from clip_batches import clip_batch  # beside this script

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

W48_CONFIG = osp.join(REPO_ROOT, 'configs', 'posewarper',
                      'posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py')
TINY_CONFIG = osp.join(REPO_ROOT, 'configs', 'tiny',
                       'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py')
KERNELS = ('mmcv', 'torchvision', 'pytorch')
PRECISIONS = {'fp32': None, 'amp': 'float16', 'amp_bf16': 'bfloat16'}


def build(config: str, device: torch.device) -> tuple:
    """The config's model (random weights) on ``device`` and its codec and optimiser config."""
    cfg = Config.fromfile(config)
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model).to(device)
    model.init_weights()
    return model, cfg.codec, cfg.optim_wrapper


def set_kernel(model: nn.Module, kernel: str) -> int:
    """Point every deformable conv of ``model`` at ``kernel``; returns how many there are."""
    convs = [m for m in model.modules() if isinstance(m, DeformConv2d)]
    for conv in convs:
        conv.backend = kernel
    return len(convs)


def run_row(model: nn.Module, optim_cfg: dict, batch: dict, precision: str, warmup: int,
            iters: int, device: torch.device) -> dict:
    """Train ``warmup + iters`` iterations on ``batch``; times the last ``iters``."""
    cfg = dict(optim_cfg)
    if PRECISIONS[precision]:
        cfg.update(type='AmpOptimWrapper', dtype=PRECISIONS[precision], loss_scale='dynamic')
    optim_wrapper = build_optim_wrapper(model, cfg)
    cuda = device.type == 'cuda'
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    times, losses = [], []
    for i in range(warmup + iters):
        start = time.perf_counter()
        log = model.train_step(batch, optim_wrapper)
        if cuda:
            torch.cuda.synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - start)
            losses.append(float(log['loss'].detach()))
    if not all(loss == loss and abs(loss) != float('inf') for loss in losses):
        raise FloatingPointError(f'non-finite training loss: {losses}')
    row = dict(it_per_s=len(times) / sum(times), median_ms=1000 * sorted(times)[len(times) // 2],
               last_loss=losses[-1])
    if cuda:
        row['peak_mem_mib'] = torch.cuda.max_memory_allocated(device) / 2**20
    return row


def main(argv: Optional[List[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--quick', action='store_true', help='the tiny config instead of W48')
    parser.add_argument('--batch', type=int, help='pairs per iteration (default 8, quick 2)')
    parser.add_argument('--iters', type=int, help='timed iterations (default 20, quick 2)')
    parser.add_argument('--warmup', type=int, help='untimed iterations first (default 5, quick 1)')
    parser.add_argument('--kernels', nargs='+', default=KERNELS, choices=KERNELS)
    parser.add_argument('--precisions', nargs='+', default=list(PRECISIONS), choices=PRECISIONS)
    parser.add_argument('--json', help='also write the results to this JSON file')
    args = parser.parse_args(argv)
    batch_size = args.batch or (2 if args.quick else 8)
    iters = args.iters or (2 if args.quick else 20)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 5)
    if batch_size < 1 or iters < 1 or warmup < 0:
        parser.error('--batch and --iters must be >= 1, --warmup >= 0')
    device = torch.device(args.device)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    config = TINY_CONFIG if args.quick else W48_CONFIG
    model, codec, optim_cfg = build(config, device)
    batch = clip_batch(batch_size, num_frames=2, input_size=tuple(codec['input_size']),
                       heatmap_size=tuple(codec['heatmap_size']))
    out = dict(config=osp.relpath(config, REPO_ROOT), device=str(device), batch=batch_size,
               iters=iters, warmup=warmup, torch=torch.__version__, rows={},
               deform_convs=set_kernel(model, 'auto'),
               auto_picks=resolve_deform_conv_backend('auto', device))
    if device.type == 'cuda':
        out.update(gpu=torch.cuda.get_device_name(device),
                   tf32_matmul=torch.backends.cuda.matmul.allow_tf32,
                   tf32_cudnn=torch.backends.cudnn.allow_tf32)
    else:
        out.update(threads=torch.get_num_threads())
    print(f'{out["config"]}: batch {batch_size}, {iters} timed iterations after {warmup}, '
          f'{device}; "auto" picks {out["auto_picks"]}')
    for precision in args.precisions:
        for kernel in args.kernels:
            key = f'{kernel}/{precision}'
            if PRECISIONS[precision] and device.type != 'cuda':
                out['rows'][key] = dict(skipped="mmengine's AmpOptimWrapper needs a GPU")
            else:
                set_kernel(model, kernel)
                try:
                    out['rows'][key] = run_row(model, optim_cfg, batch, precision, warmup, iters,
                                               device)
                except Exception as exc:  # a failing kernel must not hide the others' figures
                    out['rows'][key] = dict(error=f'{type(exc).__name__}: {exc}'[:500])
                if device.type == 'cuda':
                    torch.cuda.empty_cache()
            print(f'{key:>22}: {out["rows"][key]}', flush=True)
    for precision in args.precisions:
        timed = {k: r['it_per_s'] for k, r in out['rows'].items()
                 if k.endswith(f'/{precision}') and 'it_per_s' in r}
        if timed:
            out[f'fastest_{precision}'] = max(timed, key=timed.get).split('/')[0]
    if args.json:
        write_json_atomic(args.json, out, indent=2)
    return out


if __name__ == '__main__':
    main()
