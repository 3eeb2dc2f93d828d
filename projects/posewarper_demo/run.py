"""A whole demo run: every seed, the summary over seeds, the figures, ``results.json`` and
``report.md`` (what ``tools/demo.py`` runs)."""
import os
import os.path as osp
import time
from typing import Optional, Sequence

from . import figures
from .experiment import run_seed, seed_figures, stage_commands
from .pipeline import DemoSettings, StageTimer
from .report import check_targets, write_report, write_results
from .seeds import ORACLE_TABLE, TABLES, summarise_seeds

OFFICIAL = 'aggregation_official_scoring'
RECOVERY = 'warp_recovery'


def run_demo(work_dir: str, settings: DemoSettings, seeds: Sequence[int],
             stage1_init: Optional[str], stage2_init: Optional[str], augmentation: bool,
             quick: bool, command: str) -> dict:
    """Run the demo into ``work_dir`` and write its report.

    Args:
        work_dir (str): The output folder (each seed in ``seed_<seed>/``), as the user gave it:
            the report's commands name it so.
        settings (DemoSettings): Data sizes and schedules.
        seeds (Sequence[int]): One full run per seed.
        stage1_init (str, optional): The checkpoint stage 1 is fine-tuned from (None: random
            weights).
        stage2_init (str, optional): A trained PoseWarper both stage-2 models start from.
        augmentation (bool): Train the Fig. 4a models.
        quick (bool): Recorded in ``results.json`` (a plumbing check, not a measurement).
        command (str): The command line, for the report.

    Returns:
        dict: ``results.json``'s content.
    """
    work = osp.abspath(work_dir)
    os.makedirs(work, exist_ok=True)
    timer = StageTimer()
    start = time.perf_counter()

    runs = {}
    for seed in seeds:
        runs[str(seed)] = run_seed(osp.join(work, f'seed_{seed}'), settings, seed, stage1_init,
                                   augmentation, timer, stage2_init=stage2_init)
        runs[str(seed)]['targets'] = check_targets(runs[str(seed)])
    first = next(iter(runs.values()))
    summary = summarise_seeds(runs, tables=TABLES + (ORACLE_TABLE, OFFICIAL, RECOVERY))
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
        quick=quick, stage1_init=stage1_init, stage2_init=stage2_init,
        settings=settings.as_dict(), **summary['mean'],
        sd={table: summary['sd'][table] for table in TABLES + (ORACLE_TABLE, RECOVERY)},
        aggregation_by_frame=by_frame, offsets_vs_flow=first['offsets_vs_flow'],
        seeds={k: {key: v[key] for key in ('propagation', ORACLE_TABLE, 'aggregation',
                                           'augmentation', OFFICIAL, 'aggregation_by_frame',
                                           RECOVERY, 'targets')}
               for k, v in runs.items()},
        seconds=timer.seconds)
    results['targets'] = check_targets(results)
    results['commands'] = stage_commands(osp.join(work_dir, f'seed_{seeds[0]}'), seeds[0],
                                         settings, first['iters'])
    write_results(results, osp.join(work, 'results.json'))
    write_report(results, osp.join(work, 'report.md'), command, fig)
    return results
