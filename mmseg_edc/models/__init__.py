"""Registered models: data preprocessor, fusion, necks, heads and losses."""
from . import decode_heads, fusion, losses, necks  # noqa: F401
from .data_preprocessor import OpticalSARDataPreProcessor

__all__ = ['OpticalSARDataPreProcessor']
