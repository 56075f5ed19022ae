"""Loading of one optical-SAR sample: every modality read, checked against the
optical grid (docs/design.md §12.4) and put on it.

Non-finite values (NaN, +-Inf) in the optical, cloud-free or SAR images are
replaced by the mean of the finite values of the same band in the same tile
(M3M-CR's reference preprocessing uses the patch mean), or by 0 when a band has
no finite value at all, so they never reach the network or the loss. Nodata
values that are finite (0 in PlanetScope tiles) are kept as stored.
"""
import copy
import os

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from mmseg_edc.io import (check_modality_grid, read_cloud_mask, read_raster,
                          resample_nearest)
from mmseg_edc.structures import BandLayout

from ..class_protocols import apply_label_lut

#: Data-info path key -> the result key its file is loaded into.
LOADED_FIELDS = dict(img_path='img', sar_path='sar', clear_path='clear_img',
                     cloud_mask_path='cloud_mask', seg_map_path='gt_seg_map')
#: Path keys whose file is used pixel for pixel on the optical grid, so must have its
#: shape; the others need only cover the same ground (SAR is resampled onto the
#: optical grid, the label keeps its own).
ON_OPTICAL_GRID = ('clear_path', 'cloud_mask_path')


def fill_non_finite(image):
    """Replace non-finite values of each band by that band's finite mean.

    Args:
        image (np.ndarray): float ``H x W x C``; modified in place and returned.

    Returns:
        np.ndarray: the same array, finite everywhere.
    """
    bad = ~np.isfinite(image)
    if not bad.any():
        return image
    for band in range(image.shape[-1]):
        band_bad = bad[..., band]
        if band_bad.any():
            good = image[..., band][~band_bad]
            image[..., band][band_bad] = good.mean() if good.size else 0.0
    return image


def sar_on_optical_grid(sar, optical_shape):
    """``sar`` (``h x w x C_sar``) resampled onto the ``H x W`` optical grid (nearest
    neighbour on pixel centres) when its grid differs; both cover the same ground."""
    if sar.shape[:2] == tuple(optical_shape):
        return sar
    return resample_nearest(sar, optical_shape)


def set_grid_fields(results, image_fields, seg_fields, label_shape):
    """Record what the geometric transforms move and the two grids of a sample.

    ``image_fields`` / ``seg_fields``: keys on the optical and on the label grid;
    ``img_shape``: the optical grid; ``ori_shape``: the label grid, so predictions
    are taken there (the optical grid for a sample without a label).
    """
    results['image_fields'] = list(image_fields)
    results['seg_fields'] = list(seg_fields)
    results['img_shape'] = results['img'].shape[:2]
    results['ori_shape'] = tuple(label_shape)
    return results


@TRANSFORMS.register_module()
class LoadOpticalSARTile(BaseTransform):
    """Read every modality of a sample and put SAR on the optical grid.

    Required keys (from the dataset): ``sample_key``, ``img_path`` (cloudy
    optical), ``sar_path``, and where available ``clear_path`` (cloud-free
    optical), ``cloud_mask_path`` (``.npy`` or raster), ``seg_map_path`` (label)
    with ``label_lut``.

    Added keys:
        - ``img``: float32 ``H x W x C_opt`` cloudy optical, as stored.
        - ``sar``: float32 ``H x W x C_sar``; resampled (nearest, pixel centres)
          when its grid differs from the optical one.
        - ``clear_img``: float32 ``H x W x C_opt``.
        - ``cloud_mask``: uint8 ``H x W`` (1 = cloud).
        - ``gt_seg_map``: uint8 ``h x w`` class indices on the label's own grid
          (M3M-CR: 90 x 90 for a 300 x 300 image), 255 = ignored.
        - ``stored_dtypes``: the dtype each of ``img``, ``sar``, ``clear_img`` is
          stored in, for :class:`RadiometricScale`'s unit checks.
        - ``image_fields`` / ``seg_fields``: the keys on the optical grid and on
          the label grid, for the geometric transforms.
        - ``img_shape`` (H, W); ``ori_shape``: the label grid (h, w), so
          predictions are taken to the label grid for evaluation.

    Every raster is read rows north to south (south-up files are flipped) and
    checked against the optical image with :func:`check_modality_grid`: CRS and
    footprint; the clear image and the mask must also have the optical shape. A
    ``.npy`` mask has no georeferencing, so only its shape is checked.

    Args:
        bands (dict): the dataset's band declaration, ``dict(optical=C_opt,
            sar=C_sar)``: both optical images must have ``C_opt`` bands and the SAR
            image ``C_sar`` (a file with another count is an error naming it).
        cloud_mask_threshold (float, optional): cloud where the stored mask value is
            above it, for masks of probabilities or fractions; None (default)
            requires binary masks (0/1, False/True, or 0/255 in 8-bit files).
        cache (bool): keep every loaded sample in memory (per process, so per
            dataloader worker) and hand out copies: a sample is read, checked and
            resampled once per process instead of once per epoch. The key holds each
            file's path, size and modification time, so a changed file is read again.
            For small training sets that fit in memory (the generated benchmark:
            about 1.7 MB per 300 x 300 M3M-CR sample); off by default.
    """

    def __init__(self, bands, cloud_mask_threshold=None, cache=False):
        self.bands = BandLayout.from_config(bands, 'LoadOpticalSARTile.bands')
        self.cloud_mask_threshold = cloud_mask_threshold
        self.cache = {} if cache else None

    def expected_bands(self, path_key):
        """Band count the file of a data-info path key must have."""
        optical, sar = self.bands.optical, self.bands.sar
        return dict(img_path=optical, clear_path=optical, sar_path=sar,
                    cloud_mask_path=1, seg_map_path=1)[path_key]

    def _read_image(self, results, path_key):
        image, header = read_raster(results[path_key],
                                    expected_bands=self.expected_bands(path_key),
                                    sample_key=results.get('sample_key'))
        return fill_non_finite(image), header

    @staticmethod
    def _check_grid(results, optical, other, path_key):
        check_modality_grid(optical.grid, other.grid, results['img_path'],
                            results[path_key], results.get('sample_key'),
                            same_grid=path_key in ON_OPTICAL_GRID)

    def transform(self, results):
        if self.cache is None:
            return self.load(results)
        stats = {path_key: os.stat(results[path_key])
                 for path_key in LOADED_FIELDS if results.get(path_key)}
        key = tuple((path_key, results[path_key], stat.st_size, stat.st_mtime_ns)
                    for path_key, stat in stats.items())
        if key not in self.cache:
            before = dict(results)
            loaded = self.load(results)
            # what loading set: new keys and keys given a new value (seg_fields, ...)
            self.cache[key] = {k: v for k, v in loaded.items()
                               if k not in before or before[k] is not v}
        results.update(copy.deepcopy(self.cache[key]))
        return results

    def load(self, results):
        """Read, check and grid every modality of ``results`` (see the class)."""
        key = results.get('sample_key')
        img, img_header = self._read_image(results, 'img_path')
        sar, sar_header = self._read_image(results, 'sar_path')
        self._check_grid(results, img_header, sar_header, 'sar_path')
        results.update(img=img, sar=sar_on_optical_grid(sar, img.shape[:2]))
        stored_dtypes = dict(img=img_header.dtype, sar=sar_header.dtype)
        image_fields = ['img', 'sar']

        if results.get('clear_path'):
            clear, clear_header = self._read_image(results, 'clear_path')
            self._check_grid(results, img_header, clear_header, 'clear_path')
            results['clear_img'] = clear
            stored_dtypes['clear_img'] = clear_header.dtype
            image_fields.append('clear_img')
        if results.get('cloud_mask_path'):
            mask, mask_header = read_cloud_mask(results['cloud_mask_path'], key,
                                                self.cloud_mask_threshold)
            self._check_grid(results, img_header, mask_header, 'cloud_mask_path')
            results['cloud_mask'] = mask.astype(np.uint8)
            image_fields.append('cloud_mask')

        seg_fields = []
        label_shape = img.shape[:2]
        if results.get('seg_map_path'):
            codes, label_header = read_raster(results['seg_map_path'], dtype=np.int64,
                                              expected_bands=1, sample_key=key)
            self._check_grid(results, img_header, label_header, 'seg_map_path')
            results['gt_seg_map'] = apply_label_lut(codes[..., 0],
                                                    results['label_lut'])
            seg_fields.append('gt_seg_map')
            label_shape = codes.shape[:2]

        results['stored_dtypes'] = stored_dtypes
        return set_grid_fields(results, image_fields, seg_fields, label_shape)

    def __repr__(self):
        return (f'{self.__class__.__name__}(bands={self.bands.as_dict()}, '
                f'cloud_mask_threshold={self.cloud_mask_threshold}, '
                f'cache={self.cache is not None})')




@TRANSFORMS.register_module()
class LoadOpticalSARArrays(BaseTransform):
    """:class:`LoadOpticalSARTile` for a pair already in memory (what mmseg's
    ``LoadImageFromNDArray`` is to ``LoadImageFromFile``).

    Required keys: ``img`` (cloudy optical, ``H x W x C_opt``) and ``sar``
    (``h' x w' x C_sar`` on its own grid over the same ground, or on the optical
    grid; a one-band image may be ``H x W``), both channels last, in the units of
    the files (reflectance x 10000, dB, ...), any numeric dtype. Optional:
    ``clear_img`` (cloud-free optical, ``H x W x C_opt``), ``sample_key`` (named in
    errors).

    Produces what :class:`LoadOpticalSARTile` produces for the same images read
    from files: float32 copies, non-finite values replaced by their band's finite
    mean, SAR resampled onto the optical grid (nearest, pixel centres),
    ``image_fields``, ``seg_fields`` (empty), ``img_shape``, ``ori_shape`` (the
    optical grid). The inputs are not modified. No ``stored_dtypes``: arrays are often
    converted after reading, so :class:`RadiometricScale` checks their values, not
    their dtype.

    Args:
        bands (dict): ``dict(optical=C_opt, sar=C_sar)``; arrays with other band
            counts are refused.
    """

    def __init__(self, bands):
        self.bands = BandLayout.from_config(bands, 'LoadOpticalSARArrays.bands')

    def _checked(self, results, key, bands):
        """``results[key]`` as a float32 ``H x W x bands`` copy, finite."""
        array = np.asarray(results[key])
        if array.ndim == 2 and bands == 1:
            array = array[..., None]
        if array.ndim != 3 or array.shape[-1] != bands or not (
                np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise ValueError(
                f'sample {results.get("sample_key")}: {key} is a {array.dtype} array of '
                f'shape {array.shape}, expected numbers of shape H x W x {bands} '
                f'(channels last, {bands} bands as LoadOpticalSARArrays.bands declares)')
        return fill_non_finite(array.astype(np.float32))

    def transform(self, results):
        img = self._checked(results, 'img', self.bands.optical)
        sar = self._checked(results, 'sar', self.bands.sar)
        results.update(img=img, sar=sar_on_optical_grid(sar, img.shape[:2]))
        image_fields = ['img', 'sar']
        if results.get('clear_img') is not None:
            clear = self._checked(results, 'clear_img', self.bands.optical)
            if clear.shape != img.shape:
                raise ValueError(
                    f'sample {results.get("sample_key")}: clear_img has shape '
                    f'{clear.shape} but img has {img.shape}; the cloud-free image must '
                    'lie on the optical grid')
            results['clear_img'] = clear
            image_fields.append('clear_img')
        return set_grid_fields(results, image_fields, [], img.shape[:2])
