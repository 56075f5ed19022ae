"""Helpers the models share: the geometry of a padded batch, conv pairs, fp32 steps."""
from .batch_geometry import decoded_size, padding_valid_mask
from .linear_convs import composed_kernel, conv3x3_pair
from .precision import full_precision

__all__ = ['decoded_size', 'padding_valid_mask', 'composed_kernel', 'conv3x3_pair',
           'full_precision']
