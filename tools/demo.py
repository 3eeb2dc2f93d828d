"""The paper's three applications in miniature, offline on CPU (the README's ``make demo``).

On generated sparsely-labelled videos (training and test videos from different seeds), for each
of ``--seeds`` (0, 1, 2 by default):

1. fine-tune the pretrained tiny single-frame model (stage 1) on the labelled frames (every 7th),
   as the paper fine-tunes COCO weights on PoseTrack (``--from-scratch``: train it from random
   weights; ``--stage1-init``: from another checkpoint);
2. fine-tune PoseWarper (stage 2, frozen backbone), plain and with cycle consistency, from the
   shipped PoseWarper trained on its own generated videos (``--stage2-init none``: from an
   untrained warping head; ``--stage2-epochs 0``: evaluate the shipped one as it is);
3. Table 1: propagate the test videos' labelled frames to ±3 with copy, Farneback, the
   single-frame model, PoseWarper and PoseWarper + cycle, scored with PoseTrack mAP;
4. aggregation: single-frame vs PoseWarper's ±2 temporal aggregation (mmengine test loop), also
   split into the test frames a defocus burst blurred and the sharp ones;
5. Fig. 4a: GT (1x) vs GT (1x) + pGT (6x) vs GT (7x), trained from the same initialisation for
   as many iterations as GT (1x) (``--no-augmentation`` skips it).

Writes ``report.md`` and ``results.json`` (mean, sd and each seed's tables), ``tables.png``,
``poses.gif`` and ``offsets_vs_flow.png`` (first seed) to ``--work-dir``, and each seed's data,
models and predictions to ``--work-dir/seed_<seed>``. The seeds run at once, each in a process of
its own with an equal share of the CPU threads and its output in ``seed_<seed>/demo.log``
(``--jobs``: how many at once; 1 runs them one after another in this process). Example::

    python tools/demo.py                 # three seeds at once: 17-21 minutes on 2 CPU cores
    python tools/demo.py --quick         # a minute or two: checks every stage and output
"""
import argparse
import dataclasses
import os.path as osp
import shlex
import sys
from typing import List, Optional

from posewarper.fileio import check_output_path
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_args import non_negative_int, positive_int
from posewarper_demo import DEFAULT, PRETRAINED, QUICK, SCRATCH, STAGE2_PRETRAINED
from posewarper_demo.run import run_demo


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
                        help='a trained tiny PoseWarper both stage-2 models start from, or '
                        '"none" for an untrained warping head (default: the shipped one; none '
                        'with --from-scratch)')
    parser.add_argument('--stage2-epochs', type=non_negative_int,
                        help='epochs of each stage-2 training (default: the settings\'); 0 '
                        'with --stage2-init evaluates that PoseWarper without fine-tuning')
    parser.add_argument('--work-dir', default='work_dirs/demo', help='output folder')
    parser.add_argument('--jobs', type=positive_int,
                        help='seeds run at once, each in its own process with an equal share of '
                        'the CPU threads (default: all seeds; 1: one after another in this '
                        'process, with every thread)')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if args.stage2_init is None:  # a from-scratch run keeps every model from scratch
        args.stage2_init = None if args.from_scratch else STAGE2_PRETRAINED
    elif args.stage2_init.lower() == 'none':
        args.stage2_init = None
    args.settings = QUICK if args.quick else SCRATCH if args.from_scratch else DEFAULT
    if args.stage2_epochs is not None:
        args.settings = dataclasses.replace(args.settings, stage2_epochs=args.stage2_epochs)
    if args.settings.stage2_epochs == 0 and not args.stage2_init:
        why = ('--stage2-epochs 0' if args.stage2_epochs == 0 else
               'stage2_epochs=0 (the default, configs/demo/default.py)')
        parser.error(f'{why} needs a trained PoseWarper (--stage2-init); an untrained warping '
                     'head would be evaluated: give --stage2-epochs N to train it')
    if len(set(args.seeds)) != len(args.seeds) or min(args.seeds) < 0:
        parser.error(f'--seeds must be distinct non-negative integers, got {args.seeds}')
    return args


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    command = 'python tools/demo.py ' + ' '.join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    settings = args.settings
    stage1_init = None if args.from_scratch else osp.abspath(args.stage1_init)
    if stage1_init is not None and not osp.isfile(stage1_init):
        raise FileNotFoundError(f'--stage1-init: no such checkpoint: {args.stage1_init}')
    stage2_init = osp.abspath(args.stage2_init) if args.stage2_init else None
    if stage2_init is not None and not osp.isfile(stage2_init):
        raise FileNotFoundError(f'--stage2-init: no such checkpoint: {args.stage2_init}')
    check_output_path(osp.abspath(args.work_dir), '--work-dir', folder=True)
    results = run_demo(args.work_dir, settings, args.seeds, stage1_init, stage2_init,
                       args.augmentation, args.quick, command,
                       jobs=args.jobs or len(args.seeds))
    print(f'\nreport: {osp.join(args.work_dir, "report.md")} '
          f'(total {results["seconds"]["total"]:.0f} s)')
    for t in results['targets']:
        op = '>' if t['target'] == 0 else '>='
        print(f'target {t["row"]} {op} {t["baseline"]} + {t["target"]:g} (mean over seeds): '
              f'{t["margin"]:+.1f} ({"met" if t["met"] else "NOT met"})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
