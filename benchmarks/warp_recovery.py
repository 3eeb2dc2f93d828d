"""How much of the motion a trained PoseWarper recovers when it propagates labels.

Not a test. On fully labelled videos (the demo's test videos, or any PoseTrack18 json whose
persons carry ``track_id``), every labelled person of Frame A is propagated to each Frame B
within ``±max-offset`` where the same person is labelled; the joints are compared in the
crop's heatmap cells. Printed per ``|δ|`` and per motion size: the median fraction of the
motion recovered and PCK at PoseTrack's head threshold, for copy, single-frame, stage 1's own
peak shift, PoseWarper with its stage-1 cue, and the same warp with the ground-truth heatmaps
as its cue (the upper bound a perfect stage 1 would give it). See
:mod:`posewarper_demo.warp_recovery` for the definitions.

Usage: python benchmarks/warp_recovery.py CONFIG CHECKPOINT --ann-file ANN [--data-root ROOT]
    [--max-offset 3] [--source-interval 1] [--json OUT]
"""
import argparse
import sys
from typing import List, Optional

from posewarper.fileio import write_json_atomic
from posewarper.utils.cli import add_debug_argument, cli_main
from posewarper_demo.warp_recovery import format_recovery, measure_warp_recovery


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='PoseWarper config')
    parser.add_argument('checkpoint', help='trained PoseWarper checkpoint')
    parser.add_argument('--ann-file', required=True,
                        help='fully labelled PoseTrack18 json (persons with track_id)')
    parser.add_argument('--data-root', default='', help='folder of the image file names')
    parser.add_argument('--max-offset', type=int, default=3, help='largest |δ| (default 3)')
    parser.add_argument('--source-interval', type=int, default=1,
                        help='Frame A is every N-th annotated frame of a video (7: the frames '
                        'the demo propagates from; default 1: every frame)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='write the figures there')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    for name in ('max_offset', 'source_interval'):
        if getattr(args, name) < 1:
            raise ValueError(f'--{name.replace("_", "-")} must be >= 1, got {getattr(args, name)}')
    result = measure_warp_recovery(args.config, args.checkpoint, args.ann_file,
                                   data_root=args.data_root, max_offset=args.max_offset,
                                   source_interval=args.source_interval, device=args.device)
    print(format_recovery(result))
    print('median motion (cells) per |δ|:', result['median_motion_cells'])
    if args.json:
        write_json_atomic(args.json, result, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
