import numpy as np
import pytest
from rasterio.crs import CRS

from mmseg_edc.io import (GridMismatchError, RasterReadError, check_same_footprint,
                          pixel_centre_indices, read_cloud_mask, read_raster,
                          resample_nearest)


@pytest.mark.parametrize('dtype,bands', [(np.uint8, 1), (np.uint16, 4),
                                         (np.float32, 2), (np.float64, 13)])
def test_read_any_dtype_and_band_count(tmp_path, geotiff_writer, dtype, bands):
    data = (np.arange(5 * 7 * bands) % 200).reshape(5, 7, bands).astype(dtype)
    path = geotiff_writer(tmp_path / 'x.tif', data)
    array, grid = read_raster(path)
    assert array.dtype == np.float32 and array.shape == (5, 7, bands)
    np.testing.assert_array_equal(array, data.astype(np.float32))
    assert grid.shape == (5, 7) and grid.georeferenced
    assert grid.bounds() == (760299.0, 3150000.0 - 15, 760299.0 + 21, 3150000.0)


def test_band_count_mismatch_names_file_and_counts(tmp_path, geotiff_writer):
    path = geotiff_writer(tmp_path / 'opt.tif', np.zeros((4, 4, 3), np.uint16))
    with pytest.raises(RasterReadError, match=r"opt\.tif.*sample s1.*3 bands.*expects 4"):
        read_raster(path, expected_bands=4, sample_key='s1')


def test_missing_and_truncated_files_name_the_path(tmp_path, geotiff_writer):
    with pytest.raises(RasterReadError, match='nothere.tif.*does not exist'):
        read_raster(str(tmp_path / 'nothere.tif'))
    path = geotiff_writer(tmp_path / 'cut.tif',
                          np.random.default_rng(0).random((64, 64, 4)))
    with open(path, 'r+b') as f:
        f.truncate(3000)
    with pytest.raises(RasterReadError, match='cannot read raster file .*cut.tif'):
        read_raster(path)
    garbage = tmp_path / 'garbage.tif'
    garbage.write_bytes(b'not a tiff at all')
    with pytest.raises(RasterReadError, match='garbage.tif'):
        read_raster(str(garbage))


def test_cloud_mask_from_npy_and_raster(tmp_path, geotiff_writer):
    mask = np.zeros((6, 5), bool)
    mask[2, 3] = True
    np.save(tmp_path / 'm.npy', mask)
    from_npy, grid = read_cloud_mask(str(tmp_path / 'm.npy'))
    np.testing.assert_array_equal(from_npy, mask)
    assert not grid.georeferenced
    path = geotiff_writer(tmp_path / 'm.tif', mask.astype(np.uint8) * 255)
    np.testing.assert_array_equal(read_cloud_mask(path)[0], mask)
    (tmp_path / 'bad.npy').write_bytes(b'broken')
    with pytest.raises(RasterReadError, match='bad.npy'):
        read_cloud_mask(str(tmp_path / 'bad.npy'))


def test_pixel_centre_nearest_90_to_300_by_hand():
    # floor((i + 0.5) * 90 / 300) for i = 0..9
    assert pixel_centre_indices(90, 300)[:10].tolist() == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
    assert pixel_centre_indices(90, 300)[-1] == 89
    source = np.arange(90 * 90, dtype=np.float32).reshape(90, 90, 1)
    out = resample_nearest(source, (300, 300))
    assert out.shape == (300, 300, 1)
    assert out[3, 9, 0] == source[1, 2, 0] and out[299, 0, 0] == source[89, 0, 0]


def test_footprint_accepts_subpixel_offset_and_rejects_shift_or_crs(
        tmp_path, geotiff_writer):
    optical = read_raster(geotiff_writer(tmp_path / 'o.tif', np.zeros((300, 300, 1)),
                                         pixel_size=3.0, origin=(760299.0, 3150000.0)))[1]
    sar = read_raster(geotiff_writer(tmp_path / 's.tif', np.zeros((90, 90, 1)),
                                     pixel_size=10.0, origin=(760300.0, 3150001.0)))[1]
    check_same_footprint(optical, sar, 'o.tif', 's.tif', 'k')
    shifted = sar._replace(transform=sar.transform * sar.transform.translation(3, 0))
    with pytest.raises(GridMismatchError, match=r"sample k: s.tif covers .*\(90, 90\).*o.tif"):
        check_same_footprint(optical, shifted, 'o.tif', 's.tif', 'k')
    with pytest.raises(GridMismatchError, match='CRS'):
        check_same_footprint(optical, sar._replace(crs=CRS.from_epsg(32736)),
                             'o.tif', 's.tif', 'k')
