"""Losses of EDC: cloud-weighted reconstruction, cloud-masked distillation, the
reliability maps' supervision, and a class-weighted cross-entropy that survives ignored
pixels."""
from .class_weighted_cross_entropy_loss import ClassWeightedCrossEntropyLoss
from .cloud_weighted_charbonnier_loss import CloudWeightedCharbonnierLoss
from .masked_distillation_loss import MaskedFeatureDistillationLoss
from .reliability_supervision_loss import ReliabilitySupervisionLoss, clear_fraction
from .utils import masked_mean, resize_mask

__all__ = ['ClassWeightedCrossEntropyLoss', 'CloudWeightedCharbonnierLoss',
           'MaskedFeatureDistillationLoss', 'ReliabilitySupervisionLoss', 'clear_fraction',
           'masked_mean', 'resize_mask']
