"""A stage-2 training's learning curve: warp recovery and validation AP against iterations.

Not a test. Each point is one checkpoint of the run measured with ``benchmarks/warp_recovery.py
--json`` (the median fraction of the motion recovered per |δ|, with the stage-1 cue and with the
oracle cue); the validation AP comes from the run's mmengine ``vis_data/scalars.json`` (a
validation line follows the training line of its iteration). docs/demo.md shows the figure.

Usage:
    python benchmarks/learning_curve.py ITER=RECOVERY.json [ITER=RECOVERY.json ...] \\
        --scalars scalars.json --out curve.png [--json points.json]
"""
import argparse
import sys
from typing import Dict, List, Optional

from mmengine.fileio import load
from reproduce_prefix import scalar_records  # beside this script

from posewarper.fileio import atomic_output, write_json_atomic
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper_demo.figures import _pyplot

CUES = {'posewarper': 'stage-1 cue', 'posewarper (oracle cue)': 'oracle cue'}
OFFSETS = ('1', '2', '3')


def validation_ap(path: str, key: str = 'posetrack/Total') -> Dict[int, float]:
    """``iteration -> key`` of the validation lines of an mmengine ``scalars.json``."""
    values, step = {}, None
    for record in scalar_records(path):
        if 'lr' in record and 'step' in record:
            step = int(record['step'])
        elif key in record and step is not None:
            values[step] = float(record[key])
    return values


def recovery_points(items: List[str]) -> Dict[int, dict]:
    """``iteration -> {cue: {|δ|: recovered}}`` from ``ITER=RECOVERY.json`` arguments."""
    points = {}
    for item in items:
        it, sep, path = item.partition('=')
        if not sep or not it.isdigit():
            raise ValueError(f'{item!r}: expected ITER=RECOVERY.json')
        by_offset = load(path).get('by_offset')
        if not isinstance(by_offset, dict) or set(OFFSETS) - set(by_offset):
            raise ValueError(f'{path}: not a warp_recovery.py --json output (by_offset)')
        points[int(it)] = {cue: {d: by_offset[d][method]['recovered'] for d in OFFSETS}
                           for method, cue in CUES.items()}
    return dict(sorted(points.items()))


def plot_curve(points: Dict[int, dict], val_ap: Dict[int, float], out: str) -> None:
    """Recovery per |δ| and cue (left) and validation AP (right) against iterations, to ``out``."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    iters = list(points)
    for cue, style in zip(CUES.values(), ('-', '--')):
        for d in OFFSETS:
            left.plot(iters, [points[i][cue][d] for i in iters], style, marker='o',
                      label=f'|δ| = {d}, {cue}')
    left.set_xlabel('stage-2 training iterations')
    left.set_ylabel('median fraction of the motion recovered')
    left.grid(alpha=0.3)
    left.legend(fontsize=7)
    right.plot(list(val_ap), list(val_ap.values()), marker='o')
    right.set_xlabel('stage-2 training iterations')
    right.set_ylabel('validation AP, ±2 aggregation (Total)')
    right.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_output(out) as tmp:
        fig.savefig(tmp, dpi=100, format='png')
    plt.close(fig)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ArgumentParser(description='Plot a stage-2 learning curve')
    parser.add_argument('points', nargs='+', metavar='ITER=RECOVERY.json')
    parser.add_argument('--scalars', required=True, help="the run's vis_data/scalars.json")
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument('--json', help='also write the points there')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    inputs = [Input(args.scalars, '--scalars')]
    inputs += [Input(p.partition('=')[2], 'ITER=RECOVERY.json') for p in args.points]
    with guard_outputs([Output(args.out, '--out'), Output(args.json or '', '--json')], inputs):
        points, val_ap = recovery_points(args.points), validation_ap(args.scalars)
        plot_curve(points, val_ap, args.out)
        if args.json:
            write_json_atomic(args.json, dict(recovered=points, val_ap=val_ap), indent=2)
    for it, cues in points.items():
        print(f'{it:>6}: ' + '; '.join(
            f'{cue} ' + ' / '.join(f'{v:.2f}' for v in r.values()) for cue, r in cues.items())
            + (f'; val AP {val_ap[it]:.2f}' if it in val_ap else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
