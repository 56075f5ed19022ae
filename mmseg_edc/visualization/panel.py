"""Rendering of one optical-SAR sample as a row of labelled tiles (numpy, RGB uint8)."""
import cv2
import numpy as np

from mmseg_edc.io import resample_nearest

TITLE_HEIGHT = 22
IGNORE_COLOR = (0, 0, 0)


def percentile_stretch(bands, low=2.0, high=98.0):
    """Stretch ``H x W x C`` (or ``H x W``) values between two percentiles to uint8.

    Each channel is stretched on its own, which is the usual true-colour display of
    reflectance (percentiles over finite values; a flat channel becomes 0).
    """
    bands = np.asarray(bands, dtype=np.float32)
    squeeze = bands.ndim == 2
    if squeeze:
        bands = bands[..., None]
    out = np.zeros(bands.shape, dtype=np.uint8)
    for c in range(bands.shape[-1]):
        channel = bands[..., c]
        finite = channel[np.isfinite(channel)]
        if finite.size == 0:
            continue
        lo, hi = np.percentile(finite, [low, high])
        if hi <= lo:
            continue
        scaled = (np.nan_to_num(channel, nan=lo) - lo) / (hi - lo)
        out[..., c] = np.round(np.clip(scaled, 0, 1) * 255).astype(np.uint8)
    return out[..., 0] if squeeze else out


def colorize_labels(labels, palette, ignore_index=255):
    """Map an ``h x w`` class map to ``h x w x 3`` colours; ignored pixels are black."""
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[:len(palette)] = np.asarray(palette, dtype=np.uint8)
    lut[ignore_index] = IGNORE_COLOR
    return lut[np.asarray(labels, dtype=np.uint8)]


def overlay_mask(rgb, mask, color=(0, 255, 255), alpha=0.5):
    """Blend ``color`` into ``rgb`` (``H x W x 3`` uint8) where ``mask`` is set."""
    out = rgb.astype(np.float32)
    sel = np.asarray(mask).astype(bool)
    out[sel] = (1 - alpha) * out[sel] + alpha * np.asarray(color, np.float32)
    return out.astype(np.uint8)


def _titled(tile, title):
    bar = np.full((TITLE_HEIGHT, tile.shape[1], 3), 255, dtype=np.uint8)
    cv2.putText(bar, title, (3, TITLE_HEIGHT - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([bar, tile], axis=0)


def compose_panel(tiles, gap=4):
    """Put ``[(title, H x W x 3 uint8 or H x W uint8), ...]`` side by side.

    Tiles on a coarser grid (labels) are brought to the first tile's size by nearest
    sampling, so every pixel of the panel row shows the same ground.
    """
    height, width = tiles[0][1].shape[:2]
    columns = []
    for title, tile in tiles:
        if tile.ndim == 2:
            tile = np.repeat(tile[..., None], 3, axis=-1)
        if tile.shape[:2] != (height, width):
            tile = resample_nearest(tile, (height, width))
        columns.append(_titled(tile, title))
        columns.append(np.full((height + TITLE_HEIGHT, gap, 3), 255, np.uint8))
    return np.concatenate(columns[:-1], axis=1)


def render_sample_panel(inputs, palette, optical_channels, rgb_bands=(2, 1, 0),
                        gt_labels=None, pred_labels=None, cloud_mask=None,
                        clear_pred=None):
    """Panel for one sample.

    Args:
        inputs (ndarray): ``C x H x W`` packed inputs in radiometric units
            (optical bands first, then SAR bands).
        palette (list[tuple]): class colours.
        optical_channels (int): how many leading channels are optical.
        rgb_bands (tuple[int]): optical band indices shown as red, green, blue
            (``(2, 1, 0)`` for B, G, R, NIR band order).
        gt_labels, pred_labels (ndarray | None): ``h x w`` class maps on the label grid.
        cloud_mask (ndarray | None): ``H x W``, nonzero = cloud.
        clear_pred (ndarray | None): ``C_opt x H x W`` cloud-removed optical image.

    Returns:
        ndarray: ``(TITLE_HEIGHT + H) x W' x 3`` uint8 RGB.
    """
    optical = np.transpose(inputs[:optical_channels], (1, 2, 0))
    true_colour = percentile_stretch(optical[..., list(rgb_bands)])
    tiles = [('cloudy optical', true_colour)]
    if inputs.shape[0] > optical_channels:
        tiles.append(('SAR (1st band)', percentile_stretch(inputs[optical_channels])))
    if cloud_mask is not None:
        tiles.append(('cloud mask', overlay_mask(true_colour, cloud_mask)))
    if gt_labels is not None:
        tiles.append(('ground truth', colorize_labels(gt_labels, palette)))
    if pred_labels is not None:
        tiles.append(('prediction', colorize_labels(pred_labels, palette)))
    if clear_pred is not None:
        clear = np.transpose(clear_pred, (1, 2, 0))[..., list(rgb_bands)]
        tiles.append(('cloud removed', percentile_stretch(clear)))
    return compose_panel(tiles)
