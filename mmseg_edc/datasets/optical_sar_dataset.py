"""A generic paired optical-SAR dataset: one folder per modality, one file per sample.

Layout under ``data_root`` (folders and suffixes come from the config)::

    <img folder>/<key><img suffix>              cloudy optical   (required)
    <sar folder>/<key><sar suffix>              SAR              (required)
    <clear folder>/<key><clear suffix>          cloud-free optical
    <cloud_mask folder>/<key><suffix>           cloud mask (.npy or raster)
    <seg_map folder>/<key><suffix>              label codes

The sample list is the split file (one key per line) or, without one, every key
found in any modality folder (a file with that modality's suffix), so a sample
missing any modality, the image included, is reported, never dropped. When built,
the dataset checks every file it lists (:mod:`.sample_files`: existence, then
header, band count, dtype and grid, no pixel read) and refuses to build with one
error naming every bad file; ``verify_files=False`` checks existence only.
"""
import os
import os.path as osp

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .class_protocols import build_label_lut
from .sample_files import FileExpectations, verify_sample_files
from .transforms.pipeline_guard import check_multimodal_pipeline

#: modality name in the config -> path key in a data info.
PATH_KEYS = dict(img='img_path', sar='sar_path', clear='clear_path',
                 cloud_mask='cloud_mask_path', seg_map='seg_map_path')
REQUIRED_MODALITIES = ('img', 'sar')


def read_lines(path):
    """Non-empty, stripped lines of a text file (LF or CRLF)."""
    with open(path, newline='') as f:
        return [line.strip() for line in f.read().splitlines() if line.strip()]


@DATASETS.register_module()
class OpticalSARSegDataset(BaseSegDataset):
    """Paired SAR / cloudy-optical (/ cloud-free optical, cloud mask, label) tiles.

    Args:
        data_root (str): root folder of the dataset.
        modalities (dict): per modality (``img``, ``sar`` required; ``clear``,
            ``cloud_mask``, ``seg_map`` optional) a dict with ``folder`` (relative
            to ``data_root``) and ``suffix``.
        split_file (str, optional): file listing one sample key per line,
            relative to ``data_root``; None lists the image folder.
        label_codes (dict[int, int], optional): raw label code -> class index;
            codes not listed become 255 (ignored). Default: codes
            ``0 .. num_classes - 1`` map to themselves.
        metainfo (dict): must give ``classes`` (and may give ``palette``).
        verify_files (bool): when built, check every listed file's header (readable,
            complete, band count, dtype, grid against the optical image) and report
            every bad file at once; False checks only that the files exist (huge
            datasets on slow storage; a bad file then surfaces when it is read).
        **kwargs: passed to :class:`mmseg.datasets.BaseSegDataset`
            (``pipeline``, ``test_mode``, ``indices``, ...).
    """

    def __init__(self, data_root, modalities, split_file=None, label_codes=None,
                 metainfo=None, verify_files=True, **kwargs):
        unknown = set(modalities) - set(PATH_KEYS)
        absent = set(REQUIRED_MODALITIES) - set(modalities)
        if unknown or absent:
            raise ValueError(
                f'{type(self).__name__}: modalities must include {REQUIRED_MODALITIES} '
                f'and only use {tuple(PATH_KEYS)}; unknown {sorted(unknown)}, missing '
                f'{sorted(absent)}')
        self.modalities = {k: dict(v) for k, v in modalities.items()}
        self.split_file = split_file
        self.verify_files = verify_files
        metainfo = dict(metainfo or {})
        if not metainfo.get('classes'):
            raise ValueError(f'{type(self).__name__}: metainfo must give classes')
        num_classes = len(metainfo['classes'])
        codes = label_codes if label_codes is not None else {
            i: i for i in range(num_classes)}
        self.label_lut = build_label_lut(codes, num_classes)
        super().__init__(data_root=data_root, metainfo=metainfo, **kwargs)
        check_multimodal_pipeline(self.pipeline.transforms, type(self).__name__)

    def _modality_path(self, modality, key):
        spec = self.modalities[modality]
        return osp.join(self.data_root, spec['folder'], key + spec['suffix'])

    def _sample_keys(self):
        if self.split_file:
            path = osp.join(self.data_root, self.split_file)
            if not osp.isfile(path):
                raise FileNotFoundError(f'split file {path} does not exist')
            keys = read_lines(path)
            origin = f'split file {path}'
        else:
            keys, origin = self._scanned_keys()
        if not keys:
            raise FileNotFoundError(f'no samples found in {origin}')
        return keys, origin

    def _scanned_keys(self):
        """Every key with a file in any modality folder, sorted, and a description of
        the folders."""
        keys, searched = set(), []
        for spec in self.modalities.values():
            folder = osp.normpath(osp.join(self.data_root, spec['folder']))
            suffix = spec['suffix']
            if (folder, suffix) in searched:
                continue
            searched.append((folder, suffix))
            names = os.listdir(folder) if osp.isdir(folder) else []
            keys.update(n[:-len(suffix)] for n in names if n.endswith(suffix))
        origin = ', '.join(f'{folder} (pattern *{suffix})' for folder, suffix in searched)
        return sorted(keys), ('folder ' if len(searched) == 1 else 'folders ') + origin

    def list_samples(self):
        """``[(sample_key, {modality: path})]`` and a description of their origin."""
        keys, origin = self._sample_keys()
        return [(key, {m: self._modality_path(m, key) for m in self.modalities})
                for key in keys], origin

    def load_data_list(self):
        samples, origin = self.list_samples()
        verify_sample_files(
            [(key, {PATH_KEYS[m]: (m, path) for m, path in paths.items()})
             for key, paths in samples],
            origin, FileExpectations.from_pipeline(self.pipeline.transforms),
            read_headers=self.verify_files)
        return [self.make_data_info(key, paths) for key, paths in samples]

    def make_data_info(self, key, paths):
        """One data info: the sample key, a path per modality and the label LUT."""
        info = dict(sample_key=key, label_lut=self.label_lut,
                    reduce_zero_label=False, seg_fields=[])
        info.update({PATH_KEYS[m]: path for m, path in paths.items()})
        return info
