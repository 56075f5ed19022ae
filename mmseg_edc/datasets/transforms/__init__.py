"""Registered transforms: loading, shared geometry, cloud synthesis and packing of
optical-SAR samples."""
from .cloud_synthesis import SynthesizeClouds
from .formatting import PackOpticalSARInputs
from .geometric import (MultiModalRandomCrop, MultiModalRandomFlip,
                        MultiModalRandomRotate90)
from .loading import LoadOpticalSARArrays, LoadOpticalSARTile, RadiometricScale

__all__ = [
    'LoadOpticalSARTile', 'LoadOpticalSARArrays', 'RadiometricScale', 'MultiModalRandomCrop',
    'MultiModalRandomFlip', 'MultiModalRandomRotate90', 'SynthesizeClouds',
    'PackOpticalSARInputs'
]
