"""Helpers the models share: the geometry of a padded batch, conv pairs, fp32 steps,
channels-last output convs."""
from .batch_geometry import decoded_size, padding_valid_mask
from .linear_convs import composed_kernel, conv3x3_pair
from .memory_format import conv_channels_last
from .precision import full_precision

__all__ = ['decoded_size', 'padding_valid_mask', 'composed_kernel', 'conv3x3_pair',
           'conv_channels_last', 'full_precision']
