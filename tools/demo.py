"""The paper's three applications in miniature, offline on CPU (the README's ``make demo``).

On generated sparsely-labelled videos (training and test videos from different seeds), for each
of ``--seeds`` (0, 1, 2 by default):

1. fine-tune the pretrained tiny single-frame model (stage 1) on the labelled frames (every 7th),
   as the paper fine-tunes COCO weights on PoseTrack (``--from-scratch``: train it from random
   weights; ``--stage1-init``: from another checkpoint);
2. train PoseWarper (stage 2, frozen backbone) plain and with cycle consistency;
3. Table 1: propagate the test videos' labelled frames to ±3 with copy, Farneback, the
   single-frame model, PoseWarper and PoseWarper + cycle, scored with PoseTrack mAP;
4. aggregation: single-frame vs PoseWarper's ±2 temporal aggregation (mmengine test loop), also
   split into the test frames a defocus burst blurred and the sharp ones;
5. Fig. 4a: GT (1x) vs GT (1x) + pGT (6x) vs GT (7x), trained from the same initialisation for
   as many iterations as GT (1x) (``--no-augmentation`` skips it).

Writes ``report.md`` and ``results.json`` (mean, sd and each seed's tables), ``tables.png``,
``poses.gif`` and ``offsets_vs_flow.png`` (first seed) to ``--work-dir``, and each seed's data,
models and predictions to ``--work-dir/seed_<seed>``. Example::

    python tools/demo.py                 # three seeds, about 18.5 minutes on 2 CPU cores
    python tools/demo.py --quick         # a minute or two: checks every stage and output
"""
import argparse
import os
import os.path as osp
import shlex
import sys
import time
from typing import List, Optional

from posewarper.fileio import check_output_path
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper_demo import (DEFAULT, PRETRAINED, QUICK, SCRATCH, StageTimer, check_targets,
                             figures, write_report, write_results)
from posewarper_demo.experiment import run_seed, seed_figures, stage_commands
from posewarper_demo.seeds import TABLES, summarise_seeds

OFFICIAL = 'aggregation_official_scoring'
RECOVERY = 'warp_recovery'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(
        description='PoseWarper demo: propagation, aggregation and augmentation on generated '
        'videos over several seeds, with a report.')
    parser.add_argument('--quick', action='store_true',
                        help='tiny data and one epoch per model: checks the plumbing only')
    parser.add_argument('--augmentation', action=argparse.BooleanOptionalAction, default=True,
                        help='train the GT (7x) and GT (1x) + pGT (6x) models (Fig. 4a)')
    parser.add_argument('--seeds', '--seed', type=int, nargs='+', default=[0, 1, 2],
                        help='random seeds (data and training), each a full run')
    init = parser.add_mutually_exclusive_group()
    init.add_argument('--from-scratch', action='store_true',
                      help='train stage 1 from random weights (longer) instead of fine-tuning '
                      'the pretrained tiny HRNet')
    init.add_argument('--stage1-init', default=PRETRAINED,
                      help='checkpoint stage 1 is fine-tuned from (default: the shipped '
                      'pretrained tiny HRNet)')
    parser.add_argument('--stage2-init',
                        help='a trained tiny PoseWarper whose warping head both stage-2 models '
                        'start from (default: an untrained warping head)')
    parser.add_argument('--work-dir', default='work_dirs/demo', help='output folder')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds) or min(args.seeds) < 0:
        parser.error(f'--seeds must be distinct non-negative integers, got {args.seeds}')
    return args


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    command = 'python tools/demo.py ' + ' '.join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    settings = QUICK if args.quick else SCRATCH if args.from_scratch else DEFAULT
    stage1_init = None if args.from_scratch else osp.abspath(args.stage1_init)
    if stage1_init is not None and not osp.isfile(stage1_init):
        raise FileNotFoundError(f'--stage1-init: no such checkpoint: {args.stage1_init}')
    stage2_init = osp.abspath(args.stage2_init) if args.stage2_init else None
    if stage2_init is not None and not osp.isfile(stage2_init):
        raise FileNotFoundError(f'--stage2-init: no such checkpoint: {args.stage2_init}')
    work = osp.abspath(args.work_dir)
    check_output_path(work, '--work-dir', folder=True)
    os.makedirs(work, exist_ok=True)
    timer = StageTimer()
    start = time.perf_counter()

    runs = {}
    for seed in args.seeds:
        runs[str(seed)] = run_seed(osp.join(work, f'seed_{seed}'), settings, seed, stage1_init,
                                   args.augmentation, timer, stage2_init=stage2_init)
        runs[str(seed)]['targets'] = check_targets(runs[str(seed)])
    first = next(iter(runs.values()))
    summary = summarise_seeds(runs, tables=TABLES + (OFFICIAL, RECOVERY))
    by_frame = summarise_seeds({k: v['aggregation_by_frame'] for k, v in runs.items()},
                               tables=('defocused', 'sharp'))['mean']
    for kind in by_frame:
        by_frame[kind]['frames'] = sum(v['aggregation_by_frame'][kind]['frames']
                                       for v in runs.values())

    with timer.stage('figures'):
        fig = {'Bar plot of the tables (mean over seeds)': osp.basename(figures.plot_tables(
            {'Table 1: propagation (±3 from every 7th frame)': summary['mean']['propagation'],
             'Aggregation: single frame vs ±2 temporal': summary['mean']['aggregation'],
             'Fig. 4a: augmentation with pseudo-labels': summary['mean']['augmentation']},
            osp.join(work, 'tables.png')))}
        fig.update(seed_figures(first, settings, work))

    timer.seconds['total'] = round(time.perf_counter() - start, 2)
    results = dict(
        quick=args.quick, stage1_init=stage1_init, stage2_init=stage2_init,
        settings=settings.as_dict(), **summary['mean'],
        sd={table: summary['sd'][table] for table in TABLES + (RECOVERY, )},
        aggregation_by_frame=by_frame, offsets_vs_flow=first['offsets_vs_flow'],
        seeds={k: {key: v[key] for key in ('propagation', 'aggregation', 'augmentation',
                                           'aggregation_official_scoring',
                                           'aggregation_by_frame', RECOVERY, 'targets')}
               for k, v in runs.items()},
        seconds=timer.seconds)
    results['targets'] = check_targets(results)
    results['commands'] = stage_commands(osp.join(args.work_dir, f'seed_{args.seeds[0]}'),
                                         args.seeds[0], settings, first['iters'])
    write_results(results, osp.join(work, 'results.json'))
    write_report(results, osp.join(work, 'report.md'), command, fig)
    print(f'\nreport: {osp.join(args.work_dir, "report.md")} '
          f'(total {timer.seconds["total"]:.0f} s)')
    for t in results['targets']:
        op = '>' if t['target'] == 0 else '>='
        print(f'target {t["row"]} {op} {t["baseline"]} + {t["target"]:g} (mean over seeds): '
              f'{t["margin"]:+.1f} ({"met" if t["met"] else "NOT met"})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
