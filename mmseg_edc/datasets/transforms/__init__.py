"""Registered transforms: loading, radiometric scaling, shared geometry, cloud synthesis and packing of
optical-SAR samples."""
from .cloud_synthesis import SynthesizeClouds
from .formatting import PackOpticalSARInputs
from .geometric import (MultiModalRandomCrop, MultiModalRandomFlip,
                        MultiModalRandomRotate90)
from .loading import LoadOpticalSARArrays, LoadOpticalSARTile
from .radiometric import RadiometricScale, RadiometricUnitsError

__all__ = [
    'LoadOpticalSARTile', 'LoadOpticalSARArrays', 'RadiometricScale', 'MultiModalRandomCrop',
    'MultiModalRandomFlip', 'MultiModalRandomRotate90', 'SynthesizeClouds',
    'PackOpticalSARInputs', 'RadiometricUnitsError'
]
