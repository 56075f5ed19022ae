"""Reliability-map diagnostics against hand computations."""
import math

import numpy as np
import torch

from mmseg_edc.evaluation.reliability_diagnostics import (ReliabilityAUC, cloud_fraction,
                                                          roc_auc)


def test_roc_auc_by_hand():
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1.0       # perfect ranking
    assert roc_auc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]) == 0.0
    # positives 0.5, 0.3; negatives 0.4, 0.5: pairs (0.5>0.4)=1, (0.5=0.5)=0.5,
    # (0.3<0.4)=0, (0.3<0.5)=0 -> 1.5 / 4
    assert roc_auc([0.5, 0.3, 0.4, 0.5], [1, 1, 0, 0]) == 0.375
    assert math.isnan(roc_auc([0.1, 0.2], [1, 1]))


def test_cloud_fraction_per_stage_cell():
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., :2, :2] = 1
    mask[..., 0, 2] = 1
    fraction = cloud_fraction(mask, (2, 2))
    assert fraction[0, 0].tolist() == [[1.0, 0.25], [0.0, 0.0]]


def test_auc_per_stage_leaves_mixed_cells_out():
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., :, :4] = 1                                  # left half cloudy
    low_under_clouds = torch.ones(1, 1, 4, 4)
    low_under_clouds[..., :, :2] = 0.2                    # A low where cloudy
    auc = ReliabilityAUC()
    auc.update([low_under_clouds, None, torch.full((1, 1, 2, 2), 0.5)], mask)
    result = auc.compute()
    assert result['stage1'] == 1.0
    assert result['stage3'] == 0.5                       # a constant map separates nothing
    assert 'stage2' not in result
    assert np.isclose(roc_auc(np.r_[0.8, 0.8], [True, False]), 0.5)
