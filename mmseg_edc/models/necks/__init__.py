"""Necks that fuse multi-stream backbone pyramids."""
from .dchf_neck import DCHFNeck

__all__ = ['DCHFNeck']
