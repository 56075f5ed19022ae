import numpy as np
import pytest

from mmseg_edc.synthesis import spectral_noise


def test_shape_normalisation_and_batch():
    field = spectral_noise((37, 53), np.random.default_rng(0), beta=2.0)
    assert field.shape == (37, 53) and field.dtype == np.float64
    assert abs(field.mean()) < 1e-12 and abs(field.std() - 1.0) < 1e-12
    stack = spectral_noise((20, 30), np.random.default_rng(0), count=3)
    assert stack.shape == (3, 20, 30)
    assert np.allclose(stack.std(axis=(1, 2)), 1.0)
    assert not np.allclose(stack[0], stack[1])


def test_same_generator_state_same_field():
    a = spectral_noise((64, 64), np.random.default_rng(7), beta=3.0, corner_period=20)
    b = spectral_noise((64, 64), np.random.default_rng(7), beta=3.0, corner_period=20)
    c = spectral_noise((64, 64), np.random.default_rng(8), beta=3.0, corner_period=20)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def mean_abs_step(field, axis):
    return np.abs(np.diff(field, axis=axis)).mean()


def test_beta_controls_roughness():
    # unit-variance white noise has E|x1 - x2| = 2 / sqrt(pi) = 1.128 between neighbours;
    # a smooth (beta = 4) field changes far less from pixel to pixel.
    white = spectral_noise((128, 128), np.random.default_rng(1), beta=0.0)
    smooth = spectral_noise((128, 128), np.random.default_rng(1), beta=4.0)
    assert abs(mean_abs_step(white, 1) - 2 / np.sqrt(np.pi)) < 0.1
    assert mean_abs_step(smooth, 1) < 0.2 * mean_abs_step(white, 1)


def test_anisotropy_elongates_along_angle():
    # angle 0 = features stretched along x, so steps along x (axis 1) are smaller.
    field = spectral_noise((128, 128), np.random.default_rng(2), beta=3.0,
                           anisotropy=5.0, angle=0.0)
    assert mean_abs_step(field, 1) < 0.5 * mean_abs_step(field, 0)


def test_rejects_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match='shape'):
        spectral_noise((0, 5), rng)
    with pytest.raises(ValueError, match='anisotropy'):
        spectral_noise((5, 5), rng, anisotropy=0.5)
