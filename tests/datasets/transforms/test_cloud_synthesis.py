import numpy as np
import pytest

from mmseg_edc.datasets.transforms import SynthesizeClouds

TINT = (1.0, 0.96, 0.92, 1.06)


def loaded_tile(shape=(96, 96), seed=0):
    rng = np.random.default_rng(seed)
    clear = rng.uniform(0.05, 0.3, shape + (4,)).astype(np.float32)
    return dict(img=clear.copy(), clear_img=clear, sar=rng.random(shape + (1,)),
                image_fields=['img', 'sar', 'clear_img'], seg_fields=[], sample_key='t')


def test_fresh_clouds_every_call_with_a_consistent_mask():
    transform = SynthesizeClouds(band_tint=TINT)
    np.random.seed(0)
    results = [transform(loaded_tile()) for _ in range(3)]
    masks = [r['cloud_mask'] for r in results]
    assert not np.array_equal(masks[0], masks[1])
    assert not np.array_equal(masks[1], masks[2])
    for r in results:
        assert r['img'].shape == (96, 96, 4) and r['img'].dtype == np.float32
        assert r['cloud_mask'].dtype == np.uint8 and r['cloud_mask'].shape == (96, 96)
        assert 'cloud_mask' in r['image_fields']
        cloud = r['cloud_mask'].astype(bool)
        assert r['cloud_cover'] == pytest.approx(cloud.mean())
        assert 0.1 - 1e-3 <= r['cloud_cover'] <= 0.9 + 1e-3
        diff = np.abs(r['img'] - r['clear_img']).mean(axis=-1)
        # under the mask the cloud replaces at least 10 % of the ground (alpha > 0.1)
        # and lifts it towards the cloud radiance; outside only haze and shadow act
        assert r['img'][cloud].mean() > r['clear_img'][cloud].mean()
        assert diff[cloud].mean() > 2 * diff[~cloud].mean()
        np.testing.assert_array_equal(r['clear_img'], loaded_tile()['clear_img'])


def test_repeatable_under_the_global_seed_and_scaled_by_max_value():
    transform = SynthesizeClouds(cover_range=(0.3, 0.3))
    np.random.seed(7)
    a = transform(loaded_tile())
    np.random.seed(7)
    b = transform(loaded_tile())
    np.testing.assert_array_equal(a['img'], b['img'])
    assert a['cloud_cover'] == pytest.approx(0.3, abs=1e-3)
    tile = loaded_tile()
    tile['img'], tile['clear_img'] = tile['img'] * 255, tile['clear_img'] * 255
    np.random.seed(7)
    scaled = SynthesizeClouds(cover_range=(0.3, 0.3), max_value=255)(tile)
    np.testing.assert_allclose(scaled['img'], a['img'] * 255, rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(scaled['cloud_mask'], a['cloud_mask'])


def test_errors():
    tile = loaded_tile()
    tile.pop('clear_img')
    with pytest.raises(KeyError, match='sample t has no clear_img'):
        SynthesizeClouds()(tile)
    tile = loaded_tile()
    tile['img'] = tile['img'][:50]
    with pytest.raises(ValueError, match=r'clear_img has shape \(96, 96, 4\) but img has '
                       r'\(50, 96, 4\)'):
        SynthesizeClouds()(tile)
    with pytest.raises(ValueError, match='cover_range must satisfy'):
        SynthesizeClouds(cover_range=(0.5, 0.2))
    with pytest.raises(ValueError, match='max_value must be > 0'):
        SynthesizeClouds(max_value=0)
