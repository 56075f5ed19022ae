"""Losses of EDC: cloud-weighted reconstruction, cloud-masked distillation and the
reliability maps' supervision."""
from .cloud_weighted_charbonnier_loss import CloudWeightedCharbonnierLoss
from .masked_distillation_loss import MaskedFeatureDistillationLoss
from .reliability_supervision_loss import ReliabilitySupervisionLoss, clear_fraction
from .utils import masked_mean, resize_mask

__all__ = ['CloudWeightedCharbonnierLoss', 'MaskedFeatureDistillationLoss',
           'ReliabilitySupervisionLoss', 'clear_fraction', 'masked_mean', 'resize_mask']
