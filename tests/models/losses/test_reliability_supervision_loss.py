"""ReliabilitySupervisionLoss: clear shares per cell, hand BCE values, padding, no maps."""
import math

import pytest
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.losses import ReliabilitySupervisionLoss, clear_fraction


def test_clear_fraction_counts_the_clear_valid_pixels_of_each_cell():
    cloud = torch.tensor([[[[1, 0, 0, 0],
                            [1, 1, 0, 0],
                            [0, 0, 1, 1],
                            [0, 0, 1, 1]]]])
    share, valid = clear_fraction(cloud, None, (2, 2))
    assert torch.equal(share, torch.tensor([[[[0.25, 1.0], [1.0, 0.0]]]]))
    assert torch.equal(valid, torch.ones(1, 1, 2, 2))
    padding = torch.ones(1, 1, 4, 4)
    padding[..., :, 3] = 0                        # last column is batch padding
    share, valid = clear_fraction(cloud, padding, (2, 2))
    # top-right cell: 2 valid pixels, both clear; bottom-right: 2 valid, both cloudy
    assert torch.allclose(share, torch.tensor([[[[0.25, 1.0], [1.0, 0.0]]]]))
    assert torch.equal(valid, torch.tensor([[[[1.0, 0.5], [1.0, 0.5]]]]))


def test_hand_value_over_two_stages():
    loss = ReliabilitySupervisionLoss(loss_weight=2.0)
    cloud = torch.tensor([[[[1, 0], [0, 0]]]])                # one cloudy pixel of four
    full = torch.full((1, 1, 2, 2), 0.5)                      # stage at input resolution
    coarse = torch.tensor([[[[0.75]]]])                       # one cell, clear share 0.75
    stage1 = -math.log(0.5)                                   # every target 0 or 1, A = 0.5
    stage2 = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    value = loss([full, None, coarse], cloud)
    assert math.isclose(value.item(), 2.0 * (stage1 + stage2) / 2, rel_tol=1e-6)


def test_padding_cells_weigh_by_their_valid_share():
    loss = ReliabilitySupervisionLoss(loss_weight=1.0)
    cloud = torch.zeros(1, 1, 1, 2)
    valid = torch.tensor([[[[1.0, 0.0]]]])
    a = torch.tensor([[[[0.9, 0.1]]]])                        # the padded pixel is wrong
    assert math.isclose(loss([a], cloud, valid).item(), -math.log(0.9), rel_tol=1e-6)


def test_gradient_reaches_the_map_and_a_fusion_without_maps_is_refused():
    loss = MODELS.build(dict(type='ReliabilitySupervisionLoss'))
    a = torch.full((2, 1, 3, 3), 0.5, requires_grad=True)
    loss([a], torch.ones(2, 1, 6, 6)).backward()
    assert (a.grad > 0).all()                                 # all cloudy: A should drop
    with pytest.raises(ValueError, match='use_reliability=False'):
        loss([None, None], torch.ones(2, 1, 6, 6))
