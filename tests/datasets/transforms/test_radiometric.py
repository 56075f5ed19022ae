import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmseg_edc.datasets.transforms import (LoadOpticalSARTile, RadiometricScale,
                                           RadiometricUnitsError)
from mmseg_edc.datasets.transforms.radiometric import scale_to_unit

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
M3MCR_RANGES = dict(img=[(0, 10000)], clear_img=[(0, 10000)], sar=[(-25, 0), (-32.5, 0)])
M3MCR_DTYPES = dict(img='uint16', clear_img='uint16', sar=['float32', 'float64'])


def sample(sar, img=None, stored=None):
    img = np.full((2, 2, 4), 1000, np.float32) if img is None else img
    return dict(sample_key='s1', img=img, sar=np.asarray(sar, np.float32),
                img_path='/d/opt.tif', sar_path='/d/sar.tif',
                stored_dtypes=stored or dict(img='uint16', sar='float64'))


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


@pytest.mark.parametrize('dtype, bounds', [
    ('uint16', [(0, 10000)] * 13), ('uint16', [(0, 10000)]),
    ('float32', [(-25, 0), (-32.5, 0)]), ('float64', [(-25, 0), (-32.5, 0)])])
def test_band_major_scaling_equals_the_written_out_expression(dtype, bounds):
    rng = np.random.default_rng(0)
    bands = 13 if dtype == 'uint16' else 2
    image = (rng.integers(0, 12000, (64, 48, bands)) if dtype == 'uint16'
             else rng.normal(-15, 12, (64, 48, bands))).astype(dtype)
    if dtype == 'uint16':       # as rasterio reads it: band-major memory
        image = np.moveaxis(np.ascontiguousarray(np.moveaxis(image, -1, 0)), 0, -1)
    stored = image.copy()
    bounds = np.asarray(bounds, np.float64)
    lo, hi = bounds[:, 0], bounds[:, 1]
    expected = ((np.clip(image, lo, hi) - lo) / (hi - lo)).astype(np.float32)
    scaled = scale_to_unit(image, bounds)
    assert scaled.dtype == np.float32 and scaled.shape == image.shape
    np.testing.assert_array_equal(scaled, expected)
    np.testing.assert_array_equal(image, stored)


def test_linear_sar_under_db_ranges_is_refused_with_the_option():
    linear = [[[0.1, 0.02], [0.5, 0.001]], [[1.3, 0.2], [0.0, 0.05]]]
    with pytest.raises(RadiometricUnitsError,
                       match=r"'sar' file '/d/sar.tif' \(sample s1\): RadiometricScale "
                             r"expects dB \(ranges \[\[-25.0, 0.0\], \[-32.5, 0.0\]\].*found "
                             r"values 0 .. 1.3, stored as float64, none negative: this "
                             r"looks like linear power.*units=dict\(sar='linear'\)"):
        RadiometricScale(M3MCR_RANGES)(sample(linear))
    with pytest.raises(RadiometricUnitsError, match=r'stored as uint16.*integer DN.*'
                                                    r'calibrate the DN'):
        RadiometricScale(M3MCR_RANGES)(sample(np.full((2, 2, 2), 812.0),
                                              stored=dict(img='uint16', sar='uint16')))
    # a tile of zeros is nodata, not linear power
    out = RadiometricScale(M3MCR_RANGES)(sample(np.zeros((2, 2, 2))))
    np.testing.assert_array_equal(out['sar'], 1.0)


def test_linear_power_is_converted_to_db_by_hand():
    # VV: 10 log10(0.1) = -10 dB -> (-10 + 25) / 25 = 0.6;  0.01 -> -20 dB -> 0.2;
    #     1.0 -> 0 dB -> 1.0;  0 -> floor 1e-10 = -100 dB -> clipped to -25 -> 0.0
    # VH: 0.001 -> -30 dB -> (-30 + 32.5) / 32.5 = 0.076923;  0.1 -> -10 dB -> 0.692308
    #     2.0 -> 3.0103 dB -> clipped to 0 -> 1.0;  1e-4 -> -40 dB -> clipped -> 0.0
    sar = [[[0.1, 0.001], [0.01, 0.1]], [[1.0, 2.0], [0.0, 1e-4]]]
    scale = RadiometricScale(M3MCR_RANGES, units=dict(sar='linear'))
    out = scale(sample(sar))
    np.testing.assert_allclose(out['sar'][..., 0], [[0.6, 0.2], [1.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(out['sar'][..., 1], [[2.5 / 32.5, 22.5 / 32.5], [1.0, 0.0]],
                               atol=1e-6)
    with pytest.raises(RadiometricUnitsError,
                       match=r"'sar' file '/d/sar.tif' \(sample s1\): .*units=sar='linear'"
                             r"\) expects linear power.*values -12 .. -3.*dB already"):
        scale(sample([[[-12.0, -3.0]]]))


def test_8bit_optical_under_a_16bit_range_is_refused():
    stored = dict(img='uint8', sar='float64')
    with pytest.raises(RadiometricUnitsError,
                       match=r"'img' file '/d/opt.tif' \(sample s1\) stores uint8 \(at most "
                             r"255\) but its RadiometricScale range reaches 10000: every "
                             r"value would scale to at most 0.0255.*img=\[\(0, 255\)\]"):
        RadiometricScale(M3MCR_RANGES)(sample(np.full((2, 2, 2), -10.0), stored=stored))
    out = RadiometricScale(dict(img=[(0, 255)], sar=[(-25, 0), (-32.5, 0)]))(
        sample(np.full((2, 2, 2), -10.0), img=np.full((2, 2, 4), 51.0), stored=stored))
    np.testing.assert_allclose(out['img'], 0.2)              # 51 / 255


def test_declared_dtypes():
    scale = RadiometricScale(M3MCR_RANGES, dtypes=M3MCR_DTYPES)
    scale(sample(np.full((2, 2, 2), -10.0)))
    with pytest.raises(RadiometricUnitsError,
                       match=r"'sar' file '/d/sar.tif' \(sample s1\) stores int16, but "
                             r"RadiometricScale declares float32 or float64"):
        scale(sample(np.full((2, 2, 2), -10.0), stored=dict(img='uint16', sar='int16')))
    with pytest.raises(ValueError, match=r"dtypes for \['label'\], which have no range"):
        RadiometricScale(M3MCR_RANGES, dtypes=dict(label='uint8'))
    with pytest.raises(ValueError, match=r"units\['sar'\] must be one of"):
        RadiometricScale(M3MCR_RANGES, units=dict(sar='dB'))
    for bad in (['uint16', None], 'uint17'):
        with pytest.raises(ValueError, match=r"dtypes\['img'\] must name numpy dtypes"):
            RadiometricScale(M3MCR_RANGES, dtypes=dict(img=bad))


def test_real_samples_pass_the_m3mcr_config_declaration(m3mcr_fixture_root):
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/m3mcr.py'))
    load, scale = cfg.test_pipeline[:2]
    assert scale.type == 'RadiometricScale'
    loader = LoadOpticalSARTile(load.bands)
    scaling = RadiometricScale(scale.ranges, dtypes=scale.dtypes)
    for split, key in (('train', 'fall_1_p_457'), ('test', 'summer_33_p_1')):
        season, area = key.split('_')[0], key.rsplit('_p_', 1)[0]

        def path(prefix, suffix='.tif'):
            return osp.join(m3mcr_fixture_root, split, f'{prefix}_{season}',
                            f'{prefix}_{area}', f'{prefix}_{key}{suffix}')

        out = scaling(loader(dict(
            sample_key=key, img_path=path('planet_cloudy'), sar_path=path('S1'),
            clear_path=path('planet_cloudfree'))))
        for field in ('img', 'clear_img', 'sar'):
            assert 0 <= out[field].min() and out[field].max() <= 1
