"""Losses of EDC: cloud-weighted reconstruction and cloud-masked distillation."""
from .cloud_weighted_charbonnier_loss import CloudWeightedCharbonnierLoss
from .masked_distillation_loss import MaskedFeatureDistillationLoss
from .utils import masked_mean, resize_mask

__all__ = ['CloudWeightedCharbonnierLoss', 'MaskedFeatureDistillationLoss', 'masked_mean',
           'resize_mask']
