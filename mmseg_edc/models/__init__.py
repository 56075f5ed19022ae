"""Registered models: data preprocessor, fusion, necks, heads and losses."""
from . import backbones, decode_heads, fusion, losses, necks, segmentors  # noqa: F401
from .data_preprocessor import OpticalSARDataPreProcessor

__all__ = ['OpticalSARDataPreProcessor']
