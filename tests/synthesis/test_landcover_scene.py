import numpy as np
import pytest

from mmseg_edc.synthesis import (CLASS_SIGNATURES, WORLDCOVER_CODES, AreaStyle,
                                 draw_area_style, synthesize_scene)

OFFSET = (-2.0, 1.0)


def test_arrays_shapes_dtypes_and_codes():
    rng = np.random.default_rng(0)
    scene = synthesize_scene(rng, draw_area_style(rng, 'summer'), optical_offset=OFFSET)
    assert scene.labels.shape == (90, 90) and scene.labels.dtype == np.uint8
    assert scene.optical_classes.shape == (300, 300)
    assert scene.reflectance.shape == (300, 300, 4)
    assert scene.reflectance.dtype == np.float32
    assert scene.sar_db.shape == (90, 90, 2) and scene.sar_db.dtype == np.float64
    assert set(np.unique(scene.labels)) <= set(WORLDCOVER_CODES)
    assert 0 < scene.reflectance.min() and scene.reflectance.max() <= 1
    assert np.isfinite(scene.sar_db).all()
    assert -45 < scene.sar_db.min() and scene.sar_db.max() < 25


def test_label_grid_agrees_with_optical_classes():
    # label pixel (r, c) has its centre at x = 10 c + 5 m east and 10 r + 5 m south of
    # the label origin; the optical origin is 2 m west and 1 m north of it, so that
    # point lies in optical pixel (floor((10 r + 5 + 1) / 3), floor((10 c + 5 + 2) / 3)).
    rng = np.random.default_rng(1)
    scene = synthesize_scene(rng, draw_area_style(rng, 'spring'), optical_offset=OFFSET,
                             class_weights={10: 1, 40: 1, 50: 1, 80: 1})
    centres = 10 * np.arange(90) + 5
    rows, cols = (centres + 1) // 3, (centres + 2) // 3
    sampled = scene.optical_classes[np.ix_(rows, cols)]
    assert (sampled == scene.labels).mean() > 0.97
    assert len(np.unique(scene.labels)) >= 3


def class_statistics(codes, tiles=4):
    rng = np.random.default_rng(2)
    optical = {c: [] for c in codes}
    sar = {c: [] for c in codes}
    for season in ('spring', 'summer', 'fall', 'winter')[:tiles]:
        style = AreaStyle(season=season, class_weights={})
        scene = synthesize_scene(rng, style, class_weights={c: 1.0 for c in codes})
        for c in codes:
            optical[c].append(scene.reflectance[scene.optical_classes == c])
            sar[c].append(scene.sar_db[scene.labels == c])
    return ({c: np.concatenate(v) for c, v in optical.items()},
            {c: np.concatenate(v) for c, v in sar.items()})


def separation(a, b):
    """Per-channel |mean difference| / pooled std (a d-prime), a and b (N, C)."""
    pooled = np.sqrt(0.5 * (a.var(axis=0) + b.var(axis=0)))
    return np.abs(a.mean(axis=0) - b.mean(axis=0)) / pooled


def ndvi(pixels):
    mean = pixels.mean(axis=0)
    return (mean[3] - mean[2]) / (mean[3] + mean[2])


def test_fusion_matters_class_pairs():
    optical, sar = class_statistics((10, 20, 30, 40, 50, 60))
    rangeland_opt = np.concatenate([optical[20], optical[30]])
    rangeland_sar = np.concatenate([sar[20], sar[30]])

    # urban vs bare: optical means within 20 % per band, SAR about 13 dB apart
    urban, bare = optical[50].mean(axis=0), optical[60].mean(axis=0)
    assert np.all(np.abs(urban - bare) / bare < 0.2)
    assert np.all(separation(optical[50], optical[60]) < 1.0)
    sar_gap = sar[50].mean(axis=0) - sar[60].mean(axis=0)
    assert np.all(sar_gap > 10.0)
    assert np.all(separation(sar[50], sar[60]) > 2.5)

    # rangeland vs cropland: SAR within 1 dB, optical far apart (NDVI, red, NIR)
    assert np.all(np.abs(rangeland_sar.mean(axis=0) - sar[40].mean(axis=0)) < 1.0)
    assert np.all(separation(rangeland_sar, sar[40]) < 0.35)
    assert ndvi(optical[40]) - ndvi(rangeland_opt) > 0.25
    assert separation(rangeland_opt, optical[40])[[2, 3]].min() > 1.5

    # forest vs cropland: similar greenness, VH about 4 dB apart
    assert abs(ndvi(optical[10]) - ndvi(optical[40])) < 0.1
    assert sar[10].mean(axis=0)[1] - sar[40].mean(axis=0)[1] > 3.0


def test_signature_table_covers_every_code():
    assert set(CLASS_SIGNATURES) == set(WORLDCOVER_CODES)
    water = CLASS_SIGNATURES[80]
    assert water.reflectance[3] < 0.03 and water.sar_db[0] < -20


def test_unknown_codes_and_seasons_are_rejected():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match='season'):
        draw_area_style(rng, 'monsoon')
    with pytest.raises(ValueError, match=r'\[15\] are not WorldCover codes'):
        synthesize_scene(rng, draw_area_style(rng, 'fall'), class_weights={10: 1, 15: 1})
