"""Reductions shared by the losses: masked means over pixels and channels."""
from typing import Optional

import torch.nn.functional as F
from torch import Tensor


def masked_mean(values: Tensor, mask: Optional[Tensor]) -> Tensor:
    """Mean of ``values`` over the entries ``mask`` keeps, 0 when it keeps none.

    ``sum(mask * values) / max(sum(mask) * C, 1)``: the mask is broadcast over the
    ``C`` channels, so the result is a mean over kept (pixel, channel) entries. With an
    empty mask the numerator is ``0 * values``, a zero that stays connected to the
    graph (every parameter gets a zero gradient, as DDP needs).

    Args:
        values (Tensor): ``B x C x H x W``.
        mask (Tensor | None): ``B x 1 x H x W`` in [0, 1]; None keeps everything.

    Returns:
        Tensor: scalar.
    """
    if mask is None:
        return values.mean()
    mask = mask.to(values.dtype)
    total = (values * mask).sum()
    return total / (mask.sum() * values.shape[1]).clamp(min=1)


def resize_mask(mask: Tensor, size) -> Tensor:
    """Nearest-resize a ``B x 1 x h x w`` mask to ``size`` as float (a no-op if equal)."""
    mask = mask.float()
    if tuple(mask.shape[-2:]) == tuple(size):
        return mask
    return F.interpolate(mask, size=tuple(size), mode='nearest')
