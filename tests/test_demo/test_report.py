"""The demo report's first sentence says where stage 2 came from and whether it was fine-tuned."""
import pytest

from posewarper_demo.report import _stage2_words


@pytest.mark.parametrize('init, epochs, words', [
    (None, 2, 'the warping heads start untrained'),
    ('pw.pth', 2, 'the warping heads start from the trained PoseWarper `pw.pth`'),
    ('pw.pth', 0, 'evaluated as shipped (no fine-tuning: the `posewarper` and `posewarper + '
     'cycle` rows are the same model)'),
])
def test_stage2_words(init, epochs, words):
    assert words in _stage2_words(dict(stage2_init=init, settings=dict(stage2_epochs=epochs)))
