"""Linear probes: how much class information a feature map still carries.

A multinomial logistic regression is fitted on one random half of the labelled pixels
of a feature (``N x C``) and scored on the other half; its per-class IoU says which
classes a linear read-out of that feature can still tell apart. Comparing the probes of
successive layers shows where a network loses a class (docs/design.md §6.10).
"""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmseg.evaluation import IoUMetric
from torch import Tensor


def probe_split(count: int, seed: int = 0, max_train_pixels: Optional[int] = None
                ) -> Tuple[Tensor, Tensor]:
    """The random split of ``count`` pixels a probe uses: indices that fit it (the first
    half, at most ``max_train_pixels``) and indices that score it (the second half)."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    half = count // 2
    return order[:half if max_train_pixels is None else min(half, max_train_pixels)], \
        order[half:]


def linear_probe_iou(features: Tensor, labels: Tensor, num_classes: int, *,
                     max_train_pixels: int = 20000, seed: int = 0, max_iter: int = 200,
                     weight_decay: float = 1e-4) -> List[float]:
    """Per-class IoU (percent) of a linear classifier of ``labels`` from ``features``.

    The features are standardised with the training half's mean and std; the classifier
    (``C -> num_classes`` with bias) minimises cross-entropy plus ``weight_decay`` times
    its squared weights with L-BFGS.

    Args:
        features (Tensor): ``N x C`` float.
        labels (Tensor): ``N`` class indices in ``[0, num_classes)`` (filter ignored
            pixels out first).
        num_classes (int): number of classes.
        max_train_pixels (int): at most this many pixels fit the probe (the rest of the
            first half is dropped); the second half scores it.
        seed (int): seed of the random split (:func:`probe_split`).
        max_iter (int): L-BFGS iterations.
        weight_decay (float): L2 penalty on the weights.

    Returns:
        list[float]: IoU per class (NaN for a class absent from both the scored labels
        and the predictions).
    """
    if features.ndim != 2 or labels.shape != features.shape[:1]:
        raise ValueError(f'linear_probe_iou: features must be N x C and labels N, got '
                         f'{tuple(features.shape)} and {tuple(labels.shape)}')
    if len(labels) < 2:
        raise ValueError(f'linear_probe_iou: need at least 2 pixels, got {len(labels)}')
    fit, scored = probe_split(len(labels), seed, max_train_pixels)
    features = features.float()
    mean, std = features[fit].mean(0), features[fit].std(0) + 1e-6
    features = (features - mean) / std
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        probe = torch.nn.Linear(features.shape[1], num_classes)
    optimizer = torch.optim.LBFGS(probe.parameters(), max_iter=max_iter,
                                  line_search_fn='strong_wolfe')

    def objective():
        optimizer.zero_grad()
        loss = F.cross_entropy(probe(features[fit]), labels[fit]) \
            + weight_decay * probe.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(objective)
    with torch.no_grad():
        predicted = probe(features[scored]).argmax(1)
    return class_iou(predicted, labels[scored], num_classes)


def class_iou(predicted: Tensor, labels: Tensor, num_classes: int) -> List[float]:
    """Per-class IoU in percent (mmseg's intersection and union); NaN where a class is
    in neither. ``predicted`` and ``labels``: ``N`` class indices."""
    intersect, union, _, _ = IoUMetric.intersect_and_union(
        predicted, labels, num_classes, ignore_index=255)
    return [float('nan') if u == 0 else round(100.0 * float(i) / float(u), 2)
            for i, u in zip(intersect, union)]
