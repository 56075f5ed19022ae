"""Raster I/O through rasterio, with errors that name the file and the sample.

Every modality of a sample is read here: GeoTIFFs of any band count and dtype
(returned as ``H x W x C`` arrays in the requested dtype), cloud masks stored as
``.npy`` or as a raster, and grid checks between modalities. Resampling onto
another grid is nearest-neighbour on pixel centres, which is exact for M3M-CR's
90 x 90 (10 m) to 300 x 300 (3 m) case: both grids cover the same 900 m.
"""
import os.path as osp
import warnings
from typing import NamedTuple, Optional, Tuple

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioError


class RasterReadError(OSError):
    """A file could not be read, or does not have the expected content."""


class GridMismatchError(ValueError):
    """Two modalities of one sample do not share a footprint or a shape."""


class RasterGrid(NamedTuple):
    """Where a raster lies: ``shape`` (H, W), ``crs`` and affine ``transform``.

    ``crs`` and ``transform`` are None for plain arrays (``.npy``) and for files
    without georeferencing (rasterio then reports the identity transform).
    """
    shape: Tuple[int, int]
    crs: Optional[object] = None
    transform: Optional[object] = None

    @property
    def georeferenced(self):
        return self.crs is not None and self.transform is not None

    def bounds(self):
        """``(left, bottom, right, top)`` in CRS units (georeferenced grids only)."""
        h, w = self.shape
        t = self.transform
        xs = (t.c, t.c + t.a * w)
        ys = (t.f, t.f + t.e * h)
        return min(xs), min(ys), max(xs), max(ys)

    def pixel_size(self):
        return abs(self.transform.a), abs(self.transform.e)


def _describe(path, sample_key):
    return f"'{path}'" + (f' (sample {sample_key})' if sample_key else '')


def read_raster(path, dtype=np.float32, expected_bands=None, sample_key=None):
    """Read every band of a raster file.

    Args:
        path (str): raster file (any GDAL format; GeoTIFF in practice).
        dtype: dtype of the returned array (values are cast, not rescaled).
        expected_bands (int, optional): raise if the file has another band count.
        sample_key (str, optional): named in error messages.

    Returns:
        tuple[np.ndarray, RasterGrid]: the ``H x W x C`` array and its grid.

    Raises:
        RasterReadError: missing, unreadable or truncated file, or wrong band count.
    """
    where = _describe(path, sample_key)
    if not osp.isfile(path):
        raise RasterReadError(f'raster file {where} does not exist')
    with warnings.catch_warnings():
        # tiles without georeferencing (WHU-OPT-SAR) are expected, not a problem
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        return _read_all_bands(path, where, dtype, expected_bands)


def _read_all_bands(path, where, dtype, expected_bands):
    try:
        with rasterio.open(path) as src:
            if expected_bands is not None and src.count != expected_bands:
                raise RasterReadError(
                    f'raster file {where} has {src.count} bands, the config '
                    f'expects {expected_bands}')
            data = src.read()
            georeferenced = src.crs is not None
            grid = RasterGrid(
                shape=(src.height, src.width),
                crs=src.crs if georeferenced else None,
                transform=src.transform if georeferenced else None)
    except RasterioError as error:
        raise RasterReadError(
            f'cannot read raster file {where}: {error}') from error
    return np.moveaxis(data, 0, -1).astype(dtype, copy=False), grid


def read_cloud_mask(path, sample_key=None):
    """Read a cloud mask (True = cloud) from ``.npy`` or from a one-band raster.

    Returns:
        tuple[np.ndarray, RasterGrid]: a boolean ``H x W`` mask and its grid
        (without georeferencing for ``.npy``).
    """
    where = _describe(path, sample_key)
    if not path.lower().endswith('.npy'):
        mask, grid = read_raster(path, dtype=np.float32, expected_bands=1,
                                 sample_key=sample_key)
        return mask[..., 0] != 0, grid
    if not osp.isfile(path):
        raise RasterReadError(f'cloud mask file {where} does not exist')
    try:
        mask = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise RasterReadError(
            f'cannot read cloud mask {where}: {error}') from error
    if mask.ndim == 3 and 1 in (mask.shape[0], mask.shape[-1]):
        mask = mask.reshape(mask.shape[1:] if mask.shape[0] == 1 else mask.shape[:2])
    if mask.ndim != 2:
        raise RasterReadError(
            f'cloud mask {where} has shape {mask.shape}, expected (H, W)')
    return mask.astype(bool), RasterGrid(shape=mask.shape)


def check_same_grid(reference, other, reference_path, other_path, sample_key=None):
    """Require two modalities to lie on the same pixel grid (equal shapes)."""
    if tuple(reference.shape) != tuple(other.shape):
        raise GridMismatchError(
            f'sample {sample_key}: {other_path} has shape {tuple(other.shape)} but '
            f'{reference_path} has {tuple(reference.shape)}; they must share a grid')


def check_same_footprint(reference, other, reference_path, other_path,
                         sample_key=None):
    """Require two georeferenced grids to cover the same ground.

    Grids of different resolution are accepted when their CRS is equal and each
    bound differs by at most half a pixel of the coarser grid (M3M-CR's 3 m and
    10 m grids are offset by 1-2 m). Grids without georeferencing are not checked.
    """
    if not (reference.georeferenced and other.georeferenced):
        return
    if reference.crs != other.crs:
        raise GridMismatchError(
            f'sample {sample_key}: {other_path} has CRS {other.crs} but '
            f'{reference_path} has {reference.crs}')
    tolerance = 0.5 * max(reference.pixel_size() + other.pixel_size())
    ref_bounds, other_bounds = reference.bounds(), other.bounds()
    if max(abs(a - b) for a, b in zip(ref_bounds, other_bounds)) > tolerance:
        raise GridMismatchError(
            f'sample {sample_key}: {other_path} covers {other_bounds} (shape '
            f'{tuple(other.shape)}) but {reference_path} covers {ref_bounds} (shape '
            f'{tuple(reference.shape)}); allowed difference {tolerance:g}')


def pixel_centre_indices(src_size, dst_size):
    """Source index of each destination pixel when two grids share an extent.

    ``index[i] = floor((i + 0.5) * src_size / dst_size)``: the source pixel that
    contains the centre of destination pixel ``i``.
    """
    return np.minimum(
        ((np.arange(dst_size) + 0.5) * src_size / dst_size).astype(np.int64),
        src_size - 1)


def resample_nearest(array, out_shape):
    """Nearest-neighbour resampling of ``H x W [x C]`` onto ``out_shape`` (h, w).

    Both grids are taken to cover the same extent (use
    :func:`check_same_footprint` first for georeferenced data).
    """
    rows = pixel_centre_indices(array.shape[0], out_shape[0])
    cols = pixel_centre_indices(array.shape[1], out_shape[1])
    return array[rows[:, None], cols[None, :]]
