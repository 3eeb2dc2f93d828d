"""Mean and standard deviation of the demo's tables over seeds."""
import math

import pytest

from posewarper_demo.seeds import summarise_seeds


def test_mean_and_sample_sd():
    runs = {'0': dict(propagation={'copy': {'Total': 30.0, 'Head': 50.0}}),
            '1': dict(propagation={'copy': {'Total': 34.0, 'Head': None}}),
            '2': dict(propagation={'copy': {'Total': 38.0, 'Head': 70.0}})}
    out = summarise_seeds(runs, tables=('propagation', ))
    assert out['mean']['propagation']['copy']['Total'] == pytest.approx(34.0)
    assert out['sd']['propagation']['copy']['Total'] == pytest.approx(4.0)  # n - 1
    # a joint without GT in one seed's test videos: the mean of the others
    assert out['mean']['propagation']['copy']['Head'] == pytest.approx(60.0)
    assert out['sd']['propagation']['copy']['Head'] == pytest.approx(math.sqrt(200.0))


def test_one_seed_has_sd_zero_and_missing_tables_stay_empty():
    out = summarise_seeds({'5': dict(aggregation={'single': {'Total': 40.0}})})
    assert out['mean'] == dict(propagation={}, aggregation={'single': {'Total': 40.0}},
                               augmentation={})
    assert out['sd']['aggregation'] == {'single': {'Total': 0.0}}


def test_rows_absent_in_some_seeds_and_counts():
    # the by-frame split: a seed without defocused frames has None rows; counts are skipped
    runs = {'0': dict(defocused=dict(frames=0, single=None)),
            '1': dict(defocused=dict(frames=4, single={'Total': 20.0}))}
    out = summarise_seeds(runs, tables=('defocused', ))
    assert out['mean']['defocused'] == {'single': {'Total': 20.0}}
    none = summarise_seeds({'0': dict(defocused=dict(frames=0, single=None))},
                           tables=('defocused', ))
    assert none['mean']['defocused'] == {}
