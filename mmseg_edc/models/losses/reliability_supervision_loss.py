"""[ours] Supervision of DCHF's reliability maps with the cloud mask."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import full_precision


def clear_fraction(cloud_mask: Tensor, valid_mask: Optional[Tensor], size) -> tuple:
    """The share of clear pixels in every cell of a coarser grid, and how much of the
    cell is valid.

    Cells are the bins of ``adaptive_avg_pool2d`` (exact blocks when the sides divide).

    Args:
        cloud_mask (Tensor): ``B x 1 x H x W``, 1 = cloud.
        valid_mask (Tensor | None): ``B x 1 x H x W``, 0 on pixels to leave out (batch
            padding); None keeps all.
        size (Sequence[int]): ``(h, w)`` of the coarse grid.

    Returns:
        tuple[Tensor, Tensor]: the clear share of the valid pixels of each cell
        (``B x 1 x h x w`` in [0, 1], 0 where nothing is valid) and the valid share
        of each cell (``B x 1 x h x w``), both fp32.
    """
    clear = 1 - cloud_mask.float()
    valid = torch.ones_like(clear) if valid_mask is None else valid_mask.float()
    valid_share = F.adaptive_avg_pool2d(valid, tuple(size))
    clear_share = F.adaptive_avg_pool2d(clear * valid, tuple(size))
    return clear_share / valid_share.clamp(min=1e-6), valid_share


@MODELS.register_module()
class ReliabilitySupervisionLoss(nn.Module):
    """Binary cross-entropy between each reliability map ``A_i`` and the share of clear
    pixels under its cells [ours, docs/design.md §6.11].

    DCHF's ``A`` is meant to say where the optical stream can be trusted; left to the
    segmentation loss alone it separates cloudy from clear pixels only at stage 1
    (docs/design.md §6.11). This term tells it directly. For stage ``i`` with ``A_i``
    of size ``h_i x w_i``, the target is ``t_i`` = the clear share of the input pixels
    each cell covers, and the loss is the valid-share-weighted mean of
    ``-(t log A + (1 - t) log(1 - A))`` over cells, averaged over the stages that have
    a map. Computed in fp32.

    Args:
        loss_weight (float): multiplier of the loss.
        loss_name (str): key in the loss dict; must start with ``loss_``.
    """

    def __init__(self, loss_weight: float = 0.1, loss_name: str = 'loss_reliability'):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, reliability: Sequence[Optional[Tensor]], cloud_mask: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Supervision loss.

        Args:
            reliability (Sequence[Tensor | None]): ``A_i``, ``B x 1 x h_i x w_i`` in
                (0, 1), per stage; None where a stage has no map.
            cloud_mask (Tensor): ``B x 1 x H x W`` on the input grid, 1 = cloud.
            valid_mask (Tensor | None): ``B x 1 x H x W``, 0 on batch padding.

        Returns:
            Tensor: scalar.
        """
        maps = [a for a in reliability if a is not None]
        if not maps:
            raise ValueError('ReliabilitySupervisionLoss needs reliability maps; this '
                             'fusion builds none (use_reliability=False, the teacher '
                             'variant)')
        with full_precision(maps[0]):
            per_stage = []
            for a in maps:
                target, weight = clear_fraction(cloud_mask.to(a.device), valid_mask,
                                                a.shape[-2:])
                bce = F.binary_cross_entropy(a.float(), target, reduction='none')
                per_stage.append((bce * weight).sum() / weight.sum().clamp(min=1e-6))
            return self.loss_weight * torch.stack(per_stage).mean()

    @property
    def loss_name(self) -> str:
        return self._loss_name
