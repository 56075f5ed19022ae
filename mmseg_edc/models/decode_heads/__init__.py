"""Decode heads: EDC's segmentation and cloud-removal U-Net decoders."""
from .cloud_removal_head import CloudRemovalHead, padding_valid_mask
from .edc_seg_head import EDCSegHead
from .unet_decoder import UNetDecoder, decoded_size

__all__ = ['CloudRemovalHead', 'EDCSegHead', 'UNetDecoder', 'decoded_size',
           'padding_valid_mask']
