import numpy as np
import pytest

from mmseg_edc.datasets.whu_opt_sar import axis_offsets, cut_tile, tile_key
from mmseg_edc.models.segmentors.edc_segmentor import sliding_windows


@pytest.mark.parametrize('length, tile, stride, edge, offsets', [
    (300, 100, 100, 'shift', [0, 100, 200]),      # exact fit: both modes agree
    (300, 100, 100, 'pad', [0, 100, 200]),
    (299, 100, 100, 'shift', [0, 100, 199]),      # one pixel narrower: last tile moves in
    (299, 100, 100, 'pad', [0, 100, 200]),        # ... or keeps its place, 1 column padded
    (300, 128, 96, 'shift', [0, 96, 172]),        # ceil((300 - 128) / 96) + 1 = 3 tiles
    (300, 128, 96, 'pad', [0, 96, 192]),
    (200, 256, 256, 'pad', [0]),                  # a side shorter than the tile
    (3704, 256, 256, 'shift', list(range(0, 3584, 256)) + [3448]),
    (5556, 256, 256, 'pad', list(range(0, 5556, 256))),
])
def test_offsets_by_hand(length, tile, stride, edge, offsets):
    assert axis_offsets(length, tile, stride, edge) == offsets


def test_offsets_cover_every_pixel_without_repeats():
    for length in range(100, 420, 7):
        for stride in (50, 77, 100):
            for edge in ('shift', 'pad'):
                offsets = axis_offsets(length, 100, stride, edge)
                covered = np.zeros(length + 100, bool)
                for o in offsets:
                    covered[o:o + 100] = True
                assert covered[:length].all()
                assert offsets == sorted(set(offsets))
                assert edge == 'pad' or offsets[-1] + 100 == length


def test_shifted_tiles_are_the_slide_inference_windows():
    for length, tile, stride in ((299, 100, 100), (300, 128, 96), (3704, 256, 256),
                                 (5555, 256, 200)):
        windows = sliding_windows(length, tile, (tile, tile), (stride, stride))
        assert axis_offsets(length, tile, stride) == [y1 for y1, _, _, _ in windows]


def test_offset_errors():
    with pytest.raises(ValueError, match="shorter than the 256 px tile; use edge='pad'"):
        axis_offsets(200, 256, 256, 'shift')
    with pytest.raises(ValueError, match=r'in \[1, tile_size=100\], got 101'):
        axis_offsets(300, 100, 101)
    with pytest.raises(ValueError, match='edge must be one of'):
        axis_offsets(300, 100, 100, 'wrap')


def test_cut_tile_pads_past_the_scene_edge():
    rows = np.arange(2 * 3 * 7, dtype=np.uint8).reshape(2, 3, 7)      # C x h x W
    tile = cut_tile(rows, x0=4, tile_size=4, fill=255)
    assert tile.shape == (2, 4, 4) and tile.dtype == np.uint8
    np.testing.assert_array_equal(tile[:, :3, :3], rows[:, :, 4:7])
    assert (tile[:, 3, :] == 255).all() and (tile[:, :, 3] == 255).all()
    np.testing.assert_array_equal(cut_tile(rows, 0, 3, 0), rows[:, :, :3])


def test_tile_key():
    assert tile_key('NH49E001013', 72, 5300) == 'NH49E001013_y0072_x5300'
