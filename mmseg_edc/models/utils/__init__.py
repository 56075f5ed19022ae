"""Helpers the segmentors and heads share: the geometry of a padded batch, conv pairs."""
from .batch_geometry import decoded_size, padding_valid_mask
from .linear_convs import composed_kernel, conv3x3_pair

__all__ = ['decoded_size', 'padding_valid_mask', 'composed_kernel', 'conv3x3_pair']
