"""label_window_side: the label pixels under a top-left input window."""
import pytest

from mmseg_edc.evaluation.pixel_fields import label_window_side

M3MCR = dict(sample_key='fall_1_p_457', img_shape=(300, 300), ori_shape=(90, 90))


def test_whole_label_pixels_by_hand():
    # 3 m optical, 10 m labels: 150 px = 450 m = 45 label pixels; 160 px = 48
    assert label_window_side(M3MCR, 150) == 45
    assert label_window_side(M3MCR, 160) == 48


def test_partial_label_pixels_and_oversized_windows_are_refused():
    with pytest.raises(ValueError, match='fall_1_p_457.*37.500 label pixels'):
        label_window_side(M3MCR, 125)
    with pytest.raises(ValueError, match='exceeds its input size'):
        label_window_side(M3MCR, 320)
