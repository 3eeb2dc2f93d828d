"""PoseTrack AP values as a markdown table: one column per key of ``AP_KEYS``."""
import math
from typing import Dict, List, Optional

from .posetrack_ap import AP_KEYS


def format_ap_value(value: Optional[float]) -> str:
    """One cell: ``76.0``, or ``n/a`` for NaN or None (a joint without GT, a missing row)."""
    return 'n/a' if value is None or math.isnan(value) else f'{value:.1f}'


def ap_cells(values: Optional[Dict[str, Optional[float]]]) -> List[str]:
    """The cells of one row, one per key of ``AP_KEYS`` (``n/a`` for a missing row)."""
    return [format_ap_value(None if values is None else values[k]) for k in AP_KEYS]


def format_ap_table(rows: Dict[str, Dict[str, float]], first: str = 'method',
                    sd: Optional[Dict[str, Dict[str, float]]] = None) -> str:
    """A markdown table: one row per entry, one column per PoseTrack AP key.

    Args:
        rows (dict[str, dict[str, float]]): Row name -> AP per key.
        first (str): The header of the row-name column.
        sd (dict, optional): Standard deviations, same shape; each cell then reads
            ``mean ± sd``.
    """
    lines = [f'| {first} | ' + ' | '.join(AP_KEYS) + ' |', '|---|' + '---:|' * len(AP_KEYS)]
    for name, values in rows.items():
        cells = ap_cells(values)
        if sd is not None:
            cells = [c if c == 'n/a' or e == 'n/a' else f'{c} ± {e}'
                     for c, e in zip(cells, ap_cells(sd.get(name)))]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)
