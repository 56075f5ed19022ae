"""CloudRemovalMetric against hand values and a slow numpy SSIM."""
import math

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

from mmseg_edc.evaluation import CloudRemovalMetric


def make_sample(pred, target, mask=None, **metainfo):
    """A data sample in the dict form mmengine's Evaluator hands to metrics."""
    sample = dict(pred_clear_img=dict(data=torch.as_tensor(pred, dtype=torch.float32)),
                  gt_clear_img=dict(data=torch.as_tensor(target, dtype=torch.float32)),
                  **metainfo)
    if mask is not None:
        sample['gt_cloud_mask'] = dict(data=torch.as_tensor(mask, dtype=torch.uint8)[None])
    return sample


def evaluate(samples, **kwargs):
    metric = CloudRemovalMetric(**kwargs)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def random_image(seed, shape=(3, 16, 16), low=0.2, high=0.8):
    return np.random.default_rng(seed).uniform(low, high, shape)


def test_constant_offset_gives_known_psnr_and_mae():
    # error 0.1 everywhere: MSE 0.01, PSNR 10 log10(1 / 0.01) = 20 dB, MAE 0.1
    target = random_image(0)
    results = evaluate([make_sample(target + 0.1, target)])
    assert results['cr/PSNR'] == pytest.approx(20.0, abs=1e-4)
    assert results['cr/MAE'] == pytest.approx(0.1, abs=1e-6)
    # data_range 2: PSNR 10 log10(4 / 0.01) = 26.0206 dB
    results = evaluate([make_sample(target + 0.1, target)], data_range=2.0)
    assert results['cr/PSNR'] == pytest.approx(26.0206, abs=1e-4)


def test_psnr_is_averaged_over_images():
    # image 1: error 0.1 -> 20 dB; image 2: error 0.01 -> 40 dB; mean 30 dB (pooling
    # the pixels instead would give 10 log10(1 / 0.00505) = 22.97 dB).
    target = random_image(1)
    results = evaluate([make_sample(target + 0.1, target), make_sample(target + 0.01, target)])
    assert results['cr/PSNR'] == pytest.approx(30.0, abs=1e-3)
    assert results['cr/MAE'] == pytest.approx(0.055, abs=1e-6)


def test_spectral_angle_of_known_spectra():
    # Left half: reference [1, 0], prediction [1, 1] -> 45 degrees.
    # Right half: reference [0.5, 0.5], prediction [0.2, 0.2] -> 0 degrees.
    target = np.zeros((2, 12, 12))
    pred = np.zeros((2, 12, 12))
    target[0, :, :6], pred[:, :, :6] = 1.0, 1.0
    target[:, :, 6:], pred[:, :, 6:] = 0.5, 0.2
    assert evaluate([make_sample(pred, target)])['cr/SAM'] == pytest.approx(22.5, abs=1e-4)
    # A zero predicted spectrum against [1, 0] counts as 90 degrees.
    target = np.zeros((2, 12, 12))
    target[0] = 1.0
    results = evaluate([make_sample(np.zeros_like(target), target)])
    assert results['cr/SAM'] == pytest.approx(90.0, abs=1e-4)


def test_identical_images_are_perfect():
    target = random_image(2)
    results = evaluate([make_sample(target, target)])
    assert results['cr/SSIM'] == pytest.approx(1.0, abs=1e-12)
    assert results['cr/SAM'] == pytest.approx(0.0, abs=1e-3)
    assert results['cr/MAE'] == 0.0
    assert results['cr/PSNR'] == math.inf


def test_ssim_of_constant_images():
    # Zero variances: SSIM = (2ab + C1) / (a^2 + b^2 + C1), C1 = (0.01 * 1)^2;
    # a = 0.5, b = 0.25: 0.2501 / 0.3126
    pred, target = np.full((1, 12, 12), 0.5), np.full((1, 12, 12), 0.25)
    assert evaluate([make_sample(pred, target)])['cr/SSIM'] == pytest.approx(
        0.2501 / 0.3126, abs=1e-6)


def slow_ssim(x, y, data_range):
    """SSIM by explicit loops over every 11 x 11 window inside the image."""
    offsets = np.arange(11) - 5
    g = np.exp(-offsets**2 / (2 * 1.5**2))
    weights = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = (0.01 * data_range)**2, (0.03 * data_range)**2
    values = []
    for band in range(x.shape[0]):
        for i in range(x.shape[1] - 10):
            for j in range(x.shape[2] - 10):
                wx = x[band, i:i + 11, j:j + 11]
                wy = y[band, i:i + 11, j:j + 11]
                mx, my = (weights * wx).sum(), (weights * wy).sum()
                vx = (weights * (wx - mx)**2).sum()
                vy = (weights * (wy - my)**2).sum()
                cxy = (weights * (wx - mx) * (wy - my)).sum()
                values.append((2 * mx * my + c1) * (2 * cxy + c2) /
                              ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(values))


def test_ssim_matches_slow_reference():
    rng = np.random.default_rng(3)
    target = rng.uniform(0, 1, (2, 14, 15)).astype(np.float32).astype(np.float64)
    pred = np.clip(target + rng.normal(0, 0.1, target.shape), 0, 1)
    pred = pred.astype(np.float32).astype(np.float64)
    expected = slow_ssim(pred, target, 1.0)
    assert 0.3 < expected < 0.95
    assert evaluate([make_sample(pred, target)])['cr/SSIM'] == pytest.approx(
        expected, abs=1e-10)
    expected = slow_ssim(pred * 2, target * 2, 2.0)
    assert evaluate([make_sample(pred * 2, target * 2)], data_range=2.0)['cr/SSIM'] == (
        pytest.approx(expected, abs=1e-10))


def test_predictions_are_clipped_to_data_range():
    # band 0: reference 0.9, prediction 1.3 -> clipped 1.0, error 0.1
    # band 1: reference 0.1, prediction -0.3 -> clipped 0.0, error 0.1
    target = np.stack([np.full((12, 12), 0.9), np.full((12, 12), 0.1)])
    pred = np.stack([np.full((12, 12), 1.3), np.full((12, 12), -0.3)])
    results = evaluate([make_sample(pred, target)])
    assert results['cr/MAE'] == pytest.approx(0.1, abs=1e-6)
    assert results['cr/PSNR'] == pytest.approx(20.0, abs=1e-4)


def test_cloud_subsets():
    # Cloud on the top half (a 6 x 6 mask taken to the 12 x 12 grid by nearest).
    # cloudy: error 0.1 -> 20 dB, MAE 0.1; clear: error 0.01 -> 40 dB, MAE 0.01;
    # overall MSE (0.01 + 0.0001) / 2 -> 10 log10(1 / 0.00505) dB, MAE 0.055.
    mask = np.zeros((6, 6), np.uint8)
    mask[:3] = 1
    target = np.full((3, 12, 12), 0.5)
    pred = target.copy()
    pred[:, :6] += 0.1
    pred[:, 6:] += 0.01
    results = evaluate([make_sample(pred, target, mask)], cloud_subsets=True)
    assert results['cr/cloudy.PSNR'] == pytest.approx(20.0, abs=1e-4)
    assert results['cr/cloudy.MAE'] == pytest.approx(0.1, abs=1e-6)
    assert results['cr/clear.PSNR'] == pytest.approx(40.0, abs=1e-3)
    assert results['cr/clear.MAE'] == pytest.approx(0.01, abs=1e-6)
    assert results['cr/PSNR'] == pytest.approx(10 * math.log10(1 / 0.00505), abs=1e-3)
    assert results['cr/MAE'] == pytest.approx(0.055, abs=1e-6)
    # off by default
    assert set(evaluate([make_sample(pred, target, mask)])) == {
        'cr/PSNR', 'cr/SSIM', 'cr/MAE', 'cr/SAM'}


def test_cloud_subsets_average_over_images_that_have_the_pixels():
    # image 1 is cloud-free (error 0.1), image 2 has no mask (error 0.01): no image
    # has cloudy pixels, only image 1 has clear ones.
    target = random_image(4, (2, 12, 12))
    results = evaluate([make_sample(target + 0.1, target, np.zeros((12, 12))),
                        make_sample(target + 0.01, target)], cloud_subsets=True)
    assert set(results) == {'cr/PSNR', 'cr/SSIM', 'cr/MAE', 'cr/SAM',
                            'cr/clear.PSNR', 'cr/clear.MAE'}
    assert results['cr/clear.MAE'] == pytest.approx(0.1, abs=1e-6)
    assert results['cr/MAE'] == pytest.approx(0.055, abs=1e-6)


def test_mismatched_shapes_name_the_sample():
    sample = make_sample(np.zeros((3, 12, 12)), np.zeros((4, 12, 12)), sample_key='fall_1_p_457')
    with pytest.raises(ValueError, match=r'fall_1_p_457.*\(3, 12, 12\).*\(4, 12, 12\)'):
        evaluate([sample])
    with pytest.raises(ValueError, match='H, W >= 11'):
        evaluate([make_sample(np.zeros((3, 8, 8)), np.zeros((3, 8, 8)))])


def test_evaluator_with_seg_data_samples_and_prefix():
    target = random_image(5)
    samples = []
    for offset in (0.1, 0.01):
        sample = SegDataSample(metainfo=dict(sample_key=f'p_{offset}'))
        sample.gt_clear_img = PixelData(data=torch.tensor(target, dtype=torch.float32))
        sample.pred_clear_img = PixelData(data=torch.tensor(target + offset, dtype=torch.float32))
        sample.gt_cloud_mask = PixelData(data=torch.ones(1, 16, 16, dtype=torch.uint8))
        samples.append(sample)
    evaluator = Evaluator(metrics=[METRICS.build(dict(type='CloudRemovalMetric',
                                                      cloud_subsets=True))])
    evaluator.process(samples)
    results = evaluator.evaluate(2)
    assert list(results) == ['cr/PSNR', 'cr/SSIM', 'cr/MAE', 'cr/SAM',
                             'cr/cloudy.PSNR', 'cr/cloudy.MAE']
    assert results['cr/PSNR'] == pytest.approx(30.0, abs=1e-3)
    assert results['cr/cloudy.PSNR'] == pytest.approx(30.0, abs=1e-3)
    evaluator = Evaluator(metrics=[CloudRemovalMetric(prefix='val_cr')])
    evaluator.process(samples)
    assert 'val_cr/PSNR' in evaluator.evaluate(2)
