"""Charbonnier-type reconstruction loss that weighs cloudy pixels more."""
from typing import Optional

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .utils import masked_mean


@MODELS.register_module()
class CloudWeightedCharbonnierLoss(nn.Module):
    """``mean((1 + cloud_weight * M) * ((pred - target)^2 + eps)^exponent)``.

    The mean runs over bands and pixels; the mask ``M`` (1 = cloud) is broadcast over
    the bands. With ``valid_mask`` the mean runs over the valid pixels only (the loss
    is then 0, graph-connected, when none is valid).

    Args:
        loss_weight (float): multiplier of the loss.
        cloud_weight (float): extra weight of cloudy pixels.
        eps (float): Charbonnier smoothing term.
        exponent (float): Charbonnier exponent.
        loss_name (str): key in the loss dict; must start with ``loss_``.
    """

    def __init__(self, loss_weight: float = 1.0, cloud_weight: float = 5.0,
                 eps: float = 1e-6, exponent: float = 0.45, loss_name: str = 'loss_cr'):
        super().__init__()
        self.loss_weight = loss_weight
        self.cloud_weight = cloud_weight
        self.eps = eps
        self.exponent = exponent
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor, cloud_mask: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Reconstruction loss.

        Args:
            pred (Tensor): ``B x C x H x W``.
            target (Tensor): ``B x C x H x W``.
            cloud_mask (Tensor): ``B x 1 x H x W``, 1 = cloud (any dtype).
            valid_mask (Tensor | None): ``B x 1 x H x W``, 0 = leave the pixel out.

        Returns:
            Tensor: scalar.
        """
        if cloud_mask.shape[-2:] != pred.shape[-2:] or target.shape != pred.shape:
            raise ValueError(f'pred {tuple(pred.shape)}, target {tuple(target.shape)} '
                             f'and cloud mask {tuple(cloud_mask.shape)} must share H x W')
        weight = 1 + self.cloud_weight * cloud_mask.to(pred.dtype)
        error = ((pred - target).pow(2) + self.eps).pow(self.exponent)
        return self.loss_weight * masked_mean(weight * error, valid_mask)

    @property
    def loss_name(self) -> str:
        return self._loss_name
