"""Helpers the segmentors and heads share: the geometry of a padded batch."""
from .batch_geometry import decoded_size, padding_valid_mask

__all__ = ['decoded_size', 'padding_valid_mask']
