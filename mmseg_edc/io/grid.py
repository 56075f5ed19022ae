"""Where a raster lies, and the one rule for whether two modalities lie together.

The loading transform, the dataset's file check at construction and the large-scene
reader all decide with :func:`check_modality_grid` whether a modality may be used
with the optical image it belongs to (docs/design.md §12.4):

* **Both have a CRS**: the CRS must be equal, and the footprints must agree: every
  bound within half a pixel of the coarser grid (M3M-CR's 3 m and 10 m grids are
  offset by 1-2 m), or, for whole scenes, the extents must overlap (SAR off its
  raster is nodata there).
* **Neither has any georeferencing** (no CRS, identity geotransform, or a ``.npy``
  array; WHU-OPT-SAR tiles): the grids are taken to cover the same extent, the only
  reading possible; grids of different shapes must then scale equally along both
  axes (``H / h == W / w``), or which pixels lie together is in doubt.
* **Otherwise** (one side without a CRS, or a geotransform without a CRS): accepted
  only on the same shape and, where both carry a geotransform, the same one, so
  the pixels correspond one to one; anything else is refused with the reason, as
  where such a file lies cannot be checked.

Rotated or sheared geotransforms are refused (warp them first). Rasters stored
south-up (positive y pixel size) or east-to-west are valid: :meth:`RasterGrid.north_up`
gives the grid of the same pixels flipped to north-up, which :func:`read_raster`
applies to the pixels it returns.
"""
from typing import NamedTuple, Optional, Tuple

import numpy as np
from rasterio.transform import Affine

#: ``coverage`` values of :func:`check_modality_grid`.
COVERAGES = ('footprint', 'overlap')


class GridMismatchError(ValueError):
    """A raster's grid is unusable, or two modalities of one sample do not lie
    together (CRS, geotransform, footprint or shape)."""


class RasterGrid(NamedTuple):
    """Where a raster lies: ``shape`` (H, W), ``crs`` and affine ``transform``.

    ``crs`` is None for files without a CRS; ``transform`` is None for plain arrays
    (``.npy``) and for files without any georeferencing (no CRS and the identity
    geotransform, which rasterio reports for files that have none).
    """
    shape: Tuple[int, int]
    crs: Optional[object] = None
    transform: Optional[Affine] = None

    @classmethod
    def of_dataset(cls, dataset, name):
        """The grid of an open rasterio dataset.

        Args:
            dataset: an open ``rasterio`` dataset.
            name (str): how error messages name the file.

        Raises:
            GridMismatchError: a rotated or sheared geotransform.
        """
        transform = dataset.transform
        if transform.b != 0 or transform.d != 0:
            raise GridMismatchError(
                f'{name} has a rotated or sheared geotransform {tuple(transform)[:6]}; '
                'expected a north-up grid (warp it first, e.g. with gdalwarp)')
        crs = dataset.crs if dataset.crs else None
        if crs is None and transform.is_identity:
            transform = None
        return cls(shape=(dataset.height, dataset.width), crs=crs, transform=transform)

    @property
    def georeferenced(self):
        """Whether the grid has a CRS and a geotransform."""
        return self.crs is not None and self.transform is not None

    def bounds(self):
        """``(left, bottom, right, top)`` in transform units (grids with a transform)."""
        h, w = self.shape
        t = self.transform
        xs = (t.c, t.c + t.a * w)
        ys = (t.f, t.f + t.e * h)
        return min(xs), min(ys), max(xs), max(ys)

    def pixel_size(self):
        """``(x size, y size)``, both positive."""
        return abs(self.transform.a), abs(self.transform.e)

    def north_up(self):
        """The grid of the same pixels reordered to rows north to south and columns
        west to east.

        Only georeferenced grids are reoriented: without a CRS a positive y step is
        the pixel-space convention (rows downwards), not a south-up raster.

        Returns:
            tuple[RasterGrid, bool, bool]: the north-up grid, and whether the rows
            and the columns must be reversed to match it.
        """
        if not self.georeferenced:
            return self, False, False
        h, w = self.shape
        transform = self.transform
        flip_rows, flip_cols = transform.e > 0, transform.a < 0
        if flip_rows:
            transform = transform * Affine.translation(0, h) * Affine.scale(1, -1)
        if flip_cols:
            transform = transform * Affine.translation(w, 0) * Affine.scale(-1, 1)
        return self._replace(transform=transform), bool(flip_rows), bool(flip_cols)


def _prefix(sample_key):
    return f'sample {sample_key}: ' if sample_key else ''


def check_modality_grid(reference, other, reference_name, other_name, sample_key=None,
                        same_grid=False, coverage='footprint'):
    """Require a modality to lie with the optical image (the rule in the module
    docstring).

    Args:
        reference (RasterGrid): the optical image's grid.
        other (RasterGrid): the modality's grid.
        reference_name, other_name (str): how error messages name the two files.
        sample_key (str, optional): named in error messages.
        same_grid (bool): the modality must also have the optical shape (it is used
            pixel for pixel: cloud-free image, cloud mask).
        coverage (str): ``'footprint'`` (the same ground, tiles) or ``'overlap'``
            (overlapping extents suffice, whole scenes).

    Raises:
        GridMismatchError: naming both files, what differs and why it matters.
    """
    if coverage not in COVERAGES:
        raise ValueError(f'coverage must be one of {COVERAGES}, got {coverage!r}')
    prefix = _prefix(sample_key)
    if same_grid and tuple(reference.shape) != tuple(other.shape):
        raise GridMismatchError(
            f'{prefix}{other_name} has shape {tuple(other.shape)} but {reference_name} '
            f'has {tuple(reference.shape)}; they must share a grid')
    if reference.georeferenced and other.georeferenced:
        _check_same_crs(reference, other, reference_name, other_name, prefix)
        if coverage == 'footprint':
            _check_footprint(reference, other, reference_name, other_name, prefix)
        else:
            _check_overlap(reference, other, reference_name, other_name, prefix)
    elif reference.transform is None and other.transform is None:
        _check_uniform_scaling(reference, other, reference_name, other_name, prefix)
    else:
        _check_pixel_for_pixel(reference, other, reference_name, other_name, prefix)


def _check_same_crs(reference, other, reference_name, other_name, prefix):
    if reference.crs != other.crs:
        raise GridMismatchError(
            f'{prefix}{other_name} has CRS {other.crs} but {reference_name} has CRS '
            f'{reference.crs}; they must be equal')


def _check_footprint(reference, other, reference_name, other_name, prefix):
    tolerance = 0.5 * max(reference.pixel_size() + other.pixel_size())
    ref_bounds, other_bounds = reference.bounds(), other.bounds()
    if max(abs(a - b) for a, b in zip(ref_bounds, other_bounds)) > tolerance:
        raise GridMismatchError(
            f'{prefix}{other_name} covers {other_bounds} (shape {tuple(other.shape)}) '
            f'but {reference_name} covers {ref_bounds} (shape {tuple(reference.shape)}) '
            f'(left, bottom, right, top); allowed difference {tolerance:g}')


def _check_overlap(reference, other, reference_name, other_name, prefix):
    (left, bottom, right, top), (o_left, o_bottom, o_right, o_top) = \
        reference.bounds(), other.bounds()
    if min(right, o_right) <= max(left, o_left) or \
            min(top, o_top) <= max(bottom, o_bottom):
        raise GridMismatchError(
            f'{prefix}{other_name} covers {other.bounds()} and {reference_name} covers '
            f'{reference.bounds()} (left, bottom, right, top); they do not overlap')


def _check_uniform_scaling(reference, other, reference_name, other_name, prefix):
    (h, w), (oh, ow) = reference.shape, other.shape
    if h * ow != w * oh:
        raise GridMismatchError(
            f'{prefix}neither {other_name} (shape {tuple(other.shape)}) nor '
            f'{reference_name} (shape {tuple(reference.shape)}) is georeferenced, so '
            'they are taken to cover the same extent, but their shapes do not scale '
            'equally along both axes; store them on grids of proportional shapes or '
            'georeference them')


def _check_pixel_for_pixel(reference, other, reference_name, other_name, prefix):
    """One side lacks a CRS (or both do, with a geotransform): same pixels only."""
    if other.crs is None:
        (lacking, lacking_grid), (having, having_grid) = \
            (other_name, other), (reference_name, reference)
    else:
        (lacking, lacking_grid), (having, having_grid) = \
            (reference_name, reference), (other_name, other)
    hint = (f'give {lacking} its CRS (e.g. gdal_edit.py -a_srs EPSG:<code>) or store '
            f'it on the grid of {having}')
    if tuple(lacking_grid.shape) != tuple(having_grid.shape):
        raise GridMismatchError(
            f'{prefix}{lacking} has no CRS and its shape {tuple(lacking_grid.shape)} '
            f'differs from the {tuple(having_grid.shape)} of {having}, so where it lies '
            f'on {having} cannot be checked; {hint}')
    if lacking_grid.transform is not None and having_grid.transform is not None and \
            not lacking_grid.transform.almost_equals(having_grid.transform):
        raise GridMismatchError(
            f'{prefix}{lacking} has no CRS and its geotransform '
            f'{tuple(lacking_grid.transform)[:6]} differs from the '
            f'{tuple(having_grid.transform)[:6]} of {having}, so whether they cover '
            f'the same ground cannot be checked; {hint}')


def pixel_centre_indices(src_size, dst_size):
    """Source index of each destination pixel when two grids share an extent.

    ``index[i] = floor((i + 0.5) * src_size / dst_size)``: the source pixel that
    contains the centre of destination pixel ``i``.

    Returns:
        np.ndarray: int64 ``(dst_size,)``.
    """
    return np.minimum(
        ((np.arange(dst_size) + 0.5) * src_size / dst_size).astype(np.int64),
        src_size - 1)


def resample_nearest(array, out_shape):
    """Nearest-neighbour resampling of ``H x W [x C]`` onto ``out_shape`` (h, w).

    Both grids are taken to cover the same extent (check them with
    :func:`check_modality_grid` first).
    """
    rows = pixel_centre_indices(array.shape[0], out_shape[0])
    cols = pixel_centre_indices(array.shape[1], out_shape[1])
    return array[rows[:, None], cols[None, :]]
