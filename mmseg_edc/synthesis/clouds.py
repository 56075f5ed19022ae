"""Seeded synthesis of clouds and cloud shadows over a clear optical image.

Works on any clear image in reflectance (H, W, C) float, so it serves the generated
M3M-CR benchmark and datasets that ship without clouds (WHU-OPT-SAR).

Recipe (one call, all randomness from the caller's generator):

1. **Thickness map** ``T``: fractal noise (:func:`spectral_noise`, beta 2.6-3.4, blobs
   of about ``scale_px``) plus, with probability 1/2, an elongated cirrus layer
   (anisotropy 3-6). ``T`` is drawn on a grid larger than the image by the shadow
   offset, so shadows can come from clouds just outside the image.
2. **Cover**: ``q`` = the ``1 - cover`` quantile of ``T`` over the image, so exactly a
   ``cover`` fraction of pixels has ``T > q``.
3. **Cloud opacity** ``alpha`` (0..1), with ``u = (T - q) / spread``:
   ``alpha = t + (alpha_max - t) * (1 - exp(-u))`` for ``u >= 0`` (thin at the edges,
   thick towards the cores) and ``alpha = t * exp(u / haze_width)`` for ``u < 0`` (a
   thin haze fading away from the clouds), where ``t = mask_threshold`` (0.1).
   ``alpha_max`` is 0.85-1.0 for thick clouds; a ``thin_probability`` share of calls
   makes a thin-cloud image (alpha_max 0.3-0.6). ``spread`` (0.3-1.2 std of ``T``)
   sets how fast clouds become opaque.
4. **Mask** = ``alpha > mask_threshold``, which is exactly ``T > q``: its cover is the
   requested one (up to ties), thin and thick clouds alike.
5. **Cloud radiance**: ``brightness`` (0.55-0.8 reflectance) x a per-band tint (slightly
   rising to longer wavelengths, given by ``band_tint``, jittered by 2 %) x a texture
   ``1 + 0.08 * N`` (fine fractal noise) x ``(0.8 + 0.2 * alpha / alpha_max)`` (thin
   edges greyer than thick cores).
6. **Shadows** (optional): ``alpha`` shifted by the sun offset (``sun_offset`` pixels,
   random direction and 8-30 px when not given), blurred (penumbra, sigma 2 px), darkens
   the ground: ``ground = clear * (1 - shadow_strength * shadow)`` with strength
   0.4-0.7. Shadows are not part of the mask.
7. ``cloudy = (1 - alpha) * ground + alpha * cloud_radiance``, clipped to [0, 1].
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .fractal_noise import spectral_noise

#: Opacity above which a pixel counts as cloud in the mask.
MASK_THRESHOLD = 0.1


@dataclass
class CloudLayer:
    """Result of :func:`synthesize_clouds`.

    Attributes:
        cloudy (numpy.ndarray): float32 (H, W, C) cloudy reflectance in [0, 1].
        alpha (numpy.ndarray): float32 (H, W) cloud opacity in [0, 1].
        mask (numpy.ndarray): bool (H, W), True = cloud (``alpha > mask_threshold``).
        shadow (numpy.ndarray): float32 (H, W) shadow darkening weight in [0, 1]
            (zeros when shadows are off).
        cover (float): fraction of True pixels in ``mask``.
    """

    cloudy: np.ndarray
    alpha: np.ndarray
    mask: np.ndarray
    shadow: np.ndarray
    cover: float


def _check_inputs(clear, cover, band_tint):
    if clear.ndim != 3:
        raise ValueError(f'synthesize_clouds: clear image must be (H, W, C), '
                         f'got shape {clear.shape}')
    if not 0.0 <= cover <= 1.0:
        raise ValueError(f'synthesize_clouds: cover must be in [0, 1], got {cover}')
    if band_tint is not None and len(band_tint) != clear.shape[2]:
        raise ValueError(f'synthesize_clouds: band_tint has {len(band_tint)} values, '
                         f'the image has {clear.shape[2]} bands')


def _sun_offset(rng, sun_offset):
    if sun_offset is not None:
        return int(round(sun_offset[0])), int(round(sun_offset[1]))
    azimuth = rng.uniform(0.0, 2.0 * np.pi)
    length = rng.uniform(8.0, 30.0)
    return int(round(length * np.sin(azimuth))), int(round(length * np.cos(azimuth)))


def synthesize_clouds(clear, rng, cover, *, shadows=True, sun_offset=None,
                      band_tint=None, scale_px=None, thin_probability=0.25,
                      mask_threshold=MASK_THRESHOLD):
    """Put seeded fractal clouds (and their shadows) over a clear image.

    Args:
        clear (numpy.ndarray): float (H, W, C) clear reflectance, about 0..1.
        rng (numpy.random.Generator): source of all randomness.
        cover (float): target cloud-mask cover in [0, 1].
        shadows (bool): draw cloud shadows.
        sun_offset (tuple[float, float] | None): (dy, dx) shadow displacement in
            pixels; None draws a random direction and a length of 8-30 px.
        band_tint (sequence[float] | None): per-band relative cloud brightness
            (length C); None means flat white.
        scale_px (float | None): typical cloud size in pixels; default
            0.5 * min(H, W).
        thin_probability (float): chance that the image gets only thin clouds.
        mask_threshold (float): opacity above which the mask is True.

    Returns:
        CloudLayer: cloudy image, opacity, mask, shadow weight and achieved cover.
    """
    clear = np.asarray(clear, dtype=np.float32)
    _check_inputs(clear, cover, band_tint)
    height, width, bands = clear.shape
    scale = float(scale_px) if scale_px else 0.5 * min(height, width)
    offset = _sun_offset(rng, sun_offset) if shadows else (0, 0)
    margin = max(abs(offset[0]), abs(offset[1])) + 6 if shadows else 0
    big = (height + 2 * margin, width + 2 * margin)

    thickness = spectral_noise(big, rng, beta=rng.uniform(3.0, 3.8), corner_period=scale)
    if rng.random() < 0.5:
        thickness = thickness + rng.uniform(0.3, 0.7) * spectral_noise(
            big, rng, beta=3.0, corner_period=scale,
            anisotropy=rng.uniform(3.0, 6.0), angle=rng.uniform(0.0, np.pi))
    inner = (slice(margin, margin + height), slice(margin, margin + width))
    visible = thickness[inner]
    if cover <= 0.0:
        level = visible.max() + 1e-9
    else:
        level = np.quantile(visible, 1.0 - cover)

    thin = rng.random() < thin_probability
    alpha_max = rng.uniform(0.3, 0.6) if thin else rng.uniform(0.85, 1.0)
    spread = rng.uniform(0.4, 1.5) * thickness.std()
    haze_width = rng.uniform(0.2, 0.8)
    u = (thickness - level) / spread
    alpha_big = np.where(
        u >= 0.0,
        mask_threshold + (alpha_max - mask_threshold) * (1.0 - np.exp(-np.maximum(u, 0.0))),
        mask_threshold * np.exp(np.minimum(u, 0.0) / haze_width)).astype(np.float32)
    alpha = alpha_big[inner]
    mask = u[inner] > 0.0

    if shadows:
        shifted = np.roll(alpha_big, offset, axis=(0, 1))
        shadow = ndimage.gaussian_filter(shifted, 2.0)[inner]
        ground = clear * (1.0 - rng.uniform(0.4, 0.7) * shadow)[..., None]
    else:
        shadow = np.zeros((height, width), np.float32)
        ground = clear

    tint = np.ones(bands) if band_tint is None else np.asarray(band_tint, float)
    tint = tint * (1.0 + 0.02 * rng.standard_normal(bands))
    texture = 1.0 + 0.08 * spectral_noise((height, width), rng, beta=1.8,
                                          corner_period=scale / 4)
    shading = texture * (0.8 + 0.2 * alpha / alpha_max)
    radiance = rng.uniform(0.55, 0.8) * shading[..., None] * tint[None, None, :]
    a = alpha[..., None]
    cloudy = np.clip((1.0 - a) * ground + a * radiance, 0.0, 1.0).astype(np.float32)
    return CloudLayer(cloudy=cloudy, alpha=alpha, mask=mask,
                      shadow=shadow.astype(np.float32), cover=float(mask.mean()))


#: Default range of the uniform cloud-cover distribution (fraction of mask pixels).
DEFAULT_COVER_RANGE = (0.1, 0.9)


def check_cover_range(cover_range):
    """``cover_range`` as ``(lo, hi)`` floats; raise unless ``0 <= lo <= hi <= 1``."""
    lo, hi = (float(v) for v in cover_range)
    if not 0.0 <= lo <= hi <= 1.0:
        raise ValueError(f'cover_range must satisfy 0 <= lo <= hi <= 1, got {cover_range}')
    return lo, hi


def synthesize_clouds_random_cover(clear, rng, cover_range=DEFAULT_COVER_RANGE,
                                   band_tint=None, shadows=True, thin_probability=0.25):
    """Draw a cover uniformly from ``cover_range``, then clouds with that cover.

    Args:
        clear (numpy.ndarray): float ``H x W x C`` cloud-free reflectance, about 0..1.
        rng (numpy.random.Generator): source of all randomness (the cover is its first
            draw).
        cover_range (tuple[float, float]): bounds of the uniform cover distribution.
        band_tint (sequence[float] | None): per-band cloud brightness (length ``C``).
        shadows (bool): darken the ground beside the clouds.
        thin_probability (float): share of images with only thin clouds.

    Returns:
        mmseg_edc.synthesis.CloudLayer: ``cloudy`` float32 ``H x W x C`` in [0, 1],
        ``mask`` bool ``H x W``, ``alpha``, ``shadow`` and the achieved ``cover``.
    """
    lo, hi = check_cover_range(cover_range)
    return synthesize_clouds(clear, rng, rng.uniform(lo, hi), band_tint=band_tint,
                             shadows=shadows, thin_probability=thin_probability)
