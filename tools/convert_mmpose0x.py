"""Convert an MMPose 0.x or official PoseWarper checkpoint (stage 2, or stage 1) for posewarper.

Usage:
    python tools/convert_mmpose0x.py IN.pth OUT.pth [--config CFG] [--strict]

The layout of IN is recognised: MMPose 0.x's (``neck.*``, ``keypoint_head.*``; see
``posewarper.utils.mmpose0x``) or the official code's (``final_state.pth``, or the ``state_dict``
of its ``checkpoint.pth``: HRNet at top level, ``offsets1``..., ``deform_conv1``...; see
``posewarper.utils.official``). The output is ``{'state_dict': ..., 'meta': ...}`` with
posewarper's key names; an optimizer state is dropped because mmengine cannot resume it. With
``--config`` the converted keys are matched against the model of that config.
"""
import argparse
import os.path as osp
import sys
from typing import Any, Dict, Mapping

import torch

from posewarper.fileio import atomic_output
from posewarper.utils.checkpoint import UnsafeCheckpointError, read_checkpoint
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper.utils.mmpose0x import (convert_mmpose0x_state_dict, match_state_dict,
                                       unwrap_checkpoint)
from posewarper.utils.official import convert_official_state_dict, is_official_state_dict


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(
        description='Convert an MMPose 0.x or official PoseWarper checkpoint to posewarper key '
        'names')
    parser.add_argument('src', metavar='IN',
                        help='MMPose 0.x or official PoseWarper checkpoint (.pth)')
    parser.add_argument('dst', metavar='OUT', help='where to write the converted checkpoint')
    parser.add_argument(
        '--config', help='posewarper config whose model the keys are matched against')
    parser.add_argument(
        '--strict',
        action='store_true',
        help='exit with status 1 if --config reports missing, unexpected or mis-shaped keys')
    parser.add_argument(
        '--trust-pickle',
        action='store_true',
        help='load IN with weights_only=False when the safe loader refuses it (runs pickled '
        'code: only for files from a trusted source)')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def load_checkpoint_file(path: str, trust_pickle: bool = False) -> Any:
    """Read IN with posewarper's safe checkpoint reader; with ``trust_pickle``, fall back to
    ``weights_only=False`` only when the safe unpickler refused what a real pickle holds."""
    try:
        return read_checkpoint(path)
    except UnsafeCheckpointError as e:
        if not trust_pickle:
            raise ValueError(f'{e}. If the file comes from a source you trust, rerun with '
                             '--trust-pickle') from e
    return torch.load(path, map_location='cpu', weights_only=False)


def save_atomic(obj: Any, path: str) -> None:
    """``torch.save`` through :func:`~posewarper.fileio.atomic_output`: a crash never leaves a
    truncated checkpoint behind."""
    with atomic_output(path) as tmp, open(tmp, 'wb') as f:
        # a file object: given a path, torch names the archive's folder after the (random)
        # temporary file, and equal checkpoints would be written as different bytes
        torch.save(obj, f)


def is_plain(obj: Any) -> bool:
    """Whether ``obj`` is made of builtins only, i.e. loads under ``weights_only=True``."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return True
    if isinstance(obj, (list, tuple)):
        return all(is_plain(v) for v in obj)
    if isinstance(obj, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in obj.items())
    return False


def model_state_dict(config: str) -> Dict[str, torch.Tensor]:
    """State dict of the (randomly initialised) model of ``config``."""
    from posewarper.apis import init_model
    return init_model(config).state_dict()


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    with guard_outputs([Output(args.dst, 'OUT')],
                       [Input(args.src, 'IN'), Input(args.config or '', '--config')]):
        return convert(args)


def convert(args: argparse.Namespace) -> int:
    """Convert IN, compare it with ``--config``'s model, then write OUT; with ``--strict``,
    a mismatch writes nothing."""
    checkpoint = load_checkpoint_file(args.src, args.trust_pickle)
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'checkpoint {args.src} holds no state dict')
    if is_official_state_dict(unwrap_checkpoint(checkpoint)):
        source_format, (state_dict, report) = 'official', convert_official_state_dict(checkpoint)
    else:
        source_format, (state_dict, report) = 'mmpose0x', convert_mmpose0x_state_dict(checkpoint)
    meta = checkpoint.get('meta')
    # only plain entries, so the output always loads with torch's safe unpickler
    meta = {k: v for k, v in meta.items() if is_plain(v)} if isinstance(meta, dict) else {}
    meta['converted_from'] = dict(format=source_format, file=osp.basename(args.src))
    # compared before writing: a --strict failure must not leave OUT behind
    match = match_state_dict(state_dict, model_state_dict(args.config)) if args.config else None
    problems = match and (match['missing'] or match['unexpected'] or match['shape_mismatch'])
    refused = bool(args.strict and problems)
    if not refused:
        save_atomic(dict(state_dict=state_dict, meta=meta), args.dst)

    print(f'{source_format} layout: {len(report["renamed"])} keys renamed, '
          f'{len(report["kept"])} kept, {len(report["dropped"])} dropped -> '
          + ('nothing written (--strict)' if refused else args.dst))
    for old, new in report['renamed']:
        print(f'  renamed  {old} -> {new}')
    for key in report['dropped']:
        print(f'  dropped  {key}')
    if match is None:
        return 0
    print(f'against {args.config}: {len(match["matched"])} mapped, {len(match["missing"])} '
          f'missing, {len(match["unexpected"])} unexpected, '
          f'{len(match["shape_mismatch"])} shape mismatches')
    for kind in ('missing', 'unexpected', 'shape_mismatch'):
        for key in match[kind]:
            print(f'  {kind}  {key}')
    return 1 if refused else 0


if __name__ == '__main__':
    sys.exit(main())
