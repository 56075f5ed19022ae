"""Seeded fractal noise fields by spectral synthesis (fractional Brownian surfaces).

A field with power spectrum ``P(f) ~ (f^2 + f0^2) ** (-beta / 2)`` is drawn by shaping
complex white noise in the Fourier domain and taking one inverse real FFT:

* ``beta`` sets the roughness: about 0-1 is grainy (urban texture, canopy),
  2 is a Brownian surface, 3-4 gives smooth blobs (land-cover regions, cumulus clouds);
* ``corner_period`` (pixels, giving ``f0 = 1 / corner_period``) flattens the spectrum
  below that frequency, so features stop growing beyond about that size;
* ``anisotropy`` > 1 stretches features along ``angle`` (cirrus streaks, field strips).

Fields are drawn on a grid padded by ``pad`` of the larger side (rounded up to a fast
FFT length) and cropped, so the periodic wrap-around of the FFT does not show as
matching opposite edges. Every random number comes from the caller's
``numpy.random.Generator``: the same generator state always gives the same array.
"""
from functools import lru_cache

import numpy as np
from scipy import fft as sp_fft


@lru_cache(maxsize=64)
def _spectral_filter(padded_shape, beta, corner_period, anisotropy, angle):
    """Amplitude filter, float64 (Hp, Wp // 2 + 1), for ``irfft2`` (cached, read-only)."""
    height, width = padded_shape
    fy = sp_fft.fftfreq(height)[:, None]
    fx = sp_fft.rfftfreq(width)[None, :]
    along = fx * np.cos(angle) + fy * np.sin(angle)
    across = -fx * np.sin(angle) + fy * np.cos(angle)
    f2 = (along * anisotropy) ** 2 + across ** 2
    f0 = 1.0 / corner_period if corner_period else 1.0 / max(padded_shape)
    amplitude = (f2 + f0 ** 2) ** (-beta / 4.0)
    amplitude[0, 0] = 0.0
    amplitude.setflags(write=False)
    return amplitude


def spectral_noise(shape, rng, beta=2.0, corner_period=None, anisotropy=1.0,
                   angle=0.0, count=None, pad=0.25):
    """Draw zero-mean, unit-std fractal noise.

    Args:
        shape (tuple[int, int]): output (H, W).
        rng (numpy.random.Generator): source of all randomness.
        beta (float): spectral exponent of the power spectrum (>= 0).
        corner_period (float | None): feature size in pixels above which the spectrum
            is flat; None lets features grow to the padded field size.
        anisotropy (float): >= 1, elongation of features along ``angle``.
        angle (float): direction of elongation in radians (0 = along x / columns).
        count (int | None): if given, draw that many independent fields at once.
        pad (float): padding fraction of the larger side against wrap-around.

    Returns:
        numpy.ndarray: float64 (H, W), or (count, H, W) when ``count`` is given;
        each field has mean 0 and standard deviation 1 over the returned window.
    """
    height, width = (int(s) for s in shape)
    if height < 1 or width < 1:
        raise ValueError(f'spectral_noise: shape must be positive, got {shape}')
    if beta < 0 or anisotropy < 1:
        raise ValueError(f'spectral_noise: need beta >= 0 and anisotropy >= 1, '
                         f'got beta={beta}, anisotropy={anisotropy}')
    margin = int(np.ceil(pad * max(height, width)))
    padded = (sp_fft.next_fast_len(height + margin, real=True),
              sp_fft.next_fast_len(width + margin, real=True))
    amplitude = _spectral_filter(padded, float(beta),
                                 None if corner_period is None else float(corner_period),
                                 float(anisotropy), float(angle))
    n = 1 if count is None else int(count)
    spectrum_shape = (n,) + amplitude.shape
    spectrum = rng.standard_normal(spectrum_shape) + 1j * rng.standard_normal(spectrum_shape)
    fields = sp_fft.irfft2(spectrum * amplitude, s=padded, axes=(-2, -1))
    top, left = (padded[0] - height) // 2, (padded[1] - width) // 2
    fields = fields[:, top:top + height, left:left + width]
    fields = fields - fields.mean(axis=(1, 2), keepdims=True)
    std = fields.std(axis=(1, 2), keepdims=True)
    fields = fields / np.where(std > 0, std, 1.0)
    return fields[0] if count is None else fields
