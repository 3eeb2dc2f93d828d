"""``format_ap_table``: the one AP table of the metric log, eval_posetrack.py and the demo."""
import math

from posewarper.evaluation.functional import AP_KEYS, format_ap_table


def test_rows_sd_and_missing_values():
    ap = dict(zip(AP_KEYS, [76.02, 27.2, 12.8, 9.25, 37.6, 23.7, 15.2, 31.97]))
    sd = dict(ap, Head=1.26, Wri=math.nan)
    table = format_ap_table({'copy': ap, 'none': None}, first='method', sd={'copy': sd})
    assert table.splitlines() == [
        '| method | Head | Shou | Elb | Wri | Hip | Knee | Ankl | Total |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
        '| copy | 76.0 ± 1.3 | 27.2 ± 27.2 | 12.8 ± 12.8 | 9.2 | 37.6 ± 37.6 | 23.7 ± 23.7 | '
        '15.2 ± 15.2 | 32.0 ± 32.0 |',
        '| none | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a |']
