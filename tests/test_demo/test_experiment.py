"""One seed of the demo (:mod:`posewarper_demo.experiment`) with stage 2 evaluated as shipped
(``stage2_epochs=0``, the default): the ``posewarper`` and ``posewarper + cycle`` rows are one
model, so it is trained (its stage 1 set in) and run once, and the report's commands name it
once."""
import dataclasses

import pytest

from posewarper_demo import QUICK, STAGE2_PRETRAINED, StageTimer
from posewarper_demo.experiment import PW_ROWS, run_seed, stage_commands
from tests.helpers.tiny_posewarper import PRETRAINED_STAGE1


def _cycle_lines(lines):
    return [line for line in lines if 'posewarper_cycle' in line or 'posewarper+cycle' in line]


def test_commands_name_the_cycle_model_only_when_it_was_trained():
    iters = dict(stage1=5, posewarper=0)
    assert _cycle_lines(stage_commands('w', 3, QUICK, iters)) == []
    lines = stage_commands('w', 3, QUICK, dict(iters, posewarper_cycle=0))
    assert len(_cycle_lines(lines)) == 3  # train, propagate, score


@pytest.mark.slow  # fine-tunes stage 1 and runs every experiment of a quick seed
def test_shipped_stage2_runs_once(tmp_path):
    settings = dataclasses.replace(QUICK, stage2_epochs=0)
    timer = StageTimer()
    run = run_seed(str(tmp_path / 'seed_5'), settings, 5, str(PRETRAINED_STAGE1),
                   augmentation=False, timer=timer, stage2_init=STAGE2_PRETRAINED)
    assert run['propagation'][PW_ROWS[1]] == run['propagation'][PW_ROWS[0]]
    assert 'seed 5: train stage 2 (posewarper)' in timer.seconds
    assert not [name for name in timer.seconds if 'posewarper + cycle' in name]
    assert 'posewarper_cycle' not in run['iters']
    assert not (tmp_path / 'seed_5' / 'models' / 'posewarper_cycle').exists()
