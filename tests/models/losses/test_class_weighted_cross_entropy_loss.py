"""ClassWeightedCrossEntropyLoss: torch's weighted mean over labelled pixels, where
mmseg 1.2.2's class-weighted CrossEntropyLoss fails on ignored pixels."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss

from mmseg_edc.models.losses import ClassWeightedCrossEntropyLoss

WEIGHTS = [1.0, 2.0, 3.0]


def one_row():
    """Three pixels, classes 0, 2 and ignored; logits ``1 x 3 x 1 x 3`` (row p of the
    matrix: pixel p's logits of classes 0-2) chosen for a hand computation."""
    per_pixel = torch.tensor([[0.0, 0.0, 0.0], [math.log(2), 0.0, 0.0],
                              [0.0, 0.0, math.log(2)]])
    logits = per_pixel.T.reshape(1, 3, 1, 3)
    labels = torch.tensor([[[0, 2, 255]]])
    return logits, labels


def test_the_weighted_mean_by_hand():
    logits, labels = one_row()
    loss = ClassWeightedCrossEntropyLoss(WEIGHTS, loss_weight=0.5)(logits, labels)
    # pixel 0: logits (0, 0, 0), class 0: -log(1 / 3) = log 3, weight 1
    # pixel 1: logits (log 2, 0, 0), class 2: -log(1 / 4) = log 4, weight 3
    # pixel 2 ignored
    expected = 0.5 * (math.log(3) + 3 * math.log(4)) / (1 + 3)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    torch_mean = F.cross_entropy(logits, labels, weight=torch.tensor(WEIGHTS),
                                 ignore_index=255)
    assert loss.item() == pytest.approx(0.5 * torch_mean.item(), rel=1e-6)


def test_pixel_weights_scale_the_pixels_not_the_denominator():
    logits, labels = one_row()
    pixel_weights = torch.tensor([[[2.0, 1.0, 5.0]]])
    loss = ClassWeightedCrossEntropyLoss(WEIGHTS)(logits, labels, weight=pixel_weights)
    # the ignored pixel's factor 5 changes nothing; the denominator stays 1 + 3
    assert loss.item() == pytest.approx((2 * math.log(3) + 3 * math.log(4)) / 4, rel=1e-6)


def test_all_ignored_gives_zero_and_the_stock_loss_still_fails():
    logits, labels = one_row()
    ignored = torch.full_like(labels, 255)
    assert ClassWeightedCrossEntropyLoss(WEIGHTS)(logits, ignored).item() == 0.0
    # the mmseg 1.2.2 bug this class exists for; if it is fixed upstream, the stock loss
    # serves and this class can go
    stock = CrossEntropyLoss(class_weight=WEIGHTS, avg_non_ignore=True)
    with pytest.raises(IndexError):
        stock(logits, labels, ignore_index=255)
