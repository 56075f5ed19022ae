"""Sliding-window geometry and blending weights shared by slide inference and
large-scene inference.

Windows are placed as mmseg's slide inference places them: stride
``window - overlap``, the last window of a row or column shifted inward to end at the
border, a window larger than the image shrunk to it. Overlapping outputs can be
averaged (mmseg) or blended with a separable ``sin^2`` taper, which hides the seams
that window borders otherwise leave.
"""
import numpy as np


def window_starts(length, size, stride):
    """Start offsets of the windows along one axis, as mmseg's slide inference places
    them: one every ``stride`` pixels, the last shifted inward to end at the border; a
    window longer than the axis starts at 0 (and is cut to the axis).

    Returns:
        list[int]: increasing offsets.
    """
    count = max(length - size + stride - 1, 0) // stride + 1
    return [max(min(i * stride + size, length) - size, 0) for i in range(count)]


def sliding_windows(height, width, crop, stride):
    """``(y1, y2, x1, x2)`` of every window, row by row (see :func:`window_starts`)."""
    (crop_h, crop_w), (stride_h, stride_w) = crop, stride
    cols = window_starts(width, crop_w, stride_w)
    for y1 in window_starts(height, crop_h, stride_h):
        for x1 in cols:
            yield y1, min(y1 + crop_h, height), x1, min(x1 + crop_w, width)


def taper(length, ramp, at_start, at_end):
    """1-D blending profile of one window side.

    ``sin^2`` ramps of ``ramp`` pixels rise from the window's start and fall to
    its end, each only where a neighbouring window overlaps (``at_start`` /
    ``at_end``; a side on the scene border keeps full weight). Ramps are sampled
    at pixel centres, so no value is zero, and two ramps meeting over ``ramp``
    pixels sum to one.

    Returns:
        np.ndarray: float32 ``(length,)`` in ``(0, 1]``.
    """
    profile = np.ones(length, dtype=np.float64)
    ramp = min(ramp, length)
    if ramp > 0:
        rise = np.sin(0.5 * np.pi * (np.arange(ramp) + 0.5) / ramp) ** 2
        if at_start:
            profile[:ramp] *= rise
        if at_end:
            profile[length - ramp:] *= rise[::-1]
    return profile.astype(np.float32)


def blend_weights(top, left, window_shape, scene_shape, ramp):
    """Separable taper of the window at ``(top, left)``.

    Args:
        top, left (int): window position in the scene.
        window_shape (tuple[int, int]): ``(h, w)``.
        scene_shape (tuple[int, int]): ``(H, W)``.
        ramp (int): ramp length in pixels (the planned overlap).

    Returns:
        np.ndarray: float32 ``h x w``, positive everywhere.
    """
    (win_h, win_w), (height, width) = window_shape, scene_shape
    rows = taper(win_h, ramp, top > 0, top + win_h < height)
    cols = taper(win_w, ramp, left > 0, left + win_w < width)
    return np.outer(rows, cols)
