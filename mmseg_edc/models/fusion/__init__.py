"""Fusion blocks for optical, SAR and cross-modal feature streams."""
from .dchf import DCHF, DCHFOutput, reliability_weighted_pool

__all__ = ['DCHF', 'DCHFOutput', 'reliability_weighted_pool']
