"""Synthetic clouds for datasets that ship without them (WHU-OPT-SAR).

Clouds come from :func:`mmseg_edc.synthesis.synthesize_clouds`; its module docstring
(``mmseg_edc/synthesis/clouds.py``) gives the recipe: a fractal thickness map, thresholded
at the quantile that yields the requested cover, turned into an opacity ``alpha`` (thin
edges, thick cores, a faint haze tail, a quarter of the images with only thin clouds),
blended as ``cloudy = (1 - alpha) * ground + alpha * cloud_radiance`` with shifted, blurred
shadows darkening the ground, and ``mask = alpha > 0.1``.

Each image's cover is drawn uniformly from ``cover_range`` (default 10-90 %) by
:func:`mmseg_edc.synthesis.synthesize_clouds_random_cover`; the WHU-OPT-SAR converter uses
the same function with a generator seeded per tile, so the saved val/test clouds and the
clouds drawn during training follow one recipe.
"""
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

from mmseg_edc.synthesis import (DEFAULT_COVER_RANGE, check_cover_range,
                                 synthesize_clouds_random_cover)

@TRANSFORMS.register_module()
class SynthesizeClouds(BaseTransform):
    """Replace the cloudy image and its mask by fresh clouds over the cloud-free image.

    Each call draws new clouds (and a new cover from ``cover_range``) with the recipe of
    :func:`mmseg_edc.synthesis.synthesize_clouds`, from numpy's global generator, which
    mmengine seeds per worker (``randomness=dict(seed=...)`` makes runs repeatable). Use it
    in training pipelines only: val/test read the converter's saved, deterministic clouds.
    Place it after :class:`RadiometricScale` (``max_value=1``) or give the full-scale value
    of the unscaled image (``max_value=255`` for 8-bit optical). The clouds' size follows
    the image (about half its shorter side), so put it before any crop to keep the
    converter's statistics.

    Args:
        cover_range (tuple[float, float]): the cover is drawn uniformly from this range.
        band_tint (sequence[float] | None): per-band cloud brightness (WHU-OPT-SAR, R G B
            NIR: ``(1.0, 0.96, 0.92, 1.06)``); None is flat white.
        max_value (float): image value of reflectance 1.
        shadows (bool): draw cloud shadows.
        thin_probability (float): share of images with only thin clouds.

    Required keys: ``clear_img`` (float ``H x W x C``), ``img`` (same shape).
    Modified keys: ``img`` (float32 ``H x W x C``), ``cloud_mask`` (uint8 ``H x W``,
    1 = cloud; added to ``image_fields`` when it was not loaded).
    Added keys: ``cloud_cover`` (float, fraction of mask pixels).
    """

    def __init__(self, cover_range=DEFAULT_COVER_RANGE, band_tint=None, max_value=1.0,
                 shadows=True, thin_probability=0.25):
        self.cover_range = check_cover_range(cover_range)
        if max_value <= 0:
            raise ValueError(f'max_value must be > 0, got {max_value}')
        self.band_tint = None if band_tint is None else tuple(float(t) for t in band_tint)
        self.max_value = float(max_value)
        self.shadows = shadows
        self.thin_probability = thin_probability

    @cache_randomness
    def _draw_generator(self):
        """A fresh generator seeded by 128 bits from numpy's global state."""
        return np.random.default_rng(np.random.randint(0, 2**32, size=4, dtype=np.uint64))

    def transform(self, results):
        key = results.get('sample_key')
        if 'clear_img' not in results:
            raise KeyError(f'SynthesizeClouds: sample {key} has no clear_img; configure '
                           'the dataset to load the cloud-free image')
        clear = results['clear_img']
        if clear.shape != results['img'].shape:
            raise ValueError(
                f'SynthesizeClouds: sample {key}: clear_img has shape {clear.shape} but '
                f'img has {results["img"].shape}; both must be H x W x C on one grid')
        layer = synthesize_clouds_random_cover(
            clear / self.max_value, self._draw_generator(), self.cover_range,
            band_tint=self.band_tint, shadows=self.shadows,
            thin_probability=self.thin_probability)
        results['img'] = layer.cloudy * np.float32(self.max_value)
        results['cloud_mask'] = layer.mask.astype(np.uint8)
        results['cloud_cover'] = layer.cover
        fields = results.setdefault('image_fields', [])
        if 'cloud_mask' not in fields:
            fields.append('cloud_mask')
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(cover_range={self.cover_range}, '
                f'band_tint={self.band_tint}, max_value={self.max_value}, '
                f'shadows={self.shadows}, thin_probability={self.thin_probability})')
