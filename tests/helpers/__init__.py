"""Test-only code shared by the test modules (not tests themselves).

- :mod:`.tiny_training`: tiny data and configs for real training runs, the probe hook the
  launched processes import, subprocesses with hard timeouts;
- :mod:`.propagation`: tiny generated data, edited videos and random-weight models for the
  label propagation tests;
- :mod:`.pt18`: small PoseTrack18-format data whose frames encode their own index;
- :mod:`.naive_window`: the reference path of temporal aggregation (``PoseWarper.predict`` on
  every window), which the streaming aggregator and ``benchmarks/aggregation.py`` compare with;
- :mod:`.clip_batches`: collated clip batches without a dataset, for the estimator tests and
  ``benchmarks/stage2_training.py``.

No imports here: ``tests.helpers.tiny_training`` is imported by training processes.
"""
