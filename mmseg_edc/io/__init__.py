"""Raster and mask I/O (rasterio), the grid rule between modalities, and the temporary
names of outputs being written."""
from .grid import (GridMismatchError, RasterGrid, check_modality_grid,
                   pixel_centre_indices, resample_nearest)
from .partial_files import (partial_path, process_is_running, remove_stale_partials,
                            write_atomically, write_file_atomically)
from .raster import (RasterHeader, RasterReadError, binarize_cloud_mask, describe,
                     read_cloud_mask, read_cloud_mask_header, read_raster,
                     read_raster_header)

__all__ = [
    'RasterReadError', 'GridMismatchError', 'RasterGrid', 'RasterHeader', 'describe',
    'read_raster', 'read_raster_header', 'read_cloud_mask', 'read_cloud_mask_header',
    'binarize_cloud_mask', 'check_modality_grid', 'pixel_centre_indices',
    'resample_nearest', 'partial_path', 'process_is_running', 'remove_stale_partials',
    'write_atomically', 'write_file_atomically'
]
