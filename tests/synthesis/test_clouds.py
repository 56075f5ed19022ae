import numpy as np
import pytest

from mmseg_edc.synthesis import MASK_THRESHOLD, synthesize_clouds


def clear_image(bands=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.02, 0.3, (120, 150, bands)).astype(np.float32)


@pytest.mark.parametrize('cover', [0.0, 0.05, 0.3, 0.6, 0.9])
def test_mask_cover_matches_target(cover):
    layer = synthesize_clouds(clear_image(), np.random.default_rng(3), cover)
    assert layer.mask.dtype == bool and layer.mask.shape == (120, 150)
    assert abs(layer.cover - cover) <= 1.0 / layer.mask.size + 1e-9
    assert layer.cover == layer.mask.mean()
    assert np.array_equal(layer.mask, layer.alpha > MASK_THRESHOLD)


def test_cloudy_differs_mainly_under_the_mask_and_is_bright():
    clear = clear_image()
    layer = synthesize_clouds(clear, np.random.default_rng(4), 0.4, shadows=False,
                              thin_probability=0.0)
    assert layer.cloudy.shape == clear.shape and layer.cloudy.dtype == np.float32
    diff = np.abs(layer.cloudy - clear).mean(axis=2)
    assert diff[layer.mask].mean() > 5 * diff[~layer.mask].mean()
    # outside the mask only the haze tail (alpha <= 0.1) acts: at most 0.1 * (cloud
    # brightness <= 0.8 * 1.08 * texture) away from the clear value
    assert diff[~layer.mask].max() < 0.1
    thick = layer.alpha > 0.7
    assert thick.any()
    assert layer.cloudy[thick].mean() > 0.4 > clear.mean()
    assert np.all(layer.shadow == 0)


def test_shadows_darken_ground_beside_clouds():
    clear = clear_image()
    layer = synthesize_clouds(clear, np.random.default_rng(5), 0.3, sun_offset=(15, 10),
                              thin_probability=0.0)
    shaded = (layer.shadow > 0.5) & (layer.alpha < 0.02)
    assert shaded.sum() > 50
    # darkening by 40-70 % of the shadow weight (> 0.5) beats the faint haze there
    assert layer.cloudy[shaded].mean() < 0.8 * clear[shaded].mean()
    assert (layer.cloudy[shaded] < clear[shaded]).mean() > 0.98


def test_thin_clouds_stay_translucent():
    layer = synthesize_clouds(clear_image(), np.random.default_rng(6), 0.5,
                              thin_probability=1.0)
    assert layer.alpha.max() <= 0.6 and layer.cover > 0.49


def test_deterministic_and_band_agnostic():
    three_band = clear_image(bands=3)
    a = synthesize_clouds(three_band, np.random.default_rng(9), 0.5, band_tint=(1, 1, 1.1))
    b = synthesize_clouds(three_band, np.random.default_rng(9), 0.5, band_tint=(1, 1, 1.1))
    c = synthesize_clouds(three_band, np.random.default_rng(10), 0.5, band_tint=(1, 1, 1.1))
    assert a.cloudy.shape == (120, 150, 3)
    assert np.array_equal(a.cloudy, b.cloudy) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.mask, c.mask)


def test_rejects_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match='cover'):
        synthesize_clouds(clear_image(), rng, 1.5)
    with pytest.raises(ValueError, match='band_tint has 3 values'):
        synthesize_clouds(clear_image(), rng, 0.5, band_tint=(1, 1, 1))
    with pytest.raises(ValueError, match=r'\(H, W, C\)'):
        synthesize_clouds(np.zeros((10, 10)), rng, 0.5)
