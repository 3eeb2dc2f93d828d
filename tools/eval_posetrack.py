"""Evaluate PoseTrack18 per-video prediction files with the poseval AP protocol.

Example::

    python tools/eval_posetrack.py --gt-dir data/posetrack18/annotations/val \\
        --pred-dir work_dirs/posewarper/preds --out work_dirs/posewarper/ap.json

``--out`` receives a json object with exactly the keys ``Head, Shou, Elb, Wri, Hip, Knee, Ankl,
Total`` (AP in percent; ``null`` where a value is undefined because a joint has no GT at all).
"""
import argparse
import math
import sys
from typing import List, Optional

from posewarper.evaluation.functional import evaluate_posetrack_ap, format_ap_table
from posewarper.fileio import write_json_atomic
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_guards import Input, Output, guard_outputs


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(
        description='PoseTrack per-frame multi-person pose AP (poseval protocol).')
    parser.add_argument(
        '--gt-dir', required=True, help='folder of PoseTrack18 GT files, one json per video')
    parser.add_argument(
        '--pred-dir', required=True, help='folder of prediction files with the same names')
    parser.add_argument('--out', required=True, help='json file to write the 8 AP values to')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    with guard_outputs([Output(args.out, '--out')],
                       [Input(args.gt_dir, '--gt-dir'), Input(args.pred_dir, '--pred-dir')]):
        results = evaluate_posetrack_ap(args.gt_dir, args.pred_dir)
        # Strict json has no NaN; an undefined AP (a joint without any GT) is written as null.
        out = {k: (None if math.isnan(v) else float(v)) for k, v in results.items()}
        write_json_atomic(args.out, out, indent=4)
    print(format_ap_table({'AP': results}, first=''))
    print(f'results written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
