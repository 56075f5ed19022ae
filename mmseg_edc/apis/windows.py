"""Window rows and the strip accumulator of large-scene inference.

A scene of ``H x W`` pixels is covered by rows of equal ``h x w`` windows placed as
mmseg's slide inference places them (stride ``window - overlap``; the last window of
a row or column is shifted inward to end at the border; a window larger than the
scene shrinks to it). Overlapping window outputs are blended with a separable
cosine taper, so seams between windows do not show. Only a band of rows a little
taller than one window is ever held in memory: rows that no later window touches
are averaged, handed on and dropped.
"""
from itertools import groupby
from typing import NamedTuple, Tuple

import numpy as np

from mmseg_edc.utils.windows import sliding_windows


class WindowRow(NamedTuple):
    """One row of windows: all start at row ``top`` and are ``height x width``."""
    top: int
    height: int
    lefts: Tuple[int, ...]
    width: int


def plan_window_rows(height, width, window, overlap):
    """Rows of windows covering an ``height x width`` scene.

    Args:
        height, width (int): scene size in pixels.
        window (int): side of the square windows; a side larger than the scene
            shrinks to the scene's (the model then sees the whole extent along it).
        overlap (int): pixels shared by neighbouring windows, ``0 <= overlap <
            window``; the last window of a row or column overlaps more, since it
            is shifted inward to end at the border.

    Returns:
        list[WindowRow]: top to bottom, each with its window lefts left to right.
    """
    if window <= 0:
        raise ValueError(f'window must be positive, got {window}')
    if not 0 <= overlap < window:
        raise ValueError(f'overlap must satisfy 0 <= overlap < window ({window}), '
                         f'got {overlap}')
    if height <= 0 or width <= 0:
        raise ValueError(f'scene must have pixels, got {height} x {width}')
    stride = window - overlap
    layout = sliding_windows(height, width, (window, window), (stride, stride))
    return [WindowRow(top=top, height=bottom - top,
                      lefts=tuple(x1 for _, _, x1, _ in boxes),
                      width=min(window, width))
            for (top, bottom), boxes in groupby(layout, key=lambda box: box[:2])]


def finished_until(rows, index, height, block):
    """First scene row still open once window row ``index`` has been added.

    Rows above the next window row's top are touched by no later window; they are
    released in whole tile rows of ``block`` pixels (so every output tile is written
    once), all remaining rows after the last window row.
    """
    if index + 1 == len(rows):
        return height
    top = rows[index + 1].top
    return top - top % block


def band_capacity(window_height, block, height):
    """Rows a :class:`StripAccumulator` needs for :func:`finished_until`'s releases.

    After a release the band starts less than ``block`` rows above the next window
    row, which reaches ``window_height`` rows down.
    """
    return min(height, window_height + block)


class StripAccumulator:
    """Weighted sums of window outputs over a band of scene rows.

    Holds ``C x capacity x W`` sums, a ``capacity x W`` weight sum and a
    ``capacity x W`` nodata flag for scene rows ``[top, top + capacity)``. Windows
    are added anywhere inside the band; :meth:`averaged` gives the blended outputs
    of finished rows and :meth:`advance` drops them, moving the band down.

    Args:
        channels (int): output channels per pixel (logits, then any other outputs).
        capacity (int): rows held at once; at least the lowest window bottom minus
            the band top at any time.
        width (int): scene width ``W``.
    """

    def __init__(self, channels, capacity, width):
        self.top = 0
        self.sums = np.zeros((channels, capacity, width), dtype=np.float32)
        self.weights = np.zeros((capacity, width), dtype=np.float32)
        self.nodata = np.zeros((capacity, width), dtype=bool)

    @property
    def capacity(self):
        return self.weights.shape[0]

    def _rows(self, start, stop):
        first, last = start - self.top, stop - self.top
        if first < 0 or last > self.capacity:
            raise ValueError(
                f'rows {start}..{stop} lie outside the accumulated band '
                f'{self.top}..{self.top + self.capacity}')
        return slice(first, last)

    def add(self, top, left, outputs, weights, nodata):
        """Add one window.

        Args:
            top, left (int): window position in the scene.
            outputs (np.ndarray): float32 ``C x h x w``.
            weights (np.ndarray): float32 ``h x w`` blending weights.
            nodata (np.ndarray): bool ``h x w``, True where the inputs are nodata.
        """
        height, width = weights.shape
        rows, cols = self._rows(top, top + height), slice(left, left + width)
        self.sums[:, rows, cols] += outputs * weights
        self.weights[rows, cols] += weights
        self.nodata[rows, cols] |= nodata

    def averaged(self, start, stop):
        """Blended outputs of scene rows ``[start, stop)``, every pixel covered.

        Returns:
            tuple[np.ndarray, np.ndarray]: float32 ``C x n x W`` weighted means and
            bool ``n x W`` nodata flags (copies).
        """
        rows = self._rows(start, stop)
        return self.sums[:, rows] / self.weights[rows], self.nodata[rows].copy()

    def advance(self, new_top):
        """Drop the rows above ``new_top`` and free their space at the bottom.

        Rows move up in blocks of ``shift`` rows, whose source and destination never
        overlap, so no temporary copy of the band is made.
        """
        shift = self._rows(new_top, new_top).start
        if shift == 0:
            return
        kept = self.capacity - shift
        for array in (self.sums, self.weights, self.nodata):
            for start in range(0, kept, shift):
                stop = min(start + shift, kept)
                array[..., start:stop, :] = array[..., start + shift:stop + shift, :]
            array[..., kept:, :] = 0
        self.top = new_top
