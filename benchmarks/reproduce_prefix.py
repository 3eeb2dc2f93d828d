"""Compare a rerun of the first iterations of a training with the original run.

A shipped checkpoint's sidecar records the command that trained it; rerunning a prefix of that
command (stopped after a few hundred iterations) and comparing the logged losses iteration by
iteration shows that the command, the data and the seeds reproduce the run, without paying
for the whole training again. Both runs write mmengine's ``vis_data/scalars.json`` (one json
object per logged iteration); the original may be split over several runs (``--resume``).

Float summation order depends on torch's thread count (``CPUThreadsHook`` changes it when other
processes compete), so the losses agree to a tolerance, not bit for bit: the report gives the
largest relative difference over the common iterations.

Example::

    python benchmarks/reproduce_prefix.py \\
        --original work_dirs/stage1/20261207_015625/vis_data/scalars.json \\
        --rerun work_dirs/stage1_prefix/20261207_080000/vis_data/scalars.json --key loss
"""
import argparse
import json
import sys
from typing import Dict, Iterator, List, Optional

from mmengine.fileio import list_from_file

from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main


def scalar_records(path: str) -> Iterator[dict]:
    """The json objects of an mmengine ``scalars.json``, one per logged line."""
    for n, line in enumerate(list_from_file(path), 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: line {n}: not json ({e.msg})') from None


def read_scalars(paths: List[str], key: str) -> Dict[int, float]:
    """``step -> value of key`` over mmengine ``scalars.json`` files (training lines only)."""
    values = {}
    for path in paths:
        for record in scalar_records(path):
            if key in record and 'step' in record and 'lr' in record:  # lr: a training line
                values[int(record['step'])] = float(record[key])
    return values


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(description='Compare the losses of a rerun prefix with the original')
    parser.add_argument('--original', nargs='+', required=True,
                        help='scalars.json file(s) of the original run')
    parser.add_argument('--rerun', nargs='+', required=True,
                        help='scalars.json file(s) of the rerun')
    parser.add_argument('--key', default='loss', help='the logged value to compare')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    original = read_scalars(args.original, args.key)
    rerun = read_scalars(args.rerun, args.key)
    steps = sorted(set(original) & set(rerun))
    if not steps:
        raise ValueError(f'no logged iteration with {args.key!r} in both runs')
    print(f'| iteration | original {args.key} | rerun {args.key} | relative difference |')
    print('|---|---|---|---|')
    worst = 0.0
    for step in steps:
        a, b = original[step], rerun[step]
        diff = abs(a - b) / max(abs(a), 1e-12)
        worst = max(worst, diff)
        print(f'| {step} | {a:.6g} | {b:.6g} | {diff:.2e} |')
    print(f'{len(steps)} common iterations ({steps[0]}..{steps[-1]}); largest relative '
          f'difference {worst:.2e}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
