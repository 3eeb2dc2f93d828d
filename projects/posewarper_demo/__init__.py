"""``tools/demo.py``: the paper's three applications in miniature, offline on CPU.

An application over the installed ``posewarper`` package (it finds the tiny configs where
``mim`` installs them), kept out of the library.

- :mod:`.pipeline`: the stages (data, training, testing, propagation and scoring);
- :mod:`.experiment`: one seed's run of every experiment;
- :mod:`.run`: a whole run (every seed, the summary, figures and report);
- :mod:`.seeds`: mean and standard deviation over seeds;
- :mod:`.report`: ``results.json`` and ``report.md``;
- :mod:`.figures`: bar plots, the side-by-side pose video, learned offsets vs optical flow.
- :mod:`.warp_recovery`, :mod:`.oracle_cue`: diagnostics of the warp (how much of the motion
  it recovers; its propagation with the ground truth as the motion cue).
"""
from .pipeline import (CONFIGS, DEFAULT, PRETRAINED, QUICK, SCRATCH, STAGE2_PRETRAINED,
                       DemoSettings, StageTimer, config_file, demo_config, make_demo_data,
                       propagate_and_score, test_model, train_model)
from .report import TARGETS, check_targets, write_report, write_results

__all__ = [
    'CONFIGS', 'DEFAULT', 'PRETRAINED', 'QUICK', 'SCRATCH', 'STAGE2_PRETRAINED', 'DemoSettings',
    'StageTimer', 'config_file', 'demo_config', 'make_demo_data', 'propagate_and_score',
    'test_model', 'train_model', 'TARGETS', 'check_targets', 'write_report', 'write_results'
]
