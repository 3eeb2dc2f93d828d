"""``AtomicDumpResults`` (``tools/test.py --dump``): the previous dump survives a failed one."""
import pickle

import pytest

from posewarper.evaluation.metrics import AtomicDumpResults


def test_dump_replaces_the_file_as_a_whole(tmp_path):
    out = tmp_path / 'preds.pkl'
    out.write_bytes(pickle.dumps(['old']))
    metric = AtomicDumpResults(out_file_path=str(out))
    assert metric.compute_metrics([{'pred': 1}]) == {}
    assert pickle.loads(out.read_bytes()) == [{'pred': 1}]
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        metric.compute_metrics([{'pred': lambda: None}])  # fails half-way through pickling
    assert pickle.loads(out.read_bytes()) == [{'pred': 1}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['preds.pkl']  # no temporary file
