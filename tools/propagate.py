"""Propagate the poses of sparsely labelled frames to the unlabelled frames (paper §4.1, §4.2).

Example (the paper's Table 1 protocol on the tiny generated data: every 7th frame labelled,
poses propagated to the ±3 nearest frames, scored against the full ground truth)::

    python tools/propagate.py --ann-file data/synthetic/annotations/posetrack18_val.json \\
        --data-root data/synthetic --label-interval 7 --method posewarper \\
        --config configs/tiny/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py \\
        --checkpoint work_dirs/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96/epoch_4.pth \\
        --out work_dirs/propagation/val_posewarper.json --per-video-dir work_dirs/propagation/pw
    python tools/eval_posetrack.py --gt-dir data/synthetic/annotations/val \\
        --pred-dir work_dirs/propagation/pw --out work_dirs/propagation/pw_ap.json

See docs/propagation.md for the methods, the protocol and the output format.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

from posewarper.fileio import gt_dir_from_ann_file
from posewarper.propagation import METHODS, check_method, propagate_annotations
from posewarper.propagation.annotation_propagation import FRAME_SELECTIONS
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_args import finite_float, non_negative_int, positive_int, seed_int
from posewarper.utils.cli_guards import Input, Output, check_device, guard_outputs
from posewarper.utils.cpu_threads import fitted_cpu_threads


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(
        description='Propagate labelled poses to unlabelled frames (PoseTrack18 json in/out).')
    parser.add_argument('--ann-file', required=True,
                        help='merged PoseTrack18 json: sparse, or full with --label-interval')
    parser.add_argument('--data-root', default='',
                        help='folder the image file_names of --ann-file are relative to')
    parser.add_argument('--out', required=True, help='output json (GT + pseudo-labels)')
    parser.add_argument('--method', required=True, choices=METHODS, help='propagation method')
    parser.add_argument('--config', help='model config (posewarper: stage 2; single-frame: '
                        'stage 1)')
    parser.add_argument('--checkpoint', help='model checkpoint')
    parser.add_argument('--max-offset', type=positive_int, default=3,
                        help='propagate to frames at most this many frames from a labelled '
                        'frame (default: 3, as the paper)')
    parser.add_argument('--label-interval', type=positive_int, default=None,
                        help='keep every K-th annotated frame of each video as labelled '
                        '(default: all annotated frames, i.e. --ann-file is sparse)')
    parser.add_argument('--label-phase', type=non_negative_int, default=0,
                        help='position of the first labelled frame among the annotated ones')
    parser.add_argument('--frame-selection', choices=FRAME_SELECTIONS, default='interval',
                        help='interval: every --label-interval-th annotated frame (or the '
                        'annotated frames of a sparse json) is labelled; official: as the official '
                        'video_pose_propagation.py, in each video\'s longest run of consecutive '
                        'annotated frames its 4th frame, every --label-interval-th (default 7) '
                        'after it and the last one, propagated within that run')
    parser.add_argument('--min-joint-score', type=finite_float(), default=None,
                        help='drop propagated joints whose score is not above this (the official '
                        'pseudo-labels for training use 0.2); default: keep every joint')
    parser.add_argument('--per-video-dir',
                        help='also write per-video PoseTrack18 files here (for '
                        'tools/eval_posetrack.py --pred-dir)')
    parser.add_argument('--device', default='cpu', help='model device, e.g. cpu or cuda:0')
    parser.add_argument('--batch-size', type=positive_int, default=32,
                        help='crops per forward pass of the model methods')
    parser.add_argument('--seed', type=seed_int, default=0, help='random seed')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    check_method(args.method, args.config, args.checkpoint)
    if args.frame_selection == 'official' and args.label_phase:
        raise ValueError('--label-phase has no effect with --frame-selection official (the '
                         "official script chooses its labelled frames itself); leave it out")
    if args.frame_selection == 'interval' and args.label_phase >= (args.label_interval or 1):
        # checked here, not by the dataset, so the message names the options as given
        raise ValueError(f'--label-phase {args.label_phase} must be below --label-interval '
                         f'{args.label_interval}' if args.label_interval else
                         '--label-phase needs --label-interval (without it every annotated '
                         'frame is labelled)')
    return args


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    check_device(args.device)
    outputs = [Output(args.out, '--out'), Output(args.out + '.parts', 'cache folder', folder=True),
               Output(args.per_video_dir or '', '--per-video-dir', folder=True, replaced=True)]
    # the frames read are checked against the outputs once the annotations name them
    # (propagate_annotations); the per-video GT beside the annotations is an input too: a
    # later evaluation would score the predictions against themselves
    gt_dir = gt_dir_from_ann_file(args.ann_file)
    inputs = [Input(args.ann_file, '--ann-file', file=True), Input(args.config or '', '--config'),
              Input(args.checkpoint or '', '--checkpoint'),
              Input(gt_dir if osp.isdir(gt_dir) else '', 'per-video GT folder of --ann-file')]
    with guard_outputs(outputs, inputs):
        summary = _propagate(args)
    _report(args, summary)
    return 0


def _propagate(args: argparse.Namespace) -> dict:
    # on the CPU, torch's threads follow the cores other processes leave free, video by video
    with fitted_cpu_threads(enabled=args.device == 'cpu') as fit_threads:
        return propagate_annotations(
            args.ann_file, args.out, args.method, data_root=args.data_root, config=args.config,
            checkpoint=args.checkpoint, max_offset=args.max_offset,
            label_interval=args.label_interval, label_phase=args.label_phase,
            per_video_dir=args.per_video_dir, device=args.device, seed=args.seed,
            batch_size=args.batch_size, progress=not args.no_progress,
            frame_selection=args.frame_selection, min_joint_score=args.min_joint_score,
            before_video=fit_threads)


def _report(args: argparse.Namespace, summary: dict) -> None:
    print(f"{args.method}: {summary['videos']} videos ({summary['cached']} from an earlier "
          f"run), {summary['labelled_frames']} labelled frames, "
          f"{summary['propagated_frames']} frames propagated to, "
          f"{summary['pseudo_labels']} pseudo-labels")
    if not summary['propagated_frames']:
        print(f'note: no unlabelled frame lies within --max-offset {args.max_offset} of a '
              'labelled frame, so the output holds the ground truth only; a sparse json must '
              'mark its unlabelled frames "is_labeled": false (or use --label-interval)')
    print(f'results written to {args.out}')
    if args.per_video_dir:
        print(f'per-video files written to {args.per_video_dir}')


if __name__ == '__main__':
    sys.exit(main())
