"""The demo's report: ``results.json`` and ``report.md`` (tables, targets, timings, commands)."""
import math
from typing import Dict, List, Optional

from posewarper.evaluation.functional import AP_KEYS
from posewarper.fileio import write_bytes_atomic, write_json_atomic

#: the targets of the issue, checked on the default run (reported, never asserted)
TARGETS = (
    ('propagation', 'posewarper', 'farneback', 5.0),
    ('propagation', 'posewarper', 'single-frame', 3.0),
    ('aggregation', 'temporal', 'single', 1.5),
)


def ap_table(rows: Dict[str, Dict[str, float]], first: str = 'method') -> str:
    """A markdown table: one row per entry, one column per PoseTrack AP key."""
    lines = [f'| {first} | ' + ' | '.join(AP_KEYS) + ' |',
             '|---|' + '---:|' * len(AP_KEYS)]
    for name, values in rows.items():
        lines.append(f'| {name} | ' + ' | '.join(_ap_cells(values)) + ' |')
    return '\n'.join(lines)


def _ap_cells(values: Optional[Dict[str, Optional[float]]]) -> List[str]:
    """One table cell per AP key; ``n/a`` for NaN or None (no such joint or no such row)."""
    return [('n/a' if values is None or values[k] is None or math.isnan(values[k]) else
             f'{values[k]:.1f}') for k in AP_KEYS]


def check_targets(results: dict) -> List[dict]:
    """Each target with the measured margin and whether it is met."""
    out = []
    for table, row, baseline, margin in TARGETS:
        rows = results.get(table, {})
        if row not in rows or baseline not in rows:
            continue
        got = rows[row]['Total'] - rows[baseline]['Total']
        out.append(dict(table=table, row=row, baseline=baseline, target=margin,
                        margin=round(got, 2), met=bool(got >= margin)))
    return out


def aggregation_by_frame_section(by_frame: Dict[str, dict]) -> List[str]:
    """Report lines for the aggregation split into defocused and sharp test frames.

    Args:
        by_frame (dict[str, dict]): ``defocused`` / ``sharp`` -> ``frames`` (count) and the AP
            of ``single`` and ``temporal`` on those frames (None where there are none).
    """
    if not by_frame:
        return []
    lines = ['The same predictions scored only on the test frames a defocus burst blurred, and '
             'only on the sharp ones (the paper motivates aggregation by such frames):', '',
             '| frames | model | ' + ' | '.join(AP_KEYS) + ' |',
             '|---|---|' + '---:|' * len(AP_KEYS)]
    for kind, entry in by_frame.items():
        for model in ('single', 'temporal'):
            lines.append(f'| {kind} ({entry["frames"]}) | {model} | '
                         + ' | '.join(_ap_cells(entry.get(model))) + ' |')
    return lines + ['']


def write_results(results: dict, path: str) -> str:
    """Write ``results.json`` (NaN as ``null``, so strict json readers accept it)."""
    def clean(obj):
        if isinstance(obj, float) and math.isnan(obj):
            return None
        if isinstance(obj, dict):
            return {k: clean(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [clean(v) for v in obj]
        return obj
    write_json_atomic(path, clean(results), indent=2)
    return path


def write_report(results: dict, path: str, command: str, settings: dict, quick: bool,
                 figures: Dict[str, str], offsets: Optional[dict] = None) -> str:
    """Write ``report.md``: the three tables, the targets, the figures, timings and commands.

    Args:
        results (dict): The content of ``results.json``.
        path (str): Output markdown file.
        command (str): The command line that produced the run.
        settings (dict): The demo settings (data sizes, epochs).
        quick (bool): Whether this was a ``--quick`` run (numbers meaningless).
        figures (dict[str, str]): Figure title -> file name (relative to the report).
        offsets (dict, optional): Summary of the offsets-vs-flow figure.

    Returns:
        str: ``path``.
    """
    md = ['# PoseWarper demo: the paper\'s experiments in miniature', '']
    md += [f'Produced by `{command}` (seed {results["seed"]}).', '']
    if quick:
        md += ['**Quick run**: one epoch on a few frames, to check that every stage and output '
               'works. The numbers below say nothing about the method.', '']
    md += ['Settings: ' + ', '.join(f'{k}={v}' for k, v in settings.items()) + '.', '',
           'Training and test videos are generated from different seeds; every '
           f'{settings["label_interval"]}th frame of a training video is labelled; the test '
           'videos are fully labelled (the ground truth). AP is PoseTrack mAP (PCKh@0.5 '
           'matching, poseval protocol), in %.', '']
    md += ['## Table 1: pose propagation (paper §4.1)', '',
           f'From every {settings["label_interval"]}th frame of the test videos to the '
           f'±{settings["max_offset"]} frames around it; labelled frames keep their ground '
           'truth, as in the official evaluation.', '',
           ap_table(results['propagation']), '']
    md += ['## Temporal pose aggregation (paper §4.3)', '',
           'Stage-1 model on each frame alone vs PoseWarper aggregating the ±2 window with the '
           'official weights (0.3, 0.25, 0.25, 0.1, 0.1), both with the mmengine test loop and '
           '`PoseTrackAPMetric` on every frame of the test videos.', '',
           ap_table(results['aggregation'], 'model'), '']
    if results.get('aggregation_official_scoring'):
        md += ['The same predictions with the official code\'s joint scores (heatmap maximum × '
               'person box score, no NMS; `PoseTrackAPMetric(scoring=\'official\')`) instead of '
               'MMPose\'s (heatmap maximum, people rescored and OKS-NMSed):', '',
               ap_table(results['aggregation_official_scoring'], 'model'), '']
    md += aggregation_by_frame_section(results.get('aggregation_by_frame', {}))
    md += ['## Data augmentation with pseudo-labels (paper Fig. 4a)', '']
    if results['augmentation']:
        md += ['Stage-1 models trained on GT (1x) (the labelled frames), GT (1x) + the '
               'pseudo-labels PoseWarper propagated to the ±3 frames around them (pGT 6x), and '
               'GT (7x) (every frame), tested single-frame on the test videos. The two larger '
               'training sets are trained for as many iterations as GT (1x) (fewer epochs), '
               'not for as many epochs as in the paper.', '',
               ap_table(results['augmentation'], 'training labels'), '']
    else:
        md += ['Not run: `--augmentation` trains two more stage-1 models (as many iterations as '
               'stage 1 each, on up to 7x as many frames), which would take the default run '
               'past its 20-minute budget. Run `python tools/demo.py --augmentation` for it.', '']
    md += ['## Targets', '',
           '| target | measured (Total AP) | met |', '|---|---:|---|']
    for t in results['targets']:
        md.append(f'| {t["row"]} ≥ {t["baseline"]} + {t["target"]:g} ({t["table"]}) | '
                  f'{t["margin"]:+.1f} | {"yes" if t["met"] else "**no**"} |')
    md += ['', 'Reported, not asserted. The demo\'s sizes and schedules were chosen on seed 0 to '
           'fit the budget (see `DEFAULT` in `projects/posewarper_demo/pipeline.py`); nothing was '
           'tuned per method. The tiny models train for minutes on a CPU, far from the paper\'s '
           'models and schedule, so these numbers do not by themselves say how the method does at '
           'the paper\'s scale.', '']
    md += ['## Figures', '']
    for title, name in figures.items():
        md += [f'- {title}: [`{name}`]({name})']
    if offsets:
        md += ['', f'Offsets vs flow, joint `{offsets["joint_name"]}`: PoseWarper centre-tap '
               f'offset {offsets["offset"]} px, Farneback flow {offsets["flow"]} px, true '
               f'displacement {offsets["true"]} px (crop pixels, x/y).']
    md += ['', '## Timings', '', '| stage | seconds |', '|---|---:|']
    md += [f'| {name} | {sec:.1f} |' for name, sec in results['seconds'].items()]
    md += ['', '## Commands', '', 'The whole run:', '', '```bash', command, '```', '',
           'Its stages by hand (same data layout, tools of the repository; the demo runs them '
           'in-process with the sizes above):', '', '```bash']
    md += results.get('commands', [])
    md += ['```', '']
    write_bytes_atomic(path, '\n'.join(md).encode('utf-8'))
    return path
