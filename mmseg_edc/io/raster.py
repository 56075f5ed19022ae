"""Raster I/O through rasterio, with errors that name the file and the sample.

Every modality of a sample is read here: GeoTIFFs of any band count and dtype
(returned as ``H x W x C`` arrays in the requested dtype, rows north to south),
cloud masks stored as ``.npy`` or as a raster, and the headers alone (band count,
dtype, grid, completeness) for the dataset's check of its files at construction.
Where two grids may be used together is decided in :mod:`mmseg_edc.io.grid`.
"""
import os.path as osp
import warnings
from typing import NamedTuple

import numpy as np
import rasterio
from rasterio.enums import Interleaving
from rasterio.errors import NotGeoreferencedWarning, RasterioError

from .grid import RasterGrid

#: Values a cloud mask may hold without a threshold: 0/1 (False/True); 8-bit files
#: may use 0/255 instead.
BINARY_MASK_VALUES = (0, 1)
BINARY_MASK_VALUES_8BIT = (0, 255)


class RasterReadError(OSError):
    """A file could not be read, or does not have the expected content."""


class RasterHeader(NamedTuple):
    """What a file's header says: ``count`` bands (or mask channels) of ``dtype``
    (a numpy dtype name as stored) on ``grid``."""
    count: int
    dtype: str
    grid: RasterGrid


def describe(path, sample_key=None):
    """``'path' (sample key)``, how error messages name a file."""
    return f"'{path}'" + (f' (sample {sample_key})' if sample_key else '')


def _open(path, where):
    if not osp.isfile(path):
        raise RasterReadError(f'raster file {where} does not exist')
    try:
        return rasterio.open(path)
    except RasterioError as error:
        raise RasterReadError(f'cannot read raster file {where}: {error}') from error


def _check_complete(src, path, where):
    """Raise if a GeoTIFF's pixel blocks end past the end of the file (truncated).

    The block offsets and sizes come from the TIFF directory (GDAL's ``TIFF``
    metadata domain), so no pixel is read; other formats are not checked here.
    """
    if src.driver != 'GTiff':
        return
    size = osp.getsize(path)
    per_band = src.count > 1 and src.interleaving == Interleaving.band
    end = 0
    for band in range(1, (src.count if per_band else 1) + 1):
        block_h, block_w = src.block_shapes[band - 1]
        for row in range(-(-src.height // block_h)):
            for col in range(-(-src.width // block_w)):
                offset = src.get_tag_item(f'BLOCK_OFFSET_{col}_{row}', 'TIFF', bidx=band)
                if offset is None:
                    return
                nbytes = src.get_tag_item(f'BLOCK_SIZE_{col}_{row}', 'TIFF', bidx=band)
                end = max(end, int(offset) + int(nbytes or 0))
    if end > size:
        raise RasterReadError(
            f'cannot read raster file {where}: it is truncated (its pixel blocks end '
            f'at byte {end}, the file has {size} bytes)')


def _header(src, where, expected_bands):
    if expected_bands is not None and src.count != expected_bands:
        raise RasterReadError(
            f'raster file {where} has {src.count} bands, the config expects '
            f'{expected_bands}')
    return RasterHeader(count=src.count, dtype=src.dtypes[0],
                        grid=RasterGrid.of_dataset(src, f'raster file {where}'))


def read_raster_header(path, expected_bands=None, sample_key=None):
    """Check a raster file from its header alone (no pixel is read).

    Args:
        path (str): raster file.
        expected_bands (int, optional): raise if the file has another band count.
        sample_key (str, optional): named in error messages.

    Returns:
        RasterHeader: band count, dtype and grid as stored (not reoriented).

    Raises:
        RasterReadError: missing, unreadable or truncated file, or wrong band count.
        GridMismatchError: a rotated or sheared geotransform.
    """
    where = describe(path, sample_key)
    with warnings.catch_warnings():
        # tiles without georeferencing (WHU-OPT-SAR) are expected, not a problem
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with _open(path, where) as src:
            header = _header(src, where, expected_bands)
            _check_complete(src, path, where)
    return header


def read_raster(path, dtype=np.float32, expected_bands=None, sample_key=None):
    """Read every band of a raster file, rows north to south.

    Rasters stored south-up (positive y pixel size) or east-to-west are flipped,
    and their grid with them (:meth:`RasterGrid.north_up`).

    Args:
        path (str): raster file (any GDAL format; GeoTIFF in practice).
        dtype: dtype of the returned array (values are cast, not rescaled); None
            keeps the stored dtype.
        expected_bands (int, optional): raise if the file has another band count.
        sample_key (str, optional): named in error messages.

    Returns:
        tuple[np.ndarray, RasterHeader]: the ``H x W x C`` array and the header
        (``dtype`` as stored; ``grid`` north-up, matching the array).

    Raises:
        RasterReadError: missing, unreadable or truncated file, or wrong band count.
        GridMismatchError: a rotated or sheared geotransform.
    """
    where = describe(path, sample_key)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with _open(path, where) as src:
            header = _header(src, where, expected_bands)
            _check_complete(src, path, where)
            try:
                data = src.read()
            except RasterioError as error:
                raise RasterReadError(
                    f'cannot read raster file {where}: {error}') from error
    grid, flip_rows, flip_cols = header.grid.north_up()
    data = np.moveaxis(data, 0, -1)
    if flip_rows or flip_cols:
        data = np.ascontiguousarray(
            data[::-1 if flip_rows else 1, ::-1 if flip_cols else 1])
    if dtype is not None:
        data = data.astype(dtype, copy=False)
    return data, header._replace(grid=grid)


def _mask_shape(shape, where):
    """``(H, W)``, ``(1, H, W)`` or ``(H, W, 1)`` -> ``(H, W)``."""
    if len(shape) == 3 and 1 in (shape[0], shape[-1]):
        shape = shape[1:] if shape[0] == 1 else shape[:2]
    if len(shape) != 2:
        raise RasterReadError(f'cloud mask {where} has shape {shape}, expected (H, W)')
    return tuple(shape)


def _npy_header(path, where):
    """Shape and dtype of a ``.npy`` file from its header; raise if truncated."""
    if not osp.isfile(path):
        raise RasterReadError(f'cloud mask file {where} does not exist')
    try:
        with open(path, 'rb') as f:
            version = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, _, dtype = read(f)
            data_start = f.tell()
    except (OSError, ValueError, EOFError) as error:
        raise RasterReadError(f'cannot read cloud mask {where}: {error}') from error
    if dtype.hasobject:
        raise RasterReadError(f'cannot read cloud mask {where}: it holds Python '
                              'objects, expected numbers or booleans')
    expected = data_start + int(np.prod(shape)) * dtype.itemsize
    if osp.getsize(path) < expected:
        raise RasterReadError(
            f'cannot read cloud mask {where}: it is truncated ({osp.getsize(path)} '
            f'bytes, its header announces {expected})')
    return shape, dtype


def read_cloud_mask_header(path, sample_key=None):
    """Check a cloud mask (``.npy`` or one-band raster) from its header alone.

    Returns:
        RasterHeader: ``count`` 1, the stored dtype and the ``H x W`` grid (without
        georeferencing for ``.npy``).
    """
    where = describe(path, sample_key)
    if not path.lower().endswith('.npy'):
        return read_raster_header(path, expected_bands=1, sample_key=sample_key)
    shape, dtype = _npy_header(path, where)
    return RasterHeader(count=1, dtype=dtype.name,
                        grid=RasterGrid(shape=_mask_shape(shape, where)))


def binarize_cloud_mask(values, where, threshold=None):
    """A boolean cloud mask (True = cloud) from the stored values.

    Without ``threshold`` the values must be binary: 0/1 or False/True, or 0/255 in
    an 8-bit file; anything else (cloud probabilities, cover fractions, class codes)
    is an error, as treating every non-zero value as cloud would silently make such
    a mask mostly cloud. With ``threshold``, values above it are cloud.

    Args:
        values (np.ndarray): ``H x W`` mask as stored.
        where (str): how error messages name the file.
        threshold (float, optional): cloud where ``values > threshold``.

    Raises:
        RasterReadError: non-binary values without a threshold.
    """
    if threshold is not None:
        return values > threshold
    if values.dtype == bool:
        return values
    allowed = [BINARY_MASK_VALUES]
    if values.dtype == np.uint8:
        allowed.append(BINARY_MASK_VALUES_8BIT)
    for off, on in allowed:
        cloud = values == on
        if (cloud | (values == off)).all():
            return cloud
    found = np.unique(values)
    shown = ', '.join(f'{v:g}' for v in found[:6]) + (', ...' if found.size > 6 else '')
    raise RasterReadError(
        f'cloud mask {where} is not binary: expected 0/1 (False/True, or 0/255 in an '
        f'8-bit file), found {found.size} distinct {values.dtype} values ({shown}; '
        f'range {found.min():g} .. {found.max():g}). If it holds cloud probabilities '
        'or fractions, set LoadOpticalSARTile(cloud_mask_threshold=...): values above '
        'it are cloud')


def read_cloud_mask(path, sample_key=None, threshold=None):
    """Read a cloud mask (True = cloud) from ``.npy`` or from a one-band raster.

    A ``.npy`` mask has no georeferencing: it can only be checked by its shape. The
    values must be binary unless ``threshold`` is given (:func:`binarize_cloud_mask`).

    Returns:
        tuple[np.ndarray, RasterHeader]: a boolean ``H x W`` mask and its header
        (the grid without georeferencing for ``.npy``).
    """
    where = describe(path, sample_key)
    if not path.lower().endswith('.npy'):
        values, header = read_raster(path, dtype=None, expected_bands=1,
                                     sample_key=sample_key)
        return binarize_cloud_mask(values[..., 0], where, threshold), header
    header = read_cloud_mask_header(path, sample_key)
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise RasterReadError(
            f'cannot read cloud mask {where}: {error}') from error
    values = values.reshape(header.grid.shape)
    return binarize_cloud_mask(values, where, threshold), header
