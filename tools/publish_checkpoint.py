"""Publish a checkpoint for release: weights only, optionally fp16, with a sidecar json.

Usage:
    python tools/publish_checkpoint.py IN.pth OUT.pth [--fp16] [--info KEY=VALUE ...]

``OUT.json`` records the sha256 and size of OUT, the source epoch, iteration and seed, the
commit of this repository, and each ``--info`` entry (values parsed as json where they are, e.g.
``--info 'test_ap={"Total": 71.2}'``).
"""
import argparse
import json
import os.path as osp
import sys

from posewarper.fileio import dumps_json
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper.utils.publish import SIDECAR_KEYS, git_commit, publish_checkpoint


def parse_info(items) -> dict:
    info = {}
    for item in items:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise ValueError(f'--info {item!r}: expected KEY=VALUE')
        if key in SIDECAR_KEYS:
            raise ValueError(f'--info {key}: the sidecar sets {key} itself; choose another key')
        try:
            info[key] = json.loads(value)
        except json.JSONDecodeError:
            info[key] = value
        try:
            dumps_json(info[key])
        except ValueError:  # json.loads reads NaN and Infinity, which strict json refuses
            raise ValueError(f'--info {item!r}: NaN and infinity are not accepted') from None
    return info


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(description='Publish a checkpoint with a sidecar json')
    parser.add_argument('src', metavar='IN', help='mmengine checkpoint (.pth)')
    parser.add_argument('dst', metavar='OUT', help='published checkpoint (.pth)')
    parser.add_argument('--fp16', action='store_true', help='store weights in half precision')
    parser.add_argument('--info', nargs='*', default=[], metavar='KEY=VALUE',
                        help='more sidecar entries')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.dst.endswith('.pth'):
        raise ValueError(f'OUT must end with .pth: {args.dst}')
    info = parse_info(args.info)
    info.setdefault('commit', git_commit(osp.dirname(osp.abspath(__file__))))
    outputs = [Output(args.dst, 'OUT'), Output(osp.splitext(args.dst)[0] + '.json', 'sidecar')]
    with guard_outputs(outputs, [Input(args.src, 'IN')]):
        sidecar = publish_checkpoint(args.src, args.dst, fp16=args.fp16, info=info)
    print(f'{args.dst}: {sidecar["bytes"] / 2**20:.1f} MiB, sha256 {sidecar["sha256"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
