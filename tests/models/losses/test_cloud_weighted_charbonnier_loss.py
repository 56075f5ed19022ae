"""CloudWeightedCharbonnierLoss against hand-computed values."""
import pytest
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.losses import CloudWeightedCharbonnierLoss


def test_hand_value_with_square_root_exponent():
    loss = CloudWeightedCharbonnierLoss(eps=0.0, exponent=0.5)
    pred = torch.tensor([[[[1., 3.]], [[-2., 0.]]]])          # 1 x 2 bands x 1 x 2
    target = torch.zeros_like(pred)
    cloud = torch.tensor([[[[1, 0]]]], dtype=torch.uint8)     # first pixel cloudy
    # band 1: 6*1 + 1*3, band 2: 6*2 + 1*0; mean over 4 entries
    assert torch.isclose(loss(pred, target, cloud), torch.tensor((6 + 3 + 12 + 0) / 4))


def test_default_formula_and_weight():
    loss = MODELS.build(dict(type='CloudWeightedCharbonnierLoss', loss_weight=2.0))
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.rand(2, 4, 5, 5, generator=gen), torch.rand(2, 4, 5, 5, generator=gen)
    cloud = torch.rand(2, 1, 5, 5, generator=gen) > 0.5
    expected = ((1 + 5 * cloud.float()) * ((pred - target) ** 2 + 1e-6) ** 0.45).mean()
    assert torch.isclose(loss(pred, target, cloud), 2 * expected)
    assert loss.loss_name == 'loss_cr'


def test_valid_mask_leaves_pixels_out():
    loss = CloudWeightedCharbonnierLoss(eps=0.0, exponent=0.5)
    pred = torch.tensor([[[[1., 100.]]]])
    cloud = torch.zeros(1, 1, 1, 2)
    valid = torch.tensor([[[[1., 0.]]]])
    assert torch.isclose(loss(pred, torch.zeros_like(pred), cloud, valid), torch.tensor(1.))
    nothing_valid = loss(pred.requires_grad_(), torch.zeros_like(pred), cloud,
                         torch.zeros_like(valid))
    nothing_valid.backward()
    assert nothing_valid.item() == 0 and torch.all(pred.grad == 0)


def test_mismatched_grid_is_reported():
    with pytest.raises(ValueError, match='share H x W'):
        CloudWeightedCharbonnierLoss()(torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4),
                                       torch.zeros(1, 1, 2, 2))
