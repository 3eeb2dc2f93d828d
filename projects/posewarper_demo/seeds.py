"""Mean and standard deviation of the demo's tables over seeds."""
import math
from typing import Dict, List, Optional, Sequence

#: the tables summarised over seeds (``results.json`` keeps these keys for the means)
TABLES = ('propagation', 'aggregation', 'augmentation')


def _mean_sd(values: List[Optional[float]]) -> tuple:
    """Mean and sample standard deviation of the values that exist (None: no such joint in a
    seed's test videos); ``(None, None)`` when none does, sd 0 for a single value."""
    present = [v for v in values if v is not None and not math.isnan(v)]
    if not present:
        return None, None
    mean = sum(present) / len(present)
    if len(present) < 2:
        return mean, 0.0
    var = sum((v - mean)**2 for v in present) / (len(present) - 1)
    return mean, math.sqrt(var)


def summarise_seeds(runs: Dict[int, dict],
                    tables: Sequence[str] = TABLES) -> Dict[str, Dict[str, dict]]:
    """Per table, row and AP key: the mean and the standard deviation over seeds.

    Args:
        runs (dict[int, dict]): Seed -> its tables (``{table: {row: {ap_key: value}}}``). A row
            that is None in a seed (no test frame of that kind) is left out of that seed's
            values; entries that are not rows (counts) are skipped.

    Returns:
        dict: ``mean`` and ``sd``, each ``{table: {row: {ap_key: value}}}`` (the shape of one
        seed's tables).
    """
    mean = {table: {} for table in tables}
    sd = {table: {} for table in tables}
    for table in tables:
        rows: Dict[str, dict] = {}  # row -> its keys, in first-seen order
        for run in runs.values():
            for row, values in (run.get(table) or {}).items():
                if isinstance(values, dict):
                    rows.setdefault(row, dict.fromkeys(values))
        for row, keys in rows.items():
            mean[table][row], sd[table][row] = {}, {}
            for key in keys:
                m, s = _mean_sd([((run.get(table) or {}).get(row) or {}).get(key)
                                 for run in runs.values()])
                mean[table][row][key], sd[table][row][key] = m, s
    return dict(mean=mean, sd=sd)


#: the margins the paper's claims are about: (name, table, row, baseline)
MARGINS = (
    ('PoseWarper − Farneback', 'propagation', 'posewarper', 'farneback'),
    ('PoseWarper − single-frame', 'propagation', 'posewarper', 'single-frame'),
    ('temporal − single', 'aggregation', 'temporal', 'single'),
    ('GT 1x + pGT 6x − GT 1x', 'augmentation', 'GT (1x) + pGT (6x)', 'GT (1x)'),
)


def seed_margins(results: dict) -> Dict[str, Dict[str, Optional[float]]]:
    """Total-AP margins of :data:`MARGINS` over the seeds of a demo run.

    Args:
        results (dict): A demo ``results.json`` (its ``seeds`` entry).

    Returns:
        dict: ``stage1_ap`` and each margin name -> ``mean``, ``sd`` (over seeds) and ``seeds``
        (the per-seed values); ``stage1_ap`` is the single-frame test AP of the fine-tuned
        stage 1. Margins whose table was not run are left out.
    """
    per_seed = {'stage1_ap': [run['aggregation']['single']['Total']
                              for run in results['seeds'].values()]}
    for name, table, row, baseline in MARGINS:
        values = []
        for run in results['seeds'].values():
            rows = run.get(table) or {}
            if row in rows and baseline in rows:
                values.append(rows[row]['Total'] - rows[baseline]['Total'])
        if values:
            per_seed[name] = values
    out = {}
    for name, values in per_seed.items():
        mean, sd = _mean_sd(values)
        out[name] = dict(mean=mean, sd=sd, seeds=values)
    return out
