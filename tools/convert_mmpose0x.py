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
import sys
from typing import Dict

import torch

from posewarper.utils.checkpoint import (UnsafeCheckpointError, read_checkpoint,
                                         save_checkpoint_atomic)
from posewarper.utils.checkpoint_conversion import convert_checkpoint
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper.utils.mmpose0x import match_state_dict


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
    try:
        checkpoint = read_checkpoint(args.src, trust_pickle=args.trust_pickle)
    except UnsafeCheckpointError as e:
        raise ValueError(f'{e}. If the file comes from a source you trust, rerun with '
                         '--trust-pickle') from e
    source_format, converted, report = convert_checkpoint(checkpoint, args.src)
    # compared before writing: a --strict failure must not leave OUT behind
    match = (match_state_dict(converted['state_dict'], model_state_dict(args.config))
             if args.config else None)
    problems = match and (match['missing'] or match['unexpected'] or match['shape_mismatch'])
    refused = bool(args.strict and problems)
    if not refused:
        save_checkpoint_atomic(converted, args.dst)

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
    if refused:
        raise ValueError(f'{args.src} does not match the model of {args.config}: '
                         f'{len(match["missing"])} missing, {len(match["unexpected"])} '
                         f'unexpected, {len(match["shape_mismatch"])} mis-shaped keys (listed '
                         'above); nothing written (--strict)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
