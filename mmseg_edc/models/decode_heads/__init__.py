"""Decode heads: EDC's segmentation and cloud-removal U-Net decoders."""
from .cloud_removal_head import CloudRemovalHead
from .edc_seg_head import EDCSegHead
from .unet_decoder import UNetDecoder

__all__ = ['CloudRemovalHead', 'EDCSegHead', 'UNetDecoder']
