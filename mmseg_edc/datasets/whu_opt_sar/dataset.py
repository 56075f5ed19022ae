"""WHU-OPT-SAR tiles as written by :func:`convert_whu_opt_sar`."""
from mmseg.registry import DATASETS

from ..class_protocols import WHU_OPT_SAR_PROTOCOLS
from ..optical_sar_dataset import OpticalSARSegDataset
from .tile_layout import OUTPUT_FOLDERS, SPLITS, TILE_SUFFIX, split_list_path


@DATASETS.register_module()
class WHUOptSARDataset(OpticalSARSegDataset):
    """Converted WHU-OPT-SAR tiles: cloudy and clear GF-1, GF-3 SAR, land-cover labels.

    A thin :class:`OpticalSARSegDataset` with the converter's layout, the split lists
    ``splits/<split>.txt`` and a WHU-OPT-SAR class protocol fixed. Each sample gives
    (after :class:`LoadOpticalSARTile`) ``img`` (synthetic clouds) and ``clear_img``
    ``T x T x 4`` (R, G, B, NIR, 0..255), ``sar`` ``T x T x 1`` (0..255), ``cloud_mask``
    ``T x T`` and ``gt_seg_map`` ``T x T`` class indices (255 = ignored).

    Args:
        data_root (str): the converter's output folder.
        split (str): ``'train'``, ``'val'`` (scenes held out of the official train
            split) or ``'test'`` (the official test scenes).
        class_protocol (str): ``'7class'`` (farmland, city, village, water, forest, road,
            others; background ignored, the usual protocol) or ``'8class'`` (background
            kept as class 0).
        with_label (bool): index the labels (required for training and evaluation).
        **kwargs: passed to :class:`OpticalSARSegDataset` / ``BaseSegDataset``
            (``pipeline``, ``test_mode``, ...).
    """

    def __init__(self, data_root, split='train', class_protocol='7class', with_label=True,
                 metainfo=None, **kwargs):
        if split not in SPLITS:
            raise ValueError(f'WHUOptSARDataset: split must be one of {SPLITS}, got '
                             f'{split!r}')
        if class_protocol not in WHU_OPT_SAR_PROTOCOLS:
            raise ValueError(f'WHUOptSARDataset: class_protocol must be one of '
                             f'{tuple(WHU_OPT_SAR_PROTOCOLS)}, got {class_protocol!r}')
        protocol = WHU_OPT_SAR_PROTOCOLS[class_protocol]
        self.split = split
        self.class_protocol = class_protocol
        modalities = {m: dict(folder=folder, suffix=TILE_SUFFIX)
                      for m, folder in OUTPUT_FOLDERS.items()
                      if with_label or m != 'seg_map'}
        super().__init__(
            data_root=data_root, modalities=modalities, split_file=split_list_path(split),
            label_codes=protocol.codes,
            metainfo=dict(protocol.metainfo, **(metainfo or {})), **kwargs)
