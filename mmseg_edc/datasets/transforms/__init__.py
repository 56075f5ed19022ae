"""Registered transforms: loading, shared geometry and packing of optical-SAR samples."""
from .formatting import PackOpticalSARInputs
from .geometric import (MultiModalRandomCrop, MultiModalRandomFlip,
                        MultiModalRandomRotate90)
from .loading import LoadOpticalSARTile, RadiometricScale

__all__ = [
    'LoadOpticalSARTile', 'RadiometricScale', 'MultiModalRandomCrop',
    'MultiModalRandomFlip', 'MultiModalRandomRotate90', 'PackOpticalSARInputs'
]
