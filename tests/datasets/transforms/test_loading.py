import os.path as osp

import numpy as np
import pytest
import rasterio
import torch
from rasterio.crs import CRS
from rasterio.transform import Affine

from mmseg_edc.datasets import WORLDCOVER_6CLASS, build_label_lut
from mmseg_edc.datasets.transforms import (LoadOpticalSARArrays, LoadOpticalSARTile,
                                        RadiometricScale)
from mmseg_edc.io import GridMismatchError, RasterReadError

BANDS = dict(optical=4, sar=2)

LUT_6 = build_label_lut(WORLDCOVER_6CLASS.codes, 6)
M3MCR_RANGES = dict(img=[(0, 10000)], clear_img=[(0, 10000)], sar=[(-25, 0), (-32.5, 0)])


def fixture_info(root, split='train', key='fall_1_p_457'):
    season, area = key.split('_')[0], key.rsplit('_p_', 1)[0]

    def path(prefix, suffix='.tif'):
        return osp.join(root, split, f'{prefix}_{season}', f'{prefix}_{area}',
                        f'{prefix}_{key}{suffix}')

    return dict(sample_key=key, img_path=path('planet_cloudy'), sar_path=path('S1'),
                clear_path=path('planet_cloudfree'),
                cloud_mask_path=path('cloudmask', '.npy'),
                seg_map_path=path('landcover'), label_lut=LUT_6)


def test_real_sample_loads_on_the_optical_grid(m3mcr_fixture_root):
    info = fixture_info(m3mcr_fixture_root)
    out = LoadOpticalSARTile(BANDS)(dict(info))
    assert out['img'].shape == out['clear_img'].shape == (300, 300, 4)
    assert out['img'].dtype == np.float32
    assert out['sar'].shape == (300, 300, 2) and out['cloud_mask'].shape == (300, 300)
    assert out['gt_seg_map'].shape == (90, 90) and out['ori_shape'] == (90, 90)
    assert set(out['image_fields']) == {'img', 'sar', 'clear_img', 'cloud_mask'}
    with rasterio.open(info['sar_path']) as src:
        sar = src.read().transpose(1, 2, 0)
    # image pixel (i, j) takes SAR pixel (floor((i+.5)*.3), floor((j+.5)*.3))
    np.testing.assert_array_equal(out['sar'][3, 9], sar[1, 2].astype(np.float32))
    np.testing.assert_array_equal(out['sar'][299, 299], sar[89, 89].astype(np.float32))
    with rasterio.open(info['seg_map_path']) as src:
        codes = src.read(1)
    np.testing.assert_array_equal(out['gt_seg_map'], LUT_6[codes])
    assert np.array_equal(out['cloud_mask'], np.load(info['cloud_mask_path']).astype(np.uint8))


def _tiny_sample(tmp_path, writer, optical=None, sar=None, labels=None,
                 clear_shape=(30, 30)):
    rng = np.random.default_rng(0)
    optical = rng.integers(1, 10000, (30, 30, 4)).astype(np.uint16) \
        if optical is None else optical
    sar = rng.uniform(-30, 0, (9, 9, 2)) if sar is None else sar
    labels = np.full((9, 9), 10, np.uint8) if labels is None else labels
    return dict(
        sample_key='tiny',
        img_path=writer(tmp_path / 'cloudy.tif', optical),
        clear_path=writer(tmp_path / 'clear.tif',
                          np.ones(clear_shape + (4,), np.uint16)),
        sar_path=writer(tmp_path / 'sar.tif', sar, pixel_size=10.0,
                        origin=(760300.0, 3150001.0)),
        seg_map_path=writer(tmp_path / 'label.tif', labels, pixel_size=10.0,
                            origin=(760300.0, 3150001.0)),
        label_lut=LUT_6)


def test_non_finite_values_are_filled_with_the_band_mean(tmp_path, geotiff_writer):
    sar = np.full((9, 9, 2), -10.0)
    sar[..., 1] = -20.0
    sar[0, 0, 0] = np.nan
    sar[1, 1, 1] = np.inf
    sar[2, 2, 1] = -40.0
    info = _tiny_sample(tmp_path, geotiff_writer, sar=sar)
    out = LoadOpticalSARTile(BANDS)(info)
    assert np.isfinite(out['sar']).all()
    # NaN at SAR (0, 0) -> mean of the other VV values (-10); it covers image (0..2, 0..2)
    assert out['sar'][0, 0, 0] == pytest.approx(-10.0)
    expected_vh = (-20.0 * 79 - 40.0) / 80          # the finite VH values
    assert out['sar'][4, 4, 1] == pytest.approx(expected_vh)


def test_nan_never_reaches_the_loss(tmp_path, geotiff_writer):
    from mmseg.registry import MODELS
    from mmseg_edc.datasets.transforms import PackOpticalSARInputs
    sar = np.full((9, 9, 2), np.nan)
    info = _tiny_sample(tmp_path, geotiff_writer, sar=sar)
    packed = PackOpticalSARInputs()(
        RadiometricScale(M3MCR_RANGES)(LoadOpticalSARTile(BANDS)(info)))
    assert torch.isfinite(packed['inputs']).all()
    model = MODELS.build(dict(
        type='OpticalSAREncoderDecoder', bands=BANDS,
        data_preprocessor=dict(type='OpticalSARDataPreProcessor', mean=[0.5] * 6,
                               std=[0.25] * 6, size_divisor=8),
        backbone=dict(type='ResNetV1c', depth=18, base_channels=8,
                      stem_channels=8, num_stages=2, out_indices=(1,),
                      strides=(1, 2), dilations=(1, 1)),
        decode_head=dict(type='FCNHead', in_channels=16, channels=8, num_convs=1,
                         num_classes=6, in_index=0,
                         loss_decode=dict(type='CrossEntropyLoss'))))
    data = model.data_preprocessor(dict(inputs=[packed['inputs']],
                                        data_samples=[packed['data_samples']]), True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert all(torch.isfinite(v).all() for v in losses.values() if torch.is_tensor(v))


def test_label_codes_outside_the_protocol_are_ignored(tmp_path, geotiff_writer):
    labels = np.array([10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100, 0, 7, 200, 255],
                      np.uint8)
    labels = np.resize(labels, (9, 9))
    out = LoadOpticalSARTile(BANDS)(_tiny_sample(tmp_path, geotiff_writer, labels=labels))
    expected = {10: 0, 20: 1, 30: 1, 40: 2, 50: 3, 60: 4, 80: 5, 90: 5}
    np.testing.assert_array_equal(
        out['gt_seg_map'], np.vectorize(lambda c: expected.get(c, 255))(labels))


def test_grid_and_band_errors_name_both_files(tmp_path, geotiff_writer):
    info = _tiny_sample(tmp_path, geotiff_writer, clear_shape=(29, 30))
    with pytest.raises(GridMismatchError,
                       match=r'sample tiny: .*clear.tif has shape \(29, 30\) but .*cloudy.tif has \(30, 30\)'):
        LoadOpticalSARTile(BANDS)(dict(info))
    info = _tiny_sample(tmp_path / 'b', geotiff_writer)
    with pytest.raises(RasterReadError, match=r'cloudy.tif.*sample tiny.*4 bands.*expects 3'):
        LoadOpticalSARTile(bands=dict(optical=3, sar=2))(info)


def test_arrays_load_like_the_real_files(m3mcr_fixture_root):
    info = fixture_info(m3mcr_fixture_root)
    from_files = LoadOpticalSARTile(BANDS)(dict(info))
    arrays = {}
    for key, path in (('img', 'img_path'), ('sar', 'sar_path'), ('clear_img', 'clear_path')):
        with rasterio.open(info[path]) as src:
            arrays[key] = src.read().transpose(1, 2, 0)    # file dtype and units
    given = {key: value.copy() for key, value in arrays.items()}
    out = LoadOpticalSARArrays(BANDS)(dict(given, sample_key='pair'))
    for key in ('img', 'sar', 'clear_img'):
        assert out[key].dtype == np.float32
        assert np.array_equal(out[key], from_files[key]), key
        assert np.array_equal(given[key], arrays[key])        # inputs untouched
    assert out['image_fields'] == ['img', 'sar', 'clear_img'] and out['seg_fields'] == []
    assert out['img_shape'] == out['ori_shape'] == (300, 300)


def test_arrays_are_checked_and_filled():
    load = LoadOpticalSARArrays(dict(optical=4, sar=1))
    optical = np.ones((6, 8, 4))
    optical[0, 0, 1] = np.nan
    out = load(dict(img=optical, sar=np.arange(12.0).reshape(3, 4)))   # 2-D, 1 band
    assert out['sar'].shape == (6, 8, 1) and out['sar'][5, 7, 0] == 11
    assert np.isfinite(out['img']).all() and out['img'][0, 0, 1] == 1   # band mean
    with pytest.raises(ValueError, match=r'sample k: sar is a float64 array of shape '
                       r'\(3, 4, 2\), expected numbers of shape H x W x 1'):
        load(dict(img=optical, sar=np.zeros((3, 4, 2)), sample_key='k'))
    with pytest.raises(ValueError, match='expected numbers'):
        load(dict(img=optical.astype(str), sar=np.zeros((3, 4))))
def test_every_modality_is_checked_against_the_optical_grid(tmp_path, geotiff_writer):
    info = _tiny_sample(tmp_path, geotiff_writer)
    # a cloud-free image of the right shape 1 km north: the teacher's input and the
    # reconstruction target would be another place
    far = dict(info, clear_path=geotiff_writer(
        tmp_path / 'clear_far.tif', np.ones((30, 30, 4), np.uint16),
        origin=(760299.0, 3151000.0)))
    with pytest.raises(GridMismatchError, match=r'sample tiny: .*clear_far.tif covers'):
        LoadOpticalSARTile(BANDS)(far)
    # a label in another CRS
    other_crs = dict(info, seg_map_path=geotiff_writer(
        tmp_path / 'label_utm47.tif', np.full((9, 9), 10, np.uint8), pixel_size=10.0,
        origin=(760300.0, 3150001.0), crs=CRS.from_epsg(32647)))
    with pytest.raises(GridMismatchError, match=r'label_utm47.tif has CRS EPSG:32647'):
        LoadOpticalSARTile(BANDS)(other_crs)
    # a cloud mask raster 30 m east (10 optical pixels)
    mask_east = dict(info, cloud_mask_path=geotiff_writer(
        tmp_path / 'mask_east.tif', np.zeros((30, 30), np.uint8),
        origin=(760329.0, 3150000.0)))
    with pytest.raises(GridMismatchError, match=r'mask_east.tif covers'):
        LoadOpticalSARTile(BANDS)(mask_east)
    # a .npy mask has no georeferencing: its shape is all that can be checked
    np.save(tmp_path / 'mask.npy', np.zeros((30, 30), bool))
    out = LoadOpticalSARTile(BANDS)(dict(info, cloud_mask_path=str(tmp_path / 'mask.npy')))
    assert out['cloud_mask'].shape == (30, 30)
    assert out['stored_dtypes'] == dict(img='uint16', sar='float64', clear_img='uint16')


def test_sar_without_crs_is_refused_unless_pixel_for_pixel(tmp_path, geotiff_writer):
    info = _tiny_sample(tmp_path, geotiff_writer)
    sar = np.random.default_rng(1).uniform(-30, 0, (9, 9, 2))
    no_crs = dict(info, sar_path=geotiff_writer(tmp_path / 'sar_no_crs.tif', sar,
                                                pixel_size=10.0, crs=None))
    with pytest.raises(GridMismatchError,
                       match=r'sar_no_crs.tif has no CRS and its shape \(9, 9\) differs '
                             r'from the \(30, 30\) of .*cloudy.tif'):
        LoadOpticalSARTile(BANDS)(no_crs)
    # on the optical grid itself, without any georeferencing: nothing is in doubt
    on_grid = np.repeat(np.repeat(sar, 10, 0), 10, 1)[:30, :30]
    same = dict(info, sar_path=geotiff_writer(tmp_path / 'sar_pixels.tif', on_grid,
                                              crs=None, transform=Affine.identity()))
    np.testing.assert_array_equal(LoadOpticalSARTile(BANDS)(same)['sar'],
                                  on_grid.astype(np.float32))


def test_south_up_sar_and_label_are_read_north_up(tmp_path, geotiff_writer):
    rng = np.random.default_rng(2)
    sar = rng.uniform(-30, 0, (9, 9, 2))
    labels = rng.choice(np.array([10, 20, 40, 50], np.uint8), (9, 9))
    north = LoadOpticalSARTile(BANDS)(_tiny_sample(tmp_path, geotiff_writer, sar=sar,
                                                   labels=labels))
    # the same ground stored bottom row first: the bottom-left corner is the origin
    # (y = 3150001 - 9 * 10 = 3149911) and the y pixel size is positive
    south_up = Affine(10.0, 0, 760300.0, 0, 10.0, 3149911.0)
    info = _tiny_sample(tmp_path / 'south', geotiff_writer)
    info['sar_path'] = geotiff_writer(tmp_path / 'south' / 'sar_s.tif', sar[::-1],
                                      transform=south_up)
    info['seg_map_path'] = geotiff_writer(tmp_path / 'south' / 'label_s.tif',
                                          labels[::-1], transform=south_up)
    south = LoadOpticalSARTile(BANDS)(info)
    np.testing.assert_array_equal(south['sar'], north['sar'])
    np.testing.assert_array_equal(south['gt_seg_map'], north['gt_seg_map'])


def test_sample_without_any_georeferencing(tmp_path, geotiff_writer):
    """WHU-OPT-SAR tiles: no CRS, no geotransform, every modality on one grid."""
    plain = dict(crs=None, transform=Affine.identity())
    rng = np.random.default_rng(3)
    info = dict(
        sample_key='whu',
        img_path=geotiff_writer(tmp_path / 'o.tif',
                                rng.integers(0, 256, (16, 16, 4), dtype=np.uint8), **plain),
        clear_path=geotiff_writer(tmp_path / 'c.tif',
                                  rng.integers(0, 256, (16, 16, 4), dtype=np.uint8), **plain),
        sar_path=geotiff_writer(tmp_path / 's.tif',
                                rng.integers(0, 256, (16, 16, 1), dtype=np.uint8), **plain),
        cloud_mask_path=geotiff_writer(tmp_path / 'm.tif',
                                       rng.integers(0, 2, (16, 16), dtype=np.uint8), **plain),
        seg_map_path=geotiff_writer(tmp_path / 'l.tif', np.full((16, 16), 10, np.uint8),
                                    **plain),
        label_lut=LUT_6)
    out = LoadOpticalSARTile(dict(optical=4, sar=1))(info)
    assert out['sar'].shape == (16, 16, 1) and out['gt_seg_map'].shape == (16, 16)
    # a georeferenced label of another shape under it: where it lies is unknown
    info['seg_map_path'] = geotiff_writer(tmp_path / 'l_geo.tif',
                                          np.full((8, 8), 10, np.uint8), pixel_size=10.0)
    with pytest.raises(GridMismatchError, match=r'o.tif has no CRS and its shape'):
        LoadOpticalSARTile(dict(optical=4, sar=1))(info)


def test_cloud_mask_of_probabilities_needs_a_threshold(tmp_path, geotiff_writer):
    info = _tiny_sample(tmp_path, geotiff_writer)
    probabilities = np.tile(np.linspace(0, 1, 30, dtype=np.float32), (30, 1))
    np.save(tmp_path / 'prob.npy', probabilities)
    info['cloud_mask_path'] = str(tmp_path / 'prob.npy')
    with pytest.raises(OSError, match=r'prob.npy.*sample tiny.*not binary.*30 distinct'):
        LoadOpticalSARTile(BANDS)(dict(info))
    out = LoadOpticalSARTile(BANDS, cloud_mask_threshold=0.5)(info)
    # column j holds j / 29, above 0.5 from j = 15 (15 / 29 = 0.517; 14 / 29 = 0.483)
    np.testing.assert_array_equal(out['cloud_mask'][0], (np.arange(30) >= 15))
    assert out['cloud_mask'].dtype == np.uint8


def test_cached_loading_reads_once_hands_out_copies_and_sees_changed_files(
        tmp_path, geotiff_writer, monkeypatch):
    import mmseg_edc.datasets.transforms.loading as loading
    info = _tiny_sample(tmp_path, geotiff_writer)
    reads = []
    real_read = loading.read_raster
    monkeypatch.setattr(loading, 'read_raster',
                        lambda path, **kw: reads.append(path) or real_read(path, **kw))
    plain = LoadOpticalSARTile(BANDS)(dict(info, seg_fields=[]))
    cached = LoadOpticalSARTile(BANDS, cache=True)
    first = cached(dict(info, seg_fields=[]))
    assert len(reads) == 2 * 4                  # cloudy, SAR, clear, label: once each
    for key in ('img', 'sar', 'clear_img', 'gt_seg_map'):
        np.testing.assert_array_equal(first[key], plain[key])
    assert first['seg_fields'] == plain['seg_fields'] == ['gt_seg_map']
    first['img'][:] = 0                          # a transform writing into its copy
    second = cached(dict(info, seg_fields=[]))
    assert len(reads) == 8                       # nothing read again
    np.testing.assert_array_equal(second['img'], plain['img'])
    assert second['seg_fields'] == ['gt_seg_map'] and second['ori_shape'] == (9, 9)
    geotiff_writer(tmp_path / 'cloudy.tif', np.full((30, 30, 4), 7, np.uint16))
    third = cached(dict(info, seg_fields=[]))    # the file changed: read again
    assert len(reads) == 12 and third['img'].max() == 7
    assert 'cache=True' in repr(cached)
