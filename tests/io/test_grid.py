"""The one grid rule between modalities (mmseg_edc.io.grid)."""
import numpy as np
import pytest
from rasterio.crs import CRS
from rasterio.transform import Affine, from_origin

from mmseg_edc.io import (GridMismatchError, RasterGrid, check_modality_grid,
                          pixel_centre_indices, resample_nearest)

UTM = CRS.from_epsg(32646)
# M3M-CR: a 300 x 300 optical grid at 3 m over a 90 x 90 grid at 10 m, offset 1-2 m
OPTICAL = RasterGrid((300, 300), UTM, from_origin(760299.0, 3150000.0, 3.0, 3.0))
SAR = RasterGrid((90, 90), UTM, from_origin(760300.0, 3150001.0, 10.0, 10.0))
PIXELS = RasterGrid((300, 300))          # no georeferencing (WHU-OPT-SAR tiles, .npy)


def check(other, reference=OPTICAL, **kwargs):
    check_modality_grid(reference, other, 'o.tif', 'x.tif', 'k', **kwargs)


def test_pixel_centre_nearest_90_to_300_by_hand():
    # floor((i + 0.5) * 90 / 300) for i = 0..9
    assert pixel_centre_indices(90, 300)[:10].tolist() == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
    assert pixel_centre_indices(90, 300)[-1] == 89
    source = np.arange(90 * 90, dtype=np.float32).reshape(90, 90, 1)
    out = resample_nearest(source, (300, 300))
    assert out.shape == (300, 300, 1)
    assert out[3, 9, 0] == source[1, 2, 0] and out[299, 0, 0] == source[89, 0, 0]


def test_footprint_accepts_subpixel_offset_and_rejects_shift_or_crs():
    check(SAR)
    # 3 m further east: bounds up to 1 + 3 = 4 m off, within half a 10 m pixel (5 m);
    # 6 m further east: 7 m off
    check(SAR._replace(transform=SAR.transform * Affine.translation(0.3, 0)))
    shifted = SAR._replace(transform=SAR.transform * Affine.translation(0.6, 0))
    with pytest.raises(GridMismatchError,
                       match=r"sample k: x.tif covers .*\(90, 90\).*o.tif.*allowed "
                             r"difference 5"):
        check(shifted)
    with pytest.raises(GridMismatchError, match='x.tif has CRS EPSG:32736 but o.tif'):
        check(SAR._replace(crs=CRS.from_epsg(32736)))


def test_cloud_free_image_a_kilometre_away_is_refused():
    far = OPTICAL._replace(transform=OPTICAL.transform * Affine.translation(0, -333.4))
    with pytest.raises(GridMismatchError, match=r'x.tif covers .* but o.tif covers'):
        check(far, same_grid=True)
    check(OPTICAL, same_grid=True)
    with pytest.raises(GridMismatchError, match=r'x.tif has shape \(299, 300\)'):
        check(OPTICAL._replace(shape=(299, 300)), same_grid=True)


def test_grids_without_crs_need_no_doubt():
    # SAR on its own 10 m grid without a CRS: where it lies cannot be checked
    with pytest.raises(GridMismatchError,
                       match=r'sample k: x.tif has no CRS and its shape \(90, 90\) '
                             r'differs from the \(300, 300\) of o.tif.*gdal_edit'):
        check(RasterGrid((90, 90), None, SAR.transform))
    with pytest.raises(GridMismatchError, match='x.tif has no CRS'):
        check(RasterGrid((90, 90)))
    # the same shape and no transform, or the same transform: pixel for pixel
    check(RasterGrid((300, 300)))
    check(RasterGrid((300, 300), None, OPTICAL.transform))
    with pytest.raises(GridMismatchError, match='x.tif has no CRS and its geotransform'):
        check(RasterGrid((300, 300), None, SAR.transform))
    # an optical image without georeferencing under a georeferenced modality
    with pytest.raises(GridMismatchError, match='o.tif has no CRS'):
        check(SAR, reference=PIXELS)
    check(OPTICAL, reference=PIXELS)


def test_samples_without_any_georeferencing_scale_uniformly():
    check(RasterGrid((300, 300)), reference=PIXELS, same_grid=True)
    check(RasterGrid((90, 90)), reference=PIXELS)        # 300 / 90 on both axes
    with pytest.raises(GridMismatchError,
                       match=r'neither x.tif \(shape \(90, 91\)\) nor o.tif.*scale '
                             r'equally'):
        check(RasterGrid((90, 91)), reference=PIXELS)


def test_overlap_coverage_for_scenes():
    half = SAR._replace(transform=SAR.transform * Affine.translation(45, 0))
    check(half, coverage='overlap')
    with pytest.raises(GridMismatchError, match='x.tif covers'):
        check(half)
    away = SAR._replace(transform=SAR.transform * Affine.translation(200, 0))
    with pytest.raises(GridMismatchError, match='do not overlap'):
        check(away, coverage='overlap')


def test_north_up_flips_south_up_grids_only_with_a_crs():
    south = RasterGrid((4, 3), UTM, Affine(10.0, 0, 760300.0, 0, 10.0, 3150000.0))
    grid, flip_rows, flip_cols = south.north_up()
    assert (flip_rows, flip_cols) == (True, False)
    # top edge = 3150000 + 4 * 10
    assert tuple(grid.transform)[:6] == (10.0, 0, 760300.0, 0, -10.0, 3150040.0)
    assert grid.bounds() == south.bounds()
    pixel_space = RasterGrid((4, 3), None, Affine(1.0, 0, 5.0, 0, 1.0, 7.0))
    assert pixel_space.north_up() == (pixel_space, False, False)
