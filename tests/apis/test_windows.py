"""Window layout, blending weights and the strip accumulator."""
import numpy as np
import pytest

from mmseg_edc.apis import (StripAccumulator, band_capacity, finished_until,
                            plan_window_rows)
from mmseg_edc.utils.windows import blend_weights, taper


def coverage(rows, shape):
    count = np.zeros(shape, dtype=int)
    for row in rows:
        for left in row.lefts:
            count[row.top:row.top + row.height, left:left + row.width] += 1
    return count


def test_windows_cover_the_scene_with_the_last_ones_shifted_inward():
    rows = plan_window_rows(150, 200, window=64, overlap=16)
    assert [row.top for row in rows] == [0, 48, 86]          # 86 = 150 - 64
    assert all(row.lefts == (0, 48, 96, 136) for row in rows)  # 136 = 200 - 64
    assert {(row.height, row.width) for row in rows} == {(64, 64)}
    assert coverage(rows, (150, 200)).min() >= 1


def test_window_larger_than_the_scene_shrinks_to_it():
    rows = plan_window_rows(40, 30, window=64, overlap=16)
    assert rows == [(0, 40, (0,), 30)]
    # larger along one axis only: one window row of full height, columns slide
    rows = plan_window_rows(40, 100, window=64, overlap=16)
    assert [(row.top, row.height) for row in rows] == [(0, 40)]
    assert rows[0].lefts == (0, 36) and rows[0].width == 64
    assert coverage(rows, (40, 100)).min() == 1


@pytest.mark.parametrize('window, overlap', [(0, 0), (64, 64), (64, -1)])
def test_invalid_window_settings_are_refused(window, overlap):
    with pytest.raises(ValueError, match='window'):
        plan_window_rows(100, 100, window, overlap)


def test_taper_is_positive_and_ramps_meeting_over_the_overlap_sum_to_one():
    profile = taper(64, 16, at_start=True, at_end=True)
    assert profile.min() > 0 and profile.max() == 1
    assert np.all(profile[16:48] == 1)
    rising, falling = profile[:16], taper(64, 16, True, True)[-16:]
    np.testing.assert_allclose(rising + falling, 1, atol=1e-6)
    # sides on the scene border keep full weight
    assert np.all(taper(64, 16, at_start=False, at_end=False) == 1)


def test_weights_are_positive_everywhere_in_the_scene():
    shape = (150, 200)
    total = np.zeros(shape)
    for row in plan_window_rows(*shape, window=64, overlap=32):
        for left in row.lefts:
            weights = blend_weights(row.top, left, (row.height, row.width), shape, 32)
            assert weights.dtype == np.float32 and weights.min() > 0
            total[row.top:row.top + row.height, left:left + row.width] += weights
    assert total.min() > 0


def blend_constant(shape, window, overlap, block):
    """Stream constant window outputs through the accumulator, band by band."""
    values = np.array([1.5, -2.0, 7.25], dtype=np.float32)
    rows = plan_window_rows(*shape, window, overlap)
    accumulator = StripAccumulator(3, band_capacity(window, block, shape[0]),
                                   shape[1])
    blended = np.full((3, *shape), np.nan, dtype=np.float32)
    for index, row in enumerate(rows):
        size = (row.height, row.width)
        for left in row.lefts:
            accumulator.add(row.top, left, np.broadcast_to(values[:, None, None],
                                                           (3, *size)),
                            blend_weights(row.top, left, size, shape, overlap),
                            np.zeros(size, dtype=bool))
        finished = finished_until(rows, index, shape[0], block)
        if finished > accumulator.top:
            blended[:, accumulator.top:finished] = accumulator.averaged(
                accumulator.top, finished)[0]
        accumulator.advance(finished)
    return values, blended


def test_blending_constant_outputs_returns_the_constant():
    values, blended = blend_constant((150, 200), 64, 32, block=16)
    np.testing.assert_allclose(blended, np.broadcast_to(values[:, None, None],
                                                        blended.shape), rtol=1e-6)


def test_released_rows_are_whole_tile_rows_and_the_band_holds_the_next_windows():
    rows = plan_window_rows(150, 200, window=64, overlap=16)    # tops 0, 48, 86
    assert [finished_until(rows, i, 150, 16) for i in range(3)] == [48, 80, 150]
    assert band_capacity(64, 16, 150) == 80 and band_capacity(64, 256, 150) == 150
    # after releasing up to 80, the band [80, 160) holds the last window row 86..150


def test_accumulator_refuses_rows_outside_its_band():
    accumulator = StripAccumulator(1, 8, 4)
    accumulator.advance(4)
    with pytest.raises(ValueError, match='outside'):
        accumulator.add(0, 0, np.ones((1, 2, 2), np.float32),
                        np.ones((2, 2), np.float32), np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match='outside'):
        accumulator.averaged(10, 13)
