"""Registered datasets (M3M-CR, WHU-OPT-SAR tiles, a generic folder-per-modality layout)
and transforms."""
from . import transforms  # noqa: F401
from .class_protocols import (M3MCR_PROTOCOLS, WHU_OPT_SAR_7CLASS, WHU_OPT_SAR_8CLASS,
                              WHU_OPT_SAR_PROTOCOLS, WORLDCOVER_6CLASS, WORLDCOVER_11CLASS,
                              ClassProtocol, build_label_lut)
from .m3mcr_dataset import M3MCRDataset
from .optical_sar_dataset import OpticalSARSegDataset
from .sample_files import SampleFilesError
from .whu_opt_sar import WHUOptSARDataset, convert_whu_opt_sar

__all__ = [
    'OpticalSARSegDataset', 'M3MCRDataset', 'WHUOptSARDataset', 'convert_whu_opt_sar',
    'ClassProtocol', 'WORLDCOVER_6CLASS', 'WORLDCOVER_11CLASS', 'M3MCR_PROTOCOLS',
    'WHU_OPT_SAR_7CLASS', 'WHU_OPT_SAR_8CLASS', 'WHU_OPT_SAR_PROTOCOLS', 'build_label_lut',
    'SampleFilesError'
]
