"""Registered datasets (M3M-CR, a generic folder-per-modality layout) and transforms."""
from . import transforms  # noqa: F401
from .class_protocols import (M3MCR_PROTOCOLS, WORLDCOVER_6CLASS, WORLDCOVER_11CLASS,
                              ClassProtocol, build_label_lut)
from .m3mcr_dataset import M3MCRDataset
from .optical_sar_dataset import OpticalSARSegDataset

__all__ = [
    'OpticalSARSegDataset', 'M3MCRDataset', 'ClassProtocol', 'WORLDCOVER_6CLASS',
    'WORLDCOVER_11CLASS', 'M3MCR_PROTOCOLS', 'build_label_lut'
]
