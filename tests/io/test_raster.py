import os

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine

from mmseg_edc.io import (GridMismatchError, RasterReadError, read_cloud_mask,
                          read_cloud_mask_header, read_raster, read_raster_header)


@pytest.mark.parametrize('dtype,bands', [(np.uint8, 1), (np.uint16, 4),
                                         (np.float32, 2), (np.float64, 13)])
def test_read_any_dtype_and_band_count(tmp_path, geotiff_writer, dtype, bands):
    data = (np.arange(5 * 7 * bands) % 200).reshape(5, 7, bands).astype(dtype)
    path = geotiff_writer(tmp_path / 'x.tif', data)
    array, header = read_raster(path)
    assert array.dtype == np.float32 and array.shape == (5, 7, bands)
    np.testing.assert_array_equal(array, data.astype(np.float32))
    assert header.dtype == np.dtype(dtype).name and header.count == bands
    assert header.grid.shape == (5, 7) and header.grid.georeferenced
    assert header.grid.bounds() == (760299.0, 3150000.0 - 15, 760299.0 + 21, 3150000.0)
    assert read_raster_header(path) == header
    assert read_raster(path, dtype=None)[0].dtype == dtype


def test_band_count_mismatch_names_file_and_counts(tmp_path, geotiff_writer):
    path = geotiff_writer(tmp_path / 'opt.tif', np.zeros((4, 4, 3), np.uint16))
    for read in (read_raster, read_raster_header):
        with pytest.raises(RasterReadError,
                           match=r"opt\.tif.*sample s1.*3 bands.*expects 4"):
            read(path, expected_bands=4, sample_key='s1')


def _write_lzw(path, array):
    with rasterio.open(path, 'w', driver='GTiff', width=array.shape[2],
                       height=array.shape[1], count=array.shape[0], dtype=array.dtype,
                       compress='lzw', interleave='band') as dst:
        dst.write(array)
    return str(path)


def test_missing_and_truncated_files_name_the_path(tmp_path, geotiff_writer):
    with pytest.raises(RasterReadError, match='nothere.tif.*does not exist'):
        read_raster_header(str(tmp_path / 'nothere.tif'))
    plain = geotiff_writer(tmp_path / 'cut.tif',
                           np.random.default_rng(0).random((64, 64, 4)))
    lzw = _write_lzw(tmp_path / 'cut_lzw.tif',
                     np.random.default_rng(0).integers(0, 9, (3, 64, 64), np.uint16))
    for path in (plain, lzw):
        # the header is intact, the last pixel block is not: found without reading pixels
        with open(path, 'r+b') as f:
            f.truncate(os.path.getsize(path) - 1)
        for read in (read_raster_header, read_raster):
            with pytest.raises(RasterReadError,
                               match=r"cannot read raster file .*cut.*truncated"):
                read(path)
    garbage = tmp_path / 'garbage.tif'
    garbage.write_bytes(b'not a tiff at all')
    with pytest.raises(RasterReadError, match='garbage.tif'):
        read_raster_header(str(garbage))


def test_south_up_raster_is_read_north_up(tmp_path, geotiff_writer):
    north = np.arange(4 * 3 * 2, dtype=np.float32).reshape(4, 3, 2)
    north_path = geotiff_writer(tmp_path / 'north.tif', north, pixel_size=10.0,
                                origin=(760300.0, 3150040.0))
    # the same ground stored bottom row first: origin at the bottom-left corner
    # (y 3150040 - 4 * 10 = 3150000), positive y pixel size
    south_path = geotiff_writer(tmp_path / 'south.tif', north[::-1],
                                transform=Affine(10.0, 0, 760300.0, 0, 10.0, 3150000.0))
    array, header = read_raster(south_path)
    reference, reference_header = read_raster(north_path)
    np.testing.assert_array_equal(array, reference)
    assert header.grid == reference_header.grid
    assert tuple(header.grid.transform)[:6] == (10.0, 0, 760300.0, 0, -10.0, 3150040.0)
    assert read_raster_header(south_path).grid.transform.e == 10.0    # as stored
    # east-to-west columns too
    west_path = geotiff_writer(tmp_path / 'west.tif', north[:, ::-1],
                               transform=Affine(-10.0, 0, 760330.0, 0, -10.0, 3150040.0))
    array, header = read_raster(west_path)
    np.testing.assert_array_equal(array, reference)
    assert header.grid == reference_header.grid


def test_rotated_raster_is_refused(tmp_path, geotiff_writer):
    path = geotiff_writer(tmp_path / 'rot.tif', np.zeros((4, 4), np.uint8),
                          transform=Affine(10.0, 1.0, 760300.0, 0.5, -10.0, 3150040.0))
    for read in (read_raster, read_raster_header):
        with pytest.raises(GridMismatchError, match=r"rot\.tif.*rotated or sheared"):
            read(path)


def test_cloud_mask_from_npy_and_raster(tmp_path, geotiff_writer):
    mask = np.zeros((6, 5), bool)
    mask[2, 3] = True
    np.save(tmp_path / 'm.npy', mask)
    from_npy, header = read_cloud_mask(str(tmp_path / 'm.npy'))
    np.testing.assert_array_equal(from_npy, mask)
    assert not header.grid.georeferenced and header.grid.shape == (6, 5)
    np.save(tmp_path / 'channel.npy', mask[None].astype(np.uint8))
    assert read_cloud_mask_header(str(tmp_path / 'channel.npy')).grid.shape == (6, 5)
    np.testing.assert_array_equal(read_cloud_mask(str(tmp_path / 'channel.npy'))[0], mask)
    path = geotiff_writer(tmp_path / 'm.tif', mask.astype(np.uint8) * 255)
    np.testing.assert_array_equal(read_cloud_mask(path)[0], mask)
    (tmp_path / 'bad.npy').write_bytes(b'broken')
    with pytest.raises(RasterReadError, match='bad.npy'):
        read_cloud_mask(str(tmp_path / 'bad.npy'))


def test_truncated_npy_mask_is_found_from_its_header(tmp_path):
    np.save(tmp_path / 'm.npy', np.zeros((30, 30), bool))
    path = str(tmp_path / 'm.npy')
    with open(path, 'r+b') as f:
        f.truncate(os.path.getsize(path) - 10)
    # the header announces 128 + 900 bytes (bool, 1 byte a value)
    with pytest.raises(RasterReadError, match=r"m.npy.*truncated \(1018 bytes.*1028\)"):
        read_cloud_mask_header(path)


def test_non_binary_mask_needs_a_threshold(tmp_path, geotiff_writer):
    probabilities = np.array([[0.0, 0.2], [0.5, 0.9]], np.float32)
    np.save(tmp_path / 'p.npy', probabilities)
    path = str(tmp_path / 'p.npy')
    with pytest.raises(RasterReadError,
                       match=r"p.npy.*sample k.*not binary.*4 distinct float32 values "
                             r"\(0, 0.2, 0.5, 0.9; range 0 .. 0.9\).*cloud_mask_threshold"):
        read_cloud_mask(path, 'k')
    # cloud where the value is above the threshold: 0.5 is not above 0.5
    np.testing.assert_array_equal(read_cloud_mask(path, threshold=0.5)[0],
                                  [[False, False], [False, True]])
    np.testing.assert_array_equal(read_cloud_mask(path, threshold=0.1)[0],
                                  [[False, True], [True, True]])
    codes = geotiff_writer(tmp_path / 'codes.tif', np.array([[0, 1], [2, 0]], np.uint8))
    with pytest.raises(RasterReadError, match=r'codes.tif.*not binary.*3 distinct uint8'):
        read_cloud_mask(codes)
    binary = np.array([[0.0, 1.0], [1.0, 0.0]])
    np.save(tmp_path / 'b.npy', binary)
    np.testing.assert_array_equal(read_cloud_mask(str(tmp_path / 'b.npy'))[0], binary == 1)
