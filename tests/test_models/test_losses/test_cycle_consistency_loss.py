import pytest
import torch
from mmpose.registry import MODELS

import posewarper  # noqa: F401


def test_cycle_of_identity_warp_is_pair_mse():
    loss = MODELS.build(dict(type='CycleConsistencyLoss', loss_weight=2.0))
    f_a, f_b, target = torch.rand(2, 3, 5, 4), torch.rand(2, 3, 5, 4), torch.rand(2, 3, 5, 4)
    calls = []

    def warp(ref, sup, source=None):
        calls.append((ref, sup, source))
        return sup if source is None else source

    value = loss(warp, f_a, f_b, target, torch.ones(2, 3))
    # A→B uses offsets from f_B - f_A and resamples f_A; B→A uses the reverse difference
    assert calls[0][0] is f_b and calls[0][1] is f_a and calls[0][2] is None
    assert calls[1][0] is f_a and calls[1][1] is f_b and calls[1][2] is f_a
    expected = 2.0 * MODELS.build(dict(type='KeypointMSELoss', use_target_weight=True))(
        f_a, target, torch.ones(2, 3))
    assert torch.allclose(value, expected)


def test_negative_weight_rejected():
    with pytest.raises(ValueError, match='loss_weight'):
        MODELS.build(dict(type='CycleConsistencyLoss', loss_weight=-1))
