"""Pose estimation on a video, a folder of frames or a webcam with PoseWarper.

The options of MMPose's ``demo/inferencer_demo.py`` (2D, top-down) plus ``--temporal-window`` and
``--frame-weights``; runs :class:`posewarper.apis.PoseWarperInferencer`
(``tools/inferencer_demo.py`` runs it through MMPose's ``MMPoseInferencer``, with the same json).
Example::

    python tools/infer.py demo.mp4 \\
        --pose2d configs/posewarper/posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py \\
        --pose2d-weights work_dirs/posewarper/best.pth \\
        --det-model rtmdet_m_640-8xb32_coco-person.py --det-weights rtmdet_m.pth \\
        --temporal-window 2 --vis-out-dir outputs/vis --pred-out-dir outputs/preds

writes ``outputs/preds/demo.json`` (PoseTrack18 predictions of every frame) and
``outputs/vis/demo.mp4`` (the rendered video). Both appear only once the whole input has been
processed; an error leaves neither behind.
"""
import argparse
import sys
from typing import List, Optional, Tuple

from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main, quiet_video_backends
from posewarper.utils.cli_args import (check_frame_weights, drawing_size, finite_float,
                                       non_negative_int, unit_float, window_half_width)
from posewarper.utils.cli_guards import (Input, Output, check_device, guard_outputs,
                                         inference_outputs)

#: Options given to the inferencer's constructor; the others go to its call.
INIT_ARGS = ('pose2d', 'pose2d_weights', 'scope', 'device', 'det_model', 'det_weights',
             'det_cat_ids', 'show_progress')


def _bool(arg: str) -> bool:
    return arg.lower() in ('true', 'yes', 't', 'y', '1')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(
        description='PoseWarper pose estimation on a video, an image folder or a webcam')
    parser.add_argument(
        'inputs', help='video file, folder of frames (sorted by name), image, or webcam[:ID]')
    # init args
    parser.add_argument('--pose2d', required=True, help='PoseWarper (or top-down) config file')
    parser.add_argument(
        '--pose2d-weights', help='checkpoint of --pose2d (default: random weights, a warning)')
    parser.add_argument(
        '--det-model',
        help='mmdet config or alias of the person detector; "whole_image" uses the whole frame '
        "as the box; default: MMPose's body detector (RTMDet-m person, downloaded)")
    parser.add_argument('--det-weights', help='checkpoint of the detector')
    parser.add_argument(
        '--det-cat-ids', type=non_negative_int, nargs='+', default=[0],
        help='detector classes kept (0: person)')
    parser.add_argument('--scope', default='mmpose', help='registry scope of the pose model')
    parser.add_argument('--device', help='device, e.g. cpu or cuda:0 (default: the available one)')
    parser.add_argument('--show-progress', action='store_true', help='show a progress bar')
    # call args
    parser.add_argument(
        '--temporal-window',
        type=window_half_width,
        help="aggregate offsets -k..k (0: single frame); default: the config's test window "
        '(the PoseWarper configs: k=2 with the official weights 0.3/0.25/0.25/0.1/0.1)')
    parser.add_argument(
        '--frame-weights',
        type=finite_float(0.0),
        nargs='+',
        help='2k+1 weights for offsets 0, -1, 1, ..., -k, k, summing to 1 (default: official '
        'for k=2, triangular k+1-|d| normalised otherwise)')
    parser.add_argument(
        '--tracking-thr', type=unit_float, default=0.3,
        help='smallest box IoU (or OKS) between frames that continues a track')
    parser.add_argument(
        '--use-oks-tracking', action='store_true',
        help='link people across frames by keypoint OKS instead of box IoU')
    parser.add_argument('--show', action='store_true', help='display the video in a window')
    parser.add_argument('--draw-bbox', action='store_true', help='draw the person boxes')
    parser.add_argument('--draw-heatmap', action='store_true', help='draw the heatmaps')
    parser.add_argument(
        '--bbox-thr', type=unit_float, default=0.3, help='detection score threshold')
    parser.add_argument(
        '--nms-thr', type=unit_float, default=0.3, help='IoU threshold of box NMS')
    parser.add_argument(
        '--pose-based-nms', type=_bool, default=False, help='pose-based NMS (true/false)')
    parser.add_argument(
        '--kpt-thr', type=unit_float, default=0.3, help='keypoints drawn above it')
    parser.add_argument(
        '--radius', type=drawing_size, default=3, help='keypoint radius of the drawing')
    parser.add_argument(
        '--thickness', type=drawing_size, default=1, help='link thickness of the drawing')
    parser.add_argument(
        '--skeleton-style', default='mmpose', choices=['mmpose', 'openpose'], help='skeleton')
    parser.add_argument(
        '--black-background', action='store_true', help='draw on a black image')
    parser.add_argument(
        '--vis-out-dir', default='', help='folder (or .mp4 file) for the rendered video')
    parser.add_argument(
        '--pred-out-dir', default='', help='folder for the PoseTrack18 json predictions')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    check_frame_weights(parser, args.temporal_window, args.frame_weights)
    return args


def split_args(args: argparse.Namespace) -> Tuple[dict, dict]:
    """Constructor and call arguments of :class:`PoseWarperInferencer`."""
    call_args = vars(args).copy()
    call_args.pop('debug')
    init_args = {k: call_args.pop(k) for k in INIT_ARGS}
    init_args['model'] = init_args.pop('pose2d')
    init_args['weights'] = init_args.pop('pose2d_weights')
    for key in ('temporal_window', 'frame_weights'):  # None: the config's window
        if call_args[key] is None:
            call_args.pop(key)
    return init_args, call_args


def output_files(args: argparse.Namespace) -> List[Output]:
    """The files the run writes (:func:`~posewarper.utils.cli_guards.inference_outputs`)."""
    return inference_outputs(args.inputs, args.pred_out_dir, args.vis_out_dir)


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    quiet_video_backends(argv)
    check_device(args.device)
    init_args, call_args = split_args(args)
    inputs = [Input(args.inputs, 'input'), Input(args.pose2d, '--pose2d'),
              Input(args.pose2d_weights or '', '--pose2d-weights'),
              Input(args.det_weights or '', '--det-weights')]
    with guard_outputs(output_files(args), inputs):
        from posewarper.apis import PoseWarperInferencer  # heavy: after the checks
        inferencer = PoseWarperInferencer(**init_args)
        for _ in inferencer(**call_args):
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
