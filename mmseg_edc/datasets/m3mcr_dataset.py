"""M3M-CR (Xu et al., TGRS 2024) in the layout it is distributed in.

Under ``<data_root>/<split>/`` (``train`` or ``test``), for a sample key
``<season>_<aoi>_p_<k>``::

    planet_cloudy_<season>/planet_cloudy_<season>_<aoi>/planet_cloudy_<key>.tif
    planet_cloudfree_<season>/planet_cloudfree_<season>_<aoi>/planet_cloudfree_<key>.tif
    S1_<season>/S1_<season>_<aoi>/S1_<key>.tif
    landcover_<season>/landcover_<season>_<aoi>/landcover_<key>.tif
    cloudmask_<season>/cloudmask_<season>_<aoi>/cloudmask_<key>.npy

Samples come from a folder scan of every modality (a key found in any of the five
folders is a sample, so one missing any modality, the cloudy image included, is
reported by name), or from a split list: a CSV without header whose five columns
are the cloud-free, cloudy, S1, land-cover and cloud-mask paths relative to the
split folder (rows are kept as listed; the key comes from the cloudy column).
M3M-CR publishes no validation split: ``split='val'`` reads ``splits/val.csv``, whole
areas held out of ``train/`` by ``tools/dataset_converters/m3mcr_val_split.py``
(:mod:`~mmseg_edc.datasets.m3mcr_splits`); training then reads ``splits/train.csv``.
"""
import csv
import glob
import os.path as osp

from mmseg.registry import DATASETS

from .class_protocols import M3MCR_PROTOCOLS
from .m3mcr_splits import TRAIN_LIST, VAL_LIST
from .optical_sar_dataset import OpticalSARSegDataset

#: modality -> file prefix, in the column order of the split lists.
CSV_COLUMNS = (('clear', 'planet_cloudfree'), ('img', 'planet_cloudy'),
               ('sar', 'S1'), ('seg_map', 'landcover'), ('cloud_mask', 'cloudmask'))
SUFFIXES = dict(clear='.tif', img='.tif', sar='.tif', seg_map='.tif', cloud_mask='.npy')
SPLITS = ('train', 'val', 'test')
#: the folder each split's files live in: validation is held out of train/
SPLIT_FOLDERS = dict(train='train', val='train', test='test')


def m3mcr_relative_path(prefix, key, suffix):
    """Path of one modality file of sample ``key`` relative to the split folder."""
    season = key.split('_', 1)[0]
    area = key.rsplit('_p_', 1)[0]
    return osp.join(f'{prefix}_{season}', f'{prefix}_{area}', f'{prefix}_{key}{suffix}')


def sample_key_from_path(path, prefix='planet_cloudy', suffix='.tif'):
    """``<prefix>_<key><suffix>`` -> ``<key>``."""
    name = osp.basename(path)
    if not (name.startswith(prefix + '_') and name.endswith(suffix) and '_p_' in name):
        raise ValueError(f'{path} is not named {prefix}_<season>_<aoi>_p_<k>{suffix}')
    return name[len(prefix) + 1:len(name) - len(suffix)]


@DATASETS.register_module()
class M3MCRDataset(OpticalSARSegDataset):
    """M3M-CR: cloudy and cloud-free PlanetScope, Sentinel-1 SAR, WorldCover labels.

    Args:
        data_root (str): the ``M3M-CR`` folder holding ``train/`` and ``test/``.
        split (str): ``'train'``, ``'val'`` (areas held out of ``train/``) or
            ``'test'``.
        ann_file (str, optional): a 5-column split CSV, relative to ``data_root``
            (or absolute); None scans the split folder (``splits/val.csv`` for
            ``'val'``, which has no folder of its own).
        class_protocol (str): ``'6class'`` (the benchmark protocol; codes 70, 95
            and 100 ignored) or ``'11class'`` (every WorldCover code).
        with_label (bool): index the land-cover labels (required for training
            and evaluation).
        **kwargs: passed to :class:`OpticalSARSegDataset` / ``BaseSegDataset``.
    """

    def __init__(self, data_root, split='train', ann_file=None, class_protocol='6class',
                 with_label=True, metainfo=None, **kwargs):
        if split not in SPLITS:
            raise ValueError(f'M3MCRDataset: split must be one of {SPLITS}, got {split!r}')
        if class_protocol not in M3MCR_PROTOCOLS:
            raise ValueError(f'M3MCRDataset: class_protocol must be one of '
                             f'{tuple(M3MCR_PROTOCOLS)}, got {class_protocol!r}')
        protocol = M3MCR_PROTOCOLS[class_protocol]
        self.split = split
        self.csv_file = VAL_LIST if ann_file is None and split == 'val' else ann_file
        self.class_protocol = class_protocol
        modalities = {m: dict(folder=prefix, suffix=SUFFIXES[m])
                      for m, prefix in CSV_COLUMNS if with_label or m != 'seg_map'}
        super().__init__(
            data_root=data_root, modalities=modalities, label_codes=protocol.codes,
            metainfo=dict(protocol.metainfo, **(metainfo or {})), **kwargs)

    @property
    def split_root(self):
        return osp.join(self.data_root, SPLIT_FOLDERS[self.split])

    def listed_rows(self):
        """The split's samples as 5-column rows (paths relative to the split folder,
        :data:`CSV_COLUMNS` order) and a description of where they came from."""
        return self._csv_rows() if self.csv_file else self._scanned_rows()

    def list_samples(self):
        rows, origin = self.listed_rows()
        samples = []
        for row in rows:
            paths = {m: osp.join(self.split_root, rel)
                     for (m, _), rel in zip(CSV_COLUMNS, row) if m in self.modalities}
            samples.append((sample_key_from_path(row[1]), paths))
        return samples, origin

    def _csv_rows(self):
        path = self.csv_file if osp.isabs(self.csv_file) else osp.join(
            self.data_root, self.csv_file)
        if not osp.isfile(path):
            hint = ''
            if self.csv_file in (TRAIN_LIST, VAL_LIST):
                hint = ('; hold the validation areas out of train/ first: python '
                        'tools/dataset_converters/m3mcr_val_split.py '
                        f'{self.data_root}')
            raise FileNotFoundError(f'M3M-CR split list {path} does not exist{hint}')
        with open(path, newline='') as f:
            rows = [[cell.strip() for cell in row] for row in csv.reader(f)
                    if any(cell.strip() for cell in row)]
        for number, row in enumerate(rows, 1):
            if len(row) != len(CSV_COLUMNS):
                raise ValueError(
                    f'{path} line {number}: expected {len(CSV_COLUMNS)} columns '
                    f'({", ".join(p for _, p in CSV_COLUMNS)}), got {len(row)}')
        if not rows:
            raise FileNotFoundError(f'no samples found in M3M-CR split list {path}')
        return rows, f'split list {path}'

    def _scanned_rows(self):
        """Rows of every key found in any modality folder, in the order of the cloudy
        images' paths."""
        keys, patterns = set(), []
        for modality, prefix in CSV_COLUMNS:
            if modality not in self.modalities:
                continue
            pattern = osp.join(f'{prefix}_*', f'{prefix}_*',
                               f'{prefix}_*_p_*{SUFFIXES[modality]}')
            patterns.append(pattern)
            keys.update(sample_key_from_path(p, prefix, SUFFIXES[modality])
                        for p in glob.glob(osp.join(self.split_root, pattern)))
        if not keys:
            raise FileNotFoundError(
                f'no M3M-CR samples found: searched {", ".join(patterns)} under '
                f'{self.split_root}')
        keys = sorted(keys, key=lambda k: m3mcr_relative_path('planet_cloudy', k, '.tif'))
        rows = [[m3mcr_relative_path(prefix, key, SUFFIXES[m]) for m, prefix in CSV_COLUMNS]
                for key in keys]
        return rows, f'folder {self.split_root}'
