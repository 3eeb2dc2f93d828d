"""Test (and evaluate) a checkpoint of a posewarper (or any MMPose 1.x) config.

Same flags as MMPose's ``tools/test.py``; the runner is chosen as in ``tools/train.py``, so
``--launcher pytorch`` works on GPUs (NCCL) and CPUs (gloo). Launch several processes with
``tools/dist_test.sh`` or ``tools/slurm_test.sh``.
"""
import argparse
import math
import os
import os.path as osp
import sys

import mmengine
from mmengine.config import Config
from mmengine.hooks import Hook

from posewarper.engine import build_runner, destroy_dist, discard_unstarted_run, launcher_rank
from posewarper.fileio import atomic_output
from posewarper.utils.checkpoint_match import check_checkpoint_for_config
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_args import non_negative_float, positive_int
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper.utils.config_check import (CfgOptionsAction, config_build_errors, load_config,
                                           merge_cfg_options)
from posewarper.utils.run_args import (check_data_files, check_run_settings, config_inputs,
                                       dataset_inputs, enable_visualization)


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(description='Test (and evaluate) a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--non-strict', action='store_true',
        help='load a checkpoint that lacks weights of the model or has others (default: '
        'refused, as tools/infer.py and tools/propagate.py do)')
    parser.add_argument('--work-dir', help='the dir to save logs and evaluation results')
    parser.add_argument('--out', help='save the metrics to this file (json/yaml/pkl)')
    parser.add_argument(
        '--dump', help='save the raw predictions to this .pkl file for offline evaluation')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings as key=value pairs, e.g. test_dataloader.batch_size=1')
    parser.add_argument('--show-dir', help='save the visualised predictions in this dir')
    parser.add_argument('--show', action='store_true', help='display the predictions')
    parser.add_argument(
        '--interval', type=positive_int, default=1, help='visualise every N samples')
    parser.add_argument(
        '--wait-time', type=non_negative_float, default=1,
        help='seconds each displayed image stays up')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Fold the command-line flags into ``cfg`` (``--cfg-options`` after the flags, so it wins,
    and before ``--dump`` adds its metric to the test evaluator, as in MMPose)."""
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])

    args.show_dir_output = enable_visualization(cfg, args.show, args.show_dir, args.wait_time,
                                                args.interval)

    if args.out is not None and not args.out.endswith(METRICS_FORMATS):
        raise ValueError(f'--out must name a {"/".join(METRICS_FORMATS)} file, got {args.out}')
    if args.dump is not None and not args.dump.endswith(('.pkl', '.pickle')):
        raise ValueError(f'--dump must name a .pkl file, got {args.dump}')
    cfg = merge_cfg_options(cfg, args.cfg_options, args.config)
    if args.dump is not None:
        # appended after --cfg-options (as MMPose does): test_evaluator.ann_file=... still
        # names the config's evaluator, not an index of the list the dump makes of it
        dump = dict(type='AtomicDumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = ([*evaluator, dump]
                              if isinstance(evaluator, (list, tuple)) else [evaluator, dump])
    return cfg


#: the formats mmengine.dump writes, by extension
METRICS_FORMATS = ('.json', '.yaml', '.yml', '.pkl', '.pickle')


class SaveMetricsHook(Hook):
    """Write the test metrics of rank 0 to a file (``--out``), atomically."""

    def __init__(self, out_file: str) -> None:
        self.out_file = out_file

    def after_test_epoch(self, runner, metrics=None) -> None:
        if metrics is not None and runner.rank == 0:
            # an undefined AP (a joint without GT) is NaN, which strict json has not: null
            metrics = {k: None if isinstance(v, float) and math.isnan(v) else v
                       for k, v in metrics.items()}
            with atomic_output(self.out_file) as tmp:  # keeps the extension: format by it
                mmengine.dump(metrics, tmp)


def outputs_and_inputs(cfg: Config, args: argparse.Namespace) -> tuple:
    """What the run writes (mmengine also copies the config into the work dir) and reads."""
    outputs = [Output(cfg.work_dir, 'work dir', folder=True),
               Output(osp.join(cfg.work_dir, osp.basename(args.config)),
                      "work dir's copy of the config"),
               Output(args.out or '', '--out'), Output(args.dump or '', '--dump'),
               Output(getattr(args, 'show_dir_output', ''), '--show-dir', folder=True)]
    return outputs, config_inputs(args.config) + dataset_inputs(cfg, ['test']) + [
        Input(args.checkpoint, 'checkpoint')]


@cli_main
def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    # the ranks of a distributed run share the outputs: the first one locks them
    first_rank = launcher_rank(args.launcher) == 0
    with guard_outputs(*outputs_and_inputs(cfg, args), lock=first_rank):
        # the checkpoint is checked against the model before the runner (and its work dir)
        # exists: mmengine would load it non-strictly, leaving missing layers random
        check_checkpoint_for_config(cfg, args.checkpoint, args.config,
                                    non_strict=args.non_strict)
        check_data_files(cfg, args.config, ['test'])
        check_run_settings(cfg, args.config, args.launcher, ['test'])
        try:
            with discard_unstarted_run(cfg.work_dir, enabled=first_rank) as watch:
                with config_build_errors(args.config):
                    runner = build_runner(cfg)
                runner.register_hook(watch)
                if args.out:
                    runner.register_hook(SaveMetricsHook(args.out), 'LOWEST')
                runner.test()
        finally:
            destroy_dist()


if __name__ == '__main__':
    sys.exit(main())
