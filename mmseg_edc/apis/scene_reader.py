"""Window-by-window reading of an optical scene and a SAR scene on the optical grid.

Neither scene is ever read whole. For each optical window the reader reads the
optical pixels and the smallest SAR window under them, then puts SAR on the optical
grid by nearest neighbour on pixel centres: optical pixel ``(i, j)`` takes the SAR
pixel containing its centre, computed from both geotransforms (so M3M-CR's 3 m
optical over 10 m SAR, with grids offset by a metre or two, is handled exactly). Both
rasters must share a CRS, be north-up and overlap.

Nodata: a pixel is nodata when all its optical bands equal the optical file's nodata
value, when all its SAR bands equal the SAR file's nodata value, or when its centre
lies outside the SAR raster. Nodata pixels are passed to the model as stored (the
loading transform keeps finite nodata too; SAR off its raster reads 0) and flagged
for the outputs. Non-finite
values are replaced per band by the mean of the window's finite values
(:func:`fill_non_finite`, the loading transform's policy applied per window).
"""
from typing import NamedTuple

import numpy as np
import rasterio
from rasterio.errors import RasterioError
from rasterio.windows import Window

from mmseg_edc.datasets.transforms.loading import fill_non_finite
from mmseg_edc.io import GridMismatchError, RasterGrid, RasterReadError


class SceneWindow(NamedTuple):
    """Inputs of one window on the optical grid.

    ``optical``: float32 ``h x w x C_opt``; ``sar``: float32 ``h x w x C_sar``;
    ``nodata``: bool ``h x w``.
    """
    optical: np.ndarray
    sar: np.ndarray
    nodata: np.ndarray


def _open(path, role, expected_bands):
    try:
        dataset = rasterio.open(path)
    except RasterioError as error:
        raise RasterReadError(f'cannot open {role} raster {path!r}: {error}') from error
    if expected_bands is not None and dataset.count != expected_bands:
        dataset.close()
        raise RasterReadError(
            f'{role} raster {path!r} has {dataset.count} bands, the config expects '
            f'{expected_bands}')
    return dataset


def _grid(dataset):
    return RasterGrid(shape=(dataset.height, dataset.width), crs=dataset.crs,
                      transform=dataset.transform)


def _all_bands_equal(data, value):
    """``C x h x w`` -> ``h x w``: True where every band equals ``value`` (NaN too)."""
    if value is None:
        return np.zeros(data.shape[1:], dtype=bool)
    if np.isnan(value):
        return np.isnan(data).all(axis=0)
    return (data == value).all(axis=0)


def centre_indices(count, origin, step, other_origin, other_step, other_count):
    """Index along one axis of the other grid's pixel under each pixel centre.

    Pixel ``i`` of a grid starting at ``origin`` with signed ``step`` has its centre
    at ``origin + (i + 0.5) * step``; the other grid's pixel containing it is
    ``floor((centre - other_origin) / other_step)``.

    Returns:
        np.ndarray: int64 ``(count,)``, -1 where the centre lies outside the other
        grid's ``other_count`` pixels.
    """
    centres = origin + (np.arange(count, dtype=np.float64) + 0.5) * step
    index = np.floor((centres - other_origin) / other_step).astype(np.int64)
    index[(index < 0) | (index >= other_count)] = -1
    return index


class SceneReader:
    """Open an optical and a SAR raster and read windows on the optical grid.

    Args:
        optical_path (str): optical GeoTIFF (any band count; cast to float32).
        sar_path (str): SAR GeoTIFF, on any north-up grid of the same CRS.
        bands (BandLayout, optional): required band counts (the config's).

    Raises:
        RasterReadError: a file cannot be opened or has the wrong band count.
        GridMismatchError: missing or different CRS, rotated grids, or extents
            that do not overlap.

    Use as a context manager (closes both files).
    """

    def __init__(self, optical_path, sar_path, bands=None):
        self.paths = dict(optical=optical_path, SAR=sar_path)
        expected = (None, None) if bands is None else (bands.optical, bands.sar)
        self.optical = _open(optical_path, 'optical', expected[0])
        try:
            self.sar = _open(sar_path, 'SAR', expected[1])
        except RasterReadError:
            self.optical.close()
            raise
        try:
            self._check_grids()
        except GridMismatchError:
            self.close()
            raise
        opt, sar = self.optical.transform, self.sar.transform
        self.sar_rows = centre_indices(self.height, opt.f, opt.e, sar.f, sar.e,
                                       self.sar.height)
        self.sar_cols = centre_indices(self.width, opt.c, opt.a, sar.c, sar.a,
                                       self.sar.width)

    def _check_grids(self):
        opt, sar = _grid(self.optical), _grid(self.sar)
        optical_path, sar_path = self.paths['optical'], self.paths['SAR']
        for grid, path in ((opt, optical_path), (sar, sar_path)):
            if grid.crs is None:
                raise GridMismatchError(
                    f'{path!r} has no CRS; both rasters must be georeferenced')
            if grid.transform.b != 0 or grid.transform.d != 0:
                raise GridMismatchError(
                    f'{path!r} has a rotated geotransform {tuple(grid.transform)[:6]}; '
                    'expected a north-up grid (warp it first, e.g. with gdalwarp)')
        if opt.crs != sar.crs:
            raise GridMismatchError(
                f'SAR raster {sar_path!r} has CRS {sar.crs} but optical raster '
                f'{optical_path!r} has CRS {opt.crs}; they must be equal')
        (left, bottom, right, top), (s_left, s_bottom, s_right, s_top) = \
            opt.bounds(), sar.bounds()
        if min(right, s_right) <= max(left, s_left) or \
                min(top, s_top) <= max(bottom, s_bottom):
            raise GridMismatchError(
                f'SAR raster {sar_path!r} covers {sar.bounds()} and optical raster '
                f'{optical_path!r} covers {opt.bounds()} (left, bottom, right, top); '
                'they do not overlap')

    @property
    def height(self):
        return self.optical.height

    @property
    def width(self):
        return self.optical.width

    @property
    def sar_covers_scene(self):
        """Whether every optical pixel centre lies on the SAR raster."""
        return bool((self.sar_rows >= 0).all() and (self.sar_cols >= 0).all())

    def _read(self, dataset, role, window):
        try:
            return dataset.read(window=window, out_dtype=np.float32)
        except RasterioError as error:
            raise RasterReadError(
                f'cannot read window (col {window.col_off}, row {window.row_off}, '
                f'{window.width} x {window.height}) of {role} raster '
                f'{self.paths[role]!r}: {error}') from error

    def _read_sar(self, rows, cols):
        """SAR bands under the given optical rows/cols: ``C_sar x h x w`` and the
        ``h x w`` mask of centres off the SAR raster."""
        outside = (rows < 0)[:, None] | (cols < 0)[None, :]
        inside_rows, inside_cols = rows[rows >= 0], cols[cols >= 0]
        if inside_rows.size == 0 or inside_cols.size == 0:
            shape = (self.sar.count, rows.size, cols.size)
            return np.zeros(shape, dtype=np.float32), outside
        row0, col0 = inside_rows.min(), inside_cols.min()
        window = Window(col0, row0, inside_cols.max() + 1 - col0,
                        inside_rows.max() + 1 - row0)
        data = self._read(self.sar, 'SAR', window)
        local_rows = np.where(rows >= 0, rows - row0, 0)
        local_cols = np.where(cols >= 0, cols - col0, 0)
        sar = data[:, local_rows[:, None], local_cols[None, :]]
        sar[:, outside] = 0
        return sar, outside

    def read(self, top, left, height, width):
        """Read the ``height x width`` optical window at ``(top, left)``.

        Returns:
            SceneWindow: optical and SAR as float32 ``h x w x C`` (finite) and the
            nodata mask.
        """
        optical = self._read(self.optical, 'optical', Window(left, top, width, height))
        sar, outside = self._read_sar(self.sar_rows[top:top + height],
                                      self.sar_cols[left:left + width])
        nodata = (_all_bands_equal(optical, self.optical.nodata)
                  | _all_bands_equal(sar, self.sar.nodata) | outside)
        return SceneWindow(optical=fill_non_finite(np.moveaxis(optical, 0, -1)),
                           sar=fill_non_finite(np.moveaxis(sar, 0, -1)),
                           nodata=nodata)

    def close(self):
        self.optical.close()
        self.sar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
