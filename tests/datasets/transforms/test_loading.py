import os.path as osp

import numpy as np
import pytest
import rasterio
import torch

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


def test_radiometric_scale_by_hand():
    img = np.array([[[0, 5000, 12000, 2500]]], np.float32)
    sar = np.array([[[-12.5, -32.5]], [[5.0, -40.0]]], np.float32)
    out = RadiometricScale(M3MCR_RANGES)(dict(img=img, sar=sar))
    np.testing.assert_allclose(out['img'], [[[0, 0.5, 1.0, 0.25]]])
    np.testing.assert_allclose(out['sar'], [[[0.5, 0.0]], [[1.0, 0.0]]])
    with pytest.raises(ValueError, match="'sar' of sample s has 3 bands but 2 ranges"):
        RadiometricScale(M3MCR_RANGES)(dict(sar=np.zeros((1, 1, 3)), sample_key='s'))
    with pytest.raises(ValueError, match='lo < hi'):
        RadiometricScale(dict(img=[(1, 0)]))


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
