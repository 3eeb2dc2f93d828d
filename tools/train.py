"""Train a posewarper (or any MMPose 1.x) config with mmengine's Runner.

Same flags as MMPose's ``tools/train.py``. The runner is ``cfg.runner_type`` when the config names
one (posewarper's configs name ``PoseWarperRunner``), else :class:`PoseWarperRunner`, which is
mmengine's ``Runner`` plus CPU data-parallel support: ``--launcher pytorch`` works with NCCL on
GPUs and gloo on CPUs. Launch several processes with ``tools/dist_train.sh`` (torchrun) or
``tools/slurm_train.sh``.
"""
import argparse
import os
import os.path as osp
import re
import sys
from typing import Optional

from mmengine.config import Config
from mmengine.runner.checkpoint import find_latest_checkpoint

from posewarper.engine import build_runner, destroy_dist, discard_unstarted_run, launcher_rank
from posewarper.utils.checkpoint_match import check_checkpoint_for_config
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_args import non_negative_float, positive_int
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper.utils.config_check import (CfgOptionsAction, config_build_errors, load_config,
                                           merge_cfg_options)
from posewarper.utils.run_args import (check_data_files, check_run_settings, config_inputs,
                                       dataset_inputs, enable_visualization)


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(description='Train a pose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; with no value, from the latest checkpoint in the '
        'work dir')
    parser.add_argument(
        '--load-from',
        help='initialise the model from this checkpoint (overrides the config\'s load_from); '
        'it must hold every weight of the model but those the training learns from scratch '
        '(stage 2 from a stage-1 checkpoint: the warping head)')
    parser.add_argument(
        '--non-strict', action='store_true',
        help='accept a --load-from / --resume checkpoint that does not fit the model')
    parser.add_argument(
        '--amp', action='store_true', default=False, help='mixed precision training (GPU)')
    parser.add_argument(
        '--no-validate', action='store_true', help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual batch size (needs auto_scale_lr in the config)')
    parser.add_argument(
        '--show-dir', help='save the visualised validation predictions in this dir')
    parser.add_argument('--show', action='store_true', help='display validation predictions')
    parser.add_argument(
        '--interval', type=positive_int, default=1, help='visualise every N samples')
    parser.add_argument(
        '--wait-time', type=non_negative_float, default=1,
        help='seconds each displayed image stays up')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings as key=value pairs, e.g. train_cfg.max_epochs=1')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or --local_rank (older)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def check_not_overwritten(checkpoint: Optional[str], work_dir: str) -> None:
    """Refuse a checkpoint to load from that the run would overwrite or delete: one of the work
    dir's own checkpoints (``epoch_N.pth``, ``iter_N.pth``, ``best_*.pth``)."""
    if not checkpoint or '://' in checkpoint:
        return
    path, folder = osp.realpath(checkpoint), osp.realpath(work_dir)
    if (osp.dirname(path) == folder
            and re.fullmatch(r'(epoch|iter)_\d+\.pth|best_.*\.pth', osp.basename(path))):
        raise ValueError(f'--load-from {checkpoint} is a checkpoint of the work dir {work_dir}, '
                         'which this run writes (and prunes): copy it elsewhere first, or '
                         'continue that run with --resume')


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the command-line flags into ``cfg`` (``--cfg-options`` last, so it wins)."""
    cfg.launcher = args.launcher

    # work_dir: command line > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs an OptimWrapper or AmpOptimWrapper, the config has '
                             f'{optim_wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.load_from is not None:
        cfg.load_from = args.load_from

    # 'auto' lets mmengine pick the latest checkpoint of work_dir; a path resumes from it.
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError('--auto-scale-lr needs auto_scale_lr.base_batch_size in the '
                             'config')
        cfg.auto_scale_lr.enable = True

    args.show_dir_output = enable_visualization(cfg, args.show, args.show_dir, args.wait_time,
                                                args.interval)

    return merge_cfg_options(cfg, args.cfg_options, args.config)


@cli_main
def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    # --resume alone: the latest checkpoint of the work dir
    checkpoint = cfg.get('load_from')
    if cfg.get('resume') and not checkpoint:
        checkpoint = find_latest_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
    outputs = [Output(cfg.work_dir, 'work dir', folder=True),
               Output(osp.join(cfg.work_dir, osp.basename(args.config)),
                      "work dir's copy of the config"),
               Output(args.show_dir_output, '--show-dir', folder=True)]
    # an empty val_cfg (dict()) still validates: mmengine skips validation only for None
    splits = ['train'] + (['val'] if cfg.get('val_cfg') is not None
                          and cfg.get('val_dataloader') is not None else [])
    inputs = config_inputs(args.config) + dataset_inputs(cfg, splits)
    if not cfg.get('resume'):  # resuming reads a checkpoint of the work dir on purpose
        inputs.append(Input(checkpoint or '', 'checkpoint to load from'))
        check_not_overwritten(checkpoint, cfg.work_dir)
    # the ranks of a distributed run share the work dir: the first one locks it
    first_rank = launcher_rank(args.launcher) == 0
    with guard_outputs(outputs, inputs, lock=first_rank):
        # checked before the runner (and its work dir) exists; mmengine would load non-strictly
        if checkpoint:
            check_checkpoint_for_config(cfg, checkpoint, args.config,
                                        training=not cfg.get('resume'),
                                        non_strict=args.non_strict)
        check_data_files(cfg, args.config, splits)
        check_run_settings(cfg, args.config, args.launcher, splits)
        try:
            with discard_unstarted_run(cfg.work_dir, enabled=first_rank) as watch:
                with config_build_errors(args.config):
                    runner = build_runner(cfg)
                runner.register_hook(watch)
                runner.train()
        finally:
            destroy_dist()


if __name__ == '__main__':
    sys.exit(main())
