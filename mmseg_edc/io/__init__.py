"""Raster and mask I/O (rasterio), grid checks between modalities, and the temporary
names of outputs being written."""
from .partial_files import (partial_path, process_is_running, remove_stale_partials,
                            write_atomically)
from .raster import (GridMismatchError, RasterGrid, RasterReadError,
                     check_same_footprint, check_same_grid, pixel_centre_indices,
                     read_cloud_mask, read_raster, resample_nearest)

__all__ = [
    'RasterReadError', 'GridMismatchError', 'RasterGrid', 'read_raster',
    'read_cloud_mask', 'check_same_grid', 'check_same_footprint',
    'pixel_centre_indices', 'resample_nearest', 'partial_path', 'process_is_running',
    'remove_stale_partials', 'write_atomically'
]
