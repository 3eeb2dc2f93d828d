"""Write a synthetic, fully labelled PoseTrack18-format dataset of textured, articulated people.

Example::

    python tools/make_synthetic_posetrack.py --out data/posetrack18_synth --videos 4 \
        --frames 30 --seed 0

The layout is the official one (``images/{split}/{vid}/{frame:06d}.jpg``,
``annotations/{split}/{vid}.json`` and ``annotations/posetrack18_{split}.json``), so the MMPose
PoseTrack18 datasets and this project's sparse-label dataset read it unchanged.
"""
import argparse
import sys
import time
from typing import List, Optional

from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_args import int_in_range, unit_float
from posewarper.utils.cli_guards import Output, guard_outputs
from posewarper_synthetic import make_synthetic_posetrack
from posewarper_synthetic.generator import MAX_SIZE, MAX_VIDEOS, MIN_SIZE
from posewarper_synthetic.posetrack_writer import FRAMES_PER_VIDEO_ID, TRACKS_PER_IMAGE


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(
        description='Generate a synthetic PoseTrack18-format video dataset.')
    parser.add_argument('--out', required=True, help='output dataset root')
    # typed as the generator checks them, so a bad value is a usage error naming the option
    # (the generator's own message names its keyword: "videos must be in ...")
    parser.add_argument('--videos', type=int_in_range(1, MAX_VIDEOS), default=4,
                        help='videos per split')
    parser.add_argument('--frames', type=int_in_range(1, FRAMES_PER_VIDEO_ID), default=30,
                        help='frames per video')
    parser.add_argument('--seed', type=int_in_range(0, 2**63 - 1), default=0,
                        help='random seed (>= 0)')
    parser.add_argument('--split', choices=['train', 'val', 'both'], default='both',
                        help='which split(s) to write')
    parser.add_argument('--width', type=int_in_range(MIN_SIZE, MAX_SIZE), default=256,
                        help='frame width in pixels')
    parser.add_argument('--height', type=int_in_range(MIN_SIZE, MAX_SIZE), default=192,
                        help='frame height in pixels')
    parser.add_argument('--people-min', type=int_in_range(1, TRACKS_PER_IMAGE), default=2,
                        help='fewest people per video')
    parser.add_argument('--people-max', type=int_in_range(1, TRACKS_PER_IMAGE), default=3,
                        help='most people per video')
    parser.add_argument('--ignore-region-prob', type=unit_float, default=0.5,
                        help='probability that a video gets a crowd ignore region')
    parser.add_argument('--jpeg-quality', type=int_in_range(1, 100), default=90,
                        help='JPEG quality (1-100)')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if args.people_max < args.people_min:
        parser.error(f'argument --people-max: {args.people_max} is below --people-min '
                     f'{args.people_min}')
    return args


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    # locked: a second run writing the same dataset is refused instead of mixing its files
    with guard_outputs([Output(args.out, '--out', folder=True)]):
        summary = make_synthetic_posetrack(
            args.out, videos=args.videos, frames=args.frames, seed=args.seed,
            splits=args.split, width=args.width, height=args.height,
            people_min=args.people_min, people_max=args.people_max,
            ignore_region_prob=args.ignore_region_prob, jpeg_quality=args.jpeg_quality)
    elapsed = time.perf_counter() - start
    for split, info in summary.items():
        print(f"{split}: {len(info['video_names'])} videos, {info['num_images']} frames, "
              f"{info['num_annotations']} person annotations")
        print(f"  images:      {info['img_dir']}")
        print(f"  annotations: {info['ann_file']} (+ {len(info['video_ann_files'])} per-video "
              'json files)')
    print(f'done in {elapsed:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
