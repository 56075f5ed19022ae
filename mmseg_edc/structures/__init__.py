"""Data structures shared by the data pipeline and the models."""
from .band_layout import MODALITY_ORDER, BandLayout

__all__ = ['MODALITY_ORDER', 'BandLayout']
