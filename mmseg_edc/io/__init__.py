"""Raster and mask I/O (rasterio) and grid checks between modalities."""
from .raster import (GridMismatchError, RasterGrid, RasterReadError,
                     check_same_footprint, check_same_grid, pixel_centre_indices,
                     read_cloud_mask, read_raster, resample_nearest)

__all__ = [
    'RasterReadError', 'GridMismatchError', 'RasterGrid', 'read_raster',
    'read_cloud_mask', 'check_same_grid', 'check_same_footprint',
    'pixel_centre_indices', 'resample_nearest'
]
