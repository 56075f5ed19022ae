"""Registered models: the optical-SAR data preprocessor."""
from .data_preprocessor import OpticalSARDataPreProcessor

__all__ = ['OpticalSARDataPreProcessor']
