"""The demo's margins against stage-1 quality, from several ``tools/demo.py`` runs.

Usage:
    python tools/demo_curve.py LABEL=RESULTS.json [LABEL=RESULTS.json ...] --out PNG [--json F]
        [--x cue_recovery|stage1_ap] [--oracle LABEL]

Each run is one point: x the quality of its motion cue (by default the median fraction of the
motion its warp recovers at the largest |δ|; ``--x stage1_ap``: the fine-tuned stage 1's
single-frame test AP), y the margins of ``posewarper_demo.seeds.MARGINS`` (mean ± sd over the
run's seeds). ``--oracle LABEL`` adds that run's oracle-cue diagnostic as one more point (the
propagation margins only). docs/demo.md shows it.
"""
import argparse
import math
import os.path as osp
import sys

from mmengine.fileio import load

from posewarper.fileio import atomic_output, write_json_atomic
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper_demo.figures import CURVE_AXES, plot_margin_curve
from posewarper_demo.seeds import MARGINS, ORACLE_TABLE, seed_margins


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(description='Plot the demo margins against stage-1 AP')
    parser.add_argument('runs', nargs='+', metavar='LABEL=RESULTS.json',
                        help='a demo run: its label and its results.json')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument('--json', help='also write the points there')
    parser.add_argument('--x', default='cue_recovery', choices=tuple(CURVE_AXES),
                        help='the x axis (default: cue_recovery)')
    parser.add_argument('--oracle', metavar='LABEL',
                        help='add the oracle-cue point of this run (one of the LABELs)')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def _margins(path: str, x: str, oracle: bool = False) -> dict:
    """The margins of one demo run's ``results.json``, or one line saying it is not one."""
    results = load(path)
    try:
        margins = seed_margins(results, oracle=oracle)
    except (KeyError, TypeError, AttributeError, IndexError) as e:
        raise ValueError(f'{path}: not a demo results.json (no {e})') from None
    if x not in margins or margins[x]['mean'] is None:
        raise ValueError(f'{path}: no {x} in its seeds' + (' (oracle cue)' if oracle else '')
                         + ('; an older run without warp recovery: try --x stage1_ap'
                            if x == 'cue_recovery' else ''))
    if oracle and not any(name in margins for name, *_ in MARGINS):
        raise ValueError(f'{path}: no {ORACLE_TABLE} rows in its seeds (a run before the '
                         'oracle-cue diagnostic)')
    for name, value in margins.items():
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in value['seeds']):
            raise ValueError(f'{path}: {name}: expected finite numbers per seed, got '
                             f'{value["seeds"]}')
    return margins


def _check_figure_name(path: str) -> None:
    """matplotlib picks the format by the extension, and it sees the temporary file's: a
    ``--out`` without a known one failed after the work, naming ``tmp`` as the format."""
    from matplotlib.figure import Figure
    formats = Figure().canvas.get_supported_filetypes()
    if osp.splitext(path)[1][1:].lower() not in formats:
        raise ValueError(f'--out {path}: name an image file, its format by the extension '
                         f'({", ".join(sorted(formats))})')


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    runs = {}
    for item in args.runs:
        label, sep, path = item.partition('=')
        if not sep or not label or not path:
            raise ValueError(f'{item!r}: expected LABEL=RESULTS.json')
        if label in runs:
            raise ValueError(f'{item!r}: the label {label!r} is given twice')
        runs[label] = path
    if args.oracle is not None and args.oracle not in runs:
        raise ValueError(f'--oracle {args.oracle!r}: not one of the runs\' labels {list(runs)}')
    _check_figure_name(args.out)
    inputs = [Input(path, f'results of {label!r}') for label, path in runs.items()]
    with guard_outputs([Output(args.out, '--out'), Output(args.json or '', '--json')], inputs):
        points = {label: _margins(path, args.x) for label, path in runs.items()}
        if args.oracle is not None:
            points['oracle cue'] = _margins(runs[args.oracle], args.x, oracle=True)
        with atomic_output(args.out) as tmp:  # keeps the extension: matplotlib formats by it
            plot_margin_curve(points, tmp, args.x)
        if args.json:
            write_json_atomic(args.json, points, indent=2)
    for label, p in points.items():
        axes = '; '.join(f'{key} {p[key]["mean"]:.{2 if key == "cue_recovery" else 1}f}'
                         for key in CURVE_AXES if key in p)
        print(f'{label}: {axes}; ' + '; '.join(
            f'{name} {v["mean"]:+.1f} ± {v["sd"]:.1f}' for name, v in p.items()
            if name not in CURVE_AXES))
    return 0


if __name__ == '__main__':
    sys.exit(main())
