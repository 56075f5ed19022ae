"""Cutting a scene into square tiles: window offsets, tile keys, edge padding.

Offsets along one axis of length ``L`` for tiles of ``T`` pixels at stride ``S``
(``1 <= S <= T``) start at ``0, S, 2S, ...``; there are ``ceil(max(L - T, 0) / S) + 1``
of them, the fewest that cover every pixel. The last tile is then

* ``'shift'`` (default): moved inward to end on the scene edge (offset ``L - T``), so
  every tile is all real pixels and overlaps its neighbour more; needs ``L >= T``. These
  are the windows of mmseg's slide inference (:func:`mmseg_edc.utils.windows.window_starts`);
* ``'pad'``: kept on the stride lattice and filled past the scene edge (image 0,
  label 255 = ignored), so tiles never overlap more than ``T - S``.
"""
import numpy as np

from mmseg_edc.utils.windows import window_starts

EDGE_MODES = ('shift', 'pad')


def axis_offsets(length, tile_size, stride, edge='shift'):
    """Start offsets of the tiles along one axis (see the module docstring).

    Args:
        length (int): scene pixels along the axis.
        tile_size (int): tile pixels along the axis.
        stride (int): step between tile starts, ``1 <= stride <= tile_size``.
        edge (str): ``'shift'`` or ``'pad'``.

    Returns:
        list[int]: increasing offsets.
    """
    if edge not in EDGE_MODES:
        raise ValueError(f'edge must be one of {EDGE_MODES}, got {edge!r}')
    if not 1 <= stride <= tile_size:
        raise ValueError(f'stride must be in [1, tile_size={tile_size}], got {stride}')
    if edge == 'shift':
        if length < tile_size:
            raise ValueError(f'a scene side of {length} px is shorter than the {tile_size} '
                             "px tile; use edge='pad' (--edge pad) or a smaller tile size")
        return window_starts(length, tile_size, stride)
    count = -(-max(length - tile_size, 0) // stride) + 1
    return [i * stride for i in range(count)]


def tile_key(scene, y0, x0):
    """Key of the tile whose top-left pixel is ``(y0, x0)`` in ``scene``."""
    return f'{scene}_y{y0:04d}_x{x0:04d}'


def cut_tile(rows, x0, tile_size, fill):
    """One ``C x T x T`` tile from a band of scene rows, padded with ``fill``.

    Args:
        rows (numpy.ndarray): ``C x h x W`` scene rows starting at the tile's ``y0``
            (``h <= T``; fewer than ``T`` rows at a padded bottom edge).
        x0 (int): column offset of the tile.
        tile_size (int): ``T``.
        fill (int): value of pixels past the scene edge.

    Returns:
        numpy.ndarray: contiguous ``C x T x T`` array of ``rows.dtype``.
    """
    part = rows[:, :tile_size, x0:x0 + tile_size]
    tile = np.full((rows.shape[0], tile_size, tile_size), fill, dtype=rows.dtype)
    tile[:, :part.shape[1], :part.shape[2]] = part
    return tile
