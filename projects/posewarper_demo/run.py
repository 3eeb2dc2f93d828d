"""A whole demo run: every seed, the summary over seeds, the figures, ``results.json`` and
``report.md`` (what ``tools/demo.py`` runs)."""
import os
import os.path as osp
import time
from typing import Optional, Sequence

from . import figures
from .experiment import run_seed, seed_figures, stage_commands
from .parallel import run_in_processes, threads_per_job
from .pipeline import DemoSettings, StageTimer
from .report import check_targets, write_report, write_results
from .seeds import ORACLE_TABLE, TABLES, summarise_seeds

OFFICIAL = 'aggregation_official_scoring'
RECOVERY = 'warp_recovery'


def run_demo(work_dir: str, settings: DemoSettings, seeds: Sequence[int],
             stage1_init: Optional[str], stage2_init: Optional[str], augmentation: bool,
             quick: bool, command: str, jobs: int = 1) -> dict:
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
        jobs (int): Seeds run at once, each in its own process with its share of the CPU
            threads (:mod:`.parallel`); 1 runs them one after another in this process.

    Returns:
        dict: ``results.json``'s content.
    """
    work = osp.abspath(work_dir)
    os.makedirs(work, exist_ok=True)
    timer = StageTimer()
    start = time.perf_counter()

    jobs = max(1, min(jobs, len(seeds)))
    threads = threads_per_job(jobs) if jobs > 1 else None
    kwargs = {f'seed {seed}': dict(work=osp.join(work, f'seed_{seed}'), settings=settings,
                                   seed=seed, stage1_init=stage1_init, augmentation=augmentation,
                                   stage2_init=stage2_init) for seed in seeds}
    if threads is None:
        done = {key: timed_seed(**kw) for key, kw in kwargs.items()}
    else:
        logs = {key: osp.join(kw['work'], 'demo.log') for key, kw in kwargs.items()}
        for log in logs.values():
            os.makedirs(osp.dirname(log), exist_ok=True)
        print(f'{len(seeds)} seeds, {jobs} at once in their own processes with {threads} torch '
              f'thread(s) each; their output goes to {osp.join(work, "seed_<seed>", "demo.log")}',
              flush=True)
        done = run_in_processes(
            timed_seed, kwargs, logs, jobs, threads,
            on_done=lambda key, sec: print(f'== [{key}] done in {sec:.1f} s', flush=True))
    runs = {}
    for seed in seeds:
        run, seconds = done[f'seed {seed}']
        run['targets'] = check_targets(run)
        runs[str(seed)] = run
        timer.seconds.update(seconds)
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
        seconds=timer.seconds, parallel=dict(jobs=jobs, threads_per_job=threads))
    results['targets'] = check_targets(results)
    results['commands'] = stage_commands(osp.join(work_dir, f'seed_{seeds[0]}'), seeds[0],
                                         settings, first['iters'])
    write_results(results, osp.join(work, 'results.json'))
    write_report(results, osp.join(work, 'report.md'), command, fig)
    return results


def timed_seed(**kwargs) -> tuple:
    """:func:`.experiment.run_seed` with its own :class:`StageTimer` (a seed's run, in this
    process or its own).

    Returns:
        tuple: The seed's results and its stages' seconds.
    """
    timer = StageTimer()
    return run_seed(timer=timer, **kwargs), timer.seconds
