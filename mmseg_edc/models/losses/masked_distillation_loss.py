"""Cloud-mask-guided feature distillation from the teacher's to the student's decoder."""
from typing import Optional

import torch.nn as nn
from mmseg.registry import MODELS
from torch import Tensor

from .utils import masked_mean, resize_mask


@MODELS.register_module()
class MaskedFeatureDistillationLoss(nn.Module):
    """Mean squared feature error over the clear pixels: ``mean((1 - M) (F_s - F_t)^2)``.

    Normalisation: the masked sum is divided by (number of clear pixels x channels),
    clamped to at least 1, i.e. the mean over clear (pixel, channel) entries. An
    all-cloud batch gives a graph-connected zero. The teacher feature is detached.

    Args:
        loss_weight (float): multiplier of the loss.
        pixels (str): ``'clear'`` (cloud-free pixels only: the cloud-mask-guided
            distillation of the paper) or ``'all'`` [ours] (every valid pixel, cloudy
            ones included: the ablation that tests the guidance).
        loss_name (str): key in the loss dict; must start with ``loss_``.
    """

    def __init__(self, loss_weight: float = 1.0, pixels: str = 'clear',
                 loss_name: str = 'loss_distill'):
        super().__init__()
        if pixels not in ('clear', 'all'):
            raise ValueError(f"pixels must be 'clear' or 'all', got {pixels!r}")
        self.loss_weight = loss_weight
        self.pixels = pixels
        self._loss_name = loss_name

    def forward(self, student_feat: Tensor, teacher_feat: Tensor, cloud_mask: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Distillation loss.

        Args:
            student_feat (Tensor): ``B x C x H x W``.
            teacher_feat (Tensor): ``B x C x H x W``, detached here.
            cloud_mask (Tensor): ``B x 1 x h x w``, 1 = cloud, any grid (nearest-resized
                to ``H x W``).
            valid_mask (Tensor | None): ``B x 1 x h' x w'``, 0 on pixels to leave out
                altogether (e.g. batch padding), nearest-resized likewise.

        Returns:
            Tensor: scalar.
        """
        size = student_feat.shape[-2:]
        keep = 1 - resize_mask(cloud_mask, size) if self.pixels == 'clear' else \
            student_feat.new_ones(student_feat.shape[0], 1, *size)
        if valid_mask is not None:
            keep = keep * resize_mask(valid_mask, size)
        squared = (student_feat - teacher_feat.detach()).pow(2)
        return self.loss_weight * masked_mean(squared, keep)

    @property
    def loss_name(self) -> str:
        return self._loss_name
