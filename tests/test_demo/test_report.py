"""The demo report's first sentence says where stage 2 came from and whether it was fine-tuned;
its timings say how the seeds shared the CPU."""
import pytest

from posewarper_demo.report import _stage2_words, _timing_lines


@pytest.mark.parametrize('init, epochs, words', [
    (None, 2, 'the warping heads start untrained'),
    ('pw.pth', 2, 'the warping heads start from the trained PoseWarper `pw.pth`'),
    ('pw.pth', 0, 'evaluated as shipped (no fine-tuning: the `posewarper` and `posewarper + '
     'cycle` rows are the same model)'),
])
def test_stage2_words(init, epochs, words):
    assert words in _stage2_words(dict(stage2_init=init, settings=dict(stage2_epochs=epochs)))


def test_timings_say_when_seeds_ran_at_once():
    seconds = {'seed 0: data': 38.0, 'seed 1: data': 39.5, 'total': 60.0}
    together = _timing_lines(dict(seconds=seconds, parallel=dict(jobs=2, threads_per_job=1)))
    assert 'The seeds ran 2 at once, each in its own process with 1 torch thread(s)' in \
        ' '.join(together)
    assert together[-3:] == ['| seed 0: data | 38.0 |', '| seed 1: data | 39.5 |',
                             '| total | 60.0 |']
    for parallel in (dict(jobs=1, threads_per_job=None), None):  # one after another
        lines = _timing_lines(dict(seconds=seconds, parallel=parallel))
        assert not [line for line in lines if 'at once' in line]
        assert lines[-3:] == together[-3:]
