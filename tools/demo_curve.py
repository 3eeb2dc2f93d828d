"""The demo's margins against stage-1 quality, from several ``tools/demo.py`` runs.

Usage:
    python tools/demo_curve.py LABEL=RESULTS.json [LABEL=RESULTS.json ...] --out PNG [--json F]

Each run is one point: x the fine-tuned stage 1's single-frame test AP, y the margins of
``posewarper_demo.seeds.MARGINS`` (mean ± sd over the run's seeds). docs/demo.md shows it.
"""
import argparse
import math
import os.path as osp
import sys

from mmengine.fileio import load

from posewarper.fileio import atomic_output, write_json_atomic
from posewarper.utils.cli import ArgumentParser, add_debug_argument, cli_main
from posewarper.utils.cli_guards import Input, Output, guard_outputs
from posewarper_demo.figures import plot_stage1_curve
from posewarper_demo.seeds import seed_margins


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(description='Plot the demo margins against stage-1 AP')
    parser.add_argument('runs', nargs='+', metavar='LABEL=RESULTS.json',
                        help='a demo run: its label and its results.json')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument('--json', help='also write the points there')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def _margins(path: str) -> dict:
    """The margins of one demo run's ``results.json``, or one line saying it is not one."""
    results = load(path)
    try:
        margins = seed_margins(results)
    except (KeyError, TypeError, AttributeError, IndexError) as e:
        raise ValueError(f'{path}: not a demo results.json (no {e})') from None
    if margins['stage1_ap']['mean'] is None:
        raise ValueError(f'{path}: no seed with a single-frame AP')
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
    _check_figure_name(args.out)
    inputs = [Input(path, f'results of {label!r}') for label, path in runs.items()]
    with guard_outputs([Output(args.out, '--out'), Output(args.json or '', '--json')], inputs):
        points = {label: _margins(path) for label, path in runs.items()}
        with atomic_output(args.out) as tmp:  # keeps the extension: matplotlib formats by it
            plot_stage1_curve(points, tmp)
        if args.json:
            write_json_atomic(args.json, points, indent=2)
    for label, p in points.items():
        print(f'{label}: stage 1 {p["stage1_ap"]["mean"]:.1f} AP; ' + '; '.join(
            f'{name} {v["mean"]:+.1f} ± {v["sd"]:.1f}' for name, v in p.items()
            if name != 'stage1_ap'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
