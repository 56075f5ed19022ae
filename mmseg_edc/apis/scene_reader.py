"""Window-by-window reading of an optical scene and a SAR scene on the optical grid.

Neither scene is ever read whole. For each optical window the reader reads the
optical pixels and the smallest SAR window under them, then puts SAR on the optical
grid by nearest neighbour on pixel centres: optical pixel ``(i, j)`` takes the SAR
pixel containing its centre, computed from both geotransforms (so M3M-CR's 3 m
optical over 10 m SAR, with grids offset by a metre or two, is handled exactly, and
rasters stored south-up are mapped as they lie). Whether the two rasters may be used
together is the rule every modality of a tile follows too
(:func:`mmseg_edc.io.check_modality_grid`, docs/design.md §12.4), with overlapping
extents in place of equal footprints: rotated or sheared grids are refused, a shared
CRS is required when both have one, and rasters without georeferencing are accepted
only pixel for pixel (the same shape) or, when neither has any, as covering the same
extent (pixel centres mapped by shape, as the loading transform does).

Nodata: a pixel is nodata when all its optical bands equal the optical file's nodata
value, when all its SAR bands equal the SAR file's nodata value, or when its centre
lies outside the SAR raster. Nodata pixels are passed to the model as stored (the
loading transform keeps finite nodata too; SAR off its raster reads 0) and flagged
for the outputs. Non-finite
values are replaced per band by the mean of the window's finite values
(:func:`fill_non_finite`, the loading transform's policy applied per window).
"""
from typing import NamedTuple, Optional

import numpy as np
import rasterio
from rasterio.errors import RasterioError
from rasterio.windows import Window

from mmseg_edc.datasets.transforms.loading import fill_non_finite
from mmseg_edc.io import (GridMismatchError, RasterGrid, RasterReadError,
                          check_modality_grid, pixel_centre_indices)


class SceneWindow(NamedTuple):
    """Inputs of one window on the optical grid.

    ``optical``: float32 ``h x w x C_opt``; ``sar``: float32 ``h x w x C_sar``;
    ``nodata``: bool ``h x w``; ``sources``: the files and their stored dtypes as a
    loaded tile names them (``img_path``, ``sar_path``, ``stored_dtypes``), for the
    unit checks of ``RadiometricScale``.
    """
    optical: np.ndarray
    sar: np.ndarray
    nodata: np.ndarray
    sources: Optional[dict] = None


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
        sar_path (str): SAR GeoTIFF, on any axis-aligned grid of the same CRS.
        bands (BandLayout, optional): required band counts (the config's).

    Raises:
        RasterReadError: a file cannot be opened or has the wrong band count.
        GridMismatchError: rasters that may not be used together
            (:func:`check_modality_grid`): different CRS, rotated grids, extents
            that do not overlap, or georeferencing that cannot be checked.

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
            optical_grid, sar_grid = self._check_grids()
        except GridMismatchError:
            self.close()
            raise
        if optical_grid.georeferenced and sar_grid.georeferenced:
            opt, sar = self.optical.transform, self.sar.transform
            self.sar_rows = centre_indices(self.height, opt.f, opt.e, sar.f, sar.e,
                                           self.sar.height)
            self.sar_cols = centre_indices(self.width, opt.c, opt.a, sar.c, sar.a,
                                           self.sar.width)
        else:   # accepted without georeferencing: both cover the same extent
            self.sar_rows = pixel_centre_indices(self.sar.height, self.height)
            self.sar_cols = pixel_centre_indices(self.sar.width, self.width)
        self.sources = dict(img_path=optical_path, sar_path=sar_path,
                            stored_dtypes=dict(img=self.optical.dtypes[0],
                                               sar=self.sar.dtypes[0]))

    def _check_grids(self):
        """Both grids, after checking them with the shared rule."""
        optical_name = f"optical raster {self.paths['optical']!r}"
        sar_name = f"SAR raster {self.paths['SAR']!r}"
        optical = RasterGrid.of_dataset(self.optical, optical_name)
        sar = RasterGrid.of_dataset(self.sar, sar_name)
        check_modality_grid(optical, sar, optical_name, sar_name, coverage='overlap')
        return optical, sar

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
                           nodata=nodata, sources=self.sources)

    def close(self):
        self.optical.close()
        self.sar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
