"""MMPose's ``demo/inferencer_demo.py``, with PoseWarper's temporal aggregation.

Every option of MMPose 1.3's demo, plus ``--temporal-window`` and ``--frame-weights``; it runs
:class:`posewarper.apis.MMPoseInferencer`, which is MMPose's ``MMPoseInferencer`` except that a
PoseWarper config is run by :class:`~posewarper.apis.PoseWarperInferencer` (frames aggregated,
people tracked) instead of single frames. Example::

    python tools/inferencer_demo.py demo.mp4 \\
        --pose2d configs/posewarper/posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py \\
        --pose2d-weights work_dirs/posewarper/best.pth --temporal-window 2 \\
        --vis-out-dir outputs/vis --pred-out-dir outputs/preds

Other models (MMPose aliases, single-frame configs, ``--pose3d``) run as in MMPose.
"""
import argparse
import sys
from typing import Dict, List, Optional, Tuple

from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main, quiet_video_backends
from posewarper.utils.cli_args import (check_frame_weights, drawing_size, finite_float,
                                       non_negative_int, unit_float, window_half_width)
from posewarper.utils.cli_guards import Input, guard_outputs, inference_outputs

#: MMPose's defaults of the prediction filters, and those of its bottom-up models.
FILTER_ARGS = dict(bbox_thr=0.3, nms_thr=0.3, pose_based_nms=False)
POSE2D_SPECIFIC_ARGS = dict(
    yoloxpose=dict(bbox_thr=0.01, nms_thr=0.65, pose_based_nms=True),
    rtmo=dict(bbox_thr=0.1, nms_thr=0.65, pose_based_nms=True),
)
#: Options given to the inferencer's constructor; the others go to its call.
INIT_KWS = ('pose2d', 'pose2d_weights', 'scope', 'device', 'det_model', 'det_weights',
            'det_cat_ids', 'pose3d', 'pose3d_weights', 'show_progress')


def _bool(arg: str) -> bool:
    return arg.lower() in ('true', 'yes', 't', 'y', '1')


def _add_init_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('inputs', type=str, nargs='?',
                        help='image, video, folder of frames, or webcam[:ID]')
    parser.add_argument('--pose2d', type=str, default=None,
                        help='2D model: config path (a PoseWarper config runs temporally) or '
                        'MMPose model name / alias')
    parser.add_argument('--pose2d-weights', type=str, default=None,
                        help='checkpoint of --pose2d')
    parser.add_argument('--pose3d', type=str, default=None, help='3D model (as MMPose)')
    parser.add_argument('--pose3d-weights', type=str, default=None,
                        help='checkpoint of --pose3d')
    parser.add_argument('--det-model', type=str, default=None,
                        help='detector config or alias; "whole_image" uses the whole frame')
    parser.add_argument('--det-weights', type=str, default=None, help='detector checkpoint')
    parser.add_argument('--det-cat-ids', type=non_negative_int, nargs='+', default=0,
                        help='detector classes kept (0: person)')
    parser.add_argument('--scope', type=str, default='mmpose', help='registry scope')
    parser.add_argument('--device', type=str, default=None,
                        help='device (default: the available one)')
    parser.add_argument('--show-progress', action='store_true', help='show a progress bar')


def _add_call_args(parser: argparse.ArgumentParser, filters: Dict[str, object]) -> None:
    parser.add_argument('--temporal-window', type=window_half_width, default=None,
                        help='aggregate the offsets -k..k (0: single frame); default: the '
                        "config's test window (±2 for the PoseWarper configs)")
    parser.add_argument('--frame-weights', type=finite_float(0.0), nargs='+', default=None,
                        help='2k+1 weights for offsets 0, -1, 1, ..., -k, k, summing to 1')
    parser.add_argument('--show', action='store_true', help='display the result in a window')
    parser.add_argument('--draw-bbox', action='store_true', help='draw the person boxes')
    parser.add_argument('--draw-heatmap', action='store_true', default=False,
                        help='draw the predicted heatmaps')
    parser.add_argument('--bbox-thr', type=unit_float, default=filters['bbox_thr'],
                        help='box score threshold')
    parser.add_argument('--nms-thr', type=unit_float, default=filters['nms_thr'],
                        help='IoU threshold of the box NMS')
    parser.add_argument('--pose-based-nms', type=_bool, default=filters['pose_based_nms'],
                        help='pose-based NMS (true/false)')
    parser.add_argument('--kpt-thr', type=unit_float, default=0.3,
                        help='keypoints drawn above it')
    parser.add_argument('--tracking-thr', type=unit_float, default=0.3,
                        help='smallest IoU / OKS that continues a track')
    parser.add_argument('--use-oks-tracking', action='store_true',
                        help='track people by keypoint OKS instead of box IoU')
    parser.add_argument('--disable-norm-pose-2d', action='store_true', help='3D only (MMPose)')
    parser.add_argument('--disable-rebase-keypoint', action='store_true', default=False,
                        help='3D only (MMPose)')
    parser.add_argument('--num-instances', type=int, default=1, help='3D only (MMPose)')
    parser.add_argument('--radius', type=drawing_size, default=3,
                        help='keypoint radius of the drawing')
    parser.add_argument('--thickness', type=drawing_size, default=1,
                        help='link thickness of the drawing')
    parser.add_argument('--skeleton-style', default='mmpose', type=str,
                        choices=['mmpose', 'openpose'], help='skeleton style')
    parser.add_argument('--black-background', action='store_true', help='draw on black')
    parser.add_argument('--vis-out-dir', type=str, default='',
                        help='folder (or .mp4 file) for the rendered results')
    parser.add_argument('--pred-out-dir', type=str, default='',
                        help='folder for the predictions (PoseTrack18 json for PoseWarper)')
    parser.add_argument('--show-alias', action='store_true',
                        help="list MMPose's model aliases")


def build_parser(filters: Dict[str, object] = FILTER_ARGS) -> argparse.ArgumentParser:
    """The demo's options; ``filters``: the defaults of ``--bbox-thr``, ``--nms-thr`` and
    ``--pose-based-nms``."""
    parser = ArgumentParser(
        description="MMPose's inferencer demo, running PoseWarper configs temporally")
    _add_init_args(parser)
    _add_call_args(parser, filters)
    add_debug_argument(parser)
    return parser


def parse_args(argv: Optional[List[str]] = None) -> Tuple[dict, dict, bool]:
    """Constructor arguments, call arguments and ``--show-alias``, as MMPose's demo."""
    # as MMPose: the filter defaults depend on the 2D model (bottom-up models filter less)
    init_parser = ArgumentParser(add_help=False)
    _add_init_args(init_parser)
    args, _ = init_parser.parse_known_args(argv)
    filters = dict(FILTER_ARGS)
    for model, specific in POSE2D_SPECIFIC_ARGS.items():
        if args.pose2d is not None and model in args.pose2d:
            filters.update(specific)
            break
    parser = build_parser(filters)
    call_args = vars(parser.parse_args(argv))
    call_args.pop('debug')
    display_alias = call_args.pop('show_alias')
    if not display_alias and call_args['inputs'] is None:
        parser.error('the input (an image, a video, a folder or webcam) is required')
    if not display_alias and call_args['pose2d'] is None and call_args['pose3d'] is None:
        parser.error('give a model: --pose2d (or --pose3d)')
    check_frame_weights(parser, call_args['temporal_window'], call_args['frame_weights'])
    init_args = {kw: call_args.pop(kw) for kw in INIT_KWS}
    # MMPoseInferencer filters these out for the models that do not take them
    for key in ('temporal_window', 'frame_weights'):
        if call_args[key] is None:
            call_args.pop(key)
    return init_args, call_args, display_alias


def display_model_aliases(model_aliases: Dict[str, str]) -> None:
    """Print MMPose's model aliases and their model names, as its demo does."""
    width = max(map(len, model_aliases)) + 2
    print(f'{"ALIAS".ljust(width)}MODEL_NAME')
    for alias in sorted(model_aliases):
        print(f'{alias.ljust(width)}{model_aliases[alias]}')


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    init_args, call_args, display_alias = parse_args(argv)
    quiet_video_backends(argv)
    if display_alias:
        from mmpose.apis.inferencers import get_model_aliases
        display_model_aliases(get_model_aliases(init_args['scope']))
        return 0
    # as infer.py: outputs apart from the inputs and locked (a second run is refused)
    outputs = inference_outputs(str(call_args['inputs']), call_args['pred_out_dir'],
                                call_args['vis_out_dir'])
    inputs = [Input(str(call_args['inputs']), 'input')] + [
        Input(init_args.get(k) or '', f'--{k.replace("_", "-")}')
        for k in ('pose2d', 'pose2d_weights', 'det_weights') if isinstance(init_args.get(k), str)]
    with guard_outputs(outputs, inputs):
        from posewarper.apis import MMPoseInferencer  # heavy: after the arguments are checked
        inferencer = MMPoseInferencer(**init_args)
        for _ in inferencer(**call_args):
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
