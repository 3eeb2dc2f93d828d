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


#: the diagnostic beside Table 1 (``results.json`` key, row): PoseWarper's propagation with the
#: ground truth as its motion cue (:mod:`.oracle_cue`)
ORACLE_TABLE, ORACLE_ROW = 'propagation_oracle_cue', 'posewarper (oracle cue)'


def seed_margins(results: dict, oracle: bool = False) -> Dict[str, Dict[str, Optional[float]]]:
    """Total-AP margins of :data:`MARGINS` over the seeds of a demo run.

    Args:
        results (dict): A demo ``results.json`` (its ``seeds`` and ``settings`` entries).
        oracle (bool): The margins of the oracle-cue diagnostic instead: PoseWarper's
            propagation row replaced by :data:`ORACLE_ROW`; the aggregation and augmentation
            margins, which have no oracle-cue run, are left out.

    Returns:
        dict: ``stage1_ap``, ``cue_recovery`` and each margin name -> ``mean``, ``sd`` (over
        seeds) and ``seeds`` (the per-seed values). ``stage1_ap`` is the single-frame test AP
        of the fine-tuned stage 1; ``cue_recovery`` the median fraction of the motion the warp
        recovers at the largest ``|δ|`` with its cue (``warp_recovery``; absent in runs without
        it). Margins whose table was not run are left out.
    """
    runs = list(results['seeds'].values())
    per_seed = {'stage1_ap': [run['aggregation']['single']['Total'] for run in runs]}
    recovery = f'recovered |δ|={results["settings"]["max_offset"]}'
    method = ORACLE_ROW if oracle else 'posewarper'
    if all(method in (run.get('warp_recovery') or {}) for run in runs):
        per_seed['cue_recovery'] = [run['warp_recovery'][method][recovery] for run in runs]
    for name, table, row, baseline in MARGINS:
        if oracle and table != 'propagation':
            continue
        values = []
        for run in runs:
            rows = dict(run.get(table) or {})
            if oracle:
                rows[row] = (run.get(ORACLE_TABLE) or {}).get(ORACLE_ROW)
            if rows.get(row) and rows.get(baseline):
                values.append(rows[row]['Total'] - rows[baseline]['Total'])
        if values:
            per_seed[name] = values
    out = {}
    for name, values in per_seed.items():
        mean, sd = _mean_sd(values)
        out[name] = dict(mean=mean, sd=sd, seeds=values)
    return out
