"""linear_probe_iou against cases whose answer is known by construction."""
import math

import pytest
import torch

from mmseg_edc.evaluation.linear_probe import class_iou, linear_probe_iou


def clusters(centres, per_class=200, spread=0.05, seed=0):
    """``per_class`` points around each centre (class = centre index)."""
    generator = torch.Generator().manual_seed(seed)
    centres = torch.tensor(centres, dtype=torch.float32)
    features = centres.repeat_interleave(per_class, 0)
    features = features + spread * torch.randn(features.shape, generator=generator)
    labels = torch.arange(len(centres)).repeat_interleave(per_class)
    return features, labels


def test_separable_classes_are_read_out_exactly():
    features, labels = clusters([[0, 0], [4, 0], [0, 4]])
    assert linear_probe_iou(features, labels, 3) == [100.0, 100.0, 100.0]


def test_two_classes_sharing_one_feature_cannot_both_be_read_out():
    # classes 1 and 2 sit on the same point: whatever the probe predicts there, of the
    # 2n pixels at most n of one class are right, so IoU_1 + IoU_2 <= 100 (all to one
    # class: 50 + 0; a random split: 33 + 33); class 0 stays exact
    features, labels = clusters([[0, 0], [4, 0], [4, 0]])
    ious = linear_probe_iou(features, labels, 3)
    assert ious[0] == 100.0
    assert ious[1] + ious[2] <= 100.0 + 1e-6


def test_class_iou_by_hand():
    predicted = torch.tensor([0, 0, 1, 1, 1])
    labels = torch.tensor([0, 1, 1, 1, 255])
    # class 0: 1 right of {0, 1} -> 1/2; class 1: 2 right of {1, 2, 3} -> 2/3 (the
    # ignored pixel counts nowhere); class 2 absent from both -> NaN
    ious = class_iou(predicted, labels, 3)
    assert ious[:2] == [50.0, 66.67] and math.isnan(ious[2])


def test_shapes_are_checked():
    with pytest.raises(ValueError, match='N x C and labels N'):
        linear_probe_iou(torch.zeros(4, 2), torch.zeros(3, dtype=torch.long), 2)
