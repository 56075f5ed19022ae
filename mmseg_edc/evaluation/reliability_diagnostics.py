"""How well DCHF's reliability maps ``A`` tell cloudy from clear pixels (docs/design.md §4).

``A`` (``B x 1 x h_i x w_i`` at stage ``i``) is meant to be low where the optical image
cannot be trusted. Its separation of cloudy from clear pixels is measured by the ROC
AUC of ``1 - A`` against the cloud mask taken to the stage's grid: 1 is a perfect
separation, 0.5 none, below 0.5 the map is high under clouds.
"""
from typing import Dict, List, Sequence

import numpy as np
import torch.nn.functional as F
from scipy.stats import rankdata
from torch import Tensor


def roc_auc(scores: np.ndarray, positives: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for the boolean ``positives``.

    The Mann-Whitney statistic: the probability that a random positive scores above a
    random negative, ties counted half. NaN when either class is empty.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    positives = np.asarray(positives, dtype=bool).ravel()
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return float('nan')
    ranks = rankdata(scores)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def cloud_fraction(cloud_mask: Tensor, size: Sequence[int]) -> Tensor:
    """Share of cloudy image pixels under each cell of a ``size`` grid.

    Args:
        cloud_mask (Tensor): ``B x 1 x H x W``, 1 = cloud.
        size (Sequence[int]): ``(h, w)`` of a stage.

    Returns:
        Tensor: ``B x 1 x h x w`` in [0, 1] (adaptive average pooling).
    """
    return F.adaptive_avg_pool2d(cloud_mask.float(), tuple(size))


class ReliabilityAUC:
    """Accumulates ``(1 - A, cloudy)`` pairs per stage over batches, then the AUCs.

    A stage cell counts as cloudy when more than half of its image pixels are, clear
    when none is; mixed cells (cloud borders) are left out, so the AUC reads how ``A``
    separates what it can see as cloud from what it can see as clear.
    """

    def __init__(self):
        self.scores: Dict[int, List[np.ndarray]] = {}
        self.cloudy: Dict[int, List[np.ndarray]] = {}

    def update(self, reliability: Sequence, cloud_mask: Tensor) -> None:
        """Add one batch.

        Args:
            reliability (Sequence[Tensor | None]): ``A_i`` per stage (``B x 1 x h_i x
                w_i``), None where a fusion block has none.
            cloud_mask (Tensor): ``B x 1 x H x W`` on the input grid, 1 = cloud.
        """
        for stage, a in enumerate(reliability):
            if a is None:
                continue
            fraction = cloud_fraction(cloud_mask.to(a.device), a.shape[-2:])
            decided = (fraction > 0.5) | (fraction == 0)
            self.scores.setdefault(stage, []).append(
                (1 - a)[decided].detach().float().cpu().numpy())
            self.cloudy.setdefault(stage, []).append(
                (fraction > 0.5)[decided].cpu().numpy())

    def compute(self) -> Dict[str, float]:
        """``{'stage<i>': AUC}``, stages numbered from 1 as in docs/design.md."""
        return {f'stage{stage + 1}': roc_auc(np.concatenate(self.scores[stage]),
                                             np.concatenate(self.cloudy[stage]))
                for stage in sorted(self.scores)}

